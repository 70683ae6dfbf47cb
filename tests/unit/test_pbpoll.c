/* test_pbpoll.c: budget polls whose ballots are ranked or carry points, and
 * polls without a cost limit (spec/tally.md 4.1): what `wiec pb import`
 * makes of ordinal, cumulative and over-budget Pabulib ballots, counted by
 * the live tally as `wiec pb tally` counts the file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/ballot.h"
#include "model/roster.h"
#include "proto/kind.h"
#include "tests/unit/modelfx.h"
#include "tests/unit/test.h"

#define TRY(x) do { int rc_ = (x); if (rc_ != 0) return rc_; } while (0)
#define V(...) ((const uint8_t *const[]){ __VA_ARGS__ })

typedef struct pscen {
	mfx_t m;
	key_pair_t res[3];
	uint8_t proc[32], a[32], b[32], c[32], d[32];
	uint8_t limited[32], open[32], ranked[32], cumul[32], dc[32], cd[32];
} pscen_t;

static int idea(mfx_t *m, const key_pair_t *kp, const uint8_t *process, uint64_t cost,
    const char *title, uint8_t *id)
{
	Wiec__Body b = WIEC__BODY__INIT;
	Wiec__Idea i = WIEC__IDEA__INIT;

	i.title = (char *)title;
	i.process = mfx_bin(process);
	i.unit = (char *)"Jeżyce";
	i.cost = cost;
	b.content_case = WIEC__BODY__CONTENT_IDEA;
	b.idea = &i;
	return mfx_post(m, kp, &b, id);
}

/* A budget poll on a, b, c with the given ballot kind, limit and points. */
static void poll_init(Wiec__Poll *p, ProtobufCBinaryData *opt, const pscen_t *s, int ballot,
    int no_limit, uint64_t points)
{
	wiec__poll__init(p);
	opt[0] = mfx_bin(s->a);
	opt[1] = mfx_bin(s->b);
	opt[2] = mfx_bin(s->c);
	p->process = mfx_bin(s->proc);
	p->kind = WIEC__POLL_KIND__POLL_BUDGET;
	p->options = opt;
	p->n_options = 3;
	p->ballot = ballot;
	p->no_cost_limit = no_limit;
	p->points = points;
}

static int post_poll(mfx_t *m, Wiec__Poll *p, uint8_t *id)
{
	Wiec__Body b = WIEC__BODY__INIT;

	b.content_case = WIEC__BODY__CONTENT_POLL;
	b.poll = p;
	return mfx_post(m, &m->city, &b, id);
}

static int vote(mfx_t *m, const key_pair_t *kp, const pscen_t *s, const uint8_t *poll,
    const uint8_t *const *ids, size_t n, const uint64_t *points)
{
	Wiec__Body b = WIEC__BODY__INIT;
	Wiec__Vote v = WIEC__VOTE__INIT;
	Wiec__Choice c[3], *cp[3];

	for (size_t i = 0; i < n; i++) {
		wiec__choice__init(&c[i]);
		c[i].project = mfx_bin(ids[i]);
		c[i].points = points ? points[i] : 0;
		cp[i] = &c[i];
	}
	v.process = mfx_bin(s->proc);
	v.poll = mfx_bin(poll);
	v.unit = (char *)"Jeżyce";
	v.choices = cp;
	v.n_choices = n;
	b.content_case = WIEC__BODY__CONTENT_VOTE;
	b.vote = &v;
	return mfx_post(m, kp, &b, NULL);
}

