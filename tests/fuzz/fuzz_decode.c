/* fuzz_decode.c: the decoder of untrusted messages (proto/decode.h) against
 * protobuf-c's own unpack. The first input byte picks the message type
 * (Envelope, Body, Genesis, GenesisBody, Founder: canonical; SyncMsg: not),
 * the rest is the message. Aborts when
 *  - a canonical type: the scanner and "protobuf-c unpacks it, no unknown
 *    fields, re-encoding gives the input" disagree on acceptance;
 *  - SyncMsg: the scanner accepts what protobuf-c refuses;
 *  - dec_unpack disagrees with dec_scan, or returns an error not in its list. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "proto/decode.h"
#include "proto/wiec.pb-c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int old_accepts(const ProtobufCMessageDescriptor *d, const uint8_t *p, size_t n,
    int canonical)
{
	ProtobufCMessage *m = protobuf_c_message_unpack(d, NULL, n, p);
	int ok;

	if (m == NULL)
		return 0;
	ok = !dec_has_unknown(m);
	if (ok && canonical) {
		uint8_t *out = malloc(n + 1);

		if (out == NULL)
			abort();
		ok = protobuf_c_message_get_packed_size(m) == n &&
		    protobuf_c_message_pack(m, out) == n && memcmp(out, p, n) == 0;
		free(out);
	}
	protobuf_c_message_free_unpacked(m, NULL);
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const ProtobufCMessageDescriptor *const types[] = {
		&wiec__envelope__descriptor, &wiec__body__descriptor, &wiec__genesis__descriptor,
		&wiec__genesis_body__descriptor, &wiec__founder__descriptor,
		&wiec__sync_msg__descriptor,
	};
	const size_t ntypes = sizeof types / sizeof types[0];
	const ProtobufCMessageDescriptor *d;
	ProtobufCMessage *m;
	dec_opts_t o = { 1 << 20, 1, NULL, 0, 0 };
	int scan, rc, old;

	if (size == 0)
		return 0;
	d = types[data[0] % ntypes];
	o.canonical = d != &wiec__sync_msg__descriptor;
	data++;
	size--;
	scan = dec_scan(d, data, size, &o);
	if (scan != 0 && scan != WIEC_ERR_DECODE && scan != WIEC_ERR_TOO_BIG &&
	    scan != WIEC_ERR_UNKNOWN && scan != WIEC_ERR_NONCANON)
		abort();
	old = old_accepts(d, data, size, o.canonical);
	if (o.canonical ? (scan == 0) != old : scan == 0 && !old)
		abort();
	rc = dec_unpack(&m, d, data, size, &o);
	if ((rc == 0) != (m != NULL) || (scan != 0 && rc != scan) ||
	    (scan == 0 && rc != 0 && rc != WIEC_ERR_TOO_BIG && rc != WIEC_ERR_NOMEM))
		abort();
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	return 0;
}
