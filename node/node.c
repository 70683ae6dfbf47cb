/* node.c: the daemon loop, its sockets, the sync protocol (spec/sync.md). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "crypto/err.h"
#include "node/amap.h"
#include "node/config.h"
#include "node/ctl.h"
#include "node/node.h"
#include "node/peers.h"
#include "node/recon.h"
#include "proto/event.h"
#include "proto/genesis.h"
#include "store/store.h"

/* A draft option in libzmq 4.3's header, implemented by the library: with
 * it, a missing ZAP handler refuses CURVE clients instead of admitting them. */
#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93
#endif

enum { VIA_DEALER = 0, VIA_ROUTER = 1 };

typedef struct range {
	uint8_t author[KEY_PK_BYTES];
	uint64_t from, target;
} range_t;

typedef struct want {		/* a Want in flight */
	uint64_t id, sent;
	range_t *r;
	size_t n;
} want_t;

/* Everything about one other founder's node. */
typedef struct link {
	uint8_t key[KEY_PK_BYTES], transport[KEY_X_BYTES];
	char name[EV_NAME_MAX + 1];
	char endpoint[PEERS_ENDPOINT_MAX];	/* "" when we do not dial it */
	void *dealer;				/* our connection to it */
	uint8_t rid[256];			/* its connection to us (ROUTER) */
	size_t rid_len;
	int hello_sent[2];
	uint64_t last_seen, bytes_in, bytes_out, lag, dropped, invalid;
	uint64_t events_in, events_out;		/* envelopes received / sent */
	recon_t *init;				/* our reconciliation with it */
	uint64_t init_session, init_started, next_recon;
	int init_via;
	recon_t *resp[2];			/* its reconciliations with us */
	uint64_t resp_session[2];
	range_t *queue;				/* segments to ask it for */
	size_t qn, qcap;
	want_t inflight[SYNC_INFLIGHT];
	size_t nin;
	unsigned bad;
	uint64_t bad_since, banned_until, tokens_at;
	double tokens;
} link_t;

typedef struct node {
	const char *dir;
	int verbose, stop;
	cfg_t cfg;
	key_pair_t kp;
	key_x25519_t kx;
	store_t *store;
	uint8_t network[HASH_BYTES];
	genesis_t gen;
	link_t *links;
	size_t nlinks;
	recon_set_t *set;
	amap_t *claims;			/* author -> which link fetches it */
	void *ctx, *zap, *router, *ctl;
	int sigfd, lockfd;
	uint64_t next_want_id;
	uint64_t invalid, dups, dropped;
} node_t;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

