/* verifyidx.c: the model's indexes re-checked against the log, for
 * store_verify: `refs` values, `lists` against `refs`, the shape of
 * `search` (spec/model.md section 9, spec/search.md section 6). A damaged
 * index is refused where it is read; this finds it before that, and
 * `wiec reindex` rebuilds it. */
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "model/model.h"
#include "proto/event.h"
#include "store/store_int.h"

typedef struct group {
	uint8_t key[LISTS_KEY];	/* ref || tag of a listed tag */
	uint64_t *ls;		/* its refs' lseqs */
	size_t n, cap;
	size_t at, chunks;	/* while walking the list: next index, entries seen */
	int short_before;	/* an entry short of LISTS_CHUNK before the last */
} group_t;

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* One entry of the list: the next positions of the group, in order. */
static int match_chunk(void *arg, const uint64_t *ls, size_t n)
{
	group_t *g = arg;

	if (g->chunks > 0 && g->short_before == 0 && g->at % LISTS_CHUNK != 0)
		g->short_before = 1;
	g->chunks++;
	if (n > g->n - g->at || memcmp(ls, g->ls + g->at, n * sizeof *ls) != 0)
		return WIEC_ERR_CORRUPT;
	g->at += n;
	return 0;
}

/* The list of g's key holds exactly g's positions, in full entries but
 * the last. */
static int check_group(store_t *s, MDB_txn *txn, group_t *g)
{
	int rc;

	if (g->n > 1)
		qsort(g->ls, g->n, sizeof *g->ls, u64_cmp);
	g->at = g->chunks = 0;
	g->short_before = 0;
	rc = store_lists_walk(s, txn, g->key, match_chunk, g);
	if (rc == 0 && (g->at != g->n || g->short_before))
		rc = WIEC_ERR_CORRUPT;
	g->n = 0;
	return rc;
}

/* Positions in `lists`, all entries. */
static int lists_total(store_t *s, MDB_txn *txn, uint64_t *total)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	*total = 0;
	if ((rc = mdb_cursor_open(txn, s->lists, &c)) != 0)
		return store_lmdb_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
		*total += v.mv_size / 8;
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : store_lmdb_err(rc);
}

/* Every logged event has each of its refs entries (model_refs), naming
 * its position: a damaged key (another ref or tag) is missing here, though
 * its value still names the right event. *n counts the entries. */
