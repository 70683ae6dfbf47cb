/* test_ballot.c: polls, ballot validity, the latest ballot and the live
 * tally of every ballot kind (model/ballot.c, model/ballotcount.c,
 * model/recount.c, spec/tally.md section 4), and that arrival order and
 * the holding node never change a result. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/ballot.h"
#include "model/recount.h"
#include "model/roster.h"
#include "tests/unit/modelfx.h"
#include "tests/unit/test.h"

#define NRES 8

typedef struct bscen {
	mfx_t m;
	key_pair_t res[NRES];
	uint8_t proc[32], cons[32], codec[32];
	uint8_t a[32], b[32], c[32], d[32];		/* budget projects */
	uint8_t x[32], y[32], z[32];			/* consultation options */
	uint8_t poll[32], approval[32], choose[32], ranked[32], cumul[32], yesno[32];
	uint8_t coyes[32];
	uint8_t r5vote[32];
} bscen_t;

static int post_idea(mfx_t *m, const key_pair_t *kp, const uint8_t *process, const char *unit,
    uint64_t cost, const char *title, uint8_t *id)
{
	Wiec__Body b = WIEC__BODY__INIT;
	Wiec__Idea i = WIEC__IDEA__INIT;

	i.title = (char *)title;
	i.process = mfx_bin(process);
	i.unit = (char *)(unit ? unit : "");
	i.cost = cost;
	b.content_case = WIEC__BODY__CONTENT_IDEA;
	b.idea = &i;
	return mfx_post(m, kp, &b, id);
}

static int post_poll(mfx_t *m, const key_pair_t *kp, Wiec__Poll *p, uint8_t *id)
{
	Wiec__Body b = WIEC__BODY__INIT;

	b.content_case = WIEC__BODY__CONTENT_POLL;
	b.poll = p;
	return mfx_post(m, kp, &b, id);
}

/* A ballot naming n projects (points may be NULL), or an answer. */
static int post_vote(mfx_t *m, const key_pair_t *kp, const uint8_t *process, const uint8_t *poll,
    const char *unit, const uint8_t *const *ids, size_t n, const uint64_t *points, int answer,
    int withdraw, uint8_t *id)
{
	Wiec__Body b = WIEC__BODY__INIT;
	Wiec__Vote v = WIEC__VOTE__INIT;
	Wiec__Choice c[8], *cp[8];

	for (size_t i = 0; i < n; i++) {
		wiec__choice__init(&c[i]);
		c[i].project = mfx_bin(ids[i]);
		c[i].points = points ? points[i] : 0;
		cp[i] = &c[i];
	}
	v.process = mfx_bin(process);
	v.poll = mfx_bin(poll);
	v.unit = (char *)(unit ? unit : "");
	v.choices = cp;
	v.n_choices = n;
	v.answer = answer;
	v.withdraw = withdraw;
	b.content_case = WIEC__BODY__CONTENT_VOTE;
	b.vote = &v;
	return mfx_post(m, kp, &b, id);
}

#define V(...) ((const uint8_t *const[]){ __VA_ARGS__ })

/* A budget process (units Jeżyce and Wilda, 100,000 each, eligibility by
 * credential), a consultation with the other kinds, and a co-decision. */
static int scen_build(bscen_t *s)
{
	mfx_t *m = &s->m;
	mfx_proc_t pp = { 0 };
	Wiec__Poll p;
	ProtobufCBinaryData opt[4];
	Wiec__Fraction half = WIEC__FRACTION__INIT, third = WIEC__FRACTION__INIT;
	Wiec__Fraction twothirds = WIEC__FRACTION__INIT;
	Wiec__Weight w[3], *wp[3];
	const key_pair_t *R = s->res;

	memset(s, 0, sizeof *s);
	TRY(mfx_init(m));
	for (int i = 0; i < NRES; i++)
		fx_key(&s->res[i], (uint8_t)(0x31 + i));
	pp.kind = WIEC__PROCESS_KIND__PROCESS_BUDGET;
	pp.owners[0] = m->city.pk;
	pp.nowners = 1;
	pp.registrars[0] = m->city.pk;
	pp.nregistrars = 1;
	pp.eligibility = 1;
	TRY(mfx_process(m, &m->city, &pp, s->proc));
	/* r0..r3 in Jeżyce, r4 in Wilda, r5 without a unit, r6 revoked, r7 none */
	for (int i = 0; i < 7; i++)
		TRY(mfx_cred(m, &m->city, R[i].pk, s->proc, i < 4 ? "Jeżyce" : i == 4 ? "Wilda" :
		    NULL, 0, NULL));
	TRY(mfx_cred(m, &m->city, R[6].pk, s->proc, NULL, 1, NULL));
	TRY(post_idea(m, &R[0], s->proc, "Jeżyce", 60000, "Park", s->a));
	TRY(post_idea(m, &R[1], s->proc, "Jeżyce", 50000, "Ławki", s->b));
	TRY(post_idea(m, &R[2], s->proc, "Jeżyce", 30000, "Drzewa", s->c));
	TRY(post_idea(m, &R[4], s->proc, "Wilda", 70000, "Boisko", s->d));
	wiec__poll__init(&p);
	opt[0] = mfx_bin(s->a);
	opt[1] = mfx_bin(s->b);
	opt[2] = mfx_bin(s->c);
	opt[3] = mfx_bin(s->d);
	p.process = mfx_bin(s->proc);
	p.kind = WIEC__POLL_KIND__POLL_BUDGET;
	p.options = opt;
	p.n_options = 4;
	p.rule = (char *)"greedy";
	TRY(post_poll(m, &m->city, &p, s->poll));
	/* Ballots. r0: a, then a+b (over budget: ignored, a stays). r1: a, c.
	 * r2: b, c. r3: b, then a (supersedes). r4: d in Wilda. r5: c (no unit
	 * attribute: any unit). r6 (revoked) and r7 (none): not eligible. */
	TRY(post_vote(m, &R[0], s->proc, s->poll, "Jeżyce", V(s->a), 1, NULL, 0, 0, NULL));
	TRY(post_vote(m, &R[0], s->proc, s->poll, "Jeżyce", V(s->a, s->b), 2, NULL, 0, 0, NULL));
	TRY(post_vote(m, &R[1], s->proc, s->poll, "Jeżyce", V(s->a, s->c), 2, NULL, 0, 0, NULL));
	TRY(post_vote(m, &R[2], s->proc, s->poll, "Jeżyce", V(s->b, s->c), 2, NULL, 0, 0, NULL));
	TRY(post_vote(m, &R[3], s->proc, s->poll, "Jeżyce", V(s->b), 1, NULL, 0, 0, NULL));
	TRY(post_vote(m, &R[3], s->proc, s->poll, "Jeżyce", V(s->a), 1, NULL, 0, 0, NULL));
	TRY(post_vote(m, &R[4], s->proc, s->poll, "Wilda", V(s->d), 1, NULL, 0, 0, NULL));
	TRY(post_vote(m, &R[5], s->proc, s->poll, "Jeżyce", V(s->c), 1, NULL, 0, 0, s->r5vote));
	TRY(post_vote(m, &R[6], s->proc, s->poll, "Jeżyce", V(s->b), 1, NULL, 0, 0, NULL));
	TRY(post_vote(m, &R[7], s->proc, s->poll, "Jeżyce", V(s->b), 1, NULL, 0, 0, NULL));

	/* A consultation (no eligibility) with options x, y, z. */
	memset(&pp, 0, sizeof pp);
	pp.kind = WIEC__PROCESS_KIND__PROCESS_CONSULTATION;
	pp.owners[0] = m->ngo.pk;
	pp.nowners = 1;
	TRY(mfx_process(m, &m->ngo, &pp, s->cons));
	TRY(post_idea(m, &R[0], s->cons, NULL, 0, "X", s->x));
	TRY(post_idea(m, &R[0], s->cons, NULL, 0, "Y", s->y));
	TRY(post_idea(m, &R[0], s->cons, NULL, 0, "Z", s->z));
	opt[0] = mfx_bin(s->x);
	opt[1] = mfx_bin(s->y);
	opt[2] = mfx_bin(s->z);
	wiec__poll__init(&p);
	p.process = mfx_bin(s->cons);
	p.options = opt;
	p.n_options = 3;
	p.kind = WIEC__POLL_KIND__POLL_APPROVAL;
	p.min = 1;
	p.max = 2;
	TRY(post_poll(m, &m->ngo, &p, s->approval));
	p.min = p.max = 0;
	p.kind = WIEC__POLL_KIND__POLL_CHOOSE_ONE;
	TRY(post_poll(m, &m->ngo, &p, s->choose));
	p.kind = WIEC__POLL_KIND__POLL_RANKED;
	TRY(post_poll(m, &m->ngo, &p, s->ranked));
	p.kind = WIEC__POLL_KIND__POLL_CUMULATIVE;
	p.points = 5;
	TRY(post_poll(m, &m->ngo, &p, s->cumul));
	wiec__poll__init(&p);
	p.process = mfx_bin(s->cons);
	p.kind = WIEC__POLL_KIND__POLL_YESNO;
	p.question = (char *)"Zamknąć ulicę?";
	half.num = 1;
	half.den = 2;
	p.threshold = &half;
	TRY(post_poll(m, &m->ngo, &p, s->yesno));
	/* approval: x {0,1,2}, y {0,1,2}, z {3}: x and y tie at 3 */
	TRY(post_vote(m, &R[0], s->cons, s->approval, NULL, V(s->x, s->y), 2, NULL, 0, 0, NULL));
	TRY(post_vote(m, &R[1], s->cons, s->approval, NULL, V(s->x, s->y), 2, NULL, 0, 0, NULL));
	TRY(post_vote(m, &R[2], s->cons, s->approval, NULL, V(s->y, s->x), 2, NULL, 0, 0, NULL));
	TRY(post_vote(m, &R[3], s->cons, s->approval, NULL, V(s->z), 1, NULL, 0, 0, NULL));
	/* choose-one: y, y, z; plus a withdrawn x */
	TRY(post_vote(m, &R[0], s->cons, s->choose, NULL, V(s->y), 1, NULL, 0, 0, NULL));
	TRY(post_vote(m, &R[1], s->cons, s->choose, NULL, V(s->y), 1, NULL, 0, 0, NULL));
	TRY(post_vote(m, &R[2], s->cons, s->choose, NULL, V(s->z), 1, NULL, 0, 0, NULL));
	TRY(post_vote(m, &R[3], s->cons, s->choose, NULL, V(s->x), 1, NULL, 0, 0, NULL));
	TRY(post_vote(m, &R[3], s->cons, s->choose, NULL, NULL, 0, NULL, 0, 1, NULL));
	/* ranked (Borda, m = 3: 2, 1, 0): x>y>z, z>y>x, y>z  => x 2, y 1+1+2 = 4, z 0+2+1 = 3 */
	TRY(post_vote(m, &R[0], s->cons, s->ranked, NULL, V(s->x, s->y, s->z), 3, NULL, 0, 0, NULL));
	TRY(post_vote(m, &R[1], s->cons, s->ranked, NULL, V(s->z, s->y, s->x), 3, NULL, 0, 0, NULL));
	TRY(post_vote(m, &R[2], s->cons, s->ranked, NULL, V(s->y, s->z), 2, NULL, 0, 0, NULL));
	/* cumulative (5 points): x 3 + y 2; z 5; x 1 + z 4 => x 4, y 2, z 9; one over 5: ignored */
	TRY(post_vote(m, &R[0], s->cons, s->cumul, NULL, V(s->x, s->y), 2,
	    (const uint64_t[]){ 3, 2 }, 0, 0, NULL));
	TRY(post_vote(m, &R[1], s->cons, s->cumul, NULL, V(s->z), 1, (const uint64_t[]){ 5 }, 0, 0,
	    NULL));
	TRY(post_vote(m, &R[2], s->cons, s->cumul, NULL, V(s->x, s->z), 2,
	    (const uint64_t[]){ 1, 4 }, 0, 0, NULL));
	TRY(post_vote(m, &R[3], s->cons, s->cumul, NULL, V(s->x, s->z), 2,
	    (const uint64_t[]){ 3, 4 }, 0, 0, NULL));
	/* yes/no: yes, yes, no, abstain: 2 > 1/2 x 3 */
	TRY(post_vote(m, &R[0], s->cons, s->yesno, NULL, NULL, 0, NULL, WIEC__ANSWER__ANSWER_YES, 0,
	    NULL));
	TRY(post_vote(m, &R[1], s->cons, s->yesno, NULL, NULL, 0, NULL, WIEC__ANSWER__ANSWER_YES, 0,
	    NULL));
	TRY(post_vote(m, &R[2], s->cons, s->yesno, NULL, NULL, 0, NULL, WIEC__ANSWER__ANSWER_NO, 0,
	    NULL));
	TRY(post_vote(m, &R[3], s->cons, s->yesno, NULL, NULL, 0, NULL,
	    WIEC__ANSWER__ANSWER_ABSTAIN, 0, NULL));

	/* Co-decision: the three members; double majority: 2/3 of members and
	 * half the weight. city 600, ngo 100, univ 300. city and ngo vote yes
	 * (2 of 3 members, 700 of 1000), univ no; a resident's yes is ignored. */
	memset(&pp, 0, sizeof pp);
	pp.kind = WIEC__PROCESS_KIND__PROCESS_CODECISION;
	pp.owners[0] = m->city.pk;
	pp.owners[1] = m->ngo.pk;
	pp.owners[2] = m->univ.pk;
	pp.nowners = 3;
	TRY(mfx_process(m, &m->city, &pp, s->codec));
	wiec__poll__init(&p);
	p.process = mfx_bin(s->codec);
	p.kind = WIEC__POLL_KIND__POLL_YESNO;
	p.question = (char *)"Wspólny budżet?";
	p.decision = WIEC__DECISION__DECISION_DOUBLE;
	twothirds.num = 2;
	twothirds.den = 3;
	third.num = 1;
	third.den = 2;
	p.majority = &twothirds;
	p.weight_majority = &third;
	for (int i = 0; i < 3; i++) {
		wiec__weight__init(&w[i]);
		wp[i] = &w[i];
	}
	w[0].member = mfx_bin(m->city.pk);
	w[0].weight = 600;
	w[1].member = mfx_bin(m->ngo.pk);
	w[1].weight = 100;
	w[2].member = mfx_bin(m->univ.pk);
	w[2].weight = 300;
	p.weights = wp;
	p.n_weights = 3;
	TRY(post_poll(m, &m->city, &p, s->coyes));
	TRY(post_vote(m, &m->city, s->codec, s->coyes, NULL, NULL, 0, NULL,
	    WIEC__ANSWER__ANSWER_YES, 0, NULL));
	TRY(post_vote(m, &m->ngo, s->codec, s->coyes, NULL, NULL, 0, NULL,
	    WIEC__ANSWER__ANSWER_YES, 0, NULL));
	TRY(post_vote(m, &m->univ, s->codec, s->coyes, NULL, NULL, 0, NULL,
	    WIEC__ANSWER__ANSWER_NO, 0, NULL));
	TRY(post_vote(m, &R[0], s->codec, s->coyes, NULL, NULL, 0, NULL,
	    WIEC__ANSWER__ANSWER_YES, 0, NULL));
	return 0;
}

