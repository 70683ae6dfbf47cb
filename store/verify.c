/* verify.c: store_verify, every invariant of the store re-checked from
 * the log up, in one read transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "model/chain.h"
#include "store/store_int.h"

typedef struct vctx {
	store_t *s;
	MDB_txn *txn;
	wtx_t members;
	uint8_t network[HASH_BYTES];
	uint8_t *bad;
	char *why;
	size_t whylen;
} vctx_t;

static int id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, HASH_BYTES);
}

static int vfail(vctx_t *v, const uint8_t *id, int rc, const char *what)
{
	if (id != NULL)
		memcpy(v->bad, id, HASH_BYTES);
	snprintf(v->why, v->whylen, "%s", what);
	return rc;
}

static int has_key(vctx_t *v, MDB_dbi dbi, const uint8_t *key, size_t klen, MDB_val *val)
{
	MDB_val k = store_mv(key, klen), tmp;

	return mdb_get(v->txn, dbi, &k, val ? val : &tmp);
}

/* Every log entry: bytes, signature, and its index entries. */
static int verify_log(vctx_t *v, uint64_t *count)
{
	static const uint8_t zero[HASH_BYTES];
	MDB_cursor *c;
	MDB_val k, val;
	int rc, out = 0;

	*count = 0;
	if ((rc = mdb_cursor_open(v->txn, v->s->log, &c)) != 0)
		return vfail(v, NULL, store_lmdb_err(rc), mdb_strerror(rc));
	for (rc = mdb_cursor_get(c, &k, &val, MDB_FIRST); rc == 0 && out == 0;
	    rc = mdb_cursor_get(c, &k, &val, MDB_NEXT)) {
		const uint8_t *id = val.mv_data, *env = id + HASH_BYTES;
		uint8_t got[HASH_BYTES], a[KEY_PK_BYTES], ck[CHAIN_KEY], kk[KIDS_KEY];
		uint64_t lseq, plseq, seq, pseq;
		size_t len;
		MDB_val cv;
		ev_t ev;

		if (k.mv_size != 8 || val.mv_size <= HASH_BYTES) {
			out = vfail(v, NULL, WIEC_ERR_CORRUPT, "malformed arrival log entry");
			break;
		}
		len = val.mv_size - HASH_BYTES;
		lseq = hash_get_be64(k.mv_data);
		hash_2(got, env, len, NULL, 0);
		if (memcmp(got, id, HASH_BYTES) != 0) {
			out = vfail(v, id, WIEC_ERR_CORRUPT, "stored bytes do not hash to the event id");
			break;
		}
		if ((out = ev_check(&ev, env, len, v->network)) != 0) {
			out = vfail(v, id, out, wiec_strerror(out));
			break;
		}
		if (store_event_ref(v->s, v->txn, id, &plseq, a, &seq) != 0 || plseq != lseq ||
		    memcmp(a, ev.author, KEY_PK_BYTES) != 0 || seq != ev.seq)
			out = vfail(v, id, WIEC_ERR_CORRUPT, "events index: its entry is missing or "
			    "not the log's (position, author, seq)");
		else if (memcmp(ev.prev, zero, HASH_BYTES) != 0 &&
		    (store_event_ref(v->s, v->txn, ev.prev, &plseq, a, &pseq) != 0 ||
		    plseq >= lseq || memcmp(a, ev.author, KEY_PK_BYTES) != 0 || pseq >= ev.seq))
			out = vfail(v, id, WIEC_ERR_CHAIN, "held before its prev");
		if (out == 0) {
			int root = memcmp(ev.prev, zero, HASH_BYTES) == 0;

			store_chain_key(ck, ev.author, ev.seq, ev.id);
			store_kids_key(kk, ev.author, root ? 0 : pseq, ev.prev, ev.seq, ev.id);
			if (has_key(v, v->s->chains, ck, sizeof ck, &cv) != 0 ||
			    cv.mv_size != (memcmp(ev.prev, zero, HASH_BYTES) ? HASH_BYTES : 0u) ||
			    (cv.mv_size && memcmp(cv.mv_data, ev.prev, HASH_BYTES) != 0))
				out = vfail(v, id, WIEC_ERR_CORRUPT, "chains index: its entry is missing "
				    "or names another prev");
			else if (has_key(v, v->s->kids, kk, sizeof kk, NULL) != 0)
				out = vfail(v, id, WIEC_ERR_CORRUPT, "kids index: its entry is missing");
		}
		ev_free(&ev);
		(*count)++;
	}
	mdb_cursor_close(c);
	if (out != 0)
		return out;
	return rc == MDB_NOTFOUND ? 0 : vfail(v, NULL, store_lmdb_err(rc), mdb_strerror(rc));
}

