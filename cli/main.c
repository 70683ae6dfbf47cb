/* main.c: the command table and dispatch; `wiec help CMD` reads the same table. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/json.h"
#include "crypto/err.h"
#include "crypto/mem.h"

#define WIEC_VERSION "0.1.0"

static const cli_cmd_t cmds[] = {
	{ "init", init_main, "create a data directory: identity, transport key, network",
	  "wiec init [-d DIR] [--name NAME] [--role city|ngo|university|business|other]\n"
	  "          [--map-size SIZE]\n"
	  "  Refuses to touch a directory that is not empty." },
	{ "id", id_main, "print this node's identity key",
	  "wiec id [-d DIR] [--json]" },
	{ "keygen", keygen_main, "create a resident identity key file",
	  "wiec keygen --out FILE [--comment TEXT]\n"
	  "  Post as that identity with --key FILE." },
	{ "announce", announce_main, "post who the author is (name, role)",
	  "wiec announce [-d DIR] [--key FILE] [--name NAME] [--role ROLE] [--json]\n"
	  "  Without --key: this node's identity, name and role from DIR/config." },
	/* The deliberation model (spec/model.md): cli/act.c, sign.c, read.c. */
	{ "process create", process_create_main, "open a process; prints its id",
	  "wiec process create [-d DIR] --kind ideas|consultation|budget|codecision\n"
	  "          --title T [--body B] [--owner KEY]... [--quorum N]\n"
	  "          [--phase NAME[:START[:END]]]... [--unit NAME:BUDGET]...\n"
	  "          [--reviewer KEY]... [--moderator KEY]... [--registrar KEY]...\n"
	  "          [--census ID] [--eligibility] [--decimals N] [--json]\n"
	  "  Owners default to this node and must include it; phases default to\n"
	  "  ideation, review, voting, results, implementation (dates YYYY-MM-DD,\n"
	  "  YYYY-MM-DDTHH:MM UTC, or ms); budget processes need --unit." },
	{ "process phase", process_phase_main, "move a process to another phase (owners)",
	  "wiec process phase [-d DIR] PROCESS PHASE --reason TEXT [--json]\n"
	  "  PHASE is a phase name or index; continues the current phase change." },
	{ "process list", process_list_main, "list the processes and their current phases",
	  "wiec process list [-d DIR] [--json]" },
	{ "process show", process_show_main, "a process: roles, phases, history, ideas",
	  "wiec process show [-d DIR] PROCESS [--json]" },
	{ "idea add", idea_add_main, "post an idea; prints its id",
	  "wiec idea add [-d DIR] --title TITLE [--body TEXT] [--process P] [--category C]\n"
	  "          [--location LAT,LON] [--cost N] [--unit U] [--key FILE] [--json]\n"
	  "  Without --process: the open bank of ideas. --location in decimal degrees." },
	{ "idea edit", idea_edit_main, "post a new version of one's own idea",
	  "wiec idea edit [-d DIR] IDEA [--title T] [--body B] [--category C]\n"
	  "          [--location LAT,LON] [--cost N] [--unit U] [--key FILE] [--json]\n"
	  "  Fields not given keep the latest version's values." },
	{ "idea status", idea_status_main, "official feedback on an idea (process owners)",
	  "wiec idea status [-d DIR] IDEA STATUS --reason TEXT [--json]\n"
	  "  STATUS: submitted, under-review, accepted, rejected, merged, in-progress,\n"
	  "  implemented." },
	{ "idea evaluate", idea_evaluate_main, "a reviewer's evaluation of an idea",
	  "wiec idea evaluate [-d DIR] IDEA --feasibility feasible|with-changes|not-feasible\n"
	  "          [--cost N] --reason TEXT [--json]" },
	{ "idea support", idea_support_main, "support an idea (+1), or withdraw it",
	  "wiec idea support [-d DIR] IDEA [--withdraw] [--key FILE] [--json]" },
	{ "idea link", idea_link_main, "link two ideas, or merge one into another (owners)",
	  "wiec idea link [-d DIR] IDEA OTHER [--merge] --reason TEXT [--json]" },
	{ "idea show", idea_show_main, "an idea's whole history",
	  "wiec idea show [-d DIR] IDEA [--json]\n"
	  "  Versions, status history with reasons and who, evaluations, supports,\n"
	  "  links, comment thread, reports, moderation and appeals." },
	{ "idea list", idea_list_main, "list ideas with status and support",
	  "wiec idea list [-d DIR] [--process P] [--json]\n"
	  "  Without --process: the open bank of ideas." },
	{ "report", report_main, "report an idea or comment to the moderators",
	  "wiec report [-d DIR] TARGET --reason TEXT [--key FILE] [--json]" },
	{ "hide", hide_main, "hide an idea or comment (moderators), with a reason",
	  "wiec hide [-d DIR] TARGET --reason TEXT [--json]\n"
	  "  Hidden content stays in the log, flagged; 'wiec restore' undoes it." },
	{ "restore", restore_main, "show hidden content again (moderators)",
	  "wiec restore [-d DIR] TARGET --reason TEXT [--json]" },
	{ "appeal", appeal_main, "the author asks for hidden content back",
	  "wiec appeal [-d DIR] TARGET --reason TEXT [--key FILE] [--json]" },
	{ "credential issue", credential_issue_main, "make a resident's key eligible (registrars)",
	  "wiec credential issue [-d DIR] --process P|--census ID --subject KEY\n"
	  "          [--attr NAME=VALUE]... [--json]\n"
	  "  No personal data: the registrar keeps who holds the key." },
	{ "credential revoke", credential_revoke_main, "withdraw a resident's eligibility",
	  "wiec credential revoke [-d DIR] --process P|--census ID --subject KEY [--json]" },
	{ "approve", approve_main, "cosign a member change or co-decision phase change",
	  "wiec approve [-d DIR] ID [--json]" },
	{ "poll open", poll_open_main, "open a vote on a process (owners); prints its id",
	  "wiec poll open [-d DIR] --process P --kind K [--option IDEA]... [--min N] [--max N]\n"
	  "          [--points N] [--rule R] [--question Q] [--min-score N/D]\n"
	  "          [--exclusive IDEA,IDEA...]... [--quorum N/D] [--threshold N/D]\n"
	  "          [--decision simple|qualified|double] [--majority N/D]\n"
	  "          [--weight-majority N/D] [--weight KEY:N]... [--ballot ranked|cumulative]\n"
	  "          [--no-cost-limit] [--json]\n"
	  "  K: approval, choose-one, yes-no, budget, cumulative, ranked. R: a rule of\n"
	  "  spec/tally.md (budget: greedy, greedy-no-skip, greedy-threshold,\n"
	  "  greedy-exclusive, greedy-custom, equalshares, equalshares/add1,\n"
	  "  equalshares/add1-comparison). Refused when the poll would not count." },
	{ "vote", vote_main, "cast (or change, or --withdraw) one's ballot; prints its id",
	  "wiec vote [-d DIR] --process P [--poll ID] [--unit U] [--key FILE] [--json]\n"
	  "          (CHOICE... | yes | no | abstain | --withdraw)\n"
	  "  CHOICE: an idea id, IDEA:POINTS for cumulative polls, best first for\n"
	  "  ranked ones. The latest valid ballot counts. Refused with the reason\n"
	  "  (too_many, over_budget, not_eligible, ...) when it would not count." },
	{ "tally", tally_main, "the live tally of a process's poll, from the held events",
	  "wiec tally [-d DIR] --process P [--poll ID] [--unit U] [--json]\n"
	  "  Recomputed from the log every time; the same on every node holding the same\n"
	  "  events. --json: budget polls have \"winners\" and per-unit \"scores\", others\n"
	  "  \"result\"; \"hash\" is the result hash a close certificate signs." },
	{ "close", close_main, "start closing a vote (owners); members cosign the result",
	  "wiec close [-d DIR] --process P [--key FILE] [--json]\n"
	  "  Posts a Close with every counted event this node holds; the members' nodes\n"
	  "  then agree on the counted set and cosign the result (spec/close.md).\n"
	  "  Refused (status 1) unless the signer owns the process and is a member." },
	{ "result", result_main, "the certified result of a closed vote, checked",
	  "wiec result [-d DIR] --process P [--json]\n"
	  "  The certificate: the counted events (frontier), the result (--json:\n"
	  "  \"winners\" for budget processes, else \"result\"), and one signature per\n"
	  "  cosigning member. Status 1: no certificate yet; 5: it does not check." },
	{ "sign", sign_main, "sign a resident's event on a machine with no node",
	  "wiec sign --key FILE (--network ID | --genesis FILE) -o FILE\n"
	  "          idea|comment|support|report|appeal|vote ...\n"
	  "  idea --title T [--body B] [--process P] [--category C] [--location LAT,LON]\n"
	  "       [--cost N] [--unit U] [--edit IDEA]; comment --on ID --body B;\n"
	  "  support IDEA [--withdraw]; report TARGET --reason R; appeal TARGET --reason R;\n"
	  "  vote --process P --poll ID [--unit U] (CHOICE... | yes | no | abstain | --withdraw);\n"
	  "  vote -d DIR (a copy of the log): --poll and --unit (the credential's) found,\n"
	  "  the ballot refused with its reason before anything is signed.\n"
	  "  Writes the signed envelope (its exact bytes) to FILE; keeps KEY.chain\n"
	  "  beside the key. Hand FILE to any node with 'wiec submit'." },
	{ "submit", submit_main, "hand an event signed elsewhere to this node; prints its id",
	  "wiec submit [-d DIR] FILE [--json]\n"
	  "  Relays the exact bytes; a refused event prints the rule (exit 5)." },
	{ "comment add", comment_add_main, "comment on an idea or a comment; prints its id",
	  "wiec comment add [-d DIR] --on ID --body TEXT [--key FILE] [--json]" },
	{ "search", search_main, "full-text search of ideas and comments, best first",
	  "wiec search [-d DIR] QUERY... [--process ID|bank] [--category C] [--status S]\n"
	  "            [--hidden] [--limit N] [--json]\n"
	  "  Polish without diacritics is fine (\"lodz\" finds \"Łódź\");\n"
	  "  inflected forms match (\"drzewa\", \"drzew\"); WORD* is a prefix. An idea\n"
	  "  counts by its latest version. --hidden includes hidden content; N is\n"
	  "  1 to 1000 (default 20). spec/search.md has the rules." },
	{ "log", log_main, "list events in arrival order",
	  "wiec log [-d DIR] [--author KEY] [--json]\n"
	  "  --json prints one object per line: lseq, id, author, seq, prev,\n"
	  "  timestamp, kind and the kind's fields." },
	{ "node", node_main, "run the node daemon in the foreground",
	  "wiec node [-d DIR] [--verbose]\n"
	  "  Serves peers on the config's listen endpoint and the CLI on DIR/node.sock;\n"
	  "  logs to stderr. SIGTERM/SIGINT stop it cleanly, SIGHUP re-reads DIR/peers.\n"
	  "  While it runs, commands that write go through it." },
	{ "peers", peers_main, "the running node's peers: connection, lag, bytes",
	  "wiec peers [-d DIR] [--json]" },
	{ "show", show_main, "print one event as JSON",
	  "wiec show [-d DIR] ID" },
	{ "verify", verify_main, "re-check every signature, chain and index",
	  "wiec verify [-d DIR]\n"
	  "  Exit 0 when the log is sound, 5 naming the first bad event." },
	{ "reindex", reindex_main, "rebuild every index and derived state from the log",
	  "wiec reindex [-d DIR]\n"
	  "  The result depends only on the events held. Stop the node first." },
	{ "status", status_main, "counts and the digest of the event set",
	  "wiec status [-d DIR] [--json]" },
	{ "export", export_main, "write every event, framed, to a file or stdout",
	  "wiec export [-d DIR] [-o FILE]" },
	{ "import", import_main, "ingest a file written by export",
	  "wiec import [-d DIR] [--progress] [--batch N] FILE\n"
	  "  Verifies N records at a time (default and most 4096), and commits\n"
	  "  up to eight such batches (32768 records) in one transaction, twelve\n"
	  "  when more were verified while it was applied;\n"
	  "  --progress prints 'committed N' once each batch is durable." },
	{ "founder", founder_main, "print this node's founder record for a genesis",
	  "wiec founder [-d DIR] [--endpoint tcp://HOST:PORT]...\n"
	  "  One line, wiec-founder-v1:<base64>: identity, name and role from\n"
	  "  DIR/config, transport key, endpoints (default: the config's listen)." },
	{ "genesis new", genesis_new_main, "build an unsigned genesis from founder records",
	  "wiec genesis new --name NAME [--quorum Q] [--timestamp MS] --out FILE\n"
	  "                 FOUNDERFILE...\n"
	  "  Founders in the order given; quorum defaults to floor(2n/3)+1.\n"
	  "  Never overwrites FILE." },
	{ "genesis sign", genesis_sign_main, "add this node's signature to a genesis file",
	  "wiec genesis sign [-d DIR] FILE\n"
	  "  Replaces FILE atomically; this node must be one of its founders." },
	{ "genesis show", genesis_show_main, "print a genesis: network id, founders, signatures",
	  "wiec genesis show FILE [--json]" },
	{ "genesis install", genesis_install_main, "make this node join a complete genesis",
	  "wiec genesis install [-d DIR] FILE\n"
	  "  Every founder must have signed and this node must be one; the store\n"
	  "  must hold no events yet. Prints the network id." },
	{ "peer add", peer_add_main, "add a founder's node to the nodes this one dials",
	  "wiec peer add [-d DIR] --key KEY [--endpoint tcp://HOST:PORT]\n"
	  "  KEY must be a founder of the installed genesis; the endpoint defaults\n"
	  "  to the founder's first. A running node re-reads DIR/peers on SIGHUP." },
	{ "peer list", peer_list_main, "list the nodes this one dials",
	  "wiec peer list [-d DIR] [--json]\n"
	  "  --json prints one object per line: key, endpoint, name, role, founder." },
	{ "peer rm", peer_rm_main, "stop dialling a node",
	  "wiec peer rm [-d DIR] --key KEY" },
	{ "member add", member_add_main, "propose a new member organisation; prints the change's id",
	  "wiec member add [-d DIR] FOUNDERFILE [--reason TEXT] [--json]\n"
	  "  FOUNDERFILE: the new member's 'wiec founder' record. Takes effect once\n"
	  "  a quorum of the current members signed it (this node and 'member approve')." },
	{ "member rm", member_rm_main, "propose removing a member; prints the change's id",
	  "wiec member rm [-d DIR] KEY --reason TEXT [--json]" },
	{ "member rotate", member_rotate_main, "propose a member's new keys or record",
	  "wiec member rotate [-d DIR] KEY FOUNDERFILE --reason TEXT [--json]\n"
	  "  FOUNDERFILE: the member's new record (new identity and/or transport key,\n"
	  "  endpoints, name, role)." },
	{ "member approve", member_approve_main, "cosign a member change (or phase change)",
	  "wiec member approve [-d DIR] ID [--json]" },
	{ "member list", member_list_main, "the current members and the pending changes",
	  "wiec member list [-d DIR] [--json]\n"
	  "  Members: key, name, role, transport key, endpoints; pending changes with\n"
	  "  their state (open, waiting, superseded) and the members that signed them." },
	{ "pb tally", pb_tally_main, "the winners of a Pabulib .pb election",
	  "wiec pb tally FILE.pb [--rule R] [--json] [--mixed-eol] [--exclusive ID,ID...]...\n"
	  "  R defaults to the file's META rule: greedy, greedy-no-skip, greedy-threshold,\n"
	  "  greedy-exclusive, greedy-custom, equalshares, equalshares/add1,\n"
	  "  equalshares/add1-comparison; also approval, plurality, borda (counts).\n"
	  "  Prints one winning project_id a line; --json {\"rule\", \"winners\"}.\n"
	  "  --mixed-eol accepts a file mixing CRLF and LF lines (refused by default);\n"
	  "  --exclusive gives greedy-exclusive one group of mutually exclusive projects." },
	{ "pb import", pb_import_main, "a Pabulib .pb election as a budget process with synthetic voters",
	  "wiec pb import [-d DIR] FILE.pb [--json] [--mixed-eol]\n"
	  "  Posts, as this node: a budget process (one unit, the file's budget), its\n"
	  "  projects as ideas, a poll with the file's vote type and rule, and one\n"
	  "  credential per voter; and each voter's signed ballot. Voter keys are\n"
	  "  SYNTHETIC, derived from public data (anyone can recompute them): for\n"
	  "  audits and benchmarks only. Prints the process id; --json {\"process\"}.\n"
	  "  The same file again prints the same process and adds nothing." },
	{ "pb export", pb_export_main, "write a budget process back as a Pabulib .pb file",
	  "wiec pb export [-d DIR] --process P -o FILE\n"
	  "  META, PROJECTS and VOTES (the ballots that count) from the held events;\n"
	  "  FILE is written atomically and never overwritten. Normalisation:\n"
	  "  spec/tally.md section 5." },
	{ "testnet", testnet_main, "create N ready-to-run nodes of one network on this host",
	  "wiec testnet DIR --nodes N [--base-port P]\n"
	  "  DIR/node1..N, N from 1 to 64, listening on 127.0.0.1:P+i-1 (P 7400);\n"
	  "  one genesis signed by all; peers: all others up to 5 nodes, else 3 each." },
};
#define NCMDS (sizeof cmds / sizeof cmds[0])

