/* close.c: the node's part in closing votes (spec/close.md section 4).
 *
 * For every process with close statements, a member's node runs the
 * machine of model/close.c: after each batch that held a statement (and
 * on a timer, for the liveness timeouts only) it feeds the machine every
 * held statement and posts what the machine returns through the node's
 * own post path: signed, committed (extend-only) and only then pushed to
 * the peers. The durable state is the replay of the member's own
 * statements in the log (close_durable_apply); the machine in memory is
 * rebuilt whenever it differs (a Close posted by `wiec close`, a restart,
 * a post that failed), so nothing a member signed is ever forgotten. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "model/closeev.h"
#include "model/slot.h"
#include "node/node_int.h"

#define NCLOSE_TICK_MS 200	/* how often machines are asked (timeouts, late ballots) */
#define NCLOSE_TIMEOUT_MS 1500	/* close_params_t.timeout: the base wait of a round */
#define NCLOSE_STEPS 16		/* statements posted per process per tick, at most */

typedef struct nclose_proc {
	uint8_t process[HASH_BYTES];
	uint8_t roster[HASH_BYTES];
	close_member_t *m;
	int done;		/* certified here, or this node cannot take part */
} nclose_proc_t;

struct nclose {
	nclose_proc_t *p;
	size_t n, cap;
	uint8_t (*pending)[HASH_BYTES];	/* noted during an ingest, merged at the tick */
	size_t npending, cappending;
	int scanned, rescan;
	uint64_t next;
};

static nclose_proc_t *find(nclose_t *c, const uint8_t process[static HASH_BYTES])
{
	for (size_t i = 0; i < c->n; i++)
		if (memcmp(c->p[i].process, process, HASH_BYTES) == 0)
			return &c->p[i];
	return NULL;
}

static int add(nclose_t *c, const uint8_t process[static HASH_BYTES])
{
	if (find(c, process) != NULL)
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 8;
		nclose_proc_t *p = realloc(c->p, cap * sizeof *p);

		if (p == NULL)
			return WIEC_ERR_NOMEM;
		c->p = p;
		c->cap = cap;
	}
	memset(&c->p[c->n], 0, sizeof c->p[c->n]);
	memcpy(c->p[c->n].process, process, HASH_BYTES);
	c->n++;
	return 0;
}

static nclose_t *get(node_t *n)
{
	if (n->close == NULL)
		n->close = calloc(1, sizeof *n->close);
	return n->close;
}

void nclose_note(node_t *n, const uint8_t *process, int rescan)
{
	nclose_t *c = get(n);

	if (c == NULL)
		return;
	c->next = 0;		/* ask the machines at the next tick */
	if (rescan || process == NULL) {
		c->rescan = 1;
		return;
	}
	if (c->npending == c->cappending) {
		size_t cap = c->cappending ? 2 * c->cappending : 8;
		uint8_t (*p)[HASH_BYTES] = realloc(c->pending, cap * sizeof *p);

		if (p == NULL) {
			c->rescan = 1;
			return;
		}
		c->pending = p;
		c->cappending = cap;
	}
	memcpy(c->pending[c->npending++], process, HASH_BYTES);
}

void nclose_free(node_t *n)
{
	nclose_t *c = n->close;

	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++)
		close_member_destroy(&c->p[i].m);
	free(c->p);
	free(c->pending);
	free(c);
	n->close = NULL;
}

static int first_stmt(void *arg, const uint8_t id[static HASH_BYTES])
{
	(void)arg;
	(void)id;
	return 1;
}

/* Every process that has a close statement. */
static int scan(nclose_t *c, const model_view_t *v)
{
	model_ids_t ids = { 0 };
	uint8_t zero[HASH_BYTES] = { 0 };
	int rc = model_ids_collect(v, zero, MREF_PROCESS, &ids);

	for (size_t i = 0; rc == 0 && i < ids.n; i++) {
		int r = v->refs(v->ctx, ids.id[i], MREF_CLOSE, first_stmt, NULL);

		if (r == 1)
			rc = add(c, ids.id[i]);
		else if (r != 0)
			rc = r;
	}
	model_ids_free(&ids);
	return rc;
}

