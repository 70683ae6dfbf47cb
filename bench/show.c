/* show.c: `wiec idea show` on a store of 1,000,000 events: median and p99
 * latency of whole `wiec idea show --json` processes against `wiec status`
 * on the same store as the ceiling (issue 10's performance line).
 *
 *     make bench            (or: make wiec build/bench-show && build/bench-show)
 *
 * The store: one process of the node's own identity (a member), 100,000
 * ideas in it by 1,000 residents, then supports (3 in 5) and comments (2 in
 * 5) on ideas drawn with a skew, so that some ideas carry long threads, and
 * an official status on every hundredth idea. Signed here, ingested through
 * store_ingest in batches of 4,096 (the path `wiec import` takes). WIEC
 * names the binary (default ./wiec); BENCH_SHOW_EVENTS scales the store. */
#include <fcntl.h>
#include <sodium.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/benchutil.h"
#include "crypto/err.h"
#include "proto/event.h"
#include "store/store.h"

#define EVENTS_DEFAULT 1000000
#define AUTHORS 1000
#define BATCH 4096
#define SHOWS 60
#define STATUS_RUNS 30

typedef struct gen {
	store_t *s;
	uint8_t network[HASH_BYTES];
	key_pair_t keys[AUTHORS + 1];		/* [AUTHORS]: the node's identity */
	uint8_t prev[AUTHORS + 1][HASH_BYTES];
	uint64_t seq[AUTHORS + 1];
	ev_t evs[BATCH];
	uint8_t *envs[BATCH];
	int res[BATCH];
	size_t n;
	double ingest_s;
} gen_t;

static int flush(gen_t *g)
{
	double t0 = bench_now();
	int rc = g->n ? store_ingest(g->s, g->evs, g->n, g->res, NULL) : 0;

	g->ingest_s += bench_now() - t0;
	for (size_t k = 0; k < g->n; k++) {
		if (rc == 0 && g->res[k] != STORE_ADDED)
			rc = WIEC_ERR_CORRUPT;
		ev_free(&g->evs[k]);
		free(g->envs[k]);
	}
	g->n = 0;
	return rc;
}

/* Signs b as author a after its head; its id into id (may be NULL). */
static int add(gen_t *g, size_t a, Wiec__Body *b, uint8_t *id)
{
	size_t len;
	int rc;

	ev_set_header(b, g->network, g->keys[a].pk, g->seq[a], g->seq[a] ? g->prev[a] : NULL);
	b->timestamp = 1767225600000ULL;
	if ((rc = ev_build(&g->envs[g->n], &len, &g->keys[a], b)) != 0)
		return rc;
	if ((rc = ev_decode(&g->evs[g->n], g->envs[g->n], len)) != 0) {
		free(g->envs[g->n]);
		return rc;
	}
	memcpy(g->prev[a], g->evs[g->n].id, HASH_BYTES);
	if (id != NULL)
		memcpy(id, g->evs[g->n].id, HASH_BYTES);
	g->seq[a]++;
	return ++g->n == BATCH ? flush(g) : 0;
}

/* An idea index skewed towards 0: many small threads, a few long ones. */
static size_t pick(uint64_t *rng, size_t nideas)
{
	uint64_t r = bench_splitmix(rng);

	return (size_t)((r % nideas) * ((r >> 40) % nideas) / nideas);
}

static int build(gen_t *g, size_t nevents, uint8_t (*ideas)[HASH_BYTES], size_t nideas)
{
	Wiec__Body b = WIEC__BODY__INIT;
	Wiec__Process p = WIEC__PROCESS__INIT;
	Wiec__PhasePlan ph = WIEC__PHASE_PLAN__INIT, *phs[1] = { &ph };
	ProtobufCBinaryData owner = { KEY_PK_BYTES, g->keys[AUTHORS].pk };
	uint8_t proc[HASH_BYTES];
	uint64_t rng = 7;
	size_t done = 0;
	int rc;

	p.kind = WIEC__PROCESS_KIND__PROCESS_CONSULTATION;
	p.title = "Budżet obywatelski: zieleń";
	p.n_owners = 1;
	p.owners = &owner;
	ph.name = "ideation";
	p.n_phases = 1;
	p.phases = phs;
	b.content_case = WIEC__BODY__CONTENT_PROCESS;
	b.process = &p;
	if ((rc = add(g, AUTHORS, &b, proc)) != 0)
		return rc;
	done++;
	for (size_t i = 0; i < nideas; i++, done++) {
		Wiec__Body bi = WIEC__BODY__INIT;
		Wiec__Idea idea = WIEC__IDEA__INIT;
		char title[64];

		snprintf(title, sizeof title, "Nowe drzewa i ławki przy ulicy nr %zu", i);
		idea.title = title;
		idea.text = "Posadzić drzewa, ustawić ławki i kosze; zadbać o cień w upały.";
		idea.process.len = HASH_BYTES;
		idea.process.data = proc;
		bi.content_case = WIEC__BODY__CONTENT_IDEA;
		bi.idea = &idea;
		if ((rc = add(g, i % AUTHORS, &bi, ideas[i])) != 0)
			return rc;
	}
	for (size_t k = 0; done < nevents; k++, done++) {
		Wiec__Body be = WIEC__BODY__INIT;
		Wiec__Support sup = WIEC__SUPPORT__INIT;
		Wiec__Comment com = WIEC__COMMENT__INIT;
		Wiec__Status stat = WIEC__STATUS__INIT;
		size_t target = pick(&rng, nideas), a = (size_t)(bench_splitmix(&rng) % AUTHORS);

		if (k % 100 == 0 && k / 100 < nideas) {
			stat.idea.len = HASH_BYTES;
			stat.idea.data = ideas[k / 100];
			stat.status = WIEC__IDEA_STATUS__STATUS_UNDER_REVIEW;
			stat.reason = "Przekazane do wydziału zieleni";
			be.content_case = WIEC__BODY__CONTENT_STATUS;
			be.status = &stat;
			a = AUTHORS;
		} else if (bench_splitmix(&rng) % 5 < 3) {
			sup.idea.len = HASH_BYTES;
			sup.idea.data = ideas[target];
			be.content_case = WIEC__BODY__CONTENT_SUPPORT;
			be.support = &sup;
		} else {
			com.target.len = HASH_BYTES;
			com.target.data = ideas[target];
			com.text = "Popieram, ale potrzebne też stojaki na rowery.";
			be.content_case = WIEC__BODY__CONTENT_COMMENT;
			be.comment = &com;
		}
		if ((rc = add(g, a, &be, NULL)) != 0)
			return rc;
	}
	return flush(g);
}

