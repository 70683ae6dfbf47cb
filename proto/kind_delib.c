/* kind_delib.c: the deliberation kinds (spec/model.md): processes,
 * ideas, feedback, review, moderation, eligibility. */
#include <inttypes.h>
#include <string.h>

#include "crypto/err.h"
#include "crypto/hash.h"
#include "proto/kind_int.h"

/* ---- idea, or a new version of one ---- */

static int idea_check(const Wiec__Body *b)
{
	const Wiec__Idea *i = b->idea;

	if (!ev_text_ok(i->title, 1, EV_TITLE_MAX, 0) || !ev_text_ok(i->text, 0, EV_TEXT_MAX, 1) ||
	    !opt_id_ok(&i->process) || !ev_text_ok(i->category, 0, EV_LABEL_MAX, 0) ||
	    !ev_text_ok(i->unit, 0, EV_LABEL_MAX, 0) || !opt_id_ok(&i->edit))
		return WIEC_ERR_FIELD;
	/* A version inherits the original's process. */
	if (i->edit.len != 0 && i->process.len != 0)
		return WIEC_ERR_FIELD;
	if (i->location != NULL && (i->location->lat < -EV_LAT_MAX || i->location->lat > EV_LAT_MAX ||
	    i->location->lon < -EV_LON_MAX || i->location->lon > EV_LON_MAX))
		return WIEC_ERR_FIELD;
	return 0;
}

static void idea_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	char hex[HASH_HEX_BYTES];

	(void)fmt;
	if (b->idea->edit.len != 0)
		fprintf(f, "version of %s: ", short_id(hex, &b->idea->edit));
	ev_fput_text(f, b->idea->title, strlen(b->idea->title));
	fputc('\n', f);
}

static void idea_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	const Wiec__Idea *i = b->idea;

	json_text(f, "title", i->title, fmt);
	json_text(f, "body", i->text, fmt);
	json_id(f, "process", &i->process);
	json_text(f, "category", i->category, fmt);
	if (i->location != NULL)
		fprintf(f, ", \"location\": {\"lat\": %" PRId32 ", \"lon\": %" PRId32 "}",
		    i->location->lat, i->location->lon);
	else
		fprintf(f, ", \"location\": null");
	fprintf(f, ", \"cost\": %" PRIu64, i->cost);
	json_text(f, "unit", i->unit, fmt);
	json_id(f, "edit", &i->edit);
}

/* ---- comment: on an idea or another comment ---- */

static int comment_check(const Wiec__Body *b)
{
	if (b->comment->target.len != HASH_BYTES || !ev_text_ok(b->comment->text, 1, EV_TEXT_MAX, 1))
		return WIEC_ERR_FIELD;
	return 0;
}

static void comment_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	char hex[HASH_HEX_BYTES];

	(void)fmt;
	hash_hex(hex, b->comment->target.data, HASH_BYTES);
	fprintf(f, "on %.16s: ", hex);
	ev_fput_text(f, b->comment->text, ev_text_cut(b->comment->text, 60));
	fprintf(f, "%s\n", strlen(b->comment->text) > 60 ? "..." : "");
}

static void comment_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	char hex[HASH_HEX_BYTES];

	hash_hex(hex, b->comment->target.data, HASH_BYTES);
	fprintf(f, ", \"on\": \"%s\", \"body\": ", hex);
	fmt->json_str(f, b->comment->text);
}

/* ---- process: a consultation, budget, co-decision or ideas process ---- */

