/* post.c: commands that write a new event: announce, idea add, comment add. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "crypto/err.h"
#include "node/ctl.h"

uint64_t cli_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

typedef struct post_opts {
	const char *dir, *key, *title, *text, *on, *name, *role;
	int json;
} post_opts_t;

static int parse(const char *cmd, int argc, char **argv, post_opts_t *o, const char *allowed)
{
	static const struct option opts[] = {
		CLI_DIR_OPT,
		{ "key", required_argument, NULL, 'k' },
		{ "title", required_argument, NULL, 't' },
		{ "body", required_argument, NULL, 'b' },
		{ "on", required_argument, NULL, 'o' },
		{ "name", required_argument, NULL, 'n' },
		{ "role", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ 0, 0, 0, 0 },
	};
	int c;

	memset(o, 0, sizeof *o);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:h", opts, NULL)) != -1) {
		if (c != 'd' && c != 'h' && c != ':' && c != '?' && strchr(allowed, c) == NULL)
			return cli_fail(EXIT_USAGE, cmd, "option '%s' does not apply here (see "
			    "'wiec help %s')", argv[optind - 1], cmd);
		switch (c) {
		case 'd': o->dir = optarg; break;
		case 'k': o->key = optarg; break;
		case 't': o->title = optarg; break;
		case 'b': o->text = optarg; break;
		case 'o': o->on = optarg; break;
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

/* With a node running: sign against the current head and hand the event to
 * the node, which commits it (extend-only) and pushes it to its peers. A
 * concurrent post by the same identity takes our seq: sign again. */
