#include <sodium.h>
#include <string.h>

#include "crypto/hash.h"

void hash_2(uint8_t out[static HASH_BYTES], const void *a, size_t alen,
    const void *b, size_t blen)
{
	crypto_generichash_state st;

	/* Cannot fail with these fixed, valid parameters. */
	crypto_generichash_init(&st, NULL, 0, HASH_BYTES);
	crypto_generichash_update(&st, a, alen);
	if (blen)
		crypto_generichash_update(&st, b, blen);
	crypto_generichash_final(&st, out, HASH_BYTES);
}

void hash_hex(char *out, const uint8_t *bin, size_t len)
{
	sodium_bin2hex(out, 2 * len + 1, bin, len);
}

int hash_from_hex(uint8_t *bin, size_t len, const char *hex)
{
	size_t got = 0;
	const char *end = NULL;

	if (strlen(hex) != 2 * len)
		return -1;
	if (sodium_hex2bin(bin, len, hex, 2 * len, NULL, &got, &end) != 0 ||
	    got != len || *end != '\0')
		return -1;
	return 0;
}

