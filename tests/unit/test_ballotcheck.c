/* ballot_check_at (model/ballot.c) in one pass over the choices against
 * its former form, kept here as the reference: a loop per rule, the first
 * failing rule's reason returned. On random ballots of every poll kind
 * (unknown projects, other units, duplicates also past 16 choices, points,
 * budgets, answers, withdrawals, voters of every sort), the same reason,
 * and for a counted ballot the same unit and option indices. */
#include <stdlib.h>
#include <string.h>

#include "model/ballot.h"
#include "model/recount.h"
#include "tests/unit/test.h"

#define NOPT 24
#define MAXCH 24

/* ---- the reference: ballot_check_at before the one-pass form ---- */

static uint32_t ref_opt(const ballot_poll_t *poll, const Wiec__Vote *v, const uint32_t *opt,
    size_t i)
{
	return opt != NULL ? opt[i] : (uint32_t)ballot_option_find(poll,
	    v->choices[i]->project.data);
}

static int ref_check_at(const ballot_poll_t *poll, const Wiec__Vote *v, const ballot_voter_t *who,
    uint32_t *opt, int *unitp)
{
	const Wiec__Poll *p = poll->p;
	int yesno = p->kind == WIEC__POLL_KIND__POLL_YESNO;
	int unit = -1;
	uint64_t sum = 0;

	*unitp = -1;
	if (memcmp(v->process.data, p->process.data, HASH_BYTES) != 0 ||
	    memcmp(v->poll.data, poll->ev.id, HASH_BYTES) != 0)
		return BALLOT_NO_POLL;
	if (p->decision != WIEC__DECISION__DECISION_NONE) {
		if (!who->member)
			return BALLOT_NOT_MEMBER;
	} else if (!who->eligible) {
		return BALLOT_NOT_ELIGIBLE;
	}
	if (v->withdraw)
		return BALLOT_OK;
	if (yesno != (v->answer != WIEC__ANSWER__ANSWER_NONE) || (yesno && v->n_choices != 0))
		return BALLOT_BAD_ANSWER;
	for (size_t i = 0; i < v->n_choices; i++) {
		long o = ballot_option_find(poll, v->choices[i]->project.data);

		if (o < 0)
			return BALLOT_UNKNOWN_PROJECT;
		if (opt != NULL)
			opt[i] = (uint32_t)o;
	}
	if (p->kind == WIEC__POLL_KIND__POLL_BUDGET) {
		if ((unit = ballot_unit_find(poll->proc.p, v->unit)) < 0 ||
		    (who->unit != NULL && strcmp(who->unit, v->unit) != 0))
			return BALLOT_BAD_UNIT;
	} else if (v->unit[0] != '\0') {
		return BALLOT_BAD_UNIT;
	}
	for (size_t i = 0; i < v->n_choices; i++)
		if (unit >= 0 && poll->opt[ref_opt(poll, v, opt, i)].unit != unit)
			return BALLOT_OTHER_UNIT;
	for (size_t i = 0; i < v->n_choices; i++)
		for (size_t j = 0; j < i; j++)
			if (ref_opt(poll, v, opt, i) == ref_opt(poll, v, opt, j))
				return BALLOT_DUPLICATE;
	for (size_t i = 0; i < v->n_choices; i++) {
		uint64_t pts = v->choices[i]->points;

		if (p->kind != WIEC__POLL_KIND__POLL_CUMULATIVE &&
		    p->ballot != WIEC__POLL_KIND__POLL_CUMULATIVE ? pts != 0 :
		    pts == 0 || pts > p->points - sum)
			return BALLOT_BAD_POINTS;
		sum += pts;
	}
	if (p->kind == WIEC__POLL_KIND__POLL_CHOOSE_ONE) {
		if (v->n_choices != 1)
			return v->n_choices == 0 ? BALLOT_TOO_FEW : BALLOT_TOO_MANY;
	} else if (!yesno) {
		if (v->n_choices < p->min)
			return BALLOT_TOO_FEW;
		if (p->max != 0 && v->n_choices > p->max)
			return BALLOT_TOO_MANY;
	}
	if (unit >= 0 && !p->no_cost_limit) {
		uint64_t budget = poll->proc.p->units[unit]->budget, cost = 0;

		for (size_t i = 0; i < v->n_choices; i++) {
			uint64_t c = poll->opt[ref_opt(poll, v, opt, i)].cost;

			if (c > budget - cost)
				return BALLOT_OVER_BUDGET;
			cost += c;
		}
	}
	*unitp = unit;
	return BALLOT_OK;
}