/* Room for one message: longer ones (two paths of PATH_MAX) end in "...". */
#define CLI_LINE_MAX 16384

/* "wiec: <cmd>: <tag><message>" and a newline on stderr. The command and
 * the message are shown as ev_fput_text shows event text: they quote
 * arguments, paths, names and files' text, which may hold a line break
 * (the error would not be one line), ESC or a bidirectional control (it
 * would drive the terminal). Format text and plain UTF-8 are unchanged. */
static void cli_vline(const char *cmd, const char *tag, const char *fmt, va_list ap)
{
	char msg[CLI_LINE_MAX];
	int n;

	fputs("wiec: ", stderr);
	if (cmd != NULL) {
		ev_fput_text(stderr, cmd, strlen(cmd));
		fputs(": ", stderr);
	}
	fputs(tag, stderr);
	if ((n = vsnprintf(msg, sizeof msg, fmt, ap)) > 0) {
		ev_fput_text(stderr, msg, strlen(msg));
		if ((size_t)n >= sizeof msg)
			fputs("...", stderr);
	}
	fputc('\n', stderr);
}

int cli_fail(int status, const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vline(cmd, "", fmt, ap);
	va_end(ap);
	return status;
}

void cli_note(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vline(cmd, "note: ", fmt, ap);
	va_end(ap);
}

