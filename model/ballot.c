/* ballot.c: polls and ballots (spec/tally.md section 4): which poll and
 * which ballot is valid (kinds, min and max, budget, units, eligibility)
 * and a voter's standing. The count of each unit and the result bytes a
 * certificate signs are model/ballotcount.c; the pass over the held
 * ballots that feeds the count (and the in-place reader of one ballot) is
 * model/recount.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "model/ballot.h"
#include "model/idea.h"
#include "model/recount.h"

static const char *const why_names[] = {
	"ok", "no_process", "not_owner", "wrong_kind", "bad_rule", "bad_option", "no_cost",
	"bad_quorum", "no_poll", "not_eligible", "not_member", "bad_unit", "unknown_project",
	"other_unit", "duplicate", "too_few", "too_many", "over_budget", "bad_points",
	"bad_answer", "superseded", "withdrawn", "not_in_frontier",
};

const char *ballot_why_name(int why)
{
	return why >= 0 && (size_t)why < sizeof why_names / sizeof why_names[0] ?
	    why_names[why] : "?";
}

tally_rule_t ballot_default_rule(int kind)
{
	switch (kind) {
	case WIEC__POLL_KIND__POLL_CHOOSE_ONE: return TALLY_PLURALITY;
	case WIEC__POLL_KIND__POLL_BUDGET: return TALLY_GREEDY;
	case WIEC__POLL_KIND__POLL_CUMULATIVE: return TALLY_POINTS;
	case WIEC__POLL_KIND__POLL_RANKED: return TALLY_BORDA;
	default: return TALLY_APPROVAL;
	}
}

/* Whether rule may count ballots of poll kind. */
static int rule_fits(int kind, tally_rule_t rule)
{
	switch (kind) {
	case WIEC__POLL_KIND__POLL_APPROVAL:
		return rule == TALLY_APPROVAL;
	case WIEC__POLL_KIND__POLL_CHOOSE_ONE:
		return rule == TALLY_PLURALITY || rule == TALLY_APPROVAL;
	case WIEC__POLL_KIND__POLL_BUDGET:
		return rule <= TALLY_MES_ADD1_CMP;
	case WIEC__POLL_KIND__POLL_CUMULATIVE:
		return rule == TALLY_POINTS || rule == TALLY_APPROVAL;
	case WIEC__POLL_KIND__POLL_RANKED:
		return rule == TALLY_BORDA || rule == TALLY_PLURALITY;
	default:
		return 0;
	}
}

void ballot_poll_free(ballot_poll_t *p)
{
	model_ev_free(&p->ev);
	model_process_free(&p->proc);
	free(p->opt);
	free(p->sorted);
	free(p->hidx);
	memset(p, 0, sizeof *p);
}

/* Option order by id, for ballot_option_find. */
static int opt_cmp(const uint32_t *a, const uint32_t *b, const ballot_poll_t *p)
{

	return memcmp(p->opt[*a].id, p->opt[*b].id, HASH_BYTES);
}

/* The index of the process's unit named name, or -1. */
int ballot_unit_find(const Wiec__Process *p, const char *name)
{
	for (size_t i = 0; i < p->n_units; i++)
		if (strcmp(p->units[i]->name, name) == 0)
			return (int)i;
	return -1;
}

/* The version of idea a tally counts: the latest valid one, of those in
 * frontier (sorted, n ids) besides the original when frontier is not NULL
 * (spec/tally.md 4.7: a version posted after a close never changes what
 * its certificate counted). */
static const Wiec__Idea *counted_version(const model_idea_t *idea, const uint8_t *frontier,
    size_t n)
{
	const model_items_t *vs = &idea->versions;

	if (frontier == NULL)
		return idea->latest;
	for (size_t k = vs->counted; k-- > 0;)
		if (memcmp(vs->it[k].ev.id, idea->ev.id, HASH_BYTES) == 0 ||
		    ballot_in_frontier(frontier, n, vs->it[k].ev.id))
			return vs->it[k].ev.body->idea;
	return idea->latest;	/* not reached: the original is counted */
}

