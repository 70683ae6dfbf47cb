/* read.c: the read commands of the deliberation model (spec/model.md):
 * process list|show, idea list|show, and their text output (the --json
 * emitters are in cli/readjson.c). Everything printed is folded by the
 * model (model/) from the held events through one read transaction;
 * --json is the same bytes on any two nodes holding the same events: ids
 * and keys in lowercase hex, members in a fixed order, arrays in the
 * model's orders, nothing local (no arrival order, path or clock). */
#include <getopt.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/act.h"
#include "cli/cli.h"
#include "cli/json.h"
#include "cli/read_int.h"
#include "crypto/err.h"
#include "model/credential.h"
#include "model/idea.h"
#include "model/moderation.h"
#include "model/money.h"
#include "model/process.h"
#include "model/roster.h"
#include "model/slot.h"

static int rd_err(rd_t *d, int rc);

static int rd_open(rd_t *d, const char *dflag)
{
	char err[CLI_ERR_MAX];
	cfg_t cfg;
	int rc;

	if ((rc = cli_open_read(d->cmd, cli_dir(dflag), &cfg, &d->s)) != EXIT_OK)
		return rc;
	if ((rc = store_view_begin(d->s, &d->sv, &d->v)) != 0)
		return rd_err(d, rc);
	if ((rc = roster_load(&d->v, &d->r)) != 0)
		return cli_fail(cli_status(rc), d->cmd, "cannot derive the members: %s",
		    cli_strerror(d->s, rc, err, sizeof err));
	d->have_roster = 1;
	json_init(&d->j, stdout);
	return 0;
}

static void rd_close(rd_t *d)
{
	if (d->have_roster)
		roster_free(&d->r);
	store_view_end(&d->sv);
	store_close(&d->s);
}

/* Options: -d, --json, and for idea list --process. */
static int rd_parse(rd_t *d, int argc, char **argv, const char **dflag, const char **process,
    int nargs)
{
	static const struct option opts[] = {
		CLI_DIR_OPT,
		{ "json", no_argument, NULL, 'j' },
		{ "process", required_argument, NULL, 'p' },
		{ 0, 0, 0, 0 },
	};
	int c;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":d:h", opts)) != -1) {
		switch (c) {
		case 'd': *dflag = optarg; break;
		case 'j': d->json = 1; break;
		case 'p':
			if (process == NULL)
				return cli_fail(EXIT_USAGE, d->cmd, "option '--process' does not apply "
				    "here (see 'wiec help %s')", d->cmd);
			*process = optarg;
			break;
		case 'h': cli_usage(stdout, d->cmd); return -1;
		default: return cli_badopt(d->cmd, c, argv);
		}
	}
	if (argc - optind != nargs)
		return cli_fail(EXIT_USAGE, d->cmd, "%s (see 'wiec help %s')", nargs ?
		    "expected one id" : "no arguments expected besides the options", d->cmd);
	return 0;
}

static int rd_id(rd_t *d, const char *what, const char *s, uint8_t id[static HASH_BYTES])
{
	if (hash_from_hex(id, HASH_BYTES, s) != 0)
		return cli_fail(EXIT_USAGE, d->cmd, "%s must be an event id (64 hex digits), not "
		    "'%s'", what, s);
	return 0;
}

/* The opening of a show command: options, its one id (what names it) and
 * the view. 0; -1 after --help; or a printed error's status. rd_close d
 * in every case (it is safe on a partly opened d). */
static int rd_show_open(rd_t *d, int argc, char **argv, const char *what,
    uint8_t id[static HASH_BYTES])
{
	const char *dflag = NULL;
	int rc;

	if ((rc = rd_parse(d, argc, argv, &dflag, NULL, 1)) != 0 ||
	    (rc = rd_id(d, what, argv[optind], id)) != 0)
		return rc;
	return rd_open(d, dflag);
}

/* The error line of a failed read: the damage named, if the store found one. */
static int rd_err(rd_t *d, int rc)
{
	char err[CLI_ERR_MAX];

	return cli_fail(cli_status(rc), d->cmd, "%s", cli_strerror(d->s, rc, err, sizeof err));
}

