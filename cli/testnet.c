/* testnet.c: wiec testnet, N ready-to-run nodes of one network on this
 * host (spec/network.md, "Test networks"). The genesis ceremony is done in
 * process: every node is a founder and signs. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "crypto/err.h"
#include "node/peers.h"
#include "proto/genesis.h"

#define TESTNET_MAX GENESIS_FOUNDERS_MAX
#define TESTNET_PORT 7400
#define TESTNET_MESH 5		/* up to this many nodes, every node dials every other */

typedef struct testnet {
	size_t n;
	unsigned port;				/* node i listens on port + i - 1 */
	cfg_t cfg[TESTNET_MAX];
	key_pair_t kp[TESTNET_MAX];		/* wiped before testnet_main returns */
	uint8_t xpk[TESTNET_MAX][KEY_X_BYTES];
	Wiec__Founder f[TESTNET_MAX];
	char *ep[TESTNET_MAX];
	size_t npeers[TESTNET_MAX];
	uint8_t network[HASH_BYTES];
} testnet_t;

static void node_profile(cfg_t *c, size_t i)
{
	static const struct { int role; const char *name; } first[] = {
		{ WIEC__ROLE__ROLE_CITY, "Gdynia City Hall" },
		{ WIEC__ROLE__ROLE_NGO, "Fundacja Wiec" },
		{ WIEC__ROLE__ROLE_UNIVERSITY, "Gdansk University" },
		{ WIEC__ROLE__ROLE_BUSINESS, "Pomeranian Chamber of Commerce" },
	};

	if (i < sizeof first / sizeof first[0]) {
		c->role = first[i].role;
		snprintf(c->name, sizeof c->name, "%s", first[i].name);
	} else {
		c->role = WIEC__ROLE__ROLE_OTHER;
		snprintf(c->name, sizeof c->name, "Organisation %zu", i + 1);
	}
}

/* The nodes node i (0-based) dials, into out; returns how many. Up to
 * TESTNET_MESH nodes: all others. Beyond: i+1, i+2 and i+n/2 (mod n), a
 * ring (so connected) with chords (so few hops), 3 links a node. */
static size_t topology(size_t n, size_t i, size_t out[static TESTNET_MAX])
{
	size_t k = 0, step[3] = { 1, 2, n / 2 };

	if (n <= TESTNET_MESH) {
		for (size_t j = 0; j < n; j++)
			if (j != i)
				out[k++] = j;
		return k;
	}
	for (size_t s = 0; s < 3; s++) {
		size_t j = (i + step[s]) % n, dup = 0;

		for (size_t m = 0; m < k; m++)
			dup |= out[m] == j;
		if (j != i && !dup)
			out[k++] = j;
	}
	return k;
}

static int write_peers(const char *cmd, const char *node, testnet_t *t, size_t i)
{
	char path[PATH_MAX];
	size_t to[TESTNET_MAX], k = topology(t->n, i, to);
	peers_t *p = malloc(sizeof *p);
	int rc = 0;

	if (p == NULL)
		return cli_fail(EXIT_FAIL, cmd, "%s", wiec_strerror(WIEC_ERR_NOMEM));
	peers_init(p);
	for (size_t m = 0; m < k && rc == 0; m++)
		rc = peers_add(p, t->kp[to[m]].pk, t->cfg[to[m]].listen);
	if (rc == 0 && (rc = cli_path(path, node, "peers")) == 0 && (rc = peers_save(p, path)) != 0)
		rc = cli_fail(EXIT_FAIL, cmd, "%s: %s", path, strerror(errno));
	else if (rc != 0)
		rc = cli_fail(EXIT_FAIL, cmd, "%s: %s", node, wiec_strerror(rc));
	t->npeers[i] = k;
	free(p);
	return rc;
}

