/* The close protocol (model/close.c, spec/close.md): the acceptor rules,
 * the certificate check, and a deterministic seeded simulation of n = 3..7
 * members over a lossy network (drops, delays, reordering, duplicates,
 * crashes and restarts from the durable state, partitions) with ballots
 * arriving before and after the close.
 *
 * WIEC_SIM_CASES=N runs the first N schedules (default 10,000; the
 * valgrind run uses fewer); WIEC_SIM_CASE=N replays schedule N alone, with
 * WIEC_SIM_DEBUG=1 to print its statements. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "crypto/hash.h"
#include "model/close.h"
#include "test.h"

#define SIM_N 7
#define SIM_EV 2048		/* statements and ballots of one schedule */
#define SIM_WORDS (SIM_EV / 64)
#define SIM_BALLOTS 40
#define SIM_WHEEL 128		/* > the longest delay */

/* What the schedules exercised (WIEC_SIM_STATS=1 prints it). */
typedef struct sim_stats {
	unsigned long long schedules, crashes, killed_uncommitted, later_round, two_closes;
	unsigned long long max_counter, max_events, proposals_differ, rounds;
	unsigned long long liar_schedules, liar_caught, liar_twins;
} sim_stats_t;

typedef struct sim_ev {
	int ballot;		/* 1: a ballot; 0: a statement */
	int author;		/* statement: its member */
	uint8_t id[HASH_BYTES];
	close_stmt_t st;
} sim_ev_t;

typedef struct sim_msg {
	int to, ev;
} sim_msg_t;

typedef struct sim_slot {
	sim_msg_t *m;
	size_t n, cap;
} sim_slot_t;

typedef struct sim_node {
	int up;
	int group;		/* partition: messages flow within a group only */
	int dirty;
	close_member_t *m;	/* volatile: lost in a crash */
	uint8_t durable[CLOSE_DURABLE_BYTES];	/* committed with each statement */
	uint64_t seq;		/* its chain: part of the (durable) log */
	uint64_t held[SIM_WORDS];	/* its log: durable */
	uint64_t upto[SIM_N];	/* statements held of each author: 1..upto */
	uint64_t down_until;
} sim_node_t;

typedef struct sim {
	unsigned long long rng;
	int debug;
	size_t n;
	uint32_t q;
	uint8_t keys[SIM_N][KEY_PK_BYTES];
	uint8_t process[HASH_BYTES];
	uint8_t roster[HASH_BYTES];
	close_params_t par;
	sim_node_t node[SIM_N];
	sim_ev_t *ev;
	size_t nev;
	size_t ballot[SIM_BALLOTS];	/* ev index of each ballot */
	uint64_t ballot_at[SIM_BALLOTS];
	int ballot_to[SIM_BALLOTS];
	size_t nballots;
	sim_slot_t wheel[SIM_WHEEL];
	uint64_t now;
	/* network conditions */
	unsigned drop, dup;	/* per mille */
	unsigned delay;		/* 1..delay ticks */
	unsigned slow[SIM_N];	/* extra delay of a node's messages */
	unsigned gossip;	/* a node gossips every ~gossip ticks */
	unsigned crash;		/* per 100,000 node-ticks */
	int failed;
	char why[160];
	/* before the close: ballots a quorum held */
	uint8_t quorum_held[SIM_BALLOTS];
	int closed;
	int liar;		/* a member that signs anything (-1: none) */
	uint8_t *lied;		/* per event: the liar cosigned this proposal */
	sim_stats_t *stats;
} sim_t;

typedef struct sim_env_ctx {
	sim_t *s;
	int node;
} sim_env_ctx_t;

static unsigned rnd(sim_t *s, unsigned n)
{
	return n ? (unsigned)(test_rand(&s->rng) % n) : 0;
}

static void fail(sim_t *s, const char *why)
{
	if (!s->failed)
		snprintf(s->why, sizeof s->why, "t=%llu: %s", (unsigned long long)s->now, why);
	s->failed = 1;
}

static int has(const sim_node_t *nd, size_t ev)
{
	return (nd->held[ev / 64] >> (ev % 64)) & 1;
}

static void set_held(sim_node_t *nd, size_t ev)
{
	nd->held[ev / 64] |= 1ULL << (ev % 64);
}

/* A new event: a random id whose last 4 bytes are its index. */
static long new_ev(sim_t *s)
{
	sim_ev_t *e;

	if (s->nev == SIM_EV) {
		fail(s, "too many events");
		return -1;
	}
	e = &s->ev[s->nev];
	memset(e, 0, sizeof *e);
	for (int i = 0; i < 28; i += 8) {
		unsigned long long r = test_rand(&s->rng);

		memcpy(e->id + i, &r, i + 8 <= 28 ? 8 : 28 - i);
	}
	e->id[28] = (uint8_t)(s->nev >> 24);
	e->id[29] = (uint8_t)(s->nev >> 16);
	e->id[30] = (uint8_t)(s->nev >> 8);
	e->id[31] = (uint8_t)s->nev;
	return (long)s->nev++;
}

static long ev_of(const sim_t *s, const uint8_t id[static HASH_BYTES])
{
	size_t i = ((size_t)id[28] << 24) | ((size_t)id[29] << 16) | ((size_t)id[30] << 8) | id[31];

	if (i >= s->nev || memcmp(s->ev[i].id, id, HASH_BYTES) != 0)
		return -1;
	return (long)i;
}

static int env_held(void *ctx, const uint8_t id[static HASH_BYTES])
{
	sim_env_ctx_t *c = ctx;
	long e = ev_of(c->s, id);

	return e >= 0 && has(&c->s->node[c->node], (size_t)e);
}

static int cmp_id(const void *a, const void *b)
{
	return memcmp(a, b, HASH_BYTES);
}

static int env_seal(void *ctx, uint8_t **ids, size_t *n)
{
	sim_env_ctx_t *c = ctx;
	sim_t *s = c->s;
	size_t k = 0;

	*ids = malloc(SIM_BALLOTS * HASH_BYTES);
	if (*ids == NULL)
		return WIEC_ERR_NOMEM;
	for (size_t b = 0; b < s->nballots; b++)
		if (has(&s->node[c->node], s->ballot[b]))
			memcpy(*ids + k++ * HASH_BYTES, s->ev[s->ballot[b]].id, HASH_BYTES);
	qsort(*ids, k, HASH_BYTES, cmp_id);
	*n = k;
	return 0;
}

/* The "tally": any deterministic function of exactly the frontier. */
static int env_tally(void *ctx, const uint8_t *ids, size_t n, uint8_t result[static HASH_BYTES])
{
	(void)ctx;
	hash_2(result, "tally", 5, ids, n * HASH_BYTES);
	return 0;
}

static int linked(const sim_t *s, int a, int b)
{
	return s->node[a].up && s->node[b].up && s->node[a].group == s->node[b].group;
}

static void send(sim_t *s, int from, int to, size_t ev)
{
	int copies = 1 + (rnd(s, 1000) < s->dup);

	if (!linked(s, from, to))
		return;
	while (copies-- > 0) {
		sim_slot_t *sl;

		if (rnd(s, 1000) < s->drop)
			continue;
		sl = &s->wheel[(s->now + 1 + rnd(s, s->delay) + s->slow[from]) % SIM_WHEEL];
		if (sl->n == sl->cap) {
			size_t cap = sl->cap ? 2 * sl->cap : 64;
			sim_msg_t *m = realloc(sl->m, cap * sizeof *m);

			if (m == NULL) {
				fail(s, "no memory");
				return;
			}
			sl->m = m;
			sl->cap = cap;
		}
		sl->m[sl->n++] = (sim_msg_t){ to, (int)ev };
	}
}

static void debug_stmt(const sim_t *s, int node, const close_stmt_t *st)
{
	static const char *const kinds[] = { "?", "close", "prepare", "promise", "proposal", "cosign" };

	if (!s->debug)
		return;
	fprintf(stderr, "  t=%llu n%d %s round (%llu, n%d)", (unsigned long long)s->now, node,
	    kinds[st->kind], (unsigned long long)st->round.counter, st->round.proposer[0]);
	if (st->kind == CLOSE_PROMISE)
		fprintf(stderr, " seal %zu acc %s", st->nseal, st->has_acc ? "yes" : "none");
	if (st->kind == CLOSE_PROPOSAL || st->kind == CLOSE_COSIGN)
		fprintf(stderr, " value %02x%02x.. count %llu", st->value.root[0], st->value.root[1],
		    (unsigned long long)st->value.count);
	fprintf(stderr, "\n");
}

/* A node receives an event it did not hold. */
static void receive(sim_t *s, int i, size_t ev)
{
	sim_node_t *nd = &s->node[i];

	if (has(nd, ev))
		return;
	if (!s->ev[ev].ballot) {
		/* An author's event is held only after all its earlier ones
		 * (spec/events.md section 4); an early one waits for gossip. */
		if (s->ev[ev].st.seq != nd->upto[s->ev[ev].author] + 1)
			return;
		nd->upto[s->ev[ev].author]++;
	}
	set_held(nd, ev);
	nd->dirty = 1;
	if (!s->ev[ev].ballot && close_member_observe(nd->m, &s->ev[ev].st) != 0)
		fail(s, "observe failed");
}

