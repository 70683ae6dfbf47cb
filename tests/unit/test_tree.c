/* test_tree.c: author trees (spec/events.md sections 4-5): forks are held,
 * never deleted; members' forks are marked excluded, residents' resolved;
 * derived state rebuilds byte for byte; the fetch plan and answer
 * (spec/sync.md) converge for any fork pattern, topology and order. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto/err.h"
#include "model/chain.h"
#include "tests/unit/fixtures.h"
#include "tests/unit/test.h"

static int verify_store(store_t *s)
{
	uint8_t bad[HASH_BYTES];
	char why[256];
	int rc = store_verify(s, bad, why, sizeof why);

	if (rc != 0)
		fprintf(stderr, "  store_verify: %s (%s)\n", wiec_strerror(rc), why);
	return rc;
}

static int digest_of(store_t *s, uint8_t d[HASH_BYTES], uint64_t *events)
{
	store_stats_t st;
	int rc = store_stats(s, &st);

	if (rc == 0) {
		memcpy(d, st.digest, HASH_BYTES);
		if (events)
			*events = st.events;
	}
	return rc;
}

/* A hash of every derived database's content, for byte-for-byte equality;
 * with skip_events the arrival-order index is left out (it names local
 * arrival numbers, which differ between nodes). */
typedef struct dumpctx {
	crypto_generichash_state st;
	int skip_events;
	size_t n;
} dumpctx_t;

static int dump_cb(void *ctx, const char *db, const void *k, size_t klen, const void *v,
    size_t vlen)
{
	dumpctx_t *d = ctx;
	uint8_t lens[16];

	if (d->skip_events && strcmp(db, "events") == 0)
		return 0;
	if (d->skip_events && strcmp(db, "refs") == 0)
		vlen = 0;	/* the value is the event's local lseq; the keys are the index */
	if (d->skip_events && (strcmp(db, "lists") == 0 || strcmp(db, "search") == 0))
		return 0;	/* local lseqs; postings in local log order (test_search.c
			 * compares their content across arrival orders) */
	hash_put_be64(lens, klen);
	hash_put_be64(lens + 8, vlen);
	crypto_generichash_update(&d->st, (const uint8_t *)db, strlen(db) + 1);
	crypto_generichash_update(&d->st, lens, sizeof lens);
	crypto_generichash_update(&d->st, k, klen);
	crypto_generichash_update(&d->st, v, vlen);
	d->n++;
	return 0;
}

static int derived_hash(store_t *s, uint8_t out[HASH_BYTES], int skip_events)
{
	dumpctx_t d = { .skip_events = skip_events };
	int rc;

	crypto_generichash_init(&d.st, NULL, 0, HASH_BYTES);
	if ((rc = store_dump_derived(s, dump_cb, &d)) != 0)
		return rc;
	return crypto_generichash_final(&d.st, out, HASH_BYTES);
}

static int count_cb(void *ctx, uint64_t lseq, const uint8_t *env, size_t len)
{
	(void)lseq;
	(void)env;
	(void)len;
	(*(size_t *)ctx)++;
	return 0;
}

TEST(tree_resident_fork_holds_everything)
{
	uint8_t net[HASH_BYTES];
	fx_ev_t main_[4], side[3];
	key_pair_t anna;
	store_head_t h;
	store_stats_t st;
	store_t *s;
	size_t n = 0;

	fx_network(net);
	fx_key(&anna, 0x11);
	/* Two devices: 1..4 on one, and 3',4',5' on the other after seq 2. */
	CHECK(fx_chain(main_, &anna, net, 1, NULL, 4, "phone") == 0);
	CHECK(fx_chain(side, &anna, net, 3, main_[1].id, 3, "laptop") == 0);
	CHECK(fx_store(&s, TEST_TMP, "s", FX_MAP) == 0);
	CHECK(fx_ingest1(s, &side[2]) == STORE_PENDING);
	for (int i = 0; i < 4; i++)
		CHECK(fx_ingest1(s, &main_[i]) == STORE_ADDED);
	CHECK(fx_ingest1(s, &side[0]) == STORE_FORK);
	CHECK(fx_ingest1(s, &side[1]) == STORE_ADDED);	/* released side[2] too */
	CHECK(store_stats(s, &st) == 0);
	CHECK_EQ_U64(st.events, 7);
	CHECK_EQ_U64(st.pending, 0);
	CHECK_EQ_U64(st.forks, 1);
	CHECK_EQ_U64(st.excluded, 0);	/* a resident's fork is resolved: all counts */
	CHECK(store_head(s, anna.pk, &h) == 0);
	CHECK_EQ_U64(h.seq, 5);
	CHECK_EQ_U64(h.fork, 3);
	CHECK_EQ_U64(h.ntips, 2);
	CHECK_EQ_U64(h.count, 7);
	CHECK(memcmp(h.id, side[2].id, HASH_BYTES) == 0);	/* latest: greatest seq */
	for (int i = 0; i < 4; i++)
		CHECK(store_excluded(s, main_[i].id) == 0);
	CHECK(store_scan_author(s, anna.pk, 1, count_cb, &n) == 0);
	CHECK_EQ_U64(n, 7);
	/* The resident posts again: above everything, on the latest. */
	{
		Wiec__Body b = WIEC__BODY__INIT;
		Wiec__Idea idea = WIEC__IDEA__INIT;
		uint8_t id[HASH_BYTES];

		idea.title = (char *)"after both devices";
		idea.text = (char *)"";
		b.content_case = WIEC__BODY__CONTENT_IDEA;
		b.idea = &idea;
		b.timestamp = FX_TS;
		CHECK(store_post(s, &anna, &b, 0, id, NULL, NULL) == 0);
		CHECK(store_head(s, anna.pk, &h) == 0);
		CHECK_EQ_U64(h.seq, 6);
		CHECK_EQ_U64(h.ntips, 2);
		/* A device whose own state is ahead keeps its order. */
		CHECK(store_post(s, &anna, &b, 40, id, NULL, NULL) == 0);
		CHECK(store_head(s, anna.pk, &h) == 0);
		CHECK_EQ_U64(h.seq, 40);
		CHECK(memcmp(h.id, id, HASH_BYTES) == 0);
	}
	CHECK(verify_store(s) == 0);
	store_close(&s);
	fx_free(main_, 4);
	fx_free(side, 3);
}

