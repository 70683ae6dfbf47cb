/* repeats.c: later copies of a key in a list (see repeats.h). */
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/repeats.h"

typedef struct ref {
	const uint8_t *key;
	size_t i;
} ref_t;

/* By key, then by position: the first copy of a key sorts first. */
static int ref_cmp(const void *a, const void *b)
{
	const ref_t *x = a, *y = b;
	int c = memcmp(x->key, y->key, REPEATS_KEY_BYTES);

	return c ? c : x->i < y->i ? -1 : x->i > y->i;
}

int repeats_mark(const uint8_t *const *keys, size_t n, uint8_t *mark)
{
	ref_t *r;

	if (n < 2)
		return 0;
	if ((r = malloc(n * sizeof *r)) == NULL)
		return WIEC_ERR_NOMEM;
	for (size_t i = 0; i < n; i++)
		r[i] = (ref_t){ keys[i], i };
	qsort(r, n, sizeof *r, ref_cmp);
	for (size_t j = 1; j < n; j++)
		if (memcmp(r[j].key, r[j - 1].key, REPEATS_KEY_BYTES) == 0)
			mark[r[j].i] = 1;
	free(r);
	return 0;
}
