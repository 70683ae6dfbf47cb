/* test_model.c: the deliberation model's derivations (spec/model.md):
 * every authorisation rule, the same rule when the event arrives before
 * the one that authorises it, and order independence, in memory and on
 * real LMDB stores fed in different orders. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/credential.h"
#include "model/idea.h"
#include "model/moderation.h"
#include "model/process.h"
#include "model/roster.h"
#include "tests/unit/modelfx.h"
#include "tests/unit/test.h"

/* ---- model_refs: the rows of spec/model.md section 9 ---- */

TEST(model_refs_rows)
{
	uint8_t a[HASH_BYTES], c[HASH_BYTES], zero[HASH_BYTES] = { 0 };
	mfx_msgs_t x;
	model_ref_t r[MODEL_REF_MAX];
	Wiec__Body *b;

	memset(a, 0xaa, sizeof a);
	memset(c, 0xcc, sizeof c);
	b = mfx_body(&x, WIEC__BODY__CONTENT_IDEA);
	x.u.idea.title = (char *)"t";
	CHECK(model_refs(b, r) == 1 && r[0].tag == MREF_IDEA && memcmp(r[0].ref, zero, 32) == 0);
	x.u.idea.process = mfx_bin(a);
	CHECK(model_refs(b, r) == 1 && r[0].tag == MREF_IDEA && memcmp(r[0].ref, a, 32) == 0);
	x.u.idea.process = mfx_bin(NULL);
	x.u.idea.edit = mfx_bin(c);
	CHECK(model_refs(b, r) == 1 && r[0].tag == MREF_VERSION && memcmp(r[0].ref, c, 32) == 0);
	b = mfx_body(&x, WIEC__BODY__CONTENT_LINK);
	x.u.link.idea = mfx_bin(a);
	x.u.link.other = mfx_bin(c);
	CHECK(model_refs(b, r) == 2 && r[0].tag == MREF_LINK && memcmp(r[0].ref, a, 32) == 0 &&
	    r[1].tag == MREF_LINK && memcmp(r[1].ref, c, 32) == 0);
	b = mfx_body(&x, WIEC__BODY__CONTENT_CREDENTIAL);
	x.u.cred.scope = mfx_bin(a);
	x.u.cred.subject = mfx_bin(c);
	CHECK(model_refs(b, r) == 2 && r[0].tag == MREF_CREDENTIAL && memcmp(r[0].ref, a, 32) == 0 &&
	    r[1].tag == MREF_SUBJECT && memcmp(r[1].ref, c, 32) == 0);
	b = mfx_body(&x, WIEC__BODY__CONTENT_PROCESS);
	CHECK(model_refs(b, r) == 1 && r[0].tag == MREF_PROCESS && memcmp(r[0].ref, zero, 32) == 0);
	b = mfx_body(&x, WIEC__BODY__CONTENT_MEMBER);
	CHECK(model_refs(b, r) == 1 && r[0].tag == MREF_MEMBER && memcmp(r[0].ref, zero, 32) == 0);
	b = mfx_body(&x, WIEC__BODY__CONTENT_COMMENT);
	x.u.comment.target = mfx_bin(a);
	CHECK(model_refs(b, r) == 1 && r[0].tag == MREF_COMMENT && memcmp(r[0].ref, a, 32) == 0);
	{
		static const struct { int content; uint8_t tag; } one[] = {
			{ WIEC__BODY__CONTENT_PHASE, MREF_PHASE },
			{ WIEC__BODY__CONTENT_STATUS, MREF_STATUS },
			{ WIEC__BODY__CONTENT_EVALUATION, MREF_EVAL },
			{ WIEC__BODY__CONTENT_SUPPORT, MREF_SUPPORT },
			{ WIEC__BODY__CONTENT_REPORT, MREF_REPORT },
			{ WIEC__BODY__CONTENT_MODERATION, MREF_MODERATION },
			{ WIEC__BODY__CONTENT_APPEAL, MREF_APPEAL },
			{ WIEC__BODY__CONTENT_APPROVE, MREF_APPROVE },
		};

		for (size_t i = 0; i < sizeof one / sizeof one[0]; i++) {
			b = mfx_body(&x, one[i].content);
			/* The first field of each is the 32-byte ref. */
			switch (one[i].content) {
			case WIEC__BODY__CONTENT_PHASE: x.u.phase.process = mfx_bin(a); break;
			case WIEC__BODY__CONTENT_STATUS: x.u.status.idea = mfx_bin(a); break;
			case WIEC__BODY__CONTENT_EVALUATION: x.u.eval.idea = mfx_bin(a); break;
			case WIEC__BODY__CONTENT_SUPPORT: x.u.support.idea = mfx_bin(a); break;
			case WIEC__BODY__CONTENT_REPORT: x.u.report.target = mfx_bin(a); break;
			case WIEC__BODY__CONTENT_MODERATION: x.u.mod.target = mfx_bin(a); break;
			case WIEC__BODY__CONTENT_APPEAL: x.u.appeal.target = mfx_bin(a); break;
			default: x.u.approve.target = mfx_bin(a); break;
			}
			CHECK(model_refs(b, r) == 1 && r[0].tag == one[i].tag &&
			    memcmp(r[0].ref, a, 32) == 0);
		}
	}
	b = mfx_body(&x, WIEC__BODY__CONTENT_ANNOUNCE);
	CHECK(model_refs(b, r) == 0);
}

/* ---- a realistic consultation ---- */

typedef struct scen {
	mfx_t m;
	key_pair_t r1, r2, r3, biz;
	uint8_t p1[32], p2[32];			/* consultation; co-decision */
	uint8_t c_r1[32], c_r2[32], c_r2x[32], c_r3x[32];	/* c_r2x revokes r2; c_r3x by no registrar */
	uint8_t i1[32], i2[32], i3[32], i4[32], v1[32], vx[32];
	uint8_t s1[32], s2[32], sx[32], sw[32], sb[32];
	uint8_t e1[32], e2[32], ex[32];
	uint8_t su1[32], su2[32], su3[32], su4[32], su5[32];
	uint8_t l1[32], lx[32];
	uint8_t k1[32], k2[32], k3[32], k4[32];
	uint8_t rp1[32], m1[32], m2[32], m3[32], mx[32], ap1[32], apx[32];
	uint8_t ph1[32], phx[32], ph2[32], ph2a[32], ph3[32];
	uint8_t mc1[32], mc1a[32];
	size_t n_process, n_cred, n_approve_ph2, n_mc1a;	/* where some events are in m.ev */
} scen_t;