static int none_cb(void *ctx, uint64_t lseq, const uint8_t *env, size_t len)
{
	(void)lseq;
	(void)env;
	(void)len;
	++*(size_t *)ctx;
	return 0;
}

/* The prev steps a have id costs above a fork are reported, so the node
 * can charge them to the requester (a forked chain once cost 2 s of
 * walking per 54-byte-a-range Want): none on one path, one per event from
 * the have id down to the fork otherwise. */
TEST(tree_scan_missing_reports_its_walk)
{
	uint8_t net[HASH_BYTES];
	fx_ev_t main_[6], side[1];
	key_pair_t anna;
	size_t known, walked = 99, n = 0;
	int res[6];
	store_t *s;

	fx_network(net);
	fx_key(&anna, 0x12);
	CHECK(fx_chain(main_, &anna, net, 1, NULL, 6, "main") == 0);
	CHECK(fx_chain(side, &anna, net, 3, main_[1].id, 1, "side") == 0);
	CHECK(fx_store(&s, TEST_TMP, "w", FX_MAP) == 0);
	CHECK(fx_ingest(s, main_, 6, res, NULL) == 0);
	CHECK(store_scan_missing(s, anna.pk, 2, main_[5].id, 1, 0, NULL, &known, &walked,
	    none_cb, &n) == 0);
	CHECK_EQ_U64(walked, 0);	/* one path: no walk */
	CHECK_EQ_U64(known, 1);
	CHECK(fx_ingest1(s, &side[0]) == STORE_FORK);	/* fork at seq 3 */
	n = 0;
	CHECK(store_scan_missing(s, anna.pk, 2, main_[5].id, 1, 0, NULL, &known, &walked,
	    none_cb, &n) == 0);
	CHECK_EQ_U64(walked, 4);	/* seq 6, 5, 4, 3 */
	CHECK_EQ_U64(n, 1);		/* the side branch */
	store_close(&s);
	fx_free(main_, 6);
	fx_free(side, 1);
}

TEST(tree_member_equivocation_is_excluded_not_deleted)
{
	uint8_t net[HASH_BYTES];
	fx_ev_t a[5], b[2], c[1];
	key_pair_t city;
	store_head_t h;
	store_stats_t st;
	store_t *s;

	fx_network(net);
	fx_key(&city, FX_FOUNDER_SEED);	/* the genesis founder: a member */
	CHECK(fx_chain(a, &city, net, 1, NULL, 5, "a") == 0);
	CHECK(fx_chain(b, &city, net, 4, a[2].id, 2, "b") == 0);	/* fork at 4 */
	CHECK(fx_chain(c, &city, net, 2, a[0].id, 1, "c") == 0);	/* fork at 2 */
	CHECK(fx_store(&s, TEST_TMP, "s", FX_MAP) == 0);
	for (int i = 0; i < 5; i++)
		CHECK(fx_ingest1(s, &a[i]) == STORE_ADDED);
	CHECK(fx_ingest1(s, &b[0]) == STORE_FORK);
	CHECK(fx_ingest1(s, &b[1]) == STORE_ADDED);
	CHECK(store_head(s, city.pk, &h) == 0);
	CHECK_EQ_U64(h.fork, 4);
	CHECK(store_excluded(s, a[2].id) == 0);
	CHECK(store_excluded(s, a[3].id) == 1 && store_excluded(s, a[4].id) == 1);
	CHECK(store_excluded(s, b[0].id) == 1 && store_excluded(s, b[1].id) == 1);
	CHECK(verify_store(s) == 0);
	/* A lower fork moves the line down; nothing is deleted. */
	CHECK(fx_ingest1(s, &c[0]) == STORE_FORK);
	CHECK(store_head(s, city.pk, &h) == 0);
	CHECK_EQ_U64(h.fork, 2);
	CHECK(store_stats(s, &st) == 0);
	CHECK_EQ_U64(st.events, 8);
	CHECK_EQ_U64(st.excluded, 7);
	CHECK(store_excluded(s, a[0].id) == 0 && store_excluded(s, a[1].id) == 1);
	/* The member can say nothing more. */
	{
		Wiec__Body bd = WIEC__BODY__INIT;
		Wiec__Idea idea = WIEC__IDEA__INIT;
		uint8_t id[HASH_BYTES], *env = (uint8_t *)1;
		size_t len;

		idea.title = (char *)"t";
		idea.text = (char *)"";
		bd.content_case = WIEC__BODY__CONTENT_IDEA;
		bd.idea = &idea;
		CHECK(store_post(s, &city, &bd, 0, id, &env, &len) == WIEC_ERR_FORKED && !env);
	}
	CHECK(verify_store(s) == 0);
	store_close(&s);
	fx_free(a, 5);
	fx_free(b, 2);
	fx_free(c, 1);
}

TEST(tree_chain_refusals)
{
	uint8_t net[HASH_BYTES];
	fx_ev_t a[3], x, y, other[1];
	key_pair_t anna, bob;
	store_t *s;

	fx_network(net);
	fx_key(&anna, 0x11);
	fx_key(&bob, 0x12);
	CHECK(fx_chain(a, &anna, net, 1, NULL, 3, "a") == 0);
	CHECK(fx_chain(other, &bob, net, 1, NULL, 1, "b") == 0);
	/* prev held but another author's: can never link. */
	CHECK(fx_build(&x, &anna, net, 2, other[0].id, EV_IDEA, "x", NULL, FX_TS) == 0);
	/* prev held with a seq not below: can never link. */
	CHECK(fx_build(&y, &anna, net, 2, a[1].id, EV_IDEA, "y", NULL, FX_TS) == 0);
	CHECK(fx_store(&s, TEST_TMP, "s", FX_MAP) == 0);
	CHECK(fx_ingest1(s, &other[0]) == STORE_ADDED);
	for (int i = 0; i < 3; i++)
		CHECK(fx_ingest1(s, &a[i]) == STORE_ADDED);
	CHECK(fx_ingest1(s, &x) == WIEC_ERR_CHAIN);
	CHECK(fx_ingest1(s, &y) == WIEC_ERR_CHAIN);
	CHECK(verify_store(s) == 0);
	store_close(&s);
	fx_free(a, 3);
	fx_free(&x, 1);
	fx_free(&y, 1);
	fx_free(other, 1);
}

