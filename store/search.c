/* search.c: the full-text index written (spec/search.md sections 6-7),
 * and for verify written again in memory and compared with the stored one.
 * The layout: store/search_int.h; the queries and BM25: store/searchq.c. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "crypto/siphash.h"
#include "model/fold.h"
#include "store/search.h"
#include "store/store_int.h"

#include "store/search_int.h"

#define U16_CAP 65535u
#define TITLE_WEIGHT 2		/* a title word counts as two */

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

/* ---- one document indexed alone (search_int.h) ---- */

struct search_doc {
	struct search_buf b;
	uint32_t dl;
};

int search_doc_new(search_doc_t **d)
{
	if ((*d = calloc(1, sizeof **d)) == NULL)
		return WIEC_ERR_NOMEM;
	randombytes_buf((*d)->b.key, sizeof (*d)->b.key);
	return 0;
}

int search_doc_set(search_doc_t *d, const Wiec__Body *body, const uint8_t *id)
{
	int rc;

	buf_reset(&d->b);
	d->dl = 0;
	if ((rc = add_doc(&d->b, body, id)) != 0)
		return rc;
	if (d->b.np > 0)	/* every posting carries the document's dl */
		d->dl = (uint32_t)d->b.p[0].post[DOC + 2] << 8 | d->b.p[0].post[DOC + 3];
	return 0;
}

uint32_t search_doc_tf(const search_doc_t *d, const uint8_t *t, size_t len)
{
	const tterm_t *x = term_find(&d->b, t, len);
	const uint8_t *post;

	if (x == NULL || x->last == NONE)
		return 0;
	post = d->b.p[x->last].post;
	return (uint32_t)post[DOC] << 8 | post[DOC + 1];
}

uint32_t search_doc_dl(const search_doc_t *d)
{
	return d->dl;
}

void search_doc_free(search_doc_t **d)
{
	if (*d == NULL)
		return;
	free((*d)->b.t);
	free((*d)->b.slot);
	free((*d)->b.p);
	fold_ctx_destroy(&(*d)->b.fold);
	free(*d);
	*d = NULL;
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
