/* bench/net.c: nodes talking over real sockets, each figure against what
 * bounds it (issue 6, spec/network.md).
 *
 *     make bench            (or: make wiec build/bench-net && build/bench-net)
 *
 * Runs ./wiec from the repository root (WIEC=path overrides), in a private
 * temporary directory, on free loopback ports; reads the nodes' stores
 * read-only through the library while they run (LMDB readers in another
 * process). Every process it starts is stopped (SIGTERM, SIGKILL after a
 * deadline; the nodes also get SIGTERM if this program dies) and the
 * directory is removed, on failure too. 35-60 s on the machine of
 * bench/RESULTS.md. NET_VERBOSE=1 runs the nodes with --verbose; NET_KEEP=1
 * leaves the directory (node logs: *.log) for a look afterwards.
 *
 * (a) catch-up: `wiec testnet --nodes 2`; node1's store is filled with
 *     NET_EVENTS events by NET_AUTHORS authors before any node runs (timed:
 *     ev_check_batch with the node's NODE_VERIFY_THREADS + store_ingest in
 *     batches of 1,000 = this run's single-node ingest rate, the ceiling);
 *     then both nodes start and the clock runs until node2 holds every
 *     event. Wire bytes are TCP payload bytes of the two nodes' connections
 *     (ss -tinH: bytes_acked + bytes_received of the accepting side, so ZMTP
 *     and CURVE framing count, TCP/IP headers do not), per envelope byte.
 * (b) propagation: `wiec testnet --nodes 10`, all connected; NET_POSTS ideas,
 *     one at a time, each by `wiec idea add` on a random node (through the
 *     running node); latency from the command's return until all 10 stores
 *     hold the event (polled every 2 ms). Transfers: sum of every node's
 *     events_in over its peers (the control socket's status, as in
 *     `wiec status --json`) per event.
 * (c) idle: the same 10 nodes in sync, 10 s, utime+stime from /proc.
 *
 * Exits non-zero if a step fails, a node dies (its log's end is printed)
 * or a network does not converge in time; the other part still runs. A
 * figure off its target is reported ("# targets: ... MISSED"), not fatal.
 * For the lower-is-better figures the ratio is value / ceiling too, so
 * ratio <= 1 means the target is met. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "crypto/err.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "node/ctl.h"
#include "node/node.h"
#include "bench/corpus.h"
#include "proto/event.h"
#include "store/store.h"

#ifndef NET_AUTHORS
#define NET_AUTHORS 1000
#endif
#ifndef NET_PER_AUTHOR
#define NET_PER_AUTHOR 200
#endif
#define NET_EVENTS (NET_AUTHORS * NET_PER_AUTHOR)
#define NET_BATCH 1000
#define NET_NODES 10
#define NET_POSTS 50
#define NET_IDLE_S 10
#define NET_WIRE_CEILING 1.15
#define NET_CPU_CEILING 1.0
#define CATCHUP_DEADLINE_S 120.0
#define CONNECT_DEADLINE_S 30.0
#define PROPAGATE_DEADLINE_S 20.0
#define STOP_DEADLINE_S 5.0
#define MAX_PROCS 16

static char g_root[PATH_MAX];		/* repository root; we run from it */
static char g_wiec[PATH_MAX + 64];		/* the binary */
static char g_tmp[64];		/* our private directory, "" once removed */
static pid_t g_pids[MAX_PROCS];
static char g_logs[MAX_PROCS][256];	/* each node's stderr */
static int g_npids;
static int g_died;			/* nodes that exited before we stopped them */
static volatile sig_atomic_t g_stop;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(double ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)((ms - 1000.0 * (time_t)(ms / 1000)) * 1e6) };

	nanosleep(&ts, NULL);
}

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

/* ---- processes ---- */

/* Starts ./wiec with args; stdout to out_fd (-1: /dev/null), stderr to
 * err_path (NULL: inherit). The child gets SIGTERM if we die. */
static pid_t spawn(char *const argv[], int out_fd, const char *err_path)
{
	pid_t parent = getpid(), pid = fork();

	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(127);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (out_fd < 0)
		out_fd = open("/dev/null", O_WRONLY);
	if (out_fd >= 0)
		dup2(out_fd, 1);
	if (err_path != NULL) {
		int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd >= 0)
			dup2(fd, 2);
	}
	execv(g_wiec, argv);
	_exit(127);
}

/* Runs a short ./wiec command; its stdout into out (NUL-terminated).
 * Returns its exit status, or -1. */