/* ---- shared printing ---- */

static void short_id(char out[17], const uint8_t *id)
{
	char hex[HASH_HEX_BYTES];

	hash_hex(hex, id, HASH_BYTES);
	memcpy(out, hex, 16);
	out[16] = '\0';
}

/* "name" or the author's key, for text lines. */
/* Room for a member's name as shown (each bidirectional control of it
 * becomes "<U+XXXX>": at most 4 bytes shown per byte) or a key's text. */
#define WHO_TEXT (4 * ROSTER_NAME_MAX + 1)
_Static_assert(WHO_TEXT >= KEY_TEXT_BYTES, "a key's text fits");

/* Who signed with key, for text output: the member's name as
 * ev_fput_text shows it, or the key's text. */
static const char *t_who(const rd_t *d, const uint8_t *key, char buf[static WHO_TEXT])
{
	const char *n = rd_who(d, key);
	FILE *f;

	if (n == NULL) {
		key_to_text(buf, key);
		return buf;
	}
	if ((f = fmemopen(buf, WHO_TEXT, "w")) == NULL)
		return "?";
	ev_fput_text(f, n, strlen(n));
	fclose(f);		/* writes the NUL: the name as shown is shorter */
	return buf;
}

/* Event text on stdout, shown as itself on one line (proto/event.h
 * ev_fput_text): a line break in it is "\n", so no entry of a list can
 * print what looks like another entry. */
static void tx(const char *text)
{
	ev_fput_text(stdout, text, strlen(text));
}

/* tx, then spaces to width characters (printf's "%-14s" for text). */
static void tx_pad(const char *text, int width)
{
	tx(text);
	for (const char *p = text; *p; p++)
		width -= ((unsigned char)*p & 0xc0) != 0x80;
	while (width-- > 0)
		putchar(' ');
}

/* A body: multi-line text on lines of its own, each behind "  | ", so
 * that no line of it starts where the headings and entries of the output
 * do and the body cannot pass for a section ("status history:"). */
static void tx_block(const char *text)
{
	ev_fput_block(stdout, text, strlen(text), "  | ");
}

static void t_standing(int why)
{
	if (why != MODEL_OK)
		printf(" [not counted: %s]", model_why_name(why));
}

static void fmt_coord(char *out, size_t len, int32_t v)
{
	int64_t a = v < 0 ? -(int64_t)v : v;

	snprintf(out, len, "%s%" PRId64 ".%07" PRId64, v < 0 ? "-" : "", a / 10000000,
	    a % 10000000);
}

/* ---- process ---- */

static int count_ideas(rd_t *d, const uint8_t *process, size_t *n)
{
	model_ids_t ids = { 0 };
	int rc = model_idea_list(&d->v, &d->r, process, &ids);

	*n = ids.n;
	model_ids_free(&ids);
	return rc;
}

int process_list_main(int argc, char **argv)
{
	rd_t d = { .cmd = "process list" };
	model_ids_t ids = { 0 };
	const char *dflag = NULL;
	int rc;

	if ((rc = rd_parse(&d, argc, argv, &dflag, NULL, 0)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = rd_open(&d, dflag)) != 0)
		goto out;
	if ((rc = model_process_list(&d.v, &d.r, 1, &ids)) != 0) {
		rc = rd_err(&d, rc);
		goto out;
	}
	if (d.json)
		json_arr(&d.j);
	for (size_t i = 0; i < ids.n; i++) {
		model_process_t p = { 0 };
		char sid[17];
		size_t n = 0;

		if ((rc = model_process_load(&d.v, &d.r, ids.id[i], &p)) != 0 ||
		    (rc = count_ideas(&d, ids.id[i], &n)) != 0) {
			model_process_free(&p);
			rc = rd_err(&d, rc);
			goto out;
		}
		if (d.json) {
			json_obj(&d.j);
			json_khex(&d.j, "id", ids.id[i], HASH_BYTES);
			rd_j_process_summary(&d, &p, n);
			json_end(&d.j);
		} else {
			short_id(sid, ids.id[i]);
			printf("%s %-12s ", sid, act_process_kind_name(p.p->kind));
			tx_pad(rd_phase_name(p.p, p.phase), 14);
			printf(" %3zu ideas  ", n);
			tx(p.p->title);
			t_standing(p.why);
			putchar('\n');
		}
		model_process_free(&p);
	}
	if (d.json)
		json_end(&d.j);
	rc = EXIT_OK;
out:
	model_ids_free(&ids);
	rd_close(&d);
	return rc;
}

