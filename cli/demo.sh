#!/bin/sh
# make demo: a local network of four organisations (city, NGO, university,
# business). Each runs its own node; ideas and comments are posted on
# different nodes, a resident posts through the university and then from a
# second device through a node that was offline, and all four logs converge
# to the same events. Stops the nodes and cleans up at the end.
set -eu
W=${WIEC:-./wiec}
case $W in /*) ;; *) W=$(pwd)/$W ;; esac
T=$(mktemp -d /tmp/wiec-demo-XXXXXX)
PIDS=""
cleanup() {
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# Shows the command on stderr, so $(run ...) captures only its output.
run() { printf '$ %s\n' "$*" | sed "s|$W|wiec|; s|$T/||g" >&2; "$@"; }
digest() { "$W" status -d "$1" --json | sed -n 's/.*"digest": "\([0-9a-f]\{12\}\).*/\1/p'; }
events() { "$W" status -d "$1" --json | sed -n 's/.*"events": \([0-9]*\).*/\1/p'; }

# A free block of four ports.
PORT=7400
while ss -ltnH 2>/dev/null | grep -q ":$PORT \|:$((PORT + 1)) \|:$((PORT + 2)) \|:$((PORT + 3)) "; do
	PORT=$((PORT + 10))
done

say "Four organisations set up one network: keys, a genesis signed by all four, peers"
run "$W" testnet "$T/net" --nodes 4 --base-port "$PORT"
N1=$T/net/node1 N2=$T/net/node2 N3=$T/net/node3 N4=$T/net/node4

say "Each starts its node (CURVE-encrypted links; only members' keys are admitted)"
for i in 1 2 3 4; do
	"$W" node -d "$T/net/node$i" 2>"$T/node$i.log" &
	PIDS="$PIDS $!"
	printf '$ wiec node -d net/node%s &   (pid %s)\n' "$i" "$!" >&2
done
i=0
until [ "$("$W" peers -d "$N1" 2>/dev/null | grep -c ' yes ')" -eq 3 ] || [ $i -ge 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
run "$W" peers -d "$N1"

say "Gdynia City Hall (node1) posts an idea"
IDEA=$(run "$W" idea add -d "$N1" --title "Protected bike lanes on Swietojanska" \
	--body "Both directions, from the station to the sea." | tee /dev/stderr)
say "A resident, Anna, posts through the university's node (node3) with her own key"
run "$W" keygen --out "$T/anna.key" >/dev/null
run "$W" announce -d "$N3" --key "$T/anna.key" --name "Anna from Chylonia" >/dev/null
IDEA2=$(run "$W" idea add -d "$N3" --key "$T/anna.key" --title "Zieleń na Chyloni: 200 nowych drzew" |
	tee /dev/stderr)

say "The NGO (node2) and the business (node4) comment on ideas they received"
i=0
until "$W" show -d "$N2" "$IDEA" >/dev/null 2>&1 && "$W" show -d "$N4" "$IDEA2" >/dev/null 2>&1 ||
	[ $i -ge 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
run "$W" comment add -d "$N2" --on "$IDEA" --body "We will map the dangerous crossings." >/dev/null
run "$W" comment add -d "$N4" --on "$IDEA2" --body "Local shops will sponsor 20 trees." >/dev/null
run "$W" comment add -d "$N1" --on "$IDEA2" --body "The greenery department will review it." >/dev/null

say "All four logs converge: same number of events, same digest"
i=0
while :; do
	d1=$(digest "$N1") d2=$(digest "$N2") d3=$(digest "$N3") d4=$(digest "$N4")
	[ "$d1" = "$d2" ] && [ "$d2" = "$d3" ] && [ "$d3" = "$d4" ] && [ "$(events "$N1")" -eq 6 ] && break
	i=$((i + 1))
	[ $i -ge 150 ] && { echo "not converged after 15 s" >&2; exit 1; }
	sleep 0.1
done
for i in 1 2 3 4; do
	printf '  node%s  %-32s events %s  digest %s...\n' "$i" \
		"$(sed -n 's/^name = //p' "$T/net/node$i/config")" "$(events "$T/net/node$i")" "$(digest "$T/net/node$i")"
done

say "The business's copy of the whole discussion"
run "$W" log -d "$N4"

say "Any of them can re-check every signature and chain, offline"
run "$W" verify -d "$N2"

say "Anna posts from a second device through node4 while node4 is offline"
set -- $PIDS
kill -TERM "$4"
wait "$4" || true
PIDS="$1 $2 $3"
cp "$T/anna.key" "$T/laptop.key"	# her key on another device, without its chain state
chmod 600 "$T/laptop.key"
run "$W" idea add -d "$N4" --key "$T/laptop.key" --title "Ławki w parku Kolibki" >/dev/null
run "$W" idea add -d "$N2" --key "$T/anna.key" --title "Więcej koszy na śmieci" >/dev/null
"$W" node -d "$N4" 2>>"$T/node4.log" &
PIDS="$PIDS $!"
printf '$ wiec node -d net/node4 &   (back online, pid %s)\n' "$!" >&2
i=0
while :; do
	d1=$(digest "$N1") d2=$(digest "$N2") d3=$(digest "$N3") d4=$(digest "$N4")
	[ "$d1" = "$d2" ] && [ "$d2" = "$d3" ] && [ "$d3" = "$d4" ] && [ "$(events "$N1")" -eq 8 ] && break
	i=$((i + 1))
	[ $i -ge 300 ] && { echo "not converged after 30 s" >&2; exit 1; }
	sleep 0.1
done
say "Her history branched; nothing is lost and nobody is frozen (a member that forked would be)"
run "$W" status -d "$N3" | grep -E '^(events|forks|excluded|digest)'

say "Peers: connection, lag and traffic"
run "$W" peers -d "$N3"

say "Stopping the nodes"
for p in $PIDS; do kill -TERM "$p"; done
for p in $PIDS; do wait "$p" || true; done
PIDS=""
tail -n 1 "$T/node1.log"
say "Done. 'wiec --help' lists every command; spec/network.md sets up real hosts."
