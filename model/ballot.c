/* ballot.c: polls, ballots and the live tally (spec/tally.md section 4). */
#include <gmp.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "model/ballot.h"
#include "model/idea.h"

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

static int id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, HASH_BYTES);
}

/* Option order by id, for ballot_option_find. */
static int opt_cmp(const uint32_t *a, const uint32_t *b, const ballot_poll_t *p)
{

	return memcmp(p->opt[*a].id, p->opt[*b].id, HASH_BYTES);
}

/* An id's slot: its first bytes are already uniform (a hash). */
static size_t opt_slot(const uint8_t id[static HASH_BYTES], size_t mask)
{
	uint64_t h;

	memcpy(&h, id, sizeof h);
	return (size_t)h & mask;
}

long ballot_option_find(const ballot_poll_t *poll, const uint8_t id[static HASH_BYTES])
{
	size_t lo = 0, hi = poll->nopt;

	if (poll->hidx != NULL) {
		for (size_t h = opt_slot(id, poll->hmask); poll->hidx[h] != 0;
		    h = (h + 1) & poll->hmask)
			if (memcmp(poll->opt[poll->hidx[h] - 1].id, id, HASH_BYTES) == 0)
				return (long)poll->hidx[h] - 1;
		return -1;
	}

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(poll->opt[poll->sorted[mid]].id, id, HASH_BYTES);

		if (c == 0)
			return (long)poll->sorted[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* The index of the process's unit named name, or -1. */
static int unit_find(const Wiec__Process *p, const char *name)
{
	for (size_t i = 0; i < p->n_units; i++)
		if (strcmp(p->units[i]->name, name) == 0)
			return (int)i;
	return -1;
}

/* Loads the options' latest versions; sets poll->why on a bad one. */
static int load_options(const model_view_t *v, const roster_t *r, ballot_poll_t *poll)
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
			snprintf(o->title, sizeof o->title, "%s", idea.latest->title);
			o->cost = idea.latest->cost;
			if (budget && (o->unit = unit_find(poll->proc.p, idea.latest->unit)) < 0 &&
			    poll->why == BALLOT_OK)
				poll->why = BALLOT_NO_COST;
		}
		model_idea_free(&idea);
	}
	return 0;
}

int ballot_poll_load(const model_view_t *v, const roster_t *r, const uint8_t id[static HASH_BYTES],
    ballot_poll_t *out)
{
	model_ev_t e;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = v->get(v->ctx, id, &e)) != 0)
		return rc;
	if (e.body->content_case != WIEC__BODY__CONTENT_POLL) {
		model_ev_free(&e);
		return WIEC_ERR_NOTFOUND;
	}
	return ballot_poll_judge(v, r, &e, out);
}

int ballot_poll_judge(const model_view_t *v, const roster_t *r, model_ev_t *ev,
    ballot_poll_t *out)
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
	if ((rc = load_options(v, r, out)) != 0)
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
		size_t h = opt_slot(out->opt[i].id, out->hmask);

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

int ballot_check(const ballot_poll_t *poll, const Wiec__Vote *v, const ballot_voter_t *who)
{
	const Wiec__Poll *p = poll->p;
	int yesno = p->kind == WIEC__POLL_KIND__POLL_YESNO;
	int unit = -1;
	uint64_t sum = 0;

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
	for (size_t i = 0; i < v->n_choices; i++)
		if (ballot_option_find(poll, v->choices[i]->project.data) < 0)
			return BALLOT_UNKNOWN_PROJECT;
	if (p->kind == WIEC__POLL_KIND__POLL_BUDGET) {
		if ((unit = unit_find(poll->proc.p, v->unit)) < 0 ||
		    (who->unit != NULL && strcmp(who->unit, v->unit) != 0))
			return BALLOT_BAD_UNIT;
	} else if (v->unit[0] != '\0') {
		return BALLOT_BAD_UNIT;
	}
	for (size_t i = 0; i < v->n_choices; i++)
		if (unit >= 0 && poll->opt[ballot_option_find(poll,
		    v->choices[i]->project.data)].unit != unit)
			return BALLOT_OTHER_UNIT;
	for (size_t i = 0; i < v->n_choices; i++)
		for (size_t j = 0; j < i; j++)
			if (memcmp(v->choices[i]->project.data, v->choices[j]->project.data,
			    HASH_BYTES) == 0)
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
			uint64_t c = poll->opt[ballot_option_find(poll,
			    v->choices[i]->project.data)].cost;

			if (c > budget - cost)
				return BALLOT_OVER_BUDGET;
			cost += c;
		}
	}
	return BALLOT_OK;
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

