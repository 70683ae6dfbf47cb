/* badpeer: a hostile or curious client for the multi-node tests
 * (tests/cli/net_security.sh). It connects a CURVE DEALER to a node's
 * ROUTER with the transport key of a data directory and runs "acts":
 *
 *   tool-badpeer pubkey DIR
 *       prints the X25519 public key of DIR/transport.key in hex
 *   tool-badpeer fill DIR N AUTHORS
 *       posts N ideas by AUTHORS fresh resident keys, round robin, straight
 *       into DIR's store (no node may run on DIR): test data, fast
 *   tool-badpeer [--server-key HEX] [--wait MS] [--linger MS] DIR ENDPOINT ACT...
 *       DIR's transport.key is the client key, DIR's identity the node
 *       named in Hello; the server key is --server-key, else the transport
 *       key of the founder listed at ENDPOINT in DIR's genesis. --wait is
 *       how long to wait for an answer, and for the connection to take
 *       each message (default 5000), --linger how long
 *       to deliver queued messages at exit (default 1000).
 *       Last line: "sent M messages, B bytes": the single-frame messages of
 *       at most SYNC_MSG_MAX bytes it sent, which the node counts in the
 *       peer's bytes_in as it takes each one (a test waits for bytes_in to
 *       grow by B to know the node has handled every one of them).
 *
 * Acts, run in order on one connection:
 *   recon     a valid reconciliation from an empty set, then a Want for what
 *             it found; prints "recon: done, D differences, E events, B bytes
 *             received" or "recon: no answer, B bytes received" (exit 3),
 *             the latter ending "(handshake refused by the node: ZAP status
 *             400)" as soon as the node's ZAP handler refused this key
 *             (a socket monitor event), without waiting out --wait
 *   garbage   16 malformed messages, each of which the node must count as bad
 *             (fewer than SYNC_BAD_MAX): random bytes, truncated and empty
 *             protobuf, unknown fields, garbage Recon data, session 0, Want
 *             with 100000 ranges / id 0 / a 31-byte author / from 0, Events
 *             with garbage envelopes / a forged signature / 16385 envelopes,
 *             Have with seq 0 / no heads / a 5-byte author
 *   multi     multi-frame messages of 2, 3 and 4 frames; the last frame of
 *             each is an Events message with 7 garbage envelopes, which the
 *             node must never process (its "invalid" count must not move)
 *   huge      one frame of SYNC_MSG_MAX + 1 bytes (over ZMQ_MAXMSGSIZE)
 *   ban       25 undecodable messages (over SYNC_BAD_MAX)
 *   wantflood S  for S seconds, about 800 Wants a second (under the node's
 *             message rate) for every author a preceding recon found, each
 *             asking for the whole chain, and never reads an answer; then
 *             drops the connection at once (linger 0). With this act the
 *             socket reads little: RCVHWM 1, a 4 KiB kernel receive buffer
 *   pingreset makes the node busy (an Events of 16,384 forged envelopes to
 *             verify), fills its receive queue for this connection with
 *             Hellos while this socket sends ZMTP PINGs every millisecond,
 *             then resets the connection (exit with unread data): libzmq
 *             4.3.4 answers a PING after the reset and aborts the node
 *   fakehave S  for S seconds, 50 Haves a second, each naming 4,096 fresh
 *             random authors at seq 7, none of which it will answer a Want
 *             for: the node's fetch queue must stay bounded (it grew to
 *             1.7 GB once)
 *   dupflood K  K Events messages of 16,384 copies of the first event a
 *             preceding recon received (held by the node): the node must
 *             take them as duplicates at the cost of a hash each, not a
 *             signature check each (25 s of a node's loop per turn once)
 *   claim S   for S seconds, says every 3 s it holds the author of the
 *             event recon kept up to seq 2^40, and answers every Want for
 *             that author with that (held) event and "more": the node must
 *             not leave the author's fetch to it while it brings nothing
 *   reconflood S  for S seconds, each millisecond a first reconciliation
 *             message of a new session saying it holds nothing (40 bytes,
 *             whose answer lists the node's set): replies must be charged
 *             to the link's answer budget
 *   busyempty S K  makes the node busy (K Events of 16,384 forged envelopes
 *             to verify), then for S seconds sends empty frames as fast as
 *             the connection takes them: the node's network thread must
 *             count them against its budget (900 MB were queued once)
 *   conns N   opens N plain TCP connections to ENDPOINT (no ZMTP) and holds
 *             them until the next act; prints how many connected
 *   sleep     waits 500 ms
 * Exit status: 0, 2 usage, 3 no answer to recon, 1 other failure. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include <zmq.h>

#include "crypto/err.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "node/node.h"
#include "node/recon.h"
#include "proto/event.h"
#include "proto/genesis.h"
#include "proto/wiec.pb-c.h"
#include "store/store.h"

static void *sock;
static key_pair_t kp;
static uint8_t network[HASH_BYTES];
static unsigned long long rx_bytes;
static int wait_ms = 5000;
static unsigned long long tx_msgs, tx_bytes;
static int in_multi;	/* the last frame sent had ZMQ_SNDMORE */
static uint8_t (*learnt)[KEY_PK_BYTES];	/* authors the last recon found */
static size_t nlearnt;

static void die(const char *what)
{
	fprintf(stderr, "badpeer: %s\n", what);
	exit(1);
}

/* The socket's handshake events: a refusal by the node's ZAP handler
 * (status 400) is the proof that nothing will be answered, so "no answer"
 * need not rest on the time waited. */
