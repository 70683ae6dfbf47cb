/* test_store.c: the LMDB event log (store/store.h): persistence, the chain
 * rules, out-of-order arrival, equivocation and convergence, bounds,
 * verification of a damaged file, and a full map. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto/err.h"
#include "store/store.h"
#include "tests/unit/fixtures.h"
#include "tests/unit/test.h"

#define MAX_HEADS 16

typedef struct heads {
	size_t n;
	store_head_t h[MAX_HEADS];
} heads_t;

static int collect_head(void *ctx, const store_head_t *h)
{
	heads_t *hs = ctx;

	if (hs->n == MAX_HEADS)
		return -999;
	hs->h[hs->n++] = *h;
	return 0;
}

/* Everything a node exposes about its log, for comparing two stores. */
typedef struct snap {
	store_stats_t st;
	heads_t heads;
} snap_t;

static int snap(store_t *s, snap_t *sn)
{
	int rc;

	memset(sn, 0, sizeof *sn);
	if ((rc = store_stats(s, &sn->st)) != 0)
		return rc;
	return store_scan_heads(s, collect_head, &sn->heads);
}

static int snap_equal(const snap_t *a, const snap_t *b)
{
	return a->st.events == b->st.events && a->st.authors == b->st.authors &&
	    a->st.pending == b->st.pending && a->st.forks == b->st.forks &&
	    memcmp(a->st.digest, b->st.digest, HASH_BYTES) == 0 &&
	    a->heads.n == b->heads.n &&
	    memcmp(a->heads.h, b->heads.h, a->heads.n * sizeof a->heads.h[0]) == 0;
}

static void snap_print(const char *what, const snap_t *s)
{
	char hex[HASH_HEX_BYTES];

	hash_hex(hex, s->st.digest, HASH_BYTES);
	fprintf(stderr, "  %s: events %llu authors %llu pending %llu forks %llu digest %.16s\n",
	    what, (unsigned long long)s->st.events, (unsigned long long)s->st.authors,
	    (unsigned long long)s->st.pending, (unsigned long long)s->st.forks, hex);
}

static int verify_ok(store_t *s)
{
	uint8_t bad[HASH_BYTES];
	char why[256];
	int rc = store_verify(s, bad, why, sizeof why);

	if (rc != 0)
		fprintf(stderr, "  store_verify: %s (%s)\n", wiec_strerror(rc), why);
	return rc;
}

/* Ingests evs[idx[0..n)] (already checked) as one batch. */
static int ingest_idx(store_t *s, const ev_t *all, const size_t *idx, size_t n, int *res,
    size_t *added)
{
	ev_t *b = malloc((n ? n : 1) * sizeof *b);
	int rc;

	if (b == NULL)
		return WIEC_ERR_NOMEM;
	for (size_t i = 0; i < n; i++)
		b[i] = all[idx[i]];
	rc = store_ingest(s, b, n, res, added);
	free(b);
	return rc;
}

/* ev_check every built event against the fixture network. */
static int check_all(ev_t *out, const fx_ev_t *evs, size_t n)
{
	uint8_t net[HASH_BYTES];

	fx_network(net);
	for (size_t i = 0; i < n; i++)
		if (ev_check(&out[i], evs[i].env, evs[i].len, net) != 0)
			return -1;
	return 0;
}

static void free_all(ev_t *evs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ev_free(&evs[i]);
}

static void shuffle(size_t *v, size_t n, unsigned long long *seed)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = test_rand(seed) % i, t = v[i - 1];

		v[i - 1] = v[j];
		v[j] = t;
	}
}

/* ---- opening, genesis, persistence ---- */

TEST(store_open_missing)
{
	char path[512];
	store_t *s = (store_t *)&s;

	snprintf(path, sizeof path, "%s/nothing", TEST_TMP);
	CHECK(store_open(&s, path, FX_MAP, 0) == WIEC_ERR_NOSTORE && s == NULL);
	/* Not created by the failed open. */
	CHECK(access(path, F_OK) != 0);
	/* An empty directory is not a store either. */
	CHECK(mkdir(path, 0700) == 0);
	CHECK(store_open(&s, path, FX_MAP, 0) == WIEC_ERR_NOSTORE && s == NULL);
	CHECK(access(path, F_OK) == 0);
	/* A regular file is not a store directory. */
	snprintf(path, sizeof path, "%s/file", TEST_TMP);
	CHECK(fx_write_file(path, "x", 1, 0600) == 0);
	CHECK(store_open(&s, path, FX_MAP, 0) == WIEC_ERR_NOSTORE);
	CHECK(store_open(&s, path, FX_MAP, 1) == WIEC_ERR_NOSTORE);
	store_close(&s);	/* NULL: nothing to do */
	store_close(NULL);
}

TEST(store_open_garbage_file)
{
	char path[512], data[600];
	uint8_t junk[16384];
	store_t *s = NULL;
	unsigned long long seed = 42;

	snprintf(path, sizeof path, "%s/s", TEST_TMP);
	CHECK(mkdir(path, 0700) == 0);
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (uint8_t)test_rand(&seed);
	snprintf(data, sizeof data, "%s/data.mdb", path);
	CHECK(fx_write_file(data, junk, sizeof junk, 0600) == 0);
	CHECK(store_open(&s, path, FX_MAP, 0) == WIEC_ERR_CORRUPT && s == NULL);
	CHECK(store_open(&s, path, FX_MAP, 1) == WIEC_ERR_CORRUPT && s == NULL);
}

TEST(store_genesis_once_and_persistence)
{
	char path[512];
	uint8_t *g, *got, net[HASH_BYTES], n2[HASH_BYTES], other[HASH_BYTES], *env;
	size_t glen, gotlen, elen;
	store_t *s;
	snap_t before, after;
	fx_ev_t evs[6];
	int res[6];
	key_pair_t kp;

	snprintf(path, sizeof path, "%s/s", TEST_TMP);
	CHECK(store_open(&s, path, FX_MAP, 1) == 0);
	CHECK(store_network(s, n2) == WIEC_ERR_NOSTORE);
	CHECK(store_genesis(s, &got, &gotlen) == WIEC_ERR_NOSTORE);
	CHECK(fx_genesis(&g, &glen, net) == 0);
	/* replace on an empty store may swap the genesis (wiec init, then join). */
	memset(other, 0x99, sizeof other);
	CHECK(store_set_genesis(s, (const uint8_t *)"other", 5, other, 0) == 0);
	CHECK(store_set_genesis(s, g, glen, net, 0) == WIEC_ERR_EXISTS);
	/* a network id that is not its genesis's hash is damage */
	CHECK(store_network(s, n2) == WIEC_ERR_CORRUPT);
	CHECK(store_set_genesis(s, g, glen, net, 1) == 0);
	CHECK(store_network(s, n2) == 0 && memcmp(n2, net, HASH_BYTES) == 0);
	CHECK(store_genesis(s, &got, &gotlen) == 0);
	CHECK(gotlen == glen && memcmp(got, g, glen) == 0);
	free(got);

	fx_key(&kp, 0x01);
	CHECK(fx_chain(evs, &kp, net, 1, NULL, 6, "persist") == 0);
	CHECK(fx_ingest(s, evs, 6, res, NULL) == 0);
	for (int i = 0; i < 6; i++)
		CHECK(res[i] == STORE_ADDED);
	/* With events held, the genesis can no longer change. */
	CHECK(store_set_genesis(s, (const uint8_t *)"other", 5, other, 1) == WIEC_ERR_EXISTS);
	CHECK(store_set_genesis(s, g, glen, net, 0) == WIEC_ERR_EXISTS);
	CHECK(snap(s, &before) == 0);
	store_close(&s);
	CHECK(s == NULL);

	CHECK(store_open(&s, path, FX_MAP, 0) == 0);
	CHECK(snap(s, &after) == 0);
	CHECK(snap_equal(&before, &after));
	CHECK_EQ_U64(after.st.events, 6);
	CHECK(store_network(s, n2) == 0 && memcmp(n2, net, HASH_BYTES) == 0);
	CHECK(store_genesis(s, &got, &gotlen) == 0);
	CHECK(gotlen == glen && memcmp(got, g, glen) == 0);
	free(got);
	for (int i = 0; i < 6; i++) {
		CHECK(store_get(s, evs[i].id, &env, &elen) == 0);
		CHECK(elen == evs[i].len && memcmp(env, evs[i].env, elen) == 0);
		free(env);
	}
	CHECK(store_get(s, other, &env, &elen) == WIEC_ERR_NOTFOUND && env == NULL);
	CHECK(verify_ok(s) == 0);
	store_close(&s);
	free(g);
	fx_free(evs, 6);
}

