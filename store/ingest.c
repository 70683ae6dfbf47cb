/* ingest.c: write transactions: the chain rules applied to the store,
 * events waiting for their prev, own posts. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/err.h"
#include "model/chain.h"
#include "proto/genesis.h"
#include "store/store_int.h"

static uint64_t clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int key_order(const void *a, const void *b)
{
	return memcmp(a, b, KEY_PK_BYTES);
}

/* The member organisations: the genesis founders (membership events of a
 * later version extend this). No genesis yet: nobody. */
int store_load_members(wtx_t *w)
{
	genesis_t g;
	MDB_val v;
	int rc = store_meta_get(w->s, w->txn, "genesis", &v);

	if (rc == WIEC_ERR_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (genesis_decode(&g, v.mv_data, v.mv_size, 0) != 0)
		return WIEC_ERR_CORRUPT;
	w->nmembers = g.body->n_founders;
	if ((w->members = malloc(w->nmembers * KEY_PK_BYTES + 1)) == NULL) {
		genesis_free(&g);
		return WIEC_ERR_NOMEM;
	}
	for (size_t i = 0; i < w->nmembers; i++)
		memcpy(w->members[i], g.body->founders[i]->key.data, KEY_PK_BYTES);
	genesis_free(&g);
	qsort(w->members, w->nmembers, KEY_PK_BYTES, key_order);
	return 0;
}

int store_is_member(const wtx_t *w, const uint8_t *author)
{
	return w->nmembers != 0 &&
	    bsearch(author, w->members, w->nmembers, KEY_PK_BYTES, key_order) != NULL;
}

static int get_u64(store_t *s, MDB_txn *txn, const char *key, uint64_t *out, uint64_t dflt)
{
	MDB_val v;
	int rc = store_meta_get(s, txn, key, &v);

	if (rc == WIEC_ERR_NOTFOUND) {
		*out = dflt;
		return 0;
	}
	if (rc == 0 && v.mv_size != 8)
		rc = WIEC_ERR_CORRUPT;
	if (rc == 0)
		*out = hash_get_be64(v.mv_data);
	return rc;
}

static int wtx_flush(wtx_t *w);

int store_wtx_begin(wtx_t *w, store_t *s)
{
	int rc;

	memset(w, 0, sizeof *w);
	w->s = s;
	if ((rc = store_txn_begin(s, 0, &w->txn)) != 0)
		return rc;
	if ((rc = get_u64(s, w->txn, "lseq", &w->lseq, 1)) != 0 ||
	    (rc = get_u64(s, w->txn, "pseq", &w->pseq, 1)) != 0 ||
	    (rc = store_load_members(w)) != 0) {
		store_wtx_abort(w);
		return rc;
	}
	return 0;
}

/* LMDB frees a write transaction's cursors when it ends: close them first. */
static void close_cursors(wtx_t *w)
{
	MDB_cursor **c[] = { &w->events_cur, &w->chains_cur, &w->kids_cur };

	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		if (*c[i] != NULL)
			mdb_cursor_close(*c[i]);
		*c[i] = NULL;
	}
}

/* *c, opened on dbi if it is not open yet. */
static int cursor(wtx_t *w, MDB_dbi dbi, MDB_cursor **c)
{
	int rc;

	if (*c == NULL && (rc = mdb_cursor_open(w->txn, dbi, c)) != 0) {
		*c = NULL;
		return store_lmdb_err(rc);
	}
	return 0;
}

void store_wtx_abort(wtx_t *w)
{
	close_cursors(w);
	if (w->txn != NULL)
		mdb_txn_abort(w->txn);
	w->txn = NULL;
	free(w->members);
	free(w->moved);
	free(w->work);
	free(w->newtips);
	free(w->bk);
	free(w->refs);
	w->refs = NULL;
	w->nrefs = w->caprefs = 0;
	store_search_drop(w);
	w->bk = NULL;
	w->members = NULL;
	w->moved = NULL;
	w->work = NULL;
	w->newtips = NULL;
	w->nnewtips = w->capnewtips = 0;
	w->head_state = 0;
}

