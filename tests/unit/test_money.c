/* test_money.c: money in units of 10^-decimals (model/money.c), and why
 * a process may hold its amounts that way: every rule but the add1
 * completion chooses the same winners when the budget and every cost are
 * multiplied by 10^decimals (spec/tally.md 4.9). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/money.h"
#include "model/pb.h"
#include "model/tally.h"
#include "proto/event.h"
#include "tests/unit/pbwinners.h"
#include "tests/unit/test.h"

TEST(money_text_cases)
{
	char m[MONEY_TEXT_BYTES];

	CHECK(strcmp(money_text(m, 164726373, 2, 0), "1647263.73") == 0);
	CHECK(strcmp(money_text(m, 164726373, 2, 1), "1647263.73") == 0);
	CHECK(strcmp(money_text(m, 6500000, 2, 0), "65000.00") == 0);
	CHECK(strcmp(money_text(m, 6500000, 2, 1), "65000") == 0);
	CHECK(strcmp(money_text(m, 21438640, 2, 1), "214386.4") == 0);
	CHECK(strcmp(money_text(m, 5, 2, 0), "0.05") == 0);
	CHECK(strcmp(money_text(m, 0, 2, 0), "0.00") == 0);
	CHECK(strcmp(money_text(m, 0, 2, 1), "0") == 0);
	CHECK(strcmp(money_text(m, 400000, 0, 0), "400000") == 0);
	CHECK(strcmp(money_text(m, 0, 0, 1), "0") == 0);
	CHECK(strcmp(money_text(m, 1, EV_DECIMALS_MAX, 0), "0.000001") == 0);
	CHECK(strcmp(money_text(m, UINT64_MAX, 0, 0), "18446744073709551615") == 0);
	CHECK(strcmp(money_text(m, UINT64_MAX, EV_DECIMALS_MAX, 0),
	    "18446744073709.551615") == 0);
	CHECK(strcmp(money_text(m, 100, 2, 1), "1") == 0);
	CHECK(strcmp(money_text(m, 10, 1, 1), "1") == 0);
}

TEST(money_decimals_units_q)
{
	mpq_t q, r;
	uint64_t v;

	mpq_inits(q, r, NULL);
	CHECK(pb_decimal(q, "1647263.73") == 0);
	CHECK_EQ_U64(money_decimals(q), 2);
	CHECK(money_units(q, 2, &v) == 0);
	CHECK_EQ_U64(v, 164726373);
	CHECK(money_units(q, 3, &v) == 0);
	CHECK_EQ_U64(v, 1647263730);
	CHECK(money_units(q, 1, &v) == -1);	/* not whole in tenths */
	CHECK(money_units(q, 0, &v) == -1);
	money_q(r, 164726373, 2);
	CHECK(mpq_equal(q, r));
	CHECK(pb_decimal(q, "400000.0") == 0);
	CHECK_EQ_U64(money_decimals(q), 0);
	CHECK(pb_decimal(q, "214386.40") == 0);
	CHECK_EQ_U64(money_decimals(q), 1);
	CHECK(pb_decimal(q, "0.000001") == 0);
	CHECK_EQ_U64(money_decimals(q), 6);
	CHECK(pb_decimal(q, "0.0000001") == 0);
	CHECK_EQ_U64(money_decimals(q), 7);
	CHECK(pb_decimal(q, "0.125") == 0);	/* 1/8: three decimals */
	CHECK_EQ_U64(money_decimals(q), 3);
	mpq_set_ui(q, 1, 3);
	CHECK(money_decimals(q) == UINT32_MAX);
	CHECK(money_units(q, 6, &v) == -1);
	mpq_set_si(q, -1, 1);
	CHECK(money_decimals(q) == UINT32_MAX);
	CHECK(money_units(q, 0, &v) == -1);
	/* The bound: 2^64 - 1 units fit, 2^64 do not. */
	CHECK(pb_decimal(q, "184467440737095516.15") == 0);
	CHECK(money_units(q, 2, &v) == 0 && v == UINT64_MAX);
	CHECK(pb_decimal(q, "184467440737095516.16") == 0);
	CHECK(money_units(q, 2, &v) == -1);
	money_q(r, UINT64_MAX, 2);
	CHECK(pb_decimal(q, "184467440737095516.15") == 0 && mpq_equal(q, r));
	money_q(r, 0, 6);
	CHECK(mpq_sgn(r) == 0);
	mpq_clears(q, r, NULL);
}

/* A random approval election with budget and costs in grosze, written with
 * decimals 2 (real amounts: "1234.56") or as whole grosze ("123456"). */
static void election(char *buf, size_t len, unsigned long long seed, int grosze)
{
	unsigned long long s = seed;
	char m[MONEY_TEXT_BYTES];
	size_t n, np = 2 + test_rand(&s) % 7, nv = 1 + test_rand(&s) % 12;
	uint64_t cost[8], budget = 0;

	for (size_t k = 0; k < np; k++) {
		/* Costs close to each other, so that ties, near-misses and
		 * leftovers by a grosz happen. */
		cost[k] = 100 + test_rand(&s) % 400 + (test_rand(&s) % 2 ? 0 : 300);
		budget += cost[k];
	}
	budget = budget * (1 + test_rand(&s) % 3) / 4 + test_rand(&s) % 50;
	n = (size_t)snprintf(buf, len, "META\nkey;value\nnum_projects;%zu\nnum_votes;%zu\n"
	    "budget;%s\nvote_type;approval\nrule;greedy\nmin_project_score_threshold;2\n"
	    "PROJECTS\nproject_id;cost\n", np, nv, money_text(m, budget, grosze ? 0 : 2, 0));
	for (size_t k = 0; k < np; k++)
		n += (size_t)snprintf(buf + n, len - n, "p%zu;%s\n", k,
		    money_text(m, cost[k], grosze ? 0 : 2, 0));
	n += (size_t)snprintf(buf + n, len - n, "VOTES\nvoter_id;vote\n");
	for (size_t v = 0; v < nv; v++) {
		unsigned long long pick = test_rand(&s) % ((1ULL << np) - 1) + 1;
		const char *sep = "";

		n += (size_t)snprintf(buf + n, len - n, "%zu;", v);
		for (size_t k = 0; k < np; k++)
			if (pick >> k & 1) {
				n += (size_t)snprintf(buf + n, len - n, "%sp%zu", sep, k);
				sep = ",";
			}
		n += (size_t)snprintf(buf + n, len - n, "\n");
	}
}

/* The budget and every cost times 100 (a process with decimals 2 holds
 * grosze): the same winners, in the same order, for every rule but the add1
 * completion, whose raise is one currency unit per voter (spec/tally.md
 * 2.3, 4.9). */
TEST(tally_scale_invariant)
{
	static const tally_rule_t rules[] = { TALLY_GREEDY, TALLY_GREEDY_NO_SKIP,
	    TALLY_GREEDY_THRESHOLD, TALLY_GREEDY_CUSTOM, TALLY_MES };
	char a[4096], b[4096], wa[256], wb[256];

	for (unsigned long long seed = 1; seed <= 400; seed++) {
		election(a, sizeof a, seed, 0);
		election(b, sizeof b, seed, 1);
		for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++) {
			CHECK(winners(a, rules[r], wa, sizeof wa) == 0);
			CHECK(winners(b, rules[r], wb, sizeof wb) == 0);
			if (strcmp(wa, wb) != 0)
				fprintf(stderr, "  seed %llu rule %s: %s / %s\n", seed,
				    tally_rule_name(rules[r]), wa, wb);
			CHECK(strcmp(wa, wb) == 0);
		}
	}
}
