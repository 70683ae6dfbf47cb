# The genesis ceremony of four organisations on four hosts (spec/network.md),
# done with the CLI, then peers; and every refusal on the way.
. tests/cli/lib.sh

ORGS="city ngo uni biz"
status 0 "init city" $W init -d "$T/city" --name "Gdynia City Hall" --role city
status 0 "init ngo" $W init -d "$T/ngo" --name "Fundacja Wiec" --role ngo
status 0 "init uni" $W init -d "$T/uni" --name "Gdansk University" --role university
status 0 "init biz" $W init -d "$T/biz" --name "Pomeranian Chamber of Commerce" --role business

# 1. Every organisation prints its founder record and sends it to the convener.
port=7400
for o in $ORGS; do
	status 0 "founder $o" $W founder -d "$T/$o" --endpoint "tcp://127.0.0.1:$port"
	cp "$T/out" "$T/$o.rec"
	port=$((port + 1))
done
check "a founder record is one line" test "$(wc -l <"$T/city.rec")" -eq 1
check "a founder record is wiec-founder-v1:<base64>" \
	match "$(cat "$T/city.rec")" 'wiec-founder-v1:[A-Za-z0-9+/]*=*$'
status 0 "founder without --endpoint (no listen in config)" $W founder -d "$T/city"
status 2 "founder --endpoint must be tcp://" $W founder -d "$T/city" --endpoint udp://h:1
oneline "bad --endpoint is one line"
status 2 "founder refuses a wildcard endpoint" $W founder -d "$T/city" --endpoint tcp://0.0.0.0:7400
status 3 "founder outside a data directory" $W founder -d "$T/nowhere"

# 2. The convener builds the unsigned genesis.
G=$T/pomorze.genesis
RECS="$T/city.rec $T/ngo.rec $T/uni.rec $T/biz.rec"
status 0 "genesis new" $W genesis new --name "Pomorskie Forum" --out "$G" $RECS
status 0 "genesis show --json" $W genesis show "$G" --json
NET=$(json_field "$T/out" network)
check "show: a network id" match "$NET" '[0-9a-f]\{64\}$'
check "show: default quorum 3 of 4" test "$(json_field "$T/out" quorum)" = 3
check "show: nobody signed" test "$(json_field "$T/out" signatures)" = 0
check "show: incomplete" test "$(json_field "$T/out" complete)" = false
check "show: four founders in order" test "$(grep -o '"role": "[a-z]*"' "$T/out" | tr '\n' ' ')" = \
	'"role": "city" "role": "ngo" "role": "university" "role": "business" '
status 0 "genesis show (text)" $W genesis show "$G"
check "show text: incomplete" grep -q '^signed    0 of 4: incomplete' "$T/out"
check "show text: endpoints" grep -q 'endpoint  tcp://127.0.0.1:7403' "$T/out"

status 1 "genesis new never overwrites" $W genesis new --name x --out "$G" "$T/city.rec"
oneline "overwrite refusal is one line"
printf 'wiec-founder-v1:bm90IGEgZm91bmRlcg==\n' >"$T/junk.rec"
status 5 "bad founder record refused" $W genesis new --name x --out "$T/g2" "$T/junk.rec"
oneline "bad founder record is one line"
check "bad founder record: nothing written" test ! -e "$T/g2"
printf 'hello\n' >"$T/junk2.rec"
status 5 "record without the prefix refused" $W genesis new --name x --out "$T/g2" "$T/junk2.rec"
sed 's/=*$/A/' "$T/city.rec" >"$T/junk3.rec"
status 5 "record with bad base64 refused" $W genesis new --name x --out "$T/g2" "$T/junk3.rec"
status 5 "the same founder twice refused" $W genesis new --name x --out "$T/g2" "$T/city.rec" "$T/city.rec"
status 2 "quorum above the founders refused" $W genesis new --name x --quorum 3 --out "$T/g2" "$T/city.rec" "$T/ngo.rec"
status 2 "genesis new without --out" $W genesis new --name x "$T/city.rec"
status 1 "a missing founder file" $W genesis new --name x --out "$T/g2" "$T/nope.rec"

# 3. The file travels to every founder, who signs it.
status 5 "install of an unsigned genesis refused" $W genesis install -d "$T/city" "$G"
oneline "incomplete install is one line"
check "incomplete install names the count" grep -q '0 of 4 founders have signed' "$T/err"
k=0
for o in $ORGS; do
	status 0 "sign $o" $W genesis sign -d "$T/$o" "$G"
	k=$((k + 1))
	$W genesis show "$G" --json >"$T/show" 2>/dev/null
	check "show after $k signatures: signed $k" test "$(json_field "$T/show" signatures)" = $k
	if [ $k -lt 4 ]; then
		check "show after $k signatures: incomplete" test "$(json_field "$T/show" complete)" = false
		status 5 "install after $k signatures refused" $W genesis install -d "$T/$o" "$G"
	fi
done
check "show after 4 signatures: complete" test "$(json_field "$T/show" complete)" = true
check "signatures leave the network id alone" test "$(json_field "$T/show" network)" = "$NET"
status 0 "signing twice is harmless" $W genesis sign -d "$T/ngo" "$G"
check "signing twice says so" grep -q '^already signed' "$T/out"
check "no temporary files left beside the genesis" test "$(ls "$T" | grep -c 'genesis\.tmp')" -eq 0