static int process_check(const Wiec__Body *b)
{
	const Wiec__Process *p = b->process;

	if (p->kind < WIEC__PROCESS_KIND__PROCESS_IDEAS ||
	    p->kind > WIEC__PROCESS_KIND__PROCESS_CODECISION ||
	    !ev_text_ok(p->title, 1, EV_TITLE_MAX, 0) || !ev_text_ok(p->text, 0, EV_TEXT_MAX, 1) ||
	    !keys_ok(p->owners, p->n_owners, 1) || !has_key(p->owners, p->n_owners, &b->author) ||
	    p->quorum > p->n_owners ||
	    !keys_ok(p->reviewers, p->n_reviewers, 0) || !keys_ok(p->moderators, p->n_moderators, 0) ||
	    !keys_ok(p->registrars, p->n_registrars, 0) || !opt_id_ok(&p->census) ||
	    p->n_phases < 1 || p->n_phases > EV_PHASES_MAX || p->decimals > EV_DECIMALS_MAX)
		return WIEC_ERR_FIELD;
	for (size_t i = 0; i < p->n_phases; i++) {
		const Wiec__PhasePlan *ph = p->phases[i];

		if (!ev_text_ok(ph->name, 1, EV_LABEL_MAX, 0) || (ph->end != 0 && ph->end < ph->start))
			return WIEC_ERR_FIELD;
		for (size_t j = 0; j < i; j++)
			if (strcmp(p->phases[j]->name, ph->name) == 0)
				return WIEC_ERR_FIELD;
	}
	/* Units: a budget process has 1..256, with distinct names; others none. */
	if (p->kind == WIEC__PROCESS_KIND__PROCESS_BUDGET ?
	    p->n_units < 1 || p->n_units > EV_UNITS_MAX : p->n_units != 0)
		return WIEC_ERR_FIELD;
	for (size_t i = 0; i < p->n_units; i++) {
		const Wiec__Unit *u = p->units[i];

		if (!ev_text_ok(u->name, 1, EV_LABEL_MAX, 0) || u->budget == 0)
			return WIEC_ERR_FIELD;
		for (size_t j = 0; j < i; j++)
			if (strcmp(p->units[j]->name, u->name) == 0)
				return WIEC_ERR_FIELD;
	}
	return 0;
}

static void process_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	(void)fmt;
	fprintf(f, "%s ", kind_process_name(b->process->kind));
	ev_fput_text(f, b->process->title, strlen(b->process->title));
	fputc('\n', f);
}

static void process_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	const Wiec__Process *p = b->process;

	fprintf(f, ", \"process_kind\": \"%s\"", kind_process_name(p->kind));
	json_text(f, "title", p->title, fmt);
	json_text(f, "body", p->text, fmt);
	json_ids(f, "owners", p->owners, p->n_owners);
	fprintf(f, ", \"quorum\": %" PRIu32 ", \"phases\": [", p->quorum);
	for (size_t i = 0; i < p->n_phases; i++) {
		fprintf(f, "%s{\"name\": ", i ? ", " : "");
		fmt->json_str(f, p->phases[i]->name);
		fprintf(f, ", \"start\": %" PRIu64 ", \"end\": %" PRIu64 "}", p->phases[i]->start,
		    p->phases[i]->end);
	}
	fprintf(f, "], \"units\": [");
	for (size_t i = 0; i < p->n_units; i++) {
		fprintf(f, "%s{\"name\": ", i ? ", " : "");
		fmt->json_str(f, p->units[i]->name);
		fprintf(f, ", \"budget\": %" PRIu64 "}", p->units[i]->budget);
	}
	fprintf(f, "], \"decimals\": %" PRIu32, p->decimals);
	json_ids(f, "reviewers", p->reviewers, p->n_reviewers);
	json_ids(f, "moderators", p->moderators, p->n_moderators);
	json_ids(f, "registrars", p->registrars, p->n_registrars);
	json_id(f, "census", &p->census);
	fprintf(f, ", \"eligibility\": %s", p->eligibility ? "true" : "false");
}

/* ---- phase: a process moves to another of its phases ---- */

static int phase_check(const Wiec__Body *b)
{
	const Wiec__PhaseChange *c = b->phase;

	if (!id_ok(&c->process) || c->phase >= EV_PHASES_MAX || !opt_id_ok(&c->after) ||
	    !reason_ok(c->reason, 0))
		return WIEC_ERR_FIELD;
	return 0;
}

static void phase_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	char hex[HASH_HEX_BYTES];

	(void)fmt;
	fprintf(f, "process %s to phase %" PRIu32 "\n", short_id(hex, &b->phase->process),
	    b->phase->phase);
}

static void phase_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	json_id(f, "process", &b->phase->process);
	fprintf(f, ", \"phase\": %" PRIu32, b->phase->phase);
	json_id(f, "after", &b->phase->after);
	json_text(f, "reason", b->phase->reason, fmt);
}

/* ---- status: official feedback on an idea ---- */

static int status_check(const Wiec__Body *b)
{
	const Wiec__Status *s = b->status;

	if (!id_ok(&s->idea) || s->status < WIEC__IDEA_STATUS__STATUS_SUBMITTED ||
	    s->status > WIEC__IDEA_STATUS__STATUS_IMPLEMENTED || !reason_ok(s->reason, 1) ||
	    !opt_id_ok(&s->after))
		return WIEC_ERR_FIELD;
	return 0;
}

