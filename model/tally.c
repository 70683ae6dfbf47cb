/* tally.c: the rules of tally.h (pseudo-code and tie-breaking: spec/tally.md
 * section 2). Money is mpq_t; scores are uint64_t (bounds in pb.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "model/tally.h"

static const char *const rule_names[TALLY_RULES] = {
	"greedy", "greedy-no-skip", "greedy-threshold", "greedy-exclusive", "greedy-custom",
	"equalshares", "equalshares/add1", "equalshares/add1-comparison",
	"approval", "plurality", "borda", "points",
};

int tally_rule_parse(const char *name, tally_rule_t *rule)
{
	for (int i = 0; i < TALLY_RULES; i++)
		if (strcmp(name, rule_names[i]) == 0) {
			*rule = (tally_rule_t)i;
			return 0;
		}
	return -1;
}

const char *tally_rule_name(tally_rule_t rule)
{
	return (unsigned)rule < TALLY_RULES ? rule_names[rule] : "?";
}

void tally_result_free(tally_result_t *r)
{
	if (r == NULL)
		return;
	free(r->win);
	free(r->score);
	memset(r, 0, sizeof *r);
}

/* ---- scores ---- */

/* Pabulib's score (spec/tally.md 2.1): approvals for approval and choose-1,
 * the sum of points for cumulative and scoring, max_length - k for the
 * k-th choice (from 0) of an ordinal ballot (0 from there on). Without
 * META max_length, the longest ballot's length stands for it. */
static void pb_scores(const pb_t *p, uint64_t *score)
{
	uint64_t maxlen = 0;

	if (p->vote_type == PB_ORDINAL) {
		if (p->max_length >= 0)
			maxlen = (uint64_t)p->max_length;
		else
			for (size_t v = 0; v < p->nvoters; v++)
				if (p->ballot[v + 1] - p->ballot[v] > maxlen)
					maxlen = p->ballot[v + 1] - p->ballot[v];
	}
	for (size_t v = 0; v < p->nvoters; v++)
		for (size_t i = p->ballot[v], k = 0; i < p->ballot[v + 1]; i++, k++) {
			uint32_t c = p->choice[i];

			switch (p->vote_type) {
			case PB_APPROVAL:
			case PB_CHOOSE1:
				score[c]++;
				break;
			case PB_CUMULATIVE:
			case PB_SCORING:
				score[c] += p->points != NULL ? p->points[i] : 1;
				break;
			case PB_ORDINAL:
				score[c] += k < maxlen ? maxlen - k : 0;
				break;
			}
		}
}

/* ---- greedy ---- */

typedef struct gctx {
	const pb_t *p;
	const uint64_t *score;
} gctx_t;

/* Greedy order: higher score, then cheaper, then more approvals, then
 * project_id bytewise. Returns < 0 when a comes first. */
static int greedy_cmp(const gctx_t *g, uint32_t a, uint32_t b)
{
	const pb_t *p = g->p;
	int c;

	if (g->score[a] != g->score[b])
		return g->score[a] > g->score[b] ? -1 : 1;
	if ((c = mpq_cmp(p->proj[a].cost, p->proj[b].cost)) != 0)
		return c;
	if (p->approvals[a] != p->approvals[b])
		return p->approvals[a] > p->approvals[b] ? -1 : 1;
	return strcmp(p->proj[a].id, p->proj[b].id);
}

/* Insertion-free merge sort of idx[0..n) by greedy_cmp (stable, no
 * qsort_r needed). tmp has n slots. */
static void greedy_sort(const gctx_t *g, uint32_t *idx, uint32_t *tmp, size_t n)
{
	size_t h, i, j, k;

	if (n < 2)
		return;
	h = n / 2;
	greedy_sort(g, idx, tmp, h);
	greedy_sort(g, idx + h, tmp, n - h);
	for (i = 0, j = h, k = 0; i < h || j < n; )
		tmp[k++] = j >= n || (i < h && greedy_cmp(g, idx[i], idx[j]) <= 0) ? idx[i++] :
		    idx[j++];
	memcpy(idx, tmp, n * sizeof *idx);
}

/* Greedy over score (spec/tally.md 2.2). skip: fund what fits and go on;
 * else stop at the first project that does not fit, and with custom fund
 * that one too when the leftover is at least 80% of its cost. */
