/* search.c: the full-text index (spec/search.md sections 6-7) and BM25 in
 * integers (section 4).
 *
 * Database `search` (MDB_DUPSORT | MDB_DUPFIXED):
 *   term (2..32 bytes)  -> lseq(6) || tf(2) || dl(2)   one value per document
 *   0x00 (1 byte)       -> docs(6) || length(6)        the corpus totals
 * Integers big-endian. Values of a term sort by lseq; LMDB packs them ten
 * bytes each with no per-value header, counts them in O(1) (the document
 * frequency) and hands them out a page at a time. The totals are sums,
 * so they do not depend on arrival order. */
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "model/fold.h"
#include "store/search.h"
#include "store/store_int.h"

#ifndef __SIZEOF_INT128__
#error "search.c needs a 128-bit integer type (gcc or clang on a 64-bit target)"
#endif
typedef unsigned __int128 u128;

#define POST_VAL 10		/* lseq(6) || tf(2) || dl(2) */
#define LSEQ_LIMIT ((uint64_t)1 << 48)
#define U16_CAP 65535u
#define TITLE_WEIGHT 2		/* a title word counts as two */

static const uint8_t totals_key[1] = { 0 };

static void put48(uint8_t *p, uint64_t x)
{
	for (int i = 5; i >= 0; i--, x >>= 8)
		p[i] = (uint8_t)x;
}

static uint64_t get48(const uint8_t *p)
{
	uint64_t x = 0;

	for (int i = 0; i < 6; i++)
		x = x << 8 | p[i];
	return x;
}

/* ---- indexing ---- */

typedef struct term {
	uint8_t len;
	char t[FOLD_TERM_MAX];
} term_t;

typedef struct terms {
	term_t *v;
	size_t n, cap;
	unsigned weight;
	int nomem;
	term_t local[128];
} terms_t;

static int add_term(void *arg, const char *t, size_t len, int prefix)
{
	terms_t *ts = arg;

	(void)prefix;
	for (unsigned i = 0; i < ts->weight; i++) {
		if (ts->n == ts->cap) {
			size_t cap = ts->cap * 2;
			term_t *v = ts->v == ts->local ? malloc(cap * sizeof *v) :
			    realloc(ts->v, cap * sizeof *v);

			if (v == NULL) {
				ts->nomem = 1;
				return 1;
			}
			if (ts->v == ts->local)
				memcpy(v, ts->local, sizeof ts->local);
			ts->v = v;
			ts->cap = cap;
		}
		ts->v[ts->n].len = (uint8_t)len;
		memcpy(ts->v[ts->n++].t, t, len);
	}
	return 0;
}

/* LMDB's default key order. */
static int term_cmp(const void *a, const void *b)
{
	const term_t *x = a, *y = b;
	int c = memcmp(x->t, y->t, x->len < y->len ? x->len : y->len);

	return c != 0 ? c : (int)x->len - (int)y->len;
}

static int add_totals(MDB_txn *txn, MDB_dbi dbi, uint64_t docs, uint64_t length)
{
	uint8_t tv[12];
	MDB_val k = store_mv(totals_key, 1), v;
	int rc = mdb_get(txn, dbi, &k, &v);

	if (rc == 0) {
		if (v.mv_size != 12)
			return WIEC_ERR_CORRUPT;
		docs += get48(v.mv_data);
		length += get48((const uint8_t *)v.mv_data + 6);
		if ((rc = mdb_del(txn, dbi, &k, NULL)) != 0)
			return store_lmdb_err(rc);
	} else if (rc != MDB_NOTFOUND) {
		return store_lmdb_err(rc);
	}
	put48(tv, docs);
	put48(tv + 6, length);
	v = store_mv(tv, sizeof tv);
	return store_lmdb_err(mdb_put(txn, dbi, &k, &v, 0));
}

