/* vote.c: `wiec poll open`, `wiec vote` (and `wiec sign ... vote`) and
 * `wiec tally` (spec/tally.md section 4). The rules are the model's
 * (model/ballot.h): these commands build the bodies, ask the model whether
 * they would count against the held events, and refuse with the model's
 * reason when they would not; `wiec tally` prints the model's tally. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/act.h"
#include "cli/cli.h"
#include "cli/json.h"
#include "cli/parse.h"
#include "crypto/err.h"
#include "model/ballot.h"
#include "model/closeev.h"
#include "model/money.h"

/* A person's words for each reason a poll or ballot does not count. */
static const char *why_text(int why)
{
	switch (why) {
	case BALLOT_NO_PROCESS: return "its process is not held here or does not count";
	case BALLOT_NOT_OWNER: return "only an owner of the process may open a poll";
	case BALLOT_WRONG_KIND: return "this kind of poll does not fit the process (budget polls "
	    "for budget processes only; co-decision rules for codecision processes only)";
	case BALLOT_BAD_RULE: return "the rule does not exist or does not count this kind of ballot";
	case BALLOT_BAD_OPTION: return "an option is not an idea of the process (name ideas by "
	    "their first id)";
	case BALLOT_NO_COST: return "a project has no unit of the process";
	case BALLOT_BAD_QUORUM: return "a turnout quorum needs a process with eligibility";
	case BALLOT_NO_POLL: return "the poll is not this process's";
	case BALLOT_NOT_ELIGIBLE: return "this key holds no credential of the process";
	case BALLOT_NOT_MEMBER: return "only member organisations vote in a co-decision";
	case BALLOT_BAD_UNIT: return "the unit is missing, not one of the process, or not the "
	    "voter's";
	case BALLOT_UNKNOWN_PROJECT: return "a choice is not an option of the poll";
	case BALLOT_OTHER_UNIT: return "a project belongs to another unit";
	case BALLOT_DUPLICATE: return "a project is chosen twice";
	case BALLOT_TOO_FEW: return "too few choices";
	case BALLOT_TOO_MANY: return "too many choices";
	case BALLOT_OVER_BUDGET: return "the projects cost more than the unit's budget";
	case BALLOT_BAD_POINTS: return "points are only for cumulative polls, each at least 1 "
	    "and in all at most the poll's points";
	case BALLOT_BAD_ANSWER: return "a yes/no poll takes yes, no or abstain, and nothing else "
	    "does";
	default: return ballot_why_name(why);
	}
}

/* The model over c's store, for the checks. */
typedef struct vview {
	store_view_t *sv;
	model_view_t v;
	roster_t r;
	int open;
} vview_t;

static int vview_open(act_ctx_t *c, vview_t *w)
{
	int rc;

	memset(w, 0, sizeof *w);
	if ((rc = store_view_begin(c->s, &w->sv, &w->v)) != 0)
		return cli_fail(cli_status(rc), c->cmd, "%s", act_strerror(c, rc));
	if ((rc = roster_load(&w->v, &w->r)) != 0) {
		store_view_end(&w->sv);
		return cli_fail(cli_status(rc), c->cmd, "cannot derive the members: %s",
		    act_strerror(c, rc));
	}
	w->open = 1;
	return 0;
}

static void vview_close(vview_t *w)
{
	if (!w->open)
		return;
	roster_free(&w->r);
	store_view_end(&w->sv);
	w->open = 0;
}

static int parse_u64(act_ctx_t *c, const char *opt, const char *v, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long x;

	if (v[0] < '0' || v[0] > '9')
		goto bad;
	errno = 0;
	x = strtoull(v, &end, 10);
	if (*end != '\0' || errno == ERANGE || x > max)
		goto bad;
	*out = x;
	return 0;
bad:
	return cli_fail(EXIT_USAGE, c->cmd, "--%s must be a whole number up to %" PRIu64 ", not "
	    "'%s'", opt, max, v);
}

