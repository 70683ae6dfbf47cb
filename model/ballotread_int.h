/* ballotread_int.h: the byte-level readers of a packed ballot that
 * model/ballotread.c (ballot_read_vote) and model/recount.c (the fast
 * path) share. Private to model/; every read stays within b[0..n). */
#ifndef WIEC_MODEL_BALLOTREAD_INT_H
#define WIEC_MODEL_BALLOTREAD_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crypto/hash.h"
#include "crypto/key.h"

/* A varint at b[i..n) longer than a byte: the index after it, or RD_BAD past
 * the end or longer than 10 bytes. */
size_t ballot_rd_varint_long(const uint8_t *b, size_t n, size_t i, uint64_t *out);

#define RD_BAD SIZE_MAX		/* rd_varint: no varint here */

#if defined(__GNUC__)
#define RD_INLINE inline __attribute__((always_inline))	/* read once per field of every ballot */
#else
#define RD_INLINE inline
#endif

/* The index after the varint at b[i..n) (up to 10 bytes, as
 * rd_varint_long reads them), or RD_BAD: for a value nobody reads. */
static RD_INLINE size_t rd_varint_skip(const uint8_t *b, size_t n, size_t i)
{
#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* Eight bytes at once: the first without its top bit ends it. */
	if (n >= 8 && i <= n - 8) {
		uint64_t x, last;

		memcpy(&x, b + i, 8);
		if ((last = ~x & 0x8080808080808080ull) != 0)
			return i + (size_t)__builtin_ctzll(last) / 8 + 1;
	}
#endif
	for (size_t end = i + 10; i < n && i < end; i++)
		if ((b[i] & 0x80) == 0)
			return i + 1;
	return RD_BAD;
}

/* A varint at b[i..n): the index after it, or RD_BAD. The one-byte ones
 * (most tags, lengths and values of a ballot) are read inline. Indices are
 * passed by value: the bytes, being uint8_t, could alias anything behind a
 * pointer, which would make the compiler reload it after every byte. */
static RD_INLINE size_t rd_varint(const uint8_t *b, size_t n, size_t i, uint64_t *out)
{
	if (i < n && b[i] < 0x80) {
		*out = b[i];
		return i + 1;
	}
	if (i + 1 < n && b[i + 1] < 0x80) {	/* a ballot's length */
		*out = (uint64_t)(b[i] & 0x7f) | (uint64_t)b[i + 1] << 7;
		return i + 2;
	}
	return ballot_rd_varint_long(b, n, i, out);
}

/* Field tags as one byte: (number << 3) | wire type, below 0x80. */
#define TAG(num, wire) ((uint8_t)((num) << 3 | (wire)))

/* A length-delimited field tagged tag at b[*ip..n) whose one-byte length
 * is want (0: any below 0x80): its bytes and length, *ip moved past it; or
 * NULL. */
static RD_INLINE const uint8_t *rd_plain_bytes(const uint8_t *b, size_t n, size_t *ip,
    uint8_t tag, size_t want, size_t *len)
{
	size_t i = *ip;

	if (n - i < 2 || b[i] != tag || b[i + 1] >= 0x80 || (want != 0 && b[i + 1] != want) ||
	    b[i + 1] > n - i - 2)
		return NULL;
	*len = b[i + 1];
	*ip = i + 2 + *len;
	return b + i + 2;
}

/* The header of a plain ballot (rd_plain below): network and author of 32
 * bytes and the seq's tag at fixed places, the seq (into *seq), an
 * optional prev of 32 bytes and timestamp, then the Vote (field 31, tag
 * 0xfa 0x01) to the end of the body. The index of the Vote's bytes, or
 * RD_BAD: not this form. The author is at b + 36. */
static RD_INLINE size_t rd_plain_head(const uint8_t *b, size_t n, uint64_t *seq)
{
	size_t i, len;
	uint64_t x;

	if (n < 69 || b[0] != TAG(1, 2) || b[1] != HASH_BYTES || b[34] != TAG(2, 2) ||
	    b[35] != KEY_PK_BYTES || b[68] != TAG(3, 0) || (i = rd_varint(b, n, 69, seq)) == RD_BAD)
		return RD_BAD;
	if (i < n && b[i] == TAG(4, 2) &&
	    rd_plain_bytes(b, n, &i, TAG(4, 2), KEY_PK_BYTES, &len) == NULL)
		return RD_BAD;
	if (i < n && b[i] == TAG(5, 0) && (i = rd_varint_skip(b, n, i + 1)) == RD_BAD)
		return RD_BAD;
	if (n - i < 3 || b[i] != 0xfa || b[i + 1] != 0x01 ||
	    (i = rd_varint(b, n, i + 2, &x)) == RD_BAD || x != n - i)
		return RD_BAD;
	return i;
}

#endif
