/* test_vectors.c: the known-answer files of spec/events.md that are not
 * about one event (tests/vectors/export.txt, tests/vectors/trees.txt),
 * their generators, and the one endpoint length limit.
 *
 * Each file is written by a generator here and checked twice: the
 * generator must reproduce it byte for byte (WIEC_REGEN_VECTORS=1 rewrites
 * it), and a reader that knows nothing of the generator checks every
 * record against the implementation. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "model/chain.h"
#include "node/config.h"
#include "node/peers.h"
#include "proto/frame.h"
#include "proto/genesis.h"
#include "tests/unit/fixtures.h"
#include "tests/unit/test.h"

/* ---- one endpoint limit: 255 bytes (spec/events.md section 6) ---- */

/* "tcp://" + a host of 'h' + ":7400", n bytes in all, in a static-sized buffer. */
static void endpoint_of(char *out, size_t n)
{
	memcpy(out, "tcp://", 6);
	memset(out + 6, 'h', n - 6 - 5);
	memcpy(out + n - 5, ":7400", 6);
}

/* A complete one-founder genesis whose founder lists endpoint ep. */
static int genesis_with_endpoint(const char *ep)
{
	Wiec__Founder f = WIEC__FOUNDER__INIT;
	const Wiec__Founder *fs[1] = { &f };
	uint8_t transport[KEY_X_BYTES], *g = NULL, *sg = NULL;
	char *eps[1] = { (char *)ep };
	size_t glen, slen;
	key_pair_t kp;
	genesis_t gen;
	int rc;

	fx_key(&kp, FX_FOUNDER_SEED);
	memset(transport, 0x7a, sizeof transport);
	f.key.data = kp.pk;
	f.key.len = KEY_PK_BYTES;
	f.name = (char *)"Gmina Testowo";
	f.role = WIEC__ROLE__ROLE_CITY;
	f.transport.data = transport;
	f.transport.len = sizeof transport;
	f.n_endpoints = 1;
	f.endpoints = eps;
	if ((rc = genesis_new(&g, &glen, "testowo", FX_TS, fs, 1, 1)) != 0)
		return rc;
	rc = genesis_sign(&sg, &slen, g, glen, &kp);
	free(g);
	if (rc != 0)
		return rc;
	if ((rc = genesis_decode(&gen, sg, slen, 1)) == 0)
		genesis_free(&gen);
	free(sg);
	return rc;
}

TEST(vectors_endpoint_limit)
{
	char ep[300], text[400], why[128];
	peers_t p;
	cfg_t c;

	memset(ep, 0, sizeof ep);
	endpoint_of(ep, 255);
	CHECK(strlen(ep) == 255);
	CHECK(genesis_with_endpoint(ep) == 0);
	CHECK(peers_endpoint_ok(ep) == 1);
	snprintf(text, sizeof text, "listen = %s\n", ep);
	CHECK(cfg_parse(&c, text, strlen(text), why, sizeof why) == 0);
	CHECK(strcmp(c.listen, ep) == 0);
	snprintf(text, sizeof text, "%s %s\n", "8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c", ep);
	CHECK(peers_parse(&p, text, strlen(text), why, sizeof why) == 0);
	CHECK(p.n == 1 && strcmp(p.peer[0].endpoint, ep) == 0);

	memset(ep, 0, sizeof ep);
	endpoint_of(ep, 256);
	CHECK(strlen(ep) == 256);
	CHECK(genesis_with_endpoint(ep) == WIEC_ERR_FIELD);
	CHECK(peers_endpoint_ok(ep) == 0);
	snprintf(text, sizeof text, "listen = %s\n", ep);
	CHECK(cfg_parse(&c, text, strlen(text), why, sizeof why) == WIEC_ERR_CONFIG);
	snprintf(text, sizeof text, "%s %s\n", "8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c", ep);
	CHECK(peers_parse(&p, text, strlen(text), why, sizeof why) == WIEC_ERR_CONFIG);
	CHECK(GENESIS_ENDPOINT_MAX == 255 && PEERS_ENDPOINT_MAX == GENESIS_ENDPOINT_MAX + 1);
}

/* ---- the vectors' network, keys and events ---- */

#define TREES_PATH "tests/vectors/trees.txt"
#define EXPORT_PATH "tests/vectors/export.txt"
#define VX_TRANSPORT_SEED 0x7a	/* X25519 secret key of the founder: 32 bytes of this */

enum { WHO_FOUNDER, WHO_ALICE, WHO_BOB, WHO_N };

static const char *const who_name[WHO_N] = { "founder", "alice", "bob" };
static const uint8_t who_seed[WHO_N] = { FX_FOUNDER_SEED, 0x01, 0x02 };

/* The event pool: every event any case uses, built in this order (a prev
 * comes before its children). Titles are the names. */
static const struct pool_def {
	const char *name;
	int who;
	uint64_t seq;
	const char *prev;	/* NULL: a root */
	const char *why;
} pool_defs[] = {
	{ "m1", WHO_FOUNDER, 1, NULL, "founder (a member) seq 1, a root" },
	{ "m2", WHO_FOUNDER, 2, "m1", "founder seq 2, prev m1" },
	{ "m3", WHO_FOUNDER, 3, "m2", "founder seq 3, prev m2" },
	{ "m3x", WHO_FOUNDER, 3, "m2", "founder seq 3, prev m2: a sibling of m3" },
	{ "m4", WHO_FOUNDER, 4, "m3", "founder seq 4, prev m3" },
	{ "m2x", WHO_FOUNDER, 2, "m1", "founder seq 2, prev m1: a sibling of m2, below m3's fork" },
	{ "a1", WHO_ALICE, 1, NULL, "alice (a resident) seq 1, a root" },
	{ "a2", WHO_ALICE, 2, "a1", "alice seq 2, prev a1" },
	{ "a2x", WHO_ALICE, 2, "a1", "alice seq 2, prev a1: a sibling of a2 (a second device)" },
	{ "a3", WHO_ALICE, 3, "a2x", "alice seq 3, prev a2x" },
	{ "a5", WHO_ALICE, 5, "a2", "alice seq 5, prev a2: a Lamport jump from 2 to 5" },
	{ "a4r", WHO_ALICE, 4, NULL, "alice seq 4 without prev: a second root, seq > 1" },
	{ "b3", WHO_BOB, 3, NULL, "bob seq 3 without prev: bob's only root, seq > 1" },
	{ "b4", WHO_BOB, 4, "b3", "bob seq 4, prev b3" },
	{ "b6", WHO_BOB, 6, "b4", "bob seq 6, prev b4: a jump by 2" },
	{ "xa", WHO_ALICE, 5, "b4", "alice seq 5 whose prev is bob's b4: another author's event" },
	{ "xs", WHO_ALICE, 2, "a2", "alice seq 2 whose prev a2 has seq 2: not below" },
	{ "xt", WHO_ALICE, 2, "a3", "alice seq 2 whose prev a3 has seq 3: above" },
};
#define NPOOL (sizeof pool_defs / sizeof pool_defs[0])

typedef struct vset {
	key_pair_t keys[WHO_N];
	uint8_t xsk[KEY_X_BYTES], xpk[KEY_X_BYTES];
	uint8_t *gen;
	size_t glen;
	uint8_t net[HASH_BYTES];
	fx_ev_t ev[NPOOL];
	int prev[NPOOL];	/* pool index of the prev, -1 for a root */
} vset_t;

static int pool_find(const char *name)
{
	for (size_t i = 0; i < NPOOL; i++)
		if (strcmp(pool_defs[i].name, name) == 0)
			return (int)i;
	return -1;
}

static void vset_free(vset_t *v)
{
	for (size_t i = 0; i < NPOOL; i++)
		fx_free(&v->ev[i], 1);
	free(v->gen);
	v->gen = NULL;
}

/* A complete one-founder genesis named name for founder kp with transport
 * key xpk; *out is malloc'd. */
