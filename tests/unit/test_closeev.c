/* test_closeev.c: close statements as events (model/closeev.c, proto/kind_close.c
 * rows 32-36): every kind survives sign, encode, decode and back; the
 * content rules refuse what spec/close.md section 2 forbids. */
#include "crypto/err.h"
#include "model/closeev.h"
#include "model/slot.h"
#include "proto/event.h"
#include "proto/kind.h"
#include "tests/unit/memview.h"
#include "tests/unit/test.h"

/* Signs s as kp (long lists named by l's parts, resolved through v),
 * decodes the event and turns it back into *back. */
static int round_trip_v(const key_pair_t *kp, const close_stmt_t *s, const closelist_t *l,
    const model_view_t *v, close_stmt_t *back)
{
	static const uint8_t net[HASH_BYTES] = { 7 };
	Wiec__Body b = WIEC__BODY__INIT;
	closeev_msg_t m;
	uint8_t *env = NULL;
	size_t len;
	ev_t ev;
	model_ev_t me;
	int rc;

	if ((rc = closeev_to_body(s, l, &b, &m)) != 0)
		return rc;
	ev_set_header(&b, net, kp->pk, 4, NULL);
	if ((rc = ev_build(&env, &len, kp, &b)) != 0)
		return rc;
	if ((rc = ev_decode(&ev, env, len)) != 0) {
		free(env);
		return rc;
	}
	memset(&me, 0, sizeof me);
	memcpy(me.id, ev.id, HASH_BYTES);
	memcpy(me.author, ev.author, KEY_PK_BYTES);
	me.seq = ev.seq;
	me.body = ev.body;
	rc = closeev_kind(ev.body->content_case) ? closeev_from_ev(v, &me, back) : -1;
	ev_free(&ev);
	free(env);
	return rc;
}

static int round_trip(const key_pair_t *kp, const close_stmt_t *s, close_stmt_t *back)
{
	return round_trip_v(kp, s, NULL, NULL, back);
}

static int same(const close_stmt_t *a, const close_stmt_t *b)
{
	return a->kind == b->kind && memcmp(a->process, b->process, HASH_BYTES) == 0 &&
	    memcmp(a->roster, b->roster, HASH_BYTES) == 0 &&
	    close_round_cmp(&a->round, &b->round) == 0 && a->nseal == b->nseal &&
	    (a->nseal == 0 || memcmp(a->seal, b->seal, a->nseal * HASH_BYTES) == 0) &&
	    a->has_acc == b->has_acc && (!a->has_acc ||
	    (close_round_cmp(&a->acc_round, &b->acc_round) == 0 &&
	    close_value_eq(&a->acc_value, &b->acc_value))) &&
	    close_value_eq(&a->value, &b->value) && a->npromises == b->npromises &&
	    (a->npromises == 0 || memcmp(a->promises, b->promises, a->npromises * HASH_BYTES) == 0) &&
	    (a->kind != CLOSE_PROPOSAL || a->value.count == 0 ||
	    memcmp(a->frontier, b->frontier, a->value.count * HASH_BYTES) == 0) &&
	    memcmp(a->proposal, b->proposal, HASH_BYTES) == 0;
}

TEST(closeev_every_kind_round_trips)
{
	uint8_t ids[3][HASH_BYTES], prom[1][HASH_BYTES];
	key_pair_t kp;
	close_stmt_t s, back;

	CHECK(key_generate(&kp) == 0);
	for (int i = 0; i < 3; i++)
		memset(ids[i], i + 1, HASH_BYTES);
	memset(prom[0], 9, HASH_BYTES);
	for (int kind = CLOSE_CLOSE; kind <= CLOSE_COSIGN; kind++) {
		memset(&s, 0, sizeof s);
		s.kind = kind;
		memset(s.process, 0xaa, HASH_BYTES);
		memset(s.roster, 0, HASH_BYTES);
		memcpy(s.round.proposer, kp.pk, KEY_PK_BYTES);
		s.round.counter = kind == CLOSE_CLOSE ? 0 : 5;
		if (kind == CLOSE_CLOSE || kind == CLOSE_PROMISE) {
			s.seal = &ids[0][0];
			s.nseal = 3;
		}
		if (kind == CLOSE_PROMISE) {
			s.has_acc = 1;
			s.acc_round.counter = 2;
			memset(s.acc_round.proposer, 3, KEY_PK_BYTES);
			memset(s.acc_value.root, 4, HASH_BYTES);
			s.acc_value.count = 2;
			memset(s.acc_value.result, 5, HASH_BYTES);
		}
		if (kind == CLOSE_PROPOSAL || kind == CLOSE_COSIGN) {
			CHECK(close_frontier_root(s.value.root, &ids[0][0], 3) == 0);
			s.value.count = 3;
			memset(s.value.result, 6, HASH_BYTES);
		}
		if (kind == CLOSE_PROPOSAL) {
			s.frontier = &ids[0][0];
			s.promises = &prom[0][0];
			s.npromises = 1;
		}
		if (kind == CLOSE_COSIGN)
			memset(s.proposal, 8, HASH_BYTES);
		CHECK(round_trip(&kp, &s, &back) == 0);
		CHECK(same(&s, &back));
		CHECK(memcmp(back.author, kp.pk, KEY_PK_BYTES) == 0 && back.seq == 5);
		close_stmt_free(&back);
	}
	key_wipe(&kp);
}