static int hold(memview_t *mv, const bscen_t *s, const size_t *order, size_t n)
{
	return mfx_hold_all(mv, &s->m, order, n);
}

static const ballot_unit_tally_t *unit_named(const ballot_tally_t *t, const ballot_poll_t *p,
    const char *name)
{
	for (size_t u = 0; u < t->nunit; u++)
		if (t->unit[u].unit >= 0 &&
		    strcmp(p->proc.p->units[t->unit[u].unit]->name, name) == 0)
			return &t->unit[u];
	return NULL;
}

static uint64_t score_of(const ballot_unit_tally_t *u, const ballot_poll_t *p, const uint8_t *id)
{
	for (size_t k = 0; k < u->nopt; k++)
		if (memcmp(p->opt[u->opt[k]].id, id, 32) == 0)
			return u->score[k];
	return UINT64_MAX;
}

static int is_win(const ballot_unit_tally_t *u, const ballot_poll_t *p, size_t k,
    const uint8_t *id)
{
	return k < u->nwin && memcmp(p->opt[u->opt[u->win[k]]].id, id, 32) == 0;
}

/* Loads poll id and tallies it (all units). */
static int tally(const model_view_t *v, const roster_t *r, const uint8_t *id, ballot_poll_t *p,
    ballot_tally_t *t)
{
	char why[128];

	TRY(ballot_poll_load(v, r, id, p));
	if (p->why != BALLOT_OK)
		return -1;
	return ballot_tally(v, r, p, NULL, 0, -1, t, why, sizeof why);
}

/* A scan() over a memview: every held, non-excluded event with an entry
 * (ref, tag), its packed body as held, in reverse arrival order (the fast
 * path may see ballots in any order). */
static int memview_scan(void *ctx, const uint8_t ref[static HASH_BYTES], uint8_t tag,
    model_body_cb cb, void *arg)
{
	memview_t *mv = ctx;

	for (size_t i = mv->nent; i-- > 0; ) {
		memview_ev_t *e;
		int rc;

		if (mv->ent[i].tag != tag || memcmp(mv->ent[i].ref, ref, HASH_BYTES) != 0)
			continue;
		if ((e = memview_find(mv, mv->ent[i].id)) == NULL || e->excluded)
			continue;
		if ((rc = cb(arg, e->id, e->body, e->len)) != 0)
			return rc;
	}
	return 0;
}

TEST(ballot_budget_tally)
{
	bscen_t *s = malloc(sizeof *s);
	memview_t mv;
	model_view_t v;
	roster_t r;
	ballot_poll_t p;
	ballot_tally_t t;
	const ballot_unit_tally_t *j, *w;

	CHECK(s != NULL && scen_build(s) == 0);
	CHECK(hold(&mv, s, NULL, s->m.n) == 0);
	/* Each ballot by id, then the scan path that counts sums. */
	for (int path = 0; path < 2; path++) {
		v = memview_view(&mv);
		v.scan = path ? memview_scan : NULL;
		CHECK(roster_load(&v, &r) == 0);
		CHECK(tally(&v, &r, s->poll, &p, &t) == 0);
		CHECK(recount_summed(&v, &p) == path);
		CHECK(t.nunit == 2);
		j = unit_named(&t, &p, "Jeżyce");
		w = unit_named(&t, &p, "Wilda");
		CHECK(j != NULL && w != NULL);
		/* a: r0, r1, r3 = 3; b: r2 = 1; c: r1, r2, r5 = 3. Greedy, 100,000:
		 * a and c tie at 3: c is cheaper, then a; b does not fit. */
		CHECK(score_of(j, &p, s->a) == 3 && score_of(j, &p, s->b) == 1 &&
		    score_of(j, &p, s->c) == 3);
		CHECK(j->nwin == 2 && is_win(j, &p, 0, s->c) && is_win(j, &p, 1, s->a));
		CHECK(j->ballots == 5 && j->budget == 100000);
		CHECK(w->nwin == 1 && is_win(w, &p, 0, s->d) && w->ballots == 1);
		CHECK(t.counted == 6);
		CHECK(t.not_counted[BALLOT_OVER_BUDGET] == 1 &&
		    t.not_counted[BALLOT_SUPERSEDED] == 1 && t.not_counted[BALLOT_NOT_ELIGIBLE] == 2);
		ballot_tally_free(&t);
		/* One unit alone gives the same. */
		{
			char why[64];

			CHECK(ballot_tally(&v, &r, &p, NULL, 0, 1, &t, why, sizeof why) == 0);
			CHECK(t.nunit == 1 && t.unit[0].unit == 1 && t.unit[0].nwin == 1);
			ballot_tally_free(&t);
		}
		ballot_poll_free(&p);
		roster_free(&r);
	}
	memview_free(&mv);
	mfx_free(&s->m);
	free(s);
}

