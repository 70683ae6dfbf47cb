/* refs.c: the model's view of the store (model/model.h) over one LMDB
 * read transaction: held, non-excluded events by id, the `refs` index
 * (spec/model.md section 9) and the genesis. */
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "proto/genesis.h"
#include "store/store_int.h"

struct store_view {
	store_t *s;
	MDB_txn *txn;
	genesis_t g;
	int have_genesis;
};

static int view_get(void *ctx, const uint8_t id[static HASH_BYTES], model_ev_t *out)
{
	store_view_t *sv = ctx;
	uint8_t key[CHAIN_KEY];
	const uint8_t *env;
	Wiec__Envelope *e;
	uint64_t lseq;
	size_t len;
	MDB_val k, v;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = store_event_ref(sv->s, sv->txn, id, NULL, out->author, &out->seq)) != 0)
		return rc;
	store_chain_key(key, out->author, out->seq, id);
	k = store_mv(key, sizeof key);
	rc = mdb_get(sv->txn, sv->s->excluded, &k, &v);
	if (rc == 0)
		return WIEC_ERR_NOTFOUND;
	if (rc != MDB_NOTFOUND)
		return store_lmdb_err(rc);
	if ((rc = store_lookup(sv->s, sv->txn, id, &lseq, &env, &len)) != 0)
		return rc;
	/* Validated when it was held, and its bytes still hash to its id:
	 * protobuf-c alone suffices here. */
	if ((e = wiec__envelope__unpack(NULL, len, env)) == NULL)
		return WIEC_ERR_CORRUPT;
	out->body = wiec__body__unpack(NULL, e->body.len, e->body.data);
	wiec__envelope__free_unpacked(e, NULL);
	if (out->body == NULL)
		return WIEC_ERR_CORRUPT;
	memcpy(out->id, id, HASH_BYTES);
	out->timestamp = out->body->timestamp;
	out->lseq = lseq;
	return 0;
}

static int view_refs(void *ctx, const uint8_t ref[static HASH_BYTES], uint8_t tag,
    model_ref_cb cb, void *arg)
{
	store_view_t *sv = ctx;
	uint8_t prefix[HASH_BYTES + 1], id[HASH_BYTES];
	MDB_cursor *c;
	MDB_val k, v;
	int rc, r = 0;

	/* A cursor per walk: the callback may walk other entries of this view. */
	if ((rc = mdb_cursor_open(sv->txn, sv->s->refs, &c)) != 0)
		return store_lmdb_err(rc);
	memcpy(prefix, ref, HASH_BYTES);
	prefix[HASH_BYTES] = tag;
	k = store_mv(prefix, sizeof prefix);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != REFS_KEY || memcmp(k.mv_data, prefix, sizeof prefix) != 0)
			break;
		memcpy(id, (const uint8_t *)k.mv_data + HASH_BYTES + 1, HASH_BYTES);
		if ((r = cb(arg, id)) != 0)
			break;
	}
	mdb_cursor_close(c);
	if (r != 0)
		return r;
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_lmdb_err(rc);
}

#define RADIX 65536

/* LSD radix sort of n lseqs, 16 bits a pass, only as many passes as the
 * largest needs; tmp has room for n. 0 or WIEC_ERR_NOMEM. */
static int lseq_sort(uint64_t *a, uint64_t *tmp, size_t n)
{
	uint64_t max = 0;
	size_t *cnt;

	for (size_t i = 0; i < n; i++)
		if (a[i] > max)
			max = a[i];
	if ((cnt = malloc((RADIX + 1) * sizeof *cnt)) == NULL)
		return WIEC_ERR_NOMEM;
	for (unsigned shift = 0; shift < 64 && (max >> shift) != 0; shift += 16) {
		memset(cnt, 0, (RADIX + 1) * sizeof *cnt);
		for (size_t i = 0; i < n; i++)
			cnt[((a[i] >> shift) & (RADIX - 1)) + 1]++;
		for (size_t d = 1; d <= RADIX; d++)
			cnt[d] += cnt[d - 1];
		for (size_t i = 0; i < n; i++)
			tmp[cnt[(a[i] >> shift) & (RADIX - 1)]++] = a[i];
		memcpy(a, tmp, n * sizeof *a);
	}
	free(cnt);
	return 0;
}