static int vgenesis(uint8_t **out, size_t *len, uint8_t net[static HASH_BYTES],
    const key_pair_t *kp, const uint8_t xpk[static KEY_X_BYTES], const char *name)
{
	Wiec__Founder f = WIEC__FOUNDER__INIT;
	const Wiec__Founder *fs[1] = { &f };
	uint8_t *g = NULL;
	size_t glen;
	genesis_t gen;
	int rc;

	f.key.data = (uint8_t *)kp->pk;
	f.key.len = KEY_PK_BYTES;
	f.name = (char *)"Gmina Testowo";
	f.role = WIEC__ROLE__ROLE_CITY;
	f.transport.data = (uint8_t *)xpk;
	f.transport.len = KEY_X_BYTES;
	*out = NULL;
	if ((rc = genesis_new(&g, &glen, name, FX_TS, fs, 1, 1)) != 0)
		return rc;
	rc = genesis_sign(out, len, g, glen, kp);
	free(g);
	if (rc == 0 && (rc = genesis_decode(&gen, *out, *len, 1)) == 0) {
		memcpy(net, gen.network, HASH_BYTES);
		genesis_free(&gen);
	}
	return rc;
}

static int vset_init(vset_t *v)
{
	memset(v, 0, sizeof *v);
	for (int w = 0; w < WHO_N; w++)
		fx_key(&v->keys[w], who_seed[w]);
	memset(v->xsk, VX_TRANSPORT_SEED, sizeof v->xsk);
	if (crypto_scalarmult_base(v->xpk, v->xsk) != 0 ||
	    vgenesis(&v->gen, &v->glen, v->net, &v->keys[WHO_FOUNDER], v->xpk, "testowo") != 0)
		return -1;
	for (size_t i = 0; i < NPOOL; i++) {
		const struct pool_def *d = &pool_defs[i];

		v->prev[i] = d->prev ? pool_find(d->prev) : -1;
		if ((d->prev && (v->prev[i] < 0 || (size_t)v->prev[i] >= i)) ||
		    fx_build(&v->ev[i], &v->keys[d->who], v->net, d->seq,
		    v->prev[i] >= 0 ? v->ev[v->prev[i]].id : NULL, EV_IDEA, d->name, NULL,
		    FX_TS + i) != 0) {
			vset_free(v);
			return -1;
		}
	}
	return 0;
}

static void put_hex(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

/* The shared head of both files: genesis, network, keys. */
static void put_setup(FILE *f, const vset_t *v)
{
	fprintf(f, "# The network: a one-founder genesis (name \"testowo\", founder \"Gmina\n"
	    "# Testowo\", role city, quorum 1, timestamp 1700000000000), founder key\n"
	    "# 'founder' below, transport key the X25519 key whose secret is 32 bytes of 0x7a.\n"
	    "genesis ");
	put_hex(f, v->gen, v->glen);
	fprintf(f, "\nnetwork ");
	put_hex(f, v->net, HASH_BYTES);
	fprintf(f, "\n# Ed25519 keys from 32-byte seeds (RFC 8032); founder is the member.\n");
	for (int w = 0; w < WHO_N; w++) {
		uint8_t seed[32];

		memset(seed, who_seed[w], sizeof seed);
		fprintf(f, "key %s ", who_name[w]);
		put_hex(f, seed, 32);
		fputc(' ', f);
		put_hex(f, v->keys[w].pk, KEY_PK_BYTES);
		fputc('\n', f);
	}
	fprintf(f, "xkey founder ");
	put_hex(f, v->xsk, KEY_X_BYTES);
	fputc(' ', f);
	put_hex(f, v->xpk, KEY_X_BYTES);
	fputc('\n', f);
}

/* ---- an independent model of sections 4, 5 and 7 (no store, no chain.c) ---- */

enum { MO_ADDED = 1, MO_DUP = 2, MO_PENDING = 3, MO_FORK = 4, MO_CHAIN = -1 };

typedef struct model {
	const vset_t *v;
	int held[NPOOL], pending[NPOOL];
} model_t;

static const char *outcome_name(int o)
{
	switch (o) {
	case MO_ADDED: return "added";
	case MO_DUP: return "dup";
	case MO_PENDING: return "pending";
	case MO_FORK: return "fork";
	case MO_CHAIN: return "chain";
	}
	return "?";
}

static int same_author(size_t a, size_t b)
{
	return pool_defs[a].who == pool_defs[b].who;
}

/* Rule 3 for an event whose prev is held (or a root): append or chain. */
static int model_link(model_t *m, size_t e)
{
	int p = m->v->prev[e], sibling = 0;

	if (p >= 0 && (!same_author((size_t)p, e) || pool_defs[p].seq >= pool_defs[e].seq))
		return MO_CHAIN;
	for (size_t i = 0; i < NPOOL; i++)
		if (m->held[i] && same_author(i, e) && m->v->prev[i] == p)
			sibling = 1;
	m->held[e] = 1;
	return sibling ? MO_FORK : MO_ADDED;
}

static int model_arrive(model_t *m, size_t e)
{
	int p = m->v->prev[e], r, moved = 1;

	if (m->held[e])
		return MO_DUP;
	if (m->pending[e] || (p >= 0 && !m->held[p])) {
		m->pending[e] = 1;
		return MO_PENDING;
	}
	r = model_link(m, e);
	/* Waiters whose prev is now held as an event of their own author meet
	 * rule 3, and are dropped if they cannot link. One whose prev is
	 * another author's event keeps waiting (section 4). */
	while (r > 0 && moved) {
		moved = 0;
		for (size_t i = 0; i < NPOOL; i++)
			if (m->pending[i] && m->held[m->v->prev[i]] &&
			    same_author((size_t)m->v->prev[i], i)) {
				m->pending[i] = 0;
				(void)model_link(m, i);
				moved = 1;
			}
	}
	return r;
}

/* One author's derived state in the model. */
typedef struct mhead {
	uint64_t seq, fork, count, ntips;
	int latest;
	uint8_t tipids[NPOOL][HASH_BYTES];
	int tips[NPOOL];
	uint8_t tipsval[HASH_BYTES];
} mhead_t;

static int id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, HASH_BYTES);
}

static void model_head(const model_t *m, int who, mhead_t *h)
{
	static const char tag[] = "wiec-tips-v1";
	crypto_generichash_state st;

	memset(h, 0, sizeof *h);
	h->latest = -1;
	for (size_t i = 0; i < NPOOL; i++) {
		const struct pool_def *d = &pool_defs[i];
		int child = 0;

		if (!m->held[i] || d->who != who)
			continue;
		h->count++;
		if (d->seq > h->seq)
			h->seq = d->seq;
		if (h->latest < 0 || d->seq > pool_defs[h->latest].seq ||
		    (d->seq == pool_defs[h->latest].seq &&
		    memcmp(m->v->ev[i].id, m->v->ev[h->latest].id, HASH_BYTES) > 0))
			h->latest = (int)i;
		for (size_t j = 0; j < NPOOL; j++) {
			if (!m->held[j] || pool_defs[j].who != who || j == i)
				continue;
			if (m->v->prev[j] == (int)i)
				child = 1;
			if (m->v->prev[j] == m->v->prev[i] && (h->fork == 0 || d->seq < h->fork))
				h->fork = d->seq;
		}
		if (!child)
			memcpy(h->tipids[h->ntips++], m->v->ev[i].id, HASH_BYTES);
	}
	qsort(h->tipids, h->ntips, HASH_BYTES, id_cmp);
	for (size_t t = 0; t < h->ntips; t++)
		for (size_t i = 0; i < NPOOL; i++)
			if (memcmp(m->v->ev[i].id, h->tipids[t], HASH_BYTES) == 0)
				h->tips[t] = (int)i;
	crypto_generichash_init(&st, NULL, 0, HASH_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)tag, sizeof tag - 1);
	crypto_generichash_update(&st, h->tipids[0], h->ntips * HASH_BYTES);
	crypto_generichash_final(&st, h->tipsval, HASH_BYTES);
}

static int model_excluded(const model_t *m, size_t e)
{
	mhead_t h;

	if (!m->held[e] || pool_defs[e].who != WHO_FOUNDER)
		return 0;
	model_head(m, WHO_FOUNDER, &h);
	return h.fork != 0 && pool_defs[e].seq >= h.fork;
}

/* Authors in increasing key order. */
static void who_order(const vset_t *v, int order[WHO_N])
{
	for (int w = 0; w < WHO_N; w++)
		order[w] = w;
	for (int i = 0; i < WHO_N; i++)
		for (int j = i + 1; j < WHO_N; j++)
			if (memcmp(v->keys[order[j]].pk, v->keys[order[i]].pk, KEY_PK_BYTES) < 0) {
				int t = order[i];

				order[i] = order[j];
				order[j] = t;
			}
}

