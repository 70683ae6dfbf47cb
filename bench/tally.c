/* bench/tally.c: the live tally's recount of BENCH_BALLOTS ballots from the
 * log (issue 11: under 1 s, ratio >= 0.5 against one plain read pass).
 *
 *     make build/bench-tally && build/bench-tally
 *
 * Not timed: a one-founder network, a budget process (one unit, no
 * eligibility: the ballots alone are read) with BENCH_PROJECTS projects
 * and a greedy budget poll; BENCH_BALLOTS residents, each with one signed
 * ballot of 1..3 projects, written through store_ingest in batches (the
 * envelopes are signed and decoded just before, not verified again).
 *
 * Timed, best of BENCH_ROUNDS (WIEC_BENCH_ROUNDS), wall clock and, on a
 * second line, CPU time (steadier on a shared machine):
 *   recount   what `wiec tally` runs: a read view, the roster, the poll,
 *             ballot_tally (the process's ballots through the view's scan():
 *             the index's log positions, sorted, one ascending log pass,
 *             each body read in place, validated and added to per-project
 *             sums, each voter's latest fixed up after the pass, greedy)
 *             and the result hash
 *   ceiling   one plain read pass over the same bytes: an LMDB cursor over
 *             the `log` database (every event's id and envelope, ballots
 *             being all but 42 of them), every 8th byte summed */
#include <errno.h>
#include <lmdb.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench/benchutil.h"
#include "crypto/err.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "model/ballot.h"
#include "model/roster.h"
#include "proto/event.h"
#include "proto/genesis.h"
#include "store/store.h"

#ifndef BENCH_BALLOTS
#define BENCH_BALLOTS 1000000
#endif
#define BENCH_PROJECTS 40
#define BENCH_BATCH 4096
#ifndef BENCH_ROUNDS	/* best of 7 for both: a round moves by a fifth on a shared machine */
#define BENCH_ROUNDS 7
#endif
#define BENCH_MAP (8ULL << 30)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* This process's CPU seconds (user and system): on a shared machine they
 * move much less with the load than the wall clock does. */
static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

typedef struct bench {
	store_t *s;
	uint8_t network[HASH_BYTES], *genesis;
	size_t genesis_len;
	key_pair_t city;
	uint64_t city_seq;
	uint8_t city_head[HASH_BYTES];
	uint8_t process[HASH_BYTES], poll[HASH_BYTES];
	uint8_t project[BENCH_PROJECTS][HASH_BYTES];
} bench_t;

static int make_genesis(bench_t *b)
{
	return bench_genesis(&b->city, &b->genesis, &b->genesis_len, b->network);
}

/* Signs body as kp's event after (seq, head), decodes it into ev. */
static int build(bench_t *b, const key_pair_t *kp, uint64_t seq, const uint8_t *head,
    Wiec__Body *body, uint8_t **env, ev_t *ev)
{
	size_t len;
	int rc;

	ev_set_header(body, b->network, kp->pk, seq, head);
	body->timestamp = 1795996800000ULL + seq;
	if ((rc = ev_build(env, &len, kp, body)) != 0)
		return rc;
	return ev_decode(ev, *env, len);
}

/* One event of the city, ingested at once. */
static int city_post(bench_t *b, Wiec__Body *body, uint8_t id[static HASH_BYTES])
{
	uint8_t *env = NULL;
	ev_t ev;
	int rc, res;

	if ((rc = build(b, &b->city, b->city_seq, b->city_seq ? b->city_head : NULL, body, &env,
	    &ev)) != 0)
		goto out;
	rc = store_ingest(b->s, &ev, 1, &res, NULL);
	memcpy(id, ev.id, HASH_BYTES);
	ev_free(&ev);
	if (rc == 0 && res != STORE_ADDED)
		rc = WIEC_ERR_CORRUPT;
	memcpy(b->city_head, id, HASH_BYTES);
	b->city_seq++;
out:
	free(env);
	return rc;
}

