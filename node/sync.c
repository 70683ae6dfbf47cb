/* sync.c: the sync protocol's message handlers (spec/sync.md) and the
 * ingest of events received from peers or submitted by the CLI. */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "crypto/err.h"
#include "model/closeev.h"
#include "node/node_int.h"
#include "node/repeats.h"

/* ---- ingesting events ---- */

/* The reconciliation item of an author: highest seq and tips value (the
 * digest record, spec/events.md section 7). */
void sync_head_item(recon_item_t *it, const store_head_t *h)
{
	memcpy(it->key, h->author, KEY_PK_BYTES);
	it->seq = h->seq;
	memcpy(it->val, h->tips, HASH_BYTES);
}

/* dup[i]: envelope i is held already, or a copy of an earlier one of the
 * batch. An event's id is the hash of its bytes, so a duplicate costs a
 * hash and a lookup, never a signature check: a member once pushed 16,384
 * copies of a held event per message and kept a node's loop busy for 25 s
 * a turn, never charged (duplicates are not invalid). 0 or an error. */
static int screen_dups(node_t *n, uint8_t *const *envs, const size_t *lens, size_t cnt,
    uint8_t *dup)
{
	uint8_t (*ids)[HASH_BYTES] = malloc((cnt ? cnt : 1) * HASH_BYTES);
	const uint8_t **keys = malloc((cnt ? cnt : 1) * sizeof *keys);
	int rc = WIEC_ERR_NOMEM;

	if (ids == NULL || keys == NULL)
		goto out;
	for (size_t i = 0; i < cnt; i++) {
		hash_2(ids[i], envs[i], lens[i], NULL, 0);
		keys[i] = ids[i];
	}
	if ((rc = store_held_ids(n->store, (const uint8_t (*)[HASH_BYTES])ids, cnt, dup)) != 0)
		goto out;
	rc = repeats_mark(keys, cnt, dup);
out:
	free(ids);
	free(keys);
	return rc;
}

/* Verifies and stores envelopes from src (NULL: the CLI). res (may be NULL)
 * receives each outcome. Tells the other links about heads that moved
 * (Have), or for own posts pushes the events themselves. *heads_out (may
 * be NULL) gets the moved heads (caller frees). */
