/* kind.c: one row per event kind. Keep the rows in spec/events.md order. */
#include <inttypes.h>
#include <string.h>

#include "crypto/err.h"
#include "crypto/hash.h"
#include "proto/event.h"
#include "proto/kind.h"

/* ---- announce: who the author is ---- */

static int announce_check(const Wiec__Body *b)
{
	const Wiec__Announce *a = b->announce;

	if (!ev_text_ok(a->name, 1, EV_NAME_MAX, 0) || a->role < WIEC__ROLE__ROLE_NONE ||
	    a->role > WIEC__ROLE__ROLE_OTHER)
		return WIEC_ERR_FIELD;
	return 0;
}

static void announce_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	fprintf(f, "%s (%s)\n", b->announce->name, fmt->role_name(b->announce->role));
}

static void announce_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	fprintf(f, ", \"name\": ");
	fmt->json_str(f, b->announce->name);
	fprintf(f, ", \"role\": \"%s\"", fmt->role_name(b->announce->role));
}

/* ---- shared field rules and printers of the model's kinds ---- */

static int id_ok(const ProtobufCBinaryData *d)
{
	return d->len == HASH_BYTES;
}

static int opt_id_ok(const ProtobufCBinaryData *d)
{
	return d->len == 0 || d->len == HASH_BYTES;
}

static int reason_ok(const char *s, size_t min)
{
	return ev_text_ok(s, min, EV_REASON_MAX, 1);
}

/* min..EV_KEYS_MAX distinct 32-byte keys. */
static int keys_ok(const ProtobufCBinaryData *k, size_t n, size_t min)
{
	if (n < min || n > EV_KEYS_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (k[i].len != KEY_PK_BYTES)
			return 0;
		for (size_t j = 0; j < i; j++)
			if (memcmp(k[i].data, k[j].data, KEY_PK_BYTES) == 0)
				return 0;
	}
	return 1;
}

static int has_key(const ProtobufCBinaryData *k, size_t n, const ProtobufCBinaryData *key)
{
	for (size_t i = 0; i < n; i++)
		if (k[i].len == key->len && memcmp(k[i].data, key->data, key->len) == 0)
			return 1;
	return 0;
}

/* `, "name": "hex"`, or null for empty bytes. */
static void json_id(FILE *f, const char *name, const ProtobufCBinaryData *d)
{
	char hex[HASH_HEX_BYTES];

	if (d->len != HASH_BYTES) {
		fprintf(f, ", \"%s\": null", name);
		return;
	}
	hash_hex(hex, d->data, HASH_BYTES);
	fprintf(f, ", \"%s\": \"%s\"", name, hex);
}

static void json_ids(FILE *f, const char *name, const ProtobufCBinaryData *d, size_t n)
{
	char hex[HASH_HEX_BYTES];

	fprintf(f, ", \"%s\": [", name);
	for (size_t i = 0; i < n; i++) {
		hash_hex(hex, d[i].data, HASH_BYTES);
		fprintf(f, "%s\"%s\"", i ? ", " : "", hex);
	}
	fprintf(f, "]");
}

static void json_text(FILE *f, const char *name, const char *s, const kind_fmt_t *fmt)
{
	fprintf(f, ", \"%s\": ", name);
	fmt->json_str(f, s);
}

/* The first 16 hex digits of an id, for text lines; "-" when empty. */
static const char *short_id(char hex[static HASH_HEX_BYTES], const ProtobufCBinaryData *d)
{
	if (d->len != HASH_BYTES)
		return "-";
	hash_hex(hex, d->data, HASH_BYTES);
	hex[16] = '\0';
	return hex;
}

/* Names of the model's enums, for JSON and text. */
static const char *const process_names[] = { NULL, "ideas", "consultation", "budget", "codecision" };
static const char *const status_names[] = { NULL, "submitted", "under_review", "accepted",
	"rejected", "merged", "in_progress", "implemented" };
static const char *const feas_names[] = { NULL, "feasible", "with_changes", "not_feasible" };
static const char *const op_names[] = { NULL, "add", "remove", "rotate" };

#define NAMES(t) (sizeof t / sizeof t[0])

static const char *enum_name(const char *const *t, size_t n, int v)
{
	return v > 0 && (size_t)v < n ? t[v] : "none";
}

