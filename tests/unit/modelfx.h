/* modelfx.h: signed events of the deliberation model for unit tests: a
 * three-founder network (city, NGO, university; quorum 2), residents, one
 * chain per author, and two ways to hold the events: an in-memory view
 * with the real event ids (memview.h's structures) and an LMDB store
 * through store_ingest. Everything is static inline. */
#ifndef WIEC_MODELFX_H
#define WIEC_MODELFX_H

#include "model/model.h"
#include "proto/genesis.h"
#include "tests/unit/fixtures.h"
#include "tests/unit/memview.h"

#define MFX_AUTHORS 16
#define MFX_EVENTS 512

/* In a fixture builder: return the first nonzero result. */
#define TRY(x) do { int rc_ = (x); if (rc_ != 0) return rc_; } while (0)

typedef struct mfx_chain {
	uint8_t pk[KEY_PK_BYTES];
	uint64_t seq;
	uint8_t head[HASH_BYTES];
} mfx_chain_t;

typedef struct mfx {
	uint8_t *genesis;		/* signed, malloc'd */
	size_t glen;
	genesis_t g;			/* decoded: g.body is the view's genesis */
	uint8_t net[HASH_BYTES];
	key_pair_t city, ngo, univ;	/* the founders */
	mfx_chain_t ch[MFX_AUTHORS];
	size_t nch;
	fx_ev_t ev[MFX_EVENTS];
	size_t n;
	uint64_t ts;
} mfx_t;

static inline int mfx_init(mfx_t *m)
{
	Wiec__Founder f[3];
	const Wiec__Founder *fs[3];
	key_pair_t *kp[3];
	static const char *names[3] = { "Miasto Testowo", "Fundacja Zielona", "Uczelnia" };
	static const int roles[3] = { WIEC__ROLE__ROLE_CITY, WIEC__ROLE__ROLE_NGO,
	    WIEC__ROLE__ROLE_UNIVERSITY };
	uint8_t tr[3][KEY_X_BYTES], *g = NULL, *s = NULL;
	size_t glen, slen;
	int rc;

	memset(m, 0, sizeof *m);
	m->ts = FX_TS;
	fx_key(&m->city, 0xC1);
	fx_key(&m->ngo, 0xC2);
	fx_key(&m->univ, 0xC3);
	kp[0] = &m->city;
	kp[1] = &m->ngo;
	kp[2] = &m->univ;
	for (int i = 0; i < 3; i++) {
		wiec__founder__init(&f[i]);
		memset(tr[i], 0x71 + i, KEY_X_BYTES);
		f[i].key.data = kp[i]->pk;
		f[i].key.len = KEY_PK_BYTES;
		f[i].name = (char *)names[i];
		f[i].role = roles[i];
		f[i].transport.data = tr[i];
		f[i].transport.len = KEY_X_BYTES;
		fs[i] = &f[i];
	}
	if ((rc = genesis_new(&g, &glen, "testowo", FX_TS, fs, 3, 2)) != 0)
		return rc;
	for (int i = 0; i < 3; i++) {
		rc = genesis_sign(&s, &slen, g, glen, kp[i]);
		free(g);
		if (rc != 0)
			return rc;
		g = s;
		glen = slen;
	}
	m->genesis = g;
	m->glen = glen;
	if ((rc = genesis_decode(&m->g, g, glen, 1)) != 0)
		return rc;
	memcpy(m->net, m->g.network, HASH_BYTES);
	return 0;
}

static inline void mfx_free(mfx_t *m)
{
	fx_free(m->ev, m->n);
	genesis_free(&m->g);
	free(m->genesis);
	memset(m, 0, sizeof *m);
}

/* Signs b (content set by the caller) as kp's next event and keeps it;
 * id (may be NULL) gets its id. 0 or an error. */
