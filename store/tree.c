/* tree.c: reading one author's tree: in order, what a peer lacks, and a
 * locator of our history for asking a peer what we lack. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "store/store_int.h"

#define WALK_MAX 4096	/* prev steps one range may cost above a fork */

/* prev of the held event (author, seq, id): *root set if it has none. */
static int prev_of(store_t *s, MDB_txn *txn, const uint8_t *author, uint64_t seq,
    const uint8_t *id, uint8_t prev[HASH_BYTES], int *root)
{
	uint8_t key[CHAIN_KEY];
	MDB_val k, v;
	int rc;

	store_chain_key(key, author, seq, id);
	k = store_mv(key, sizeof key);
	if ((rc = mdb_get(txn, s->chains, &k, &v)) != 0)
		return rc == MDB_NOTFOUND ? WIEC_ERR_CORRUPT : store_lmdb_err(rc);
	if (v.mv_size != 0 && v.mv_size != HASH_BYTES)
		return WIEC_ERR_CORRUPT;
	*root = v.mv_size == 0;
	if (!*root)
		memcpy(prev, v.mv_data, HASH_BYTES);
	return 0;
}

static int id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, HASH_BYTES);
}

/* Calls fn for every event of author with seq >= from in (seq, id) order,
 * skipping the sorted ids in skip[0..nskip). */
static int scan_from(store_t *s, MDB_txn *txn, const uint8_t *author, uint64_t from,
    const uint8_t *skip, size_t nskip, const uint8_t *after_id, store_ev_fn fn, void *ctx)
{
	uint8_t key[CHAIN_KEY];
	MDB_cursor *c;
	MDB_val k, v;
	int rc, out = 0;

	if ((rc = mdb_cursor_open(txn, s->chains, &c)) != 0)
		return store_lmdb_err(rc);
	store_chain_key(key, author, from, after_id);
	k = store_mv(key, sizeof key);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	    rc == 0 && k.mv_size == CHAIN_KEY && memcmp(k.mv_data, author, KEY_PK_BYTES) == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *id = (const uint8_t *)k.mv_data + KEY_PK_BYTES + 8, *env;
		uint8_t a[KEY_PK_BYTES];
		uint64_t lseq, seq;
		size_t len;

		if (after_id != NULL && memcmp(k.mv_data, key, CHAIN_KEY) == 0)
			continue;	/* the event the cut ended with */
		if (nskip && bsearch(id, skip, nskip, HASH_BYTES, id_cmp) != NULL)
			continue;
		if ((out = store_lookup(s, txn, id, &lseq, a, &seq, &env, &len)) == WIEC_ERR_NOTFOUND ||
		    (out == 0 && (memcmp(a, author, KEY_PK_BYTES) != 0 ||
		    seq != hash_get_be64((const uint8_t *)k.mv_data + KEY_PK_BYTES))))
			out = store_damaged(s, "chains index", id, "its entry (seq %llu) is not a held "
			    "event of the author", (unsigned long long)hash_get_be64(
			    (const uint8_t *)k.mv_data + KEY_PK_BYTES));
		if (out != 0)
			break;
		if ((out = fn(ctx, lseq, env, len)) != 0)
			break;
	}
	mdb_cursor_close(c);
	if (out != 0)
		return out;
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_lmdb_err(rc);
}

int store_scan_author(store_t *s, const uint8_t author[static KEY_PK_BYTES],
    uint64_t from, store_ev_fn fn, void *ctx)
{
	MDB_txn *txn;
	int rc;

	if ((rc = store_txn_begin(s, MDB_RDONLY, &txn)) != 0)
		return rc;
	rc = scan_from(s, txn, author, from ? from : 1, NULL, 0, NULL, fn, ctx);
	mdb_txn_abort(txn);
	return rc;
}