static int id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, HASH_BYTES);
}

/* The ids of the excluded events, sorted (*n = 0: none). */
static int excluded_ids(store_view_t *sv, uint8_t **out, size_t *n)
{
	MDB_stat st;
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = mdb_stat(sv->txn, sv->s->excluded, &st)) != 0)
		return store_lmdb_err(rc);
	if (st.ms_entries == 0)
		return 0;
	if ((*out = malloc(st.ms_entries * HASH_BYTES)) == NULL)
		return WIEC_ERR_NOMEM;
	if ((rc = mdb_cursor_open(sv->txn, sv->s->excluded, &c)) != 0)
		return store_lmdb_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0 && *n < st.ms_entries;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != CHAIN_KEY) {
			rc = MDB_CORRUPTED;
			break;
		}
		memcpy(*out + *n * HASH_BYTES, (const uint8_t *)k.mv_data + KEY_PK_BYTES + 8,
		    HASH_BYTES);
		(*n)++;
	}
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc == MDB_CORRUPTED ? WIEC_ERR_CORRUPT : store_lmdb_err(rc);
	if (*n > 1)	/* qsort(NULL, 0, ...) is undefined */
		qsort(*out, *n, HASH_BYTES, id_cmp);
	return 0;
}

/* The Body inside a stored envelope: canonical, so field 1 (bytes) comes
 * first. Every read is bounded by len. */
static int envelope_body(const uint8_t *env, size_t len, const uint8_t **body, size_t *blen)
{
	uint64_t n = 0;
	size_t i = 1;

	if (len < 2 || env[0] != 0x0a)
		return WIEC_ERR_CORRUPT;
	for (unsigned shift = 0; ; shift += 7) {
		if (i >= len || shift > 28)
			return WIEC_ERR_CORRUPT;
		n |= (uint64_t)(env[i] & 0x7f) << shift;
		if ((env[i++] & 0x80) == 0)
			break;
	}
	if (n > len - i)
		return WIEC_ERR_CORRUPT;
	*body = env + i;
	*blen = (size_t)n;
	return 0;
}

/* The events of (ref, tag): their lseqs from the index values, sorted, then
 * one cursor over the log in that order (ascending keys: the cursor mostly
 * stays on its page), so the log is read once, in its own order. */
