/* test_roster.c: the roster walk (model/roster.c, spec/members.md) over an
 * in-memory view: adds, removals, rotations, quorums, approvals in any
 * order, competing and waiting changes, and order independence. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/roster.h"
#include "tests/unit/memview.h"
#include "tests/unit/test.h"

#define RT_FOUNDERS_MAX 8

/* A network of founders 0x11, 0x12, ... (identity key = 32 bytes of that
 * value, transport key = 32 bytes of value + 0x70) and its view. */
typedef struct rt {
	uint8_t key[RT_FOUNDERS_MAX][KEY_PK_BYTES], tr[RT_FOUNDERS_MAX][KEY_X_BYTES];
	Wiec__Founder f[RT_FOUNDERS_MAX];
	Wiec__Founder *fp[RT_FOUNDERS_MAX];
	Wiec__GenesisBody g;
	memview_t mv;
	model_view_t v;
	uint64_t seq;		/* makes otherwise equal bodies distinct events */
} rt_t;

static void kb(uint8_t out[static KEY_PK_BYTES], uint8_t b)
{
	memset(out, b, KEY_PK_BYTES);
}

static void rt_init(rt_t *t, size_t n, uint32_t quorum)
{
	static char *names[RT_FOUNDERS_MAX] = { "Miasto", "Fundacja", "Uczelnia", "Firma",
	    "E", "F", "G", "H" };

	memset(t, 0, sizeof *t);
	wiec__genesis_body__init(&t->g);
	for (size_t i = 0; i < n; i++) {
		wiec__founder__init(&t->f[i]);
		kb(t->key[i], (uint8_t)(0x11 + i));
		kb(t->tr[i], (uint8_t)(0x81 + i));
		t->f[i].key.data = t->key[i];
		t->f[i].key.len = KEY_PK_BYTES;
		t->f[i].transport.data = t->tr[i];
		t->f[i].transport.len = KEY_X_BYTES;
		t->f[i].name = names[i];
		t->f[i].role = WIEC__ROLE__ROLE_CITY + (int)(i % 5);
		t->fp[i] = &t->f[i];
	}
	t->g.name = (char *)"testowo";
	t->g.founders = t->fp;
	t->g.n_founders = n;
	t->g.quorum = quorum;
	memview_init(&t->mv, &t->g, NULL);
	t->v = memview_view(&t->mv);
}

static void rt_free(rt_t *t)
{
	memview_free(&t->mv);
}

/* Holds body b (content set) as the next event of author byte a; id (may
 * be NULL) gets its id. */
static int rt_post(rt_t *t, uint8_t a, Wiec__Body *b, uint8_t *id)
{
	uint8_t author[KEY_PK_BYTES];

	kb(author, a);
	b->author.data = author;
	b->author.len = KEY_PK_BYTES;
	b->seq = ++t->seq;
	return memview_add(&t->mv, b, id);
}

/* Posts a member change by author byte a. For add and rotate, the record
 * has identity key byte nk and transport byte nt; remove and rotate name
 * the member by key byte k; after NULL: the genesis. */
static int rt_change(rt_t *t, uint8_t a, int op, uint8_t nk, uint8_t nt, uint8_t k,
    const uint8_t *after, uint8_t id[static HASH_BYTES])
{
	uint8_t key[KEY_PK_BYTES], nkey[KEY_PK_BYTES], ntr[KEY_X_BYTES];
	char *ep[1] = { (char *)"tcp://127.0.0.1:7000" };
	Wiec__MemberChange mc = WIEC__MEMBER_CHANGE__INIT;
	Wiec__Founder f = WIEC__FOUNDER__INIT;
	Wiec__Body b = WIEC__BODY__INIT;

	kb(key, k);
	kb(nkey, nk);
	kb(ntr, nt);
	mc.op = op;
	if (op != WIEC__MEMBER_OP__MEMBER_REMOVE) {
		f.key.data = nkey;
		f.key.len = KEY_PK_BYTES;
		f.transport.data = ntr;
		f.transport.len = KEY_X_BYTES;
		f.name = (char *)"Nowa";
		f.role = WIEC__ROLE__ROLE_NGO;
		f.endpoints = ep;
		f.n_endpoints = 1;
		mc.member = &f;
	}
	if (op != WIEC__MEMBER_OP__MEMBER_ADD) {
		mc.key.data = key;
		mc.key.len = KEY_PK_BYTES;
	}
	if (after != NULL) {
		mc.after.data = (uint8_t *)after;
		mc.after.len = HASH_BYTES;
	}
	mc.reason = (char *)"test";
	b.content_case = WIEC__BODY__CONTENT_MEMBER;
	b.member = &mc;
	return rt_post(t, a, &b, id);
}

