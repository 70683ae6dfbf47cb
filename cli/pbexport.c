/* pbexport.c: wiec pb export, a budget process written back as a Pabulib .pb
 * file (spec/tally.md section 5.3); cli/pbimport.c is the way in. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/json.h"
#include "crypto/afile.h"
#include "crypto/err.h"
#include "model/ballot.h"
#include "model/credential.h"
#include "model/idea.h"
#include "model/money.h"
#include "model/pb.h"
#include "model/pbio.h"
#include "model/roster.h"
#include "node/ctl.h"

/* ---- export ---- */

#define XCOLS_MAX 64	/* columns of one exported section */

/* One section being written: its columns (first seen first) and rows. */
typedef struct xtab {
	size_t ncols;
	char *col[XCOLS_MAX];
	size_t nrows, cap;
	char **cell;		/* nrows * XCOLS_MAX, owned, NULL: empty */
} xtab_t;

static void xtab_free(xtab_t *t)
{
	for (size_t i = 0; i < t->ncols; i++)
		free(t->col[i]);
	for (size_t i = 0; i < t->nrows * XCOLS_MAX; i++)
		free(t->cell[i]);
	free(t->cell);
	memset(t, 0, sizeof *t);
}

static int xtab_row(xtab_t *t)
{
	if (t->nrows == t->cap) {
		size_t nc = t->cap ? 2 * t->cap : 256;
		char **n = realloc(t->cell, nc * XCOLS_MAX * sizeof *n);

		if (n == NULL)
			return WIEC_ERR_NOMEM;
		t->cell = n;
		t->cap = nc;
	}
	memset(t->cell + t->nrows * XCOLS_MAX, 0, XCOLS_MAX * sizeof *t->cell);
	t->nrows++;
	return 0;
}

/* The index of column name (n bytes) in *c, added if new. */
static int xtab_coln(xtab_t *t, const char *name, size_t n, size_t *c)
{
	for (*c = 0; *c < t->ncols; (*c)++)
		if (strlen(t->col[*c]) == n && memcmp(t->col[*c], name, n) == 0)
			return 0;
	if (*c == XCOLS_MAX)
		return WIEC_ERR_TOO_BIG;
	if ((t->col[*c] = strndup(name, n)) == NULL)
		return WIEC_ERR_NOMEM;
	t->ncols++;
	return 0;
}

/* Adds column name, so that the header has it even with no rows. */
static int xtab_col(xtab_t *t, const char *name)
{
	size_t c;

	return xtab_coln(t, name, strlen(name), &c);
}

/* Sets column name (n bytes) of row r to value (vn bytes). */
static int xtab_set_at(xtab_t *t, size_t r, const char *name, size_t n, const char *value,
    size_t vn)
{
	size_t c;
	char **cell;
	int rc;

	if ((rc = xtab_coln(t, name, n, &c)) != 0)
		return rc;
	cell = &t->cell[r * XCOLS_MAX + c];
	free(*cell);
	return (*cell = strndup(value, vn)) == NULL ? WIEC_ERR_NOMEM : 0;
}

static int xtab_sets(xtab_t *t, const char *name, const char *value)
{
	return xtab_set_at(t, t->nrows - 1, name, strlen(name), value, strlen(value));
}

/* Whether name (n bytes) is one of the NULL-terminated list (NULL: none). */
static int named(const char *const *list, const char *name, size_t n)
{
	for (; list != NULL && *list != NULL; list++)
		if (strlen(*list) == n && memcmp(*list, name, n) == 0)
			return 1;
	return 0;
}

/* Adds the "name;value" lines of text (from line `skip` on) to the last row,
 * but not the columns named in reserved: an author's text never replaces
 * a column the export computes. */
static int xtab_lines(xtab_t *t, const char *text, int skip, const char *const *reserved)
{
	const char *l = text;

	while (*l) {
		const char *e = strchr(l, '\n'), *semi;
		size_t n = e ? (size_t)(e - l) : strlen(l);
		int rc;

		semi = memchr(l, ';', n);
		if (skip > 0)
			skip--;
		else if (semi != NULL && !named(reserved, l, (size_t)(semi - l)) &&
		    (rc = xtab_set_at(t, t->nrows - 1, l, (size_t)(semi - l), semi + 1,
		    n - (size_t)(semi - l) - 1)) != 0)
			return rc;
		l += n + (e != NULL);
	}
	return 0;
}