/* ---- random polls and ballots ---- */

static uint64_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

typedef struct world {
	Wiec__Poll poll;
	Wiec__Process proc;
	Wiec__Unit units[2], *unitp[2];
	ballot_poll_t bp;
	ballot_option_t opt[NOPT];
	uint32_t sorted[NOPT];
	uint8_t pid[HASH_BYTES], process[HASH_BYTES];
} world_t;

static const char *const unit_names[] = { "Jeżyce", "Wilda", "", "Stare Miasto" };

/* A poll of kind k over NOPT options (ids i * 7 + 1 in the first byte, so
 * sorted in index order), half in each of two units. */
static void world_make(world_t *w, uint64_t *s)
{
	static const Wiec__PollKind kinds[] = { WIEC__POLL_KIND__POLL_BUDGET,
	    WIEC__POLL_KIND__POLL_APPROVAL, WIEC__POLL_KIND__POLL_CHOOSE_ONE,
	    WIEC__POLL_KIND__POLL_YESNO, WIEC__POLL_KIND__POLL_CUMULATIVE,
	    WIEC__POLL_KIND__POLL_RANKED };
	Wiec__Poll p0 = WIEC__POLL__INIT;
	Wiec__Process q0 = WIEC__PROCESS__INIT;

	memset(w, 0, sizeof *w);
	w->poll = p0;
	w->proc = q0;
	memset(w->pid, 0xa1, HASH_BYTES);
	memset(w->process, 0xb2, HASH_BYTES);
	w->poll.kind = kinds[rnd(s) % 6];
	if (w->poll.kind == WIEC__POLL_KIND__POLL_BUDGET)
		w->poll.ballot = rnd(s) % 3 == 0 ? WIEC__POLL_KIND__POLL_CUMULATIVE :
		    rnd(s) % 2 ? WIEC__POLL_KIND__POLL_RANKED : 0;
	w->poll.decision = rnd(s) % 5 == 0 ? WIEC__DECISION__DECISION_SIMPLE : 0;
	w->poll.points = rnd(s) % 12;
	w->poll.min = (uint32_t)(rnd(s) % 3);
	w->poll.max = (uint32_t)(rnd(s) % 4 == 0 ? 0 : w->poll.min + rnd(s) % 20);
	w->poll.no_cost_limit = rnd(s) % 4 == 0;
	w->poll.process.data = w->process;
	w->poll.process.len = HASH_BYTES;
	for (int u = 0; u < 2; u++) {
		Wiec__Unit u0 = WIEC__UNIT__INIT;

		w->units[u] = u0;
		w->units[u].name = (char *)unit_names[u];
		w->units[u].budget = 50 + rnd(s) % 400;
		w->unitp[u] = &w->units[u];
	}
	w->proc.units = w->unitp;
	w->proc.n_units = 2;
	w->bp.p = &w->poll;
	w->bp.proc.p = &w->proc;
	memcpy(w->bp.ev.id, w->pid, HASH_BYTES);
	for (size_t i = 0; i < NOPT; i++) {
		w->opt[i].id[0] = (uint8_t)(i * 7 + 1);
		w->opt[i].cost = rnd(s) % 120;
		w->opt[i].unit = w->poll.kind == WIEC__POLL_KIND__POLL_BUDGET ? (int)(i % 2) : -1;
		w->sorted[i] = (uint32_t)i;
	}
	w->bp.opt = w->opt;
	w->bp.nopt = NOPT;
	w->bp.sorted = w->sorted;
}

