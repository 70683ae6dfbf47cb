/* memview.h: a model_view_t (model/model.h) over events held in memory, for
 * unit tests of the model's derivations. Everything is static inline so a
 * test file that uses part of it still compiles with -Werror.
 *
 * Events are added as decoded bodies (the body's author, seq and timestamp
 * are the event's); each is stored packed and unpacked afresh by get(), so
 * callers own what they get as the interface says. The id of an event is
 * BLAKE2b-256 of its packed body: unique and fixed for a body, which is all
 * the model needs (a real id hashes the whole envelope). Index entries come
 * from refs_of, given at memview_init: model_refs once it exists, or
 * memview_refs_members, which knows member changes and approvals only. */
#ifndef WIEC_MEMVIEW_H
#define WIEC_MEMVIEW_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "crypto/hash.h"
#include "model/model.h"

typedef size_t (*memview_refs_fn)(const Wiec__Body *b, model_ref_t out[static MODEL_REF_MAX]);

typedef struct memview_ev {
	uint8_t id[HASH_BYTES];
	uint8_t author[KEY_PK_BYTES];
	uint64_t seq, timestamp, lseq;
	uint8_t *body;		/* packed Body, owned */
	size_t len;
	int excluded;		/* get() reports it as not held */
} memview_ev_t;

typedef struct memview_ent {
	uint8_t ref[HASH_BYTES];
	uint8_t tag;
	uint8_t id[HASH_BYTES];
} memview_ent_t;

typedef struct memview {
	const Wiec__GenesisBody *genesis;	/* borrowed */
	memview_refs_fn refs_of;
	memview_ev_t *ev;
	size_t n, cap;
	memview_ent_t *ent;
	size_t nent, capent;
} memview_t;

/* The index entries of member changes and approvals (spec/model.md
 * section 9), for tests that run before model_refs exists. */
static inline size_t memview_refs_members(const Wiec__Body *b, model_ref_t out[static MODEL_REF_MAX])
{
	if (b->content_case == WIEC__BODY__CONTENT_MEMBER) {
		memset(out[0].ref, 0, HASH_BYTES);
		out[0].tag = MREF_MEMBER;
		return 1;
	}
	if (b->content_case == WIEC__BODY__CONTENT_APPROVE &&
	    b->approve->target.len == HASH_BYTES) {
		memcpy(out[0].ref, b->approve->target.data, HASH_BYTES);
		out[0].tag = MREF_APPROVE;
		return 1;
	}
	return 0;
}

static inline void memview_init(memview_t *mv, const Wiec__GenesisBody *g, memview_refs_fn fn)
{
	memset(mv, 0, sizeof *mv);
	mv->genesis = g;
	mv->refs_of = fn ? fn : memview_refs_members;
}

static inline void memview_free(memview_t *mv)
{
	for (size_t i = 0; i < mv->n; i++)
		free(mv->ev[i].body);
	free(mv->ev);
	free(mv->ent);
	memset(mv, 0, sizeof *mv);
}

static inline memview_ev_t *memview_find(memview_t *mv, const uint8_t id[static HASH_BYTES])
{
	for (size_t i = 0; i < mv->n; i++)
		if (memcmp(mv->ev[i].id, id, HASH_BYTES) == 0)
			return &mv->ev[i];
	return NULL;
}

/* Holds event e (id, author, seq and timestamp set; e->body, its packed
 * body b, owned: taken or freed here) with b's index entries; lseq is its
 * arrival. Holding a held id again changes nothing. 0 or WIEC_ERR_NOMEM.
 * The one way in for memview_add and for fixtures that know real ids
 * (modelfx.h's mfx_hold). */