static void *mon;
static int refused_status;	/* the ZAP status of a refused handshake, or 0 */
static int mon_read(void);

/* Sends one frame; -1 if no connection took it within --wait, or at once
 * if the node refused the handshake meanwhile (the monitor says so). A
 * DEALER whose handshake was refused before its first send has no pipe to
 * queue on: a plain send would wait for ever. */
static int send_buf_try(const void *buf, size_t len, int more)
{
	int flags = ZMQ_DONTWAIT | (more ? ZMQ_SNDMORE : 0);
	struct timespec t0, t1;
	long left = wait_ms;

	while (zmq_send(sock, buf, len, flags) < 0) {
		zmq_pollitem_t it[2] = { { sock, 0, ZMQ_POLLOUT, 0 }, { mon, 0, ZMQ_POLLIN, 0 } };

		if (zmq_errno() != EAGAIN)
			die(zmq_strerror(zmq_errno()));
		if (refused_status || left <= 0)
			return -1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (zmq_poll(it, mon ? 2 : 1, left) < 0)
			die(zmq_strerror(zmq_errno()));
		if (mon != NULL && (it[1].revents & ZMQ_POLLIN) && mon_read())
			return -1;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		left -= (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	}
	if (!more && !in_multi && len <= (size_t)SYNC_MSG_MAX) {
		tx_msgs++;
		tx_bytes += len;
	}
	in_multi = more;
	return 0;
}

/* For the acts that need every send taken. */
static void sent(int rc)
{
	if (rc != 0)
		die("send: no connection took the message within --wait");
}

static void send_buf(const void *buf, size_t len, int more)
{
	sent(send_buf_try(buf, len, more));
}

static int send_msg_try(const Wiec__SyncMsg *m)
{
	size_t len = wiec__sync_msg__get_packed_size(m);
	uint8_t *buf = malloc(len ? len : 1);
	int rc;

	if (buf == NULL)
		die("out of memory");
	wiec__sync_msg__pack(m, buf);
	rc = send_buf_try(buf, len, 0);
	free(buf);
	return rc;
}

static void send_msg(const Wiec__SyncMsg *m)
{
	sent(send_msg_try(m));
}

/* Reads one monitor event; 1 if it is a refused handshake. */
static int mon_read(void)
{
	zmq_msg_t ev, addr;
	uint16_t what = 0;
	uint32_t value = 0;
	int more;

	zmq_msg_init(&ev);
	if (zmq_msg_recv(&ev, mon, ZMQ_DONTWAIT) < 0) {
		zmq_msg_close(&ev);
		return 0;
	}
	if (zmq_msg_size(&ev) >= 6) {
		memcpy(&what, zmq_msg_data(&ev), 2);
		memcpy(&value, (uint8_t *)zmq_msg_data(&ev) + 2, 4);
	}
	more = zmq_msg_more(&ev);
	zmq_msg_close(&ev);
	while (more) {
		zmq_msg_init(&addr);
		more = zmq_msg_recv(&addr, mon, 0) >= 0 && zmq_msg_more(&addr);
		zmq_msg_close(&addr);
	}
	if (what == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
		refused_status = (int)value;
		return 1;
	}
	return 0;
}

/* Receives one message within wait_ms; NULL on timeout. Skips frames that
 * do not decode (the node never sends any). */
static Wiec__SyncMsg *recv_msg(void)
{
	zmq_pollitem_t it[2] = { { sock, 0, ZMQ_POLLIN, 0 }, { mon, 0, ZMQ_POLLIN, 0 } };
	zmq_msg_t m;
	Wiec__SyncMsg *s;

	for (;;) {
		if (zmq_poll(it, mon ? 2 : 1, wait_ms) <= 0)
			return NULL;
		if (mon != NULL && (it[1].revents & ZMQ_POLLIN) && mon_read())
			return NULL;
		if (!(it[0].revents & ZMQ_POLLIN))
			continue;
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, sock, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&m);
			continue;
		}
		rx_bytes += zmq_msg_size(&m);
		s = wiec__sync_msg__unpack(NULL, zmq_msg_size(&m), zmq_msg_data(&m));
		zmq_msg_close(&m);
		if (s != NULL)
			return s;
	}
}

static int send_hello_try(void)
{
	Wiec__SyncMsg m = WIEC__SYNC_MSG__INIT;
	Wiec__Hello h = WIEC__HELLO__INIT;

	h.network.data = network;
	h.network.len = HASH_BYTES;
	h.node.data = kp.pk;
	h.node.len = KEY_PK_BYTES;
	h.version = 1;
	m.msg_case = WIEC__SYNC_MSG__MSG_HELLO;
	m.hello = &h;
	return send_msg_try(&m);
}

static void send_hello(void)
{
	sent(send_hello_try());
}

/* ---- recon: the node must still serve a well-behaved member ---- */

/* recon's "no answer" line (exit 3): with the ZAP status if the monitor
 * has seen the node refuse the handshake. */
static int recon_no_answer(recon_t **r, recon_set_t **set, uint8_t *out)
{
	if (mon != NULL && !refused_status)
		(void)mon_read();	/* a refusal that came while a send waited */
	if (refused_status)
		printf("recon: no answer, %llu bytes received (handshake refused by the node: "
		    "ZAP status %d)\n", rx_bytes, refused_status);
	else
		printf("recon: no answer, %llu bytes received\n", rx_bytes);
	free(out);
	recon_destroy(r);
	recon_set_destroy(set);
	return 3;
}

/* The first event a recon received (for dupflood), malloc'd. */
static uint8_t *held_env;
static size_t held_len;

