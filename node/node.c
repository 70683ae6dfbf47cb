/* node.c: the daemon's life: start-up, the poll loop and its timers,
 * shut-down; plus logging and clocks for the other node files. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "crypto/err.h"
#include "node/ctl.h"
#include "node/node_int.h"
#include "proto/event.h"

uint64_t node_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t node_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void node_log(const node_t *n, char level, const char *fmt, ...)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };
	struct timespec ts;
	struct tm tm;
	char line[1024], msg[1024], t[32];
	va_list ap;
	int i = level == 'D' ? 0 : level == 'I' ? 1 : level == 'W' ? 2 : 3, k;
	size_t len;
	FILE *f;

	if (i == 0 && !n->verbose)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(t, sizeof t, "%Y-%m-%dT%H:%M:%S", &tm);
	k = snprintf(line, sizeof line, "%s.%03ldZ %-5s ", t, ts.tv_nsec / 1000000, names[i]);
	len = k > 0 ? (size_t)k : 0;
	va_start(ap, fmt);
	k = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* Shown as text output shows event text (proto/event.h): the message
	 * quotes members' names and peers' text, which must not forge a line
	 * of the log or drive the terminal of whoever reads it. */
	if (k > 0 && (f = fmemopen(line + len, sizeof line - 1 - len, "w")) != NULL) {
		ev_fput_text(f, msg, strlen(msg));
		if (fflush(f) == 0 && ftell(f) > 0)
			len += (size_t)ftell(f);
		fclose(f);
	}
	line[len++] = '\n';
	/* One write per line: the connection guard logs from its own thread. */
	if (fwrite(line, 1, len, stderr) != len)
		return;
}

const char *node_short_key(char buf[static KEY_TEXT_BYTES], const uint8_t *k)
{
	key_to_text(buf, k);
	return buf;
}

int node_frame_is(zmq_msg_t *m, const char *s)
{
	return zmq_msg_size(m) == strlen(s) && memcmp(zmq_msg_data(m), s, strlen(s)) == 0;
}

/* ---- set-up, loop, shut-down ---- */

/* Descriptors open now (/proc/self/fd), or -1. */
static long open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	long k = -1;		/* the directory's own */

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		k += e->d_name[0] != '.';
	closedir(d);
	return k;
}

/* Raises the soft descriptor limit to the hard one and returns it. */
static long fd_limit(node_t *n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t was = rl.rlim_cur;

		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
			node_log(n, 'W', "cannot raise the descriptor limit: %s", strerror(errno));
			rl.rlim_cur = was;
		}
	}
	return rl.rlim_cur > (rlim_t)LONG_MAX ? LONG_MAX : (long)rl.rlim_cur;
}

/* Caps the connections to the peer port below the descriptor limit, with
 * a reserve for the control socket, the dialled links and the store
 * (spec/sync.md, "Limits"). */
static int start_guard(node_t *n, long limit)
{
	long used = open_fds(), total, per;

	if (used < 0)
		used = 32;
	total = limit - used - SYNC_FD_RESERVE - 3 * (long)n->nlinks;
	if (total > SYNC_CONN_MAX)
		total = SYNC_CONN_MAX;
	if (total < 4) {
		node_log(n, 'W', "descriptor limit %ld leaves room for %ld peer connections; "
		    "allowing 4 (raise ulimit -n)", limit, total);
		total = 4;
	}
	per = SYNC_CONN_PER_ADDR + 2 * (long)n->nlinks;
	if (per > total)
		per = total;
	if ((n->guard = guard_new(n, n->ctx, (size_t)per, (size_t)total)) == NULL)
		return -1;
	node_log(n, 'D', "descriptor limit %ld: at most %ld peer connections, %ld per address",
	    limit, total, per);
	return 0;
}

static int build_set(void *ctx, const store_head_t *h)
{
	node_t *n = ctx;
	recon_item_t it;

	sync_head_item(&it, h);
	return recon_set_put(n->set, &it);
}

