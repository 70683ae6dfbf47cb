/* netio.c: the network actor. One thread owns every peer socket (the
 * ROUTER and the DEALERs) and does nothing but move frames between them
 * and the loop, over one inproc PAIR, so the peer sockets are drained
 * whatever the loop is doing (verifying, committing, reconciling).
 *
 * Why a thread: libzmq 4.3.4 aborts the process (stream_engine_base.cpp,
 * out_event asserts !_io_error) when a peer resets a connection whose
 * receive queue is full and a PING of it is still to be answered; a
 * member can arrange that against a busy loop. With the queue unlimited
 * (RCVHWM 0) and drained here continuously, libzmq never stops reading a
 * connection, which is the precondition of that bug. Memory stays bounded
 * because this thread drops what the loop cannot take: at most
 * SYNC_IO_BYTES of messages are in the PAIR at once (the loop acknowledges
 * what it consumed), and the rest is dropped and counted, as any message
 * meeting a full queue is (spec/sync.md, section 1).
 *
 * The PAIR protocol, every message [header][payload]:
 *   loop -> netio: header = op, via, link (u16 LE), op one of
 *     'S' send payload to the link on via        'D' dial payload (endpoint)
 *     'H' hang up the link's DEALER               'A' payload: u64 bytes consumed
 *     'P' payload: identity key || transport key of the link (the next
 *         index adds one: the roster grew, spec/members.md)
 *     'K' close the link's DEALER and its connection to our ROUTER
 *     'Q' stop (no payload)
 *   netio -> loop: header = kind, via, link (u16 LE), kind one of
 *     'M' a message from the link (first from a new ROUTER connection: 'N')
 *     'B' a multi-frame message was dropped       'X' dialling failed
 *     'C' payload: u32 LE per link, messages dropped since the last 'C' */
#include <errno.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "crypto/hash.h"
#include "node/node_int.h"

#define NETIO_ENDPOINT "inproc://wiec-netio"
#define NETIO_BURST 256		/* messages per socket per turn */
#define NETIO_STATS_MS 200

typedef struct npeer {
	uint8_t key[KEY_PK_BYTES], transport[KEY_X_BYTES];
	void *dealer;
	uint8_t rid[256];
	size_t rid_len;
	int fd;				/* its connection to our ROUTER, or -1 */
	struct sockaddr_storage addr;	/* ... and that connection's peer address */
	socklen_t addrlen;
	uint32_t dropped;		/* since the last 'C' */
} npeer_t;

struct netio {
	const node_t *n;		/* for node_log only */
	void *ctx, *pair, *router;
	pthread_t th;
	int running, quit;
	uint8_t pk[KEY_X_BYTES], sk[KEY_X_BYTES];
	npeer_t *p;			/* room for ROSTER_MAX */
	size_t np;
	uint64_t inflight;		/* bytes forwarded, not yet acknowledged */
	uint64_t stats_at;
	int any_dropped;
};

static void put_hdr(uint8_t h[4], char op, int via, size_t link)
{
	h[0] = (uint8_t)op;
	h[1] = (uint8_t)via;
	h[2] = (uint8_t)(link & 0xff);
	h[3] = (uint8_t)(link >> 8);
}

static void dropped(netio_t *io, npeer_t *p)
{
	p->dropped++;
	io->any_dropped = 1;
}

/* ---- loop -> peers ---- */

