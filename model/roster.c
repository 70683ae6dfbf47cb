/* roster.c: the roster walk (spec/members.md). From the genesis founders,
 * repeatedly apply the smallest-id member change that follows the current
 * head, is valid against the current state and is signed by a quorum of
 * that state's members; stop when none does. Reads through the view only,
 * so the result depends on the set of held events, never on their order. */
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "crypto/mem.h"
#include "model/roster.h"

/* One held member change, with its decoded body (owned by ev). */
typedef struct rchange {
	model_ev_t ev;
	const Wiec__MemberChange *mc;
} rchange_t;

typedef struct ids {
	uint8_t (*id)[HASH_BYTES];
	size_t n, cap;
} ids_t;

static int ids_push(void *arg, const uint8_t id[static HASH_BYTES])
{
	ids_t *s = arg;

	if (mem_grow((void **)&s->id, &s->cap, s->n + 1, sizeof *s->id) != 0)
		return WIEC_ERR_NOMEM;
	memcpy(s->id[s->n++], id, HASH_BYTES);
	return 0;
}

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, KEY_PK_BYTES);
}

static int member_cmp(const void *a, const void *b)
{
	return memcmp(((const roster_member_t *)a)->key, ((const roster_member_t *)b)->key,
	    KEY_PK_BYTES);
}

static int change_cmp(const void *a, const void *b)
{
	return memcmp(((const rchange_t *)a)->ev.id, ((const rchange_t *)b)->ev.id, HASH_BYTES);
}

uint32_t roster_quorum(size_t n, size_t n0, uint32_t q0)
{
	uint64_t prop = n0 ? ((uint64_t)n * q0 + n0 - 1) / n0 : 0;
	uint64_t maj = (uint64_t)n / 2 + 1;
	uint64_t q = prop > maj ? prop : maj;

	return (uint32_t)(q > n ? n : q);
}

/* Copies a member record into m if it fits the roster's bounds; the
 * content rules of the event (proto/kind.c) already hold for held events,
 * this only keeps the copy safe whatever the view hands us. */
static int member_set(roster_member_t *m, const Wiec__Founder *f)
{
	size_t len;

	if (f == NULL || f->key.len != KEY_PK_BYTES || f->transport.len != KEY_X_BYTES ||
	    f->name == NULL || (len = strlen(f->name)) > ROSTER_NAME_MAX ||
	    f->n_endpoints > ROSTER_ENDPOINTS_MAX)
		return -1;
	for (size_t i = 0; i < f->n_endpoints; i++)
		if (f->endpoints[i] == NULL || strlen(f->endpoints[i]) > ROSTER_ENDPOINT_MAX)
			return -1;
	memcpy(m->key, f->key.data, KEY_PK_BYTES);
	memcpy(m->transport, f->transport.data, KEY_X_BYTES);
	memcpy(m->name, f->name, len + 1);
	m->role = f->role;
	m->nendpoints = f->n_endpoints;
	for (size_t i = 0; i < f->n_endpoints; i++)
		strcpy(m->endpoints[i], f->endpoints[i]);
	return 0;
}

static roster_member_t *find_current(const roster_t *r, const uint8_t *key)
{
	roster_member_t k;

	if (r->n == 0)
		return NULL;
	memcpy(k.key, key, KEY_PK_BYTES);
	return bsearch(&k, r->members, r->n, sizeof *r->members, member_cmp);
}

const roster_member_t *roster_member_of(const roster_t *r, const uint8_t key[static KEY_PK_BYTES])
{
	const roster_member_t *m = find_current(r, key);

	for (size_t i = 0; m == NULL && i < r->n; i++)
		for (size_t j = 0; j < r->members[i].nold; j++)
			if (memcmp(r->members[i].old_keys[j], key, KEY_PK_BYTES) == 0)
				return &r->members[i];
	return m;
}

void roster_identity(const roster_t *r, const uint8_t key[static KEY_PK_BYTES],
    uint8_t who[static KEY_PK_BYTES], uint32_t *rank)
{
	const roster_member_t *m = r != NULL ? roster_member_of(r, key) : NULL;

	memcpy(who, m != NULL ? m->key : key, KEY_PK_BYTES);
	*rank = 0;
	if (m == NULL)
		return;
	*rank = (uint32_t)m->nold;
	for (size_t j = 0; j < m->nold; j++)
		if (memcmp(m->old_keys[j], key, KEY_PK_BYTES) == 0)
			*rank = (uint32_t)j;
}

