/* post.c: posting a built event (cli_post, through the node or into the
 * store) and the one command that is not an act: announce. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sodium.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/act.h"
#include "cli/cli.h"
#include "cli/json.h"
#include "crypto/afile.h"
#include "crypto/err.h"
#include "crypto/keychain.h"
#include "node/ctl.h"

uint64_t cli_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

typedef struct post_opts {
	const char *dir, *key, *name, *role;
	int json;
} post_opts_t;

static int parse(const char *cmd, int argc, char **argv, post_opts_t *o, const char *allowed)
{
	static const struct option opts[] = {
		CLI_DIR_OPT,
		{ "key", required_argument, NULL, 'k' },
		{ "name", required_argument, NULL, 'n' },
		{ "role", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ 0, 0, 0, 0 },
	};
	int c;

	memset(o, 0, sizeof *o);
	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":d:h", opts)) != -1) {
		if (c != 'd' && c != 'h' && c != ':' && c != '?' && c != CLI_OPT_TWICE &&
		    strchr(allowed, c) == NULL)
			return cli_fail(EXIT_USAGE, cmd, "option '%s' does not apply here (see "
			    "'wiec help %s')", argv[optind - 1], cmd);
		switch (c) {
		case 'd': o->dir = optarg; break;
		case 'k': o->key = optarg; break;
		case 'n': o->name = optarg; break;
		case 'r': o->role = optarg; break;
		case 'j': o->json = 1; break;
		case 'h': cli_usage(stdout, cmd); return -1;
		default: return cli_badopt(cmd, c, argv);
		}
	}
	if (optind != argc)
		return cli_fail(EXIT_USAGE, cmd, "unexpected argument '%s'", argv[optind]);
	return 0;
}

/* With a node running: sign above the current head and hand the event to
 * the node, which commits it (extend-only) and pushes it to its peers. A
 * concurrent post by the same identity takes our place: sign again, after
 * a random pause that grows with the attempts, so every poster gets in. */
static int post_via_node(const char *dir, store_t *s, const key_pair_t *kp, Wiec__Body *body,
    uint64_t min_seq, int member, uint8_t id[static HASH_BYTES], uint64_t *seq_out,
    char *why, size_t whylen)
{
	uint8_t network[HASH_BYTES];
	int rc;

	if ((rc = store_network(s, network)) != 0)
		return rc;
	for (int attempt = 0; attempt < 200; attempt++) {
		store_head_t h;
		uint8_t *env = NULL;
		uint64_t seq;
		size_t len;
		int res = 0;
		ev_t ev;

		rc = store_head(s, kp->pk, &h);
		if (rc != 0 && rc != WIEC_ERR_NOTFOUND)
			return rc;
		if (member && h.fork)
			return WIEC_ERR_FORKED;
		seq = min_seq > h.seq + 1 ? min_seq - 1 : h.seq;
		ev_set_header(body, network, kp->pk, seq, h.count ? h.id : NULL);
		if ((rc = ev_build(&env, &len, kp, body)) != 0)
			return rc;
		if ((rc = ev_decode(&ev, env, len)) == 0) {
			memcpy(id, ev.id, HASH_BYTES);
			*seq_out = ev.seq;
			ev_free(&ev);
			rc = ctl_submit(dir, 1, (const uint8_t *const *)&env, &len, 1, &res, why, whylen);
		}
		free(env);
		if (rc != 0)
			return rc;
		if (res == STORE_ADDED || res == STORE_DUP)
			return 0;
		if (res != WIEC_ERR_CHAIN)
			return res;
		usleep((useconds_t)(1000 + randombytes_uniform(1000u * (unsigned)(attempt < 20 ?
		    attempt + 1 : 20))));
	}
	return WIEC_ERR_CHAIN;
}

int cli_behind(const char *cmd, const char *dir, uint64_t seq, const uint8_t last[static HASH_BYTES])
{
	char hex[HASH_HEX_BYTES];

	hash_hex(hex, last, HASH_BYTES);
	return cli_fail(EXIT_DATA, cmd, "this organisation signed event %s (seq %" PRIu64 "), "
	    "which %s/store does not hold: it is an older copy; start the node and let it "
	    "catch up from a peer first (signing now would fork the organisation's chain)",
	    hex, seq, dir);
}

