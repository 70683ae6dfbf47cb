/* test_ctl.c: the control protocol (node/ctl.h, spec/sync.md section 6):
 * requests and replies round-trip; every rule of section 6.4 refuses what
 * breaks it, on both sides; the version is read from messages of any
 * version; and the client, against a fake node in a child process,
 * refuses malformed, foreign-version and old-protocol replies with one
 * line, and splits a large batch under CTL_MSG_MAX. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "crypto/err.h"
#include "crypto/key.h"
#include "node/ctl.h"
#include "proto/event.h"
#include "store/store.h"
#include "tests/unit/pbwrite.h"
#include "tests/unit/test.h"

/* ---- building messages ---- */

static uint8_t *pack_msg(const ProtobufCMessage *m, size_t *len)
{
	uint8_t *buf;

	if (ctl_pack(m, &buf, len) != 0)
		abort();
	return buf;
}

/* A request of n envelopes "E<i>..." (own: submit, else import). */
static uint8_t *pack_envs(int own, size_t n, size_t envlen, uint32_t version, size_t *len)
{
	Wiec__CtlRequest req = WIEC__CTL_REQUEST__INIT;
	Wiec__CtlSubmit sub = WIEC__CTL_SUBMIT__INIT;
	Wiec__CtlImport imp = WIEC__CTL_IMPORT__INIT;
	ProtobufCBinaryData *bd = calloc(n ? n : 1, sizeof *bd);
	uint8_t *data = calloc(n ? n : 1, envlen ? envlen : 1), *out;

	if (bd == NULL || data == NULL)
		abort();
	for (size_t i = 0; i < n; i++) {
		memset(data + i * envlen, 'A' + (int)(i % 26), envlen);
		bd[i].data = data + i * envlen;
		bd[i].len = envlen;
	}
	req.version = version;
	if (own) {
		sub.n_envelopes = n;
		sub.envelopes = bd;
		req.req_case = WIEC__CTL_REQUEST__REQ_SUBMIT;
		req.submit = &sub;
	} else {
		imp.n_envelopes = n;
		imp.envelopes = bd;
		req.req_case = WIEC__CTL_REQUEST__REQ_IMPORT;
		req.import = &imp;
	}
	out = pack_msg(&req.base, len);
	free(bd);
	free(data);
	return out;
}

static uint8_t *pack_results(const int32_t *v, size_t n, size_t *len)
{
	Wiec__CtlReply rep = WIEC__CTL_REPLY__INIT;
	Wiec__CtlResults r = WIEC__CTL_RESULTS__INIT;

	r.n_outcomes = n;
	r.outcomes = (int32_t *)v;
	rep.version = CTL_VERSION;
	rep.reply_case = WIEC__CTL_REPLY__REPLY_RESULTS;
	rep.results = &r;
	return pack_msg(&rep.base, len);
}

static uint8_t *pack_error(int32_t code, const char *text, size_t *len)
{
	Wiec__CtlReply rep = WIEC__CTL_REPLY__INIT;
	Wiec__CtlError e = WIEC__CTL_ERROR__INIT;

	e.code = code;
	e.text = (char *)text;
	rep.version = CTL_VERSION;
	rep.reply_case = WIEC__CTL_REPLY__REPLY_ERROR;
	rep.error = &e;
	return pack_msg(&rep.base, len);
}

#define NAMES 4
static const char *const names[NAMES] = {
	"Quote \" comma , brace { } bracket ]",
	"Back\\slash: \"a\", {b}",
	"Gdańsk – Urząd Miasta ☀ 城市 🌳",
	"",
};

/* A status reply of n peers (n <= NAMES) with ids 1, 2, ...; idlen, the
 * name of peer 0 and the id of the last can be spoiled by the caller. */
