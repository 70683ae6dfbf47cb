# wiec pb import / wiec pb export (spec/tally.md section 5): every file of
# tests/pb (the six shared fixtures among them; Łódź 2022 is the benchmark's,
# too slow here) imported into a data directory, exported again, and the two
# files compared in the normal form of section 5 (build/tool-pbnorm): every
# ballot comes back, those over the budget too; `wiec pb tally` of the
# export equals that of the original, and so do the winners of `wiec tally`
# on the store, for every vote type. Then: the same file twice
# into one store (idempotent), bad input (one line naming the line, exit 5),
# a directory that is no data directory, a read-only one, export refusals,
# and an import through a running node.
. tests/cli/lib.sh
. tests/cli/netlib.inc
D=tests/pb
NORM=${B:-build}/tool-pbnorm
[ -x "$NORM" ] || { bad "pbio: $NORM is not built"; exit 1; }

# e WANT NAME PATTERN CMD...: exit status WANT and one line on stderr
# matching the grep -E PATTERN.
e() {
	want=$1 name=$2 pat=$3
	shift 3
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	n=$(wc -l <"$T/err")
	if [ "$got" = "$want" ] && [ "$n" -eq 1 ] && grep -Eq "$pat" "$T/err"; then
		ok "$name"
	else
		bad "$name (exit $got, wanted $want; $n lines): $(head -c 300 "$T/err" | tr '\n' '|')"
	fi
}

have_tally=0
$W help tally >/dev/null 2>&1 && have_tally=1

i=0
for f in "$D"/*.pb; do
	b=${f##*/}
	case $b in Poland_Lodz_2022.pb) continue ;; esac
	flags=
	case $b in *Wieliczka_2023*|*Poznan_2024_9*) flags=--mixed-eol ;; esac
	i=$((i + 1))
	S=$T/s$i
	$W init -d "$S" >/dev/null || { bad "pbio-init $b"; continue; }
	if ! $W pb import $flags -d "$S" --json "$f" >"$T/imp" 2>"$T/err"; then
		bad "pbio-import $b: $(head -c 200 "$T/err")"
		continue
	fi
	P=$(json_field "$T/imp" process)
	check "pbio-import-json $b" grep -Eq '^\{"process": "[0-9a-f]{64}"\}$' "$T/imp"
	if ! $W pb export -d "$S" --process "$P" -o "$T/e$i.pb" 2>"$T/err"; then
		bad "pbio-export $b: $(head -c 200 "$T/err")"
		continue
	fi
	# The round trip, up to the normal form: every ballot comes back.
	$NORM $flags "$f" >"$T/n1" && $NORM "$T/e$i.pb" >"$T/n2"
	check "pbio-roundtrip $b" cmp -s "$T/n1" "$T/n2"
	# A META rule wiec does not know (Stanford's "unknown"): the poll's
	# default, greedy.
	rule=
	grep -q '^rule;unknown' "$f" && rule="--rule greedy"
	$W pb tally $flags $rule --json "$f" >"$T/t1"
	$W pb tally $rule --json "$T/e$i.pb" >"$T/t2"
	check "pbio-tally-agrees $b" cmp -s "$T/t1" "$T/t2"
	# wiec tally on the store names the winners of pb tally of the file,
	# in its order, for every vote type: its winners are idea ids, each
	# idea's category the project_id (model/pbio.h).
	if [ $have_tally = 1 ]; then
		$W tally -d "$S" --process "$P" --json >"$T/lt" 2>"$T/err"
		$W idea list -d "$S" --process "$P" --json >"$T/il"
		python3 - "$T/lt" "$T/il" "$T/t1" >"$T/t3" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
cat = {i["id"]: i["category"] for i in json.load(open(sys.argv[2]))}
want = json.load(open(sys.argv[3]))["winners"]
got = [cat[w] for w in t["winners"]]
print("same" if got == want and t["not_counted"] == {} else "%s / %s %s" % (got, want, t["not_counted"]))
PY
		if grep -qx same "$T/t3"; then
			ok "pbio-live-tally-agrees $b"
		else
			bad "pbio-live-tally-agrees $b: $(cat "$T/t3")"
		fi
	fi
done

