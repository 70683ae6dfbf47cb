/* stats.c: the counts and the digest of the held set (store/store.h
 * store_stats; spec/events.md section 7), each head record checked
 * against the tips entries before it is summed. */
#include <lmdb.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "model/chain.h"
#include "store/store_int.h"

/* Checks head h against the author's entries in tips, which cursor c
 * (on tips) is at or before: their highest seq, their count and their
 * tips value must be the head's (a damaged head record would otherwise
 * give a wrong digest and no error). Leaves c past the author's entries;
 * *ids is scratch. 0, WIEC_ERR_CORRUPT, or another error. */
static int head_matches_tips(MDB_cursor *c, int *crc, MDB_val *k, MDB_val *v,
    const store_head_t *h, uint8_t **ids, size_t *cap)
{
	uint8_t tips[HASH_BYTES];
	uint64_t max = 0, seq;
	size_t n = 0;
	int rc;

	for (; *crc == 0 && k->mv_size == TIPS_KEY &&
	    memcmp(k->mv_data, h->author, KEY_PK_BYTES) == 0;
	    *crc = mdb_cursor_get(c, k, v, MDB_NEXT)) {
		if (v->mv_size != 8)
			return WIEC_ERR_CORRUPT;
		if (mem_grow((void **)ids, cap, n + 1, HASH_BYTES) != 0)
			return WIEC_ERR_NOMEM;
		memcpy(*ids + n++ * HASH_BYTES, (const uint8_t *)k->mv_data + KEY_PK_BYTES,
		    HASH_BYTES);
		if ((seq = hash_get_be64(v->mv_data)) > max)
			max = seq;
	}
	if (*crc != 0 && *crc != MDB_NOTFOUND)
		return store_lmdb_err(*crc);
	if (n == 0 || n != h->ntips || max != h->seq)
		return WIEC_ERR_CORRUPT;
	if ((rc = chain_tips_hash(tips, *ids, n)) != 0)
		return rc;
	return sodium_memcmp(tips, h->tips, HASH_BYTES) == 0 ? 0 : WIEC_ERR_CORRUPT;
}

/* The digest (spec/events.md section 7) and the forks of the heads in txn,
 * each head checked against the tips entries, and their counts summed
 * against st->events. */
static int digest(store_t *s, MDB_txn *txn, store_stats_t *st)
{
	static const char tag[] = "wiec-digest-v2";
	crypto_generichash_state hs;
	MDB_cursor *hc = NULL, *tc = NULL;
	MDB_val k, v, tk, tv;
	uint8_t rec[CHAIN_DIGEST_REC], *ids = NULL;
	size_t cap = 0;
	store_head_t h;
	uint64_t held = 0;
	int rc, trc, out = 0;

	if (crypto_generichash_init(&hs, NULL, 0, HASH_BYTES) != 0 ||
	    crypto_generichash_update(&hs, (const uint8_t *)tag, sizeof tag - 1) != 0)
		return WIEC_ERR_CRYPTO;
	if ((rc = mdb_cursor_open(txn, s->heads, &hc)) != 0 ||
	    (rc = mdb_cursor_open(txn, s->tips, &tc)) != 0) {
		out = store_lmdb_err(rc);
		goto done;
	}
	trc = mdb_cursor_get(tc, &tk, &tv, MDB_FIRST);
	for (rc = mdb_cursor_get(hc, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(hc, &k, &v, MDB_NEXT)) {
		if (k.mv_size != KEY_PK_BYTES || v.mv_size != HEAD_VAL) {
			out = store_damaged(s, "heads index", NULL, "malformed entry");
			break;
		}
		store_head_decode(&h, k.mv_data, v.mv_data);
		if ((out = head_matches_tips(tc, &trc, &tk, &tv, &h, &ids, &cap)) != 0) {
			char hex[KEY_TEXT_BYTES];

			key_to_text(hex, h.author);
			if (out == WIEC_ERR_CORRUPT)
				out = store_damaged(s, "heads index", NULL, "the head of author %s does not "
				    "match its tips entries", hex);
			break;
		}
		chain_digest_rec(rec, h.author, h.seq, h.tips);
		if (h.fork)
			st->forks++;
		held += h.count;
		if (crypto_generichash_update(&hs, rec, sizeof rec) != 0) {
			out = WIEC_ERR_CRYPTO;
			break;
		}
	}
	if (out == 0 && rc != MDB_NOTFOUND)
		out = store_lmdb_err(rc);
	else if (out == 0 && trc != MDB_NOTFOUND)
		out = trc == 0 ? store_damaged(s, "tips index", NULL, "entries of no author's head") :
		    store_lmdb_err(trc);
	else if (out == 0 && held != st->events)
		out = store_damaged(s, "heads index", NULL, "the heads count %llu events, %llu are "
		    "held", (unsigned long long)held, (unsigned long long)st->events);
	if (out == 0 && crypto_generichash_final(&hs, st->digest, HASH_BYTES) != 0)
		out = WIEC_ERR_CRYPTO;
done:
	if (tc != NULL)
		mdb_cursor_close(tc);
	if (hc != NULL)
		mdb_cursor_close(hc);
	free(ids);
	return out;
}

int store_stats(store_t *s, store_stats_t *st)
{
	MDB_txn *txn;
	MDB_stat ms;
	MDB_envinfo info;
	int rc;

	memset(st, 0, sizeof *st);
	if ((rc = store_txn_begin(s, MDB_RDONLY, &txn)) != 0)
		return rc;
	/* One transaction: the counts and the digest of one state. */
	if ((rc = mdb_stat(txn, s->events, &ms)) == 0) {
		st->events = ms.ms_entries;
		if ((rc = mdb_stat(txn, s->heads, &ms)) == 0) {
			st->authors = ms.ms_entries;
			if ((rc = mdb_stat(txn, s->pending, &ms)) == 0) {
				st->pending = ms.ms_entries;
				if ((rc = mdb_stat(txn, s->excluded, &ms)) == 0)
					st->excluded = ms.ms_entries;
			}
		}
	}
	rc = rc != 0 ? store_lmdb_err(rc) : digest(s, txn, st);
	mdb_txn_abort(txn);
	if (rc != 0)
		return rc;
	if ((rc = mdb_env_info(s->env, &info)) != 0 || (rc = mdb_env_stat(s->env, &ms)) != 0)
		return store_lmdb_err(rc);
	st->map_size = info.me_mapsize;
	st->map_used = (uint64_t)(info.me_last_pgno + 1) * ms.ms_psize;
	return 0;
}