/* ---- the chain rules ---- */

TEST(store_ingest_in_order_then_dup)
{
	uint8_t net[HASH_BYTES];
	fx_ev_t evs[15];
	int res[15];
	size_t added = 99;
	key_pair_t a, b;
	store_head_t h;
	snap_t s1, s2;
	store_t *s;

	fx_network(net);
	fx_key(&a, 0x01);
	fx_key(&b, 0x02);
	CHECK(fx_chain(evs, &a, net, 1, NULL, 10, "a") == 0);
	CHECK(fx_chain(evs + 10, &b, net, 1, NULL, 5, "b") == 0);
	CHECK(fx_store(&s, TEST_TMP, "s", FX_MAP) == 0);
	CHECK(store_head(s, a.pk, &h) == WIEC_ERR_NOTFOUND);
	CHECK(store_ingest(s, NULL, 0, res, &added) == 0 && added == 0);
	CHECK(fx_ingest(s, evs, 15, res, &added) == 0);
	CHECK_EQ_U64(added, 15);
	for (int i = 0; i < 15; i++)
		CHECK(res[i] == STORE_ADDED);
	CHECK(snap(s, &s1) == 0);
	CHECK_EQ_U64(s1.st.events, 15);
	CHECK_EQ_U64(s1.st.authors, 2);
	CHECK_EQ_U64(s1.st.pending, 0);
	CHECK_EQ_U64(s1.st.forks, 0);
	CHECK(store_head(s, a.pk, &h) == 0);
	CHECK(h.seq == 10 && !h.fork && memcmp(h.id, evs[9].id, HASH_BYTES) == 0);
	CHECK(memcmp(h.author, a.pk, KEY_PK_BYTES) == 0);
	CHECK(store_head(s, b.pk, &h) == 0);
	CHECK(h.seq == 5 && memcmp(h.id, evs[14].id, HASH_BYTES) == 0);
	/* Heads come ordered by author key. */
	CHECK(s1.heads.n == 2);
	CHECK(memcmp(s1.heads.h[0].author, s1.heads.h[1].author, KEY_PK_BYTES) < 0);

	/* The same events again, whole and one by one: DUP, nothing changes. */
	CHECK(fx_ingest(s, evs, 15, res, &added) == 0);
	CHECK_EQ_U64(added, 0);
	for (int i = 0; i < 15; i++)
		CHECK(res[i] == STORE_DUP);
	for (int i = 14; i >= 0; i--)
		CHECK(fx_ingest1(s, &evs[i]) == STORE_DUP);
	CHECK(snap(s, &s2) == 0);
	CHECK(snap_equal(&s1, &s2));
	/* The same event twice in one batch. */
	{
		fx_ev_t twice[2] = { evs[0], evs[0] };

		CHECK(fx_ingest(s, twice, 2, res, &added) == 0);
		CHECK(res[0] == STORE_DUP && res[1] == STORE_DUP && added == 0);
	}
	CHECK(verify_ok(s) == 0);
	store_close(&s);
	fx_free(evs, 15);
}

TEST(store_digest_depends_on_content)
{
	uint8_t net[HASH_BYTES];
	fx_ev_t evs[4];
	key_pair_t a;
	snap_t s0, s1, s2;
	store_t *x, *y;

	fx_network(net);
	fx_key(&a, 0x01);
	CHECK(fx_chain(evs, &a, net, 1, NULL, 4, "d") == 0);
	CHECK(fx_store(&x, TEST_TMP, "x", FX_MAP) == 0);
	CHECK(fx_store(&y, TEST_TMP, "y", FX_MAP) == 0);
	CHECK(snap(x, &s0) == 0);
	CHECK(fx_ingest1(x, &evs[0]) == STORE_ADDED);
	CHECK(snap(x, &s1) == 0);
	CHECK(memcmp(s0.st.digest, s1.st.digest, HASH_BYTES) != 0);
	CHECK(fx_ingest1(x, &evs[1]) == STORE_ADDED);
	CHECK(snap(x, &s2) == 0);
	CHECK(memcmp(s1.st.digest, s2.st.digest, HASH_BYTES) != 0);
	/* Another store with the same events, by another path: same digest. */
	CHECK(fx_ingest1(y, &evs[1]) == STORE_PENDING);
	CHECK(snap(y, &s1) == 0);
	CHECK(memcmp(s1.st.digest, s0.st.digest, HASH_BYTES) == 0);	/* pending: not held */
	CHECK(fx_ingest1(y, &evs[0]) == STORE_ADDED);
	CHECK(snap(y, &s1) == 0);
	CHECK(snap_equal(&s1, &s2));
	store_close(&x);
	store_close(&y);
	fx_free(evs, 4);
}

TEST(store_out_of_order_reverse)
{
	enum { N = 50 };
	uint8_t net[HASH_BYTES];
	fx_ev_t evs[N];
	key_pair_t a;
	store_stats_t st;
	store_head_t h;
	size_t added;
	int res;
	store_t *s;

	fx_network(net);
	fx_key(&a, 0x05);
	CHECK(fx_chain(evs, &a, net, 1, NULL, N, "rev") == 0);
	CHECK(fx_store(&s, TEST_TMP, "s", FX_MAP) == 0);
	for (int i = N - 1; i >= 1; i--) {
		CHECK(fx_ingest(s, &evs[i], 1, &res, &added) == 0);
		CHECK(res == STORE_PENDING && added == 0);
		/* Again: still pending, not counted twice. */
		CHECK(fx_ingest1(s, &evs[i]) == STORE_PENDING);
		CHECK(store_stats(s, &st) == 0);
		CHECK_EQ_U64(st.pending, N - i);
		CHECK_EQ_U64(st.events, 0);
	}
	CHECK(store_head(s, a.pk, &h) == WIEC_ERR_NOTFOUND);
	CHECK(fx_ingest(s, &evs[0], 1, &res, &added) == 0);
	CHECK(res == STORE_ADDED);
	CHECK_EQ_U64(added, N);
	CHECK(store_stats(s, &st) == 0);
	CHECK_EQ_U64(st.events, N);
	CHECK_EQ_U64(st.pending, 0);
	CHECK(store_head(s, a.pk, &h) == 0);
	CHECK(h.seq == N && memcmp(h.id, evs[N - 1].id, HASH_BYTES) == 0);
	CHECK(verify_ok(s) == 0);
	store_close(&s);
	fx_free(evs, N);
}

TEST(store_out_of_order_in_one_batch)
{
	enum { N = 20 };
	uint8_t net[HASH_BYTES];
	fx_ev_t evs[N], rev[N];
	int res[N];
	size_t added;
	key_pair_t a;
	store_t *s;

	fx_network(net);
	fx_key(&a, 0x06);
	CHECK(fx_chain(evs, &a, net, 1, NULL, N, "batch") == 0);
	for (int i = 0; i < N; i++)
		rev[i] = evs[N - 1 - i];
	CHECK(fx_store(&s, TEST_TMP, "s", FX_MAP) == 0);
	/* Arrival order within a batch does not matter. */
	CHECK(fx_ingest(s, rev, N, res, &added) == 0);
	CHECK_EQ_U64(added, N);
	for (int i = 0; i < N; i++)
		CHECK(res[i] == STORE_ADDED);
	store_close(&s);
	fx_free(evs, N);
}

