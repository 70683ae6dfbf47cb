# A certificate stands after a member change (spec/close.md section 9): a
# process certified under the genesis roster of four, then a fifth member
# admitted. `wiec result` still shows the certificate, `wiec close` refuses,
# and no node takes part in a second close, restarted or not. (Before, the
# change made the certificate vanish from result and tally, close was
# accepted, and after a restart a second certificate with another winner
# formed under the new roster.)
. tests/cli/lib.sh
. tests/cli/netlib.inc
DL=$((90 * SLOW))

pick_base 5 28100 || { bad "5 free ports"; exit 1; }
status 0 "testnet of 4" $W testnet "$T/net" --nodes 4 --base-port "$BASE"
N=$T/net
four="$N/node1 $N/node2 $N/node3 $N/node4"
for i in 1 2 3 4; do start_node "$N/node$i" || bad "node$i starts"; done
K1=$($W id -d "$N/node1")
P=$($W process create -d "$N/node1" --owner "$K1" --kind budget --title BO --unit Centrum:100)
PA=$($W idea add -d "$N/node1" --process "$P" --title Park --unit Centrum --cost 60)
PB=$($W idea add -d "$N/node1" --process "$P" --title Ławki --unit Centrum --cost 50)
status 0 "poll" $W poll open -d "$N/node1" --process "$P" --kind budget --option "$PA" --option "$PB" --max 1
check "nodes converge on the poll" wait_converged "$DL" $four
for v in 1 2 3 4 5 6; do
	$W keygen --out "$T/r$v.key" >/dev/null
	c=$PA
	[ $((v % 3)) -eq 0 ] && c=$PB
	$W vote -d "$N/node$((v % 4 + 1))" --process "$P" --key "$T/r$v.key" "$c" >/dev/null ||
		bad "vote $v"
done
check "nodes converge on the ballots" wait_converged "$DL" $four
status 0 "node1 closes" $W close -d "$N/node1" --process "$P"
for i in 1 2 3 4; do
	check "node$i holds the certificate" wait_until "$DL" has_cert "$N/node$i" $i
done
RH=$(jget "$T/res.1" 'j["result_hash"]')

# A fifth member: three of four approve (quorum 3 of 4).
$W init -d "$N/node5" --name "Fundacja Nowa" --role ngo >/dev/null
$W founder -d "$N/node5" --endpoint "tcp://127.0.0.1:$((BASE + 4))" >"$T/n5.rec"
status 0 "member add" $W member add -d "$N/node1" "$T/n5.rec" --reason joins
ADD=$(cat "$T/out")
holds() { $W show -d "$1" "$2" >/dev/null 2>&1; }
check "node2 and node3 hold the change" wait_until "$DL" sh -c \
	"'$W' show -d '$N/node2' '$ADD' >/dev/null 2>&1 && '$W' show -d '$N/node3' '$ADD' >/dev/null 2>&1"
$W member approve -d "$N/node2" "$ADD" >/dev/null
$W member approve -d "$N/node3" "$ADD" >/dev/null
five() { [ "$($W member list -d "$1" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["members"]))')" = 5 ]; }
for i in 1 2 3 4; do check "node$i has five members" wait_until "$DL" five "$N/node$i"; done

status 0 "result still shows the certificate" $W result -d "$N/node2" --process "$P" --json
check "... the same one" jtrue "$T/out" 'j["result_hash"] == "'"$RH"'" and j["winners"] == ["'"$PA"'"]'
status 0 "tally: still certified" $W tally -d "$N/node3" --process "$P" --json
check "... with its hash" jtrue "$T/out" 'j["certified"] is True and j["hash"] == "'"$RH"'"'
status 1 "close again is refused" $W close -d "$N/node1" --process "$P"
oneline "close again: one line"
# Restarted, the nodes find the certificate under the earlier roster and
# take no part in any close of it.
for i in 1 2 3 4; do
	stop_node "$N/node$i"
	: >"$N/node$i.log"
	start_node "$N/node$i" || bad "node$i restarts"
done
for i in 1 2 3 4; do
	check "node$i, restarted, keeps to the certificate" wait_until "$DL" \
		grep -q "certified under the earlier roster" "$N/node$i.log"
done
for i in 1 2 3 4; do
	status 0 "node$i: result after the restarts" $W result -d "$N/node$i" --process "$P" --json
	check "node$i: the same certificate" jtrue "$T/out" 'j["result_hash"] == "'"$RH"'"'
done
check "nobody posted a statement under the new roster" sh -c \
	"! grep -q 'posted \(Prepare\|Promise\|Proposal\|Cosign\)' '$N/node1.log' '$N/node2.log' '$N/node3.log' '$N/node4.log'"
for i in 1 2 3 4; do stop_node "$N/node$i"; done
check_logs
