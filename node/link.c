/* link.c: the links to the other members' nodes, on the loop's side:
 * socket options, dialling, sends and receives (through the network
 * thread, node/netio.c, which owns the sockets), hang-up, the peers file,
 * following the roster, and the per-link accounting of misbehaviour and
 * rate. */
#include <errno.h>
#include <sodium.h>
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
	uint8_t h[4] = { 'S', (uint8_t)via, (uint8_t)((l - n->links) & 0xff),
	    (uint8_t)((size_t)(l - n->links) >> 8) };

	/* The network thread sends it, or drops and counts it (a full queue or
	 * a vanished peer: pushes are hints, pulls repair). The pipe to it has
	 * no HWM, so this fails only on a broken context. */
	if (n->io == NULL || zmq_send(n->io, h, sizeof h, ZMQ_SNDMORE) < 0 ||
	    zmq_send(n->io, buf, len, 0) < 0) {
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
	if (l->gone)
		return -1;
	if (l->dialed)
		return VIA_DEALER;
	return l->routed ? VIA_ROUTER : -1;
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

	if (l->gone || now < l->banned_until)
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

	/* No receive limit: libzmq 4.3.4 aborts (stream_engine_base.cpp,
	 * out_event: !_io_error) when a peer resets a connection it stopped
	 * reading for a full queue and a heartbeat or PING is then answered;
	 * netio drains instead, within SYNC_IO_BYTES. No ZMTP heartbeats
	 * either: TCP keepalive and a retransmission timeout find dead
	 * connections. */
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

/* A command to the network thread: op for link l, payload (may be NULL). */
static int io_cmd(node_t *n, link_t *l, char op, const void *payload, size_t len)
{
	size_t i = (size_t)(l - n->links);
	uint8_t h[4] = { (uint8_t)op, 0, (uint8_t)(i & 0xff), (uint8_t)(i >> 8) };

	if (n->io == NULL)
		return -1;
	if (payload == NULL)
		return zmq_send(n->io, h, sizeof h, 0) < 0 ? -1 : 0;
	if (zmq_send(n->io, h, sizeof h, ZMQ_SNDMORE) < 0 || zmq_send(n->io, payload, len, 0) < 0)
		return -1;
	return 0;
}

static int dial(node_t *n, link_t *l)
{
	if (io_cmd(n, l, 'D', l->endpoint, strlen(l->endpoint)) != 0) {
		node_log(n, 'E', "cannot dial %s: %s", l->endpoint, zmq_strerror(zmq_errno()));
		return -1;
	}
	l->dialed = 1;
	l->hello_sent[VIA_DEALER] = 0;
	return 0;
}

void link_hangup(node_t *n, link_t *l)
{
	if (l->dialed && io_cmd(n, l, 'H', NULL, 0) != 0)
		node_log(n, 'E', "cannot hang up: %s", zmq_strerror(zmq_errno()));
	l->dialed = 0;
	recon_destroy(&l->init);
	while (l->nin > 0)
		fetch_drop_want(l, 0);
}

/* (Re)reads DIR/peers and dials accordingly (spec/members.md section 5):
 * a member named in the file (by any of its identity keys) at the file's
 * endpoint; a member that joined by a member change and is not named
 * there, at the first endpoint of its record; nobody else. Hangs up links
 * whose endpoint went away, and re-dials those whose endpoint changed. */
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
		int listed = 0;

		for (size_t j = 0; j < p.n && !l->gone; j++)
			if (roster_member_of(&n->roster, p.peer[j].key) ==
			    roster_member_of(&n->roster, l->key)) {
				ep = p.peer[j].endpoint;
				listed = 1;
			}
		if (!listed && !l->gone && !l->founder)
			ep = l->record;
		if (strcmp(ep, l->endpoint) == 0 && (l->dialed || !*ep))
			continue;
		link_hangup(n, l);
		snprintf(l->endpoint, sizeof l->endpoint, "%s", ep);
		if (*ep) {
			node_log(n, 'I', "dialing %s (%s) at %s", node_short_key(k, l->key), l->name, ep);
			dial(n, l);
		}
	}
	for (size_t j = 0; j < p.n; j++) {
		const roster_member_t *m = roster_member_of(&n->roster, p.peer[j].key);

		if (m == NULL)
			node_log(n, 'W', "peers: %s is not a member of this network; not dialed",
			    node_short_key(k, p.peer[j].key));
	}
	return 0;
}

/* ---- following the roster ---- */

