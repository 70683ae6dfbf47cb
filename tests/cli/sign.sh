# Residents' own devices: `wiec sign` on a machine with no node and no data
# directory, `wiec submit` through an organisation's node (stopped, then
# running). The node never holds the resident's secret key and relays the
# exact bytes (the id, BLAKE2b-256 of the envelope, is the same).
. tests/cli/lib.sh
. tests/cli/netlib.inc

pick_base 1 27600 || { bad "a free port"; exit 1; }
$W testnet "$T/net" --nodes 1 --base-port "$BASE" >/dev/null
D=$T/net/node1
$W status -d "$D" --json >"$T/st"
NET=$(json_field "$T/st" network)
# The genesis, as a file: the first record of an export.
$W export -d "$D" -o "$T/x.log"
glen=$(od -An -tu1 -j8 -N4 "$T/x.log" | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
dd if="$T/x.log" of="$T/genesis" bs=1 skip=12 count="$glen" 2>/dev/null
IDEA=$($W idea add -d "$D" --title "Park" --category zieleń)

# The phone: a key and nothing else. No WIEC_DIR, no ./wiec-data.
P=$T/phone
mkdir "$P"
cd "$P" || exit 1
status 0 "keygen on the phone" $W keygen --out anna.key
status 0 "sign an idea (--network)" $W sign --key anna.key --network "$NET" idea \
	--title "Ławka przy szkole" --body "Przy SP 12" --location "54.5189,18.5305" -o idea.ev
ID1=$(cat "$T/out")
check "no data directory was made" test ! -e wiec-data
check "chain state seq 1" grep -q "^wiec-chain-v1 1 $ID1\$" anna.key.chain
status 0 "sign a comment (--genesis) --json" $W sign --key anna.key --genesis "$T/genesis" \
	comment --on "$ID1" --body "Popieram" -o comment.ev --json
ID2=$(json_field "$T/out" id)
check "sign --json prints {\"id\": ...}" match "$(cat "$T/out")" '{"id": "[0-9a-f]\{64\}"}$'
status 0 "sign a support" $W sign --key anna.key --network "$NET" support "$IDEA" -o support.ev
ID3=$(cat "$T/out")
status 0 "sign a report" $W sign --key anna.key --network "$NET" report "$IDEA" --reason spam -o report.ev
ID4=$(cat "$T/out")
status 0 "sign an appeal" $W sign --key anna.key --network "$NET" appeal "$ID2" --reason "Proszę" -o appeal.ev
ID5=$(cat "$T/out")
status 0 "sign a new version of one's idea" $W sign --key anna.key --network "$NET" idea \
	--edit "$ID1" --title "Ławka przy SP 12" -o edit.ev
ID6=$(cat "$T/out")
check "chain state seq 6" grep -q "^wiec-chain-v1 6 $ID6\$" anna.key.chain

# Bad input: one line, the README's status; none of these signs anything.
bad1() {
	name=$1 want=$2
	shift 2
	status "$want" "$name" "$@"
	oneline "$name: one line"
}
bad1 "sign: no --key" 2 $W sign --network "$NET" support "$IDEA" -o x.ev
bad1 "sign: no -o" 2 $W sign --key anna.key --network "$NET" support "$IDEA"
bad1 "sign: no network" 2 $W sign --key anna.key support "$IDEA" -o x.ev
bad1 "sign: both networks" 2 $W sign --key anna.key --network "$NET" --genesis "$T/genesis" support "$IDEA" -o x.ev
bad1 "sign: bad network id" 2 $W sign --key anna.key --network 12ab support "$IDEA" -o x.ev
bad1 "sign: genesis not a genesis" 5 $W sign --key anna.key --genesis anna.key support "$IDEA" -o x.ev
bad1 "sign: what to sign" 2 $W sign --key anna.key --network "$NET" -o x.ev
bad1 "sign: unknown kind" 2 $W sign --key anna.key --network "$NET" vote "$IDEA" -o x.ev
bad1 "sign: option of another kind" 2 $W sign --key anna.key --network "$NET" support "$IDEA" --title x -o x.ev
bad1 "sign: bad location" 2 $W sign --key anna.key --network "$NET" idea --title x --location 1,2,3 -o x.ev
bad1 "sign: support without idea" 2 $W sign --key anna.key --network "$NET" support -o x.ev
bad1 "sign: report without reason" 2 $W sign --key anna.key --network "$NET" report "$IDEA" -o x.ev
bad1 "sign: output exists" 1 $W sign --key anna.key --network "$NET" support "$IDEA" -o idea.ev
bad1 "sign: missing key file" 4 $W sign --key none.key --network "$NET" support "$IDEA" -o x.ev
bad1 "sign: a member's key" 2 $W sign --key "$D/identity.key" --genesis "$T/genesis" support "$IDEA" -o x.ev
# With --network alone: a data directory's identity key (it once signed a
# root beside the organisation's chain, which submit took: an equivocation
# for good); with -d, any current member's key.
bad1 "sign --network: a data directory's identity key" 2 $W sign --key "$D/identity.key" \
    --network "$NET" idea --title x -o x.ev
cp "$D/identity.key" member.key
bad1 "sign --network -d: a member's key" 2 $W sign --key member.key --network "$NET" \
    -d "$D" vote --process "$IDEA" --poll "$IDEA" x -o x.ev
check "  names the member" grep -q "member organisation" "$T/err"
# Signed all the same (a copy of the key, no log at hand): submit refuses
# what would branch the member's chain, and --key refuses a member's key
# (it signed on this store's head, past the rollback guard).
status 0 "a member's root, signed with a copy of its key" $W sign --key member.key \
    --network "$NET" idea --title x -o member.ev
bad1 "submit: a member's event off its chain" 1 $W submit -d "$D" member.ev
check "  says it would equivocate" grep -q "equivocate" "$T/err"
bad1 "idea add --key: a member's identity key" 1 $W idea add -d "$D" --key "$D/identity.key" \
    --title x
$W status -d "$D" --json >"$T/st2"
check "the member never forked" test "$(json_field "$T/st2" forks)" = 0
rm -f member.key member.key.chain member.ev
check "no file left by the refusals" test ! -e x.ev
check "chain state still seq 6" grep -q "^wiec-chain-v1 6 $ID6\$" anna.key.chain
# A signed event whose file cannot be written: the state moved on first,
# so the next event never reuses the seq.
bad1 "sign: output directory missing" 1 $W sign --key anna.key --network "$NET" support "$IDEA" -o nodir/x.ev
check "chain state advanced to 7" grep -q "^wiec-chain-v1 7 " anna.key.chain
status 0 "sign after the failed write" $W sign --key anna.key --network "$NET" support "$IDEA" --withdraw -o withdraw.ev
ID7=$(cat "$T/out")
check "seq 8 (7 is a gap, never reused)" grep -q "^wiec-chain-v1 8 $ID7\$" anna.key.chain
cp anna.key.chain chain.bak
printf 'wiec-chain-v1 x\n' >anna.key.chain
bad1 "sign: corrupt chain state" 4 $W sign --key anna.key --network "$NET" support "$IDEA" -o x.ev
cp chain.bak anna.key.chain
$W sign --key anna.key --network 0000000000000000000000000000000000000000000000000000000000000000 \
	support "$IDEA" -o othernet.ev >/dev/null
cd - >/dev/null || exit 1

# The organisation's node: stopped first (direct to the store), in an order
# that is not the signing order; every event is a root, so each is held.
status 0 "submit the comment before its idea" $W submit -d "$D" "$P/comment.ev"
check "same id (same bytes)" test "$(cat "$T/out")" = "$ID2"
status 0 "submit the idea --json" $W submit -d "$D" "$P/idea.ev" --json
check "submit --json prints {\"id\": ...}" test "$(cat "$T/out")" = "{\"id\": \"$ID1\"}"
status 0 "submit again: a duplicate is fine" $W submit -d "$D" "$P/idea.ev"
check "duplicate prints the same id" test "$(cat "$T/out")" = "$ID1"
status 0 "show the relayed idea" $W show -d "$D" "$ID1"
check "its content is the resident's" grep -q '"title": "Ławka przy szkole"' "$T/out"
bad1 "submit: another network" 5 $W submit -d "$D" "$P/othernet.ev"
check "names the rule" grep -q "refused: event of another network" "$T/err"
cp "$P/support.ev" "$T/tampered.ev"
# Flip the low bit of the last byte (writing a fixed byte would change
# nothing when the signature already ends in it: one run in 256).
n=$(($(wc -c <"$T/tampered.ev") - 1))
b=$(od -An -tu1 -j "$n" -N1 "$T/tampered.ev" | tr -d ' ')
printf "\\$(printf '%03o' $((b ^ 1)))" | dd of="$T/tampered.ev" bs=1 seek="$n" conv=notrunc 2>/dev/null
check "the tampered file differs" sh -c '! cmp -s "$1" "$2"' - "$P/support.ev" "$T/tampered.ev"
bad1 "submit: a tampered file" 5 $W submit -d "$D" "$T/tampered.ev"
check "names the signature" grep -q "refused: bad signature" "$T/err"
: >"$T/empty.ev"
bad1 "submit: empty file" 5 $W submit -d "$D" "$T/empty.ev"
head -c 70000 /dev/zero >"$T/big.ev"
bad1 "submit: too big" 5 $W submit -d "$D" "$T/big.ev"
bad1 "submit: no such file" 1 $W submit -d "$D" "$T/none.ev"
bad1 "submit: no file" 2 $W submit -d "$D"
bad1 "submit: no data directory" 3 $W submit -d "$T/nodir" "$P/support.ev"

# Then running: submit goes through the node's control socket.
start_node "$D" || { bad "node starts"; exit 1; }
for pair in support:$ID3 report:$ID4 appeal:$ID5 edit:$ID6 withdraw:$ID7; do
	f=${pair%%:*}
	status 0 "submit $f to the running node" $W submit -d "$D" "$P/$f.ev"
	check "submit $f: the id signed on the phone" test "$(cat "$T/out")" = "${pair#*:}"
done
bad1 "submit to the node: another network" 5 $W submit -d "$D" "$P/othernet.ev"
stop_node "$D"

# What the organisation holds: the events, not the secret.
SECRET=$(sed -n 's/^wiec-ed25519-sk://p' "$P/anna.key")
check "the secret key is in the key file" test -n "$SECRET"
check "no file of the data directory holds the secret" sh -c "! grep -rqF '$SECRET' '$D'"
check "nor the key file's bytes" sh -c "! find '$D' -type f -exec cmp -s '$P/anna.key' {} \; -print | grep -q ."
$W log -d "$D" --json >"$T/log"
for id in "$ID1" "$ID2" "$ID3" "$ID4" "$ID5" "$ID6" "$ID7"; do
	grep -q "\"id\": \"$id\"" "$T/log" || bad "held: $id"
done
ok "all seven signed events held with their ids"
$W idea show -d "$D" "$ID1" --json >"$T/show"
check "the idea has the resident's edit as latest version" grep -q '"title": "Ławka przy SP 12"' "$T/show"
check "an offline edit states the whole content (no location given)" grep -q '"location": null' "$T/show"
$W idea show -d "$D" "$IDEA" --json >"$T/show"
check "the withdrawn support does not count" grep -q '"supports": 0,' "$T/show"
check "the report is listed" grep -q '"reason": "spam"' "$T/show"
$W verify -d "$D" >/dev/null 2>&1
check "the node verifies" test $? -eq 0

# Eight signings with one key at once, and eight posts with another key at
# once: each takes the next seq (KEY.lock), and the chain state ends at the
# highest. Without the lock several read one state and signed one seq (seq
# 1 five times in one run), and the state could end below a seq signed.
OLA=$($W keygen --out "$P/ola.key")
for i in 1 2 3 4 5 6 7 8; do
	$W sign --key "$P/ola.key" --network "$NET" -o "$P/ola$i.ev" support "$IDEA" >/dev/null 2>&1 &
done
wait
for i in 1 2 3 4 5 6 7 8; do
	status 0 "concurrent sign $i is held" $W submit -d "$D" "$P/ola$i.ev"
done
$W log -d "$D" --author "$OLA" --json >"$T/ola"
seqs_1_to_8() {
	python3 -c 'import json, sys
j = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
sys.exit(sorted(e["seq"] for e in j) != list(range(1, 9)))' "$1"
}
check "eight signings, eight seqs 1..8" seqs_1_to_8 "$T/ola"
check "the chain state is at seq 8" grep -q "^wiec-chain-v1 8 " "$P/ola.key.chain"
EWA=$($W keygen --out "$P/ewa.key")
for i in 1 2 3 4 5 6 7 8; do
	$W comment add -d "$D" --key "$P/ewa.key" --on "$IDEA" --body "komentarz $i" >/dev/null 2>&1 &
done
wait
$W log -d "$D" --author "$EWA" --json >"$T/ewa"
check "eight concurrent posts with one key: seqs 1..8" seqs_1_to_8 "$T/ewa"
check "... and its chain state at seq 8" grep -q "^wiec-chain-v1 8 " "$P/ewa.key.chain"