__attribute__((format(printf, 3, 4)))
static void nlog(const node_t *n, char level, const char *fmt, ...)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };
	struct timespec ts;
	struct tm tm;
	char t[32];
	va_list ap;
	int i = level == 'D' ? 0 : level == 'I' ? 1 : level == 'W' ? 2 : 3;

	if (i == 0 && !n->verbose)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(t, sizeof t, "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ %-5s ", t, ts.tv_nsec / 1000000, names[i]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const char *short_key(char buf[static KEY_TEXT_BYTES], const uint8_t *k)
{
	key_to_text(buf, k);
	return buf;
}

/* ---- sending ---- */

static int send_raw(node_t *n, link_t *l, int via, const uint8_t *buf, size_t len)
{
	int rc;

	if (via == VIA_DEALER) {
		rc = l->dealer ? zmq_send(l->dealer, buf, len, ZMQ_DONTWAIT) : -1;
	} else {
		rc = -1;
		if (l->rid_len && zmq_send(n->router, l->rid, l->rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0)
			rc = zmq_send(n->router, buf, len, ZMQ_DONTWAIT);
	}
	if (rc < 0) {
		/* A full queue or a vanished peer: pushes are hints, pulls repair. */
		l->dropped++;
		return -1;
	}
	l->bytes_out += len;
	return 0;
}

static int send_msg(node_t *n, link_t *l, int via, const Wiec__SyncMsg *m);

static void send_hello(node_t *n, link_t *l, int via)
{
	Wiec__SyncMsg m = WIEC__SYNC_MSG__INIT;
	Wiec__Hello h = WIEC__HELLO__INIT;

	h.network.data = n->network;
	h.network.len = HASH_BYTES;
	h.node.data = n->kp.pk;
	h.node.len = KEY_PK_BYTES;
	h.version = 1;
	m.msg_case = WIEC__SYNC_MSG__MSG_HELLO;
	m.hello = &h;
	l->hello_sent[via] = 1;
	send_msg(n, l, via, &m);
}

static int send_msg(node_t *n, link_t *l, int via, const Wiec__SyncMsg *m)
{
	uint8_t stackbuf[1024], *buf = stackbuf;
	size_t len = wiec__sync_msg__get_packed_size(m);
	int rc;

	if (!l->hello_sent[via] && m->msg_case != WIEC__SYNC_MSG__MSG_HELLO)
		send_hello(n, l, via);
	if (len > SYNC_MSG_MAX)
		return -1;
	if (len > sizeof stackbuf && (buf = malloc(len)) == NULL)
		return -1;
	wiec__sync_msg__pack(m, buf);
	rc = send_raw(n, l, via, buf, len);
	if (buf != stackbuf)
		free(buf);
	return rc;
}

/* The connection to use for a message we start: ours if we dial, else theirs. */
static int via_of(const link_t *l)
{
	if (l->dealer != NULL)
		return VIA_DEALER;
	return l->rid_len ? VIA_ROUTER : -1;
}

/* ---- ZAP: only members' transport keys may connect (fail closed) ---- */

static int frame_is(zmq_msg_t *m, const char *s)
{
	return zmq_msg_size(m) == strlen(s) && memcmp(zmq_msg_data(m), s, strlen(s)) == 0;
}

static void zap_serve(node_t *n)
{
	zmq_msg_t f[7];
	int nf = 0, more = 1;
	const char *status = "400", *text = "not a member";
	char user[HASH_HEX_BYTES] = "";
	link_t *who = NULL;

	while (more && nf < 7) {
		zmq_msg_init(&f[nf]);
		if (zmq_msg_recv(&f[nf], n->zap, 0) < 0) {
			zmq_msg_close(&f[nf]);
			goto out;
		}
		more = zmq_msg_more(&f[nf++]);
	}
	while (more) {
		zmq_msg_t x;

		zmq_msg_init(&x);
		if (zmq_msg_recv(&x, n->zap, 0) < 0)
			more = 0;
		else
			more = zmq_msg_more(&x);
		zmq_msg_close(&x);
	}
	if (nf < 2)
		goto out;
	if (nf == 7 && frame_is(&f[0], "1.0") && frame_is(&f[2], "wiec") &&
	    frame_is(&f[5], "CURVE") && zmq_msg_size(&f[6]) == KEY_X_BYTES) {
		for (size_t i = 0; i < n->nlinks; i++)
			if (sodium_memcmp(n->links[i].transport, zmq_msg_data(&f[6]), KEY_X_BYTES) == 0)
				who = &n->links[i];
	}
	if (who != NULL) {
		status = "200";
		text = "OK";
		hash_hex(user, who->key, KEY_PK_BYTES);
	} else {
		char key[HASH_HEX_BYTES] = "?", addr[64] = "?";

		if (nf == 7 && zmq_msg_size(&f[6]) == KEY_X_BYTES)
			hash_hex(key, zmq_msg_data(&f[6]), KEY_X_BYTES);
		if (nf >= 4)
			snprintf(addr, sizeof addr, "%.*s", (int)(zmq_msg_size(&f[3]) < 60 ?
			    zmq_msg_size(&f[3]) : 60), (const char *)zmq_msg_data(&f[3]));
		nlog(n, 'W', "refused a connection from %s: transport key %.16s... is not a member's",
		    addr, key);
	}
	zmq_send(n->zap, "1.0", 3, ZMQ_SNDMORE);
	zmq_send(n->zap, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), ZMQ_SNDMORE);
	zmq_send(n->zap, status, 3, ZMQ_SNDMORE);
	zmq_send(n->zap, text, strlen(text), ZMQ_SNDMORE);
	zmq_send(n->zap, user, strlen(user), ZMQ_SNDMORE);
	zmq_send(n->zap, "", 0, 0);
out:
	for (int i = 0; i < nf; i++)
		zmq_msg_close(&f[i]);
}

/* ---- misbehaviour: count, then ban for a while ---- */

static void bad(node_t *n, link_t *l, const char *what)
{
	char k[KEY_TEXT_BYTES];
	uint64_t now = now_ms();

	if (now - l->bad_since > 60000) {
		l->bad_since = now;
		l->bad = 0;
	}
	if (++l->bad == SYNC_BAD_MAX) {
		l->banned_until = now + SYNC_BAN_MS;
		nlog(n, 'W', "peer %s (%s): %u bad messages in a minute, ignoring it for %d s",
		    short_key(k, l->key), l->name, l->bad, SYNC_BAN_MS / 1000);
	} else {
		nlog(n, 'D', "peer %s: bad message: %s", short_key(k, l->key), what);
	}
}

/* A token bucket per peer bounds the work any one member can cause. */
static int admit(link_t *l)
{
	uint64_t now = now_ms();

	if (now < l->banned_until)
		return 0;
	l->tokens += (double)(now - l->tokens_at) * SYNC_RATE / 1000.0;
	if (l->tokens > 2.0 * SYNC_RATE)
		l->tokens = 2.0 * SYNC_RATE;
	l->tokens_at = now;
	if (l->tokens < 1.0)
		return 0;
	l->tokens -= 1.0;
	return 1;
}

/* ---- fetching chain segments: queue, claims, Wants ---- */

/* Queues author's segment [from, target] at link l, unless a link already
 * fetches it: each segment should cross one link only. A fetch already
 * claimed by l is extended, not repeated. requeue: l's own segment coming
 * back after a cut answer, which its claim already covers. */
static void want_range(node_t *n, link_t *l, const uint8_t *author, uint64_t from,
    uint64_t target, int requeue)
{
	amap_val_t *c = amap_get(n->claims, author), v;
	uint64_t now = now_ms();
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

static void unclaim(node_t *n, link_t *l, const uint8_t *author)
{
	amap_val_t *c = amap_get(n->claims, author);

	if (c != NULL && c->peer == (int)(l - n->links))
		amap_del(n->claims, author);
}

/* Sends Wants while fewer than SYNC_INFLIGHT are outstanding. */
static void pump(node_t *n, link_t *l)
{
	int via = via_of(l);

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
		iw->sent = now_ms();
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
		if (send_msg(n, l, via, &m) != 0) {
			free(iw->r);
			return;
		}
		memmove(l->queue, l->queue + k, (l->qn - k) * sizeof *l->queue);
		l->qn -= k;
		l->nin++;
	}
}

static void drop_want(link_t *l, size_t i)
{
	free(l->inflight[i].r);
	memmove(&l->inflight[i], &l->inflight[i + 1], (l->nin - i - 1) * sizeof *l->inflight);
	l->nin--;
}

/* ---- ingesting events ---- */

static int author_order(const void *a, const void *b)
{
	return memcmp(a, b, KEY_PK_BYTES);
}

/* The reconciliation item of a head: the head id, or at a fork a hash of
 * both ids (spec/sync.md, "Items"). */
static void head_item(recon_item_t *it, const store_head_t *h)
{
	memcpy(it->key, h->author, KEY_PK_BYTES);
	it->seq = h->seq;
	memcpy(it->val, h->tips, HASH_BYTES);
}

static void send_have(node_t *n, link_t *skip, const store_head_t *heads, size_t nh);

/* Verifies and stores envelopes from src (NULL: the CLI). res (may be NULL)
 * receives each outcome. Tells the other links about heads that moved
 * (Have), or for own posts pushes the events themselves. *heads_out (may
 * be NULL) gets the moved heads (caller frees). */
static int ingest(node_t *n, link_t *src, uint8_t *const *envs, const size_t *lens, size_t cnt,
    unsigned flags, int *res, int push)
{
	ev_t *evs = calloc(cnt ? cnt : 1, sizeof *evs), *ok = calloc(cnt ? cnt : 1, sizeof *ok);
	int *rc = calloc(cnt ? cnt : 1, sizeof *rc), *r2 = calloc(cnt ? cnt : 1, sizeof *r2);
	uint8_t (*authors)[KEY_PK_BYTES] = calloc(cnt ? cnt : 1, KEY_PK_BYTES);
	store_head_t *heads = calloc(cnt ? cnt : 1, sizeof *heads);
	size_t *map = calloc(cnt ? cnt : 1, sizeof *map), m = 0, na = 0, nh = 0, added = 0;
	int err = 0, invalid = 0;

	if (!evs || !ok || !rc || !r2 || !authors || !heads || !map) {
		err = WIEC_ERR_NOMEM;
		goto out;
	}
	if ((err = ev_check_batch(evs, rc, (const uint8_t *const *)envs, lens, cnt, n->network,
	    NODE_VERIFY_THREADS)) != 0)
		goto out;
	for (size_t i = 0; i < cnt; i++) {
		if (res)
			res[i] = rc[i];
		if (rc[i] != 0) {
			invalid++;
			continue;
		}
		ok[m] = evs[i];
		map[m++] = i;
	}
	err = store_ingest_flags(n->store, ok, m, r2, &added, flags);
	if (err != 0) {
		nlog(n, 'E', "cannot store events: %s", wiec_strerror(err));
		for (size_t j = 0; j < m; j++)
			if (res)
				res[map[j]] = err;
		goto free_evs;
	}
	for (size_t j = 0; j < m; j++) {
		if (res)
			res[map[j]] = r2[j];
		if (r2[j] == STORE_DUP)
			n->dups++;
		else if (r2[j] < 0 && r2[j] != WIEC_ERR_PENDING_FULL && !(flags & STORE_EXTEND_ONLY))
			invalid++;
		if (r2[j] == STORE_ADDED || r2[j] == STORE_FORK || r2[j] == STORE_PENDING)
			memcpy(authors[na++], ok[j].author, KEY_PK_BYTES);
	}
	/* Every author whose head may have moved: update the set, tell others. */
	qsort(authors, na, KEY_PK_BYTES, author_order);
	for (size_t i = 0; i < na; i++) {
		recon_item_t it;

		if (i > 0 && memcmp(authors[i], authors[i - 1], KEY_PK_BYTES) == 0)
			continue;
		if (store_head(n->store, authors[i], &heads[nh]) != 0)
			continue;
		head_item(&it, &heads[nh]);
		recon_set_put(n->set, &it);
		nh++;
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
			if (via_of(&n->links[i]) >= 0 &&
			    send_msg(n, &n->links[i], via_of(&n->links[i]), &msg) == 0)
				n->links[i].events_out += k;
		free(bd);
	} else if (nh > 0) {
		send_have(n, src, heads, nh);
	}
	if (src != NULL) {
		src->lag = src->lag > added ? src->lag - added : 0;
		if (invalid) {
			src->invalid += (uint64_t)invalid;
			bad(n, src, "invalid events");
		}
	}
	n->invalid += (uint64_t)invalid;
free_evs:
	for (size_t j = 0; j < m; j++)
		ev_free(&ok[j]);
out:
	free(evs);
	free(ok);
	free(rc);
	free(r2);
	free(authors);
	free(heads);
	free(map);
	return err;
}

/* Tells one link, on connection via, which heads we hold (Have messages
 * of at most SYNC_HAVE_MAX heads each). */
static void send_have_to(node_t *n, link_t *l, int via, const store_head_t *heads, size_t nh)
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
		send_msg(n, l, via, &m);
		free(hs);
		free(hp);
	}
}

