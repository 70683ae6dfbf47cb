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
 * (`wiec sign`) c->s is NULL and only what the options say is checked. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/act.h"
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

static int need_text(act_ctx_t *c, const char *opt, const char *v, size_t min, size_t max,
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

#define parse_id act_parse_id
#define parse_key act_parse_key
#define keep act_keep

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
		return cli_fail(cli_status(rc), c->cmd, "%s", wiec_strerror(rc));
	rc = ev_decode(ev, env, len);
	free(env);
	if (rc != 0)
		return cli_fail(EXIT_DATA, c->cmd, "stored event %s: %s", hex, wiec_strerror(rc));
	return 0;
}

/* Loads id when a store is open and checks its kind is one of k1/k2 (0:
 * none). *held says whether it was looked at. */
static int expect(act_ctx_t *c, const char *what, const uint8_t id[static HASH_BYTES], int k1,
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

/* An idea id as the target of an act on the idea: the original, not a
 * version (acts name the idea by its first id). */
static int expect_idea(act_ctx_t *c, const char *what, const uint8_t id[static HASH_BYTES],
    ev_t *ev, int *held)
{
	char hex[HASH_HEX_BYTES];
	int rc;

	if ((rc = expect(c, what, id, EV_IDEA, 0, ev, held)) != 0 || !*held)
		return rc;
	if (ev->body->idea->edit.len == HASH_BYTES) {
		hash_hex(hex, ev->body->idea->edit.data, HASH_BYTES);
		ev_free(ev);
		*held = 0;
		return cli_fail(EXIT_USAGE, c->cmd, "that is a version of idea %s: name the idea "
		    "by its first id", hex);
	}
	return 0;
}

/* ---- builders ---- */

static const char *const default_phases[] = {
	"ideation", "review", "voting", "results", "implementation",
};

static int process_kind(const char *s)
{
	if (strcmp(s, "ideas") == 0)
		return WIEC__PROCESS_KIND__PROCESS_IDEAS;
	if (strcmp(s, "consultation") == 0)
		return WIEC__PROCESS_KIND__PROCESS_CONSULTATION;
	if (strcmp(s, "budget") == 0)
		return WIEC__PROCESS_KIND__PROCESS_BUDGET;
	if (strcmp(s, "codecision") == 0)
		return WIEC__PROCESS_KIND__PROCESS_CODECISION;
	return -1;
}

const char *act_process_kind_name(int k)
{
	switch (k) {
	case WIEC__PROCESS_KIND__PROCESS_IDEAS: return "ideas";
	case WIEC__PROCESS_KIND__PROCESS_CONSULTATION: return "consultation";
	case WIEC__PROCESS_KIND__PROCESS_BUDGET: return "budget";
	case WIEC__PROCESS_KIND__PROCESS_CODECISION: return "codecision";
	}
	return "none";
}

/* A role list: keys, distinct. */
static int role_list(act_ctx_t *c, const char *opt, const act_list_t *l,
    ProtobufCBinaryData *out, size_t *n)
{
	uint8_t pk[KEY_PK_BYTES];
	int rc;

	*n = 0;
	for (size_t i = 0; i < l->n; i++) {
		if ((rc = parse_key(c, opt, l->v[i], pk)) != 0)
			return rc;
		for (size_t j = 0; j < *n; j++)
			if (memcmp(out[j].data, pk, KEY_PK_BYTES) == 0)
				return cli_fail(EXIT_USAGE, c->cmd, "%s %s is given twice", opt,
				    l->v[i]);
		if ((rc = keep(c, &out[(*n)++], pk)) != 0)
			return rc;
	}
	return 0;
}

static int build_process(act_ctx_t *c)
{
	const act_opts_t *o = &c->o;
	Wiec__Process *p = &c->u.process;
	uint64_t q = 0;
	int kind, rc, self_owner = 0;

	wiec__process__init(p);
	if (o->kind == NULL || (kind = process_kind(o->kind)) < 0)
		return cli_fail(EXIT_USAGE, c->cmd, "--kind must be ideas, consultation, budget or "
		    "codecision");
	p->kind = (Wiec__ProcessKind)kind;
	if ((rc = need_text(c, "title", o->title, 1, EV_TITLE_MAX, 0)) != 0)
		return rc;
	if (o->body && (rc = need_text(c, "body", o->body, 0, EV_TEXT_MAX, 1)) != 0)
		return rc;
	p->title = (char *)o->title;
	p->text = o->body ? (char *)o->body : (char *)"";
	/* Owners: this identity unless listed; the author must be one. */
	p->owners = c->bins[0];
	if (o->owners.n == 0) {
		if ((rc = keep(c, &p->owners[0], c->self)) != 0)
			return rc;
		p->n_owners = 1;
	} else if ((rc = role_list(c, "--owner", &o->owners, p->owners, &p->n_owners)) != 0) {
		return rc;
	}
	for (size_t i = 0; i < p->n_owners; i++)
		self_owner |= memcmp(p->owners[i].data, c->self, KEY_PK_BYTES) == 0;
	if (!self_owner)
		return cli_fail(EXIT_USAGE, c->cmd, "the author (this identity) must be one of the "
		    "--owner keys: a process whose author is not an owner does not count");
	p->reviewers = c->bins[1];
	p->moderators = c->bins[2];
	p->registrars = c->bins[3];
	if ((rc = role_list(c, "--reviewer", &o->reviewers, p->reviewers, &p->n_reviewers)) != 0 ||
	    (rc = role_list(c, "--moderator", &o->moderators, p->moderators,
	    &p->n_moderators)) != 0 ||
	    (rc = role_list(c, "--registrar", &o->registrars, p->registrars,
	    &p->n_registrars)) != 0)
		return rc;
	if (o->quorum != NULL && (cli_parse_u64(o->quorum, &q) != 0 || q > p->n_owners))
		return cli_fail(EXIT_USAGE, c->cmd, "--quorum must be 0 (the default) to %zu, the "
		    "number of owners", p->n_owners);
	p->quorum = (uint32_t)q;
	/* Phases: NAME[:START[:END]], distinct names. */
	p->phases = c->phase_ptrs;
	for (size_t i = 0; i < (o->phases.n ? o->phases.n : 5); i++) {
		Wiec__PhasePlan *ph = &c->phase[i];
		const char *name;

		wiec__phase_plan__init(ph);
		if (o->phases.n == 0) {
			ph->name = (char *)default_phases[i];
		} else if (cli_parse_phase(o->phases.v[i], &name, &ph->start, &ph->end) != 0) {
			return cli_fail(EXIT_USAGE, c->cmd, "--phase must be NAME[:START[:END]] with "
			    "dates as YYYY-MM-DD[THH:MM] (UTC) or ms, END not before START");
		} else {
			ph->name = (char *)name;
		}
		if (!ev_text_ok(ph->name, 1, EV_LABEL_MAX, 0))
			return cli_fail(EXIT_USAGE, c->cmd, "a phase name must be 1 to %d bytes of "
			    "text on one line", EV_LABEL_MAX);
		for (size_t j = 0; j < i; j++)
			if (strcmp(c->phase[j].name, ph->name) == 0)
				return cli_fail(EXIT_USAGE, c->cmd, "phase '%s' is given twice",
				    ph->name);
		c->phase_ptrs[p->n_phases++] = ph;
	}
	/* Units: budget processes only, at least one, distinct names. */
	if (o->units.n != 0 && kind != WIEC__PROCESS_KIND__PROCESS_BUDGET)
		return cli_fail(EXIT_USAGE, c->cmd, "--unit is for budget processes only");
	if (o->units.n == 0 && kind == WIEC__PROCESS_KIND__PROCESS_BUDGET)
		return cli_fail(EXIT_USAGE, c->cmd, "a budget process needs at least one --unit "
		    "NAME:BUDGET");
	p->units = c->unit_ptrs;
	for (size_t i = 0; i < o->units.n; i++) {
		Wiec__Unit *u = &c->unit[i];
		const char *name;

		wiec__unit__init(u);
		if (cli_parse_unit(o->units.v[i], &name, &u->budget) != 0 ||
		    !ev_text_ok(name, 1, EV_LABEL_MAX, 0))
			return cli_fail(EXIT_USAGE, c->cmd, "--unit must be NAME:BUDGET, a name of 1 "
			    "to %d bytes and a budget above 0", EV_LABEL_MAX);
		u->name = (char *)name;
		for (size_t j = 0; j < i; j++)
			if (strcmp(c->unit[j].name, u->name) == 0)
				return cli_fail(EXIT_USAGE, c->cmd, "unit '%s' is given twice", u->name);
		c->unit_ptrs[p->n_units++] = u;
	}
	if (o->census != NULL) {
		uint8_t id[HASH_BYTES];

		if ((rc = parse_id(c, "--census", o->census, id)) != 0 ||
		    (rc = keep(c, &p->census, id)) != 0)
			return rc;
	}
	p->eligibility = o->eligibility;
	c->body.content_case = WIEC__BODY__CONTENT_PROCESS;
	c->body.process = p;
	return act_check_process(c);
}

/* The phase index of name (or a decimal index) in process pr. */
static int phase_index(const Wiec__Process *pr, const char *name, uint32_t *idx)
{
	uint64_t v;

	for (size_t i = 0; i < pr->n_phases; i++)
		if (strcmp(pr->phases[i]->name, name) == 0) {
			*idx = (uint32_t)i;
			return 0;
		}
	if (cli_parse_u64(name, &v) == 0 && v < pr->n_phases) {
		*idx = (uint32_t)v;
		return 0;
	}
	return -1;
}

static int build_phase(act_ctx_t *c)
{
	Wiec__PhaseChange *ph = &c->u.phase;
	uint8_t pid[HASH_BYTES];
	uint64_t v;
	int rc, held;
	ev_t ev;

	wiec__phase_change__init(ph);
	if ((rc = parse_id(c, "PROCESS", c->o.args[0], pid)) != 0 ||
	    (rc = need_text(c, "reason", c->o.reason, 1, EV_REASON_MAX, 1)) != 0 ||
	    (rc = keep(c, &ph->process, pid)) != 0)
		return rc;
	ph->reason = (char *)c->o.reason;
	if ((rc = expect(c, "process", pid, ACT_K_PROCESS, 0, &ev, &held)) != 0)
		return rc;
	if (held) {
		rc = phase_index(ev.body->process, c->o.args[1], &ph->phase);
		if (rc != 0) {
			char list[512] = "";
			size_t used = 0;

			for (size_t i = 0; i < ev.body->process->n_phases && used < sizeof list; i++)
				used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
				    i ? ", " : "", ev.body->process->phases[i]->name);
			rc = cli_fail(EXIT_USAGE, c->cmd, "the process has no phase '%s' (its "
			    "phases: %s)", c->o.args[1], list);
		}
		ev_free(&ev);
		if (rc != 0)
			return rc;
	} else if (cli_parse_u64(c->o.args[1], &v) != 0 || v >= ACT_PHASES_MAX) {
		return cli_fail(EXIT_USAGE, c->cmd, "PHASE must be a phase index here");
	} else {
		ph->phase = (uint32_t)v;
	}
	c->body.content_case = WIEC__BODY__CONTENT_PHASE;
	c->body.phase = ph;
	return act_check_phase(c, pid);
}

