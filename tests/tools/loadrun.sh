#!/bin/sh
# loadrun.sh: runs CLI scenario scripts RUNS times in a row each, with both
# cores kept busy by two shell busy loops (the "5 runs under load" rule of
# tests/cli/netlib.inc). A run passes if it prints no FAIL line and exits 0.
# The output of each failed run is kept in $OUT (default /tmp/loadrun).
#
#   B=build WIEC=build/wiec sh tests/tools/loadrun.sh [-n RUNS] [-j BUSY] SCRIPT...
#
# Ends with one line per script ("SCRIPT: P of R runs passed") and exits
# non-zero if any run failed. Run it from the top of the tree.
RUNS=5
BUSY=2
while [ $# -gt 0 ]; do
	case $1 in
	-n) RUNS=$2; shift 2 ;;
	-j) BUSY=$2; shift 2 ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || { echo "usage: loadrun.sh [-n RUNS] [-j BUSY] SCRIPT..." >&2; exit 2; }
OUT=${OUT:-/tmp/loadrun}
mkdir -p "$OUT"
pids=
stop_load() { for p in $pids; do kill "$p" 2>/dev/null; done; pids=; }
trap 'stop_load' EXIT
trap 'stop_load; exit 130' INT TERM
i=0
while [ $i -lt "$BUSY" ]; do
	sh -c 'while :; do :; done' &
	pids="$pids $!"
	i=$((i + 1))
done
fail=0
summary=
for s in "$@"; do
	name=${s##*/}
	name=${name%.sh}
	r=0
	p=0
	while [ $r -lt "$RUNS" ]; do
		r=$((r + 1))
		t0=$(date +%s)
		sh "$s" >"$OUT/$name.$r.out" 2>&1
		st=$?
		f=$(grep -c '^FAIL' "$OUT/$name.$r.out")
		echo "# $name run $r: exit $st, $f FAIL, $(($(date +%s) - t0))s"
		if [ $st -eq 0 ] && [ "$f" -eq 0 ]; then
			p=$((p + 1))
			rm -f "$OUT/$name.$r.out"
		else
			grep '^FAIL' "$OUT/$name.$r.out" | sed 's/^/#   /'
			fail=1
		fi
	done
	summary="$summary$name: $p of $RUNS runs passed
"
done
stop_load
printf '%s' "$summary"
exit $fail