static const char *xcell(const xtab_t *t, size_t r, const char *name)
{
	for (size_t c = 0; c < t->ncols; c++)
		if (strcmp(t->col[c], name) == 0)
			return t->cell[r * XCOLS_MAX + c];
	return NULL;
}

/* Project and voter ids: numbers by value, then bytewise. */
static int natural_cmp(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la && lb && strspn(a, "0123456789") == la && strspn(b, "0123456789") == lb &&
	    la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a, b);
}

typedef struct sort_by {
	const xtab_t *t;
	size_t key;
} sort_by_t;

static int row_cmp(const void *x, const void *y, void *arg)
{
	const sort_by_t *sb = arg;
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	const char *ka = sb->t->cell[a * XCOLS_MAX + sb->key];
	const char *kb = sb->t->cell[b * XCOLS_MAX + sb->key];

	return natural_cmp(ka ? ka : "", kb ? kb : "");
}

static void put_cell(FILE *f, const char *v)
{
	if (v == NULL)
		v = "";
	if (strchr(v, ';') == NULL && v[0] != '"') {
		fputs(v, f);
		return;
	}
	fputc('"', f);
	for (; *v; v++) {
		if (*v == '"')
			fputc('"', f);
		fputc(*v, f);
	}
	fputc('"', f);
}

/* Writes the section: its name, header and rows (sorted by column key
 * unless key is NULL). first: columns that lead, in this order. */
static int xtab_write(FILE *f, const char *section, xtab_t *t, const char *key,
    const char *const *first)
{
	size_t order[XCOLS_MAX], n = 0, *rows;

	for (size_t i = 0; first[i] != NULL; i++)
		for (size_t c = 0; c < t->ncols; c++)
			if (strcmp(t->col[c], first[i]) == 0)
				order[n++] = c;
	for (size_t c = 0; c < t->ncols; c++) {
		size_t i;

		for (i = 0; first[i] != NULL && strcmp(t->col[c], first[i]) != 0; i++)
			;
		if (first[i] == NULL)
			order[n++] = c;
	}
	if ((rows = malloc((t->nrows + 1) * sizeof *rows)) == NULL)
		return WIEC_ERR_NOMEM;
	for (size_t r = 0; r < t->nrows; r++)
		rows[r] = r;
	if (key != NULL) {
		sort_by_t sb = { t, 0 };

		while (sb.key < t->ncols && strcmp(t->col[sb.key], key) != 0)
			sb.key++;
		if (sb.key < t->ncols && t->nrows > 1)
			qsort_r(rows, t->nrows, sizeof *rows, row_cmp, &sb);
	}
	fprintf(f, "%s\n", section);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc(';', f);
		put_cell(f, t->col[order[i]]);
	}
	fputc('\n', f);
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t i = 0; i < n; i++) {
			if (i)
				fputc(';', f);
			put_cell(f, t->cell[rows[r] * XCOLS_MAX + order[i]]);
		}
		fputc('\n', f);
	}
	free(rows);
	return 0;
}

typedef struct xp {
	const char *cmd;
	store_t *s;
	store_view_t *sv;
	model_view_t v;
	roster_t r;
	int have_roster;
	model_process_t proc;
	xtab_t meta, projects, votes;
	uint8_t (*idea)[HASH_BYTES];	/* counted ideas, beside their project_id */
	char **pid;
	size_t nideas;
	int have_poll, points;
	ballot_poll_t poll;		/* the process's poll (the first valid one) */
	int imported;			/* by pb import: texts hold the file's rows */
	char vote_type[32], rule[64];
	char why[320];			/* why the process cannot be exported, or "" */
} xp_t;

/* One id being settled: its text and row. */
typedef struct xid {
	const char *s;
	size_t i;
} xid_t;

static int xid_cmp(const void *a, const void *b)
{
	const xid_t *x = a, *y = b;

	return strcmp(x->s, y->s);
}

/* Settles the project_ids or voter_ids of n rows (spec/tally.md 5.3): want[i]
 * (malloc'd, or NULL: none) stays if valid(want[i]), no other row wants it
 * and it is no other row's fallback; else it becomes a copy of fallback[i]
 * (the idea id or the key in hex: distinct, and valid). So every id is
 * unique and readable, whoever chose a category or attribute, and the
 * result does not depend on the rows' order. */
