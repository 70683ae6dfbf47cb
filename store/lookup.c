/* lookup.c: reading held events and heads (store/store.h): by id, by
 * author, the log in order, each read checked against what it names.
 * Split from store.c, which opens, migrates and closes the store. */
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "crypto/keychain.h"
#include "model/chain.h"
#include "store/store_int.h"

void store_head_decode(store_head_t *h, const uint8_t *author, const uint8_t *val)
{
	memset(h, 0, sizeof *h);
	memcpy(h->author, author, KEY_PK_BYTES);
	h->seq = hash_get_be64(val);
	h->fork = hash_get_be64(val + 8);
	h->ntips = hash_get_be64(val + 16);
	h->count = hash_get_be64(val + 24);
	memcpy(h->id, val + 32, HASH_BYTES);
	memcpy(h->tips, val + 32 + HASH_BYTES, HASH_BYTES);
}

int store_get_head(store_t *s, MDB_txn *txn, const uint8_t *author, store_head_t *h)
{
	MDB_val k = store_mv(author, KEY_PK_BYTES), v;
	int rc = mdb_get(txn, s->heads, &k, &v);

	memset(h, 0, sizeof *h);
	memcpy(h->author, author, KEY_PK_BYTES);
	if (rc == MDB_NOTFOUND)
		return WIEC_ERR_NOTFOUND;
	if (rc != 0)
		return store_lmdb_err(rc);
	if (v.mv_size != HEAD_VAL)
		return WIEC_ERR_CORRUPT;
	store_head_decode(h, author, v.mv_data);
	return 0;
}

int store_put_head(store_t *s, MDB_txn *txn, const store_head_t *h)
{
	uint8_t val[HEAD_VAL];
	MDB_val k = store_mv(h->author, KEY_PK_BYTES), v = store_mv(val, sizeof val);

	hash_put_be64(val, h->seq);
	hash_put_be64(val + 8, h->fork);
	hash_put_be64(val + 16, h->ntips);
	hash_put_be64(val + 24, h->count);
	memcpy(val + 32, h->id, HASH_BYTES);
	memcpy(val + 32 + HASH_BYTES, h->tips, HASH_BYTES);
	return store_lmdb_err(mdb_put(txn, s->heads, &k, &v, 0));
}

int store_event_ref(store_t *s, MDB_txn *txn, const uint8_t *id, uint64_t *lseq,
    uint8_t author[KEY_PK_BYTES], uint64_t *seq)
{
	MDB_val k = store_mv(id, HASH_BYTES), v;
	int rc = mdb_get(txn, s->events, &k, &v);

	if (rc == MDB_NOTFOUND)
		return WIEC_ERR_NOTFOUND;
	if (rc != 0)
		return store_lmdb_err(rc);
	if (v.mv_size != EVENT_VAL)
		return store_damaged(s, "events index", id, "malformed entry (%zu bytes)",
		    v.mv_size);
	if (lseq)
		*lseq = hash_get_be64(v.mv_data);
	if (author)
		memcpy(author, (uint8_t *)v.mv_data + 8, KEY_PK_BYTES);
	if (seq)
		*seq = hash_get_be64((uint8_t *)v.mv_data + 8 + KEY_PK_BYTES);
	return 0;
}

/* The log entry at lseq is not event id's (store_lookup): whose damage. */
static int lookup_mismatch(store_t *s, const uint8_t *id, uint64_t lseq, const MDB_val *v)
{
	uint8_t got[HASH_BYTES];

	if (v->mv_size > HASH_BYTES) {
		hash_2(got, (const uint8_t *)v->mv_data + HASH_BYTES, v->mv_size - HASH_BYTES,
		    NULL, 0);
		/* The event is there, under a damaged copy of its id. */
		if (memcmp(got, id, HASH_BYTES) == 0)
			return store_damaged(s, "log", id, "the id stored with it at position %llu "
			    "is damaged", (unsigned long long)lseq);
	}
	return store_damaged(s, "events index", id, "its entry names log position %llu, "
	    "which holds another event", (unsigned long long)lseq);
}