/* ---- a random forest of author trees ---- */

#define TR_MAX 96

typedef struct forest {
	fx_ev_t ev[TR_MAX];
	size_t n;
	int parent[TR_MAX];		/* index, or -1 for a root */
	uint64_t seq[TR_MAX];
	int author[TR_MAX];
} forest_t;

/* Authors: 0 the member (genesis founder), 1..2 residents. */
static int forest_build(forest_t *f, unsigned long long *seed, size_t max)
{
	uint8_t net[HASH_BYTES];
	key_pair_t keys[3];
	size_t per[3];

	fx_network(net);
	fx_key(&keys[0], FX_FOUNDER_SEED);
	fx_key(&keys[1], 0x21);
	fx_key(&keys[2], 0x22);
	memset(f, 0, sizeof *f);
	for (int a = 0; a < 3; a++)
		per[a] = 1 + test_rand(seed) % (max / 3);
	for (int a = 0; a < 3; a++) {
		size_t first = f->n;

		for (size_t i = 0; i < per[a]; i++) {
			char title[48];
			size_t k = f->n;
			int p = -1;
			uint64_t seq;

			/* Mostly extend the latest; sometimes branch anywhere. */
			if (i > 0) {
				unsigned r = (unsigned)(test_rand(seed) % 10);

				p = r < 6 ? (int)(k - 1) : r < 9 ?
				    (int)(first + test_rand(seed) % (k - first)) : -1;
			}
			seq = (p < 0 ? 0 : f->seq[p]) + 1 + (test_rand(seed) % 4 == 0 ?
			    test_rand(seed) % 3 : 0);
			snprintf(title, sizeof title, "t%zu-%llu", k,
			    (unsigned long long)(test_rand(seed) % 1000));
			if (fx_build(&f->ev[k], &keys[a], net, seq, p < 0 ? NULL : f->ev[p].id,
			    EV_IDEA, title, NULL, FX_TS + k) != 0)
				return -1;
			f->parent[k] = p;
			f->seq[k] = seq;
			f->author[k] = a;
			f->n++;
		}
	}
	return 0;
}

/* ---- the sync simulation: nodes, links, fetch plan and answers ---- */

#define SIM_NODES 7
#define SIM_HAVE 32

typedef struct sim {
	store_t *node[SIM_NODES];
	int n;
	int adj[SIM_NODES][SIM_NODES];
	unsigned long long seed;
	size_t budget;		/* events per answer before "more" */
} sim_t;

typedef struct collect {
	fx_ev_t *out;
	size_t n, max;
} collect_t;

static int collect_cb(void *ctx, uint64_t lseq, const uint8_t *env, size_t len)
{
	collect_t *c = ctx;

	(void)lseq;
	if (c->n == c->max)
		return 1;	/* cut: the requester asks again */
	if ((c->out[c->n].env = malloc(len)) == NULL)
		return WIEC_ERR_NOMEM;
	memcpy(c->out[c->n].env, env, len);
	c->out[c->n].len = len;
	hash_2(c->out[c->n].id, env, len, NULL, 0);
	c->n++;
	return 0;
}

/* Ingests evs in random batches and order. */
static int sim_deliver(sim_t *sm, store_t *s, fx_ev_t *evs, size_t n)
{
	size_t *idx = malloc((n ? n : 1) * sizeof *idx), done = 0;
	int rc = 0;

	if (idx == NULL)
		return WIEC_ERR_NOMEM;
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	for (size_t i = n; i > 1; i--) {
		size_t j = test_rand(&sm->seed) % i, t = idx[i - 1];

		idx[i - 1] = idx[j];
		idx[j] = t;
	}
	while (rc == 0 && done < n) {
		size_t k = 1 + test_rand(&sm->seed) % (n - done);
		fx_ev_t batch[TR_MAX];
		int res[TR_MAX];

		if (k > TR_MAX)
			k = TR_MAX;
		for (size_t i = 0; i < k; i++)
			batch[i] = evs[idx[done + i]];
		rc = fx_ingest(s, batch, k, res, NULL);
		for (size_t i = 0; rc == 0 && i < k; i++)
			if (res[i] < 0 && res[i] != WIEC_ERR_PENDING_FULL)
				rc = res[i];
		done += k;
	}
	free(idx);
	return rc;
}

typedef struct hl {
	store_head_t h[4];
	size_t n;
} hl_t;

static int hl_cb(void *ctx, const store_head_t *h)
{
	hl_t *l = ctx;

	if (l->n == 4)
		return -1;
	l->h[l->n++] = *h;
	return 0;
}

/* One pull of requester u from responder v: the reconciliation's
 * differences (authors whose seq or tips differ), then a Want per author
 * and its answer, as the node does. Returns 1 if they differed. */
