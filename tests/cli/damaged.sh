# A damaged data.mdb is refused at open with one line and exit 3, by every
# command, never with a signal: truncated, empty, zeroed or flipped pages, a
# flipped byte in a meta page, and an older data.mdb put back (a rollback).
. tests/cli/lib.sh
D=$T/node
$W init -d "$D" --name "City" --role city >/dev/null
BODY=$(head -c 3000 /dev/zero | tr '\0' 'b')
i=0
while [ $i -lt 40 ]; do
	i=$((i + 1))
	$W idea add -d "$D" --title "idea $i" --body "$BODY" >/dev/null
done
PS=$(getconf PAGESIZE)

# refused NAME DIR: every command that opens the store exits 3 with one
# line on stderr (never a signal, never an empty log).
refused() {
	for c in "log" "status" "verify" "export -o $T/x.log" "idea add --title t"; do
		rm -f "$T/x.log"
		# shellcheck disable=SC2086
		status 3 "$1: $c refused" $W $c -d "$2"
		oneline "$1: $c: one line"
	done
}

# meta FILE PAGE: prints the txnid of meta page PAGE (LMDB 0.9, 64-bit).
meta_txn() {
	python3 - "$1" "$2" "$PS" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
p = int(sys.argv[2]) * int(sys.argv[3])
print(struct.unpack_from('<Q', d, p + 16 + 24 + 13 * 8)[0])
PY
}

cp -a "$D" "$T/empty"
: >"$T/empty/store/data.mdb"
refused "zero-length data.mdb" "$T/empty"
check "zero-length data.mdb: error names it" grep -q "data.mdb is empty" "$T/err"
check "zero-length data.mdb is left as it was" test ! -s "$T/empty/store/data.mdb"

SIZE=$(wc -c <"$D/store/data.mdb")
for cut in $((PS * 2)) $((PS * 3)) $((SIZE / 2 / PS * PS)) $((SIZE - PS)) $((SIZE - 100)); do
	rm -rf "$T/trunc"
	cp -a "$D" "$T/trunc"
	truncate -s $cut "$T/trunc/store/data.mdb"
	refused "data.mdb cut to $cut of $SIZE bytes" "$T/trunc"
done
check "truncation: error names it" grep -q "truncated" "$T/err"

# Every page zeroed in turn, then flipped bytes: refused or, where the page
# holds nothing reachable, still served; never a signal.
n=$((SIZE / PS))
p=0
sig=0
while [ $p -lt $n ]; do
	rm -rf "$T/z"
	cp -a "$D" "$T/z"
	dd if=/dev/zero of="$T/z/store/data.mdb" bs=$PS seek=$p count=1 conv=notrunc 2>/dev/null
	for c in log verify status; do
		$W $c -d "$T/z" >/dev/null 2>"$T/err"
		st=$?
		if [ $st -ge 128 ] || { [ $st -ne 0 ] && [ "$(wc -l <"$T/err")" -ne 1 ]; }; then
			echo "# page $p zeroed: $c exit $st: $(head -c 200 "$T/err")"
			sig=$((sig + 1))
		fi
	done
	p=$((p + 1))
done
check "each of $n pages zeroed: no signal, one line" test $sig -eq 0
sig=0
seed=1
while [ $seed -le 60 ]; do
	rm -rf "$T/f"
	cp -a "$D" "$T/f"
	python3 - "$T/f/store/data.mdb" "$seed" "$PS" <<'PY'
