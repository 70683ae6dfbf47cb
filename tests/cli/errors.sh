# Every command with bad arguments or a bad data directory: exactly one
# line on stderr and the README's exit status (2 bad command line, 3 bad
# data directory, 4 key file, 1 runtime failure, 5 invalid data).
. tests/cli/lib.sh
A=$T/a		# a good data directory with events
N=$T/notwiec	# a directory that is not a wiec data directory
X=$T/missing	# nothing there
F=$T/file	# a regular file
$W init -d "$A" --name "City" --role city >/dev/null
ID=$($W idea add -d "$A" --title "an idea")
$W keygen --out "$T/r.key" >/dev/null
mkdir "$N"
echo junk >"$N/junk"
echo junk >"$F"
$W export -d "$A" -o "$T/a.log"
$W genesis new --name "G" --out "$T/g.genesis" "$T/a.log" >/dev/null 2>&1
$W founder -d "$A" --endpoint tcp://127.0.0.1:7999 >"$T/a.rec"
$W genesis new --name "G" --out "$T/g.genesis" "$T/a.rec" >/dev/null
OTHER=wk$(printf '%043d' 0 | tr 0 A)	# a well-formed key of nobody
SELF=$($W id -d "$A")
ZERO=$(printf '%064d' 0)

# e WANT NAME CMD...: exit status WANT and exactly one line on stderr.
e() {
	want=$1 name=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	n=$(wc -l <"$T/err")
	if [ "$got" = "$want" ] && [ "$n" -eq 1 ]; then
		ok "$name"
	else
		bad "$name (exit $got, wanted $want; $n lines on stderr): $(head -c 300 "$T/err" | tr '\n' '|')"
	fi
}

# Commands that take -d: an unknown option, -d without a value, a stray
# argument, and data directories that are not.
for c in id announce "idea add" "comment add" log node peers show verify reindex status export \
    import founder "genesis sign" "genesis install" "peer add" "peer list" "peer rm"; do
	e 2 "$c: unknown option" $W $c --bogus
	e 2 "$c: -d without a value" $W $c -d
done
for c in id announce log node peers verify reindex status export founder "peer list"; do
	e 2 "$c: a stray argument" $W $c -d "$A" stray
	e 3 "$c: not a wiec directory" $W $c -d "$N"
	e 3 "$c: no directory" $W $c -d "$X"
	e 3 "$c: a file as the directory" $W $c -d "$F"
done
for c in "idea add --title t" "comment add --on $ID --body b" "show $ID" "import $T/a.log" \
    "genesis sign $T/g.genesis" "genesis install $T/g.genesis" "peer add --key $OTHER" \
    "peer rm --key $OTHER"; do
	e 3 "${c%% -*}: not a wiec directory" $W $c -d "$N"
	e 3 "${c%% -*}: no directory" $W $c -d "$X"
done

# The command word itself.
e 2 "no such command" $W frobnicate
e 2 "idea alone" $W idea
e 2 "genesis alone" $W genesis
e 2 "peer with an unknown subcommand" $W peer frob
e 2 "help of no such command" $W help frobnicate
e 2 "no command at all" $W

# init, keygen, testnet.
e 2 "init: bad role" $W init -d "$T/i1" --role mayor
e 2 "init: empty name" $W init -d "$T/i1" --name ""
# The config trims outer spaces: the genesis would keep another name.
e 2 "init: a name with outer spaces" $W init -d "$T/i1" --name "  sp  "
# A value given twice: which was meant? (The last silently won.)
e 2 "init: --name twice" $W init -d "$T/i1" --name a --name b
e 2 "init: map size too small" $W init -d "$T/i1" --map-size 1K
e 2 "init: map size not a size" $W init -d "$T/i1" --map-size lots
e 2 "init: map size too large" $W init -d "$T/i1" --map-size 17T
e 2 "init: a stray argument" $W init -d "$T/i1" stray
e 1 "init: a non-empty directory" $W init -d "$N"
e 1 "init: a file" $W init -d "$F"
e 2 "keygen: no --out" $W keygen
e 2 "keygen: unknown option" $W keygen -d "$A"
e 1 "keygen: refuses to overwrite" $W keygen --out "$T/r.key"
e 1 "keygen: no such directory" $W keygen --out "$X/sub/r.key"
e 2 "testnet: no directory" $W testnet --nodes 2
e 2 "testnet: --nodes 0" $W testnet "$T/tn" --nodes 0
e 2 "testnet: --nodes 65" $W testnet "$T/tn" --nodes 65
e 2 "testnet: bad --base-port" $W testnet "$T/tn" --nodes 2 --base-port 70000
e 1 "testnet: a non-empty directory" $W testnet "$N" --nodes 2

