/* member.c: `wiec member add|rm|rotate|approve|list`: propose, cosign and
 * list changes to the member organisations (spec/members.md). A change
 * names the current roster head in `after`; it takes effect on every node
 * once a quorum of the members of that roster has signed it (its author
 * plus `member approve`). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/json.h"
#include "crypto/err.h"
#include "node/members.h"
#include "proto/genesis.h"
#include "proto/kind.h"

typedef struct member_opts {
	const char *dir, *reason;
	int json;
	char **args;
	int nargs;
} member_opts_t;

static int parse(const char *cmd, int argc, char **argv, member_opts_t *o, const char *allowed,
    int nargs)
{
	static const struct option opts[] = {
		CLI_DIR_OPT,
		{ "reason", required_argument, NULL, 'r' },
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
		case 'r': o->reason = optarg; break;
		case 'j': o->json = 1; break;
		case 'h': cli_usage(stdout, cmd); return -1;
		default: return cli_badopt(cmd, c, argv);
		}
	}
	if (argc - optind != nargs) {
		if (argc - optind > nargs)
			return cli_fail(EXIT_USAGE, cmd, "unexpected argument '%s'", argv[optind + nargs]);
		return cli_fail(EXIT_USAGE, cmd, "missing argument (see 'wiec help %s')", cmd);
	}
	o->args = argv + optind;
	o->nargs = nargs;
	if (o->reason != NULL && !ev_text_ok(o->reason, 0, EV_TEXT_MAX, 1))
		return cli_fail(EXIT_USAGE, cmd, "--reason must be at most %d bytes of UTF-8 text",
		    EV_TEXT_MAX);
	return 0;
}

/* The store, genesis and current roster of a data directory, read only. */
typedef struct mctx {
	store_t *s;
	genesis_t g;
	members_t *m;
	roster_t r;
} mctx_t;

static void mctx_close(mctx_t *c)
{
	roster_free(&c->r);
	members_destroy(&c->m);
	genesis_free(&c->g);
	store_close(&c->s);
}

/* post: the command posts a change afterwards (cli_open_post). */
static int mctx_open(const char *cmd, const char *dflag, int post, mctx_t *c)
{
	uint8_t *g = NULL;
	size_t glen;
	cfg_t cfg;
	int rc;

	memset(c, 0, sizeof *c);
	if ((rc = (post ? cli_open_post : cli_open_read)(cmd, cli_dir(dflag), &cfg, &c->s)) !=
	    EXIT_OK)
		return rc;
	if ((rc = store_genesis(c->s, &g, &glen)) != 0 ||
	    (rc = genesis_decode(&c->g, g, glen, 1)) != 0) {
		free(g);
		mctx_close(c);
		return cli_fail(cli_status(rc), cmd, "the store's genesis: %s", wiec_strerror(rc));
	}
	free(g);
	if ((c->m = members_new(c->s)) == NULL) {
		mctx_close(c);
		return cli_fail(EXIT_FAIL, cmd, "%s", wiec_strerror(WIEC_ERR_NOMEM));
	}
	if ((rc = members_roster(c->m, &c->r)) != 0) {
		mctx_close(c);
		return cli_fail(cli_status(rc), cmd, "cannot read the member changes: %s",
		    wiec_strerror(rc));
	}
	return EXIT_OK;
}

static int parse_key(const char *cmd, const char *text, uint8_t key[static KEY_PK_BYTES])
{
	if (key_from_text(key, text) != 0)
		return cli_fail(EXIT_USAGE, cmd, "KEY must be an identity key (wk... or 64 hex "
		    "digits), not '%.64s'", text);
	return EXIT_OK;
}

/* Whether transport is a current member's other than self's. */
static int transport_taken(const roster_t *r, const uint8_t *transport, const roster_member_t *self)
{
	for (size_t i = 0; i < r->n; i++)
		if (&r->members[i] != self && memcmp(r->members[i].transport, transport,
		    KEY_X_BYTES) == 0)
			return 1;
	return 0;
}

/* Posts a member change built on the roster of c (closed here, before the
 * post opens the store for writing). */
