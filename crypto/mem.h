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

/* Sets the C library's heap policy for a process that ingests: blocks below
 * MEM_MMAP_MIN come from the heap, and up to MEM_KEEP bytes freed at its top
 * stay mapped for the next allocations. An ingest frees and allocates again
 * about a hundred megabytes per write transaction (decoded events, LMDB's
 * dirty pages, sort and index buffers); with glibc's defaults, blocks past
 * 128 KiB are mapped and unmapped each time and the freed top is given back,
 * so every page is faulted in again (about 10 us a page on the virtual
 * machines we run on: 0.1-0.2 s per 200,000 events). The price: a process's
 * resident size does not fall below its peak by more than MEM_KEEP. Call
 * once, first thing in main; a no-op where the C library is not glibc. */
#define MEM_MMAP_MIN (32u << 20)
#define MEM_KEEP (256u << 20)
void mem_tune_heap(void);

#endif
