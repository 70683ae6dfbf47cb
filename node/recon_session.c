/* recon_session.c: a reconciliation session of node/recon.h (spec/recon.md):
 * its life, its ranges and records, and the initiator's side (the
 * responder's is recon_resp.c). Sessions never keep node indices across
 * calls: they remember key bounds only, which is why the set may change
 * between steps. */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/recon_sess.h"

void sess_sid_of(recon_t *r, const uint64_t hl[4], uint8_t sid[RECON_SID_BYTES])
{
	uint8_t h[32], o[32] = { 0 };

	limbs_to_h(hl, h);
	if (crypto_generichash(o, sizeof o, h, sizeof h, r->nonce, sizeof r->nonce) != 0)
		r->crypto_failed = 1;
	memcpy(sid, o, RECON_SID_BYTES);
}

void sess_fp_of(recon_t *r, const uint64_t sum[4], uint64_t cnt, uint8_t fp[RECON_FP_BYTES])
{
	if (recon_fp_of(sum, cnt, fp) != 0) {
		memset(fp, 0, RECON_FP_BYTES);
		r->crypto_failed = 1;
	}
}

static void prefix_at(recon_t *r, const bound_t *b, uint64_t sum[4], uint64_t *cnt)
{
	if (r->mvalid && bound_cmp(&r->mb, b) == 0) {
		memcpy(sum, r->msum, 32);
		*cnt = r->mcnt;
		return;
	}
	recon_tree_prefix(r->set, b, sum, cnt);
	r->mb = *b;
	memcpy(r->msum, sum, 32);
	r->mcnt = *cnt;
	r->mvalid = 1;
}

/* Count, sum and rank of the first item of [lo, hi). */
void sess_range_stats(recon_t *r, const bound_t *lo, const bound_t *hi,
    uint64_t sum[4], uint64_t *cnt, uint64_t *rank0)
{
	uint64_t sl[4], cl;

	prefix_at(r, lo, sl, &cl);
	prefix_at(r, hi, sum, cnt);
	u256_sub(sum, sl);
	*cnt -= cl;
	*rank0 = cl;
}

void sess_range_fp(recon_t *r, const bound_t *lo, const bound_t *hi,
    uint8_t fp[RECON_FP_BYTES], uint64_t *cnt)
{
	uint64_t sum[4], r0;

	sess_range_stats(r, lo, hi, sum, cnt, &r0);
	sess_fp_of(r, sum, *cnt, fp);
}

/* Children of a split of c items: k from spec/recon.md. */
static uint32_t split_k(uint64_t c)
{
	uint64_t p = (uint64_t)RECON_LEAF * RECON_BMAX;
	unsigned j = 1;
	uint32_t k;

	while (p < c) {
		p *= RECON_BMAX;
		j++;
	}
	for (k = 2; k < RECON_BMAX; k++) {
		uint64_t q = RECON_LEAF;
		for (unsigned i = 0; i < j; i++)
			q *= k;
		if (q >= c)
			break;
	}
	return k;
}

/* Writes one record header and moves *prev to hi. */
void sess_put_rec(wbuf_t *w, bound_t *prev, const bound_t *hi, int mode)
{
	wb_bound(w, prev, hi);
	wb_byte(w, (uint8_t)mode);
	*prev = *hi;
}

/* Splits [lo, hi) holding c > RECON_LIST_MAX items, the first at rank r0
 * and summing to sum, into FP records; with record set also notes them as
 * sent. */
