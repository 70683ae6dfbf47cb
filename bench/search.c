/* search.c: `wiec search` over 100,000 ideas of Polish text, about 1 KB
 * each: median and p99 latency of 100 queries, each a whole `wiec search`
 * process, against `wiec status` on the same store as the ceiling; and the
 * index's bytes per byte of indexed text (title + text).
 *
 *     make bench            (or: make wiec build/bench-search && build/bench-search)
 *
 * The store is built by a bulk path: `wiec init`, then the ideas (signed
 * here by 1,000 resident keys, 100 each, deterministic) decoded and
 * ingested through the store library in batches of 4,096, the same write
 * path `wiec import` takes, without re-verifying signatures made a moment
 * ago. WIEC names the binary (default ./wiec); BENCH_SEARCH_IDEAS scales
 * the corpus down for a quick run; BENCH_SEARCH_KEEP keeps the store. */
#include <errno.h>
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
#include "store/search.h"
#include "store/store.h"

#define IDEAS_DEFAULT 100000
#define AUTHORS 1000
#define BATCH 4096
#define QUERIES 100
#define STATUS_RUNS 30
#define TEXT_BYTES 1000

/* Polish words, the most frequent first; drawn with a Zipf-like skew. */
static const char *const words[] = {
	"miasto", "park", "drzewa", "ulica", "dzieci", "mieszkańcy", "rower", "ścieżka",
	"ławki", "plac", "szkoła", "zieleń", "przystanek", "tramwaj", "autobus", "chodnik",
	"oświetlenie", "boisko", "plac zabaw", "biblioteka", "rzeka", "most", "parking",
	"budżet", "osiedle", "dzielnica", "kosz", "śmieci", "woda", "źródło", "fontanna",
	"kwiaty", "trawnik", "drzew", "drzewami", "ulicy", "ulicami", "parku", "parków",
	"rowerowa", "rowerów", "ścieżki", "ławek", "placu", "szkoły", "szkole", "zieleni",
	"przystanku", "tramwaje", "autobusów", "chodniki", "latarnie", "boiska", "książki",
	"rzeki", "mostu", "parkingi", "osiedla", "dzielnicy", "koszy", "wody", "źródła",
	"fontanny", "kwiatów", "trawniki", "Łódź", "Łodzi", "Gdynia", "Gdyni", "Poznań",
	"Poznaniu", "Katowice", "Gliwice", "Sopot", "Gdańsk", "Kraków", "Krakowie",
	"seniorzy", "seniorów", "młodzież", "sport", "kultura", "koncert", "festyn",
	"warsztaty", "spotkanie", "konsultacje", "remont", "naprawa", "budowa", "projekt",
	"inwestycja", "bezpieczeństwo", "hałas", "powietrze", "smog", "klimat", "upał",
	"cień", "deszcz", "retencja", "ogród", "ogródki", "pszczoły", "łąka", "kwietna",
	"skwer", "podwórko", "schody", "winda", "dostępność", "wózek", "rampa", "toaleta",
	"pies", "psów", "wybieg", "weterynarz", "schronisko", "kot", "ptaki", "budki",
	"hulajnogi", "stojaki", "wiata", "ławka", "stół", "grill", "altana", "scena",
	"mural", "sztuka", "historia", "pomnik", "tablica", "muzeum", "kino", "teatr",
	"żłobek", "przedszkole", "przychodnia", "apteka", "targ", "bazar", "sklep",
	"kawiarnia", "rynek", "ratusz", "urząd", "radni", "prezydent", "głosowanie",
};
#define NWORDS (sizeof words / sizeof words[0])
static const char *const glue[] = { "i", "w", "na", "przy", "dla", "oraz", "że", "nie",
	"się", "jest", "do", "z" };
#define NGLUE (sizeof glue / sizeof glue[0])

/* A word index skewed towards the start of the list. */
static size_t zipf(uint64_t *rng)
{
	double u = (double)(bench_splitmix(rng) >> 11) / 9007199254740992.0;

	return (size_t)(NWORDS * u * u * u) % NWORDS;
}

/* The long tail of a vocabulary: word r of about 50,000, made of
 * syllables, drawn with a Zipf-like skew (rare words are many). */
static const char *const syll[] = { "ka", "ro", "wie", "dzi", "szcz", "ła", "ść", "mo",
	"prze", "ny", "gó", "rze", "ba", "cie", "ję", "zy", "pa", "ło", "ń", "sta", "kró",
	"wą", "li", "że" };
#define NSYLL (sizeof syll / sizeof syll[0])

static size_t tail_word(char *out, uint64_t *rng)
{
	double u = (double)(bench_splitmix(rng) >> 11) / 9007199254740992.0;
	uint64_t r = (uint64_t)(50000 * u * u);
	size_t n = 0;

	r += NSYLL * NSYLL;	/* at least three syllables */
	do {
		size_t l = strlen(syll[r % NSYLL]);

		memcpy(out + n, syll[r % NSYLL], l);
		n += l;
		r /= NSYLL;
	} while (r > 0);
	out[n] = '\0';
	return n;
}

