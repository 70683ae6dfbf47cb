/* io.c: wiec export and wiec import (the framed file of proto/frame.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "crypto/afile.h"
#include "crypto/err.h"
#include "node/ctl.h"
#include "proto/frame.h"
#include "proto/genesis.h"
#include "store/pipeline.h"

#define IMPORT_BATCH 4096	/* records per transaction: fewer syncs per event */

static int write_one(void *ctx, uint64_t lseq, const uint8_t *env, size_t len)
{
	(void)lseq;
	return frame_write(ctx, env, len);
}

int export_main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_DIR_OPT, { "out", required_argument, NULL, 'o' }, { 0, 0, 0, 0 },
	};
	const char *cmd = "export", *dflag = NULL, *out = NULL, *msg;
	char err[CLI_ERR_MAX];
	afile_t af;
	uint8_t *g = NULL;
	size_t glen;
	FILE *f = stdout;
	store_t *s;
	cfg_t cfg;
	int c, rc, e;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":d:o:h", opts)) != -1) {
		switch (c) {
		case 'd': dflag = optarg; break;
		case 'o': out = optarg; break;
		case 'h': cli_usage(stdout, cmd); return EXIT_OK;
		default: return cli_badopt(cmd, c, argv);
		}
	}
	if (optind != argc)
		return cli_fail(EXIT_USAGE, cmd, "unexpected argument '%s'", argv[optind]);
	if (out != NULL && strcmp(out, "-") == 0)
		out = NULL;	/* standard output, as without -o */
	if (out == NULL && isatty(STDOUT_FILENO))
		return cli_fail(EXIT_USAGE, cmd, "refusing to write binary to a terminal; use -o FILE");
	if ((rc = cli_open_read(cmd, cli_dir(dflag), &cfg, &s)) != EXIT_OK)
		return rc;
	/* Beside the target, then linked in place (crypto/afile.h): a reader
	 * never sees half a file, and a killed export leaves nothing in the way. */
	if (out != NULL) {
		if ((rc = afile_open(&af, out, 0644, 0)) != 0) {
			store_close(&s);
			if (rc == WIEC_ERR_EXISTS)
				return cli_fail(EXIT_FAIL, cmd, "%s exists; refusing to overwrite", out);
			return cli_fail(rc == WIEC_ERR_ARG ? EXIT_USAGE : EXIT_FAIL, cmd, "%s: %s", out,
			    rc == WIEC_ERR_IO ? strerror(errno) : wiec_strerror(rc));
		}
		if ((f = afile_stream(&af)) == NULL) {
			rc = errno;
			afile_abort(&af);
			store_close(&s);
			return cli_fail(EXIT_FAIL, cmd, "%s: %s", out, strerror(rc));
		}
	}
	if ((rc = store_genesis(s, &g, &glen)) != 0) {
		store_close(&s);
		if (out != NULL)
			afile_abort(&af);
		return cli_fail(cli_status(rc), cmd, "the genesis in the store %s%s",
		    rc == WIEC_ERR_CORRUPT ? "is damaged (wiec verify names it); nothing was "
		    "written" : "cannot be read: ", rc == WIEC_ERR_CORRUPT ? "" : wiec_strerror(rc));
	}
	if ((rc = frame_write_magic(f)) == 0 && (rc = frame_write(f, g, glen)) == 0)
		rc = store_scan_log(s, 1, write_one, f);
	e = errno;
	free(g);
	msg = cli_strerror(s, rc, err, sizeof err);	/* a damage it found, named */
	store_close(&s);
	if (rc == 0 && fflush(f) != 0) {
		rc = WIEC_ERR_IO;
		e = errno;
	}
	if (rc == WIEC_ERR_IO && (e == ENOSPC || e == EDQUOT))
		rc = WIEC_ERR_NOSPACE;
	if (out != NULL) {
		if (rc == 0) {
			rc = afile_commit(&af);
			e = errno;
		} else {
			afile_abort(&af);
		}
	}
	if (rc != 0)
		return cli_fail(cli_status(rc), cmd, "%s%s%s", out ? out : "", out ? ": " : "",
		    rc == WIEC_ERR_IO ? strerror(e) : rc == WIEC_ERR_EXISTS ?
		    "appeared meanwhile; refusing to overwrite" : rc == WIEC_ERR_CORRUPT ? msg :
		    wiec_strerror(rc));
	return EXIT_OK;
}