/* Jeżyce (100,000): a 60,000, b 50,000, c 30,000; no eligibility. */
static int build(pscen_t *s)
{
	mfx_t *m = &s->m;
	mfx_proc_t pp = { 0 };
	Wiec__Poll p;
	ProtobufCBinaryData opt[3];
	const key_pair_t *R = s->res;

	memset(s, 0, sizeof *s);
	TRY(mfx_init(m));
	for (int i = 0; i < 3; i++)
		fx_key(&s->res[i], (uint8_t)(0x51 + i));
	pp.kind = WIEC__PROCESS_KIND__PROCESS_BUDGET;
	pp.owners[0] = m->city.pk;
	pp.nowners = 1;
	TRY(mfx_process(m, &m->city, &pp, s->proc));
	TRY(idea(m, &m->city, s->proc, 60000, "a", s->a));
	TRY(idea(m, &m->city, s->proc, 50000, "b", s->b));
	TRY(idea(m, &m->city, s->proc, 30000, "c", s->c));
	TRY(idea(m, &m->city, s->proc, 30000, "d", s->d));
	poll_init(&p, opt, s, 0, 0, 0);
	TRY(post_poll(m, &p, s->limited));
	poll_init(&p, opt, s, 0, 1, 0);
	TRY(post_poll(m, &p, s->open));
	poll_init(&p, opt, s, WIEC__POLL_KIND__POLL_RANKED, 1, 0);
	TRY(post_poll(m, &p, s->ranked));
	poll_init(&p, opt, s, WIEC__POLL_KIND__POLL_CUMULATIVE, 1, 10);
	TRY(post_poll(m, &p, s->cumul));
	/* Limited and open: r0 a+b (110,000, over the budget), r1 c. */
	TRY(vote(m, &R[0], s, s->limited, V(s->a, s->b), 2, NULL));
	TRY(vote(m, &R[1], s, s->limited, V(s->c), 1, NULL));
	TRY(vote(m, &R[0], s, s->open, V(s->a, s->b), 2, NULL));
	TRY(vote(m, &R[1], s, s->open, V(s->c), 1, NULL));
	/* Ranked, L = 3 (the longest ballot): r0 b a c: b 3, a 2, c 1;
	 * r1 b c: b 3, c 2; r2 a: a 3. Scores b 6, a 5, c 3 (approvals all 2). */
	TRY(vote(m, &R[0], s, s->ranked, V(s->b, s->a, s->c), 3, NULL));
	TRY(vote(m, &R[1], s, s->ranked, V(s->b, s->c), 2, NULL));
	TRY(vote(m, &R[2], s, s->ranked, V(s->a), 1, NULL));
	/* Cumulative: r0 a 1, b 1; r1 c 5; r2 a 1. Scores a 2, b 1, c 5. */
	TRY(vote(m, &R[0], s, s->cumul, V(s->a, s->b), 2, (const uint64_t[]){ 1, 1 }));
	TRY(vote(m, &R[1], s, s->cumul, V(s->c), 1, (const uint64_t[]){ 5 }));
	TRY(vote(m, &R[2], s, s->cumul, V(s->a), 1, (const uint64_t[]){ 1 }));
	/* A full tie (score, cost, approvals) between c and d, in two polls
	 * that list them in opposite orders. */
	poll_init(&p, opt, s, 0, 0, 0);
	opt[0] = mfx_bin(s->d);
	opt[1] = mfx_bin(s->c);
	p.n_options = 2;
	TRY(post_poll(m, &p, s->dc));
	opt[0] = mfx_bin(s->c);
	opt[1] = mfx_bin(s->d);
	TRY(post_poll(m, &p, s->cd));
	TRY(vote(m, &R[0], s, s->dc, V(s->c, s->d), 2, NULL));
	TRY(vote(m, &R[0], s, s->cd, V(s->c, s->d), 2, NULL));
	return 0;
}