/* Signs, commits (event and durable state together) and pushes one
 * statement the machine decided. */
static void post(sim_t *s, int i, close_stmt_t *st)
{
	sim_node_t *nd = &s->node[i];
	long e = new_ev(s);

	if (e < 0) {
		close_stmt_free(st);
		return;
	}
	st->seq = ++nd->seq;
	memcpy(st->id, s->ev[e].id, HASH_BYTES);
	s->ev[e].st = *st;	/* the pool owns it now */
	s->ev[e].author = i;
	memset(st, 0, sizeof *st);
	close_durable_encode(close_member_durable(nd->m), nd->durable);
	debug_stmt(s, i, &s->ev[e].st);
	receive(s, i, (size_t)e);
	for (size_t j = 0; j < s->n; j++)
		if ((int)j != i)
			send(s, i, (int)j, (size_t)e);
}

static void crash(sim_t *s, int i, uint64_t until)
{
	sim_node_t *nd = &s->node[i];

	if (!nd->up)
		return;
	close_member_destroy(&nd->m);
	nd->up = 0;
	s->stats->crashes++;
	nd->down_until = until;
	if (s->debug)
		fprintf(stderr, "  t=%llu n%d crashes\n", (unsigned long long)s->now, i);
}

/* Restart from the durable part only: the committed state and the log. */
static void restart(sim_t *s, int i)
{
	sim_node_t *nd = &s->node[i];
	close_durable_t d, replay;
	const close_stmt_t *own[SIM_EV];
	size_t nown = 0;
	uint8_t a[CLOSE_DURABLE_BYTES], b[CLOSE_DURABLE_BYTES];

	if (nd->up)
		return;
	if (close_durable_decode(&d, nd->durable) != 0) {
		fail(s, "durable state does not decode");
		return;
	}
	/* The committed state is exactly what the member's own statements imply. */
	memset(&replay, 0, sizeof replay);
	for (size_t e = 0; e < s->nev; e++)
		if (!s->ev[e].ballot && s->ev[e].author == i && has(nd, e))
			own[nown++] = &s->ev[e].st;
	for (size_t k = 0; k < nown; k++)	/* pool order is seq order */
		if (close_durable_apply(&replay, own[k]) != CLOSE_OK)
			fail(s, "own statements conflict on replay");
	close_durable_encode(&replay, a);
	close_durable_encode(&d, b);
	if (memcmp(a, b, sizeof a) != 0)
		fail(s, "durable state differs from the replay of own statements");
	nd->m = close_member_new(s->process, s->roster, (const uint8_t (*)[KEY_PK_BYTES])s->keys,
	    s->n, s->q,
	    s->keys[i], &d, &s->par);
	if (nd->m == NULL) {
		fail(s, "close_member_new");
		return;
	}
	for (size_t e = 0; e < s->nev; e++)
		if (!s->ev[e].ballot && has(nd, e) && close_member_observe(nd->m, &s->ev[e].st) != 0)
			fail(s, "observe failed");
	nd->up = 1;
	nd->dirty = 1;
	if (s->debug)
		fprintf(stderr, "  t=%llu n%d restarts\n", (unsigned long long)s->now, i);
}

static int by_stmt_id(const void *a, const void *b)
{
	return memcmp((*(const close_stmt_t *const *)a)->id, (*(const close_stmt_t *const *)b)->id,
	    HASH_BYTES);
}

/* The liar's second proposal for the round of its proposal e that passes
 * the value rule: the union over another q of the promises it holds. */
static void valid_twin(sim_t *s, int i, size_t e)
{
	const close_stmt_t *pr[SIM_N], *p = &s->ev[e].st;
	close_stmt_t t;
	uint8_t *ids;
	size_t np = 0, k = 0;

	for (size_t x = 0; x < s->nev && np < SIM_N; x++) {
		const close_stmt_t *c = &s->ev[x].st;
		int dup = 0;

		if (s->ev[x].ballot || c->kind != CLOSE_PROMISE || !has(&s->node[i], x) ||
		    close_round_cmp(&c->round, &p->round) != 0)
			continue;
		for (size_t y = 0; y < np; y++)
			dup |= s->ev[ev_of(s, pr[y]->id)].author == s->ev[x].author;
		if (!dup)
			pr[np++] = c;
	}
	if (np <= s->q)
		return;		/* no other quorum of promises yet */
	s->lied[e] |= 2;
	/* Drop one at random, keep q. */
	pr[rnd(s, (unsigned)np)] = pr[np - 1];
	np = s->q;
	qsort(pr, np, sizeof *pr, by_stmt_id);
	memset(&t, 0, sizeof t);
	t.kind = CLOSE_PROPOSAL;
	memcpy(t.process, s->process, HASH_BYTES);
	memcpy(t.roster, s->roster, HASH_BYTES);
	memcpy(t.author, s->keys[i], KEY_PK_BYTES);
	t.round = p->round;
	ids = malloc(SIM_N * SIM_BALLOTS * HASH_BYTES);
	t.promises = malloc(np * HASH_BYTES);
	if (ids == NULL || t.promises == NULL) {
		free(ids);
		free(t.promises);
		fail(s, "no memory");
		return;
	}
	t.npromises = np;
	for (size_t y = 0; y < np; y++) {
		memcpy(t.promises + y * HASH_BYTES, pr[y]->id, HASH_BYTES);
		if (pr[y]->nseal > 0)
			memcpy(ids + k * HASH_BYTES, pr[y]->seal, pr[y]->nseal * HASH_BYTES);
		k += pr[y]->nseal;
	}
	qsort(ids, k, HASH_BYTES, cmp_id);
	t.value.count = 0;
	for (size_t y = 0; y < k; y++)
		if (t.value.count == 0 || memcmp(ids + (t.value.count - 1) * HASH_BYTES,
		    ids + y * HASH_BYTES, HASH_BYTES) != 0)
			memmove(ids + t.value.count++ * HASH_BYTES, ids + y * HASH_BYTES, HASH_BYTES);
	t.frontier = ids;
	close_frontier_root(t.value.root, ids, t.value.count);
	env_tally(NULL, ids, t.value.count, t.value.result);
	if (close_value_eq(&t.value, &p->value)) {
		close_stmt_free(&t);
		return;
	}
	s->stats->liar_twins++;
	post(s, i, &t);
}

/* The liar: cosigns every proposal it holds, whatever its round or value;
 * hides its last cosign in half its promises; as a proposer, proposes a
 * second value in the same round. */
static void lie(sim_t *s, int i, close_stmt_t *st)
{
	long twin = -1;

	if (st->kind == CLOSE_PROMISE && rnd(s, 2))
		st->has_acc = 0;
	if (st->kind == CLOSE_PROPOSAL && st->value.count > 0)
		twin = (long)s->nev;
	if (st->kind != 0)
		post(s, i, st);
	if (twin >= 0 && (size_t)twin < s->nev) {
		close_stmt_t t;

		if (close_stmt_copy(&t, &s->ev[twin].st) != 0) {
			fail(s, "no memory");
			return;
		}
		t.value.count--;	/* one ballot fewer: not the union */
		close_frontier_root(t.value.root, t.frontier, t.value.count);
		env_tally(NULL, t.frontier, t.value.count, t.value.result);
		post(s, i, &t);
	}
	for (size_t e = 0; e < s->nev; e++)
		if (!s->ev[e].ballot && s->ev[e].author == i && s->ev[e].st.kind == CLOSE_PROPOSAL &&
		    !(s->lied[e] & 2))
			valid_twin(s, i, e);
	for (size_t e = 0; e < s->nev; e++) {
		close_stmt_t c;
		const close_stmt_t *p = &s->ev[e].st;

		if (s->ev[e].ballot || p->kind != CLOSE_PROPOSAL || (s->lied[e] & 1) ||
		    !has(&s->node[i], e))
			continue;
		s->lied[e] |= 1;
		memset(&c, 0, sizeof c);
		c.kind = CLOSE_COSIGN;
		memcpy(c.process, s->process, HASH_BYTES);
		memcpy(c.roster, s->roster, HASH_BYTES);
		memcpy(c.author, s->keys[i], KEY_PK_BYTES);
		c.round = p->round;
		c.value = p->value;
		memcpy(c.proposal, p->id, HASH_BYTES);
		post(s, i, &c);
	}
}