static inline int mfx_post(mfx_t *m, const key_pair_t *kp, Wiec__Body *b, uint8_t *id)
{
	mfx_chain_t *c = NULL;
	int rc;

	for (size_t i = 0; i < m->nch; i++)
		if (memcmp(m->ch[i].pk, kp->pk, KEY_PK_BYTES) == 0)
			c = &m->ch[i];
	if (c == NULL) {
		if (m->nch == MFX_AUTHORS)
			return WIEC_ERR_ARG;
		c = &m->ch[m->nch++];
		memcpy(c->pk, kp->pk, KEY_PK_BYTES);
	}
	if (m->n == MFX_EVENTS)
		return WIEC_ERR_ARG;
	ev_set_header(b, m->net, kp->pk, c->seq, c->seq ? c->head : NULL);
	b->timestamp = ++m->ts;
	if ((rc = ev_build(&m->ev[m->n].env, &m->ev[m->n].len, kp, b)) != 0)
		return rc;
	hash_2(m->ev[m->n].id, m->ev[m->n].env, m->ev[m->n].len, NULL, 0);
	c->seq++;
	memcpy(c->head, m->ev[m->n].id, HASH_BYTES);
	if (id != NULL)
		memcpy(id, m->ev[m->n].id, HASH_BYTES);
	m->n++;
	return 0;
}

/* Holds event i of m in mv (built with memview_init(mv, m->g.body,
 * model_refs)), under its real id. */
static inline int mfx_hold(memview_t *mv, const mfx_t *m, size_t i)
{
	memview_ev_t e = { 0 };
	ev_t ev;
	int rc;

	if ((rc = ev_decode(&ev, m->ev[i].env, m->ev[i].len)) != 0)
		return rc;
	if ((rc = memview_pack(&e, ev.body)) == 0) {
		memcpy(e.id, ev.id, HASH_BYTES);
		memcpy(e.author, ev.author, KEY_PK_BYTES);
		e.seq = ev.seq;
		e.timestamp = ev.timestamp;
		rc = memview_put(mv, &e, ev.body);
	}
	ev_free(&ev);
	return rc;
}

/* A fresh view mv (memview_free it, also on failure) holding m's events
 * order[0..n) (order NULL: the first n in posting order). 0 or an error. */
static inline int mfx_hold_all(memview_t *mv, const mfx_t *m, const size_t *order, size_t n)
{
	int rc = 0;

	memview_init(mv, m->g.body, model_refs);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = mfx_hold(mv, m, order ? order[i] : i);
	return rc;
}

/* A store in dir/name with m's genesis. */
static inline int mfx_store(const mfx_t *m, store_t **s, const char *dir, const char *name)
{
	char path[512];
	int rc;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((rc = store_open(s, path, FX_MAP, STORE_OPEN_CREATE)) != 0)
		return rc;
	return store_set_genesis(*s, m->genesis, m->glen, m->net, 0);
}

/* Small body builders: each fills b (initialised) with one kind. The
 * message structs live in the caller's mfx_msgs_t. */
typedef struct mfx_msgs {
	Wiec__Body b;
	union {
		Wiec__Idea idea;
		Wiec__Comment comment;
		Wiec__Process process;
		Wiec__PhaseChange phase;
		Wiec__Status status;
		Wiec__Evaluation eval;
		Wiec__Support support;
		Wiec__Link link;
		Wiec__Report report;
		Wiec__Moderation mod;
		Wiec__Appeal appeal;
		Wiec__Credential cred;
		Wiec__MemberChange member;
		Wiec__Approve approve;
	} u;
} mfx_msgs_t;

static inline ProtobufCBinaryData mfx_bin(const uint8_t *p)
{
	ProtobufCBinaryData d = { p ? HASH_BYTES : 0, (uint8_t *)p };

	return d;
}