TEST(closeev_content_rules)
{
	uint8_t ids[2][HASH_BYTES], big[EV_CLOSE_IDS_MAX + 1][HASH_BYTES];
	key_pair_t kp;
	close_stmt_t s, back;

	CHECK(key_generate(&kp) == 0);
	memset(ids[0], 2, HASH_BYTES);
	memset(ids[1], 1, HASH_BYTES);		/* out of order */
	memset(&s, 0, sizeof s);
	s.kind = CLOSE_CLOSE;
	memset(s.process, 0xaa, HASH_BYTES);
	s.seal = &ids[0][0];
	s.nseal = 2;
	CHECK(round_trip(&kp, &s, &back) == WIEC_ERR_FIELD);	/* unsorted seal */
	memset(ids[1], 2, HASH_BYTES);
	CHECK(round_trip(&kp, &s, &back) == WIEC_ERR_FIELD);	/* duplicate id */
	for (size_t i = 0; i <= EV_CLOSE_IDS_MAX; i++) {
		memset(big[i], 0, HASH_BYTES);
		big[i][0] = (uint8_t)(i >> 8);
		big[i][1] = (uint8_t)i;
	}
	s.seal = &big[0][0];
	s.nseal = EV_CLOSE_IDS_MAX + 1;
	/* A Close's seal is informational: a longer one is left out. */
	CHECK(round_trip(&kp, &s, &back) == 0 && back.nseal == 0);
	close_stmt_free(&back);
	s.kind = CLOSE_PROMISE;		/* a Promise's needs its parts */
	CHECK(round_trip(&kp, &s, &back) == WIEC_ERR_TOO_BIG);
	s.kind = CLOSE_CLOSE;
	s.nseal = EV_CLOSE_IDS_MAX;
	CHECK(round_trip(&kp, &s, &back) == 0);			/* the limit fits an envelope */
	close_stmt_free(&back);
	memset(&s, 0, sizeof s);
	s.kind = CLOSE_PREPARE;		/* counter 0: only a Close opens round 0 */
	memset(s.process, 0xaa, HASH_BYTES);
	CHECK(round_trip(&kp, &s, &back) == WIEC_ERR_FIELD);
	memset(&s, 0, sizeof s);
	s.kind = CLOSE_PROMISE;		/* reports a cosign of its own round */
	memset(s.process, 0xaa, HASH_BYTES);
	s.round.counter = 3;
	s.has_acc = 1;
	s.acc_round.counter = 3;
	CHECK(round_trip(&kp, &s, &back) == WIEC_ERR_FIELD);
	key_wipe(&kp);
}

/* n sorted, distinct pseudo-random ids (uniform bytes, as event ids are). */
static uint8_t *random_ids(size_t n, uint64_t seed)
{
	uint8_t *ids = malloc(n * HASH_BYTES), be[8];

	if (ids == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		hash_put_be64(be, seed * 1000003u + i);
		hash_2(ids + i * HASH_BYTES, be, sizeof be, NULL, 0);
	}
	qsort(ids, n, HASH_BYTES, memview_id_cmp);
	return ids;
}

/* Holds part i of l in mv as an IdPart of author at seq. */
static int hold_part(memview_t *mv, const closelist_t *l, size_t i, const uint8_t *author,
    uint64_t seq)
{
	Wiec__Body b = WIEC__BODY__INIT;
	Wiec__IdPart p = WIEC__ID_PART__INIT;
	int rc;

	b.author.data = (uint8_t *)author;
	b.author.len = KEY_PK_BYTES;
	b.seq = seq;
	b.content_case = WIEC__BODY__CONTENT_IDPART;
	b.idpart = &p;
	p.process.data = (uint8_t *)l->process;
	p.process.len = HASH_BYTES;
	p.level = l->parts[i].level;
	p.items.data = (uint8_t *)closelist_items(l, &l->parts[i]);
	p.items.len = l->parts[i].n * HASH_BYTES;
	if ((rc = kind_check(&b)) != 0)
		return rc;
	return memview_add(mv, &b, NULL);
}