/* "N/D" or "N" (as N/1); share: N <= D. */
static int parse_frac(act_ctx_t *c, const char *opt, const char *v, int share,
    Wiec__Fraction *q, Wiec__Fraction **out)
{
	const char *slash = strchr(v, '/');
	char num[32];
	char *end;

	wiec__fraction__init(q);
	if (slash == NULL) {
		if (strlen(v) >= sizeof num)
			goto bad;
		snprintf(num, sizeof num, "%s", v);
		q->den = 1;
	} else {
		if ((size_t)(slash - v) >= sizeof num)
			goto bad;
		memcpy(num, v, (size_t)(slash - v));
		num[slash - v] = '\0';
		if (slash[1] < '0' || slash[1] > '9')
			goto bad;
		errno = 0;
		q->den = strtoull(slash + 1, &end, 10);
		if (*end != '\0' || q->den == 0 || errno == ERANGE)
			goto bad;
	}
	if (num[0] < '0' || num[0] > '9')
		goto bad;
	errno = 0;
	q->num = strtoull(num, &end, 10);
	if (*end != '\0' || errno == ERANGE || (share && q->num > q->den))
		goto bad;
	*out = q;
	return 0;
bad:
	return cli_fail(EXIT_USAGE, c->cmd, "--%s must be a fraction N/D of numbers below 2^64%s, "
	    "not '%s'", opt, share ? " with N <= D" : "", v);
}

/* ---- wiec poll open ---- */

