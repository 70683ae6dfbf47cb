/* readjson.c: the --json output of the read commands (cli/read.c):
 * processes, ideas and their histories as spec/model.md names them, the
 * same bytes on any two nodes holding the same events. */
#include <stddef.h>
#include <stdint.h>

#include "cli/act.h"
#include "cli/json.h"
#include "cli/read_int.h"
#include "crypto/hash.h"
#include "crypto/key.h"

static void j_who(rd_t *d, const uint8_t key[static KEY_PK_BYTES])
{
	const char *n = rd_who(d, key);

	json_key(&d->j, "by");
	if (n != NULL)
		json_str(&d->j, n);
	else if (roster_is_former(&d->r, key))
		json_str(&d->j, "(former member)");
	else
		json_null(&d->j);
}

/* "id", "author", "by", "seq", "timestamp" of an event. */
void rd_j_head(rd_t *d, const model_ev_t *e)
{
	json_khex(&d->j, "id", e->id, HASH_BYTES);
	json_khex(&d->j, "author", e->author, KEY_PK_BYTES);
	j_who(d, e->author);
	json_ku64(&d->j, "seq", e->seq);
	json_ku64(&d->j, "timestamp", e->timestamp);
}

static void j_standing(rd_t *d, int why)
{
	json_kbool(&d->j, "counted", why == MODEL_OK);
	json_kstr(&d->j, "why", model_why_name(why));
}

void rd_j_opt_id(rd_t *d, const char *k, const ProtobufCBinaryData *b)
{
	json_key(&d->j, k);
	if (b->len == HASH_BYTES)
		json_hex(&d->j, b->data, HASH_BYTES);
	else
		json_null(&d->j);
}

static void j_keys(rd_t *d, const char *k, const ProtobufCBinaryData *v, size_t n)
{
	json_key(&d->j, k);
	json_arr(&d->j);
	for (size_t i = 0; i < n; i++)
		json_hex(&d->j, v[i].data, v[i].len);
	json_end(&d->j);
}

/* ---- process ---- */

void rd_j_process_summary(rd_t *d, const model_process_t *p, size_t nideas)
{
	json_kstr(&d->j, "kind", act_process_kind_name(p->p->kind));
	json_kstr(&d->j, "title", p->p->title);
	json_kstr(&d->j, "phase", rd_phase_name(p->p, p->phase));
	json_ku64(&d->j, "phase_index", p->phase);
	json_ku64(&d->j, "ideas", nideas);
	j_standing(d, p->why);
}

void rd_j_process(rd_t *d, const model_process_t *p, const model_ids_t *ideas)
{
	const Wiec__Process *pr = p->p;

	json_obj(&d->j);
	rd_j_head(d, &p->ev);
	rd_j_process_summary(d, p, ideas->n);
	json_kstr(&d->j, "body", pr->text);
	j_keys(d, "owners", pr->owners, pr->n_owners);
	j_keys(d, "reviewers", pr->reviewers, pr->n_reviewers);
	j_keys(d, "moderators", pr->moderators, pr->n_moderators);
	j_keys(d, "registrars", pr->registrars, pr->n_registrars);
	json_ku64(&d->j, "quorum", p->quorum);
	json_khex(&d->j, "scope", p->scope, HASH_BYTES);
	rd_j_opt_id(d, "census", &pr->census);
	json_kbool(&d->j, "eligibility", pr->eligibility);
	json_key(&d->j, "phases");
	json_arr(&d->j);
	for (size_t i = 0; i < pr->n_phases; i++) {
		json_obj(&d->j);
		json_kstr(&d->j, "name", pr->phases[i]->name);
		json_ku64(&d->j, "start", pr->phases[i]->start);
		json_ku64(&d->j, "end", pr->phases[i]->end);
		json_end(&d->j);
	}
	json_end(&d->j);
	json_key(&d->j, "units");
	json_arr(&d->j);
	for (size_t i = 0; i < pr->n_units; i++) {
		json_obj(&d->j);
		json_kstr(&d->j, "name", pr->units[i]->name);
		json_ku64(&d->j, "budget", pr->units[i]->budget);
		json_end(&d->j);
	}
	json_end(&d->j);
	json_ku64(&d->j, "decimals", pr->decimals);
	json_key(&d->j, "phase_changes");
	json_arr(&d->j);
	for (size_t i = 0; i < p->changes.n; i++) {
		const model_item_t *it = &p->changes.it[i];
		const Wiec__PhaseChange *c = it->ev.body->phase;

		json_obj(&d->j);
		rd_j_head(d, &it->ev);
		json_ku64(&d->j, "phase_index", c->phase);
		json_kstr(&d->j, "phase", rd_phase_name(pr, c->phase));
		json_kstr(&d->j, "reason", c->reason);
		rd_j_opt_id(d, "after", &c->after);
		json_ku64(&d->j, "depth", it->depth);
		j_standing(d, it->why);
		json_end(&d->j);
	}
	json_end(&d->j);
	json_key(&d->j, "idea_ids");
	json_arr(&d->j);
	for (size_t i = 0; i < ideas->n; i++)
		json_hex(&d->j, ideas->id[i], HASH_BYTES);
	json_end(&d->j);
	json_end(&d->j);
}