import random, sys
p = sys.argv[1]; d = bytearray(open(p, 'rb').read())
r = random.Random(int(sys.argv[2])); ps = int(sys.argv[3])
# page headers and node headers are where a flip hurts LMDB most
for _ in range(4):
    pg = r.randrange(2, len(d) // ps)
    off = r.choice([r.randrange(0, 64), r.randrange(0, ps)])
    d[pg * ps + off] ^= 1 << r.randrange(8)
open(p, 'wb').write(bytes(d))
PY
	for c in log verify status; do
		$W $c -d "$T/f" >/dev/null 2>"$T/err"
		st=$?
		if [ $st -ge 128 ] || { [ $st -ne 0 ] && [ "$(wc -l <"$T/err")" -ne 1 ]; }; then
			echo "# flips seed $seed: $c exit $st: $(head -c 200 "$T/err")"
			sig=$((sig + 1))
		fi
	done
	seed=$((seed + 1))
done
check "60 stores with flipped bytes: no signal, one line" test $sig -eq 0

# One flipped bit in the older meta page's transaction id makes LMDB pick
# it: the store would silently lose the last transaction.
cp -a "$D" "$T/meta"
t0=$(meta_txn "$D/store/data.mdb" 0)
t1=$(meta_txn "$D/store/data.mdb" 1)
if [ "$t0" -lt "$t1" ]; then old=0; else old=1; fi
python3 - "$T/meta/store/data.mdb" $old "$PS" <<'PY'
import sys
p = sys.argv[1]; d = bytearray(open(p, 'rb').read())
d[int(sys.argv[2]) * int(sys.argv[3]) + 16 + 24 + 13 * 8 + 5] ^= 0x01
open(p, 'wb').write(bytes(d))
PY
refused "older meta page flipped" "$T/meta"

# An older data.mdb put back in place: named as a rollback.
cp -a "$D" "$T/old"
$W idea add -d "$D" --title "the newest idea" >/dev/null
cp "$T/old/store/data.mdb" "$D/store/data.mdb"
refused "older data.mdb restored" "$D"
check "rollback: error says rolled back" grep -q "rolled back" "$T/err"

# Another kind of file in place of the commit record or LMDB's lock file:
# a FIFO once hung every command (the record was opened blocking), a
# directory gave exit 1 "store (LMDB) failure".
for f in commit lock.mdb; do
	for kind in fifo dir; do
		cp -a "$T/old" "$T/k"
		rm -f "$T/k/store/$f"
		if [ $kind = fifo ]; then mkfifo "$T/k/store/$f"; else mkdir "$T/k/store/$f"; fi
		for c in "log" "status" "verify" "idea add --title t"; do
			# shellcheck disable=SC2086
			status 3 "$f as a $kind: $c refused" timeout 20 $W $c -d "$T/k"
			check "$f as a $kind: $c says not a regular file" grep -q "not a regular file" "$T/err"
		done
		rm -rf "$T/k"
	done
done

# Damage to the model's index that keeps its structure sound: verify must
# name it (it once said "ok" while `idea list` showed wrong counts).
# One bit of a refs key's ref (a support moved off its idea):
R=$T/refs
$W init -d "$R" --name City --role city >/dev/null
RP=$($W process create -d "$R" --kind consultation --title P)
RI=$($W idea add -d "$R" --process "$RP" --title "Bike lanes")
RS=$($W idea support -d "$R" "$RI")
for i in 1 2 3 4 5 6 7 8; do $W idea add -d "$R" --process "$RP" --title "idea $i" >/dev/null; done
status 0 "refs: verify before the damage" $W verify -d "$R"
cp -a "$R" "$T/refs2"
python3 - "$R/store/data.mdb" "$RI" "$RS" <<'PY'
import sys
fn, i, s = sys.argv[1], bytes.fromhex(sys.argv[2]), bytes.fromhex(sys.argv[3])
d = bytearray(open(fn, 'rb').read()); at = -1
while (at := d.find(i, at + 1)) >= 0:
    if d[at + 33:at + 65] == s:
        d[at + 31] ^= 1
open(fn, 'wb').write(bytes(d))
PY
status 5 "refs key's ref flipped: verify names it" $W verify -d "$R"
check "... as the refs index" grep -q "refs index" "$T/err"
status 0 "reindex repairs it" $W reindex -d "$R"
status 0 "verify after reindex" $W verify -d "$R"
# One bit that puts a refs key out of order (keyed lookups then miss most
# of a process's ideas, while a walk still sees every entry):
python3 - "$T/refs2/store/data.mdb" "$RP" <<'PY'
import sys
fn, p = sys.argv[1], bytes.fromhex(sys.argv[2])
d = bytearray(open(fn, 'rb').read()); at = -1; hits = []
while (at := d.find(p + b'I', at + 1)) >= 0:
    hits.append((bytes(d[at + 33:at + 65]), at))
# The second idea's key (LMDB keeps stale copies: every copy of it) made
# smaller than the first's: a nonzero byte of the process id set to zero
# puts it before its predecessor, always.
second = sorted(set(k for k, _ in hits))[1]
j = next(i for i in range(8, 32) if p[i] != 0)
for key, at in hits:
    if key == second:
        d[at + j] = 0
open(fn, 'wb').write(bytes(d))
PY
status 5 "a refs key out of order: verify names it" $W verify -d "$T/refs2"
check "... as keys out of order" grep -q "refs: keys out of order" "$T/err"

# A damaged genesis in the store: export once wrote it (exit 0), and every
# auditor's import of the file then failed on its signature.
G=$T/gen
$W init -d "$G" --name "Miasto Genesis" --role city >/dev/null
$W idea add -d "$G" --title x >/dev/null
python3 - "$G/store/data.mdb" <<'PY'
import sys
fn = sys.argv[1]; d = bytearray(open(fn, 'rb').read()); at = -1
while (at := d.find(b'Miasto Genesis', at + 1)) >= 0:
    d[at + 1] ^= 0x20
open(fn, 'wb').write(bytes(d))
PY
status 3 "export of a damaged genesis is refused" $W export -d "$G" -o "$T/gen.log"
oneline "damaged genesis: one line"
check "... naming the genesis" grep -q "genesis in the store is damaged" "$T/err"
check "... and nothing is written" test ! -e "$T/gen.log"
status 5 "verify names it" $W verify -d "$G"

# The search index's content (not only its shape): one posting's term
# frequency changed moved an idea up the ranking, and verify said ok.
S=$T/srch
$W init -d "$S" --name City --role city >/dev/null
SI=$($W idea add -d "$S" --title "Rowery w parku" --body "rowery rowery i drzewa")
$W idea add -d "$S" --title "Ławki" --body "rowery przy szkole" >/dev/null
status 0 "search: verify before the damage" $W verify -d "$S"
python3 - "$S/store/data.mdb" "$SI" <<'PY'
import sys
fn, i = sys.argv[1], bytes.fromhex(sys.argv[2])
d = bytearray(open(fn, 'rb').read()); at = -1; n = 0
while (at := d.find(i[:16], at + 1)) >= 0:
    if d[at + 16:at + 32] != i[16:]:	# a posting: doc(16) || tf(2) || dl(2)
        d[at + 17] ^= 0x04; n += 1
open(fn, 'wb').write(bytes(d))
sys.exit(n == 0)
PY
check "search: a posting was found and changed" test $? -eq 0
status 5 "search: a changed posting fails verify" $W verify -d "$S"
check "... naming the search index" grep -q "search index: a term's postings are not the log's" "$T/err"
status 0 "search: reindex repairs it" $W reindex -d "$S"
status 0 "search: verify after reindex" $W verify -d "$S"

# A head record damaged (its tips value, highest seq or count): status printed
# a digest computed from it, with exit 0, until verify named the damage.
H=$T/head
$W init -d "$H" --name City --role city >/dev/null
for i in 1 2 3; do $W idea add -d "$H" --title "idea $i" >/dev/null; done
HA=$($W id -d "$H" --json | sed 's/.*"hex": "\([0-9a-f]*\)".*/\1/')
status 0 "head: status before the damage" $W status -d "$H"
cp -a "$H" "$T/head2"
for part in tips seq count; do
	D=$T/head-$part
	cp -a "$T/head2" "$D"
	python3 - "$D/store/data.mdb" "$HA" "$part" <<'PY'
import sys
fn, a, part = sys.argv[1], bytes.fromhex(sys.argv[2]), sys.argv[3]
# A heads entry: LMDB's node header (data size 96, flags 0, key size 32),
# the author, then seq(8) fork(8) ntips(8) count(8) id(32) tips(32).
hdr = b'\x60\x00\x00\x00\x00\x00\x20\x00'
d = bytearray(open(fn, 'rb').read()); at = -1; n = 0
while (at := d.find(hdr + a, at + 1)) >= 0:
    v = at + 8 + 32
    if part == 'tips':
        d[v + 64] ^= 0x01
    elif part == 'seq':
        d[v + 7] ^= 0x04
    else:
        d[v + 31] ^= 0x02	# count
    n += 1
open(fn, 'wb').write(bytes(d))
sys.exit(n == 0)
PY
	check "head $part: a head record was found and changed" test $? -eq 0
	status 3 "head $part: status refuses the damaged head" $W status -d "$D"
	oneline "head $part: one line"
	check "head $part: ... sends to verify" grep -q "wiec verify" "$T/err"
	status 5 "head $part: verify names it" $W verify -d "$D"
done

# A flipped bit inside a held ballot (its poll id): tally and the close read
# ballots through the `lists` index, which once decoded the bytes without
# hashing them: the ballot became no_poll, or was dropped, in a tally and a
# certified result, exit 0. Damaged bytes are refused as corrupt.
V=$T/vote
$W init -d "$V" --name "City" --role city >/dev/null
VP=$($W process create -d "$V" --kind budget --title B --unit U:100000)
VA=$($W idea add -d "$V" --process "$VP" --unit U --title A --cost 10 2>/dev/null)
VPOLL=$($W poll open -d "$V" --process "$VP" --kind budget --option "$VA" --rule greedy)
for k in 1 2 3; do
	$W keygen --out "$T/v$k.key" >/dev/null
	VB=$($W vote -d "$V" --process "$VP" --key "$T/v$k.key" "$VA")
done
status 0 "ballots: tally before the damage" $W tally -d "$V" --process "$VP"
check "  3 ballots counted" grep -q "3 ballots counted" "$T/out"
$W export -d "$V" -o "$T/vote.log"
python3 - "$V/store/data.mdb" "$T/vote.log" "$VB" "$VPOLL" <<'PY'
import hashlib, struct, sys
fn, log, vid, poll = sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3]), bytes.fromhex(sys.argv[4])
x = open(log, 'rb').read(); i = 8; env = None
while i < len(x):
    n = struct.unpack_from('>I', x, i)[0]; r = x[i + 4:i + 4 + n]; i += 4 + n
    if hashlib.blake2b(r, digest_size=32).digest() == vid:
        env = r
