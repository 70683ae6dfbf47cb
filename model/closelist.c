/* closelist.c: long close lists as trees of IdPart events (spec/close.md s3). */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "crypto/mem.h"
#include "model/closelist.h"
#include "proto/event.h"

#define ID HASH_BYTES

void closelist_part_hash(uint8_t hash[static HASH_BYTES], const uint8_t process[static HASH_BYTES],
    uint32_t level, const uint8_t *items, size_t n)
{
	static const char tag[] = "wiec-idpart-v1";
	crypto_generichash_state st;
	uint8_t be[4] = { (uint8_t)(level >> 24), (uint8_t)(level >> 16), (uint8_t)(level >> 8),
	    (uint8_t)level };

	/* BLAKE2b with these fixed, valid parameters cannot fail. */
	(void)crypto_generichash_init(&st, NULL, 0, HASH_BYTES);
	(void)crypto_generichash_update(&st, (const uint8_t *)tag, sizeof tag - 1);
	(void)crypto_generichash_update(&st, process, HASH_BYTES);
	(void)crypto_generichash_update(&st, be, sizeof be);
	if (n > 0)
		(void)crypto_generichash_update(&st, items, n * ID);
	(void)crypto_generichash_final(&st, hash, HASH_BYTES);
}

/* A content-defined cut after this item: 1 in 1,024 of uniform items. */
static int cut_after(const uint8_t *item)
{
	return item[ID - 1] == 0 && (item[ID - 2] & 3) == 0;
}

void closelist_free(closelist_t *l)
{
	free(l->parts);
	for (size_t i = 1; i < sizeof l->levels / sizeof l->levels[0]; i++)
		free(l->levels[i]);
	memset(l, 0, sizeof *l);
}

const uint8_t *closelist_items(const closelist_t *l, const closelist_part_t *p)
{
	return l->levels[p->level] + p->off * ID;
}

int closelist_build(const uint8_t process[static HASH_BYTES], const uint8_t *ids, size_t n,
    size_t max, closelist_t *out)
{
	const uint8_t *items = ids;
	size_t count = n, cap = 0;
	uint32_t level = 0;
	int rc = 0;

	memset(out, 0, sizeof *out);
	memcpy(out->process, process, HASH_BYTES);
	out->levels[0] = (uint8_t *)ids;
	if (max == 0 || n <= max)
		return WIEC_ERR_ARG;
	while (count > max) {
		uint8_t *next;
		size_t k = 0, start = 0;

		if (level > EV_IDPART_LEVEL_MAX) {
			rc = WIEC_ERR_TOO_BIG;
			goto fail;
		}
		if ((next = malloc(count * ID)) == NULL) {
			rc = WIEC_ERR_NOMEM;
			goto fail;
		}
		out->levels[level + 1] = next;
		for (size_t i = 0; i < count; i++) {
			closelist_part_t *p;

			if (i + 1 - start < max && !cut_after(items + i * ID) && i + 1 < count)
				continue;
			if (out->nparts == cap) {
				size_t nc = cap ? 2 * cap : 64;
				closelist_part_t *np = realloc(out->parts, nc * sizeof *np);

				if (np == NULL) {
					rc = WIEC_ERR_NOMEM;
					goto fail;
				}
				out->parts = np;
				cap = nc;
			}
			p = &out->parts[out->nparts++];
			p->level = level;
			p->off = start;
			p->n = i + 1 - start;
			closelist_part_hash(p->hash, process, level, items + start * ID, p->n);
			memcpy(next + k++ * ID, p->hash, ID);
			start = i + 1;
		}
		items = next;
		count = k;
		level++;
	}
	out->top = items;
	out->ntop = count;
	return 0;
fail:
	closelist_free(out);
	return rc;
}

/* The first held IdPart named by hash, decoded into *e. */
typedef struct find {
	const model_view_t *v;
	const uint8_t *process;	/* NULL: any */
	model_ev_t *e;
	int rc;
} find_t;

static int find_cb(void *arg, const uint8_t id[static HASH_BYTES])
{
	find_t *f = arg;
	int rc = f->v->get(f->v->ctx, id, f->e);

	if (rc == WIEC_ERR_NOTFOUND)
		return 0;	/* excluded: another copy may serve */
	if (rc != 0) {
		f->rc = rc;
		return 1;
	}
	if (f->e->body->content_case == WIEC__BODY__CONTENT_IDPART && (f->process == NULL ||
	    memcmp(f->e->body->idpart->process.data, f->process, HASH_BYTES) == 0)) {
		f->rc = 0;
		return 1;
	}
	model_ev_free(f->e);
	memset(f->e, 0, sizeof *f->e);
	return 0;
}