static uint8_t *pack_status(size_t n, size_t idlen, const char *name0, int dup, size_t *len)
{
	Wiec__CtlReply rep = WIEC__CTL_REPLY__INIT;
	Wiec__CtlStatusReply st = WIEC__CTL_STATUS_REPLY__INIT;
	Wiec__CtlPeer ps[NAMES], *pp[NAMES];
	uint8_t ids[NAMES][64];

	for (size_t i = 0; i < n; i++) {
		wiec__ctl_peer__init(&ps[i]);
		memset(ids[i], (int)(dup && i + 1 == n && i > 0 ? i : i + 1), sizeof ids[i]);
		ps[i].id.data = ids[i];
		ps[i].id.len = idlen;
		ps[i].name = (char *)(i == 0 && name0 ? name0 : names[i]);
		ps[i].endpoint = i % 2 ? "" : "tcp://127.0.0.1:7400";
		ps[i].dialed = i % 2 == 0;
		ps[i].connected = 1;
		ps[i].last_seen = 1700000000000ULL + i;
		ps[i].lag = i;
		ps[i].bytes_in = UINT64_MAX;
		ps[i].events_out = 42;
		pp[i] = &ps[i];
	}
	st.n_peers = n;
	st.peers = pp;
	rep.version = CTL_VERSION;
	rep.reply_case = WIEC__CTL_REPLY__REPLY_STATUS;
	rep.status = &st;
	return pack_msg(&rep.base, len);
}

static int reply_rc(uint8_t *buf, size_t len)
{
	Wiec__CtlReply *r;
	uint32_t v;
	int rc = ctl_reply_decode(&r, &v, buf, len);

	if (rc == 0)
		wiec__ctl_reply__free_unpacked(r, NULL);
	else if (r != NULL)
		abort();
	free(buf);
	return rc;
}

static int request_rc(uint8_t *buf, size_t len)
{
	Wiec__CtlRequest *r;
	uint32_t v;
	int rc = ctl_request_decode(&r, &v, buf, len);

	if (rc == 0)
		wiec__ctl_request__free_unpacked(r, NULL);
	else if (r != NULL)
		abort();
	free(buf);
	return rc;
}

/* ---- messages ---- */

TEST(ctl_request_round_trip)
{
	Wiec__CtlRequest req = WIEC__CTL_REQUEST__INIT, *r;
	Wiec__CtlStatus st = WIEC__CTL_STATUS__INIT;
	uint8_t *buf;
	size_t len;
	uint32_t v;

	for (int own = 0; own <= 1; own++) {
		buf = pack_envs(own, 3, 100, CTL_VERSION, &len);
		CHECK(ctl_request_decode(&r, &v, buf, len) == 0);
		free(buf);
		CHECK(v == CTL_VERSION);
		CHECK(r->req_case == (own ? WIEC__CTL_REQUEST__REQ_SUBMIT :
		    WIEC__CTL_REQUEST__REQ_IMPORT));
		{
			const Wiec__CtlSubmit *s = own ? r->submit : NULL;
			const Wiec__CtlImport *im = own ? NULL : r->import;
			size_t n = own ? s->n_envelopes : im->n_envelopes;
			const ProtobufCBinaryData *e = own ? s->envelopes : im->envelopes;

			CHECK(n == 3);
			CHECK(e[2].len == 100 && e[2].data[99] == 'C');
		}
		wiec__ctl_request__free_unpacked(r, NULL);
	}
	req.version = CTL_VERSION;
	req.req_case = WIEC__CTL_REQUEST__REQ_STATUS;
	req.status = &st;
	buf = pack_msg(&req.base, &len);
	CHECK(ctl_request_decode(&r, &v, buf, len) == 0);
	free(buf);
	CHECK(r->req_case == WIEC__CTL_REQUEST__REQ_STATUS);
	wiec__ctl_request__free_unpacked(r, NULL);
	/* The biggest request: 1,024 envelopes under CTL_MSG_MAX. */
	buf = pack_envs(1, CTL_MAX_ENVS, (CTL_MSG_MAX - 64) / CTL_MAX_ENVS - 4, CTL_VERSION, &len);
	CHECK(request_rc(buf, len) == 0);
}

