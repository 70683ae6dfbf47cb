# The posting commands of the deliberation model: every command, its bad
# input (one line, the README's exit status) and the refusals where the
# local model says the act would not count (spec/model.md).
. tests/cli/lib.sh

$W testnet "$T/net" --nodes 3 >/dev/null
N1=$T/net/node1 N2=$T/net/node2 N3=$T/net/node3
K1=$($W id -d "$N1") K2=$($W id -d "$N2") K3=$($W id -d "$N3")
ANNA=$($W keygen --out "$T/anna.key")
BOB=$($W keygen --out "$T/bob.key")

# bad1 NAME WANT CMD...: runs CMD, expects status WANT and one line on stderr.
bad1() {
	name=$1 want=$2
	shift 2
	status "$want" "$name" "$@"
	oneline "$name: one line"
}

# copy FROM TO: every event FROM holds, into TO (export / import).
copy() { $W export -d "$1" -o "$T/x.log" && $W import -d "$2" "$T/x.log" >/dev/null 2>&1; rm -f "$T/x.log"; }

# ---- process create ----
status 0 "process create --json" $W process create -d "$N1" --kind consultation \
	--title "Parki 2027" --body "Konsultacje" --reviewer "$K3" --moderator "$K1" \
	--registrar "$K1" --phase ideation:2026-01-01:2026-02-01 --phase review --phase results --json
P=$(json_field "$T/out" id)
check "process create prints {\"id\": ...}" match "$(cat "$T/out")" '{"id": "[0-9a-f]\{64\}"}$'
bad1 "process create: bad kind" 2 $W process create -d "$N1" --kind vote --title x
bad1 "process create: no title" 2 $W process create -d "$N1" --kind ideas
# Roles are held by members: a resident's key in a role list was accepted
# and the role never counted.
$W keygen --out "$T/nobody.key" >"$T/nobody.pub"
bad1 "process create: a resident as moderator" 1 $W process create -d "$N1" --kind ideas \
	--title x --moderator "$(cat "$T/nobody.pub")"
check "  names the key and why" grep -q "not a member organisation's key" "$T/err"
bad1 "process create: bad phase date" 2 $W process create -d "$N1" --kind ideas --title x --phase "a:2026-13-01"
bad1 "process create: phase end before start" 2 $W process create -d "$N1" --kind ideas --title x --phase "a:2026-02-01:2026-01-01"
bad1 "process create: phase twice" 2 $W process create -d "$N1" --kind ideas --title x --phase a --phase a
bad1 "process create: budget without unit" 2 $W process create -d "$N1" --kind budget --title x
bad1 "process create: unit on ideas" 2 $W process create -d "$N1" --kind ideas --title x --unit "Wilda:100"
bad1 "process create: unit budget 0" 2 $W process create -d "$N1" --kind budget --title x --unit "Wilda:0"
bad1 "process create: quorum above owners" 2 $W process create -d "$N1" --kind ideas --title x --quorum 2
bad1 "process create: author not an owner" 2 $W process create -d "$N1" --kind ideas --title x --owner "$K2"
bad1 "process create: bad owner key" 2 $W process create -d "$N1" --kind ideas --title x --owner nokey
bad1 "process create: owner twice" 2 $W process create -d "$N1" --kind codecision --title x --owner "$K1" --owner "$K1"
bad1 "process create: bad census" 2 $W process create -d "$N1" --kind ideas --title x --census 12
bad1 "process create: unknown option" 2 $W process create -d "$N1" --kind ideas --title x --frob
bad1 "process create: option of another command" 2 $W process create -d "$N1" --kind ideas --title x --withdraw
bad1 "process create: resident is not a member" 1 $W process create -d "$N1" --key "$T/anna.key" --kind ideas --title x
check "refusal names membership" grep -q "not a member organisation" "$T/err"
status 0 "budget process with units" $W process create -d "$N1" --kind budget --title "BO 2027" \
	--unit "Wilda:1000000" --unit "Jeżyce:2000000"
PB=$(cat "$T/out")

# ---- ideas ----
status 0 "idea add in a process, all fields" $W idea add -d "$N1" --key "$T/anna.key" --process "$P" \
	--title "Park na Wildzie" --body "Drzewa i ławki" --category zieleń --location "52.3911, 16.9170" --cost 250000 --json
