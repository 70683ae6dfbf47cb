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

static const Wiec__GenesisBody *view_genesis(void *ctx)
{
	store_view_t *sv = ctx;

	return sv->have_genesis ? sv->g.body : NULL;
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
