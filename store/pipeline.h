/* pipeline.h: ingest in batches, verifying the next batches while the
 * store commits the ones before them.
 *
 * A batch's signatures are checked (ev_check, on up to `threads` threads,
 * the caller's included) while a committer thread of the pipeline applies
 * and commits the batches pushed before it (store_ingest_batch). On two
 * cores the commit's CPU and its fsync waits then cost little beside
 * verification, which dominates.
 *
 *     store_pipeline_t *p = store_pipeline_new(s, network, 2, done, ctx);
 *     while (more)
 *             if ((rc = store_pipeline_push(p, envs, lens, n, tag)) != 0)
 *                     break;          (done() was told which batch failed)
 *     rc2 = store_pipeline_flush(p);  (commits and reports the rest)
 *     store_pipeline_destroy(&p);
 *
 * Group commit: verified batches wait for the committer (at most
 * STORE_PIPELINE_QUEUE; push then waits), which takes them as a group of
 * STORE_PIPELINE_MERGE batches or STORE_PIPELINE_MERGE_EVENTS events,
 * whichever comes first (or whatever waits when the caller flushes), into
 * one write transaction, as one batch of all their valid events. Batches
 * verified while that batch was applied then join the same transaction as
 * one batch of their own, applied after it, so with the outcome they would
 * have had in the next transaction (up to STORE_PIPELINE_MERGE_MAX batches
 * and twice STORE_PIPELINE_MERGE_EVENTS events in all): the last commit of
 * an import then takes what verification finished meanwhile instead of
 * leaving it for one more commit while the cores idle. A transaction
 * rewrites every index page its events touch, and the events, refs and
 * search indexes spread a batch over most of their pages, so eight batches
 * of 4,096 in one transaction cost far less than eight transactions
 * (bench-ingest, 200,000 events: 490 MB written with groups of eight, 640
 * MB with groups of four, and less CPU; bench/RESULTS.md). The price is
 * latency and memory: a batch is reported up to a group later than alone,
 * and up to STORE_PIPELINE_QUEUE + STORE_PIPELINE_MERGE_MAX batches are
 * held decoded at once.
 *
 * Every pushed batch is reported exactly once, in push order, through
 * done() on the caller's thread, from inside push or flush, and only after
 * its transaction committed (or failed): nothing is acknowledged before it
 * is durable. A failed commit fails that batch only: when a transaction of
 * several batches fails, each is committed again alone and reported with
 * its own outcome (unless store_pipeline_fail_fast: then that batch and
 * every later one fail). The store must not be written by anyone else between
 * store_pipeline_new and store_pipeline_destroy (reads are fine).
 *
 * Threads: one committer thread for the pipeline's life, and threads - 1
 * verification helpers per batch (their state is handed over at
 * pthread_create / pthread_join, plus one atomic counter that deals out
 * chunks of the batch). The caller's thread and the committer share the
 * list of unreported batches under one mutex. */
#ifndef WIEC_STORE_PIPELINE_H
#define WIEC_STORE_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/hash.h"
#include "store/store.h"

#define STORE_PIPELINE_THREADS_MAX 64
#define STORE_PIPELINE_QUEUE 8		/* verified batches waiting for the committer */
#define STORE_PIPELINE_MERGE 8		/* batches in one write transaction, at most */
#define STORE_PIPELINE_MERGE_MAX 12	/* with the batches that join a group late */
#define STORE_PIPELINE_MERGE_EVENTS 32768	/* events in a merged transaction, at most
					 * (one batch alone may have more) */

typedef struct store_pipeline store_pipeline_t;

/* One batch as reported. All arrays belong to the pipeline and are valid
 * only during the done() call. */
typedef struct store_pipeline_batch {
	const uint8_t *const *envs;	/* the envelopes pushed (the caller's buffers) */
	const size_t *lens;
	size_t n;
	const int *check;	/* ev_check of envs[i]: 0, or the rule it breaks */
	const int *res;		/* if check[i] == 0 and err == 0: STORE_* outcome or a
				 * refusal (WIEC_ERR_CHAIN, WIEC_ERR_PENDING_FULL) */
	size_t added;		/* events held by this commit, released waiters included;
				 * for batches committed together, the last of them
				 * carries the whole count and the others 0 */
	int err;		/* 0: committed; else nothing of this batch was stored:
				 * WIEC_ERR_MAP_FULL / _STORE / _CORRUPT / _NOMEM /
				 * _IO (threads could not run) */
	void *tag;		/* as pushed */
} store_pipeline_batch_t;

typedef void (*store_pipeline_done_fn)(void *ctx, const store_pipeline_batch_t *b);

/* A pipeline into s (borrowed; must outlive the pipeline) for events of
 * network, with up to threads verification threads (1 to STORE_PIPELINE_THREADS_MAX),
 * reporting to done(ctx, batch). NULL if out of memory. */
store_pipeline_t *store_pipeline_new(store_t *s, const uint8_t network[static HASH_BYTES],
    int threads, store_pipeline_done_fn done, void *ctx);

/* Verifies envs[0..n) (the caller's buffers, borrowed until the batch is
 * reported; the pointer and length arrays are copied) while earlier batches
 * commit, hands it to the committer (waiting while STORE_PIPELINE_QUEUE
 * batches already wait), then reports the batches committed by then.
 * Returns 0, or the first err of a batch reported during this call (the
 * pushed batch is taken either way), or WIEC_ERR_NOMEM (not taken, nothing
 * reported). n may be 0 (the batch is reported with nothing in it). */
int store_pipeline_push(store_pipeline_t *p, const uint8_t *const *envs, const size_t *lens,
    size_t n, void *tag);

/* Waits until every pushed batch is committed (ending a pause) and reports
 * them. Returns the first err among them, or 0 (also if p is NULL). */
int store_pipeline_flush(store_pipeline_t *p);

/* From the first batch whose commit fails on, commit nothing more: every
 * later batch is reported with that failure, nothing of it stored. For a
 * caller whose later batches depend on the earlier ones (an import goes in
 * author and seq order: after a batch that filled the map, the next ones
 * would only wait for their predecessors). Call before the first push. */
void store_pipeline_fail_fast(store_pipeline_t *p);
/* For tests: while on, the committer takes no batch and push does not
 * wait for room (so at most a few batches should be pushed), so that the
 * next commit takes every batch pushed meanwhile. Flush ends it. */
void store_pipeline_pause(store_pipeline_t *p, int on);

/* Flushes (reporting the last batches), then frees the pipeline; sets *p
 * to NULL. Accepts NULL and *p == NULL. */
void store_pipeline_destroy(store_pipeline_t **p);

/* What the committer did over the pipeline's life (for benchmarks). */
typedef struct store_pipeline_stats {
	size_t commits;		/* write transactions (a failed merge retried: 1) */
	double commit_cpu;	/* CPU seconds of the committer thread (0: none ran) */
} store_pipeline_stats_t;

/* store_pipeline_destroy, filling *st (may be NULL) once the committer
 * thread has ended. */
void store_pipeline_close(store_pipeline_t **p, store_pipeline_stats_t *st);

#endif
