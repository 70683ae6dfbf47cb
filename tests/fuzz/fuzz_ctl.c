/* fuzz_ctl.c: a control-socket message as received, by the node
 * (ctl_request_decode) and by the CLI (ctl_reply_decode). Whatever the
 * bytes: no crash, no leak, only the documented errors; an accepted message
 * has a member set, its version is the one ctl_peek_version reads, and it
 * survives re-encoding (pack, then decode again, same member). */
#include <stdint.h>
#include <stdlib.h>

#include "crypto/err.h"
#include "node/ctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int known_error(int rc)
{
	return rc == WIEC_ERR_TOO_BIG || rc == WIEC_ERR_DECODE || rc == WIEC_ERR_UNKNOWN ||
	    rc == WIEC_ERR_PROTO || rc == WIEC_ERR_NOMEM;
}

static void request(const uint8_t *data, size_t size)
{
	Wiec__CtlRequest *m = NULL, *again = NULL;
	uint32_t v, v2;
	uint8_t *buf;
	size_t len;
	int rc = ctl_request_decode(&m, &v, data, size);

	if (v != ctl_peek_version(data, size))
		abort();
	if (rc != 0) {
		if (m != NULL || !known_error(rc) || (v != CTL_VERSION && rc != WIEC_ERR_PROTO))
			abort();
		return;
	}
	if (v != CTL_VERSION || m->req_case == WIEC__CTL_REQUEST__REQ__NOT_SET)
		abort();
	if (ctl_pack(&m->base, &buf, &len) != 0 || ctl_request_decode(&again, &v2, buf, len) != 0 ||
	    again->req_case != m->req_case)
		abort();
	wiec__ctl_request__free_unpacked(again, NULL);
	wiec__ctl_request__free_unpacked(m, NULL);
	free(buf);
}

static void reply(const uint8_t *data, size_t size)
{
	Wiec__CtlReply *m = NULL, *again = NULL;
	uint32_t v, v2;
	uint8_t *buf;
	size_t len;
	int rc = ctl_reply_decode(&m, &v, data, size);

	if (v != ctl_peek_version(data, size))
		abort();
	if (rc != 0) {
		if (m != NULL || !known_error(rc) || (v != CTL_VERSION && rc != WIEC_ERR_PROTO))
			abort();
		return;
	}
	if (v != CTL_VERSION || m->reply_case == WIEC__CTL_REPLY__REPLY__NOT_SET)
		abort();
	if (ctl_pack(&m->base, &buf, &len) != 0 || ctl_reply_decode(&again, &v2, buf, len) != 0 ||
	    again->reply_case != m->reply_case)
		abort();
	wiec__ctl_reply__free_unpacked(again, NULL);
	wiec__ctl_reply__free_unpacked(m, NULL);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	request(data, size);
	reply(data, size);
	return 0;
}
