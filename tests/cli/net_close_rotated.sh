# An owner that rotated its identity key closes its vote with the new key
# (spec/members.md section 4: a rotated member keeps every role granted to
# any of its keys; spec/close.md section 7). Before, `wiec close` refused
# the new key as not_owner, and a Close by it was ignored by every node:
# a city that replaced a leaked key could never close a vote it opened.
. tests/cli/lib.sh
. tests/cli/netlib.inc
DL=$((60 * SLOW))

pick_base 1 28300 || { bad "a free port"; exit 1; }
R=$T/city
$W init -d "$R" --name City --role city >/dev/null
echo "listen = tcp://127.0.0.1:$BASE" >>"$R/config"
$W init -d "$T/new" --name City --role city >/dev/null
KO=$($W id -d "$R")
P=$($W process create -d "$R" --owner "$KO" --kind budget --title BO --unit Centrum:100)
PA=$($W idea add -d "$R" --process "$P" --title Park --unit Centrum --cost 60)
PB=$($W idea add -d "$R" --process "$P" --title Ławki --unit Centrum --cost 50)
status 0 "poll" $W poll open -d "$R" --process "$P" --kind budget --option "$PA" --option "$PB" --max 1
for v in 1 2 3; do
	$W keygen --out "$T/r$v.key" >/dev/null
	c=$PA
	[ "$v" -eq 3 ] && c=$PB
	$W vote -d "$R" --process "$P" --key "$T/r$v.key" "$c" >/dev/null || bad "vote $v"
done
$W founder -d "$T/new" --endpoint "tcp://127.0.0.1:$BASE" >"$T/new.rec"
status 0 "rotate the owner's keys" $W member rotate -d "$R" "$KO" "$T/new.rec" --reason "leaked key"
cp "$T/new/identity.key" "$T/new/transport.key" "$R/"
KN=$($W id -d "$R")
check "the node now signs with the new key" test "$KN" != "$KO"
status 0 "the rotated owner closes" $W close -d "$R" --process "$P"
start_node "$R" || bad "node starts"
check "the close is certified" wait_until "$DL" has_cert "$R" 1
check "... with the vote's winner" jtrue "$T/res.1" 'j["winners"] == ["'"$PA"'"]'
stop_node "$R"
status 0 "verify" $W verify -d "$R"
check_logs
