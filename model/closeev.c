/* closeev.c: close statements as events, and the close over a view. */
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "model/ballot.h"
#include "model/closeev.h"
#include "model/closelist.h"
#include "model/process.h"
#include "model/slot.h"
#include "proto/event.h"

int closeev_kind(int content)
{
	return content == WIEC__BODY__CONTENT_CLOSE || content == WIEC__BODY__CONTENT_PREPARE ||
	    content == WIEC__BODY__CONTENT_PROMISE || content == WIEC__BODY__CONTENT_PROPOSAL ||
	    content == WIEC__BODY__CONTENT_COSIGN;
}

const ProtobufCBinaryData *closeev_process(const Wiec__Body *b)
{
	switch (b->content_case) {
	case WIEC__BODY__CONTENT_CLOSE: return &b->close->process;
	case WIEC__BODY__CONTENT_PREPARE: return &b->prepare->process;
	case WIEC__BODY__CONTENT_PROMISE: return &b->promise->process;
	case WIEC__BODY__CONTENT_PROPOSAL: return &b->proposal->process;
	case WIEC__BODY__CONTENT_COSIGN: return &b->cosign->process;
	default: return NULL;
	}
}

static void cp32(uint8_t *dst, const ProtobufCBinaryData *d)
{
	if (d->len == HASH_BYTES)
		memcpy(dst, d->data, HASH_BYTES);
}

static void get_value(close_value_t *v, const Wiec__CloseValue *w)
{
	if (w == NULL)
		return;
	cp32(v->root, &w->root);
	v->count = w->count;
	cp32(v->result, &w->result);
}

static int get_list(uint8_t **dst, size_t *n, const ProtobufCBinaryData *d)
{
	*n = d->len / HASH_BYTES;
	if (*n == 0)
		return 0;
	if ((*dst = malloc(*n * HASH_BYTES)) == NULL)
		return WIEC_ERR_NOMEM;
	memcpy(*dst, d->data, *n * HASH_BYTES);
	return 0;
}

/* A list given inline or by parts (spec/close.md s3). */
static int get_any(const model_view_t *v, const uint8_t *process, uint8_t **dst, size_t *n,
    const ProtobufCBinaryData *inl, const ProtobufCBinaryData *parts)
{
	if (parts->len == 0)
		return get_list(dst, n, inl);
	if (v == NULL)
		return WIEC_ERR_NOTFOUND;
	return closelist_resolve(v, process, parts->data, parts->len / HASH_BYTES, dst, n);
}

int closeev_from_ev(const model_view_t *v, const model_ev_t *e, close_stmt_t *out)
{
	const Wiec__Body *b = e->body;
	size_t nf = 0;
	int rc = 0;

	memset(out, 0, sizeof *out);
	memcpy(out->id, e->id, HASH_BYTES);
	memcpy(out->author, e->author, KEY_PK_BYTES);
	out->seq = e->seq;
	switch (b->content_case) {
	case WIEC__BODY__CONTENT_CLOSE:
		out->kind = CLOSE_CLOSE;
		cp32(out->process, &b->close->process);
		cp32(out->roster, &b->close->roster);
		memcpy(out->round.proposer, e->author, KEY_PK_BYTES);
		rc = get_list(&out->seal, &out->nseal, &b->close->seal);
		break;
	case WIEC__BODY__CONTENT_PREPARE:
		out->kind = CLOSE_PREPARE;
		cp32(out->process, &b->prepare->process);
		cp32(out->roster, &b->prepare->roster);
		out->round.counter = b->prepare->counter;
		memcpy(out->round.proposer, e->author, KEY_PK_BYTES);
		break;
	case WIEC__BODY__CONTENT_PROMISE: {
		const Wiec__Promise *p = b->promise;

		out->kind = CLOSE_PROMISE;
		cp32(out->process, &p->process);
		cp32(out->roster, &p->roster);
		out->round.counter = p->counter;
		cp32(out->round.proposer, &p->proposer);
		if (p->accepted != NULL) {
			out->has_acc = 1;
			out->acc_round.counter = p->accepted->counter;
			cp32(out->acc_round.proposer, &p->accepted->proposer);
			get_value(&out->acc_value, p->accepted->value);
		}
		rc = get_any(v, out->process, &out->seal, &out->nseal, &p->seal, &p->seal_parts);
		break;
	}
	case WIEC__BODY__CONTENT_PROPOSAL: {
		const Wiec__Proposal *p = b->proposal;

		out->kind = CLOSE_PROPOSAL;
		cp32(out->process, &p->process);
		cp32(out->roster, &p->roster);
		out->round.counter = p->counter;
		memcpy(out->round.proposer, e->author, KEY_PK_BYTES);
		get_value(&out->value, p->value);
		if ((rc = get_any(v, out->process, &out->frontier, &nf, &p->frontier,
		    &p->frontier_parts)) == 0 &&
		    (rc = get_list(&out->promises, &out->npromises, &p->promises)) == 0 &&
		    nf != out->value.count)
			rc = WIEC_ERR_DECODE;	/* by parts: the size is known only now */
		break;
	}
	case WIEC__BODY__CONTENT_COSIGN: {
		const Wiec__Cosign *c = b->cosign;

		out->kind = CLOSE_COSIGN;
		cp32(out->process, &c->process);
		cp32(out->roster, &c->roster);
		out->round.counter = c->counter;
		cp32(out->round.proposer, &c->proposer);
		get_value(&out->value, c->value);
		cp32(out->proposal, &c->proposal);
		break;
	}
	default:
		return WIEC_ERR_DECODE;
	}
	if (rc != 0)
		close_stmt_free(out);
	return rc;
}

