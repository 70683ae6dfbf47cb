# export/import: a copy of a node converges to the same digest in any
# arrival order, and bad files are refused with a clear line, keeping what
# was good.
. tests/cli/lib.sh
A=$T/a
G=$T/genesis-only
$W init -d "$A" --name "University" --role university >/dev/null
cp -a "$A" "$G"		# same network and genesis, no events yet
$W keygen --out "$T/r.key" >/dev/null
for i in 1 2 3 4 5 6 7 8; do
	$W idea add -d "$A" --title "idea $i" >/dev/null
	$W idea add -d "$A" --key "$T/r.key" --title "resident idea $i" >/dev/null
done
$W status -d "$A" --json >"$T/sa"
DIGEST=$(json_field "$T/sa" digest)

status 0 "export" $W export -d "$A" -o "$T/a.log"
status 1 "export does not overwrite" $W export -d "$A" -o "$T/a.log"
status 2 "export refuses a terminal" sh -c "exec $W export -d '$A' >/dev/tty" 2>/dev/null ||
	true	# no terminal under CI: the previous line may fail to open /dev/tty

cp -a "$G" "$T/b"
status 0 "import into an empty node" $W import -d "$T/b" "$T/a.log"
check "import reports 16 added" grep -q "16 added" "$T/out"
$W status -d "$T/b" --json >"$T/sb"
check "same digest after import" test "$(json_field "$T/sb" digest)" = "$DIGEST"
status 0 "import again" $W import -d "$T/b" "$T/a.log"
check "import is idempotent: 16 duplicate" grep -q "16 duplicate" "$T/out"
status 0 "imported copy verifies" $W verify -d "$T/b"

# Reverse the records: every event arrives before its predecessor.
python3 - "$T/a.log" "$T/rev.log" <<'PY'
import sys
d = open(sys.argv[1], 'rb').read()
recs, i = [], 8
while i < len(d):
    n = int.from_bytes(d[i:i+4], 'big'); recs.append(d[i:i+4+n]); i += 4 + n
open(sys.argv[2], 'wb').write(d[:8] + recs[0] + b''.join(reversed(recs[1:])))
PY
cp -a "$G" "$T/c"
status 0 "import in reverse order, one event per batch" $W import -d "$T/c" --batch 1 "$T/rev.log"
$W status -d "$T/c" --json >"$T/sc"
check "reverse order: same digest" test "$(json_field "$T/sc" digest)" = "$DIGEST"
check "reverse order: nothing left waiting" test "$(json_field "$T/sc" pending)" = 0

# Corrupt one byte in the last record: that event is refused, the rest kept.
python3 - "$T/a.log" "$T/bad.log" <<'PY'
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
d[-10] ^= 0x40
open(sys.argv[2], 'wb').write(bytes(d))
PY
cp -a "$G" "$T/d"
status 5 "a corrupt record is refused" $W import -d "$T/d" "$T/bad.log"
check "the refusal names the record's offset" grep -q "record at byte [0-9]* refused" "$T/err"
$W status -d "$T/d" --json >"$T/sd"
check "the 15 good records are kept" test "$(json_field "$T/sd" events)" = 15
status 0 "the node still verifies" $W verify -d "$T/d"

head -c 300 "$T/a.log" >"$T/trunc.log"
cp -a "$G" "$T/e"
status 5 "a truncated file is refused" $W import -d "$T/e" "$T/trunc.log"
check "truncation is named" grep -q "malformed or truncated record" "$T/err"
printf 'garbage' >"$T/junk.log"
status 5 "not an export file" $W import -d "$T/e" "$T/junk.log"
oneline "not an export: one line"
status 1 "missing file" $W import -d "$T/e" "$T/none.log"
$W init -d "$T/other" >/dev/null
status 5 "another network's file is refused" $W import -d "$T/other" "$T/a.log"
check "says it is another network" grep -q "another network" "$T/err"