int main(void)
{
	char root[] = "/tmp/wiec-bench-show-XXXXXX", dir[128], sdir[160], kpath[160], hex[HASH_HEX_BYTES];
	const char *wiec = getenv("WIEC") ? getenv("WIEC") : "./wiec";
	const char *env_n = getenv("BENCH_SHOW_EVENTS");
	size_t nevents = env_n ? strtoul(env_n, NULL, 10) : EVENTS_DEFAULT, nideas;
	double lat[SHOWS], st[STATUS_RUNS], t0, med, p99, ceil_;
	uint8_t (*ideas)[HASH_BYTES] = NULL;
	gen_t *g = calloc(1, sizeof *g);
	int status = 1;

	nideas = nevents / 10 ? nevents / 10 : 1;
	if (g == NULL || sodium_init() < 0 || mkdtemp(root) == NULL || nevents < 2 ||
	    (ideas = calloc(nideas, sizeof *ideas)) == NULL) {
		fprintf(stderr, "bench-show: setup failed\n");
		free(g);
		return 1;
	}
	snprintf(dir, sizeof dir, "%s/d", root);
	snprintf(sdir, sizeof sdir, "%s/store", dir);
	snprintf(kpath, sizeof kpath, "%s/identity.key", dir);
	{
		char *argv[] = { (char *)wiec, "init", "-d", dir, "--name", "Bench", "--role",
		    "city", "--map-size", "16G", NULL };

		if (bench_run(argv) < 0) {
			fprintf(stderr, "bench-show: %s init failed (make wiec first)\n", wiec);
			goto out;
		}
	}
	for (size_t a = 0; a < AUTHORS; a++) {
		uint8_t sd[32] = { 0 };

		memcpy(sd, &a, sizeof a);
		sd[31] = 0x5f;
		if (key_from_seed(&g->keys[a], sd) != 0)
			goto out;
	}
	t0 = bench_now();
	if (key_load(&g->keys[AUTHORS], kpath) != 0 ||
	    store_open(&g->s, sdir, (size_t)16 << 30, 0) != 0 || store_network(g->s, g->network) != 0 ||
	    build(g, nevents, ideas, nideas) != 0) {
		fprintf(stderr, "bench-show: building the store failed\n");
		goto out;
	}
	store_close(&g->s);
	printf("# %zu events (%zu ideas, supports, comments, statuses) by %d residents and one "
	    "member, signed and stored in %.1f s (store_ingest %.1f s)\n", nevents, nideas,
	    AUTHORS, bench_now() - t0, g->ingest_s);
	fflush(stdout);
	for (int i = 0; i < 3; i++) {
		char *argv[] = { (char *)wiec, "status", "-d", dir, NULL };

		bench_run(argv);
	}
	for (int i = 0; i < STATUS_RUNS; i++) {
		char *argv[] = { (char *)wiec, "status", "-d", dir, "--json", NULL };

		if ((st[i] = bench_run(argv)) < 0) {
			fprintf(stderr, "bench-show: wiec status failed\n");
			goto out;
		}
	}
	for (int i = 0; i < SHOWS; i++) {
		/* Half the most discussed ideas (long threads), half drawn at random. */
		uint64_t rng = 99 + (uint64_t)i;
		size_t k = i % 2 ? (size_t)(bench_splitmix(&rng) % nideas) : (size_t)i / 2 % nideas;
		char *argv[] = { (char *)wiec, "idea", "show", "-d", dir, hex, "--json", NULL };

		hash_hex(hex, ideas[k], HASH_BYTES);
		if ((lat[i] = bench_run(argv)) < 0) {
			fprintf(stderr, "bench-show: wiec idea show %s failed\n", hex);
			goto out;
		}
	}
	qsort(st, STATUS_RUNS, sizeof st[0], bench_cmp_double);
	qsort(lat, SHOWS, sizeof lat[0], bench_cmp_double);
	ceil_ = st[STATUS_RUNS / 2];
	med = (lat[SHOWS / 2 - 1] + lat[SHOWS / 2]) / 2;
	p99 = lat[SHOWS - 1];
	printf("bench idea-show: median %.1f ms, p99 %.1f ms over %d ideas of a %zu-event store "
	    "(ceiling: wiec status %.1f ms, ratio %.2f median, %.2f p99)\n", med * 1e3,
	    p99 * 1e3, SHOWS, nevents, ceil_ * 1e3, med / ceil_, p99 / ceil_);
	status = 0;
out:
	if (g->s != NULL)
		store_close(&g->s);
	sodium_memzero(g->keys, sizeof g->keys);
	free(g);
	free(ideas);
	{
		char *argv[] = { "/bin/rm", "-rf", root, NULL };

		bench_run(argv);
	}
	return status;
}
