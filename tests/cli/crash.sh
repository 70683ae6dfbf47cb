# Crash safety with real SIGKILLs: whatever a command acknowledged (printed
# after its transaction committed) survives, and the log always verifies.
#
# Every kill must be shown to have landed while a write was in flight
# (tests/cli/netlib.inc, "Rules for these tests"): a kill that came before
# the writer started or after it finished proves nothing, so it is not
# counted, the next try uses another timing, and a part fails if too few of
# its kills landed mid-write.
#  1. posts: the post had the store open (seen in /proc/PID/fd) and had not
#     printed its id when it was killed; earlier posts had.
#  2. imports: the import had printed "committed N" for N > 0 and not yet
#     for every record (and was still running) when it was killed.
#  3. a node committing an import handed to it: likewise, the node killed.
. tests/cli/lib.sh
. tests/cli/netlib.inc
MK=$B/tool-mkchain
[ -x "$MK" ] || { bad "tool-mkchain is built ($MK)"; exit 1; }
D=$T/node
$W init -d "$D" --name "City" --role city >/dev/null
cp -a "$D" "$T/empty"

# opened PID FILE: process PID has FILE open (builtins only: no fork).
opened() {
	for f in /proc/"$1"/fd/*; do
		[ "$f" -ef "$2" ] && return 0
	done
	return 1
}

# fewer_lines FILE N: FILE has fewer than N "committed ..." lines (builtins
# only, no fork: polling it is cheap).
fewer_lines() {
	fl_n=0
	[ -f "$1" ] || return 0
	while IFS= read -r fl_l; do
		case $fl_l in "committed "*) fl_n=$((fl_n + 1)) ;; esac
	done <"$1"
	[ $fl_n -lt "$2" ]
}

# last_committed FILE: N of the last "committed N" line of FILE (0 if none).
last_committed() {
	lc=$(sed -n 's/^committed \([0-9]*\)$/\1/p' "$1" 2>/dev/null | tail -n 1)
	echo "${lc:-0}"
}

# chain_prefix DIR K: DIR holds "chain 1" .. "chain K" (the first K records
# of an export of tool-mkchain in the order import commits them).
chain_prefix() {
	"$W" log -d "$1" --json >"$T/cp.log" 2>/dev/null || return 1
	python3 - "$T/cp.log" "$2" <<'PY'
import json, sys
titles = set()
for line in open(sys.argv[1]):
    t = json.loads(line).get("title", "")
    if t.startswith("chain "):
        titles.add(t)
k = int(sys.argv[2])
missing = [i for i in range(1, k + 1) if "chain %d" % i not in titles]
if missing:
    print("# missing chain records:", missing[:10])
sys.exit(1 if missing else 0)
PY
}

# ---- 1. Posts killed inside their write ----
# Each try starts a post and kills it as soon as it has the store open; a
# kill landed mid-write if the post then died of it without printing its
# id; after each, the acknowledged posts are checked and the log verified.
# Every other try lets its post finish (acknowledged). Until 25 landed.
: >"$T/acked"
i=0
landed=0
committed_unacked=0
while [ $i -lt 400 ] && [ $landed -lt 25 ]; do
	i=$((i + 1))
	$W idea add -d "$D" --title "idea $i" >"$T/one" 2>/dev/null &
	pid=$!
	if [ $((i % 2)) -eq 0 ] && [ -s "$T/acked" ]; then
		spins=0
		while [ $spins -lt 20000 ] && ! opened $pid "$D/store/data.mdb"; do
			kill -0 $pid 2>/dev/null || break
			spins=$((spins + 1))
		done
		kill -9 $pid 2>/dev/null
		wait $pid 2>/dev/null
		st=$?
		if [ $st -eq 137 ] && [ ! -s "$T/one" ] && [ $spins -lt 20000 ]; then
			landed=$((landed + 1))
			# After each such kill: every acknowledged post is there
			# and the log verifies.
			$W log -d "$D" --json >"$T/log" 2>&1
			grep -o '"id": "[0-9a-f]*"' "$T/log" | cut -d'"' -f4 >"$T/held"
			grep -Fvxf "$T/held" "$T/acked" >"$T/lost"
			[ -s "$T/lost" ] && bad "posts: kill $landed lost $(grep -c . "$T/lost") acknowledged posts"
			$W verify -d "$D" >/dev/null 2>"$T/err" ||
				bad "posts: kill $landed: verify fails: $(cat "$T/err")"
			# Committed but killed before it could say so: allowed.
			grep -q "\"title\": \"idea $i\"" "$T/log" &&
				committed_unacked=$((committed_unacked + 1))
		fi
	else
		wait $pid 2>/dev/null
	fi
	cat "$T/one" >>"$T/acked"
done
nacked=$(grep -c . "$T/acked")
echo "# posts: $i tries, $nacked acknowledged, $landed killed mid-write" \
	"($committed_unacked of them committed, unacknowledged)"
check "posts: $landed of 25 kills landed mid-write, after $nacked acknowledged posts" \
	test $landed -ge 25 -a "$nacked" -gt 0
$W log -d "$D" --json >"$T/log" 2>&1
lost=0
for id in $(grep -o '^[0-9a-f]\{64\}$' "$T/acked"); do
	grep -q "\"id\": \"$id\"" "$T/log" || lost=$((lost + 1))
done
check "posts: no acknowledged post lost ($nacked acknowledged)" test $lost -eq 0
status 0 "posts: the log verifies after the kills" $W verify -d "$D"
status 0 "posts: posting continues after the kills" $W idea add -d "$D" --title "after"

# ---- 2. Imports killed between two commits ----
# A 3,000-record chain, 16 records a transaction. Each try waits for the
# try's number of "committed" lines (1, 2, 3 ...: another timing each
# time) and kills the import at once. Every landed kill is checked; the
# store is kept across tries (later imports start with duplicates) and is
# reset if an import ran to the end. Until 5 landed, at most 20 tries.
NREC=3000
status 0 "imports: a chain of $NREC records" $MK "$D" $NREC forward 3 "$T/chain.log"
cp -a "$T/empty" "$T/imp"
try=0
landed=0
while [ $try -lt 20 ] && [ $landed -lt 5 ]; do
	try=$((try + 1))
	rm -f "$T/progress"
	$W import -d "$T/imp" --progress --batch 16 "$T/chain.log" >"$T/progress" 2>/dev/null &
	pid=$!
	while kill -0 $pid 2>/dev/null && fewer_lines "$T/progress" $try; do :; done
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	st=$?
	acked=$(last_committed "$T/progress")
	if [ $st -ne 137 ] || [ "$acked" -eq 0 ] || [ "$acked" -ge $NREC ]; then
		echo "# import try $try: not mid-write (exit $st, $acked of $NREC acknowledged)"
		[ $st -eq 0 ] && rm -rf "$T/imp" && cp -a "$T/empty" "$T/imp"
		continue
	fi
	landed=$((landed + 1))
	held=$(events_of "$T/imp")
	echo "# import try $try: killed after $acked of $NREC acknowledged; $held held"
	check "import kill $landed: chain 1..$acked (acknowledged) held" chain_prefix "$T/imp" "$acked"
	status 0 "import kill $landed: the log verifies" $W verify -d "$T/imp"
done
check "imports: $landed of 5 kills landed between commits ($try tries)" test $landed -ge 5
status 0 "imports: the import completes after the kills" $W import -d "$T/imp" "$T/chain.log"
cp -a "$T/empty" "$T/ref"
$W import -d "$T/ref" "$T/chain.log" >/dev/null
$W status -d "$T/imp" --json >"$T/s1"
$W status -d "$T/ref" --json >"$T/s0"
check "imports: the same digest as an import never killed" \
	test "$(json_field "$T/s1" digest)" = "$(json_field "$T/s0" digest)"

# ---- 3. A node killed while it commits an import handed to it ----
# The node commits each batch the import hands it and answers; the import
# prints "committed N". The node is killed once the import printed the
# try's number of lines and is still running (then the import too: it
# would wait for its answer). Until 3 landed, at most 12 tries.
pick_base 1 27600 || { bad "a free port"; exit 1; }
$W testnet "$T/tn" --nodes 1 --base-port "$BASE" >/dev/null
N1=$T/tn/node1
cp -a "$N1" "$T/tn-empty"
status 0 "node: a chain of $NREC records for its network" $MK "$N1" $NREC forward 5 "$T/nchain.log"
try=0
landed=0
while [ $try -lt 12 ] && [ $landed -lt 3 ]; do
	try=$((try + 1))
	start_node "$N1" || { bad "node try $try: the node starts"; break; }
	rm -f "$T/progress"
	$W import -d "$N1" --progress --batch 16 "$T/nchain.log" >"$T/progress" 2>/dev/null &
	pid=$!
	while kill -0 $pid 2>/dev/null && fewer_lines "$T/progress" $try; do :; done
	running=no
	kill -0 $pid 2>/dev/null && running=yes
	kill9_node "$N1"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	acked=$(last_committed "$T/progress")
	if [ $running = no ] || [ "$acked" -eq 0 ] || [ "$acked" -ge $NREC ]; then
		echo "# node try $try: not mid-write (import running: $running, $acked of $NREC acknowledged)"
		[ "$acked" -ge $NREC ] && rm -rf "$N1" && cp -a "$T/tn-empty" "$N1"
		continue
	fi
	landed=$((landed + 1))
	echo "# node try $try: node killed after $acked of $NREC acknowledged; $(events_of "$N1") held"
	check "node kill $landed: chain 1..$acked (acknowledged) held" chain_prefix "$N1" "$acked"
	status 0 "node kill $landed: the log verifies" $W verify -d "$N1"
done
check "node: $landed of 3 kills landed between commits ($try tries)" test $landed -ge 3
start_node "$N1"
status 0 "node: the import completes through the restarted node" $W import -d "$N1" "$T/nchain.log"
check "node: every record held" chain_prefix "$N1" $NREC
check "node: exits 0 on SIGTERM" stop_node "$N1"
status 0 "node: the log verifies" $W verify -d "$N1"
check_logs
