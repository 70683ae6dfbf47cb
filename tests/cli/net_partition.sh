# A 2|2 partition of a 4-node network: each side keeps posting and syncing
# within itself, never sees the other side's events while cut, and after
# the cut heals all four nodes converge with every event.
#
# With root and `ip netns`, nodes 1-2 run in one network namespace and 3-4
# in another, joined by a veth pair that is taken down and up: the nodes run
# throughout (`# partition via netns`). Otherwise, or with
# NET_PARTITION=stop, the links are cut by stopping the other side:
# stop 3,4; post on 1,2; stop 1,2; start 3,4; post on 3,4; start all
# (`# partition via stopped nodes`).
. tests/cli/lib.sh
. tests/cli/netlib.inc
t0=$(now_s)
DL=$((90 * SLOW))

pick_base 4 27500 || { bad "4 free ports"; exit 1; }
status 0 "testnet of 4 on ports $BASE.." $W testnet "$T/net" --nodes 4 --base-port "$BASE"
N=$T/net
all="$N/node1 $N/node2 $N/node3 $N/node4"
A="$N/node1 $N/node2"
Bs="$N/node3 $N/node4"

mode=stop
NSA=wiec$$a NSB=wiec$$b VA=wv$$a VB=wv$$b
if [ "${NET_PARTITION:-netns}" = netns ] && [ "$(id -u)" -eq 0 ] && command -v ip >/dev/null 2>&1 &&
	ip netns add "$NSA" 2>/dev/null; then
	NET_ATEXIT='ip netns del "$NSA" 2>/dev/null; ip netns del "$NSB" 2>/dev/null'
	if ip netns add "$NSB" && ip link add "$VA" type veth peer name "$VB" &&
		ip link set "$VA" netns "$NSA" && ip link set "$VB" netns "$NSB" &&
		ip -n "$NSA" addr add 10.201.0.1/24 dev "$VA" && ip -n "$NSB" addr add 10.201.0.2/24 dev "$VB" &&
		ip -n "$NSA" link set lo up && ip -n "$NSB" link set lo up &&
		ip -n "$NSA" link set "$VA" up && ip -n "$NSB" link set "$VB" up; then
		mode=netns
	else
		echo "# netns set-up failed; falling back"
		ip link del "$VA" 2>/dev/null
	fi
fi
echo "# partition via $([ $mode = netns ] && echo netns || echo stopped nodes)"

# post_on DIR TAG COUNT: COUNT ideas on DIR.
post_on() {
	k=1
	while [ $k -le "$3" ]; do
		$W idea add -d "$1" --title "$2 $k" >/dev/null 2>>"$T/posterr" || return 1
		k=$((k + 1))
	done
}

if [ $mode = netns ]; then
	# Nodes 1-2 on 10.201.0.1, nodes 3-4 on 10.201.0.2 (ports unchanged).
	for i in 1 2 3 4; do
		p=$((BASE + i - 1))
		ip=10.201.0.1
		[ $i -ge 3 ] && ip=10.201.0.2
		sed -i "s|^listen = tcp://127.0.0.1:$p\$|listen = tcp://$ip:$p|" "$N/node$i/config"
		for j in 1 2 3 4; do
			sed -i "s|tcp://127.0.0.1:$p\$|tcp://$ip:$p|" "$N/node$j/peers"
		done
	done
	check "configs and peers moved to the veth addresses" \
		test "$(cat "$N"/node*/config "$N"/node*/peers | grep -c 127.0.0.1)" -eq 0
	up=0
	NODE_WRAP="ip netns exec $NSA"
	for d in $A; do start_node "$d" && up=$((up + 1)); done
	NODE_WRAP="ip netns exec $NSB"
	for d in $Bs; do start_node "$d" && up=$((up + 1)); done
	NODE_WRAP=
	check "4 nodes running in 2 namespaces" test $up -eq 4
	post_on "$N/node1" "joint" 2
	post_on "$N/node3" "joint" 2
	check "before the cut: 4 nodes converge" wait_converged "$DL" $all
	check "before the cut: 4 events everywhere" has_events 4 $all

	ip -n "$NSA" link set "$VA" down
	post_on "$N/node1" "side A" 3 && post_on "$N/node2" "side A" 2
	post_on "$N/node3" "side B" 4 && post_on "$N/node4" "side B" 1
	check "cut: side A converges within itself" wait_converged "$DL" $A
	check "cut: side B converges within itself" wait_converged "$DL" $Bs
	# Long enough for the links across to be seen down (no message for 15 s;
	# heartbeats time out after 10 s), so that healing needs reconnects
	# and reconciliation, not just TCP retransmits.
	across_down() {
		st "$N/node1" "$T/x.json"
		[ "$(jget "$T/x.json" 'sum(1 for p in j["peers"] if p["connected"])')" = 1 ]
	}
	check "cut: node1 sees node3 and node4 disconnected" wait_until $((40 * SLOW)) across_down
	check "cut: side A holds only its own new events (9)" has_events 9 $A
	check "cut: side B holds only its own new events (9)" has_events 9 $Bs
	ip -n "$NSA" link set "$VA" up
	check "healed: 4 nodes converge" wait_converged "$DL" $all
	echo "# converged ${CONV_SECS}s after the link came back"
else
	up=0
	for d in $all; do start_node "$d" && up=$((up + 1)); done
	check "4 nodes running" test $up -eq 4
	post_on "$N/node1" "joint" 2
	post_on "$N/node3" "joint" 2
	check "before the cut: 4 nodes converge" wait_converged "$DL" $all
	check "before the cut: 4 events everywhere" has_events 4 $all
	for d in $Bs; do stop_node "$d"; done
	post_on "$N/node1" "side A" 3 && post_on "$N/node2" "side A" 2
	check "cut: side A converges within itself" wait_converged "$DL" $A
	for d in $A; do stop_node "$d"; done
	for d in $Bs; do start_node "$d"; done
	post_on "$N/node3" "side B" 4 && post_on "$N/node4" "side B" 1
	check "cut: side B converges within itself" wait_converged "$DL" $Bs
	check "cut: side A holds only its own new events (9)" has_events 9 $A
	check "cut: side B holds only its own new events (9)" has_events 9 $Bs
	for d in $A; do start_node "$d"; done
	check "healed: 4 nodes converge" wait_converged "$DL" $all
	echo "# converged ${CONV_SECS}s after the restart"
fi
check "no post refused" test ! -s "$T/posterr"
check "healed: every node holds all 14 events" has_events 14 $all
for d in $all; do
	status 0 "${d##*/} verifies" $W verify -d "$d"
done
stt=0
for d in $all; do stop_node "$d" || stt=1; done
check "every node exits 0 on SIGTERM" test $stt -eq 0
check_logs
echo "# net_partition ($mode): $(($(now_s) - t0))s"
