#!/bin/sh
# make demo: a single-node walkthrough of the signed event log. An
# organisation creates its node, a resident posts through it, everyone
# comments, and the log is listed and verified. Leaves nothing behind.
set -eu
W=${WIEC:-./wiec}
case $W in /*) ;; *) W=$(pwd)/$W ;; esac
T=$(mktemp -d /tmp/wiec-demo-XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
D=$T/gdynia

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# Shows the command on stderr, so $(run ...) captures only its output.
run() { printf '$ %s\n' "$*" | sed "s|$W|wiec|; s|$T/|./|g" >&2; "$@"; }

say "Gdynia City Hall creates its node: identity key, transport key, network"
run "$W" init -d "$D" --name "Gdynia City Hall" --role city
run "$W" announce -d "$D"

say "The city posts an idea; a resident with her own key posts another"
IDEA=$(run "$W" idea add -d "$D" --title "Protected bike lanes on Swietojanska" \
	--body "Both directions, from the station to the sea." | tee /dev/stderr | tail -n 1)
run "$W" keygen --out "$T/anna.key" >/dev/null
run "$W" announce -d "$D" --key "$T/anna.key" --name "Anna from Chylonia"
IDEA2=$(run "$W" idea add -d "$D" --key "$T/anna.key" --title "Zieleń na Chyloni: 200 nowych drzew" \
	| tee /dev/stderr | tail -n 1)

say "They discuss"
C=$(run "$W" comment add -d "$D" --key "$T/anna.key" --on "$IDEA" \
	--body "Yes, and bike parking at the station." | tee /dev/stderr | tail -n 1)
run "$W" comment add -d "$D" --on "$C" --body "Parking is in the plan for 2027."
run "$W" comment add -d "$D" --on "$IDEA2" --body "The greenery team will review it."

say "The log, in arrival order (each line: event id, kind, author, seq, text)"
run "$W" log -d "$D"

say "The same as JSON, for tools"
run "$W" log -d "$D" --json | head -n 2
echo "..."

say "Status: the digest depends only on the set of events held"
run "$W" status -d "$D"

say "An auditor re-checks every signature and every chain"
run "$W" verify -d "$D"

say "A tampered log is caught"
cp -a "$D" "$T/tampered"
python3 - "$T/tampered/store/data.mdb" <<'PY'
import sys
p = sys.argv[1]; d = bytearray(open(p, 'rb').read())
n = b'from the station to the sea'
i = d.find(n)
while i >= 0:
    d[i] ^= 0x20; i = d.find(n, i + 1)
open(p, 'wb').write(bytes(d))
PY
run "$W" verify -d "$T/tampered" || echo "(exit status $?: verification failed, as it must)"
say "Done. Next: 'wiec --help'."
