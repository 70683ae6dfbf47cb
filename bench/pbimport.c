/* bench/pbimport.c: `wiec pb import` of Łódź 2022 (90,494 voters: 181,151
 * events: the process, its poll and 160 projects, a credential per voter,
 * and each voter's signed ballot) in events per second, against the ingest
 * ceiling of the same run (issue 11):
 *
 *   import   the command itself, `$WIEC pb import` (default ./wiec) on a
 *            fresh data directory, timed from fork to exit: reading and
 *            parsing the file, deriving 90,494 synthetic keys, signing every
 *            event, decoding them and storing them in one write transaction;
 *   ceilings the envelopes pb import builds (same network, same node key),
 *            already in memory, into copies of the same fresh data directory:
 *            - verified ingest, as a node takes the same election from a
 *              peer or `wiec import`: ev_check (signatures) on two threads
 *              beside the commits, batches of 4096 (store/pipeline.h);
 *            - raw store ingest: decoded and stored in one write
 *              transaction (store_ingest_batch), no signature checked.
 *
 * Best of RUNS each. ratio = import rate / ceiling rate. Import signs three
 * times per voter (its key, its credential, its ballot) where verified
 * ingest checks two signatures, and raw ingest none. Context lines (#)
 * split the import into its parts. The file is in tests/pb (or $PB_DIR);
 * absent, the benchmark is skipped with a line saying so. Exits 1 on a
 * failure. Uses a directory under /tmp that it removes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crypto/afile.h"
#include "crypto/err.h"
#include "model/pb.h"
#include "model/pbio.h"
#include "store/pipeline.h"
#include "store/store.h"

#define RUNS 3
#define FILE_NAME "Poland_Lodz_2022.pb"

int main(void);

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int sh(const char *cmd)
{
	int st = system(cmd);

	return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

/* Decodes o's envelopes and stores them in one transaction into DIR/store,
 * as pb import does. Returns seconds, or -1. */
static double ingest(const char *dir, const pbio_out_t *o)
{
	char path[512];
	store_t *s = NULL;
	ev_t *evs = calloc(o->n, sizeof *evs);
	int *res = calloc(o->n, sizeof *res), rc;
	size_t nd = 0;
	double t = -1, t0;

	snprintf(path, sizeof path, "%s/store", dir);
	if (evs == NULL || res == NULL || store_open(&s, path, 0, 0) != 0)
		goto out;
	t0 = now();
	for (; nd < o->n; nd++)
		if (ev_decode(&evs[nd], o->env[nd], o->len[nd]) != 0)
			goto out;
	rc = store_ingest_flags(s, evs, o->n, res, NULL, STORE_EXTEND_ONLY);
	if (rc != 0)
		goto out;
	t = now() - t0;
	for (size_t i = 0; i < o->n; i++)
		if (res[i] != STORE_ADDED)
			t = -1;
out:
	for (size_t i = 0; i < nd; i++)
		ev_free(&evs[i]);
	free(evs);
	free(res);
	store_close(&s);
	return t;
}

static void piped(void *ctx, const store_pipeline_batch_t *b)
{
	int *bad = ctx;

	if (b->err != 0)
		*bad = 1;
	for (size_t i = 0; i < b->n; i++)
		if (b->check[i] != 0 || (b->err == 0 && b->res[i] != STORE_ADDED))
			*bad = 1;
}

/* o's envelopes through the verifying pipeline into DIR/store, in o's
 * order (each chain in order). Returns seconds, or -1. */
static double ingest_verified(const char *dir, const uint8_t network[static HASH_BYTES],
    const pbio_out_t *o)
{
	char path[512];
	store_t *s = NULL;
	store_pipeline_t *pl;
	int bad = 0;
	double t0, t = -1;

	snprintf(path, sizeof path, "%s/store", dir);
	if (store_open(&s, path, 0, 0) != 0)
		return -1;
	t0 = now();
	if ((pl = store_pipeline_new(s, network, 2, piped, &bad)) == NULL)
		goto out;
	for (size_t i = 0; i < o->n && !bad; i += 4096) {
		size_t m = o->n - i < 4096 ? o->n - i : 4096;

		if (store_pipeline_push(pl, (const uint8_t *const *)o->env + i, o->len + i, m,
		    NULL) != 0)
			bad = 1;
	}
	if (store_pipeline_flush(pl) != 0)
		bad = 1;
	store_pipeline_destroy(&pl);
	if (!bad)
		t = now() - t0;
out:
	store_close(&s);
	return t;
}

