/* fuzz_pbio.c: pb import's builder (model/pbio.c) over whatever the .pb
 * parser accepts.
 *
 * pbio_build either refuses with a NUL-terminated line and builds nothing,
 * or every envelope it builds passes ev_check for the network, the node's
 * events come first as one chain (seq 1, 2, ... each naming the one before
 * as prev), the first is the process whose id it reports, and there is one
 * ballot per voter after them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "model/pb.h"
#include "model/pbio.h"
#include "proto/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t seed[32] = { 7 }, net[HASH_BYTES] = { 1 };
	uint8_t fh[HASH_BYTES], prev[HASH_BYTES];
	key_pair_t node;
	pbio_out_t o;
	pb_t *p = NULL;
	char why[256];
	int rc;

	if (size > 1 << 16 || pb_parse(&p, (const char *)data, size, PB_MIXED_EOL, why,
	    sizeof why) != 0)
		return 0;
	if (p->nvoters > 200 || key_from_seed(&node, seed) != 0) {
		pb_free(&p);
		return 0;
	}
	hash_2(fh, data, size, NULL, 0);
	memset(why, 'x', sizeof why);
	rc = pbio_build(p, fh, net, &node, 0, NULL, 1, &o, why, sizeof why);
	if (rc != 0) {
		if (o.n != 0 || o.env != NULL || memchr(why, '\0', sizeof why) == NULL)
			abort();
		pb_free(&p);
		return 0;
	}
	if (o.n != o.node_events + p->nvoters || o.node_events != 3 + p->nproj + p->nvoters)
		abort();
	for (size_t i = 0; i < o.n; i++) {
		ev_t ev;

		if (ev_check(&ev, o.env[i], o.len[i], net) != 0)
			abort();
		if (i < o.node_events) {
			if (ev.seq != i + 1 || memcmp(ev.author, node.pk, KEY_PK_BYTES) != 0 ||
			    (i > 0 && memcmp(ev.prev, prev, HASH_BYTES) != 0))
				abort();
			if (i == 0 && (ev.kind != EV_PROCESS || memcmp(ev.id, o.process,
			    HASH_BYTES) != 0))
				abort();
			memcpy(prev, ev.id, HASH_BYTES);
		} else if (ev.kind != EV_VOTE || ev.seq != 1) {
			abort();
		}
		ev_free(&ev);
	}
	pbio_out_free(&o);
	pb_free(&p);
	return 0;
}
