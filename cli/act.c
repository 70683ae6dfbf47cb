/* act.c: the commands that post events of the deliberation model
 * (spec/model.md): processes and phases, ideas and their versions, status,
 * evaluation, support, links, reports, moderation, appeals, credentials and
 * approvals; and `wiec sign`, which builds the same events on a resident's
 * own device (cli/sign.c).
 *
 * Each command is one row of a table: the options it takes, how many
 * positional arguments, and a builder that turns them into a body. The
 * builder may look at the held events (c->s, read-only) to check targets
 * and to set `after`, and refuses with one line when the local model says
 * the act would not count; the rules themselves are the model's. Offline
 * (`wiec sign`) c->s is NULL and only what the options say is checked.
 *
 * This file holds the options, the helpers every builder uses, the table
 * and the command; the builders are in actidea.c (deliberation),
 * actprocess.c (processes, phases, credentials, approvals) and actmod.c
 * (reports, moderation, appeals). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/act.h"
#include "cli/act_int.h"
#include "cli/cli.h"
#include "cli/parse.h"
#include "crypto/err.h"

/* ---- options ---- */

static const struct option act_longopts[] = {
	CLI_DIR_OPT,
	{ "key", required_argument, NULL, 256 + O_KEY },
	{ "title", required_argument, NULL, 256 + O_TITLE },
	{ "body", required_argument, NULL, 256 + O_BODY },
	{ "kind", required_argument, NULL, 256 + O_KIND },
	{ "owner", required_argument, NULL, 256 + O_OWNER },
	{ "quorum", required_argument, NULL, 256 + O_QUORUM },
	{ "phase", required_argument, NULL, 256 + O_PHASE },
	{ "unit", required_argument, NULL, 256 + O_UNIT },
	{ "reviewer", required_argument, NULL, 256 + O_REVIEWER },
	{ "moderator", required_argument, NULL, 256 + O_MODERATOR },
	{ "registrar", required_argument, NULL, 256 + O_REGISTRAR },
	{ "census", required_argument, NULL, 256 + O_CENSUS },
	{ "eligibility", no_argument, NULL, 256 + O_ELIGIBILITY },
	{ "process", required_argument, NULL, 256 + O_PROCESS },
	{ "category", required_argument, NULL, 256 + O_CATEGORY },
	{ "location", required_argument, NULL, 256 + O_LOCATION },
	{ "cost", required_argument, NULL, 256 + O_COST },
	{ "reason", required_argument, NULL, 256 + O_REASON },
	{ "feasibility", required_argument, NULL, 256 + O_FEASIBILITY },
	{ "withdraw", no_argument, NULL, 256 + O_WITHDRAW },
	{ "merge", no_argument, NULL, 256 + O_MERGE },
	{ "subject", required_argument, NULL, 256 + O_SUBJECT },
	{ "attr", required_argument, NULL, 256 + O_ATTR },
	{ "on", required_argument, NULL, 256 + O_ON },
	{ "edit", required_argument, NULL, 256 + O_EDIT },
	{ "json", no_argument, NULL, 256 + O_JSON },
	{ "out", required_argument, NULL, 'o' },
	{ "network", required_argument, NULL, 256 + O_NETWORK },
	{ "genesis", required_argument, NULL, 256 + O_GENESIS },
	{ "poll", required_argument, NULL, 256 + O_POLL },
	{ "option", required_argument, NULL, 256 + O_OPTION },
	{ "min", required_argument, NULL, 256 + O_MIN },
	{ "max", required_argument, NULL, 256 + O_MAX },
	{ "points", required_argument, NULL, 256 + O_POINTS },
	{ "rule", required_argument, NULL, 256 + O_RULE },
	{ "question", required_argument, NULL, 256 + O_QUESTION },
	{ "min-score", required_argument, NULL, 256 + O_MIN_SCORE },
	{ "exclusive", required_argument, NULL, 256 + O_EXCLUSIVE },
	{ "threshold", required_argument, NULL, 256 + O_THRESHOLD },
	{ "decision", required_argument, NULL, 256 + O_DECISION },
	{ "majority", required_argument, NULL, 256 + O_MAJORITY },
	{ "weight-majority", required_argument, NULL, 256 + O_WEIGHT_MAJORITY },
	{ "weight", required_argument, NULL, 256 + O_WEIGHT },
	{ "ballot", required_argument, NULL, 256 + O_BALLOT },
	{ "no-cost-limit", no_argument, NULL, 256 + O_NO_COST_LIMIT },
	{ "decimals", required_argument, NULL, 256 + O_DECIMALS },
	{ 0, 0, 0, 0 },
};

