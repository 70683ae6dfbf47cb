# Faults found by trying the CLI from outside (issue 9, item 11): a killed
# export, concurrent peer adds, genesis install under a running node, an
# impossible map size, FIFOs in place of files, a full disk.
. tests/cli/lib.sh
. tests/cli/netlib.inc
A=$T/a
$W init -d "$A" --name "City" --role city >/dev/null
cp -a "$A" "$T/a-empty"
BODY=$(printf '%04000d' 0)
i=0
while [ $i -lt 40 ]; do
	i=$((i + 1))
	$W idea add -d "$A" --title "idea $i" --body "$BODY" >/dev/null
done

# 1. A killed export. The old writer left OUT.tmp behind and then refused
# every later export. First a deterministic kill mid-write (the file size
# limit: SIGXFSZ, no handler runs, like SIGKILL), then real SIGKILLs.
sh -c "ulimit -f 8; exec $W export -d '$A' -o '$T/x.log'" 2>/dev/null
check "export killed mid-write (SIGXFSZ)" test $? -gt 128
check "the killed export left no file at the target" test ! -e "$T/x.log"
check "it was killed while writing (its temporary file is there)" \
	test "$(ls -A "$T" | grep -c 'x\.log\.tmp')" -eq 1
status 0 "export after a killed export" $W export -d "$A" -o "$T/x.log"
check "no temporary file left beside it" test "$(ls -A "$T" | grep -c 'x\.log\.tmp')" -eq 0
landed=0
n=0
while [ $n -lt 30 ] && [ $landed -lt 3 ]; do
	n=$((n + 1))
	rm -f "$T/k.log"
	$W export -d "$A" -o "$T/k.log" 2>/dev/null &
	pid=$!
	# Kill it as soon as its temporary file exists; it landed if the
	# export had not put the file in place yet.
	spins=0
	while [ ! -e "$T/k.log" ] && [ $spins -lt 200000 ]; do
		for f in "$T"/.k.log.tmp-*; do
			[ -e "$f" ] && kill -9 $pid 2>/dev/null && break 2
		done
		spins=$((spins + 1))
	done
	wait $pid 2>/dev/null
	[ $? -eq 137 ] && [ ! -e "$T/k.log" ] && landed=$((landed + 1))
	rm -f "$T/k.log"	# there if the export finished before the kill
	if ! $W export -d "$A" -o "$T/k.log" 2>"$T/err"; then
		bad "export after a SIGKILLed export: $(cat "$T/err")"
		landed=-100
		break
	fi
done
echo "# $landed of $n SIGKILLs landed mid-export"
check "SIGKILLs landed during exports (>= 1) and every next export worked" test $landed -ge 1
check "no temporary file left after the SIGKILLs" test "$(ls -A "$T" | grep -c 'k\.log\.tmp')" -eq 0
cp -a "$T/a-empty" "$T/b"
status 0 "the export written after the kills imports" $W import -d "$T/b" "$T/k.log"
check "all 40 events in it" grep -q "^imported: 40 added" "$T/out"

# 2. Concurrent peer adds: each exited 0, so each must be in DIR/peers.
status 0 "testnet of 62 nodes" $W testnet "$T/net" --nodes 62
P=$T/net/node1
$W peer list -d "$P" --json >"$T/before"
for k in $(grep -o '"key": "[^"]*"' "$T/before" | cut -d'"' -f4); do
	$W peer rm -d "$P" --key "$k" >/dev/null
done
j=2
: >"$T/keys"
while [ $j -le 62 ]; do
	$W id -d "$T/net/node$j" >>"$T/keys"
	j=$((j + 1))
done
for k in $(cat "$T/keys"); do
	$W peer add -d "$P" --key "$k" >/dev/null 2>>"$T/adderr" &
done
wait
$W peer list -d "$P" >"$T/after"
check "61 concurrent peer adds: all 61 listed ($(grep -c . "$T/after"))" test "$(grep -c . "$T/after")" -eq 61
check "no concurrent add failed" test ! -s "$T/adderr"
missing=0
for k in $(cat "$T/keys"); do grep -q "^$k " "$T/after" || missing=$((missing + 1)); done
check "every added key is in the file" test $missing -eq 0
rm -rf "$T/net"

# 3. genesis install while a node runs on the directory: refused, and the
# node keeps taking its own posts.
for o in c d; do $W init -d "$T/$o" --name "Org $o" --role ngo >/dev/null; done
$W founder -d "$T/c" --endpoint tcp://127.0.0.1:7990 >"$T/c.rec"
$W founder -d "$T/d" --endpoint tcp://127.0.0.1:7991 >"$T/d.rec"
$W genesis new --name "Two" --out "$T/two.genesis" "$T/c.rec" "$T/d.rec" >/dev/null
$W genesis sign -d "$T/c" "$T/two.genesis" >/dev/null
$W genesis sign -d "$T/d" "$T/two.genesis" >/dev/null
$W status -d "$T/c" --json >"$T/s0"
if start_node "$T/c"; then
	status 1 "genesis install refused while a node runs" $W genesis install -d "$T/c" "$T/two.genesis"
	oneline "that refusal is one line"
	check "it names the running node" grep -q "a node is running" "$T/err"
	status 0 "the node still takes its own posts" $W idea add -d "$T/c" --title "still mine"
	stop_node "$T/c"
