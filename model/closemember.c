/* closemember.c: a member's machine of the close protocol (spec/close.md,
 * close.h): the statements it holds, its timer, and the next statement it
 * signs (promise, proposal, cosign), from its durable state. */
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "crypto/mem.h"
#include "model/close.h"
#include "model/close_int.h"

#define ID HASH_BYTES

struct close_member {
	uint8_t process[ID];
	uint8_t roster[ID];
	uint8_t (*members)[KEY_PK_BYTES];
	size_t n;
	uint32_t q;
	uint8_t self[KEY_PK_BYTES];
	close_params_t p;
	close_durable_t d;
	close_stmt_t *st;		/* held statements, well formed, distinct ids */
	size_t nst, cap;
	int started;			/* a statement of the process is held */
	uint64_t reach;			/* the highest reachable counter (section 4) */
	int has_max;
	close_round_t max;		/* the highest reachable round a held statement names */
	int has_mark;
	close_round_t mark;		/* max when the timer last restarted */
	uint64_t mark_at;
	int certified;
	size_t cert;			/* index of the certified proposal */
	uint8_t *valid;			/* ids of proposals found valid (a cache), owned */
	size_t nvalid, capvalid;
};

close_member_t *close_member_new(const uint8_t process[static HASH_BYTES],
    const uint8_t roster[static HASH_BYTES], const uint8_t (*members)[KEY_PK_BYTES], size_t n,
    uint32_t q, const uint8_t self[static KEY_PK_BYTES], const close_durable_t *restored,
    const close_params_t *p)
{
	close_member_t *m;

	if (n == 0 || n > CLOSE_MEMBERS_MAX || q <= n / 2 || q > n || p == NULL)
		return NULL;
	/* Its statements so far were under another roster: it keeps to that. */
	if (restored != NULL && restored->has_roster && memcmp(restored->roster, roster, ID) != 0)
		return NULL;
	for (size_t i = 1; i < n; i++)
		if (memcmp(members[i - 1], members[i], KEY_PK_BYTES) >= 0)
			return NULL;
	if (close_find(members[0], n, self) < 0)
		return NULL;
	m = calloc(1, sizeof *m);
	if (m == NULL)
		return NULL;
	m->members = malloc(n * KEY_PK_BYTES);
	if (m->members == NULL) {
		free(m);
		return NULL;
	}
	memcpy(m->members, members, n * KEY_PK_BYTES);
	memcpy(m->process, process, ID);
	memcpy(m->roster, roster, ID);
	memcpy(m->self, self, KEY_PK_BYTES);
	m->n = n;
	m->reach = n;
	m->q = q;
	m->p = *p;
	if (restored != NULL)
		m->d = *restored;
	return m;
}

void close_member_destroy(close_member_t **mp)
{
	close_member_t *m;

	if (mp == NULL || *mp == NULL)
		return;
	m = *mp;
	for (size_t i = 0; i < m->nst; i++)
		close_stmt_free(&m->st[i]);
	free(m->st);
	free(m->members);
	free(m->valid);
	free(m);
	*mp = NULL;
}

const close_durable_t *close_member_durable(const close_member_t *m)
{
	return &m->d;
}

const close_stmt_t *close_member_stmts(const close_member_t *m, size_t *n)
{
	*n = m->nst;
	return m->st;
}

const close_stmt_t *close_member_find(const close_member_t *m, const uint8_t id[static ID])
{
	for (size_t i = 0; i < m->nst; i++)
		if (memcmp(m->st[i].id, id, ID) == 0)
			return &m->st[i];
	return NULL;
}

size_t close_member_cosigners(const close_member_t *m, const close_stmt_t *p,
    const close_stmt_t **out)
{
	size_t k = 0;

	for (size_t i = 0; i < m->nst; i++) {
		const close_stmt_t *s = &m->st[i];
		size_t j;

		if (s->kind != CLOSE_COSIGN || !close_round_eq(&s->round, &p->round) ||
		    !close_value_eq(&s->value, &p->value) || memcmp(s->proposal, p->id, ID) != 0)
			continue;
		for (j = 0; j < k; j++)
			if (memcmp(out[j]->author, s->author, KEY_PK_BYTES) == 0)
				break;
		if (j == k && k < m->n)
			out[k++] = s;
	}
	return k;
}

/* Certified: a held proposal, every promise it names, and >= q distinct
 * members' cosigns of it. */
