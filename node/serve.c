/* serve.c: what we send peers: answers to Wants, Haves, fork proofs. */
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/node_int.h"

typedef struct envlist {
	uint8_t **env;
	size_t *len, n, cap, bytes, limit;
} envlist_t;

static void envlist_free(envlist_t *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->env[i]);
	free(e->env);
	free(e->len);
	memset(e, 0, sizeof *e);
}

static int collect(void *ctx, uint64_t lseq, const uint8_t *env, size_t len)
{
	envlist_t *e = ctx;

	(void)lseq;
	if (e->bytes + len > e->limit || e->n == SYNC_EVENTS_MAX)
		return 1;	/* full: stop the scan */
	if (e->n == e->cap) {
		size_t cap = e->cap ? 2 * e->cap : 256;
		uint8_t **ne = realloc(e->env, cap * sizeof *ne);
		size_t *nl;

		if (ne == NULL)
			return WIEC_ERR_NOMEM;
		e->env = ne;
		if ((nl = realloc(e->len, cap * sizeof *nl)) == NULL)
			return WIEC_ERR_NOMEM;
		e->len = nl;
		e->cap = cap;
	}
	if ((e->env[e->n] = malloc(len)) == NULL)
		return WIEC_ERR_NOMEM;
	memcpy(e->env[e->n], env, len);
	e->len[e->n++] = len;
	e->bytes += len;
	return 0;
}

static int send_events(node_t *n, link_t *l, int via, const envlist_t *e, uint64_t want, int more)
{
	Wiec__SyncMsg m = WIEC__SYNC_MSG__INIT;
	Wiec__Events ev = WIEC__EVENTS__INIT;
	ProtobufCBinaryData *bd = calloc(e->n ? e->n : 1, sizeof *bd);
	int rc;

	if (bd == NULL)
		return -1;
	for (size_t i = 0; i < e->n; i++) {
		bd[i].data = e->env[i];
		bd[i].len = e->len[i];
	}
	ev.n_envelopes = e->n;
	ev.envelopes = bd;
	ev.more = more;
	ev.want = want;
	m.msg_case = WIEC__SYNC_MSG__MSG_EVENTS;
	m.events = &ev;
	if ((rc = link_send(n, l, via, &m)) == 0)
		l->events_out += e->n;
	free(bd);
	return rc;
}

/* The answer budget: a byte bucket per link, so what one member can make
 * us read, copy and queue is bounded in bytes and in time (spec/sync.md,
 * "Limits"). It may go below zero by one answer; answers wait until it is
 * back at zero or above. */
static double budget(link_t *l)
{
	uint64_t now = node_now_ms();

	l->answer_budget += (double)(now - l->answer_at) * SYNC_ANSWER_RATE / 1000.0;
	if (l->answer_budget > SYNC_ANSWER_BURST)
		l->answer_budget = SYNC_ANSWER_BURST;
	l->answer_at = now;
	return l->answer_budget;
}

static void answer(node_t *n, link_t *l, int via, uint64_t id, const range_t *r, size_t nr)
{
	envlist_t e = { .limit = SYNC_EVENTS_CAP };
	int more = 0;

	for (size_t i = 0; i < nr && !more; i++) {
		int rc = store_scan_author(n->store, r[i].author, r[i].from, collect, &e);

		if (rc == 1) {
			more = 1;
		} else if (rc != 0) {
			node_log(n, 'E', "cannot read events to answer a Want: %s", wiec_strerror(rc));
			more = 1;	/* the requester asks again for the rest */
		}
	}
	l->answer_budget -= (double)e.bytes;
	send_events(n, l, via, &e, id, more);
	envlist_free(&e);
}

