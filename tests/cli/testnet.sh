# wiec testnet: N ready-to-run nodes of one network (spec/network.md,
# "Test networks"): layout, ports, one network, the peers topology, key file
# modes, and the refusals.
. tests/cli/lib.sh

# peers_of FILE: the number of peer lines in a peers file.
peers_of() { grep -vc '^#' "$1"; }

status 0 "testnet of 4" $W testnet "$T/net4" --nodes 4
NET=$(sed -n 's/^network \([0-9a-f]\{64\}\)$/\1/p' "$T/out")
check "testnet prints the network id" match "$NET" '[0-9a-f]\{64\}$'
check "testnet prints one line per node" test "$(grep -c '^node[0-9]' "$T/out")" -eq 4
check "4 node directories, nothing else" test "$(ls "$T/net4" | tr '\n' ' ')" = "node1 node2 node3 node4 "
check "nothing left beside the directory" test "$(ls "$T" | grep -c 'testnet-')" -eq 0
for i in 1 2 3 4; do
	d=$T/net4/node$i
	check "node$i: identity, transport, config, store, peers" \
		test -f "$d/identity.key" -a -f "$d/transport.key" -a -f "$d/config" -a -d "$d/store" -a -f "$d/peers"
	check "node$i listens on 127.0.0.1:$((7399 + i))" grep -q "^listen = tcp://127.0.0.1:$((7399 + i))\$" "$d/config"
	$W status -d "$d" --json >"$T/st" 2>/dev/null
	check "node$i: network $NET" test "$(json_field "$T/st" network)" = "$NET"
	check "node$i: no events yet" test "$(json_field "$T/st" events)" = 0
	check "node$i dials the 3 others" test "$(peers_of "$d/peers")" -eq 3
	check "node$i does not dial itself" test "$(grep -c "$($W id -d "$d")" "$d/peers")" -eq 0
done
check "roles: city, ngo, university, business" \
	test "$(sed -n 's/^role = //p' "$T"/net4/node[1-4]/config | tr '\n' ' ')" = "city ngo university business "
check "node1 is Gdynia City Hall" grep -q '^name = Gdynia City Hall$' "$T/net4/node1/config"
check "every key file is mode 0600" \
	test "$(find "$T/net4" -name '*.key' -perm 600 | wc -l)" -eq 8 -a "$(find "$T/net4" -name '*.key' | wc -l)" -eq 8
check "every peers file is mode 0600" test "$(find "$T/net4" -name peers -perm 600 | wc -l)" -eq 4
status 0 "peer list of node2" $W peer list -d "$T/net4/node2" --json
check "node2's peers are all founders" test "$(grep -c '"founder": true' "$T/out")" -eq 3
check "node2 dials node1 at its endpoint" grep -q '"endpoint": "tcp://127.0.0.1:7400", "name": "Gdynia City Hall"' "$T/out"
status 0 "a testnet node can post" $W idea add -d "$T/net4/node3" --title "Trees on Swietojanska"

status 1 "testnet refuses a non-empty directory" $W testnet "$T/net4" --nodes 2
oneline "non-empty refusal is one line"
check "the refused directory is untouched" test "$(ls "$T/net4" | wc -l)" -eq 4
mkdir "$T/empty"
status 0 "testnet into an empty directory" $W testnet "$T/empty" --nodes 1 --base-port 8000
check "a one-node testnet dials nobody" test "$(peers_of "$T/empty/node1/peers")" -eq 0

status 0 "testnet of 25" $W testnet "$T/net25" --nodes 25 --base-port 9100
NET25=$(sed -n 's/^network \([0-9a-f]\{64\}\)$/\1/p' "$T/out")
check "a different network" test "$NET25" != "$NET"
check "25 node directories" test "$(ls "$T/net25" | wc -l)" -eq 25
ports=""
same=yes sparse=yes ring=yes
for i in $(seq 1 25); do
	d=$T/net25/node$i
	ports="$ports$(sed -n 's/^listen = tcp:\/\/127.0.0.1://p' "$d/config") "
	$W status -d "$d" --json >"$T/st" 2>/dev/null
	[ "$(json_field "$T/st" network)" = "$NET25" ] || same=no
	n=$(peers_of "$d/peers")
	[ "$n" -ge 3 ] && [ "$n" -lt 24 ] || sparse=no
	# The ring i -> i+1 alone connects every node.
	next=$($W id -d "$T/net25/node$((i % 25 + 1))")
	grep -q "^$next " "$d/peers" || ring=no
done
check "25 nodes on ports 9100..9124" test "$ports" = "$(seq 9100 9124 | tr '\n' ' ')"
check "25 nodes share one network" test $same = yes
check "25 nodes: at least 3 peers each, not a full mesh" test $sparse = yes
check "25 nodes: node i dials node i+1 (connected)" test $ring = yes
check "25 nodes: 75 dialled links in all" test "$(cat "$T"/net25/node*/peers | grep -vc '^#')" -eq 75
check "25 nodes: every key file is mode 0600" test "$(find "$T/net25" -name '*.key' ! -perm 600 | wc -l)" -eq 0
check "node25 is Organisation 25, role other" \
	test "$(sed -n 's/^name = //p; s/^role = //p' "$T/net25/node25/config" | tr '\n' ' ')" = "Organisation 25 other "

status 2 "--nodes 0 refused" $W testnet "$T/x" --nodes 0
oneline "--nodes 0 is one line"
status 2 "--nodes 65 refused" $W testnet "$T/x" --nodes 65
status 2 "--nodes junk refused" $W testnet "$T/x" --nodes 4x
status 2 "--nodes is required" $W testnet "$T/x"
status 2 "DIR is required" $W testnet --nodes 3
status 2 "ports must fit" $W testnet "$T/x" --nodes 3 --base-port 65534
status 2 "--base-port junk refused" $W testnet "$T/x" --nodes 3 --base-port http
check "refusals create nothing" test ! -e "$T/x"