int store_scan_missing(store_t *s, const uint8_t author[static KEY_PK_BYTES], uint64_t from,
    const uint8_t *have, size_t nhave, uint64_t after_seq, const uint8_t *after_id,
    size_t *known, size_t *walked, store_ev_fn fn, void *ctx)
{
	uint8_t *marked = NULL;
	size_t nmarked = 0, cap = 0, steps = 0, nknown = 0;
	uint64_t cover = 0;
	store_head_t h;
	MDB_txn *txn;
	int rc;

	if (known)
		*known = 0;
	if (walked)
		*walked = 0;
	if ((rc = store_txn_begin(s, MDB_RDONLY, &txn)) != 0)
		return rc;
	if ((rc = store_get_head(s, txn, author, &h)) != 0) {
		mdb_txn_abort(txn);
		return rc == WIEC_ERR_NOTFOUND ? 0 : rc;
	}
	/* Below the lowest fork seq the tree is one path: a held id there
	 * covers every seq up to its own. Above it, walk prev pointers. */
	for (size_t i = 0; i < nhave && rc == 0; i++) {
		uint8_t a[KEY_PK_BYTES], id[HASH_BYTES];
		uint64_t seq;
		int root = 0;

		memcpy(id, have + i * HASH_BYTES, HASH_BYTES);
		rc = store_event_ref(s, txn, id, NULL, a, &seq);
		if (rc == WIEC_ERR_NOTFOUND || (rc == 0 && memcmp(a, author, KEY_PK_BYTES) != 0)) {
			rc = 0;
			continue;
		}
		if (rc != 0)
			break;
		nknown++;
		while (rc == 0 && !root && h.fork != 0 && seq >= h.fork && steps++ < WALK_MAX) {
			uint8_t *q;

			if (cap == nmarked) {
				cap = cap ? 2 * cap : 64;
				if ((q = realloc(marked, cap * HASH_BYTES)) == NULL) {
					rc = WIEC_ERR_NOMEM;
					break;
				}
				marked = q;
			}
			memcpy(marked + nmarked++ * HASH_BYTES, id, HASH_BYTES);
			if ((rc = prev_of(s, txn, author, seq, id, id, &root)) == 0 && !root)
				rc = store_event_ref(s, txn, id, NULL, NULL, &seq);
		}
		if (rc == 0 && !root && seq > cover && (h.fork == 0 || seq < h.fork))
			cover = seq;
	}
	if (rc == 0) {
		if (nmarked > 1)
			qsort(marked, nmarked, HASH_BYTES, id_cmp);
		if (known)
			*known = nknown;
		if (from > 1 && nhave > 0 && nknown == 0) {
			if (walked)
				*walked = steps;
			free(marked);
			mdb_txn_abort(txn);
			return 0;
		}
		/* Not from `from`: a branch of ours may fork below it. A cut
		 * answer goes on after its last event, in (seq, id) order. */
		if (after_id != NULL && after_seq >= cover + 1)
			rc = scan_from(s, txn, author, after_seq, marked, nmarked, after_id, fn, ctx);
		else
			rc = scan_from(s, txn, author, cover + 1, marked, nmarked, NULL, fn, ctx);
	}
	if (walked)
		*walked = steps;
	free(marked);
	mdb_txn_abort(txn);
	return rc;
}

typedef struct tip {
	uint64_t seq;
	uint8_t id[HASH_BYTES];
} tip_t;

static int tip_later_first(const void *a, const void *b)
{
	const tip_t *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq > y->seq ? -1 : 1;
	return -memcmp(x->id, y->id, HASH_BYTES);
}

/* The trunk event (seq < fork, or any when fork is 0) with the greatest
 * seq <= q: the tree is one path there. */