int sync_ingest(node_t *n, link_t *src, uint8_t *const *envs, const size_t *lens, size_t cnt,
    unsigned flags, int *res, int push)
{
	ev_t *evs = calloc(cnt ? cnt : 1, sizeof *evs), *ok = calloc(cnt ? cnt : 1, sizeof *ok);
	int *rc = calloc(cnt ? cnt : 1, sizeof *rc), *r2 = calloc(cnt ? cnt : 1, sizeof *r2);
	size_t *map = calloc(cnt ? cnt : 1, sizeof *map), m = 0, nk = 0;
	size_t *idx = calloc(cnt ? cnt : 1, sizeof *idx), *klens = calloc(cnt ? cnt : 1, sizeof *klens);
	const uint8_t **kenvs = calloc(cnt ? cnt : 1, sizeof *kenvs);
	uint8_t *dup = calloc(cnt ? cnt : 1, 1);
	store_batch_t b = { .flags = flags };
	int err = 0, invalid = 0, roster = 0;
	size_t direct = 0;

	if (!evs || !ok || !rc || !r2 || !map || !idx || !klens || !kenvs || !dup) {
		err = WIEC_ERR_NOMEM;
		goto out;
	}
	if ((err = screen_dups(n, envs, lens, cnt, dup)) != 0)
		goto out;
	for (size_t i = 0; i < cnt; i++) {
		if (dup[i]) {
			if (res)
				res[i] = STORE_DUP;
			n->dups++;
			continue;
		}
		kenvs[nk] = envs[i];
		klens[nk] = lens[i];
		idx[nk++] = i;
	}
	if ((err = ev_check_batch(evs, rc, kenvs, klens, nk, n->network,
	    NODE_VERIFY_THREADS)) != 0)
		goto out;
	for (size_t j = 0; j < nk; j++) {
		if (res)
			res[idx[j]] = rc[j];
		if (rc[j] != 0) {
			invalid++;
			continue;
		}
		ok[m] = evs[j];
		map[m++] = idx[j];
	}
	/* Pending budgets are per source: local is 0, link i is i + 1. */
	b.source = src ? (uint32_t)(src - n->links) + 1 : 0;
	err = store_ingest_batch(n->store, ok, m, r2, &b);
	if (err != 0) {
		if (err != WIEC_ERR_REPLACED)	/* loop() says it once, stopping */
			node_log(n, 'E', "cannot store events: %s", wiec_strerror(err));
		for (size_t j = 0; j < m; j++)
			if (res)
				res[map[j]] = err;
		goto free_evs;
	}
	for (size_t j = 0; j < m; j++) {
		if (res)
			res[map[j]] = r2[j];
		if (ok[j].body->content_case == WIEC__BODY__CONTENT_MEMBER ||
		    ok[j].body->content_case == WIEC__BODY__CONTENT_APPROVE || r2[j] == STORE_FORK)
			roster = 1;
		direct += r2[j] == STORE_ADDED || r2[j] == STORE_FORK;
		if (r2[j] == STORE_ADDED && closeev_kind(ok[j].body->content_case))
			nclose_note(n, closeev_process(ok[j].body)->data, 0);
		if (r2[j] == STORE_DUP)
			n->dups++;
		/* Only an event that can never link is the sender's fault: one of
		 * another branch, or early, is held or waits. */
		else if (r2[j] < 0 && r2[j] != WIEC_ERR_PENDING_FULL && !(flags & STORE_EXTEND_ONLY))
			invalid++;
	}
	/* The roster may have changed: a member change or an approval came, a
	 * waiting event was released (it may be one), or a fork may exclude
	 * a member's approvals. */
	if (b.added > direct)
		nclose_note(n, NULL, 1);
	if (roster || b.added > direct)
		n->roster_dirty = 1;	/* followed by the loop: links may go */
	/* The heads that moved: update the set, tell the others. */
	for (size_t i = 0; i < b.nmoved; i++) {
		recon_item_t it;

		int hr;

		sync_head_item(&it, &b.moved[i]);
		if ((hr = recon_set_put(n->set, &it)) != 0) {
			node_log(n, 'E', "cannot update the reconciliation set: %s", wiec_strerror(hr));
			n->set_stale = 1;
		}
	}
	if (push) {
		/* Own posts: nobody has them yet, so send the events themselves. */
		Wiec__SyncMsg msg = WIEC__SYNC_MSG__INIT;
		Wiec__Events e = WIEC__EVENTS__INIT;
		ProtobufCBinaryData *bd = calloc(m ? m : 1, sizeof *bd);
		size_t k = 0;

		for (size_t j = 0; bd && j < m; j++)
			if (r2[j] == STORE_ADDED) {
				bd[k].data = (uint8_t *)ok[j].env;
				bd[k++].len = ok[j].env_len;
			}
		e.n_envelopes = k;
		e.envelopes = bd;
		msg.msg_case = WIEC__SYNC_MSG__MSG_EVENTS;
		msg.events = &e;
		for (size_t i = 0; k && i < n->nlinks; i++)
			if (link_via(&n->links[i]) >= 0 &&
			    link_send(n, &n->links[i], link_via(&n->links[i]), &msg) == 0)
				n->links[i].events_out += k;
		free(bd);
	} else if (b.nmoved > 0) {
		serve_have(n, src, b.moved, b.nmoved);
	}
	if (src != NULL) {
		src->lag = src->lag > b.added ? src->lag - b.added : 0;
		if (invalid) {
			src->invalid += (uint64_t)invalid;
			link_bad(n, src, "invalid events");
		}
	}
	n->invalid += (uint64_t)invalid;
free_evs:
	for (size_t j = 0; j < m; j++)
		ev_free(&ok[j]);
out:
	free(evs);
	free(ok);
	free(idx);
	free(klens);
	free(kenvs);
	free(dup);
	free(rc);
	free(r2);
	free(b.moved);
	free(map);
	return err;
}