/* Tells every link but skip (the one the heads came from). */
static void send_have(node_t *n, link_t *skip, const store_head_t *heads, size_t nh)
{
	for (size_t i = 0; i < n->nlinks; i++)
		if (&n->links[i] != skip && via_of(&n->links[i]) >= 0)
			send_have_to(n, &n->links[i], via_of(&n->links[i]), heads, nh);
}

/* ---- reconciliation ---- */

static void recon_begin(node_t *n, link_t *l)
{
	Wiec__SyncMsg m = WIEC__SYNC_MSG__INIT;
	Wiec__Recon r = WIEC__RECON__INIT;
	uint8_t *msg = NULL;
	size_t len;
	int via = via_of(l);

	if (via < 0 || now_ms() < l->banned_until)
		return;
	if ((l->init = recon_new(n->set, 1, 0)) == NULL || recon_start(l->init, &msg, &len) != 0) {
		recon_destroy(&l->init);
		return;
	}
	randombytes_buf(&l->init_session, sizeof l->init_session);
	l->init_session |= 1;
	l->init_started = now_ms();
	l->init_via = via;
	r.session = l->init_session;
	r.data.data = msg;
	r.data.len = len;
	m.msg_case = WIEC__SYNC_MSG__MSG_RECON;
	m.recon = &r;
	if (send_msg(n, l, via, &m) != 0)
		recon_destroy(&l->init);
	free(msg);
}

/* Pushes our two events at a fork: the proof that freezes the author. */
static int collect(void *ctx, uint64_t lseq, const uint8_t *env, size_t len);

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
	if ((rc = send_msg(n, l, via, &m)) == 0)
		l->events_out += e->n;
	free(bd);
	return rc;
}

/* What the initiator does with the differences (spec/sync.md, "After a
 * reconciliation"): fetch what the peer has beyond us, announce what we
 * have beyond it, and push fork proofs. */