/* Holds every part of l in mv but part skip, as IdPart events of author
 * (part i at seq i + 1). */
static int hold_parts(memview_t *mv, const closelist_t *l, const uint8_t *author, size_t skip)
{
	int rc;

	for (size_t i = 0; i < l->nparts; i++)
		if (i != skip && (rc = hold_part(mv, l, i, author, i + 1)) != 0)
			return rc;
	return 0;
}

TEST(closelist_parts_resolve_at_every_level)
{
	static const size_t maxes[] = { 8, 40, EV_CLOSE_IDS_MAX };
	uint8_t process[HASH_BYTES], author[KEY_PK_BYTES], *ids = random_ids(20000, 1), *back;
	size_t n;

	memset(process, 0xaa, sizeof process);
	memset(author, 0x11, sizeof author);
	CHECK(ids != NULL);
	for (size_t t = 0; t < sizeof maxes / sizeof maxes[0]; t++) {
		size_t total = maxes[t] == 8 ? 3000 : 20000;
		closelist_t l;
		memview_t mv;
		model_view_t v;
		uint32_t top = 0;

		CHECK(closelist_build(process, ids, total, maxes[t], &l) == 0);
		CHECK(l.ntop >= 1 && l.ntop <= maxes[t]);
		for (size_t i = 0; i < l.nparts; i++) {
			CHECK(l.parts[i].n >= 1 && l.parts[i].n <= maxes[t]);
			top = l.parts[i].level > top ? l.parts[i].level : top;
		}
		/* 3,000 ids in parts of at most 8: three levels (375, 47, 6 parts). */
		CHECK(maxes[t] != 8 || top == 2);
		CHECK(maxes[t] != EV_CLOSE_IDS_MAX || top == 0);
		memview_init(&mv, NULL, model_refs);
		v = memview_view(&mv);
		/* One part missing: the list is incomplete, not wrong. */
		CHECK(hold_parts(&mv, &l, author, l.nparts / 2) == 0);
		CHECK(closelist_resolve(&v, process, l.top, l.ntop, &back, &n) == WIEC_ERR_NOTFOUND);
		CHECK(hold_parts(&mv, &l, author, SIZE_MAX) == 0);
		CHECK(closelist_resolve(&v, process, l.top, l.ntop, &back, &n) == 0);
		CHECK(n == total && memcmp(back, ids, n * HASH_BYTES) == 0);
		free(back);
		/* Named for another process: nothing is held. */
		process[0] ^= 1;
		CHECK(closelist_resolve(&v, process, l.top, l.ntop, &back, &n) == WIEC_ERR_NOTFOUND);
		process[0] ^= 1;
		if (l.ntop >= 2) {
			/* The top hashes out of order: not ascending, ill-formed. */
			uint8_t *sw = malloc(l.ntop * HASH_BYTES);

			CHECK(sw != NULL);
			memcpy(sw, l.top, l.ntop * HASH_BYTES);
			memcpy(sw, l.top + HASH_BYTES, HASH_BYTES);
			memcpy(sw + HASH_BYTES, l.top, HASH_BYTES);
			CHECK(closelist_resolve(&v, process, sw, l.ntop, &back, &n) == WIEC_ERR_DECODE);
			/* The same part twice: not distinct. */
			memcpy(sw + HASH_BYTES, l.top, HASH_BYTES);
			CHECK(closelist_resolve(&v, process, sw, l.ntop, &back, &n) == WIEC_ERR_DECODE);
			free(sw);
		}
		if (top >= 1) {
			/* A level-0 part named beside a level-1 one: mixed levels. */
			uint8_t mix[2 * HASH_BYTES];

			memcpy(mix, l.parts[0].hash, HASH_BYTES);
			memcpy(mix + HASH_BYTES, l.top, HASH_BYTES);
			CHECK(closelist_resolve(&v, process, mix, 2, &back, &n) == WIEC_ERR_DECODE);
		}
		memview_free(&mv);
		closelist_free(&l);
	}
	/* More levels than an IdPart may have (parts of 2: 1,500, 750 ... ). */
	{
		closelist_t l;

		CHECK(closelist_build(process, ids, 3000, 2, &l) == WIEC_ERR_TOO_BIG);
	}
	free(ids);
}

/* Marks every held copy of part p (by author, or any author: NULL) as
 * excluded (x 1) or not (x 0); returns how many copies it marked. */
