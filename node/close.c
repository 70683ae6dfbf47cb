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
 * a post that failed), so nothing a member signed is ever forgotten.
 *
 * A member that is not the round's proposer holds a Promise by parts back
 * for a bounded wait while others' copies of its parts may be on the way
 * (spec/close.md s3, "Posting parts"), and the seal is computed once while
 * the node holds the same events (s10). */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/err.h"
#include "crypto/keychain.h"
#include "model/closeev.h"
#include "model/slot.h"
#include "node/node_int.h"

#define NCLOSE_TICK_MS 200	/* how often machines are asked (timeouts, late ballots) */
#define NCLOSE_TIMEOUT_MS 1500	/* close_params_t.timeout: the base wait of a round */
#define NCLOSE_STEPS 16		/* statements posted per process per tick, at most */
#define NCLOSE_PART_BATCH 32	/* IdParts committed and pushed together (~2 MiB) */
#define NCLOSE_IDS_PER_MS 25	/* the base wait grows 1 ms per this many counted ids */
#define NCLOSE_RETRY_MS 1000	/* a statement whose parts are not all held is tried again */

typedef struct nclose_proc {
	uint8_t process[HASH_BYTES];
	uint8_t roster[HASH_BYTES];
	close_member_t *m;
	closeev_log_t log;	/* statements decoded so far (they never change) */
	model_ids_t skip;	/* ids that are no statement the machine takes */
	model_ids_t wait;	/* incomplete statements: tried again every NCLOSE_RETRY_MS */
	uint64_t retry;
	size_t ballots;		/* ballot index entries when first seen (timeout) */
	int counted;
	int done;		/* certified here, or this node cannot take part */
	/* The seal (model_tally_seal), kept while the node holds the same
	 * events: valid while the reconciliation set's fingerprint of every
	 * chain head is key (no event added or excluded since), or moved only
	 * by this node's own close posts, which are never counted events. */
	uint8_t *seal;
	size_t nseal;
	int sealed;
	uint8_t key[RECON_FP_BYTES];
	size_t keyn;
	/* A Promise by parts held back while others' copies of its parts may
	 * be on the way (spec/close.md s3, "Posting parts"); the machine is
	 * rebuilt from the log when it is posted or dropped. */
	int deferred;
	close_stmt_t defer;
	closelist_t dlist;	/* defer's list cut into parts (borrows defer.seal) */
	uint8_t ddurable[CLOSE_DURABLE_BYTES];	/* own durable state before it */
	uint64_t dsince, dwait;
} nclose_proc_t;

static void seal_drop(nclose_proc_t *p)
{
	free(p->seal);
	p->seal = NULL;
	p->nseal = 0;
	p->sealed = 0;
}

static void defer_drop(nclose_proc_t *p)
{
	if (!p->deferred)
		return;
	closelist_free(&p->dlist);
	close_stmt_free(&p->defer);
	p->deferred = 0;
}

static void proc_forget(nclose_proc_t *p)
{
	close_member_destroy(&p->m);
	closeev_log_free(&p->log);
	model_ids_free(&p->skip);
	model_ids_free(&p->wait);
	seal_drop(p);
	defer_drop(p);
}

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
		proc_forget(&c->p[i]);
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

/* Signs body above *h as this node's identity into *env; *h moves on. */
static int sign_next(node_t *n, Wiec__Body *body, store_head_t *h, uint8_t **env, size_t *len,
    uint8_t id[static HASH_BYTES])
{
	ev_t ev;
	int rc;

	body->timestamp = node_wall_ms();
	ev_set_header(body, n->network, n->kp.pk, h->seq, h->count ? h->id : NULL);
	if ((rc = ev_build(env, len, &n->kp, body)) != 0)
		return rc;
	if ((rc = ev_decode(&ev, *env, *len)) != 0) {
		free(*env);
		*env = NULL;
		return rc;
	}
	memcpy(id, ev.id, HASH_BYTES);
	h->seq = ev.seq;
	memcpy(h->id, ev.id, HASH_BYTES);
	h->count++;
	ev_free(&ev);
	return 0;
}

/* Commits (extend-only) and pushes cnt own events. */
static int commit(node_t *n, uint8_t **envs, const size_t *lens, size_t cnt)
{
	int res[NCLOSE_PART_BATCH + 1];
	int rc = sync_ingest(n, NULL, envs, lens, cnt, STORE_EXTEND_ONLY, res, 1);

	for (size_t i = 0; rc == 0 && i < cnt; i++)
		if (res[i] != STORE_ADDED)
			rc = res[i] < 0 ? res[i] : WIEC_ERR_CHAIN;
	return rc;
}