static int sim_pull(sim_t *sm, int u, int v, int *err)
{
	hl_t hu = { .n = 0 }, hv = { .n = 0 };
	int differed = 0;

	if (store_scan_heads(sm->node[u], hl_cb, &hu) != 0 ||
	    store_scan_heads(sm->node[v], hl_cb, &hv) != 0) {
		*err = 1;
		return 0;
	}
	for (size_t j = 0; j < hv.n; j++) {
		const store_head_t *r = &hv.h[j], *l = NULL;

		for (size_t i = 0; i < hu.n; i++)
			if (memcmp(hu.h[i].author, r->author, KEY_PK_BYTES) == 0)
				l = &hu.h[i];
		if (l && l->seq == r->seq && memcmp(l->tips, r->tips, HASH_BYTES) == 0)
			continue;
		differed = 1;
		if (getenv("WIEC_SIM_DEBUG"))
			fprintf(stderr, "  pull %d<-%d author %02x: local seq %llu tips %llu count %llu fork %llu, remote seq %llu tips %llu count %llu fork %llu\n",
			    u, v, r->author[0], l ? (unsigned long long)l->seq : 0, l ? (unsigned long long)l->ntips : 0,
			    l ? (unsigned long long)l->count : 0, l ? (unsigned long long)l->fork : 0,
			    (unsigned long long)r->seq, (unsigned long long)r->ntips, (unsigned long long)r->count, (unsigned long long)r->fork);
		for (int retry = 0, cut = 0; retry < 2; ) {
			uint8_t have[SIM_HAVE * HASH_BYTES], after[HASH_BYTES];
			fx_ev_t got[TR_MAX];
			collect_t c = { got, 0, sm->budget };
			size_t nhave, known;
			uint64_t from, after_seq = 0;
			int rc;

			if (store_want_plan(sm->node[u], r->author, r->seq, retry, have, SIM_HAVE,
			    &nhave, &from) != 0) {
				*err = 1;
				return 0;
			}
			/* A cut answer: ask again after its last event (the same have:
			 * what we hold only grew). */
			do {
				c.n = 0;
				rc = store_scan_missing(sm->node[v], r->author, from, have, nhave,
				    after_seq, cut ? after : NULL, &known, NULL, collect_cb, &c);
				cut = rc == 1;
				if (cut) {
					ev_t e;

					if (ev_decode(&e, got[c.n - 1].env, got[c.n - 1].len) != 0)
						rc = -1;
					else {
						after_seq = e.seq;
						memcpy(after, e.id, HASH_BYTES);
						ev_free(&e);
					}
				}
				if (rc < 0 || (rc = sim_deliver(sm, sm->node[u], got, c.n)) != 0) {
					fprintf(stderr, "  sim: %s\n", wiec_strerror(rc));
					*err = 1;
				}
				fx_free(got, c.n);
			} while (cut && !*err);
			/* Unknown history: ask again with a locator. */
			if (*err || !(from > 1 && nhave > 0 && known == 0))
				break;
			retry++;
		}
	}
	return differed;
}

static int dbg_cb(void *ctx, uint64_t lseq, const uint8_t *env, size_t len)
{
	ev_t ev;

	(void)ctx;
	(void)lseq;
	if (ev_decode(&ev, env, len) == 0) {
		fprintf(stderr, " %llu:%02x%02x<%02x%02x", (unsigned long long)ev.seq, ev.id[0], ev.id[1],
		    ev.prev[0], ev.prev[1]);
		ev_free(&ev);
	}
	return 0;
}

/* Runs pulls over random links until a full sweep finds nothing to do. */
static int sim_run(sim_t *sm, int max_sweeps)
{
	for (int sweep = 0; sweep < max_sweeps; sweep++) {
		int any = 0, err = 0;
		int order[SIM_NODES * SIM_NODES][2], m = 0;

		for (int u = 0; u < sm->n; u++)
			for (int v = 0; v < sm->n; v++)
				if (sm->adj[u][v]) {
					order[m][0] = u;
					order[m++][1] = v;
				}
		for (int i = m; i > 1; i--) {
			int j = (int)(test_rand(&sm->seed) % (unsigned)i), t0 = order[i - 1][0],
			    t1 = order[i - 1][1];

			order[i - 1][0] = order[j][0];
			order[i - 1][1] = order[j][1];
			order[j][0] = t0;
			order[j][1] = t1;
		}
		for (int i = 0; i < m; i++)
			any |= sim_pull(sm, order[i][0], order[i][1], &err);
		if (err)
			return -1;
		if (!any)
			return 0;
	}
	return -2;
}

static void sim_close(sim_t *sm, const char *dir)
{
	char path[600];

	for (int i = 0; i < sm->n; i++) {
		store_close(&sm->node[i]);
		snprintf(path, sizeof path, "%s/n%d/data.mdb", dir, i);
		unlink(path);
		snprintf(path, sizeof path, "%s/n%d/lock.mdb", dir, i);
		unlink(path);
		snprintf(path, sizeof path, "%s/n%d", dir, i);
		rmdir(path);
	}
}

/* A random connected topology: a random tree plus random extra links. */
static void sim_topology(sim_t *sm)
{
	memset(sm->adj, 0, sizeof sm->adj);
	for (int i = 1; i < sm->n; i++) {
		int j = (int)(test_rand(&sm->seed) % (unsigned)i);

		sm->adj[i][j] = sm->adj[j][i] = 1;
	}
	for (int i = 0; i < sm->n; i++)
		for (int j = i + 1; j < sm->n; j++)
			if (test_rand(&sm->seed) % 4 == 0)
				sm->adj[i][j] = sm->adj[j][i] = 1;
}

/* One case: the forest's events posted at random nodes (each node gets an
 * ancestor-closed part of some branches and random single events), then
 * sync; every node must end with every event, one digest, one derived
 * state (arrival-order index aside), and pass verify. */
