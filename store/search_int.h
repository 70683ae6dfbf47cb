/* search_int.h: the layout of the full-text index, shared by the files
 * that write it (store/search.c) and read it (store/searchq.c).
 *
 * Database `search`:
 *   term || 0x00 || c(4)  -> 1..CHUNK postings: doc(16) || tf(2) || dl(2)
 *   0x00 (1 byte)         -> docs(6) || length(6)    the corpus totals
 * doc is the first 16 bytes of the event id (finding another event with the
 * same 16 bytes takes about 2^128 hashes); integers are big-endian. A term's
 * postings lie in chunks c = 0, 1, ... in log order, each full but the last,
 * so the chunks depend on the log and not on how commits cut it; the
 * postings (each from one event's own bytes) and the totals (sums) are the
 * same on every node holding the same events. A term's document frequency
 * is the number of its postings, counted while they are read. */
#ifndef WIEC_STORE_SEARCH_INT_H
#define WIEC_STORE_SEARCH_INT_H

#include <lmdb.h>
#include <stdint.h>

#include "model/fold.h"
#include "proto/wiec.pb-c.h"

#ifndef __SIZEOF_INT128__
#error "the search index needs a 128-bit integer type (gcc or clang on a 64-bit target)"
#endif
typedef unsigned __int128 u128;

#define DOC 16			/* bytes of an event id naming a document */
#define POST (DOC + 4)		/* a posting: doc(16) || tf(2) || dl(2) */
#define CHUNK 64		/* postings in a full chunk */
#define TERM_KEY (FOLD_TERM_MAX + 1)	/* term || 0x00 */
#define KEY_MAX (TERM_KEY + 4)	/* term || 0x00 || chunk(4) */

static const uint8_t totals_key[1] = { 0 };	/* the corpus totals' key */

static inline void put48(uint8_t *p, uint64_t x)
{
	for (int i = 5; i >= 0; i--, x >>= 8)
		p[i] = (uint8_t)x;
}

static inline uint64_t get48(const uint8_t *p)
{
	uint64_t x = 0;

	for (int i = 0; i < 6; i++)
		x = x << 8 | p[i];
	return x;
}

static inline void put32(uint8_t *p, uint32_t x)
{
	p[0] = (uint8_t)(x >> 24);
	p[1] = (uint8_t)(x >> 16);
	p[2] = (uint8_t)(x >> 8);
	p[3] = (uint8_t)x;
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* One document indexed alone, as the index would hold it
 * (store/search.c): what a read checks a posting it serves against.
 * search_doc_set indexes the document of body (event id), replacing the
 * last one (0 or WIEC_ERR_NOMEM; a body that is no document has no
 * terms); search_doc_tf gives the tf its posting of term t (len bytes)
 * would hold, 0 if it has none; search_doc_dl its dl. */
typedef struct search_doc search_doc_t;
int search_doc_new(search_doc_t **d);
int search_doc_set(search_doc_t *d, const Wiec__Body *body, const uint8_t *id);
uint32_t search_doc_tf(const search_doc_t *d, const uint8_t *t, size_t len);
uint32_t search_doc_dl(const search_doc_t *d);
void search_doc_free(search_doc_t **d);

/* Whether chunk value v is well formed: 1..CHUNK postings. */
static inline int chunk_ok(const MDB_val *v)
{
	return v->mv_size > 0 && v->mv_size % POST == 0 && v->mv_size <= CHUNK * POST;
}

#endif