int sess_put_split(recon_t *r, wbuf_t *w, bound_t *prev, const bound_t *lo,
    const bound_t *hi, uint64_t c, uint64_t r0, const uint64_t sum[4], int record)
{
	uint32_t k = split_k(c);
	uint64_t plo[4], pcur[4], pnext[4], rprev = r0, n;
	bound_t clo = *lo, chi;
	int rc;

	recon_tree_prefix(r->set, lo, plo, &n);
	memcpy(pcur, plo, sizeof pcur);
	for (uint32_t i = 1; i <= k; i++) {
		uint64_t ri = r0 + (i * c) / k, csum[4];
		uint8_t fp[RECON_FP_BYTES];

		if (i == k) {
			chi = *hi;
			memcpy(pnext, plo, sizeof pnext);
			u256_add(pnext, sum);
		} else {
			uint32_t a, b;
			memset(pnext, 0, sizeof pnext);
			a = recon_tree_select(r->set, ri - 1, NULL);
			b = recon_tree_select(r->set, ri, pnext);
			bound_between(r->set->n[a].key, r->set->n[b].key, &chi);
		}
		memcpy(csum, pnext, sizeof csum);
		u256_sub(csum, pcur);
		sess_fp_of(r, csum, ri - rprev, fp);
		sess_put_rec(w, prev, &chi, M_FP);
		wb_put(w, fp, sizeof fp);
		if (record) {
			if ((rc = mem_grow((void **)&r->sent, &r->scap, r->sn + 1, sizeof *r->sent)) != 0)
				return rc;
			r->sent[r->sn].lo = clo;
			r->sent[r->sn].hi = chi;
			r->sent[r->sn].mode = M_FP;
			r->sent[r->sn].loff = r->sent[r->sn].ln = 0;
			r->sn++;
		}
		memcpy(pcur, pnext, sizeof pcur);
		rprev = ri;
		clo = chi;
	}
	return 0;
}

recon_t *recon_new(const recon_set_t *set, int initiator, size_t msg_cap)
{
	recon_t *r;

	if (set == NULL)
		return NULL;
	if (msg_cap == 0)
		msg_cap = RECON_DEFAULT_CAP;
	if (msg_cap < RECON_MIN_CAP)
		return NULL;
	r = calloc(1, sizeof *r);
	if (r == NULL)
		return NULL;
	r->set = set;
	r->initiator = initiator != 0;
	r->cap = msg_cap;
	if (r->initiator)
		randombytes_buf(r->nonce, sizeof r->nonce);
	return r;
}

int recon_set_nonce(recon_t *r, const uint8_t nonce[static RECON_NONCE_BYTES])
{
	if (r == NULL || nonce == NULL || !r->initiator || r->started)
		return WIEC_ERR_ARG;
	memcpy(r->nonce, nonce, RECON_NONCE_BYTES);
	return 0;
}

void recon_destroy(recon_t **p)
{
	recon_t *r;

	if (p == NULL || *p == NULL)
		return;
	r = *p;
	free(r->q);
	free(r->sent);
	free(r->lst);
	free(r->diff);
	free(r->out);
	free(r);
	*p = NULL;
}

unsigned recon_rounds(const recon_t *r)
{
	return r ? r->rounds : 0;
}

/* ---- initiator ---- */

typedef struct collect {
	recon_t *r;
	int rc;
} collect_t;

static int collect_listed(void *ctx, const rnode_t *x)
{
	collect_t *c = ctx;
	recon_t *r = c->r;
	listed_t *l;

	if ((c->rc = mem_grow((void **)&r->lst, &r->lcap, r->ln + 1, sizeof *r->lst)) != 0)
		return 1;
	l = &r->lst[r->ln++];
	memcpy(l->key, x->key, 32);
	l->seq = x->seq;
	sess_sid_of(r, x->h, l->sid);
	return 0;
}

static int push_sent(recon_t *r, const bound_t *lo, const bound_t *hi, int mode,
    size_t loff, size_t ln)
{
	int rc = mem_grow((void **)&r->sent, &r->scap, r->sn + 1, sizeof *r->sent);

	if (rc != 0)
		return rc;
	r->sent[r->sn].lo = *lo;
	r->sent[r->sn].hi = *hi;
	r->sent[r->sn].mode = mode;
	r->sent[r->sn].loff = loff;
	r->sent[r->sn].ln = ln;
	r->sn++;
	return 0;
}