static int rt_approve(rt_t *t, uint8_t a, const uint8_t target[static HASH_BYTES])
{
	Wiec__Approve ap = WIEC__APPROVE__INIT;
	Wiec__Body b = WIEC__BODY__INIT;

	ap.target.data = (uint8_t *)target;
	ap.target.len = HASH_BYTES;
	b.content_case = WIEC__BODY__CONTENT_APPROVE;
	b.approve = &ap;
	return rt_post(t, a, &b, NULL);
}

static int is_member(const roster_t *r, uint8_t b)
{
	uint8_t k[KEY_PK_BYTES];

	kb(k, b);
	return roster_member_of(r, k) != NULL;
}

static int is_former(const roster_t *r, uint8_t b)
{
	uint8_t k[KEY_PK_BYTES];

	kb(k, b);
	return roster_is_former(r, k);
}

static const roster_member_t *member(const roster_t *r, uint8_t b)
{
	uint8_t k[KEY_PK_BYTES];

	kb(k, b);
	return roster_member_of(r, k);
}

TEST(roster_quorum_formula)
{
	/* q(n) = max(ceil(n*Q0/n0), floor(n/2)+1), capped at n */
	CHECK_EQ_U64(roster_quorum(4, 4, 3), 3);
	CHECK_EQ_U64(roster_quorum(5, 4, 3), 4);
	CHECK_EQ_U64(roster_quorum(3, 4, 3), 3);
	CHECK_EQ_U64(roster_quorum(2, 4, 3), 2);
	CHECK_EQ_U64(roster_quorum(1, 4, 3), 1);
	CHECK_EQ_U64(roster_quorum(7, 4, 3), 6);
	CHECK_EQ_U64(roster_quorum(4, 4, 1), 3);
	CHECK_EQ_U64(roster_quorum(6, 4, 1), 4);
	CHECK_EQ_U64(roster_quorum(10, 3, 2), 7);
	CHECK_EQ_U64(roster_quorum(1, 1, 1), 1);
	CHECK_EQ_U64(roster_quorum(2, 1, 1), 2);
	CHECK_EQ_U64(roster_quorum(256, 64, 64), 256);
	CHECK_EQ_U64(roster_quorum(0, 4, 3), 0);
}

TEST(roster_genesis_only)
{
	static const uint8_t zero[HASH_BYTES];
	roster_t r;
	rt_t t;

	rt_init(&t, 4, 3);
	CHECK(roster_load(&t.v, &r) == 0);
	CHECK_EQ_U64(r.n, 4);
	CHECK_EQ_U64(r.quorum, 3);
	CHECK_EQ_U64(r.changes, 0);
	CHECK(memcmp(r.head, zero, HASH_BYTES) == 0);
	for (size_t i = 1; i < r.n; i++)
		CHECK(memcmp(r.members[i - 1].key, r.members[i].key, KEY_PK_BYTES) < 0);
	CHECK(strcmp(member(&r, 0x12)->name, "Fundacja") == 0);
	CHECK(memcmp(member(&r, 0x12)->transport, t.tr[1], KEY_X_BYTES) == 0);
	CHECK(!is_member(&r, 0x15) && !is_former(&r, 0x11));
	roster_free(&r);
	rt_free(&t);
}