static int act_recon(void)
{
	recon_set_t *set = recon_set_new();
	recon_t *r = recon_new(set, 1, 0);
	uint8_t *out = NULL;
	size_t outlen = 0, nd = 0, events = 0;
	uint64_t session;
	int done = 0, rc;
	const recon_diff_t *d;

	if (r == NULL || recon_start(r, &out, &outlen) != 0)
		die("recon_start");
	randombytes_buf(&session, sizeof session);
	session |= 1;
	if (send_hello_try() != 0)
		return recon_no_answer(&r, &set, out);
	while (!done) {
		Wiec__SyncMsg m = WIEC__SYNC_MSG__INIT, *in;
		Wiec__Recon rm = WIEC__RECON__INIT;

		rm.session = session;
		rm.data.data = out;
		rm.data.len = outlen;
		m.msg_case = WIEC__SYNC_MSG__MSG_RECON;
		m.recon = &rm;
		if (send_msg_try(&m) != 0)
			return recon_no_answer(&r, &set, out);
		free(out);
		out = NULL;
		for (;;) {
			if ((in = recv_msg()) == NULL)
				return recon_no_answer(&r, &set, NULL);
			if (in->msg_case == WIEC__SYNC_MSG__MSG_RECON && in->recon->session == session)
				break;
			wiec__sync_msg__free_unpacked(in, NULL);	/* Hello, Have, its own Recon */
		}
		rc = recon_step(r, in->recon->data.data, in->recon->data.len, &out, &outlen, &done);
		wiec__sync_msg__free_unpacked(in, NULL);
		if (rc != 0) {
			printf("recon: failed: %s\n", wiec_strerror(rc));
			return 1;
		}
		if (!done && out == NULL) {
			printf("recon: stalled\n");
			return 1;
		}
	}
	d = recon_diffs(r, &nd);
	free(learnt);
	if ((learnt = calloc(nd ? nd : 1, KEY_PK_BYTES)) == NULL)
		die("out of memory");
	for (nlearnt = 0; nlearnt < nd; nlearnt++)
		memcpy(learnt[nlearnt], d[nlearnt].key, KEY_PK_BYTES);
	if (nd > 0) {
		/* Fetch what the node holds: the data an outsider must never get. */
		Wiec__SyncMsg m = WIEC__SYNC_MSG__INIT, *in;
		Wiec__Want w = WIEC__WANT__INIT;
		size_t k = nd < SYNC_WANT_MAX ? nd : SYNC_WANT_MAX;
		Wiec__WantRange *rs = calloc(k, sizeof *rs), **rp = calloc(k, sizeof *rp);

		for (size_t i = 0; i < k; i++) {
			wiec__want_range__init(&rs[i]);
			rs[i].author.data = (uint8_t *)d[i].key;
			rs[i].author.len = KEY_PK_BYTES;
			rs[i].from = 1;
			rp[i] = &rs[i];
		}
		w.n_ranges = k;
		w.ranges = rp;
		w.id = 77;
		m.msg_case = WIEC__SYNC_MSG__MSG_WANT;
		m.want = &w;
		send_msg(&m);
		while ((in = recv_msg()) != NULL) {
			int mine = in->msg_case == WIEC__SYNC_MSG__MSG_EVENTS && in->events->want == 77;

			if (mine)
				events = in->events->n_envelopes;
			if (mine && events > 0 && held_env == NULL &&
			    (held_env = malloc(in->events->envelopes[0].len)) != NULL) {
				held_len = in->events->envelopes[0].len;
				memcpy(held_env, in->events->envelopes[0].data, held_len);
			}
			wiec__sync_msg__free_unpacked(in, NULL);
			if (mine)
				break;
		}
		free(rs);
		free(rp);
	}
	printf("recon: done, %zu differences, %zu events, %llu bytes received\n", nd, events,
	    rx_bytes);
	recon_destroy(&r);
	recon_set_destroy(&set);
	return 0;
}

/* ---- garbage: each message must count as one bad message ---- */

static void send_want(size_t nranges, uint64_t id, size_t author_len, uint64_t from)
{
	Wiec__SyncMsg m = WIEC__SYNC_MSG__INIT;
	Wiec__Want w = WIEC__WANT__INIT;
	Wiec__WantRange *rs = calloc(nranges, sizeof *rs), **rp = calloc(nranges, sizeof *rp);
	uint8_t author[KEY_PK_BYTES];

	if (rs == NULL || rp == NULL)
		die("out of memory");
	memcpy(author, kp.pk, KEY_PK_BYTES);
	for (size_t i = 0; i < nranges; i++) {
		wiec__want_range__init(&rs[i]);
		rs[i].author.data = author;
		rs[i].author.len = author_len;
		rs[i].from = from;
		rp[i] = &rs[i];
	}
	w.n_ranges = nranges;
	w.ranges = rp;
	w.id = id;
	m.msg_case = WIEC__SYNC_MSG__MSG_WANT;
	m.want = &w;
	send_msg(&m);
	free(rs);
	free(rp);
}

static void send_events(uint8_t **envs, size_t *lens, size_t n, uint64_t want, int more_frames)
{
	Wiec__SyncMsg m = WIEC__SYNC_MSG__INIT;
	Wiec__Events e = WIEC__EVENTS__INIT;
	ProtobufCBinaryData *bd = calloc(n ? n : 1, sizeof *bd);
	uint8_t *buf;
	size_t len;

	for (size_t i = 0; i < n; i++) {
		bd[i].data = envs[i];
		bd[i].len = lens[i];
	}
	e.n_envelopes = n;
	e.envelopes = bd;
	e.want = want;
	m.msg_case = WIEC__SYNC_MSG__MSG_EVENTS;
	m.events = &e;
	len = wiec__sync_msg__get_packed_size(&m);
	if ((buf = malloc(len)) == NULL)
		die("out of memory");
	wiec__sync_msg__pack(&m, buf);
	send_buf(buf, len, more_frames);
	free(buf);
	free(bd);
}