static int scen_build(scen_t *s)
{
	mfx_t *m = &s->m;
	mfx_proc_t pp;
	uint8_t nowhere[32];

	memset(s, 0, sizeof *s);
	TRY(mfx_init(m));
	fx_key(&s->r1, 0xA1);
	fx_key(&s->r2, 0xA2);
	fx_key(&s->r3, 0xA3);
	fx_key(&s->biz, 0xB1);
	memset(nowhere, 0xee, sizeof nowhere);

	/* P1: the city's consultation; the university reviews, the city
	 * moderates and registers; only credentialed residents count. */
	memset(&pp, 0, sizeof pp);
	pp.kind = WIEC__PROCESS_KIND__PROCESS_CONSULTATION;
	pp.owners[0] = m->city.pk;
	pp.nowners = 1;
	pp.reviewers[0] = m->univ.pk;
	pp.nreviewers = 1;
	pp.moderators[0] = m->city.pk;
	pp.nmoderators = 1;
	pp.registrars[0] = m->city.pk;
	pp.nregistrars = 1;
	pp.eligibility = 1;
	s->n_process = m->n;
	TRY(mfx_process(m, &m->city, &pp, s->p1));
	/* P2: co-decision of the city and the NGO (quorum 2 of 2). */
	memset(&pp, 0, sizeof pp);
	pp.kind = WIEC__PROCESS_KIND__PROCESS_CODECISION;
	pp.owners[0] = m->city.pk;
	pp.owners[1] = m->ngo.pk;
	pp.nowners = 2;
	TRY(mfx_process(m, &m->city, &pp, s->p2));

	s->n_cred = m->n;
	TRY(mfx_cred(m, &m->city, s->r1.pk, s->p1, "Jeżyce", 0, s->c_r1));
	TRY(mfx_cred(m, &m->city, s->r2.pk, s->p1, "Wilda", 0, s->c_r2));
	TRY(mfx_cred(m, &m->ngo, s->r3.pk, s->p1, "Wilda", 0, s->c_r3x));	/* not a registrar */

	TRY(mfx_idea(m, &s->r1, "Drzewa na rynku", s->p1, NULL, NULL, s->i1));
	TRY(mfx_idea(m, &s->r2, "Ławki", s->p1, NULL, NULL, s->i2));
	TRY(mfx_idea(m, &s->r3, "Źródło wody pitnej", NULL, NULL, NULL, s->i3));
	TRY(mfx_idea(m, &s->r3, "Bez poświadczenia", s->p1, NULL, NULL, s->i4));
	TRY(mfx_idea(m, &s->r1, "Drzewa i ławki na rynku", NULL, s->i1, NULL, s->v1));
	TRY(mfx_idea(m, &s->r2, "Cudza wersja", NULL, s->i1, NULL, s->vx));
	/* r2's credential is revoked after r2 posted. */
	TRY(mfx_cred(m, &m->city, s->r2.pk, s->p1, NULL, 1, s->c_r2x));

	TRY(mfx_support(m, &s->r2, s->i1, 0, s->su1));	/* revoked: not counted */
	TRY(mfx_support(m, &s->r1, s->i1, 0, s->su2));	/* counts */
	TRY(mfx_support(m, &s->r3, s->i3, 0, s->su3));
	TRY(mfx_support(m, &s->r3, s->i3, 1, s->su4));	/* withdrawn */
	TRY(mfx_support(m, &s->r1, s->i3, 0, s->su5));	/* bank: counts */

	TRY(mfx_status(m, &m->city, s->i1, WIEC__IDEA_STATUS__STATUS_UNDER_REVIEW, NULL, s->s1));
	TRY(mfx_status(m, &m->city, s->i1, WIEC__IDEA_STATUS__STATUS_ACCEPTED, s->s1, s->s2));
	TRY(mfx_status(m, &m->ngo, s->i1, WIEC__IDEA_STATUS__STATUS_REJECTED, s->s2, s->sx));
	TRY(mfx_status(m, &m->city, s->i1, WIEC__IDEA_STATUS__STATUS_REJECTED, nowhere, s->sw));

	TRY(mfx_eval(m, &m->univ, s->i1, WIEC__FEASIBILITY__FEASIBILITY_FEASIBLE, s->e1));
	TRY(mfx_eval(m, &m->univ, s->i1, WIEC__FEASIBILITY__FEASIBILITY_WITH_CHANGES, s->e2));
	TRY(mfx_eval(m, &m->ngo, s->i1, WIEC__FEASIBILITY__FEASIBILITY_NOT_FEASIBLE, s->ex));

	TRY(mfx_link(m, &m->city, s->i2, s->i1, 1, s->l1));	/* i2 merged into i1 */
	TRY(mfx_link(m, &m->ngo, s->i1, s->i3, 0, s->lx));	/* not an owner of P1 */

	TRY(mfx_comment(m, &s->r2, s->i1, "Super!", s->k1));
	TRY(mfx_comment(m, &s->r1, s->k1, "Dzięki.", s->k2));
	TRY(mfx_comment(m, &m->ngo, s->i1, "Popieramy.", s->k3));
	TRY(mfx_comment(m, &s->r3, nowhere, "Na coś, czego nie ma.", s->k4));

	TRY(mfx_report(m, &s->r1, s->k1, s->rp1));
	TRY(mfx_moderate(m, &m->city, s->k1, 1, NULL, s->m1));
	TRY(mfx_appeal(m, &s->r2, s->k1, s->ap1));
	TRY(mfx_appeal(m, &s->r3, s->k1, s->apx));		/* not the author */
	TRY(mfx_moderate(m, &m->city, s->k1, 0, s->m1, s->m2));	/* restored */
	TRY(mfx_moderate(m, &m->city, s->k2, 1, NULL, s->m3));
	TRY(mfx_moderate(m, &m->ngo, s->k3, 1, NULL, s->mx));	/* not a moderator */

	TRY(mfx_phase(m, &m->city, s->p1, 1, NULL, s->ph1));
	TRY(mfx_phase(m, &m->ngo, s->p1, 2, s->ph1, s->phx));	/* not an owner */
	TRY(mfx_phase(m, &m->city, s->p2, 1, NULL, s->ph2));
	s->n_approve_ph2 = m->n;
	TRY(mfx_approve(m, &m->ngo, s->ph2, s->ph2a));
	TRY(mfx_phase(m, &m->city, s->p1, 7, s->ph1, s->ph3));	/* no such phase */

	/* A fourth member, added by the city and approved by the NGO (q(3) = 2);
	 * it then sets a status in the open bank. */
	TRY(mfx_member_add(m, &m->city, &s->biz, NULL, s->mc1));
	s->n_mc1a = m->n;
	TRY(mfx_approve(m, &m->ngo, s->mc1, s->mc1a));
	TRY(mfx_status(m, &s->biz, s->i3, WIEC__IDEA_STATUS__STATUS_IN_PROGRESS, NULL, s->sb));
	return 0;
}