const char *act_opt_name(int id)
{
	for (size_t i = 0; act_longopts[i].name != NULL; i++)
		if (act_longopts[i].val == 256 + id || (id == O_OUT && act_longopts[i].val == 'o') ||
		    (id == O_DIR && act_longopts[i].val == 'd'))
			return act_longopts[i].name;
	return "?";
}

/* The options that may be given more than once: lists and flags. */
#define ACT_REPEATABLE (ACT_OPT(O_OWNER) | ACT_OPT(O_REVIEWER) | ACT_OPT(O_MODERATOR) |	\
    ACT_OPT(O_REGISTRAR) | ACT_OPT(O_PHASE) | ACT_OPT(O_UNIT) | ACT_OPT(O_ATTR) |		\
    ACT_OPT(O_OPTION) | ACT_OPT(O_EXCLUSIVE) | ACT_OPT(O_WEIGHT) | ACT_OPT(O_JSON) |	\
    ACT_OPT(O_ELIGIBILITY) | ACT_OPT(O_WITHDRAW) | ACT_OPT(O_MERGE) |			\
    ACT_OPT(O_NO_COST_LIMIT))

static int add_list(const char *cmd, act_list_t *l, const char *v, size_t max, const char *opt)
{
	if (l->n >= max)
		return cli_fail(EXIT_USAGE, cmd, "--%s is given more than %zu times", opt, max);
	l->v[l->n++] = (char *)v;
	return 0;
}

