# Four real nodes on loopback (a full mesh): posts on every node while all
# run -- organisations' ideas in parallel, residents' ideas, comments across
# nodes -- and every node ends with the same events, every link up, no lag.
. tests/cli/lib.sh
. tests/cli/netlib.inc
t0=$(now_s)
DL=$((60 * SLOW))

pick_base 4 27100 || { bad "4 free ports"; exit 1; }
status 0 "testnet of 4 on ports $BASE.." $W testnet "$T/net" --nodes 4 --base-port "$BASE"
N=$T/net
all="$N/node1 $N/node2 $N/node3 $N/node4"
up=0
for i in 1 2 3 4; do start_node "$N/node$i" && up=$((up + 1)); done
check "4 nodes running" test $up -eq 4

# Every node sees its 3 peers connected before posting (pushes need links).
links_up() {
	for d in $all; do
		[ "$($W peers -d "$d" 2>/dev/null | grep -c ' yes ')" -eq 3 ] || return 1
	done
}
check "every node: 3 peers connected" wait_until "$DL" links_up

# Phase 1: ten ideas on each node, the four nodes at once.
for i in 1 2 3 4; do
	(
		k=1
		while [ $k -le 10 ]; do
			$W idea add -d "$N/node$i" --title "node$i idea $k" >>"$T/posted$i" 2>>"$T/posterr" || exit 1
			k=$((k + 1))
		done
	) &
	echo $! >"$T/poster$i"
done
$W keygen --out "$T/anna.key" >/dev/null
$W keygen --out "$T/jan.key" >/dev/null
k=1
while [ $k -le 5 ]; do
	$W idea add -d "$N/node1" --key "$T/anna.key" --title "anna $k" >>"$T/anna" 2>>"$T/posterr"
	$W idea add -d "$N/node3" --key "$T/jan.key" --title "jan $k" >>"$T/jan" 2>>"$T/posterr"
	k=$((k + 1))
done
pok=yes
for i in 1 2 3 4; do wait "$(cat "$T/poster$i")" || pok=no; done
check "40 parallel posts acknowledged" test $pok = yes -a "$(cat "$T"/posted* | grep -c .)" -eq 40
check "10 residents' posts acknowledged" test "$(cat "$T/anna" "$T/jan" | grep -c .)" -eq 10
check "no post refused" test ! -s "$T/posterr"

check "phase 1: 4 nodes converge (50 events)" wait_converged "$DL" $all
echo "# phase 1 converged in ${CONV_SECS}s"
check "phase 1: 50 events everywhere" has_events 50 $all

# Phase 2: comments on ideas posted elsewhere, from nodes and residents.
idea1=$(head -n 1 "$T/posted1")
idea3=$(head -n 1 "$T/posted3")
annaidea=$(head -n 1 "$T/anna")
status 0 "node2 comments on node1's idea" $W comment add -d "$N/node2" --on "$idea1" --body "Agreed"
status 0 "node4 comments on node3's idea" $W comment add -d "$N/node4" --on "$idea3" --body "Costs?"
status 0 "jan (via node3) comments on anna's idea" $W comment add -d "$N/node3" --key "$T/jan.key" --on "$annaidea" --body "Yes"
c1=$(cat "$T/out")
status 0 "anna (via node1) answers jan" $W comment add -d "$N/node1" --key "$T/anna.key" --on "$c1" --body "Thanks"
status 0 "node1 comments on node4's idea" $W comment add -d "$N/node1" --on "$(head -n 1 "$T/posted4")" --body "Good"
E=55
check "phase 2: 4 nodes converge ($E events)" wait_converged "$DL" $all
echo "# phase 2 converged in ${CONV_SECS}s"
check "phase 2: $E events everywhere" has_events $E $all
for d in $all; do
	status 0 "${d##*/}: log verifies" $W verify -d "$d"
done

# Lag is measured by the reconciliations (about one a second per link).
lag0() {
	for d in $all; do
		st "$d" "$T/s.json"
		[ "$(jget "$T/s.json" 'sum(p["lag"] for p in j["peers"])')" = 0 ] || return 1
	done
}
check "every link reports lag 0" wait_until "$DL" lag0
conn=yes
for d in $all; do
	st "$d" "$T/s.json"
	[ "$(jget "$T/s.json" 'sum(1 for p in j["peers"] if p["connected"])')" = 3 ] || conn=no
done
check "status: 3 connected peers on every node" test $conn = yes
sum_in=0
sum_inv=0
for d in $all; do
	st "$d" "$T/s.json"
	sum_in=$((sum_in + $(jget "$T/s.json" 'sum(p["events_in"] for p in j["peers"])')))
	sum_inv=$((sum_inv + $(jget "$T/s.json" 'sum(p["invalid"] for p in j["peers"])')))
done
echo "# events_in over all links: $sum_in for $E events (ideal $((E * 3)))"
check "every event arrived at the 3 others (events_in >= 3 x events)" test $sum_in -ge $((E * 3))
check "few duplicates (events_in <= 6 x events)" test $sum_in -le $((E * 6))
check "no invalid events on any link" test $sum_inv -eq 0

# A clean stop of every node.
st0=0
for d in $all; do stop_node "$d" || st0=1; done
check "every node exits 0 on SIGTERM" test $st0 -eq 0
check "every node logged a clean stop" test "$(grep -l ' stopped: ' "$N"/node*.log | wc -l)" -eq 4
check_logs
echo "# net_converge: $(($(now_s) - t0))s"