TEST(roster_add_needs_quorum)
{
	uint8_t id[HASH_BYTES], signers[ROSTER_MAX][KEY_PK_BYTES];
	roster_t r;
	rt_t t;

	rt_init(&t, 4, 3);
	CHECK(rt_change(&t, 0x11, WIEC__MEMBER_OP__MEMBER_ADD, 0x15, 0x95, 0, NULL, id) == 0);
	CHECK(roster_load(&t.v, &r) == 0);
	CHECK_EQ_U64(r.n, 4);				/* the author alone */
	CHECK_EQ_U64(roster_signers(&t.v, &r, id, signers), 1);
	roster_free(&r);
	CHECK(rt_approve(&t, 0x12, id) == 0);
	CHECK(roster_load(&t.v, &r) == 0);
	CHECK_EQ_U64(r.n, 4);				/* two of three */
	CHECK_EQ_U64(roster_signers(&t.v, &r, id, signers), 2);
	roster_free(&r);
	CHECK(rt_approve(&t, 0x13, id) == 0);
	CHECK(roster_load(&t.v, &r) == 0);
	CHECK_EQ_U64(r.n, 5);
	CHECK_EQ_U64(r.quorum, 4);			/* recomputed for five */
	CHECK_EQ_U64(r.changes, 1);
	CHECK(memcmp(r.head, id, HASH_BYTES) == 0);
	CHECK(is_member(&r, 0x15));
	CHECK(strcmp(member(&r, 0x15)->name, "Nowa") == 0);
	CHECK_EQ_U64(member(&r, 0x15)->nendpoints, 1);
	CHECK(strcmp(member(&r, 0x15)->endpoints[0], "tcp://127.0.0.1:7000") == 0);
	CHECK_EQ_U64(member(&r, 0x15)->transport[0], 0x95);
	roster_free(&r);
	rt_free(&t);
}

TEST(roster_non_member_approvals)
{
	uint8_t id[HASH_BYTES];
	roster_t r;
	rt_t t;

	rt_init(&t, 4, 3);
	/* A non-member's change, approved by non-members (the newcomer itself
	 * included) and twice by one member: one signer. */
	CHECK(rt_change(&t, 0x99, WIEC__MEMBER_OP__MEMBER_ADD, 0x15, 0x95, 0, NULL, id) == 0);
	CHECK(rt_approve(&t, 0x15, id) == 0);
	CHECK(rt_approve(&t, 0x98, id) == 0);
	CHECK(rt_approve(&t, 0x12, id) == 0);
	CHECK(rt_approve(&t, 0x12, id) == 0);
	CHECK(roster_load(&t.v, &r) == 0);
	CHECK_EQ_U64(r.n, 4);
	roster_free(&r);
	/* Two more members: three signers, effective whoever posted it. */
	CHECK(rt_approve(&t, 0x13, id) == 0);
	CHECK(rt_approve(&t, 0x14, id) == 0);
	CHECK(roster_load(&t.v, &r) == 0);
	CHECK_EQ_U64(r.n, 5);
	roster_free(&r);
	rt_free(&t);
}

TEST(roster_excluded_approval)
{
	uint8_t id[HASH_BYTES];
	roster_t r;
	rt_t t;

	rt_init(&t, 4, 3);
	CHECK(rt_change(&t, 0x11, WIEC__MEMBER_OP__MEMBER_ADD, 0x15, 0x95, 0, NULL, id) == 0);
	CHECK(rt_approve(&t, 0x12, id) == 0);
	CHECK(rt_approve(&t, 0x13, id) == 0);
	t.mv.ev[t.mv.n - 1].excluded = 1;	/* 0x13 equivocated before it */
	CHECK(roster_load(&t.v, &r) == 0);
	CHECK_EQ_U64(r.n, 4);
	roster_free(&r);
	rt_free(&t);
}

