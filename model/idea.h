/* idea.h: an idea's derived state (spec/model.md section 6): versions,
 * official status with its history, evaluations, supports, links, and
 * moderation. Pure: reads through a model_view_t and the current roster. */
#ifndef WIEC_MODEL_IDEA_H
#define WIEC_MODEL_IDEA_H

#include "model/moderation.h"

typedef struct model_idea {
	model_ev_t ev;			/* the original (Idea with no edit) */
	/* MODEL_OK: counted. MODEL_NO_PROCESS: its process is not held or not
	 * valid (not listed); MODEL_NOT_ELIGIBLE, MODEL_NO_UNIT: listed, not
	 * counted. */
	int why;
	int bank;			/* in the open bank of ideas (no process) */
	int eligible;			/* its author may take part (always in the bank, or
					 * where the process does not ask; 0 too when the
					 * process is not held or not valid) */
	model_process_t proc;		/* its process, unless bank (proc.ev.body NULL if not held) */
	/* The original and its author's versions: counted ones in (seq, id)
	 * order (the last is the latest), then those by another author. */
	model_items_t versions;
	const Wiec__Idea *latest;	/* the latest version's content */
	const model_ev_t *latest_ev;
	/* Status events: history in (depth, id) order, the last the current;
	 * then waiting; then not counted. */
	model_items_t status;
	int status_now;			/* IdeaStatus; STATUS_SUBMITTED if none counts */
	/* Evaluations: each reviewer's latest by reviewer key; then the rest. */
	model_items_t evals;
	/* Supports: each eligible supporter's latest that is not a withdrawal,
	 * by supporter key (supports.counted is the number of supporters);
	 * then the rest. */
	model_items_t supports;
	/* Links and merges naming this idea as either side: counted first,
	 * then the rest, each in id order. */
	model_items_t links;
	model_moderation_t mod;
} model_idea_t;

/* Loads the idea id (an original, or a version: then its original).
 * WIEC_ERR_NOTFOUND if it is not a held idea (or the original of a held
 * version is not held). Free with model_idea_free (safe on a zeroed one). */
int model_idea_load(const model_view_t *v, const roster_t *r, const uint8_t id[static HASH_BYTES],
    model_idea_t *out);
void model_idea_free(model_idea_t *i);

/* Appends the ids of the original ideas of process (NULL: the open bank),
 * in id order; none when the process is not held or not valid. */
int model_idea_list(const model_view_t *v, const roster_t *r, const uint8_t *process,
    model_ids_t *out);

#endif