# Someone who is not a founder.
status 0 "init outsider" $W init -d "$T/outsider" --name "Outsider" --role other
OUT_KEY=$($W id -d "$T/outsider")
status 1 "a non-founder cannot sign" $W genesis sign -d "$T/outsider" "$G"
oneline "non-founder sign is one line"
status 1 "a non-founder install refused" $W genesis install -d "$T/outsider" "$G"
oneline "non-founder install is one line"

# Tampered copies.
cp "$G" "$T/tampered"
off=$(grep -abo 'Pomorskie' "$T/tampered" | head -n 1 | cut -d: -f1)
printf 'Q' | dd of="$T/tampered" bs=1 seek="$off" conv=notrunc 2>/dev/null
status 5 "a tampered genesis: show refuses" $W genesis show "$T/tampered"
oneline "tampered genesis is one line"
status 5 "a tampered genesis: install refuses" $W genesis install -d "$T/city" "$T/tampered"
cp "$G" "$T/badsig"
size=$(wc -c <"$T/badsig")
last=$(tail -c 1 "$T/badsig" | od -An -tu1 | tr -d ' ')
printf "\\$(printf %o $(((last + 1) % 256)))" | dd of="$T/badsig" bs=1 seek=$((size - 1)) conv=notrunc 2>/dev/null
status 5 "a broken signature: install refuses" $W genesis install -d "$T/city" "$T/badsig"
head -c 20 "$G" >"$T/truncated"
status 5 "a truncated genesis refused" $W genesis show "$T/truncated"

# 4. Every founder installs it; all four now share one network id.
for o in $ORGS; do
	status 0 "install $o" $W genesis install -d "$T/$o" "$G"
	check "install $o prints the network id" test "$(cat "$T/out")" = "$NET"
done
for o in $ORGS; do
	$W status -d "$T/$o" --json >"$T/st" 2>/dev/null
	check "status --json of $o: network $NET" test "$(json_field "$T/st" network)" = "$NET"
done
status 0 "installing the same genesis again is harmless" $W genesis install -d "$T/city" "$G"

# A node that has posted keeps its network: events are bound to it.
status 0 "init solo" $W init -d "$T/solo" --name "Solo" --role ngo
$W founder -d "$T/solo" >"$T/solo.rec"
$W genesis new --name "Solo net" --out "$T/solo.genesis" "$T/solo.rec" >/dev/null
$W genesis sign -d "$T/solo" "$T/solo.genesis" >/dev/null
$W idea add -d "$T/solo" --title "Posted before joining" >/dev/null
status 1 "install into a node holding events refused" $W genesis install -d "$T/solo" "$T/solo.genesis"
oneline "events refusal is one line"
check "events refusal says why" grep -q 'already holds events of network [0-9a-f]\{64\}; a node joins a network before posting' "$T/err"

# 5. Peers: the nodes each one dials.
NGO=$($W id -d "$T/ngo")
UNI=$($W id -d "$T/uni")
CITY=$($W id -d "$T/city")
status 0 "peer list of no peers" $W peer list -d "$T/city"
check "no peers yet" test ! -s "$T/out"
status 0 "peer add (endpoint from the genesis)" $W peer add -d "$T/city" --key "$NGO"
status 0 "peer add --endpoint" $W peer add -d "$T/city" --key "$UNI" --endpoint tcp://uni.example.org:7402
status 1 "peer add of a duplicate refused" $W peer add -d "$T/city" --key "$NGO"
oneline "duplicate peer is one line"
status 1 "peer add of a non-member key refused" $W peer add -d "$T/city" --key "$OUT_KEY"
oneline "non-member peer is one line"
status 1 "peer add of this node itself refused" $W peer add -d "$T/city" --key "$CITY"
status 2 "peer add with a bad endpoint refused" $W peer add -d "$T/city" --key "$UNI" --endpoint tcp://uni.example.org
oneline "bad endpoint is one line"
status 2 "peer add with a bad key refused" $W peer add -d "$T/city" --key wkNOPE
status 2 "peer add without --key" $W peer add -d "$T/city"
status 0 "peer list" $W peer list -d "$T/city"
check "peer list: two peers" test "$(wc -l <"$T/out")" -eq 2
check "peer list: the ngo with its genesis endpoint" grep -q "^$NGO tcp://127.0.0.1:7401 ngo Fundacja Wiec\$" "$T/out"
status 0 "peer list --json" $W peer list -d "$T/city" --json
check "peer list --json: name and role from the genesis" \
	grep -q "\"key\": \"$UNI\", \"endpoint\": \"tcp://uni.example.org:7402\", \"name\": \"Gdansk University\", \"role\": \"university\"" "$T/out"
check "peers file is mode 0600" test "$(stat -c %a "$T/city/peers")" = 600
status 0 "peer rm" $W peer rm -d "$T/city" --key "$UNI"
$W peer list -d "$T/city" >"$T/pl" 2>/dev/null
check "peer rm leaves one peer" test "$(wc -l <"$T/pl")" -eq 1
status 1 "peer rm of a key not listed" $W peer rm -d "$T/city" --key "$UNI"
oneline "peer rm refusal is one line"
status 1 "peer add on a node of its own network: not a member" $W peer add -d "$T/outsider" --key "$NGO"
printf '%s tcp://127.0.0.1:7401\nrubbish\n' "$NGO" >"$T/ngo/peers"
status 3 "a bad peers file is refused" $W peer list -d "$T/ngo"
oneline "bad peers file is one line"
check "a bad peers file names the line" grep -q 'peers: line 2: ' "$T/err"