/* Every validity rule, each with its named reason. */
TEST(ballot_validity_rules)
{
	bscen_t *s = malloc(sizeof *s);
	memview_t mv;
	model_view_t v;
	roster_t r;
	ballot_poll_t p, ap, cp, yp;
	Wiec__Vote vt = WIEC__VOTE__INIT;
	Wiec__Choice c[3] = { WIEC__CHOICE__INIT, WIEC__CHOICE__INIT, WIEC__CHOICE__INIT };
	Wiec__Choice *cpp[3] = { &c[0], &c[1], &c[2] };
	ballot_voter_t ok = { 1, NULL, 0 }, no = { 0, NULL, 0 }, wilda = { 1, "Wilda", 0 };
	ballot_voter_t member = { 0, NULL, 1 };
	uint8_t other[32];
	model_cred_t cred;
	ballot_voter_t who;

	memset(other, 0x77, 32);
	CHECK(s != NULL && scen_build(s) == 0);
	CHECK(hold(&mv, s, NULL, s->m.n) == 0);
	v = memview_view(&mv);
	CHECK(roster_load(&v, &r) == 0);
	CHECK(ballot_poll_load(&v, &r, s->poll, &p) == 0 && p.why == BALLOT_OK);
	CHECK(ballot_poll_load(&v, &r, s->approval, &ap) == 0 && ap.why == BALLOT_OK);
	CHECK(ballot_poll_load(&v, &r, s->cumul, &cp) == 0 && cp.why == BALLOT_OK);
	CHECK(ballot_poll_load(&v, &r, s->coyes, &yp) == 0 && yp.why == BALLOT_OK);
	CHECK(p.rule == TALLY_GREEDY && cp.rule == TALLY_POINTS && ap.rule == TALLY_APPROVAL);

	vt.process = mfx_bin(s->proc);
	vt.poll = mfx_bin(s->poll);
	vt.unit = (char *)"Jeżyce";
	vt.choices = cpp;
	c[0].project = mfx_bin(s->a);
	c[1].project = mfx_bin(s->c);
	vt.n_choices = 2;
	CHECK(ballot_check(&p, &vt, &ok) == BALLOT_OK);
	vt.process = mfx_bin(s->cons);
	CHECK(ballot_check(&p, &vt, &ok) == BALLOT_NO_POLL);
	vt.process = mfx_bin(s->proc);
	CHECK(ballot_check(&p, &vt, &no) == BALLOT_NOT_ELIGIBLE);
	CHECK(ballot_check(&p, &vt, &wilda) == BALLOT_BAD_UNIT);	/* a Wilda resident */
	vt.unit = (char *)"Stare Miasto";
	CHECK(ballot_check(&p, &vt, &ok) == BALLOT_BAD_UNIT);		/* no such unit */
	vt.unit = (char *)"";
	CHECK(ballot_check(&p, &vt, &ok) == BALLOT_BAD_UNIT);
	vt.unit = (char *)"Jeżyce";
	c[1].project = mfx_bin(other);
	CHECK(ballot_check(&p, &vt, &ok) == BALLOT_UNKNOWN_PROJECT);
	c[1].project = mfx_bin(s->d);
	CHECK(ballot_check(&p, &vt, &ok) == BALLOT_OTHER_UNIT);
	c[1].project = mfx_bin(s->a);
	CHECK(ballot_check(&p, &vt, &ok) == BALLOT_DUPLICATE);
	c[1].project = mfx_bin(s->b);
	CHECK(ballot_check(&p, &vt, &ok) == BALLOT_OVER_BUDGET);	/* 110,000 */
	c[1].project = mfx_bin(s->c);
	c[1].points = 1;
	CHECK(ballot_check(&p, &vt, &ok) == BALLOT_BAD_POINTS);
	c[1].points = 0;
	vt.answer = WIEC__ANSWER__ANSWER_YES;
	CHECK(ballot_check(&p, &vt, &ok) == BALLOT_BAD_ANSWER);
	vt.answer = 0;
	vt.n_choices = 0;
	CHECK(ballot_check(&p, &vt, &ok) == BALLOT_OK);		/* empty: min is 0 */
	vt.withdraw = 1;
	vt.unit = (char *)"";
	CHECK(ballot_check(&p, &vt, &ok) == BALLOT_OK);
	CHECK(ballot_check(&p, &vt, &no) == BALLOT_NOT_ELIGIBLE);
	vt.withdraw = 0;

	/* approval, min 1 max 2 */
	vt.process = mfx_bin(s->cons);
	vt.poll = mfx_bin(s->approval);
	CHECK(ballot_check(&ap, &vt, &ok) == BALLOT_TOO_FEW);
	c[0].project = mfx_bin(s->x);
	c[1].project = mfx_bin(s->y);
	c[2].project = mfx_bin(s->z);
	vt.n_choices = 3;
	CHECK(ballot_check(&ap, &vt, &ok) == BALLOT_TOO_MANY);
	vt.n_choices = 2;
	CHECK(ballot_check(&ap, &vt, &ok) == BALLOT_OK);
	vt.unit = (char *)"Wilda";		/* units: budget polls only */
	CHECK(ballot_check(&ap, &vt, &ok) == BALLOT_BAD_UNIT);
	vt.unit = (char *)"";
	/* cumulative, 5 points */
	vt.poll = mfx_bin(s->cumul);
	c[0].points = 3;
	c[1].points = 2;
	CHECK(ballot_check(&cp, &vt, &ok) == BALLOT_OK);
	c[1].points = 3;
	CHECK(ballot_check(&cp, &vt, &ok) == BALLOT_BAD_POINTS);	/* 6 > 5 */
	c[1].points = 0;
	CHECK(ballot_check(&cp, &vt, &ok) == BALLOT_BAD_POINTS);	/* a choice of 0 */
	c[0].points = UINT64_MAX;
	c[1].points = 2;
	CHECK(ballot_check(&cp, &vt, &ok) == BALLOT_BAD_POINTS);	/* no overflow */
	/* co-decision: members only; an answer needed */
	vt.process = mfx_bin(s->codec);
	vt.poll = mfx_bin(s->coyes);
	vt.n_choices = 0;
	CHECK(ballot_check(&yp, &vt, &ok) == BALLOT_NOT_MEMBER);
	CHECK(ballot_check(&yp, &vt, &member) == BALLOT_BAD_ANSWER);
	vt.answer = WIEC__ANSWER__ANSWER_NO;
	CHECK(ballot_check(&yp, &vt, &member) == BALLOT_OK);

	/* A voter's standing from the held credentials. */
	CHECK(ballot_voter(&v, &r, &p, s->res[4].pk, &cred, &who) == 0);
	CHECK(who.eligible && who.unit != NULL && strcmp(who.unit, "Wilda") == 0);
	model_cred_free(&cred);
	CHECK(ballot_voter(&v, &r, &p, s->res[6].pk, &cred, &who) == 0 && !who.eligible);
	model_cred_free(&cred);
	CHECK(ballot_voter(&v, &r, &p, s->res[5].pk, &cred, &who) == 0 && who.eligible &&
	    who.unit == NULL);
	model_cred_free(&cred);
	CHECK(strcmp(ballot_why_name(BALLOT_OVER_BUDGET), "over_budget") == 0);
	CHECK(strcmp(ballot_why_name(BALLOT_NOT_IN_FRONTIER), "not_in_frontier") == 0);

	ballot_poll_free(&p);
	ballot_poll_free(&ap);
	ballot_poll_free(&cp);
	ballot_poll_free(&yp);
	roster_free(&r);
	memview_free(&mv);
	mfx_free(&s->m);
	free(s);
}