static inline Wiec__Body *mfx_body(mfx_msgs_t *x, int content)
{
	wiec__body__init(&x->b);
	memset(&x->u, 0, sizeof x->u);
	x->b.content_case = (Wiec__Body__ContentCase)content;
	x->b.idea = &x->u.idea;		/* a union of pointers: any member */
	switch (content) {
	case WIEC__BODY__CONTENT_IDEA: wiec__idea__init(&x->u.idea); break;
	case WIEC__BODY__CONTENT_COMMENT: wiec__comment__init(&x->u.comment); break;
	case WIEC__BODY__CONTENT_PROCESS: wiec__process__init(&x->u.process); break;
	case WIEC__BODY__CONTENT_PHASE: wiec__phase_change__init(&x->u.phase); break;
	case WIEC__BODY__CONTENT_STATUS: wiec__status__init(&x->u.status); break;
	case WIEC__BODY__CONTENT_EVALUATION: wiec__evaluation__init(&x->u.eval); break;
	case WIEC__BODY__CONTENT_SUPPORT: wiec__support__init(&x->u.support); break;
	case WIEC__BODY__CONTENT_LINK: wiec__link__init(&x->u.link); break;
	case WIEC__BODY__CONTENT_REPORT: wiec__report__init(&x->u.report); break;
	case WIEC__BODY__CONTENT_MODERATION: wiec__moderation__init(&x->u.mod); break;
	case WIEC__BODY__CONTENT_APPEAL: wiec__appeal__init(&x->u.appeal); break;
	case WIEC__BODY__CONTENT_CREDENTIAL: wiec__credential__init(&x->u.cred); break;
	case WIEC__BODY__CONTENT_MEMBER: wiec__member_change__init(&x->u.member); break;
	case WIEC__BODY__CONTENT_APPROVE: wiec__approve__init(&x->u.approve); break;
	}
	return &x->b;
}

static inline int mfx_idea(mfx_t *m, const key_pair_t *kp, const char *title,
    const uint8_t *process, const uint8_t *edit, const char *unit, uint8_t *id)
{
	mfx_msgs_t x;
	Wiec__Body *b = mfx_body(&x, WIEC__BODY__CONTENT_IDEA);

	x.u.idea.title = (char *)title;
	x.u.idea.text = (char *)"Więcej drzew na rynku.";
	x.u.idea.process = mfx_bin(process);
	x.u.idea.edit = mfx_bin(edit);
	x.u.idea.unit = (char *)(unit ? unit : "");
	return mfx_post(m, kp, b, id);
}

static inline int mfx_comment(mfx_t *m, const key_pair_t *kp, const uint8_t *target,
    const char *text, uint8_t *id)
{
	mfx_msgs_t x;
	Wiec__Body *b = mfx_body(&x, WIEC__BODY__CONTENT_COMMENT);

	x.u.comment.target = mfx_bin(target);
	x.u.comment.text = (char *)text;
	return mfx_post(m, kp, b, id);
}

static inline int mfx_status(mfx_t *m, const key_pair_t *kp, const uint8_t *idea, int status,
    const uint8_t *after, uint8_t *id)
{
	mfx_msgs_t x;
	Wiec__Body *b = mfx_body(&x, WIEC__BODY__CONTENT_STATUS);

	x.u.status.idea = mfx_bin(idea);
	x.u.status.status = status;
	x.u.status.reason = (char *)"Uzasadnienie.";
	x.u.status.after = mfx_bin(after);
	return mfx_post(m, kp, b, id);
}

static inline int mfx_eval(mfx_t *m, const key_pair_t *kp, const uint8_t *idea, int feas,
    uint8_t *id)
{
	mfx_msgs_t x;
	Wiec__Body *b = mfx_body(&x, WIEC__BODY__CONTENT_EVALUATION);

	x.u.eval.idea = mfx_bin(idea);
	x.u.eval.feasibility = feas;
	x.u.eval.cost = 1000;
	x.u.eval.reason = (char *)"Ocena.";
	return mfx_post(m, kp, b, id);
}