int store_search_index(wtx_t *w, const ev_t *ev, uint64_t lseq)
{
	const Wiec__Body *b = ev->body;
	terms_t ts;
	MDB_cursor *c = NULL;
	uint8_t val[POST_VAL];
	uint64_t dl;
	int rc = 0;

	if (b == NULL || lseq >= LSEQ_LIMIT ||
	    (b->content_case != WIEC__BODY__CONTENT_IDEA &&
	    b->content_case != WIEC__BODY__CONTENT_COMMENT))
		return 0;
	ts.v = ts.local;
	ts.n = 0;
	ts.cap = sizeof ts.local / sizeof ts.local[0];
	ts.nomem = 0;
	if (b->content_case == WIEC__BODY__CONTENT_IDEA) {
		const Wiec__Idea *i = b->idea;

		ts.weight = TITLE_WEIGHT;
		if (i->title)
			fold_terms(i->title, strlen(i->title), 0, add_term, &ts);
		ts.weight = 1;
		if (i->text && !ts.nomem)
			fold_terms(i->text, strlen(i->text), 0, add_term, &ts);
	} else if (b->comment->text) {
		ts.weight = 1;
		fold_terms(b->comment->text, strlen(b->comment->text), 0, add_term, &ts);
	}
	if (ts.nomem) {
		rc = WIEC_ERR_NOMEM;
		goto out;
	}
	if (ts.n == 0)
		goto out;
	dl = ts.n < U16_CAP ? ts.n : U16_CAP;
	qsort(ts.v, ts.n, sizeof *ts.v, term_cmp);
	if ((rc = mdb_cursor_open(w->txn, w->s->search, &c)) != 0) {
		rc = store_lmdb_err(rc);
		goto out;
	}
	put48(val, lseq);
	val[8] = (uint8_t)(dl >> 8);
	val[9] = (uint8_t)dl;
	for (size_t i = 0; i < ts.n;) {
		size_t j = i + 1, tf;
		MDB_val k, v;

		while (j < ts.n && term_cmp(&ts.v[i], &ts.v[j]) == 0)
			j++;
		tf = j - i < U16_CAP ? j - i : U16_CAP;
		val[6] = (uint8_t)(tf >> 8);
		val[7] = (uint8_t)tf;
		k = store_mv(ts.v[i].t, ts.v[i].len);
		v = store_mv(val, sizeof val);
		if ((rc = mdb_cursor_put(c, &k, &v, 0)) != 0) {
			rc = store_lmdb_err(rc);
			goto out;
		}
		i = j;
	}
	rc = add_totals(w->txn, w->s->search, 1, dl);
out:
	if (c != NULL)
		mdb_cursor_close(c);
	if (ts.v != ts.local)
		free(ts.v);
	return rc;
}

/* ---- ranking ---- */

uint64_t search_log2_q32(uint64_t x, uint64_t y)
{
	unsigned k = 0;
	uint64_t m, r;

	if (y == 0 || x <= y)
		return 0;
	while (((u128)y << (k + 1)) <= x)
		k++;
	/* x / (y 2^k) in [1, 2), as a fixed-point number with 62 fraction bits. */
	m = (uint64_t)(((u128)x << 62) / ((u128)y << k));
	r = (uint64_t)k << 32;
	for (int i = 31; i >= 0; i--) {
		m = (uint64_t)(((u128)m * m) >> 62);
		if (m >= (uint64_t)1 << 63) {
			m >>= 1;
			r |= (uint64_t)1 << i;
		}
	}
	return r;
}

typedef struct hit {
	uint64_t lseq, score;
} hit_t;

struct search_res {
	hit_t *h;
	size_t n;		/* heap size: hits not taken yet */
};

typedef struct qterm {
	uint8_t len, prefix;
	char t[FOLD_TERM_MAX];
} qterm_t;

typedef struct query {
	qterm_t v[SEARCH_QUERY_TERMS];
	size_t n;
} query_t;

static int add_qterm(void *arg, const char *t, size_t len, int prefix)
{
	query_t *q = arg;

	for (size_t i = 0; i < q->n; i++)
		if (q->v[i].len == len && q->v[i].prefix == prefix && memcmp(q->v[i].t, t, len) == 0)
			return 0;
	if (q->n == SEARCH_QUERY_TERMS)
		return 0;
	q->v[q->n].len = (uint8_t)len;
	q->v[q->n].prefix = (uint8_t)prefix;
	memcpy(q->v[q->n++].t, t, len);
	return 0;
}