I1=$(json_field "$T/out" id)
status 0 "second idea" $W idea add -d "$N1" --key "$T/bob.key" --process "$P" --title "Więcej drzew"
I2=$(cat "$T/out")
status 0 "idea in the open bank" $W idea add -d "$N1" --title "Bank idea"
IB=$(cat "$T/out")
bad1 "idea add: location out of range" 2 $W idea add -d "$N1" --title x --location "91,0"
bad1 "idea add: location finer than 1e-7" 2 $W idea add -d "$N1" --title x --location "52.123456789,1"
bad1 "idea add: location one number" 2 $W idea add -d "$N1" --title x --location "52.4"
bad1 "idea add: cost not a number" 2 $W idea add -d "$N1" --title x --cost 1e3
bad1 "idea add: unit without process" 2 $W idea add -d "$N1" --title x --unit Wilda
bad1 "idea add: budget idea without unit" 2 $W idea add -d "$N1" --title x --process "$PB"
bad1 "idea add: unit not of the process" 2 $W idea add -d "$N1" --title x --process "$PB" --unit Nowhere
status 0 "idea add: budget idea with its unit" $W idea add -d "$N1" --title "Ławki" --process "$PB" --unit "Jeżyce"
bad1 "idea add: process not held" 1 $W idea add -d "$N1" --title x --process "$(printf '%064d' 7)"
bad1 "idea add: process is not a process" 2 $W idea add -d "$N1" --title x --process "$I2"
bad1 "idea add: bad title" 2 $W idea add -d "$N1" --title "$(printf 'a\nb')"

# ---- versions ----
bad1 "idea edit: not the author" 1 $W idea edit -d "$N1" "$I1" --title "Mine now"
status 0 "idea edit by the author" $W idea edit -d "$N1" --key "$T/anna.key" "$I1" --title "Park na Wildzie (v2)"
V1=$(cat "$T/out")
bad1 "idea edit: a version's id" 2 $W idea edit -d "$N1" --key "$T/anna.key" "$V1" --title x
bad1 "idea edit: --process" 2 $W idea edit -d "$N1" --key "$T/anna.key" "$I1" --process "$P"
status 0 "idea show after the edit" $W idea show -d "$N1" "$I1" --json
check "latest version's title, earlier body kept" \
	grep -q '"title": "Park na Wildzie (v2)", "body": "Drzewa i ławki", "category": "zieleń", "location": {"lat": 523911000, "lon": 169170000}, "cost": 250000' "$T/out"
check "two versions" grep -q '"versions": 2,' "$T/out"

# ---- status ----
status 0 "idea status by an owner" $W idea status -d "$N1" "$I1" under-review --reason "Sprawdzamy"
S1=$(cat "$T/out")
status 0 "second status follows the first" $W idea status -d "$N1" "$I1" accepted --reason "Tak" --json
S2=$(json_field "$T/out" id)
$W show -d "$N1" "$S2" >"$T/s2"
check "status names the current one in after" grep -q "\"after\": \"$S1\"" "$T/s2"
bad1 "idea status: unknown status" 2 $W idea status -d "$N1" "$I1" done --reason x
bad1 "idea status: no reason" 2 $W idea status -d "$N1" "$I1" accepted
bad1 "idea status: not an owner" 1 $W idea status -d "$N1" --key "$T/bob.key" "$I1" rejected --reason x
check "refusal names the role" grep -q "not an owner" "$T/err"
bad1 "idea status: one argument" 2 $W idea status -d "$N1" "$I1" --reason x
bad1 "idea status: bad id" 2 $W idea status -d "$N1" nothex accepted --reason x
status 0 "idea status: under_review spelling" $W idea status -d "$N1" "$I2" under_review --reason "Sprawdzamy"

# ---- evaluation (reviewer: node3) ----
bad1 "idea evaluate: not a reviewer" 1 $W idea evaluate -d "$N1" "$I1" --feasibility feasible --reason x
bad1 "idea evaluate: bad feasibility" 2 $W idea evaluate -d "$N1" "$I1" --feasibility maybe --reason x
bad1 "idea evaluate: no feasibility" 2 $W idea evaluate -d "$N1" "$I1" --reason x
copy "$N1" "$N3"
status 0 "idea evaluate by the reviewer" $W idea evaluate -d "$N3" "$I1" --feasibility with-changes --cost 300000 --reason "Za drogo o 20%"
EV=$(cat "$T/out")
bad1 "idea evaluate: event not held" 1 $W idea evaluate -d "$N2" "$I1" --feasibility feasible --reason x

# ---- support ----
status 0 "idea support by a resident" $W idea support -d "$N1" --key "$T/bob.key" "$I1"
status 0 "idea support --withdraw" $W idea support -d "$N1" --key "$T/bob.key" "$I1" --withdraw
status 0 "idea support again" $W idea support -d "$N1" --key "$T/anna.key" "$I1"
bad1 "idea support: a status is not an idea" 2 $W idea support -d "$N1" "$S1"
status 0 "idea show --json" $W idea show -d "$N1" "$I1" --json
check "one supporter counts" grep -q '"supports": 1,' "$T/out"

