/* The `lists` database (store/lists.c, spec/model.md section 9): the log
 * positions of a process's ballots, packed 240 to an entry, the same
 * bytes however the write transactions cut them, read back in full by the
 * store view's scan(), and damage refused. */
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "crypto/key.h"
#include "proto/event.h"
#include "tests/unit/fixtures.h"
#include "tests/unit/test.h"

#define NV 600			/* 240 + 240 + 120 */
#define CHUNK 240

static const uint8_t proc_id[HASH_BYTES] = { 0x70, 0x72, 0x6f, 0x63 };
static const uint8_t poll_id[HASH_BYTES] = { 0x70, 0x6f, 0x6c, 0x6c };
static const uint8_t proj_id[HASH_BYTES] = { 0x70, 0x72, 0x6a };

/* NV ballots of process proc_id, each by its own resident key, seq 1. */
static int make_votes(fx_ev_t *out, const uint8_t network[static HASH_BYTES])
{
	for (size_t i = 0; i < NV; i++) {
		Wiec__Body b = WIEC__BODY__INIT;
		Wiec__Vote v = WIEC__VOTE__INIT;
		Wiec__Choice c = WIEC__CHOICE__INIT, *cp = &c;
		uint8_t seed[32] = { 0x4c, 0x49, 0x53, 0x54 };
		key_pair_t kp;
		int rc;

		seed[30] = (uint8_t)(i >> 8);
		seed[31] = (uint8_t)i;
		if ((rc = key_from_seed(&kp, seed)) != 0)
			return rc;
		c.project.data = (uint8_t *)proj_id;
		c.project.len = HASH_BYTES;
		v.process.data = (uint8_t *)proc_id;
		v.process.len = HASH_BYTES;
		v.poll.data = (uint8_t *)poll_id;
		v.poll.len = HASH_BYTES;
		v.unit = (char *)"";
		v.choices = &cp;
		v.n_choices = 1;
		b.network.data = (uint8_t *)network;
		b.network.len = HASH_BYTES;
		b.author.data = kp.pk;
		b.author.len = KEY_PK_BYTES;
		b.seq = 1;
		b.timestamp = FX_TS + i;
		b.content_case = WIEC__BODY__CONTENT_VOTE;
		b.vote = &v;
		memset(&out[i], 0, sizeof out[i]);
		rc = ev_build(&out[i].env, &out[i].len, &kp, &b);
		key_wipe(&kp);
		if (rc != 0)
			return rc;
		hash_2(out[i].id, out[i].env, out[i].len, NULL, 0);
	}
	return 0;
}

typedef struct dump {
	uint8_t *buf;
	size_t len, cap, entries;
	size_t sizes[8];
} dump_t;

static int dump_lists(void *ctx, const char *db, const void *k, size_t klen, const void *v,
    size_t vlen)
{
	dump_t *d = ctx;

	if (strcmp(db, "lists") != 0)
		return 0;
	if (d->len + klen + vlen + 2 > d->cap) {
		size_t cap = 2 * (d->len + klen + vlen + 2);
		uint8_t *b = realloc(d->buf, cap);

		if (b == NULL)
			return WIEC_ERR_NOMEM;
		d->buf = b;
		d->cap = cap;
	}
	d->buf[d->len++] = (uint8_t)klen;
	memcpy(d->buf + d->len, k, klen);
	d->len += klen;
	d->buf[d->len++] = (uint8_t)(vlen / 8);
	memcpy(d->buf + d->len, v, vlen);
	d->len += vlen;
	if (d->entries < 8)
		d->sizes[d->entries] = vlen;
	d->entries++;
	return 0;
}

typedef struct seen {
	uint8_t ids[NV][HASH_BYTES];
	size_t n;
	int overflow;
} seen_t;

static int seen_cb(void *arg, const uint8_t id[static HASH_BYTES], const uint8_t *body, size_t len)
{
	seen_t *s = arg;

	(void)body;
	(void)len;
	if (s->n == NV) {
		s->overflow = 1;
		return 0;
	}
	memcpy(s->ids[s->n++], id, HASH_BYTES);
	return 0;
}

