/* closelist.h: a seal or frontier too long for one event, as a tree of
 * IdPart events named by their content hash (spec/close.md section 3).
 *
 * A list of at most EV_CLOSE_IDS_MAX ids travels inline in its statement.
 * A longer one is cut into level-0 parts of sorted ids at content-defined
 * points (so two seals that differ in a few ids share all but a few
 * parts), and while there are more than EV_CLOSE_IDS_MAX parts, their
 * hashes are cut the same way into parts of the next level. The statement
 * names the top level's hashes. Whoever posts a statement posts first, in
 * its own chain, every part it does not hold yet.
 *
 * Ownership: a closelist_t owns its arrays (closelist_free); resolved
 * lists are malloc'd for the caller. */
#ifndef WIEC_CLOSELIST_H
#define WIEC_CLOSELIST_H

#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "proto/event.h"

#define CLOSELIST_IDS_MAX (1u << 24)	/* ids a resolved list may hold (512 MiB) */

/* hash = BLAKE2b-256("wiec-idpart-v1" || process || u32be(level) || items),
 * items n * 32 bytes. */
void closelist_part_hash(uint8_t hash[static HASH_BYTES], const uint8_t process[static HASH_BYTES],
    uint32_t level, const uint8_t *items, size_t n);

typedef struct closelist_part {
	uint32_t level;
	size_t off, n;		/* items: n entries at off in the level's array */
	uint8_t hash[HASH_BYTES];
} closelist_part_t;

typedef struct closelist {
	uint8_t process[HASH_BYTES];
	closelist_part_t *parts;	/* every part, level 0 first, in list order */
	size_t nparts;
	uint8_t *levels[EV_IDPART_LEVEL_MAX + 2];	/* level L's items (0: the ids, borrowed) */
	const uint8_t *top;		/* the hashes the statement names */
	size_t ntop;
} closelist_t;

/* Cuts ids (n sorted, distinct; n > max) into parts of at most max items
 * (EV_CLOSE_IDS_MAX outside tests) for process. ids is borrowed: it must
 * outlive *out. 0, WIEC_ERR_TOO_BIG (more levels than EV_IDPART_LEVEL_MAX
 * allows) or WIEC_ERR_NOMEM. */
int closelist_build(const uint8_t process[static HASH_BYTES], const uint8_t *ids, size_t n,
    size_t max, closelist_t *out);
void closelist_free(closelist_t *l);

/* The items of part p of l. */
const uint8_t *closelist_items(const closelist_t *l, const closelist_part_t *p);

/* 1 if a part with this hash is held (as a non-excluded IdPart), 0 if
 * not, or a negative wiec_err_t of the view. */
int closelist_held(const model_view_t *v, const uint8_t hash[static HASH_BYTES]);

/* Which of l's parts are held: held (l->nparts bytes, may be NULL) gets 1
 * per held part, 0 per missing one; *missing (may be NULL) how many are
 * missing. 0 or a negative wiec_err_t of the view. */
int closelist_missing(const model_view_t *v, const closelist_t *l, uint8_t *held,
    size_t *missing);

/* Who posts parts first (spec/close.md section 3, "Posting parts"): how
 * long member self, promising round (c, proposer) with a list by parts
 * whose parts are not all held, waits for other members' copies before
 * posting its own. members: the n identity keys of the roster, sorted;
 * timeout: the base round wait (close_params_t.timeout). 0 for the round's
 * proposer; otherwise timeout * k / (2n), k = self's place after the
 * proposer in members, cyclically (1..n-1), or self's index + 1 when the
 * proposer is not a member (round 0 closed by an owner no member runs). */
uint64_t closelist_part_wait(const uint8_t (*members)[KEY_PK_BYTES], size_t n,
    const uint8_t proposer[static KEY_PK_BYTES], const uint8_t self[static KEY_PK_BYTES],
    uint64_t timeout);

/* The rule itself: 1 if a member that decided at since (ms) to post a
 * statement whose list lacks `missing` held parts, with wait from
 * closelist_part_wait, posts now (the parts still missing, then the
 * statement); 0 if it waits. It posts when nothing is missing, when
 * another member's statement of the same round is held complete (its
 * parts are held then: the rest are this member's to post), or when the
 * wait has passed (whoever was expected may be down). */
int closelist_post_now(uint64_t now, uint64_t since, uint64_t wait, size_t missing,
    int other_held);

/* Resolves the list named by top (ntop hashes) for process: every part
 * held, all named ones of one level, each level's items expanding to the
 * level below, the ids strictly ascending and at most CLOSELIST_IDS_MAX.
 * *ids malloc'd (NULL when *n is 0). Returns 0; WIEC_ERR_NOTFOUND when a
 * part is not held (the statement is incomplete: spec/close.md s3);
 * WIEC_ERR_DECODE when the parts do not form a valid list (the statement
 * is ill-formed); or WIEC_ERR_NOMEM / an error of the view. */
int closelist_resolve(const model_view_t *v, const uint8_t process[static HASH_BYTES],
    const uint8_t *top, size_t ntop, uint8_t **ids, size_t *n);

#endif