static int greedy(const pb_t *p, const uint64_t *score, int skip, int custom,
    const uint32_t *group, tally_result_t *out)
{
	gctx_t g = { p, score };
	uint32_t *idx = NULL, *tmp = NULL;
	unsigned char *taken = NULL;
	mpq_t left, q;
	int rc = WIEC_ERR_NOMEM;

	mpq_init(left);
	mpq_init(q);
	if ((idx = malloc((p->nproj + 1) * sizeof *idx)) == NULL ||
	    (tmp = malloc((p->nproj + 1) * sizeof *tmp)) == NULL ||
	    (out->win = malloc((p->nproj + 1) * sizeof *out->win)) == NULL)
		goto out;
	if (group != NULL) {
		uint32_t gmax = 0;

		for (size_t i = 0; i < p->nproj; i++)
			gmax = group[i] > gmax ? group[i] : gmax;
		if ((taken = calloc((size_t)gmax + 1, 1)) == NULL)
			goto out;
	}
	for (size_t i = 0; i < p->nproj; i++)
		idx[i] = (uint32_t)i;
	greedy_sort(&g, idx, tmp, p->nproj);
	mpq_set(left, p->budget);
	for (size_t i = 0; i < p->nproj; i++) {
		uint32_t c = idx[i];

		/* Nobody asked for it, nor for any after it (by score). */
		if (score[c] == 0)
			break;
		if (p->has_threshold) {
			mpq_set_ui(q, 0, 1);
			mpz_set_ui(mpq_numref(q), score[c]);
			if (mpq_cmp(q, p->threshold) < 0)
				continue;
		}
		if (taken != NULL && group[c] != 0 && taken[group[c]])
			continue;
		if (mpq_cmp(p->proj[c].cost, left) <= 0) {
			mpq_sub(left, left, p->proj[c].cost);
			out->win[out->nwin++] = c;
			if (taken != NULL && group[c] != 0)
				taken[group[c]] = 1;
			continue;
		}
		if (skip)
			continue;
		if (custom) {
			/* left >= 4/5 cost, i.e. 5 left >= 4 cost */
			mpq_set_ui(q, 4, 5);
			mpq_mul(q, q, p->proj[c].cost);
			if (mpq_cmp(left, q) >= 0)
				out->win[out->nwin++] = c;
		}
		break;
	}
	rc = 0;
out:
	mpq_clear(left);
	mpq_clear(q);
	free(idx);
	free(tmp);
	free(taken);
	return rc;
}

/* ---- the Method of Equal Shares (cost utilities) ---- */

/* Voters who approve the same funded projects have paid the same and hold
 * the same money, so money is kept per class of voters, not per voter:
 * a round touches the classes of a project's supporters only. */
typedef struct mes {
	const pb_t *p;
	size_t *soff;		/* supporters of project c: sup[soff[c] .. soff[c+1]) */
	uint32_t *sup;
	uint32_t *vcls;		/* per voter: its class */
	mpq_t *money;		/* per class */
	size_t ncls, capcls;
	uint32_t *cnt;		/* per class: supporters of the project at hand */
	uint32_t *next;		/* per class: the class it becomes this round, or UINT32_MAX */
	uint32_t *touched;	/* classes of the project at hand */
	uint32_t *tmp;
	mpq_t *rho;		/* per project: its last rho (a lower bound of the next) */
	uint32_t *cand;		/* live candidates */
	mpq_t a, b, total, pay;
} mes_t;

static int mes_class(mes_t *m, const mpq_t money)
{
	if (m->ncls == m->capcls) {
		size_t nc = m->capcls ? 2 * m->capcls : 1024;
		mpq_t *mm = realloc(m->money, nc * sizeof *mm);
		uint32_t *c, *n, *t, *tt;

		if (mm == NULL)
			return -1;
		m->money = mm;
		for (size_t i = m->capcls; i < nc; i++)
			mpq_init(m->money[i]);
		if ((c = realloc(m->cnt, nc * sizeof *c)) == NULL)
			return -1;
		m->cnt = c;
		if ((n = realloc(m->next, nc * sizeof *n)) == NULL)
			return -1;
		m->next = n;
		if ((t = realloc(m->touched, nc * sizeof *t)) == NULL)
			return -1;
		m->touched = t;
		if ((tt = realloc(m->tmp, nc * sizeof *tt)) == NULL)
			return -1;
		m->tmp = tt;
		for (size_t i = m->capcls; i < nc; i++) {
			m->cnt[i] = 0;
			m->next[i] = UINT32_MAX;
		}
		m->capcls = nc;
	}
	mpq_set(m->money[m->ncls], money);
	m->ncls++;
	return 0;
}