typedef struct acc {
	hit_t *h;
	size_t n, cap;
	uint64_t docs, length;
} acc_t;

/* Scores the postings of the term the cursor is on (spec/search.md s4):
 *   idf = floor(2^32 log2((2N + 2) / (2 df + 1)))
 *   w   = floor(idf * 44 tf S / (20 tf S + 6 S + 18 dl N))
 * that is BM25 with k1 = 6/5, b = 3/4 and avgdl = S / N exactly. */
static int score_term(MDB_cursor *c, acc_t *a)
{
	MDB_val k, v;
	size_t df;
	uint64_t idf;
	u128 num, s = a->length, n = a->docs;
	int rc;

	if ((rc = mdb_cursor_count(c, &df)) != 0)
		return store_lmdb_err(rc);
	idf = search_log2_q32(2 * a->docs + 2, 2 * (uint64_t)df + 1);
	num = (u128)idf * 44 * s;
	if (store_grow((void **)&a->h, &a->cap, a->n + df, sizeof *a->h) != 0)
		return WIEC_ERR_NOMEM;
	/* A term of one document has no duplicates page: GET_MULTIPLE then
	 * leaves v as GET_CURRENT set it. */
	if ((rc = mdb_cursor_get(c, &k, &v, MDB_GET_CURRENT)) != 0)
		return store_lmdb_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_GET_MULTIPLE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT_MULTIPLE)) {
		const uint8_t *p = v.mv_data;

		if (v.mv_size % POST_VAL != 0)
			return WIEC_ERR_CORRUPT;
		for (size_t i = 0; i < v.mv_size / POST_VAL; i++, p += POST_VAL) {
			uint64_t tf = (uint64_t)p[6] << 8 | p[7], dl = (uint64_t)p[8] << 8 | p[9];
			u128 den = 20 * tf * s + 6 * s + 18 * dl * n;

			if (a->n == a->cap && store_grow((void **)&a->h, &a->cap, a->n + 1,
			    sizeof *a->h) != 0)
				return WIEC_ERR_NOMEM;
			a->h[a->n].lseq = get48(p);
			a->h[a->n++].score = (uint64_t)(num * tf / den);
		}
	}
	return rc == MDB_NOTFOUND ? 0 : store_lmdb_err(rc);
}

static int hit_lseq(const void *a, const void *b)
{
	const hit_t *x = a, *y = b;

	return x->lseq < y->lseq ? -1 : x->lseq > y->lseq;
}

/* Heap order: higher score first, then lower lseq. */
static int better(const hit_t *x, const hit_t *y)
{
	return x->score != y->score ? x->score > y->score : x->lseq < y->lseq;
}