/* About len bytes of sentence-like text into out (len + 64 bytes room):
 * a third stop words, the rest common words of the list and the long tail. */
static size_t text(char *out, size_t len, uint64_t *rng)
{
	size_t n = 0, k = 0;
	char tw[64];

	while (n < len) {
		const char *w = (k++ % 3 == 2) ? glue[bench_splitmix(rng) % NGLUE] :
		    bench_splitmix(rng) % 2 ? words[zipf(rng)] : (tail_word(tw, rng), tw);
		size_t wl = strlen(w);

		memcpy(out + n, w, wl);
		n += wl;
		if (bench_splitmix(rng) % 9 == 0) {
			out[n++] = '.';
		}
		out[n++] = ' ';
	}
	out[n - 1] = '\0';
	return n - 1;
}

/* Signs and ingests the ideas; *text_bytes receives the bytes indexed,
 * *ingest_s the seconds spent in store_ingest. */
static int build(store_t *s, size_t nideas, uint64_t *text_bytes, double *ingest_s)
{
	uint8_t network[HASH_BYTES], (*prev)[HASH_BYTES];
	key_pair_t *keys;
	uint64_t *seq;
	ev_t *evs;
	uint8_t **envs;
	int *res, rc = 0;
	size_t n = 0;
	uint64_t rng = 42;
	char *title, *body;

	keys = calloc(AUTHORS, sizeof *keys);
	prev = calloc(AUTHORS, sizeof *prev);
	seq = calloc(AUTHORS, sizeof *seq);
	evs = calloc(BATCH, sizeof *evs);
	envs = calloc(BATCH, sizeof *envs);
	res = calloc(BATCH, sizeof *res);
	title = malloc(256);
	body = malloc(TEXT_BYTES + 128);
	if (!keys || !prev || !seq || !evs || !envs || !res || !title || !body ||
	    store_network(s, network) != 0) {
		rc = WIEC_ERR_NOMEM;
		goto out;
	}
	for (size_t a = 0; a < AUTHORS; a++) {
		uint8_t sd[32];

		memset(sd, 0, sizeof sd);
		memcpy(sd, &a, sizeof a);
		sd[31] = 0x5e;
		if ((rc = key_from_seed(&keys[a], sd)) != 0)
			goto out;
	}
	*text_bytes = 0;
	for (size_t i = 0; i < nideas && rc == 0; i++) {
		Wiec__Body b = WIEC__BODY__INIT;
		Wiec__Idea idea = WIEC__IDEA__INIT;
		size_t a = i % AUTHORS, len;

		*text_bytes += text(title, 40, &rng);
		*text_bytes += text(body, TEXT_BYTES - 40, &rng);
		ev_set_header(&b, network, keys[a].pk, seq[a], seq[a] ? prev[a] : NULL);
		b.timestamp = 1767225600000ULL + i;
		idea.title = title;
		idea.text = body;
		b.content_case = WIEC__BODY__CONTENT_IDEA;
		b.idea = &idea;
		if ((rc = ev_build(&envs[n], &len, &keys[a], &b)) != 0 ||
		    (rc = ev_decode(&evs[n], envs[n], len)) != 0)
			break;
		memcpy(prev[a], evs[n].id, HASH_BYTES);
		seq[a]++;
		if (++n == BATCH || i + 1 == nideas) {
			double t0 = bench_now();

			rc = store_ingest(s, evs, n, res, NULL);
			*ingest_s += bench_now() - t0;
			for (size_t k = 0; k < n; k++) {
				if (rc == 0 && res[k] != STORE_ADDED)
					rc = WIEC_ERR_CORRUPT;
				ev_free(&evs[k]);
				free(envs[k]);
			}
			n = 0;
		}
	}
	for (size_t k = 0; k < n; k++) {
		ev_free(&evs[k]);
		free(envs[k]);
	}
out:
	if (keys)
		sodium_memzero(keys, AUTHORS * sizeof *keys);
	free(keys);
	free(prev);
	free(seq);
	free(evs);
	free(envs);
	free(res);
	free(title);
	free(body);
	return rc;
}

/* Query i: one to three words of the list, folded or not, some prefixes. */
static void query(char *q, size_t cap, size_t i)
{
	static const char *const plain[] = { "lodz", "zrodlo", "drzewa", "sciezka rowerowa",
	    "zielen", "lawki", "plac zabaw", "przystanek tramwaj", "bezpieczenstwo",
	    "krakow" };
	uint64_t rng = 1000 + i;
	size_t n = 0, k = 1 + bench_splitmix(&rng) % 3;

	if (i % 5 == 0) {
		snprintf(q, cap, "%s", plain[(i / 5) % (sizeof plain / sizeof plain[0])]);
		return;
	}
	for (size_t w = 0; w < k && n + 40 < cap; w++) {
		const char *word = words[bench_splitmix(&rng) % NWORDS];

		n += (size_t)snprintf(q + n, cap - n, "%s%s%s", w ? " " : "", word,
		    i % 7 == 3 && w == 0 ? "*" : "");
	}
}