static int ids_settle(char **want, char *const *fallback, size_t n, int (*valid)(const char *))
{
	xid_t *w = malloc((n + 1) * sizeof *w), *f = malloc((n + 1) * sizeof *f);
	uint8_t *bad = calloc(n + 1, 1);
	size_t nw = 0;
	int rc = WIEC_ERR_NOMEM;

	if (w == NULL || f == NULL || bad == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		f[i] = (xid_t){ fallback[i], i };
		if (want[i] != NULL && valid(want[i]))
			w[nw++] = (xid_t){ want[i], i };
		else
			bad[i] = 1;
	}
	qsort(w, nw, sizeof *w, xid_cmp);
	qsort(f, n, sizeof *f, xid_cmp);
	for (size_t k = 0; k < nw; k++) {
		const xid_t *hit = bsearch(&w[k], f, n, sizeof *f, xid_cmp);

		if ((k > 0 && strcmp(w[k - 1].s, w[k].s) == 0) ||
		    (k + 1 < nw && strcmp(w[k + 1].s, w[k].s) == 0) ||
		    (hit != NULL && hit->i != w[k].i))
			bad[w[k].i] = 1;
	}
	for (size_t i = 0; i < n; i++) {
		if (!bad[i])
			continue;
		free(want[i]);
		if ((want[i] = strdup(fallback[i])) == NULL)
			goto out;
	}
	rc = 0;
out:
	free(bad);
	free(f);
	free(w);
	return rc;
}

/* A project_id as section 1 reads it: not empty, no comma. (The rest of
 * section 1's text rules hold for every category already.) */
static int project_id_ok(const char *s)
{
	return *s != '\0' && strchr(s, ',') == NULL;
}

/* A voter_id: not empty. */
static int voter_id_ok(const char *s)
{
	return *s != '\0';
}

static const char *project_of(const xp_t *x, const uint8_t id[static HASH_BYTES])
{
	for (size_t i = 0; i < x->nideas; i++)
		if (memcmp(x->idea[i], id, HASH_BYTES) == 0)
			return x->pid[i];
	return NULL;
}

/* PROJECTS: the counted ideas of the process's unit(s). */
static int x_projects(xp_t *x)
{
	static const char *const computed[] = { "project_id", "cost", NULL };
	model_ids_t ids = { 0 };
	char (*hex)[HASH_HEX_BYTES] = NULL, **fallback = NULL;
	int rc;

	if ((rc = xtab_col(&x->projects, "project_id")) != 0 ||
	    (rc = xtab_col(&x->projects, "cost")) != 0 ||
	    (rc = model_idea_list(&x->v, &x->r, x->proc.ev.id, &ids)) != 0)
		return rc;
	if ((x->idea = calloc(ids.n + 1, sizeof *x->idea)) == NULL ||
	    (x->pid = calloc(ids.n + 1, sizeof *x->pid)) == NULL) {
		rc = WIEC_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < ids.n; i++) {
		model_idea_t it;
		const Wiec__Idea *l;
		char cost[MONEY_TEXT_BYTES], hx[HASH_HEX_BYTES];
		const char *name;

		if ((rc = model_idea_load(&x->v, &x->r, ids.id[i], &it)) != 0)
			goto out;
		if (it.why != MODEL_OK) {
			model_idea_free(&it);
			continue;
		}
		l = it.latest;
		hash_hex(hx, it.ev.id, HASH_BYTES);
		money_text(cost, l->cost, x->proc.p->decimals, 1);
		if ((rc = xtab_row(&x->projects)) != 0 ||
		    (rc = xtab_sets(&x->projects, "cost", cost)) != 0 ||
		    (x->imported && (rc = xtab_lines(&x->projects, l->text, 0, computed)) != 0)) {
			model_idea_free(&it);
			goto out;
		}
		/* The full name (the title is cut at 256 bytes), unless the title
		 * was edited since; none where the file had none. */
		name = xcell(&x->projects, x->projects.nrows - 1, "name");
		if ((name == NULL || strncmp(name, l->title, strlen(l->title)) != 0) &&
		    (name != NULL || !x->imported ||
		    strcmp(l->title, *l->category ? l->category : hx) != 0) &&
		    (rc = xtab_sets(&x->projects, "name", l->title)) != 0) {
			model_idea_free(&it);
			goto out;
		}
		memcpy(x->idea[x->nideas], it.ev.id, HASH_BYTES);
		x->pid[x->nideas] = strdup(l->category);
		model_idea_free(&it);
		if (x->pid[x->nideas++] == NULL) {
			rc = WIEC_ERR_NOMEM;
			goto out;
		}
	}
	if (x->nideas == 0) {
		snprintf(x->why, sizeof x->why, "no counted idea to write (pb import reads no "
		    ".pb file without projects)");
		rc = WIEC_ERR_FIELD;
		goto out;
	}
	/* project_id = the category, unless it is not unique or not readable:
	 * then the idea id in hex. */
	if ((hex = calloc(x->nideas + 1, sizeof *hex)) == NULL ||
	    (fallback = calloc(x->nideas + 1, sizeof *fallback)) == NULL) {
		rc = WIEC_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < x->nideas; i++) {
		hash_hex(hex[i], x->idea[i], HASH_BYTES);
		fallback[i] = hex[i];
	}
	if ((rc = ids_settle(x->pid, fallback, x->nideas, project_id_ok)) != 0)
		goto out;
	for (size_t i = 0; i < x->nideas; i++)
		if ((rc = xtab_set_at(&x->projects, i, "project_id", strlen("project_id"), x->pid[i],
		    strlen(x->pid[i]))) != 0)
			goto out;
	rc = 0;
out:
	free(fallback);
	free(hex);
	model_ids_free(&ids);
	return rc;
}

