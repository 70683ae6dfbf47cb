/* ctl.c: the control protocol (node/ctl.h, spec/sync.md section 6): its
 * messages, checked on decode for both sides, and the CLI's client. The
 * node's side is ctlsrv.c. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <zmq.h>

#include "crypto/err.h"
#include "crypto/key.h"
#include "node/ctl.h"
#include "node/peers.h"
#include "proto/decode.h"
#include "proto/event.h"
#include "store/store.h"

int ctl_direct_lock(const char *dir, int *lockfd)
{
	char path[PATH_MAX];
	int fd;

	*lockfd = -1;
	if (snprintf(path, sizeof path, "%s/%s", dir, CTL_LOCK) >= (int)sizeof path)
		return WIEC_ERR_ARG;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return WIEC_ERR_IO;
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		*lockfd = fd;
		return 0;
	}
	close(fd);
	return errno == EWOULDBLOCK ? 1 : WIEC_ERR_IO;
}

int ctl_endpoint(char *buf, size_t len, const char *dir)
{
	char abs[PATH_MAX];
	int n;

	if (realpath(dir, abs) == NULL)
		return WIEC_ERR_IO;
	n = snprintf(buf, len, "ipc://%s/%s", abs, CTL_SOCK);
	/* sun_path holds 108 bytes with its NUL. */
	return n < 0 || (size_t)n >= len || strlen(abs) + 1 + strlen(CTL_SOCK) >= 108 ?
	    WIEC_ERR_ARG : 0;
}

/* ---- the messages ---- */

/* Counted before anything is allocated (proto/decode.h). */
static const dec_limit_t ctl_limits[] = {
	{ &wiec__ctl_submit__descriptor, 1, CTL_MAX_ENVS },
	{ &wiec__ctl_import__descriptor, 1, CTL_MAX_ENVS },
	{ &wiec__ctl_results__descriptor, 1, CTL_MAX_ENVS },
	{ &wiec__ctl_status_reply__descriptor, 1, CTL_PEERS_MAX },
};

/* Not signed, so canonical form is not required; everything else is. */
static const dec_opts_t ctl_opts = {
	CTL_MSG_MAX, 0, ctl_limits, sizeof ctl_limits / sizeof ctl_limits[0], 0
};

static size_t peek_varint(const uint8_t *p, size_t n, uint64_t *v)
{
	uint64_t r = 0;

	for (size_t i = 0; i < n && i < 10; i++) {
		r |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if ((p[i] & 0x80) == 0) {
			*v = r;
			return i + 1;
		}
	}
	return 0;
}

uint32_t ctl_peek_version(const uint8_t *buf, size_t len)
{
	size_t pos = 0, used;
	uint64_t tag, v;

	/* Walks the top-level fields by wire type alone: a message of a
	 * later version, with fields we do not know, still shows its version. */
	while (pos < len) {
		if ((used = peek_varint(buf + pos, len - pos, &tag)) == 0)
			return 0;
		pos += used;
		switch (tag & 7) {
		case 0:
			if ((used = peek_varint(buf + pos, len - pos, &v)) == 0)
				return 0;
			if (tag >> 3 == 1)
				return v <= UINT32_MAX ? (uint32_t)v : 0;
			pos += used;
			break;
		case 1:
		case 5:
			v = (tag & 7) == 1 ? 8 : 4;
			if (len - pos < v)
				return 0;
			pos += (size_t)v;
			break;
		case 2:
			if ((used = peek_varint(buf + pos, len - pos, &v)) == 0 ||
			    v > len - pos - used)
				return 0;
			pos += used + (size_t)v;
			break;
		default:
			return 0;
		}
	}
	return 0;
}

static int envs_ok(const ProtobufCBinaryData *e, size_t n)
{
	if (n == 0 || n > CTL_MAX_ENVS)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (e[i].len == 0 || e[i].len > EV_ENV_MAX)
			return 0;
	return 1;
}

static int request_ok(const Wiec__CtlRequest *r)
{
	if (r->version != CTL_VERSION)
		return 0;
	switch (r->req_case) {
	case WIEC__CTL_REQUEST__REQ_SUBMIT:
		return envs_ok(r->submit->envelopes, r->submit->n_envelopes);
	case WIEC__CTL_REQUEST__REQ_IMPORT:
		return envs_ok(r->import->envelopes, r->import->n_envelopes);
	case WIEC__CTL_REQUEST__REQ_STATUS:
		return 1;
	default:
		return 0;
	}
}

