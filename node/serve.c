/* serve.c: what we send peers: answers to Wants, and Haves. */
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/node_int.h"
#include "node/repeats.h"

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

static int send_events(node_t *n, link_t *l, int via, const envlist_t *e, uint64_t want,
    int more, ProtobufCBinaryData *unknown, size_t nunknown)
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
	ev.n_unknown = nunknown;
	ev.unknown = unknown;
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

/* again[i]: range i names an author an earlier range of w names. An author
 * is answered once per Want: 512 copies of one range on a forked chain
 * once cost 2 s of walking for about 54 KB. */
static int repeated(const Wiec__Want *w, uint8_t *again)
{
	const uint8_t **keys = malloc((w->n_ranges ? w->n_ranges : 1) * sizeof *keys);
	int rc;

	if (keys == NULL)
		return WIEC_ERR_NOMEM;
	for (size_t i = 0; i < w->n_ranges; i++)
		keys[i] = w->ranges[i]->author.data;
	rc = repeats_mark(keys, w->n_ranges, again);
	free(keys);
	return rc;
}

/* Per range, in order: what the peer lacks of the author given the ids it
 * holds (store_scan_missing), until SYNC_EVENTS_CAP bytes; `more` if cut.
 * A range whose ids we know none of (and from > 1) is named in `unknown`:
 * the peer asks again with a locator. A damaged event stops the answer
 * and is reported: serving it would get us refused forever. */
static void answer(node_t *n, link_t *l, int via, const Wiec__Want *w)
{
	envlist_t e = { .limit = SYNC_EVENTS_CAP };
	ProtobufCBinaryData *unknown = calloc(w->n_ranges ? w->n_ranges : 1, sizeof *unknown);
	uint8_t *have = malloc(SYNC_HAVE_IDS * HASH_BYTES);
	uint8_t *again = calloc(w->n_ranges ? w->n_ranges : 1, 1);
	size_t nunknown = 0;
	int more = 0;

	if (unknown == NULL || have == NULL || again == NULL || repeated(w, again) != 0)
		goto out;
	for (size_t i = 0; i < w->n_ranges && !more; i++) {
		const Wiec__WantRange *r = w->ranges[i];
		size_t known = 0, walked = 0, j;
		int rc;

		if (again[i])
			continue;
		for (j = 0; j < r->n_have; j++)
			memcpy(have + j * HASH_BYTES, r->have[j].data, HASH_BYTES);
		rc = store_scan_missing(n->store, r->author.data, r->from, have, r->n_have,
		    r->after_seq, r->after_id.len ? r->after_id.data : NULL, &known, &walked,
		    collect, &e);
		/* The walk is work like bytes: charged to the answer budget. */
		l->answer_budget -= (double)walked * SYNC_WALK_COST;
		if (rc == 1) {
			more = 1;
		} else if (rc != 0) {
			char k[KEY_TEXT_BYTES], hex[HASH_HEX_BYTES] = "?";
			uint8_t bad[HASH_BYTES];

			if (rc == WIEC_ERR_CORRUPT && store_corrupt_id(n->store, bad) == 0)
				hash_hex(hex, bad, HASH_BYTES);
			node_log(n, 'E', "cannot serve events of %s: %s (event %s); not serving it",
			    node_short_key(k, r->author.data), wiec_strerror(rc), hex);
			more = 0;
			break;
		} else if (r->from > 1 && r->n_have > 0 && known == 0) {
			unknown[nunknown].data = r->author.data;
			unknown[nunknown++].len = KEY_PK_BYTES;
		}
	}
	l->answer_budget -= (double)e.bytes;
	send_events(n, l, via, &e, w->id, more, unknown, nunknown);
out:
	free(unknown);
	free(have);
	free(again);
	envlist_free(&e);
}

void serve_charge(link_t *l, size_t bytes)
{
	l->answer_budget -= (double)bytes;
}

void serve_want(node_t *n, link_t *l, int via, const Wiec__Want *w)
{
	deferred_t *d;
	size_t len;

	if (l->ndefer == 0 && budget(l) >= 0) {
		answer(n, l, via, w);
		return;
	}
	/* An honest peer has at most SYNC_INFLIGHT Wants outstanding. */
	if (l->ndefer == SYNC_DEFER_MAX) {
		l->dropped++;
		n->dropped++;
		return;
	}
	d = &l->defer[l->ndefer];
	len = wiec__want__get_packed_size(w);
	if ((d->want = malloc(len ? len : 1)) == NULL ||
	    wiec__want__pack(w, d->want) != len) {
		free(d->want);
		d->want = NULL;
		l->dropped++;
		n->dropped++;
		return;
	}
	d->len = len;
	d->via = via;
	l->ndefer++;
}

void serve_tick(node_t *n, link_t *l)
{
	while (l->ndefer > 0 && budget(l) >= 0) {
		deferred_t d = l->defer[0];
		Wiec__Want *w;

		memmove(&l->defer[0], &l->defer[1], (l->ndefer - 1) * sizeof *l->defer);
		l->ndefer--;
		/* Our own packing of a Want wire_decode checked: it unpacks. */
		if ((w = wiec__want__unpack(NULL, d.len, d.want)) != NULL) {
			answer(n, l, d.via, w);
			wiec__want__free_unpacked(w, NULL);
		}
		free(d.want);
	}
}

void serve_forget(link_t *l)
{
	for (size_t i = 0; i < l->ndefer; i++)
		free(l->defer[i].want);
	l->ndefer = 0;
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
