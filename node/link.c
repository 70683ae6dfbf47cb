/* link.c: the links to the other founders' nodes: sockets and their
 * options, dialling, sends and receives, hang-up, the peers file, and the
 * per-link accounting of misbehaviour and rate. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "crypto/err.h"
#include "node/node_int.h"

/* ---- sending ---- */

static int send_raw(node_t *n, link_t *l, int via, const uint8_t *buf, size_t len)
{
	int rc;

	if (via == VIA_DEALER) {
		rc = l->dealer ? zmq_send(l->dealer, buf, len, ZMQ_DONTWAIT) : -1;
	} else {
		rc = -1;
		if (l->rid_len && zmq_send(n->router, l->rid, l->rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0)
			rc = zmq_send(n->router, buf, len, ZMQ_DONTWAIT);
	}
	if (rc < 0) {
		/* A full queue or a vanished peer: pushes are hints, pulls repair. */
		l->dropped++;
		return -1;
	}
	l->bytes_out += len;
	return 0;
}


void link_hello(node_t *n, link_t *l, int via)
{
	Wiec__SyncMsg m = WIEC__SYNC_MSG__INIT;
	Wiec__Hello h = WIEC__HELLO__INIT;

	h.network.data = n->network;
	h.network.len = HASH_BYTES;
	h.node.data = n->kp.pk;
	h.node.len = KEY_PK_BYTES;
	h.version = 1;
	m.msg_case = WIEC__SYNC_MSG__MSG_HELLO;
	m.hello = &h;
	l->hello_sent[via] = 1;
	link_send(n, l, via, &m);
}

int link_send(node_t *n, link_t *l, int via, const Wiec__SyncMsg *m)
{
	uint8_t stackbuf[1024], *buf = stackbuf;
	size_t len = wiec__sync_msg__get_packed_size(m);
	int rc;

	if (!l->hello_sent[via] && m->msg_case != WIEC__SYNC_MSG__MSG_HELLO)
		link_hello(n, l, via);
	if (len > SYNC_MSG_MAX)
		return -1;
	if (len > sizeof stackbuf && (buf = malloc(len)) == NULL)
		return -1;
	wiec__sync_msg__pack(m, buf);
	rc = send_raw(n, l, via, buf, len);
	if (buf != stackbuf)
		free(buf);
	return rc;
}

/* The connection to use for a message we start: ours if we dial, else theirs. */
int link_via(const link_t *l)
{
	if (l->dealer != NULL)
		return VIA_DEALER;
	return l->rid_len ? VIA_ROUTER : -1;
}

/* ---- misbehaviour: count, then ban for a while ---- */

void link_bad(node_t *n, link_t *l, const char *what)
{
	char k[KEY_TEXT_BYTES];
	uint64_t now = node_now_ms();

	if (now - l->bad_since > 60000) {
		l->bad_since = now;
		l->bad = 0;
	}
	if (++l->bad == SYNC_BAD_MAX) {
		l->banned_until = now + SYNC_BAN_MS;
		node_log(n, 'W', "peer %s (%s): %u bad messages in a minute, ignoring it for %d s",
		    node_short_key(k, l->key), l->name, l->bad, SYNC_BAN_MS / 1000);
	} else {
		node_log(n, 'D', "peer %s: bad message: %s", node_short_key(k, l->key), what);
	}
}

/* A token bucket per peer bounds the work any one member can cause. */
int link_admit(link_t *l)
{
	uint64_t now = node_now_ms();

	if (now < l->banned_until)
		return 0;
	l->tokens += (double)(now - l->tokens_at) * SYNC_RATE / 1000.0;
	if (l->tokens > 2.0 * SYNC_RATE)
		l->tokens = 2.0 * SYNC_RATE;
	l->tokens_at = now;
	if (l->tokens < 1.0)
		return 0;
	l->tokens -= 1.0;
	return 1;
}

/* ---- sockets ---- */

int link_sockopts(void *s)
{
	int sndhwm = SYNC_SNDHWM, rcvhwm = SYNC_RCVHWM, zero = 0, one = 1, hs = 5000;
	int ka_idle = 10, ka_intvl = 2, ka_cnt = 5, maxrt = SYNC_TCP_MAXRT_MS;
	int64_t max = SYNC_MSG_MAX;

	/* No ZMTP heartbeats: libzmq 4.3.4 aborts (stream_engine_base.cpp,
	 * out_event: !_io_error) when a heartbeat falls due on a connection
	 * whose peer reset it while our receive queue was full. TCP keepalive
	 * and a retransmission timeout find dead connections instead. */
	if (zmq_setsockopt(s, ZMQ_SNDHWM, &sndhwm, sizeof sndhwm) != 0 ||
	    zmq_setsockopt(s, ZMQ_RCVHWM, &rcvhwm, sizeof rcvhwm) != 0 ||
	    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
	    zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &max, sizeof max) != 0 ||
	    zmq_setsockopt(s, ZMQ_HANDSHAKE_IVL, &hs, sizeof hs) != 0 ||
	    zmq_setsockopt(s, ZMQ_TCP_KEEPALIVE, &one, sizeof one) != 0 ||
	    zmq_setsockopt(s, ZMQ_TCP_KEEPALIVE_IDLE, &ka_idle, sizeof ka_idle) != 0 ||
	    zmq_setsockopt(s, ZMQ_TCP_KEEPALIVE_INTVL, &ka_intvl, sizeof ka_intvl) != 0 ||
	    zmq_setsockopt(s, ZMQ_TCP_KEEPALIVE_CNT, &ka_cnt, sizeof ka_cnt) != 0 ||
	    zmq_setsockopt(s, ZMQ_TCP_MAXRT, &maxrt, sizeof maxrt) != 0)
		return -1;
	return 0;
}