static void send_garbage_events(size_t n, int more_frames)
{
	uint8_t g[7][40], *envs[7];
	size_t lens[7];

	for (size_t i = 0; i < n && i < 7; i++) {
		randombytes_buf(g[i], sizeof g[i]);
		g[i][0] = 0x07;		/* never a valid tag */
		envs[i] = g[i];
		lens[i] = sizeof g[i];
	}
	send_events(envs, lens, n < 7 ? n : 7, 0, more_frames);
}

static void send_have(size_t nheads, size_t author_len, uint64_t seq)
{
	Wiec__SyncMsg m = WIEC__SYNC_MSG__INIT;
	Wiec__Have h = WIEC__HAVE__INIT;
	Wiec__HaveHead hh = WIEC__HAVE_HEAD__INIT, *hp = &hh;

	hh.author.data = kp.pk;
	hh.author.len = author_len;
	hh.seq = seq;
	h.n_heads = nheads;
	h.heads = nheads ? &hp : NULL;
	m.msg_case = WIEC__SYNC_MSG__MSG_HAVE;
	m.have = &h;
	send_msg(&m);
}

static void forged_event(uint8_t **env, size_t *len)
{
	Wiec__Body b = WIEC__BODY__INIT;
	Wiec__Idea idea = WIEC__IDEA__INIT;

	b.network.data = network;
	b.network.len = HASH_BYTES;
	b.author.data = kp.pk;
	b.author.len = KEY_PK_BYTES;
	b.seq = 1;
	b.timestamp = 1700000000000ull;
	idea.title = "forged";
	idea.text = "";
	b.content_case = WIEC__BODY__CONTENT_IDEA;
	b.idea = &idea;
	if (ev_build(env, len, &kp, &b) != 0)
		die("ev_build");
	(*env)[*len - 1] ^= 0x01;	/* the last byte of the signature */
}

static void act_garbage(void)
{
	uint8_t buf[256], *env, **many;
	size_t n = 0, len, *lens;

	/* 1 random bytes */
	randombytes_buf(buf, 64);
	buf[0] = 0x07;
	send_buf(buf, 64, 0), n++;
	/* 2 truncated protobuf: half of a valid Want */
	{
		Wiec__SyncMsg m = WIEC__SYNC_MSG__INIT;
		Wiec__Want w = WIEC__WANT__INIT;
		Wiec__WantRange r = WIEC__WANT_RANGE__INIT, *rp = &r;

		r.author.data = kp.pk;
		r.author.len = KEY_PK_BYTES;
		r.from = 1;
		w.n_ranges = 1;
		w.ranges = &rp;
		w.id = 5;
		m.msg_case = WIEC__SYNC_MSG__MSG_WANT;
		m.want = &w;
		len = wiec__sync_msg__pack(&m, buf);
		send_buf(buf, len / 2, 0), n++;
	}
	/* 3 an empty frame: no message in the oneof */
	send_buf("", 0, 0), n++;
	/* 4 unknown field 15 after a valid Hello */
	{
		Wiec__SyncMsg m = WIEC__SYNC_MSG__INIT;
		Wiec__Hello h = WIEC__HELLO__INIT;

		h.network.data = network;
		h.network.len = HASH_BYTES;
		h.node.data = kp.pk;
		h.node.len = KEY_PK_BYTES;
		h.version = 1;
		m.msg_case = WIEC__SYNC_MSG__MSG_HELLO;
		m.hello = &h;
		len = wiec__sync_msg__pack(&m, buf);
		buf[len++] = 0x78;	/* field 15, varint */
		buf[len++] = 0x01;
		send_buf(buf, len, 0), n++;
	}
	/* 5, 6 Recon with garbage data; Recon with session 0 */
	{
		Wiec__SyncMsg m = WIEC__SYNC_MSG__INIT;
		Wiec__Recon r = WIEC__RECON__INIT;
		uint8_t junk[100];

		randombytes_buf(junk, sizeof junk);
		r.session = 12345;
		r.data.data = junk;
		r.data.len = sizeof junk;
		m.msg_case = WIEC__SYNC_MSG__MSG_RECON;
		m.recon = &r;
		send_msg(&m), n++;
		r.session = 0;
		send_msg(&m), n++;
	}
	/* 7..10 Wants: 100000 ranges, id 0, a 31-byte author, from 0 */
	send_want(100000, 9, KEY_PK_BYTES, 1), n++;
	send_want(1, 0, KEY_PK_BYTES, 1), n++;
	send_want(1, 9, KEY_PK_BYTES - 1, 1), n++;
	send_want(1, 9, KEY_PK_BYTES, 0), n++;
	/* 11 Events with 3 garbage envelopes (3 invalid events) */
	send_garbage_events(3, 0), n++;
	/* 12 Events with a forged signature (1 invalid event) */
	forged_event(&env, &len);
	send_events(&env, &len, 1, 0, 0), n++;
	free(env);
	/* 13 Events with SYNC_EVENTS_MAX + 1 tiny envelopes */
	many = calloc(SYNC_EVENTS_MAX + 1, sizeof *many);
	lens = calloc(SYNC_EVENTS_MAX + 1, sizeof *lens);
	if (many == NULL || lens == NULL)
		die("out of memory");
	for (size_t i = 0; i <= SYNC_EVENTS_MAX; i++) {
		many[i] = buf;
		lens[i] = 1;
	}
	send_events(many, lens, SYNC_EVENTS_MAX + 1, 0, 0), n++;
	free(many);
	free(lens);
	/* 14..16 Have: seq 0, no heads, a 5-byte author */
	send_have(1, KEY_PK_BYTES, 0), n++;
	send_have(0, KEY_PK_BYTES, 1), n++;
	send_have(1, 5, 1), n++;
	printf("garbage: sent %zu malformed messages\n", n);
}