/* Polls that do not count, each with its reason. */
TEST(ballot_poll_rules)
{
	bscen_t *s = malloc(sizeof *s);
	memview_t mv;
	model_view_t v;
	roster_t r;
	ballot_poll_t p;
	Wiec__Poll q;
	ProtobufCBinaryData opt[2];
	uint8_t id[7][32], missing[32];
	size_t n0;

	memset(missing, 0x66, 32);
	CHECK(s != NULL && scen_build(s) == 0);
	n0 = s->m.n;
	wiec__poll__init(&q);
	q.process = mfx_bin(s->proc);
	q.kind = WIEC__POLL_KIND__POLL_BUDGET;
	opt[0] = mfx_bin(s->a);
	opt[1] = mfx_bin(s->b);
	q.options = opt;
	q.n_options = 2;
	CHECK(post_poll(&s->m, &s->m.ngo, &q, id[0]) == 0);	/* not an owner */
	q.rule = (char *)"borda";
	CHECK(post_poll(&s->m, &s->m.city, &q, id[1]) == 0);	/* not for budget */
	q.rule = (char *)"equalshares/add1";
	opt[1] = mfx_bin(s->x);
	CHECK(post_poll(&s->m, &s->m.city, &q, id[2]) == 0);	/* another process's idea */
	q.kind = WIEC__POLL_KIND__POLL_APPROVAL;
	q.rule = (char *)"";
	opt[1] = mfx_bin(s->b);
	CHECK(post_poll(&s->m, &s->m.city, &q, id[3]) == 0);	/* approval in a budget process */
	q.process = mfx_bin(missing);
	CHECK(post_poll(&s->m, &s->m.city, &q, id[4]) == 0);	/* no such process */
	q.process = mfx_bin(s->proc);
	q.kind = WIEC__POLL_KIND__POLL_BUDGET;
	q.rule = (char *)"no-such-rule";
	CHECK(post_poll(&s->m, &s->m.city, &q, id[5]) == 0);
	q.rule = (char *)"equalshares/add1";
	CHECK(post_poll(&s->m, &s->m.city, &q, id[6]) == 0);	/* valid */
	CHECK(hold(&mv, s, NULL, s->m.n) == 0);
	v = memview_view(&mv);
	CHECK(roster_load(&v, &r) == 0);
	{
		static const int want[7] = { BALLOT_NOT_OWNER, BALLOT_BAD_RULE, BALLOT_BAD_OPTION,
		    BALLOT_WRONG_KIND, BALLOT_NO_PROCESS, BALLOT_BAD_RULE, BALLOT_OK };

		for (int i = 0; i < 7; i++) {
			CHECK(ballot_poll_load(&v, &r, id[i], &p) == 0);
			if (p.why != want[i])
				fprintf(stderr, "poll %d: %s\n", i, ballot_why_name(p.why));
			CHECK(p.why == want[i]);
			if (i == 6) {
				ballot_tally_t t;
				char why[64];

				CHECK(p.rule == TALLY_MES_ADD1 && p.opt[0].cost == 60000 &&
				    p.opt[0].unit == 0);
				/* No ballots: equal shares of nothing, no winner, no failure. */
				CHECK(ballot_tally(&v, &r, &p, NULL, 0, -1, &t, why, sizeof why) == 0);
				CHECK(t.counted == 0 && t.nunit == 2 && t.unit[0].nwin == 0);
				ballot_tally_free(&t);
			}
			ballot_poll_free(&p);
		}
	}
	CHECK(ballot_poll_load(&v, &r, s->a, &p) == WIEC_ERR_NOTFOUND);	/* an idea */
	(void)n0;
	roster_free(&r);
	memview_free(&mv);
	mfx_free(&s->m);
	free(s);
}

TEST(ballot_kinds_tally)
{
	bscen_t *s = malloc(sizeof *s);
	memview_t mv;
	model_view_t v;
	roster_t r;
	ballot_poll_t p;
	ballot_tally_t t;

	CHECK(s != NULL && scen_build(s) == 0);
	CHECK(hold(&mv, s, NULL, s->m.n) == 0);
	for (int path = 0; path < 2; path++) {
		v = memview_view(&mv);
		v.scan = path ? memview_scan : NULL;
		CHECK(roster_load(&v, &r) == 0);
		/* approval: x and y tie at 3: both reported, in option order */
		CHECK(tally(&v, &r, s->approval, &p, &t) == 0);
		CHECK(t.nunit == 1 && t.unit[0].unit == -1);
		CHECK(score_of(&t.unit[0], &p, s->x) == 3 && score_of(&t.unit[0], &p, s->y) == 3 &&
		    score_of(&t.unit[0], &p, s->z) == 1);
		CHECK(t.unit[0].nwin == 2 && is_win(&t.unit[0], &p, 0, s->x) &&
		    is_win(&t.unit[0], &p, 1, s->y));
		ballot_tally_free(&t);
		ballot_poll_free(&p);
		/* choose-one, plurality: y 2, z 1; r3 withdrew x */
		CHECK(tally(&v, &r, s->choose, &p, &t) == 0);
		CHECK(score_of(&t.unit[0], &p, s->y) == 2 && score_of(&t.unit[0], &p, s->x) == 0);
		CHECK(t.unit[0].nwin == 1 && is_win(&t.unit[0], &p, 0, s->y));
		CHECK(t.not_counted[BALLOT_WITHDRAWN] == 1 &&
		    t.not_counted[BALLOT_SUPERSEDED] == 1 && t.counted == 3);
		ballot_tally_free(&t);
		ballot_poll_free(&p);
		/* ranked, Borda */
		CHECK(tally(&v, &r, s->ranked, &p, &t) == 0);
		CHECK(score_of(&t.unit[0], &p, s->x) == 2 && score_of(&t.unit[0], &p, s->y) == 4 &&
		    score_of(&t.unit[0], &p, s->z) == 3);
		CHECK(t.unit[0].nwin == 1 && is_win(&t.unit[0], &p, 0, s->y));
		ballot_tally_free(&t);
		ballot_poll_free(&p);
		/* cumulative, points */
		CHECK(tally(&v, &r, s->cumul, &p, &t) == 0);
		CHECK(score_of(&t.unit[0], &p, s->x) == 4 && score_of(&t.unit[0], &p, s->y) == 2 &&
		    score_of(&t.unit[0], &p, s->z) == 9);
		CHECK(t.not_counted[BALLOT_BAD_POINTS] == 1);
		ballot_tally_free(&t);
		ballot_poll_free(&p);
		/* yes/no: 2 yes, 1 no, 1 abstain; threshold 1/2 of yes + no */
		CHECK(tally(&v, &r, s->yesno, &p, &t) == 0);
		CHECK(t.yes == 2 && t.no == 1 && t.abstain == 1 && t.passed == 1);
		ballot_tally_free(&t);
		ballot_poll_free(&p);
		/* co-decision, double majority: 2 of 3 members, 700 of 1000 */
		CHECK(tally(&v, &r, s->coyes, &p, &t) == 0);
		CHECK(t.yes == 2 && t.no == 1 && t.electorate == 3 && t.yes_weight == 700 &&
		    t.total_weight == 1000 && t.passed == 1);
		CHECK(t.not_counted[BALLOT_NOT_MEMBER] == 1);
		ballot_tally_free(&t);
		ballot_poll_free(&p);
		roster_free(&r);
	}
	memview_free(&mv);
	mfx_free(&s->m);
	free(s);
}

/* Double majority: the weights can block what the members carry. */
TEST(ballot_codecision_double_majority)
{
	bscen_t *s = malloc(sizeof *s);
	memview_t mv;
	model_view_t v;
	roster_t r;
	ballot_poll_t p;
	ballot_tally_t t;
	uint8_t poll[32];
	Wiec__Poll q;
	Wiec__Fraction half = { PROTOBUF_C_MESSAGE_INIT(&wiec__fraction__descriptor), 1, 2 };
	Wiec__Fraction two3 = { PROTOBUF_C_MESSAGE_INIT(&wiec__fraction__descriptor), 2, 3 };
	Wiec__Weight w[3], *wp[3];

	CHECK(s != NULL && scen_build(s) == 0);
	wiec__poll__init(&q);
	q.process = mfx_bin(s->codec);
	q.kind = WIEC__POLL_KIND__POLL_YESNO;
	q.question = (char *)"Q";
	q.decision = WIEC__DECISION__DECISION_DOUBLE;
	q.majority = &two3;
	q.weight_majority = &half;
	for (int i = 0; i < 3; i++) {
		wiec__weight__init(&w[i]);
		wp[i] = &w[i];
	}
	/* ngo + univ say yes: 2 of 3 members but 400 of 1000 weight */
	w[0].member = mfx_bin(s->m.city.pk);
	w[0].weight = 600;
	w[1].member = mfx_bin(s->m.ngo.pk);
	w[1].weight = 100;
	w[2].member = mfx_bin(s->m.univ.pk);
	w[2].weight = 300;
	q.weights = wp;
	q.n_weights = 3;
	CHECK(post_poll(&s->m, &s->m.ngo, &q, poll) == 0);
	CHECK(post_vote(&s->m, &s->m.ngo, s->codec, poll, NULL, NULL, 0, NULL, 1, 0, NULL) == 0);
	CHECK(post_vote(&s->m, &s->m.univ, s->codec, poll, NULL, NULL, 0, NULL, 1, 0, NULL) == 0);
	CHECK(post_vote(&s->m, &s->m.city, s->codec, poll, NULL, NULL, 0, NULL, 2, 0, NULL) == 0);
	CHECK(hold(&mv, s, NULL, s->m.n) == 0);
	v = memview_view(&mv);
	CHECK(roster_load(&v, &r) == 0);
	CHECK(tally(&v, &r, poll, &p, &t) == 0);
	CHECK(t.yes == 2 && t.yes_weight == 400 && t.total_weight == 1000 && t.passed == 0);
	ballot_tally_free(&t);
	ballot_poll_free(&p);
	roster_free(&r);
	memview_free(&mv);
	mfx_free(&s->m);
	free(s);
}

/* The result bytes and hash do not depend on arrival order, and a
 * frontier counts exactly its ballots. */
