/* recon_set.c: the augmented set of node/recon.h: a treap whose nodes sum
 * the item hashes of their subtrees (node/recon_int.h), so put, del and the
 * fingerprint of any key range are O(log n). */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/recon_int.h"

int recon_fp_of(const uint64_t sum[4], uint64_t cnt, uint8_t fp[RECON_FP_BYTES])
{
	uint8_t buf[40], h[32];

	for (int i = 0; i < 4; i++)
		hash_put_le64(buf + 8 * i, sum[i]);
	hash_put_le64(buf + 32, cnt);
	if (crypto_generichash(h, sizeof h, buf, sizeof buf, NULL, 0) != 0)
		return WIEC_ERR_CRYPTO;
	memcpy(fp, h, RECON_FP_BYTES);
	return 0;
}

static int item_hash(const recon_item_t *it, uint8_t h[32])
{
	uint8_t buf[32 + 8 + 32];

	memcpy(buf, it->key, 32);
	for (int i = 0; i < 8; i++)
		buf[32 + i] = (uint8_t)(it->seq >> (56 - 8 * i));
	memcpy(buf + 40, it->val, 32);
	return crypto_generichash(h, 32, buf, sizeof buf, NULL, 0) == 0 ? 0 : WIEC_ERR_CRYPTO;
}

static uint32_t set_rand(recon_set_t *s)
{
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return (uint32_t)((s->rng * 2685821657736338717ULL) >> 32);
}

static void t_upd(recon_set_t *s, uint32_t t)
{
	rnode_t *x = &s->n[t];
	const rnode_t *l = &s->n[x->l], *r = &s->n[x->r];

	x->cnt = 1 + l->cnt + r->cnt;
	memcpy(x->sum, x->h, sizeof x->sum);
	u256_add(x->sum, l->sum);
	u256_add(x->sum, r->sum);
}

/* Splits t into keys < key (*a) and keys >= key (*b). */
static void t_split(recon_set_t *s, uint32_t t, const uint8_t *key, uint32_t *a, uint32_t *b)
{
	if (t == 0) {
		*a = *b = 0;
		return;
	}
	if (memcmp(s->n[t].key, key, 32) < 0) {
		t_split(s, s->n[t].r, key, &s->n[t].r, b);
		*a = t;
	} else {
		t_split(s, s->n[t].l, key, a, &s->n[t].l);
		*b = t;
	}
	t_upd(s, t);
}

static uint32_t t_merge(recon_set_t *s, uint32_t a, uint32_t b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	if (s->n[a].prio > s->n[b].prio) {
		s->n[a].r = t_merge(s, s->n[a].r, b);
		t_upd(s, a);
		return a;
	}
	s->n[b].l = t_merge(s, a, s->n[b].l);
	t_upd(s, b);
	return b;
}

static uint32_t t_insert(recon_set_t *s, uint32_t t, uint32_t x)
{
	if (t == 0)
		return x;
	if (s->n[x].prio > s->n[t].prio) {
		t_split(s, t, s->n[x].key, &s->n[x].l, &s->n[x].r);
		t_upd(s, x);
		return x;
	}
	if (memcmp(s->n[x].key, s->n[t].key, 32) < 0)
		s->n[t].l = t_insert(s, s->n[t].l, x);
	else
		s->n[t].r = t_insert(s, s->n[t].r, x);
	t_upd(s, t);
	return t;
}

static uint32_t t_erase(recon_set_t *s, uint32_t t, const uint8_t *key, uint32_t *gone)
{
	int c;

	if (t == 0)
		return 0;
	c = memcmp(key, s->n[t].key, 32);
	if (c == 0) {
		*gone = t;
		return t_merge(s, s->n[t].l, s->n[t].r);
	}
	if (c < 0)
		s->n[t].l = t_erase(s, s->n[t].l, key, gone);
	else
		s->n[t].r = t_erase(s, s->n[t].r, key, gone);
	t_upd(s, t);
	return t;
}

/* Recomputes the sums on the path to key after its node changed. */
static void t_refresh(recon_set_t *s, uint32_t t, const uint8_t *key)
{
	int c = memcmp(key, s->n[t].key, 32);

	if (c < 0)
		t_refresh(s, s->n[t].l, key);
	else if (c > 0)
		t_refresh(s, s->n[t].r, key);
	t_upd(s, t);
}

static uint32_t t_find(const recon_set_t *s, const uint8_t *key)
{
	uint32_t t = s->root;

	while (t) {
		int c = memcmp(key, s->n[t].key, 32);
		if (c == 0)
			return t;
		t = c < 0 ? s->n[t].l : s->n[t].r;
	}
	return 0;
}

recon_set_t *recon_set_new(void)
{
	recon_set_t *s = calloc(1, sizeof *s);

	if (s == NULL)
		return NULL;
	s->cap = 1024;
	s->n = calloc(s->cap, sizeof *s->n);
	if (s->n == NULL) {
		free(s);
		return NULL;
	}
	s->used = 1;
	randombytes_buf(&s->rng, sizeof s->rng);
	s->rng |= 1;
	return s;
}

void recon_set_destroy(recon_set_t **p)
{
	if (p == NULL || *p == NULL)
		return;
	free((*p)->n);
	free(*p);
	*p = NULL;
}