# Posting.
e 2 "idea add: no --title" $W idea add -d "$A"
e 2 "idea add: --title twice" $W idea add -d "$A" --title a --title b
check "... names the option" grep -q "option '--title' given twice" "$T/err"
status 0 "process create: --phase repeats (a list)" $W process create -d "$A" --kind consultation \
	--title T --phase a --phase b
e 2 "comment add: --body twice" $W comment add -d "$A" --on "$ID" --body a --body b
e 2 "export: -o twice" $W export -d "$A" -o "$T/e1.log" -o "$T/e2.log"
check "... writes neither" test ! -e "$T/e1.log" -a ! -e "$T/e2.log"
e 2 "status: -d and --dir" $W status -d "$A" --dir="$A"
e 2 "pb tally: --rule twice" $W pb tally --rule greedy --rule=approval "$T/none.pb"
check "... names the option" grep -q "option '--rule' given twice" "$T/err"
status 0 "flags may repeat" $W status -d "$A" --json --json
status 0 "a value that looks like an option is a value" $W comment add -d "$A" --on "$ID" --body "-d"
e 2 "idea add: an empty title" $W idea add -d "$A" --title ""
e 4 "idea add: --key missing" $W idea add -d "$A" --key "$X.key" --title t
e 4 "idea add: --key not a key" $W idea add -d "$A" --key "$F" --title t
chmod 600 "$F"
e 4 "idea add: --key not a key (0600)" $W idea add -d "$A" --key "$F" --title t
e 2 "comment add: no --on" $W comment add -d "$A" --body b
e 2 "comment add: --on not an id" $W comment add -d "$A" --on zz --body b
e 1 "comment add: --on an unknown id" $W comment add -d "$A" --on "$ZERO" --body b
e 2 "announce: bad role" $W announce -d "$A" --role mayor
e 4 "announce: --key missing" $W announce -d "$A" --key "$X.key" --name Anna

# Reading.
e 2 "log: bad --author" $W log -d "$A" --author nobody
e 2 "show: no id" $W show -d "$A"
e 2 "show: not an id" $W show -d "$A" zz
e 1 "show: an unknown id" $W show -d "$A" "$ZERO"
e 2 "verify: --json does not apply" $W verify -d "$A" --json
e 1 "peers: no node running" $W peers -d "$A"

# Export and import.
e 1 "export: refuses to overwrite" $W export -d "$A" -o "$T/a.log"
e 1 "export: no such directory" $W export -d "$A" -o "$X/sub/a.log"
e 2 "import: no file" $W import -d "$A"
e 2 "import: --batch 0" $W import -d "$A" --batch 0 "$T/a.log"
e 1 "import: no such file" $W import -d "$A" "$X.log"
e 1 "import: a directory" $W import -d "$A" "$T"
e 5 "import: not an export" $W import -d "$A" "$F"
head -c 200 "$T/a.log" >"$T/trunc.log"
e 5 "import: truncated" $W import -d "$A" "$T/trunc.log"

