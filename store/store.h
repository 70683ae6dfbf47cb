/* store.h: a node's append-only event log in one LMDB environment.
 *
 * Every valid event whose prev is held is held, whatever else its author
 * signed: an author's events form a tree, and nothing once held is ever
 * deleted (spec/events.md sections 4-5). Forks are judged as derived
 * state: a member organisation's events from its lowest fork on are
 * marked excluded; a resident's fork is resolved, everything counts.
 * Layout: store/store_int.h and spec/events.md section 10.
 *
 * One write transaction at a time (LMDB's own lock, across processes);
 * readers never block it. Nothing is reported as stored before its
 * transaction commits. A store_t is not shared between threads. */
#ifndef WIEC_STORE_H
#define WIEC_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "proto/event.h"

#define STORE_MAP_DEFAULT ((size_t)1 << 30)	/* 1 GiB */
#define STORE_MAP_MIN ((size_t)1 << 20)
/* Bounds of events waiting for their prev (spec/events.md section 4).
 * Beyond one, the oldest waiting event of that scope is dropped first. */
#define STORE_PENDING_MAX 16384			/* events waiting, in all */
#define STORE_PENDING_BYTES ((uint64_t)64 << 20)	/* envelope bytes waiting, in all */
#define STORE_PENDING_AUTHOR 256		/* events one author may have waiting */
#define STORE_PENDING_AUTHOR_BYTES ((uint64_t)4 << 20)
#define STORE_PENDING_SOURCE 4096		/* events one source may have waiting */
#define STORE_PENDING_SOURCE_BYTES ((uint64_t)16 << 20)
#define STORE_PENDING_TTL_MS (10 * 60 * 1000)	/* expiry of a waiting event */

/* Per-event outcome of store_ingest: one of these, or a negative wiec_err_t
 * (the event was refused; WIEC_ERR_PENDING_FULL is worth retrying later). */
enum {
	STORE_ADDED = 1,	/* appended to its author's chain */
	STORE_DUP = 2,		/* already held; nothing changed */
	STORE_PENDING = 3,	/* predecessor missing; kept until it arrives */
	STORE_FORK = 4,		/* appended as a sibling: its author forked here */
};

/* The state of one author's tree. */
typedef struct store_head {
	uint8_t author[KEY_PK_BYTES];
	uint64_t seq;			/* highest seq held */
	uint64_t fork;			/* lowest seq of an event with a sibling; 0: none */
	uint64_t ntips;			/* held events without a held child */
	uint64_t count;			/* events held */
	uint8_t id[HASH_BYTES];		/* the latest event: greatest (seq, id) */
	uint8_t tips[HASH_BYTES];	/* tips value (spec/events.md section 7) */
} store_head_t;

typedef struct store store_t;

/* store_open flags. */
#define STORE_OPEN_CREATE 1u	/* create the store if path has none */
#define STORE_OPEN_RDONLY 2u	/* read only: works in a directory nobody may
				 * write (MDB_RDONLY, and MDB_NOLOCK where
				 * lock.mdb is not writable: store/guard.h);
				 * every write returns WIEC_ERR_STORE; the store
				 * must be of the current format; derived state
				 * of an older model is not rebuilt (store_stale) */
#define STORE_WHY_MAX 256	/* room for store_open_why's reason */

/* Opens the store in directory path with the given map size (0:
 * STORE_MAP_DEFAULT) and flags. Before LMDB maps the file, and before it
 * reads a page, the file is checked (store/guard.h): a damaged, truncated,
 * empty or rolled-back store is WIEC_ERR_CORRUPT, never a signal. A
 * writable open migrates a format-2 store in place and rebuilds derived
 * state of an older model version (store_reindex), in one write
 * transaction: a kill during it leaves the store as it was. A store of a
 * newer format or model than this program's is refused (WIEC_ERR_NEWER),
 * opened either way. Returns 0 or WIEC_ERR_NOSTORE (missing),
 * WIEC_ERR_CORRUPT, WIEC_ERR_NEWER, WIEC_ERR_STORE (LMDB failed, no write
 * access, or in use where read-only needs the lock), WIEC_ERR_NOSPACE (disk
 * full, e.g. for LMDB's lock file), WIEC_ERR_IO,
 * WIEC_ERR_NOMEM. Caller owns *out; store_close it. */
int store_open(store_t **out, const char *path, size_t map_size, unsigned flags);