/* Signs s as this node's identity, commits it (extend-only: a concurrent
 * post of the CLI under the same identity makes it fail, and the machine
 * is rebuilt) and pushes it. Fills s's author, id and seq. */
static int post(node_t *n, close_stmt_t *s)
{
	Wiec__Body body = WIEC__BODY__INIT;
	closeev_msg_t msg;
	store_head_t h;
	uint8_t *env = NULL;
	size_t len;
	ev_t ev;
	int res = 0, rc;

	memcpy(s->author, n->kp.pk, KEY_PK_BYTES);
	if ((rc = closeev_to_body(s, &body, &msg)) != 0)
		return rc;
	rc = store_head(n->store, n->kp.pk, &h);
	if (rc == WIEC_ERR_NOTFOUND)
		memset(&h, 0, sizeof h);
	else if (rc != 0)
		return rc;
	if (h.fork)
		return WIEC_ERR_FORKED;
	body.timestamp = node_wall_ms();
	ev_set_header(&body, n->network, n->kp.pk, h.seq, h.count ? h.id : NULL);
	if ((rc = ev_build(&env, &len, &n->kp, &body)) != 0)
		return rc;
	if ((rc = ev_decode(&ev, env, len)) == 0) {
		memcpy(s->id, ev.id, HASH_BYTES);
		s->seq = ev.seq;
		ev_free(&ev);
		rc = sync_ingest(n, NULL, &env, &len, 1, STORE_EXTEND_ONLY, &res, 1);
		if (rc == 0 && res != STORE_ADDED)
			rc = res < 0 ? res : WIEC_ERR_CHAIN;
	}
	free(env);
	return rc;
}

static const char *kind_word(int k)
{
	static const char *const w[] = { "?", "Close", "Prepare", "Promise", "Proposal", "Cosign" };

	return k >= 1 && k <= 5 ? w[k] : w[0];
}

/* One view of the store with the roster and the process's statements. */
typedef struct pview {
	store_view_t *sv;
	model_view_t v;
	roster_t r;
	int rloaded;
	closeev_log_t log;
	uint8_t members[ROSTER_MAX][KEY_PK_BYTES];
} pview_t;

static void pview_end(pview_t *w)
{
	closeev_log_free(&w->log);
	if (w->rloaded)
		roster_free(&w->r);
	w->rloaded = 0;
	store_view_end(&w->sv);
}

static int pview_begin(node_t *n, pview_t *w, const uint8_t process[static HASH_BYTES])
{
	int rc;

	memset(&w->log, 0, sizeof w->log);
	w->rloaded = 0;
	if ((rc = store_view_begin(n->store, &w->sv, &w->v)) != 0)
		return rc;
	if ((rc = roster_load(&w->v, &w->r)) != 0) {
		store_view_end(&w->sv);
		return rc;
	}
	w->rloaded = 1;
	closeev_members(&w->r, w->members);
	if ((rc = closeev_load(&w->v, &w->r, process, &w->log)) != 0)
		pview_end(w);
	return rc;
}

/* The durable state the log gives: the replay of own statements. */
static int own_durable(node_t *n, const pview_t *w, const uint8_t process[static HASH_BYTES],
    close_durable_t *d)
{
	memset(d, 0, sizeof *d);
	for (size_t i = 0; i < w->log.n; i++) {
		const close_stmt_t *s = &w->log.st[i];
		int rc;

		if (memcmp(s->author, n->kp.pk, KEY_PK_BYTES) != 0 ||
		    close_stmt_check(s, process, w->r.head,
		    (const uint8_t (*)[KEY_PK_BYTES])w->members, w->r.n) != 0)
			continue;
		if ((rc = close_durable_apply(d, s)) != CLOSE_OK)
			return rc;
	}
	return 0;
}

