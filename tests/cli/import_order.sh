# An export in any order imports completely (spec/events.md section 9):
# a reversed 10,000-event chain and a shuffled one give the same store
# and the same exit status, whatever --batch is.
. tests/cli/lib.sh
B=${B:-build}
MK=$B/tool-mkchain
status 0 "init" $W init -d "$T/src" --name "Gdynia" --role city
status 0 "a reversed 10,000-event chain" $MK "$T/src" 10000 reverse 1 "$T/rev.log"
digest=
for batch in 1 7 4096; do
	rm -rf "$T/d$batch"
	cp -a "$T/src" "$T/d$batch"
	status 0 "import reversed, --batch $batch" $W import -d "$T/d$batch" --batch "$batch" "$T/rev.log"
	check "--batch $batch: all 10,000 added, none waiting" \
		grep -q "^imported: 10000 added, 0 duplicate, 0 waiting for predecessors, 0 forks, 0 refused" "$T/out"
	"$W" status -d "$T/d$batch" --json >"$T/st$batch.json"
	d=$(json_field "$T/st$batch.json" digest)
	[ -z "$digest" ] && digest=$d
	check "--batch $batch: the same digest" test "$d" = "$digest"
	check "--batch $batch: verify passes" sh -c "'$W' verify -d '$T/d$batch' >/dev/null"
done
status 0 "a shuffled chain" $MK "$T/src" 3000 shuffle 7 "$T/shuf.log"
status 0 "import shuffled, --batch 5" $W import -d "$T/d1" --batch 5 "$T/shuf.log"
check "all 3,000 added" grep -q "^imported: 3000 added, 0 duplicate, 0 waiting" "$T/out"
status 0 "import it again: all duplicates" $W import -d "$T/d1" "$T/shuf.log"
check "3,000 duplicates" grep -q "^imported: 0 added, 3000 duplicate" "$T/out"
# A broken frame after some records: what came before is imported, in
# order, and the break is named (exit 5).
head -c 200000 "$T/rev.log" >"$T/cut.log"
cp -a "$T/src" "$T/dcut"
status 5 "a cut file" $W import -d "$T/dcut" "$T/cut.log"
oneline "one line"
check "names the byte of the cut" grep -q "truncated record at byte" "$T/err"

# A store that fills part way: the one error line says how many records
# were stored and how many were not (the import goes in author and seq
# order, not file order, so "the records before it" would name nothing),
# and importing the file again once the map is larger stores the rest.
cp -a "$T/src" "$T/dfull"
sed -i 's/^map_size = .*/map_size = 2M/' "$T/dfull/config"
status 1 "import into a store that fills: exit 1" $W import -d "$T/dfull" "$T/rev.log"
oneline "store full: one line"
check "store full: names the cure" grep -q "store full: raise map_size" "$T/err"
check "store full: counts the records stored" \
    grep -Eq "; [0-9]+ of the file's 10000 records were stored" "$T/err"
check "store full: no 'before this batch'" sh -c "! grep -q 'before this batch' '$T/err'"
# Nothing after the batch that failed is committed: in author and seq
# order it would only wait for the events that did not fit.
"$W" status -d "$T/dfull" --json >"$T/stpart.json"
check "store full: nothing left waiting for predecessors" \
    test "$(json_field "$T/stpart.json" pending)" = 0
sed -i 's/^map_size = .*/map_size = 64M/' "$T/dfull/config"
status 0 "after raising map_size, the same import completes" $W import -d "$T/dfull" "$T/rev.log"
"$W" status -d "$T/dfull" --json >"$T/stfull.json"
check "after raising map_size: the same digest as a whole import" \
    test "$(json_field "$T/stfull.json" digest)" = "$digest"
check "after raising map_size: verify passes" sh -c "'$W' verify -d '$T/dfull' >/dev/null"
