/* ballotcount.c: the count of a poll (spec/tally.md section 4): the
 * electorate of its scope, the count of each unit by the shared rules of
 * model/tally.c, yes/no decisions, and the result bytes a certificate
 * signs with the counted-event candidates of its seal. Which poll and which
 * ballot is valid is model/ballot.c; the pass over the held ballots that
 * feeds the count (and the in-place reader of one ballot) is
 * model/recount.c. */
#include <gmp.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "crypto/mem.h"
#include "model/ballot.h"
#include "model/money.h"
#include "model/recount.h"

static int id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, HASH_BYTES);
}

/* ---- the electorate of a scope, folded once for a whole tally ---- */

typedef struct cred_rec {
	uint8_t subject[KEY_PK_BYTES];
	uint8_t registrar[KEY_PK_BYTES];	/* who (roster_identity): a member's current key */
	uint32_t rank;				/* of the key it signed with */
	uint64_t seq;
	uint8_t id[HASH_BYTES];
	int revoke;
	char *unit;		/* owned, or NULL */
} cred_rec_t;

/* Subject, registrar ascending; then the key's rank and (seq, id)
 * descending: each (registrar, subject) slot's latest comes first, a
 * rotated registrar's new key after its old one (model_latest_per_author). */
static int cred_cmp(const void *a, const void *b)
{
	const cred_rec_t *x = a, *y = b;
	int c;

	if ((c = memcmp(x->subject, y->subject, KEY_PK_BYTES)) != 0)
		return c;
	if ((c = memcmp(x->registrar, y->registrar, KEY_PK_BYTES)) != 0)
		return c;
	if (x->rank != y->rank)
		return x->rank > y->rank ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq > y->seq ? -1 : 1;
	return -memcmp(x->id, y->id, HASH_BYTES);
}

int ballot_in_frontier(const uint8_t *f, size_t n, const uint8_t id[static HASH_BYTES])
{
	return f == NULL || bsearch(id, f, n, HASH_BYTES, id_cmp) != NULL;
}

/* The eligible subjects of poll's scope, sorted by key, with their unit
 * attribute: the rule of model_credential (spec/model.md section 10) over
 * every credential of the scope at once. */
static int electorate(const model_view_t *v, const roster_t *r, const ballot_poll_t *poll,
    const uint8_t *frontier, size_t nf, recount_elig_t **out, size_t *nout)
{
	model_ids_t ids = { 0 };
	cred_rec_t *rec = NULL;
	size_t n = 0;
	int rc;

	*out = NULL;
	*nout = 0;
	if ((rc = model_ids_collect(v, poll->proc.scope, MREF_CREDENTIAL, &ids)) != 0)
		goto out;
	if ((rec = calloc(ids.n + 1, sizeof *rec)) == NULL ||
	    (*out = calloc(ids.n + 1, sizeof **out)) == NULL) {
		rc = WIEC_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < ids.n; i++) {
		const Wiec__Credential *c;
		model_ev_t e;

		if (!ballot_in_frontier(frontier, nf, ids.id[i]))
			continue;
		if ((rc = v->get(v->ctx, ids.id[i], &e)) == WIEC_ERR_NOTFOUND)
			continue;
		if (rc != 0)
			goto out;
		c = e.body->credential;
		if (e.body->content_case != WIEC__BODY__CONTENT_CREDENTIAL ||
		    memcmp(c->scope.data, poll->proc.scope, HASH_BYTES) != 0 ||
		    model_role(r, poll->proc.p, MODEL_ROLE_REGISTRAR, e.author) == NULL) {
			model_ev_free(&e);
			continue;
		}
		memcpy(rec[n].subject, c->subject.data, KEY_PK_BYTES);
		roster_identity(r, e.author, rec[n].registrar, &rec[n].rank);
		rec[n].seq = e.seq;
		memcpy(rec[n].id, e.id, HASH_BYTES);
		rec[n].revoke = c->revoke;
		for (size_t a = 0; a < c->n_attributes; a++)
			if (strcmp(c->attributes[a]->name, "unit") == 0 &&
			    (rec[n].unit = strdup(c->attributes[a]->value)) == NULL) {
				model_ev_free(&e);
				rc = WIEC_ERR_NOMEM;
				goto out;
			}
		n++;
		model_ev_free(&e);
	}
	if (n > 1)	/* qsort(NULL, 0, ...) is undefined */
		qsort(rec, n, sizeof *rec, cred_cmp);
	for (size_t i = 0; i < n; ) {
		size_t j = i;
		int found = 0;

		/* Within a subject: the first of each registrar is its latest; the
		 * first such that is not a revocation is the smallest registrar's. */
		for (; j < n && memcmp(rec[j].subject, rec[i].subject, KEY_PK_BYTES) == 0; j++) {
			if (found || (j > i && memcmp(rec[j].registrar, rec[j - 1].registrar,
			    KEY_PK_BYTES) == 0) || rec[j].revoke)
				continue;
			found = 1;
			memcpy((*out)[*nout].subject, rec[j].subject, KEY_PK_BYTES);
			(*out)[*nout].unit = rec[j].unit;
			rec[j].unit = NULL;
			(*nout)++;
		}
		i = j;
	}
	rc = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(rec[i].unit);
	free(rec);
	model_ids_free(&ids);
	return rc;
}

