# Hostile traffic against a running node: (a) non-members are refused and
# never get data, (b) random bytes on its TCP port do not stop it, (c) a
# member sending malformed sync messages is counted, then ignored, while
# the node keeps serving everyone else. The hostile member is
# $B/tool-badpeer (tests/tools/badpeer.c) with node4's keys; node4's own
# daemon does not run.
. tests/cli/lib.sh
. tests/cli/netlib.inc
t0=$(now_s)
DL=$((60 * SLOW))
BP=$B/tool-badpeer
if [ ! -x "$BP" ]; then
	bad "tool-badpeer is built ($BP)"
	exit 1
fi

pick_base 4 27300 || { bad "4 free ports"; exit 1; }
status 0 "testnet of 4 on ports $BASE.." $W testnet "$T/net" --nodes 4 --base-port "$BASE"
N=$T/net
PORT1=$BASE
EP1=tcp://127.0.0.1:$PORT1
EP2=tcp://127.0.0.1:$((PORT1 + 1))
three="$N/node1 $N/node2 $N/node3"
up=0
for d in $three; do start_node "$d" && up=$((up + 1)); done
check "nodes 1-3 running" test $up -eq 3
$W idea add -d "$N/node2" --title "before the attacks" >/dev/null
$W idea add -d "$N/node3" --title "also before" >/dev/null
check "nodes 1-3 converge" wait_converged "$DL" $three
peer_ids() { st "$1" "$T/p.json"; jget "$T/p.json" '" ".join(sorted(p["id"] for p in j["peers"]))'; }
ids0=$(peer_ids "$N/node1")
# peer_field DIR NAME FIELD: FIELD of the peer named NAME in DIR's status.
peer_field() {
	st "$1" "$T/p.json"
	jget "$T/p.json" "[p[\"$3\"] for p in j[\"peers\"] if p[\"name\"] == \"$2\"][0]"
}
NAME4="Pomeranian Chamber of Commerce"

# ---- (a) non-members ----
pick_base 2 $((BASE + 20)) || { bad "2 free ports"; exit 1; }
$W testnet "$T/other" --nodes 2 --base-port "$BASE" >/dev/null
KEY1=$("$BP" pubkey "$N/node1")
check "node1's transport key read" match "$KEY1" '[0-9a-f]\{64\}$'
"$BP" --wait $((3000 * SLOW)) --server-key "$KEY1" "$T/other/node1" "$EP1" recon >"$T/bp" 2>&1
check "an outsider with node1's server key gets no answer" test $? -eq 3
check "the outsider received 0 bytes" grep -q 'no answer, 0 bytes received' "$T/bp"
check "node1 logs the refused connection" wait_until $((10 * SLOW)) log_has "$N/node1" 'refused a connection from .*is not a member'
check "node1's peers are unchanged" test "$(peer_ids "$N/node1")" = "$ids0"

# An outsider node whose peers file points at node1's port: CURVE with the
# wrong server key never completes; it gets nothing.
sed -i "s|tcp://127.0.0.1:$((BASE + 1))\$|$EP1|" "$T/other/node1/peers"
start_node "$T/other/node1"
check "the outsider node runs, dialling node1's port" grep -q "$EP1" "$T/other/node1/peers"
sleep 2
check "after 2 s the outsider holds no event" test "$(events_of "$T/other/node1")" = 0
stop_node "$T/other/node1"
check "node1's peers still unchanged" test "$(peer_ids "$N/node1")" = "$ids0"

# ---- (b) random bytes on the TCP port ----
python3 - "$PORT1" >"$T/py" 2>&1 <<'EOF'
import os, socket, sys
port = int(sys.argv[1])
greeting = b'\xff' + b'\0' * 8 + b'\x7f' + b'\x03\x00' + b'CURVE'.ljust(20, b'\0') + b'\0' * 32
payloads = [os.urandom(65536), greeting + os.urandom(4096),
            b'\xff' + b'\0' * 8 + b'\x7f' + b'\x03\x00' + b'NULL'.ljust(20, b'\0') + b'\0' * 32,
            b'GET / HTTP/1.0\r\n\r\n', b'']
sent = 0
for p in payloads * 4:
    try:
        s = socket.create_connection(('127.0.0.1', port), timeout=5)
    except Exception as e:
        print('connect:', e)
        continue
    sent += 1
    try:
        s.sendall(p)
        s.settimeout(0.2)
        s.recv(100)
    except Exception as e:
        print('send/recv:', e)
    s.close()
print('sent', sent, 'connections of junk')
EOF
sed 's/^/# /' "$T/py"
check "20 connections of random bytes sent" grep -q 'sent 20 connections' "$T/py"
check "node1 still runs" node_alive "$N/node1"
$W idea add -d "$N/node3" --title "after the random bytes" >/dev/null
check "nodes 1-3 still converge" wait_converged "$DL" $three

