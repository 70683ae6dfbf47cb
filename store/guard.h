/* guard.h: file-level checks of the store's LMDB file, before and after
 * LMDB maps it, and the commit record that names a rollback
 * (spec/events.md, section 10, "Damage").
 *
 * LMDB trusts its file: a page cut off by truncation is a SIGBUS when
 * touched through the map, a damaged page a SIGSEGV or an assertion, an
 * empty file a fresh empty store, and one flipped bit in the older meta page
 * silently selects the older snapshot. The guard reads the file with pread
 * (never through the map), so none of those can hit it, and refuses the
 * store before LMDB touches a page it has not checked:
 *   - store_guard_open, before mdb_env_open: data.mdb is a regular file of
 *     whole pages; both meta pages are sound (magic, data version, page
 *     size, page numbers, roots) and their transaction ids are consecutive,
 *     each on its own page's parity as LMDB writes them; the newest
 *     snapshot's pages fit in the file (LMDB may leave free pages at the end
 *     unwritten: those are allowed once the walk finds them free).
 *   - store_guard_walk, after mdb_env_open: every page reachable from the
 *     newest snapshot (free list, main database, every named database,
 *     overflow runs) is inside the file, of the right type, at its own page
 *     number, at the tree's depth, with node bounds inside the page, and
 *     used once. Only after that may LMDB read through its map.
 *   - the commit record DIR/store/commit: after each write transaction
 *     commits, its LMDB transaction id, the log's next lseq and the id of
 *     the last logged event. A store older than its record (lower
 *     transaction id or lseq, or another last event at the same lseq) was
 *     rolled back. The record is written after the commit, so a crash
 *     leaves it behind the store, never ahead: no false alarm. It is made
 *     whole (a temporary file, synced, linked into place) by the first
 *     commit that finds it missing, and then rewritten in place at its
 *     size, so an empty or short record is damage. Only a missing one is
 *     taken as none: a store from before the record, or one whose record
 *     was removed to accept it as it is.
 *
 * No signal handler is involved: the checks make LMDB's own reads safe, as
 * long as nobody truncates or rewrites the file while it is open (a store
 * damaged under a running process is outside what they can catch).
 *
 * One store_guard_t per open store; not shared between threads. Errors are
 * wiec_err_t codes with a one-line reason in why. */
#ifndef WIEC_STORE_GUARD_H
#define WIEC_STORE_GUARD_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/hash.h"

#define STORE_GUARD_RECORD "commit"	/* file name inside the store directory */
#define STORE_GUARD_RECORD_BYTES 88	/* magic 8, txnid 8, lseq 8, tip 32, check 32 */
#define STORE_GUARD_READERS 126		/* LMDB reader slots (mdb_env_set_maxreaders) */

/* store_guard_open flags. */
#define STORE_GUARD_RDONLY 1u	/* the store is opened read-only */
#define STORE_GUARD_CREATE 2u	/* a missing data.mdb may be created */

typedef struct store_guard store_guard_t;

/* Checks dir/data.mdb before LMDB opens it (see above) and reads the commit
 * record. A missing data.mdb is WIEC_ERR_NOSTORE unless STORE_GUARD_CREATE.
 * LMDB's lock file is made here if it is missing, and given its blocks if
 * it has none: LMDB makes it without blocks and writes it through its map,
 * which on a full disk is a SIGBUS; here that is WIEC_ERR_NOSPACE naming
 * lock.mdb, and no lock.mdb is left.
 * For a read-only open, *mdb_flags gains MDB_NOLOCK when dir/lock.mdb cannot
 * be opened for writing (a read-only copy or mount), but only if no process
 * has the environment open (checked with F_GETLK on byte 0 of lock.mdb, the
 * lock every LMDB process holds while its environment is open); else
 * WIEC_ERR_STORE naming that process. Returns 0, WIEC_ERR_NOSTORE,
 * WIEC_ERR_CORRUPT (damage, named in why), WIEC_ERR_NOSPACE, WIEC_ERR_IO,
 * WIEC_ERR_STORE or WIEC_ERR_NOMEM. Caller owns *out; store_guard_close it. */
int store_guard_open(store_guard_t **out, const char *dir, unsigned flags,
    unsigned *mdb_flags, char *why, size_t whylen);

/* After mdb_env_open, before any other LMDB call that reads a page: begins
 * a read transaction on env's newest snapshot and walks that snapshot's
 * pages (see above). On success *txn is that transaction (caller aborts or
 * commits it); on failure *txn is NULL. Returns 0, WIEC_ERR_CORRUPT,
 * WIEC_ERR_IO, WIEC_ERR_STORE or WIEC_ERR_NOMEM. */
int store_guard_walk(store_guard_t *g, MDB_env *env, MDB_txn **txn, char *why, size_t whylen);

/* Compares the state of txn's snapshot (the log's next lseq, and the id of
 * its last event, all zero if none) with the commit record read by
 * store_guard_open. Returns 0 (also when there is no record), or
 * WIEC_ERR_CORRUPT naming the rollback in why. */
int store_guard_match(store_guard_t *g, MDB_txn *txn, uint64_t lseq,
    const uint8_t tip[static HASH_BYTES], char *why, size_t whylen);

/* Commits the write transaction txn (ending it either way) and, once
 * committed, writes the commit record (making it if it is missing): txn's
 * id, lseq (the log's next lseq in txn) and tip (the id of its last logged
 * event). Returns mdb_txn_commit's result. A record that cannot be written
 * stays behind the store (or missing), which only weakens the rollback
 * check, so that is not an error. */
int store_guard_commit(store_guard_t *g, MDB_txn *txn, uint64_t lseq,
    const uint8_t tip[static HASH_BYTES]);

/* 0 if env is BLAKE2b-256 of the envelope bytes and equals id, else
 * WIEC_ERR_CORRUPT: the stored bytes were damaged after they were stored. */
int store_guard_envelope(const uint8_t id[static HASH_BYTES], const uint8_t *env, size_t len);

/* Frees g and NULLs *g; accepts NULL. */
void store_guard_close(store_guard_t **g);

#endif
