/* mem.h: growing arrays, the one way every layer does it.
 *
 *     T *v = NULL; size_t n = 0, cap = 0;
 *     if (mem_grow((void **)&v, &cap, n + 1, sizeof *v) != 0)
 *             return WIEC_ERR_NOMEM;      (v and cap unchanged)
 *     v[n++] = x;
 *
 * The caller owns the array (free(v)). */
#ifndef WIEC_MEM_H
#define WIEC_MEM_H

#include <stddef.h>

/* mem_grow's slow path: reallocates *p to the first capacity, doubling from
 * 16 (or from *cap), that holds need elements of size bytes. */
int mem_grow_slow(void **p, size_t *cap, size_t need, size_t size);

/* Makes room for need elements of size bytes in *p, whose capacity is *cap
 * elements: 0, or WIEC_ERR_NOMEM (out of memory, or need * size beyond
 * SIZE_MAX) with *p and *cap unchanged. */
static inline int mem_grow(void **p, size_t *cap, size_t need, size_t size)
{
	return need <= *cap ? 0 : mem_grow_slow(p, cap, need, size);
}

#endif