/* Matches s against t, with ' ' and '-' taken as '_'. */
static int enum_parse(const char *const *t, size_t n, const char *s)
{
	for (size_t v = 1; v < n; v++) {
		size_t i = 0;

		for (; s[i] != '\0' && t[v][i] != '\0'; i++) {
			char c = s[i] == ' ' || s[i] == '-' ? '_' : s[i];

			if (c != t[v][i])
				break;
		}
		if (s[i] == '\0' && t[v][i] == '\0')
			return (int)v;
	}
	return -1;
}

const char *kind_process_name(int k) { return enum_name(process_names, NAMES(process_names), k); }
const char *kind_status_name(int s) { return enum_name(status_names, NAMES(status_names), s); }
const char *kind_feasibility_name(int f) { return enum_name(feas_names, NAMES(feas_names), f); }
const char *kind_member_op_name(int op) { return enum_name(op_names, NAMES(op_names), op); }
int kind_process_parse(const char *s) { return enum_parse(process_names, NAMES(process_names), s); }
int kind_status_parse(const char *s) { return enum_parse(status_names, NAMES(status_names), s); }
int kind_feasibility_parse(const char *s) { return enum_parse(feas_names, NAMES(feas_names), s); }

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
	fprintf(f, "%s\n", b->idea->title);
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
	fprintf(f, "on %.16s: %.60s%s\n", hex, b->comment->text,
	    strlen(b->comment->text) > 60 ? "..." : "");
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
	fprintf(f, "%s %s\n", kind_process_name(b->process->kind), b->process->title);
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

/* ---- member: add, remove or rotate a member organisation ---- */

/* A member record: as a genesis founder (spec/events.md section 6). */
static int founder_ok(const Wiec__Founder *m)
{
	if (m->key.len != KEY_PK_BYTES || m->transport.len != KEY_X_BYTES ||
	    !ev_text_ok(m->name, 1, EV_NAME_MAX, 0) || m->role < WIEC__ROLE__ROLE_CITY ||
	    m->role > WIEC__ROLE__ROLE_OTHER || m->n_endpoints > EV_ENDPOINTS_MAX)
		return 0;
	for (size_t i = 0; i < m->n_endpoints; i++)
		if (!ev_text_ok(m->endpoints[i], 1, EV_ENDPOINT_MAX, 0))
			return 0;
	return 1;
}

static int member_check(const Wiec__Body *b)
{
	const Wiec__MemberChange *c = b->member;

	if (!opt_id_ok(&c->after) || !reason_ok(c->reason, 0))
		return WIEC_ERR_FIELD;
	switch (c->op) {
	case WIEC__MEMBER_OP__MEMBER_ADD:
		return c->member != NULL && founder_ok(c->member) && c->key.len == 0 ?
		    0 : WIEC_ERR_FIELD;
	case WIEC__MEMBER_OP__MEMBER_REMOVE:
		return c->member == NULL && c->key.len == KEY_PK_BYTES ? 0 : WIEC_ERR_FIELD;
	case WIEC__MEMBER_OP__MEMBER_ROTATE:
		return c->member != NULL && founder_ok(c->member) && c->key.len == KEY_PK_BYTES ?
		    0 : WIEC_ERR_FIELD;
	default:
		return WIEC_ERR_FIELD;
	}
}

static void member_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	char hex[HASH_HEX_BYTES];
	const Wiec__MemberChange *c = b->member;

	(void)fmt;
	if (c->member != NULL)
		fprintf(f, "%s %s %s\n", kind_member_op_name(c->op), short_id(hex, &c->member->key),
		    c->member->name);
	else
		fprintf(f, "%s %s\n", kind_member_op_name(c->op), short_id(hex, &c->key));
}

static void member_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	const Wiec__MemberChange *c = b->member;

	fprintf(f, ", \"op\": \"%s\"", kind_member_op_name(c->op));
	if (c->member != NULL) {
		const Wiec__Founder *m = c->member;
		char hex[HASH_HEX_BYTES];

		hash_hex(hex, m->key.data, KEY_PK_BYTES);
		fprintf(f, ", \"member\": {\"key\": \"%s\", \"name\": ", hex);
		fmt->json_str(f, m->name);
		hash_hex(hex, m->transport.data, KEY_X_BYTES);
		fprintf(f, ", \"role\": \"%s\", \"transport\": \"%s\", \"endpoints\": [",
		    fmt->role_name(m->role), hex);
		for (size_t i = 0; i < m->n_endpoints; i++) {
			if (i)
				fprintf(f, ", ");
			fmt->json_str(f, m->endpoints[i]);
		}
		fprintf(f, "]}");
	} else {
		fprintf(f, ", \"member\": null");
	}
	json_id(f, "key", &c->key);
	json_id(f, "after", &c->after);
	json_text(f, "reason", c->reason, fmt);
}

