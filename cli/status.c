/* status.c: wiec status and wiec verify. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "crypto/err.h"
#include "node/ctl.h"

/* Both take only -d (and --json for status). */
static int opts_dir(const char *cmd, int argc, char **argv, const char **dflag, int *json)
{
	static const struct option opts[] = {
		CLI_DIR_OPT, { "json", no_argument, NULL, 'j' }, { 0, 0, 0, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': *dflag = optarg; break;
		case 'j':
			if (json == NULL)
				return cli_fail(EXIT_USAGE, cmd, "option '--json' does not apply here");
			*json = 1;
			break;
		case 'h': cli_usage(stdout, cmd); return -1;
		default: return cli_badopt(cmd, c, argv);
		}
	}
	if (optind != argc)
		return cli_fail(EXIT_USAGE, cmd, "unexpected argument '%s'", argv[optind]);
	return 0;
}

int status_main(int argc, char **argv)
{
	const char *cmd = "status", *dflag = NULL;
	char digest[HASH_HEX_BYTES], net[HASH_HEX_BYTES];
	uint8_t network[HASH_BYTES];
	store_stats_t st;
	store_t *s;
	cfg_t cfg;
	Wiec__CtlReply *peers = NULL;
	char why[256];
	int json = 0, rc, lock = 0, fd;

	if ((rc = opts_dir(cmd, argc, argv, &dflag, &json)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = cli_open_read(cmd, cli_dir(dflag), &cfg, &s)) != EXIT_OK)
		return rc;
	if ((rc = store_network(s, network)) == 0)
		rc = store_stats(s, &st);
	store_close(&s);
	/* Peers live in the running node's memory: ask it, if one runs. */
	if (rc == 0 && (lock = ctl_direct_lock(cli_dir(dflag), &fd)) == 0)
		close(fd);
	else if (rc == 0 && lock == 1 && ctl_status(cli_dir(dflag), &peers, why, sizeof why) != 0)
		return cli_fail(EXIT_FAIL, cmd, "the node running on %s: %s", cli_dir(dflag), why);
	if (rc != 0)
		return cli_fail(cli_status(rc), cmd, "%s", wiec_strerror(rc));
	hash_hex(digest, st.digest, HASH_BYTES);
	hash_hex(net, network, HASH_BYTES);
	if (json) {
		printf("{\"events\": %llu, \"authors\": %llu, \"digest\": \"%s\", "
		    "\"pending\": %llu, \"forks\": %llu, \"excluded\": %llu, \"network\": \"%s\", "
		    "\"map_size\": %llu, \"map_used\": %llu, \"node\": \"%s\", \"peers\": ",
		    (unsigned long long)st.events, (unsigned long long)st.authors, digest,
		    (unsigned long long)st.pending, (unsigned long long)st.forks,
		    (unsigned long long)st.excluded, net,
		    (unsigned long long)st.map_size, (unsigned long long)st.map_used,
		    peers ? "running" : "stopped");
		cli_peers_json(stdout, peers ? peers->status : NULL);
		printf("}\n");
	} else {
		printf("network  %s\nevents   %llu\nauthors  %llu\npending  %llu\n"
		    "forks    %llu\nexcluded %llu\ndigest   %s\nstore    %llu of %llu bytes used\n",
		    net, (unsigned long long)st.events, (unsigned long long)st.authors,
		    (unsigned long long)st.pending, (unsigned long long)st.forks,
		    (unsigned long long)st.excluded, digest,
		    (unsigned long long)st.map_used, (unsigned long long)st.map_size);
		printf("node     %s\n", peers ? "running (see 'wiec peers')" : "stopped");
	}
	if (peers != NULL)
		wiec__ctl_reply__free_unpacked(peers, NULL);
	return EXIT_OK;
}

