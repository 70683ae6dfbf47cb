# wiec pb tally: real Pabulib elections (tests/pb, source in its README)
# reproduce their `selected` column (tests/pb/expected, derived from that
# column alone); --json and --rule; bad .pb input gets one line naming the
# line number and exit 5; bad arguments exit 2.
. tests/cli/lib.sh
D=tests/pb

# e WANT NAME PATTERN CMD...: exit status WANT, one line on stderr that
# matches the grep -E PATTERN.
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

while read -r f want; do
	flags=
	case $f in *Wieliczka_2023*|*Poznan_2024_9*) flags=--mixed-eol ;; esac
	got=$($W pb tally $flags "$D/$f" | LC_ALL=C sort | tr '\n' ' ')
	want=$(printf '%s\n' $want | LC_ALL=C sort | tr '\n' ' ')
	if [ "$got" = "$want" ]; then ok "pb-selected $f"; else bad "pb-selected $f: got $got wanted $want"; fi
done <"$D/expected"

# --json: the rule and the winners' ids as strings.
$W pb tally --json "$D/Netherlands_Assen_2024.pb" >"$T/j"
check pb-json grep -Eq '^\{"rule": "equalshares/add1", "winners": \["3", "9", ("[0-9]+", )*"[0-9]+"\]\}$' "$T/j"
$W pb tally --json --rule greedy "$D/Netherlands_Assen_2024.pb" >"$T/j"
check pb-rule-override grep -q '^{"rule": "greedy", "winners": \["3", ' "$T/j"
$W pb tally --json --rule borda "$D/Poland_Krakow_2022_Stare_Miasto.pb" >"$T/j"
check pb-borda grep -q '"scores": {' "$T/j"
e 2 pb-plurality-of-approval 'plurality needs' $W pb tally --rule plurality "$D/Netherlands_Assen_2024.pb"

# Bad input: one line naming the line, exit 5.
G=$D/Poland_Gdynia_2022_Chylonia__small.pb	# CRLF, 1547 lines
head -c 20000 "$G" >"$T/trunc.pb"
e 5 pb-truncated 'line [0-9]+: (num_votes is|[0-9]+ fields)' $W pb tally "$T/trunc.pb"
head -n 20 "$G" >"$T/trunc2.pb"
e 5 pb-truncated-section 'line 21: the file ends before the PROJECTS section' $W pb tally "$T/trunc2.pb"
sed 's/^num_votes;1509/num_votes;1510/' "$G" >"$T/count.pb"
e 5 pb-wrong-num-votes 'line 10: num_votes is 1510 but VOTES has 1509 rows' $W pb tally "$T/count.pb"
sed 's/^num_projects;12/num_projects;13/' "$G" >"$T/count2.pb"
e 5 pb-wrong-num-projects 'line 9: num_projects is 13' $W pb tally "$T/count2.pb"
sed 's/^vote_type;approval/vote_type;quadratic/' "$G" >"$T/vt.pb"
e 5 pb-unknown-vote-type "line 12: unknown vote_type 'quadratic'" $W pb tally "$T/vt.pb"
sed 's#^2022/CHY/0014;#2022/CHY/0004;#' "$G" >"$T/dup.pb"
e 5 pb-duplicate-project "line [0-9]+: project_id '2022/CHY/0004' again \(first on line [0-9]+\)" \
    $W pb tally "$T/dup.pb"
sed '41s/^33;/22;/' "$G" >"$T/dupv.pb"
e 5 pb-duplicate-voter "line 41: voter_id '22' again \(first on line 39\)" $W pb tally "$T/dupv.pb"
{ head -n 10 "$G"; head -n 11 "$G" | tail -n 1 | tr -d '\r'; tail -n +12 "$G"; } >"$T/mixed.pb"
e 5 pb-mixed-eol 'line 11: ends in LF but line 1 ends in CRLF: the file mixes line endings' \
    $W pb tally "$T/mixed.pb"
e 5 pb-mixed-eol-real 'line 12: ends in LF' $W pb tally "$D/Poland_Wieliczka_2023_Green_Budget.pb"
{ printf '\357\273\277'; cat "$G"; } >"$T/bom.pb"
e 5 pb-bom 'line 1: the file starts with a byte order mark' $W pb tally "$T/bom.pb"
sed 's#^2022/CHY/0004;\([0-9]*\);#2022/CHY/0004;12k;#' "$G" >"$T/cost.pb"
e 5 pb-bad-cost "line [0-9]+: cost of project '2022/CHY/0004' is not a non-negative decimal" \
    $W pb tally "$T/cost.pb"
sed '40s#;2022/CHY/0004;#;2022/CHY/9999;#' "$G" >"$T/unk.pb"
e 5 pb-unknown-project "line 40: vote names an unknown project '2022/CHY/9999'" $W pb tally "$T/unk.pb"
printf 'META\nkey;value\nnum_projects;0\nnum_votes;0\nbudget;1\nvote_type;approval\nPROJECTS\nproject_id;cost\nVOTES\nvoter_id;vote\n' >"$T/norule.pb"
e 5 pb-no-rule 'META has no rule; give --rule' $W pb tally "$T/norule.pb"
status 0 pb-empty-election $W pb tally --rule equalshares/add1 "$T/norule.pb"
e 2 pb-unknown-rule "unknown rule 'frobnicate'" $W pb tally --rule frobnicate "$G"
e 2 pb-no-file 'no .pb file given' $W pb tally
e 1 pb-missing-file 'No such file' $W pb tally "$T/nothing.pb"
# A FIFO nobody writes is refused at once, not waited on (timeout only
# guards the run: 124 would be the hang).
mkfifo "$T/fifo.pb"
e 1 pb-fifo 'not a regular file' timeout 20 $W pb tally "$T/fifo.pb"
e 1 pb-directory 'not a regular file' $W pb tally "$T"

# A downloaded file's text reaches the terminal: an escape sequence in an id
# (ESC [2J cleared the screen) or bytes that are not UTF-8 are refused, and
# nothing of the file is printed.
printf 'META\nkey;value\nnum_projects;1\nnum_votes;1\nbudget;10\nvote_type;approval\nrule;greedy\nPROJECTS\nproject_id;cost\n\033[2JX;5\nVOTES\nvoter_id;vote\nv1;\033[2JX\n' >"$T/esc.pb"
e 5 pb-escape-in-id 'line 10: field 1 holds a control character' $W pb tally "$T/esc.pb"
check "pb-escape: nothing printed" test ! -s "$T/out"
printf 'META\nkey;value\nnum_projects;1\nnum_votes;1\nbudget;10\nvote_type;approval\nrule;greedy\nPROJECTS\nproject_id;cost;name\np1;5;\377\376\nVOTES\nvoter_id;vote\nv1;p1\n' >"$T/utf.pb"
e 5 pb-not-utf8 'line 10: field 3 holds a control character or is not UTF-8' $W pb tally "$T/utf.pb"