const char *cli_errno_str(int e)
{
	return e == ENOSPC || e == EDQUOT ? wiec_strerror(WIEC_ERR_NOSPACE) : strerror(e);
}

int cli_status(int err)
{
	switch (err) {
	case WIEC_OK: return EXIT_OK;
	case WIEC_ERR_ARG: return EXIT_USAGE;
	case WIEC_ERR_KEY_MODE: case WIEC_ERR_KEY_FORMAT: return EXIT_KEY;
	case WIEC_ERR_NOSTORE: case WIEC_ERR_CORRUPT: case WIEC_ERR_CONFIG:
	case WIEC_ERR_STALE: case WIEC_ERR_BEHIND: case WIEC_ERR_NEWER: case WIEC_ERR_REPLACED:
		return EXIT_DATA;
	case WIEC_ERR_TOO_BIG: case WIEC_ERR_DECODE: case WIEC_ERR_NONCANON:
	case WIEC_ERR_UNKNOWN: case WIEC_ERR_FIELD: case WIEC_ERR_NETWORK:
	case WIEC_ERR_SIG: case WIEC_ERR_CHAIN: case WIEC_ERR_FORKED:
		return EXIT_INVALID;
	}
	return EXIT_FAIL;
}

const char *cli_strerror(store_t *s, int err, char *buf, size_t len)
{
	char why[STORE_DAMAGE_MAX];

	if (err != WIEC_ERR_CORRUPT || s == NULL || store_damage(s, why, sizeof why) != 0)
		return wiec_strerror(err);
	/* Everything but the log is derived from it: a rebuild repairs it. */
	snprintf(buf, len, "%s: %s%s", wiec_strerror(err), why,
	    strncmp(why, "log:", 4) == 0 ? "" : " (wiec reindex rebuilds it)");
	return buf;
}

