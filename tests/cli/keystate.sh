# A resident's chain state beside the key (KEY.chain, spec/events.md
# section 5): written after each post, read before the next, refused with
# one line when it is not a chain state, never blocking on a FIFO.
. tests/cli/lib.sh
D=$T/d
status 0 "init" $W init -d "$D" --name "Gdynia" --role city
$W keygen --out "$T/anna.key" >/dev/null
status 0 "anna posts" $W idea add -d "$D" --key "$T/anna.key" --title "one"
id1=$(cat "$T/out")
check "the state names seq 1 and the event" test "$(cat "$T/anna.key.chain")" = "wiec-chain-v1 1 $id1"
check "the state is 0600" test "$(stat -c %a "$T/anna.key.chain")" = 600
# Another store that holds nothing of anna: her next event still orders
# after the first (seq 2, a root there).
status 0 "init another" $W init -d "$T/e" --name "Sopot" --role city
status 0 "anna posts elsewhere" $W idea add -d "$T/e" --key "$T/anna.key" --title "two" --json
status 0 "show it" $W show -d "$T/e" "$(sed 's/.*"id": "\([0-9a-f]*\)".*/\1/' "$T/out")"
check "seq 2, no prev" grep -q '"seq": 2, "prev": null' "$T/out"
for bad in "" "wiec-chain-v1 1" "wiec-chain-v1 -1 $id1" "wiec-chain-v1 0 $id1" \
	"wiec-chain-v2 1 $id1" "wiec-chain-v1 1 ${id1}0" "wiec-chain-v1 18446744073709551615 $id1"; do
	printf '%s\n' "$bad" >"$T/anna.key.chain"
	status 4 "refused: '$bad'" $W idea add -d "$D" --key "$T/anna.key" --title "x"
	oneline "one line"
done
rm -f "$T/anna.key.chain"
mkfifo "$T/anna.key.chain"
status 4 "a FIFO in place of the state: refused, no hang" timeout 10 $W idea add -d "$D" --key "$T/anna.key" --title "x"
oneline "one line"

# An organisation's store put back from an older copy (its commit record
# too, so the store itself cannot tell): posting on it would fork the
# organisation's chain, an equivocation for good. The last event the
# identity signed (DIR/identity.key.chain) is not in the store: refused,
# exit 3, naming it; once the later events are back (imported here, a
# peer's sync in a network), posting goes on as one chain.
O=$T/org
$W init -d "$O" --name City --role city >/dev/null
$W idea add -d "$O" --title first >/dev/null
cp -a "$O/store" "$T/org.store.old"
$W idea add -d "$O" --title second >/dev/null
$W export -d "$O" -o "$T/org.log"
rm -rf "$O/store"
cp -a "$T/org.store.old" "$O/store"
status 3 "a post on a restored older store is refused" $W idea add -d "$O" --title third
oneline "... in one line"
check "... naming the older copy" grep -q "older copy" "$T/err"
status 0 "the later events come back" $W import -d "$O" "$T/org.log"
status 0 "then the post goes on" $W idea add -d "$O" --title third
status 0 "status" $W status -d "$O" --json
check "one chain: no fork" python3 -c 'import json, sys; sys.exit(json.load(open(sys.argv[1]))["forks"] != 0)' "$T/out"