static void check_certified(close_member_t *m)
{
	const close_stmt_t *co[CLOSE_MEMBERS_MAX];

	if (m->certified)
		return;
	for (size_t i = 0; i < m->nst; i++) {
		const close_stmt_t *p = &m->st[i];
		size_t j;

		if (p->kind != CLOSE_PROPOSAL || close_member_cosigners(m, p, co) < m->q)
			continue;
		for (j = 0; j < p->npromises; j++)
			if (close_member_find(m, p->promises + j * ID) == NULL)
				break;
		if (j == p->npromises) {
			m->certified = 1;
			m->cert = i;
			return;
		}
	}
}

void close_member_set_params(close_member_t *m, const close_params_t *p)
{
	m->p = *p;
}

/* Reach (spec/close.md section 4, "Reach"): counters up to n are
 * reachable, and so is any counter at most n above the counter of a held
 * statement of a reachable round. A liar moves the reach by at most n per
 * statement it signs, so one statement with a huge counter changes neither
 * the rounds honest members promise nor their waits. */
static uint64_t reach_above(const close_member_t *m, uint64_t c)
{
	return c > UINT64_MAX - m->n ? UINT64_MAX : c + m->n;
}

static void raise_max(close_member_t *m, const close_round_t *r)
{
	if (r->counter <= m->reach && (!m->has_max || close_round_cmp(r, &m->max) > 0)) {
		m->max = *r;
		m->has_max = 1;
	}
}

/* After s joined the held statements: the reach, and the highest
 * reachable round. */
static void update_reach(close_member_t *m, const close_stmt_t *s)
{
	int grew;

	if (s->round.counter > m->reach)
		return;		/* ahead: held, and counted once the reach gets there */
	if (reach_above(m, s->round.counter) <= m->reach) {
		raise_max(m, &s->round);
		return;
	}
	/* The reach grows: statements held ahead of it may be reachable now. */
	do {
		grew = 0;
		for (size_t i = 0; i < m->nst; i++)
			if (m->st[i].round.counter <= m->reach &&
			    reach_above(m, m->st[i].round.counter) > m->reach) {
				m->reach = reach_above(m, m->st[i].round.counter);
				grew = 1;
			}
	} while (grew);
	for (size_t i = 0; i < m->nst; i++)
		raise_max(m, &m->st[i].round);
}

int close_member_observe(close_member_t *m, const close_stmt_t *s)
{
	/* Held already first: the check hashes a whole frontier. */
	if (close_member_find(m, s->id) != NULL || close_stmt_check(s, m->process, m->roster,
	    (const uint8_t (*)[KEY_PK_BYTES])m->members, m->n) != 0)
		return 0;
	if (mem_grow((void **)&m->st, &m->cap, m->nst + 1, sizeof *m->st) != 0)
		return WIEC_ERR_NOMEM;
	if (close_stmt_copy(&m->st[m->nst], s) != 0)
		return WIEC_ERR_NOMEM;
	m->nst++;
	m->started = 1;		/* any statement: a close is under way */
	update_reach(m, &m->st[m->nst - 1]);
	if (s->kind != CLOSE_CLOSE && s->kind != CLOSE_PREPARE)
		check_certified(m);
	return 0;
}

int close_member_start(close_member_t *m, close_stmt_t *out)
{
	memset(out, 0, sizeof *out);
	if (m->d.has_prep || m->d.has_promised)
		return WIEC_ERR_EXISTS;
	out->kind = CLOSE_CLOSE;
	memcpy(out->process, m->process, ID);
	memcpy(out->roster, m->roster, ID);
	memcpy(out->author, m->self, KEY_PK_BYTES);
	memcpy(out->round.proposer, m->self, KEY_PK_BYTES);
	(void)close_durable_apply(&m->d, out);
	return 0;
}

int close_member_certified(const close_member_t *m, close_round_t *round, close_value_t *value,
    uint8_t proposal[static HASH_BYTES])
{
	if (!m->certified)
		return 0;
	*round = m->st[m->cert].round;
	*value = m->st[m->cert].value;
	memcpy(proposal, m->st[m->cert].id, ID);
	return 1;
}

/* The held promises of round r from distinct members (the smallest seq of
 * each), into out (m->n entries); returns how many. */
static size_t round_promises(const close_member_t *m, const close_round_t *r,
    const close_stmt_t **out)
{
	size_t k = 0;

	for (size_t i = 0; i < m->nst; i++) {
		const close_stmt_t *s = &m->st[i];
		size_t j;

		if (s->kind != CLOSE_PROMISE || !close_round_eq(&s->round, r))
			continue;
		for (j = 0; j < k; j++)
			if (memcmp(out[j]->author, s->author, KEY_PK_BYTES) == 0)
				break;
		if (j < k) {
			if (s->seq < out[j]->seq)
				out[j] = s;
		} else if (k < m->n) {
			out[k++] = s;
		}
	}
	return k;
}

