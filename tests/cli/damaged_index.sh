# Damage that LMDB's structure does not show (a flipped byte in a key or
# value of `events`, `refs`, `lists`, `search`, `tips`, or in a `log` key
# or event): the read commands served it with exit 0 (another author shown,
# a support moved to another idea, an idea gone from its process, a ballot
# dropped from a tally, a hit moved in a ranking), or refused it with a
# bare "store is corrupt". Each read checks the entry it serves against
# the event it names and refuses a damaged one with one line naming the
# database and the event, exit 3; verify names the damage, never "ok".
. tests/cli/lib.sh

# flip FILE PATTERN OFFSET XOR: xors the bytes XOR (hex) in at OFFSET from
# the start of every copy of the bytes PATTERN (hex) in FILE (LMDB keeps
# stale copies of pages: every copy); fails if there is none.
flip() {
	python3 - "$@" <<'PY'
import sys
fn, pat, off, x = sys.argv[1], bytes.fromhex(sys.argv[2]), int(sys.argv[3]), bytes.fromhex(sys.argv[4])
d = bytearray(open(fn, 'rb').read()); at = -1; n = 0
while (at := d.find(pat, at + 1)) >= 0:
    for i, b in enumerate(x):
        d[at + off + i] ^= b
    n += 1
open(fn, 'wb').write(bytes(d))
sys.exit(n == 0)
PY
}

# xorhex A B: the bytes A xor B, in hex.
xorhex() {
	python3 -c 'import sys; print(bytes(x ^ y for x, y in zip(bytes.fromhex(sys.argv[1]),
bytes.fromhex(sys.argv[2]))).hex())' "$1" "$2"
}

# damaged NAME WHAT CMD...: CMD exits 3 with one line naming WHAT (a
# regular expression: the database and the event).
damaged() {
	name=$1 what=$2
	shift 2
	status 3 "$name" "$@"
	oneline "$name: one line"
	check "$name: names $what" grep -q "$what" "$T/err"
}

# copy NAME: a fresh copy of the store $R as $T/NAME; prints its path.
copy() {
	rm -rf "${T:?}/$1"
	cp -a "$R" "$T/$1"
	echo "$T/$1"
}

R=$T/r
$W init -d "$R" --name City --role city >/dev/null
P=$($W process create -d "$R" --kind consultation --title P)
A=$($W idea add -d "$R" --process "$P" --title "Bike lanes" --body "rowery w parku")
B=$($W idea add -d "$R" --process "$P" --title "Benches" --body "lawki w parku")
E=$($W idea add -d "$R" --process "$P" --title "Trees")
S=$($W idea support -d "$R" "$A")
C=$($W comment add -d "$R" --on "$E" --body "great idea about rowery")
# An idea M for the support to move to whose refs key stays in LMDB's
# order: no other ref (P, E; the zero ref is first) between A and M.
M=
n=0
while [ -z "$M" ] && [ $n -lt 40 ]; do
	n=$((n + 1))
	X=$($W idea add -d "$R" --process "$P" --title "idea $n")
	if python3 -c 'import sys; a, x, p, e = sys.argv[1:]
sys.exit(any(min(a, x) < r < max(a, x) for r in (p, e)))' "$A" "$X" "$P" "$E"; then
		M=$X	# the last event held: the author's one tip
	fi
done
check "store: an idea to move the support to" test -n "$M"
status 0 "store: verify before the damage" $W verify -d "$R"
# LMDB leaf node headers: value size (4 bytes, little-endian), flags (2),
# key size (2).
EVHDR=3000000000002000		# an `events` entry: 48-byte value, 32-byte key

# A budget process with three ballots, the list of their log positions 4,
# 5, 6, and an idea after them at 7.
V=$T/vote
$W init -d "$V" --name City --role city >/dev/null
VP=$($W process create -d "$V" --kind budget --title B --unit U:100000)
VA=$($W idea add -d "$V" --process "$VP" --unit U --title A --cost 10 2>/dev/null)
$W poll open -d "$V" --process "$VP" --kind budget --option "$VA" --rule greedy >/dev/null
for k in 1 2 3; do
	$W keygen --out "$T/v$k.key" >/dev/null
	VB=$($W vote -d "$V" --process "$VP" --key "$T/v$k.key" "$VA")