/* Writes the records for one pending range. */
static int init_action(recon_t *r, wbuf_t *w, bound_t *prev, const action_t *a)
{
	uint64_t sum[4], c, r0;
	int rc;

	sess_range_stats(r, &a->lo, &a->hi, sum, &c, &r0);
	if (a->kind == ACT_FP && c > 0) {
		uint8_t fp[RECON_FP_BYTES];
		sess_fp_of(r, sum, c, fp);
		sess_put_rec(w, prev, &a->hi, M_FP);
		wb_put(w, fp, sizeof fp);
		return push_sent(r, &a->lo, &a->hi, M_FP, 0, 0);
	}
	if (c <= RECON_LIST_MAX) {
		collect_t cc = { r, 0 };
		size_t off = r->ln;

		recon_tree_visit(r->set, r->set->root, &a->lo, &a->hi, collect_listed, &cc);
		if (cc.rc != 0)
			return cc.rc;
		sess_put_rec(w, prev, &a->hi, M_LIST);
		wb_varint(w, r->ln - off);
		for (size_t i = off; i < r->ln; i++)
			wb_put(w, r->lst[i].sid, RECON_SID_BYTES);
		return push_sent(r, &a->lo, &a->hi, M_LIST, off, r->ln - off);
	}
	rc = sess_put_split(r, w, prev, &a->lo, &a->hi, c, r0, sum, 1);
	return rc;
}

/* Builds the next message from the queue, as much as fits; the rest stays
 * queued. */
static int init_build(recon_t *r, int first, uint8_t **msg, size_t *len)
{
	wbuf_t w = { 0 };
	bound_t prev;
	size_t i;
	int rc = 0;

	memset(&prev, 0, sizeof prev);
	r->sn = 0;
	r->ln = 0;
	r->mvalid = 0;
	if (r->rounds >= RECON_MAX_ROUNDS)
		return WIEC_ERR_TOO_BIG;
	wb_byte(&w, first ? H_FIRST : H_NEXT);
	if (first)
		wb_put(&w, r->nonce, sizeof r->nonce);
	for (i = 0; i < r->qn; i++) {
		size_t mark = w.len, sn = r->sn, ln = r->ln;
		bound_t pmark = prev;

		if (bound_cmp(&prev, &r->q[i].lo) != 0)
			sess_put_rec(&w, &prev, &r->q[i].lo, M_SKIP);
		if ((rc = init_action(r, &w, &prev, &r->q[i])) != 0)
			goto fail;
		if (w.len > r->cap && i > 0) {
			w.len = mark;
			r->sn = sn;
			r->ln = ln;
			prev = pmark;
			break;
		}
	}
	if (w.oom) {
		rc = WIEC_ERR_NOMEM;
		goto fail;
	}
	memmove(r->q, r->q + i, (r->qn - i) * sizeof *r->q);
	r->qn -= i;
	r->rounds++;
	*msg = w.p;
	*len = w.len;
	return 0;
fail:
	free(w.p);
	return rc;
}

int recon_start(recon_t *r, uint8_t **msg, size_t *len)
{
	int rc;

	if (r == NULL || msg == NULL || len == NULL || !r->initiator || r->started)
		return WIEC_ERR_ARG;
	*msg = NULL;
	*len = 0;
	r->started = 1;
	if ((rc = mem_grow((void **)&r->q, &r->qcap, 1, sizeof *r->q)) != 0)
		goto fail;
	memset(&r->q[0], 0, sizeof r->q[0]);
	r->q[0].hi.inf = 1;
	r->q[0].kind = ACT_FP;
	r->qn = 1;
	if ((rc = init_build(r, 1, msg, len)) != 0)
		goto fail;
	if (r->crypto_failed) {
		free(*msg);
		*msg = NULL;
		*len = 0;
		rc = WIEC_ERR_CRYPTO;
		goto fail;
	}
	return 0;
fail:
	r->err = rc;
	return rc;
}

static int add_diff(recon_t *r, const uint8_t *key, int local, uint64_t lseq, int remote, uint64_t rseq)
{
	dent_t *e;
	int rc = mem_grow((void **)&r->diff, &r->dcap, r->dn + 1, sizeof *r->diff);

	if (rc != 0)
		return rc;
	e = &r->diff[r->dn];
	memset(e, 0, sizeof *e);
	memcpy(e->d.key, key, 32);
	e->d.local = local;
	e->d.remote = remote;
	e->d.local_seq = local ? lseq : 0;
	e->d.remote_seq = remote ? rseq : 0;
	e->order = r->dn++;
	return 0;
}

typedef struct ritem {
	const uint8_t *key;
	uint64_t seq;
	const uint8_t *sid;	/* NULL in DIFF extras */
} ritem_t;

/* Parses n items (key, seq[, sid]) that must ascend strictly inside
 * [lo, hi). */
