#!/bin/sh
# make demo: a consultation across four organisations, each running its own
# node. The city opens it; residents sign ideas on their own devices and hand
# them to different organisations' nodes; the NGO comments; the university
# reviews; the city gives official feedback with reasons; a moderator hides an
# abusive comment with a reason; a search in Polish without diacritics finds
# an idea; and every node shows byte-identical state. Cleans up at the end.
set -eu
W=${WIEC:-./wiec}
case $W in /*) ;; *) W=$(pwd)/$W ;; esac
T=$(mktemp -d /tmp/wiec-demo-XXXXXX)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
AUDIT=$ROOT/tests/tools/audit.py
PIDS=""
cleanup() {
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# Shows the command on stderr, so $(run ...) captures only its output.
run() { printf '$ %s\n' "$*" | sed "s|$W|wiec|; s|$T/||g; s|$ROOT/||g" >&2; "$@"; }
# Passes its input on and shows it on stderr. Not `tee /dev/stderr`: that
# reopens stderr, and when stderr is a file (make demo >log 2>&1) the reopen
# truncates it.
shown() { while IFS= read -r l; do printf '%s\n' "$l"; printf '%s\n' "$l" >&2; done; }
digest() { "$W" status -d "$1" --json | sed -n 's/.*"digest": "\([0-9a-f]\{12\}\).*/\1/p'; }
events() { "$W" status -d "$1" --json | sed -n 's/.*"events": \([0-9]*\).*/\1/p'; }
# Waits (up to 20 s) until every node holds event $1.
held() {
	i=0
	for n in 1 2 3 4; do
		until "$W" show -d "$T/net/node$n" "$1" >/dev/null 2>&1; do
			i=$((i + 1))
			[ $i -ge 200 ] && { echo "event $1 did not reach node$n" >&2; exit 1; }
			sleep 0.1
		done
	done
}
converged() {
	i=0
	while :; do
		d1=$(digest "$N1") d2=$(digest "$N2") d3=$(digest "$N3") d4=$(digest "$N4")
		[ "$d1" = "$d2" ] && [ "$d2" = "$d3" ] && [ "$d3" = "$d4" ] && break
		i=$((i + 1))
		[ $i -ge 300 ] && { echo "not converged after 30 s" >&2; exit 1; }
		sleep 0.1
	done
}

# A free block of four ports.
PORT=7400
while ss -ltnH 2>/dev/null | grep -q ":$PORT \|:$((PORT + 1)) \|:$((PORT + 2)) \|:$((PORT + 3)) "; do
	PORT=$((PORT + 10))
done

say "Four organisations set up one network: keys, a genesis signed by all four, peers"
run "$W" testnet "$T/net" --nodes 4 --base-port "$PORT"
N1=$T/net/node1 N2=$T/net/node2 N3=$T/net/node3 N4=$T/net/node4
CITY=$("$W" id -d "$N1") NGO=$("$W" id -d "$N2") UNI=$("$W" id -d "$N3") BIZ=$("$W" id -d "$N4")
NET=$("$W" status -d "$N1" --json | sed -n 's/.*"network": "\([0-9a-f]*\)".*/\1/p')

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

say "The city (node1) opens a consultation: the university reviews, the business moderates"
P=$(run "$W" process create -d "$N1" --kind consultation \
	--title "Zielona Gdynia: zieleń i rowery 2027" \
	--body "Jakie zmiany w zieleni i ruchu rowerowym chcecie zobaczyć?" \
	--reviewer "$UNI" --moderator "$BIZ" | shown)
held "$P"

say "Residents sign ideas on their own devices (no node, no data directory) ..."
KEY_anna=$(run "$W" keygen --out "$T/anna.key")
KEY_piotr=$(run "$W" keygen --out "$T/piotr.key")
run "$W" sign --key "$T/anna.key" --network "$NET" -o "$T/anna-idea.ev" idea --process "$P" \
	--title "Ogród deszczowy przy źródle w Parku Kolibki" \
	--body "Zbierać deszczówkę z alejek; nasadzenia wokół źródła." --category zielen \
	--location 54.4950,18.5400 >/dev/null
run "$W" sign --key "$T/piotr.key" --network "$NET" -o "$T/piotr-idea.ev" idea --process "$P" \
	--title "Buspas i drzewa na Świętojańskiej" --category rowery >/dev/null