/* The parts of a long seal or frontier that no held IdPart gives yet are
 * signed and committed first, NCLOSE_PART_BATCH at a time (each batch one
 * push of at most ~2 MiB); a crash between them leaves held parts that
 * nothing names yet, never a statement without its parts. */
static int post_parts(node_t *n, const closelist_t *l, store_head_t *h, size_t *posted)
{
	uint8_t *envs[NCLOSE_PART_BATCH], *held;
	size_t lens[NCLOSE_PART_BATCH], k = 0;
	store_view_t *sv = NULL;
	model_view_t v;
	int rc;

	/* Which parts are held, in one view (the view ends before any commit:
	 * one transaction per thread). A list's parts are distinct, so what
	 * this loop commits does not change the answer for the others. */
	if ((held = calloc(l->nparts ? l->nparts : 1, 1)) == NULL)
		return WIEC_ERR_NOMEM;
	if ((rc = store_view_begin(n->store, &sv, &v)) != 0) {
		free(held);
		return rc;
	}
	rc = closelist_missing(&v, l, held, NULL);
	store_view_end(&sv);
	for (size_t i = 0; rc == 0 && i < l->nparts; i++) {
		const closelist_part_t *p = &l->parts[i];
		Wiec__Body body = WIEC__BODY__INIT;
		Wiec__IdPart part = WIEC__ID_PART__INIT;
		uint8_t id[HASH_BYTES];

		if (held[i])
			continue;
		part.process.data = (uint8_t *)l->process;
		part.process.len = HASH_BYTES;
		part.level = p->level;
		part.items.data = (uint8_t *)closelist_items(l, p);
		part.items.len = p->n * HASH_BYTES;
		body.content_case = WIEC__BODY__CONTENT_IDPART;
		body.idpart = &part;
		if ((rc = sign_next(n, &body, h, &envs[k], &lens[k], id)) != 0)
			break;
		(*posted)++;
		if (++k == NCLOSE_PART_BATCH) {
			rc = commit(n, envs, lens, k);
			while (k > 0)
				free(envs[--k]);
		}
	}
	if (rc == 0 && k > 0)
		rc = commit(n, envs, lens, k);
	while (k > 0)
		free(envs[--k]);
	free(held);
	return rc;
}

/* Signs s as this node's identity, commits it (extend-only: a concurrent
 * post of the CLI under the same identity makes it fail, and the machine
 * is rebuilt) and pushes it, after the parts of a long list. Fills s's
 * author, id and seq; *posted: how many parts it signed. pre (may be
 * NULL): s's list already cut (closelist_build), borrowed. */
static int post(node_t *n, close_stmt_t *s, const closelist_t *pre, size_t *posted)
{
	Wiec__Body body = WIEC__BODY__INIT;
	closeev_msg_t msg;
	closelist_t l;
	store_head_t h;
	uint8_t *env = NULL, olast[HASH_BYTES];
	char kpath[PATH_MAX];
	uint64_t oseq;
	size_t len;
	int rc, klock;

	memset(&l, 0, sizeof l);
	*posted = 0;
	memcpy(s->author, n->kp.pk, KEY_PK_BYTES);
	/* The identity's chain state, as the CLI's posts keep it: signed only
	 * on a store that holds the last event signed (a store put back from
	 * an older copy would fork the member's chain for good), never while
	 * the CLI signs (it holds the lock: this tick gives way, the next
	 * tries again). */
	if (snprintf(kpath, sizeof kpath, "%s/identity.key", n->dir) >= (int)sizeof kpath)
		return WIEC_ERR_ARG;
	if ((klock = keychain_lock(kpath, 1)) < 0)
		return errno == EWOULDBLOCK ? WIEC_ERR_CHAIN : WIEC_ERR_IO;
	if ((rc = store_own_chain(n->store, kpath, &oseq, olast)) != 0) {
		close(klock);
		return rc;
	}
	rc = store_head(n->store, n->kp.pk, &h);
	if (rc == WIEC_ERR_NOTFOUND) {
		memset(&h, 0, sizeof h);	/* this member's first event */
		rc = 0;
	} else if (rc != 0) {
		close(klock);
		return rc;
	}
	if (h.fork) {
		close(klock);
		return WIEC_ERR_FORKED;
	}
	if (pre != NULL)
		l = *pre;	/* a shallow copy: not freed here */
	else if (s->kind == CLOSE_PROMISE && s->nseal > EV_CLOSE_IDS_MAX)
		rc = closelist_build(s->process, s->seal, s->nseal, EV_CLOSE_IDS_MAX, &l);
	else if (s->kind == CLOSE_PROPOSAL && s->value.count > EV_CLOSE_IDS_MAX)
		rc = closelist_build(s->process, s->frontier, s->value.count, EV_CLOSE_IDS_MAX, &l);
	if (rc == 0 && l.top != NULL)
		rc = post_parts(n, &l, &h, posted);
	if (rc == 0 && (rc = closeev_to_body(s, l.top ? &l : NULL, &body, &msg)) == 0 &&
	    (rc = sign_next(n, &body, &h, &env, &len, s->id)) == 0) {
		s->seq = h.seq;
		rc = commit(n, &env, &len, 1);
	}
	/* After the commit: a crash between leaves the state behind the
	 * store, never ahead of it. */
	if (rc == 0 && keychain_write(kpath, s->seq, s->id) != 0)
		node_log(n, 'W', "%s.chain could not be written: %s", kpath, strerror(errno));
	close(klock);
	free(env);
	if (pre == NULL)
		closelist_free(&l);
	return rc;
}

