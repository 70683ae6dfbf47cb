/* ctlraw: a hand-made client of a node's control socket, for
 * tests/cli/net_ctl.sh (spec/sync.md section 6). Sends one request the
 * node must refuse or answer, and prints its reply as one line:
 *
 *   tool-ctlraw DIR ACT
 *
 * Acts: status (a valid status request), v2 (version 2), noversion,
 * garbage (bytes that are no protobuf), unknown (an unknown field),
 * empty-env (a submit of one empty envelope), multi (two frames), legacy
 * (["status"], as a wiec of protocol 0 sends it).
 * Replies print as "version V only", "version V error CODE TEXT",
 * "version V status N peers", "version V results N" or, for a reply of
 * several frames, "frames: F1 | F2". Exit 0 if a reply came, 1 if not,
 * 2 on a bad command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "node/ctl.h"

int main(int argc, char **argv);

static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	do {
		p[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	return n;
}

/* The request of act into buf; its length, 0 for an unknown act. */
static size_t build(const char *act, uint8_t *buf)
{
	size_t n = 0;

	if (strcmp(act, "legacy") == 0) {
		memcpy(buf, "status", 6);
		return 6;
	}
	if (strcmp(act, "garbage") == 0) {
		memcpy(buf, "\x08\x01\xff\xff\xff", 5);
		return 5;
	}
	if (strcmp(act, "noversion") != 0) {
		buf[n++] = 0x08;
		n += put_varint(buf + n, strcmp(act, "v2") == 0 ? 2 : CTL_VERSION);
	}
	if (strcmp(act, "empty-env") == 0) {
		memcpy(buf + n, "\x12\x02\x0a\x00", 4);	/* submit { envelopes: "" } */
		return n + 4;
	}
	memcpy(buf + n, "\x22\x00", 2);			/* status {} */
	n += 2;
	if (strcmp(act, "unknown") == 0) {
		memcpy(buf + n, "\x48\x01", 2);		/* field 9 = 1 */
		n += 2;
	} else if (strcmp(act, "status") != 0 && strcmp(act, "v2") != 0 &&
	    strcmp(act, "noversion") != 0 && strcmp(act, "multi") != 0) {
		return 0;
	}
	return n;
}

static void print_reply(zmq_msg_t *m)
{
	Wiec__CtlReply *r;
	uint32_t v;

	if (ctl_reply_decode(&r, &v, zmq_msg_data(m), zmq_msg_size(m)) != 0) {
		/* Field 1 alone: the answer to a request of another version. */
		if (zmq_msg_size(m) == 2 && ((const uint8_t *)zmq_msg_data(m))[0] == 0x08)
			printf("version %u only\n", (unsigned)v);
		else
			printf("undecodable reply of version %u\n", (unsigned)v);
		return;
	}
	switch (r->reply_case) {
	case WIEC__CTL_REPLY__REPLY_ERROR:
		printf("version %u error %d %s\n", (unsigned)v, (int)r->error->code, r->error->text);
		break;
	case WIEC__CTL_REPLY__REPLY_STATUS:
		printf("version %u status %zu peers\n", (unsigned)v, r->status->n_peers);
		break;
	default:
		printf("version %u results %zu\n", (unsigned)v, r->results->n_outcomes);
	}
	wiec__ctl_reply__free_unpacked(r, NULL);
}

int main(int argc, char **argv)
{
	char ep[4200];
	uint8_t req[64];
	size_t len;
	void *ctx, *s;
	int timeout = 10000, zero = 0, rc = 1, frames = 0;
	zmq_msg_t m;

	if (argc != 3 || (len = build(argv[2], req)) == 0 || ctl_endpoint(ep, sizeof ep, argv[1]) != 0) {
		fprintf(stderr, "usage: tool-ctlraw DIR status|v2|noversion|garbage|unknown|"
		    "empty-env|multi|legacy\n");
		return 2;
	}
	if ((ctx = zmq_ctx_new()) == NULL || (s = zmq_socket(ctx, ZMQ_DEALER)) == NULL ||
	    zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof timeout) != 0 ||
	    zmq_setsockopt(s, ZMQ_SNDTIMEO, &timeout, sizeof timeout) != 0 ||
	    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero) != 0 || zmq_connect(s, ep) != 0)
		return 1;
	if (strcmp(argv[2], "multi") == 0 && zmq_send(s, req, len, ZMQ_SNDMORE) < 0)
		return 1;
	if (zmq_send(s, req, len, 0) < 0)
		return 1;
	zmq_msg_init(&m);
	while (zmq_msg_recv(&m, s, 0) >= 0) {
		int more = zmq_msg_more(&m);

		frames++;
		if (frames == 1 && !more) {
			print_reply(&m);
			rc = 0;
			break;
		}
		printf("%s%.*s", frames == 1 ? "frames: " : " | ", (int)zmq_msg_size(&m),
		    (const char *)zmq_msg_data(&m));
		if (!more) {
			printf("\n");
			rc = 0;
			break;
		}
	}
	zmq_msg_close(&m);
	zmq_close(s);
	zmq_ctx_term(ctx);
	return rc;
}