static int sim_case(const char *dir, unsigned long long seed, size_t max_events, int verbose)
{
	sim_t sm = { .seed = seed };
	forest_t *f = malloc(sizeof *f);
	fx_ev_t *at[SIM_NODES];
	size_t nat[SIM_NODES] = { 0 };
	uint8_t d0[HASH_BYTES], d[HASH_BYTES], x0[HASH_BYTES], x[HASH_BYTES];
	uint64_t events;
	int rc = -1;

	for (int i = 0; i < SIM_NODES; i++)
		at[i] = NULL;
	if (f == NULL || forest_build(f, &sm.seed, max_events) != 0)
		goto out;
	sm.n = 3 + (int)(test_rand(&sm.seed) % 5);
	sm.budget = 1 + test_rand(&sm.seed) % 8;
	sim_topology(&sm);
	for (int i = 0; i < sm.n; i++) {
		char name[16];

		snprintf(name, sizeof name, "n%d", i);
		if (fx_store(&sm.node[i], dir, name, FX_MAP) != 0 || store_nosync(sm.node[i]) != 0)
			goto out;
		if ((at[i] = malloc(TR_MAX * sizeof *at[i])) == NULL)
			goto out;
	}
	/* Each event is posted at one node, its ancestors travel with it
	 * there (a device posting through that node) or not (arrival before
	 * the prev: waits). */
	for (size_t k = 0; k < f->n; k++) {
		int node = (int)(test_rand(&sm.seed) % (unsigned)sm.n);

		at[node][nat[node]++] = f->ev[k];
		if (test_rand(&sm.seed) % 3 == 0) {
			int other = (int)(test_rand(&sm.seed) % (unsigned)sm.n);

			if (other != node)
				at[other][nat[other]++] = f->ev[k];
		}
	}
	for (int i = 0; i < sm.n; i++)
		if (sim_deliver(&sm, sm.node[i], at[i], nat[i]) != 0)
			goto out;
	if ((rc = sim_run(&sm, 40)) != 0) {
		fprintf(stderr, "  case %llu: no convergence (%d)\n", seed, rc);
		if (getenv("WIEC_SIM_DEBUG"))
			for (int i = 0; i < sm.n; i++) {
				key_pair_t kk;

				fx_key(&kk, FX_FOUNDER_SEED);
				fprintf(stderr, "  node %d:", i);
				store_scan_author(sm.node[i], kk.pk, 1, dbg_cb, NULL);
				fprintf(stderr, "\n");
			}
		rc = -1;
		goto out;
	}
	rc = -1;
	for (int i = 0; i < sm.n; i++) {
		if (digest_of(sm.node[i], d, &events) != 0 || derived_hash(sm.node[i], x, 1) != 0)
			goto out;
		if (i == 0) {
			memcpy(d0, d, HASH_BYTES);
			memcpy(x0, x, HASH_BYTES);
		}
		if (events != f->n || memcmp(d, d0, HASH_BYTES) != 0 ||
		    memcmp(x, x0, HASH_BYTES) != 0) {
			fprintf(stderr, "  case %llu: node %d holds %llu of %zu events or differs\n",
			    seed, i, (unsigned long long)events, f->n);
			goto out;
		}
		if (verbose && verify_store(sm.node[i]) != 0)
			goto out;
	}
	rc = 0;
out:
	sim_close(&sm, dir);
	for (int i = 0; i < SIM_NODES; i++)
		free(at[i]);
	if (f != NULL)
		fx_free(f->ev, f->n);
	free(f);
	return rc;
}

/* 1,000 random fork patterns x topologies (3..7 nodes) x orders. To
 * replay one case: WIEC_SIM_CASE=N (with WIEC_SIM_DEBUG=1 to see its
 * pulls); WIEC_SIM_CASES=N runs only the first N (the valgrind run). */
TEST(tree_sync_converges_1000_cases)
{
	const char *one = getenv("WIEC_SIM_CASE"), *many = getenv("WIEC_SIM_CASES");
	unsigned long long first = one ? strtoull(one, NULL, 10) : 1;
	unsigned long long last = one ? first : many ? strtoull(many, NULL, 10) : 1000;

	for (unsigned long long c = first; c <= last; c++)
		CHECK(sim_case(TEST_TMP, c * 0x9E3779B97F4A7C15ULL, 24, c % 50 == 0) == 0);
}

/* The case that split digests for good before trees: one member key, seq
 * 4 on nodes 1 and 2, a seq-2 branch on node 3, a seq-3 branch on node 4;
 * nodes in a line, the forked ones at the ends. */
TEST(tree_sync_reproduced_divergent_forks)
{
	uint8_t net[HASH_BYTES], d0[HASH_BYTES], d[HASH_BYTES];
	fx_ev_t m[4], b3[1], b4[2];
	key_pair_t city;
	sim_t sm = { .seed = 42, .n = 4, .budget = 16384 };
	uint64_t events;

	fx_network(net);
	fx_key(&city, FX_FOUNDER_SEED);
	CHECK(fx_chain(m, &city, net, 1, NULL, 4, "main") == 0);
	CHECK(fx_chain(b3, &city, net, 2, m[0].id, 1, "three") == 0);
	CHECK(fx_chain(b4, &city, net, 2, m[0].id, 2, "four") == 0);
	for (int i = 0; i < 4; i++) {
		char name[16];

		snprintf(name, sizeof name, "n%d", i);
		CHECK(fx_store(&sm.node[i], TEST_TMP, name, FX_MAP) == 0);
	}
	CHECK(sim_deliver(&sm, sm.node[0], m, 4) == 0);
	CHECK(sim_deliver(&sm, sm.node[1], m, 4) == 0);
	CHECK(sim_deliver(&sm, sm.node[2], m, 1) == 0 && sim_deliver(&sm, sm.node[2], b3, 1) == 0);
	CHECK(sim_deliver(&sm, sm.node[3], m, 1) == 0 && sim_deliver(&sm, sm.node[3], b4, 2) == 0);
	sm.adj[2][0] = sm.adj[0][2] = 1;
	sm.adj[0][1] = sm.adj[1][0] = 1;
	sm.adj[1][3] = sm.adj[3][1] = 1;
	CHECK(sim_run(&sm, 10) == 0);
	for (int i = 0; i < 4; i++) {
		CHECK(digest_of(sm.node[i], d, &events) == 0);
		if (i == 0)
			memcpy(d0, d, HASH_BYTES);
		CHECK(memcmp(d, d0, HASH_BYTES) == 0);
		CHECK_EQ_U64(events, 7);
		CHECK(store_excluded(sm.node[i], m[1].id) == 1);
		CHECK(store_excluded(sm.node[i], m[0].id) == 0);
		CHECK(verify_store(sm.node[i]) == 0);
	}
	sim_close(&sm, TEST_TMP);
	fx_free(m, 4);
	fx_free(b3, 1);
	fx_free(b4, 2);
}

