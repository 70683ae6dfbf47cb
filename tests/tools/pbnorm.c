/* pbnorm.c: a .pb file in the normal form of spec/tally.md section 5, so
 * that `wiec pb import` then `wiec pb export` can be compared with the
 * original by cmp (tests/cli/pbio.sh).
 *
 *     build/tool-pbnorm [--mixed-eol] [--counted] FILE.pb
 *
 * Prints META rows sorted by key, then one line per project sorted by
 * project_id, then one per voter sorted by voter_id (digit strings by
 * value, then bytewise), each "id" followed by its other cells as
 * "|column=value" sorted by column name. Decimal budget and costs are
 * (and every META value that is a decimal) written as exact rationals (GMP), so "400000.0" and "400000" agree; the
 * points column is left out unless the vote type is cumulative or scoring
 * (ordinal points are implied by the order). --counted leaves out the
 * ballots `wiec tally` does not count (spec/tally.md section 5: an
 * approval, choose-1 or ordinal ballot whose projects cost more than the
 * budget) and sets num_votes to the ballots left. Exits 1 if the file does
 * not parse. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/afile.h"
#include "crypto/err.h"
#include "model/pb.h"

int main(int argc, char **argv);

static int natural_cmp(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la && lb && strspn(a, "0123456789") == la && strspn(b, "0123456789") == lb &&
	    la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a, b);
}

typedef struct by {
	const pb_table_t *t;
	size_t key;
} by_t;

static int row_cmp(const void *x, const void *y, void *arg)
{
	const by_t *b = arg;
	size_t i = *(const size_t *)x, j = *(const size_t *)y;

	return natural_cmp(b->t->cell[i * b->t->ncols + b->key], b->t->cell[j * b->t->ncols + b->key]);
}

static int col_cmp(const void *x, const void *y, void *arg)
{
	const pb_table_t *t = arg;

	return strcmp(t->head[*(const size_t *)x], t->head[*(const size_t *)y]);
}

static void print_decimal(const char *s)
{
	mpq_t q;

	mpq_init(q);
	if (pb_decimal(q, s) == 0)
		gmp_printf("%Qd", q);
	else
		fputs(s, stdout);
	mpq_clear(q);
}

/* Rows sorted by column key, cells sorted by column name; skip: a column
 * left out (NULL: none); dec: a column printed as an exact number. */
static int dump(const char *section, const pb_table_t *t, const char *key, const char *skip,
    const char *dec, const unsigned char *drop, const char *num_votes)
{
	size_t *rows = malloc((t->nrows + 1) * sizeof *rows), *cols = malloc((t->ncols + 1) * sizeof *cols);
	by_t b = { t, 0 };

	if (rows == NULL || cols == NULL)
		return 1;
	while (b.key < t->ncols && strcmp(t->head[b.key], key) != 0)
		b.key++;
	for (size_t r = 0; r < t->nrows; r++)
		rows[r] = r;
	for (size_t c = 0; c < t->ncols; c++)
		cols[c] = c;
	if (b.key < t->ncols)
		qsort_r(rows, t->nrows, sizeof *rows, row_cmp, &b);
	qsort_r(cols, t->ncols, sizeof *cols, col_cmp, (void *)t);
	printf("%s\n", section);
	for (size_t r = 0; r < t->nrows; r++) {
		const char *const *row = (const char *const *)t->cell + rows[r] * t->ncols;

		if (drop != NULL && drop[rows[r]])
			continue;
		fputs(b.key < t->ncols ? row[b.key] : "", stdout);
		for (size_t c = 0; c < t->ncols; c++) {
			const char *h = t->head[cols[c]];

			if (cols[c] == b.key || (skip && strcmp(h, skip) == 0))
				continue;
			printf("|%s=", h);
			if (num_votes && strcmp(row[b.key], "num_votes") == 0)
				fputs(num_votes, stdout);
			else if (dec && strcmp(h, dec) == 0)
				print_decimal(row[cols[c]]);
			else
				fputs(row[cols[c]], stdout);
		}
		putchar('\n');
	}
	free(rows);
	free(cols);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned flags = 0;
	unsigned char *drop = NULL;
	char *buf = NULL, why[256], nv[32];
	int counted = 0;
	size_t len;
	pb_t *p = NULL;
	int rc, i = 1;

	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--mixed-eol") == 0)
			flags = PB_MIXED_EOL;
		else if (strcmp(argv[i], "--counted") == 0)
			counted = 1;
		else
			break;
	}
	if (argc != i + 1) {
		fprintf(stderr, "usage: pbnorm [--mixed-eol] [--counted] FILE.pb\n");
		return 2;
	}
	if (afile_read(argv[i], 0, (size_t)1 << 30, &buf, &len) != 0) {
		fprintf(stderr, "pbnorm: %s: cannot read\n", argv[i]);
		return 1;
	}
	if ((rc = pb_parse(&p, buf, len, flags, why, sizeof why)) != 0) {
		fprintf(stderr, "pbnorm: %s: %s\n", argv[i], why);
		free(buf);
		return 1;
	}
	nv[0] = '\0';
	if (counted && p->vote_type != PB_CUMULATIVE && p->vote_type != PB_SCORING) {
		size_t left = 0;
		mpq_t sum;

		if ((drop = calloc(p->nvoters + 1, 1)) == NULL)
			return 1;
		mpq_init(sum);
		for (size_t v = 0; v < p->nvoters; v++) {
			mpq_set_ui(sum, 0, 1);
			for (size_t k = p->ballot[v]; k < p->ballot[v + 1]; k++)
				mpq_add(sum, sum, p->proj[p->choice[k]].cost);
			drop[v] = mpq_cmp(sum, p->budget) > 0;
			left += !drop[v];
		}
		mpq_clear(sum);
		snprintf(nv, sizeof nv, "%zu", left);
	}
	/* META values that are decimals (budget: "400000.0") as exact numbers. */
	rc = dump("META", &p->meta, "key", NULL, "value", NULL, nv[0] ? nv : NULL);
	rc |= dump("PROJECTS", &p->projects, "project_id", NULL, "cost", NULL, NULL);
	rc |= dump("VOTES", &p->votes, "voter_id", p->vote_type == PB_CUMULATIVE ||
	    p->vote_type == PB_SCORING ? NULL : "points", NULL, drop, NULL);
	free(drop);
	pb_free(&p);
	free(buf);
	return rc;
}
