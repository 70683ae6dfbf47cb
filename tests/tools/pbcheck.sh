#!/bin/sh
# pbcheck.sh: does wiec reproduce the `selected` column of Pabulib files?
# Not run by make test (the corpus is not in the repository).
#
#     sh tests/tools/pbcheck.sh DIR [PATTERN]
#
# DIR holds .pb files, e.g. pb_files/ of a checkout of the public repository
# pabulib/pabulib_files (git clone https://github.com/pabulib/pabulib_files);
# PATTERN defaults to 'Poland_*.pb'. Prints one line per file (match,
# differ with the missing and extra project ids, skip, refused with the
# parser's line) and a total per rule; spec/tally.md section 3 records the
# last run and the reason for every file that does not match.
set -eu
[ $# -ge 1 ] && [ -d "$1" ] || { echo "usage: sh tests/tools/pbcheck.sh DIR [PATTERN]" >&2; exit 2; }
B=${B:-build}
make --no-print-directory "$B/tool-pbcheck" >&2
dir=$1
pat=${2:-Poland_*.pb}
# shellcheck disable=SC2086
find "$dir" -maxdepth 1 -name "$pat" -type f | LC_ALL=C sort | xargs "$B/tool-pbcheck"