static int find_part(const model_view_t *v, const uint8_t *process, const uint8_t *hash,
    model_ev_t *e)
{
	find_t f = { v, process, e, WIEC_ERR_NOTFOUND };
	int rc;

	memset(e, 0, sizeof *e);
	rc = v->refs(v->ctx, hash, MREF_PART, find_cb, &f);
	if (rc < 0)
		return rc;
	return f.rc;
}

/* Held at all: the hash binds the process, so any IdPart will do. Of the
 * view's calls only get() and scan() know exclusion, and the store's
 * scan() serves ballots only (model.h): get() of the first copy, decoded
 * and dropped, is the cheapest answer until the view can say "held and not
 * excluded" by itself. */
int closelist_held(const model_view_t *v, const uint8_t hash[static HASH_BYTES])
{
	model_ev_t e;
	int rc = find_part(v, NULL, hash, &e);

	if (rc == 0) {
		model_ev_free(&e);
		return 1;
	}
	return rc == WIEC_ERR_NOTFOUND ? 0 : rc;
}

int closelist_missing(const model_view_t *v, const closelist_t *l, uint8_t *held,
    size_t *missing)
{
	size_t k = 0;

	for (size_t i = 0; i < l->nparts; i++) {
		int r = closelist_held(v, l->parts[i].hash);

		if (r < 0)
			return r;
		if (held != NULL)
			held[i] = (uint8_t)r;
		k += r == 0;
	}
	if (missing != NULL)
		*missing = k;
	return 0;
}

static long member_index(const uint8_t (*members)[KEY_PK_BYTES], size_t n,
    const uint8_t key[static KEY_PK_BYTES])
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(members[i], key, KEY_PK_BYTES) == 0)
			return (long)i;
	return -1;
}

uint64_t closelist_part_wait(const uint8_t (*members)[KEY_PK_BYTES], size_t n,
    const uint8_t proposer[static KEY_PK_BYTES], const uint8_t self[static KEY_PK_BYTES],
    uint64_t timeout)
{
	long s = member_index(members, n, self), p = member_index(members, n, proposer);
	uint64_t k;

	if (n == 0 || s < 0 || s == p)
		return 0;
	k = p < 0 ? (uint64_t)s + 1 : (uint64_t)((s - p + (long)n) % (long)n);
	return timeout * k / (2 * (uint64_t)n);
}

int closelist_post_now(uint64_t now, uint64_t since, uint64_t wait, size_t missing,
    int other_held)
{
	return missing == 0 || other_held || now >= since + wait;
}

typedef struct out {
	uint8_t *ids;
	size_t n, cap;
} out_t;

static int append(out_t *o, const uint8_t *items, size_t n)
{
	if (o->n > 0 && memcmp(o->ids + (o->n - 1) * ID, items, ID) >= 0)
		return WIEC_ERR_DECODE;	/* not ascending across parts */
	if (n > CLOSELIST_IDS_MAX - o->n)
		return WIEC_ERR_DECODE;
	if (mem_grow((void **)&o->ids, &o->cap, o->n + n, ID) != 0)
		return WIEC_ERR_NOMEM;
	memcpy(o->ids + o->n * ID, items, n * ID);
	o->n += n;
	return 0;
}

/* Appends the ids under the part named by hash, of level *level (-1: the
 * first of the top list decides). */
static int expand(const model_view_t *v, const uint8_t *process, const uint8_t *hash,
    int64_t *level, out_t *o)
{
	model_ev_t e;
	const Wiec__IdPart *p;
	int rc = find_part(v, process, hash, &e);

	if (rc != 0)
		return rc;
	p = e.body->idpart;
	if (*level < 0)
		*level = p->level;
	if ((int64_t)p->level != *level) {
		rc = WIEC_ERR_DECODE;
	} else if (p->level == 0) {
		rc = append(o, p->items.data, p->items.len / ID);
	} else {
		int64_t below = *level - 1;

		for (size_t i = 0; rc == 0 && i < p->items.len / ID; i++)
			rc = expand(v, process, p->items.data + i * ID, &below, o);
	}
	model_ev_free(&e);
	return rc;
}

int closelist_resolve(const model_view_t *v, const uint8_t process[static HASH_BYTES],
    const uint8_t *top, size_t ntop, uint8_t **ids, size_t *n)
{
	out_t o = { NULL, 0, 0 };
	int64_t level = -1;
	int rc = 0;

	*ids = NULL;
	*n = 0;
	for (size_t i = 0; rc == 0 && i < ntop; i++)
		rc = expand(v, process, top + i * ID, &level, &o);
	if (rc != 0) {
		free(o.ids);
		return rc;
	}
	*ids = o.ids;
	*n = o.n;
	return 0;
}