int main(void)
{
	char root[] = "/tmp/wiec-bench-search-XXXXXX", dir[128], sdir[160], q[256];
	const char *wiec = getenv("WIEC") ? getenv("WIEC") : "./wiec";
	const char *env_n = getenv("BENCH_SEARCH_IDEAS");
	size_t nideas = env_n ? strtoul(env_n, NULL, 10) : IDEAS_DEFAULT;
	double lat[QUERIES], st[STATUS_RUNS], t0, med, p99, ceil_;
	uint64_t text_bytes = 0;
	double ingest_s = 0;
	search_stats_t ss;
	store_t *s = NULL;
	int status = 1;

	if (sodium_init() < 0 || mkdtemp(root) == NULL || nideas == 0) {
		fprintf(stderr, "bench-search: setup failed\n");
		return 1;
	}
	snprintf(dir, sizeof dir, "%s/d", root);
	snprintf(sdir, sizeof sdir, "%s/store", dir);
	{
		char *argv[] = { (char *)wiec, "init", "-d", dir, "--name", "Bench", "--role",
		    "city", "--map-size", "16G", NULL };

		if (bench_run(argv) < 0) {
			fprintf(stderr, "bench-search: %s init failed (make wiec first)\n", wiec);
			goto out;
		}
	}
	t0 = bench_now();
	if (store_open(&s, sdir, (size_t)16 << 30, 0) != 0 || build(s, nideas, &text_bytes, &ingest_s) != 0 ||
	    store_search_stats(s, &ss) != 0) {
		fprintf(stderr, "bench-search: building the store failed\n");
		goto out;
	}
	store_close(&s);
	printf("# %zu ideas by %d residents, %.1f MB of indexed text, signed, stored and "
	    "indexed in %.1f s (store_ingest %.1f s, %.0f us an idea, batches of %d); index: "
	    "%llu documents, %llu terms, %llu entries\n", nideas, AUTHORS,
	    (double)text_bytes / 1e6, bench_now() - t0, ingest_s, ingest_s * 1e6 / (double)nideas,
	    BATCH, (unsigned long long)ss.docs,
	    (unsigned long long)ss.terms, (unsigned long long)ss.postings);
	fflush(stdout);
	/* Warm the page cache the same way for both. */
	for (int i = 0; i < 3; i++) {
		char *argv[] = { (char *)wiec, "status", "-d", dir, NULL };

		bench_run(argv);
	}
	for (int i = 0; i < STATUS_RUNS; i++) {
		char *argv[] = { (char *)wiec, "status", "-d", dir, "--json", NULL };

		if ((st[i] = bench_run(argv)) < 0) {
			fprintf(stderr, "bench-search: wiec status failed\n");
			goto out;
		}
	}
	for (int i = 0; i < QUERIES; i++) {
		char *argv[] = { (char *)wiec, "search", "-d", dir, q, "--json", NULL };

		query(q, sizeof q, (size_t)i);
		if ((lat[i] = bench_run(argv)) < 0) {
			fprintf(stderr, "bench-search: wiec search '%s' failed\n", q);
			goto out;
		}
	}
	qsort(st, STATUS_RUNS, sizeof st[0], bench_cmp_double);
	qsort(lat, QUERIES, sizeof lat[0], bench_cmp_double);
	ceil_ = st[STATUS_RUNS / 2];
	med = (lat[QUERIES / 2 - 1] + lat[QUERIES / 2]) / 2;
	p99 = lat[QUERIES * 99 / 100 - 1];
	printf("# wiec status on the same store: median %.1f ms of %d runs\n", ceil_ * 1e3,
	    STATUS_RUNS);
	printf("bench search: median %.1f ms, p99 %.1f ms over %d queries of %zu ideas "
	    "(ceiling: wiec status %.1f ms, ratio %.2f median, %.2f p99); index %.2f bytes per "
	    "indexed text byte\n", med * 1e3, p99 * 1e3, QUERIES, nideas, ceil_ * 1e3,
	    med / ceil_, p99 / ceil_, (double)ss.bytes / (double)text_bytes);
	status = 0;
out:
	store_close(&s);
	if (getenv("BENCH_SEARCH_KEEP")) {	/* for looking into a slow query */
		fprintf(stderr, "bench-search: kept %s\n", dir);
	} else {
		char *argv[] = { "/bin/rm", "-rf", root, NULL };

		bench_run(argv);
	}
	return status;
}
