# A store whose derived state an older wiec built (meta `model` below this
# program's, databases added since missing) is rebuilt by every command that
# opens it for writing: the posting commands (which read the model first),
# import, submit and the node; the result is byte for byte what `wiec
# reindex` builds, and a kill during the rebuild leaves a store that
# rebuilds at the next open. Read-only, it says it needs `wiec reindex`
# (never "corrupt") and the held events still read; a store of a newer model
# is refused (spec/events.md section 10).
. tests/cli/lib.sh
B=${B:-build}
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
OM=$B/tool-oldmodel
[ -x "$OM" ] || { bad "tool-oldmodel is built ($OM)"; exit 1; }

D=$T/d
$W init -d "$D" --name "Gdynia" --role city >/dev/null
K=$($W id -d "$D")
$W keygen --out "$T/anna.key" >"$T/anna.pub" 2>/dev/null
A=$(cat "$T/anna.pub")
P=$($W process create -d "$D" --kind budget --title "Budżet obywatelski" \
	--unit "Śródmieście:100000" --registrar "$K" --eligibility --phase ideation --phase voting)
$W credential issue -d "$D" --process "$P" --subject "$A" --attr "unit=Śródmieście" >/dev/null
I1=$($W idea add -d "$D" --key "$T/anna.key" --process "$P" --title "Ławki nad morzem" \
	--unit "Śródmieście" --cost 30000)
I2=$($W idea add -d "$D" --key "$T/anna.key" --process "$P" --title "Drzewa przy szkole" \
	--unit "Śródmieście" --cost 20000)
$W comment add -d "$D" --on "$I1" --body "Dobry pomysł" >/dev/null
$W idea support -d "$D" --key "$T/anna.key" "$I1" >/dev/null
$W poll open -d "$D" --process "$P" --kind budget --option "$I1" --option "$I2" >/dev/null
check "a store with a process, ideas, a comment, a support and a poll" \
	test -n "$P" -a -n "$I1" -a -n "$I2"
NET=$($W status -d "$D" --json | sed -n 's/.*"network": *"\([0-9a-f]*\)".*/\1/p')
$W sign --key "$T/anna.key" --network "$NET" comment --on "$I2" --body "Też dobry" \
	-o "$T/c.ev" >/dev/null
$W export -d "$D" -o "$T/all.log"
MODEL=$("$OM" "$D/store" get)
check "the store is of this program's model ($MODEL)" test "$MODEL" -gt 2

# old NAME: a copy of the store as the program of model 2 left it (no refs,
# search or lists: they came later).
old() {
	rm -rf "$T/$1"
	cp -a "$D" "$T/$1"
	"$OM" "$T/$1/store" set 2 refs search lists
}

# same NAME WHAT: the rebuilt store's derived state is the one `wiec
# reindex` builds from its log, byte for byte; the model is current; it
# verifies.
same() {
	check "$2: the model is stamped current" test "$("$OM" "$T/$1/store" get)" = "$MODEL"
	"$OM" "$T/$1/store" sum >"$T/$1.sum" 2>&1
	rm -rf "$T/$1.re"
	cp -a "$T/$1" "$T/$1.re"
	$W reindex -d "$T/$1.re" >/dev/null 2>&1
	"$OM" "$T/$1.re/store" sum >"$T/$1.re.sum" 2>&1
	check "$2: derived state equals a fresh reindex, byte for byte" \
		cmp -s "$T/$1.sum" "$T/$1.re.sum"
	check "$2: refs and search were rebuilt" grep -q '^refs ' "$T/$1.sum"
	status 0 "$2: verify" $W verify -d "$T/$1"
}

# ---- read-only: named as needing a rebuild, the log still reads ----
old r
for c in "idea list" "search"; do
	case $c in search) set -- search -d "$T/r" "ławki" ;; *) set -- idea list -d "$T/r" --process "$P" ;; esac
	status 3 "$c on an older store: exit 3" $W "$@"
	oneline "$c: one line"
	check "$c: says to run wiec reindex" grep -q "wiec reindex" "$T/err"
	check "$c: not called corrupt" eval '! grep -q corrupt "$T/err"'
done
status 3 "verify on an older store: exit 3" $W verify -d "$T/r"
check "verify: says to run wiec reindex" grep -q "wiec reindex" "$T/err"
status 0 "log reads the older store" $W log -d "$T/r"
check "... every event" test "$(wc -l <"$T/out")" -eq "$($W log -d "$D" | wc -l)"
status 0 "status reads the older store" $W status -d "$T/r"
status 0 "show reads the older store" $W show -d "$T/r" "$I1"
check "read-only commands left it as it was" test "$("$OM" "$T/r/store" get)" = 2

# ---- every writer rebuilds it ----
old w1
status 0 "idea add on an older store" $W idea add -d "$T/w1" --key "$T/anna.key" \
	--process "$P" --title "Plac zabaw" --unit "Śródmieście" --cost 10000