/* ---- idea ---- */

static void j_idea_content(rd_t *d, const Wiec__Idea *i)
{
	json_kstr(&d->j, "title", i->title);
	json_kstr(&d->j, "body", i->text);
	json_kstr(&d->j, "category", i->category);
	json_key(&d->j, "location");
	if (i->location != NULL) {
		json_obj(&d->j);
		json_ki64(&d->j, "lat", i->location->lat);
		json_ki64(&d->j, "lon", i->location->lon);
		json_end(&d->j);
	} else {
		json_null(&d->j);
	}
	json_ku64(&d->j, "cost", i->cost);
	json_kstr(&d->j, "unit", i->unit);
}

void rd_j_idea_summary(rd_t *d, const model_idea_t *i)
{
	json_key(&d->j, "process");
	if (i->bank)
		json_null(&d->j);
	else
		json_hex(&d->j, i->ev.body->idea->process.data, HASH_BYTES);
	j_idea_content(d, i->latest);
	json_kstr(&d->j, "status", act_status_name(i->status_now));
	json_ku64(&d->j, "supports", i->supports.counted);
	json_kbool(&d->j, "hidden", i->mod.hidden);
	json_ku64(&d->j, "versions", i->versions.counted);
	j_standing(d, i->why);
}

void rd_j_items(rd_t *d, const char *k, const model_items_t *its,
    void (*fields)(rd_t *d, const model_item_t *it))
{
	json_key(&d->j, k);
	json_arr(&d->j);
	for (size_t n = 0; n < its->n; n++) {
		const model_item_t *it = &its->it[n];

		json_obj(&d->j);
		rd_j_head(d, &it->ev);
		fields(d, it);
		j_standing(d, it->why);
		json_end(&d->j);
	}
	json_end(&d->j);
}

void rd_jf_version(rd_t *d, const model_item_t *it)
{
	j_idea_content(d, it->ev.body->idea);
}

void rd_jf_status(rd_t *d, const model_item_t *it)
{
	const Wiec__Status *s = it->ev.body->status;

	json_kstr(&d->j, "status", act_status_name(s->status));
	json_kstr(&d->j, "reason", s->reason);
	rd_j_opt_id(d, "after", &s->after);
	json_ku64(&d->j, "depth", it->depth);
}

void rd_jf_eval(rd_t *d, const model_item_t *it)
{
	const Wiec__Evaluation *e = it->ev.body->evaluation;

	json_kstr(&d->j, "feasibility", rd_feasibility_name(e->feasibility));
	json_ku64(&d->j, "cost", e->cost);
	json_kstr(&d->j, "reason", e->reason);
}

void rd_jf_support(rd_t *d, const model_item_t *it)
{
	json_kbool(&d->j, "withdraw", it->ev.body->support->withdraw);
}

void rd_jf_link(rd_t *d, const model_item_t *it)
{
	const Wiec__Link *l = it->ev.body->link;

	rd_j_opt_id(d, "idea", &l->idea);
	rd_j_opt_id(d, "other", &l->other);
	json_kbool(&d->j, "merge", l->merge);
	json_kstr(&d->j, "reason", l->reason);
}

void rd_jf_moderation(rd_t *d, const model_item_t *it)
{
	const Wiec__Moderation *m = it->ev.body->moderation;

	json_kbool(&d->j, "hide", m->hide);
	json_kstr(&d->j, "reason", m->reason);
	rd_j_opt_id(d, "after", &m->after);
	json_ku64(&d->j, "depth", it->depth);
}

void rd_jf_reason(rd_t *d, const model_item_t *it)
{
	const char *r = it->ev.body->content_case == WIEC__BODY__CONTENT_REPORT ?
	    it->ev.body->report->reason : it->ev.body->appeal->reason;

	json_kstr(&d->j, "reason", r);
}
