# lib.sh: sourced by the CLI scenario scripts. Gives each script a fresh
# directory $T (removed at exit), $W (the wiec binary under test), and
# checks that print "ok   NAME" / "FAIL NAME".
set -u
W=${WIEC:-./wiec}
case $W in /*) ;; *) W=$(pwd)/$W ;; esac
T=$(mktemp -d /tmp/wiec-cli-XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
unset WIEC_DIR

ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; }

# check NAME CONDITION...: runs the condition (a command) and reports.
check() {
	name=$1
	shift
	if "$@"; then ok "$name"; else bad "$name"; fi
}

# status WANT NAME CMD...: runs CMD, expects exit status WANT. Output is in
# $T/out and $T/err afterwards.
status() {
	want=$1 name=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" = "$want" ]; then
		ok "$name"
	else
		bad "$name (exit $got, wanted $want): $(head -c 300 "$T/err")"
	fi
}

# oneline NAME: stderr of the last status call is exactly one line.
oneline() {
	n=$(wc -l <"$T/err")
	if [ "$n" -eq 1 ]; then ok "$1"; else bad "$1 (stderr has $n lines)"; fi
}

# json_field FILE FIELD: the value of a top-level number/string field.
json_field() {
	sed -n "s/.*\"$2\": *\"\{0,1\}\([^\",}]*\)\"\{0,1\}.*/\1/p" "$1" | head -n 1
}

# match STRING REGEX: expr-style anchored match, silent.
match() { expr "$1" : "$2" >/dev/null; }