TEST(ballot_order_independence)
{
	bscen_t *s = malloc(sizeof *s);
	memview_t mv;
	model_view_t v;
	uint8_t h0[32], h[32], *bytes0 = NULL, *bytes = NULL, *seal = NULL;
	size_t len0, len, nseal, order[MFX_EVENTS];
	uint64_t rnd = 0x9e3779b97f4a7c15ull;

	CHECK(s != NULL && scen_build(s) == 0);
	CHECK(hold(&mv, s, NULL, s->m.n) == 0);
	v = memview_view(&mv);
	CHECK(model_tally_result(&v, s->proc, NULL, 0, &bytes0, &len0, h0) == 0);
	CHECK(len0 > 4 && bytes0[3] == 1);		/* one poll */
	/* The seal as frontier gives the same result. */
	CHECK(model_tally_seal(&v, s->proc, &seal, &nseal) == 0);
	CHECK(nseal == 10 + 8 + 1);			/* 10 ballots, 8 credentials, the poll */
	CHECK(model_tally_result(&v, s->proc, seal, nseal, &bytes, &len, h) == 0);
	CHECK(len == len0 && memcmp(h, h0, 32) == 0);
	free(bytes);
	/* Without one ballot (r5's c), the result differs. */
	{
		uint8_t *f = malloc(nseal * 32);
		size_t nf = 0;

		CHECK(f != NULL);
		for (size_t i = 0; i < nseal; i++)
			if (memcmp(seal + 32 * i, s->r5vote, 32) != 0)
				memcpy(f + 32 * nf++, seal + 32 * i, 32);
		CHECK(nf == nseal - 1);
		CHECK(model_tally_result(&v, s->proc, f, nf, &bytes, &len, h) == 0);
		CHECK(memcmp(h, h0, 32) != 0);
		free(bytes);
		free(f);
	}
	memview_free(&mv);
	/* Random arrival orders. */
	for (int round = 0; round < 20; round++) {
		for (size_t i = 0; i < s->m.n; i++)
			order[i] = i;
		for (size_t i = s->m.n - 1; i > 0; i--) {
			size_t j;

			rnd ^= rnd << 13;
			rnd ^= rnd >> 7;
			rnd ^= rnd << 17;
			j = (size_t)(rnd % (i + 1));
			len = order[i];
			order[i] = order[j];
			order[j] = len;
		}
		CHECK(hold(&mv, s, order, s->m.n) == 0);
		v = memview_view(&mv);
		CHECK(model_tally_result(&v, s->proc, NULL, 0, &bytes, &len, h) == 0);
		CHECK(len == len0 && memcmp(bytes, bytes0, len) == 0 && memcmp(h, h0, 32) == 0);
		free(bytes);
		memview_free(&mv);
	}
	free(seal);
	free(bytes0);
	mfx_free(&s->m);
	free(s);
}

static int seal_has(const uint8_t *seal, size_t n, const uint8_t *id)
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(seal + 32 * i, id, 32) == 0)
			return 1;
	return 0;
}

/* A certified result never changes, whatever arrives later (spec/tally.md
 * 4.7): a new version of an option and a new poll posted after the seal
 * are not in its frontier, so the frontier's result stays; the live count
 * and the next seal take them. Before, an author's edit of a project's
 * cost after the close changed the certified result. */
TEST(ballot_frontier_freezes_versions_and_polls)
{
	bscen_t *s = malloc(sizeof *s);
	memview_t mv;
	model_view_t v;
	uint8_t h0[32], h[32], hl[32], *bytes = NULL, *seal = NULL, *seal2 = NULL;
	uint8_t edit[32], poll2[32];
	size_t len, nseal, nseal2;
	Wiec__Body b = WIEC__BODY__INIT;
	Wiec__Idea i = WIEC__IDEA__INIT;
	Wiec__Poll p = WIEC__POLL__INIT;
	ProtobufCBinaryData opt[2];

	CHECK(s != NULL && scen_build(s) == 0);
	CHECK(hold(&mv, s, NULL, s->m.n) == 0);
	v = memview_view(&mv);
	CHECK(model_tally_seal(&v, s->proc, &seal, &nseal) == 0);
	CHECK(model_tally_result(&v, s->proc, seal, nseal, &bytes, &len, h0) == 0);
	free(bytes);
	memview_free(&mv);
	/* Drzewa (c, funded in Jeżyce at 30,000) now costs 100,000; a new poll. */
	i.title = (char *)"Drzewa";
	i.edit = mfx_bin(s->c);
	i.unit = (char *)"Jeżyce";
	i.cost = 100000;
	b.content_case = WIEC__BODY__CONTENT_IDEA;
	b.idea = &i;
	CHECK(mfx_post(&s->m, &s->res[2], &b, edit) == 0);
	opt[0] = mfx_bin(s->a);
	opt[1] = mfx_bin(s->b);
	p.process = mfx_bin(s->proc);
	p.kind = WIEC__POLL_KIND__POLL_BUDGET;
	p.options = opt;
	p.n_options = 2;
	CHECK(post_poll(&s->m, &s->m.city, &p, poll2) == 0);
	CHECK(hold(&mv, s, NULL, s->m.n) == 0);
	v = memview_view(&mv);
	CHECK(model_tally_result(&v, s->proc, seal, nseal, &bytes, &len, h) == 0);
	CHECK(memcmp(h, h0, 32) == 0);
	CHECK(len > 4 && bytes[3] == 1);		/* still one poll */
	free(bytes);
	CHECK(model_tally_result(&v, s->proc, NULL, 0, &bytes, &len, hl) == 0);
	CHECK(memcmp(hl, h0, 32) != 0 && len > 4 && bytes[3] == 2);
	free(bytes);
	CHECK(model_tally_seal(&v, s->proc, &seal2, &nseal2) == 0);
	CHECK(nseal2 == nseal + 2 && seal_has(seal2, nseal2, edit) && seal_has(seal2, nseal2, poll2));
	CHECK(model_tally_result(&v, s->proc, seal2, nseal2, &bytes, &len, h) == 0);
	CHECK(memcmp(h, hl, 32) == 0);
	free(bytes);
	/* Without the edit, the seal's result counts the old cost. */
	{
		size_t k = 0;

		for (size_t j = 0; j < nseal2; j++)
			if (memcmp(seal2 + 32 * j, edit, 32) != 0)
				memmove(seal2 + 32 * k++, seal2 + 32 * j, 32);
		CHECK(k == nseal2 - 1);
		CHECK(model_tally_result(&v, s->proc, seal2, k, &bytes, &len, h) == 0);
		CHECK(memcmp(h, hl, 32) != 0);
		free(bytes);
	}
	free(seal);
	free(seal2);
	memview_free(&mv);
	mfx_free(&s->m);
	free(s);
}

/* A view whose ballot and credential entries are given lists (ascending,
 * as refs() walks them, unless a test breaks that), the rest a memview's:
 * what model_tally_seal joins, under its control. */
typedef struct sealview {
	memview_t *mv;
	const uint8_t *proc;
	const uint8_t *list[2];		/* ballots, credentials */
	size_t n[2];
} sealview_t;

static int sealview_get(void *ctx, const uint8_t id[static HASH_BYTES], model_ev_t *out)
{
	return memview_get(((sealview_t *)ctx)->mv, id, out);
}

static int sealview_refs(void *ctx, const uint8_t ref[static HASH_BYTES], uint8_t tag,
    model_ref_cb cb, void *arg)
{
	sealview_t *sv = ctx;
	int k = tag == MREF_BALLOT && memcmp(ref, sv->proc, 32) == 0 ? 0 :
	    tag == MREF_CREDENTIAL ? 1 : -1;
	int rc = 0;

	if (k < 0)
		return memview_refs(sv->mv, ref, tag, cb, arg);
	for (size_t i = 0; rc == 0 && i < sv->n[k]; i++)
		rc = cb(arg, sv->list[k] + 32 * i);
	return rc;
}

static const Wiec__GenesisBody *sealview_genesis(void *ctx)
{
	return memview_genesis(((sealview_t *)ctx)->mv);
}

/* The seal by its definition (spec/close.md "counted events"): both lists
 * and the process's polls with their options' later versions together,
 * sorted, each id once. *out malloc'd. */
static size_t seal_by_sort(const sealview_t *sv, uint8_t **out)
{
	model_view_t mv = memview_view(sv->mv);
	model_ids_t more = { 0 };
	size_t n, k = 0, npolls;

	if (model_ids_collect(&mv, sv->proc, MREF_POLL, &more) != 0)
		return SIZE_MAX;
	npolls = more.n;
	for (size_t i = 0; i < npolls; i++) {
		model_ev_t e;

		if (memview_get(sv->mv, more.id[i], &e) != 0)
			return SIZE_MAX;
		for (size_t o = 0; o < e.body->poll->n_options; o++)
			if (model_ids_collect(&mv, e.body->poll->options[o].data, MREF_VERSION,
			    &more) != 0)
				return SIZE_MAX;
		model_ev_free(&e);
	}
	n = sv->n[0] + sv->n[1] + more.n;
	if ((*out = malloc(n * 32 + 1)) == NULL)
		return SIZE_MAX;
	memcpy(*out, sv->list[0], sv->n[0] * 32);
	memcpy(*out + sv->n[0] * 32, sv->list[1], sv->n[1] * 32);
	if (more.n > 0)
		memcpy(*out + (sv->n[0] + sv->n[1]) * 32, more.id, more.n * 32);
	model_ids_free(&more);
	qsort(*out, n, 32, memview_id_cmp);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || memcmp(*out + 32 * i, *out + 32 * (k - 1), 32) != 0)
			memmove(*out + 32 * k++, *out + 32 * i, 32);
	return k;
}