static void sift_down(hit_t *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		hit_t t;

		if (l < n && better(&h[l], &h[m]))
			m = l;
		if (r < n && better(&h[r], &h[m]))
			m = r;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static int search_txn(store_t *s, MDB_txn *txn, const query_t *q, acc_t *a)
{
	MDB_cursor *c;
	MDB_val k = store_mv(totals_key, 1), v;
	int rc;

	if ((rc = mdb_get(txn, s->search, &k, &v)) == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return store_lmdb_err(rc);
	if (v.mv_size != 12)
		return WIEC_ERR_CORRUPT;
	a->docs = get48(v.mv_data);
	a->length = get48((const uint8_t *)v.mv_data + 6);
	if (a->docs == 0 || a->length == 0)
		return 0;
	if ((rc = mdb_cursor_open(txn, s->search, &c)) != 0)
		return store_lmdb_err(rc);
	for (size_t i = 0; i < q->n && rc == 0; i++) {
		const qterm_t *t = &q->v[i];

		k = store_mv(t->t, t->len);
		if (!t->prefix) {
			rc = mdb_cursor_get(c, &k, &v, MDB_SET);
			if (rc == 0)
				rc = score_term(c, a);
			else if (rc == MDB_NOTFOUND)
				rc = 0;
			else
				rc = store_lmdb_err(rc);
			continue;
		}
		/* A prefix: every term that starts with it, each scored alone. */
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		for (size_t m = 0; rc == 0 && m < SEARCH_PREFIX_TERMS &&
		    k.mv_size >= t->len && memcmp(k.mv_data, t->t, t->len) == 0; m++) {
			if ((rc = score_term(c, a)) != 0)
				break;
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT_NODUP);
		}
		if (rc == MDB_NOTFOUND)
			rc = 0;
		else if (rc > 0)
			rc = store_lmdb_err(rc);
	}
	mdb_cursor_close(c);
	return rc;
}

int store_search(store_t *s, const char *query, size_t len, search_res_t **out, size_t *nterms)
{
	query_t q;
	acc_t a = { NULL, 0, 0, 0, 0 };
	search_res_t *r;
	MDB_txn *txn;
	int rc;

	*out = NULL;
	q.n = 0;
	fold_terms(query, len, FOLD_QUERY, add_qterm, &q);
	if (nterms)
		*nterms = q.n;
	if ((r = calloc(1, sizeof *r)) == NULL)
		return WIEC_ERR_NOMEM;
	if (q.n > 0) {
		if ((rc = store_txn_begin(s, MDB_RDONLY, &txn)) != 0) {
			free(r);
			return rc;
		}
		rc = search_txn(s, txn, &q, &a);
		mdb_txn_abort(txn);
		if (rc != 0) {
			free(a.h);
			free(r);
			return rc;
		}
	}
	/* A document matched by several terms: one hit, the sum of its weights. */
	if (q.n > 1 && a.n > 1) {
		size_t m = 0;

		qsort(a.h, a.n, sizeof *a.h, hit_lseq);
		for (size_t i = 0; i < a.n; i++) {
			if (m > 0 && a.h[m - 1].lseq == a.h[i].lseq)
				a.h[m - 1].score += a.h[i].score;
			else
				a.h[m++] = a.h[i];
		}
		a.n = m;
	}
	r->h = a.h;
	r->n = a.n;
	for (size_t i = r->n / 2; i-- > 0;)
		sift_down(r->h, r->n, i);
	*out = r;
	return 0;
}

int store_search_next(search_res_t *r, uint64_t *lseq, uint64_t *score)
{
	if (r == NULL || r->n == 0)
		return 0;
	*lseq = r->h[0].lseq;
	*score = r->h[0].score;
	r->h[0] = r->h[--r->n];
	sift_down(r->h, r->n, 0);
	return 1;
}

size_t store_search_left(const search_res_t *r)
{
	return r ? r->n : 0;
}

void store_search_free(search_res_t **r)
{
	if (*r == NULL)
		return;
	free((*r)->h);
	free(*r);
	*r = NULL;
}

int store_search_stats(store_t *s, search_stats_t *st)
{
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_stat ms;
	MDB_val k = store_mv(totals_key, 1), v;
	int rc;

	memset(st, 0, sizeof *st);
	if ((rc = store_txn_begin(s, MDB_RDONLY, &txn)) != 0)
		return rc;
	if ((rc = mdb_get(txn, s->search, &k, &v)) == 0 && v.mv_size == 12) {
		st->docs = get48(v.mv_data);
		st->length = get48((const uint8_t *)v.mv_data + 6);
	}
	if ((rc = mdb_stat(txn, s->search, &ms)) == 0) {
		st->bytes = (uint64_t)(ms.ms_branch_pages + ms.ms_leaf_pages +
		    ms.ms_overflow_pages) * ms.ms_psize;
		rc = mdb_cursor_open(txn, s->search, &c);
	}
	if (rc == 0) {
		for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
		    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT_NODUP)) {
			size_t n;

			if (k.mv_size == 1 && ((const uint8_t *)k.mv_data)[0] == 0)
				continue;
			if ((rc = mdb_cursor_count(c, &n)) != 0)
				break;
			st->terms++;
			st->postings += n;
		}
		mdb_cursor_close(c);
	}
	mdb_txn_abort(txn);
	return rc == MDB_NOTFOUND ? 0 : store_lmdb_err(rc);
}