TEST(tree_reindex_is_byte_identical)
{
	unsigned long long seed = 7;
	forest_t *f = malloc(sizeof *f);
	uint8_t before[HASH_BYTES], after[HASH_BYTES], d1[HASH_BYTES], d2[HASH_BYTES];
	sim_t sm = { .seed = 3 };
	store_t *s;

	CHECK(f != NULL && forest_build(f, &seed, TR_MAX) == 0);
	CHECK(fx_store(&s, TEST_TMP, "s", FX_MAP) == 0);
	CHECK(sim_deliver(&sm, s, f->ev, f->n) == 0);
	CHECK(derived_hash(s, before, 0) == 0 && digest_of(s, d1, NULL) == 0);
	CHECK(store_reindex(s) == 0);
	CHECK(derived_hash(s, after, 0) == 0 && digest_of(s, d2, NULL) == 0);
	CHECK(memcmp(before, after, HASH_BYTES) == 0);
	CHECK(memcmp(d1, d2, HASH_BYTES) == 0);
	CHECK(verify_store(s) == 0);
	store_close(&s);
	fx_free(f->ev, f->n);
	free(f);
}

TEST(tree_pending_bounded_and_expires)
{
	uint8_t net[HASH_BYTES];
	enum { N = STORE_PENDING_AUTHOR + 10 };
	fx_ev_t *evs = calloc(N + 1, sizeof *evs);
	key_pair_t anna;
	store_stats_t st;
	store_t *s;
	size_t dropped = 0;

	CHECK(evs != NULL);
	fx_network(net);
	fx_key(&anna, 0x31);
	CHECK(fx_chain(evs, &anna, net, 1, NULL, N + 1, "p") == 0);
	CHECK(fx_store(&s, TEST_TMP, "s", FX_MAP) == 0);
	/* Everything but seq 1 waits: the author's bound keeps the newest. */
	for (int i = 1; i <= N; i++)
		CHECK(fx_ingest1(s, &evs[i]) == STORE_PENDING);
	CHECK(store_stats(s, &st) == 0);
	CHECK_EQ_U64(st.pending, STORE_PENDING_AUTHOR);
	/* Not yet old: nothing expires. */
	CHECK(store_pending_expire(s, (uint64_t)time(NULL) * 1000, &dropped) == 0 && dropped == 0);
	CHECK(store_pending_expire(s, (uint64_t)time(NULL) * 1000 + STORE_PENDING_TTL_MS + 60000,
	    &dropped) == 0);
	CHECK_EQ_U64(dropped, STORE_PENDING_AUTHOR);
	CHECK(store_stats(s, &st) == 0);
	CHECK_EQ_U64(st.pending, 0);
	/* Dropped waiters are fetched again: the chain still completes. */
	for (int i = N; i >= 0; i--)
		CHECK(fx_ingest1(s, &evs[i]) == (i ? STORE_PENDING : STORE_ADDED));
	CHECK(store_stats(s, &st) == 0);
	CHECK_EQ_U64(st.events, STORE_PENDING_AUTHOR + 1);	/* the rest was evicted */
	CHECK(verify_store(s) == 0);
	store_close(&s);
	fx_free(evs, N + 1);
	free(evs);
}

/* ---- migration of a format-2 store (spec/events.md section 10) ---- */

#include <lmdb.h>
#include <sys/stat.h>

static int put(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t kl, const void *v, size_t vl)
{
	MDB_val key = { kl, (void *)k }, val = { vl, (void *)v };

	return mdb_put(txn, dbi, &key, &val, 0);
}

/* Writes a store as version 1 of wiec did: log, events -> lseq, chains
 * author||seq -> id, heads, pending author||seq||id -> envelope. */