static void status_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	char hex[HASH_HEX_BYTES];

	(void)fmt;
	fprintf(f, "idea %s %s\n", short_id(hex, &b->status->idea),
	    kind_status_name(b->status->status));
}

static void status_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	json_id(f, "idea", &b->status->idea);
	fprintf(f, ", \"status\": \"%s\"", kind_status_name(b->status->status));
	json_text(f, "reason", b->status->reason, fmt);
	json_id(f, "after", &b->status->after);
}

/* ---- evaluation: a reviewer's assessment of an idea ---- */

static int evaluation_check(const Wiec__Body *b)
{
	const Wiec__Evaluation *e = b->evaluation;

	if (!id_ok(&e->idea) || e->feasibility < WIEC__FEASIBILITY__FEASIBILITY_FEASIBLE ||
	    e->feasibility > WIEC__FEASIBILITY__FEASIBILITY_NOT_FEASIBLE || !reason_ok(e->reason, 1))
		return WIEC_ERR_FIELD;
	return 0;
}

static void evaluation_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	char hex[HASH_HEX_BYTES];

	(void)fmt;
	fprintf(f, "idea %s %s\n", short_id(hex, &b->evaluation->idea),
	    kind_feasibility_name(b->evaluation->feasibility));
}

static void evaluation_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	json_id(f, "idea", &b->evaluation->idea);
	fprintf(f, ", \"feasibility\": \"%s\", \"cost\": %" PRIu64,
	    kind_feasibility_name(b->evaluation->feasibility), b->evaluation->cost);
	json_text(f, "reason", b->evaluation->reason, fmt);
}

/* ---- support: a resident's +1 on an idea, or its withdrawal ---- */

static int support_check(const Wiec__Body *b)
{
	return id_ok(&b->support->idea) ? 0 : WIEC_ERR_FIELD;
}

static void support_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	char hex[HASH_HEX_BYTES];

	(void)fmt;
	fprintf(f, "%s idea %s\n", b->support->withdraw ? "withdraws from" : "supports",
	    short_id(hex, &b->support->idea));
}

static void support_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	(void)fmt;
	json_id(f, "idea", &b->support->idea);
	fprintf(f, ", \"withdraw\": %s", b->support->withdraw ? "true" : "false");
}

/* ---- link: two ideas linked, or one merged into the other ---- */

static int link_check(const Wiec__Body *b)
{
	const Wiec__Link *l = b->link;

	if (!id_ok(&l->idea) || !id_ok(&l->other) ||
	    memcmp(l->idea.data, l->other.data, HASH_BYTES) == 0 || !reason_ok(l->reason, 1))
		return WIEC_ERR_FIELD;
	return 0;
}

static void link_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	char h1[HASH_HEX_BYTES], h2[HASH_HEX_BYTES];

	(void)fmt;
	fprintf(f, "idea %s %s %s\n", short_id(h1, &b->link->idea),
	    b->link->merge ? "merged into" : "linked to", short_id(h2, &b->link->other));
}

static void link_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	json_id(f, "idea", &b->link->idea);
	json_id(f, "other", &b->link->other);
	fprintf(f, ", \"merge\": %s", b->link->merge ? "true" : "false");
	json_text(f, "reason", b->link->reason, fmt);
}

/* ---- report, moderation, appeal ---- */

static int report_check(const Wiec__Body *b)
{
	return id_ok(&b->report->target) && reason_ok(b->report->reason, 1) ? 0 : WIEC_ERR_FIELD;
}

static void report_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	char hex[HASH_HEX_BYTES];

	(void)fmt;
	fprintf(f, "on %s\n", short_id(hex, &b->report->target));
}

static void report_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	json_id(f, "target", &b->report->target);
	json_text(f, "reason", b->report->reason, fmt);
}

static int moderation_check(const Wiec__Body *b)
{
	const Wiec__Moderation *m = b->moderation;

	return id_ok(&m->target) && reason_ok(m->reason, 1) && opt_id_ok(&m->after) ?
	    0 : WIEC_ERR_FIELD;
}

static void moderation_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	char hex[HASH_HEX_BYTES];

	(void)fmt;
	fprintf(f, "%s %s\n", b->moderation->hide ? "hides" : "restores",
	    short_id(hex, &b->moderation->target));
}