static void elig_free(recount_elig_t *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].unit);
	free(e);
}

/* ---- the tally ---- */

void ballot_tally_free(ballot_tally_t *t)
{
	for (size_t u = 0; u < t->nunit; u++) {
		free(t->unit[u].opt);
		free(t->unit[u].score);
		free(t->unit[u].win);
	}
	free(t->unit);
	memset(t, 0, sizeof *t);
}

/* How the rules read a poll's ballots: a budget poll's by its `ballot`. */
static pb_vote_type_t vote_type(const Wiec__Poll *p)
{
	switch (p->kind == WIEC__POLL_KIND__POLL_BUDGET ? p->ballot : p->kind) {
	case WIEC__POLL_KIND__POLL_CHOOSE_ONE: return PB_CHOOSE1;
	case WIEC__POLL_KIND__POLL_CUMULATIVE: return PB_CUMULATIVE;
	case WIEC__POLL_KIND__POLL_RANKED: return PB_ORDINAL;
	default: return PB_APPROVAL;
	}
}

/* The rule's ballots of one unit from the records: each counted ballot of
 * the unit as it is. pb's arrays have room for them (tally_unit). */
static void unit_ballots(const recount_set_t *s, const uint32_t *local, int unit, pb_t *pb)
{
	size_t nb = 0, nc = 0;

	for (size_t i = 0; i < s->n; i++) {
		const recount_rec_t *r = &s->rec[i];

		if (unit >= 0 && r->unit != unit)
			continue;
		pb->ballot[nb++] = nc;
		for (size_t k = 0; k < r->n; k++) {
			uint32_t c = local[s->ch[r->off + k]];

			pb->choice[nc] = c;
			pb->points[nc++] = s->pts[r->off + k];
			pb->approvals[c]++;
		}
	}
	pb->ballot[nb] = nc;
}

/* The rule's ballots of one unit from the sums (recount_summed: greedy and
 * the counts): one cumulative pseudo-ballot per project carrying the
 * project's score as its points. Those rules rank projects by their score
 * (and approvals, cost, id) alone (spec/tally.md 2.1-2.3), and a cumulative
 * ballot's points add up to exactly that score, so they choose as they would
 * over the ballots themselves; *rule becomes "points" for the counts, whose
 * winners are the top scores whatever the rule. */
static void unit_sums(const recount_sums_t *m, const ballot_unit_tally_t *ut, pb_t *pb,
    tally_rule_t *rule)
{
	for (size_t k = 0; k < ut->nopt; k++) {
		uint32_t o = ut->opt[k];

		pb->ballot[k] = k;
		pb->choice[k] = (uint32_t)k;
		pb->approvals[k] = m->approvals[o];
		switch (*rule) {
		case TALLY_POINTS: pb->points[k] = m->points[o]; break;
		case TALLY_PLURALITY: pb->points[k] = m->first[o]; break;
		case TALLY_BORDA: pb->points[k] = m->borda[o]; break;
		default: pb->points[k] = m->approvals[o]; break;
		}
	}
	pb->ballot[ut->nopt] = ut->nopt;
	pb->vote_type = PB_CUMULATIVE;
	if (*rule >= TALLY_APPROVAL)
		*rule = TALLY_POINTS;
}