/* The idea fields common to add, edit and sign idea. base: defaults (an
 * edit keeps what it does not change), or NULL. */
static int idea_fields(act_ctx_t *c, Wiec__Idea *idea, const Wiec__Idea *base)
{
	const act_opts_t *o = &c->o;
	int rc;

	if (o->units.n > 1)
		return cli_fail(EXIT_USAGE, c->cmd, "--unit is given twice");
	if (base == NULL && (rc = need_text(c, "title", o->title, 1, EV_TITLE_MAX, 0)) != 0)
		return rc;
	if (o->title && (rc = need_text(c, "title", o->title, 1, EV_TITLE_MAX, 0)) != 0)
		return rc;
	if (o->body && (rc = need_text(c, "body", o->body, 0, EV_TEXT_MAX, 1)) != 0)
		return rc;
	if (o->category && (rc = need_text(c, "category", o->category, 1, EV_LABEL_MAX, 0)) != 0)
		return rc;
	if (o->unit_name && (rc = need_text(c, "unit", o->unit_name, 1, EV_LABEL_MAX, 0)) != 0)
		return rc;
	idea->title = (char *)(o->title ? o->title : base ? base->title : "");
	idea->text = (char *)(o->body ? o->body : base ? base->text : "");
	idea->category = (char *)(o->category ? o->category : base ? base->category : "");
	idea->unit = (char *)(o->unit_name ? o->unit_name : base ? base->unit : "");
	idea->cost = base ? base->cost : 0;
	if (o->cost && cli_parse_u64(o->cost, &idea->cost) != 0)
		return cli_fail(EXIT_USAGE, c->cmd, "--cost must be a whole number (0: not stated)");
	if (o->location != NULL) {
		wiec__location__init(&c->loc);
		if (cli_parse_location(o->location, &c->loc.lat, &c->loc.lon) != 0)
			return cli_fail(EXIT_USAGE, c->cmd, "--location must be \"LAT,LON\" in decimal "
			    "degrees (at most 7 decimals), |LAT| <= 90, |LON| <= 180");
		idea->location = &c->loc;
	} else if (base && base->location) {
		c->loc = *base->location;
		idea->location = &c->loc;
	}
	return 0;
}

