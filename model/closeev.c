/* closeev.c: close statements as events, and the close over a view. */
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "model/ballot.h"
#include "model/closeev.h"
#include "model/process.h"
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

int closeev_from_ev(const model_ev_t *e, close_stmt_t *out)
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
		rc = get_list(&out->seal, &out->nseal, &p->seal);
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
		if ((rc = get_list(&out->frontier, &nf, &p->frontier)) == 0)
			rc = get_list(&out->promises, &out->npromises, &p->promises);
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

int closeev_to_body(const close_stmt_t *s, Wiec__Body *b, closeev_msg_t *m)
{
	if (s->nseal > EV_CLOSE_IDS_MAX || (s->kind == CLOSE_PROPOSAL &&
	    s->value.count > EV_CLOSE_IDS_MAX))
		return WIEC_ERR_TOO_BIG;
	switch (s->kind) {
	case CLOSE_CLOSE:
		wiec__close__init(&m->close);
		bin(&m->close.process, s->process, HASH_BYTES);
		bin(&m->close.roster, s->roster, HASH_BYTES);
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
		bin(&m->promise.seal, s->seal, s->nseal * HASH_BYTES);
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
		bin(&m->proposal.frontier, s->frontier, s->value.count * HASH_BYTES);
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
	for (size_t i = 0; p.why == 0 && i < p.p->n_owners; i++)
		if (p.p->owners[i].len == KEY_PK_BYTES &&
		    memcmp(p.p->owners[i].data, key, KEY_PK_BYTES) == 0)
			own = 1;
	model_process_free(&p);
	return own;
}

int closeev_load(const model_view_t *v, const roster_t *r, const uint8_t process[static HASH_BYTES],
    closeev_log_t *out)
{
	model_ids_t ids = { 0 };
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = model_ids_collect(v, process, MREF_CLOSE, &ids)) != 0)
		goto out;
	if (ids.n > 0 && (out->st = calloc(ids.n, sizeof *out->st)) == NULL) {
		rc = WIEC_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < ids.n; i++) {
		model_ev_t e;

		memset(&e, 0, sizeof e);
		rc = v->get(v->ctx, ids.id[i], &e);
		if (rc == WIEC_ERR_NOTFOUND)
			continue;	/* excluded */
		if (rc != 0)
			goto out;
		rc = closeev_kind(e.body->content_case) ? closeev_from_ev(&e, &out->st[out->n]) :
		    WIEC_ERR_DECODE;
		model_ev_free(&e);
		if (rc == WIEC_ERR_DECODE)
			continue;
		if (rc != 0)
			goto out;
		if (out->st[out->n].kind == CLOSE_CLOSE) {
			int own = closeev_is_owner(v, r, process, out->st[out->n].author);

			if (own < 0) {
				rc = own;
				close_stmt_free(&out->st[out->n]);
				goto out;
			}
			if (!own) {
				close_stmt_free(&out->st[out->n]);
				continue;
			}
		}
		out->n++;
	}
	if (out->n > 1)
		qsort(out->st, out->n, sizeof *out->st, by_author_seq);
	rc = 0;
out:
	model_ids_free(&ids);
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

static int env_held(void *ctx, const uint8_t id[static HASH_BYTES])
{
	closeev_ctx_t *c = ctx;
	model_ev_t e;

	memset(&e, 0, sizeof e);
	if (c->v->get(c->v->ctx, id, &e) != 0)
		return 0;
	model_ev_free(&e);
	return 1;
}

static int env_seal(void *ctx, uint8_t **ids, size_t *n)
{
	closeev_ctx_t *c = ctx;

	return model_tally_seal(c->v, c->process, ids, n);
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

void closeev_env(close_env_t *env, closeev_ctx_t *ctx)
{
	env->ctx = ctx;
	env->held = env_held;
	env->seal = env_seal;
	env->tally = env_tally;
}