int store_wtx_commit(wtx_t *w)
{
	int rc;

	close_cursors(w);
	if ((rc = wtx_flush(w)) != 0 || (rc = store_derive_flush(w)) != 0 ||
	    (rc = store_search_flush(w)) != 0 ||
	    (rc = store_meta_put_u64(w->s, w->txn, "lseq", w->lseq)) != 0 ||
	    (rc = store_meta_put_u64(w->s, w->txn, "pseq", w->pseq)) != 0) {
		store_wtx_abort(w);
		return rc;
	}
	rc = store_commit(w->s, w->txn);
	w->txn = NULL;
	store_wtx_abort(w);
	return rc;
}

static int note_moved(wtx_t *w, const uint8_t *author)
{
	/* Batches are sorted by author: the last one is the usual repeat. */
	if (w->nmoved && memcmp(w->moved[w->nmoved - 1], author, KEY_PK_BYTES) == 0)
		return 0;
	if (mem_grow((void **)&w->moved, &w->capmoved, w->nmoved + 1, KEY_PK_BYTES) != 0)
		return WIEC_ERR_NOMEM;
	memcpy(w->moved[w->nmoved++], author, KEY_PK_BYTES);
	return 0;
}

/* Remembers that author's tip bucket b changed in this transaction. */
static int note_bucket(wtx_t *w, const uint8_t *author, uint8_t b)
{
	if (w->nbk && memcmp(w->bk[w->nbk - 1], author, KEY_PK_BYTES) == 0 &&
	    w->bk[w->nbk - 1][KEY_PK_BYTES] == b)
		return 0;
	if (mem_grow((void **)&w->bk, &w->capbk, w->nbk + 1, KEY_PK_BYTES + 1) != 0)
		return WIEC_ERR_NOMEM;
	memcpy(w->bk[w->nbk], author, KEY_PK_BYTES);
	w->bk[w->nbk++][KEY_PK_BYTES] = b;
	return 0;
}

static int bk_order(const void *a, const void *b)
{
	return memcmp(a, b, KEY_PK_BYTES + 1);
}

/* ---- the write-back cache of one author (wtx_t in store_int.h) ----
 * Batches come sorted by author and seq, so most events extend the event
 * indexed just before them: their author's head record is read and written
 * once per batch instead of once per event, and a tip that gets its child
 * in the same transaction never reaches the tips database. The databases
 * hold exactly what they would without the cache once it is flushed. */

#define WTX_NEWTIPS_MAX 64	/* bounds the linear search of newtips */

/* Writes the cached author's new tips to the tips database. */
static int flush_tips(wtx_t *w)
{
	uint8_t tk[TIPS_KEY], sq[8];
	MDB_val k, v;
	int rc;

	memcpy(tk, w->head.author, KEY_PK_BYTES);
	for (size_t i = 0; i < w->nnewtips; i++) {
		memcpy(tk + KEY_PK_BYTES, w->newtips[i].id, HASH_BYTES);
		hash_put_be64(sq, w->newtips[i].seq);
		k = store_mv(tk, sizeof tk);
		v = store_mv(sq, 8);
		if ((rc = mdb_put(w->txn, w->s->tips, &k, &v, 0)) != 0)
			return store_lmdb_err(rc);
		if ((rc = note_bucket(w, w->head.author, w->newtips[i].id[0])) != 0)
			return rc;
	}
	w->nnewtips = 0;
	return 0;
}

/* Writes back and forgets the cached author. */
static int wtx_flush(wtx_t *w)
{
	int rc;

	if (w->head_state == 0)
		return 0;
	if ((rc = flush_tips(w)) != 0 ||
	    (w->head_state == 2 && (rc = store_put_head(w->s, w->txn, &w->head)) != 0))
		return rc;
	w->head_state = 0;
	return 0;
}

/* The head record of author, through the cache; a zeroed record (count 0)
 * if the author has none. Borrowed until the next call. */
