/* process.c: processes and their phases (spec/model.md section 5). */
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "model/process.h"
#include "proto/event.h"

static const uint8_t zero[HASH_BYTES];

uint32_t model_process_quorum(const Wiec__Process *p)
{
	if (p->quorum != 0)
		return p->quorum;
	if (p->kind == WIEC__PROCESS_KIND__PROCESS_CODECISION)
		return (uint32_t)(2 * p->n_owners / 3 + 1);
	return 1;
}

typedef struct signers {
	const model_view_t *v;
	const roster_t *r;
	const Wiec__Process *p;
	const roster_member_t *who[EV_KEYS_MAX];
	uint32_t n;
} signers_t;

static void signer_add(signers_t *s, const uint8_t *key)
{
	const roster_member_t *m = model_role(s->r, s->p, MODEL_ROLE_OWNER, key);

	if (m == NULL)
		return;
	for (uint32_t i = 0; i < s->n; i++)
		if (s->who[i] == m)
			return;
	if (s->n < EV_KEYS_MAX)
		s->who[s->n++] = m;
}

static int approve_cb(void *arg, const uint8_t id[static HASH_BYTES])
{
	signers_t *s = arg;
	model_ev_t e;
	int rc = s->v->get(s->v->ctx, id, &e);

	if (rc == WIEC_ERR_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (e.body->content_case == WIEC__BODY__CONTENT_APPROVE)
		signer_add(s, e.author);
	model_ev_free(&e);
	return 0;
}

int model_phase_signers(const model_view_t *v, const roster_t *r, const Wiec__Process *p,
    const model_ev_t *e, uint32_t *n)
{
	signers_t s = { v, r, p, { 0 }, 0 };
	int rc;

	signer_add(&s, e->author);
	rc = v->refs(v->ctx, e->id, MREF_APPROVE, approve_cb, &s);
	*n = s.n;
	return rc;
}

static const ProtobufCBinaryData *phase_after(const Wiec__Body *b)
{
	return &b->phase->after;
}

void model_process_free(model_process_t *p)
{
	model_ev_free(&p->ev);
	model_items_free(&p->changes);
	memset(p, 0, sizeof *p);
}

int model_process_load(const model_view_t *v, const roster_t *r,
    const uint8_t id[static HASH_BYTES], model_process_t *out)
{
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = v->get(v->ctx, id, &out->ev)) != 0)
		return rc;
	if (out->ev.body->content_case != WIEC__BODY__CONTENT_PROCESS) {
		model_ev_free(&out->ev);
		return WIEC_ERR_NOTFOUND;
	}
	out->p = out->ev.body->process;
	memcpy(out->scope, out->p->census.len == HASH_BYTES ? out->p->census.data : id, HASH_BYTES);
	out->quorum = model_process_quorum(out->p);
	/* The author must be a current member; the content rules made it an owner. */
	out->why = roster_member_of(r, out->ev.author) ? MODEL_OK : roster_is_former(r,
	    out->ev.author) ? MODEL_FORMER : MODEL_NOT_MEMBER;
	if ((rc = model_items_load(v, id, MREF_PHASE, WIEC__BODY__CONTENT_PHASE, &out->changes)) != 0)
		goto fail;
	for (size_t i = 0; i < out->changes.n; i++) {
		model_item_t *c = &out->changes.it[i];
		uint32_t n;

		if (out->why != MODEL_OK) {
			c->why = MODEL_NO_PROCESS;
			continue;
		}
		if (model_role(r, out->p, MODEL_ROLE_OWNER, c->ev.author) == NULL) {
			c->why = model_why_not(r, c->ev.author);
			continue;
		}
		if (c->ev.body->phase->phase >= out->p->n_phases) {
			c->why = MODEL_NO_PHASE;
			continue;
		}
		if (out->quorum > 1) {
			if ((rc = model_phase_signers(v, r, out->p, &c->ev, &n)) != 0)
				goto fail;
			if (n < out->quorum)
				c->why = MODEL_NO_QUORUM;
		}
	}
	if ((rc = model_slot_fold(&out->changes, phase_after)) != 0)
		goto fail;
	out->phase = out->changes.counted ?
	    out->changes.it[out->changes.counted - 1].ev.body->phase->phase : 0;
	return 0;
fail:
	model_process_free(out);
	return rc;
}

int model_process_list(const model_view_t *v, const roster_t *r, int all, model_ids_t *out)
{
	model_ids_t ids = { 0 };
	int rc;

	if ((rc = model_ids_collect(v, zero, MREF_PROCESS, &ids)) != 0)
		goto out;
	for (size_t i = 0; i < ids.n; i++) {
		model_ev_t e;

		rc = v->get(v->ctx, ids.id[i], &e);
		if (rc == WIEC_ERR_NOTFOUND)
			continue;
		if (rc != 0)
			goto out;
		if (e.body->content_case == WIEC__BODY__CONTENT_PROCESS &&
		    (all || roster_member_of(r, e.author) != NULL))
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