done
LATER=$($W idea add -d "$V" --title later)
status 0 "ballots: tally before the damage" $W tally -d "$V" --process "$VP"
check "ballots: 3 ballots counted" grep -q "3 ballots counted" "$T/out"

# ---- damaged bytes in the log: named (once a bare "store is corrupt") ----
D=$(copy log-bytes)
flip "$D/store/data.mdb" "$(printf 'lawki w parku' | od -An -tx1 | tr -d ' \n')" 0 01
check "log bytes: the idea's text was found and changed" test $? -eq 0
damaged "log bytes: idea show" "log: event $B: its bytes at position 3" \
	$W idea show -d "$D" "$B"
damaged "log bytes: show" "log: event $B" $W show -d "$D" "$B"
damaged "log bytes: log" "log: event $B" $W log -d "$D"
damaged "log bytes: export" "log: event $B" $W export -d "$D" -o "$T/x.log"
cp -a "$V" "$T/vote-bytes"
$W export -d "$V" -o "$T/vote.log"
python3 - "$T/vote-bytes/store/data.mdb" "$T/vote.log" "$VB" <<'PY'
import hashlib, struct, sys
fn, log, vid = sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3])
x = open(log, 'rb').read(); i = 8; env = None
while i < len(x):
    n = struct.unpack_from('>I', x, i)[0]; r = x[i + 4:i + 4 + n]; i += 4 + n
    if hashlib.blake2b(r, digest_size=32).digest() == vid:
        env = r
d = bytearray(open(fn, 'rb').read()); at = -1; n = 0
while env is not None and (at := d.find(env, at + 1)) >= 0:
    d[at + len(env) - 1] ^= 0x01	# the signature's last byte
    n += 1
open(fn, 'wb').write(bytes(d))
sys.exit(n == 0)
PY
check "ballot bytes: the ballot was found and changed" test $? -eq 0
damaged "ballot bytes: tally" "log: event $VB: its bytes" \
	$W tally -d "$T/vote-bytes" --process "$VP"

# ---- events: a value's author (another author shown) ----
D=$(copy events-author)
flip "$D/store/data.mdb" "$EVHDR$A" $((8 + 32 + 8 + 5)) 01
check "events author: the idea's entry was found and changed" test $? -eq 0
damaged "events author: idea show" "events index: event $A" $W idea show -d "$D" "$A"
check "events author: ... says how to repair it" grep -q "wiec reindex" "$T/err"
damaged "events author: show" "events index: event $A" $W show -d "$D" "$A"

# ---- tips: a value (status said the store is damaged, not where) ----
HA=$($W id -d "$R" --json | sed 's/.*"hex": "\([0-9a-f]*\)".*/\1/')
D=$(copy tips-status)
# A tips entry: 8-byte value, 64-byte key author || id; the tip is M.
flip "$D/store/data.mdb" "0800000000004000$HA$M" $((8 + 64 + 7)) 01
check "tips status: the tip's entry was found and changed" test $? -eq 0
damaged "tips status: status" "heads index: the head of author wk" $W status -d "$D"
damaged "events author: log" "events index: event $A" $W log -d "$T/events-author"

# ---- log: a key (the event printed at another position) ----
D=$(copy log-key)
flip "$D/store/data.mdb" "0000000000000002$A" 7 80
check "log key: the idea's log entry was found and changed" test $? -eq 0
damaged "log key: log" "log: event $A: its key (position 130) is damaged" $W log -d "$D"
damaged "log key: log --json" "log: event $A" $W log -d "$D" --json
status 5 "log key: verify names it" $W verify -d "$D"

# ---- events: a key (the idea not found by its id) ----
D=$(copy events-key)
flip "$D/store/data.mdb" "$EVHDR$B" $((8 + 31)) 01
check "events key: the idea's entry was found and changed" test $? -eq 0
damaged "events key: log" "events index: event $B" $W log -d "$D"
damaged "events key: idea list" "events index: event $B" $W idea list -d "$D" --process "$P"

