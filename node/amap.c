#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/amap.h"

typedef struct slot {
	uint8_t key[32];
	amap_val_t val;
	int used;
} slot_t;

struct amap {
	slot_t *slots;
	size_t cap, n;		/* cap is a power of two; n <= cap / 2 */
	uint8_t sip[crypto_shorthash_KEYBYTES];
};

static size_t home(const amap_t *m, const uint8_t key[static 32])
{
	uint8_t h[crypto_shorthash_BYTES];
	uint64_t v;

	/* SipHash cannot fail; if it ever did, every key would share slot 0:
	 * slower, still correct. */
	if (crypto_shorthash(h, key, 32, m->sip) != 0)
		memset(h, 0, sizeof h);
	memcpy(&v, h, sizeof v);
	return (size_t)v & (m->cap - 1);
}

amap_t *amap_new(void)
{
	amap_t *m = calloc(1, sizeof *m);

	if (m == NULL)
		return NULL;
	m->cap = 64;
	if ((m->slots = calloc(m->cap, sizeof *m->slots)) == NULL) {
		free(m);
		return NULL;
	}
	randombytes_buf(m->sip, sizeof m->sip);
	return m;
}

void amap_destroy(amap_t **mp)
{
	if (mp == NULL || *mp == NULL)
		return;
	free((*mp)->slots);
	free(*mp);
	*mp = NULL;
}

static slot_t *find(const amap_t *m, const uint8_t key[static 32])
{
	for (size_t i = home(m, key);; i = (i + 1) & (m->cap - 1)) {
		if (!m->slots[i].used)
			return &m->slots[i];
		if (memcmp(m->slots[i].key, key, 32) == 0)
			return &m->slots[i];
	}
}

static int grow(amap_t *m)
{
	slot_t *old = m->slots;
	size_t oldcap = m->cap;

	if ((m->slots = calloc(oldcap * 2, sizeof *m->slots)) == NULL) {
		m->slots = old;
		return WIEC_ERR_NOMEM;
	}
	m->cap = oldcap * 2;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].used)
			*find(m, old[i].key) = old[i];
	free(old);
	return 0;
}

int amap_put(amap_t *m, const uint8_t key[static 32], const amap_val_t *v)
{
	slot_t *s;

	if (2 * (m->n + 1) > m->cap && grow(m) != 0)
		return WIEC_ERR_NOMEM;
	s = find(m, key);
	if (!s->used) {
		memcpy(s->key, key, 32);
		s->used = 1;
		m->n++;
	}
	s->val = *v;
	return 0;
}

amap_val_t *amap_get(amap_t *m, const uint8_t key[static 32])
{
	slot_t *s = find(m, key);

	return s->used ? &s->val : NULL;
}

void amap_del(amap_t *m, const uint8_t key[static 32])
{
	size_t mask = m->cap - 1, i = (size_t)(find(m, key) - m->slots), j = i;

	if (!m->slots[i].used)
		return;
	m->slots[i].used = 0;
	m->n--;
	/* Backward-shift: move later members of the probe run into the hole. */
	for (;;) {
		size_t k;

		j = (j + 1) & mask;
		if (!m->slots[j].used)
			return;
		k = home(m, m->slots[j].key);
		if ((j > i && (k <= i || k > j)) || (j < i && k <= i && k > j)) {
			m->slots[i] = m->slots[j];
			m->slots[j].used = 0;
			i = j;
		}
	}
}

size_t amap_size(const amap_t *m)
{
	return m->n;
}
