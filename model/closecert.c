/* closecert.c: the value rule, the offline check of a certificate and the
 * audit of a whole log of one close (spec/close.md sections 4 and 7; see
 * close.h). The member's machine (close.c) uses the same value rule. */
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "model/close.h"
#include "model/close_int.h"

#define ID HASH_BYTES

/* A total order on values: only to break a tie deterministically. */
static int value_cmp(const close_value_t *a, const close_value_t *b)
{
	int c = memcmp(a->root, b->root, ID);

	if (c != 0)
		return c;
	if (a->count != b->count)
		return a->count < b->count ? -1 : 1;
	return memcmp(a->result, b->result, ID);
}

/* --- values ------------------------------------------------------------- */

static int cmp_id(const void *a, const void *b)
{
	return memcmp(a, b, ID);
}

/* The union of the promises' seals, sorted and distinct: *out malloc'd. */
/* Merges np sorted, distinct lists (np small): the union, or -1 when an
 * input turns out not to be sorted (then the caller sorts). */
static int merge_sorted(const close_stmt_t *const *pr, size_t np, uint8_t *ids, size_t *n)
{
	size_t pos[8] = { 0 }, k = 0;

	for (;;) {
		const uint8_t *min = NULL;

		for (size_t i = 0; i < np; i++)
			if (pos[i] < pr[i]->nseal) {
				const uint8_t *h = pr[i]->seal + pos[i] * ID;

				if (min == NULL || memcmp(h, min, ID) < 0)
					min = h;
			}
		if (min == NULL)
			break;
		if (k > 0 && memcmp(ids + (k - 1) * ID, min, ID) >= 0)
			return -1;
		memcpy(ids + k++ * ID, min, ID);
		for (size_t i = 0; i < np; i++)
			if (pos[i] < pr[i]->nseal && memcmp(pr[i]->seal + pos[i] * ID, ids + (k - 1) * ID,
			    ID) == 0)
				pos[i]++;
	}
	*n = k;
	return 0;
}

int close_seal_union(const close_stmt_t *const *pr, size_t np, uint8_t **out, size_t *n)
{
	size_t total = 0, k = 0;
	uint8_t *ids;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < np; i++)
		total += pr[i]->nseal;
	if (total == 0)
		return 0;
	ids = malloc(total * ID);
	if (ids == NULL)
		return WIEC_ERR_NOMEM;
	/* A few seals of millions of ids: one merge pass, not a sort. */
	if (np <= 8 && merge_sorted(pr, np, ids, n) == 0) {
		*out = ids;
		return 0;
	}
	for (size_t i = 0; i < np; i++) {
		if (pr[i]->nseal > 0)
			memcpy(ids + k * ID, pr[i]->seal, pr[i]->nseal * ID);
		k += pr[i]->nseal;
	}
	if (total > 1)	/* qsort(NULL, 0, ...) is undefined */
		qsort(ids, total, ID, cmp_id);
	k = 0;
	for (size_t i = 0; i < total; i++)
		if (k == 0 || memcmp(ids + (k - 1) * ID, ids + i * ID, ID) != 0)
			memmove(ids + k++ * ID, ids + i * ID, ID);
	*out = ids;
	*n = k;
	return 0;
}

/* The promise reporting the last cosign with the highest round; NULL if
 * none. *tie: another promise reports that round with another value (its
 * proposer equivocated): no value is then valid. */
const close_stmt_t *close_highest_acc(const close_stmt_t *const *pr, size_t np, int *tie)
{
	const close_stmt_t *best = NULL;

	*tie = 0;
	for (size_t i = 0; i < np; i++) {
		int c;

		if (!pr[i]->has_acc)
			continue;
		c = best ? close_round_cmp(&pr[i]->acc_round, &best->acc_round) : 1;
		if (c > 0) {
			best = pr[i];
			*tie = 0;
		} else if (c == 0 && !close_value_eq(&pr[i]->acc_value, &best->acc_value)) {
			*tie = 1;
			if (value_cmp(&pr[i]->acc_value, &best->acc_value) < 0)
				best = pr[i];
		}
	}
	return best;
}

/* The value of a fresh frontier: its root, size and result. */
int close_fresh_value(const close_env_t *env, const uint8_t *ids, size_t n, close_value_t *v)
{
	int rc;

	memset(v, 0, sizeof *v);
	v->count = n;
	rc = close_frontier_root(v->root, ids, n);
	if (rc == 0 && env != NULL && env->tally != NULL)
		rc = env->tally(env->ctx, ids, n, v->result);
	return rc;
}

/* --- certificates -------------------------------------------------------- */

static int distinct_authors(const close_stmt_t *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (memcmp(v[i]->author, v[j]->author, KEY_PK_BYTES) == 0)
				return 0;
	return 1;
}

/* Whether pr (npr statements) are exactly the Promises p names, of its
 * round and from >= q distinct members. */