const char *cli_dir(const char *flag)
{
	const char *env = getenv("WIEC_DIR");

	if (flag != NULL)
		return flag;
	return env != NULL && *env ? env : "./wiec-data";
}

int cli_path(char *buf, const char *dir, const char *file)
{
	int n = snprintf(buf, PATH_MAX, "%s/%s", dir, file);

	return n < 0 || n >= PATH_MAX ? -1 : 0;
}

int cli_check_dir(const char *cmd, const char *dir)
{
	char path[PATH_MAX];
	struct stat st;

	if (cli_path(path, dir, "config") != 0)
		return cli_fail(EXIT_USAGE, cmd, "data directory path too long");
	/* Only a directory that is there and has no config is "not a wiec
	 * data directory": one this user may not read must not send them to
	 * `wiec init`. */
	if (stat(dir, &st) != 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			return cli_fail(EXIT_DATA, cmd, "%s: %s", dir, strerror(errno));
	} else if (!S_ISDIR(st.st_mode)) {
		return cli_fail(EXIT_DATA, cmd, "%s is not a directory", dir);
	}
	if (lstat(path, &st) != 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			return cli_fail(EXIT_DATA, cmd, "%s: %s", path, strerror(errno));
		return cli_fail(EXIT_DATA, cmd, "%s is not a wiec data directory (no config; run "
		    "'wiec init -d %s')", dir, dir);
	}
	return EXIT_OK;
}

