# The deliberation model on a running network of three nodes: acts posted
# through different running nodes, residents' signed files submitted to
# different nodes in a random order, and every node printing byte-identical
# --json for every read command once they converge (issue 10, item 11).
. tests/cli/lib.sh
. tests/cli/netlib.inc
DL=$((60 * SLOW))
pick_base 3 27700 || { bad "free ports"; exit 1; }
$W testnet "$T/net" --nodes 3 --base-port "$BASE" >/dev/null
N1=$T/net/node1 N2=$T/net/node2 N3=$T/net/node3
K1=$($W id -d "$N1") K2=$($W id -d "$N2") K3=$($W id -d "$N3")
$W status -d "$N1" --json >"$T/st"
NET=$(json_field "$T/st" network)
for n in 1 2 3; do start_node "$T/net/node$n" || { bad "node$n starts"; exit 1; }; done

# held DIR ID: DIR holds event ID.
held() { $W show -d "$1" "$2" >/dev/null 2>&1; }
post() {	# DIR ARGS...: posts through the running node, prints the id
	d=$1
	shift
	"$@" -d "$d" >"$T/o" 2>"$T/e" || bad "post: $* ($(cat "$T/e"))" >&2
	cat "$T/o"
}

P=$(post "$N1" $W process create --kind consultation --title "Gdynia: zieleń" --reviewer "$K3" \
	--moderator "$K2" --moderator "$K1")
PC=$(post "$N1" $W process create --kind codecision --title "GZM" --owner "$K1" --owner "$K2" --owner "$K3")
check "processes reach node3" wait_until "$DL" held "$N3" "$PC"
check "and node2" wait_until "$DL" held "$N2" "$PC"

# Residents sign on their own devices; the files go to different nodes in
# a random order (the comment may come before its idea's node has it).
for r in anna bob cecylia; do $W keygen --out "$T/$r.key" >/dev/null; done
i=0
for r in anna bob cecylia; do
	i=$((i + 1))
	$W sign --key "$T/$r.key" --network "$NET" idea --process "$P" --title "Pomysł $r" \
		--body "Opis $r" -o "$T/$r.idea" >"$T/$r.id"
done
IA=$(cat "$T/anna.id") IB=$(cat "$T/bob.id") IC=$(cat "$T/cecylia.id")
$W sign --key "$T/bob.key" --network "$NET" comment --on "$IA" --body "Dobry pomysł" -o "$T/c1.ev" >"$T/c1.id"
$W sign --key "$T/cecylia.key" --network "$NET" comment --on "$(cat "$T/c1.id")" --body "Zgadzam się, głupku" -o "$T/c2.ev" >"$T/c2.id"
$W sign --key "$T/cecylia.key" --network "$NET" support "$IA" -o "$T/s1.ev" >/dev/null
$W sign --key "$T/bob.key" --network "$NET" support "$IA" -o "$T/s2.ev" >/dev/null
$W sign --key "$T/anna.key" --network "$NET" report "$(cat "$T/c2.id")" --reason "Obraza" -o "$T/r1.ev" >/dev/null
ls "$T"/*.idea "$T"/*.ev | python3 -c 'import random, sys; l = sys.stdin.read().split(); random.shuffle(l); print("\n".join(l))' >"$T/order"
n=0 fails=0
while read -r f; do
	n=$((n + 1))
	$W submit -d "$T/net/node$((n % 3 + 1))" "$f" >/dev/null 2>"$T/e" || fails=$((fails + 1))
done <"$T/order"
check "every signed file submitted to a running node" test $fails -eq 0
C2=$(cat "$T/c2.id")

# Every node gets every signed event, whichever node took it.
all_held() {
	for d in "$N1" "$N2" "$N3"; do
		for id in "$IA" "$IB" "$IC" "$(cat "$T/c1.id")" "$C2"; do
			held "$d" "$id" || return 1
		done
	done
}
check "the signed events spread to every node" wait_until "$DL" all_held

# The organisations act, each through its own running node.
S1=$(post "$N1" $W idea status "$IA" under-review --reason "Analizujemy")
post "$N2" $W hide "$C2" --reason "Obraźliwy" >/dev/null
post "$N3" $W idea evaluate "$IA" --feasibility feasible --cost 50000 --reason "Tanie" >/dev/null
check "the status reaches node1's peers" wait_until "$DL" held "$N2" "$S1"
post "$N1" $W idea status "$IA" accepted --reason "Przyjęte" >/dev/null
post "$N1" $W idea link "$IB" "$IA" --reason "Podobne" >/dev/null
PH=$(post "$N1" $W process phase "$PC" review --reason "Wspólnie")
check "the phase change reaches node2" wait_until "$DL" held "$N2" "$PH"
check "and node3" wait_until "$DL" held "$N3" "$PH"
post "$N2" $W approve "$PH" >/dev/null
post "$N3" $W approve "$PH" >/dev/null

check "the three nodes converge" wait_converged "$DL" "$N1" "$N2" "$N3"

reads() {	# DIR OUTFILE
	{
		$W process list -d "$1" --json
		for p in "$P" "$PC"; do $W process show -d "$1" "$p" --json; done
		$W idea list -d "$1" --process "$P" --json
		for i in "$IA" "$IB" "$IC"; do $W idea show -d "$1" "$i" --json; done
	} >"$2" 2>&1
}
for n in 1 2 3; do reads "$T/net/node$n" "$T/r$n"; done
check "node2 prints the same --json as node1" cmp -s "$T/r1" "$T/r2"
check "node3 prints the same --json as node1" cmp -s "$T/r1" "$T/r3"
check "no errors in the reads" sh -c "! grep -q '^wiec:' '$T/r1'"
check "accepted, with the reviewer's evaluation" grep -q '"status": "accepted", "supports": 2,' "$T/r1"
check "the abusive comment is hidden on every node" grep -q '"hidden": true, "body": "Zgadzam się, głupku"' "$T/r3"
check "the co-decision phase change counts (all three approved)" \
	grep -q '"title": "GZM", "phase": "review"' "$T/r2"
for n in 1 2 3; do stop_node "$T/net/node$n"; done
check_logs