static int id_order(const void *a, const void *b)
{
	return memcmp(a, b, HASH_BYTES);
}

/* Every ballot exactly once through scan(); rc is scan()'s result. */
static int scan_all(store_t *s, seen_t *seen, const fx_ev_t *evs)
{
	uint8_t want[NV][HASH_BYTES];
	store_view_t *sv = NULL;
	model_view_t v;
	int rc;

	memset(seen, 0, sizeof *seen);
	if ((rc = store_view_begin(s, &sv, &v)) != 0)
		return rc;
	rc = v.scan == NULL ? WIEC_ERR_ARG : v.scan(v.ctx, proc_id, MREF_BALLOT, seen_cb, seen);
	store_view_end(&sv);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < NV; i++)
		memcpy(want[i], evs[i].id, HASH_BYTES);
	qsort(want, NV, HASH_BYTES, id_order);
	qsort(seen->ids, seen->n, HASH_BYTES, id_order);
	return seen->overflow || seen->n != NV || memcmp(want, seen->ids, sizeof want) != 0;
}

static int ingest_in(store_t *s, const fx_ev_t *evs, size_t batch)
{
	int res[NV];

	for (size_t i = 0; i < NV; i += batch) {
		size_t n = NV - i < batch ? NV - i : batch;
		int rc = fx_ingest(s, evs + i, n, res, NULL);

		if (rc != 0)
			return rc;
		for (size_t j = 0; j < n; j++)
			if (res[j] != STORE_ADDED)
				return res[j] < 0 ? res[j] : WIEC_ERR_CORRUPT;
	}
	return 0;
}

TEST(lists_same_bytes_whatever_the_commits)
{
	static fx_ev_t evs[NV];
	uint8_t network[HASH_BYTES];
	store_t *a = NULL, *b = NULL;
	dump_t da = { 0 }, db = { 0 }, dr = { 0 };
	seen_t *seen = malloc(sizeof *seen);

	CHECK(seen != NULL);
	fx_network(network);
	CHECK(make_votes(evs, network) == 0);
	CHECK(fx_store(&a, TEST_TMP, "a", FX_MAP) == 0);
	CHECK(fx_store(&b, TEST_TMP, "b", FX_MAP) == 0);
	CHECK(ingest_in(a, evs, NV) == 0);		/* one transaction */
	CHECK(ingest_in(b, evs, 7) == 0);		/* 86 transactions */
	CHECK(store_dump_derived(a, dump_lists, &da) == 0);
	CHECK(store_dump_derived(b, dump_lists, &db) == 0);
	CHECK_EQ_U64(da.entries, 3);
	CHECK_EQ_U64(da.sizes[0], CHUNK * 8);
	CHECK_EQ_U64(da.sizes[1], CHUNK * 8);
	CHECK_EQ_U64(da.sizes[2], (NV - 2 * CHUNK) * 8);
	CHECK(da.len == db.len && memcmp(da.buf, db.buf, da.len) == 0);
	CHECK(store_reindex(b) == 0);
	CHECK(store_dump_derived(b, dump_lists, &dr) == 0);
	CHECK(dr.len == db.len && memcmp(dr.buf, db.buf, db.len) == 0);
	CHECK(scan_all(a, seen, evs) == 0);
	CHECK(scan_all(b, seen, evs) == 0);
	store_close(&a);
	store_close(&b);
	free(da.buf);
	free(db.buf);
	free(dr.buf);
	free(seen);
	fx_free(evs, NV);
}