/* ---- approve: a cosignature of a member change or phase change ---- */

static int approve_check(const Wiec__Body *b)
{
	return id_ok(&b->approve->target) ? 0 : WIEC_ERR_FIELD;
}

static void approve_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	char hex[HASH_HEX_BYTES];

	(void)fmt;
	fprintf(f, "%s\n", short_id(hex, &b->approve->target));
}

static void approve_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	(void)fmt;
	json_id(f, "target", &b->approve->target);
}


/* ---- poll: the ballot an owner opens on a process ---- */

static const char *const poll_names[] = { NULL, "approval", "choose-one", "yes-no", "budget",
	"cumulative", "ranked" };
static const char *const decision_names[] = { NULL, "simple", "qualified", "double" };
static const char *const answer_names[] = { NULL, "yes", "no", "abstain" };

const char *kind_poll_name(int k) { return enum_name(poll_names, NAMES(poll_names), k); }
const char *kind_decision_name(int d) { return enum_name(decision_names, NAMES(decision_names), d); }
const char *kind_answer_name(int a) { return enum_name(answer_names, NAMES(answer_names), a); }

/* Like enum_parse, with '_' and ' ' taken as '-' (the names hold '-'). */
static int dash_parse(const char *const *t, size_t n, const char *s)
{
	for (size_t v = 1; v < n; v++) {
		size_t i = 0;

		for (; s[i] != '\0' && t[v][i] != '\0'; i++) {
			char c = s[i] == ' ' || s[i] == '_' ? '-' : s[i];

			if (c != t[v][i])
				break;
		}
		if (s[i] == '\0' && t[v][i] == '\0')
			return (int)v;
	}
	return -1;
}

int kind_poll_parse(const char *s) { return dash_parse(poll_names, NAMES(poll_names), s); }
int kind_decision_parse(const char *s) { return dash_parse(decision_names, NAMES(decision_names), s); }
int kind_answer_parse(const char *s) { return dash_parse(answer_names, NAMES(answer_names), s); }

/* A fraction: absent, or den >= 1 (share: also num <= den). */
static int frac_ok(const Wiec__Fraction *q, int share)
{
	return q == NULL || (q->den >= 1 && (!share || q->num <= q->den));
}

/* n distinct 32-byte ids, min..max of them. */
static int ids_ok(const ProtobufCBinaryData *d, size_t n, size_t min, size_t max)
{
	if (n < min || n > max)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (d[i].len != HASH_BYTES)
			return 0;
		for (size_t j = 0; j < i; j++)
			if (memcmp(d[i].data, d[j].data, HASH_BYTES) == 0)
				return 0;
	}
	return 1;
}