# The poll holds ballots to the budget only where the file does: one that
# states max_sum_cost and keeps to it gets a poll that refuses a ballot
# over the budget, as a live vote does; one that does not state it (or
# counted ballots over it, as Warszawa 2023 Włochy did) gets a poll that
# counts them (spec/tally.md 5.2).
for lim in 'max_sum_cost;100\n' ''; do
	printf 'META\nkey;value\nnum_projects;2\nnum_votes;2\nbudget;100\nvote_type;approval\nrule;greedy\n%bPROJECTS\nproject_id;cost\n1;60\n2;50\nVOTES\nvoter_id;vote\nv1;1\nv2;2\n' "$lim" >"$T/lim.pb"
	S=$T/lim${lim:+it}
	$W init -d "$S" >/dev/null
	P=$($W pb import -d "$S" "$T/lim.pb")
	$W tally -d "$S" --process "$P" --json >"$T/lt"
	$W show -d "$S" "$(json_field "$T/lt" poll)" >"$T/poll$lim"
	$W idea list -d "$S" --process "$P" --json >"$T/il"
	ALL=$(python3 -c 'import json,sys; print(" ".join(i["id"] for i in json.load(open(sys.argv[1]))))' "$T/il")
	if [ -n "$lim" ]; then
		check "pbio-limit-kept" grep -q '"no_cost_limit": false' "$T/poll$lim"
		# shellcheck disable=SC2086
		e 1 pbio-limit-refuses 'ballot refused: .*\(over_budget\)' \
		    $W vote -d "$S" --process "$P" $ALL
	else
		check "pbio-limit-lifted" grep -q '"no_cost_limit": true' "$T/poll$lim"
		# shellcheck disable=SC2086
		status 0 "pbio-limit-lifted-counts" $W vote -d "$S" --process "$P" $ALL
	fi
done

# A name longer than a title (Łódź 2022 line 146) comes back whole; a file
# without a name column gets none back (Canada Dieppe 2018); a scoring file
# with quoted cells.
long=$(printf 'Nazwa%.0s' $(seq 1 70))
printf 'META\nkey;value\ndescription;Test\nnum_projects;2\nnum_votes;2\nbudget;100\nvote_type;approval\nrule;greedy\nPROJECTS\nproject_id;cost;name\n1;60;%s\n2;50;"a;b"\nVOTES\nvoter_id;vote\nv1;1\nv2;1,2\n' "$long" >"$T/long.pb"
printf 'META\nkey;value\nnum_projects;2\nnum_votes;2\nbudget;100\nvote_type;scoring\nrule;greedy\nPROJECTS\nproject_id;cost;category\n7;60;x\n8;50;y\nVOTES\nvoter_id;vote;points;age\n1;7,8;3,1;30\n2;8;2;\n' >"$T/noname.pb"
for f in long noname; do
	S=$T/syn-$f
	$W init -d "$S" >/dev/null
	P=$($W pb import -d "$S" "$T/$f.pb")
	$W pb export -d "$S" --process "$P" -o "$T/$f-out.pb" 2>"$T/err"
	$NORM "$T/$f.pb" >"$T/n1" && $NORM "$T/$f-out.pb" >"$T/n2"
	check "pbio-roundtrip-$f" cmp -s "$T/n1" "$T/n2"
done
check "pbio-long-name-kept" grep -q "^1;60;$long\$" "$T/long-out.pb"
check "pbio-quoted-cell" grep -q '^2;50;"a;b"$' "$T/long-out.pb"
check "pbio-no-name-column" grep -q '^project_id;cost;category$' "$T/noname-out.pb"

# Twice into one store: the same process, nothing added.
G=$D/Poland_Gdynia_2022_Chylonia__small.pb
S=$T/twice
$W init -d "$S" >/dev/null
P1=$($W pb import -d "$S" "$G")
$W status -d "$S" --json >"$T/st1"
P2=$($W pb import -d "$S" "$G")
$W status -d "$S" --json >"$T/st2"
check "pbio-twice-same-process" test -n "$P1" -a "$P1" = "$P2"
check "pbio-twice-adds-nothing" test "$(json_field "$T/st1" events)" = "$(json_field "$T/st2" events)"
check "pbio-events" test "$(json_field "$T/st1" events)" -eq $((1 + 1 + 12 + 1 + 1509 + 1509))
# Another file into the same store: a second process beside the first.
P3=$($W pb import -d "$S" "$D/Netherlands_Assen_2024.pb")
check "pbio-second-file" test -n "$P3" -a "$P3" != "$P1"
status 0 "pbio-second-file-export" $W pb export -d "$S" --process "$P1" -o "$T/again.pb"
$NORM "$G" >"$T/n1" && $NORM "$T/again.pb" >"$T/n2"
check "pbio-second-file-roundtrip" cmp -s "$T/n1" "$T/n2"

