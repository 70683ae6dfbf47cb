/* node.c: wiec node (the daemon, in the foreground) and wiec peers. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "crypto/err.h"
#include "node/ctl.h"
#include "node/node.h"

int node_main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_DIR_OPT, { "verbose", no_argument, NULL, 'v' }, { 0, 0, 0, 0 },
	};
	const char *cmd = "node", *dflag = NULL;
	node_opts_t o = { 0 };
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:hv", opts, NULL)) != -1) {
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
	if (access(o.dir, F_OK) != 0)
		return cli_fail(EXIT_DATA, cmd, "%s is not a wiec data directory "
		    "(run 'wiec init -d %s')", o.dir, o.dir);
	rc = node_run(&o);
	return rc == 0 ? EXIT_OK : cli_status(rc);
}

/* Prints s in a column of width characters (code points: names are
 * checked UTF-8 without control characters), cut at a character boundary
 * if longer, then pads it. */
static void put_cell(const char *s, int width)
{
	const unsigned char *p = (const unsigned char *)s;
	int w = 0;

	while (*p && w < width) {
		const unsigned char *q = p + 1;

		while ((*q & 0xc0) == 0x80)
			q++;
		fwrite(p, 1, (size_t)(q - p), stdout);
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
	while ((c = getopt_long(argc, argv, ":d:h", opts, NULL)) != -1) {
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
	if ((rc = ctl_direct_lock(dir, &fd)) == 0) {
		close(fd);
		return cli_fail(EXIT_FAIL, cmd, "no node is running on %s (start 'wiec node -d %s')",
		    dir, dir);
	}
	if (rc < 0)
		return cli_fail(EXIT_DATA, cmd, "%s is not a wiec data directory", dir);
	if (ctl_status(dir, &rep, why, sizeof why) != 0)
		return cli_fail(EXIT_FAIL, cmd, "the node running on %s: %s", dir, why);
	if (jsonout) {
		cli_peers_json(stdout, rep->status);
		putchar('\n');
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