say "... and hand the files to two different organisations' nodes, which cannot alter them"
A=$(run "$W" submit -d "$N2" "$T/anna-idea.ev" | shown)
B=$(run "$W" submit -d "$N3" "$T/piotr-idea.ev" | shown)
held "$A"
held "$B"

say "The NGO (node2) comments; a troll posts an abusive comment through node4; Anna reports it"
run "$W" comment add -d "$N2" --on "$A" --body "Pomożemy z wolontariuszami przy sadzeniu." >/dev/null
run "$W" keygen --out "$T/troll.key" >/dev/null
BAD=$(run "$W" comment add -d "$N4" --key "$T/troll.key" --on "$A" --body "Głupi pomysł, idioci." |
	shown)
held "$BAD"
run "$W" report -d "$N1" --key "$T/anna.key" "$BAD" --reason "Obraźliwy komentarz" >/dev/null

say "The university (node3) reviews the idea; the city (node1) gives official feedback"
run "$W" idea evaluate -d "$N3" "$A" --feasibility feasible --cost 180000 \
	--reason "Teren miejski, gleba przepuszczalna; koszt wg cen z 2026 r." >/dev/null
S=$(run "$W" idea status -d "$N1" "$A" under-review --reason "Przekazane do Wydziału Zieleni" |
	shown)
held "$S"
run "$W" idea status -d "$N1" "$A" accepted --reason "Wpisane do planu na 2027 r." >/dev/null
run "$W" idea status -d "$N1" "$B" rejected \
	--reason "Buspas wymaga zmiany organizacji ruchu; wraca do Planu Mobilności" >/dev/null

say "The business's moderator (node4) hides the abusive comment, with a reason"
run "$W" hide -d "$N4" "$BAD" --reason "Narusza regulamin: obraźliwy język" >/dev/null

say "Every node holds the same events ..."
converged
for i in 1 2 3 4; do
	printf '  node%s  %-32s events %s  digest %s...\n' "$i" \
		"$(sed -n 's/^name = //p' "$T/net/node$i/config")" "$(events "$T/net/node$i")" \
		"$(digest "$T/net/node$i")"
done
say "... and shows byte-identical state (hash of 'idea show --json' and 'process show --json')"
for i in 1 2 3 4; do
	printf '  node%s  idea %s  process %s\n' "$i" \
		"$("$W" idea show -d "$T/net/node$i" "$A" --json | sha256sum | cut -c1-16)" \
		"$("$W" process show -d "$T/net/node$i" "$P" --json | sha256sum | cut -c1-16)"
done

say "The whole history of Anna's idea, as the NGO's node (node2) shows it"
run "$W" idea show -d "$N2" "$A"

say "A search without Polish diacritics finds it ('zrodlo' for 'źródle'); hidden text is left out"
run "$W" search -d "$N3" "ogrod zrodlo"
run "$W" search -d "$N3" "swietojanska"

say "Any of them can re-check every signature and chain, offline"
run "$W" verify -d "$N4"

say "Participatory budget 2027 for Chylonia: the city opens it, the NGO registers voters"
BP=$(run "$W" process create -d "$N1" --kind budget --title "Budżet obywatelski Chylonii 2027" \
	--unit "Chylonia:300000" --registrar "$NGO" --eligibility | shown)
held "$BP"
KEY_ola=$(run "$W" keygen --out "$T/ola.key")
KEY_jan=$(run "$W" keygen --out "$T/jan.key")
KEY_ewa=$(run "$W" keygen --out "$T/ewa.key")
for r in anna piotr ola jan ewa; do
	eval "K=\$KEY_$r"
	C=$(run "$W" credential issue -d "$N2" --process "$BP" --subject "$K" --attr unit=Chylonia)
done
held "$C"
say "Residents propose projects with costs"
P1=$(run "$W" idea add -d "$N1" --key "$T/anna.key" --process "$BP" --unit Chylonia --cost 120000 \
	--title "Ogród deszczowy przy źródle" | shown)
P2=$(run "$W" idea add -d "$N2" --key "$T/piotr.key" --process "$BP" --unit Chylonia --cost 150000 \
	--title "Stojaki rowerowe przy szkołach" | shown)
