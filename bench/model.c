/* bench/model.c: what the deliberation model's derived-state hooks cost at
 * ingest (issue 10: >= 0.9 of the rate without them, same run).
 *
 *     make build/bench-model && build/bench-model
 *
 * Not timed: a realistic mix by BENCH_RESIDENTS residents and one member
 * organisation (the city) on one genesis: a process of the city; each
 * resident's chain of ideas in it, comments on other residents' ideas,
 * supports of them (some withdrawn); the city's statuses with reasons on
 * the ideas (one per ten resident events), each after the previous one.
 * Delivered round-robin over
 * authors in batches of BENCH_BATCH.
 *
 * Timed, alternately on fresh stores, best of BENCH_ROUNDS each:
 *   with     ev_check_batch then store_ingest, every model hook on
 *   without  the same with store_model_hooks(s, 0)
 * and the same two with the events checked beforehand (store_ingest
 * alone), where the hooks' share is largest. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/corpus.h"
#include "bench/benchutil.h"
#include "crypto/err.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "proto/event.h"
#include "proto/genesis.h"
#include "store/store.h"

#ifndef BENCH_RESIDENTS
#define BENCH_RESIDENTS 500
#endif
#define BENCH_PER_RESIDENT 100
#define BENCH_STATUSES 5000	/* one per ten resident events */
#define BENCH_EVENTS (BENCH_RESIDENTS * BENCH_PER_RESIDENT + BENCH_STATUSES + 1)
#define BENCH_BATCH 4096
#define BENCH_ROUNDS 3
#define BENCH_MAP STORE_MAP_DEFAULT

typedef struct corpus {
	uint8_t network[HASH_BYTES], *genesis;
	size_t genesis_len, n;
	uint8_t **envs;
	size_t *lens;
	size_t kinds[4];	/* ideas, comments, supports, statuses */
} corpus_t;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct chain {
	key_pair_t kp;
	uint64_t seq;
	uint8_t head[HASH_BYTES];
} chain_t;

static int post(corpus_t *c, chain_t *a, Wiec__Body *b, uint8_t id[static HASH_BYTES])
{
	int rc;

	ev_set_header(b, c->network, a->kp.pk, a->seq, a->seq ? a->head : NULL);
	b->timestamp = 1795996800000ULL + c->n;
	if ((rc = ev_build(&c->envs[c->n], &c->lens[c->n], &a->kp, b)) != 0)
		return rc;
	hash_2(id, c->envs[c->n], c->lens[c->n], NULL, 0);
	memcpy(a->head, id, HASH_BYTES);
	a->seq++;
	c->n++;
	return 0;
}

static int make_genesis(corpus_t *c, chain_t *city)
{
	return bench_genesis(&city->kp, &c->genesis, &c->genesis_len, c->network);
}

