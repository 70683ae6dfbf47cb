/* fuzz_genesis.c: a genesis document as `wiec init --join` reads it.
 *
 * genesis_decode runs both as a draft (complete 0: missing signatures
 * allowed) and as a finished genesis (complete 1). An accepted draft is
 * then signed by a fixed key that founds the seed genesis: the result must
 * decode again with one more signature, as genesis_sign promises. */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "proto/genesis.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void init_once(key_pair_t *kp)
{
	static int ready;
	uint8_t seed[32];

	if (!ready) {
		/* Founder 0 of the seed genesis: seed bytes all 0x01. */
		memset(seed, 1, sizeof seed);
		if (sodium_init() < 0 || key_from_seed(kp, seed) != 0)
			abort();
		ready = 1;
	}
}

/* Founders are distinct, so each key must be found at its own index. */
static void check_accepted(const genesis_t *g)
{
	if (g->body == NULL || g->msg == NULL || g->body->n_founders == 0 ||
	    g->signed_count > g->body->n_founders)
		abort();
	for (size_t i = 0; i < g->body->n_founders; i++)
		if (genesis_founder(g, g->body->founders[i]->key.data) != (int)i)
			abort();
}

static void sign_again(const genesis_t *draft, const uint8_t *data, size_t size,
    const key_pair_t *kp)
{
	uint8_t *out;
	size_t len;
	genesis_t g;
	int i = genesis_founder(draft, kp->pk), rc;

	rc = genesis_sign(&out, &len, data, size, kp);
	if (i < 0) {
		if (rc != WIEC_ERR_NOTFOUND || out != NULL)
			abort();
		return;
	}
	/* A signature adds up to 66 bytes, which may cross GENESIS_MAX. */
	if (rc == WIEC_ERR_TOO_BIG && size + 2 + KEY_SIG_BYTES > GENESIS_MAX)
		return;
	if (rc != 0)
		abort();
	if (genesis_decode(&g, out, len, 0) != 0)
		abort();
	if (memcmp(g.network, draft->network, HASH_BYTES) != 0 ||
	    g.signed_count != draft->signed_count + (draft->msg->sigs[i].len == 0))
		abort();
	genesis_free(&g);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static key_pair_t kp;
	genesis_t draft, done;
	int rc;

	init_once(&kp);
	if ((rc = genesis_decode(&draft, data, size, 0)) != 0) {
		if (rc > 0 || draft.msg != NULL || draft.body != NULL)
			abort();
		/* A complete genesis is also a valid draft. */
		if (genesis_decode(&done, data, size, 1) == 0)
			abort();
		return 0;
	}
	check_accepted(&draft);
	rc = genesis_decode(&done, data, size, 1);
	if (rc == 0) {
		check_accepted(&done);
		if (done.signed_count != done.body->n_founders ||
		    memcmp(done.network, draft.network, HASH_BYTES) != 0)
			abort();
		genesis_free(&done);
	} else if (rc != WIEC_ERR_SIG || draft.signed_count == draft.body->n_founders) {
		abort();
	}
	sign_again(&draft, data, size, &kp);
	genesis_free(&draft);
	genesis_free(&draft);
	return 0;
}