/* model_tally_seal is the sorted, distinct union of the process's ballots
 * and its scope's credentials, whatever the lists: empty, one inside the
 * other, sharing ids, repeating ids, and (against the view's word) out of
 * order. */
TEST(ballot_seal_is_sorted_union)
{
	bscen_t *s = malloc(sizeof *s);
	memview_t mv;
	sealview_t sv;
	model_view_t v = { &sv, sealview_get, sealview_refs, sealview_genesis, NULL };
	uint8_t pool[64][32], *list[2] = { NULL, NULL }, *seal = NULL, *want = NULL;
	unsigned long long rnd = 0x5ea1ull;

	CHECK(s != NULL && scen_build(s) == 0);
	CHECK(hold(&mv, s, NULL, s->m.n) == 0);
	CHECK((list[0] = malloc(200 * 32)) != NULL && (list[1] = malloc(200 * 32)) != NULL);
	for (size_t i = 0; i < 64; i++)
		for (size_t b = 0; b < 32; b++)
			pool[i][b] = (uint8_t)test_rand(&rnd);
	memset(&sv, 0, sizeof sv);
	sv.mv = &mv;
	sv.proc = s->proc;
	for (int round = 0; round < 2000; round++) {
		/* Ids from a pool small enough that some repeat, within a list and
		 * across the two; some rounds one list or both empty. */
		size_t npool = 1 + test_rand(&rnd) % 64, nseal, nwant;
		int unsorted = round % 10 == 9;

		for (int k = 0; k < 2; k++) {
			sv.n[k] = test_rand(&rnd) % 4 == 0 ? 0 : test_rand(&rnd) % 200;
			for (size_t i = 0; i < sv.n[k]; i++)
				memcpy(list[k] + 32 * i, pool[test_rand(&rnd) % npool], 32);
			if (!unsorted)
				qsort(list[k], sv.n[k], 32, memview_id_cmp);
			sv.list[k] = list[k];
		}
		CHECK((nwant = seal_by_sort(&sv, &want)) != SIZE_MAX);
		CHECK(model_tally_seal(&v, s->proc, &seal, &nseal) == 0);
		CHECK_EQ_U64(nseal, nwant);
		CHECK(nseal == 0 || memcmp(seal, want, nseal * 32) == 0);
		CHECK(nseal != 0 || seal == NULL);
		free(seal);
		free(want);
		seal = want = NULL;
	}
	/* A process not held: no seal. */
	{
		uint8_t none[32];
		size_t n = 1;

		memset(none, 0x5a, sizeof none);
		CHECK(model_tally_seal(&v, none, &seal, &n) == WIEC_ERR_NOTFOUND);
		CHECK(seal == NULL && n == 0);
	}
	free(list[0]);
	free(list[1]);
	memview_free(&mv);
	mfx_free(&s->m);
	free(s);
}

/* The index rows of spec/model.md section 9 for polls and ballots. */
TEST(ballot_refs_rows)
{
	uint8_t p[32], q[32];
	Wiec__Body b = WIEC__BODY__INIT;
	Wiec__Poll poll = WIEC__POLL__INIT;
	Wiec__Vote vote = WIEC__VOTE__INIT;
	model_ref_t r[MODEL_REF_MAX];

	memset(p, 0xab, 32);
	memset(q, 0xcd, 32);
	poll.process = mfx_bin(p);
	b.content_case = WIEC__BODY__CONTENT_POLL;
	b.poll = &poll;
	CHECK(model_refs(&b, r) == 1 && r[0].tag == MREF_POLL && memcmp(r[0].ref, p, 32) == 0);
	vote.process = mfx_bin(p);
	vote.poll = mfx_bin(q);
	b.content_case = WIEC__BODY__CONTENT_VOTE;
	b.vote = &vote;
	CHECK(model_refs(&b, r) == 1 && r[0].tag == MREF_BALLOT && memcmp(r[0].ref, p, 32) == 0);
}

/* A vote by kp that forks its chain: a sibling of its latest event. */
static int fork_vote(bscen_t *s, const key_pair_t *kp, const uint8_t *poll, const uint8_t *ids,
    size_t n)
{
	mfx_chain_t *c = NULL;
	uint8_t head[32], prev[32];
	uint64_t seq;
	const uint8_t *ch[3] = { NULL, NULL, NULL };
	int rc;

	for (size_t i = 0; i < s->m.nch; i++)
		if (memcmp(s->m.ch[i].pk, kp->pk, 32) == 0)
			c = &s->m.ch[i];
	if (c == NULL || c->seq < 2)
		return 0;
	/* Post, then post again from the same parent. */
	seq = c->seq;
	memcpy(head, c->head, 32);
	for (size_t i = 0; i < n; i++)
		ch[i] = ids + 32 * i;
	if ((rc = post_vote(&s->m, kp, s->proc, poll, "Jeżyce", ch, n, NULL, 0, 0, prev)) != 0)
		return rc;
	c->seq = seq;
	memcpy(c->head, head, 32);
	return post_vote(&s->m, kp, s->proc, poll, "Jeżyce", ch, n > 1 ? n - 1 : n, NULL, 0, 0,
	    NULL);
}

/* The fast path (scan: packed bodies in any order) and the generic one
 * (refs, then get each) give the same result bytes and hash on random
 * ballot sets: invalid ballots, withdrawals, changed votes, forks, and
 * excluded events. */
TEST(ballot_scan_matches_generic)
{
	uint64_t rnd = 0x2545f4914f6cdd1dull;

	for (int round = 0; round < 12; round++) {
		bscen_t *s = malloc(sizeof *s);
		memview_t mv;
		model_view_t v;
		uint8_t h0[32], h1[32], *b0 = NULL, *b1 = NULL, es[32], eq[32];
		size_t l0, l1;
		Wiec__Poll q;
		ProtobufCBinaryData opt[4];

		CHECK(s != NULL && scen_build(s) == 0);
		/* An equal-shares and a greedy poll beside the scenario's. */
		wiec__poll__init(&q);
		opt[0] = mfx_bin(s->a);
		opt[1] = mfx_bin(s->b);
		opt[2] = mfx_bin(s->c);
		opt[3] = mfx_bin(s->d);
		q.process = mfx_bin(s->proc);
		q.kind = WIEC__POLL_KIND__POLL_BUDGET;
		q.options = opt;
		q.n_options = 4;
		q.rule = (char *)"equalshares/add1";
		CHECK(post_poll(&s->m, &s->m.city, &q, es) == 0);
		q.rule = (char *)"greedy";
		q.max = 2;
		CHECK(post_poll(&s->m, &s->m.city, &q, eq) == 0);
		for (int k = 0; k < 120; k++) {
			const uint8_t *pool[5] = { s->a, s->b, s->c, s->d, s->x };
			uint8_t ids[3 * 32];
			const uint8_t *ch[3];
			size_t n, what;
			const key_pair_t *kp;
			const uint8_t *poll;

			rnd ^= rnd << 13;
			rnd ^= rnd >> 7;
			rnd ^= rnd << 17;
			kp = &s->res[rnd % NRES];
			poll = (rnd >> 8) % 3 == 0 ? s->poll : (rnd >> 8) % 3 == 1 ? es : eq;
			n = (size_t)((rnd >> 16) % 4);
			what = (rnd >> 24) % 10;
			{
				size_t m = n;

				n = 0;
				for (size_t i = 0; i < m; i++) {
					/* Mostly Jeżyce projects; sometimes Wilda's or another process's. */
					size_t pick = (rnd >> (32 + 4 * i)) % (what == 0 ? 5 : 3), j;

					for (j = 0; j < n && ch[j] != pool[pick]; j++)
						;
					if (j < n)
						continue;	/* distinct projects: a content rule */
					ch[n] = pool[pick];
					memcpy(ids + 32 * n++, pool[pick], 32);
				}
			}
			if (s->m.n + 2 >= MFX_EVENTS)
				break;
			if (what == 1)
				CHECK(post_vote(&s->m, kp, s->proc, poll, NULL, NULL, 0, NULL, 0, 1,
				    NULL) == 0);
			else if (what == 2)
				CHECK(fork_vote(s, kp, poll, ids, n) == 0);
			else
				CHECK(post_vote(&s->m, kp, s->proc, poll, what == 3 ? "Wilda" :
				    "Jeżyce", ch, n, NULL, 0, 0, NULL) == 0);
		}
		CHECK(hold(&mv, s, NULL, s->m.n) == 0);
		/* Some ballots excluded (as a member's fork would be). */
		for (size_t i = 0; i < mv.n; i += 7 + (size_t)round)
			mv.ev[i].excluded = mv.ev[i].excluded || i > 60;
		v = memview_view(&mv);
		CHECK(model_tally_result(&v, s->proc, NULL, 0, &b0, &l0, h0) == 0);
		v.scan = memview_scan;
		CHECK(model_tally_result(&v, s->proc, NULL, 0, &b1, &l1, h1) == 0);
		CHECK(l0 == l1 && memcmp(b0, b1, l0) == 0 && memcmp(h0, h1, 32) == 0);
		CHECK(b0[3] == 3);		/* three polls */
		free(b0);
		free(b1);
		b0 = b1 = NULL;
		/* And over a frontier: the seal without every third id. */
		{
			uint8_t *seal = NULL;
			size_t nseal, nf = 0;

			v.scan = NULL;
			CHECK(model_tally_seal(&v, s->proc, &seal, &nseal) == 0);
			for (size_t i = 0; i < nseal; i++)
				if (i % 3 != 1)
					memmove(seal + 32 * nf++, seal + 32 * i, 32);
			CHECK(model_tally_result(&v, s->proc, seal, nf, &b0, &l0, h0) == 0);
			v.scan = memview_scan;
			CHECK(model_tally_result(&v, s->proc, seal, nf, &b1, &l1, h1) == 0);
			CHECK(l0 == l1 && memcmp(b0, b1, l0) == 0 && memcmp(h0, h1, 32) == 0);
			free(seal);
			free(b0);
			free(b1);
		}
		memview_free(&mv);
		mfx_free(&s->m);
		free(s);
	}
}