static void t_keys(rd_t *d, const char *label, const ProtobufCBinaryData *v, size_t n)
{
	char buf[WHO_TEXT];

	printf("%-11s", label);
	if (n == 0)
		printf(" -");
	for (size_t i = 0; i < n; i++)
		printf(" %s", v[i].len == KEY_PK_BYTES ? t_who(d, v[i].data, buf) : "?");
	putchar('\n');
}

static void t_process(rd_t *d, const model_process_t *p, const model_ids_t *ideas)
{
	const Wiec__Process *pr = p->p;
	char hex[HASH_HEX_BYTES], buf[WHO_TEXT], sid[17], m[MONEY_TEXT_BYTES];

	hash_hex(hex, p->ev.id, HASH_BYTES);
	printf("process    %s", hex);
	t_standing(p->why);
	printf("\nkind       %s\ntitle      ", act_process_kind_name(pr->kind));
	tx(pr->title);
	printf("\nphase      ");
	tx(rd_phase_name(pr, p->phase));
	printf(" (%u of %zu)\n", p->phase + 1, pr->n_phases);
	printf("by         %s\n", t_who(d, p->ev.author, buf));
	t_keys(d, "owners", pr->owners, pr->n_owners);
	t_keys(d, "reviewers", pr->reviewers, pr->n_reviewers);
	t_keys(d, "moderators", pr->moderators, pr->n_moderators);
	t_keys(d, "registrars", pr->registrars, pr->n_registrars);
	printf("quorum     %u owner%s\n", p->quorum, p->quorum == 1 ? "" : "s");
	if (pr->eligibility)
		printf("eligibility credentials of scope %.16s...\n", (hash_hex(hex, p->scope,
		    HASH_BYTES), hex));
	for (size_t i = 0; i < pr->n_units; i++) {
		printf("unit       ");
		tx(pr->units[i]->name);
		printf(": %s\n", money_text(m, pr->units[i]->budget, pr->decimals, 0));
	}
	if (*pr->text) {
		putchar('\n');
		tx_block(pr->text);
		putchar('\n');
	}
	printf("\nphase history:\n  (start)  ");
	tx(rd_phase_name(pr, 0));
	putchar('\n');
	for (size_t i = 0; i < p->changes.n; i++) {
		const model_item_t *it = &p->changes.it[i];

		short_id(sid, it->ev.id);
		printf("  %s -> ", sid);
		tx(rd_phase_name(pr, it->ev.body->phase->phase));
		printf(" by %s: ", t_who(d, it->ev.author, buf));
		tx(it->ev.body->phase->reason);
		t_standing(it->why);
		putchar('\n');
	}
	printf("\n%zu idea%s\n", ideas->n, ideas->n == 1 ? "" : "s");
	for (size_t i = 0; i < ideas->n; i++) {
		hash_hex(hex, ideas->id[i], HASH_BYTES);
		printf("  %s\n", hex);
	}
}

