/* ctlsrv.c: the control socket server (node/ctl.h, spec/sync.md section
 * 6): one CtlRequest frame in, one CtlReply frame out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "crypto/err.h"
#include "node/ctl.h"
#include "node/node_int.h"

#define CTL_CONNECTED_MS 15000	/* "connected": heard from within this */

/* Sends the reply frame after the client's routing id. The CLI waits for
 * it alone, so a full queue means it is gone: dropping is right. */
static void send_reply(node_t *n, zmq_msg_t *rid, const Wiec__CtlReply *rep)
{
	uint8_t *buf;
	size_t len;
	int rc;

	if ((rc = ctl_pack(&rep->base, &buf, &len)) != 0) {
		node_log(n, 'E', "control reply not sent: %s", wiec_strerror(rc));
		return;
	}
	if (zmq_send(n->ctl, zmq_msg_data(rid), zmq_msg_size(rid), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
	    zmq_send(n->ctl, buf, len, ZMQ_DONTWAIT) < 0)
		node_log(n, 'D', "control reply not sent: %s", zmq_strerror(zmq_errno()));
	free(buf);
}

static void send_error(node_t *n, zmq_msg_t *rid, int code, const char *text)
{
	Wiec__CtlReply rep = WIEC__CTL_REPLY__INIT;
	Wiec__CtlError e = WIEC__CTL_ERROR__INIT;

	e.code = code;
	e.text = (char *)text;
	rep.version = CTL_VERSION;
	rep.reply_case = WIEC__CTL_REPLY__REPLY_ERROR;
	rep.error = &e;
	send_reply(n, rid, &rep);
}

static void answer_status(node_t *n, zmq_msg_t *rid)
{
	Wiec__CtlReply rep = WIEC__CTL_REPLY__INIT;
	Wiec__CtlStatusReply st = WIEC__CTL_STATUS_REPLY__INIT;
	size_t np = n->nlinks < CTL_PEERS_MAX ? n->nlinks : CTL_PEERS_MAX;
	Wiec__CtlPeer *ps = calloc(np ? np : 1, sizeof *ps);
	Wiec__CtlPeer **pp = calloc(np ? np : 1, sizeof *pp);
	uint64_t now = node_wall_ms();

	if (ps == NULL || pp == NULL) {
		send_error(n, rid, WIEC_ERR_NOMEM, wiec_strerror(WIEC_ERR_NOMEM));
		goto out;
	}
	/* Current members only: a removed member's link stays, refused. */
	for (size_t i = 0, k = 0; k < n->nlinks && i < np; k++) {
		link_t *l = &n->links[k];
		Wiec__CtlPeer *p = &ps[i];

		if (l->gone)
			continue;

		wiec__ctl_peer__init(p);
		p->id.data = l->key;
		p->id.len = KEY_PK_BYTES;
		p->name = l->name;
		p->endpoint = l->endpoint;
		p->dialed = l->dialed;
		p->connected = l->last_seen && now - l->last_seen < CTL_CONNECTED_MS;
		p->last_seen = l->last_seen;
		p->lag = l->lag;
		p->bytes_in = l->bytes_in;
		p->bytes_out = l->bytes_out;
		p->events_in = l->events_in;
		p->events_out = l->events_out;
		p->dropped = l->dropped;
		p->invalid = l->invalid;
		pp[i++] = p;
		st.n_peers = i;
	}
	st.peers = pp;
	rep.version = CTL_VERSION;
	rep.reply_case = WIEC__CTL_REPLY__REPLY_STATUS;
	rep.status = &st;
	send_reply(n, rid, &rep);
out:
	free(pp);
	free(ps);
}

/* Submit (own posts: extend-only, then pushed) or import (as from a peer):
 * answered after the commit, one outcome per envelope. */
static void answer_ingest(node_t *n, zmq_msg_t *rid, const ProtobufCBinaryData *e, size_t cnt,
    int own)
{
	Wiec__CtlReply rep = WIEC__CTL_REPLY__INIT;
	Wiec__CtlResults r = WIEC__CTL_RESULTS__INIT;
	uint8_t *envs[CTL_MAX_ENVS] = { 0 };
	size_t lens[CTL_MAX_ENVS] = { 0 };
	int res[CTL_MAX_ENVS];
	int32_t out[CTL_MAX_ENVS];
	int rc;

	for (size_t i = 0; i < cnt; i++) {
		envs[i] = e[i].data;
		lens[i] = e[i].len;
	}
	if ((rc = sync_ingest(n, NULL, envs, lens, cnt, own ? STORE_EXTEND_ONLY : 0, res,
	    own)) != 0) {
		send_error(n, rid, rc, wiec_strerror(rc));
		return;
	}
	for (size_t i = 0; i < cnt; i++)
		out[i] = res[i];
	r.n_outcomes = cnt;
	r.outcomes = out;
	rep.version = CTL_VERSION;
	rep.reply_case = WIEC__CTL_REPLY__REPLY_RESULTS;
	rep.results = &r;
	send_reply(n, rid, &rep);
}

/* A client of before this protocol (version 0) sends ["status"] or
 * ["submit"|"import", envelope...] and reads ["error", reason]. */
static int is_legacy(zmq_msg_t *m)
{
	return node_frame_is(m, "status") || node_frame_is(m, "submit") ||
	    node_frame_is(m, "import");
}

static void answer(node_t *n, zmq_msg_t *rid, const uint8_t *buf, size_t len)
{
	Wiec__CtlRequest *req;
	uint32_t v;
	int rc;

	if ((rc = ctl_request_decode(&req, &v, buf, len)) != 0) {
		if (v != CTL_VERSION && v != 0) {
			/* Only our version: the client names both. */
			Wiec__CtlReply rep = WIEC__CTL_REPLY__INIT;

			rep.version = CTL_VERSION;
			node_log(n, 'D', "control request of protocol %u refused", (unsigned)v);
			send_reply(n, rid, &rep);
		} else {
			char why[96];

			snprintf(why, sizeof why, "malformed request: %s", ctl_strerror(rc));
			send_error(n, rid, rc, why);
		}
		return;
	}
	switch (req->req_case) {
	case WIEC__CTL_REQUEST__REQ_STATUS:
		answer_status(n, rid);
		break;
	case WIEC__CTL_REQUEST__REQ_SUBMIT:
		answer_ingest(n, rid, req->submit->envelopes, req->submit->n_envelopes, 1);
		break;
	case WIEC__CTL_REQUEST__REQ_IMPORT:
		answer_ingest(n, rid, req->import->envelopes, req->import->n_envelopes, 0);
		break;
	default:	/* ctl_request_decode admits none */
		break;
	}
	wiec__ctl_request__free_unpacked(req, NULL);
}

void ctlsrv_serve(node_t *n)
{
	zmq_msg_t rid, m;
	int more, legacy = 0, frames = 0;

	zmq_msg_init(&rid);
	zmq_msg_init(&m);
	if (zmq_msg_recv(&rid, n->ctl, ZMQ_DONTWAIT) < 0 || !zmq_msg_more(&rid) ||
	    zmq_msg_recv(&m, n->ctl, 0) < 0)
		goto out;
	/* One frame per request; drain and refuse anything longer. */
	more = zmq_msg_more(&m);
	legacy = is_legacy(&m);
	while (more) {
		zmq_msg_t x;

		zmq_msg_init(&x);
		if (zmq_msg_recv(&x, n->ctl, 0) < 0) {
			zmq_msg_close(&x);
			break;
		}
		more = zmq_msg_more(&x);
		zmq_msg_close(&x);
		frames++;
	}
	if (legacy) {
		char why[96];
		int wl = snprintf(why, sizeof why, "this node speaks control protocol %d; "
		    "this wiec speaks 0", CTL_VERSION);

		if (zmq_send(n->ctl, zmq_msg_data(&rid), zmq_msg_size(&rid),
		    ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0 &&
		    zmq_send(n->ctl, "error", 5, ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0)
			zmq_send(n->ctl, why, (size_t)wl, ZMQ_DONTWAIT);
	} else if (frames > 0) {
		send_error(n, &rid, WIEC_ERR_PROTO, "malformed request: more than one frame");
	} else {
		answer(n, &rid, zmq_msg_data(&m), zmq_msg_size(&m));
	}
out:
	zmq_msg_close(&m);
	zmq_msg_close(&rid);
}
