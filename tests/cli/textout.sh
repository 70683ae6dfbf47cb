# Text output cannot be made to lie by the text it shows: event text (a
# resident's, or a hostile member's) and echoed arguments stay inside their
# own entry and line, and never reach the terminal as control characters,
# bidirectional controls or line separators (README, "Output for tools").
. tests/cli/lib.sh
C=$T/c
$W init -d "$C" --name City --role city >/dev/null
$W keygen --out "$T/anna.key" >/dev/null
RLO=$(printf '\342\200\256')
LS=$(printf '\342\200\250')
NL='
'

# raw NAME FILE: FILE holds no U+202E, U+2028, ESC or raw CR.
raw() {
	if grep -q "$RLO\|$LS\|$(printf '\033')\|$(printf '\r')" "$2"; then
		bad "$1: $(grep "$RLO\|$LS" "$2" | head -c 200)"
	else
		ok "$1"
	fi
}

# ---- one-line entries: a line break in event text is shown as backslash-n ----
# A comment once forged a whole comment "by City", a report reason a status
# line, and `log` printed a comment's second line as its own record.
I=$($W idea add -d "$C" --title "Bench")
FAKE="  ffffffffffffffff City: the City approves this"
$W comment add -d "$C" --on "$I" --key "$T/anna.key" --body "nice$NL$FAKE" >/dev/null
$W report -d "$C" "$I" --key "$T/anna.key" --reason "spam${NL}status     accepted" >/dev/null
$W idea status -d "$C" "$I" under_review --reason "a${NL}status     accepted" >/dev/null
status 0 "idea show: text" $W idea show -d "$C" "$I"
check "  no forged comment line" sh -c "! grep -q '^$FAKE' '$T/out'"
check "  the comment's break is shown as a backslash-n" grep -q 'nice\\n  ffffffffffffffff City' "$T/out"
check "  no forged status line" sh -c "! grep -q '^status     accepted' '$T/out'"
check "  the reasons' breaks too" grep -q 'spam\\nstatus     accepted' "$T/out"
status 0 "log: text" $W log -d "$C"
check "  one line per event" test "$(wc -l <"$T/out")" -eq "$($W log -d "$C" --json | wc -l)"
P=$($W process create -d "$C" --kind ideas --title P --phase one --phase two)
$W process phase -d "$C" "$P" two --reason "go${NL}  (start)  one" >/dev/null
status 0 "process show: text" $W process show -d "$C" "$P"
check "  the phase reason stays on its line" grep -q 'go\\n  (start)  one' "$T/out"
check "  one (start) line" test "$(grep -c '^  (start)' "$T/out")" -eq 1