static int poll_check(const Wiec__Body *b)
{
	const Wiec__Poll *p = b->poll;
	int yesno = p->kind == WIEC__POLL_KIND__POLL_YESNO;

	if (!id_ok(&p->process) || p->kind < WIEC__POLL_KIND__POLL_APPROVAL ||
	    p->kind > WIEC__POLL_KIND__POLL_RANKED ||
	    !ev_text_ok(p->question, yesno ? 1 : 0, EV_TITLE_MAX, 0) ||
	    !ids_ok(p->options, p->n_options, yesno ? 0 : 1, yesno ? 0 : EV_OPTIONS_MAX) ||
	    !ev_text_ok(p->rule, 0, EV_LABEL_MAX, 0) || !frac_ok(p->min_score, 0) ||
	    p->n_exclusive > EV_EXCLUSIONS_MAX)
		return WIEC_ERR_FIELD;
	/* Selections: min <= max <= options (max 0: no maximum). */
	if (p->max > p->n_options || p->min > p->n_options || (p->max != 0 && p->min > p->max))
		return WIEC_ERR_FIELD;
	if ((p->kind == WIEC__POLL_KIND__POLL_CHOOSE_ONE || yesno) && (p->min != 0 || p->max != 0))
		return WIEC_ERR_FIELD;
	/* Budget polls only: ballots without a cost limit, ranked or
	 * cumulative ballots (spec/tally.md 4.1). */
	if (p->kind != WIEC__POLL_KIND__POLL_BUDGET ? p->no_cost_limit ||
	    p->ballot != WIEC__POLL_KIND__POLL_NONE : p->ballot != WIEC__POLL_KIND__POLL_NONE &&
	    p->ballot != WIEC__POLL_KIND__POLL_RANKED && p->ballot != WIEC__POLL_KIND__POLL_CUMULATIVE)
		return WIEC_ERR_FIELD;
	if ((p->kind == WIEC__POLL_KIND__POLL_CUMULATIVE ||
	    p->ballot == WIEC__POLL_KIND__POLL_CUMULATIVE) != (p->points != 0))
		return WIEC_ERR_FIELD;
	for (size_t g = 0; g < p->n_exclusive; g++) {
		const Wiec__Exclusion *x = p->exclusive[g];

		if (!ids_ok(x->projects, x->n_projects, 2, EV_OPTIONS_MAX))
			return WIEC_ERR_FIELD;
		for (size_t i = 0; i < x->n_projects; i++)
			if (!has_key(p->options, p->n_options, &x->projects[i]))
				return WIEC_ERR_FIELD;
	}
	/* Yes/no only: quorum, threshold, and the co-decision rule. */
	if (!yesno && (p->quorum != NULL || p->threshold != NULL ||
	    p->decision != WIEC__DECISION__DECISION_NONE))
		return WIEC_ERR_FIELD;
	if (!frac_ok(p->quorum, 1) || !frac_ok(p->threshold, 1) ||
	    p->decision < WIEC__DECISION__DECISION_NONE ||
	    p->decision > WIEC__DECISION__DECISION_DOUBLE)
		return WIEC_ERR_FIELD;
	if ((p->decision == WIEC__DECISION__DECISION_QUALIFIED ||
	    p->decision == WIEC__DECISION__DECISION_DOUBLE) != (p->majority != NULL) ||
	    !frac_ok(p->majority, 1))
		return WIEC_ERR_FIELD;
	if (p->decision == WIEC__DECISION__DECISION_DOUBLE) {
		if (p->weight_majority == NULL || !frac_ok(p->weight_majority, 1) ||
		    p->n_weights < 1 || p->n_weights > EV_KEYS_MAX)
			return WIEC_ERR_FIELD;
		for (size_t i = 0; i < p->n_weights; i++) {
			if (p->weights[i]->member.len != KEY_PK_BYTES || p->weights[i]->weight == 0)
				return WIEC_ERR_FIELD;
			for (size_t j = 0; j < i; j++)
				if (memcmp(p->weights[i]->member.data, p->weights[j]->member.data,
				    KEY_PK_BYTES) == 0)
					return WIEC_ERR_FIELD;
		}
	} else if (p->weight_majority != NULL || p->n_weights != 0) {
		return WIEC_ERR_FIELD;
	}
	return 0;
}

static void poll_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	char hex[HASH_HEX_BYTES];

	(void)fmt;
	fprintf(f, "%s on process %s, %zu options%s%s\n", kind_poll_name(b->poll->kind),
	    short_id(hex, &b->poll->process), b->poll->n_options,
	    b->poll->question[0] != '\0' ? ": " : "", b->poll->question);
}

static void json_frac(FILE *f, const char *name, const Wiec__Fraction *q)
{
	if (q == NULL)
		fprintf(f, ", \"%s\": null", name);
	else
		fprintf(f, ", \"%s\": \"%" PRIu64 "/%" PRIu64 "\"", name, q->num, q->den);
}