/* Runs the shared rule over the counted ballots of one unit (unit -1: all). */
static int tally_unit(const ballot_poll_t *poll, const recount_out_t *bal,
    ballot_unit_tally_t *ut, char *why, size_t whylen)
{
	/* The real amounts (spec/tally.md 4.9): add1 raises by a whole unit of
	 * the currency, not of the process's last decimal. */
	uint32_t decimals = poll->proc.p != NULL ? poll->proc.p->decimals : 0;
	const Wiec__Poll *p = poll->p;
	const recount_set_t *s = &bal->set;
	pb_t *pb = NULL;
	uint32_t *local = NULL, *group = NULL;
	tally_result_t res = { 0 };
	tally_rule_t rule = poll->rule;
	size_t nb = 0, nc = 0;
	int rc = WIEC_ERR_NOMEM;

	if ((pb = calloc(1, sizeof *pb)) == NULL)
		return WIEC_ERR_NOMEM;
	mpq_init(pb->budget);
	mpq_init(pb->threshold);
	if ((local = malloc((poll->nopt + 1) * sizeof *local)) == NULL ||
	    (ut->opt = malloc((poll->nopt + 1) * sizeof *ut->opt)) == NULL)
		goto out;
	for (size_t k = 0; k < poll->nopt; k++) {
		local[k] = UINT32_MAX;
		if (ut->unit < 0 || poll->opt[k].unit == ut->unit) {
			local[k] = (uint32_t)ut->nopt;
			ut->opt[ut->nopt++] = (uint32_t)k;
		}
	}
	if (bal->summed) {
		ut->ballots = bal->sums.ballots[ut->unit < 0 ? 0 : ut->unit];
		nb = nc = ut->nopt;
	} else {
		for (size_t i = 0; i < s->n; i++)
			if (ut->unit < 0 || s->rec[i].unit == ut->unit) {
				nb++;
				nc += s->rec[i].n;
			}
		ut->ballots = nb;
	}
	pb->vote_type = vote_type(p);
	/* Ranked budget ballots score max(0, L - k) with L the poll's max,
	 * else the longest ballot (spec/tally.md 2.1). */
	pb->max_length = p->kind == WIEC__POLL_KIND__POLL_BUDGET && p->max != 0 ?
	    (long long)p->max : -1;
	pb->nproj = ut->nopt;
	pb->nvoters = nb;
	if ((pb->arena = malloc(ut->nopt * HASH_HEX_BYTES + 1)) == NULL ||
	    (pb->proj = calloc(ut->nopt + 1, sizeof *pb->proj)) == NULL ||
	    (pb->approvals = calloc(ut->nopt + 1, sizeof *pb->approvals)) == NULL ||
	    (pb->ballot = malloc((nb + 1) * sizeof *pb->ballot)) == NULL ||
	    (pb->choice = malloc((nc + 1) * sizeof *pb->choice)) == NULL ||
	    (pb->points = malloc((nc + 1) * sizeof *pb->points)) == NULL)
		goto out;
	for (size_t k = 0; k < ut->nopt; k++) {
		const ballot_option_t *opt = &poll->opt[ut->opt[k]];

		/* The rules' last tie-break is by these names: the option's
		 * place in the poll, so a full tie goes to the option listed
		 * first (spec/tally.md 4.4). */
		snprintf(pb->arena + k * HASH_HEX_BYTES, HASH_HEX_BYTES, "%010" PRIu32, ut->opt[k]);
		pb->proj[k].id = pb->arena + k * HASH_HEX_BYTES;
		mpq_init(pb->proj[k].cost);
		money_q(pb->proj[k].cost, opt->cost, decimals);
		pb->proj[k].selected = -1;
	}
	if (ut->unit >= 0) {
		ut->budget = poll->proc.p->units[ut->unit]->budget;
		money_q(pb->budget, ut->budget, decimals);
	}
	if (p->min_score != NULL) {
		pb->has_threshold = 1;
		mpq_set_ui(pb->threshold, p->min_score->num, p->min_score->den);
		mpq_canonicalize(pb->threshold);
	}
	if (bal->summed)
		unit_sums(&bal->sums, ut, pb, &rule);
	else
		unit_ballots(s, local, ut->unit, pb);
	if (rule == TALLY_GREEDY_EXCLUSIVE && p->n_exclusive != 0) {
		if ((group = calloc(ut->nopt + 1, sizeof *group)) == NULL)
			goto out;
		for (size_t g = 0; g < p->n_exclusive; g++)
			for (size_t k = 0; k < p->exclusive[g]->n_projects; k++) {
				long o = ballot_option_find(poll, p->exclusive[g]->projects[k].data);

				if (o >= 0 && local[o] != UINT32_MAX)
					group[local[o]] = (uint32_t)g + 1;
			}
	}
	if ((rc = tally_run(pb, rule, group, &res, why, whylen)) != 0)
		goto out;
	if ((ut->score = malloc((ut->nopt + 1) * sizeof *ut->score)) == NULL ||
	    (ut->win = malloc((res.nwin + 1) * sizeof *ut->win)) == NULL) {
		rc = WIEC_ERR_NOMEM;
		goto out;
	}
	memcpy(ut->score, res.score, ut->nopt * sizeof *ut->score);
	memcpy(ut->win, res.win, res.nwin * sizeof *ut->win);
	ut->nwin = res.nwin;
	ut->used_greedy = res.used_greedy;
	rc = 0;
out:
	tally_result_free(&res);
	pb_free(&pb);
	free(local);
	free(group);
	return rc;
}

