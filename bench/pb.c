/* bench/pb.c: `wiec pb tally` work (parse + rule) on two real elections,
 * against parsing the same file alone as the ceiling (issue 11):
 *
 *   - Łódź 2022 (90,494 voters), greedy;
 *   - Wieliczka 2023 Green Budget (6,586 voters), equalshares/add1-comparison:
 *     MES with the add1 completion (164 raises of the budget) and exact
 *     rational arithmetic; target under 0.5 s.
 *
 * The files are in tests/pb (or $PB_DIR). Each figure is the best of 5 runs
 * of the library calls (no process start, the file already in memory).
 * Rates are ballots per second; ratio = tally rate / parse rate (1.0: the
 * rule costs nothing beside reading the file). A missing file is skipped
 * with a line saying so. Exits 1 if a rule fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/err.h"
#include "model/pb.h"
#include "model/tally.h"

#define RUNS 5

int main(void);

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (b = malloc((size_t)n + 1)) != NULL && (*len = fread(b, 1, (size_t)n, f)) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	return b;
}

/* Returns 0, 1 on failure, 2 when the file is absent. */
static int bench(const char *name, const char *file, tally_rule_t rule, double limit_s)
{
	const char *dir = getenv("PB_DIR") ? getenv("PB_DIR") : "tests/pb";
	double best_parse = 1e9, best_all = 1e9, t;
	char path[4096], why[256];
	size_t len = 0, voters = 0, nwin = 0;
	char *buf;

	snprintf(path, sizeof path, "%s/%s", dir, file);
	if ((buf = slurp(path, &len)) == NULL) {
		printf("# bench %s skipped: %s is absent (set PB_DIR to a copy of "
		    "pabulib_files/pb_files)\n", name, path);
		return 2;
	}
	for (int i = 0; i < RUNS; i++) {
		tally_result_t r;
		pb_t *p;

		t = now();
		if (pb_parse(&p, buf, len, PB_MIXED_EOL, why, sizeof why) != 0) {
			fprintf(stderr, "bench %s: %s: %s\n", name, path, why);
			free(buf);
			return 1;
		}
		t = now() - t;
		best_parse = t < best_parse ? t : best_parse;
		pb_free(&p);

		t = now();
		if (pb_parse(&p, buf, len, PB_MIXED_EOL, why, sizeof why) != 0 ||
		    tally_run(p, rule, NULL, &r, why, sizeof why) != 0) {
			fprintf(stderr, "bench %s: %s: %s\n", name, path, why);
			pb_free(&p);
			free(buf);
			return 1;
		}
		t = now() - t;
		best_all = t < best_all ? t : best_all;
		voters = p->nvoters;
		nwin = r.nwin;
		tally_result_free(&r);
		pb_free(&p);
	}
	free(buf);
	printf("# %s: %s, %zu ballots, %zu winners; parse %.1f ms, parse + %s %.1f ms "
	    "(best of %d)%s\n", name, file, voters, nwin, best_parse * 1e3, tally_rule_name(rule),
	    best_all * 1e3, RUNS, limit_s > 0 ? (best_all < limit_s ? "; under the 0.5 s target" :
	    "; OVER the 0.5 s target") : "");
	printf("bench %s: %.0f ballots/s (ceiling %.0f ballots/s, ratio %.2f)\n", name,
	    (double)voters / best_all, (double)voters / best_parse, best_parse / best_all);
	return 0;
}

int main(void)
{
	int a = bench("pb-tally-lodz-2022-greedy", "Poland_Lodz_2022.pb", TALLY_GREEDY, 0);
	int b = bench("pb-tally-wieliczka-2023-mes-add1", "Poland_Wieliczka_2023_Green_Budget.pb",
	    TALLY_MES_ADD1_CMP, 0.5);

	return a == 1 || b == 1;
}