static int build_idea(act_ctx_t *c)
{
	Wiec__Idea *idea = &c->u.idea;
	uint8_t pid[HASH_BYTES];
	int rc, held;
	ev_t ev;

	wiec__idea__init(idea);
	if ((rc = idea_fields(c, idea, NULL)) != 0)
		return rc;
	if (c->o.edit != NULL)
		return cli_fail(EXIT_USAGE, c->cmd, "--edit: use 'wiec idea edit'");
	if (c->o.process != NULL) {
		if ((rc = parse_id(c, "--process", c->o.process, pid)) != 0 ||
		    (rc = keep(c, &idea->process, pid)) != 0 ||
		    (rc = expect(c, "process", pid, ACT_K_PROCESS, 0, &ev, &held)) != 0)
			return rc;
		if (held) {
			const Wiec__Process *pr = ev.body->process;
			int found = *idea->unit == '\0';

			for (size_t i = 0; i < pr->n_units && !found; i++)
				found = strcmp(pr->units[i]->name, idea->unit) == 0;
			if (pr->kind == WIEC__PROCESS_KIND__PROCESS_BUDGET && *idea->unit == '\0')
				rc = cli_fail(EXIT_USAGE, c->cmd, "an idea of a budget process needs "
				    "--unit, one of the process's units");
			else if (!found)
				rc = cli_fail(EXIT_USAGE, c->cmd, "the process has no unit '%s'",
				    idea->unit);
			ev_free(&ev);
			if (rc != 0)
				return rc;
		}
	} else if (*idea->unit != '\0') {
		return cli_fail(EXIT_USAGE, c->cmd, "--unit needs --process (a budget process)");
	}
	c->body.content_case = WIEC__BODY__CONTENT_IDEA;
	c->body.idea = idea;
	return act_check_idea(c, c->o.process ? pid : NULL);
}