static int dial(netio_t *io, npeer_t *p, const char *endpoint)
{
	int one = 1, ivl = 200, ivlmax = 5000;

	if ((p->dealer = zmq_socket(io->ctx, ZMQ_DEALER)) == NULL)
		return -1;
	if (link_sockopts(p->dealer) != 0 ||
	    zmq_setsockopt(p->dealer, ZMQ_CURVE_SERVERKEY, p->transport, KEY_X_BYTES) != 0 ||
	    zmq_setsockopt(p->dealer, ZMQ_CURVE_PUBLICKEY, io->pk, KEY_X_BYTES) != 0 ||
	    zmq_setsockopt(p->dealer, ZMQ_CURVE_SECRETKEY, io->sk, KEY_X_BYTES) != 0 ||
	    zmq_setsockopt(p->dealer, ZMQ_IMMEDIATE, &one, sizeof one) != 0 ||
	    zmq_setsockopt(p->dealer, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl) != 0 ||
	    zmq_setsockopt(p->dealer, ZMQ_RECONNECT_IVL_MAX, &ivlmax, sizeof ivlmax) != 0 ||
	    zmq_connect(p->dealer, endpoint) != 0) {
		node_log(io->n, 'E', "cannot dial %s: %s", endpoint, zmq_strerror(zmq_errno()));
		zmq_close(p->dealer);
		p->dealer = NULL;
		return -1;
	}
	return 0;
}

