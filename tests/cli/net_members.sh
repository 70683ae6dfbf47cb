# The members of a running network change by quorum (spec/members.md):
# four founders (quorum 3) add a fifth organisation, which is admitted,
# dialled and syncs; then remove one, whose connections are closed and
# refused; then rotate one's transport key: the new key is admitted and the
# old one refused, and none of the others restarts. Every "refused" rests
# on a refusal the node made (tool-badpeer sees ZAP status 400), every
# "took effect" on the node's own log line or the roster it prints.
. tests/cli/lib.sh
. tests/cli/netlib.inc
t0=$(now_s)
DL=$((60 * SLOW))
need_badpeer

pick_base 5 27600 || { bad "5 free ports"; exit 1; }
status 0 "testnet of 4 on ports $BASE.." $W testnet "$T/net" --nodes 4 --base-port "$BASE"
N=$T/net
EP1=tcp://127.0.0.1:$BASE
EP4=tcp://127.0.0.1:$((BASE + 3))
EP5=tcp://127.0.0.1:$((BASE + 4))

# The new organisation's data directory: the network's genesis (a copy of
# a founder's store before it ran: it holds the genesis only) under its own
# keys and config, no peers file: the members dial it once it is added.
$W init -d "$T/new" --name "Fundacja Nowa" --role ngo >/dev/null
cp -a "$N/node4" "$T/node5"
cp "$T/new/identity.key" "$T/new/transport.key" "$T/new/config" "$T/node5/"
rm -f "$T/node5/peers"
echo "listen = $EP5" >>"$T/node5/config"
N5=$T/node5
# node4 as it is now (its old transport key, for the refusal later), and
# its record under a new transport key.
cp -a "$N/node4" "$T/old4"
$W init -d "$T/k4" --name x --role other >/dev/null
cp -a "$N/node4" "$T/rot4"
cp "$T/k4/transport.key" "$T/rot4/transport.key"
status 0 "node4's record with a new transport key" $W founder -d "$T/rot4" --endpoint "$EP4"
cp "$T/out" "$T/rot4.rec"

key_of() { $W id -d "$1"; }
K1=$(key_of "$N/node1")
K3=$(key_of "$N/node3")
K4=$(key_of "$N/node4")
K5=$(key_of "$N5")
X3=$("$BP" pubkey "$N/node3")
X1=$("$BP" pubkey "$N/node1")

up=0
for i in 1 2 3 4; do start_node "$N/node$i" && up=$((up + 1)); done
check "nodes 1-4 running" test $up -eq 4
four="$N/node1 $N/node2 $N/node3 $N/node4"
$W idea add -d "$N/node2" --title "before the new member" >/dev/null
check "nodes 1-4 converge" wait_converged "$DL" $four

# roster DIR EXPR: EXPR over `member list --json` of DIR (as j).
roster() { $W member list -d "$1" --json >"$T/r.json" 2>/dev/null && jget "$T/r.json" "$2"; }
nmembers() { roster "$1" 'len(j["members"])'; }
is_n() { [ "$(nmembers "$1")" = "$2" ]; }
all_n() {
	want=$1
	shift
	for d in "$@"; do is_n "$d" "$want" || return 1; done
}
holds() { $W show -d "$1" "$2" >/dev/null 2>&1; }
signers() { roster "$1" "[len(p['signers']) for p in j['pending'] if p['id'] == '$2'][0]"; }
has_signers() { [ "$(signers "$1" "$2")" = "$3" ]; }

# ---- add a fifth member: three signatures of four ----
$W founder -d "$N5" --endpoint "$EP5" >"$T/n5.rec"
# node5's record under a new identity key (same transport key), for later.
$W init -d "$T/k5" --name x --role other >/dev/null
cp -a "$N5" "$T/id5"
cp "$T/k5/identity.key" "$T/id5/identity.key"
$W founder -d "$T/id5" --endpoint "$EP5" >"$T/id5.rec"
status 0 "member add at node1" $W member add -d "$N/node1" "$T/n5.rec" --reason "joins the forum"
ADD=$(cat "$T/out")
check "it printed the change's id" match "$ADD" '[0-9a-f]\{64\}$'
check "node2 holds the change" wait_until "$DL" holds "$N/node2" "$ADD"
status 0 "node2 approves" $W member approve -d "$N/node2" "$ADD"
check "node3 sees two signers" wait_until "$DL" has_signers "$N/node3" "$ADD" 2
check "two of the three needed change nothing at node3" is_n "$N/node3" 4
check "the change is open at node3" test "$(roster "$N/node3" "[p['state'] for p in j['pending']][0]")" = open
status 0 "node3 approves" $W member approve -d "$N/node3" "$ADD"
check "nodes 1-4 have five members" wait_until "$DL" all_n 5 $four
check "quorum for five is 4" test "$(roster "$N/node1" 'j["quorum"]')" = 4
check "node1 admitted the new member" wait_until "$DL" log_has "$N/node1" "member .* (Fundacja Nowa) was added: admitting it"
status 1 "adding it again is refused" $W member add -d "$N/node1" "$T/n5.rec"
oneline "one line"