/* Held events in (author key, seq, id) order, into idx; returns how many. */
static size_t model_sorted(const model_t *m, int which, int *idx)
{
	int order[WHO_N];
	size_t n = 0;

	who_order(m->v, order);
	for (int w = 0; w < WHO_N; w++) {
		size_t first = n;

		for (size_t i = 0; i < NPOOL; i++)
			if (pool_defs[i].who == order[w] && (which == 0 ? m->held[i] :
			    which == 1 ? model_excluded(m, i) : m->pending[i]))
				idx[n++] = (int)i;
		for (size_t a = first; a < n; a++)
			for (size_t b = a + 1; b < n; b++) {
				const struct pool_def *x = &pool_defs[idx[a]], *y = &pool_defs[idx[b]];

				if (y->seq < x->seq || (y->seq == x->seq &&
				    memcmp(m->v->ev[idx[b]].id, m->v->ev[idx[a]].id, HASH_BYTES) < 0)) {
					int t = idx[a];

					idx[a] = idx[b];
					idx[b] = t;
				}
			}
	}
	return n;
}

/* The end state of a case: held, excluded, pending, heads, records, digest. */
static void put_state(FILE *f, const model_t *m)
{
	static const char *const what[3] = { "held", "excluded", "pending" };
	static const char tag[] = "wiec-digest-v2";
	crypto_generichash_state st;
	uint8_t digest[HASH_BYTES];
	int idx[NPOOL], order[WHO_N];

	for (int k = 0; k < 3; k++) {
		size_t n = model_sorted(m, k, idx);

		fprintf(f, "%s", what[k]);
		for (size_t i = 0; i < n; i++)
			fprintf(f, " %s", pool_defs[idx[i]].name);
		fprintf(f, "%s\n", n ? "" : " -");
	}
	crypto_generichash_init(&st, NULL, 0, HASH_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)tag, sizeof tag - 1);
	who_order(m->v, order);
	for (int w = 0; w < WHO_N; w++) {
		uint8_t rec[KEY_PK_BYTES + 8 + HASH_BYTES];
		mhead_t h;

		model_head(m, order[w], &h);
		if (h.count == 0)
			continue;
		fprintf(f, "head %s %llu %llu %llu %s\n", who_name[order[w]],
		    (unsigned long long)h.seq, (unsigned long long)h.fork,
		    (unsigned long long)h.count, pool_defs[h.latest].name);
		fprintf(f, "tips %s", who_name[order[w]]);
		for (size_t t = 0; t < h.ntips; t++)
			fprintf(f, " %s", pool_defs[h.tips[t]].name);
		fputc('\n', f);
		memcpy(rec, m->v->keys[order[w]].pk, KEY_PK_BYTES);
		hash_put_be64(rec + KEY_PK_BYTES, h.seq);
		memcpy(rec + KEY_PK_BYTES + 8, h.tipsval, HASH_BYTES);
		fprintf(f, "record ");
		put_hex(f, rec, sizeof rec);
		fputc('\n', f);
		crypto_generichash_update(&st, rec, sizeof rec);
	}
	crypto_generichash_final(&st, digest, HASH_BYTES);
	fprintf(f, "digest ");
	put_hex(f, digest, HASH_BYTES);
	fputc('\n', f);
}

/* ---- tests/vectors/trees.txt: arrival outcomes, forks, digest ---- */

static const struct case_def {
	const char *name, *why, *arrive;
} tree_cases[] = {
	{ "empty", "nothing held: the digest of no author", "" },
	{ "chain", "a chain, and a root with seq 3", "a1 a2 b3 b4" },
	{ "member_fork", "the member forks at seq 3: from seq 3 on, every branch is excluded",
	    "m1 m2 m3 m3x m4" },
	{ "member_lower_fork", "a later fork at seq 2 moves the exclusion line down to 2",
	    "m1 m2 m3 m3x m4 m2x" },
	{ "member_reversed", "the same events children first: each waits, m1 releases "
	    "them all; then a duplicate", "m4 m3x m3 m2x m2 m2 m1 m3" },
	{ "resident_forks", "a resident forks at seq 2, jumps to seq 5, starts a second "
	    "root at seq 4: nothing is excluded, the latest is a5", "a1 a2 a2x a3 a5 a4r" },
	{ "chain_refused", "a prev of another author, a prev with seq not below: refused",
	    "b3 b4 a1 a2 a2x a3 xa xs xt" },
	{ "chain_after_wait", "xa waits for b4, which comes as bob's: xa is never released, "
	    "and never held", "xa b3 b4" },
	{ "chain_wait_dropped", "xs waits for a2, then cannot link (seq 2 not above a2's): "
	    "dropped, neither held nor waiting", "xs a1 a2" },
	{ "all", "every event that can be held, three authors interleaved",
	    "m1 a1 b3 m2 a2 b4 m3 a2x m3x a3 m4 a5 m2x a4r b6" },
};
#define NCASES (sizeof tree_cases / sizeof tree_cases[0])

/* Splits a case's arrival list into pool indexes; returns how many. */
static size_t case_events(const char *arrive, int *idx, size_t max)
{
	char buf[512], *save = NULL, *t;
	size_t n = 0;

	snprintf(buf, sizeof buf, "%s", arrive);
	for (t = strtok_r(buf, " ", &save); t && n < max; t = strtok_r(NULL, " ", &save))
		idx[n++] = pool_find(t);
	return n;
}

static int gen_trees(FILE *f)
{
	vset_t v;

	if (vset_init(&v) != 0)
		return -1;
	fprintf(f,
	    "# wiec author-tree test vectors (spec/events.md sections 4, 5, 7).\n"
	    "# Generated by the unit test vectors_trees_generated from an independent\n"
	    "# model of the rules; `WIEC_REGEN_VECTORS=1 ./build/unit-tests vectors_`\n"
	    "# rewrites this file, which must then be reviewed.\n"
	    "#\n"
	    "# One record per line, fields separated by one space, binary as lowercase hex:\n"
	    "#   genesis <hex>, network <id>, key <name> <seed> <pk>: as in events.txt\n"
	    "#   xkey <name> <x25519-secret> <x25519-public>: the founder's transport key\n"
	    "#   event <name> <envelope-hex> <id-hex>: a valid event (section 3) of the\n"
	    "#     network, an idea whose title is its name; its comment gives author,\n"
	    "#     seq and prev\n"
	    "#   case <name>: a fresh node holding only the genesis; the lines up to the\n"
	    "#     next case belong to it:\n"
	    "#   arrive <event> <outcome>: the event arrives alone (one batch) and gets\n"
	    "#     added (1), dup (2), pending (3), fork (4) or chain (refused)\n"
	    "#   held / excluded / pending <events...>: afterwards, the events held, those\n"
	    "#     held and marked excluded (section 5), those waiting; '-' for none;\n"
	    "#     in (author key, seq, id) order\n"
	    "#   head <author> <highest seq> <lowest fork seq, 0: none> <events held>\n"
	    "#     <latest event>: one line per author holding an event, by author key\n"
	    "#   tips <author> <events>: its tips, in increasing bytewise id order\n"
	    "#   record <hex>: its 72-byte digest record (section 7)\n"
	    "#   digest <hex>: H(\"wiec-digest-v2\" || the records, in order)\n"
	    "# Any arrival order of a case's events, and any batching, gives the same\n"
	    "# held and excluded sets and digest (tests/unit/test_vectors.c checks one\n"
	    "# batch); what waits is local state and may differ (chain_after_wait).\n");
	put_setup(f, &v);
	for (size_t i = 0; i < NPOOL; i++) {
		const struct pool_def *d = &pool_defs[i];

		fprintf(f, "# %s\nevent %s ", d->why, d->name);
		put_hex(f, v.ev[i].env, v.ev[i].len);
		fputc(' ', f);
		put_hex(f, v.ev[i].id, HASH_BYTES);
		fputc('\n', f);
	}
	for (size_t c = 0; c < NCASES; c++) {
		model_t m = { .v = &v };
		int idx[64];
		size_t n = case_events(tree_cases[c].arrive, idx, 64);

		fprintf(f, "# %s\ncase %s\n", tree_cases[c].why, tree_cases[c].name);
		for (size_t i = 0; i < n; i++) {
			if (idx[i] < 0) {
				vset_free(&v);
				return -1;
			}
			fprintf(f, "arrive %s %s\n", pool_defs[idx[i]].name,
			    outcome_name(model_arrive(&m, (size_t)idx[i])));
		}
		put_state(f, &m);
	}
	vset_free(&v);
	return 0;
}

