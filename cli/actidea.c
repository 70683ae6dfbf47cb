/* actidea.c: the deliberation acts (act.h): ideas and their versions, status,
 * evaluation, support, links and comments. Builders of rows of act.c's
 * table; the checks against the held events are act.c's and actmodel.c's. */
#include <stdlib.h>
#include <string.h>

#include "cli/act.h"
#include "cli/act_int.h"
#include "cli/cli.h"
#include "cli/parse.h"

/* The idea fields common to add, edit and sign idea. base: defaults (an
 * edit keeps what it does not change), or NULL. */
static int idea_fields(act_ctx_t *c, Wiec__Idea *idea, const Wiec__Idea *base)
{
	const act_opts_t *o = &c->o;
	int rc;

	if (o->units.n > 1)
		return cli_fail(EXIT_USAGE, c->cmd, "--unit is given twice");
	if (base == NULL && (rc = act_need_text(c, "title", o->title, 1, EV_TITLE_MAX, 0)) != 0)
		return rc;
	if (o->title && (rc = act_need_text(c, "title", o->title, 1, EV_TITLE_MAX, 0)) != 0)
		return rc;
	if (o->body && (rc = act_need_text(c, "body", o->body, 0, EV_TEXT_MAX, 1)) != 0)
		return rc;
	if (o->category &&
	    (rc = act_need_text(c, "category", o->category, 1, EV_LABEL_MAX, 0)) != 0)
		return rc;
	if (o->unit_name && (rc = act_need_text(c, "unit", o->unit_name, 1, EV_LABEL_MAX, 0)) != 0)
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

int act_build_idea(act_ctx_t *c)
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
		if ((rc = act_parse_opt_id(c, "--process", c->o.process, pid)) != 0 ||
		    (rc = act_keep(c, &idea->process, pid)) != 0 ||
		    (rc = act_expect(c, "process", pid, ACT_K_PROCESS, 0, &ev, &held)) != 0)
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

int act_build_idea_edit(act_ctx_t *c)
{
	Wiec__Idea *idea = &c->u.idea;
	uint8_t orig[HASH_BYTES];
	int rc, held;
	ev_t ev, latest;

	wiec__idea__init(idea);
	if ((rc = act_parse_opt_id(c, c->o.edit ? "--edit" : "IDEA", c->o.edit ? c->o.edit :
	    c->o.args[0], orig)) != 0)
		return rc;
	if (c->o.process != NULL)
		return cli_fail(EXIT_USAGE, c->cmd, "a version keeps the idea's process: no "
		    "--process");
	if ((rc = act_expect_idea(c, "idea", orig, &ev, &held)) != 0)
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
	if ((rc = act_keep(c, &idea->edit, orig)) != 0)
		return rc;
	c->body.content_case = WIEC__BODY__CONTENT_IDEA;
	c->body.idea = idea;
	return 0;
}

int act_build_sign_idea(act_ctx_t *c)
{
	return c->o.edit ? act_build_idea_edit(c) : act_build_idea(c);
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

int act_build_status(act_ctx_t *c)
{
	Wiec__Status *st = &c->u.status;
	uint8_t idea[HASH_BYTES];
	int rc, v;

	wiec__status__init(st);
	if ((rc = act_parse_id(c, "IDEA", c->o.args[0], idea)) != 0)
		return rc;
	if ((v = status_parse(c->o.args[1])) < 0)
		return cli_fail(EXIT_USAGE, c->cmd, "STATUS must be submitted, under-review, "
		    "accepted, rejected, merged, in-progress or implemented");
	if ((rc = act_need_text(c, "reason", c->o.reason, 1, EV_REASON_MAX, 1)) != 0 ||
	    (rc = act_keep(c, &st->idea, idea)) != 0 ||
	    (rc = act_need_idea(c, "idea", idea)) != 0)
		return rc;
	st->status = (Wiec__IdeaStatus)v;
	st->reason = (char *)c->o.reason;
	c->body.content_case = WIEC__BODY__CONTENT_STATUS;
	c->body.status = st;
	return act_check_status(c, idea);
}

int act_build_evaluate(act_ctx_t *c)
{
	Wiec__Evaluation *e = &c->u.eval;
	uint8_t idea[HASH_BYTES];
	const char *f = c->o.feasibility;
	int rc;

	wiec__evaluation__init(e);
	if ((rc = act_parse_id(c, "IDEA", c->o.args[0], idea)) != 0)
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
	if ((rc = act_need_text(c, "reason", c->o.reason, 1, EV_REASON_MAX, 1)) != 0 ||
	    (rc = act_keep(c, &e->idea, idea)) != 0 ||
	    (rc = act_need_idea(c, "idea", idea)) != 0)
		return rc;
	e->reason = (char *)c->o.reason;
	c->body.content_case = WIEC__BODY__CONTENT_EVALUATION;
	c->body.evaluation = e;
	return act_check_evaluation(c, idea);
}

int act_build_support(act_ctx_t *c)
{
	Wiec__Support *sp = &c->u.support;
	uint8_t idea[HASH_BYTES];
	int rc;

	wiec__support__init(sp);
	if ((rc = act_parse_id(c, "IDEA", c->o.args[0], idea)) != 0 ||
	    (rc = act_keep(c, &sp->idea, idea)) != 0 ||
	    (rc = act_need_idea(c, "idea", idea)) != 0)
		return rc;
	sp->withdraw = c->o.withdraw;
	c->body.content_case = WIEC__BODY__CONTENT_SUPPORT;
	c->body.support = sp;
	return act_check_support(c, idea);
}

int act_build_link(act_ctx_t *c)
{
	Wiec__Link *l = &c->u.link;
	uint8_t a[HASH_BYTES], b[HASH_BYTES];
	int rc;

	wiec__link__init(l);
	if ((rc = act_parse_id(c, "IDEA", c->o.args[0], a)) != 0 ||
	    (rc = act_parse_id(c, "OTHER", c->o.args[1], b)) != 0)
		return rc;
	if (memcmp(a, b, HASH_BYTES) == 0)
		return cli_fail(EXIT_USAGE, c->cmd, "an idea cannot be linked to itself");
	if ((rc = act_need_text(c, "reason", c->o.reason, 1, EV_REASON_MAX, 1)) != 0 ||
	    (rc = act_keep(c, &l->idea, a)) != 0 || (rc = act_keep(c, &l->other, b)) != 0)
		return rc;
	if ((rc = act_need_idea(c, "idea", a)) != 0 || (rc = act_need_idea(c, "idea", b)) != 0)
		return rc;
	l->merge = c->o.merge;
	l->reason = (char *)c->o.reason;
	c->body.content_case = WIEC__BODY__CONTENT_LINK;
	c->body.link = l;
	return act_check_link(c, a, b);
}

int act_build_comment(act_ctx_t *c)
{
	Wiec__Comment *cm = &c->u.comment;
	uint8_t t[HASH_BYTES];
	int rc, held;
	ev_t ev;

	wiec__comment__init(cm);
	if (c->o.on == NULL)
		return cli_fail(EXIT_USAGE, c->cmd, "--on ID is required");
	if ((rc = act_parse_id(c, "--on", c->o.on, t)) != 0 ||
	    (rc = act_need_text(c, "body", c->o.body, 1, EV_TEXT_MAX, 1)) != 0 ||
	    (rc = act_expect_content(c, "target", t, &ev, &held)) != 0)
		return rc;
	if (held)
		ev_free(&ev);
	if ((rc = act_check_thread(c, t, 1)) != 0 || (rc = act_keep(c, &cm->target, t)) != 0)
		return rc;
	cm->text = (char *)c->o.body;
	c->body.content_case = WIEC__BODY__CONTENT_COMMENT;
	c->body.comment = cm;
	return 0;
}
