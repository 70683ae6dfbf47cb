/* fuzz_pb.c: the .pb parser (model/pb.c) and the rules over what it
 * accepts (model/tally.c).
 *
 * Whatever the input, an error comes with a NUL-terminated reason that
 * names a line and leaves no pb_t; an accepted file has consistent ballots
 * (every choice a known project, the approval counts adding up), and every
 * rule returns distinct winners that, except for greedy-custom's 80% rule,
 * cost at most the budget. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "model/pb.h"
#include "model/tally.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_rules(const pb_t *p)
{
	unsigned char *seen = calloc(p->nproj + 1, 1);
	mpq_t sum;

	if (seen == NULL)
		return;
	mpq_init(sum);
	for (int rule = 0; rule < TALLY_RULES; rule++) {
		tally_result_t r;
		char why[128];
		int rc;

		if (rule == TALLY_MES_ADD1 || rule == TALLY_MES_ADD1_CMP) {
			/* Keep add1 to elections it finishes quickly. */
			mpq_set_ui(sum, 0, 1);
			for (size_t c = 0; c < p->nproj; c++)
				mpq_add(sum, sum, p->proj[c].cost);
			if (mpq_cmp_ui(sum, 1000, 1) > 0 || p->nvoters > 1000)
				continue;
		}
		rc = tally_run(p, (tally_rule_t)rule, NULL, &r, why, sizeof why);
		if (rc != 0) {
			if (rc != WIEC_ERR_ARG && rc != WIEC_ERR_TOO_BIG && rc != WIEC_ERR_NOMEM)
				abort();
			if (memchr(why, '\0', sizeof why) == NULL || r.win != NULL)
				abort();
			continue;
		}
		mpq_set_ui(sum, 0, 1);
		for (size_t i = 0; i < r.nwin; i++) {
			if (r.win[i] >= p->nproj || seen[r.win[i]])
				abort();
			seen[r.win[i]] = 1;
			mpq_add(sum, sum, p->proj[r.win[i]].cost);
		}
		if (rule <= TALLY_MES_ADD1_CMP && rule != TALLY_GREEDY_CUSTOM &&
		    mpq_cmp(sum, p->budget) > 0)
			abort();
		for (size_t i = 0; i < r.nwin; i++)
			seen[r.win[i]] = 0;
		tally_result_free(&r);
	}
	mpq_clear(sum);
	free(seen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (unsigned flags = 0; flags <= PB_MIXED_EOL; flags++) {
		char why[160], tiny[1];
		pb_t *p = (pb_t *)1;
		int rc;

		memset(why, 'x', sizeof why);
		rc = pb_parse(&p, (const char *)data, size, flags, why, sizeof why);
		if (rc != 0) {
			if (p != NULL || memchr(why, '\0', sizeof why) == NULL ||
			    (rc != WIEC_ERR_NOMEM && strncmp(why, "line ", 5) != 0))
				abort();
			tiny[0] = 'x';
			if (pb_parse(&p, (const char *)data, size, flags, tiny, sizeof tiny) != rc ||
			    tiny[0] != '\0' || p != NULL)
				abort();
			continue;
		}
		size_t total = 0;

		for (size_t v = 0; v < p->nvoters; v++)
			if (p->ballot[v] > p->ballot[v + 1])
				abort();
		for (size_t i = 0; i < p->ballot[p->nvoters]; i++)
			if (p->choice[i] >= p->nproj)
				abort();
		for (size_t c = 0; c < p->nproj; c++)
			total += p->approvals[c];
		if (total != p->ballot[p->nvoters] || p->projects.nrows != p->nproj ||
		    p->votes.nrows != p->nvoters)
			abort();
		check_rules(p);
		pb_free(&p);
		if (p != NULL)
			abort();
	}
	return 0;
}
