/* repeats.h: which keys of a list repeat an earlier one, for the sync
 * handlers that must do a key's work once per message however often a
 * peer names it: serve.c answers an author once per Want (copies of one
 * range on a forked chain once cost seconds of walking), sync.c checks an
 * envelope once per Events (copies once cost a signature check each).
 * O(n log n) whatever the keys: a stable order by (key, position). */
#ifndef WIEC_REPEATS_H
#define WIEC_REPEATS_H

#include <stddef.h>
#include <stdint.h>

#define REPEATS_KEY_BYTES 32	/* author keys and event ids alike */

/* Sets mark[i] = 1 for every i whose key keys[i] (REPEATS_KEY_BYTES bytes)
 * equals keys[j] for some j < i, and leaves the other marks as they were
 * (so marks the caller set for other reasons stay). keys[i] are the
 * caller's and only read. 0, or WIEC_ERR_NOMEM (then mark is unchanged). */
int repeats_mark(const uint8_t *const *keys, size_t n, uint8_t *mark);

#endif