static int build_idea_edit(act_ctx_t *c)
{
	Wiec__Idea *idea = &c->u.idea;
	uint8_t orig[HASH_BYTES];
	int rc, held;
	ev_t ev, latest;

	wiec__idea__init(idea);
	if ((rc = parse_id(c, "IDEA", c->o.edit ? c->o.edit : c->o.args[0], orig)) != 0)
		return rc;
	if (c->o.process != NULL)
		return cli_fail(EXIT_USAGE, c->cmd, "a version keeps the idea's process: no "
		    "--process");
	if ((rc = expect_idea(c, "idea", orig, &ev, &held)) != 0)
		return rc;
	if (held && memcmp(ev.author, c->self, KEY_PK_BYTES) != 0) {
		ev_free(&ev);
		return cli_fail(EXIT_FAIL, c->cmd, "only the idea's author can post a new "
		    "version (it is not this identity's idea)");
	}
	if (!held) {
		rc = idea_fields(c, idea, NULL);	/* offline: the whole content */
	} else if ((rc = act_latest_version(c, orig, &ev, &latest)) == 0) {
		rc = idea_fields(c, idea, latest.body->idea);
		/* idea's strings may point into latest: keep it until posted. */
		c->held_evs[c->nheld++] = latest;
	}
	if (held)
		ev_free(&ev);
	if (rc != 0)
		return rc;
	if ((rc = keep(c, &idea->edit, orig)) != 0)
		return rc;
	c->body.content_case = WIEC__BODY__CONTENT_IDEA;
	c->body.idea = idea;
	return 0;
}

static const char *const status_names[] = {
	[WIEC__IDEA_STATUS__STATUS_SUBMITTED] = "submitted",
	[WIEC__IDEA_STATUS__STATUS_UNDER_REVIEW] = "under-review",
	[WIEC__IDEA_STATUS__STATUS_ACCEPTED] = "accepted",
	[WIEC__IDEA_STATUS__STATUS_REJECTED] = "rejected",
	[WIEC__IDEA_STATUS__STATUS_MERGED] = "merged",
	[WIEC__IDEA_STATUS__STATUS_IN_PROGRESS] = "in-progress",
	[WIEC__IDEA_STATUS__STATUS_IMPLEMENTED] = "implemented",
};

const char *act_status_name(int s)
{
	if (s > 0 && (size_t)s < sizeof status_names / sizeof status_names[0])
		return status_names[s];
	return "none";
}

/* "under-review", "under_review" and "under review" alike. */
static int status_parse(const char *s)
{
	for (size_t i = 1; i < sizeof status_names / sizeof status_names[0]; i++) {
		const char *n = status_names[i];
		size_t k = 0;

		while (n[k] && (s[k] == n[k] || (n[k] == '-' && (s[k] == '_' || s[k] == ' '))))
			k++;
		if (n[k] == '\0' && s[k] == '\0')
			return (int)i;
	}
	return -1;
}

