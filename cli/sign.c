/* sign.c: a resident's own device. `wiec sign` builds and signs one event
 * with no node and no data directory; `wiec submit` hands such a file to a
 * node, which relays its exact bytes (it cannot alter them: the id is the
 * hash of the bytes and the signature covers the body).
 *
 * The file is the raw envelope, nothing else: exactly the bytes the
 * network gossips (spec/events.md section 2), at most EV_ENV_MAX, so its id
 * is BLAKE2b-256 of the file. One event per file.
 *
 * The device's order (spec/events.md section 5): the event's seq is one
 * above the last the key's chain state KEY.chain records, and it is a root
 * (no prev), so any node takes it alone, whatever else of the resident it
 * holds or receives later. The chain state is advanced BEFORE the file is
 * written: a crash in between leaves a gap in seq, never two events with
 * one seq from one device. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/act.h"
#include "cli/cli.h"
#include "crypto/afile.h"
#include "crypto/err.h"
#include "crypto/keychain.h"
#include "node/ctl.h"
#include "proto/genesis.h"

#define SIGN_BASE (ACT_OPT(O_KEY) | ACT_OPT(O_NETWORK) | ACT_OPT(O_GENESIS) | ACT_OPT(O_OUT) | \
    ACT_OPT(O_JSON))
#define SIGN_ALL (SIGN_BASE | ACT_OPT(O_TITLE) | ACT_OPT(O_BODY) | ACT_OPT(O_CATEGORY) | \
    ACT_OPT(O_LOCATION) | ACT_OPT(O_COST) | ACT_OPT(O_UNIT) | ACT_OPT(O_PROCESS) | \
    ACT_OPT(O_EDIT) | ACT_OPT(O_ON) | ACT_OPT(O_WITHDRAW) | ACT_OPT(O_REASON) | ACT_OPT(O_POLL) | \
    ACT_OPT(O_DIR))

/* The network id from --network or --genesis; refuses a member's key (a
 * member signs through its node: a root beside its chain would be an
 * equivocation). */
static int sign_network(act_ctx_t *c, uint8_t network[static HASH_BYTES])
{
	char *buf = NULL;
	size_t len;
	genesis_t g;
	int rc;

	if ((c->o.network == NULL) == (c->o.genesis == NULL))
		return cli_fail(EXIT_USAGE, c->cmd, "give one of --network ID or --genesis FILE");
	if (c->o.network != NULL) {
		if (hash_from_hex(network, HASH_BYTES, c->o.network) != 0)
			return cli_fail(EXIT_USAGE, c->cmd, "--network must be a network id (64 hex "
			    "digits; 'wiec status' prints it)");
		return 0;
	}
	rc = afile_read(c->o.genesis, 0, GENESIS_MAX, &buf, &len);
	if (rc != 0)
		return cli_fail(EXIT_FAIL, c->cmd, "%s: %s", c->o.genesis, rc == WIEC_ERR_IO ?
		    strerror(errno) : wiec_strerror(rc));
	rc = genesis_decode(&g, (const uint8_t *)buf, len, 1);
	free(buf);
	if (rc != 0)
		return cli_fail(EXIT_INVALID, c->cmd, "%s is not a complete genesis: %s",
		    c->o.genesis, wiec_strerror(rc));
	memcpy(network, g.network, HASH_BYTES);
	rc = genesis_founder(&g, c->self) >= 0;
	genesis_free(&g);
	if (rc)
		return cli_fail(EXIT_USAGE, c->cmd, "this key is a member organisation's: members "
		    "post through their own node, not 'wiec sign'");
	return 0;
}

/* Whether path is DIR/identity.key of a data directory (DIR/config
 * beside it): an organisation's identity, which signs through its node.
 * Without the genesis or a log at hand this is how `wiec sign --network`
 * knows it: signed here on its own, it would fork the member's chain. */
static int data_dir_key(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;
	struct stat st;

	if (strcmp(slash ? slash + 1 : path, "identity.key") != 0)
		return 0;
	if (snprintf(dir, sizeof dir, "%.*s%sconfig", (int)n, path, slash ? "/" : "") >=
	    (int)sizeof dir)
		return 0;
	return stat(dir, &st) == 0;
}