static const char *kind_word(int k)
{
	static const char *const w[] = { "?", "Close", "Prepare", "Promise", "Proposal", "Cosign" };

	return k >= 1 && k <= 5 ? w[k] : w[0];
}

/* One view of the store with the roster; the process's statements are
 * kept decoded in the nclose_proc_t between ticks (a seal or frontier by
 * parts can be megabytes: each is resolved once). */
typedef struct pview {
	store_view_t *sv;
	model_view_t v;
	roster_t r;
	int rloaded;
	uint8_t members[ROSTER_MAX][KEY_PK_BYTES];
} pview_t;

static void pview_end(pview_t *w)
{
	if (w->rloaded)
		roster_free(&w->r);
	w->rloaded = 0;
	store_view_end(&w->sv);
}

static int pview_begin(node_t *n, pview_t *w, nclose_proc_t *pr)
{
	size_t added;
	int rc;

	w->rloaded = 0;
	if ((rc = store_view_begin(n->store, &w->sv, &w->v)) != 0)
		return rc;
	if ((rc = roster_load(&w->v, &w->r)) != 0) {
		store_view_end(&w->sv);
		return rc;
	}
	w->rloaded = 1;
	closeev_members(&w->r, w->members);
	if (memcmp(pr->roster, w->r.head, HASH_BYTES) != 0)
		proc_forget(pr);	/* a member change: start over under the new roster */
	if (node_now_ms() >= pr->retry) {
		model_ids_free(&pr->wait);
		pr->retry = node_now_ms() + NCLOSE_RETRY_MS;
	}
	if ((rc = closeev_load_more(&w->v, &w->r, pr->process, &pr->log, &pr->skip, &pr->wait,
	    &added)) != 0)
		pview_end(w);
	return rc;
}

/* The durable state the log gives: the replay of own statements. */
static int own_durable(node_t *n, const pview_t *w, const nclose_proc_t *pr, close_durable_t *d)
{
	memset(d, 0, sizeof *d);
	for (size_t i = 0; i < pr->log.n; i++) {
		const close_stmt_t *s = &pr->log.st[i];
		int rc;

		if (memcmp(s->author, n->kp.pk, KEY_PK_BYTES) != 0 ||
		    close_stmt_check(s, pr->process, w->r.head,
		    (const uint8_t (*)[KEY_PK_BYTES])w->members, w->r.n) != 0)
			continue;
		if ((rc = close_durable_apply(d, s)) != CLOSE_OK)
			return rc;
	}
	return 0;
}

static int count_cb(void *arg, const uint8_t id[static HASH_BYTES])
{
	(void)id;
	(*(size_t *)arg)++;
	return 0;
}

/* The base wait of a round grows with the process: a member with a seal
 * of millions of ids takes seconds to seal, unite and recount, and a round
 * must have the time to finish before the next proposer preempts it
 * (liveness only; spec/close.md s10). The size: the longest list held, or
 * twice the ballots (with their credentials) when the process is first
 * seen, before any list is. */
