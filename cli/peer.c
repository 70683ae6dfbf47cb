/* peer.c: wiec peer add, peer list, peer rm: the nodes this one dials
 * (DIR/peers, node/peers.h). Only founders of the installed genesis can be
 * peers; a running node re-reads the file on SIGHUP. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/json.h"
#include "crypto/err.h"
#include "node/peers.h"
#include "proto/genesis.h"

/* What every peer command needs: the installed genesis, this node's key
 * and the peers file. */
typedef struct peer_ctx {
	const char *dir;
	char path[PATH_MAX];		/* DIR/peers */
	uint8_t self[KEY_PK_BYTES];
	genesis_t g;
	peers_t peers;
	int lockfd;			/* DIR/peers.lock while changing DIR/peers, else -1 */
} peer_ctx_t;

typedef struct peer_opts {
	const char *dir, *key, *endpoint;
	int json;
} peer_opts_t;

static int parse(const char *cmd, int argc, char **argv, peer_opts_t *o, const char *allowed)
{
	static const struct option opts[] = {
		CLI_DIR_OPT,
		{ "key", required_argument, NULL, 'k' },
		{ "endpoint", required_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ 0, 0, 0, 0 },
	};
	int c;

	memset(o, 0, sizeof *o);
	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":d:h", opts)) != -1) {
		if (c != 'd' && c != 'h' && c != ':' && c != '?' && strchr(allowed, c) == NULL)
			return cli_fail(EXIT_USAGE, cmd, "option '%s' does not apply here (see "
			    "'wiec help %s')", argv[optind - 1], cmd);
		switch (c) {
		case 'd': o->dir = optarg; break;
		case 'k': o->key = optarg; break;
		case 'e': o->endpoint = optarg; break;
		case 'j': o->json = 1; break;
		case 'h': cli_usage(stdout, cmd); return -1;
		default: return cli_badopt(cmd, c, argv);
		}
	}
	if (optind != argc)
		return cli_fail(EXIT_USAGE, cmd, "unexpected argument '%s'", argv[optind]);
	return 0;
}

/* Releases what peer_open took. */
static void peer_close(peer_ctx_t *ctx)
{
	genesis_free(&ctx->g);
	if (ctx->lockfd >= 0)
		close(ctx->lockfd);
	ctx->lockfd = -1;
}

/* Fills ctx; prints the error and returns the exit status. With lock, holds
 * DIR/peers.lock from before reading DIR/peers: concurrent adds and removes
 * must each see the others' changes. On success the caller releases ctx
 * with peer_close. */
static int peer_open(const char *cmd, const char *dflag, peer_ctx_t *ctx, int lock)
{
	char path[PATH_MAX], why[160];
	uint8_t *buf = NULL;
	store_t *s = NULL;
	key_pair_t kp;
	size_t len;
	cfg_t cfg;
	int rc;

	ctx->dir = cli_dir(dflag);
	ctx->lockfd = -1;
	memset(&ctx->g, 0, sizeof ctx->g);
	if ((rc = cli_open_read(cmd, ctx->dir, &cfg, &s)) != EXIT_OK)
		return rc;
	rc = store_genesis(s, &buf, &len);
	store_close(&s);
	if (rc == 0)
		rc = genesis_decode(&ctx->g, buf, len, 1);
	free(buf);
	if (rc != 0)
		return cli_fail(EXIT_DATA, cmd, "%s/store: the installed genesis: %s", ctx->dir,
		    wiec_strerror(rc));
	(void)cli_path(path, ctx->dir, "identity.key");	/* fits: cli_open checked longer */
	if ((rc = cli_load_key(cmd, path, &kp)) != EXIT_OK)
		goto fail;
	memcpy(ctx->self, kp.pk, KEY_PK_BYTES);
	key_wipe(&kp);
	(void)cli_path(ctx->path, ctx->dir, "peers");
	if (lock && (ctx->lockfd = peers_lock(ctx->path)) < 0) {
		rc = cli_fail(EXIT_FAIL, cmd, "%s.lock: %s", ctx->path, strerror(errno));
		goto fail;
	}
	if ((rc = peers_load(&ctx->peers, ctx->path, why, sizeof why)) != 0) {
		rc = cli_fail(rc == WIEC_ERR_CONFIG ? EXIT_DATA : EXIT_FAIL, cmd, "%s: %s",
		    ctx->path, rc == WIEC_ERR_NOMEM ? wiec_strerror(rc) : why);
		goto fail;
	}
	return EXIT_OK;
fail:
	peer_close(ctx);
	return rc;
}

/* Parses --key; prints the error and returns the exit status. */
static int parse_key(const char *cmd, const char *text, uint8_t key[static KEY_PK_BYTES])
{
	if (text == NULL)
		return cli_fail(EXIT_USAGE, cmd, "--key is required");
	if (key_from_text(key, text) != 0)
		return cli_fail(EXIT_USAGE, cmd, "--key must be an identity key (wk... or 64 hex "
		    "digits), not '%.64s'", text);
	return EXIT_OK;
}

static int save(const char *cmd, const peer_ctx_t *ctx)
{
	int rc = peers_save(&ctx->peers, ctx->path);

	if (rc != 0)
		return cli_fail(EXIT_FAIL, cmd, "%s: %s", ctx->path, rc == WIEC_ERR_IO ||
		    rc == WIEC_ERR_ARG ? strerror(errno) : wiec_strerror(rc));
	return EXIT_OK;
}

