/* actprocess.c: the acts that set up and run a process (act.h): the process
 * itself, its phase changes, the credentials of its registrars, and the
 * approvals of phase and member changes. Builders of rows of act.c's table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/act.h"
#include "cli/act_int.h"
#include "cli/cli.h"
#include "cli/parse.h"

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
		if ((rc = act_parse_key(c, opt, l->v[i], pk)) != 0)
			return rc;
		for (size_t j = 0; j < *n; j++)
			if (memcmp(out[j].data, pk, KEY_PK_BYTES) == 0)
				return cli_fail(EXIT_USAGE, c->cmd, "%s %s is given twice", opt,
				    l->v[i]);
		if ((rc = act_keep(c, &out[(*n)++], pk)) != 0)
			return rc;
	}
	return 0;
}

int act_build_process(act_ctx_t *c)
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
	if ((rc = act_need_text(c, "title", o->title, 1, EV_TITLE_MAX, 0)) != 0)
		return rc;
	if (o->body && (rc = act_need_text(c, "body", o->body, 0, EV_TEXT_MAX, 1)) != 0)
		return rc;
	p->title = (char *)o->title;
	p->text = o->body ? (char *)o->body : (char *)"";
	/* Owners: this identity unless listed; the author must be one. */
	p->owners = c->bins[0];
	if (o->owners.n == 0) {
		if ((rc = act_keep(c, &p->owners[0], c->self)) != 0)
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

		if ((rc = act_parse_opt_id(c, "--census", o->census, id)) != 0 ||
		    (rc = act_keep(c, &p->census, id)) != 0)
			return rc;
	}
	p->eligibility = o->eligibility;
	if (o->decimals != NULL) {
		uint64_t d;

		if (cli_parse_u64(o->decimals, &d) != 0 || d > EV_DECIMALS_MAX)
			return cli_fail(EXIT_USAGE, c->cmd, "--decimals must be 0 to %d, not '%s'",
			    EV_DECIMALS_MAX, o->decimals);
		p->decimals = (uint32_t)d;
	}
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

int act_build_phase(act_ctx_t *c)
{
	Wiec__PhaseChange *ph = &c->u.phase;
	uint8_t pid[HASH_BYTES];
	uint64_t v;
	int rc, held;
	ev_t ev;

	wiec__phase_change__init(ph);
	if ((rc = act_parse_id(c, "PROCESS", c->o.args[0], pid)) != 0 ||
	    (rc = act_need_text(c, "reason", c->o.reason, 1, EV_REASON_MAX, 1)) != 0 ||
	    (rc = act_keep(c, &ph->process, pid)) != 0)
		return rc;
	ph->reason = (char *)c->o.reason;
	if ((rc = act_expect(c, "process", pid, ACT_K_PROCESS, 0, &ev, &held)) != 0)
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
	if ((rc = act_parse_key(c, "--subject", o->subject, subject)) != 0)
		return rc;
	if (revoke && o->attrs.n)
		return cli_fail(EXIT_USAGE, c->cmd, "a revocation carries no --attr");
	/* A process's census is an optional id: zero is none, so no process
	 * could ever take such a credential. */
	if (o->census != NULL && (rc = act_parse_opt_id(c, "--census", o->census, scope)) != 0)
		return rc;
	if (o->process != NULL) {
		if ((rc = act_parse_id(c, "--process", o->process, pid)) != 0)
			return rc;
		if (c->s == NULL)
			return cli_fail(EXIT_USAGE, c->cmd, "--process needs the data directory");
		if ((rc = act_expect(c, "process", pid, ACT_K_PROCESS, 0, &ev, &held)) != 0)
			return rc;
		/* The process's scope: its census, or its own id. */
		if (ev.body->process->census.len == HASH_BYTES)
			memcpy(scope, ev.body->process->census.data, HASH_BYTES);
		else
			memcpy(scope, pid, HASH_BYTES);
		ev_free(&ev);
	}
	if ((rc = act_keep(c, &cr->subject, subject)) != 0 ||
	    (rc = act_keep(c, &cr->scope, scope)) != 0)
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

int act_build_issue(act_ctx_t *c)
{
	return build_credential(c, 0);
}

int act_build_revoke(act_ctx_t *c)
{
	return build_credential(c, 1);
}

int act_build_approve(act_ctx_t *c)
{
	Wiec__Approve *a = &c->u.approve;
	uint8_t t[HASH_BYTES];
	int rc;

	wiec__approve__init(a);
	if ((rc = act_parse_id(c, "ID", c->o.args[0], t)) != 0 ||
	    (rc = act_need(c, "event", t, ACT_K_MEMBER, ACT_K_PHASE)) != 0)
		return rc;
	if ((rc = act_keep(c, &a->target, t)) != 0)
		return rc;
	c->body.content_case = WIEC__BODY__CONTENT_APPROVE;
	c->body.approve = a;
	return act_check_approve(c, t);
}
