/* fetch.c: fetch scheduling: the segments queued per link, the claims that
 * keep each segment on one link, and the Wants in flight. */
#include <stdlib.h>
#include <string.h>

#include "node/node_int.h"

/* Queues author's segment [from, target] at link l, unless a link already
 * fetches it: each segment should cross one link only. A fetch already
 * claimed by l is extended, not repeated. requeue: l's own segment coming
 * back after a cut answer, which its claim already covers. */
void fetch_want_range(node_t *n, link_t *l, const uint8_t *author, uint64_t from,
    uint64_t target, int requeue)
{
	amap_val_t *c = amap_get(n->claims, author), v;
	uint64_t now = node_now_ms();
	int mine = c != NULL && c->peer == (int)(l - n->links);

	if (c != NULL && !requeue && now - c->since < SYNC_TIMEOUT_MS) {
		if (c->target >= target)
			return;
		if (mine)
			from = c->target + 1 > from ? c->target + 1 : from;
		else if (c->target >= from)
			return;		/* the other link's answer will show the rest */
	}
	v.target = target;
	v.since = now;
	v.peer = (int)(l - n->links);
	if (amap_put(n->claims, author, &v) != 0)
		return;
	if (l->qn == l->qcap) {
		size_t cap = l->qcap ? 2 * l->qcap : 64;
		range_t *q = realloc(l->queue, cap * sizeof *q);

		if (q == NULL)
			return;
		l->queue = q;
		l->qcap = cap;
	}
	if (requeue) {
		memmove(l->queue + 1, l->queue, l->qn * sizeof *l->queue);
		l->qn++;
		memcpy(l->queue[0].author, author, KEY_PK_BYTES);
		l->queue[0].from = from;
		l->queue[0].target = target;
	} else {
		range_t *r = &l->queue[l->qn++];

		memcpy(r->author, author, KEY_PK_BYTES);
		r->from = from;
		r->target = target;
	}
}

void fetch_unclaim(node_t *n, link_t *l, const uint8_t *author)
{
	amap_val_t *c = amap_get(n->claims, author);

	if (c != NULL && c->peer == (int)(l - n->links))
		amap_del(n->claims, author);
}

/* Sends Wants while fewer than SYNC_INFLIGHT are outstanding. */
void fetch_pump(node_t *n, link_t *l)
{
	int via = link_via(l);

	while (via >= 0 && l->qn > 0 && l->nin < SYNC_INFLIGHT) {
		Wiec__SyncMsg m = WIEC__SYNC_MSG__INIT;
		Wiec__Want w = WIEC__WANT__INIT;
		Wiec__WantRange rs[SYNC_WANT_MAX], *rp[SYNC_WANT_MAX];
		size_t k = l->qn < SYNC_WANT_MAX ? l->qn : SYNC_WANT_MAX;
		want_t *iw = &l->inflight[l->nin];

		if ((iw->r = malloc(k * sizeof *iw->r)) == NULL)
			return;
		memcpy(iw->r, l->queue, k * sizeof *iw->r);
		iw->n = k;
		iw->id = ++n->next_want_id;
		iw->sent = node_now_ms();
		for (size_t i = 0; i < k; i++) {
			wiec__want_range__init(&rs[i]);
			rs[i].author.data = iw->r[i].author;
			rs[i].author.len = KEY_PK_BYTES;
			rs[i].from = iw->r[i].from;
			rp[i] = &rs[i];
		}
		w.n_ranges = k;
		w.ranges = rp;
		w.id = iw->id;
		m.msg_case = WIEC__SYNC_MSG__MSG_WANT;
		m.want = &w;
		if (link_send(n, l, via, &m) != 0) {
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
