/* decode.c: scan, then unpack on a budget (see decode.h). The scanner is
 * the executable form of spec/events.md section 1; keep the two in step. */
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "proto/decode.h"

typedef struct scan {
	const dec_opts_t *o;
	int unknown, noncanon;	/* lower-precedence findings, kept while scanning */
} scan_t;

/* One varint at p[0..n): returns its length (1..10) and sets *v, or 0 if it
 * does not end within n bytes, runs past 10 bytes or carries bits past 64
 * (a 10th byte above 0x01). */
static inline size_t varint(const uint8_t *p, size_t n, uint64_t *v)
{
	uint64_t r = 0;

	if (n > 0 && p[0] < 0x80) {	/* most tags and lengths */
		*v = p[0];
		return 1;
	}
	for (size_t i = 0; i < n && i < 10; i++) {
		if (i == 9) {
			if (p[i] > 1)
				return 0;
			*v = r | (uint64_t)p[i] << 63;
			return 10;
		}
		r |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if ((p[i] & 0x80) == 0) {
			*v = r;
			return i + 1;
		}
	}
	return 0;
}

/* A varint is minimal when its last byte is not 0x00 (or it is just 0x00). */
static int minimal(const uint8_t *p, size_t used)
{
	return used == 1 || p[used - 1] != 0;
}

/* The wire type a field of this type is written with (packed aside). */
static unsigned wire_of(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_FLOAT:
		return 5;
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return 1;
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_BYTES:
	case PROTOBUF_C_TYPE_MESSAGE:
		return 2;
	default:
		return 0;
	}
}

/* 1 if the 64-bit varint value v is one the type can hold, so that
 * re-encoding it gives the same bytes (int32 and enums: as a sign-extended
 * 64-bit value; uint32 and sint32: below 2^32; bool: 0 or 1). */
static int in_range(ProtobufCType t, uint64_t v)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_ENUM:
		return v <= INT32_MAX || v >= (uint64_t)0xffffffff80000000u;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_SINT32:
		return v <= UINT32_MAX;
	case PROTOBUF_C_TYPE_BOOL:
		return v <= 1;
	default:
		return 1;
	}
}

/* 1 if the fixed-width value at p is its type's default (a float or double
 * zero of either sign counts: protobuf-c omits both). */
static int fixed_is_zero(ProtobufCType t, const uint8_t *p)
{
	uint64_t x = 0;

	if (wire_of(t) == 5) {
		uint32_t y;

		memcpy(&y, p, 4);
		return (t == PROTOBUF_C_TYPE_FLOAT ? y & 0x7fffffffu : y) == 0;
	}
	memcpy(&x, p, 8);
	return (t == PROTOBUF_C_TYPE_DOUBLE ? x & 0x7fffffffffffffffu : x) == 0;
}

static size_t limit_of(const dec_opts_t *o, const ProtobufCMessageDescriptor *d, uint32_t num)
{
	for (size_t i = 0; i < o->n_limits; i++)
		if (o->limits[i].msg == d && o->limits[i].field == num)
			return o->limits[i].max;
	return DEC_REPEATED_MAX;
}

static int is_packable(ProtobufCType t)
{
	return t != PROTOBUF_C_TYPE_STRING && t != PROTOBUF_C_TYPE_BYTES &&
	    t != PROTOBUF_C_TYPE_MESSAGE;
}

static int scan_msg(scan_t *s, const ProtobufCMessageDescriptor *d, const uint8_t *p, size_t n,
    unsigned depth);

