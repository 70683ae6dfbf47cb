/* amap.h: a hash map from 32-byte author keys to a small value, for the
 * node's bookkeeping of chain segments being fetched. Keys are hashed with
 * SipHash under a random per-map key, so authors who choose their keys
 * cannot make lookups slow. Not thread-safe. */
#ifndef WIEC_AMAP_H
#define WIEC_AMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct amap_val {
	uint64_t target;	/* fetch up to this seq */
	uint64_t since;		/* ms when claimed, or when it last brought an event */
	uint64_t held;		/* events of the author held then */
	int peer;		/* index of the peer asked */
} amap_val_t;

typedef struct amap amap_t;

/* Caller owns the result; amap_destroy frees it. NULL if out of memory. */
amap_t *amap_new(void);
void amap_destroy(amap_t **m);

/* Inserts or replaces. 0, or WIEC_ERR_NOMEM. */
int amap_put(amap_t *m, const uint8_t key[static 32], const amap_val_t *v);

/* Pointer to the value (valid until the next put or del), or NULL. */
amap_val_t *amap_get(amap_t *m, const uint8_t key[static 32]);

/* Removes key if present. */
void amap_del(amap_t *m, const uint8_t key[static 32]);

size_t amap_size(const amap_t *m);

#endif