int process_show_main(int argc, char **argv)
{
	rd_t d = { .cmd = "process show" };
	model_process_t p = { 0 };
	model_ids_t ideas = { 0 };
	uint8_t id[HASH_BYTES];
	int rc;

	if ((rc = rd_show_open(&d, argc, argv, "PROCESS", id)) != 0) {
		rc = rc < 0 ? EXIT_OK : rc;
		goto out;
	}
	rc = model_process_load(&d.v, &d.r, id, &p);
	if (rc == WIEC_ERR_NOTFOUND) {
		rc = cli_fail(EXIT_FAIL, d.cmd, "no process %s here", argv[optind]);
		goto out;
	}
	if (rc != 0 || (rc = model_idea_list(&d.v, &d.r, id, &ideas)) != 0) {
		rc = rd_err(&d, rc);
		goto out;
	}
	if (d.json)
		rd_j_process(&d, &p, &ideas);
	else
		t_process(&d, &p, &ideas);
	rc = EXIT_OK;
out:
	model_ids_free(&ideas);
	model_process_free(&p);
	rd_close(&d);
	return rc;
}

/* ---- idea ---- */

static void t_items(rd_t *d, const char *title, const model_items_t *its,
    void (*line)(rd_t *d, const model_item_t *it))
{
	char buf[WHO_TEXT], sid[17];

	if (its->n == 0)
		return;
	printf("\n%s:\n", title);
	for (size_t n = 0; n < its->n; n++) {
		const model_item_t *it = &its->it[n];

		short_id(sid, it->ev.id);
		printf("  %s %s: ", sid, t_who(d, it->ev.author, buf));
		line(d, it);
		t_standing(it->why);
		putchar('\n');
	}
}

static void l_version(rd_t *d, const model_item_t *it)
{
	(void)d;
	printf("#%" PRIu64 " ", it->ev.seq);
	tx(it->ev.body->idea->title);
}

static void l_status(rd_t *d, const model_item_t *it)
{
	(void)d;
	printf("%s: ", act_status_name(it->ev.body->status->status));
	tx(it->ev.body->status->reason);
}

static void l_eval(rd_t *d, const model_item_t *it)
{
	const Wiec__Evaluation *e = it->ev.body->evaluation;

	(void)d;
	printf("%s", rd_feasibility_name(e->feasibility));
	if (e->cost)
		printf(", cost %" PRIu64, e->cost);
	printf(": ");
	tx(e->reason);
}

static void l_support(rd_t *d, const model_item_t *it)
{
	(void)d;
	printf("%s", it->ev.body->support->withdraw ? "withdrew" : "+1");
}

static void l_link(rd_t *d, const model_item_t *it)
{
	const Wiec__Link *l = it->ev.body->link;
	char a[17], b[17];

	(void)d;
	short_id(a, l->idea.data);
	short_id(b, l->other.data);
	printf("%s %s %s: ", a, l->merge ? "merged into" : "linked to", b);
	tx(l->reason);
}

static void l_moderation(rd_t *d, const model_item_t *it)
{
	(void)d;
	printf("%s: ", it->ev.body->moderation->hide ? "hid" : "restored");
	tx(it->ev.body->moderation->reason);
}

static void l_reason(rd_t *d, const model_item_t *it)
{
	(void)d;
	tx(it->ev.body->content_case == WIEC__BODY__CONTENT_REPORT ?
	    it->ev.body->report->reason : it->ev.body->appeal->reason);
}

/* The idea's own fields, as text. */
static void t_idea(rd_t *d, const model_idea_t *i)
{
	const Wiec__Idea *l = i->latest;
	char hex[HASH_HEX_BYTES], buf[WHO_TEXT], la[24], lo[24];

	hash_hex(hex, i->ev.id, HASH_BYTES);
	printf("idea       %s", hex);
	t_standing(i->why);
	printf("\ntitle      ");
	tx(l->title);
	printf("\nby         %s\nprocess    ", t_who(d, i->ev.author, buf));
	if (i->bank) {
		printf("(open bank of ideas)\n");
	} else {
		hash_hex(hex, i->ev.body->idea->process.data, HASH_BYTES);
		printf("%s\n", hex);
	}
	printf("status     %s\nsupports   %zu\n", act_status_name(i->status_now),
	    i->supports.counted);
	if (*l->category) {
		printf("category   ");
		tx(l->category);
		putchar('\n');
	}
	if (l->location != NULL) {
		fmt_coord(la, sizeof la, l->location->lat);
		fmt_coord(lo, sizeof lo, l->location->lon);
		printf("location   %s,%s\n", la, lo);
	}
	if (l->cost)
		printf("cost       %" PRIu64 "\n", l->cost);
	if (*l->unit) {
		printf("unit       ");
		tx(l->unit);
		putchar('\n');
	}
	if (i->mod.hidden)
		printf("hidden     yes (by a moderator; see below)\n");
	if (*l->text) {
		putchar('\n');
		tx_block(l->text);
		putchar('\n');
	}
}