/* One ballot of the exported poll: its voter and (seq, id). */
typedef struct xballot {
	uint8_t voter[KEY_PK_BYTES];
	uint64_t seq;
	uint8_t id[HASH_BYTES];
} xballot_t;

/* By voter, then greatest (seq, id) first: each voter's latest leads. */
static int xballot_cmp(const void *a, const void *b)
{
	const xballot_t *x = a, *y = b;
	int c = memcmp(x->voter, y->voter, KEY_PK_BYTES);

	if (c != 0)
		return c;
	if (x->seq != y->seq)
		return x->seq > y->seq ? -1 : 1;
	return -memcmp(x->id, y->id, HASH_BYTES);
}

/* A budget poll's ballots by its `ballot`; other kinds by their kind. */
static const char *poll_vote_type(const Wiec__Poll *p)
{
	switch (p->kind == WIEC__POLL_KIND__POLL_BUDGET ? p->ballot : p->kind) {
	case WIEC__POLL_KIND__POLL_RANKED: return "ordinal";
	case WIEC__POLL_KIND__POLL_CUMULATIVE: return "cumulative";
	case WIEC__POLL_KIND__POLL_CHOOSE_ONE: return "choose-1";
	default: return "approval";
	}
}

/* The poll whose ballots are exported: the first valid poll of the
 * process in id order, else its first poll. */
static int x_poll(xp_t *x)
{
	model_ids_t ids = { 0 };
	int rc;

	x->poll.why = BALLOT_NO_POLL;
	if ((rc = ballot_poll_list(&x->v, x->proc.ev.id, &ids)) != 0)
		return rc;
	for (size_t i = 0; i < ids.n; i++) {
		ballot_poll_t bp;

		if ((rc = ballot_poll_load(&x->v, &x->r, ids.id[i], &bp)) != 0)
			goto out;
		if (!x->have_poll || (x->poll.why != BALLOT_OK && bp.why == BALLOT_OK)) {
			if (x->have_poll)
				ballot_poll_free(&x->poll);
			x->poll = bp;
			x->have_poll = 1;
		} else {
			ballot_poll_free(&bp);
		}
	}
	if (x->have_poll) {
		snprintf(x->vote_type, sizeof x->vote_type, "%s", poll_vote_type(x->poll.p));
		snprintf(x->rule, sizeof x->rule, "%s", x->poll.why == BALLOT_OK ?
		    tally_rule_name(x->poll.rule) : x->poll.p->rule);
		x->points = x->poll.p->kind == WIEC__POLL_KIND__POLL_CUMULATIVE ||
		    x->poll.p->ballot == WIEC__POLL_KIND__POLL_CUMULATIVE;
	}
	rc = 0;
out:
	model_ids_free(&ids);
	return rc;
}

/* The held ballots of the poll, as a tally reads them (the process's ballot
 * index; an excluded event is not held), sorted by xballot_cmp. */
