/* chain.h: the chain rules of spec/events.md sections 4 and 5 as pure
 * functions: no I/O, no allocation. The node, `wiec import`, local posts
 * and an offline audit all decide through these, each behind its own view
 * of the held events (LMDB in a node, memory in a simulation).
 *
 * An author's held events form a tree: an event is held once its prev is
 * held (a root, without prev, at once). Every valid event that links is
 * held, whatever else the author signed: the held set is the closure of
 * what arrived, so it is the same for every arrival order and never
 * shrinks. Forks are judged afterwards, as derived state: a member
 * organisation's fork is an equivocation (its events from the fork on are
 * excluded), a resident's fork is resolved (everything counts, ordered by
 * (seq, id)). */
#ifndef WIEC_CHAIN_H
#define WIEC_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/hash.h"
#include "crypto/key.h"

/* The decision for one event that passed ev_check. */
enum {
	CHAIN_DUP = 1,		/* held already */
	CHAIN_APPEND = 2,	/* its prev is held (or it is a root): hold it */
	CHAIN_PENDING = 3,	/* its prev is not held yet: wait for it */
};

/* Header of a held event, as a view reports it. */
typedef struct chain_ref {
	uint8_t author[KEY_PK_BYTES];
	uint64_t seq;
} chain_ref_t;

/* What chain_decide needs to know of the held set. held() returns 0 and
 * fills *out if the event id is held, WIEC_ERR_NOTFOUND if not, or another
 * negative wiec_err_t if the view failed (passed through unchanged). */
typedef struct chain_view {
	void *ctx;
	int (*held)(void *ctx, const uint8_t id[static HASH_BYTES], chain_ref_t *out);
} chain_view_t;

/* The chain rule for one event with this id, author, seq and prev (NULL
 * for a root). Returns CHAIN_DUP, CHAIN_APPEND, CHAIN_PENDING, or
 * WIEC_ERR_CHAIN when prev is held but is another author's event or does
 * not have a smaller seq (the event can never link), or a view failure. */
int chain_decide(const chain_view_t *v, const uint8_t id[static HASH_BYTES],
    const uint8_t author[static KEY_PK_BYTES], uint64_t seq, const uint8_t *prev);

/* Whether an event at seq is excluded, for an author whose lowest fork seq
 * (the smallest seq of an event that has a sibling: another event with the
 * same prev, or another root) is fork (0: no fork) and who is (member != 0)
 * or is not a member organisation. Only a member's events are ever
 * excluded: from its lowest fork seq on. */
int chain_excluded(int member, uint64_t fork, uint64_t seq);

/* Reason codes stored with an exclusion mark (spec/events.md section 5). */
#define CHAIN_EXCL_EQUIVOCATION 1

/* The tips value of an author (spec/events.md section 7). ids holds n
 * sorted, distinct ids of 32 bytes each. Up to CHAIN_TIPS_FLAT tips:
 * H("wiec-tips-v1" || ids). More: each of 256 buckets (the ids whose first
 * byte is b, in order) hashed as H("wiec-tips-v1" || its ids), and
 * H("wiec-tips-v2" || the 256 bucket hashes): a store updates one bucket
 * per changed tip, so an author with many branches costs no more per
 * event than one with few. 0, or WIEC_ERR_CRYPTO. */
#define CHAIN_TIPS_FLAT 64
#define CHAIN_TIPS_BUCKETS 256
int chain_tips_hash(uint8_t out[static HASH_BYTES], const uint8_t *ids, size_t n);
/* The parts: one bucket's hash, and the value from 256 bucket hashes. */
int chain_tips_bucket(uint8_t out[static HASH_BYTES], const uint8_t *ids, size_t n);
int chain_tips_top(uint8_t out[static HASH_BYTES],
    const uint8_t buckets[static CHAIN_TIPS_BUCKETS * HASH_BYTES]);

/* The 72-byte digest record of an author: author || u64be(max seq) || tips. */
#define CHAIN_DIGEST_REC (KEY_PK_BYTES + 8 + HASH_BYTES)
void chain_digest_rec(uint8_t rec[static CHAIN_DIGEST_REC],
    const uint8_t author[static KEY_PK_BYTES], uint64_t max_seq,
    const uint8_t tips[static HASH_BYTES]);

/* 1 if (seq_a, id_a) comes after (seq_b, id_b) in an author's order:
 * greater seq, or equal seq and bytewise greater id. */
int chain_later(uint64_t seq_a, const uint8_t *id_a, uint64_t seq_b, const uint8_t *id_b);

#endif
