/* search.c: the full-text index (spec/search.md sections 6-7) and BM25 in
 * integers (section 4).
 *
 * Database `search`:
 *   term || 0x00 || c(4)  -> 1..CHUNK postings: doc(16) || tf(2) || dl(2)
 *   0x00 (1 byte)         -> docs(6) || length(6)    the corpus totals
 * doc is the first 16 bytes of the event id (finding another event with the
 * same 16 bytes takes about 2^128 hashes); integers are big-endian. A term's
 * postings lie in chunks c = 0, 1, ... in log order, each full but the last,
 * so the chunks depend on the log and not on how commits cut it; the
 * postings (each from one event's own bytes) and the totals (sums) are the
 * same on every node holding the same events. A term's document frequency
 * is the number of its postings, counted while they are read. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "crypto/siphash.h"
#include "model/fold.h"
#include "store/search.h"
#include "store/store_int.h"

#ifndef __SIZEOF_INT128__
#error "search.c needs a 128-bit integer type (gcc or clang on a 64-bit target)"
#endif
typedef unsigned __int128 u128;

#define DOC 16			/* bytes of an event id naming a document */
#define POST (DOC + 4)		/* a posting: doc(16) || tf(2) || dl(2) */
#define CHUNK 64		/* postings in a full chunk */
#define TERM_KEY (FOLD_TERM_MAX + 1)	/* term || 0x00 */
#define KEY_MAX (TERM_KEY + 4)	/* term || 0x00 || chunk(4) */
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

/* ---- indexing ----
 *
 * A write transaction gathers its postings in a table of its distinct
 * terms. A term's postings are numbered in log order (the order their
 * documents came); a document adds to a term's tf while the term's last
 * posting is the document's own (its postings are the ones from doc_start
 * on). The flush sorts the distinct terms into LMDB's key order, lays each
 * term's postings side by side (a counting sort: one pass over them in log
 * order) and appends them to the term's last chunk. Sorting the terms, not
 * the postings: a transaction has far fewer of them. */

#define NONE UINT32_MAX

typedef struct tterm {
	uint64_t a, b;		/* the first 16 bytes of key, big-endian: the sort's integers */
	uint32_t last;		/* the term's latest posting, or NONE */
	uint32_t count;		/* its postings */
	uint32_t at;		/* at the flush: where its postings go */
	uint8_t klen;		/* of term || 0x00 */
	uint8_t key[TERM_KEY];	/* term || 0x00, zero-padded */
} tterm_t;

typedef struct tpost {
	uint32_t term;		/* index in the table */
	uint32_t tf;		/* weighted occurrences, while the document is added */
	uint8_t post[POST];	/* doc(16) || tf(2) || dl(2), at the document's end */
} tpost_t;

#define FLUSH_AT ((size_t)1 << 20)	/* postings gathered before a flush (28 MB) */
#define SLOTS_MIN 1024

struct search_buf {
	tterm_t *t;		/* distinct terms, first seen first */
	size_t nt, capt;
	uint32_t *slot;		/* 1 + index in t, or 0; nslot a power of two, >= 2 nt */
	size_t nslot;
	tpost_t *p;		/* postings, in log order */
	size_t np, capp;
	size_t doc_start;	/* the first posting of the document being added */
	unsigned weight;	/* of an occurrence in the text being folded */
	uint64_t total;		/* the document's weighted occurrences */
	int nomem;
	uint64_t docs, length;	/* totals of the gathered documents */
	fold_ctx_t *fold;	/* ICU's answers, kept for the transaction */
	uint8_t key[SIPHASH_KEY_BYTES];	/* term_hash's, random */
};

/* Keyed (SipHash-1-3, a key drawn for each buffer): the terms come from
 * anyone's text, and with a hash they could predict, terms made to share
 * a slot would make every lookup walk all of them. Inline: it runs for
 * every word of every text indexed (crypto/siphash.h). */
static uint32_t term_hash(const struct search_buf *b, const char *t, size_t len)
{
	return (uint32_t)siphash13(b->key, t, len);
}

/* Doubles the slots (rehashing every term); 0 or -1 (out of memory,
 * nothing changed). */
