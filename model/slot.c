/* slot.c: the shared folds of spec/model.md section 2. */
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "crypto/mem.h"
#include "model/slot.h"

const char *model_why_name(int why)
{
	static const char *const names[] = { "ok", "waiting", "not_authorised", "former_member",
		"no_quorum", "no_phase", "no_process", "not_eligible", "no_unit", "wrong_author",
		"superseded", "not_member", "withdrawn" };

	return why >= 0 && (size_t)why < sizeof names / sizeof names[0] ? names[why] : "unknown";
}

int model_ids_push(model_ids_t *s, const uint8_t id[static HASH_BYTES])
{
	if (mem_grow((void **)&s->id, &s->cap, s->n + 1, sizeof *s->id) != 0)
		return WIEC_ERR_NOMEM;
	memcpy(s->id[s->n++], id, HASH_BYTES);
	return 0;
}

static int ids_cb(void *arg, const uint8_t id[static HASH_BYTES])
{
	return model_ids_push(arg, id);
}

int model_ids_collect(const model_view_t *v, const uint8_t ref[static HASH_BYTES], uint8_t tag,
    model_ids_t *out)
{
	return v->refs(v->ctx, ref, tag, ids_cb, out);
}

void model_ids_free(model_ids_t *ids)
{
	free(ids->id);
	memset(ids, 0, sizeof *ids);
}

void model_items_free(model_items_t *it)
{
	for (size_t i = 0; i < it->n; i++)
		model_ev_free(&it->it[i].ev);
	free(it->it);
	memset(it, 0, sizeof *it);
}

int model_items_load(const model_view_t *v, const uint8_t ref[static HASH_BYTES], uint8_t tag,
    int content, model_items_t *out)
{
	model_ids_t ids = { 0 };
	int rc;

	if ((rc = model_ids_collect(v, ref, tag, &ids)) != 0)
		goto out;
	for (size_t i = 0; i < ids.n; i++) {
		model_ev_t e;

		rc = v->get(v->ctx, ids.id[i], &e);
		if (rc == WIEC_ERR_NOTFOUND)
			continue;
		if (rc != 0)
			goto out;
		if ((int)e.body->content_case != content) {
			model_ev_free(&e);
			continue;
		}
		if (mem_grow((void **)&out->it, &out->cap, out->n + 1, sizeof *out->it) != 0) {
			model_ev_free(&e);
			rc = WIEC_ERR_NOMEM;
			goto out;
		}
		out->it[out->n].ev = e;
		out->it[out->n].depth = 0;
		out->it[out->n++].why = MODEL_OK;
	}
	rc = 0;
out:
	model_ids_free(&ids);
	return rc;
}

int model_seq_cmp(const model_ev_t *a, const model_ev_t *b)
{
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return memcmp(a->id, b->id, HASH_BYTES);
}

static int part(const model_item_t *x)
{
	return x->why == MODEL_OK ? 0 : x->why == MODEL_WAITING ? 1 : 2;
}