/* Real LMDB, events arriving shuffled: the store view's scan() (the
 * index's log positions, one log pass, bodies read in place) and the
 * generic path through the same view give the memory view's result, with
 * changed votes, withdrawals, a resident's fork and a member's fork (its
 * events from the fork on are excluded and must not count either way); for
 * the budget and the consultation polls the scan path counts sums. */
TEST(ballot_store_scan_matches_generic)
{
	bscen_t *s = malloc(sizeof *s);
	memview_t mv;
	model_view_t v;
	mfx_chain_t *c = NULL;
	uint8_t h0[32], h[32], h1[32], *b0 = NULL, *b = NULL, *b1 = NULL, head[32];
	size_t l0, l, l1, ord[MFX_EVENTS];
	uint64_t seq, rnd = 77;
	store_t *st = NULL;
	store_view_t *sv = NULL;

	CHECK(s != NULL && scen_build(s) == 0);
	CHECK(post_vote(&s->m, &s->res[1], s->proc, s->poll, NULL, NULL, 0, NULL, 0, 1, NULL) == 0);
	CHECK(fork_vote(s, &s->res[2], s->poll, s->c, 1) == 0);
	/* The ngo forks: two co-decision ballots at one seq. */
	for (size_t i = 0; i < s->m.nch; i++)
		if (memcmp(s->m.ch[i].pk, s->m.ngo.pk, 32) == 0)
			c = &s->m.ch[i];
	CHECK(c != NULL);
	seq = c->seq;
	memcpy(head, c->head, 32);
	CHECK(post_vote(&s->m, &s->m.ngo, s->codec, s->coyes, NULL, NULL, 0, NULL,
	    WIEC__ANSWER__ANSWER_NO, 0, NULL) == 0);
	c->seq = seq;
	memcpy(c->head, head, 32);
	CHECK(post_vote(&s->m, &s->m.ngo, s->codec, s->coyes, NULL, NULL, 0, NULL,
	    WIEC__ANSWER__ANSWER_ABSTAIN, 0, NULL) == 0);

	for (int proc = 0; proc < 3; proc++) {
		const uint8_t *p = proc == 0 ? s->proc : proc == 1 ? s->codec : s->cons;

		CHECK(hold(&mv, s, NULL, s->m.n) == 0);
		v = memview_view(&mv);
		CHECK(model_tally_result(&v, p, NULL, 0, &b0, &l0, h0) == 0);
		memview_free(&mv);
		for (size_t i = 0; i < s->m.n; i++)
			ord[i] = i;
		for (size_t i = s->m.n - 1; i > 0; i--) {
			size_t j, t;

			rnd = rnd * 6364136223846793005ull + 1442695040888963407ull;
			j = (size_t)((rnd >> 33) % (i + 1));
			t = ord[i];
			ord[i] = ord[j];
			ord[j] = t;
		}
		CHECK(mfx_store(&s->m, &st, TEST_TMP, proc == 0 ? "b0" : proc == 1 ? "b1" : "b2") == 0);
		for (size_t i = 0; i < s->m.n; i++) {
			int r = fx_ingest1(st, &s->m.ev[ord[i]]);

			CHECK(r == STORE_ADDED || r == STORE_PENDING || r == STORE_FORK);
		}
		CHECK(store_view_begin(st, &sv, &v) == 0);
		CHECK(v.scan != NULL);
		CHECK(model_tally_result(&v, p, NULL, 0, &b, &l, h) == 0);
		v.scan = NULL;
		CHECK(model_tally_result(&v, p, NULL, 0, &b1, &l1, h1) == 0);
		if (l != l1 || memcmp(b, b1, l) != 0)
			fprintf(stderr, "process %d: scan and generic differ\n", proc);
		CHECK(l == l1 && memcmp(b, b1, l) == 0 && memcmp(h, h1, 32) == 0);
		/* The memory view marks no exclusion: it agrees where no member forked. */
		if (proc != 1)
			CHECK(l == l0 && memcmp(b, b0, l) == 0 && memcmp(h, h0, 32) == 0);
		else
			CHECK(memcmp(h, h0, 32) != 0);
		free(b);
		free(b1);
		store_view_end(&sv);
		store_close(&st);
		free(b0);
	}
	mfx_free(&s->m);
	free(s);
}

/* The polls of ballot_summed_matches_records: every kind and every rule the
 * summed path counts, beside an equal-shares one that it does not. */
typedef struct sumscen {
	bscen_t s;
	uint8_t cons2[32];				/* a consultation with eligibility */
	uint8_t poll[16][32];
	const uint8_t *proc[16];			/* each poll's process */
	int kind[16];
	size_t n;
} sumscen_t;

static int sum_poll(sumscen_t *z, const key_pair_t *kp, const uint8_t *proc, Wiec__Poll *q)
{
	q->process = mfx_bin(proc);
	z->proc[z->n] = proc;
	z->kind[z->n] = q->kind;
	return post_poll(&z->s.m, kp, q, z->poll[z->n++]);
}

static int sum_build(sumscen_t *z)
{
	bscen_t *s = &z->s;
	mfx_proc_t pp = { 0 };
	Wiec__Poll q;
	ProtobufCBinaryData bo[4] = { mfx_bin(s->a), mfx_bin(s->b), mfx_bin(s->c), mfx_bin(s->d) };
	ProtobufCBinaryData co[3] = { mfx_bin(s->x), mfx_bin(s->y), mfx_bin(s->z) };
	ProtobufCBinaryData grp[2] = { mfx_bin(s->a), mfx_bin(s->c) };
	Wiec__Exclusion ex = WIEC__EXCLUSION__INIT, *exp = &ex;
	Wiec__Fraction two = WIEC__FRACTION__INIT, half = WIEC__FRACTION__INIT;
	static const char *const budget_rules[] = { "greedy", "greedy-no-skip", "greedy-threshold",
	    "greedy-exclusive", "greedy-custom", "equalshares" };

	TRY(scen_build(s));
	z->n = 0;
	two.num = 2;
	two.den = 1;
	half.num = 1;
	half.den = 2;
	ex.projects = grp;
	ex.n_projects = 2;
	for (size_t i = 0; i < 6; i++) {
		wiec__poll__init(&q);
		q.kind = WIEC__POLL_KIND__POLL_BUDGET;
		q.options = bo;
		q.n_options = 4;
		q.rule = (char *)budget_rules[i];
		q.min_score = i == 2 ? &two : NULL;
		q.exclusive = i == 3 ? &exp : NULL;
		q.n_exclusive = i == 3;
		q.max = i == 4 ? 2 : 0;
		TRY(sum_poll(z, &s->m.city, s->proc, &q));
	}
	/* The consultation's kinds with their default rules, and the others
	 * each may use. */
	{
		static const struct { int kind; const char *rule; uint32_t min, max; } k[] = {
			{ WIEC__POLL_KIND__POLL_APPROVAL, "", 1, 2 },
			{ WIEC__POLL_KIND__POLL_CHOOSE_ONE, "", 0, 0 },
			{ WIEC__POLL_KIND__POLL_CHOOSE_ONE, "approval", 0, 0 },
			{ WIEC__POLL_KIND__POLL_RANKED, "", 0, 0 },
			{ WIEC__POLL_KIND__POLL_RANKED, "plurality", 0, 0 },
			{ WIEC__POLL_KIND__POLL_CUMULATIVE, "", 0, 0 },
			{ WIEC__POLL_KIND__POLL_CUMULATIVE, "approval", 0, 0 },
			{ WIEC__POLL_KIND__POLL_YESNO, "", 0, 0 },
		};

		for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
			wiec__poll__init(&q);
			q.kind = k[i].kind;
			q.rule = (char *)k[i].rule;
			q.min = k[i].min;
			q.max = k[i].max;
			if (k[i].kind == WIEC__POLL_KIND__POLL_YESNO) {
				q.question = (char *)"?";
			} else {
				q.options = co;
				q.n_options = 3;
			}
			q.points = k[i].kind == WIEC__POLL_KIND__POLL_CUMULATIVE ? 5 : 0;
			TRY(sum_poll(z, &s->m.ngo, s->cons, &q));
		}
	}
	/* Yes/no with a turnout quorum among the registered (r0..r5). */
	pp.kind = WIEC__PROCESS_KIND__PROCESS_CONSULTATION;
	pp.owners[0] = s->m.ngo.pk;
	pp.nowners = 1;
	pp.registrars[0] = s->m.ngo.pk;
	pp.nregistrars = 1;
	pp.eligibility = 1;
	TRY(mfx_process(&s->m, &s->m.ngo, &pp, z->cons2));
	for (int i = 0; i < 6; i++)
		TRY(mfx_cred(&s->m, &s->m.ngo, s->res[i].pk, z->cons2, NULL, 0, NULL));
	wiec__poll__init(&q);
	q.kind = WIEC__POLL_KIND__POLL_YESNO;
	q.question = (char *)"?";
	q.quorum = &half;
	q.threshold = &half;
	return sum_poll(z, &s->m.ngo, z->cons2, &q);
}