d = bytearray(open(fn, 'rb').read()); at = -1; n = 0
while env is not None and (at := d.find(env, at + 1)) >= 0:
    p = d.find(poll, at, at + len(env))
    d[p + 5] ^= 0x01
    n += 1
open(fn, 'wb').write(bytes(d))
sys.exit(n == 0)
PY
check "ballots: the ballot's bytes were found and changed" test $? -eq 0
status 3 "ballots: tally refuses the damaged ballot" $W tally -d "$V" --process "$VP"
oneline "ballots: one line"

# The same in a long recount: past STORE_IDCHECK_INLINE (4,096) ballots the
# hashing runs on a second thread behind the tally, which must still fail
# whole for one damaged ballot among 6,000, wherever it lies.
L=$T/longvote
$W init -d "$L" --name "City" --role city >/dev/null
LP=$($W process create -d "$L" --kind budget --title B --unit U:100000)
LA=$($W idea add -d "$L" --process "$LP" --unit U --title A --cost 10 2>/dev/null)
LPOLL=$($W poll open -d "$L" --process "$LP" --kind budget --option "$LA" --rule greedy)
"${B:-build}/tool-mkballots" "$L" 6000 "$LP" "$LPOLL" "$LA" U "$T/ballots.log"
status 0 "long recount: 6,000 ballots import" $W import -d "$L" "$T/ballots.log"
status 0 "long recount: tally before the damage" $W tally -d "$L" --process "$LP"
check "  6000 ballots counted" grep -q "6000 ballots counted" "$T/out"
cp -a "$L" "$T/longvote.clean"
for at in 2 4500 5999; do
	rm -rf "$L" && cp -a "$T/longvote.clean" "$L"
	python3 - "$L/store/data.mdb" "$T/ballots.log" "$at" <<'PY'