static void run_node(sim_t *s, int i)
{
	sim_node_t *nd = &s->node[i];
	sim_env_ctx_t ctx = { s, i };
	close_env_t env = { &ctx, env_held, env_seal, env_tally };
	close_stmt_t st;

	if (!nd->up)
		return;
	if (!nd->dirty && s->now % 4 != 0)
		return;
	nd->dirty = 0;
	for (int k = 0; k < 16 && !s->failed; k++) {
		int rc = close_member_step(nd->m, &env, s->now, &st);

		if (rc < 0)
			fail(s, "step failed");
		if (i == s->liar) {
			if (rc == 1)
				lie(s, i, &st);
			else
				lie(s, i, &(close_stmt_t){ .kind = 0 });
			if (rc != 1)
				return;
			continue;
		}
		if (rc != 1)
			return;
		if (rnd(s, 1000) < 2) {
			/* Killed before the commit: neither the statement nor the
			 * state survives, so nothing was signed. */
			close_stmt_free(&st);
			s->stats->killed_uncommitted++;
			crash(s, i, s->now + 1 + rnd(s, 60));
			return;
		}
		post(s, i, &st);
	}
}

static void gossip(sim_t *s, int i)
{
	sim_node_t *a = &s->node[i];
	int j;

	if (!a->up || rnd(s, s->gossip) != 0)
		return;
	j = (int)rnd(s, (unsigned)s->n - 1);
	if (j >= i)
		j++;
	if (!linked(s, i, j))
		return;
	for (size_t w = 0; w < (s->nev + 63) / 64; w++) {
		uint64_t diff = a->held[w] & ~s->node[j].held[w];

		while (diff) {
			int b = __builtin_ctzll(diff);

			diff &= diff - 1;
			send(s, i, j, w * 64 + (size_t)b);
		}
	}
}

static void try_close(sim_t *s, int i, int first)
{
	sim_node_t *nd = &s->node[i];
	close_stmt_t st;

	if (!nd->up)
		return;
	if (first) {
		/* Which ballots a quorum holds before any Close exists. */
		for (size_t b = 0; b < s->nballots; b++) {
			uint32_t k = 0;

			for (size_t j = 0; j < s->n; j++)
				k += (uint32_t)has(&s->node[j], s->ballot[b]);
			s->quorum_held[b] = k >= s->q;
		}
		s->closed = 1;
	}
	if (close_member_start(nd->m, &st) == 0) {
		s->stats->two_closes += !first;
		post(s, i, &st);
	}
}

static void tick(sim_t *s)
{
	sim_slot_t *sl = &s->wheel[s->now % SIM_WHEEL];

	for (size_t k = 0; k < sl->n; k++)
		if (s->node[sl->m[k].to].up)
			receive(s, sl->m[k].to, (size_t)sl->m[k].ev);
	sl->n = 0;
	for (size_t b = 0; b < s->nballots; b++)
		if (s->ballot_at[b] == s->now && s->node[s->ballot_to[b]].up)
			receive(s, s->ballot_to[b], s->ballot[b]);
	for (size_t i = 0; i < s->n; i++) {
		if (!s->node[i].up && s->node[i].down_until == s->now)
			restart(s, (int)i);
		run_node(s, (int)i);
		gossip(s, (int)i);
	}
	s->now++;
}

/* Every certificate anyone could assemble from everything ever signed:
 * the proposals with >= q distinct members' cosigns. All must agree. */
static long certified(sim_t *s)
{
	long found = -1;

	for (size_t e = 0; e < s->nev; e++) {
		const close_stmt_t *p = &s->ev[e].st;
		uint8_t who[SIM_N] = { 0 };
		uint32_t k = 0;

		if (s->ev[e].ballot || p->kind != CLOSE_PROPOSAL)
			continue;
		for (size_t c = 0; c < s->nev; c++) {
			const close_stmt_t *t = &s->ev[c].st;

			if (!s->ev[c].ballot && t->kind == CLOSE_COSIGN &&
			    memcmp(t->proposal, p->id, HASH_BYTES) == 0 && !who[s->ev[c].author]) {
				who[s->ev[c].author] = 1;
				k++;
			}
		}
		if (k < s->q)
			continue;
		if (found >= 0 && !close_value_eq(&s->ev[found].st.value, &p->value))
			fail(s, "two certificates with different values");
		if (found < 0)
			found = (long)e;
	}
	return found;
}

static void sim_free(sim_t *s)
{
	for (size_t i = 0; i < s->n; i++)
		close_member_destroy(&s->node[i].m);
	for (size_t e = 0; e < s->nev; e++)
		close_stmt_free(&s->ev[e].st);
	for (int w = 0; w < SIM_WHEEL; w++)
		free(s->wheel[w].m);
	free(s->ev);
	free(s->lied);
}

/* The final checks: agreement, quorum-held ballots counted, no honest
 * member conflicting, the certificate checks (and broken ones do not). */
static void final_checks(sim_t *s, int mutate)
{
	long c = certified(s);
	const close_stmt_t *own[SIM_EV];

	for (size_t i = 0; i < s->n; i++) {
		size_t nown = 0, bad = 0;

		for (size_t e = 0; e < s->nev; e++)
			if (!s->ev[e].ballot && s->ev[e].author == (int)i)
				own[nown++] = &s->ev[e].st;
		if (close_audit(own, nown, 1, &bad) == CLOSE_OK)
			continue;
		if ((int)i == s->liar)
			s->stats->liar_caught++;
		else
			fail(s, "an honest member signed conflicting statements");
	}
	/* The auditor's view: the whole log. */
	{
		const close_stmt_t **all = malloc(SIM_EV * sizeof *all);
		close_report_t *rep = malloc(sizeof *rep);
		close_env_t env = { NULL, NULL, NULL, env_tally };
		size_t k = 0;

		if (all == NULL || rep == NULL) {
			fail(s, "no memory");
		} else {
			for (size_t e = 0; e < s->nev; e++)
				if (!s->ev[e].ballot)
					all[k++] = &s->ev[e].st;
			if (close_log_audit(all, k, s->process, s->roster,
			    (const uint8_t (*)[KEY_PK_BYTES])s->keys, s->n, s->q, &env, rep) != 0)
				fail(s, "close_log_audit failed");
			else if (rep->split || rep->certified != (c >= 0) ||
			    (c >= 0 && (!rep->cert_valid ||
			    !close_value_eq(&rep->value, &s->ev[c].st.value))))
				fail(s, "the log audit disagrees");
			for (size_t b = 0; b < rep->nbad; b++)
				if (s->liar < 0 || memcmp(rep->bad_member[b], s->keys[s->liar],
				    KEY_PK_BYTES) != 0)
					fail(s, "the log audit blames an honest member");
		}
		free(all);
		free(rep);
	}
	if (c < 0)
		return;
	{
		sim_stats_t *t = s->stats;
		int differ = 0;

		t->schedules++;
		t->later_round += s->ev[c].st.round.counter > 0;
		t->max_events = s->nev > t->max_events ? s->nev : t->max_events;
		for (size_t e = 0; e < s->nev; e++) {
			const close_stmt_t *p = &s->ev[e].st;

			if (s->ev[e].ballot)
				continue;
			if (p->round.counter > t->max_counter)
				t->max_counter = p->round.counter;
			t->rounds += p->kind == CLOSE_CLOSE || p->kind == CLOSE_PREPARE;
			differ |= p->kind == CLOSE_PROPOSAL && !close_value_eq(&p->value, &s->ev[c].st.value);
		}
		t->proposals_differ += differ;
	}
	for (size_t b = 0; b < s->nballots; b++) {
		const close_stmt_t *p = &s->ev[c].st;
		uint8_t *id = s->ev[s->ballot[b]].id;
		int in = 0;

		for (size_t k = 0; k < p->value.count && !in; k++)
			in = memcmp(p->frontier + k * HASH_BYTES, id, HASH_BYTES) == 0;
		if (s->quorum_held[b] && !in)
			fail(s, "a ballot a quorum held before the close is not counted");
	}
	for (size_t i = 0; i < s->n; i++) {
		sim_node_t *nd = &s->node[i];
		close_round_t r;
		close_value_t v;
		uint8_t pid[HASH_BYTES];
		close_cert_t cert;
		close_env_t env = { NULL, NULL, NULL, env_tally };
		int rc;

		if (!nd->up || (int)i == s->liar || !close_member_certified(nd->m, &r, &v, pid))
			continue;
		if (!close_value_eq(&v, &s->ev[c].st.value))
			fail(s, "a member certified another value");
		if (close_member_cert(nd->m, &cert) != 0) {
			fail(s, "certificate not assembled");
			continue;
		}
		rc = close_cert_check(&cert, s->process, s->roster, (const uint8_t (*)[KEY_PK_BYTES])s->keys,
		    s->n, s->q, &env);
		if (rc != 0)
			fail(s, "a certificate does not check");
		if (mutate) {
			close_cert_t bad = cert;
			const close_stmt_t *co[SIM_N + 1];

			bad.ncosigns = s->q - 1;
			if (close_cert_check(&bad, s->process, s->roster, (const uint8_t (*)[KEY_PK_BYTES])s->keys,
			    s->n, s->q, &env) != CLOSE_BAD_COSIGNS)
				fail(s, "a certificate with q-1 cosigns checks");
			memcpy(co, cert.cosigns, cert.ncosigns * sizeof *co);
			co[1] = co[0];
			bad = cert;
			bad.cosigns = co;
			if (close_cert_check(&bad, s->process, s->roster, (const uint8_t (*)[KEY_PK_BYTES])s->keys,
			    s->n, s->q, &env) != CLOSE_BAD_COSIGNS)
				fail(s, "a certificate with a repeated cosigner checks");
			bad = cert;
			bad.npromises = cert.npromises - 1;
			if (close_cert_check(&bad, s->process, s->roster, (const uint8_t (*)[KEY_PK_BYTES])s->keys,
			    s->n, s->q, &env) != CLOSE_BAD_PROMISES)
				fail(s, "a certificate missing a promise checks");
		}
		close_cert_free(&cert);
	}
}

