/* close.c: the close protocol of spec/close.md (see close.h): statements,
 * the acceptor rules and the durable state. The member's machine is in
 * closemember.c; the value rule, the certificate check and the log audit
 * are in closecert.c. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "model/close.h"
#include "model/close_int.h"

#define ID HASH_BYTES

int close_round_cmp(const close_round_t *a, const close_round_t *b)
{
	if (a->counter != b->counter)
		return a->counter < b->counter ? -1 : 1;
	return memcmp(a->proposer, b->proposer, KEY_PK_BYTES);
}

int close_value_eq(const close_value_t *a, const close_value_t *b)
{
	return a->count == b->count && memcmp(a->root, b->root, ID) == 0 &&
	    memcmp(a->result, b->result, ID) == 0;
}

int close_frontier_root(uint8_t root[static HASH_BYTES], const uint8_t *ids, size_t n)
{
	static const char tag[] = "wiec-frontier-v1";
	crypto_generichash_state st;
	uint8_t be[8];

	hash_put_be64(be, (uint64_t)n);
	if (crypto_generichash_init(&st, NULL, 0, HASH_BYTES) != 0 ||
	    crypto_generichash_update(&st, (const uint8_t *)tag, sizeof tag - 1) != 0 ||
	    crypto_generichash_update(&st, be, sizeof be) != 0 ||
	    (n > 0 && crypto_generichash_update(&st, ids, n * ID) != 0) ||
	    crypto_generichash_final(&st, root, HASH_BYTES) != 0)
		return WIEC_ERR_CRYPTO;
	return 0;
}

void close_stmt_free(close_stmt_t *s)
{
	if (s == NULL)
		return;
	free(s->seal);
	free(s->frontier);
	free(s->promises);
	memset(s, 0, sizeof *s);
}

int close_dup_ids(uint8_t **dst, const uint8_t *src, size_t n)
{
	*dst = NULL;
	if (n == 0 || src == NULL)
		return 0;
	*dst = malloc(n * ID);
	if (*dst == NULL)
		return WIEC_ERR_NOMEM;
	memcpy(*dst, src, n * ID);
	return 0;
}

int close_stmt_copy(close_stmt_t *dst, const close_stmt_t *src)
{
	*dst = *src;
	dst->seal = dst->frontier = dst->promises = NULL;
	if (close_dup_ids(&dst->seal, src->seal, src->nseal) != 0 ||
	    close_dup_ids(&dst->frontier, src->frontier, src->frontier ? src->value.count : 0) != 0 ||
	    close_dup_ids(&dst->promises, src->promises, src->npromises) != 0) {
		close_stmt_free(dst);
		return WIEC_ERR_NOMEM;
	}
	return 0;
}

static int sorted_distinct(const uint8_t *ids, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (memcmp(ids + (i - 1) * ID, ids + i * ID, ID) >= 0)
			return 0;
	return 1;
}

long close_find(const uint8_t *v, size_t n, const uint8_t x[static HASH_BYTES])
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(v + mid * ID, x, ID);

		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* A round can exist: its proposer is a member, the designated one for
 * counter >= 1. */
static int round_ok(const close_round_t *r, const uint8_t (*members)[KEY_PK_BYTES], size_t n)
{
	if (close_find(members[0], n, r->proposer) < 0)
		return 0;
	return r->counter == 0 ||
	    memcmp(members[r->counter % n], r->proposer, KEY_PK_BYTES) == 0;
}