/* ---- the electorate of a scope, folded once for a whole tally ---- */

typedef struct elig {
	uint8_t subject[KEY_PK_BYTES];
	char *unit;		/* owned, or NULL */
} elig_t;

typedef struct cred_rec {
	uint8_t subject[KEY_PK_BYTES];
	uint8_t registrar[KEY_PK_BYTES];
	uint64_t seq;
	uint8_t id[HASH_BYTES];
	int revoke;
	char *unit;		/* owned, or NULL */
} cred_rec_t;

/* Subject, registrar ascending; then (seq, id) descending: each
 * (registrar, subject) slot's latest comes first. */
static int cred_cmp(const void *a, const void *b)
{
	const cred_rec_t *x = a, *y = b;
	int c;

	if ((c = memcmp(x->subject, y->subject, KEY_PK_BYTES)) != 0)
		return c;
	if ((c = memcmp(x->registrar, y->registrar, KEY_PK_BYTES)) != 0)
		return c;
	if (x->seq != y->seq)
		return x->seq > y->seq ? -1 : 1;
	return -memcmp(x->id, y->id, HASH_BYTES);
}

static int in_frontier(const uint8_t *f, size_t n, const uint8_t id[static HASH_BYTES])
{
	return f == NULL || bsearch(id, f, n, HASH_BYTES, id_cmp) != NULL;
}

/* The eligible subjects of poll's scope, sorted by key, with their unit
 * attribute: the rule of model_credential (spec/model.md section 10) over
 * every credential of the scope at once. */
static int electorate(const model_view_t *v, const roster_t *r, const ballot_poll_t *poll,
    const uint8_t *frontier, size_t nf, elig_t **out, size_t *nout)
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

		if (!in_frontier(frontier, nf, ids.id[i]))
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
		memcpy(rec[n].registrar, e.author, KEY_PK_BYTES);
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

static void elig_free(elig_t *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].unit);
	free(e);
}

/* ---- the tally ---- */

/* One valid ballot, compact: its choices are poll option indices in
 * ch[off..off+n), points beside them. */
typedef struct brec {
	uint8_t voter[KEY_PK_BYTES];	/* the author; co-decision: the member's key */
	uint64_t seq;
	uint8_t id[HASH_BYTES];
	int withdraw;
	int answer;
	int unit;
	size_t off, n;
} brec_t;

/* (seq, id) order: > 0 when a is the later ballot. */
static int brec_later(const brec_t *a, const brec_t *b)
{
	if (a->seq != b->seq)
		return a->seq > b->seq ? 1 : -1;
	return memcmp(a->id, b->id, HASH_BYTES);
}

typedef struct bset {
	brec_t *rec;
	size_t n, cap;
	uint8_t *dead;		/* per record: superseded by the voter's later ballot */
	uint32_t *ch;
	uint64_t *pts;
	size_t nch, capch;
} bset_t;

static void bset_free(bset_t *s)
{
	free(s->dead);
	free(s->rec);
	free(s->ch);
	free(s->pts);
	memset(s, 0, sizeof *s);
}

/* A voter key's first 8 bytes: a public key's bytes are already uniform. */
static uint64_t voter_bits(const uint8_t voter[static KEY_PK_BYTES])
{
	uint64_t h;

	memcpy(&h, voter, sizeof h);
	return h;
}

typedef struct vkey {
	uint64_t h;		/* voter_bits */
	uint32_t i;		/* record index */
} vkey_t;

/* Each voter's latest record stays alive, the others are marked dead
 * (superseded): per voter, the later (seq, id) of any two wins, so the
 * outcome is the same whatever order the ballots came in. The records are
 * first partitioned by the top byte of their voter (two sequential
 * passes), then each part gets a small table that stays in cache. */