static uint64_t timeout_for(nclose_proc_t *pr, const model_view_t *v)
{
	size_t most = 0;

	if (!pr->counted) {
		pr->ballots = 0;
		if (v->refs(v->ctx, pr->process, MREF_BALLOT, count_cb, &pr->ballots) == 0)
			pr->counted = 1;
	}
	most = 2 * pr->ballots;
	for (size_t i = 0; i < pr->log.n; i++) {
		size_t k = pr->log.st[i].kind == CLOSE_PROPOSAL ? pr->log.st[i].value.count :
		    pr->log.st[i].nseal;

		most = k > most ? k : most;
	}
	return NCLOSE_TIMEOUT_MS + most / NCLOSE_IDS_PER_MS;
}

/* The fingerprint of every chain head the node holds (and how many): it
 * moves with every event added and every fork marked. 0, or -1 when the
 * reconciliation set is stale (then no seal is kept between runs). */
static int heads_key(const node_t *n, uint8_t fp[static RECON_FP_BYTES], size_t *cnt)
{
	if (n->set == NULL || n->set_stale)
		return -1;
	return recon_set_fingerprint(n->set, NULL, NULL, fp, cnt) == 0 ? 0 : -1;
}

/* The kept seal stays only if the node holds the same events as when it
 * was computed (new ballots or credentials would change it). */
static void seal_check(const node_t *n, nclose_proc_t *pr)
{
	uint8_t fp[RECON_FP_BYTES];
	size_t cnt;

	if (pr->sealed && (heads_key(n, fp, &cnt) != 0 || cnt != pr->keyn ||
	    memcmp(fp, pr->key, sizeof fp) != 0))
		seal_drop(pr);
}

/* Hands the kept seal to a step's context (which then owns it). */
static void seal_lend(nclose_proc_t *pr, closeev_ctx_t *ctx)
{
	if (!pr->sealed)
		return;
	ctx->seal = pr->seal;
	ctx->nseal = pr->nseal;
	ctx->sealed = 1;
	ctx->rc = 0;
	pr->seal = NULL;
	pr->nseal = 0;
	pr->sealed = 0;
}

/* After a step (no commit since its view began): keeps the seal the
 * context computed or borrowed, under the key of the events held now. */
static void seal_keep(const node_t *n, nclose_proc_t *pr, closeev_ctx_t *ctx, int lent)
{
	if (ctx->sealed && !lent && n->verbose) {
		char hex[HASH_HEX_BYTES];

		hash_hex(hex, pr->process, HASH_BYTES);
		node_log(n, 'D', "close %.16s: seal of %zu ids computed", hex, ctx->nseal);
	}
	if (ctx->sealed && ctx->rc == 0 && heads_key(n, pr->key, &pr->keyn) == 0) {
		pr->seal = ctx->seal;
		pr->nseal = ctx->nseal;
		pr->sealed = 1;
		ctx->seal = NULL;
		ctx->nseal = 0;
	}
	closeev_ctx_free(ctx);
}

/* After this node's own post (close statements and IdParts only, never a
 * counted event): the kept seal is still the seal; only the key moved. */
static void seal_rekey(const node_t *n, nclose_proc_t *pr)
{
	if (pr->sealed && heads_key(n, pr->key, &pr->keyn) != 0)
		seal_drop(pr);
}

/* Holds back Promise out (by parts, some not held) when this member is not
 * its round's proposer: others' copies of the same parts may be on the way
 * (spec/close.md s3, "Posting parts"). 1 if held back, 0 if it is to be
 * posted now, or a negative wiec_err_t. */
static int defer_maybe(node_t *n, nclose_proc_t *pr, const pview_t *w, const close_durable_t *d,
    close_stmt_t *out, uint64_t timeout, uint64_t now)
{
	uint64_t wait;
	size_t missing;
	int rc;

	if (out->kind != CLOSE_PROMISE || out->nseal <= EV_CLOSE_IDS_MAX)
		return 0;
	wait = closelist_part_wait((const uint8_t (*)[KEY_PK_BYTES])w->members, w->r.n,
	    out->round.proposer, n->kp.pk, timeout);
	if (wait == 0)
		return 0;
	if ((rc = closelist_build(pr->process, out->seal, out->nseal, EV_CLOSE_IDS_MAX,
	    &pr->dlist)) != 0)
		return rc;
	if ((rc = closelist_missing(&w->v, &pr->dlist, NULL, &missing)) != 0 || missing == 0) {
		closelist_free(&pr->dlist);
		return rc;
	}
	pr->defer = *out;	/* owns the seal now */
	memset(out, 0, sizeof *out);
	pr->deferred = 1;
	pr->dsince = now;
	pr->dwait = wait;
	close_durable_encode(d, pr->ddurable);
	return 1;
}