int close_stmt_check(const close_stmt_t *s, const uint8_t process[static HASH_BYTES],
    const uint8_t roster[static HASH_BYTES], const uint8_t (*members)[KEY_PK_BYTES], size_t n)
{
	uint8_t root[ID];

	if (s->kind < CLOSE_CLOSE || s->kind > CLOSE_COSIGN)
		return CLOSE_BAD_KIND;
	if (memcmp(s->process, process, ID) != 0 || memcmp(s->roster, roster, ID) != 0)
		return CLOSE_BAD_KIND;
	if (n == 0 || close_find(members[0], n, s->author) < 0 || !round_ok(&s->round, members, n))
		return CLOSE_BAD_FORM;
	int own = memcmp(s->round.proposer, s->author, KEY_PK_BYTES) == 0;
	switch (s->kind) {
	case CLOSE_CLOSE:
		if (!own || s->round.counter != 0)
			return CLOSE_BAD_FORM;
		break;
	case CLOSE_PREPARE:
		if (!own || s->round.counter == 0)
			return CLOSE_BAD_FORM;
		break;
	case CLOSE_PROMISE:
		if (!sorted_distinct(s->seal, s->nseal) || (s->nseal > 0 && s->seal == NULL))
			return CLOSE_BAD_FORM;
		/* Its last cosign is from a round below the one it joins. */
		if (s->has_acc && (close_round_cmp(&s->acc_round, &s->round) >= 0 ||
		    !round_ok(&s->acc_round, members, n)))
			return CLOSE_BAD_FORM;
		break;
	case CLOSE_PROPOSAL:
		if (!own || s->npromises == 0 || s->promises == NULL ||
		    !sorted_distinct(s->promises, s->npromises) ||
		    (s->value.count > 0 && s->frontier == NULL) ||
		    !sorted_distinct(s->frontier, s->value.count))
			return CLOSE_BAD_FORM;
		if (close_frontier_root(root, s->frontier, s->value.count) != 0 ||
		    memcmp(root, s->value.root, ID) != 0)
			return CLOSE_BAD_FORM;
		break;
	case CLOSE_COSIGN:
		break;
	}
	return 0;
}

/* --- the acceptor rules ------------------------------------------------ */

static void raise_promised(close_durable_t *d, const close_round_t *r)
{
	if (!d->has_promised || close_round_cmp(r, &d->promised) > 0) {
		d->promised = *r;
		d->has_promised = 1;
	}
}

static int apply_mode(close_durable_t *d, const close_stmt_t *s, int full)
{
	if (d->has_roster && memcmp(d->roster, s->roster, ID) != 0)
		return CLOSE_C_ROSTER;
	memcpy(d->roster, s->roster, ID);
	d->has_roster = 1;
	switch (s->kind) {
	case CLOSE_CLOSE:
	case CLOSE_PREPARE:
		d->prep_round = s->round;
		d->has_prep = 1;
		return CLOSE_OK;
	case CLOSE_PROMISE:
		if (d->has_promised && close_round_cmp(&s->round, &d->promised) <= 0)
			return CLOSE_C_PROMISE_ORDER;
		if (full) {
			if (s->has_acc != d->has_acc || (s->has_acc &&
			    (!close_round_eq(&s->acc_round, &d->acc_round) ||
			    !close_value_eq(&s->acc_value, &d->acc_value))))
				return CLOSE_C_PROMISE_REPORT;
		} else if (d->has_acc) {
			/* Earlier cosigns may be missing from a subset, never
			 * the one given before it. */
			int c = s->has_acc ? close_round_cmp(&s->acc_round, &d->acc_round) : -1;

			if (c < 0 || (c == 0 && !close_value_eq(&s->acc_value, &d->acc_value)))
				return CLOSE_C_PROMISE_REPORT;
		}
		if (s->has_acc) {
			d->acc_round = s->acc_round;
			d->acc_value = s->acc_value;
			d->has_acc = 1;
		}
		raise_promised(d, &s->round);
		return CLOSE_OK;
	case CLOSE_PROPOSAL:
		if (d->has_prop) {
			int c = close_round_cmp(&s->round, &d->prop_round);

			if (c < 0 || (c == 0 && !close_value_eq(&s->value, &d->prop_value)))
				return CLOSE_C_PROPOSE_TWICE;
		}
		d->prop_round = s->round;
		d->prop_value = s->value;
		d->has_prop = 1;
		return CLOSE_OK;
	case CLOSE_COSIGN:
		if (d->has_promised && close_round_cmp(&s->round, &d->promised) < 0)
			return CLOSE_C_COSIGN_BELOW;
		if (d->has_acc && close_round_eq(&s->round, &d->acc_round) &&
		    !close_value_eq(&s->value, &d->acc_value))
			return CLOSE_C_COSIGN_TWICE;
		d->acc_round = s->round;
		d->acc_value = s->value;
		d->has_acc = 1;
		raise_promised(d, &s->round);
		return CLOSE_OK;
	}
	return CLOSE_OK;
}

int close_durable_apply(close_durable_t *d, const close_stmt_t *s)
{
	close_durable_t t = *d;
	int rc = apply_mode(&t, s, 1);

	if (rc == CLOSE_OK)
		*d = t;
	return rc;
}