/* The elements of a packed repeated field, vp[0..vlen). */
static int scan_packed(scan_t *s, const ProtobufCFieldDescriptor *f, const uint8_t *vp,
    size_t vlen, size_t *elems)
{
	unsigned w = wire_of(f->type);

	/* protobuf-c writes packed only where the schema says so, and no
	 * record at all for no elements. */
	if (!(f->flags & PROTOBUF_C_FIELD_FLAG_PACKED) || vlen == 0)
		s->noncanon = 1;
	if (w == 5 || w == 1) {
		size_t size = w == 5 ? 4 : 8;

		if (vlen % size != 0)
			return WIEC_ERR_DECODE;
		*elems = vlen / size;
		return 0;
	}
	*elems = 0;
	for (size_t q = 0; q < vlen;) {
		uint64_t x;
		size_t u = varint(vp + q, vlen - q, &x);

		if (u == 0)
			return WIEC_ERR_DECODE;
		if (!minimal(vp + q, u) || !in_range(f->type, x))
			s->noncanon = 1;
		q += u;
		(*elems)++;
	}
	return 0;
}

/* One value of known field f, vp[0..vlen), written with wire type wt. */
static int scan_value(scan_t *s, const ProtobufCFieldDescriptor *f, unsigned wt,
    const uint8_t *vp, size_t vlen, unsigned depth, size_t *elems)
{
	/* A proto3 field without presence: its default is never written. */
	int plain = f->label == PROTOBUF_C_LABEL_NONE && !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF);
	uint64_t x = 0;

	*elems = 1;
	if (f->label == PROTOBUF_C_LABEL_REPEATED && is_packable(f->type) && wt == 2)
		return scan_packed(s, f, vp, vlen, elems);
	if (wt != wire_of(f->type))
		return WIEC_ERR_DECODE;
	if (f->label == PROTOBUF_C_LABEL_REPEATED && (f->flags & PROTOBUF_C_FIELD_FLAG_PACKED))
		s->noncanon = 1;
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		/* A decoded string ends at its first NUL: such a value cannot
		 * be held, let alone re-encoded. */
		if (memchr(vp, 0, vlen) != NULL) {
			if (!s->o->canonical)
				return WIEC_ERR_DECODE;
			s->noncanon = 1;
		}
		/* fall through */
	case PROTOBUF_C_TYPE_BYTES:
		if (plain && vlen == 0)
			s->noncanon = 1;
		return 0;
	case PROTOBUF_C_TYPE_MESSAGE:
		return scan_msg(s, f->descriptor, vp, vlen, depth + 1);
	default:
		break;
	}
	if (wt == 0) {
		(void)varint(vp, vlen, &x);	/* extent already checked */
		if (!minimal(vp, vlen) || !in_range(f->type, x) || (plain && x == 0))
			s->noncanon = 1;
	} else if (plain && fixed_is_zero(f->type, vp)) {
		s->noncanon = 1;
	}
	return 0;
}

/* 1 if a field of the oneof that f belongs to, other than f, has occurred. */
static int oneof_taken(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f,
    const uint32_t *recs)
{
	if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
		return 0;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *g = &d->fields[i];

		if (g != f && (g->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
		    g->quantifier_offset == f->quantifier_offset && recs[i] != 0)
			return 1;
	}
	return 0;
}

/* The field record at p[*pos..n): its number, wire type and value
 * (vp[0..vlen)), *pos moved past it. Returns 0, or WIEC_ERR_DECODE if it is
 * not a parse of the wire format: a tag of more than 5 bytes, at or above
 * 2^32 or of field 0; a length of more than 5 bytes, above INT_MAX or past
 * the end; wire types 3, 4, 6, 7 (groups and none). Sets *noncanon if the
 * tag or the length is not minimal. */