/* A held-back Promise: 1 to post it now, 0 to wait more, 2 to drop it
 * (the machine then decides again), or a negative wiec_err_t. */
static int defer_ready(const node_t *n, nclose_proc_t *pr, const pview_t *w,
    const close_durable_t *d, uint64_t now, size_t *missing, const char **why)
{
	const uint8_t (*members)[KEY_PK_BYTES] = (const uint8_t (*)[KEY_PK_BYTES])w->members;
	uint8_t a[CLOSE_DURABLE_BYTES];
	int other = 0, rc;

	close_durable_encode(d, a);
	if (memcmp(a, pr->ddurable, sizeof a) != 0)
		return 2;	/* its own statements moved (`wiec close`) */
	for (size_t i = 0; i < pr->log.n; i++) {
		const close_stmt_t *s = &pr->log.st[i];

		if ((s->kind == CLOSE_CLOSE || s->kind == CLOSE_PREPARE) &&
		    close_round_cmp(&s->round, &pr->defer.round) > 0 &&
		    close_stmt_check(s, pr->process, w->r.head, members, w->r.n) == 0)
			return 2;	/* a higher round: the machine promises that one */
		/* Another member's Promise of the round, complete (held with
		 * its parts): what it shares with this seal is held now. */
		if (s->kind == CLOSE_PROMISE && memcmp(s->author, n->kp.pk, KEY_PK_BYTES) != 0 &&
		    close_round_cmp(&s->round, &pr->defer.round) == 0 &&
		    memcmp(s->roster, w->r.head, HASH_BYTES) == 0)
			for (size_t j = 0; j < w->r.n; j++)
				if (memcmp(members[j], s->author, KEY_PK_BYTES) == 0)
					other = 1;
	}
	if ((rc = closelist_missing(&w->v, &pr->dlist, NULL, missing)) != 0)
		return rc;
	*why = *missing == 0 ? "all held" : other ? "another member's Promise held" :
	    "wait over";
	return closelist_post_now(now, pr->dsince, pr->dwait, *missing, other);
}