static int build_status(act_ctx_t *c)
{
	Wiec__Status *st = &c->u.status;
	uint8_t idea[HASH_BYTES];
	int rc, held, v;
	ev_t ev;

	wiec__status__init(st);
	if ((rc = parse_id(c, "IDEA", c->o.args[0], idea)) != 0)
		return rc;
	if ((v = status_parse(c->o.args[1])) < 0)
		return cli_fail(EXIT_USAGE, c->cmd, "STATUS must be submitted, under-review, "
		    "accepted, rejected, merged, in-progress or implemented");
	if ((rc = need_text(c, "reason", c->o.reason, 1, EV_REASON_MAX, 1)) != 0 ||
	    (rc = keep(c, &st->idea, idea)) != 0 ||
	    (rc = expect_idea(c, "idea", idea, &ev, &held)) != 0)
		return rc;
	if (held)
		ev_free(&ev);
	st->status = (Wiec__IdeaStatus)v;
	st->reason = (char *)c->o.reason;
	c->body.content_case = WIEC__BODY__CONTENT_STATUS;
	c->body.status = st;
	return act_check_status(c, idea);
}

static int build_evaluate(act_ctx_t *c)
{
	Wiec__Evaluation *e = &c->u.eval;
	uint8_t idea[HASH_BYTES];
	const char *f = c->o.feasibility;
	int rc, held;
	ev_t ev;

	wiec__evaluation__init(e);
	if ((rc = parse_id(c, "IDEA", c->o.args[0], idea)) != 0)
		return rc;
	if (f == NULL)
		return cli_fail(EXIT_USAGE, c->cmd, "--feasibility is required");
	if (strcmp(f, "feasible") == 0)
		e->feasibility = WIEC__FEASIBILITY__FEASIBILITY_FEASIBLE;
	else if (strcmp(f, "with-changes") == 0)
		e->feasibility = WIEC__FEASIBILITY__FEASIBILITY_WITH_CHANGES;
	else if (strcmp(f, "not-feasible") == 0)
		e->feasibility = WIEC__FEASIBILITY__FEASIBILITY_NOT_FEASIBLE;
	else
		return cli_fail(EXIT_USAGE, c->cmd, "--feasibility must be feasible, with-changes "
		    "or not-feasible");
	if (c->o.cost && cli_parse_u64(c->o.cost, &e->cost) != 0)
		return cli_fail(EXIT_USAGE, c->cmd, "--cost must be a whole number (0: not "
		    "estimated)");
	if ((rc = need_text(c, "reason", c->o.reason, 1, EV_REASON_MAX, 1)) != 0 ||
	    (rc = keep(c, &e->idea, idea)) != 0 ||
	    (rc = expect_idea(c, "idea", idea, &ev, &held)) != 0)
		return rc;
	if (held)
		ev_free(&ev);
	e->reason = (char *)c->o.reason;
	c->body.content_case = WIEC__BODY__CONTENT_EVALUATION;
	c->body.evaluation = e;
	return act_check_evaluation(c, idea);
}

static int build_support(act_ctx_t *c)
{
	Wiec__Support *sp = &c->u.support;
	uint8_t idea[HASH_BYTES];
	int rc, held;
	ev_t ev;

	wiec__support__init(sp);
	if ((rc = parse_id(c, "IDEA", c->o.args[0], idea)) != 0 ||
	    (rc = keep(c, &sp->idea, idea)) != 0 ||
	    (rc = expect_idea(c, "idea", idea, &ev, &held)) != 0)
		return rc;
	if (held)
		ev_free(&ev);
	sp->withdraw = c->o.withdraw;
	c->body.content_case = WIEC__BODY__CONTENT_SUPPORT;
	c->body.support = sp;
	return act_check_support(c, idea);
}

static int build_link(act_ctx_t *c)
{
	Wiec__Link *l = &c->u.link;
	uint8_t a[HASH_BYTES], b[HASH_BYTES];
	int rc, held;
	ev_t ev;

	wiec__link__init(l);
	if ((rc = parse_id(c, "IDEA", c->o.args[0], a)) != 0 ||
	    (rc = parse_id(c, "OTHER", c->o.args[1], b)) != 0)
		return rc;
	if (memcmp(a, b, HASH_BYTES) == 0)
		return cli_fail(EXIT_USAGE, c->cmd, "an idea cannot be linked to itself");
	if ((rc = need_text(c, "reason", c->o.reason, 1, EV_REASON_MAX, 1)) != 0 ||
	    (rc = keep(c, &l->idea, a)) != 0 || (rc = keep(c, &l->other, b)) != 0)
		return rc;
	if ((rc = expect_idea(c, "idea", a, &ev, &held)) != 0)
		return rc;
	if (held)
		ev_free(&ev);
	if ((rc = expect_idea(c, "idea", b, &ev, &held)) != 0)
		return rc;
	if (held)
		ev_free(&ev);
	l->merge = c->o.merge;
	l->reason = (char *)c->o.reason;
	c->body.content_case = WIEC__BODY__CONTENT_LINK;
	c->body.link = l;
	return act_check_link(c, a, b);
}