/* The winners of poll id in order, as letters a, b, c. */
static int winners(const model_view_t *v, const roster_t *r, const pscen_t *s,
    const uint8_t *id, char *out, ballot_tally_t *t)
{
	ballot_poll_t p;
	char why[128];
	int rc;

	out[0] = '\0';
	TRY(ballot_poll_load(v, r, id, &p));
	if (p.why != BALLOT_OK) {
		ballot_poll_free(&p);
		return -1;
	}
	rc = ballot_tally(v, r, &p, NULL, 0, -1, t, why, sizeof why);
	for (size_t k = 0; rc == 0 && k < t->unit[0].nwin; k++) {
		const uint8_t *w = p.opt[t->unit[0].opt[t->unit[0].win[k]]].id;

		strcat(out, memcmp(w, s->a, 32) == 0 ? "a" : memcmp(w, s->b, 32) == 0 ? "b" :
		    memcmp(w, s->c, 32) == 0 ? "c" : "d");
	}
	ballot_poll_free(&p);
	return rc;
}

TEST(pbpoll_ballot_kinds_and_cost_limit)
{
	pscen_t *s = malloc(sizeof *s);
	memview_t mv;
	model_view_t v;
	roster_t r;
	ballot_tally_t t = { 0 };
	char got[8];

	CHECK(s != NULL && build(s) == 0);
	memview_init(&mv, s->m.g.body, model_refs);
	for (size_t i = 0; i < s->m.n; i++)
		CHECK(mfx_hold(&mv, &s->m, i) == 0);
	v = memview_view(&mv);
	CHECK(roster_load(&v, &r) == 0);
	/* The budget limit holds by default: r0's ballot is not counted. */
	CHECK(winners(&v, &r, s, s->limited, got, &t) == 0 && strcmp(got, "c") == 0);
	CHECK(t.counted == 1 && t.not_counted[BALLOT_OVER_BUDGET] == 1);
	ballot_tally_free(&t);
	/* Without it, r0's ballot counts: one vote each, cheaper first: c, b;
	 * a no longer fits. */
	CHECK(winners(&v, &r, s, s->open, got, &t) == 0 && t.counted == 2);
	CHECK(strcmp(got, "cb") == 0);
	ballot_tally_free(&t);
	/* Ranked: b (6) first, a (5) no longer fits, c (3) does. By
	 * approvals (all 2) it would be c, b (cheaper first). */
	CHECK(winners(&v, &r, s, s->ranked, got, &t) == 0 && strcmp(got, "bc") == 0);
	CHECK(t.counted == 3);
	ballot_tally_free(&t);
	/* Cumulative: c (5), a (2); b (1) does not fit. By approvals: a, c. */
	CHECK(winners(&v, &r, s, s->cumul, got, &t) == 0 && strcmp(got, "ca") == 0);
	ballot_tally_free(&t);
	/* A full tie goes to the option listed first, whatever the ids
	 * (spec/tally.md 4.4; pb import lists a file's projects by project_id). */
	CHECK(winners(&v, &r, s, s->dc, got, &t) == 0 && strcmp(got, "dc") == 0);
	ballot_tally_free(&t);
	CHECK(winners(&v, &r, s, s->cd, got, &t) == 0 && strcmp(got, "cd") == 0);
	ballot_tally_free(&t);
	roster_free(&r);
	memview_free(&mv);
	mfx_free(&s->m);
	free(s);
}

/* Points: on a budget poll only when its ballots are cumulative, each >= 1,
 * at most the poll's points in all. */