int act_build_poll(act_ctx_t *c)
{
	Wiec__Poll *p = &c->u.poll;
	act_opts_t *o = &c->o;
	uint8_t id[HASH_BYTES];
	uint64_t x;
	size_t ne = 0;
	int rc, kind;

	wiec__poll__init(p);
	if (o->process == NULL || o->kind == NULL)
		return cli_fail(EXIT_USAGE, c->cmd, "--process P and --kind K are required");
	if ((rc = act_parse_id(c, "--process", o->process, id)) != 0 ||
	    (rc = act_keep(c, &p->process, id)) != 0)
		return rc;
	if ((kind = kind_poll_parse(o->kind)) < 0)
		return cli_fail(EXIT_USAGE, c->cmd, "--kind must be approval, choose-one, yes-no, "
		    "budget, cumulative or ranked, not '%s'", o->kind);
	p->kind = kind;
	for (size_t i = 0; i < o->options.n; i++) {
		if ((rc = act_parse_id(c, "--option", o->options.v[i], id)) != 0 ||
		    (rc = act_keep(c, &c->opts[i], id)) != 0)
			return rc;
	}
	p->options = c->opts;
	p->n_options = o->options.n;
	p->question = (char *)(o->question ? o->question : "");
	p->rule = (char *)(o->rule ? o->rule : "");
	if (o->min != NULL && (rc = parse_u64(c, "min", o->min, EV_OPTIONS_MAX, &x)) == 0)
		p->min = (uint32_t)x;
	if (rc == 0 && o->max != NULL && (rc = parse_u64(c, "max", o->max, EV_OPTIONS_MAX, &x)) == 0)
		p->max = (uint32_t)x;
	if (rc == 0 && o->points != NULL)
		rc = parse_u64(c, "points", o->points, EV_POINTS_MAX, &p->points);
	if (rc == 0 && o->min_score != NULL)
		rc = parse_frac(c, "min-score", o->min_score, 0, &c->frac[0], &p->min_score);
	if (rc == 0 && o->quorum != NULL)
		rc = parse_frac(c, "quorum", o->quorum, 1, &c->frac[1], &p->quorum);
	if (rc == 0 && o->threshold != NULL)
		rc = parse_frac(c, "threshold", o->threshold, 1, &c->frac[2], &p->threshold);
	if (rc == 0 && o->majority != NULL)
		rc = parse_frac(c, "majority", o->majority, 1, &c->frac[3], &p->majority);
	if (rc == 0 && o->weight_majority != NULL)
		rc = parse_frac(c, "weight-majority", o->weight_majority, 1, &c->frac[4],
		    &p->weight_majority);
	if (rc != 0)
		return rc;
	/* A budget poll's ballots may be ranked or carry points (as pb import
	 * makes them), and may go over the budget (Pabulib's count). */
	if (o->ballot != NULL) {
		int b = kind_poll_parse(o->ballot);

		if (b != WIEC__POLL_KIND__POLL_RANKED && b != WIEC__POLL_KIND__POLL_CUMULATIVE)
			return cli_fail(EXIT_USAGE, c->cmd, "--ballot must be ranked or cumulative, "
			    "not '%s'", o->ballot);
		p->ballot = b;
	}
	p->no_cost_limit = o->no_cost_limit;
	if (o->decision != NULL && (p->decision = kind_decision_parse(o->decision)) < 0)
		return cli_fail(EXIT_USAGE, c->cmd, "--decision must be simple, qualified or double, "
		    "not '%s'", o->decision);
	/* --exclusive A,B,...: one group each time. */
	for (size_t g = 0; g < o->exclusive.n; g++) {
		char buf[ACT_CHOICES_MAX * HASH_HEX_BYTES];
		char *save = NULL, *tok;

		wiec__exclusion__init(&c->excl[g]);
		c->excl[g].projects = &c->excl_ids[ne];
		snprintf(buf, sizeof buf, "%s", o->exclusive.v[g]);
		for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
			if (ne >= ACT_CHOICES_MAX)
				return cli_fail(EXIT_USAGE, c->cmd, "too many --exclusive projects");
			if ((rc = act_parse_id(c, "--exclusive", tok, id)) != 0 ||
			    (rc = act_keep(c, &c->excl_ids[ne++], id)) != 0)
				return rc;
			c->excl[g].n_projects++;
		}
		c->excl_ptrs[g] = &c->excl[g];
	}
	p->exclusive = c->excl_ptrs;
	p->n_exclusive = o->exclusive.n;
	/* --weight KEY:N */
	for (size_t i = 0; i < o->weights.n; i++) {
		char key[128];
		const char *colon = strrchr(o->weights.v[i], ':');
		uint8_t pk[KEY_PK_BYTES];

		if (colon == NULL || (size_t)(colon - o->weights.v[i]) >= sizeof key)
			return cli_fail(EXIT_USAGE, c->cmd, "--weight must be KEY:N, not '%s'",
			    o->weights.v[i]);
		memcpy(key, o->weights.v[i], (size_t)(colon - o->weights.v[i]));
		key[colon - o->weights.v[i]] = '\0';
		wiec__weight__init(&c->weight[i]);
		if ((rc = act_parse_key(c, "--weight", key, pk)) != 0 ||
		    (rc = act_keep(c, &c->weight[i].member, pk)) != 0 ||
		    (rc = parse_u64(c, "weight", colon + 1, EV_WEIGHT_MAX, &c->weight[i].weight)) != 0)
			return rc;
		c->weight_ptrs[i] = &c->weight[i];
	}
	p->weights = c->weight_ptrs;
	p->n_weights = o->weights.n;
	c->body.content_case = WIEC__BODY__CONTENT_POLL;
	c->body.poll = p;
	if (kind_check(&c->body) != 0)
		return cli_fail(EXIT_USAGE, c->cmd, "the poll breaks a field rule of spec/events.md "
		    "section 3 (options 1..%d distinct ids, none for yes-no and a --question; "
		    "--min <= --max <= options; --points exactly for cumulative; --quorum and "
		    "--threshold for yes-no; --majority for qualified and double, --weight for "
		    "double; --exclusive groups of 2 or more options; --ballot and "
		    "--no-cost-limit for budget only)", EV_OPTIONS_MAX);
	if (c->s != NULL) {
		/* Judge the poll as the model will, before it is signed. */
		size_t len = wiec__body__get_packed_size(&c->body);
		uint8_t *buf = malloc(len + 1);
		ballot_poll_t poll;
		model_ev_t e = { 0 };
		vview_t w;

		if (buf == NULL)
			return cli_fail(EXIT_FAIL, c->cmd, "out of memory");
		wiec__body__pack(&c->body, buf);
		e.body = wiec__body__unpack(NULL, len, buf);
		free(buf);
		if (e.body == NULL)
			return cli_fail(EXIT_FAIL, c->cmd, "out of memory");
		memcpy(e.author, c->self, KEY_PK_BYTES);
		if ((rc = vview_open(c, &w)) != 0) {
			model_ev_free(&e);
			return rc;
		}
		rc = ballot_poll_judge(&w.v, &w.r, &e, &poll);
		if (rc != 0) {
			vview_close(&w);
			return cli_fail(cli_status(rc), c->cmd, "%s", act_strerror(c, rc));
		}
		if (poll.why != BALLOT_OK)
			rc = cli_fail(EXIT_FAIL, c->cmd, "the poll would not count: %s (%s)",
			    why_text(poll.why), ballot_why_name(poll.why));
		ballot_poll_free(&poll);
		vview_close(&w);
	}
	return rc;
}

