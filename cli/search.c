/* search.c: wiec search: full-text search of ideas and comments
 * (spec/search.md). The index (store/search.h) ranks documents; this file
 * decides, hit by hit in ranking order and through the model's folds
 * (model/idea.h, model/moderation.h), which count: an idea's latest
 * version, comments in a thread, not hidden unless asked, the filters. */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/act.h"
#include "cli/cli.h"
#include "cli/json.h"
#include "cli/parse.h"
#include "crypto/err.h"
#include "crypto/mem.h"
#include "crypto/siphash.h"
#include "model/fold.h"
#include "model/idea.h"
#include "model/moderation.h"
#include "model/roster.h"
#include "proto/kind.h"
#include "store/search.h"

#define SEARCH_LIMIT_DEFAULT 20
#define SEARCH_LIMIT_MAX 1000
#define SEARCH_QUERY_MAX 1024		/* bytes of the joined query */
#define SNIPPET 160			/* bytes of text shown with a result */

typedef struct opts {
	const char *dflag, *category;
	uint8_t process[HASH_BYTES];
	int by_process, bank, status, hidden, json;
	uint64_t limit;
	char query[SEARCH_QUERY_MAX + 1];
} opts_t;

/* One result, as printed. */
typedef struct result {
	int comment;
	uint8_t id[HASH_BYTES];		/* the idea (its original), or the comment */
	uint8_t doc[HASH_BYTES];	/* the event whose text matched */
	uint8_t idea[HASH_BYTES];	/* the comment's idea */
	uint8_t process[HASH_BYTES];	/* zero: the open bank */
	uint64_t score;
	int status, hidden;
	char *title, *category, *snippet;	/* owned */
	int cut;			/* the snippet is the start of a longer text */
} result_t;

