/* pbimport.c: wiec pb import, a Pabulib .pb election into a data directory
 * as signed events (model/pbio.h; spec/tally.md section 5); wiec pb export
 * (cli/pbexport.c) writes it back. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/json.h"
#include "crypto/afile.h"
#include "crypto/err.h"
#include "crypto/keychain.h"
#include "model/ballot.h"
#include "model/credential.h"
#include "model/idea.h"
#include "model/pb.h"
#include "model/pbio.h"
#include "model/roster.h"
#include "node/ctl.h"

/* Reads and parses a .pb file; prints the error and returns the status. */
static int load_pb(const char *cmd, const char *path, unsigned flags, char **buf, size_t *len,
    pb_t **p)
{
	char why[256];
	int rc;

	*p = NULL;
	if ((rc = afile_read(path, 0, PB_FILE_MAX, buf, len)) != 0)
		return cli_fail(rc == WIEC_ERR_TOO_BIG ? EXIT_INVALID : EXIT_FAIL, cmd, "%s: %s",
		    path, rc == WIEC_ERR_IO ? strerror(errno) : rc == WIEC_ERR_NOTREG ?
		    "not a regular file" : rc == WIEC_ERR_NOTFOUND ? "no such file" :
		    wiec_strerror(rc));
	if ((rc = pb_parse(p, *buf, *len, flags, why, sizeof why)) != 0) {
		free(*buf);
		*buf = NULL;
		return cli_fail(rc == WIEC_ERR_NOMEM ? EXIT_FAIL : EXIT_INVALID, cmd, "%s: %s%s",
		    path, why, strstr(why, "mixes line endings") != NULL ?
		    " (--mixed-eol accepts that)" : "");
	}
	return EXIT_OK;
}

/* ---- import ---- */

/* The process this node imported from the file with hash fh, if any. */
static int find_imported(store_t *s, const uint8_t node[static KEY_PK_BYTES],
    const uint8_t fh[static HASH_BYTES], uint8_t pid[static HASH_BYTES], int *found)
{
	char mark[sizeof PBIO_MARK + HASH_HEX_BYTES];
	store_view_t *sv = NULL;
	model_view_t v;
	model_ids_t ids = { 0 };
	uint8_t zero[HASH_BYTES] = { 0 };
	int rc;

	*found = 0;
	memcpy(mark, PBIO_MARK, sizeof PBIO_MARK - 1);
	hash_hex(mark + sizeof PBIO_MARK - 1, fh, HASH_BYTES);
	if ((rc = store_view_begin(s, &sv, &v)) != 0)
		return rc;
	if ((rc = model_ids_collect(&v, zero, MREF_PROCESS, &ids)) != 0)
		goto out;
	for (size_t i = 0; i < ids.n && !*found; i++) {
		model_ev_t e;

		memset(&e, 0, sizeof e);
		if ((rc = v.get(v.ctx, ids.id[i], &e)) == WIEC_ERR_NOTFOUND)
			continue;
		if (rc != 0)
			goto out;
		if (e.body->content_case == WIEC__BODY__CONTENT_PROCESS &&
		    memcmp(e.author, node, KEY_PK_BYTES) == 0 &&
		    strncmp(e.body->process->text, mark, strlen(mark)) == 0) {
			memcpy(pid, e.id, HASH_BYTES);
			*found = 1;
		}
		model_ev_free(&e);
	}
	rc = 0;
out:
	model_ids_free(&ids);
	store_view_end(&sv);
	return rc;
}

/* Stores o's envelopes directly, in one write transaction: the election is
 * held whole or not at all. The envelopes were signed here a moment ago,
 * so they are decoded (every structural rule) but their signatures are not
 * verified again. The node's events extend its chain only (a post that
 * raced this import makes it fail rather than fork the node). */
