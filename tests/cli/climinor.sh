# Small CLI faults: `wiec pb export` keeps to what `wiec pb import` reads
# (spec/tally.md 5.3); `-o -`, zero ids, FIFOs and repeated flags.
. tests/cli/lib.sh

# e WANT NAME PATTERN CMD...: exit status WANT and one line on stderr
# matching the grep -E PATTERN.
e() {
	want=$1 name=$2 pat=$3
	shift 3
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	n=$(wc -l <"$T/err")
	if [ "$got" = "$want" ] && [ "$n" -eq 1 ] && grep -Eq "$pat" "$T/err"; then
		ok "$name"
	else
		bad "$name (exit $got, wanted $want; $n lines): $(head -c 300 "$T/err" | tr '\n' '|')"
	fi
}

D=$T/d
$W init -d "$D" --name "Gdynia" --role city >/dev/null
K=$($W id -d "$D")

# ---- pb export writes nothing pb import would refuse ----
# A voter's credential with 15 attributes of its own: import holds unit,
# voter_id and at most 14 columns more in a credential.
P=$($W process create -d "$D" --kind budget --title "Budżet" --unit "Orłowo:1000" \
	--registrar "$K" --eligibility --phase voting)
$W keygen --out "$T/anna.key" >"$T/anna.pub" 2>/dev/null
set --
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do set -- "$@" --attr "a$i=$i"; done
$W credential issue -d "$D" --process "$P" --subject "$(cat "$T/anna.pub")" "$@" >/dev/null
I=$($W idea add -d "$D" --key "$T/anna.key" --process "$P" --title "Ławka" --unit "Orłowo" \
	--cost 100 2>/dev/null)
$W poll open -d "$D" --process "$P" --kind budget --option "$I" >/dev/null
status 0 "a voter with 15 attributes votes" $W vote -d "$D" --process "$P" \
	--key "$T/anna.key" "$I"
e 5 "pb export: 15 credential columns refused" "pb import would refuse.*credential attribute" \
	$W pb export -d "$D" --process "$P" -o "$T/attrs.pb"
check "... and nothing written" test ! -e "$T/attrs.pb"

# An imported META just under a process text (16,384 bytes) without a
# rule: the export adds "rule;greedy", one row too many for the text.
pad=$((16384 - 111 - 14 - 15 - 12 - 11 - 19 - 5 - 6))
{
	printf 'META\nkey;value\ndescription;x\nnum_projects;1\nnum_votes;0\nbudget;100\n'
	printf 'vote_type;approval\npad;'
	head -c $pad /dev/zero | tr '\0' x
	printf '\nPROJECTS\nproject_id;cost\n1;10\nVOTES\nvoter_id;vote\n'
} >"$T/long.pb"
status 0 "pb import of a META just under a process text" $W pb import -d "$D" "$T/long.pb"
PL=$(cat "$T/out")
e 5 "pb export: a META that no longer fits a process text refused" \
	"pb import would refuse.*META is longer" \
	$W pb export -d "$D" --process "$PL" -o "$T/long2.pb"
check "... and nothing written" test ! -e "$T/long2.pb"

# 1,024 imported projects and one idea more: a poll holds 1,024 options.
{
	printf 'META\nkey;value\ndescription;many\nnum_projects;1024\nnum_votes;0\n'
	printf 'budget;100000\nvote_type;approval\nPROJECTS\nproject_id;cost\n'
	i=1
	while [ $i -le 1024 ]; do echo "$i;10"; i=$((i + 1)); done
	printf 'VOTES\nvoter_id;vote\n'
} >"$T/many.pb"
status 0 "pb import of 1,024 projects" $W pb import -d "$D" "$T/many.pb"
PM=$(cat "$T/out")
status 0 "... and an idea more" $W idea add -d "$D" --process "$PM" --title "Jeszcze jedna" \
	--unit all --cost 10
e 5 "pb export: 1,025 projects refused" "pb import would refuse.*1025 projects" \
	$W pb export -d "$D" --process "$PM" -o "$T/many2.pb"
check "... and nothing written" test ! -e "$T/many2.pb"

