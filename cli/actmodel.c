/* actmodel.c: what the local model says about an act before it is posted
 * (act.h). The rules are the model's (model/): this file asks them
 * through a view of the held events and turns "would not count" into one
 * clear line. It also sets `after` of the multi-author slots (status,
 * phase, moderation) to the slot's current event, as spec/model.md asks of
 * a poster. Offline (c->s NULL) every check passes: the node that receives
 * the event applies the same rules when it folds. */
#include <stdlib.h>
#include <string.h>

#include "cli/act.h"
#include "cli/cli.h"
#include "crypto/err.h"
#include "model/credential.h"
#include "model/idea.h"
#include "model/moderation.h"
#include "model/process.h"
#include "model/roster.h"
#include "model/slot.h"

struct act_model {
	store_view_t *sv;
	model_view_t v;
	roster_t r;
};

void act_model_close(act_ctx_t *c)
{
	if (c->m == NULL)
		return;
	roster_free(&c->m->r);
	store_view_end(&c->m->sv);
	free(c->m);
	c->m = NULL;
}

/* Opens the view and the current roster on first use. */
static int model_open(act_ctx_t *c)
{
	struct act_model *m;
	int rc;

	if (c->m != NULL)
		return 0;
	if ((m = calloc(1, sizeof *m)) == NULL)
		return cli_fail(EXIT_FAIL, c->cmd, "out of memory");
	if ((rc = store_view_begin(c->s, &m->sv, &m->v)) != 0) {
		free(m);
		return cli_fail(cli_status(rc), c->cmd, "%s", act_strerror(c, rc));
	}
	if ((rc = roster_load(&m->v, &m->r)) != 0) {
		store_view_end(&m->sv);
		free(m);
		return cli_fail(cli_status(rc), c->cmd, "cannot derive the members: %s",
		    act_strerror(c, rc));
	}
	c->m = m;
	return 0;
}

static int view_fail(act_ctx_t *c, int rc)
{
	return cli_fail(cli_status(rc), c->cmd, "%s", act_strerror(c, rc));
}

static void set_after(ProtobufCBinaryData *after, act_ctx_t *c, const model_items_t *it)
{
	if (it->counted == 0)
		return;		/* the slot's first event */
	memcpy(c->after, it->it[it->counted - 1].ev.id, HASH_BYTES);
	after->data = c->after;
	after->len = HASH_BYTES;
}

/* Whether this identity holds role in the process (NULL: the open bank). */
static int has_role(act_ctx_t *c, const Wiec__Process *p, int role)
{
	return model_role(&c->m->r, p, role, c->self) != NULL;
}

static int refuse_role(act_ctx_t *c, const char *role, const char *where)
{
	if (model_why_not(&c->m->r, c->self) == MODEL_FORMER)
		return cli_fail(EXIT_FAIL, c->cmd, "this identity belonged to a former member: its "
		    "roles ended with its membership; the event would not count");
	return cli_fail(EXIT_FAIL, c->cmd, "this identity is not %s of %s: the event would not "
	    "count", role, where);
}

/* Acts any member organisation may post: this identity must be one. */
static int need_member(act_ctx_t *c)
{
	if (roster_member_of(&c->m->r, c->self) == NULL)
		return refuse_role(c, "a member organisation", "the network");
	return 0;
}

static int process_ok(act_ctx_t *c, const model_process_t *p)
{
	if (p->why != MODEL_OK)
		return cli_fail(EXIT_FAIL, c->cmd, "the process does not count (%s): nothing "
		    "posted to it would", model_why_name(p->why));
	return 0;
}

/* Every key of a role list is a current member's: roles are held through
 * the roster (spec/model.md section 1), so another key's would never count. */