/* ---- reading the files back, knowing nothing of the generators ---- */

#define VMAX_EVENTS 64
#define VMAX_TOK 80

typedef struct vread {
	uint8_t *gen;
	size_t glen;
	uint8_t net[HASH_BYTES];
	int have_net;
	char keyname[8][16];
	uint8_t keypk[8][KEY_PK_BYTES];
	size_t nkeys;
	char evname[VMAX_EVENTS][16];
	uint8_t *env[VMAX_EVENTS];
	size_t len[VMAX_EVENTS];
	uint8_t id[VMAX_EVENTS][HASH_BYTES];
	size_t nev;
} vread_t;

static void vread_free(vread_t *r)
{
	for (size_t i = 0; i < r->nev; i++)
		free(r->env[i]);
	free(r->gen);
	memset(r, 0, sizeof *r);
}

static int hex_alloc(uint8_t **out, size_t *n, const char *hex)
{
	size_t len = strlen(hex);

	*out = NULL;
	if (len % 2 || len == 0 || (*out = malloc(len / 2)) == NULL)
		return -1;
	*n = len / 2;
	if (hash_from_hex(*out, *n, hex) != 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

static int vfind(const vread_t *r, const char *name)
{
	for (size_t i = 0; i < r->nev; i++)
		if (strcmp(r->evname[i], name) == 0)
			return (int)i;
	return -1;
}

static const uint8_t *vkey(const vread_t *r, const char *name)
{
	for (size_t i = 0; i < r->nkeys; i++)
		if (strcmp(r->keyname[i], name) == 0)
			return r->keypk[i];
	return NULL;
}

/* The setup lines shared by both files: 1 if tok was one and holds, 0 if
 * it is another kind of line, -1 if it does not hold. */
static int vread_setup(vread_t *r, char **tok, size_t n)
{
	if (strcmp(tok[0], "genesis") == 0 && n == 2) {
		genesis_t g;

		if (r->gen != NULL || hex_alloc(&r->gen, &r->glen, tok[1]) != 0 ||
		    genesis_decode(&g, r->gen, r->glen, 1) != 0)
			return -1;
		memcpy(r->net, g.network, HASH_BYTES);
		genesis_free(&g);
		return 1;
	}
	if (strcmp(tok[0], "network") == 0 && n == 2) {
		uint8_t net[HASH_BYTES];

		r->have_net = r->gen && hash_from_hex(net, HASH_BYTES, tok[1]) == 0 &&
		    memcmp(net, r->net, HASH_BYTES) == 0;
		return r->have_net ? 1 : -1;
	}
	if (strcmp(tok[0], "key") == 0 && n == 4) {
		uint8_t seed[32];
		key_pair_t kp;

		if (r->nkeys == 8 || strlen(tok[1]) >= 16 || hash_from_hex(seed, 32, tok[2]) != 0 ||
		    hash_from_hex(r->keypk[r->nkeys], 32, tok[3]) != 0 ||
		    key_from_seed(&kp, seed) != 0 || memcmp(kp.pk, r->keypk[r->nkeys], 32) != 0)
			return -1;
		snprintf(r->keyname[r->nkeys++], 16, "%s", tok[1]);
		return 1;
	}
	if (strcmp(tok[0], "xkey") == 0 && n == 4) {
		uint8_t sk[KEY_X_BYTES], pk[KEY_X_BYTES], want[KEY_X_BYTES];
		const uint8_t *ed = vkey(r, tok[1]);
		genesis_t g;
		int i, ok;

		if (ed == NULL || r->gen == NULL || hash_from_hex(sk, 32, tok[2]) != 0 ||
		    hash_from_hex(want, 32, tok[3]) != 0 || crypto_scalarmult_base(pk, sk) != 0 ||
		    memcmp(pk, want, 32) != 0 || genesis_decode(&g, r->gen, r->glen, 1) != 0)
			return -1;
		/* It is the transport key the genesis lists for that founder. */
		i = genesis_founder(&g, ed);
		ok = i >= 0 && g.body->founders[i]->transport.len == KEY_X_BYTES &&
		    memcmp(g.body->founders[i]->transport.data, pk, KEY_X_BYTES) == 0;
		genesis_free(&g);
		return ok ? 1 : -1;
	}
	if (strcmp(tok[0], "event") == 0 && n == 4) {
		uint8_t want[HASH_BYTES];
		size_t i = r->nev;
		ev_t ev;

		if (!r->have_net || i == VMAX_EVENTS || strlen(tok[1]) >= 16 || vfind(r, tok[1]) >= 0 ||
		    hex_alloc(&r->env[i], &r->len[i], tok[2]) != 0)
			return -1;
		r->nev++;
		snprintf(r->evname[i], 16, "%s", tok[1]);
		hash_2(r->id[i], r->env[i], r->len[i], NULL, 0);
		if (hash_from_hex(want, HASH_BYTES, tok[3]) != 0 ||
		    memcmp(want, r->id[i], HASH_BYTES) != 0 ||
		    ev_check(&ev, r->env[i], r->len[i], r->net) != 0)
			return -1;
		ev_free(&ev);
		return 1;
	}
	return 0;
}

/* Reads path line by line: tokens to fn(ctx, tok, n, lineno). fn returns
 * 0 or -1 (the line does not hold). Returns 0, or -1 naming the line. */
static int vread_lines(const char *path, int (*fn)(void *, char **, size_t), void *ctx)
{
	char *line = NULL, *save, *tok[VMAX_TOK];
	size_t cap = 0, n;
	ssize_t got;
	int lineno = 0, rc = 0;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		fprintf(stderr, "  cannot read %s (run from the repository root)\n", path);
		return -1;
	}
	while (rc == 0 && (got = getline(&line, &cap, f)) != -1) {
		lineno++;
		if (got > 0 && line[got - 1] == '\n')
			line[got - 1] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		n = 0;
		for (char *t = strtok_r(line, " ", &save); t && n < VMAX_TOK;
		    t = strtok_r(NULL, " ", &save))
			tok[n++] = t;
		if (n == 0 || (rc = fn(ctx, tok, n)) != 0)
			fprintf(stderr, "  %s:%d: record '%s' does not hold\n", path, lineno,
			    n ? tok[0] : "");
	}
	free(line);
	fclose(f);
	return rc == 0 ? 0 : -1;
}

/* A fresh store holding only the file's genesis, in dir/name. */
static int vstore(store_t **s, const vread_t *r, const char *dir, const char *name)
{
	char path[512];
	int rc;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((rc = store_open(s, path, FX_MAP, 1)) != 0)
		return rc;
	if ((rc = store_nosync(*s)) != 0 || (rc = store_set_genesis(*s, r->gen, r->glen, r->net, 0)) != 0)
		store_close(s);
	return rc;
}

/* Ingests envelopes idx[0..n) of r as one batch; res (may be NULL) gets
 * each outcome or ev_check error. */
static int vingest(store_t *s, const vread_t *r, const int *idx, size_t n, int *res)
{
	ev_t evs[VMAX_EVENTS];
	int out[VMAX_EVENTS];
	size_t m = 0, map[VMAX_EVENTS];
	int rc;

	for (size_t i = 0; i < n; i++) {
		int c = ev_check(&evs[m], r->env[idx[i]], r->len[idx[i]], r->net);

		if (res)
			res[i] = c;
		if (c == 0)
			map[m++] = i;
	}
	rc = store_ingest(s, evs, m, out, NULL);
	for (size_t j = 0; j < m; j++) {
		if (res && rc == 0)
			res[map[j]] = out[j];
		ev_free(&evs[j]);
	}
	return rc;
}

/* ---- checking trees.txt ---- */

typedef struct tcheck {
	vread_t r;
	const char *dir;
	store_t *s;			/* the case's store: one event per batch */
	size_t ncase;
	int arrived[VMAX_EVENTS];	/* in arrival order */
	size_t narrived;
	int listed[3][VMAX_EVENTS];	/* held, excluded, pending */
	const uint8_t *author;		/* of the last head line */
	store_head_t head;
	uint8_t tipsval[HASH_BYTES];
	crypto_generichash_state dg;
	size_t nrec, nauthors_seen;
} tcheck_t;

static int tcase_start(tcheck_t *c)
{
	char name[32];

	store_close(&c->s);
	snprintf(name, sizeof name, "case%zu", c->ncase++);
	c->narrived = 0;
	c->nrec = 0;
	memset(c->listed, 0, sizeof c->listed);
	crypto_generichash_init(&c->dg, NULL, 0, HASH_BYTES);
	crypto_generichash_update(&c->dg, (const uint8_t *)"wiec-digest-v2", 14);
	return vstore(&c->s, &c->r, c->dir, name);
}

static int outcome_of(const char *name)
{
	static const char *const names[] = { "added", "dup", "pending", "fork" };

	for (int i = 0; i < 4; i++)
		if (strcmp(name, names[i]) == 0)
			return i + 1;
	return strcmp(name, "chain") == 0 ? WIEC_ERR_CHAIN : 0;
}

/* The store's sets against the held/excluded/pending lines. */
static int tcheck_sets(tcheck_t *c, store_t *s, int with_pending)
{
	store_stats_t st;
	size_t nheld = 0, nexcl = 0, npend = 0;

	for (size_t i = 0; i < c->r.nev; i++) {
		int held = store_has(s, c->r.id[i], NULL, NULL) == 0;

		if (held != c->listed[0][i] || (held && store_excluded(s, c->r.id[i]) != c->listed[1][i]))
			return -1;
		if (c->listed[1][i] && !c->listed[0][i])
			return -1;
		nheld += held;
		nexcl += c->listed[1][i];
		npend += c->listed[2][i];
	}
	if (store_stats(s, &st) != 0 || st.events != nheld || st.excluded != nexcl ||
	    (with_pending && st.pending != npend)) {
		fprintf(stderr, "  the store holds %llu, %llu excluded, %llu waiting\n",
		    (unsigned long long)st.events, (unsigned long long)st.excluded,
		    (unsigned long long)st.pending);
		return -1;
	}
	return 0;
}

static int tcheck_line(void *ctx, char **tok, size_t n)
{
	tcheck_t *c = ctx;
	int k, rc = vread_setup(&c->r, tok, n);

	if (rc != 0)
		return rc > 0 ? 0 : -1;
	if (strcmp(tok[0], "case") == 0 && n == 2)
		return c->r.have_net && tcase_start(c) == 0 ? 0 : -1;
	if (c->s == NULL)
		return -1;
	if (strcmp(tok[0], "arrive") == 0 && n == 3) {
		int e = vfind(&c->r, tok[1]), want = outcome_of(tok[2]), got = 0;

		if (e < 0 || want == 0 || c->narrived == VMAX_EVENTS ||
		    vingest(c->s, &c->r, &e, 1, &got) != 0)
			return -1;
		c->arrived[c->narrived++] = e;
		if (got != want)
			fprintf(stderr, "  %s arrives: got %d, want %s\n", tok[1], got, tok[2]);
		return got == want ? 0 : -1;
	}
	k = strcmp(tok[0], "held") == 0 ? 0 : strcmp(tok[0], "excluded") == 0 ? 1 :
	    strcmp(tok[0], "pending") == 0 ? 2 : -1;
	if (k >= 0 && n >= 2) {
		for (size_t i = 1; i < n; i++) {
			int e = vfind(&c->r, tok[i]);

			if (n == 2 && strcmp(tok[1], "-") == 0)
				break;
			if (e < 0 || c->listed[k][e])
				return -1;
			c->listed[k][e] = 1;
		}
		return k == 2 ? tcheck_sets(c, c->s, 1) : 0;
	}
	if (strcmp(tok[0], "head") == 0 && n == 6) {
		int latest = vfind(&c->r, tok[5]);

		if ((c->author = vkey(&c->r, tok[1])) == NULL || latest < 0 ||
		    store_head(c->s, c->author, &c->head) != 0)
			return -1;
		return c->head.seq == strtoull(tok[2], NULL, 10) &&
		    c->head.fork == strtoull(tok[3], NULL, 10) &&
		    c->head.count == strtoull(tok[4], NULL, 10) &&
		    memcmp(c->head.id, c->r.id[latest], HASH_BYTES) == 0 ? 0 : -1;
	}
	if (strcmp(tok[0], "tips") == 0 && n >= 3) {
		uint8_t ids[VMAX_EVENTS * HASH_BYTES];
		crypto_generichash_state st;

		if (c->author == NULL || vkey(&c->r, tok[1]) != c->author || n - 2 != c->head.ntips)
			return -1;
		for (size_t i = 2; i < n; i++) {
			int e = vfind(&c->r, tok[i]);

			if (e < 0 || (i > 2 && memcmp(c->r.id[e], ids + (i - 3) * HASH_BYTES,
			    HASH_BYTES) <= 0))
				return -1;
			memcpy(ids + (i - 2) * HASH_BYTES, c->r.id[e], HASH_BYTES);
		}
		/* The tips value from the tip ids alone, as section 7 says. */
		crypto_generichash_init(&st, NULL, 0, HASH_BYTES);
		crypto_generichash_update(&st, (const uint8_t *)"wiec-tips-v1", 12);
		crypto_generichash_update(&st, ids, (n - 2) * HASH_BYTES);
		crypto_generichash_final(&st, c->tipsval, HASH_BYTES);
		return memcmp(c->tipsval, c->head.tips, HASH_BYTES) == 0 ? 0 : -1;
	}
	if (strcmp(tok[0], "record") == 0 && n == 2) {
		uint8_t rec[CHAIN_DIGEST_REC];

		if (c->author == NULL || hash_from_hex(rec, sizeof rec, tok[1]) != 0 ||
		    memcmp(rec, c->author, KEY_PK_BYTES) != 0 ||
		    hash_get_be64(rec + KEY_PK_BYTES) != c->head.seq ||
		    memcmp(rec + KEY_PK_BYTES + 8, c->tipsval, HASH_BYTES) != 0)
			return -1;
		crypto_generichash_update(&c->dg, rec, sizeof rec);
		c->nrec++;
		c->author = NULL;
		return 0;
	}
	if (strcmp(tok[0], "digest") == 0 && n == 2) {
		uint8_t want[HASH_BYTES], got[HASH_BYTES];
		char name[32];
		store_stats_t st;
		store_t *b = NULL;
		int ok;

		/* From the records alone, then the store's, then all in one batch
		 * (what waits may differ then: chain_after_wait). */
		crypto_generichash_final(&c->dg, got, HASH_BYTES);
		if (hash_from_hex(want, HASH_BYTES, tok[1]) != 0 || memcmp(got, want, HASH_BYTES) != 0 ||
		    store_stats(c->s, &st) != 0 || memcmp(st.digest, want, HASH_BYTES) != 0 ||
		    st.authors != c->nrec)
			return -1;
		snprintf(name, sizeof name, "batch%zu", c->ncase);
		if (vstore(&b, &c->r, c->dir, name) != 0)
			return -1;
		ok = vingest(b, &c->r, c->arrived, c->narrived, NULL) == 0 && tcheck_sets(c, b, 0) == 0 &&
		    store_stats(b, &st) == 0 && memcmp(st.digest, want, HASH_BYTES) == 0;
		store_close(&b);
		if (!ok)
			fprintf(stderr, "  the case's events in one batch give another state\n");
		c->nauthors_seen += c->nrec;
		return ok ? 0 : -1;
	}
	return -1;
}

/* The generator reproduces path byte for byte (or rewrites it when
 * WIEC_REGEN_VECTORS=1). */
static int vgenerated(const char *path, int (*gen)(FILE *))
{
	const char *regen = getenv("WIEC_REGEN_VECTORS");
	char *text = NULL;
	size_t len = 0, flen = 0;
	uint8_t *file;
	FILE *f;
	int ok;

	if ((f = open_memstream(&text, &len)) == NULL)
		return -1;
	ok = gen(f) == 0;
	if (fclose(f) != 0 || !ok) {
		free(text);
		return -1;
	}
	if (regen != NULL && strcmp(regen, "1") == 0) {
		if (fx_write_file(path, text, len, 0644) != 0) {
			free(text);
			return -1;
		}
		fprintf(stderr, "  wrote %s (%zu bytes)\n", path, len);
	}
	file = fx_read_file(path, &flen);
	ok = file != NULL && flen == len && memcmp(file, text, len) == 0;
	if (!ok)
		fprintf(stderr, "  %s differs from what the generator writes; if the change "
		    "is intended, run WIEC_REGEN_VECTORS=1 ./build/unit-tests vectors_\n", path);
	free(file);
	free(text);
	return ok ? 0 : -1;
}

TEST(vectors_trees_generated)
{
	CHECK(vgenerated(TREES_PATH, gen_trees) == 0);
}

/* Every line of trees.txt holds, read without the generator. */
TEST(vectors_trees_file)
{
	tcheck_t c;
	int rc;

	memset(&c, 0, sizeof c);
	c.dir = TEST_TMP;
	rc = vread_lines(TREES_PATH, tcheck_line, &c);
	store_close(&c.s);
	vread_free(&c.r);
	CHECK(rc == 0);
	CHECK(c.ncase == NCASES);
	CHECK(c.nauthors_seen > 0);
}

/* ---- tests/vectors/export.txt: framing and what `wiec import` gives ---- */

static const struct {
	const char *name;
	int err;
} rule_names[] = {
	{ "too_big", WIEC_ERR_TOO_BIG }, { "decode", WIEC_ERR_DECODE },
	{ "noncanon", WIEC_ERR_NONCANON }, { "unknown", WIEC_ERR_UNKNOWN },
	{ "field", WIEC_ERR_FIELD }, { "network", WIEC_ERR_NETWORK }, { "sig", WIEC_ERR_SIG },
	{ "chain", WIEC_ERR_CHAIN }, { "pending_full", WIEC_ERR_PENDING_FULL },
};

static const char *rule_name(int err)
{
	for (size_t i = 0; i < sizeof rule_names / sizeof rule_names[0]; i++)
		if (rule_names[i].err == err)
			return rule_names[i].name;
	return NULL;
}

/* The digest of the model's held set (section 7). */
static void model_digest(const model_t *m, uint8_t out[static HASH_BYTES], size_t *held)
{
	crypto_generichash_state st;
	int order[WHO_N];

	*held = 0;
	crypto_generichash_init(&st, NULL, 0, HASH_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)"wiec-digest-v2", 14);
	who_order(m->v, order);
	for (int w = 0; w < WHO_N; w++) {
		uint8_t rec[KEY_PK_BYTES + 8 + HASH_BYTES];
		mhead_t h;

		model_head(m, order[w], &h);
		*held += h.count;
		if (h.count == 0)
			continue;
		memcpy(rec, m->v->keys[order[w]].pk, KEY_PK_BYTES);
		hash_put_be64(rec + KEY_PK_BYTES, h.seq);
		memcpy(rec + KEY_PK_BYTES + 8, h.tipsval, HASH_BYTES);
		crypto_generichash_update(&st, rec, sizeof rec);
	}
	crypto_generichash_final(&st, out, HASH_BYTES);
}

