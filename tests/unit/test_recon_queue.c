/* test_recon_queue.c: a hostile responder must not grow the initiator's
 * queue of pending ranges beyond what its own set justifies
 * (spec/recon.md, section 5). */
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/recon.h"
#include "tests/unit/test.h"

/* A reply (header 0x03) splitting whatever was asked into n FP records of
 * 4-byte bounds 1, 2, ... n, each with a fingerprint nobody has, then a
 * last FP record up to infinity: every record is a mismatch. */
static uint8_t *hostile_reply(size_t n, size_t *len)
{
	uint8_t *p = malloc(1 + (n + 1) * 22), *q = p;

	if (p == NULL)
		return NULL;
	*q++ = 0x03;
	for (size_t i = 1; i <= n + 1; i++) {
		if (i <= n) {
			*q++ = 5;		/* varint 1 + 0 * 33 + 4: 4 new bytes */
			*q++ = (uint8_t)(i >> 24);
			*q++ = (uint8_t)(i >> 16);
			*q++ = (uint8_t)(i >> 8);
			*q++ = (uint8_t)i;
		} else {
			*q++ = 0;		/* infinity */
		}
		*q++ = 1;			/* FP */
		memset(q, 0xa5, 16);
		q += 16;
	}
	*len = (size_t)(q - p);
	return p;
}

TEST(recon_hostile_responder_queue_bounded)
{
	recon_set_t *s = recon_set_new();
	recon_t *r;
	unsigned long long seed = 99;
	uint8_t *msg = NULL, *reply;
	size_t len = 0, rlen = 0;
	int done = 0, rc = 0, rounds = 0;

	CHECK(s != NULL);
	for (int i = 0; i < 100; i++) {
		recon_item_t it;

		for (int b = 0; b < 32; b += 8) {
			unsigned long long v = test_rand(&seed);

			memcpy(it.key + b, &v, 8);
		}
		it.key[0] |= 0x80;	/* above every hostile bound */
		it.seq = 1;
		memset(it.val, i, sizeof it.val);
		CHECK(recon_set_put(s, &it) == 0);
	}
	r = recon_new(s, 1, 0);
	CHECK(r != NULL);
	CHECK(recon_start(r, &msg, &len) == 0);
	free(msg);
	/* 40,000 mismatched ranges a round, from a set of 100 items. */
	while (rounds < 10 && rc == 0) {
		CHECK((reply = hostile_reply(40000, &rlen)) != NULL);
		rc = recon_step(r, reply, rlen, &msg, &len, &done);
		free(reply);
		free(msg);
		msg = NULL;
		rounds++;
		CHECK(!done);
	}
	recon_destroy(&r);
	recon_set_destroy(&s);
	CHECK(rc == WIEC_ERR_TOO_BIG);
	CHECK(rounds == 1);
}
