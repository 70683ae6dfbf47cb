# Read commands work on a data directory nobody may write (an auditor's
# copy, a read-only mount): status, verify, log, show and export open the
# store read-only. Run as root, the commands run as user nobody on a copy
# chmod'ed a-w (root ignores file modes).
. tests/cli/lib.sh
D=$T/node
$W init -d "$D" --name "City" --role city >/dev/null
ID=$($W idea add -d "$D" --title "An idea to audit")
$W comment add -d "$D" --on "$ID" --body "A comment" >/dev/null
$W status -d "$D" --json >"$T/s0"
$W log -d "$D" --json >"$T/log0"

as_reader() { "$@"; }
chmod 755 "$T"
if [ "$(id -u)" -eq 0 ]; then
	as_reader() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }
	RO_OWNER=nobody
fi

# rocopy DIR: a read-only copy of the data directory, readable by the reader.
rocopy() {
	cp -a "$D" "$1"
	[ -n "${RO_OWNER:-}" ] && chown -R "$RO_OWNER" "$1"
	chmod -R a-w "$1"
}

reads() {	# NAME DIR
	status 0 "$1: status" as_reader $W status -d "$2" --json
	check "$1: status shows the same digest" \
	    test "$(json_field "$T/out" digest)" = "$(json_field "$T/s0" digest)"
	status 0 "$1: verify" as_reader $W verify -d "$2"
	status 0 "$1: log" as_reader $W log -d "$2" --json
	check "$1: log shows every event" cmp -s "$T/out" "$T/log0"
	status 0 "$1: show" as_reader $W show -d "$2" "$ID"
	rm -f "$T/exp/x.log"
	status 0 "$1: export" as_reader $W export -d "$2" -o "$T/exp/x.log"
	check "$1: export wrote the log" test -s "$T/exp/x.log"
}
mkdir "$T/exp"
[ -n "${RO_OWNER:-}" ] && chown "$RO_OWNER" "$T/exp"

rocopy "$T/ro"
touch "$T/stamp"
reads "read-only copy" "$T/ro"
# No node can run on it (node.lock cannot be opened): peers names that,
# not "not a wiec data directory".
rm -f "$T/peersro.err"
status 3 "read-only copy: peers exits 3" as_reader $W peers -d "$T/ro"
check "read-only copy: peers names node.lock" grep -q "node.lock: .*(no node runs here)" "$T/err"
check "read-only copy: nothing written in it" \
    test -z "$(find "$T/ro" -newer "$T/stamp" -print)"
status 1 "read-only copy: a post fails" as_reader $W idea add -d "$T/ro" --title "no"
oneline "read-only copy: a post fails with one line"
if [ -n "${RO_OWNER:-}" ]; then
	check "read-only copy: the post names the file and the reason" \
	    grep -q "cannot write .*/commit: Permission denied" "$T/err"
	check "read-only copy: no misleading 'input/output error'" \
	    sh -c "! grep -q 'input/output error' '$T/err'"
fi

# Without the lock file, which a reader could not create here.
rocopy "$T/nolock"
chmod u+w "$T/nolock/store"
rm -f "$T/nolock/store/lock.mdb"
chmod a-w "$T/nolock/store"
reads "read-only copy without lock.mdb" "$T/nolock"
check "no lock.mdb was created" test ! -e "$T/nolock/store/lock.mdb"

# While another process has the store open (it holds a read lock on the
# first byte of lock.mdb, as every LMDB process does), reading without the
# lock file is refused: its writes could reuse pages being read.
if [ -n "${RO_OWNER:-}" ]; then
	rocopy "$T/busy"
	python3 - "$T/busy/store/lock.mdb" "$T/ready" <<'PY' &
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY)
fcntl.lockf(fd, fcntl.LOCK_SH, 1, 0)
open(sys.argv[2], 'w').close()
time.sleep(120)
PY
	holder=$!
	while [ ! -e "$T/ready" ]; do sleep 0.05; done
	status 1 "store in use, lock file read-only: log refused" as_reader $W log -d "$T/busy"
	oneline "store in use: one line"
	check "store in use: names the process" grep -q "in use by process $holder" "$T/err"
	kill $holder
	wait $holder 2>/dev/null || :
fi

# A data directory the user may not read is named as such, not taken for
# a missing one (which would send them to `wiec init`).
if [ -n "${RO_OWNER:-}" ]; then
	cp -a "$D" "$T/closed"
	chmod 700 "$T/closed"
	for c in status log verify import; do
		arg=
		[ "$c" = import ] && arg=$T/exp/x.log
		status 3 "unreadable directory: $c exits 3" as_reader $W $c -d "$T/closed" $arg
		oneline "unreadable directory: $c says so in one line"
		check "unreadable directory: $c names the permission" \
		    grep -q "closed/config: Permission denied" "$T/err"
	done
	# Its config readable, its store not: exit 3 too (it was 1).
	cp -a "$D" "$T/shut"
	chmod 755 "$T/shut"
	chmod 644 "$T/shut/config"
	chmod 000 "$T/shut/store"
	for c in status log verify; do
		status 3 "unreadable store: $c exits 3" as_reader $W $c -d "$T/shut"
		oneline "unreadable store: $c says so in one line"
		check "unreadable store: $c names it" grep -q "shut/store: Permission denied" "$T/err"
	done
	chmod 700 "$T/shut/store"
fi
