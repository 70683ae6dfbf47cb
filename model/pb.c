/* pb.c: the strict .pb parser (pb.h; the format: spec/tally.md section 1). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crypto/err.h"
#include "crypto/siphash.h"
#include "model/pb.h"
#include "proto/event.h"

/* Parser state: where we are and the reason of the first failure. */
typedef struct pst {
	pb_t *p;
	char *why;
	size_t whylen;
	int err;
} pst_t;

static int fail(pst_t *st, int err, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(pst_t *st, int err, size_t line, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	st->err = err;
	if (st->why == NULL || st->whylen == 0)
		return err;
	if (line > 0)
		n = snprintf(st->why, st->whylen, "line %zu: ", line);
	if (n >= 0 && (size_t)n < st->whylen) {
		va_start(ap, fmt);
		vsnprintf(st->why + n, st->whylen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return err;
}

const char *pb_vote_type_name(pb_vote_type_t t)
{
	static const char *const names[] = { "approval", "ordinal", "cumulative", "choose-1",
	    "scoring" };

	return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "?";
}

int pb_decimal(mpq_t q, const char *s)
{
	const char *dot = NULL, *p;
	size_t digits = 0, frac = 0;
	char *num;
	int rc = -1;

	for (p = s; *p; p++) {
		if (*p == '.' && dot == NULL)
			dot = p;
		else if (*p >= '0' && *p <= '9')
			digits++, frac += dot != NULL;
		else
			return -1;
	}
	/* "1.", ".5", "." and "" are not decimals; neither is anything huge. */
	if (digits == 0 || (dot != NULL && (dot == s || frac == 0)) || digits > 60)
		return -1;
	if ((num = malloc(digits + 1)) == NULL)
		return -1;
	for (p = s, digits = 0; *p; p++)
		if (*p != '.')
			num[digits++] = *p;
	num[digits] = '\0';
	if (mpz_set_str(mpq_numref(q), num, 10) == 0) {
		mpz_ui_pow_ui(mpq_denref(q), 10, frac);
		mpq_canonicalize(q);
		rc = 0;
	}
	free(num);
	return rc;
}

/* An unsigned decimal integer of at most max, no sign, no leading junk. */
static int parse_uint(const char *s, unsigned long long max, unsigned long long *v)
{
	unsigned long long x = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || x > (max - (unsigned)(*s - '0')) / 10)
			return -1;
		x = x * 10 + (unsigned)(*s - '0');
	}
	*v = x;
	return 0;
}

/* ---- tables ---- */

static int table_push(pb_table_t *t, size_t *cap, char **cells, size_t n, size_t line)
{
	if (t->nrows == *cap) {
		size_t nc = *cap ? 2 * *cap : 64;
		char **c = realloc(t->cell, nc * t->ncols * sizeof *c);

		if (c == NULL)
			return -1;
		t->cell = c;
		size_t *l = realloc(t->line, nc * sizeof *l);

		if (l == NULL)
			return -1;
		t->line = l;
		*cap = nc;
	}
	memcpy(t->cell + t->nrows * t->ncols, cells, n * sizeof *cells);
	t->line[t->nrows++] = line;
	return 0;
}

/* Splits the line [s, e) of the arena into fields, unquoting in place and
 * NUL-terminating each (e itself may be overwritten: it is the line's end
 * or the arena's final NUL). Fields go to *f (grown as needed). */
static int split(pst_t *st, size_t line, char *s, char *e, char ***f, size_t *fcap,
    size_t *nf)
{
	char *p = s;

	*nf = 0;
	for (;;) {
		char *start = p, *w = p;

		if (*nf == *fcap) {
			size_t nc = *fcap ? 2 * *fcap : 16;
			char **g = realloc(*f, nc * sizeof *g);

			if (g == NULL)
				return fail(st, WIEC_ERR_NOMEM, 0, "out of memory");
			*f = g;
			*fcap = nc;
		}
		if (p < e && *p == '"') {
			for (p++;; ) {
				if (p >= e)
					return fail(st, WIEC_ERR_DECODE, line, "field %zu: quote not "
					    "closed before the end of the line", *nf + 1);
				if (*p == '"') {
					if (p + 1 < e && p[1] == '"') {
						*w++ = '"';
						p += 2;
						continue;
					}
					p++;
					break;
				}
				*w++ = *p++;
			}
			if (p < e && *p != ';')
				return fail(st, WIEC_ERR_DECODE, line, "field %zu: text after the "
				    "closing quote", *nf + 1);
		} else {
			while (p < e && *p != ';')
				p++;
			w = p;
		}
		(*f)[(*nf)++] = start;
		{
			int last = p >= e;

			*w = '\0';
			/* Text a terminal may show: UTF-8, no control but tab (an
			 * id of ESC [2J once cleared the screen of `pb tally`). */
			if (!ev_text_ok(start, 0, (size_t)-1, 1))
				return fail(st, WIEC_ERR_DECODE, line, "field %zu holds a control "
				    "character or is not UTF-8", *nf);
			if (last)
				return 0;
		}
		p++;
	}
}

/* ---- hashing of ids (project ids, voter ids) ---- */

/* Keyed per file (a random key): a file cannot be made of ids that share
 * slots, which would make reading it quadratic (it could with FNV-1a). */
typedef struct idset {
	uint32_t *slot;		/* index + 1; 0 is empty */
	size_t mask;
	uint8_t key[SIPHASH_KEY_BYTES];
} idset_t;

static int idset_init(idset_t *h, size_t n)
{
	size_t size = 16;

	while (size < 2 * n)
		size *= 2;
	h->mask = size - 1;
	randombytes_buf(h->key, sizeof h->key);
	h->slot = calloc(size, sizeof *h->slot);
	return h->slot == NULL ? -1 : 0;
}

/* Finds id among names[]; inserts idx if absent. Returns the index found,
 * or -1 when it was inserted. */
static long idset_put(idset_t *h, const char *const *names, size_t stride, const char *id,
    uint32_t idx)
{
	size_t i = siphash13(h->key, id, strlen(id)) & h->mask;

	while (h->slot[i] != 0) {
		uint32_t k = h->slot[i] - 1;

		if (strcmp(names[(size_t)k * stride], id) == 0)
			return (long)k;
		i = (i + 1) & h->mask;
	}
	h->slot[i] = idx + 1;
	return -1;
}

static long idset_get(const idset_t *h, const pb_project_t *proj, const char *id, size_t len)
{
	size_t i;

	for (i = siphash13(h->key, id, len) & h->mask; h->slot[i] != 0; i = (i + 1) & h->mask) {
		const char *name = proj[h->slot[i] - 1].id;

		if (strncmp(name, id, len) == 0 && name[len] == '\0')
			return (long)h->slot[i] - 1;
	}
	return -1;
}

/* ---- sections ---- */

enum { S_START, S_META_HEAD, S_META, S_PROJ_HEAD, S_PROJ, S_VOTES_HEAD, S_VOTES };

static int read_tables(pst_t *st, size_t len, unsigned flags)
{
	pb_t *p = st->p;
	char *a = p->arena, **f = NULL;
	size_t pos = 0, line = 0, fcap = 0, nf, cap[3] = { 0, 0, 0 };
	int state = S_START, crlf = -1, rc = 0;
	pb_table_t *t = NULL;

	if (len >= 3 && memcmp(a, "\xef\xbb\xbf", 3) == 0)
		return fail(st, WIEC_ERR_DECODE, 1, "the file starts with a byte order mark "
		    "(U+FEFF); save it as UTF-8 without one");
	while (pos < len) {
		char *nl = memchr(a + pos, '\n', len - pos), *s = a + pos, *e;
		int this_crlf = 0;

		line++;
		e = nl != NULL ? nl : a + len;
		if (nl != NULL && e > s && e[-1] == '\r') {
			e--;
			this_crlf = 1;
		}
		if (nl != NULL) {
			if (crlf < 0)
				crlf = this_crlf;
			else if (crlf != this_crlf && !(flags & PB_MIXED_EOL)) {
				rc = fail(st, WIEC_ERR_DECODE, line, "ends in %s but line 1 ends in "
				    "%s: the file mixes line endings", this_crlf ? "CRLF" : "LF",
				    crlf ? "CRLF" : "LF");
				goto out;
			}
		}
		pos = nl != NULL ? (size_t)(nl - a) + 1 : len;
		if (memchr(s, '\r', (size_t)(e - s)) != NULL) {
			rc = fail(st, WIEC_ERR_DECODE, line, "carriage return inside the line");
			goto out;
		}
		if (memchr(s, '\0', (size_t)(e - s)) != NULL) {
			rc = fail(st, WIEC_ERR_DECODE, line, "NUL byte in the text");
			goto out;
		}
		if (e == s) {
			rc = fail(st, WIEC_ERR_DECODE, line, "empty line");
			goto out;
		}
		{
			size_t n = (size_t)(e - s);
			const char *want = state == S_START ? "META" : state == S_META ? "PROJECTS" :
			    state == S_PROJ ? "VOTES" : NULL;

			if (state == S_START && !(n == 4 && memcmp(s, "META", 4) == 0)) {
				rc = fail(st, WIEC_ERR_DECODE, line, "expected the line META that "
				    "starts a .pb file");
				goto out;
			}
			if (want != NULL && n == strlen(want) && memcmp(s, want, n) == 0) {
				state++;
				continue;
			}
		}
		if ((rc = split(st, line, s, e, &f, &fcap, &nf)) != 0)
			goto out;
		switch (state) {
		case S_META_HEAD:
		case S_PROJ_HEAD:
		case S_VOTES_HEAD: {
			static const char *const first[] = { "key", "project_id", "voter_id" };
			int k = (state - S_META_HEAD) / 2;

			t = k == 0 ? &p->meta : k == 1 ? &p->projects : &p->votes;
			if (strcmp(f[0], first[k]) != 0 ||
			    (k == 0 && (nf != 2 || strcmp(f[1], "value") != 0))) {
				rc = fail(st, WIEC_ERR_DECODE, line, "the %s header must start "
				    "with '%s'%s", k == 0 ? "META" : k == 1 ? "PROJECTS" : "VOTES",
				    first[k], k == 0 ? " and be 'key;value'" : "");
				goto out;
			}
			for (size_t i = 0; i < nf; i++)
				for (size_t j = 0; j < i; j++)
					if (strcmp(f[i], f[j]) == 0) {
						rc = fail(st, WIEC_ERR_DECODE, line, "column '%s' "
						    "twice in the header", f[i]);
						goto out;
					}
			if ((t->head = malloc(nf * sizeof *t->head)) == NULL) {
				rc = fail(st, WIEC_ERR_NOMEM, 0, "out of memory");
				goto out;
			}
			memcpy(t->head, f, nf * sizeof *f);
			t->ncols = nf;
			t->head_line = line;
			state++;
			break;
		}
		default:
			if (nf != t->ncols) {
				rc = fail(st, WIEC_ERR_DECODE, line, "%zu fields where the header on "
				    "line %zu has %zu", nf, t->head_line, t->ncols);
				goto out;
			}
			if (t->nrows >= PB_VOTERS_MAX) {
				rc = fail(st, WIEC_ERR_TOO_BIG, line, "more than %llu rows",
				    PB_VOTERS_MAX);
				goto out;
			}
			if (table_push(t, &cap[(state - S_META) / 2], f, nf, line) != 0) {
				rc = fail(st, WIEC_ERR_NOMEM, 0, "out of memory");
				goto out;
			}
		}
	}
	if (state != S_VOTES) {
		static const char *const miss[] = { "the line META", "the META header",
		    "the PROJECTS section", "the PROJECTS header", "the VOTES section",
		    "the VOTES header" };

		rc = fail(st, WIEC_ERR_DECODE, line + 1, "the file ends before %s (truncated?)",
		    miss[state]);
	}
out:
	free(f);
	return rc;
}

static int meta_number(pst_t *st, const char *key, unsigned long long *v)
{
	const pb_table_t *m = &st->p->meta;

	for (size_t r = 0; r < m->nrows; r++)
		if (strcmp(m->cell[2 * r], key) == 0) {
			if (parse_uint(m->cell[2 * r + 1], PB_VOTERS_MAX, v) != 0)
				return fail(st, WIEC_ERR_DECODE, m->line[r], "%s is not a whole "
				    "number: '%.40s'", key, m->cell[2 * r + 1]);
			return 0;
		}
	return fail(st, WIEC_ERR_DECODE, m->head_line, "META has no '%s'", key);
}

static size_t meta_line(const pb_t *p, const char *key)
{
	for (size_t r = 0; r < p->meta.nrows; r++)
		if (strcmp(p->meta.cell[2 * r], key) == 0)
			return p->meta.line[r];
	return p->meta.head_line;
}

static int check_meta(pst_t *st)
{
	pb_t *p = st->p;
	const pb_table_t *m = &p->meta;
	unsigned long long nproj, nvotes;
	const char *s;
	int rc;

	for (size_t r = 0; r < m->nrows; r++)
		for (size_t q = 0; q < r; q++)
			if (strcmp(m->cell[2 * r], m->cell[2 * q]) == 0)
				return fail(st, WIEC_ERR_DECODE, m->line[r], "META key '%.40s' "
				    "again (first on line %zu)", m->cell[2 * r], m->line[q]);
	if ((rc = meta_number(st, "num_projects", &nproj)) != 0 ||
	    (rc = meta_number(st, "num_votes", &nvotes)) != 0)
		return rc;
	if (nproj != p->projects.nrows)
		return fail(st, WIEC_ERR_DECODE, meta_line(p, "num_projects"), "num_projects "
		    "is %llu but PROJECTS has %zu rows", nproj, p->projects.nrows);
	if (nvotes != p->votes.nrows)
		return fail(st, WIEC_ERR_DECODE, meta_line(p, "num_votes"), "num_votes is %llu "
		    "but VOTES has %zu rows", nvotes, p->votes.nrows);
	if ((s = pb_meta(p, "budget")) == NULL)
		return fail(st, WIEC_ERR_DECODE, m->head_line, "META has no 'budget'");
	if (pb_decimal(p->budget, s) != 0)
		return fail(st, WIEC_ERR_DECODE, meta_line(p, "budget"), "budget is not a "
		    "non-negative decimal number: '%.40s'", s);
	if ((s = pb_meta(p, "vote_type")) == NULL)
		return fail(st, WIEC_ERR_DECODE, m->head_line, "META has no 'vote_type'");
	for (rc = PB_APPROVAL; rc <= PB_SCORING; rc++)
		if (strcmp(s, pb_vote_type_name((pb_vote_type_t)rc)) == 0)
			break;
	if (rc > PB_SCORING)
		return fail(st, WIEC_ERR_DECODE, meta_line(p, "vote_type"), "unknown vote_type "
		    "'%.40s' (approval, ordinal, cumulative, choose-1 or scoring)", s);
	p->vote_type = (pb_vote_type_t)rc;
	if ((s = pb_meta(p, "min_project_score_threshold")) != NULL) {
		if (pb_decimal(p->threshold, s) != 0)
			return fail(st, WIEC_ERR_DECODE, meta_line(p,
			    "min_project_score_threshold"), "min_project_score_threshold is "
			    "not a non-negative decimal number: '%.40s'", s);
		p->has_threshold = 1;
	}
	p->max_length = -1;
	if ((s = pb_meta(p, "max_length")) != NULL) {
		unsigned long long v;

		if (parse_uint(s, PB_LEN_MAX, &v) != 0)
			return fail(st, WIEC_ERR_DECODE, meta_line(p, "max_length"), "max_length "
			    "is not a whole number of at most %llu: '%.40s'", PB_LEN_MAX, s);
		p->max_length = (long long)v;
	}
	p->rule = pb_meta(p, "rule");
	return 0;
}

static int check_projects(pst_t *st, idset_t *ids)
{
	pb_t *p = st->p;
	const pb_table_t *t = &p->projects;
	int cid = pb_col(t, "project_id"), ccost = pb_col(t, "cost");
	int csel = pb_col(t, "selected");

	if (ccost < 0)
		return fail(st, WIEC_ERR_DECODE, t->head_line, "the PROJECTS header has no "
		    "'cost' column");
	if (t->nrows > PB_PROJECTS_MAX)
		return fail(st, WIEC_ERR_TOO_BIG, t->line[PB_PROJECTS_MAX], "more than %llu "
		    "projects", PB_PROJECTS_MAX);
	p->nproj = t->nrows;
	if ((p->proj = calloc(p->nproj + 1, sizeof *p->proj)) == NULL ||
	    (p->approvals = calloc(p->nproj + 1, sizeof *p->approvals)) == NULL ||
	    idset_init(ids, p->nproj) != 0)
		return fail(st, WIEC_ERR_NOMEM, 0, "out of memory");
	for (size_t i = 0; i < p->nproj; i++)
		mpq_init(p->proj[i].cost);
	for (size_t r = 0; r < t->nrows; r++) {
		char **row = t->cell + r * t->ncols;
		pb_project_t *pj = &p->proj[r];
		long dup;

		pj->id = row[cid];
		pj->line = t->line[r];
		if (*pj->id == '\0' || strchr(pj->id, ',') != NULL)
			return fail(st, WIEC_ERR_DECODE, t->line[r], "project_id is empty or has a "
			    "comma");
		if ((dup = idset_put(ids, (const char *const *)t->cell + cid, t->ncols, pj->id,
		    (uint32_t)r)) >= 0)
			return fail(st, WIEC_ERR_DECODE, t->line[r], "project_id '%.40s' again "
			    "(first on line %zu)", pj->id, p->proj[dup].line);
		if (pb_decimal(pj->cost, row[ccost]) != 0)
			return fail(st, WIEC_ERR_DECODE, t->line[r], "cost of project '%.40s' is not "
			    "a non-negative decimal number: '%.40s'", pj->id, row[ccost]);
		pj->selected = -1;
		if (csel >= 0) {
			unsigned long long v;

			if (parse_uint(row[csel], 9, &v) != 0)
				return fail(st, WIEC_ERR_DECODE, t->line[r], "selected of project "
				    "'%.40s' is not a digit: '%.40s'", pj->id, row[csel]);
			pj->selected = (int)v;
		}
	}
	return 0;
}

static int check_votes(pst_t *st, const idset_t *ids)
{
	pb_t *p = st->p;
	const pb_table_t *t = &p->votes;
	int cvote = pb_col(t, "vote"), cpts = pb_col(t, "points"), rc = 0;
	size_t total = 0, n = 0, cap = 0;
	unsigned char *seen = NULL;
	idset_t voters = { .slot = NULL };

	if (cvote < 0)
		return fail(st, WIEC_ERR_DECODE, t->head_line, "the VOTES header has no 'vote' "
		    "column");
	if (cpts < 0 && (p->vote_type == PB_CUMULATIVE || p->vote_type == PB_SCORING))
		return fail(st, WIEC_ERR_DECODE, t->head_line, "vote_type %s needs a 'points' "
		    "column", pb_vote_type_name(p->vote_type));
	p->nvoters = t->nrows;
	for (size_t r = 0; r < t->nrows; r++) {
		const char *v = t->cell[r * t->ncols + cvote];

		total += *v != '\0';
		for (; *v; v++)
			total += *v == ',';
	}
	cap = total + 1;
	if ((p->ballot = malloc((p->nvoters + 1) * sizeof *p->ballot)) == NULL ||
	    (p->choice = malloc(cap * sizeof *p->choice)) == NULL ||
	    (cpts >= 0 && (p->points = malloc(cap * sizeof *p->points)) == NULL) ||
	    (seen = calloc(p->nproj + 1, 1)) == NULL || idset_init(&voters, p->nvoters) != 0) {
		rc = fail(st, WIEC_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	for (size_t r = 0; r < t->nrows; r++) {
		char **row = t->cell + r * t->ncols;
		const char *v = row[cvote], *pt = cpts >= 0 ? row[cpts] : NULL;
		size_t start = n;
		long dup;

		p->ballot[r] = n;
		if ((dup = idset_put(&voters, (const char *const *)t->cell, t->ncols, row[0],
		    (uint32_t)r)) >= 0) {
			rc = fail(st, WIEC_ERR_DECODE, t->line[r], "voter_id '%.40s' again (first on "
			    "line %zu)", row[0], t->line[dup]);
			goto out;
		}
		while (*v) {
			const char *c = strchr(v, ',');
			size_t l = c != NULL ? (size_t)(c - v) : strlen(v);
			long k = idset_get(ids, p->proj, v, l);

			if (k < 0) {
				rc = fail(st, WIEC_ERR_DECODE, t->line[r], "vote names an unknown "
				    "project '%.*s'", (int)(l > 40 ? 40 : l), v);
				goto out;
			}
			if (seen[k]) {
				rc = fail(st, WIEC_ERR_DECODE, t->line[r], "vote names project '%s' "
				    "twice", p->proj[k].id);
				goto out;
			}
			seen[k] = 1;
			p->choice[n++] = (uint32_t)k;
			v += l + (c != NULL);
			if (c != NULL && *v == '\0') {
				rc = fail(st, WIEC_ERR_DECODE, t->line[r], "vote ends with a comma");
				goto out;
			}
		}
		for (size_t i = start; i < n; i++) {
			seen[p->choice[i]] = 0;
			p->approvals[p->choice[i]]++;
		}
		if (p->vote_type == PB_CHOOSE1 && n - start != 1) {
			rc = fail(st, WIEC_ERR_DECODE, t->line[r], "a choose-1 vote names %zu "
			    "projects", n - start);
			goto out;
		}
		if (pt == NULL)
			continue;
		for (size_t i = start; i < n; i++) {
			const char *c = strchr(pt, ',');
			size_t l = c != NULL ? (size_t)(c - pt) : strlen(pt);
			unsigned long long x = 0;
			char num[24];

			if (l == 0 || l >= sizeof num || (c == NULL && i + 1 < n)) {
				rc = fail(st, WIEC_ERR_DECODE, t->line[r], "points do not match the "
				    "vote's projects one for one");
				goto out;
			}
			memcpy(num, pt, l);
			num[l] = '\0';
			if (parse_uint(num, PB_POINTS_MAX, &x) != 0) {
				rc = fail(st, WIEC_ERR_DECODE, t->line[r], "points '%s' are not a "
				    "whole number of at most %llu", num, PB_POINTS_MAX);
				goto out;
			}
			p->points[i] = x;
			pt += l + (c != NULL);
			if (i + 1 == n && c != NULL) {
				rc = fail(st, WIEC_ERR_DECODE, t->line[r], "more points than projects "
				    "in the vote");
				goto out;
			}
		}
		if (n == start && *pt != '\0') {
			rc = fail(st, WIEC_ERR_DECODE, t->line[r], "points for an empty vote");
			goto out;
		}
	}
	p->ballot[p->nvoters] = n;
out:
	free(seen);
	free(voters.slot);
	return rc;
}

int pb_parse(pb_t **out, const char *buf, size_t len, unsigned flags, char *why,
    size_t whylen)
{
	pst_t st = { NULL, why, whylen, 0 };
	idset_t ids = { .slot = NULL };
	pb_t *p;
	int rc;

	*out = NULL;
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if ((p = calloc(1, sizeof *p)) == NULL)
		return fail(&st, WIEC_ERR_NOMEM, 0, "out of memory");
	st.p = p;
	mpq_init(p->budget);
	mpq_init(p->threshold);
	if ((p->arena = malloc(len + 1)) == NULL) {
		rc = fail(&st, WIEC_ERR_NOMEM, 0, "out of memory");
		goto fail;
	}
	if (len > 0)
		memcpy(p->arena, buf, len);
	p->arena[len] = '\0';
	if ((rc = read_tables(&st, len, flags)) != 0 || (rc = check_meta(&st)) != 0 ||
	    (rc = check_projects(&st, &ids)) != 0 || (rc = check_votes(&st, &ids)) != 0)
		goto fail;
	free(ids.slot);
	*out = p;
	return 0;
fail:
	free(ids.slot);
	pb_free(&p);
	return rc;
}

static void table_free(pb_table_t *t)
{
	free(t->head);
	free(t->cell);
	free(t->line);
}

void pb_free(pb_t **pp)
{
	pb_t *p;

	if (pp == NULL || (p = *pp) == NULL)
		return;
	if (p->proj != NULL)
		for (size_t i = 0; i < p->nproj; i++)
			mpq_clear(p->proj[i].cost);
	mpq_clear(p->budget);
	mpq_clear(p->threshold);
	free(p->proj);
	free(p->approvals);
	free(p->ballot);
	free(p->choice);
	free(p->points);
	table_free(&p->meta);
	table_free(&p->projects);
	table_free(&p->votes);
	free(p->arena);
	free(p);
	*pp = NULL;
}

const char *pb_meta(const pb_t *p, const char *key)
{
	for (size_t r = 0; r < p->meta.nrows; r++)
		if (strcmp(p->meta.cell[2 * r], key) == 0)
			return p->meta.cell[2 * r + 1];
	return NULL;
}

int pb_col(const pb_table_t *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (strcmp(t->head[i], name) == 0)
			return (int)i;
	return -1;
}