/* Tells the network thread link l's keys (a new slot when l is the next). */
static int io_peer(node_t *n, link_t *l)
{
	uint8_t kt[KEY_PK_BYTES + KEY_X_BYTES];

	memcpy(kt, l->key, KEY_PK_BYTES);
	memcpy(kt + KEY_PK_BYTES, l->transport, KEY_X_BYTES);
	return io_cmd(n, l, 'P', kt, sizeof kt);
}

/* Closes every connection of l, both ways: a removed member's, or one
 * made under keys a rotation replaced. */
static void kick(node_t *n, link_t *l)
{
	if (n->io != NULL && io_cmd(n, l, 'K', NULL, 0) != 0)
		node_log(n, 'E', "cannot close a link: %s", zmq_strerror(zmq_errno()));
	l->dialed = 0;
	l->routed = 0;
	l->hello_sent[VIA_DEALER] = l->hello_sent[VIA_ROUTER] = 0;
	l->endpoint[0] = '\0';
	recon_destroy(&l->init);
	recon_destroy(&l->resp[0]);
	recon_destroy(&l->resp[1]);
	while (l->nin > 0)
		fetch_drop_want(l, 0);
	for (size_t i = 0; i < l->qn; i++)
		fetch_unclaim(n, l, l->queue[i].author);
	l->qn = 0;
	serve_forget(l);
}

static int is_founder(const node_t *n, const roster_member_t *m)
{
	if (genesis_founder(&n->gen, m->key) >= 0)
		return 1;
	for (size_t i = 0; i < m->nold; i++)
		if (genesis_founder(&n->gen, m->old_keys[i]) >= 0)
			return 1;
	return 0;
}

/* Copies member m's record into l; 1 if a key changed. */
static int link_set(const node_t *n, link_t *l, const roster_member_t *m)
{
	int changed = memcmp(l->key, m->key, KEY_PK_BYTES) != 0 ||
	    memcmp(l->transport, m->transport, KEY_X_BYTES) != 0;

	memcpy(l->key, m->key, KEY_PK_BYTES);
	memcpy(l->transport, m->transport, KEY_X_BYTES);
	snprintf(l->name, sizeof l->name, "%s", m->name);
	snprintf(l->record, sizeof l->record, "%s", m->nendpoints ? m->endpoints[0] : "");
	l->founder = is_founder(n, m);
	return changed;
}

static void link_fresh(link_t *l)
{
	uint64_t now = node_now_ms();

	l->next_recon = now + 100 + randombytes_uniform(SYNC_RECON_MS);
	l->tokens = 2.0 * SYNC_RATE;
	l->tokens_at = now;
	l->answer_budget = SYNC_ANSWER_BURST;
	l->answer_at = now;
	l->bad = 0;
	l->banned_until = 0;
}

int link_follow_roster(node_t *n)
{
	char k[KEY_TEXT_BYTES];
	roster_t r;
	const roster_member_t *self;
	int rc, was = n->member, started = n->io != NULL;

	if ((rc = members_roster(n->members, &r)) != 0) {
		node_log(n, 'E', "cannot read the member changes: %s", wiec_strerror(rc));
		return rc;
	}
	if (started && r.changes == n->roster.changes &&
	    memcmp(r.head, n->roster.head, HASH_BYTES) == 0) {
		roster_free(&r);
		return 0;
	}
	/* The links we have: still members, rotated, or gone. */
	for (size_t i = 0; i < n->nlinks; i++) {
		link_t *l = &n->links[i];
		const roster_member_t *m = roster_member_of(&r, l->key);

		if (m == NULL) {
			if (!l->gone)
				node_log(n, 'I', "member %s (%s) was removed: closing its links, "
				    "refusing it from now on", node_short_key(k, l->key), l->name);
			if (!l->gone)
				kick(n, l);
			l->gone = 1;
			continue;
		}
		if (l->gone) {
			node_log(n, 'I', "member %s (%s) is a member again", node_short_key(k, m->key),
			    m->name);
			l->gone = 0;
			link_fresh(l);
			link_set(n, l, m);
			io_peer(n, l);
			continue;
		}
		if (link_set(n, l, m)) {
			node_log(n, 'I', "member %s (%s) rotated its keys: reconnecting under the new ones",
			    node_short_key(k, l->key), l->name);
			io_peer(n, l);
			kick(n, l);
		}
	}
	/* Members without a link: new ones (not this node). */
	for (size_t i = 0; i < r.n; i++) {
		const roster_member_t *m = &r.members[i];
		/* This node, even under a key it was rotated away from. */
		int have = roster_member_of(&r, n->kp.pk) == m;

		for (size_t j = 0; j < n->nlinks && !have; j++)
			have = roster_member_of(&r, n->links[j].key) == m;
		if (have)
			continue;
		if (n->nlinks == ROSTER_MAX) {
			node_log(n, 'E', "more than %d links over this node's life: restart it "
			    "to admit %s", ROSTER_MAX, node_short_key(k, m->key));
			continue;
		}
		memset(&n->links[n->nlinks], 0, sizeof n->links[n->nlinks]);
		link_set(n, &n->links[n->nlinks], m);
		link_fresh(&n->links[n->nlinks]);
		n->nlinks++;
		if (started) {
			node_log(n, 'I', "member %s (%s) was added: admitting it",
			    node_short_key(k, m->key), m->name);
			io_peer(n, &n->links[n->nlinks - 1]);
		}
	}
	self = roster_member_of(&r, n->kp.pk);
	n->member = self != NULL && memcmp(self->key, n->kp.pk, KEY_PK_BYTES) == 0;
	if (self != NULL && !n->member)
		node_log(n, 'W', "this node's identity key was rotated to %s: install the new "
		    "identity.key and restart", node_short_key(k, self->key));
	else if (!n->member && (was || !started))
		node_log(n, 'W', "this node's identity is not a member of its network%s: the "
		    "members refuse it", started ? " any more" : " (yet)");
	else if (n->member && !was && started)
		node_log(n, 'I', "this node is now a member");
	roster_free(&n->roster);
	n->roster = r;
	if (started)
		link_load_peers(n);
	return 0;
}