static int setup(bench_t *b)
{
	Wiec__Body body = WIEC__BODY__INIT;
	Wiec__Process p = WIEC__PROCESS__INIT;
	Wiec__PhasePlan ph = WIEC__PHASE_PLAN__INIT, *php = &ph;
	Wiec__Unit u = WIEC__UNIT__INIT, *up = &u;
	Wiec__Poll poll = WIEC__POLL__INIT;
	ProtobufCBinaryData owner = { KEY_PK_BYTES, b->city.pk }, opts[BENCH_PROJECTS];
	int rc;

	p.kind = WIEC__PROCESS_KIND__PROCESS_BUDGET;
	p.title = "Budżet obywatelski";
	p.owners = &owner;
	p.n_owners = 1;
	ph.name = "voting";
	p.phases = &php;
	p.n_phases = 1;
	u.name = "Miasto";
	u.budget = 1000000;
	p.units = &up;
	p.n_units = 1;
	body.content_case = WIEC__BODY__CONTENT_PROCESS;
	body.process = &p;
	if ((rc = city_post(b, &body, b->process)) != 0)
		return rc;
	for (int i = 0; i < BENCH_PROJECTS; i++) {
		Wiec__Body ib = WIEC__BODY__INIT;
		Wiec__Idea idea = WIEC__IDEA__INIT;
		char title[64];

		snprintf(title, sizeof title, "Projekt %d", i + 1);
		idea.title = title;
		idea.process.data = b->process;
		idea.process.len = HASH_BYTES;
		idea.unit = "Miasto";
		idea.cost = 20000 + 5000 * (uint64_t)(i % 17);
		ib.content_case = WIEC__BODY__CONTENT_IDEA;
		ib.idea = &idea;
		if ((rc = city_post(b, &ib, b->project[i])) != 0)
			return rc;
		opts[i].data = b->project[i];
		opts[i].len = HASH_BYTES;
	}
	poll.process.data = b->process;
	poll.process.len = HASH_BYTES;
	poll.kind = WIEC__POLL_KIND__POLL_BUDGET;
	poll.options = opts;
	poll.n_options = BENCH_PROJECTS;
	poll.rule = "greedy";
	body.content_case = WIEC__BODY__CONTENT_POLL;
	body.poll = &poll;
	return city_post(b, &body, b->poll);
}

/* BENCH_BALLOTS residents' ballots, in batches. */
static int ballots(bench_t *b)
{
	ev_t *evs = calloc(BENCH_BATCH, sizeof *evs);
	uint8_t **envs = calloc(BENCH_BATCH, sizeof *envs);
	int *res = calloc(BENCH_BATCH, sizeof *res);
	uint64_t rng = 11;
	int rc = WIEC_ERR_NOMEM;

	if (evs == NULL || envs == NULL || res == NULL)
		goto out;
	for (size_t i = 0; i < BENCH_BALLOTS; i += BENCH_BATCH) {
		size_t n = BENCH_BALLOTS - i < BENCH_BATCH ? BENCH_BALLOTS - i : BENCH_BATCH;

		for (size_t j = 0; j < n; j++) {
			Wiec__Body body = WIEC__BODY__INIT;
			Wiec__Vote v = WIEC__VOTE__INIT;
			Wiec__Choice ch[3], *chp[3];
			uint8_t seed[32] = { 0 };
			key_pair_t kp;
			size_t k = 1 + splitmix(&rng) % 3;
			uint64_t first = splitmix(&rng) % BENCH_PROJECTS;

			memcpy(seed, &(uint64_t){ i + j + 1 }, 8);
			seed[31] = 0x5e;
			if ((rc = key_from_seed(&kp, seed)) != 0)
				goto out;
			for (size_t c = 0; c < k; c++) {
				wiec__choice__init(&ch[c]);
				/* Distinct projects, skewed towards the low numbers. */
				ch[c].project.data = b->project[(first + c * 7 + c * c) % BENCH_PROJECTS];
				ch[c].project.len = HASH_BYTES;
				chp[c] = &ch[c];
			}
			v.process.data = b->process;
			v.process.len = HASH_BYTES;
			v.poll.data = b->poll;
			v.poll.len = HASH_BYTES;
			v.unit = "Miasto";
			v.choices = chp;
			v.n_choices = k;
			body.content_case = WIEC__BODY__CONTENT_VOTE;
			body.vote = &v;
			rc = build(b, &kp, 0, NULL, &body, &envs[j], &evs[j]);
			key_wipe(&kp);
			if (rc != 0)
				goto out;
		}
		rc = store_ingest(b->s, evs, n, res, NULL);
		for (size_t j = 0; j < n; j++) {
			if (rc == 0 && res[j] != STORE_ADDED)
				rc = WIEC_ERR_CORRUPT;
			ev_free(&evs[j]);
			free(envs[j]);
			envs[j] = NULL;
		}
		if (rc != 0)
			goto out;
	}
	rc = 0;
out:
	free(evs);
	free(envs);
	free(res);
	return rc;
}