/* a * q.num >= b * q.den (ge) or > (strict), exactly. */
static int frac_cmp_ok(uint64_t a, uint64_t b, const Wiec__Fraction *q, uint64_t qnum,
    uint64_t qden, int strict)
{
	mpz_t x, y;
	int c;

	if (q != NULL) {
		qnum = q->num;
		qden = q->den;
	}
	mpz_inits(x, y, NULL);
	mpz_set_ui(x, a);
	mpz_mul_ui(x, x, qden);
	mpz_set_ui(y, b);
	mpz_mul_ui(y, y, qnum);
	c = mpz_cmp(x, y);
	mpz_clears(x, y, NULL);
	return strict ? c > 0 : c >= 0;
}

static uint64_t weight_of(const Wiec__Poll *p, const roster_member_t *m)
{
	for (size_t i = 0; i < p->n_weights; i++) {
		const uint8_t *k = p->weights[i]->member.data;

		if (memcmp(k, m->key, KEY_PK_BYTES) == 0)
			return p->weights[i]->weight;
		for (size_t j = 0; j < m->nold; j++)
			if (memcmp(k, m->old_keys[j], KEY_PK_BYTES) == 0)
				return p->weights[i]->weight;
	}
	return 0;
}

static void tally_yesno(const roster_t *r, const ballot_poll_t *poll, const recount_out_t *o,
    size_t nelig, ballot_tally_t *t)
{
	const Wiec__Poll *p = poll->p;
	const recount_set_t *s = &o->set;

	if (o->summed) {	/* residents' polls only: no weights */
		t->yes = o->sums.yes;
		t->no = o->sums.no;
		t->abstain = o->sums.abstain;
	}
	for (size_t i = 0; i < s->n; i++) {
		const recount_rec_t *b = &s->rec[i];

		if (b->answer == WIEC__ANSWER__ANSWER_YES) {
			t->yes++;
			if (p->decision == WIEC__DECISION__DECISION_DOUBLE)
				t->yes_weight += weight_of(p, roster_member_of(r, b->voter));
		} else if (b->answer == WIEC__ANSWER__ANSWER_NO) {
			t->no++;
		} else {
			t->abstain++;
		}
	}
	if (p->decision != WIEC__DECISION__DECISION_NONE) {
		t->electorate = r->n;
		for (size_t i = 0; i < r->n; i++)
			t->total_weight += weight_of(p, &r->members[i]);
	} else {
		t->electorate = nelig;
	}
	switch (p->decision) {
	case WIEC__DECISION__DECISION_SIMPLE:
		t->passed = t->yes > t->no;
		break;
	case WIEC__DECISION__DECISION_QUALIFIED:
		t->passed = frac_cmp_ok(t->yes, t->electorate, p->majority, 0, 0, 0);
		break;
	case WIEC__DECISION__DECISION_DOUBLE:
		t->passed = frac_cmp_ok(t->yes, t->electorate, p->majority, 0, 0, 0) &&
		    frac_cmp_ok(t->yes_weight, t->total_weight, p->weight_majority, 0, 0, 0);
		break;
	default:
		/* Turnout: every counted ballot, abstentions included. */
		t->passed = (p->quorum == NULL || frac_cmp_ok(t->yes + t->no + t->abstain,
		    t->electorate, p->quorum, 0, 0, 0)) &&
		    frac_cmp_ok(t->yes, t->yes + t->no, p->threshold, 1, 2, 1);
		break;
	}
}

