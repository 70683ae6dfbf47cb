/* body.c: fields read in place from the bytes of a held event, which were
 * canonical when it was held (spec/events.md section 1.2) and still hash
 * to its id: what a read needs to check an index entry against the event
 * it names (its author, seq, kind, target) without decoding it whole.
 * Every read is bounded by the length given; anything unexpected is
 * WIEC_ERR_CORRUPT. */
#include <string.h>

#include "crypto/err.h"
#include "store/store_int.h"

/* A varint at *p (below end), moving *p past it. */
static int varint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
	uint64_t x = 0;

	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (*p >= end)
			return WIEC_ERR_CORRUPT;
		x |= (uint64_t)(**p & 0x7f) << shift;
		if ((*(*p)++ & 0x80) == 0) {
			*out = x;
			return 0;
		}
	}
	return WIEC_ERR_CORRUPT;
}

/* The next field of a message: its number and wire type, and its value
 * (a varint in *num, or len-delimited bytes in *val, *vlen). */
static int field(const uint8_t **p, const uint8_t *end, unsigned *no, unsigned *type,
    uint64_t *num, const uint8_t **val, size_t *vlen)
{
	uint64_t tag, n;
	int rc;

	if ((rc = varint(p, end, &tag)) != 0 || tag >> 3 == 0 || tag >> 3 > 536870911u)
		return WIEC_ERR_CORRUPT;
	*no = (unsigned)(tag >> 3);
	*type = (unsigned)(tag & 7);
	if (*type == 0)
		return varint(p, end, num);
	if (*type != 2 || (rc = varint(p, end, &n)) != 0 || n > (uint64_t)(end - *p))
		return WIEC_ERR_CORRUPT;
	*val = *p;
	*vlen = (size_t)n;
	*p += n;
	return 0;
}

int store_env_body(const uint8_t *env, size_t len, const uint8_t **body, size_t *blen)
{
	const uint8_t *p = env;
	unsigned no, type;
	uint64_t num;

	/* Canonical: field 1 (the body's bytes) comes first. */
	if (field(&p, env + len, &no, &type, &num, body, blen) != 0 || no != 1 || type != 2)
		return WIEC_ERR_CORRUPT;
	return 0;
}

int store_body_head(const uint8_t *body, size_t len, const uint8_t **author, uint64_t *seq)
{
	const uint8_t *p = body, *end = body + len, *val = NULL;
	unsigned no = 0, type;
	uint64_t num = 0;
	size_t vlen = 0;

	*author = NULL;
	*seq = 0;
	/* network (1), author (2), seq (3): in this order, never left out. */
	while (p < end && no < 3) {
		if (field(&p, end, &no, &type, &num, &val, &vlen) != 0)
			return WIEC_ERR_CORRUPT;
		if (no == 2 && type == 2 && vlen == KEY_PK_BYTES)
			*author = val;
		else if (no == 3 && type == 0)
			*seq = num;
	}
	return *author != NULL && *seq != 0 ? 0 : WIEC_ERR_CORRUPT;
}

int store_body_field(const uint8_t *body, size_t len, unsigned want, const uint8_t **val,
    size_t *vlen)
{
	const uint8_t *p = body, *end = body + len;
	unsigned no, type;
	uint64_t num;

	while (p < end) {
		if (field(&p, end, &no, &type, &num, val, vlen) != 0)
			return WIEC_ERR_CORRUPT;
		if (no == want)
			return type == 2 ? 0 : WIEC_ERR_CORRUPT;
		if (no > want)
			break;	/* canonical: fields ascend */
	}
	return WIEC_ERR_NOTFOUND;
}