/* ---- reconciliation ---- */

void sync_recon_begin(node_t *n, link_t *l)
{
	Wiec__SyncMsg m = WIEC__SYNC_MSG__INIT;
	Wiec__Recon r = WIEC__RECON__INIT;
	uint8_t *msg = NULL;
	size_t len;
	int via = link_via(l);

	if (via < 0 || node_now_ms() < l->banned_until)
		return;
	if ((l->init = recon_new(n->set, 1, 0)) == NULL || recon_start(l->init, &msg, &len) != 0) {
		recon_destroy(&l->init);
		return;
	}
	randombytes_buf(&l->init_session, sizeof l->init_session);
	l->init_session |= 1;
	l->init_started = node_now_ms();
	l->init_via = via;
	r.session = l->init_session;
	r.data.data = msg;
	r.data.len = len;
	m.msg_case = WIEC__SYNC_MSG__MSG_RECON;
	m.recon = &r;
	if (link_send(n, l, via, &m) != 0)
		recon_destroy(&l->init);
	free(msg);
}

/* What the initiator does with the differences (spec/sync.md, "After a
 * reconciliation"): fetch whatever the peer may hold that we lack; where
 * we are simply ahead on one path, tell it (Have) instead. */
static void recon_done(node_t *n, link_t *l)
{
	size_t nd = 0, nh = 0;
	const recon_diff_t *d = recon_diffs(l->init, &nd);
	store_head_t *have = calloc(nd ? nd : 1, sizeof *have);
	uint64_t lag = 0;

	for (size_t i = 0; have && i < nd; i++) {
		store_head_t h;
		int linear = d[i].local && store_head(n->store, d[i].key, &h) == 0 &&
		    h.fork == 0 && h.ntips == 1;

		if (d[i].remote && (!d[i].local || d[i].remote_seq > d[i].local_seq)) {
			lag += d[i].remote_seq - (d[i].local ? d[i].local_seq : 0);
			fetch_want_range(n, l, d[i].key, d[i].remote_seq);
		} else if (d[i].remote && (d[i].remote_seq == d[i].local_seq || !linear)) {
			/* Same height or a fork here: the peer may hold a branch we lack. */
			fetch_want_range(n, l, d[i].key, d[i].remote_seq);
		} else if (d[i].local) {
			memcpy(have[nh].author, d[i].key, KEY_PK_BYTES);
			have[nh++].seq = d[i].local_seq;
		}
	}
	l->lag = lag;
	/* Only to this peer: it is the one that lacks them. */
	serve_have_to(n, l, l->init_via, have, nh);
	free(have);
	recon_destroy(&l->init);
	fetch_pump(n, l);
}