int ballot_tally(const model_view_t *v, const roster_t *r, const ballot_poll_t *poll,
    const uint8_t *frontier, size_t nf, int unit, ballot_tally_t *out, char *why, size_t whylen)
{
	const Wiec__Poll *p = poll->p;
	int codec = p->decision != WIEC__DECISION__DECISION_NONE;
	int need_elig = !codec && poll->proc.p->eligibility;
	recount_elig_t *el = NULL;
	size_t nel = 0;
	recount_out_t o = { 0 };
	recount_in_t in = { 0 };
	int rc;

	memset(out, 0, sizeof *out);
	if (whylen > 0)
		why[0] = '\0';
	memcpy(out->poll, poll->ev.id, HASH_BYTES);
	out->kind = p->kind;
	out->decision = p->decision;
	out->rule = poll->rule;
	if (need_elig && (rc = electorate(v, r, poll, frontier, nf, &el, &nel)) != 0)
		goto out;
	in.poll = poll;
	in.r = r;
	in.frontier = frontier;
	in.nf = nf;
	in.el = el;
	in.nel = nel;
	if ((rc = recount_collect(v, &in, &o, out)) != 0)
		goto out;
	if (p->kind == WIEC__POLL_KIND__POLL_YESNO) {
		tally_yesno(r, poll, &o, nel, out);
		rc = 0;
		goto out;
	}
	out->nunit = p->kind == WIEC__POLL_KIND__POLL_BUDGET && unit < 0 ?
	    poll->proc.p->n_units : 1;
	if ((out->unit = calloc(out->nunit, sizeof *out->unit)) == NULL) {
		rc = WIEC_ERR_NOMEM;
		goto out;
	}
	for (size_t u = 0; u < out->nunit; u++) {
		out->unit[u].unit = p->kind != WIEC__POLL_KIND__POLL_BUDGET ? -1 :
		    unit >= 0 ? unit : (int)u;
		if ((rc = tally_unit(poll, &o, &out->unit[u], why, whylen)) != 0)
			goto out;
	}
	rc = 0;
out:
	if (rc == WIEC_ERR_NOMEM && whylen > 0 && why[0] == '\0')
		snprintf(why, whylen, "out of memory");
	recount_out_free(&o);
	elig_free(el, nel);
	return rc;
}

/* ---- the result a certificate signs ---- */

typedef struct buf {
	uint8_t *p;
	size_t n, cap;
	int err;
} buf_t;

static void put(buf_t *b, const void *d, size_t n)
{
	if (b->err)
		return;
	if (mem_grow((void **)&b->p, &b->cap, b->n + n, 1) != 0) {
		b->err = 1;
		return;
	}
	memcpy(b->p + b->n, d, n);
	b->n += n;
}

static void put64(buf_t *b, uint64_t v)
{
	uint8_t x[8];

	hash_put_be64(x, v);
	put(b, x, 8);
}

static void put32(buf_t *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	put(b, x, 4);
}

static void put8(buf_t *b, unsigned v)
{
	uint8_t x = (uint8_t)v;

	put(b, &x, 1);
}

static void put_tally(buf_t *b, const ballot_poll_t *poll, const ballot_tally_t *t)
{
	put(b, t->poll, HASH_BYTES);
	put8(b, (unsigned)t->kind);
	put8(b, (unsigned)t->decision);
	put8(b, t->kind == WIEC__POLL_KIND__POLL_YESNO ? 255u : (unsigned)t->rule);
	put64(b, t->counted);
	if (t->kind == WIEC__POLL_KIND__POLL_YESNO) {
		put64(b, t->yes);
		put64(b, t->no);
		put64(b, t->abstain);
		put64(b, t->electorate);
		put64(b, t->yes_weight);
		put64(b, t->total_weight);
		put8(b, (unsigned)t->passed);
		return;
	}
	put32(b, (uint32_t)t->nunit);
	for (size_t u = 0; u < t->nunit; u++) {
		const ballot_unit_tally_t *ut = &t->unit[u];

		put32(b, (uint32_t)ut->unit);
		put64(b, ut->ballots);
		put32(b, (uint32_t)ut->nopt);
		for (size_t k = 0; k < ut->nopt; k++) {
			put(b, poll->opt[ut->opt[k]].id, HASH_BYTES);
			put64(b, ut->score[k]);
		}
		put32(b, (uint32_t)ut->nwin);
		for (size_t k = 0; k < ut->nwin; k++)
			put(b, poll->opt[ut->opt[ut->win[k]]].id, HASH_BYTES);
		put8(b, (unsigned)ut->used_greedy);
	}
}

