/* tips.c: an author's tips value (model/chain.h, spec/events.md section
 * 7) from the tips database: hashed whole up to CHAIN_TIPS_FLAT tips, by
 * buckets kept in tipb above. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "model/chain.h"
#include "store/store_int.h"

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
		if (mem_grow((void **)ids, &cap, *n + 1, HASH_BYTES) != 0) {
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
int store_tips_value(wtx_t *w, store_head_t *h, const uint8_t *changed, size_t nchanged)
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
