# wiec search (spec/search.md): Polish queries without diacritics, stemming,
# prefixes, ranking ties by id, filters, the same output in any arrival
# order and after reindex, bad arguments.
. tests/cli/lib.sh
A=$T/a
G=$T/genesis-only
$W init -d "$A" --name "Gdynia" --role city >/dev/null
cp -a "$A" "$G"	# same network, no events
$W keygen --out "$T/anna.key" >/dev/null
TREES=$($W idea add -d "$A" --title "Drzewa w Łodzi" --body "Posadźmy drzewa przy źródle na placu.")
BIKE=$($W idea add -d "$A" --title "Ścieżka rowerowa" --body "Nowa ścieżka wzdłuż rzeki, bez wycinki drzew.")
BENCH=$($W idea add -d "$A" --title "Ławki" --body "Więcej ławek w centrum.")
COMMENT=$($W comment add -d "$A" --on "$BENCH" --body "Tak, ławki przy drzewach w Łodzi!")
REPLY=$($W comment add -d "$A" --on "$COMMENT" --body "Zieleń i cień latem.")
# A resident's idea, posted on another copy of the network.
B=$T/b
cp -a "$G" "$B"
GREEN=$($W idea add -d "$B" --key "$T/anna.key" --title "Zieleń" --body "Zieleń na każdej ulicy, zielone dachy.")

# ids FILE: the result ids of a --json output, one per line.
ids() { sed 's/"id": "/\n/g' "$1" | sed -n 's/^\([0-9a-f]\{64\}\)".*/\1/p'; }

$W export -d "$A" -o "$T/a.log" >/dev/null
$W export -d "$B" -o "$T/b.log" >/dev/null
$W import -d "$A" "$T/b.log" >/dev/null

status 0 "lodz finds Łódź (idea and comment)" $W search -d "$A" lodz --json
check "  the idea titled Łódź first, then the comment" \
	test "$(ids "$T/out" | tr '\n' ' ')" = "$TREES $COMMENT "
status 0 "zrodlo finds źródło" $W search -d "$A" zrodlo --json
check "  one result, the idea" test "$(ids "$T/out")" = "$TREES"
status 0 "ŁÓDŹ in capitals with diacritics" $W search -d "$A" "ŁÓDŹ" --json
check "  same two" test "$(ids "$T/out" | wc -l)" = 2
status 0 "drzewa finds drzew, drzewach" $W search -d "$A" drzewa --json
for id in $TREES $BIKE $COMMENT; do
	check "  drzewa: $(echo $id | cut -c1-8)" grep -q "\"id\": \"$id\"" "$T/out"
done
check "  drzewa: not the benches idea" sh -c "! grep -q '\"id\": \"$BENCH\"' '$T/out'"
status 0 "several words" $W search -d "$A" sciezka rowerowa --json
check "  the bike path" test "$(ids "$T/out")" = "$BIKE"
status 0 "a prefix: ziel*" $W search -d "$A" "ziel*" --json
check "  the resident's idea and the reply" test "$(ids "$T/out" | sort | tr '\n' ' ')" = \
	"$(printf '%s\n' "$GREEN" "$REPLY" | sort | tr '\n' ' ')"
status 0 "text output" $W search -d "$A" lodz
check "  a line per result with score and id" grep -q "^[0-9]*\.[0-9]\{3\}  idea    $TREES" "$T/out"
status 0 "no match is no output" $W search -d "$A" kosmodrom
check "  empty" test ! -s "$T/out"
status 0 "no match, --json" $W search -d "$A" kosmodrom --json
check "  an empty list" grep -q '"results": \[\]' "$T/out"
status 0 "--limit 1" $W search -d "$A" drzewa --limit 1 --json
check "  one result" test "$(ids "$T/out" | wc -l)" = 1

# Filters: the open bank, another process, category, status.
status 0 "--process bank" $W search -d "$A" lodz --process bank --json
check "  both in the bank" test "$(ids "$T/out" | wc -l)" = 2
status 0 "--process of no idea" $W search -d "$A" lodz --json \
	--process 0000000000000000000000000000000000000000000000000000000000000001
check "  none" grep -q '"results": \[\]' "$T/out"
status 0 "--status submitted" $W search -d "$A" lodz --status submitted --json
check "  both" test "$(ids "$T/out" | wc -l)" = 2
status 0 "--status accepted" $W search -d "$A" lodz --status accepted --json
check "  none accepted" grep -q '"results": \[\]' "$T/out"

