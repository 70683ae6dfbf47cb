/* recon_resp.c: the responder's side of a reconciliation session
 * (spec/recon.md, node/recon.h): answers each record of an initiator's
 * message with fingerprints, lists, differences or items. */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/recon_sess.h"

typedef struct sidx {
	uint64_t sid;
	uint32_t idx;
} sidx_t;

static int sidx_cmp(const void *a, const void *b)
{
	const sidx_t *x = a, *y = b;

	if (x->sid != y->sid)
		return x->sid < y->sid ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

typedef struct diff_ctx {
	recon_t *r;
	const sidx_t *ids;
	size_t m;
	uint8_t *bits;
	const rnode_t **ex;	/* extras, borrowed for this call only */
	size_t nex, excap;
	size_t used, budget;
	const uint8_t *last;	/* last key examined */
	const uint8_t *cut;	/* first key not examined */
	int rc;
} diff_ctx_t;

static int diff_one(void *ctx, const rnode_t *x)
{
	diff_ctx_t *d = ctx;
	uint8_t sid[RECON_SID_BYTES];
	uint64_t v;
	size_t a = 0, z = d->m, need;

	sess_sid_of(d->r, x->h, sid);
	v = hash_get_le64(sid);
	while (a < z) {
		size_t mid = a + (z - a) / 2;
		if (d->ids[mid].sid < v)
			a = mid + 1;
		else
			z = mid;
	}
	if (a < d->m && d->ids[a].sid == v) {
		d->bits[d->ids[a].idx / 8] |= (uint8_t)(1u << (d->ids[a].idx % 8));
		d->last = x->key;
		return 0;
	}
	need = 32 + varint_len(x->seq);
	if (d->used + need > d->budget) {
		d->cut = x->key;
		return 1;
	}
	if ((d->rc = mem_grow((void **)&d->ex, &d->excap, d->nex + 1, sizeof *d->ex)) != 0)
		return 1;
	d->ex[d->nex++] = x;
	d->used += need;
	d->last = x->key;
	return 0;
}

/* Answers LIST [lo, hi) with a DIFF, or a DIFF over [lo, b) when the rest
 * does not fit (*stop set). Writes nothing and sets *stop if not even the
 * first item fits. */
static int resp_list(recon_t *r, wbuf_t *w, bound_t *prev, const bound_t *lo,
    const bound_t *hi, const uint8_t *sids, size_t m, int *stop)
{
	diff_ctx_t d;
	sidx_t *ids = NULL;
	size_t nb = (m + 7) / 8, fixed = 35 + 1 + nb + 10;
	uint8_t bits[RECON_WIRE_LIST_MAX / 8] = { 0 };
	bound_t b;
	int rc = 0;

	memset(&d, 0, sizeof d);
	if (w->len + RECON_RESERVE + fixed > r->cap) {
		*stop = 1;
		return 0;
	}
	if (m > 0 && (ids = malloc(m * sizeof *ids)) == NULL)
		return WIEC_ERR_NOMEM;
	for (size_t i = 0; i < m; i++) {
		ids[i].sid = hash_get_le64(sids + RECON_SID_BYTES * i);
		ids[i].idx = (uint32_t)i;
	}
	if (m > 1)
		qsort(ids, m, sizeof *ids, sidx_cmp);
	d.r = r;
	d.ids = ids;
	d.m = m;
	d.bits = bits;
	d.budget = r->cap - w->len - RECON_RESERVE - fixed;
	recon_tree_visit(r->set, r->set->root, lo, hi, diff_one, &d);
	if ((rc = d.rc) != 0)
		goto done;
	b = *hi;
	if (d.cut) {
		*stop = 1;
		if (d.last == NULL)
			goto done;	/* no progress possible in this message */
		bound_between(d.last, d.cut, &b);
	}
	sess_put_rec(w, prev, &b, M_DIFF);
	wb_put(w, bits, nb);
	wb_varint(w, d.nex);
	for (size_t i = 0; i < d.nex; i++) {
		wb_put(w, d.ex[i]->key, 32);
		wb_varint(w, d.ex[i]->seq);
	}
done:
	free(d.ex);
	free(ids);
	return rc;
}

typedef struct items_ctx {
	recon_t *r;
	wbuf_t *w;
} items_ctx_t;

static int items_one(void *ctx, const rnode_t *x)
{
	items_ctx_t *c = ctx;
	uint8_t sid[RECON_SID_BYTES];

	sess_sid_of(c->r, x->h, sid);
	wb_put(c->w, x->key, 32);
	wb_varint(c->w, x->seq);
	wb_put(c->w, sid, sizeof sid);
	return 0;
}

/* Answers an FP that differs from ours. Writes nothing and sets *stop when
 * even a bounce does not fit. */
static int resp_fp(recon_t *r, wbuf_t *w, bound_t *prev, const bound_t *lo,
    const bound_t *hi, int *stop)
{
	uint64_t sum[4], c, r0;
	size_t mark = w->len;
	bound_t pmark = *prev;
	uint8_t fp[RECON_FP_BYTES];
	int rc;

	sess_range_stats(r, lo, hi, sum, &c, &r0);
	if (c <= RECON_ITEMS_MAX) {
		items_ctx_t ic = { r, w };
		sess_put_rec(w, prev, hi, M_ITEMS);
		wb_varint(w, c);
		recon_tree_visit(r->set, r->set->root, lo, hi, items_one, &ic);
	} else if (c > RECON_LIST_MAX) {
		if ((rc = sess_put_split(r, w, prev, lo, hi, c, r0, sum, 0)) != 0)
			return rc;
	}
	if (w->len > mark && w->len + RECON_RESERVE <= r->cap)
		return 0;
	/* a bounce: our fingerprint, so the initiator splits or lists */
	w->len = mark;
	*prev = pmark;
	sess_fp_of(r, sum, c, fp);
	sess_put_rec(w, prev, hi, M_FP);
	wb_put(w, fp, sizeof fp);
	if (w->len + RECON_RESERVE <= r->cap)
		return 0;
	w->len = mark;
	*prev = pmark;
	*stop = 1;
	return 0;
}

int sess_resp_step(recon_t *r, rbuf_t *in, uint8_t **out, size_t *outlen)
{
	wbuf_t w = { 0 };
	bound_t prev, hi, oprev, cov;
	int rc = 0, stop = 0;

	memset(&prev, 0, sizeof prev);
	memset(&oprev, 0, sizeof oprev);
	memset(&cov, 0, sizeof cov);
	r->mvalid = 0;
	if (in->len < 1 || in->p[0] != (r->started ? H_NEXT : H_FIRST)) {
		rc = WIEC_ERR_PROTO;
		goto fail;
	}
	in->off = 1;
	if (!r->started) {
		const uint8_t *q = rb_take(in, RECON_NONCE_BYTES);
		if (q == NULL) {
			rc = WIEC_ERR_PROTO;
			goto fail;
		}
		memcpy(r->nonce, q, RECON_NONCE_BYTES);
		r->started = 1;
	}
	if (r->rounds >= RECON_MAX_ROUNDS) {
		rc = WIEC_ERR_TOO_BIG;
		goto fail;
	}
	r->rounds++;
	wb_byte(&w, H_REPLY);
	/* Records must cover the key space without gaps, so matched ranges
	 * become SKIPs, written lazily: cov is how far we have answered,
	 * oprev how far we have written. */
	while (in->off < in->len) {
		const uint8_t *q;
		uint64_t m, c;
		uint8_t fp[RECON_FP_BYTES];
		int mode;

		if (rb_record(in, &prev, &hi, &mode) != 0) {
			rc = WIEC_ERR_PROTO;
			goto fail;
		}
		switch (mode) {
		case M_SKIP:
			break;
		case M_FP:
			if ((q = rb_take(in, RECON_FP_BYTES)) == NULL) {
				rc = WIEC_ERR_PROTO;
				goto fail;
			}
			if (stop)
				break;
			sess_range_fp(r, &prev, &hi, fp, &c);
			if (sodium_memcmp(fp, q, RECON_FP_BYTES) == 0)
				break;
			if (bound_cmp(&oprev, &prev) != 0)
				sess_put_rec(&w, &oprev, &prev, M_SKIP);
			if ((rc = resp_fp(r, &w, &oprev, &prev, &hi, &stop)) != 0)
				goto fail;
			break;
		case M_LIST:
			if (rb_varint(in, &m) != 0 || m > RECON_WIRE_LIST_MAX ||
			    (q = rb_take(in, (size_t)m * RECON_SID_BYTES)) == NULL) {
				rc = WIEC_ERR_PROTO;
				goto fail;
			}
			if (stop)
				break;
			if (bound_cmp(&oprev, &prev) != 0)
				sess_put_rec(&w, &oprev, &prev, M_SKIP);
			if ((rc = resp_list(r, &w, &oprev, &prev, &hi, q, (size_t)m, &stop)) != 0)
				goto fail;
			break;
		default:
			rc = WIEC_ERR_PROTO;
			goto fail;
		}
		if (!stop)
			cov = hi;
		prev = hi;
	}
	if (bound_cmp(&oprev, &cov) < 0)
		sess_put_rec(&w, &oprev, &cov, M_SKIP);
	if (w.oom) {
		rc = WIEC_ERR_NOMEM;
		goto fail;
	}
	*out = w.p;
	*outlen = w.len;
	return 0;
fail:
	free(w.p);
	return rc;
}

