/* test_closeev.c: close statements as events (model/closeev.c, proto/kind.c
 * rows 32-36): every kind survives sign, encode, decode and back; the
 * content rules refuse what spec/close.md section 2 forbids. */
#include "crypto/err.h"
#include "model/closeev.h"
#include "proto/event.h"
#include "proto/kind.h"
#include "tests/unit/test.h"

/* Signs s as kp, decodes the event and turns it back into *back. */
static int round_trip(const key_pair_t *kp, const close_stmt_t *s, close_stmt_t *back)
{
	static const uint8_t net[HASH_BYTES] = { 7 };
	Wiec__Body b = WIEC__BODY__INIT;
	closeev_msg_t m;
	uint8_t *env = NULL;
	size_t len;
	ev_t ev;
	model_ev_t me;
	int rc;

	if ((rc = closeev_to_body(s, &b, &m)) != 0)
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
	rc = closeev_kind(ev.body->content_case) ? closeev_from_ev(&me, back) : -1;
	ev_free(&ev);
	free(env);
	return rc;
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
	CHECK(round_trip(&kp, &s, &back) == WIEC_ERR_TOO_BIG);	/* over the list limit */
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
