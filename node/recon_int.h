/* recon_int.h: the internals shared by the two halves of node/recon.h:
 * recon_set.c (the augmented set) and the protocol (recon_session.c,
 * recon_resp.c, through recon_sess.h). Only node/recon_*.c include it.
 *
 * The set is a treap over node indices in one array, each node carrying the
 * count and the 256-bit sum of the item hashes of its subtree, so a range's
 * count and sum are two prefix walks. */
#ifndef WIEC_RECON_INT_H
#define WIEC_RECON_INT_H

#include <stdint.h>
#include <string.h>

#include "crypto/hash.h"
#include "node/recon.h"

typedef struct rnode {
	uint8_t key[32];
	uint64_t seq;
	uint64_t h[4];		/* item hash as a little-endian integer */
	uint64_t sum[4];	/* of h over the subtree */
	uint32_t cnt, prio, l, r;
} rnode_t;

struct recon_set {
	rnode_t *n;		/* n[0] is nil: cnt 0, sum 0 */
	uint32_t cap, used, free_head, root;
	uint64_t rng;		/* treap priorities; seeded at random so
				 * nobody can grind keys into a deep tree */
};

/* A range bound: a key, or +infinity. */
typedef struct bound {
	uint8_t k[32];
	uint8_t inf;
} bound_t;

/* ---- 256-bit sums, little-endian limbs ---- */

static inline void u256_add(uint64_t a[4], const uint64_t b[4])
{
	uint64_t c = 0;

	for (int i = 0; i < 4; i++) {
		uint64_t s = a[i] + c;
		c = s < c;
		a[i] = s + b[i];
		c += a[i] < s;
	}
}

static inline void u256_sub(uint64_t a[4], const uint64_t b[4])
{
	uint64_t br = 0;

	for (int i = 0; i < 4; i++) {
		uint64_t d = a[i] - b[i];
		uint64_t nb = a[i] < b[i];
		uint64_t e = d - br;
		nb |= d < br;
		a[i] = e;
		br = nb;
	}
}

static inline void limbs_to_h(const uint64_t l[4], uint8_t h[32])
{
	for (int i = 0; i < 4; i++)
		hash_put_le64(h + 8 * i, l[i]);
}

static inline int key_lt(const uint8_t *key, const bound_t *b)
{
	return b->inf || memcmp(key, b->k, 32) < 0;
}

static inline int bound_cmp(const bound_t *a, const bound_t *b)
{
	if (a->inf || b->inf)
		return (int)a->inf - (int)b->inf;
	return memcmp(a->k, b->k, 32);
}

/* ---- the set's queries (recon_set.c) ---- */

/* The fingerprint of a range of cnt items whose hashes sum to sum.
 * 0, or WIEC_ERR_CRYPTO if libsodium failed. */
int recon_fp_of(const uint64_t sum[4], uint64_t cnt, uint8_t fp[RECON_FP_BYTES]);

/* Count and sum of the items with key < b. O(log n). */
void recon_tree_prefix(const recon_set_t *s, const bound_t *b, uint64_t sum[4], uint64_t *cnt);

/* The node of rank r (r < size); adds the sum of lower ranks to sum
 * (NULL: not wanted). O(log n). */
uint32_t recon_tree_select(const recon_set_t *s, uint64_t r, uint64_t sum[4]);

/* Calls fn on every node of the subtree t with lo <= key < hi in key order
 * until fn returns nonzero; returns that value. Recursion depth is the
 * treap depth. */
typedef int (*recon_visit_fn)(void *ctx, const rnode_t *x);
int recon_tree_visit(const recon_set_t *s, uint32_t t, const bound_t *lo, const bound_t *hi,
    recon_visit_fn fn, void *ctx);

#endif
