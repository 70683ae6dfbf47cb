/* lists.c: the `lists` database (spec/model.md section 9): for the refs of
 * a listed tag (store_listed), the log positions of their events, in
 * ascending order, packed LISTS_CHUNK to an entry:
 *
 *     ref(32) || tag(1) || u64be(first lseq)  ->  u64be(lseq) x 1..LISTS_CHUNK
 *
 * A list only grows at its end (a new event's lseq is above every held
 * one's): its last entry is filled up to LISTS_CHUNK before a new one
 * starts, so the entries are a function of the list alone, however the
 * write transactions cut it, and a rebuild gives the same bytes. Reading
 * a million ballots' positions is then about 4,000 entries, already in
 * log order, instead of a million `refs` entries and a sort. */
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "store/store_int.h"

#define CHUNK_BYTES (LISTS_CHUNK * 8)
#define LIST_ENT (LISTS_KEY + 8)	/* a gathered entry: key || u64be(lseq) */

static int ent_order(const void *a, const void *b)
{
	return memcmp(a, b, LIST_ENT);
}

/* The last entry of list key in c: *found = 0 when it has none. On
 * success with *found, k and v are that entry. */
static int last_chunk(MDB_cursor *c, const uint8_t key[static LISTS_KEY], MDB_val *k,
    MDB_val *v, int *found)
{
	uint8_t probe[LISTS_KEY + 8];
	int rc;

	*found = 0;
	memcpy(probe, key, LISTS_KEY);
	memset(probe + LISTS_KEY, 0xff, 8);	/* above every chunk of the list */
	*k = store_mv(probe, sizeof probe);
	rc = mdb_cursor_get(c, k, v, MDB_SET_RANGE);
	if (rc == 0)
		rc = mdb_cursor_get(c, k, v, MDB_PREV);
	else if (rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(c, k, v, MDB_LAST);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return store_lmdb_err(rc);
	if (k->mv_size != LISTS_KEY + 8 || memcmp(k->mv_data, key, LISTS_KEY) != 0)
		return 0;
	if (v->mv_size == 0 || v->mv_size % 8 != 0 || v->mv_size > CHUNK_BYTES)
		return WIEC_ERR_CORRUPT;
	*found = 1;
	return 0;
}

/* Appends the ascending lseqs ls[0..n) to list key. */
static int append(MDB_txn *txn, MDB_dbi dbi, MDB_cursor *c, const uint8_t key[static LISTS_KEY],
    const uint64_t *ls, size_t n)
{
	uint8_t ck[LISTS_KEY + 8], buf[CHUNK_BYTES];
	size_t have = 0, i = 0;
	MDB_val k, v;
	int rc, found;

	if ((rc = last_chunk(c, key, &k, &v, &found)) != 0)
		return rc;
	if (found) {
		have = v.mv_size / 8;
		if (ls[0] <= hash_get_be64((const uint8_t *)v.mv_data + v.mv_size - 8))
			return WIEC_ERR_CORRUPT;	/* not above the list: never by ingest */
		memcpy(ck, k.mv_data, sizeof ck);
		memcpy(buf, v.mv_data, v.mv_size);	/* v is in the map: copy first */
		if (have == LISTS_CHUNK)
			have = 0;
	}
	while (i < n) {
		if (have == 0) {
			memcpy(ck, key, LISTS_KEY);
			hash_put_be64(ck + LISTS_KEY, ls[i]);
		}
		for (; i < n && have < LISTS_CHUNK; i++)
			hash_put_be64(buf + 8 * have++, ls[i]);
		k = store_mv(ck, sizeof ck);
		v = store_mv(buf, have * 8);
		if ((rc = mdb_put(txn, dbi, &k, &v, 0)) != 0)
			return store_lmdb_err(rc);
		have = 0;
	}
	return 0;
}

int store_lists_add(wtx_t *w, const uint8_t (*refs)[REFS_ENT], size_t n)
{
	uint8_t (*e)[LIST_ENT] = NULL;
	uint64_t *ls = NULL;
	size_t m = 0;
	MDB_cursor *c = NULL;
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		m += store_listed(refs[i][HASH_BYTES]);
	if (m == 0)
		return 0;
	if ((e = malloc(m * sizeof *e)) == NULL || (ls = malloc(m * sizeof *ls)) == NULL) {
		rc = WIEC_ERR_NOMEM;
		goto out;
	}
	m = 0;
	for (size_t i = 0; i < n; i++)
		if (store_listed(refs[i][HASH_BYTES])) {
			memcpy(e[m], refs[i], LISTS_KEY);
			memcpy(e[m++] + LISTS_KEY, refs[i] + REFS_KEY, 8);
		}
	qsort(e, m, LIST_ENT, ent_order);
	if ((rc = mdb_cursor_open(w->txn, w->s->lists, &c)) != 0) {
		rc = store_lmdb_err(rc);
		c = NULL;
		goto out;
	}
	for (size_t i = 0; i < m && rc == 0;) {
		size_t j = i, nl = 0;

		for (; j < m && memcmp(e[j], e[i], LISTS_KEY) == 0; j++) {
			uint64_t l = hash_get_be64(e[j] + LISTS_KEY);

			if (nl == 0 || l != ls[nl - 1])	/* one event naming the ref twice */
				ls[nl++] = l;
		}
		rc = append(w->txn, w->s->lists, c, e[i], ls, nl);
		i = j;
	}
out:
	if (c != NULL)
		mdb_cursor_close(c);
	free(e);
	free(ls);
	return rc;
}

/* A damaged entry (first position first) of list key, named. */
static int damaged(store_t *s, const uint8_t key[static LISTS_KEY], const uint8_t *first,
    const char *what)
{
	char hex[HASH_HEX_BYTES];

	hash_hex(hex, key, HASH_BYTES);
	return store_damaged(s, "lists index", NULL, "the list of %s (tag %c), entry at %llu: %s",
	    hex, key[HASH_BYTES], (unsigned long long)hash_get_be64(first), what);
}

int store_lists_walk(store_t *s, MDB_txn *txn, const uint8_t key[static LISTS_KEY],
    store_lseq_fn fn, void *arg)
{
	uint8_t start[LISTS_KEY + 8];
	uint64_t prev = 0, ls[LISTS_CHUNK];
	MDB_cursor *c;
	MDB_val k, v;
	int rc, r = 0;

	if ((rc = mdb_cursor_open(txn, s->lists, &c)) != 0)
		return store_lmdb_err(rc);
	memcpy(start, key, LISTS_KEY);
	memset(start + LISTS_KEY, 0, 8);
	k = store_mv(start, sizeof start);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0 && r == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *p = v.mv_data;

		if (k.mv_size != LISTS_KEY + 8 || memcmp(k.mv_data, key, LISTS_KEY) != 0)
			break;
		/* Every position above the one before it, the first the key's. */
		if (v.mv_size == 0 || v.mv_size % 8 != 0 || v.mv_size > CHUNK_BYTES ||
		    memcmp(p, (const uint8_t *)k.mv_data + LISTS_KEY, 8) != 0) {
			r = damaged(s, key, (const uint8_t *)k.mv_data + LISTS_KEY,
			    "malformed or not the key's first position");
			break;
		}
		for (size_t i = 0; i < v.mv_size / 8; i++) {
			if ((ls[i] = hash_get_be64(p + 8 * i)) <= prev) {
				r = damaged(s, key, (const uint8_t *)k.mv_data + LISTS_KEY,
				    "positions out of order");
				break;
			}
			prev = ls[i];
		}
		if (r == 0)
			r = fn(arg, ls, v.mv_size / 8);
	}
	mdb_cursor_close(c);
	if (r != 0)
		return r;
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_lmdb_err(rc);
}
