# A damaged store is named, never crashes, never passes verify; a full
# store says so and keeps what it had.
. tests/cli/lib.sh
D=$T/node
$W init -d "$D" --name "City" --role city >/dev/null
$W idea add -d "$D" --title "Needle idea 1234567890" >/dev/null
ID=$($W idea add -d "$D" --title "Second needle" --body "A body to find in the file")
$W idea add -d "$D" --title "third" >/dev/null

# flip_all FILE NEEDLE OFFSET: flips the low bit of the byte at OFFSET in
# every copy of NEEDLE (a Python bytes literal) in FILE. LMDB is
# copy-on-write: stale copies of a page may sit in free pages too.
flip_all() {
	python3 - "$1" "$2" "$3" <<'PY'
import ast, sys
p, needle, off = sys.argv[1], ast.literal_eval(sys.argv[2]), int(sys.argv[3])
d = bytearray(open(p, 'rb').read())
i = d.find(needle)
assert i > 0
while i >= 0:
    d[i + off] ^= 0x01
    i = d.find(needle, i + 1)
open(p, 'wb').write(bytes(d))
PY
}

# Flip one byte inside a stored envelope.
cp -a "$D" "$T/flip"
flip_all "$T/flip/store/data.mdb" "b'A body to find in the file'" 3
status 5 "verify finds a flipped byte" $W verify -d "$T/flip"
oneline "verify failure is one line"
check "verify names the damaged event" grep -q "event $ID" "$T/err"
status 0 "other commands still run on a damaged store" $W status -d "$T/flip" --json
# The damaged event is never served as if it were sound.
status 3 "show refuses the damaged event" $W show -d "$T/flip" "$ID"
oneline "show of a damaged event: one line"
AUTHOR=$($W log -d "$D" --json | sed -n 's/.*"author": "\([^"]*\)".*/\1/p' | head -n 1)
status 3 "log --author stops at the damaged event" $W log -d "$T/flip" --author "$AUTHOR"
check "log --author printed only the events before it" test "$(grep -c . "$T/out")" -eq 1

# A damaged index (derived state): the first chunk of the term "needl"
# (both titles' "needle", stemmed) renumbered 0 -> 1, in every copy.
cp -a "$D" "$T/idx"
flip_all "$T/idx/store/data.mdb" "b'needl\\x00\\x00\\x00\\x00\\x00'" 9
status 5 "verify finds a damaged search index" $W verify -d "$T/idx"
oneline "damaged index: one line"
check "verify names the index and the repair" grep -q "search index: .*wiec reindex" "$T/err"
status 3 "search refuses the damaged index" $W search -d "$T/idx" needle
oneline "search of a damaged index: one line"
status 0 "reindex rebuilds it" $W reindex -d "$T/idx"
status 0 "verify passes after reindex" $W verify -d "$T/idx"
status 0 "search finds it again" $W search -d "$T/idx" needle
check "both needles found" test "$(grep -ci needle "$T/out")" -ge 2

# A truncated or garbage data file.
cp -a "$D" "$T/trunc"
head -c 4096 "$D/store/data.mdb" >"$T/trunc/store/data.mdb"
status 3 "truncated store is refused" $W status -d "$T/trunc"
oneline "truncated store: one line"
cp -a "$D" "$T/junk"
head -c 65536 /dev/urandom >"$T/junk/store/data.mdb"
status 3 "garbage store is refused" $W log -d "$T/junk"
oneline "garbage store: one line"

# A store that fills up: a clear error, nothing half-written.
$W init -d "$T/small" --map-size 1M >/dev/null
BIG=$(head -c 12000 /dev/zero | tr '\0' 'x')
n=0
while [ $n -lt 200 ]; do
	$W idea add -d "$T/small" --title "big $n" --body "$BIG" >/dev/null 2>"$T/err" || break
	n=$((n + 1))
done
check "the store fills before 200 posts ($n fit)" test $n -lt 200
check "full store: 'store full' error" grep -q "store full: raise map_size" "$T/err"
# Larger than the post that did not fit: one of the same size (its index
# entries differ) could still find room in the pages the failed one freed.
MORE=$(head -c 16000 /dev/zero | tr '\0' 'x')
status 1 "full store: exit 1" $W idea add -d "$T/small" --title "more" --body "$MORE"
status 0 "full store still verifies" $W verify -d "$T/small"
check "full store holds exactly the acknowledged posts" grep -q "^ok: $n events" "$T/out"
sed -i 's/^map_size = .*/map_size = 64M/' "$T/small/config"
status 0 "raising map_size lets posting continue" $W idea add -d "$T/small" --title "more" --body "$BIG"