static int take_lock(node_t *n)
{
	char path[PATH_MAX];

	snprintf(path, sizeof path, "%s/%s", n->dir, CTL_LOCK);
	if ((n->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		node_log(n, 'E', "%s: %s", path, strerror(errno));
		return WIEC_ERR_IO;
	}
	/* CLI commands writing directly hold a shared lock briefly: wait them out. */
	for (int i = 0; i < 50; i++) {
		if (flock(n->lockfd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		usleep(100000);
	}
	node_log(n, 'E', "%s is in use: is another node running on %s?", path, n->dir);
	return WIEC_ERR_EXISTS;
}

static int start(node_t *n)
{
	char path[PATH_MAX], why[256], ep[PATH_MAX + 16], k[KEY_TEXT_BYTES], net[HASH_HEX_BYTES];
	uint8_t *g = NULL;
	size_t glen;
	sigset_t set;
	int rc, zero = 0;
	int64_t ctlmax = CTL_MSG_MAX;
	long limit = fd_limit(n);

	snprintf(path, sizeof path, "%s/config", n->dir);
	if ((rc = cfg_load(&n->cfg, path, why, sizeof why)) != 0) {
		node_log(n, 'E', "%s", rc == WIEC_ERR_NOTFOUND ? "not a wiec data directory (no config)" : why);
		return rc == WIEC_ERR_NOTFOUND ? WIEC_ERR_NOSTORE : rc;
	}
	snprintf(path, sizeof path, "%s/identity.key", n->dir);
	if ((rc = key_load(&n->kp, path)) != 0) {
		node_log(n, 'E', "%s: %s", path, wiec_strerror(rc));
		return rc;
	}
	snprintf(path, sizeof path, "%s/transport.key", n->dir);
	if ((rc = key_x25519_load(&n->kx, path)) != 0) {
		node_log(n, 'E', "%s: %s", path, wiec_strerror(rc));
		return rc;
	}
	if ((rc = take_lock(n)) != 0)
		return rc;
	snprintf(path, sizeof path, "%s/store", n->dir);
	if ((rc = store_open(&n->store, path, n->cfg.map_size, 0)) != 0 ||
	    (rc = store_genesis(n->store, &g, &glen)) != 0 ||
	    (rc = genesis_decode(&n->gen, g, glen, 1)) != 0) {
		free(g);
		node_log(n, 'E', "%s: %s", path, wiec_strerror(rc));
		return rc;
	}
	free(g);
	memcpy(n->network, n->gen.network, HASH_BYTES);
	/* Links for every current member but this node, with room for the
	 * members to come (spec/members.md section 5). */
	if ((n->links = calloc(ROSTER_MAX, sizeof *n->links)) == NULL ||
	    (n->members = members_new(n->store)) == NULL ||
	    (n->set = recon_set_new()) == NULL || (n->claims = amap_new()) == NULL)
		return WIEC_ERR_NOMEM;
	if ((rc = link_follow_roster(n)) != 0)
		return rc;
	if ((rc = store_scan_heads(n->store, build_set, n)) != 0) {
		node_log(n, 'E', "cannot read heads: %s", wiec_strerror(rc));
		return rc;
	}
	/* Signals arrive on a descriptor; every thread (zmq's too) blocks them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0 ||
	    (n->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		node_log(n, 'E', "signalfd: %s", strerror(errno));
		return WIEC_ERR_IO;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((n->ctx = zmq_ctx_new()) == NULL)
		return WIEC_ERR_IO;
	/* The ZAP handler must exist before any CURVE server socket. */
	if ((n->zap = zmq_socket(n->ctx, ZMQ_REP)) == NULL ||
	    zmq_bind(n->zap, "inproc://zeromq.zap.01") != 0) {
		node_log(n, 'E', "ZAP handler: %s", zmq_strerror(zmq_errno()));
		return WIEC_ERR_IO;
	}
	if (n->cfg.listen[0]) {
		int enforced = 0;

		if (start_guard(n, limit) != 0) {
			node_log(n, 'E', "connection guard: %s", zmq_strerror(zmq_errno()));
			return WIEC_ERR_IO;
		}
		if ((n->router = link_listen(n->ctx, n->cfg.listen, n->kx.sk, &enforced)) == NULL) {
			node_log(n, 'E', "cannot listen on %s: %s", n->cfg.listen, zmq_strerror(zmq_errno()));
			return WIEC_ERR_IO;
		}
		if (guard_watch(n->guard, n->router) != 0) {
			node_log(n, 'E', "connection guard: %s", zmq_strerror(zmq_errno()));
			return WIEC_ERR_IO;
		}
		if (!enforced)
			node_log(n, 'D', "this libzmq lacks ZMQ_ZAP_ENFORCE_DOMAIN; relying on the bound handler");
	}
	if (ctl_endpoint(ep, sizeof ep, n->dir) != 0) {
		node_log(n, 'E', "data directory path too long for a control socket");
		return WIEC_ERR_ARG;
	}
	unlink(ep + 6);		/* a stale socket of a node that died: we hold the lock */
	if ((n->ctl = zmq_socket(n->ctx, ZMQ_ROUTER)) == NULL ||
	    zmq_setsockopt(n->ctl, ZMQ_MAXMSGSIZE, &ctlmax, sizeof ctlmax) != 0 ||
	    zmq_setsockopt(n->ctl, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
	    zmq_bind(n->ctl, ep) != 0) {
		node_log(n, 'E', "cannot open the control socket %s: %s", ep, zmq_strerror(zmq_errno()));
		return WIEC_ERR_IO;
	}
	/* The owner's alone, whatever the umask: any local user who could
	 * connect could also use up the node's descriptors. */
	if (chmod(ep + 6, 0600) != 0) {
		node_log(n, 'E', "cannot restrict the control socket %s: %s", ep + 6, strerror(errno));
		return WIEC_ERR_IO;
	}
	/* From here on the network thread owns the peer sockets. */
	if ((n->io = netio_bind(n->ctx)) == NULL ||
	    (n->netio = netio_new(n, n->router)) == NULL) {
		node_log(n, 'E', "cannot start the network thread: %s", zmq_strerror(zmq_errno()));
		return WIEC_ERR_IO;
	}
	n->router = NULL;
	if ((rc = link_load_peers(n)) != 0)
		return rc;
	hash_hex(net, n->network, HASH_BYTES);
	node_log(n, 'I', "node %s (%s) of network %.16s: %zu authors, listening on %s, %zu members",
	    node_short_key(k, n->kp.pk), n->cfg.name, net, recon_set_size(n->set),
	    n->cfg.listen[0] ? n->cfg.listen : "(nothing: set listen in config)", n->roster.n);
	return 0;
}

static void on_signal(node_t *n)
{
	struct signalfd_siginfo si;

	while (read(n->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo == SIGHUP) {
			node_log(n, 'I', "SIGHUP: re-reading peers");
			link_load_peers(n);
		} else {
			node_log(n, 'I', "%s: stopping", strsignal((int)si.ssi_signo));
			n->stop = 1;
		}
	}
}

static void timers(node_t *n)
{
	uint64_t now = node_now_ms();
	int rc;

	/* Here, not in the ingest: following the roster may close links. */
	if (n->roster_dirty) {
		n->roster_dirty = 0;
		(void)link_follow_roster(n);
	}
	/* Every head again (recon_set_put replaces): a set that misses a head
	 * would send peers the same events over and over. */
	if (n->set_stale && (rc = store_scan_heads(n->store, build_set, n)) != 0)
		node_log(n, 'E', "cannot re-read heads: %s", wiec_strerror(rc));
	else if (n->set_stale)
		n->set_stale = 0;

	/* A store replaced under the node is found at its next write, or here
	 * while it is idle (loop() then stops the node). */
	if (now >= n->next_store_check) {
		n->next_store_check = now + NODE_STORE_CHECK_MS;
		(void)store_check_file(n->store);
	}

	/* Events that waited too long for their prev are dropped: the sync
	 * layer fetches them again once the prev is here. */
	if (now >= n->next_expire) {
		size_t dropped = 0;

		rc = store_pending_expire(n->store, node_wall_ms(), &dropped);
		n->next_expire = now + NODE_EXPIRE_MS;
		if (rc != 0)
			node_log(n, 'E', "cannot expire waiting events: %s", wiec_strerror(rc));
		else if (dropped > 0)
			node_log(n, 'I', "dropped %zu events that waited too long for their prev",
			    dropped);
	}

	for (size_t i = 0; i < n->nlinks; i++) {
		link_t *l = &n->links[i];

		if (l->init != NULL && now - l->init_started > SYNC_TIMEOUT_MS)
			recon_destroy(&l->init);
		if (l->init == NULL && now >= l->next_recon) {
			l->next_recon = now + SYNC_RECON_MS + randombytes_uniform(SYNC_RECON_MS / 2);
			sync_recon_begin(n, l);
		}
		for (size_t w = l->nin; w-- > 0;)
			if (now - l->inflight[w].sent > SYNC_TIMEOUT_MS) {
				for (size_t r = 0; r < l->inflight[w].n; r++)
					fetch_unclaim(n, l, l->inflight[w].r[r].author);
				fetch_drop_want(l, w);
			}
		fetch_pump(n, l);
		serve_tick(n, l);
	}
	nclose_tick(n);
	zap_tick(n);
}

static void loop(node_t *n)
{
	while (!n->stop) {
		zmq_pollitem_t items[4] = {
			{ NULL, n->sigfd, ZMQ_POLLIN, 0 },
			{ n->zap, 0, ZMQ_POLLIN, 0 },
			{ n->ctl, 0, ZMQ_POLLIN, 0 },
			{ n->io, 0, ZMQ_POLLIN, 0 },
		};

		if (zmq_poll(items, 4, 100) < 0 && zmq_errno() != EINTR) {
			node_log(n, 'E', "poll: %s", zmq_strerror(zmq_errno()));
			break;
		}
		if (items[0].revents & ZMQ_POLLIN)
			on_signal(n);
		if (items[1].revents & ZMQ_POLLIN)
			zap_serve(n);
		if (items[2].revents & ZMQ_POLLIN)
			ctlsrv_serve(n);
		/* A bounded burst, so signals, ZAP and the CLI get their turn: at
		 * most 256 messages or NODE_BURST_MS, and a stop is seen after
		 * the message at hand (SIGTERM once waited out a whole burst of
		 * costly messages: 146 s). */
		if (items[3].revents & ZMQ_POLLIN) {
			uint64_t t0 = node_now_ms();

			for (int b = 0; b < 256 && !n->stop; b++) {
				if (link_io_recv(n) != 0)
					break;
				on_signal(n);
				if (node_now_ms() - t0 >= NODE_BURST_MS)
					break;
			}
		}
		link_io_ack(n);
		timers(n);
		/* An older data.mdb put in place of the store (a write or the
		 * timer found it): the store refuses every write now, and
		 * serving it would only hand peers the older state. */
		if (store_replaced(n->store)) {
			node_log(n, 'E', "%s: %s; stopping", n->dir,
			    wiec_strerror(WIEC_ERR_REPLACED));
			n->fatal = WIEC_ERR_REPLACED;
			n->stop = 1;
		}
	}
}

static void stop(node_t *n)
{
	char ep[PATH_MAX + 16];

	for (size_t i = 0; n->links && i < n->nlinks; i++) {
		link_t *l = &n->links[i];

		link_hangup(n, l);
		serve_forget(l);
		recon_destroy(&l->resp[0]);
		recon_destroy(&l->resp[1]);
		free(l->queue);
	}
	free(n->links);
	if (n->ctl != NULL && ctl_endpoint(ep, sizeof ep, n->dir) == 0)
		unlink(ep + 6);
	netio_destroy(&n->netio, n->io);	/* closes the peer sockets */
	guard_destroy(&n->guard, n->router);
	if (n->router)
		zmq_close(n->router);
	if (n->io)
		zmq_close(n->io);
	if (n->ctl)
		zmq_close(n->ctl);
	if (n->zap)
		zmq_close(n->zap);
	/* Signals are blocked (signalfd), so no EINTR; retry anyway. */
	while (n->ctx && zmq_ctx_term(n->ctx) != 0 && zmq_errno() == EINTR)
		;
	nclose_free(n);
	recon_set_destroy(&n->set);
	amap_destroy(&n->claims);
	roster_free(&n->roster);
	members_destroy(&n->members);
	genesis_free(&n->gen);
	store_close(&n->store);
	if (n->sigfd >= 0)
		close(n->sigfd);
	if (n->lockfd >= 0)
		close(n->lockfd);
	key_wipe(&n->kp);
	key_x25519_wipe(&n->kx);
}

int node_run(const node_opts_t *o)
{
	node_t n;
	int rc;

	memset(&n, 0, sizeof n);
	n.dir = o->dir;
	n.verbose = o->verbose;
	n.sigfd = n.lockfd = -1;
	if ((rc = start(&n)) == 0) {
		loop(&n);
		zap_tick(&n);
		node_log(&n, 'I', "stopped: %llu invalid events and %llu messages dropped since start",
		    (unsigned long long)n.invalid, (unsigned long long)n.dropped);
		rc = n.fatal;
	}
	stop(&n);
	return rc;
}