static int wtx_head(wtx_t *w, const uint8_t *author, store_head_t **h)
{
	int rc;

	if (w->head_state == 0 || memcmp(w->head.author, author, KEY_PK_BYTES) != 0) {
		if ((rc = wtx_flush(w)) != 0)
			return rc;
		rc = store_get_head(w->s, w->txn, author, &w->head);
		if (rc != 0 && rc != WIEC_ERR_NOTFOUND)
			return rc;
		w->head_state = 1;
		w->head_waits = -1;
	}
	*h = &w->head;
	return 0;
}

/* Index in newtips of the cached author's event id, or SIZE_MAX. Newest
 * first: the usual prev is the event indexed just before. */
static size_t newtip_find(const wtx_t *w, const uint8_t *id)
{
	for (size_t i = w->nnewtips; i-- > 0;)
		if (memcmp(w->newtips[i].id, id, HASH_BYTES) == 0)
			return i;
	return SIZE_MAX;
}

/* store_event_ref through the transaction's events cursor, which then
 * stands where a put of id goes. */
static int event_ref(wtx_t *w, const uint8_t *id, uint8_t *author, uint64_t *seq)
{
	MDB_val k = store_mv(id, HASH_BYTES), v;
	int rc;

	if ((rc = cursor(w, w->s->events, &w->events_cur)) != 0)
		return rc;
	rc = mdb_cursor_get(w->events_cur, &k, &v, MDB_SET_RANGE);
	if (rc == MDB_NOTFOUND || (rc == 0 && (k.mv_size != HASH_BYTES ||
	    memcmp(k.mv_data, id, HASH_BYTES) != 0)))
		return WIEC_ERR_NOTFOUND;
	if (rc != 0)
		return store_lmdb_err(rc);
	if (v.mv_size != EVENT_VAL)
		return WIEC_ERR_CORRUPT;
	memcpy(author, (uint8_t *)v.mv_data + 8, KEY_PK_BYTES);
	*seq = hash_get_be64((uint8_t *)v.mv_data + 8 + KEY_PK_BYTES);
	return 0;
}

/* chain_view_t over the write transaction. */
static int view_held(void *ctx, const uint8_t id[static HASH_BYTES], chain_ref_t *out)
{
	wtx_t *w = ctx;
	size_t i = w->head_state ? newtip_find(w, id) : SIZE_MAX;
	int rc = 0;

	if (i != SIZE_MAX) {
		memcpy(out->author, w->head.author, KEY_PK_BYTES);
		out->seq = w->newtips[i].seq;
	} else if ((rc = event_ref(w, id, out->author, &out->seq)) != 0) {
		return rc;
	}
	memcpy(w->found.id, id, HASH_BYTES);
	w->found.seq = out->seq;
	w->have_found = 1;
	return 0;
}

/* The seq of parent, a held event: from the chain rules' last find, the
 * transaction's new tips, or the events index. */
static int parent_seq(wtx_t *w, const uint8_t *parent, size_t t, uint64_t *seq)
{
	uint8_t a[KEY_PK_BYTES];

	if (t != SIZE_MAX) {
		*seq = w->newtips[t].seq;
		return 0;
	}
	if (w->have_found && memcmp(w->found.id, parent, HASH_BYTES) == 0) {
		*seq = w->found.seq;
		return 0;
	}
	return event_ref(w, parent, a, seq);
}

/* Whether parent (of author, at pseq) has a child in kids; the first one
 * under the prefix has the smallest seq, returned in *first. */
static int first_kid(wtx_t *w, const uint8_t *author, uint64_t pseq, const uint8_t *parent,
    int *found, uint64_t *first)
{
	static const uint8_t zero[HASH_BYTES];
	uint8_t kk[KIDS_KEY];
	MDB_val k, v;
	int rc;

	*found = 0;
	if ((rc = cursor(w, w->s->kids, &w->kids_cur)) != 0)
		return rc;
	store_kids_key(kk, author, pseq, parent, 0, zero);
	k = store_mv(kk, sizeof kk);
	rc = mdb_cursor_get(w->kids_cur, &k, &v, MDB_SET_RANGE);
	if (rc == 0 && k.mv_size == KIDS_KEY &&
	    memcmp(k.mv_data, kk, KEY_PK_BYTES + 8 + HASH_BYTES) == 0) {
		*found = 1;
		*first = hash_get_be64((uint8_t *)k.mv_data + KEY_PK_BYTES + 8 + HASH_BYTES);
	} else if (rc != 0 && rc != MDB_NOTFOUND)
		return store_lmdb_err(rc);
	return 0;
}

