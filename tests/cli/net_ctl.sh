# The control socket (spec/sync.md section 6): two organisations whose
# names hold quotes, commas, braces, a backslash and non-ASCII text run
# real nodes; `wiec peers` and `wiec status --json` show each name exactly;
# posts and imports go through the node; the node refuses malformed,
# foreign-version and old-protocol requests with a reply and keeps serving.
. tests/cli/lib.sh
. tests/cli/netlib.inc
DL=$((60 * SLOW))
RAW=$B/tool-ctlraw

NAME_A='Quote " comma, {brace} [x] Gdańsk ☀ 城市 🌳'
NAME_B='Back\slash "q", {"k": 1} Łódź – Ünïcödé'
pick_base 2 27400 || { bad "2 free ports"; exit 1; }
status 0 "init A" $W init -d "$T/a" --name "$NAME_A" --role city
status 0 "init B" $W init -d "$T/b" --name "$NAME_B" --role ngo
$W founder -d "$T/a" --endpoint "tcp://127.0.0.1:$BASE" >"$T/a.rec"
$W founder -d "$T/b" --endpoint "tcp://127.0.0.1:$((BASE + 1))" >"$T/b.rec"
status 0 "genesis of the two" $W genesis new --name 'Sieć "A, B"' --out "$T/g" "$T/a.rec" "$T/b.rec"
for o in a b; do
	$W genesis sign -d "$T/$o" "$T/g" >/dev/null 2>&1
done
for o in a b; do
	status 0 "install in $o" $W genesis install -d "$T/$o" "$T/g"
done
status 0 "A dials B" $W peer add -d "$T/a" --key "$($W id -d "$T/b")"
status 0 "B dials A" $W peer add -d "$T/b" --key "$($W id -d "$T/a")"
echo "listen = tcp://127.0.0.1:$BASE" >>"$T/a/config"
echo "listen = tcp://127.0.0.1:$((BASE + 1))" >>"$T/b/config"

status 1 "peers with no node: one line" $W peers -d "$T/a"
oneline "peers with no node is one line"
check "status --json with no node: stopped, no peers" sh -c \
	"$W status -d '$T/a' --json >'$T/s0.json' && python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(not (j[\"node\"] == \"stopped\" and j[\"peers\"] == []))' '$T/s0.json'"

# Under an open umask too, the control socket is the owner's alone (other
# local users could once connect and use up the node's descriptors).
umask 000
check "node A up" start_node "$T/a"
umask 077
check "the control socket is 0600 under umask 000" test "$(stat -c %a "$T/a/node.sock")" = 600
check "node B up" start_node "$T/b"
check "A and B connected" wait_until "$DL" sh -c "$W peers -d '$T/a' | grep -q ' yes ' && $W peers -d '$T/b' | grep -q ' yes '"

# The names, exactly, in JSON a strict parser takes.
name_is() {	# FILE EXPR NAME: python expression over j equals NAME
	NAME=$3 python3 -c 'import json,os,sys
j = json.load(open(sys.argv[1], encoding="utf-8"))
sys.exit(0 if eval(sys.argv[2]) == os.environ["NAME"] else 1)' "$1" "$2"
}
status 0 "peers --json on A" $W peers -d "$T/a" --json
cp "$T/out" "$T/pa.json"
check "peers --json on A: B's name exactly" name_is "$T/pa.json" 'j[0]["name"]' "$NAME_B"
check "peers --json on A: B's id" name_is "$T/pa.json" 'j[0]["id"]' "$($W id -d "$T/b")"
check "peers --json on A: B's endpoint" name_is "$T/pa.json" 'j[0]["endpoint"]' "tcp://127.0.0.1:$((BASE + 1))"
check "peers --json on A: connected is true" test "$(jget "$T/pa.json" 'j[0]["connected"]')" = True
status 0 "status --json on B" $W status -d "$T/b" --json
cp "$T/out" "$T/sb.json"
check "status --json on B: running" test "$(jget "$T/sb.json" 'j["node"]')" = running
check "status --json on B: A's name exactly" name_is "$T/sb.json" 'j["peers"][0]["name"]' "$NAME_A"
check "status --json on B: one peer, every field" test "$(jget "$T/sb.json" \
	'sorted(j["peers"][0].keys())')" = "['bytes_in', 'bytes_out', 'connected', 'dialed', 'dropped', 'endpoint', 'events_in', 'events_out', 'id', 'invalid', 'lag', 'last_seen', 'name']"