static int roles_members(act_ctx_t *c, const char *opt, const ProtobufCBinaryData *l, size_t n)
{
	char hex[HASH_HEX_BYTES];

	for (size_t i = 0; i < n; i++)
		if (l[i].len == KEY_PK_BYTES && roster_member_of(&c->m->r, l[i].data) == NULL) {
			hash_hex(hex, l[i].data, KEY_PK_BYTES);
			return cli_fail(EXIT_FAIL, c->cmd, "%s %s is not a member organisation's "
			    "key: roles are held by members, so it would never count", opt, hex);
		}
	return 0;
}

int act_check_process(act_ctx_t *c)
{
	const Wiec__Process *p = c->body.process;
	int rc;

	if (c->s == NULL)
		return 0;
	if ((rc = model_open(c)) != 0 || (rc = need_member(c)) != 0)
		return rc;
	if ((rc = roles_members(c, "--owner", p->owners, p->n_owners)) != 0 ||
	    (rc = roles_members(c, "--reviewer", p->reviewers, p->n_reviewers)) != 0 ||
	    (rc = roles_members(c, "--moderator", p->moderators, p->n_moderators)) != 0)
		return rc;
	return roles_members(c, "--registrar", p->registrars, p->n_registrars);
}

int act_check_phase(act_ctx_t *c, const uint8_t process[static HASH_BYTES])
{
	Wiec__PhaseChange *ph = c->body.phase;
	model_process_t p = { 0 };
	int rc;

	if (c->s == NULL)
		return 0;
	if ((rc = model_open(c)) != 0)
		return rc;
	if ((rc = model_process_load(&c->m->v, &c->m->r, process, &p)) != 0)
		return view_fail(c, rc);
	if ((rc = process_ok(c, &p)) != 0)
		goto out;
	if (!has_role(c, p.p, MODEL_ROLE_OWNER)) {
		rc = refuse_role(c, "an owner", "the process");
		goto out;
	}
	if (ph->phase == p.phase) {
		rc = cli_fail(EXIT_FAIL, c->cmd, "the process is in phase '%s' already",
		    p.p->phases[p.phase]->name);
		goto out;
	}
	set_after(&ph->after, c, &p.changes);
	if (p.quorum > 1)
		cli_note(c->cmd, "this change needs %u owners: the others run 'wiec approve' "
		    "with its id", p.quorum);
out:
	model_process_free(&p);
	return rc;
}

int act_check_idea(act_ctx_t *c, const uint8_t *process)
{
	model_process_t p = { 0 };
	int rc, ok = 1;

	if (c->s == NULL || process == NULL)
		return 0;
	if ((rc = model_open(c)) != 0)
		return rc;
	if ((rc = model_process_load(&c->m->v, &c->m->r, process, &p)) != 0)
		return view_fail(c, rc);
	if ((rc = process_ok(c, &p)) != 0)
		goto out;
	if ((rc = model_eligible(&c->m->v, &c->m->r, &p, c->self, &ok)) != 0) {
		rc = view_fail(c, rc);
		goto out;
	}
	if (!ok) {
		rc = cli_fail(EXIT_FAIL, c->cmd, "this key holds no credential of the process: "
		    "its ideas would not count (ask a registrar)");
		goto out;
	}
	if (strcmp(p.p->phases[p.phase]->name, "ideation") != 0)
		cli_note(c->cmd, "the process is in phase '%s', not ideation",
		    p.p->phases[p.phase]->name);
out:
	model_process_free(&p);
	return rc;
}

/* Loads idea (an original) and checks that its process counts. */
static int idea_load(act_ctx_t *c, const uint8_t idea[static HASH_BYTES], model_idea_t *i)
{
	int rc;

	if ((rc = model_open(c)) != 0)
		return rc;
	if ((rc = model_idea_load(&c->m->v, &c->m->r, idea, i)) != 0)
		return view_fail(c, rc);
	if (i->why == MODEL_NO_PROCESS) {
		model_idea_free(i);
		return cli_fail(EXIT_FAIL, c->cmd, "the idea's process is not held here or does "
		    "not count: the event would not count");
	}
	return 0;
}