static void mes_sort_cls(mes_t *m, uint32_t *x, size_t n)
{
	size_t h, i, j, k;

	if (n < 2)
		return;
	h = n / 2;
	mes_sort_cls(m, x, h);
	mes_sort_cls(m, x + h, n - h);
	for (i = 0, j = h, k = 0; i < h || j < n; )
		m->tmp[k++] = j >= n || (i < h && mpq_cmp(m->money[x[i]], m->money[x[j]]) <= 0) ?
		    x[i++] : x[j++];
	memcpy(x, m->tmp, n * sizeof *x);
}

/* rho of project c now, into m->rho[c] and the payment cap into pay.
 * Returns 1 when affordable, 0 when its supporters hold less than its cost. */
static int mes_rho(mes_t *m, uint32_t c)
{
	const pb_t *p = m->p;
	size_t nt = 0, rich = m->soff[c + 1] - m->soff[c];
	int ok = 1;

	for (size_t i = m->soff[c]; i < m->soff[c + 1]; i++) {
		uint32_t k = m->vcls[m->sup[i]];

		if (m->cnt[k]++ == 0)
			m->touched[nt++] = k;
	}
	mpq_set_ui(m->total, 0, 1);
	for (size_t i = 0; i < nt; i++) {
		mpq_set_ui(m->a, m->cnt[m->touched[i]], 1);
		mpq_mul(m->a, m->a, m->money[m->touched[i]]);
		mpq_add(m->total, m->total, m->a);
	}
	if (mpq_cmp(m->total, p->proj[c].cost) < 0) {
		ok = 0;
		goto out;
	}
	/* Water-filling: the poorest pay all they have while that is below an
	 * equal share of what is left; the rest pay that share. */
	mes_sort_cls(m, m->touched, nt);
	mpq_set(m->b, p->proj[c].cost);	/* cost not yet covered */
	for (size_t i = 0; i < nt; i++) {
		uint32_t k = m->touched[i];

		mpq_set_ui(m->a, (unsigned long)rich, 1);
		mpq_div(m->pay, m->b, m->a);
		if (mpq_cmp(m->money[k], m->pay) >= 0)
			break;
		mpq_set_ui(m->a, m->cnt[k], 1);
		mpq_mul(m->a, m->a, m->money[k]);
		mpq_sub(m->b, m->b, m->a);
		rich -= m->cnt[k];
	}
	if (mpq_sgn(p->proj[c].cost) == 0)
		mpq_set_ui(m->rho[c], 0, 1);
	else
		mpq_div(m->rho[c], m->pay, p->proj[c].cost);
out:
	for (size_t i = 0; i < nt; i++)
		m->cnt[m->touched[i]] = 0;
	return ok;
}

/* Equal-shares ties: smaller rho, then more approvals, cheaper, id. */
static int mes_better(const mes_t *m, uint32_t a, uint32_t b)
{
	const pb_t *p = m->p;
	int c = mpq_cmp(m->rho[a], m->rho[b]);

	if (c != 0)
		return c < 0;
	if (p->approvals[a] != p->approvals[b])
		return p->approvals[a] > p->approvals[b];
	if ((c = mpq_cmp(p->proj[a].cost, p->proj[b].cost)) != 0)
		return c < 0;
	return strcmp(p->proj[a].id, p->proj[b].id) < 0;
}

/* One run of MES with each voter starting with `each`; winners into
 * win/nwin (in order), their total cost into spent. */
