#!/bin/sh
# pbroundtrip.sh: the round trip of spec/tally.md section 5 over .pb files.
# Not run by make test (the corpus is not in the repository).
#
#     sh tests/tools/pbroundtrip.sh FILE.pb...
#
# Per file: `wiec pb import` into a fresh data directory, `wiec pb export`,
# and one line:
#     FILE rt=same|differ|- pb=same|differ|- live=same|differ|- [refused: ...]
# rt: the two files in the normal form (build/tool-pbnorm); pb: the winners
# of `wiec pb tally --json` of the original and of the export; live: the
# winners of `wiec tally --json` on the store (idea ids mapped back to
# project_ids through the ideas' category) against `wiec pb tally --json`
# of the original. A META rule wiec does not know (`unknown`) is tallied
# with --rule greedy, the rule the imported poll then uses. A file that
# mixes line endings is read with --mixed-eol. bench/RESULTS.md records the
# last run.
B=${B:-build}
W=${WIEC:-$B/wiec}
NORM=$B/tool-pbnorm
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
winners() { python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["winners"]))' "$1"; }
for f in "$@"; do
	rm -rf "$T/s"
	$W init -d "$T/s" >/dev/null || exit 1
	flags=
	"$NORM" "$f" >/dev/null 2>&1 || flags=--mixed-eol
	rule=
	$W pb tally $flags --json "$f" >"$T/t1" 2>"$T/err" || rule="--rule greedy"
	if [ -n "$rule" ] && ! $W pb tally $flags $rule --json "$f" >"$T/t1" 2>"$T/err"; then
		echo "$f rt=- pb=- live=- refused: $(head -n 1 "$T/err")"
		continue
	fi
	if ! P=$($W pb import $flags -d "$T/s" "$f" 2>"$T/err"); then
		echo "$f rt=- pb=- live=- refused: $(head -n 1 "$T/err")"
		continue
	fi
	rm -f "$T/e.pb"
	$W pb export -d "$T/s" --process "$P" -o "$T/e.pb" 2>"$T/err" || {
		echo "$f rt=- pb=- live=- refused: export: $(head -n 1 "$T/err")"
		continue
	}
	"$NORM" $flags "$f" >"$T/n1" 2>/dev/null && "$NORM" "$T/e.pb" >"$T/n2" 2>/dev/null
	rt=differ
	cmp -s "$T/n1" "$T/n2" && rt=same
	pb=differ
	$W pb tally $rule --json "$T/e.pb" >"$T/t2" 2>/dev/null &&
	    [ "$(winners "$T/t1")" = "$(winners "$T/t2")" ] && pb=same
	if ! $W tally -d "$T/s" --process "$P" --json >"$T/lt" 2>"$T/err" ||
	    ! $W idea list -d "$T/s" --process "$P" --json >"$T/il" 2>>"$T/err"; then
		echo "$f rt=$rt pb=$pb live=- failed: $(head -n 1 "$T/err")"
		continue
	fi
	live=$(python3 - "$T/lt" "$T/il" "$T/t1" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
cat = {i["id"]: i["category"] for i in json.load(open(sys.argv[2]))}
want = json.load(open(sys.argv[3]))["winners"]
print("same" if [cat[w] for w in t["winners"]] == want else "differ")
PY
)
	echo "$f rt=$rt pb=$pb live=${live:-differ}"
done
