# 25 real nodes on a sparse topology (each dials 3 others, not a full mesh):
# posts on 5 nodes reach all 25, hop by hop.
. tests/cli/lib.sh
. tests/cli/netlib.inc
t0=$(now_s)
NN=25
DL=$((90 * SLOW))

pick_base $NN 27200 || { bad "$NN free ports"; exit 1; }
status 0 "testnet of $NN on ports $BASE.." $W testnet "$T/net" --nodes $NN --base-port "$BASE"
N=$T/net
all=""
i=1
while [ $i -le $NN ]; do all="$all $N/node$i"; i=$((i + 1)); done

# The topology, from the peers files.
sparse=yes
for d in $all; do
	n=$(grep -vc '^#' "$d/peers")
	[ "$n" -ge 3 ] && [ "$n" -lt $((NN - 1)) ] || sparse=no
done
links=$(cat "$N"/node*/peers | grep -vc '^#')
check "every node dials at least 3, fewer than $((NN - 1))" test $sparse = yes
check "not a full mesh: $links dialled links < $((NN * (NN - 1) / 2))" test "$links" -lt $((NN * (NN - 1) / 2))
# node1 dials nodes 2, 3 and 13 (1 + floor(25/2)); node7 is two hops away.
k7=$($W id -d "$N/node7")
check "node1 does not dial node7" test "$(grep -c "^$k7 " "$N/node1/peers")" -eq 0

up=0
for d in $all; do start_node "$d" && up=$((up + 1)); done
check "$NN nodes running" test $up -eq $NN
echo "# $NN nodes up after $(($(now_s) - t0))s"

$W keygen --out "$T/ola.key" >/dev/null
posted=0
for i in 1 6 11 16 21; do
	k=1
	while [ $k -le 4 ]; do
		$W idea add -d "$N/node$i" --title "node$i idea $k" >/dev/null 2>>"$T/posterr" && posted=$((posted + 1))
		k=$((k + 1))
	done
done
k=1
while [ $k -le 5 ]; do
	$W idea add -d "$N/node13" --key "$T/ola.key" --title "ola $k" >/dev/null 2>>"$T/posterr" && posted=$((posted + 1))
	k=$((k + 1))
done
check "25 posts on 6 nodes acknowledged" test $posted -eq 25
t1=$(now_s)
check "all $NN nodes converge" wait_converged "$DL" $all
echo "# $NN nodes converged ${CONV_SECS}s after the last post"
check "25 events on every node" has_events 25 $all
status 0 "node25 verifies" $W verify -d "$N/node25"
status 0 "node13 verifies" $W verify -d "$N/node13"

# Links: 3 dialled + 3 dialling per node; every node has some connected.
conn=yes
total=0
for d in $all; do
	st "$d" "$T/s.json"
	c=$(jget "$T/s.json" 'sum(1 for p in j["peers"] if p["connected"])')
	[ "${c:-0}" -ge 3 ] || conn=no
	total=$((total + ${c:-0}))
done
check "every node has at least 3 connected peers" test $conn = yes
echo "# connected peer entries over all nodes: $total (3 links x 2 ends x $NN = $((6 * NN)))"

st0=0
for d in $all; do stop_node "$d" || st0=1; done
check "all $NN nodes stop cleanly with exit 0" test $st0 -eq 0
check_logs
echo "# net_sparse: $(($(now_s) - t0))s"
