/* pipeline.c: verification of the next batches beside the commit of the
 * ones before, with the batches that queued up while a commit ran taken
 * into one write transaction (store/pipeline.h). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/err.h"
#include "proto/event.h"
#include "store/pipeline.h"
#include "store/store_int.h"

/* Events per verification chunk: PIPE_CHUNK while plenty are left, then
 * a share of what is left down to PIPE_CHUNK_MIN, so that the verifiers of
 * a batch finish together (one that finished early idles until the batch
 * is done) even when the committer takes a core from one of them. */
#define PIPE_CHUNK 64
#define PIPE_CHUNK_MIN 8

typedef enum { SLOT_QUEUED, SLOT_COMMITTING, SLOT_DONE } slot_state_t;

typedef struct slot {
	struct slot *next;	/* in push order */
	slot_state_t state;	/* under the pipeline's mutex */
	const uint8_t **envs;
	size_t *lens, n;
	ev_t *evs;		/* evs[i] filled when check[i] == 0, until committed */
	int *check, *res;
	ev_t *ok;		/* the valid events, in order, for the store */
	size_t *map, m;		/* ok[j] is evs[map[j]] */
	int *okres;
	size_t added;
	int err;
	void *tag;
	/* verification */
	atomic_size_t next_chunk;
	int threads;
	const uint8_t *network;
	atomic_int verr;
} slot_t;

struct store_pipeline {
	store_t *s;
	uint8_t network[HASH_BYTES];
	int threads;
	store_pipeline_done_fn done;
	void *ctx;
	/* The committer thread and what it shares with the caller's thread:
	 * the list of pushed batches not yet reported, their states, and the
	 * flags below, all under mu; cv is broadcast on every change. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t tid;
	int running;		/* the committer thread runs (else push commits inline) */
	int stop, paused, flushing;
	int fail_fast;		/* store_pipeline_fail_fast: set before the first push */
	int failed;		/* with fail_fast, the first batch's failure (committer only) */
	size_t queued;		/* slots in SLOT_QUEUED */
	size_t queued_events;	/* their valid events */
	size_t commits;		/* write transactions begun, for store_pipeline_stats */
	double commit_cpu;	/* the committer thread's CPU seconds */
	slot_t *head, *tail;
};

static void slot_free(slot_t *b)
{
	if (b == NULL)
		return;
	for (size_t j = 0; j < b->m; j++)
		ev_free(&b->ok[j]);
	free(b->envs);
	free(b->lens);
	free(b->evs);
	free(b->check);
	free(b->res);
	free(b->ok);
	free(b->map);
	free(b->okres);
	free(b);
}

static slot_t *slot_new(const uint8_t *const *envs, const size_t *lens, size_t n, void *tag)
{
	slot_t *b = calloc(1, sizeof *b);
	size_t c = n ? n : 1;

	if (b == NULL)
		return NULL;
	b->n = n;
	b->tag = tag;
	if ((b->envs = malloc(c * sizeof *b->envs)) == NULL ||
	    (b->lens = malloc(c * sizeof *b->lens)) == NULL ||
	    (b->evs = calloc(c, sizeof *b->evs)) == NULL ||
	    (b->check = malloc(c * sizeof *b->check)) == NULL ||
	    (b->res = calloc(c, sizeof *b->res)) == NULL ||
	    (b->ok = calloc(c, sizeof *b->ok)) == NULL ||
	    (b->map = malloc(c * sizeof *b->map)) == NULL ||
	    (b->okres = calloc(c, sizeof *b->okres)) == NULL) {
		slot_free(b);
		return NULL;
	}
	/* Fail closed: an envelope no verifier reached is not valid. */
	for (size_t i = 0; i < c; i++)
		b->check[i] = WIEC_ERR_IO;
	if (n > 0) {
		memcpy(b->envs, envs, n * sizeof *envs);
		memcpy(b->lens, lens, n * sizeof *lens);
	}
	return b;
}

