/* ingest.c: write transactions: the chain rules applied to the store,
 * events waiting for their prev, own posts. */
#include <errno.h>
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

void store_wtx_abort(wtx_t *w)
{
	if (w->txn != NULL)
		mdb_txn_abort(w->txn);
	w->txn = NULL;
	free(w->members);
	free(w->moved);
	free(w->work);
	free(w->bk);
	w->bk = NULL;
	w->members = NULL;
	w->moved = NULL;
	w->work = NULL;
}

int store_wtx_commit(wtx_t *w)
{
	int rc;

	if ((rc = store_meta_put_u64(w->s, w->txn, "lseq", w->lseq)) != 0 ||
	    (rc = store_meta_put_u64(w->s, w->txn, "pseq", w->pseq)) != 0) {
		store_wtx_abort(w);
		return rc;
	}
	rc = store_commit(w->s, w->txn);
	w->txn = NULL;
	store_wtx_abort(w);
	return rc;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	void *q;
	size_t n = *cap ? *cap : 16;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	if ((q = realloc(*p, n * size)) == NULL)
		return WIEC_ERR_NOMEM;
	*p = q;
	*cap = n;
	return 0;
}

static int note_moved(wtx_t *w, const uint8_t *author)
{
	/* Batches are sorted by author: the last one is the usual repeat. */
	if (w->nmoved && memcmp(w->moved[w->nmoved - 1], author, KEY_PK_BYTES) == 0)
		return 0;
	if (grow((void **)&w->moved, &w->capmoved, w->nmoved + 1, KEY_PK_BYTES) != 0)
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
	if (grow((void **)&w->bk, &w->capbk, w->nbk + 1, KEY_PK_BYTES + 1) != 0)
		return WIEC_ERR_NOMEM;
	memcpy(w->bk[w->nbk], author, KEY_PK_BYTES);
	w->bk[w->nbk++][KEY_PK_BYTES] = b;
	return 0;
}

/* chain_view_t over the write transaction. */
static int view_held(void *ctx, const uint8_t id[static HASH_BYTES], chain_ref_t *out)
{
	wtx_t *w = ctx;

	return store_event_ref(w->s, w->txn, id, NULL, out->author, &out->seq);
}

/* Indexes an event whose envelope is at lseq in the log: events, chains,
 * kids, tips and the head. Its prev is held. Returns STORE_ADDED, or
 * STORE_FORK when it has a sibling. */