int act_parse(const char *cmd, int argc, char **argv, uint64_t allowed, act_opts_t *o)
{
	int c, rc;

	memset(o, 0, sizeof *o);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":d:ho:", act_longopts, NULL)) != -1) {
		int id = c >= 256 ? c - 256 : c == 'o' ? O_OUT : c == 'd' ? O_DIR : -1;

		if (c == 'h') {
			cli_usage(stdout, cmd);
			return -1;
		}
		if (c == ':' || c == '?')
			return cli_badopt(cmd, c, argv);
		if (id < 0 || !(allowed & ACT_OPT(id)))
			return cli_fail(EXIT_USAGE, cmd, "option '%s' does not apply here (see "
			    "'wiec help %s')", argv[optind - 1], cmd);
		rc = 0;
		/* A value given twice: which one was meant? (The last silently
		 * won: "--title a --title b" posted "b".) Lists and flags may
		 * repeat. */
		if ((o->given & ACT_OPT(id)) && !(ACT_REPEATABLE & ACT_OPT(id)))
			return cli_fail(EXIT_USAGE, cmd, "option '--%s' given twice", act_opt_name(id));
		o->given |= ACT_OPT(id);
		switch (id) {
		case O_DIR: o->dir = optarg; break;
		case O_KEY: o->key = optarg; break;
		case O_TITLE: o->title = optarg; break;
		case O_BODY: o->body = optarg; break;
		case O_KIND: o->kind = optarg; break;
		case O_QUORUM: o->quorum = optarg; break;
		case O_CENSUS: o->census = optarg; break;
		case O_ELIGIBILITY: o->eligibility = 1; break;
		case O_PROCESS: o->process = optarg; break;
		case O_CATEGORY: o->category = optarg; break;
		case O_LOCATION: o->location = optarg; break;
		case O_COST: o->cost = optarg; break;
		case O_REASON: o->reason = optarg; break;
		case O_FEASIBILITY: o->feasibility = optarg; break;
		case O_WITHDRAW: o->withdraw = 1; break;
		case O_MERGE: o->merge = 1; break;
		case O_SUBJECT: o->subject = optarg; break;
		case O_ON: o->on = optarg; break;
		case O_EDIT: o->edit = optarg; break;
		case O_JSON: o->json = 1; break;
		case O_OUT: o->out = optarg; break;
		case O_NETWORK: o->network = optarg; break;
		case O_GENESIS: o->genesis = optarg; break;
		case O_OWNER: rc = add_list(cmd, &o->owners, optarg, ACT_ROLE_MAX, "owner"); break;
		case O_REVIEWER:
			rc = add_list(cmd, &o->reviewers, optarg, ACT_ROLE_MAX, "reviewer");
			break;
		case O_MODERATOR:
			rc = add_list(cmd, &o->moderators, optarg, ACT_ROLE_MAX, "moderator");
			break;
		case O_REGISTRAR:
			rc = add_list(cmd, &o->registrars, optarg, ACT_ROLE_MAX, "registrar");
			break;
		case O_PHASE: rc = add_list(cmd, &o->phases, optarg, ACT_PHASES_MAX, "phase"); break;
		case O_UNIT: rc = add_list(cmd, &o->units, optarg, ACT_UNITS_MAX, "unit"); break;
		case O_ATTR: rc = add_list(cmd, &o->attrs, optarg, ACT_ATTRS_MAX, "attr"); break;
		case O_POLL: o->poll = optarg; break;
		case O_MIN: o->min = optarg; break;
		case O_MAX: o->max = optarg; break;
		case O_POINTS: o->points = optarg; break;
		case O_RULE: o->rule = optarg; break;
		case O_QUESTION: o->question = optarg; break;
		case O_MIN_SCORE: o->min_score = optarg; break;
		case O_THRESHOLD: o->threshold = optarg; break;
		case O_DECISION: o->decision = optarg; break;
		case O_MAJORITY: o->majority = optarg; break;
		case O_WEIGHT_MAJORITY: o->weight_majority = optarg; break;
		case O_BALLOT: o->ballot = optarg; break;
		case O_NO_COST_LIMIT: o->no_cost_limit = 1; break;
		case O_DECIMALS: o->decimals = optarg; break;
		case O_OPTION:
			rc = add_list(cmd, &o->options, optarg, ACT_CHOICES_MAX, "option");
			break;
		case O_EXCLUSIVE:
			rc = add_list(cmd, &o->exclusive, optarg, ACT_CHOICES_MAX, "exclusive");
			break;
		case O_WEIGHT: rc = add_list(cmd, &o->weights, optarg, ACT_ROLE_MAX, "weight"); break;
		}
		if (rc != 0)
			return rc;
	}
	/* An idea's --unit names one unit; a process's are NAME:BUDGET. */
	o->unit_name = o->units.n ? o->units.v[0] : NULL;
	o->args = argv + optind;
	o->nargs = argc - optind;
	return 0;
}

/* ---- value helpers ---- */

int act_need_text(act_ctx_t *c, const char *opt, const char *v, size_t min, size_t max,
    int multiline)
{
	if (v == NULL)
		return cli_fail(EXIT_USAGE, c->cmd, "--%s is required", opt);
	if (!ev_text_ok(v, min, max, multiline))
		return cli_fail(EXIT_USAGE, c->cmd, "--%s must be %zu to %zu bytes of UTF-8 text%s",
		    opt, min, max, multiline ? "" : " on one line");
	return 0;
}

int act_parse_id(act_ctx_t *c, const char *what, const char *v, uint8_t id[static HASH_BYTES])
{
	if (hash_from_hex(id, HASH_BYTES, v) != 0)
		return cli_fail(EXIT_USAGE, c->cmd, "%s must be an event id (64 hex digits), not '%s'",
		    what, v);
	return 0;
}