static int by_id(const void *a, const void *b)
{
	return memcmp((*(const close_stmt_t *const *)a)->id, (*(const close_stmt_t *const *)b)->id, ID);
}

static void stmt_head(const close_member_t *m, close_stmt_t *out, int kind, const close_round_t *r)
{
	memset(out, 0, sizeof *out);
	out->kind = kind;
	memcpy(out->process, m->process, ID);
	memcpy(out->roster, m->roster, ID);
	memcpy(out->author, m->self, KEY_PK_BYTES);
	out->round = *r;
}

/* A statement decided: record it in the durable state (it cannot conflict:
 * every caller checked the rule first). */
static int emit(close_member_t *m, close_stmt_t *out)
{
	int rc = close_durable_apply(&m->d, out);

	if (rc != CLOSE_OK) {	/* a bug: never sign it */
		close_stmt_free(out);
		return WIEC_ERR_ARG;
	}
	return 1;
}

/* Whether the author's statements up to s (its chain prefix, all held)
 * obey the rules: 1, 0, or WIEC_ERR_NOMEM. A liar's promise is caught
 * here, before it can steer a value. */
static int chain_clean(const close_member_t *m, const close_stmt_t *s)
{
	const close_stmt_t **v = malloc(m->nst * sizeof *v);
	size_t k = 0, bad;
	int rc;

	if (v == NULL)
		return WIEC_ERR_NOMEM;
	for (size_t i = 0; i < m->nst; i++)
		if (memcmp(m->st[i].author, s->author, KEY_PK_BYTES) == 0 && m->st[i].seq <= s->seq)
			v[k++] = &m->st[i];
	rc = close_audit(v, k, 1, &bad);
	free(v);
	return rc < 0 ? rc : rc == CLOSE_OK;
}

static int known_valid(const close_member_t *m, const uint8_t id[static ID])
{
	for (size_t i = 0; i < m->nvalid; i++)
		if (memcmp(m->valid + i * ID, id, ID) == 0)
			return 1;
	return 0;
}

static int remember_valid(close_member_t *m, const uint8_t id[static ID])
{
	if (mem_grow((void **)&m->valid, &m->capvalid, m->nvalid + 1, ID) != 0)
		return WIEC_ERR_NOMEM;
	memcpy(m->valid + m->nvalid++ * ID, id, ID);
	return 0;
}

/* The held, valid proposal of round r with value v (the one a promise's
 * reported cosign accepted), or NULL. */
static const close_stmt_t *backing(close_member_t *m, const close_env_t *env,
    const close_round_t *r, const close_value_t *v, size_t depth, int *err)
{
	for (size_t i = 0; i < m->nst; i++) {
		const close_stmt_t *s = &m->st[i];
		int rc;

		if (s->kind != CLOSE_PROPOSAL || !close_round_eq(&s->round, r) ||
		    !close_value_eq(&s->value, v))
			continue;
		rc = close_member_proposal_valid(m, env, s, 0, depth + 1);
		if (rc < 0)
			*err = rc;
		if (rc == 1)
			return s;
	}
	return NULL;
}

/* Whether proposal p is valid as far as the held statements show (1), not
 * or not yet (0), or an error: its promises held, of its round, >= q
 * distinct members, each promiser's chain up to its promise clean; no tie
 * in the highest reported round; a reported value backed by a held valid
 * proposal of that round; the value rule; with tally, the result. Validity
 * only grows as more is held, so it is cached. */
