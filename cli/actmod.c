/* actmod.c: the moderation acts (act.h): reports, hide and restore
 * decisions, and appeals, each on an idea or a comment. Builders of rows of
 * act.c's table. */
#include <stdlib.h>
#include <string.h>

#include "cli/act.h"
#include "cli/act_int.h"
#include "cli/cli.h"

/* The target of a report, moderation or appeal: an idea or a comment. */
static int content_target(act_ctx_t *c, uint8_t t[static HASH_BYTES], ev_t *ev, int *held)
{
	int rc;

	if ((rc = act_parse_id(c, "TARGET", c->o.args[0], t)) != 0 ||
	    (rc = act_need_text(c, "reason", c->o.reason, 1, EV_REASON_MAX, 1)) != 0)
		return rc;
	if ((rc = act_expect_content(c, "target", t, ev, held)) != 0)
		return rc;
	if ((rc = act_check_thread(c, t, 0)) != 0 && *held) {
		ev_free(ev);
		*held = 0;
	}
	return rc;
}

int act_build_report(act_ctx_t *c)
{
	Wiec__Report *r = &c->u.report;
	uint8_t t[HASH_BYTES];
	int rc, held;
	ev_t ev;

	wiec__report__init(r);
	if ((rc = content_target(c, t, &ev, &held)) != 0)
		return rc;
	if (held)
		ev_free(&ev);
	if ((rc = act_keep(c, &r->target, t)) != 0)
		return rc;
	r->reason = (char *)c->o.reason;
	c->body.content_case = WIEC__BODY__CONTENT_REPORT;
	c->body.report = r;
	return 0;
}

static int build_moderation(act_ctx_t *c, int hide)
{
	Wiec__Moderation *m = &c->u.moderation;
	uint8_t t[HASH_BYTES];
	int rc, held;
	ev_t ev;

	wiec__moderation__init(m);
	if ((rc = content_target(c, t, &ev, &held)) != 0)
		return rc;
	if (held)
		ev_free(&ev);
	if ((rc = act_keep(c, &m->target, t)) != 0)
		return rc;
	m->hide = hide;
	m->reason = (char *)c->o.reason;
	c->body.content_case = WIEC__BODY__CONTENT_MODERATION;
	c->body.moderation = m;
	return act_check_moderation(c, t);
}

int act_build_hide(act_ctx_t *c)
{
	return build_moderation(c, 1);
}

int act_build_restore(act_ctx_t *c)
{
	return build_moderation(c, 0);
}

int act_build_appeal(act_ctx_t *c)
{
	Wiec__Appeal *a = &c->u.appeal;
	uint8_t t[HASH_BYTES];
	int rc, held, mine = 1;
	ev_t ev;

	wiec__appeal__init(a);
	if ((rc = content_target(c, t, &ev, &held)) != 0)
		return rc;
	if (held) {
		mine = memcmp(ev.author, c->self, KEY_PK_BYTES) == 0;
		ev_free(&ev);
	}
	if (!mine)
		return cli_fail(EXIT_FAIL, c->cmd, "only the author of the content can appeal "
		    "(sign with the author's key: --key FILE)");
	if ((rc = act_keep(c, &a->target, t)) != 0)
		return rc;
	a->reason = (char *)c->o.reason;
	c->body.content_case = WIEC__BODY__CONTENT_APPEAL;
	c->body.appeal = a;
	return 0;
}