TEST(ctl_request_refusals)
{
	Wiec__CtlRequest req = WIEC__CTL_REQUEST__INIT, *r;
	wbuf_t b = { 0 };
	uint8_t *buf;
	size_t len;
	uint32_t v;

	/* Another version: refused before anything else is looked at. */
	buf = pack_envs(1, 1, 10, 7, &len);
	CHECK(ctl_request_decode(&r, &v, buf, len) == WIEC_ERR_PROTO && r == NULL);
	CHECK(v == 7);
	free(buf);
	buf = pack_envs(1, 1, 10, 0, &len);	/* no version at all */
	CHECK(ctl_request_decode(&r, &v, buf, len) == WIEC_ERR_PROTO && v == 0);
	free(buf);
	/* The old string frames carry no version. */
	CHECK(ctl_request_decode(&r, &v, (const uint8_t *)"status", 6) == WIEC_ERR_PROTO && v == 0);
	/* No member set. */
	req.version = CTL_VERSION;
	buf = pack_msg(&req.base, &len);
	CHECK(request_rc(buf, len) == WIEC_ERR_PROTO);
	/* No envelopes; an empty one; one over EV_ENV_MAX. */
	buf = pack_envs(0, 0, 10, CTL_VERSION, &len);
	CHECK(request_rc(buf, len) == WIEC_ERR_PROTO);
	buf = pack_envs(1, 2, 0, CTL_VERSION, &len);
	CHECK(request_rc(buf, len) == WIEC_ERR_PROTO);
	buf = pack_envs(0, 1, EV_ENV_MAX + 1, CTL_VERSION, &len);
	CHECK(request_rc(buf, len) == WIEC_ERR_PROTO);
	/* 1,025 envelopes: counted before anything is allocated. */
	buf = pack_envs(0, CTL_MAX_ENVS + 1, 1, CTL_VERSION, &len);
	CHECK(request_rc(buf, len) == WIEC_ERR_TOO_BIG);
	/* Over CTL_MSG_MAX bytes. */
	buf = calloc(1, CTL_MSG_MAX + 1);
	CHECK(buf != NULL);
	buf[0] = 0x08;
	buf[1] = CTL_VERSION;
	CHECK(request_rc(buf, CTL_MSG_MAX + 1) == WIEC_ERR_TOO_BIG);
	/* An unknown field, top level and inside a member. */
	w_u64(&b, 1, CTL_VERSION);
	w_bytes(&b, 4, "", 0);
	w_u64(&b, 9, 1);
	CHECK(ctl_request_decode(&r, &v, b.p, b.n) == WIEC_ERR_UNKNOWN);
	b.n = 0;
	w_u64(&b, 1, CTL_VERSION);
	w_bytes(&b, 4, "\x10\x01", 2);
	CHECK(ctl_request_decode(&r, &v, b.p, b.n) == WIEC_ERR_UNKNOWN);
	/* Two members of the oneof. */
	b.n = 0;
	w_u64(&b, 1, CTL_VERSION);
	w_bytes(&b, 4, "", 0);
	w_bytes(&b, 2, "\x0a\x01x", 3);
	CHECK(ctl_request_decode(&r, &v, b.p, b.n) == WIEC_ERR_DECODE);
	/* Truncated. */
	b.n = 0;
	w_u64(&b, 1, CTL_VERSION);
	w_tag(&b, 2, 2);
	w_varint(&b, 50);
	w_raw(&b, "\x0a\x03xyz", 5);
	CHECK(ctl_request_decode(&r, &v, b.p, b.n) == WIEC_ERR_DECODE);
	free(b.p);
}

TEST(ctl_peek_version_any_version)
{
	wbuf_t b = { 0 };

	/* A later version may put fields we do not know before field 1. */
	w_bytes(&b, 17, "future", 6);
	w_tag(&b, 18, 1);
	w_raw(&b, "12345678", 8);
	w_tag(&b, 19, 5);
	w_raw(&b, "1234", 4);
	w_u64(&b, 20, 99);
	w_u64(&b, 1, 3);
	CHECK(ctl_peek_version(b.p, b.n) == 3);
	b.n = 0;
	w_u64(&b, 1, (uint64_t)1 << 32);	/* not a uint32 */
	CHECK(ctl_peek_version(b.p, b.n) == 0);
	b.n = 0;
	w_bytes(&b, 1, "x", 1);		/* field 1, but not a varint */
	CHECK(ctl_peek_version(b.p, b.n) == 0);
	CHECK(ctl_peek_version((const uint8_t *)"\x0a\x05xy", 4) == 0);	/* runs past the end */
	CHECK(ctl_peek_version((const uint8_t *)"\x08", 1) == 0);
	CHECK(ctl_peek_version((const uint8_t *)"", 0) == 0);
	CHECK(ctl_peek_version((const uint8_t *)"\x0b\x08\x01", 3) == 0);	/* a group */
	free(b.p);
}