int store_lookup(store_t *s, MDB_txn *txn, const uint8_t *id, uint64_t *lseq,
    uint8_t author[KEY_PK_BYTES], uint64_t *seq, const uint8_t **env, size_t *len)
{
	uint8_t lkey[8], got[HASH_BYTES], a[KEY_PK_BYTES];
	const uint8_t *body, *ba;
	uint64_t sq, bseq;
	size_t blen;
	MDB_val k, v;
	int rc;

	if ((rc = store_event_ref(s, txn, id, lseq, a, &sq)) != 0)
		return rc;
	hash_put_be64(lkey, *lseq);
	k = store_mv(lkey, 8);
	if ((rc = mdb_get(txn, s->log, &k, &v)) != 0)
		return rc == MDB_NOTFOUND ? store_damaged(s, "events index", id, "its entry names "
		    "log position %llu, which is not in the log", (unsigned long long)*lseq) :
		    store_lmdb_err(rc);
	if (v.mv_size <= HASH_BYTES || memcmp(v.mv_data, id, HASH_BYTES) != 0)
		return lookup_mismatch(s, id, *lseq, &v);
	*env = (const uint8_t *)v.mv_data + HASH_BYTES;
	*len = v.mv_size - HASH_BYTES;
	/* Never hand out damaged bytes: a peer would refuse them forever. */
	hash_2(got, *env, *len, NULL, 0);
	if (memcmp(got, id, HASH_BYTES) != 0) {
		memcpy(s->corrupt, id, HASH_BYTES);
		s->corrupt_set = 1;
		return store_damaged(s, "log", id, "its bytes at position %llu no longer hash to "
		    "its id", (unsigned long long)*lseq);
	}
	/* The author and seq the events index gives (the excluded marks and
	 * every fold key on them) must be the event's own. */
	if (store_env_body(*env, *len, &body, &blen) != 0 ||
	    store_body_head(body, blen, &ba, &bseq) != 0)
		return store_damaged(s, "log", id, "its bytes at position %llu do not decode",
		    (unsigned long long)*lseq);
	if (memcmp(ba, a, KEY_PK_BYTES) != 0 || bseq != sq)
		return store_damaged(s, "events index", id, "its entry names another author or "
		    "seq than the event's");
	if (author != NULL)
		memcpy(author, a, KEY_PK_BYTES);
	if (seq != NULL)
		*seq = sq;
	return 0;
}

int store_get(store_t *s, const uint8_t id[static HASH_BYTES], uint8_t **env, size_t *len)
{
	uint64_t lseq;

	return store_get_at(s, id, env, len, &lseq);
}

int store_get_at(store_t *s, const uint8_t id[static HASH_BYTES], uint8_t **env, size_t *len,
    uint64_t *lseqp)
{
	MDB_txn *txn;
	const uint8_t *p;
	uint64_t lseq;
	size_t n;
	int rc;

	*env = NULL;
	if ((rc = store_txn_begin(s, MDB_RDONLY, &txn)) != 0)
		return rc;
	if ((rc = store_lookup(s, txn, id, &lseq, NULL, NULL, &p, &n)) == 0) {
		if ((*env = malloc(n)) == NULL) {
			rc = WIEC_ERR_NOMEM;
		} else {
			memcpy(*env, p, n);
			*len = n;
			*lseqp = lseq;
		}
	}
	mdb_txn_abort(txn);
	return rc;
}

int store_own_chain(store_t *s, const char *keypath, uint64_t *seq,
    uint8_t last[static HASH_BYTES])
{
	uint8_t a[KEY_PK_BYTES];
	uint64_t q;
	int rc;

	if (keychain_read(keypath, seq, last) != 0)
		return WIEC_ERR_KEY_FORMAT;
	if (*seq == 0)
		return 0;
	rc = store_has(s, last, a, &q);
	return rc == WIEC_ERR_NOTFOUND ? WIEC_ERR_BEHIND : rc;
}