/* ---- a canonical serialisation of everything derived ---- */

static void hx(FILE *f, const uint8_t *id)
{
	for (int i = 0; i < 6; i++)
		fprintf(f, "%02x", id[i]);
}

static void items(FILE *f, const char *name, const model_items_t *it)
{
	fprintf(f, " %s[%zu:", name, it->counted);
	for (size_t i = 0; i < it->n; i++) {
		fputc(' ', f);
		hx(f, it->it[i].ev.id);
		fprintf(f, "/%s/%u", model_why_name(it->it[i].why), it->it[i].depth);
	}
	fputc(']', f);
}

static int dump_idea(FILE *f, const model_view_t *v, const roster_t *r, const uint8_t *id)
{
	model_idea_t i;
	model_thread_t t;

	TRY(model_idea_load(v, r, id, &i));
	fprintf(f, "idea ");
	hx(f, i.ev.id);
	fprintf(f, " %s %s latest ", model_why_name(i.why), i.bank ? "bank" : "process");
	hx(f, i.latest_ev->id);
	fprintf(f, " status %d", i.status_now);
	items(f, "versions", &i.versions);
	items(f, "status", &i.status);
	items(f, "evals", &i.evals);
	items(f, "supports", &i.supports);
	items(f, "links", &i.links);
	fprintf(f, " hidden %d", i.mod.hidden);
	items(f, "decisions", &i.mod.decisions);
	items(f, "reports", &i.mod.reports);
	items(f, "appeals", &i.mod.appeals);
	fputc('\n', f);
	model_idea_free(&i);
	TRY(model_thread_load(v, r, id, &t));
	for (size_t k = 0; k < t.n; k++) {
		model_moderation_t mm;

		fprintf(f, "  comment ");
		hx(f, t.c[k].ev.id);
		fprintf(f, " depth %u parent %zd hidden %d", t.c[k].depth,
		    t.c[k].parent == SIZE_MAX ? (ssize_t)-1 : (ssize_t)t.c[k].parent, t.c[k].hidden);
		if (model_moderation_load(v, r, t.c[k].ev.id, &mm) == 0) {
			items(f, "decisions", &mm.decisions);
			items(f, "reports", &mm.reports);
			items(f, "appeals", &mm.appeals);
			model_moderation_free(&mm);
		}
		fputc('\n', f);
	}
	model_thread_free(&t);
	return 0;
}

/* Everything a node would show: the roster, every process, every idea of
 * each and of the bank with its thread, and the credentials of some keys. */