static int mes_run(mes_t *m, const mpq_t each, uint32_t *win, size_t *nwin, mpq_t spent)
{
	const pb_t *p = m->p;
	size_t ncand = 0;

	*nwin = 0;
	mpq_set_ui(spent, 0, 1);
	m->ncls = 0;
	if (mes_class(m, each) != 0)
		return WIEC_ERR_NOMEM;
	memset(m->vcls, 0, p->nvoters * sizeof *m->vcls);
	for (uint32_t c = 0; c < p->nproj; c++)
		if (m->soff[c + 1] > m->soff[c]) {
			m->cand[ncand++] = c;
			mpq_set_ui(m->rho[c], 0, 1);
		}
	for (;;) {
		long best = -1;
		size_t keep = 0;

		/* Candidates in increasing last rho: rho never falls, so once a
		 * last rho exceeds the best one found, no later one can win. */
		for (size_t i = 1; i < ncand; i++)
			for (size_t j = i; j > 0 && mpq_cmp(m->rho[m->cand[j - 1]],
			    m->rho[m->cand[j]]) > 0; j--) {
				uint32_t t = m->cand[j];

				m->cand[j] = m->cand[j - 1];
				m->cand[j - 1] = t;
			}
		for (size_t i = 0; i < ncand; i++) {
			uint32_t c = m->cand[i];

			if (best >= 0 && mpq_cmp(m->rho[c], m->rho[best]) > 0) {
				m->cand[keep++] = c;
				continue;
			}
			if (!mes_rho(m, c))
				continue;	/* never affordable again: money only falls */
			m->cand[keep++] = c;
			if (best < 0 || mes_better(m, c, (uint32_t)best))
				best = c;
		}
		ncand = keep;
		if (best < 0)
			break;
		/* Fund best: each supporter pays min(money, rho * cost). */
		mpq_mul(m->pay, m->rho[best], p->proj[best].cost);
		size_t ncls0 = m->ncls;

		for (size_t i = m->soff[best]; i < m->soff[best + 1]; i++) {
			uint32_t v = m->sup[i], k = m->vcls[v];

			if (k < ncls0 && m->next[k] == UINT32_MAX) {
				if (mpq_cmp(m->money[k], m->pay) <= 0)
					mpq_set_ui(m->a, 0, 1);
				else
					mpq_sub(m->a, m->money[k], m->pay);
				if (mes_class(m, m->a) != 0)
					return WIEC_ERR_NOMEM;
				m->next[k] = (uint32_t)(m->ncls - 1);
			}
			m->vcls[v] = m->next[k];
		}
		for (size_t k = 0; k < ncls0; k++)
			m->next[k] = UINT32_MAX;
		win[(*nwin)++] = (uint32_t)best;
		mpq_add(spent, spent, p->proj[best].cost);
		for (size_t i = 0; i < ncand; i++)
			if (m->cand[i] == (uint32_t)best) {
				m->cand[i] = m->cand[--ncand];
				break;
			}
	}
	return 0;
}

static void mes_free(mes_t *m)
{
	for (size_t i = 0; i < m->capcls; i++)
		mpq_clear(m->money[i]);
	if (m->rho != NULL)
		for (size_t i = 0; i < m->p->nproj; i++)
			mpq_clear(m->rho[i]);
	free(m->money);
	free(m->rho);
	free(m->soff);
	free(m->sup);
	free(m->vcls);
	free(m->cnt);
	free(m->next);
	free(m->touched);
	free(m->tmp);
	free(m->cand);
	mpq_clear(m->a);
	mpq_clear(m->b);
	mpq_clear(m->total);
	mpq_clear(m->pay);
}

static int mes_init(mes_t *m, const pb_t *p)
{
	size_t n = p->ballot[p->nvoters];

	memset(m, 0, sizeof *m);
	m->p = p;
	mpq_init(m->a);
	mpq_init(m->b);
	mpq_init(m->total);
	mpq_init(m->pay);
	if ((m->soff = calloc(p->nproj + 2, sizeof *m->soff)) == NULL ||
	    (m->sup = malloc((n + 1) * sizeof *m->sup)) == NULL ||
	    (m->vcls = malloc((p->nvoters + 1) * sizeof *m->vcls)) == NULL ||
	    (m->cand = malloc((p->nproj + 1) * sizeof *m->cand)) == NULL ||
	    (m->rho = malloc((p->nproj + 1) * sizeof *m->rho)) == NULL)
		return WIEC_ERR_NOMEM;
	for (size_t i = 0; i < p->nproj; i++)
		mpq_init(m->rho[i]);
	for (size_t i = 0; i < n; i++)
		m->soff[p->choice[i] + 2]++;
	for (size_t c = 0; c < p->nproj; c++)
		m->soff[c + 2] += m->soff[c + 1];
	for (size_t v = 0; v < p->nvoters; v++)
		for (size_t i = p->ballot[v]; i < p->ballot[v + 1]; i++)
			m->sup[m->soff[p->choice[i] + 1]++] = (uint32_t)v;
	return 0;
}