/* ---- multi-frame messages: a peer must send one frame per message ---- */

static void act_multi(void)
{
	for (int frames = 2; frames <= 4; frames++) {
		for (int f = 0; f < frames - 1; f++) {
			char junk[32];

			snprintf(junk, sizeof junk, "junk-frame-%d", f);
			send_buf(junk, strlen(junk), 1);
		}
		send_garbage_events(7, 0);
	}
	printf("multi: sent messages of 2, 3 and 4 frames\n");
}

static void act_huge(void)
{
	size_t len = (size_t)SYNC_MSG_MAX + 1;
	uint8_t *buf = calloc(1, len);

	if (buf == NULL)
		die("out of memory");
	send_buf(buf, len, 0);
	free(buf);
	printf("huge: sent one frame of %zu bytes\n", len);
}

static void act_ban(void)
{
	uint8_t buf[32];

	for (int i = 0; i < 25; i++) {
		randombytes_buf(buf, sizeof buf);
		buf[0] = 0x07;
		send_buf(buf, sizeof buf, 0);
	}
	printf("ban: sent 25 undecodable messages\n");
}

/* Valid messages, far above the node's per-peer rate: it must drop the
 * excess (counted), never ban for it, and keep serving. */
static void act_flood(void)
{
	enum { N = 20000 };
	struct timespec t0, t1;

	Wiec__SyncMsg *reply;
	int linger = 30000;

	/* The link must be up first: queued messages of a slow handshake could
	 * otherwise be discarded at exit, and the test would measure nothing. */
	send_hello();
	if ((reply = recv_msg()) == NULL)
		die("flood: the node did not answer a hello");
	wiec__sync_msg__free_unpacked(reply, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < N; i++)
		send_hello();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* Deliver every queued message before exiting, however slow the node. */
	zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
	printf("flood: sent %d hello messages in %ld ms\n", N,
	    (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
}

/* Wants for whole chains at about 800 a second, never reading an answer:
 * the node must bound what it queues for us (spec/sync.md, "Limits"). */
static void act_wantflood(int secs)
{
	size_t k = nlearnt < SYNC_WANT_MAX ? nlearnt : SYNC_WANT_MAX, sent = 0;
	Wiec__WantRange *rs = calloc(k ? k : 1, sizeof *rs), **rp = calloc(k ? k : 1, sizeof *rp);
	struct timespec gap = { 0, 1250000 }, t0, t;
	int zero = 0;

	if (rs == NULL || rp == NULL)
		die("out of memory");
	if (k == 0)
		die("wantflood: no authors (run recon first)");
	for (size_t i = 0; i < k; i++) {
		wiec__want_range__init(&rs[i]);
		rs[i].author.data = learnt[i];
		rs[i].author.len = KEY_PK_BYTES;
		rs[i].from = 1;
		rp[i] = &rs[i];
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		Wiec__SyncMsg m = WIEC__SYNC_MSG__INIT;
		Wiec__Want w = WIEC__WANT__INIT;

		w.n_ranges = k;
		w.ranges = rp;
		w.id = 1000 + sent;
		m.msg_case = WIEC__SYNC_MSG__MSG_WANT;
		m.want = &w;
		send_msg(&m);
		sent++;
		nanosleep(&gap, NULL);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < secs);
	zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero);
	free(rs);
	free(rp);
	printf("wantflood: sent %zu Wants in %d s without reading\n", sent, secs);
}

/* One Events message of SYNC_EVENTS_MAX copies of a forged envelope: a
 * node verifies every one (it is busy for about a second). */
static void send_forged_events(void)
{
	uint8_t *env, **many;
	size_t len, *lens;

	uint8_t *all;

	forged_event(&env, &len);
	many = calloc(SYNC_EVENTS_MAX, sizeof *many);
	lens = calloc(SYNC_EVENTS_MAX, sizeof *lens);
	all = malloc((size_t)SYNC_EVENTS_MAX * len);
	if (many == NULL || lens == NULL || all == NULL)
		die("out of memory");
	/* Distinct forgeries (two more signature bytes set from i): copies of
	 * one are duplicates, which a node drops at the cost of a hash. */
	for (size_t i = 0; i < SYNC_EVENTS_MAX; i++) {
		many[i] = all + i * len;
		memcpy(many[i], env, len);
		many[i][len - 2] = (uint8_t)i;
		many[i][len - 3] = (uint8_t)(i >> 8);
		lens[i] = len;
	}
	send_events(many, lens, SYNC_EVENTS_MAX, 0, 0);
	free(all);
	free(many);
	free(lens);
	free(env);
}

static void act_dupflood(int k)
{
	uint8_t **many;
	size_t *lens;

	if (held_env == NULL)
		die("dupflood: no event (run recon first, on a node that holds one)");
	many = calloc(SYNC_EVENTS_MAX, sizeof *many);
	lens = calloc(SYNC_EVENTS_MAX, sizeof *lens);
	if (many == NULL || lens == NULL)
		die("out of memory");
	for (size_t i = 0; i < SYNC_EVENTS_MAX; i++) {
		many[i] = held_env;
		lens[i] = held_len;
	}
	for (int i = 0; i < k; i++)
		send_events(many, lens, SYNC_EVENTS_MAX, 0, 0);
	printf("dupflood: sent %d Events of %d copies of a held event\n", k, SYNC_EVENTS_MAX);
	free(many);
	free(lens);
}

static uint64_t mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static void act_claim(int secs)
{
	uint64_t end = mono_ms() + (uint64_t)secs * 1000, last = 0;
	unsigned long wants = 0, answered = 0;
	uint8_t author[KEY_PK_BYTES];
	int saved = wait_ms;
	ev_t ev;

	if (held_env == NULL || ev_decode(&ev, held_env, held_len) != 0)
		die("claim: no event (run recon first, on a node that holds one)");
	memcpy(author, ev.author, KEY_PK_BYTES);
	ev_free(&ev);
	wait_ms = 200;
	while (mono_ms() < end) {
		Wiec__SyncMsg *in;

		if (mono_ms() - last > 3000) {
			Wiec__SyncMsg m = WIEC__SYNC_MSG__INIT;
			Wiec__Have h = WIEC__HAVE__INIT;
			Wiec__HaveHead hh = WIEC__HAVE_HEAD__INIT, *hp = &hh;

			hh.author.data = author;
			hh.author.len = KEY_PK_BYTES;
			hh.seq = 1ULL << 40;
			h.n_heads = 1;
			h.heads = &hp;
			m.msg_case = WIEC__SYNC_MSG__MSG_HAVE;
			m.have = &h;
			send_msg(&m);
			last = mono_ms();
		}
		if ((in = recv_msg()) == NULL)
			continue;
		if (in->msg_case == WIEC__SYNC_MSG__MSG_WANT) {
			int ours = 0;

			wants++;
			for (size_t i = 0; i < in->want->n_ranges; i++)
				ours |= in->want->ranges[i]->author.len == KEY_PK_BYTES &&
				    memcmp(in->want->ranges[i]->author.data, author, KEY_PK_BYTES) == 0;
			if (ours) {
				Wiec__SyncMsg m = WIEC__SYNC_MSG__INIT;
				Wiec__Events e = WIEC__EVENTS__INIT;
				ProtobufCBinaryData bd = { held_len, held_env };

				e.n_envelopes = 1;
				e.envelopes = &bd;
				e.want = in->want->id;
				e.more = 1;
				m.msg_case = WIEC__SYNC_MSG__MSG_EVENTS;
				m.events = &e;
				send_msg(&m);
				answered++;
			}
		}
		wiec__sync_msg__free_unpacked(in, NULL);
	}
	wait_ms = saved;
	printf("claim: %lu wants received, %lu answered with more=1\n", wants, answered);
}

static void act_reconflood(int secs)
{
	/* A first message of an initiator that holds nothing: H_FIRST, its
	 * nonce, then one record over the whole key space saying "I hold
	 * nothing here" (spec/recon.md), so the answer lists our set. */
	uint8_t data[20] = { 0x01 };
	uint64_t end = mono_ms() + (uint64_t)secs * 1000;
	unsigned long sent = 0;
	struct timespec gap = { 0, 1000000 };

	send_hello();
	data[17] = 0x00;
	data[18] = 0x02;
	data[19] = 0x00;
	while (mono_ms() < end) {
		Wiec__SyncMsg m = WIEC__SYNC_MSG__INIT;
		Wiec__Recon r = WIEC__RECON__INIT;
		zmq_msg_t zm;

		randombytes_buf(data + 1, 16);
		randombytes_buf(&r.session, sizeof r.session);
		r.session |= 1;
		r.data.data = data;
		r.data.len = sizeof data;
		m.msg_case = WIEC__SYNC_MSG__MSG_RECON;
		m.recon = &r;
		if (send_msg_try(&m) == 0)
			sent++;
		for (;;) {	/* read and drop what comes back */
			zmq_msg_init(&zm);
			if (zmq_msg_recv(&zm, sock, ZMQ_DONTWAIT) < 0) {
				zmq_msg_close(&zm);
				break;
			}
			rx_bytes += zmq_msg_size(&zm);
			zmq_msg_close(&zm);
		}
		nanosleep(&gap, NULL);
	}
	printf("reconflood: sent %lu Recons, %llu bytes received\n", sent, rx_bytes);
}

static void act_fakehave(int secs)
{
	enum { HEADS = 4096 };
	Wiec__HaveHead *hs = calloc(HEADS, sizeof *hs), **hp = calloc(HEADS, sizeof *hp);
	uint8_t (*au)[KEY_PK_BYTES] = calloc(HEADS, KEY_PK_BYTES);
	struct timespec gap = { 0, 20000000 }, t0, t;
	size_t sent = 0;

	if (hs == NULL || hp == NULL || au == NULL)
		die("out of memory");
	send_hello();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		Wiec__SyncMsg m = WIEC__SYNC_MSG__INIT;
		Wiec__Have h = WIEC__HAVE__INIT;

		randombytes_buf(au, (size_t)HEADS * KEY_PK_BYTES);
		for (size_t i = 0; i < HEADS; i++) {
			wiec__have_head__init(&hs[i]);
			hs[i].author.data = au[i];
			hs[i].author.len = KEY_PK_BYTES;
			hs[i].seq = 7;
			hp[i] = &hs[i];
		}
		h.n_heads = HEADS;
		h.heads = hp;
		m.msg_case = WIEC__SYNC_MSG__MSG_HAVE;
		m.have = &h;
		if (send_msg_try(&m) == 0)
			sent++;
		nanosleep(&gap, NULL);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < secs);
	free(hs);
	free(hp);
	free(au);
	printf("fakehave: sent %zu Haves of %d heads\n", sent, HEADS);
}

