/* test_link.c: the node's peer sockets (node/link.c). */
#include <errno.h>
#include <sodium.h>
#include <string.h>
#include <zmq.h>

#include "node/node_int.h"
#include "tests/unit/test.h"

/* The first handshake outcome the monitor of a CURVE server reports:
 * 1 succeeded, 0 failed, -1 nothing within 10 s. */
static int handshake_outcome(void *mon)
{
	zmq_pollitem_t it = { mon, 0, ZMQ_POLLIN, 0 };

	while (zmq_poll(&it, 1, 10000) == 1) {
		zmq_msg_t m;
		uint16_t ev;
		int more;

		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, mon, 0) < 0)
			return -1;
		memcpy(&ev, zmq_msg_data(&m), sizeof ev);
		more = zmq_msg_more(&m);
		zmq_msg_close(&m);
		if (more) {
			zmq_msg_init(&m);
			zmq_msg_recv(&m, mon, 0);
			zmq_msg_close(&m);
		}
		if (ev == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
			return 1;
		if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL ||
		    ev == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL || ev == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
			return 0;
	}
	return -1;
}

/* Without a ZAP handler in the context, the peer socket must refuse every
 * CURVE client: ZMQ_ZAP_ENFORCE_DOMAIN has to be set before zmq_bind. */
TEST(link_listen_refuses_without_zap)
{
	uint8_t spk[32], ssk[32], cpk[32], csk[32];
	char ep[256];
	size_t eplen = sizeof ep;
	void *ctx = zmq_ctx_new(), *router, *mon, *client;
	int enforced = 0, outcome, zero = 0;

	CHECK(ctx != NULL);
	crypto_box_keypair(spk, ssk);
	crypto_box_keypair(cpk, csk);
	router = link_listen(ctx, "tcp://127.0.0.1:*", ssk, &enforced);
	CHECK(router != NULL);
	CHECK(enforced);
	CHECK(zmq_getsockopt(router, ZMQ_LAST_ENDPOINT, ep, &eplen) == 0);
	CHECK(zmq_socket_monitor(router, "inproc://test-link-mon", ZMQ_EVENT_ALL) == 0);
	mon = zmq_socket(ctx, ZMQ_PAIR);
	CHECK(mon != NULL && zmq_connect(mon, "inproc://test-link-mon") == 0);
	client = zmq_socket(ctx, ZMQ_DEALER);
	CHECK(client != NULL);
	CHECK(zmq_setsockopt(client, ZMQ_CURVE_SERVERKEY, spk, 32) == 0);
	CHECK(zmq_setsockopt(client, ZMQ_CURVE_PUBLICKEY, cpk, 32) == 0);
	CHECK(zmq_setsockopt(client, ZMQ_CURVE_SECRETKEY, csk, 32) == 0);
	CHECK(zmq_setsockopt(client, ZMQ_LINGER, &zero, sizeof zero) == 0);
	CHECK(zmq_connect(client, ep) == 0);
	outcome = handshake_outcome(mon);
	zmq_close(client);
	zmq_socket_monitor(router, NULL, 0);
	zmq_close(mon);
	zmq_close(router);
	zmq_ctx_term(ctx);
	CHECK(outcome == 0);
}