int store_index_event(wtx_t *w, const ev_t *ev, uint64_t lseq)
{
	store_t *s = w->s;
	static const uint8_t zero[HASH_BYTES];
	const uint8_t *parent = ev->seq > 0 && memcmp(ev->prev, zero, HASH_BYTES) ? ev->prev : zero;
	uint8_t ev_val[EVENT_VAL], ck[CHAIN_KEY], kk[KIDS_KEY], tk[TIPS_KEY], sq[8];
	store_head_t h;
	MDB_cursor *c;
	MDB_val k, v;
	int rc, sibling = 0;

	rc = store_get_head(s, w->txn, ev->author, &h);
	if (rc != 0 && rc != WIEC_ERR_NOTFOUND)
		return rc;
	hash_put_be64(ev_val, lseq);
	memcpy(ev_val + 8, ev->author, KEY_PK_BYTES);
	hash_put_be64(ev_val + 8 + KEY_PK_BYTES, ev->seq);
	k = store_mv(ev->id, HASH_BYTES);
	v = store_mv(ev_val, sizeof ev_val);
	if ((rc = mdb_put(w->txn, s->events, &k, &v, MDB_NOOVERWRITE)) != 0)
		return rc == MDB_KEYEXIST ? WIEC_ERR_CORRUPT : store_lmdb_err(rc);
	store_chain_key(ck, ev->author, ev->seq, ev->id);
	k = store_mv(ck, sizeof ck);
	v = store_mv(ev->prev, parent == zero ? 0 : HASH_BYTES);
	if ((rc = mdb_put(w->txn, s->chains, &k, &v, MDB_NOOVERWRITE)) != 0)
		return store_lmdb_err(rc);
	/* A sibling: another child of the same parent (or another root). The
	 * first one under the prefix has the smallest seq. */
	memcpy(kk, ev->author, KEY_PK_BYTES);
	memcpy(kk + KEY_PK_BYTES, parent, HASH_BYTES);
	memset(kk + KEY_PK_BYTES + HASH_BYTES, 0, 8 + HASH_BYTES);
	if ((rc = mdb_cursor_open(w->txn, s->kids, &c)) != 0)
		return store_lmdb_err(rc);
	k = store_mv(kk, sizeof kk);
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	if (rc == 0 && k.mv_size == KIDS_KEY &&
	    memcmp(k.mv_data, kk, KEY_PK_BYTES + HASH_BYTES) == 0) {
		uint64_t first = hash_get_be64((uint8_t *)k.mv_data + KEY_PK_BYTES + HASH_BYTES);
		uint64_t f = first < ev->seq ? first : ev->seq;

		sibling = 1;
		if (h.fork == 0 || f < h.fork)
			h.fork = f;
	} else if (rc != 0 && rc != MDB_NOTFOUND) {
		mdb_cursor_close(c);
		return store_lmdb_err(rc);
	}
	mdb_cursor_close(c);
	hash_put_be64(kk + KEY_PK_BYTES + HASH_BYTES, ev->seq);
	memcpy(kk + KEY_PK_BYTES + HASH_BYTES + 8, ev->id, HASH_BYTES);
	k = store_mv(kk, sizeof kk);
	v = store_mv("", 0);
	if ((rc = mdb_put(w->txn, s->kids, &k, &v, 0)) != 0)
		return store_lmdb_err(rc);
	/* The parent is no longer a tip; the event is one. */
	if (parent != zero) {
		memcpy(tk, ev->author, KEY_PK_BYTES);
		memcpy(tk + KEY_PK_BYTES, parent, HASH_BYTES);
		k = store_mv(tk, sizeof tk);
		rc = mdb_del(w->txn, s->tips, &k, NULL);
		if (rc == 0) {
			h.ntips--;
			if ((rc = note_bucket(w, ev->author, parent[0])) != 0)
				return rc;
		} else if (rc != MDB_NOTFOUND) {
			return store_lmdb_err(rc);
		}
	}
	memcpy(tk, ev->author, KEY_PK_BYTES);
	memcpy(tk + KEY_PK_BYTES, ev->id, HASH_BYTES);
	hash_put_be64(sq, ev->seq);
	k = store_mv(tk, sizeof tk);
	v = store_mv(sq, 8);
	if ((rc = mdb_put(w->txn, s->tips, &k, &v, 0)) != 0)
		return store_lmdb_err(rc);
	if ((rc = note_bucket(w, ev->author, ev->id[0])) != 0)
		return rc;
	h.ntips++;
	h.count++;
	if (h.count == 1 || chain_later(ev->seq, ev->id, h.seq, h.id))
		memcpy(h.id, ev->id, HASH_BYTES);
	if (ev->seq > h.seq)
		h.seq = ev->seq;
	if ((rc = store_put_head(s, w->txn, &h)) != 0 || (rc = note_moved(w, ev->author)) != 0)
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
	if (grow((void **)&w->work, &w->capwork, w->nwork + 1, HASH_BYTES) != 0)
		return WIEC_ERR_NOMEM;
	memcpy(w->work[w->nwork++], ev->id, HASH_BYTES);
	return rc;
}

/* ---- events waiting for their prev ---- */

static void pend_key(uint8_t k[PEND_KEY], const ev_t *ev)
{
	memcpy(k, ev->author, KEY_PK_BYTES);
	memcpy(k + KEY_PK_BYTES, ev->prev, HASH_BYTES);
	memcpy(k + KEY_PK_BYTES + HASH_BYTES, ev->id, HASH_BYTES);
}