# ---- a body cannot pass for a section ----
I2=$($W idea add -d "$C" --key "$T/anna.key" --title "Bench2" --body "A bench please.

status history:
  d2193212f9059caf City: accepted: funded")
status 0 "idea show of a body with a fake section" $W idea show -d "$C" "$I2"
check "  no section starts in the body" sh -c "! grep -q '^status history:' '$T/out'"
check "  every body line is framed" grep -q '^  | status history:$' "$T/out"
check "  its first line too" grep -q '^  | A bench please.$' "$T/out"
check "  a tab in a body stays" sh -c "$W idea show -d '$C' \
    \$($W idea add -d '$C' --title t --body 'a	b') | grep -q '^  | a	b$'"

# ---- U+2028 and U+2029 are shown, not applied ----
I3=$($W idea add -d "$C" --title "t${LS}u" --body "a${LS}b")
$W comment add -d "$C" --on "$I3" --body "c${LS}d" >/dev/null
status 0 "idea show: U+2028" $W idea show -d "$C" "$I3"
check "  shown as <U+2028>" grep -q 'a<U+2028>b' "$T/out"
raw "  none raw" "$T/out"
status 0 "log: U+2028" $W log -d "$C"
raw "  none raw" "$T/out"

# ---- error lines quote what they were given, escaped ----
# An argument or a file's text with a line break made a two- or three-line
# error; ESC and U+202E reached the terminal.
# err1 NAME WANT PATTERN CMD...: exit WANT, one line on stderr holding the
# fixed string PATTERN, and no raw ESC, U+202E, U+2028 or CR.
err1() {
	name=$1 want=$2 pat=$3
	shift 3
	status "$want" "$name" "$@"
	oneline "  one line"
	check "  quotes it escaped" grep -qF -- "$pat" "$T/err"
	raw "  nothing raw" "$T/err"
}
err1 "idea show: an id with a line break" 2 "x\\ny" $W idea show -d "$T/none" "x${NL}y"
err1 "idea show: an id with ESC" 2 "'\\x1b[31mRED'" $W idea show -d "$C" "$(printf '\033[31mRED')"
err1 "a command with a line break" 2 "bogus\\nx" $W "bogus${NL}x"
err1 "a subcommand with ESC" 2 "\\x1b[2J" $W idea "$(printf '\033[2J')"
err1 "status -d with a line break" 3 "x\\ny is not" $W status -d "x${NL}y"
err1 "an id with U+202E" 2 "x<U+202E>y" $W idea show -d "$C" "x${RLO}y"
err1 "an id with U+2028" 2 "x<U+2028>y" $W idea show -d "$C" "x${LS}y"
err1 "pb tally --rule with a line break" 2 "x\\ny" $W pb tally --rule "x${NL}y" "$T/none.pb"
printf 'META\nkey;value\nnum_projects;1\nnum_votes;1\nbudget;10\nvote_type;approval\nrule;greedy\nPROJECTS\nproject_id;cost\np1;5\nVOTES\nvoter_id;vote\nv1;zz%sq\n' "$RLO" >"$T/rlo.pb"
err1 "a .pb vote naming a project with U+202E" 5 "'zz<U+202E>q'" $W pb tally "$T/rlo.pb"
# Plain UTF-8 is quoted as it is.
err1 "an id in Polish" 2 "'żółw'" $W idea show -d "$C" "żółw"
# A note is such a line too.
P2=$($W process create -d "$C" --kind ideas --title P2 --phase "x${RLO}y")
err1 "idea add: the note on the phase" 0 "note: the process is in phase 'x<U+202E>y'" \
    $W idea add -d "$C" --process "$P2" --title t

# ---- names from a process: phases, units, poll options ----
# process show/list printed phase and unit names raw, tally the options'
# titles and the units.
E=$T/e
$W init -d "$E" --name Org --role city >/dev/null
P3=$($W process create -d "$E" --kind budget --title T --unit "U${RLO}1:1000" \
    --phase "ideation${RLO}x" --phase "voting${LS}")
I4=$($W idea add -d "$E" --process "$P3" --title "Idea${RLO}One" --cost 100 --unit "U${RLO}1" \
    2>/dev/null)
$W poll open -d "$E" --process "$P3" --kind budget --option "$I4" --rule greedy >/dev/null
$W process phase -d "$E" "$P3" "voting${LS}" --reason go >/dev/null
status 0 "process show: names" $W process show -d "$E" "$P3"
check "  the unit" grep -q '^unit       U<U+202E>1: 1000$' "$T/out"
check "  the phase" grep -q '^phase      voting<U+2028> (2 of 2)$' "$T/out"
check "  the phase history" grep -q -- '-> voting<U+2028> by Org: go$' "$T/out"
check "  its start" grep -q '(start)  ideation<U+202E>x$' "$T/out"
raw "  nothing raw" "$T/out"
status 0 "process list: names" $W process list -d "$E"
check "  the phase, in its column" grep -q ' budget       voting<U+2028>  *1 ideas  T$' "$T/out"
raw "  nothing raw" "$T/out"
status 0 "tally: names" $W tally -d "$E" --process "$P3"
check "  the unit" grep -q '^  unit U<U+202E>1 (budget 1000' "$T/out"
check "  the option's title" grep -q '  Idea<U+202E>One (cost 100)$' "$T/out"
raw "  nothing raw" "$T/out"

# ---- member and network names ----
# genesis show (the page each founder checks before signing), peer list
# and the pending changes of member list printed them raw.
G=$T/g
mkdir -p "$G"
$W init -d "$G/a" --name "Evil${RLO}Org" --role city >/dev/null
$W init -d "$G/b" --name Two --role ngo >/dev/null
$W founder -d "$G/a" --endpoint tcp://127.0.0.1:17590 >"$G/a.rec"
$W founder -d "$G/b" --endpoint tcp://127.0.0.1:17591 >"$G/b.rec"
$W genesis new --name "Net${RLO}work" --out "$G/g.genesis" "$G/a.rec" "$G/b.rec" >/dev/null
status 0 "genesis show: names" $W genesis show "$G/g.genesis"
check "  the network's name" grep -q '^name      Net<U+202E>work$' "$T/out"
check "  a founder's name" grep -q ': Evil<U+202E>Org$' "$T/out"
raw "  nothing raw" "$T/out"
$W genesis sign -d "$G/a" "$G/g.genesis" >/dev/null
$W genesis sign -d "$G/b" "$G/g.genesis" >/dev/null
$W genesis install -d "$G/b" "$G/g.genesis" >/dev/null
$W peer add -d "$G/b" --key "$($W id -d "$G/a")" >/dev/null
status 0 "peer list: names" $W peer list -d "$G/b"
check "  the founder's name" grep -q ' city Evil<U+202E>Org$' "$T/out"
raw "  nothing raw" "$T/out"
$W init -d "$G/n" --name "New${RLO}Org" --role ngo >/dev/null
$W founder -d "$G/n" --endpoint tcp://127.0.0.1:17592 >"$G/n.rec"
$W member add -d "$G/b" "$G/n.rec" --reason join >/dev/null
status 0 "member list: a pending change" $W member list -d "$G/b"
check "  the new member's name" grep -q ' (New<U+202E>Org): open' "$T/out"
raw "  nothing raw" "$T/out"

# ---- pb tally: a winner's id from the file ----
printf 'META\nkey;value\nnum_projects;1\nnum_votes;1\nbudget;10\nvote_type;approval\nrule;greedy\nPROJECTS\nproject_id;cost\np%s1;5\nVOTES\nvoter_id;vote\nv1;p%s1\n' "$RLO" "$RLO" >"$T/win.pb"
status 0 "pb tally: a winner with U+202E" $W pb tally "$T/win.pb"
check "  shown" grep -q '^p<U+202E>1$' "$T/out"
raw "  nothing raw" "$T/out"