# The genesis ceremony.
e 2 "founder: bad --endpoint" $W founder -d "$A" --endpoint udp://x:1
e 2 "genesis new: no arguments" $W genesis new
e 2 "genesis new: --quorum 0" $W genesis new --name x --quorum 0 --out "$T/g2" "$T/a.rec"
e 1 "genesis new: no such founder file" $W genesis new --name x --out "$T/g2" "$X.rec"
e 5 "genesis new: not a founder record" $W genesis new --name x --out "$T/g2" "$F"
e 1 "genesis new: refuses to overwrite" $W genesis new --name x --out "$T/g.genesis" "$T/a.rec"
e 2 "genesis sign: no file" $W genesis sign -d "$A"
e 1 "genesis sign: no such file" $W genesis sign -d "$A" "$X.genesis"
e 5 "genesis sign: not a genesis" $W genesis sign -d "$A" "$F"
e 2 "genesis show: no file" $W genesis show
e 1 "genesis show: no such file" $W genesis show "$X.genesis"
e 1 "genesis show: a directory" $W genesis show "$T"
e 5 "genesis show: not a genesis" $W genesis show "$F"
e 2 "genesis install: no file" $W genesis install -d "$A"
e 5 "genesis install: not complete" $W genesis install -d "$A" "$T/g.genesis"

# Peers.
e 2 "peer add: no --key" $W peer add -d "$A"
e 2 "peer add: not a key" $W peer add -d "$A" --key nobody
e 2 "peer add: --json does not apply" $W peer add -d "$A" --key "$OTHER" --json
e 2 "peer add: bad --endpoint" $W peer add -d "$A" --key "$OTHER" --endpoint tcp://h
e 1 "peer add: this node's own key" $W peer add -d "$A" --key "$SELF"
e 1 "peer add: not a founder" $W peer add -d "$A" --key "$OTHER"
e 2 "peer list: --key does not apply" $W peer list -d "$A" --key "$OTHER"
e 2 "peer rm: no --key" $W peer rm -d "$A"
e 1 "peer rm: not a peer" $W peer rm -d "$A" --key "$OTHER"
mkdir "$T/pd" && cp -a "$A/." "$T/pd/" && mkdir "$T/pd/peers"
e 3 "peer list: DIR/peers is a directory" $W peer list -d "$T/pd"
printf 'garbage\n' >"$T/a/peers"
e 3 "peer list: a bad peers file" $W peer list -d "$A"
e 3 "node: a bad peers file" $W node -d "$A"
rm "$T/a/peers"

# A damaged data directory.
cp -a "$A" "$T/d1"
echo "mapsize = 1G" >>"$T/d1/config"
for c in status verify log export node "peer list" id; do
	case $c in id) want=0 ;; *) want=3 ;; esac
	[ $want = 3 ] && e 3 "$c: a bad config" $W $c -d "$T/d1"
done
cp -a "$A" "$T/d2"
echo "listen = nowhere" >>"$T/d2/config"
e 3 "node: a bad listen endpoint" $W node -d "$T/d2"
cp -a "$A" "$T/d3"
rm "$T/d3/store/data.mdb"
mkdir "$T/d3/store/data.mdb"
for c in status verify log export node "peer list" "idea add --title t"; do
	e 3 "${c%% -*}: a directory in place of data.mdb" $W $c -d "$T/d3"
done
cp -a "$A" "$T/d4"
rm "$T/d4/store/data.mdb"
e 3 "status: no data.mdb" $W status -d "$T/d4"
e 3 "node: no data.mdb" $W node -d "$T/d4"
cp -a "$A" "$T/d5"
rm "$T/d5/transport.key"
e 4 "node: no transport key" $W node -d "$T/d5"
cp -a "$A" "$T/d6"
chmod 644 "$T/d6/identity.key"
e 4 "node: an identity key readable by others" $W node -d "$T/d6"
e 4 "id: an identity key readable by others" $W id -d "$T/d6"

# Output that cannot be written is a failure, not a silent success.
e 1 "id: stdout on a full device" sh -c "exec $W id -d '$A' >/dev/full"

# A map_size this process may not map (ulimit -v) names the config's
# map_size, exit 3 (it said "out of memory", exit 1). Not under ASan, whose
# shadow memory needs more address space than any such limit.
if (ulimit -v 2000000; $W --version) >/dev/null 2>&1; then
	cp -a "$A" "$T/bigmap"
	sed -i '/^map_size/d' "$T/bigmap/config"
	echo "map_size = 16T" >>"$T/bigmap/config"
	e 3 "a map_size beyond ulimit -v: named" sh -c "ulimit -v 2000000; exec $W status -d '$T/bigmap'"
	check "... as map_size" grep -q "map_size .* is more than this process may map" "$T/err"
fi
