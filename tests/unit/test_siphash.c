/* test_siphash.c: the inline SipHash (crypto/siphash.h). */
#include <sodium.h>
#include <stdint.h>
#include <string.h>

#include "crypto/siphash.h"
#include "tests/unit/test.h"

/* Its 2-4 form is libsodium's crypto_shorthash_siphash24, over random keys
 * and every length up to 200 (every tail length, several blocks): the
 * rounds, constants, tail and length byte are the reference's. */
TEST(siphash_24_is_libsodiums)
{
	uint8_t key[SIPHASH_KEY_BYTES], in[200], h[crypto_shorthash_siphash24_BYTES];

	_Static_assert(SIPHASH_KEY_BYTES == crypto_shorthash_siphash24_KEYBYTES, "key size");
	for (int k = 0; k < 50; k++) {
		randombytes_buf(key, sizeof key);
		randombytes_buf(in, sizeof in);
		for (size_t len = 0; len <= sizeof in; len++) {
			CHECK(crypto_shorthash_siphash24(h, in, len, key) == 0);
			CHECK(siphash_cd(key, in, len, 2, 4) == hash_get_le64(h));
		}
	}
}

/* 1-3 is a different function of the same input (not 2-4 under another
 * name), depends on every input byte, the length and the key. */
TEST(siphash_13_depends_on_key_length_and_every_byte)
{
	uint8_t key[SIPHASH_KEY_BYTES], in[40] = { 0 };
	uint64_t base;

	randombytes_buf(key, sizeof key);
	base = siphash13(key, in, 20);
	CHECK(base != siphash_cd(key, in, 20, 2, 4));
	CHECK(base != siphash13(key, in, 19) && base != siphash13(key, in, 21));
	for (size_t i = 0; i < 20; i++) {
		in[i] = 1;
		CHECK(siphash13(key, in, 20) != base);
		in[i] = 0;
	}
	key[15] ^= 1;
	CHECK(siphash13(key, in, 20) != base);
}