/* equalshares, with add1: each voter's share + k for k = 1, 2, ... (the
 * total budget + k * n); the outcome is the last run that costs at most the
 * budget, stopping at the first over it. No completion when every project
 * fits in the budget together, and none past the run that funds every
 * project someone approves (more money cannot change it). */
static int equal_shares(const pb_t *p, int add1, tally_result_t *out, char *why, size_t whylen)
{
	mes_t m;
	uint32_t *win = NULL;
	size_t nwin = 0, supported = 0;
	mpq_t each, spent, tmp;
	int rc = WIEC_ERR_NOMEM;

	mpq_init(each);
	mpq_init(spent);
	mpq_init(tmp);
	if ((rc = mes_init(&m, p)) != 0)
		goto out;
	rc = WIEC_ERR_NOMEM;
	if ((out->win = malloc((p->nproj + 1) * sizeof *out->win)) == NULL ||
	    (win = malloc((p->nproj + 1) * sizeof *win)) == NULL)
		goto out;
	for (size_t c = 0; c < p->nproj; c++)
		supported += p->approvals[c] > 0;
	if (p->nvoters == 0) {
		rc = 0;
		goto out;
	}
	mpq_set_ui(tmp, (unsigned long)p->nvoters, 1);
	mpq_div(each, p->budget, tmp);
	if ((rc = mes_run(&m, each, out->win, &out->nwin, spent)) != 0)
		goto out;
	mpq_set_ui(tmp, 0, 1);
	for (size_t c = 0; c < p->nproj; c++)
		mpq_add(tmp, tmp, p->proj[c].cost);
	if (mpq_cmp(tmp, p->budget) <= 0)
		add1 = 0;
	for (unsigned long step = 1; add1 && out->nwin < supported; step++) {
		if (step > TALLY_ADD1_MAX) {
			snprintf(why, whylen, "the add1 completion needs more than %d steps",
			    TALLY_ADD1_MAX);
			rc = WIEC_ERR_TOO_BIG;
			goto out;
		}
		mpq_set_ui(tmp, 1, 1);
		mpq_add(each, each, tmp);
		if ((rc = mes_run(&m, each, win, &nwin, spent)) != 0)
			goto out;
		if (mpq_cmp(spent, p->budget) > 0)
			break;
		memcpy(out->win, win, nwin * sizeof *win);
		out->nwin = nwin;
	}
	rc = 0;
out:
	mes_free(&m);
	free(win);
	mpq_clear(each);
	mpq_clear(spent);
	mpq_clear(tmp);
	return rc;
}

/* add1-comparison: greedy by approvals wins when strictly more voters
 * approve more of its winners than of MES's than the reverse. */
static int prefer_greedy(const pb_t *p, const tally_result_t *mes, const tally_result_t *gr)
{
	unsigned char *in = calloc(p->nproj + 1, 1);
	size_t more_g = 0, more_m = 0;

	if (in == NULL)
		return -1;
	for (size_t i = 0; i < mes->nwin; i++)
		in[mes->win[i]] |= 1;
	for (size_t i = 0; i < gr->nwin; i++)
		in[gr->win[i]] |= 2;
	for (size_t v = 0; v < p->nvoters; v++) {
		size_t nm = 0, ng = 0;

		for (size_t i = p->ballot[v]; i < p->ballot[v + 1]; i++) {
			nm += in[p->choice[i]] & 1;
			ng += in[p->choice[i]] >> 1;
		}
		more_g += ng > nm;
		more_m += nm > ng;
	}
	free(in);
	return more_g > more_m;
}

/* ---- counts ---- */