# Bad input: one line naming the line, exit 5; nothing stored.
$W status -d "$S" --json >"$T/st2"
head -c 20000 "$G" >"$T/trunc.pb"
e 5 pbio-truncated 'line [0-9]+: ' $W pb import -d "$S" "$T/trunc.pb"
sed 's/^vote_type;approval/vote_type;quadratic/' "$G" >"$T/vt.pb"
e 5 pbio-unknown-vote-type "line 12: unknown vote_type 'quadratic'" $W pb import -d "$S" "$T/vt.pb"
sed 's/^budget;62334/budget;62334.1234567/' "$G" >"$T/bud.pb"
e 5 pbio-budget-7-decimals "line 11: budget has more than 6 decimals" \
    $W pb import -d "$S" "$T/bud.pb"
sed 's#^2022/CHY/0004;\([0-9]*\);#2022/CHY/0004;\1.0000005;#' "$G" >"$T/cost7.pb"
e 5 pbio-cost-7-decimals "line [0-9]+: cost has more than 6 decimals" \
    $W pb import -d "$S" "$T/cost7.pb"
sed 's/^budget;62334/budget;184467440737095.51616/' "$G" >"$T/bud64.pb"
e 5 pbio-budget-2to64 "line 11: budget must be above 0 and below 2\^64 units of 10\^-5" \
    $W pb import -d "$S" "$T/bud64.pb"
{ head -n 10 "$G"; head -n 11 "$G" | tail -n 1 | tr -d '\r'; tail -n +12 "$G"; } >"$T/mixed.pb"
e 5 pbio-mixed-eol 'line 11: .*mixes line endings \(--mixed-eol accepts that\)' \
    $W pb import -d "$S" "$T/mixed.pb"
$W status -d "$S" --json >"$T/st3"
check "pbio-bad-input-stores-nothing" test "$(json_field "$T/st3" events)" = \
    "$(json_field "$T/st2" events)"
e 2 pbio-no-file 'no .pb file given' $W pb import -d "$S"
e 1 pbio-missing-file 'no such file' $W pb import -d "$S" "$T/nothing.pb"