static size_t exclude_part(memview_t *mv, const closelist_part_t *p, const uint8_t *author, int x)
{
	size_t n = 0;

	for (size_t i = 0; i < mv->nent; i++) {
		memview_ev_t *e;

		if (mv->ent[i].tag != MREF_PART || memcmp(mv->ent[i].ref, p->hash, HASH_BYTES) != 0 ||
		    (e = memview_find(mv, mv->ent[i].id)) == NULL ||
		    (author != NULL && memcmp(e->author, author, KEY_PK_BYTES) != 0))
			continue;
		e->excluded = x;
		n++;
	}
	return n;
}

static int get_fails(void *ctx, const uint8_t id[static HASH_BYTES], model_ev_t *out)
{
	(void)ctx;
	(void)id;
	memset(out, 0, sizeof *out);
	return WIEC_ERR_CORRUPT;
}

/* closelist_held: 1 while some copy of the part is held and not excluded,
 * whoever posted it; 0 for a part nobody posted or whose every copy is
 * excluded; a failure of the view passes through. */
TEST(closelist_held_answers_held_missing_excluded)
{
	uint8_t process[HASH_BYTES], a1[KEY_PK_BYTES], a2[KEY_PK_BYTES], *ids = random_ids(6000, 5);
	closelist_t l;
	memview_t mv;
	model_view_t v, bad;

	memset(process, 0xaa, sizeof process);
	memset(a1, 0x11, sizeof a1);
	memset(a2, 0x22, sizeof a2);
	CHECK(ids != NULL);
	CHECK(closelist_build(process, ids, 6000, EV_CLOSE_IDS_MAX, &l) == 0);
	CHECK(l.nparts >= 3);
	memview_init(&mv, NULL, model_refs);
	v = memview_view(&mv);
	for (size_t i = 0; i < l.nparts; i++)
		CHECK(closelist_held(&v, l.parts[i].hash) == 0);
	/* a1 posts every part but the first. */
	CHECK(hold_parts(&mv, &l, a1, 0) == 0);
	CHECK(closelist_held(&v, l.parts[0].hash) == 0);
	for (size_t i = 1; i < l.nparts; i++)
		CHECK(closelist_held(&v, l.parts[i].hash) == 1);
	/* Its only copy excluded: not held. */
	CHECK(exclude_part(&mv, &l.parts[1], NULL, 1) == 1);
	CHECK(closelist_held(&v, l.parts[1].hash) == 0);
	CHECK(closelist_held(&v, l.parts[2].hash) == 1);
	/* a2 posts them all: held again, whichever copy is excluded. */
	CHECK(hold_parts(&mv, &l, a2, SIZE_MAX) == 0);
	CHECK(closelist_held(&v, l.parts[0].hash) == 1);
	CHECK(closelist_held(&v, l.parts[1].hash) == 1);
	CHECK(exclude_part(&mv, &l.parts[1], NULL, 0) == 2);
	CHECK(exclude_part(&mv, &l.parts[1], a2, 1) == 1);
	CHECK(closelist_held(&v, l.parts[1].hash) == 1);
	/* Every copy excluded: not held. */
	CHECK(exclude_part(&mv, &l.parts[1], NULL, 1) == 2);
	CHECK(closelist_held(&v, l.parts[1].hash) == 0);
	/* The view fails: its error, where there is a copy to read. */
	bad = v;
	bad.get = get_fails;
	CHECK(closelist_held(&bad, l.parts[2].hash) == WIEC_ERR_CORRUPT);
	memview_free(&mv);
	memview_init(&mv, NULL, model_refs);
	CHECK(closelist_held(&bad, l.parts[2].hash) == 0);
	memview_free(&mv);
	closelist_free(&l);
	free(ids);
}

TEST(closelist_near_sets_share_their_parts)
{
	uint8_t process[HASH_BYTES], *a = random_ids(100000, 2), *b;
	closelist_t la, lb;
	size_t fresh = 0, n0 = 0;

	memset(process, 0xaa, sizeof process);
	CHECK(a != NULL && (b = malloc(100000 * HASH_BYTES)) != NULL);
	/* b: a without its 50,000th id (one ballot fewer held). */
	memcpy(b, a, 49999 * HASH_BYTES);
	memcpy(b + 49999 * HASH_BYTES, a + 50000 * HASH_BYTES, 50000 * HASH_BYTES);
	CHECK(closelist_build(process, a, 100000, EV_CLOSE_IDS_MAX, &la) == 0);
	CHECK(closelist_build(process, b, 99999, EV_CLOSE_IDS_MAX, &lb) == 0);
	for (size_t i = 0; i < lb.nparts; i++) {
		int found = 0;

		n0 += lb.parts[i].level == 0;
		for (size_t j = 0; !found && j < la.nparts; j++)
			found = memcmp(lb.parts[i].hash, la.parts[j].hash, HASH_BYTES) == 0;
		fresh += !found;
	}
	/* About 100 parts of ~1,000 ids: the one that lost an id differs (a
	 * forced cut at 1,900 may move one more). */
	CHECK(n0 >= 50 && n0 <= 200);
	CHECK(fresh >= 1 && fresh <= 3);
	closelist_free(&la);
	closelist_free(&lb);
	free(a);
	free(b);
}