static int wire_next(const uint8_t *p, size_t n, size_t *pos, uint32_t *num, unsigned *wt,
    const uint8_t **vp, size_t *vlen, int *noncanon)
{
	uint64_t tag, v;
	size_t used, at = *pos;

	/* The tag: a varint of at most 5 bytes below 2^32, field >= 1. */
	used = varint(p + at, n - at, &tag);
	if (used == 0 || used > 5 || tag > UINT32_MAX || (tag >> 3) == 0)
		return WIEC_ERR_DECODE;
	if (!minimal(p + at, used))
		*noncanon = 1;
	*num = (uint32_t)(tag >> 3);
	*wt = (unsigned)(tag & 7);
	at += used;
	/* The value's extent follows from the wire type alone. */
	switch (*wt) {
	case 0:
		if ((*vlen = varint(p + at, n - at, &v)) == 0)
			return WIEC_ERR_DECODE;
		break;
	case 1:
	case 5:
		*vlen = *wt == 1 ? 8 : 4;
		if (n - at < *vlen)
			return WIEC_ERR_DECODE;
		break;
	case 2:
		used = varint(p + at, n - at, &v);
		if (used == 0 || used > 5 || v > INT_MAX || v > n - at - used)
			return WIEC_ERR_DECODE;
		if (!minimal(p + at, used))
			*noncanon = 1;
		at += used;
		*vlen = (size_t)v;
		break;
	default:
		return WIEC_ERR_DECODE;		/* groups (3, 4), and 6, 7 */
	}
	*vp = p + at;
	*pos = at + *vlen;
	return 0;
}

/* One message of type d in p[0..n). Returns a decode error or a count over
 * its limit at once; records unknown and noncanon findings in s and goes
 * on, so that the precedence of decode.h holds whatever the byte order. */
static int scan_msg(scan_t *s, const ProtobufCMessageDescriptor *d, const uint8_t *p, size_t n,
    unsigned depth)
{
	uint32_t recs[DEC_FIELDS_MAX];		/* records per field */
	size_t elems_seen[DEC_FIELDS_MAX];
	uint32_t last = 0;
	size_t pos = 0;

	if (depth > DEC_DEPTH_MAX)
		return WIEC_ERR_DECODE;
	if (d->n_fields > DEC_FIELDS_MAX)
		return WIEC_ERR_ARG;
	/* Only the fields there are: an empty entry must cost next to nothing. */
	memset(recs, 0, d->n_fields * sizeof recs[0]);
	memset(elems_seen, 0, d->n_fields * sizeof elems_seen[0]);
	while (pos < n) {
		const ProtobufCFieldDescriptor *f;
		const uint8_t *vp;
		size_t vlen, elems, idx;
		unsigned wt;
		uint32_t num;
		int rc;

		if ((rc = wire_next(p, n, &pos, &num, &wt, &vp, &vlen, &s->noncanon)) != 0)
			return rc;
		if ((f = protobuf_c_message_descriptor_get_field(d, num)) == NULL) {
			s->unknown = 1;
			continue;
		}
		if ((rc = scan_value(s, f, wt, vp, vlen, depth, &elems)) != 0)
			return rc;
		idx = (size_t)(f - d->fields);
		if (num < last)
			s->noncanon = 1;
		last = num;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			/* Packed: one record holds them all. */
			if (wt == 2 && is_packable(f->type) && recs[idx] != 0)
				s->noncanon = 1;
			elems_seen[idx] += elems;
			/* Stop here: the rest of a hostile message costs
			 * nothing to refuse. */
			if (elems_seen[idx] > limit_of(s->o, d, num))
				return WIEC_ERR_TOO_BIG;
		} else if (recs[idx] != 0 || oneof_taken(d, f, recs)) {
			/* A field, or a oneof, given twice: protobuf-c would
			 * keep the last or merge them. Never accepted. */
			if (!s->o->canonical)
				return WIEC_ERR_DECODE;
			s->noncanon = 1;
		}
		if (recs[idx] < UINT32_MAX)
			recs[idx]++;
	}
	for (unsigned i = 0; i < d->n_fields; i++)
		if (d->fields[i].label == PROTOBUF_C_LABEL_REQUIRED && recs[i] == 0 &&
		    d->fields[i].default_value == NULL)
			return WIEC_ERR_DECODE;
	return 0;
}