/* One case being written: its bytes go out line by line, the outcome
 * follows from what the generator put in. */
typedef struct xgen {
	FILE *f;
	const vset_t *v;
	model_t m;
	uint64_t off;
	char refused[1024];
	const char *stop;
	uint64_t stop_off;
	int bad;
} xgen_t;

static void xcase(xgen_t *g, const char *name, const char *why)
{
	fprintf(g->f, "# %s\ncase %s\n", why, name);
	memset(&g->m, 0, sizeof g->m);
	g->m.v = g->v;
	g->off = 0;
	g->refused[0] = '\0';
	g->stop = NULL;
}

/* Raw bytes of the file, one line. */
static void xbytes(xgen_t *g, const void *p, size_t n)
{
	fprintf(g->f, "bytes ");
	put_hex(g->f, p, n);
	fputc('\n', g->f);
	g->off += n;
}

static void xmagic(xgen_t *g)
{
	xbytes(g, FRAME_MAGIC, FRAME_MAGIC_BYTES);
}

/* A whole record (length, bytes) in one line; its offset is returned. */
static uint64_t xrecord(xgen_t *g, const uint8_t *p, size_t n)
{
	uint8_t *b = malloc(n + 4);
	uint64_t at = g->off;

	if (b == NULL) {
		g->bad = 1;
		return at;
	}
	b[0] = (uint8_t)(n >> 24);
	b[1] = (uint8_t)(n >> 16);
	b[2] = (uint8_t)(n >> 8);
	b[3] = (uint8_t)n;
	memcpy(b + 4, p, n);
	xbytes(g, b, n + 4);
	free(b);
	return at;
}