static int run(char *const argv[], char *out, size_t outlen)
{
	int p[2], status;
	size_t n = 0;
	ssize_t r;
	pid_t pid;

	if (pipe(p) != 0)
		return -1;
	if ((pid = spawn(argv, p[1], NULL)) < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	close(p[1]);
	while ((r = read(p[0], out + n, outlen - 1 - n)) > 0 || (r < 0 && errno == EINTR))
		if (r > 0 && (n += (size_t)r) == outlen - 1)
			break;
	out[n] = '\0';
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static pid_t start_node(const char *dir, const char *log)
{
	char *argv[] = { g_wiec, "node", "-d", (char *)dir, "--verbose", NULL };
	pid_t pid;

	if (getenv("NET_VERBOSE") == NULL)
		argv[4] = NULL;
	if (g_npids == MAX_PROCS || (pid = spawn(argv, -1, log)) < 0)
		return -1;
	snprintf(g_logs[g_npids], sizeof g_logs[g_npids], "%s", log);
	g_pids[g_npids++] = pid;
	return pid;
}

/* 1 while node i runs; else reaps it, says how it ended, and returns 0. */
static int alive(int i)
{
	int status;

	if (g_pids[i] > 0 && waitpid(g_pids[i], &status, WNOHANG) == g_pids[i]) {
		g_died++;
		if (WIFSIGNALED(status))
			fprintf(stderr, "bench-net: node %s died of signal %d (%s)\n", g_logs[i],
			    WTERMSIG(status), strsignal(WTERMSIG(status)));
		else
			fprintf(stderr, "bench-net: node %s exited with status %d\n", g_logs[i],
			    WEXITSTATUS(status));
		g_pids[i] = 0;
	}
	return g_pids[i] > 0;
}

/* SIGTERM to every node we started, SIGKILL to those still there after
 * STOP_DEADLINE_S. */
static void stop_nodes(void)
{
	double t0 = now();
	int left, status;

	for (int i = 0; i < g_npids; i++)
		if (alive(i))	/* one gone before we asked has crashed: alive() says so */
			kill(g_pids[i], SIGTERM);
	do {
		left = 0;
		for (int i = 0; i < g_npids; i++) {
			if (g_pids[i] <= 0)
				continue;
			if (waitpid(g_pids[i], &status, WNOHANG) != 0) {
				if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
					fprintf(stderr, "bench-net: node %s ended badly on SIGTERM (%s %d)\n",
					    g_logs[i], WIFSIGNALED(status) ? "signal" : "status",
					    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
				g_pids[i] = 0;
			} else
				left++;
		}
		if (left)
			sleep_ms(20);
	} while (left && now() - t0 < STOP_DEADLINE_S);
	for (int i = 0; i < g_npids; i++)
		if (g_pids[i] > 0) {
			fprintf(stderr, "bench-net: node pid %d ignored SIGTERM; killing it\n", (int)g_pids[i]);
			kill(g_pids[i], SIGKILL);
			waitpid(g_pids[i], NULL, 0);
			g_pids[i] = 0;
		}
	g_npids = 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* On failure: the end of each node log without a clean stop, before the
 * directory goes. */
static void dump_logs(void)
{
	DIR *d = g_tmp[0] ? opendir(g_tmp) : NULL;
	struct dirent *e;

	while (d != NULL && (e = readdir(d)) != NULL) {
		char path[sizeof g_tmp + 300], buf[1536];
		size_t n = strlen(e->d_name);
		FILE *f;
		long size;

		if (n < 5 || strcmp(e->d_name + n - 4, ".log") != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", g_tmp, e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		fseek(f, 0, SEEK_END);
		size = ftell(f);
		fseek(f, size > (long)sizeof buf - 1 ? size - (long)sizeof buf + 1 : 0, SEEK_SET);
		n = fread(buf, 1, sizeof buf - 1, f);
		buf[n] = '\0';
		fclose(f);
		if (strstr(buf, " stopped: ") != NULL)
			continue;	/* stopped cleanly: nothing to see */
		fprintf(stderr, "bench-net: --- end of %s ---\n%s", e->d_name, buf);
	}
	if (d != NULL)
		closedir(d);
}

static void cleanup(void)
{
	stop_nodes();
	if (g_tmp[0] && getenv("NET_KEEP") != NULL) {
		fprintf(stderr, "bench-net: NET_KEEP set: leaving %s\n", g_tmp);
		g_tmp[0] = '\0';
	}
	if (g_tmp[0]) {
		nftw(g_tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
		g_tmp[0] = '\0';
	}
}

/* ---- set-up helpers ---- */

static int find_wiec(const char *argv0)
{
	char exe[PATH_MAX], *slash;
	const char *env = getenv("WIEC");
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);

	(void)argv0;
	/* build/bench-net -> the repository root is the directory above. */
	if (n > 0) {
		exe[n] = '\0';
		for (int up = 0; up < 2 && (slash = strrchr(exe, '/')) != NULL; up++)
			*slash = '\0';
		snprintf(g_root, sizeof g_root, "%s", exe[0] ? exe : "/");
	}
	if (n <= 0 || access(g_root, F_OK) != 0)
		if (getcwd(g_root, sizeof g_root) == NULL)
			return -1;
	if (chdir(g_root) != 0)
		return -1;
	if (env != NULL && *env && strlen(env) < 60)
		snprintf(g_wiec, sizeof g_wiec, "%s%s%.59s", env[0] == '/' ? "" : g_root,
		    env[0] == '/' ? "" : "/", env);
	else
		snprintf(g_wiec, sizeof g_wiec, "%s/wiec", g_root);
	if (access(g_wiec, X_OK) != 0) {
		fprintf(stderr, "bench-net: %s not found or not executable (run 'make' first)\n", g_wiec);
		return -1;
	}
	return 0;
}

static int port_free(int port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

	if (fd < 0)
		return 0;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
	close(fd);
	return ok;
}

/* A base port P with P..P+n-1 free on 127.0.0.1. */
static int pick_ports(int n)
{
	uint64_t rng = (uint64_t)getpid() * 1000003u ^ (uint64_t)(now() * 1e6);

	for (int tries = 0; tries < 200; tries++) {
		int base = 20000 + (int)(splitmix(&rng) % 30000), ok = 1;

		for (int i = 0; i < n && ok; i++)
			ok = port_free(base + i);
		if (ok)
			return base;
	}
	return -1;
}

static int testnet(const char *dir, int nodes, int port)
{
	char n[16], p[16], out[8192];
	char *argv[] = { g_wiec, "testnet", (char *)dir, "--nodes", n, "--base-port", p, NULL };
	int rc;

	snprintf(n, sizeof n, "%d", nodes);
	snprintf(p, sizeof p, "%d", port);
	if ((rc = run(argv, out, sizeof out)) != 0) {
		fprintf(stderr, "bench-net: wiec testnet %s --nodes %d failed (status %d)\n", dir,
		    nodes, rc);
		return -1;
	}
	return 0;
}

static int open_store(store_t **s, const char *node_dir)
{
	char path[PATH_MAX];
	int rc;

	snprintf(path, sizeof path, "%s/store", node_dir);
	if ((rc = store_open(s, path, 0, 0)) != 0)
		fprintf(stderr, "bench-net: %s: %s\n", path, wiec_strerror(rc));
	return rc;
}

/* Sums a field over the links of the node on dir (bytes_in, bytes_out,
 * events_in or connected: a count of the links up); -1 if the node does
 * not answer. */
static long long peers_sum(const char *dir, const char *field, int count_true)
{
	Wiec__CtlReply *rep;
	char why[256];
	long long sum = 0;

	if (ctl_status(dir, &rep, why, sizeof why) != 0)
		return -1;
	for (size_t i = 0; i < rep->status->n_peers; i++) {
		const Wiec__CtlPeer *p = rep->status->peers[i];

		if (count_true)
			sum += strcmp(field, "connected") == 0 ? p->connected : p->dialed;
		else
			sum += (long long)(strcmp(field, "bytes_in") == 0 ? p->bytes_in :
			    strcmp(field, "bytes_out") == 0 ? p->bytes_out : p->events_in);
	}
	wiec__ctl_reply__free_unpacked(rep, NULL);
	return sum;
}

/* ---- (a) generating the backlog ---- */

typedef struct corpus {
	uint8_t network[HASH_BYTES];
	key_pair_t *authors;
	uint8_t **envs;		/* seq-major: slot (seq-1)*NET_AUTHORS + author */
	size_t *lens;
	size_t bytes;
} corpus_t;

typedef struct gen_part {
	corpus_t *c;
	size_t first, last;
	int rc;
} gen_part_t;

static void *gen_authors(void *arg)
{
	gen_part_t *p = arg;
	corpus_t *c = p->c;
	uint8_t seed[32];
	char tag[48];

	for (size_t a = p->first; a < p->last; a++) {
		key_pair_t *kp = &c->authors[a];

		snprintf(tag, sizeof tag, "bench-net-author-%zu", a);
		hash_2(seed, tag, strlen(tag), NULL, 0);
		if ((p->rc = key_from_seed(kp, seed)) != 0)
			return NULL;
		if ((p->rc = corpus_chain(kp, c->network, a, NET_PER_AUTHOR, NET_AUTHORS, 0,
		    c->envs, c->lens)) != 0)
			return NULL;
	}
	p->rc = 0;
	return NULL;
}

static int generate(corpus_t *c)
{
	gen_part_t parts[2] = { { c, 0, NET_AUTHORS / 2, -1 }, { c, NET_AUTHORS / 2, NET_AUTHORS, -1 } };
	pthread_t tid;

	if ((c->authors = calloc(NET_AUTHORS, sizeof *c->authors)) == NULL ||
	    (c->envs = calloc(NET_EVENTS, sizeof *c->envs)) == NULL ||
	    (c->lens = calloc(NET_EVENTS, sizeof *c->lens)) == NULL)
		return -1;
	if (pthread_create(&tid, NULL, gen_authors, &parts[1]) != 0)
		return -1;
	gen_authors(&parts[0]);
	pthread_join(tid, NULL);
	if (parts[0].rc != 0 || parts[1].rc != 0) {
		fprintf(stderr, "bench-net: generating events: %s\n",
		    wiec_strerror(parts[0].rc ? parts[0].rc : parts[1].rc));
		return -1;
	}
	for (size_t i = 0; i < NET_EVENTS; i++)
		c->bytes += c->lens[i];
	return 0;
}

static void free_corpus(corpus_t *c)
{
	for (size_t i = 0; c->envs && i < NET_EVENTS; i++)
		free(c->envs[i]);
	if (c->authors)
		for (size_t a = 0; a < NET_AUTHORS; a++)
			key_wipe(&c->authors[a]);
	free(c->authors);
	free(c->envs);
	free(c->lens);
	memset(c, 0, sizeof *c);
}

/* The timed single-node ingest; events/s, or -1. */
static double ingest(store_t *s, const corpus_t *c)
{
	ev_t *evs = calloc(NET_BATCH, sizeof *evs);
	int *rc = calloc(NET_BATCH, sizeof *rc), *res = calloc(NET_BATCH, sizeof *res), err = 0;
	size_t added, total = 0;
	double t0, rate = -1;

	if (evs == NULL || rc == NULL || res == NULL)
		goto out;
	t0 = now();
	for (size_t i = 0; i < NET_EVENTS; i += NET_BATCH) {
		size_t n = NET_EVENTS - i < NET_BATCH ? NET_EVENTS - i : NET_BATCH;

		if ((err = ev_check_batch(evs, rc, (const uint8_t *const *)c->envs + i, c->lens + i,
		    n, c->network, NODE_VERIFY_THREADS)) != 0)
			goto fail;
		for (size_t j = 0; j < n; j++)
			if ((err = rc[j]) != 0) {
				for (size_t k = 0; k < n; k++)
					ev_free(&evs[k]);
				goto fail;
			}
		err = store_ingest(s, evs, n, res, &added);
		for (size_t j = 0; j < n; j++)
			ev_free(&evs[j]);
		if (err != 0)
			goto fail;
		for (size_t j = 0; j < n; j++)
			if (res[j] != STORE_ADDED) {
				err = res[j] < 0 ? res[j] : WIEC_ERR_CORRUPT;
				goto fail;
			}
		total += added;
	}
	if (total == NET_EVENTS)
		rate = NET_EVENTS / (now() - t0);
	else
		fprintf(stderr, "bench-net: ingest added %zu of %d events\n", total, NET_EVENTS);
	goto out;
fail:
	fprintf(stderr, "bench-net: ingest: %s\n", wiec_strerror(err));
out:
	free(evs);
	free(rc);
	free(res);
	return rate;
}

/* TCP payload bytes, both directions, of the connections accepted on
 * ports [base, base+n): bytes_acked (sent) + bytes_received of each
 * accepting socket. Returns the number of sockets, or -1 if ss fails. */
static int wire_bytes(int base, int n, unsigned long long *bytes)
{
	char cmd[1024], line[4096];
	size_t off;
	int socks = 0;
	FILE *f;

	off = (size_t)snprintf(cmd, sizeof cmd, "ss -tinH state established '(");
	for (int i = 0; i < n && off < sizeof cmd - 64; i++)
		off += (size_t)snprintf(cmd + off, sizeof cmd - off, "%s sport = :%d", i ? " or" : "",
		    base + i);
	snprintf(cmd + off, sizeof cmd - off, " )' 2>/dev/null");
	if ((f = popen(cmd, "r")) == NULL)
		return -1;
	*bytes = 0;
	while (fgets(line, sizeof line, f) != NULL) {
		const char *a = strstr(line, " bytes_acked:"), *r = strstr(line, " bytes_received:");

		if (a != NULL || r != NULL)
			socks++;
		if (a != NULL)
			*bytes += strtoull(a + 13, NULL, 10);
		if (r != NULL)
			*bytes += strtoull(r + 16, NULL, 10);
	}
	if (pclose(f) != 0)
		return -1;
	return socks;
}

static int catchup(double *rate_out, double *ceiling_out, double *wire_out)
{
	char dir[128], n1[256], n2[256], log1[256], log2[256];
	corpus_t c;
	store_t *s = NULL, *s2 = NULL;
	store_stats_t st, st1;
	double t0, tgen, ceiling, tstart, tfirst = 0, tdone = 0;
	unsigned long long wire = 0;
	long long app_in = 0, app_out = 0, evin = 0;
	int port, rc = -1, socks;

	memset(&c, 0, sizeof c);
	snprintf(dir, sizeof dir, "%s/catchup", g_tmp);
	snprintf(n1, sizeof n1, "%s/node1", dir);
	snprintf(n2, sizeof n2, "%s/node2", dir);
	snprintf(log1, sizeof log1, "%s/catchup-node1.log", g_tmp);
	snprintf(log2, sizeof log2, "%s/catchup-node2.log", g_tmp);
	if ((port = pick_ports(2)) < 0 || testnet(dir, 2, port) != 0)
		goto out;
	if (open_store(&s, n1) != 0 || store_network(s, c.network) != 0)
		goto out;
	t0 = now();
	if (generate(&c) != 0)
		goto out;
	tgen = now() - t0;
	if ((ceiling = ingest(s, &c)) <= 0)
		goto out;
	store_close(&s);
	printf("# (a) catch-up: %d events by %d authors, %.1f MB of envelopes (mean %zu bytes), "
	    "generated in %.1f s; single-node ingest (ev_check_batch %d threads + store_ingest, "
	    "batches of %d) %.0f events/s = the ceiling\n", NET_EVENTS, NET_AUTHORS,
	    (double)c.bytes / 1e6, c.bytes / NET_EVENTS, tgen, NODE_VERIFY_THREADS, NET_BATCH,
	    ceiling);
	fflush(stdout);
	if (open_store(&s2, n2) != 0)
		goto out;
	tstart = now();
	if (start_node(n1, log1) < 0 || start_node(n2, log2) < 0)
		goto out;
	while (!g_stop) {
		if (store_stats(s2, &st) != 0)
			goto out;
		if (st.events > 0 && tfirst == 0)
			tfirst = now();
		if (st.events == NET_EVENTS && st.pending == 0) {
			tdone = now();
			break;
		}
		if (now() - tstart > CATCHUP_DEADLINE_S || !alive(0) || !alive(1)) {
			fprintf(stderr, "bench-net: catch-up: node2 holds %llu of %d events after %.1f s%s\n",
			    (unsigned long long)st.events, NET_EVENTS, now() - tstart,
			    g_pids[0] > 0 && g_pids[1] > 0 ? "" : " and a node died");
			goto out;
		}
		sleep_ms(10);
	}
	if (g_stop)
		goto out;
	/* Let the last ACKs land, then count what crossed the sockets. */
	sleep_ms(200);
	socks = wire_bytes(port, 2, &wire);
	for (int i = 0; i < 2; i++) {
		const char *d = i ? n2 : n1;
		long long a = peers_sum(d, "bytes_in", 0), b = peers_sum(d, "bytes_out", 0);

		if (a < 0 || b < 0) {
			fprintf(stderr, "bench-net: node%d does not answer on its control socket\n", i + 1);
			goto out;
		}
		if (i == 1) {
			app_in = a;
			app_out = b;
			evin = peers_sum(d, "events_in", 0);
		}
	}
	if (store_stats(s2, &st) != 0 || open_store(&s, n1) != 0 || store_stats(s, &st1) != 0)
		goto out;
	if (memcmp(st.digest, st1.digest, HASH_BYTES) != 0) {
		fprintf(stderr, "bench-net: catch-up: node1 and node2 hold %llu events each but their "
		    "digests differ\n", (unsigned long long)st.events);
		goto out;
	}
	*rate_out = NET_EVENTS / (tdone - tstart);
	*ceiling_out = ceiling;
	printf("# catch-up: nodes started -> first event on node2 %.2f s -> all %d events %.2f s "
	    "(from the first event on: %.0f events/s); node2 events_in %lld (polled every 10 ms)\n",
	    tfirst - tstart, NET_EVENTS, tdone - tstart,
	    tdone - tfirst > 0.05 ? NET_EVENTS / (tdone - tfirst) : 0.0, evin);
	if (socks == 2) {
		*wire_out = (double)wire / (double)c.bytes;
		printf("# wire: %llu TCP payload bytes on %d connections (ss -tinH, bytes_acked + "
		    "bytes_received of each accepting socket; ZMTP + CURVE framing included, TCP/IP "
		    "headers not) for %zu envelope bytes; the nodes' own frame counters: %lld bytes "
		    "(node2 in %lld + out %lld)\n", wire, socks, c.bytes, app_in + app_out, app_in,
		    app_out);
	} else {
		*wire_out = (double)(app_in + app_out) / (double)c.bytes;
		if (socks < 0)
			printf("# wire: 'ss -tinH' failed (iproute2 not installed?)");
		else
			printf("# wire: 'ss -tinH' showed %d connections between the nodes, not 2", socks);
		printf(": falling back to the nodes' own counters (application frames: no ZMTP or "
		    "CURVE framing): node2 bytes_in %lld + bytes_out %lld\n", app_in, app_out);
	}
	rc = 0;
out:
	store_close(&s);
	store_close(&s2);
	stop_nodes();
	free_corpus(&c);
	return rc;
}

/* ---- (b) propagation, (c) idle ---- */

/* Neighbours of each node from the peers files (links carry both ways). */
static int neighbours(const char *dir, int n, int base, int count[])
{
	unsigned char adj[64][64];
	char path[PATH_MAX], line[1100];

	memset(adj, 0, sizeof adj);
	for (int i = 0; i < n; i++) {
		FILE *f;

		snprintf(path, sizeof path, "%s/node%d/peers", dir, i + 1);
		if ((f = fopen(path, "r")) == NULL)
			return -1;
		while (fgets(line, sizeof line, f) != NULL) {
			const char *p = strstr(line, "tcp://127.0.0.1:");
			int j;

			if (line[0] == '#' || p == NULL)
				continue;
			j = atoi(p + 16) - base;
			if (j >= 0 && j < n && j != i)
				adj[i][j] = adj[j][i] = 1;
		}
		fclose(f);
	}
	for (int i = 0; i < n; i++) {
		count[i] = 0;
		for (int j = 0; j < n; j++)
			count[i] += adj[i][j];
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int proc_cpu(pid_t pid, unsigned long long *ticks)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	FILE *f;
	size_t n;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* Fields after "(comm)": state is field 3, utime 14, stime 15. */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	*ticks = ut + st;
	return 0;
}

static int propagate(double *median, double *p99, double *transfers, double *idle_cpu)
{
	char dir[128], nd[NET_NODES][256], log[256], out[512];
	store_t *s[NET_NODES] = { 0 };
	int expect[NET_NODES], port, rc = -1, tot_links = 0;
	double lat[NET_POSTS], cmd[NET_POSTS], lat0[NET_POSTS], t0, tconn, worst = 0, cpu_max = 0, cpu_sum = 0;
	long long base_in = 0, after_in = 0, idle_in = 0;
	unsigned long long t_a[NET_NODES], t_b[NET_NODES];
	uint64_t rng = 20261124;
	int posted_on[NET_NODES] = { 0 };

	snprintf(dir, sizeof dir, "%s/prop", g_tmp);
	if ((port = pick_ports(NET_NODES)) < 0 || testnet(dir, NET_NODES, port) != 0 ||
	    neighbours(dir, NET_NODES, port, expect) != 0)
		goto out;
	for (int i = 0; i < NET_NODES; i++) {
		snprintf(nd[i], sizeof nd[i], "%s/node%d", dir, i + 1);
		tot_links += expect[i];
		if (open_store(&s[i], nd[i]) != 0)
			goto out;
	}
	t0 = now();
	for (int i = 0; i < NET_NODES; i++) {
		snprintf(log, sizeof log, "%s/prop-node%d.log", g_tmp, i + 1);
		if (start_node(nd[i], log) < 0)
			goto out;
	}
	/* Connected: every node has heard from each of its neighbours. */
	for (;;) {
		int ok = 1;

		for (int i = 0; i < NET_NODES && ok; i++)
			ok = peers_sum(nd[i], "connected", 1) >= expect[i];
		if (ok)
			break;
		if (g_stop || now() - t0 > CONNECT_DEADLINE_S) {
			fprintf(stderr, "bench-net: propagation: nodes not all connected after %.0f s "
			    "(logs: %s/prop-node*.log)\n", now() - t0, g_tmp);
			goto out;
		}
		for (int i = 0; i < NET_NODES; i++)
			if (!alive(i))
				goto out;
		sleep_ms(50);
	}
	tconn = now() - t0;
	for (int i = 0; i < NET_NODES; i++)
		base_in += peers_sum(nd[i], "events_in", 0);

	for (int k = 0; k < NET_POSTS; k++) {
		int x = (int)(splitmix(&rng) % NET_NODES), have = 0, st, dead = 0;
		char title[64], body[160], hex[HASH_HEX_BYTES];
		char *argv[] = { g_wiec, "idea", "add", "-d", nd[x], "--title", title, "--body", body,
		    "--json", NULL };
		uint8_t id[HASH_BYTES];
		unsigned char got[NET_NODES] = { 0 };
		double tret, tcmd;
		const char *p;

		snprintf(title, sizeof title, "Propozycja %d: ławki w parku", k + 1);
		snprintf(body, sizeof body, "Pomiar propagacji, wpis %d z %d, węzeł %d", k + 1,
		    NET_POSTS, x + 1);
		tcmd = now();
		st = run(argv, out, sizeof out);
		tret = now();
		cmd[k] = (tret - tcmd) * 1000.0;
		if (st != 0 || (p = strstr(out, "\"id\": \"")) == NULL ||
		    snprintf(hex, sizeof hex, "%.64s", p + 7) != 64 ||
		    hash_from_hex(id, sizeof id, hex) != 0) {
			fprintf(stderr, "bench-net: wiec idea add -d %s failed (status %d): %s\n", nd[x],
			    st, out);
			goto out;
		}
		posted_on[x]++;
		while (have < NET_NODES) {
			for (int i = 0; i < NET_NODES; i++) {
				uint8_t *env;
				size_t len;

				if (!got[i] && store_get(s[i], id, &env, &len) == 0) {
					free(env);
					got[i] = 1;
					have++;
				}
			}
			if (have == NET_NODES)
				break;
			for (int i = 0; i < NET_NODES; i++)
				dead |= !got[i] && !alive(i);	/* it will never arrive there */
			if (g_stop || dead || now() - tret > PROPAGATE_DEADLINE_S) {
				fprintf(stderr, "bench-net: idea %d (posted on node%d) reached %d of %d nodes "
				    "in %.0f s\n", k + 1, x + 1, have, NET_NODES, now() - tret);
				goto out;
			}
			sleep_ms(2);
		}
		lat[k] = (now() - tret) * 1000.0;
		lat0[k] = lat[k] + cmd[k];
		if (lat[k] > worst)
			worst = lat[k];
	}
	/* Late redundant transfers (a reconciliation round) count too. */
	sleep_ms(2.0 * SYNC_RECON_MS);
	for (int i = 0; i < NET_NODES; i++) {
		long long v = peers_sum(nd[i], "events_in", 0);

		if (v < 0)
			goto out;
		after_in += v;
	}
	qsort(lat, NET_POSTS, sizeof lat[0], cmp_double);
	qsort(lat0, NET_POSTS, sizeof lat0[0], cmp_double);
	qsort(cmd, NET_POSTS, sizeof cmd[0], cmp_double);
	*median = (lat[(NET_POSTS - 1) / 2] + lat[NET_POSTS / 2]) / 2;
	*p99 = lat[(int)((NET_POSTS * 99 + 99) / 100) - 1];	/* nearest rank */
	*transfers = (double)(after_in - base_in) / NET_POSTS;
	printf("# (b) propagation: %d nodes (%d links), all connected %.1f s after start; %d ideas "
	    "posted one at a time with 'wiec idea add' on random nodes (per node:", NET_NODES,
	    tot_links / 2, tconn, NET_POSTS);
	for (int i = 0; i < NET_NODES; i++)
		printf(" %d", posted_on[i]);
	printf("); latency = command returned -> all %d stores hold it (polled every 2 ms, so "
	    "+0..2 ms): min "
	    "%.1f, median %.1f, p90 %.1f, max %.1f ms; p99 of %d samples is the nearest rank, i.e. "
	    "the max\n", NET_NODES, lat[0], *median, lat[(NET_POSTS * 9 + 9) / 10 - 1], worst,
	    NET_POSTS);
	printf("# the command itself ('wiec idea add', through the node) took median %.1f, max "
	    "%.1f ms; latency from the command's start: median %.1f, max %.1f ms\n",
	    cmd[NET_POSTS / 2], cmd[NET_POSTS - 1], lat0[NET_POSTS / 2], lat0[NET_POSTS - 1]);
	printf("# latency ceiling: no hardware bound; SYNC_RECON_MS = %d ms (node/node.h), about "
	    "what pull-only propagation by periodic reconciliation would take\n", SYNC_RECON_MS);
	printf("# transfers: sum of events_in over all nodes' peers = %lld for %d events "
	    "(ideal %d = N-1 per event), counted %.0f ms after the last one converged\n",
	    after_in - base_in, NET_POSTS, NET_NODES - 1, 2.0 * SYNC_RECON_MS);
	fflush(stdout);

	/* (c) idle: in sync (equal digests), then NET_IDLE_S of nothing. */
	{
		store_stats_t a, b;

		if (store_stats(s[0], &a) != 0)
			goto out;
		for (int i = 1; i < NET_NODES; i++)
			if (store_stats(s[i], &b) != 0 || memcmp(a.digest, b.digest, HASH_BYTES) != 0 ||
			    b.events != a.events) {
				fprintf(stderr, "bench-net: node%d is not in sync with node1 before the idle "
				    "measurement\n", i + 1);
				goto out;
			}
	}
	{
		long hz = sysconf(_SC_CLK_TCK);
		double ta, tb;

		for (int i = 0; i < NET_NODES; i++)
			if (proc_cpu(g_pids[i], &t_a[i]) != 0)
				goto out;
		ta = now();
		for (double end = ta + NET_IDLE_S; now() < end && !g_stop;)
			sleep_ms(100);
		for (int i = 0; i < NET_NODES; i++)
			if (proc_cpu(g_pids[i], &t_b[i]) != 0)
				goto out;
		tb = now();
		if (g_stop)
			goto out;
		for (int i = 0; i < NET_NODES; i++) {
			double pct = (double)(t_b[i] - t_a[i]) / (double)hz / (tb - ta) * 100.0;

			cpu_sum += pct;
			if (pct > cpu_max)
				cpu_max = pct;
		}
		*idle_cpu = cpu_sum / NET_NODES;
		for (int i = 0; i < NET_NODES; i++)
			idle_in += peers_sum(nd[i], "events_in", 0);
		printf("# (c) idle: %d nodes in sync (equal digests), %.1f s: utime+stime from /proc "
		    "(%ld ticks/s) mean %.2f %%, max %.2f %% of a core per node; events_in during the "
		    "idle period %lld\n", NET_NODES, tb - ta, hz, *idle_cpu, cpu_max,
		    idle_in - after_in);
	}
	rc = 0;
out:
	for (int i = 0; i < NET_NODES; i++)
		store_close(&s[i]);
	stop_nodes();
	return rc;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	double rate = 0, ceiling = 0, wire = 0, med = 0, p99 = 0, tr = 0, cpu = 0, t0 = now();
	int status = 1, ok_a = 0, ok_b = 0;

	(void)argc;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (sodium_init() < 0 || find_wiec(argv[0]) != 0)
		return 1;
	snprintf(g_tmp, sizeof g_tmp, "/tmp/wiec-bench-net-XXXXXX");
	if (mkdtemp(g_tmp) == NULL) {
		g_tmp[0] = '\0';
		fprintf(stderr, "bench-net: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	/* A failed part is reported and the next one still runs; exit 1 then. */
	if (catchup(&rate, &ceiling, &wire) == 0) {
		printf("bench catchup: %.0f events/s (ceiling %.0f events/s, ratio %.2f)\n", rate,
		    ceiling, rate / ceiling);
		printf("bench catchup-wire: %.3f bytes/payload byte (ceiling %.2f bytes/payload "
		    "byte, ratio %.2f)\n", wire, NET_WIRE_CEILING, wire / NET_WIRE_CEILING);
		ok_a = 1;
	} else {
		printf("# catch-up FAILED (see stderr)\n");
	}
	if (!g_stop && propagate(&med, &p99, &tr, &cpu) == 0) {
		printf("bench propagate-latency-median: %.1f ms (ceiling %d ms, ratio %.3f)\n", med,
		    SYNC_RECON_MS, med / SYNC_RECON_MS);
		printf("bench propagate-latency-p99: %.1f ms (ceiling %d ms, ratio %.3f)\n", p99,
		    SYNC_RECON_MS, p99 / SYNC_RECON_MS);
		printf("bench propagate-transfers: %.2f transfers/event (ceiling %.1f transfers/event, "
		    "ratio %.2f)\n", tr, 1.5 * (NET_NODES - 1), tr / (1.5 * (NET_NODES - 1)));
		printf("bench idle-cpu: %.2f %% of a core per node (ceiling %.0f %% of a core per node, "
		    "ratio %.2f)\n", cpu, NET_CPU_CEILING, cpu / NET_CPU_CEILING);
		ok_b = 1;
	} else {
		printf("# propagation/idle FAILED (see stderr)\n");
	}
	if (ok_a && ok_b)
		printf("# targets: catchup >= 0.80 of ceiling: %s; wire <= %.2f: %s; latency below "
		    "SYNC_RECON_MS: median %s, p99 %s; transfers <= 1.5 x (N-1): %s; idle < 1 %%: %s; "
		    "total %.0f s\n", rate / ceiling >= 0.80 ? "met" : "MISSED", NET_WIRE_CEILING,
		    wire <= NET_WIRE_CEILING ? "met" : "MISSED", med < SYNC_RECON_MS ? "met" : "MISSED",
		    p99 < SYNC_RECON_MS ? "met" : "MISSED",
		    tr <= 1.5 * (NET_NODES - 1) ? "met" : "MISSED",
		    cpu < NET_CPU_CEILING ? "met" : "MISSED", now() - t0);
	status = ok_a && ok_b ? 0 : 1;
	if (status != 0) {
		stop_nodes();
		dump_logs();
	}
	cleanup();
	if (status != 0)
		fprintf(stderr, "bench-net: failed%s\n", g_stop ? " (interrupted)" : "");
	return status;
}