static void poll_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	const Wiec__Poll *p = b->poll;

	json_id(f, "process", &p->process);
	fprintf(f, ", \"poll_kind\": \"%s\"", kind_poll_name(p->kind));
	json_text(f, "question", p->question, fmt);
	json_ids(f, "options", p->options, p->n_options);
	fprintf(f, ", \"min\": %" PRIu32 ", \"max\": %" PRIu32 ", \"points\": %" PRIu64,
	    p->min, p->max, p->points);
	fprintf(f, ", \"ballot\": \"%s\", \"no_cost_limit\": %s", kind_poll_name(p->ballot),
	    p->no_cost_limit ? "true" : "false");
	json_text(f, "rule", p->rule, fmt);
	json_frac(f, "min_score", p->min_score);
	fprintf(f, ", \"exclusive\": [");
	for (size_t g = 0; g < p->n_exclusive; g++) {
		const Wiec__Exclusion *x = p->exclusive[g];

		fprintf(f, "%s[", g ? ", " : "");
		for (size_t i = 0; i < x->n_projects; i++) {
			char hex[HASH_HEX_BYTES];

			hash_hex(hex, x->projects[i].data, HASH_BYTES);
			fprintf(f, "%s\"%s\"", i ? ", " : "", hex);
		}
		fprintf(f, "]");
	}
	fprintf(f, "]");
	json_frac(f, "quorum", p->quorum);
	json_frac(f, "threshold", p->threshold);
	fprintf(f, ", \"decision\": \"%s\"", kind_decision_name(p->decision));
	json_frac(f, "majority", p->majority);
	json_frac(f, "weight_majority", p->weight_majority);
	fprintf(f, ", \"weights\": [");
	for (size_t i = 0; i < p->n_weights; i++) {
		char hex[HASH_HEX_BYTES];

		hash_hex(hex, p->weights[i]->member.data, KEY_PK_BYTES);
		fprintf(f, "%s{\"member\": \"%s\", \"weight\": %" PRIu64 "}", i ? ", " : "", hex,
		    p->weights[i]->weight);
	}
	fprintf(f, "]");
}

/* ---- vote: a ballot ---- */

static int vote_check(const Wiec__Body *b)
{
	const Wiec__Vote *v = b->vote;

	if (!id_ok(&v->process) || !id_ok(&v->poll) || !ev_text_ok(v->unit, 0, EV_LABEL_MAX, 0) ||
	    v->n_choices > EV_OPTIONS_MAX || v->answer < WIEC__ANSWER__ANSWER_NONE ||
	    v->answer > WIEC__ANSWER__ANSWER_ABSTAIN)
		return WIEC_ERR_FIELD;
	for (size_t i = 0; i < v->n_choices; i++) {
		if (v->choices[i]->project.len != HASH_BYTES)
			return WIEC_ERR_FIELD;
		for (size_t j = 0; j < i; j++)
			if (memcmp(v->choices[i]->project.data, v->choices[j]->project.data,
			    HASH_BYTES) == 0)
				return WIEC_ERR_FIELD;
	}
	if (v->n_choices != 0 && v->answer != WIEC__ANSWER__ANSWER_NONE)
		return WIEC_ERR_FIELD;
	if (v->withdraw && (v->n_choices != 0 || v->answer != WIEC__ANSWER__ANSWER_NONE ||
	    v->unit[0] != '\0'))
		return WIEC_ERR_FIELD;
	return 0;
}

static void vote_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	char hex[HASH_HEX_BYTES];
	const Wiec__Vote *v = b->vote;

	(void)fmt;
	fprintf(f, "poll %s", short_id(hex, &v->poll));
	if (v->withdraw)
		fprintf(f, " withdrawn");
	else if (v->answer != WIEC__ANSWER__ANSWER_NONE)
		fprintf(f, " %s", kind_answer_name(v->answer));
	else
		fprintf(f, "%s%s, %zu choices", v->unit[0] != '\0' ? " unit " : "", v->unit,
		    v->n_choices);
	fprintf(f, "\n");
}

static void vote_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	const Wiec__Vote *v = b->vote;
	char hex[HASH_HEX_BYTES];

	json_id(f, "process", &v->process);
	json_id(f, "poll", &v->poll);
	json_text(f, "unit", v->unit, fmt);
	fprintf(f, ", \"choices\": [");
	for (size_t i = 0; i < v->n_choices; i++) {
		hash_hex(hex, v->choices[i]->project.data, HASH_BYTES);
		fprintf(f, "%s{\"project\": \"%s\", \"points\": %" PRIu64 "}", i ? ", " : "", hex,
		    v->choices[i]->points);
	}
	fprintf(f, "], \"answer\": \"%s\", \"withdraw\": %s", kind_answer_name(v->answer),
	    v->withdraw ? "true" : "false");
}