static int slot_cmp(const void *a, const void *b)
{
	const model_item_t *x = a, *y = b;

	if (part(x) != part(y))
		return part(x) - part(y);
	if (part(x) == 0 && x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	return memcmp(x->ev.id, y->ev.id, HASH_BYTES);
}

static int id_cmp(const void *a, const void *b)
{
	return memcmp(((const model_item_t *)a)->ev.id, ((const model_item_t *)b)->ev.id,
	    HASH_BYTES);
}

static void count(model_items_t *it)
{
	it->counted = 0;
	while (it->counted < it->n && it->it[it->counted].why == MODEL_OK)
		it->counted++;
}

int model_slot_fold(model_items_t *it, model_after_fn after)
{
	/* state: 0 not resolved, 1 on the current chase, 2 resolved. */
	uint8_t *state = NULL, *auth = NULL;
	size_t *stack = NULL;
	int rc = WIEC_ERR_NOMEM;

	if (it->n == 0) {
		it->counted = 0;
		return 0;
	}
	if (it->n > 0)	/* qsort(NULL, 0, ...) is undefined */
		qsort(it->it, it->n, sizeof *it->it, id_cmp);
	if ((state = calloc(it->n, 1)) == NULL || (auth = calloc(it->n, 1)) == NULL ||
	    (stack = malloc(it->n * sizeof *stack)) == NULL)
		goto out;
	for (size_t i = 0; i < it->n; i++) {
		auth[i] = it->it[i].why == MODEL_OK;
		if (!auth[i])
			state[i] = 2;
	}
	for (size_t i = 0; i < it->n; i++) {
		size_t sp = 0, cur = i;
		uint32_t base = 0;	/* depth below the chain; 0: waiting */

		/* Follow `after` until the slot's start, a resolved event, or a
		 * break in the chain. An after is a hash of an earlier event's
		 * bytes, so no chain can loop; state 1 guards anyway. */
		while (state[cur] == 0) {
			const ProtobufCBinaryData *a = after(it->it[cur].ev.body);
			model_item_t key;
			model_item_t *found;

			state[cur] = 1;
			stack[sp++] = cur;
			if (a->len == 0) {
				base = 0;
				it->it[cur].depth = 0;	/* the chain starts here */
				state[cur] = 3;
				break;
			}
			if (a->len != HASH_BYTES)
				break;
			memcpy(key.ev.id, a->data, HASH_BYTES);
			found = bsearch(&key, it->it, it->n, sizeof *it->it, id_cmp);
			if (found == NULL)
				break;
			cur = (size_t)(found - it->it);
			if (!auth[cur])
				break;
			if (state[cur] == 2) {
				base = it->it[cur].why == MODEL_OK ? it->it[cur].depth : 0;
				break;
			}
			if (state[cur] == 1)
				break;
		}
		/* Unwind: the top of the stack is the deepest ancestor reached. */
		while (sp > 0) {
			size_t j = stack[--sp];

			if (state[j] == 3) {	/* empty after */
				base = 1;
				it->it[j].depth = 1;
				it->it[j].why = MODEL_OK;
			} else if (base == 0) {
				it->it[j].depth = 0;
				it->it[j].why = MODEL_WAITING;
			} else {
				it->it[j].depth = ++base;
				it->it[j].why = MODEL_OK;
			}
			state[j] = 2;
		}
	}
	if (it->n > 0)	/* qsort(NULL, 0, ...) is undefined */
		qsort(it->it, it->n, sizeof *it->it, slot_cmp);
	count(it);
	rc = 0;
out:
	free(state);
	free(auth);
	free(stack);
	return rc;
}

static int latest_cmp(const void *a, const void *b)
{
	const model_item_t *x = a, *y = b;
	int c;

	if ((x->why == MODEL_OK) != (y->why == MODEL_OK))
		return x->why == MODEL_OK ? -1 : 1;
	if ((c = memcmp(x->who, y->who, KEY_PK_BYTES)) != 0)
		return c;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return model_seq_cmp(&x->ev, &y->ev);
}

void model_latest_per_author(model_items_t *it, const roster_t *r)
{
	for (size_t i = 0; i < it->n; i++)
		roster_identity(r, it->it[i].ev.author, it->it[i].who, &it->it[i].rank);
	/* By author, then rank and (seq, id): each author's last counted item
	 * wins. */
	if (it->n > 0)	/* qsort(NULL, 0, ...) is undefined */
		qsort(it->it, it->n, sizeof *it->it, latest_cmp);
	for (size_t i = 0; i + 1 < it->n; i++)
		if (it->it[i].why == MODEL_OK && it->it[i + 1].why == MODEL_OK &&
		    memcmp(it->it[i].who, it->it[i + 1].who, KEY_PK_BYTES) == 0)
			it->it[i].why = MODEL_SUPERSEDED;
	if (it->n > 0)	/* qsort(NULL, 0, ...) is undefined */
		qsort(it->it, it->n, sizeof *it->it, latest_cmp);
	count(it);
}

static int seq_part_cmp(const void *a, const void *b)
{
	const model_item_t *x = a, *y = b;

	if ((x->why == MODEL_OK) != (y->why == MODEL_OK))
		return x->why == MODEL_OK ? -1 : 1;
	return model_seq_cmp(&x->ev, &y->ev);
}

void model_sort_seq(model_items_t *it)
{
	if (it->n > 0)	/* qsort(NULL, 0, ...) is undefined */
		qsort(it->it, it->n, sizeof *it->it, seq_part_cmp);
	count(it);
}

static const ProtobufCBinaryData *role_list(const Wiec__Process *p, int role, size_t *n)
{
	switch (role) {
	case MODEL_ROLE_OWNER: *n = p->n_owners; return p->owners;
	case MODEL_ROLE_REVIEWER: *n = p->n_reviewers; return p->reviewers;
	case MODEL_ROLE_MODERATOR: *n = p->n_moderators; return p->moderators;
	default: *n = p->n_registrars; return p->registrars;
	}
}

const roster_member_t *model_role(const roster_t *r, const Wiec__Process *p, int role,
    const uint8_t key[static KEY_PK_BYTES])
{
	const roster_member_t *m = roster_member_of(r, key);
	const ProtobufCBinaryData *l;
	size_t n;

	if (m == NULL)
		return NULL;
	if (p == NULL)
		return role == MODEL_ROLE_REGISTRAR ? NULL : m;
	l = role_list(p, role, &n);
	for (size_t i = 0; i < n; i++)
		if (l[i].len == KEY_PK_BYTES && roster_member_of(r, l[i].data) == m)
			return m;
	return NULL;
}

int model_why_not(const roster_t *r, const uint8_t key[static KEY_PK_BYTES])
{
	return roster_is_former(r, key) ? MODEL_FORMER : MODEL_NOT_AUTHORISED;
}