TEST(closeev_long_lists_by_parts)
{
	uint8_t process[HASH_BYTES], *ids = random_ids(5000, 3), prom[HASH_BYTES];
	key_pair_t kp;
	closelist_t l;
	memview_t mv;
	model_view_t v;
	close_stmt_t s, back;

	CHECK(ids != NULL && key_generate(&kp) == 0);
	memset(process, 0xaa, sizeof process);
	memset(prom, 9, sizeof prom);
	CHECK(closelist_build(process, ids, 5000, EV_CLOSE_IDS_MAX, &l) == 0);
	memview_init(&mv, NULL, model_refs);
	v = memview_view(&mv);
	for (int kind = CLOSE_PROMISE; kind <= CLOSE_PROPOSAL; kind++) {
		memset(&s, 0, sizeof s);
		s.kind = kind;
		memcpy(s.process, process, HASH_BYTES);
		memcpy(s.round.proposer, kp.pk, KEY_PK_BYTES);
		s.round.counter = 2;
		if (kind == CLOSE_PROMISE) {
			s.seal = ids;
			s.nseal = 5000;
		} else {
			s.frontier = ids;
			s.value.count = 5000;
			CHECK(close_frontier_root(s.value.root, ids, 5000) == 0);
			s.promises = prom;
			s.npromises = 1;
		}
		/* Parts not held yet: incomplete. */
		CHECK(round_trip_v(&kp, &s, &l, NULL, &back) == WIEC_ERR_NOTFOUND);
		if (kind == CLOSE_PROMISE) {
			CHECK(round_trip_v(&kp, &s, &l, &v, &back) == WIEC_ERR_NOTFOUND);
			CHECK(hold_parts(&mv, &l, kp.pk, SIZE_MAX) == 0);
		}
		CHECK(round_trip_v(&kp, &s, &l, &v, &back) == 0);
		CHECK(same(&s, &back));
		close_stmt_free(&back);
		if (kind == CLOSE_PROPOSAL) {
			/* A frontier by parts whose size is not the value's count. */
			s.value.count = 4999;
			CHECK(round_trip_v(&kp, &s, &l, &v, &back) == WIEC_ERR_DECODE);
		}
	}
	memview_free(&mv);
	closelist_free(&l);
	key_wipe(&kp);
	free(ids);
}

/* A member's statement waiting for a part holds back its later ones, so
 * what the machine sees of a member is always a prefix of its chain. */