static void xgenesis(xgen_t *g)
{
	xrecord(g, g->v->gen, g->v->glen);
}

static void xrefused(xgen_t *g, uint64_t at, const char *rule)
{
	size_t n = strlen(g->refused);

	snprintf(g->refused + n, sizeof g->refused - n, "refused %llu %s\n",
	    (unsigned long long)at, rule);
}

/* A pool event's record: it arrives (in file order) unless framing stopped. */
static void xevent(xgen_t *g, const char *name)
{
	int e = pool_find(name);
	uint64_t at;

	if (e < 0) {
		g->bad = 1;
		return;
	}
	at = xrecord(g, g->v->ev[e].env, g->v->ev[e].len);
	if (model_arrive(&g->m, (size_t)e) == MO_CHAIN)
		xrefused(g, at, "chain");
}

/* A record ev_check refuses with rule. */
static void xbad(xgen_t *g, const uint8_t *p, size_t n, const char *rule)
{
	xrefused(g, xrecord(g, p, n), rule);
}

static void xstop(xgen_t *g, const char *why)
{
	g->stop = why;
	g->stop_off = g->off;
}

static void xend(xgen_t *g)
{
	uint8_t digest[HASH_BYTES];
	size_t held;

	fputs(g->refused, g->f);
	if (g->stop)
		fprintf(g->f, "stop %llu %s\n", (unsigned long long)g->stop_off, g->stop);
	model_digest(&g->m, digest, &held);
	fprintf(g->f, "exit %d\nheld %zu\ndigest ", g->stop || g->refused[0] ? 5 : 0, held);
	put_hex(g->f, digest, HASH_BYTES);
	fputc('\n', g->f);
}