static void recon_done(node_t *n, link_t *l)
{
	size_t nd = 0, nh = 0;
	const recon_diff_t *d = recon_diffs(l->init, &nd);
	store_head_t *have = calloc(nd ? nd : 1, sizeof *have);
	uint64_t lag = 0;

	for (size_t i = 0; have && i < nd; i++) {
		if (d[i].remote && (!d[i].local || d[i].remote_seq > d[i].local_seq)) {
			lag += d[i].remote_seq - d[i].local_seq;
			want_range(n, l, d[i].key, d[i].local_seq + 1, d[i].remote_seq, 0);
		} else if (d[i].remote && d[i].remote_seq == d[i].local_seq) {
			/* Same seq, other event: fetch theirs; it proves a fork. */
			want_range(n, l, d[i].key, d[i].local_seq, d[i].remote_seq, 0);
		} else if (d[i].local) {
			memcpy(have[nh].author, d[i].key, KEY_PK_BYTES);
			have[nh++].seq = d[i].local_seq;
		}
	}
	l->lag = lag;
	/* Only to this peer: it is the one that lacks them. */
	send_have_to(n, l, l->init_via, have, nh);
	free(have);
	recon_destroy(&l->init);
	pump(n, l);
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
			nlog(n, 'D', "reconciliation failed: %s", wiec_strerror(rc));
			recon_destroy(&l->init);
			bad(n, l, "bad reconciliation reply");
			return;
		}
		l->init_started = now_ms();
		if (done) {
			recon_done(n, l);
			return;
		}
	} else {
		/* The peer starts or continues its own reconciliation with us. */
		if (l->resp[via] == NULL || l->resp_session[via] != r->session) {
			recon_destroy(&l->resp[via]);
			if ((l->resp[via] = recon_new(n->set, 0, 0)) == NULL)
				return;
			l->resp_session[via] = r->session;
		}
		rc = recon_step(l->resp[via], r->data.data, r->data.len, &reply, &rlen, &done);
		if (rc != 0) {
			recon_destroy(&l->resp[via]);
			bad(n, l, "bad reconciliation message");
			return;
		}
	}
	if (reply != NULL) {
		out.session = r->session;
		out.data.data = reply;
		out.data.len = rlen;
		m.msg_case = WIEC__SYNC_MSG__MSG_RECON;
		m.recon = &out;
		send_msg(n, l, via, &m);
		free(reply);
	}
}

/* ---- serving and receiving chain segments ---- */

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

static void on_want(node_t *n, link_t *l, int via, const Wiec__Want *w)
{
	envlist_t e = { .limit = SYNC_EVENTS_CAP };
	int more = 0;

	for (size_t i = 0; i < w->n_ranges && !more; i++) {
		int rc = store_scan_author(n->store, w->ranges[i]->author.data, w->ranges[i]->from,
		    collect, &e);

		if (rc == 1)
			more = 1;
		else if (rc != 0)
			break;
	}
	send_events(n, l, via, &e, w->id, more);
	envlist_free(&e);
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
			nlog(n, 'D', "answer to an unknown or expired want");
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
	if (e->n_envelopes > 0 && ingest(n, l, envs, lens, e->n_envelopes, 0, NULL, 0) != 0)
		goto out;
	if (iw != NULL) {
		/* Each range is done, cut short (ask again from the new head), or
		 * beyond what the peer had (forget it: a later round will tell). */
		for (size_t i = iw->n; i-- > 0;) {
			range_t *r = &iw->r[i];
			store_head_t h;
			int got = store_head(n->store, r->author, &h) == 0;

			if ((got && h.seq >= r->target) || !e->more) {
				unclaim(n, l, r->author);
				continue;
			}
			want_range(n, l, r->author, got ? h.seq + 1 : 1, r->target, 1);
		}
		drop_want(l, wi);
	}
	pump(n, l);
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
			continue;
		want_range(n, l, h->heads[i]->author.data, got ? head.seq + 1 : 1, h->heads[i]->seq, 0);
	}
	pump(n, l);
}

static void on_hello(node_t *n, link_t *l, int via, const Wiec__Hello *h)
{
	char k[KEY_TEXT_BYTES];

	if (memcmp(h->network.data, n->network, HASH_BYTES) != 0 ||
	    memcmp(h->node.data, l->key, KEY_PK_BYTES) != 0 || h->version != 1) {
		nlog(n, 'W', "peer %s (%s) is on another network or version; ignoring it",
		    short_key(k, l->key), l->name);
		l->banned_until = now_ms() + SYNC_BAN_MS;
		return;
	}
	nlog(n, 'D', "hello from %s (%s)", short_key(k, l->key), l->name);
	if (!l->hello_sent[via])
		send_hello(n, l, via);
	/* A fresh connection: reconcile now rather than at the next tick. */
	if (l->init == NULL)
		l->next_recon = now_ms();
}

/* One message from a peer, as received (untrusted). */
static void handle(node_t *n, link_t *l, int via, const uint8_t *data, size_t len)
{
	Wiec__SyncMsg *m;
	int rc;

	l->bytes_in += len;
	l->last_seen = wall_ms();
	if (!admit(l)) {
		l->dropped++;
		n->dropped++;
		return;
	}
	if ((rc = wire_decode(&m, data, len)) != 0) {
		bad(n, l, wiec_strerror(rc));
		return;
	}
	switch (m->msg_case) {
	case WIEC__SYNC_MSG__MSG_HELLO: on_hello(n, l, via, m->hello); break;
	case WIEC__SYNC_MSG__MSG_RECON: on_recon(n, l, via, m->recon); break;
	case WIEC__SYNC_MSG__MSG_WANT: on_want(n, l, via, m->want); break;
	case WIEC__SYNC_MSG__MSG_EVENTS: on_events(n, l, m->events); break;
	case WIEC__SYNC_MSG__MSG_HAVE: on_have(n, l, m->have); break;
	default: break;		/* wire_decode admits no other case */
	}
	wiec__sync_msg__free_unpacked(m, NULL);
}

/* ---- sockets ---- */

