# make demo's script (cli/demo.sh) runs to its end with its output in a
# file, as `make demo >demo.log 2>&1` would write it: whole (its
# `tee /dev/stderr` once truncated such a file part way, leaving NUL bytes
# and a log that began in the middle), with the certificate formed and its
# winners equal to `wiec pb tally`'s of the exported election.
. tests/cli/lib.sh
L=$T/demo.log
WIEC="$W" sh cli/demo.sh >"$L" 2>&1
st=$?
check "the demo runs to its end (exit $st)" test "$st" -eq 0
check "its log has no NUL byte" sh -c "tr -d '\\000' <'$L' | cmp -s - '$L'"
check "its log starts with the first step" \
    sh -c "head -n 3 '$L' | grep -q 'Four organisations set up one network'"
check "three of four members certify the result" grep -q "certified in round .* by 3 of 4 members" "$L"
cw=$(sed -n 's/^ *certified winners: //p' "$L")
pw=$(sed -n 's/^ *pb tally winners: *//p' "$L")
check "the certified winners are pb tally's" test -n "$cw" -a "$cw" = "$pw"
# An independent recount (tests/tools/audit.py, Python written from spec/
# alone) of the exported log agrees with wiec: the digest, and the result
# the certificate signs.
ad=$(sed -n 's/^ *audit digest: *//p' "$L")
wd=$(sed -n 's/^ *wiec digest: *//p' "$L")
check "the audit's digest is wiec's" test -n "$ad" -a "$ad" = "$wd"
ar=$(sed -n 's/^ *audit certified result: *//p' "$L")
wr=$(sed -n 's/^ *wiec certified result: *//p' "$L")
check "the audit's certified result is wiec's" test -n "$ar" -a "$ar" = "$wr"
check "the audit checked every signature" grep -q "signatures checked: true" "$L"
check "it ends with its last step" sh -c "tail -n 1 '$L' | grep -q 'Done.'"