static int open_store(const char *cmd, const char *dir, cfg_t *cfg, store_t **s,
    unsigned flags)
{
	char path[PATH_MAX], why[256];
	struct stat st;
	int rc;

	*s = NULL;
	if ((rc = cli_check_dir(cmd, dir)) != EXIT_OK)
		return rc;
	(void)cli_path(path, dir, "config");	/* checked by cli_check_dir */
	if ((rc = cfg_load(cfg, path, why, sizeof why)) != 0)
		return cli_fail(rc == WIEC_ERR_NOMEM ? EXIT_FAIL : EXIT_DATA, cmd, "%s: %s", path,
		    why);
	/* LMDB would fail on anything but a file there with a vague error. */
	if (cli_path(path, dir, "store/data.mdb") != 0)
		return cli_fail(EXIT_USAGE, cmd, "data directory path too long");
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return cli_fail(EXIT_DATA, cmd, "%s is not a regular file: the store is damaged",
		    path);
	/* A store this user may not read is the data directory's fault
	 * (exit 3, as for its config), not a failure of the command. */
	{
		char sdir[PATH_MAX];

		(void)cli_path(sdir, dir, "store");
		if (access(sdir, R_OK | X_OK) != 0 && errno == EACCES)
			return cli_fail(EXIT_DATA, cmd, "%s: %s", sdir, strerror(EACCES));
		if (access(path, R_OK) != 0 && errno == EACCES)
			return cli_fail(EXIT_DATA, cmd, "%s: %s", path, strerror(EACCES));
	}
	(void)cli_path(path, dir, "store");
	if ((rc = store_open_why(s, path, cfg->map_size, flags, why, sizeof why)) != 0) {
		/* An I/O failure's why names the file and the system's reason
		 * ("cannot write .../commit: Permission denied"): "input/output
		 * error" before it would only mislead. */
		if (rc == WIEC_ERR_IO && why[0])
			return cli_fail(cli_status(rc), cmd, "%s: %s", path, why);
		/* The map is reserved whole at open: a map_size the process may
		 * not map (ulimit -v, a 32-bit address space) is the config's. */
		if (rc == WIEC_ERR_NOMEM)
			return cli_fail(EXIT_DATA, cmd, "%s: cannot map the store: map_size %" PRIu64
			    " bytes (the config) is more than this process may map", path,
			    (uint64_t)cfg->map_size);
		return cli_fail(cli_status(rc), cmd, "%s: %s%s%s", path, rc == WIEC_ERR_NOSTORE ?
		    "no store here (not a wiec data directory?)" : wiec_strerror(rc),
		    why[0] ? ": " : "", why);
	}
	return EXIT_OK;
}

