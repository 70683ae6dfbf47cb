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
#include "node/ctl.h"

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

/* Sends the request frames and receives the two reply frames. */
static int roundtrip(const char *dir, const char *cmd, const uint8_t *const *envs,
    const size_t *lens, size_t n, zmq_msg_t *status, zmq_msg_t *payload)
{
	char ep[PATH_MAX + 16];
	void *ctx = NULL, *sock = NULL;
	int rc = WIEC_ERR_IO, timeout = CTL_TIMEOUT_MS, zero = 0, more;
	size_t ml = sizeof more;

	if ((rc = ctl_endpoint(ep, sizeof ep, dir)) != 0)
		return rc;
	rc = WIEC_ERR_IO;
	if ((ctx = zmq_ctx_new()) == NULL || (sock = zmq_socket(ctx, ZMQ_DEALER)) == NULL)
		goto out;
	if (zmq_setsockopt(sock, ZMQ_RCVTIMEO, &timeout, sizeof timeout) != 0 ||
	    zmq_setsockopt(sock, ZMQ_SNDTIMEO, &timeout, sizeof timeout) != 0 ||
	    zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
	    zmq_connect(sock, ep) != 0)
		goto out;
	if (zmq_send(sock, cmd, strlen(cmd), n ? ZMQ_SNDMORE : 0) < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (zmq_send(sock, envs[i], lens[i], i + 1 < n ? ZMQ_SNDMORE : 0) < 0)
			goto out;
	if (zmq_msg_recv(status, sock, 0) < 0)
		goto out;
	rc = WIEC_ERR_PROTO;
	if (zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &ml) != 0 || !more)
		goto out;
	if (zmq_msg_recv(payload, sock, 0) < 0) {
		rc = WIEC_ERR_IO;
		goto out;
	}
	rc = 0;
out:
	if (sock != NULL)
		zmq_close(sock);	/* fails only for a non-socket */
	while (ctx != NULL && zmq_ctx_term(ctx) != 0 && zmq_errno() == EINTR)
		;
	return rc;
}

static int is(zmq_msg_t *m, const char *s)
{
	return zmq_msg_size(m) == strlen(s) && memcmp(zmq_msg_data(m), s, strlen(s)) == 0;
}

int ctl_submit(const char *dir, int own, const uint8_t *const *envs, const size_t *lens,
    size_t n, int *results, char *why, size_t whylen)
{
	zmq_msg_t st, pl;
	char *text = NULL, *p, *end;
	int rc;

	if (n == 0 || n > CTL_MAX_ENVS)
		return WIEC_ERR_ARG;
	zmq_msg_init(&st);
	zmq_msg_init(&pl);
	if ((rc = roundtrip(dir, own ? "submit" : "import", envs, lens, n, &st, &pl)) != 0)
		goto out;
	if ((text = malloc(zmq_msg_size(&pl) + 1)) == NULL) {
		rc = WIEC_ERR_NOMEM;
		goto out;
	}
	memcpy(text, zmq_msg_data(&pl), zmq_msg_size(&pl));
	text[zmq_msg_size(&pl)] = '\0';
	if (is(&st, "error")) {
		snprintf(why, whylen, "%s", text);
		rc = WIEC_ERR_PROTO;
		goto out;
	}
	rc = WIEC_ERR_PROTO;
	if (!is(&st, "ok"))
		goto out;
	p = text;
	for (size_t i = 0; i < n; i++) {
		long v = strtol(p, &end, 10);

		if (end == p || v < -1000 || v > 1000)
			goto out;
		results[i] = (int)v;
		p = end;
	}
	rc = *p == '\0' ? 0 : WIEC_ERR_PROTO;
out:
	free(text);
	zmq_msg_close(&st);
	zmq_msg_close(&pl);
	return rc;
}

int ctl_status(const char *dir, char **json)
{
	zmq_msg_t st, pl;
	int rc;

	*json = NULL;
	zmq_msg_init(&st);
	zmq_msg_init(&pl);
	if ((rc = roundtrip(dir, "status", NULL, NULL, 0, &st, &pl)) == 0) {
		if (!is(&st, "ok"))
			rc = WIEC_ERR_PROTO;
		else if ((*json = malloc(zmq_msg_size(&pl) + 1)) == NULL)
			rc = WIEC_ERR_NOMEM;
		else {
			memcpy(*json, zmq_msg_data(&pl), zmq_msg_size(&pl));
			(*json)[zmq_msg_size(&pl)] = '\0';
		}
	}
	zmq_msg_close(&st);
	zmq_msg_close(&pl);
	return rc;
}