int dec_scan(const ProtobufCMessageDescriptor *desc, const uint8_t *buf, size_t len,
    const dec_opts_t *opts)
{
	scan_t s = { opts, 0, 0 };
	int rc;

	if (len > opts->max_len)
		return WIEC_ERR_TOO_BIG;
	if ((rc = scan_msg(&s, desc, buf, len, 0)) != 0)
		return rc;
	if (s.unknown)
		return WIEC_ERR_UNKNOWN;
	if (opts->canonical && s.noncanon)
		return WIEC_ERR_NONCANON;
	return 0;
}

int dec_field(const uint8_t *buf, size_t len, uint32_t field, const uint8_t **v, size_t *vlen)
{
	size_t pos = 0;
	int noncanon = 0;

	*v = NULL;
	*vlen = 0;
	while (pos < len) {
		const uint8_t *vp;
		size_t n;
		unsigned wt;
		uint32_t num;
		int rc;

		if ((rc = wire_next(buf, len, &pos, &num, &wt, &vp, &n, &noncanon)) != 0)
			return rc;
		if (num == field && wt == 2) {
			*v = vp;
			*vlen = n;
			return 0;
		}
	}
	return 0;
}

/* ---- the budget allocator ---- */

/* Blocks of one message's allocations (dec_unpack_arena), newest first. */
struct dec_arena {
	struct dec_arena *next;
	size_t used, cap;		/* bytes of data */
	max_align_t data[];
};

#define ARENA_ALIGN (sizeof(max_align_t))
/* Bytes of an arena's first block: an event body takes its length and about
 * 220 bytes of structures (544 for the 330-byte bodies of bench-ingest), so
 * this fits most whole; a message of many small repeated fields takes a few
 * more blocks, each twice the last. Decoded events wait for their commit,
 * tens of thousands at a time: a block twice too big is that many pages
 * to fault in. */
#define ARENA_FIRST(len) (256 + (size_t)(len) + (size_t)(len) / 4)

typedef struct budget {
	size_t left;		/* bytes still allowed, allocations never credited back */
	int over, nomem;
	dec_arena_t **arena;	/* NULL: plain malloc */
	size_t first;		/* bytes of the arena's first block */
} budget_t;

/* size bytes from the arena's newest block, or from a new block of at least
 * twice the last one's size; NULL if out of memory. */
static void *arena_alloc(dec_arena_t **ap, size_t size, size_t first)
{
	dec_arena_t *a = *ap;
	size_t need = (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1), cap;
	void *p;

	if (a == NULL || a->cap - a->used < need) {
		cap = a == NULL ? first : 2 * a->cap;
		if (cap < need)
			cap = need;
		if ((a = malloc(sizeof *a + cap)) == NULL)
			return NULL;
		a->next = *ap;
		a->used = 0;
		a->cap = cap;
		*ap = a;
	}
	p = (char *)a->data + a->used;
	a->used += need;
	return p;
}

static void *budget_alloc(void *data, size_t size)
{
	budget_t *b = data;
	void *p;

	if (size > b->left || b->left - size < DEC_ALLOC_OVERHEAD) {
		b->over = 1;
		return NULL;
	}
	/* Plain malloc, so that the message is freed like any other; or the
	 * arena, so that it is freed at once. */
	if (b->arena != NULL)
		p = arena_alloc(b->arena, size ? size : 1, b->first);
	else
		p = malloc(size ? size : 1);
	if (p == NULL) {
		b->nomem = 1;
		return NULL;
	}
	b->left -= size + DEC_ALLOC_OVERHEAD;
	return p;
}

static void budget_free(void *data, void *p)
{
	budget_t *b = data;

	if (b->arena == NULL)
		free(p);
}

void dec_arena_free(dec_arena_t **ap)
{
	dec_arena_t *a = ap ? *ap : NULL;

	while (a != NULL) {
		dec_arena_t *next = a->next;

		free(a);
		a = next;
	}
	if (ap)
		*ap = NULL;
}