/* Counters of one scope ('n' all, 'a' an author, 's' a source). */
static int pstat_get(wtx_t *w, const uint8_t *key, size_t klen, uint64_t *n, uint64_t *bytes)
{
	MDB_val k = store_mv(key, klen), v;
	int rc = mdb_get(w->txn, w->s->pstat, &k, &v);

	*n = *bytes = 0;
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return store_lmdb_err(rc);
	if (v.mv_size != 16)
		return WIEC_ERR_CORRUPT;
	*n = hash_get_be64(v.mv_data);
	*bytes = hash_get_be64((uint8_t *)v.mv_data + 8);
	return 0;
}

static int pstat_add(wtx_t *w, const uint8_t *key, size_t klen, int sign, uint64_t bytes)
{
	uint8_t val[16];
	uint64_t n, b;
	MDB_val k = store_mv(key, klen), v = store_mv(val, 16);
	int rc = pstat_get(w, key, klen, &n, &b);

	if (rc != 0)
		return rc;
	if (sign < 0 && (n == 0 || b < bytes))
		return WIEC_ERR_CORRUPT;
	n = sign > 0 ? n + 1 : n - 1;
	b = sign > 0 ? b + bytes : b - bytes;
	if (n == 0)
		rc = mdb_del(w->txn, w->s->pstat, &k, NULL);
	else {
		hash_put_be64(val, n);
		hash_put_be64(val + 8, b);
		rc = mdb_put(w->txn, w->s->pstat, &k, &v, 0);
	}
	return store_lmdb_err(rc);
}

static void scope_keys(uint8_t ak[1 + KEY_PK_BYTES], uint8_t sk[5], const uint8_t *author,
    uint32_t src)
{
	ak[0] = 'a';
	memcpy(ak + 1, author, KEY_PK_BYTES);
	sk[0] = 's';
	sk[1] = (uint8_t)(src >> 24);
	sk[2] = (uint8_t)(src >> 16);
	sk[3] = (uint8_t)(src >> 8);
	sk[4] = (uint8_t)src;
}

/* Removes one waiting entry (key pk, value pv) and its bookkeeping. */
static int pend_remove(wtx_t *w, const uint8_t pk[PEND_KEY], const uint8_t *pv, size_t pvlen)
{
	uint8_t ak[1 + KEY_PK_BYTES], sk[5], qk[8];
	uint32_t src;
	uint64_t bytes;
	MDB_val k;
	int rc;

	if (pvlen <= PEND_HDR)
		return WIEC_ERR_CORRUPT;
	src = (uint32_t)pv[0] << 24 | (uint32_t)pv[1] << 16 | (uint32_t)pv[2] << 8 | pv[3];
	bytes = pvlen - PEND_HDR;
	memcpy(qk, pv + 12, 8);
	scope_keys(ak, sk, pk, src);
	k = store_mv(qk, 8);
	rc = mdb_del(w->txn, w->s->pendq, &k, NULL);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_lmdb_err(rc);
	{
		uint8_t sq[12];

		memcpy(sq, pv, 4);
		memcpy(sq + 4, qk, 8);
		k = store_mv(sq, sizeof sq);
		rc = mdb_del(w->txn, w->s->pendsrc, &k, NULL);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return store_lmdb_err(rc);
	}
	k = store_mv(pk, PEND_KEY);
	if ((rc = mdb_del(w->txn, w->s->pending, &k, NULL)) != 0)
		return store_lmdb_err(rc);
	if ((rc = pstat_add(w, (const uint8_t *)"n", 1, -1, bytes)) != 0 ||
	    (rc = pstat_add(w, ak, sizeof ak, -1, bytes)) != 0 ||
	    (rc = pstat_add(w, sk, sizeof sk, -1, bytes)) != 0)
		return rc;
	return 0;
}