/* ---- wiec vote / wiec sign vote ---- */

/* Whether a Close of process is held (by an owner): the close has begun,
 * so no new ballot is taken (spec/tally.md 4.7). 1, 0 or a wiec_err_t. */
static int closing(vview_t *w, const uint8_t process[static HASH_BYTES])
{
	closeev_log_t log = { 0 };
	int rc, found = 0;

	if ((rc = closeev_load(&w->v, &w->r, process, &log)) != 0)
		return rc;
	for (size_t i = 0; i < log.n && !found; i++)
		found = log.st[i].kind == CLOSE_CLOSE;
	closeev_log_free(&log);
	return found;
}

/* The refusal of a ballot after the close, or rc's error. */
static int closing_fail(act_ctx_t *c, int rc)
{
	if (rc < 0)
		return cli_fail(cli_status(rc), c->cmd, "%s", act_strerror(c, rc));
	return cli_fail(EXIT_FAIL, c->cmd, "ballot refused: the process is closing (a Close of it "
	    "is held here); ballots are no longer taken (closed)");
}

/* The process's one valid poll, or the error asking for --poll. */
static int find_poll(act_ctx_t *c, vview_t *w, const uint8_t process[static HASH_BYTES],
    uint8_t poll[static HASH_BYTES])
{
	model_ids_t ids = { 0 };
	size_t n = 0;
	int rc;

	if ((rc = ballot_poll_list(&w->v, process, &ids)) != 0)
		return cli_fail(cli_status(rc), c->cmd, "%s", act_strerror(c, rc));
	for (size_t i = 0; i < ids.n; i++) {
		ballot_poll_t p;

		if (ballot_poll_load(&w->v, &w->r, ids.id[i], &p) != 0)
			continue;
		if (p.why == BALLOT_OK && n++ == 0)
			memcpy(poll, ids.id[i], HASH_BYTES);
		ballot_poll_free(&p);
	}
	model_ids_free(&ids);
	if (n == 1)
		return 0;
	return cli_fail(EXIT_FAIL, c->cmd, n == 0 ? "the process has no poll that counts here "
	    "(an owner opens one with 'wiec poll open')" : "the process has several polls: "
	    "name one with --poll ID");
}