/* Indexes an event whose envelope is at lseq in the log: events, chains,
 * kids, tips and the head. Its prev is held. Returns STORE_ADDED, or
 * STORE_FORK when it has a sibling. */
int store_index_event(wtx_t *w, const ev_t *ev, uint64_t lseq)
{
	store_t *s = w->s;
	static const uint8_t zero[HASH_BYTES];
	const uint8_t *parent = ev->seq > 0 && memcmp(ev->prev, zero, HASH_BYTES) ? ev->prev : zero;
	uint8_t ev_val[EVENT_VAL], ck[CHAIN_KEY], kk[KIDS_KEY], tk[TIPS_KEY];
	store_head_t *h;
	size_t t = SIZE_MAX;
	uint64_t first, pseq = 0;
	MDB_val k, v;
	int rc, sibling = 0;

	if ((rc = wtx_head(w, ev->author, &h)) != 0)
		return rc;
	/* A parent among the new tips was indexed in this transaction and has
	 * no child yet: no sibling to look for, no tips entry to delete. */
	if (parent != zero) {
		t = newtip_find(w, parent);
		if ((rc = parent_seq(w, parent, t, &pseq)) != 0)
			return rc == WIEC_ERR_NOTFOUND ? WIEC_ERR_CORRUPT : rc;
	}
	hash_put_be64(ev_val, lseq);
	memcpy(ev_val + 8, ev->author, KEY_PK_BYTES);
	hash_put_be64(ev_val + 8 + KEY_PK_BYTES, ev->seq);
	k = store_mv(ev->id, HASH_BYTES);
	v = store_mv(ev_val, sizeof ev_val);
	if ((rc = cursor(w, s->events, &w->events_cur)) != 0 ||
	    (rc = cursor(w, s->chains, &w->chains_cur)) != 0 ||
	    (rc = cursor(w, s->kids, &w->kids_cur)) != 0)
		return rc;
	if ((rc = mdb_cursor_put(w->events_cur, &k, &v, MDB_NOOVERWRITE)) != 0)
		return rc == MDB_KEYEXIST ? WIEC_ERR_CORRUPT : store_lmdb_err(rc);
	store_chain_key(ck, ev->author, ev->seq, ev->id);
	k = store_mv(ck, sizeof ck);
	v = store_mv(ev->prev, parent == zero ? 0 : HASH_BYTES);
	if ((rc = mdb_cursor_put(w->chains_cur, &k, &v, MDB_NOOVERWRITE)) != 0)
		return store_lmdb_err(rc);
	/* A sibling: another child of the same parent (or another root). */
	if (t == SIZE_MAX) {
		if ((rc = first_kid(w, ev->author, pseq, parent, &sibling, &first)) != 0)
			return rc;
		if (sibling) {
			uint64_t f = first < ev->seq ? first : ev->seq;

			if (h->fork == 0 || f < h->fork)
				h->fork = f;
		}
	}
	store_kids_key(kk, ev->author, pseq, parent, ev->seq, ev->id);
	k = store_mv(kk, sizeof kk);
	v = store_mv("", 0);
	if ((rc = mdb_cursor_put(w->kids_cur, &k, &v, 0)) != 0)
		return store_lmdb_err(rc);
	/* The parent is no longer a tip; the event is one. */
	if (t != SIZE_MAX) {
		w->newtips[t] = w->newtips[--w->nnewtips];
		h->ntips--;
	} else if (parent != zero) {
		memcpy(tk, ev->author, KEY_PK_BYTES);
		memcpy(tk + KEY_PK_BYTES, parent, HASH_BYTES);
		k = store_mv(tk, sizeof tk);
		rc = mdb_del(w->txn, s->tips, &k, NULL);
		if (rc == 0) {
			h->ntips--;
			if ((rc = note_bucket(w, ev->author, parent[0])) != 0)
				return rc;
		} else if (rc != MDB_NOTFOUND) {
			return store_lmdb_err(rc);
		}
	}
	if (w->nnewtips == WTX_NEWTIPS_MAX && (rc = flush_tips(w)) != 0)
		return rc;
	if (mem_grow((void **)&w->newtips, &w->capnewtips, w->nnewtips + 1, sizeof *w->newtips) != 0)
		return WIEC_ERR_NOMEM;
	memcpy(w->newtips[w->nnewtips].id, ev->id, HASH_BYTES);
	w->newtips[w->nnewtips++].seq = ev->seq;
	h->ntips++;
	h->count++;
	if (h->count == 1 || chain_later(ev->seq, ev->id, h->seq, h->id))
		memcpy(h->id, ev->id, HASH_BYTES);
	if (ev->seq > h->seq)
		h->seq = ev->seq;
	w->head_state = 2;
	if ((rc = note_moved(w, ev->author)) != 0 || (rc = store_derive_event(w, ev, lseq)) != 0)
		return rc;
	w->added++;
	return sibling ? STORE_FORK : STORE_ADDED;
}