static int x_ballots(xp_t *x, xballot_t **out, size_t *n)
{
	model_ids_t ids = { 0 };
	xballot_t *b = NULL;
	size_t k = 0;
	int rc;

	if ((rc = model_ids_collect(&x->v, x->proc.ev.id, MREF_BALLOT, &ids)) != 0)
		goto out;
	if ((b = malloc((ids.n + 1) * sizeof *b)) == NULL) {
		rc = WIEC_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < ids.n; i++) {
		model_ev_t ev;
		const Wiec__Vote *vo;

		if ((rc = x->v.get(x->v.ctx, ids.id[i], &ev)) == WIEC_ERR_NOTFOUND)
			continue;
		if (rc != 0)
			goto out;
		vo = ev.body->content_case == WIEC__BODY__CONTENT_VOTE ? ev.body->vote : NULL;
		if (vo != NULL && vo->poll.len == HASH_BYTES &&
		    memcmp(vo->poll.data, x->poll.ev.id, HASH_BYTES) == 0) {
			memcpy(b[k].voter, ev.author, KEY_PK_BYTES);
			b[k].seq = ev.seq;
			memcpy(b[k].id, ev.id, HASH_BYTES);
			k++;
		}
		model_ev_free(&ev);
	}
	if (k > 1)
		qsort(b, k, sizeof *b, xballot_cmp);
	*out = b;
	*n = k;
	b = NULL;
	rc = 0;
out:
	free(b);
	model_ids_free(&ids);
	return rc;
}

/* The vote and points cells of ballot vo. */
static int x_choices(xp_t *x, const Wiec__Vote *vo, const uint8_t id[static HASH_BYTES])
{
	char *list = NULL, *pts = NULL;
	size_t ll = 0, pl = 0;
	FILE *lf = open_memstream(&list, &ll), *pf = open_memstream(&pts, &pl);
	int rc = 0;

	for (size_t k = 0; rc == 0 && lf && pf && k < vo->n_choices; k++) {
		const char *pid = vo->choices[k]->project.len == HASH_BYTES ?
		    project_of(x, vo->choices[k]->project.data) : NULL;
		char h[HASH_HEX_BYTES];

		/* A valid ballot names options of the poll; an option that is no
		 * counted idea has no row in PROJECTS. */
		if (pid == NULL) {
			hash_hex(h, id, HASH_BYTES);
			snprintf(x->why, sizeof x->why, "ballot %.16s names an option that is "
			    "no counted idea of the process", h);
			rc = WIEC_ERR_FIELD;
			break;
		}
		fprintf(lf, "%s%s", k ? "," : "", pid);
		fprintf(pf, "%s%llu", k ? "," : "", (unsigned long long)vo->choices[k]->points);
	}
	if (lf)
		fclose(lf);
	if (pf)
		fclose(pf);
	if (rc == 0 && (list == NULL || pts == NULL))
		rc = WIEC_ERR_NOMEM;
	if (rc == 0)
		rc = xtab_sets(&x->votes, "vote", list);
	if (rc == 0 && x->points)
		rc = xtab_sets(&x->votes, "points", pts);
	free(list);
	free(pts);
	return rc;
}

/* The row of a voter whose ballots of the poll are b[0..n), latest first:
 * the latest valid one (spec/tally.md 4.2-4.3; where the poll itself does
 * not count, the latest in the voter's unit), unless it is a withdrawal or
 * the voter is not eligible. *vid gets the credential's voter_id (or
 * NULL) and *hex the key in hex, both malloc'd, for ids_settle. */