static void act_busyempty(int secs, int busy)
{
	struct timespec t0, t;
	unsigned long long n = 0;

	send_hello();
	for (int i = 0; i < busy; i++)
		send_forged_events();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int i = 0; i < 1000; i++)
			if (zmq_send(sock, "", 0, ZMQ_DONTWAIT) == 0)
				n++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < secs);
	printf("busyempty: sent %llu empty frames in %d s\n", n, secs);
}

static void act_pingreset(void)
{
	Wiec__SyncMsg *reply;

	send_hello();
	if ((reply = recv_msg()) == NULL)
		die("pingreset: the node did not answer a hello");
	wiec__sync_msg__free_unpacked(reply, NULL);
	send_forged_events();
	for (int i = 0; i < 8; i++)
		send_hello();
	zmq_poll(NULL, 0, 100);
	printf("pingreset: node busy, queue full, resetting\n");
	fflush(stdout);
	_exit(0);	/* no close: the kernel resets a socket with unread data */
}

/* Plain TCP connections that never speak: each costs the node a
 * descriptor until it drops them. */
static int *conns_fd;
static size_t conns_n;

static void conns_close(void)
{
	for (size_t i = 0; i < conns_n; i++)
		close(conns_fd[i]);
	free(conns_fd);
	conns_fd = NULL;
	conns_n = 0;
}

