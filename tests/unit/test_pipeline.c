/* test_pipeline.c: store/pipeline.h: every batch reported once, in order,
 * only after its commit, with the verification and store outcomes of
 * every envelope; a failed commit fails its own batch only. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "store/pipeline.h"
#include "store/store.h"
#include "tests/unit/fixtures.h"
#include "tests/unit/test.h"

#define PL_MAX 64

typedef struct seen {
	store_t *s;
	size_t nb;		/* batches reported */
	uintptr_t tag[PL_MAX];
	int err[PL_MAX];
	size_t added[PL_MAX];
	uint64_t held[PL_MAX];	/* events in the store when the batch was reported */
	int check[PL_MAX][8], res[PL_MAX][8];
	size_t n[PL_MAX];
} seen_t;

static void on_done(void *ctx, const store_pipeline_batch_t *b)
{
	seen_t *sn = ctx;
	store_stats_t st;

	if (sn->nb == PL_MAX)
		return;
	sn->tag[sn->nb] = (uintptr_t)b->tag;
	sn->err[sn->nb] = b->err;
	sn->added[sn->nb] = b->added;
	sn->n[sn->nb] = b->n;
	for (size_t i = 0; i < b->n && i < 8; i++) {
		sn->check[sn->nb][i] = b->check[i];
		sn->res[sn->nb][i] = b->check[i] == 0 ? b->res[i] : 0;
	}
	sn->held[sn->nb] = store_stats(sn->s, &st) == 0 ? st.events : UINT64_MAX;
	sn->nb++;
}

static void arrays(const fx_ev_t *evs, size_t n, const uint8_t **envs, size_t *lens)
{
	for (size_t i = 0; i < n; i++) {
		envs[i] = evs[i].env;
		lens[i] = evs[i].len;
	}
}

TEST(pipeline_reports_in_order_after_commit)
{
	enum { N = 24, B = 4 };
	uint8_t net[HASH_BYTES], bad[600];
	fx_ev_t evs[N];
	const uint8_t *envs[N + 1];
	size_t lens[N + 1];
	key_pair_t a, b;
	store_pipeline_t *p;
	seen_t *sn = calloc(1, sizeof *sn);
	store_t *s;

	CHECK(sn != NULL);
	fx_network(net);
	fx_key(&a, 0x31);
	fx_key(&b, 0x32);
	CHECK(fx_chain(evs, &a, net, 1, NULL, N / 2, "a") == 0);
	CHECK(fx_chain(evs + N / 2, &b, net, 1, NULL, N / 2, "b") == 0);
	CHECK(fx_store(&s, TEST_TMP, "s", FX_MAP) == 0);
	sn->s = s;
	CHECK((p = store_pipeline_new(s, net, 2, on_done, sn)) != NULL);
	/* Batches of B in reverse chain order: the first ones wait for their
	 * prev, the last releases them. Batch 2 also carries a damaged copy. */
	for (size_t k = 0; k < N / B; k++) {
		size_t n = B;

		for (size_t i = 0; i < B; i++) {
			const fx_ev_t *e = &evs[N - 1 - (k * B + i)];

			envs[i] = e->env;
			lens[i] = e->len;
		}
		if (k == 2) {
			CHECK(evs[0].len <= sizeof bad);
			memcpy(bad, evs[0].env, evs[0].len);
			bad[evs[0].len - 1] ^= 1;	/* in the signature */
			envs[n] = bad;
			lens[n++] = evs[0].len;
		}
		CHECK(store_pipeline_push(p, envs, lens, n, (void *)(uintptr_t)(k + 1)) == 0);
		/* Reported from inside push or flush, never ahead of a push. */
		CHECK(sn->nb <= k + 1);
	}
	CHECK(store_pipeline_flush(p) == 0);
	CHECK(store_pipeline_flush(p) == 0);
	CHECK_EQ_U64(sn->nb, N / B);
	{
		size_t total = 0;

		for (size_t k = 0; k < N / B; k++) {
			CHECK_EQ_U64(sn->tag[k], k + 1);
			CHECK(sn->err[k] == 0);
			total += sn->added[k];
			/* Reported after its commit: what it added is held. */
			CHECK(sn->held[k] >= total);
			for (size_t i = 0; i < sn->n[k] && i < 8; i++) {
				if (k == 2 && i == B) {
					CHECK(sn->check[k][i] == WIEC_ERR_SIG);
					continue;
				}
				CHECK(sn->check[k][i] == 0);
				CHECK(sn->res[k][i] == STORE_PENDING || sn->res[k][i] == STORE_ADDED);
			}
		}
		CHECK_EQ_U64(total, N);
	}
	/* The damaged copy was refused, everything else is held. */
	{
		store_stats_t st;

		CHECK(store_stats(s, &st) == 0);
		CHECK_EQ_U64(st.events, N);
		CHECK_EQ_U64(st.pending, 0);
	}
	/* Empty batches are reported too. */
	CHECK(store_pipeline_push(p, NULL, NULL, 0, (void *)(uintptr_t)99) == 0);
	store_pipeline_destroy(&p);
	CHECK(p == NULL);
	CHECK_EQ_U64(sn->nb, N / B + 1);
	CHECK_EQ_U64(sn->tag[N / B], 99);
	store_pipeline_destroy(&p);
	store_close(&s);
	fx_free(evs, N);
	free(sn);
}