TEST(lists_scan_only_listed_tags)
{
	static fx_ev_t evs[NV];
	uint8_t network[HASH_BYTES];
	store_t *s = NULL;
	store_view_t *sv = NULL;
	model_view_t v;
	seen_t *seen = malloc(sizeof *seen);

	CHECK(seen != NULL);
	fx_network(network);
	CHECK(make_votes(evs, network) == 0);
	CHECK(fx_store(&s, TEST_TMP, "s", FX_MAP) == 0);
	CHECK(ingest_in(s, evs, 100) == 0);
	CHECK(store_view_begin(s, &sv, &v) == 0);
	CHECK(v.scan != NULL);
	CHECK(v.scan(v.ctx, proc_id, MREF_IDEA, seen_cb, seen) == WIEC_ERR_ARG);
	memset(seen, 0, sizeof *seen);
	CHECK(v.scan(v.ctx, poll_id, MREF_BALLOT, seen_cb, seen) == 0);	/* no such list */
	CHECK_EQ_U64(seen->n, 0);
	store_view_end(&sv);
	store_close(&s);
	free(seen);
	fx_free(evs, NV);
}

static int put_list(MDB_txn *txn, uint64_t first, const uint64_t *ls, size_t n, size_t vlen)
{
	uint8_t key[HASH_BYTES + 9], val[CHUNK * 8];
	MDB_dbi dbi;
	MDB_val k = { sizeof key, key }, v = { vlen, val };
	int rc;

	if ((rc = mdb_dbi_open(txn, "lists", 0, &dbi)) != 0 || (rc = mdb_drop(txn, dbi, 0)) != 0)
		return rc;
	memcpy(key, proc_id, HASH_BYTES);
	key[HASH_BYTES] = MREF_BALLOT;
	hash_put_be64(key + HASH_BYTES + 1, first);
	memset(val, 0, sizeof val);
	for (size_t i = 0; i < n; i++)
		hash_put_be64(val + 8 * i, ls[i]);
	return mdb_put(txn, dbi, &k, &v, 0);
}

static int bad_size(MDB_txn *txn, void *arg)
{
	uint64_t ls[1] = { 2 };

	(void)arg;
	return put_list(txn, 2, ls, 1, 7);
}

static int bad_order(MDB_txn *txn, void *arg)
{
	uint64_t ls[3] = { 2, 5, 4 };

	(void)arg;
	return put_list(txn, 2, ls, 3, 24);
}

static int bad_first(MDB_txn *txn, void *arg)
{
	uint64_t ls[2] = { 3, 4 };

	(void)arg;
	return put_list(txn, 2, ls, 2, 16);
}

static int missing_event(MDB_txn *txn, void *arg)
{
	uint64_t ls[2] = { 2, 100000 };

	(void)arg;
	return put_list(txn, 2, ls, 2, 16);
}

static int old_model(MDB_txn *txn, void *arg)
{
	uint8_t six[4] = { 0, 0, 0, 6 };
	MDB_dbi lists, meta;
	MDB_val k = { 5, "model" }, v = { 4, six };
	int rc;

	(void)arg;
	if ((rc = mdb_dbi_open(txn, "lists", 0, &lists)) != 0 ||
	    (rc = mdb_drop(txn, lists, 1)) != 0 ||
	    (rc = mdb_dbi_open(txn, "meta", 0, &meta)) != 0)
		return rc;
	return mdb_put(txn, meta, &k, &v, 0);
}

static int refs_moved(MDB_txn *txn, void *arg)	/* a refs value names another position */
{
	MDB_dbi dbi;
	MDB_cursor *c;
	MDB_val k, v;
	uint8_t val[8];
	int rc;

	(void)arg;
	if ((rc = mdb_dbi_open(txn, "refs", 0, &dbi)) != 0 ||
	    (rc = mdb_cursor_open(txn, dbi, &c)) != 0)
		return rc;
	if ((rc = mdb_cursor_get(c, &k, &v, MDB_LAST)) == 0 && v.mv_size == 8) {
		hash_put_be64(val, hash_get_be64(v.mv_data) - 1);
		v = (MDB_val){ 8, val };
		rc = mdb_cursor_put(c, &k, &v, MDB_CURRENT);
	}
	mdb_cursor_close(c);
	return rc;
}

/* A damaged list is an error, never a silently short recount; `wiec
 * verify` finds it (and a refs value naming another event) first. */
