/* idea.c: ideas, versions, status, evaluations, supports and links
 * (spec/model.md section 6). */
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "crypto/mem.h"
#include "model/credential.h"
#include "model/idea.h"

static const uint8_t zero[HASH_BYTES];

void model_idea_free(model_idea_t *i)
{
	model_ev_free(&i->ev);
	model_process_free(&i->proc);
	model_items_free(&i->versions);
	model_items_free(&i->status);
	model_items_free(&i->evals);
	model_items_free(&i->supports);
	model_items_free(&i->links);
	model_moderation_free(&i->mod);
	memset(i, 0, sizeof *i);
}

static const ProtobufCBinaryData *status_after(const Wiec__Body *b)
{
	return &b->status->after;
}

/* Whether key holds role for this idea: bank, or a valid process. Sets
 * *why when not. */
static int may(const model_idea_t *i, const roster_t *r, int role, const uint8_t *key, int *why)
{
	if (!i->bank && i->proc.why != MODEL_OK) {
		*why = MODEL_NO_PROCESS;
		return 0;
	}
	if (model_role(r, i->bank ? NULL : i->proc.p, role, key) == NULL) {
		*why = model_why_not(r, key);
		return 0;
	}
	return 1;
}

static int versions(const model_view_t *v, model_idea_t *i)
{
	model_items_t *vs = &i->versions;
	int rc;

	if ((rc = model_items_load(v, i->ev.id, MREF_VERSION, WIEC__BODY__CONTENT_IDEA, vs)) != 0)
		return rc;
	for (size_t k = 0; k < vs->n; k++)
		if (memcmp(vs->it[k].ev.author, i->ev.author, KEY_PK_BYTES) != 0)
			vs->it[k].why = MODEL_WRONG_AUTHOR;
	/* The original is the first version: copy it in. */
	if (mem_grow((void **)&vs->it, &vs->cap, vs->n + 1, sizeof *vs->it) != 0)
		return WIEC_ERR_NOMEM;
	memset(&vs->it[vs->n], 0, sizeof vs->it[vs->n]);
	if ((rc = v->get(v->ctx, i->ev.id, &vs->it[vs->n].ev)) != 0)
		return rc;
	vs->it[vs->n++].why = MODEL_OK;
	model_sort_seq(vs);
	i->latest_ev = &vs->it[vs->counted - 1].ev;
	i->latest = i->latest_ev->body->idea;
	return 0;
}

static int unit_ok(const model_idea_t *i)
{
	const Wiec__Process *p = i->proc.p;

	if (i->bank || p->kind != WIEC__PROCESS_KIND__PROCESS_BUDGET)
		return 1;
	for (size_t k = 0; k < p->n_units; k++)
		if (strcmp(p->units[k]->name, i->latest->unit) == 0)
			return 1;
	return 0;
}

static int supports(const model_view_t *v, const roster_t *r, model_idea_t *i)
{
	model_items_t *s = &i->supports;
	int rc;

	if ((rc = model_items_load(v, i->ev.id, MREF_SUPPORT, WIEC__BODY__CONTENT_SUPPORT, s)) != 0)
		return rc;
	for (size_t k = 0; k < s->n; k++) {
		int ok = 1;

		if (!i->bank && i->proc.why != MODEL_OK)
			s->it[k].why = MODEL_NO_PROCESS;
		else if (!i->bank && (rc = model_eligible(v, r, &i->proc, s->it[k].ev.author, &ok)) != 0)
			return rc;
		else if (!ok)
			s->it[k].why = MODEL_NOT_ELIGIBLE;
	}
	model_latest_per_author(s, r);
	/* A latest that withdraws leaves its author out; sort again. */
	for (size_t k = 0; k < s->counted; k++)
		if (s->it[k].ev.body->support->withdraw)
			s->it[k].why = MODEL_WITHDRAWN;
	model_latest_per_author(s, r);
	return 0;
}

static int link_cmp(const void *a, const void *b)
{
	const model_item_t *x = a, *y = b;

	if ((x->why == MODEL_OK) != (y->why == MODEL_OK))
		return x->why == MODEL_OK ? -1 : 1;
	return memcmp(x->ev.id, y->ev.id, HASH_BYTES);
}

static int links(const model_view_t *v, const roster_t *r, model_idea_t *i)
{
	model_items_t *l = &i->links;
	int rc;

	if ((rc = model_items_load(v, i->ev.id, MREF_LINK, WIEC__BODY__CONTENT_LINK, l)) != 0)
		return rc;
	for (size_t k = 0; k < l->n; k++) {
		const Wiec__Link *lk = l->it[k].ev.body->link;
		int why = MODEL_OK;

		/* The owners of link.idea's process decide. */
		if (memcmp(lk->idea.data, i->ev.id, HASH_BYTES) == 0) {
			if (!may(i, r, MODEL_ROLE_OWNER, l->it[k].ev.author, &why))
				l->it[k].why = why;
		} else {
			model_process_t p;
			uint8_t root[HASH_BYTES];
			int bank = 0;

			rc = model_root_idea(v, lk->idea.data, root, NULL);
			if (rc == 0)
				rc = model_idea_process(v, r, root, &p, &bank);
			if (rc == WIEC_ERR_NOTFOUND) {
				l->it[k].why = MODEL_NO_PROCESS;
				continue;
			}
			if (rc != 0)
				return rc;
			if (!bank && p.why != MODEL_OK)
				l->it[k].why = MODEL_NO_PROCESS;
			else if (model_role(r, bank ? NULL : p.p, MODEL_ROLE_OWNER,
			    l->it[k].ev.author) == NULL)
				l->it[k].why = model_why_not(r, l->it[k].ev.author);
			model_process_free(&p);
		}
	}
	if (l->n > 0)	/* qsort(NULL, 0, ...) is undefined */
		qsort(l->it, l->n, sizeof *l->it, link_cmp);
	for (l->counted = 0; l->counted < l->n && l->it[l->counted].why == MODEL_OK; l->counted++)
		;
	return 0;
}

