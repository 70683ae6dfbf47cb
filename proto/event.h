/* event.h: signed events, exactly as spec/events.md defines them.
 *
 * An envelope is checked in two stages so that the costly signature check
 * can run on any thread: ev_decode() does every structural rule (sizes,
 * canonical encoding, unknown fields, field values) and ev_verify() the
 * network and the signature. Neither touches the store; chain rules
 * (seq, prev, equivocation) are the store's (store/store.h). */
#ifndef WIEC_EVENT_H
#define WIEC_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "crypto/hash.h"
#include "crypto/key.h"
#include "proto/wiec.pb-c.h"

#define EV_DOMAIN "wiec-event-v1"
#define EV_ENV_MAX 65536	/* bytes of a whole envelope */
#define EV_NAME_MAX 128		/* bytes of an announce name */
#define EV_TITLE_MAX 256	/* bytes of an idea title */
#define EV_TEXT_MAX 16384	/* bytes of an idea or comment text */
/* The deliberation model's kinds (spec/events.md section 3). */
#define EV_REASON_MAX 2048	/* bytes of a reason (status, evaluation, ...) */
#define EV_LABEL_MAX 64		/* bytes of a category, phase, unit or attribute name */
#define EV_VALUE_MAX 256	/* bytes of a credential attribute value */
#define EV_KEYS_MAX 64		/* keys in a process's owners, reviewers, ... each */
#define EV_PHASES_MAX 16	/* phases of a process */
#define EV_UNITS_MAX 256	/* units (districts) of a budget process */
#define EV_DECIMALS_MAX 6	/* Process.decimals: money to 10^-6 of the currency */
#define EV_ATTRS_MAX 16		/* attributes of a credential */
#define EV_ENDPOINTS_MAX 8	/* endpoints of a member record */
#define EV_ENDPOINT_MAX 255	/* bytes of one endpoint */
#define EV_OPTIONS_MAX 1024	/* options of a poll, choices of a ballot */
/* A poll's points and a member's weight, at most: no sum of them can wrap a
 * uint64_t (spec/tally.md 4.5). */
#define EV_POINTS_MAX UINT64_C(1000000)
#define EV_WEIGHT_MAX UINT64_C(1000000000000)
#define EV_CLOSE_IDS_MAX 1900	/* ids in one close list (seal, frontier): 60,800 bytes;
				 * also items of an IdPart and part hashes a list names */
#define EV_IDPART_LEVEL_MAX 3	/* IdPart.level: up to 1,900^4 ids (spec/close.md s3) */
#define EV_EXCLUSIONS_MAX 64	/* exclusion groups of a greedy-exclusive poll */
#define EV_LAT_MAX 900000000	/* |Location.lat|, degrees x 10^7 */
#define EV_LON_MAX 1800000000	/* |Location.lon|, degrees x 10^7 */

typedef enum ev_kind {
	EV_ANNOUNCE = WIEC__BODY__CONTENT_ANNOUNCE,
	EV_IDEA = WIEC__BODY__CONTENT_IDEA,
	EV_COMMENT = WIEC__BODY__CONTENT_COMMENT,
	EV_PROCESS = WIEC__BODY__CONTENT_PROCESS,
	EV_PHASE = WIEC__BODY__CONTENT_PHASE,
	EV_STATUS = WIEC__BODY__CONTENT_STATUS,
	EV_EVALUATION = WIEC__BODY__CONTENT_EVALUATION,
	EV_SUPPORT = WIEC__BODY__CONTENT_SUPPORT,
	EV_LINK = WIEC__BODY__CONTENT_LINK,
	EV_REPORT = WIEC__BODY__CONTENT_REPORT,
	EV_MODERATION = WIEC__BODY__CONTENT_MODERATION,
	EV_APPEAL = WIEC__BODY__CONTENT_APPEAL,
	EV_CREDENTIAL = WIEC__BODY__CONTENT_CREDENTIAL,
	EV_MEMBER = WIEC__BODY__CONTENT_MEMBER,
	EV_APPROVE = WIEC__BODY__CONTENT_APPROVE,
	EV_VOTE = WIEC__BODY__CONTENT_VOTE,
	EV_POLL = WIEC__BODY__CONTENT_POLL,
} ev_kind_t;

/* A decoded event. env is borrowed from the caller and must outlive the
 * ev_t; everything else is owned and released by ev_free(). */