TEST(closeev_load_waits_for_parts_in_chain_order)
{
	uint8_t process[HASH_BYTES], *ids = random_ids(4000, 4), zero[HASH_BYTES] = { 0 };
	key_pair_t kp;
	closelist_t l;
	closeev_msg_t m;
	closeev_log_t log;
	memview_t mv;
	model_view_t v;
	roster_t r;
	close_stmt_t s;

	CHECK(ids != NULL && key_generate(&kp) == 0);
	memset(&r, 0, sizeof r);
	memset(process, 0xaa, sizeof process);
	CHECK(closelist_build(process, ids, 4000, EV_CLOSE_IDS_MAX, &l) == 0);
	memview_init(&mv, NULL, model_refs);
	v = memview_view(&mv);
	for (int kind = CLOSE_PROMISE; kind <= CLOSE_COSIGN; kind += 2) {
		Wiec__Body b = WIEC__BODY__INIT;

		memset(&s, 0, sizeof s);
		s.kind = kind;
		memcpy(s.process, process, HASH_BYTES);
		memcpy(s.roster, zero, HASH_BYTES);
		memcpy(s.round.proposer, kp.pk, KEY_PK_BYTES);
		s.round.counter = 1;
		s.seal = ids;
		s.nseal = kind == CLOSE_PROMISE ? 4000 : 0;
		CHECK(closeev_to_body(&s, &l, &b, &m) == 0);
		b.author.data = kp.pk;
		b.author.len = KEY_PK_BYTES;
		b.seq = kind == CLOSE_PROMISE ? 10 : 11;
		CHECK(kind_check(&b) == 0 && memview_add(&mv, &b, NULL) == 0);
	}
	CHECK(closeev_load(&v, &r, process, &log) == 0);
	CHECK(log.n == 0);	/* the Promise waits, and the Cosign after it */
	closeev_log_free(&log);
	{
		/* Incrementally, as the node does: the incomplete Promise is
		 * noted in wait and not resolved again until wait is emptied. */
		closeev_log_t inc = { 0 };
		model_ids_t skip = { 0 }, wait = { 0 };
		size_t added = 9;

		CHECK(closeev_load_more(&v, &r, process, &inc, &skip, &wait, &added) == 0);
		CHECK(added == 0 && inc.n == 0 && wait.n == 1 && skip.n == 0);
		CHECK(hold_parts(&mv, &l, kp.pk, SIZE_MAX) == 0);
		CHECK(closeev_load_more(&v, &r, process, &inc, &skip, &wait, &added) == 0);
		CHECK(added == 0 && inc.n == 0);	/* still waiting: the Cosign too */
		model_ids_free(&wait);
		CHECK(closeev_load_more(&v, &r, process, &inc, &skip, &wait, &added) == 0);
		CHECK(added == 2 && inc.n == 2 && inc.st[0].kind == CLOSE_PROMISE &&
		    inc.st[1].kind == CLOSE_COSIGN && wait.n == 0);
		CHECK(closeev_load_more(&v, &r, process, &inc, &skip, &wait, &added) == 0);
		CHECK(added == 0 && inc.n == 2);	/* each decoded once */
		closeev_log_free(&inc);
		model_ids_free(&skip);
		model_ids_free(&wait);
	}
	CHECK(closeev_load(&v, &r, process, &log) == 0);
	CHECK(log.n == 2 && log.st[0].kind == CLOSE_PROMISE && log.st[0].nseal == 4000 &&
	    log.st[1].kind == CLOSE_COSIGN);
	closeev_log_free(&log);
	memview_free(&mv);
	closelist_free(&l);
	key_wipe(&kp);
	free(ids);
}

/* IdPart and the parts fields: what spec/close.md sections 2-3 allow. */
TEST(closeev_part_content_rules)
{
	uint8_t items[3][HASH_BYTES], proc[HASH_BYTES];
	Wiec__Body b = WIEC__BODY__INIT;
	Wiec__IdPart p = WIEC__ID_PART__INIT;
	Wiec__Promise pr = WIEC__PROMISE__INIT;
	Wiec__Proposal po = WIEC__PROPOSAL__INIT;
	Wiec__CloseValue cv = WIEC__CLOSE_VALUE__INIT;

	memset(proc, 0xaa, sizeof proc);
	for (int i = 0; i < 3; i++)
		memset(items[i], 3 - i, HASH_BYTES);	/* descending */
	b.content_case = WIEC__BODY__CONTENT_IDPART;
	b.idpart = &p;
	p.process.data = proc;
	p.process.len = HASH_BYTES;
	p.items.data = &items[0][0];
	p.items.len = 3 * HASH_BYTES;
	CHECK(kind_check(&b) == WIEC_ERR_FIELD);	/* level 0: ids must ascend */
	p.level = 1;
	CHECK(kind_check(&b) == 0);			/* above: hashes in list order */
	p.level = EV_IDPART_LEVEL_MAX + 1;
	CHECK(kind_check(&b) == WIEC_ERR_FIELD);
	p.level = 1;
	p.items.len = 0;
	CHECK(kind_check(&b) == WIEC_ERR_FIELD);	/* empty */
	p.items.len = 33;
	CHECK(kind_check(&b) == WIEC_ERR_FIELD);	/* not whole hashes */
	p.items.len = 3 * HASH_BYTES;
	p.process.len = 31;
	CHECK(kind_check(&b) == WIEC_ERR_FIELD);

	b.content_case = WIEC__BODY__CONTENT_PROMISE;
	b.promise = &pr;
	pr.process.data = pr.roster.data = proc;
	pr.process.len = pr.roster.len = HASH_BYTES;
	pr.proposer.data = proc;
	pr.proposer.len = KEY_PK_BYTES;
	pr.counter = 1;
	pr.seal_parts.data = &items[0][0];
	pr.seal_parts.len = 3 * HASH_BYTES;
	CHECK(kind_check(&b) == 0);
	pr.seal.data = &items[2][0];
	pr.seal.len = HASH_BYTES;
	CHECK(kind_check(&b) == WIEC_ERR_FIELD);	/* both inline and parts */
	pr.seal.len = 0;
	pr.seal_parts.len = 40;
	CHECK(kind_check(&b) == WIEC_ERR_FIELD);

	b.content_case = WIEC__BODY__CONTENT_PROPOSAL;
	b.proposal = &po;
	po.process.data = po.roster.data = proc;
	po.process.len = po.roster.len = HASH_BYTES;
	po.counter = 1;
	cv.root.data = cv.result.data = proc;
	cv.root.len = cv.result.len = HASH_BYTES;
	cv.count = 5000;
	po.value = &cv;
	po.promises.data = &items[2][0];
	po.promises.len = HASH_BYTES;
	po.frontier_parts.data = &items[0][0];
	po.frontier_parts.len = 3 * HASH_BYTES;
	CHECK(kind_check(&b) == 0);	/* the size is checked when resolved */
	cv.count = 0;
	CHECK(kind_check(&b) == WIEC_ERR_FIELD);	/* parts of nothing */
	cv.count = 5000;
	po.frontier.data = &items[2][0];
	po.frontier.len = HASH_BYTES;
	CHECK(kind_check(&b) == WIEC_ERR_FIELD);	/* both */
}

