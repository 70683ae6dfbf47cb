/* mem.c: growing arrays (mem.h). */
#include <stdint.h>
#include <stdlib.h>

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