int store_has(store_t *s, const uint8_t id[static HASH_BYTES],
    uint8_t author[KEY_PK_BYTES], uint64_t *seq)
{
	MDB_txn *txn;
	int rc;

	if ((rc = store_txn_begin(s, MDB_RDONLY, &txn)) != 0)
		return rc;
	rc = store_event_ref(s, txn, id, NULL, author, seq);
	mdb_txn_abort(txn);
	return rc;
}

int store_held_ids(store_t *s, const uint8_t (*ids)[HASH_BYTES], size_t n, uint8_t *held)
{
	MDB_txn *txn;
	int rc = 0;

	if (n == 0)
		return 0;
	if ((rc = store_txn_begin(s, MDB_RDONLY, &txn)) != 0)
		return rc;
	for (size_t i = 0; i < n && rc == 0; i++) {
		MDB_val k = store_mv(ids[i], HASH_BYTES), v;

		rc = mdb_get(txn, s->events, &k, &v);
		held[i] = rc == 0;
		rc = rc == MDB_NOTFOUND ? 0 : rc == 0 ? 0 : store_lmdb_err(rc);
	}
	mdb_txn_abort(txn);
	return rc;
}

int store_excluded(store_t *s, const uint8_t id[static HASH_BYTES])
{
	return store_excluded_ev(s, id, NULL, 0);
}

int store_excluded_ev(store_t *s, const uint8_t id[static HASH_BYTES],
    const uint8_t *ev_author, uint64_t ev_seq)
{
	uint8_t author[KEY_PK_BYTES], key[CHAIN_KEY];
	uint64_t seq;
	MDB_txn *txn;
	MDB_val k, v;
	int rc;

	if ((rc = store_txn_begin(s, MDB_RDONLY, &txn)) != 0)
		return rc;
	rc = store_event_ref(s, txn, id, NULL, author, &seq);
	/* The mark is found by the entry's author and seq: the event's own. */
	if (ev_author != NULL && rc == WIEC_ERR_NOTFOUND)
		rc = store_damaged(s, "events index", id, "no entry, though the log holds the event");
	else if (ev_author != NULL && rc == 0 && (memcmp(author, ev_author, KEY_PK_BYTES) != 0 ||
	    seq != ev_seq))
		rc = store_damaged(s, "events index", id, "its entry names another author or seq "
		    "than the event's");
	if (rc == 0) {
		store_chain_key(key, author, seq, id);
		k = store_mv(key, sizeof key);
		rc = mdb_get(txn, s->excluded, &k, &v);
		rc = rc == 0 ? 1 : rc == MDB_NOTFOUND ? 0 : store_lmdb_err(rc);
	}
	mdb_txn_abort(txn);
	return rc;
}

int store_head(store_t *s, const uint8_t author[static KEY_PK_BYTES], store_head_t *h)
{
	MDB_txn *txn;
	int rc;

	if ((rc = store_txn_begin(s, MDB_RDONLY, &txn)) != 0)
		return rc;
	rc = store_get_head(s, txn, author, h);
	mdb_txn_abort(txn);
	return rc;
}

/* A log entry (k, v; its bytes hash to its id) is where the events index
 * places it, with the author and seq of its bytes: its position (the key)
 * is printed as the event's, and a damaged key would be served as if
 * valid. */
