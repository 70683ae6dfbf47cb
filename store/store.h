/* store.h: a node's append-only event log in one LMDB environment.
 *
 * Layout (spec/events.md, "Store"): named databases
 *   log      lseq(8, BE)             -> id(32) || envelope   arrival order
 *   events   id(32)                  -> lseq(8, BE)             index
 *   chains   author(32) || seq(8,BE) -> id(32)
 *   heads    author(32)              -> seq(8,BE) || id(32) [|| id2(32) if forked]
 *   pending  author || seq || id     -> envelope        waiting for prev
 *   meta     "genesis", "network", "lseq", "version"
 *
 * One write transaction at a time (LMDB's own lock, across processes);
 * readers never block it. Nothing is reported as stored before its
 * transaction commits. A store_t is not shared between threads. */
#ifndef WIEC_STORE_H
#define WIEC_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "proto/event.h"

#define STORE_MAP_DEFAULT ((size_t)1 << 30)	/* 1 GiB */
#define STORE_MAP_MIN ((size_t)1 << 20)
#define STORE_PENDING_MAX 16384			/* events waiting for prev, in all */
#define STORE_PENDING_WINDOW 4096		/* how far past a head one may wait */
#define STORE_PENDING_AUTHOR 256		/* events one author may have waiting */

/* Per-event outcome of store_ingest: one of these, or a negative wiec_err_t
 * (the event was refused; WIEC_ERR_PENDING_FULL is worth retrying later). */
enum {
	STORE_ADDED = 1,	/* appended to its author's chain */
	STORE_DUP = 2,		/* already held; nothing changed */
	STORE_PENDING = 3,	/* predecessor missing; kept until it arrives */
	STORE_FORK = 4,		/* an equivocation: kept as proof, author frozen */
};

typedef struct store store_t;

/* store_open flags. */
#define STORE_OPEN_CREATE 1u	/* create the store if path has none */
#define STORE_OPEN_RDONLY 2u	/* read only: works in a directory nobody may
				 * write (MDB_RDONLY, and MDB_NOLOCK where
				 * lock.mdb is not writable: store/guard.h);
				 * every write returns WIEC_ERR_STORE */
#define STORE_WHY_MAX 256	/* room for store_open_why's reason */

/* Opens the store in directory path with the given map size (0:
 * STORE_MAP_DEFAULT) and flags. Before LMDB maps the file, and before it
 * reads a page, the file is checked (store/guard.h): a damaged, truncated,
 * empty or rolled-back store is WIEC_ERR_CORRUPT, never a signal. Returns 0
 * or WIEC_ERR_NOSTORE (missing), WIEC_ERR_CORRUPT, WIEC_ERR_STORE (LMDB
 * failed, no write access, or in use where read-only needs the lock),
 * WIEC_ERR_IO, WIEC_ERR_NOMEM. Caller owns *out; store_close it. */
int store_open(store_t **out, const char *path, size_t map_size, unsigned flags);

/* store_open, and on failure a one-line reason in why (whylen bytes, e.g.
 * STORE_WHY_MAX; empty if there is nothing to add to wiec_strerror). */
int store_open_why(store_t **out, const char *path, size_t map_size, unsigned flags,
    char *why, size_t whylen);
void store_close(store_t **s);

/* After a read returned WIEC_ERR_CORRUPT because stored bytes no longer hash
 * to their id (store_get, store_scan_author): that id. 0, or
 * WIEC_ERR_NOTFOUND if no read of s found damage. */
int store_corrupt_id(store_t *s, uint8_t id[static HASH_BYTES]);

/* Records the genesis (already validated by the caller) and its network id.
 * If one is set already: WIEC_ERR_EXISTS, unless replace is non-zero and
 * the store holds no event and none pending (joining a network replaces the
 * one-founder genesis of `wiec init`; events are bound to their network). */
int store_set_genesis(store_t *s, const uint8_t *genesis, size_t len,
    const uint8_t network[static HASH_BYTES], int replace);

/* The network id; WIEC_ERR_NOSTORE if no genesis is set. */
int store_network(store_t *s, uint8_t network[static HASH_BYTES]);

