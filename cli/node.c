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

/* Prints one field of the peers JSON: a tiny reader for our own output. */
static const char *field(const char *obj, const char *name, char *out, size_t len)
{
	char pat[64];
	const char *p;
	size_t i = 0;

	snprintf(pat, sizeof pat, "\"%s\": ", name);
	if ((p = strstr(obj, pat)) == NULL)
		return "";
	p += strlen(pat);
	if (*p == '"')
		p++;
	while (*p && *p != '"' && *p != ',' && *p != '}' && i + 1 < len)
		out[i++] = *p++;
	out[i] = '\0';
	return out;
}

int peers_main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_DIR_OPT, { "json", no_argument, NULL, 'j' }, { 0, 0, 0, 0 },
	};
	const char *cmd = "peers", *dflag = NULL, *dir;
	char *json = NULL, a[8][128];
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
	if ((rc = ctl_status(dir, &json)) != 0)
		return cli_fail(EXIT_FAIL, cmd, "the node on %s does not answer", dir);
	if (jsonout) {
		printf("%s\n", json);
		free(json);
		return EXIT_OK;
	}
	printf("%-45s %-24s %-26s %-5s %8s %12s %12s\n", "PEER", "NAME", "ENDPOINT", "UP",
	    "LAG", "BYTES IN", "BYTES OUT");
	for (const char *p = strchr(json, '{'); p != NULL; p = strchr(p + 1, '{')) {
		char obj[2048];
		const char *end = strchr(p, '}');
		size_t n = end ? (size_t)(end - p + 1) : strlen(p);

		snprintf(obj, sizeof obj, "%.*s", (int)(n < sizeof obj ? n : sizeof obj - 1), p);
		printf("%-45s %-24.24s %-26.26s %-5s %8s %12s %12s\n", field(obj, "id", a[0], 128),
		    field(obj, "name", a[1], 128), *field(obj, "endpoint", a[2], 128) ? a[2] : "(inbound)",
		    strcmp(field(obj, "connected", a[3], 128), "true") == 0 ? "yes" : "no",
		    field(obj, "lag", a[4], 128), field(obj, "bytes_in", a[5], 128),
		    field(obj, "bytes_out", a[6], 128));
	}
	free(json);
	return EXIT_OK;
}
