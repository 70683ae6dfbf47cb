/* node.c: wiec node (the daemon, in the foreground) and wiec peers. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/json.h"
#include "crypto/err.h"
#include "node/ctl.h"
#include "node/node.h"
#include "node/peers.h"
#include "proto/genesis.h"

/* Tries to bind the listen endpoint's address (numeric hosts and "*" only;
 * names are left to the node): 0, or -1 with errno (EADDRINUSE ...). */
static int bind_probe(const char *listen)
{
	char host[PEERS_ENDPOINT_MAX], *colon;
	struct addrinfo hints, *ai = NULL;
	int fd, one = 1, rc, e;

	snprintf(host, sizeof host, "%s", listen + 6);	/* after "tcp://" */
	if ((colon = strrchr(host, ':')) == NULL)
		return 0;
	*colon = '\0';
	if (host[0] == '[' && colon > host + 1 && colon[-1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(strcmp(host, "*") == 0 ? NULL : host, colon + 1, &hints, &ai) != 0)
		return 0;
	if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		freeaddrinfo(ai);
		return 0;
	}
	/* As libzmq does: a port in TIME_WAIT is free to bind. */
	rc = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ? -1 : 0;
	e = errno;
	close(fd);
	freeaddrinfo(ai);
	errno = e;
	return rc;
}

/* Everything the node checks as it starts, checked here first so that each
 * failure is one "wiec: node: ..." line with the README's exit status. */
static int preflight(const char *cmd, const char *dir)
{
	char path[PATH_MAX], why[256], ep[PATH_MAX + 16], text[KEY_TEXT_BYTES];
	uint8_t *g = NULL;
	size_t glen;
	key_pair_t kp;
	key_x25519_t kx;
	genesis_t gen;
	peers_t *peers;
	store_t *s;
	cfg_t cfg;
	int rc, fd, self;

	if ((rc = cli_open(cmd, dir, &cfg, &s)) != EXIT_OK)
		return rc;
	rc = store_genesis(s, &g, &glen);
	store_close(&s);
	if (rc == 0)
		rc = genesis_decode(&gen, g, glen, 1);
	free(g);
	if (rc != 0)
		return cli_fail(EXIT_DATA, cmd, "%s/store: the installed genesis: %s", dir,
		    wiec_strerror(rc));
	(void)cli_path(path, dir, "identity.key");	/* fits: cli_open checked longer */
	if ((rc = cli_load_key(cmd, path, &kp)) != EXIT_OK) {
		genesis_free(&gen);
		return rc;
	}
	self = genesis_founder(&gen, kp.pk);
	key_to_text(text, kp.pk);
	key_wipe(&kp);
	genesis_free(&gen);
	/* Not a founder: a member added by a member change, or one about to
	 * be; the node logs which (spec/members.md section 5). */
	if (self < 0)
		fprintf(stderr, "wiec: %s: %s is not a founder: it takes part if a member "
		    "change added it\n", cmd, text);
	(void)cli_path(path, dir, "transport.key");	/* fits: cli_open checked longer */
	if ((rc = key_x25519_load(&kx, path)) != 0)
		return cli_fail(EXIT_KEY, cmd, "%s: %s", path, rc == WIEC_ERR_IO ? strerror(errno) :
		    rc == WIEC_ERR_NOTFOUND ? "no such key file" : wiec_strerror(rc));
	key_x25519_wipe(&kx);
	if ((peers = malloc(sizeof *peers)) == NULL)
		return cli_fail(EXIT_FAIL, cmd, "%s", wiec_strerror(WIEC_ERR_NOMEM));
	(void)cli_path(path, dir, "peers");	/* fits: cli_open checked longer */
	rc = peers_load(peers, path, why, sizeof why);
	free(peers);
	if (rc != 0)
		return cli_fail(rc == WIEC_ERR_CONFIG ? EXIT_DATA : EXIT_FAIL, cmd, "%s: %s", path,
		    rc == WIEC_ERR_NOMEM ? wiec_strerror(rc) : why);
	if (ctl_endpoint(ep, sizeof ep, dir) != 0)
		return cli_fail(EXIT_USAGE, cmd, "%s: the path is too long for the control socket "
		    "(at most 107 bytes with /%s)", dir, CTL_SOCK);
	if ((rc = ctl_direct_lock(dir, &fd)) == 1)
		return cli_fail(EXIT_FAIL, cmd, "a node is already running on %s", dir);
	if (rc != 0)
		return cli_fail(EXIT_DATA, cmd, "%s/%s: %s", dir, CTL_LOCK, strerror(errno));
	if (close(fd) != 0)
		return cli_fail(EXIT_FAIL, cmd, "%s/%s: %s", dir, CTL_LOCK, strerror(errno));
	/* A stale socket is replaced; anything else there is not ours to
	 * remove (it once failed as "Address already in use"). */
	{
		struct stat st;

		(void)cli_path(path, dir, CTL_SOCK);
		if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode))
			return cli_fail(EXIT_DATA, cmd, "%s is not a socket: move it away to start "
			    "the node", path);
	}
	if (cfg.listen[0] && bind_probe(cfg.listen) != 0)
		return cli_fail(EXIT_FAIL, cmd, "cannot listen on %s: %s", cfg.listen,
		    strerror(errno));
	return EXIT_OK;
}