/* ---- an idea's histories and thread: one walker, two emitters ---- */

/* A history of an idea (or of a comment's moderation): where its items are
 * in the record, and how each emitter prints one item. */
typedef struct rd_section {
	const char *key;	/* JSON member */
	const char *title;	/* text heading */
	size_t off;		/* of the model_items_t in the record */
	void (*fields)(rd_t *d, const model_item_t *it);	/* JSON */
	void (*line)(rd_t *d, const model_item_t *it);		/* text */
} rd_section_t;

static const rd_section_t idea_sections[] = {
	{ "version_history", "versions", offsetof(model_idea_t, versions), rd_jf_version, l_version },
	{ "status_history", "status history", offsetof(model_idea_t, status), rd_jf_status,
	  l_status },
	{ "evaluations", "evaluations", offsetof(model_idea_t, evals), rd_jf_eval, l_eval },
	{ "supporters", "supports", offsetof(model_idea_t, supports), rd_jf_support, l_support },
	{ "links", "links", offsetof(model_idea_t, links), rd_jf_link, l_link },
};

static const rd_section_t mod_sections[] = {
	{ "moderation", "moderation", offsetof(model_moderation_t, decisions), rd_jf_moderation,
	  l_moderation },
	{ "reports", "reports", offsetof(model_moderation_t, reports), rd_jf_reason, l_reason },
	{ "appeals", "appeals", offsetof(model_moderation_t, appeals), rd_jf_reason, l_reason },
};

static void walk_sections(rd_t *d, const void *rec, const rd_section_t *s, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		const model_items_t *its = (const model_items_t *)((const char *)rec + s[k].off);

		if (d->json)
			rd_j_items(d, s[k].key, its, s[k].fields);
		else
			t_items(d, s[k].title, its, s[k].line);
	}
}

/* A comment with its own moderation history. */
static int j_comment(rd_t *d, const model_comment_t *c)
{
	model_moderation_t m = { 0 };
	int rc;

	if ((rc = model_moderation_load(&d->v, &d->r, c->ev.id, &m)) != 0)
		return rc;
	json_obj(&d->j);
	rd_j_head(d, &c->ev);
	rd_j_opt_id(d, "on", &c->ev.body->comment->target);
	json_ku64(&d->j, "depth", c->depth);
	json_kbool(&d->j, "hidden", c->hidden);
	json_kstr(&d->j, "body", c->ev.body->comment->text);
	walk_sections(d, &m, mod_sections, sizeof mod_sections / sizeof mod_sections[0]);
	json_end(&d->j);
	model_moderation_free(&m);
	return 0;
}

/* A comment on one line, indented by its depth. */
static void t_comment(rd_t *d, const model_comment_t *c)
{
	char buf[WHO_TEXT], sid[17];

	short_id(sid, c->ev.id);
	printf("%*s%s %s%s: ", (int)(2 * c->depth), "", sid,
	    t_who(d, c->ev.author, buf), c->hidden ? " [hidden]" : "");
	tx(c->hidden ? "(hidden by a moderator)" : c->ev.body->comment->text);
	putchar('\n');
}

/* The idea's histories, its moderation, then the thread. 0 or a model
 * error (JSON only: loading a comment's moderation). */
