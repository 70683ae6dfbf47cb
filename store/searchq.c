/* searchq.c: queries over the full-text index and BM25 in integers
 * (spec/search.md sections 4-5); the layout: store/search_int.h. */
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "model/fold.h"
#include "store/search.h"
#include "store/search_int.h"
#include "store/store_int.h"

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
	uint8_t doc[DOC];
	uint32_t qt;		/* the query term it came from */
	uint64_t score;
} hit_t;

/* An index term a query term matched, as it was scored. */
typedef struct sterm {
	uint32_t qt;		/* the query term */
	uint8_t len;
	uint8_t t[FOLD_TERM_MAX];
	uint64_t idf;
} sterm_t;

struct search_res {
	store_t *s;
	MDB_txn *txn;		/* the snapshot the hits were ranked in */
	int own_txn;		/* store_search's own (else a view's) */
	MDB_cursor *events;
	hit_t *h;
	size_t n;		/* heap size: hits not taken yet */
	/* What a hit is checked against before it is served (hit_ok). */
	sterm_t *st;		/* the index terms scored, by query term */
	size_t nst;
	uint32_t nq;		/* query terms */
	uint64_t docs, length;	/* the totals */
	search_doc_t *doc;	/* a hit's event indexed again */
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
	uint32_t qt;		/* the query term being scored */
	uint64_t docs, length;
	uint8_t *post;		/* one term's postings: doc(16) || tf(2) || dl(2) */
	size_t pcap;
	sterm_t *st;		/* the index terms scored */
	size_t nst, capst;
} acc_t;

/* The weight of one posting (spec/search.md s4):
 *   w = floor(idf * 44 tf S / (20 tf S + 6 S + 18 dl N))
 * that is BM25 with k1 = 6/5, b = 3/4 and avgdl = S / N exactly. */
static uint64_t weight(uint64_t idf, uint64_t tf, uint64_t dl, uint64_t docs, uint64_t length)
{
	u128 s = length, n = docs, num = (u128)idf * 44 * s;
	u128 den = 20 * tf * s + 6 * s + 18 * dl * n;

	return den ? (uint64_t)(num * tf / den) : 0;
}

/* Scores the entries post[0..df) of one term (term: tl bytes), with
 *   idf = floor(2^32 log2((2N + 2) / (2 df + 1))),
 * and keeps the term and its idf for checking the hits. */
static int score_term(const uint8_t *term, size_t tl, const uint8_t *post, size_t df, acc_t *a)
{
	uint64_t idf = search_log2_q32(2 * a->docs + 2, 2 * (uint64_t)df + 1);
	sterm_t *st;

	if (mem_grow((void **)&a->h, &a->cap, a->n + df, sizeof *a->h) != 0 ||
	    mem_grow((void **)&a->st, &a->capst, a->nst + 1, sizeof *a->st) != 0)
		return WIEC_ERR_NOMEM;
	st = &a->st[a->nst++];
	st->qt = a->qt;
	st->len = (uint8_t)tl;
	memcpy(st->t, term, tl);
	st->idf = idf;
	for (size_t i = 0; i < df; i++, post += POST) {
		uint64_t tf = (uint64_t)post[DOC] << 8 | post[DOC + 1];
		uint64_t dl = (uint64_t)post[DOC + 2] << 8 | post[DOC + 3];

		memcpy(a->h[a->n].doc, post, DOC);
		a->h[a->n].qt = a->qt;
		a->h[a->n++].score = weight(idf, tf, dl, a->docs, a->length);
	}
	return 0;
}

/* Reads the chunks of the term whose first chunk the cursor is on (k, v),
 * leaving the cursor past them (*next: the cursor's result, MDB_NOTFOUND at
 * the end), and scores their postings. Chunks 0, 1, ... in order, every
 * one but the last full: anything else is a damaged index. */
static int read_term(store_t *s, MDB_cursor *c, MDB_val *k, MDB_val *v, acc_t *a, int *next)
{
	size_t tl = k->mv_size - 4, n = 0;	/* tl: term || 0x00 */
	uint8_t term[TERM_KEY];
	uint32_t chunk = 0;
	int rc;

	memcpy(term, k->mv_data, tl);
	do {
		if (!chunk_ok(v) || get32((const uint8_t *)k->mv_data + tl) != chunk++ ||
		    n % CHUNK != 0)
			return store_damaged(s, "search index", NULL, "the chunks of term '%.*s' are "
			    "malformed or out of order", (int)(tl - 1), (const char *)term);
		if (mem_grow((void **)&a->post, &a->pcap, n * POST + v->mv_size, 1) != 0)
			return WIEC_ERR_NOMEM;
		memcpy(a->post + n * POST, v->mv_data, v->mv_size);
		n += v->mv_size / POST;
		rc = mdb_cursor_get(c, k, v, MDB_NEXT);
	} while (rc == 0 && k->mv_size == tl + 4 && memcmp(k->mv_data, term, tl) == 0);
	*next = rc;
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_lmdb_err(rc);
	return score_term(term, tl - 1, a->post, n, a);
}