TEST(roster_approvals_before_change)
{
	uint8_t id[HASH_BYTES];
	roster_t r;
	rt_t t, u;

	/* Learn the change's id in one view, then hold its approvals alone in another. */
	rt_init(&t, 4, 3);
	rt_init(&u, 4, 3);
	CHECK(rt_change(&t, 0x11, WIEC__MEMBER_OP__MEMBER_ADD, 0x15, 0x95, 0, NULL, id) == 0);
	u.seq = 100;
	CHECK(rt_approve(&u, 0x12, id) == 0);
	CHECK(rt_approve(&u, 0x13, id) == 0);
	CHECK(roster_load(&u.v, &r) == 0);
	CHECK_EQ_U64(r.n, 4);
	roster_free(&r);
	u.seq = 0;
	CHECK(rt_change(&u, 0x11, WIEC__MEMBER_OP__MEMBER_ADD, 0x15, 0x95, 0, NULL, id) == 0);
	CHECK(roster_load(&u.v, &r) == 0);
	CHECK_EQ_U64(r.n, 5);
	CHECK(is_member(&r, 0x15));
	roster_free(&r);
	rt_free(&t);
	rt_free(&u);
}

TEST(roster_remove)
{
	uint8_t rm[HASH_BYTES], add[HASH_BYTES];
	roster_t r;
	rt_t t;

	rt_init(&t, 4, 3);
	CHECK(rt_change(&t, 0x11, WIEC__MEMBER_OP__MEMBER_REMOVE, 0, 0, 0x14, NULL, rm) == 0);
	CHECK(rt_approve(&t, 0x12, rm) == 0);
	CHECK(rt_approve(&t, 0x13, rm) == 0);
	CHECK(roster_load(&t.v, &r) == 0);
	CHECK_EQ_U64(r.n, 3);
	CHECK_EQ_U64(r.quorum, 3);
	CHECK(!is_member(&r, 0x14) && is_former(&r, 0x14) && !is_former(&r, 0x13));
	roster_free(&r);
	/* The removed member's signature no longer counts on later changes. */
	CHECK(rt_change(&t, 0x11, WIEC__MEMBER_OP__MEMBER_ADD, 0x16, 0x96, 0, rm, add) == 0);
	CHECK(rt_approve(&t, 0x12, add) == 0);
	CHECK(rt_approve(&t, 0x14, add) == 0);
	CHECK(roster_load(&t.v, &r) == 0);
	CHECK_EQ_U64(r.n, 3);
	roster_free(&r);
	CHECK(rt_approve(&t, 0x13, add) == 0);
	CHECK(roster_load(&t.v, &r) == 0);
	CHECK_EQ_U64(r.n, 4);
	CHECK(is_member(&r, 0x16));
	CHECK_EQ_U64(r.changes, 2);
	CHECK(memcmp(r.head, add, HASH_BYTES) == 0);
	roster_free(&r);
	rt_free(&t);
}