import hashlib, struct, sys
fn, log, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
x = open(log, 'rb').read(); i = 8; k = -1; env = None
while i < len(x):
    n = struct.unpack_from('>I', x, i)[0]; r = x[i + 4:i + 4 + n]; i += 4 + n
    if k == want:
        env = r
    k += 1
d = bytearray(open(fn, 'rb').read()); at = d.find(env)
if at < 0 or d.find(env, at + 1) >= 0:
    sys.exit(1)
d[at + len(env) - 70] ^= 0x01	# in the signed body
open(fn, 'wb').write(bytes(d))
PY
	check "long recount, ballot $at: its bytes were found once and changed" test $? -eq 0
	status 3 "long recount, ballot $at: tally refuses the damaged ballot" \
	    $W tally -d "$L" --process "$LP"
	oneline "long recount, ballot $at: one line"
done

# A waiting event damaged on disk before its prev arrives (its signature's
# last bit): it was applied without a check and held as a fork of the
# genuine event, excluding the organisation's later events for good. A
# waiting entry whose bytes no longer hash to its id is dropped.
PA=$T/pa
$W init -d "$PA" --name "City" --role city >/dev/null
cp -a "$PA" "$T/pb"
for i in 1 2 3; do $W idea add -d "$PA" --title "idea $i" >/dev/null; done
$W export -d "$PA" -o "$T/pa.log"
python3 - "$T/pa.log" "$T/pa-no1.log" "$T/pa-2nd.bin" <<'PY'
import struct, sys
x = open(sys.argv[1], 'rb').read(); i = 8; recs = []
while i < len(x):
    n = struct.unpack_from('>I', x, i)[0]; recs.append(x[i + 4:i + 4 + n]); i += 4 + n