static int parse_items(rbuf_t *in, uint64_t n, int with_sid, const bound_t *lo,
    const bound_t *hi, ritem_t **out)
{
	size_t min = 33 + (with_sid ? RECON_SID_BYTES : 0);
	ritem_t *it;

	*out = NULL;
	if (n > (in->len - in->off) / min)
		return WIEC_ERR_PROTO;
	if (n == 0)
		return 0;
	it = calloc((size_t)n, sizeof *it);
	if (it == NULL)
		return WIEC_ERR_NOMEM;
	for (uint64_t i = 0; i < n; i++) {
		if ((it[i].key = rb_take(in, 32)) == NULL || rb_varint(in, &it[i].seq) != 0)
			goto bad;
		if (with_sid && (it[i].sid = rb_take(in, RECON_SID_BYTES)) == NULL)
			goto bad;
		if (memcmp(it[i].key, lo->k, 32) < 0 || !key_lt(it[i].key, hi))
			goto bad;
		if (i > 0 && memcmp(it[i - 1].key, it[i].key, 32) >= 0)
			goto bad;
	}
	*out = it;
	return 0;
bad:
	free(it);
	return WIEC_ERR_PROTO;
}

typedef struct merge_ctx {
	recon_t *r;
	const ritem_t *it;
	uint64_t n, i;
	int rc;
} merge_ctx_t;

static int merge_one(void *ctx, const rnode_t *x)
{
	merge_ctx_t *m = ctx;
	recon_t *r = m->r;

	while (m->i < m->n && memcmp(m->it[m->i].key, x->key, 32) < 0) {
		if ((m->rc = add_diff(r, m->it[m->i].key, 0, 0, 1, m->it[m->i].seq)) != 0)
			return 1;
		m->i++;
	}
	if (m->i < m->n && memcmp(m->it[m->i].key, x->key, 32) == 0) {
		uint8_t sid[RECON_SID_BYTES];
		sess_sid_of(r, x->h, sid);
		if (x->seq != m->it[m->i].seq || memcmp(sid, m->it[m->i].sid, sizeof sid) != 0)
			m->rc = add_diff(r, x->key, 1, x->seq, 1, m->it[m->i].seq);
		m->i++;
	} else {
		m->rc = add_diff(r, x->key, 1, x->seq, 0, 0);
	}
	return m->rc != 0;
}

/* ITEMS: the peer's whole content of [lo, hi). */
static int resolve_items(recon_t *r, const bound_t *lo, const bound_t *hi,
    const ritem_t *it, uint64_t n)
{
	merge_ctx_t m = { r, it, n, 0, 0 };

	recon_tree_visit(r->set, r->set->root, lo, hi, merge_one, &m);
	if (m.rc != 0)
		return m.rc;
	for (; m.i < n; m.i++)
		if ((m.rc = add_diff(r, it[m.i].key, 0, 0, 1, it[m.i].seq)) != 0)
			return m.rc;
	return 0;
}

static int ritem_find(const ritem_t *it, uint64_t n, const uint8_t *key)
{
	uint64_t a = 0, b = n;

	while (a < b) {
		uint64_t m = a + (b - a) / 2;
		int c = memcmp(it[m].key, key, 32);
		if (c == 0)
			return (int)m;
		if (c < 0)
			a = m + 1;
		else
			b = m;
	}
	return -1;
}

/* DIFF over [lo, b) answering the LIST s: bit i set means the peer holds
 * listed item i; extras are the peer's items it could not match. */
static int resolve_diff(recon_t *r, const sent_t *s, const bound_t *b,
    const uint8_t *bits, const ritem_t *ex, uint64_t nex)
{
	const listed_t *l = r->lst + s->loff;
	int rc;

	for (size_t i = 0; i < s->ln; i++) {
		int j;
		if (!key_lt(l[i].key, b))
			break;
		j = ritem_find(ex, nex, l[i].key);
		if (bits[i / 8] & (1u << (i % 8))) {
			if (j >= 0)
				return WIEC_ERR_PROTO;	/* held and not held */
			continue;
		}
		rc = j >= 0 ? add_diff(r, l[i].key, 1, l[i].seq, 1, ex[j].seq)
		    : add_diff(r, l[i].key, 1, l[i].seq, 0, 0);
		if (rc != 0)
			return rc;
	}
	for (uint64_t j = 0; j < nex; j++) {
		size_t a = 0, z = s->ln;
		int found = 0;
		while (a < z) {
			size_t m = a + (z - a) / 2;
			int c = memcmp(l[m].key, ex[j].key, 32);
			if (c == 0) {
				found = 1;
				break;
			}
			if (c < 0)
				a = m + 1;
			else
				z = m;
		}
		if (!found && (rc = add_diff(r, ex[j].key, 0, 0, 1, ex[j].seq)) != 0)
			return rc;
	}
	return 0;
}

