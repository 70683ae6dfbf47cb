/* derive.c: state derived from the held events, kept in the same write
 * transaction as the events that change it, and rebuilt from the log by
 * store_reindex. Today: exclusion marks of members that equivocated
 * (spec/events.md section 5). The model layer's indexes join here. */
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "model/chain.h"
#include "model/model.h"
#include "store/store_int.h"

int store_derive_author(wtx_t *w, const store_head_t *h)
{
	uint8_t key[CHAIN_KEY], reason = CHAIN_EXCL_EQUIVOCATION;
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	if (!store_is_member(w, h->author) || h->fork == 0)
		return 0;
	/* Every event from the lowest fork seq on, on every branch. */
	if ((rc = mdb_cursor_open(w->txn, w->s->chains, &c)) != 0)
		return store_lmdb_err(rc);
	store_chain_key(key, h->author, h->fork, NULL);
	k = store_mv(key, sizeof key);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	    rc == 0 && k.mv_size == CHAIN_KEY && memcmp(k.mv_data, h->author, KEY_PK_BYTES) == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		MDB_val mk = store_mv(k.mv_data, CHAIN_KEY), mv = store_mv(&reason, 1);

		if (!chain_excluded(1, h->fork, hash_get_be64((uint8_t *)k.mv_data + KEY_PK_BYTES)))
			continue;
		rc = mdb_put(w->txn, w->s->excluded, &mk, &mv, MDB_NOOVERWRITE);
		if (rc != 0 && rc != MDB_KEYEXIST)
			break;
	}
	mdb_cursor_close(c);
	return rc == 0 || rc == MDB_NOTFOUND || rc == MDB_KEYEXIST ? 0 : store_lmdb_err(rc);
}

#define REFS_FLUSH 65536	/* entries kept before a flush */

int store_derive_event(wtx_t *w, const ev_t *ev, uint64_t lseq)
{
	model_ref_t r[MODEL_REF_MAX];
	size_t n;
	int rc;

	if (w->s->no_model)
		return 0;
	n = model_refs(ev->body, r);
	if (n > 0 && mem_grow((void **)&w->refs, &w->caprefs, w->nrefs + n, REFS_ENT) != 0)
		return WIEC_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		uint8_t *key = w->refs[w->nrefs++];

		memcpy(key, r[i].ref, HASH_BYTES);
		key[HASH_BYTES] = r[i].tag;
		memcpy(key + HASH_BYTES + 1, ev->id, HASH_BYTES);
		hash_put_be64(key + REFS_KEY, lseq);
	}
	if (w->nrefs >= REFS_FLUSH && (rc = store_derive_flush(w)) != 0)
		return rc;
	return store_search_index(w, ev);
}

static int refs_order(const void *a, const void *b)
{
	return memcmp(a, b, REFS_KEY);
}

int store_derive_flush(wtx_t *w)
{
	MDB_cursor *c;
	int rc = 0;

	if (w->nrefs == 0)
		return 0;
	if ((rc = store_lists_add(w, (const uint8_t (*)[REFS_ENT])w->refs, w->nrefs)) != 0)
		return rc;
	qsort(w->refs, w->nrefs, REFS_ENT, refs_order);
	if ((rc = mdb_cursor_open(w->txn, w->s->refs, &c)) != 0)
		return store_lmdb_err(rc);
	for (size_t i = 0; i < w->nrefs && rc == 0; i++) {
		MDB_val k = store_mv(w->refs[i], REFS_KEY), v = store_mv(w->refs[i] + REFS_KEY, 8);

		rc = mdb_cursor_put(c, &k, &v, 0);
	}
	mdb_cursor_close(c);
	w->nrefs = 0;
	return store_lmdb_err(rc);
}

void store_model_hooks(store_t *s, int on)
{
	s->no_model = !on;
}

/* The databases a rebuild recreates from the log, in dump order. */
static MDB_dbi *rebuilt(store_t *s, size_t i, const char **name)
{
	switch (i) {
	case 0: *name = "events"; return &s->events;
	case 1: *name = "chains"; return &s->chains;
	case 2: *name = "kids"; return &s->kids;
	case 3: *name = "tips"; return &s->tips;
	case 4: *name = "heads"; return &s->heads;
	case 5: *name = "excluded"; return &s->excluded;
	case 6: *name = "tipb"; return &s->tipb;
	case 7: *name = "refs"; return &s->refs;
	case 8: *name = "search"; return &s->search;
	case 9: *name = "lists"; return &s->lists;
	}
	return NULL;
}

/* Empties a rebuilt database. One an older model created with other flags
 * (model 3's dup-sorted `search`) is deleted and created again plain: LMDB
 * keeps a database's flags for good, and the store writes no duplicates. */
static int reset_db(MDB_txn *txn, MDB_dbi *dbi, const char *name)
{
	unsigned flags;
	int rc;

	if ((rc = mdb_dbi_flags(txn, *dbi, &flags)) != 0)
		return store_lmdb_err(rc);
	if (flags == 0)
		return store_lmdb_err(mdb_drop(txn, *dbi, 0));
	if ((rc = mdb_drop(txn, *dbi, 1)) != 0)
		return store_lmdb_err(rc);
	return store_lmdb_err(mdb_dbi_open(txn, name, MDB_CREATE, dbi));
}

/* Takes the envelopes a format-2 store kept waiting (key author || seq ||
 * id): they are re-applied under the current rules after the rebuild. */