static int log_entry_ok(store_t *s, MDB_txn *txn, const MDB_val *k, const MDB_val *v)
{
	const uint8_t *id = v->mv_data, *body, *ba;
	uint8_t a[KEY_PK_BYTES], lkey[8];
	uint64_t lseq = hash_get_be64(k->mv_data), at, seq, bseq;
	size_t blen;
	MDB_val lk, lv;
	int rc;

	if ((rc = store_event_ref(s, txn, id, &at, a, &seq)) == WIEC_ERR_NOTFOUND)
		return store_damaged(s, "events index", id, "no entry, though the log holds the "
		    "event at position %llu", (unsigned long long)lseq);
	if (rc != 0)
		return rc;
	if (at != lseq) {
		/* Which one moved: the log holds the position the index names, or not. */
		hash_put_be64(lkey, at);
		lk = store_mv(lkey, 8);
		if ((rc = mdb_get(txn, s->log, &lk, &lv)) != 0 && rc != MDB_NOTFOUND)
			return store_lmdb_err(rc);
		if (rc == MDB_NOTFOUND)
			return store_damaged(s, "log", id, "its key (position %llu) is damaged: the "
			    "events index places it at %llu", (unsigned long long)lseq,
			    (unsigned long long)at);
		return store_damaged(s, "events index", id, "its entry names log position %llu, "
		    "the log holds it at %llu", (unsigned long long)at, (unsigned long long)lseq);
	}
	if (store_env_body(id + HASH_BYTES, v->mv_size - HASH_BYTES, &body, &blen) != 0 ||
	    store_body_head(body, blen, &ba, &bseq) != 0)
		return store_damaged(s, "log", id, "its bytes at position %llu do not decode",
		    (unsigned long long)lseq);
	if (memcmp(ba, a, KEY_PK_BYTES) != 0 || bseq != seq)
		return store_damaged(s, "events index", id, "its entry names another author or "
		    "seq than the event's");
	return 0;
}

int store_scan_log(store_t *s, uint64_t from, store_ev_fn fn, void *ctx)
{
	uint64_t prev = from > 0 ? from - 1 : 0, lseq;
	MDB_txn *txn;
	MDB_cursor *c;
	uint8_t key[8], got[HASH_BYTES];
	MDB_val k, v;
	int rc, out = 0;

	if ((rc = store_txn_begin(s, MDB_RDONLY, &txn)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(txn, s->log, &c)) != 0) {
		mdb_txn_abort(txn);
		return store_lmdb_err(rc);
	}
	hash_put_be64(key, from);
	k = store_mv(key, 8);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (v.mv_size <= HASH_BYTES || k.mv_size != 8) {
			out = store_damaged(s, "log", NULL, "malformed entry after position %llu",
			    (unsigned long long)prev);
			break;
		}
		lseq = hash_get_be64(k.mv_data);
		/* Never hand out damaged bytes (an export would carry them). */
		hash_2(got, (uint8_t *)v.mv_data + HASH_BYTES, v.mv_size - HASH_BYTES, NULL, 0);
		if (memcmp(got, v.mv_data, HASH_BYTES) != 0) {
			memcpy(s->corrupt, v.mv_data, HASH_BYTES);
			s->corrupt_set = 1;
			out = store_damaged(s, "log", v.mv_data, "its bytes at position %llu no "
			    "longer hash to its id", (unsigned long long)lseq);
			break;
		}
		/* Positions are dense (one per event appended, nothing deleted):
		 * a damaged key breaks the run where it is, and only there is the
		 * entry checked against the events index. */
		if (lseq != prev + 1 && (out = log_entry_ok(s, txn, &k, &v)) == 0 && lseq <= prev)
			out = store_damaged(s, "log", NULL, "keys out of order at position %llu",
			    (unsigned long long)lseq);
		if (out != 0)
			break;
		prev = lseq;
		if ((out = fn(ctx, lseq, (uint8_t *)v.mv_data + HASH_BYTES,
		    v.mv_size - HASH_BYTES)) != 0)
			break;
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	if (out != 0)
		return out;
	return rc == MDB_NOTFOUND ? 0 : store_lmdb_err(rc);
}

int store_scan_heads(store_t *s, store_head_fn fn, void *ctx)
{
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	store_head_t h;
	int rc, out = 0;

	if ((rc = store_txn_begin(s, MDB_RDONLY, &txn)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(txn, s->heads, &c)) != 0) {
		mdb_txn_abort(txn);
		return store_lmdb_err(rc);
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != KEY_PK_BYTES || v.mv_size != HEAD_VAL) {
			out = WIEC_ERR_CORRUPT;
			break;
		}
		store_head_decode(&h, k.mv_data, v.mv_data);
		if ((out = fn(ctx, &h)) != 0)
			break;
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	if (out != 0)
		return out;
	return rc == MDB_NOTFOUND ? 0 : store_lmdb_err(rc);
}
