# Closing a vote with more counted events than one event can list
# (spec/close.md section 3): Warszawa 2023 Włochy (2,220 ballots and as many
# credentials) imported on node1 of four, node4 down. The seals and the
# frontier travel as IdPart events named by their hashes; the members'
# seals are the same set, so they share the parts one member posted (the
# others wait for them before posting their own copies). A
# certificate forms on nodes 1-3, shows the whole frontier and the file's
# winners, and an auditor's store that imports an export checks it.
. tests/cli/lib.sh
. tests/cli/netlib.inc
DL=$((120 * SLOW))
PB=tests/pb/Poland_Warszawa_2023_Wlochy.pb

pick_base 4 28500 || { bad "4 free ports"; exit 1; }
status 0 "testnet of 4 on ports $BASE.." $W testnet "$T/net" --nodes 4 --base-port "$BASE"
N=$T/net
cp -a "$N/node4" "$T/pristine"	# the genesis only: an auditor's empty store
up=0
for i in 1 2 3; do start_node "$N/node$i" && up=$((up + 1)); done
check "nodes 1-3 running (node4 down)" test $up -eq 3
three="$N/node1 $N/node2 $N/node3"

status 0 "import $PB through node1" $W pb import -d "$N/node1" "$PB" --json
P=$(jget "$T/out" 'j["process"]')
check "nodes 1-3 converge on the import" wait_converged "$DL" $three
status 0 "pb tally of the file" $W pb tally "$PB" --json
cp "$T/out" "$T/file.json"
status 0 "tally before the close" $W tally -d "$N/node2" --process "$P" --json
cp "$T/out" "$T/live.json"
status 0 "node1 closes" $W close -d "$N/node1" --process "$P"
for i in 1 2 3; do
	check "node$i holds a certificate" wait_until "$DL" has_cert "$N/node$i" $i
done
check "nodes 1-3 converge after the certificate" wait_converged "$DL" $three
for i in 1 2 3; do has_cert "$N/node$i" $i; done
check "the frontier holds every ballot and credential (2,220 each, more than 1,900)" jtrue \
	"$T/res.1" 'len(j["frontier"]) == j["count"] and j["count"] >= 4440'
check "valid, 3+ signatures" jtrue "$T/res.1" 'j["valid"] is True and len(j["signatures"]) >= 3'
W1=$(jget "$T/res.1" 'sorted(j["winners"])')
check "certified winners are the live tally's" test -n "$W1" -a "$W1" = \
	"$(jget "$T/live.json" 'sorted(j["winners"])')"
check "as many as the file's (pb tally)" test "$(jget "$T/res.1" 'len(j["winners"])')" = \
	"$(jget "$T/file.json" 'len(j["winners"])')"
check "same certificate on nodes 1-3 (2)" cmp "$T/res.1" "$T/res.2"
check "same certificate on nodes 1-3 (3)" cmp "$T/res.1" "$T/res.3"

# The parts: a handful per list. The members' seals are the same set, so
# one copy of each part is enough: node1, the round's proposer, posts them
# at once; nodes 2 and 3 wait for them (spec/close.md section 3, "Posting
# parts") and post none. The proposer's frontier is their union, the same
# set: its parts are held already, and it posts none for it.
$W log -d "$N/node2" --json >"$T/log2" 2>/dev/null
# per author: how many parts it posted; and how many part contents twice
PER=$(python3 -c '
import sys, json, collections
c = collections.Counter(json.loads(l)["author"] for l in open(sys.argv[1]) if "\"idpart\"" in l)
print(" ".join(str(v) for v in sorted(c.values())))' "$T/log2")
TWICE=$(python3 -c '
import sys, json, collections
c = collections.Counter((j["level"], tuple(j["items"])) for j in map(json.loads, open(sys.argv[1]))
                        if j.get("kind") == "idpart")
print(sum(1 for v in c.values() if v > 1))' "$T/log2")
check "the lists travel as IdPart events ($PER per author)" test -n "$PER"
# How many copies there are depends on timing (node1's parts reach the
# others within their wait, or not); what does not: a member that is not
# the proposer posts parts only once its whole wait is over (the seals are
# the same set: another member's Promise held leaves nothing missing).
check "the parts: $PER per poster, $TWICE posted twice" test -n "$TWICE"
for i in 2 3; do
	check "node$i posted parts only once its wait was over" sh -c \
		"! grep -E 'posted Promise for round [0-9]+ \\([1-9][0-9]* (of [0-9]+ )?parts' \
		'$N/node$i.log' | grep -vq 'wait over)'"
done
check "a Promise names its seal by parts" grep -q '"seal_parts": \["' "$T/log2"
check "the Proposal names its frontier by parts" grep -q '"frontier_parts": \["' "$T/log2"
status 0 "verify node2" $W verify -d "$N/node2"

# An auditor: a store that never ran a node, from an export.
status 0 "export node2" $W export -d "$N/node2" -o "$T/n2.export"
status 0 "import into an auditor's store" $W import -d "$T/pristine" "$T/n2.export"
status 0 "the auditor's result" $W result -d "$T/pristine" --process "$P" --json
check "auditor: the same certificate" cmp "$T/out" "$T/res.2"
status 0 "tally after the close" $W tally -d "$T/pristine" --process "$P" --json
check "tally is the certified one" jtrue "$T/out" 'j["certified"] is True'
[ -n "${KEEP:-}" ] && cp -a "$T" "$KEEP"
for i in 1 2 3; do stop_node "$N/node$i"; done
! grep -q 'ERROR: AddressSanitizer\|runtime error\|LeakSanitizer' "$N"/node*.log
check "no sanitizer report in any node log" test $? -eq 0
