/* closeev.h: close statements as log events (spec/close.md sections 2-3)
 * and the close over a model view: what the node (node/close.c) and the
 * CLI (cli/close.c) share. Pure like the rest of the model: reads through
 * a model_view_t.
 *
 * Ownership: a closeev_log_t owns its statements (closeev_log_free); a
 * body built by closeev_to_body borrows from the statement and the
 * closeev_msg_t, which must outlive it. */
#ifndef WIEC_CLOSEEV_H
#define WIEC_CLOSEEV_H

#include "model/close.h"
#include "model/closelist.h"
#include "model/model.h"
#include "model/roster.h"
#include "model/slot.h"

/* 1 if content is one of the close kinds (Body.content 32..36). */
int closeev_kind(int content);

/* The process a close statement body names (NULL for other kinds). */
const ProtobufCBinaryData *closeev_process(const Wiec__Body *b);

/* Decodes held event e (a close kind) into *out (arrays owned: release
 * with close_stmt_free), resolving a list given by parts through v (NULL:
 * such a statement is incomplete). 0; WIEC_ERR_DECODE (not a close kind,
 * or parts that do not form its list: ill-formed); WIEC_ERR_NOTFOUND (a
 * part is not held: incomplete); WIEC_ERR_NOMEM or an error of v. */
int closeev_from_ev(const model_view_t *v, const model_ev_t *e, close_stmt_t *out);

/* Storage for the messages of one body. */
typedef struct closeev_msg {
	Wiec__Close close;
	Wiec__Prepare prepare;
	Wiec__Promise promise;
	Wiec__Accepted acc;
	Wiec__Proposal proposal;
	Wiec__Cosign cosign;
	Wiec__CloseValue v1, v2;
} closeev_msg_t;

/* Fills the content of *b (header left to the caller) from s. A Promise's
 * seal or a Proposal's frontier of more than EV_CLOSE_IDS_MAX ids is named
 * by l's top hashes (l from closelist_build of that list; NULL otherwise);
 * a Close's longer seal is left out (informational only). 0, or
 * WIEC_ERR_TOO_BIG when a long list comes without l. */
int closeev_to_body(const close_stmt_t *s, const closelist_t *l, Wiec__Body *b,
    closeev_msg_t *m);

/* Every held statement of process (any roster; ill-formed ones included:
 * the model's rules ignore them), sorted by (author, seq, id). A Close by
 * a key that is not an owner of the process is left out (spec/close.md
 * section 2); so is a statement whose list names parts that are not all
 * held, with its author's later statements (section 3), and one whose
 * parts do not form a valid list. */
typedef struct closeev_log {
	close_stmt_t *st;
	size_t n;
} closeev_log_t;
int closeev_load(const model_view_t *v, const roster_t *r, const uint8_t process[static HASH_BYTES],
    closeev_log_t *out);

/* The same, incrementally (the node, every tick): adds to *log the
 * statements it does not hold yet, keeping it sorted; ids found ill-formed
 * or a non-owner's Close are added to *skip (caller-owned, free with
 * model_ids_free) and never decoded again. wait (may be NULL): incomplete
 * statements are added to it, and those in it are not resolved again
 * (they and their authors' later ones wait) until the caller empties it:
 * a list naming a part nobody posts costs one resolution per emptying,
 * not one per call. *added: how many were added. 0 or a negative
 * wiec_err_t (*log then as before, perhaps grown). */
int closeev_load_more(const model_view_t *v, const roster_t *r,
    const uint8_t process[static HASH_BYTES], closeev_log_t *log, model_ids_t *skip,
    model_ids_t *wait, size_t *added);
void closeev_log_free(closeev_log_t *l);

/* The identity keys of r's members, sorted (r->members is sorted by key). */
void closeev_members(const roster_t *r, uint8_t (*out)[KEY_PK_BYTES]);

/* 1 if key is a current identity key, under r, of a member listed as an
 * owner of process (a held, valid process) under any of its keys; 0 if
 * not, or a negative wiec_err_t. */
int closeev_is_owner(const model_view_t *v, const roster_t *r,
    const uint8_t process[static HASH_BYTES], const uint8_t key[static KEY_PK_BYTES]);

/* The machine's environment over a view: seal (model_tally_seal, computed
 * once per context), held (in that seal: a held, non-excluded counted
 * event of the process; an honest frontier holds nothing else), tally
 * (the hash of model_tally_result over the frontier). ctx must outlive
 * env; closeev_ctx_free releases the cached seal. */
typedef struct closeev_ctx {
	const model_view_t *v;
	uint8_t process[HASH_BYTES];
	uint8_t *seal;		/* cached, sorted */
	size_t nseal;
	int sealed, rc;
} closeev_ctx_t;
void closeev_env(close_env_t *env, closeev_ctx_t *ctx);
void closeev_ctx_free(closeev_ctx_t *ctx);

/* Whether process was certified under a roster state other than current,
 * one its statements (log) name: the close ended then, and no later roster
 * opens it again (spec/close.md section 9). 1 with roster set to that
 * state, 0, or a negative wiec_err_t. */
int closeev_certified_earlier(const model_view_t *v, const uint8_t process[static HASH_BYTES],
    const closeev_log_t *log, const uint8_t current[static HASH_BYTES],
    uint8_t roster[static HASH_BYTES]);

#endif