#define RESULT_DOMAIN "wiec-result-v1"

void ballot_process_free(ballot_process_t *bp)
{
	for (size_t i = 0; i < bp->n; i++) {
		ballot_tally_free(&bp->tally[i]);
		ballot_poll_free(&bp->poll[i]);
	}
	free(bp->tally);
	free(bp->poll);
	free(bp->bytes);
	memset(bp, 0, sizeof *bp);
}

int model_tally_process(const model_view_t *v, const roster_t *r,
    const uint8_t process[static HASH_BYTES], const uint8_t *frontier, size_t n,
    ballot_process_t *out, char *why, size_t whylen)
{
	model_ids_t ids = { 0 };
	buf_t b = { 0 };
	int rc;

	memset(out, 0, sizeof *out);
	if (whylen > 0)
		why[0] = '\0';
	if ((rc = ballot_poll_list(v, process, &ids)) != 0)
		goto out;
	if ((out->poll = calloc(ids.n + 1, sizeof *out->poll)) == NULL ||
	    (out->tally = calloc(ids.n + 1, sizeof *out->tally)) == NULL) {
		rc = WIEC_ERR_NOMEM;
		goto out;
	}
	put32(&b, 0);		/* the number of polls, set below */
	for (size_t i = 0; i < ids.n; i++) {
		ballot_poll_t *poll = &out->poll[out->n];

		rc = ballot_poll_load_in(v, r, ids.id[i], frontier, n, poll);
		if (rc == WIEC_ERR_NOTFOUND)
			continue;
		if (rc != 0)
			goto out;
		if (poll->why != BALLOT_OK ||
		    memcmp(poll->p->process.data, process, HASH_BYTES) != 0) {
			ballot_poll_free(poll);
			continue;
		}
		rc = ballot_tally(v, r, poll, frontier, n, -1, &out->tally[out->n], why, whylen);
		out->n++;
		if (rc != 0)
			goto out;
		put_tally(&b, poll, &out->tally[out->n - 1]);
	}
	if (b.err) {
		rc = WIEC_ERR_NOMEM;
		goto out;
	}
	b.p[0] = (uint8_t)(out->n >> 24);
	b.p[1] = (uint8_t)(out->n >> 16);
	b.p[2] = (uint8_t)(out->n >> 8);
	b.p[3] = (uint8_t)out->n;
	hash_2(out->hash, RESULT_DOMAIN, strlen(RESULT_DOMAIN), b.p, b.n);
	out->bytes = b.p;
	out->len = b.n;
	b.p = NULL;
	rc = 0;
out:
	free(b.p);
	model_ids_free(&ids);
	if (rc != 0)
		ballot_process_free(out);
	return rc;
}

int model_tally_result(const model_view_t *v, const uint8_t process[static HASH_BYTES],
    const uint8_t *frontier, size_t n, uint8_t **out, size_t *len,
    uint8_t hash[static HASH_BYTES])
{
	ballot_process_t bp;
	roster_t r;
	char why[128];
	int rc;

	*out = NULL;
	*len = 0;
	if ((rc = roster_load(v, &r)) != 0)
		return rc;
	if ((rc = model_tally_process(v, &r, process, frontier, n, &bp, why, sizeof why)) == 0) {
		memcpy(hash, bp.hash, HASH_BYTES);
		*out = bp.bytes;
		*len = bp.len;
		bp.bytes = NULL;
		ballot_process_free(&bp);
	}
	roster_free(&r);
	return rc;
}

/* Whether the n ids at id are in increasing order, repeats allowed. */
static int ids_ascending(const uint8_t *id, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (memcmp(id + (i - 1) * HASH_BYTES, id + i * HASH_BYTES, HASH_BYTES) > 0)
			return 0;
	return 1;
}

/* The union of a (na ids, room after them for nb more) and b (nb ids), both
 * ascending, sorted and distinct at the front of a; returns its size. One
 * merge from the back: the next write is never before the next id of a to
 * read, so no id of a is overwritten unread. */