/* One author recomputed from chains and kids, against heads, tips and
 * the exclusion marks. */
static int verify_author(vctx_t *v, const store_head_t *h, uint64_t *events)
{
	store_head_t r;
	uint8_t key[TIPS_KEY], *tips = NULL, last_parent[HASH_BYTES];
	size_t ntips = 0, cap = 0, group = 0;
	uint64_t nexcl = 0, wantexcl = 0, group_min = 0;
	int member = store_is_member(&v->members, h->author), rc, out = 0;
	MDB_cursor *c;
	MDB_val k, val;

	memset(&r, 0, sizeof r);
	memcpy(r.author, h->author, KEY_PK_BYTES);
	/* Forks: groups of kids under one parent. */
	if ((rc = mdb_cursor_open(v->txn, v->s->kids, &c)) != 0)
		return vfail(v, NULL, store_lmdb_err(rc), mdb_strerror(rc));
	k = store_mv(h->author, KEY_PK_BYTES);
	for (rc = mdb_cursor_get(c, &k, &val, MDB_SET_RANGE);
	    rc == 0 && k.mv_size == KIDS_KEY && memcmp(k.mv_data, h->author, KEY_PK_BYTES) == 0;
	    rc = mdb_cursor_get(c, &k, &val, MDB_NEXT)) {
		const uint8_t *parent = (uint8_t *)k.mv_data + KEY_PK_BYTES + 8;
		uint64_t seq = hash_get_be64(parent + HASH_BYTES);

		if (group == 0 || memcmp(parent, last_parent, HASH_BYTES) != 0) {
			memcpy(last_parent, parent, HASH_BYTES);
			group = 0;
			group_min = seq;
		}
		if (++group == 2 && (r.fork == 0 || group_min < r.fork))
			r.fork = group_min;
	}
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return vfail(v, NULL, store_lmdb_err(rc), mdb_strerror(rc));
	/* Events in (seq, id) order: count, highest, latest, tips, marks. */
	if ((rc = mdb_cursor_open(v->txn, v->s->chains, &c)) != 0)
		return vfail(v, NULL, store_lmdb_err(rc), mdb_strerror(rc));
	k = store_mv(h->author, KEY_PK_BYTES);
	for (rc = mdb_cursor_get(c, &k, &val, MDB_SET_RANGE);
	    rc == 0 && k.mv_size == CHAIN_KEY && memcmp(k.mv_data, h->author, KEY_PK_BYTES) == 0;
	    rc = mdb_cursor_get(c, &k, &val, MDB_NEXT)) {
		const uint8_t *id = (uint8_t *)k.mv_data + KEY_PK_BYTES + 8;
		uint64_t seq = hash_get_be64((uint8_t *)k.mv_data + KEY_PK_BYTES);
		uint8_t kk[KEY_PK_BYTES + 8 + HASH_BYTES];
		MDB_cursor *kc;
		MDB_val kkv = store_mv(kk, sizeof kk), kvv;
		int leaf, marked;

		r.count++;
		r.seq = seq;
		memcpy(r.id, id, HASH_BYTES);
		/* A leaf has no kids: none under author || its seq || it. */
		memcpy(kk, h->author, KEY_PK_BYTES);
		hash_put_be64(kk + KEY_PK_BYTES, seq);
		memcpy(kk + KEY_PK_BYTES + 8, id, HASH_BYTES);
		if ((rc = mdb_cursor_open(v->txn, v->s->kids, &kc)) != 0)
			break;
		rc = mdb_cursor_get(kc, &kkv, &kvv, MDB_SET_RANGE);
		leaf = rc == MDB_NOTFOUND || (rc == 0 && memcmp(kkv.mv_data, kk, sizeof kk) != 0);
		mdb_cursor_close(kc);
		if (rc != 0 && rc != MDB_NOTFOUND)
			break;
		if (leaf) {
			if (ntips == cap) {
				uint8_t *q = realloc(tips, (cap = cap ? 2 * cap : 8) * HASH_BYTES);

				if (q == NULL) {
					out = vfail(v, NULL, WIEC_ERR_NOMEM, "out of memory");
					break;
				}
				tips = q;
			}
			memcpy(tips + ntips++ * HASH_BYTES, id, HASH_BYTES);
		}
		marked = has_key(v, v->s->excluded, k.mv_data, CHAIN_KEY, NULL) == 0;
		if (chain_excluded(member, r.fork, seq) != marked) {
			out = vfail(v, id, WIEC_ERR_CORRUPT, marked ?
			    "event marked excluded that counts" : "event not marked excluded");
			break;
		}
		wantexcl += marked;
		rc = 0;
	}
	mdb_cursor_close(c);
	if (out == 0 && rc != 0 && rc != MDB_NOTFOUND)
		out = vfail(v, NULL, store_lmdb_err(rc), mdb_strerror(rc));
	if (out == 0) {
		/* Tips sorted by id, as the tips database keeps them. */
		if (ntips > 1)
			qsort(tips, ntips, HASH_BYTES, id_cmp);
		r.ntips = ntips;
		if (chain_tips_hash(r.tips, tips, ntips) != 0)
			out = vfail(v, NULL, WIEC_ERR_CRYPTO, "libsodium failed");
		for (size_t i = 0; i < ntips && out == 0; i++) {
			const uint8_t *tip = tips + i * HASH_BYTES;
			uint64_t seq;
			MDB_val tv;

			memcpy(key, h->author, KEY_PK_BYTES);
			memcpy(key + KEY_PK_BYTES, tip, HASH_BYTES);
			/* Its value is the tip's seq (the digest's highest seq). */
			if (has_key(v, v->s->tips, key, sizeof key, &tv) != 0)
				out = vfail(v, tip, WIEC_ERR_CORRUPT, "tips index: a tip of its author "
				    "has no entry");
			else if (tv.mv_size != 8 ||
			    store_event_ref(v->s, v->txn, tip, NULL, NULL, &seq) != 0 ||
			    hash_get_be64(tv.mv_data) != seq)
				out = vfail(v, tip, WIEC_ERR_CORRUPT, "tips index: its entry's value is "
				    "not the tip's seq");
		}
	}
	if (out == 0 && (r.count != h->count || r.seq != h->seq || r.fork != h->fork ||
	    r.ntips != h->ntips || memcmp(r.id, h->id, HASH_BYTES) != 0 ||
	    memcmp(r.tips, h->tips, HASH_BYTES) != 0))
		out = vfail(v, h->id, WIEC_ERR_CORRUPT, "heads index: its author's head does not "
		    "match the author's events");
	if (out == 0) {
		/* No mark outside the author's events. */
		if ((rc = mdb_cursor_open(v->txn, v->s->excluded, &c)) != 0)
			out = vfail(v, NULL, store_lmdb_err(rc), mdb_strerror(rc));
		else {
			k = store_mv(h->author, KEY_PK_BYTES);
			for (rc = mdb_cursor_get(c, &k, &val, MDB_SET_RANGE);
			    rc == 0 && memcmp(k.mv_data, h->author, KEY_PK_BYTES) == 0;
			    rc = mdb_cursor_get(c, &k, &val, MDB_NEXT))
				nexcl++;
			mdb_cursor_close(c);
			if (nexcl != wantexcl)
				out = vfail(v, NULL, WIEC_ERR_CORRUPT, "exclusion mark of no held event");
		}
	}
	free(tips);
	*events += r.count;
	return out;
}