static int by_seq(const void *a, const void *b)
{
	const close_stmt_t *x = *(const close_stmt_t *const *)a;
	const close_stmt_t *y = *(const close_stmt_t *const *)b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return memcmp(x->id, y->id, ID);
}

int close_audit(const close_stmt_t *const *stmts, size_t n, int full, size_t *bad)
{
	const close_stmt_t **v;
	close_durable_t d;
	int rc = CLOSE_OK;

	if (n == 0)
		return CLOSE_OK;
	v = malloc(n * sizeof *v);
	if (v == NULL)
		return WIEC_ERR_NOMEM;
	memcpy(v, stmts, n * sizeof *v);
	if (n > 1)	/* qsort(NULL, 0, ...) is undefined */
		qsort(v, n, sizeof *v, by_seq);
	memset(&d, 0, sizeof d);
	for (size_t i = 0; i < n; i++) {
		close_durable_t t = d;

		rc = apply_mode(&t, v[i], full);
		if (rc != CLOSE_OK) {
			for (size_t j = 0; j < n; j++)
				if (stmts[j] == v[i])
					*bad = j;
			break;
		}
		d = t;
	}
	free(v);
	return rc;
}

/* --- durable encoding -------------------------------------------------- */

static const char durable_tag[16] = "wiec-close-v1";

static uint8_t *put_round(uint8_t *p, const close_round_t *r)
{
	hash_put_be64(p, r->counter);
	memcpy(p + 8, r->proposer, KEY_PK_BYTES);
	return p + 8 + KEY_PK_BYTES;
}

static const uint8_t *get_round(const uint8_t *p, close_round_t *r)
{
	r->counter = hash_get_be64(p);
	memcpy(r->proposer, p + 8, KEY_PK_BYTES);
	return p + 8 + KEY_PK_BYTES;
}

static uint8_t *put_value(uint8_t *p, const close_value_t *v)
{
	memcpy(p, v->root, ID);
	hash_put_be64(p + ID, v->count);
	memcpy(p + ID + 8, v->result, ID);
	return p + 2 * ID + 8;
}

static const uint8_t *get_value(const uint8_t *p, close_value_t *v)
{
	memcpy(v->root, p, ID);
	v->count = hash_get_be64(p + ID);
	memcpy(v->result, p + ID + 8, ID);
	return p + 2 * ID + 8;
}

void close_durable_encode(const close_durable_t *d, uint8_t out[static CLOSE_DURABLE_BYTES])
{
	uint8_t *p = out;

	memset(out, 0, CLOSE_DURABLE_BYTES);
	memcpy(p, durable_tag, sizeof durable_tag);
	p += sizeof durable_tag;
	*p++ = d->has_promised;
	*p++ = d->has_acc;
	*p++ = d->has_prop;
	*p++ = d->has_prep;
	*p++ = d->has_roster;
	memcpy(p, d->roster, ID);
	p += ID;
	p = put_round(p, &d->promised);
	p = put_round(p, &d->acc_round);
	p = put_value(p, &d->acc_value);
	p = put_round(p, &d->prop_round);
	p = put_value(p, &d->prop_value);
	(void)put_round(p, &d->prep_round);
}

int close_durable_decode(close_durable_t *d, const uint8_t in[static CLOSE_DURABLE_BYTES])
{
	const uint8_t *p = in;
	size_t used = sizeof durable_tag + 5 + ID + 4 * (8 + KEY_PK_BYTES) + 2 * (2 * ID + 8);

	memset(d, 0, sizeof *d);
	if (memcmp(p, durable_tag, sizeof durable_tag) != 0)
		return WIEC_ERR_DECODE;
	for (size_t i = used; i < CLOSE_DURABLE_BYTES; i++)
		if (in[i] != 0)
			return WIEC_ERR_DECODE;
	p += sizeof durable_tag;
	for (int i = 0; i < 5; i++)
		if (p[i] > 1)
			return WIEC_ERR_DECODE;
	d->has_promised = *p++;
	d->has_acc = *p++;
	d->has_prop = *p++;
	d->has_prep = *p++;
	d->has_roster = *p++;
	memcpy(d->roster, p, ID);
	p += ID;
	p = get_round(p, &d->promised);
	p = get_round(p, &d->acc_round);
	p = get_value(p, &d->acc_value);
	p = get_round(p, &d->prop_round);
	p = get_value(p, &d->prop_value);
	(void)get_round(p, &d->prep_round);
	return 0;
}