/* ~300 events of 10 authors, 20 random orders and batchings: one result. */
TEST(store_permutations_converge)
{
	enum { AUTHORS = 10, PER = 30, N = AUTHORS * PER, ROUNDS = 20 };
	unsigned long long seed = 0x7065726dULL;
	uint8_t net[HASH_BYTES];
	fx_ev_t *evs = calloc(N, sizeof *evs);
	ev_t *all = calloc(N, sizeof *all);
	size_t idx[N];
	int res[N];
	snap_t ref, got;
	store_t *s;

	CHECK(evs != NULL && all != NULL);
	fx_network(net);
	for (int a = 0; a < AUTHORS; a++) {
		key_pair_t kp;

		fx_key(&kp, (uint8_t)(0x10 + a));
		CHECK(fx_chain(evs + a * PER, &kp, net, 1, NULL, PER, "perm") == 0);
	}
	CHECK(check_all(all, evs, N) == 0);
	for (size_t i = 0; i < N; i++)
		idx[i] = i;
	CHECK(fx_store(&s, TEST_TMP, "ref", FX_MAP) == 0);
	CHECK(ingest_idx(s, all, idx, N, res, NULL) == 0);
	CHECK(snap(s, &ref) == 0);
	CHECK_EQ_U64(ref.st.events, N);
	CHECK_EQ_U64(ref.st.authors, AUTHORS);
	CHECK_EQ_U64(ref.st.pending, 0);
	CHECK(ref.heads.n == AUTHORS);
	for (size_t i = 0; i < ref.heads.n; i++)
		CHECK(ref.heads.h[i].seq == PER && !ref.heads.h[i].fork);
	store_close(&s);

	for (int r = 0; r < ROUNDS; r++) {
		char name[32];
		size_t done = 0, total = 0;

		shuffle(idx, N, &seed);
		snprintf(name, sizeof name, "p%d", r);
		CHECK(fx_store(&s, TEST_TMP, name, FX_MAP) == 0);
		while (done < N) {
			size_t n = 1 + test_rand(&seed) % (r % 2 ? 60 : 8), added;

			if (n > N - done)
				n = N - done;
			CHECK(ingest_idx(s, all, idx + done, n, res, &added) == 0);
			for (size_t i = 0; i < n; i++)
				CHECK(res[i] == STORE_ADDED || res[i] == STORE_PENDING);
			total += added;
			done += n;
		}
		CHECK_EQ_U64(total, N);
		CHECK(snap(s, &got) == 0);
		if (!snap_equal(&ref, &got)) {
			snap_print("in order", &ref);
			snap_print("shuffled", &got);
			CHECK(0);
		}
		if (r % 5 == 0)
			CHECK(verify_ok(s) == 0);
		store_close(&s);
	}
	free_all(all, N);
	free(all);
	fx_free(evs, N);
	free(evs);
}

static int count_cb(void *ctx, uint64_t lseq, const uint8_t *env, size_t len)
{
	(void)lseq;
	(void)env;
	(void)len;
	(*(size_t *)ctx)++;
	return 0;
}


/* Flips one byte at offset off of every copy of needle in the file (LMDB
 * copies pages on write, so stale copies may sit in free pages). */
static int flip_in_file(const char *path, const uint8_t *needle, size_t nlen, size_t off)
{
	size_t len, count = 0;
	uint8_t *buf = fx_read_file(path, &len), *p;
	int rc;

	if (buf == NULL)
		return -1;
	for (p = buf; (p = memmem(p, len - (size_t)(p - buf), needle, nlen)) != NULL; p += nlen) {
		p[off] ^= 0x40;
		count++;
	}
	rc = count ? fx_write_file(path, buf, len, 0600) : -1;
	free(buf);
	return rc;
}


TEST(store_verify_finds_damage)
{
	enum { N = 10 };
	uint8_t net[HASH_BYTES], bad[HASH_BYTES];
	char path[512], data[600], why[256];
	static const struct {
		int ev;
		size_t off;	/* from the end of the envelope */
	} cases[] = { { 4, 10 }, { 9, 100 }, { 0, 3 } };
	fx_ev_t evs[N], more;
	key_pair_t a;
	store_t *s;

	fx_network(net);
	fx_key(&a, 0x51);
	CHECK(fx_chain(evs, &a, net, 1, NULL, N, "damage") == 0);
	CHECK(fx_build(&more, &a, net, N + 1, evs[N - 1].id, EV_IDEA, "more", NULL, FX_TS) == 0);
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		const fx_ev_t *victim = &evs[cases[c].ev];
		char name[16];

		snprintf(name, sizeof name, "s%zu", c);
		snprintf(path, sizeof path, "%s/%s", TEST_TMP, name);
		snprintf(data, sizeof data, "%s/data.mdb", path);
		CHECK(fx_store(&s, TEST_TMP, name, FX_MAP) == 0);
		CHECK(fx_ingest(s, evs, N, (int[N]){ 0 }, NULL) == 0);
		CHECK(store_verify(s, bad, why, sizeof why) == 0);
		CHECK(sodium_is_zero(bad, HASH_BYTES));
		store_close(&s);

		CHECK(flip_in_file(data, victim->env, victim->len,
		    victim->len - cases[c].off) == 0);
		CHECK(store_open(&s, path, FX_MAP, 0) == 0);
		memset(why, 0, sizeof why);
		CHECK(store_verify(s, bad, why, sizeof why) == WIEC_ERR_CORRUPT);
		CHECK(memcmp(bad, victim->id, HASH_BYTES) == 0);
		CHECK(why[0] != '\0' && strcmp(why, "ok") != 0);
		/* The store keeps working; a scan stops at the damaged event and
		 * names it, never handing its bytes out. */
		{
			store_stats_t st;
			uint8_t named[HASH_BYTES];
			size_t n = 0;

			CHECK(store_stats(s, &st) == 0);
			CHECK_EQ_U64(st.events, N);
			CHECK(store_scan_log(s, 1, count_cb, &n) == WIEC_ERR_CORRUPT);
			CHECK_EQ_U64(n, cases[c].ev);
			CHECK(store_corrupt_id(s, named) == 0);
			CHECK(memcmp(named, victim->id, HASH_BYTES) == 0);
		}
		store_close(&s);
	}
	/* An appended event after damage is not what verify complains about. */
	CHECK(store_open(&s, path, FX_MAP, 0) == 0);
	CHECK(fx_ingest1(s, &more) == STORE_ADDED);
	CHECK(store_verify(s, bad, why, sizeof why) == WIEC_ERR_CORRUPT);
	CHECK(memcmp(bad, evs[0].id, HASH_BYTES) == 0);
	store_close(&s);
	fx_free(evs, N);
	fx_free(&more, 1);
}

/* ---- a full map ---- */

TEST(store_map_full)
{
	enum { BATCH = 25, MAXEV = 20000 };
	uint8_t net[HASH_BYTES], *env;
	fx_ev_t *evs = calloc(MAXEV, sizeof *evs);
	int res[BATCH], rc = 0;
	size_t committed = 0, built = 0, added, elen;
	key_pair_t keys[4];
	snap_t before, after;
	store_t *s;
	char path[512];

	CHECK(evs != NULL);
	fx_network(net);
	for (int k = 0; k < 4; k++)
		fx_key(&keys[k], (uint8_t)(0x61 + k));
	CHECK(fx_store(&s, TEST_TMP, "s", STORE_MAP_MIN) == 0);
	/* Four authors' chains, a batch at a time, until the map is full. */
	while (built + BATCH <= MAXEV) {
		for (size_t i = 0; i < BATCH; i++, built++) {
			size_t k = built % 4, seq = built / 4 + 1;

			CHECK(fx_build(&evs[built], &keys[k], net, seq,
			    seq > 1 ? evs[built - 4].id : NULL, EV_COMMENT,
			    "A comment long enough to fill pages quickly: lorem ipsum dolor sit "
			    "amet, consectetur adipiscing elit, sed do eiusmod tempor.",
			    net, FX_TS + built) == 0);
		}
		if (rc == 0 && (rc = snap(s, &before)) != 0)
			break;
		rc = fx_ingest(s, evs + built - BATCH, BATCH, res, &added);
		if (rc != 0)
			break;
		CHECK_EQ_U64(added, BATCH);
		committed += added;
	}
	CHECK(rc == WIEC_ERR_MAP_FULL);
	CHECK(committed > 100);
	/* Nothing of the failed batch was written; the store still works. */
	CHECK(snap(s, &after) == 0);
	CHECK(snap_equal(&before, &after));
	CHECK_EQ_U64(after.st.events, committed);
	CHECK(store_get(s, evs[built - 1].id, &env, &elen) == WIEC_ERR_NOTFOUND);
	CHECK(store_get(s, evs[committed - 1].id, &env, &elen) == 0);
	free(env);
	CHECK(verify_ok(s) == 0);
	store_close(&s);

	snprintf(path, sizeof path, "%s/s", TEST_TMP);
	CHECK(store_open(&s, path, STORE_MAP_MIN, 0) == 0);
	CHECK(snap(s, &after) == 0);
	CHECK(snap_equal(&before, &after));
	CHECK(verify_ok(s) == 0);
	store_close(&s);
	/* With a larger map the failed batch goes in. */
	CHECK(store_open(&s, path, 8 * STORE_MAP_MIN, 0) == 0);
	CHECK(fx_ingest(s, evs + built - BATCH, BATCH, res, &added) == 0);
	CHECK_EQ_U64(added, BATCH);
	CHECK(snap(s, &after) == 0);
	CHECK_EQ_U64(after.st.events, committed + BATCH);
	CHECK(verify_ok(s) == 0);
	store_close(&s);
	fx_free(evs, built);
	free(evs);
}