else
	bad "node c did not start"
fi
$W status -d "$T/c" --json >"$T/s1"
check "the network did not change" test "$(json_field "$T/s0" network)" = "$(json_field "$T/s1" network)"
status 0 "genesis install with the node stopped (no events yet on d)" \
	$W genesis install -d "$T/d" "$T/two.genesis"

# 4. A map size every later command would refuse is refused by init.
status 2 "init --map-size 17T refused" $W init -d "$T/big" --map-size 17T
oneline "that refusal is one line"
check "nothing created" test ! -e "$T/big"
status 2 "init --map-size 0 refused" $W init -d "$T/big" --map-size 0
status 0 "init --map-size 16T (the most the config takes)" $W init -d "$T/big" --map-size 16T
status 0 "and later commands open it" $W status -d "$T/big"
case "$B$W" in
*asan*)	ok "a size the address space cannot hold (skipped: ASan needs more than ulimit -v allows)" ;;
*)	status 2 "a size the address space cannot hold is refused" \
		sh -c "ulimit -v 1000000; exec $W init -d '$T/big2' --map-size 4G"
	oneline "that refusal is one line" ;;
esac

# 5. A FIFO (nobody writing) in place of a file must not hang anything.
# timeout only guards the run; the checks are the exit status and message.
cp -a "$A" "$T/f"
mv "$T/f/identity.key" "$T/f/identity.key.real"
mkfifo "$T/f/identity.key"
status 4 "a FIFO as identity key: wiec id refuses" timeout 20 $W id -d "$T/f"
oneline "that refusal is one line"
check "it says not a regular file" grep -q "not a regular file" "$T/err"
rm "$T/f/identity.key"
ln -s identity.key.real "$T/f/identity.key"
status 4 "a symbolic link as identity key refused" timeout 20 $W id -d "$T/f"
rm "$T/f/identity.key"
mv "$T/f/identity.key.real" "$T/f/identity.key"
mkfifo "$T/key.fifo"
status 4 "a FIFO as --key refused" timeout 20 $W idea add -d "$T/f" --key "$T/key.fifo" --title x
mkfifo "$T/f/peers"
status 3 "a FIFO as DIR/peers: peer list refuses" timeout 20 $W peer list -d "$T/f"
oneline "that refusal is one line"
rm "$T/f/peers"
mv "$T/f/config" "$T/f/config.real"
mkfifo "$T/f/config"
status 3 "a FIFO as DIR/config: status refuses" timeout 20 $W status -d "$T/f"
oneline "that refusal is one line"
rm "$T/f/config"
mv "$T/f/config.real" "$T/f/config"
# A directory in place of the control socket: named, exit 3 (the node
# failed with "Address already in use" in its log format).
mkdir "$T/f/node.sock"
status 3 "a directory as DIR/node.sock: node refuses to start" timeout 20 $W node -d "$T/f"
oneline "that refusal is one line"
check "it says not a socket" grep -q "node.sock is not a socket" "$T/err"
rmdir "$T/f/node.sock"
mkfifo "$T/g.fifo"
status 1 "a FIFO as a genesis file: genesis show refuses" timeout 20 $W genesis show "$T/g.fifo"
status 1 "a FIFO as a genesis file: genesis sign refuses" timeout 20 $W genesis sign -d "$T/f" "$T/g.fifo"
status 1 "a FIFO as a founder record refused" timeout 20 $W genesis new --name x --out "$T/g3" "$T/g.fifo"
status 1 "a directory to import refused" $W import -d "$T/f" "$T"
oneline "that refusal is one line"
$W export -d "$A" -o "$T/p.log"
status 0 "import from a pipe still works" sh -c "cat '$T/p.log' | $W import -d '$T/f' /dev/stdin"

# 6. A full disk is named as such (a tmpfs of 400 KiB; as root only).
FULL=$T/full
mkdir -p "$FULL"
if mount -t tmpfs -o size=400k tmpfs "$FULL" 2>/dev/null; then
	NET_ATEXIT="umount '$FULL' 2>/dev/null"
	$W init -d "$FULL/n" --map-size 64M >/dev/null
	i=0
	rc=0
	while [ $i -lt 500 ]; do
		i=$((i + 1))
		$W idea add -d "$FULL/n" --title "t $i" --body "$BODY" >/dev/null 2>"$T/err" || { rc=$?; break; }
	done
	check "posting onto a full disk fails (after $i posts, exit $rc)" test $rc -eq 1
	oneline "that failure is one line"
	check "it says the disk is full: $(cat "$T/err")" grep -q "disk full" "$T/err"
	status 0 "the store still verifies" $W verify -d "$FULL/n"
	status 1 "export onto the full disk fails" $W export -d "$A" -o "$FULL/e.log"
	check "it says the disk is full: $(cat "$T/err")" grep -q "disk full" "$T/err"
	check "and leaves nothing behind" test "$(ls -A "$FULL" | grep -c 'e\.log')" -eq 0
	umount "$FULL"
	NET_ATEXIT=
else
	ok "full disk (skipped: cannot mount a tmpfs here)"
fi