/* One verifier: takes chunks until none is left. */
static void *verify_chunks(void *arg)
{
	slot_t *b = arg;

	for (;;) {
		size_t i = atomic_load(&b->next_chunk), cnt;
		int rc;

		do {
			if (i >= b->n)
				return NULL;
			cnt = (b->n - i) / (2 * (size_t)b->threads);
			cnt = cnt > PIPE_CHUNK ? PIPE_CHUNK : cnt < PIPE_CHUNK_MIN ? PIPE_CHUNK_MIN : cnt;
			if (cnt > b->n - i)
				cnt = b->n - i;
		} while (!atomic_compare_exchange_weak(&b->next_chunk, &i, i + cnt));
		if ((rc = ev_check_batch(b->evs + i, b->check + i, b->envs + i, b->lens + i, cnt,
		    b->network, 1)) != 0) {
			/* Marks the chunk failed; nothing of it needs freeing. */
			for (size_t j = i; j < i + cnt; j++)
				b->check[j] = rc;
			atomic_store(&b->verr, rc);
		}
	}
}

/* Verifies b on the caller's thread and threads - 1 helpers, then lines up
 * its valid events for the store. */
static void verify(store_pipeline_t *p, slot_t *b)
{
	pthread_t tids[STORE_PIPELINE_THREADS_MAX];
	int started = 0, verr;

	atomic_init(&b->next_chunk, 0);
	atomic_init(&b->verr, 0);
	b->threads = p->threads;
	b->network = p->network;
	for (int t = 1; t < p->threads && (size_t)t * PIPE_CHUNK < b->n; t++) {
		if (pthread_create(&tids[started], NULL, verify_chunks, b) != 0)
			break;	/* fewer helpers: the caller does the rest */
		started++;
	}
	verify_chunks(b);
	for (int t = 0; t < started; t++)
		pthread_join(tids[t], NULL);
	for (size_t i = 0; i < b->n; i++)
		if (b->check[i] == 0) {
			b->ok[b->m] = b->evs[i];
			b->map[b->m++] = i;
		}
	/* A verifier that could not run is not the events' fault. */
	if ((verr = atomic_load(&b->verr)) != 0)
		b->err = verr;
}

/* One batch in its own write transaction; with fail_fast, none once a
 * batch has failed (it fails with the same error, nothing of it stored). */
static void commit_one(store_pipeline_t *p, slot_t *b)
{
	if (b->err == 0 && p->failed != 0)
		b->err = p->failed;
	if (b->err == 0 && b->m > 0)
		b->err = store_ingest(p->s, b->ok, b->m, b->okres, &b->added);
	if (b->err != 0 && p->fail_fast && p->failed == 0)
		p->failed = b->err;
}

/* Applies the valid events of g[0..k) to w as one batch (store_wtx_apply)
 * and hands each batch its outcomes. */
static int apply_slots(wtx_t *w, slot_t *const *g, size_t k)
{
	ev_t *all;
	int *res = NULL;
	size_t total = 0, at = 0;
	int rc = WIEC_ERR_NOMEM;

	for (size_t i = 0; i < k; i++)
		if (g[i]->err == 0)
			total += g[i]->m;
	if (total == 0)
		return 0;
	if ((all = malloc(total * sizeof *all)) == NULL ||
	    (res = malloc(total * sizeof *res)) == NULL)
		goto out;
	for (size_t i = 0; i < k; i++)
		if (g[i]->err == 0) {
			memcpy(all + at, g[i]->ok, g[i]->m * sizeof *all);
			at += g[i]->m;
		}
	if ((rc = store_wtx_apply(w, all, total, res)) != 0)
		goto out;
	at = 0;
	for (size_t i = 0; i < k; i++)
		if (g[i]->err == 0) {
			memcpy(g[i]->okres, res + at, g[i]->m * sizeof *res);
			at += g[i]->m;
		}
out:
	free(all);
	free(res);
	return rc;
}

/* Takes the next queued batch into g[*k] if the group has room for it;
 * whether it did. Called with p->mu held. */
static int take_queued(store_pipeline_t *p, slot_t **g, size_t *k, size_t *events,
    size_t max_batches, size_t max_events)
{
	slot_t *b;

	if (p->queued == 0 || p->paused || *k == max_batches)
		return 0;
	for (b = p->head; b->state != SLOT_QUEUED; b = b->next)
		;
	if (*k > 0 && *events + b->m > max_events)
		return 0;
	*events += b->m;
	b->state = SLOT_COMMITTING;
	g[(*k)++] = b;
	p->queued--;
	p->queued_events -= b->m;
	return 1;
}