int close_member_proposal_valid(close_member_t *m, const close_env_t *env,
    const close_stmt_t *p, int tally, size_t depth)
{
	const close_stmt_t **pr, *acc;
	int rc = 1, tie, err = 0;

	if (!tally && known_valid(m, p->id))
		return 1;
	if (depth > m->nst)
		return 0;
	pr = malloc(p->npromises * sizeof *pr);
	if (pr == NULL)
		return WIEC_ERR_NOMEM;
	for (size_t i = 0; i < p->npromises && rc == 1; i++) {
		pr[i] = close_member_find(m, p->promises + i * ID);
		if (pr[i] == NULL)
			rc = 0;		/* not held yet */
	}
	if (rc == 1 && !close_promises_ok(p, pr, p->npromises, m->q))
		rc = 0;
	for (size_t i = 0; rc == 1 && i < p->npromises; i++)
		rc = chain_clean(m, pr[i]);
	if (rc == 1) {
		acc = close_highest_acc(pr, p->npromises, &tie);
		if (tie || (acc != NULL &&
		    backing(m, env, &acc->acc_round, &acc->acc_value, depth, &err) == NULL))
			rc = err ? err : 0;
	}
	if (rc == 1) {
		rc = close_value_ok(p, pr, p->npromises, tally ? env : NULL);
		if (rc == CLOSE_OK)
			rc = 1;
		else if (rc > 0)
			rc = 0;
	}
	if (rc == 1 && !known_valid(m, p->id) && remember_valid(m, p->id) != 0)
		rc = WIEC_ERR_NOMEM;
	free(pr);
	return rc;
}

static int try_promise(close_member_t *m, const close_env_t *env, close_stmt_t *out)
{
	const close_stmt_t *best = NULL;
	int rc;

	for (size_t i = 0; i < m->nst; i++) {
		const close_stmt_t *s = &m->st[i];

		if ((s->kind == CLOSE_CLOSE || s->kind == CLOSE_PREPARE) &&
		    s->round.counter <= m->reach &&
		    (best == NULL || close_round_cmp(&s->round, &best->round) > 0))
			best = s;
	}
	if (best == NULL || (m->d.has_promised && close_round_cmp(&best->round, &m->d.promised) <= 0))
		return 0;
	stmt_head(m, out, CLOSE_PROMISE, &best->round);
	rc = env->seal(env->ctx, &out->seal, &out->nseal);
	if (rc != 0) {
		close_stmt_free(out);
		return rc;
	}
	out->has_acc = m->d.has_acc;
	out->acc_round = m->d.acc_round;
	out->acc_value = m->d.acc_value;
	return emit(m, out);
}

static int try_propose(close_member_t *m, const close_env_t *env, close_stmt_t *out)
{
	const close_round_t *r = &m->d.prep_round;
	const close_stmt_t **pr, *acc, *src = NULL;
	size_t np, k = 0;
	int rc, tie;

	if (!m->d.has_prep || (m->d.has_prop && close_round_cmp(&m->d.prop_round, r) >= 0) ||
	    (m->d.has_promised && close_round_cmp(&m->d.promised, r) > 0))
		return 0;
	pr = malloc(m->n * sizeof *pr);
	if (pr == NULL)
		return WIEC_ERR_NOMEM;
	np = round_promises(m, r, pr);
	/* Only promises from clean chains: a misreported cosign is refused. */
	for (size_t i = 0; i < np; i++) {
		rc = chain_clean(m, pr[i]);
		if (rc < 0)
			goto done;
		if (rc == 1)
			pr[k++] = pr[i];
	}
	np = k;
	rc = 0;
	if (np < m->q)
		goto done;
	qsort(pr, np, sizeof *pr, by_id);
	acc = close_highest_acc(pr, np, &tie);
	if (tie)
		goto done;	/* an equivocating proposer's round: no valid value */
	if (acc != NULL) {
		/* Propose that value again: its frontier from its proposal. */
		src = backing(m, env, &acc->acc_round, &acc->acc_value, 0, &rc);
		if (src == NULL)
			goto done;	/* wait until it is held */
	}
	stmt_head(m, out, CLOSE_PROPOSAL, r);
	if (src != NULL) {
		out->value = acc->acc_value;
		rc = close_dup_ids(&out->frontier, src->frontier, src->value.count);
	} else {
		size_t nf;

		rc = close_seal_union(pr, np, &out->frontier, &nf);
		if (rc == 0)
			rc = close_fresh_value(env, out->frontier, nf, &out->value);
	}
	if (rc == 0) {
		out->npromises = np;
		out->promises = malloc(np * ID);
		if (out->promises == NULL)
			rc = WIEC_ERR_NOMEM;
		for (size_t i = 0; rc == 0 && i < np; i++)
			memcpy(out->promises + i * ID, pr[i]->id, ID);
	}
	if (rc == 0)
		rc = emit(m, out);
	else
		close_stmt_free(out);
done:
	free(pr);
	return rc;
}