int sign_main(int argc, char **argv)
{
	const char *cmd = "sign";
	uint8_t network[HASH_BYTES], last[HASH_BYTES], *env = NULL;
	char hex[HASH_HEX_BYTES], name[ROSTER_NAME_MAX + 1];
	const act_t *a;
	act_ctx_t *c;
	key_pair_t kp;
	uint64_t seq;
	size_t len;
	ev_t ev;
	int rc, keylock = -1;

	if ((c = calloc(1, sizeof *c)) == NULL)
		return cli_fail(EXIT_FAIL, cmd, "out of memory");
	c->cmd = cmd;
	wiec__body__init(&c->body);
	memset(&kp, 0, sizeof kp);
	if ((rc = act_parse(cmd, argc, argv, SIGN_ALL, &c->o)) != 0) {
		rc = rc < 0 ? EXIT_OK : rc;
		goto out;
	}
	if (c->o.nargs < 1 || (a = act_find(c->o.args[0], 1)) == NULL) {
		rc = cli_fail(EXIT_USAGE, cmd, "what to sign: idea, comment, support, report, "
		    "appeal or vote (see 'wiec help sign')");
		goto out;
	}
	/* -d DIR: a vote checked against a copy of the log the device holds. */
	for (int id = 0; id < 64; id++)
		if ((c->o.given & ACT_OPT(id)) && !((a->allowed | SIGN_BASE |
		    (a->build == act_build_vote ? ACT_OPT(O_DIR) : 0)) & ACT_OPT(id))) {
			rc = cli_fail(EXIT_USAGE, cmd, "option '--%s' does not apply to 'sign %s'",
			    act_opt_name(id), a->name);
			goto out;
		}
	c->o.args++;
	c->o.nargs--;
	if (c->o.key == NULL || c->o.out == NULL) {
		rc = cli_fail(EXIT_USAGE, cmd, "--key FILE and -o FILE are required");
		goto out;
	}
	if ((rc = cli_out_file(cmd, "-o", c->o.out)) != EXIT_OK)
		goto out;
	if ((rc = cli_load_key(cmd, c->o.key, &kp)) != EXIT_OK)
		goto out;
	memcpy(c->self, kp.pk, KEY_PK_BYTES);
	if (data_dir_key(c->o.key)) {
		rc = cli_fail(EXIT_USAGE, cmd, "%s is a data directory's identity key: members "
		    "post through their own node, not 'wiec sign'", c->o.key);
		goto out;
	}
	if ((rc = sign_network(c, network)) != 0)
		goto out;
	/* With a copy of the log, the vote is built as `wiec vote` builds it
	 * (its poll, the voter's unit) and refused with the model's reason
	 * before anything is signed; the copy is only read. */
	if (c->o.dir != NULL) {
		cfg_t cfg;
		uint8_t held[HASH_BYTES];

		if ((rc = cli_open_read(cmd, c->o.dir, &cfg, &c->s)) != EXIT_OK)
			goto out;
		if ((rc = store_network(c->s, held)) != 0) {
			rc = cli_fail(cli_status(rc), cmd, "%s", wiec_strerror(rc));
			goto out;
		}
		if (memcmp(held, network, HASH_BYTES) != 0) {
			rc = cli_fail(EXIT_USAGE, cmd, "%s holds another network than the one "
			    "given", c->o.dir);
			goto out;
		}
		if ((rc = act_member_name(c->s, c->self, name)) != 0) {
			rc = rc < 0 ? cli_fail(cli_status(rc), cmd, "%s", wiec_strerror(rc)) :
			    cli_fail(EXIT_USAGE, cmd, "this key is member organisation '%s''s: "
			    "members post through their own node, not 'wiec sign'", name);
			goto out;
		}
	}
	if ((rc = act_build(c, a)) != 0)
		goto out;
	if ((keylock = keychain_lock(c->o.key, 0)) < 0) {
		rc = cli_fail(EXIT_KEY, cmd, "%s.lock: %s", c->o.key, strerror(errno));
		goto out;
	}
	if (keychain_read(c->o.key, &seq, last) != 0) {
		rc = cli_fail(EXIT_KEY, cmd, "%s.chain is not a wiec chain state file", c->o.key);
		goto out;
	}
	if (seq >= UINT64_MAX - 1) {
		rc = cli_fail(EXIT_KEY, cmd, "%s.chain: no seq left for this key", c->o.key);
		goto out;
	}
	if (access(c->o.out, F_OK) == 0 || errno != ENOENT) {
		rc = cli_fail(EXIT_FAIL, cmd, "%s already exists; refusing to overwrite it",
		    c->o.out);
		goto out;
	}
	c->body.timestamp = cli_now_ms();
	ev_set_header(&c->body, network, kp.pk, seq, NULL);	/* seq + 1, a root */
	if ((rc = ev_build(&env, &len, &kp, &c->body)) != 0) {
		rc = cli_fail(cli_status(rc), cmd, "cannot build the event: %s", wiec_strerror(rc));
		goto out;
	}
	if ((rc = ev_decode(&ev, env, len)) != 0) {
		rc = cli_fail(EXIT_FAIL, cmd, "the event just built does not decode: %s",
		    wiec_strerror(rc));
		goto out;
	}
	hash_hex(hex, ev.id, HASH_BYTES);
	seq = ev.seq;
	memcpy(last, ev.id, HASH_BYTES);
	ev_free(&ev);
	/* The state first: never two events with one seq from this device. */
	if (keychain_write(c->o.key, seq, last) != 0) {
		rc = cli_fail(EXIT_FAIL, cmd, "%s.chain could not be written (%s); nothing was "
		    "signed", c->o.key, cli_errno_str(errno));
		goto out;
	}
	if ((rc = afile_put(c->o.out, env, len, 0644, 0)) != 0) {
		rc = cli_fail(EXIT_FAIL, cmd, "%s: %s", c->o.out, rc == WIEC_ERR_IO ?
		    strerror(errno) : wiec_strerror(rc));
		goto out;
	}
	cli_print_id(c->o.json, last);
	rc = EXIT_OK;
out:
	if (keylock >= 0)
		close(keylock);	/* after the state and the file are written */
	free(env);
	key_wipe(&kp);
	act_ctx_free(c);
	free(c);
	return rc;
}