static void act_conns(const char *endpoint, long n)
{
	char host[256];
	int port;
	struct sockaddr_in sa;
	struct rlimit rl;

	if (sscanf(endpoint, "tcp://%255[^:]:%d", host, &port) != 2)
		die("conns: ENDPOINT must be tcp://IPV4:PORT");
	/* Our own descriptors must not be the limit. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	conns_close();
	if ((conns_fd = calloc((size_t)n, sizeof *conns_fd)) == NULL)
		die("out of memory");
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		die("conns: not an IPv4 address");
	for (long i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			break;
		if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
			close(fd);
			continue;
		}
		conns_fd[conns_n++] = fd;
	}
	printf("conns: %zu of %ld connections open\n", conns_n, n);
}

/* ---- set-up ---- */

static void server_key_of(const char *dir, const char *endpoint, uint8_t *sk_out)
{
	char path[4096];
	store_t *st = NULL;
	uint8_t *g = NULL;
	size_t glen;
	genesis_t gen;
	int found = 0;

	snprintf(path, sizeof path, "%s/store", dir);
	if (store_open(&st, path, 0, 0) != 0 || store_genesis(st, &g, &glen) != 0 ||
	    genesis_decode(&gen, g, glen, 1) != 0)
		die("cannot read the genesis of DIR");
	memcpy(network, gen.network, HASH_BYTES);
	for (size_t i = 0; i < gen.body->n_founders; i++) {
		const Wiec__Founder *f = gen.body->founders[i];

		for (size_t j = 0; j < f->n_endpoints; j++)
			if (strcmp(f->endpoints[j], endpoint) == 0 && sk_out != NULL) {
				memcpy(sk_out, f->transport.data, KEY_X_BYTES);
				found = 1;
			}
	}
	genesis_free(&gen);
	free(g);
	store_close(&st);
	if (sk_out != NULL && !found)
		die("no founder of DIR's genesis listens at ENDPOINT (use --server-key)");
}

static int fill(const char *dir, long n, long authors)
{
	char path[4096], title[64];
	store_t *st = NULL;
	key_pair_t *keys;
	uint8_t id[HASH_BYTES];

	if (n < 1 || authors < 1 || authors > 10000)
		return 2;
	snprintf(path, sizeof path, "%s/store", dir);
	if (store_open(&st, path, 0, 0) != 0)
		die("cannot open DIR/store");
	if ((keys = calloc((size_t)authors, sizeof *keys)) == NULL)
		die("out of memory");
	for (long a = 0; a < authors; a++)
		if (key_generate(&keys[a]) != 0)
			die("key_generate");
	for (long i = 0; i < n; i++) {
		Wiec__Body b = WIEC__BODY__INIT;
		Wiec__Idea idea = WIEC__IDEA__INIT;
		int rc;

		snprintf(title, sizeof title, "fill %ld", i + 1);
		idea.title = title;
		idea.text = "A body long enough to look like a real idea, more or less.";
		b.content_case = WIEC__BODY__CONTENT_IDEA;
		b.idea = &idea;
		if ((rc = store_post(st, &keys[i % authors], &b, 0, id, NULL, NULL)) != 0)
			die(wiec_strerror(rc));
	}
	store_close(&st);
	free(keys);
	printf("fill: %ld events by %ld authors\n", n, authors);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: tool-badpeer pubkey DIR\n"
	    "       tool-badpeer fill DIR N AUTHORS\n"
	    "       tool-badpeer [--server-key HEX] [--wait MS] [--linger MS] DIR ENDPOINT "
	    "recon|garbage|multi|huge|ban|flood|wantflood S|dupflood K|conns N|sleep...\n");
	return 2;
}