/* Drops the oldest waiting event of a scope: 'n' all (the first in pendq),
 * 's' one source (the first under its prefix in pendsrc), 'a' one author
 * (the smallest pseq among its at most STORE_PENDING_AUTHOR entries). Each
 * costs a bounded number of steps, whatever a peer sends. 0, or
 * WIEC_ERR_NOTFOUND when the scope has nothing waiting. */
static int pend_evict(wtx_t *w, int scope, const uint8_t *author, uint32_t src)
{
	uint8_t pk[PEND_KEY], pre[KEY_PK_BYTES], best = 0;
	uint64_t min = UINT64_MAX;
	size_t plen = 0;
	MDB_dbi dbi = scope == 'a' ? w->s->pending : scope == 's' ? w->s->pendsrc : w->s->pendq;
	MDB_cursor *c;
	MDB_val k, v, ek, ev;
	int rc;

	if (scope == 's') {
		pre[0] = (uint8_t)(src >> 24);
		pre[1] = (uint8_t)(src >> 16);
		pre[2] = (uint8_t)(src >> 8);
		pre[3] = (uint8_t)src;
		plen = 4;
	} else if (scope == 'a') {
		memcpy(pre, author, KEY_PK_BYTES);
		plen = KEY_PK_BYTES;
	}
	if ((rc = mdb_cursor_open(w->txn, dbi, &c)) != 0)
		return store_lmdb_err(rc);
	k = store_mv(pre, plen);
	for (rc = mdb_cursor_get(c, &k, &v, plen ? MDB_SET_RANGE : MDB_FIRST);
	    rc == 0 && k.mv_size >= plen && memcmp(k.mv_data, pre, plen) == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (scope != 'a') {
			if (v.mv_size != PEND_KEY)
				break;
			memcpy(pk, v.mv_data, PEND_KEY);
			best = 1;
			break;
		}
		/* An author's own entries: the one that arrived first. */
		if (k.mv_size != PEND_KEY || v.mv_size <= PEND_HDR)
			break;
		if (hash_get_be64((const uint8_t *)v.mv_data + 12) < min) {
			min = hash_get_be64((const uint8_t *)v.mv_data + 12);
			memcpy(pk, k.mv_data, PEND_KEY);
			best = 1;
		}
	}
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_lmdb_err(rc);
	if (!best)
		return WIEC_ERR_NOTFOUND;
	ek = store_mv(pk, PEND_KEY);
	if ((rc = mdb_get(w->txn, w->s->pending, &ek, &ev)) != 0)
		return rc == MDB_NOTFOUND ? WIEC_ERR_CORRUPT : store_lmdb_err(rc);
	return pend_remove(w, pk, ev.mv_data, ev.mv_size);
}

/* Keeps ev until its prev arrives, within the bounds of every scope it
 * belongs to; the oldest waiting event of a full scope makes room. */