static int write_v2(const char *path, const fx_ev_t *log, size_t nlog, const uint64_t *seqs,
    const fx_ev_t *pend, size_t npend, const uint64_t *pseqs, const uint8_t *author)
{
	uint8_t *g, net[HASH_BYTES], ver[4] = { 0, 0, 0, 2 }, k[8 + 64], v[HASH_BYTES + 70000];
	MDB_dbi log_, events, chains, heads, pending, meta;
	MDB_env *env;
	MDB_txn *txn;
	size_t glen;
	int rc;

	if (mkdir(path, 0700) != 0 || fx_genesis(&g, &glen, net) != 0)
		return -1;
	if ((rc = mdb_env_create(&env)) != 0 || (rc = mdb_env_set_maxdbs(env, 8)) != 0 ||
	    (rc = mdb_env_set_mapsize(env, FX_MAP)) != 0 ||
	    (rc = mdb_env_open(env, path, 0, 0600)) != 0 ||
	    (rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0)
		return -1;
	mdb_dbi_open(txn, "log", MDB_CREATE, &log_);
	mdb_dbi_open(txn, "events", MDB_CREATE, &events);
	mdb_dbi_open(txn, "chains", MDB_CREATE, &chains);
	mdb_dbi_open(txn, "heads", MDB_CREATE, &heads);
	mdb_dbi_open(txn, "pending", MDB_CREATE, &pending);
	mdb_dbi_open(txn, "meta", MDB_CREATE, &meta);
	rc = put(txn, meta, "version", 7, ver, 4) || put(txn, meta, "genesis", 7, g, glen) ||
	    put(txn, meta, "network", 7, net, HASH_BYTES);
	for (size_t i = 0; rc == 0 && i < nlog; i++) {
		hash_put_be64(k, i + 1);
		memcpy(v, log[i].id, HASH_BYTES);
		memcpy(v + HASH_BYTES, log[i].env, log[i].len);
		rc = put(txn, log_, k, 8, v, HASH_BYTES + log[i].len) ||
		    put(txn, events, log[i].id, HASH_BYTES, k, 8);
		memcpy(k, author, KEY_PK_BYTES);
		hash_put_be64(k + KEY_PK_BYTES, seqs[i]);
		rc = rc || put(txn, chains, k, KEY_PK_BYTES + 8, log[i].id, HASH_BYTES);
	}
	hash_put_be64(k, nlog + 1);
	rc = rc || put(txn, meta, "lseq", 4, k, 8);
	for (size_t i = 0; rc == 0 && i < npend; i++) {
		memcpy(k, author, KEY_PK_BYTES);
		hash_put_be64(k + KEY_PK_BYTES, pseqs[i]);
		memcpy(k + KEY_PK_BYTES + 8, pend[i].id, HASH_BYTES);
		rc = put(txn, pending, k, KEY_PK_BYTES + 8 + HASH_BYTES, pend[i].env, pend[i].len);
	}
	free(g);
	rc = rc || mdb_txn_commit(txn);
	mdb_env_close(env);
	return rc ? -1 : 0;
}

TEST(tree_migrates_format_2)
{
	uint8_t net[HASH_BYTES], d1[HASH_BYTES], d2[HASH_BYTES];
	fx_ev_t a[3], fork2[1], late[1], orphan[1], orphan_prev[1], all[6];
	uint64_t seqs[4] = { 1, 2, 2, 3 }, pseqs[2] = { 4, 9 };
	key_pair_t anna;
	store_stats_t st;
	char path[512];
	store_t *s, *ref;
	int res[6];

	fx_network(net);
	fx_key(&anna, 0x41);
	CHECK(fx_chain(a, &anna, net, 1, NULL, 3, "a") == 0);
	CHECK(fx_chain(fork2, &anna, net, 2, a[0].id, 1, "fork") == 0);
	CHECK(fx_chain(late, &anna, net, 4, a[2].id, 1, "late") == 0);
	CHECK(fx_chain(orphan_prev, &anna, net, 8, a[2].id, 1, "gap") == 0);
	CHECK(fx_chain(orphan, &anna, net, 9, orphan_prev[0].id, 1, "orphan") == 0);
	/* Version 1 held a fork pair at seq 2 and nothing above... except it
	 * had not pruned yet in this store: log order 1, 2, 2', 3. */
	{
		fx_ev_t log[4] = { a[0], a[1], fork2[0], a[2] }, pend[2] = { late[0], orphan[0] };

		snprintf(path, sizeof path, "%s/old", TEST_TMP);
		CHECK(write_v2(path, log, 4, seqs, pend, 2, pseqs, anna.pk) == 0);
	}
	CHECK(store_open(&s, path, FX_MAP, 0) == 0);
	CHECK(store_stats(s, &st) == 0);
	CHECK_EQ_U64(st.events, 5);	/* the waiting seq 4 was released */
	CHECK_EQ_U64(st.pending, 1);	/* seq 9 still waits for seq 8 */
	CHECK(verify_store(s) == 0);
	CHECK(digest_of(s, d1, NULL) == 0);
	/* The same events ingested fresh give the same state. */
	all[0] = a[0], all[1] = a[1], all[2] = fork2[0], all[3] = a[2], all[4] = late[0];
	CHECK(fx_store(&ref, TEST_TMP, "ref", FX_MAP) == 0);
	CHECK(fx_ingest(ref, all, 5, res, NULL) == 0);
	CHECK(digest_of(ref, d2, NULL) == 0);
	CHECK(memcmp(d1, d2, HASH_BYTES) == 0);
	/* And the migrated store works on: the gap arrives, seq 9 follows. */
	CHECK(fx_ingest1(s, &orphan_prev[0]) == STORE_FORK);	/* a sibling of seq 4 */
	CHECK(store_stats(s, &st) == 0);
	CHECK_EQ_U64(st.events, 7);
	CHECK_EQ_U64(st.pending, 0);
	CHECK(verify_store(s) == 0);
	store_close(&s);
	/* Reopened: nothing rebuilt twice, same state. */
	CHECK(store_open(&s, path, FX_MAP, 0) == 0);
	CHECK(store_stats(s, &st) == 0 && st.events == 7);
	store_close(&s);
	store_close(&ref);
	fx_free(a, 3);
	fx_free(fork2, 1);
	fx_free(late, 1);
	fx_free(orphan, 1);
	fx_free(orphan_prev, 1);
}

/* Marks the store at path of model m (a raw LMDB write, as an older or
 * newer program would have left it), dropping `excluded` if drop. */
static int set_model(const char *path, uint8_t m, int drop)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta, ex;
	uint8_t v[4] = { 0, 0, 0, m };
	int ok;

	if (mdb_env_create(&env) != 0)
		return -1;
	ok = mdb_env_set_maxdbs(env, 24) == 0 && mdb_env_set_mapsize(env, FX_MAP) == 0 &&
	    mdb_env_open(env, path, 0, 0600) == 0 && mdb_txn_begin(env, NULL, 0, &txn) == 0;
	if (ok) {
		ok = mdb_dbi_open(txn, "meta", 0, &meta) == 0 &&
		    mdb_dbi_open(txn, "excluded", 0, &ex) == 0 &&
		    put(txn, meta, "model", 5, v, 4) == 0 && (!drop || mdb_drop(txn, ex, 0) == 0);
		ok = ok ? mdb_txn_commit(txn) == 0 : (mdb_txn_abort(txn), 0);
	}
	mdb_env_close(env);
	return ok ? 0 : -1;
}

/* An older model version rebuilds derived state at a writable open; a
 * newer one is refused, opened either way. */
TEST(tree_model_version_rebuilds)
{
	uint8_t before[HASH_BYTES], after[HASH_BYTES];
	unsigned long long seed = 11;
	forest_t *f = malloc(sizeof *f);
	sim_t sm = { .seed = 5 };
	char path[512], why[STORE_WHY_MAX];
	store_t *s;

	CHECK(f != NULL && forest_build(f, &seed, 30) == 0);
	CHECK(fx_store(&s, TEST_TMP, "s", FX_MAP) == 0);
	CHECK(sim_deliver(&sm, s, f->ev, f->n) == 0);
	CHECK(derived_hash(s, before, 0) == 0);
	store_close(&s);
	snprintf(path, sizeof path, "%s/s", TEST_TMP);
	/* Damage derived state and mark it of an older model version. */
	CHECK(set_model(path, 8, 1) == 0);
	CHECK(store_open(&s, path, FX_MAP, 0) == 0);
	CHECK(derived_hash(s, after, 0) == 0);
	CHECK(memcmp(before, after, HASH_BYTES) == 0);
	CHECK(verify_store(s) == 0);
	store_close(&s);
	CHECK(set_model(path, 99, 1) == 0);
	CHECK(store_open_why(&s, path, FX_MAP, 0, why, sizeof why) == WIEC_ERR_NEWER);
	CHECK(s == NULL && strstr(why, "model 99") != NULL);
	CHECK(store_open(&s, path, FX_MAP, STORE_OPEN_RDONLY) == WIEC_ERR_NEWER);
	CHECK(set_model(path, 8, 0) == 0);
	CHECK(store_open(&s, path, FX_MAP, 0) == 0);
	CHECK(derived_hash(s, after, 0) == 0);
	CHECK(memcmp(before, after, HASH_BYTES) == 0);
	store_close(&s);
	fx_free(f->ev, f->n);
	free(f);
}

