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