TEST(ctl_reply_round_trip)
{
	static const int32_t outs[] = { STORE_ADDED, STORE_DUP, STORE_PENDING, STORE_FORK,
		WIEC_ERR_CHAIN, WIEC_ERR_SIG, -127 };
	Wiec__CtlReply *r;
	uint8_t *buf;
	size_t len;
	uint32_t v;

	buf = pack_results(outs, 7, &len);
	CHECK(ctl_reply_decode(&r, &v, buf, len) == 0);
	free(buf);
	CHECK(r->reply_case == WIEC__CTL_REPLY__REPLY_RESULTS && r->results->n_outcomes == 7);
	CHECK(memcmp(r->results->outcomes, outs, sizeof outs) == 0);
	wiec__ctl_reply__free_unpacked(r, NULL);

	buf = pack_status(NAMES, KEY_PK_BYTES, NULL, 0, &len);
	CHECK(ctl_reply_decode(&r, &v, buf, len) == 0);
	free(buf);
	CHECK(r->reply_case == WIEC__CTL_REPLY__REPLY_STATUS && r->status->n_peers == NAMES);
	for (size_t i = 0; i < NAMES; i++) {
		CHECK(strcmp(r->status->peers[i]->name, names[i]) == 0);
		CHECK(r->status->peers[i]->id.len == KEY_PK_BYTES);
		CHECK(r->status->peers[i]->id.data[0] == i + 1);
	}
	CHECK(r->status->peers[0]->bytes_in == UINT64_MAX && r->status->peers[3]->lag == 3);
	CHECK(r->status->peers[0]->dialed && !r->status->peers[1]->dialed);
	wiec__ctl_reply__free_unpacked(r, NULL);

	buf = pack_status(0, KEY_PK_BYTES, NULL, 0, &len);	/* a node of one */
	CHECK(reply_rc(buf, len) == 0);
	buf = pack_error(WIEC_ERR_MAP_FULL, "LMDB map full: raise map_size", &len);
	CHECK(ctl_reply_decode(&r, &v, buf, len) == 0);
	free(buf);
	CHECK(r->reply_case == WIEC__CTL_REPLY__REPLY_ERROR && r->error->code == WIEC_ERR_MAP_FULL);
	wiec__ctl_reply__free_unpacked(r, NULL);
}