/* An author with hundreds of tips: the tips value goes by buckets, and the
 * store's incremental buckets equal the pure function (verify recomputes
 * it) whatever the order. */
TEST(tree_many_tips_buckets)
{
	enum { N = 400 };
	uint8_t net[HASH_BYTES], d1[HASH_BYTES], d2[HASH_BYTES];
	fx_ev_t *evs = calloc(N, sizeof *evs);
	sim_t sm = { .seed = 99 };
	key_pair_t anna;
	store_head_t h;
	store_t *x, *y;
	unsigned long long seed = 5;

	CHECK(evs != NULL);
	fx_network(net);
	fx_key(&anna, 0x61);
	/* A root, then each event under a random earlier one. */
	for (size_t i = 0; i < N; i++) {
		char t[32];
		size_t p = i ? test_rand(&seed) % i : 0;

		snprintf(t, sizeof t, "star %zu", i);
		CHECK(fx_build(&evs[i], &anna, net, i ? 2 + i : 1, i ? evs[p].id : NULL, EV_IDEA,
		    t, NULL, FX_TS) == 0);
	}
	CHECK(fx_store(&x, TEST_TMP, "x", FX_MAP) == 0 && store_nosync(x) == 0);
	CHECK(fx_store(&y, TEST_TMP, "y", FX_MAP) == 0 && store_nosync(y) == 0);
	for (size_t i = 0; i < N; i++)
		CHECK(fx_ingest1(x, &evs[i]) > 0);
	/* y: all at once, so nothing waits (a random order would overflow the
	 * author's pending bound, by design). */
	{
		int *res = calloc(N, sizeof *res);

		CHECK(res != NULL && fx_ingest(y, evs, N, res, NULL) == 0);
		free(res);
	}
	(void)sm;
	CHECK(store_head(x, anna.pk, &h) == 0);
	CHECK(h.ntips > CHAIN_TIPS_FLAT);
	CHECK(verify_store(x) == 0);
	CHECK(verify_store(y) == 0);
	CHECK(digest_of(x, d1, NULL) == 0 && digest_of(y, d2, NULL) == 0);
	CHECK(memcmp(d1, d2, HASH_BYTES) == 0);
	CHECK(store_reindex(y) == 0 && digest_of(y, d2, NULL) == 0);
	CHECK(memcmp(d1, d2, HASH_BYTES) == 0);
	store_close(&x);
	store_close(&y);
	fx_free(evs, N);
	free(evs);
}

/* One source cannot hold more than its share of waiting events: its oldest
 * makes room, other sources keep theirs. */
TEST(tree_pending_per_source)
{
	enum { AUTHORS = 20, PER = 210, N = AUTHORS * PER };
	uint8_t net[HASH_BYTES];
	fx_ev_t *evs = calloc(N, sizeof *evs), other;
	uint8_t fake[HASH_BYTES];
	store_stats_t st;
	store_t *s;
	ev_t *ok = calloc(N, sizeof *ok);
	int *res = calloc(N, sizeof *res);

	CHECK(evs != NULL && ok != NULL && res != NULL);
	fx_network(net);
	memset(fake, 0x5a, sizeof fake);	/* a prev nobody holds: everything waits */
	for (size_t a = 0; a < AUTHORS; a++) {
		key_pair_t k;

		fx_key(&k, (uint8_t)(0x70 + a));
		for (size_t i = 0; i < PER; i++) {
			char t[32];

			snprintf(t, sizeof t, "w %zu", i);
			CHECK(fx_build(&evs[a * PER + i], &k, net, 2 + i, fake, EV_IDEA, t, NULL,
			    FX_TS) == 0);
		}
	}
	CHECK(fx_store(&s, TEST_TMP, "s", FX_MAP) == 0 && store_nosync(s) == 0);
	for (size_t i = 0; i < N; i++)
		CHECK(ev_check(&ok[i], evs[i].env, evs[i].len, net) == 0);
	for (size_t off = 0; off < N; off += 1000) {
		store_batch_t b = { .source = 7 };

		CHECK(store_ingest_batch(s, ok + off, N - off < 1000 ? N - off : 1000, res + off,
		    &b) == 0);
		free(b.moved);
	}
	CHECK(store_stats(s, &st) == 0);
	CHECK_EQ_U64(st.pending, STORE_PENDING_SOURCE);
	/* Another source still gets room. */
	{
		key_pair_t k;
		ev_t e;
		store_batch_t b = { .source = 8 };
		int r;

		fx_key(&k, 0x69);
		CHECK(fx_build(&other, &k, net, 2, fake, EV_IDEA, "other", NULL, FX_TS) == 0);
		CHECK(ev_check(&e, other.env, other.len, net) == 0);
		CHECK(store_ingest_batch(s, &e, 1, &r, &b) == 0 && r == STORE_PENDING);
		ev_free(&e);
		free(b.moved);
	}
	CHECK(store_stats(s, &st) == 0);
	CHECK_EQ_U64(st.pending, STORE_PENDING_SOURCE + 1);
	for (size_t i = 0; i < N; i++)
		ev_free(&ok[i]);
	store_close(&s);
	fx_free(evs, N);
	fx_free(&other, 1);
	free(evs);
	free(ok);
	free(res);
}
