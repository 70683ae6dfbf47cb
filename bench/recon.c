/* bench/recon.c: bytes, round trips and CPU of a reconciliation between two
 * sets of 200,000 authors with d of them differing, against the figures
 * Negentropy V1 measured for the same shape (spec/recon.md). Each differing
 * author is, at random, behind by 1..50 events on one side (9 in 10) or
 * missing on one side (1 in 10). CPU per side is the thread CPU time spent
 * inside that side's calls; building the sets is not counted. */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/err.h"
#include "node/recon.h"

#define BENCH_N 200000

static uint64_t bench_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void head(recon_item_t *x)
{
	uint8_t buf[40];

	memcpy(buf, x->key, 32);
	memcpy(buf + 32, &x->seq, 8);
	crypto_generichash(x->val, 32, buf, sizeof buf, NULL, 0);
}

/* Fills a and b with BENCH_N authors, d of them differing. */
static int make_sets(uint64_t seed, size_t d, recon_set_t *a, recon_set_t *b)
{
	uint64_t rs = seed;

	for (size_t i = 0; i < BENCH_N; i++) {
		recon_item_t x, y;
		int ina = 1, inb = 1;

		for (int j = 0; j < 32; j += 8) {
			uint64_t v = bench_rand(&rs);
			memcpy(x.key + j, &v, 8);
		}
		x.seq = 100 + bench_rand(&rs) % 10000;
		head(&x);
		y = x;
		if (i < d) {	/* keys are random, so the first d are spread */
			uint64_t z = bench_rand(&rs);
			if (z % 10 == 0) {
				if (z & 16)
					ina = 0;
				else
					inb = 0;
			} else {
				recon_item_t *behind = (z & 16) ? &x : &y;
				behind->seq -= 1 + (z >> 8) % 50;
				head(behind);
			}
		}
		if ((ina && recon_set_put(a, &x) != 0) || (inb && recon_set_put(b, &y) != 0))
			return -1;
	}
	return 0;
}

static int bench(size_t d, size_t cap, double ceiling, const char *tag)
{
	recon_set_t *a = recon_set_new(), *b = recon_set_new();
	recon_t *i = NULL, *r = NULL;
	uint8_t *m = NULL;
	size_t ml, bytes = 0, nd = 0;
	double ti = 0, tr = 0, t0;
	int done = 0, dd, rc = -1;

	if (a == NULL || b == NULL || make_sets(0x9e3779b97f4a7c15ULL + d, d, a, b) != 0)
		goto out;
	i = recon_new(a, 1, cap);
	r = recon_new(b, 0, cap);
	if (i == NULL || r == NULL)
		goto out;
	t0 = now_ms();
	rc = recon_start(i, &m, &ml);
	ti += now_ms() - t0;
	while (rc == 0 && !done) {
		uint8_t *rep = NULL;
		size_t rl = 0;

		bytes += ml;
		t0 = now_ms();
		rc = recon_step(r, m, ml, &rep, &rl, &dd);
		tr += now_ms() - t0;
		free(m);
		m = NULL;
		if (rc != 0)
			break;
		bytes += rl;
		t0 = now_ms();
		rc = recon_step(i, rep, rl, &m, &ml, &done);
		ti += now_ms() - t0;
		free(rep);
	}
	if (rc != 0) {
		fprintf(stderr, "bench reconcile d=%zu: %s\n", d, wiec_strerror(rc));
		goto out;
	}
	(void)recon_diffs(i, &nd);
	if (nd != d) {
		fprintf(stderr, "bench reconcile d=%zu: found %zu differences\n", d, nd);
		rc = -1;
		goto out;
	}
	printf("bench reconcile d=%zu%s: %zu B (ceiling %.0f B, ratio %.2f) rtt=%u "
	    "cpu_init=%.2f ms cpu_resp=%.2f ms\n", d, tag, bytes, ceiling, bytes / ceiling,
	    recon_rounds(i), ti, tr);
out:
	free(m);
	recon_destroy(&i);
	recon_destroy(&r);
	recon_set_destroy(&a);
	recon_set_destroy(&b);
	return rc;
}

int main(void)
{
	static const struct {
		size_t d;
		double ceiling;
	} runs[] = { { 0, 341 }, { 1, 1535 }, { 100, 82198 }, { 10000, 3018959 } };
	const size_t big = (size_t)1 << 28;

	if (sodium_init() < 0) {
		fprintf(stderr, "bench-recon: sodium_init failed\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t k = 0; k < sizeof runs / sizeof runs[0]; k++)
		if (bench(runs[k].d, big, runs[k].ceiling, "") != 0)
			return 1;
	if (bench(10000, 262144, 1.2 * 3018959, " cap=262144") != 0)
		return 1;
	return 0;
}