start_node "$N5"
check "node5 runs" node_alive "$N5"
five="$four $N5"
$W idea add -d "$N/node1" --title "welcome" >/dev/null
check "node5 is dialled and syncs: all five converge" wait_converged "$DL" $five
peer_names() { st "$1" "$T/p.json"; jget "$T/p.json" '",".join(sorted(p["name"] for p in j["peers"] if p["connected"]))'; }
connected_to() { match "$(peer_names "$1")" ".*$2"; }
check "node1 lists node5 among its connected peers" wait_until "$DL" connected_to "$N/node1" "Fundacja Nowa"
check "node5 knows it is a member" wait_until "$DL" log_has "$N5" "this node is now a member"
check "node5 prints the same roster" test "$(roster "$N5" 'j["members"]')" = "$(roster "$N/node1" 'j["members"]')"
$W idea add -d "$N5" --title "an idea from the new member" >/dev/null
check "node5's post reaches everyone" wait_converged "$DL" $five

# ---- remove node3: four of five ----
status 0 "member rm at node1" $W member rm -d "$N/node1" "$K3" --reason "left the forum"
RM=$(cat "$T/out")
for i in 2 5; do
	d=$N/node$i
	[ "$i" = 5 ] && d=$N5
	wait_until "$DL" holds "$d" "$RM"
	$W member approve -d "$d" "$RM" >/dev/null
done
check "three of the four needed change nothing" wait_until "$DL" has_signers "$N/node1" "$RM" 3
check "node3 is still a member then" test "$(nmembers "$N/node1")" = 5
wait_until "$DL" holds "$N/node4" "$RM"
status 0 "node4 approves" $W member approve -d "$N/node4" "$RM"
rest="$N/node1 $N/node2 $N/node4 $N5"
check "the others have four members" wait_until "$DL" all_n 4 $rest
check "node3's key is former" test "$(roster "$N/node1" 'len(j["former"])')" = 1
check "node1 closed node3's links" wait_until "$DL" log_has "$N/node1" "member .* (Gdansk University) was removed: closing its links"
check "node4 closed node3's links" wait_until "$DL" log_has "$N/node4" "member .* (Gdansk University) was removed: closing its links"
"$BP" --wait $((30000 * SLOW)) --server-key "$X1" "$N/node3" "$EP1" recon >"$T/bp" 2>&1
sed 's/^/# /' "$T/bp"
check "node3's handshake is refused by node1 (ZAP 400)" \
	grep -q 'handshake refused by the node: ZAP status 400' "$T/bp"
check "node1 logs node3's transport key refused" wait_until "$DL" \
	log_has "$N/node1" "refused a connection from .*transport key $(echo "$X3" | cut -c1-16)"
check "node1 lists node3 no more" test "$(st "$N/node1" "$T/p.json"; jget "$T/p.json" 'sorted(p["name"] for p in j["peers"])')" = "['Fundacja Nowa', 'Fundacja Wiec', 'Pomeranian Chamber of Commerce']"
$W idea add -d "$N/node2" --title "after the removal" >/dev/null
check "the four remaining converge" wait_converged "$DL" $rest
check "quorum for four is 3" test "$(roster "$N/node2" 'j["quorum"]')" = 3

# ---- rotate node4's transport key: three of four ----
pid1=$(node_pid "$N/node1")
status 0 "member rotate at node1" $W member rotate -d "$N/node1" "$K4" "$T/rot4.rec" --reason "new server"
ROT=$(cat "$T/out")
for d in "$N/node2" "$N5"; do
	wait_until "$DL" holds "$d" "$ROT"
	$W member approve -d "$d" "$ROT" >/dev/null
done
NEWX4=$("$BP" pubkey "$T/rot4")
check "the rotation took effect at node1" wait_until "$DL" log_has "$N/node1" \
	"member .* (Pomeranian Chamber of Commerce) rotated its keys"