int close_promises_ok(const close_stmt_t *p, const close_stmt_t *const *pr, size_t npr,
    uint32_t q)
{
	if (npr != p->npromises || npr < q || !distinct_authors(pr, npr))
		return 0;
	for (size_t i = 0; i < npr; i++) {
		if (pr[i]->kind != CLOSE_PROMISE || !close_round_eq(&pr[i]->round, &p->round) ||
		    close_find(p->promises, p->npromises, pr[i]->id) < 0)
			return 0;
		for (size_t j = 0; j < i; j++)
			if (memcmp(pr[i]->id, pr[j]->id, ID) == 0)
				return 0;
	}
	return 1;
}

/* The value rule for proposal p resting on promises pr: CLOSE_OK,
 * CLOSE_BAD_VALUE, CLOSE_BAD_RESULT, or an error. */
int close_value_ok(const close_stmt_t *p, const close_stmt_t *const *pr, size_t npr,
    const close_env_t *env)
{
	int tie;
	const close_stmt_t *acc = close_highest_acc(pr, npr, &tie);
	uint8_t *ids = NULL;
	size_t n = 0;
	close_value_t v;
	int rc;

	if (tie)
		return CLOSE_BAD_VALUE;
	if (acc != NULL) {
		if (!close_value_eq(&acc->acc_value, &p->value))
			return CLOSE_BAD_VALUE;
		if (env == NULL || env->tally == NULL)
			return CLOSE_OK;
		memset(&v, 0, sizeof v);
		rc = env->tally(env->ctx, p->frontier, p->value.count, v.result);
		if (rc != 0)
			return rc;
		return memcmp(v.result, p->value.result, ID) == 0 ? CLOSE_OK : CLOSE_BAD_RESULT;
	}
	rc = close_seal_union(pr, npr, &ids, &n);
	if (rc != 0)
		return rc;
	rc = close_fresh_value(env, ids, n, &v);
	free(ids);
	if (rc != 0)
		return rc;
	if (v.count != p->value.count || memcmp(v.root, p->value.root, ID) != 0)
		return CLOSE_BAD_VALUE;
	if (env != NULL && env->tally != NULL && memcmp(v.result, p->value.result, ID) != 0)
		return CLOSE_BAD_RESULT;
	return CLOSE_OK;
}

int close_cert_check(const close_cert_t *c, const uint8_t process[static HASH_BYTES],
    const uint8_t roster[static HASH_BYTES], const uint8_t (*members)[KEY_PK_BYTES], size_t n,
    uint32_t q, const close_env_t *tally)
{
	const close_stmt_t *p = c->proposal;
	const close_stmt_t **all = NULL, **mine = NULL;
	size_t nall, bad;
	int rc;

	if (p == NULL || q <= n / 2 || q > n)
		return CLOSE_BAD_FORM;
	nall = 1 + c->npromises + c->ncosigns;
	all = malloc(nall * sizeof *all);
	mine = malloc(nall * sizeof *mine);
	if (all == NULL || mine == NULL) {
		rc = WIEC_ERR_NOMEM;
		goto done;
	}
	all[0] = p;
	for (size_t i = 0; i < c->npromises; i++)
		all[1 + i] = c->promises[i];
	for (size_t i = 0; i < c->ncosigns; i++)
		all[1 + c->npromises + i] = c->cosigns[i];
	for (size_t i = 0; i < nall; i++) {
		rc = close_stmt_check(all[i], process, roster, members, n);
		if (rc != 0)
			goto done;
	}
	rc = CLOSE_BAD_KIND;
	if (p->kind != CLOSE_PROPOSAL)
		goto done;
	rc = CLOSE_BAD_PROMISES;
	if (!close_promises_ok(p, c->promises, c->npromises, q))
		goto done;
	rc = close_value_ok(p, c->promises, c->npromises, tally);
	if (rc != CLOSE_OK)
		goto done;
	rc = CLOSE_BAD_COSIGNS;
	if (c->ncosigns < q || !distinct_authors(c->cosigns, c->ncosigns))
		goto done;
	for (size_t i = 0; i < c->ncosigns; i++) {
		const close_stmt_t *s = c->cosigns[i];

		if (s->kind != CLOSE_COSIGN || !close_round_eq(&s->round, &p->round) ||
		    !close_value_eq(&s->value, &p->value) || memcmp(s->proposal, p->id, ID) != 0)
			goto done;
	}
	/* Each member's given statements, in its chain order, obey the rules. */
	for (size_t i = 0; i < nall; i++) {
		size_t k = 0;
		int first = 1;

		for (size_t j = 0; j < nall; j++) {
			if (memcmp(all[j]->author, all[i]->author, KEY_PK_BYTES) != 0)
				continue;
			if (j < i)
				first = 0;
			mine[k++] = all[j];
		}
		if (!first)
			continue;
		rc = close_audit(mine, k, 0, &bad);
		if (rc < 0)
			goto done;
		if (rc != CLOSE_OK) {
			rc = CLOSE_BAD_CONFLICT;
			goto done;
		}
	}
	rc = CLOSE_OK;
done:
	free(all);
	free(mine);
	return rc;
}

