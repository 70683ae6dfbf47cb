/* fetch.c: fetch scheduling: the authors queued per link, the claims that
 * keep each author's fetch on one link, and the Wants in flight. */
#include <stdlib.h>
#include <string.h>

#include "node/node_int.h"

static int queue_room(link_t *l)
{
	if (l->qn == l->qcap) {
		size_t cap = l->qcap ? 2 * l->qcap : 64;
		range_t *q = realloc(l->queue, cap * sizeof *q);

		if (q == NULL)
			return -1;
		l->queue = q;
		l->qcap = cap;
	}
	return 0;
}

/* Events of author held now (0 if none, or the store cannot say). */
static uint64_t held_of(node_t *n, const uint8_t *author)
{
	store_head_t h;

	return store_head(n->store, author, &h) == 0 ? h.count : 0;
}

/* Each author's fetch runs on one link at a time: whatever it brings, the
 * next reconciliation compares again. A claim that brought no event for
 * SYNC_TIMEOUT_MS (its link went quiet, or answers with what we hold) is
 * taken over. */
void fetch_want_range(node_t *n, link_t *l, const uint8_t *author, uint64_t target)
{
	amap_val_t *c = amap_get(n->claims, author), v;
	uint64_t now = node_now_ms();
	range_t *r;

	if (c != NULL && now - c->since < SYNC_TIMEOUT_MS) {
		if (c->peer != (int)(l - n->links) || c->target >= target)
			return;
		/* Ours already: it asks for everything we lack anyway. */
		c->target = target;
		return;
	}
	/* Bounded: a member's Haves naming heads nobody has once grew the
	 * queue and the claims to 1.7 GB. What is not queued now, the next
	 * reconciliation finds again (pulls repair). */
	if (l->qn >= SYNC_QUEUE_MAX)
		return;
	v.target = target;
	v.since = now;
	v.held = held_of(n, author);
	v.peer = (int)(l - n->links);
	if (queue_room(l) != 0 || amap_put(n->claims, author, &v) != 0)
		return;
	r = &l->queue[l->qn++];
	memset(r, 0, sizeof *r);
	memcpy(r->author, author, KEY_PK_BYTES);
	r->target = target;
}

void fetch_requeue(node_t *n, link_t *l, const range_t *r)
{
	amap_val_t *c = amap_get(n->claims, r->author);
	uint64_t held;

	/* Only progress keeps the claim: a member answering every Want with
	 * "more" and events we hold once kept an author's fetch to itself for
	 * as long as it liked, and every honest link's difference unfetched. */
	if (c != NULL && c->peer == (int)(l - n->links) && (held = held_of(n, r->author)) > c->held) {
		c->since = node_now_ms();
		c->held = held;
	}
	if (queue_room(l) != 0)
		return;
	memmove(l->queue + 1, l->queue, l->qn * sizeof *l->queue);
	l->qn++;
	l->queue[0] = *r;
}

void fetch_unclaim(node_t *n, link_t *l, const uint8_t *author)
{
	amap_val_t *c = amap_get(n->claims, author);

	if (c != NULL && c->peer == (int)(l - n->links))
		amap_del(n->claims, author);
}

/* Sends Wants while fewer than SYNC_INFLIGHT are outstanding. Each range
 * carries what we hold of its author, planned now (store_want_plan): our
 * latest event, or after a fork or an unknown answer a locator. */
void fetch_pump(node_t *n, link_t *l)
{
	int via = link_via(l);

	while (via >= 0 && l->qn > 0 && l->nin < SYNC_INFLIGHT) {
		Wiec__SyncMsg m = WIEC__SYNC_MSG__INIT;
		Wiec__Want w = WIEC__WANT__INIT;
		size_t k = l->qn < SYNC_WANT_MAX ? l->qn : SYNC_WANT_MAX, used = 0;
		Wiec__WantRange *rs = calloc(k, sizeof *rs), **rp = calloc(k, sizeof *rp);
		ProtobufCBinaryData *hv = calloc(k * SYNC_HAVE_IDS, sizeof *hv);
		uint8_t *ids = malloc(k * SYNC_HAVE_IDS * HASH_BYTES);
		want_t *iw = &l->inflight[l->nin];
		int sent;

		iw->r = malloc(k * sizeof *iw->r);
		if (rs == NULL || rp == NULL || hv == NULL || ids == NULL || iw->r == NULL) {
			free(iw->r);
			free(rs);
			free(rp);
			free(hv);
			free(ids);
			return;
		}
		memcpy(iw->r, l->queue, k * sizeof *iw->r);
		iw->n = k;
		iw->id = ++n->next_want_id;
		iw->sent = node_now_ms();
		for (size_t i = 0; i < k; i++) {
			range_t *r = &iw->r[i];
			uint8_t *have = ids + i * SYNC_HAVE_IDS * HASH_BYTES;
			size_t nhave = 0;
			uint64_t from = 1;

			if (store_want_plan(n->store, r->author, r->target, r->retry, have,
			    SYNC_HAVE_IDS, &nhave, &from) != 0)
				nhave = 0, from = 1;	/* ask for everything: duplicates cost only bytes */
			wiec__want_range__init(&rs[i]);
			rs[i].author.data = r->author;
			rs[i].author.len = KEY_PK_BYTES;
			rs[i].from = from;
			rs[i].n_have = nhave;
			rs[i].have = hv + used;
			for (size_t j = 0; j < nhave; j++) {
				hv[used + j].data = have + j * HASH_BYTES;
				hv[used + j].len = HASH_BYTES;
			}
			used += nhave;
			if (r->after_seq != 0) {
				rs[i].after_seq = r->after_seq;
				rs[i].after_id.data = r->after_id;
				rs[i].after_id.len = HASH_BYTES;
			}
			rp[i] = &rs[i];
		}
		w.n_ranges = k;
		w.ranges = rp;
		w.id = iw->id;
		m.msg_case = WIEC__SYNC_MSG__MSG_WANT;
		m.want = &w;
		sent = link_send(n, l, via, &m) == 0;
		free(rs);
		free(rp);
		free(hv);
		free(ids);
		if (!sent) {
			free(iw->r);
			return;
		}
		memmove(l->queue, l->queue + k, (l->qn - k) * sizeof *l->queue);
		l->qn -= k;
		l->nin++;
	}
}

void fetch_drop_want(link_t *l, size_t i)
{
	free(l->inflight[i].r);
	memmove(&l->inflight[i], &l->inflight[i + 1], (l->nin - i - 1) * sizeof *l->inflight);
	l->nin--;
}