int peer_add_main(int argc, char **argv)
{
	const char *cmd = "peer add", *endpoint;
	char text[KEY_TEXT_BYTES];
	uint8_t key[KEY_PK_BYTES];
	peer_ctx_t *ctx;
	peer_opts_t o;
	int i, rc;

	if ((rc = parse(cmd, argc, argv, &o, "ke")) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = parse_key(cmd, o.key, key)) != EXIT_OK)
		return rc;
	if (o.endpoint != NULL && !peers_endpoint_ok(o.endpoint))
		return cli_fail(EXIT_USAGE, cmd, "--endpoint must be tcp://HOST:PORT (at most 255 "
		    "bytes), not '%.64s'", o.endpoint);
	if ((ctx = malloc(sizeof *ctx)) == NULL)
		return cli_fail(EXIT_FAIL, cmd, "%s", wiec_strerror(WIEC_ERR_NOMEM));
	if ((rc = peer_open(cmd, o.dir, ctx, 1)) != EXIT_OK) {
		free(ctx);
		return rc;
	}
	key_to_text(text, key);
	if (memcmp(key, ctx->self, KEY_PK_BYTES) == 0) {
		rc = cli_fail(EXIT_FAIL, cmd, "%s is this node's own key; a node does not "
		    "dial itself", text);
		goto out;
	}
	if ((i = genesis_founder(&ctx->g, key)) < 0) {
		rc = cli_fail(EXIT_FAIL, cmd, "%s is not a founder of this node's network "
		    "(see 'wiec genesis show')", text);
		goto out;
	}
	/* Without --endpoint: the first one the founder published. */
	endpoint = o.endpoint;
	if (endpoint == NULL && ctx->g.body->founders[i]->n_endpoints > 0)
		endpoint = ctx->g.body->founders[i]->endpoints[0];
	if (endpoint == NULL || !peers_endpoint_ok(endpoint)) {
		rc = cli_fail(EXIT_USAGE, cmd, "the genesis gives no endpoint for %s; pass "
		    "--endpoint tcp://HOST:PORT", text);
		goto out;
	}
	if ((rc = peers_add(&ctx->peers, key, endpoint)) != 0) {
		rc = cli_fail(EXIT_FAIL, cmd, rc == WIEC_ERR_EXISTS ? "%s is already a peer "
		    "(remove it first with 'wiec peer rm')" : "%s: more than 64 peers", text);
		goto out;
	}
	if ((rc = save(cmd, ctx)) == EXIT_OK)
		printf("added %s %s\n", text, endpoint);
out:
	peer_close(ctx);
	free(ctx);
	return rc;
}

int peer_rm_main(int argc, char **argv)
{
	const char *cmd = "peer rm";
	char text[KEY_TEXT_BYTES];
	uint8_t key[KEY_PK_BYTES];
	peer_ctx_t *ctx;
	peer_opts_t o;
	int rc;

	if ((rc = parse(cmd, argc, argv, &o, "k")) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = parse_key(cmd, o.key, key)) != EXIT_OK)
		return rc;
	if ((ctx = malloc(sizeof *ctx)) == NULL)
		return cli_fail(EXIT_FAIL, cmd, "%s", wiec_strerror(WIEC_ERR_NOMEM));
	if ((rc = peer_open(cmd, o.dir, ctx, 1)) != EXIT_OK) {
		free(ctx);
		return rc;
	}
	key_to_text(text, key);
	if (peers_remove(&ctx->peers, key) != 0)
		rc = cli_fail(EXIT_FAIL, cmd, "%s is not in %s", text, ctx->path);
	else if ((rc = save(cmd, ctx)) == EXIT_OK)
		printf("removed %s\n", text);
	peer_close(ctx);
	free(ctx);
	return rc;
}

int peer_list_main(int argc, char **argv)
{
	const char *cmd = "peer list";
	char text[KEY_TEXT_BYTES];
	peer_ctx_t *ctx;
	peer_opts_t o;
	int rc;

	if ((rc = parse(cmd, argc, argv, &o, "j")) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if ((ctx = malloc(sizeof *ctx)) == NULL)
		return cli_fail(EXIT_FAIL, cmd, "%s", wiec_strerror(WIEC_ERR_NOMEM));
	if ((rc = peer_open(cmd, o.dir, ctx, 0)) != EXIT_OK) {
		free(ctx);
		return rc;
	}
	for (size_t i = 0; i < ctx->peers.n; i++) {
		const peer_t *p = &ctx->peers.peer[i];
		int f = genesis_founder(&ctx->g, p->key);
		const char *name = f >= 0 ? ctx->g.body->founders[f]->name : "(not a founder)";
		const char *role = f >= 0 ? cfg_role_name(ctx->g.body->founders[f]->role) : "none";

		key_to_text(text, p->key);
		if (o.json) {
			json_t j;

			json_init(&j, stdout);
			json_obj(&j);
			json_kstr(&j, "key", text);
			json_kstr(&j, "endpoint", p->endpoint);
			json_kstr(&j, "name", name);
			json_kstr(&j, "role", role);
			json_kbool(&j, "founder", f >= 0);
			json_end(&j);
		} else {
			printf("%s ", text);
			ev_fput_text(stdout, p->endpoint, strlen(p->endpoint));
			printf(" %s ", role);
			ev_fput_text(stdout, name, strlen(name));	/* a founder's text */
			putchar('\n');
		}
	}
	peer_close(ctx);
	free(ctx);
	return EXIT_OK;
}
