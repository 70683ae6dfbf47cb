# The spec's copies of the test vectors are the files make test checks.
. tests/cli/lib.sh
sed -n '/^VECTORS-BEGIN$/,/^VECTORS-END$/p' spec/events.md | sed '1,2d;$d' | sed '$d' >"$T/spec"
awk '{ if (length($0) >= 1000) { print $1, $2, "<" length($3) / 2 " bytes: see tests/vectors/events.txt>" } else print }' \
	tests/vectors/events.txt | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' >"$T/file"
check "spec/events.md carries tests/vectors/events.txt" cmp -s "$T/spec" "$T/file"
check "the vectors hold valid and invalid events" \
	test "$(grep -c '^valid ' "$T/file")" -ge 5 -a "$(grep -c '^invalid ' "$T/file")" -ge 10
for rule in too_big decode noncanon unknown field network sig; do
	check "a vector breaks rule $rule" grep -q "^invalid $rule " "$T/file"
done