static int wait_pending(wtx_t *w, const ev_t *ev)
{
	static const struct { int scope; uint64_t n, bytes; } lim[] = {
		{ 'a', STORE_PENDING_AUTHOR, STORE_PENDING_AUTHOR_BYTES },
		{ 's', STORE_PENDING_SOURCE, STORE_PENDING_SOURCE_BYTES },
		{ 'n', STORE_PENDING_MAX, STORE_PENDING_BYTES },
	};
	uint8_t key[PEND_KEY], ak[1 + KEY_PK_BYTES], sk[5], qk[8], *val;
	MDB_val k, v;
	int rc;

	pend_key(key, ev);
	k = store_mv(key, sizeof key);
	if ((rc = mdb_get(w->txn, w->s->pending, &k, &v)) == 0)
		return STORE_PENDING;
	if (rc != MDB_NOTFOUND)
		return store_lmdb_err(rc);
	scope_keys(ak, sk, ev->author, w->source);
	for (size_t i = 0; i < sizeof lim / sizeof lim[0]; i++) {
		const uint8_t *sc = lim[i].scope == 'a' ? ak : lim[i].scope == 's' ? sk :
		    (const uint8_t *)"n";
		size_t sl = lim[i].scope == 'a' ? sizeof ak : lim[i].scope == 's' ? sizeof sk : 1;

		for (;;) {
			uint64_t n, b;

			if ((rc = pstat_get(w, sc, sl, &n, &b)) != 0)
				return rc;
			if (n < lim[i].n && b + ev->env_len <= lim[i].bytes)
				break;
			rc = pend_evict(w, lim[i].scope, ev->author, w->source);
			if (rc == WIEC_ERR_NOTFOUND)
				return WIEC_ERR_PENDING_FULL;
			if (rc != 0)
				return rc;
		}
	}
	k = store_mv(key, sizeof key);
	v.mv_size = PEND_HDR + ev->env_len;
	if ((rc = mdb_put(w->txn, w->s->pending, &k, &v, MDB_RESERVE)) != 0)
		return store_lmdb_err(rc);
	val = v.mv_data;
	val[0] = (uint8_t)(w->source >> 24);
	val[1] = (uint8_t)(w->source >> 16);
	val[2] = (uint8_t)(w->source >> 8);
	val[3] = (uint8_t)w->source;
	hash_put_be64(val + 4, w->now_ms);
	hash_put_be64(val + 12, w->pseq);
	memcpy(val + PEND_HDR, ev->env, ev->env_len);
	hash_put_be64(qk, w->pseq++);
	k = store_mv(qk, 8);
	v = store_mv(key, sizeof key);
	if ((rc = mdb_put(w->txn, w->s->pendq, &k, &v, MDB_APPEND)) != 0)
		return store_lmdb_err(rc);
	{
		uint8_t sq[12];

		memcpy(sq, sk + 1, 4);
		memcpy(sq + 4, qk, 8);
		k = store_mv(sq, sizeof sq);
		v = store_mv(key, sizeof key);
		if ((rc = mdb_put(w->txn, w->s->pendsrc, &k, &v, 0)) != 0)
			return store_lmdb_err(rc);
	}
	if ((rc = pstat_add(w, (const uint8_t *)"n", 1, 1, ev->env_len)) != 0 ||
	    (rc = pstat_add(w, ak, sizeof ak, 1, ev->env_len)) != 0 ||
	    (rc = pstat_add(w, sk, sizeof sk, 1, ev->env_len)) != 0)
		return rc;
	return STORE_PENDING;
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
		store_head_t h;
		int rc = store_get_head(w->s, w->txn, ev->author, &h);

		if (rc != 0 && rc != WIEC_ERR_NOTFOUND)
			return rc;
		if (rc == 0 ? root || memcmp(ev->prev, h.id, HASH_BYTES) != 0 || ev->seq <= h.seq :
		    !root)
			return WIEC_ERR_CHAIN;
	}
	if (d == CHAIN_PENDING)
		return wait_pending(w, ev);
	return append(w, ev);
}

static int is_store_failure(int rc)
{
	return rc == WIEC_ERR_MAP_FULL || rc == WIEC_ERR_STORE || rc == WIEC_ERR_CORRUPT ||
	    rc == WIEC_ERR_NOMEM || rc == WIEC_ERR_CRYPTO;
}