static int testnet_fill(const char *cmd, const char *tmp, void *arg)
{
	testnet_t *t = arg;
	char node[PATH_MAX], name[64];
	uint8_t *g = NULL;
	size_t glen;
	int rc = EXIT_OK;

	for (size_t i = 0; i < t->n && rc == EXIT_OK; i++) {
		key_x25519_t kx;
		Wiec__Founder *f = &t->f[i];

		cfg_defaults(&t->cfg[i]);
		node_profile(&t->cfg[i], i);
		snprintf(t->cfg[i].listen, sizeof t->cfg[i].listen, "tcp://127.0.0.1:%u",
		    t->port + (unsigned)i);
		if (snprintf(node, sizeof node, "%s/node%zu", tmp, i + 1) >= (int)sizeof node)
			return cli_fail(EXIT_USAGE, cmd, "directory path too long");
		if ((rc = cli_datadir_keys(cmd, node, &t->cfg[i], &t->kp[i], &kx)) != EXIT_OK)
			break;
		memcpy(t->xpk[i], kx.pk, KEY_X_BYTES);
		key_x25519_wipe(&kx);
		wiec__founder__init(f);
		f->key.data = t->kp[i].pk;
		f->key.len = KEY_PK_BYTES;
		f->name = t->cfg[i].name;
		f->role = t->cfg[i].role;
		f->transport.data = t->xpk[i];
		f->transport.len = KEY_X_BYTES;
		t->ep[i] = t->cfg[i].listen;
		f->endpoints = &t->ep[i];
		f->n_endpoints = 1;
	}
	if (rc != EXIT_OK)
		return rc;
	snprintf(name, sizeof name, "wiec testnet of %zu nodes", t->n);
	{
		const Wiec__Founder *fs[TESTNET_MAX];

		for (size_t i = 0; i < t->n; i++)
			fs[i] = &t->f[i];
		if ((rc = cli_genesis_found(cmd, name, fs, t->kp, t->n, 0, &g, &glen,
		    t->network)) != EXIT_OK)
			return rc;
	}
	for (size_t i = 0; i < t->n && rc == EXIT_OK; i++) {
		snprintf(node, sizeof node, "%s/node%zu", tmp, i + 1);
		if ((rc = cli_datadir_store(cmd, node, &t->cfg[i], g, glen, t->network)) == EXIT_OK)
			rc = write_peers(cmd, node, t, i);
	}
	free(g);
	return rc;
}

static int parse_num(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno == 0 && *end == '\0' && *out >= min && *out <= max ? 0 : -1;
}

int testnet_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "nodes", required_argument, NULL, 'n' },
		{ "base-port", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *cmd = "testnet", *dir;
	char text[KEY_TEXT_BYTES], hex[HASH_HEX_BYTES];
	unsigned long nodes = 0, port = TESTNET_PORT;
	testnet_t *t;
	int c, rc;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":h", opts)) != -1) {
		switch (c) {
		case 'n':
			if (parse_num(optarg, 1, TESTNET_MAX, &nodes) != 0)
				return cli_fail(EXIT_USAGE, cmd, "--nodes must be 1 to %d, not '%.32s'",
				    TESTNET_MAX, optarg);
			break;
		case 'p':
			if (parse_num(optarg, 1, 65535, &port) != 0)
				return cli_fail(EXIT_USAGE, cmd, "--base-port must be 1 to 65535, "
				    "not '%.32s'", optarg);
			break;
		case 'h': cli_usage(stdout, cmd); return EXIT_OK;
		default: return cli_badopt(cmd, c, argv);
		}
	}
	if (argc - optind != 1 || nodes == 0)
		return cli_fail(EXIT_USAGE, cmd, "usage: wiec testnet DIR --nodes N [--base-port P]");
	if (port + nodes - 1 > 65535)
		return cli_fail(EXIT_USAGE, cmd, "ports %lu..%lu do not fit below 65536", port,
		    port + nodes - 1);
	dir = argv[optind];
	if ((t = calloc(1, sizeof *t)) == NULL)
		return cli_fail(EXIT_FAIL, cmd, "%s", wiec_strerror(WIEC_ERR_NOMEM));
	t->n = nodes;
	t->port = (unsigned)port;
	rc = cli_build_beside(cmd, dir, testnet_fill, t);
	for (size_t i = 0; i < t->n; i++)
		key_wipe(&t->kp[i]);
	if (rc == EXIT_OK) {
		hash_hex(hex, t->network, HASH_BYTES);
		printf("testnet %s: %zu nodes\nnetwork %s\n", dir, t->n, hex);
		for (size_t i = 0; i < t->n; i++) {
			key_to_text(text, t->kp[i].pk);
			printf("node%-3zu %s %s %zu peers %s\n", i + 1, text, t->cfg[i].listen,
			    t->npeers[i], t->cfg[i].name);
		}
	}
	free(t);
	return rc;
}