/* One schedule. kind 0: random chaos, then a quorum connected for long
 * enough; kind 1: n = 4 split 2|2 from the start, no crashes: no
 * certificate until it heals, then one. */
static int sim_case(unsigned long long seed, int kind, sim_stats_t *st, char *why, size_t whylen)
{
	sim_t *s = calloc(1, sizeof *s);
	uint64_t chaos, close_at, second_at, stable_end;
	int rc = -1, closer, second;

	if (s == NULL)
		return -1;
	s->rng = seed | 1;
	s->stats = st;
	s->debug = getenv("WIEC_SIM_DEBUG") != NULL;
	s->ev = calloc(SIM_EV, sizeof *s->ev);
	s->lied = calloc(SIM_EV, 1);
	s->liar = -1;
	if (s->ev == NULL || s->lied == NULL)
		goto out;
	s->n = kind == 1 ? 4 : kind == 2 ? 4 + rnd(s, 4) : 3 + rnd(s, 5);
	s->q = (uint32_t)(s->n / 2 + 1 + (s->n >= 4 && rnd(s, 3) == 0));
	if (s->n == 4)
		s->q = 3;
	if (kind == 2) {
		/* One liar: 2q - n >= 2, so two quorums share an honest member. */
		s->q = (uint32_t)((s->n + 3) / 2);
		s->liar = (int)rnd(s, (unsigned)s->n);
		st->liar_schedules++;
	}
	for (size_t i = 0; i < s->n; i++) {
		memset(s->keys[i], 0, KEY_PK_BYTES);
		s->keys[i][0] = (uint8_t)i;	/* sorted: index i is key order */
		s->keys[i][1] = (uint8_t)rnd(s, 256);
	}
	for (int i = 0; i < HASH_BYTES; i++) {
		s->process[i] = (uint8_t)rnd(s, 256);
		s->roster[i] = (uint8_t)rnd(s, 256);
	}
	s->par.timeout = 4 + rnd(s, 40);
	s->drop = rnd(s, 4) == 0 ? 0 : rnd(s, 600);
	s->dup = rnd(s, 300);
	s->delay = 1 + rnd(s, 12);
	s->gossip = 2 + rnd(s, 6);
	for (size_t i = 0; i < s->n; i++)
		s->slow[i] = rnd(s, 4) == 0 ? rnd(s, 100) : 0;
	s->crash = kind == 1 ? 0 : rnd(s, 200);
	chaos = 60 + rnd(s, 400);
	for (size_t i = 0; i < s->n; i++) {
		s->node[i].up = 0;
		s->node[i].down_until = 0;
		s->node[i].group = kind == 1 ? (int)(i / 2) : 0;
		memset(s->node[i].durable, 0, sizeof s->node[i].durable);
		{
			close_durable_t d;

			memset(&d, 0, sizeof d);
			close_durable_encode(&d, s->node[i].durable);
		}
	}
	for (size_t i = 0; i < s->n; i++)
		restart(s, (int)i);
	s->nballots = 4 + rnd(s, SIM_BALLOTS - 4);
	for (size_t b = 0; b < s->nballots; b++) {
		long e = new_ev(s);

		if (e < 0)
			goto out;
		s->ev[e].ballot = 1;
		s->ballot[b] = (size_t)e;
		s->ballot_at[b] = rnd(s, (unsigned)chaos + 100);
		s->ballot_to[b] = (int)rnd(s, (unsigned)s->n);
	}
	close_at = rnd(s, (unsigned)chaos);
	closer = (int)rnd(s, (unsigned)s->n);
	second = rnd(s, 3) == 0 ? (int)rnd(s, (unsigned)s->n) : -1;
	second_at = close_at + rnd(s, 100);
	while (s->now < chaos && !s->failed) {
		if (s->now >= close_at && !s->closed) {
			/* If that owner is down, another closes a tick later. */
			try_close(s, closer, 1);
			closer = (closer + 1) % (int)s->n;
		}
		if (second >= 0 && s->now == second_at && s->closed)
			try_close(s, second, 0);
		if (kind == 0) {
			for (size_t i = 0; i < s->n; i++)
				if (s->node[i].up && (int)i != s->liar && rnd(s, 100000) < s->crash)
					crash(s, (int)i, s->now + 1 + rnd(s, 150));
			if (rnd(s, 150) == 0)	/* a new partition (or none) */
				for (size_t i = 0; i < s->n; i++)
					s->node[i].group = rnd(s, 2) ? 0 : (int)rnd(s, 3);
		}
		tick(s);
	}
	if (kind == 1 && !s->failed && certified(s) >= 0)
		fail(s, "a certificate formed in a 2|2 partition");
	/* Heal: a quorum (or more) up and connected; the rest down or apart. */
	{
		size_t want = kind != 0 ? s->n : s->q + rnd(s, (unsigned)(s->n - s->q + 1));
		size_t order[SIM_N];

		for (size_t i = 0; i < s->n; i++)
			order[i] = i;
		for (size_t i = s->n - 1; i > 0; i--) {
			size_t j = rnd(s, (unsigned)i + 1), t = order[i];

			order[i] = order[j];
			order[j] = t;
		}
		for (size_t k = 0; k < s->n; k++) {
			size_t i = order[k];

			if (k < want) {
				s->node[i].group = 0;
				if (!s->node[i].up)
					restart(s, (int)i);
			} else if (rnd(s, 2)) {
				crash(s, (int)i, UINT64_MAX);
			} else {
				s->node[i].group = 1 + (int)k;
			}
		}
		/* An owner of the quorum closes (again) if none of it holds a
		 * Close: the one posted may be held only by the members now gone. */
		{
			int any = 0;

			for (size_t k = 0; k < want; k++)
				for (size_t e = 0; e < s->nev; e++)
					any |= !s->ev[e].ballot && s->ev[e].st.kind == CLOSE_CLOSE &&
					    has(&s->node[order[k]], e);
			if (!any)
				try_close(s, (int)order[0], !s->closed);
		}
		if (s->drop > 300)
			s->drop = 300;
		memset(s->slow, 0, sizeof s->slow);
		stable_end = s->now + 20000;
		while (s->now < stable_end && !s->failed) {
			int done = 1;

			for (size_t k = 0; k < want; k++) {
				close_round_t r;
				close_value_t v;
				uint8_t pid[HASH_BYTES];

				if ((int)order[k] == s->liar)
					continue;
				done &= s->node[order[k]].up &&
				    close_member_certified(s->node[order[k]].m, &r, &v, pid);
			}
			if (done)
				break;
			tick(s);
		}
		if (s->now >= stable_end)
			fail(s, "no certificate though a quorum was connected");
	}
	final_checks(s, seed % 16 == 0);
	if (!s->failed && certified(s) < 0)
		fail(s, "no certificate at the end");
	rc = s->failed ? -1 : 0;
	if (s->failed)
		snprintf(why, whylen, "n=%zu q=%u: %s", s->n, s->q, s->why);
out:
	sim_free(s);
	free(s);
	return rc;
}

TEST(close_sim_10000_schedules)
{
	const char *one = getenv("WIEC_SIM_CASE"), *many = getenv("WIEC_SIM_CASES");
	unsigned long long first = one ? strtoull(one, NULL, 10) : 1;
	unsigned long long last = one ? first : many ? strtoull(many, NULL, 10) : 10000;
	unsigned long long failed = 0;
	sim_stats_t st;
	char why[256];

	memset(&st, 0, sizeof st);
	for (unsigned long long c = first; c <= last; c++) {
		int kind = c % 10 == 0 ? 1 : c % 10 == 5 ? 2 : 0;

		if (sim_case(c * 0x9E3779B97F4A7C15ULL, kind, &st, why, sizeof why) != 0 &&
		    failed++ < 5)
			fprintf(stderr, "  schedule %llu: %s\n", c, why);
	}
	if (failed > 0)
		fprintf(stderr, "  %llu of %llu schedules failed\n", failed, last - first + 1);
	if (getenv("WIEC_SIM_STATS"))
		fprintf(stderr, "  %llu certified; %llu in a round after the first, %llu with another "
		    "value proposed first; rounds %llu (highest counter %llu); %llu second closes; "
		    "%llu crashes, %llu before a commit; at most %llu events; %llu with a liar, "
		    "caught in %llu, %llu second proposals\n", st.schedules,
		    st.later_round, st.proposals_differ, st.rounds, st.max_counter, st.two_closes,
		    st.crashes, st.killed_uncommitted, st.max_events, st.liar_schedules,
		    st.liar_caught, st.liar_twins);
	CHECK_EQ_U64(failed, 0);
}