static void run(node_t *n, nclose_proc_t *pr, uint64_t now)
{
	const close_params_t params = { .timeout = NCLOSE_TIMEOUT_MS };
	char hex[HASH_HEX_BYTES];
	pview_t *w = calloc(1, sizeof *w);
	close_durable_t d;
	int rc;

	if (w == NULL)
		return;
	hash_hex(hex, pr->process, HASH_BYTES);
	for (int step = 0; step < NCLOSE_STEPS; step++) {
		closeev_ctx_t ctx;
		close_env_t env;
		close_stmt_t out;

		if ((rc = pview_begin(n, w, pr->process)) != 0) {
			node_log(n, 'E', "close %.16s: cannot read the log: %s", hex,
			    wiec_strerror(rc));
			break;
		}
		if (pr->m != NULL && memcmp(pr->roster, w->r.head, HASH_BYTES) != 0)
			close_member_destroy(&pr->m);
		if ((rc = own_durable(n, w, pr->process, &d)) != 0) {
			node_log(n, 'E', "close %.16s: this member's own statements conflict (%s): "
			    "it takes no further part", hex, close_reason('C', rc));
			pr->done = 1;
			pview_end(w);
			break;
		}
		if (pr->m != NULL) {
			uint8_t a[CLOSE_DURABLE_BYTES], b[CLOSE_DURABLE_BYTES];

			close_durable_encode(&d, a);
			close_durable_encode(close_member_durable(pr->m), b);
			if (memcmp(a, b, sizeof a) != 0)
				close_member_destroy(&pr->m);
		}
		if (pr->m == NULL) {
			pr->m = close_member_new(pr->process, w->r.head,
			    (const uint8_t (*)[KEY_PK_BYTES])w->members, w->r.n, w->r.quorum,
			    n->kp.pk, &d, &params);
			memcpy(pr->roster, w->r.head, HASH_BYTES);
			if (pr->m == NULL) {
				/* Not a member, or its statements are under another
				 * roster: it keeps to that one and takes no part here. */
				pr->done = 1;
				pview_end(w);
				break;
			}
		}
		for (size_t i = 0; i < w->log.n; i++)
			if ((rc = close_member_observe(pr->m, &w->log.st[i])) != 0)
				break;
		if (close_member_certified(pr->m, &out.round, &out.value, out.proposal)) {
			char ph[HASH_HEX_BYTES];

			hash_hex(ph, out.proposal, HASH_BYTES);
			node_log(n, 'I', "close %.16s: certified: %" PRIu64 " counted events, "
			    "proposal %.16s", hex, out.value.count, ph);
			pr->done = 1;
			close_member_destroy(&pr->m);
			pview_end(w);
			break;
		}
		memcpy(ctx.process, pr->process, HASH_BYTES);
		ctx.v = &w->v;
		closeev_env(&env, &ctx);
		rc = close_member_step(pr->m, &env, now, &out);
		pview_end(w);	/* one transaction per thread: end the view before the commit */
		if (rc <= 0) {
			if (rc < 0)
				node_log(n, 'E', "close %.16s: %s", hex, wiec_strerror(rc));
			break;
		}
		rc = post(n, &out);
		if (rc != 0) {
			node_log(n, 'W', "close %.16s: %s not posted: %s", hex, kind_word(out.kind),
			    wiec_strerror(rc));
			close_member_destroy(&pr->m);	/* rebuilt from the log */
			close_stmt_free(&out);
			break;
		}
		node_log(n, 'I', "close %.16s: posted %s for round %" PRIu64, hex,
		    kind_word(out.kind), out.round.counter);
		close_stmt_free(&out);
	}
	free(w);
}

void nclose_tick(node_t *n)
{
	uint64_t now = node_now_ms();
	nclose_t *c = get(n);

	if (c == NULL || now < c->next)
		return;
	c->next = now + NCLOSE_TICK_MS;
	if (!c->scanned || c->rescan) {
		store_view_t *sv = NULL;
		model_view_t v;
		int rc;

		if ((rc = store_view_begin(n->store, &sv, &v)) == 0) {
			rc = scan(c, &v);
			store_view_end(&sv);
		}
		if (rc != 0) {
			node_log(n, 'E', "close: cannot list the processes: %s", wiec_strerror(rc));
			return;
		}
		c->scanned = 1;
		c->rescan = 0;
	}
	for (size_t i = 0; i < c->npending; i++)
		if (add(c, c->pending[i]) != 0)
			c->rescan = 1;
	c->npending = 0;
	if (!n->member)
		return;
	for (size_t i = 0; i < c->n; i++)
		if (!c->p[i].done)
			run(n, &c->p[i], now);
}