static int peer_sockopts(void *s)
{
	int hwm = SYNC_HWM, zero = 0, hb = 2000, hbt = 10000, hs = 5000;
	int64_t max = SYNC_MSG_MAX;

	return zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm) |
	    zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm) |
	    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero) |
	    zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &max, sizeof max) |
	    zmq_setsockopt(s, ZMQ_HEARTBEAT_IVL, &hb, sizeof hb) |
	    zmq_setsockopt(s, ZMQ_HEARTBEAT_TIMEOUT, &hbt, sizeof hbt) |
	    zmq_setsockopt(s, ZMQ_HEARTBEAT_TTL, &hbt, sizeof hbt) |
	    zmq_setsockopt(s, ZMQ_HANDSHAKE_IVL, &hs, sizeof hs);
}

static int dial(node_t *n, link_t *l)
{
	int one = 1, ivl = 200, ivlmax = 5000;

	if ((l->dealer = zmq_socket(n->ctx, ZMQ_DEALER)) == NULL)
		return -1;
	if (peer_sockopts(l->dealer) != 0 ||
	    zmq_setsockopt(l->dealer, ZMQ_CURVE_SERVERKEY, l->transport, KEY_X_BYTES) != 0 ||
	    zmq_setsockopt(l->dealer, ZMQ_CURVE_PUBLICKEY, n->kx.pk, KEY_X_BYTES) != 0 ||
	    zmq_setsockopt(l->dealer, ZMQ_CURVE_SECRETKEY, n->kx.sk, KEY_X_BYTES) != 0 ||
	    zmq_setsockopt(l->dealer, ZMQ_IMMEDIATE, &one, sizeof one) != 0 ||
	    zmq_setsockopt(l->dealer, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl) != 0 ||
	    zmq_setsockopt(l->dealer, ZMQ_RECONNECT_IVL_MAX, &ivlmax, sizeof ivlmax) != 0 ||
	    zmq_connect(l->dealer, l->endpoint) != 0) {
		nlog(n, 'E', "cannot dial %s: %s", l->endpoint, zmq_strerror(zmq_errno()));
		zmq_close(l->dealer);
		l->dealer = NULL;
		return -1;
	}
	l->hello_sent[VIA_DEALER] = 0;
	return 0;
}

static void hangup(link_t *l)
{
	if (l->dealer != NULL)
		zmq_close(l->dealer);
	l->dealer = NULL;
	recon_destroy(&l->init);
	while (l->nin > 0)
		drop_want(l, 0);
}

/* (Re)reads DIR/peers: dial new endpoints, hang up removed ones. */
static int load_peers(node_t *n)
{
	char path[PATH_MAX], why[256], k[KEY_TEXT_BYTES];
	peers_t p;
	int rc;

	snprintf(path, sizeof path, "%s/peers", n->dir);
	if ((rc = peers_load(&p, path, why, sizeof why)) != 0) {
		nlog(n, 'E', "%s: %s", path, why);
		return rc;
	}
	for (size_t i = 0; i < n->nlinks; i++) {
		link_t *l = &n->links[i];
		const char *ep = "";

		for (size_t j = 0; j < p.n; j++)
			if (memcmp(p.peer[j].key, l->key, KEY_PK_BYTES) == 0)
				ep = p.peer[j].endpoint;
		if (strcmp(ep, l->endpoint) == 0)
			continue;
		hangup(l);
		snprintf(l->endpoint, sizeof l->endpoint, "%s", ep);
		if (*ep) {
			nlog(n, 'I', "dialing %s (%s) at %s", short_key(k, l->key), l->name, ep);
			dial(n, l);
		}
	}
	for (size_t j = 0; j < p.n; j++) {
		int known = memcmp(p.peer[j].key, n->kp.pk, KEY_PK_BYTES) == 0;

		for (size_t i = 0; i < n->nlinks; i++)
			known |= memcmp(p.peer[j].key, n->links[i].key, KEY_PK_BYTES) == 0;
		if (!known)
			nlog(n, 'W', "peers: %s is not a member of this network; not dialed",
			    short_key(k, p.peer[j].key));
	}
	return 0;
}

static link_t *link_by_user(node_t *n, zmq_msg_t *msg)
{
	const char *user = zmq_msg_gets(msg, "User-Id");
	uint8_t key[KEY_PK_BYTES];

	if (user == NULL || hash_from_hex(key, sizeof key, user) != 0)
		return NULL;
	for (size_t i = 0; i < n->nlinks; i++)
		if (memcmp(n->links[i].key, key, KEY_PK_BYTES) == 0)
			return &n->links[i];
	return NULL;
}

/* Drains one message from the ROUTER: [routing id][SyncMsg]. */
static void router_recv(node_t *n)
{
	zmq_msg_t rid, body;
	link_t *l;

	zmq_msg_init(&rid);
	zmq_msg_init(&body);
	if (zmq_msg_recv(&rid, n->router, ZMQ_DONTWAIT) < 0)
		goto out;
	if (!zmq_msg_more(&rid) || zmq_msg_recv(&body, n->router, ZMQ_DONTWAIT) < 0)
		goto out;
	if (zmq_msg_more(&body)) {
		/* A peer sends one frame: drop the whole message, every frame of it,
		 * or its tail would be read as a message of its own. */
		while (zmq_msg_more(&body) && zmq_msg_recv(&body, n->router, 0) >= 0)
			;
		if ((l = link_by_user(n, &body)) != NULL) {
			l->dropped++;
			bad(n, l, "multi-frame message");
		}
		n->dropped++;
		goto out;
	}
	if ((l = link_by_user(n, &body)) == NULL || zmq_msg_size(&rid) > sizeof l->rid)
		goto out;
	if (l->rid_len != zmq_msg_size(&rid) || memcmp(l->rid, zmq_msg_data(&rid), l->rid_len) != 0) {
		memcpy(l->rid, zmq_msg_data(&rid), zmq_msg_size(&rid));
		l->rid_len = zmq_msg_size(&rid);
		l->hello_sent[VIA_ROUTER] = 0;
	}
	handle(n, l, VIA_ROUTER, zmq_msg_data(&body), zmq_msg_size(&body));
out:
	zmq_msg_close(&rid);
	zmq_msg_close(&body);
}

