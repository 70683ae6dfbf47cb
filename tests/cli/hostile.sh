# The issue 10/11 commands given ids of the wrong length, non-hex ids, ids
# of events of the wrong kind and out-of-range numbers: one line on stderr,
# a non-zero README status (1, 2 or 5), never a crash.
. tests/cli/lib.sh
A=$T/a
$W init -d "$A" --name City --role city >/dev/null
K=$($W id -d "$A")
P=$($W process create -d "$A" --kind budget --title B --unit "U:1000" --registrar "$K" \
	--eligibility --phase ideation --phase voting)
$W credential issue -d "$A" --process "$P" --subject "$K" >/dev/null
I=$($W idea add -d "$A" --process "$P" --title x --unit U --cost 10)
C=$($W comment add -d "$A" --on "$I" --body c)
H63=$(printf '%063d' 0) NONHEX=$(printf '%064d' 0 | tr 0 z)

# h NAME CMD...: fails with 1, 2 or 5 and exactly one line on stderr.
h() {
	name=$1
	shift
	"$@" >"$T/out" 2>"$T/err"
	got=$? lines=$(wc -l <"$T/err")
	case $got in 1|2|5) [ "$lines" -eq 1 ] && { ok "$name"; return; } ;; esac
	bad "$name (exit $got; $n lines): $(head -c 300 "$T/err" | tr '\n' '|')"
}
for id in "" "$H63" "$NONHEX" "$K" "$C"; do
	h "idea show '$id'" $W idea show -d "$A" "$id"
	h "process show '$id'" $W process show -d "$A" "$id"
	h "idea status '$id'" $W idea status -d "$A" "$id" accepted --reason r
	h "hide '$id'" $W hide -d "$A" "$id" --reason r
	h "approve '$id'" $W approve -d "$A" "$id"
	h "tally '$id'" $W tally -d "$A" --process "$id"
	h "close '$id'" $W close -d "$A" --process "$id"
	h "result '$id'" $W result -d "$A" --process "$id"
	h "vote '$id'" $W vote -d "$A" --process "$id" "$I"
	h "poll open option '$id'" $W poll open -d "$A" --process "$P" --kind budget --option "$id"
	case $id in "$K"|"$C") ;; *) h "credential subject '$id'" $W credential issue -d "$A" \
		--process "$P" --subject "$id" ;; esac
	h "pb export '$id'" $W pb export -d "$A" --process "$id" -o "$T/x.pb"
done
for n in 18446744073709551616 -1 99999999999999999999999 0x10 ""; do
	h "cost '$n'" $W idea add -d "$A" --process "$P" --title t --unit U --cost "$n"
	h "unit budget '$n'" $W process create -d "$A" --kind budget --title t --unit "U:$n"
	h "search --limit '$n'" $W search -d "$A" x --limit "$n"
	h "poll --max '$n'" $W poll open -d "$A" --process "$P" --kind budget --option "$I" --max "$n"
done
# Closing a process that holds no ballot and no credential: the sealed set
# is empty (qsort of a NULL array was undefined behaviour, UBSan aborted).
P0=$($W process create -d "$A" --kind budget --title empty --unit "U:10")
"$W" close -d "$A" --process "$P0" >"$T/out" 2>"$T/err"
got=$?
if grep -q "runtime error\|Sanitizer" "$T/err"; then
	bad "close of an empty process: $(head -c 300 "$T/err" | tr '\n' '|')"
else
	ok "close of an empty process (exit $got)"
fi
