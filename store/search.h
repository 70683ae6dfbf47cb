/* search.h: the full-text index of ideas and comments (spec/search.md):
 * derived state in the LMDB database `search`, written in the ingest write
 * transaction and rebuilt by store_reindex, and its BM25 ranking in exact
 * integer arithmetic.
 *
 * The index knows documents (an idea version or a comment, by its event
 * id) and their terms only. Which documents count (an idea's latest
 * version, hidden or not, the filters) is the model's, decided by the
 * caller for each hit, in ranking order. */
#ifndef WIEC_SEARCH_H
#define WIEC_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/hash.h"
#include "store/store.h"

#define SEARCH_QUERY_TERMS 32	/* distinct terms of a query used, at most */
#define SEARCH_PREFIX_TERMS 256	/* index terms one prefix ("drz*") expands to */
#define SEARCH_SCORE_ONE ((uint64_t)1 << 32)	/* scores are in units of 2^-32 */

typedef struct search_res search_res_t;

/* Ranks every indexed document matching any term of query[0..len)
 * (model/fold.h, FOLD_QUERY). On success *out (the caller frees it with
 * store_search_free) yields the hits, best first, by store_search_next.
 * *nterms (may be NULL) receives the number of query terms used (0: the
 * query has no searchable word). Returns 0, WIEC_ERR_NOMEM, WIEC_ERR_CORRUPT
 * (a malformed index entry), WIEC_ERR_STORE, or WIEC_ERR_STALE /
 * WIEC_ERR_NEWER (an index of another layout: store_stale). */
int store_search(store_t *s, const char *query, size_t len, search_res_t **out,
    size_t *nterms);

/* store_search in the read snapshot of view sv (store/store.h): the hits
 * and the model's answers the caller judges them by are of one state (a
 * version committed between two snapshots was once ranked in neither).
 * sv must outlive *out. */
int store_search_view(store_view_t *sv, const char *query, size_t len, search_res_t **out,
    size_t *nterms);

/* The next hit: 1 and its document's event id and score, or 0 when there
 * are no more, or a negative wiec_err_t. Best first: higher score, then
 * lower id. The hits come from one read snapshot of the store, kept until
 * store_search_free (which must come before store_close). */
int store_search_next(search_res_t *r, uint8_t id[static HASH_BYTES], uint64_t *score);

/* Hits not yet taken by store_search_next. */
size_t store_search_left(const search_res_t *r);

void store_search_free(search_res_t **r);

/* Size of the index: documents, their summed lengths in terms, distinct
 * terms, postings, and the bytes of the LMDB pages it occupies. Errors as
 * store_search's. */
typedef struct search_stats {
	uint64_t docs, length, terms, postings, bytes;
} search_stats_t;

int store_search_stats(store_t *s, search_stats_t *st);

/* The BM25 arithmetic alone (spec/search.md section 4), for tests:
 * floor(2^32 log2(x / y)) for x >= y > 0, x < 2^62. */
uint64_t search_log2_q32(uint64_t x, uint64_t y);

#endif