# ---- links ----
status 0 "idea link --merge" $W idea link -d "$N1" "$I2" "$I1" --merge --reason "To samo"
bad1 "idea link: to itself" 2 $W idea link -d "$N1" "$I1" "$I1" --reason x
bad1 "idea link: no reason" 2 $W idea link -d "$N1" "$I1" "$I2"
bad1 "idea link: not an owner" 1 $W idea link -d "$N1" --key "$T/anna.key" "$I1" "$I2" --reason x

# ---- text that could display as other text ----
# A comment cut for `wiec log` at 60 bytes once split "ż" and printed a
# stray byte; a right-to-left override in a title reached --json raw.
status 0 "a comment with a letter across byte 60" $W comment add -d "$N1" --on "$I1" \
	--body "$(printf 'a%.0s' $(seq 59))żółw"
status 0 "log" $W log -d "$N1"
check "  log's text is UTF-8" python3 -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$T/out"
RLO=$(printf 'x\342\200\256y')
status 0 "an idea whose title holds U+202E" $W idea add -d "$N1" --title "$RLO" --json
BIDI=$(sed -n 's/.*"id": "\([0-9a-f]*\)".*/\1/p' "$T/out")
status 0 "idea show --json" $W idea show -d "$N1" "$BIDI" --json
check "  the override is escaped" grep -q 'x\\u202ey' "$T/out"
check "  and not raw" sh -c "! grep -q '$RLO' '$T/out'"
# In text output it is shown, not applied (it once reached the terminal and
# made the title display as other text).
for c in "idea show $BIDI" "idea list" "log"; do
	# shellcheck disable=SC2086
	status 0 "$c: text" $W $c -d "$N1"
	check "  $c shows <U+202E>" grep -q 'x<U+202E>y' "$T/out"
	check "  $c: not raw" sh -c "! grep -q '$RLO' '$T/out'"
done
# A member's name too (names are shown beside everything it signs).
status 0 "a member named with U+202E" $W init -d "$T/rlo" --name "Miasto$RLO" --role city
RI=$($W idea add -d "$T/rlo" --title "Ławki")
status 0 "idea show by it: text" $W idea show -d "$T/rlo" "$RI"
check "  its name shows <U+202E>" grep -q 'by  *Miastox<U+202E>y' "$T/out"
check "  not raw" sh -c "! grep -q '$RLO' '$T/out'"
status 0 "member list: text" $W member list -d "$T/rlo"
check "  its name shows <U+202E>" grep -q 'Miastox<U+202E>y' "$T/out"
# ---- a thread shows 64 levels: no comment below them ----
# (one was once posted at level 65 with exit 0, and shown nowhere)
TH=$I1
for lv in $(seq 64); do
	TH=$($W comment add -d "$N1" --on "$TH" --body "level $lv") || { bad "level $lv"; break; }
done
bad1 "a comment at level 65" 1 $W comment add -d "$N1" --on "$TH" --body "level 65"
check "  says why" grep -q "shown nowhere" "$T/err"
# One hand-signed at level 65 is held but in no thread: a hide of it once
# said "the target's idea or its process is not held here".
$W status -d "$N1" --json >"$T/st"
status 0 "a comment at level 65, hand-signed" $W sign --key "$T/bob.key" \
    --network "$(json_field "$T/st" network)" comment --on "$TH" --body "level 65" -o "$T/c65.ev"