/* --- hand-made statements ------------------------------------------------ */

#define U_N 4

typedef struct ufix {
	uint8_t keys[U_N + 1][KEY_PK_BYTES];	/* the first U_N, or all for n = 5 */
	uint8_t process[HASH_BYTES];
	uint8_t roster[HASH_BYTES];
	uint64_t next;		/* ids and seqs */
	uint8_t seal[3][HASH_BYTES];
} ufix_t;

static void ufix_init(ufix_t *f)
{
	memset(f, 0, sizeof *f);
	for (int i = 0; i <= U_N; i++)
		f->keys[i][0] = (uint8_t)(0x10 * (i + 1));
	memset(f->process, 0xab, HASH_BYTES);
	memset(f->roster, 0x3c, HASH_BYTES);
	for (int i = 0; i < 3; i++)
		f->seal[i][0] = (uint8_t)(0x20 + i);
}

static close_round_t uround(const ufix_t *f, uint64_t c, int who)
{
	close_round_t r;

	r.counter = c;
	memcpy(r.proposer, f->keys[who], KEY_PK_BYTES);
	return r;
}

static void ustmt(ufix_t *f, close_stmt_t *s, int kind, int author, close_round_t r)
{
	memset(s, 0, sizeof *s);
	s->kind = kind;
	memcpy(s->author, f->keys[author], KEY_PK_BYTES);
	memcpy(s->process, f->process, HASH_BYTES);
	memcpy(s->roster, f->roster, HASH_BYTES);
	s->round = r;
	s->seq = ++f->next;
	s->id[0] = 0xee;
	s->id[31] = (uint8_t)f->next;
}

static int utally(void *ctx, const uint8_t *ids, size_t n, uint8_t result[static HASH_BYTES])
{
	(void)ctx;
	hash_2(result, "tally", 5, ids, n * HASH_BYTES);
	return 0;
}

/* A promise with seal = the first k fixture ids. */
static void upromise(ufix_t *f, close_stmt_t *s, int author, close_round_t r, size_t k)
{
	ustmt(f, s, CLOSE_PROMISE, author, r);
	s->seal = malloc(3 * HASH_BYTES);
	memcpy(s->seal, f->seal, k * HASH_BYTES);
	s->nseal = k;
}

/* A proposal resting on pr[0..np) with the value of the union of seals. */
static void upropose(ufix_t *f, close_stmt_t *s, int author, close_round_t r,
    close_stmt_t *const *pr, size_t np, size_t k)
{
	ustmt(f, s, CLOSE_PROPOSAL, author, r);
	s->frontier = malloc(3 * HASH_BYTES);
	memcpy(s->frontier, f->seal, k * HASH_BYTES);
	s->value.count = k;
	close_frontier_root(s->value.root, s->frontier, k);
	utally(NULL, s->frontier, k, s->value.result);
	s->promises = malloc(np * HASH_BYTES);
	s->npromises = np;
	/* sorted: ids differ in the last byte only, pr in increasing order */
	for (size_t i = 0; i < np; i++)
		memcpy(s->promises + i * HASH_BYTES, pr[i]->id, HASH_BYTES);
}

static void ucosign(ufix_t *f, close_stmt_t *s, int author, const close_stmt_t *p)
{
	ustmt(f, s, CLOSE_COSIGN, author, p->round);
	s->value = p->value;
	memcpy(s->proposal, p->id, HASH_BYTES);
}

TEST(close_durable_roundtrip)
{
	close_durable_t d, e;
	uint8_t a[CLOSE_DURABLE_BYTES], b[CLOSE_DURABLE_BYTES];

	memset(&d, 0, sizeof d);
	d.has_promised = d.has_acc = 1;
	d.promised.counter = 7;
	d.promised.proposer[3] = 9;
	d.acc_round.counter = 5;
	d.acc_value.count = 42;
	d.acc_value.root[0] = 1;
	d.acc_value.result[31] = 2;
	close_durable_encode(&d, a);
	CHECK(close_durable_decode(&e, a) == 0);
	close_durable_encode(&e, b);
	CHECK(memcmp(a, b, sizeof a) == 0);
	CHECK(e.promised.counter == 7 && e.acc_value.count == 42 && e.has_prop == 0);
	b[0] ^= 1;
	CHECK(close_durable_decode(&e, b) == WIEC_ERR_DECODE);
	memcpy(b, a, sizeof a);
	b[CLOSE_DURABLE_BYTES - 1] = 1;
	CHECK(close_durable_decode(&e, b) == WIEC_ERR_DECODE);
	memcpy(b, a, sizeof a);
	b[16] = 2;	/* a flag that is neither 0 nor 1 */
	CHECK(close_durable_decode(&e, b) == WIEC_ERR_DECODE);
}

TEST(close_statements_ill_formed)
{
	ufix_t f;
	close_stmt_t s;

	ufix_init(&f);
	/* Round (1, K) belongs to keys[1 mod 4] only. */
	ustmt(&f, &s, CLOSE_PREPARE, 2, uround(&f, 1, 2));
	CHECK(close_stmt_check(&s, f.process, f.roster, f.keys, U_N) == CLOSE_BAD_FORM);
	ustmt(&f, &s, CLOSE_PREPARE, 1, uround(&f, 1, 1));
	CHECK(close_stmt_check(&s, f.process, f.roster, f.keys, U_N) == 0);
	ustmt(&f, &s, CLOSE_PREPARE, 1, uround(&f, 0, 1));	/* counter 0 is a Close's */
	CHECK(close_stmt_check(&s, f.process, f.roster, f.keys, U_N) == CLOSE_BAD_FORM);
	ustmt(&f, &s, CLOSE_CLOSE, 3, uround(&f, 0, 2));	/* a Close opens its author's round */
	CHECK(close_stmt_check(&s, f.process, f.roster, f.keys, U_N) == CLOSE_BAD_FORM);
	s.process[0] ^= 1;
	CHECK(close_stmt_check(&s, f.process, f.roster, f.keys, U_N) == CLOSE_BAD_KIND);
	/* A promise reporting a cosign of a round not below its own. */
	upromise(&f, &s, 0, uround(&f, 0, 3), 1);
	s.has_acc = 1;
	s.acc_round = uround(&f, 0, 3);
	CHECK(close_stmt_check(&s, f.process, f.roster, f.keys, U_N) == CLOSE_BAD_FORM);
	s.acc_round = uround(&f, 0, 2);
	CHECK(close_stmt_check(&s, f.process, f.roster, f.keys, U_N) == 0);
	/* Unsorted seal. */
	memcpy(s.seal, f.seal[1], HASH_BYTES);
	memcpy(s.seal + HASH_BYTES, f.seal[0], HASH_BYTES);
	s.nseal = 2;
	CHECK(close_stmt_check(&s, f.process, f.roster, f.keys, U_N) == CLOSE_BAD_FORM);
	close_stmt_free(&s);
	/* Not a member. */
	ustmt(&f, &s, CLOSE_COSIGN, 0, uround(&f, 0, 0));
	s.author[5] = 1;
	CHECK(close_stmt_check(&s, f.process, f.roster, f.keys, U_N) == CLOSE_BAD_FORM);
}

