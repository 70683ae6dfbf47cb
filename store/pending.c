/* pending.c: events waiting for their prev (spec/events.md section 4):
 * kept within per-author, per-source and node-wide bounds in count and
 * bytes, the oldest of a full scope dropped first, and expired. */
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "store/store_int.h"

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
int store_pend_remove(wtx_t *w, const uint8_t pk[PEND_KEY], const uint8_t *pv, size_t pvlen)
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
	return store_pend_remove(w, pk, ev.mv_data, ev.mv_size);
}

/* Keeps ev until its prev arrives, within the bounds of every scope it
 * belongs to; the oldest waiting event of a full scope makes room. */
int store_pend_wait(wtx_t *w, const ev_t *ev)
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
	if (w->head_state != 0 && memcmp(w->head.author, ev->author, KEY_PK_BYTES) == 0)
		w->head_waits = 1;
	if ((rc = pstat_add(w, (const uint8_t *)"n", 1, 1, ev->env_len)) != 0 ||
	    (rc = pstat_add(w, ak, sizeof ak, 1, ev->env_len)) != 0 ||
	    (rc = pstat_add(w, sk, sizeof sk, 1, ev->env_len)) != 0)
		return rc;
	return STORE_PENDING;
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
		if ((rc = store_pend_remove(&w, pk, ev.mv_data, ev.mv_size)) != 0)
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