TEST(ctl_reply_refusals)
{
	static const int32_t bad_outs[] = { 0, 5, -128, 1000, INT32_MIN };
	char longname[EV_NAME_MAX + 2], longtext[CTL_TEXT_MAX + 2];
	Wiec__CtlReply rep = WIEC__CTL_REPLY__INIT, *r;
	wbuf_t b = { 0 };
	uint8_t *buf;
	size_t len;
	uint32_t v;
	int32_t o;

	for (size_t i = 0; i < sizeof bad_outs / sizeof bad_outs[0]; i++) {
		int32_t two[2] = { STORE_ADDED, bad_outs[i] };

		buf = pack_results(two, 2, &len);
		CHECK(reply_rc(buf, len) == WIEC_ERR_PROTO);
	}
	buf = pack_results(&o, 0, &len);		/* no outcome */
	CHECK(reply_rc(buf, len) == WIEC_ERR_PROTO);
	/* 1,025 outcomes: counted before unpacking. */
	{
		int32_t *many = calloc(CTL_MAX_ENVS + 1, sizeof *many);

		CHECK(many != NULL);
		for (size_t i = 0; i <= CTL_MAX_ENVS; i++)
			many[i] = STORE_ADDED;
		buf = pack_results(many, CTL_MAX_ENVS, &len);
		CHECK(reply_rc(buf, len) == 0);
		buf = pack_results(many, CTL_MAX_ENVS + 1, &len);
		free(many);
		CHECK(reply_rc(buf, len) == WIEC_ERR_TOO_BIG);
	}
	/* Errors: code in -127..-1, one line of text. */
	buf = pack_error(0, "zero", &len);
	CHECK(reply_rc(buf, len) == WIEC_ERR_PROTO);
	buf = pack_error(3, "positive", &len);
	CHECK(reply_rc(buf, len) == WIEC_ERR_PROTO);
	buf = pack_error(-200, "too low", &len);
	CHECK(reply_rc(buf, len) == WIEC_ERR_PROTO);
	buf = pack_error(WIEC_ERR_IO, "", &len);
	CHECK(reply_rc(buf, len) == WIEC_ERR_PROTO);
	buf = pack_error(WIEC_ERR_IO, "two\nlines", &len);
	CHECK(reply_rc(buf, len) == WIEC_ERR_PROTO);
	buf = pack_error(WIEC_ERR_IO, "bad \xc3\x28 utf-8", &len);
	CHECK(reply_rc(buf, len) == WIEC_ERR_PROTO);
	memset(longtext, 'x', sizeof longtext - 1);
	longtext[sizeof longtext - 1] = '\0';
	buf = pack_error(WIEC_ERR_IO, longtext, &len);
	CHECK(reply_rc(buf, len) == WIEC_ERR_PROTO);
	longtext[CTL_TEXT_MAX] = '\0';
	buf = pack_error(WIEC_ERR_IO, longtext, &len);
	CHECK(reply_rc(buf, len) == 0);
	/* Peers: 32-byte distinct ids, names and endpoints of valid text. */
	buf = pack_status(2, 31, NULL, 0, &len);
	CHECK(reply_rc(buf, len) == WIEC_ERR_PROTO);
	buf = pack_status(2, 33, NULL, 0, &len);
	CHECK(reply_rc(buf, len) == WIEC_ERR_PROTO);
	buf = pack_status(3, KEY_PK_BYTES, NULL, 1, &len);
	CHECK(reply_rc(buf, len) == WIEC_ERR_PROTO);
	buf = pack_status(2, KEY_PK_BYTES, "tab\there", 0, &len);
	CHECK(reply_rc(buf, len) == WIEC_ERR_PROTO);
	buf = pack_status(2, KEY_PK_BYTES, "esc \x1b[31m red", 0, &len);
	CHECK(reply_rc(buf, len) == WIEC_ERR_PROTO);
	buf = pack_status(2, KEY_PK_BYTES, "overlong \xc0\xaf", 0, &len);
	CHECK(reply_rc(buf, len) == WIEC_ERR_PROTO);
	memset(longname, 'n', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	buf = pack_status(2, KEY_PK_BYTES, longname, 0, &len);
	CHECK(reply_rc(buf, len) == WIEC_ERR_PROTO);
	/* A NUL inside a string cannot be held: refused by the decoder. */
	b.n = 0;
	w_u64(&b, 1, CTL_VERSION);
	{
		wbuf_t st = { 0 }, peer = { 0 };

		w_bytes(&peer, 1, "01234567890123456789012345678901", 32);
		w_bytes(&peer, 2, "a\0b", 3);
		w_bytes(&st, 1, peer.p, peer.n);
		w_bytes(&b, 4, st.p, st.n);
		free(st.p);
		free(peer.p);
	}
	CHECK(ctl_reply_decode(&r, &v, b.p, b.n) == WIEC_ERR_DECODE);
	/* An unknown field inside a peer. */
	b.n = 0;
	w_u64(&b, 1, CTL_VERSION);
	{
		wbuf_t st = { 0 }, peer = { 0 };

		w_bytes(&peer, 1, "01234567890123456789012345678901", 32);
		w_u64(&peer, 14, 1);
		w_bytes(&st, 1, peer.p, peer.n);
		w_bytes(&b, 4, st.p, st.n);
		free(st.p);
		free(peer.p);
	}
	CHECK(ctl_reply_decode(&r, &v, b.p, b.n) == WIEC_ERR_UNKNOWN);
	/* 1,025 peers, even empty ones: counted before anything is allocated. */
	b.n = 0;
	w_u64(&b, 1, CTL_VERSION);
	w_tag(&b, 4, 2);
	w_varint(&b, 2 * (CTL_PEERS_MAX + 1));
	for (size_t i = 0; i <= CTL_PEERS_MAX; i++)
		w_raw(&b, "\x0a\x00", 2);
	CHECK(ctl_reply_decode(&r, &v, b.p, b.n) == WIEC_ERR_TOO_BIG);
	free(b.p);
	/* No member; another version. */
	rep.version = CTL_VERSION;
	buf = pack_msg(&rep.base, &len);
	CHECK(reply_rc(buf, len) == WIEC_ERR_PROTO);
	rep.version = CTL_VERSION + 1;
	buf = pack_msg(&rep.base, &len);
	CHECK(ctl_reply_decode(&r, &v, buf, len) == WIEC_ERR_PROTO && v == CTL_VERSION + 1);
	free(buf);
}

/* ---- the client against a fake node ---- */

enum { FAKE_RAW, FAKE_LEGACY, FAKE_RESULTS };

/* In a child: binds DIR's control socket and answers requests: with the
 * canned bytes (RAW), the two frames of protocol 0 (LEGACY), or outcomes
 * STORE_ADDED for every envelope of a checked request (RESULTS, until
 * `total` envelopes). Exits with the number of requests answered, or 100
 * + the ctl_request_decode error of a refused one. */
static int fake_serve(const char *dir, int mode, const uint8_t *canned, size_t clen,
    size_t total)
{
	char ep[4200];
	void *ctx = zmq_ctx_new(), *s = ctx ? zmq_socket(ctx, ZMQ_ROUTER) : NULL;
	int timeout = 20000, linger = 5000, served = 0;
	int64_t max = CTL_MSG_MAX;
	size_t seen = 0;

	if (s == NULL || ctl_endpoint(ep, sizeof ep, dir) != 0 ||
	    zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof timeout) != 0 ||
	    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
	    zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &max, sizeof max) != 0 || zmq_bind(s, ep) != 0)
		return 99;
	for (;;) {
		zmq_msg_t rid, m;
		Wiec__CtlRequest *req;
		uint32_t v;
		int rc;

		zmq_msg_init(&rid);
		zmq_msg_init(&m);
		if (zmq_msg_recv(&rid, s, 0) < 0 || zmq_msg_recv(&m, s, 0) < 0)
			break;
		zmq_send(s, zmq_msg_data(&rid), zmq_msg_size(&rid), ZMQ_SNDMORE);
		if (mode == FAKE_RAW) {
			zmq_send(s, canned, clen, 0);
		} else if (mode == FAKE_LEGACY) {
			zmq_send(s, "error", 5, ZMQ_SNDMORE);
			zmq_send(s, "unknown request", 15, 0);
		} else if ((rc = ctl_request_decode(&req, &v, zmq_msg_data(&m),
		    zmq_msg_size(&m))) != 0) {
			served = 100 - rc;
			break;
		} else {
			size_t k = req->import->n_envelopes;
			int32_t *o = calloc(k, sizeof *o);
			uint8_t *buf;
			size_t len;

			for (size_t i = 0; o && i < k; i++)
				o[i] = STORE_ADDED;
			buf = pack_results(o, k, &len);
			zmq_send(s, buf, len, 0);
			free(buf);
			free(o);
			wiec__ctl_request__free_unpacked(req, NULL);
			seen += k;
		}
		zmq_msg_close(&rid);
		zmq_msg_close(&m);
		served++;
		if (mode != FAKE_RESULTS || seen >= total)
			break;
	}
	zmq_close(s);
	zmq_ctx_term(ctx);
	return served;
}