/* Each conflict of spec/close.md section 5, from a member's chain. */
TEST(close_audit_names_each_conflict)
{
	ufix_t f;
	close_stmt_t s[4];
	const close_stmt_t *v[4];
	close_stmt_t *pr[3];
	size_t bad = 99;

	ufix_init(&f);
	for (int i = 0; i < 4; i++)
		v[i] = &s[i];
	/* promise order: round (1, k1) then round (0, k3). */
	upromise(&f, &s[0], 0, uround(&f, 1, 1), 1);
	upromise(&f, &s[1], 0, uround(&f, 0, 3), 1);
	CHECK(close_audit(v, 2, 1, &bad) == CLOSE_C_PROMISE_ORDER && bad == 1);
	close_stmt_free(&s[1]);
	/* two promises for one round */
	upromise(&f, &s[1], 0, uround(&f, 1, 1), 2);
	CHECK(close_audit(v, 2, 1, &bad) == CLOSE_C_PROMISE_ORDER);
	close_stmt_free(&s[1]);
	/* a higher round, but under another roster */
	upromise(&f, &s[1], 0, uround(&f, 2, 2), 2);
	CHECK(close_audit(v, 2, 1, &bad) == CLOSE_OK);
	s[1].roster[0] ^= 1;
	CHECK(close_audit(v, 2, 1, &bad) == CLOSE_C_ROSTER && bad == 1);
	close_stmt_free(&s[0]);
	close_stmt_free(&s[1]);

	/* cosign below: promise (2, k2), then a cosign of (1, k1). */
	upromise(&f, &s[0], 0, uround(&f, 1, 1), 1);
	pr[0] = &s[0];
	upropose(&f, &s[1], 1, uround(&f, 1, 1), pr, 1, 1);
	upromise(&f, &s[2], 0, uround(&f, 2, 2), 1);
	ucosign(&f, &s[3], 0, &s[1]);
	{
		const close_stmt_t *w[3] = { &s[0], &s[2], &s[3] };

		CHECK(close_audit(w, 3, 1, &bad) == CLOSE_C_COSIGN_BELOW && bad == 2);
		/* In the other order it is fine: cosign, then a higher promise
		 * reporting that cosign. */
		s[3].seq = s[2].seq - 1;
		CHECK(close_audit(w, 3, 1, &bad) == CLOSE_C_PROMISE_REPORT);
		s[2].has_acc = 1;
		s[2].acc_round = s[3].round;
		s[2].acc_value = s[3].value;
		CHECK(close_audit(w, 3, 1, &bad) == CLOSE_OK);
		/* A subset (as in a certificate) may lack earlier cosigns... */
		CHECK(close_audit(&w[1], 1, 0, &bad) == CLOSE_OK);
		/* ...but a full chain may not. */
		CHECK(close_audit(&w[1], 1, 1, &bad) == CLOSE_C_PROMISE_REPORT);
	}
	/* two cosigns of one round with different values */
	{
		close_stmt_t other;
		const close_stmt_t *w[2] = { &s[3], &other };

		ucosign(&f, &other, 0, &s[1]);
		other.value.result[0] ^= 1;
		CHECK(close_audit(w, 2, 1, &bad) == CLOSE_C_COSIGN_TWICE && bad == 1);
		/* a repeat of the same cosign is no conflict */
		other.value = s[3].value;
		CHECK(close_audit(w, 2, 1, &bad) == CLOSE_OK);
	}
	/* two proposals for one round with different values */
	{
		close_stmt_t other;
		const close_stmt_t *w[2] = { &s[1], &other };

		upropose(&f, &other, 1, uround(&f, 1, 1), pr, 1, 2);
		CHECK(close_audit(w, 2, 1, &bad) == CLOSE_C_PROPOSE_TWICE && bad == 1);
		close_stmt_free(&other);
	}
	for (int i = 0; i < 4; i++)
		close_stmt_free(&s[i]);
}

/* A certificate checks alone; each way of breaking it is named. */
TEST(close_cert_check_refuses_broken)
{
	ufix_t f;
	close_stmt_t pr[3], p, co[3], extra;
	close_stmt_t *prp[3];
	const close_stmt_t *prc[3], *coc[3];
	close_cert_t c;
	close_env_t env = { NULL, NULL, NULL, utally };
	close_round_t r;

	ufix_init(&f);
	r = uround(&f, 0, 0);
	for (int i = 0; i < 3; i++) {
		upromise(&f, &pr[i], i, r, (size_t)i + 1);
		prp[i] = &pr[i];
		prc[i] = &pr[i];
	}
	upropose(&f, &p, 0, r, prp, 3, 3);
	for (int i = 0; i < 3; i++) {
		ucosign(&f, &co[i], i + 1, &p);
		coc[i] = &co[i];
	}
	c = (close_cert_t){ &p, prc, 3, coc, 3 };
	CHECK(close_cert_check(&c, f.process, f.roster, f.keys, U_N, 3, &env) == 0);
	/* q <= n/2 */
	CHECK(close_cert_check(&c, f.process, f.roster, f.keys, U_N, 2, &env) == CLOSE_BAD_FORM);
	/* A result that the frontier does not give. */
	p.value.result[0] ^= 1;
	for (int i = 0; i < 3; i++)
		co[i].value = p.value;
	CHECK(close_cert_check(&c, f.process, f.roster, f.keys, U_N, 3, &env) == CLOSE_BAD_RESULT);
	CHECK(close_cert_check(&c, f.process, f.roster, f.keys, U_N, 3, NULL) == 0);	/* without a tally */
	p.value.result[0] ^= 1;
	for (int i = 0; i < 3; i++)
		co[i].value = p.value;
	/* A frontier missing a sealed id: not the union. */
	p.value.count = 2;
	close_frontier_root(p.value.root, p.frontier, 2);
	for (int i = 0; i < 3; i++)
		co[i].value = p.value;
	CHECK(close_cert_check(&c, f.process, f.roster, f.keys, U_N, 3, &env) == CLOSE_BAD_VALUE);
	p.value.count = 3;
	close_frontier_root(p.value.root, p.frontier, 3);
	utally(NULL, p.frontier, 3, p.value.result);
	for (int i = 0; i < 3; i++)
		co[i].value = p.value;
	/* A promise reporting a cosign: the value must be that one. */
	pr[1].has_acc = 1;
	pr[1].acc_round = uround(&f, 0, 3);	/* not below the round it joins */
	CHECK(close_cert_check(&c, f.process, f.roster, f.keys, U_N, 3, &env) == CLOSE_BAD_FORM);
	r = uround(&f, 1, 1);
	for (int i = 0; i < 3; i++)
		pr[i].round = r;
	p.round = r;
	memcpy(p.author, f.keys[1], KEY_PK_BYTES);
	for (int i = 0; i < 3; i++)
		co[i].round = r;
	pr[1].acc_round = uround(&f, 0, 3);
	memset(&pr[1].acc_value, 0x5a, sizeof pr[1].acc_value);
	CHECK(close_cert_check(&c, f.process, f.roster, f.keys, U_N, 3, &env) == CLOSE_BAD_VALUE);
	pr[1].has_acc = 0;
	CHECK(close_cert_check(&c, f.process, f.roster, f.keys, U_N, 3, &env) == 0);
	/* The proposer's own promise after its cosign of the round: conflict. */
	co[0].seq = pr[1].seq - 1;	/* co[0] is by keys[1], like pr[1] */
	CHECK(close_cert_check(&c, f.process, f.roster, f.keys, U_N, 3, &env) == CLOSE_BAD_CONFLICT);
	co[0].seq = p.seq + 1;
	/* A cosign of another round, or naming another proposal. */
	co[2].proposal[0] ^= 1;
	CHECK(close_cert_check(&c, f.process, f.roster, f.keys, U_N, 3, &env) == CLOSE_BAD_COSIGNS);
	co[2].proposal[0] ^= 1;
	/* A promise the proposal does not name. */
	upromise(&f, &extra, 3, r, 1);
	prc[2] = &extra;
	CHECK(close_cert_check(&c, f.process, f.roster, f.keys, U_N, 3, &env) == CLOSE_BAD_PROMISES);
	prc[2] = &pr[2];
	CHECK(close_cert_check(&c, f.process, f.roster, f.keys, U_N, 3, &env) == 0);
	close_stmt_free(&extra);
	close_stmt_free(&p);
	for (int i = 0; i < 3; i++) {
		close_stmt_free(&pr[i]);
		close_stmt_free(&co[i]);
	}
}

/* Two certificates with different values need an equivocation the log
 * proves: with n = 4, q = 3, two quorums share a member, who must have
 * cosigned twice in one round or cosigned below a promise. */
TEST(close_two_certificates_need_an_equivocator)
{
	ufix_t f;
	close_stmt_t pr[3], p1, p2, co1[3], co2[3];
	close_stmt_t *prp[3];
	const close_stmt_t *prc[3], *c1[3], *c2[3], *mine[2];
	close_cert_t a, b;
	close_env_t env = { NULL, NULL, NULL, utally };
	close_round_t r;
	size_t bad;

	ufix_init(&f);
	r = uround(&f, 0, 0);
	for (int i = 0; i < 3; i++) {
		upromise(&f, &pr[i], i, r, (size_t)i + 1);
		prp[i] = &pr[i];
		prc[i] = &pr[i];
	}
	/* The proposer (keys[0]) equivocates: two values for one round. */
	upropose(&f, &p1, 0, r, prp, 3, 3);
	upropose(&f, &p2, 0, r, prp, 3, 2);
	for (int i = 0; i < 3; i++) {
		ucosign(&f, &co1[i], i, &p1);		/* keys 0, 1, 2 */
		ucosign(&f, &co2[i], i + 1, &p2);	/* keys 1, 2, 3 */
		c1[i] = &co1[i];
		c2[i] = &co2[i];
	}
	a = (close_cert_t){ &p1, prc, 3, c1, 3 };
	b = (close_cert_t){ &p2, prc, 3, c2, 3 };
	CHECK(close_cert_check(&a, f.process, f.roster, f.keys, U_N, 3, &env) == 0);
	/* p2's value is not the union of the seals: an honest member never
	 * cosigns it, and the certificate does not check. */
	CHECK(close_cert_check(&b, f.process, f.roster, f.keys, U_N, 3, &env) == CLOSE_BAD_VALUE);
	/* Members 1 and 2 cosigned both: each one's chain proves it. */
	mine[0] = &co1[1];
	mine[1] = &co2[0];
	CHECK(close_audit(mine, 2, 1, &bad) == CLOSE_C_COSIGN_TWICE);
	mine[0] = &p1;
	mine[1] = &p2;
	CHECK(close_audit(mine, 2, 1, &bad) == CLOSE_C_PROPOSE_TWICE);
	/* The auditor with the whole log sees both certificates, the split,
	 * and the three members whose chains prove it. */
	{
		const close_stmt_t *all[11];
		close_report_t *rep = malloc(sizeof *rep);
		size_t k = 0;

		CHECK(rep != NULL);
		for (int i = 0; i < 3; i++)
			all[k++] = &pr[i];
		all[k++] = &p1;
		all[k++] = &p2;
		for (int i = 0; i < 3; i++) {
			all[k++] = &co1[i];
			all[k++] = &co2[i];
		}
		CHECK(close_log_audit(all, k, f.process, f.roster, f.keys, U_N, 3, &env, rep) == 0);
		CHECK(rep->certified && rep->split);
		CHECK_EQ_U64(rep->nbad, 3);	/* keys 0 (two proposals), 1 and 2 (two cosigns) */
		CHECK(memcmp(rep->bad_member[0], f.keys[0], KEY_PK_BYTES) == 0);
		CHECK(rep->bad_code[0] == CLOSE_C_PROPOSE_TWICE);
		CHECK(rep->bad_code[1] == CLOSE_C_COSIGN_TWICE && rep->bad_code[2] == CLOSE_C_COSIGN_TWICE);
		free(rep);
	}
	close_stmt_free(&p1);
	close_stmt_free(&p2);
	for (int i = 0; i < 3; i++)
		close_stmt_free(&pr[i]);
}

