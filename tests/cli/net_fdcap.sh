# Plain TCP connections need no key (issue 9, item 11): a few hundred of
# them used to take every descriptor of a node, which then aborted inside
# libzmq at the next CLI call (ipc_listener.cpp, "Too many open files")
# and spun on accept meanwhile. A node caps connections per address and in
# total below its descriptor limit and keeps a reserve for the control
# socket (spec/sync.md, "Limits"). Run at `ulimit -n` 256 and 1024.
. tests/cli/lib.sh
. tests/cli/netlib.inc
t0=$(now_s)
BP=$B/tool-badpeer
if [ ! -x "$BP" ] || ! command -v prlimit >/dev/null 2>&1; then
	bad "tool-badpeer is built and prlimit (util-linux) is installed"
	exit 1
fi
pick_base 2 27650 || { bad "2 free ports"; exit 1; }
status 0 "testnet of 2 on ports $BASE.." $W testnet "$T/net" --nodes 2 --base-port "$BASE"
N=$T/net
PORT1=$BASE

# hold PORT N: opens N plain TCP connections from 100 addresses
# 127.0.0.2-101 (the members below connect from 127.0.0.1), so both the
# per-address and the total cap bind, in the background, and keeps them
# until $T/release exists; $T/held gets the number that connected.
hold() {
	rm -f "$T/held" "$T/release"
	python3 - "$1" "$2" "$T" >"$T/hold.out" 2>&1 <<'PY' &
import os, resource, socket, sys, time
port, n, tdir = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
conns = []
for i in range(n):
    try:
        s = socket.create_connection(('127.0.0.1', port), timeout=5,
                                     source_address=('127.0.0.%d' % (2 + i % 100), 0))
        conns.append(s)
    except Exception as e:
        pass
with open(tdir + '/held.tmp', 'w') as f:
    f.write('%d\n' % len(conns))
os.rename(tdir + '/held.tmp', tdir + '/held')
for _ in range(6000):
    if os.path.exists(tdir + '/release'):
        break
    time.sleep(0.1)
for s in conns:
    s.close()
PY
	HOLD_PID=$!
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
fds_of() { ls "/proc/$1/fd" | wc -l; }

for lim in 256 1024; do
	NODE_WRAP="prlimit --nofile=$lim:$lim --"
	start_node "$N/node1"
	check "[$lim] node1 runs at ulimit -n $lim" node_alive "$N/node1"
	pid=$(node_pid "$N/node1")
	c0=$(cpu_ticks "$pid")
	hold "$PORT1" $((3 * lim))
	check "[$lim] $((3 * lim)) plain connections attempted" wait_until 120 test -s "$T/held"
	echo "# [$lim] $(cat "$T/held") connected (the kernel's backlog takes some)"
	# Three CLI calls while they are held: each must get an answer.
	for i in 1 2 3; do
		status 0 "[$lim] CLI call $i reaches node1 while the connections are held" $W peers -d "$N/node1"
	done
	check "[$lim] node1 still runs" node_alive "$N/node1"
	nf=$(fds_of "$pid")
	echo "# [$lim] node1 holds $nf descriptors"
	check "[$lim] node1 stays below its descriptor limit ($nf < $lim)" test "$nf" -gt 0 -a "$nf" -lt "$lim"
	# Members still get through: badpeer with node2's keys reconciles, once
	# the handshake timeout (5 s) has closed idle connections under the caps.
	# A member's connection may itself be refused over the total cap while
	# the guard still counts closed ones; its Hello and Recon, already
	# taken on it, are then answered into a closed connection. A real node
	# reconciles again each second; badpeer does once, so the member tries
	# again (each try bounded by 10 s) until it reconciles, within 120 s.
	member_recon() {
		"$BP" --wait $((10000 * SLOW)) "$N/node2" "tcp://127.0.0.1:$PORT1" recon >"$T/bp" 2>&1
	}
	check "[$lim] a member still reconciles with node1" wait_until $((120 * SLOW)) member_recon
	c1=$(cpu_ticks "$pid")
	touch "$T/release"
	wait "$HOLD_PID"
	echo "# [$lim] node1 used $((c1 - c0)) clock ticks of CPU under the attack"
	nrefused=$(grep -c 'refused' "$N/node1.log")
	echo "# [$lim] refusal lines in node1's log: $nrefused"
	check "[$lim] refusals are logged at a bounded rate (at most 20 lines)" test "$nrefused" -le 20
	stop_node "$N/node1"
	check "[$lim] node1 exits 0 on SIGTERM" test $? -eq 0
	mv "$N/node1.log" "$T/node1-$lim.log"
done
# Handshakes with keys that are not members': refused by ZAP, and logged
# at a bounded rate (each used to cost a 120-byte line): 25 outsiders.
pick_base 2 $((BASE + 20)) || { bad "2 free ports"; exit 1; }
$W testnet "$T/other" --nodes 2 --base-port "$BASE" >/dev/null
NODE_WRAP=
start_node "$N/node1"
KEY1=$("$BP" pubkey "$N/node1")
# "No answer" rests on each handshake being refused by ZAP (badpeer sees
# status 400 on its socket monitor and stops at once), not on a wait.
no_answer=0
for i in $(seq 25); do
	"$BP" --wait $((30000 * SLOW)) --server-key "$KEY1" "$T/other/node1" "tcp://127.0.0.1:$PORT1" recon >"$T/bp" 2>&1
	[ $? -eq 3 ] && grep -q 'no answer, 0 bytes received (handshake refused by the node: ZAP status 400)' "$T/bp" &&
		no_answer=$((no_answer + 1))
done
check "25 outsiders refused by ZAP, none got an answer ($no_answer)" test $no_answer -eq 25
stop_node "$N/node1"
nz=$(grep -c 'not a member' "$N/node1.log")
echo "# lines about refused keys: $nz"
check "node1 logged the refused key" log_has "$N/node1" 'refused a connection from .*is not a member'
check "node1 logged repeated refusals in at most 2 lines" test "$nz" -le 2
check "node1 counted the other refusals" log_has "$N/node1" 'refused [0-9]* more connections whose transport keys are not members'
check_logs
echo "# net_fdcap: $(($(now_s) - t0))s"
