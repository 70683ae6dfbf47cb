# Closing a vote on real nodes (spec/close.md, spec/tally.md section 5):
# four organisations, quorum 3. A certificate forms while one node is
# down; `wiec result` shows it (frontier, winners, one signature per
# cosigning member) identically on every node and checks it; a ballot
# the quorum held before the close is in the frontier; ballots that
# arrive after the certificate never change it. Then a 2|2 partition (each
# half's peers file names only its own half): no certificate while split
# (anchored on both halves having promised a round: they had the chance),
# exactly one after the heal. Then a member is SIGKILLed between its
# statements and restarted: close_log_audit over an export blames no one.
. tests/cli/lib.sh
. tests/cli/netlib.inc
DL=$((90 * SLOW))

pick_base 4 28400 || { bad "4 free ports"; exit 1; }
status 0 "testnet of 4 on ports $BASE.." $W testnet "$T/net" --nodes 4 --base-port "$BASE"
N=$T/net
key_of() { $W id -d "$1"; }
K1=$(key_of "$N/node1")
K3=$(key_of "$N/node3")
cp -a "$N/node4" "$T/pristine"	# the genesis only: an auditor's empty store

up=0
for i in 1 2 3; do start_node "$N/node$i" && up=$((up + 1)); done
check "nodes 1-3 running (node4 down)" test $up -eq 3
three="$N/node1 $N/node2 $N/node3"

# A budget process owned by node1, with residents voting through nodes 1-3.
# mkvote TAG NVOTERS: a process with a poll and NVOTERS ballots; sets P, PA, PB.
mkvote() {
	$W process create -d "$N/node1" --owner "$K1" --owner "$K3" --kind budget --title "BO $1" --phase ideation --unit "Centrum:100" \
		--registrar "$K1" --eligibility --phase voting >"$T/p" 2>"$T/err" || return 1
	P=$(cat "$T/p")
	$W credential issue -d "$N/node1" --process "$P" --subject "$K1" --attr unit=Centrum \
		>/dev/null || return 1
	PA=$($W idea add -d "$N/node1" --process "$P" --title Park --unit Centrum --cost 60)
	PB=$($W idea add -d "$N/node1" --process "$P" --title Ławki --unit Centrum --cost 50)
	$W poll open -d "$N/node1" --process "$P" --kind budget --option "$PA" --option "$PB" \
		--max 1 >/dev/null || return 1
	v=1
	while [ $v -le "$2" ]; do
		$W keygen --out "$T/$1.r$v.key" >"$T/$1.r$v.pub" 2>/dev/null
		$W credential issue -d "$N/node1" --process "$P" --subject "$(cat "$T/$1.r$v.pub")" \
			--attr unit=Centrum >/dev/null || return 1
		v=$((v + 1))
	done
	wait_converged "$DL" $three || return 1
	v=1
	while [ $v -le "$2" ]; do
		node=$((v % 3 + 1))
		choice=$PA
		[ $((v % 3)) -eq 0 ] && choice=$PB
		$W vote -d "$N/node$node" --process "$P" --key "$T/$1.r$v.key" "$choice" \
			>"$T/$1.v$v" || return 1
		v=$((v + 1))
	done
}

check "process with 6 ballots" mkvote a 6
# Three more residents, registered before the close, vote only after the
# certificate, through node4, which is down and holds a copy of the log
# from before the close: their ballots reach the others by gossip, as a
# ballot from a node that had not seen the close would.
for v in 7 8 9; do
	$W keygen --out "$T/late$v.key" >"$T/late$v.pub" 2>/dev/null
	$W credential issue -d "$N/node1" --process "$P" --subject "$(cat "$T/late$v.pub")" \
		--attr unit=Centrum >/dev/null
done
check "nodes 1-3 converge" wait_converged "$DL" $three
status 0 "export node1 before the close" $W export -d "$N/node1" -o "$T/pre.export"
status 0 "node4 (down) imports it" $W import -d "$N/node4" "$T/pre.export"
LAST=$(cat "$T/a.v6")
status 1 "result before any close: no certificate yet" $W result -d "$N/node2" --process "$P"
oneline "no certificate: one line"
status 1 "close by a non-owner is refused" $W close -d "$N/node2" --process "$P"
oneline "non-owner close: one line"
status 0 "node1 (owner) closes" $W close -d "$N/node1" --process "$P"

for i in 1 2 3; do
	check "node$i holds a certificate with node4 down" wait_until "$DL" has_cert "$N/node$i" $i