int model_idea_load(const model_view_t *v, const roster_t *r, const uint8_t id[static HASH_BYTES],
    model_idea_t *out)
{
	int rc, why, ok = 1;

	memset(out, 0, sizeof *out);
	if ((rc = v->get(v->ctx, id, &out->ev)) != 0)
		return rc;
	if (out->ev.body->content_case != WIEC__BODY__CONTENT_IDEA) {
		rc = WIEC_ERR_NOTFOUND;
		goto fail;
	}
	if (out->ev.body->idea->edit.len == HASH_BYTES) {
		uint8_t orig[HASH_BYTES];

		memcpy(orig, out->ev.body->idea->edit.data, HASH_BYTES);
		model_ev_free(&out->ev);
		if ((rc = v->get(v->ctx, orig, &out->ev)) != 0)
			goto fail;
		if (out->ev.body->content_case != WIEC__BODY__CONTENT_IDEA ||
		    out->ev.body->idea->edit.len != 0) {
			rc = WIEC_ERR_NOTFOUND;
			goto fail;
		}
	}
	out->bank = out->ev.body->idea->process.len != HASH_BYTES;
	out->why = MODEL_OK;
	if (!out->bank) {
		rc = model_process_load(v, r, out->ev.body->idea->process.data, &out->proc);
		if (rc == WIEC_ERR_NOTFOUND)
			out->proc.why = MODEL_NO_PROCESS;
		else if (rc != 0)
			goto fail;
		if (out->proc.why != MODEL_OK)
			out->why = MODEL_NO_PROCESS;
	}
	if ((rc = versions(v, out)) != 0)
		goto fail;
	out->eligible = out->why == MODEL_OK;
	if (out->why == MODEL_OK && !out->bank) {
		if ((rc = model_eligible(v, r, &out->proc, out->ev.author, &ok)) != 0)
			goto fail;
		out->eligible = ok;
		if (!ok)
			out->why = MODEL_NOT_ELIGIBLE;
		else if (!unit_ok(out))
			out->why = MODEL_NO_UNIT;
	}
	/* Status: the owners (bank: any member); a multi-author slot. */
	if ((rc = model_items_load(v, out->ev.id, MREF_STATUS, WIEC__BODY__CONTENT_STATUS,
	    &out->status)) != 0)
		goto fail;
	for (size_t k = 0; k < out->status.n; k++)
		if (!may(out, r, MODEL_ROLE_OWNER, out->status.it[k].ev.author, &why))
			out->status.it[k].why = why;
	if ((rc = model_slot_fold(&out->status, status_after)) != 0)
		goto fail;
	out->status_now = out->status.counted ?
	    out->status.it[out->status.counted - 1].ev.body->status->status :
	    WIEC__IDEA_STATUS__STATUS_SUBMITTED;
	/* Evaluations: the reviewers (bank: any member), each one's latest. */
	if ((rc = model_items_load(v, out->ev.id, MREF_EVAL, WIEC__BODY__CONTENT_EVALUATION,
	    &out->evals)) != 0)
		goto fail;
	for (size_t k = 0; k < out->evals.n; k++)
		if (!may(out, r, MODEL_ROLE_REVIEWER, out->evals.it[k].ev.author, &why))
			out->evals.it[k].why = why;
	model_latest_per_author(&out->evals, r);
	if ((rc = supports(v, r, out)) != 0 || (rc = links(v, r, out)) != 0)
		goto fail;
	if ((rc = model_moderation_fold(v, r, out->bank ? NULL : &out->proc, out->bank, out->ev.id,
	    out->ev.author, &out->mod)) != 0)
		goto fail;
	return 0;
fail:
	model_idea_free(out);
	return rc;
}

int model_idea_list(const model_view_t *v, const roster_t *r, const uint8_t *process,
    model_ids_t *out)
{
	model_ids_t ids = { 0 };
	int rc;

	if (process != NULL) {
		model_process_t p;

		rc = model_process_load(v, r, process, &p);
		if (rc == WIEC_ERR_NOTFOUND)
			return 0;
		if (rc != 0)
			return rc;
		rc = p.why;
		model_process_free(&p);
		if (rc != MODEL_OK)
			return 0;
	}
	if ((rc = model_ids_collect(v, process ? process : zero, MREF_IDEA, &ids)) != 0)
		goto out;
	for (size_t k = 0; k < ids.n; k++) {
		model_ev_t e;

		rc = v->get(v->ctx, ids.id[k], &e);
		if (rc == WIEC_ERR_NOTFOUND)
			continue;
		if (rc != 0)
			goto out;
		if (e.body->content_case == WIEC__BODY__CONTENT_IDEA && e.body->idea->edit.len == 0)
			rc = model_ids_push(out, e.id);
		model_ev_free(&e);
		if (rc != 0)
			goto out;
	}
	rc = 0;
out:
	model_ids_free(&ids);
	return rc;
}