/* ---- scans and posting ---- */

typedef struct seen {
	size_t n;
	uint64_t lseq[64];
	uint8_t id[64][HASH_BYTES];
	size_t stop_at;
	int stop_rc;
} seen_t;

static int seen_cb(void *ctx, uint64_t lseq, const uint8_t *env, size_t len)
{
	seen_t *s = ctx;

	if (s->n == 64)
		return -998;
	s->lseq[s->n] = lseq;
	hash_2(s->id[s->n], env, len, NULL, 0);
	s->n++;
	return s->stop_at && s->n == s->stop_at ? s->stop_rc : 0;
}

typedef struct head_stop {
	size_t n, stop_at;
	int stop_rc;
} head_stop_t;

static int head_stop_cb(void *ctx, const store_head_t *h)
{
	head_stop_t *hs = ctx;

	(void)h;
	return ++hs->n == hs->stop_at ? hs->stop_rc : 0;
}

TEST(store_scan_log_arrival_order)
{
	uint8_t net[HASH_BYTES];
	fx_ev_t a[5], b[3];
	const fx_ev_t *want[8];
	key_pair_t ka, kb;
	seen_t seen;
	store_t *s;
	size_t w = 0;

	fx_network(net);
	fx_key(&ka, 0x71);
	fx_key(&kb, 0x72);
	CHECK(fx_chain(a, &ka, net, 1, NULL, 5, "a") == 0);
	CHECK(fx_chain(b, &kb, net, 1, NULL, 3, "b") == 0);
	CHECK(fx_store(&s, TEST_TMP, "s", FX_MAP) == 0);
	/* b1, a1, b2, then a3 and a4 wait, a2 releases them, b3, a5. */
	CHECK(fx_ingest1(s, &b[0]) == STORE_ADDED);
	want[w++] = &b[0];
	CHECK(fx_ingest1(s, &a[0]) == STORE_ADDED);
	want[w++] = &a[0];
	CHECK(fx_ingest1(s, &b[1]) == STORE_ADDED);
	want[w++] = &b[1];
	CHECK(fx_ingest1(s, &a[3]) == STORE_PENDING);
	CHECK(fx_ingest1(s, &a[2]) == STORE_PENDING);
	CHECK(fx_ingest1(s, &a[1]) == STORE_ADDED);
	want[w++] = &a[1];
	want[w++] = &a[2];
	want[w++] = &a[3];
	CHECK(fx_ingest1(s, &b[2]) == STORE_ADDED);
	want[w++] = &b[2];
	CHECK(fx_ingest1(s, &a[4]) == STORE_ADDED);
	want[w++] = &a[4];

	memset(&seen, 0, sizeof seen);
	CHECK(store_scan_log(s, 1, seen_cb, &seen) == 0);
	CHECK_EQ_U64(seen.n, w);
	for (size_t i = 0; i < w; i++) {
		CHECK_EQ_U64(seen.lseq[i], i + 1);
		CHECK(memcmp(seen.id[i], want[i]->id, HASH_BYTES) == 0);
	}
	/* From a later point; from 0 is from the start; past the end is empty. */
	memset(&seen, 0, sizeof seen);
	CHECK(store_scan_log(s, 4, seen_cb, &seen) == 0);
	CHECK_EQ_U64(seen.n, w - 3);
	CHECK(seen.lseq[0] == 4 && memcmp(seen.id[0], want[3]->id, HASH_BYTES) == 0);
	memset(&seen, 0, sizeof seen);
	CHECK(store_scan_log(s, 0, seen_cb, &seen) == 0);
	CHECK_EQ_U64(seen.n, w);
	memset(&seen, 0, sizeof seen);
	CHECK(store_scan_log(s, w + 1, seen_cb, &seen) == 0);
	CHECK_EQ_U64(seen.n, 0);
	/* A non-zero return stops the scan and is returned. */
	memset(&seen, 0, sizeof seen);
	seen.stop_at = 2;
	seen.stop_rc = -7;
	CHECK(store_scan_log(s, 1, seen_cb, &seen) == -7);
	CHECK_EQ_U64(seen.n, 2);
	/* Survives a reopen: new events continue the numbering. */
	store_close(&s);
	{
		char path[512];
		fx_ev_t a6;

		snprintf(path, sizeof path, "%s/s", TEST_TMP);
		CHECK(store_open(&s, path, FX_MAP, 0) == 0);
		CHECK(fx_build(&a6, &ka, net, 6, a[4].id, EV_IDEA, "a6", NULL, FX_TS) == 0);
		CHECK(fx_ingest1(s, &a6) == STORE_ADDED);
		memset(&seen, 0, sizeof seen);
		CHECK(store_scan_log(s, w + 1, seen_cb, &seen) == 0);
		CHECK_EQ_U64(seen.n, 1);
		CHECK_EQ_U64(seen.lseq[0], w + 1);
		CHECK(memcmp(seen.id[0], a6.id, HASH_BYTES) == 0);
		fx_free(&a6, 1);
	}
	store_close(&s);
	fx_free(a, 5);
	fx_free(b, 3);
}

TEST(store_scan_author_chain_order)
{
	uint8_t net[HASH_BYTES];
	fx_ev_t a[6], b[2];
	key_pair_t ka, kb, kc;
	seen_t seen;
	store_t *s;

	fx_network(net);
	fx_key(&ka, 0x73);
	fx_key(&kb, 0x74);
	fx_key(&kc, 0x75);
	CHECK(fx_chain(a, &ka, net, 1, NULL, 6, "a") == 0);
	CHECK(fx_chain(b, &kb, net, 1, NULL, 2, "b") == 0);
	CHECK(fx_store(&s, TEST_TMP, "s", FX_MAP) == 0);
	/* Arrival: b1, a6..a1 in one batch each reversed, b2. */
	CHECK(fx_ingest1(s, &b[0]) == STORE_ADDED);
	for (int i = 5; i >= 0; i--)
		CHECK(fx_ingest1(s, &a[i]) == (i ? STORE_PENDING : STORE_ADDED));
	CHECK(fx_ingest1(s, &b[1]) == STORE_ADDED);
	memset(&seen, 0, sizeof seen);
	CHECK(store_scan_author(s, ka.pk, 1, seen_cb, &seen) == 0);
	CHECK_EQ_U64(seen.n, 6);
	for (int i = 0; i < 6; i++)
		CHECK(memcmp(seen.id[i], a[i].id, HASH_BYTES) == 0);
	memset(&seen, 0, sizeof seen);
	CHECK(store_scan_author(s, ka.pk, 4, seen_cb, &seen) == 0);
	CHECK_EQ_U64(seen.n, 3);
	CHECK(memcmp(seen.id[0], a[3].id, HASH_BYTES) == 0);
	memset(&seen, 0, sizeof seen);
	CHECK(store_scan_author(s, ka.pk, 7, seen_cb, &seen) == 0);
	CHECK_EQ_U64(seen.n, 0);
	memset(&seen, 0, sizeof seen);
	CHECK(store_scan_author(s, kb.pk, 0, seen_cb, &seen) == 0);
	CHECK_EQ_U64(seen.n, 2);
	CHECK(memcmp(seen.id[1], b[1].id, HASH_BYTES) == 0);
	/* No events: nothing, no error. */
	memset(&seen, 0, sizeof seen);
	CHECK(store_scan_author(s, kc.pk, 1, seen_cb, &seen) == 0);
	CHECK_EQ_U64(seen.n, 0);
	memset(&seen, 0, sizeof seen);
	seen.stop_at = 3;
	seen.stop_rc = -7;
	CHECK(store_scan_author(s, ka.pk, 1, seen_cb, &seen) == -7);
	CHECK_EQ_U64(seen.n, 3);
	store_close(&s);
	fx_free(a, 6);
	fx_free(b, 2);
}