typedef struct ev {
	const uint8_t *env;
	size_t env_len;
	uint8_t id[HASH_BYTES];		/* BLAKE2b-256 of env */
	uint8_t network[HASH_BYTES];
	uint8_t author[KEY_PK_BYTES];
	uint8_t prev[HASH_BYTES];	/* all zero for a root (no prev) */
	uint64_t seq;
	uint64_t timestamp;
	int kind;			/* ev_kind_t */
	const uint8_t *sig;		/* KEY_SIG_BYTES, in env */
	const uint8_t *body_bytes;	/* the signed body, in env */
	size_t body_len;
	Wiec__Body *body;		/* decoded body_bytes, in arena; kind-specific fields */
	struct dec_arena *arena;	/* owned: everything body points to */
} ev_t;

/* Decodes env[0..len) (through proto/decode.h) and applies every structural
 * rule of spec/events.md. On success fills ev (free with ev_free). On failure
 * returns a negative wiec_err_t naming the rule broken (WIEC_ERR_NOMEM if
 * memory ran out) and leaves nothing to free. */
int ev_decode(ev_t *ev, const uint8_t *env, size_t len);

/* Checks that ev belongs to network and that its signature verifies over
 * the received body bytes. Thread-safe. Returns 0, WIEC_ERR_NETWORK or
 * WIEC_ERR_SIG. */
int ev_verify(const ev_t *ev, const uint8_t network[static HASH_BYTES]);

/* ev_decode then ev_verify; on failure ev needs no ev_free. */
int ev_check(ev_t *ev, const uint8_t *env, size_t len,
    const uint8_t network[static HASH_BYTES]);

/* ev_check on n envelopes, spread over up to `threads` threads (the
 * signature checks dominate). rc[i] receives envs[i]'s result; evs[i] is
 * filled (free with ev_free) exactly when rc[i] == 0. Returns 0, or
 * WIEC_ERR_NOMEM / WIEC_ERR_IO if threads could not run (then no evs[i]
 * needs freeing). */
int ev_check_batch(ev_t *evs, int *rc, const uint8_t *const *envs, const size_t *lens,
    size_t n, const uint8_t network[static HASH_BYTES], int threads);

/* Releases what ev_decode allocated; safe on a zeroed or freed ev. */
void ev_free(ev_t *ev);

/* Encodes body (whose network, author, seq, prev and timestamp the caller
 * has set), signs it with kp and encodes the envelope. body->author must be
 * kp->pk. On success *env is a malloc'd buffer the caller frees. The result
 * passes ev_decode; WIEC_ERR_TOO_BIG or WIEC_ERR_FIELD if it would not. */
int ev_build(uint8_t **env, size_t *len, const key_pair_t *kp, const Wiec__Body *body);

/* Sets body's header for the event after an author's head: network, author,
 * seq = head_seq + 1 and prev = head_id (NULL: a root). The
 * bytes are borrowed, not copied: they must outlive the use of body. */
void ev_set_header(Wiec__Body *body, const uint8_t network[static HASH_BYTES],
    const uint8_t author[static KEY_PK_BYTES], uint64_t head_seq, const uint8_t *head_id);

/* The kind's name ("announce", "idea", ...), or "unknown" (proto/kind.h has the table). */
const char *ev_kind_name(int kind);

/* Text rule shared by every string field: valid UTF-8 of min..max bytes,
 * no NUL, no control characters except (when multiline) '\n' and '\t'. */
int ev_text_ok(const char *s, size_t min, size_t max, int multiline);

/* The bytes of s (NUL-terminated text) to print for at most max of them:
 * strlen(s) if it fits, else max or fewer, never cutting a UTF-8 sequence. */
size_t ev_text_cut(const char *s, size_t max);

/* Writes the first n bytes of text s to f for a person to read, on one
 * line, as they are except what would let the text pass for other lines
 * or other text (README, "Output for tools"): a line break, tab or CR is
 * written "\n", "\t", "\r", any other control character "\x1b"; the
 * bidirectional marks, overrides and isolates (U+061C, U+200E-F,
 * U+202A-E, U+2066-9), the line and paragraph separators (U+2028-9) and
 * the C1 controls "<U+202E>"; a byte that is not UTF-8 "\xff". So an
 * entry printed this way stays one entry: a resident's comment cannot
 * print a line that looks like another comment. The backslash itself is
 * not escaped: text that spells "\n" shows what a real line break would,
 * inside the same entry, which deceives nobody about who wrote what.
 * Takes any bytes (error messages quote arguments and files). */
void ev_fput_text(FILE *f, const char *s, size_t n);

/* Writes the first n bytes of multi-line text s (an idea's body) to f as
 * ev_fput_text does, except that each line break stays one and every line,
 * the first too, starts with indent (not empty: what follows the body must
 * not be imitable), and a tab stays a tab. No newline is added at the end. */
void ev_fput_block(FILE *f, const char *s, size_t n, const char *indent);

#endif