TEST(pbpoll_points_rules)
{
	pscen_t *s = malloc(sizeof *s);
	memview_t mv;
	model_view_t v;
	roster_t r;
	ballot_poll_t cp, op;
	ballot_voter_t ok = { 1, NULL, 0 };
	Wiec__Vote vt = WIEC__VOTE__INIT;
	Wiec__Choice c[2] = { WIEC__CHOICE__INIT, WIEC__CHOICE__INIT };
	Wiec__Choice *cpp[2] = { &c[0], &c[1] };

	CHECK(s != NULL && build(s) == 0);
	memview_init(&mv, s->m.g.body, model_refs);
	for (size_t i = 0; i < s->m.n; i++)
		CHECK(mfx_hold(&mv, &s->m, i) == 0);
	v = memview_view(&mv);
	CHECK(roster_load(&v, &r) == 0);
	CHECK(ballot_poll_load(&v, &r, s->cumul, &cp) == 0 && cp.why == BALLOT_OK);
	CHECK(ballot_poll_load(&v, &r, s->open, &op) == 0 && op.why == BALLOT_OK);
	vt.process = mfx_bin(s->proc);
	vt.poll = mfx_bin(s->cumul);
	vt.unit = (char *)"Jeżyce";
	vt.choices = cpp;
	vt.n_choices = 2;
	c[0].project = mfx_bin(s->a);
	c[1].project = mfx_bin(s->b);
	c[0].points = 4;
	c[1].points = 6;
	CHECK(ballot_check(&cp, &vt, &ok) == BALLOT_OK);	/* 110,000: no limit */
	c[1].points = 7;
	CHECK(ballot_check(&cp, &vt, &ok) == BALLOT_BAD_POINTS);	/* 11 > 10 */
	c[1].points = 0;
	CHECK(ballot_check(&cp, &vt, &ok) == BALLOT_BAD_POINTS);	/* a choice of 0 */
	vt.poll = mfx_bin(s->open);
	c[1].points = 1;
	CHECK(ballot_check(&op, &vt, &ok) == BALLOT_BAD_POINTS);	/* approval ballots */
	c[0].points = c[1].points = 0;
	CHECK(ballot_check(&op, &vt, &ok) == BALLOT_OK);
	ballot_poll_free(&cp);
	ballot_poll_free(&op);
	roster_free(&r);
	memview_free(&mv);
	mfx_free(&s->m);
	free(s);
}

/* The content rules of the two fields (spec/events.md section 3). */
TEST(pbpoll_field_rules)
{
	pscen_t *s = malloc(sizeof *s);
	Wiec__Body b = WIEC__BODY__INIT;
	Wiec__Poll p;
	ProtobufCBinaryData opt[3];

	CHECK(s != NULL);
	memset(s, 0, sizeof *s);
	memset(s->proc, 1, 32);
	memset(s->a, 2, 32);
	memset(s->b, 3, 32);
	memset(s->c, 4, 32);
	b.content_case = WIEC__BODY__CONTENT_POLL;
	b.poll = &p;
	poll_init(&p, opt, s, 0, 0, 0);
	CHECK(kind_check(&b) == 0);
	poll_init(&p, opt, s, WIEC__POLL_KIND__POLL_RANKED, 1, 0);
	CHECK(kind_check(&b) == 0);
	poll_init(&p, opt, s, WIEC__POLL_KIND__POLL_CUMULATIVE, 0, 10);
	CHECK(kind_check(&b) == 0);
	poll_init(&p, opt, s, WIEC__POLL_KIND__POLL_CUMULATIVE, 0, 0);	/* no points */
	CHECK(kind_check(&b) != 0);
	poll_init(&p, opt, s, WIEC__POLL_KIND__POLL_RANKED, 0, 10);	/* points */
	CHECK(kind_check(&b) != 0);
	poll_init(&p, opt, s, WIEC__POLL_KIND__POLL_YESNO, 0, 0);
	CHECK(kind_check(&b) != 0);
	poll_init(&p, opt, s, WIEC__POLL_KIND__POLL_APPROVAL, 0, 0);
	CHECK(kind_check(&b) != 0);
	poll_init(&p, opt, s, 99, 0, 0);
	CHECK(kind_check(&b) != 0);
	/* Other kinds: neither field. */
	poll_init(&p, opt, s, 0, 1, 0);
	p.kind = WIEC__POLL_KIND__POLL_APPROVAL;
	CHECK(kind_check(&b) != 0);
	poll_init(&p, opt, s, WIEC__POLL_KIND__POLL_RANKED, 0, 0);
	p.kind = WIEC__POLL_KIND__POLL_RANKED;
	CHECK(kind_check(&b) != 0);
	p.ballot = 0;
	CHECK(kind_check(&b) == 0);
	free(s);
}