/* store_open, and on failure a one-line reason in why (whylen bytes, e.g.
 * STORE_WHY_MAX; empty if there is nothing to add to wiec_strerror). */
int store_open_why(store_t **out, const char *path, size_t map_size, unsigned flags,
    char *why, size_t whylen);
void store_close(store_t **s);

/* 1 if s was opened read-only on a store whose derived state is of an
 * older model (a writable open would rebuild it): the readers of derived
 * state (store_view_begin, store_search, store_verify) then return
 * WIEC_ERR_STALE, while the held events (store_get, the scans, the
 * counts) read as usual. 0 otherwise. */
int store_stale(const store_t *s);

/* After a read returned WIEC_ERR_CORRUPT because stored bytes no longer hash
 * to their id (store_get, store_scan_author, store_scan_missing): that id.
 * 0, or WIEC_ERR_NOTFOUND if no read of s found damage. */
int store_corrupt_id(store_t *s, uint8_t id[static HASH_BYTES]);

/* Every write transaction first checks that store/data.mdb is still the
 * file this process opened (not renamed over or removed) and has not gone
 * back in time (an older copy written over it); else the write, and every
 * later one, is refused with WIEC_ERR_REPLACED, so nothing lands in the
 * older file and its commit record keeps naming the rollback. This runs
 * the same check without a write (a stat(2) and a look at the meta pages:
 * cheap enough for a timer): 0, or WIEC_ERR_REPLACED. Always 0 on a store
 * opened read-only. */
int store_check_file(store_t *s);

/* 1 once a check or a write found the file replaced (WIEC_ERR_REPLACED):
 * the owner should close the store and stop. Else 0. */
int store_replaced(store_t *s);

#define STORE_DAMAGE_MAX 384	/* room for store_damage's line */

/* After a read of s returned WIEC_ERR_CORRUPT: one line naming what it
 * found damaged, the database and the event or key concerned (e.g. "refs
 * index: event <id>: its entry under <ref> (tag U) is not the event's"),
 * into why (whylen bytes, e.g. STORE_DAMAGE_MAX). The first damage a read
 * of s found is kept. 0, or WIEC_ERR_NOTFOUND if no read named any (why
 * is then empty). */
int store_damage(store_t *s, char *why, size_t whylen);

/* Stops flushing commits to disk (MDB_NOSYNC): for simulations that open
 * thousands of throw-away stores. Never for a node's store. */
int store_nosync(store_t *s);

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

/* Options and results of one ingest transaction. */
#define STORE_EXTEND_ONLY 1u	/* see store_ingest_batch */
typedef struct store_batch {
	unsigned flags;
	uint32_t source;	/* who sent the events (a peer link; 0: local): pending budget */
	uint64_t now_ms;	/* arrival time of waiting events (0: the clock) */
	size_t added;		/* out: events held, including released waiters */
	store_head_t *moved;	/* out: heads that changed, by author; free() it */
	size_t nmoved;
} store_batch_t;

/* Applies the chain rules (model/chain.h) to n events that passed ev_check
 * for this store's network, in one write transaction, and commits. Arrival
 * order within the batch does not matter. res[i] receives the outcome of
 * evs[i] (STORE_* or a negative wiec_err_t refusal: WIEC_ERR_CHAIN, or
 * WIEC_ERR_PENDING_FULL, which is worth retrying later). With
 * STORE_EXTEND_ONLY (an author's own new posts, signed outside the
 * transaction) an event is appended only if its prev is its author's
 * latest event (or it is the author's first) and its seq is above the
 * author's highest: anything else is WIEC_ERR_CHAIN, so a post that raced
 * another is signed again rather than forking its author. Returns 0 once
 * committed, or WIEC_ERR_MAP_FULL / WIEC_ERR_STORE / WIEC_ERR_NOMEM /
 * WIEC_ERR_CORRUPT / WIEC_ERR_REPLACED with nothing written. b may be NULL. */
int store_ingest_batch(store_t *s, ev_t *evs, size_t n, int *res, store_batch_t *b);

/* store_ingest_batch without options; *added may be NULL. */
int store_ingest(store_t *s, ev_t *evs, size_t n, int *res, size_t *added);
int store_ingest_flags(store_t *s, ev_t *evs, size_t n, int *res, size_t *added,
    unsigned flags);

/* Drops waiting events that arrived before now_ms - STORE_PENDING_TTL_MS.
 * *dropped (may be NULL) receives how many. */