int act_build_vote(act_ctx_t *c)
{
	Wiec__Vote *v = &c->u.vote;
	act_opts_t *o = &c->o;
	uint8_t process[HASH_BYTES], poll_id[HASH_BYTES], id[HASH_BYTES];
	ballot_poll_t poll;
	vview_t w = { 0 };
	int rc, answer;

	memset(&poll, 0, sizeof poll);
	wiec__vote__init(v);
	if (o->process == NULL)
		return cli_fail(EXIT_USAGE, c->cmd, "--process P is required");
	if ((rc = act_parse_id(c, "--process", o->process, process)) != 0 ||
	    (rc = act_keep(c, &v->process, process)) != 0)
		return rc;
	if (o->poll != NULL && (rc = act_parse_id(c, "--poll", o->poll, poll_id)) != 0)
		return rc;
	if (o->poll == NULL && c->s == NULL)
		return cli_fail(EXIT_USAGE, c->cmd, "--poll ID is required when signing offline");
	if (o->nargs > ACT_CHOICES_MAX)
		return cli_fail(EXIT_USAGE, c->cmd, "at most %d choices", ACT_CHOICES_MAX);
	if (o->withdraw && (o->nargs != 0 || o->unit_name != NULL))
		return cli_fail(EXIT_USAGE, c->cmd, "--withdraw takes no choices and no --unit");
	v->withdraw = o->withdraw;
	v->unit = (char *)(o->unit_name ? o->unit_name : "");
	/* yes | no | abstain, or IDEA[:POINTS]... */
	if (o->nargs == 1 && (answer = kind_answer_parse(o->args[0])) > 0) {
		v->answer = answer;
	} else {
		for (int i = 0; i < o->nargs; i++) {
			char hex[HASH_HEX_BYTES + 32];
			char *colon;
			Wiec__Choice *ch = &c->choice[i];

			wiec__choice__init(ch);
			snprintf(hex, sizeof hex, "%s", o->args[i]);
			if ((colon = strchr(hex, ':')) != NULL) {
				*colon = '\0';
				if ((rc = parse_u64(c, "points", colon + 1, UINT64_MAX, &ch->points)) != 0)
					return rc;
			}
			if ((rc = act_parse_id(c, "CHOICE", hex, id)) != 0 ||
			    (rc = act_keep(c, &ch->project, id)) != 0)
				return rc;
			c->choice_ptrs[i] = ch;
		}
		v->choices = c->choice_ptrs;
		v->n_choices = (size_t)o->nargs;
	}
	if (c->s != NULL) {
		model_cred_t cred;
		ballot_voter_t who;
		int why;

		if ((rc = vview_open(c, &w)) != 0)
			return rc;
		if ((rc = closing(&w, process)) != 0) {
			rc = closing_fail(c, rc);
			goto out;
		}
		if (o->poll == NULL && (rc = find_poll(c, &w, process, poll_id)) != 0)
			goto out;
		rc = ballot_poll_load(&w.v, &w.r, poll_id, &poll);
		if (rc == WIEC_ERR_NOTFOUND) {
			rc = cli_fail(EXIT_FAIL, c->cmd, "poll %s is not held here", o->poll);
			goto out;
		}
		if (rc != 0) {
			rc = cli_fail(cli_status(rc), c->cmd, "%s", act_strerror(c, rc));
			goto out;
		}
		if (poll.why != BALLOT_OK) {
			rc = cli_fail(EXIT_FAIL, c->cmd, "the poll does not count: %s",
			    why_text(poll.why));
			goto out;
		}
		if ((rc = ballot_voter(&w.v, &w.r, &poll, c->self, &cred, &who)) != 0) {
			rc = cli_fail(cli_status(rc), c->cmd, "%s", act_strerror(c, rc));
			goto out;
		}
		/* A budget ballot without --unit: the voter's unit (its credential's
		 * attribute), else the unit of its first project. */
		if (poll.p->kind == WIEC__POLL_KIND__POLL_BUDGET && v->unit[0] == '\0' &&
		    !v->withdraw && v->n_choices > 0) {
			long k = ballot_option_find(&poll, v->choices[0]->project.data);

			if (who.unit != NULL || (k >= 0 && poll.opt[k].unit >= 0)) {
				snprintf(c->unit_buf, sizeof c->unit_buf, "%s", who.unit != NULL ?
				    who.unit : poll.proc.p->units[poll.opt[k].unit]->name);
				v->unit = c->unit_buf;
			}
		}
		if ((rc = act_keep(c, &v->poll, poll_id)) != 0) {
			model_cred_free(&cred);
			goto out;
		}
		c->body.content_case = WIEC__BODY__CONTENT_VOTE;
		c->body.vote = v;
		why = kind_check(&c->body) != 0 ? BALLOT_DUPLICATE : ballot_check(&poll, v, &who);
		model_cred_free(&cred);
		if (why != BALLOT_OK) {
			rc = cli_fail(EXIT_FAIL, c->cmd, "ballot refused: %s (%s)", why_text(why),
			    ballot_why_name(why));
			goto out;
		}
	} else {
		if ((rc = act_keep(c, &v->poll, poll_id)) != 0)
			return rc;
		c->body.content_case = WIEC__BODY__CONTENT_VOTE;
		c->body.vote = v;
	}
	if (kind_check(&c->body) != 0) {
		rc = cli_fail(EXIT_USAGE, c->cmd, "ballot refused: %s (duplicate)",
		    why_text(BALLOT_DUPLICATE));
		goto out;
	}
	rc = 0;
out:
	ballot_poll_free(&poll);
	vview_close(&w);
	return rc;
}

/* ---- wiec tally ---- */

static const char *unit_name(const ballot_poll_t *p, int unit)
{
	return unit >= 0 ? p->proc.p->units[unit]->name : "";
}

/* The decimals of the poll's process's money (0 when it is not held). */
static uint32_t poll_decimals(const ballot_poll_t *p)
{
	return p->proc.p != NULL ? p->proc.p->decimals : 0;
}