static void bin(ProtobufCBinaryData *d, const uint8_t *p, size_t n)
{
	d->data = (uint8_t *)p;
	d->len = n;
}

static void put_value(Wiec__CloseValue *w, const close_value_t *v)
{
	wiec__close_value__init(w);
	bin(&w->root, v->root, HASH_BYTES);
	w->count = v->count;
	bin(&w->result, v->result, HASH_BYTES);
}

/* d = the list inline, or the top hashes of l when it is too long. */
static int put_list(ProtobufCBinaryData *inl, ProtobufCBinaryData *parts, const uint8_t *ids,
    size_t n, const closelist_t *l)
{
	if (n <= EV_CLOSE_IDS_MAX) {
		bin(inl, ids, n * HASH_BYTES);
		return 0;
	}
	if (l == NULL || l->top == NULL)
		return WIEC_ERR_TOO_BIG;
	bin(parts, l->top, l->ntop * HASH_BYTES);
	return 0;
}

int closeev_to_body(const close_stmt_t *s, const closelist_t *l, Wiec__Body *b,
    closeev_msg_t *m)
{
	switch (s->kind) {
	case CLOSE_CLOSE:
		wiec__close__init(&m->close);
		bin(&m->close.process, s->process, HASH_BYTES);
		bin(&m->close.roster, s->roster, HASH_BYTES);
		/* Informational, read by no rule: longer seals enter by Promises. */
		if (s->nseal <= EV_CLOSE_IDS_MAX)
			bin(&m->close.seal, s->seal, s->nseal * HASH_BYTES);
		b->content_case = WIEC__BODY__CONTENT_CLOSE;
		b->close = &m->close;
		return 0;
	case CLOSE_PREPARE:
		wiec__prepare__init(&m->prepare);
		bin(&m->prepare.process, s->process, HASH_BYTES);
		bin(&m->prepare.roster, s->roster, HASH_BYTES);
		m->prepare.counter = s->round.counter;
		b->content_case = WIEC__BODY__CONTENT_PREPARE;
		b->prepare = &m->prepare;
		return 0;
	case CLOSE_PROMISE:
		wiec__promise__init(&m->promise);
		bin(&m->promise.process, s->process, HASH_BYTES);
		bin(&m->promise.roster, s->roster, HASH_BYTES);
		m->promise.counter = s->round.counter;
		bin(&m->promise.proposer, s->round.proposer, KEY_PK_BYTES);
		if (put_list(&m->promise.seal, &m->promise.seal_parts, s->seal, s->nseal, l) != 0)
			return WIEC_ERR_TOO_BIG;
		if (s->has_acc) {
			wiec__accepted__init(&m->acc);
			m->acc.counter = s->acc_round.counter;
			bin(&m->acc.proposer, s->acc_round.proposer, KEY_PK_BYTES);
			put_value(&m->v1, &s->acc_value);
			m->acc.value = &m->v1;
			m->promise.accepted = &m->acc;
		}
		b->content_case = WIEC__BODY__CONTENT_PROMISE;
		b->promise = &m->promise;
		return 0;
	case CLOSE_PROPOSAL:
		wiec__proposal__init(&m->proposal);
		bin(&m->proposal.process, s->process, HASH_BYTES);
		bin(&m->proposal.roster, s->roster, HASH_BYTES);
		m->proposal.counter = s->round.counter;
		put_value(&m->v2, &s->value);
		m->proposal.value = &m->v2;
		if (put_list(&m->proposal.frontier, &m->proposal.frontier_parts, s->frontier,
		    s->value.count, l) != 0)
			return WIEC_ERR_TOO_BIG;
		bin(&m->proposal.promises, s->promises, s->npromises * HASH_BYTES);
		b->content_case = WIEC__BODY__CONTENT_PROPOSAL;
		b->proposal = &m->proposal;
		return 0;
	case CLOSE_COSIGN:
		wiec__cosign__init(&m->cosign);
		bin(&m->cosign.process, s->process, HASH_BYTES);
		bin(&m->cosign.roster, s->roster, HASH_BYTES);
		m->cosign.counter = s->round.counter;
		bin(&m->cosign.proposer, s->round.proposer, KEY_PK_BYTES);
		put_value(&m->v2, &s->value);
		m->cosign.value = &m->v2;
		bin(&m->cosign.proposal, s->proposal, HASH_BYTES);
		b->content_case = WIEC__BODY__CONTENT_COSIGN;
		b->cosign = &m->cosign;
		return 0;
	default:
		return WIEC_ERR_ARG;
	}
}