/* Commits the batches g[0..*k) in one write transaction, as one batch of
 * all their valid events (store_ingest applies a batch in author and seq
 * order, so this is the outcome of pushing them as one). Batches verified
 * while that batch was applied join the transaction as a batch of their
 * own, applied after it (so as if committed in the next transaction), up
 * to STORE_PIPELINE_MERGE_MAX batches: the group's commit then also covers
 * what would otherwise wait for a commit of its own, which at the end of
 * an import is the pipeline's last and costliest wait. What the commit
 * added is reported with the last batch that had events. If the
 * transaction fails, each batch is committed again alone, so a failure
 * stays the failing batch's own (a batch that fills the map fails, the
 * others are held). */
static void commit_group(store_pipeline_t *p, slot_t **g, size_t *kp)
{
	size_t k = *kp, done = 0, events = 0, added;
	wtx_t w;
	int rc;

	for (size_t i = 0; i < k; i++)
		events += g[i]->m;
	if (p->failed != 0 || (rc = store_wtx_begin(&w, p->s)) != 0)
		goto alone;
	while (done < k) {
		if ((rc = apply_slots(&w, g + done, k - done)) != 0) {
			store_wtx_abort(&w);
			goto alone;
		}
		done = k;
		pthread_mutex_lock(&p->mu);
		while (take_queued(p, g, &k, &events, STORE_PIPELINE_MERGE_MAX,
		    2 * STORE_PIPELINE_MERGE_EVENTS))
			;
		if (k > done)
			pthread_cond_broadcast(&p->cv);	/* room in the queue */
		pthread_mutex_unlock(&p->mu);
	}
	added = w.added;
	if ((rc = store_finish_moved(&w, NULL, NULL)) != 0) {
		store_wtx_abort(&w);
		goto alone;
	}
	if ((rc = store_wtx_commit(&w)) != 0)
		goto alone;
	for (size_t i = 0; i < k; i++)
		g[i]->added = 0;
	for (size_t i = k; i-- > 0;)
		if (g[i]->err == 0 && g[i]->m > 0) {
			g[i]->added = added;
			break;
		}
	*kp = k;
	return;
alone:
	for (size_t i = 0; i < k; i++)
		commit_one(p, g[i]);
	*kp = k;
}

/* A full group is waited for: push blocks at STORE_PIPELINE_QUEUE. */
_Static_assert(STORE_PIPELINE_QUEUE >= STORE_PIPELINE_MERGE, "push would wait for a "
    "committer that waits for more batches");

/* The committer thread: once a group is full (STORE_PIPELINE_MERGE batches
 * or STORE_PIPELINE_MERGE_EVENTS events), or the caller flushes, takes the
 * queued batches up to that bound and commits them together; until
 * stopped with nothing queued. */