int act_parse_opt_id(act_ctx_t *c, const char *what, const char *v,
    uint8_t id[static HASH_BYTES])
{
	static const uint8_t zero[HASH_BYTES];
	int rc;

	if ((rc = act_parse_id(c, what, v, id)) != 0)
		return rc;
	if (memcmp(id, zero, HASH_BYTES) == 0)
		return cli_fail(EXIT_USAGE, c->cmd, "%s must be an event id; 32 zero bytes name "
		    "nothing", what);
	return 0;
}

int act_parse_key(act_ctx_t *c, const char *what, const char *v, uint8_t pk[static KEY_PK_BYTES])
{
	if (key_from_text(pk, v) != 0)
		return cli_fail(EXIT_USAGE, c->cmd, "%s must be a key (wk... or 64 hex digits), not "
		    "'%s'", what, v);
	return 0;
}

static void bin(ProtobufCBinaryData *b, uint8_t *p, size_t n)
{
	b->data = p;
	b->len = n;
}

/* Copies a 32-byte value into the context's arena and points b at it. */
int act_keep(act_ctx_t *c, ProtobufCBinaryData *b, const uint8_t v[static HASH_BYTES])
{
	if (c->nkept >= ACT_KEPT_MAX)
		return cli_fail(EXIT_USAGE, c->cmd, "too many keys and ids in one event");
	memcpy(c->kept[c->nkept], v, HASH_BYTES);
	bin(b, c->kept[c->nkept++], HASH_BYTES);
	return 0;
}

/* ---- looking at held events ---- */

int act_get(act_ctx_t *c, const char *what, const uint8_t id[static HASH_BYTES], ev_t *ev)
{
	char hex[HASH_HEX_BYTES];
	uint8_t *env = NULL;
	size_t len;
	int rc;

	hash_hex(hex, id, HASH_BYTES);
	rc = store_get(c->s, id, &env, &len);
	if (rc == WIEC_ERR_NOTFOUND)
		return cli_fail(EXIT_FAIL, c->cmd, "%s %s is not held here (wait for it to arrive, "
		    "or check the id)", what, hex);
	if (rc != 0)
		return cli_fail(cli_status(rc), c->cmd, "%s", act_strerror(c, rc));
	rc = ev_decode(ev, env, len);
	free(env);
	if (rc != 0)
		return cli_fail(EXIT_DATA, c->cmd, "stored event %s: %s", hex, act_strerror(c, rc));
	return 0;
}

/* Loads id when a store is open and checks its kind is one of k1/k2 (0:
 * none). *held says whether it was looked at. */
int act_expect(act_ctx_t *c, const char *what, const uint8_t id[static HASH_BYTES], int k1,
    int k2, ev_t *ev, int *held)
{
	char hex[HASH_HEX_BYTES];
	int rc;

	*held = 0;
	if (c->s == NULL)
		return 0;
	if ((rc = act_get(c, what, id, ev)) != 0)
		return rc;
	*held = 1;
	if ((int)ev->kind != k1 && (k2 == 0 || (int)ev->kind != k2)) {
		hash_hex(hex, id, HASH_BYTES);
		rc = cli_fail(EXIT_USAGE, c->cmd, "%s is a %s, not %s%s%s", hex,
		    kind_name((int)ev->kind), kind_name(k1), k2 ? " or " : "",
		    k2 ? kind_name(k2) : "");
		ev_free(ev);
		*held = 0;
		return rc;
	}
	return 0;
}

/* Refuses a version where an idea is named: acts name it by its first id. */
static int not_version(act_ctx_t *c, ev_t *ev, int *held)
{
	char hex[HASH_HEX_BYTES];

	if (!*held || (int)ev->kind != EV_IDEA || ev->body->idea->edit.len != HASH_BYTES)
		return 0;
	hash_hex(hex, ev->body->idea->edit.data, HASH_BYTES);
	ev_free(ev);
	*held = 0;
	return cli_fail(EXIT_USAGE, c->cmd, "that is a version of idea %s: name the idea by its "
	    "first id", hex);
}