static inline int mfx_support(mfx_t *m, const key_pair_t *kp, const uint8_t *idea, int withdraw,
    uint8_t *id)
{
	mfx_msgs_t x;
	Wiec__Body *b = mfx_body(&x, WIEC__BODY__CONTENT_SUPPORT);

	x.u.support.idea = mfx_bin(idea);
	x.u.support.withdraw = withdraw;
	return mfx_post(m, kp, b, id);
}

static inline int mfx_link(mfx_t *m, const key_pair_t *kp, const uint8_t *idea,
    const uint8_t *other, int merge, uint8_t *id)
{
	mfx_msgs_t x;
	Wiec__Body *b = mfx_body(&x, WIEC__BODY__CONTENT_LINK);

	x.u.link.idea = mfx_bin(idea);
	x.u.link.other = mfx_bin(other);
	x.u.link.merge = merge;
	x.u.link.reason = (char *)"Podobne.";
	return mfx_post(m, kp, b, id);
}

static inline int mfx_report(mfx_t *m, const key_pair_t *kp, const uint8_t *target, uint8_t *id)
{
	mfx_msgs_t x;
	Wiec__Body *b = mfx_body(&x, WIEC__BODY__CONTENT_REPORT);

	x.u.report.target = mfx_bin(target);
	x.u.report.reason = (char *)"Obraźliwe.";
	return mfx_post(m, kp, b, id);
}

static inline int mfx_moderate(mfx_t *m, const key_pair_t *kp, const uint8_t *target, int hide,
    const uint8_t *after, uint8_t *id)
{
	mfx_msgs_t x;
	Wiec__Body *b = mfx_body(&x, WIEC__BODY__CONTENT_MODERATION);

	x.u.mod.target = mfx_bin(target);
	x.u.mod.hide = hide;
	x.u.mod.reason = (char *)"Regulamin.";
	x.u.mod.after = mfx_bin(after);
	return mfx_post(m, kp, b, id);
}

static inline int mfx_appeal(mfx_t *m, const key_pair_t *kp, const uint8_t *target, uint8_t *id)
{
	mfx_msgs_t x;
	Wiec__Body *b = mfx_body(&x, WIEC__BODY__CONTENT_APPEAL);

	x.u.appeal.target = mfx_bin(target);
	x.u.appeal.reason = (char *)"Odwołuję się.";
	return mfx_post(m, kp, b, id);
}

static inline int mfx_phase(mfx_t *m, const key_pair_t *kp, const uint8_t *process,
    uint32_t phase, const uint8_t *after, uint8_t *id)
{
	mfx_msgs_t x;
	Wiec__Body *b = mfx_body(&x, WIEC__BODY__CONTENT_PHASE);

	x.u.phase.process = mfx_bin(process);
	x.u.phase.phase = phase;
	x.u.phase.after = mfx_bin(after);
	return mfx_post(m, kp, b, id);
}

static inline int mfx_approve(mfx_t *m, const key_pair_t *kp, const uint8_t *target, uint8_t *id)
{
	mfx_msgs_t x;
	Wiec__Body *b = mfx_body(&x, WIEC__BODY__CONTENT_APPROVE);

	x.u.approve.target = mfx_bin(target);
	return mfx_post(m, kp, b, id);
}

static inline int mfx_cred(mfx_t *m, const key_pair_t *kp, const uint8_t *subject,
    const uint8_t *scope, const char *district, int revoke, uint8_t *id)
{
	mfx_msgs_t x;
	Wiec__Body *b = mfx_body(&x, WIEC__BODY__CONTENT_CREDENTIAL);
	Wiec__Attribute a = WIEC__ATTRIBUTE__INIT, *ap = &a;

	x.u.cred.subject = mfx_bin(subject);
	x.u.cred.scope = mfx_bin(scope);
	x.u.cred.revoke = revoke;
	if (district != NULL) {
		a.name = (char *)"unit";
		a.value = (char *)district;
		x.u.cred.attributes = &ap;
		x.u.cred.n_attributes = 1;
	}
	return mfx_post(m, kp, b, id);
}

