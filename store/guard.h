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
 *   - while the store is open, before each write transaction and before
 *     it commits (store_guard_check; a node also checks every second):
 *     data.mdb is still the file LMDB opened (st_dev, st_ino), and its
 *     newest meta page is neither older than the last transaction this
 *     process saw nor behind the last commit lock.mdb names. An older copy
 *     put back under a running node, by rename or by copying over the
 *     file, fails one or the other: the write is refused
 *     (WIEC_ERR_REPLACED), and every write after it, so nothing is written
 *     into the older file and the commit record keeps naming the rollback
 *     to later opens. A check costs a stat(2) and a look at the meta pages.
 *
 * No signal handler is involved: the checks make LMDB's own reads safe, as
 * long as nobody truncates or rewrites the file while it is open (a store
 * damaged under a running process is outside what they can catch, but for
 * the writes refused above).
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

/* Right after mdb_env_open: remembers which file LMDB opened (st_dev and
 * st_ino of its descriptor) for store_guard_check. Returns 0, WIEC_ERR_IO,
 * or WIEC_ERR_STORE if it is not the data.mdb store_guard_open checked
 * (replaced in between). */
int store_guard_bind(store_guard_t *g, MDB_env *env, char *why, size_t whylen);

/* After mdb_env_open, before any other LMDB call that reads a page: begins
 * a read transaction on env's newest snapshot and walks that snapshot's
 * pages (see above). On success *txn is that transaction (caller aborts or
 * commits it); on failure *txn is NULL. Returns 0, WIEC_ERR_CORRUPT,
 * WIEC_ERR_IO, WIEC_ERR_STORE or WIEC_ERR_NOMEM. */
int store_guard_walk(store_guard_t *g, MDB_env *env, MDB_txn **txn, char *why, size_t whylen);

/* Compares the state of txn's snapshot (the log's next lseq, and the id of
 * its last event, all zero if none) with the commit record read by
 * store_guard_open, and remembers it as the newest state this process has
 * seen (store_guard_check). Returns 0 (also when there is no record), or
 * WIEC_ERR_CORRUPT naming the rollback in why. */
int store_guard_match(store_guard_t *g, MDB_txn *txn, uint64_t lseq,
    const uint8_t tip[static HASH_BYTES], char *why, size_t whylen);

/* 0 if data.mdb is still the file LMDB opened on env (a path that is gone
 * is not), and its newest meta page is not older than the newest
 * transaction this process has seen nor, if txn (a write transaction just
 * begun, or about to commit) is not NULL, than the last commit before it.
 * Else WIEC_ERR_REPLACED, from then on for every call: the caller aborts
 * txn and writes nothing more. */
int store_guard_check(store_guard_t *g, MDB_env *env, MDB_txn *txn);

/* 1 once store_guard_check has refused a write, else 0. */
int store_guard_replaced(const store_guard_t *g);

/* Commits the write transaction txn (ending it either way) and, once
 * committed, writes the commit record (making it if it is missing): txn's
 * id, lseq (the log's next lseq in txn) and tip (the id of its last logged
 * event). Before committing, store_guard_check, also that lseq is not
 * below the log's length this process has seen: else txn is aborted and
 * the result is WIEC_ERR_REPLACED (negative), with nothing written. Else
 * returns mdb_txn_commit's result (an LMDB code). A record that cannot be
 * written stays behind the store (or missing), which only weakens the
 * rollback check, so that is not an error. */
int store_guard_commit(store_guard_t *g, MDB_txn *txn, uint64_t lseq,
    const uint8_t tip[static HASH_BYTES]);

/* 0 if env is BLAKE2b-256 of the envelope bytes and equals id, else
 * WIEC_ERR_CORRUPT: the stored bytes were damaged after they were stored. */
int store_guard_envelope(const uint8_t id[static HASH_BYTES], const uint8_t *env, size_t len);

/* Frees g and NULLs *g; accepts NULL. */
void store_guard_close(store_guard_t **g);

#endif
