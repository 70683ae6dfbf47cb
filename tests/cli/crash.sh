# Crash safety with real SIGKILLs: whatever a command acknowledged (printed
# after its transaction committed) survives, and the log always verifies.
. tests/cli/lib.sh
D=$T/node
$W init -d "$D" --name "City" --role city >/dev/null
cp -a "$D" "$T/empty"

# 1. Posts killed at random points of their run.
: >"$T/acked"
i=0
while [ $i -lt 120 ]; do
	i=$((i + 1))
	$W idea add -d "$D" --title "idea $i" >>"$T/acked" 2>/dev/null &
	pid=$!
	if [ $((i % 2)) -eq 0 ]; then
		sleep "0.00$((i % 5))"
		kill -9 $pid 2>/dev/null
	fi
	wait $pid 2>/dev/null
done
$W log -d "$D" --json >"$T/log" 2>&1
lost=0
for id in $(grep -o '^[0-9a-f]\{64\}$' "$T/acked"); do
	grep -q "\"id\": \"$id\"" "$T/log" || lost=$((lost + 1))
done
check "no acknowledged post lost ($(grep -c . "$T/acked") acknowledged)" test $lost -eq 0
killed=$((120 - $(grep -c . "$T/acked")))
echo "# $killed of 120 posts killed before acknowledging"
status 0 "log verifies after killed posts" $W verify -d "$D"
status 0 "posting continues after the kills" $W idea add -d "$D" --title "after"

# 2. A batch import killed mid-way, several times, then completed.
$W keygen --out "$T/r.key" >/dev/null
i=0
while [ $i -lt 300 ]; do
	i=$((i + 1))
	$W idea add -d "$D" --key "$T/r.key" --title "resident idea $i" >/dev/null
done
$W export -d "$D" -o "$T/all.log"
$W status -d "$D" --json >"$T/s0"
for round in 1 2 3 4; do
	$W import -d "$T/empty" --progress --batch 16 "$T/all.log" >"$T/progress" 2>/dev/null &
	pid=$!
	sleep "0.0$((round * 2))"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	acked=$(tail -n 1 "$T/progress" | sed -n 's/^committed //p')
	$W status -d "$T/empty" --json >"$T/s1"
	held=$(json_field "$T/s1" events)
	check "import kill $round: held $held >= acknowledged ${acked:-0}" test "$held" -ge "${acked:-0}"
	status 0 "import kill $round: log verifies" $W verify -d "$T/empty"
done
status 0 "import completes after the kills" $W import -d "$T/empty" "$T/all.log"
$W status -d "$T/empty" --json >"$T/s1"
check "same digest as the source" test "$(json_field "$T/s1" digest)" = "$(json_field "$T/s0" digest)"