static int dump(const model_view_t *v, const uint8_t (*keys)[32], size_t nkeys, char **out)
{
	size_t len;
	FILE *f = open_memstream(out, &len);
	roster_t r;
	model_ids_t ps = { 0 };
	int rc;

	if (f == NULL)
		return WIEC_ERR_NOMEM;
	if ((rc = roster_load(v, &r)) != 0)
		goto out;
	fprintf(f, "roster %zu quorum %u\n", r.n, r.quorum);
	for (size_t i = 0; i < r.n; i++) {
		fprintf(f, "member ");
		hx(f, r.members[i].key);
		fputc('\n', f);
	}
	if ((rc = model_process_list(v, &r, 1, &ps)) != 0)
		goto out;
	for (size_t i = 0; i <= ps.n; i++) {
		model_ids_t is = { 0 };

		if (i < ps.n) {
			model_process_t p;

			if ((rc = model_process_load(v, &r, ps.id[i], &p)) != 0)
				goto out;
			fprintf(f, "process ");
			hx(f, ps.id[i]);
			fprintf(f, " %s phase %u quorum %u", model_why_name(p.why), p.phase, p.quorum);
			items(f, "changes", &p.changes);
			fputc('\n', f);
			for (size_t k = 0; k < nkeys; k++) {
				model_cred_t c;
				const char *unit;

				if ((rc = model_credential(v, &r, &p, keys[k], &c)) != 0) {
					model_process_free(&p);
					goto out;
				}
				unit = model_cred_attr(&c, "unit");
				fprintf(f, "  credential ");
				hx(f, keys[k]);
				fprintf(f, " eligible %d unit %s", c.eligible, unit ? unit : "-");
				items(f, "all", &c.all);
				fputc('\n', f);
				model_cred_free(&c);
			}
			model_process_free(&p);
		}
		if ((rc = model_idea_list(v, &r, i < ps.n ? ps.id[i] : NULL, &is)) != 0)
			goto out;
		for (size_t k = 0; k < is.n && rc == 0; k++)
			rc = dump_idea(f, v, &r, is.id[k]);
		model_ids_free(&is);
		if (rc != 0)
			goto out;
	}
out:
	model_ids_free(&ps);
	roster_free(&r);
	fclose(f);
	if (rc != 0) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

/* The scenario's events held in memory, all but those with skip[i]. */
static int hold_all(memview_t *mv, const scen_t *s, const uint8_t *skip)
{
	memview_init(mv, s->m.g.body, model_refs);
	for (size_t i = 0; i < s->m.n; i++)
		if (skip == NULL || !skip[i])
			TRY(mfx_hold(mv, &s->m, i));
	return 0;
}

static size_t index_of(const scen_t *s, const uint8_t *id)
{
	for (size_t i = 0; i < s->m.n; i++)
		if (memcmp(s->m.ev[i].id, id, 32) == 0)
			return i;
	return SIZE_MAX;
}

static int why_in(const model_items_t *it, const uint8_t *id)
{
	for (size_t i = 0; i < it->n; i++)
		if (memcmp(it->it[i].ev.id, id, 32) == 0)
			return it->it[i].why;
	return -1;
}

static const uint8_t *rkeys(const scen_t *s, uint8_t (*k)[32])
{
	memcpy(k[0], s->r1.pk, 32);
	memcpy(k[1], s->r2.pk, 32);
	memcpy(k[2], s->r3.pk, 32);
	return k[0];
}

TEST(model_scenario_rules)
{
	scen_t *s = malloc(sizeof *s);
	memview_t mv;
	model_view_t v;
	roster_t r;
	model_idea_t i;
	model_process_t p;
	model_cred_t c;
	model_thread_t t;
	model_ids_t ids = { 0 };

	CHECK(s != NULL && scen_build(s) == 0);
	CHECK(hold_all(&mv, s, NULL) == 0);
	v = memview_view(&mv);
	CHECK(roster_load(&v, &r) == 0);
	CHECK(r.n == 4);	/* the added business counts */

	/* Processes: both valid; P1 moved to phase 1 (ngo's change and the
	 * change to a phase that does not exist are ignored). */
	CHECK(model_process_list(&v, &r, 0, &ids) == 0 && ids.n == 2);
	model_ids_free(&ids);
	CHECK(model_process_load(&v, &r, s->p1, &p) == 0);
	CHECK(p.why == MODEL_OK && p.phase == 1 && p.changes.counted == 1);
	CHECK(why_in(&p.changes, s->phx) == MODEL_NOT_AUTHORISED);
	CHECK(why_in(&p.changes, s->ph3) == MODEL_NO_PHASE);
	CHECK(memcmp(p.scope, s->p1, 32) == 0);
	/* Credentials: r1 eligible with its unit; r2 revoked; r3 never. */
	CHECK(model_credential(&v, &r, &p, s->r1.pk, &c) == 0 && c.eligible);
	CHECK(strcmp(model_cred_attr(&c, "unit"), "Jeżyce") == 0);
	model_cred_free(&c);
	CHECK(model_credential(&v, &r, &p, s->r2.pk, &c) == 0 && !c.eligible);
	CHECK(c.all.counted == 1 && why_in(&c.all, s->c_r2) == MODEL_SUPERSEDED);
	model_cred_free(&c);
	CHECK(model_credential(&v, &r, &p, s->r3.pk, &c) == 0 && !c.eligible && c.all.n == 1);
	CHECK(why_in(&c.all, s->c_r3x) == MODEL_NOT_AUTHORISED);
	model_cred_free(&c);
	model_process_free(&p);
	/* Co-decision: the city's change counts with the NGO's approval. */
	CHECK(model_process_load(&v, &r, s->p2, &p) == 0);
	CHECK(p.quorum == 2 && p.phase == 1 && p.changes.counted == 1);
	model_process_free(&p);

	/* Ideas of P1: i1, i2, i4 (listed); i2's author lost its credential,
	 * i4's never had one. */
	CHECK(model_idea_list(&v, &r, s->p1, &ids) == 0 && ids.n == 3);
	model_ids_free(&ids);
	CHECK(model_idea_list(&v, &r, NULL, &ids) == 0 && ids.n == 1 &&
	    memcmp(ids.id[0], s->i3, 32) == 0);
	model_ids_free(&ids);
	CHECK(model_idea_load(&v, &r, s->i2, &i) == 0 && i.why == MODEL_NOT_ELIGIBLE);
	CHECK(i.links.counted == 1);		/* the merge shows on both */
	model_idea_free(&i);
	CHECK(model_idea_load(&v, &r, s->i4, &i) == 0 && i.why == MODEL_NOT_ELIGIBLE && !i.eligible);
	model_idea_free(&i);

	/* i1 through its version's id: the original with its history. */
	CHECK(model_idea_load(&v, &r, s->v1, &i) == 0 && i.why == MODEL_OK && i.eligible);
	CHECK(memcmp(i.ev.id, s->i1, 32) == 0);
	CHECK(i.versions.counted == 2 && memcmp(i.latest_ev->id, s->v1, 32) == 0);
	CHECK(strcmp(i.latest->title, "Drzewa i ławki na rynku") == 0);
	CHECK(why_in(&i.versions, s->vx) == MODEL_WRONG_AUTHOR);
	/* Status: s1 then s2 by the owner; the NGO's ignored; sw waits. */
	CHECK(i.status_now == WIEC__IDEA_STATUS__STATUS_ACCEPTED && i.status.counted == 2);
	CHECK(memcmp(i.status.it[0].ev.id, s->s1, 32) == 0 && i.status.it[0].depth == 1);
	CHECK(memcmp(i.status.it[1].ev.id, s->s2, 32) == 0 && i.status.it[1].depth == 2);
	CHECK(why_in(&i.status, s->sx) == MODEL_NOT_AUTHORISED);
	CHECK(why_in(&i.status, s->sw) == MODEL_WAITING);
	/* Evaluations: the reviewer's latest; the NGO is no reviewer of P1. */
	CHECK(i.evals.counted == 1 && memcmp(i.evals.it[0].ev.id, s->e2, 32) == 0);
	CHECK(why_in(&i.evals, s->e1) == MODEL_SUPERSEDED);
	CHECK(why_in(&i.evals, s->ex) == MODEL_NOT_AUTHORISED);
	/* Supports: r1 counts; r2's credential was revoked. */
	CHECK(i.supports.counted == 1 && memcmp(i.supports.it[0].ev.id, s->su2, 32) == 0);
	CHECK(why_in(&i.supports, s->su1) == MODEL_NOT_ELIGIBLE);
	/* Links: the city's merge counts; the NGO's link does not. */
	CHECK(i.links.counted == 1 && memcmp(i.links.it[0].ev.id, s->l1, 32) == 0);
	CHECK(why_in(&i.links, s->lx) == MODEL_NOT_AUTHORISED);
	model_idea_free(&i);

	/* The thread of i1: k1 (restored), k2 under it (hidden), k3 (the NGO's
	 * hide does not count); k4's target is not held: in no thread. */
	CHECK(model_thread_load(&v, &r, s->i1, &t) == 0 && t.n == 3);
	CHECK(memcmp(t.c[0].ev.id, s->k1, 32) == 0 || memcmp(t.c[0].ev.id, s->k3, 32) == 0);
	for (size_t k = 0; k < t.n; k++) {
		if (memcmp(t.c[k].ev.id, s->k1, 32) == 0)
			CHECK(t.c[k].depth == 1 && !t.c[k].hidden);
		else if (memcmp(t.c[k].ev.id, s->k2, 32) == 0)
			CHECK(t.c[k].depth == 2 && t.c[k].hidden &&
			    memcmp(t.c[t.c[k].parent].ev.id, s->k1, 32) == 0);
		else
			CHECK(memcmp(t.c[k].ev.id, s->k3, 32) == 0 && !t.c[k].hidden);
	}
	model_thread_free(&t);
	{
		model_moderation_t mm;

		CHECK(model_moderation_load(&v, &r, s->k1, &mm) == 0);
		CHECK(!mm.hidden && mm.decisions.counted == 2 && mm.reports.n == 1);
		CHECK(mm.appeals.counted == 1 && why_in(&mm.appeals, s->apx) == MODEL_WRONG_AUTHOR);
		model_moderation_free(&mm);
		CHECK(model_moderation_load(&v, &r, s->k3, &mm) == 0);
		CHECK(!mm.hidden && why_in(&mm.decisions, s->mx) == MODEL_NOT_AUTHORISED);
		model_moderation_free(&mm);
		CHECK(model_moderation_load(&v, &r, s->k4, &mm) == WIEC_ERR_NOTFOUND);
	}

	/* The bank: any member sets a status, the added business included;
	 * r3 withdrew, r1 supports. */
	CHECK(model_idea_load(&v, &r, s->i3, &i) == 0 && i.why == MODEL_OK && i.bank);
	CHECK(i.status_now == WIEC__IDEA_STATUS__STATUS_IN_PROGRESS);
	CHECK(i.supports.counted == 1 && memcmp(i.supports.it[0].ev.author, s->r1.pk, 32) == 0);
	CHECK(why_in(&i.supports, s->su4) == MODEL_WITHDRAWN);
	CHECK(why_in(&i.supports, s->su3) == MODEL_SUPERSEDED);
	model_idea_free(&i);

	roster_free(&r);
	memview_free(&mv);
	mfx_free(&s->m);
	free(s);
}

/* Each authorising event held or not: the authorised event is ignored
 * without it (as when it arrives first) and counts once it is held. */
TEST(model_authorisation_arrives_later)
{
	scen_t *s = malloc(sizeof *s);
	uint8_t *skip;
	memview_t mv;
	model_view_t v;
	roster_t r;
	model_idea_t i;
	model_process_t p;

	CHECK(s != NULL && scen_build(s) == 0);
	CHECK((skip = calloc(s->m.n, 1)) != NULL);

	/* Without the process: its ideas are not listed, statuses, evaluations,
	 * supports and moderation of them count for nothing. */
	skip[index_of(s, s->p1)] = 1;
	CHECK(hold_all(&mv, s, skip) == 0);
	v = memview_view(&mv);
	CHECK(roster_load(&v, &r) == 0);
	CHECK(model_idea_load(&v, &r, s->i1, &i) == 0 && i.why == MODEL_NO_PROCESS);
	CHECK(i.status.counted == 0 && i.status_now == WIEC__IDEA_STATUS__STATUS_SUBMITTED);
	CHECK(why_in(&i.status, s->s1) == MODEL_NO_PROCESS);
	CHECK(i.evals.counted == 0 && i.supports.counted == 0 && i.links.counted == 0);
	model_idea_free(&i);
	{
		model_moderation_t mm;

		CHECK(model_moderation_load(&v, &r, s->k2, &mm) == 0 && !mm.hidden);
		model_moderation_free(&mm);
	}
	roster_free(&r);
	memview_free(&mv);

	/* Without r1's credential: r1's idea and support do not count. */
	memset(skip, 0, s->m.n);
	skip[index_of(s, s->c_r1)] = 1;
	CHECK(hold_all(&mv, s, skip) == 0);
	v = memview_view(&mv);
	CHECK(roster_load(&v, &r) == 0);
	CHECK(model_idea_load(&v, &r, s->i1, &i) == 0 && i.why == MODEL_NOT_ELIGIBLE);
	CHECK(i.supports.counted == 0);
	model_idea_free(&i);
	roster_free(&r);
	memview_free(&mv);

	/* Without the NGO's approval: the co-decision phase change waits for
	 * its quorum; the business is no member, its status does not count. */
	memset(skip, 0, s->m.n);
	skip[index_of(s, s->ph2a)] = 1;
	skip[index_of(s, s->mc1a)] = 1;
	CHECK(hold_all(&mv, s, skip) == 0);
	v = memview_view(&mv);
	CHECK(roster_load(&v, &r) == 0 && r.n == 3);
	CHECK(model_process_load(&v, &r, s->p2, &p) == 0 && p.phase == 0);
	CHECK(why_in(&p.changes, s->ph2) == MODEL_NO_QUORUM);
	model_process_free(&p);
	CHECK(model_idea_load(&v, &r, s->i3, &i) == 0);
	CHECK(i.status_now == WIEC__IDEA_STATUS__STATUS_SUBMITTED);
	CHECK(why_in(&i.status, s->sb) == MODEL_NOT_AUTHORISED);
	model_idea_free(&i);
	roster_free(&r);
	memview_free(&mv);

	/* Without s1: s2 (after s1) waits; the current status is none. */
	memset(skip, 0, s->m.n);
	skip[index_of(s, s->s1)] = 1;
	CHECK(hold_all(&mv, s, skip) == 0);
	v = memview_view(&mv);
	CHECK(roster_load(&v, &r) == 0);
	CHECK(model_idea_load(&v, &r, s->i1, &i) == 0);
	CHECK(i.status.counted == 0 && why_in(&i.status, s->s2) == MODEL_WAITING);
	CHECK(i.status_now == WIEC__IDEA_STATUS__STATUS_SUBMITTED);
	model_idea_free(&i);
	/* Without k1: k2 (its answer) is in no thread. */
	roster_free(&r);
	memview_free(&mv);
	memset(skip, 0, s->m.n);
	skip[index_of(s, s->k1)] = 1;
	CHECK(hold_all(&mv, s, skip) == 0);
	v = memview_view(&mv);
	CHECK(roster_load(&v, &r) == 0);
	{
		model_thread_t t;

		CHECK(model_thread_load(&v, &r, s->i1, &t) == 0 && t.n == 1);
		CHECK(memcmp(t.c[0].ev.id, s->k3, 32) == 0);
		model_thread_free(&t);
	}
	roster_free(&r);
	memview_free(&mv);
	free(skip);
	mfx_free(&s->m);
	free(s);
}

/* A removed member loses its roles: its past acts are shown as by a former
 * member and no longer count. */
TEST(model_former_member_loses_roles)
{
	scen_t *s = malloc(sizeof *s);
	mfx_msgs_t x;
	Wiec__Body *b;
	memview_t mv;
	model_view_t v;
	roster_t r;
	model_idea_t i;
	uint8_t rm[32], rma[32];

	CHECK(s != NULL && scen_build(s) == 0);
	/* The city and the NGO remove the university (the P1 reviewer). */
	b = mfx_body(&x, WIEC__BODY__CONTENT_MEMBER);
	x.u.member.op = WIEC__MEMBER_OP__MEMBER_REMOVE;
	x.u.member.key = mfx_bin(s->m.univ.pk);
	x.u.member.after = mfx_bin(s->mc1);
	CHECK(mfx_post(&s->m, &s->m.city, b, rm) == 0);
	CHECK(mfx_approve(&s->m, &s->m.ngo, rm, rma) == 0);
	CHECK(mfx_approve(&s->m, &s->biz, rm, NULL) == 0);	/* q(4) = 3 */
	CHECK(hold_all(&mv, s, NULL) == 0);
	v = memview_view(&mv);
	CHECK(roster_load(&v, &r) == 0 && r.n == 3);
	CHECK(model_idea_load(&v, &r, s->i1, &i) == 0);
	CHECK(i.evals.counted == 0 && why_in(&i.evals, s->e2) == MODEL_FORMER);
	model_idea_free(&i);
	roster_free(&r);
	memview_free(&mv);
	mfx_free(&s->m);
	free(s);
}

/* Comments deeper than MODEL_THREAD_DEPTH levels are not shown. */
TEST(model_thread_depth_bound)
{
	mfx_t *m = malloc(sizeof *m);
	key_pair_t r1;
	uint8_t idea[32], prev[32], root[32];
	memview_t mv;
	model_view_t v;
	roster_t r;
	model_thread_t t;
	uint32_t d;

	CHECK(m != NULL && mfx_init(m) == 0);
	fx_key(&r1, 0xA1);
	CHECK(mfx_idea(m, &r1, "Głęboko", NULL, NULL, NULL, idea) == 0);
	memcpy(prev, idea, 32);
	for (int k = 0; k < MODEL_THREAD_DEPTH + 2; k++)
		CHECK(mfx_comment(m, &r1, prev, "re", prev) == 0);
	CHECK(mfx_hold_all(&mv, m, NULL, m->n) == 0);
	v = memview_view(&mv);
	CHECK(roster_load(&v, &r) == 0);
	CHECK(model_thread_load(&v, &r, idea, &t) == 0 && t.n == MODEL_THREAD_DEPTH);
	CHECK(t.c[t.n - 1].depth == MODEL_THREAD_DEPTH);
	CHECK(model_root_idea(&v, t.c[t.n - 1].ev.id, root, &d) == 0 && d == MODEL_THREAD_DEPTH);
	CHECK(memcmp(root, idea, 32) == 0);
	CHECK(model_root_idea(&v, prev, root, &d) == WIEC_ERR_NOTFOUND);
	model_thread_free(&t);
	roster_free(&r);
	memview_free(&mv);
	mfx_free(m);
	free(m);
}

/* ---- order independence ---- */

static void shuffle(size_t *a, size_t n, unsigned long long *seed)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)(test_rand(seed) % i), t = a[i - 1];

		a[i - 1] = a[j];
		a[j] = t;
	}
}