/* Appends the envelope to the arrival log and indexes it. */
static int append(wtx_t *w, const ev_t *ev)
{
	uint8_t lkey[8];
	MDB_val lk, lv;
	int rc;

	hash_put_be64(lkey, w->lseq);
	lk = store_mv(lkey, 8);
	lv.mv_size = HASH_BYTES + ev->env_len;
	if ((rc = mdb_put(w->txn, w->s->log, &lk, &lv, MDB_APPEND | MDB_RESERVE)) != 0)
		return store_lmdb_err(rc);
	memcpy(lv.mv_data, ev->id, HASH_BYTES);
	memcpy((uint8_t *)lv.mv_data + HASH_BYTES, ev->env, ev->env_len);
	rc = store_index_event(w, ev, w->lseq++);
	if (rc < 0)
		return rc;
	/* Waiters on this event are released by drain(). */
	if (mem_grow((void **)&w->work, &w->capwork, w->nwork + 1, PEND_PREFIX) != 0)
		return WIEC_ERR_NOMEM;
	memcpy(w->work[w->nwork], ev->author, KEY_PK_BYTES);
	memcpy(w->work[w->nwork++] + KEY_PK_BYTES, ev->id, HASH_BYTES);
	return rc;
}

/* The chain rules for one verified event. Returns a STORE_* outcome, a
 * refusal (negative, the transaction stays good) or, for a store failure,
 * WIEC_ERR_MAP_FULL / WIEC_ERR_STORE / WIEC_ERR_CORRUPT / WIEC_ERR_NOMEM. */
static int apply(wtx_t *w, const ev_t *ev)
{
	static const uint8_t zero[HASH_BYTES];
	chain_view_t view = { w, view_held };
	int root = memcmp(ev->prev, zero, HASH_BYTES) == 0;
	int d = chain_decide(&view, ev->id, ev->author, ev->seq, root ? NULL : ev->prev);

	if (d < 0 || d == CHAIN_DUP)
		return d < 0 ? d : STORE_DUP;
	if (w->flags & STORE_EXTEND_ONLY) {
		store_head_t *h;
		int rc = wtx_head(w, ev->author, &h);

		if (rc != 0)
			return rc;
		if (h->count ? root || memcmp(ev->prev, h->id, HASH_BYTES) != 0 || ev->seq <= h->seq :
		    !root)
			return WIEC_ERR_CHAIN;
	}
	if (d == CHAIN_PENDING)
		return store_pend_wait(w, ev);
	return append(w, ev);
}

static int is_store_failure(int rc)
{
	return rc == WIEC_ERR_MAP_FULL || rc == WIEC_ERR_STORE || rc == WIEC_ERR_CORRUPT ||
	    rc == WIEC_ERR_NOMEM || rc == WIEC_ERR_CRYPTO;
}

/* Whether events of author may be waiting: for the cached author, looked
 * up once (and set again by store_pend_wait); for any other, assumed. */