static int post_via_node(const char *dir, store_t *s, const key_pair_t *kp, Wiec__Body *body,
    uint8_t id[static HASH_BYTES], char *why, size_t whylen)
{
	uint8_t network[HASH_BYTES];
	int rc;

	if ((rc = store_network(s, network)) != 0)
		return rc;
	for (int attempt = 0; attempt < 8; attempt++) {
		store_head_t h;
		uint8_t *env = NULL;
		size_t len;
		int res = 0;
		ev_t ev;

		rc = store_head(s, kp->pk, &h);
		if (rc != 0 && rc != WIEC_ERR_NOTFOUND)
			return rc;
		if (h.forked)
			return WIEC_ERR_FORKED;
		ev_set_header(body, network, kp->pk, h.seq, h.id);
		if ((rc = ev_build(&env, &len, kp, body)) != 0)
			return rc;
		if ((rc = ev_decode(&ev, env, len)) == 0) {
			memcpy(id, ev.id, HASH_BYTES);
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
	}
	return WIEC_ERR_CHAIN;
}

/* Signs and appends body as the chosen identity, then prints the id. */
static int post(const char *cmd, const post_opts_t *o, Wiec__Body *body)
{
	const char *dir = cli_dir(o->dir);
	char path[PATH_MAX], hex[HASH_HEX_BYTES], why[256] = "";
	int lock, lockfd;
	uint8_t id[HASH_BYTES];
	store_t *s = NULL;
	key_pair_t kp;
	cfg_t cfg;
	int rc;

	if ((rc = cli_open(cmd, dir, &cfg, &s)) != EXIT_OK)
		return rc;
	if (o->key == NULL && cli_path(path, dir, "identity.key") != 0) {
		store_close(&s);
		return cli_fail(EXIT_USAGE, cmd, "data directory path too long");
	}
	if ((rc = cli_load_key(cmd, o->key ? o->key : path, &kp)) != EXIT_OK) {
		store_close(&s);
		return rc;
	}
	body->timestamp = cli_now_ms();
	if ((lock = ctl_direct_lock(dir, &lockfd)) == 0) {
		rc = store_post(s, &kp, body, id, NULL, NULL);
		close(lockfd);
	} else if (lock == 1) {
		rc = post_via_node(dir, s, &kp, body, id, why, sizeof why);
		if (rc == WIEC_ERR_IO || rc == WIEC_ERR_PROTO) {
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
	if (rc == WIEC_ERR_FORKED)
		return cli_fail(EXIT_INVALID, cmd, "this identity has equivocated (two events "
		    "with one seq); it can no longer post");
	if (rc != 0)
		return cli_fail(cli_status(rc), cmd, "%s", wiec_strerror(rc));
	hash_hex(hex, id, sizeof id);
	if (o->json)
		printf("{\"id\": \"%s\"}\n", hex);
	else
		printf("%s\n", hex);
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
	return post(cmd, &o, &body);
}

int idea_add_main(int argc, char **argv)
{
	const char *cmd = "idea add";
	Wiec__Body body = WIEC__BODY__INIT;
	Wiec__Idea idea = WIEC__IDEA__INIT;
	post_opts_t o;
	int rc;

	if ((rc = parse(cmd, argc, argv, &o, "ktbj")) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (o.title == NULL)
		return cli_fail(EXIT_USAGE, cmd, "--title is required");
	if (!ev_text_ok(o.title, 1, EV_TITLE_MAX, 0))
		return cli_fail(EXIT_USAGE, cmd, "--title must be 1 to %d bytes of UTF-8 text "
		    "on one line", EV_TITLE_MAX);
	if (o.text && !ev_text_ok(o.text, 0, EV_TEXT_MAX, 1))
		return cli_fail(EXIT_USAGE, cmd, "--body must be at most %d bytes of UTF-8 text",
		    EV_TEXT_MAX);
	idea.title = (char *)o.title;
	idea.text = o.text ? (char *)o.text : (char *)"";
	body.content_case = WIEC__BODY__CONTENT_IDEA;
	body.idea = &idea;
	return post(cmd, &o, &body);
}

int comment_add_main(int argc, char **argv)
{
	const char *cmd = "comment add";
	Wiec__Body body = WIEC__BODY__INIT;
	Wiec__Comment cm = WIEC__COMMENT__INIT;
	uint8_t target[HASH_BYTES], *env = NULL;
	size_t len;
	post_opts_t o;
	store_t *s;
	cfg_t cfg;
	ev_t ev;
	int rc;

	if ((rc = parse(cmd, argc, argv, &o, "kboj")) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (o.on == NULL || o.text == NULL)
		return cli_fail(EXIT_USAGE, cmd, "--on ID and --body TEXT are required");
	if (hash_from_hex(target, sizeof target, o.on) != 0)
		return cli_fail(EXIT_USAGE, cmd, "--on must be an event id (64 hex digits)");
	if (!ev_text_ok(o.text, 1, EV_TEXT_MAX, 1))
		return cli_fail(EXIT_USAGE, cmd, "--body must be 1 to %d bytes of UTF-8 text",
		    EV_TEXT_MAX);
	/* The target must be an idea or comment this node holds. */
	if ((rc = cli_open(cmd, cli_dir(o.dir), &cfg, &s)) != EXIT_OK)
		return rc;
	rc = store_get(s, target, &env, &len);
	store_close(&s);
	if (rc == WIEC_ERR_NOTFOUND)
		return cli_fail(EXIT_FAIL, cmd, "no event %s here", o.on);
	if (rc != 0)
		return cli_fail(cli_status(rc), cmd, "%s", wiec_strerror(rc));
	rc = ev_decode(&ev, env, len);
	free(env);
	if (rc != 0)
		return cli_fail(EXIT_DATA, cmd, "stored event %s: %s", o.on, wiec_strerror(rc));
	rc = ev.kind;
	ev_free(&ev);
	if (rc != EV_IDEA && rc != EV_COMMENT)
		return cli_fail(EXIT_USAGE, cmd, "%s is an %s, not an idea or comment", o.on,
		    ev_kind_name(rc));
	cm.target.data = target;
	cm.target.len = sizeof target;
	cm.text = (char *)o.text;
	body.content_case = WIEC__BODY__CONTENT_COMMENT;
	body.comment = &cm;
	return post(cmd, &o, &body);
}