/* An idea id as the target of an act on the idea: the original, not a
 * version (acts name the idea by its first id). */
int act_expect_idea(act_ctx_t *c, const char *what, const uint8_t id[static HASH_BYTES],
    ev_t *ev, int *held)
{
	int rc = act_expect(c, what, id, EV_IDEA, 0, ev, held);

	return rc != 0 ? rc : not_version(c, ev, held);
}

int act_expect_content(act_ctx_t *c, const char *what, const uint8_t id[static HASH_BYTES],
    ev_t *ev, int *held)
{
	int rc = act_expect(c, what, id, EV_IDEA, EV_COMMENT, ev, held);

	return rc != 0 ? rc : not_version(c, ev, held);
}

int act_need(act_ctx_t *c, const char *what, const uint8_t id[static HASH_BYTES], int k1,
    int k2)
{
	ev_t ev;
	int held, rc = act_expect(c, what, id, k1, k2, &ev, &held);

	if (held)
		ev_free(&ev);
	return rc;
}

int act_need_idea(act_ctx_t *c, const char *what, const uint8_t id[static HASH_BYTES])
{
	ev_t ev;
	int held, rc = act_expect_idea(c, what, id, &ev, &held);

	if (held)
		ev_free(&ev);
	return rc;
}

/* ---- the table ---- */

#define COMMON (ACT_OPT(O_DIR) | ACT_OPT(O_JSON))
#define POLL_OPTS (ACT_OPT(O_PROCESS) | ACT_OPT(O_KIND) | ACT_OPT(O_OPTION) | ACT_OPT(O_MIN) | \
    ACT_OPT(O_MAX) | ACT_OPT(O_POINTS) | ACT_OPT(O_RULE) | ACT_OPT(O_QUESTION) | \
    ACT_OPT(O_MIN_SCORE) | ACT_OPT(O_EXCLUSIVE) | ACT_OPT(O_QUORUM) | ACT_OPT(O_THRESHOLD) | \
    ACT_OPT(O_DECISION) | ACT_OPT(O_MAJORITY) | ACT_OPT(O_WEIGHT_MAJORITY) | ACT_OPT(O_WEIGHT) | \
    ACT_OPT(O_BALLOT) | ACT_OPT(O_NO_COST_LIMIT))
#define VOTE_OPTS (ACT_OPT(O_PROCESS) | ACT_OPT(O_POLL) | ACT_OPT(O_UNIT) | ACT_OPT(O_WITHDRAW))
#define IDEA_OPTS (ACT_OPT(O_TITLE) | ACT_OPT(O_BODY) | ACT_OPT(O_CATEGORY) | \
    ACT_OPT(O_LOCATION) | ACT_OPT(O_COST) | ACT_OPT(O_UNIT))

