# The single-node walkthrough and every documented CLI error.
. tests/cli/lib.sh
D=$T/node

status 0 "init creates a data directory" $W init -d "$D" --name "Gdynia City Hall" --role city
check "init prints the identity" grep -q '^identity wk' "$T/out"
check "key files are mode 0600" test "$(stat -c %a "$D/identity.key") $(stat -c %a "$D/transport.key")" = "600 600"
status 1 "init refuses to overwrite" $W init -d "$D"
oneline "init refusal is one line"
status 0 "id prints the key" $W id -d "$D"
KEY=$(cat "$T/out")
check "id is the short form" test "${#KEY}" -eq 45
status 0 "id --json" $W id -d "$D" --json
check "id --json has key" test "$(json_field "$T/out" key)" = "$KEY"

status 0 "announce" $W announce -d "$D"
status 0 "idea add --json" $W idea add -d "$D" --title "Bike lanes on Swietojanska" --body "Both ways" --json
IDEA=$(json_field "$T/out" id)
check "idea add --json gives a 64-hex id" match "$IDEA" '[0-9a-f]\{64\}$'
status 0 "comment add" $W comment add -d "$D" --on "$IDEA" --body "Yes, and trees"
COMMENT=$(cat "$T/out")
status 0 "comment on a comment" $W comment add -d "$D" --on "$COMMENT" --body "Agreed"
status 0 "idea with unicode" $W idea add -d "$D" --title "Zieleń na Chyloni – więcej drzew"

status 0 "log" $W log -d "$D"
check "log lists 5 events" test "$(wc -l <"$T/out")" -eq 5
status 0 "log --json" $W log -d "$D" --json
check "log --json: 5 objects with id, author, seq, kind" \
	test "$(grep -c '"id": "[0-9a-f]\{64\}", "author": "wk[^"]*", "seq": [0-9]*,.*"kind": "' "$T/out")" -eq 5
check "log --json: arrival order is seq order" \
	test "$(sed -n 's/.*"seq": \([0-9]*\).*/\1/p' "$T/out" | tr '\n' ' ')" = "1 2 3 4 5 "
check "log --json: unicode title intact" grep -q 'Zieleń na Chyloni – więcej drzew' "$T/out"
status 0 "log --author filters" $W log -d "$D" --author "$KEY"
check "log --author lists the author's 5" test "$(wc -l <"$T/out")" -eq 5
status 0 "show" $W show -d "$D" "$IDEA"
check "show prints the idea" grep -q '"title": "Bike lanes on Swietojanska"' "$T/out"
# show carries the event's local arrival number, as log does (it printed 0).
lseq_log=$($W log -d "$D" --json | python3 -c 'import json, sys
for l in sys.stdin:
    e = json.loads(l)
    if e["id"] == sys.argv[1]: print(e["lseq"])' "$IDEA")
check "show's lseq is log's" grep -q "\"lseq\": $lseq_log," "$T/out"
check "... and not 0" test "$lseq_log" -gt 0

status 0 "status --json" $W status -d "$D" --json
check "status: 5 events" test "$(json_field "$T/out" events)" = 5
check "status: 1 author" test "$(json_field "$T/out" authors)" = 1
check "status: digest" match "$(json_field "$T/out" digest)" '[0-9a-f]\{64\}$'
status 0 "verify" $W verify -d "$D"

# WIEC_DIR and the ./wiec-data default.
status 0 "WIEC_DIR is the default -d" env WIEC_DIR="$D" $W status --json
(cd "$T" && mkdir w && cd w && $W init --name x >/dev/null 2>&1)
check "./wiec-data is the last default" test -f "$T/w/wiec-data/config"

# Errors: one line on stderr and the documented status.
status 2 "no command" $W
status 2 "unknown command" $W frobnicate
oneline "unknown command is one line"
status 2 "unknown flag" $W idea add -d "$D" --title x --frob
oneline "unknown flag is one line"
status 2 "flag without value" $W idea add -d "$D" --title
oneline "missing value is one line"
status 2 "missing --title" $W idea add -d "$D"
status 2 "title with a newline" $W idea add -d "$D" --title "$(printf 'a\nb')"
status 2 "bad role" $W init -d "$T/x" --role king
status 2 "bad map size" $W init -d "$T/x" --map-size lots
status 2 "comment --on not an id" $W comment add -d "$D" --on xyz --body b
status 1 "comment on an unknown id" $W comment add -d "$D" --on "$(printf '%064d' 0)" --body b
status 2 "log --author not a key" $W log -d "$D" --author nobody
status 3 "missing data dir" $W log -d "$T/nowhere"
oneline "missing data dir is one line"
check "missing data dir message names it" grep -q "nowhere is not a wiec data directory" "$T/err"
cp -r "$D" "$T/badcfg" && echo "mapsize = 1G" >>"$T/badcfg/config"
status 3 "unknown config key" $W status -d "$T/badcfg"
check "config error names the line" grep -q "line 5: unknown key 'mapsize'" "$T/err"
cp -r "$D" "$T/nostore" && rm -r "$T/nostore/store"
status 3 "missing store" $W status -d "$T/nostore"
cp -r "$D" "$T/open" && chmod 644 "$T/open/identity.key"
status 4 "world-readable key refused" $W idea add -d "$T/open" --title x
oneline "key mode error is one line"
cp -r "$D" "$T/badkey" && printf 'untrusted comment: x\nwiec-ed25519-sk:AAAA\n' >"$T/badkey/identity.key.new" &&
	mv "$T/badkey/identity.key.new" "$T/badkey/identity.key" && chmod 600 "$T/badkey/identity.key"
status 4 "malformed key refused" $W idea add -d "$T/badkey" --title x

status 0 "--help" $W --help
check "--help lists idea add" grep -q "idea add" "$T/out"
status 0 "help CMD" $W help comment
check "help comment shows --on" grep -q -- "--on ID" "$T/out"
# A bare prefix or an empty name is no command (they printed nothing, exit 0).
status 2 "help ide: no such command" $W help ide
status 2 "help '': no such command" $W help ""
status 0 "help idea add (two words)" $W help idea add
check "... shows idea add's options" grep -q -- "--title" "$T/out"
status 0 "help help" $W help help
check "... lists the commands" grep -q "^commands:" "$T/out"
status 2 "help of an unknown command" $W help frob
status 0 "-V" $W -V
check "-V prints the version" grep -q '^wiec [0-9]' "$T/out"