int ctl_request_decode(Wiec__CtlRequest **out, uint32_t *version, const uint8_t *buf,
    size_t len)
{
	ProtobufCMessage *m;
	int rc;

	*out = NULL;
	if ((*version = ctl_peek_version(buf, len)) != CTL_VERSION)
		return WIEC_ERR_PROTO;
	if ((rc = dec_unpack(&m, &wiec__ctl_request__descriptor, buf, len, &ctl_opts)) != 0)
		return rc;
	if (!request_ok((const Wiec__CtlRequest *)m)) {
		protobuf_c_message_free_unpacked(m, NULL);
		return WIEC_ERR_PROTO;
	}
	*out = (Wiec__CtlRequest *)m;
	return 0;
}

/* An outcome the protocol knows: STORE_ADDED .. STORE_FORK or an error. */
static int outcome_ok(int32_t v)
{
	return (v >= STORE_ADDED && v <= STORE_FORK) || (v <= -1 && v >= -127);
}

static int peers_ok(const Wiec__CtlStatusReply *s)
{
	if (s->n_peers > CTL_PEERS_MAX)
		return 0;
	for (size_t i = 0; i < s->n_peers; i++) {
		const Wiec__CtlPeer *p = s->peers[i];

		if (p->id.len != KEY_PK_BYTES || !ev_text_ok(p->name, 0, EV_NAME_MAX, 0) ||
		    !ev_text_ok(p->endpoint, 0, PEERS_ENDPOINT_MAX - 1, 0))
			return 0;
		for (size_t j = 0; j < i; j++)
			if (memcmp(s->peers[j]->id.data, p->id.data, KEY_PK_BYTES) == 0)
				return 0;
	}
	return 1;
}

static int reply_ok(const Wiec__CtlReply *r)
{
	if (r->version != CTL_VERSION)
		return 0;
	switch (r->reply_case) {
	case WIEC__CTL_REPLY__REPLY_ERROR:
		return r->error->code <= -1 && r->error->code >= -127 &&
		    ev_text_ok(r->error->text, 1, CTL_TEXT_MAX, 0);
	case WIEC__CTL_REPLY__REPLY_RESULTS:
		if (r->results->n_outcomes == 0 || r->results->n_outcomes > CTL_MAX_ENVS)
			return 0;
		for (size_t i = 0; i < r->results->n_outcomes; i++)
			if (!outcome_ok(r->results->outcomes[i]))
				return 0;
		return 1;
	case WIEC__CTL_REPLY__REPLY_STATUS:
		return peers_ok(r->status);
	default:
		return 0;
	}
}

int ctl_reply_decode(Wiec__CtlReply **out, uint32_t *version, const uint8_t *buf, size_t len)
{
	ProtobufCMessage *m;
	int rc;

	*out = NULL;
	if ((*version = ctl_peek_version(buf, len)) != CTL_VERSION)
		return WIEC_ERR_PROTO;
	if ((rc = dec_unpack(&m, &wiec__ctl_reply__descriptor, buf, len, &ctl_opts)) != 0)
		return rc;
	if (!reply_ok((const Wiec__CtlReply *)m)) {
		protobuf_c_message_free_unpacked(m, NULL);
		return WIEC_ERR_PROTO;
	}
	*out = (Wiec__CtlReply *)m;
	return 0;
}

int ctl_pack(const ProtobufCMessage *m, uint8_t **buf, size_t *len)
{
	size_t n = protobuf_c_message_get_packed_size(m);

	*buf = NULL;
	*len = 0;
	if (n > CTL_MSG_MAX)
		return WIEC_ERR_TOO_BIG;
	if ((*buf = malloc(n ? n : 1)) == NULL)
		return WIEC_ERR_NOMEM;
	*len = protobuf_c_message_pack(m, *buf);
	return 0;
}

const char *ctl_strerror(int rc)
{
	return rc == WIEC_ERR_PROTO ? "breaks the control protocol" : wiec_strerror(rc);
}

/* ---- the client ---- */

typedef struct conn {
	void *ctx, *sock;
} conn_t;

static void conn_close(conn_t *c)
{
	if (c->sock != NULL)
		zmq_close(c->sock);
	if (c->ctx != NULL)
		while (zmq_ctx_term(c->ctx) != 0 && zmq_errno() == EINTR)
			;
	c->sock = c->ctx = NULL;
}