typedef struct import_state {
	store_t *s;
	uint8_t network[HASH_BYTES];
	uint8_t *bufs[IMPORT_BATCH];	/* this batch's records, borrowed from the arena */
	size_t lens[IMPORT_BATCH];
	ev_t evs[IMPORT_BATCH], ok[IMPORT_BATCH];
	int rc[IMPORT_BATCH], res[IMPORT_BATCH];
	size_t map[IMPORT_BATCH];
	uint8_t scratch[FRAME_MAX];
	size_t n;
	uint64_t offsets[IMPORT_BATCH];
	uint64_t added, dup, pending, forks, refused, committed;
	uint64_t first_off;	/* the first refused record: offset and reason */
	int first_rc;
	char why[256];		/* why the running node did not take a batch */
	size_t batch;		/* records per write transaction */
	int progress;
	const char *dir;
	int via_node;		/* a node runs: hand the records to it */
	store_pipeline_t *pl;	/* verification beside commits (store/pipeline.h) */
} import_state_t;

static void free_records(import_state_t *st)
{
	for (size_t i = 0; i < st->n; i++)
		st->bufs[i] = NULL;
	st->n = 0;
}

/* A refused record: the first is named in the one error line at the end. */
static void refuse(import_state_t *st, int r, uint64_t offset)
{
	if (st->refused++ == 0) {
		st->first_off = offset;
		st->first_rc = r;
	}
}

static void count_result(import_state_t *st, int r, uint64_t offset)
{
	switch (r) {
	case STORE_ADDED: st->added++; break;
	case STORE_DUP: st->dup++; break;
	case STORE_PENDING: st->pending++; break;
	case STORE_FORK: st->forks++; break;
	default: refuse(st, r, offset);
	}
}

/* The node verifies, commits and answers per record; then it gossips them. */
static int flush_via_node(import_state_t *st)
{
	int rc;

	st->why[0] = '\0';
	rc = ctl_submit(st->dir, 0, (const uint8_t *const *)st->bufs, st->lens, st->n, st->rc,
	    st->why, sizeof st->why);
	if (rc != 0) {
		if (st->why[0] == '\0')
			snprintf(st->why, sizeof st->why, "%s", rc == WIEC_ERR_IO ? "no answer" :
			    wiec_strerror(rc));
		free_records(st);
		return WIEC_ERR_IO;
	}
	for (size_t i = 0; i < st->n; i++)
		count_result(st, st->rc[i], st->offsets[i]);
	st->committed += st->n;
	free_records(st);
	if (st->progress) {
		printf("committed %llu\n", (unsigned long long)st->committed);
		fflush(stdout);
	}
	return 0;
}

/* A batch the pipeline committed (or failed to); tag: its offsets. */
static void import_done(void *ctx, const store_pipeline_batch_t *b)
{
	import_state_t *st = ctx;
	uint64_t *offs = b->tag;
	size_t m = 0;

	for (size_t i = 0; i < b->n; i++) {
		if (b->check[i] != 0) {
			refuse(st, b->check[i], offs[i]);
			continue;
		}
		m++;
		if (b->err == 0 && b->res[i] != STORE_ADDED)	/* added: counted by the store */
			count_result(st, b->res[i], offs[i]);
	}
	free(offs);
	if (b->err != 0)
		return;
	st->added += b->added;
	st->committed += m;
	if (st->progress) {
		printf("committed %llu\n", (unsigned long long)st->committed);
		fflush(stdout);
	}
}

/* Hands the records read so far to the pipeline, which verifies them while
 * the batch before commits. A short batch is the last: it waits for every
 * commit, and so does a failure, before the counts are told. */
static int flush_batch(import_state_t *st)
{
	int rc = 0, last = st->n < st->batch;
	uint64_t *offs;

	if (st->via_node)
		return st->n ? flush_via_node(st) : 0;
	if (st->n > 0) {
		if (st->pl == NULL &&
		    (st->pl = store_pipeline_new(st->s, st->network, 2, import_done, st)) != NULL)
			store_pipeline_fail_fast(st->pl);	/* later batches need the earlier */
		if (st->pl == NULL)
			rc = WIEC_ERR_NOMEM;
		else if ((offs = malloc(st->n * sizeof *offs)) == NULL)
			rc = WIEC_ERR_NOMEM;
		else {
			memcpy(offs, st->offsets, st->n * sizeof *offs);
			rc = store_pipeline_push(st->pl, (const uint8_t *const *)st->bufs, st->lens,
			    st->n, offs);
			if (rc == WIEC_ERR_NOMEM)	/* not taken */
				free(offs);
		}
		free_records(st);
	}
	if (rc != 0 || last) {
		int frc = store_pipeline_flush(st->pl);

		store_pipeline_destroy(&st->pl);
		if (rc == 0)
			rc = frc;
	}
	return rc;
}