static int gen_export(FILE *f)
{
	static const uint8_t zero4[4] = { 0 }, len65537[4] = { 0, 1, 0, 1 }, two[2] = { 0, 0 };
	static const uint8_t junk[4] = { 0xff, 0xff, 0xff, 0xff };
	vset_t v;
	xgen_t g = { .f = f, .v = &v };
	uint8_t *other = NULL, other_net[HASH_BYTES], *big = NULL, *env = NULL;
	size_t olen;
	fx_ev_t oe = { 0 };
	int a1, a2, rc = -1;
	genesis_t gd;

	if (vset_init(&v) != 0)
		return -1;
	a1 = pool_find("a1");
	a2 = pool_find("a2");
	/* Another network: the same founder, another name. */
	if (vgenesis(&other, &olen, other_net, &v.keys[WHO_FOUNDER], v.xpk, "innowo") != 0 ||
	    fx_build(&oe, &v.keys[WHO_ALICE], other_net, 1, NULL, EV_IDEA, "a1", NULL, FX_TS) != 0 ||
	    (big = calloc(1, FRAME_MAX)) == NULL || (env = malloc(v.ev[a2].len)) == NULL)
		goto out;
	fprintf(f,
	    "# wiec export file test vectors (spec/events.md section 9). Generated by the\n"
	    "# unit test vectors_export_generated; `WIEC_REGEN_VECTORS=1 ./build/unit-tests\n"
	    "# vectors_` rewrites this file, which must then be reviewed.\n"
	    "#\n"
	    "# One record per line, fields separated by one space, binary as lowercase hex.\n"
	    "# genesis, network, key, xkey: as in trees.txt (the same network). Then cases:\n"
	    "#   case <name>: `wiec import` of one file into a node holding only the genesis\n"
	    "#   bytes <hex>: the next bytes of the file (the file is the case's bytes\n"
	    "#     lines concatenated; a line is usually one whole record, length first)\n"
	    "#   refused <offset> <rule>: the record whose length starts at this byte\n"
	    "#     offset is refused, naming the rule (section 3, or chain: section 4);\n"
	    "#     the other records are imported\n"
	    "#   stop <offset> <why>: the file is broken here; nothing from this offset on\n"
	    "#     is read, the records before it are imported. why is magic (no\n"
	    "#     \"WIECLOG1\"), missing (no genesis record), genesis <rule> (the first\n"
	    "#     record is not a complete genesis of this network), or frame (a length\n"
	    "#     of 0 or above 65,536, or a length or record cut short)\n"
	    "#   exit <status>: 5 if any record was refused or the file is broken, else 0\n"
	    "#   held <n>, digest <hex>: the node's events and digest (section 7) afterwards\n"
	    "# A case's records arrive in file order; any --batch gives the same outcome.\n");
	put_setup(f, &v);

	xcase(&g, "valid", "three events, each after its prev");
	xmagic(&g), xgenesis(&g), xevent(&g, "a1"), xevent(&g, "a2"), xevent(&g, "b3"), xend(&g);
	xcase(&g, "reversed", "the same events, a2 before its prev a1: the same result");
	xmagic(&g), xgenesis(&g), xevent(&g, "b3"), xevent(&g, "a2"), xevent(&g, "a1"), xend(&g);
	xcase(&g, "forks", "a member's fork and a lower one: held and marked, none refused");
	xmagic(&g), xgenesis(&g);
	xevent(&g, "m1"), xevent(&g, "m2"), xevent(&g, "m3"), xevent(&g, "m3x"), xevent(&g, "m4");
	xevent(&g, "m2x"), xend(&g);
	xcase(&g, "duplicate", "the same event twice: a duplicate is not refused");
	xmagic(&g), xgenesis(&g), xevent(&g, "a1"), xevent(&g, "a1"), xend(&g);
	xcase(&g, "waiting", "a2 without its prev: still waiting at the end, not refused");
	xmagic(&g), xgenesis(&g), xevent(&g, "a2"), xend(&g);
	xcase(&g, "chain", "xa names bob's b4 as its prev: refused (chain)");
	xmagic(&g), xgenesis(&g), xevent(&g, "b3"), xevent(&g, "b4"), xevent(&g, "xa"), xend(&g);
	xcase(&g, "bad_envelope", "a2 with its last signature byte flipped: refused, the "
	    "others imported");
	memcpy(env, v.ev[a2].env, v.ev[a2].len);
	env[v.ev[a2].len - 1] ^= 0x01;
	xmagic(&g), xgenesis(&g), xevent(&g, "a1"), xbad(&g, env, v.ev[a2].len, "sig");
	xevent(&g, "b3"), xend(&g);
	xcase(&g, "other_network_event", "alice's first idea signed for another network");
	xmagic(&g), xgenesis(&g), xbad(&g, oe.env, oe.len, "network"), xevent(&g, "a1"), xend(&g);
	xcase(&g, "garbage_record", "a record of 4 bytes ff ff ff ff: not an envelope");
	xmagic(&g), xgenesis(&g), xbad(&g, junk, sizeof junk, "decode"), xevent(&g, "a1"), xend(&g);
	xcase(&g, "genesis_twice", "the genesis again after an event: an envelope record, "
	    "and not a valid one");
	{
		ev_t ev;
		const char *r = rule_name(ev_check(&ev, v.gen, v.glen, v.net));

		if (r == NULL)
			goto out;
		xmagic(&g), xgenesis(&g), xevent(&g, "a1"), xbad(&g, v.gen, v.glen, r), xend(&g);
	}
	xcase(&g, "max_length", "a record of 65,536 zero bytes: framed, refused as an "
	    "envelope (field number 0); the next record is read");
	xmagic(&g), xgenesis(&g), xevent(&g, "a1"), xbad(&g, big, FRAME_MAX, "decode");
	xevent(&g, "a2"), xend(&g);
	xcase(&g, "empty_file", "no bytes at all");
	xstop(&g, "magic"), xend(&g);
	xcase(&g, "bad_magic", "WIECLOG2 instead of WIECLOG1");
	xstop(&g, "magic"), xbytes(&g, "WIECLOG2", 8), xgenesis(&g), xend(&g);
	xcase(&g, "short_magic", "the magic cut short");
	xstop(&g, "magic"), xbytes(&g, "WIECLO", 6), xend(&g);
	xcase(&g, "magic_only", "the magic and nothing else: no genesis");
	xmagic(&g), xstop(&g, "missing"), xend(&g);
	xcase(&g, "genesis_zero_length", "the first record has length 0");
	xmagic(&g), xstop(&g, "frame"), xbytes(&g, zero4, 4), xgenesis(&g), xend(&g);
	xcase(&g, "genesis_not_first", "an event where the genesis should be (it is read as a "
	    "Genesis message and fails as one)");
	{
		int grc = genesis_decode(&gd, v.ev[a1].env, v.ev[a1].len, 1);
		char why[64];

		if (grc == 0) {
			genesis_free(&gd);
			goto out;
		}
		snprintf(why, sizeof why, "genesis %s", rule_name(grc));
		xmagic(&g), xstop(&g, why), xevent(&g, "a1");
		/* It was not read: take it back out of the model. */
		memset(&g.m, 0, sizeof g.m);
		g.m.v = &v;
		xgenesis(&g), xend(&g);
	}
	xcase(&g, "other_genesis", "another network's complete genesis first");
	xmagic(&g), xstop(&g, "genesis network"), xrecord(&g, other, olen), xend(&g);
	xcase(&g, "zero_length", "a record of length 0 after a1: a1 imported, a2 not read");
	xmagic(&g), xgenesis(&g), xevent(&g, "a1"), xstop(&g, "frame"), xbytes(&g, zero4, 4);
	xrecord(&g, v.ev[a2].env, v.ev[a2].len), xend(&g);
	xcase(&g, "too_long", "a length of 65,537 after a1 (followed by 4 bytes)");
	xmagic(&g), xgenesis(&g), xevent(&g, "a1"), xstop(&g, "frame");
	xbytes(&g, len65537, 4), xbytes(&g, junk, 4), xend(&g);
	xcase(&g, "truncated_length", "the file ends 2 bytes into a length");
	xmagic(&g), xgenesis(&g), xevent(&g, "a1"), xstop(&g, "frame"), xbytes(&g, two, 2);
	xend(&g);
	xcase(&g, "truncated_record", "a2's record without its last byte");
	xmagic(&g), xgenesis(&g), xevent(&g, "a1"), xstop(&g, "frame");
	{
		uint8_t *b = malloc(v.ev[a2].len + 4);
		size_t l = v.ev[a2].len;

		if (b == NULL)
			goto out;
		b[0] = (uint8_t)(l >> 24), b[1] = (uint8_t)(l >> 16), b[2] = (uint8_t)(l >> 8);
		b[3] = (uint8_t)l;
		memcpy(b + 4, v.ev[a2].env, l);
		xbytes(&g, b, l + 3);
		free(b);
	}
	xend(&g);
	rc = g.bad ? -1 : 0;
out:
	fx_free(&oe, 1);
	free(other);
	free(big);
	free(env);
	vset_free(&v);
	return rc;
}

TEST(vectors_export_generated)
{
	CHECK(vgenerated(EXPORT_PATH, gen_export) == 0);
}

/* ---- checking export.txt: an import through proto/frame.c ---- */

typedef struct xcheck {
	vread_t r;
	const char *dir;
	int in_case;
	size_t ncase, nrefused, nstops;
	uint8_t *bytes;
	size_t n, cap;
	char got[4096];		/* the refused and stop lines the import gives */
	char want[4096];	/* those the file gives */
	int exit_want;
	size_t held_want;
} xcheck_t;

/* Appends the line "<kind> <off> <what>". */
static void xc_add(char *buf, size_t cap, const char *kind, uint64_t off, const char *what)
{
	size_t n = strlen(buf);

	snprintf(buf + n, cap - n, "%s %llu %s\n", kind, (unsigned long long)off,
	    what ? what : "?");
}

/* Imports the case's file with this many records per store batch, as
 * section 9 says: refusals and the stop into got; held count and digest. */