# ---- (c) a member sending malformed sync messages ----
# node1 takes the malformed messages (16, under SYNC_BAD_MAX = 20), then 25
# more that get node4 banned.
"$BP" "$N/node4" "$EP1" recon >"$T/bp" 2>&1
check "badpeer (node4's keys) reconciles with node1" test $? -eq 0
check "it fetched node1's 3 events" grep -q 'recon: done, 2 differences, 3 events' "$T/bp"
cat "$T/bp" | sed 's/^/# /'
inv0=$(peer_field "$N/node1" "$NAME4" invalid)
"$BP" "$N/node4" "$EP1" garbage sleep recon >"$T/bp" 2>&1
st=$?
sed 's/^/# /' "$T/bp"
check "16 malformed messages, then node1 still answers a reconciliation" test $st -eq 0
check "node1 still runs" node_alive "$N/node1"
inv1=$(peer_field "$N/node1" "$NAME4" invalid)
check "node1 counts 4 invalid events from node4 (3 garbage, 1 forged)" test "$inv1" -eq $((inv0 + 4))

# Multi-frame messages and a huge frame go to node2, whose count of bad
# messages from node4 is still 0 (node1's is near the ban).
inv1=$(peer_field "$N/node2" "$NAME4" invalid)
"$BP" "$N/node4" "$EP2" multi sleep recon >"$T/bp" 2>&1
check "multi-frame messages, then node2 still answers" test $? -eq 0
inv2=$(peer_field "$N/node2" "$NAME4" invalid)
check "no frame of a multi-frame message is processed (invalid $inv1 -> $inv2)" test "$inv2" -eq "$inv1"

"$BP" "$N/node4" "$EP2" huge >"$T/bp" 2>&1
check "a frame over 4 MiB sent" test $? -eq 0
"$BP" "$N/node4" "$EP2" recon >"$T/bp" 2>&1
check "after the huge frame node2 still answers" test $? -eq 0
check "node2 still runs" node_alive "$N/node2"

# A flood of valid messages above the per-peer rate (1,000/s, burst 2,000):
# node3 drops the excess, counts it, bans nobody for it and keeps serving.
# 20,000 messages leave at least 5,000 to drop unless delivering them takes
# over 13 s, however loaded the machine.
EP3=$(sed -n 's/^listen = //p' "$N/node3/config")
fdrop0=$(peer_field "$N/node3" "$NAME4" dropped)
"$BP" "$N/node4" "$EP3" flood >"$T/bp" 2>&1
check "20,000 messages flooded at node3" test $? -eq 0
sed 's/^/# /' "$T/bp"
sleep 3		# the bucket refills at 1,000 per second
"$BP" "$N/node4" "$EP3" recon >"$T/bp" 2>&1
check "after the flood node3 still answers" test $? -eq 0
fdrop1=$(peer_field "$N/node3" "$NAME4" dropped)
check "node3 dropped the excess of the flood ($fdrop0 -> $fdrop1)" test "$fdrop1" -ge $((fdrop0 + 5000))
no_log() { ! log_has "$@"; }
check "a flood of valid messages is not a ban" no_log "$N/node3" "$NAME4): 20 bad messages"

drop0=$(peer_field "$N/node1" "$NAME4" dropped)
"$BP" "$N/node4" "$EP1" ban sleep >"$T/bp" 2>&1
check "node1 logs the ban of node4" wait_until $((10 * SLOW)) log_has "$N/node1" \
	"$NAME4): 20 bad messages in a minute, ignoring it for 60 s"
"$BP" --wait $((3000 * SLOW)) "$N/node4" "$EP1" recon >"$T/bp" 2>&1
check "a banned member gets no answer" test $? -eq 3
drop1=$(peer_field "$N/node1" "$NAME4" dropped)
check "node1 counts the banned member's messages as dropped ($drop0 -> $drop1)" test "$drop1" -gt "$drop0"

# The other members are not affected.
for d in $three; do
	$W idea add -d "$d" --title "after the attacks" >/dev/null
done
check "nodes 1-3 converge after the attacks" wait_converged "$DL" $three
check "6 events on nodes 1-3" has_events 6 $three
status 0 "node1 verifies" $W verify -d "$N/node1"
check "node1 kept no forged event from node4" test "$($W log -d "$N/node1" --json | grep -c forged)" -eq 0
stt=0
for d in $three; do stop_node "$d" || stt=1; done
check "nodes 1-3 stop with exit 0" test $stt -eq 0
check_logs
echo "# net_security: $(($(now_s) - t0))s"