TEST(model_memory_order_independent)
{
	scen_t *s = malloc(sizeof *s);
	uint8_t k[3][32];
	unsigned long long seed = 11;
	char *ref = NULL, *got = NULL;
	size_t *ord;
	memview_t mv;
	model_view_t v;

	CHECK(s != NULL && scen_build(s) == 0);
	rkeys(s, k);
	CHECK((ord = malloc(s->m.n * sizeof *ord)) != NULL);
	CHECK(hold_all(&mv, s, NULL) == 0);
	v = memview_view(&mv);
	CHECK(dump(&v, (const uint8_t (*)[32])k, 3, &ref) == 0);
	if (getenv("WIEC_MODEL_DUMP"))
		fputs(ref, stderr);
	memview_free(&mv);
	for (int round = 0; round < 10; round++) {
		for (size_t i = 0; i < s->m.n; i++)
			ord[i] = i;
		shuffle(ord, s->m.n, &seed);
		CHECK(mfx_hold_all(&mv, &s->m, ord, s->m.n) == 0);
		v = memview_view(&mv);
		CHECK(dump(&v, (const uint8_t (*)[32])k, 3, &got) == 0);
		CHECK(strcmp(ref, got) == 0);
		free(got);
		memview_free(&mv);
	}
	free(ref);
	free(ord);
	mfx_free(&s->m);
	free(s);
}

