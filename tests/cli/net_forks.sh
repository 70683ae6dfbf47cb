# Forks on real nodes (spec/events.md sections 4-5, spec/sync.md "Fetch").
# 1. The case that split digests for good before author trees: one member
#    key with branches of different lengths on different nodes (seq 4 on
#    nodes 1 and 2, a seq-2 branch on node 3, a seq-3 branch on node 4),
#    nodes started together: every node ends with every event, one
#    digest, the member's events from the fork on marked excluded, and no
#    peer charged for sending valid events of another branch.
# 2. A resident who posts through two nodes before they synced keeps both
#    ideas, is not frozen, and posts again.
. tests/cli/lib.sh
. tests/cli/netlib.inc
DL=$((60 * SLOW))

pick_base 4 27400 || { bad "4 free ports"; exit 1; }
status 0 "testnet of 4" $W testnet "$T/net" --nodes 4 --base-port "$BASE"
N=$T/net
all="$N/node1 $N/node2 $N/node3 $N/node4"

# Node 1's data directory on two other machines (copies taken at seq 1,
# each restored and posted from on its own: the member equivocates; `--key`
# of a member's key is refused, so the copies sign as the member does).
status 0 "node1 posts seq 1" $W idea add -d "$N/node1" --title "seq 1"
cp -a "$N/node1" "$T/dev3"
cp -a "$N/node1" "$T/dev4"
status 0 "export seq 1" $W export -d "$N/node1" -o "$T/one.log"
for i in 2 3 4; do
	status 0 "node$i imports seq 1" $W import -d "$N/node$i" "$T/one.log"
done
for k in 2 3 4; do
	status 0 "node1 posts seq $k" $W idea add -d "$N/node1" --title "main $k"
done
status 0 "export seq 1-4" $W export -d "$N/node1" -o "$T/four.log"
status 0 "node2 imports seq 1-4" $W import -d "$N/node2" "$T/four.log"
status 0 "copy 3: a seq-2 branch" $W idea add -d "$T/dev3" --title "three"
status 0 "copy 4: a seq-2,3 branch" $W idea add -d "$T/dev4" --title "four a"
status 0 "copy 4: seq 3" $W idea add -d "$T/dev4" --title "four b"
$W export -d "$T/dev3" -o "$T/dev3.log"
$W export -d "$T/dev4" -o "$T/dev4.log"
status 0 "node3 imports the seq-2 branch" $W import -d "$N/node3" "$T/dev3.log"
status 0 "node4 imports the seq-2,3 branch" $W import -d "$N/node4" "$T/dev4.log"
st "$N/node3" "$T/s3.json"
check "node3 holds 2 events before the nodes start" test "$(json_field "$T/s3.json" events)" = 2

up=0
for i in 1 2 3 4; do start_node "$N/node$i" && up=$((up + 1)); done
check "4 nodes running" test $up -eq 4
check "every node ends with all 7 events and one digest" wait_converged "$DL" $all
check "7 events everywhere" has_events 7 $all
for i in 1 2 3 4; do
	st "$N/node$i" "$T/s.json"
	check "node$i: the member's 6 events from the fork on are excluded" \
		test "$(json_field "$T/s.json" excluded)" = 6
	check "node$i: verify passes" sh -c "\"$W\" verify -d \"$N/node$i\" >/dev/null"
	"$W" status -d "$N/node$i" --json >"$T/p.json" 2>/dev/null
	check "node$i: no peer charged for valid events of another branch" \
		python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(1 if any(p["invalid"] for p in j["peers"]) else 0)' "$T/p.json"
	check "node$i: nobody ignored" sh -c "! grep -q 'ignoring\|ignored for' '$N/node$i.log'"
done
status 5 "the member that equivocated cannot post" $W idea add -d "$N/node1" --title "more"
oneline "the refusal is one line"

# 2. A resident through two nodes that have not synced: node3 and node4
# stopped, each run alone in turn.
stop_node "$N/node3" >/dev/null
stop_node "$N/node4" >/dev/null
$W keygen --out "$T/anna.key" >/dev/null
status 0 "anna posts through node3 alone" $W idea add -d "$N/node3" --key "$T/anna.key" --title "trees on Swietojanska"
a1=$(cat "$T/out")
status 0 "anna posts through node4 alone" $W idea add -d "$N/node4" --key "$T/anna.key" --title "benches too"
a2=$(cat "$T/out")
rm -f "$T/anna.key.chain"	# and then from a restored older copy of her key
status 0 "anna posts through node4 from an old copy" $W idea add -d "$N/node4" --key "$T/anna.key" --title "and shade"
a3=$(cat "$T/out")
start_node "$N/node3"
start_node "$N/node4"
check "the network converges on anna's forks (10 events)" wait_converged "$DL" $all
check "10 events everywhere" has_events 10 $all
for i in 1 2 3 4; do
	for id in $a1 $a2 $a3; do
		check "node$i holds anna's idea ${id%"${id#????????}"}" sh -c "\"$W\" show -d \"$N/node$i\" $id >/dev/null"
	done
	st "$N/node$i" "$T/s.json"
	check "node$i: nothing of anna's is excluded" test "$(json_field "$T/s.json" excluded)" = 6
done
status 0 "anna posts again: not frozen" $W idea add -d "$N/node1" --key "$T/anna.key" --title "thanks"
check "everyone gets it" wait_converged "$DL" $all
check "11 events everywhere" has_events 11 $all
for i in 1 2 3 4; do
	check "node$i exits 0 on SIGTERM" stop_node "$N/node$i"
done
check_logs