# records: the genesis, then the three ideas in order
open(sys.argv[2], 'wb').write(x[:8] + b''.join(struct.pack('>I', len(r)) + r
    for k, r in enumerate(recs) if k != 1))
open(sys.argv[3], 'wb').write(recs[2])
PY
status 0 "pending: the 2nd and 3rd ideas wait for the 1st" $W import -d "$T/pb" "$T/pa-no1.log"
python3 - "$T/pb/store/data.mdb" "$T/pa-2nd.bin" <<'PY'
import sys
fn, env = sys.argv[1], open(sys.argv[2], 'rb').read()
d = bytearray(open(fn, 'rb').read()); at = -1; n = 0
while (at := d.find(env, at + 1)) >= 0:
    d[at + len(env) - 1] ^= 0x01
    n += 1
open(fn, 'wb').write(bytes(d))
sys.exit(n == 0)
PY
check "pending: the waiting 2nd idea was found and changed" test $? -eq 0
status 0 "pending: the whole file imported" $W import -d "$T/pb" "$T/pa.log"
$W status -d "$T/pb" --json >"$T/pb.json"
check "pending: no fork" test "$(json_field "$T/pb.json" forks)" = 0
check "pending: the three genuine ideas held" test "$(json_field "$T/pb.json" events)" = 3
status 0 "pending: verify ok" $W verify -d "$T/pb"

# One flipped bit of the stored network id: posts were signed for another
# network and acknowledged (every peer refuses them). The id is checked
# against the stored genesis's hash.
NW=$T/netflip
$W init -d "$NW" --name "City" --role city >/dev/null
$W idea add -d "$NW" --title one >/dev/null
python3 - "$NW/store/data.mdb" <<'PY'
import sys
fn = sys.argv[1]
hdr = b'\x20\x00\x00\x00\x00\x00\x07\x00network'	# node: data 32, key 7 bytes
d = bytearray(open(fn, 'rb').read()); at = -1; n = 0
while (at := d.find(hdr, at + 1)) >= 0:
    d[at + len(hdr) + 31] ^= 0x01
    n += 1