int store_pending_expire(store_t *s, uint64_t now_ms, size_t *dropped);

/* Posts a new event by kp: in one write transaction fills body's network,
 * author, seq (above min_seq - 1 and the author's highest) and prev (the
 * author's latest event), signs (ev_build), appends and commits, so
 * concurrent posters never fork their own chain. min_seq lets a device
 * whose own chain state is ahead keep its order (0: none). id receives the
 * new event's id; env (may be NULL) a malloc'd copy of the envelope. Those
 * header fields of body point into this call's memory: do not read them
 * after it returns. */
int store_post(store_t *s, const key_pair_t *kp, Wiec__Body *body, uint64_t min_seq,
    uint8_t id[static HASH_BYTES], uint8_t **env, size_t *env_len);

/* Copy of the envelope with this id; caller frees *env. WIEC_ERR_NOTFOUND,
 * or WIEC_ERR_CORRUPT if the stored bytes no longer hash to id (damaged on
 * disk: never serve them; store_corrupt_id names the event). */
int store_get(store_t *s, const uint8_t id[static HASH_BYTES], uint8_t **env, size_t *len);
/* The same, and the event's position in the local arrival log. */
int store_get_at(store_t *s, const uint8_t id[static HASH_BYTES], uint8_t **env, size_t *len,
    uint64_t *lseq);


/* The head of one author; WIEC_ERR_NOTFOUND if none. */
int store_head(store_t *s, const uint8_t author[static KEY_PK_BYTES], store_head_t *h);

/* Callbacks get pointers valid only during the call. A non-zero return
 * stops the scan and is returned by the scan function. */
typedef int (*store_ev_fn)(void *ctx, uint64_t lseq, const uint8_t *env, size_t len);
typedef int (*store_head_fn)(void *ctx, const store_head_t *h);

/* Events in local arrival order, from local sequence number from (1 is
 * first). Each envelope's id is checked first: WIEC_ERR_CORRUPT stops the
 * scan at a damaged one (store_corrupt_id names it). */
int store_scan_log(store_t *s, uint64_t from, store_ev_fn fn, void *ctx);

/* One author's events with seq >= from, in (seq, id) order (every
 * branch; a prev always comes before its children). */
int store_scan_author(store_t *s, const uint8_t author[static KEY_PK_BYTES],
    uint64_t from, store_ev_fn fn, void *ctx);

/* What a peer lacks of one author (spec/sync.md, "Want"): the author's
 * events, in (seq, id) order, that are neither among nor ancestors of the
 * held events named in have[0..nhave) (32 bytes each; ids not held, or of
 * another author, are ignored). *known (may be NULL) receives how many
 * have ids were held. from > 1 says the requester holds a history below
 * its have ids: if none of them is held, nothing is scanned (the
 * requester must ask again from 1 with a locator). after_id (NULL: none)
 * continues an answer that was cut: only events after (after_seq,
 * after_id) in that order. Every envelope's id is checked before fn sees
 * it (WIEC_ERR_CORRUPT). *walked (may be NULL) receives the prev steps
 * taken above a fork (the work a requester's have ids cost, at most
 * WALK_MAX per id). */
int store_scan_missing(store_t *s, const uint8_t author[static KEY_PK_BYTES], uint64_t from,
    const uint8_t *have, size_t nhave, uint64_t after_seq, const uint8_t *after_id,
    size_t *known, size_t *walked, store_ev_fn fn, void *ctx);

/* What to ask a peer for to get what it holds of author beyond us
 * (spec/sync.md, "Fetch"): fills have[0..*nhave) (at most max ids of 32
 * bytes) and *from for a Want range. remote_seq is the peer's highest seq
 * of the author (0 if unknown); retry: the peer did not know our last
 * answer's ids. Usually one id, our latest, from just above our highest;
 * after a fork, or on retry, a locator from seq 1. */
int store_want_plan(store_t *s, const uint8_t author[static KEY_PK_BYTES], uint64_t remote_seq,
    int retry, uint8_t *have, size_t max, size_t *nhave, uint64_t *from);

/* A locator of author's history for store_scan_missing: up to max ids,
 * each a held event: the author's tips (latest first), then the ancestors
 * of the latest event at seq distances 1, 2, 4, 8, ... below it. Returns
 * how many were written to ids (max * 32 bytes), or a negative wiec_err_t. */