static const Wiec__Process *idea_proc(const model_idea_t *i)
{
	return i->bank ? NULL : i->proc.p;
}

static const char *idea_where(const model_idea_t *i)
{
	return i->bank ? "the open bank (any member)" : "the idea's process";
}

/* Loads idea (idea_load) and refuses unless this identity holds role
 * (named who) in its process, or for the open bank is a member. On 0 the
 * caller frees *i. */
static int idea_role(act_ctx_t *c, const uint8_t idea[static HASH_BYTES], int role,
    const char *who, model_idea_t *i)
{
	int rc;

	if ((rc = idea_load(c, idea, i)) != 0)
		return rc;
	if (!has_role(c, idea_proc(i), role)) {
		rc = refuse_role(c, who, idea_where(i));
		model_idea_free(i);
	}
	return rc;
}

int act_check_status(act_ctx_t *c, const uint8_t idea[static HASH_BYTES])
{
	model_idea_t i = { 0 };
	int rc;

	if (c->s == NULL)
		return 0;
	if ((rc = idea_role(c, idea, MODEL_ROLE_OWNER, "an owner", &i)) != 0)
		return rc;
	set_after(&c->body.status->after, c, &i.status);
	model_idea_free(&i);
	return 0;
}

int act_check_evaluation(act_ctx_t *c, const uint8_t idea[static HASH_BYTES])
{
	model_idea_t i = { 0 };
	int rc;

	if (c->s == NULL)
		return 0;
	if ((rc = idea_role(c, idea, MODEL_ROLE_REVIEWER, "a reviewer", &i)) == 0)
		model_idea_free(&i);
	return rc;
}

int act_check_support(act_ctx_t *c, const uint8_t idea[static HASH_BYTES])
{
	model_idea_t i = { 0 };
	int rc, ok = 1;

	if (c->s == NULL)
		return 0;
	if ((rc = idea_load(c, idea, &i)) != 0)
		return rc;
	if (!i.bank && (rc = model_eligible(&c->m->v, &c->m->r, &i.proc, c->self, &ok)) != 0)
		rc = view_fail(c, rc);
	else if (!ok)
		rc = cli_fail(EXIT_FAIL, c->cmd, "this key holds no credential of the idea's "
		    "process: its support would not count (ask a registrar)");
	model_idea_free(&i);
	return rc;
}

int act_check_link(act_ctx_t *c, const uint8_t a[static HASH_BYTES],
    const uint8_t b[static HASH_BYTES])
{
	model_idea_t i = { 0 };
	int rc;

	(void)b;
	if (c->s == NULL)
		return 0;
	if ((rc = idea_role(c, a, MODEL_ROLE_OWNER, "an owner", &i)) == 0)
		model_idea_free(&i);
	return rc;
}

int act_member_name(store_t *s, const uint8_t key[static KEY_PK_BYTES],
    char name[static ROSTER_NAME_MAX + 1])
{
	store_view_t *sv = NULL;
	const roster_member_t *m;
	model_view_t v;
	roster_t r;
	int rc;

	if ((rc = store_view_begin(s, &sv, &v)) != 0)
		return rc;
	if ((rc = roster_load(&v, &r)) == 0) {
		m = roster_member_of(&r, key);
		if ((rc = m != NULL))
			snprintf(name, ROSTER_NAME_MAX + 1, "%s", m->name);
		roster_free(&r);
	}
	store_view_end(&sv);
	return rc;
}

typedef struct same_seq {
	const ev_t *ev;
	int clash;
} same_seq_t;

/* Stops at the first held event above ev's seq; notes one at ev's seq
 * that is another event. */
static int seq_clash(void *ctx, uint64_t lseq, const uint8_t *env, size_t len)
{
	same_seq_t *c = ctx;
	ev_t e;
	int stop;

	(void)lseq;
	if (ev_decode(&e, env, len) != 0)
		return 0;
	stop = e.seq > c->ev->seq;
	if (e.seq == c->ev->seq && memcmp(e.id, c->ev->id, HASH_BYTES) != 0)
		c->clash = stop = 1;
	ev_free(&e);
	return stop;
}