# ---- -o -: standard output where the command writes it, else refused ----
mkdir "$T/cwd"
cd "$T/cwd" || exit 1
e 2 "keygen --out - refused" "standard output" $W keygen --out -
e 2 "sign -o - refused" "standard output" $W sign --key "$T/anna.key" --network "$(
	$W status -d "$D" --json | sed -n 's/.*"network": *"\([0-9a-f]*\)".*/\1/p')" \
	support "$I" -o -
e 2 "pb export -o - refused" "standard output" $W pb export -d "$D" --process "$P" -o -
e 2 "genesis new --out - refused" "standard output" $W genesis new --name X --out - x.rec
check "... no file named '-' anywhere" test ! -e "$T/cwd/-"
$W export -d "$D" -o - >"$T/dash.log" 2>"$T/err"
check "export -o - writes standard output" test -s "$T/dash.log" -a ! -e "$T/cwd/-"
$W export -d "$D" >"$T/plain.log"
check "... the same bytes as without -o" cmp -s "$T/dash.log" "$T/plain.log"
cd - >/dev/null || exit 1

# ---- an optional id of 32 zero bytes is a bad argument, not a bad event ----
Z=$(printf '%064d' 0)
NET=$($W status -d "$D" --json | sed -n 's/.*"network": *"\([0-9a-f]*\)".*/\1/p')
e 2 "sign idea --process zero: exit 2" "32 zero bytes" $W sign --key "$T/anna.key" \
	--network "$NET" idea --process "$Z" --title x -o "$T/z1.ev"
e 2 "sign idea --edit zero: exit 2" "32 zero bytes" $W sign --key "$T/anna.key" \
	--network "$NET" idea --edit "$Z" --title x -o "$T/z2.ev"
e 2 "process create --census zero: exit 2" "32 zero bytes" $W process create -d "$D" \
	--kind ideas --title x --census "$Z"
e 2 "credential issue --census zero: exit 2" "32 zero bytes" $W credential issue -d "$D" \
	--census "$Z" --subject "$(cat "$T/anna.pub")"
e 2 "idea add --process zero: exit 2" "32 zero bytes" $W idea add -d "$D" --process "$Z" \
	--title x
# A required id of zero names no held event: that stays "not held" (exit 1).
e 1 "comment add --on zero: not held, exit 1" "not held" $W comment add -d "$D" --on "$Z" \
	--body b

# ---- submit refuses a FIFO at once, as the key readers do ----
if command -v mkfifo >/dev/null 2>&1 && command -v timeout >/dev/null 2>&1; then
	mkfifo "$T/fifo"
	e 1 "submit of a FIFO nobody writes: refused, not waited on" "not a regular file" \
		timeout 20 $W submit -d "$D" "$T/fifo"
	mkdir "$T/adir"
	e 1 "submit of a directory: refused" "not a regular file" $W submit -d "$D" "$T/adir"
else
	bad "mkfifo and timeout are installed"
fi

# ---- flags may repeat; a value given twice, or a flag given a value, may not ----
$W search -d "$D" --hidden ławka >"$T/once" 2>&1
status 0 "search --hidden --hidden" $W search -d "$D" --hidden --hidden ławka
check "... as --hidden once" cmp -s "$T/once" "$T/out"
status 0 "idea list --json --json, as search" $W idea list -d "$D" --process "$P" --json --json
status 0 "idea support --withdraw --withdraw, as search" $W idea support -d "$D" \
	--key "$T/anna.key" "$I" --withdraw --withdraw
e 2 "search --limit twice" "given twice" $W search -d "$D" --limit 2 --limit 3 ławka
e 2 "idea add --title twice" "given twice" $W idea add -d "$D" --title a --title b
e 2 "search --hidden=1: a flag takes no value" "option '--hidden' takes no value" \
	$W search -d "$D" --hidden=1 ławka
e 2 "idea support --withdraw=yes: a flag takes no value" "option '--withdraw' takes no value" \
	$W idea support -d "$D" --withdraw=yes "$I"
e 2 "status --json=x: a flag takes no value" "option '--json' takes no value" \
	$W status -d "$D" --json=x
