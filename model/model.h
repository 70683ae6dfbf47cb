/* model.h: the deliberation model (spec/model.md) as pure functions over a
 * view of the held events. No I/O, no clock, no global state: the node and
 * the CLI read through a view backed by LMDB (store/refs.c), tests and the
 * offline audit through one backed by memory. Everything here is a function
 * of the set of held, non-excluded events, never of their arrival order.
 *
 * How state is found: every event of a model kind contributes, from its own
 * bytes only, a few entries (ref, tag, id) to the `refs` index (the rows of
 * spec/model.md section 9, model_refs() below); state is then folded at
 * read time from the events those entries name, with the authorisation
 * rules applied then. So an event that arrives before the event that
 * authorises it simply starts to count when that one arrives, on every node
 * alike, and `wiec reindex` rebuilds the index byte for byte. */
#ifndef WIEC_MODEL_H
#define WIEC_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/hash.h"
#include "crypto/key.h"
#include "proto/wiec.pb-c.h"

/* Index tags (spec/model.md section 9). An entry is ref(32) || tag || id(32). */
enum {
	MREF_PROCESS = 'P',	/* zero ref: every process */
	MREF_IDEA = 'I',	/* process id (zero: the open bank): its original ideas */
	MREF_VERSION = 'V',	/* original idea: its later versions (Idea.edit) */
	MREF_COMMENT = 'C',	/* idea or comment: comments on it */
	MREF_PHASE = 'H',	/* process: phase changes */
	MREF_STATUS = 'S',	/* idea: status events */
	MREF_EVAL = 'E',	/* idea: evaluations */
	MREF_SUPPORT = 'U',	/* idea: supports and withdrawals */
	MREF_LINK = 'L',	/* idea and other: links and merges */
	MREF_REPORT = 'R',	/* target: reports */
	MREF_MODERATION = 'M',	/* target: moderation decisions */
	MREF_APPEAL = 'A',	/* target: appeals */
	MREF_CREDENTIAL = 'K',	/* scope: credentials */
	MREF_SUBJECT = 'k',	/* subject key: credentials naming it */
	MREF_MEMBER = 'm',	/* zero ref: every member change */
	MREF_APPROVE = 'a',	/* target: approvals */
	MREF_POLL = 'O',	/* process: polls */
	MREF_BALLOT = 'B',	/* process: ballots (votes) */
	MREF_CLOSE = 'Z',	/* process: close statements (Close .. Cosign) */
	MREF_PART = 'Y',	/* part hash (closelist_part_hash): IdParts with it */
};

#define MODEL_REF_MAX 2		/* entries one event contributes, at most */

typedef struct model_ref {
	uint8_t ref[HASH_BYTES];
	uint8_t tag;
} model_ref_t;

/* The index entries of a decoded, valid body (spec/events.md section 3):
 * fills out[0..n) and returns n (0 for kinds the model does not index). */
size_t model_refs(const Wiec__Body *b, model_ref_t out[static MODEL_REF_MAX]);

/* One held event as the view reports it. The caller owns body: release it
 * with model_ev_free (safe on a zeroed model_ev_t). */
typedef struct model_ev {
	uint8_t id[HASH_BYTES];
	uint8_t author[KEY_PK_BYTES];
	uint64_t seq;
	uint64_t timestamp;	/* informational only: never a rule */
	uint64_t lseq;		/* local arrival order: never a rule, never printed in --json */
	const Wiec__Body *body;
} model_ev_t;

void model_ev_free(model_ev_t *e);

/* Called once per index entry, in increasing id order; a nonzero return
 * stops the walk and is returned by refs(). */
typedef int (*model_ref_cb)(void *arg, const uint8_t id[static HASH_BYTES]);

/* Called by scan() once per event, with its packed Body as held (len
 * bytes, not re-hashed: validated and canonical when it was held); id and
 * body stay valid until the view ends. A nonzero return stops the walk and
 * is returned by scan(). */
typedef int (*model_body_cb)(void *arg, const uint8_t id[static HASH_BYTES],
    const uint8_t *body, size_t len);

/* What the model reads. get() returns 0 and fills *out for a held event
 * that is not excluded (spec/events.md section 5), WIEC_ERR_NOTFOUND
 * otherwise, or another negative wiec_err_t when the view failed (passed
 * through unchanged by every model function). refs() walks the entries of
 * (ref, tag). genesis() gives the decoded genesis body (owned by the view).
 * scan() (optional, NULL: the model walks refs() and get()s each) visits
 * the same events as refs() then get() would, held and not excluded, in no
 * set order, each once: the fast path of a recount (spec/tally.md 4.4).
 * The store's offers it for MREF_BALLOT only (WIEC_ERR_ARG otherwise). */
typedef struct model_view {
	void *ctx;
	int (*get)(void *ctx, const uint8_t id[static HASH_BYTES], model_ev_t *out);
	int (*refs)(void *ctx, const uint8_t ref[static HASH_BYTES], uint8_t tag,
	    model_ref_cb cb, void *arg);
	const Wiec__GenesisBody *(*genesis)(void *ctx);
	int (*scan)(void *ctx, const uint8_t ref[static HASH_BYTES], uint8_t tag,
	    model_body_cb cb, void *arg);
} model_view_t;

#endif