int cli_open(const char *cmd, const char *dir, cfg_t *cfg, store_t **s)
{
	return open_store(cmd, dir, cfg, s, 0);
}

int cli_open_read(const char *cmd, const char *dir, cfg_t *cfg, store_t **s)
{
	return open_store(cmd, dir, cfg, s, STORE_OPEN_RDONLY);
}

int cli_open_post(const char *cmd, const char *dir, cfg_t *cfg, store_t **s)
{
	int rc;

	if ((rc = open_store(cmd, dir, cfg, s, STORE_OPEN_RDONLY)) != EXIT_OK ||
	    !store_stale(*s))
		return rc;
	/* The post's own (writable) open would rebuild it: do that first, so
	 * that the command's checks read the current model. */
	store_close(s);
	if ((rc = open_store(cmd, dir, cfg, s, 0)) != EXIT_OK)
		return rc;
	store_close(s);
	return open_store(cmd, dir, cfg, s, STORE_OPEN_RDONLY);
}

int cli_out_file(const char *cmd, const char *opt, const char *path)
{
	if (strcmp(path, "-") == 0)
		return cli_fail(EXIT_USAGE, cmd, "%s -: this command writes a file, not standard "
		    "output; name the file (./- for one named '-')", opt);
	return EXIT_OK;
}

int cli_load_key(const char *cmd, const char *path, key_pair_t *kp)
{
	int rc = key_load(kp, path);

	if (rc == 0)
		return EXIT_OK;
	if (rc == WIEC_ERR_NOTFOUND)
		return cli_fail(EXIT_KEY, cmd, "%s: no such key file", path);
	if (rc == WIEC_ERR_IO)
		return cli_fail(EXIT_KEY, cmd, "%s: %s", path, strerror(errno));
	if (rc == WIEC_ERR_NOTREG)
		return cli_fail(EXIT_KEY, cmd, "%s: not a regular file (a key file cannot be a "
		    "FIFO, device, directory or symbolic link)", path);
	return cli_fail(EXIT_KEY, cmd, "%s: %s", path, wiec_strerror(rc));
}

void cli_print_id(int json, const uint8_t id[static HASH_BYTES])
{
	char hex[HASH_HEX_BYTES];
	json_t j;

	if (!json) {
		hash_hex(hex, id, HASH_BYTES);
		printf("%s\n", hex);
		return;
	}
	json_init(&j, stdout);
	json_obj(&j);
	json_khex(&j, "id", id, HASH_BYTES);
	json_end(&j);
}

