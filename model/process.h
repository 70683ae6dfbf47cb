/* process.h: a process's derived state (spec/model.md section 5): whether
 * it counts, its roles, its quorum and its current phase with history.
 * Pure: reads through a model_view_t and the current roster. */
#ifndef WIEC_MODEL_PROCESS_H
#define WIEC_MODEL_PROCESS_H

#include "model/slot.h"

typedef struct model_process {
	model_ev_t ev;			/* the Process event; p = ev.body->process */
	const Wiec__Process *p;
	int why;			/* MODEL_OK: valid (counted) */
	uint8_t scope[HASH_BYTES];	/* credentials of this scope count (census or id) */
	uint32_t quorum;		/* owners that must sign a phase change */
	uint32_t phase;			/* current phase: an index into p->phases */
	/* Phase changes: changes.it[0..changes.counted) the history, the last
	 * the current; then the waiting ones; then those not counted (why). */
	model_items_t changes;
} model_process_t;

/* Loads process id. WIEC_ERR_NOTFOUND if id is not a held, non-excluded
 * Process event; WIEC_ERR_NOMEM or a view failure. Free with
 * model_process_free (safe on a zeroed one). */
int model_process_load(const model_view_t *v, const roster_t *r,
    const uint8_t id[static HASH_BYTES], model_process_t *out);
void model_process_free(model_process_t *p);

/* The quorum of owners of p (quorum 0: 1, or for co-decision floor(2n/3)+1
 * of n owners). */
uint32_t model_process_quorum(const Wiec__Process *p);

/* The members among owners of p who signed phase change e (its author and
 * the authors of held Approve events naming it), counted once per member. */
int model_phase_signers(const model_view_t *v, const roster_t *r, const Wiec__Process *p,
    const model_ev_t *e, uint32_t *n);

/* Appends the ids of every held process (all: also those not valid) in id order. */
int model_process_list(const model_view_t *v, const roster_t *r, int all, model_ids_t *out);

#endif
