# SIGTERM while the node works through a burst of costly messages: it stops
# after the message at hand. The loop used to see signals only between
# bursts of up to 256 messages, so a node busy verifying a member's forged
# Events took seconds to stop (146 s in a hostile test), holding its port.
# The member is $B/tool-badpeer with node2's keys: 20 Events messages of
# 16,384 distinct forged envelopes, each a signature check.
. tests/cli/lib.sh
. tests/cli/netlib.inc
t0=$(now_s)
need_badpeer
pick_base 2 27500 || { bad "2 free ports"; exit 1; }
status 0 "testnet of 2 on ports $BASE.." $W testnet "$T/net" --nodes 2 --base-port "$BASE"
N=$T/net
start_node "$N/node1"
check "node1 running" node_alive "$N/node1"
"$BP" "$N/node2" "tcp://127.0.0.1:$BASE" busyempty 0 20 >"$T/bp" 2>&1
sed 's/^/# /' "$T/bp"
check "the forged Events were sent" grep -q 'busyempty: sent' "$T/bp"
pid=$(node_pid "$N/node1")
kill -TERM "$pid"
check "node1 stops within $((3 * SLOW)) s of SIGTERM, mid-burst" \
	wait_until $((3 * SLOW)) node_dead "$N/node1"
stop_node "$N/node1"
check "node1 exited 0" test $? -eq 0
check "node1 logged the stop" grep -q "stopping" "$N/node1.log"
echo "# net_term: $(($(now_s) - t0))s"
