# Votes through the CLI (spec/tally.md section 4): a budget process with two
# units, residents with credentials voting through a node and signed
# offline, a changed vote, invalid ballots refused with their reason, the
# live tally (--json), and `wiec reindex` giving the same tally.
. tests/cli/lib.sh

$W testnet "$T/net" --nodes 2 >/dev/null
N1=$T/net/node1 N2=$T/net/node2
K1=$($W id -d "$N1")
$W status -d "$N1" --json >"$T/st"
NET=$(json_field "$T/st" network)

# bad1 NAME WANT CMD...: status WANT and one line on stderr.
bad1() {
	name=$1 want=$2
	shift 2
	status "$want" "$name" "$@"
	oneline "$name: one line"
}

status 0 "budget process" $W process create -d "$N1" --kind budget --title "BO 2027" \
	--unit "Jeżyce:100000" --unit "Wilda:80000" --registrar "$K1" --eligibility \
	--phase ideation --phase voting
P=$(cat "$T/out")
# Credentials: anna, bob, cyryl in Jeżyce; dora in Wilda; ewa none.
issue() { $W credential issue -d "$N1" --process "$P" --subject "$2" --attr "unit=$1" >/dev/null; }
for r in anna bob cyryl dora ewa filip; do
	$W keygen --out "$T/$r.key2" >"$T/$r.pub" 2>/dev/null
done
A=$(cat "$T/anna.pub") B=$(cat "$T/bob.pub") C=$(cat "$T/cyryl.pub") D=$(cat "$T/dora.pub")
E=$(cat "$T/ewa.pub") F=$(cat "$T/filip.pub")
issue Jeżyce "$A"; issue Jeżyce "$B"; issue Jeżyce "$C"; issue Wilda "$D"
status 0 "credential without a unit (filip)" $W credential issue -d "$N1" --process "$P" --subject "$F"

idea() { $W idea add -d "$N1" --key "$T/anna.key2" --process "$P" --title "$1" --unit "$2" --cost "$3"; }
PA=$(idea Park Jeżyce 60000) PB=$(idea Ławki Jeżyce 50000) PC=$(idea Drzewa Jeżyce 30000)
PD=$(idea Boisko Wilda 70000) PE=$(idea Plac Wilda 20000)
check "five projects" test -n "$PA" -a -n "$PB" -a -n "$PC" -a -n "$PD" -a -n "$PE"

# ---- poll open ----
bad1 "poll open: not an owner" 1 $W poll open -d "$N1" --key "$T/anna.key2" --process "$P" \
	--kind budget --option "$PA"
check "refusal names the owner rule" grep -q "not_owner" "$T/err"
bad1 "poll open: approval in a budget process" 1 $W poll open -d "$N1" --process "$P" --kind approval --option "$PA"
bad1 "poll open: borda for budget" 1 $W poll open -d "$N1" --process "$P" --kind budget --option "$PA" --rule borda
bad1 "poll open: bad kind" 2 $W poll open -d "$N1" --process "$P" --kind secret --option "$PA"
bad1 "poll open: no options" 2 $W poll open -d "$N1" --process "$P" --kind budget
bad1 "poll open: min above max" 2 $W poll open -d "$N1" --process "$P" --kind budget --option "$PA" --option "$PB" --min 2 --max 1
bad1 "poll open: bad fraction" 2 $W poll open -d "$N1" --process "$P" --kind budget --option "$PA" --min-score 1/0
# Points and weights are bounded so that no sum of them wraps (spec/tally.md
# 4.5); a number past 2^64 is not read as 2^64 - 1.
bad1 "poll open: points above 10^6" 2 $W poll open -d "$N1" --process "$P" --kind budget \
	--ballot cumulative --points 9223372036854775807 --option "$PA"
check "the bound is named" grep -q "up to 1000000" "$T/err"
bad1 "poll open: points past 2^64" 2 $W poll open -d "$N1" --process "$P" --kind budget \
	--ballot cumulative --points 99999999999999999999999 --option "$PA"