/* One machine end to end without a network: a member of n = 3 closes,
 * the others promise, the proposal and cosigns make a certificate. */
TEST(close_machine_three_members)
{
	uint8_t keys[3][KEY_PK_BYTES], proc[HASH_BYTES];
	close_member_t *m[3] = { NULL, NULL, NULL };
	close_params_t par = { 10 };
	close_stmt_t pool[32], st;
	size_t npool = 0;
	sim_t s;
	sim_env_ctx_t ctx[3];
	close_env_t env[3];
	int progress = 1;

	memset(&s, 0, sizeof s);
	memset(keys, 0, sizeof keys);
	memset(proc, 7, sizeof proc);
	for (int i = 0; i < 3; i++)
		keys[i][0] = (uint8_t)(i + 1);
	for (int i = 0; i < 3; i++) {
		m[i] = close_member_new(proc, proc, keys, 3, 2, keys[i], NULL, &par);
		CHECK(m[i] != NULL);
		ctx[i] = (sim_env_ctx_t){ &s, i };
		env[i] = (close_env_t){ &ctx[i], env_held, env_seal, env_tally };
	}
	CHECK(close_member_new(proc, proc, keys, 3, 1, keys[0], NULL, &par) == NULL);	/* q <= n/2 */
	CHECK(close_member_start(m[1], &pool[npool]) == 0);
	CHECK(close_member_start(m[1], &st) == WIEC_ERR_EXISTS);
	pool[npool].seq = 1;
	pool[npool].id[0] = 1;
	npool++;
	while (progress && npool < 30) {
		progress = 0;
		for (size_t k = 0; k < npool; k++)
			for (int i = 0; i < 3; i++)
				CHECK(close_member_observe(m[i], &pool[k]) == 0);
		for (int i = 0; i < 3 && npool < 30; i++) {
			int rc = close_member_step(m[i], &env[i], 0, &pool[npool]);

			CHECK(rc >= 0);
			if (rc == 1) {
				pool[npool].seq = npool + 1;
				pool[npool].id[0] = (uint8_t)(npool + 1);
				npool++;
				progress = 1;
			}
		}
	}
	for (int i = 0; i < 3; i++) {
		close_round_t r;
		close_value_t v;
		uint8_t pid[HASH_BYTES];
		close_cert_t c;

		CHECK(close_member_certified(m[i], &r, &v, pid) == 1);
		CHECK(r.counter == 0 && memcmp(r.proposer, keys[1], KEY_PK_BYTES) == 0);
		CHECK(v.count == 0);	/* no ballots in this empty simulation */
		CHECK(close_member_cert(m[i], &c) == 0);
		CHECK(close_cert_check(&c, proc, proc, keys, 3, 2, &env[i]) == 0);
		close_cert_free(&c);
	}
	/* 1 close, 3 promises, 1 proposal, 3 cosigns. */
	CHECK_EQ_U64(npool, 8);
	for (size_t k = 0; k < npool; k++)
		close_stmt_free(&pool[k]);
	for (int i = 0; i < 3; i++)
		close_member_destroy(&m[i]);
	CHECK(m[0] == NULL);
}

/* --- one machine against hand-made statements: the defences --------------- */

static int u_held(void *ctx, const uint8_t id[static HASH_BYTES])
{
	(void)ctx;
	(void)id;
	return 1;
}

static int u_seal(void *ctx, uint8_t **ids, size_t *n)
{
	(void)ctx;
	*ids = NULL;
	*n = 0;
	return 0;
}

/* Feeds v[0..n) to m, then steps it until it stops; returns how many
 * Cosigns it posted (its outputs observed back, freed). */
static int cosigns_after(ufix_t *f, close_member_t *m, close_stmt_t *const *v, size_t n)
{
	close_env_t env = { NULL, u_held, u_seal, utally };
	close_stmt_t out;
	int cos = 0;

	for (size_t i = 0; i < n; i++)
		if (close_member_observe(m, v[i]) != 0)
			return -1;
	for (int k = 0; k < 8; k++) {
		int rc = close_member_step(m, &env, 0, &out);

		if (rc < 0)
			return -1;
		if (rc == 0)
			break;
		out.seq = ++f->next;
		out.id[0] = 0xdd;
		out.id[31] = (uint8_t)f->next;
		cos += out.kind == CLOSE_COSIGN;
		if (close_member_observe(m, &out) != 0)
			return -1;
		close_stmt_free(&out);
	}
	return cos;
}

/* A liar's promise that hides its last cosign is refused: its chain up to
 * the promise is not clean, so a proposal resting on it is not valid. */
TEST(close_machine_refuses_a_hidden_cosign)
{
	for (int lie = 0; lie < 2; lie++) {
		ufix_t f;
		close_stmt_t st[12];
		close_stmt_t *v[12], *pr[3];
		close_round_t r1, r2;
		close_params_t par = { 1000 };
		close_member_t *m;
		size_t n = 0;

		ufix_init(&f);
		r1 = uround(&f, 1, 1);
		r2 = uround(&f, 2, 2);
		for (int i = 0; i < 12; i++)
			v[i] = &st[i];
		ustmt(&f, &st[n++], CLOSE_PREPARE, 1, r1);
		for (int i = 0; i < 3; i++) {
			upromise(&f, &st[n], i, r1, (size_t)i + 1);
			pr[i] = &st[n++];
		}
		upropose(&f, &st[n], 1, r1, pr, 3, 3);
		ucosign(&f, &st[n + 1], 0, &st[n]);	/* member 0 cosigns (r1, v1) */
		n += 2;
		ustmt(&f, &st[n++], CLOSE_PREPARE, 2, r2);
		upromise(&f, &st[n], 0, r2, 1);
		if (!lie) {
			st[n].has_acc = 1;
			st[n].acc_round = r1;
			st[n].acc_value = st[4].value;
		}
		pr[0] = &st[n++];
		upromise(&f, &st[n], 1, r2, 1);
		pr[1] = &st[n++];
		upromise(&f, &st[n], 2, r2, 1);
		pr[2] = &st[n++];
		/* The proposal of r2: v1 again when member 0 tells the truth; a
		 * fresh union when it hides its cosign. */
		upropose(&f, &st[n++], 2, r2, pr, 3, lie ? 1 : 3);
		m = close_member_new(f.process, f.roster, f.keys, U_N, 3, f.keys[3], NULL, &par);
		CHECK(m != NULL);
		CHECK(cosigns_after(&f, m, v, n) == (lie ? 0 : 1));
		close_member_destroy(&m);
		for (size_t i = 0; i < n; i++)
			close_stmt_free(&st[i]);
	}
}

/* Steps m at time now once; the statement it posts (observed back), or
 * kind -1 when it posts nothing. */
static int ustep(ufix_t *f, close_member_t *m, uint64_t now, close_round_t *r)
{
	close_env_t env = { NULL, u_held, u_seal, utally };
	close_stmt_t out;
	int rc = close_member_step(m, &env, now, &out), kind;

	if (rc <= 0)
		return rc < 0 ? -2 : -1;
	out.seq = ++f->next;
	out.id[0] = 0xdd;
	out.id[31] = (uint8_t)f->next;
	kind = out.kind;
	*r = out.round;
	if (close_member_observe(m, &out) != 0)
		kind = -2;
	close_stmt_free(&out);
	return kind;
}

/* A hostile member's Prepare far ahead (a huge counter, or 2^64 - 2 where
 * the next counter wraps) is held but not reachable: honest members promise
 * the Close's round, and time out after the usual wait (a huge counter once
 * made the wait 13,000 years, and the wrap made members post a Prepare
 * every tick, forever). Reach grows by n per reachable statement, in any
 * arrival order. */