static size_t ids_union(uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
	size_t i = na, j = nb, end = na + nb, w = end;

	while (i > 0 || j > 0) {
		const uint8_t *x;

		/* The greater of the two lists' last unread ids (a's on a tie). */
		if (j == 0 || (i > 0 && memcmp(a + (i - 1) * HASH_BYTES, b + (j - 1) * HASH_BYTES,
		    HASH_BYTES) >= 0))
			x = a + --i * HASH_BYTES;
		else
			x = b + --j * HASH_BYTES;
		if (w < end && memcmp(x, a + w * HASH_BYTES, HASH_BYTES) == 0)
			continue;	/* written already */
		w--;
		if (x != a + w * HASH_BYTES)
			memcpy(a + w * HASH_BYTES, x, HASH_BYTES);
	}
	if (w > 0)
		memmove(a, a + w * HASH_BYTES, (end - w) * HASH_BYTES);
	return end - w;
}

/* Appends to out the polls of process and the later versions of their
 * options: counted events too (spec/close.md section 1), so that neither a
 * poll nor an idea version posted after a close changes its result. */
static int seal_polls(const model_view_t *v, const uint8_t process[static HASH_BYTES],
    model_ids_t *out)
{
	model_ids_t polls = { 0 };
	int rc;

	if ((rc = ballot_poll_list(v, process, &polls)) != 0)
		goto out;
	for (size_t i = 0; i < polls.n; i++) {
		model_ev_t e;

		if ((rc = mem_grow((void **)&out->id, &out->cap, out->n + 1, HASH_BYTES)) != 0) {
			rc = WIEC_ERR_NOMEM;
			goto out;
		}
		memcpy(out->id[out->n++], polls.id[i], HASH_BYTES);
		if ((rc = v->get(v->ctx, polls.id[i], &e)) == WIEC_ERR_NOTFOUND)
			continue;
		if (rc != 0)
			goto out;
		if (e.body->content_case == WIEC__BODY__CONTENT_POLL)
			for (size_t k = 0; rc == 0 && k < e.body->poll->n_options; k++)
				if (e.body->poll->options[k].len == HASH_BYTES)
					rc = model_ids_collect(v, e.body->poll->options[k].data,
					    MREF_VERSION, out);
		model_ev_free(&e);
		if (rc != 0)
			goto out;
	}
out:
	model_ids_free(&polls);
	return rc;
}

int model_tally_seal(const model_view_t *v, const uint8_t process[static HASH_BYTES],
    uint8_t **out, size_t *n)
{
	roster_t r;
	model_process_t proc;
	model_ids_t ids = { 0 }, cred = { 0 };
	int rc;

	memset(&proc, 0, sizeof proc);
	*out = NULL;
	*n = 0;
	if ((rc = roster_load(v, &r)) != 0)
		return rc;
	if ((rc = model_process_load(v, &r, process, &proc)) != 0)
		goto out;
	if ((rc = model_ids_collect(v, process, MREF_BALLOT, &ids)) != 0 ||
	    (rc = model_ids_collect(v, proc.scope, MREF_CREDENTIAL, &cred)) != 0 ||
	    (rc = seal_polls(v, process, &cred)) != 0)
		goto out;
	if (ids.n + cred.n == 0)
		goto done;
	if (mem_grow((void **)&ids.id, &ids.cap, ids.n + cred.n, HASH_BYTES) != 0) {
		rc = WIEC_ERR_NOMEM;
		goto out;
	}
	if (ids_ascending(ids.id[0], ids.n) && (cred.n == 0 || ids_ascending(cred.id[0], cred.n))) {
		/* As refs() gives them (model.h): one merge. */
		*n = ids_union(ids.id[0], ids.n, cred.n ? cred.id[0] : NULL, cred.n);
	} else {
		/* A view out of its order still gets the same seal. */
		if (cred.n > 0)
			memcpy(ids.id[ids.n], cred.id, cred.n * HASH_BYTES);
		qsort(ids.id, ids.n + cred.n, HASH_BYTES, id_cmp);
		for (size_t i = 0; i < ids.n + cred.n; i++)
			if (*n == 0 || memcmp(ids.id[i], ids.id[*n - 1], HASH_BYTES) != 0)
				memmove(ids.id[(*n)++], ids.id[i], HASH_BYTES);
	}
done:
	*out = (uint8_t *)ids.id;
	ids.id = NULL;
	rc = 0;
out:
	model_ids_free(&ids);
	model_ids_free(&cred);
	model_process_free(&proc);
	roster_free(&r);
	return rc;
}
