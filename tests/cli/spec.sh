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

# The copies of export.txt and trees.txt: between "VECTORS-BEGIN FILE" and
# "VECTORS-END FILE", inside a ``` fence; a line of 1,000 characters or more
# has its last field replaced by "<N bytes: see FILE>".
for f in tests/vectors/export.txt tests/vectors/trees.txt; do
	sed -n "\\|^VECTORS-BEGIN $f\$|,\\|^VECTORS-END $f\$|p" spec/events.md |
		sed '1,2d;$d' | sed '$d' >"$T/spec"
	awk -v f="$f" '{ if (length($0) >= 1000) $NF = "<" length($NF) / 2 " bytes: see " f ">"; print }' \
		"$f" >"$T/file"
	check "spec/events.md carries $f" cmp -s "$T/spec" "$T/file"
done
check "export vectors: refused records, each way a file breaks, both exit statuses" \
	sh -c 'f=tests/vectors/export.txt; grep -q "^refused " $f && grep -q "^stop [0-9]* magic$" $f &&
	grep -q "^stop 8 missing$" $f && grep -q "^stop 8 genesis " $f &&
	grep -q "^stop [0-9]* frame$" $f && grep -q "^exit 0$" $f && grep -q "^exit 5$" $f'
for o in added dup pending fork chain; do
	check "a tree vector has the outcome $o" grep -q "^arrive [a-z0-9]* $o$" tests/vectors/trees.txt
done
