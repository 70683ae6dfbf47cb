/* test_repeats.c: later copies of a key in a list (node/repeats.h). */
#include <stdint.h>
#include <string.h>

#include "node/repeats.h"
#include "tests/unit/test.h"

/* Exactly the later copies are marked, whatever the order of the list, and
 * marks set before stay set. */
TEST(repeats_mark_only_later_copies)
{
	uint8_t k[4][REPEATS_KEY_BYTES], mark[7];
	const uint8_t *keys[7];
	static const int which[7] = { 2, 0, 2, 1, 0, 3, 2 };
	static const uint8_t want[7] = { 0, 0, 1, 0, 1, 1, 1 };

	for (int i = 0; i < 4; i++)
		memset(k[i], 0x11 * i, sizeof k[i]);
	k[3][REPEATS_KEY_BYTES - 1] ^= 1;	/* differs from k[3]'s pattern in the last byte only */
	memset(k[1], 0, sizeof k[1]);
	k[1][REPEATS_KEY_BYTES - 1] = 1;	/* and k[1] from k[0] in the last byte only */
	for (int i = 0; i < 7; i++)
		keys[i] = k[which[i]];
	memset(mark, 0, sizeof mark);
	mark[5] = 1;	/* set by the caller for another reason */
	CHECK(repeats_mark(keys, 7, mark) == 0);
	for (int i = 0; i < 7; i++)
		CHECK(mark[i] == want[i]);
	/* Nothing to mark in lists of 0 and 1, and a list of distinct keys. */
	memset(mark, 0, sizeof mark);
	CHECK(repeats_mark(keys, 0, mark) == 0);
	CHECK(repeats_mark(keys, 1, mark) == 0);
	keys[0] = k[0], keys[1] = k[1], keys[2] = k[2], keys[3] = k[3];
	CHECK(repeats_mark(keys, 4, mark) == 0);
	for (int i = 0; i < 7; i++)
		CHECK(mark[i] == 0);
}