TEST(lists_damage_refused)
{
	static fx_ev_t evs[NV];
	int (*const damage[])(MDB_txn *, void *) = { bad_size, bad_order, bad_first, missing_event };
	uint8_t network[HASH_BYTES], bad[HASH_BYTES];
	char why[160];
	seen_t *seen = malloc(sizeof *seen);

	CHECK(seen != NULL);
	fx_network(network);
	CHECK(make_votes(evs, network) == 0);
	for (size_t i = 0; i < sizeof damage / sizeof damage[0]; i++) {
		char name[16];
		store_t *s = NULL;

		snprintf(name, sizeof name, "d%zu", i);
		CHECK(fx_store(&s, TEST_TMP, name, FX_MAP) == 0);
		CHECK(ingest_in(s, evs, NV) == 0);
		CHECK(store_verify(s, bad, why, sizeof why) == 0);
		store_close(&s);
		CHECK(fx_raw_edit(TEST_TMP, name, damage[i], NULL) == 0);
		{
			char path[512];

			snprintf(path, sizeof path, "%s/%s", TEST_TMP, name);
			CHECK(store_open(&s, path, FX_MAP, 0) == 0);
		}
		CHECK(scan_all(s, seen, evs) == WIEC_ERR_CORRUPT);
		CHECK(store_verify(s, bad, why, sizeof why) == WIEC_ERR_CORRUPT);
		CHECK(strstr(why, "lists index") != NULL);
		store_close(&s);
	}
	{
		store_t *s = NULL;
		char path[512];

		CHECK(fx_store(&s, TEST_TMP, "refs", FX_MAP) == 0);
		CHECK(ingest_in(s, evs, NV) == 0);
		store_close(&s);
		CHECK(fx_raw_edit(TEST_TMP, "refs", refs_moved, NULL) == 0);
		snprintf(path, sizeof path, "%s/refs", TEST_TMP);
		CHECK(store_open(&s, path, FX_MAP, STORE_OPEN_RDONLY) == 0);
		CHECK(store_verify(s, bad, why, sizeof why) == WIEC_ERR_CORRUPT);
		CHECK(strstr(why, "refs index") != NULL);
		store_close(&s);
	}
	free(seen);
	fx_free(evs, NV);
}

/* A store of model 6 (no `lists`): read-only, the model is not read from
 * its older indexes (WIEC_ERR_STALE: an older refs index may lack whole
 * tags) but the held events are; opened writable, it is rebuilt and scans
 * again. */
TEST(lists_older_store)
{
	static fx_ev_t evs[NV];
	uint8_t network[HASH_BYTES];
	char path[512];
	store_t *s = NULL;
	store_view_t *sv = NULL;
	model_view_t v;
	seen_t *seen = malloc(sizeof *seen);

	CHECK(seen != NULL);
	fx_network(network);
	CHECK(make_votes(evs, network) == 0);
	CHECK(fx_store(&s, TEST_TMP, "old", FX_MAP) == 0);
	CHECK(ingest_in(s, evs, 50) == 0);
	store_close(&s);
	CHECK(fx_raw_edit(TEST_TMP, "old", old_model, NULL) == 0);
	snprintf(path, sizeof path, "%s/old", TEST_TMP);
	CHECK(store_open(&s, path, FX_MAP, STORE_OPEN_RDONLY) == 0);
	CHECK(store_stale(s) == 1);
	CHECK(store_view_begin(s, &sv, &v) == WIEC_ERR_STALE);
	CHECK(sv == NULL);
	{
		uint8_t *env = NULL;
		size_t len;

		CHECK(store_get(s, evs[0].id, &env, &len) == 0);
		free(env);
	}
	store_close(&s);
	CHECK(store_open(&s, path, FX_MAP, 0) == 0);
	CHECK(store_stale(s) == 0);
	CHECK(scan_all(s, seen, evs) == 0);
	store_close(&s);
	free(seen);
	fx_free(evs, NV);
}