static int refs_complete(store_t *s, MDB_txn *txn, uint64_t *n, uint8_t bad[static HASH_BYTES])
{
	MDB_cursor *log;
	MDB_val k, v;
	int rc;

	*n = 0;
	if ((rc = mdb_cursor_open(txn, s->log, &log)) != 0)
		return store_lmdb_err(rc);
	for (rc = mdb_cursor_get(log, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(log, &k, &v, MDB_NEXT)) {
		model_ref_t r[MODEL_REF_MAX];
		uint8_t key[REFS_KEY], id[HASH_BYTES];
		size_t nr;
		ev_t ev;

		if (k.mv_size != 8 || v.mv_size <= HASH_BYTES) {
			rc = WIEC_ERR_CORRUPT;
			break;
		}
		memcpy(id, v.mv_data, HASH_BYTES);
		if (ev_decode(&ev, (const uint8_t *)v.mv_data + HASH_BYTES,
		    v.mv_size - HASH_BYTES) != 0) {
			memcpy(bad, id, HASH_BYTES);
			rc = WIEC_ERR_CORRUPT;
			break;
		}
		nr = model_refs(ev.body, r);
		ev_free(&ev);
		for (size_t i = 0; i < nr; i++) {
			MDB_val rk = store_mv(key, REFS_KEY), rv;

			memcpy(key, r[i].ref, HASH_BYTES);
			key[HASH_BYTES] = r[i].tag;
			memcpy(key + HASH_BYTES + 1, id, HASH_BYTES);
			if ((rc = mdb_get(txn, s->refs, &rk, &rv)) == MDB_NOTFOUND ||
			    (rc == 0 && (rv.mv_size != 8 || memcmp(rv.mv_data, k.mv_data, 8) != 0))) {
				memcpy(bad, id, HASH_BYTES);
				rc = WIEC_ERR_CORRUPT;
				break;
			}
			if (rc != 0)
				break;
			(*n)++;
		}
		if (rc != 0)
			break;
	}
	mdb_cursor_close(log);
	return rc == MDB_NOTFOUND ? 0 : rc == WIEC_ERR_CORRUPT ? rc : store_lmdb_err(rc);
}

int store_verify_indexes(store_t *s, MDB_txn *txn, uint8_t bad[static HASH_BYTES],
    const char **why)
{
	group_t g = { .n = 0 };
	MDB_cursor *refs = NULL, *log = NULL;
	MDB_val k, v;
	uint64_t listed = 0, total, want, entries = 0;
	int rc;

	*why = NULL;
	if (s->no_model)
		return 0;	/* benchmarks' stores: no model indexes */
	if ((rc = refs_complete(s, txn, &want, bad)) != 0) {
		if (rc == WIEC_ERR_CORRUPT)
			*why = "refs index: an event's entry is missing or names another position";
		return rc;
	}
	if ((rc = mdb_cursor_open(txn, s->refs, &refs)) != 0 ||
	    (rc = mdb_cursor_open(txn, s->log, &log)) != 0) {
		rc = store_lmdb_err(rc);
		goto out;
	}
	for (rc = mdb_cursor_get(refs, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(refs, &k, &v, MDB_NEXT)) {
		const uint8_t *key = k.mv_data;
		uint8_t lkey[8];
		MDB_val lk, lv;
		uint64_t lseq;

		if (k.mv_size != REFS_KEY || v.mv_size != 8) {
			*why = "refs index: malformed entry";
			rc = WIEC_ERR_CORRUPT;
			goto out;
		}
		entries++;
		lseq = hash_get_be64(v.mv_data);
		hash_put_be64(lkey, lseq);
		lk = store_mv(lkey, 8);
		rc = mdb_cursor_get(log, &lk, &lv, MDB_SET_KEY);
		if (rc == MDB_NOTFOUND || (rc == 0 && (lv.mv_size <= HASH_BYTES ||
		    memcmp(lv.mv_data, key + HASH_BYTES + 1, HASH_BYTES) != 0))) {
			memcpy(bad, key + HASH_BYTES + 1, HASH_BYTES);
			*why = "refs index: the entry names another log position";
			rc = WIEC_ERR_CORRUPT;
			goto out;
		}
		if (rc != 0) {
			rc = store_lmdb_err(rc);
			goto out;
		}
		if (!store_listed(key[HASH_BYTES]))
			continue;
		/* A listed tag: gather the group's positions, check at its end. */
		if (g.n > 0 && memcmp(g.key, key, LISTS_KEY) != 0 &&
		    (rc = check_group(s, txn, &g)) != 0)
			goto lists_bad;
		memcpy(g.key, key, LISTS_KEY);
		if (mem_grow((void **)&g.ls, &g.cap, g.n + 1, sizeof *g.ls) != 0) {
			rc = WIEC_ERR_NOMEM;
			goto out;
		}
		g.ls[g.n++] = lseq;
		listed++;
	}
	if (rc != MDB_NOTFOUND) {
		rc = store_lmdb_err(rc);
		goto out;
	}
	if (entries != want) {
		*why = "refs index: entries no logged event has";
		rc = WIEC_ERR_CORRUPT;
		goto out;
	}
	if (g.n > 0 && (rc = check_group(s, txn, &g)) != 0)
		goto lists_bad;
	/* Every group of refs matched: no list may hold more. */
	if ((rc = lists_total(s, txn, &total)) != 0)
		goto out;
	if (total != listed) {
		rc = WIEC_ERR_CORRUPT;
		goto lists_bad;
	}
	rc = store_search_check(s, txn, why);
	goto out;
lists_bad:
	if (rc == WIEC_ERR_CORRUPT)
		*why = "lists index: not the positions of its refs, in full entries";
out:
	if (refs != NULL)
		mdb_cursor_close(refs);
	if (log != NULL)
		mdb_cursor_close(log);
	free(g.ls);
	return rc;
}