/* A member add of kp's key by author (after: the change it follows). */
static inline int mfx_member_add(mfx_t *m, const key_pair_t *author, const key_pair_t *kp,
    const uint8_t *after, uint8_t *id)
{
	mfx_msgs_t x;
	Wiec__Body *b = mfx_body(&x, WIEC__BODY__CONTENT_MEMBER);
	Wiec__Founder f = WIEC__FOUNDER__INIT;
	uint8_t tr[KEY_X_BYTES];

	memset(tr, kp->pk[0] ^ 0x5a, sizeof tr);
	f.key.data = (uint8_t *)kp->pk;
	f.key.len = KEY_PK_BYTES;
	f.name = (char *)"Firma";
	f.role = WIEC__ROLE__ROLE_BUSINESS;
	f.transport.data = tr;
	f.transport.len = KEY_X_BYTES;
	x.u.member.op = WIEC__MEMBER_OP__MEMBER_ADD;
	x.u.member.member = &f;
	x.u.member.after = mfx_bin(after);
	return mfx_post(m, author, b, id);
}

/* A process by kp with the given roles (keys, n each; NULL: none). */
typedef struct mfx_proc {
	int kind;
	const uint8_t *owners[4], *reviewers[4], *moderators[4], *registrars[4];
	size_t nowners, nreviewers, nmoderators, nregistrars;
	int eligibility;
	uint32_t quorum;
	const uint8_t *census;		/* NULL: the process id is the scope */
} mfx_proc_t;

static inline int mfx_process(mfx_t *m, const key_pair_t *kp, const mfx_proc_t *pp, uint8_t *id)
{
	mfx_msgs_t x;
	Wiec__Body *b = mfx_body(&x, WIEC__BODY__CONTENT_PROCESS);
	ProtobufCBinaryData o[4], r[4], md[4], rg[4];
	Wiec__PhasePlan ph[3], *php[3];
	Wiec__Unit u[2], *up[2];
	static const char *names[3] = { "ideation", "review", "results" };
	static const char *units[2] = { "Jeżyce", "Wilda" };

	for (size_t i = 0; i < 4; i++) {
		o[i] = mfx_bin(pp->owners[i]);
		r[i] = mfx_bin(pp->reviewers[i]);
		md[i] = mfx_bin(pp->moderators[i]);
		rg[i] = mfx_bin(pp->registrars[i]);
	}
	for (size_t i = 0; i < 3; i++) {
		wiec__phase_plan__init(&ph[i]);
		ph[i].name = (char *)names[i];
		php[i] = &ph[i];
	}
	for (size_t i = 0; i < 2; i++) {
		wiec__unit__init(&u[i]);
		u[i].name = (char *)units[i];
		u[i].budget = 100000;
		up[i] = &u[i];
	}
	x.u.process.kind = pp->kind;
	x.u.process.title = (char *)"Konsultacje";
	x.u.process.owners = o;
	x.u.process.n_owners = pp->nowners;
	x.u.process.reviewers = r;
	x.u.process.n_reviewers = pp->nreviewers;
	x.u.process.moderators = md;
	x.u.process.n_moderators = pp->nmoderators;
	x.u.process.registrars = rg;
	x.u.process.n_registrars = pp->nregistrars;
	x.u.process.phases = php;
	x.u.process.n_phases = 3;
	x.u.process.quorum = pp->quorum;
	x.u.process.eligibility = pp->eligibility;
	x.u.process.census = mfx_bin(pp->census);
	if (pp->kind == WIEC__PROCESS_KIND__PROCESS_BUDGET) {
		x.u.process.units = up;
		x.u.process.n_units = 2;
	}
	return mfx_post(m, kp, b, id);
}

#endif
