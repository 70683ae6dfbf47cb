/* pbwrite.h: a tiny protobuf writer for tests, for bytes protobuf-c would
 * not write (duplicate fields, explicit defaults, hostile counts). Aborts
 * on out of memory; the caller frees b->p. */
#ifndef WIEC_TEST_PBWRITE_H
#define WIEC_TEST_PBWRITE_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct wbuf {
	uint8_t *p;
	size_t n, cap;
} wbuf_t;

static inline void w_raw(wbuf_t *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		size_t cap = (b->n + n) * 2 + 64;

		if ((b->p = realloc(b->p, cap)) == NULL)
			abort();
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->n, p, n);
	b->n += n;
}

static inline void w_varint(wbuf_t *b, uint64_t v)
{
	do {
		uint8_t c = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));

		w_raw(b, &c, 1);
		v >>= 7;
	} while (v);
}

static inline void w_tag(wbuf_t *b, unsigned field, unsigned wt)
{
	w_varint(b, (uint64_t)field << 3 | wt);
}

static inline void w_bytes(wbuf_t *b, unsigned field, const void *p, size_t n)
{
	w_tag(b, field, 2);
	w_varint(b, n);
	w_raw(b, p, n);
}

static inline void w_u64(wbuf_t *b, unsigned field, uint64_t v)
{
	w_tag(b, field, 0);
	w_varint(b, v);
}

#endif