static void on_recon(node_t *n, link_t *l, int via, const Wiec__Recon *r)
{
	Wiec__SyncMsg m = WIEC__SYNC_MSG__INIT;
	Wiec__Recon out = WIEC__RECON__INIT;
	uint8_t *reply = NULL;
	size_t rlen = 0;
	int done = 0, rc;

	if (l->init != NULL && r->session == l->init_session && via == l->init_via) {
		rc = recon_step(l->init, r->data.data, r->data.len, &reply, &rlen, &done);
		if (rc != 0) {
			node_log(n, 'D', "reconciliation failed: %s", wiec_strerror(rc));
			recon_destroy(&l->init);
			link_bad(n, l, "bad reconciliation reply");
			return;
		}
		l->init_started = node_now_ms();
		if (done) {
			recon_done(n, l);
			return;
		}
	} else {
		/* The peer starts or continues its own reconciliation with us. New
		 * sessions take a token of a bucket refilled with two per
		 * SYNC_RECON_MS, holding four (an honest peer begins one per
		 * SYNC_RECON_MS or less often; two may reach us back to back after
		 * a busy spell), and a session has at most RECON_MAX_ROUNDS
		 * steps. A member sending a 40-byte "I hold nothing" with a new
		 * session each millisecond once drew 1 GB of replies in 20 s.
		 * Replies are charged to the answer budget (they delay Want
		 * answers), but never wait for it: a reconciliation stalled
		 * behind answers to a peer that left would never finish. */
		uint64_t now = node_now_ms();
		int fresh = l->resp[via] == NULL || l->resp_session[via] != r->session;

		l->resp_tokens += (double)(now - l->resp_at) * 2.0 / SYNC_RECON_MS;
		if (l->resp_tokens > SYNC_RESP_BURST)
			l->resp_tokens = SYNC_RESP_BURST;
		l->resp_at = now;
		if (fresh && l->resp_tokens < 1.0) {
			l->dropped++;
			n->dropped++;
			return;
		}
		if (fresh) {
			l->resp_tokens -= 1.0;
			recon_destroy(&l->resp[via]);
			if ((l->resp[via] = recon_new(n->set, 0, 0)) == NULL)
				return;
			l->resp_session[via] = r->session;
		}
		rc = recon_step(l->resp[via], r->data.data, r->data.len, &reply, &rlen, &done);
		if (rc != 0) {
			recon_destroy(&l->resp[via]);
			link_bad(n, l, "bad reconciliation message");
			return;
		}
		serve_charge(l, rlen);
	}
	if (reply != NULL) {
		out.session = r->session;
		out.data.data = reply;
		out.data.len = rlen;
		m.msg_case = WIEC__SYNC_MSG__MSG_RECON;
		m.recon = &out;
		link_send(n, l, via, &m);
		free(reply);
	}
}


static void on_events(node_t *n, link_t *l, const Wiec__Events *e)
{
	size_t *lens;
	uint8_t **envs;
	want_t *iw = NULL;
	size_t wi = 0;

	l->events_in += e->n_envelopes;
	if (e->want != 0) {
		for (wi = 0; wi < l->nin && iw == NULL; wi++)
			if (l->inflight[wi].id == e->want)
				iw = &l->inflight[wi];
		wi--;	/* the index of iw, when found */
		if (iw == NULL) {
			node_log(n, 'D', "answer to an unknown or expired want");
		}
	}
	lens = calloc(e->n_envelopes ? e->n_envelopes : 1, sizeof *lens);
	envs = calloc(e->n_envelopes ? e->n_envelopes : 1, sizeof *envs);
	if (lens == NULL || envs == NULL)
		goto out;
	for (size_t i = 0; i < e->n_envelopes; i++) {
		envs[i] = e->envelopes[i].data;
		lens[i] = e->envelopes[i].len;
	}
	if (e->n_envelopes > 0 && sync_ingest(n, l, envs, lens, e->n_envelopes, 0, NULL, 0) != 0)
		goto out;
	if (iw != NULL) {
		/* Ranges before the cut are done; the cut one goes on after its
		 * last event; later ones were not reached; unknown ones ask again
		 * with a locator (spec/sync.md, "Fetch"). */
		size_t cut = iw->n;

		if (e->more && e->n_envelopes > 0) {
			ev_t last;

			if (ev_decode(&last, e->envelopes[e->n_envelopes - 1].data,
			    e->envelopes[e->n_envelopes - 1].len) == 0) {
				for (size_t i = 0; i < iw->n && cut == iw->n; i++)
					if (memcmp(iw->r[i].author, last.author, KEY_PK_BYTES) == 0) {
						cut = i;
						iw->r[i].after_seq = last.seq;
						memcpy(iw->r[i].after_id, last.id, HASH_BYTES);
					}
				ev_free(&last);
			}
		}
		for (size_t i = iw->n; i-- > 0;) {
			range_t *r = &iw->r[i];
			int again = e->more && i >= cut && cut < iw->n;

			for (size_t j = 0; j < e->n_unknown && !again; j++)
				if (!r->retry && memcmp(e->unknown[j].data, r->author, KEY_PK_BYTES) == 0) {
					r->retry = 1;
					r->after_seq = 0;
					again = 1;
				}
			if (again)
				fetch_requeue(n, l, r);
			else
				fetch_unclaim(n, l, r->author);
		}
		fetch_drop_want(l, wi);
	}
	fetch_pump(n, l);
out:
	free(lens);
	free(envs);
}