static void json_tally(json_t *j, const ballot_poll_t *p, const ballot_tally_t *t)
{
	int budget = t->kind == WIEC__POLL_KIND__POLL_BUDGET;

	json_khex(j, "poll", t->poll, HASH_BYTES);
	json_kstr(j, "kind", kind_poll_name(t->kind));
	json_kstr(j, "rule", t->kind == WIEC__POLL_KIND__POLL_YESNO ?
	    (t->decision ? kind_decision_name(t->decision) : "yesno") : tally_rule_name(t->rule));
	json_ku64(j, "ballots", t->counted);
	json_key(j, "not_counted");
	json_obj(j);
	for (int w = 1; w <= BALLOT_NOT_IN_FRONTIER; w++)
		if (t->not_counted[w] != 0)
			json_ku64(j, ballot_why_name(w), t->not_counted[w]);
	json_end(j);
	if (t->kind == WIEC__POLL_KIND__POLL_YESNO) {
		json_key(j, "result");
		json_obj(j);
		json_ku64(j, "yes", t->yes);
		json_ku64(j, "no", t->no);
		json_ku64(j, "abstain", t->abstain);
		json_ku64(j, "electorate", t->electorate);
		if (t->decision == WIEC__DECISION__DECISION_DOUBLE) {
			json_ku64(j, "yes_weight", t->yes_weight);
			json_ku64(j, "total_weight", t->total_weight);
		}
		json_kbool(j, "passed", t->passed);
		json_end(j);
		return;
	}
	if (budget) {
		json_key(j, "winners");
		json_arr(j);
		for (size_t u = 0; u < t->nunit; u++)
			for (size_t k = 0; k < t->unit[u].nwin; k++)
				json_hex(j, p->opt[t->unit[u].opt[t->unit[u].win[k]]].id, HASH_BYTES);
		json_end(j);
		/* Money as the process holds it: whole units of 10^-decimals
		 * (spec/tally.md 4.9), exact integers in the units below. */
		json_ku64(j, "decimals", poll_decimals(p));
	}
	json_key(j, budget ? "units" : "result");
	if (budget)
		json_arr(j);
	for (size_t u = 0; u < t->nunit; u++) {
		const ballot_unit_tally_t *ut = &t->unit[u];

		json_obj(j);
		if (budget) {
			json_kstr(j, "unit", unit_name(p, ut->unit));
			json_ku64(j, "budget", ut->budget);
			json_ku64(j, "ballots", ut->ballots);
		}
		json_key(j, "winners");
		json_arr(j);
		for (size_t k = 0; k < ut->nwin; k++)
			json_hex(j, p->opt[ut->opt[ut->win[k]]].id, HASH_BYTES);
		json_end(j);
		json_key(j, "scores");
		json_arr(j);
		for (size_t k = 0; k < ut->nopt; k++) {
			const ballot_option_t *o = &p->opt[ut->opt[k]];

			json_obj(j);
			json_khex(j, "project", o->id, HASH_BYTES);
			json_kstr(j, "title", o->title);
			if (budget)
				json_ku64(j, "cost", o->cost);
			json_ku64(j, "score", ut->score[k]);
			json_end(j);
		}
		json_end(j);
		if (ut->used_greedy)
			json_kbool(j, "used_greedy", 1);
		json_end(j);
	}
	if (budget)
		json_end(j);
}

