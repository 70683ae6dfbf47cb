/* pbio.c: a parsed .pb election as signed wiec events (model/pbio.h;
 * spec/tally.md section 5). */
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "model/money.h"
#include "model/pbio.h"
#include "model/tally.h"
#include "proto/event.h"

#define TEXT_CAP (EV_TEXT_MAX + 1)

static int fail(char *why, size_t whylen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(char *why, size_t whylen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (whylen > 0) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

int pbio_voter_key(key_pair_t *kp, const uint8_t network[static HASH_BYTES],
    const uint8_t file_hash[static HASH_BYTES], const char *voter_id)
{
	uint8_t pre[sizeof PBIO_VOTER_TAG - 1 + 2 * HASH_BYTES], seed[HASH_BYTES];
	int rc;

	memcpy(pre, PBIO_VOTER_TAG, sizeof PBIO_VOTER_TAG - 1);
	memcpy(pre + sizeof PBIO_VOTER_TAG - 1, network, HASH_BYTES);
	memcpy(pre + sizeof PBIO_VOTER_TAG - 1 + HASH_BYTES, file_hash, HASH_BYTES);
	hash_2(seed, pre, sizeof pre, voter_id, strlen(voter_id));
	rc = key_from_seed(kp, seed);
	memset(seed, 0, sizeof seed);
	return rc;
}

/* The longest prefix of s of at most max bytes that ends on a UTF-8
 * character boundary, copied into out (max + 1 bytes). */
static void utf8_cut(char *out, const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(out, s, n);
	out[n] = '\0';
}

/* Appends "a;b\n" to t (cap TEXT_CAP); -1 when it would not fit. */
static int text_row(char *t, size_t *used, const char *a, const char *b)
{
	int n = snprintf(t + *used, TEXT_CAP - *used, "%s;%s\n", a, b);

	if (n < 0 || (size_t)n >= TEXT_CAP - *used)
		return -1;
	*used += (size_t)n;
	return 0;
}

/* A chain of one author's events. */
typedef struct chain {
	const key_pair_t *kp;
	const uint8_t *network;
	uint64_t seq;
	uint8_t prev[HASH_BYTES];
	int has_prev;
	uint64_t ts;
} chain_t;

static int out_push(pbio_out_t *o, size_t *cap, uint8_t *env, size_t len)
{
	if (o->n == *cap) {
		size_t nc = *cap ? 2 * *cap : 1024;
		uint8_t **ne = realloc(o->env, nc * sizeof *ne);
		size_t *nl;

		if (ne == NULL)
			return WIEC_ERR_NOMEM;
		o->env = ne;
		if ((nl = realloc(o->len, nc * sizeof *nl)) == NULL)
			return WIEC_ERR_NOMEM;
		o->len = nl;
		*cap = nc;
	}
	o->env[o->n] = env;
	o->len[o->n++] = len;
	return 0;
}

/* Signs body as the next event of c and appends it to o; id (may be NULL)
 * receives its id. */
static int emit(chain_t *c, Wiec__Body *body, pbio_out_t *o, size_t *cap,
    uint8_t id[HASH_BYTES])
{
	uint8_t *env = NULL, eid[HASH_BYTES];
	size_t len;
	int rc;

	ev_set_header(body, c->network, c->kp->pk, c->seq, c->has_prev ? c->prev : NULL);
	body->timestamp = c->ts;
	if ((rc = ev_build(&env, &len, c->kp, body)) != 0)
		return rc;
	if ((rc = out_push(o, cap, env, len)) != 0) {
		free(env);
		return rc;
	}
	hash_2(eid, env, len, NULL, 0);
	memcpy(c->prev, eid, HASH_BYTES);
	c->has_prev = 1;
	c->seq++;
	if (id != NULL)
		memcpy(id, eid, HASH_BYTES);
	return 0;
}

static void bin(ProtobufCBinaryData *b, const uint8_t *p, size_t n)
{
	b->data = (uint8_t *)p;
	b->len = n;
}

void pbio_out_free(pbio_out_t *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->env[i]);
	free(o->env);
	free(o->len);
	memset(o, 0, sizeof *o);
}

/* The unit of the file: META district, else META unit, else "all". */
static void unit_name(const pb_t *p, char out[EV_LABEL_MAX + 1])
{
	const char *u = pb_meta(p, "district");

	if (u == NULL || *u == '\0')
		u = pb_meta(p, "unit");
	if (u == NULL || *u == '\0' || !ev_text_ok(u, 1, (size_t)-1, 0))
		u = "all";
	utf8_cut(out, u, EV_LABEL_MAX);
}

/* The line of META row key, else of the META header. */
static size_t meta_line(const pb_t *p, const char *key)
{
	for (size_t r = 0; r < p->meta.nrows; r++)
		if (strcmp(p->meta.cell[r * p->meta.ncols], key) == 0)
			return p->meta.line[r];
	return p->meta.head_line;
}

/* A budget process holds budget polls (spec/tally.md 4.1); the poll's
 * `ballot` says how the rules read the ballots: approval and choose-1
 * ballots as approvals, ordinal ones ranked (the order kept in the
 * choices), cumulative and scoring ones with their points. */
static Wiec__PollKind ballot_kind(pb_vote_type_t t)
{
	return t == PB_CUMULATIVE || t == PB_SCORING ? WIEC__POLL_KIND__POLL_CUMULATIVE :
	    t == PB_ORDINAL ? WIEC__POLL_KIND__POLL_RANKED : WIEC__POLL_KIND__POLL_NONE;
}

/* Whether the poll may refuse ballots over the budget: only when the file
 * states max_sum_cost and no ballot costs more than it or the budget
 * (Pabulib counts whatever was cast; spec/tally.md 5.2). */
static int cost_limited(const pb_t *p)
{
	const char *msc = pb_meta(p, "max_sum_cost");
	mpq_t lim, sum;
	int ok;

	if (msc == NULL)
		return 0;
	mpq_inits(lim, sum, NULL);
	ok = pb_decimal(lim, msc) == 0;
	if (ok && mpq_cmp(p->budget, lim) < 0)
		mpq_set(lim, p->budget);
	for (size_t v = 0; ok && v < p->nvoters; v++) {
		mpq_set_ui(sum, 0, 1);
		for (size_t k = p->ballot[v]; k < p->ballot[v + 1]; k++)
			mpq_add(sum, sum, p->proj[p->choice[k]].cost);
		ok = mpq_cmp(sum, lim) <= 0;
	}
	mpq_clears(lim, sum, NULL);
	return ok;
}

/* A share of the voters' work, for one thread. */
typedef struct job {
	const pb_t *p;
	const uint8_t *network, *file_hash, *ideas, *process, *poll;
	const char *unit;
	key_pair_t *keys;		/* per voter */
	int vid_col;
	size_t from, to;		/* voters */
	pbio_out_t *votes;		/* sign_ballots: the ballots, in voter order */
	int rc;
} job_t;

static void *derive_keys(void *arg)
{
	job_t *j = arg;
	const pb_table_t *vt = &j->p->votes;

	for (size_t v = j->from; v < j->to && j->rc == 0; v++)
		j->rc = pbio_voter_key(&j->keys[v], j->network, j->file_hash,
		    vt->cell[v * vt->ncols + (size_t)j->vid_col]);
	return NULL;
}

/* Each voter's ballot: the first event of its own chain. */
static void *sign_ballots(void *arg)
{
	job_t *j = arg;
	const pb_t *p = j->p;
	Wiec__Choice *ch = calloc(p->nproj + 1, sizeof *ch);
	Wiec__Choice **chp = calloc(p->nproj + 1, sizeof *chp);
	size_t vcap = 0;

	if (ch == NULL || chp == NULL)
		j->rc = WIEC_ERR_NOMEM;
	for (size_t v = j->from; v < j->to && j->rc == 0; v++) {
		Wiec__Body vb = WIEC__BODY__INIT;
		Wiec__Vote vo = WIEC__VOTE__INIT;
		chain_t vc;
		size_t n = 0;

		memset(&vc, 0, sizeof vc);
		vc.kp = &j->keys[v];
		vc.network = j->network;
		for (size_t k = p->ballot[v]; k < p->ballot[v + 1]; k++, n++) {
			wiec__choice__init(&ch[n]);
			bin(&ch[n].project, j->ideas + (size_t)p->choice[k] * HASH_BYTES,
			    HASH_BYTES);
			ch[n].points = p->points != NULL && (p->vote_type == PB_CUMULATIVE ||
			    p->vote_type == PB_SCORING) ? p->points[k] : 0;
			chp[n] = &ch[n];
		}
		bin(&vo.process, j->process, HASH_BYTES);
		bin(&vo.poll, j->poll, HASH_BYTES);
		vo.unit = (char *)j->unit;
		vo.n_choices = n;
		vo.choices = chp;
		vb.content_case = WIEC__BODY__CONTENT_VOTE;
		vb.vote = &vo;
		j->rc = emit(&vc, &vb, j->votes, &vcap, NULL);
	}
	free(ch);
	free(chp);
	return NULL;
}

/* fn(a) on a thread and fn(b) here; the first failure of either. */
static int run_pair(void *(*fn)(void *), job_t *a, job_t *b)
{
	pthread_t t;
	int threaded = pthread_create(&t, NULL, fn, a) == 0;

	if (!threaded)
		fn(a);
	fn(b);
	if (threaded)
		pthread_join(t, NULL);
	return a->rc != 0 ? a->rc : b->rc;
}

/* The fewest decimals that hold the budget and every cost exactly
 * (Kraków's and Warsaw's budgets to the grosz: 2; the process states them
 * and holds every amount in units of 10^-decimals), the budget in those
 * units, and the file's projects within what a poll holds. */
static int plan(const pb_t *p, uint32_t *decimals, uint64_t *budget, char *why, size_t whylen)
{
	*decimals = money_decimals(p->budget);
	if (*decimals > EV_DECIMALS_MAX)
		return fail(why, whylen, WIEC_ERR_FIELD, "line %zu: budget has more than %d "
		    "decimals", meta_line(p, "budget"), EV_DECIMALS_MAX);
	for (size_t k = 0; k < p->nproj; k++) {
		uint32_t d = money_decimals(p->proj[k].cost);

		if (d > EV_DECIMALS_MAX)
			return fail(why, whylen, WIEC_ERR_FIELD, "line %zu: cost has more than %d "
			    "decimals", p->proj[k].line, EV_DECIMALS_MAX);
		if (d > *decimals)
			*decimals = d;
	}
	if (money_units(p->budget, *decimals, budget) != 0 || *budget == 0)
		return fail(why, whylen, WIEC_ERR_FIELD, "line %zu: budget must be above 0 and "
		    "below 2^64 units of 10^-%" PRIu32 " (a unit's budget in wiec)",
		    meta_line(p, "budget"), *decimals);
	if (p->nproj > EV_OPTIONS_MAX)
		return fail(why, whylen, WIEC_ERR_FIELD, "line %zu: %zu projects; a poll holds at "
		    "most %d", p->projects.head_line, p->nproj, EV_OPTIONS_MAX);
	return 0;
}

/* The process text (TEXT_CAP bytes): PBIO_MARK, the file hash in hex, then
 * every META row. */
static int process_text(const pb_t *p, const char hex[static HASH_HEX_BYTES], char *text,
    char *why, size_t whylen)
{
	size_t used = (size_t)snprintf(text, TEXT_CAP, "%s%s\n", PBIO_MARK, hex);

	for (size_t r = 0; r < p->meta.nrows; r++)
		if (text_row(text, &used, p->meta.cell[2 * r], p->meta.cell[2 * r + 1]) != 0)
			return fail(why, whylen, WIEC_ERR_FIELD, "line %zu: META is longer than a "
			    "process text holds (%d bytes)", p->meta.line[r], EV_TEXT_MAX);
	if (!ev_text_ok(text, 0, EV_TEXT_MAX, 1))
		return fail(why, whylen, WIEC_ERR_FIELD, "line %zu: META holds a control "
		    "character", p->meta.head_line);
	return 0;
}

/* Project k's idea: its cost in units of 10^-decimals, its title
 * (EV_TITLE_MAX + 1 bytes) and text (TEXT_CAP bytes). */
static int project_fields(const pb_t *p, size_t k, uint32_t decimals, uint64_t *cost,
    char *title, char *text, char *why, size_t whylen)
{
	const pb_table_t *pt = &p->projects;
	const char *const *row = (const char *const *)pt->cell + k * pt->ncols;
	int name_col = pb_col(pt, "name");
	const char *name = name_col >= 0 && *row[name_col] ? row[name_col] : p->proj[k].id;
	size_t used = 0;

	if (money_units(p->proj[k].cost, decimals, cost) != 0)
		return fail(why, whylen, WIEC_ERR_FIELD, "line %zu: cost must be below 2^64 "
		    "units of 10^-%" PRIu32 " (an idea's cost in wiec)", p->proj[k].line,
		    decimals);
	utf8_cut(title, name, EV_TITLE_MAX);
	if (!ev_text_ok(p->proj[k].id, 1, EV_LABEL_MAX, 0))
		return fail(why, whylen, WIEC_ERR_FIELD, "line %zu: project_id must be 1 to 64 "
		    "bytes of text on one line", p->proj[k].line);
	if (!ev_text_ok(title, 1, EV_TITLE_MAX, 0))
		return fail(why, whylen, WIEC_ERR_FIELD, "line %zu: name holds a control "
		    "character", p->proj[k].line);
	text[0] = '\0';
	for (size_t c = 0; c < pt->ncols; c++) {
		const char *h = pt->head[c];

		if (strcmp(h, "project_id") == 0 || strcmp(h, "cost") == 0)
			continue;
		if (text_row(text, &used, h, row[c]) != 0)
			return fail(why, whylen, WIEC_ERR_FIELD, "line %zu: the project's columns "
			    "are longer than an idea text holds", p->proj[k].line);
	}
	if (!ev_text_ok(text, 0, EV_TEXT_MAX, 1))
		return fail(why, whylen, WIEC_ERR_FIELD, "line %zu: a column holds a control "
		    "character", p->proj[k].line);
	return 0;
}

/* The points of a cumulative poll (0 for other files): META max_sum_points
 * if no ballot exceeds it, else the largest ballot sum. */
static int poll_points(const pb_t *p, uint64_t *points, char *why, size_t whylen)
{
	const char *sums = pb_meta(p, "max_sum_points");
	uint64_t most = 0, lsum = sums != NULL ? strtoull(sums, NULL, 10) : 0;

	*points = 0;
	if (ballot_kind(p->vote_type) != WIEC__POLL_KIND__POLL_CUMULATIVE)
		return 0;
	for (size_t v = 0; v < p->nvoters; v++) {
		uint64_t sum = 0;

		for (size_t k = p->ballot[v]; p->points != NULL && k < p->ballot[v + 1]; k++)
			sum += p->points[k];
		most = sum > most ? sum : most;
	}
	*points = lsum >= most && lsum > 0 ? lsum : most > 0 ? most : 1;
	if (*points > EV_POINTS_MAX)
		return fail(why, whylen, WIEC_ERR_FIELD, "the ballots' points (%" PRIu64 " in "
		    "all) exceed the %" PRIu64 " a poll allows", *points, EV_POINTS_MAX);
	return 0;
}

/* The poll's min_score from META min_project_score_threshold (*has = 0:
 * none). */
static int min_score(const pb_t *p, Wiec__Fraction *ms, int *has, char *why, size_t whylen)
{
	mpz_t num, den;

	*has = 0;
	if (!p->has_threshold)
		return 0;
	mpz_inits(num, den, NULL);
	mpq_get_num(num, p->threshold);
	mpq_get_den(den, p->threshold);
	if (mpz_sizeinbase(num, 2) <= 64 && mpz_sizeinbase(den, 2) <= 64) {
		mpz_export(&ms->num, NULL, -1, sizeof ms->num, 0, 0, num);
		mpz_export(&ms->den, NULL, -1, sizeof ms->den, 0, 0, den);
		*has = 1;
	}
	mpz_clears(num, den, NULL);
	if (!*has)
		return fail(why, whylen, WIEC_ERR_FIELD, "line %zu: min_project_score_threshold "
		    "has more than 64 bits", meta_line(p, "min_project_score_threshold"));
	return 0;
}

/* Voter v's credential attributes (at: EV_ATTRS_MAX, initialised; *na
 * set): unit, voter_id, then the other VOTES columns but vote and points.
 * The values are borrowed from p and unit. */
static int voter_attrs(const pb_t *p, size_t v, const char *unit, Wiec__Attribute *at,
    size_t *na, char *why, size_t whylen)
{
	const pb_table_t *vt = &p->votes;
	const char *const *row = (const char *const *)vt->cell + v * vt->ncols;
	int vid_col = pb_col(vt, "voter_id"), vote_col = pb_col(vt, "vote");
	int pts_col = pb_col(vt, "points");

	*na = 0;
	at[*na].name = PBIO_UNIT_ATTR;
	at[(*na)++].value = (char *)unit;
	at[*na].name = PBIO_VOTER_ATTR;
	at[(*na)++].value = (char *)row[vid_col];
	for (size_t c = 0; c < vt->ncols; c++) {
		const char *h = vt->head[c];

		if ((int)c == vid_col || (int)c == vote_col || (int)c == pts_col)
			continue;
		if (*na == EV_ATTRS_MAX || !ev_text_ok(h, 1, EV_LABEL_MAX, 0) ||
		    strcmp(h, PBIO_UNIT_ATTR) == 0 || !ev_text_ok(row[c], 0, EV_VALUE_MAX, 0))
			return fail(why, whylen, WIEC_ERR_FIELD, "line %zu: column '%.64s' cannot "
			    "be a credential attribute (at most %d columns, names of at most %d "
			    "bytes other than '%s', values of at most %d)", vt->line[v], h,
			    EV_ATTRS_MAX, EV_LABEL_MAX, PBIO_UNIT_ATTR, EV_VALUE_MAX);
		at[*na].name = (char *)h;
		at[(*na)++].value = (char *)row[c];
	}
	if (!ev_text_ok(row[vid_col], 0, EV_VALUE_MAX, 0))
		return fail(why, whylen, WIEC_ERR_FIELD, "line %zu: voter_id longer than %d bytes",
		    vt->line[v], EV_VALUE_MAX);
	return 0;
}

int pbio_check(const pb_t *p, char *why, size_t whylen)
{
	char *text = malloc(TEXT_CAP), title[EV_TITLE_MAX + 1], unit[EV_LABEL_MAX + 1];
	char hex[HASH_HEX_BYTES];
	Wiec__Attribute at[EV_ATTRS_MAX];
	Wiec__Fraction ms = WIEC__FRACTION__INIT;
	uint64_t budget, cost, points;
	uint32_t decimals;
	size_t na;
	int rc, has;

	if (text == NULL)
		return fail(why, whylen, WIEC_ERR_NOMEM, "out of memory");
	/* The hash's hex has one length whatever the file. */
	memset(hex, '0', HASH_HEX_BYTES - 1);
	hex[HASH_HEX_BYTES - 1] = '\0';
	unit_name(p, unit);
	if ((rc = plan(p, &decimals, &budget, why, whylen)) != 0 ||
	    (rc = process_text(p, hex, text, why, whylen)) != 0)
		goto out;
	for (size_t k = 0; k < p->nproj; k++)
		if ((rc = project_fields(p, k, decimals, &cost, title, text, why, whylen)) != 0)
			goto out;
	if ((rc = poll_points(p, &points, why, whylen)) != 0 ||
	    (rc = min_score(p, &ms, &has, why, whylen)) != 0)
		goto out;
	for (size_t c = 0; c < EV_ATTRS_MAX; c++)
		wiec__attribute__init(&at[c]);
	for (size_t v = 0; v < p->nvoters; v++)
		if ((rc = voter_attrs(p, v, unit, at, &na, why, whylen)) != 0)
			goto out;
out:
	free(text);
	return rc;
}

int pbio_build(const pb_t *p, const uint8_t file_hash[static HASH_BYTES],
    const uint8_t network[static HASH_BYTES], const key_pair_t *node, uint64_t head_seq,
    const uint8_t *head_id, uint64_t now_ms, pbio_out_t *out, char *why, size_t whylen)
{
	char *text = NULL, unit[EV_LABEL_MAX + 1], title[EV_TITLE_MAX + 1], hex[HASH_HEX_BYTES];
	uint8_t *ideas = NULL, poll_id[HASH_BYTES];
	int vid_col = pb_col(&p->votes, "voter_id");
	size_t cap = 0;
	uint64_t budget;
	uint32_t decimals;
	key_pair_t *keys = NULL;
	pthread_t th;
	job_t bj;
	int threaded = 0;
	pbio_out_t votes;
	chain_t nc;
	int rc;

	memset(out, 0, sizeof *out);
	memset(&votes, 0, sizeof votes);
	memset(&nc, 0, sizeof nc);
	nc.kp = node;
	nc.network = network;
	nc.seq = head_seq;
	nc.ts = now_ms;
	if (head_id != NULL) {
		memcpy(nc.prev, head_id, HASH_BYTES);
		nc.has_prev = 1;
	}
	if ((rc = plan(p, &decimals, &budget, why, whylen)) != 0)
		goto fail;
	if ((text = malloc(TEXT_CAP)) == NULL ||
	    (ideas = malloc(p->nproj * HASH_BYTES + 1)) == NULL) {
		rc = WIEC_ERR_NOMEM;
		goto fail;
	}
	unit_name(p, unit);

	/* The process. */
	{
		Wiec__Body body = WIEC__BODY__INIT;
		Wiec__Process pr = WIEC__PROCESS__INIT;
		Wiec__PhasePlan ph[2] = { WIEC__PHASE_PLAN__INIT, WIEC__PHASE_PLAN__INIT };
		Wiec__PhasePlan *php[2] = { &ph[0], &ph[1] };
		Wiec__Unit un = WIEC__UNIT__INIT, *unp = &un;
		ProtobufCBinaryData owner;
		const char *d = pb_meta(p, "description"), *inst = pb_meta(p, "instance");
		char t[EV_TITLE_MAX * 2 + 64];

		snprintf(t, sizeof t, "%s%s%s%s", d && *d ? d : unit, inst && *inst ? " (" : "",
		    inst && *inst ? inst : "", inst && *inst ? ")" : "");
		utf8_cut(title, t, EV_TITLE_MAX);
		if (!ev_text_ok(title, 1, EV_TITLE_MAX, 0))
			utf8_cut(title, "Pabulib election", EV_TITLE_MAX);
		hash_hex(hex, file_hash, HASH_BYTES);
		if ((rc = process_text(p, hex, text, why, whylen)) != 0)
			goto fail;
		ph[0].name = "voting";
		ph[1].name = "results";
		un.name = unit;
		un.budget = budget;
		bin(&owner, node->pk, KEY_PK_BYTES);
		pr.kind = WIEC__PROCESS_KIND__PROCESS_BUDGET;
		pr.title = title;
		pr.text = text;
		pr.n_owners = 1;
		pr.owners = &owner;
		pr.n_phases = 2;
		pr.phases = php;
		pr.n_units = 1;
		pr.units = &unp;
		pr.n_registrars = 1;
		pr.registrars = &owner;
		pr.eligibility = 1;
		pr.decimals = decimals;
		body.content_case = WIEC__BODY__CONTENT_PROCESS;
		body.process = &pr;
		if ((rc = emit(&nc, &body, out, &cap, out->process)) != 0)
			goto built;
	}

	/* The node's own credential: it authors the projects. */
	{
		Wiec__Body body = WIEC__BODY__INIT;
		Wiec__Credential cr = WIEC__CREDENTIAL__INIT;
		Wiec__Attribute at = WIEC__ATTRIBUTE__INIT, *atp = &at;

		at.name = "role";
		at.value = "proposer";
		bin(&cr.subject, node->pk, KEY_PK_BYTES);
		bin(&cr.scope, out->process, HASH_BYTES);
		cr.n_attributes = 1;
		cr.attributes = &atp;
		body.content_case = WIEC__BODY__CONTENT_CREDENTIAL;
		body.credential = &cr;
		if ((rc = emit(&nc, &body, out, &cap, NULL)) != 0)
			goto built;
	}

	/* The projects. */
	for (size_t k = 0; k < p->nproj; k++) {
		Wiec__Body body = WIEC__BODY__INIT;
		Wiec__Idea id = WIEC__IDEA__INIT;
		uint64_t cost;

		if ((rc = project_fields(p, k, decimals, &cost, title, text, why, whylen)) != 0)
			goto fail;
		id.title = title;
		id.text = text;
		bin(&id.process, out->process, HASH_BYTES);
		id.category = (char *)p->proj[k].id;
		id.cost = cost;
		id.unit = unit;
		body.content_case = WIEC__BODY__CONTENT_IDEA;
		body.idea = &id;
		if ((rc = emit(&nc, &body, out, &cap, ideas + k * HASH_BYTES)) != 0)
			goto built;
	}

	/* The poll: every project an option; min, max and points as the file
	 * says where every ballot keeps to them (Pabulib does not enforce
	 * min_length and max_length), else none. */
	{
		Wiec__Body body = WIEC__BODY__INIT;
		Wiec__Poll pl = WIEC__POLL__INIT;
		Wiec__Fraction ms = WIEC__FRACTION__INIT;
		ProtobufCBinaryData *opt = calloc(p->nproj + 1, sizeof *opt);
		const char *mins = pb_meta(p, "min_length"), *maxs = pb_meta(p, "max_length");
		size_t shortest = (size_t)-1, longest = 0;
		tally_rule_t rule;
		uint64_t lmin = 0, lmax = 0;
		int has_ms;

		if (opt == NULL) {
			rc = WIEC_ERR_NOMEM;
			goto built;
		}
		/* In project_id order: the live tally ends a full tie at the
		 * option listed first, as the rules end it at the smaller
		 * project_id (spec/tally.md 4.4 and 2.2). */
		for (size_t k = 0; k < p->nproj; k++)
			bin(&opt[k], ideas + k * HASH_BYTES, HASH_BYTES);
		for (size_t k = 1; k < p->nproj; k++) {
			ProtobufCBinaryData x = opt[k];
			const char *id = p->proj[(size_t)(x.data - ideas) / HASH_BYTES].id;
			size_t j = k;

			for (; j > 0 && strcmp(p->proj[(size_t)(opt[j - 1].data - ideas) /
			    HASH_BYTES].id, id) > 0; j--)
				opt[j] = opt[j - 1];
			opt[j] = x;
		}
		for (size_t v = 0; v < p->nvoters; v++) {
			size_t n = p->ballot[v + 1] - p->ballot[v];

			shortest = n < shortest ? n : shortest;
			longest = n > longest ? n : longest;
		}
		if (mins != NULL)
			lmin = strtoull(mins, NULL, 10);
		if (maxs != NULL)
			lmax = strtoull(maxs, NULL, 10);
		pl.kind = WIEC__POLL_KIND__POLL_BUDGET;
		pl.ballot = ballot_kind(p->vote_type);
		pl.no_cost_limit = !cost_limited(p);
		bin(&pl.process, out->process, HASH_BYTES);
		pl.question = title;
		pl.n_options = p->nproj;
		pl.options = opt;
		if (p->vote_type == PB_CHOOSE1 && p->nproj > 0) {
			pl.min = pl.max = 1;
		} else {
			if (lmin > 0 && lmin <= shortest && lmin <= p->nproj)
				pl.min = (uint32_t)lmin;
			if (lmax > 0 && lmax >= longest && lmax <= p->nproj && lmax >= pl.min)
				pl.max = (uint32_t)lmax;
		}
		if ((rc = poll_points(p, &pl.points, why, whylen)) != 0 ||
		    (rc = min_score(p, &ms, &has_ms, why, whylen)) != 0) {
			free(opt);
			goto fail;
		}
		if (has_ms)
			pl.min_score = &ms;
		/* The rule, where the poll's kind allows it (spec/tally.md 4.1);
		 * else the kind's default. META keeps it either way. */
		pl.rule = "";
		if (p->rule != NULL && tally_rule_parse(p->rule, &rule) == 0 && rule <= TALLY_MES_ADD1_CMP)
			pl.rule = (char *)p->rule;
		body.content_case = WIEC__BODY__CONTENT_POLL;
		body.poll = &pl;
		rc = emit(&nc, &body, out, &cap, poll_id);
		free(opt);
		if (rc != 0)
			goto built;
	}

	/* The voters: their keys (two threads), then the node's chain of
	 * credentials here while a thread signs the ballots. */
	if ((keys = calloc(p->nvoters + 1, sizeof *keys)) == NULL) {
		rc = WIEC_ERR_NOMEM;
		goto built;
	}
	{
		job_t kj[2];

		for (int t = 0; t < 2; t++) {
			memset(&kj[t], 0, sizeof kj[t]);
			kj[t].p = p;
			kj[t].network = network;
			kj[t].file_hash = file_hash;
			kj[t].keys = keys;
			kj[t].vid_col = vid_col;
			kj[t].from = t == 0 ? 0 : p->nvoters / 2;
			kj[t].to = t == 0 ? p->nvoters / 2 : p->nvoters;
		}
		if ((rc = run_pair(derive_keys, &kj[0], &kj[1])) != 0)
			goto built;
	}
	memset(&bj, 0, sizeof bj);
	bj.p = p;
	bj.network = network;
	bj.keys = keys;
	bj.ideas = ideas;
	bj.process = out->process;
	bj.poll = poll_id;
	bj.unit = unit;
	bj.votes = &votes;
	bj.to = p->nvoters;
	if (pthread_create(&th, NULL, sign_ballots, &bj) == 0)
		threaded = 1;
	else
		sign_ballots(&bj);
	for (size_t v = 0; v < p->nvoters; v++) {
		Wiec__Body body = WIEC__BODY__INIT;
		Wiec__Credential cr = WIEC__CREDENTIAL__INIT;
		Wiec__Attribute at[EV_ATTRS_MAX], *atp[EV_ATTRS_MAX];
		size_t na;

		for (size_t c = 0; c < EV_ATTRS_MAX; c++) {
			wiec__attribute__init(&at[c]);
			atp[c] = &at[c];
		}
		if ((rc = voter_attrs(p, v, unit, at, &na, why, whylen)) != 0)
			goto fail;
		bin(&cr.subject, keys[v].pk, KEY_PK_BYTES);
		bin(&cr.scope, out->process, HASH_BYTES);
		cr.n_attributes = na;
		cr.attributes = atp;
		body.content_case = WIEC__BODY__CONTENT_CREDENTIAL;
		body.credential = &cr;
		if ((rc = emit(&nc, &body, out, &cap, NULL)) != 0)
			goto built;
	}
	if (threaded) {
		pthread_join(th, NULL);
		threaded = 0;
	}
	if ((rc = bj.rc) != 0)
		goto built;
	out->node_events = out->n;
	out->node_seq = nc.seq;
	for (size_t i = 0; i < votes.n; i++) {
		if ((rc = out_push(out, &cap, votes.env[i], votes.len[i])) != 0)
			goto built;
		votes.env[i] = NULL;
	}
	rc = 0;
built:
	if (rc != 0)
		fail(why, whylen, rc, "building the events: %s", wiec_strerror(rc));
fail:
	if (threaded)
		pthread_join(th, NULL);
	if (keys != NULL) {
		for (size_t v = 0; v < p->nvoters; v++)
			key_wipe(&keys[v]);
		free(keys);
	}
	if (rc != 0)
		pbio_out_free(out);
	pbio_out_free(&votes);
	free(text);
	free(ideas);
	return rc;
}