size_t recon_set_size(const recon_set_t *s)
{
	return s ? s->n[s->root].cnt : 0;
}

static void h_to_limbs(const uint8_t h[32], uint64_t l[4])
{
	for (int i = 0; i < 4; i++)
		l[i] = hash_get_le64(h + 8 * i);
}

int recon_set_put(recon_set_t *s, const recon_item_t *it)
{
	uint8_t h[32];
	uint32_t x;

	if (s == NULL || it == NULL)
		return WIEC_ERR_ARG;
	if (item_hash(it, h) != 0)
		return WIEC_ERR_CRYPTO;
	x = t_find(s, it->key);
	if (x) {
		s->n[x].seq = it->seq;
		h_to_limbs(h, s->n[x].h);
		t_refresh(s, s->root, it->key);
		return 0;
	}
	if (s->free_head) {
		x = s->free_head;
		s->free_head = s->n[x].l;
	} else {
		if (s->used == s->cap) {
			rnode_t *nn;
			uint32_t nc;

			if (s->cap >= UINT32_MAX / 2)
				return WIEC_ERR_TOO_BIG;
			nc = s->cap * 2;
			nn = realloc(s->n, (size_t)nc * sizeof *nn);
			if (nn == NULL)
				return WIEC_ERR_NOMEM;
			s->n = nn;
			s->cap = nc;
		}
		x = s->used++;
	}
	memset(&s->n[x], 0, sizeof s->n[x]);
	memcpy(s->n[x].key, it->key, 32);
	s->n[x].seq = it->seq;
	h_to_limbs(h, s->n[x].h);
	s->n[x].prio = set_rand(s);
	t_upd(s, x);
	s->root = t_insert(s, s->root, x);
	return 0;
}

int recon_set_del(recon_set_t *s, const uint8_t key[static RECON_KEY_BYTES])
{
	uint32_t gone = 0;

	if (s == NULL || key == NULL)
		return WIEC_ERR_ARG;
	s->root = t_erase(s, s->root, key, &gone);
	if (gone == 0)
		return WIEC_ERR_NOTFOUND;
	memset(&s->n[gone], 0, sizeof s->n[gone]);
	s->n[gone].l = s->free_head;
	s->free_head = gone;
	return 0;
}

void recon_tree_prefix(const recon_set_t *s, const bound_t *b, uint64_t sum[4], uint64_t *cnt)
{
	uint32_t t = s->root;

	if (b->inf) {
		memcpy(sum, s->n[t].sum, 32);
		*cnt = s->n[t].cnt;
		return;
	}
	memset(sum, 0, 32);
	*cnt = 0;
	while (t) {
		const rnode_t *x = &s->n[t];
		if (memcmp(x->key, b->k, 32) < 0) {
			u256_add(sum, s->n[x->l].sum);
			u256_add(sum, x->h);
			*cnt += s->n[x->l].cnt + 1;
			t = x->r;
		} else {
			t = x->l;
		}
	}
}

uint32_t recon_tree_select(const recon_set_t *s, uint64_t r, uint64_t sum[4])
{
	uint32_t t = s->root;

	while (t) {
		const rnode_t *x = &s->n[t];
		uint64_t lc = s->n[x->l].cnt;
		if (r < lc) {
			t = x->l;
			continue;
		}
		if (sum)
			u256_add(sum, s->n[x->l].sum);
		if (r == lc)
			return t;
		if (sum)
			u256_add(sum, x->h);
		r -= lc + 1;
		t = x->r;
	}
	return 0;
}

int recon_tree_visit(const recon_set_t *s, uint32_t t, const bound_t *lo, const bound_t *hi,
    recon_visit_fn fn, void *ctx)
{
	int ge, lt, rc;

	if (t == 0)
		return 0;
	ge = memcmp(s->n[t].key, lo->k, 32) >= 0;
	lt = key_lt(s->n[t].key, hi);
	if (ge && (rc = recon_tree_visit(s, s->n[t].l, lo, hi, fn, ctx)) != 0)
		return rc;
	if (ge && lt && (rc = fn(ctx, &s->n[t])) != 0)
		return rc;
	if (lt)
		return recon_tree_visit(s, s->n[t].r, lo, hi, fn, ctx);
	return 0;
}

int recon_set_fingerprint(const recon_set_t *s, const uint8_t *lo,
    const uint8_t *hi, uint8_t fp[static RECON_FP_BYTES], size_t *count)
{
	bound_t bl, bh;
	uint64_t sl[4], sh[4], cl, ch;

	if (s == NULL || fp == NULL)
		return WIEC_ERR_ARG;
	memset(&bl, 0, sizeof bl);
	memset(&bh, 0, sizeof bh);
	if (lo)
		memcpy(bl.k, lo, 32);
	if (hi)
		memcpy(bh.k, hi, 32);
	else
		bh.inf = 1;
	recon_tree_prefix(s, &bl, sl, &cl);
	recon_tree_prefix(s, &bh, sh, &ch);
	if (bound_cmp(&bh, &bl) <= 0) {
		memset(sh, 0, sizeof sh);
		ch = 0;
	} else {
		u256_sub(sh, sl);
		ch -= cl;
	}
	if (recon_fp_of(sh, ch, fp) != 0)
		return WIEC_ERR_CRYPTO;
	if (count)
		*count = (size_t)ch;
	return 0;
}