TEST(roster_rotate)
{
	uint8_t rot[HASH_BYTES], tr[HASH_BYTES], add[HASH_BYTES];
	const roster_member_t *m;
	roster_t r;
	rt_t t;

	rt_init(&t, 4, 3);
	/* 0x12 moves to identity 0x22, transport 0xa2. */
	CHECK(rt_change(&t, 0x12, WIEC__MEMBER_OP__MEMBER_ROTATE, 0x22, 0xa2, 0x12, NULL, rot) == 0);
	CHECK(rt_approve(&t, 0x11, rot) == 0);
	CHECK(rt_approve(&t, 0x13, rot) == 0);
	CHECK(roster_load(&t.v, &r) == 0);
	CHECK_EQ_U64(r.n, 4);
	CHECK((m = member(&r, 0x12)) != NULL && m == member(&r, 0x22));
	CHECK(m->key[0] == 0x22 && m->transport[0] == 0xa2 && m->nold == 1 && m->old_keys[0][0] == 0x12);
	CHECK(strcmp(m->name, "Nowa") == 0);
	CHECK(!is_former(&r, 0x12));
	roster_free(&r);
	/* Later changes count the new key, not the old one. */
	CHECK(rt_change(&t, 0x11, WIEC__MEMBER_OP__MEMBER_ADD, 0x15, 0x95, 0, rot, add) == 0);
	CHECK(rt_approve(&t, 0x12, add) == 0);
	CHECK(rt_approve(&t, 0x13, add) == 0);
	CHECK(roster_load(&t.v, &r) == 0);
	CHECK_EQ_U64(r.n, 4);
	roster_free(&r);
	CHECK(rt_approve(&t, 0x22, add) == 0);
	CHECK(roster_load(&t.v, &r) == 0);
	CHECK_EQ_U64(r.n, 5);
	roster_free(&r);
	/* A transport-only rotation keeps the identity and adds no old key. */
	CHECK(rt_change(&t, 0x13, WIEC__MEMBER_OP__MEMBER_ROTATE, 0x13, 0xb3, 0x13, add, tr) == 0);
	CHECK(rt_approve(&t, 0x11, tr) == 0);
	CHECK(rt_approve(&t, 0x22, tr) == 0);
	CHECK(rt_approve(&t, 0x15, tr) == 0);
	CHECK(roster_load(&t.v, &r) == 0);
	CHECK((m = member(&r, 0x13)) != NULL && m->transport[0] == 0xb3 && m->nold == 0);
	CHECK(memcmp(r.head, tr, HASH_BYTES) == 0);
	/* After removal, every key the member ever had is former. */
	roster_free(&r);
	CHECK(rt_change(&t, 0x11, WIEC__MEMBER_OP__MEMBER_REMOVE, 0, 0, 0x22, tr, rot) == 0);
	CHECK(rt_approve(&t, 0x13, rot) == 0);
	CHECK(rt_approve(&t, 0x14, rot) == 0);
	CHECK(rt_approve(&t, 0x15, rot) == 0);
	CHECK(roster_load(&t.v, &r) == 0);
	CHECK_EQ_U64(r.n, 4);
	CHECK(is_former(&r, 0x12) && is_former(&r, 0x22) && member(&r, 0x12) == NULL);
	roster_free(&r);
	rt_free(&t);
}

/* Signs id by every founder byte in [lo, hi]. */
static int approve_all(rt_t *t, const uint8_t *id, uint8_t lo, uint8_t hi)
{
	for (unsigned b = lo; b <= hi; b++)
		if (rt_approve(t, (uint8_t)b, id) != 0)
			return -1;
	return 0;
}

TEST(roster_invalid_changes)
{
	uint8_t id[HASH_BYTES], ok[HASH_BYTES];
	roster_t r;
	rt_t t;

	rt_init(&t, 4, 3);
	/* Fully signed, but each invalid against the genesis state. */
	CHECK(rt_change(&t, 0x11, WIEC__MEMBER_OP__MEMBER_REMOVE, 0, 0, 0x55, NULL, id) == 0);
	CHECK(approve_all(&t, id, 0x12, 0x14) == 0);
	CHECK(rt_change(&t, 0x11, WIEC__MEMBER_OP__MEMBER_ADD, 0x13, 0x95, 0, NULL, id) == 0);
	CHECK(approve_all(&t, id, 0x12, 0x14) == 0);
	CHECK(rt_change(&t, 0x11, WIEC__MEMBER_OP__MEMBER_ADD, 0x15, 0x82, 0, NULL, id) == 0);
	CHECK(approve_all(&t, id, 0x12, 0x14) == 0);	/* 0x12's transport */
	CHECK(rt_change(&t, 0x11, WIEC__MEMBER_OP__MEMBER_ROTATE, 0x13, 0xa1, 0x11, NULL, id) == 0);
	CHECK(approve_all(&t, id, 0x12, 0x14) == 0);	/* onto 0x13's key */
	CHECK(rt_change(&t, 0x11, WIEC__MEMBER_OP__MEMBER_ROTATE, 0x21, 0xa1, 0x55, NULL, id) == 0);
	CHECK(approve_all(&t, id, 0x12, 0x14) == 0);	/* not a member */
	CHECK(rt_change(&t, 0x11, WIEC__MEMBER_OP__MEMBER_NONE, 0x15, 0x95, 0x12, NULL, id) == 0);
	CHECK(approve_all(&t, id, 0x12, 0x14) == 0);
	CHECK(roster_load(&t.v, &r) == 0);
	CHECK_EQ_U64(r.n, 4);
	CHECK_EQ_U64(r.changes, 0);
	roster_free(&r);
	/* A valid sibling applies whatever the ids of the invalid ones. */
	CHECK(rt_change(&t, 0x12, WIEC__MEMBER_OP__MEMBER_ADD, 0x15, 0x95, 0, NULL, ok) == 0);
	CHECK(approve_all(&t, ok, 0x13, 0x14) == 0);
	CHECK(roster_load(&t.v, &r) == 0);
	CHECK_EQ_U64(r.n, 5);
	CHECK(memcmp(r.head, ok, HASH_BYTES) == 0);
	roster_free(&r);
	rt_free(&t);
}