# Money with decimals (spec/tally.md 4.9): Warsaw's budget to the grosz is
# held in grosze with decimals 2, printed as the real amount, kept exact in
# JSON, and written back as the file wrote it; a cost with one decimal makes
# the process's decimals 1 (every tests/pb file also goes through the loop
# above: round trip and tallies).
S=$T/grosz
$W init -d "$S" >/dev/null
WG=$D/Poland_Warszawa_2019_Przyczolek_Grochowski.pb
P=$($W pb import -d "$S" "$WG")
$W tally -d "$S" --process "$P" >"$T/gt"
check "pbio-grosz-tally-text" grep -q '^  unit Praga-Południe (budget 114339.91, 274 ballots):$' "$T/gt"
check "pbio-grosz-tally-cost" grep -q '(cost 92800.00)$' "$T/gt"
$W tally -d "$S" --process "$P" --json >"$T/gj"
check "pbio-grosz-tally-json" grep -q '"winners": \[[^]]*\], "decimals": 2, "units": \[{"unit": "Praga-Południe", "budget": 11433991, ' "$T/gj"
check "pbio-grosz-tally-json-cost" grep -q '"cost": 9280000, "score": 198}' "$T/gj"
$W process show -d "$S" "$P" --json >"$T/gp"
check "pbio-grosz-process-json" grep -q '"budget": 11433991}\], "decimals": 2' "$T/gp"
$W process show -d "$S" "$P" >"$T/gp"
check "pbio-grosz-process-text" grep -q '^unit       Praga-Południe: 114339.91$' "$T/gp"
$W pb export -d "$S" --process "$P" -o "$T/grosz.pb"
check "pbio-grosz-export-budget" grep -qx 'budget;114339.91' "$T/grosz.pb"
check "pbio-grosz-export-cost" grep -q '^2303;92800;' "$T/grosz.pb"
check "pbio-grosz-export-max-sum-cost" grep -qx 'max_sum_cost;114339.91' "$T/grosz.pb"
sed 's#^2022/CHY/0004;\([0-9]*\);#2022/CHY/0004;\1.5;#' "$G" >"$T/cost.pb"
P=$($W pb import -d "$S" "$T/cost.pb")
$W tally -d "$S" --process "$P" --json >"$T/cj"
check "pbio-tenths-decimals" grep -q '"decimals": 1, .*"budget": 623340, ' "$T/cj"
rm -f "$T/cost-e.pb"
$W pb export -d "$S" --process "$P" -o "$T/cost-e.pb"
$NORM "$T/cost.pb" >"$T/n1" && $NORM "$T/cost-e.pb" >"$T/n2"
check "pbio-tenths-roundtrip" cmp -s "$T/n1" "$T/n2"
check "pbio-tenths-export" grep -q '^2022/CHY/0004;[0-9]*\.5;' "$T/cost-e.pb"
$W pb tally --json "$T/cost.pb" >"$T/t1"
$W pb tally --json "$T/cost-e.pb" >"$T/t2"
check "pbio-tenths-tally" cmp -s "$T/t1" "$T/t2"
# add1 raises each voter's money by one złoty, not one grosz: the live tally
# of a process in grosze reads the real amounts (a random election of
# tests/unit/test_money.c, seed 4, where the two raises part: p1 p6 p4 p2).
cat >"$T/add1.pb" <<'PB'
META
key;value
num_projects;7
num_votes;10
budget;31.36
vote_type;approval
rule;equalshares/add1
PROJECTS
project_id;cost
p0;7.90
p1;6.54
p2;2.68
p3;4.35
p4;6.69
p5;6.37
p6;6.63
VOTES
voter_id;vote
0;p1,p4
1;p0,p1,p4,p6
2;p1,p5,p6
3;p0,p4,p5,p6
4;p0,p2,p5
5;p0,p1,p2,p4
6;p0,p1,p4,p5,p6
7;p0,p2,p6
8;p0,p1,p2,p3,p4,p6
9;p1,p2,p3,p4,p5,p6
PB
P=$($W pb import -d "$S" "$T/add1.pb")
$W pb tally --json "$T/add1.pb" >"$T/at"
check "pbio-add1-decimals-file" grep -q '"winners": \["p1", "p6", "p4", "p2"\]' "$T/at"
$W tally -d "$S" --process "$P" --json >"$T/lt"
$W idea list -d "$S" --process "$P" --json >"$T/il"
python3 - "$T/lt" "$T/il" >"$T/aw" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
cat = {i["id"]: i["category"] for i in json.load(open(sys.argv[2]))}
print(" ".join(cat[w] for w in t["winners"]))
PY
check "pbio-add1-decimals-live ($(cat "$T/aw"))" grep -qx 'p1 p6 p4 p2' "$T/aw"

# A budget process made with `process create` (no eligibility, so no
# credentials): every counted ballot is exported, voter_id the key in hex,
# each voter's latest (v3 changed its mind, v6 withdrew), and `pb tally` of
# the export names the winners of `wiec tally` (greedy, with a skip: x 60
# first, y 50 does not fit beside it, z 30 does); `pb import` reads it back.
S=$T/made
$W init -d "$S" >/dev/null
P=$($W process create -d "$S" --kind budget --title Made --unit U:100)
X=$($W idea add -d "$S" --process "$P" --title x --cost 60 --unit U 2>/dev/null)
Y=$($W idea add -d "$S" --process "$P" --title y --cost 50 --unit U 2>/dev/null)
Z=$($W idea add -d "$S" --process "$P" --title z --cost 30 --unit U 2>/dev/null)
$W poll open -d "$S" --process "$P" --kind budget --option "$X" --option "$Y" --option "$Z" \
    >/dev/null
for v in 1 2 3 4 5 6; do $W keygen --out "$T/v$v.key" >/dev/null; done
B1=$($W vote -d "$S" --process "$P" --key "$T/v1.key" "$X" "$Z")
for b in "2 $X" "3 $Z" "3 $X" "4 $Y" "5 $Y" "6 $Z" "6 --withdraw"; do
	# shellcheck disable=SC2086
	set -- $b
	$W vote -d "$S" --process "$P" --key "$T/v$1.key" "$2" >/dev/null
