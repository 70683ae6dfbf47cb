/* status.c: wiec status and wiec verify. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/json.h"
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
	while ((c = cli_getopt(argc, argv, ":d:h", opts)) != -1) {
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
	char why[256], dmg[STORE_DAMAGE_MAX];
	int json = 0, rc, lock = 0, fd;

	if ((rc = opts_dir(cmd, argc, argv, &dflag, &json)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = cli_open_read(cmd, cli_dir(dflag), &cfg, &s)) != EXIT_OK)
		return rc;
	if ((rc = store_network(s, network)) == 0)
		rc = store_stats(s, &st);
	if (rc != WIEC_ERR_CORRUPT || store_damage(s, dmg, sizeof dmg) != 0)
		dmg[0] = '\0';
	store_close(&s);
	/* Peers live in the running node's memory: ask it, if one runs. */
	if (rc == 0 && (lock = ctl_direct_lock(cli_dir(dflag), &fd)) == 0)
		close(fd);
	else if (rc == 0 && lock == 1 && ctl_status(cli_dir(dflag), &peers, why, sizeof why) != 0)
		return cli_fail(EXIT_FAIL, cmd, "the node running on %s: %s", cli_dir(dflag), why);
	if (rc == WIEC_ERR_CORRUPT)
		return cli_fail(cli_status(rc), cmd, "%s/store is damaged%s%s (wiec verify names "
		    "it)", cli_dir(dflag), dmg[0] ? ": " : "", dmg);
	if (rc != 0)
		return cli_fail(cli_status(rc), cmd, "%s", wiec_strerror(rc));
	hash_hex(digest, st.digest, HASH_BYTES);
	hash_hex(net, network, HASH_BYTES);
	if (json) {
		json_t j;

		json_init(&j, stdout);
		json_obj(&j);
		json_ku64(&j, "events", st.events);
		json_ku64(&j, "authors", st.authors);
		json_khex(&j, "digest", st.digest, HASH_BYTES);
		json_ku64(&j, "pending", st.pending);
		json_ku64(&j, "forks", st.forks);
		json_ku64(&j, "excluded", st.excluded);
		json_khex(&j, "network", network, HASH_BYTES);
		json_ku64(&j, "map_size", st.map_size);
		json_ku64(&j, "map_used", st.map_used);
		json_kstr(&j, "node", peers ? "running" : "stopped");
		json_key(&j, "peers");
		cli_peers_json(&j, peers ? peers->status : NULL);
		json_end(&j);
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

void cli_peers_json(json_t *j, const Wiec__CtlStatusReply *s)
{
	char id[KEY_TEXT_BYTES];

	json_arr(j);
	for (size_t i = 0; s != NULL && i < s->n_peers; i++) {
		const Wiec__CtlPeer *p = s->peers[i];

		key_to_text(id, p->id.data);	/* 32 bytes: ctl_status checked */
		json_obj(j);
		json_kstr(j, "id", id);
		json_kstr(j, "name", p->name);
		json_kstr(j, "endpoint", p->endpoint);
		json_kbool(j, "dialed", p->dialed);
		json_kbool(j, "connected", p->connected);
		json_ku64(j, "last_seen", p->last_seen);
		json_ku64(j, "lag", p->lag);
		json_ku64(j, "bytes_in", p->bytes_in);
		json_ku64(j, "bytes_out", p->bytes_out);
		json_ku64(j, "events_in", p->events_in);
		json_ku64(j, "events_out", p->events_out);
		json_ku64(j, "dropped", p->dropped);
		json_ku64(j, "invalid", p->invalid);
		json_end(j);
	}
	json_end(j);
}

int verify_main(int argc, char **argv)
{
	const char *cmd = "verify", *dflag = NULL;
	char why[STORE_DAMAGE_MAX], hex[HASH_HEX_BYTES];
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
	/* The digest rechecks every head against its tips: what it finds is
	 * named here too, never as "ok". */
	if (rc == 0 && (rc = store_stats(s, &st)) != 0 && store_damage(s, why, sizeof why) != 0)
		snprintf(why, sizeof why, "%s", wiec_strerror(rc));
	store_close(&s);
	if (rc != 0) {
		int status = rc == WIEC_ERR_MAP_FULL || rc == WIEC_ERR_NOMEM ? EXIT_FAIL : EXIT_INVALID;

		/* Not damage: read-only and not rebuilt, or of a newer wiec. */
		if (rc == WIEC_ERR_STALE || rc == WIEC_ERR_NEWER)
			return cli_fail(EXIT_DATA, cmd, "%s", why);
		/* A damaged index is derived state: a rebuild repairs it. */
		const char *fix = strstr(why, " index: ") ? " (wiec reindex rebuilds it)" : "";

		if (memcmp(bad, zero, sizeof bad) == 0)
			return cli_fail(status, cmd, "%s%s%s", *fix ? "" : "log is not sound: ", why,
			    fix);
		hash_hex(hex, bad, sizeof bad);
		return cli_fail(status, cmd, "event %s: %s%s", hex, why, fix);
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