TEST(roster_last_member_stays)
{
	uint8_t id[HASH_BYTES];
	roster_t r;
	rt_t t;

	rt_init(&t, 1, 1);
	CHECK(rt_change(&t, 0x11, WIEC__MEMBER_OP__MEMBER_REMOVE, 0, 0, 0x11, NULL, id) == 0);
	CHECK(roster_load(&t.v, &r) == 0);
	CHECK_EQ_U64(r.n, 1);
	CHECK_EQ_U64(r.quorum, 1);
	roster_free(&r);
	/* One founder, quorum 1: its own add is enough; then two are needed. */
	CHECK(rt_change(&t, 0x11, WIEC__MEMBER_OP__MEMBER_ADD, 0x12, 0x92, 0, NULL, id) == 0);
	CHECK(roster_load(&t.v, &r) == 0);
	CHECK_EQ_U64(r.n, 2);
	CHECK_EQ_U64(r.quorum, 2);
	roster_free(&r);
	rt_free(&t);
}

TEST(roster_competing_lowest_id)
{
	uint8_t a[HASH_BYTES], b[HASH_BYTES], c[HASH_BYTES];
	const uint8_t *lo, *hi;
	roster_t r;

	for (int order = 0; order < 2; order++) {
		rt_t t;

		rt_init(&t, 4, 3);
		/* Two effective adds on the genesis state, in either order of
		 * arrival: the smaller id applies, the other never does. */
		if (order == 0) {
			CHECK(rt_change(&t, 0x11, WIEC__MEMBER_OP__MEMBER_ADD, 0x15, 0x95, 0, NULL, a) == 0);
			CHECK(rt_change(&t, 0x12, WIEC__MEMBER_OP__MEMBER_ADD, 0x16, 0x96, 0, NULL, b) == 0);
		} else {
			t.seq = 1;
			CHECK(rt_change(&t, 0x12, WIEC__MEMBER_OP__MEMBER_ADD, 0x16, 0x96, 0, NULL, b) == 0);
			t.seq = 0;
			CHECK(rt_change(&t, 0x11, WIEC__MEMBER_OP__MEMBER_ADD, 0x15, 0x95, 0, NULL, a) == 0);
			t.seq = 2;
		}
		CHECK(approve_all(&t, a, 0x12, 0x14) == 0);
		CHECK(approve_all(&t, b, 0x11, 0x13) == 0);
		CHECK(roster_load(&t.v, &r) == 0);
		lo = memcmp(a, b, HASH_BYTES) < 0 ? a : b;
		hi = lo == a ? b : a;
		CHECK_EQ_U64(r.n, 5);
		CHECK(memcmp(r.head, lo, HASH_BYTES) == 0);
		CHECK(is_member(&r, lo == a ? 0x15 : 0x16) && !is_member(&r, lo == a ? 0x16 : 0x15));
		roster_free(&r);
		/* A change after the loser waits forever; after the winner it applies. */
		CHECK(rt_change(&t, 0x13, WIEC__MEMBER_OP__MEMBER_ADD, 0x17, 0x97, 0, hi, c) == 0);
		CHECK(approve_all(&t, c, 0x11, 0x16) == 0);
		CHECK(roster_load(&t.v, &r) == 0);
		CHECK_EQ_U64(r.n, 5);
		CHECK(memcmp(r.head, lo, HASH_BYTES) == 0);
		roster_free(&r);
		CHECK(rt_change(&t, 0x13, WIEC__MEMBER_OP__MEMBER_ADD, 0x17, 0x97, 0, lo, c) == 0);
		CHECK(approve_all(&t, c, 0x11, 0x16) == 0);
		CHECK(roster_load(&t.v, &r) == 0);
		CHECK_EQ_U64(r.n, 6);
		CHECK(memcmp(r.head, c, HASH_BYTES) == 0);
		roster_free(&r);
		rt_free(&t);
	}
}