# A fraction past 2^64 once became (2^64-1)/(2^64-1): unanimity, signed.
bad1 "poll open: a threshold past 2^64" 2 $W poll open -d "$N1" --process "$P" --kind budget \
	--option "$PA" --min-score 99999999999999999998/99999999999999999999
bad1 "poll open: a numerator of 40 digits" 2 $W poll open -d "$N1" --process "$P" --kind budget \
	--option "$PA" --min-score 1234567890123456789012345678901234567890
bad1 "poll open: weight above 10^12" 2 $W poll open -d "$N1" --process "$P" --kind yes-no \
	--question Q --decision double --majority 1/2 --weight-majority 1/2 --weight "$K1:9223372036854775808"
status 0 "poll open (budget, greedy)" $W poll open -d "$N1" --process "$P" --kind budget \
	--option "$PA" --option "$PB" --option "$PC" --option "$PD" --option "$PE" --rule greedy --max 2
POLL=$(cat "$T/out")
# No ballot yet: no project is funded, though every one fits its unit
# (spec/tally.md 2.2: a project no ballot scores is never funded).
status 0 "tally with no ballots" $W tally -d "$N1" --process "$P" --json
check "no ballots, no winners" grep -q '"ballots": 0, "not_counted": {}, "winners": \[\]' "$T/out"

# ---- votes through the node ----
status 0 "anna votes Park + Drzewa" $W vote -d "$N1" --process "$P" --key "$T/anna.key2" "$PA" "$PC"
status 0 "bob votes Park" $W vote -d "$N1" --process "$P" --key "$T/bob.key2" "$PA" --json
check "vote --json prints {\"id\": ...}" match "$(cat "$T/out")" '{"id": "[0-9a-f]\{64\}"}$'
status 0 "filip (no unit attribute) votes Drzewa" $W vote -d "$N1" --process "$P" --key "$T/filip.key2" --unit Jeżyce "$PC"
bad1 "over budget" 1 $W vote -d "$N1" --process "$P" --key "$T/cyryl.key2" "$PA" "$PB"
check "reason over_budget" grep -q "over_budget" "$T/err"
bad1 "too many" 1 $W vote -d "$N1" --process "$P" --key "$T/cyryl.key2" "$PA" "$PB" "$PC"
check "reason too_many" grep -q "too_many" "$T/err"
bad1 "another unit's project" 1 $W vote -d "$N1" --process "$P" --key "$T/cyryl.key2" --unit Jeżyce "$PA" "$PD"
check "reason other_unit" grep -q "other_unit" "$T/err"
bad1 "not the voter's unit" 1 $W vote -d "$N1" --process "$P" --key "$T/cyryl.key2" --unit Wilda "$PD"
check "reason bad_unit" grep -q "bad_unit" "$T/err"
# Without --unit the ballot is in the voter's unit (Jeżyce): Boisko is Wilda's.
bad1 "another unit's project, no --unit" 1 $W vote -d "$N1" --process "$P" --key "$T/cyryl.key2" "$PD"
check "reason other_unit (the credential's unit)" grep -q "other_unit" "$T/err"
bad1 "not eligible" 1 $W vote -d "$N1" --process "$P" --key "$T/ewa.key2" "$PA"
check "reason not_eligible" grep -q "not_eligible" "$T/err"
bad1 "unknown project" 1 $W vote -d "$N1" --process "$P" --key "$T/cyryl.key2" "$(printf '%064d' 5)"
check "reason unknown_project" grep -q "unknown_project" "$T/err"
bad1 "duplicate" 1 $W vote -d "$N1" --process "$P" --key "$T/cyryl.key2" "$PA" "$PA"
check "reason duplicate" grep -q "duplicate" "$T/err"
bad1 "points on a budget ballot" 1 $W vote -d "$N1" --process "$P" --key "$T/cyryl.key2" "$PA:3"
check "reason bad_points" grep -q "bad_points" "$T/err"
bad1 "a yes on a budget poll" 1 $W vote -d "$N1" --process "$P" --key "$T/cyryl.key2" yes
bad1 "bad choice" 2 $W vote -d "$N1" --process "$P" --key "$T/cyryl.key2" nonsense
status 0 "cyryl votes Ławki" $W vote -d "$N1" --process "$P" --key "$T/cyryl.key2" "$PB"
status 0 "cyryl changes to Ławki + Drzewa" $W vote -d "$N1" --process "$P" --key "$T/cyryl.key2" "$PB" "$PC"