void cli_usage(FILE *f, const char *cmd)
{
	for (size_t i = 0; i < NCMDS; i++)
		if (strcmp(cmds[i].name, cmd) == 0 ||
		    (strncmp(cmds[i].name, cmd, strlen(cmd)) == 0 && cmds[i].name[strlen(cmd)] == ' '))
			fprintf(f, "%s\n  %s\n", cmds[i].usage, cmds[i].summary);
}

static void help_all(FILE *f)
{
	fprintf(f, "usage: wiec COMMAND [OPTIONS]\n\n"
	    "A node and CLI of the wiec deliberation network.\n\ncommands:\n");
	for (size_t i = 0; i < NCMDS; i++)
		fprintf(f, "  %-18s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "\n  help CMD           options of one command\n"
	    "\nThe data directory is -d DIR, else $WIEC_DIR, else ./wiec-data.\n"
	    "Exit status: 0 ok, 1 failure, 2 usage, 3 data directory, 4 key file,\n"
	    "5 invalid event or log.\n");
}

static const cli_cmd_t *find(int argc, char **argv, int *words)
{
	for (size_t i = 0; i < NCMDS; i++) {
		const char *sp = strchr(cmds[i].name, ' ');

		if (sp == NULL && strcmp(cmds[i].name, argv[1]) == 0) {
			*words = 1;
			return &cmds[i];
		}
		if (sp != NULL && argc > 2 && strncmp(cmds[i].name, argv[1], (size_t)(sp - cmds[i].name)) == 0 &&
		    argv[1][sp - cmds[i].name] == '\0' && strcmp(sp + 1, argv[2]) == 0) {
			*words = 2;
			return &cmds[i];
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const cli_cmd_t *c;
	int words, rc;

	mem_tune_heap();
	if (sodium_init() < 0)
		return cli_fail(EXIT_FAIL, NULL, "libsodium failed to initialise");
	if (argc < 2) {
		help_all(stdout);
		return cli_fail(EXIT_USAGE, NULL, "no command given (the commands are above)");
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		help_all(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("wiec %s\n", WIEC_VERSION);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "help") == 0) {
		int found = 0;

		if (argc < 3) {
			help_all(stdout);
			return EXIT_OK;
		}
		char name[64] = "";
		size_t used = 0;

		/* "help idea add" as "help 'idea add'"; a command or a group
		 * of them (as cli_usage matches), never a bare prefix ("ide"). */
		for (int a = 2; a < argc && used < sizeof name; a++)
			used += (size_t)snprintf(name + used, sizeof name - used, "%s%s",
			    a > 2 ? " " : "", argv[a]);
		for (size_t i = 0; i < NCMDS && name[0] != '\0' && used < sizeof name; i++) {
			size_t n = strlen(name);

			found |= strncmp(cmds[i].name, name, n) == 0 &&
			    (cmds[i].name[n] == '\0' || cmds[i].name[n] == ' ');
		}
		if (!found && strcmp(name, "help") == 0) {
			help_all(stdout);
			return EXIT_OK;
		}
		if (!found)
			return cli_fail(EXIT_USAGE, NULL, "no command '%.40s' (see 'wiec --help')",
			    name);
		cli_usage(stdout, name);
		return EXIT_OK;
	}
	if ((c = find(argc, argv, &words)) == NULL) {
		char subs[256] = "";
		size_t n = strlen(argv[1]), used = 0;

		/* "wiec idea" or "wiec idea frobnicate": name the subcommands, in one line. */
		for (size_t i = 0; i < NCMDS; i++)
			if (strncmp(cmds[i].name, argv[1], n) == 0 && cmds[i].name[n] == ' ' &&
			    used < sizeof subs)
				used += (size_t)snprintf(subs + used, sizeof subs - used, "%s'%s'",
				    used ? ", " : "", cmds[i].name);
		if (used > 0 && argc > 2)
			return cli_fail(EXIT_USAGE, argv[1], "unknown subcommand '%s'; try %s "
			    "(see 'wiec help %s')", argv[2], subs, argv[1]);
		if (used > 0)
			return cli_fail(EXIT_USAGE, argv[1], "which one? %s (see 'wiec help %s')", subs,
			    argv[1]);
		return cli_fail(EXIT_USAGE, NULL, "unknown command '%s' (see 'wiec --help')", argv[1]);
	}
	rc = c->fn(argc - words, argv + words);
	/* An id printed into a full disk or a closed pipe was not printed. */
	if ((fflush(stdout) != 0 || ferror(stdout)) && rc == EXIT_OK)
		rc = cli_fail(EXIT_FAIL, c->name, "cannot write the output: %s", strerror(errno));
	return rc;
}

/* The option lopts[li] (li >= 0) or short c names, as the short letter it
 * shares with its long form (0 if none) and the long entry (or NULL). */
static const struct option *opt_of(const struct option *lopts, int li, int c, int *letter)
{
	if (li >= 0) {
		*letter = lopts[li].flag == NULL && lopts[li].val > 0 && lopts[li].val < 128 ?
		    lopts[li].val : 0;
		return &lopts[li];
	}
	*letter = c;
	for (const struct option *o = lopts; o->name != NULL; o++)
		if (o->flag == NULL && o->val == c)
			return o;
	return NULL;
}

/* Whether short option letter takes a value in sopts. */
static int short_arg(const char *sopts, int letter)
{
	const char *p = letter > 0 ? strchr(sopts, letter) : NULL;

	return p != NULL && p[1] == ':';
}

int cli_getopt(int argc, char **argv, const char *sopts, const struct option *lopts)
{
	extern int optind;
	const struct option *me, *o;
	int li = -1, c, letter, pos, k;

	if ((c = getopt_long(argc, argv, sopts, lopts, &li)) == -1 || c == ':' || c == '?')
		return c;
	me = opt_of(lopts, li, c, &letter);
	if (me != NULL ? me->has_arg != required_argument : !short_arg(sopts, letter))
		return c;	/* flags may repeat */
	/* The element this option was in: before its value, if separate. */
	pos = optind - 1;
	if (pos >= 2 && optarg == argv[pos] && argv[pos - 1][0] == '-' &&
	    strcmp(argv[pos - 1], "--") != 0 && (argv[pos - 1][1] == '-' ?
	    strchr(argv[pos - 1], '=') == NULL : argv[pos - 1][2] == '\0'))
		pos--;
	for (k = 1; k < pos; k++) {
		const char *a = argv[k];
		int same = 0, takes = 0;

		if (strcmp(a, "--") == 0)
			break;
		if (a[0] != '-' || a[1] == '\0')
			continue;
		if (a[1] == '-') {
			size_t n = strcspn(a + 2, "=");
			const struct option *hit = NULL;
			int hits = 0;

			for (o = lopts; o->name != NULL; o++)
				if (strncmp(o->name, a + 2, n) == 0 && (hit = o, ++hits) &&
				    o->name[n] == '\0') {
					hits = 1;	/* an exact name wins over prefixes */
					break;
				}
			if (hits != 1)
				continue;
			same = hit == me || (letter != 0 && hit->flag == NULL && hit->val == letter);
			takes = hit->has_arg == required_argument && a[2 + n] != '=';
		} else {
			same = a[1] == letter;
			takes = short_arg(sopts, a[1]) && a[2] == '\0';
		}
		if (same)
			return CLI_OPT_TWICE;
		if (takes)
			k++;	/* its value */
	}
	return c;
}

int cli_badopt(const char *cmd, int c, char **argv)
{
	extern int optind, optopt;

	if (c == CLI_OPT_TWICE) {
		const char *a = argv[optind - 1];

		/* The option, not its value, when they were two words. */
		if (optind >= 3 && optarg == a && argv[optind - 2][0] == '-')
			a = argv[optind - 2];
		return cli_fail(EXIT_USAGE, cmd, "option '%.*s' given twice (see 'wiec help %s')",
		    (int)strcspn(a, "="), a, cmd);
	}
	if (c == ':')
		return cli_fail(EXIT_USAGE, cmd, "option '%s' needs a value (see 'wiec help %s')",
		    argv[optind - 1], cmd);
	/* A long option is named as given: getopt's optopt is the option's
	 * val, no letter the user typed (act.c's are above 255). A known flag
	 * given "=value" is the one long option getopt refuses with optopt. */
	if (optind >= 1 && strncmp(argv[optind - 1], "--", 2) == 0) {
		const char *a = argv[optind - 1];

		if (optopt != 0 && strchr(a, '=') != NULL)
			return cli_fail(EXIT_USAGE, cmd, "option '%.*s' takes no value (see 'wiec "
			    "help %s')", (int)strcspn(a, "="), a, cmd);
		return cli_fail(EXIT_USAGE, cmd, "unknown option '%.*s' (see 'wiec help %s')",
		    (int)strcspn(a, "="), a, cmd);
	}
	if (optopt && optopt != '?')
		return cli_fail(EXIT_USAGE, cmd, "unknown option '-%c' (see 'wiec help %s')", optopt, cmd);
	return cli_fail(EXIT_USAGE, cmd, "unknown option '%s' (see 'wiec help %s')",
	    argv[optind - 1], cmd);
}