static int may_wait(wtx_t *w, const uint8_t *author, int *may)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	*may = 1;
	if (w->head_state == 0 || memcmp(w->head.author, author, KEY_PK_BYTES) != 0)
		return 0;
	if (w->head_waits < 0) {
		if ((rc = mdb_cursor_open(w->txn, w->s->pending, &c)) != 0)
			return store_lmdb_err(rc);
		k = store_mv(author, KEY_PK_BYTES);
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		mdb_cursor_close(c);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return store_lmdb_err(rc);
		w->head_waits = rc == 0 && k.mv_size >= KEY_PK_BYTES &&
		    memcmp(k.mv_data, author, KEY_PK_BYTES) == 0;
	}
	*may = w->head_waits;
	return 0;
}

/* Releases the events waiting on every appended id, and on theirs. */
static int drain(wtx_t *w)
{
	while (w->nwork > 0) {
		uint8_t pk[PEND_KEY];
		MDB_cursor *c;
		MDB_stat st;
		MDB_val k, v;
		uint8_t *env;
		size_t len;
		ev_t ev;
		int rc, may;

		/* Nobody waiting (an import in order): nothing to look up. */
		if ((rc = mdb_stat(w->txn, w->s->pending, &st)) != 0)
			return store_lmdb_err(rc);
		if (st.ms_entries == 0) {
			w->nwork = 0;
			break;
		}
		memcpy(pk, w->work[--w->nwork], PEND_PREFIX);
		memset(pk + PEND_PREFIX, 0, HASH_BYTES);
		if ((rc = may_wait(w, pk, &may)) != 0)
			return rc;
		while (may) {
			if ((rc = mdb_cursor_open(w->txn, w->s->pending, &c)) != 0)
				return store_lmdb_err(rc);
			k = store_mv(pk, sizeof pk);
			rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
			if (rc == MDB_NOTFOUND || (rc == 0 && (k.mv_size != PEND_KEY ||
			    memcmp(k.mv_data, pk, KEY_PK_BYTES + HASH_BYTES) != 0))) {
				mdb_cursor_close(c);
				break;
			}
			if (rc != 0 || v.mv_size <= PEND_HDR) {
				mdb_cursor_close(c);
				return rc ? store_lmdb_err(rc) : WIEC_ERR_CORRUPT;
			}
			/* The value lives in a page the delete may reuse: copy first. */
			len = v.mv_size - PEND_HDR;
			if ((env = malloc(v.mv_size)) == NULL) {
				mdb_cursor_close(c);
				return WIEC_ERR_NOMEM;
			}
			memcpy(env, v.mv_data, v.mv_size);
			{
				uint8_t key[PEND_KEY], got[HASH_BYTES];

				memcpy(key, k.mv_data, PEND_KEY);
				mdb_cursor_close(c);
				rc = store_pend_remove(w, key, env, len + PEND_HDR);
				/* It was verified on the way in, under the id its key
				 * names: bytes that no longer hash to it were damaged
				 * on disk since. Such an entry is dropped, never
				 * applied (a flipped bit of one once entered the log as
				 * a fork, excluding an honest organisation's events),
				 * and never stops the batch: a peer sends it again. */
				hash_2(got, env + PEND_HDR, len, NULL, 0);
				if (rc == 0 && (memcmp(got, key + KEY_PK_BYTES + HASH_BYTES,
				    HASH_BYTES) != 0 || ev_decode(&ev, env + PEND_HDR, len) != 0)) {
					free(env);
					continue;
				}
			}
			if (rc != 0) {
				free(env);
				return rc;
			}
			rc = apply(w, &ev);
			ev_free(&ev);
			free(env);
			if (is_store_failure(rc))
				return rc;
		}
	}
	return 0;
}

int store_readd(wtx_t *w, const uint8_t *env, size_t len)
{
	ev_t ev;
	int rc;

	if (ev_decode(&ev, env, len) != 0)
		return 0;
	rc = apply(w, &ev);
	ev_free(&ev);
	if (is_store_failure(rc))
		return rc;
	return rc > 0 ? drain(w) : 0;
}

