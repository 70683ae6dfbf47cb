/* members.c: the roster read from a store (node/members.h), through the
 * store's model view (the refs index, store/refs.c): which member changes
 * and approvals count is decided by model/roster.c alone, from the held
 * set, so arrival order does not matter. */
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/members.h"

struct members {
	store_t *s;
	model_ev_t *ev;			/* the changes' events, bodies owned */
	members_change_t *ch;
	size_t n, cap;
};

members_t *members_new(store_t *s)
{
	members_t *m = calloc(1, sizeof *m);

	if (m != NULL)
		m->s = s;
	return m;
}

static void changes_clear(members_t *m)
{
	for (size_t i = 0; i < m->n; i++)
		model_ev_free(&m->ev[i]);
	m->n = 0;
}

void members_destroy(members_t **p)
{
	members_t *m;

	if (p == NULL || (m = *p) == NULL)
		return;
	changes_clear(m);
	free(m->ev);
	free(m->ch);
	free(m);
	*p = NULL;
}

typedef struct collect {
	members_t *m;
	const model_view_t *v;
} collect_t;

static int collect_one(void *arg, const uint8_t id[static HASH_BYTES])
{
	collect_t *c = arg;
	members_t *m = c->m;
	int rc;

	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 16;
		void *e = realloc(m->ev, cap * sizeof *m->ev), *h;

		if (e == NULL)
			return WIEC_ERR_NOMEM;
		m->ev = e;
		if ((h = realloc(m->ch, cap * sizeof *m->ch)) == NULL)
			return WIEC_ERR_NOMEM;
		m->ch = h;
		m->cap = cap;
	}
	memset(&m->ev[m->n], 0, sizeof m->ev[m->n]);
	if ((rc = c->v->get(c->v->ctx, id, &m->ev[m->n])) == WIEC_ERR_NOTFOUND)
		return 0;		/* excluded */
	if (rc != 0)
		return rc;
	if (m->ev[m->n].body->content_case != WIEC__BODY__CONTENT_MEMBER) {
		model_ev_free(&m->ev[m->n]);
		return 0;
	}
	memcpy(m->ch[m->n].id, m->ev[m->n].id, HASH_BYTES);
	memcpy(m->ch[m->n].author, m->ev[m->n].author, KEY_PK_BYTES);
	m->ch[m->n].mc = m->ev[m->n].body->member;
	m->n++;
	return 0;
}

int members_roster(members_t *m, roster_t *r)
{
	static const uint8_t zero[HASH_BYTES];
	store_view_t *sv = NULL;
	model_view_t v;
	collect_t c = { m, &v };
	int rc;

	memset(r, 0, sizeof *r);
	changes_clear(m);
	if ((rc = store_view_begin(m->s, &sv, &v)) != 0)
		return rc;
	if ((rc = roster_load(&v, r)) == 0 &&
	    (rc = v.refs(v.ctx, zero, MREF_MEMBER, collect_one, &c)) != 0)
		roster_free(r);
	store_view_end(&sv);
	return rc;
}

const members_change_t *members_changes(members_t *m, size_t *n)
{
	*n = m->n;
	return m->ch;
}

int members_signers(members_t *m, const roster_t *r, const uint8_t id[static HASH_BYTES],
    uint8_t (*out)[KEY_PK_BYTES])
{
	store_view_t *sv = NULL;
	model_view_t v;
	int rc;

	if ((rc = store_view_begin(m->s, &sv, &v)) != 0)
		return rc;
	rc = roster_signers(&v, r, id, out);
	store_view_end(&sv);
	return rc;
}