int roster_is_former(const roster_t *r, const uint8_t key[static KEY_PK_BYTES])
{
	return r->nformer != 0 &&
	    bsearch(key, r->former, r->nformer, KEY_PK_BYTES, key_cmp) != NULL;
}

/* Whether transport is the transport key of a current member other than self. */
static int transport_taken(const roster_t *r, const uint8_t *transport, const roster_member_t *self)
{
	for (size_t i = 0; i < r->n; i++)
		if (&r->members[i] != self &&
		    memcmp(r->members[i].transport, transport, KEY_X_BYTES) == 0)
			return 1;
	return 0;
}

static int former_add(roster_t *r, const uint8_t *key)
{
	void *p;

	if (roster_is_former(r, key))
		return 0;
	if ((p = realloc(r->former, (r->nformer + 1) * sizeof *r->former)) == NULL)
		return WIEC_ERR_NOMEM;
	r->former = p;
	memcpy(r->former[r->nformer++], key, KEY_PK_BYTES);
	if (r->nformer > 0)	/* qsort(NULL, 0, ...) is undefined */
		qsort(r->former, r->nformer, KEY_PK_BYTES, key_cmp);
	return 0;
}

static void former_drop(roster_t *r, const uint8_t *key)
{
	uint8_t (*k)[KEY_PK_BYTES];

	if (r->nformer == 0 ||
	    (k = bsearch(key, r->former, r->nformer, KEY_PK_BYTES, key_cmp)) == NULL)
		return;
	memmove(k, k + 1, (size_t)(r->former + r->nformer - (k + 1)) * KEY_PK_BYTES);
	r->nformer--;
}

/* The validity of a change against the state r (spec/members.md, section
 * 3): 1 valid, 0 not. */
static int change_valid(const roster_t *r, const Wiec__MemberChange *mc)
{
	roster_member_t tmp, *m;

	switch (mc->op) {
	case WIEC__MEMBER_OP__MEMBER_ADD:
		return r->n < ROSTER_MAX && member_set(&tmp, mc->member) == 0 &&
		    roster_member_of(r, tmp.key) == NULL &&
		    !transport_taken(r, tmp.transport, NULL);
	case WIEC__MEMBER_OP__MEMBER_REMOVE:
		return mc->key.len == KEY_PK_BYTES && r->n > 1 &&
		    find_current(r, mc->key.data) != NULL;
	case WIEC__MEMBER_OP__MEMBER_ROTATE:
		if (mc->key.len != KEY_PK_BYTES || (m = find_current(r, mc->key.data)) == NULL ||
		    member_set(&tmp, mc->member) != 0 || transport_taken(r, tmp.transport, m))
			return 0;
		if (memcmp(tmp.key, m->key, KEY_PK_BYTES) == 0)
			return 1;
		/* A new identity key must be fresh: neither another member's
		 * (current or earlier) nor a removed member's. */
		return roster_member_of(r, tmp.key) == NULL && !roster_is_former(r, tmp.key);
	default:
		return 0;
	}
}

/* Applies a change that change_valid accepted. */
static int change_apply(roster_t *r, const Wiec__MemberChange *mc)
{
	roster_member_t *m;
	uint8_t old[KEY_PK_BYTES];
	void *p;
	int rc;

	switch (mc->op) {
	case WIEC__MEMBER_OP__MEMBER_ADD:
		if ((p = realloc(r->members, (r->n + 1) * sizeof *r->members)) == NULL)
			return WIEC_ERR_NOMEM;
		r->members = p;
		m = &r->members[r->n];
		memset(m, 0, sizeof *m);
		(void)member_set(m, mc->member);
		r->n++;
		former_drop(r, m->key);		/* re-admitted */
		break;
	case WIEC__MEMBER_OP__MEMBER_REMOVE:
		m = find_current(r, mc->key.data);
		if ((rc = former_add(r, m->key)) != 0)
			return rc;
		for (size_t j = 0; j < m->nold; j++)
			if ((rc = former_add(r, m->old_keys[j])) != 0)
				return rc;
		free(m->old_keys);
		memmove(m, m + 1, (size_t)(r->members + r->n - (m + 1)) * sizeof *m);
		r->n--;
		break;
	case WIEC__MEMBER_OP__MEMBER_ROTATE:
		m = find_current(r, mc->key.data);
		memcpy(old, m->key, KEY_PK_BYTES);
		if (memcmp(mc->member->key.data, old, KEY_PK_BYTES) != 0) {
			if ((p = realloc(m->old_keys, (m->nold + 1) * sizeof *m->old_keys)) == NULL)
				return WIEC_ERR_NOMEM;
			m->old_keys = p;
			memcpy(m->old_keys[m->nold++], old, KEY_PK_BYTES);
		}
		(void)member_set(m, mc->member);
		break;
	default:
		return WIEC_ERR_ARG;
	}
	qsort(r->members, r->n, sizeof *r->members, member_cmp);
	return 0;
}