static void dealer_recv(node_t *n, link_t *l)
{
	zmq_msg_t body;

	zmq_msg_init(&body);
	if (zmq_msg_recv(&body, l->dealer, ZMQ_DONTWAIT) >= 0) {
		if (zmq_msg_more(&body)) {
			/* Frames of one message arrive together: blocking is safe. */
			while (zmq_msg_more(&body) && zmq_msg_recv(&body, l->dealer, 0) >= 0)
				;
			n->dropped++;
			l->dropped++;
			bad(n, l, "multi-frame message");
		} else {
			handle(n, l, VIA_DEALER, zmq_msg_data(&body), zmq_msg_size(&body));
		}
	}
	zmq_msg_close(&body);
}

/* ---- the control socket ---- */

static char *status_json(node_t *n)
{
	char *buf = NULL, k[KEY_TEXT_BYTES];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	uint64_t now = wall_ms();

	if (f == NULL)
		return NULL;
	fprintf(f, "[");
	for (size_t i = 0; i < n->nlinks; i++) {
		link_t *l = &n->links[i];

		fprintf(f, "%s{\"id\": \"%s\", \"name\": ", i ? ", " : "", short_key(k, l->key));
		fprintf(f, "\"");
		for (const char *p = l->name; *p; p++)
			fprintf(f, *p == '"' || *p == '\\' ? "\\%c" : "%c", *p);
		fprintf(f, "\", \"endpoint\": \"%s\", \"dialed\": %s, \"connected\": %s, "
		    "\"last_seen\": %llu, \"lag\": %llu, \"bytes_in\": %llu, \"bytes_out\": %llu, "
		    "\"events_in\": %llu, \"events_out\": %llu, "
		    "\"dropped\": %llu, \"invalid\": %llu}", l->endpoint,
		    l->dealer ? "true" : "false",
		    l->last_seen && now - l->last_seen < 15000 ? "true" : "false",
		    (unsigned long long)l->last_seen, (unsigned long long)l->lag,
		    (unsigned long long)l->bytes_in, (unsigned long long)l->bytes_out,
		    (unsigned long long)l->events_in, (unsigned long long)l->events_out,
		    (unsigned long long)l->dropped, (unsigned long long)l->invalid);
	}
	fprintf(f, "]");
	fclose(f);
	return buf;
}

static void ctl_reply(node_t *n, zmq_msg_t *rid, const char *status, const char *payload)
{
	zmq_send(n->ctl, zmq_msg_data(rid), zmq_msg_size(rid), ZMQ_SNDMORE | ZMQ_DONTWAIT);
	zmq_send(n->ctl, status, strlen(status), ZMQ_SNDMORE | ZMQ_DONTWAIT);
	zmq_send(n->ctl, payload, strlen(payload), ZMQ_DONTWAIT);
}

static void ctl_serve(node_t *n)
{
	zmq_msg_t rid, f[CTL_MAX_ENVS + 1];
	uint8_t *envs[CTL_MAX_ENVS];
	size_t lens[CTL_MAX_ENVS];
	int res[CTL_MAX_ENVS], nf = 0, more, extra = 0;

	zmq_msg_init(&rid);
	if (zmq_msg_recv(&rid, n->ctl, ZMQ_DONTWAIT) < 0) {
		zmq_msg_close(&rid);
		return;
	}
	more = zmq_msg_more(&rid);
	while (more) {
		zmq_msg_t *m = nf <= CTL_MAX_ENVS ? &f[nf] : NULL, x;

		if (m == NULL)
			m = &x;
		zmq_msg_init(m);
		if (zmq_msg_recv(m, n->ctl, 0) < 0) {
			zmq_msg_close(m);
			break;
		}
		more = zmq_msg_more(m);
		if (m == &x) {
			zmq_msg_close(m);
			extra = 1;
		} else {
			nf++;
		}
	}
	if (nf == 0 || extra || more) {
		ctl_reply(n, &rid, "error", "malformed request");
	} else if (frame_is(&f[0], "status") && nf == 1) {
		char *j = status_json(n);

		ctl_reply(n, &rid, j ? "ok" : "error", j ? j : "out of memory");
		free(j);
	} else if ((frame_is(&f[0], "submit") || frame_is(&f[0], "import")) && nf > 1) {
		int own = frame_is(&f[0], "submit"), rc;
		char *out = malloc((size_t)(nf - 1) * 8 + 1), *p = out;

		for (int i = 1; i < nf; i++) {
			envs[i - 1] = zmq_msg_data(&f[i]);
			lens[i - 1] = zmq_msg_size(&f[i]);
		}
		rc = out ? ingest(n, NULL, envs, lens, (size_t)nf - 1,
		    own ? STORE_EXTEND_ONLY : 0, res, own) : WIEC_ERR_NOMEM;
		if (rc != 0) {
			ctl_reply(n, &rid, "error", wiec_strerror(rc));
		} else {
			for (int i = 0; i < nf - 1; i++)
				p += sprintf(p, "%s%d", i ? " " : "", res[i]);
			*p = '\0';
			ctl_reply(n, &rid, "ok", out);
		}
		free(out);
	} else {
		ctl_reply(n, &rid, "error", "unknown request");
	}
	for (int i = 0; i < nf && i <= CTL_MAX_ENVS; i++)
		zmq_msg_close(&f[i]);
	zmq_msg_close(&rid);
}

/* ---- set-up, loop, shut-down ---- */

static int build_set(void *ctx, const store_head_t *h)
{
	node_t *n = ctx;
	recon_item_t it;

	head_item(&it, h);
	return recon_set_put(n->set, &it);
}