done
V1=$($W show -d "$S" "$B1" | python3 -c 'import base64, json, sys
a = json.load(sys.stdin)["author"]
print(base64.urlsafe_b64decode(a[2:] + "=").hex())')
status 0 pbio-made-export $W pb export -d "$S" --process "$P" -o "$T/made.pb"
check "pbio-made-num-votes" grep -qx 'num_votes;5' "$T/made.pb"
check "pbio-made-votes-header" grep -qx 'voter_id;vote' "$T/made.pb"
check "pbio-made-voter-key" grep -qx "$V1;$X,$Z" "$T/made.pb"
check "pbio-made-latest" test "$(grep -c "^[0-9a-f]\{64\};$X\$" "$T/made.pb")" -eq 2
status 0 pbio-made-pb-tally $W pb tally --json "$T/made.pb"
python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["winners"]))' \
    "$T/out" >"$T/mw1"
$W tally -d "$S" --process "$P" --json >"$T/lt"
python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["winners"]))' \
    "$T/lt" >"$T/mw2"
check pbio-made-winners test "$(cat "$T/mw1")" = "$X $Z" -a \
    "$(cat "$T/mw2")" = "$X $Z"
$W init -d "$T/made2" >/dev/null
status 0 pbio-made-import $W pb import -d "$T/made2" "$T/made.pb"
# Nothing to write: one line, exit 5, no file.
PE=$($W process create -d "$S" --kind budget --title Empty --unit U:100)
e 5 pbio-export-no-idea 'no counted idea' $W pb export -d "$S" --process "$PE" -o "$T/none.pb"
check "pbio-export-no-idea-no-file" test ! -e "$T/none.pb"

# project_id is the idea's category, which any idea's author chooses: a
# category two counted ideas claim, or that is no project_id (empty, a
# comma), is written as the idea id in hex (spec/tally.md 5.3), so the
# file always reads back; an idea's text names no project_id or cost; an
# untouched import comes back byte for byte.
printf 'META\nkey;value\nnum_projects;2\nnum_votes;2\nbudget;100\nvote_type;approval\nrule;greedy\nPROJECTS\nproject_id;cost;name\na;50;A\nb;60;B\nVOTES\nvoter_id;vote\n1;a\n2;a,b\n' >"$T/ab.pb"
S=$T/cat
$W init -d "$S" >/dev/null
P=$($W pb import -d "$S" "$T/ab.pb")
status 0 pbio-import-export-same $W pb export -d "$S" --process "$P" -o "$T/ab-e.pb"
check "pbio-import-export-bytes" cmp -s "$T/ab.pb" "$T/ab-e.pb"
A2=$($W idea add -d "$S" --process "$P" --title "Second A" --category a --cost 7 --unit all \
    2>/dev/null)
XY=$($W idea add -d "$S" --process "$P" --title Lamp --category x,y --cost 5 --unit all \
    --body "$(printf 'project_id;zz\ncost;1')" 2>/dev/null)