/* Distinct members of the state r among the change's author and the
 * authors of held approvals of it. Returns the count, or a view failure. */
static int change_signers(const model_view_t *v, const roster_t *r, const rchange_t *c,
    uint8_t (*out)[KEY_PK_BYTES], size_t *nout)
{
	uint8_t seen[ROSTER_MAX] = { 0 };
	ids_t a = { 0 };
	int rc, count = 0;
	roster_member_t *m;

	if ((m = find_current(r, c->ev.author)) != NULL) {
		seen[m - r->members] = 1;
		count++;
	}
	if ((rc = v->refs(v->ctx, c->ev.id, MREF_APPROVE, ids_push, &a)) != 0)
		goto out;
	for (size_t i = 0; i < a.n; i++) {
		model_ev_t e = { 0 };

		if ((rc = v->get(v->ctx, a.id[i], &e)) == WIEC_ERR_NOTFOUND)
			continue;
		if (rc != 0)
			goto out;
		if (e.body->content_case == WIEC__BODY__CONTENT_APPROVE &&
		    e.body->approve->target.len == HASH_BYTES &&
		    memcmp(e.body->approve->target.data, c->ev.id, HASH_BYTES) == 0 &&
		    (m = find_current(r, e.author)) != NULL && !seen[m - r->members]) {
			seen[m - r->members] = 1;
			count++;
		}
		model_ev_free(&e);
	}
	rc = count;
	if (out != NULL) {
		size_t k = 0;

		for (size_t i = 0; i < r->n; i++)
			if (seen[i])
				memcpy(out[k++], r->members[i].key, KEY_PK_BYTES);
		*nout = k;
	}
out:
	free(a.id);
	return rc;
}

static int after_is(const Wiec__MemberChange *mc, int has_head, const uint8_t *head)
{
	if (!has_head)
		return mc->after.len == 0;
	return mc->after.len == HASH_BYTES && memcmp(mc->after.data, head, HASH_BYTES) == 0;
}

void roster_free(roster_t *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++)
		free(r->members[i].old_keys);
	free(r->members);
	free(r->former);
	memset(r, 0, sizeof *r);
}

static int roster_genesis(const model_view_t *v, roster_t *r, size_t *n0, uint32_t *q0)
{
	const Wiec__GenesisBody *g = v->genesis(v->ctx);

	if (g == NULL || g->n_founders == 0 || g->n_founders > ROSTER_MAX)
		return WIEC_ERR_CORRUPT;
	if ((r->members = calloc(g->n_founders, sizeof *r->members)) == NULL)
		return WIEC_ERR_NOMEM;
	for (size_t i = 0; i < g->n_founders; i++) {
		if (member_set(&r->members[i], g->founders[i]) != 0 ||
		    find_current(r, r->members[i].key) != NULL)
			return WIEC_ERR_CORRUPT;
		r->n++;
		qsort(r->members, r->n, sizeof *r->members, member_cmp);
	}
	*n0 = g->n_founders;
	*q0 = g->quorum;
	return 0;
}

