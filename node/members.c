/* members.c: the roster read from a store (node/members.h). The view here
 * holds the member changes and approvals found in the log, read
 * incrementally in arrival order; which of them count is decided by
 * model/roster.c alone, from the set, so arrival order does not matter. */
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/members.h"
#include "proto/event.h"

typedef struct mev {
	uint8_t id[HASH_BYTES], author[KEY_PK_BYTES], ref[HASH_BYTES];
	uint8_t tag;
	uint64_t seq, timestamp, lseq;
	uint8_t *body;			/* the packed Body, owned */
	size_t len;
	Wiec__Body *dec;		/* decoded once, owned */
} mev_t;

struct members {
	store_t *s;
	const Wiec__GenesisBody *genesis;
	mev_t *ev;			/* sorted by id */
	size_t n, cap;
	uint64_t next;			/* the first lseq not read yet */
	members_change_t *ch;
	size_t nch;
};

static int mev_cmp(const void *a, const void *b)
{
	return memcmp(((const mev_t *)a)->id, ((const mev_t *)b)->id, HASH_BYTES);
}

members_t *members_new(store_t *s, const Wiec__GenesisBody *genesis)
{
	members_t *m = calloc(1, sizeof *m);

	if (m == NULL)
		return NULL;
	m->s = s;
	m->genesis = genesis;
	m->next = 1;
	return m;
}

void members_destroy(members_t **p)
{
	members_t *m;

	if (p == NULL || (m = *p) == NULL)
		return;
	for (size_t i = 0; i < m->n; i++) {
		free(m->ev[i].body);
		wiec__body__free_unpacked(m->ev[i].dec, NULL);
	}
	free(m->ev);
	free(m->ch);
	free(m);
	*p = NULL;
}

static int scan_one(void *ctx, uint64_t lseq, const uint8_t *env, size_t len)
{
	members_t *m = ctx;
	mev_t *x;
	ev_t e;
	int rc;

	m->next = lseq + 1;
	if ((rc = ev_decode(&e, env, len)) != 0)
		return rc == WIEC_ERR_NOMEM ? rc : 0;	/* held, so valid when stored */
	if (e.body->content_case != WIEC__BODY__CONTENT_MEMBER &&
	    (e.body->content_case != WIEC__BODY__CONTENT_APPROVE ||
	    e.body->approve->target.len != HASH_BYTES)) {
		ev_free(&e);
		return 0;
	}
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 16;
		void *p = realloc(m->ev, cap * sizeof *m->ev);

		if (p == NULL) {
			ev_free(&e);
			return WIEC_ERR_NOMEM;
		}
		m->ev = p;
		m->cap = cap;
	}
	x = &m->ev[m->n];
	memset(x, 0, sizeof *x);
	if ((x->body = malloc(e.envelope->body.len ? e.envelope->body.len : 1)) == NULL) {
		ev_free(&e);
		return WIEC_ERR_NOMEM;
	}
	memcpy(x->body, e.envelope->body.data, e.envelope->body.len);
	x->len = e.envelope->body.len;
	memcpy(x->id, e.id, HASH_BYTES);
	memcpy(x->author, e.author, KEY_PK_BYTES);
	x->seq = e.seq;
	x->timestamp = e.timestamp;
	x->lseq = lseq;
	if (e.body->content_case == WIEC__BODY__CONTENT_MEMBER) {
		x->tag = MREF_MEMBER;
	} else {
		x->tag = MREF_APPROVE;
		memcpy(x->ref, e.body->approve->target.data, HASH_BYTES);
	}
	x->dec = e.body;		/* taken over */
	e.body = NULL;
	ev_free(&e);
	m->n++;
	return 0;
}

static mev_t *find(members_t *m, const uint8_t *id)
{
	mev_t k;

	if (m->n == 0)
		return NULL;
	memcpy(k.id, id, HASH_BYTES);
	return bsearch(&k, m->ev, m->n, sizeof *m->ev, mev_cmp);
}

static int view_get(void *ctx, const uint8_t id[static HASH_BYTES], model_ev_t *out)
{
	members_t *m = ctx;
	mev_t *x = find(m, id);
	int rc;

	memset(out, 0, sizeof *out);
	if (x == NULL)
		return WIEC_ERR_NOTFOUND;
	if ((rc = store_excluded(m->s, id)) < 0)
		return rc;
	if (rc == 1)
		return WIEC_ERR_NOTFOUND;
	if ((out->body = wiec__body__unpack(NULL, x->len, x->body)) == NULL)
		return WIEC_ERR_NOMEM;
	memcpy(out->id, x->id, HASH_BYTES);
	memcpy(out->author, x->author, KEY_PK_BYTES);
	out->seq = x->seq;
	out->timestamp = x->timestamp;
	out->lseq = x->lseq;
	return 0;
}

/* m->ev is in id order, so the matches come out in id order. */
static int view_refs(void *ctx, const uint8_t ref[static HASH_BYTES], uint8_t tag,
    model_ref_cb cb, void *arg)
{
	static const uint8_t zero[HASH_BYTES];
	members_t *m = ctx;
	int rc;

	for (size_t i = 0; i < m->n; i++) {
		const mev_t *x = &m->ev[i];

		if (x->tag != tag || memcmp(tag == MREF_MEMBER ? zero : x->ref, ref, HASH_BYTES) != 0)
			continue;
		if ((rc = cb(arg, x->id)) != 0)
			return rc;
	}
	return 0;
}

static const Wiec__GenesisBody *view_genesis(void *ctx)
{
	return ((members_t *)ctx)->genesis;
}

model_view_t members_view(members_t *m)
{
	model_view_t v = { m, view_get, view_refs, view_genesis };

	return v;
}

int members_roster(members_t *m, roster_t *r)
{
	model_view_t v = members_view(m);
	size_t before = m->n;
	int rc;

	memset(r, 0, sizeof *r);
	if ((rc = store_scan_log(m->s, m->next, scan_one, m)) != 0)
		return rc;
	if (m->n != before) {
		qsort(m->ev, m->n, sizeof *m->ev, mev_cmp);
		free(m->ch);
		m->ch = NULL;
		m->nch = 0;
	}
	if (m->ch == NULL) {
		if ((m->ch = calloc(m->n ? m->n : 1, sizeof *m->ch)) == NULL)
			return WIEC_ERR_NOMEM;
		for (size_t i = 0; i < m->n; i++)
			if (m->ev[i].tag == MREF_MEMBER) {
				memcpy(m->ch[m->nch].id, m->ev[i].id, HASH_BYTES);
				memcpy(m->ch[m->nch].author, m->ev[i].author, KEY_PK_BYTES);
				m->ch[m->nch++].mc = m->ev[i].dec->member;
			}
	}
	return roster_load(&v, r);
}

const members_change_t *members_changes(members_t *m, size_t *n)
{
	*n = m->nch;
	return m->ch;
}