/* A batch that fills the map fails alone: the batch verified beside its
 * commit is still committed and reported with its own outcome; with
 * store_pipeline_fail_fast, it fails too, with nothing of it stored. */
static void failed_commit_then_next(test_ctx_t *t_, int fail_fast)
{
	enum { BIG = 3000 };
	uint8_t net[HASH_BYTES];
	fx_ev_t *evs = calloc(BIG + 1, sizeof *evs);
	const uint8_t **envs = calloc(BIG, sizeof *envs);
	size_t *lens = calloc(BIG, sizeof *lens);
	key_pair_t a, b;
	store_pipeline_t *p;
	seen_t *sn = calloc(1, sizeof *sn);
	store_stats_t st;
	store_t *s;
	int rc, frc;

	CHECK(evs != NULL && envs != NULL && lens != NULL && sn != NULL);
	fx_network(net);
	fx_key(&a, 0x41);
	fx_key(&b, 0x42);
	for (size_t i = 0; i < BIG; i++)
		CHECK(fx_build(&evs[i], &a, net, i + 1, i ? evs[i - 1].id : NULL, EV_COMMENT,
		    "A comment long enough to fill pages quickly: lorem ipsum dolor sit amet, "
		    "consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore.",
		    net, FX_TS + i) == 0);
	CHECK(fx_chain(&evs[BIG], &b, net, 1, NULL, 1, "b") == 0);
	CHECK(fx_store(&s, TEST_TMP, "s", STORE_MAP_MIN) == 0);
	sn->s = s;
	CHECK((p = store_pipeline_new(s, net, 2, on_done, sn)) != NULL);
	if (fail_fast)
		store_pipeline_fail_fast(p);
	arrays(evs, BIG, envs, lens);
	CHECK(store_pipeline_push(p, envs, lens, BIG, (void *)(uintptr_t)1) == 0);
	arrays(&evs[BIG], 1, envs + 0, lens + 0);
	/* Batch 1's failure is reported by this push or by the flush. */
	rc = store_pipeline_push(p, envs, lens, 1, (void *)(uintptr_t)2);
	CHECK(rc == 0 || rc == WIEC_ERR_MAP_FULL);
	/* The flush returns the first failure it reports: batch 1's if the
	 * push did not, else (fail_fast) batch 2's. */
	frc = store_pipeline_flush(p);
	CHECK(frc == (rc == 0 || fail_fast ? WIEC_ERR_MAP_FULL : 0));
	CHECK_EQ_U64(sn->nb, 2);
	CHECK(sn->tag[0] == 1 && sn->err[0] == WIEC_ERR_MAP_FULL && sn->added[0] == 0);
	if (fail_fast) {
		CHECK(sn->tag[1] == 2 && sn->err[1] == WIEC_ERR_MAP_FULL && sn->added[1] == 0);
	} else {
		CHECK(sn->tag[1] == 2 && sn->err[1] == 0 && sn->added[1] == 1);
		CHECK(sn->check[1][0] == 0 && sn->res[1][0] == STORE_ADDED);
	}
	CHECK(store_stats(s, &st) == 0);
	CHECK_EQ_U64(st.events, fail_fast ? 0 : 1);
	CHECK_EQ_U64(st.pending, 0);
	store_pipeline_destroy(&p);
	store_close(&s);
	fx_free(evs, BIG + 1);
	free(evs);
	free(envs);
	free(lens);
	free(sn);
}