static int post_change(const char *cmd, const member_opts_t *o, mctx_t *c,
    Wiec__MemberChange *mc)
{
	static const uint8_t zero[HASH_BYTES];
	Wiec__Body body = WIEC__BODY__INIT;
	uint8_t head[HASH_BYTES];

	memcpy(head, c->r.head, HASH_BYTES);
	mctx_close(c);
	if (memcmp(head, zero, HASH_BYTES) != 0) {
		mc->after.data = head;
		mc->after.len = HASH_BYTES;
	}
	mc->reason = o->reason ? (char *)o->reason : (char *)"";
	body.content_case = WIEC__BODY__CONTENT_MEMBER;
	body.member = mc;
	return cli_post(cmd, o->dir, NULL, o->json, &body);
}

int member_add_main(int argc, char **argv)
{
	const char *cmd = "member add";
	Wiec__MemberChange mc = WIEC__MEMBER_CHANGE__INIT;
	Wiec__Founder *f = NULL;
	char text[KEY_TEXT_BYTES];
	member_opts_t o;
	mctx_t c;
	int rc;

	if ((rc = parse(cmd, argc, argv, &o, "rj", 1)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = cli_founder_load(cmd, o.args[0], &f)) != EXIT_OK)
		return rc;
	if ((rc = mctx_open(cmd, o.dir, 1, &c)) != EXIT_OK)
		goto out;
	key_to_text(text, f->key.data);
	if (roster_member_of(&c.r, f->key.data) != NULL) {
		mctx_close(&c);
		rc = cli_fail(EXIT_FAIL, cmd, "%s is already a member", text);
		goto out;
	}
	if (transport_taken(&c.r, f->transport.data, NULL)) {
		mctx_close(&c);
		rc = cli_fail(EXIT_FAIL, cmd, "%s: its transport key is another member's", text);
		goto out;
	}
	if (c.r.n >= ROSTER_MAX) {
		mctx_close(&c);
		rc = cli_fail(EXIT_FAIL, cmd, "the network has %d members, the most it can have",
		    ROSTER_MAX);
		goto out;
	}
	mc.op = WIEC__MEMBER_OP__MEMBER_ADD;
	mc.member = f;
	rc = post_change(cmd, &o, &c, &mc);
out:
	if (f != NULL)
		wiec__founder__free_unpacked(f, NULL);
	return rc;
}

/* The current member KEY names (by any of its keys), or an error line. */
static int find_member(const char *cmd, mctx_t *c, const char *arg,
    const roster_member_t **out)
{
	uint8_t key[KEY_PK_BYTES];
	int rc;

	if ((rc = parse_key(cmd, arg, key)) != EXIT_OK)
		return rc;
	if ((*out = roster_member_of(&c->r, key)) == NULL)
		return cli_fail(EXIT_FAIL, cmd, "%s is not a member%s", arg,
		    roster_is_former(&c->r, key) ? " any more (removed)" : "");
	return EXIT_OK;
}