static int conn_open(conn_t *c, const char *dir, char *why, size_t whylen)
{
	char ep[PATH_MAX + 16];
	int timeout = CTL_TIMEOUT_MS, zero = 0, rc;
	int64_t max = CTL_MSG_MAX;

	c->ctx = c->sock = NULL;
	if ((rc = ctl_endpoint(ep, sizeof ep, dir)) != 0) {
		snprintf(why, whylen, "%s", rc == WIEC_ERR_ARG ?
		    "the path of its control socket is too long" : strerror(errno));
		return rc;
	}
	if ((c->ctx = zmq_ctx_new()) == NULL || (c->sock = zmq_socket(c->ctx, ZMQ_DEALER)) == NULL ||
	    zmq_setsockopt(c->sock, ZMQ_RCVTIMEO, &timeout, sizeof timeout) != 0 ||
	    zmq_setsockopt(c->sock, ZMQ_SNDTIMEO, &timeout, sizeof timeout) != 0 ||
	    zmq_setsockopt(c->sock, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
	    zmq_setsockopt(c->sock, ZMQ_MAXMSGSIZE, &max, sizeof max) != 0 ||
	    zmq_connect(c->sock, ep) != 0) {
		snprintf(why, whylen, "control socket: %s", zmq_strerror(zmq_errno()));
		conn_close(c);
		return WIEC_ERR_IO;
	}
	return 0;
}

/* The node's answer was several frames: a node of before this protocol
 * (version 0: string frames) answers ["error", reason]. Drains them. */
static int legacy_reply(conn_t *c, zmq_msg_t *first, char *why, size_t whylen)
{
	int more = zmq_msg_more(first);

	while (more) {
		zmq_msg_t m;

		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, c->sock, 0) < 0) {
			zmq_msg_close(&m);
			break;
		}
		more = zmq_msg_more(&m);
		zmq_msg_close(&m);
	}
	if (zmq_msg_size(first) == 5 && memcmp(zmq_msg_data(first), "error", 5) == 0)
		snprintf(why, whylen, "it speaks control protocol 0; this wiec speaks %d",
		    CTL_VERSION);
	else
		snprintf(why, whylen, "malformed reply: more than one frame");
	return WIEC_ERR_PROTO;
}

/* Sends req and receives its checked reply; an error reply is a failure
 * with its text in why. On success *out is the reply (caller frees). */
static int call(conn_t *c, const Wiec__CtlRequest *req, Wiec__CtlReply **out, char *why,
    size_t whylen)
{
	zmq_msg_t m;
	uint8_t *buf;
	size_t len;
	uint32_t v;
	int rc;

	*out = NULL;
	if ((rc = ctl_pack(&req->base, &buf, &len)) != 0) {
		snprintf(why, whylen, "%s", wiec_strerror(rc));
		return rc;
	}
	rc = zmq_send(c->sock, buf, len, 0) < 0 ? WIEC_ERR_IO : 0;
	free(buf);
	if (rc != 0) {
		snprintf(why, whylen, "no answer within %d s", CTL_TIMEOUT_MS / 1000);
		return rc;
	}
	zmq_msg_init(&m);
	if (zmq_msg_recv(&m, c->sock, 0) < 0) {
		snprintf(why, whylen, "no answer within %d s", CTL_TIMEOUT_MS / 1000);
		rc = WIEC_ERR_IO;
	} else if (zmq_msg_more(&m)) {
		rc = legacy_reply(c, &m, why, whylen);
	} else if ((rc = ctl_reply_decode(out, &v, zmq_msg_data(&m), zmq_msg_size(&m))) != 0) {
		if (v != CTL_VERSION && v != 0)
			snprintf(why, whylen, "it speaks control protocol %u; this wiec speaks %d",
			    (unsigned)v, CTL_VERSION);
		else
			snprintf(why, whylen, "malformed reply: %s", ctl_strerror(rc));
		rc = WIEC_ERR_PROTO;
	} else if ((*out)->reply_case == WIEC__CTL_REPLY__REPLY_ERROR) {
		snprintf(why, whylen, "%s", (*out)->error->text);
		wiec__ctl_reply__free_unpacked(*out, NULL);
		*out = NULL;
		rc = WIEC_ERR_PROTO;
	}
	zmq_msg_close(&m);
	return rc;
}