static int x_voter(xp_t *x, const xballot_t *b, size_t n, char **vid, char **hex)
{
	static const char *const computed[] = { PBIO_UNIT_ATTR, PBIO_VOTER_ATTR, "vote", "points",
		NULL };
	const Wiec__Vote *vo = NULL;
	const char *unit, *attr;
	ballot_voter_t who = { 0 };
	model_cred_t c, bc;
	model_ev_t ev;
	char h[HASH_HEX_BYTES];
	int rc, eligible;

	memset(&ev, 0, sizeof ev);
	memset(&bc, 0, sizeof bc);
	if ((rc = model_credential(&x->v, &x->r, &x->proc, b[0].voter, &c)) != 0)
		return rc;
	if (x->poll.why == BALLOT_OK &&
	    (rc = ballot_voter(&x->v, &x->r, &x->poll, b[0].voter, &bc, &who)) != 0)
		goto out;
	eligible = x->poll.why == BALLOT_OK ? who.eligible :
	    c.eligible || !x->proc.p->eligibility;
	unit = model_cred_attr(&c, PBIO_UNIT_ATTR);
	for (size_t k = 0; eligible && k < n; k++) {
		if ((rc = x->v.get(x->v.ctx, b[k].id, &ev)) != 0)
			goto out;
		vo = ev.body->vote;
		if (x->poll.why == BALLOT_OK ? ballot_check(&x->poll, vo, &who) == BALLOT_OK :
		    vo->withdraw || unit == NULL || strcmp(unit, vo->unit) == 0)
			break;
		model_ev_free(&ev);
		vo = NULL;
	}
	if (vo == NULL || vo->withdraw)
		goto out;
	hash_hex(h, b[0].voter, KEY_PK_BYTES);
	attr = model_cred_attr(&c, PBIO_VOTER_ATTR);
	if ((*hex = strdup(h)) == NULL || (attr != NULL && (*vid = strdup(attr)) == NULL)) {
		rc = WIEC_ERR_NOMEM;
		goto out;
	}
	if ((rc = xtab_row(&x->votes)) != 0 || (rc = x_choices(x, vo, ev.id)) != 0)
		goto out;
	for (size_t k = 0; c.eligible && k < c.ev.body->credential->n_attributes; k++) {
		const Wiec__Attribute *a = c.ev.body->credential->attributes[k];

		if (!named(computed, a->name, strlen(a->name)) &&
		    (rc = xtab_sets(&x->votes, a->name, a->value)) != 0)
			goto out;
	}
out:
	model_ev_free(&ev);
	model_cred_free(&bc);
	model_cred_free(&c);
	return rc;
}

/* VOTES: a row per voter of the poll whose latest valid ballot counts
 * (x_voter); voter_id = its credential's attribute, else the key in hex. */
static int x_votes(xp_t *x)
{
	xballot_t *b = NULL;
	char **vid = NULL, **hex = NULL;
	size_t nb = 0, nrow = 0;
	int rc;

	if ((rc = xtab_col(&x->votes, "voter_id")) != 0 ||
	    (rc = xtab_col(&x->votes, "vote")) != 0 ||
	    (x->points && (rc = xtab_col(&x->votes, "points")) != 0) || !x->have_poll ||
	    (rc = x_ballots(x, &b, &nb)) != 0)
		return rc;
	if ((vid = calloc(nb + 1, sizeof *vid)) == NULL ||
	    (hex = calloc(nb + 1, sizeof *hex)) == NULL) {
		rc = WIEC_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0, j; i < nb; i = j) {
		for (j = i + 1; j < nb && memcmp(b[j].voter, b[i].voter, KEY_PK_BYTES) == 0; j++)
			;
		rc = x_voter(x, b + i, j - i, &vid[nrow], &hex[nrow]);
		if (x->votes.nrows > nrow) {
			nrow++;
		} else {
			free(vid[nrow]);
			free(hex[nrow]);
			vid[nrow] = hex[nrow] = NULL;
		}
		if (rc != 0)
			goto out;
	}
	if ((rc = ids_settle(vid, hex, nrow, voter_id_ok)) != 0)
		goto out;
	for (size_t r = 0; r < nrow; r++)
		if ((rc = xtab_set_at(&x->votes, r, "voter_id", strlen("voter_id"), vid[r],
		    strlen(vid[r]))) != 0)
			goto out;
	rc = 0;
out:
	for (size_t r = 0; hex != NULL && r < nrow; r++) {
		free(vid[r]);
		free(hex[r]);
	}
	free(vid);
	free(hex);
	free(b);
	return rc;
}

/* META: the imported META rows, if the process was imported, with the
 * counts, budget, vote type and rule taken from the events. */
static int x_meta(xp_t *x)
{
	const Wiec__Process *p = x->proc.p;
	char num[MONEY_TEXT_BYTES];
	uint64_t budget = 0;
	int rc;

	for (size_t i = 0; i < p->n_units; i++)
		budget += p->units[i]->budget;	/* no overflow: checked before */
	if ((rc = xtab_row(&x->meta)) != 0)
		return rc;
	if (x->imported) {
		if ((rc = xtab_lines(&x->meta, p->text, 1, NULL)) != 0)
			return rc;
	} else {
		if ((rc = xtab_sets(&x->meta, "description", p->title)) != 0)
			return rc;
	}
	snprintf(num, sizeof num, "%zu", x->projects.nrows);
	if ((rc = xtab_sets(&x->meta, "num_projects", num)) != 0)
		return rc;
	snprintf(num, sizeof num, "%zu", x->votes.nrows);
	if ((rc = xtab_sets(&x->meta, "num_votes", num)) != 0)
		return rc;
	if ((rc = xtab_sets(&x->meta, "budget", money_text(num, budget, p->decimals, 1))) != 0)
		return rc;
	if (xcell(&x->meta, 0, "vote_type") == NULL &&
	    (rc = xtab_sets(&x->meta, "vote_type", x->have_poll ? x->vote_type : "approval")) != 0)
		return rc;
	/* No poll yet: a budget poll's default rule, so pb tally needs no --rule. */
	if (xcell(&x->meta, 0, "rule") == NULL && (!x->have_poll || x->rule[0]) &&
	    (rc = xtab_sets(&x->meta, "rule", x->have_poll ? x->rule : "greedy")) != 0)
		return rc;
	return 0;
}