static void on_have(node_t *n, link_t *l, const Wiec__Have *h)
{
	for (size_t i = 0; i < h->n_heads; i++) {
		store_head_t head;
		int got;

		got = store_head(n->store, h->heads[i]->author.data, &head) == 0;
		if (got && head.seq >= h->heads[i]->seq)
			continue;	/* a branch we lack at our height: reconciliation finds it */
		fetch_want_range(n, l, h->heads[i]->author.data, h->heads[i]->seq);
	}
	fetch_pump(n, l);
}

/* l is a current member's link (link_admit passes no other), reached
 * under its transport key (ZAP) or dialled at it: the Hello must name that
 * member's identity key in the roster: its current one, or one it rotated
 * away from (spec/members.md section 5). */
static void on_hello(node_t *n, link_t *l, int via, const Wiec__Hello *h)
{
	char k[KEY_TEXT_BYTES];

	/* A member's node still running under an identity key it rotated away
	 * from (it restarts with the new one) is that member: no ban. */
	int earlier = memcmp(h->node.data, l->key, KEY_PK_BYTES) != 0 &&
	    roster_member_of(&n->roster, h->node.data) != NULL &&
	    roster_member_of(&n->roster, h->node.data) == roster_member_of(&n->roster, l->key);

	if (memcmp(h->network.data, n->network, HASH_BYTES) != 0 ||
	    (memcmp(h->node.data, l->key, KEY_PK_BYTES) != 0 && !earlier) || h->version != 1) {
		node_log(n, 'W', "peer %s (%s) is on another network or version; ignoring it",
		    node_short_key(k, l->key), l->name);
		l->banned_until = node_now_ms() + SYNC_BAN_MS;
		return;
	}
	if (earlier)
		node_log(n, 'D', "peer %s (%s) still runs under an earlier identity key",
		    node_short_key(k, l->key), l->name);
	node_log(n, 'D', "hello from %s (%s)", node_short_key(k, l->key), l->name);
	if (!l->hello_sent[via])
		link_hello(n, l, via);
	/* A fresh connection: reconcile now rather than at the next tick. */
	if (l->init == NULL)
		l->next_recon = node_now_ms();
}

/* One message from a peer, as received (untrusted). */
void sync_handle(node_t *n, link_t *l, int via, const uint8_t *data, size_t len)
{
	Wiec__SyncMsg *m;
	int rc;

	l->bytes_in += len;
	l->last_seen = node_wall_ms();
	if (!link_admit(l)) {
		l->dropped++;
		n->dropped++;
		return;
	}
	if ((rc = wire_decode(&m, data, len)) != 0) {
		link_bad(n, l, wiec_strerror(rc));
		return;
	}
	switch (m->msg_case) {
	case WIEC__SYNC_MSG__MSG_HELLO: on_hello(n, l, via, m->hello); break;
	case WIEC__SYNC_MSG__MSG_RECON: on_recon(n, l, via, m->recon); break;
	case WIEC__SYNC_MSG__MSG_WANT: serve_want(n, l, via, m->want); break;
	case WIEC__SYNC_MSG__MSG_EVENTS: on_events(n, l, m->events); break;
	case WIEC__SYNC_MSG__MSG_HAVE: on_have(n, l, m->have); break;
	default: break;		/* wire_decode admits no other case */
	}
	wiec__sync_msg__free_unpacked(m, NULL);
}