/* Bytes an envelope of len bytes adds to a request: tag, length, data. */
static size_t env_cost(size_t len)
{
	size_t n = 1;

	for (size_t l = len; l >= 0x80; l >>= 7)
		n++;
	return 1 + n + len;
}

/* One request of the envelopes idx[0..k) and their outcomes. */
static int submit_some(conn_t *c, int own, const uint8_t *const *envs, const size_t *lens,
    const size_t *idx, size_t k, int *results, char *why, size_t whylen)
{
	ProtobufCBinaryData bd[CTL_MAX_ENVS];
	Wiec__CtlRequest req = WIEC__CTL_REQUEST__INIT;
	Wiec__CtlSubmit sub = WIEC__CTL_SUBMIT__INIT;
	Wiec__CtlImport imp = WIEC__CTL_IMPORT__INIT;
	Wiec__CtlReply *rep;
	int rc;

	for (size_t j = 0; j < k; j++) {
		bd[j].data = (uint8_t *)envs[idx[j]];	/* only read by the packer */
		bd[j].len = lens[idx[j]];
	}
	req.version = CTL_VERSION;
	if (own) {
		sub.n_envelopes = k;
		sub.envelopes = bd;
		req.req_case = WIEC__CTL_REQUEST__REQ_SUBMIT;
		req.submit = &sub;
	} else {
		imp.n_envelopes = k;
		imp.envelopes = bd;
		req.req_case = WIEC__CTL_REQUEST__REQ_IMPORT;
		req.import = &imp;
	}
	if ((rc = call(c, &req, &rep, why, whylen)) != 0)
		return rc;
	if (rep->reply_case != WIEC__CTL_REPLY__REPLY_RESULTS || rep->results->n_outcomes != k) {
		snprintf(why, whylen, "malformed reply: not one outcome per event");
		rc = WIEC_ERR_PROTO;
	} else {
		for (size_t j = 0; j < k; j++)
			results[idx[j]] = rep->results->outcomes[j];
	}
	wiec__ctl_reply__free_unpacked(rep, NULL);
	return rc;
}

int ctl_submit(const char *dir, int own, const uint8_t *const *envs, const size_t *lens,
    size_t n, int *results, char *why, size_t whylen)
{
	size_t idx[CTL_MAX_ENVS], k = 0, bytes = 0;
	conn_t c = { NULL, NULL };
	int rc = 0;

	if (n == 0 || n > CTL_MAX_ENVS) {
		snprintf(why, whylen, "%s", wiec_strerror(WIEC_ERR_ARG));
		return WIEC_ERR_ARG;
	}
	/* Greedy batches under CTL_MSG_MAX; 16 bytes for version and tags. */
	for (size_t i = 0; i <= n && rc == 0; i++) {
		if (i < n && (lens[i] == 0 || lens[i] > EV_ENV_MAX)) {
			results[i] = lens[i] == 0 ? WIEC_ERR_DECODE : WIEC_ERR_TOO_BIG;
			continue;
		}
		if (k > 0 && (i == n || 16 + bytes + env_cost(lens[i]) > CTL_MSG_MAX)) {
			if (c.sock == NULL && (rc = conn_open(&c, dir, why, whylen)) != 0)
				break;
			rc = submit_some(&c, own, envs, lens, idx, k, results, why, whylen);
			k = bytes = 0;
		}
		if (i < n) {
			idx[k++] = i;
			bytes += env_cost(lens[i]);
		}
	}
	conn_close(&c);
	return rc;
}

int ctl_status(const char *dir, Wiec__CtlReply **out, char *why, size_t whylen)
{
	Wiec__CtlRequest req = WIEC__CTL_REQUEST__INIT;
	Wiec__CtlStatus st = WIEC__CTL_STATUS__INIT;
	conn_t c;
	int rc;

	*out = NULL;
	req.version = CTL_VERSION;
	req.req_case = WIEC__CTL_REQUEST__REQ_STATUS;
	req.status = &st;
	if ((rc = conn_open(&c, dir, why, whylen)) != 0)
		return rc;
	if ((rc = call(&c, &req, out, why, whylen)) == 0 &&
	    (*out)->reply_case != WIEC__CTL_REPLY__REPLY_STATUS) {
		snprintf(why, whylen, "malformed reply: not a status");
		wiec__ctl_reply__free_unpacked(*out, NULL);
		*out = NULL;
		rc = WIEC_ERR_PROTO;
	}
	conn_close(&c);
	return rc;
}
