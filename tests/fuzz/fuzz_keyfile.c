/* fuzz_keyfile.c: the text of a secret key file (key_parse), for both
 * kinds, and the printable public-key forms (key_from_text). A parsed
 * Ed25519 key is then checked the way key_load does (public half derived
 * from the seed); a parsed printable key must print back to the same text
 * when it was given in the short form. */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "crypto/key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void init_once(void)
{
	static int ready;

	if (!ready) {
		if (sodium_init() < 0)
			abort();
		ready = 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t sk[KEY_SK_BYTES], x[KEY_X_BYTES], pk[KEY_PK_BYTES], sk2[KEY_SK_BYTES];
	char back[KEY_TEXT_BYTES], *text;
	int rc;

	init_once();
	/* An exactly sized copy, so ASan sees any read past len. */
	if ((text = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	rc = key_parse(text, size, "ed25519-sk", sk, sizeof sk);
	if (rc == 0) {
		if (crypto_sign_seed_keypair(pk, sk2, sk) != 0)
			abort();
		sodium_memzero(sk2, sizeof sk2);
	} else if (rc != WIEC_ERR_KEY_FORMAT) {
		abort();
	}
	rc = key_parse(text, size, "x25519-sk", x, sizeof x);
	if (rc != 0 && rc != WIEC_ERR_KEY_FORMAT)
		abort();
	/* A kind that does not exist never parses. */
	if (key_parse(text, size, "nonsense", x, sizeof x) == 0)
		abort();
	free(text);

	if (size < 256) {
		char *s = malloc(size + 1);

		if (s == NULL)
			return 0;
		memcpy(s, data, size);
		s[size] = '\0';
		if (key_from_text(pk, s) == 0 && s[0] == 'w') {
			key_to_text(back, pk);
			if (strcmp(back, s) != 0)
				abort();
		}
		free(s);
	}
	sodium_memzero(sk, sizeof sk);
	sodium_memzero(x, sizeof x);
	return 0;
}