/* Releases the events waiting on every appended id, and on theirs. */
static int drain(wtx_t *w)
{
	while (w->nwork > 0) {
		uint8_t id[HASH_BYTES], author[KEY_PK_BYTES], pk[PEND_KEY];
		MDB_cursor *c;
		MDB_val k, v;
		uint8_t *env;
		size_t len;
		ev_t ev;
		int rc;

		memcpy(id, w->work[--w->nwork], HASH_BYTES);
		if ((rc = store_event_ref(w->s, w->txn, id, NULL, author, NULL)) != 0)
			return rc == WIEC_ERR_NOTFOUND ? WIEC_ERR_CORRUPT : rc;
		memcpy(pk, author, KEY_PK_BYTES);
		memcpy(pk + KEY_PK_BYTES, id, HASH_BYTES);
		memset(pk + KEY_PK_BYTES + HASH_BYTES, 0, HASH_BYTES);
		for (;;) {
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
				uint8_t key[PEND_KEY];

				memcpy(key, k.mv_data, PEND_KEY);
				mdb_cursor_close(c);
				rc = pend_remove(w, key, env, len + PEND_HDR);
			}
			if (rc != 0) {
				free(env);
				return rc;
			}
			/* It was verified on the way in. */
			if (ev_decode(&ev, env + PEND_HDR, len) != 0) {
				free(env);
				return WIEC_ERR_CORRUPT;
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
	return memcmp(x->id, y->id, HASH_BYTES);
}

/* The ids of author's tips whose first byte is in [lo, hi], in order,
 * into a malloc'd *ids (count in *n). */
static int tips_range(wtx_t *w, const uint8_t *author, unsigned lo, unsigned hi,
    uint8_t **ids, size_t *n)
{
	uint8_t key[KEY_PK_BYTES + 1];
	MDB_cursor *c;
	MDB_val k, v;
	size_t cap = 0;
	int rc;

	*ids = NULL;
	*n = 0;
	memcpy(key, author, KEY_PK_BYTES);
	key[KEY_PK_BYTES] = (uint8_t)lo;
	if ((rc = mdb_cursor_open(w->txn, w->s->tips, &c)) != 0)
		return store_lmdb_err(rc);
	k = store_mv(key, sizeof key);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	    rc == 0 && k.mv_size == TIPS_KEY && memcmp(k.mv_data, author, KEY_PK_BYTES) == 0 &&
	    ((const uint8_t *)k.mv_data)[KEY_PK_BYTES] <= hi;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (grow((void **)ids, &cap, *n + 1, HASH_BYTES) != 0) {
			rc = ENOMEM;
			break;
		}
		memcpy(*ids + (*n)++ * HASH_BYTES, (uint8_t *)k.mv_data + KEY_PK_BYTES, HASH_BYTES);
	}
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		free(*ids);
		*ids = NULL;
		return store_lmdb_err(rc);
	}
	return 0;
}

/* Writes (or, for an empty bucket, deletes) author's bucket b in tipb. */
static int bucket_put(wtx_t *w, const uint8_t *author, unsigned b)
{
	uint8_t key[KEY_PK_BYTES + 1], hash[HASH_BYTES], *ids;
	size_t n;
	MDB_val k, v;
	int rc;

	if ((rc = tips_range(w, author, b, b, &ids, &n)) != 0)
		return rc;
	memcpy(key, author, KEY_PK_BYTES);
	key[KEY_PK_BYTES] = (uint8_t)b;
	k = store_mv(key, sizeof key);
	if (n == 0) {
		rc = mdb_del(w->txn, w->s->tipb, &k, NULL);
		rc = rc == MDB_NOTFOUND ? 0 : store_lmdb_err(rc);
	} else if ((rc = chain_tips_bucket(hash, ids, n)) == 0) {
		v = store_mv(hash, HASH_BYTES);
		rc = store_lmdb_err(mdb_put(w->txn, w->s->tipb, &k, &v, 0));
	}
	free(ids);
	return rc;
}