int act_submit_member_check(const char *cmd, store_t *s, const ev_t *ev)
{
	static const uint8_t zero[HASH_BYTES];
	char name[ROSTER_NAME_MAX + 1], err[CLI_ERR_MAX];
	uint8_t author[KEY_PK_BYTES];
	same_seq_t c = { ev, 0 };
	store_head_t h;
	uint64_t seq;
	int rc, root = memcmp(ev->prev, zero, HASH_BYTES) == 0;

	if ((rc = act_member_name(s, ev->author, name)) == 0)
		return 0;
	if (rc < 0)
		return cli_fail(cli_status(rc), cmd, "%s", cli_strerror(s, rc, err, sizeof err));
	if ((rc = store_has(s, ev->id, author, &seq)) == 0)
		return 0;	/* held: a duplicate changes nothing */
	if (rc != WIEC_ERR_NOTFOUND || ((rc = store_head(s, ev->author, &h)) != 0 &&
	    rc != WIEC_ERR_NOTFOUND))
		return cli_fail(cli_status(rc), cmd, "%s", cli_strerror(s, rc, err, sizeof err));
	if (rc == WIEC_ERR_NOTFOUND)
		h.count = 0;
	/* A fork given what is held: a second root, or another event at its
	 * seq. Events of the chain in any order are fine (a replay). */
	if (!(root && h.count > 0) && h.count > 0 &&
	    (rc = store_scan_author(s, ev->author, ev->seq, seq_clash, &c)) < 0)
		return cli_fail(cli_status(rc), cmd, "%s", cli_strerror(s, rc, err, sizeof err));
	if (!(root && h.count > 0) && !c.clash)
		return 0;
	return cli_fail(EXIT_FAIL, cmd, "the event is member organisation '%s''s and branches "
	    "its chain as held here: taken, it would make the member equivocate for good "
	    "(members post through their own node)", name);
}

int act_check_thread(act_ctx_t *c, const uint8_t target[static HASH_BYTES], int answer)
{
	char hex[HASH_HEX_BYTES];
	uint8_t root[HASH_BYTES];
	uint32_t depth = 0;
	int rc;

	if (c->s == NULL)
		return 0;
	if ((rc = model_open(c)) != 0)
		return rc;
	rc = model_root_idea(&c->m->v, target, root, &depth);
	if (rc != 0 && rc != WIEC_ERR_NOTFOUND)
		return view_fail(c, rc);
	hash_hex(hex, target, HASH_BYTES);
	if (rc == WIEC_ERR_NOTFOUND)
		return cli_fail(EXIT_FAIL, c->cmd, "%s is in no thread held here (its chain of "
		    "answers breaks, or is more than %d deep): %s", hex, MODEL_THREAD_DEPTH,
		    answer ? "a comment on it would be shown nowhere" :
		    "it is shown nowhere and has no moderator");
	if (answer && depth >= MODEL_THREAD_DEPTH)
		return cli_fail(EXIT_FAIL, c->cmd, "%s is %d answers deep already: threads show "
		    "%d levels, so a comment on it would be shown nowhere", hex, MODEL_THREAD_DEPTH,
		    MODEL_THREAD_DEPTH);
	return 0;
}