static size_t queue_max(const recon_t *r)
{
	size_t n = recon_set_size(r->set);

	return RECON_QUEUE_BASE + (n > SIZE_MAX / 4 ? SIZE_MAX / 4 : n) * RECON_QUEUE_PER_ITEM;
}

static int push_action(action_t **q, size_t *qn, size_t *qcap, size_t max, const bound_t *lo,
    const bound_t *hi, int kind)
{
	int rc;

	if (*qn >= max)
		return WIEC_ERR_TOO_BIG;
	if ((rc = mem_grow((void **)q, qcap, *qn + 1, sizeof **q)) != 0)
		return rc;
	(*q)[*qn].lo = *lo;
	(*q)[*qn].hi = *hi;
	(*q)[*qn].kind = kind;
	(*qn)++;
	return 0;
}

static int dent_cmp(const void *a, const void *b)
{
	const dent_t *x = a, *y = b;
	int c = memcmp(x->d.key, y->d.key, 32);

	if (c != 0)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Sorts the differences and keeps the last word on each key. */
static int finish_diffs(recon_t *r)
{
	size_t n = 0;

	free(r->out);
	r->out = NULL;
	r->on = 0;
	if (r->dn == 0)
		return 0;
	qsort(r->diff, r->dn, sizeof *r->diff, dent_cmp);
	r->out = malloc(r->dn * sizeof *r->out);
	if (r->out == NULL)
		return WIEC_ERR_NOMEM;
	for (size_t i = 0; i < r->dn; i++) {
		if (i + 1 < r->dn && memcmp(r->diff[i].d.key, r->diff[i + 1].d.key, 32) == 0)
			continue;
		r->out[n++] = r->diff[i].d;
	}
	r->on = n;
	return 0;
}

static int init_step(recon_t *r, rbuf_t *in, uint8_t **out, size_t *outlen, int *done)
{
	action_t *nq = NULL;
	size_t nqn = 0, nqcap = 0, j = 0, qall = queue_max(r);
	size_t qmax = qall > r->qn ? qall - r->qn : 0;	/* room for new ranges */
	bound_t prev, hi;
	ritem_t *it = NULL;
	int rc = 0;

	memset(&prev, 0, sizeof prev);
	r->mvalid = 0;
	if (in->len < 1 || in->p[0] != H_REPLY) {
		rc = WIEC_ERR_PROTO;
		goto fail;
	}
	in->off = 1;
	while (in->off < in->len) {
		uint64_t n;
		const uint8_t *q;
		const sent_t *s = NULL;
		int mode;

		if (rb_record(in, &prev, &hi, &mode) != 0) {
			rc = WIEC_ERR_PROTO;
			goto fail;
		}
		if (mode != M_SKIP) {
			/* answers must lie inside one range we asked about */
			while (j < r->sn && bound_cmp(&r->sent[j].hi, &prev) <= 0)
				j++;
			if (j == r->sn || bound_cmp(&r->sent[j].lo, &prev) > 0 ||
			    bound_cmp(&hi, &r->sent[j].hi) > 0) {
				rc = WIEC_ERR_PROTO;
				goto fail;
			}
			s = &r->sent[j];
		}
		switch (mode) {
		case M_SKIP:
			break;
		case M_FP: {
			uint8_t fp[RECON_FP_BYTES];
			uint64_t c;
			if ((q = rb_take(in, RECON_FP_BYTES)) == NULL) {
				rc = WIEC_ERR_PROTO;
				goto fail;
			}
			sess_range_fp(r, &prev, &hi, fp, &c);
			if (sodium_memcmp(fp, q, RECON_FP_BYTES) != 0 &&
			    (rc = push_action(&nq, &nqn, &nqcap, qmax, &prev, &hi, ACT_MISMATCH)) != 0)
				goto fail;
			break;
		}
		case M_ITEMS:
			if (rb_varint(in, &n) != 0) {
				rc = WIEC_ERR_PROTO;
				goto fail;
			}
			if ((rc = parse_items(in, n, 1, &prev, &hi, &it)) != 0 ||
			    (rc = resolve_items(r, &prev, &hi, it, n)) != 0)
				goto fail;
			free(it);
			it = NULL;
			break;
		case M_DIFF: {
			const uint8_t *bits;
			size_t nb = (s->ln + 7) / 8;
			if (s->mode != M_LIST || bound_cmp(&s->lo, &prev) != 0 ||
			    (bits = rb_take(in, nb)) == NULL ||
			    (s->ln % 8 && (bits[nb - 1] >> (s->ln % 8))) ||
			    rb_varint(in, &n) != 0) {
				rc = WIEC_ERR_PROTO;
				goto fail;
			}
			if ((rc = parse_items(in, n, 0, &prev, &hi, &it)) != 0 ||
			    (rc = resolve_diff(r, s, &hi, bits, it, n)) != 0)
				goto fail;
			free(it);
			it = NULL;
			break;
		}
		default:
			rc = WIEC_ERR_PROTO;
			goto fail;
		}
		prev = hi;
	}
	/* whatever the reply did not reach is asked again */
	for (size_t i = 0; i < r->sn; i++) {
		const sent_t *s = &r->sent[i];
		if (bound_cmp(&s->hi, &prev) <= 0)
			continue;
		if ((rc = push_action(&nq, &nqn, &nqcap, qmax,
		    bound_cmp(&s->lo, &prev) >= 0 ? &s->lo : &prev, &s->hi,
		    s->mode == M_FP ? ACT_FP : ACT_MISMATCH)) != 0)
			goto fail;
	}
	if (nqn > qmax) {
		rc = WIEC_ERR_TOO_BIG;
		goto fail;
	}
	if ((rc = mem_grow((void **)&nq, &nqcap, nqn + r->qn, sizeof *nq)) != 0)
		goto fail;
	if (r->qn)
		memcpy(nq + nqn, r->q, r->qn * sizeof *nq);
	nqn += r->qn;
	free(r->q);
	r->q = nq;
	r->qn = nqn;
	r->qcap = nqcap;
	nq = NULL;
	if (r->qn == 0) {
		r->sn = r->ln = 0;
		if ((rc = finish_diffs(r)) != 0)
			goto fail;
		r->done = 1;
		*done = 1;
		return 0;
	}
	if ((rc = init_build(r, 0, out, outlen)) != 0)
		goto fail;
	return 0;
fail:
	free(it);
	free(nq);
	return rc;
}

int recon_step(recon_t *r, const uint8_t *in, size_t inlen, uint8_t **out,
    size_t *outlen, int *done)
{
	rbuf_t rb;
	int rc;

	if (r == NULL || (in == NULL && inlen > 0) || out == NULL || outlen == NULL || done == NULL)
		return WIEC_ERR_ARG;
	*out = NULL;
	*outlen = 0;
	*done = 0;
	if (r->err)
		return r->err;
	if (r->initiator && (!r->started || r->done))
		return WIEC_ERR_ARG;
	if (inlen > r->cap) {
		r->err = WIEC_ERR_TOO_BIG;
		return r->err;
	}
	rb.p = in;
	rb.len = inlen;
	rb.off = 0;
	rc = r->initiator ? init_step(r, &rb, out, outlen, done) : sess_resp_step(r, &rb, out, outlen);
	if (rc == 0 && r->crypto_failed) {
		free(*out);
		*out = NULL;
		*outlen = 0;
		*done = 0;
		rc = WIEC_ERR_CRYPTO;
	}
	if (rc != 0)
		r->err = rc;
	return rc;
}

const recon_diff_t *recon_diffs(const recon_t *r, size_t *n)
{
	if (n)
		*n = 0;
	if (r == NULL || n == NULL || r->on == 0)
		return NULL;
	*n = r->on;
	return r->out;
}