/* 0 if the store's derived state is of this program's model;
 * WIEC_ERR_STALE (older) or WIEC_ERR_NEWER. */
static int model_current(store_t *s, MDB_txn *txn)
{
	uint32_t ver, model;
	int rc;

	if (s->stale)
		return WIEC_ERR_STALE;
	if ((rc = store_versions(s, txn, &ver, &model)) != 0)
		return rc;
	return model < STORE_MODEL ? WIEC_ERR_STALE : model > STORE_MODEL ? WIEC_ERR_NEWER : 0;
}

int store_verify(store_t *s, uint8_t bad_id[static HASH_BYTES], char *why, size_t whylen)
{
	vctx_t v = { .s = s, .bad = bad_id, .why = why, .whylen = whylen };
	MDB_stat st[5];
	MDB_cursor *c = NULL;
	MDB_val k, val;
	uint64_t logged = 0, counted = 0, tipsum = 0, marks = 0;
	int rc;

	memset(bad_id, 0, HASH_BYTES);
	snprintf(why, whylen, "ok");
	if ((rc = store_txn_begin(s, MDB_RDONLY, &v.txn)) != 0)
		return vfail(&v, NULL, rc, wiec_strerror(rc));
	v.members.s = s;
	v.members.txn = v.txn;
	/* A store of another model opened read-only (not rebuilt) keeps
	 * indexes of another layout (kids since model 9): not this
	 * program's to judge. */
	if ((rc = model_current(s, v.txn)) != 0) {
		rc = vfail(&v, NULL, rc, wiec_strerror(rc));
		goto out;
	}
	if ((rc = store_network_in(s, v.txn, v.network)) != 0) {
		vfail(&v, NULL, rc, "no genesis in the store");
		goto out;
	}
	if ((rc = store_load_members(&v.members)) != 0) {
		vfail(&v, NULL, rc, "the genesis in the store does not decode");
		goto out;
	}
	{
		const char *db;

		if ((rc = store_verify_order(s, v.txn, &db)) != 0) {
			char what[64];

			snprintf(what, sizeof what, "%s: keys out of order", db ? db : "store");
			vfail(&v, NULL, rc, what);
			goto out;
		}
	}
	if ((rc = verify_log(&v, &logged)) != 0)
		goto out;
	if ((rc = mdb_cursor_open(v.txn, s->heads, &c)) != 0) {
		rc = vfail(&v, NULL, store_lmdb_err(rc), mdb_strerror(rc));
		goto out;
	}
	for (rc = mdb_cursor_get(c, &k, &val, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &val, MDB_NEXT)) {
		store_head_t h;

		if (k.mv_size != KEY_PK_BYTES || val.mv_size != HEAD_VAL) {
			rc = vfail(&v, NULL, WIEC_ERR_CORRUPT, "heads index: malformed entry");
			break;
		}
		store_head_decode(&h, k.mv_data, val.mv_data);
		tipsum += h.ntips;
		if ((rc = verify_author(&v, &h, &counted)) != 0)
			break;
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND)
		goto out;
	rc = 0;
	if (mdb_stat(v.txn, s->events, &st[0]) != 0 || mdb_stat(v.txn, s->chains, &st[1]) != 0 ||
	    mdb_stat(v.txn, s->kids, &st[2]) != 0 || mdb_stat(v.txn, s->tips, &st[3]) != 0 ||
	    mdb_stat(v.txn, s->excluded, &st[4]) != 0) {
		rc = vfail(&v, NULL, WIEC_ERR_STORE, "cannot read store statistics");
		goto out;
	}
	(void)marks;
	if (st[0].ms_entries != logged || st[1].ms_entries != logged ||
	    st[2].ms_entries != logged || counted != logged)
		rc = vfail(&v, NULL, WIEC_ERR_CORRUPT, "events held outside any author's tree");
	else if (st[3].ms_entries != tipsum)
		rc = vfail(&v, NULL, WIEC_ERR_CORRUPT, "tips index: entries of no author's tips");
	else {
		/* The model's indexes. */
		uint8_t id[HASH_BYTES] = { 0 };
		const char *what = NULL;

		if ((rc = store_verify_indexes(s, v.txn, id, &what)) != 0)
			rc = vfail(&v, memcmp(id, (uint8_t[HASH_BYTES]){ 0 }, HASH_BYTES) ? id : NULL,
			    rc, what ? what : wiec_strerror(rc));
	}
out:
	free(v.members.members);
	mdb_txn_abort(v.txn);
	return rc;
}