static const act_t acts[] = {
	{ "process create", 0, COMMON | ACT_OPT(O_KEY) | ACT_OPT(O_KIND) | ACT_OPT(O_TITLE) |
	  ACT_OPT(O_BODY) | ACT_OPT(O_OWNER) | ACT_OPT(O_QUORUM) | ACT_OPT(O_PHASE) |
	  ACT_OPT(O_UNIT) | ACT_OPT(O_REVIEWER) | ACT_OPT(O_MODERATOR) | ACT_OPT(O_REGISTRAR) |
	  ACT_OPT(O_CENSUS) | ACT_OPT(O_ELIGIBILITY) | ACT_OPT(O_DECIMALS), act_build_process, "" },
	{ "process phase", 2, COMMON | ACT_OPT(O_KEY) | ACT_OPT(O_REASON), act_build_phase,
	  "PROCESS PHASE" },
	{ "idea add", 0, COMMON | ACT_OPT(O_KEY) | IDEA_OPTS | ACT_OPT(O_PROCESS), act_build_idea,
	  "" },
	{ "idea edit", 1, COMMON | ACT_OPT(O_KEY) | IDEA_OPTS, act_build_idea_edit, "IDEA" },
	{ "idea status", 2, COMMON | ACT_OPT(O_KEY) | ACT_OPT(O_REASON), act_build_status,
	  "IDEA STATUS" },
	{ "idea evaluate", 1, COMMON | ACT_OPT(O_KEY) | ACT_OPT(O_FEASIBILITY) | ACT_OPT(O_COST) |
	  ACT_OPT(O_REASON), act_build_evaluate, "IDEA" },
	{ "idea support", 1, COMMON | ACT_OPT(O_KEY) | ACT_OPT(O_WITHDRAW), act_build_support,
	  "IDEA" },
	{ "idea link", 2, COMMON | ACT_OPT(O_KEY) | ACT_OPT(O_MERGE) | ACT_OPT(O_REASON),
	  act_build_link, "IDEA OTHER" },
	{ "comment add", 0, COMMON | ACT_OPT(O_KEY) | ACT_OPT(O_ON) | ACT_OPT(O_BODY),
	  act_build_comment, "" },
	{ "report", 1, COMMON | ACT_OPT(O_KEY) | ACT_OPT(O_REASON), act_build_report, "TARGET" },
	{ "hide", 1, COMMON | ACT_OPT(O_KEY) | ACT_OPT(O_REASON), act_build_hide, "TARGET" },
	{ "restore", 1, COMMON | ACT_OPT(O_KEY) | ACT_OPT(O_REASON), act_build_restore,
	  "TARGET" },
	{ "appeal", 1, COMMON | ACT_OPT(O_KEY) | ACT_OPT(O_REASON), act_build_appeal, "TARGET" },
	{ "credential issue", 0, COMMON | ACT_OPT(O_KEY) | ACT_OPT(O_PROCESS) | ACT_OPT(O_CENSUS) |
	  ACT_OPT(O_SUBJECT) | ACT_OPT(O_ATTR), act_build_issue, "" },
	{ "credential revoke", 0, COMMON | ACT_OPT(O_KEY) | ACT_OPT(O_PROCESS) |
	  ACT_OPT(O_CENSUS) | ACT_OPT(O_SUBJECT), act_build_revoke, "" },
	{ "approve", 1, COMMON | ACT_OPT(O_KEY), act_build_approve, "ID" },
	{ "poll open", 0, COMMON | ACT_OPT(O_KEY) | POLL_OPTS, act_build_poll, "" },
	{ "vote", -1, COMMON | ACT_OPT(O_KEY) | VOTE_OPTS, act_build_vote, "CHOICE..." },
};

/* What `wiec sign` can build: the acts of a resident. */
static const act_t sign_acts[] = {
	{ "idea", 0, IDEA_OPTS | ACT_OPT(O_PROCESS) | ACT_OPT(O_EDIT), NULL, "" },
	{ "comment", 0, ACT_OPT(O_ON) | ACT_OPT(O_BODY), act_build_comment, "" },
	{ "support", 1, ACT_OPT(O_WITHDRAW), act_build_support, "IDEA" },
	{ "report", 1, ACT_OPT(O_REASON), act_build_report, "TARGET" },
	{ "appeal", 1, ACT_OPT(O_REASON), act_build_appeal, "TARGET" },
	{ "vote", -1, VOTE_OPTS, act_build_vote, "CHOICE..." },
};

const act_t *act_find(const char *name, int sign)
{
	const act_t *t = sign ? sign_acts : acts;
	size_t n = sign ? sizeof sign_acts / sizeof sign_acts[0] : sizeof acts / sizeof acts[0];

	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	return NULL;
}