static int counts(const pb_t *p, tally_rule_t rule, tally_result_t *out, char *why,
    size_t whylen)
{
	uint64_t top = 0;

	memset(out->score, 0, p->nproj * sizeof *out->score);
	if (rule == TALLY_PLURALITY && p->vote_type != PB_ORDINAL &&
	    p->vote_type != PB_CHOOSE1) {
		snprintf(why, whylen, "plurality needs ordinal or choose-1 ballots, not %s",
		    pb_vote_type_name(p->vote_type));
		return WIEC_ERR_ARG;
	}
	if (rule == TALLY_BORDA && p->vote_type != PB_ORDINAL) {
		snprintf(why, whylen, "borda needs ordinal ballots, not %s",
		    pb_vote_type_name(p->vote_type));
		return WIEC_ERR_ARG;
	}
	for (size_t v = 0; v < p->nvoters; v++)
		for (size_t i = p->ballot[v], k = 0; i < p->ballot[v + 1]; i++, k++) {
			uint32_t c = p->choice[i];

			if (rule == TALLY_APPROVAL)
				out->score[c]++;
			else if (rule == TALLY_POINTS)
				out->score[c] += p->points != NULL ? p->points[i] : 1;
			else if (rule == TALLY_PLURALITY)
				out->score[c] += k == 0;
			else
				out->score[c] += k < p->nproj ? p->nproj - 1 - k : 0;
		}
	for (size_t c = 0; c < p->nproj; c++)
		top = out->score[c] > top ? out->score[c] : top;
	if ((out->win = malloc((p->nproj + 1) * sizeof *out->win)) == NULL)
		return WIEC_ERR_NOMEM;
	/* Every project with the top score wins: a tie is reported, not broken. */
	for (size_t c = 0; c < p->nproj; c++)
		if (out->score[c] == top && top > 0)
			out->win[out->nwin++] = (uint32_t)c;
	return 0;
}

int tally_run(const pb_t *p, tally_rule_t rule, const uint32_t *group, tally_result_t *out,
    char *why, size_t whylen)
{
	tally_result_t g;
	int rc;

	memset(out, 0, sizeof *out);
	memset(&g, 0, sizeof g);
	if (whylen > 0)
		why[0] = '\0';
	if ((out->score = calloc(p->nproj + 1, sizeof *out->score)) == NULL) {
		rc = WIEC_ERR_NOMEM;
		goto fail;
	}
	switch (rule) {
	case TALLY_GREEDY:
	case TALLY_GREEDY_THRESHOLD:
	case TALLY_GREEDY_EXCLUSIVE:
		pb_scores(p, out->score);
		rc = greedy(p, out->score, 1, 0, rule == TALLY_GREEDY_EXCLUSIVE ? group : NULL,
		    out);
		break;
	case TALLY_GREEDY_NO_SKIP:
	case TALLY_GREEDY_CUSTOM:
		pb_scores(p, out->score);
		rc = greedy(p, out->score, 0, rule == TALLY_GREEDY_CUSTOM, NULL, out);
		break;
	case TALLY_MES:
	case TALLY_MES_ADD1:
	case TALLY_MES_ADD1_CMP:
		memcpy(out->score, p->approvals, p->nproj * sizeof *out->score);
		if ((rc = equal_shares(p, rule != TALLY_MES, out, why, whylen)) != 0 || rule != TALLY_MES_ADD1_CMP)
			break;
		if ((g.score = calloc(p->nproj + 1, sizeof *g.score)) == NULL) {
			rc = WIEC_ERR_NOMEM;
			break;
		}
		memcpy(g.score, p->approvals, p->nproj * sizeof *g.score);
		if ((rc = greedy(p, g.score, 1, 0, NULL, &g)) != 0)
			break;
		if ((rc = prefer_greedy(p, out, &g)) < 0) {
			rc = WIEC_ERR_NOMEM;
			break;
		}
		if (rc == 1) {
			uint32_t *w = out->win;

			out->win = g.win;
			out->nwin = g.nwin;
			g.win = w;
			out->used_greedy = 1;
		}
		rc = 0;
		break;
	default:
		rc = counts(p, rule, out, why, whylen);
		break;
	}
	tally_result_free(&g);
	if (rc == 0)
		return 0;
fail:
	if (rc == WIEC_ERR_NOMEM && whylen > 0)
		snprintf(why, whylen, "out of memory");
	tally_result_free(out);
	return rc;
}