static int take_old_pending(wtx_t *w, uint8_t ***envs, size_t **lens, size_t *n)
{
	MDB_cursor *c;
	MDB_val k, v;
	size_t cap = 0;
	int rc;

	*envs = NULL;
	*lens = NULL;
	*n = 0;
	if ((rc = mdb_cursor_open(w->txn, w->s->pending, &c)) != 0)
		return store_lmdb_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (*n == cap) {
			uint8_t **e;
			size_t *l;

			cap = cap ? 2 * cap : 64;
			if ((e = realloc(*envs, cap * sizeof *e)) == NULL)
				break;
			*envs = e;
			if ((l = realloc(*lens, cap * sizeof *l)) == NULL)
				break;
			*lens = l;
		}
		if (((*envs)[*n] = malloc(v.mv_size ? v.mv_size : 1)) == NULL)
			break;
		memcpy((*envs)[*n], v.mv_data, v.mv_size);
		(*lens)[(*n)++] = v.mv_size;
	}
	mdb_cursor_close(c);
	if (rc == 0)
		return WIEC_ERR_NOMEM;
	if (rc != MDB_NOTFOUND)
		return store_lmdb_err(rc);
	if ((rc = mdb_drop(w->txn, w->s->pending, 0)) != 0 ||
	    (rc = mdb_drop(w->txn, w->s->pendq, 0)) != 0 ||
	    (rc = mdb_drop(w->txn, w->s->pendsrc, 0)) != 0 ||
	    (rc = mdb_drop(w->txn, w->s->pstat, 0)) != 0)
		return store_lmdb_err(rc);
	return 0;
}

int store_rebuild(wtx_t *w)
{
	store_t *s = w->s;
	uint8_t **old = NULL;
	size_t *lens = NULL, nold = 0;
	uint32_t ver = 0;
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	{
		MDB_val vv;

		if (store_meta_get(s, w->txn, "version", &vv) == 0 && vv.mv_size == 4)
			ver = ((const uint8_t *)vv.mv_data)[3];
	}
	for (size_t i = 0; ; i++) {
		const char *name;
		MDB_dbi *dbi = rebuilt(s, i, &name);

		if (dbi == NULL)
			break;
		if ((rc = reset_db(w->txn, dbi, name)) != 0)
			return rc;
	}
	if (ver == 2 && (rc = take_old_pending(w, &old, &lens, &nold)) != 0)
		goto out;
	/* The log is in arrival order, and an event was only ever held after
	 * its prev: every prev is indexed before its children. */
	if ((rc = mdb_cursor_open(w->txn, s->log, &c)) != 0) {
		rc = store_lmdb_err(rc);
		goto out;
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		uint8_t got[HASH_BYTES];
		const uint8_t *env = (const uint8_t *)v.mv_data + HASH_BYTES;
		ev_t ev;
		int r;

		if (k.mv_size != 8 || v.mv_size <= HASH_BYTES) {
			rc = MDB_CORRUPTED;
			break;
		}
		hash_2(got, env, v.mv_size - HASH_BYTES, NULL, 0);
		if (memcmp(got, v.mv_data, HASH_BYTES) != 0 ||
		    ev_decode(&ev, env, v.mv_size - HASH_BYTES) != 0) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (memcmp(ev.prev, (uint8_t[HASH_BYTES]){ 0 }, HASH_BYTES) != 0 &&
		    store_event_ref(s, w->txn, ev.prev, NULL, NULL, &w->found.seq) != 0) {
			r = WIEC_ERR_CORRUPT;
		} else {
			/* The prev's seq, for its kids key. */
			memcpy(w->found.id, ev.prev, HASH_BYTES);
			w->have_found = 1;
			r = store_index_event(w, &ev, hash_get_be64(k.mv_data));
		}
		ev_free(&ev);
		if (r < 0) {
			mdb_cursor_close(c);
			rc = r;
			goto out;
		}
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND) {
		rc = rc == MDB_CORRUPTED ? WIEC_ERR_CORRUPT : store_lmdb_err(rc);
		goto out;
	}
	w->added = 0;
	if ((rc = store_finish_moved(w, NULL, NULL)) != 0)
		goto out;
	for (size_t i = 0; i < nold; i++)
		if ((rc = store_readd(w, old[i], lens[i])) != 0)
			goto out;
	rc = store_finish_moved(w, NULL, NULL);
out:
	for (size_t i = 0; i < nold; i++)
		free(old[i]);
	free(old);
	free(lens);
	return rc;
}

int store_reindex(store_t *s)
{
	wtx_t w;
	int rc;

	if ((rc = store_wtx_begin(&w, s)) != 0)
		return rc;
	if ((rc = store_rebuild(&w)) != 0) {
		store_wtx_abort(&w);
		return rc;
	}
	return store_wtx_commit(&w);
}

int store_dump_derived(store_t *s, store_kv_fn fn, void *ctx)
{
	MDB_txn *txn;
	int rc, out = 0;

	if (s->missing)
		return WIEC_ERR_STALE;
	if ((rc = store_txn_begin(s, MDB_RDONLY, &txn)) != 0)
		return rc;
	for (size_t i = 0; out == 0; i++) {
		const char *name;
		MDB_dbi *dbi = rebuilt(s, i, &name);
		MDB_cursor *c;
		MDB_val k, v;

		if (dbi == NULL)
			break;
		if ((rc = mdb_cursor_open(txn, *dbi, &c)) != 0) {
			out = store_lmdb_err(rc);
			break;
		}
		for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
		    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
			if ((out = fn(ctx, name, k.mv_data, k.mv_size, v.mv_data, v.mv_size)) != 0)
				break;
		mdb_cursor_close(c);
		if (out == 0 && rc != MDB_NOTFOUND)
			out = store_lmdb_err(rc);
	}
	mdb_txn_abort(txn);
	return out;
}