void *link_listen(void *ctx, const char *endpoint, const uint8_t sk[static KEY_X_BYTES],
    int *enforced)
{
	void *s = zmq_socket(ctx, ZMQ_ROUTER);
	int one = 1, err;

	*enforced = 0;
	if (s == NULL)
		return NULL;
	if (link_sockopts(s) != 0 ||
	    zmq_setsockopt(s, ZMQ_CURVE_SERVER, &one, sizeof one) != 0 ||
	    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, sk, KEY_X_BYTES) != 0 ||
	    zmq_setsockopt(s, ZMQ_ZAP_DOMAIN, "wiec", 4) != 0 ||
	    zmq_setsockopt(s, ZMQ_ROUTER_MANDATORY, &one, sizeof one) != 0)
		goto fail;
	/* Before the bind: libzmq copies the options into the listener then,
	 * and never reads them again. */
	*enforced = zmq_setsockopt(s, ZMQ_ZAP_ENFORCE_DOMAIN, &one, sizeof one) == 0;
	if (zmq_bind(s, endpoint) != 0)
		goto fail;
	return s;
fail:
	err = zmq_errno();
	zmq_close(s);
	errno = err;
	return NULL;
}

static int dial(node_t *n, link_t *l)
{
	int one = 1, ivl = 200, ivlmax = 5000;

	if ((l->dealer = zmq_socket(n->ctx, ZMQ_DEALER)) == NULL)
		return -1;
	if (link_sockopts(l->dealer) != 0 ||
	    zmq_setsockopt(l->dealer, ZMQ_CURVE_SERVERKEY, l->transport, KEY_X_BYTES) != 0 ||
	    zmq_setsockopt(l->dealer, ZMQ_CURVE_PUBLICKEY, n->kx.pk, KEY_X_BYTES) != 0 ||
	    zmq_setsockopt(l->dealer, ZMQ_CURVE_SECRETKEY, n->kx.sk, KEY_X_BYTES) != 0 ||
	    zmq_setsockopt(l->dealer, ZMQ_IMMEDIATE, &one, sizeof one) != 0 ||
	    zmq_setsockopt(l->dealer, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl) != 0 ||
	    zmq_setsockopt(l->dealer, ZMQ_RECONNECT_IVL_MAX, &ivlmax, sizeof ivlmax) != 0 ||
	    zmq_connect(l->dealer, l->endpoint) != 0) {
		node_log(n, 'E', "cannot dial %s: %s", l->endpoint, zmq_strerror(zmq_errno()));
		zmq_close(l->dealer);
		l->dealer = NULL;
		return -1;
	}
	l->hello_sent[VIA_DEALER] = 0;
	return 0;
}

void link_hangup(link_t *l)
{
	if (l->dealer != NULL)
		zmq_close(l->dealer);
	l->dealer = NULL;
	recon_destroy(&l->init);
	while (l->nin > 0)
		fetch_drop_want(l, 0);
}

