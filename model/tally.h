/* tally.h: the voting rules over a parsed .pb election (model/pb.h), as
 * spec/tally.md section 2 states them: greedy and its variants, the Method
 * of Equal Shares with its completions, and approval, plurality and Borda
 * counts.
 *
 * Pure and deterministic: the result depends only on the pb_t and the
 * arguments. Exact arithmetic only: scores are integers with proven bounds
 * (pb.h), money is GMP rationals; there is no floating point here. */
#ifndef WIEC_TALLY_H
#define WIEC_TALLY_H

#include <stddef.h>
#include <stdint.h>

#include "model/pb.h"

/* The most budget raises the add1 completion tries before it gives up with
 * WIEC_ERR_TOO_BIG (real elections need hundreds; a file with costs of
 * 60 digits could need more than any machine can run). */
#define TALLY_ADD1_MAX	100000

typedef enum tally_rule {
	TALLY_GREEDY = 0,	/* "greedy" */
	TALLY_GREEDY_NO_SKIP,	/* "greedy-no-skip" */
	TALLY_GREEDY_THRESHOLD,	/* "greedy-threshold" */
	TALLY_GREEDY_EXCLUSIVE,	/* "greedy-exclusive" */
	TALLY_GREEDY_CUSTOM,	/* "greedy-custom" (Poznań) */
	TALLY_MES,		/* "equalshares" */
	TALLY_MES_ADD1,		/* "equalshares/add1" */
	TALLY_MES_ADD1_CMP,	/* "equalshares/add1-comparison" */
	TALLY_APPROVAL,		/* "approval": most ballots naming the project */
	TALLY_PLURALITY,	/* "plurality": most first choices */
	TALLY_BORDA,		/* "borda": ordinal ballots, m-1-k points for the k-th choice */
	TALLY_POINTS,		/* "points": the sum of points (cumulative ballots; 1 per
				 * choice otherwise) */
	TALLY_RULES
} tally_rule_t;

/* The rule named name (Pabulib's META rule values, plus "approval",
 * "plurality", "borda"). Returns 0, or -1 when there is no such rule. */
int tally_rule_parse(const char *name, tally_rule_t *rule);

/* The rule's name as tally_rule_parse accepts it. */
const char *tally_rule_name(tally_rule_t rule);

typedef struct tally_result {
	size_t nwin;
	uint32_t *win;		/* project indices in the order the rule chose them */
	uint64_t *score;	/* per project: the score the rule ranks by (for the
				 * equal-shares rules: approvals) */
	int used_greedy;	/* equalshares/add1-comparison: 1 when greedy won */
} tally_result_t;

/* Runs rule over p into *out (caller frees with tally_result_free; *out is
 * zeroed first, also on failure). group, for greedy-exclusive only, may be
 * NULL or give per project an exclusion group (0: none); at most one
 * project of a group is funded. why (whylen bytes) gets one line on
 * failure. Returns 0, WIEC_ERR_ARG when the rule does not apply to the
 * ballots (plurality of approval ballots, Borda of non-ordinal ones),
 * WIEC_ERR_TOO_BIG (add1 past TALLY_ADD1_MAX steps) or WIEC_ERR_NOMEM. */
int tally_run(const pb_t *p, tally_rule_t rule, const uint32_t *group, tally_result_t *out,
    char *why, size_t whylen);

/* Frees what tally_run allocated; accepts a zeroed or freed result. */
void tally_result_free(tally_result_t *r);

#endif