/* One member of the part-posting simulation below: its own store (mv),
 * the list it promises with, and the parts it posted. */
typedef struct poster {
	memview_t mv;
	uint8_t key[KEY_PK_BYTES];
	closelist_t l;
	uint64_t wait, seq;
	int posted;		/* its Promise (with its missing parts) is out */
	uint8_t (*sent)[HASH_BYTES];	/* hashes of the parts it posted */
	size_t nsent;
} poster_t;

/* What node/close.c does at a tick for a Promise by parts decided at 0:
 * posts (the parts its own store lacks) when closelist_post_now says so.
 * other: another member's Promise of the round is held complete. */
static int poster_tick(poster_t *m, uint64_t now, int other)
{
	model_view_t v = memview_view(&m->mv);
	uint8_t *held;
	size_t missing;
	int rc;

	if (m->posted)
		return 0;
	if ((held = calloc(m->l.nparts, 1)) == NULL)
		return WIEC_ERR_NOMEM;
	if ((rc = closelist_missing(&v, &m->l, held, &missing)) != 0 ||
	    !closelist_post_now(now, 0, m->wait, missing, other)) {
		free(held);
		return rc;
	}
	m->posted = 1;
	if ((m->sent = calloc(missing ? missing : 1, HASH_BYTES)) == NULL)
		rc = WIEC_ERR_NOMEM;
	for (size_t i = 0; rc == 0 && i < m->l.nparts; i++)
		if (!held[i]) {
			memcpy(m->sent[m->nsent++], m->l.parts[i].hash, HASH_BYTES);
			rc = hold_part(&m->mv, &m->l, i, m->key, ++m->seq);
		}
	free(held);
	return rc;
}

/* Gossip: every part from's store holds reaches to's (as from posted them). */
static int deliver(poster_t *to, const poster_t *from)
{
	for (size_t i = 0; i < from->l.nparts; i++)
		for (size_t j = 0; j < from->nsent; j++)
			if (memcmp(from->sent[j], from->l.parts[i].hash, HASH_BYTES) == 0) {
				int rc = hold_part(&to->mv, &from->l, i, from->key, 1000 + i);

				if (rc != 0)
					return rc;
			}
	return 0;
}

/* How many of a's and b's posted hashes are posted by both. */
static size_t copies_twice(const poster_t *a, const poster_t *b)
{
	size_t k = 0;

	for (size_t i = 0; i < a->nsent; i++)
		for (size_t j = 0; j < b->nsent; j++)
			k += memcmp(a->sent[i], b->sent[j], HASH_BYTES) == 0;
	return k;
}

static void poster_free(poster_t *m)
{
	memview_free(&m->mv);
	closelist_free(&m->l);
	free(m->sent);
	memset(m, 0, sizeof *m);
}

/* Who waits: the round's proposer never; the others by their place after
 * it, every wait at most half the base round wait, so it ends before any
 * member's round timer (at least one base wait) can preempt the round. */