static void text_tally(const ballot_poll_t *p, const ballot_tally_t *t)
{
	char hex[HASH_HEX_BYTES], m[MONEY_TEXT_BYTES];
	uint64_t nc = 0;

	hash_hex(hex, t->poll, HASH_BYTES);
	for (int w = 1; w <= BALLOT_NOT_IN_FRONTIER; w++)
		nc += t->not_counted[w];
	printf("poll %.16s %s, %s: %zu ballots counted", hex, kind_poll_name(t->kind),
	    t->kind == WIEC__POLL_KIND__POLL_YESNO ? (t->decision ?
	    kind_decision_name(t->decision) : "yes/no") : tally_rule_name(t->rule), t->counted);
	if (nc != 0) {
		const char *sep = " (not counted: ";

		for (int w = 1; w <= BALLOT_NOT_IN_FRONTIER; w++)
			if (t->not_counted[w] != 0) {
				printf("%s%" PRIu64 " %s", sep, t->not_counted[w], ballot_why_name(w));
				sep = ", ";
			}
		printf(")");
	}
	printf("\n");
	if (t->kind == WIEC__POLL_KIND__POLL_YESNO) {
		printf("  ");
		ev_fput_text(stdout, p->p->question, strlen(p->p->question));
		printf(": yes %" PRIu64 ", no %" PRIu64 ", abstain %" PRIu64 " of %" PRIu64,
		    t->yes, t->no, t->abstain, t->electorate);
		if (t->decision == WIEC__DECISION__DECISION_DOUBLE)
			printf("; weight %" PRIu64 " of %" PRIu64, t->yes_weight, t->total_weight);
		printf(": %s\n", t->passed ? "carried" : "not carried");
		return;
	}
	for (size_t u = 0; u < t->nunit; u++) {
		const ballot_unit_tally_t *ut = &t->unit[u];

		if (ut->unit >= 0) {
			printf("  unit ");
			ev_fput_text(stdout, unit_name(p, ut->unit), strlen(unit_name(p, ut->unit)));
			printf(" (budget %s, %zu ballots):\n", money_text(m, ut->budget,
			    poll_decimals(p), 0), ut->ballots);
		}
		for (size_t k = 0; k < ut->nopt; k++) {
			const ballot_option_t *o = &p->opt[ut->opt[k]];
			int win = 0;

			for (size_t x = 0; x < ut->nwin; x++)
				win |= ut->win[x] == k;
			hash_hex(hex, o->id, HASH_BYTES);
			printf("  %s %10" PRIu64 "  %.16s  ", win ? "*" : " ", ut->score[k], hex);
			ev_fput_text(stdout, o->title, strlen(o->title));
			if (ut->unit >= 0)
				printf(" (cost %s)", money_text(m, o->cost, poll_decimals(p), 0));
			printf("\n");
		}
	}
}

int tally_main(int argc, char **argv)
{
	const char *cmd = "tally";
	act_ctx_t *c;
	uint8_t process[HASH_BYTES], poll_id[HASH_BYTES];
	ballot_process_t bp;
	ballot_tally_t ut;
	const ballot_poll_t *poll = NULL;
	const ballot_tally_t *t = NULL;
	vview_t w = { 0 };
	char why[256] = "";
	size_t nfrontier = 0;
	uint8_t *frontier = NULL;
	cfg_t cfg;
	int rc, unit = -1, certified = 0;

	memset(&bp, 0, sizeof bp);
	memset(&ut, 0, sizeof ut);
	if ((c = calloc(1, sizeof *c)) == NULL)
		return cli_fail(EXIT_FAIL, cmd, "out of memory");
	c->cmd = cmd;
	if ((rc = act_parse(cmd, argc, argv, ACT_OPT(O_DIR) | ACT_OPT(O_JSON) |
	    ACT_OPT(O_PROCESS) | ACT_OPT(O_UNIT) | ACT_OPT(O_POLL), &c->o)) != 0) {
		rc = rc < 0 ? EXIT_OK : rc;
		goto out;
	}
	if (c->o.nargs != 0 || c->o.process == NULL) {
		rc = cli_fail(EXIT_USAGE, cmd, "usage: wiec tally [-d DIR] --process P [--unit U] "
		    "[--poll ID] [--json]");
		goto out;
	}
	if ((rc = act_parse_id(c, "--process", c->o.process, process)) != 0 ||
	    (c->o.poll != NULL && (rc = act_parse_id(c, "--poll", c->o.poll, poll_id)) != 0))
		goto out;
	if ((rc = cli_open_read(cmd, cli_dir(c->o.dir), &cfg, &c->s)) != EXIT_OK)
		goto out;
	/* A certified result never changes: the tally of its frontier only. */
	if ((certified = cli_close_frontier(c->s, process, &frontier, &nfrontier)) < 0) {
		rc = cli_fail(cli_status(certified), cmd, "%s", act_strerror(c, certified));
		goto out;
	}
	if ((rc = vview_open(c, &w)) != 0)
		goto out;
	/* Every poll of the process at once: the result hash covers them all. */
	if ((rc = model_tally_process(&w.v, &w.r, process, frontier, nfrontier, &bp, why,
	    sizeof why)) != 0) {
		rc = cli_fail(cli_status(rc), cmd, "%s", why[0] ? why : act_strerror(c, rc));
		goto out;
	}
	for (size_t i = 0; i < bp.n; i++)
		if (c->o.poll == NULL ? bp.n == 1 :
		    memcmp(bp.poll[i].ev.id, poll_id, HASH_BYTES) == 0) {
			poll = &bp.poll[i];
			t = &bp.tally[i];
		}
	if (poll == NULL) {
		rc = cli_fail(EXIT_FAIL, cmd, c->o.poll != NULL ? "poll %s is not a counting poll "
		    "of the process here" : bp.n == 0 ? "the process has no poll that counts here%s"
		    : "the process has several polls: name one with --poll ID%s",
		    c->o.poll != NULL ? c->o.poll : "");
		goto out;
	}
	if (c->o.unit_name != NULL) {
		for (size_t i = 0; poll->p->kind == WIEC__POLL_KIND__POLL_BUDGET &&
		    i < poll->proc.p->n_units; i++)
			if (strcmp(poll->proc.p->units[i]->name, c->o.unit_name) == 0)
				unit = (int)i;
		if (unit < 0) {
			rc = cli_fail(EXIT_USAGE, cmd, "'%s' is not a unit of this budget process",
			    c->o.unit_name);
			goto out;
		}
		if ((rc = ballot_tally(&w.v, &w.r, poll, frontier, nfrontier, unit, &ut, why,
		    sizeof why)) != 0) {
			rc = cli_fail(cli_status(rc), cmd, "%s", why[0] ? why : act_strerror(c, rc));
			goto out;
		}
		t = &ut;
	}
	if (c->o.json) {
		json_t j;

		json_init(&j, stdout);
		json_obj(&j);
		json_khex(&j, "process", process, HASH_BYTES);
		json_tally(&j, poll, t);
		json_khex(&j, "hash", bp.hash, HASH_BYTES);
		json_kbool(&j, "certified", certified == 1);
		json_end(&j);
	} else {
		char hex[HASH_HEX_BYTES];

		text_tally(poll, t);
		hash_hex(hex, bp.hash, HASH_BYTES);
		printf("result hash %s\n", hex);
		if (certified == 1)
			printf("certified: the close's counted events only (see 'wiec result')\n");
	}
	rc = EXIT_OK;
out:
	free(frontier);
	ballot_tally_free(&ut);
	ballot_process_free(&bp);
	vview_close(&w);
	act_ctx_free(c);
	free(c);
	return rc;
}