int main(void)
{
	const char *pbdir = getenv("PB_DIR") ? getenv("PB_DIR") : "tests/pb";
	const char *wiec = getenv("WIEC") ? getenv("WIEC") : "./wiec";
	char tmp[] = "/tmp/wiec-bench-pbimport-XXXXXX", path[4096], cmd[16384], why[256];
	double best_imp = 1e9, best_ceil = 1e9, best_ver = 1e9, t_parse = 0, t_build = 0, t;
	uint8_t network[HASH_BYTES], fh[HASH_BYTES];
	pbio_out_t o;
	key_pair_t kp;
	size_t len, nev = 0;
	char *buf = NULL;
	pb_t *p = NULL;
	store_t *s = NULL;
	int rc = 1;

	memset(&o, 0, sizeof o);
	snprintf(path, sizeof path, "%s/%s", pbdir, FILE_NAME);
	if (access(path, R_OK) != 0) {
		printf("# bench pb-import-lodz-2022 skipped: %s is absent\n", path);
		return 0;
	}
	if (mkdtemp(tmp) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	for (int r = 0; r < RUNS; r++) {
		/* A fresh data directory and a copy of it for the ceiling. */
		snprintf(cmd, sizeof cmd, "rm -rf %s/d %s/c %s/v && %s init -d %s/d >/dev/null && "
		    "cp -a %s/d %s/c && cp -a %s/d %s/v", tmp, tmp, tmp, wiec, tmp, tmp, tmp, tmp, tmp);
		if (sh(cmd) != 0) {
			fprintf(stderr, "bench pb-import: %s init failed\n", wiec);
			goto out;
		}
		snprintf(cmd, sizeof cmd, "%s pb import -d %s/d '%s' >/dev/null", wiec, tmp, path);
		t = now();
		if (sh(cmd) != 0) {
			fprintf(stderr, "bench pb-import: %s failed\n", cmd);
			goto out;
		}
		t = now() - t;
		best_imp = t < best_imp ? t : best_imp;

		/* The same events, built in memory for the copy's store. */
		snprintf(cmd, sizeof cmd, "%s/c/identity.key", tmp);
		snprintf(why, sizeof why, "%s/c/store", tmp);
		if (key_load(&kp, cmd) != 0 || store_open(&s, why, 0, STORE_OPEN_RDONLY) != 0 ||
		    store_network(s, network) != 0) {
			fprintf(stderr, "bench pb-import: cannot read %s/c\n", tmp);
			goto out;
		}
		store_close(&s);
		t = now();
		if (afile_read(path, 0, (size_t)1 << 30, &buf, &len) != 0 ||
		    pb_parse(&p, buf, len, 0, why, sizeof why) != 0) {
			fprintf(stderr, "bench pb-import: %s: %s\n", path, why);
			goto out;
		}
		t_parse = now() - t;
		hash_2(fh, buf, len, NULL, 0);
		t = now();
		if (pbio_build(p, fh, network, &kp, 0, NULL, 1, &o, why, sizeof why) != 0) {
			fprintf(stderr, "bench pb-import: %s\n", why);
			goto out;
		}
		t_build = now() - t;
		key_wipe(&kp);
		nev = o.n;
		snprintf(why, sizeof why, "%s/c", tmp);
		if ((t = ingest(why, &o)) < 0) {
			fprintf(stderr, "bench pb-import: the ceiling's ingest failed\n");
			goto out;
		}
		best_ceil = t < best_ceil ? t : best_ceil;
		snprintf(why, sizeof why, "%s/v", tmp);
		if ((t = ingest_verified(why, network, &o)) < 0) {
			fprintf(stderr, "bench pb-import: the verified ingest failed\n");
			goto out;
		}
		best_ver = t < best_ver ? t : best_ver;
		pbio_out_free(&o);
		pb_free(&p);
		free(buf);
		buf = NULL;
	}
	printf("# pb-import: %s, %zu events; wiec pb import %.2f s (in process, last run: parse "
	    "%.2f s, keys and signatures %.2f s); the same envelopes: verified ingest %.2f s, "
	    "raw store ingest %.2f s (best of %d)\n", FILE_NAME, nev, best_imp, t_parse, t_build,
	    best_ver, best_ceil, RUNS);
	printf("bench pb-import-lodz-2022: %.0f events/s (ceiling %.0f events/s, ratio %.2f)\n",
	    (double)nev / best_imp, (double)nev / best_ver, best_ver / best_imp);
	printf("bench pb-import-lodz-2022-vs-raw-store: %.0f events/s (ceiling %.0f events/s, "
	    "ratio %.2f)\n", (double)nev / best_imp, (double)nev / best_ceil, best_ceil / best_imp);
	rc = 0;
out:
	pbio_out_free(&o);
	pb_free(&p);
	free(buf);
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
	sh(cmd);
	return rc;
}
