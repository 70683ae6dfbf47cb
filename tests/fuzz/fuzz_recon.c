/* fuzz_recon.c: a reconciliation message from a peer (recon_step), to a
 * responder and to an initiator that has started, over a fixed set of 64
 * items. Whatever the bytes: no crash, no leak, a known error or a reply
 * within the cap. */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/recon.h"

#define CAP RECON_MIN_CAP

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static recon_set_t *the_set(void)
{
	static recon_set_t *set;

	if (set == NULL) {
		if (sodium_init() < 0 || (set = recon_set_new()) == NULL)
			abort();
		for (uint32_t i = 0; i < 64; i++) {
			recon_item_t it;

			crypto_generichash(it.key, sizeof it.key, (const uint8_t *)&i, sizeof i, NULL, 0);
			it.seq = 1 + i % 7;
			crypto_generichash(it.val, sizeof it.val, it.key, sizeof it.key, NULL, 0);
			if (recon_set_put(set, &it) != 0)
				abort();
		}
	}
	return set;
}

static void step(recon_t *r, const uint8_t *data, size_t size)
{
	uint8_t *out = NULL;
	size_t outlen = 0;
	int done = 0, rc = recon_step(r, data, size, &out, &outlen, &done);

	if (rc == 0) {
		if (outlen > CAP || (out == NULL) != (outlen == 0))
			abort();
	} else if (out != NULL || (rc != WIEC_ERR_PROTO && rc != WIEC_ERR_TOO_BIG &&
	    rc != WIEC_ERR_NOMEM)) {
		abort();
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t nonce[RECON_NONCE_BYTES] = { 1, 2, 3 };
	recon_set_t *set = the_set();
	recon_t *r = recon_new(set, 0, CAP);
	uint8_t *first = NULL;
	size_t flen;

	if (r == NULL)
		abort();
	step(r, data, size);
	recon_destroy(&r);
	if ((r = recon_new(set, 1, CAP)) == NULL || recon_set_nonce(r, nonce) != 0 ||
	    recon_start(r, &first, &flen) != 0)
		abort();
	free(first);
	step(r, data, size);
	recon_destroy(&r);
	return 0;
}