/* The target of a report, moderation or appeal: an idea or a comment. */
static int content_target(act_ctx_t *c, uint8_t t[static HASH_BYTES], ev_t *ev, int *held)
{
	int rc;

	if ((rc = parse_id(c, "TARGET", c->o.args[0], t)) != 0 ||
	    (rc = need_text(c, "reason", c->o.reason, 1, EV_REASON_MAX, 1)) != 0)
		return rc;
	return expect(c, "target", t, EV_IDEA, EV_COMMENT, ev, held);
}

static int build_report(act_ctx_t *c)
{
	Wiec__Report *r = &c->u.report;
	uint8_t t[HASH_BYTES];
	int rc, held;
	ev_t ev;

	wiec__report__init(r);
	if ((rc = content_target(c, t, &ev, &held)) != 0)
		return rc;
	if (held)
		ev_free(&ev);
	if ((rc = keep(c, &r->target, t)) != 0)
		return rc;
	r->reason = (char *)c->o.reason;
	c->body.content_case = WIEC__BODY__CONTENT_REPORT;
	c->body.report = r;
	return 0;
}

static int build_moderation(act_ctx_t *c, int hide)
{
	Wiec__Moderation *m = &c->u.moderation;
	uint8_t t[HASH_BYTES];
	int rc, held;
	ev_t ev;

	wiec__moderation__init(m);
	if ((rc = content_target(c, t, &ev, &held)) != 0)
		return rc;
	if (held)
		ev_free(&ev);
	if ((rc = keep(c, &m->target, t)) != 0)
		return rc;
	m->hide = hide;
	m->reason = (char *)c->o.reason;
	c->body.content_case = WIEC__BODY__CONTENT_MODERATION;
	c->body.moderation = m;
	return act_check_moderation(c, t);
}

static int build_hide(act_ctx_t *c)
{
	return build_moderation(c, 1);
}

static int build_restore(act_ctx_t *c)
{
	return build_moderation(c, 0);
}

static int build_appeal(act_ctx_t *c)
{
	Wiec__Appeal *a = &c->u.appeal;
	uint8_t t[HASH_BYTES];
	int rc, held, mine = 1;
	ev_t ev;

	wiec__appeal__init(a);
	if ((rc = content_target(c, t, &ev, &held)) != 0)
		return rc;
	if (held) {
		mine = memcmp(ev.author, c->self, KEY_PK_BYTES) == 0;
		ev_free(&ev);
	}
	if (!mine)
		return cli_fail(EXIT_FAIL, c->cmd, "only the author of the content can appeal "
		    "(sign with the author's key: --key FILE)");
	if ((rc = keep(c, &a->target, t)) != 0)
		return rc;
	a->reason = (char *)c->o.reason;
	c->body.content_case = WIEC__BODY__CONTENT_APPEAL;
	c->body.appeal = a;
	return 0;
}