static int generate(corpus_t *c)
{
	chain_t city = { 0 }, *res = calloc(BENCH_RESIDENTS, sizeof *res);
	uint8_t (*ideas)[HASH_BYTES] = calloc(BENCH_EVENTS, HASH_BYTES);
	uint8_t process[HASH_BYTES], id[HASH_BYTES], seed[32], status_head[HASH_BYTES];
	size_t nideas = 0, statuses = 0;
	uint64_t rng = 2026;
	char title[128], text[600];
	int rc = WIEC_ERR_NOMEM;

	if (res == NULL || ideas == NULL || (c->envs = calloc(BENCH_EVENTS, sizeof *c->envs)) == NULL ||
	    (c->lens = calloc(BENCH_EVENTS, sizeof *c->lens)) == NULL)
		goto out;
	if ((rc = make_genesis(c, &city)) != 0)
		goto out;
	{
		Wiec__Body b = WIEC__BODY__INIT;
		Wiec__Process p = WIEC__PROCESS__INIT;
		Wiec__PhasePlan ph = WIEC__PHASE_PLAN__INIT, *php = &ph;
		ProtobufCBinaryData owner = { KEY_PK_BYTES, city.kp.pk };

		ph.name = "ideation";
		p.kind = WIEC__PROCESS_KIND__PROCESS_CONSULTATION;
		p.title = "Zielone miasto";
		p.owners = &owner;
		p.n_owners = 1;
		p.phases = &php;
		p.n_phases = 1;
		b.content_case = WIEC__BODY__CONTENT_PROCESS;
		b.process = &p;
		if ((rc = post(c, &city, &b, process)) != 0)
			goto out;
	}
	for (uint32_t a = 0; a < BENCH_RESIDENTS; a++) {
		snprintf(title, sizeof title, "bench-resident-%u", a);
		hash_2(seed, title, strlen(title), NULL, 0);
		if ((rc = key_from_seed(&res[a].kp, seed)) != 0)
			goto out;
	}
	/* Round-robin: at each step every resident posts one event, and the
	 * city one status per BENCH_RESIDENTS / 10 residents. */
	for (uint32_t step = 0; step < BENCH_PER_RESIDENT; step++) {
		for (uint32_t a = 0; a < BENCH_RESIDENTS; a++) {
			Wiec__Body b = WIEC__BODY__INIT;
			Wiec__Idea idea = WIEC__IDEA__INIT;
			Wiec__Comment cm = WIEC__COMMENT__INIT;
			Wiec__Support su = WIEC__SUPPORT__INIT;
			uint64_t r = splitmix(&rng) % 10;

			if (step == 0 || r < 2 || nideas == 0) {		/* 20%: an idea */
				snprintf(title, sizeof title, "Pomysł %u/%u", a, step);
				fill_text(text, 100 + splitmix(&rng) % 400, &rng);
				idea.title = title;
				idea.text = text;
				idea.process.data = process;
				idea.process.len = HASH_BYTES;
				b.content_case = WIEC__BODY__CONTENT_IDEA;
				b.idea = &idea;
				c->kinds[0]++;
			} else if (r < 5) {				/* 30%: a comment */
				fill_text(text, 40 + splitmix(&rng) % 200, &rng);
				cm.target.data = ideas[splitmix(&rng) % nideas];
				cm.target.len = HASH_BYTES;
				cm.text = text;
				b.content_case = WIEC__BODY__CONTENT_COMMENT;
				b.comment = &cm;
				c->kinds[1]++;
			} else {					/* 50%: a support */
				su.idea.data = ideas[splitmix(&rng) % nideas];
				su.idea.len = HASH_BYTES;
				su.withdraw = r == 9;
				b.content_case = WIEC__BODY__CONTENT_SUPPORT;
				b.support = &su;
				c->kinds[2]++;
			}
			if ((rc = post(c, &res[a], &b, id)) != 0)
				goto out;
			if (b.content_case == WIEC__BODY__CONTENT_IDEA)
				memcpy(ideas[nideas++], id, HASH_BYTES);
			if (a % 10 == 9 && statuses < BENCH_STATUSES) {
				Wiec__Body sb = WIEC__BODY__INIT;
				Wiec__Status st = WIEC__STATUS__INIT;
				uint8_t *idea_id = ideas[splitmix(&rng) % nideas];

				st.idea.data = idea_id;
				st.idea.len = HASH_BYTES;
				st.status = 2 + (int)(splitmix(&rng) % 6);
				st.reason = "Rozpatrzone przez wydział zieleni.";
				if (statuses > 0) {
					st.after.data = status_head;
					st.after.len = HASH_BYTES;
				}
				sb.content_case = WIEC__BODY__CONTENT_STATUS;
				sb.status = &st;
				if ((rc = post(c, &city, &sb, status_head)) != 0)
					goto out;
				statuses++;
				c->kinds[3]++;
			}
		}
	}
	rc = 0;
out:
	free(res);
	free(ideas);
	return rc;
}

/* One ingest of the whole corpus on a fresh store; pre: events checked
 * beforehand (only store_ingest timed). Returns events/s or -1. */