/* Deletes every tipb entry of author; *had tells whether there was one. */
static int buckets_clear(wtx_t *w, const uint8_t *author, int *had)
{
	MDB_cursor *c;
	MDB_val k = store_mv(author, KEY_PK_BYTES), v;
	int rc;

	*had = 0;
	if ((rc = mdb_cursor_open(w->txn, w->s->tipb, &c)) != 0)
		return store_lmdb_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	    rc == 0 && memcmp(k.mv_data, author, KEY_PK_BYTES) == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_GET_CURRENT)) {
		*had = 1;
		if ((rc = mdb_cursor_del(c, 0)) != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == 0 || rc == MDB_NOTFOUND || rc == EINVAL ? 0 : store_lmdb_err(rc);
}

/* The tips value of author (model/chain.h): hashed whole up to
 * CHAIN_TIPS_FLAT tips; beyond, from the bucket hashes kept in tipb, of
 * which only the buckets in changed (sorted bucket numbers) are redone. */
static int tips_value(wtx_t *w, store_head_t *h, const uint8_t *changed, size_t nchanged)
{
	uint8_t key[KEY_PK_BYTES + 1], buckets[CHAIN_TIPS_BUCKETS * HASH_BYTES], *ids;
	MDB_cursor *c;
	MDB_val k, v;
	size_t n;
	int rc, had;

	if (h->ntips <= CHAIN_TIPS_FLAT) {
		if ((rc = tips_range(w, h->author, 0, 255, &ids, &n)) != 0)
			return rc;
		rc = n != h->ntips ? WIEC_ERR_CORRUPT : chain_tips_hash(h->tips, ids, n);
		free(ids);
		return rc != 0 ? rc : buckets_clear(w, h->author, &had);
	}
	/* First time above: every bucket; else the changed ones. */
	memcpy(key, h->author, KEY_PK_BYTES);
	key[KEY_PK_BYTES] = 0;
	if ((rc = mdb_cursor_open(w->txn, w->s->tipb, &c)) != 0)
		return store_lmdb_err(rc);
	k = store_mv(h->author, KEY_PK_BYTES);
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	had = rc == 0 && memcmp(k.mv_data, h->author, KEY_PK_BYTES) == 0;
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_lmdb_err(rc);
	for (unsigned b = 0; b < CHAIN_TIPS_BUCKETS; b++) {
		if (had && (nchanged == 0 || memchr(changed, (int)b, nchanged) == NULL))
			continue;
		if ((rc = bucket_put(w, h->author, b)) != 0)
			return rc;
	}
	/* The value from all 256 bucket hashes; an empty bucket hashes nothing. */
	if ((rc = chain_tips_bucket(buckets, NULL, 0)) != 0)
		return rc;
	for (unsigned b = 1; b < CHAIN_TIPS_BUCKETS; b++)
		memcpy(buckets + b * HASH_BYTES, buckets, HASH_BYTES);
	if ((rc = mdb_cursor_open(w->txn, w->s->tipb, &c)) != 0)
		return store_lmdb_err(rc);
	k = store_mv(h->author, KEY_PK_BYTES);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	    rc == 0 && k.mv_size == KEY_PK_BYTES + 1 &&
	    memcmp(k.mv_data, h->author, KEY_PK_BYTES) == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (v.mv_size != HASH_BYTES) {
			rc = MDB_CORRUPTED;
			break;
		}
		memcpy(buckets + ((const uint8_t *)k.mv_data)[KEY_PK_BYTES] * HASH_BYTES, v.mv_data,
		    HASH_BYTES);
	}
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc == MDB_CORRUPTED ? WIEC_ERR_CORRUPT : store_lmdb_err(rc);
	return chain_tips_top(h->tips, buckets);
}