static int ingest_direct(const char *cmd, store_t *s, const pbio_out_t *o,
    const uint8_t node[static KEY_PK_BYTES], uint64_t head_seq)
{
	ev_t *evs = calloc(o->n ? o->n : 1, sizeof *evs);
	int *res = calloc(o->n ? o->n : 1, sizeof *res), rc = 0;
	store_batch_t b;
	size_t i, ndec = 0;

	if (evs == NULL || res == NULL) {
		rc = cli_fail(EXIT_FAIL, cmd, "out of memory");
		goto out;
	}
	for (i = 0; i < o->n; i++, ndec++)
		if ((rc = ev_decode(&evs[i], o->env[i], o->len[i])) != 0) {
			rc = cli_fail(EXIT_FAIL, cmd, "event %zu does not decode: %s (a bug)", i,
			    wiec_strerror(rc));
			goto out;
		}
	/* The node's head must still be the one the chain was built on: else
	 * it posted meanwhile, and nothing is stored. (A post between this
	 * check and the transaction makes the node's events refused below.) */
	{
		store_head_t h;
		int hr = store_head(s, node, &h);

		if (hr != 0 && hr != WIEC_ERR_NOTFOUND) {
			rc = cli_fail(cli_status(hr), cmd, "%s", wiec_strerror(hr));
			goto out;
		}
		if ((hr == 0 ? h.seq : 0) != head_seq) {
			rc = cli_fail(EXIT_FAIL, cmd, "this node posted while the events were "
			    "built; nothing was stored (import again)");
			goto out;
		}
	}
	memset(&b, 0, sizeof b);
	b.flags = STORE_EXTEND_ONLY;
	if ((rc = store_ingest_batch(s, evs, o->n, res, &b)) != 0) {
		rc = cli_fail(cli_status(rc), cmd, "storing the events: %s; nothing was stored",
		    wiec_strerror(rc));
		goto out;
	}
	free(b.moved);
	for (i = 0; i < o->n; i++)
		if (res[i] < 0)
			break;
	if (i < o->n)
		rc = cli_fail(EXIT_FAIL, cmd, "event %zu was refused: %s (did this node post "
		    "meanwhile? import again)", i, wiec_strerror(res[i]));
out:
	for (i = 0; i < ndec; i++)
		ev_free(&evs[i]);
	free(evs);
	free(res);
	return rc;
}

/* Hands o's envelopes to the node running on dir: its own events as its
 * posts (extend-only), the ballots as imported events, CTL_MAX_ENVS at a
 * time. */
static int ingest_node(const char *cmd, const char *dir, const pbio_out_t *o)
{
	int res[CTL_MAX_ENVS], rc;
	char why[256] = "";

	for (size_t i = 0; i < o->n;) {
		size_t end = i < o->node_events ? o->node_events : o->n, m = end - i;

		if (m > CTL_MAX_ENVS)
			m = CTL_MAX_ENVS;
		rc = ctl_submit(dir, i < o->node_events, (const uint8_t *const *)o->env + i,
		    o->len + i, m, res, why, sizeof why);
		if (rc != 0)
			return cli_fail(EXIT_FAIL, cmd, "the node running on %s did not take the "
			    "events: %s; %zu of %zu were stored", dir, *why ? why : "no answer", i,
			    o->n);
		for (size_t k = 0; k < m; k++)
			if (res[k] < 0)
				return cli_fail(EXIT_FAIL, cmd, "event %zu was refused by the node: "
				    "%s; %zu of %zu were stored", i + k, wiec_strerror(res[k]), i,
				    o->n);
		i += m;
	}
	return EXIT_OK;
}

static void print_process(int json, const uint8_t pid[static HASH_BYTES])
{
	char hex[HASH_HEX_BYTES];
	json_t j;

	if (!json) {
		hash_hex(hex, pid, HASH_BYTES);
		printf("%s\n", hex);
		return;
	}
	json_init(&j, stdout);
	json_obj(&j);
	json_khex(&j, "process", pid, HASH_BYTES);
	json_end(&j);
}