static int xc_import(xcheck_t *c, size_t batch, const char *name, size_t *held,
    uint8_t digest[static HASH_BYTES])
{
	char path[512];
	uint8_t *rec = malloc(FRAME_MAX), *bufs[VMAX_EVENTS];
	size_t len, nb = 0, lens[VMAX_EVENTS];
	uint64_t off = FRAME_MAGIC_BYTES, offs[VMAX_EVENTS];
	store_t *s = NULL;
	store_stats_t st;
	genesis_t g;
	FILE *f = NULL;
	int rc = -1, fr;

	c->got[0] = '\0';
	snprintf(path, sizeof path, "%s/%s.log", c->dir, name);
	if (rec == NULL || fx_write_file(path, c->bytes, c->n, 0644) != 0 ||
	    (f = fopen(path, "rb")) == NULL || vstore(&s, &c->r, c->dir, name) != 0)
		goto out;
	if (frame_read_magic(f) != 0) {
		xc_add(c->got, sizeof c->got, "stop", 0, "magic");
		goto done;
	}
	fr = frame_read(f, rec, &len);
	if (fr == 1 || fr < 0) {
		xc_add(c->got, sizeof c->got, "stop", off, fr == 1 ? "missing" : "frame");
		goto done;
	}
	if ((fr = genesis_decode(&g, rec, len, 1)) != 0 || memcmp(g.network, c->r.net, HASH_BYTES)) {
		if (fr == 0)
			genesis_free(&g);
		char why[64];

		snprintf(why, sizeof why, "genesis %s", fr ? rule_name(fr) : "network");
		xc_add(c->got, sizeof c->got, "stop", off, why);
		goto done;
	}
	genesis_free(&g);
	off += 4 + len;
	for (;;) {
		int stop = 0, res[VMAX_EVENTS];
		ev_t evs[VMAX_EVENTS];
		size_t m = 0, map[VMAX_EVENTS];

		fr = frame_read(f, rec, &len);
		if (fr == 0) {
			if (nb == VMAX_EVENTS || (bufs[nb] = malloc(len)) == NULL)
				goto out;
			memcpy(bufs[nb], rec, len);
			lens[nb] = len;
			offs[nb++] = off;
			off += 4 + len;
		} else {
			stop = 1;
		}
		if (nb < batch && !stop)
			continue;
		/* A batch: ev_check each record, then one store transaction. */
		for (size_t i = 0; i < nb; i++) {
			int e = ev_check(&evs[m], bufs[i], lens[i], c->r.net);

			if (e != 0)
				xc_add(c->got, sizeof c->got, "refused", offs[i], rule_name(e));
			else
				map[m++] = i;
		}
		if (store_ingest(s, evs, m, res, NULL) != 0)
			goto out;
		for (size_t j = 0; j < m; j++) {
			if (res[j] < 0)
				xc_add(c->got, sizeof c->got, "refused", offs[map[j]],
				    rule_name(res[j]));
			ev_free(&evs[j]);
		}
		for (size_t i = 0; i < nb; i++)
			free(bufs[i]);
		nb = 0;
		if (stop) {
			if (fr < 0)
				xc_add(c->got, sizeof c->got, "stop", off, "frame");
			break;
		}
	}
done:
	if (store_stats(s, &st) == 0) {
		*held = st.events;
		memcpy(digest, st.digest, HASH_BYTES);
		rc = 0;
	}
out:
	for (size_t i = 0; i < nb; i++)
		free(bufs[i]);
	if (f)
		fclose(f);
	store_close(&s);
	free(rec);
	return rc;
}

/* Refusals can come out of a batch in store order: compare as sorted lines. */
static int lines_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int same_lines(const char *a, const char *b)
{
	char x[4096], y[4096], *lx[64], *ly[64], *save;
	size_t nx = 0, ny = 0;

	snprintf(x, sizeof x, "%s", a);
	snprintf(y, sizeof y, "%s", b);
	for (char *t = strtok_r(x, "\n", &save); t && nx < 64; t = strtok_r(NULL, "\n", &save))
		lx[nx++] = t;
	for (char *t = strtok_r(y, "\n", &save); t && ny < 64; t = strtok_r(NULL, "\n", &save))
		ly[ny++] = t;
	if (nx != ny)
		return 0;
	qsort(lx, nx, sizeof *lx, lines_cmp);
	qsort(ly, ny, sizeof *ly, lines_cmp);
	for (size_t i = 0; i < nx; i++)
		if (strcmp(lx[i], ly[i]) != 0)
			return 0;
	return 1;
}

static int xcheck_line(void *ctx, char **tok, size_t n)
{
	xcheck_t *c = ctx;
	int rc = vread_setup(&c->r, tok, n);

	if (rc != 0)
		return rc > 0 && !c->in_case ? 0 : -1;
	if (strcmp(tok[0], "case") == 0 && n == 2) {
		if (!c->r.have_net || c->in_case)
			return -1;
		c->in_case = 1;
		c->ncase++;
		c->n = 0;
		c->want[0] = '\0';
		return 0;
	}
	if (!c->in_case)
		return -1;
	if (strcmp(tok[0], "bytes") == 0 && n == 2) {
		size_t add = strlen(tok[1]) / 2;

		if (c->n + add > c->cap) {
			uint8_t *p = realloc(c->bytes, c->n + add);

			if (p == NULL)
				return -1;
			c->bytes = p;
			c->cap = c->n + add;
		}
		if (strlen(tok[1]) % 2 || hash_from_hex(c->bytes + c->n, add, tok[1]) != 0)
			return -1;
		c->n += add;
		return 0;
	}
	if (strcmp(tok[0], "refused") == 0 && n == 3) {
		c->nrefused++;
		xc_add(c->want, sizeof c->want, "refused", strtoull(tok[1], NULL, 10), tok[2]);
		return 0;
	}
	if (strcmp(tok[0], "stop") == 0 && (n == 3 || n == 4)) {
		char why[64];

		c->nstops++;
		snprintf(why, sizeof why, "%s%s%s", tok[2], n == 4 ? " " : "", n == 4 ? tok[3] : "");
		xc_add(c->want, sizeof c->want, "stop", strtoull(tok[1], NULL, 10), why);
		return 0;
	}
	if (strcmp(tok[0], "exit") == 0 && n == 2) {
		c->exit_want = atoi(tok[1]);
		/* Section 9: 5 if a record was refused or the framing is broken. */
		return c->exit_want == (c->want[0] ? 5 : 0) ? 0 : -1;
	}
	if (strcmp(tok[0], "held") == 0 && n == 2) {
		c->held_want = strtoull(tok[1], NULL, 10);
		return 0;
	}
	if (strcmp(tok[0], "digest") == 0 && n == 2) {
		uint8_t want[HASH_BYTES], d1[HASH_BYTES], dn[HASH_BYTES];
		size_t h1 = 0, hn = 0;
		char name[32], got1[4096];
		int ok;

		c->in_case = 0;
		if (hash_from_hex(want, HASH_BYTES, tok[1]) != 0)
			return -1;
		/* One record per batch (file order), then the whole file in one batch. */
		snprintf(name, sizeof name, "x%zu-1", c->ncase);
		if (xc_import(c, 1, name, &h1, d1) != 0)
			return -1;
		snprintf(got1, sizeof got1, "%s", c->got);
		snprintf(name, sizeof name, "x%zu-n", c->ncase);
		if (xc_import(c, VMAX_EVENTS, name, &hn, dn) != 0)
			return -1;
		ok = strcmp(got1, c->want) == 0 && same_lines(c->got, c->want) &&
		    h1 == c->held_want && hn == c->held_want &&
		    memcmp(d1, want, HASH_BYTES) == 0 && memcmp(dn, want, HASH_BYTES) == 0;
		if (!ok)
			fprintf(stderr, "  want:\n%s  got (one per batch, %zu held):\n%s  got (one "
			    "batch, %zu held):\n%s", c->want, h1, got1, hn, c->got);
		return ok ? 0 : -1;
	}
	return -1;
}

TEST(vectors_export_file)
{
	xcheck_t c;
	int rc;

	memset(&c, 0, sizeof c);
	c.dir = TEST_TMP;
	rc = vread_lines(EXPORT_PATH, xcheck_line, &c);
	vread_free(&c.r);
	free(c.bytes);
	CHECK(rc == 0);
	CHECK(!c.in_case);
	CHECK(c.ncase >= 20);
	CHECK(c.nrefused >= 5 && c.nstops >= 5);
}