/* "A non-zero return stops the scan and is returned by the scan function"
 * (store.h): any value, negative or positive. */
TEST(store_scan_stop_value)
{
	static const int values[] = { -7, 1, 7, 1000 };
	uint8_t net[HASH_BYTES];
	fx_ev_t a[3], b[1];
	key_pair_t ka, kb;
	store_t *s;

	fx_network(net);
	fx_key(&ka, 0x76);
	fx_key(&kb, 0x77);
	CHECK(fx_chain(a, &ka, net, 1, NULL, 3, "a") == 0);
	CHECK(fx_chain(b, &kb, net, 1, NULL, 1, "b") == 0);
	CHECK(fx_store(&s, TEST_TMP, "s", FX_MAP) == 0);
	CHECK(fx_ingest(s, a, 3, (int[3]){ 0 }, NULL) == 0);
	CHECK(fx_ingest(s, b, 1, (int[1]){ 0 }, NULL) == 0);
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		seen_t seen;
		head_stop_t hs = { 0, 1, values[i] };
		int rc;

		memset(&seen, 0, sizeof seen);
		seen.stop_at = 2;
		seen.stop_rc = values[i];
		rc = store_scan_author(s, ka.pk, 1, seen_cb, &seen);
		CHECK(rc == values[i] && seen.n == 2);
		memset(&seen, 0, sizeof seen);
		seen.stop_at = 2;
		seen.stop_rc = values[i];
		rc = store_scan_log(s, 1, seen_cb, &seen);
		if (rc != values[i])
			fprintf(stderr, "  store_scan_log: callback returned %d, scan %d\n",
			    values[i], rc);
		CHECK(rc == values[i] && seen.n == 2);
		rc = store_scan_heads(s, head_stop_cb, &hs);
		if (rc != values[i])
			fprintf(stderr, "  store_scan_heads: callback returned %d, scan %d\n",
			    values[i], rc);
		CHECK(rc == values[i] && hs.n == 1);
	}
	store_close(&s);
	fx_free(a, 3);
	fx_free(b, 1);
}

TEST(store_post_consecutive)
{
	uint8_t net[HASH_BYTES], ids[6][HASH_BYTES], *env;
	Wiec__Body b = WIEC__BODY__INIT;
	Wiec__Idea idea = WIEC__IDEA__INIT;
	Wiec__Comment cm = WIEC__COMMENT__INIT;
	fx_ev_t chain[3];
	key_pair_t me, other;
	store_head_t h;
	size_t elen;
	store_t *s;
	ev_t ev;

	fx_network(net);
	fx_key(&me, 0x81);
	fx_key(&other, 0x82);
	idea.title = (char *)"Posted";
	idea.text = (char *)"";
	b.content_case = WIEC__BODY__CONTENT_IDEA;
	b.idea = &idea;
	b.timestamp = FX_TS;
	/* No genesis: nothing to post into. */
	{
		char path[512];

		snprintf(path, sizeof path, "%s/bare", TEST_TMP);
		CHECK(store_open(&s, path, FX_MAP, 1) == 0);
		CHECK(store_post(s, &me, &b, 0, ids[0], &env, &elen) == WIEC_ERR_NOSTORE);
		store_close(&s);
	}
	CHECK(fx_store(&s, TEST_TMP, "s", FX_MAP) == 0);
	for (int i = 0; i < 5; i++) {
		env = NULL;
		if (i == 3) {
			b.content_case = WIEC__BODY__CONTENT_COMMENT;
			b.comment = &cm;
			cm.target.data = ids[0];
			cm.target.len = HASH_BYTES;
			cm.text = (char *)"reply";
		}
		CHECK(store_post(s, &me, &b, 0, ids[i], i == 2 ? NULL : &env, &elen) == 0);
		if (i == 2)
			continue;
		CHECK(env != NULL);
		CHECK(ev_check(&ev, env, elen, net) == 0);
		CHECK(ev.seq == (uint64_t)i + 1);
		CHECK(memcmp(ev.id, ids[i], HASH_BYTES) == 0);
		CHECK(memcmp(ev.author, me.pk, KEY_PK_BYTES) == 0);
		if (i > 0)
			CHECK(memcmp(ev.prev, ids[i - 1], HASH_BYTES) == 0);
		ev_free(&ev);
		free(env);
	}
	CHECK(store_head(s, me.pk, &h) == 0);
	CHECK(h.seq == 5 && memcmp(h.id, ids[4], HASH_BYTES) == 0);
	/* Posting continues a chain that arrived from elsewhere. */
	CHECK(fx_chain(chain, &other, net, 1, NULL, 3, "elsewhere") == 0);
	CHECK(fx_ingest(s, chain, 3, (int[3]){ 0 }, NULL) == 0);
	b.content_case = WIEC__BODY__CONTENT_IDEA;
	b.idea = &idea;
	CHECK(store_post(s, &other, &b, 0, ids[5], &env, &elen) == 0);
	CHECK(ev_check(&ev, env, elen, net) == 0);
	CHECK(ev.seq == 4 && memcmp(ev.prev, chain[2].id, HASH_BYTES) == 0);
	ev_free(&ev);
	free(env);
	/* What store_post refuses to sign is not stored. */
	idea.title = (char *)"";
	CHECK(store_post(s, &me, &b, 0, ids[5], &env, &elen) == WIEC_ERR_FIELD && env == NULL);
	CHECK(store_head(s, me.pk, &h) == 0);
	CHECK(h.seq == 5);
	CHECK(verify_ok(s) == 0);
	store_close(&s);
	fx_free(chain, 3);
}

/* STORE_EXTEND_ONLY: a second event at a held seq is refused, not a fork. */
TEST(store_ingest_extend_only)
{
	uint8_t net[HASH_BYTES];
	fx_ev_t evs[4], other;
	ev_t d[2];
	key_pair_t a;
	store_head_t h;
	int res[2];
	size_t added;
	store_t *s;

	fx_network(net);
	fx_key(&a, 0x83);
	CHECK(fx_chain(evs, &a, net, 1, NULL, 4, "x") == 0);
	CHECK(fx_build(&other, &a, net, 3, evs[1].id, EV_IDEA, "other 3", NULL, FX_TS) == 0);
	CHECK(fx_store(&s, TEST_TMP, "s", FX_MAP) == 0);
	CHECK(fx_ingest(s, evs, 3, (int[3]){ 0 }, NULL) == 0);
	CHECK(ev_check(&d[0], other.env, other.len, net) == 0);
	CHECK(ev_check(&d[1], evs[3].env, evs[3].len, net) == 0);
	CHECK(store_ingest_flags(s, d, 2, res, &added, STORE_EXTEND_ONLY) == 0);
	CHECK(res[0] == WIEC_ERR_CHAIN && res[1] == STORE_ADDED && added == 1);
	ev_free(&d[0]);
	ev_free(&d[1]);
	CHECK(ev_check(&d[0], evs[2].env, evs[2].len, net) == 0);
	CHECK(store_ingest_flags(s, d, 1, res, &added, STORE_EXTEND_ONLY) == 0);
	CHECK(res[0] == STORE_DUP);
	ev_free(&d[0]);
	CHECK(store_head(s, a.pk, &h) == 0);
	CHECK(!h.fork && h.seq == 4);
	/* Without the flag the same event is the equivocation it is. */
	CHECK(fx_ingest1(s, &other) == STORE_FORK);
	store_close(&s);
	fx_free(evs, 4);
	fx_free(&other, 1);
}

/* ---- a damaged store file (store/guard.h) ---- */

#include <sys/wait.h>
#include <unistd.h>

/* A closed store in TEST_TMP/name with n ideas of one author, bodies of
 * about 1 KiB (some pages, a few overflow runs). Paths into path and data. */