# The same events in another arrival order: byte-identical output.
C=$T/c
cp -a "$G" "$C"
$W import -d "$C" "$T/b.log" >/dev/null
$W import -d "$C" "$T/a.log" >/dev/null
for q in lodz drzewa "ziel*" "zielen lodz drzewa"; do
	$W search -d "$A" "$q" --json >"$T/sa"
	$W search -d "$C" "$q" --json >"$T/sc"
	check "same output in another arrival order: $q" cmp -s "$T/sa" "$T/sc"
done

# Derived state: reindex rebuilds it to the same answers.
$W search -d "$A" "zielen lodz drzewa" --json >"$T/before"
status 0 "reindex" $W reindex -d "$A"
$W search -d "$A" "zielen lodz drzewa" --json >"$T/after"
check "same output after reindex" cmp -s "$T/before" "$T/after"
status 0 "verify after reindex" $W verify -d "$A"
chmod -R a-w "$A"
status 0 "search works read-only" $W search -d "$A" lodz --json
chmod -R u+w "$A"

# The model decides what counts: the latest version, status, hidden, process.
$W idea edit -d "$A" "$TREES" --body "Posadźmy kasztany przy fontannie." >/dev/null
status 0 "an edited idea: the old text no longer counts" $W search -d "$A" zrodlo --json
check "  zrodlo finds nothing" grep -q '"results": \[\]' "$T/out"
status 0 "  the new text counts" $W search -d "$A" kasztany --json
check "  kasztany finds the idea, by its original id" test "$(ids "$T/out")" = "$TREES"
check "  matched: the new version" sh -c "! grep -q '\"matched\": \"$TREES\"' '$T/out'"
status 0 "  the title kept: lodz still finds it once" $W search -d "$A" lodz --json
check "  once" test "$(ids "$T/out" | grep -c "$TREES")" = 1
status 0 "official status" $W idea status -d "$A" "$BIKE" accepted --reason "W budżecie na 2027"
status 0 "--status accepted" $W search -d "$A" sciezka --status accepted --json
check "  the accepted idea" test "$(ids "$T/out")" = "$BIKE"
check "  its status in the result" grep -q '"status": "accepted"' "$T/out"
status 0 "--status under-review finds none" $W search -d "$A" sciezka --status under_review --json
check "  none" grep -q '"results": \[\]' "$T/out"
status 0 "a moderator hides the comment" $W hide -d "$A" "$COMMENT" --reason "off topic"
status 0 "hidden content is not found" $W search -d "$A" lodz --json
check "  only the idea" test "$(ids "$T/out")" = "$TREES"
status 0 "unless --hidden" $W search -d "$A" lodz --hidden --json
check "  the comment again, flagged" grep -q "\"id\": \"$COMMENT\", \"kind\": \"comment\".*\"hidden\": true" "$T/out"
# A prefix scores a document by the best index term it matched there
# (spec/search.md section 4), alone or beside other words: alone it once
# kept its best term while beside a word that matches nothing it summed
# them all.
PX=$($W idea add -d "$A" --title "Drzewostan i drzewo")
$W search -d "$A" 'drzew*' --json >"$T/p1"
$W search -d "$A" 'drzew*' qqqq --json >"$T/p2"
pscore() { python3 -c 'import json, sys
print([r["score"] for r in json.load(open(sys.argv[1]))["results"] if r["id"] == sys.argv[2]][0])' "$1" "$PX"; }
check "a prefix scores alike alone and beside a word that matches nothing" \
	test "$(pscore "$T/p1")" = "$(pscore "$T/p2")"
# Stuffing a text with forty words of one prefix gains nothing over one of
# them (summed, it made such an idea win every 'rower*' query).
PX=$($W idea add -d "$A" --title "Stojaki" --body "$(for i in $(seq 40); do printf 'rower%d ' "$i"; done)")
$W search -d "$A" 'rower*' --json >"$T/p1"
$W search -d "$A" 'rower1' --json >"$T/p2"
check "a stuffed text scores its best term once" test "$(pscore "$T/p1")" = "$(pscore "$T/p2")"
# A prefix is stemmed like the terms it must match: 'rowery*' found
# nothing, since 'rowerów' is indexed as 'rower'.
BIKES=$($W idea add -d "$A" --title "Parking dla rowerów")
status 0 "a prefix of a whole word" $W search -d "$A" 'rowery*' --json
check "  finds the word's other forms" grep -q "\"id\": \"$BIKES\"" "$T/out"
# "..." marks a snippet cut from a longer text: a text cut at 159 bytes
# (not to split a letter) had none, one of exactly 160 bytes had one.
$W idea add -d "$A" --title "Cięta" --body "x$(printf 'ą%.0s' $(seq 100)) sadzawka" >/dev/null
$W idea add -d "$A" --title "Cała" --body "sadzawka $(printf 'y%.0s' $(seq 151))" >/dev/null
status 0 "snippets, text" $W search -d "$A" sadzawka
check "  one cut, marked" test "$(grep -c '\.\.\.$' "$T/out")" = 1
check "  the cut one" sh -c "grep '\.\.\.\$' '$T/out' | grep -q '^    xą'"
# A comment under a hidden idea is hidden with it (it once came back from
# search flagged "hidden": false, pointing at the hidden idea).
ABUSE=$($W idea add -d "$A" --title "Ławka" --body "tekst")
QUOTE=$($W comment add -d "$A" --on "$ABUSE" --body "obelga cytowana")
status 0 "a moderator hides an idea" $W hide -d "$A" "$ABUSE" --reason "abusive"
status 0 "its comment is not found" $W search -d "$A" obelga --json
check "  none" grep -q '"results": \[\]' "$T/out"
status 0 "unless --hidden" $W search -d "$A" obelga --hidden --json
check "  the comment, flagged hidden" grep -q "\"id\": \"$QUOTE\", \"kind\": \"comment\".*\"hidden\": true" "$T/out"
P=$($W process create -d "$A" --kind consultation --title "Zielona Gdynia" --json | sed -n 's/.*"id": "\([0-9a-f]*\)".*/\1/p')
MEADOW=$($W idea add -d "$A" --process "$P" --title "Łąka kwietna" --body "Zamiast trawnika łąka dla pszczół." --category "Zieleń")
status 0 "--process P" $W search -d "$A" laka --process "$P" --json
check "  the process's idea" test "$(ids "$T/out")" = "$MEADOW"
check "  with its process" grep -q "\"process\": \"$P\"" "$T/out"
status 0 "--process bank leaves it out" $W search -d "$A" laka --process bank --json
check "  none" grep -q '"results": \[\]' "$T/out"
status 0 "--category, folded" $W search -d "$A" laka --category zielen --json
check "  found by category zielen" test "$(ids "$T/out")" = "$MEADOW"
status 0 "--category that differs" $W search -d "$A" laka --category transport --json
check "  none" grep -q '"results": \[\]' "$T/out"
# Equal after folding means case and diacritics, not stems or dropped
# words: 'zielen' once matched 'Zieleni' and 'dla zielen' alike.
status 0 "--category of one word of it" $W search -d "$A" laka --category "dla zieleni" --json
check "  none" grep -q '"results": \[\]' "$T/out"
status 0 "--category of another form" $W search -d "$A" laka --category zieleni --json
check "  none" grep -q '"results": \[\]' "$T/out"
$W process phase -d "$A" "$P" implementation --reason "Zakończone" >/dev/null
status 0 "a process in its last phase is still searched" $W search -d "$A" laka --json
check "  its idea found" test "$(ids "$T/out")" = "$MEADOW"
$W search -d "$A" "lodz laka sciezka" --hidden --json >"$T/before"
$W reindex -d "$A" >/dev/null
$W search -d "$A" "lodz laka sciezka" --hidden --json >"$T/after"
check "the model's state, after reindex: same output" cmp -s "$T/before" "$T/after"

# Bad arguments: one line, the README's exit status.
status 2 "no query" $W search -d "$A"
# The limit is the joined query's 1,024 bytes: one word of 1,024 was once
# refused while 1,024 bytes in two words were taken.
status 0 "a query of one 1,024-byte word" $W search -d "$A" "$(printf 'a%.0s' $(seq 1024))"
status 2 "a query of 1,025 bytes" $W search -d "$A" "$(printf 'a%.0s' $(seq 1025))"
oneline "  one line"
oneline "  one line"
status 2 "only stop words" $W search -d "$A" w na i nie
oneline "  one line"
check "  says why" grep -q "no searchable word" "$T/err"
status 2 "--limit 0" $W search -d "$A" lodz --limit 0
oneline "  one line"
status 2 "--limit 1001" $W search -d "$A" lodz --limit 1001
status 2 "--limit x" $W search -d "$A" lodz --limit x
status 2 "--process not hex" $W search -d "$A" lodz --process xyz
oneline "  one line"
status 2 "--status unknown" $W search -d "$A" lodz --status done
oneline "  one line"
status 2 "unknown option" $W search -d "$A" lodz --frobnicate
oneline "  one line"
status 2 "a control character in the query" $W search -d "$A" "$(printf 'lodz\001')"
oneline "  one line"
status 3 "no data directory" $W search -d "$T/none" lodz
oneline "  one line"