static int store_dump(store_t *st, const uint8_t (*k)[32], char **out)
{
	store_view_t *sv;
	model_view_t v;
	int rc;

	if ((rc = store_view_begin(st, &sv, &v)) != 0)
		return rc;
	rc = dump(&v, k, 3, out);
	store_view_end(&sv);
	return rc;
}

static int kv_hash(void *ctx, const char *db, const void *k, size_t klen, const void *v,
    size_t vlen)
{
	FILE *f = ctx;

	fprintf(f, "%s %zu %zu\n", db, klen, vlen);
	fwrite(k, 1, klen, f);
	fwrite(v, 1, vlen, f);
	return 0;
}

static int derived(store_t *st, char **out, size_t *len)
{
	FILE *f = open_memstream(out, len);
	int rc;

	if (f == NULL)
		return WIEC_ERR_NOMEM;
	rc = store_dump_derived(st, kv_hash, f);
	fclose(f);
	return rc;
}

/* Real LMDB: the events arrive one by one in shuffled orders (children
 * before their prev wait, then are released), in two stores; every
 * derived result equals the in-memory one, and reindex rebuilds the
 * refs index byte for byte. */
TEST(model_lmdb_order_independent)
{
	scen_t *s = malloc(sizeof *s);
	uint8_t k[3][32];
	unsigned long long seed = 5;
	char *ref = NULL, *got = NULL, *d1 = NULL, *d2 = NULL, name[16];
	size_t *ord, l1, l2;
	memview_t mv;
	model_view_t v;

	CHECK(s != NULL && scen_build(s) == 0);
	rkeys(s, k);
	CHECK((ord = malloc(s->m.n * sizeof *ord)) != NULL);
	CHECK(hold_all(&mv, s, NULL) == 0);
	v = memview_view(&mv);
	CHECK(dump(&v, (const uint8_t (*)[32])k, 3, &ref) == 0);
	memview_free(&mv);
	for (int round = 0; round < 3; round++) {
		store_t *st;
		size_t held = 0;

		for (size_t i = 0; i < s->m.n; i++)
			ord[i] = i;
		if (round > 0)
			shuffle(ord, s->m.n, &seed);
		snprintf(name, sizeof name, "s%d", round);
		CHECK(mfx_store(&s->m, &st, TEST_TMP, name) == 0);
		for (size_t i = 0; i < s->m.n; i++) {
			int r = fx_ingest1(st, &s->m.ev[ord[i]]);

			CHECK(r == STORE_ADDED || r == STORE_PENDING || r == STORE_FORK);
		}
		{
			store_stats_t stt;

			CHECK(store_stats(st, &stt) == 0);
			held = stt.events;
		}
		CHECK(held == s->m.n);
		CHECK(store_dump(st, (const uint8_t (*)[32])k, &got) == 0);
		if (strcmp(ref, got) != 0)
			fprintf(stderr, "--- memory\n%s--- store\n%s", ref, got);
		CHECK(strcmp(ref, got) == 0);
		free(got);
		/* reindex: the derived databases, refs included, byte for byte. */
		CHECK(derived(st, &d1, &l1) == 0);
		CHECK(memmem(d1, l1, "refs 65 8", 9) != NULL);
		CHECK(store_reindex(st) == 0);
		CHECK(derived(st, &d2, &l2) == 0);
		CHECK(l1 == l2 && memcmp(d1, d2, l1) == 0);
		free(d1);
		free(d2);
		store_close(&st);
	}
	free(ref);
	free(ord);
	mfx_free(&s->m);
	free(s);
}