/* Loads the options' counted versions; sets poll->why on a bad one. */
static int load_options(const model_view_t *v, const roster_t *r, ballot_poll_t *poll,
    const uint8_t *frontier, size_t nf)
{
	const Wiec__Poll *p = poll->p;
	int budget = p->kind == WIEC__POLL_KIND__POLL_BUDGET;

	for (size_t i = 0; i < p->n_options; i++) {
		ballot_option_t *o = &poll->opt[i];
		model_idea_t idea;
		int rc;

		memcpy(o->id, p->options[i].data, HASH_BYTES);
		o->unit = -1;
		rc = model_idea_load(v, r, o->id, &idea);
		if (rc == WIEC_ERR_NOTFOUND) {
			poll->why = BALLOT_BAD_OPTION;
			continue;
		}
		if (rc != 0)
			return rc;
		if (memcmp(idea.ev.id, o->id, HASH_BYTES) != 0 || idea.bank ||
		    idea.ev.body->idea->process.len != HASH_BYTES ||
		    memcmp(idea.ev.body->idea->process.data, poll->ev.body->poll->process.data,
		    HASH_BYTES) != 0 || idea.latest == NULL) {
			poll->why = BALLOT_BAD_OPTION;
		} else {
			const Wiec__Idea *ver = counted_version(&idea, frontier, nf);

			snprintf(o->title, sizeof o->title, "%s", ver->title);
			o->cost = ver->cost;
			if (budget && (o->unit = ballot_unit_find(poll->proc.p,
			    ver->unit)) < 0 && poll->why == BALLOT_OK)
				poll->why = BALLOT_NO_COST;
		}
		model_idea_free(&idea);
	}
	return 0;
}

static int judge(const model_view_t *v, const roster_t *r, model_ev_t *ev,
    const uint8_t *frontier, size_t nf, ballot_poll_t *out);

int ballot_poll_load(const model_view_t *v, const roster_t *r, const uint8_t id[static HASH_BYTES],
    ballot_poll_t *out)
{
	return ballot_poll_load_in(v, r, id, NULL, 0, out);
}

int ballot_poll_load_in(const model_view_t *v, const roster_t *r,
    const uint8_t id[static HASH_BYTES], const uint8_t *frontier, size_t n, ballot_poll_t *out)
{
	model_ev_t e;
	int rc;

	memset(out, 0, sizeof *out);
	/* A poll posted after the close is not in its frontier. */
	if (frontier != NULL && !ballot_in_frontier(frontier, n, id))
		return WIEC_ERR_NOTFOUND;
	if ((rc = v->get(v->ctx, id, &e)) != 0)
		return rc;
	if (e.body->content_case != WIEC__BODY__CONTENT_POLL) {
		model_ev_free(&e);
		return WIEC_ERR_NOTFOUND;
	}
	return judge(v, r, &e, frontier, n, out);
}

int ballot_poll_judge(const model_view_t *v, const roster_t *r, model_ev_t *ev,
    ballot_poll_t *out)
{
	return judge(v, r, ev, NULL, 0, out);
}