status 0 "  submitted" $W submit -d "$N1" "$T/c65.ev"
C65=$(cat "$T/out")
bad1 "hide of a comment in no thread" 1 $W hide -d "$N1" "$C65" --reason x
check "  says it is in no thread" grep -q "is in no thread held here" "$T/err"
bad1 "report of a comment in no thread" 1 $W report -d "$N1" "$C65" --reason x
bad1 "answer to a comment in no thread" 1 $W comment add -d "$N1" --on "$C65" --body x
check "  says it is in no thread" grep -q "is in no thread held here" "$T/err"
# ---- comments, reports, moderation, appeals ----
status 0 "comment by a resident" $W comment add -d "$N1" --key "$T/bob.key" --on "$I1" --body "Głupi pomysł, idioci"
C1=$(cat "$T/out")
status 0 "report" $W report -d "$N1" --key "$T/anna.key" "$C1" --reason "Obraźliwe"
bad1 "report: no reason" 2 $W report -d "$N1" "$C1"
bad1 "report: target is a status" 2 $W report -d "$N1" "$S1" --reason x
# A version names no content of its own (spec/model.md sections 7-8): these
# once exited 0 and what they said was shown nowhere.
bad1 "comment on a version" 2 $W comment add -d "$N1" --on "$V1" --body x
check "  names the idea" grep -q "version of idea $I1" "$T/err"
bad1 "report of a version" 2 $W report -d "$N1" "$V1" --reason x
bad1 "hide of a version" 2 $W hide -d "$N1" "$V1" --reason x
bad1 "appeal of a version" 2 $W appeal -d "$N1" --key "$T/anna.key" "$V1" --reason x
status 0 "hide by a moderator" $W hide -d "$N1" "$C1" --reason "Obraźliwy język"
H1=$(cat "$T/out")
bad1 "hide: already hidden" 1 $W hide -d "$N1" "$C1" --reason again
bad1 "hide: not a moderator" 1 $W hide -d "$N1" --key "$T/anna.key" "$C1" --reason x
bad1 "appeal: not the author" 1 $W appeal -d "$N1" --key "$T/anna.key" "$C1" --reason x
status 0 "appeal by the author" $W appeal -d "$N1" --key "$T/bob.key" "$C1" --reason "Przepraszam"
status 0 "restore" $W restore -d "$N1" "$C1" --reason "Po odwołaniu"
$W show -d "$N1" "$(cat "$T/out")" >"$T/r1"
check "restore follows the hide" grep -q "\"after\": \"$H1\"" "$T/r1"
bad1 "restore: not hidden" 1 $W restore -d "$N1" "$C1" --reason x

# ---- credentials and eligibility ----
status 0 "eligible process" $W process create -d "$N1" --kind consultation --title "Tylko mieszkańcy" \
	--registrar "$K1" --eligibility
PE=$(cat "$T/out")
bad1 "idea add: not eligible" 1 $W idea add -d "$N1" --key "$T/bob.key" --process "$PE" --title x
check "refusal names the credential" grep -q "credential" "$T/err"
status 0 "credential issue" $W credential issue -d "$N1" --process "$PE" --subject "$BOB" --attr district=Wilda --attr age=30-39
bad1 "credential issue: no subject" 2 $W credential issue -d "$N1" --process "$PE"
bad1 "credential issue: both scopes" 2 $W credential issue -d "$N1" --process "$PE" --census "$PE" --subject "$BOB"
bad1 "credential issue: bad attr" 2 $W credential issue -d "$N1" --process "$PE" --subject "$BOB" --attr novalue
bad1 "credential issue: not a registrar" 1 $W credential issue -d "$N1" --process "$P" --subject "$BOB" --key "$T/anna.key"
bad1 "credential revoke: with attr" 2 $W credential revoke -d "$N1" --process "$PE" --subject "$BOB" --attr a=b
status 0 "idea add: eligible now" $W idea add -d "$N1" --key "$T/bob.key" --process "$PE" --title "Mieszkaniec"
status 0 "credential revoke" $W credential revoke -d "$N1" --process "$PE" --subject "$BOB"
bad1 "idea add: revoked" 1 $W idea add -d "$N1" --key "$T/bob.key" --process "$PE" --title x

# A census shared by processes: one credential counts in each of them.
CENSUS=$(printf '%064d' 42)
status 0 "process with a shared census" $W process create -d "$N1" --kind consultation --title "Spis A" \
	--registrar "$K1" --eligibility --census "$CENSUS"
PS1=$(cat "$T/out")
status 0 "second process of the census" $W process create -d "$N1" --kind ideas --title "Spis B" \
	--registrar "$K1" --eligibility --census "$CENSUS"
PS2=$(cat "$T/out")
bad1 "idea add: no census credential yet" 1 $W idea add -d "$N1" --key "$T/anna.key" --process "$PS2" --title x
status 0 "credential issue --census" $W credential issue -d "$N1" --census "$CENSUS" --subject "$ANNA"
status 0 "eligible in the first process" $W idea add -d "$N1" --key "$T/anna.key" --process "$PS1" --title "A1"
status 0 "and in the second" $W idea add -d "$N1" --key "$T/anna.key" --process "$PS2" --title "B1"
status 0 "process show: scope is the census" $W process show -d "$N1" "$PS2" --json
check "scope and census" grep -q "\"scope\": \"$CENSUS\", \"census\": \"$CENSUS\", \"eligibility\": true" "$T/out"

