#!/bin/sh
# Runs every test: the unit tests, the fuzz corpus replays and the CLI
# scenario scripts in tests/cli. Every check prints "ok   NAME" or
# "FAIL NAME"; a script that dies without saying so counts as a failure.
# Ends with the line "N passed, M failed" and exits non-zero on any failure.
B=${B:-build}
WIEC=${WIEC:-./wiec}
export B WIEC
pass=0
fail=0
log=$(mktemp /tmp/wiec-run-XXXXXX)

count() {	# name, status, output file
	p=$(grep -c '^ok ' "$3")
	f=$(grep -c '^FAIL ' "$3")
	if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $1 (exit status $2)"
		f=1
	fi
	pass=$((pass + p))
	fail=$((fail + f))
}

echo "== unit tests"
"$B/unit-tests" >"$log" 2>&1
st=$?
grep -v 'passed, .* failed$' "$log"
count unit-tests $st "$log"

echo "== fuzz corpus replay"
for f in "$B"/fuzz-*; do
	[ -x "$f" ] || continue
	name=${f##*/fuzz-}
	"$f" tests/fuzz/corpus/"$name" >"$log" 2>&1
	st=$?
	cat "$log"
	count "fuzz-$name" $st "$log"
done

# A script that hangs must not hang the run: each gets WIEC_TEST_TIMEOUT
# seconds (the slowest takes a few minutes under ASan), then SIGTERM, which
# its traps turn into stopping its nodes.
echo "== CLI scenarios"
for t in tests/cli/*.sh; do
	[ "${t##*/}" = lib.sh ] && continue
	timeout "${WIEC_TEST_TIMEOUT:-1800}" sh "$t" >"$log" 2>&1
	st=$?
	[ "$st" -eq 124 ] && echo "FAIL ${t##*/}: timed out after ${WIEC_TEST_TIMEOUT:-1800} s" >>"$log"
	cat "$log"
	count "${t##*/}" $st "$log"
done
rm -f "$log"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