static int judge(const model_view_t *v, const roster_t *r, model_ev_t *ev,
    const uint8_t *frontier, size_t nf, ballot_poll_t *out)
{
	const Wiec__Poll *p;
	int rc, pk;

	memset(out, 0, sizeof *out);
	out->ev = *ev;
	memset(ev, 0, sizeof *ev);
	out->p = p = out->ev.body->poll;
	out->rule = ballot_default_rule(p->kind);
	rc = model_process_load(v, r, p->process.data, &out->proc);
	if (rc == WIEC_ERR_NOTFOUND) {
		out->why = BALLOT_NO_PROCESS;
		return 0;
	}
	if (rc != 0)
		goto fail;
	if (out->proc.why != MODEL_OK) {
		out->why = BALLOT_NO_PROCESS;
		return 0;
	}
	pk = out->proc.p->kind;
	if (model_role(r, out->proc.p, MODEL_ROLE_OWNER, out->ev.author) == NULL) {
		out->why = BALLOT_NOT_OWNER;
		return 0;
	}
	if ((p->kind == WIEC__POLL_KIND__POLL_BUDGET) != (pk == WIEC__PROCESS_KIND__PROCESS_BUDGET) ||
	    (p->decision != WIEC__DECISION__DECISION_NONE &&
	    pk != WIEC__PROCESS_KIND__PROCESS_CODECISION)) {
		out->why = BALLOT_WRONG_KIND;
		return 0;
	}
	if (p->rule[0] != '\0' && (p->kind == WIEC__POLL_KIND__POLL_YESNO ||
	    tally_rule_parse(p->rule, &out->rule) != 0 || !rule_fits(p->kind, out->rule))) {
		out->why = BALLOT_BAD_RULE;
		return 0;
	}
	if (p->quorum != NULL && p->decision == WIEC__DECISION__DECISION_NONE &&
	    !out->proc.p->eligibility) {
		out->why = BALLOT_BAD_QUORUM;
		return 0;
	}
	out->nopt = p->n_options;
	if ((out->opt = calloc(out->nopt + 1, sizeof *out->opt)) == NULL ||
	    (out->sorted = malloc((out->nopt + 1) * sizeof *out->sorted)) == NULL) {
		rc = WIEC_ERR_NOMEM;
		goto fail;
	}
	if ((rc = load_options(v, r, out, frontier, nf)) != 0)
		goto fail;
	for (size_t i = 0; i < out->nopt; i++)
		out->sorted[i] = (uint32_t)i;
	/* Options are distinct (a content rule): insertion sort by id is
	 * enough for at most EV_OPTIONS_MAX of them. */
	for (size_t i = 1; i < out->nopt; i++) {
		uint32_t x = out->sorted[i];
		size_t j = i;

		while (j > 0 && opt_cmp(&out->sorted[j - 1], &x, out) > 0) {
			out->sorted[j] = out->sorted[j - 1];
			j--;
		}
		out->sorted[j] = x;
	}
	for (out->hmask = 1; out->hmask < 2 * out->nopt + 1; out->hmask *= 2)
		;
	if ((out->hidx = calloc(out->hmask, sizeof *out->hidx)) == NULL) {
		rc = WIEC_ERR_NOMEM;
		goto fail;
	}
	out->hmask--;
	for (size_t i = 0; i < out->nopt; i++) {
		size_t h = ballot_option_slot(out->opt[i].id, out->hmask);

		while (out->hidx[h] != 0)
			h = (h + 1) & out->hmask;
		out->hidx[h] = (uint32_t)i + 1;
	}
	return 0;
fail:
	ballot_poll_free(out);
	return rc;
}

int ballot_poll_list(const model_view_t *v, const uint8_t process[static HASH_BYTES],
    model_ids_t *out)
{
	return model_ids_collect(v, process, MREF_POLL, out);
}

/* ---- one ballot ---- */

#define DUP_PAIRS 16	/* up to this many choices, duplicates by pairs; else a bitmap */