/* Copy of the genesis bytes; caller frees *buf. */
int store_genesis(store_t *s, uint8_t **buf, size_t *len);

/* Applies the chain rules to n events that passed ev_check for this store's
 * network, in one write transaction, and commits. Arrival order within the
 * batch does not matter. res[i] receives the outcome of evs[i]. *added (may
 * be NULL) receives the number of events appended, including pending ones
 * the batch released. Returns 0 once committed, or WIEC_ERR_MAP_FULL /
 * WIEC_ERR_STORE / WIEC_ERR_NOMEM with nothing written. */
int store_ingest(store_t *s, ev_t *evs, size_t n, int *res, size_t *added);

/* store_ingest with flags. STORE_EXTEND_ONLY: an event at or below its
 * author's head is a duplicate or refused (WIEC_ERR_CHAIN), never taken as
 * an equivocation: for an author's own new posts, signed outside the write
 * transaction, where a lower seq only means another post came first. */
#define STORE_EXTEND_ONLY 1u
int store_ingest_flags(store_t *s, ev_t *evs, size_t n, int *res, size_t *added,
    unsigned flags);

/* Posts a new event by kp: in one write transaction fills body's network,
 * author, seq and prev from the current head, signs (ev_build), appends and
 * commits, so concurrent posters never fork their own chain. id receives the
 * new event's id; env (may be NULL) a malloc'd copy of the envelope. Those
 * header fields of body point into this call's memory: do not read them
 * after it returns. */
int store_post(store_t *s, const key_pair_t *kp, Wiec__Body *body,
    uint8_t id[static HASH_BYTES], uint8_t **env, size_t *env_len);

/* Copy of the envelope with this id; caller frees *env. WIEC_ERR_NOTFOUND,
 * or WIEC_ERR_CORRUPT if the stored bytes no longer hash to id (damaged on
 * disk: never serve them; store_corrupt_id names the event). */
int store_get(store_t *s, const uint8_t id[static HASH_BYTES], uint8_t **env, size_t *len);

typedef struct store_head {
	uint8_t author[KEY_PK_BYTES];
	uint64_t seq;
	uint8_t id[HASH_BYTES];
	int forked;
	uint8_t id2[HASH_BYTES];	/* the other event at seq when forked */
} store_head_t;

/* The head of one author; WIEC_ERR_NOTFOUND if none. */
int store_head(store_t *s, const uint8_t author[static KEY_PK_BYTES], store_head_t *h);

/* Callbacks get pointers valid only during the call. A non-zero return
 * stops the scan and is returned by the scan function. */
typedef int (*store_ev_fn)(void *ctx, uint64_t lseq, const uint8_t *env, size_t len);
typedef int (*store_head_fn)(void *ctx, const store_head_t *h);

/* Events in local arrival order, from local sequence number from (1 is first). */
int store_scan_log(store_t *s, uint64_t from, store_ev_fn fn, void *ctx);

/* One author's events from seq from in chain order; at a fork both events.
 * Each envelope's id is checked first: WIEC_ERR_CORRUPT stops the scan at a
 * damaged one (store_corrupt_id names it). */
int store_scan_author(store_t *s, const uint8_t author[static KEY_PK_BYTES],
    uint64_t from, store_ev_fn fn, void *ctx);

/* Every head, ordered by author key. */
int store_scan_heads(store_t *s, store_head_fn fn, void *ctx);

typedef struct store_stats {
	uint64_t events, authors, pending, forks;
	uint64_t map_size, map_used;
	uint8_t digest[HASH_BYTES];	/* depends only on the set of events held */
} store_stats_t;

int store_stats(store_t *s, store_stats_t *st);

/* Re-checks everything: every envelope decodes and verifies, every chain
 * links from seq 1 to its head, forks are well-formed, and the indexes
 * agree. On the first fault returns a negative wiec_err_t and fills bad_id
 * with the offending event's id (all zero if none applies) and why with a
 * short reason. */
int store_verify(store_t *s, uint8_t bad_id[static HASH_BYTES], char *why, size_t whylen);

#endif
