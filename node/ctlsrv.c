/* ctlsrv.c: the control socket server (node/ctl.h, spec/sync.md "Control
 * socket"): submit, import and status requests from the CLI. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "crypto/err.h"
#include "node/ctl.h"
#include "node/node_int.h"

static char *status_json(node_t *n)
{
	char *buf = NULL, k[KEY_TEXT_BYTES];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	uint64_t now = node_wall_ms();

	if (f == NULL)
		return NULL;
	fprintf(f, "[");
	for (size_t i = 0; i < n->nlinks; i++) {
		link_t *l = &n->links[i];

		fprintf(f, "%s{\"id\": \"%s\", \"name\": ", i ? ", " : "", node_short_key(k, l->key));
		fprintf(f, "\"");
		for (const char *p = l->name; *p; p++)
			fprintf(f, *p == '"' || *p == '\\' ? "\\%c" : "%c", *p);
		fprintf(f, "\", \"endpoint\": \"%s\", \"dialed\": %s, \"connected\": %s, "
		    "\"last_seen\": %llu, \"lag\": %llu, \"bytes_in\": %llu, \"bytes_out\": %llu, "
		    "\"events_in\": %llu, \"events_out\": %llu, "
		    "\"dropped\": %llu, \"invalid\": %llu}", l->endpoint,
		    l->dialed ? "true" : "false",
		    l->last_seen && now - l->last_seen < 15000 ? "true" : "false",
		    (unsigned long long)l->last_seen, (unsigned long long)l->lag,
		    (unsigned long long)l->bytes_in, (unsigned long long)l->bytes_out,
		    (unsigned long long)l->events_in, (unsigned long long)l->events_out,
		    (unsigned long long)l->dropped, (unsigned long long)l->invalid);
	}
	fprintf(f, "]");
	fclose(f);
	return buf;
}

static void ctl_reply(node_t *n, zmq_msg_t *rid, const char *status, const char *payload)
{
	/* A client that went away cannot be answered; nothing else to do. */
	if (zmq_send(n->ctl, zmq_msg_data(rid), zmq_msg_size(rid), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
	    zmq_send(n->ctl, status, strlen(status), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
	    zmq_send(n->ctl, payload, strlen(payload), ZMQ_DONTWAIT) < 0)
		node_log(n, 'D', "cannot answer a control request: %s", zmq_strerror(zmq_errno()));
}

void ctlsrv_serve(node_t *n)
{
	zmq_msg_t rid, f[CTL_MAX_ENVS + 1];
	uint8_t *envs[CTL_MAX_ENVS];
	size_t lens[CTL_MAX_ENVS];
	int res[CTL_MAX_ENVS], nf = 0, more, extra = 0;

	zmq_msg_init(&rid);
	if (zmq_msg_recv(&rid, n->ctl, ZMQ_DONTWAIT) < 0) {
		zmq_msg_close(&rid);
		return;
	}
	more = zmq_msg_more(&rid);
	while (more) {
		zmq_msg_t *m = nf <= CTL_MAX_ENVS ? &f[nf] : NULL, x;

		if (m == NULL)
			m = &x;
		zmq_msg_init(m);
		if (zmq_msg_recv(m, n->ctl, 0) < 0) {
			zmq_msg_close(m);
			break;
		}
		more = zmq_msg_more(m);
		if (m == &x) {
			zmq_msg_close(m);
			extra = 1;
		} else {
			nf++;
		}
	}
	if (nf == 0 || extra || more) {
		ctl_reply(n, &rid, "error", "malformed request");
	} else if (node_frame_is(&f[0], "status") && nf == 1) {
		char *j = status_json(n);

		ctl_reply(n, &rid, j ? "ok" : "error", j ? j : "out of memory");
		free(j);
	} else if ((node_frame_is(&f[0], "submit") || node_frame_is(&f[0], "import")) && nf > 1) {
		int own = node_frame_is(&f[0], "submit"), rc;
		char *out = malloc((size_t)(nf - 1) * 8 + 1), *p = out;

		for (int i = 1; i < nf; i++) {
			envs[i - 1] = zmq_msg_data(&f[i]);
			lens[i - 1] = zmq_msg_size(&f[i]);
		}
		rc = out ? sync_ingest(n, NULL, envs, lens, (size_t)nf - 1,
		    own ? STORE_EXTEND_ONLY : 0, res, own) : WIEC_ERR_NOMEM;
		if (rc != 0) {
			ctl_reply(n, &rid, "error", wiec_strerror(rc));
		} else {
			for (int i = 0; i < nf - 1; i++)
				p += sprintf(p, "%s%d", i ? " " : "", res[i]);
			*p = '\0';
			ctl_reply(n, &rid, "ok", out);
		}
		free(out);
	} else {
		ctl_reply(n, &rid, "error", "unknown request");
	}
	for (int i = 0; i < nf && i <= CTL_MAX_ENVS; i++)
		zmq_msg_close(&f[i]);
	zmq_msg_close(&rid);
}