int ballot_check_at(const ballot_poll_t *poll, const Wiec__Vote *v, const ballot_voter_t *who,
    uint32_t *opt, int *unitp)
{
	const Wiec__Poll *p = poll->p;
	int yesno = p->kind == WIEC__POLL_KIND__POLL_YESNO;
	int cumulative = p->kind == WIEC__POLL_KIND__POLL_CUMULATIVE ||
	    p->ballot == WIEC__POLL_KIND__POLL_CUMULATIVE;
	size_t n = v->n_choices;
	uint32_t own[EV_OPTIONS_MAX];
	uint64_t seen[EV_OPTIONS_MAX / 64], sum = 0, cost = 0, budget = 0;
	int unit = -1, other_unit = 0, dup = 0, bad_points = 0, over = 0;

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
	if (yesno != (v->answer != WIEC__ANSWER__ANSWER_NONE) || (yesno && n != 0))
		return BALLOT_BAD_ANSWER;
	if (opt == NULL)
		opt = own;
	for (size_t i = 0; i < n; i++) {
		long o = ballot_option_find(poll, v->choices[i]->project.data);

		if (o < 0)
			return BALLOT_UNKNOWN_PROJECT;
		opt[i] = (uint32_t)o;
	}
	if (p->kind == WIEC__POLL_KIND__POLL_BUDGET) {
		if ((unit = ballot_unit_find(poll->proc.p, v->unit)) < 0 ||
		    (who->unit != NULL && strcmp(who->unit, v->unit) != 0))
			return BALLOT_BAD_UNIT;
		budget = poll->proc.p->units[unit]->budget;
	} else if (v->unit[0] != '\0') {
		return BALLOT_BAD_UNIT;
	}
	/* One pass for the rest; the first reason in the order below wins,
	 * whichever choice shows it. Options are distinct ids: equal indices
	 * are equal projects. */
	if (n > DUP_PAIRS)
		memset(seen, 0, ((size_t)poll->nopt + 63) / 64 * sizeof seen[0]);
	for (size_t i = 0; i < n; i++) {
		const ballot_option_t *o = &poll->opt[opt[i]];
		uint64_t pts = v->choices[i]->points;

		if (unit >= 0 && o->unit != unit)
			other_unit = 1;
		if (n > DUP_PAIRS) {
			uint64_t bit = (uint64_t)1 << (opt[i] % 64);

			dup |= (seen[opt[i] / 64] & bit) != 0;
			seen[opt[i] / 64] |= bit;
		} else {
			for (size_t j = 0; j < i; j++)
				dup |= opt[j] == opt[i];
		}
		if (!bad_points) {
			if (!cumulative ? pts != 0 : pts == 0 || pts > p->points - sum)
				bad_points = 1;
			sum += pts;
		}
		if (unit >= 0 && !over) {
			if (o->cost > budget - cost)
				over = 1;
			cost += o->cost;
		}
	}
	if (other_unit)
		return BALLOT_OTHER_UNIT;
	if (dup)
		return BALLOT_DUPLICATE;
	if (bad_points)
		return BALLOT_BAD_POINTS;
	if (p->kind == WIEC__POLL_KIND__POLL_CHOOSE_ONE) {
		if (n != 1)
			return n == 0 ? BALLOT_TOO_FEW : BALLOT_TOO_MANY;
	} else if (!yesno) {
		if (n < p->min)
			return BALLOT_TOO_FEW;
		if (p->max != 0 && n > p->max)
			return BALLOT_TOO_MANY;
	}
	if (over && !p->no_cost_limit)
		return BALLOT_OVER_BUDGET;
	*unitp = unit;
	return BALLOT_OK;
}

int ballot_check(const ballot_poll_t *poll, const Wiec__Vote *v, const ballot_voter_t *who)
{
	uint32_t opt[EV_OPTIONS_MAX];
	int unit;

	/* More choices than a held ballot may have (a ballot being built):
	 * each is looked up where needed. */
	return ballot_check_at(poll, v, who, v->n_choices <= EV_OPTIONS_MAX ? opt : NULL, &unit);
}

int ballot_voter(const model_view_t *v, const roster_t *r, const ballot_poll_t *poll,
    const uint8_t key[static KEY_PK_BYTES], model_cred_t *cred, ballot_voter_t *out)
{
	int rc;

	memset(out, 0, sizeof *out);
	memset(cred, 0, sizeof *cred);
	out->member = roster_member_of(r, key) != NULL;
	out->eligible = 1;
	if (!poll->proc.p->eligibility)
		return 0;
	if ((rc = model_credential(v, r, &poll->proc, key, cred)) != 0)
		return rc;
	out->eligible = cred->eligible;
	out->unit = model_cred_attr(cred, "unit");
	return 0;
}