/* ---- the close (spec/close.md section 2) ---- */

/* A list of ids: sorted, distinct 32-byte ids concatenated, min..max. */
static int idlist_ok(const ProtobufCBinaryData *d, size_t min, size_t max)
{
	size_t n = d->len / HASH_BYTES;

	if (d->len % HASH_BYTES != 0 || n < min || n > max)
		return 0;
	for (size_t i = 1; i < n; i++)
		if (memcmp(d->data + (i - 1) * HASH_BYTES, d->data + i * HASH_BYTES, HASH_BYTES) >= 0)
			return 0;
	return 1;
}

/* Part hashes a list names: 0..EV_CLOSE_IDS_MAX of 32 bytes, any order
 * (distinctness follows from the resolved list's; spec/close.md s3). */
static int parts_ok(const ProtobufCBinaryData *d)
{
	return d->len % HASH_BYTES == 0 && d->len / HASH_BYTES <= EV_CLOSE_IDS_MAX;
}

static int idpart_check(const Wiec__Body *b)
{
	const Wiec__IdPart *p = b->idpart;

	if (!id_ok(&p->process) || p->level > EV_IDPART_LEVEL_MAX || p->items.len == 0 ||
	    !parts_ok(&p->items))
		return WIEC_ERR_FIELD;
	/* Level 0 holds event ids, sorted and distinct; above, hashes in list order. */
	return p->level > 0 || idlist_ok(&p->items, 1, EV_CLOSE_IDS_MAX) ? 0 : WIEC_ERR_FIELD;
}

static int cvalue_ok(const Wiec__CloseValue *v)
{
	return v != NULL && id_ok(&v->root) && id_ok(&v->result);
}

static int close_check(const Wiec__Body *b)
{
	const Wiec__Close *c = b->close;

	return id_ok(&c->process) && id_ok(&c->roster) && idlist_ok(&c->seal, 0, EV_CLOSE_IDS_MAX) ?
	    0 : WIEC_ERR_FIELD;
}

static int prepare_check(const Wiec__Body *b)
{
	const Wiec__Prepare *p = b->prepare;

	return id_ok(&p->process) && id_ok(&p->roster) && p->counter >= 1 ? 0 : WIEC_ERR_FIELD;
}

static int promise_check(const Wiec__Body *b)
{
	const Wiec__Promise *p = b->promise;
	const Wiec__Accepted *a = p->accepted;

	if (!id_ok(&p->process) || !id_ok(&p->roster) || p->proposer.len != KEY_PK_BYTES ||
	    !idlist_ok(&p->seal, 0, EV_CLOSE_IDS_MAX) || !parts_ok(&p->seal_parts) ||
	    (p->seal.len > 0 && p->seal_parts.len > 0))
		return WIEC_ERR_FIELD;
	/* The last cosign names a round below the promise's own. */
	if (a != NULL && (a->proposer.len != KEY_PK_BYTES || !cvalue_ok(a->value) ||
	    a->counter > p->counter || (a->counter == p->counter &&
	    memcmp(a->proposer.data, p->proposer.data, KEY_PK_BYTES) >= 0)))
		return WIEC_ERR_FIELD;
	return 0;
}

static int proposal_check(const Wiec__Body *b)
{
	const Wiec__Proposal *p = b->proposal;

	if (!id_ok(&p->process) || !id_ok(&p->roster) || !cvalue_ok(p->value) ||
	    !idlist_ok(&p->promises, 1, 256) || !idlist_ok(&p->frontier, 0, EV_CLOSE_IDS_MAX) ||
	    !parts_ok(&p->frontier_parts))
		return WIEC_ERR_FIELD;
	/* By parts, the frontier's size is checked when they are resolved. */
	if (p->frontier_parts.len > 0)
		return p->frontier.len == 0 && p->value->count > 0 ? 0 : WIEC_ERR_FIELD;
	return p->value->count == p->frontier.len / HASH_BYTES ? 0 : WIEC_ERR_FIELD;
}

static int cosign_check(const Wiec__Body *b)
{
	const Wiec__Cosign *c = b->cosign;

	return id_ok(&c->process) && id_ok(&c->roster) && c->proposer.len == KEY_PK_BYTES &&
	    cvalue_ok(c->value) && id_ok(&c->proposal) ? 0 : WIEC_ERR_FIELD;
}