TEST(pipeline_failed_commit_keeps_next_batch)
{
	failed_commit_then_next(t_, 0);
}

/* An import's later batches depend on the earlier ones: with fail_fast,
 * nothing after a failed batch is committed. */
TEST(pipeline_fail_fast_stops_after_a_failed_batch)
{
	failed_commit_then_next(t_, 1);
}

/* A batch's verification is dealt out in chunks that shrink towards its
 * end: every envelope is checked exactly once, whatever the batch size.
 * Every fifth is damaged (a signature bit); each batch is pushed alone. */
typedef struct every {
	size_t seen, wrong;
} every_t;

static void on_every(void *ctx, const store_pipeline_batch_t *b)
{
	every_t *e = ctx;

	for (size_t i = 0; i < b->n; i++)
		if (b->check[i] != (i % 5 == 4 ? WIEC_ERR_SIG : 0))
			e->wrong++;
	e->seen += b->n;
}

TEST(pipeline_checks_every_envelope_of_a_batch)
{
	static const size_t sizes[] = { 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 129, 1000 };
	enum { MAXN = 1000 };
	uint8_t net[HASH_BYTES];
	fx_ev_t *evs = calloc(MAXN, sizeof *evs);
	const uint8_t **envs = calloc(MAXN, sizeof *envs);
	uint8_t **bufs = calloc(MAXN, sizeof *bufs);
	size_t *lens = calloc(MAXN, sizeof *lens), total = 0;
	every_t e = { 0, 0 };
	store_pipeline_t *p;
	key_pair_t a;
	store_t *s;

	CHECK(evs != NULL && envs != NULL && bufs != NULL && lens != NULL);
	fx_network(net);
	fx_key(&a, 0x57);
	CHECK(fx_chain(evs, &a, net, 1, NULL, MAXN, "every") == 0);
	for (size_t i = 0; i < MAXN; i++) {
		CHECK((bufs[i] = malloc(evs[i].len)) != NULL);
		memcpy(bufs[i], evs[i].env, evs[i].len);
		if (i % 5 == 4)
			bufs[i][evs[i].len - 1] ^= 0x10;	/* in the signature */
		envs[i] = bufs[i];
		lens[i] = evs[i].len;
	}
	CHECK(fx_store(&s, TEST_TMP, "s", FX_MAP) == 0);
	CHECK((p = store_pipeline_new(s, net, 2, on_every, &e)) != NULL);
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		CHECK(store_pipeline_push(p, envs, lens, sizes[k], NULL) == 0);
		total += sizes[k];
	}
	CHECK(store_pipeline_flush(p) == 0);
	CHECK_EQ_U64(e.seen, total);
	CHECK_EQ_U64(e.wrong, 0);
	store_pipeline_destroy(&p);
	store_close(&s);
	for (size_t i = 0; i < MAXN; i++)
		free(bufs[i]);
	fx_free(evs, MAXN);
	free(evs);
	free(envs);
	free(bufs);
	free(lens);
}

/* One author's chain of n events into evs, a fresh store *s and a paused
 * pipeline into it reporting to sn; 0 or -1. */
static int paused_chain(test_ctx_t *t_, fx_ev_t *evs, size_t n, uint8_t seed,
    uint8_t net[static HASH_BYTES], store_t **s, seen_t *sn, store_pipeline_t **p)
{
	key_pair_t a;

	fx_network(net);
	fx_key(&a, seed);
	if (fx_chain(evs, &a, net, 1, NULL, n, "m") != 0 || fx_store(s, TEST_TMP, "s", FX_MAP) != 0)
		return -1;
	sn->s = *s;
	if ((*p = store_pipeline_new(*s, net, 2, on_done, sn)) == NULL)
		return -1;
	store_pipeline_pause(*p, 1);
	return 0;
}

/* Batches verified while the committer is busy are committed in one write
 * transaction (the last of them reports what it added), each still
 * reported on its own, in order, with its own outcomes: a copy of an
 * earlier batch's event is that batch's duplicate, as if committed apart. */