TEST(closelist_part_wait_by_place_after_the_proposer)
{
	uint8_t m[4][KEY_PK_BYTES], stranger[KEY_PK_BYTES];

	for (int i = 0; i < 4; i++)
		memset(m[i], 0x10 * (i + 1), KEY_PK_BYTES);
	memset(stranger, 0xee, sizeof stranger);
	for (int p = 0; p < 4; p++)
		for (int s = 0; s < 4; s++) {
			uint64_t w = closelist_part_wait((const uint8_t (*)[KEY_PK_BYTES])m, 4, m[p],
			    m[s], 1600);

			CHECK(w == (uint64_t)(1600 * ((s - p + 4) % 4) / 8));
			CHECK(w <= 800);
		}
	/* A proposer outside the roster (never well formed): by index. */
	CHECK(closelist_part_wait((const uint8_t (*)[KEY_PK_BYTES])m, 4, stranger, m[0], 1600) ==
	    200);
	CHECK(closelist_part_wait((const uint8_t (*)[KEY_PK_BYTES])m, 4, stranger, m[3], 1600) ==
	    800);
	/* Not a member: nothing to wait for. */
	CHECK(closelist_part_wait((const uint8_t (*)[KEY_PK_BYTES])m, 4, m[0], stranger, 1600) ==
	    0);
	CHECK(closelist_post_now(0, 0, 100, 0, 0) == 1);	/* nothing missing */
	CHECK(closelist_post_now(0, 0, 100, 5, 1) == 1);	/* another's Promise held */
	CHECK(closelist_post_now(99, 0, 100, 5, 0) == 0);
	CHECK(closelist_post_now(100, 0, 100, 5, 0) == 1);	/* the wait is over */
}

/* Two members promise round (0, A) at the same moment with long seals (the
 * 1,000,000-ballot waste: each posted the same parts). A, the proposer,
 * posts at once; B waits, A's parts reach it within the wait, and B posts
 * none of them: one copy of each part. With one ballot more than A, B
 * posts only the part that differs. If nobody's parts come, B posts all
 * of its own once the wait is over, never before. Ticks of 10 ms, A's
 * posts reaching B after 100 ms. */
TEST(closelist_promising_at_once_posts_each_part_once)
{
	uint8_t process[HASH_BYTES], keys[2][KEY_PK_BYTES], *ids = random_ids(8001, 9);
	static const uint64_t timeout = 2000;

	memset(process, 0xaa, sizeof process);
	memset(keys[0], 0x11, KEY_PK_BYTES);
	memset(keys[1], 0x22, KEY_PK_BYTES);
	CHECK(ids != NULL);
	for (int extra = 0; extra < 2; extra++) {
		poster_t a, b;
		int a_seen = 0;

		memset(&a, 0, sizeof a);
		memset(&b, 0, sizeof b);
		memview_init(&a.mv, NULL, model_refs);
		memview_init(&b.mv, NULL, model_refs);
		memcpy(a.key, keys[0], KEY_PK_BYTES);
		memcpy(b.key, keys[1], KEY_PK_BYTES);
		/* A's seal: the first 8,000 ids; B's the same, or all 8,001. */
		CHECK(closelist_build(process, ids, 8000, EV_CLOSE_IDS_MAX, &a.l) == 0);
		CHECK(closelist_build(process, ids, 8000 + (size_t)extra, EV_CLOSE_IDS_MAX,
		    &b.l) == 0);
		CHECK(a.l.nparts >= 4);
		a.wait = closelist_part_wait((const uint8_t (*)[KEY_PK_BYTES])keys, 2, keys[0],
		    keys[0], timeout);
		b.wait = closelist_part_wait((const uint8_t (*)[KEY_PK_BYTES])keys, 2, keys[0],
		    keys[1], timeout);
		CHECK(a.wait == 0 && b.wait == 500);
		for (uint64_t t = 0; t <= 1000; t += 10) {
			if (t == 100 && a.posted) {
				CHECK(deliver(&b, &a) == 0);	/* with A's Promise after them */
				a_seen = 1;
			}
			CHECK(poster_tick(&a, t, 0) == 0);
			CHECK(poster_tick(&b, t, a_seen) == 0);
			if (t == 0)
				CHECK(a.posted && !b.posted);	/* B waits */
		}
		CHECK(a.nsent == a.l.nparts);
		CHECK(b.posted);
		CHECK(copies_twice(&a, &b) == 0);
		if (extra == 0)
			CHECK(b.nsent == 0);
		else
			CHECK(b.nsent >= 1 && b.nsent <= 3);	/* the part with the new id */
		poster_free(&a);
		poster_free(&b);

		/* Nobody else posts (A down): B posts all of its parts after the wait. */
		memview_init(&b.mv, NULL, model_refs);
		memcpy(b.key, keys[1], KEY_PK_BYTES);
		CHECK(closelist_build(process, ids, 8000 + (size_t)extra, EV_CLOSE_IDS_MAX,
		    &b.l) == 0);
		b.wait = 500;
		for (uint64_t t = 0; t < 500; t += 10) {
			CHECK(poster_tick(&b, t, 0) == 0);
			CHECK(!b.posted);
		}
		CHECK(poster_tick(&b, 500, 0) == 0);
		CHECK(b.posted && b.nsent == b.l.nparts);
		poster_free(&b);
	}
	free(ids);
}
