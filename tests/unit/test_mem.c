/* test_mem.c: growing arrays (crypto/mem.h). */
#include <stdint.h>
#include <stdlib.h>

#include "crypto/err.h"
#include "crypto/mem.h"
#include "tests/unit/test.h"

TEST(mem_grow_keeps_contents_and_refuses_overflow)
{
	uint32_t *v = NULL, *before;
	size_t cap = 0, n;

	/* Growing one element at a time keeps what is there, capacity doubling. */
	for (n = 0; n < 10000; n++) {
		CHECK(mem_grow((void **)&v, &cap, n + 1, sizeof *v) == 0);
		CHECK(cap >= n + 1 && (cap & (cap - 1)) == 0);
		v[n] = (uint32_t)n * 2654435761u;
	}
	for (n = 0; n < 10000; n++)
		CHECK(v[n] == (uint32_t)n * 2654435761u);
	CHECK(cap == 16384);
	/* Room already there: nothing moves. */
	before = v;
	CHECK(mem_grow((void **)&v, &cap, cap, sizeof *v) == 0 && v == before && cap == 16384);
	/* A count whose bytes overflow size_t: refused before any allocation,
	 * nothing changed. */
	CHECK(mem_grow((void **)&v, &cap, SIZE_MAX / 2, sizeof *v) == WIEC_ERR_NOMEM);
	CHECK(mem_grow((void **)&v, &cap, SIZE_MAX / 4 + 1, sizeof *v) == WIEC_ERR_NOMEM);
	CHECK(v == before && cap == 16384 && v[9999] == 9999u * 2654435761u);
	free(v);
	/* A large jump grows to a power of two above it at once. */
	v = NULL;
	cap = 0;
	CHECK(mem_grow((void **)&v, &cap, 1000, sizeof *v) == 0 && cap == 1024);
	free(v);
}