static void *committer(void *arg)
{
	store_pipeline_t *p = arg;
	slot_t *g[STORE_PIPELINE_MERGE_MAX];

	(void)pthread_setname_np(pthread_self(), "wiec-commit");	/* for top -H, perf */
	pthread_mutex_lock(&p->mu);
	for (;;) {
		size_t k = 0, events = 0;

		/* A full group, or whatever waits once the caller flushes. */
		while (!p->stop && (p->queued == 0 || p->paused ||
		    (!p->flushing && p->queued < STORE_PIPELINE_MERGE &&
		    p->queued_events < STORE_PIPELINE_MERGE_EVENTS)))
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->queued == 0)
			break;	/* stopped, nothing left */
		while (take_queued(p, g, &k, &events, STORE_PIPELINE_MERGE,
		    STORE_PIPELINE_MERGE_EVENTS))
			;
		pthread_cond_broadcast(&p->cv);	/* room in the queue */
		pthread_mutex_unlock(&p->mu);
		commit_group(p, g, &k);
		pthread_mutex_lock(&p->mu);
		p->commits++;
		for (size_t i = 0; i < k; i++)
			g[i]->state = SLOT_DONE;
		pthread_cond_broadcast(&p->cv);
	}
	{
		struct timespec ts;

		if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
			p->commit_cpu = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Reports one committed batch and frees it; its err. */
static int report(store_pipeline_t *p, slot_t *b)
{
	store_pipeline_batch_t out;
	int err;

	for (size_t j = 0; j < b->m; j++)
		b->res[b->map[j]] = b->err == 0 ? b->okres[j] : b->err;
	out = (store_pipeline_batch_t){ (const uint8_t *const *)b->envs, b->lens, b->n,
	    b->check, b->res, b->err == 0 ? b->added : 0, b->err, b->tag };
	p->done(p->ctx, &out);
	err = b->err;
	slot_free(b);
	return err;
}

/* Reports the committed batches at the front of the list, in order; with
 * all, first waits until every pushed batch is committed. Returns the
 * first err among them. Called on the caller's thread only. */
static int report_done(store_pipeline_t *p, int all)
{
	slot_t *done, *end;
	int err = 0, e;

	pthread_mutex_lock(&p->mu);
	if (all) {
		p->paused = 0;
		p->flushing = 1;
		pthread_cond_broadcast(&p->cv);
		while (p->tail != NULL && p->tail->state != SLOT_DONE)
			pthread_cond_wait(&p->cv, &p->mu);
		p->flushing = 0;
	}
	done = p->head;
	while (p->head != NULL && p->head->state == SLOT_DONE)
		p->head = p->head->next;
	if (p->head == NULL)
		p->tail = NULL;
	end = p->head;
	pthread_mutex_unlock(&p->mu);
	/* The detached run ends where the list now starts. */
	for (slot_t *b = done, *next; b != end; b = next) {
		next = b->next;
		if ((e = report(p, b)) != 0 && err == 0)
			err = e;
	}
	return err;
}

store_pipeline_t *store_pipeline_new(store_t *s, const uint8_t network[static HASH_BYTES],
    int threads, store_pipeline_done_fn done, void *ctx)
{
	store_pipeline_t *p = calloc(1, sizeof *p);

	if (p == NULL)
		return NULL;
	p->s = s;
	memcpy(p->network, network, HASH_BYTES);
	p->threads = threads < 1 ? 1 : threads > STORE_PIPELINE_THREADS_MAX ? STORE_PIPELINE_THREADS_MAX : threads;
	p->done = done;
	p->ctx = ctx;
	if (pthread_mutex_init(&p->mu, NULL) != 0) {
		free(p);
		return NULL;
	}
	if (pthread_cond_init(&p->cv, NULL) != 0) {
		pthread_mutex_destroy(&p->mu);
		free(p);
		return NULL;
	}
	/* No thread: push commits each batch itself, still correct. */
	p->running = pthread_create(&p->tid, NULL, committer, p) == 0;
	return p;
}

int store_pipeline_push(store_pipeline_t *p, const uint8_t *const *envs, const size_t *lens,
    size_t n, void *tag)
{
	slot_t *b = slot_new(envs, lens, n, tag);

	if (b == NULL)
		return WIEC_ERR_NOMEM;
	verify(p, b);			/* beside the commit of the batches before */
	if (!p->running) {
		commit_one(p, b);
		b->state = SLOT_DONE;
	} else {
		b->state = SLOT_QUEUED;
	}
	pthread_mutex_lock(&p->mu);
	/* At most STORE_PIPELINE_QUEUE verified batches wait for the committer. */
	while (p->running && p->queued >= STORE_PIPELINE_QUEUE && !p->paused)
		pthread_cond_wait(&p->cv, &p->mu);
	if (p->tail != NULL)
		p->tail->next = b;
	else
		p->head = b;
	p->tail = b;
	if (b->state == SLOT_QUEUED) {
		p->queued++;
		p->queued_events += b->m;
	}
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return report_done(p, 0);
}

int store_pipeline_flush(store_pipeline_t *p)
{
	return p == NULL ? 0 : report_done(p, 1);
}

void store_pipeline_fail_fast(store_pipeline_t *p)
{
	pthread_mutex_lock(&p->mu);	/* seen by the committer's next group */
	p->fail_fast = 1;
	pthread_mutex_unlock(&p->mu);
}

void store_pipeline_pause(store_pipeline_t *p, int on)
{
	pthread_mutex_lock(&p->mu);
	p->paused = on != 0;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

void store_pipeline_destroy(store_pipeline_t **pp)
{
	store_pipeline_close(pp, NULL);
}

void store_pipeline_close(store_pipeline_t **pp, store_pipeline_stats_t *st)
{
	store_pipeline_t *p;

	if (st != NULL)
		memset(st, 0, sizeof *st);
	if (pp == NULL || *pp == NULL)
		return;
	p = *pp;
	report_done(p, 1);
	if (p->running) {
		pthread_mutex_lock(&p->mu);
		p->stop = 1;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->tid, NULL);
	}
	if (st != NULL) {
		st->commits = p->commits;
		st->commit_cpu = p->commit_cpu;
	}
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
	*pp = NULL;
}
