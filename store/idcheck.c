/* idcheck.c: stored records checked against their ids on a second thread
 * (store/idcheck.h). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "crypto/hash.h"
#include "store/idcheck.h"

#define BLOCK 1024	/* records handed over at a time */
#define BLOCKS 4	/* blocks in flight: the checker runs at most this far behind */

typedef struct rec {
	const uint8_t *p;
	size_t len;
} rec_t;

struct idcheck_shared {
	pthread_mutex_t mu;
	pthread_cond_t cv;	/* put, got, stop or bad changed */
	pthread_t tid;
	uint64_t put, got;	/* blocks handed over, blocks checked */
	int stop;		/* no more blocks: the checker exits when it has them all */
	int bad;		/* a record did not hash to its id: */
	uint8_t bad_id[HASH_BYTES];	/* the id it was stored under */
	size_t fill[BLOCKS];
	rec_t blk[BLOCKS][BLOCK];
};

static int rec_ok(const uint8_t *p, size_t len)
{
	uint8_t got[HASH_BYTES];

	if (len <= HASH_BYTES)
		return 0;
	hash_2(got, p + HASH_BYTES, len - HASH_BYTES, NULL, 0);
	return memcmp(got, p, HASH_BYTES) == 0;
}

static void *checker(void *arg)
{
	idcheck_shared_t *sh = arg;

	pthread_mutex_lock(&sh->mu);
	for (;;) {
		const rec_t *b;
		size_t n, i;
		int bad = 0;

		while (sh->got == sh->put && !sh->stop)
			pthread_cond_wait(&sh->cv, &sh->mu);
		if (sh->got == sh->put)
			break;
		b = sh->blk[sh->got % BLOCKS];
		n = sh->fill[sh->got % BLOCKS];
		pthread_mutex_unlock(&sh->mu);
		for (i = 0; i < n && !bad; i++)
			bad = !rec_ok(b[i].p, b[i].len);
		pthread_mutex_lock(&sh->mu);
		sh->got++;
		if (bad && !sh->bad) {
			sh->bad = 1;
			memcpy(sh->bad_id, b[i - 1].p, HASH_BYTES);
		}
		pthread_cond_broadcast(&sh->cv);
	}
	pthread_mutex_unlock(&sh->mu);
	return NULL;
}

void store_idcheck_init(store_idcheck_t *ic)
{
	memset(ic, 0, sizeof *ic);
}

/* The checker's state and thread; 0, or -1 (then checks stay inline). */
static int start(store_idcheck_t *ic)
{
	idcheck_shared_t *sh = calloc(1, sizeof *sh);

	if (sh == NULL)
		return -1;
	if (pthread_mutex_init(&sh->mu, NULL) != 0) {
		free(sh);
		return -1;
	}
	if (pthread_cond_init(&sh->cv, NULL) != 0) {
		pthread_mutex_destroy(&sh->mu);
		free(sh);
		return -1;
	}
	if (pthread_create(&sh->tid, NULL, checker, sh) != 0) {
		pthread_cond_destroy(&sh->cv);
		pthread_mutex_destroy(&sh->mu);
		free(sh);
		return -1;
	}
	ic->sh = sh;
	return 0;
}

/* Hands the current block to the checker, then waits for room for the
 * next one. 0, or WIEC_ERR_CORRUPT once the checker found a bad record. */
static int hand_over(store_idcheck_t *ic, idcheck_shared_t *sh)
{
	int bad;

	pthread_mutex_lock(&sh->mu);
	sh->put++;
	pthread_cond_broadcast(&sh->cv);
	while (sh->put - sh->got >= BLOCKS && !sh->bad)
		pthread_cond_wait(&sh->cv, &sh->mu);
	if (!(bad = sh->bad))
		sh->fill[sh->put % BLOCKS] = 0;	/* checked: the caller's again */
	else {
		memcpy(ic->bad, sh->bad_id, HASH_BYTES);
		ic->damaged = 1;
	}
	pthread_mutex_unlock(&sh->mu);
	return bad ? WIEC_ERR_CORRUPT : 0;
}

int store_idcheck_put(store_idcheck_t *ic, const uint8_t *rec, size_t len)
{
	idcheck_shared_t *sh = ic->sh;
	size_t slot;

	if (sh == NULL) {
		if (!ic->inline_only && ic->n >= STORE_IDCHECK_INLINE && start(ic) != 0)
			ic->inline_only = 1;
		if ((sh = ic->sh) == NULL) {
			ic->n++;
			if (rec_ok(rec, len))
				return 0;
			memcpy(ic->bad, rec, len < HASH_BYTES ? len : HASH_BYTES);
			ic->damaged = 1;
			return WIEC_ERR_CORRUPT;
		}
	}
	/* Block put % BLOCKS is the caller's until handed over: the checker
	 * reads only blocks in [got, put). */
	slot = sh->put % BLOCKS;
	sh->blk[slot][sh->fill[slot]++] = (rec_t){ rec, len };
	ic->n++;
	if (sh->fill[slot] < BLOCK)
		return 0;
	return hand_over(ic, sh);
}

int store_idcheck_finish(store_idcheck_t *ic)
{
	idcheck_shared_t *sh = ic->sh;
	int bad;

	if (sh == NULL)
		return 0;	/* every record was checked inline, before put returned */
	pthread_mutex_lock(&sh->mu);
	if (sh->fill[sh->put % BLOCKS] > 0)
		sh->put++;
	sh->stop = 1;
	pthread_cond_broadcast(&sh->cv);
	pthread_mutex_unlock(&sh->mu);
	pthread_join(sh->tid, NULL);
	if ((bad = sh->bad)) {
		memcpy(ic->bad, sh->bad_id, HASH_BYTES);
		ic->damaged = 1;
	}
	pthread_cond_destroy(&sh->cv);
	pthread_mutex_destroy(&sh->mu);
	free(sh);
	ic->sh = NULL;
	return bad ? WIEC_ERR_CORRUPT : 0;
}
