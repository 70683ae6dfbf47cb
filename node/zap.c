/* zap.c: the ZAP handler (RFC 27): only current members' transport keys
 * may connect (the links follow the roster, link_follow_roster), and
 * without an answer from here nobody does (fail closed). */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "node/node_int.h"

#define ZAP_LOG_MS 10000

/* One line for the first refusal, then at most one per ZAP_LOG_MS that
 * counts the others: a refused handshake costs its sender next to nothing,
 * and must not cost us a log line each. */
static void refused(node_t *n, const char *addr, const char *key)
{
	uint64_t now = node_now_ms();

	if (n->zap_logged_at != 0 && now - n->zap_logged_at < ZAP_LOG_MS) {
		n->zap_refused++;
		snprintf(n->zap_last, sizeof n->zap_last, "%s", addr);
		return;
	}
	zap_tick(n);
	node_log(n, 'W', "refused a connection from %s: transport key %.16s... is not a member's",
	    addr, key);
	n->zap_logged_at = now;
}

void zap_tick(node_t *n)
{
	uint64_t now = node_now_ms();

	if (n->zap_refused == 0)
		return;
	if (now - n->zap_logged_at < ZAP_LOG_MS && !n->stop)
		return;
	node_log(n, 'W', "refused %llu more connections whose transport keys are not members' "
	    "in %llu s; the last from %s", (unsigned long long)n->zap_refused,
	    (unsigned long long)(now - n->zap_logged_at + 999) / 1000, n->zap_last);
	n->zap_refused = 0;
	n->zap_logged_at = now;
}

void zap_serve(node_t *n)
{
	zmq_msg_t f[7];
	int nf = 0, more = 1;
	const char *status = "400", *text = "not a member";
	char user[HASH_HEX_BYTES] = "";
	link_t *who = NULL;

	while (more && nf < 7) {
		zmq_msg_init(&f[nf]);
		if (zmq_msg_recv(&f[nf], n->zap, 0) < 0) {
			zmq_msg_close(&f[nf]);
			goto out;
		}
		more = zmq_msg_more(&f[nf++]);
	}
	while (more) {
		zmq_msg_t x;

		zmq_msg_init(&x);
		if (zmq_msg_recv(&x, n->zap, 0) < 0)
			more = 0;
		else
			more = zmq_msg_more(&x);
		zmq_msg_close(&x);
	}
	if (nf < 2)
		goto out;
	if (nf == 7 && node_frame_is(&f[0], "1.0") && node_frame_is(&f[2], "wiec") &&
	    node_frame_is(&f[5], "CURVE") && zmq_msg_size(&f[6]) == KEY_X_BYTES) {
		for (size_t i = 0; i < n->nlinks; i++)
			if (!n->links[i].gone && sodium_memcmp(n->links[i].transport, zmq_msg_data(&f[6]), KEY_X_BYTES) == 0)
				who = &n->links[i];
	}
	if (who != NULL) {
		status = "200";
		text = "OK";
		hash_hex(user, who->key, KEY_PK_BYTES);
	} else {
		char key[HASH_HEX_BYTES] = "?", addr[64] = "?";

		if (nf == 7 && zmq_msg_size(&f[6]) == KEY_X_BYTES)
			hash_hex(key, zmq_msg_data(&f[6]), KEY_X_BYTES);
		if (nf >= 4)
			snprintf(addr, sizeof addr, "%.*s", (int)(zmq_msg_size(&f[3]) < 60 ?
			    zmq_msg_size(&f[3]) : 60), (const char *)zmq_msg_data(&f[3]));
		refused(n, addr, key);
	}
	if (zmq_send(n->zap, "1.0", 3, ZMQ_SNDMORE) < 0 ||
	    zmq_send(n->zap, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), ZMQ_SNDMORE) < 0 ||
	    zmq_send(n->zap, status, 3, ZMQ_SNDMORE) < 0 ||
	    zmq_send(n->zap, text, strlen(text), ZMQ_SNDMORE) < 0 ||
	    zmq_send(n->zap, user, strlen(user), ZMQ_SNDMORE) < 0 ||
	    zmq_send(n->zap, "", 0, 0) < 0)
		node_log(n, 'E', "cannot answer a ZAP request: %s", zmq_strerror(zmq_errno()));
out:
	for (int i = 0; i < nf; i++)
		zmq_msg_close(&f[i]);
}

