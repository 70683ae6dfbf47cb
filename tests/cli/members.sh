# `wiec member` on one node, without a daemon: a one-founder network
# (quorum 1) adds a second member with its own signature; then two are
# needed. Every refusal is one line with the README's exit status.
. tests/cli/lib.sh

$W init -d "$T/a" --name "Miasto" --role city >/dev/null
$W init -d "$T/b" --name "Fundacja" --role ngo >/dev/null
$W founder -d "$T/b" --endpoint tcp://127.0.0.1:7999 >"$T/b.rec"
$W founder -d "$T/a" --endpoint tcp://127.0.0.1:7998 >"$T/a.rec"
KB=$($W id -d "$T/b")
jq_() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }

status 0 "member list of a one-founder network" $W member list -d "$T/a" --json
cp "$T/out" "$T/l0.json"
check "one member, quorum 1, no change" test "$(jq_ "$T/l0.json" '(len(j["members"]), j["quorum"], j["changes"], j["head"])')" = "(1, 1, 0, None)"
status 0 "member list as text" $W member list -d "$T/a"
check "the text names the member" grep -q "Miasto" "$T/out"

status 2 "member add without a record" $W member add -d "$T/a"
oneline "one line"
printf 'not a record\n' >"$T/bad.rec"
status 5 "member add of a malformed record" $W member add -d "$T/a" "$T/bad.rec"
oneline "one line"
status 1 "member add of an existing member" $W member add -d "$T/a" "$T/a.rec"
oneline "one line"
status 0 "member add (quorum 1: the author's signature is enough)" \
	$W member add -d "$T/a" "$T/b.rec" --reason "joins" --json
ADD=$(jq_ "$T/out" 'j["id"]')
status 0 "member list" $W member list -d "$T/a" --json
cp "$T/out" "$T/l1.json"
check "two members, quorum 2, head is the change" \
	test "$(jq_ "$T/l1.json" '(len(j["members"]), j["quorum"], j["changes"], j["head"])')" = "(2, 2, 1, '$ADD')"
check "the new member's record" test "$(jq_ "$T/l1.json" '[(m["name"], m["role"], m["endpoints"]) for m in j["members"] if m["name"] == "Fundacja"][0]')" = "('Fundacja', 'ngo', ['tcp://127.0.0.1:7999'])"
status 1 "adding it again is refused" $W member add -d "$T/a" "$T/b.rec"
oneline "one line"

status 2 "member rm without --reason" $W member rm -d "$T/a" "$KB"
oneline "one line"
status 2 "member rm of a bad key" $W member rm -d "$T/a" nokey --reason x
oneline "one line"
$W init -d "$T/c" --name "Outsider" --role other >/dev/null
status 1 "member rm of a non-member" $W member rm -d "$T/a" "$($W id -d "$T/c")" --reason x
oneline "one line"
status 0 "member rm of the new member" $W member rm -d "$T/a" "$KB" --reason "left"
RM=$(cat "$T/out")
status 0 "member list" $W member list -d "$T/a" --json
cp "$T/out" "$T/l2.json"
check "still two members: one signature of two" test "$(jq_ "$T/l2.json" 'len(j["members"])')" = 2
check "the removal is open with its author as the one signer" \
	test "$(jq_ "$T/l2.json" '[(p["id"], p["op"], p["state"], len(p["signers"])) for p in j["pending"]]')" = "[('$RM', 'remove', 'open', 1)]"
status 0 "the author approving its own change" $W member approve -d "$T/a" "$RM"
status 0 "member list" $W member list -d "$T/a" --json
check "counts once" test "$(jq_ "$T/out" '[len(p["signers"]) for p in j["pending"]]')" = "[1]"
status 0 "member list as text" $W member list -d "$T/a"
check "the text shows the open change" grep -q "remove .*: open, signed by 1 of 2" "$T/out"

status 2 "approve: not an id" $W member approve -d "$T/a" xyz
oneline "one line"
status 1 "approve: an id not held" $W member approve -d "$T/a" "$(printf '%064d' 0)"
oneline "one line"
IDEA=$($W idea add -d "$T/a" --title "an idea")
status 2 "approve: an idea" $W member approve -d "$T/a" "$IDEA"
oneline "one line"
status 1 "rotate onto another member's key" $W member rotate -d "$T/a" "$KB" "$T/a.rec" --reason x
oneline "one line"
status 2 "rotate without --reason" $W member rotate -d "$T/a" "$KB" "$T/b.rec"
oneline "one line"
$W member list -d "$T/a" --json >"$T/x1"
$W member list -d "$T/a" --json >"$T/x2"
check "member list --json is stable" cmp -s "$T/x1" "$T/x2"
status 0 "verify" $W verify -d "$T/a"

# A rotated member is one author across its keys (spec/members.md section
# 4): a registrar that rotated, then revokes with its new key, revokes (the
# old key's issue had stayed the latest by seq, and the resident kept
# voting); a reviewer's evaluation with the new key replaces the old key's
# (both counted before).
R=$T/rot
$W init -d "$R" --name City --role city >/dev/null
$W init -d "$T/rotnew" --name City --role city >/dev/null
$W keygen --out "$T/anna.key" >"$T/anna.pub"
KO=$($W id -d "$R")
RP=$($W process create -d "$R" --kind consultation --title Q --registrar "$KO" --reviewer "$KO" --eligibility)
$W credential issue -d "$R" --process "$RP" --subject "$(cat "$T/anna.pub")" >/dev/null
RI=$($W idea add -d "$R" --process "$RP" --key "$T/anna.key" --title X)
$W poll open -d "$R" --process "$RP" --kind approval --option "$RI" >/dev/null
for i in 1 2 3 4 5; do	# the old key's seq runs well ahead of the new key's
	$W idea evaluate -d "$R" "$RI" --feasibility feasible --reason "before $i" >/dev/null
done
$W founder -d "$T/rotnew" --endpoint tcp://127.0.0.1:1 >"$T/rotnew.rec"
status 0 "rotate the only member's keys" $W member rotate -d "$R" "$KO" "$T/rotnew.rec" --reason newkey
cp "$T/rotnew/identity.key" "$T/rotnew/transport.key" "$R/"
status 0 "revoke with the new key" $W credential revoke -d "$R" --process "$RP" --subject "$(cat "$T/anna.pub")"
status 1 "the revoked resident's vote is refused" $W vote -d "$R" --process "$RP" --key "$T/anna.key" "$RI"
check "... as not eligible" grep -q "not_eligible" "$T/err"
status 0 "evaluate with the new key" $W idea evaluate -d "$R" "$RI" --feasibility not-feasible --reason after
status 0 "idea show" $W idea show -d "$R" "$RI" --json
check "one counted evaluation, the new key's" python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
ev = [e for e in j["evaluations"] if e.get("counted", True)]
sys.exit(not (len(ev) == 1 and ev[0]["reason"] == "after"))' "$T/out"