static void cvalue_json(FILE *f, const char *name, const Wiec__CloseValue *v)
{
	char r[HASH_HEX_BYTES], h[HASH_HEX_BYTES];

	hash_hex(r, v->root.data, HASH_BYTES);
	hash_hex(h, v->result.data, HASH_BYTES);
	fprintf(f, ", \"%s\": {\"root\": \"%s\", \"count\": %" PRIu64 ", \"result\": \"%s\"}", name,
	    r, v->count, h);
}

static void idlist_json(FILE *f, const char *name, const ProtobufCBinaryData *d)
{
	char hex[HASH_HEX_BYTES];

	fprintf(f, ", \"%s\": [", name);
	for (size_t i = 0; i < d->len / HASH_BYTES; i++) {
		hash_hex(hex, d->data + i * HASH_BYTES, HASH_BYTES);
		fprintf(f, "%s\"%s\"", i ? ", " : "", hex);
	}
	fprintf(f, "]");
}

static void close_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	char hex[HASH_HEX_BYTES];

	(void)fmt;
	fprintf(f, "closes process %s, seal of %zu\n", short_id(hex, &b->close->process),
	    b->close->seal.len / HASH_BYTES);
}

static void close_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	(void)fmt;
	json_id(f, "process", &b->close->process);
	json_id(f, "roster", &b->close->roster);
	idlist_json(f, "seal", &b->close->seal);
}

static void prepare_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	char hex[HASH_HEX_BYTES];

	(void)fmt;
	fprintf(f, "prepares round %" PRIu64 " of process %s\n", b->prepare->counter,
	    short_id(hex, &b->prepare->process));
}

static void prepare_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	(void)fmt;
	json_id(f, "process", &b->prepare->process);
	json_id(f, "roster", &b->prepare->roster);
	fprintf(f, ", \"counter\": %" PRIu64, b->prepare->counter);
}

static void promise_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	char hex[HASH_HEX_BYTES];

	(void)fmt;
	if (b->promise->seal_parts.len > 0)
		fprintf(f, "promises round %" PRIu64 " of process %s, seal in %zu parts%s\n",
		    b->promise->counter, short_id(hex, &b->promise->process),
		    b->promise->seal_parts.len / HASH_BYTES,
		    b->promise->accepted ? ", reports a cosign" : "");
	else
		fprintf(f, "promises round %" PRIu64 " of process %s, seal of %zu%s\n",
		    b->promise->counter, short_id(hex, &b->promise->process),
		    b->promise->seal.len / HASH_BYTES,
		    b->promise->accepted ? ", reports a cosign" : "");
}

static void promise_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	const Wiec__Promise *p = b->promise;

	(void)fmt;
	json_id(f, "process", &p->process);
	json_id(f, "roster", &p->roster);
	fprintf(f, ", \"counter\": %" PRIu64, p->counter);
	json_id(f, "proposer", &p->proposer);
	idlist_json(f, "seal", &p->seal);
	idlist_json(f, "seal_parts", &p->seal_parts);
	if (p->accepted == NULL) {
		fprintf(f, ", \"accepted\": null");
		return;
	}
	fprintf(f, ", \"accepted\": {\"counter\": %" PRIu64, p->accepted->counter);
	json_id(f, "proposer", &p->accepted->proposer);
	cvalue_json(f, "value", p->accepted->value);
	fprintf(f, "}");
}

static void proposal_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	char hex[HASH_HEX_BYTES];

	(void)fmt;
	fprintf(f, "proposes round %" PRIu64 " of process %s: %" PRIu64 " counted events\n",
	    b->proposal->counter, short_id(hex, &b->proposal->process), b->proposal->value->count);
}

static void proposal_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	const Wiec__Proposal *p = b->proposal;

	(void)fmt;
	json_id(f, "process", &p->process);
	json_id(f, "roster", &p->roster);
	fprintf(f, ", \"counter\": %" PRIu64, p->counter);
	cvalue_json(f, "value", p->value);
	idlist_json(f, "frontier", &p->frontier);
	idlist_json(f, "frontier_parts", &p->frontier_parts);
	idlist_json(f, "promises", &p->promises);
}