TEST(roster_waits_for_after)
{
	uint8_t a[HASH_BYTES], b[HASH_BYTES];
	roster_t r;
	rt_t t, u;

	rt_init(&t, 4, 3);
	rt_init(&u, 4, 3);
	CHECK(rt_change(&t, 0x11, WIEC__MEMBER_OP__MEMBER_ADD, 0x15, 0x95, 0, NULL, a) == 0);
	u.seq = t.seq;
	/* b follows a and is fully signed, but a is not held: b waits. */
	CHECK(rt_change(&u, 0x12, WIEC__MEMBER_OP__MEMBER_REMOVE, 0, 0, 0x14, a, b) == 0);
	CHECK(approve_all(&u, b, 0x11, 0x15) == 0);
	CHECK(roster_load(&u.v, &r) == 0);
	CHECK_EQ_U64(r.n, 4);
	CHECK(is_member(&r, 0x14));
	roster_free(&r);
	u.seq = 0;
	CHECK(rt_change(&u, 0x11, WIEC__MEMBER_OP__MEMBER_ADD, 0x15, 0x95, 0, NULL, a) == 0);
	CHECK(roster_load(&u.v, &r) == 0);
	CHECK_EQ_U64(r.n, 4);			/* a not effective yet: b still waits */
	CHECK(is_member(&r, 0x14) && !is_member(&r, 0x15));
	roster_free(&r);
	CHECK(approve_all(&u, a, 0x12, 0x13) == 0);
	CHECK(roster_load(&u.v, &r) == 0);
	CHECK_EQ_U64(r.n, 4);			/* +0x15 -0x14 */
	CHECK(is_member(&r, 0x15) && !is_member(&r, 0x14) && is_former(&r, 0x14));
	CHECK(memcmp(r.head, b, HASH_BYTES) == 0);
	CHECK_EQ_U64(r.changes, 2);
	roster_free(&r);
	rt_free(&t);
	rt_free(&u);
}

TEST(roster_quorum_recomputed)
{
	uint8_t a[HASH_BYTES], b[HASH_BYTES];
	roster_t r;
	rt_t t;

	rt_init(&t, 4, 3);
	CHECK(rt_change(&t, 0x11, WIEC__MEMBER_OP__MEMBER_ADD, 0x15, 0x95, 0, NULL, a) == 0);
	CHECK(approve_all(&t, a, 0x12, 0x13) == 0);
	/* With five members the quorum is four: three signers are not enough. */
	CHECK(rt_change(&t, 0x11, WIEC__MEMBER_OP__MEMBER_ADD, 0x16, 0x96, 0, a, b) == 0);
	CHECK(approve_all(&t, b, 0x12, 0x13) == 0);
	CHECK(roster_load(&t.v, &r) == 0);
	CHECK_EQ_U64(r.n, 5);
	CHECK_EQ_U64(r.quorum, 4);
	roster_free(&r);
	CHECK(rt_approve(&t, 0x15, b) == 0);
	CHECK(roster_load(&t.v, &r) == 0);
	CHECK_EQ_U64(r.n, 6);
	CHECK_EQ_U64(r.quorum, 5);		/* ceil(6*3/4) = 5 */
	roster_free(&r);
	rt_free(&t);
}

