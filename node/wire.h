/* wire.h: a peer's message as received: decode one SyncMsg and check its
 * structure (spec/sync.md, section 2) before any handler sees it, so every
 * handler works on fields of the right lengths within the bounds below. */
#ifndef WIEC_WIRE_H
#define WIEC_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "proto/wiec.pb-c.h"

#define SYNC_MSG_MAX (4 << 20)		/* ZMQ_MAXMSGSIZE of every peer socket */
#define SYNC_EVENTS_MAX 16384		/* envelopes in one Events message */
#define SYNC_WANT_MAX 512		/* ranges in one Want */
#define SYNC_HAVE_IDS 32		/* have ids in one Want range */
#define SYNC_HAVE_MAX 4096		/* heads in one Have */

/* Decodes buf[0..len) (untrusted). On success *out is the message (free
 * with wiec__sync_msg__free_unpacked) and every rule of spec/sync.md
 * section 2 holds: one member set; Hello: 32-byte network and node; Recon:
 * session != 0, data not empty; Want: id != 0, 1..SYNC_WANT_MAX ranges of a
 * 32-byte author and from >= 1; Events: at most SYNC_EVENTS_MAX envelopes
 * of 1..EV_ENV_MAX bytes; Have: 1..SYNC_HAVE_MAX heads of a 32-byte author
 * and seq >= 1. Errors (nothing to free): WIEC_ERR_TOO_BIG,
 * WIEC_ERR_DECODE, WIEC_ERR_UNKNOWN (unknown fields anywhere),
 * WIEC_ERR_PROTO (a rule above). */
int wire_decode(Wiec__SyncMsg **out, const uint8_t *buf, size_t len);

#endif