done
# A member may still add its cosign after another holds the certificate:
# compare once the nodes hold the same events.
check "nodes 1-3 converge after the certificate" wait_converged "$DL" $three
for i in 1 2 3; do has_cert "$N/node$i" $i; done
check "result --json: frontier, winners, 3+ signatures with member keys" jtrue "$T/res.1" \
	'len(j["frontier"]) > 0 and j["winners"] == ["'"$PA"'"] and len(j["signatures"]) >= 3 and all(len(s["member"]) == 64 for s in j["signatures"])'
check "node1's certificate names a round" jtrue "$T/res.1" '"round" in j'
check "same certificate on nodes 1-3" cmp "$T/res.1" "$T/res.2"
check "same certificate on nodes 1-3 (3)" cmp "$T/res.1" "$T/res.3"
check "the last ballot held by the quorum before the close is in the frontier" jtrue "$T/res.1" \
	'"'"$LAST"'" in j["frontier"]'
status 1 "close again after the certificate is refused" $W close -d "$N/node1" --process "$P"
oneline "close again: one line"
status 0 "result (text)" $W result -d "$N/node2" --process "$P"
check "text names the signers" grep -q "signed by" "$T/out"

# Later ballots never change it: three votes for Ławki arrive after. A
# node that holds the Close refuses them at submission (closed); node4,
# down and without the Close, takes them, and gossips them when it starts.
status 1 "a ballot after the close is refused at submission" $W vote -d "$N/node2" \
	--process "$P" --key "$T/late7.key" "$PB"
check "... naming the reason" grep -q closed "$T/err"
for v in 7 8 9; do
	$W vote -d "$N/node4" --process "$P" --key "$T/late$v.key" "$PB" >"$T/late$v.id" ||
		bad "late ballot $v through node4"
done
start_node "$N/node4"
check "all four converge after node4 is back" wait_converged "$DL" $three "$N/node4"
check "node4 holds the same certificate" has_cert "$N/node4" 4
has_cert "$N/node1" 1b
# node4 may add its own cosign once it is back: the certified value, the
# frontier and the winners are what never change.
certval() { jget "$1" '(j["proposal"], j["frontier"], j["winners"], j["result_hash"], j["round"])'; }
check "node4's certificate is the same" test "$(certval "$T/res.1")" = "$(certval "$T/res.4")"
check "node1's certificate did not change after later ballots" \
	test "$(certval "$T/res.1")" = "$(certval "$T/res.1b")"
late_held() { $W show -d "$N/node2" "$(cat "$T/late9.id")" >/dev/null 2>&1; }
check "the late ballots reached node2 by gossip" wait_until "$DL" late_held
check "... and are not in the frontier" jtrue "$T/res.1b" \
	'"'"$(cat "$T/late9.id")"'" not in j["frontier"]'
check "the certified value is not empty" test -n "$(certval "$T/res.1")"
status 0 "tally after the close" $W tally -d "$N/node2" --process "$P" --json
cp "$T/out" "$T/tally.json"
RH=$(jget "$T/res.1" 'j["result_hash"]')
check "tally shows the certified result (its hash, winners), not the later ballots" jtrue \
	"$T/tally.json" 'j["certified"] is True and j["hash"] == "'"$RH"'" and j["winners"] == ["'"$PA"'"]'
# Nor does a version or a poll posted after it (spec/tally.md 4.7): Park's
# author makes it cost more than the unit's budget, an owner opens another
# poll; neither is in the frontier. (Both once changed the recount, and
# `result` said "does not check".)
status 0 "Park's author edits its cost after the certificate" $W idea edit -d "$N/node1" "$PA" --cost 200
status 0 "an owner opens another poll after it" $W poll open -d "$N/node1" --process "$P" --kind budget \
	--option "$PB"
check "nodes 1-3 converge on them" wait_converged "$DL" $three
status 0 "result still checks after the edit and the poll" $W result -d "$N/node2" --process "$P" --json
check "... and shows the certified winners, not a recount with the new cost" jtrue "$T/out" \
	'j["winners"] == ["'"$PA"'"] and j["result_hash"] == "'"$RH"'"'
status 0 "result (text) after the edit" $W result -d "$N/node2" --process "$P"
check "... names no poll posted after the close" sh -c "test \$(grep -c '^poll ' '$T/out') -eq 1"
status 0 "tally after the edit" $W tally -d "$N/node2" --process "$P" --json
check "... is still the certified result" jtrue "$T/out" \
	'j["certified"] is True and j["hash"] == "'"$RH"'" and j["winners"] == ["'"$PA"'"]'