/* A ProtobufCBuffer that compares what protobuf-c packs with the input. */
typedef struct cmpbuf {
	ProtobufCBuffer base;
	const uint8_t *want;
	size_t len, at;
	int differs;
} cmpbuf_t;

static void cmp_append(ProtobufCBuffer *b, size_t n, const uint8_t *data)
{
	cmpbuf_t *c = (cmpbuf_t *)b;

	if (n == 0)
		return;		/* data may be NULL */
	if (c->differs || n > c->len - c->at || memcmp(c->want + c->at, data, n) != 0) {
		c->differs = 1;
		return;
	}
	c->at += n;
}

/* 1 if m packs to exactly buf[0..len), 0 if not. */
static int packs_to(const ProtobufCMessage *m, const uint8_t *buf, size_t len)
{
	cmpbuf_t c = { { cmp_append }, buf, len, 0, 0 };

	protobuf_c_message_pack_to_buffer(m, &c.base);
	return !c.differs && c.at == len;
}

/* dec_unpack, into *arena when arena is not NULL. */
static int unpack(ProtobufCMessage **out, dec_arena_t **arena,
    const ProtobufCMessageDescriptor *desc, const uint8_t *buf, size_t len,
    const dec_opts_t *opts)
{
	budget_t b = { opts->budget ? opts->budget : DEC_BUDGET(len), 0, 0, arena,
	    ARENA_FIRST(len) };
	ProtobufCAllocator a = { budget_alloc, budget_free, &b };
	ProtobufCMessage *m;
	int rc;

	*out = NULL;
	if ((rc = dec_scan(desc, buf, len, opts)) != 0)
		return rc;
	if ((m = protobuf_c_message_unpack(desc, &a, len, buf)) == NULL) {
		rc = b.nomem ? WIEC_ERR_NOMEM : b.over ? WIEC_ERR_TOO_BIG : WIEC_ERR_DECODE;
		goto fail;
	}
	/* The scan has ruled both out; these are the second line. */
	if (dec_has_unknown(m)) {
		rc = WIEC_ERR_UNKNOWN;
	} else if (opts->canonical && !packs_to(m, buf, len)) {
		rc = WIEC_ERR_NONCANON;
	}
	if (rc != 0) {
		if (arena == NULL)
			protobuf_c_message_free_unpacked(m, NULL);
		goto fail;
	}
	*out = m;
	return 0;
fail:
	if (arena != NULL)
		dec_arena_free(arena);
	return rc;
}

int dec_unpack(ProtobufCMessage **out, const ProtobufCMessageDescriptor *desc,
    const uint8_t *buf, size_t len, const dec_opts_t *opts)
{
	return unpack(out, NULL, desc, buf, len, opts);
}

int dec_unpack_arena(ProtobufCMessage **out, dec_arena_t **arena,
    const ProtobufCMessageDescriptor *desc, const uint8_t *buf, size_t len,
    const dec_opts_t *opts)
{
	*arena = NULL;
	return unpack(out, arena, desc, buf, len, opts);
}

int dec_has_unknown(const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	const char *base = (const char *)m;

	if (m->n_unknown_fields != 0)
		return 1;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];

		if (f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n;
			ProtobufCMessage *const *v;

			memcpy(&n, base + f->quantifier_offset, sizeof n);
			memcpy(&v, base + f->offset, sizeof v);
			for (size_t j = 0; j < n; j++)
				if (dec_has_unknown(v[j]))
					return 1;
		} else {
			const ProtobufCMessage *sub;

			/* In a oneof the union holds this member only when the
			 * case says so; otherwise it may be another member's
			 * scalar, not a pointer. */
			if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
				uint32_t which;

				memcpy(&which, base + f->quantifier_offset, sizeof which);
				if (which != f->id)
					continue;
			}
			memcpy(&sub, base + f->offset, sizeof sub);
			if (sub != NULL && dec_has_unknown(sub))
				return 1;
		}
	}
	return 0;
}
