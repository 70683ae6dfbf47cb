/* recon_wire.h: the byte level of reconciliation messages (spec/recon.md,
 * "Wire"): a growable writer that records running out of memory once, a
 * bounded reader, LEB128 varints without overlong forms, and bounds
 * encoded against the previous one. Used by the session files
 * (node/recon_session.c, node/recon_resp.c) only;
 * inline, as each record of a message goes through them. */
#ifndef WIEC_NODE_RECON_WIRE_H
#define WIEC_NODE_RECON_WIRE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "crypto/mem.h"
#include "node/recon_int.h"

typedef struct wbuf {
	uint8_t *p;
	size_t len, cap;
	int oom;
} wbuf_t;

static inline void wb_put(wbuf_t *w, const void *src, size_t n)
{
	if (w->oom || mem_grow((void **)&w->p, &w->cap, w->len + n, 1) != 0) {
		w->oom = 1;
		return;
	}
	memcpy(w->p + w->len, src, n);
	w->len += n;
}

static inline void wb_byte(wbuf_t *w, uint8_t b)
{
	wb_put(w, &b, 1);
}

static inline size_t varint_len(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static inline void wb_varint(wbuf_t *w, uint64_t v)
{
	uint8_t b[10];
	size_t n = 0;

	while (v >= 0x80) {
		b[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b[n++] = (uint8_t)v;
	wb_put(w, b, n);
}

typedef struct rbuf {
	const uint8_t *p;
	size_t len, off;
} rbuf_t;

/* Unsigned LEB128, at most 10 bytes, no overlong forms. */
static inline int rb_varint(rbuf_t *r, uint64_t *v)
{
	uint64_t x = 0;

	for (int i = 0; i < 10; i++) {
		uint8_t b;
		if (r->off >= r->len)
			return -1;
		b = r->p[r->off++];
		if (i == 9 && b > 1)
			return -1;
		x |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			if (i > 0 && b == 0)
				return -1;
			*v = x;
			return 0;
		}
	}
	return -1;
}

static inline const uint8_t *rb_take(rbuf_t *r, size_t n)
{
	const uint8_t *q;

	if (r->len - r->off < n)
		return NULL;
	q = r->p + r->off;
	r->off += n;
	return q;
}

/* Bound encoding: varint 0 for infinity; else 1 + shared*33 + n followed by
 * n bytes, where the bound is prev[0..shared) || bytes || zeros. */
static inline void wb_bound(wbuf_t *w, const bound_t *prev, const bound_t *b)
{
	size_t len = 32, sh = 0;

	if (b->inf) {
		wb_byte(w, 0);
		return;
	}
	while (len > 0 && b->k[len - 1] == 0)
		len--;
	while (sh < len && prev->k[sh] == b->k[sh])
		sh++;
	wb_varint(w, 1 + sh * 33 + (len - sh));
	wb_put(w, b->k + sh, len - sh);
}

static inline int rb_bound(rbuf_t *r, const bound_t *prev, bound_t *b)
{
	uint64_t v, sh, n;
	const uint8_t *q;

	if (rb_varint(r, &v) != 0)
		return -1;
	memset(b, 0, sizeof *b);
	if (v == 0) {
		b->inf = 1;
		return 0;
	}
	v--;
	sh = v / 33;
	n = v % 33;
	if (sh + n > 32 || (q = rb_take(r, (size_t)n)) == NULL)
		return -1;
	memcpy(b->k, prev->k, (size_t)sh);
	memcpy(b->k + sh, q, (size_t)n);
	return 0;
}

/* One record header after *prev: its upper bound hi, above *prev (which
 * must not be +infinity), then its mode byte. 0, or -1 if the message ends
 * or the bounds do not rise. */
static inline int rb_record(rbuf_t *r, const bound_t *prev, bound_t *hi, int *mode)
{
	const uint8_t *q;

	if (prev->inf || rb_bound(r, prev, hi) != 0 || bound_cmp(hi, prev) <= 0 ||
	    (q = rb_take(r, 1)) == NULL)
		return -1;
	*mode = q[0];
	return 0;
}

/* The shortest bound b with lo < b <= hi (lo < hi): a prefix of hi. */
static inline void bound_between(const uint8_t *lo, const uint8_t *hi, bound_t *b)
{
	size_t l = 0;

	while (l < 32 && lo[l] == hi[l])
		l++;
	memset(b, 0, sizeof *b);
	memcpy(b->k, hi, l < 32 ? l + 1 : 32);
}

#endif