/* Loads every held member change, sorted by id. */
static int changes_load(const model_view_t *v, rchange_t **out, size_t *nout)
{
	static const uint8_t zero[HASH_BYTES];
	ids_t ids = { 0 };
	rchange_t *c = NULL;
	size_t n = 0;
	int rc;

	if ((rc = v->refs(v->ctx, zero, MREF_MEMBER, ids_push, &ids)) != 0)
		goto fail;
	if (ids.n != 0 && (c = calloc(ids.n, sizeof *c)) == NULL) {
		rc = WIEC_ERR_NOMEM;
		goto fail;
	}
	for (size_t i = 0; i < ids.n; i++) {
		if ((rc = v->get(v->ctx, ids.id[i], &c[n].ev)) == WIEC_ERR_NOTFOUND)
			continue;
		if (rc != 0)
			goto fail;
		if (c[n].ev.body->content_case != WIEC__BODY__CONTENT_MEMBER) {
			model_ev_free(&c[n].ev);
			continue;
		}
		c[n].mc = c[n].ev.body->member;
		n++;
	}
	if (n > 1)
		qsort(c, n, sizeof *c, change_cmp);
	free(ids.id);
	*out = c;
	*nout = n;
	return 0;
fail:
	for (size_t i = 0; i < n; i++)
		model_ev_free(&c[i].ev);
	free(c);
	free(ids.id);
	return rc;
}

static int at_state(const roster_t *r, int has_head, const uint8_t *stop)
{
	static const uint8_t zero[HASH_BYTES];

	return has_head ? memcmp(r->head, stop, HASH_BYTES) == 0 :
	    memcmp(stop, zero, HASH_BYTES) == 0;
}

/* The walk, with the changes loaded. Stops at the first state no change
 * follows, or at state stop (not NULL; WIEC_ERR_NOTFOUND if the walk never
 * passes it). */
static int roster_walk(const model_view_t *v, roster_t *r, rchange_t *c, size_t nc,
    size_t n0, uint32_t q0, const uint8_t *stop)
{
	int has_head = 0, rc;

	/* Every step consumes a change, so the walk ends within nc steps
	 * even if the index held a cycle, which only a hash collision makes. */
	for (size_t step = 0; step < nc; step++) {
		size_t i;

		if (stop != NULL && at_state(r, has_head, stop))
			break;

		for (i = 0; i < nc; i++) {
			if (!after_is(c[i].mc, has_head, r->head) || !change_valid(r, c[i].mc))
				continue;
			if ((rc = change_signers(v, r, &c[i], NULL, NULL)) < 0)
				return rc;
			if ((uint32_t)rc >= roster_quorum(r->n, n0, q0))
				break;
		}
		if (i == nc)
			break;
		if ((rc = change_apply(r, c[i].mc)) != 0)
			return rc;
		memcpy(r->head, c[i].ev.id, HASH_BYTES);
		has_head = 1;
		r->changes++;
	}
	r->quorum = roster_quorum(r->n, n0, q0);
	return stop != NULL && !at_state(r, has_head, stop) ? WIEC_ERR_NOTFOUND : 0;
}

int roster_load(const model_view_t *v, roster_t *r)
{
	return roster_load_at(v, NULL, r);
}

int roster_load_at(const model_view_t *v, const uint8_t *head, roster_t *r)
{
	rchange_t *c = NULL;
	size_t nc = 0, n0 = 0;
	uint32_t q0 = 0;
	int rc;

	memset(r, 0, sizeof *r);
	if ((rc = roster_genesis(v, r, &n0, &q0)) != 0)
		goto out;
	if ((rc = changes_load(v, &c, &nc)) != 0)
		goto out;
	rc = roster_walk(v, r, c, nc, n0, q0, head);
out:
	for (size_t i = 0; i < nc; i++)
		model_ev_free(&c[i].ev);
	free(c);
	if (rc != 0)
		roster_free(r);
	return rc;
}

int roster_signers(const model_view_t *v, const roster_t *r, const uint8_t id[static HASH_BYTES],
    uint8_t (*out)[KEY_PK_BYTES])
{
	rchange_t c = { 0 };
	size_t n = 0;
	int rc;

	if ((rc = v->get(v->ctx, id, &c.ev)) != 0)
		return rc;
	if (c.ev.body->content_case != WIEC__BODY__CONTENT_MEMBER)
		rc = WIEC_ERR_NOTFOUND;
	else
		rc = change_signers(v, r, &c, out, &n);
	model_ev_free(&c.ev);
	return rc;
}