static int slots_grow(struct search_buf *b)
{
	size_t n = b->nslot ? 2 * b->nslot : SLOTS_MIN, mask = n - 1;
	uint32_t *slot = calloc(n, sizeof *slot);

	if (slot == NULL || n > UINT32_MAX)
		return free(slot), -1;
	for (size_t i = 0; i < b->nt; i++) {
		size_t j = term_hash(b, (const char *)b->t[i].key, b->t[i].klen - 1u) & mask;

		while (slot[j] != 0)
			j = (j + 1) & mask;
		slot[j] = (uint32_t)i + 1;
	}
	free(b->slot);
	b->slot = slot;
	b->nslot = n;
	return 0;
}

/* fold_cb: one occurrence of term t in the document being added. */
static int add_term(void *arg, const char *t, size_t len, int prefix)
{
	struct search_buf *b = arg;
	size_t mask, j;
	tterm_t *x;
	uint32_t i;

	(void)prefix;
	if (2 * (b->nt + 1) > b->nslot && slots_grow(b) != 0)
		goto nomem;
	mask = b->nslot - 1;
	for (j = term_hash(b, t, len) & mask; b->slot[j] != 0; j = (j + 1) & mask) {
		x = &b->t[b->slot[j] - 1];
		if (x->klen == len + 1 && memcmp(x->key, t, len) == 0)
			goto found;
	}
	if (b->nt >= NONE - 1 ||
	    mem_grow((void **)&b->t, &b->capt, b->nt + 1, sizeof *b->t) != 0)
		goto nomem;
	x = &b->t[b->nt];
	/* Zero-padded: the sort reads the first 16 bytes as integers. */
	memset(x->key, 0, sizeof x->key);
	memcpy(x->key, t, len);
	x->klen = (uint8_t)(len + 1);
	x->a = hash_get_be64(x->key);
	x->b = hash_get_be64(x->key + 8);
	x->last = NONE;
	x->count = 0;
	b->slot[j] = (uint32_t)++b->nt;
found:
	b->total += b->weight;
	if (x->last != NONE && x->last >= b->doc_start) {
		b->p[x->last].tf += b->weight;
		return 0;
	}
	if (b->np >= NONE || mem_grow((void **)&b->p, &b->capp, b->np + 1, sizeof *b->p) != 0)
		goto nomem;
	i = (uint32_t)b->np++;
	b->p[i].term = (uint32_t)(x - b->t);
	b->p[i].tf = b->weight;
	x->last = i;
	x->count++;
	return 0;
nomem:
	b->nomem = 1;
	return 1;
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
	} else if (rc != MDB_NOTFOUND) {
		return store_lmdb_err(rc);
	}
	put48(tv, docs);
	put48(tv + 6, length);
	v = store_mv(tv, sizeof tv);
	return store_lmdb_err(mdb_put(txn, dbi, &k, &v, 0));
}

/* x before y in LMDB's key order (distinct terms: never equal). */
static int term_lt(const tterm_t *x, const tterm_t *y)
{
	int c;

	if (x->a != y->a)
		return x->a < y->a;
	if (x->b != y->b)
		return x->b < y->b;
	/* Both past 16 bytes (a term of <= 15 differs within them, its 0x00
	 * included); zero padding compares like LMDB's shorter-first. */
	c = memcmp(x->key + 16, y->key + 16, sizeof x->key - 16);
	return c != 0 ? c < 0 : x->klen < y->klen;
}

/* Sorts o[0..n) (term indices) by term (bottom-up merge sort, tmp of n:
 * n log n whatever the terms). Returns the sorted array (o or tmp). */
static uint32_t *term_sort(uint32_t *o, uint32_t *tmp, size_t n, const tterm_t *t)
{
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t i = lo, j = mid, k = lo;

			while (i < mid && j < hi)
				tmp[k++] = term_lt(&t[o[j]], &t[o[i]]) ? o[j++] : o[i++];
			while (i < mid)
				tmp[k++] = o[i++];
			while (j < hi)
				tmp[k++] = o[j++];
		}
		{
			uint32_t *x = o;

			o = tmp;
			tmp = x;
		}
	}
	return o;
}