/* ---- wiec submit of a ballot signed elsewhere ---- */

int act_submit_check(const char *cmd, store_t *s, const ev_t *ev)
{
	act_ctx_t c;
	ballot_poll_t poll;
	ballot_voter_t who;
	model_cred_t cred;
	vview_t w;
	int rc, why;

	if (ev->kind != EV_VOTE)
		return 0;
	memset(&c, 0, sizeof c);
	c.cmd = cmd;
	c.s = s;
	if ((rc = vview_open(&c, &w)) != 0)
		return rc;
	if ((rc = closing(&w, ev->body->vote->process.data)) != 0) {
		vview_close(&w);
		return closing_fail(&c, rc);
	}
	rc = ballot_poll_load(&w.v, &w.r, ev->body->vote->poll.data, &poll);
	if (rc == WIEC_ERR_NOTFOUND) {
		/* Its poll may arrive later: the ballot counts from then on, if valid. */
		vview_close(&w);
		return 0;
	}
	if (rc != 0) {
		vview_close(&w);
		return cli_fail(cli_status(rc), cmd, "%s", act_strerror(&c, rc));
	}
	why = poll.why != BALLOT_OK ? BALLOT_NO_POLL : 0;
	if (why == 0) {
		if ((rc = ballot_voter(&w.v, &w.r, &poll, ev->author, &cred, &who)) != 0) {
			ballot_poll_free(&poll);
			vview_close(&w);
			return cli_fail(cli_status(rc), cmd, "%s", act_strerror(&c, rc));
		}
		why = ballot_check(&poll, ev->body->vote, &who);
		model_cred_free(&cred);
	}
	ballot_poll_free(&poll);
	vview_close(&w);
	if (why != BALLOT_OK)
		return cli_fail(EXIT_FAIL, cmd, "ballot refused: %s (%s)", why_text(why),
		    ballot_why_name(why));
	return 0;
}
