/* siphash.h: SipHash (Aumasson and Bernstein), inline, for hash tables
 * keyed against flooding.
 *
 * siphash_cd(key, in, len, c, d) is SipHash-c-d of in[0..len) under the
 * 16-byte key, as a little-endian 64-bit integer: siphash_cd(.., 2, 4) is
 * libsodium's crypto_shorthash_siphash24 read as uint64 little-endian
 * (tests/unit/test_siphash.c checks that over many keys and lengths).
 * siphash13 is SipHash-1-3, the variant Rust's and CPython's hash tables
 * use: half the rounds of 2-4, still a keyed function no one without the
 * key can predict, which is all a table needs (crypto_shorthash stays the
 * choice for anything that is kept or sent). Inline with constant rounds,
 * a short term costs a few nanoseconds instead of a library call. */
#ifndef WIEC_CRYPTO_SIPHASH_H
#define WIEC_CRYPTO_SIPHASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crypto/hash.h"

#define SIPHASH_KEY_BYTES 16

static inline uint64_t siphash_rotl(uint64_t x, int b)
{
	return x << b | x >> (64 - b);
}

#define SIPHASH_ROUND(v0, v1, v2, v3) do {					\
	v0 += v1; v1 = siphash_rotl(v1, 13); v1 ^= v0; v0 = siphash_rotl(v0, 32);	\
	v2 += v3; v3 = siphash_rotl(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = siphash_rotl(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = siphash_rotl(v1, 17); v1 ^= v2; v2 = siphash_rotl(v2, 32);	\
} while (0)

static inline uint64_t siphash_cd(const uint8_t key[static SIPHASH_KEY_BYTES], const void *in,
    size_t len, int c, int d)
{
	const uint8_t *p = in;
	uint64_t k0 = hash_get_le64(key), k1 = hash_get_le64(key + 8), m;
	uint64_t v0 = k0 ^ 0x736f6d6570736575u, v1 = k1 ^ 0x646f72616e646f6du;
	uint64_t v2 = k0 ^ 0x6c7967656e657261u, v3 = k1 ^ 0x7465646279746573u;
	uint8_t last[8] = { 0 };
	size_t full = len & ~(size_t)7;

	for (size_t i = 0; i < full; i += 8) {
		m = hash_get_le64(p + i);
		v3 ^= m;
		for (int r = 0; r < c; r++)
			SIPHASH_ROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	/* The last 0..7 bytes, with the length's low byte on top. */
	if (len > full)
		memcpy(last, p + full, len - full);
	m = hash_get_le64(last) | (uint64_t)(len & 0xff) << 56;
	v3 ^= m;
	for (int r = 0; r < c; r++)
		SIPHASH_ROUND(v0, v1, v2, v3);
	v0 ^= m;
	v2 ^= 0xff;
	for (int r = 0; r < d; r++)
		SIPHASH_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

static inline uint64_t siphash13(const uint8_t key[static SIPHASH_KEY_BYTES], const void *in,
    size_t len)
{
	return siphash_cd(key, in, len, 1, 3);
}

#endif