open(fn, 'wb').write(bytes(d))
sys.exit(n == 0)
PY
check "network id: found and changed" test $? -eq 0
status 3 "network id: idea add refuses the store" $W idea add -d "$NW" --title two
oneline "network id: one line"
status 3 "network id: status refuses it" $W status -d "$NW"

# One flipped bit of a free-list entry naming a live page: the open check
# did not count free pages, so five posts were acknowledged and then the
# store was refused whole (the writer had overwritten the live page).
FL=$T/freelist
$W init -d "$FL" --name "City" --role city >/dev/null
i=0
while [ $i -lt 30 ]; do
	i=$((i + 1))
	$W idea add -d "$FL" --title "idea $i" --body "park $i" >/dev/null
done
python3 - "$FL/store/data.mdb" "$PS" <<'PY'
import struct, sys
f, PS = sys.argv[1], int(sys.argv[2]); b = bytearray(open(f, 'rb').read())
def meta(p):
    o = p * PS + 16
    dbs = [struct.unpack_from('<Q', b, o + 24 + 48 * i + 40)[0] for i in range(2)]
    return struct.unpack_from('<Q', b, o + 24 + 96 + 8)[0], dbs
txn, (free, main) = max(meta(0), meta(1))
live = set()
def walk(pg):	# every page of the main and the named trees
    if pg >> 48: return
    live.add(pg); o = pg * PS; fl, lo = struct.unpack_from('<HH', b, o + 10)
    for i in range((lo - 16) // 2):
        p = struct.unpack_from('<H', b, o + 16 + 2 * i)[0]
        l, h, f2, ks = struct.unpack_from('<HHHH', b, o + p)
        if fl & 1: walk(l | h << 16 | f2 << 32)
        elif f2 & 2: walk(struct.unpack_from('<Q', b, o + p + 8 + ks + 40)[0])
walk(main)
o = free * PS; p = struct.unpack_from('<H', b, o + 16)[0]
l, h, f2, ks = struct.unpack_from('<HHHH', b, o + p)
at = o + p + 8 + ks; n = struct.unpack_from('<Q', b, at)[0]
listed = struct.unpack_from('<%dQ' % n, b, at + 8)
for i in range(n):	# a free page one bit away from a live one
    q = listed[i]
    for bit in range(6):
        if q ^ (1 << bit) in live and q ^ (1 << bit) not in listed:
            struct.pack_into('<Q', b, at + 8 + 8 * i, q ^ (1 << bit))
            open(f, 'r+b').write(b); sys.exit(0)
sys.exit(1)
PY
check "free list: an entry now names a live page" test $? -eq 0
status 3 "free list: the open refuses it before any post" $W idea add -d "$FL" --title new
check "  says the page is used twice" grep -q "used twice" "$T/err"
status 3 "free list: status refuses it" $W status -d "$FL"

# The commit record as a symbolic link (a copy tool that kept one): a post
# on the copy rewrote the original's record, which then named a rollback;
# a dangling link made a file wherever it pointed. A link is refused.
CA=$T/ca
$W init -d "$CA" --name "City" --role city >/dev/null
$W idea add -d "$CA" --title one >/dev/null
cp -a "$CA" "$T/cb"
rm "$T/cb/store/commit"
ln -s "$CA/store/commit" "$T/cb/store/commit"
status 3 "commit record a link: the post is refused" $W idea add -d "$T/cb" --title two
oneline "commit record a link: one line"
status 0 "  the original is untouched" $W status -d "$CA"
rm "$T/cb/store/commit"
ln -s "$T/created-here" "$T/cb/store/commit"
status 3 "commit record a dangling link: refused" $W idea add -d "$T/cb" --title three
check "  nothing made where it points" test ! -e "$T/created-here"