static int bset_pick(bset_t *s)
{
	vkey_t *a = NULL, *b = NULL;
	uint32_t *t = NULL;
	size_t cnt[257] = { 0 }, start[256], max = 0, mask;
	int rc = WIEC_ERR_NOMEM;

	if (s->n == 0)
		return 0;
	if ((a = malloc(s->n * sizeof *a)) == NULL || (b = malloc(s->n * sizeof *b)) == NULL)
		goto out;
	for (size_t i = 0; i < s->n; i++) {
		a[i].h = voter_bits(s->rec[i].voter);
		a[i].i = (uint32_t)i;
		cnt[(a[i].h >> 56) + 1]++;
	}
	for (size_t k = 0; k < 256; k++) {
		if (cnt[k + 1] > max)
			max = cnt[k + 1];
		cnt[k + 1] += cnt[k];
		start[k] = cnt[k];
	}
	for (size_t i = 0; i < s->n; i++)
		b[start[a[i].h >> 56]++] = a[i];
	for (mask = 1; mask < 2 * max; mask *= 2)
		;
	if ((t = malloc(mask * sizeof *t)) == NULL)
		goto out;
	mask--;
	for (size_t k = 0; k < 256; k++) {
		size_t lo = cnt[k], hi = cnt[k + 1];

		if (lo == hi)
			continue;
		memset(t, 0, (mask + 1) * sizeof *t);
		for (size_t j = lo; j < hi; j++) {
			size_t h = (size_t)b[j].h & mask;

			for (;; h = (h + 1) & mask) {
				uint32_t x = t[h], ri, rj;

				if (x == 0) {
					t[h] = (uint32_t)(j - lo) + 1;
					break;
				}
				ri = b[lo + x - 1].i;
				rj = b[j].i;
				if (b[lo + x - 1].h != b[j].h ||
				    memcmp(s->rec[ri].voter, s->rec[rj].voter, KEY_PK_BYTES) != 0)
					continue;
				if (brec_later(&s->rec[rj], &s->rec[ri]) > 0) {
					s->dead[ri] = 1;
					t[h] = (uint32_t)(j - lo) + 1;
				} else {
					s->dead[rj] = 1;
				}
				break;
			}
		}
	}
	rc = 0;
out:
	free(a);
	free(b);
	free(t);
	return rc;
}

static int bset_add(bset_t *s, const ballot_poll_t *poll, const model_ev_t *e,
    const uint8_t voter[static KEY_PK_BYTES], int unit)
{
	const Wiec__Vote *v = e->body->vote;
	brec_t *r;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		void *p = realloc(s->rec, cap * sizeof *s->rec), *q;

		if (p == NULL)
			return WIEC_ERR_NOMEM;
		s->rec = p;
		if ((q = realloc(s->dead, cap)) == NULL)
			return WIEC_ERR_NOMEM;
		s->dead = q;
		s->cap = cap;
	}
	while (s->nch + v->n_choices > s->capch) {
		size_t cap = s->capch ? 2 * s->capch : 256;
		void *p = realloc(s->ch, cap * sizeof *s->ch), *q;

		if (p == NULL)
			return WIEC_ERR_NOMEM;
		s->ch = p;
		if ((q = realloc(s->pts, cap * sizeof *s->pts)) == NULL)
			return WIEC_ERR_NOMEM;
		s->pts = q;
		s->capch = cap;
	}
	r = &s->rec[s->n++];
	memcpy(r->voter, voter, KEY_PK_BYTES);
	r->seq = e->seq;
	memcpy(r->id, e->id, HASH_BYTES);
	r->withdraw = v->withdraw;
	r->answer = v->answer;
	r->unit = unit;
	r->off = s->nch;
	s->dead[s->n - 1] = 0;
	r->n = v->n_choices;
	for (size_t i = 0; i < v->n_choices; i++) {
		s->ch[s->nch] = (uint32_t)ballot_option_find(poll, v->choices[i]->project.data);
		s->pts[s->nch++] = v->choices[i]->points;
	}
	return 0;
}

static const elig_t *elig_find(const elig_t *e, size_t n, const uint8_t key[static KEY_PK_BYTES])
{
	return bsearch(key, e, n, sizeof *e, id_cmp);
}

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