static int trunk_at(store_t *s, MDB_txn *txn, const uint8_t *author, uint64_t q, uint64_t fork,
    uint8_t id[HASH_BYTES], uint64_t *seq)
{
	uint8_t key[CHAIN_KEY];
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	if ((rc = mdb_cursor_open(txn, s->chains, &c)) != 0)
		return store_lmdb_err(rc);
	store_chain_key(key, author, q + 1, NULL);
	k = store_mv(key, sizeof key);
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	rc = rc == 0 ? mdb_cursor_get(c, &k, &v, MDB_PREV) :
	    rc == MDB_NOTFOUND ? mdb_cursor_get(c, &k, &v, MDB_LAST) : rc;
	if (rc == 0 && (k.mv_size != CHAIN_KEY || memcmp(k.mv_data, author, KEY_PK_BYTES) != 0))
		rc = MDB_NOTFOUND;
	if (rc == 0) {
		*seq = hash_get_be64((uint8_t *)k.mv_data + KEY_PK_BYTES);
		memcpy(id, (uint8_t *)k.mv_data + KEY_PK_BYTES + 8, HASH_BYTES);
		if (fork != 0 && *seq >= fork)
			rc = MDB_NOTFOUND;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? WIEC_ERR_NOTFOUND : store_lmdb_err(rc);
}

int store_locator(store_t *s, const uint8_t author[static KEY_PK_BYTES], uint8_t *ids,
    size_t max)
{
	tip_t *tips = NULL;
	size_t n = 0, ntips = 0, cap = 0, steps = 0;
	uint8_t id[HASH_BYTES];
	uint64_t seq, dist = 1, target;
	store_head_t h;
	MDB_cursor *c;
	MDB_val k, v;
	MDB_txn *txn;
	int rc, root = 0;

	if (max == 0)
		return 0;
	if ((rc = store_txn_begin(s, MDB_RDONLY, &txn)) != 0)
		return rc;
	if ((rc = store_get_head(s, txn, author, &h)) != 0) {
		mdb_txn_abort(txn);
		return rc == WIEC_ERR_NOTFOUND ? 0 : rc;
	}
	/* Tips, latest first: at most half the room. */
	if ((rc = mdb_cursor_open(txn, s->tips, &c)) != 0) {
		mdb_txn_abort(txn);
		return store_lmdb_err(rc);
	}
	k = store_mv(author, KEY_PK_BYTES);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	    rc == 0 && k.mv_size == TIPS_KEY && memcmp(k.mv_data, author, KEY_PK_BYTES) == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (v.mv_size != 8) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (ntips == cap) {
			tip_t *q = realloc(tips, (cap = cap ? 2 * cap : 8) * sizeof *tips);

			if (q == NULL) {
				rc = ENOMEM;
				break;
			}
			tips = q;
		}
		tips[ntips].seq = hash_get_be64(v.mv_data);
		memcpy(tips[ntips++].id, (uint8_t *)k.mv_data + KEY_PK_BYTES, HASH_BYTES);
	}
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		free(tips);
		mdb_txn_abort(txn);
		return store_lmdb_err(rc);
	}
	if (ntips > 1)
		qsort(tips, ntips, sizeof *tips, tip_later_first);
	for (size_t i = 0; i < ntips && n < (max + 1) / 2; i++)
		memcpy(ids + n++ * HASH_BYTES, tips[i].id, HASH_BYTES);
	free(tips);
	/* Ancestors of the latest event at distances 1, 2, 4, ... */
	memcpy(id, h.id, HASH_BYTES);
	seq = h.seq;
	rc = 0;
	target = h.seq > 1 ? h.seq - 1 : 0;
	while (rc == 0 && n < max && target >= 1 && !root) {
		if (h.fork == 0 || seq < h.fork) {
			uint8_t tid[HASH_BYTES];
			uint64_t tseq;

			if ((rc = trunk_at(s, txn, author, target, h.fork, tid, &tseq)) != 0) {
				rc = rc == WIEC_ERR_NOTFOUND ? 0 : rc;
				break;
			}
			if (n == 0 || memcmp(ids + (n - 1) * HASH_BYTES, tid, HASH_BYTES) != 0)
				memcpy(ids + n++ * HASH_BYTES, tid, HASH_BYTES);
		} else {
			/* Above the fork: follow prev pointers down to the target. */
			while (rc == 0 && !root && seq > target && steps++ < WALK_MAX &&
			    (h.fork == 0 || seq >= h.fork)) {
				if ((rc = prev_of(s, txn, author, seq, id, id, &root)) == 0 && !root)
					rc = store_event_ref(s, txn, id, NULL, NULL, &seq);
			}
			if (rc != 0 || root || steps >= WALK_MAX)
				break;
			if (seq > target)
				continue;
			memcpy(ids + n++ * HASH_BYTES, id, HASH_BYTES);
		}
		if (target == 1)
			break;
		dist *= 2;
		target = h.seq > dist ? h.seq - dist : 1;
	}
	mdb_txn_abort(txn);
	return rc != 0 ? rc : (int)n;
}

int store_want_plan(store_t *s, const uint8_t author[static KEY_PK_BYTES], uint64_t remote_seq,
    int retry, uint8_t *have, size_t max, size_t *nhave, uint64_t *from)
{
	store_head_t h;
	int rc = store_head(s, author, &h);

	*nhave = 0;
	*from = 1;
	if (rc == WIEC_ERR_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	/* The common case: one path here, the peer ahead. */
	if (!retry && h.fork == 0 && h.ntips == 1 && remote_seq > h.seq && max >= 1) {
		memcpy(have, h.id, HASH_BYTES);
		*nhave = 1;
		*from = h.seq + 1;
		return 0;
	}
	if ((rc = store_locator(s, author, have, max)) < 0)
		return rc;
	*nhave = (size_t)rc;
	return 0;
}