static int guard_store(const char *tmp, const char *name, size_t n, fx_ev_t *evs,
    char path[512], char data[600])
{
	uint8_t net[HASH_BYTES];
	key_pair_t a;
	store_t *s;
	int rc;

	fx_network(net);
	fx_key(&a, 0x61);
	snprintf(path, 512, "%s/%s", tmp, name);
	snprintf(data, 600, "%s/data.mdb", path);
	for (size_t i = 0; i < n; i++) {
		char text[3000];
		int at = snprintf(text, sizeof text, "guarded %zu ", i);

		/* Comments on the first idea; every seventh one overflows a page. */
		memset(text + at, 'a' + (int)(i % 26), sizeof text - 1 - (size_t)at);
		text[i % 7 == 3 ? sizeof text - 1 : 900] = '\0';
		if (i == 0)
			text[at - 1] = '\0';
		if ((rc = fx_build(&evs[i], &a, net, i + 1, i ? evs[i - 1].id : NULL,
		    i ? EV_COMMENT : EV_IDEA, text, i ? evs[0].id : NULL, FX_TS + i)) != 0)
			return rc;
	}
	if ((rc = fx_store(&s, tmp, name, FX_MAP)) != 0)
		return rc;
	/* Several transactions, so both meta pages and a free list exist. */
	for (size_t i = 0; i < n && rc == 0; i += 5)
		rc = fx_ingest(s, evs + i, n - i < 5 ? n - i : 5, (int[5]){ 0 }, NULL);
	store_close(&s);
	return rc;
}

/* Opens path both ways; each must be refused as corrupt or, where the damage
 * missed everything reachable, serve reads without a signal. Returns the
 * number of refusals (0, 1 or 2), or -1 if an open failed otherwise. */
static int open_damaged(const char *path)
{
	static const unsigned modes[] = { 0, STORE_OPEN_RDONLY };
	uint8_t bad[HASH_BYTES];
	char why[STORE_WHY_MAX];
	int refused = 0;

	for (size_t m = 0; m < 2; m++) {
		store_stats_t st;
		store_t *s;
		size_t n = 0;
		int rc = store_open_why(&s, path, FX_MAP, modes[m], why, sizeof why);

		if (rc == WIEC_ERR_CORRUPT && why[0] != '\0' && strchr(why, '\n') == NULL) {
			refused++;
			continue;
		}
		if (rc != 0)
			return -1;
		/* Any answer will do; reaching it without a signal is the test. */
		(void)store_verify(s, bad, why, sizeof why);
		(void)store_scan_log(s, 1, count_cb, &n);
		(void)store_stats(s, &st);
		store_close(&s);
	}
	return refused;
}

TEST(store_guard_truncated)
{
	enum { N = 30 };
	char path[512], data[600], why[STORE_WHY_MAX];
	uint8_t *orig;
	size_t len, ps = (size_t)sysconf(_SC_PAGESIZE);
	fx_ev_t evs[N];
	store_t *s;

	CHECK(guard_store(TEST_TMP, "s", N, evs, path, data) == 0);
	CHECK((orig = fx_read_file(data, &len)) != NULL);
	CHECK(len % ps == 0 && len / ps > 8);
	/* Empty: LMDB would make a new empty store of it. */
	CHECK(fx_write_file(data, orig, 0, 0600) == 0);
	CHECK(store_open_why(&s, path, FX_MAP, 0, why, sizeof why) == WIEC_ERR_CORRUPT);
	CHECK(s == NULL && strstr(why, "empty") != NULL);
	CHECK(store_open(&s, path, FX_MAP, STORE_OPEN_CREATE) == WIEC_ERR_CORRUPT);
	CHECK(store_open(&s, path, FX_MAP, STORE_OPEN_RDONLY) == WIEC_ERR_CORRUPT);
	/* Cut at every page boundary and inside pages: the reachable pages
	 * past the end (SIGBUS through the map) are found first. */
	for (size_t cut = 1; cut < len; cut += cut < 3 * ps ? 1000 : ps) {
		size_t at = cut >= 3 * ps ? cut / ps * ps : cut;

		CHECK(fx_write_file(data, orig, at, 0600) == 0);
		CHECK(open_damaged(path) == 2);
	}
	CHECK(fx_write_file(data, orig, len - ps, 0600) == 0);
	CHECK(store_open_why(&s, path, FX_MAP, 0, why, sizeof why) == WIEC_ERR_CORRUPT);
	CHECK(strstr(why, "truncated") != NULL);
	/* The whole file again: nothing was written by the refusals. */
	CHECK(fx_write_file(data, orig, len, 0600) == 0);
	CHECK(store_open(&s, path, FX_MAP, 0) == 0);
	CHECK(verify_ok(s) == 0);
	store_close(&s);
	free(orig);
	fx_free(evs, N);
}

TEST(store_guard_damaged_pages)
{
	enum { N = 30 };
	char path[512], data[600];
	uint8_t *orig, *buf;
	size_t len, ps = (size_t)sysconf(_SC_PAGESIZE), refused = 0;
	unsigned long long seed = 7;
	fx_ev_t evs[N];

	CHECK(guard_store(TEST_TMP, "s", N, evs, path, data) == 0);
	CHECK((orig = fx_read_file(data, &len)) != NULL);
	CHECK((buf = malloc(len)) != NULL);
	/* Each page zeroed in turn. */
	for (size_t p = 0; p < len / ps; p++) {
		int r;

		memcpy(buf, orig, len);
		memset(buf + p * ps, 0, ps);
		CHECK(fx_write_file(data, buf, len, 0600) == 0);
		CHECK((r = open_damaged(path)) >= 0);
		refused += r > 0;
	}
	CHECK(refused >= 4);	/* the meta pages and the trees' roots at least */
	/* Flipped bits, mostly in page and record headers. */
	for (int round = 0; round < 300; round++) {
		memcpy(buf, orig, len);
		for (int k = 0; k < 3; k++) {
			size_t pg = 2 + test_rand(&seed) % (len / ps - 2);
			size_t off = test_rand(&seed) % (round % 2 ? ps : 64);

			buf[pg * ps + off] ^= (uint8_t)(1u << (test_rand(&seed) % 8));
		}
		CHECK(fx_write_file(data, buf, len, 0600) == 0);
		CHECK(open_damaged(path) >= 0);
	}
	free(buf);
	free(orig);
	fx_free(evs, N);
}

/* Offset of the transaction id in meta page i (LMDB 0.9: MDB_meta after the
 * page header). */
static size_t meta_txnid_at(size_t i, size_t ps)
{
	size_t w = sizeof(size_t);

	return i * ps + (w + 8) + 24 + 13 * w;
}