/* One random ballot of poll k by kp: valid or not (unknown or foreign
 * projects, too many, points over or where none belong, no answer), a
 * withdrawal, or a fork of the voter's chain. */
static int sum_vote(sumscen_t *z, size_t k, const key_pair_t *kp, uint64_t r)
{
	bscen_t *s = &z->s;
	const uint8_t *bpool[5] = { s->a, s->b, s->c, s->d, s->x };
	const uint8_t *cpool[4] = { s->x, s->y, s->z, s->a };
	const uint8_t *ch[4];
	uint64_t pts[4];
	size_t n = 0, want = (size_t)(r >> 8) % 4, what = (size_t)(r >> 12) % 10;
	int answer = 0, budget = z->kind[k] == WIEC__POLL_KIND__POLL_BUDGET;
	int cumul = z->kind[k] == WIEC__POLL_KIND__POLL_CUMULATIVE;
	mfx_chain_t *c = NULL;
	uint64_t seq = 0;
	uint8_t head[32];
	int rc;

	if (what == 0)
		return post_vote(&s->m, kp, z->proc[k], z->poll[k], NULL, NULL, 0, NULL, 0, 1,
		    NULL);
	if (z->kind[k] == WIEC__POLL_KIND__POLL_YESNO) {
		answer = (int)((r >> 16) % 4);		/* 0: none, refused */
	} else {
		for (size_t i = 0; i < want; i++) {
			/* Mostly projects of the poll; sometimes a foreign one. */
			size_t pick = (size_t)(r >> (20 + 4 * i));
			const uint8_t *id = budget ? bpool[pick % (what == 1 ? 5 : 3)] :
			    cpool[pick % (what == 1 ? 4 : 3)];
			size_t j;

			for (j = 0; j < n && ch[j] != id; j++)
				;
			if (j == n) {
				pts[n] = (r >> (40 + 3 * i)) % 4;
				ch[n++] = id;
			}
		}
	}
	if (what == 2) {	/* a fork: a sibling of the voter's latest event */
		for (size_t i = 0; i < s->m.nch; i++)
			if (memcmp(s->m.ch[i].pk, kp->pk, 32) == 0)
				c = &s->m.ch[i];
		if (c != NULL && c->seq > 0) {
			seq = c->seq;
			memcpy(head, c->head, 32);
			if ((rc = post_vote(&s->m, kp, z->proc[k], z->poll[k],
			    budget ? "Jeżyce" : NULL, ch, n, cumul ? pts : NULL, answer, 0, NULL)) != 0)
				return rc;
			c->seq = seq;
			memcpy(c->head, head, 32);
		}
	}
	return post_vote(&s->m, kp, z->proc[k], z->poll[k],
	    !budget ? NULL : what == 3 ? "Wilda" : "Jeżyce", ch, n, cumul || what == 4 ? pts : NULL,
	    answer, 0, NULL);
}

/* The result of each process, by the generic path and by scan(), the same
 * bytes, over everything held and over part of the seal. */
static void sum_compare(test_ctx_t *t_, const sumscen_t *z, memview_t *mv)
{
	const uint8_t *procs[3] = { z->s.proc, z->s.cons, z->cons2 };
	model_view_t v = memview_view(mv);

	for (int i = 0; i < 3; i++) {
		uint8_t h0[32], h1[32], *b0 = NULL, *b1 = NULL, *seal = NULL;
		size_t l0, l1, nseal, nf = 0;

		v.scan = NULL;
		CHECK(model_tally_result(&v, procs[i], NULL, 0, &b0, &l0, h0) == 0);
		v.scan = memview_scan;
		CHECK(model_tally_result(&v, procs[i], NULL, 0, &b1, &l1, h1) == 0);
		CHECK(l0 == l1 && memcmp(b0, b1, l0) == 0 && memcmp(h0, h1, 32) == 0);
		free(b0);
		free(b1);
		v.scan = NULL;
		CHECK(model_tally_seal(&v, procs[i], &seal, &nseal) == 0);
		for (size_t j = 0; j < nseal; j++)
			if (j % 4 != 2)
				memmove(seal + 32 * nf++, seal + 32 * j, 32);
		CHECK(model_tally_result(&v, procs[i], seal, nf, &b0, &l0, h0) == 0);
		v.scan = memview_scan;
		CHECK(model_tally_result(&v, procs[i], seal, nf, &b1, &l1, h1) == 0);
		CHECK(l0 == l1 && memcmp(b0, b1, l0) == 0 && memcmp(h0, h1, 32) == 0);
		free(seal);
		free(b0);
		free(b1);
	}
}

/* The summed path (scan(): per-option sums, each voter's latest fixed up
 * after the pass) against the records path (refs() and get(): one record
 * per ballot, the rules run over every ballot), on random ballots of every
 * kind and rule the summed path counts: identical result bytes. Voters
 * change their votes many times, withdraw, fork, and cast invalid ballots. */
TEST(ballot_summed_matches_records)
{
	uint64_t rnd = 0x853c49e6748fea9bull;

	for (int round = 0; round < 6; round++) {
		sumscen_t *z = malloc(sizeof *z);
		memview_t mv;
		model_view_t v;
		roster_t r;

		CHECK(z != NULL && sum_build(z) == 0);
		while (z->s.m.n + 3 < MFX_EVENTS) {
			rnd ^= rnd << 13;
			rnd ^= rnd >> 7;
			rnd ^= rnd << 17;
			CHECK(sum_vote(z, (size_t)(rnd % z->n), &z->s.res[(rnd >> 4) % NRES],
			    rnd) == 0);
		}
		CHECK(hold(&mv, &z->s, NULL, z->s.m.n) == 0);
		for (size_t i = 0; i < mv.n; i += 11 + (size_t)round)
			mv.ev[i].excluded = mv.ev[i].excluded || i > 200;
		/* Each poll but the equal-shares one is summed on the scan path. */
		v = memview_view(&mv);
		v.scan = memview_scan;
		CHECK(roster_load(&v, &r) == 0);
		for (size_t k = 0; k < z->n; k++) {
			ballot_poll_t p;

			CHECK(ballot_poll_load(&v, &r, z->poll[k], &p) == 0 && p.why == BALLOT_OK);
			CHECK(recount_summed(&v, &p) == (p.rule != TALLY_MES));
			ballot_poll_free(&p);
		}
		roster_free(&r);
		sum_compare(t_, z, &mv);
		if (t_->failed)
			return;
		memview_free(&mv);
		mfx_free(&z->s.m);
		free(z);
	}
}

/* Two voters whose keys share the four bytes the summed path keeps per
 * ballot (seeds found by search): each one's latest still counts, and only
 * its own earlier ballot is superseded. */
TEST(ballot_summed_key_collision)
{
	bscen_t *s = malloc(sizeof *s);
	key_pair_t k1, k2;
	uint8_t seed[32] = { 0x77 };
	memview_t mv;
	model_view_t v;
	roster_t r;
	ballot_poll_t p;
	ballot_tally_t t;

	seed[1] = 0x15;		/* 44821 */
	seed[2] = 0xaf;
	CHECK(key_from_seed(&k1, seed) == 0);
	seed[1] = 0x3e;		/* 73534 */
	seed[2] = 0x1f;
	seed[3] = 0x01;
	CHECK(key_from_seed(&k2, seed) == 0);
	CHECK(memcmp(k1.pk, k2.pk, 4) == 0 && memcmp(k1.pk, k2.pk, 32) != 0);
	CHECK(s != NULL && scen_build(s) == 0);
	/* approval: k1 x then y; k2 z then x, y; k1 last says y only */
	CHECK(post_vote(&s->m, &k1, s->cons, s->approval, NULL, V(s->x), 1, NULL, 0, 0, NULL) == 0);
	CHECK(post_vote(&s->m, &k2, s->cons, s->approval, NULL, V(s->z), 1, NULL, 0, 0, NULL) == 0);
	CHECK(post_vote(&s->m, &k1, s->cons, s->approval, NULL, V(s->y), 1, NULL, 0, 0, NULL) == 0);
	CHECK(post_vote(&s->m, &k2, s->cons, s->approval, NULL, V(s->x, s->y), 2, NULL, 0, 0,
	    NULL) == 0);
	CHECK(hold(&mv, s, NULL, s->m.n) == 0);
	for (int path = 0; path < 2; path++) {
		v = memview_view(&mv);
		v.scan = path ? memview_scan : NULL;
		CHECK(roster_load(&v, &r) == 0);
		CHECK(tally(&v, &r, s->approval, &p, &t) == 0);
		CHECK(recount_summed(&v, &p) == path);
		/* scen_build's x 3, y 3, z 1; then y and x, y */
		CHECK(t.counted == 6 && t.not_counted[BALLOT_SUPERSEDED] == 2);
		CHECK(score_of(&t.unit[0], &p, s->x) == 4 && score_of(&t.unit[0], &p, s->y) == 5 &&
		    score_of(&t.unit[0], &p, s->z) == 1);
		ballot_tally_free(&t);
		ballot_poll_free(&p);
		roster_free(&r);
	}
	memview_free(&mv);
	mfx_free(&s->m);
	free(s);
	key_wipe(&k1);
	key_wipe(&k2);
}