int cli_post(const char *cmd, const char *dflag, const char *key, int json, Wiec__Body *body)
{
	const char *dir = cli_dir(dflag);
	char path[PATH_MAX], hex[HASH_HEX_BYTES], why[256] = "", name[ROSTER_NAME_MAX + 1];
	int lock, lockfd, keylock = -1;
	const char *key_path = key;
	uint8_t id[HASH_BYTES], last[HASH_BYTES];
	uint64_t min_seq = 0, seq = 0;
	store_t *s = NULL;
	key_pair_t kp;
	cfg_t cfg;
	int rc;

	if ((rc = cli_open(cmd, dir, &cfg, &s)) != EXIT_OK)
		return rc;
	if (key == NULL && cli_path(path, dir, "identity.key") != 0) {
		store_close(&s);
		return cli_fail(EXIT_USAGE, cmd, "data directory path too long");
	}
	if (key == NULL)
		key_path = path;
	if ((keylock = keychain_lock(key_path, 0)) < 0) {
		store_close(&s);
		return cli_fail(EXIT_KEY, cmd, "%s.lock: %s", key_path, strerror(errno));
	}
	/* The organisation's own chain: the last event it signed must be in
	 * this store, else the store is an older copy (a restored backup) and
	 * signing on its head would fork the chain, an equivocation for good
	 * (spec/members.md). Sync first: the node fetches the later events. */
	rc = key == NULL ? store_own_chain(s, key_path, &min_seq, last) :
	    keychain_read(key_path, &min_seq, last) != 0 ? WIEC_ERR_KEY_FORMAT : 0;
	if (rc != 0) {
		close(keylock);
		store_close(&s);
		if (rc == WIEC_ERR_KEY_FORMAT)
			return cli_fail(EXIT_KEY, cmd, "%s.chain is not a wiec chain state file",
			    key_path);
		if (rc != WIEC_ERR_BEHIND)
			return cli_fail(cli_status(rc), cmd, "%s", wiec_strerror(rc));
		return cli_behind(cmd, dir, min_seq, last);
	}
	if (key == NULL)
		min_seq = 0;	/* a member signs on its head, never above it */
	if (min_seq != 0)
		min_seq++;
	if ((rc = cli_load_key(cmd, key_path, &kp)) != EXIT_OK) {
		if (keylock >= 0)
			close(keylock);
		store_close(&s);
		return rc;
	}
	/* A member's key signs on its own chain through its own node, whose
	 * store knows the chain (the check above); signed as a resident's on
	 * this store's head it would fork the chain when the store is behind. */
	if (key != NULL && (rc = act_member_name(s, kp.pk, name)) != 0) {
		key_wipe(&kp);
		close(keylock);
		store_close(&s);
		if (rc < 0)
			return cli_fail(cli_status(rc), cmd, "%s", wiec_strerror(rc));
		return cli_fail(EXIT_FAIL, cmd, "%s is the identity of member organisation '%s': "
		    "members post through their own node (-d its data directory, without "
		    "--key)", key, name);
	}
	body->timestamp = cli_now_ms();
	if ((lock = ctl_direct_lock(dir, &lockfd)) == 0) {
		rc = store_post(s, &kp, body, min_seq, id, NULL, NULL);
		close(lockfd);
		seq = body->seq;	/* a value store_post set: not a borrowed pointer */
	} else if (lock == 1) {
		rc = post_via_node(dir, s, &kp, body, min_seq, key == NULL, id, &seq, why,
		    sizeof why);
		if (rc == WIEC_ERR_IO || rc == WIEC_ERR_PROTO) {
			if (keylock >= 0)
				close(keylock);
			key_wipe(&kp);
			store_close(&s);
			return cli_fail(EXIT_FAIL, cmd, "the node running on %s did not take the "
			    "event: %s", dir, *why ? why : "no answer");
		}
	} else {
		rc = lock;
	}
	key_wipe(&kp);
	store_close(&s);
	if (rc != 0 && keylock >= 0)
		close(keylock);
	if (rc == WIEC_ERR_FORKED)
		return cli_fail(EXIT_INVALID, cmd, "this organisation has equivocated (two events "
		    "on one prev); it can no longer post");
	if (rc != 0)
		return cli_fail(cli_status(rc), cmd, "%s", wiec_strerror(rc));
	hash_hex(hex, id, sizeof id);
	if (seq != 0 && keychain_write(key_path, seq, id) != 0) {
		rc = errno;
		close(keylock);
		return cli_fail(EXIT_FAIL, cmd, "event %s is stored, but %s.chain could not be "
		    "written: %s", hex, key_path, cli_errno_str(rc));
	}
	if (keylock >= 0)
		close(keylock);
	cli_print_id(json, id);
	return EXIT_OK;
}

int announce_main(int argc, char **argv)
{
	const char *cmd = "announce";
	Wiec__Body body = WIEC__BODY__INIT;
	Wiec__Announce a = WIEC__ANNOUNCE__INIT;
	post_opts_t o;
	cfg_t cfg;
	store_t *s;
	int rc;

	if ((rc = parse(cmd, argc, argv, &o, "knrj")) != 0)
		return rc < 0 ? EXIT_OK : rc;
	/* Defaults come from the node's config when posting as the node. */
	cfg_defaults(&cfg);
	if (o.key == NULL) {
		if ((rc = cli_open(cmd, cli_dir(o.dir), &cfg, &s)) != EXIT_OK)
			return rc;
		store_close(&s);
	} else {
		cfg.role = WIEC__ROLE__ROLE_NONE;
	}
	a.name = o.name ? (char *)o.name : cfg.name;
	a.role = cfg.role;
	if (o.role && (int)(a.role = cfg_role_parse(o.role)) < 0)
		return cli_fail(EXIT_USAGE, cmd, "--role must be city, ngo, university, business or other");
	if (o.key != NULL && o.name == NULL)
		return cli_fail(EXIT_USAGE, cmd, "--name is required with --key");
	if (!ev_text_ok(a.name, 1, EV_NAME_MAX, 0))
		return cli_fail(EXIT_USAGE, cmd, "--name must be 1 to %d bytes of text", EV_NAME_MAX);
	body.content_case = WIEC__BODY__CONTENT_ANNOUNCE;
	body.announce = &a;
	return cli_post(cmd, o.dir, o.key, o.json, &body);
}