static int view_scan(void *ctx, const uint8_t ref[static HASH_BYTES], uint8_t tag,
    model_body_cb cb, void *arg)
{
	store_view_t *sv = ctx;
	uint8_t prefix[HASH_BYTES + 1], lkey[8], *excl = NULL;
	uint64_t *ls = NULL, *tmp = NULL, prev = 0;
	size_t n = 0, cap = 0, nexcl = 0;
	MDB_cursor *c = NULL;
	MDB_val k, v;
	int rc, r = 0, placed = 0;

	if ((rc = mdb_cursor_open(sv->txn, sv->s->refs, &c)) != 0)
		return store_lmdb_err(rc);
	memcpy(prefix, ref, HASH_BYTES);
	prefix[HASH_BYTES] = tag;
	k = store_mv(prefix, sizeof prefix);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != REFS_KEY || memcmp(k.mv_data, prefix, sizeof prefix) != 0)
			break;
		if (v.mv_size != 8) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (n == cap && store_grow((void **)&ls, &cap, n + 1, sizeof *ls) != 0) {
			r = WIEC_ERR_NOMEM;
			goto out;
		}
		ls[n++] = hash_get_be64(v.mv_data);
	}
	mdb_cursor_close(c);
	c = NULL;
	if (rc != 0 && rc != MDB_NOTFOUND) {
		r = rc == MDB_CORRUPTED ? WIEC_ERR_CORRUPT : store_lmdb_err(rc);
		goto out;
	}
	if (n == 0)
		goto out;
	if ((tmp = malloc(n * sizeof *tmp)) == NULL) {
		r = WIEC_ERR_NOMEM;
		goto out;
	}
	if ((r = lseq_sort(ls, tmp, n)) != 0 || (r = excluded_ids(sv, &excl, &nexcl)) != 0)
		goto out;
	if ((rc = mdb_cursor_open(sv->txn, sv->s->log, &c)) != 0) {
		r = store_lmdb_err(rc);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const uint8_t *body;
		size_t blen;

		if (placed && ls[i] == prev)
			continue;		/* two entries of one event */
		hash_put_be64(lkey, ls[i]);
		k = store_mv(lkey, 8);
		if (placed && ls[i] == prev + 1) {
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
			if (rc == 0 && (k.mv_size != 8 || memcmp(k.mv_data, lkey, 8) != 0))
				rc = MDB_NOTFOUND;
		} else {
			rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY);
		}
		if (rc != 0) {
			r = rc == MDB_NOTFOUND ? WIEC_ERR_CORRUPT : store_lmdb_err(rc);
			goto out;
		}
		placed = 1;
		prev = ls[i];
		if (v.mv_size <= HASH_BYTES) {
			r = WIEC_ERR_CORRUPT;
			goto out;
		}
		if (nexcl > 0 && bsearch(v.mv_data, excl, nexcl, HASH_BYTES, id_cmp) != NULL)
			continue;
		if ((r = envelope_body((const uint8_t *)v.mv_data + HASH_BYTES,
		    v.mv_size - HASH_BYTES, &body, &blen)) != 0)
			goto out;
		if ((r = cb(arg, v.mv_data, body, blen)) != 0)
			goto out;
	}
out:
	if (c != NULL)
		mdb_cursor_close(c);
	free(ls);
	free(tmp);
	free(excl);
	return r;
}

static const Wiec__GenesisBody *view_genesis(void *ctx)
{
	store_view_t *sv = ctx;

	return sv->have_genesis ? sv->g.body : NULL;
}

/* Whether the store's derived state is of this program's model version. */
static int model_current(store_view_t *sv)
{
	const uint8_t *p;
	MDB_val m;

	if (store_meta_get(sv->s, sv->txn, "model", &m) != 0 || m.mv_size != 4)
		return 0;
	p = m.mv_data;
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]) ==
	    STORE_MODEL;
}

int store_view_begin(store_t *s, store_view_t **out, model_view_t *v)
{
	store_view_t *sv;
	MDB_val gv;
	int rc;

	*out = NULL;
	if ((sv = calloc(1, sizeof *sv)) == NULL)
		return WIEC_ERR_NOMEM;
	sv->s = s;
	if ((rc = store_txn_begin(s, MDB_RDONLY, &sv->txn)) != 0) {
		free(sv);
		return rc;
	}
	rc = store_meta_get(s, sv->txn, "genesis", &gv);
	if (rc == 0) {
		if (genesis_decode(&sv->g, gv.mv_data, gv.mv_size, 0) != 0) {
			rc = WIEC_ERR_CORRUPT;
			goto fail;
		}
		sv->have_genesis = 1;
	} else if (rc != WIEC_ERR_NOTFOUND) {
		goto fail;
	}
	v->ctx = sv;
	v->get = view_get;
	v->refs = view_refs;
	v->genesis = view_genesis;
	/* refs values name log positions since model 5; a store of an older
	 * model opened read-only (not rebuilt) is read the generic way. */
	v->scan = model_current(sv) ? view_scan : NULL;
	*out = sv;
	return 0;
fail:
	store_view_end(&sv);
	return rc;
}

void store_view_end(store_view_t **svp)
{
	store_view_t *sv = *svp;

	if (sv == NULL)
		return;
	if (sv->txn != NULL)
		mdb_txn_abort(sv->txn);
	if (sv->have_genesis)
		genesis_free(&sv->g);
	free(sv);
	*svp = NULL;
}