int node_main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_DIR_OPT, { "verbose", no_argument, NULL, 'v' }, { 0, 0, 0, 0 },
	};
	const char *cmd = "node", *dflag = NULL;
	node_opts_t o = { 0 };
	int c, rc;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":d:hv", opts)) != -1) {
		switch (c) {
		case 'd': dflag = optarg; break;
		case 'v': o.verbose = 1; break;
		case 'h': cli_usage(stdout, cmd); return EXIT_OK;
		default: return cli_badopt(cmd, c, argv);
		}
	}
	if (optind != argc)
		return cli_fail(EXIT_USAGE, cmd, "unexpected argument '%s'", argv[optind]);
	o.dir = cli_dir(dflag);
	if ((rc = preflight(cmd, o.dir)) != EXIT_OK)
		return rc;
	/* What can still fail is logged by the node, one line, and exits 1
	 * (a port taken meanwhile) or 3 (a store damaged meanwhile). */
	rc = node_run(&o);
	return rc == 0 ? EXIT_OK : cli_status(rc);
}

/* Prints s in a column of width characters (code points), cut at a
 * character boundary if longer, then pads it. Each is shown as
 * ev_fput_text shows it: a member's name may hold a bidi override. */
static void put_cell(const char *s, int width)
{
	const unsigned char *p = (const unsigned char *)s;
	int w = 0;

	while (*p && w < width) {
		const unsigned char *q = p + 1;

		while ((*q & 0xc0) == 0x80)
			q++;
		ev_fput_text(stdout, (const char *)p, (size_t)(q - p));
		p = q;
		w++;
	}
	while (w++ < width)
		putchar(' ');
}

int peers_main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_DIR_OPT, { "json", no_argument, NULL, 'j' }, { 0, 0, 0, 0 },
	};
	const char *cmd = "peers", *dflag = NULL, *dir;
	char why[256], id[KEY_TEXT_BYTES];
	Wiec__CtlReply *rep;
	int c, rc, fd, jsonout = 0;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":d:h", opts)) != -1) {
		switch (c) {
		case 'd': dflag = optarg; break;
		case 'j': jsonout = 1; break;
		case 'h': cli_usage(stdout, cmd); return EXIT_OK;
		default: return cli_badopt(cmd, c, argv);
		}
	}
	if (optind != argc)
		return cli_fail(EXIT_USAGE, cmd, "unexpected argument '%s'", argv[optind]);
	dir = cli_dir(dflag);
	if ((rc = cli_check_dir(cmd, dir)) != EXIT_OK)
		return rc;
	if ((rc = ctl_direct_lock(dir, &fd)) == 0) {
		close(fd);
		return cli_fail(EXIT_FAIL, cmd, "no node is running on %s (start 'wiec node -d %s')",
		    dir, dir);
	}
	if (rc < 0)	/* e.g. a read-only copy: no node can run there */
		return cli_fail(EXIT_DATA, cmd, "%s/%s: %s (no node runs here)", dir, CTL_LOCK,
		    strerror(errno));
	if (ctl_status(dir, &rep, why, sizeof why) != 0)
		return cli_fail(EXIT_FAIL, cmd, "the node running on %s: %s", dir, why);
	if (jsonout) {
		json_t j;

		json_init(&j, stdout);
		cli_peers_json(&j, rep->status);	/* the document: ends with '\n' */
		wiec__ctl_reply__free_unpacked(rep, NULL);
		return EXIT_OK;
	}
	printf("%-45s %-24s %-26s %-5s %8s %12s %12s\n", "PEER", "NAME", "ENDPOINT", "UP",
	    "LAG", "BYTES IN", "BYTES OUT");
	for (size_t i = 0; i < rep->status->n_peers; i++) {
		const Wiec__CtlPeer *p = rep->status->peers[i];

		key_to_text(id, p->id.data);	/* 32 bytes: ctl_status checked */
		printf("%-45s ", id);
		put_cell(p->name, 24);
		putchar(' ');
		put_cell(*p->endpoint ? p->endpoint : "(inbound)", 26);
		printf(" %-5s %8llu %12llu %12llu\n", p->connected ? "yes" : "no",
		    (unsigned long long)p->lag, (unsigned long long)p->bytes_in,
		    (unsigned long long)p->bytes_out);
	}
	wiec__ctl_reply__free_unpacked(rep, NULL);
	return EXIT_OK;
}