check "node1's roster has node4's new transport key" \
	test "$(roster "$N/node1" "[m['transport'] for m in j['members'] if m['name'].startswith('Pomeranian')][0]")" = "$NEWX4"
"$BP" --wait $((30000 * SLOW)) --server-key "$X1" "$T/old4" "$EP1" recon >"$T/bp" 2>&1
sed 's/^/# /' "$T/bp"
check "node4's old transport key is refused by node1 (ZAP 400)" \
	grep -q 'handshake refused by the node: ZAP status 400' "$T/bp"
"$BP" --wait $((30000 * SLOW)) --server-key "$X1" "$T/rot4" "$EP1" recon >"$T/bp" 2>&1
sed 's/^/# /' "$T/bp"
check "node4's new transport key is admitted by node1" grep -q '^recon: done' "$T/bp"
# node4 takes its new key (it restarts; the others do not).
stop_node "$N/node4"
cp "$T/k4/transport.key" "$N/node4/transport.key"
start_node "$N/node4"
$W idea add -d "$N/node4" --title "under the new key" >/dev/null
check "node4 under its new key syncs with the others" wait_converged "$DL" $rest
check "node1 was not restarted" test "$(node_pid "$N/node1")" = "$pid1"
check "every member prints the same roster" test "$(for d in $rest; do roster "$d" 'j'; done | sort -u | wc -l)" = 1

# ---- rotate node5's identity key: three of four ----
status 0 "member rotate of node5's identity at node2" $W member rotate -d "$N/node2" "$K5" "$T/id5.rec" --reason "new identity"
IDR=$(cat "$T/out")
for d in "$N/node1" "$N/node4"; do
	wait_until "$DL" holds "$d" "$IDR"
	$W member approve -d "$d" "$IDR" >/dev/null
done
NEWK5=$($W id -d "$T/id5")
newkey() { roster "$1" "[m['key'] for m in j['members'] if m['name'] == 'Fundacja Nowa'][0]"; }
hexof() { python3 -c 'import base64,sys; print(base64.urlsafe_b64decode(sys.argv[1][2:] + "=").hex())' "$1"; }
NEWH5=$(hexof "$NEWK5")
OLDH5=$(hexof "$K5")
has_newkey() { [ "$(newkey "$1")" = "$NEWH5" ]; }
check "node1 maps node5 to its new identity" wait_until "$DL" has_newkey "$N/node1"
check "and keeps the old one as an earlier key" test "$(roster "$N/node1" "[m['earlier_keys'] for m in j['members'] if m['name'] == 'Fundacja Nowa'][0]")" = "['$OLDH5']"
check "node1 reconnects under the new identity" wait_until "$DL" log_has "$N/node1" \
	"member .* (Fundacja Nowa) rotated its keys"
check "node5 learns it must install the new identity" wait_until "$DL" log_has "$N5" \
	"this node's identity key was rotated"
# node5's node still runs under its earlier identity: its Hello names that
# key. That is the member, not an impostor: answered, not banned (a ban
# would keep node5 out for a minute after its restart).
"$BP" --wait $((30000 * SLOW)) --server-key "$X1" "$N5" "$EP1" recon >"$T/bp" 2>&1
sed 's/^/# /' "$T/bp"
check "a Hello under node5's earlier identity is answered" grep -q '^recon: done' "$T/bp"
check "node1 did not ban node5" test "$(grep -c 'Fundacja Nowa) is on another network' "$N/node1.log")" = 0
stop_node "$N5"
nwarn0=$(grep -c "is not a member of its network\|identity key was rotated" "$N5.log")
cp "$T/id5/identity.key" "$N5/identity.key"
start_node "$N5"
$W idea add -d "$N5" --title "under the new identity" >/dev/null
check "node5 under its new identity syncs with the others" wait_converged "$DL" $rest
# Its restart under the new key reads the roster at start: no warning then.
nwarn() { grep -c "is not a member of its network\|identity key was rotated" "$N5.log"; }
check "node5 restarted as a member (no new warning)" test "$(nwarn)" = "$nwarn0"
check "node1 holds the idea signed by the new identity" test "$($W log -d "$N/node1" --author "$NEWK5" --json | grep -c 'under the new identity')" = 1

stt=0
for d in $five; do
	[ -f "$d.pid" ] || continue
	stop_node "$d" || stt=1
done
check "every node stops with exit 0" test $stt -eq 0
check_logs
echo "# net_members: $(($(now_s) - t0))s"
