/* guard.c: the connection guard. libzmq accepts every TCP connection to
 * the peer port, keyed or not, and has no cap: a few hundred idle sockets
 * used to exhaust the node's descriptors, and then libzmq aborted at the
 * next accept on the control socket. The guard watches the ROUTER's socket
 * monitor from a thread of its own (so it reacts while the loop verifies or
 * commits) and shuts down every connection over the caps (spec/sync.md,
 * "Limits"); libzmq then sees the connection end and closes it itself.
 *
 * The descriptor-reuse race, and why it is harmless: an ACCEPTED event
 * names a descriptor, and by the time the guard reads it, libzmq may have
 * closed it and handed the number to a newer connection. The guard never
 * trusts the event's number alone: it asks the kernel, at the moment of
 * deciding, what the descriptor is (a TCP socket whose local port is the
 * peer port) and whose it is (getpeername), and counts *that* connection.
 * Its table is keyed by descriptor, so a reused number replaces the stale
 * entry, a DISCONNECTED event (which libzmq sends before it closes the
 * descriptor, from its one I/O thread, in order) removes it, and a sweep
 * each second drops entries whose descriptor no longer holds the same
 * connection. A shutdown therefore always hits a connection that is, right
 * then, over the caps; it uses shutdown(2), never close(2), so the
 * descriptor stays libzmq's to close. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zmq.h>

#include "node/node_int.h"

#define GUARD_ENDPOINT "inproc://wiec-guard"
#define GUARD_LOG_MS 10000	/* at most one refusal line this often */
#define GUARD_SWEEP_MS 1000

typedef struct conn {
	int used;
	struct sockaddr_storage peer;	/* address and port */
} conn_t;

struct guard {
	const node_t *n;	/* for node_log only (thread-safe) */
	void *pair;
	pthread_t th;
	int port, running;
	size_t per_addr, total;
	conn_t *fd;		/* by descriptor number */
	size_t cap, live;
	uint64_t refused, logged_at, swept_at;
	char last[INET6_ADDRSTRLEN];
};

static int same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
		    &((const struct sockaddr_in *)b)->sin_addr, sizeof(struct in_addr)) == 0;
	if (a->ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		    &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr)) == 0;
	return 0;
}

static int same_conn(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (!same_addr(a, b))
		return 0;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_port ==
		    ((const struct sockaddr_in *)b)->sin_port;
	return ((const struct sockaddr_in6 *)a)->sin6_port ==
	    ((const struct sockaddr_in6 *)b)->sin6_port;
}

static int local_port(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)a)->sin_port);
	if (a->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)a)->sin6_port);
	return -1;
}

/* What descriptor fd is now: 0 and its peer if it is a connection to our
 * peer port, else -1. */
static int inspect(const guard_t *g, int fd, struct sockaddr_storage *peer)
{
	struct sockaddr_storage me;
	socklen_t len = sizeof me;
	int type = 0;
	socklen_t tl = sizeof type;

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) != 0 || type != SOCK_STREAM)
		return -1;
	if (getsockname(fd, (struct sockaddr *)&me, &len) != 0 || local_port(&me) != g->port)
		return -1;
	len = sizeof *peer;
	memset(peer, 0, sizeof *peer);
	if (getpeername(fd, (struct sockaddr *)peer, &len) != 0)
		return -1;
	return 0;
}

static void forget(guard_t *g, int fd)
{
	if (fd >= 0 && (size_t)fd < g->cap && g->fd[fd].used) {
		g->fd[fd].used = 0;
		g->live--;
	}
}

static size_t count_addr(const guard_t *g, const struct sockaddr_storage *a)
{
	size_t k = 0;

	for (size_t i = 0; i < g->cap; i++)
		k += g->fd[i].used && same_addr(&g->fd[i].peer, a);
	return k;
}

static void note_refusal(guard_t *g, const struct sockaddr_storage *a)
{
	const void *ip = a->ss_family == AF_INET ?
	    (const void *)&((const struct sockaddr_in *)a)->sin_addr :
	    (const void *)&((const struct sockaddr_in6 *)a)->sin6_addr;

	if (inet_ntop(a->ss_family, ip, g->last, sizeof g->last) == NULL)
		strcpy(g->last, "?");
	g->refused++;
}

static void accepted(guard_t *g, int fd)
{
	struct sockaddr_storage peer;

	if (fd < 0)
		return;
	forget(g, fd);		/* a stale entry of a reused number */
	if (inspect(g, fd, &peer) != 0)
		return;		/* gone already, or no longer a peer connection */
	if ((size_t)fd >= g->cap) {
		size_t cap = (size_t)fd + 64;
		conn_t *c = realloc(g->fd, cap * sizeof *c);

		if (c == NULL) {
			/* Cannot account for it: refuse rather than run blind. */
			note_refusal(g, &peer);
			shutdown(fd, SHUT_RDWR);
			return;
		}
		memset(c + g->cap, 0, (cap - g->cap) * sizeof *c);
		g->fd = c;
		g->cap = cap;
	}
	g->fd[fd].used = 1;
	g->fd[fd].peer = peer;
	g->live++;
	if (g->live > g->total || count_addr(g, &peer) > g->per_addr) {
		note_refusal(g, &peer);
		/* Still counted: it holds a descriptor until libzmq closes it. */
		shutdown(fd, SHUT_RDWR);
	}
}