static void moderation_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	json_id(f, "target", &b->moderation->target);
	fprintf(f, ", \"hide\": %s", b->moderation->hide ? "true" : "false");
	json_text(f, "reason", b->moderation->reason, fmt);
	json_id(f, "after", &b->moderation->after);
}

static int appeal_check(const Wiec__Body *b)
{
	return id_ok(&b->appeal->target) && reason_ok(b->appeal->reason, 1) ? 0 : WIEC_ERR_FIELD;
}

static void appeal_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	char hex[HASH_HEX_BYTES];

	(void)fmt;
	fprintf(f, "on %s\n", short_id(hex, &b->appeal->target));
}

static void appeal_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	json_id(f, "target", &b->appeal->target);
	json_text(f, "reason", b->appeal->reason, fmt);
}

/* ---- credential: a registrar binds a resident key to a scope ---- */

static int credential_check(const Wiec__Body *b)
{
	const Wiec__Credential *c = b->credential;

	if (!id_ok(&c->subject) || !id_ok(&c->scope) || c->n_attributes > EV_ATTRS_MAX ||
	    (c->revoke && c->n_attributes != 0))
		return WIEC_ERR_FIELD;
	for (size_t i = 0; i < c->n_attributes; i++) {
		const Wiec__Attribute *a = c->attributes[i];

		if (!ev_text_ok(a->name, 1, EV_LABEL_MAX, 0) || !ev_text_ok(a->value, 0, EV_VALUE_MAX, 0))
			return WIEC_ERR_FIELD;
		for (size_t j = 0; j < i; j++)
			if (strcmp(c->attributes[j]->name, a->name) == 0)
				return WIEC_ERR_FIELD;
	}
	return 0;
}

static void credential_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	char h1[HASH_HEX_BYTES], h2[HASH_HEX_BYTES];

	(void)fmt;
	fprintf(f, "%s %s in %s\n", b->credential->revoke ? "revokes" : "binds",
	    short_id(h1, &b->credential->subject), short_id(h2, &b->credential->scope));
}

static void credential_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	const Wiec__Credential *c = b->credential;

	json_id(f, "subject", &c->subject);
	json_id(f, "scope", &c->scope);
	fprintf(f, ", \"attributes\": [");
	for (size_t i = 0; i < c->n_attributes; i++) {
		fprintf(f, "%s{\"name\": ", i ? ", " : "");
		fmt->json_str(f, c->attributes[i]->name);
		fprintf(f, ", \"value\": ");
		fmt->json_str(f, c->attributes[i]->value);
		fprintf(f, "}");
	}
	fprintf(f, "], \"revoke\": %s", c->revoke ? "true" : "false");
}

/* ---- the rows (kind.c lists them in spec/events.md order) ---- */

const kind_t kind_row_idea = {
	WIEC__BODY__CONTENT_IDEA, "idea", idea_check, idea_text, idea_json
};

const kind_t kind_row_comment = {
	WIEC__BODY__CONTENT_COMMENT, "comment", comment_check, comment_text, comment_json
};

const kind_t kind_row_process = {
	WIEC__BODY__CONTENT_PROCESS, "process", process_check, process_text, process_json
};

const kind_t kind_row_phase = {
	WIEC__BODY__CONTENT_PHASE, "phase", phase_check, phase_text, phase_json
};

const kind_t kind_row_status = {
	WIEC__BODY__CONTENT_STATUS, "status", status_check, status_text, status_json
};

const kind_t kind_row_evaluation = {
	WIEC__BODY__CONTENT_EVALUATION, "evaluation", evaluation_check, evaluation_text,
	evaluation_json
};

const kind_t kind_row_support = {
	WIEC__BODY__CONTENT_SUPPORT, "support", support_check, support_text, support_json
};

const kind_t kind_row_link = {
	WIEC__BODY__CONTENT_LINK, "link", link_check, link_text, link_json
};

const kind_t kind_row_report = {
	WIEC__BODY__CONTENT_REPORT, "report", report_check, report_text, report_json
};

const kind_t kind_row_moderation = {
	WIEC__BODY__CONTENT_MODERATION, "moderation", moderation_check, moderation_text,
	moderation_json
};

const kind_t kind_row_appeal = {
	WIEC__BODY__CONTENT_APPEAL, "appeal", appeal_check, appeal_text, appeal_json
};

const kind_t kind_row_credential = {
	WIEC__BODY__CONTENT_CREDENTIAL, "credential", credential_check, credential_text,
	credential_json
};
