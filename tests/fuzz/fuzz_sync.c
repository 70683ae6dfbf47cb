/* fuzz_sync.c: a peer's sync message as received (wire_decode). Whatever
 * the bytes: no crash, no leak; an accepted message has a member set and
 * survives re-encoding (pack, then decode again, same kind). */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>

#include "crypto/err.h"
#include "node/wire.h"

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
	Wiec__SyncMsg *m = NULL, *again = NULL;
	uint8_t *buf;
	size_t len;
	int rc;

	init_once();
	rc = wire_decode(&m, data, size);
	if (rc != 0) {
		if (m != NULL || (rc != WIEC_ERR_TOO_BIG && rc != WIEC_ERR_DECODE &&
		    rc != WIEC_ERR_UNKNOWN && rc != WIEC_ERR_PROTO && rc != WIEC_ERR_NOMEM))
			abort();
		return 0;
	}
	if (m->msg_case == WIEC__SYNC_MSG__MSG__NOT_SET)
		abort();
	len = wiec__sync_msg__get_packed_size(m);
	if ((buf = malloc(len ? len : 1)) == NULL)
		abort();
	wiec__sync_msg__pack(m, buf);
	if (wire_decode(&again, buf, len) != 0 || again->msg_case != m->msg_case)
		abort();
	wiec__sync_msg__free_unpacked(again, NULL);
	wiec__sync_msg__free_unpacked(m, NULL);
	free(buf);
	return 0;
}