/* META is written as key;value rows. */
static void write_meta(FILE *f, const xtab_t *m)
{
	fprintf(f, "META\nkey;value\n");
	for (size_t c = 0; c < m->ncols; c++) {
		put_cell(f, m->col[c]);
		fputc(';', f);
		put_cell(f, m->cell[c]);
		fputc('\n', f);
	}
}

/* The file, in *text (malloc'd, len bytes), once section 1's parser has
 * read it back and pb import's limits hold for it (its size, and every
 * event it would make: pbio_check): an export is never a file that pb
 * tally or pb import refuses (x->why says why not). */
static int x_render(xp_t *x, char **text, size_t *len)
{
	static const char *const pfirst[] = { "project_id", "cost", NULL };
	static const char *const vfirst[] = { "voter_id", "vote", "points", NULL };
	FILE *f = open_memstream(text, len);
	char why[sizeof x->why - 48];
	pb_t *pb = NULL;
	int rc;

	if (f == NULL)
		return WIEC_ERR_NOMEM;
	write_meta(f, &x->meta);
	rc = xtab_write(f, "PROJECTS", &x->projects, "project_id", pfirst);
	if (rc == 0)
		rc = xtab_write(f, "VOTES", &x->votes, "voter_id", vfirst);
	if (fclose(f) != 0 && rc == 0)
		rc = WIEC_ERR_NOMEM;
	if (rc == 0 && *len > PB_FILE_MAX) {
		snprintf(x->why, sizeof x->why, "its .pb would be %zu bytes; pb import reads at "
		    "most %lu", *len, PB_FILE_MAX);
		rc = WIEC_ERR_TOO_BIG;
	}
	if (rc == 0 && (rc = pb_parse(&pb, *text, *len, 0, why, sizeof why)) != 0 &&
	    rc != WIEC_ERR_NOMEM)
		snprintf(x->why, sizeof x->why, "its .pb would not read back: %s", why);
	if (rc == 0 && (rc = pbio_check(pb, why, sizeof why)) != 0 && rc != WIEC_ERR_NOMEM)
		snprintf(x->why, sizeof x->why, "pb import would refuse its .pb: %s", why);
	pb_free(&pb);
	return rc;
}