static int bk_order(const void *a, const void *b)
{
	return memcmp(a, b, KEY_PK_BYTES + 1);
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
	if (w->nmoved == 0)
		return 0;
	qsort(w->moved, w->nmoved, KEY_PK_BYTES, key_order);
	if (w->nbk > 1)
		qsort(w->bk, w->nbk, KEY_PK_BYTES + 1, bk_order);
	if (moved && (out = malloc(w->nmoved * sizeof *out)) == NULL)
		return WIEC_ERR_NOMEM;
	for (size_t i = 0; i < w->nmoved; i++) {
		store_head_t h;

		if (i > 0 && memcmp(w->moved[i], w->moved[i - 1], KEY_PK_BYTES) == 0)
			continue;
		uint8_t changed[CHAIN_TIPS_BUCKETS];
		size_t nchanged = 0;

		/* This author's changed buckets: a run in the sorted list. */
		while (bi < w->nbk && memcmp(w->bk[bi], w->moved[i], KEY_PK_BYTES) < 0)
			bi++;
		for (; bi < w->nbk && memcmp(w->bk[bi], w->moved[i], KEY_PK_BYTES) == 0; bi++)
			if (nchanged == 0 || changed[nchanged - 1] != w->bk[bi][KEY_PK_BYTES])
				changed[nchanged++] = w->bk[bi][KEY_PK_BYTES];
		if ((rc = store_get_head(w->s, w->txn, w->moved[i], &h)) != 0 ||
		    (rc = tips_value(w, &h, changed, nchanged)) != 0 ||
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

int store_ingest_batch(store_t *s, ev_t *evs, size_t n, int *res, store_batch_t *b)
{
	ev_t **order;
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
	if ((order = malloc(n * sizeof *order)) == NULL)
		return WIEC_ERR_NOMEM;
	for (size_t i = 0; i < n; i++)
		order[i] = &evs[i];
	/* Author by author, in seq order: a prev comes before its children. */
	qsort(order, n, sizeof *order, ev_order);
	if ((rc = store_wtx_begin(&w, s)) != 0)
		goto out;
	if (b) {
		w.flags = b->flags;
		w.source = b->source;
		w.now_ms = b->now_ms;
	}
	if (w.now_ms == 0)
		w.now_ms = clock_ms();
	for (size_t i = 0; i < n; i++) {
		const ev_t *ev = order[i];
		int r = apply(&w, ev);

		if (is_store_failure(r) || (r > 0 && (rc = drain(&w)) != 0)) {
			rc = is_store_failure(r) ? r : rc;
			store_wtx_abort(&w);
			goto out;
		}
		res[ev - evs] = r;
	}
	added = w.added;
	if ((rc = store_finish_moved(&w, b ? &moved : NULL, &nmoved)) != 0) {
		store_wtx_abort(&w);
		goto out;
	}
	if ((rc = store_wtx_commit(&w)) != 0) {
		free(moved);
		goto out;
	}
	if (b) {
		b->added = added;
		b->moved = moved;
		b->nmoved = nmoved;
	}
out:
	free(order);
	return rc;
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

int store_pending_expire(store_t *s, uint64_t now_ms, size_t *dropped)
{
	wtx_t w;
	size_t n = 0;
	int rc;

	if (dropped)
		*dropped = 0;
	if ((rc = store_wtx_begin(&w, s)) != 0)
		return rc;
	for (;;) {
		MDB_cursor *c;
		MDB_val k, v, ek, ev;
		uint8_t pk[PEND_KEY];

		if ((rc = mdb_cursor_open(w.txn, s->pendq, &c)) != 0) {
			rc = store_lmdb_err(rc);
			break;
		}
		rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
		if (rc == 0 && v.mv_size == PEND_KEY)
			memcpy(pk, v.mv_data, PEND_KEY);
		mdb_cursor_close(c);
		if (rc == MDB_NOTFOUND) {
			rc = 0;
			break;
		}
		if (rc != 0 || v.mv_size != PEND_KEY) {
			rc = rc ? store_lmdb_err(rc) : WIEC_ERR_CORRUPT;
			break;
		}
		ek = store_mv(pk, PEND_KEY);
		if ((rc = mdb_get(w.txn, s->pending, &ek, &ev)) != 0 || ev.mv_size <= PEND_HDR) {
			rc = rc ? store_lmdb_err(rc) : WIEC_ERR_CORRUPT;
			break;
		}
		/* Oldest first: the first one young enough ends the sweep. */
		if (hash_get_be64((uint8_t *)ev.mv_data + 4) + STORE_PENDING_TTL_MS > now_ms)
			break;
		if ((rc = pend_remove(&w, pk, ev.mv_data, ev.mv_size)) != 0)
			break;
		n++;
	}
	if (rc != 0) {
		store_wtx_abort(&w);
		return rc;
	}
	if (n == 0) {
		store_wtx_abort(&w);
		return 0;
	}
	if ((rc = store_wtx_commit(&w)) == 0 && dropped)
		*dropped = n;
	return rc;
}