int main(int argc, char **argv)
{
	char path[4096];
	key_x25519_t kx;
	uint8_t server[KEY_X_BYTES];
	int have_server = 0, a = 1, rc = 0, linger = 1000, rcvhwm = 1000, rcvbuf = -1, hbivl = 0, zero = 0;
	int64_t max = -1;
	void *ctx;

	if (sodium_init() < 0)
		return 1;
	if (argc == 3 && strcmp(argv[1], "pubkey") == 0) {
		char hex[2 * KEY_X_BYTES + 1];

		snprintf(path, sizeof path, "%s/transport.key", argv[2]);
		if (key_x25519_load(&kx, path) != 0)
			die("cannot load DIR/transport.key");
		hash_hex(hex, kx.pk, KEY_X_BYTES);
		printf("%s\n", hex);
		return 0;
	}
	if (argc == 5 && strcmp(argv[1], "fill") == 0)
		return fill(argv[2], atol(argv[3]), atol(argv[4]));
	while (a < argc && strncmp(argv[a], "--", 2) == 0) {
		if (strcmp(argv[a], "--server-key") == 0 && a + 1 < argc) {
			if (hash_from_hex(server, sizeof server, argv[a + 1]) != 0)
				return usage();
			have_server = 1;
		} else if (strcmp(argv[a], "--wait") == 0 && a + 1 < argc) {
			wait_ms = atoi(argv[a + 1]);
		} else if (strcmp(argv[a], "--linger") == 0 && a + 1 < argc) {
			linger = atoi(argv[a + 1]);
		} else {
			return usage();
		}
		a += 2;
	}
	if (argc - a < 3)
		return usage();
	for (int i = a + 2; i < argc; i++)
		if (strcmp(argv[i], "wantflood") == 0 || strcmp(argv[i], "pingreset") == 0) {
			rcvhwm = 1;

			hbivl = strcmp(argv[i], "pingreset") == 0 ? 1 : 100;
		}
	snprintf(path, sizeof path, "%s/identity.key", argv[a]);
	if (key_load(&kp, path) != 0)
		die("cannot load DIR/identity.key");
	snprintf(path, sizeof path, "%s/transport.key", argv[a]);
	if (key_x25519_load(&kx, path) != 0)
		die("cannot load DIR/transport.key");
	server_key_of(argv[a], argv[a + 1], have_server ? NULL : server);
	ctx = zmq_ctx_new();
	sock = zmq_socket(ctx, ZMQ_DEALER);
	if (sock == NULL ||
	    zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, server, KEY_X_BYTES) != 0 ||
	    zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, kx.pk, KEY_X_BYTES) != 0 ||
	    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, kx.sk, KEY_X_BYTES) != 0 ||
	    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
	    zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &max, sizeof max) != 0 ||
	    zmq_setsockopt(sock, ZMQ_RCVHWM, &rcvhwm, sizeof rcvhwm) != 0 ||
	    zmq_setsockopt(sock, ZMQ_RCVBUF, &rcvbuf, sizeof rcvbuf) != 0 ||
	    zmq_setsockopt(sock, ZMQ_HEARTBEAT_IVL, &hbivl, sizeof hbivl) != 0 ||
	    zmq_socket_monitor(sock, "inproc://badpeer-monitor",
	    ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) != 0 ||
	    (mon = zmq_socket(ctx, ZMQ_PAIR)) == NULL ||
	    zmq_setsockopt(mon, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
	    zmq_connect(mon, "inproc://badpeer-monitor") != 0 ||
	    zmq_connect(sock, argv[a + 1]) != 0)
		die(zmq_strerror(zmq_errno()));
	for (int i = a + 2; i < argc && rc == 0; i++) {
		if (strcmp(argv[i], "recon") == 0)
			rc = act_recon();
		else if (strcmp(argv[i], "garbage") == 0)
			act_garbage();
		else if (strcmp(argv[i], "multi") == 0)
			act_multi();
		else if (strcmp(argv[i], "huge") == 0)
			act_huge();
		else if (strcmp(argv[i], "ban") == 0)
			act_ban();
		else if (strcmp(argv[i], "flood") == 0)
			act_flood();
		else if (strcmp(argv[i], "wantflood") == 0 && i + 1 < argc)
			act_wantflood(atoi(argv[++i]));
		else if (strcmp(argv[i], "pingreset") == 0)
			act_pingreset();
		else if (strcmp(argv[i], "fakehave") == 0 && i + 1 < argc)
			act_fakehave(atoi(argv[++i]));
		else if (strcmp(argv[i], "dupflood") == 0 && i + 1 < argc)
			act_dupflood(atoi(argv[++i]));
		else if (strcmp(argv[i], "claim") == 0 && i + 1 < argc)
			act_claim(atoi(argv[++i]));
		else if (strcmp(argv[i], "reconflood") == 0 && i + 1 < argc)
			act_reconflood(atoi(argv[++i]));
		else if (strcmp(argv[i], "busyempty") == 0 && i + 2 < argc) {
			act_busyempty(atoi(argv[i + 1]), atoi(argv[i + 2]));
			i += 2;
		}
		else if (strcmp(argv[i], "conns") == 0 && i + 1 < argc)
			act_conns(argv[a + 1], atol(argv[++i]));
		else if (strcmp(argv[i], "sleep") == 0)
			zmq_poll(NULL, 0, 500);
		else
			return usage();
		fflush(stdout);
	}
	conns_close();
	zmq_socket_monitor(sock, NULL, 0);
	zmq_close(mon);
	zmq_close(sock);	/* lingers (--linger) for queued frames */
	zmq_ctx_term(ctx);
	printf("sent %llu messages, %llu bytes\n", tx_msgs, tx_bytes);
	key_x25519_wipe(&kx);
	key_wipe(&kp);
	return rc;
}