TEST(pipeline_merges_waiting_batches)
{
	enum { N = 12, B = 4 };
	uint8_t net[HASH_BYTES];
	fx_ev_t evs[N];
	const uint8_t *envs[B + 1];
	size_t lens[B + 1];
	store_pipeline_t *p;
	seen_t *sn = calloc(1, sizeof *sn);
	store_stats_t st;
	store_t *s;

	CHECK(sn != NULL);
	CHECK(paused_chain(t_, evs, N, 0x51, net, &s, sn, &p) == 0);
	/* Batch 1 holds the chain's last events (they wait for their prev in
	 * a batch of their own), batch 3 the first ones and a copy of evs[N-1]. */
	for (size_t k = 0; k < N / B; k++) {
		size_t n = B;

		arrays(&evs[N - (k + 1) * B], B, envs, lens);
		if (k == 2) {
			envs[n] = evs[N - 1].env;
			lens[n++] = evs[N - 1].len;
		}
		CHECK(store_pipeline_push(p, envs, lens, n, (void *)(uintptr_t)(k + 1)) == 0);
		CHECK_EQ_U64(sn->nb, 0);	/* nothing is committed while paused */
	}
	CHECK(store_pipeline_flush(p) == 0);
	CHECK_EQ_U64(sn->nb, N / B);
	for (size_t k = 0; k < N / B; k++) {
		CHECK_EQ_U64(sn->tag[k], k + 1);
		CHECK(sn->err[k] == 0);
		/* One transaction: its whole count comes with its last batch. */
		CHECK_EQ_U64(sn->added[k], k + 1 == N / B ? N : 0);
		for (size_t i = 0; i < B; i++) {
			CHECK(sn->check[k][i] == 0);
			CHECK(sn->res[k][i] == STORE_ADDED);
		}
	}
	CHECK(sn->check[2][B] == 0 && sn->res[2][B] == STORE_DUP);
	CHECK(store_stats(s, &st) == 0);
	CHECK_EQ_U64(st.events, N);
	CHECK_EQ_U64(st.pending, 0);
	store_pipeline_destroy(&p);
	store_close(&s);
	fx_free(evs, N);
	free(sn);
}

/* Batches still queued when a full group has been applied join its
 * transaction as one batch of their own, applied after the group's: one
 * commit for all, each batch with the outcome it would have had in the
 * next transaction. Here the group's events wait for their prev, which
 * comes late and releases them in the same commit. */
TEST(pipeline_late_batches_join_the_group)
{
	enum { B = 2, K = STORE_PIPELINE_MERGE + 2, N = B * K };
	uint8_t net[HASH_BYTES];
	fx_ev_t evs[N];
	const uint8_t *envs[B + 1];
	size_t lens[B + 1];
	store_pipeline_t *p;
	store_pipeline_stats_t ps;
	seen_t *sn = calloc(1, sizeof *sn);
	store_stats_t st;
	store_t *s;

	_Static_assert(K <= STORE_PIPELINE_MERGE_MAX && K <= PL_MAX, "one group");
	CHECK(sn != NULL);
	CHECK(paused_chain(t_, evs, N, 0x53, net, &s, sn, &p) == 0);
	/* Batches 1..MERGE: seq 2B+1..N; the two late ones: seq 1..2B, the
	 * last with a copy of seq N. */
	for (size_t k = 0; k < K; k++) {
		size_t first = k < STORE_PIPELINE_MERGE ? 2 * B + k * B : (k - STORE_PIPELINE_MERGE) * B;
		size_t n = B;

		arrays(&evs[first], B, envs, lens);
		if (k == K - 1) {
			envs[n] = evs[N - 1].env;
			lens[n++] = evs[N - 1].len;
		}
		CHECK(store_pipeline_push(p, envs, lens, n, (void *)(uintptr_t)(k + 1)) == 0);
	}
	CHECK(store_pipeline_flush(p) == 0);
	CHECK_EQ_U64(sn->nb, K);
	for (size_t k = 0; k < K; k++) {
		int late = k >= STORE_PIPELINE_MERGE;

		CHECK_EQ_U64(sn->tag[k], k + 1);
		CHECK(sn->err[k] == 0);
		CHECK_EQ_U64(sn->added[k], k == K - 1 ? N : 0);
		/* Reported once the one commit is done: everything is held. */
		CHECK_EQ_U64(sn->held[k], N);
		for (size_t i = 0; i < B; i++)
			CHECK(sn->check[k][i] == 0 &&
			    sn->res[k][i] == (late ? STORE_ADDED : STORE_PENDING));
	}
	CHECK(sn->check[K - 1][B] == 0 && sn->res[K - 1][B] == STORE_DUP);
	CHECK(store_stats(s, &st) == 0);
	CHECK_EQ_U64(st.events, N);
	CHECK_EQ_U64(st.pending, 0);
	store_pipeline_close(&p, &ps);
	CHECK_EQ_U64(ps.commits, 1);
	store_close(&s);
	fx_free(evs, N);
	free(sn);
}