static int ev_order(const void *a, const void *b)
{
	const ev_t *x = *(const ev_t *const *)a, *y = *(const ev_t *const *)b;
	int c = memcmp(x->author, y->author, KEY_PK_BYTES);

	if (c != 0)
		return c;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	if ((c = memcmp(x->id, y->id, HASH_BYTES)) != 0)
		return c;
	/* Copies of one event: the first in evs is applied first (it is the
	 * one added, the others duplicates), as in separate batches. */
	return x < y ? -1 : x > y;
}

int store_finish_moved(wtx_t *w, store_head_t **moved, size_t *nmoved)
{
	store_head_t *out = NULL;
	size_t n = 0, bi = 0;
	int rc = 0;

	if (moved) {
		*moved = NULL;
		*nmoved = 0;
	}
	if ((rc = wtx_flush(w)) != 0)
		return rc;
	if (w->nmoved == 0)
		return 0;
	qsort(w->moved, w->nmoved, KEY_PK_BYTES, key_order);
	if (w->nbk > 1)
		qsort(w->bk, w->nbk, KEY_PK_BYTES + 1, bk_order);
	if (moved && (out = malloc(w->nmoved * sizeof *out)) == NULL)
		return WIEC_ERR_NOMEM;
	for (size_t i = 0; i < w->nmoved; i++) {
		store_head_t h;
		uint8_t changed[CHAIN_TIPS_BUCKETS];
		size_t nchanged = 0;

		if (i > 0 && memcmp(w->moved[i], w->moved[i - 1], KEY_PK_BYTES) == 0)
			continue;
		/* This author's changed buckets: a run in the sorted list. */
		while (bi < w->nbk && memcmp(w->bk[bi], w->moved[i], KEY_PK_BYTES) < 0)
			bi++;
		for (; bi < w->nbk && memcmp(w->bk[bi], w->moved[i], KEY_PK_BYTES) == 0; bi++)
			if (nchanged == 0 || changed[nchanged - 1] != w->bk[bi][KEY_PK_BYTES])
				changed[nchanged++] = w->bk[bi][KEY_PK_BYTES];
		if ((rc = store_get_head(w->s, w->txn, w->moved[i], &h)) != 0 ||
		    (rc = store_tips_value(w, &h, changed, nchanged)) != 0 ||
		    (rc = store_put_head(w->s, w->txn, &h)) != 0 ||
		    (rc = store_derive_author(w, &h)) != 0)
			break;
		if (out)
			out[n++] = h;
	}
	if (rc != 0) {
		free(out);
		return rc == WIEC_ERR_NOTFOUND ? WIEC_ERR_CORRUPT : rc;
	}
	w->nmoved = 0;
	w->nbk = 0;
	if (moved) {
		*moved = out;
		*nmoved = n;
	}
	return 0;
}

/* Asks for the next event's bytes and decoded body while this one is
 * applied: they were written by another thread (a verifier) a while ago,
 * and their first reads (the body for the model's refs, the envelope for
 * the log) were a tenth of the committer's time. */
static void prefetch_ev(const ev_t *ev)
{
	const char *b = (const char *)ev->body;

	for (size_t o = 0; o < 512; o += 64) {
		__builtin_prefetch(b + o);
		if (o < ev->env_len)
			__builtin_prefetch(ev->env + o);
	}
}

int store_wtx_apply(wtx_t *w, const ev_t *evs, size_t n, int *res)
{
	const ev_t **order;
	int rc = 0;

	if (n == 0)
		return 0;
	if ((order = malloc(n * sizeof *order)) == NULL)
		return WIEC_ERR_NOMEM;
	for (size_t i = 0; i < n; i++)
		order[i] = &evs[i];
	/* Author by author, in seq order: a prev comes before its children. */
	qsort(order, n, sizeof *order, ev_order);
	if (w->now_ms == 0)
		w->now_ms = clock_ms();
	for (size_t i = 0; i < n; i++) {
		const ev_t *ev = order[i];
		int r;

		if (i + 2 < n)
			__builtin_prefetch(order[i + 2]);
		if (i + 1 < n)
			prefetch_ev(order[i + 1]);
		r = apply(w, ev);
		if (is_store_failure(r) || (r > 0 && (rc = drain(w)) != 0)) {
			rc = is_store_failure(r) ? r : rc;
			break;
		}
		res[ev - evs] = r;
	}
	free(order);
	return rc;
}

