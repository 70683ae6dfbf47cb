# bench/close.sh: certificate latency on 4 local nodes (run by build/bench-close,
# `make bench`; spec/close.md). Three processes: a small one (6 ballots), one
# of CLOSE_VOTERS voters (default 900: 1,800 counted events with their
# credentials) and one of CLOSE_BIG voters (default 1,000,000: 2,000,000
# counted events, whose seals and frontier travel as IdPart events,
# spec/close.md section 3). The first two are built with the nodes stopped
# (posts straight into node1's store); the big one is a synthetic approval
# election (40 projects, 1-3 per ballot) given to `wiec pb import` on node1,
# whose store is then copied to nodes 2-4 (as a new member's node starts).
# The four nodes then start and converge, and the clock runs from the return
# of `wiec close` on node1 until every node holds a certificate (each node's
# log line "certified", polled; `wiec result` checks it afterwards).
# Ceiling: four one-way hops of one event (Close, Promise, Proposal, Cosign:
# the protocol's critical path), each measured as the latency of one posted
# event until all four stores hold it, on the same nodes just before; for the
# big one plus two recounts (`wiec tally` on node1, best of 2): the proposer
# computes the result and the cosigners recompute it, at the least.
set -u
W=${WIEC:-./wiec}
case $W in /*) ;; *) W=$(pwd)/$W ;; esac
T=$(mktemp -d /tmp/wiec-bench-close.XXXXXX)
PIDS=
cleanup() {
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	[ -n "${NET_KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ms() { echo $(($(date +%s%N) / 1000000)); }
BASE=$((30000 + $$ % 500 * 10))
$W testnet "$T/net" --nodes 4 --base-port "$BASE" >/dev/null || exit 1
N=$T/net
K1=$($W id -d "$N/node1")
start() {
	for i in 1 2 3 4; do
		$W node -d "$N/node$i" 2>>"$N/node$i.log" &
		PIDS="$PIDS $!"
	done
	for i in 1 2 3 4; do
		until $W peers -d "$N/node$i" >/dev/null 2>&1; do
			sleep 0.05
		done
	done
}
stopall() {
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	PIDS=
}
digest() { $W status -d "$1" --json 2>/dev/null | sed -n 's/.*"digest": "\([0-9a-f]*\)".*/\1/p'; }
converged() {
	d=$(digest "$N/node1")
	for i in 2 3 4; do [ "$(digest "$N/node$i")" = "$d" ] || return 1; done
}
# mkproc TAG VOTERS: a budget process with a poll and VOTERS ballots, in node1's store.
mkproc() {
	P=$($W process create -d "$N/node1" --kind budget --title "B $1" --unit "C:1000" \
		--registrar "$K1" --eligibility --phase ideation --phase voting) || exit 1
	$W credential issue -d "$N/node1" --process "$P" --subject "$K1" --attr unit=C >/dev/null
	PA=$($W idea add -d "$N/node1" --process "$P" --title A --unit C --cost 600)
	PB=$($W idea add -d "$N/node1" --process "$P" --title B --unit C --cost 500)
	$W poll open -d "$N/node1" --process "$P" --kind budget --option "$PA" --option "$PB" \
		--max 1 >/dev/null || exit 1
	v=1
	while [ "$v" -le "$2" ]; do
		$W keygen --out "$T/$1.$v.key" >"$T/$1.$v.pub" 2>/dev/null
		$W credential issue -d "$N/node1" --process "$P" --subject "$(cat "$T/$1.$v.pub")" \
			--attr unit=C >/dev/null || exit 1
		c=$PA
		[ $((v % 3)) -eq 0 ] && c=$PB
		$W vote -d "$N/node1" --process "$P" --key "$T/$1.$v.key" "$c" >/dev/null || exit 1
		v=$((v + 1))
	done
}
# hop: ms from posting one event on node1 until all four hold it.
hop() {
	t0=$(ms)
	id=$($W comment add -d "$N/node1" --on "$PA" --body "ping" 2>/dev/null) || return 1
	for i in 1 2 3 4; do
		until $W show -d "$N/node$i" "$id" >/dev/null 2>&1; do :; done
	done
	echo $(($(ms) - t0))
}
certified_all() {
	ps=$(echo "$1" | cut -c1-16)
	for i in 1 2 3 4; do grep -q "close $ps: certified" "$N/node$i.log" || return 1; done
}
# pbgen VOTERS: a synthetic approval election on stdout (deterministic).
pbgen() {
	awk -v n="$1" 'BEGIN {
		s = 12345
		for (v = 1; v <= n; v++) {
			s = (s * 69069 + 1) % 4294967296; a = s % 40
			s = (s * 69069 + 1) % 4294967296; k = 1 + s % 3
			s = (s * 69069 + 1) % 4294967296; b = (a + 1 + s % 13) % 40
			s = (s * 69069 + 1) % 4294967296; c = (b + 1 + s % 13) % 40
			line = (a + 1)
			cnt[a]++
			if (k >= 2) { line = line "," (b + 1); cnt[b]++ }
			if (k >= 3) { line = line "," (c + 1); cnt[c]++ }
			vote[v] = line
		}
		print "META"; print "key;value"; print "description;wiec bench, synthetic"
		print "country;Poland"; print "unit;Bench"; print "instance;2026"
		print "num_projects;40"; print "num_votes;" n; print "budget;1000000"
		print "vote_type;approval"; print "rule;greedy"; print "max_length;3"
		print "PROJECTS"; print "project_id;cost;votes;name"
		for (p = 0; p < 40; p++) print (p + 1) ";" (20000 + p * 1000) ";" (cnt[p] + 0) ";P" (p + 1)
		print "VOTES"; print "voter_id;vote"
		for (v = 1; v <= n; v++) print v ";" vote[v]
	}'
}
# measure NAME VOTERS EXTRA_MS: the nodes up and converged, P set.
measure() {
	best=
	for k in 1 2 3; do
		h=$(hop) || exit 1
		[ -z "$best" ] || [ "$h" -lt "$best" ] && best=$h
	done
	until converged; do sleep 0.1; done
	t0=$(ms)
	$W close -d "$N/node1" --process "$P" >/dev/null || exit 1
	until certified_all "$P"; do sleep 0.01; done
	lat=$(($(ms) - t0))
	ceil=$((4 * best + $3))
	$W result -d "$N/node1" --process "$P" --json >"$T/result.json" || exit 1
	cnt=$(sed -n 's/.*"count": \([0-9]*\).*/\1/p' "$T/result.json")
	echo "# $1: $2 ballots, $cnt counted events; one hop $best ms (best of 3)${4:-}"
	echo "bench $1: $lat ms (ceiling $ceil ms, ratio $(echo "$ceil $lat" | awk '{printf "%.2f", $1 / $2}'))"
	stopall
}
run() {	# NAME VOTERS
	mkproc "$1" "$2"
	start
	until converged; do sleep 0.1; done
	measure "$1" "$2" 0
}
runbig() {	# NAME VOTERS
	pbgen "$2" >"$T/big.pb"
	for i in 1 2 3 4; do	# room for 2 events per voter and the close
		sed -i 's/^map_size = .*/map_size = 34359738368/' "$N/node$i/config"
	done
	t0=$(ms)
	P=$($W pb import -d "$N/node1" "$T/big.pb" --json | sed -n 's/.*"process": "\([0-9a-f]*\)".*/\1/p')
	[ -n "$P" ] || exit 1
	imp=$(($(ms) - t0))
	# the hop pings comment on a project
	PA=$($W idea list -d "$N/node1" --process "$P" --json | sed -n 's/.*"id": "\([0-9a-f]*\)".*/\1/p' | head -1)
	for i in 2 3 4; do
		rm -rf "$N/node$i/store"
		cp -a "$N/node1/store" "$N/node$i/store" || exit 1
	done
	start
	until converged; do sleep 0.1; done
	rec=
	for k in 1 2; do
		t1=$(ms)
		$W tally -d "$N/node1" --process "$P" >/dev/null || exit 1
		r=$(($(ms) - t1))
		[ -z "$rec" ] || [ "$r" -lt "$rec" ] && rec=$r
	done
	measure "$1" "$2" $((2 * rec)) "; pb import ${imp} ms; wiec tally ${rec} ms (best of 2)"
}
if [ -z "${CLOSE_BIG_ONLY:-}" ]; then
	run close-cert-latency-small 6
	run close-cert-latency-${CLOSE_VOTERS:-900}-ballots "${CLOSE_VOTERS:-900}"
fi
runbig close-cert-latency-${CLOSE_BIG:-1000000}-ballots "${CLOSE_BIG:-1000000}"