/* The store's view: excluded events are not found; refs walk in id order. */
TEST(model_store_view_basics)
{
	scen_t *s = malloc(sizeof *s);
	store_t *st;
	store_view_t *sv;
	model_view_t v;
	model_ev_t e;
	uint8_t none[32];
	model_ids_t ids = { 0 };

	CHECK(s != NULL && scen_build(s) == 0);
	CHECK(mfx_store(&s->m, &st, TEST_TMP, "v") == 0);
	for (size_t i = 0; i < s->m.n; i++)
		CHECK(fx_ingest1(st, &s->m.ev[i]) == STORE_ADDED);
	CHECK(store_view_begin(st, &sv, &v) == 0);
	CHECK(v.genesis(v.ctx) != NULL && v.genesis(v.ctx)->n_founders == 3);
	CHECK(v.get(v.ctx, s->i1, &e) == 0 && e.body->content_case == WIEC__BODY__CONTENT_IDEA);
	CHECK(memcmp(e.author, s->r1.pk, 32) == 0 && e.seq >= 1 && e.lseq >= 1);
	model_ev_free(&e);
	memset(none, 0x42, sizeof none);
	CHECK(v.get(v.ctx, none, &e) == WIEC_ERR_NOTFOUND);
	CHECK(model_ids_collect(&v, s->i1, MREF_STATUS, &ids) == 0 && ids.n == 4);
	for (size_t i = 1; i < ids.n; i++)
		CHECK(memcmp(ids.id[i - 1], ids.id[i], 32) < 0);
	model_ids_free(&ids);
	store_view_end(&sv);
	CHECK(sv == NULL);
	store_close(&st);
	mfx_free(&s->m);
	free(s);
}

/* With WIEC_WRITE_SEEDS=DIR: writes one envelope of each kind of the
 * scenario to DIR (the seeds of tests/fuzz/corpus/envelope). */
TEST(model_write_fuzz_seeds)
{
	const char *dir = getenv("WIEC_WRITE_SEEDS");
	scen_t *s;
	int seen[64] = { 0 };

	if (dir == NULL)
		return;
	CHECK((s = malloc(sizeof *s)) != NULL && scen_build(s) == 0);
	for (size_t i = 0; i < s->m.n; i++) {
		ev_t ev;
		char path[512];

		CHECK(ev_decode(&ev, s->m.ev[i].env, s->m.ev[i].len) == 0);
		if (!seen[ev.kind]) {
			seen[ev.kind] = 1;
			snprintf(path, sizeof path, "%s/model-%s", dir, ev_kind_name(ev.kind));
			CHECK(fx_write_file(path, s->m.ev[i].env, s->m.ev[i].len, 0644) == 0);
		}
		ev_free(&ev);
	}
	mfx_free(&s->m);
	free(s);
}

