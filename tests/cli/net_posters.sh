# Eight posters with one identity while the node runs, and eight more with
# one resident key: every post succeeds (a post that raced another is
# signed again above it), nobody forks, the node verifies.
. tests/cli/lib.sh
. tests/cli/netlib.inc
DL=$((60 * SLOW))
pick_base 1 27500 || { bad "a free port"; exit 1; }
status 0 "testnet of 1" $W testnet "$T/net" --nodes 1 --base-port "$BASE"
D=$T/net/node1
$W keygen --out "$T/anna.key" >/dev/null
start_node "$D"
check "node running" node_alive "$D"
for p in 1 2 3 4 5 6 7 8; do
	(
		for k in 1 2 3 4 5; do
			$W idea add -d "$D" --title "org $p.$k" >>"$T/org$p" 2>>"$T/err$p" || exit 1
			$W idea add -d "$D" --key "$T/anna.key" --title "anna $p.$k" >>"$T/anna$p" \
			    2>>"$T/err$p" || exit 1
		done
	) &
	echo $! >"$T/pid$p"
done
okp=0
for p in 1 2 3 4 5 6 7 8; do wait "$(cat "$T/pid$p")" && okp=$((okp + 1)); done
check "all 8 posters finished without error" test $okp -eq 8
check "no error printed" sh -c "! cat '$T'/err* | grep -q ."
cat "$T"/org? "$T"/anna? >"$T/ids"
check "80 distinct ids printed" test "$(sort -u "$T/ids" | grep -c .)" -eq 80
st "$D" "$T/s.json"
check "80 events held" test "$(json_field "$T/s.json" events)" = 80
check "no fork" test "$(json_field "$T/s.json" forks)" = 0
check "verify passes" sh -c "'$W' verify -d '$D' >/dev/null"
check "node exits 0 on SIGTERM" stop_node "$D"
check_logs