void cli_peers_json(FILE *f, const Wiec__CtlStatusReply *s)
{
	char id[KEY_TEXT_BYTES];

	fputc('[', f);
	for (size_t i = 0; s != NULL && i < s->n_peers; i++) {
		const Wiec__CtlPeer *p = s->peers[i];

		key_to_text(id, p->id.data);	/* 32 bytes: ctl_status checked */
		fprintf(f, "%s{\"id\": \"%s\", \"name\": ", i ? ", " : "", id);
		cli_json_str(f, p->name);
		fputs(", \"endpoint\": ", f);
		cli_json_str(f, p->endpoint);
		fprintf(f, ", \"dialed\": %s, \"connected\": %s, \"last_seen\": %llu, "
		    "\"lag\": %llu, \"bytes_in\": %llu, \"bytes_out\": %llu, \"events_in\": %llu, "
		    "\"events_out\": %llu, \"dropped\": %llu, \"invalid\": %llu}",
		    p->dialed ? "true" : "false", p->connected ? "true" : "false",
		    (unsigned long long)p->last_seen, (unsigned long long)p->lag,
		    (unsigned long long)p->bytes_in, (unsigned long long)p->bytes_out,
		    (unsigned long long)p->events_in, (unsigned long long)p->events_out,
		    (unsigned long long)p->dropped, (unsigned long long)p->invalid);
	}
	fputc(']', f);
}

int verify_main(int argc, char **argv)
{
	const char *cmd = "verify", *dflag = NULL;
	char why[160], hex[HASH_HEX_BYTES];
	uint8_t bad[HASH_BYTES], zero[HASH_BYTES] = { 0 };
	store_stats_t st;
	store_t *s;
	cfg_t cfg;
	int rc;

	if ((rc = opts_dir(cmd, argc, argv, &dflag, NULL)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = cli_open_read(cmd, cli_dir(dflag), &cfg, &s)) != EXIT_OK)
		return rc;
	rc = store_verify(s, bad, why, sizeof why);
	if (rc == 0)
		rc = store_stats(s, &st);
	store_close(&s);
	if (rc != 0) {
		int status = rc == WIEC_ERR_MAP_FULL || rc == WIEC_ERR_NOMEM ? EXIT_FAIL : EXIT_INVALID;

		if (memcmp(bad, zero, sizeof bad) == 0)
			return cli_fail(status, cmd, "log is not sound: %s", why);
		hash_hex(hex, bad, sizeof bad);
		return cli_fail(status, cmd, "event %s: %s", hex, why);
	}
	printf("ok: %llu events of %llu authors verified, %llu forks\n",
	    (unsigned long long)st.events, (unsigned long long)st.authors,
	    (unsigned long long)st.forks);
	return EXIT_OK;
}

/* wiec reindex: every index and all derived state rebuilt from the log
 * (spec/events.md section 10). */
int reindex_main(int argc, char **argv)
{
	const char *cmd = "reindex", *dflag = NULL;
	store_stats_t st;
	store_t *s;
	cfg_t cfg;
	int rc, lock, fd;

	if ((rc = opts_dir(cmd, argc, argv, &dflag, NULL)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = cli_open(cmd, cli_dir(dflag), &cfg, &s)) != EXIT_OK)
		return rc;
	/* The node's write transactions would interleave with ours: LMDB keeps
	 * that safe, but a rebuild while it serves is pointless; ask to stop. */
	if ((lock = ctl_direct_lock(cli_dir(dflag), &fd)) != 0) {
		store_close(&s);
		if (lock == 1)
			return cli_fail(EXIT_FAIL, cmd, "a node is running on %s: stop it first",
			    cli_dir(dflag));
		return cli_fail(cli_status(lock), cmd, "%s", wiec_strerror(lock));
	}
	rc = store_reindex(s);
	if (rc == 0)
		rc = store_stats(s, &st);
	close(fd);
	store_close(&s);
	if (rc != 0)
		return cli_fail(cli_status(rc), cmd, "%s", wiec_strerror(rc));
	printf("reindexed: %llu events of %llu authors, %llu excluded\n",
	    (unsigned long long)st.events, (unsigned long long)st.authors,
	    (unsigned long long)st.excluded);
	return EXIT_OK;
}
