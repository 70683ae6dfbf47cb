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

/* Decodes buf[0..len) (untrusted) through proto/decode.h: nothing is
 * allocated before the element counts are known to be within the limits
 * above, and protobuf-c gets at most DEC_BUDGET(len) bytes. On success *out
 * is the message (free with wiec__sync_msg__free_unpacked(m, NULL)) and
 * every rule of spec/sync.md section 2 holds: one member set; Hello: 32-byte
 * network and node; Recon: session != 0, data not empty; Want: id != 0,
 * 1..SYNC_WANT_MAX ranges of a 32-byte author, from >= 1, at most
 * SYNC_HAVE_IDS 32-byte have ids, after_id empty or 32 bytes and given
 * exactly when after_seq is; Events: at most SYNC_EVENTS_MAX envelopes of
 * 1..EV_ENV_MAX bytes, at most SYNC_WANT_MAX 32-byte unknown authors and
 * only in an answer (want != 0); Have: 1..SYNC_HAVE_MAX heads of a 32-byte
 * author and seq >= 1. Errors (nothing to free), first that applies:
 * WIEC_ERR_TOO_BIG (over SYNC_MSG_MAX), WIEC_ERR_DECODE (not a SyncMsg; a
 * field or oneof given twice) or WIEC_ERR_TOO_BIG (a repeated field over
 * its limit above), WIEC_ERR_UNKNOWN (unknown fields anywhere),
 * WIEC_ERR_TOO_BIG (over the allocation budget), WIEC_ERR_PROTO (a rule
 * above), WIEC_ERR_NOMEM. */
int wire_decode(Wiec__SyncMsg **out, const uint8_t *buf, size_t len);

#endif
