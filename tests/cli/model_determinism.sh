# Determinism of the model's read commands (issue 10, item 11): nodes that
# hold the same events print byte-identical --json for every read command,
# whatever order the events arrived in -- whole-file import, one by one in
# reverse, one by one in a shuffled order (acts arriving before the process,
# idea or member change that authorises them).
. tests/cli/lib.sh

$W testnet "$T/net" --nodes 5 >/dev/null
N1=$T/net/node1 N3=$T/net/node3
K1=$($W id -d "$N1") K2=$($W id -d "$T/net/node2") K3=$($W id -d "$N3")
$W keygen --out "$T/bob.key" >/dev/null
copy() { $W export -d "$1" -o "$T/x.log" && $W import -d "$2" "$T/x.log" >/dev/null 2>&1; rm -f "$T/x.log"; }
run() { "$@" >"$T/o" 2>"$T/e" || bad "setup: $* ($(cat "$T/e"))" >&2; cat "$T/o"; }

# A consultation with every kind of act, by three members and two residents.
P=$(run $W process create -d "$N1" --kind consultation --title "Parki" --reviewer "$K3" \
	--moderator "$K1" --registrar "$K1" --eligibility)
PC=$(run $W process create -d "$N1" --kind codecision --title "Metropolia" --owner "$K1" --owner "$K2")
ANNA=$($W keygen --out "$T/cred.key")
run $W credential issue -d "$N1" --process "$P" --subject "$ANNA" --attr district=Oksywie >/dev/null
I1=$(run $W idea add -d "$N1" --key "$T/cred.key" --process "$P" --title "Ścieżka rowerowa" \
	--body "Wzdłuż plaży" --location "54.5,18.55" --cost 90000 --category transport)
I2=$(run $W idea add -d "$N1" --key "$T/cred.key" --process "$P" --title "Drzewa")
IB=$(run $W idea add -d "$N1" --key "$T/bob.key" --title "Bank: ławki")
run $W idea edit -d "$N1" --key "$T/cred.key" "$I1" --title "Ścieżka rowerowa (v2)" >/dev/null
run $W idea status -d "$N1" "$I1" under-review --reason "Analiza" >/dev/null
run $W idea status -d "$N1" "$I1" accepted --reason "Przyjęte" >/dev/null
run $W idea status -d "$N1" "$IB" rejected --reason "Brak miejsca" >/dev/null
run $W idea support -d "$N1" --key "$T/cred.key" "$I1" >/dev/null
run $W idea support -d "$N1" --key "$T/bob.key" "$IB" >/dev/null
run $W idea support -d "$N1" --key "$T/bob.key" "$IB" --withdraw >/dev/null
# Not eligible: the CLI refuses it, so Bob signs it on his own device; the
# node holds it, lists it, does not count it.
$W status -d "$N1" --json >"$T/st"
run $W sign --key "$T/bob.key" --network "$(json_field "$T/st" network)" support "$I1" -o "$T/bob.ev" >/dev/null
run $W submit -d "$N1" "$T/bob.ev" >/dev/null
run $W idea link -d "$N1" "$I2" "$I1" --merge --reason "Połączone" >/dev/null
C1=$(run $W comment add -d "$N1" --key "$T/bob.key" --on "$I1" --body "Bzdura, idioci")
C2=$(run $W comment add -d "$N1" --key "$T/cred.key" --on "$C1" --body "Proszę o kulturę")
run $W report -d "$N1" --key "$T/cred.key" "$C1" --reason "Obraźliwe" >/dev/null
run $W hide -d "$N1" "$C1" --reason "Język" >/dev/null
run $W appeal -d "$N1" --key "$T/bob.key" "$C1" --reason "Przepraszam" >/dev/null
run $W process phase -d "$N1" "$P" review --reason "Ocena" >/dev/null
PH=$(run $W process phase -d "$N1" "$PC" review --reason "Razem")
copy "$N1" "$N3"
run $W idea evaluate -d "$N3" "$I1" --feasibility feasible --cost 95000 --reason "Wykonalne" >/dev/null
copy "$N1" "$T/net/node2"
run $W approve -d "$T/net/node2" "$PH" >/dev/null
copy "$N3" "$N1"
copy "$T/net/node2" "$N1"

# Every event, one envelope per file (the export framing split up).
$W export -d "$N1" -o "$T/all.log"
mkdir "$T/ev"
python3 - "$T/all.log" "$T/ev" <<'EOF'
import struct, sys
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'WIECLOG1'
off, n = 8, 0
while off < len(data):
    (ln,) = struct.unpack('>I', data[off:off + 4])
    rec = data[off + 4:off + 4 + ln]
    off += 4 + ln
    if n > 0:
        open('%s/%04d.ev' % (sys.argv[2], n), 'wb').write(rec)
    n += 1
EOF
NEV=$(ls "$T/ev" | wc -l)
check "events to replay ($NEV)" test "$NEV" -ge 20

# node2: the whole file at once (it holds some already).
$W import -d "$T/net/node2" "$T/all.log" >/dev/null
# node4: one by one, last first. node5: one by one, shuffled (fixed seed).
ls "$T/ev" | sort -r >"$T/order4"
ls "$T/ev" | python3 -c 'import random, sys; l = sys.stdin.read().split(); random.Random(10).shuffle(l); print("\n".join(l))' >"$T/order5"
for n in 4 5; do
	fails=0
	while read -r f; do
		$W submit -d "$T/net/node$n" "$T/ev/$f" >/dev/null 2>"$T/e" || fails=$((fails + 1))
	done <"$T/order$n"
	check "node$n took every event one by one" test $fails -eq 0
done
for n in 2 4 5; do
	$W status -d "$T/net/node$n" --json >"$T/s$n"
done
$W status -d "$N1" --json >"$T/s1"
for n in 2 4 5; do
	check "node$n holds the same event set" test "$(json_field "$T/s$n" digest)" = "$(json_field "$T/s1" digest)"
done

# The read commands, on every node.
reads() {	# DIR OUTFILE
	{
		$W process list -d "$1" --json
		for p in "$P" "$PC"; do $W process show -d "$1" "$p" --json; done
		$W idea list -d "$1" --json
		$W idea list -d "$1" --process "$P" --json
		for i in "$I1" "$I2" "$IB"; do $W idea show -d "$1" "$i" --json; done
		$W process list -d "$1"
		$W idea show -d "$1" "$I1"
	} >"$2" 2>&1
}
reads "$N1" "$T/r1"
for n in 2 3 4 5; do
	[ $n = 3 ] && copy "$N1" "$N3"
	reads "$T/net/node$n" "$T/r$n"
	check "node$n prints byte-identical --json" cmp -s "$T/r1" "$T/r$n"
done
check "the reads printed something" test "$(wc -l <"$T/r1")" -ge 8
check "no errors in the reads" sh -c "! grep -q '^wiec:' '$T/r1'"
# And the state is the story told above.
check "status accepted with its history" grep -q '"status": "accepted", "supports": 1,' "$T/r1"
check "the codecision phase change counts (approved)" grep -q '"phase": "review", "phase_index": 1, "ideas": 0' "$T/r1"
check "the comment is hidden" grep -q '"hidden": true, "body": "Bzdura, idioci"' "$T/r1"
check "the answer to it is shown" grep -q '"body": "Proszę o kulturę"' "$T/r1"
check "an ineligible support is listed, not counted" grep -q '"withdraw": false, "counted": false, "why": "not_eligible"' "$T/r1"
check "no arrival order in --json" sh -c "! grep -q '\"lseq\"' '$T/r1'"
