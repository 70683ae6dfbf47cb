#include <sodium.h>
#include <string.h>

#include "crypto/err.h"
#include "model/chain.h"

int chain_decide(const chain_view_t *v, const uint8_t id[static HASH_BYTES],
    const uint8_t author[static KEY_PK_BYTES], uint64_t seq, const uint8_t *prev)
{
	chain_ref_t r;
	int rc = v->held(v->ctx, id, &r);

	if (rc == 0)
		return CHAIN_DUP;
	if (rc != WIEC_ERR_NOTFOUND)
		return rc;
	if (prev == NULL)
		return CHAIN_APPEND;
	rc = v->held(v->ctx, prev, &r);
	if (rc == WIEC_ERR_NOTFOUND)
		return CHAIN_PENDING;
	if (rc != 0)
		return rc;
	/* prev is fixed once held: this event can never link. */
	if (memcmp(r.author, author, KEY_PK_BYTES) != 0 || r.seq >= seq)
		return WIEC_ERR_CHAIN;
	return CHAIN_APPEND;
}

int chain_excluded(int member, uint64_t fork, uint64_t seq)
{
	return member && fork != 0 && seq >= fork;
}

static int flat_hash(uint8_t out[static HASH_BYTES], const uint8_t *ids, size_t n)
{
	static const char tag[] = "wiec-tips-v1";
	crypto_generichash_state st;

	if (crypto_generichash_init(&st, NULL, 0, HASH_BYTES) != 0 ||
	    crypto_generichash_update(&st, (const uint8_t *)tag, sizeof tag - 1) != 0 ||
	    (n > 0 && crypto_generichash_update(&st, ids, n * HASH_BYTES) != 0) ||
	    crypto_generichash_final(&st, out, HASH_BYTES) != 0)
		return WIEC_ERR_CRYPTO;
	return 0;
}

int chain_tips_bucket(uint8_t out[static HASH_BYTES], const uint8_t *ids, size_t n)
{
	return flat_hash(out, ids, n);
}

int chain_tips_top(uint8_t out[static HASH_BYTES],
    const uint8_t buckets[static CHAIN_TIPS_BUCKETS * HASH_BYTES])
{
	static const char tag[] = "wiec-tips-v2";
	crypto_generichash_state st;

	if (crypto_generichash_init(&st, NULL, 0, HASH_BYTES) != 0 ||
	    crypto_generichash_update(&st, (const uint8_t *)tag, sizeof tag - 1) != 0 ||
	    crypto_generichash_update(&st, buckets, CHAIN_TIPS_BUCKETS * HASH_BYTES) != 0 ||
	    crypto_generichash_final(&st, out, HASH_BYTES) != 0)
		return WIEC_ERR_CRYPTO;
	return 0;
}

int chain_tips_hash(uint8_t out[static HASH_BYTES], const uint8_t *ids, size_t n)
{
	uint8_t b[CHAIN_TIPS_BUCKETS * HASH_BYTES];
	size_t i = 0;
	int rc;

	if (n <= CHAIN_TIPS_FLAT)
		return flat_hash(out, ids, n);
	/* Many tips: 256 buckets by the first byte of the id, so a store can
	 * update one bucket per new tip instead of hashing them all. */
	for (unsigned k = 0; k < CHAIN_TIPS_BUCKETS; k++) {
		size_t j = i;

		while (j < n && ids[j * HASH_BYTES] == k)
			j++;
		if ((rc = flat_hash(b + k * HASH_BYTES, ids + i * HASH_BYTES, j - i)) != 0)
			return rc;
		i = j;
	}
	return chain_tips_top(out, b);
}

void chain_digest_rec(uint8_t rec[static CHAIN_DIGEST_REC],
    const uint8_t author[static KEY_PK_BYTES], uint64_t max_seq,
    const uint8_t tips[static HASH_BYTES])
{
	memcpy(rec, author, KEY_PK_BYTES);
	hash_put_be64(rec + KEY_PK_BYTES, max_seq);
	memcpy(rec + KEY_PK_BYTES + 8, tips, HASH_BYTES);
}

int chain_later(uint64_t seq_a, const uint8_t *id_a, uint64_t seq_b, const uint8_t *id_b)
{
	if (seq_a != seq_b)
		return seq_a > seq_b;
	return memcmp(id_a, id_b, HASH_BYTES) > 0;
}
