/* decode.h: the one decoder for protobuf messages that come from outside
 * (spec/events.md, section 1: encoding and decoding limits).
 *
 * protobuf-c allocates every element of a repeated field before any bound
 * can be checked: a 4 MiB message of empty entries costs it about 200 MiB.
 * So every untrusted message goes through dec_unpack, which
 *
 *  1. scans the bytes against the schema without allocating anything
 *     (dec_scan): wire format, unknown fields, per-field element counts and,
 *     when asked, the canonical form of section 1;
 *  2. only then unpacks with protobuf-c, through an allocator whose budget
 *     is DEC_BUDGET(len) bytes in total, so that no input, however it slips
 *     past the scan, can cost more than a small multiple of its size;
 *  3. re-checks the result (no unknown fields; for canonical messages,
 *     re-encoding gives back the input) as a second, independent line.
 *
 * Errors, in this order of precedence (spec/events.md section 1.4):
 *   WIEC_ERR_TOO_BIG   len > opts->max_len (checked before anything else)
 *   WIEC_ERR_DECODE    not a parse of the schema's wire format, or
 *   WIEC_ERR_TOO_BIG   a repeated field over its count limit: the scan
 *                      stops at the first of these two, in byte order
 *   WIEC_ERR_UNKNOWN   a field number the schema does not define, any depth
 *   WIEC_ERR_NONCANON  (canonical only) not the canonical encoding
 *   WIEC_ERR_TOO_BIG   over the allocation budget (never for a message the
 *                      scan passed with the default budget: tested)
 *   WIEC_ERR_NOMEM     out of memory (not an input error)
 *   WIEC_ERR_ARG       a schema this decoder does not take (a bug) */
#ifndef WIEC_DECODE_H
#define WIEC_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#define DEC_DEPTH_MAX 16		/* nested messages; deeper is WIEC_ERR_DECODE */
#define DEC_FIELDS_MAX 64		/* fields of one message type the scanner takes */
#define DEC_REPEATED_MAX 1024		/* elements of a repeated field with no limit listed */
#define DEC_BUDGET_BASE (2u << 20)	/* bytes: the per-entry overhead of every count limit */
#define DEC_ALLOC_OVERHEAD 16		/* bytes charged per allocation beyond its size */
/* Bytes protobuf-c may allocate, in total, to unpack len bytes. */
#define DEC_BUDGET(len) (2 * (size_t)(len) + DEC_BUDGET_BASE)

/* At most `max` elements of repeated field number `field` in one instance of
 * message type `msg`. */
typedef struct dec_limit {
	const ProtobufCMessageDescriptor *msg;
	uint32_t field;
	size_t max;
} dec_limit_t;

typedef struct dec_opts {
	size_t max_len;			/* bytes of the whole message */
	int canonical;			/* require spec/events.md section 1.2 */
	const dec_limit_t *limits;	/* borrowed; other repeated fields get DEC_REPEATED_MAX */
	size_t n_limits;
	size_t budget;			/* 0: DEC_BUDGET(len) */
} dec_opts_t;

/* Step 1 alone: checks buf[0..len) against desc and opts without
 * allocating. Returns 0 or an error above (never NOMEM). Thread-safe. */
int dec_scan(const ProtobufCMessageDescriptor *desc, const uint8_t *buf, size_t len,
    const dec_opts_t *opts);

/* Decodes buf[0..len) (untrusted) as a message of type desc: steps 1-3
 * above. On success *out is the message, allocated with malloc: free it
 * with protobuf_c_message_free_unpacked(*out, NULL) or the generated
 * wiec__*__free_unpacked(m, NULL). On failure *out is NULL and nothing
 * needs freeing. Thread-safe. */
int dec_unpack(ProtobufCMessage **out, const ProtobufCMessageDescriptor *desc,
    const uint8_t *buf, size_t len, const dec_opts_t *opts);

/* dec_unpack with every allocation of the message in one arena (a few
 * blocks, the first sized for a typical message of len bytes): one malloc
 * and one free for the whole message instead of one per string and
 * submessage. Same steps, budget and errors. On success *out lives in
 * *arena: free both with dec_arena_free(arena), never with
 * protobuf_c_message_free_unpacked. On failure *out and *arena are NULL.
 * Thread-safe. */
typedef struct dec_arena dec_arena_t;
int dec_unpack_arena(ProtobufCMessage **out, dec_arena_t **arena,
    const ProtobufCMessageDescriptor *desc, const uint8_t *buf, size_t len,
    const dec_opts_t *opts);

/* Frees an arena and every message in it; sets *arena to NULL. NULL or a
 * NULL *arena: nothing. */
void dec_arena_free(dec_arena_t **arena);

/* The value of field number `field` of buf[0..len), a message dec_scan
 * accepted, where that field is a non-repeated string, bytes or message
 * field: *v points into buf (*vlen bytes), or is NULL with *vlen 0 if the
 * field is absent. Lets a caller take the bytes of a small canonical
 * message (an envelope) without unpacking it. Returns 0, or
 * WIEC_ERR_DECODE if buf is not a parse of the wire format. */
int dec_field(const uint8_t *buf, size_t len, uint32_t field, const uint8_t **v, size_t *vlen);

/* 1 if m or any message inside it carries fields unknown to the schema.
 * Follows the descriptor: a message-typed member of a oneof is looked at
 * only when the oneof's case names it (the union may hold a scalar). */
int dec_has_unknown(const ProtobufCMessage *m);

#endif