/* By document, then query term. */
static int hit_doc(const void *a, const void *b)
{
	const hit_t *x = a, *y = b;
	int c = memcmp(x->doc, y->doc, DOC);

	return c != 0 ? c : x->qt < y->qt ? -1 : x->qt > y->qt;
}

/* Heap order: higher score first, then the lower id. */
static int better(const hit_t *x, const hit_t *y)
{
	return x->score != y->score ? x->score > y->score : memcmp(x->doc, y->doc, DOC) < 0;
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
		return store_damaged(s, "search index", NULL, "malformed totals");
	a->docs = get48(v.mv_data);
	a->length = get48((const uint8_t *)v.mv_data + 6);
	if (a->docs == 0 || a->length == 0)
		return 0;
	if ((rc = mdb_cursor_open(txn, s->search, &c)) != 0)
		return store_lmdb_err(rc);
	for (size_t i = 0; i < q->n && rc == 0; i++) {
		const qterm_t *t = &q->v[i];
		uint8_t key[FOLD_TERM_MAX + 1];
		int next;

		a->qt = (uint32_t)i;
		/* An exact term: the keys term || 0 || ...; a prefix: every term
		 * that starts with it, each scored alone. */
		memcpy(key, t->t, t->len);
		key[t->len] = 0;
		k = store_mv(key, t->len + (t->prefix ? 0 : 1));
		next = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		for (size_t m = 0; next == 0 && m < (t->prefix ? SEARCH_PREFIX_TERMS : 1); m++) {
			if (k.mv_size < (size_t)t->len + 1 + 4 || k.mv_size > KEY_MAX ||
			    memcmp(k.mv_data, t->t, t->len) != 0 ||
			    ((const uint8_t *)k.mv_data)[k.mv_size - 5] != 0 ||
			    (!t->prefix && k.mv_size != (size_t)t->len + 1 + 4))
				break;
			if ((rc = read_term(s, c, &k, &v, a, &next)) != 0)
				break;
		}
		if (rc == 0 && next != 0 && next != MDB_NOTFOUND)
			rc = store_lmdb_err(next);
	}
	mdb_cursor_close(c);
	return rc;
}

/* 0 if the index has this program's layout (chunks: STORE_MODEL 8 and
 * on); WIEC_ERR_STALE for a store of an older model opened read-only (a
 * writable open rebuilds it first), WIEC_ERR_NEWER for a newer one. */
static int model_current(store_t *s, MDB_txn *txn)
{
	uint32_t ver, model;
	int rc = store_versions(s, txn, &ver, &model);

	if (rc != 0)
		return rc == WIEC_ERR_CORRUPT ? WIEC_ERR_STALE : rc;
	if (model > STORE_MODEL)
		return WIEC_ERR_NEWER;
	return model >= 8 && !s->missing ? 0 : WIEC_ERR_STALE;
}