const char *close_reason(int kind, int code)
{
	static const char *const c[] = {
		"ok", "promise not above an earlier round", "promise misreports the last cosign",
		"cosign below a promised round", "two cosigns of one round differ",
		"a second proposal not above the last", "statements under two rosters",
	};
	static const char *const b[] = {
		"ok", "ill-formed statement", "wrong kind or process",
		"promises missing, repeated, of another round or too few",
		"value is not the one the promises give",
		"fewer than a quorum of members cosign the value", "conflicting statements",
		"recomputed result differs",
	};

	if (kind == 'C' && code >= 0 && code < (int)(sizeof c / sizeof c[0]))
		return c[code];
	if (kind == 'B' && code >= 0 && code < (int)(sizeof b / sizeof b[0]))
		return b[code];
	return "unknown";
}

/* --- the audit of a whole log -------------------------------------------- */

static int by_author_seq(const void *a, const void *b)
{
	const close_stmt_t *x = *(const close_stmt_t *const *)a;
	const close_stmt_t *y = *(const close_stmt_t *const *)b;
	int c = memcmp(x->author, y->author, KEY_PK_BYTES);

	if (c != 0)
		return c;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return memcmp(x->id, y->id, ID);
}

int close_log_audit(const close_stmt_t *const *stmts, size_t n,
    const uint8_t process[static HASH_BYTES], const uint8_t roster[static HASH_BYTES],
    const uint8_t (*members)[KEY_PK_BYTES], size_t nm, uint32_t q, const close_env_t *env,
    close_report_t *out)
{
	const close_stmt_t **v = NULL, *co[CLOSE_MEMBERS_MAX], *held;
	close_params_t par = { 1 };
	close_member_t *m = NULL;
	size_t k = 0, nheld;
	int rc;

	memset(out, 0, sizeof *out);
	if (nm == 0)
		return WIEC_ERR_ARG;
	/* A machine that only observes: its "self" never posts. */
	m = close_member_new(process, roster, members, nm, q, members[0], NULL, &par);
	if (m == NULL)
		return WIEC_ERR_ARG;
	rc = WIEC_ERR_NOMEM;
	v = malloc((n ? n : 1) * sizeof *v);
	if (v == NULL)
		goto done;
	for (size_t i = 0; i < n; i++)
		if (close_stmt_check(stmts[i], process, roster, members, nm) == 0)
			v[k++] = stmts[i];
	if (k > 1)	/* qsort(NULL, 0, ...) is undefined */
		qsort(v, k, sizeof *v, by_author_seq);
	for (size_t i = 0; i < k; i++) {
		rc = close_member_observe(m, v[i]);
		if (rc != 0)
			goto done;
	}
	/* Each member's chain, in order: the first statement that breaks a rule. */
	for (size_t i = 0; i < k;) {
		size_t j = i, bad = 0;

		while (j < k && memcmp(v[j]->author, v[i]->author, KEY_PK_BYTES) == 0)
			j++;
		rc = close_audit(v + i, j - i, 1, &bad);
		if (rc < 0)
			goto done;
		if (rc != CLOSE_OK && out->nbad < CLOSE_MEMBERS_MAX) {
			memcpy(out->bad_member[out->nbad], v[i]->author, KEY_PK_BYTES);
			memcpy(out->bad_stmt[out->nbad], v[i + bad]->id, ID);
			out->bad_code[out->nbad++] = rc;
		}
		i = j;
	}
	/* Every certificate; the first by (round, id) is the one reported. */
	held = close_member_stmts(m, &nheld);
	for (size_t i = 0; i < nheld; i++) {
		const close_stmt_t *p = &held[i];

		if (p->kind != CLOSE_PROPOSAL || close_member_cosigners(m, p, co) < q)
			continue;
		if (!out->certified) {
			out->certified = 1;
			out->round = p->round;
			out->value = p->value;
			memcpy(out->proposal, p->id, ID);
		} else if (!close_value_eq(&p->value, &out->value)) {
			out->split = 1;
		}
		if (close_round_cmp(&p->round, &out->round) < 0 ||
		    (close_round_eq(&p->round, &out->round) &&
		    memcmp(p->id, out->proposal, ID) < 0)) {
			out->round = p->round;
			out->value = p->value;
			memcpy(out->proposal, p->id, ID);
		}
	}
	rc = 0;
	if (out->certified) {
		const close_stmt_t *p = close_member_find(m, out->proposal);

		rc = close_member_proposal_valid(m, env, p, env != NULL && env->tally != NULL, 0);
		if (rc >= 0) {
			out->cert_valid = rc == 1;
			rc = 0;
		}
	}
done:
	free(v);
	close_member_destroy(&m);
	return rc;
}