/* The cosign rule for proposal p: 1 if this member may cosign it now. */
static int cosign_ok(close_member_t *m, const close_env_t *env, const close_stmt_t *p)
{
	if (m->d.has_promised && close_round_cmp(&p->round, &m->d.promised) < 0)
		return 0;
	if (m->d.has_acc && close_round_eq(&p->round, &m->d.acc_round))
		return 0;	/* cosigned this round already */
	for (size_t i = 0; i < p->value.count; i++)
		if (!env->held(env->ctx, p->frontier + i * ID))
			return 0;	/* not every counted event held yet */
	return close_member_proposal_valid(m, env, p, 1, 0);
}

static int try_cosign(close_member_t *m, const close_env_t *env, close_stmt_t *out)
{
	const close_stmt_t *best = NULL;

	/* The highest round first; a lower one only if that cannot be cosigned. */
	for (;;) {
		const close_stmt_t *next = NULL;
		int rc;

		for (size_t i = 0; i < m->nst; i++) {
			const close_stmt_t *s = &m->st[i];

			if (s->kind != CLOSE_PROPOSAL)
				continue;
			if (best != NULL && close_round_cmp(&s->round, &best->round) >= 0)
				continue;
			if (next == NULL || close_round_cmp(&s->round, &next->round) > 0 ||
			    (close_round_eq(&s->round, &next->round) &&
			    memcmp(s->id, next->id, ID) < 0))
				next = s;
		}
		if (next == NULL)
			return 0;
		rc = cosign_ok(m, env, next);
		if (rc < 0)
			return rc;
		if (rc == 1) {
			stmt_head(m, out, CLOSE_COSIGN, &next->round);
			out->value = next->value;
			memcpy(out->proposal, next->id, ID);
			return emit(m, out);
		}
		best = next;
	}
}

/* Prepare the next round this member is designated for, once the current
 * highest round has had its time. */
static int try_timeout(close_member_t *m, uint64_t now, close_stmt_t *out)
{
	close_round_t r;
	uint64_t c, k, per, wait;
	long self = close_find(m->members[0], m->n, m->self);

	if (!m->started || !m->has_max)
		return 0;
	if (!m->has_mark || !close_round_eq(&m->mark, &m->max)) {
		m->mark = m->max;
		m->has_mark = 1;
		m->mark_at = now;
		return 0;
	}
	if (m->max.counter > UINT64_MAX - 2 * (uint64_t)m->n)
		return 0;	/* no counter left above it (never reached: see reach) */
	c = m->max.counter + 1;
	while (c % m->n != (uint64_t)self)
		c++;
	k = c - m->max.counter;
	/* Later rounds wait longer, so a quorum with bounded delays ends up
	 * giving one proposer all the time it needs; saturating. */
	per = 1 + m->max.counter / m->n;
	wait = m->p.timeout == 0 ? 0 : per > UINT64_MAX / m->p.timeout / k ? UINT64_MAX :
	    m->p.timeout * k * per;
	if (now - m->mark_at < wait)
		return 0;
	r.counter = c;
	memcpy(r.proposer, m->self, KEY_PK_BYTES);
	stmt_head(m, out, CLOSE_PREPARE, &r);
	return emit(m, out);
}

int close_member_step(close_member_t *m, const close_env_t *env, uint64_t now, close_stmt_t *out)
{
	int rc;

	memset(out, 0, sizeof *out);
	if (m->certified)
		return 0;
	rc = try_promise(m, env, out);
	if (rc == 0)
		rc = try_propose(m, env, out);
	if (rc == 0)
		rc = try_cosign(m, env, out);
	if (rc == 0)
		rc = try_timeout(m, now, out);
	return rc;
}

int close_member_cert(const close_member_t *m, close_cert_t *c)
{
	const close_stmt_t *p;

	memset(c, 0, sizeof *c);
	if (!m->certified)
		return WIEC_ERR_NOTFOUND;
	p = &m->st[m->cert];
	c->proposal = p;
	c->promises = malloc(p->npromises * sizeof *c->promises);
	c->cosigns = malloc(m->n * sizeof *c->cosigns);
	if (c->promises == NULL || c->cosigns == NULL) {
		close_cert_free(c);
		return WIEC_ERR_NOMEM;
	}
	for (size_t i = 0; i < p->npromises; i++) {
		c->promises[i] = close_member_find(m, p->promises + i * ID);
		if (c->promises[i] == NULL) {
			close_cert_free(c);
			return WIEC_ERR_NOTFOUND;
		}
	}
	c->npromises = p->npromises;
	c->ncosigns = close_member_cosigners(m, p, c->cosigns);
	return 0;
}

void close_cert_free(close_cert_t *c)
{
	free(c->promises);
	free(c->cosigns);
	c->promises = NULL;
	c->cosigns = NULL;
}
