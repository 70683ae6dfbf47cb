/* slot.h: what the model's folds share (spec/model.md section 2): loading
 * the events an index entry names, the multi-author slot (`after` chains,
 * current = greatest (depth, id)), the single-author slot (latest =
 * greatest (seq, id)), and role checks against the current roster. Pure:
 * reads through a model_view_t only; every order here is a function of
 * the events' bytes, never of arrival. */
#ifndef WIEC_MODEL_SLOT_H
#define WIEC_MODEL_SLOT_H

#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "model/roster.h"

/* Why an event does not count (MODEL_OK: it counts). Shown as "not
 * counted: <name>" where raw events are listed. */
enum model_why {
	MODEL_OK = 0,
	MODEL_WAITING,		/* its `after` is not a counted event of its slot (yet) */
	MODEL_NOT_AUTHORISED,	/* its author holds no role that may issue it */
	MODEL_FORMER,		/* by a former member: its roles ended with it */
	MODEL_NO_QUORUM,	/* fewer owners approved it than the process's quorum */
	MODEL_NO_PHASE,		/* names a phase the process does not have */
	MODEL_NO_PROCESS,	/* its process is not held, or not valid */
	MODEL_NOT_ELIGIBLE,	/* its author holds no credential of the process's scope */
	MODEL_NO_UNIT,		/* a budget idea without a unit of its process */
	MODEL_WRONG_AUTHOR,	/* a version or appeal not by the original's author */
	MODEL_SUPERSEDED,	/* a later event of its author in the same slot replaces it */
	MODEL_NOT_MEMBER,	/* a process whose author is not a current member */
	MODEL_WITHDRAWN,	/* a support its author withdrew (its latest is a withdrawal) */
};

/* "ok", "waiting", "not_authorised", ... (JSON spelling). */
const char *model_why_name(int why);

/* Ids, in the order they were added. */
typedef struct model_ids {
	uint8_t (*id)[HASH_BYTES];
	size_t n, cap;
} model_ids_t;

/* Appends the ids of the entries (ref, tag), in increasing id order. */
int model_ids_collect(const model_view_t *v, const uint8_t ref[static HASH_BYTES], uint8_t tag,
    model_ids_t *out);
int model_ids_push(model_ids_t *ids, const uint8_t id[static HASH_BYTES]);
void model_ids_free(model_ids_t *ids);

/* A loaded event with its standing. depth: its place in a multi-author
 * slot (1: the first), 0 where it has none. */
typedef struct model_item {
	model_ev_t ev;
	uint32_t depth;
	int why;
	/* model_latest_per_author's: who speaks (roster_identity), and the
	 * rank of the key among that member's */
	uint8_t who[KEY_PK_BYTES];
	uint32_t rank;
} model_item_t;

/* Owned items; free with model_items_free (safe on a zeroed one). */
typedef struct model_items {
	model_item_t *it;
	size_t n, cap;
	size_t counted;		/* it[0..counted) count (why MODEL_OK), after a fold */
} model_items_t;

/* Loads every held, non-excluded event named by (ref, tag) whose content
 * case is `content` (others are skipped), in increasing id order, each
 * with why MODEL_OK. */
int model_items_load(const model_view_t *v, const uint8_t ref[static HASH_BYTES], uint8_t tag,
    int content, model_items_t *out);
void model_items_free(model_items_t *it);

/* The `after` field of a multi-author slot's event. */
typedef const ProtobufCBinaryData *(*model_after_fn)(const Wiec__Body *b);

/* The multi-author slot rule over items (every one of the same slot; those
 * with why MODEL_OK on entry are the authorised ones): depth 1 for an empty
 * after, 1 + depth(after) when after is an authorised, non-waiting item of
 * the slot, else MODEL_WAITING. Sorts the items: the counted ones in
 * (depth, id) order (the history; the last is the current), then the
 * waiting ones, then the rest, each in id order; sets it->counted. */
int model_slot_fold(model_items_t *it, model_after_fn after);

/* The single-author slot rule: among the items with why MODEL_OK, each
 * author's latest counts, the others become MODEL_SUPERSEDED. An author is
 * who speaks (roster_identity over r, which may be NULL): a member's keys
 * before and after a rotation are one author, and a later key's statement
 * is later than every one of an earlier key; within one key, the greatest
 * (seq, id). Sorts: the counted ones by author (a member's current key),
 * then the rest in (author, rank, seq, id) order; sets it->counted. */
void model_latest_per_author(model_items_t *it, const roster_t *r);

/* Sorts items: MODEL_OK ones first, (seq, id) order within each part;
 * sets it->counted. */
void model_sort_seq(model_items_t *it);

/* Roles of a process (p NULL: the open bank, whose owners, reviewers and
 * moderators are all current members, and which has no registrars). */
enum { MODEL_ROLE_OWNER, MODEL_ROLE_REVIEWER, MODEL_ROLE_MODERATOR, MODEL_ROLE_REGISTRAR };

/* The current member acting for key if it holds role in p (a role named by
 * any of its identity keys, current or rotated away from), else NULL. */
const roster_member_t *model_role(const roster_t *r, const Wiec__Process *p, int role,
    const uint8_t key[static KEY_PK_BYTES]);

/* MODEL_FORMER if key belonged to a removed member, else MODEL_NOT_AUTHORISED. */
int model_why_not(const roster_t *r, const uint8_t key[static KEY_PK_BYTES]);

/* (seq, id) order of two events: <0, 0, >0. */
int model_seq_cmp(const model_ev_t *a, const model_ev_t *b);

#endif