/* Whether two rosters are the same, member by member. */
static int roster_same(const roster_t *a, const roster_t *b)
{
	if (a->n != b->n || a->quorum != b->quorum || a->changes != b->changes ||
	    memcmp(a->head, b->head, HASH_BYTES) != 0 || a->nformer != b->nformer ||
	    (a->nformer && memcmp(a->former, b->former, a->nformer * KEY_PK_BYTES) != 0))
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		const roster_member_t *x = &a->members[i], *y = &b->members[i];

		if (memcmp(x->key, y->key, KEY_PK_BYTES) != 0 ||
		    memcmp(x->transport, y->transport, KEY_X_BYTES) != 0 ||
		    strcmp(x->name, y->name) != 0 || x->nold != y->nold ||
		    (x->nold && memcmp(x->old_keys, y->old_keys, x->nold * KEY_PK_BYTES) != 0))
			return 0;
	}
	return 1;
}

/* Holds src's events in dst in the order perm[0..n). */
static int replay(memview_t *dst, const memview_t *src, const size_t *perm, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const memview_ev_t *e = &src->ev[perm[i]];
		Wiec__Body *b = wiec__body__unpack(NULL, e->len, e->body);
		int rc;

		if (b == NULL)
			return -1;
		rc = memview_add(dst, b, NULL);
		wiec__body__free_unpacked(b, NULL);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int next_perm(size_t *p, size_t n)
{
	size_t i = n - 1, j = n - 1, tmp;

	while (i > 0 && p[i - 1] >= p[i])
		i--;
	if (i == 0)
		return 0;
	while (p[j] <= p[i - 1])
		j--;
	tmp = p[i - 1], p[i - 1] = p[j], p[j] = tmp;
	for (j = n - 1; i < j; i++, j--)
		tmp = p[i], p[i] = p[j], p[j] = tmp;
	return 1;
}

TEST(roster_every_order)
{
	uint8_t a[HASH_BYTES], b[HASH_BYTES], c[HASH_BYTES];
	size_t perm[8];
	roster_t want, got;
	unsigned long count = 0;
	rt_t t;

	/* Two competing changes on the genesis (a add, b rotate), one after
	 * each, and approvals: 8 events, every one of the 40320 orders. The
	 * founders sign by their change's authorship; quorum 2 of 3. */
	rt_init(&t, 3, 2);
	CHECK(rt_change(&t, 0x11, WIEC__MEMBER_OP__MEMBER_ADD, 0x15, 0x95, 0, NULL, a) == 0);
	CHECK(rt_change(&t, 0x12, WIEC__MEMBER_OP__MEMBER_ROTATE, 0x22, 0xa2, 0x12, NULL, b) == 0);
	CHECK(rt_approve(&t, 0x13, a) == 0);
	CHECK(rt_approve(&t, 0x13, b) == 0);
	CHECK(rt_change(&t, 0x13, WIEC__MEMBER_OP__MEMBER_REMOVE, 0, 0, 0x11, a, c) == 0);
	CHECK(rt_approve(&t, 0x15, c) == 0);
	CHECK(rt_approve(&t, 0x12, c) == 0);
	CHECK(rt_change(&t, 0x13, WIEC__MEMBER_OP__MEMBER_REMOVE, 0, 0, 0x11, b, c) == 0);
	CHECK_EQ_U64(t.mv.n, 8);
	CHECK(roster_load(&t.v, &want) == 0);
	CHECK_EQ_U64(want.changes, memcmp(a, b, HASH_BYTES) < 0 ? 2 : 1);
	for (size_t i = 0; i < 8; i++)
		perm[i] = i;
	do {
		memview_t mv;
		model_view_t v;
		int same;

		memview_init(&mv, &t.g, NULL);
		v = memview_view(&mv);
		CHECK(replay(&mv, &t.mv, perm, 8) == 0);
		CHECK(roster_load(&v, &got) == 0);
		same = roster_same(&want, &got);
		roster_free(&got);
		memview_free(&mv);
		CHECK(same);
		count++;
	} while (next_perm(perm, 8));
	CHECK_EQ_U64(count, 40320);
	roster_free(&want);
	rt_free(&t);
}
