/* cli.h: what the subcommands share: exit statuses, error lines, the data
 * directory, JSON output. Only cli/ calls exit or prints for the user. */
#ifndef WIEC_CLI_H
#define WIEC_CLI_H

#include <stdio.h>

#include "crypto/key.h"
#include "node/config.h"
#include "store/store.h"

/* Exit statuses (README, "Exit status"). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,		/* runtime failure: I/O, store full, refusing to overwrite */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_DATA = 3,		/* data directory missing, corrupt or misconfigured */
	EXIT_KEY = 4,		/* key file unreadable, malformed or too open */
	EXIT_INVALID = 5,	/* an event or log fails verification */
};

/* A subcommand: argv[0] is the command's own name. */
typedef int (*cli_fn)(int argc, char **argv);

typedef struct cli_cmd {
	const char *name;	/* "idea add" */
	cli_fn fn;
	const char *summary;
	const char *usage;	/* options, one per line */
} cli_cmd_t;

/* Prints "wiec: <cmd>: <message>" on stderr, one line whatever the
 * values quoted: a line break, control character or bidirectional control
 * in cmd or the message is shown escaped (proto/event.h ev_fput_text);
 * returns status. */
int cli_fail(int status, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prints "wiec: <cmd>: note: <message>" on stderr as cli_fail does: a
 * warning that does not stop the command. */
void cli_note(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The exit status for a wiec_err_t. */
int cli_status(int err);

/* strerror(e), but ENOSPC and EDQUOT say "disk full", as every full disk is
 * named (README, "Exit status"). */
const char *cli_errno_str(int e);

#define CLI_ERR_MAX (STORE_DAMAGE_MAX + 64)	/* room for cli_strerror's line */

/* The message for err from a command that read store s (may be NULL): for
 * WIEC_ERR_CORRUPT, what store_damage names ("store is corrupt: refs
 * index: event ...", with how to repair a derived index), written to buf
 * (len bytes, e.g. CLI_ERR_MAX); else wiec_strerror(err). */
const char *cli_strerror(store_t *s, int err, char *buf, size_t len);

/* Prints the usage of cmd to f. */
void cli_usage(FILE *f, const char *cmd);

/* The data directory: the -d value, else $WIEC_DIR, else ./wiec-data. */
const char *cli_dir(const char *flag);

/* DIR/<file> into buf (PATH_MAX). Returns 0, or -1 if too long. */
int cli_path(char *buf, const char *dir, const char *file);

/* Checks that dir is a directory holding a config (no more): prints the
 * error line and returns EXIT_DATA if not, else EXIT_OK. */
int cli_check_dir(const char *cmd, const char *dir);

/* Opens DIR's config and store. On failure prints the error line and
 * returns the exit status; *s is NULL then. On success cli_path of DIR and
 * any name up to 14 bytes ("store/data.mdb") fits. */
int cli_open(const char *cmd, const char *dir, cfg_t *cfg, store_t **s);
/* cli_open for commands that only read: the store is opened read-only
 * (STORE_OPEN_RDONLY), so they work on a directory nobody may write. */
int cli_open_read(const char *cmd, const char *dir, cfg_t *cfg, store_t **s);
/* cli_open_read for commands that read the model, then post (cli_post): a
 * store whose derived state is of an older model is first rebuilt by a
 * writable open, as the post's own open would, so the checks read the
 * current model rather than refusing it (store_stale). */
int cli_open_post(const char *cmd, const char *dir, cfg_t *cfg, store_t **s);

/* An output file named by option opt of cmd: "-" is standard output
 * (`wiec export -o -`), which a command that writes only files (written
 * atomically beside their place: keys, signed events, genesis and .pb
 * files) does not write; that is one line and EXIT_USAGE, not a file named
 * "-" (./- names one). EXIT_OK otherwise. */
int cli_out_file(const char *cmd, const char *opt, const char *path);

/* Loads a secret identity key; prints the error and returns the status. */
int cli_load_key(const char *cmd, const char *path, key_pair_t *kp);

/* Writes a running node's links (s from a checked ctl_status reply; NULL:
 * none) as a JSON array of objects through j (cli/status.c). When the array
 * is the whole document, json_end writes the newline. */
struct json;
void cli_peers_json(struct json *j, const Wiec__CtlStatusReply *s);

/* Signs body (content set; the header is filled here) as the identity of
 * key (a resident's key file; NULL: DIR's own identity), stores it through
 * DIR's running node or directly, keeps KEY.chain up to date, and prints
 * the id (cli_print_id). Prints its own error line; returns the exit
 * status (cli/post.c). */
int cli_post(const char *cmd, const char *dflag, const char *key, int json, Wiec__Body *body);

/* The refusal (exit 3, one line) of signing as the organisation on a
 * store that lacks its last signed event, seq and last (store_own_chain's
 * WIEC_ERR_BEHIND). */
int cli_behind(const char *cmd, const char *dir, uint64_t seq, const uint8_t last[static HASH_BYTES]);


/* Prints an event id: 64 hex digits, or with json {"id": "..."}; a line. */
void cli_print_id(int json, const uint8_t id[static HASH_BYTES]);

/* Common option parsing: the subcommand's getopt loop handles -d/--dir and
 * -h/--help through these. */
#define CLI_DIR_OPT { "dir", required_argument, NULL, 'd' }, { "help", no_argument, NULL, 'h' }

/* Subcommands. */
int init_main(int argc, char **argv);
int id_main(int argc, char **argv);
int keygen_main(int argc, char **argv);
int announce_main(int argc, char **argv);
int idea_add_main(int argc, char **argv);
int comment_add_main(int argc, char **argv);
int log_main(int argc, char **argv);
int show_main(int argc, char **argv);
int verify_main(int argc, char **argv);
int reindex_main(int argc, char **argv);
int status_main(int argc, char **argv);
int export_main(int argc, char **argv);
int import_main(int argc, char **argv);
int founder_main(int argc, char **argv);
int genesis_new_main(int argc, char **argv);
int genesis_sign_main(int argc, char **argv);
int genesis_show_main(int argc, char **argv);
int genesis_install_main(int argc, char **argv);
int peer_add_main(int argc, char **argv);
int peer_list_main(int argc, char **argv);
int peer_rm_main(int argc, char **argv);
int testnet_main(int argc, char **argv);
int node_main(int argc, char **argv);
int peers_main(int argc, char **argv);
int member_add_main(int argc, char **argv);
int member_rm_main(int argc, char **argv);
int member_rotate_main(int argc, char **argv);
int member_approve_main(int argc, char **argv);
int member_list_main(int argc, char **argv);

/* Reads one founder record file ("wiec-founder-v1:...", spec/network.md
 * section 2) and checks it as `genesis new` does. *out: free with
 * wiec__founder__free_unpacked. Prints the error; returns the exit status
 * (cli/genesis.c). */
int cli_founder_load(const char *cmd, const char *path, Wiec__Founder **out);
/* The deliberation model (cli/act.c, cli/sign.c, cli/read.c). */
int process_create_main(int argc, char **argv);
int process_phase_main(int argc, char **argv);
int process_list_main(int argc, char **argv);
int process_show_main(int argc, char **argv);
int idea_edit_main(int argc, char **argv);
int idea_status_main(int argc, char **argv);
int idea_evaluate_main(int argc, char **argv);
int idea_support_main(int argc, char **argv);
int idea_link_main(int argc, char **argv);
int idea_show_main(int argc, char **argv);
int idea_list_main(int argc, char **argv);
int report_main(int argc, char **argv);
int hide_main(int argc, char **argv);
int restore_main(int argc, char **argv);
int appeal_main(int argc, char **argv);
int credential_issue_main(int argc, char **argv);
int credential_revoke_main(int argc, char **argv);
int approve_main(int argc, char **argv);
int sign_main(int argc, char **argv);
int submit_main(int argc, char **argv);
int search_main(int argc, char **argv);
int pb_tally_main(int argc, char **argv);
int pb_import_main(int argc, char **argv);	/* cli/pbimport.c */
int pb_export_main(int argc, char **argv);	/* cli/pbexport.c */
int poll_open_main(int argc, char **argv);
int vote_main(int argc, char **argv);
int tally_main(int argc, char **argv);
int close_main(int argc, char **argv);
int result_main(int argc, char **argv);
/* The counted events of process's checked certificate (cli/close.c): 1 with
 * *ids (malloc'd, *n sorted ids), 0 when there is none, or a wiec_err_t.
 * Opens its own view of s: call it with no other view of s open. */
int cli_close_frontier(store_t *s, const uint8_t process[static HASH_BYTES], uint8_t **ids,
    size_t *n);



/* Data-directory builders (cli/init.c), shared by init and testnet.
 * cli_build_beside creates a temporary directory beside dir, calls fill on
 * it, and renames it into place only if fill returns EXIT_OK: a failed
 * command leaves nothing. The others write the parts of a data directory
 * (keys; a genesis founded and signed by the kps; the store holding it)
 * and print their own errors; all return an exit status. */
typedef int (*cli_fill_fn)(const char *cmd, const char *tmp, void *ctx);
int cli_build_beside(const char *cmd, const char *dir, cli_fill_fn fill, void *ctx);
int cli_datadir_keys(const char *cmd, const char *dir, const cfg_t *cfg, key_pair_t *kp,
    key_x25519_t *kx);
int cli_genesis_found(const char *cmd, const char *name, const Wiec__Founder *const *fs,
    const key_pair_t *kps, size_t n, uint32_t quorum, uint8_t **out, size_t *len,
    uint8_t network[static HASH_BYTES]);
int cli_datadir_store(const char *cmd, const char *dir, const cfg_t *cfg, const uint8_t *g,
    size_t glen, const uint8_t network[static HASH_BYTES]);

/* Reports the option getopt_long just refused (opterr = 0, optstring
 * starting with ':'), or one given twice; returns EXIT_USAGE. A flag (an
 * option without a value) may be given more than once, meaning the same
 * as once; "--flag=value" is refused as taking no value. */
/* getopt_long, and CLI_OPT_TWICE when an option that takes a value was
 * given before (which one was meant? the last silently won): the caller
 * hands it to cli_badopt, as any other bad option. */
#define CLI_OPT_TWICE 0x7ffe
struct option;
int cli_getopt(int argc, char **argv, const char *sopts, const struct option *lopts);
int cli_badopt(const char *cmd, int c, char **argv);

/* Prints one stored event: JSON object or a text line. With s (may be
 * NULL) it says whether the event is excluded (spec/events.md section 5).
 * Returns 0, or -1 if the bytes do not decode (a corrupt store). */
int cli_print_event(FILE *f, store_t *s, uint64_t lseq, const uint8_t *env, size_t len,
    int json);

/* Milliseconds since the Unix epoch (informational timestamps). */
uint64_t cli_now_ms(void);

#endif