static pid_t fake_node(const char *dir, int mode, const uint8_t *canned, size_t clen,
    size_t total)
{
	pid_t pid = fork();

	if (pid == 0) {
		int served = fake_serve(dir, mode, canned, clen, total);

		/* The child's copy of the parent's buffer (memcheck follows forks). */
		free((void *)(uintptr_t)canned);
		_exit(served);
	}
	return pid;
}

static int fake_wait(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* ctl_status against a node answering buf; returns its error, why set. */
static int status_against(const char *dir, int mode, uint8_t *buf, size_t len, char *why,
    size_t whylen)
{
	Wiec__CtlReply *r = NULL;
	pid_t pid = fake_node(dir, mode, buf, len, 0);
	int rc;

	if (pid < 0)
		return 1000;
	rc = ctl_status(dir, &r, why, whylen);
	if (fake_wait(pid) != 1)
		rc = 1001;
	if (r != NULL && rc == 0)
		wiec__ctl_reply__free_unpacked(r, NULL);
	else if (r != NULL)
		rc = 1002;
	free(buf);
	return rc;
}

TEST(ctl_client_refuses_bad_replies)
{
	Wiec__CtlReply rep = WIEC__CTL_REPLY__INIT;
	char why[256];
	uint8_t *buf;
	size_t len;
	int32_t one = STORE_ADDED;

	/* A good one first. */
	buf = pack_status(NAMES, KEY_PK_BYTES, NULL, 0, &len);
	CHECK(status_against(TEST_TMP, FAKE_RAW, buf, len, why, sizeof why) == 0);
	/* A node of another version: one line naming both. */
	rep.version = 2;
	buf = pack_msg(&rep.base, &len);
	CHECK(status_against(TEST_TMP, FAKE_RAW, buf, len, why, sizeof why) == WIEC_ERR_PROTO);
	CHECK(strcmp(why, "it speaks control protocol 2; this wiec speaks 1") == 0);
	/* A node of before this protocol. */
	CHECK(status_against(TEST_TMP, FAKE_LEGACY, NULL, 0, why, sizeof why) == WIEC_ERR_PROTO);
	CHECK(strcmp(why, "it speaks control protocol 0; this wiec speaks 1") == 0);
	/* Malformed: a peer name with a newline; a results reply to a status. */
	buf = pack_status(2, KEY_PK_BYTES, "two\nlines", 0, &len);
	CHECK(status_against(TEST_TMP, FAKE_RAW, buf, len, why, sizeof why) == WIEC_ERR_PROTO);
	CHECK(strncmp(why, "malformed reply: ", 17) == 0);
	buf = pack_results(&one, 1, &len);
	CHECK(status_against(TEST_TMP, FAKE_RAW, buf, len, why, sizeof why) == WIEC_ERR_PROTO);
	CHECK(strcmp(why, "malformed reply: not a status") == 0);
	/* Garbage. */
	buf = malloc(4);
	CHECK(buf != NULL);
	memcpy(buf, "\x08\x01\xff\xff", 4);
	CHECK(status_against(TEST_TMP, FAKE_RAW, buf, 4, why, sizeof why) == WIEC_ERR_PROTO);
	CHECK(strncmp(why, "malformed reply: ", 17) == 0);
	/* The node's own refusal is passed on as it is. */
	buf = pack_error(WIEC_ERR_STORE, "store (LMDB) failure", &len);
	CHECK(status_against(TEST_TMP, FAKE_RAW, buf, len, why, sizeof why) == WIEC_ERR_PROTO);
	CHECK(strcmp(why, "store (LMDB) failure") == 0);
}

TEST(ctl_submit_outcomes_checked)
{
	static const uint8_t env[] = "not really an envelope";
	const uint8_t *envs[2] = { env, env };
	size_t lens[2] = { sizeof env, sizeof env };
	int32_t outs[3] = { STORE_ADDED, STORE_DUP, STORE_ADDED };
	int res[2] = { 0, 0 };
	char why[256];
	uint8_t *buf;
	size_t len;
	pid_t pid;

	/* Three outcomes for two envelopes. */
	buf = pack_results(outs, 3, &len);
	CHECK((pid = fake_node(TEST_TMP, FAKE_RAW, buf, len, 0)) > 0);
	CHECK(ctl_submit(TEST_TMP, 0, envs, lens, 2, res, why, sizeof why) == WIEC_ERR_PROTO);
	CHECK(fake_wait(pid) == 1);
	CHECK(strcmp(why, "malformed reply: not one outcome per event") == 0);
	free(buf);
	/* Two: taken in order. */
	buf = pack_results(outs + 1, 2, &len);
	CHECK((pid = fake_node(TEST_TMP, FAKE_RAW, buf, len, 0)) > 0);
	CHECK(ctl_submit(TEST_TMP, 1, envs, lens, 2, res, why, sizeof why) == 0);
	CHECK(fake_wait(pid) == 1);
	CHECK(res[0] == STORE_DUP && res[1] == STORE_ADDED);
	free(buf);
}

TEST(ctl_submit_splits_under_msg_max)
{
	enum { N = 100, LEN = 60000 };
	const uint8_t *envs[N + 2];
	size_t lens[N + 2];
	int res[N + 2];
	uint8_t *data = malloc(EV_ENV_MAX + 1);
	char why[256] = "";
	pid_t pid;

	CHECK(data != NULL);
	memset(data, 'e', EV_ENV_MAX + 1);
	for (size_t i = 0; i < N + 2; i++) {
		envs[i] = data;
		lens[i] = LEN;
		res[i] = 0;
	}
	lens[7] = EV_ENV_MAX + 1;	/* never sent: the node would refuse it */
	lens[N + 1] = 0;
	/* 6 MB of envelopes: two requests of at most 4 MiB each. */
	CHECK((pid = fake_node(TEST_TMP, FAKE_RESULTS, NULL, 0, N)) > 0);
	CHECK(ctl_submit(TEST_TMP, 0, envs, lens, N + 2, res, why, sizeof why) == 0);
	CHECK_EQ_U64(fake_wait(pid), 2);
	free(data);
	for (size_t i = 0; i < N + 1; i++)
		CHECK(res[i] == (i == 7 ? WIEC_ERR_TOO_BIG : STORE_ADDED));
	CHECK(res[N + 1] == WIEC_ERR_DECODE);
}
