# Residents post with their own keys through an organisation's node.
. tests/cli/lib.sh
D=$T/node
$W init -d "$D" --name "NGO" --role ngo >/dev/null

status 0 "keygen" $W keygen --out "$T/anna.key"
ANNA=$(cat "$T/out")
check "resident key file is 0600" test "$(stat -c %a "$T/anna.key")" = 600
status 1 "keygen refuses to overwrite" $W keygen --out "$T/anna.key"
status 2 "keygen without --out" $W keygen
status 0 "resident announce" $W announce -d "$D" --key "$T/anna.key" --name "Anna"
status 2 "resident announce needs --name" $W announce -d "$D" --key "$T/anna.key"
status 0 "resident idea" $W idea add -d "$D" --key "$T/anna.key" --title "Playground in Oksywie"
status 0 "node idea" $W idea add -d "$D" --title "City budget 2027"
status 0 "log --author resident" $W log -d "$D" --author "$ANNA" --json
check "resident has 2 events, seq 1 and 2" \
	test "$(sed -n 's/.*"seq": \([0-9]*\).*/\1/p' "$T/out" | tr '\n' ' ')" = "1 2 "
status 0 "status" $W status -d "$D" --json
check "2 authors" test "$(json_field "$T/out" authors)" = 2
status 4 "missing key file" $W idea add -d "$D" --key "$T/none.key" --title x
