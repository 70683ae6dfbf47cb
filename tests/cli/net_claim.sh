# A member that claims an author's fetch and never delivers (a hostile
# member's test): it says it holds anna's chain up to seq 2^40 and answers
# every Want for it with an event node3 already holds, saying "more". Each
# answer used to renew its claim on anna, so node3 never fetched anna's new
# event from its honest peers while the member kept at it. A claim is now
# renewed only when it brings an event. The hostile member is
# $B/tool-badpeer with node4's keys; node4's daemon does not run, and node3
# does not dial node4 (node4 dials node3, as any one side of a link may).
. tests/cli/lib.sh
. tests/cli/netlib.inc
t0=$(now_s)
need_badpeer
pick_base 4 27400 || { bad "4 free ports"; exit 1; }
status 0 "testnet of 4 on ports $BASE.." $W testnet "$T/net" --nodes 4 --base-port "$BASE"
N=$T/net
EP3=tcp://127.0.0.1:$((BASE + 2))
status 0 "node3 does not dial node4" $W peer rm -d "$N/node3" --key "$($W id -d "$N/node4")"
# A copy of node1 taken before any node runs: where anna's second event is
# imported from, so that it reaches node1 by import (announced with Have,
# then fetched), not pushed.
cp -a "$N/node1" "$T/side"
$W status -d "$N/node1" --json >"$T/st"
NET=$(json_field "$T/st" network)
$W keygen --out "$T/anna.key" >/dev/null
status 0 "anna signs her first idea" $W sign --key "$T/anna.key" --network "$NET" \
	-o "$T/ev1" idea --title "pierwszy"
ID1=$(cat "$T/out")
status 0 "anna signs her second idea" $W sign --key "$T/anna.key" --network "$NET" \
	-o "$T/ev2" idea --title "drugi"
ID2=$(cat "$T/out")
for i in 1 2 3; do start_node "$N/node$i"; done
check "nodes 1-3 running" node_alive "$N/node3"
held() { "$W" show -d "$1" "$2" >/dev/null 2>&1; }
status 0 "anna's first idea through node1" $W submit -d "$N/node1" "$T/ev1"
check "it reaches node3" wait_until $((30 * SLOW)) held "$N/node3" "$ID1"
"$BP" "$N/node4" "$EP3" recon claim $((40 * SLOW)) >"$T/bp" 2>&1 &
bp=$!
connected4() {
	st "$N/node3" "$T/p3.json"
	test "$(jget "$T/p3.json" '[p["connected"] for p in j["peers"] if p["id"] == "'"$($W id -d "$N/node4")"'"][0]')" = True
}
check "the member is connected to node3" wait_until $((30 * SLOW)) connected4
$W submit -d "$T/side" "$T/ev1" >/dev/null
$W submit -d "$T/side" "$T/ev2" >/dev/null
$W export -d "$T/side" -o "$T/side.log"
status 0 "anna's second idea imported into node1" $W import -d "$N/node1" "$T/side.log"
check "node2 gets it" wait_until $((30 * SLOW)) held "$N/node2" "$ID2"
check "node3 gets it from an honest peer while the member claims anna" \
	wait_until $((30 * SLOW)) held "$N/node3" "$ID2"
check "the member was still at it then" kill -0 "$bp"
kill "$bp" 2>/dev/null
wait "$bp" 2>/dev/null
sed 's/^/# /' "$T/bp"
for i in 1 2 3; do stop_node "$N/node$i"; done
check_logs
echo "# net_claim: $(($(now_s) - t0))s"