TEST(close_machine_ignores_rounds_far_ahead)
{
	static const uint64_t far[] = { (1ULL << 40) + 2, UINT64_MAX - 1 };

	for (size_t t = 0; t < sizeof far / sizeof far[0]; t++) {
		ufix_t f;
		close_stmt_t st[2];
		close_params_t par = { 1000 };
		close_member_t *m;
		close_round_t r;

		ufix_init(&f);
		ustmt(&f, &st[0], CLOSE_CLOSE, 0, uround(&f, 0, 0));
		ustmt(&f, &st[1], CLOSE_PREPARE, 2, uround(&f, far[t], 2));
		m = close_member_new(f.process, f.roster, f.keys, U_N, 3, f.keys[3], NULL, &par);
		CHECK(m != NULL);
		CHECK(close_member_observe(m, &st[1]) == 0 && close_member_observe(m, &st[0]) == 0);
		CHECK(ustep(&f, m, 0, &r) == CLOSE_PROMISE && r.counter == 0);
		CHECK(ustep(&f, m, 0, &r) == -1);	/* the timer starts */
		/* counter 3 is its own: k = 3, wait 1000 * 3 * (1 + 0/4) */
		CHECK(ustep(&f, m, 2999, &r) == -1);
		CHECK(ustep(&f, m, 3000, &r) == CLOSE_PREPARE && r.counter == 3);
		CHECK(memcmp(r.proposer, f.keys[3], KEY_PK_BYTES) == 0);
		close_member_destroy(&m);
		for (int i = 0; i < 2; i++)
			close_stmt_free(&st[i]);
	}
	{
		ufix_t f;
		close_stmt_t st[4];
		close_params_t par = { 1000 };
		close_member_t *m;
		close_round_t r;

		ufix_init(&f);
		ustmt(&f, &st[0], CLOSE_CLOSE, 0, uround(&f, 0, 0));
		ustmt(&f, &st[1], CLOSE_PREPARE, 2, uround(&f, 10, 2));
		ustmt(&f, &st[2], CLOSE_PREPARE, 2, uround(&f, 6, 2));
		ustmt(&f, &st[3], CLOSE_PREPARE, 2, uround(&f, 2, 2));
		m = close_member_new(f.process, f.roster, f.keys, U_N, 3, f.keys[3], NULL, &par);
		CHECK(m != NULL);
		for (int i = 0; i < 3; i++)	/* 10 and 6 ahead, 0 reachable */
			CHECK(close_member_observe(m, &st[i]) == 0);
		CHECK(ustep(&f, m, 0, &r) == CLOSE_PROMISE && r.counter == 0);
		CHECK(close_member_observe(m, &st[3]) == 0);	/* 2, then 6, then 10 */
		CHECK(ustep(&f, m, 0, &r) == CLOSE_PROMISE && r.counter == 10);
		close_member_destroy(&m);
		for (int i = 0; i < 4; i++)
			close_stmt_free(&st[i]);
	}
}

/* An equivocating proposer's two valid values in one round, both reported
 * by promises of a later round: no value of that round is valid then. */
TEST(close_machine_refuses_a_tie)
{
	for (int tie = 0; tie < 2; tie++) {
		ufix_t f;
		close_stmt_t st[16];
		close_stmt_t *v[16], *pa[3], *pb[3], *pr[3];
		close_round_t r1, r2, r;
		close_value_t val;
		uint8_t pid[HASH_BYTES];
		close_params_t par = { 1000 };
		close_member_t *m;
		size_t n = 0;

		ufix_init(&f);
		r1 = uround(&f, 1, 1);
		r2 = uround(&f, 2, 2);
		for (int i = 0; i < 16; i++)
			v[i] = &st[i];
		ustmt(&f, &st[n++], CLOSE_PREPARE, 1, r1);
		/* Seals: member 0 {x}, 1 {x,y}, 2 {x,y,z}, 3 {x}. */
		for (int i = 0; i < 4; i++)
			upromise(&f, &st[n++], i, r1, (size_t)(i % 3) + 1);
		pa[0] = &st[1], pa[1] = &st[2], pa[2] = &st[3];	/* union {x,y,z} */
		pb[0] = &st[1], pb[1] = &st[2], pb[2] = &st[4];	/* union {x,y} */
		upropose(&f, &st[n++], 1, r1, pa, 3, 3);	/* st[5] */
		upropose(&f, &st[n++], 1, r1, pb, 3, 2);	/* st[6]: same round, another value */
		ucosign(&f, &st[n++], 0, &st[5]);
		if (tie)
			ucosign(&f, &st[n++], 3, &st[6]);
		ustmt(&f, &st[n++], CLOSE_PREPARE, 2, r2);
		upromise(&f, &st[n], 0, r2, 1);
		st[n].has_acc = 1;
		st[n].acc_round = r1;
		st[n].acc_value = st[5].value;
		pr[0] = &st[n++];
		upromise(&f, &st[n], 2, r2, 1);
		pr[1] = &st[n++];
		/* Member 3 reports its cosign of the other value (tie), or
		 * (without it) has none to report. */
		upromise(&f, &st[n], 3, r2, 1);
		if (tie) {
			st[n].has_acc = 1;
			st[n].acc_round = r1;
			st[n].acc_value = st[6].value;
		}
		pr[2] = &st[n++];
		upropose(&f, &st[n++], 2, r2, pr, 3, 3);	/* value a again */
		m = close_member_new(f.process, f.roster, f.keys, U_N + 1, 3, f.keys[4], NULL, &par);
		CHECK(m != NULL);
		CHECK(cosigns_after(&f, m, v, n) == (tie ? 0 : 1));
		CHECK(close_member_certified(m, &r, &val, pid) == 0);
		close_member_destroy(&m);
		for (size_t i = 0; i < n; i++)
			close_stmt_free(&st[i]);
	}
}

/* A reported cosign of an invalid proposal (not the union of its
 * promises' seals) gives no valid value: the liar's cosign is not trusted. */
TEST(close_machine_refuses_an_unbacked_value)
{
	for (int bad = 0; bad < 2; bad++) {
		ufix_t f;
		close_stmt_t st[12];
		close_stmt_t *v[12], *pr[3];
		close_round_t r1, r2;
		close_params_t par = { 1000 };
		close_member_t *m;
		size_t n = 0;

		ufix_init(&f);
		r1 = uround(&f, 1, 1);
		r2 = uround(&f, 2, 2);
		for (int i = 0; i < 12; i++)
			v[i] = &st[i];
		ustmt(&f, &st[n++], CLOSE_PREPARE, 1, r1);
		for (int i = 0; i < 3; i++) {
			upromise(&f, &st[n], i, r1, 3);
			pr[i] = &st[n++];
		}
		/* The proposer of r1 (member 1) drops a ballot when bad. */
		upropose(&f, &st[n++], 1, r1, pr, 3, bad ? 2 : 3);	/* st[4] */
		ucosign(&f, &st[n++], 1, &st[4]);
		ustmt(&f, &st[n++], CLOSE_PREPARE, 2, r2);
		upromise(&f, &st[n], 1, r2, 3);
		st[n].has_acc = 1;	/* truthful: its last cosign */
		st[n].acc_round = r1;
		st[n].acc_value = st[4].value;
		pr[0] = &st[n++];
		upromise(&f, &st[n], 0, r2, 3);
		pr[1] = &st[n++];
		upromise(&f, &st[n], 2, r2, 3);
		pr[2] = &st[n++];
		upropose(&f, &st[n++], 2, r2, pr, 3, bad ? 2 : 3);	/* adopts it */
		m = close_member_new(f.process, f.roster, f.keys, U_N, 3, f.keys[3], NULL, &par);
		CHECK(m != NULL);
		/* It cosigns r2 when r1's proposal was valid; never when not. */
		CHECK(cosigns_after(&f, m, v, n) == (bad ? 0 : 1));
		close_member_destroy(&m);
		for (size_t i = 0; i < n; i++)
			close_stmt_free(&st[i]);
	}
}

/* Known answers for spec/close.md section 1 (also computed with Python's
 * hashlib.blake2b). */
TEST(close_frontier_root_vectors)
{
	uint8_t ids[2 * HASH_BYTES], r[HASH_BYTES];
	char hex[HASH_HEX_BYTES];

	CHECK(close_frontier_root(r, NULL, 0) == 0);
	hash_hex(hex, r, HASH_BYTES);
	CHECK(strcmp(hex, "a4ee15118fdcc01761af8fab5b3bea299872c7b28a0d57d2ea1eab631452e68c") == 0);
	memset(ids, 1, HASH_BYTES);
	memset(ids + HASH_BYTES, 2, HASH_BYTES);
	CHECK(close_frontier_root(r, ids, 2) == 0);
	hash_hex(hex, r, HASH_BYTES);
	CHECK(strcmp(hex, "0febdb2691a23a5df97b24172f7aeb3f9f95d2ea12433a5ba53223ee06ad1b36") == 0);
}
