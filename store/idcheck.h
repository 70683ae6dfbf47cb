/* idcheck.h: checking stored records against their ids behind a reader,
 * on a second thread, for the long passes of a recount.
 *
 * A `log` record is id (HASH_BYTES) || envelope, and an envelope is read
 * only if its bytes hash to that id: a flipped bit in a held ballot once
 * made it no_poll, or dropped it, in a certified result. Hashing costs
 * about what the rest of a recount does (bench-tally), so a long pass has
 * it done on a second thread: the reader hands each record over and goes
 * on using its bytes at once, and the pass's outcome counts only if
 * store_idcheck_finish then says every record checked. What the reader
 * did with a damaged record's bytes (any reader of stored bytes bounds
 * every read) is then thrown away with the pass.
 *
 *     store_idcheck_t ic;
 *     store_idcheck_init(&ic);
 *     for each record:
 *             if ((rc = store_idcheck_put(&ic, rec, len)) != 0)
 *                     break;                  (a damaged record, found so far)
 *             use the record's bytes;
 *     rc2 = store_idcheck_finish(&ic);        (always; wins over rc)
 *
 * The first STORE_IDCHECK_INLINE records are checked on the caller's
 * thread before put returns (a short pass starts no thread); after that a
 * checker thread takes them in blocks. If that thread cannot start, every
 * record is checked inline. The records must stay mapped (their read
 * transaction open) until finish returns. Not shared between threads:
 * one reader per store_idcheck_t. */
#ifndef WIEC_STORE_IDCHECK_H
#define WIEC_STORE_IDCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/hash.h"

#define STORE_IDCHECK_INLINE 4096	/* records checked inline before a thread starts */

typedef struct idcheck_shared idcheck_shared_t;

typedef struct store_idcheck {
	int damaged;		/* put or finish returned WIEC_ERR_CORRUPT: */
	uint8_t bad[HASH_BYTES];	/* the id the damaged record found was stored under */
	size_t n;		/* records put */
	int inline_only;	/* the checker thread could not start */
	idcheck_shared_t *sh;	/* the checker's state, once started */
} store_idcheck_t;

void store_idcheck_init(store_idcheck_t *ic);

/* Hands over one record (id || envelope, len > HASH_BYTES). 0, or
 * WIEC_ERR_CORRUPT if this record (inline) or an earlier one (by the
 * checker) does not hash to its id. */
int store_idcheck_put(store_idcheck_t *ic, const uint8_t *rec, size_t len);

/* Waits until every record put is checked and stops the checker. 0 if all
 * hashed to their ids, WIEC_ERR_CORRUPT otherwise. ic may be used again
 * after store_idcheck_init. */
int store_idcheck_finish(store_idcheck_t *ic);

#endif
