/* kind_int.h: what the files of the kind table share; private to proto/kind*.c.
 *
 * kind.c holds the table (kind.h) and the names of the enums. Each row, with
 * its check, text and JSON functions, lives in its family's file, beside the
 * part of the spec that gives the kinds their meaning:
 *
 *   kind_member.c  announce (who writes), member, approve (spec/members.md)
 *   kind_delib.c   idea, comment, process, phase, status, evaluation, support,
 *                  link, report, moderation, appeal, credential (spec/model.md)
 *   kind_vote.c    vote, poll (spec/tally.md)
 *   kind_close.c   close, prepare, promise, proposal, cosign, idpart
 *                  (spec/close.md)
 *
 * Adding a kind: its row and functions in its family's file, the row's
 * declaration here, its place in kind.c's table (spec/events.md order). */
#ifndef WIEC_KIND_INT_H
#define WIEC_KIND_INT_H

#include <stdio.h>
#include <string.h>

#include "crypto/hash.h"
#include "proto/event.h"
#include "proto/kind.h"

/* The rows, by file. */
extern const kind_t kind_row_announce;
extern const kind_t kind_row_member;
extern const kind_t kind_row_approve;

extern const kind_t kind_row_idea;
extern const kind_t kind_row_comment;
extern const kind_t kind_row_process;
extern const kind_t kind_row_phase;
extern const kind_t kind_row_status;
extern const kind_t kind_row_evaluation;
extern const kind_t kind_row_support;
extern const kind_t kind_row_link;
extern const kind_t kind_row_report;
extern const kind_t kind_row_moderation;
extern const kind_t kind_row_appeal;
extern const kind_t kind_row_credential;

extern const kind_t kind_row_vote;
extern const kind_t kind_row_poll;

extern const kind_t kind_row_close;
extern const kind_t kind_row_prepare;
extern const kind_t kind_row_promise;
extern const kind_t kind_row_proposal;
extern const kind_t kind_row_cosign;
extern const kind_t kind_row_idpart;

/* ---- shared field rules and printers of the model's kinds ---- */

static inline int id_ok(const ProtobufCBinaryData *d)
{
	return d->len == HASH_BYTES;
}

/* Absent, or an id that is not 32 zero bytes: those name nothing, and an
 * idea of process zero once landed in the open bank's list, which refs
 * index under zero too. */
static inline int opt_id_ok(const ProtobufCBinaryData *d)
{
	static const uint8_t zero[HASH_BYTES];

	return d->len == 0 || (d->len == HASH_BYTES && memcmp(d->data, zero, HASH_BYTES) != 0);
}

static inline int reason_ok(const char *s, size_t min)
{
	return ev_text_ok(s, min, EV_REASON_MAX, 1);
}

/* min..EV_KEYS_MAX distinct 32-byte keys. */
static inline int keys_ok(const ProtobufCBinaryData *k, size_t n, size_t min)
{
	if (n < min || n > EV_KEYS_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (k[i].len != KEY_PK_BYTES)
			return 0;
		for (size_t j = 0; j < i; j++)
			if (memcmp(k[i].data, k[j].data, KEY_PK_BYTES) == 0)
				return 0;
	}
	return 1;
}

static inline int has_key(const ProtobufCBinaryData *k, size_t n, const ProtobufCBinaryData *key)
{
	for (size_t i = 0; i < n; i++)
		if (k[i].len == key->len && memcmp(k[i].data, key->data, key->len) == 0)
			return 1;
	return 0;
}

/* `, "name": "hex"`, or null for empty bytes. */
static inline void json_id(FILE *f, const char *name, const ProtobufCBinaryData *d)
{
	char hex[HASH_HEX_BYTES];

	if (d->len != HASH_BYTES) {
		fprintf(f, ", \"%s\": null", name);
		return;
	}
	hash_hex(hex, d->data, HASH_BYTES);
	fprintf(f, ", \"%s\": \"%s\"", name, hex);
}

static inline void json_ids(FILE *f, const char *name, const ProtobufCBinaryData *d, size_t n)
{
	char hex[HASH_HEX_BYTES];

	fprintf(f, ", \"%s\": [", name);
	for (size_t i = 0; i < n; i++) {
		hash_hex(hex, d[i].data, HASH_BYTES);
		fprintf(f, "%s\"%s\"", i ? ", " : "", hex);
	}
	fprintf(f, "]");
}

static inline void json_text(FILE *f, const char *name, const char *s, const kind_fmt_t *fmt)
{
	fprintf(f, ", \"%s\": ", name);
	fmt->json_str(f, s);
}

/* The first 16 hex digits of an id, for text lines; "-" when empty. */
static inline const char *short_id(char hex[static HASH_HEX_BYTES], const ProtobufCBinaryData *d)
{
	if (d->len != HASH_BYTES)
		return "-";
	hash_hex(hex, d->data, HASH_BYTES);
	hex[16] = '\0';
	return hex;
}

#endif
