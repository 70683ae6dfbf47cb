/* pipeline.c: verification of batch k+1 beside the commit of batch k
 * (store/pipeline.h). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "proto/event.h"
#include "store/pipeline.h"

/* Events per verification chunk: small enough that verifiers finish
 * together when the committer takes a core from one of them. */
#define PIPE_CHUNK 64

typedef struct slot {
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
	atomic_size_t next;
	const uint8_t *network;
	int verr;
} slot_t;

struct store_pipeline {
	store_t *s;
	uint8_t network[HASH_BYTES];
	int threads;
	store_pipeline_done_fn done;
	void *ctx;
	slot_t *inflight;	/* being committed by tid, or NULL */
	pthread_t tid;
	int threaded;		/* tid runs (else inflight was committed inline) */
	void *args[2];		/* commit()'s: this pipeline, inflight */
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
	    (b->check = calloc(c, sizeof *b->check)) == NULL ||
	    (b->res = calloc(c, sizeof *b->res)) == NULL ||
	    (b->ok = calloc(c, sizeof *b->ok)) == NULL ||
	    (b->map = malloc(c * sizeof *b->map)) == NULL ||
	    (b->okres = calloc(c, sizeof *b->okres)) == NULL) {
		slot_free(b);
		return NULL;
	}
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
		size_t i = atomic_fetch_add(&b->next, PIPE_CHUNK), cnt;
		int rc;

		if (i >= b->n)
			break;
		cnt = b->n - i < PIPE_CHUNK ? b->n - i : PIPE_CHUNK;
		if ((rc = ev_check_batch(b->evs + i, b->check + i, b->envs + i, b->lens + i, cnt,
		    b->network, 1)) != 0) {
			/* Marks the chunk failed; nothing of it needs freeing. */
			for (size_t j = i; j < i + cnt; j++)
				b->check[j] = rc;
			b->verr = rc;
		}
	}
	return NULL;
}

/* Verifies b on the caller's thread and threads - 1 helpers, then lines up
 * its valid events for the store. */
static void verify(store_pipeline_t *p, slot_t *b)
{
	pthread_t tids[STORE_PIPELINE_THREADS_MAX];
	int started = 0;

	atomic_init(&b->next, 0);
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
	if (b->verr != 0)
		b->err = b->verr;
}

/* The committer: one write transaction for the batch's valid events. */
static void *commit(void *arg)
{
	void **a = arg;
	store_pipeline_t *p = a[0];
	slot_t *b = a[1];

	if (b->err == 0 && b->m > 0)
		b->err = store_ingest(p->s, b->ok, b->m, b->okres, &b->added);
	return NULL;
}

/* Waits for the batch in flight, reports it and frees it; its err. */
static int finish(store_pipeline_t *p)
{
	slot_t *b = p->inflight;
	store_pipeline_batch_t out;
	int err;

	if (b == NULL)
		return 0;
	if (p->threaded)
		pthread_join(p->tid, NULL);
	p->inflight = NULL;
	p->threaded = 0;
	for (size_t j = 0; j < b->m; j++)
		b->res[b->map[j]] = b->err == 0 ? b->okres[j] : b->err;
	out = (store_pipeline_batch_t){ (const uint8_t *const *)b->envs, b->lens, b->n,
	    b->check, b->res, b->err == 0 ? b->added : 0, b->err, b->tag };
	p->done(p->ctx, &out);
	err = b->err;
	slot_free(b);
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
	return p;
}

int store_pipeline_push(store_pipeline_t *p, const uint8_t *const *envs, const size_t *lens,
    size_t n, void *tag)
{
	slot_t *b = slot_new(envs, lens, n, tag);
	int err;

	if (b == NULL)
		return WIEC_ERR_NOMEM;
	verify(p, b);			/* beside the commit of the batch before */
	err = finish(p);		/* that batch, committed: report it */
	p->inflight = b;
	p->args[0] = p;
	p->args[1] = b;
	if (pthread_create(&p->tid, NULL, commit, p->args) == 0)
		p->threaded = 1;
	else
		commit(p->args);	/* no thread: commit here, report at the next call */
	return err;
}

int store_pipeline_flush(store_pipeline_t *p)
{
	return p == NULL ? 0 : finish(p);
}

void store_pipeline_destroy(store_pipeline_t **pp)
{
	if (pp == NULL || *pp == NULL)
		return;
	finish(*pp);
	free(*pp);
	*pp = NULL;
}