static int walk_idea(rd_t *d, const model_idea_t *i, const model_thread_t *t)
{
	int rc;

	walk_sections(d, i, idea_sections, sizeof idea_sections / sizeof idea_sections[0]);
	walk_sections(d, &i->mod, mod_sections, sizeof mod_sections / sizeof mod_sections[0]);
	if (d->json) {
		json_key(&d->j, "comments");
		json_arr(&d->j);
	} else if (t->n) {
		printf("\ncomments:\n");
	}
	for (size_t n = 0; n < t->n; n++) {
		if (!d->json)
			t_comment(d, &t->c[n]);
		else if ((rc = j_comment(d, &t->c[n])) != 0)
			return rc;
	}
	if (d->json)
		json_end(&d->j);
	return 0;
}

int idea_show_main(int argc, char **argv)
{
	rd_t d = { .cmd = "idea show" };
	model_idea_t i = { 0 };
	model_thread_t t = { 0 };
	uint8_t id[HASH_BYTES];
	int rc;

	if ((rc = rd_show_open(&d, argc, argv, "IDEA", id)) != 0) {
		rc = rc < 0 ? EXIT_OK : rc;
		goto out;
	}
	rc = model_idea_load(&d.v, &d.r, id, &i);
	if (rc == WIEC_ERR_NOTFOUND) {
		rc = cli_fail(EXIT_FAIL, d.cmd, "no idea %s here", argv[optind]);
		goto out;
	}
	if (rc != 0 || (rc = model_thread_load(&d.v, &d.r, i.ev.id, &t)) != 0) {
		rc = rd_err(&d, rc);
		goto out;
	}
	if (d.json) {
		json_obj(&d.j);
		rd_j_head(&d, &i.ev);
		rd_j_idea_summary(&d, &i);
	} else {
		t_idea(&d, &i);
	}
	if ((rc = walk_idea(&d, &i, &t)) != 0) {
		rc = rd_err(&d, rc);
		goto out;
	}
	if (d.json)
		json_end(&d.j);
	rc = EXIT_OK;
out:
	model_thread_free(&t);
	model_idea_free(&i);
	rd_close(&d);
	return rc;
}

int idea_list_main(int argc, char **argv)
{
	rd_t d = { .cmd = "idea list" };
	model_ids_t ids = { 0 };
	const char *dflag = NULL, *process = NULL;
	uint8_t pid[HASH_BYTES];
	int rc;

	if ((rc = rd_parse(&d, argc, argv, &dflag, &process, 0)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (process != NULL && (rc = rd_id(&d, "--process", process, pid)) != 0)
		return rc;
	if ((rc = rd_open(&d, dflag)) != 0)
		goto out;
	if (process != NULL) {
		model_process_t p = { 0 };

		rc = model_process_load(&d.v, &d.r, pid, &p);
		model_process_free(&p);
		if (rc == WIEC_ERR_NOTFOUND) {
			rc = cli_fail(EXIT_FAIL, d.cmd, "no process %s here", process);
			goto out;
		}
	}
	if (rc != 0 || (rc = model_idea_list(&d.v, &d.r, process ? pid : NULL, &ids)) != 0) {
		rc = rd_err(&d, rc);
		goto out;
	}
	if (d.json)
		json_arr(&d.j);
	for (size_t n = 0; n < ids.n; n++) {
		model_idea_t i = { 0 };
		char sid[17];

		if ((rc = model_idea_load(&d.v, &d.r, ids.id[n], &i)) != 0) {
			rc = rd_err(&d, rc);
			goto out;
		}
		if (d.json) {
			json_obj(&d.j);
			rd_j_head(&d, &i.ev);
			rd_j_idea_summary(&d, &i);
			json_end(&d.j);
		} else {
			short_id(sid, ids.id[n]);
			printf("%s %-12s %4zu+ ", sid, act_status_name(i.status_now),
			    i.supports.counted);
			tx(i.latest->title);
			printf("%s", i.mod.hidden ? " [hidden]" : "");
			t_standing(i.why);
			putchar('\n');
		}
		model_idea_free(&i);
	}
	if (d.json)
		json_end(&d.j);
	rc = EXIT_OK;
out:
	model_ids_free(&ids);
	rd_close(&d);
	return rc;
}