static inline int memview_put(memview_t *mv, memview_ev_t *e, const Wiec__Body *b)
{
	model_ref_t r[MODEL_REF_MAX];
	size_t k;

	if (memview_find(mv, e->id) != NULL) {
		free(e->body);
		return 0;
	}
	e->lseq = mv->n + 1;
	k = mv->refs_of(b, r);
	if (mv->n == mv->cap) {
		size_t cap = mv->cap ? 2 * mv->cap : 16;
		void *p = realloc(mv->ev, cap * sizeof *mv->ev);

		if (p == NULL)
			goto nomem;
		mv->ev = p;
		mv->cap = cap;
	}
	if (mv->nent + k > mv->capent) {
		size_t cap = mv->capent ? 2 * mv->capent : 16;
		void *p;

		while (cap < mv->nent + k)
			cap *= 2;
		if ((p = realloc(mv->ent, cap * sizeof *mv->ent)) == NULL)
			goto nomem;
		mv->ent = p;
		mv->capent = cap;
	}
	for (size_t i = 0; i < k; i++) {
		memcpy(mv->ent[mv->nent].ref, r[i].ref, HASH_BYTES);
		mv->ent[mv->nent].tag = r[i].tag;
		memcpy(mv->ent[mv->nent].id, e->id, HASH_BYTES);
		mv->nent++;
	}
	mv->ev[mv->n++] = *e;
	return 0;
nomem:
	free(e->body);
	return WIEC_ERR_NOMEM;
}

/* e->body and e->len: b packed (malloc'd). 0 or WIEC_ERR_NOMEM. */
static inline int memview_pack(memview_ev_t *e, const Wiec__Body *b)
{
	e->len = wiec__body__get_packed_size(b);
	if ((e->body = malloc(e->len ? e->len : 1)) == NULL)
		return WIEC_ERR_NOMEM;
	wiec__body__pack(b, e->body);
	return 0;
}

/* Holds the event of body b (author 32 bytes); id_out (may be NULL) gets
 * its id. Adding a held body again changes nothing. 0 or WIEC_ERR_NOMEM,
 * WIEC_ERR_ARG for a body without a 32-byte author. */
static inline int memview_add(memview_t *mv, const Wiec__Body *b, uint8_t *id_out)
{
	memview_ev_t e = { 0 };

	if (b->author.len != KEY_PK_BYTES)
		return WIEC_ERR_ARG;
	if (memview_pack(&e, b) != 0)
		return WIEC_ERR_NOMEM;
	hash_2(e.id, e.body, e.len, NULL, 0);
	if (id_out != NULL)
		memcpy(id_out, e.id, HASH_BYTES);
	memcpy(e.author, b->author.data, KEY_PK_BYTES);
	e.seq = b->seq;
	e.timestamp = b->timestamp;
	return memview_put(mv, &e, b);
}

static inline int memview_get(void *ctx, const uint8_t id[static HASH_BYTES], model_ev_t *out)
{
	memview_ev_t *e = memview_find(ctx, id);

	memset(out, 0, sizeof *out);
	if (e == NULL || e->excluded)
		return WIEC_ERR_NOTFOUND;
	if ((out->body = wiec__body__unpack(NULL, e->len, e->body)) == NULL)
		return WIEC_ERR_NOMEM;
	memcpy(out->id, e->id, HASH_BYTES);
	memcpy(out->author, e->author, KEY_PK_BYTES);
	out->seq = e->seq;
	out->timestamp = e->timestamp;
	out->lseq = e->lseq;
	return 0;
}

static inline int memview_id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, HASH_BYTES);
}

/* Entries of (ref, tag) in increasing id order, excluded events included
 * (the LMDB index keeps them too; get() is where they disappear). */
static inline int memview_refs(void *ctx, const uint8_t ref[static HASH_BYTES], uint8_t tag,
    model_ref_cb cb, void *arg)
{
	memview_t *mv = ctx;
	uint8_t (*ids)[HASH_BYTES];
	size_t n = 0;
	int rc = 0;

	if ((ids = malloc((mv->nent ? mv->nent : 1) * HASH_BYTES)) == NULL)
		return WIEC_ERR_NOMEM;
	for (size_t i = 0; i < mv->nent; i++)
		if (mv->ent[i].tag == tag && memcmp(mv->ent[i].ref, ref, HASH_BYTES) == 0)
			memcpy(ids[n++], mv->ent[i].id, HASH_BYTES);
	qsort(ids, n, HASH_BYTES, memview_id_cmp);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = cb(arg, ids[i]);
	free(ids);
	return rc;
}

static inline const Wiec__GenesisBody *memview_genesis(void *ctx)
{
	return ((memview_t *)ctx)->genesis;
}

/* A view of mv, valid while mv is. */
static inline model_view_t memview_view(memview_t *mv)
{
	model_view_t v = { mv, memview_get, memview_refs, memview_genesis, NULL };

	return v;
}

#endif