TEST(store_guard_meta_and_rollback)
{
	enum { N = 20 };
	char path[512], data[600], rec[600], why[STORE_WHY_MAX];
	uint8_t *orig, *old, *buf, *oldrec;
	size_t len, oldlen, reclen, ps = (size_t)sysconf(_SC_PAGESIZE);
	uint64_t t[2];
	fx_ev_t evs[N], more, more2;
	key_pair_t a;
	uint8_t net[HASH_BYTES];
	store_t *s;

	CHECK(guard_store(TEST_TMP, "s", N - 1, evs, path, data) == 0);
	snprintf(rec, sizeof rec, "%s/commit", path);
	CHECK((old = fx_read_file(data, &oldlen)) != NULL);
	CHECK((oldrec = fx_read_file(rec, &reclen)) != NULL && reclen == 88);
	fx_network(net);
	fx_key(&a, 0x61);
	CHECK(fx_build(&more, &a, net, N, evs[N - 2].id, EV_IDEA, "last", NULL, FX_TS) == 0);
	CHECK(store_open(&s, path, FX_MAP, 0) == 0);
	CHECK(fx_ingest1(s, &more) == STORE_ADDED);
	store_close(&s);
	CHECK((orig = fx_read_file(data, &len)) != NULL);
	CHECK((buf = malloc(len)) != NULL);
	for (size_t i = 0; i < 2; i++)
		memcpy(&t[i], orig + meta_txnid_at(i, ps), 8);
	CHECK(t[0] + 1 == t[1] || t[1] + 1 == t[0]);

	/* One bit of the older meta page's id: LMDB would take the older
	 * snapshot. Every bit of either id is caught: by the meta check, or,
	 * where the pair still looks sound (7 and 6 becoming 5 and 6), by the
	 * commit record. */
	for (size_t i = 0; i < 2; i++)
		for (size_t bit = 0; bit < 64; bit++) {
			memcpy(buf, orig, len);
			buf[meta_txnid_at(i, ps) + bit / 8] ^= (uint8_t)(1u << (bit % 8));
			CHECK(fx_write_file(data, buf, len, 0600) == 0);
			CHECK(store_open_why(&s, path, FX_MAP, STORE_OPEN_RDONLY, why,
			    sizeof why) == WIEC_ERR_CORRUPT);
			CHECK(strstr(why, "meta") != NULL || strstr(why, "rolled back") != NULL);
		}
	/* The older data.mdb put back: the commit record names the rollback. */
	CHECK(fx_write_file(data, old, oldlen, 0600) == 0);
	CHECK(store_open_why(&s, path, FX_MAP, 0, why, sizeof why) == WIEC_ERR_CORRUPT);
	CHECK(strstr(why, "rolled back") != NULL);
	CHECK(store_open(&s, path, FX_MAP, STORE_OPEN_RDONLY) == WIEC_ERR_CORRUPT);
	/* A record behind the store (a crash between commit and record) and
	 * no record at all (a store from before it) are not damage. */
	CHECK(fx_write_file(data, orig, len, 0600) == 0);
	CHECK(fx_write_file(rec, oldrec, reclen, 0600) == 0);
	CHECK(store_open(&s, path, FX_MAP, STORE_OPEN_RDONLY) == 0);
	store_close(&s);
	CHECK(store_open(&s, path, FX_MAP, 0) == 0);
	store_close(&s);
	CHECK(unlink(rec) == 0);
	CHECK(store_open(&s, path, FX_MAP, STORE_OPEN_RDONLY) == 0);
	store_close(&s);
	CHECK(store_open(&s, path, FX_MAP, 0) == 0);
	CHECK(verify_ok(s) == 0);
	store_close(&s);
	/* A damaged record is named. */
	oldrec[40] ^= 1;
	CHECK(fx_write_file(rec, oldrec, reclen, 0600) == 0);
	CHECK(store_open_why(&s, path, FX_MAP, 0, why, sizeof why) == WIEC_ERR_CORRUPT);
	CHECK(strstr(why, "commit record") != NULL);
	/* So is an emptied or cut one: a record is only ever made whole, so
	 * only a missing one is none. A writer's next commit makes it. */
	for (size_t cut = 0; cut < reclen; cut += 40) {
		CHECK(fx_write_file(rec, oldrec, cut, 0600) == 0);
		CHECK(store_open_why(&s, path, FX_MAP, STORE_OPEN_RDONLY, why, sizeof why) ==
		    WIEC_ERR_CORRUPT);
		CHECK(strstr(why, cut ? "cut short" : "empty") != NULL);
		CHECK(store_open(&s, path, FX_MAP, 0) == WIEC_ERR_CORRUPT);
	}
	CHECK(unlink(rec) == 0);
	CHECK(store_open(&s, path, FX_MAP, 0) == 0);
	CHECK(fx_build(&more2, &a, net, N + 1, more.id, EV_IDEA, "later", NULL, FX_TS) == 0);
	CHECK(fx_ingest1(s, &more2) == STORE_ADDED);
	store_close(&s);
	free(oldrec);
	CHECK((oldrec = fx_read_file(rec, &reclen)) != NULL && reclen == 88);
	CHECK(store_open(&s, path, FX_MAP, STORE_OPEN_RDONLY) == 0);
	store_close(&s);
	fx_free(&more2, 1);
	free(buf);
	free(orig);
	free(old);
	free(oldrec);
	fx_free(evs, N - 1);
	fx_free(&more, 1);
}

static int first_cb(void *ctx, uint64_t lseq, const uint8_t *env, size_t len)
{
	(void)env;
	(void)len;
	*(uint64_t *)ctx = lseq;
	return 0;
}

TEST(store_guard_checked_reads)
{
	enum { N = 10 };
	char path[512], data[600];
	uint8_t *env, got[HASH_BYTES];
	size_t elen, n = 0;
	uint64_t last = 0;
	fx_ev_t evs[N];
	key_pair_t a;
	store_t *s;

	CHECK(guard_store(TEST_TMP, "s", N, evs, path, data) == 0);
	fx_key(&a, 0x61);
	/* One title byte of event 4 changed on disk (every stale copy too). */
	CHECK(flip_in_file(data, (const uint8_t *)"guarded 4", 9, 3) == 0);
	CHECK(store_open(&s, path, FX_MAP, STORE_OPEN_RDONLY) == 0);
	CHECK(store_corrupt_id(s, got) == WIEC_ERR_NOTFOUND);
	CHECK(store_get(s, evs[3].id, &env, &elen) == 0);
	free(env);
	CHECK(store_get(s, evs[4].id, &env, &elen) == WIEC_ERR_CORRUPT && env == NULL);
	CHECK(store_corrupt_id(s, got) == 0 && memcmp(got, evs[4].id, HASH_BYTES) == 0);
	/* A scan serves the events before it and stops there. */
	CHECK(store_scan_author(s, a.pk, 1, first_cb, &last) == WIEC_ERR_CORRUPT);
	CHECK_EQ_U64(last, 4);
	CHECK(store_scan_author(s, a.pk, 6, count_cb, &n) == 0);
	CHECK_EQ_U64(n, N - 5);
	store_close(&s);
	fx_free(evs, N);
}

TEST(store_guard_read_only)
{
	enum { N = 10 };
	char path[512], data[600], rec[600];
	uint8_t *before, *after, *env;
	size_t blen, alen, elen;
	snap_t s1, s2;
	fx_ev_t evs[N], more;
	uint8_t net[HASH_BYTES];
	key_pair_t a;
	store_t *s, *w;

	CHECK(guard_store(TEST_TMP, "s", N, evs, path, data) == 0);
	snprintf(rec, sizeof rec, "%s/commit", path);
	CHECK((before = fx_read_file(data, &blen)) != NULL);
	CHECK(store_open(&s, path, FX_MAP, STORE_OPEN_RDONLY) == 0);
	CHECK(snap(s, &s1) == 0);
	CHECK_EQ_U64(s1.st.events, N);
	CHECK(verify_ok(s) == 0);
	CHECK(store_get(s, evs[2].id, &env, &elen) == 0);
	free(env);
	fx_network(net);
	fx_key(&a, 0x61);
	CHECK(fx_build(&more, &a, net, N + 1, evs[N - 1].id, EV_IDEA, "more", NULL, FX_TS) == 0);
	CHECK(fx_ingest1(s, &more) == WIEC_ERR_STORE);
	/* A writer alongside: the reader sees its commits. */
	CHECK(store_open(&w, path, FX_MAP, 0) == 0);
	CHECK(fx_ingest1(w, &more) == STORE_ADDED);
	store_close(&w);
	CHECK(snap(s, &s2) == 0);
	CHECK_EQ_U64(s2.st.events, N + 1);
	store_close(&s);
	/* Read-only opens write nothing and never create a store. */
	CHECK((after = fx_read_file(data, &alen)) != NULL);
	CHECK(store_open(&s, path, FX_MAP, STORE_OPEN_RDONLY) == 0);
	store_close(&s);
	free(before);
	CHECK((before = fx_read_file(data, &blen)) != NULL);
	CHECK(blen == alen && memcmp(before, after, alen) == 0);
	snprintf(path, sizeof path, "%s/none", TEST_TMP);
	CHECK(store_open(&s, path, FX_MAP, STORE_OPEN_RDONLY | STORE_OPEN_CREATE) ==
	    WIEC_ERR_NOSTORE);
	CHECK(access(path, F_OK) != 0);
	free(before);
	free(after);
	fx_free(evs, N);
	fx_free(&more, 1);
}

/* Opens while another process commits: the checks walk a snapshot held by
 * a read transaction, so a busy writer never looks like damage. */
TEST(store_guard_open_while_writing)
{
	enum { N = 120 };
	char path[512], data[600];
	fx_ev_t evs[N];
	int status, opens = 0;
	pid_t pid;

	CHECK(guard_store(TEST_TMP, "s", 5, evs, path, data) == 0);
	fx_free(evs, 5);
	{
		uint8_t net[HASH_BYTES];
		key_pair_t b;

		fx_network(net);
		fx_key(&b, 0x62);
		CHECK(fx_chain(evs, &b, net, 1, NULL, N, "busy") == 0);
	}
	CHECK((pid = fork()) >= 0);
	if (pid == 0) {
		store_t *w;
		int ok = store_open(&w, path, FX_MAP, 0) == 0;

		for (size_t i = 0; ok && i < N; i++)
			ok = fx_ingest1(w, &evs[i]) == STORE_ADDED;
		store_close(&w);
		_exit(ok ? 0 : 1);
	}
	for (;;) {
		store_t *s;
		int done = waitpid(pid, &status, WNOHANG) == pid;

		CHECK(store_open(&s, path, FX_MAP, opens % 2 ? STORE_OPEN_RDONLY : 0) == 0);
		store_close(&s);
		opens++;
		if (done)
			break;
	}
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	fx_free(evs, N);
}

