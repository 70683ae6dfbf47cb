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
	uint64_t down_until;
} sim_node_t;

typedef struct sim {
	unsigned long long rng;
	int debug;
	size_t n;
	uint32_t q;
	uint8_t keys[SIM_N][KEY_PK_BYTES];
	uint8_t process[HASH_BYTES];
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
	nd->m = close_member_new(s->process, (const uint8_t (*)[KEY_PK_BYTES])s->keys, s->n, s->q,
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
		if (close_audit(own, nown, 1, &bad) != CLOSE_OK)
			fail(s, "an honest member signed conflicting statements");
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

		if (!nd->up || !close_member_certified(nd->m, &r, &v, pid))
			continue;
		if (!close_value_eq(&v, &s->ev[c].st.value))
			fail(s, "a member certified another value");
		if (close_member_cert(nd->m, &cert) != 0) {
			fail(s, "certificate not assembled");
			continue;
		}
		rc = close_cert_check(&cert, s->process, (const uint8_t (*)[KEY_PK_BYTES])s->keys,
		    s->n, s->q, &env);
		if (rc != 0)
			fail(s, "a certificate does not check");
		if (mutate) {
			close_cert_t bad = cert;
			const close_stmt_t *co[SIM_N + 1];

			bad.ncosigns = s->q - 1;
			if (close_cert_check(&bad, s->process, (const uint8_t (*)[KEY_PK_BYTES])s->keys,
			    s->n, s->q, &env) != CLOSE_BAD_COSIGNS)
				fail(s, "a certificate with q-1 cosigns checks");
			memcpy(co, cert.cosigns, cert.ncosigns * sizeof *co);
			co[1] = co[0];
			bad = cert;
			bad.cosigns = co;
			if (close_cert_check(&bad, s->process, (const uint8_t (*)[KEY_PK_BYTES])s->keys,
			    s->n, s->q, &env) != CLOSE_BAD_COSIGNS)
				fail(s, "a certificate with a repeated cosigner checks");
			bad = cert;
			bad.npromises = cert.npromises - 1;
			if (close_cert_check(&bad, s->process, (const uint8_t (*)[KEY_PK_BYTES])s->keys,
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
	if (s->ev == NULL)
		goto out;
	s->n = kind == 1 ? 4 : 3 + rnd(s, 5);
	s->q = (uint32_t)(s->n / 2 + 1 + (s->n >= 4 && rnd(s, 3) == 0));
	if (s->n == 4)
		s->q = 3;
	for (size_t i = 0; i < s->n; i++) {
		memset(s->keys[i], 0, KEY_PK_BYTES);
		s->keys[i][0] = (uint8_t)i;	/* sorted: index i is key order */
		s->keys[i][1] = (uint8_t)rnd(s, 256);
	}
	for (int i = 0; i < HASH_BYTES; i++)
		s->process[i] = (uint8_t)rnd(s, 256);
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
				if (s->node[i].up && rnd(s, 100000) < s->crash)
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
		size_t want = kind == 1 ? s->n : s->q + rnd(s, (unsigned)(s->n - s->q + 1));
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
		if (sim_case(c * 0x9E3779B97F4A7C15ULL, c % 10 == 0, &st, why, sizeof why) != 0 &&
		    failed++ < 5)
			fprintf(stderr, "  schedule %llu: %s\n", c, why);
	}
	if (failed > 0)
		fprintf(stderr, "  %llu of %llu schedules failed\n", failed, last - first + 1);
	if (getenv("WIEC_SIM_STATS"))
		fprintf(stderr, "  %llu certified; %llu in a round after the first, %llu with another "
		    "value proposed first; rounds %llu (highest counter %llu); %llu second closes; "
		    "%llu crashes, %llu before a commit; at most %llu events\n", st.schedules,
		    st.later_round, st.proposals_differ, st.rounds, st.max_counter, st.two_closes,
		    st.crashes, st.killed_uncommitted, st.max_events);
	CHECK_EQ_U64(failed, 0);
}