int member_rm_main(int argc, char **argv)
{
	const char *cmd = "member rm";
	Wiec__MemberChange mc = WIEC__MEMBER_CHANGE__INIT;
	const roster_member_t *m;
	uint8_t key[KEY_PK_BYTES];
	member_opts_t o;
	mctx_t c;
	int rc;

	if ((rc = parse(cmd, argc, argv, &o, "rj", 1)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (o.reason == NULL || !*o.reason)
		return cli_fail(EXIT_USAGE, cmd, "--reason is required");
	if ((rc = mctx_open(cmd, o.dir, 1, &c)) != EXIT_OK)
		return rc;
	if ((rc = find_member(cmd, &c, o.args[0], &m)) != EXIT_OK) {
		mctx_close(&c);
		return rc;
	}
	if (c.r.n == 1) {
		mctx_close(&c);
		return cli_fail(EXIT_FAIL, cmd, "the last member cannot be removed");
	}
	memcpy(key, m->key, KEY_PK_BYTES);
	mc.op = WIEC__MEMBER_OP__MEMBER_REMOVE;
	mc.key.data = key;
	mc.key.len = KEY_PK_BYTES;
	return post_change(cmd, &o, &c, &mc);
}

int member_rotate_main(int argc, char **argv)
{
	const char *cmd = "member rotate";
	Wiec__MemberChange mc = WIEC__MEMBER_CHANGE__INIT;
	const roster_member_t *m, *other;
	Wiec__Founder *f = NULL;
	uint8_t key[KEY_PK_BYTES];
	member_opts_t o;
	mctx_t c;
	int rc;

	if ((rc = parse(cmd, argc, argv, &o, "rj", 2)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (o.reason == NULL || !*o.reason)
		return cli_fail(EXIT_USAGE, cmd, "--reason is required");
	if ((rc = cli_founder_load(cmd, o.args[1], &f)) != EXIT_OK)
		return rc;
	if ((rc = mctx_open(cmd, o.dir, 1, &c)) != EXIT_OK)
		goto out;
	if ((rc = find_member(cmd, &c, o.args[0], &m)) != EXIT_OK) {
		mctx_close(&c);
		goto out;
	}
	other = roster_member_of(&c.r, f->key.data);
	if ((other != NULL && other != m) || roster_is_former(&c.r, f->key.data) ||
	    (other == m && memcmp(m->key, f->key.data, KEY_PK_BYTES) != 0)) {
		mctx_close(&c);
		rc = cli_fail(EXIT_FAIL, cmd, "%s: the new identity key must be this member's "
		    "current one or one never used in this network", o.args[1]);
		goto out;
	}
	if (transport_taken(&c.r, f->transport.data, m)) {
		mctx_close(&c);
		rc = cli_fail(EXIT_FAIL, cmd, "%s: its transport key is another member's", o.args[1]);
		goto out;
	}
	memcpy(key, m->key, KEY_PK_BYTES);
	mc.op = WIEC__MEMBER_OP__MEMBER_ROTATE;
	mc.key.data = key;
	mc.key.len = KEY_PK_BYTES;
	mc.member = f;
	rc = post_change(cmd, &o, &c, &mc);
out:
	if (f != NULL)
		wiec__founder__free_unpacked(f, NULL);
	return rc;
}

int member_approve_main(int argc, char **argv)
{
	const char *cmd = "member approve";
	Wiec__Body body = WIEC__BODY__INIT;
	Wiec__Approve ap = WIEC__APPROVE__INIT;
	uint8_t target[HASH_BYTES], *env = NULL;
	member_opts_t o;
	size_t len;
	store_t *s;
	cfg_t cfg;
	ev_t ev;
	int rc;

	if ((rc = parse(cmd, argc, argv, &o, "j", 1)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (hash_from_hex(target, sizeof target, o.args[0]) != 0)
		return cli_fail(EXIT_USAGE, cmd, "ID must be an event id (64 hex digits)");
	/* The change must be held here: approving blind is signing blind. */
	if ((rc = cli_open_read(cmd, cli_dir(o.dir), &cfg, &s)) != EXIT_OK)
		return rc;
	rc = store_get(s, target, &env, &len);
	store_close(&s);
	if (rc == WIEC_ERR_NOTFOUND)
		return cli_fail(EXIT_FAIL, cmd, "no event %s here (wait until it arrives)", o.args[0]);
	if (rc != 0)
		return cli_fail(cli_status(rc), cmd, "%s", wiec_strerror(rc));
	rc = ev_decode(&ev, env, len);
	free(env);
	if (rc != 0)
		return cli_fail(EXIT_DATA, cmd, "stored event %s: %s", o.args[0], wiec_strerror(rc));
	rc = ev.body->content_case;
	ev_free(&ev);
	if (rc != WIEC__BODY__CONTENT_MEMBER && rc != WIEC__BODY__CONTENT_PHASE)
		return cli_fail(EXIT_USAGE, cmd, "%s is a %s, not a member change or phase change",
		    o.args[0], kind_name(rc));
	ap.target.data = target;
	ap.target.len = sizeof target;
	body.content_case = WIEC__BODY__CONTENT_APPROVE;
	body.approve = &ap;
	return cli_post(cmd, o.dir, NULL, o.json, &body);
}

/* ---- list ---- */

/* Whether id is a change the walk applied: the chain of `after` from the head. */
static int applied(const members_change_t *ch, size_t nch, const roster_t *r, const uint8_t *id)
{
	static const uint8_t zero[HASH_BYTES];
	uint8_t cur[HASH_BYTES];

	memcpy(cur, r->head, HASH_BYTES);
	for (uint64_t k = 0; k < r->changes && memcmp(cur, zero, HASH_BYTES) != 0; k++) {
		size_t i;

		if (memcmp(cur, id, HASH_BYTES) == 0)
			return 1;
		for (i = 0; i < nch && memcmp(ch[i].id, cur, HASH_BYTES) != 0; i++)
			;
		if (i == nch || ch[i].mc->after.len != HASH_BYTES)
			break;
		memcpy(cur, ch[i].mc->after.data, HASH_BYTES);
	}
	return 0;
}

/* "open": follows the current head and may still gather signers;
 * "waiting": follows a change not applied (yet); "superseded": follows an
 * earlier state, so it can never apply. */
static const char *change_state(const members_change_t *ch, size_t nch, const roster_t *r,
    const Wiec__MemberChange *mc)
{
	static const uint8_t zero[HASH_BYTES];
	int on_head = mc->after.len == 0 ? memcmp(r->head, zero, HASH_BYTES) == 0 :
	    mc->after.len == HASH_BYTES && memcmp(mc->after.data, r->head, HASH_BYTES) == 0;

	if (on_head)
		return "open";
	if (mc->after.len == 0 || applied(ch, nch, r, mc->after.data))
		return "superseded";
	return "waiting";
}

static void member_json(json_t *j, const roster_member_t *m)
{
	json_obj(j);
	json_khex(j, "key", m->key, KEY_PK_BYTES);
	json_kstr(j, "name", m->name);
	json_kstr(j, "role", cfg_role_name(m->role));
	json_khex(j, "transport", m->transport, KEY_X_BYTES);
	json_key(j, "endpoints");
	json_arr(j);
	for (size_t i = 0; i < m->nendpoints; i++)
		json_str(j, m->endpoints[i]);
	json_end(j);
	json_key(j, "earlier_keys");
	json_arr(j);
	for (size_t i = 0; i < m->nold; i++)
		json_hex(j, m->old_keys[i], KEY_PK_BYTES);
	json_end(j);
	json_end(j);
}

static void change_json(json_t *j, const members_change_t *c, const char *state,
    uint8_t (*signers)[KEY_PK_BYTES], int ns)
{
	const Wiec__MemberChange *mc = c->mc;

	json_obj(j);
	json_khex(j, "id", c->id, HASH_BYTES);
	json_kstr(j, "op", kind_member_op_name(mc->op));
	json_khex(j, "author", c->author, KEY_PK_BYTES);
	json_key(j, "after");
	json_hex_or_null(j, mc->after.data, mc->after.len);
	json_key(j, "key");
	json_hex_or_null(j, mc->key.data, mc->key.len);
	json_key(j, "member");
	if (mc->member != NULL) {
		json_obj(j);
		json_khex(j, "key", mc->member->key.data, mc->member->key.len);
		json_kstr(j, "name", mc->member->name);
		json_kstr(j, "role", cfg_role_name(mc->member->role));
		json_khex(j, "transport", mc->member->transport.data, mc->member->transport.len);
		json_key(j, "endpoints");
		json_arr(j);
		for (size_t i = 0; i < mc->member->n_endpoints; i++)
			json_str(j, mc->member->endpoints[i]);
		json_end(j);
		json_end(j);
	} else {
		json_null(j);
	}
	json_kstr(j, "reason", mc->reason ? mc->reason : "");
	json_kstr(j, "state", state);
	json_key(j, "signers");
	json_arr(j);
	for (int i = 0; i < ns; i++)
		json_hex(j, signers[i], KEY_PK_BYTES);
	json_end(j);
	json_end(j);
}

static void change_text(const members_change_t *c, const char *state,
    uint8_t (*signers)[KEY_PK_BYTES], int ns, uint32_t quorum)
{
	const Wiec__MemberChange *mc = c->mc;
	char hex[HASH_HEX_BYTES], k[KEY_TEXT_BYTES];

	hash_hex(hex, c->id, HASH_BYTES);
	printf("  %s %s ", hex, kind_member_op_name(mc->op));
	if (mc->member != NULL && mc->member->key.len == KEY_PK_BYTES) {
		key_to_text(k, mc->member->key.data);
		printf("%s (", k);
		ev_fput_text(stdout, mc->member->name, strlen(mc->member->name));
		putchar(')');
	}
	if (mc->key.len == KEY_PK_BYTES) {
		key_to_text(k, mc->key.data);
		printf("%s%s", mc->member != NULL ? " for " : "", k);
	}
	printf(": %s", state);
	if (strcmp(state, "open") == 0)
		printf(", signed by %d of %u", ns, quorum);
	for (int i = 0; i < ns; i++) {
		key_to_text(k, signers[i]);
		printf("%s%s", i ? ", " : ": ", k);
	}
	printf("\n");
}

int member_list_main(int argc, char **argv)
{
	const char *cmd = "member list";
	uint8_t (*signers)[KEY_PK_BYTES] = NULL;
	const members_change_t *ch;
	member_opts_t o;
	size_t nch;
	json_t j;
	mctx_t c;
	int rc, listed = 0;

	if ((rc = parse(cmd, argc, argv, &o, "j", 0)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = mctx_open(cmd, o.dir, 0, &c)) != EXIT_OK)
		return rc;
	if ((signers = malloc(ROSTER_MAX * sizeof *signers)) == NULL) {
		mctx_close(&c);
		return cli_fail(EXIT_FAIL, cmd, "%s", wiec_strerror(WIEC_ERR_NOMEM));
	}
	ch = members_changes(c.m, &nch);
	json_init(&j, stdout);
	if (o.json) {
		json_obj(&j);
		json_ku64(&j, "quorum", c.r.quorum);
		json_ku64(&j, "changes", c.r.changes);
		json_key(&j, "head");
		json_hex_or_null(&j, c.r.head, HASH_BYTES);
		json_key(&j, "members");
		json_arr(&j);
		for (size_t i = 0; i < c.r.n; i++)
			member_json(&j, &c.r.members[i]);
		json_end(&j);
		json_key(&j, "former");
		json_arr(&j);
		for (size_t i = 0; i < c.r.nformer; i++)
			json_hex(&j, c.r.former[i], KEY_PK_BYTES);
		json_end(&j);
		json_key(&j, "pending");
		json_arr(&j);
	} else {
		printf("%zu members, quorum %u, %llu changes applied\n", c.r.n, c.r.quorum,
		    (unsigned long long)c.r.changes);
		for (size_t i = 0; i < c.r.n; i++) {
			const roster_member_t *m = &c.r.members[i];
			char k[KEY_TEXT_BYTES], t[HASH_HEX_BYTES];

			key_to_text(k, m->key);
			hash_hex(t, m->transport, KEY_X_BYTES);
			printf("  %s %-10s ", k, cfg_role_name(m->role));
			ev_fput_text(stdout, m->name, strlen(m->name));
			printf(" transport %.16s... ", t);
			if (m->nendpoints)
				ev_fput_text(stdout, m->endpoints[0], strlen(m->endpoints[0]));
			else
				printf("(no endpoint)");
			putchar('\n');
		}
	}
	rc = EXIT_OK;
	for (size_t i = 0; i < nch; i++) {
		const char *state;
		int ns;

		if (applied(ch, nch, &c.r, ch[i].id))
			continue;
		/* Signers as counted against the current roster (for an open change,
		 * the roster it applies to); excluded changes are not listed. */
		if ((ns = members_signers(c.m, &c.r, ch[i].id, signers)) == WIEC_ERR_NOTFOUND)
			continue;
		if (ns < 0) {
			rc = cli_fail(cli_status(ns), cmd, "%s", wiec_strerror(ns));
			break;
		}
		state = change_state(ch, nch, &c.r, ch[i].mc);
		if (o.json) {
			change_json(&j, &ch[i], state, signers, ns);
		} else {
			if (!listed++)
				printf("pending changes:\n");
			change_text(&ch[i], state, signers, ns, c.r.quorum);
		}
	}
	if (o.json) {
		json_end(&j);
		json_end(&j);
	}
	free(signers);
	mctx_close(&c);
	return rc;
}