# ---- refs: a key's ref (a support moved to another idea) ----
D=$(copy refs-ref)
flip "$D/store/data.mdb" "${A}55$S" 0 "$(xorhex "$A" "$M")"
check "refs ref: the support's entry was found and moved" test $? -eq 0
damaged "refs ref: idea show of the idea it moved to" "refs index: event $S" \
	$W idea show -d "$D" "$M"
damaged "refs ref: idea list" "refs index: event $S" $W idea list -d "$D" --process "$P"

# ---- refs: a key's id (an idea gone from its process's list) ----
D=$(copy refs-id)
flip "$D/store/data.mdb" "${P}49$B" 64 01
check "refs id: the idea's entry was found and changed" test $? -eq 0
damaged "refs id: idea list" "refs index: event ${B%??}" $W idea list -d "$D" --process "$P"
damaged "refs id: process list" "refs index" $W process list -d "$D"

# ---- lists: a ballot's position, the list's key (a ballot dropped) ----
cp -a "$V" "$T/vote-pos"
cp -a "$V" "$T/vote-key"
# The list's one entry: key ref || 'B' || u64be(4), value 4, 5, 6.
flip "$T/vote-pos/store/data.mdb" "${VP}420000000000000004" $((41 + 23)) 01	# 6 -> 7
check "lists position: the list was found and changed" test $? -eq 0
damaged "lists position: tally" "lists index: event $LATER" \
	$W tally -d "$T/vote-pos" --process "$VP"
flip "$T/vote-key/store/data.mdb" "${VP}420000000000000004" 25 01	# its key: another ref
check "lists key: the list was found and changed" test $? -eq 0
damaged "lists key: tally" "lists index: event .*list of $VP (tag B) is missing" \
	$W tally -d "$T/vote-key" --process "$VP"

# ---- search: a posting's tf (an idea moved up the ranking) ----
D=$(copy search-tf)
python3 - "$D/store/data.mdb" "$A" <<'PY'
import sys
fn, i = sys.argv[1], bytes.fromhex(sys.argv[2])
d = bytearray(open(fn, 'rb').read()); at = -1; n = 0
while (at := d.find(i[:16], at + 1)) >= 0:
    if d[at + 16:at + 32] != i[16:]:	# a posting: doc(16) || tf(2) || dl(2)
        d[at + 17] ^= 0x04; n += 1
open(fn, 'wb').write(bytes(d))
sys.exit(n == 0)
PY
check "search tf: the idea's postings were found and changed" test $? -eq 0
damaged "search tf: search" "search index: event $A" $W search -d "$D" rowery
damaged "search tf: search of another of its words" "search index: event $A" \
	$W search -d "$D" parku

# ---- search: a posting's document (a hit gone) ----
D=$(copy search-doc)
python3 - "$D/store/data.mdb" "$C" <<'PY'
import sys
fn, i = sys.argv[1], bytes.fromhex(sys.argv[2])
d = bytearray(open(fn, 'rb').read()); at = -1; n = 0
while (at := d.find(i[:16], at + 1)) >= 0:
    if d[at + 16:at + 32] != i[16:]:
        d[at + 15] ^= 0x01; n += 1
open(fn, 'wb').write(bytes(d))
sys.exit(n == 0)
PY
check "search doc: the comment's postings were found and changed" test $? -eq 0
damaged "search doc: search" \
	"search index: a posting names document $(echo "$C" | cut -c1-30)" \
	$W search -d "$D" rowery

# ---- tips: a value (verify once said "log is not sound: ok") ----
D=$(copy tips)
flip "$D/store/data.mdb" "0800000000004000$HA$M" $((8 + 64 + 7)) 01
check "tips: the tip's entry was found and changed" test $? -eq 0
status 5 "tips: verify refuses it" $W verify -d "$D"
oneline "tips: verify: one line"
check "tips: verify names the tips index and the tip" grep -q "event $M: tips index" "$T/err"
check "tips: verify does not say ok" test "$(grep -c ': ok' "$T/err")" = 0

# Nothing of the above is left behind: the originals still verify.
status 0 "the store still verifies" $W verify -d "$R"
status 0 "the ballots' store still verifies" $W verify -d "$V"