TEST(ballot_check_matches_reference)
{
	world_t *w = malloc(sizeof *w);
	uint8_t ids[MAXCH][HASH_BYTES], other[HASH_BYTES] = { 0xfe }, wrong[HASH_BYTES] = { 9 };
	uint64_t s = 20261130, counted = 0, reasons[32] = { 0 };
	size_t mism = 0;

	CHECK(w != NULL);
	for (int round = 0; round < 400; round++) {
		world_make(w, &s);
		for (int b = 0; b < 500; b++) {
			Wiec__Vote v = WIEC__VOTE__INIT;
			Wiec__Choice ch[MAXCH], *chp[MAXCH];
			ballot_voter_t who = { rnd(&s) % 8 != 0, NULL, rnd(&s) % 8 != 0 };
			uint32_t o1[MAXCH], o2[MAXCH];
			int u1, u2, r1, r2;
			size_t n = rnd(&s) % 4 == 0 ? rnd(&s) % (MAXCH + 1) : rnd(&s) % 4;

			if (rnd(&s) % 6 == 0)
				who.unit = unit_names[rnd(&s) % 2];
			v.process.data = rnd(&s) % 50 ? w->process : wrong;
			v.process.len = HASH_BYTES;
			v.poll.data = rnd(&s) % 50 ? w->pid : wrong;
			v.poll.len = HASH_BYTES;
			v.unit = (char *)unit_names[rnd(&s) % 3 ? (w->poll.kind ==
			    WIEC__POLL_KIND__POLL_BUDGET ? rnd(&s) % 2 : 2) : rnd(&s) % 4];
			v.withdraw = rnd(&s) % 30 == 0;
			v.answer = rnd(&s) % (w->poll.kind == WIEC__POLL_KIND__POLL_YESNO ? 2 : 20) ?
			    (w->poll.kind == WIEC__POLL_KIND__POLL_YESNO ? 1 + rnd(&s) % 3 : 0) :
			    rnd(&s) % 4;
			for (size_t i = 0; i < n; i++) {
				Wiec__Choice c0 = WIEC__CHOICE__INIT;
				/* Mostly one unit's options (even indices), some of the other. */
				size_t o = rnd(&s) % 10 ? 2 * (rnd(&s) % (NOPT / 2)) : rnd(&s) % NOPT;

				memcpy(ids[i], rnd(&s) % 80 ? w->opt[o].id : other, HASH_BYTES);
				ch[i] = c0;
				ch[i].project.data = ids[i];
				ch[i].project.len = HASH_BYTES;
				ch[i].points = rnd(&s) % 3 ? 1 + rnd(&s) % 4 : rnd(&s) % 2 ? 0 :
				    UINT64_MAX - rnd(&s) % 3;
				chp[i] = &ch[i];
			}
			v.choices = chp;
			v.n_choices = n;
			r1 = ballot_check_at(&w->bp, &v, &who, o1, &u1);
			r2 = ref_check_at(&w->bp, &v, &who, o2, &u2);
			if (r1 != r2 || u1 != u2 ||
			    (r1 == BALLOT_OK && !v.withdraw && memcmp(o1, o2, n * sizeof *o1) != 0))
				mism++;
			/* Without opt, the same reason. */
			if (ballot_check_at(&w->bp, &v, &who, NULL, &u1) != r2 || u1 != u2)
				mism++;
			counted += r1 == BALLOT_OK;
			reasons[r2 & 31]++;
		}
	}
	CHECK_EQ_U64(mism, 0);
	/* The random ballots reach every ballot reason. */
	CHECK(counted > 1000);
	for (int r = BALLOT_NO_POLL; r <= BALLOT_BAD_ANSWER; r++)
		CHECK(reasons[r] > 0);
	free(w);
}