/* (Re)reads DIR/peers: dial new endpoints, hang up removed ones. */
int link_load_peers(node_t *n)
{
	char path[PATH_MAX], why[256], k[KEY_TEXT_BYTES];
	peers_t p;
	int rc;

	snprintf(path, sizeof path, "%s/peers", n->dir);
	if ((rc = peers_load(&p, path, why, sizeof why)) != 0) {
		node_log(n, 'E', "%s: %s", path, why);
		return rc;
	}
	for (size_t i = 0; i < n->nlinks; i++) {
		link_t *l = &n->links[i];
		const char *ep = "";

		for (size_t j = 0; j < p.n; j++)
			if (memcmp(p.peer[j].key, l->key, KEY_PK_BYTES) == 0)
				ep = p.peer[j].endpoint;
		if (strcmp(ep, l->endpoint) == 0)
			continue;
		link_hangup(l);
		snprintf(l->endpoint, sizeof l->endpoint, "%s", ep);
		if (*ep) {
			node_log(n, 'I', "dialing %s (%s) at %s", node_short_key(k, l->key), l->name, ep);
			dial(n, l);
		}
	}
	for (size_t j = 0; j < p.n; j++) {
		int known = memcmp(p.peer[j].key, n->kp.pk, KEY_PK_BYTES) == 0;

		for (size_t i = 0; i < n->nlinks; i++)
			known |= memcmp(p.peer[j].key, n->links[i].key, KEY_PK_BYTES) == 0;
		if (!known)
			node_log(n, 'W', "peers: %s is not a member of this network; not dialed",
			    node_short_key(k, p.peer[j].key));
	}
	return 0;
}

static link_t *link_by_user(node_t *n, zmq_msg_t *msg)
{
	const char *user = zmq_msg_gets(msg, "User-Id");
	uint8_t key[KEY_PK_BYTES];

	if (user == NULL || hash_from_hex(key, sizeof key, user) != 0)
		return NULL;
	for (size_t i = 0; i < n->nlinks; i++)
		if (memcmp(n->links[i].key, key, KEY_PK_BYTES) == 0)
			return &n->links[i];
	return NULL;
}

/* Drains one message from the ROUTER: [routing id][SyncMsg]. */
void link_router_recv(node_t *n)
{
	zmq_msg_t rid, body;
	link_t *l;

	zmq_msg_init(&rid);
	zmq_msg_init(&body);
	if (zmq_msg_recv(&rid, n->router, ZMQ_DONTWAIT) < 0)
		goto out;
	if (!zmq_msg_more(&rid) || zmq_msg_recv(&body, n->router, ZMQ_DONTWAIT) < 0)
		goto out;
	if (zmq_msg_more(&body)) {
		/* A peer sends one frame: drop the whole message, every frame of it,
		 * or its tail would be read as a message of its own. */
		while (zmq_msg_more(&body) && zmq_msg_recv(&body, n->router, 0) >= 0)
			;
		if ((l = link_by_user(n, &body)) != NULL) {
			l->dropped++;
			link_bad(n, l, "multi-frame message");
		}
		n->dropped++;
		goto out;
	}
	if ((l = link_by_user(n, &body)) == NULL || zmq_msg_size(&rid) > sizeof l->rid)
		goto out;
	if (l->rid_len != zmq_msg_size(&rid) || memcmp(l->rid, zmq_msg_data(&rid), l->rid_len) != 0) {
		memcpy(l->rid, zmq_msg_data(&rid), zmq_msg_size(&rid));
		l->rid_len = zmq_msg_size(&rid);
		l->hello_sent[VIA_ROUTER] = 0;
	}
	sync_handle(n, l, VIA_ROUTER, zmq_msg_data(&body), zmq_msg_size(&body));
out:
	zmq_msg_close(&rid);
	zmq_msg_close(&body);
}

void link_dealer_recv(node_t *n, link_t *l)
{
	zmq_msg_t body;

	zmq_msg_init(&body);
	if (zmq_msg_recv(&body, l->dealer, ZMQ_DONTWAIT) >= 0) {
		if (zmq_msg_more(&body)) {
			/* Frames of one message arrive together: blocking is safe. */
			while (zmq_msg_more(&body) && zmq_msg_recv(&body, l->dealer, 0) >= 0)
				;
			n->dropped++;
			l->dropped++;
			link_bad(n, l, "multi-frame message");
		} else {
			sync_handle(n, l, VIA_DEALER, zmq_msg_data(&body), zmq_msg_size(&body));
		}
	}
	zmq_msg_close(&body);
}