int pb_export_main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_DIR_OPT, { "process", required_argument, NULL, 'p' },
		{ "out", required_argument, NULL, 'o' }, { 0, 0, 0, 0 },
	};
	const char *dflag = NULL, *out = NULL, *pidtext = NULL;
	char *text = NULL;
	size_t len = 0;
	uint8_t pid[HASH_BYTES];
	afile_t af;
	xp_t x;
	cfg_t cfg;
	FILE *f;
	int c, rc, e, have_af = 0;

	memset(&x, 0, sizeof x);
	x.cmd = "pb export";
	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":d:o:h", opts)) != -1) {
		switch (c) {
		case 'd': dflag = optarg; break;
		case 'p': pidtext = optarg; break;
		case 'o': out = optarg; break;
		case 'h': cli_usage(stdout, x.cmd); return EXIT_OK;
		default: return cli_badopt(x.cmd, c, argv);
		}
	}
	if (optind != argc)
		return cli_fail(EXIT_USAGE, x.cmd, "unexpected argument '%s'", argv[optind]);
	if (pidtext == NULL || out == NULL)
		return cli_fail(EXIT_USAGE, x.cmd, "--process and -o are required");
	if ((rc = cli_out_file(x.cmd, "-o", out)) != EXIT_OK)
		return rc;
	if (hash_from_hex(pid, HASH_BYTES, pidtext) != 0)
		return cli_fail(EXIT_USAGE, x.cmd, "--process must be an event id (64 hex digits), "
		    "not '%s'", pidtext);
	if ((rc = cli_open_read(x.cmd, cli_dir(dflag), &cfg, &x.s)) != EXIT_OK)
		return rc;
	if ((rc = store_view_begin(x.s, &x.sv, &x.v)) != 0 ||
	    (rc = roster_load(&x.v, &x.r)) != 0) {
		rc = cli_fail(cli_status(rc), x.cmd, "%s", wiec_strerror(rc));
		goto out;
	}
	x.have_roster = 1;
	rc = model_process_load(&x.v, &x.r, pid, &x.proc);
	if (rc == WIEC_ERR_NOTFOUND) {
		rc = cli_fail(EXIT_FAIL, x.cmd, "process %s is not held here", pidtext);
		goto out;
	}
	if (rc != 0) {
		rc = cli_fail(cli_status(rc), x.cmd, "%s", wiec_strerror(rc));
		goto out;
	}
	if (x.proc.why != MODEL_OK || x.proc.p->kind != WIEC__PROCESS_KIND__PROCESS_BUDGET) {
		rc = cli_fail(EXIT_FAIL, x.cmd, "process %s is %s", pidtext, x.proc.why !=
		    MODEL_OK ? "not counted (its author is no member)" : "not a budget process");
		goto out;
	}
	x.imported = strncmp(x.proc.p->text, PBIO_MARK, sizeof PBIO_MARK - 1) == 0;
	{
		uint64_t sum = 0;

		for (size_t i = 0; i < x.proc.p->n_units; i++) {
			if (x.proc.p->units[i]->budget > UINT64_MAX - sum) {
				rc = cli_fail(EXIT_INVALID, x.cmd, "process %s: its units' budgets "
				    "add up to 2^64 or more (META budget is their sum)", pidtext);
				goto out;
			}
			sum += x.proc.p->units[i]->budget;
		}
	}
	if ((rc = x_poll(&x)) != 0 || (rc = x_projects(&x)) != 0 || (rc = x_votes(&x)) != 0 ||
	    (rc = x_meta(&x)) != 0 || (rc = x_render(&x, &text, &len)) != 0) {
		rc = cli_fail(rc == WIEC_ERR_TOO_BIG || x.why[0] ? EXIT_INVALID : cli_status(rc),
		    x.cmd, "process %s: %s", pidtext, x.why[0] ? x.why : rc == WIEC_ERR_TOO_BIG ?
		    "more than 64 columns in a section" : wiec_strerror(rc));
		goto out;
	}
	if ((rc = afile_open(&af, out, 0644, 0)) != 0) {
		rc = rc == WIEC_ERR_EXISTS ? cli_fail(EXIT_FAIL, x.cmd, "%s exists; refusing to "
		    "overwrite", out) : cli_fail(rc == WIEC_ERR_ARG ? EXIT_USAGE : EXIT_FAIL, x.cmd,
		    "%s: %s", out, rc == WIEC_ERR_IO ? strerror(errno) : wiec_strerror(rc));
		goto out;
	}
	have_af = 1;
	if ((f = afile_stream(&af)) == NULL) {
		rc = cli_fail(EXIT_FAIL, x.cmd, "%s: %s", out, strerror(errno));
		goto out;
	}
	if (fwrite(text, 1, len, f) != len || fflush(f) != 0 || ferror(f)) {
		rc = cli_fail(EXIT_FAIL, x.cmd, "%s: %s", out, strerror(errno));
		goto out;
	}
	have_af = 0;
	if ((rc = afile_commit(&af)) != 0) {
		e = errno;
		rc = cli_fail(EXIT_FAIL, x.cmd, "%s: %s", out, rc == WIEC_ERR_EXISTS ?
		    "appeared meanwhile; refusing to overwrite" : rc == WIEC_ERR_IO ? strerror(e) :
		    wiec_strerror(rc));
		goto out;
	}
	rc = EXIT_OK;
out:
	if (have_af)
		afile_abort(&af);
	free(text);
	for (size_t i = 0; i < x.nideas; i++)
		free(x.pid[i]);
	free(x.pid);
	free(x.idea);
	xtab_free(&x.meta);
	xtab_free(&x.projects);
	xtab_free(&x.votes);
	if (x.have_poll)
		ballot_poll_free(&x.poll);
	model_process_free(&x.proc);
	if (x.have_roster)
		roster_free(&x.r);
	store_view_end(&x.sv);
	store_close(&x.s);
	return rc;
}
