/* hash.h: BLAKE2b-256 ids and hex text, the forms every other module shares. */
#ifndef WIEC_HASH_H
#define WIEC_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_BYTES 32
#define HASH_HEX_BYTES (2 * HASH_BYTES + 1)	/* with the terminating NUL */

/* out = BLAKE2b-256(a || b); b may be NULL with blen 0. */
void hash_2(uint8_t out[static HASH_BYTES], const void *a, size_t alen,
    const void *b, size_t blen);

/* Writes 2*len lowercase hex digits and a NUL into out (2*len+1 bytes). */
void hash_hex(char *out, const uint8_t *bin, size_t len);

/* Parses exactly 2*len hex digits (either case) followed by NUL.
 * Returns 0, or -1 for anything else. */
int hash_from_hex(uint8_t *bin, size_t len, const char *hex);

/* Big-endian u64 helpers for LMDB keys and wire fields; inline, as a
 * recount calls them once per ballot (the compiler makes each one load or
 * store and a byte swap). */
static inline void hash_put_be64(uint8_t out[static 8], uint64_t v)
{
	out[0] = (uint8_t)(v >> 56);
	out[1] = (uint8_t)(v >> 48);
	out[2] = (uint8_t)(v >> 40);
	out[3] = (uint8_t)(v >> 32);
	out[4] = (uint8_t)(v >> 24);
	out[5] = (uint8_t)(v >> 16);
	out[6] = (uint8_t)(v >> 8);
	out[7] = (uint8_t)v;
}

static inline uint64_t hash_get_be64(const uint8_t in[static 8])
{
	return (uint64_t)in[0] << 56 | (uint64_t)in[1] << 48 | (uint64_t)in[2] << 40 |
	    (uint64_t)in[3] << 32 | (uint64_t)in[4] << 24 | (uint64_t)in[5] << 16 |
	    (uint64_t)in[6] << 8 | in[7];
}

/* Little-endian, for the formats that are (SipHash's words, reconciliation
 * fingerprints and session ids). */
static inline void hash_put_le64(uint8_t out[static 8], uint64_t v)
{
	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t hash_get_le64(const uint8_t in[static 8])
{
	return (uint64_t)in[0] | (uint64_t)in[1] << 8 | (uint64_t)in[2] << 16 |
	    (uint64_t)in[3] << 24 | (uint64_t)in[4] << 32 | (uint64_t)in[5] << 40 |
	    (uint64_t)in[6] << 48 | (uint64_t)in[7] << 56;
}

#endif