static void send_to_peer(netio_t *io, npeer_t *p, int via, zmq_msg_t *body)
{
	int rc = -1;

	if (via == VIA_DEALER) {
		if (p->dealer != NULL)
			rc = zmq_msg_send(body, p->dealer, ZMQ_DONTWAIT);
	} else if (io->router != NULL && p->rid_len > 0 &&
	    zmq_send(io->router, p->rid, p->rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0) {
		rc = zmq_msg_send(body, io->router, ZMQ_DONTWAIT);
	}
	if (rc < 0)	/* a full queue or a vanished peer: pushes are hints */
		dropped(io, p);
}

/* Ends p's connections. The one to our ROUTER is shut down (libzmq then
 * closes it), but only if its descriptor still holds the connection the
 * peer's last message came on: a number libzmq closed and reused for
 * another connection is left alone (node/guard.c has the same care). */
static void kick(netio_t *io, npeer_t *p)
{
	struct sockaddr_storage now;
	socklen_t len = sizeof now;

	(void)io;
	if (p->dealer != NULL)
		zmq_close(p->dealer);
	p->dealer = NULL;
	if (p->fd >= 0 && getpeername(p->fd, (struct sockaddr *)&now, &len) == 0 &&
	    len == p->addrlen && memcmp(&now, &p->addr, len) == 0)
		shutdown(p->fd, SHUT_RDWR);
	p->fd = -1;
	p->rid_len = 0;
}

/* One command from the loop. */
static void command(netio_t *io)
{
	zmq_msg_t h, body;
	const uint8_t *hd;
	size_t link;
	int more;

	zmq_msg_init(&h);
	zmq_msg_init(&body);
	if (zmq_msg_recv(&h, io->pair, ZMQ_DONTWAIT) < 0)
		goto out;
	more = zmq_msg_more(&h);
	if (more && zmq_msg_recv(&body, io->pair, 0) < 0)
		goto out;
	if (zmq_msg_size(&h) != 4)
		goto out;
	hd = zmq_msg_data(&h);
	link = (size_t)hd[2] | (size_t)hd[3] << 8;
	if (hd[0] == 'Q') {
		io->quit = 1;
	} else if (hd[0] == 'A' && zmq_msg_size(&body) == 8) {
		uint64_t v;

		memcpy(&v, zmq_msg_data(&body), 8);
		io->inflight = io->inflight > v ? io->inflight - v : 0;
	} else if (link < io->np && hd[0] == 'S') {
		send_to_peer(io, &io->p[link], hd[1], &body);
	} else if (link < io->np && hd[0] == 'H') {
		if (io->p[link].dealer != NULL)
			zmq_close(io->p[link].dealer);
		io->p[link].dealer = NULL;
	} else if (link <= io->np && link < ROSTER_MAX && hd[0] == 'P' &&
	    zmq_msg_size(&body) == KEY_PK_BYTES + KEY_X_BYTES) {
		if (link == io->np) {
			memset(&io->p[link], 0, sizeof io->p[link]);
			io->p[link].fd = -1;
			io->np++;
		}
		memcpy(io->p[link].key, zmq_msg_data(&body), KEY_PK_BYTES);
		memcpy(io->p[link].transport, (uint8_t *)zmq_msg_data(&body) + KEY_PK_BYTES,
		    KEY_X_BYTES);
	} else if (link < io->np && hd[0] == 'K') {
		kick(io, &io->p[link]);
	} else if (link < io->np && hd[0] == 'D') {
		char ep[PEERS_ENDPOINT_MAX];
		size_t len = zmq_msg_size(&body);
		uint8_t x[4];

		if (io->p[link].dealer != NULL)
			zmq_close(io->p[link].dealer);
		io->p[link].dealer = NULL;
		if (len == 0 || len >= sizeof ep)
			goto out;
		memcpy(ep, zmq_msg_data(&body), len);
		ep[len] = '\0';
		if (dial(io, &io->p[link], ep) != 0) {
			put_hdr(x, 'X', VIA_DEALER, link);
			if (zmq_send(io->pair, x, 4, ZMQ_DONTWAIT) < 0)
				node_log(io->n, 'E', "cannot tell the loop a dial failed");
		}
	}
out:
	zmq_msg_close(&h);
	zmq_msg_close(&body);
}

/* ---- peers -> loop ---- */

static void forward(netio_t *io, npeer_t *p, char kind, int via, zmq_msg_t *body)
{
	uint8_t h[4];
	size_t len = zmq_msg_size(body) + SYNC_IO_MSG_COST;

	if (io->inflight + len > SYNC_IO_BYTES) {
		dropped(io, p);
		return;
	}
	put_hdr(h, kind, via, (size_t)(p - io->p));
	if (zmq_send(io->pair, h, 4, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
		dropped(io, p);
		return;
	}
	/* The pipe took the first frame, so it takes the second. */
	if (zmq_msg_send(body, io->pair, 0) < 0) {
		node_log(io->n, 'E', "cannot hand a message to the loop: %s", zmq_strerror(zmq_errno()));
		return;
	}
	io->inflight += len;
}

static npeer_t *by_user(netio_t *io, zmq_msg_t *msg)
{
	const char *user = zmq_msg_gets(msg, "User-Id");
	uint8_t key[KEY_PK_BYTES];

	if (user == NULL || hash_from_hex(key, sizeof key, user) != 0)
		return NULL;
	for (size_t i = 0; i < io->np; i++)
		if (memcmp(io->p[i].key, key, KEY_PK_BYTES) == 0)
			return &io->p[i];
	return NULL;
}

/* The rest of a multi-frame message: a peer sends one frame, so all of it
 * goes, or its tail would be read as a message of its own. Frames of one
 * message arrive together: blocking is safe. */
static void drop_rest(void *s, zmq_msg_t *m)
{
	while (zmq_msg_more(m) && zmq_msg_recv(m, s, 0) >= 0)
		;
}

/* One message from the ROUTER: [routing id][SyncMsg]; 0 if there was one. */
static int router_one(netio_t *io)
{
	zmq_msg_t rid, body;
	npeer_t *p;
	char kind = 'M';
	int rc = -1;

	zmq_msg_init(&rid);
	zmq_msg_init(&body);
	if (zmq_msg_recv(&rid, io->router, ZMQ_DONTWAIT) < 0)
		goto out;
	rc = 0;
	if (!zmq_msg_more(&rid) || zmq_msg_recv(&body, io->router, 0) < 0)
		goto out;
	p = by_user(io, &body);
	if (zmq_msg_more(&body)) {
		drop_rest(io->router, &body);
		kind = 'B';
		zmq_msg_close(&body);
		zmq_msg_init(&body);
	}
	if (p == NULL || zmq_msg_size(&rid) > sizeof p->rid)
		goto out;
	if (p->rid_len != zmq_msg_size(&rid) || memcmp(p->rid, zmq_msg_data(&rid), p->rid_len) != 0) {
		memcpy(p->rid, zmq_msg_data(&rid), zmq_msg_size(&rid));
		p->rid_len = zmq_msg_size(&rid);
		/* Where it came from, to close it if the member goes. */
		p->fd = zmq_msg_get(&body, ZMQ_SRCFD);
		p->addrlen = sizeof p->addr;
		if (p->fd >= 0 && getpeername(p->fd, (struct sockaddr *)&p->addr, &p->addrlen) != 0)
			p->fd = -1;
		if (kind == 'M')
			kind = 'N';
	}
	forward(io, p, kind, VIA_ROUTER, &body);
out:
	zmq_msg_close(&rid);
	zmq_msg_close(&body);
	return rc;
}

static int dealer_one(netio_t *io, npeer_t *p)
{
	zmq_msg_t body;
	char kind = 'M';

	zmq_msg_init(&body);
	if (zmq_msg_recv(&body, p->dealer, ZMQ_DONTWAIT) < 0) {
		zmq_msg_close(&body);
		return -1;
	}
	if (zmq_msg_more(&body)) {
		drop_rest(p->dealer, &body);
		kind = 'B';
		zmq_msg_close(&body);
		zmq_msg_init(&body);
	}
	forward(io, p, kind, VIA_DEALER, &body);
	zmq_msg_close(&body);
	return 0;
}

static void stats(netio_t *io)
{
	uint8_t h[4], *c;

	if (!io->any_dropped || (c = calloc(io->np ? io->np : 1, 4)) == NULL)
		return;
	for (size_t i = 0; i < io->np; i++) {
		uint32_t v = io->p[i].dropped;

		c[4 * i] = (uint8_t)v;
		c[4 * i + 1] = (uint8_t)(v >> 8);
		c[4 * i + 2] = (uint8_t)(v >> 16);
		c[4 * i + 3] = (uint8_t)(v >> 24);
	}
	put_hdr(h, 'C', 0, 0);
	if (zmq_send(io->pair, h, 4, ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0 &&
	    zmq_send(io->pair, c, 4 * io->np, 0) >= 0) {
		for (size_t i = 0; i < io->np; i++)
			io->p[i].dropped = 0;
		io->any_dropped = 0;
	}
	free(c);
}

static void *run(void *arg)
{
	netio_t *io = arg;
	zmq_pollitem_t *it = calloc(ROSTER_MAX + 2, sizeof *it);
	npeer_t **who = calloc(ROSTER_MAX + 2, sizeof *who);

	if (it == NULL || who == NULL) {
		node_log(io->n, 'E', "network thread: out of memory");
		goto out;
	}
	while (!io->quit) {
		int k = 0;
		uint64_t now;

		it[k++] = (zmq_pollitem_t){ io->pair, 0, ZMQ_POLLIN, 0 };
		if (io->router != NULL)
			it[k++] = (zmq_pollitem_t){ io->router, 0, ZMQ_POLLIN, 0 };
		for (size_t i = 0; i < io->np; i++)
			if (io->p[i].dealer != NULL) {
				who[k] = &io->p[i];
				it[k++] = (zmq_pollitem_t){ io->p[i].dealer, 0, ZMQ_POLLIN, 0 };
			}
		if (zmq_poll(it, k, NETIO_STATS_MS) < 0 && zmq_errno() != EINTR) {
			node_log(io->n, 'E', "network thread: poll: %s", zmq_strerror(zmq_errno()));
			break;
		}
		for (int b = 0; b < NETIO_BURST && !io->quit && (it[0].revents & ZMQ_POLLIN); b++) {
			int ev = 0;
			size_t el = sizeof ev;

			command(io);
			if (zmq_getsockopt(io->pair, ZMQ_EVENTS, &ev, &el) != 0 || !(ev & ZMQ_POLLIN))
				break;
		}
		for (int i = 1; i < k && !io->quit; i++)
			for (int b = 0; b < NETIO_BURST && (it[i].revents & ZMQ_POLLIN); b++)
				if ((it[i].socket == io->router ? router_one(io) :
				    dealer_one(io, who[i])) != 0)
					break;
		now = node_now_ms();
		if (now - io->stats_at >= NETIO_STATS_MS) {
			stats(io);
			io->stats_at = now;
		}
	}
out:
	/* The guard's monitor is ours to stop: its thread ends on it. */
	if (io->router != NULL) {
		zmq_socket_monitor(io->router, NULL, 0);
		zmq_close(io->router);
		io->router = NULL;
	}
	for (size_t i = 0; i < io->np; i++)
		if (io->p[i].dealer != NULL) {
			zmq_close(io->p[i].dealer);
			io->p[i].dealer = NULL;
		}
	free(it);
	free(who);
	return NULL;
}

netio_t *netio_new(const node_t *n, void *router)
{
	netio_t *io = calloc(1, sizeof *io);
	int zero = 0, hwm = 0;

	if (io == NULL)
		return NULL;
	io->n = n;
	io->ctx = n->ctx;
	io->np = n->nlinks;
	memcpy(io->pk, n->kx.pk, KEY_X_BYTES);
	memcpy(io->sk, n->kx.sk, KEY_X_BYTES);
	if ((io->p = calloc(ROSTER_MAX, sizeof *io->p)) == NULL)
		goto fail;
	for (size_t i = 0; i < io->np; i++) {
		io->p[i].fd = -1;
		memcpy(io->p[i].key, n->links[i].key, KEY_PK_BYTES);
		memcpy(io->p[i].transport, n->links[i].transport, KEY_X_BYTES);
	}
	/* The loop's end is bound first (n->io); byte accounting, not the
	 * HWM, bounds what waits in this pipe. */
	if ((io->pair = zmq_socket(n->ctx, ZMQ_PAIR)) == NULL ||
	    zmq_setsockopt(io->pair, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
	    zmq_setsockopt(io->pair, ZMQ_SNDHWM, &hwm, sizeof hwm) != 0 ||
	    zmq_setsockopt(io->pair, ZMQ_RCVHWM, &hwm, sizeof hwm) != 0 ||
	    zmq_connect(io->pair, NETIO_ENDPOINT) != 0)
		goto fail;
	io->router = router;
	io->stats_at = node_now_ms();
	if (pthread_create(&io->th, NULL, run, io) != 0)
		goto fail;
	io->running = 1;
	return io;
fail:
	if (io->pair != NULL)
		zmq_close(io->pair);
	sodium_memzero(io->sk, sizeof io->sk);
	free(io->p);
	free(io);
	return NULL;
}

void *netio_bind(void *ctx)
{
	void *s = zmq_socket(ctx, ZMQ_PAIR);
	int zero = 0, hwm = 0;

	if (s == NULL)
		return NULL;
	if (zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
	    zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm) != 0 ||
	    zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm) != 0 ||
	    zmq_bind(s, NETIO_ENDPOINT) != 0) {
		zmq_close(s);
		return NULL;
	}
	return s;
}

void netio_destroy(netio_t **pp, void *loop_end)
{
	netio_t *io;
	uint8_t h[4];

	if (pp == NULL || (io = *pp) == NULL)
		return;
	if (io->running) {
		put_hdr(h, 'Q', 0, 0);
		/* The pipe has no HWM: this cannot meet a full queue. */
		if (zmq_send(loop_end, h, 4, 0) < 0)
			node_log(io->n, 'E', "cannot stop the network thread: %s",
			    zmq_strerror(zmq_errno()));
		else
			pthread_join(io->th, NULL);
	}
	zmq_close(io->pair);
	sodium_memzero(io->sk, sizeof io->sk);
	free(io->p);
	free(io);
	*pp = NULL;
}