static void run(node_t *n, nclose_proc_t *pr, uint64_t now)
{
	char hex[HASH_HEX_BYTES];
	pview_t *w = calloc(1, sizeof *w);
	close_durable_t d;
	int rc;

	if (w == NULL)
		return;
	hash_hex(hex, pr->process, HASH_BYTES);
	seal_check(n, pr);
	for (int step = 0; step < NCLOSE_STEPS; step++) {
		close_params_t params = { .timeout = NCLOSE_TIMEOUT_MS };
		closeev_ctx_t ctx;
		close_env_t env;
		close_stmt_t out;
		size_t nparts, missing = 0;
		int dr, lent;

		if ((rc = pview_begin(n, w, pr)) != 0) {
			node_log(n, 'E', "close %.16s: cannot read the log: %s", hex,
			    wiec_strerror(rc));
			break;
		}
		/* Certified under the roster of its time: a member change since
		 * does not open it again (spec/close.md section 9). Asked on every
		 * tick: the answer outlives a restart, which done does not. */
		{
			uint8_t earlier[HASH_BYTES];

			if ((rc = closeev_certified_earlier(&w->v, pr->process, &pr->log, w->r.head,
			    earlier)) != 0) {
				if (rc == 1) {
					char rh[HASH_HEX_BYTES];

					hash_hex(rh, earlier, HASH_BYTES);
					node_log(n, 'I', "close %.16s: certified under the earlier "
					    "roster %.16s: it stays so", hex, rh);
					pr->done = 1;
					proc_forget(pr);
				} else {	/* tried again on the next tick */
					node_log(n, 'E', "close %.16s: %s", hex, wiec_strerror(rc));
				}
				pview_end(w);
				break;
			}
		}
		if ((rc = own_durable(n, w, pr, &d)) != 0) {
			node_log(n, 'E', "close %.16s: this member's own statements conflict (%s): "
			    "it takes no further part", hex, close_reason('C', rc));
			pr->done = 1;
			pview_end(w);
			break;
		}
		params.timeout = timeout_for(pr, &w->v);
		if (pr->deferred) {
			/* A Promise held back for others' parts: nothing else
			 * until it is posted or dropped (the machine is rebuilt
			 * from the log either way). */
			const char *why = "";
			int go = defer_ready(n, pr, w, &d, now, &missing, &why);

			pview_end(w);
			if (go < 0) {
				node_log(n, 'E', "close %.16s: %s", hex, wiec_strerror(go));
				break;
			}
			if (go == 0)
				break;
			close_member_destroy(&pr->m);
			if (go == 2) {
				defer_drop(pr);
				continue;
			}
			rc = post(n, &pr->defer, &pr->dlist, &nparts);
			if (rc != 0)
				node_log(n, 'W', "close %.16s: Promise not posted: %s", hex,
				    wiec_strerror(rc));
			else
				node_log(n, 'I', "close %.16s: posted Promise for round %" PRIu64
				    " (%zu of %zu parts, after %" PRIu64 " ms: %s)", hex,
				    pr->defer.round.counter, nparts, pr->dlist.nparts, now - pr->dsince,
				    why);
			defer_drop(pr);
			if (rc != 0)
				break;
			seal_rekey(n, pr);
			continue;
		}
		if (pr->m != NULL) {
			uint8_t a[CLOSE_DURABLE_BYTES], b[CLOSE_DURABLE_BYTES];

			close_durable_encode(&d, a);
			close_durable_encode(close_member_durable(pr->m), b);
			if (memcmp(a, b, sizeof a) != 0)
				close_member_destroy(&pr->m);
		}
		if (pr->m != NULL)
			close_member_set_params(pr->m, &params);
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
		/* Every statement, in (author, seq) order: the machine skips
		 * those it holds before anything costly. */
		for (size_t i = 0; i < pr->log.n; i++)
			if ((rc = close_member_observe(pr->m, &pr->log.st[i])) != 0)
				break;
		if (close_member_certified(pr->m, &out.round, &out.value, out.proposal)) {
			char ph[HASH_HEX_BYTES];

			hash_hex(ph, out.proposal, HASH_BYTES);
			node_log(n, 'I', "close %.16s: certified: %" PRIu64 " counted events, "
			    "proposal %.16s", hex, out.value.count, ph);
			pr->done = 1;
			proc_forget(pr);
			pview_end(w);
			break;
		}
		memcpy(ctx.process, pr->process, HASH_BYTES);
		ctx.v = &w->v;
		closeev_env(&env, &ctx);
		lent = pr->sealed;
		seal_lend(pr, &ctx);	/* one seal while the held events stay the same */
		rc = close_member_step(pr->m, &env, now, &out);
		seal_keep(n, pr, &ctx, lent);
		if (rc > 0 && (dr = defer_maybe(n, pr, w, &d, &out, params.timeout, now)) != 0) {
			pview_end(w);
			if (dr > 0) {
				close_member_destroy(&pr->m);	/* rebuilt when it is posted */
				node_log(n, 'I', "close %.16s: Promise for round %" PRIu64 " waits up "
				    "to %" PRIu64 " ms for others' copies of its parts", hex,
				    pr->defer.round.counter, pr->dwait);
				continue;	/* asked at once: other parts may be held */
			}
			node_log(n, 'E', "close %.16s: %s", hex, wiec_strerror(dr));
			close_member_destroy(&pr->m);
			close_stmt_free(&out);
			break;
		}
		pview_end(w);	/* one transaction per thread: end the view before the commit */
		if (rc <= 0) {
			if (rc < 0)
				node_log(n, 'E', "close %.16s: %s", hex, wiec_strerror(rc));
			break;
		}
		rc = post(n, &out, NULL, &nparts);
		if (rc != 0) {
			node_log(n, 'W', "close %.16s: %s not posted: %s", hex, kind_word(out.kind),
			    wiec_strerror(rc));
			close_member_destroy(&pr->m);	/* rebuilt from the log */
			close_stmt_free(&out);
			break;
		}
		seal_rekey(n, pr);
		if (nparts > 0)
			node_log(n, 'I', "close %.16s: posted %s for round %" PRIu64 " (%zu parts)",
			    hex, kind_word(out.kind), out.round.counter, nparts);
		else
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