static int build_credential(act_ctx_t *c, int revoke)
{
	Wiec__Credential *cr = &c->u.credential;
	const act_opts_t *o = &c->o;
	uint8_t subject[KEY_PK_BYTES], scope[HASH_BYTES], pid[HASH_BYTES];
	int rc, held;
	ev_t ev;

	wiec__credential__init(cr);
	if ((o->process == NULL) == (o->census == NULL))
		return cli_fail(EXIT_USAGE, c->cmd, "give one of --process P or --census ID");
	if (o->subject == NULL)
		return cli_fail(EXIT_USAGE, c->cmd, "--subject KEY is required");
	if ((rc = parse_key(c, "--subject", o->subject, subject)) != 0)
		return rc;
	if (revoke && o->attrs.n)
		return cli_fail(EXIT_USAGE, c->cmd, "a revocation carries no --attr");
	if (o->census != NULL && (rc = parse_id(c, "--census", o->census, scope)) != 0)
		return rc;
	if (o->process != NULL) {
		if ((rc = parse_id(c, "--process", o->process, pid)) != 0)
			return rc;
		if (c->s == NULL)
			return cli_fail(EXIT_USAGE, c->cmd, "--process needs the data directory");
		if ((rc = expect(c, "process", pid, ACT_K_PROCESS, 0, &ev, &held)) != 0)
			return rc;
		/* The process's scope: its census, or its own id. */
		if (ev.body->process->census.len == HASH_BYTES)
			memcpy(scope, ev.body->process->census.data, HASH_BYTES);
		else
			memcpy(scope, pid, HASH_BYTES);
		ev_free(&ev);
	}
	if ((rc = keep(c, &cr->subject, subject)) != 0 || (rc = keep(c, &cr->scope, scope)) != 0)
		return rc;
	cr->attributes = c->attr_ptrs;
	for (size_t i = 0; i < o->attrs.n; i++) {
		Wiec__Attribute *at = &c->attr[i];
		const char *name, *value;

		wiec__attribute__init(at);
		if (cli_parse_attr(o->attrs.v[i], &name, &value) != 0 ||
		    !ev_text_ok(name, 1, EV_LABEL_MAX, 0) || !ev_text_ok(value, 0, EV_VALUE_MAX, 0))
			return cli_fail(EXIT_USAGE, c->cmd, "--attr must be NAME=VALUE (name 1 to %d "
			    "bytes, value at most %d, one line each)", EV_LABEL_MAX, EV_VALUE_MAX);
		for (size_t j = 0; j < i; j++)
			if (strcmp(c->attr[j].name, name) == 0)
				return cli_fail(EXIT_USAGE, c->cmd, "--attr %s is given twice", name);
		at->name = (char *)name;
		at->value = (char *)value;
		c->attr_ptrs[cr->n_attributes++] = at;
	}
	cr->revoke = revoke;
	c->body.content_case = WIEC__BODY__CONTENT_CREDENTIAL;
	c->body.credential = cr;
	return act_check_credential(c, o->process ? pid : NULL, scope);
}

static int build_issue(act_ctx_t *c)
{
	return build_credential(c, 0);
}

static int build_revoke(act_ctx_t *c)
{
	return build_credential(c, 1);
}

static int build_approve(act_ctx_t *c)
{
	Wiec__Approve *a = &c->u.approve;
	uint8_t t[HASH_BYTES];
	int rc, held;
	ev_t ev;

	wiec__approve__init(a);
	if ((rc = parse_id(c, "ID", c->o.args[0], t)) != 0 ||
	    (rc = expect(c, "event", t, ACT_K_MEMBER, ACT_K_PHASE, &ev, &held)) != 0)
		return rc;
	if (held)
		ev_free(&ev);
	if ((rc = keep(c, &a->target, t)) != 0)
		return rc;
	c->body.content_case = WIEC__BODY__CONTENT_APPROVE;
	c->body.approve = a;
	return act_check_approve(c, t);
}

static int build_comment(act_ctx_t *c)
{
	Wiec__Comment *cm = &c->u.comment;
	uint8_t t[HASH_BYTES];
	int rc, held;
	ev_t ev;

	wiec__comment__init(cm);
	if (c->o.on == NULL)
		return cli_fail(EXIT_USAGE, c->cmd, "--on ID is required");
	if ((rc = parse_id(c, "--on", c->o.on, t)) != 0 ||
	    (rc = need_text(c, "body", c->o.body, 1, EV_TEXT_MAX, 1)) != 0 ||
	    (rc = expect(c, "target", t, EV_IDEA, EV_COMMENT, &ev, &held)) != 0)
		return rc;
	if (held)
		ev_free(&ev);
	if ((rc = keep(c, &cm->target, t)) != 0)
		return rc;
	cm->text = (char *)c->o.body;
	c->body.content_case = WIEC__BODY__CONTENT_COMMENT;
	c->body.comment = cm;
	return 0;
}

/* ---- the table ---- */

#define COMMON (ACT_OPT(O_DIR) | ACT_OPT(O_JSON))
#define POLL_OPTS (ACT_OPT(O_PROCESS) | ACT_OPT(O_KIND) | ACT_OPT(O_OPTION) | ACT_OPT(O_MIN) | \
    ACT_OPT(O_MAX) | ACT_OPT(O_POINTS) | ACT_OPT(O_RULE) | ACT_OPT(O_QUESTION) | \
    ACT_OPT(O_MIN_SCORE) | ACT_OPT(O_EXCLUSIVE) | ACT_OPT(O_QUORUM) | ACT_OPT(O_THRESHOLD) | \
    ACT_OPT(O_DECISION) | ACT_OPT(O_MAJORITY) | ACT_OPT(O_WEIGHT_MAJORITY) | ACT_OPT(O_WEIGHT))
#define VOTE_OPTS (ACT_OPT(O_PROCESS) | ACT_OPT(O_POLL) | ACT_OPT(O_UNIT) | ACT_OPT(O_WITHDRAW))
#define IDEA_OPTS (ACT_OPT(O_TITLE) | ACT_OPT(O_BODY) | ACT_OPT(O_CATEGORY) | \
    ACT_OPT(O_LOCATION) | ACT_OPT(O_COST) | ACT_OPT(O_UNIT))

