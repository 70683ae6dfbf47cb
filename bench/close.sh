# bench/close.sh: certificate latency on 4 local nodes (run by build/bench-close,
# `make bench`; spec/close.md). Two processes: a small one (6 ballots) and one
# of CLOSE_VOTERS voters (default 900: 1,800 counted events with their
# credentials, near the 1,900 ids a close list holds today). Each is built with
# the nodes stopped (posts straight into node1's store), the four nodes then
# start and converge, and the clock runs from the return of `wiec close` on
# node1 until every node holds a certificate (`wiec result` polled).
# Ceiling: four one-way hops of one event (Close, Promise, Proposal, Cosign:
# the protocol's critical path), each measured as the latency of one posted
# event until all four stores hold it, on the same nodes just before.
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
	before=$(digest "$N/node2")
	t0=$(ms)
	id=$($W comment add -d "$N/node1" --on "$PA" --body "ping" 2>/dev/null) || return 1
	for i in 1 2 3 4; do
		until $W show -d "$N/node$i" "$id" >/dev/null 2>&1; do :; done
	done
	echo $(($(ms) - t0))
}
certified_all() {
	for i in 1 2 3 4; do $W result -d "$N/node$i" --process "$1" >/dev/null 2>&1 || return 1; done
}
run() {	# NAME VOTERS
	mkproc "$1" "$2"
	start
	until converged; do sleep 0.1; done
	best=
	for k in 1 2 3; do
		h=$(hop) || exit 1
		[ -z "$best" ] || [ "$h" -lt "$best" ] && best=$h
	done
	until converged; do sleep 0.1; done
	t0=$(ms)
	$W close -d "$N/node1" --process "$P" >/dev/null || exit 1
	until certified_all "$P"; do :; done
	lat=$(($(ms) - t0))
	ceil=$((4 * best))
	cnt=$($W result -d "$N/node1" --process "$P" --json | sed -n 's/.*"count": \([0-9]*\).*/\1/p')
	echo "# $1: $2 ballots, $cnt counted events; one hop $best ms (best of 3)"
	echo "bench $1: $lat ms (ceiling $ceil ms, ratio $(echo "$ceil $lat" | awk '{printf "%.2f", $1 / $2}'))"
	stopall
}
run close-cert-latency-small 6
run close-cert-latency-${CLOSE_VOTERS:-900}-ballots "${CLOSE_VOTERS:-900}"