/* Hands one envelope to the store directly (no node runs). */
static int submit_direct(store_t *s, const uint8_t *env, size_t len, int *res)
{
	uint8_t network[HASH_BYTES];
	ev_t ev;
	int rc;

	if ((rc = store_network(s, network)) != 0)
		return rc;
	if ((rc = ev_check(&ev, env, len, network)) != 0) {
		*res = rc;
		return 0;
	}
	rc = store_ingest(s, &ev, 1, res, NULL);
	ev_free(&ev);
	return rc;
}

int submit_main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_DIR_OPT, { "json", no_argument, NULL, 'j' }, { 0, 0, 0, 0 },
	};
	const char *cmd = "submit", *dflag = NULL, *dir;
	char *buf = NULL, why[256] = "";
	uint8_t id[HASH_BYTES];
	int c, rc, json = 0, res = 0, lock, lockfd = -1;
	store_t *s = NULL;
	size_t len;
	cfg_t cfg;
	ev_t ev;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":d:h", opts)) != -1) {
		switch (c) {
		case 'd': dflag = optarg; break;
		case 'j': json = 1; break;
		case 'h': cli_usage(stdout, cmd); return EXIT_OK;
		default: return cli_badopt(cmd, c, argv);
		}
	}
	if (optind + 1 != argc)
		return cli_fail(EXIT_USAGE, cmd, "usage: wiec submit [-d DIR] FILE [--json]");
	dir = cli_dir(dflag);
	if ((rc = cli_open(cmd, dir, &cfg, &s)) != EXIT_OK)
		return rc;
	/* A regular file only, as for key files: a FIFO nobody writes would
	 * block the command for good. */
	rc = afile_read(argv[optind], 0, EV_ENV_MAX, &buf, &len);
	if (rc != 0) {
		store_close(&s);
		if (rc == WIEC_ERR_TOO_BIG)
			return cli_fail(EXIT_INVALID, cmd, "%s: longer than an event (%d bytes at "
			    "most): not a file from 'wiec sign'", argv[optind], EV_ENV_MAX);
		return cli_fail(EXIT_FAIL, cmd, "%s: %s", argv[optind], rc == WIEC_ERR_IO ?
		    strerror(errno) : wiec_strerror(rc));
	}
	/* Its id, and a first look (the store or node checks everything). */
	if ((rc = ev_decode(&ev, (const uint8_t *)buf, len)) != 0) {
		free(buf);
		store_close(&s);
		return cli_fail(EXIT_INVALID, cmd, "%s: refused: %s", argv[optind],
		    wiec_strerror(rc));
	}
	memcpy(id, ev.id, HASH_BYTES);
	if ((rc = act_submit_check(cmd, s, &ev)) == 0)
		rc = act_submit_member_check(cmd, s, &ev);
	ev_free(&ev);
	if (rc != 0) {
		free(buf);
		store_close(&s);
		return rc;
	}
	if ((lock = ctl_direct_lock(dir, &lockfd)) == 0) {
		rc = submit_direct(s, (const uint8_t *)buf, len, &res);
		close(lockfd);
	} else if (lock == 1) {
		const uint8_t *envs[1] = { (const uint8_t *)buf };

		rc = ctl_submit(dir, 0, envs, &len, 1, &res, why, sizeof why);
		if (rc == WIEC_ERR_IO || rc == WIEC_ERR_PROTO) {
			free(buf);
			store_close(&s);
			return cli_fail(EXIT_FAIL, cmd, "the node running on %s did not take the "
			    "event: %s", dir, *why ? why : "no answer");
		}
	} else {
		rc = lock;
	}
	free(buf);
	store_close(&s);
	if (rc != 0)
		return cli_fail(cli_status(rc), cmd, "%s", wiec_strerror(rc));
	if (res < 0)
		return cli_fail(cli_status(res) == EXIT_FAIL ? EXIT_FAIL : EXIT_INVALID, cmd,
		    "%s: refused: %s", argv[optind], wiec_strerror(res));
	if (res == STORE_PENDING)
		fprintf(stderr, "wiec: submit: held back until its predecessor (prev) arrives\n");
	cli_print_id(json, id);
	return EXIT_OK;
}