/* One message from the network thread (node/netio.c): a peer's message,
 * a dropped multi-frame one, a failed dial, or drop counts. */
int link_io_recv(node_t *n)
{
	zmq_msg_t h, body;
	const uint8_t *hd;
	size_t i;
	link_t *l;
	int rc = -1;

	zmq_msg_init(&h);
	zmq_msg_init(&body);
	if (zmq_msg_recv(&h, n->io, ZMQ_DONTWAIT) < 0)
		goto out;
	rc = 0;
	if (zmq_msg_more(&h) && zmq_msg_recv(&body, n->io, 0) < 0)
		goto out;
	if (zmq_msg_size(&h) != 4)
		goto out;
	hd = zmq_msg_data(&h);
	i = (size_t)hd[2] | (size_t)hd[3] << 8;
	/* What netio charged for it (SYNC_IO_MSG_COST each, and the bytes),
	 * whatever becomes of it. */
	if (hd[0] == 'N' || hd[0] == 'M' || hd[0] == 'B')
		n->io_consumed += zmq_msg_size(&body) + SYNC_IO_MSG_COST;
	if (hd[0] == 'C') {
		const uint8_t *c = zmq_msg_data(&body);

		for (size_t k = 0; k < n->nlinks && 4 * (k + 1) <= zmq_msg_size(&body); k++) {
			uint32_t v = (uint32_t)c[4 * k] | (uint32_t)c[4 * k + 1] << 8 |
			    (uint32_t)c[4 * k + 2] << 16 | (uint32_t)c[4 * k + 3] << 24;

			n->links[k].dropped += v;
			n->dropped += v;
		}
		goto out;
	}
	if (i >= n->nlinks)
		goto out;
	l = &n->links[i];
	switch (hd[0]) {
	case 'N':
		l->hello_sent[VIA_ROUTER] = 0;	/* a new connection: Hello again */
		/* fall through */
	case 'M':
		if (hd[1] == VIA_ROUTER)
			l->routed = 1;
		sync_handle(n, l, hd[1] == VIA_ROUTER ? VIA_ROUTER : VIA_DEALER,
		    zmq_msg_data(&body), zmq_msg_size(&body));
		break;
	case 'B':
		l->dropped++;
		n->dropped++;
		link_bad(n, l, "multi-frame message");
		break;
	case 'X':
		l->dialed = 0;
		break;
	default:
		break;
	}
out:
	zmq_msg_close(&h);
	zmq_msg_close(&body);
	return rc;
}

void link_io_ack(node_t *n)
{
	uint8_t h[4] = { 'A', 0, 0, 0 };
	uint64_t v = n->io_consumed;

	if (v == 0 || n->io == NULL)
		return;
	if (zmq_send(n->io, h, sizeof h, ZMQ_SNDMORE) < 0 || zmq_send(n->io, &v, sizeof v, 0) < 0) {
		node_log(n, 'E', "cannot acknowledge the network thread: %s", zmq_strerror(zmq_errno()));
		return;
	}
	n->io_consumed = 0;
}