static void result_free(result_t *r)
{
	free(r->title);
	free(r->category);
	free(r->snippet);
	memset(r, 0, sizeof *r);
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

/* The first SNIPPET bytes of s, cut at a character boundary. */
static char *snippet(const char *s)
{
	size_t n = s ? ev_text_cut(s, SNIPPET) : 0;
	char *out;

	if ((out = malloc(n + 1)) == NULL)
		return NULL;
	if (n)
		memcpy(out, s, n);
	out[n] = '\0';
	return out;
}

/* The folded form of a category, for comparing ("Zieleń" = "zielen"). */
typedef struct fcat {
	char b[256];
	size_t n;
} fcat_t;

static int fcat_add(void *arg, const char *t, size_t len, int prefix)
{
	fcat_t *f = arg;

	(void)prefix;
	if (f->n + len + 1 >= sizeof f->b)
		return 1;
	f->b[f->n++] = ' ';
	memcpy(f->b + f->n, t, len);
	f->n += len;
	return 0;
}

static int same_category(const char *a, const char *b)
{
	fcat_t x = { .n = 0 }, y = { .n = 0 };

	if (strcmp(a, b) == 0)
		return 1;
	/* Folded only (case, diacritics; words split the same way): not
	 * stemmed, nothing dropped, or 'dzieci' would be 'Dla dzieci'. */
	fold_terms(a, strlen(a), FOLD_WORDS, fcat_add, &x);
	fold_terms(b, strlen(b), FOLD_WORDS, fcat_add, &y);
	return x.n > 0 && x.n == y.n && memcmp(x.b, y.b, x.n) == 0;
}

/* What a hit needs of its idea (model_idea_load of the original), kept
 * per idea: every version and comment of one idea that matched would load
 * the whole idea again, so one resident's thousand versions made a query
 * quadratic. */
typedef struct isum {
	int used;
	uint8_t root[HASH_BYTES];	/* the original idea */
	int listed;			/* its process is held and valid, it has a latest version */
	uint8_t latest[HASH_BYTES];	/* the latest version's id */
	uint8_t process[HASH_BYTES];	/* zero: the open bank */
	int bank, hidden, status;
	char *title, *category, *snippet;	/* the latest version's; owned */
	int cut;				/* snippet shorter than the text */
} isum_t;

#define ISUM_SLOTS 1024		/* a power of two */

/* The view and roster hits are judged by: one read snapshot; and the
 * ideas judged so far, in slots by a keyed hash of the original's id (a
 * key drawn per query: nobody can make two ideas share a slot at will). */
typedef struct judge_ctx {
	store_view_t *sv;
	model_view_t v;
	roster_t r;
	int have_roster;
	isum_t *isum;			/* ISUM_SLOTS, owned */
	uint8_t key[SIPHASH_KEY_BYTES];
} judge_ctx_t;

static void isum_clear(isum_t *x)
{
	free(x->title);
	free(x->category);
	free(x->snippet);
	memset(x, 0, sizeof *x);
}

/* The summary of the original idea root: from its slot, or loaded into it.
 * NULL with *rc set on a failure (nothing kept). */
static const isum_t *idea_sum(judge_ctx_t *jc, const uint8_t root[static HASH_BYTES], int *rc)
{
	isum_t *x = &jc->isum[siphash13(jc->key, root, HASH_BYTES) & (ISUM_SLOTS - 1)];
	model_idea_t mi;

	if (x->used && memcmp(x->root, root, HASH_BYTES) == 0)
		return x;
	isum_clear(x);
	memset(&mi, 0, sizeof mi);
	*rc = model_idea_load(&jc->v, &jc->r, root, &mi);
	if (*rc != 0 && *rc != WIEC_ERR_NOTFOUND) {
		model_idea_free(&mi);
		return NULL;
	}
	memcpy(x->root, root, HASH_BYTES);
	x->listed = *rc == 0 && mi.why != MODEL_NO_PROCESS && mi.latest != NULL &&
	    mi.latest_ev != NULL;
	if (x->listed) {
		memcpy(x->latest, mi.latest_ev->id, HASH_BYTES);
		x->bank = mi.bank;
		if (!mi.bank && mi.proc.ev.body != NULL)
			memcpy(x->process, mi.proc.ev.id, HASH_BYTES);
		x->hidden = mi.mod.hidden;
		x->status = mi.status_now;
		x->title = dup_or_empty(mi.latest->title);
		x->category = dup_or_empty(mi.latest->category);
		x->snippet = snippet(mi.latest->text);
		x->cut = x->snippet != NULL && mi.latest->text != NULL &&
		    strlen(x->snippet) < strlen(mi.latest->text);
		if (x->title == NULL || x->category == NULL || x->snippet == NULL) {
			model_idea_free(&mi);
			isum_clear(x);
			*rc = WIEC_ERR_NOMEM;
			return NULL;
		}
	}
	model_idea_free(&mi);
	x->used = 1;
	*rc = 0;
	return x;
}

/* Judges one hit (the event id matched) by the model's folds: 1 and fills
 * r if it is shown, 0 if it is not, or a negative wiec_err_t. */
static int judge(judge_ctx_t *jc, const opts_t *o, const uint8_t id[static HASH_BYTES],
    uint64_t score, result_t *r)
{
	const model_view_t *v = &jc->v;
	const isum_t *x;
	model_ev_t ev;
	model_moderation_t mod;
	uint8_t root[HASH_BYTES];
	int rc;

	memset(r, 0, sizeof *r);
	memset(&ev, 0, sizeof ev);
	memset(&mod, 0, sizeof mod);
	/* Not held, or a member's event from its fork on (excluded): not shown. */
	if ((rc = v->get(v->ctx, id, &ev)) != 0)
		goto out;
	memcpy(r->doc, id, HASH_BYTES);
	r->score = score;
	rc = 0;
	if (ev.body->content_case != WIEC__BODY__CONTENT_COMMENT &&
	    ev.body->content_case != WIEC__BODY__CONTENT_IDEA)
		goto out;
	/* Shown with the idea it belongs to (a comment: in a thread held up
	 * to its idea), or not at all. */
	if ((rc = model_root_idea(v, id, root, NULL)) != 0 || (x = idea_sum(jc, root, &rc)) == NULL)
		goto out;
	if (!x->listed)
		goto out;		/* not listed: its process is not held or not valid */
	if (ev.body->content_case == WIEC__BODY__CONTENT_COMMENT) {
		if ((rc = model_moderation_load(v, &jc->r, id, &mod)) != 0)
			goto out;
		r->comment = 1;
		memcpy(r->id, id, HASH_BYTES);
		/* A comment under a hidden idea is hidden with it. */
		r->hidden = mod.hidden || x->hidden;
		r->snippet = snippet(ev.body->comment->text);
		r->cut = r->snippet != NULL &&
		    strlen(r->snippet) < strlen(ev.body->comment->text);
	} else {
		/* Only the latest version's text counts. */
		if (memcmp(x->latest, id, HASH_BYTES) != 0)
			goto out;
		memcpy(r->id, root, HASH_BYTES);
		r->hidden = x->hidden;
		r->title = dup_or_empty(x->title);
		r->snippet = dup_or_empty(x->snippet);
		r->cut = x->cut;
	}
	memcpy(r->idea, root, HASH_BYTES);
	memcpy(r->process, x->process, HASH_BYTES);
	r->category = dup_or_empty(x->category);
	r->status = x->status;
	if ((r->title == NULL && !r->comment) || r->category == NULL || r->snippet == NULL) {
		rc = WIEC_ERR_NOMEM;
		goto out;
	}
	rc = 1;
	if ((o->bank && !x->bank) ||
	    (o->by_process && (x->bank || memcmp(r->process, o->process, HASH_BYTES) != 0)) ||
	    (o->category && !same_category(o->category, r->category)) ||
	    (o->status && r->status != o->status) || (r->hidden && !o->hidden))
		rc = 0;
out:
	model_moderation_free(&mod);
	model_ev_free(&ev);
	if (rc != 1)
		result_free(r);
	return rc == WIEC_ERR_NOTFOUND ? 0 : rc;
}

static int result_order(const void *a, const void *b)
{
	const result_t *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return memcmp(x->id, y->id, HASH_BYTES);
}

static void print_score(FILE *f, uint64_t score)
{
	uint64_t milli = (uint64_t)(((unsigned __int128)score * 1000) >> 32);

	fprintf(f, "%llu.%03llu", (unsigned long long)(milli / 1000),
	    (unsigned long long)(milli % 1000));
}

static void print_result(json_t *j, const result_t *r)
{
	char hex[HASH_HEX_BYTES], idea[HASH_HEX_BYTES];

	if (j != NULL) {
		json_obj(j);
		json_khex(j, "id", r->id, HASH_BYTES);
		json_kstr(j, "kind", r->comment ? "comment" : "idea");
		json_ku64(j, "score", r->score);
		json_khex(j, "matched", r->doc, HASH_BYTES);
		json_khex(j, "idea", r->idea, HASH_BYTES);
		json_key(j, "process");
		json_hex_or_null(j, r->process, HASH_BYTES);
		if (!r->comment)
			json_kstr(j, "title", r->title);
		json_kstr(j, "category", r->category);
		json_kstr(j, "status", act_status_name(r->status));
		json_kbool(j, "hidden", r->hidden);
		json_kstr(j, "text", r->snippet);
		json_end(j);
		return;
	}
	hash_hex(hex, r->id, HASH_BYTES);
	print_score(stdout, r->score);
	if (r->comment) {
		hash_hex(idea, r->idea, HASH_BYTES);
		printf("  comment %s on %s%s\n    ", hex, idea, r->hidden ? " [hidden]" : "");
	} else {
		printf("  idea    %s %s%s\n    ", hex, act_status_name(r->status),
		    r->hidden ? " [hidden]" : "");
		ev_fput_text(stdout, r->title, strlen(r->title));
		printf("\n    ");
	}
	/* One line: line breaks and tabs shown as spaces. */
	{
		char line[SNIPPET + 1];
		size_t n = 0;

		for (const char *p = r->snippet; *p && n < SNIPPET; p++)
			line[n++] = *p == '\n' || *p == '\t' ? ' ' : *p;
		ev_fput_text(stdout, line, n);
	}
	printf("%s\n", r->cut ? "..." : "");
}

/* Walks the hits best first, printing up to o->limit results. Hits of equal
 * score are judged together and printed in id order (spec/search.md s5). */
static int run(judge_ctx_t *jc, const opts_t *o, search_res_t *res, json_t *j, size_t *shown)
{
	result_t *run_ = NULL;
	uint8_t (*seen)[HASH_BYTES] = NULL;
	size_t nrun = 0, caprun = 0, nseen = 0, capseen = 0;
	uint8_t id[HASH_BYTES];
	uint64_t score, run_score = 0;
	int rc = 0, more = 1;

	*shown = 0;
	while (*shown < o->limit && more) {
		result_t r;

		more = store_search_next(res, id, &score);
		if (more < 0) {
			rc = more;
			break;
		}
		/* The run of equal scores ended: print it in id order. */
		if (nrun > 0 && (!more || score != run_score)) {
			qsort(run_, nrun, sizeof *run_, result_order);
			for (size_t i = 0; i < nrun; i++) {
				if (*shown < o->limit) {
					print_result(j, &run_[i]);
					++*shown;
				}
				result_free(&run_[i]);
			}
			nrun = 0;
		}
		if (!more || *shown >= o->limit)
			break;
		if ((rc = judge(jc, o, id, score, &r)) < 0)
			break;
		if (rc == 0)
			continue;
		/* An idea is one result, whichever of its versions matched. */
		{
			size_t k = 0;

			while (k < nseen && memcmp(seen[k], r.id, HASH_BYTES) != 0)
				k++;
			if (k < nseen) {
				result_free(&r);
				continue;
			}
		}
		if (mem_grow((void **)&seen, &capseen, nseen + 1, HASH_BYTES) != 0 ||
		    mem_grow((void **)&run_, &caprun, nrun + 1, sizeof *run_) != 0) {
			result_free(&r);
			rc = WIEC_ERR_NOMEM;
			break;
		}
		memcpy(seen[nseen++], r.id, HASH_BYTES);
		run_score = score;
		run_[nrun++] = r;
	}
	for (size_t i = 0; i < nrun; i++)
		result_free(&run_[i]);
	free(run_);
	free(seen);
	return rc < 0 ? rc : 0;
}

static int parse(opts_t *o, int argc, char **argv)
{
	static const char *cmd = "search";
	static const struct option opts[] = {
		CLI_DIR_OPT,
		{ "process", required_argument, NULL, 'p' },
		{ "category", required_argument, NULL, 'c' },
		{ "status", required_argument, NULL, 's' },
		{ "hidden", no_argument, NULL, 'H' },
		{ "limit", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ 0, 0, 0, 0 },
	};
	size_t used = 0;
	int c;

	memset(o, 0, sizeof *o);
	o->limit = SEARCH_LIMIT_DEFAULT;
	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":d:h", opts)) != -1) {
		switch (c) {
		case 'd': o->dflag = optarg; break;
		case 'p':
			if (strcmp(optarg, "bank") == 0) {
				o->bank = 1;
			} else if (hash_from_hex(o->process, HASH_BYTES, optarg) == 0) {
				o->by_process = 1;
			} else {
				return cli_fail(EXIT_USAGE, cmd, "--process wants a process id (64 hex "
				    "digits) or 'bank' (the open bank of ideas), not '%s'", optarg);
			}
			break;
		case 'c':
			if (!ev_text_ok(optarg, 1, 256, 0))
				return cli_fail(EXIT_USAGE, cmd, "--category wants 1 to 256 bytes of text");
			o->category = optarg;
			break;
		case 's':
			if ((o->status = kind_status_parse(optarg)) <= 0)
				return cli_fail(EXIT_USAGE, cmd, "unknown status '%s' (one of submitted, "
				    "under-review, accepted, rejected, merged, in-progress, "
				    "implemented)", optarg);
			break;
		case 'H': o->hidden = 1; break;
		case 'n':
			if (cli_parse_u64(optarg, &o->limit) != 0 || o->limit < 1 ||
			    o->limit > SEARCH_LIMIT_MAX)
				return cli_fail(EXIT_USAGE, cmd, "--limit wants a number from 1 to %d, "
				    "not '%s'", SEARCH_LIMIT_MAX, optarg);
			break;
		case 'j': o->json = 1; break;
		case 'h': cli_usage(stdout, cmd); return -1;
		default: return cli_badopt(cmd, c, argv);
		}
	}
	if (o->bank && o->by_process)
		return cli_fail(EXIT_USAGE, cmd, "give --process once");
	if (optind == argc)
		return cli_fail(EXIT_USAGE, cmd, "no query given (see 'wiec help search')");
	/* The words of the query, however the shell split them. */
	for (int i = optind; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (used + (used ? 1 : 0) + n > SEARCH_QUERY_MAX)	/* with the space */
			return cli_fail(EXIT_USAGE, cmd, "the query is longer than %d bytes",
			    SEARCH_QUERY_MAX);
		if (used)
			o->query[used++] = ' ';
		memcpy(o->query + used, argv[i], n);
		used += n;
	}
	o->query[used] = '\0';
	if (!ev_text_ok(o->query, 1, SEARCH_QUERY_MAX, 1))
		return cli_fail(EXIT_USAGE, cmd, "the query must be text (UTF-8, no control "
		    "characters)");
	return 0;
}