static double ingest(const corpus_t *c, const char *dir, int hooks, int pre)
{
	ev_t *evs = calloc(c->n, sizeof *evs);
	int *rc = calloc(c->n, sizeof *rc), *res = calloc(BENCH_BATCH, sizeof *res);
	store_t *s = NULL;
	store_stats_t st;
	double t0, t = 0, rate = -1;
	int err = WIEC_ERR_NOMEM;

	if (evs == NULL || rc == NULL || res == NULL)
		goto fail;
	if ((err = store_open(&s, dir, BENCH_MAP, STORE_OPEN_CREATE)) != 0 ||
	    (err = store_set_genesis(s, c->genesis, c->genesis_len, c->network, 0)) != 0)
		goto fail;
	store_model_hooks(s, hooks);
	if (pre && (err = ev_check_batch(evs, rc, (const uint8_t *const *)c->envs, c->lens, c->n,
	    c->network, 1)) != 0)
		goto fail;
	for (size_t i = 0; i < c->n; i += BENCH_BATCH) {
		size_t n = c->n - i < BENCH_BATCH ? c->n - i : BENCH_BATCH;

		t0 = now();
		if (!pre && (err = ev_check_batch(evs + i, rc + i,
		    (const uint8_t *const *)c->envs + i, c->lens + i, n, c->network, 1)) != 0)
			goto fail;
		for (size_t j = 0; j < n; j++)
			if ((err = rc[i + j]) != 0)
				goto fail;
		if ((err = store_ingest(s, evs + i, n, res, NULL)) != 0)
			goto fail;
		t += now() - t0;
		for (size_t j = 0; j < n; j++)
			if (res[j] != STORE_ADDED) {
				err = res[j] < 0 ? res[j] : WIEC_ERR_CORRUPT;
				goto fail;
			}
	}
	if ((err = store_stats(s, &st)) != 0)
		goto fail;
	if (st.events != c->n) {
		fprintf(stderr, "bench-model: store holds %llu events, expected %zu\n",
		    (unsigned long long)st.events, c->n);
		goto out;
	}
	rate = (double)c->n / t;
	goto out;
fail:
	fprintf(stderr, "bench-model: ingest: %s\n", wiec_strerror(err));
out:
	if (evs != NULL)
		for (size_t i = 0; i < c->n; i++)
			ev_free(&evs[i]);
	store_close(&s);
	free(evs);
	free(rc);
	free(res);
	return rate;
}

static void rm_store(const char *dir)
{
	char p[128];

	snprintf(p, sizeof p, "%s/data.mdb", dir);
	unlink(p);
	snprintf(p, sizeof p, "%s/lock.mdb", dir);
	unlink(p);
	snprintf(p, sizeof p, "%s/commit", dir);
	unlink(p);
	rmdir(dir);
}

int main(void)
{
	char root[] = "/tmp/wiec-bench-model-XXXXXX", dir[96];
	corpus_t c;
	double best[2][2] = { { 0, 0 }, { 0, 0 } };	/* [pre][hooks] */
	int status = 1;

	memset(&c, 0, sizeof c);
	if (sodium_init() < 0 || mkdtemp(root) == NULL) {
		fprintf(stderr, "bench-model: setup failed\n");
		return 1;
	}
	if (generate(&c) != 0) {
		fprintf(stderr, "bench-model: generating events failed\n");
		goto out;
	}
	printf("# %zu events: 1 process, %zu ideas, %zu comments, %zu supports, %zu statuses "
	    "by %d residents and the city\n", c.n, c.kinds[0], c.kinds[1], c.kinds[2], c.kinds[3],
	    BENCH_RESIDENTS);
	for (int round = 0; round < BENCH_ROUNDS; round++)
		for (int pre = 0; pre < 2; pre++)
			for (int k = 0; k < 2; k++) {
				int hooks = (round + k) % 2;	/* alternate which goes first */
				double r;

				snprintf(dir, sizeof dir, "%s/s", root);
				r = ingest(&c, dir, hooks, pre);
				rm_store(dir);
				if (r <= 0)
					goto out;
				if (r > best[pre][hooks])
					best[pre][hooks] = r;
			}
	printf("bench model-ingest-1thread: %.0f events/s (ceiling %.0f events/s, ratio %.2f)\n",
	    best[0][1], best[0][0], best[0][1] / best[0][0]);
	printf("bench model-ingest-store: %.0f events/s (ceiling %.0f events/s, ratio %.2f)\n",
	    best[1][1], best[1][0], best[1][1] / best[1][0]);
	printf("# ceiling: the same ingest without the model's hooks (store_model_hooks off), "
	    "best of %d; target ratio >= 0.90 (check + ingest): %s\n", BENCH_ROUNDS,
	    best[0][1] / best[0][0] >= 0.9 ? "met" : "MISSED");
	status = 0;
out:
	for (size_t i = 0; i < c.n; i++)
		free(c.envs[i]);
	free(c.envs);
	free(c.lens);
	free(c.genesis);
	rmdir(root);
	return status;
}
