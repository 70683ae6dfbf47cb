# The store's files at open and under a running node: LMDB's lock file
# made on a full disk (once a SIGBUS), a commit record emptied beside an
# older data.mdb (once taken as missing: the rollback went unnamed), and an
# older data.mdb put back under a running node (once written into, and its
# commit record rewritten to match).
. tests/cli/lib.sh
. tests/cli/netlib.inc
DL=$((30 * SLOW))

# nothing_left DIR: DIR holds only the filler.
nothing_left() { test "$(ls -A "$1")" = filler; }

# no_signal NAME: the last status call did not end by a signal.
no_signal() { check "$1: no signal" test "$got" -lt 128; }

# ---- 1. lock.mdb made on a full disk (a tmpfs; as root only) ----
# LMDB made a missing lock.mdb with ftruncate (no blocks) and wrote it
# through its map: SIGBUS, and a failed init left DIR.init-XXXXXX behind.
FULL=$T/full
mkdir -p "$FULL"
if mount -t tmpfs -o size=1m tmpfs "$FULL" 2>/dev/null; then
	NET_ATEXIT="umount '$FULL' 2>/dev/null"
	# init with 0 to 48 KiB free: the keys and config fit from 12 KiB on,
	# lock.mdb (8 KiB) from 20 KiB, data.mdb later still.
	lock_named=0
	for free in 0 4 8 12 16 20 24 32 48; do
		rm -rf "${FULL:?}"/* "$FULL"/.[!.]* 2>/dev/null
		head -c $((1024 - free))k /dev/zero >"$FULL/filler" 2>/dev/null
		status 1 "init with ${free}K free fails" $W init -d "$FULL/n" --name N --role city
		no_signal "init with ${free}K free"
		oneline "init with ${free}K free: one line"
		check "init with ${free}K free: says disk full" grep -q "disk full" "$T/err"
		check "init with ${free}K free: leaves nothing behind" nothing_left "$FULL"
		grep -q "lock.mdb" "$T/err" && lock_named=$((lock_named + 1))
	done
	check "some init failed at lock.mdb ($lock_named)" test "$lock_named" -gt 0

	# A store whose lock.mdb is missing (data.mdb alone restored, as
	# mdb_copy writes it), on a full disk: every command, read-only ones
	# too, and the node.
	rm -rf "${FULL:?}"/*
	$W init -d "$FULL/n" --name N --role city >/dev/null
	$W idea add -d "$FULL/n" --title one >/dev/null
	rm "$FULL/n/store/lock.mdb"
	head -c 1024k /dev/zero >"$FULL/filler" 2>/dev/null
	for c in "status" "log" "verify" "idea add --title two"; do
		# shellcheck disable=SC2086
		status 1 "no lock.mdb, disk full: $c fails" $W $c -d "$FULL/n"
		no_signal "no lock.mdb, disk full: $c"
		oneline "no lock.mdb, disk full: $c: one line"
		check "no lock.mdb, disk full: $c says disk full and names lock.mdb" \
			grep -q "disk full.*lock.mdb" "$T/err"
	done
	status 1 "no lock.mdb, disk full: node fails" timeout 20 $W node -d "$FULL/n"
	no_signal "no lock.mdb, disk full: node"
	check "no lock.mdb, disk full: node says disk full" grep -q "disk full" "$T/err"
	check "no lock.mdb, disk full: none left half made" test ! -e "$FULL/n/store/lock.mdb"
	check "  nor a temporary file" test "$(ls -A "$FULL/n/store" | grep -c tmp)" -eq 0

	# A lock.mdb that was made but never written (what the SIGBUS left),
	# and an empty one.
	for kind in unwritten empty; do
		if [ $kind = unwritten ]; then
			truncate -s 8192 "$FULL/n/store/lock.mdb"
		else
			: >"$FULL/n/store/lock.mdb"
		fi
		status 1 "$kind lock.mdb, disk full: status fails" $W status -d "$FULL/n"
		no_signal "$kind lock.mdb, disk full: status"
		oneline "$kind lock.mdb, disk full: one line"
		check "$kind lock.mdb, disk full: says disk full" grep -q "disk full" "$T/err"
		rm -f "$FULL/n/store/lock.mdb"
	done
	rm "$FULL/filler"
	status 0 "room again: status works" $W status -d "$FULL/n"
	status 0 "  and a post" $W idea add -d "$FULL/n" --title two
	status 0 "  and verify" $W verify -d "$FULL/n"
	umount "$FULL"
	NET_ATEXIT=
else
	ok "full disk (skipped: cannot mount a tmpfs here)"
fi

# ---- 2. An emptied or cut commit record ----
# A record is made whole (a temporary file linked into place), so an empty
# or short one is damage, named; a missing one is a store from before the
# record (or one removed on purpose) and is accepted.
D=$T/d
$W init -d "$D" --name City --role city >/dev/null
$W idea add -d "$D" --title one >/dev/null
cp "$D/store/data.mdb" "$T/d.old"
$W idea add -d "$D" --title two >/dev/null
$W idea add -d "$D" --title three >/dev/null
cp -a "$D" "$T/d.now"
check "the record is whole after init and posts" test "$(wc -c <"$D/store/commit")" -eq 88
cp "$T/d.old" "$D/store/data.mdb"
status 3 "older data.mdb: refused" $W status -d "$D"
check "  says rolled back" grep -q "rolled back" "$T/err"
for kind in emptied cut; do
	cp "$T/d.now/store/commit" "$D/store/commit"
	if [ $kind = emptied ]; then : >"$D/store/commit"; else truncate -s 40 "$D/store/commit"; fi
	for c in "status" "log" "verify" "idea add --title four"; do
		# shellcheck disable=SC2086
		status 3 "older data.mdb, record $kind: $c refused" $W $c -d "$D"
		oneline "older data.mdb, record $kind: $c: one line"
		check "older data.mdb, record $kind: $c names the record" \
			grep -q "commit record.*damaged" "$T/err"
	done
	check "record $kind: left as it was" test "$(wc -c <"$D/store/commit")" -eq \
		"$([ $kind = emptied ] && echo 0 || echo 40)"
done
# The same on a store that was not rolled back: the record is damaged.
cp -a "$T/d.now" "$T/e"
: >"$T/e/store/commit"
status 3 "emptied record, current store: status refused" $W status -d "$T/e"
status 3 "emptied record, current store: a post refused" $W idea add -d "$T/e" --title x
check "  the record is not rewritten" test ! -s "$T/e/store/commit"
# Removed: accepted as it is (the way to accept a store), and made again
# whole at the next write, which then names a later rollback again.
rm "$T/e/store/commit"
status 0 "record removed: status accepts the store" $W status -d "$T/e"
status 0 "record removed: a post works" $W idea add -d "$T/e" --title four
check "  and makes the record again, whole" test "$(wc -c <"$T/e/store/commit")" -eq 88
check "  leaving no temporary file" test "$(ls -A "$T/e/store" | grep -c tmp)" -eq 0
cp "$T/d.old" "$T/e/store/data.mdb"
status 3 "  an older data.mdb is named again" $W status -d "$T/e"
check "  as rolled back" grep -q "rolled back" "$T/err"
# A store from before the record: never had one; a read-only command and
# a writer both accept it.
cp -a "$T/d.now" "$T/pre"
rm "$T/pre/store/commit"
status 0 "store from before the record: log" $W log -d "$T/pre"
status 0 "store from before the record: a post" $W idea add -d "$T/pre" --title five
check "  the record is made" test "$(wc -c <"$T/pre/store/commit")" -eq 88

# ---- 3. An older data.mdb put back under a running node ----
# The node noticed nothing: it committed into the older file, rewrote the
# commit record to match it (so no later command named the rollback) and
# the events after the copy were lost. Now it refuses to write, says why
# in one line and stops (exit 3), at its next write or within a second if
# idle; the file is left as put back, and later commands name the
# rollback. The node gets something to write through an import whose
# store open is done before the file is put back (a FIFO).
A=$T/a
$W init -d "$A" --name City --role city >/dev/null
for i in 1 2 3; do $W idea add -d "$A" --title "a$i" >/dev/null; done
cp "$A/store/data.mdb" "$T/a.backup"
for i in 4 5 6; do $W idea add -d "$A" --title "a$i" >/dev/null; done
$W export -d "$A" -o "$T/a.export"
cp -a "$A/store" "$T/a.store"
for how in copied renamed; do
	rm -rf "$A/store"
	cp -a "$T/a.store" "$A/store"
	rm -f "$T/in.fifo" "$T/opened" "$T/go"
	: >"$A.log"
	check "$how: the node starts" start_node "$A"
	mkfifo "$T/in.fifo"
	(
		exec 3>"$T/in.fifo"
		: >"$T/opened"
		while [ ! -e "$T/go" ]; do sleep 0.1; done
		cat "$T/a.export" >&3
	) &
	WR=$!
	$W import -d "$A" "$T/in.fifo" >"$T/imp.out" 2>"$T/imp.err" &
	IMP=$!
	check "$how: the import has the store open" wait_until "$DL" test -e "$T/opened"
	if [ $how = copied ]; then
		cp "$T/a.backup" "$A/store/data.mdb"
	else
		cp "$T/a.backup" "$A/store/data.mdb.new"
		mv "$A/store/data.mdb.new" "$A/store/data.mdb"
	fi
	: >"$T/go"
	wait $IMP
	imp=$?
	kill "$WR" 2>/dev/null
	wait "$WR" 2>/dev/null
	# Refused, or (renamed: the node's file holds them all) duplicates.
	check "$how: the import stores nothing (exit $imp): $(cat "$T/imp.err")" \
		sh -c "[ $imp -ne 0 ] || grep -q '^imported: 0 added' '$T/imp.out'"
	check "$how: the node stops" wait_until "$DL" node_dead "$A"
	stop_node "$A"
	st=$?
	check "$how: the node exits 3 (exit $st)" test "$st" -eq 3
	check "$how: its log names the replaced store, once: $(tail -n 2 "$A.log" | head -n 1)" \
		test "$(grep -c "replaced" "$A.log")" -eq 1
	check "$how: no signal, no sanitizer report" test "$(grep -c 'signal\|Sanitizer' "$A.log")" -eq 0
	check "$how: nothing was written into the older file" cmp -s "$T/a.backup" "$A/store/data.mdb"
	status 3 "$how: status then names the rollback" $W status -d "$A"
	check "$how:   says rolled back" grep -q "rolled back" "$T/err"
	status 3 "$how: a post is refused" $W idea add -d "$A" --title a7
done
# The store as it was before: all is well again.
rm -rf "$A/store"
cp -a "$T/a.store" "$A/store"
status 0 "the store as it was: verify" $W verify -d "$A"
status 0 "  a post" $W idea add -d "$A" --title a7