/* The one error line of a batch that could not be committed. */
static int flush_fail(const char *cmd, import_state_t *st, int rc, size_t nrec)
{
	if (st->via_node)
		return cli_fail(EXIT_FAIL, cmd, "the running node did not take a batch: %s; %llu "
		    "of the file's %zu records were stored (importing the file again stores "
		    "the rest)", st->why, (unsigned long long)st->committed, nrec);
	/* Records go in author and seq order, not the file's: count them,
	 * never "the records before it". */
	return cli_fail(cli_status(rc), cmd, "%s; %llu of the file's %zu records were stored "
	    "(importing the file again stores the rest)", wiec_strerror(rc),
	    (unsigned long long)st->committed, nrec);
}

/* One record of the file: where it is, and the order it is ingested in. */
typedef struct rec {
	uint8_t author[KEY_PK_BYTES];	/* zero if it does not decode */
	uint64_t seq;
	uint64_t off;			/* byte offset in the file */
	size_t at, len;			/* in the arena */
} rec_t;

/* By author, then seq, then file position: a prev always has a smaller
 * seq than its children, so in this order every event finds its prev
 * ingested already, whatever the file order and the batch size. */
static int rec_order(const void *a, const void *b)
{
	const rec_t *x = a, *y = b;
	int c = memcmp(x->author, y->author, KEY_PK_BYTES);

	if (c != 0)
		return c;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

static int import_file(const char *cmd, import_state_t *st, FILE *f, const char *path)
{
	uint8_t *g, *arena = NULL;
	size_t glen, cap = 0, used = 0, nrec = 0, reccap = 0;
	uint64_t off = FRAME_MAGIC_BYTES, bad_off = 0;
	rec_t *recs = NULL;
	genesis_t gen;
	int rc, bad = 0, bad_errno = 0;

	if ((rc = frame_read_magic(f)) != 0)
		return rc == WIEC_ERR_IO ? cli_fail(EXIT_FAIL, cmd, "%s: %s", path, strerror(errno)) :
		    cli_fail(EXIT_INVALID, cmd, "%s: not a wiec export file", path);
	if ((g = malloc(FRAME_MAX)) == NULL)
		return cli_fail(EXIT_FAIL, cmd, "out of memory");
	rc = frame_read(f, g, &glen);
	if (rc == 0 && (rc = genesis_decode(&gen, g, glen, 1)) == 0) {
		rc = memcmp(gen.network, st->network, HASH_BYTES) == 0 ? 0 : WIEC_ERR_NETWORK;
		genesis_free(&gen);
	}
	free(g);
	if (rc == WIEC_ERR_IO)
		return cli_fail(EXIT_FAIL, cmd, "%s: %s", path, strerror(errno));
	if (rc != 0)
		return cli_fail(EXIT_INVALID, cmd, "%s: genesis: %s", path,
		    rc == 1 ? "missing" : rc == WIEC_ERR_NETWORK ?
		    "the file is of another network" : wiec_strerror(rc));
	off += 4 + glen;
	/* Read every record (the file may be a pipe), up to a broken frame. */
	for (;;) {
		size_t len;

		rc = frame_read(f, st->scratch, &len);
		if (rc == 1)
			break;
		if (rc != 0) {
			bad = rc;
			bad_errno = errno;
			bad_off = off;
			break;
		}
		if (used + len > cap) {
			size_t ncap = cap ? cap : (size_t)1 << 20;
			uint8_t *na;

			while (ncap < used + len)
				ncap *= 2;
			if ((na = realloc(arena, ncap)) == NULL)
				goto nomem;
			arena = na;
			cap = ncap;
		}
		if (nrec == reccap) {
			rec_t *nr = realloc(recs, (reccap = reccap ? 2 * reccap : 1024) * sizeof *nr);

			if (nr == NULL)
				goto nomem;
			recs = nr;
		}
		memcpy(arena + used, st->scratch, len);
		memset(&recs[nrec], 0, sizeof recs[nrec]);
		recs[nrec].off = off;
		recs[nrec].at = used;
		recs[nrec++].len = len;
		used += len;
		off += 4 + len;
	}
	/* The order key; a record that does not decode sorts first and is
	 * refused by ev_check with its rule. */
	for (size_t i = 0; i < nrec; i++) {
		ev_t ev;

		if (ev_decode(&ev, arena + recs[i].at, recs[i].len) == 0) {
			memcpy(recs[i].author, ev.author, KEY_PK_BYTES);
			recs[i].seq = ev.seq;
			ev_free(&ev);
		}
	}
	if (nrec > 1)
		qsort(recs, nrec, sizeof *recs, rec_order);
	for (size_t i = 0; i < nrec; i++) {
		st->bufs[st->n] = arena + recs[i].at;
		st->lens[st->n] = recs[i].len;
		st->offsets[st->n] = recs[i].off;
		if (++st->n == st->batch && (rc = flush_batch(st)) != 0)
			goto flush_failed;
	}
	if ((rc = flush_batch(st)) != 0)
		goto flush_failed;
	free(arena);
	free(recs);
	if (bad == WIEC_ERR_IO)
		return cli_fail(EXIT_FAIL, cmd, "%s: cannot read the record at byte %llu: %s; the "
		    "%llu records before it were imported", path, (unsigned long long)bad_off,
		    strerror(bad_errno), (unsigned long long)st->committed);
	if (bad != 0)
		return cli_fail(EXIT_INVALID, cmd, "%s: malformed or truncated record at byte "
		    "%llu; the %llu records before it were imported", path,
		    (unsigned long long)bad_off, (unsigned long long)st->committed);
	return EXIT_OK;
flush_failed:
	free(arena);
	free(recs);
	return flush_fail(cmd, st, rc, nrec);
nomem:
	free(arena);
	free(recs);
	return cli_fail(EXIT_FAIL, cmd, "%s: out of memory reading the file (import orders "
	    "the whole file before it stores it)", path);
}

int import_main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_DIR_OPT,
		{ "progress", no_argument, NULL, 'p' },
		{ "batch", required_argument, NULL, 'b' },
		{ 0, 0, 0, 0 },
	};
	long batch = IMPORT_BATCH;
	char *end;
	const char *cmd = "import", *dflag = NULL;
	import_state_t *st;
	cfg_t cfg;
	FILE *f;
	int c, rc, progress = 0, lock, lockfd = -1, fd;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":d:h", opts)) != -1) {
		switch (c) {
		case 'd': dflag = optarg; break;
		case 'p': progress = 1; break;
		case 'b':
			batch = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || batch < 1 || batch > IMPORT_BATCH)
				return cli_fail(EXIT_USAGE, cmd, "--batch must be 1 to %d", IMPORT_BATCH);
			break;
		case 'h': cli_usage(stdout, cmd); return EXIT_OK;
		default: return cli_badopt(cmd, c, argv);
		}
	}
	if (optind + 1 != argc)
		return cli_fail(EXIT_USAGE, cmd, "usage: wiec import [-d DIR] [--progress] [--batch N] FILE");
	if ((st = calloc(1, sizeof *st)) == NULL)
		return cli_fail(EXIT_FAIL, cmd, "out of memory");
	st->progress = progress;
	st->batch = (size_t)batch;
	st->dir = cli_dir(dflag);
	if ((rc = cli_open(cmd, st->dir, &cfg, &st->s)) != EXIT_OK)
		goto out;
	if ((lock = ctl_direct_lock(st->dir, &lockfd)) < 0) {
		rc = cli_fail(EXIT_DATA, cmd, "%s/node.lock: cannot open", st->dir);
		goto out;
	}
	st->via_node = lock == 1;
	if (st->via_node && st->batch > CTL_MAX_ENVS)
		st->batch = CTL_MAX_ENVS;	/* the control socket's bound per request */
	if ((rc = store_network(st->s, st->network)) != 0) {
		rc = cli_fail(cli_status(rc), cmd, "%s", wiec_strerror(rc));
		goto out;
	}
	/* A pipe is fine (wiec export | wiec import /dev/stdin); a directory or
	 * a device is not. */
	if ((fd = afile_open_read(argv[optind], AFILE_PIPE_OK, NULL)) < 0) {
		rc = cli_fail(EXIT_FAIL, cmd, "%s: %s", argv[optind], fd == WIEC_ERR_NOTREG ?
		    "not a file or a pipe" : strerror(errno));
		goto out;
	}
	if ((f = fdopen(fd, "rb")) == NULL) {
		rc = cli_fail(EXIT_FAIL, cmd, "%s: %s", argv[optind], strerror(errno));
		close(fd);
		goto out;
	}
	rc = import_file(cmd, st, f, argv[optind]);
	fclose(f);
	/* The counts go to stdout whatever happened; stderr gets one line. */
	if (rc == EXIT_OK || st->committed)
		printf("imported: %llu added, %llu duplicate, %llu waiting for predecessors, "
		    "%llu forks, %llu refused\n", (unsigned long long)st->added,
		    (unsigned long long)st->dup, (unsigned long long)st->pending,
		    (unsigned long long)st->forks, (unsigned long long)st->refused);
	if (rc == EXIT_OK && st->refused)
		rc = cli_fail(EXIT_INVALID, cmd, "record at byte %llu refused: %s (%llu record%s "
		    "refused in all; the others were imported)", (unsigned long long)st->first_off,
		    wiec_strerror(st->first_rc), (unsigned long long)st->refused,
		    st->refused == 1 ? "" : "s");
out:
	if (lockfd >= 0)
		close(lockfd);
	store_close(&st->s);
	free_records(st);
	free(st);
	return rc;
}