int store_locator(store_t *s, const uint8_t author[static KEY_PK_BYTES], uint8_t *ids,
    size_t max);

/* An organisation's own chain (spec/members.md section 4): whether s holds
 * the last event signed with the key at keypath, as its chain state
 * (crypto/keychain.h) names it. 0 if held or if there is no state yet;
 * WIEC_ERR_BEHIND (s is an older copy: signing on its head would fork the
 * chain) with *seq and last naming the event; WIEC_ERR_KEY_FORMAT for a
 * chain state that does not read; or a store failure. */
int store_own_chain(store_t *s, const char *keypath, uint64_t *seq,
    uint8_t last[static HASH_BYTES]);

/* held[i] = whether ids[i] is held (n of them, one read transaction). 0 or
 * a store error. */
int store_held_ids(store_t *s, const uint8_t (*ids)[HASH_BYTES], size_t n, uint8_t *held);

/* Whether an event id is held, and its author and seq. WIEC_ERR_NOTFOUND. */
int store_has(store_t *s, const uint8_t id[static HASH_BYTES],
    uint8_t author[KEY_PK_BYTES], uint64_t *seq);

/* 1 if the held event id is marked excluded (spec/events.md section 5),
 * 0 if it counts, or a negative wiec_err_t (WIEC_ERR_NOTFOUND). */
int store_excluded(store_t *s, const uint8_t id[static HASH_BYTES]);
/* store_excluded of an event read from the log (author and seq: its own,
 * decoded): an events index entry that is missing or names another author
 * or seq is WIEC_ERR_CORRUPT (store_damage names it). */
int store_excluded_ev(store_t *s, const uint8_t id[static HASH_BYTES],
    const uint8_t *author, uint64_t seq);

/* Drops and rebuilds every index and all derived state from the log, in
 * one write transaction. The result depends only on the held events. */
int store_reindex(store_t *s);

/* Calls fn with every key and value of every derived database, in order,
 * prefixed with the database name: for comparing rebuilt state byte for
 * byte. */
typedef int (*store_kv_fn)(void *ctx, const char *db, const void *k, size_t klen,
    const void *v, size_t vlen);
int store_dump_derived(store_t *s, store_kv_fn fn, void *ctx);

/* A model_view_t (model/model.h) over one read transaction of s: every
 * model function called through it sees one consistent snapshot. get()
 * returns WIEC_ERR_NOTFOUND for an event not held or marked excluded
 * (spec/events.md section 5), WIEC_ERR_CORRUPT for damaged bytes; refs()
 * walks the `refs` index; genesis() is the store's genesis (NULL if none).
 * On success *sv owns the transaction until store_view_end, and *v is valid
 * until then; the store must not be closed before. Returns 0,
 * WIEC_ERR_NOMEM, WIEC_ERR_STORE, WIEC_ERR_CORRUPT (a damaged genesis),
 * WIEC_ERR_STALE (derived state of an older model: store_stale) or
 * WIEC_ERR_NEWER (rebuilt by a newer program since s was opened). */
typedef struct store_view store_view_t;
int store_view_begin(store_t *s, store_view_t **sv, model_view_t *v);
void store_view_end(store_view_t **sv);

/* Benchmarks only (bench/model.c): on 0 makes later ingests skip the
 * model's derived-state hooks (the refs index), to measure what they cost.
 * Such a store lacks index entries until store_reindex. Default: on. */
void store_model_hooks(store_t *s, int on);

/* Every head, ordered by author key. */
int store_scan_heads(store_t *s, store_head_fn fn, void *ctx);

typedef struct store_stats {
	uint64_t events, authors, pending, forks, excluded;
	uint64_t map_size, map_used;
	uint8_t digest[HASH_BYTES];	/* depends only on the set of events held */
} store_stats_t;

int store_stats(store_t *s, store_stats_t *st);

/* Re-checks everything: every envelope hashes to its id, decodes and
 * verifies, every event's prev was held before it, every index agrees with
 * the log, and the exclusion marks are exactly those spec/events.md
 * section 5 gives. On the first fault returns a negative wiec_err_t and fills bad_id
 * with the offending event's id (all zero if none applies) and why with a
 * short reason. A store of another model opened read-only is not judged:
 * WIEC_ERR_STALE (older: not rebuilt yet) or WIEC_ERR_NEWER. */
int store_verify(store_t *s, uint8_t bad_id[static HASH_BYTES], char *why, size_t whylen);

#endif