/* What `wiec tally` computes. Returns the seconds, or < 0; *cpu the CPU
 * seconds. */
static double recount(bench_t *b, size_t *counted, uint8_t hash[static HASH_BYTES], double *cpu)
{
	store_view_t *sv = NULL;
	model_view_t v;
	roster_t r;
	ballot_process_t bp;
	char why[128];
	double t0 = now(), c0 = cpu_now(), dt = -1;

	if (store_view_begin(b->s, &sv, &v) != 0)
		return -1;
	if (roster_load(&v, &r) == 0) {
		if (model_tally_process(&v, &r, b->process, NULL, 0, &bp, why, sizeof why) == 0) {
			dt = now() - t0;
			*cpu = cpu_now() - c0;
			*counted = bp.n == 1 ? bp.tally[0].counted : 0;
			memcpy(hash, bp.hash, HASH_BYTES);
			ballot_process_free(&bp);
		}
		roster_free(&r);
	}
	store_view_end(&sv);
	return dt;
}

/* One plain read pass: a cursor over the `log` database (every event's id
 * and envelope, spec/events.md section 10), reading every 8th byte, in an
 * LMDB environment of its own (the store is closed meanwhile). */
static double ceiling(const char *dir, uint64_t *sum, double *cpu)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_cursor *c = NULL;
	MDB_dbi log;
	MDB_val k, v;
	double t0, c0, dt = -1;
	int rc;

	*sum = 0;
	if (mdb_env_create(&env) != 0 || mdb_env_set_maxdbs(env, 24) != 0 ||
	    mdb_env_set_mapsize(env, BENCH_MAP) != 0 || mdb_env_open(env, dir, MDB_RDONLY, 0600) != 0)
		goto out;
	t0 = now();
	c0 = cpu_now();
	if (mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) != 0 || mdb_dbi_open(txn, "log", 0, &log) != 0 ||
	    mdb_cursor_open(txn, log, &c) != 0)
		goto out;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *p = v.mv_data;

		for (size_t i = 0; i < v.mv_size; i += 8)
			*sum += p[i];
		*sum += v.mv_size;
	}
	if (rc == MDB_NOTFOUND) {
		dt = now() - t0;
		*cpu = cpu_now() - c0;
	}
out:
	if (c != NULL)
		mdb_cursor_close(c);
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (env != NULL)
		mdb_env_close(env);
	return dt;
}

/* The one process of a kept store (WIEC_BENCH_DIR). */
static int first_process(void *arg, const uint8_t id[static HASH_BYTES])
{
	memcpy(arg, id, HASH_BYTES);
	return 1;
}

static int find_process(bench_t *b)
{
	static const uint8_t zero[HASH_BYTES];
	store_view_t *sv = NULL;
	model_view_t v;
	int rc;

	if ((rc = store_view_begin(b->s, &sv, &v)) != 0)
		return rc;
	rc = v.refs(v.ctx, zero, MREF_PROCESS, first_process, b->process);
	store_view_end(&sv);
	return rc == 1 ? 0 : WIEC_ERR_NOTFOUND;
}

