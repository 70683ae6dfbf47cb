# An organisation's store put back from an older copy while it takes part
# in a close: the node must not sign its close statements again on the
# older head (that forks the member's chain, and every node then excludes
# it for good). The node keeps DIR/identity.key.chain as the CLI does and
# signs nothing while its store lacks the last event it signed; once the
# later events are back (an import here, a peer's sync in a network), the
# chain goes on with no fork.
. tests/cli/lib.sh
. tests/cli/netlib.inc
DL=$((60 * SLOW))

pick_base 1 27900 || { bad "a free port"; exit 1; }
status 0 "testnet of 1" $W testnet "$T/net" --nodes 1 --base-port "$BASE"
N=$T/net/node1
P=$($W process create -d "$N" --kind budget --title B --unit U:1000)
A=$($W idea add -d "$N" --process "$P" --unit U --title A --cost 600)
B=$($W idea add -d "$N" --process "$P" --unit U --title B --cost 500)
status 0 "poll" $W poll open -d "$N" --process "$P" --kind budget --option "$A" --option "$B"
for i in 1 2 3; do
	$W keygen --out "$T/r$i.key" >/dev/null
	$W vote -d "$N" --process "$P" --key "$T/r$i.key" "$B" >/dev/null
done
status 0 "close, no node running" $W close -d "$N" --process "$P"
cp -a "$N/store" "$T/store.old"
check "the node starts" start_node "$N"
check "it certifies (its statements signed)" wait_until "$DL" has_cert "$N" 1
stop_node "$N"
status 0 "export with the statements" $W export -d "$N" -o "$T/all.log"
rm -rf "$N/store"
cp -a "$T/store.old" "$N/store"
: >"$N.log"
check "the node starts on the older store" start_node "$N"
check "it refuses to sign on it, naming why" wait_until "$DL" \
	grep -q "lacks the last event this identity signed" "$N.log"
status 0 "the later events come back" $W import -d "$N" "$T/all.log"
check "it certifies again" wait_until "$DL" has_cert "$N" 2
status 0 "status" $W status -d "$N" --json
check "one chain: no fork, nothing excluded" jtrue "$T/out" 'j["forks"] == 0 and j["excluded"] == 0'
stop_node "$N"
check_logs