static const act_t acts[] = {
	{ "process create", 0, COMMON | ACT_OPT(O_KEY) | ACT_OPT(O_KIND) | ACT_OPT(O_TITLE) |
	  ACT_OPT(O_BODY) | ACT_OPT(O_OWNER) | ACT_OPT(O_QUORUM) | ACT_OPT(O_PHASE) |
	  ACT_OPT(O_UNIT) | ACT_OPT(O_REVIEWER) | ACT_OPT(O_MODERATOR) | ACT_OPT(O_REGISTRAR) |
	  ACT_OPT(O_CENSUS) | ACT_OPT(O_ELIGIBILITY), build_process, "" },
	{ "process phase", 2, COMMON | ACT_OPT(O_KEY) | ACT_OPT(O_REASON), build_phase,
	  "PROCESS PHASE" },
	{ "idea add", 0, COMMON | ACT_OPT(O_KEY) | IDEA_OPTS | ACT_OPT(O_PROCESS), build_idea, "" },
	{ "idea edit", 1, COMMON | ACT_OPT(O_KEY) | IDEA_OPTS, build_idea_edit, "IDEA" },
	{ "idea status", 2, COMMON | ACT_OPT(O_KEY) | ACT_OPT(O_REASON), build_status,
	  "IDEA STATUS" },
	{ "idea evaluate", 1, COMMON | ACT_OPT(O_KEY) | ACT_OPT(O_FEASIBILITY) | ACT_OPT(O_COST) |
	  ACT_OPT(O_REASON), build_evaluate, "IDEA" },
	{ "idea support", 1, COMMON | ACT_OPT(O_KEY) | ACT_OPT(O_WITHDRAW), build_support, "IDEA" },
	{ "idea link", 2, COMMON | ACT_OPT(O_KEY) | ACT_OPT(O_MERGE) | ACT_OPT(O_REASON),
	  build_link, "IDEA OTHER" },
	{ "report", 1, COMMON | ACT_OPT(O_KEY) | ACT_OPT(O_REASON), build_report, "TARGET" },
	{ "hide", 1, COMMON | ACT_OPT(O_KEY) | ACT_OPT(O_REASON), build_hide, "TARGET" },
	{ "restore", 1, COMMON | ACT_OPT(O_KEY) | ACT_OPT(O_REASON), build_restore, "TARGET" },
	{ "appeal", 1, COMMON | ACT_OPT(O_KEY) | ACT_OPT(O_REASON), build_appeal, "TARGET" },
	{ "credential issue", 0, COMMON | ACT_OPT(O_KEY) | ACT_OPT(O_PROCESS) | ACT_OPT(O_CENSUS) |
	  ACT_OPT(O_SUBJECT) | ACT_OPT(O_ATTR), build_issue, "" },
	{ "credential revoke", 0, COMMON | ACT_OPT(O_KEY) | ACT_OPT(O_PROCESS) |
	  ACT_OPT(O_CENSUS) | ACT_OPT(O_SUBJECT), build_revoke, "" },
	{ "approve", 1, COMMON | ACT_OPT(O_KEY), build_approve, "ID" },
	{ "poll open", 0, COMMON | ACT_OPT(O_KEY) | POLL_OPTS, act_build_poll, "" },
	{ "vote", -1, COMMON | ACT_OPT(O_KEY) | VOTE_OPTS, act_build_vote, "CHOICE..." },
};

/* What `wiec sign` can build: the acts of a resident. */
static const act_t sign_acts[] = {
	{ "idea", 0, IDEA_OPTS | ACT_OPT(O_PROCESS) | ACT_OPT(O_EDIT), NULL, "" },
	{ "comment", 0, ACT_OPT(O_ON) | ACT_OPT(O_BODY), build_comment, "" },
	{ "support", 1, ACT_OPT(O_WITHDRAW), build_support, "IDEA" },
	{ "report", 1, ACT_OPT(O_REASON), build_report, "TARGET" },
	{ "appeal", 1, ACT_OPT(O_REASON), build_appeal, "TARGET" },
	{ "vote", -1, VOTE_OPTS, act_build_vote, "CHOICE..." },
};

static int build_sign_idea(act_ctx_t *c)
{
	return c->o.edit ? build_idea_edit(c) : build_idea(c);
}

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
	return a->build ? a->build(c) : build_sign_idea(c);
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
	if ((rc = cli_open_read(name, dir, &cfg, &c->s)) != EXIT_OK)
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