static void put32(uint8_t *p, uint32_t x)
{
	p[0] = (uint8_t)(x >> 24);
	p[1] = (uint8_t)(x >> 16);
	p[2] = (uint8_t)(x >> 8);
	p[3] = (uint8_t)x;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Whether chunk value v is well formed: 1..CHUNK postings. */
static int chunk_ok(const MDB_val *v)
{
	return v->mv_size > 0 && v->mv_size % POST == 0 && v->mv_size <= CHUNK * POST;
}

/* Appends the postings post[0..n) (POST bytes each, in log order) of the
 * term t to its last chunk and the chunks after it. */
static int put_term(MDB_cursor *c, const tterm_t *t, const uint8_t *post, size_t n)
{
	uint8_t key[KEY_MAX], buf[CHUNK * POST];
	size_t have = 0;
	uint32_t chunk = 0;
	MDB_val k, v;
	int rc;

	memcpy(key, t->key, t->klen);
	put32(key + t->klen, UINT32_MAX);
	k = store_mv(key, t->klen + 4u);
	/* The term's last chunk: the key before term || 0 || 2^32-1. */
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	if (rc == 0 && !(k.mv_size == t->klen + 4u && memcmp(k.mv_data, key, k.mv_size) == 0))
		rc = mdb_cursor_get(c, &k, &v, MDB_PREV);
	else if (rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
	if (rc == 0 && k.mv_size == t->klen + 4u && memcmp(k.mv_data, t->key, t->klen) == 0) {
		if (!chunk_ok(&v))
			return WIEC_ERR_CORRUPT;
		chunk = get32((const uint8_t *)k.mv_data + t->klen);
		have = v.mv_size / POST;
		memcpy(buf, v.mv_data, v.mv_size);
	} else if (rc != 0 && rc != MDB_NOTFOUND) {
		return store_lmdb_err(rc);
	}
	for (size_t i = 0; i < n;) {
		size_t m;

		if (have == CHUNK) {	/* full: the next chunk */
			if (chunk == UINT32_MAX)
				return WIEC_ERR_CORRUPT;
			chunk++;
			have = 0;
		}
		m = CHUNK - have < n - i ? CHUNK - have : n - i;
		memcpy(buf + have * POST, post + i * POST, m * POST);
		have += m;
		i += m;
		put32(key + t->klen, chunk);
		k = store_mv(key, t->klen + 4u);
		v = store_mv(buf, have * POST);
		if ((rc = mdb_cursor_put(c, &k, &v, 0)) != 0)
			return store_lmdb_err(rc);
	}
	return 0;
}

/* Empties the buffer for the next postings (the slots stay allocated). */
static void buf_reset(struct search_buf *b)
{
	if (b->slot != NULL)
		memset(b->slot, 0, b->nslot * sizeof *b->slot);
	b->nt = b->np = b->doc_start = 0;
	b->docs = b->length = 0;
}

int store_search_flush(wtx_t *w)
{
	struct search_buf *b = w->search;
	uint32_t *o = NULL, *sorted;
	uint8_t *out = NULL;
	MDB_cursor *c;
	size_t at = 0;
	int rc = 0;

	if (b == NULL || b->docs == 0)
		return 0;
	if ((o = malloc(2 * b->nt * sizeof *o)) == NULL ||
	    (out = malloc(b->np * (size_t)POST)) == NULL) {
		rc = WIEC_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < b->nt; i++)
		o[i] = (uint32_t)i;
	sorted = term_sort(o, o + b->nt, b->nt, b->t);
	for (size_t i = 0; i < b->nt; i++) {
		b->t[sorted[i]].at = (uint32_t)at;
		at += b->t[sorted[i]].count;
	}
	/* In log order into each term's place: each term's postings stay in
	 * log order. */
	for (size_t i = 0; i < b->np; i++)
		memcpy(out + (size_t)b->t[b->p[i].term].at++ * POST, b->p[i].post, POST);
	if ((rc = mdb_cursor_open(w->txn, w->s->search, &c)) != 0) {
		rc = store_lmdb_err(rc);
		goto out;
	}
	for (size_t i = 0; i < b->nt && rc == 0; i++) {
		const tterm_t *t = &b->t[sorted[i]];

		if (t->count > 0)
			rc = put_term(c, t, out + (size_t)(t->at - t->count) * POST, t->count);
	}
	mdb_cursor_close(c);
	if (rc == 0)
		rc = add_totals(w->txn, w->s->search, b->docs, b->length);
out:
	free(o);
	free(out);
	buf_reset(b);
	return rc;
}

void store_search_drop(wtx_t *w)
{
	if (w->search != NULL) {
		free(w->search->t);
		free(w->search->slot);
		free(w->search->p);
		fold_ctx_destroy(&w->search->fold);
	}
	free(w->search);
	w->search = NULL;
}

/* Adds the document of body b (event id) to sb: its postings, each
 * finished (doc || tf || dl) at the document's end, and the totals. 0 (also
 * for a body that is no document), or WIEC_ERR_NOMEM with nothing of the
 * document left in sb. */
static int add_doc(struct search_buf *sb, const Wiec__Body *b, const uint8_t *id)
{
	uint64_t dl;

	if (b == NULL || (b->content_case != WIEC__BODY__CONTENT_IDEA &&
	    b->content_case != WIEC__BODY__CONTENT_COMMENT))
		return 0;
	if (sb->fold == NULL && (sb->fold = fold_ctx_new()) == NULL)
		return WIEC_ERR_NOMEM;
	sb->doc_start = sb->np;
	sb->total = 0;
	sb->nomem = 0;
	if (b->content_case == WIEC__BODY__CONTENT_IDEA) {
		const Wiec__Idea *i = b->idea;

		sb->weight = TITLE_WEIGHT;
		if (i->title)
			fold_terms_ctx(sb->fold, i->title, strlen(i->title), 0, add_term, sb);
		sb->weight = 1;
		if (i->text && !sb->nomem)
			fold_terms_ctx(sb->fold, i->text, strlen(i->text), 0, add_term, sb);
	} else if (b->comment->text) {
		sb->weight = 1;
		fold_terms_ctx(sb->fold, b->comment->text, strlen(b->comment->text), 0, add_term,
		    sb);
	}
	/* Out of memory part way: the document's postings are taken back
	 * (the transaction is abandoned anyway; a half-added document must
	 * never be put, whoever goes on). */
	if (sb->nomem) {
		for (size_t i = sb->doc_start; i < sb->np; i++) {
			sb->t[sb->p[i].term].count--;
			sb->t[sb->p[i].term].last = NONE;
		}
		sb->np = sb->doc_start;
		return WIEC_ERR_NOMEM;
	}
	if (sb->np == sb->doc_start)
		return 0;	/* no terms: not a document of the index */
	dl = sb->total < U16_CAP ? sb->total : U16_CAP;
	for (size_t i = sb->doc_start; i < sb->np; i++) {
		tpost_t *p = &sb->p[i];
		uint32_t tf = p->tf < U16_CAP ? p->tf : U16_CAP;

		memcpy(p->post, id, DOC);
		p->post[DOC] = (uint8_t)(tf >> 8);
		p->post[DOC + 1] = (uint8_t)tf;
		p->post[DOC + 2] = (uint8_t)(dl >> 8);
		p->post[DOC + 3] = (uint8_t)dl;
	}
	sb->doc_start = sb->np;
	sb->docs++;
	sb->length += dl;
	return 0;
}

int store_search_index(wtx_t *w, const ev_t *ev)
{
	int rc;

	if (ev->body == NULL || (ev->body->content_case != WIEC__BODY__CONTENT_IDEA &&
	    ev->body->content_case != WIEC__BODY__CONTENT_COMMENT))
		return 0;
	if (w->search == NULL) {
		if ((w->search = calloc(1, sizeof *w->search)) == NULL)
			return WIEC_ERR_NOMEM;
		randombytes_buf(w->search->key, sizeof w->search->key);
	}
	if ((rc = add_doc(w->search, ev->body, ev->id)) != 0)
		return rc;
	return w->search->np >= FLUSH_AT ? store_search_flush(w) : 0;
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
	uint8_t doc[DOC];
	uint64_t score;
} hit_t;

struct search_res {
	store_t *s;
	MDB_txn *txn;		/* the snapshot the hits were ranked in */
	MDB_cursor *events;
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
	uint8_t *post;		/* one term's postings: doc(16) || tf(2) || dl(2) */
	size_t pcap;
} acc_t;

/* Scores the entries post[0..df) of one term (spec/search.md s4):
 *   idf = floor(2^32 log2((2N + 2) / (2 df + 1)))
 *   w   = floor(idf * 44 tf S / (20 tf S + 6 S + 18 dl N))
 * that is BM25 with k1 = 6/5, b = 3/4 and avgdl = S / N exactly. */
static int score_term(const uint8_t *post, size_t df, acc_t *a)
{
	uint64_t idf = search_log2_q32(2 * a->docs + 2, 2 * (uint64_t)df + 1);
	u128 s = a->length, n = a->docs, num = (u128)idf * 44 * s;

	if (mem_grow((void **)&a->h, &a->cap, a->n + df, sizeof *a->h) != 0)
		return WIEC_ERR_NOMEM;
	for (size_t i = 0; i < df; i++, post += POST) {
		uint64_t tf = (uint64_t)post[DOC] << 8 | post[DOC + 1];
		uint64_t dl = (uint64_t)post[DOC + 2] << 8 | post[DOC + 3];
		u128 den = 20 * tf * s + 6 * s + 18 * dl * n;

		memcpy(a->h[a->n].doc, post, DOC);
		a->h[a->n++].score = den ? (uint64_t)(num * tf / den) : 0;
	}
	return 0;
}

/* Reads the chunks of the term whose first chunk the cursor is on (k, v),
 * leaving the cursor past them (*next: the cursor's result, MDB_NOTFOUND at
 * the end), and scores their postings. Chunks 0, 1, ... in order, every
 * one but the last full: anything else is a damaged index. */
static int read_term(MDB_cursor *c, MDB_val *k, MDB_val *v, acc_t *a, int *next)
{
	size_t tl = k->mv_size - 4, n = 0;	/* tl: term || 0x00 */
	uint8_t term[TERM_KEY];
	uint32_t chunk = 0;
	int rc;

	memcpy(term, k->mv_data, tl);
	do {
		if (!chunk_ok(v) || get32((const uint8_t *)k->mv_data + tl) != chunk++ ||
		    n % CHUNK != 0)
			return WIEC_ERR_CORRUPT;
		if (mem_grow((void **)&a->post, &a->pcap, n * POST + v->mv_size, 1) != 0)
			return WIEC_ERR_NOMEM;
		memcpy(a->post + n * POST, v->mv_data, v->mv_size);
		n += v->mv_size / POST;
		rc = mdb_cursor_get(c, k, v, MDB_NEXT);
	} while (rc == 0 && k->mv_size == tl + 4 && memcmp(k->mv_data, term, tl) == 0);
	*next = rc;
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_lmdb_err(rc);
	return score_term(a->post, n, a);
}

static int hit_doc(const void *a, const void *b)
{
	return memcmp(((const hit_t *)a)->doc, ((const hit_t *)b)->doc, DOC);
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
		return WIEC_ERR_CORRUPT;
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
			if ((rc = read_term(c, &k, &v, a, &next)) != 0)
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
 * writable open rebuilds it first). */
static int model_current(store_t *s, MDB_txn *txn)
{
	uint32_t ver, model;
	int rc = store_versions(s, txn, &ver, &model);

	if (rc != 0)
		return rc == WIEC_ERR_CORRUPT ? WIEC_ERR_STALE : rc;
	return model >= 8 && model <= STORE_MODEL ? 0 : WIEC_ERR_STALE;
}

int store_search(store_t *s, const char *query, size_t len, search_res_t **out, size_t *nterms)
{
	query_t q;
	acc_t a = { NULL, 0, 0, 0, 0, NULL, 0 };
	search_res_t *r;
	int rc;

	*out = NULL;
	q.n = 0;
	fold_terms(query, len, FOLD_QUERY, add_qterm, &q);
	if (nterms)
		*nterms = q.n;
	if ((r = calloc(1, sizeof *r)) == NULL)
		return WIEC_ERR_NOMEM;
	r->s = s;
	if ((rc = store_txn_begin(s, MDB_RDONLY, &r->txn)) != 0 ||
	    (rc = model_current(s, r->txn)) != 0 ||
	    (rc = store_lmdb_err(mdb_cursor_open(r->txn, s->events, &r->events))) != 0 ||
	    (q.n > 0 && (rc = search_txn(s, r->txn, &q, &a)) != 0)) {
		free(a.post);
		free(a.h);
		store_search_free(&r);
		return rc;
	}
	free(a.post);
	/* A document matched by several terms: one hit, the sum of its weights. */
	if (q.n > 1 && a.n > 1) {
		size_t m = 0;

		if (a.n > 1)	/* qsort(NULL, 0, ...) is undefined */
			qsort(a.h, a.n, sizeof *a.h, hit_doc);
		for (size_t i = 0; i < a.n; i++) {
			if (m > 0 && memcmp(a.h[m - 1].doc, a.h[i].doc, DOC) == 0)
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

int store_search_next(search_res_t *r, uint8_t id[static HASH_BYTES], uint64_t *score)
{
	while (r != NULL && r->n > 0) {
		hit_t h = r->h[0];
		MDB_val k = store_mv(h.doc, DOC), v;
		int rc;

		r->h[0] = r->h[--r->n];
		sift_down(r->h, r->n, 0);
		/* The held event whose id starts with the document's 16 bytes. */
		rc = mdb_cursor_get(r->events, &k, &v, MDB_SET_RANGE);
		if (rc == MDB_NOTFOUND)
			continue;
		if (rc != 0)
			return store_lmdb_err(rc);
		if (k.mv_size != HASH_BYTES || memcmp(k.mv_data, h.doc, DOC) != 0)
			continue;
		memcpy(id, k.mv_data, HASH_BYTES);
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
	if ((*r)->txn != NULL)
		mdb_txn_abort((*r)->txn);
	free((*r)->h);
	free(*r);
	*r = NULL;
}

/* ---- verification of the content ----
 *
 * The whole log indexed again into one buffer whose terms stay for the
 * whole pass; each term's postings, as they come in log order, chained
 * into one keyed hash (SipHash-1-3, a fresh random key: no stored index
 * can be made to match another's chain). The stored chunks, read in key
 * order, must give each term the same chain and count, and no more terms;
 * the totals must be the same. Memory: the distinct terms, not the
 * postings. */

static uint64_t chain(const uint8_t key[static SIPHASH_KEY_BYTES], uint64_t h, const uint8_t *post)
{
	uint8_t m[8 + POST];

	hash_put_le64(m, h);
	memcpy(m + 8, post, POST);
	return siphash13(key, m, sizeof m);
}

static const tterm_t *term_find(const struct search_buf *b, const uint8_t *t, size_t len)
{
	size_t mask;

	if (b->nslot == 0 || len > FOLD_TERM_MAX)
		return NULL;
	mask = b->nslot - 1;
	for (size_t j = term_hash(b, (const char *)t, len) & mask; b->slot[j] != 0;
	    j = (j + 1) & mask) {
		const tterm_t *x = &b->t[b->slot[j] - 1];

		if (x->klen == len + 1 && memcmp(x->key, t, len) == 0)
			return x;
	}
	return NULL;
}

/* The expected chains: h[term index] over the log. */
static int expect(store_t *s, MDB_txn *txn, struct search_buf *b,
    const uint8_t hkey[static SIPHASH_KEY_BYTES], uint64_t **h)
{
	MDB_cursor *c;
	MDB_val k, v;
	size_t caph = 0, nh = 0;
	int rc, err = 0;

	if ((rc = mdb_cursor_open(txn, s->log, &c)) != 0)
		return store_lmdb_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0 && err == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		ev_t ev;

		if (v.mv_size <= HASH_BYTES || ev_decode(&ev, (const uint8_t *)v.mv_data +
		    HASH_BYTES, v.mv_size - HASH_BYTES) != 0) {
			err = WIEC_ERR_CORRUPT;	/* verify's log pass names it first */
			break;
		}
		err = add_doc(b, ev.body, ev.id);
		ev_free(&ev);
		if (err == 0 && mem_grow((void **)h, &caph, b->nt, sizeof **h) != 0)
			err = WIEC_ERR_NOMEM;
		if (err != 0)
			break;
		for (; nh < b->nt; nh++)
			(*h)[nh] = 0;
		for (size_t i = 0; i < b->np; i++) {
			uint32_t t = b->p[i].term;

			(*h)[t] = chain(hkey, (*h)[t], b->p[i].post);
			b->t[t].last = NONE;
		}
		b->np = b->doc_start = 0;
	}
	mdb_cursor_close(c);
	if (err != 0)
		return err;
	return rc == MDB_NOTFOUND ? 0 : store_lmdb_err(rc);
}

static int check_content(store_t *s, MDB_txn *txn, const char **why)
{
	struct search_buf b;
	uint8_t hkey[SIPHASH_KEY_BYTES], term[TERM_KEY];
	uint64_t *h = NULL, got = 0, docs = 0, length = 0;
	const tterm_t *cur = NULL;
	size_t seen = 0, tl = 0, cnt = 0;
	MDB_cursor *c = NULL;
	MDB_val k, v;
	int rc;

	memset(&b, 0, sizeof b);
	randombytes_buf(b.key, sizeof b.key);
	randombytes_buf(hkey, sizeof hkey);
	if ((rc = expect(s, txn, &b, hkey, &h)) != 0)
		goto out;
	if ((rc = mdb_cursor_open(txn, s->search, &c)) != 0) {
		rc = store_lmdb_err(rc);
		goto out;
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); ; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *key = k.mv_data;
		int end = rc == MDB_NOTFOUND;

		if (rc != 0 && !end) {
			rc = store_lmdb_err(rc);
			goto out;
		}
		if (!end && k.mv_size == 1) {	/* the totals (shape checked) */
			docs = get48(v.mv_data);
			length = get48((const uint8_t *)v.mv_data + 6);
			continue;
		}
		/* A term ends: its chain and count against the log's. */
		if (tl > 0 && (end || tl != k.mv_size - 4 || memcmp(term, key, tl) != 0)) {
			if (cur == NULL || got != h[cur - b.t] || cnt != cur->count) {
				*why = "search index: a term's postings are not the log's";
				rc = WIEC_ERR_CORRUPT;
				goto out;
			}
			seen++;
			tl = 0;
		}
		if (end)
			break;
		if (tl == 0) {
			tl = k.mv_size - 4;
			memcpy(term, key, tl);
			cur = term_find(&b, key, tl - 1);
			got = 0;
			cnt = 0;
		}
		for (size_t i = 0; i < v.mv_size / POST; i++)
			got = chain(hkey, got, (const uint8_t *)v.mv_data + i * POST);
		cnt += v.mv_size / POST;
	}
	rc = 0;
	if (seen != b.nt) {
		*why = "search index: a term of the log is missing";
		rc = WIEC_ERR_CORRUPT;
	} else if (docs != b.docs || length != b.length) {
		*why = "search index: the totals are not the log's";
		rc = WIEC_ERR_CORRUPT;
	}
out:
	if (c != NULL)
		mdb_cursor_close(c);
	free(h);
	free(b.t);
	free(b.slot);
	free(b.p);
	fold_ctx_destroy(&b.fold);
	return rc;
}

int store_search_check(store_t *s, MDB_txn *txn, const char **why)
{
	uint8_t term[TERM_KEY];
	size_t tl = 0, have = 0;
	uint32_t next = 0;
	MDB_cursor *c;
	MDB_val k, v;
	int rc, bad = 0;

	*why = NULL;
	if ((rc = mdb_cursor_open(txn, s->search, &c)) != 0)
		return store_lmdb_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0 && !bad;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *key = k.mv_data;

		if (k.mv_size == 1 && key[0] == 0) {
			if (v.mv_size != 12)
				bad = 1, *why = "search index: malformed totals";
			continue;
		}
		/* term (1..FOLD_TERM_MAX bytes, no 0x00) || 0x00 || chunk */
		if (k.mv_size < 1 + 1 + 4 || k.mv_size > KEY_MAX || key[k.mv_size - 5] != 0 ||
		    memchr(key, 0, k.mv_size - 5) != NULL) {
			bad = 1, *why = "search index: malformed key";
		} else if (!chunk_ok(&v)) {
			bad = 1, *why = "search index: a chunk of the wrong size";
		} else if (tl == k.mv_size - 4 && memcmp(term, key, tl) == 0) {
			/* The same term: the next chunk, after a full one. */
			if (get32(key + tl) != next || have != CHUNK)
				bad = 1, *why = "search index: chunks out of order or short";
		} else if (get32(key + k.mv_size - 4) != 0) {
			bad = 1, *why = "search index: a term's first chunk is not 0";
		} else {
			tl = k.mv_size - 4;
			memcpy(term, key, tl);
		}
		next = get32(key + k.mv_size - 4) + 1;
		have = v.mv_size / POST;
	}
	mdb_cursor_close(c);
	if (bad)
		return WIEC_ERR_CORRUPT;
	if (rc != MDB_NOTFOUND)
		return store_lmdb_err(rc);
	return check_content(s, txn, why);
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