static int by_author_seq(const void *a, const void *b)
{
	const close_stmt_t *x = a, *y = b;
	int c = memcmp(x->author, y->author, KEY_PK_BYTES);

	if (c != 0)
		return c;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return memcmp(x->id, y->id, HASH_BYTES);
}

int closeev_is_owner(const model_view_t *v, const roster_t *r,
    const uint8_t process[static HASH_BYTES], const uint8_t key[static KEY_PK_BYTES])
{
	model_process_t p;
	int rc, own = 0;

	memset(&p, 0, sizeof p);
	rc = model_process_load(v, r, process, &p);
	if (rc == WIEC_ERR_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	/* Through the member (spec/members.md section 4): an owner listed
	 * under a key its member has since rotated away still owns P, and
	 * speaks with its current key. */
	if (p.why == 0) {
		const roster_member_t *m = model_role(r, p.p, MODEL_ROLE_OWNER, key);

		own = m != NULL && memcmp(m->key, key, KEY_PK_BYTES) == 0;
	}
	model_process_free(&p);
	return own;
}

/* An author whose statement at seq is incomplete (a part not held yet):
 * that one and its later ones wait, so every author's statements stay a
 * prefix of its chain (spec/close.md s3). */
typedef struct blocked {
	uint8_t author[KEY_PK_BYTES];
	uint64_t seq;
} blocked_t;

static int is_blocked(const blocked_t *b, size_t nb, const close_stmt_t *s)
{
	for (size_t i = 0; i < nb; i++)
		if (memcmp(b[i].author, s->author, KEY_PK_BYTES) == 0 && s->seq >= b[i].seq)
			return 1;
	return 0;
}

static int in_ids(const model_ids_t *ids, const uint8_t *id)
{
	for (size_t i = 0; ids != NULL && i < ids->n; i++)
		if (memcmp(ids->id[i], id, HASH_BYTES) == 0)
			return 1;
	return 0;
}

static int known(const closeev_log_t *l, const model_ids_t *skip, const uint8_t *id)
{
	for (size_t i = 0; i < l->n; i++)
		if (memcmp(l->st[i].id, id, HASH_BYTES) == 0)
			return 1;
	return in_ids(skip, id);
}

int closeev_load_more(const model_view_t *v, const roster_t *r,
    const uint8_t process[static HASH_BYTES], closeev_log_t *log, model_ids_t *skip,
    model_ids_t *wait, size_t *added)
{
	model_ids_t ids = { 0 };
	blocked_t *blk = NULL;
	close_stmt_t *st = NULL;
	size_t nblk = 0, n = 0, k;
	int rc;

	*added = 0;
	if ((rc = model_ids_collect(v, process, MREF_CLOSE, &ids)) != 0)
		goto out;
	if (ids.n > 0 && ((st = calloc(ids.n, sizeof *st)) == NULL ||
	    (blk = calloc(ids.n, sizeof *blk)) == NULL)) {
		rc = WIEC_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < ids.n; i++) {
		model_ev_t e;

		if (known(log, skip, ids.id[i]))
			continue;
		if (in_ids(wait, ids.id[i])) {
			/* Incomplete when last tried: its author's later ones wait too. */
			memset(&e, 0, sizeof e);
			if ((rc = v->get(v->ctx, ids.id[i], &e)) == 0) {
				memcpy(blk[nblk].author, e.author, KEY_PK_BYTES);
				blk[nblk++].seq = e.seq;
				model_ev_free(&e);
			} else if (rc != WIEC_ERR_NOTFOUND) {
				goto out;
			}
			continue;
		}
		memset(&e, 0, sizeof e);
		rc = v->get(v->ctx, ids.id[i], &e);
		if (rc == WIEC_ERR_NOTFOUND)
			continue;	/* excluded */
		if (rc != 0)
			goto out;
		rc = closeev_kind(e.body->content_case) ? closeev_from_ev(v, &e, &st[n]) :
		    WIEC_ERR_DECODE;
		if (rc == WIEC_ERR_NOTFOUND) {
			memcpy(blk[nblk].author, e.author, KEY_PK_BYTES);
			blk[nblk++].seq = e.seq;
		}
		model_ev_free(&e);
		if (rc == WIEC_ERR_NOTFOUND) {
			/* Incomplete: asked again once the caller empties wait. */
			if (wait != NULL && (rc = model_ids_push(wait, ids.id[i])) != 0)
				goto out;
			continue;
		}
		if (rc == WIEC_ERR_DECODE) {
			if ((rc = model_ids_push(skip, ids.id[i])) != 0)
				goto out;
			continue;	/* ill-formed for good: its parts never change */
		}
		if (rc != 0)
			goto out;
		if (st[n].kind == CLOSE_CLOSE) {
			int own = closeev_is_owner(v, r, process, st[n].author);

			if (own < 0 || !own) {
				close_stmt_free(&st[n]);
				if (own < 0) {
					rc = own;
					goto out;
				}
				if ((rc = model_ids_push(skip, ids.id[i])) != 0)
					goto out;
				continue;
			}
		}
		n++;
	}
	k = 0;
	for (size_t i = 0; i < n; i++) {
		if (is_blocked(blk, nblk, &st[i]))
			close_stmt_free(&st[i]);
		else
			st[k++] = st[i];
	}
	n = k;
	if (n > 0) {
		close_stmt_t *all = realloc(log->st, (log->n + n) * sizeof *all);

		if (all == NULL) {
			rc = WIEC_ERR_NOMEM;
			goto out;
		}
		log->st = all;
		memcpy(all + log->n, st, n * sizeof *st);
		log->n += n;
		*added = n;
		n = 0;
		if (log->n > 1)
			qsort(log->st, log->n, sizeof *log->st, by_author_seq);
	}
	rc = 0;
out:
	for (size_t i = 0; i < n; i++)
		close_stmt_free(&st[i]);
	free(st);
	free(blk);
	model_ids_free(&ids);
	return rc;
}

int closeev_load(const model_view_t *v, const roster_t *r, const uint8_t process[static HASH_BYTES],
    closeev_log_t *out)
{
	model_ids_t skip = { 0 };
	size_t added;
	int rc;

	memset(out, 0, sizeof *out);
	rc = closeev_load_more(v, r, process, out, &skip, NULL, &added);
	model_ids_free(&skip);
	if (rc != 0)
		closeev_log_free(out);
	return rc;
}

void closeev_log_free(closeev_log_t *l)
{
	for (size_t i = 0; i < l->n; i++)
		close_stmt_free(&l->st[i]);
	free(l->st);
	l->st = NULL;
	l->n = 0;
}

void closeev_members(const roster_t *r, uint8_t (*out)[KEY_PK_BYTES])
{
	for (size_t i = 0; i < r->n; i++)
		memcpy(out[i], r->members[i].key, KEY_PK_BYTES);
}

/* The seal, computed once per context: held() answers from it. */
static int ctx_seal(closeev_ctx_t *c)
{
	if (c->sealed)
		return 0;
	c->sealed = 1;
	c->rc = model_tally_seal(c->v, c->process, &c->seal, &c->nseal);
	return c->rc;
}

static int cmp_id(const void *a, const void *b)
{
	return memcmp(a, b, HASH_BYTES);
}

static int env_held(void *ctx, const uint8_t id[static HASH_BYTES])
{
	closeev_ctx_t *c = ctx;

	if (ctx_seal(c) != 0 || c->nseal == 0)
		return 0;
	return bsearch(id, c->seal, c->nseal, HASH_BYTES, cmp_id) != NULL;
}

static int env_seal(void *ctx, uint8_t **ids, size_t *n)
{
	closeev_ctx_t *c = ctx;
	int rc = ctx_seal(c);

	*ids = NULL;
	*n = 0;
	if (rc != 0)
		return rc;
	if (c->nseal == 0)
		return 0;
	if ((*ids = malloc(c->nseal * HASH_BYTES)) == NULL)
		return WIEC_ERR_NOMEM;
	memcpy(*ids, c->seal, c->nseal * HASH_BYTES);
	*n = c->nseal;
	return 0;
}

static int env_tally(void *ctx, const uint8_t *ids, size_t n, uint8_t result[static HASH_BYTES])
{
	closeev_ctx_t *c = ctx;
	static const uint8_t none[1];	/* an empty frontier is not NULL ("every ballot") */
	uint8_t *bytes = NULL;
	size_t len;
	int rc = model_tally_result(c->v, c->process, ids ? ids : none, n, &bytes, &len, result);

	free(bytes);
	return rc;
}

void closeev_ctx_free(closeev_ctx_t *ctx)
{
	free(ctx->seal);
	ctx->seal = NULL;
	ctx->nseal = 0;
	ctx->sealed = 0;
}

void closeev_env(close_env_t *env, closeev_ctx_t *ctx)
{
	ctx->seal = NULL;
	ctx->nseal = 0;
	ctx->sealed = 0;
	ctx->rc = 0;
	env->ctx = ctx;
	env->held = env_held;
	env->seal = env_seal;
	env->tally = env_tally;
}

int closeev_certified_earlier(const model_view_t *v, const uint8_t process[static HASH_BYTES],
    const closeev_log_t *log, const uint8_t current[static HASH_BYTES],
    uint8_t roster[static HASH_BYTES])
{
	uint8_t (*seen)[HASH_BYTES] = calloc(log->n + 1, HASH_BYTES);
	size_t nseen = 0;
	int found = 0, rc = 0;

	if (seen == NULL)
		return WIEC_ERR_NOMEM;
	for (size_t i = 0; i < log->n && !found && rc == 0; i++) {
		const uint8_t *R = log->st[i].roster;
		uint8_t (*members)[KEY_PK_BYTES] = NULL;
		const close_stmt_t **ptr = NULL;
		closeev_log_t l = { 0 };
		closeev_ctx_t ctx;
		close_report_t rep;
		close_env_t env;
		roster_t r;
		size_t k;

		if (memcmp(R, current, HASH_BYTES) == 0)
			continue;
		for (k = 0; k < nseen && memcmp(seen[k], R, HASH_BYTES) != 0; k++)
			;
		if (k < nseen)
			continue;
		memcpy(seen[nseen++], R, HASH_BYTES);
		if ((rc = roster_load_at(v, R, &r)) == WIEC_ERR_NOTFOUND) {
			rc = 0;		/* a state the held changes never reach */
			continue;
		}
		if (rc != 0)
			break;
		memset(&ctx, 0, sizeof ctx);
		memcpy(ctx.process, process, HASH_BYTES);
		ctx.v = v;
		closeev_env(&env, &ctx);
		if ((members = calloc(r.n + 1, KEY_PK_BYTES)) == NULL)
			rc = WIEC_ERR_NOMEM;
		else
			closeev_members(&r, members);
		if (rc == 0)
			rc = closeev_load(v, &r, process, &l);
		if (rc == 0 && (ptr = calloc(l.n + 1, sizeof *ptr)) == NULL)
			rc = WIEC_ERR_NOMEM;
		for (size_t j = 0; rc == 0 && j < l.n; j++)
			ptr[j] = &l.st[j];
		if (rc == 0 && (rc = close_log_audit(ptr, l.n, process, R,
		    (const uint8_t (*)[KEY_PK_BYTES])members, r.n, r.quorum, &env, &rep)) == 0 &&
		    rep.certified) {
			memcpy(roster, R, HASH_BYTES);
			found = 1;
		}
		free(ptr);
		free(members);
		closeev_log_free(&l);
		closeev_ctx_free(&ctx);
		roster_free(&r);
	}
	free(seen);
	return rc != 0 ? rc : found;
}