/* nsmall batches of one event, then one that fills the map, pushed while
 * paused and committed as one group: the big one fails, the others are
 * held, each reported with its own outcome; one transaction tried. */
static void big_batch_fails_alone(test_ctx_t *t_, size_t nsmall, uint8_t seed)
{
	enum { BIG = 3000 };
	uint8_t net[HASH_BYTES];
	fx_ev_t *evs = calloc(BIG + nsmall, sizeof *evs);
	const uint8_t **envs = calloc(BIG, sizeof *envs);
	size_t *lens = calloc(BIG, sizeof *lens);
	key_pair_t a, b;
	store_pipeline_t *p;
	store_pipeline_stats_t ps;
	seen_t *sn = calloc(1, sizeof *sn);
	store_stats_t st;
	store_t *s;

	CHECK(evs != NULL && envs != NULL && lens != NULL && sn != NULL);
	fx_network(net);
	fx_key(&a, seed);
	fx_key(&b, seed + 1);
	for (size_t i = 0; i < BIG; i++)
		CHECK(fx_build(&evs[i], &a, net, i + 1, i ? evs[i - 1].id : NULL, EV_COMMENT,
		    "A comment long enough to fill pages quickly: lorem ipsum dolor sit amet, "
		    "consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore.",
		    net, FX_TS + i) == 0);
	CHECK(fx_chain(&evs[BIG], &b, net, 1, NULL, nsmall, "b") == 0);
	CHECK(fx_store(&s, TEST_TMP, "s", STORE_MAP_MIN) == 0);
	sn->s = s;
	CHECK((p = store_pipeline_new(s, net, 2, on_done, sn)) != NULL);
	store_pipeline_pause(p, 1);
	for (size_t k = 0; k < nsmall; k++) {
		arrays(&evs[BIG + k], 1, envs, lens);
		CHECK(store_pipeline_push(p, envs, lens, 1, (void *)(uintptr_t)(k + 1)) == 0);
	}
	arrays(evs, BIG, envs, lens);
	CHECK(store_pipeline_push(p, envs, lens, BIG, (void *)(uintptr_t)(nsmall + 1)) == 0);
	CHECK(store_pipeline_flush(p) == WIEC_ERR_MAP_FULL);
	CHECK_EQ_U64(sn->nb, nsmall + 1);
	for (size_t k = 0; k < nsmall; k++) {
		CHECK(sn->tag[k] == k + 1 && sn->err[k] == 0 && sn->added[k] == 1);
		CHECK(sn->check[k][0] == 0 && sn->res[k][0] == STORE_ADDED);
	}
	CHECK(sn->tag[nsmall] == nsmall + 1 && sn->err[nsmall] == WIEC_ERR_MAP_FULL &&
	    sn->added[nsmall] == 0);
	CHECK(store_stats(s, &st) == 0);
	CHECK_EQ_U64(st.events, nsmall);
	store_pipeline_close(&p, &ps);
	CHECK_EQ_U64(ps.commits, 1);	/* one group, retried batch by batch */
	store_close(&s);
	fx_free(evs, BIG + nsmall);
	free(evs);
	free(envs);
	free(lens);
	free(sn);
}

/* A transaction of several batches that fails is not anyone's failure
 * until each batch has been committed alone: the one that fills the map
 * fails, the one beside it is held. */
TEST(pipeline_failed_merge_commits_alone)
{
	big_batch_fails_alone(t_, 1, 0x61);
}

/* The same when the batch that fills the map joined a full group late. */
TEST(pipeline_failed_late_batch_fails_alone)
{
	big_batch_fails_alone(t_, STORE_PIPELINE_MERGE, 0x63);
}