/* store_search in txn (NULL: a snapshot of its own). */
static int search_in(store_t *s, MDB_txn *txn, const char *query, size_t len,
    search_res_t **out, size_t *nterms)
{
	query_t q;
	acc_t a = { .h = NULL };
	search_res_t *r;
	int rc = 0;

	*out = NULL;
	q.n = 0;
	fold_terms(query, len, FOLD_QUERY, add_qterm, &q);
	if (nterms)
		*nterms = q.n;
	if ((r = calloc(1, sizeof *r)) == NULL)
		return WIEC_ERR_NOMEM;
	r->s = s;
	r->txn = txn;
	if (txn == NULL) {
		r->own_txn = 1;
		rc = store_txn_begin(s, MDB_RDONLY, &r->txn);
	}
	if (rc != 0 || (rc = model_current(s, r->txn)) != 0 ||
	    (rc = store_lmdb_err(mdb_cursor_open(r->txn, s->events, &r->events))) != 0 ||
	    (rc = search_doc_new(&r->doc)) != 0 ||
	    (q.n > 0 && (rc = search_txn(s, r->txn, &q, &a)) != 0)) {
		free(a.post);
		free(a.h);
		free(a.st);
		store_search_free(&r);
		return rc;
	}
	free(a.post);
	r->st = a.st;
	r->nst = a.nst;
	r->nq = (uint32_t)q.n;
	r->docs = a.docs;
	r->length = a.length;
	/* One hit per document: per query term the greatest w (a prefix
	 * matches many index terms: a text stuffed with them must gain
	 * nothing over one), summed over the query terms (spec/search.md
	 * section 4). */
	if (a.n > 1 && (q.n > 1 || q.v[0].prefix)) {
		size_t m = 0;
		uint64_t best = 0;	/* of the last hit's query term */

		qsort(a.h, a.n, sizeof *a.h, hit_doc);
		for (size_t i = 0; i < a.n; i++) {
			hit_t *h = &a.h[i];

			if (m > 0 && memcmp(a.h[m - 1].doc, h->doc, DOC) == 0) {
				if (h->qt != a.h[m - 1].qt) {
					a.h[m - 1].qt = h->qt;
					best = 0;
				}
				if (h->score > best) {
					a.h[m - 1].score += h->score - best;
					best = h->score;
				}
			} else {
				a.h[m++] = *h;
				best = h->score;
			}
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

int store_search(store_t *s, const char *query, size_t len, search_res_t **out, size_t *nterms)
{
	return search_in(s, NULL, query, len, out, nterms);
}

int store_search_view(store_view_t *sv, const char *query, size_t len, search_res_t **out,
    size_t *nterms)
{
	return search_in(store_view_store(sv), store_view_txn(sv), query, len, out, nterms);
}

/* The hit (event id, score) is what the index would give the event's
 * text: each query term's best weight among the index terms it matched,
 * from the tf and dl of the text indexed again, summed (search_in). A
 * posting damaged (its tf or dl, or one moved under another term) once
 * moved an idea up the ranking, or made a hit of a text without the
 * word, with exit 0. The event is read anyway to show the hit. */
static int hit_ok(search_res_t *r, const uint8_t id[static HASH_BYTES], uint64_t score)
{
	const uint8_t *env;
	Wiec__Envelope *e;
	Wiec__Body *b;
	uint64_t lseq, sum = 0;
	size_t len;
	int rc;

	if ((rc = store_lookup(r->s, r->txn, id, &lseq, NULL, NULL, &env, &len)) != 0)
		return rc == WIEC_ERR_NOTFOUND ? WIEC_ERR_CORRUPT : rc;
	if ((e = wiec__envelope__unpack(NULL, len, env)) == NULL)
		return store_damaged(r->s, "log", id, "its bytes do not decode");
	b = wiec__body__unpack(NULL, e->body.len, e->body.data);
	wiec__envelope__free_unpacked(e, NULL);
	if (b == NULL)
		return store_damaged(r->s, "log", id, "its bytes do not decode");
	rc = search_doc_set(r->doc, b, id);
	wiec__body__free_unpacked(b, NULL);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < r->nst;) {
		uint32_t qt = r->st[i].qt;
		uint64_t best = 0;

		for (; i < r->nst && r->st[i].qt == qt; i++) {
			uint32_t tf = search_doc_tf(r->doc, r->st[i].t, r->st[i].len);
			uint64_t w = tf ? weight(r->st[i].idf, tf, search_doc_dl(r->doc), r->docs,
			    r->length) : 0;

			if (w > best)
				best = w;
		}
		sum += best;
	}
	if (sum != score)
		return store_damaged(r->s, "search index", id, "its postings of the query's terms "
		    "are not its text's");
	return 0;
}

int store_search_next(search_res_t *r, uint8_t id[static HASH_BYTES], uint64_t *score)
{
	while (r != NULL && r->n > 0) {
		hit_t h = r->h[0];
		MDB_val k = store_mv(h.doc, DOC), v;
		int rc;

		r->h[0] = r->h[--r->n];
		sift_down(r->h, r->n, 0);
		/* The held event whose id starts with the document's 16 bytes:
		 * every posting is a held event's. */
		rc = mdb_cursor_get(r->events, &k, &v, MDB_SET_RANGE);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return store_lmdb_err(rc);
		if (rc == MDB_NOTFOUND || k.mv_size != HASH_BYTES ||
		    memcmp(k.mv_data, h.doc, DOC) != 0) {
			char hex[2 * DOC + 1];

			hash_hex(hex, h.doc, DOC);
			return store_damaged(r->s, "search index", NULL, "a posting names document "
			    "%s, which is no held event", hex);
		}
		memcpy(id, k.mv_data, HASH_BYTES);
		if ((rc = hit_ok(r, id, h.score)) != 0)
			return rc;
		*score = h.score;
		return 1;
	}
	return 0;
}

size_t store_search_left(const search_res_t *r)
{
	return r ? r->n : 0;
}

void store_search_free(search_res_t **r)
{
	if (*r == NULL)
		return;
	if ((*r)->events != NULL)
		mdb_cursor_close((*r)->events);
	if ((*r)->own_txn && (*r)->txn != NULL)
		mdb_txn_abort((*r)->txn);
	search_doc_free(&(*r)->doc);
	free((*r)->st);
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
	if ((rc = model_current(s, txn)) != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
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
		uint8_t last[FOLD_TERM_MAX];
		size_t lastlen = 0;

		for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
		    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
			size_t tl = k.mv_size - 5;

			if (k.mv_size < 1 + 1 + 4 || k.mv_size > KEY_MAX)
				continue;	/* the totals */
			if (tl != lastlen || memcmp(last, k.mv_data, tl) != 0) {
				st->terms++;
				memcpy(last, k.mv_data, tl);
				lastlen = tl;
			}
			st->postings += v.mv_size / POST;
		}
		mdb_cursor_close(c);
	}
	mdb_txn_abort(txn);
	return rc == MDB_NOTFOUND ? 0 : store_lmdb_err(rc);
}