/* Real LMDB, the authorising events last: the NGO's approvals of the
 * co-decision phase change and of the member add arrive after everything
 * else. Until then the phase change lacks its quorum and the new member's
 * status does not count; afterwards the state is the reference one. */
TEST(model_lmdb_authoriser_arrives_last)
{
	scen_t *s = malloc(sizeof *s);
	uint8_t k[3][32];
	char *ref = NULL, *got = NULL;
	size_t ia, ib;
	memview_t mv;
	model_view_t v;
	store_t *st;
	store_view_t *sv;
	roster_t r;
	model_process_t p;
	model_idea_t i;

	CHECK(s != NULL && scen_build(s) == 0);
	rkeys(s, k);
	CHECK(hold_all(&mv, s, NULL) == 0);
	v = memview_view(&mv);
	CHECK(dump(&v, (const uint8_t (*)[32])k, 3, &ref) == 0);
	memview_free(&mv);
	ia = index_of(s, s->ph2a);
	ib = index_of(s, s->mc1a);
	CHECK(mfx_store(&s->m, &st, TEST_TMP, "late") == 0);
	for (size_t j = 0; j < s->m.n; j++)
		if (j != ia && j != ib)
			CHECK(fx_ingest1(st, &s->m.ev[j]) > 0);
	CHECK(store_view_begin(st, &sv, &v) == 0);
	CHECK(roster_load(&v, &r) == 0 && r.n == 3);
	CHECK(model_process_load(&v, &r, s->p2, &p) == 0 && p.phase == 0);
	CHECK(why_in(&p.changes, s->ph2) == MODEL_NO_QUORUM);
	model_process_free(&p);
	CHECK(model_idea_load(&v, &r, s->i3, &i) == 0);
	CHECK(why_in(&i.status, s->sb) == MODEL_NOT_AUTHORISED);
	model_idea_free(&i);
	roster_free(&r);
	store_view_end(&sv);
	CHECK(fx_ingest1(st, &s->m.ev[ib]) == STORE_PENDING);	/* its prev ph2a is missing */
	CHECK(fx_ingest1(st, &s->m.ev[ia]) == STORE_ADDED);	/* and releases it */
	CHECK(store_dump(st, (const uint8_t (*)[32])k, &got) == 0);
	CHECK(strcmp(ref, got) == 0);
	free(got);
	free(ref);
	store_close(&st);
	mfx_free(&s->m);
	free(s);
}

/* A budget process: ideas need a unit of the process; credentials of a
 * shared census count; an explicit quorum of 2 owners outside co-decision;
 * in the open bank any member evaluates. */
TEST(model_budget_census_quorum)
{
	mfx_t *m = malloc(sizeof *m);
	mfx_proc_t pp;
	key_pair_t r1, r2;
	uint8_t census[32], p[32], a[32], b[32], c[32], ph[32], bank[32], ev[32];
	memview_t mv;
	model_view_t v;
	roster_t r;
	model_idea_t i;
	model_process_t pr;
	model_cred_t cr;

	CHECK(m != NULL && mfx_init(m) == 0);
	fx_key(&r1, 0xA1);
	fx_key(&r2, 0xA2);
	memset(census, 0x5c, sizeof census);
	memset(&pp, 0, sizeof pp);
	pp.kind = WIEC__PROCESS_KIND__PROCESS_BUDGET;
	pp.owners[0] = m->city.pk;
	pp.owners[1] = m->ngo.pk;
	pp.nowners = 2;
	pp.quorum = 2;
	pp.registrars[0] = m->univ.pk;
	pp.nregistrars = 1;
	pp.eligibility = 1;
	pp.census = census;
	CHECK(mfx_process(m, &m->city, &pp, p) == 0);
	CHECK(mfx_cred(m, &m->univ, r1.pk, census, "Wilda", 0, NULL) == 0);
	CHECK(mfx_cred(m, &m->univ, r2.pk, p, "Wilda", 0, NULL) == 0);	/* wrong scope */
	CHECK(mfx_idea(m, &r1, "Bez dzielnicy", p, NULL, NULL, a) == 0);
	CHECK(mfx_idea(m, &r1, "Na Wildzie", p, NULL, "Wilda", b) == 0);
	CHECK(mfx_idea(m, &r2, "Też na Wildzie", p, NULL, "Wilda", c) == 0);
	CHECK(mfx_phase(m, &m->city, p, 1, NULL, ph) == 0);
	CHECK(mfx_idea(m, &r2, "W banku", NULL, NULL, NULL, bank) == 0);
	CHECK(mfx_eval(m, &m->ngo, bank, WIEC__FEASIBILITY__FEASIBILITY_FEASIBLE, ev) == 0);
	CHECK(mfx_hold_all(&mv, m, NULL, m->n) == 0);
	v = memview_view(&mv);
	CHECK(roster_load(&v, &r) == 0);
	CHECK(model_process_load(&v, &r, p, &pr) == 0 && pr.quorum == 2);
	CHECK(memcmp(pr.scope, census, 32) == 0);
	CHECK(pr.phase == 0 && why_in(&pr.changes, ph) == MODEL_NO_QUORUM);
	CHECK(model_credential(&v, &r, &pr, r1.pk, &cr) == 0 && cr.eligible);
	CHECK(strcmp(model_cred_attr(&cr, "unit"), "Wilda") == 0);
	model_cred_free(&cr);
	CHECK(model_credential(&v, &r, &pr, r2.pk, &cr) == 0 && !cr.eligible && cr.all.n == 0);
	model_cred_free(&cr);
	model_process_free(&pr);
	CHECK(model_idea_load(&v, &r, a, &i) == 0 && i.why == MODEL_NO_UNIT && i.eligible);
	model_idea_free(&i);
	CHECK(model_idea_load(&v, &r, b, &i) == 0 && i.why == MODEL_OK);
	model_idea_free(&i);
	CHECK(model_idea_load(&v, &r, c, &i) == 0 && i.why == MODEL_NOT_ELIGIBLE);
	model_idea_free(&i);
	CHECK(model_idea_load(&v, &r, bank, &i) == 0 && i.evals.counted == 1);
	model_idea_free(&i);
	roster_free(&r);
	memview_free(&mv);
	mfx_free(m);
	free(m);
}
