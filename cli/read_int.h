/* read_int.h: what cli/read.c (the read commands and their text output)
 * and cli/readjson.c (their --json emitters) share. Internal to those two
 * files. */
#ifndef WIEC_CLI_READ_INT_H
#define WIEC_CLI_READ_INT_H

#include <stddef.h>
#include <stdint.h>

#include "cli/cli.h"
#include "cli/json.h"
#include "model/idea.h"
#include "model/moderation.h"
#include "model/process.h"
#include "model/roster.h"

/* One read command's state: the store, its read view and roster, and the
 * JSON writer when --json. */
typedef struct rd {
	const char *cmd;
	store_t *s;
	store_view_t *sv;
	model_view_t v;
	roster_t r;
	int have_roster;
	int json;
	json_t j;
} rd_t;

/* The current member name acting for key, or NULL. */
static inline const char *rd_who(const rd_t *d, const uint8_t key[static KEY_PK_BYTES])
{
	const roster_member_t *m = roster_member_of(&d->r, key);

	return m != NULL ? m->name : NULL;
}

static inline const char *rd_feasibility_name(int f)
{
	switch (f) {
	case WIEC__FEASIBILITY__FEASIBILITY_FEASIBLE: return "feasible";
	case WIEC__FEASIBILITY__FEASIBILITY_WITH_CHANGES: return "with-changes";
	case WIEC__FEASIBILITY__FEASIBILITY_NOT_FEASIBLE: return "not-feasible";
	}
	return "none";
}

static inline const char *rd_phase_name(const Wiec__Process *p, uint32_t i)
{
	return i < p->n_phases ? p->phases[i]->name : "(no such phase)";
}

/* ---- cli/readjson.c: the --json emitters, into d->j ---- */

/* "id", "author", "by", "seq", "timestamp" of an event. */
void rd_j_head(rd_t *d, const model_ev_t *e);
/* k: the 32-byte id in b as hex, or null when b is empty. */
void rd_j_opt_id(rd_t *d, const char *k, const ProtobufCBinaryData *b);
/* A process's members for `process list` (nideas: its ideas listed). */
void rd_j_process_summary(rd_t *d, const model_process_t *p, size_t nideas);
/* A whole process, for `process show`. */
void rd_j_process(rd_t *d, const model_process_t *p, const model_ids_t *ideas);
/* An idea's members shared by `idea list` and `idea show`. */
void rd_j_idea_summary(rd_t *d, const model_idea_t *i);
/* k: an array of its, each with its head, fields() and its standing. */
void rd_j_items(rd_t *d, const char *k, const model_items_t *its,
    void (*fields)(rd_t *d, const model_item_t *it));
/* The fields of one item of each history, for rd_j_items. */
void rd_jf_version(rd_t *d, const model_item_t *it);
void rd_jf_status(rd_t *d, const model_item_t *it);
void rd_jf_eval(rd_t *d, const model_item_t *it);
void rd_jf_support(rd_t *d, const model_item_t *it);
void rd_jf_link(rd_t *d, const model_item_t *it);
void rd_jf_moderation(rd_t *d, const model_item_t *it);
void rd_jf_reason(rd_t *d, const model_item_t *it);

#endif
