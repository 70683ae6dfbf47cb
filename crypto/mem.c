/* mem.c: growing arrays (mem.h). */
#include <stdint.h>
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "crypto/err.h"
#include "crypto/mem.h"

int mem_grow_slow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return 0;
	if (size == 0 || need > SIZE_MAX / size)
		return WIEC_ERR_NOMEM;
	while (n < need)
		n = n > SIZE_MAX / 2 / size ? need : 2 * n;
	if ((q = realloc(*p, n * size)) == NULL)
		return WIEC_ERR_NOMEM;
	*p = q;
	*cap = n;
	return 0;
}

void mem_tune_heap(void)
{
#ifdef __GLIBC__
	/* Failures leave glibc's defaults: slower, never wrong. */
	(void)mallopt(M_MMAP_THRESHOLD, MEM_MMAP_MIN);
	(void)mallopt(M_TRIM_THRESHOLD, MEM_KEEP);
#endif
}