static int take_lock(node_t *n)
{
	char path[PATH_MAX];

	snprintf(path, sizeof path, "%s/%s", n->dir, CTL_LOCK);
	if ((n->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		nlog(n, 'E', "%s: %s", path, strerror(errno));
		return WIEC_ERR_IO;
	}
	/* CLI commands writing directly hold a shared lock briefly: wait them out. */
	for (int i = 0; i < 50; i++) {
		if (flock(n->lockfd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		usleep(100000);
	}
	nlog(n, 'E', "%s is in use: is another node running on %s?", path, n->dir);
	return WIEC_ERR_EXISTS;
}

static int start(node_t *n)
{
	char path[PATH_MAX], why[256], ep[PATH_MAX + 16], k[KEY_TEXT_BYTES], net[HASH_HEX_BYTES];
	uint8_t *g = NULL;
	size_t glen;
	sigset_t set;
	int rc, self = -1, one = 1, zero = 0;
	int64_t ctlmax = EV_ENV_MAX + 64;

	snprintf(path, sizeof path, "%s/config", n->dir);
	if ((rc = cfg_load(&n->cfg, path, why, sizeof why)) != 0) {
		nlog(n, 'E', "%s", rc == WIEC_ERR_NOTFOUND ? "not a wiec data directory (no config)" : why);
		return rc == WIEC_ERR_NOTFOUND ? WIEC_ERR_NOSTORE : rc;
	}
	snprintf(path, sizeof path, "%s/identity.key", n->dir);
	if ((rc = key_load(&n->kp, path)) != 0) {
		nlog(n, 'E', "%s: %s", path, wiec_strerror(rc));
		return rc;
	}
	snprintf(path, sizeof path, "%s/transport.key", n->dir);
	if ((rc = key_x25519_load(&n->kx, path)) != 0) {
		nlog(n, 'E', "%s: %s", path, wiec_strerror(rc));
		return rc;
	}
	if ((rc = take_lock(n)) != 0)
		return rc;
	snprintf(path, sizeof path, "%s/store", n->dir);
	if ((rc = store_open(&n->store, path, n->cfg.map_size, 0)) != 0 ||
	    (rc = store_genesis(n->store, &g, &glen)) != 0 ||
	    (rc = genesis_decode(&n->gen, g, glen, 1)) != 0) {
		free(g);
		nlog(n, 'E', "%s: %s", path, wiec_strerror(rc));
		return rc;
	}
	free(g);
	memcpy(n->network, n->gen.network, HASH_BYTES);
	self = genesis_founder(&n->gen, n->kp.pk);
	if (self < 0) {
		nlog(n, 'E', "this node's identity is not a founder of its network");
		return WIEC_ERR_ARG;
	}
	n->nlinks = n->gen.body->n_founders - 1;
	if ((n->links = calloc(n->nlinks ? n->nlinks : 1, sizeof *n->links)) == NULL ||
	    (n->set = recon_set_new()) == NULL || (n->claims = amap_new()) == NULL)
		return WIEC_ERR_NOMEM;
	for (size_t i = 0, j = 0; i < n->gen.body->n_founders; i++) {
		const Wiec__Founder *f = n->gen.body->founders[i];

		if ((int)i == self)
			continue;
		memcpy(n->links[j].key, f->key.data, KEY_PK_BYTES);
		memcpy(n->links[j].transport, f->transport.data, KEY_X_BYTES);
		snprintf(n->links[j].name, sizeof n->links[j].name, "%s", f->name);
		n->links[j].next_recon = now_ms() + 100 + randombytes_uniform(SYNC_RECON_MS);
		n->links[j].tokens = 2.0 * SYNC_RATE;
		n->links[j].tokens_at = now_ms();
		j++;
	}
	if ((rc = store_scan_heads(n->store, build_set, n)) != 0) {
		nlog(n, 'E', "cannot read heads: %s", wiec_strerror(rc));
		return rc;
	}
	/* Signals arrive on a descriptor; every thread (zmq's too) blocks them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0 ||
	    (n->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		nlog(n, 'E', "signalfd: %s", strerror(errno));
		return WIEC_ERR_IO;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((n->ctx = zmq_ctx_new()) == NULL)
		return WIEC_ERR_IO;
	/* The ZAP handler must exist before any CURVE server socket. */
	if ((n->zap = zmq_socket(n->ctx, ZMQ_REP)) == NULL ||
	    zmq_bind(n->zap, "inproc://zeromq.zap.01") != 0) {
		nlog(n, 'E', "ZAP handler: %s", zmq_strerror(zmq_errno()));
		return WIEC_ERR_IO;
	}
	if (n->cfg.listen[0]) {
		if ((n->router = zmq_socket(n->ctx, ZMQ_ROUTER)) == NULL || peer_sockopts(n->router) != 0 ||
		    zmq_setsockopt(n->router, ZMQ_CURVE_SERVER, &one, sizeof one) != 0 ||
		    zmq_setsockopt(n->router, ZMQ_CURVE_SECRETKEY, n->kx.sk, KEY_X_BYTES) != 0 ||
		    zmq_setsockopt(n->router, ZMQ_ZAP_DOMAIN, "wiec", 4) != 0 ||
		    zmq_setsockopt(n->router, ZMQ_ROUTER_MANDATORY, &one, sizeof one) != 0 ||
		    zmq_bind(n->router, n->cfg.listen) != 0) {
			nlog(n, 'E', "cannot listen on %s: %s", n->cfg.listen, zmq_strerror(zmq_errno()));
			return WIEC_ERR_IO;
		}
		/* Belt and braces: our handler is bound above, in this context. */
		if (zmq_setsockopt(n->router, ZMQ_ZAP_ENFORCE_DOMAIN, &one, sizeof one) != 0)
			nlog(n, 'D', "this libzmq lacks ZMQ_ZAP_ENFORCE_DOMAIN; relying on the bound handler");
	}
	if (ctl_endpoint(ep, sizeof ep, n->dir) != 0) {
		nlog(n, 'E', "data directory path too long for a control socket");
		return WIEC_ERR_ARG;
	}
	unlink(ep + 6);		/* a stale socket of a node that died: we hold the lock */
	if ((n->ctl = zmq_socket(n->ctx, ZMQ_ROUTER)) == NULL ||
	    zmq_setsockopt(n->ctl, ZMQ_MAXMSGSIZE, &ctlmax, sizeof ctlmax) != 0 ||
	    zmq_setsockopt(n->ctl, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
	    zmq_bind(n->ctl, ep) != 0) {
		nlog(n, 'E', "cannot open the control socket %s: %s", ep, zmq_strerror(zmq_errno()));
		return WIEC_ERR_IO;
	}
	if ((rc = load_peers(n)) != 0)
		return rc;
	hash_hex(net, n->network, HASH_BYTES);
	nlog(n, 'I', "node %s (%s) of network %.16s: %zu authors, listening on %s, %zu members",
	    short_key(k, n->kp.pk), n->cfg.name, net, recon_set_size(n->set),
	    n->cfg.listen[0] ? n->cfg.listen : "(nothing: set listen in config)", n->nlinks + 1);
	return 0;
}

static void on_signal(node_t *n)
{
	struct signalfd_siginfo si;

	while (read(n->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo == SIGHUP) {
			nlog(n, 'I', "SIGHUP: re-reading peers");
			load_peers(n);
		} else {
			nlog(n, 'I', "%s: stopping", strsignal((int)si.ssi_signo));
			n->stop = 1;
		}
	}
}

static void timers(node_t *n)
{
	uint64_t now = now_ms();

	for (size_t i = 0; i < n->nlinks; i++) {
		link_t *l = &n->links[i];

		if (l->init != NULL && now - l->init_started > SYNC_TIMEOUT_MS)
			recon_destroy(&l->init);
		if (l->init == NULL && now >= l->next_recon) {
			l->next_recon = now + SYNC_RECON_MS + randombytes_uniform(SYNC_RECON_MS / 2);
			recon_begin(n, l);
		}
		for (size_t w = l->nin; w-- > 0;)
			if (now - l->inflight[w].sent > SYNC_TIMEOUT_MS) {
				for (size_t r = 0; r < l->inflight[w].n; r++)
					unclaim(n, l, l->inflight[w].r[r].author);
				drop_want(l, w);
			}
		pump(n, l);
	}
}

static void loop(node_t *n)
{
	zmq_pollitem_t *items = calloc(n->nlinks + 4, sizeof *items);
	link_t **who = calloc(n->nlinks + 4, sizeof *who);

	if (items == NULL || who == NULL) {
		nlog(n, 'E', "out of memory");
		goto out;
	}
	while (!n->stop) {
		int k = 0;

		items[k++] = (zmq_pollitem_t){ NULL, n->sigfd, ZMQ_POLLIN, 0 };
		items[k++] = (zmq_pollitem_t){ n->zap, 0, ZMQ_POLLIN, 0 };
		items[k++] = (zmq_pollitem_t){ n->ctl, 0, ZMQ_POLLIN, 0 };
		if (n->router != NULL)
			items[k++] = (zmq_pollitem_t){ n->router, 0, ZMQ_POLLIN, 0 };
		for (size_t i = 0; i < n->nlinks; i++)
			if (n->links[i].dealer != NULL) {
				who[k] = &n->links[i];
				items[k++] = (zmq_pollitem_t){ n->links[i].dealer, 0, ZMQ_POLLIN, 0 };
			}
		if (zmq_poll(items, k, 100) < 0 && zmq_errno() != EINTR) {
			nlog(n, 'E', "poll: %s", zmq_strerror(zmq_errno()));
			break;
		}
		if (items[0].revents & ZMQ_POLLIN)
			on_signal(n);
		if (items[1].revents & ZMQ_POLLIN)
			zap_serve(n);
		if (items[2].revents & ZMQ_POLLIN)
			ctl_serve(n);
		/* Bounded bursts per socket so no peer starves the others. */
		for (int i = 3; i < k && !n->stop; i++) {
			for (int b = 0; b < 64 && (items[i].revents & ZMQ_POLLIN); b++) {
				int ev = 0;
				size_t el = sizeof ev;

				if (items[i].socket == n->router)
					router_recv(n);
				else
					dealer_recv(n, who[i]);
				if (zmq_getsockopt(items[i].socket, ZMQ_EVENTS, &ev, &el) != 0 ||
				    !(ev & ZMQ_POLLIN))
					break;
			}
		}
		timers(n);
	}
out:
	free(items);
	free(who);
}

static void stop(node_t *n)
{
	char ep[PATH_MAX + 16];

	for (size_t i = 0; n->links && i < n->nlinks; i++) {
		link_t *l = &n->links[i];

		hangup(l);
		recon_destroy(&l->resp[0]);
		recon_destroy(&l->resp[1]);
		free(l->queue);
	}
	free(n->links);
	if (n->ctl != NULL && ctl_endpoint(ep, sizeof ep, n->dir) == 0)
		unlink(ep + 6);
	if (n->router)
		zmq_close(n->router);
	if (n->ctl)
		zmq_close(n->ctl);
	if (n->zap)
		zmq_close(n->zap);
	if (n->ctx)
		zmq_ctx_term(n->ctx);
	recon_set_destroy(&n->set);
	amap_destroy(&n->claims);
	genesis_free(&n->gen);
	store_close(&n->store);
	if (n->sigfd >= 0)
		close(n->sigfd);
	if (n->lockfd >= 0)
		close(n->lockfd);
	key_wipe(&n->kp);
	key_x25519_wipe(&n->kx);
}

int node_run(const node_opts_t *o)
{
	node_t n;
	int rc;

	memset(&n, 0, sizeof n);
	n.dir = o->dir;
	n.verbose = o->verbose;
	n.sigfd = n.lockfd = -1;
	if ((rc = start(&n)) == 0) {
		loop(&n);
		nlog(&n, 'I', "stopped: %llu invalid events and %llu messages dropped since start",
		    (unsigned long long)n.invalid, (unsigned long long)n.dropped);
	}
	stop(&n);
	return rc;
}