int main(void)
{
	char root[] = "/tmp/wiec-bench-tally-XXXXXX", dir[512], p[600];
	const char *keep = getenv("WIEC_BENCH_DIR"), *nr = getenv("WIEC_BENCH_ROUNDS");
	int rounds = nr != NULL && atoi(nr) > 0 ? atoi(nr) : BENCH_ROUNDS;
	bench_t b;
	double best = 0, best_ceil = 0, best_cpu = 0, best_ceil_cpu = 0, t0;
	uint8_t hash[HASH_BYTES], first[HASH_BYTES];
	char hex[HASH_HEX_BYTES];
	size_t counted = 0;
	uint64_t sum;
	int status = 1, rc;

	memset(&b, 0, sizeof b);
	if (sodium_init() < 0 || (keep == NULL && mkdtemp(root) == NULL)) {
		fprintf(stderr, "bench-tally: setup failed\n");
		return 1;
	}
	snprintf(dir, sizeof dir, "%s/s", keep != NULL ? keep : root);
	t0 = now();
	/* WIEC_BENCH_DIR (for profiling): the store is kept there and reused. */
	if (keep != NULL && store_open(&b.s, dir, BENCH_MAP, 0) == 0) {
		if ((rc = find_process(&b)) != 0) {
			fprintf(stderr, "bench-tally: no process in %s\n", dir);
			goto out;
		}
		printf("# store of %s reused\n", dir);
	} else if (keep != NULL && mkdir(keep, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "bench-tally: %s: %s\n", keep, strerror(errno));
		goto out;
	} else if ((rc = make_genesis(&b)) != 0 ||
	    (rc = store_open(&b.s, dir, BENCH_MAP, STORE_OPEN_CREATE)) != 0 ||
	    (rc = store_set_genesis(b.s, b.genesis, b.genesis_len, b.network, 0)) != 0 ||
	    (rc = setup(&b)) != 0 || (rc = ballots(&b)) != 0) {
		fprintf(stderr, "bench-tally: building the store: %s\n", wiec_strerror(rc));
		goto out;
	} else {
		printf("# store of %d ballots, %d projects, 1 poll built in %.0f s\n", BENCH_BALLOTS,
		    BENCH_PROJECTS, now() - t0);
	}
	/* Read-only from here, as `wiec tally` opens it (a writable open is
	 * what built, or brought up to date, the store above). */
	store_close(&b.s);
	if ((rc = store_open(&b.s, dir, BENCH_MAP, STORE_OPEN_RDONLY)) != 0) {
		fprintf(stderr, "bench-tally: reopening the store: %s\n", wiec_strerror(rc));
		goto out;
	}
	for (int round = 0; round < rounds; round++) {
		double rc_cpu = 0, c_cpu = 0, r = recount(&b, &counted, hash, &rc_cpu), c;

		store_close(&b.s);
		c = ceiling(dir, &sum, &c_cpu);
		if ((rc = store_open(&b.s, dir, BENCH_MAP, STORE_OPEN_RDONLY)) != 0) {
			fprintf(stderr, "bench-tally: reopening the store: %s\n", wiec_strerror(rc));
			goto out;
		}

		if (r < 0 || c < 0 || counted != BENCH_BALLOTS) {
			fprintf(stderr, "bench-tally: recount failed (%zu counted)\n", counted);
			goto out;
		}
		if (round == 0)
			memcpy(first, hash, HASH_BYTES);
		else if (memcmp(first, hash, HASH_BYTES) != 0) {
			fprintf(stderr, "bench-tally: the result changed between recounts\n");
			goto out;
		}
		if (best == 0 || r < best)
			best = r;
		if (best_ceil == 0 || c < best_ceil)
			best_ceil = c;
		if (best_cpu == 0 || rc_cpu < best_cpu)
			best_cpu = rc_cpu;
		if (best_ceil_cpu == 0 || c_cpu < best_ceil_cpu)
			best_ceil_cpu = c_cpu;
	}
	hash_hex(hex, first, HASH_BYTES);
	printf("# result hash %s (the same in every round)\n", hex);
	printf("bench tally-recount: %.3f s (ceiling %.3f s, ratio %.2f)\n", best, best_ceil,
	    best_ceil / best);
	printf("# recount = model_tally_process as `wiec tally` runs it; ceiling: "
	    "one LMDB cursor pass over the log, best of %d; target < 1 s and ratio >= 0.5: %s\n",
	    rounds, best < 1.0 && best_ceil / best >= 0.5 ? "met" : "MISSED");
	printf("# CPU time (user + system), best of %d: recount %.3f s, ceiling %.3f s, ratio %.2f\n",
	    rounds, best_cpu, best_ceil_cpu, best_ceil_cpu / best_cpu);
	status = 0;
out:
	store_close(&b.s);
	free(b.genesis);
	if (keep != NULL)
		return status;
	snprintf(p, sizeof p, "%s/data.mdb", dir);
	unlink(p);
	snprintf(p, sizeof p, "%s/lock.mdb", dir);
	unlink(p);
	snprintf(p, sizeof p, "%s/commit", dir);
	unlink(p);
	rmdir(dir);
	rmdir(root);
	return status;
}