static void sweep(guard_t *g)
{
	for (size_t i = 0; i < g->cap; i++) {
		struct sockaddr_storage peer;

		if (g->fd[i].used && (inspect(g, (int)i, &peer) != 0 ||
		    !same_conn(&peer, &g->fd[i].peer)))
			forget(g, (int)i);
	}
}

static void maybe_log(guard_t *g, uint64_t now)
{
	if (g->refused == 0 || now - g->logged_at < GUARD_LOG_MS)
		return;
	node_log(g->n, 'W', "refused %llu connections over the caps (%zu per address, %zu in all) "
	    "in %llu s; the last from %s", (unsigned long long)g->refused, g->per_addr,
	    g->total, (unsigned long long)(now - g->logged_at + 999) / 1000, g->last);
	g->refused = 0;
	g->logged_at = now;
}

/* One monitor event; 1 when the monitor stopped. */
static int event(guard_t *g)
{
	zmq_msg_t m;
	uint16_t ev = 0;
	uint32_t val = 0;
	int more;

	zmq_msg_init(&m);
	if (zmq_msg_recv(&m, g->pair, 0) < 0) {
		zmq_msg_close(&m);
		return zmq_errno() == ETERM;
	}
	if (zmq_msg_size(&m) == sizeof ev + sizeof val) {
		memcpy(&ev, zmq_msg_data(&m), sizeof ev);
		memcpy(&val, (const uint8_t *)zmq_msg_data(&m) + sizeof ev, sizeof val);
	}
	more = zmq_msg_more(&m);
	zmq_msg_close(&m);
	while (more) {		/* the endpoint frame */
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, g->pair, 0) < 0)
			more = 0;
		else
			more = zmq_msg_more(&m);
		zmq_msg_close(&m);
	}
	if (ev == ZMQ_EVENT_ACCEPTED)
		accepted(g, (int)val);
	else if (ev == ZMQ_EVENT_DISCONNECTED)
		forget(g, (int)val);
	return ev == ZMQ_EVENT_MONITOR_STOPPED;
}

static void *run(void *arg)
{
	guard_t *g = arg;
	zmq_pollitem_t it = { g->pair, 0, ZMQ_POLLIN, 0 };

	for (;;) {
		int rc = zmq_poll(&it, 1, GUARD_SWEEP_MS / 2);
		uint64_t now = node_now_ms();

		if (rc < 0 && zmq_errno() != EINTR)
			break;
		if (rc > 0 && (it.revents & ZMQ_POLLIN) && event(g))
			break;
		if (now - g->swept_at >= GUARD_SWEEP_MS) {
			sweep(g);
			g->swept_at = now;
		}
		maybe_log(g, now);
	}
	if (g->refused > 0) {
		g->logged_at = node_now_ms() - GUARD_LOG_MS;
		maybe_log(g, node_now_ms());
	}
	return NULL;
}

guard_t *guard_new(const node_t *n, void *ctx, size_t per_addr, size_t total)
{
	guard_t *g = calloc(1, sizeof *g);
	int zero = 0;

	if (g == NULL)
		return NULL;
	g->n = n;
	g->per_addr = per_addr;
	g->total = total;
	g->port = -1;
	/* Connected before the monitor binds (inproc allows it), so no event
	 * ever waits for a peer: libzmq's I/O thread sends them blocking. */
	if ((g->pair = zmq_socket(ctx, ZMQ_PAIR)) == NULL ||
	    zmq_setsockopt(g->pair, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
	    zmq_connect(g->pair, GUARD_ENDPOINT) != 0) {
		if (g->pair != NULL)
			zmq_close(g->pair);
		free(g);
		return NULL;
	}
	return g;
}

int guard_watch(guard_t *g, void *router)
{
	char ep[256];
	size_t len = sizeof ep;
	const char *colon;

	if (zmq_getsockopt(router, ZMQ_LAST_ENDPOINT, ep, &len) != 0 ||
	    (colon = strrchr(ep, ':')) == NULL)
		return -1;
	g->port = atoi(colon + 1);
	if (zmq_socket_monitor(router, GUARD_ENDPOINT, ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED |
	    ZMQ_EVENT_MONITOR_STOPPED) != 0)
		return -1;
	g->swept_at = g->logged_at = node_now_ms();
	if (pthread_create(&g->th, NULL, run, g) != 0) {
		zmq_socket_monitor(router, NULL, 0);
		return -1;
	}
	g->running = 1;
	return 0;
}

void guard_destroy(guard_t **p, void *router)
{
	guard_t *g;

	if (p == NULL || (g = *p) == NULL)
		return;
	if (g->running) {
		/* The monitor's last event, MONITOR_STOPPED, ends the thread. */
		zmq_socket_monitor(router, NULL, 0);
		pthread_join(g->th, NULL);
	}
	zmq_close(g->pair);
	free(g->fd);
	free(g);
	*p = NULL;
}