# ---- signed offline, submitted ----
status 0 "dora signs offline" $W sign --key "$T/dora.key2" --network "$NET" vote --process "$P" \
	--poll "$POLL" --unit Wilda "$PD" -o "$T/dora.ev"
status 0 "dora signs an over-budget ballot offline" $W sign --key "$T/dora.key2" --network "$NET" \
	vote --process "$P" --poll "$POLL" --unit Wilda "$PD" "$PE" -o "$T/dora2.ev"
bad1 "sign vote without --poll is refused" 2 $W sign --key "$T/dora.key2" --network "$NET" vote \
	--process "$P" "$PD" -o "$T/x.ev"
status 0 "submit dora's ballot" $W submit -d "$N1" "$T/dora.ev"
bad1 "submit refuses dora's over-budget ballot" 1 $W submit -d "$N1" "$T/dora2.ev"
check "submit names the reason" grep -q "over_budget" "$T/err"

# ---- the tally ----
# Jeżyce (100,000): Park anna, bob = 2; Ławki cyryl = 1; Drzewa anna, filip, cyryl = 3.
# Greedy: Drzewa (30,000), Park (60,000); Ławki does not fit. Wilda (80,000):
# Boisko 1 (70,000), then Plac 0 (20,000) does not fit.
status 0 "tally --json" $W tally -d "$N1" --process "$P" --json
cp "$T/out" "$T/tally1"
check "winners" grep -q "\"winners\": \[\"$PC\", \"$PA\", \"$PD\"\]" "$T/tally1"
check "not counted, with reasons" grep -q '"not_counted": {"superseded": 1}' "$T/tally1"
check "five ballots" grep -q '"ballots": 5' "$T/tally1"
check "per-project score" grep -q "{\"project\": \"$PC\", \"title\": \"Drzewa\", \"cost\": 30000, \"score\": 3}" "$T/tally1"
status 0 "tally --unit Wilda" $W tally -d "$N1" --process "$P" --unit Wilda --json
check "one unit" grep -q "\"winners\": \[\"$PD\"\]" "$T/out"
bad1 "tally: no such unit" 2 $W tally -d "$N1" --process "$P" --unit Nowhere
status 0 "tally (text)" $W tally -d "$N1" --process "$P"
check "text names the winner" grep -q '^  \*          3  .*Drzewa (cost 30000)' "$T/out"

# ---- withdraw and the same tally elsewhere ----
status 0 "bob withdraws" $W vote -d "$N1" --process "$P" --key "$T/bob.key2" --withdraw
status 0 "tally after the withdrawal" $W tally -d "$N1" --process "$P" --json
check "withdrawal counted as such" grep -q '"withdrawn": 1' "$T/out"
cp "$T/out" "$T/tally2"
$W export -d "$N1" -o "$T/all.log" && $W import -d "$N2" "$T/all.log" >/dev/null 2>&1
status 0 "tally on the second node" $W tally -d "$N2" --process "$P" --json
check "identical on another node" cmp -s "$T/out" "$T/tally2"
status 0 "reindex" $W reindex -d "$N1"
status 0 "tally after reindex" $W tally -d "$N1" --process "$P" --json
check "reindex reproduces the tally" cmp -s "$T/out" "$T/tally2"

# ---- signed on a device that holds a copy of the log (-d): the unit from
# the resident's credential, the poll found, the ballot checked first ----
cp "$T/dora.key2.chain" "$T/dora.chain.before"
bad1 "sign -d refuses a ballot the model refuses" 1 $W sign --key "$T/dora.key2" \
	--network "$NET" -d "$N1" vote --process "$P" "$PA" -o "$T/dora5.ev"
