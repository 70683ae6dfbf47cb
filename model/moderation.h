/* moderation.h: reports, moderation decisions and appeals on an idea or a
 * comment (spec/model.md section 8), and the comment threads they hide
 * things in. Pure: reads through a model_view_t and the current roster. */
#ifndef WIEC_MODEL_MODERATION_H
#define WIEC_MODEL_MODERATION_H

#include "model/process.h"

#define MODEL_THREAD_DEPTH 64	/* comment levels below an idea that are shown */

typedef struct model_moderation {
	/* Decisions: decisions.it[0..counted) the history, the last the
	 * current; then waiting; then not counted (why). */
	model_items_t decisions;
	int hidden;			/* the current decision hides the target */
	model_items_t reports;		/* every report, in id order (all count) */
	model_items_t appeals;		/* counted (by the target's author) first, id order */
} model_moderation_t;

/* Who may moderate: the moderators of proc; proc NULL and bank set: the
 * open bank (any current member); proc NULL and bank 0, or proc not valid:
 * nobody. author: the target's author (appeals). */
int model_moderation_fold(const model_view_t *v, const roster_t *r, const model_process_t *proc,
    int bank, const uint8_t target[static HASH_BYTES], const uint8_t author[static KEY_PK_BYTES],
    model_moderation_t *out);

/* The same for any target: finds it (an idea or a comment), its root idea
 * and the idea's process. WIEC_ERR_NOTFOUND if target is not a held idea
 * or comment. */
int model_moderation_load(const model_view_t *v, const roster_t *r,
    const uint8_t target[static HASH_BYTES], model_moderation_t *out);
void model_moderation_free(model_moderation_t *m);

/* The original idea an idea, a version or a comment belongs to: walks up
 * comment targets, at most MODEL_THREAD_DEPTH levels. *depth (may be NULL)
 * gets the comment levels walked (0 for an idea). WIEC_ERR_NOTFOUND if a
 * step is not held, not an idea or comment, or too deep. */
int model_root_idea(const model_view_t *v, const uint8_t id[static HASH_BYTES],
    uint8_t root[static HASH_BYTES], uint32_t *depth);

/* The process of original idea id: 0 and *bank set for the open bank; 0
 * and proc loaded (check proc->why) otherwise; WIEC_ERR_NOTFOUND if the
 * idea or its process is not held (proc then zeroed, *bank 0). */
int model_idea_process(const model_view_t *v, const roster_t *r, const uint8_t id[static HASH_BYTES],
    model_process_t *proc, int *bank);

/* One shown comment of a thread. */
typedef struct model_comment {
	model_ev_t ev;
	uint32_t depth;		/* 1: on the idea itself */
	size_t parent;		/* index in the thread of what it answers; SIZE_MAX: the idea */
	int hidden;
} model_comment_t;

/* Comments in depth-first order, each one's answers after it in id order. */
typedef struct model_thread {
	model_comment_t *c;
	size_t n, cap;
} model_thread_t;

/* The thread below original idea `idea`: every held comment whose chain
 * of targets reaches it within MODEL_THREAD_DEPTH levels, with its hidden
 * flag (moderators of the idea's process, as model_moderation_fold). */
int model_thread_load(const model_view_t *v, const roster_t *r, const uint8_t idea[static HASH_BYTES],
    model_thread_t *out);
void model_thread_free(model_thread_t *t);

#endif