# ---- phases and co-decision ----
status 0 "process phase by an owner" $W process phase -d "$N1" "$P" review --reason "Koniec zbierania"
bad1 "process phase: same phase" 1 $W process phase -d "$N1" "$P" review --reason x
bad1 "process phase: unknown phase" 2 $W process phase -d "$N1" "$P" voting --reason x
check "names the phases" grep -q "ideation, review, results" "$T/err"
bad1 "process phase: not an owner" 1 $W process phase -d "$N1" --key "$T/anna.key" "$P" results --reason x
status 0 "process phase by index" $W process phase -d "$N1" "$P" 2 --reason "Wyniki"
status 0 "codecision process" $W process create -d "$N1" --kind codecision --title "Metropolia" \
	--owner "$K1" --owner "$K2"
PC=$(cat "$T/out")
status 0 "codecision phase change (needs approval)" $W process phase -d "$N1" "$PC" review --reason "Razem"
PH=$(cat "$T/out")
check "note about the quorum" grep -q "needs 2 owners" "$T/err"
copy "$N1" "$N2"
status 0 "process show before approval" $W process show -d "$N2" "$PC" --json
check "not effective without the quorum" grep -q '"phase": "ideation"' "$T/out"
bad1 "approve: not an approvable event" 2 $W approve -d "$N2" "$I1"
bad1 "approve: a resident" 1 $W approve -d "$N2" --key "$T/anna.key" "$PH"
status 0 "approve by the second owner" $W approve -d "$N2" "$PH"
status 0 "process show after approval" $W process show -d "$N2" "$PC" --json
check "effective with the quorum" grep -q '"phase": "review", "phase_index": 1' "$T/out"

# ---- reads ----
status 0 "process list" $W process list -d "$N1"
check "lists six processes" test "$(wc -l <"$T/out")" -eq 6
status 0 "process list --json" $W process list -d "$N1" --json
check "one JSON array" match "$(cat "$T/out")" '\[{"id": .*}\]$'
status 0 "idea list --process" $W idea list -d "$N1" --process "$P"
check "two ideas in the process" test "$(wc -l <"$T/out")" -eq 2
status 0 "idea list (the open bank)" $W idea list -d "$N1" --json
check "the bank holds its idea" grep -q "\"id\": \"$IB\"" "$T/out"
copy "$N3" "$N1"
status 0 "idea show text" $W idea show -d "$N1" "$I1"
check "text shows the status history with reasons" grep -q "accepted: Tak" "$T/out"
check "text shows the evaluation" grep -q "with-changes, cost 300000: Za drogo" "$T/out"
status 0 "idea show --json" $W idea show -d "$N1" "$I1" --json
check "status is accepted" grep -q '"status": "accepted"' "$T/out"
check "comment thread with moderation" grep -q '"hidden": false, "body": "Głupi pomysł, idioci", "moderation": \[{' "$T/out"
check "reports and appeals listed" grep -q '"reason": "Przepraszam"' "$T/out"
check "merge link listed" grep -q '"merge": true, "reason": "To samo"' "$T/out"
bad1 "idea show: bad id" 2 $W idea show -d "$N1" xyz
bad1 "idea show: not held" 1 $W idea show -d "$N1" "$(printf '%064d' 5)"
bad1 "idea show: two ids" 2 $W idea show -d "$N1" "$I1" "$I2"
bad1 "process show: not held" 1 $W process show -d "$N1" "$(printf '%064d' 5)"
bad1 "idea list: --process not held" 1 $W idea list -d "$N1" --process "$(printf '%064d' 5)"
bad1 "process list: no data dir" 3 $W process list -d "$T/none"
status 0 "help lists the model commands" $W help idea
check "help idea show" grep -q "wiec idea show" "$T/out"

# Every command of the model: an unknown option, -d without a value, and a
# data directory that is not one; one line each, the README's status.
Z=$(printf '%064d' 1)
mkdir "$T/notdir"
for c in "process create --kind ideas --title t" "process phase $Z review --reason r" \
    "process list" "process show $Z" "idea add --title t" "idea edit $Z --title t" \
    "idea status $Z accepted --reason r" "idea evaluate $Z --feasibility feasible --reason r" \
    "idea support $Z" "idea link $Z $Z --reason r" "idea show $Z" "idea list" \
    "report $Z --reason r" "hide $Z --reason r" "restore $Z --reason r" "appeal $Z --reason r" \
    "credential issue --census $Z --subject $K1" "credential revoke --census $Z --subject $K1" \
    "approve $Z" "submit $Z"; do
	name=${c%% [-$Z]*}
	bad1 "$name: unknown option" 2 $W $c --bogus
	bad1 "$name: -d without a value" 2 $W $c -d
	bad1 "$name: not a wiec directory" 3 $W $c -d "$T/notdir"
done