int act_build(act_ctx_t *c, const act_t *a)
{
	if (a->nargs >= 0 && c->o.nargs != a->nargs)
		return cli_fail(EXIT_USAGE, c->cmd, "%s (see 'wiec help %s')", a->nargs == 0 ?
		    "no arguments expected besides the options" : a->nargs == 1 ?
		    "expected one argument" : "expected two arguments", c->cmd);
	return a->build ? a->build(c) : act_build_sign_idea(c);
}

void act_ctx_free(act_ctx_t *c)
{
	for (size_t i = 0; i < c->nheld; i++)
		ev_free(&c->held_evs[i]);
	c->nheld = 0;
	act_model_close(c);
	store_close(&c->s);
}

int act_signer(act_ctx_t *c, const char *dir)
{
	char path[PATH_MAX];
	key_pair_t kp;
	int rc;

	if (c->o.key == NULL && cli_path(path, dir, "identity.key") != 0)
		return cli_fail(EXIT_USAGE, c->cmd, "data directory path too long");
	if ((rc = cli_load_key(c->cmd, c->o.key ? c->o.key : path, &kp)) != EXIT_OK)
		return rc;
	memcpy(c->self, kp.pk, KEY_PK_BYTES);
	key_wipe(&kp);
	return 0;
}

/* One posting command: options, checks against the held events, post. */
static int act_main(const char *name, int argc, char **argv)
{
	const act_t *a = act_find(name, 0);
	const char *dir;
	act_ctx_t *c;
	cfg_t cfg;
	int rc;

	if ((c = calloc(1, sizeof *c)) == NULL)
		return cli_fail(EXIT_FAIL, name, "out of memory");
	c->cmd = name;
	wiec__body__init(&c->body);
	if ((rc = act_parse(name, argc, argv, a->allowed, &c->o)) != 0) {
		rc = rc < 0 ? EXIT_OK : rc;
		goto out;
	}
	dir = cli_dir(c->o.dir);
	if ((rc = cli_open_post(name, dir, &cfg, &c->s)) != EXIT_OK)
		goto out;
	if ((rc = act_signer(c, dir)) != 0)
		goto out;
	if ((rc = act_build(c, a)) != 0)
		goto out;
	/* Release the read transaction's store before posting opens its own. */
	act_model_close(c);
	store_close(&c->s);
	rc = cli_post(name, c->o.dir, c->o.key, c->o.json, &c->body);
out:
	act_ctx_free(c);
	free(c);
	return rc;
}

int process_create_main(int argc, char **argv) { return act_main("process create", argc, argv); }
int process_phase_main(int argc, char **argv) { return act_main("process phase", argc, argv); }
int idea_add_main(int argc, char **argv) { return act_main("idea add", argc, argv); }
int idea_edit_main(int argc, char **argv) { return act_main("idea edit", argc, argv); }
int idea_status_main(int argc, char **argv) { return act_main("idea status", argc, argv); }
int idea_evaluate_main(int argc, char **argv) { return act_main("idea evaluate", argc, argv); }
int idea_support_main(int argc, char **argv) { return act_main("idea support", argc, argv); }
int idea_link_main(int argc, char **argv) { return act_main("idea link", argc, argv); }
int comment_add_main(int argc, char **argv) { return act_main("comment add", argc, argv); }
int report_main(int argc, char **argv) { return act_main("report", argc, argv); }
int hide_main(int argc, char **argv) { return act_main("hide", argc, argv); }
int restore_main(int argc, char **argv) { return act_main("restore", argc, argv); }
int appeal_main(int argc, char **argv) { return act_main("appeal", argc, argv); }
int credential_issue_main(int argc, char **argv)
{
	return act_main("credential issue", argc, argv);
}
int credential_revoke_main(int argc, char **argv)
{
	return act_main("credential revoke", argc, argv);
}
int approve_main(int argc, char **argv) { return act_main("approve", argc, argv); }
int poll_open_main(int argc, char **argv) { return act_main("poll open", argc, argv); }
int vote_main(int argc, char **argv) { return act_main("vote", argc, argv); }
