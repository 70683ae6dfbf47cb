/* fuzz_frame.c: an export file as `wiec import` reads it: the magic, then
 * length-prefixed records until a clean end or an error. As in the import,
 * the first record must be a complete genesis and every later one an
 * envelope of its network; records are decoded and checked here too. */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "proto/event.h"
#include "proto/frame.h"
#include "proto/genesis.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void init_once(void)
{
	static int ready;

	if (!ready) {
		if (sodium_init() < 0)
			abort();
		ready = 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[FRAME_MAX];
	uint8_t network[HASH_BYTES];
	size_t len, records = 0, consumed = FRAME_MAGIC_BYTES;
	genesis_t g;
	FILE *f;
	ev_t ev;
	int rc;

	init_once();
	if (size == 0)
		return 0;	/* fmemopen refuses an empty buffer on some libcs */
	if ((f = fmemopen((void *)data, size, "rb")) == NULL)
		return 0;
	if (frame_read_magic(f) != 0)
		goto out;
	while ((rc = frame_read(f, buf, &len)) == 0) {
		if (len == 0 || len > FRAME_MAX)
			abort();
		consumed += 4 + len;
		if (records++ == 0) {
			if (genesis_decode(&g, buf, len, 1) == 0) {
				memcpy(network, g.network, HASH_BYTES);
				genesis_free(&g);
			} else {
				memset(network, 0, sizeof network);
			}
		} else if (ev_check(&ev, buf, len, network) == 0) {
			ev_free(&ev);
		}
	}
	if (rc != 1 && rc != WIEC_ERR_DECODE)
		abort();
	/* A clean end means every byte was a whole record. */
	if (rc == 1 && consumed != size)
		abort();
out:
	fclose(f);
	return 0;
}