# ---- a 2|2 partition: each half's peers file names only its own half ----
all4="$N/node1 $N/node2 $N/node3 $N/node4"
check "process 2 with 6 ballots" mkvote b 6
check "all four converge on process 2" wait_converged "$DL" $all4
for i in 1 2 3 4; do stop_node "$N/node$i"; cp "$N/node$i/peers" "$T/peers$i"; done
# peers DIR LINE-OF-PEER: a peers file naming one node only.
line_of() { grep "$(key_of "$N/node$1")" "$T/peers$2"; }
line_of 2 1 >"$N/node1/peers"; line_of 1 2 >"$N/node2/peers"
line_of 4 3 >"$N/node3/peers"; line_of 3 4 >"$N/node4/peers"
for i in 1 2 3 4; do start_node "$N/node$i"; done
PS=$(echo "$P" | cut -c1-16)
status 0 "node1 closes in its half" $W close -d "$N/node1" --process "$P"
status 0 "node3 (the other owner) closes in its half" $W close -d "$N/node3" --process "$P"
posted() { grep -q "close $PS: posted $2" "$N/node$1.log"; }
# Each half had its chance: both members promised, and a later round was
# prepared after the first one stalled (a timeout fired).
for i in 1 2 3 4; do
	check "node$i promised a round while split" wait_until "$DL" posted $i Promise
done
check "half 1-2 prepared a later round" wait_until "$DL" sh -c \
	"grep -q 'close $PS: posted Prepare' '$N/node1.log' '$N/node2.log'"
check "half 3-4 prepared a later round" wait_until "$DL" sh -c \
	"grep -q 'close $PS: posted Prepare' '$N/node3.log' '$N/node4.log'"

# SIGKILL node2 between its statements (it has promised; no proposal can
# have a quorum while split), restart it still split: it goes on from its
# own statements in the log.
n2=$(grep -c "close $PS: posted" "$N/node2.log")
kill9_node "$N/node2"
start_node "$N/node2"
more2() { test "$(grep -c "close $PS: posted" "$N/node2.log")" -gt "$n2"; }
check "node2 signs again after the SIGKILL (still split)" wait_until "$DL" more2
for i in 1 2 3 4; do
	status 1 "no certificate on node$i while split" $W result -d "$N/node$i" --process "$P"
done

for i in 1 2 3 4; do stop_node "$N/node$i"; cp "$T/peers$i" "$N/node$i/peers"; start_node "$N/node$i"; done
for i in 1 2 3 4; do
	check "node$i holds a certificate after the heal" wait_until "$DL" has_cert "$N/node$i" p$i
done
check "all four converge after the certificate" wait_converged "$DL" $all4
for i in 1 2 3 4; do has_cert "$N/node$i" p$i; done
check "exactly one certificate: the same on all four (2)" cmp "$T/res.p1" "$T/res.p2"
check "exactly one certificate: the same on all four (3)" cmp "$T/res.p1" "$T/res.p3"
check "exactly one certificate: the same on all four (4)" cmp "$T/res.p1" "$T/res.p4"
check "no second value, no conflicting member, valid by the full rules" jtrue "$T/res.p1" \
	'j["valid"] is True and len(j["signatures"]) >= 3'
check "every ballot held by all before the close is counted" jtrue "$T/res.p1" \
	'"'"$(cat "$T/b.v6")"'" in j["frontier"] and "'"$(cat "$T/b.v1")"'" in j["frontier"]'
# The audit over an export, in a store that never ran a node.
check "all four converge after the heal" wait_converged "$DL" $all4
status 0 "export node2" $W export -d "$N/node2" -o "$T/n2.export"
status 0 "import into an auditor's store" $W import -d "$T/pristine" "$T/n2.export"
status 0 "the auditor's result" $W result -d "$T/pristine" --process "$P" --json
cp "$T/out" "$T/res.audit"
check "auditor: same certificate, every member's chain clean (close_log_audit)" \
	cmp "$T/res.audit" "$T/res.p1"
for i in 1 2 3 4; do stop_node "$N/node$i"; done
! grep -q 'ERROR: AddressSanitizer\|runtime error\|LeakSanitizer' "$N"/node*.log
check "no sanitizer report in any node log" test $? -eq 0