# The table: valid UTF-8, the name cut at a character (24 of them).
status 0 "peers on B (table)" $W peers -d "$T/b"
check "peers table is valid UTF-8" python3 -c 'import sys; open(sys.argv[1], encoding="utf-8").read()' "$T/out"
check "peers table: A's name, its first 24 characters" env NAME="$NAME_A" python3 -c 'import os,sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
sys.exit(0 if len(lines) == 2 and os.environ["NAME"][:24] in lines[1] else 1)' "$T/out"
check "peers table: A's endpoint and up" grep -q "tcp://127.0.0.1:$BASE *yes " "$T/out"

# Writes through the running nodes: acknowledged after commit, then synced.
status 0 "idea through node A" $W idea add -d "$T/a" --title 'Trees, "many" {now}'
check "a 64-hex id printed" match "$(cat "$T/out")" '[0-9a-f]\{64\}$'
status 0 "comment through node B" $W comment add -d "$T/b" --on "$(cat "$T/out")" --body 'Yes, ☀'
check "A and B converge" wait_converged "$DL" "$T/a" "$T/b"
$W keygen --out "$T/res.key" >/dev/null 2>&1
status 0 "export A while its node runs" $W export -d "$T/a" -o "$T/a.export"
status 0 "import through node B" $W import -d "$T/b" "$T/a.export"
check "import through node B: all duplicates" grep -q '^imported: 0 added, [1-9][0-9]* duplicate' "$T/out"
# One bit of the last record's signature flipped (writing a fixed byte
# there changed nothing when the byte already was that one: 1 run in 256).
python3 - "$T/a.export" "$T/bad.export" <<'PY'
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
d[-3] ^= 0x01
open(sys.argv[2], 'wb').write(bytes(d))
PY
status 5 "import of a forged record through node B" $W import -d "$T/b" "$T/bad.export"
check "the node's per-record outcome is named" grep -q 'refused: bad signature' "$T/err"
status 0 "a resident's idea through A" $W idea add -d "$T/a" --key "$T/res.key" --title 'Résident'
check "A and B converge again" wait_converged "$DL" "$T/a" "$T/b"

# What a node says to clients that break the protocol; it keeps serving.
status 0 "raw: a valid status" "$RAW" "$T/a" status
check "raw status: version 1, one peer" test "$(cat "$T/out")" = "version 1 status 1 peers"
status 0 "raw: version 2 is answered with our version alone" "$RAW" "$T/a" v2
check "raw v2: version 1 only" test "$(cat "$T/out")" = "version 1 only"
status 0 "raw: no version" "$RAW" "$T/a" noversion
check "raw noversion: an error" grep -q '^version 1 error -40 malformed request' "$T/out"
status 0 "raw: garbage" "$RAW" "$T/a" garbage
check "raw garbage: an error" grep -q '^version 1 error -21 malformed request' "$T/out"
status 0 "raw: an unknown field" "$RAW" "$T/a" unknown
check "raw unknown: an error" grep -q '^version 1 error -23 malformed request' "$T/out"
status 0 "raw: an empty envelope" "$RAW" "$T/a" empty-env
check "raw empty envelope: an error" grep -q '^version 1 error -40 malformed request' "$T/out"
status 0 "raw: two frames" "$RAW" "$T/a" multi
check "raw multi: an error" grep -q '^version 1 error -40 malformed request: more than one frame' "$T/out"
status 0 "raw: a wiec of protocol 0" "$RAW" "$T/a" legacy
check "raw legacy: answered in its own frames" test "$(cat "$T/out")" = \
	"frames: error | this node speaks control protocol 1; this wiec speaks 0"
check "node A still serves" node_up "$T/a"
status 0 "status on A after all that" $W status -d "$T/a" --json
check "A logged no error" test "$(grep -c ' E ' "$T/a.log")" -eq 0

check "A stops cleanly" stop_node "$T/a"
check "B stops cleanly" stop_node "$T/b"
check_logs