check "sign -d names the reason" grep -q "other_unit" "$T/err"
check "nothing signed" cmp -s "$T/dora.key2.chain" "$T/dora.chain.before"
check "no file written" test ! -e "$T/dora5.ev"
status 0 "dora signs with -d and no --unit or --poll" $W sign --key "$T/dora.key2" \
	--network "$NET" -d "$N1" vote --process "$P" "$PD" -o "$T/dora4.ev"
status 0 "submit it" $W submit -d "$N1" "$T/dora4.ev"
status 0 "show it" $W show -d "$N1" "$(cat "$T/out")"
check "its unit is dora's (Wilda)" grep -q '"unit": "Wilda"' "$T/out"
check "and its poll the process's" grep -q "\"poll\": \"$POLL\"" "$T/out"
bad1 "sign -d only for votes" 2 $W sign --key "$T/dora.key2" --network "$NET" -d "$N1" \
	support "$PD" -o "$T/dora6.ev"

# ---- after the close: refused at submission (spec/tally.md 4.7) ----
status 0 "dora signs a new ballot offline before the close" $W sign --key "$T/dora.key2" \
	--network "$NET" vote --process "$P" --poll "$POLL" --unit Wilda "$PE" -o "$T/dora3.ev"
$W tally -d "$N1" --process "$P" --json >"$T/tally-before-close"
status 0 "the owner starts closing" $W close -d "$N1" --process "$P"
bad1 "vote after the close" 1 $W vote -d "$N1" --process "$P" --key "$T/cyryl.key2" "$PC"
check "vote names the close" grep -q "ballot refused: .*(closed)" "$T/err"
bad1 "submit after the close" 1 $W submit -d "$N1" "$T/dora3.ev"
check "submit names the close" grep -q "ballot refused: .*(closed)" "$T/err"
status 0 "tally after the refusals" $W tally -d "$N1" --process "$P" --json
check "no ballot was added" cmp -s "$T/out" "$T/tally-before-close"

# ---- a process in grosze (--decimals), ranked ballots that may exceed the
# budget (--ballot, --no-cost-limit: as pb import makes them) ----
bad1 "process create: --decimals 7" 2 $W process create -d "$N1" --kind budget --title X \
	--unit "A:100" --decimals 7
status 0 "budget process in grosze" $W process create -d "$N1" --kind budget \
	--title "BO grosze" --unit "Centrum:10000050" --decimals 2 --phase voting
P2=$(cat "$T/out")
status 0 "process show" $W process show -d "$N1" "$P2"
check "its budget in złoty" grep -q "100000.50" "$T/out"
idea2() { $W idea add -d "$N1" --process "$P2" --title "$1" --unit Centrum --cost "$2"; }
QA=$(idea2 Fontanna 6000000) QB=$(idea2 Skwer 5000025)
bad1 "poll open: --ballot yes-no" 2 $W poll open -d "$N1" --process "$P2" --kind budget \
	--option "$QA" --option "$QB" --ballot yes-no
bad1 "poll open: --no-cost-limit outside budget" 2 $W poll open -d "$N1" --process "$P2" \
	--kind approval --option "$QA" --no-cost-limit
check "the refusal names it" grep -q "no-cost-limit for budget only" "$T/err"
status 0 "poll open: ranked, no cost limit" $W poll open -d "$N1" --process "$P2" \
	--kind budget --option "$QA" --option "$QB" --ballot ranked --no-cost-limit
status 0 "a ranked ballot over the budget counts" $W vote -d "$N1" --process "$P2" \
	--unit Centrum "$QB" "$QA"
status 0 "show it" $W show -d "$N1" "$(cat "$T/out")"
check "its order is kept" match "$(tr -d '\n ' <"$T/out")" ".*$QB.*$QA.*"
status 0 "tally" $W tally -d "$N1" --process "$P2" --json
check "counted" grep -q '"ballots": 1, "not_counted": {}' "$T/out"
status 0 "tally (text)" $W tally -d "$N1" --process "$P2"
check "the funded project's cost in złoty" grep -q "50000.25" "$T/out"
