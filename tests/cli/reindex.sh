# wiec reindex: derived state rebuilt from the log changes nothing a user
# sees (spec/events.md section 10); refused while a node runs.
. tests/cli/lib.sh
D=$T/d
status 0 "init" $W init -d "$D" --name "Gdynia" --role city
$W keygen --out "$T/anna.key" >/dev/null
for k in 1 2 3; do
	$W idea add -d "$D" --title "idea $k" >/dev/null
	$W idea add -d "$D" --key "$T/anna.key" --title "anna $k" >/dev/null
done
# The city forks: a restored backup of its directory posts again.
cp -a "$D" "$T/backup"
$W idea add -d "$D" --title "after the backup" >/dev/null
$W idea add -d "$T/backup" --title "from the backup" >/dev/null
status 0 "export the backup" $W export -d "$T/backup" -o "$T/b.log"
status 0 "import it: the city's fork" $W import -d "$D" "$T/b.log"
status 0 "status before" $W status -d "$D" --json
cp "$T/out" "$T/before.json"
status 0 "reindex" $W reindex -d "$D"
check "it says what it rebuilt" grep -q "^reindexed: 8 events of 2 authors" "$T/out"
status 0 "status after" $W status -d "$D" --json
check "status (digest, counts, excluded) unchanged" cmp -s "$T/before.json" "$T/out"
check "the city's fork is excluded" test "$(json_field "$T/out" excluded)" != 0
status 0 "verify after reindex" $W verify -d "$D"
status 2 "reindex takes no argument" $W reindex -d "$D" extra
oneline "one line"
status 3 "reindex of no directory" $W reindex -d "$T/none"
oneline "one line"
