# Restarts: a node SIGKILLed while it catches up restarts, converges and
# verifies; SIGTERM stops a node cleanly (log line, exit 0); SIGHUP re-reads
# DIR/peers (dial added peers, hang up removed ones, keep going on a bad file).
. tests/cli/lib.sh
. tests/cli/netlib.inc
t0=$(now_s)
DL=$((90 * SLOW))
need_badpeer
NEV=10000

pick_base 3 27400 || { bad "3 free ports"; exit 1; }
status 0 "testnet of 3 on ports $BASE.." $W testnet "$T/net" --nodes 3 --base-port "$BASE"
N=$T/net
status 0 "node1 gets $NEV events by 100 residents" "$BP" fill "$N/node1" $NEV 100
check "node1 holds $NEV events" has_events $NEV "$N/node1"
cp -a "$N/node2" "$T/node2.empty"
start_node "$N/node1"

# ---- 1. SIGKILL during a catch-up ----
# node2 starts empty and fetches the events from node1 (a few Events
# answers of up to 1 MiB); poll it, and SIGKILL it as soon as it says it
# holds some (committed: acknowledged). The kill landed mid-sync if node2
# then holds fewer than all (more batches were still to come) and at least
# as many as it said before the kill. Retried from empty (at most 10 times)
# until a kill lands mid-sync; a kill after the whole sync is not counted.
mid=no
try=0
while [ $try -lt 10 ] && [ $mid = no ]; do
	try=$((try + 1))
	rm -rf "$N/node2" && cp -a "$T/node2.empty" "$N/node2"
	$PDEATH "$W" node -d "$N/node2" 2>>"$N/node2.log" &
	echo $! >"$N/node2.pid"
	echo $! >"$(node_pidfile "$N/node2")"
	end=$(($(now_s) + 20 * SLOW))
	before=0
	while [ "$(now_s)" -lt $end ]; do
		before=$(events_of "$N/node2")
		[ "${before:-0}" -gt 0 ] && break
	done
	alive=no
	node_alive "$N/node2" && alive=yes
	kill9_node "$N/node2"
	got=$(events_of "$N/node2")
	echo "# try $try: SIGKILL with ${before:-?} events held before, ${got:-?} of $NEV after"
	[ $alive = yes ] && [ "${before:-0}" -gt 0 ] && [ "${got:-0}" -lt $NEV ] && mid=yes
done
check "node2 killed mid-sync (some, not all events)" test $mid = yes
check "node2 holds every event it held before the kill ($before <= $got)" test "${got:-0}" -ge "${before:-1}"
status 0 "killed node2 verifies before restart" $W verify -d "$N/node2"
start_node "$N/node2"
check "restarted node2 catches up with node1" wait_converged "$DL" "$N/node1" "$N/node2"
echo "# caught up in ${CONV_SECS}s after the restart"
check "node2 holds $NEV events" has_events $NEV "$N/node2"
status 0 "node2 verifies after the restart" $W verify -d "$N/node2"
grep -q 'ERROR: AddressSanitizer\|runtime error' "$N/node2.log"
check "no sanitizer report in node2's log" test $? -ne 0

# ---- 2. SIGTERM: a clean stop ----
start_node "$N/node3"
check "node3 catches up" wait_converged "$DL" "$N/node1" "$N/node3"
stop_node "$N/node2"
check "SIGTERM: node2 exits 0" test $? -eq 0
check "SIGTERM: node2 logs stopping" log_has "$N/node2" 'info  Terminated: stopping$'
check "SIGTERM: node2 logs its clean stop" log_has "$N/node2" 'info  stopped: [0-9]* invalid events and [0-9]* messages dropped since start$'
check "SIGTERM: the control socket is gone" test ! -e "$N/node2/node.sock"
status 0 "SIGTERM: node2 verifies" $W verify -d "$N/node2"

# ---- 3. SIGHUP re-reads the peers file ----
K1=$($W id -d "$N/node1")
# dialed DIR NAME: "True"/"False", whether DIR dials the peer named NAME.
dialed() {
	st "$1" "$T/d.json"
	jget "$T/d.json" "[p[\"dialed\"] for p in j[\"peers\"] if p[\"name\"] == \"$2\"][0]"
}
is_dialed() { [ "$(dialed "$1" "$2")" = "$3" ]; }
check "node3 dials node1" is_dialed "$N/node3" "Gdynia City Hall" True
cp "$N/node3/peers" "$T/peers3"
grep -v "^$K1 " "$T/peers3" >"$N/node3/peers"
kill -HUP "$(node_pid "$N/node3")"
check "SIGHUP: node3 logs re-reading" wait_until $((10 * SLOW)) log_has "$N/node3" 'SIGHUP: re-reading peers'
check "SIGHUP: node3 no longer dials node1 (peer removed)" wait_until $((10 * SLOW)) is_dialed "$N/node3" "Gdynia City Hall" False
check "node3 still dials node2's endpoint" is_dialed "$N/node3" "Fundacja Wiec" True
ndial=$(grep -c "dialing $K1" "$N/node3.log")
cp "$T/peers3" "$N/node3/peers"
kill -HUP "$(node_pid "$N/node3")"
check "SIGHUP: node3 dials node1 again (peer added)" wait_until $((10 * SLOW)) is_dialed "$N/node3" "Gdynia City Hall" True
check "SIGHUP: node3 logs dialing node1 again" test "$(grep -c "dialing $K1" "$N/node3.log")" -eq $((ndial + 1))
# A broken peers file is refused as a whole; the node keeps its links.
echo "not a peer line" >>"$N/node3/peers"
kill -HUP "$(node_pid "$N/node3")"
check "SIGHUP with a bad peers file: the error is logged" wait_until $((10 * SLOW)) log_has "$N/node3" 'peers: line [0-9]*'
check "the node keeps running" node_alive "$N/node3"
check "and keeps dialling node1" is_dialed "$N/node3" "Gdynia City Hall" True
cp "$T/peers3" "$N/node3/peers"
$W idea add -d "$N/node1" --title "after the SIGHUPs" >/dev/null
check "node3 still syncs after the SIGHUPs" wait_converged "$DL" "$N/node1" "$N/node3"

st1=0
for d in "$N/node1" "$N/node3"; do stop_node "$d" || st1=1; done
check "node1 and node3 exit 0 on SIGTERM" test $st1 -eq 0
check_logs
echo "# net_restart: $(($(now_s) - t0))s"
