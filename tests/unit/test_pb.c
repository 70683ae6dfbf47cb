/* test_pb.c: the .pb parser (model/pb.c) and the rules (model/tally.c) on
 * small hand-made elections whose outcome is worked out in the comments. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "model/pb.h"
#include "model/tally.h"
#include "tests/unit/pbwinners.h"
#include "tests/unit/test.h"

/* META with the given extra lines, projects "id;cost" lines, votes
 * "voter;vote[;points]" lines, into buf. */
static void mk(char *buf, size_t len, const char *vtype, const char *budget, const char *extra,
    size_t np, const char *const *proj, size_t nv, const char *const *votes, int points)
{
	size_t n;

	n = (size_t)snprintf(buf, len, "META\nkey;value\nnum_projects;%zu\nnum_votes;%zu\n"
	    "budget;%s\nvote_type;%s\nrule;greedy\n%sPROJECTS\nproject_id;cost\n", np, nv, budget,
	    vtype, extra);
	for (size_t i = 0; i < np; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s\n", proj[i]);
	n += (size_t)snprintf(buf + n, len - n, "VOTES\nvoter_id;vote%s\n", points ? ";points" : "");
	for (size_t i = 0; i < nv; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s\n", votes[i]);
}

TEST(pb_decimal_exact)
{
	mpq_t q;

	mpq_init(q);
	CHECK(pb_decimal(q, "12.50") == 0 && mpz_cmp_ui(mpq_numref(q), 25) == 0 &&
	    mpz_cmp_ui(mpq_denref(q), 2) == 0);
	CHECK(pb_decimal(q, "400000.0") == 0 && mpq_cmp_ui(q, 400000, 1) == 0);
	CHECK(pb_decimal(q, "0") == 0 && mpq_sgn(q) == 0);
	CHECK(pb_decimal(q, "1e5") != 0 && pb_decimal(q, "-1") != 0 && pb_decimal(q, "1.") != 0 &&
	    pb_decimal(q, ".5") != 0 && pb_decimal(q, "") != 0 && pb_decimal(q, "1.2.3") != 0 &&
	    pb_decimal(q, " 1") != 0);
	mpq_clear(q);
}

TEST(pb_parse_quotes_points)
{
	const char *text = "META\r\nkey;value\r\nnum_projects;2\r\nnum_votes;2\r\nbudget;10.5\r\n"
	    "vote_type;cumulative\r\ncomment;\"a;b \"\"c\"\"\"\r\nPROJECTS\r\nproject_id;cost;name\r\n"
	    "p1;3;say \"hi\"\r\np2;7.25;\"x;y\"\r\nVOTES\r\nvoter_id;vote;points\r\n"
	    "1;p2,p1;4,1\r\n2;;\r\n";
	char why[128];
	pb_t *p;

	CHECK(pb_parse(&p, text, strlen(text), 0, why, sizeof why) == 0);
	CHECK(strcmp(pb_meta(p, "comment"), "a;b \"c\"") == 0);
	CHECK(strcmp(p->projects.cell[2], "say \"hi\"") == 0 && strcmp(p->projects.cell[5], "x;y") == 0);
	CHECK(p->vote_type == PB_CUMULATIVE && p->nproj == 2 && p->nvoters == 2);
	CHECK(p->ballot[1] == 2 && p->ballot[2] == 2 && p->choice[0] == 1 && p->points[0] == 4 &&
	    p->points[1] == 1);
	CHECK(mpq_cmp_ui(p->proj[1].cost, 29, 4) == 0 && mpq_cmp_ui(p->budget, 21, 2) == 0);
	CHECK(p->approvals[0] == 1 && p->approvals[1] == 1 && p->proj[0].selected == -1);
	pb_free(&p);
	CHECK(p == NULL);
}

/* Each bad input: one reason naming the line. */
TEST(pb_parse_refusals)
{
	static const struct { const char *text, *why; } cases[] = {
		{ "", "line 1: the file ends before the line META" },
		{ "\xef\xbb\xbfMETA\n", "line 1: the file starts with a byte order mark" },
		{ "META\r\nkey;value\nx;y\n", "line 2: ends in LF but line 1 ends in CRLF" },
		{ "META\nkey;value\nx;\"y\n", "line 3: field 2: quote not closed" },
		{ "META\nkey;value\nx;\"y\"z\n", "line 3: field 2: text after the closing quote" },
		{ "META\nkey;value\nx\n", "line 3: 1 fields where the header on line 2 has 2" },
		{ "META\nkey;value\n\n", "line 3: empty line" },
		{ "META\nkey;value\nx;a\rb\n", "line 3: carriage return inside the line" },
		{ "META\nkeys;value\n", "line 2: the META header must start with 'key'" },
		{ "META\nkey;value\nPROJECTS\nid;cost\n", "line 4: the PROJECTS header must start" },
		{ "META\nkey;value\nPROJECTS\nproject_id;cost\n", "line 5: the file ends before the "
		    "VOTES section" },
		{ "META\nkey;value\nPROJECTS\nproject_id;cost;cost\n", "line 4: column 'cost' twice" },
		{ "META\nkey;value\na;1\na;2\nPROJECTS\nproject_id;cost\nVOTES\nvoter_id;vote\n",
		    "line 4: META key 'a' again (first on line 3)" },
		{ "META\nkey;value\nnum_projects;1\nPROJECTS\nproject_id;cost\nVOTES\nvoter_id;vote\n",
		    "line 2: META has no 'num_votes'" },
		{ "META\nkey;value\nnum_projects;1\nnum_votes;0\nbudget;1\nvote_type;approval\n"
		    "PROJECTS\nproject_id;cost\nVOTES\nvoter_id;vote\n",
		    "line 3: num_projects is 1 but PROJECTS has 0 rows" },
		{ "META\nkey;value\nnum_projects;0\nnum_votes;0\nbudget;x\nvote_type;approval\n"
		    "PROJECTS\nproject_id;cost\nVOTES\nvoter_id;vote\n", "line 5: budget is not" },
		{ "META\nkey;value\nnum_projects;0\nnum_votes;0\nbudget;1\nvote_type;borda\n"
		    "PROJECTS\nproject_id;cost\nVOTES\nvoter_id;vote\n",
		    "line 6: unknown vote_type 'borda'" },
		{ "META\nkey;value\nnum_projects;2\nnum_votes;0\nbudget;1\nvote_type;approval\n"
		    "PROJECTS\nproject_id;cost\na;1\na;2\nVOTES\nvoter_id;vote\n",
		    "line 10: project_id 'a' again (first on line 9)" },
		{ "META\nkey;value\nnum_projects;1\nnum_votes;0\nbudget;1\nvote_type;approval\n"
		    "PROJECTS\nproject_id;cost\na;1,5\nVOTES\nvoter_id;vote\n",
		    "line 9: cost of project 'a' is not a non-negative decimal number: '1,5'" },
		{ "META\nkey;value\nnum_projects;1\nnum_votes;1\nbudget;1\nvote_type;approval\n"
		    "PROJECTS\nproject_id;cost\na;1\nVOTES\nvoter_id;vote\n1;a,b\n",
		    "line 12: vote names an unknown project 'b'" },
		{ "META\nkey;value\nnum_projects;1\nnum_votes;1\nbudget;1\nvote_type;approval\n"
		    "PROJECTS\nproject_id;cost\na;1\nVOTES\nvoter_id;vote\n1;a,a\n",
		    "line 12: vote names project 'a' twice" },
		{ "META\nkey;value\nnum_projects;1\nnum_votes;2\nbudget;1\nvote_type;approval\n"
		    "PROJECTS\nproject_id;cost\na;1\nVOTES\nvoter_id;vote\n1;a\n1;a\n",
		    "line 13: voter_id '1' again (first on line 12)" },
		{ "META\nkey;value\nnum_projects;1\nnum_votes;1\nbudget;1\nvote_type;choose-1\n"
		    "PROJECTS\nproject_id;cost\na;1\nVOTES\nvoter_id;vote\n1;\n",
		    "line 12: a choose-1 vote names 0 projects" },
		{ "META\nkey;value\nnum_projects;1\nnum_votes;1\nbudget;1\nvote_type;cumulative\n"
		    "PROJECTS\nproject_id;cost\na;1\nVOTES\nvoter_id;vote\n1;a\n",
		    "line 11: vote_type cumulative needs a 'points' column" },
		{ "META\nkey;value\nnum_projects;1\nnum_votes;1\nbudget;1\nvote_type;cumulative\n"
		    "PROJECTS\nproject_id;cost\na;1\nVOTES\nvoter_id;vote;points\n1;a;1,2\n",
		    "line 12: more points than projects" },
		{ "META\nkey;value\nnum_projects;1\nnum_votes;1\nbudget;1\nvote_type;cumulative\n"
		    "PROJECTS\nproject_id;cost\na;1\nVOTES\nvoter_id;vote;points\n1;a;-1\n",
		    "line 12: points '-1' are not a whole number" },
		{ "META\nkey;value\nnum_projects;1\nnum_votes;1\nbudget;1\nvote_type;approval\n"
		    "PROJECTS\nproject_id;cost\na;1\nVOTES\nvoter_id;vote\n1;a,\n",
		    "line 12: vote ends with a comma" },
	};
	char why[160];
	pb_t *p = (pb_t *)1;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = pb_parse(&p, cases[i].text, strlen(cases[i].text), 0, why, sizeof why);

		if (rc != WIEC_ERR_DECODE || p != NULL ||
		    strncmp(why, cases[i].why, strlen(cases[i].why)) != 0) {
			fprintf(stderr, "  case %zu: rc %d, why '%s', wanted '%s'\n", i, rc, why,
			    cases[i].why);
			CHECK(0);
		}
	}
	/* A mix is accepted when asked for; a stray CR never. */
	{
		const char *mixed = "META\r\nkey;value\nnum_projects;0\r\nnum_votes;0\nbudget;0\n"
		    "vote_type;approval\nPROJECTS\nproject_id;cost\nVOTES\nvoter_id;vote";

		CHECK(pb_parse(&p, mixed, strlen(mixed), PB_MIXED_EOL, why, sizeof why) == 0);
	}
	pb_free(&p);
	/* A tiny reason buffer still gets a terminated (truncated) reason. */
	why[0] = 'x';
	CHECK(pb_parse(&p, "junk", 4, 0, why, 1) == WIEC_ERR_DECODE && why[0] == '\0');
}

/* Greedy ties: higher score, then cheaper, then more approvals, then id. */
TEST(tally_greedy_ties)
{
	static const char *const proj[] = { "b;5", "a;5", "c;4", "d;6" };
	static const char *const votes[] = { "1;a,b,c,d;2,2,2,1", "2;d;1" };
	char text[2048], got[256];

	/* Scores: a 2, b 2, c 2, d 2. c is cheapest; a, b cost 5 with one
	 * approval each, d costs 6 with two. Budget 9: c (4), then a (id before
	 * b, 5): 9 spent; b and d no longer fit. */
	mk(text, sizeof text, "cumulative", "9", "", 4, proj, 2, votes, 1);
	CHECK(winners(text, TALLY_GREEDY, got, sizeof got) == 0);
	CHECK(strcmp(got, "c a") == 0);
	/* Budget 15: c, a, b (14 spent), d does not fit. */
	mk(text, sizeof text, "cumulative", "15", "", 4, proj, 2, votes, 1);
	CHECK(winners(text, TALLY_GREEDY, got, sizeof got) == 0 && strcmp(got, "c a b") == 0);
}

/* greedy-no-skip stops at the first misfit; greedy-custom funds it too when
 * the leftover is at least 80% of its cost (exactly 80% counts). */
TEST(tally_greedy_custom_boundary)
{
	static const char *const proj[] = { "a;60", "b;50", "c;1" };
	static const char *const votes[] = { "1;a,b,c", "2;a,b", "3;a" };
	char text[2048], got[256];

	/* a (60) fits in 100; b (50) leaves 40 = 80% of 50; c would fit. */
	mk(text, sizeof text, "approval", "100", "", 3, proj, 3, votes, 0);
	CHECK(winners(text, TALLY_GREEDY_NO_SKIP, got, sizeof got) == 0 && strcmp(got, "a") == 0);
	CHECK(winners(text, TALLY_GREEDY_CUSTOM, got, sizeof got) == 0 && strcmp(got, "a b") == 0);
	CHECK(winners(text, TALLY_GREEDY, got, sizeof got) == 0 && strcmp(got, "a c") == 0);
	/* 39.99 left is less than 80%. */
	mk(text, sizeof text, "approval", "99.99", "", 3, proj, 3, votes, 0);
	CHECK(winners(text, TALLY_GREEDY_CUSTOM, got, sizeof got) == 0 && strcmp(got, "a") == 0);
}

/* A project no counted ballot scores is never funded (spec/tally.md 2.2):
 * with no ballots, no greedy variant funds anything, whatever fits. */
TEST(tally_greedy_zero_score)
{
	static const char *const proj[] = { "a;10", "b;5", "c;50" };
	static const char *const votes[] = { "1;c" };
	char text[2048], got[256];
	tally_rule_t r[] = { TALLY_GREEDY, TALLY_GREEDY_NO_SKIP, TALLY_GREEDY_THRESHOLD,
	    TALLY_GREEDY_EXCLUSIVE, TALLY_GREEDY_CUSTOM, TALLY_MES, TALLY_MES_ADD1,
	    TALLY_MES_ADD1_CMP };

	mk(text, sizeof text, "approval", "100", "", 3, proj, 0, votes, 0);
	for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
		CHECK(winners(text, r[i], got, sizeof got) == 0 && strcmp(got, "") == 0);
	/* c (50) has a vote and fits; a and b would fit too but nobody asked. */
	mk(text, sizeof text, "approval", "100", "", 3, proj, 1, votes, 0);
	for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
		CHECK(winners(text, r[i], got, sizeof got) == 0 && strcmp(got, "c") == 0);
	/* Ordinal: a project only at positions past max_length scores 0. */
	static const char *const ord[] = { "1;c,a,b" };
	mk(text, sizeof text, "ordinal", "100", "max_length;2\n", 3, proj, 1, ord, 0);
	CHECK(winners(text, TALLY_GREEDY, got, sizeof got) == 0 && strcmp(got, "c a") == 0);
}

/* A project is eligible when its score reaches the threshold (>=). */
TEST(tally_greedy_threshold)
{
	static const char *const proj[] = { "a;1", "b;1", "c;1" };
	static const char *const votes[] = { "1;a,b,c", "2;a,b", "3;a" };
	char text[2048], got[256];

	mk(text, sizeof text, "approval", "10", "min_project_score_threshold;2\n", 3, proj, 3, votes,
	    0);
	CHECK(winners(text, TALLY_GREEDY_THRESHOLD, got, sizeof got) == 0 && strcmp(got, "a b") == 0);
	CHECK(winners(text, TALLY_GREEDY, got, sizeof got) == 0 && strcmp(got, "a b") == 0);
}

/* Equal shares, worked by hand. Two voters, budget 10: 5 each.
 * P1 (6) approved by both: each pays 3, rho 1/2. P2 (4) by voter 1, P3 (5)
 * by voter 2: with 2 left each neither is affordable: {P1}.
 * add1: shares 6 leave 3 each (P2 still not); 7 leave 4: P2 (rho 1),
 * cost 10 <= 10; 8 leave 5: P2 and P3 both rho 1, tie to more votes (equal),
 * then cheaper: P2 then P3, cost 15 > 10: stop. The outcome is {P1, P2}. */
TEST(tally_equal_shares_by_hand)
{
	static const char *const proj[] = { "P1;6", "P2;4", "P3;5" };
	static const char *const votes[] = { "1;P1,P2", "2;P1,P3" };
	char text[2048], got[256];

	mk(text, sizeof text, "approval", "10", "", 3, proj, 2, votes, 0);
	CHECK(winners(text, TALLY_MES, got, sizeof got) == 0 && strcmp(got, "P1") == 0);
	CHECK(winners(text, TALLY_MES_ADD1, got, sizeof got) == 0 && strcmp(got, "P1 P2") == 0);
	/* Greedy by approvals: P1, then P2 (cheaper of the tie): same winners,
	 * so the comparison keeps MES. */
	CHECK(winners(text, TALLY_MES_ADD1_CMP, got, sizeof got) == 0 && strcmp(got, "P1 P2") == 0);
}

/* Rational payments: three voters, budget 1 (1/3 each); x of cost 1/2
 * approved by all: each pays 1/6, rho 1/3; then y (1/2) by voters 1 and 2,
 * who hold 1/6 each: 1/3 < 1/2, not affordable; z (5) by voter 3 neither. */
TEST(tally_equal_shares_rational)
{
	static const char *const proj[] = { "x;0.5", "y;0.5", "z;5" };
	static const char *const votes[] = { "1;x,y", "2;x,y", "3;x,z" };
	char text[2048], got[256];

	mk(text, sizeof text, "approval", "1", "", 3, proj, 3, votes, 0);
	CHECK(winners(text, TALLY_MES, got, sizeof got) == 0 && strcmp(got, "x") == 0);
	/* add1: shares 4/3 leave 7/6 each after x: y (1/2) affordable, cost 1;
	 * the same until a share reaches 5 + 1/6 and z is funded: cost 6 > 1. */
	CHECK(winners(text, TALLY_MES_ADD1, got, sizeof got) == 0 && strcmp(got, "x y") == 0);
	/* When every project fits together there is no completion: MES alone. */
	mk(text, sizeof text, "approval", "6", "", 3, proj, 3, votes, 0);
	CHECK(winners(text, TALLY_MES_ADD1, got, sizeof got) == 0);
}

TEST(tally_counts)
{
	static const char *const proj[] = { "a;1", "b;1", "c;1" };
	static const char *const votes[] = { "1;a,b,c", "2;b,a", "3;b" };
	char text[2048], got[256];

	mk(text, sizeof text, "ordinal", "1", "", 3, proj, 3, votes, 0);
	/* First choices: a 1, b 2. Borda (m = 3): a 2+1 = 3, b 1+2+2 = 5, c 0. */
	CHECK(winners(text, TALLY_PLURALITY, got, sizeof got) == 0 && strcmp(got, "b") == 0);
	CHECK(winners(text, TALLY_BORDA, got, sizeof got) == 0 && strcmp(got, "b") == 0);
	/* Approvals: a 2, b 3, c 1. */
	CHECK(winners(text, TALLY_APPROVAL, got, sizeof got) == 0 && strcmp(got, "b") == 0);
	mk(text, sizeof text, "approval", "1", "", 3, proj, 3, votes, 0);
	CHECK(winners(text, TALLY_BORDA, got, sizeof got) == WIEC_ERR_ARG);
}

TEST(tally_rule_names)
{
	tally_rule_t r;

	for (int i = 0; i < TALLY_RULES; i++)
		CHECK(tally_rule_parse(tally_rule_name((tally_rule_t)i), &r) == 0 && (int)r == i);
	CHECK(tally_rule_parse("greedy ", &r) != 0 && tally_rule_parse("unknown", &r) != 0);
}

/* add1 on a project no realistic raise can reach gives up, with a reason,
 * instead of running for ever. */
TEST(tally_add1_gives_up)
{
	static const char *const proj[] = { "a;1", "huge;1000000000000000000000000000000" };
	static const char *const votes[] = { "1;a,huge" };
	char text[2048], got[256];

	mk(text, sizeof text, "approval", "2", "", 2, proj, 1, votes, 0);
	CHECK(winners(text, TALLY_MES_ADD1, got, sizeof got) == WIEC_ERR_TOO_BIG);
	CHECK(strstr(got, "add1 completion needs more than") != NULL);
	CHECK(winners(text, TALLY_MES, got, sizeof got) == 0 && strcmp(got, "a") == 0);
}