void serve_want(node_t *n, link_t *l, int via, const Wiec__Want *w)
{
	deferred_t *d;

	if (l->ndefer == 0 && budget(l) >= 0) {
		range_t r[SYNC_WANT_MAX];

		for (size_t i = 0; i < w->n_ranges; i++) {
			memcpy(r[i].author, w->ranges[i]->author.data, KEY_PK_BYTES);
			r[i].from = w->ranges[i]->from;
			r[i].target = 0;
		}
		answer(n, l, via, w->id, r, w->n_ranges);
		return;
	}
	/* An honest peer has at most SYNC_INFLIGHT Wants outstanding. */
	if (l->ndefer == SYNC_DEFER_MAX) {
		l->dropped++;
		n->dropped++;
		return;
	}
	d = &l->defer[l->ndefer];
	if ((d->r = calloc(w->n_ranges, sizeof *d->r)) == NULL) {
		l->dropped++;
		n->dropped++;
		return;
	}
	for (size_t i = 0; i < w->n_ranges; i++) {
		memcpy(d->r[i].author, w->ranges[i]->author.data, KEY_PK_BYTES);
		d->r[i].from = w->ranges[i]->from;
	}
	d->n = w->n_ranges;
	d->id = w->id;
	d->via = via;
	l->ndefer++;
}

void serve_tick(node_t *n, link_t *l)
{
	while (l->ndefer > 0 && budget(l) >= 0) {
		deferred_t d = l->defer[0];

		memmove(&l->defer[0], &l->defer[1], (l->ndefer - 1) * sizeof *l->defer);
		l->ndefer--;
		answer(n, l, d.via, d.id, d.r, d.n);
		free(d.r);
	}
}

void serve_forget(link_t *l)
{
	for (size_t i = 0; i < l->ndefer; i++)
		free(l->defer[i].r);
	l->ndefer = 0;
}

/* Pushes our two events at a fork: the proof that freezes the author. */
void serve_fork(node_t *n, link_t *l, const store_head_t *h)
{
	envlist_t e = { .limit = SYNC_EVENTS_CAP };
	int rc;

	if (budget(l) < 0)
		return;		/* a later reconciliation pushes it */
	rc = store_scan_author(n->store, h->author, h->seq, collect, &e);
	if (rc != 0 && rc != 1)
		node_log(n, 'E', "cannot read a fork proof: %s", wiec_strerror(rc));
	else if (e.n > 0)
		send_events(n, l, link_via(l), &e, 0, 0);
	l->answer_budget -= (double)e.bytes;
	envlist_free(&e);
}

/* Tells one link, on connection via, which heads we hold (Have messages
 * of at most SYNC_HAVE_MAX heads each). */
void serve_have_to(node_t *n, link_t *l, int via, const store_head_t *heads, size_t nh)
{
	for (size_t off = 0; off < nh; off += SYNC_HAVE_MAX) {
		Wiec__SyncMsg m = WIEC__SYNC_MSG__INIT;
		Wiec__Have h = WIEC__HAVE__INIT;
		size_t k = nh - off < SYNC_HAVE_MAX ? nh - off : SYNC_HAVE_MAX;
		Wiec__HaveHead *hs = calloc(k, sizeof *hs), **hp = calloc(k, sizeof *hp);

		if (hs == NULL || hp == NULL) {
			free(hs);
			free(hp);
			return;
		}
		for (size_t i = 0; i < k; i++) {
			wiec__have_head__init(&hs[i]);
			hs[i].author.data = (uint8_t *)heads[off + i].author;
			hs[i].author.len = KEY_PK_BYTES;
			hs[i].seq = heads[off + i].seq;
			hp[i] = &hs[i];
		}
		h.n_heads = k;
		h.heads = hp;
		m.msg_case = WIEC__SYNC_MSG__MSG_HAVE;
		m.have = &h;
		link_send(n, l, via, &m);
		free(hs);
		free(hp);
	}
}

/* Tells every link but skip (the one the heads came from). */
void serve_have(node_t *n, link_t *skip, const store_head_t *heads, size_t nh)
{
	for (size_t i = 0; i < n->nlinks; i++)
		if (&n->links[i] != skip && link_via(&n->links[i]) >= 0)
			serve_have_to(n, &n->links[i], link_via(&n->links[i]), heads, nh);
}