A1=$($W idea list -d "$S" --process "$P" --json | python3 -c 'import json,sys
print([i["id"] for i in json.load(sys.stdin) if i["title"] == "A"][0])')
status 0 pbio-category-export $W pb export -d "$S" --process "$P" -o "$T/cat.pb"
status 0 pbio-category-reads $W pb tally "$T/cat.pb"
check "pbio-category-clash" grep -q "^$A1;50;A\$" "$T/cat.pb"
check "pbio-category-clash-2" grep -q "^$A2;7;Second A\$" "$T/cat.pb"
check "pbio-category-comma" grep -q "^$XY;5;Lamp\$" "$T/cat.pb"
check "pbio-category-kept" grep -qx 'b;60;B' "$T/cat.pb"
check "pbio-category-votes" grep -qx "2;$A1,b" "$T/cat.pb"

# voter_id is the credential's attribute: one that two voters hold is
# written as each key in hex; an attribute named vote changes no vote.
S=$T/vid
$W init -d "$S" >/dev/null
NK=$($W id -d "$S")
P=$($W process create -d "$S" --kind budget --title V --unit U:100 --eligibility --registrar "$NK")
$W credential issue -d "$S" --process "$P" --subject "$NK" >/dev/null
X=$($W idea add -d "$S" --process "$P" --title x --cost 60 --unit U 2>/dev/null)
$W poll open -d "$S" --process "$P" --kind budget --option "$X" >/dev/null
for v in 1 2 3; do
	K=$($W keygen --out "$T/w$v.key")
	$W credential issue -d "$S" --process "$P" --subject "$K" \
	    --attr voter_id=$((v / 2 + 6)) --attr vote=evil >/dev/null
	$W vote -d "$S" --process "$P" --key "$T/w$v.key" "$X" >"$T/b$v"
done
status 0 pbio-voter-id-export $W pb export -d "$S" --process "$P" -o "$T/vid.pb"
status 0 pbio-voter-id-reads $W pb tally "$T/vid.pb"
check "pbio-voter-id-kept" grep -qx "6;$X" "$T/vid.pb"
check "pbio-voter-id-clash" test "$(grep -c "^[0-9a-f]\{64\};$X\$" "$T/vid.pb")" -eq 2

# Not a data directory; a read-only one.
mkdir "$T/plain"
e 3 pbio-not-a-data-dir '' $W pb import -d "$T/plain" "$G"
e 3 pbio-no-dir '' $W pb import -d "$T/absent" "$G"
S=$T/ro
$W init -d "$S" >/dev/null
chmod 755 "$T"
reader() { "$@"; }
if [ "$(id -u)" -eq 0 ]; then
	reader() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }
	chown -R nobody "$S"
fi
chmod -R a-w "$S"
reader $W pb import -d "$S" "$G" >"$T/out" 2>"$T/err"
st=$?
check "pbio-read-only-dir (exit $st)" test $st -ne 0 -a "$(wc -l <"$T/err")" -eq 1
chmod -R u+w "$S"

# Export: refusals; a read-only directory exports.
S=$T/twice
: >"$T/exists.pb"
e 1 pbio-export-no-overwrite 'exists; refusing to overwrite' \
    $W pb export -d "$S" --process "$P1" -o "$T/exists.pb"
e 1 pbio-export-unknown-process 'is not held here' \
    $W pb export -d "$S" --process "$(printf '%064d' 0)" -o "$T/x.pb"
e 2 pbio-export-bad-id 'must be an event id' $W pb export -d "$S" --process nope -o "$T/x.pb"
e 2 pbio-export-args 'process and -o are required' $W pb export -d "$S" --process "$P1"
# META budget is the sum of the units' budgets: one of 2^64 or more is refused.
PO=$($W process create -d "$S" --kind budget --title T --unit A:18446744073709551615 --unit B:1)
e 5 pbio-export-budget-overflow "budgets add up to 2\^64 or more" \
    $W pb export -d "$S" --process "$PO" -o "$T/x.pb"
cp -a "$S" "$T/rocopy"
[ "$(id -u)" -eq 0 ] && chown -R nobody "$T/rocopy"
chmod -R a-w "$T/rocopy"
mkdir "$T/outdir" && chmod 777 "$T/outdir"
status 0 "pbio-export-read-only-dir" reader $W pb export -d "$T/rocopy" --process "$P1" \
    -o "$T/outdir/ro.pb"
check "pbio-export-read-only-same" cmp -s "$T/again.pb" "$T/outdir/ro.pb"
chmod -R u+w "$T/rocopy"

# Through a running node: the node takes the events (its own as its posts).
pick_base 1 27900 || { bad "free ports"; exit 1; }
$W testnet "$T/net" --nodes 1 --base-port "$BASE" >/dev/null
N1=$T/net/node1
if start_node "$N1"; then
	status 0 "pbio-import-via-node" $W pb import -d "$N1" "$D/Netherlands_Assen_2024.pb"
	P=$(cat "$T/out")
	status 0 "pbio-export-via-node" $W pb export -d "$N1" --process "$P" -o "$T/vn.pb"
	$NORM "$D/Netherlands_Assen_2024.pb" >"$T/n1" && $NORM "$T/vn.pb" >"$T/n2"
	check "pbio-via-node-roundtrip" cmp -s "$T/n1" "$T/n2"
	status 0 "pbio-via-node-twice" $W pb import -d "$N1" "$D/Netherlands_Assen_2024.pb"
	check "pbio-via-node-twice-same" test "$(cat "$T/out")" = "$P"
	stop_node "$N1"
else
	bad "pbio: the node starts"
fi