int act_check_moderation(act_ctx_t *c, const uint8_t target[static HASH_BYTES])
{
	Wiec__Moderation *mo = c->body.moderation;
	model_moderation_t m = { 0 };
	model_process_t p = { 0 };
	uint8_t root[HASH_BYTES];
	int rc, bank = 0;

	if (c->s == NULL)
		return 0;
	if ((rc = model_open(c)) != 0)
		return rc;
	if ((rc = act_check_thread(c, target, 0)) != 0)
		return rc;
	rc = model_root_idea(&c->m->v, target, root, NULL);
	if (rc == 0)
		rc = model_idea_process(&c->m->v, &c->m->r, root, &p, &bank);
	if (rc == WIEC_ERR_NOTFOUND)
		return cli_fail(EXIT_FAIL, c->cmd, "the target's process is not held here: no "
		    "moderator can be known");
	if (rc != 0)
		return view_fail(c, rc);
	if (!bank && (rc = process_ok(c, &p)) != 0)
		goto out;
	if (!has_role(c, bank ? NULL : p.p, MODEL_ROLE_MODERATOR)) {
		rc = refuse_role(c, "a moderator", bank ? "the open bank (any member)" :
		    "the target's process");
		goto out;
	}
	if ((rc = model_moderation_load(&c->m->v, &c->m->r, target, &m)) != 0) {
		rc = view_fail(c, rc);
		goto out;
	}
	if (m.hidden == (int)mo->hide)
		rc = cli_fail(EXIT_FAIL, c->cmd, "the target is %s already", m.hidden ? "hidden" :
		    "shown");
	else
		set_after(&mo->after, c, &m.decisions);
	model_moderation_free(&m);
out:
	model_process_free(&p);
	return rc;
}

int act_check_credential(act_ctx_t *c, const uint8_t *process,
    const uint8_t scope[static HASH_BYTES])
{
	model_process_t p = { 0 };
	int rc;

	(void)scope;
	if (c->s == NULL)
		return 0;
	if ((rc = model_open(c)) != 0)
		return rc;
	if (process == NULL) {
		/* A census is shared: the registrars are those of its processes. */
		return need_member(c);
	}
	if ((rc = model_process_load(&c->m->v, &c->m->r, process, &p)) != 0)
		return view_fail(c, rc);
	if ((rc = process_ok(c, &p)) == 0 && !has_role(c, p.p, MODEL_ROLE_REGISTRAR))
		rc = refuse_role(c, "a registrar", "the process");
	model_process_free(&p);
	return rc;
}

int act_check_approve(act_ctx_t *c, const uint8_t target[static HASH_BYTES])
{
	model_process_t p = { 0 };
	model_ev_t e = { 0 };
	int rc;

	if (c->s == NULL)
		return 0;
	if ((rc = model_open(c)) != 0)
		return rc;
	if ((rc = need_member(c)) != 0)
		return rc;
	if ((rc = c->m->v.get(c->m->v.ctx, target, &e)) != 0)
		return view_fail(c, rc);
	if (e.body->content_case == WIEC__BODY__CONTENT_PHASE &&
	    e.body->phase->process.len == HASH_BYTES) {
		rc = model_process_load(&c->m->v, &c->m->r, e.body->phase->process.data, &p);
		if (rc == WIEC_ERR_NOTFOUND)
			rc = cli_fail(EXIT_FAIL, c->cmd, "the phase change's process is not held "
			    "here");
		else if (rc != 0)
			rc = view_fail(c, rc);
		else if ((rc = process_ok(c, &p)) == 0 && !has_role(c, p.p, MODEL_ROLE_OWNER))
			rc = refuse_role(c, "an owner", "the process");
		model_process_free(&p);
	}
	model_ev_free(&e);
	return rc;
}

int act_latest_version(act_ctx_t *c, const uint8_t orig[static HASH_BYTES],
    const ev_t *orig_ev, ev_t *latest)
{
	model_idea_t i = { 0 };
	uint8_t id[HASH_BYTES];
	int rc;

	(void)orig_ev;
	if ((rc = model_open(c)) != 0)
		return rc;
	if ((rc = model_idea_load(&c->m->v, &c->m->r, orig, &i)) != 0)
		return view_fail(c, rc);
	memcpy(id, i.latest_ev != NULL ? i.latest_ev->id : orig, HASH_BYTES);
	model_idea_free(&i);
	return act_get(c, "idea", id, latest);
}