same w1 "idea add"
status 0 "... then idea list reads it" $W idea list -d "$T/w1" --process "$P"
check "... with the new idea" grep -q "Plac zabaw" "$T/out"
old w2
status 0 "comment add on an older store" $W comment add -d "$T/w2" --on "$I2" --body "Popieram"
same w2 "comment add"
old w3
status 0 "idea support on an older store" $W idea support -d "$T/w3" --key "$T/anna.key" "$I2"
same w3 "idea support"
old w4
status 0 "vote on an older store" $W vote -d "$T/w4" --process "$P" --key "$T/anna.key" "$I1"
same w4 "vote"
status 0 "... and the tally counts it" $W tally -d "$T/w4" --process "$P" --json
check "... one ballot" grep -q '"ballots": 1' "$T/out"
old w5
status 0 "process create on an older store" $W process create -d "$T/w5" --kind ideas \
	--title "Konsultacje"
same w5 "process create"
old w6
status 0 "submit on an older store" $W submit -d "$T/w6" "$T/c.ev"
same w6 "submit"
old w7
status 0 "import on an older store" $W import -d "$T/w7" "$T/all.log"
same w7 "import"
# Model 3 kept `search` dup-sorted: LMDB keeps a database's flags, so the
# rebuild must make it again plain (the store writes no duplicates).
rm -rf "$T/w9"
cp -a "$D" "$T/w9"
"$OM" "$T/w9/store" set 3 refs search:dup lists
status 0 "import on a store of model 3 (search dup-sorted)" $W import -d "$T/w9" "$T/all.log"
status 0 "... then a post" $W comment add -d "$T/w9" --on "$I1" --body "Ławki, ławki"
same w9 "model 3"
old w8
$W node -d "$T/w8" 2>"$T/w8.log" &
NP=$!
i=0
while [ $i -lt 100 ] && ! $W peers -d "$T/w8" >/dev/null 2>&1 && kill -0 $NP 2>/dev/null; do
	sleep 0.2
	i=$((i + 1))
done
status 0 "wiec node starts on an older store" $W peers -d "$T/w8"
kill -TERM $NP 2>/dev/null
wait $NP
same w8 "node start"

# ---- a newer model is refused, and left alone ----
rm -rf "$T/n"
cp -a "$D" "$T/n"
"$OM" "$T/n/store" set $((MODEL + 1))
status 3 "idea add on a store of a newer model: exit 3" $W idea add -d "$T/n" --title "x y"
oneline "... one line"
check "... naming a newer version" grep -q "newer version of wiec" "$T/err"
status 3 "import into it: exit 3" $W import -d "$T/n" "$T/all.log"
status 3 "reindex of it: exit 3" $W reindex -d "$T/n"
status 3 "idea list on it: exit 3" $W idea list -d "$T/n"
oneline "... one line"
check "... naming a newer version" grep -q "newer version of wiec" "$T/err"
check "its model is left as it was" test "$("$OM" "$T/n/store" get)" = $((MODEL + 1))

# ---- a kill during the rebuild: the next open rebuilds again ----
# Many events, so that the rebuild takes a while. The kill counts if the
# post had data.mdb open for writing (the rebuild runs right after that
# open) and the model was still the old one after it: nothing of the
# rebuild committed. Other kills prove nothing; the next try waits longer.
MK=$B/tool-mkchain
rm -rf "$T/big"
cp -a "$D" "$T/big"
"$MK" "$T/big" 20000 forward 7 "$T/chain.log" >/dev/null &&
	$W import -d "$T/big" "$T/chain.log" >/dev/null
# writing PID FILE: PID has FILE open read-write (fdinfo flags end in 2).
writing() {
	for f in /proc/"$1"/fd/*; do
		[ "$f" -ef "$2" ] || continue
		{
			while IFS= read -r l; do
				case $l in flags:*2) return 0 ;; esac
			done <"/proc/$1/fdinfo/${f##*/}"
		} 2>/dev/null	# the process may be gone by now
	done
	return 1
}
landed=0
try=0
while [ $try -lt 8 ] && [ $landed -eq 0 ]; do
	try=$((try + 1))
	rm -rf "$T/k"
	cp -a "$T/big" "$T/k"
	"$OM" "$T/k/store" set 2 refs search lists
	$W idea add -d "$T/k" --title "w trakcie przebudowy" >"$T/k.out" 2>&1 &
	KP=$!
	n=0
	while ! writing $KP "$T/k/store/data.mdb" && kill -0 $KP 2>/dev/null; do
		n=$((n + 1))
	done
	j=0
	while [ $j -lt $((try * 200)) ]; do j=$((j + 1)); done	# later each try
	kill -KILL $KP 2>/dev/null
	wait $KP 2>/dev/null
	[ ! -s "$T/k.out" ] && [ "$("$OM" "$T/k/store" get)" = 2 ] && landed=1
done
check "a kill landed during the rebuild (try $try)" test $landed -eq 1
status 3 "after the kill the store still reads as an older one" $W idea list -d "$T/k"
check "... named as needing a rebuild" grep -q "wiec reindex" "$T/err"
status 0 "the next post rebuilds it" $W idea add -d "$T/k" --title "po przebudowie"
same k "after a kill"
