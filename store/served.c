/* served.c: the `refs` entries a view has served (store/refs.c), kept so
 * that each event the model then gets through the view is checked against
 * the entries that named it: the event must be the one the entry's value
 * places in the log, and must itself give that (ref, tag) (model_refs).
 * A damaged key (a support moved to another idea) or value is so refused
 * where it is used, at the cost of a keyed hash per entry and per get, no
 * database lookup.
 *
 * Entries in a dense array, found through slots by a keyed hash of the id
 * alone (SipHash-1-3, a key drawn per view: ids made to share slots cannot
 * make lookups slow), with linear probing: the entries of one id all lie
 * in the run of slots from its hash. A slot holds the entry's index + 1
 * (0: empty) and 32 more bits of the hash, so a probe reads the entries
 * of its own id only (a tally's hundred thousand credentials: one cache
 * miss per lookup, not one per slot passed). */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "crypto/siphash.h"
#include "store/store_int.h"

#define SERVED_SLOTS_MIN 1024

struct store_served {
	store_served_ent_t *e;
	size_t n, cap;
	uint64_t *slot;		/* hash >> 32 << 32 | 1 + index in e, or 0;
				 * nslot a power of two, >= 2 n */
	size_t nslot;
	uint8_t key[SIPHASH_KEY_BYTES];
};

static uint64_t served_hash(const store_served_t *t, const uint8_t *id)
{
	return siphash13(t->key, id, HASH_BYTES);
}

#define TAG(h) ((h) & ~(uint64_t)UINT32_MAX)	/* the hash's bits kept in a slot */
#define AT(x) ((size_t)((x) & UINT32_MAX))	/* 1 + the entry's index */

int store_served_new(store_served_t **t)
{
	if ((*t = calloc(1, sizeof **t)) == NULL)
		return WIEC_ERR_NOMEM;
	randombytes_buf((*t)->key, sizeof (*t)->key);
	return 0;
}

void store_served_free(store_served_t **t)
{
	if (*t == NULL)
		return;
	free((*t)->e);
	free((*t)->slot);
	free(*t);
	*t = NULL;
}

/* Doubles the slots, placing every entry again; 0 or WIEC_ERR_NOMEM. */
static int grow(store_served_t *t)
{
	size_t n = t->nslot ? 2 * t->nslot : SERVED_SLOTS_MIN, mask = n - 1;
	uint64_t *slot = calloc(n, sizeof *slot);

	if (slot == NULL)
		return WIEC_ERR_NOMEM;
	for (size_t i = 0; i < t->n; i++) {
		uint64_t h = served_hash(t, t->e[i].key + HASH_BYTES + 1);
		size_t j = (size_t)h & mask;

		while (slot[j] != 0)
			j = (j + 1) & mask;
		slot[j] = TAG(h) | (i + 1);
	}
	free(t->slot);
	t->slot = slot;
	t->nslot = n;
	return 0;
}

int store_served_add(store_served_t *t, const uint8_t key[static REFS_KEY], uint64_t lseq)
{
	uint64_t h = served_hash(t, key + HASH_BYTES + 1);
	size_t mask, j;

	if (t->n >= STORE_SERVED_MAX)
		return 0;	/* not kept: the rest go unchecked (spec/events.md s10) */
	if (2 * (t->n + 1) > t->nslot && grow(t) != 0)
		return WIEC_ERR_NOMEM;
	mask = t->nslot - 1;
	for (j = (size_t)h & mask; t->slot[j] != 0; j = (j + 1) & mask) {
		const store_served_ent_t *x = &t->e[AT(t->slot[j]) - 1];

		if (TAG(t->slot[j]) == TAG(h) && memcmp(x->key, key, REFS_KEY) == 0 &&
		    x->lseq == lseq)
			return 0;	/* served again: kept once */
	}
	if (mem_grow((void **)&t->e, &t->cap, t->n + 1, sizeof *t->e) != 0)
		return WIEC_ERR_NOMEM;
	memcpy(t->e[t->n].key, key, REFS_KEY);
	t->e[t->n].lseq = lseq;
	t->slot[j] = TAG(h) | ++t->n;
	return 0;
}

const store_served_ent_t *store_served_next(const store_served_t *t,
    const uint8_t id[static HASH_BYTES], size_t *at)
{
	uint64_t h;
	size_t mask, j;

	if (t == NULL || t->n == 0)
		return NULL;
	h = served_hash(t, id);
	mask = t->nslot - 1;
	for (j = ((size_t)h + *at) & mask; *at < t->nslot && t->slot[j] != 0;
	    j = (j + 1) & mask) {
		const store_served_ent_t *x = &t->e[AT(t->slot[j]) - 1];

		++*at;
		if (TAG(t->slot[j]) == TAG(h) && memcmp(x->key + HASH_BYTES + 1, id, HASH_BYTES) == 0)
			return x;
	}
	return NULL;
}