int store_ingest_batch(store_t *s, ev_t *evs, size_t n, int *res, store_batch_t *b)
{
	store_head_t *moved = NULL;
	size_t nmoved = 0, added;
	wtx_t w;
	int rc;

	if (b) {
		b->added = 0;
		b->moved = NULL;
		b->nmoved = 0;
	}
	if (n == 0)
		return 0;
	if ((rc = store_wtx_begin(&w, s)) != 0)
		return rc;
	if (b) {
		w.flags = b->flags;
		w.source = b->source;
		w.now_ms = b->now_ms;
	}
	if ((rc = store_wtx_apply(&w, evs, n, res)) != 0) {
		store_wtx_abort(&w);
		return rc;
	}
	added = w.added;
	if ((rc = store_finish_moved(&w, b ? &moved : NULL, &nmoved)) != 0) {
		store_wtx_abort(&w);
		return rc;
	}
	if ((rc = store_wtx_commit(&w)) != 0) {
		free(moved);
		return rc;
	}
	if (b) {
		b->added = added;
		b->moved = moved;
		b->nmoved = nmoved;
	}
	return 0;
}

int store_ingest(store_t *s, ev_t *evs, size_t n, int *res, size_t *added)
{
	return store_ingest_flags(s, evs, n, res, added, 0);
}

int store_ingest_flags(store_t *s, ev_t *evs, size_t n, int *res, size_t *added,
    unsigned flags)
{
	store_batch_t b = { .flags = flags };
	int rc = store_ingest_batch(s, evs, n, res, &b);

	if (added)
		*added = b.added;
	free(b.moved);
	return rc;
}

int store_post(store_t *s, const key_pair_t *kp, Wiec__Body *body, uint64_t min_seq,
    uint8_t id[static HASH_BYTES], uint8_t **envp, size_t *env_len)
{
	uint8_t network[HASH_BYTES], *env = NULL;
	store_head_t h;
	uint64_t seq;
	size_t len;
	wtx_t w;
	ev_t ev;
	int rc;

	if (envp)
		*envp = NULL;
	if ((rc = store_wtx_begin(&w, s)) != 0)
		return rc;
	w.now_ms = clock_ms();
	if ((rc = store_network_in(s, w.txn, network)) != 0)
		goto fail;
	rc = store_get_head(s, w.txn, kp->pk, &h);
	if (rc != 0 && rc != WIEC_ERR_NOTFOUND)
		goto fail;
	/* A member that equivocated can say nothing that counts any more. */
	if (h.fork && store_is_member(&w, kp->pk)) {
		rc = WIEC_ERR_FORKED;
		goto fail;
	}
	seq = h.seq;
	if (min_seq > seq + 1)
		seq = min_seq - 1;
	if (seq == UINT64_MAX) {
		rc = WIEC_ERR_FIELD;
		goto fail;
	}
	ev_set_header(body, network, kp->pk, seq, h.count ? h.id : NULL);
	if ((rc = ev_build(&env, &len, kp, body)) != 0)
		goto fail;
	if ((rc = ev_decode(&ev, env, len)) != 0)
		goto fail;
	rc = apply(&w, &ev);
	memcpy(id, ev.id, HASH_BYTES);
	ev_free(&ev);
	if (rc != STORE_ADDED) {
		rc = rc < 0 ? rc : WIEC_ERR_CORRUPT;
		goto fail;
	}
	if ((rc = drain(&w)) != 0 || (rc = store_finish_moved(&w, NULL, NULL)) != 0)
		goto fail;
	if ((rc = store_wtx_commit(&w)) != 0)
		goto out;
	if (envp) {
		*envp = env;
		*env_len = len;
		env = NULL;
	}
	goto out;
fail:
	store_wtx_abort(&w);
out:
	free(env);
	return rc;
}