int pb_import_main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_DIR_OPT, { "json", no_argument, NULL, 'j' },
		{ "mixed-eol", no_argument, NULL, 'm' }, { 0, 0, 0, 0 },
	};
	const char *cmd = "pb import", *dflag = NULL, *dir;
	char *buf = NULL, path[PATH_MAX], why[512];
	uint8_t network[HASH_BYTES], fh[HASH_BYTES], pid[HASH_BYTES];
	unsigned flags = 0;
	pbio_out_t o;
	store_head_t h;
	store_t *s = NULL;
	key_pair_t kp;
	size_t len = 0;
	pb_t *p = NULL;
	cfg_t cfg;
	int c, json = 0, rc, lock = -1, lockfd = -1, found, have_key = 0, keylock = -1;
	uint8_t own_last[HASH_BYTES];
	uint64_t own_seq;

	memset(&o, 0, sizeof o);
	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":d:h", opts)) != -1) {
		switch (c) {
		case 'd': dflag = optarg; break;
		case 'j': json = 1; break;
		case 'm': flags |= PB_MIXED_EOL; break;
		case 'h': cli_usage(stdout, cmd); return EXIT_OK;
		default: return cli_badopt(cmd, c, argv);
		}
	}
	if (argc - optind != 1)
		return cli_fail(EXIT_USAGE, cmd, argc == optind ? "no .pb file given" :
		    "unexpected argument '%s'", argv[optind + 1]);
	dir = cli_dir(dflag);
	if ((rc = load_pb(cmd, argv[optind], flags, &buf, &len, &p)) != EXIT_OK)
		return rc;
	hash_2(fh, buf, len, NULL, 0);
	if ((rc = cli_open(cmd, dir, &cfg, &s)) != EXIT_OK)
		goto out;
	if (cli_path(path, dir, "identity.key") != 0) {
		rc = cli_fail(EXIT_USAGE, cmd, "data directory path too long");
		goto out;
	}
	if ((rc = cli_load_key(cmd, path, &kp)) != EXIT_OK)
		goto out;
	have_key = 1;
	if ((rc = store_network(s, network)) != 0) {
		rc = cli_fail(cli_status(rc), cmd, "%s", wiec_strerror(rc));
		goto out;
	}
	if ((lock = ctl_direct_lock(dir, &lockfd)) < 0) {
		rc = cli_fail(EXIT_DATA, cmd, "%s/node.lock: cannot open", dir);
		goto out;
	}
	/* The organisation's own chain, as for every post (cli_post): signed
	 * only on a store that holds its last event, recorded after. */
	if ((keylock = keychain_lock(path, 0)) < 0) {
		rc = cli_fail(EXIT_KEY, cmd, "%s.lock: %s", path, strerror(errno));
		goto out;
	}
	if ((rc = store_own_chain(s, path, &own_seq, own_last)) != 0) {
		rc = rc == WIEC_ERR_BEHIND ? cli_behind(cmd, dir, own_seq, own_last) :
		    rc == WIEC_ERR_KEY_FORMAT ? cli_fail(EXIT_KEY, cmd, "%s.chain is not a wiec "
		    "chain state file", path) : cli_fail(cli_status(rc), cmd, "%s",
		    wiec_strerror(rc));
		goto out;
	}
	/* Twice into one store: the first import stands (idempotent). */
	if ((rc = find_imported(s, kp.pk, fh, pid, &found)) != 0) {
		rc = cli_fail(cli_status(rc), cmd, "%s", wiec_strerror(rc));
		goto out;
	}
	if (found) {
		print_process(json, pid);
		rc = EXIT_OK;
		goto out;
	}
	rc = store_head(s, kp.pk, &h);
	if (rc != 0 && rc != WIEC_ERR_NOTFOUND) {
		rc = cli_fail(cli_status(rc), cmd, "%s", wiec_strerror(rc));
		goto out;
	}
	if ((rc = pbio_build(p, fh, network, &kp, rc == 0 ? h.seq : 0, rc == 0 ? h.id : NULL,
	    cli_now_ms(), &o, why, sizeof why)) != 0) {
		rc = cli_fail(rc == WIEC_ERR_FIELD ? EXIT_INVALID : EXIT_FAIL, cmd, "%s: %s",
		    argv[optind], why);
		goto out;
	}
	rc = lock == 1 ? ingest_node(cmd, dir, &o) :
	    ingest_direct(cmd, s, &o, kp.pk, o.node_seq - o.node_events);
	if (rc == EXIT_OK && o.node_events > 0) {
		uint8_t id[HASH_BYTES];

		hash_2(id, o.env[o.node_events - 1], o.len[o.node_events - 1], NULL, 0);
		if (keychain_write(path, o.node_seq, id) != 0)
			rc = cli_fail(EXIT_FAIL, cmd, "the election is stored, but %s.chain could "
			    "not be written: %s", path, cli_errno_str(errno));
	}
	if (rc == EXIT_OK)
		print_process(json, o.process);
out:
	if (have_key)
		key_wipe(&kp);
	if (lockfd >= 0)
		close(lockfd);
	if (keylock >= 0)
		close(keylock);
	pbio_out_free(&o);
	store_close(&s);
	pb_free(&p);
	free(buf);
	return rc;
}
