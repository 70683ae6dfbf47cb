/* fuzz_close.c: the close protocol's durable state decoder and its rules
 * (model/close.c).
 *
 * The first CLOSE_DURABLE_BYTES of the input, when there are that many,
 * are decoded: an accepted encoding must encode back to the same bytes.
 * The rest is a script of 8-byte statements by 4 members (kind, author,
 * round, reported cosign, value, seq step) that close_stmt_check,
 * close_audit, close_cert_check and close_log_audit must take without
 * crashing; a member whose statements pass the full audit must replay them
 * one by one through close_durable_apply without a conflict, to a state
 * that encodes and decodes unchanged. */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "model/close.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_N 4
#define FZ_MAX 64

static void init_once(void)
{
	static int ready;

	if (!ready) {
		if (sodium_init() < 0)
			abort();
		ready = 1;
	}
}

static void value_of(close_value_t *v, const uint8_t ids[3][HASH_BYTES], unsigned which)
{
	memset(v, 0, sizeof *v);
	v->count = which % 4;
	if (close_frontier_root(v->root, ids[0], (size_t)v->count) != 0)
		abort();
	v->result[0] = (uint8_t)(which % 4);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t keys[FZ_N][KEY_PK_BYTES], proc[HASH_BYTES], roster[HASH_BYTES];
	uint8_t ids[3][HASH_BYTES], enc[CLOSE_DURABLE_BYTES];
	close_stmt_t st[FZ_MAX];
	const close_stmt_t *mine[FZ_MAX], *pr[FZ_MAX], *co[FZ_MAX];
	close_durable_t d;
	size_t n = 0, npr = 0, nco = 0, bad;
	const close_stmt_t *prop = NULL;

	init_once();
	if (size >= CLOSE_DURABLE_BYTES) {
		if (close_durable_decode(&d, data) == 0) {
			close_durable_encode(&d, enc);
			if (memcmp(enc, data, sizeof enc) != 0)
				abort();
		}
		data += CLOSE_DURABLE_BYTES;
		size -= CLOSE_DURABLE_BYTES;
	}
	memset(keys, 0, sizeof keys);
	memset(proc, 1, sizeof proc);
	memset(roster, 2, sizeof roster);
	memset(ids, 0, sizeof ids);
	for (int i = 0; i < FZ_N; i++)
		keys[i][0] = (uint8_t)(i + 1);
	for (int i = 0; i < 3; i++)
		ids[i][0] = (uint8_t)(i + 1);
	for (uint64_t seq = 1; size >= 8 && n < FZ_MAX; data += 8, size -= 8) {
		close_stmt_t *s = &st[n];

		memset(s, 0, sizeof *s);
		s->kind = 1 + data[0] % 5;
		memcpy(s->author, keys[data[1] % FZ_N], KEY_PK_BYTES);
		memcpy(s->process, proc, HASH_BYTES);
		memcpy(s->roster, data[7] == 0xff ? proc : roster, HASH_BYTES);
		s->round.counter = data[2] % 8;
		memcpy(s->round.proposer, keys[data[3] % FZ_N], KEY_PK_BYTES);
		s->has_acc = data[4] & 1;
		s->acc_round.counter = (data[4] >> 1) % 8;
		memcpy(s->acc_round.proposer, keys[(data[4] >> 4) % FZ_N], KEY_PK_BYTES);
		value_of(&s->acc_value, ids, data[5]);
		value_of(&s->value, ids, data[5] >> 2);
		seq += data[6] % 3;	/* 0: a repeated seq */
		s->seq = seq;
		s->id[0] = (uint8_t)n;
		s->id[1] = 0xaa;
		if (s->kind == CLOSE_PROMISE && (data[7] & 1)) {
			s->seal = malloc(sizeof ids);
			if (s->seal == NULL)
				abort();
			memcpy(s->seal, ids, sizeof ids);
			s->nseal = 1 + data[7] % 3;
		}
		if (s->kind == CLOSE_PROPOSAL) {
			s->frontier = malloc(sizeof ids);
			s->promises = malloc(FZ_MAX * HASH_BYTES);
			if (s->frontier == NULL || s->promises == NULL)
				abort();
			memcpy(s->frontier, ids, sizeof ids);
			/* names every promise so far (ids increase with n) */
			for (size_t i = 0; i < n; i++)
				if (st[i].kind == CLOSE_PROMISE)
					memcpy(s->promises + s->npromises++ * HASH_BYTES, st[i].id,
					    HASH_BYTES);
			if (prop == NULL)
				prop = s;
		}
		if (s->kind == CLOSE_COSIGN && prop != NULL && (data[7] & 2))
			memcpy(s->proposal, prop->id, HASH_BYTES);
		(void)close_stmt_check(s, proc, roster, keys, FZ_N);
		if (s->kind == CLOSE_PROMISE)
			pr[npr++] = s;
		if (s->kind == CLOSE_COSIGN)
			co[nco++] = s;
		n++;
	}
	for (int a = 0; a < FZ_N; a++) {
		size_t k = 0;
		int full;

		for (size_t i = 0; i < n; i++)
			if (memcmp(st[i].author, keys[a], KEY_PK_BYTES) == 0)
				mine[k++] = &st[i];
		full = close_audit(mine, k, 1, &bad);
		if (full < 0)
			abort();
		(void)close_audit(mine, k, 0, &bad);
		if (full == CLOSE_OK) {
			/* mine is in creation order; equal seqs make the audit's
			 * order differ, so only replay strictly increasing ones. */
			int sorted = 1;

			for (size_t i = 1; i < k; i++)
				sorted &= mine[i - 1]->seq < mine[i]->seq;
			memset(&d, 0, sizeof d);
			for (size_t i = 0; sorted && i < k; i++)
				if (close_durable_apply(&d, mine[i]) != CLOSE_OK)
					abort();
			close_durable_encode(&d, enc);
			{
				close_durable_t e;
				uint8_t again[CLOSE_DURABLE_BYTES];

				if (close_durable_decode(&e, enc) != 0)
					abort();
				close_durable_encode(&e, again);
				if (memcmp(enc, again, sizeof enc) != 0)
					abort();
			}
		}
	}
	if (prop != NULL) {
		close_cert_t c = { prop, pr, npr, co, nco };
		int rc = close_cert_check(&c, proc, roster, keys, FZ_N, 3, NULL);

		if (rc < 0 && rc != WIEC_ERR_NOMEM)
			abort();
	}
	{
		close_report_t *rep = malloc(sizeof *rep);
		const close_stmt_t *all[FZ_MAX];

		if (rep == NULL)
			abort();
		for (size_t i = 0; i < n; i++)
			all[i] = &st[i];
		if (close_log_audit(all, n, proc, roster, keys, FZ_N, 3, NULL, rep) != 0 ||
		    rep->nbad > FZ_N)
			abort();
		free(rep);
	}
	for (size_t i = 0; i < n; i++)
		close_stmt_free(&st[i]);
	return 0;
}