#include <lmdb.h>

/* LMDB does not write pages freed in the transaction that took them: a
 * sound file may end before the snapshot's last page, by free pages only.
 * That is accepted; a page cut off beyond them is not. */
TEST(store_guard_short_file_by_free_pages)
{
	static char big[1000000];
	char path[512], data[600], why[STORE_WHY_MAX];
	struct stat st;
	MDB_envinfo info;
	MDB_env *e;
	MDB_txn *t;
	MDB_dbi d;
	MDB_val k, v;
	store_t *s;
	char filler[3000] = { 0 };

	snprintf(path, sizeof path, "%s/s", TEST_TMP);
	snprintf(data, sizeof data, "%s/data.mdb", path);
	CHECK(fx_store(&s, TEST_TMP, "s", FX_MAP) == 0);
	store_close(&s);
	CHECK(mdb_env_create(&e) == 0);
	CHECK(mdb_env_set_maxdbs(e, 8) == 0 && mdb_env_set_mapsize(e, FX_MAP) == 0);
	CHECK(mdb_env_open(e, path, 0, 0600) == 0);
	/* Some transactions, so that the next one reuses freed pages ... */
	for (int r = 0; r < 5; r++) {
		char key[16];

		snprintf(key, sizeof key, "k%d", r);
		CHECK(mdb_txn_begin(e, NULL, 0, &t) == 0);
		CHECK(mdb_dbi_open(t, "meta", 0, &d) == 0);
		k = (MDB_val){ strlen(key), key };
		v = (MDB_val){ sizeof filler, filler };
		CHECK(mdb_put(t, d, &k, &v, 0) == 0);
		CHECK(mdb_txn_commit(t) == 0);
	}
	/* ... then a big value at the end of the file, deleted in the same
	 * transaction: its pages go to the free list, never written. */
	CHECK(mdb_txn_begin(e, NULL, 0, &t) == 0);
	CHECK(mdb_dbi_open(t, "meta", 0, &d) == 0);
	k = (MDB_val){ 2, "k1" };
	v = (MDB_val){ sizeof filler, filler };
	CHECK(mdb_put(t, d, &k, &v, 0) == 0);
	k = (MDB_val){ 3, "big" };
	v = (MDB_val){ sizeof big, big };
	CHECK(mdb_put(t, d, &k, &v, 0) == 0);
	CHECK(mdb_del(t, d, &k, NULL) == 0);
	CHECK(mdb_txn_commit(t) == 0);
	CHECK(mdb_env_info(e, &info) == 0);
	mdb_env_close(e);
	CHECK(stat(data, &st) == 0);
	CHECK((uint64_t)st.st_size < (info.me_last_pgno + 1) * (uint64_t)sysconf(_SC_PAGESIZE));
	CHECK(store_open(&s, path, FX_MAP, STORE_OPEN_RDONLY) == 0);
	store_close(&s);
	CHECK(store_open(&s, path, FX_MAP, 0) == 0);
	CHECK(verify_ok(s) == 0);
	store_close(&s);
	CHECK(truncate(data, st.st_size - sysconf(_SC_PAGESIZE)) == 0);
	CHECK(store_open_why(&s, path, FX_MAP, 0, why, sizeof why) == WIEC_ERR_CORRUPT);
	CHECK(strstr(why, "truncated") != NULL);
}

/* A store made again where one was removed does not inherit its record
 * (voided when the store is created, so even a crash before the first
 * commit rewrites it cannot look like a rollback). */
TEST(store_guard_recreated_store)
{
	enum { N = 10 };
	char path[512], data[600];
	fx_ev_t evs[N];
	store_t *s;

	CHECK(guard_store(TEST_TMP, "s", N, evs, path, data) == 0);
	CHECK(unlink(data) == 0);
	CHECK(store_open(&s, path, FX_MAP, STORE_OPEN_CREATE) == 0);
	store_close(&s);
	CHECK(store_open(&s, path, FX_MAP, STORE_OPEN_RDONLY) == 0);
	store_close(&s);
	CHECK(store_open(&s, path, FX_MAP, 0) == 0);
	store_close(&s);
	fx_free(evs, N);
}

/* An older data.mdb put in place while a writer has the store open, by a
 * copy written over the file or by a rename over it: the writer's next
 * write is refused (WIEC_ERR_REPLACED) and writes nothing, nor does any
 * later one, and the commit record names the rollback to the next open.
 * Another writer's commits are no false alarm. */
TEST(store_guard_replaced_under_writer)
{
	enum { N = 10 };
	char path[512], data[600], tmp[640], why[STORE_WHY_MAX];
	uint8_t *old, *cur, *now, net[HASH_BYTES];
	size_t oldlen, curlen, nowlen;
	fx_ev_t evs[N], more[4];
	key_pair_t a;
	store_t *s, *w;

	CHECK(guard_store(TEST_TMP, "s", N, evs, path, data) == 0);
	snprintf(tmp, sizeof tmp, "%s.new", data);
	CHECK((old = fx_read_file(data, &oldlen)) != NULL);
	fx_network(net);
	fx_key(&a, 0x61);
	for (size_t i = 0; i < 4; i++)
		CHECK(fx_build(&more[i], &a, net, N + 1 + i, i ? more[i - 1].id : evs[N - 1].id,
		    EV_IDEA, "more", NULL, FX_TS) == 0);
	/* Two writers taking turns: no false alarm. */
	CHECK(store_open(&s, path, FX_MAP, 0) == 0);
	CHECK(store_open(&w, path, FX_MAP, 0) == 0);
	CHECK(fx_ingest1(w, &more[0]) == STORE_ADDED);
	CHECK(store_check_file(s) == 0);
	CHECK(fx_ingest1(s, &more[1]) == STORE_ADDED);
	CHECK(store_check_file(w) == 0 && store_replaced(w) == 0);
	store_close(&w);
	CHECK((cur = fx_read_file(data, &curlen)) != NULL);

	/* Copied over the file (the same inode): it went back in time. */
	CHECK(fx_write_file(data, old, oldlen, 0600) == 0);
	CHECK(fx_ingest1(s, &more[2]) == WIEC_ERR_REPLACED);
	CHECK(store_replaced(s) == 1);
	CHECK(fx_ingest1(s, &more[2]) == WIEC_ERR_REPLACED);
	CHECK(store_check_file(s) == WIEC_ERR_REPLACED);
	store_close(&s);
	CHECK((now = fx_read_file(data, &nowlen)) != NULL);
	CHECK(nowlen == oldlen && memcmp(now, old, oldlen) == 0);
	free(now);
	CHECK(store_open_why(&s, path, FX_MAP, 0, why, sizeof why) == WIEC_ERR_CORRUPT);
	CHECK(strstr(why, "rolled back") != NULL);

	/* Renamed over it: another file. Found without a write, too. */
	CHECK(fx_write_file(data, cur, curlen, 0600) == 0);
	CHECK(store_open(&s, path, FX_MAP, 0) == 0);
	CHECK(store_check_file(s) == 0);
	CHECK(fx_write_file(tmp, old, oldlen, 0600) == 0);
	CHECK(rename(tmp, data) == 0);
	CHECK(store_check_file(s) == WIEC_ERR_REPLACED);
	CHECK(fx_ingest1(s, &more[2]) == WIEC_ERR_REPLACED);
	store_close(&s);
	CHECK((now = fx_read_file(data, &nowlen)) != NULL);
	CHECK(nowlen == oldlen && memcmp(now, old, oldlen) == 0);
	free(now);
	CHECK(store_open_why(&s, path, FX_MAP, 0, why, sizeof why) == WIEC_ERR_CORRUPT);
	CHECK(strstr(why, "rolled back") != NULL);

	/* Removed: the writes would go to a file nobody sees again. */
	CHECK(fx_write_file(data, cur, curlen, 0600) == 0);
	CHECK(store_open(&s, path, FX_MAP, 0) == 0);
	CHECK(unlink(data) == 0);
	CHECK(fx_ingest1(s, &more[2]) == WIEC_ERR_REPLACED);
	store_close(&s);
	free(old);
	free(cur);
	fx_free(evs, N);
	fx_free(more, 4);
}
