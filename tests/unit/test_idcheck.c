/* test_idcheck.c: records checked against their ids behind the reader
 * (store/idcheck.h). */
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "crypto/hash.h"
#include "store/idcheck.h"
#include "tests/unit/test.h"

#define NREC (3 * STORE_IDCHECK_INLINE + 777)	/* past the inline part, odd blocks */
#define RLEN (HASH_BYTES + 40)

static uint8_t *make_records(void)
{
	uint8_t *r = malloc((size_t)NREC * RLEN);

	if (r == NULL)
		return NULL;
	for (size_t i = 0; i < NREC; i++) {
		uint8_t *p = r + i * RLEN;

		memset(p + HASH_BYTES, (int)(i * 7), RLEN - HASH_BYTES);
		memcpy(p + HASH_BYTES, &i, sizeof i);
		hash_2(p, p + HASH_BYTES, RLEN - HASH_BYTES, NULL, 0);
	}
	return r;
}

/* Puts every record (stopping at the first refusal) and finishes: the
 * pass's outcome. */
static int pass(store_idcheck_t *ic, const uint8_t *r, size_t *put)
{
	int rc = 0, rc2;

	store_idcheck_init(ic);
	for (*put = 0; *put < NREC && rc == 0; (*put)++)
		rc = store_idcheck_put(ic, r + *put * RLEN, RLEN);
	rc2 = store_idcheck_finish(ic);
	return rc2 != 0 ? rc2 : rc;
}

/* Sound records pass; one flipped bit anywhere (inline, in the checker's
 * blocks, in the last partial block) fails the pass and names that
 * record's id, whether put or finish reports it. */
TEST(idcheck_fails_a_pass_with_any_damaged_record)
{
	uint8_t *r = make_records();
	static const size_t at[] = { 0, STORE_IDCHECK_INLINE - 1, STORE_IDCHECK_INLINE,
	    STORE_IDCHECK_INLINE + 1500, 2 * STORE_IDCHECK_INLINE + 3, NREC - 1 };
	store_idcheck_t ic;
	size_t put;

	CHECK(r != NULL);
	if (r == NULL)
		return;
	CHECK(pass(&ic, r, &put) == 0);
	CHECK(put == NREC);
	CHECK(!ic.damaged);
	for (size_t k = 0; k < sizeof at / sizeof at[0]; k++) {
		uint8_t *p = r + at[k] * RLEN;

		p[HASH_BYTES + 20] ^= 0x10;
		CHECK(pass(&ic, r, &put) == WIEC_ERR_CORRUPT);
		CHECK(ic.damaged);
		CHECK(memcmp(ic.bad, p, HASH_BYTES) == 0);
		CHECK(put > at[k]);
		if (at[k] < STORE_IDCHECK_INLINE)
			CHECK(put == at[k] + 1);	/* inline: refused before its bytes are used */
		p[HASH_BYTES + 20] ^= 0x10;
		/* A damaged id is damage too. */
		p[3] ^= 0x01;
		CHECK(pass(&ic, r, &put) == WIEC_ERR_CORRUPT);
		p[3] ^= 0x01;
	}
	CHECK(pass(&ic, r, &put) == 0);
	free(r);
}