int search_main(int argc, char **argv)
{
	const char *cmd = "search";
	char err[CLI_ERR_MAX];
	search_res_t *res = NULL;
	judge_ctx_t jc = { .sv = NULL };
	store_t *s = NULL;
	size_t nterms, shown = 0;
	opts_t o;
	cfg_t cfg;
	json_t j;
	int rc;

	if ((rc = parse(&o, argc, argv)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = cli_open_read(cmd, cli_dir(o.dflag), &cfg, &s)) != EXIT_OK)
		return rc;
	/* One read snapshot: ranked and judged in the same state. */
	if ((rc = store_view_begin(s, &jc.sv, &jc.v)) != 0 ||
	    (rc = store_search_view(jc.sv, o.query, strlen(o.query), &res, &nterms)) != 0) {
		rc = cli_fail(cli_status(rc), cmd, "%s", cli_strerror(s, rc, err, sizeof err));
		store_view_end(&jc.sv);
		store_close(&s);
		return rc;
	}
	if (nterms == 0) {
		store_search_free(&res);
		store_view_end(&jc.sv);
		store_close(&s);
		return cli_fail(EXIT_USAGE, cmd, "the query has no searchable word (one-letter "
		    "words and common words such as 'na' or 'nie' are not indexed)");
	}
	if ((rc = roster_load(&jc.v, &jc.r)) != 0) {
		rc = cli_fail(cli_status(rc), cmd, "%s", cli_strerror(s, rc, err, sizeof err));
		store_search_free(&res);
		store_view_end(&jc.sv);
		store_close(&s);
		return rc;
	}
	jc.have_roster = 1;
	if ((jc.isum = calloc(ISUM_SLOTS, sizeof *jc.isum)) == NULL) {
		roster_free(&jc.r);
		store_search_free(&res);
		store_view_end(&jc.sv);
		store_close(&s);
		return cli_fail(EXIT_FAIL, cmd, "out of memory");
	}
	randombytes_buf(jc.key, sizeof jc.key);
	if (o.json) {
		json_init(&j, stdout);
		json_obj(&j);
		json_kstr(&j, "query", o.query);
		json_key(&j, "results");
		json_arr(&j);
	}
	rc = run(&jc, &o, res, o.json ? &j : NULL, &shown);
	if (o.json) {
		json_end(&j);
		json_end(&j);
	}
	for (size_t i = 0; i < ISUM_SLOTS; i++)
		isum_clear(&jc.isum[i]);
	free(jc.isum);
	roster_free(&jc.r);
	if (rc != 0)
		rc = cli_fail(cli_status(rc), cmd, "%s", cli_strerror(s, rc, err, sizeof err));
	store_search_free(&res);	/* before the view whose snapshot it reads */
	store_view_end(&jc.sv);
	store_close(&s);
	return rc == 0 ? EXIT_OK : rc;
}