static void idpart_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	char hex[HASH_HEX_BYTES];

	(void)fmt;
	fprintf(f, "part of a close list of process %s: level %" PRIu32 ", %zu items\n",
	    short_id(hex, &b->idpart->process), b->idpart->level,
	    b->idpart->items.len / HASH_BYTES);
}

static void idpart_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	(void)fmt;
	json_id(f, "process", &b->idpart->process);
	fprintf(f, ", \"level\": %" PRIu32, b->idpart->level);
	idlist_json(f, "items", &b->idpart->items);
}

static void cosign_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	char hex[HASH_HEX_BYTES], h2[HASH_HEX_BYTES];

	(void)fmt;
	fprintf(f, "cosigns round %" PRIu64 " of process %s: proposal %s\n", b->cosign->counter,
	    short_id(hex, &b->cosign->process), short_id(h2, &b->cosign->proposal));
}

static void cosign_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	const Wiec__Cosign *c = b->cosign;

	(void)fmt;
	json_id(f, "process", &c->process);
	json_id(f, "roster", &c->roster);
	fprintf(f, ", \"counter\": %" PRIu64, c->counter);
	json_id(f, "proposer", &c->proposer);
	cvalue_json(f, "value", c->value);
	json_id(f, "proposal", &c->proposal);
}

static const kind_t kinds[] = {
	{ WIEC__BODY__CONTENT_ANNOUNCE, "announce", announce_check, announce_text, announce_json },
	{ WIEC__BODY__CONTENT_IDEA, "idea", idea_check, idea_text, idea_json },
	{ WIEC__BODY__CONTENT_COMMENT, "comment", comment_check, comment_text, comment_json },
	{ WIEC__BODY__CONTENT_PROCESS, "process", process_check, process_text, process_json },
	{ WIEC__BODY__CONTENT_PHASE, "phase", phase_check, phase_text, phase_json },
	{ WIEC__BODY__CONTENT_STATUS, "status", status_check, status_text, status_json },
	{ WIEC__BODY__CONTENT_EVALUATION, "evaluation", evaluation_check, evaluation_text,
	  evaluation_json },
	{ WIEC__BODY__CONTENT_SUPPORT, "support", support_check, support_text, support_json },
	{ WIEC__BODY__CONTENT_LINK, "link", link_check, link_text, link_json },
	{ WIEC__BODY__CONTENT_REPORT, "report", report_check, report_text, report_json },
	{ WIEC__BODY__CONTENT_MODERATION, "moderation", moderation_check, moderation_text,
	  moderation_json },
	{ WIEC__BODY__CONTENT_APPEAL, "appeal", appeal_check, appeal_text, appeal_json },
	{ WIEC__BODY__CONTENT_CREDENTIAL, "credential", credential_check, credential_text,
	  credential_json },
	{ WIEC__BODY__CONTENT_MEMBER, "member", member_check, member_text, member_json },
	{ WIEC__BODY__CONTENT_APPROVE, "approve", approve_check, approve_text, approve_json },
	{ WIEC__BODY__CONTENT_VOTE, "vote", vote_check, vote_text, vote_json },
	{ WIEC__BODY__CONTENT_POLL, "poll", poll_check, poll_text, poll_json },
	{ WIEC__BODY__CONTENT_CLOSE, "close", close_check, close_text, close_json },
	{ WIEC__BODY__CONTENT_PREPARE, "prepare", prepare_check, prepare_text, prepare_json },
	{ WIEC__BODY__CONTENT_PROMISE, "promise", promise_check, promise_text, promise_json },
	{ WIEC__BODY__CONTENT_PROPOSAL, "proposal", proposal_check, proposal_text, proposal_json },
	{ WIEC__BODY__CONTENT_COSIGN, "cosign", cosign_check, cosign_text, cosign_json },
	{ WIEC__BODY__CONTENT_IDPART, "idpart", idpart_check, idpart_text, idpart_json },
};

const kind_t *kind_find(int content)
{
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (kinds[i].content == content)
			return &kinds[i];
	return NULL;
}

const char *kind_name(int content)
{
	const kind_t *k = kind_find(content);

	return k != NULL ? k->name : "unknown";
}

int kind_check(const Wiec__Body *b)
{
	const kind_t *k = kind_find((int)b->content_case);

	return k != NULL ? k->check(b) : WIEC_ERR_FIELD;	/* no content at all */
}