P3=$(run "$W" idea add -d "$N3" --key "$T/ola.key" --process "$BP" --unit Chylonia --cost 90000 \
	--title "Ławki i cień na skwerze" | shown)
P4=$(run "$W" idea add -d "$N1" --key "$T/jan.key" --process "$BP" --unit Chylonia --cost 200000 \
	--title "Remont boiska przy Kartuskiej" | shown)
for x in "$P1" "$P2" "$P3" "$P4"; do held "$x"; done
POLL=$(run "$W" poll open -d "$N1" --process "$BP" --kind budget --rule greedy \
	--option "$P1" --option "$P2" --option "$P3" --option "$P4" | shown)
held "$POLL"

say "They vote through different nodes; two sign their ballots offline"
V1=$(run "$W" vote -d "$N1" --process "$BP" --key "$T/anna.key" "$P1" "$P3")
V2=$(run "$W" vote -d "$N2" --process "$BP" --key "$T/piotr.key" "$P2" "$P3")
V3=$(run "$W" vote -d "$N3" --process "$BP" --key "$T/jan.key" "$P4")
run "$W" sign --key "$T/ola.key" --network "$NET" -o "$T/ola-vote.ev" vote --process "$BP" --unit Chylonia \
	--poll "$POLL" "$P1" "$P3" >/dev/null
run "$W" sign --key "$T/ewa.key" --network "$NET" -o "$T/ewa-vote.ev" vote --process "$BP" --unit Chylonia \
	--poll "$POLL" "$P1" "$P2" >/dev/null
V4=$(run "$W" submit -d "$N4" "$T/ola-vote.ev")
V5=$(run "$W" submit -d "$N3" "$T/ewa-vote.ev")
for x in "$V1" "$V2" "$V3" "$V4" "$V5"; do held "$x"; done
run "$W" tally -d "$N2" --process "$BP"

say "The business's node (node4) goes down; the city closes the vote anyway"
set -- $PIDS
kill -TERM "$4"
wait "$4" || true
PIDS="$1 $2 $3"
run "$W" close -d "$N1" --process "$BP" >/dev/null
i=0
until "$W" result -d "$N1" --process "$BP" >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -ge 600 ] && { echo "no certificate after 60 s" >&2; exit 1; }
	sleep 0.1
done
say "Three of four members cosigned the result: the certificate"
run "$W" result -d "$N1" --process "$BP"

say "The same election exported to Pabulib's .pb format and counted by 'wiec pb tally'"
run "$W" pb export -d "$N2" --process "$BP" -o "$T/chylonia.pb"
printf '  certified winners: %s\n' "$("$W" result -d "$N1" --process "$BP" --json |
	sed -n 's/.*"winners": \[\([^]]*\)\].*/\1/p')"
printf '  pb tally winners:  %s\n' "$("$W" pb tally "$T/chylonia.pb" --json |
	sed -n 's/.*"winners": \[\([^]]*\)\].*/\1/p')"

say "An auditor recounts the exported log offline with an independent implementation"
run "$W" export -d "$N1" -o "$T/network.log" >/dev/null
run "$AUDIT" "$T/network.log" --json >"$T/audit.json"
jfield() { sed -n "s/^ *\"$1\": \"\{0,1\}\([^\",]*\).*/\1/p" "$2" | head -n 1; }
printf '  (tests/tools/audit.py: Python, written from spec/ alone; signatures checked: %s)\n' \
	"$(jfield signatures_checked "$T/audit.json")"
printf '  audit digest:            %s\n' "$(jfield digest "$T/audit.json")"
printf '  wiec digest:             %s\n' "$("$W" status -d "$N1" --json |
	sed -n 's/.*"digest": "\([0-9a-f]*\)".*/\1/p')"
printf '  audit certified result:  %s\n' "$(jfield certified_hash "$T/audit.json")"
printf '  wiec certified result:   %s\n' "$("$W" result -d "$N1" --process "$BP" --json |
	sed -n 's/.*"result_hash": "\([0-9a-f]*\)".*/\1/p')"

say "Stopping the nodes"
for p in $PIDS; do kill -TERM "$p"; done
for p in $PIDS; do wait "$p" || true; done
PIDS=""
say "Done. 'wiec --help' lists every command; spec/model.md has every rule."