/* Runs the shared rule over the counted ballots of one unit (unit -1: all). */
static int tally_unit(const ballot_poll_t *poll, const bset_t *s, ballot_unit_tally_t *ut,
    char *why, size_t whylen)
{
	const Wiec__Poll *p = poll->p;
	pb_t *pb = NULL;
	uint32_t *local = NULL, *group = NULL;
	tally_result_t res = { 0 };
	size_t nb = 0, nc = 0;
	int rc = WIEC_ERR_NOMEM;

	if ((pb = calloc(1, sizeof *pb)) == NULL)
		return WIEC_ERR_NOMEM;
	mpq_init(pb->budget);
	mpq_init(pb->threshold);
	if ((local = malloc((poll->nopt + 1) * sizeof *local)) == NULL ||
	    (ut->opt = malloc((poll->nopt + 1) * sizeof *ut->opt)) == NULL)
		goto out;
	for (size_t o = 0; o < poll->nopt; o++) {
		local[o] = UINT32_MAX;
		if (ut->unit < 0 || poll->opt[o].unit == ut->unit) {
			local[o] = (uint32_t)ut->nopt;
			ut->opt[ut->nopt++] = (uint32_t)o;
		}
	}
	for (size_t i = 0; i < s->n; i++)
		if (ut->unit < 0 || s->rec[i].unit == ut->unit) {
			nb++;
			nc += s->rec[i].n;
		}
	ut->ballots = nb;
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
		const ballot_option_t *o = &poll->opt[ut->opt[k]];

		/* The rules' last tie-break is by these names: the option's
		 * place in the poll, so a full tie goes to the option listed
		 * first (spec/tally.md 4.4). */
		snprintf(pb->arena + k * HASH_HEX_BYTES, HASH_HEX_BYTES, "%010" PRIu32, ut->opt[k]);
		pb->proj[k].id = pb->arena + k * HASH_HEX_BYTES;
		mpq_init(pb->proj[k].cost);
		mpq_set_ui(pb->proj[k].cost, o->cost, 1);
		pb->proj[k].selected = -1;
	}
	if (ut->unit >= 0) {
		ut->budget = poll->proc.p->units[ut->unit]->budget;
		mpq_set_ui(pb->budget, ut->budget, 1);
	}
	if (p->min_score != NULL) {
		pb->has_threshold = 1;
		mpq_set_ui(pb->threshold, p->min_score->num, p->min_score->den);
		mpq_canonicalize(pb->threshold);
	}
	nb = nc = 0;
	for (size_t i = 0; i < s->n; i++) {
		const brec_t *r = &s->rec[i];

		if (ut->unit >= 0 && r->unit != ut->unit)
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
	if (poll->rule == TALLY_GREEDY_EXCLUSIVE && p->n_exclusive != 0) {
		if ((group = calloc(ut->nopt + 1, sizeof *group)) == NULL)
			goto out;
		for (size_t g = 0; g < p->n_exclusive; g++)
			for (size_t k = 0; k < p->exclusive[g]->n_projects; k++) {
				long o = ballot_option_find(poll, p->exclusive[g]->projects[k].data);

				if (o >= 0 && local[o] != UINT32_MAX)
					group[local[o]] = (uint32_t)g + 1;
			}
	}
	if ((rc = tally_run(pb, poll->rule, group, &res, why, whylen)) != 0)
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

static void tally_yesno(const roster_t *r, const ballot_poll_t *poll, const bset_t *s,
    size_t nelig, ballot_tally_t *t)
{
	const Wiec__Poll *p = poll->p;

	for (size_t i = 0; i < s->n; i++) {
		const brec_t *b = &s->rec[i];

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

/* What one ballot needs to be judged and kept, whichever way it was read. */
typedef struct take {
	const ballot_poll_t *poll;
	const roster_t *r;
	const uint8_t *frontier;
	size_t nf;
	const elig_t *el;
	size_t nel;
	bset_t *s;
	ballot_tally_t *out;
	ballot_raw_t *raw;	/* scan(): room to read a ballot in place */
} take_t;

/* Judges one held event of the process's ballot index and keeps it in the
 * set if it counts (its voter's latest is picked later). */
static int take(take_t *st, const model_ev_t *ev)
{
	const ballot_poll_t *poll = st->poll;
	const Wiec__Poll *p = poll->p;
	const roster_member_t *m = NULL;
	ballot_voter_t who = { 1, NULL, 0 };
	const elig_t *e;
	int w;

	if (ev->body->content_case != WIEC__BODY__CONTENT_VOTE ||
	    memcmp(ev->body->vote->poll.data, poll->ev.id, HASH_BYTES) != 0)
		return 0;
	if (!in_frontier(st->frontier, st->nf, ev->id)) {
		st->out->not_counted[BALLOT_NOT_IN_FRONTIER]++;
		return 0;
	}
	if (p->decision != WIEC__DECISION__DECISION_NONE) {
		m = roster_member_of(st->r, ev->author);
		who.member = m != NULL;
	} else if (poll->proc.p->eligibility) {
		e = elig_find(st->el, st->nel, ev->author);
		who.eligible = e != NULL;
		who.unit = e != NULL ? e->unit : NULL;
	}
	/* Latest across units: a voter who moved to another unit
	 * counts there only (tally_unit picks the unit's ballots). */
	w = ballot_check(poll, ev->body->vote, &who);
	if (w != BALLOT_OK) {
		st->out->not_counted[w]++;
		return 0;
	}
	return bset_add(st->s, poll, ev, m != NULL ? m->key : ev->author,
	    p->kind == WIEC__POLL_KIND__POLL_BUDGET && !ev->body->vote->withdraw ?
	    unit_find(poll->proc.p, ev->body->vote->unit) : -1);
}

/* ---- reading a ballot in place ---- */

/* A varint at *i of b[0..n): 0, or -1 past the end or longer than 10 bytes. */
static int rd_varint(const uint8_t *b, size_t n, size_t *i, uint64_t *out)
{
	uint64_t v = 0;

	for (unsigned shift = 0; shift < 70; shift += 7) {
		if (*i >= n)
			return -1;
		v |= (uint64_t)(b[*i] & 0x7f) << shift;
		if ((b[(*i)++] & 0x80) == 0) {
			*out = v;
			return 0;
		}
	}
	return -1;
}

/* The next field of b[0..n) at *i: its number, wire type and, for wire
 * type 2, its bytes; for 0, its value. 0, or -1 (anything else). Field
 * numbers must increase (after *last; equal only where rep allows). */
static int rd_field(const uint8_t *b, size_t n, size_t *i, uint32_t *last, uint32_t rep,
    uint32_t *num, const uint8_t **p, size_t *len, uint64_t *val)
{
	uint64_t tag, l;

	if (rd_varint(b, n, i, &tag) != 0 || tag >> 3 == 0 || tag >> 3 > 536870911u)
		return -1;
	*num = (uint32_t)(tag >> 3);
	if (*num < *last || (*num == *last && *num != rep))
		return -1;
	*last = *num;
	switch (tag & 7) {
	case 0:
		return rd_varint(b, n, i, val);
	case 2:
		if (rd_varint(b, n, i, &l) != 0 || l > n - *i)
			return -1;
		*p = b + *i;
		*len = (size_t)l;
		*i += (size_t)l;
		return 0;
	default:
		return -1;
	}
}

int ballot_read_vote(ballot_raw_t *st, const uint8_t *body, size_t n, Wiec__Vote *vote,
    uint8_t author[static KEY_PK_BYTES], uint64_t *seq)
{
	const uint8_t *p = NULL, *vb = NULL;
	size_t i = 0, len = 0, vn = 0;
	uint32_t num, last = 0;
	uint64_t val = 0;
	int have_author = 0;

	while (i < n) {
		if (rd_field(body, n, &i, &last, 0, &num, &p, &len, &val) != 0)
			return -1;
		switch (num) {
		case 1: case 4:		/* network, prev */
			if (p == NULL)
				return -1;
			break;
		case 2:
			if (p == NULL || len != KEY_PK_BYTES)
				return -1;
			memcpy(author, p, KEY_PK_BYTES);
			have_author = 1;
			break;
		case 3:
			if (p != NULL)
				return -1;
			*seq = val;
			break;
		case 5:
			if (p != NULL)
				return -1;
			break;
		case WIEC__BODY__CONTENT_VOTE:
			if (p == NULL)
				return -1;
			vb = p;
			vn = len;
			break;
		default:
			return num >= 16 && p != NULL && have_author ? 0 : -1;	/* another kind */
		}
		p = NULL;
	}
	if (vb == NULL || !have_author)
		return vb == NULL && have_author ? 0 : -1;
	wiec__vote__init(vote);
	vote->choices = st->chp;
	vote->unit = st->unit;
	st->unit[0] = '\0';
	last = 0;
	i = 0;
	while (i < vn) {
		if (rd_field(vb, vn, &i, &last, 4, &num, &p, &len, &val) != 0)
			return -1;
		switch (num) {
		case 1: case 2:
			if (p == NULL)
				return -1;
			if (num == 1) {
				vote->process.data = (uint8_t *)p;
				vote->process.len = len;
			} else {
				vote->poll.data = (uint8_t *)p;
				vote->poll.len = len;
			}
			break;
		case 3:
			if (p == NULL || len > EV_LABEL_MAX || memchr(p, 0, len) != NULL)
				return -1;
			memcpy(st->unit, p, len);
			st->unit[len] = '\0';
			break;
		case 4: {
			Wiec__Choice *c;
			size_t j = 0;
			uint32_t cnum, clast = 0;
			const uint8_t *cp = p, *q = NULL;
			size_t cn = len, qlen = 0;
			uint64_t cval = 0;

			if (p == NULL || vote->n_choices == EV_OPTIONS_MAX)
				return -1;
			c = &st->ch[vote->n_choices];
			wiec__choice__init(c);
			while (j < cn) {
				if (rd_field(cp, cn, &j, &clast, 0, &cnum, &q, &qlen, &cval) != 0)
					return -1;
				if (cnum == 1 && q != NULL) {
					c->project.data = (uint8_t *)q;
					c->project.len = qlen;
				} else if (cnum == 2 && q == NULL) {
					c->points = cval;
				} else {
					return -1;
				}
				q = NULL;
			}
			st->chp[vote->n_choices++] = c;
			break;
		}
		case 5:
			if (p != NULL || val > WIEC__ANSWER__ANSWER_ABSTAIN)
				return -1;
			vote->answer = (Wiec__Answer)val;
			break;
		case 6:
			if (p != NULL || val > 1)
				return -1;
			vote->withdraw = (protobuf_c_boolean)val;
			break;
		default:
			return -1;
		}
		p = NULL;
	}
	/* The content rules ballot_check relies on (kind.c: vote_check). */
	if (vote->process.len != HASH_BYTES || vote->poll.len != HASH_BYTES)
		return -1;
	for (size_t k = 0; k < vote->n_choices; k++)
		if (vote->choices[k]->project.len != HASH_BYTES)
			return -1;
	return 1;
}

/* scan(): one event's packed body, read in place when it is a plain
 * ballot, else decoded by protobuf-c; then judged like any other. */
static int scan_one(void *arg, const uint8_t id[static HASH_BYTES], const uint8_t *body,
    size_t len)
{
	take_t *st = arg;
	Wiec__Body b = WIEC__BODY__INIT;
	Wiec__Vote vote;
	model_ev_t ev;
	int rc;

	memset(&ev, 0, sizeof ev);
	memcpy(ev.id, id, HASH_BYTES);
	if (st->raw != NULL) {
		rc = ballot_read_vote(st->raw, body, len, &vote, ev.author, &ev.seq);
		if (rc == 0)
			return 0;	/* not a ballot: as take() would judge it */
		if (rc == 1) {
			b.content_case = WIEC__BODY__CONTENT_VOTE;
			b.vote = &vote;
			ev.body = &b;
			return take(st, &ev);
		}
	}
	if ((ev.body = wiec__body__unpack(NULL, len, body)) == NULL)
		return WIEC_ERR_CORRUPT;
	if (ev.body->author.len != KEY_PK_BYTES) {
		model_ev_free(&ev);
		return WIEC_ERR_CORRUPT;
	}
	memcpy(ev.author, ev.body->author.data, KEY_PK_BYTES);
	ev.seq = ev.body->seq;
	ev.timestamp = ev.body->timestamp;
	rc = take(st, &ev);
	model_ev_free(&ev);
	return rc;
}

int ballot_tally(const model_view_t *v, const roster_t *r, const ballot_poll_t *poll,
    const uint8_t *frontier, size_t nf, int unit, ballot_tally_t *out, char *why, size_t whylen)
{
	const Wiec__Poll *p = poll->p;
	int codec = p->decision != WIEC__DECISION__DECISION_NONE;
	int need_elig = !codec && poll->proc.p->eligibility;
	model_ids_t ids = { 0 };
	elig_t *el = NULL;
	size_t nel = 0, keep = 0;
	bset_t s = { 0 };
	take_t st = { 0 };
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
	st.poll = poll;
	st.r = r;
	st.frontier = frontier;
	st.nf = nf;
	st.el = el;
	st.nel = nel;
	st.s = &s;
	st.out = out;
	if (v->scan != NULL) {
		st.raw = malloc(sizeof *st.raw);	/* NULL: protobuf-c alone */
		rc = v->scan(v->ctx, p->process.data, MREF_BALLOT, scan_one, &st);
		free(st.raw);
	} else {
		if ((rc = model_ids_collect(v, p->process.data, MREF_BALLOT, &ids)) != 0)
			goto out;
		for (size_t i = 0; i < ids.n; i++) {
			model_ev_t ev;

			if ((rc = v->get(v->ctx, ids.id[i], &ev)) == WIEC_ERR_NOTFOUND)
				continue;
			if (rc != 0)
				goto out;
			rc = take(&st, &ev);
			model_ev_free(&ev);
			if (rc != 0)
				goto out;
		}
	}
	if (rc != 0)
		goto out;
	/* Each voter's latest valid ballot counts; a withdrawal counts as none.
	 * The counted ones stay in the order they were read (the index's id
	 * order, or the log's through scan(): the rules do not depend on it). */
	if ((rc = bset_pick(&s)) != 0)
		goto out;
	for (size_t i = 0; i < s.n; i++) {
		if (s.dead[i]) {
			out->not_counted[BALLOT_SUPERSEDED]++;
			continue;
		}
		if (s.rec[i].withdraw) {
			out->not_counted[BALLOT_WITHDRAWN]++;
			continue;
		}
		s.rec[keep++] = s.rec[i];
	}
	s.n = keep;
	out->counted = keep;
	if (p->kind == WIEC__POLL_KIND__POLL_YESNO) {
		tally_yesno(r, poll, &s, nel, out);
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
		if ((rc = tally_unit(poll, &s, &out->unit[u], why, whylen)) != 0)
			goto out;
	}
	rc = 0;
out:
	if (rc == WIEC_ERR_NOMEM && whylen > 0 && why[0] == '\0')
		snprintf(why, whylen, "out of memory");
	bset_free(&s);
	elig_free(el, nel);
	model_ids_free(&ids);
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
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 256;
		void *p;

		while (cap < b->n + n)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL) {
			b->err = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
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

		rc = ballot_poll_load(v, r, ids.id[i], poll);
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

int model_tally_seal(const model_view_t *v, const uint8_t process[static HASH_BYTES],
    uint8_t **out, size_t *n)
{
	roster_t r;
	model_process_t proc;
	model_ids_t ids = { 0 };
	int rc;

	memset(&proc, 0, sizeof proc);
	*out = NULL;
	*n = 0;
	if ((rc = roster_load(v, &r)) != 0)
		return rc;
	if ((rc = model_process_load(v, &r, process, &proc)) != 0)
		goto out;
	if ((rc = model_ids_collect(v, process, MREF_BALLOT, &ids)) != 0 ||
	    (rc = model_ids_collect(v, proc.scope, MREF_CREDENTIAL, &ids)) != 0)
		goto out;
	if (ids.n > 0)	/* nothing held: ids.id is NULL, which qsort may not take */
		qsort(ids.id, ids.n, HASH_BYTES, id_cmp);
	for (size_t i = 0; i < ids.n; i++)
		if (*n == 0 || memcmp(ids.id[i], ids.id[*n - 1], HASH_BYTES) != 0)
			memmove(ids.id[(*n)++], ids.id[i], HASH_BYTES);
	*out = (uint8_t *)ids.id;
	ids.id = NULL;
	rc = 0;
out:
	model_ids_free(&ids);
	model_process_free(&proc);
	roster_free(&r);
	return rc;
}
