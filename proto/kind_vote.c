/* kind_vote.c: the vote kinds (spec/tally.md section 4): poll, vote. */
#include <inttypes.h>
#include <string.h>

#include "crypto/err.h"
#include "crypto/hash.h"
#include "proto/kind_int.h"

/* ---- poll: the ballot an owner opens on a process ---- */

/* A fraction: absent, or den >= 1 (share: also num <= den). */
static int frac_ok(const Wiec__Fraction *q, int share)
{
	return q == NULL || (q->den >= 1 && (!share || q->num <= q->den));
}

/* n distinct 32-byte ids, min..max of them. */
static int ids_ok(const ProtobufCBinaryData *d, size_t n, size_t min, size_t max)
{
	if (n < min || n > max)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (d[i].len != HASH_BYTES)
			return 0;
		for (size_t j = 0; j < i; j++)
			if (memcmp(d[i].data, d[j].data, HASH_BYTES) == 0)
				return 0;
	}
	return 1;
}

static int poll_check(const Wiec__Body *b)
{
	const Wiec__Poll *p = b->poll;
	int yesno = p->kind == WIEC__POLL_KIND__POLL_YESNO;

	if (!id_ok(&p->process) || p->kind < WIEC__POLL_KIND__POLL_APPROVAL ||
	    p->kind > WIEC__POLL_KIND__POLL_RANKED ||
	    !ev_text_ok(p->question, yesno ? 1 : 0, EV_TITLE_MAX, 0) ||
	    !ids_ok(p->options, p->n_options, yesno ? 0 : 1, yesno ? 0 : EV_OPTIONS_MAX) ||
	    !ev_text_ok(p->rule, 0, EV_LABEL_MAX, 0) || !frac_ok(p->min_score, 0) ||
	    p->n_exclusive > EV_EXCLUSIONS_MAX)
		return WIEC_ERR_FIELD;
	/* Selections: min <= max <= options (max 0: no maximum). */
	if (p->max > p->n_options || p->min > p->n_options || (p->max != 0 && p->min > p->max))
		return WIEC_ERR_FIELD;
	if ((p->kind == WIEC__POLL_KIND__POLL_CHOOSE_ONE || yesno) && (p->min != 0 || p->max != 0))
		return WIEC_ERR_FIELD;
	/* Budget polls only: ballots without a cost limit, ranked or
	 * cumulative ballots (spec/tally.md 4.1). */
	if (p->kind != WIEC__POLL_KIND__POLL_BUDGET ? p->no_cost_limit ||
	    p->ballot != WIEC__POLL_KIND__POLL_NONE : p->ballot != WIEC__POLL_KIND__POLL_NONE &&
	    p->ballot != WIEC__POLL_KIND__POLL_RANKED && p->ballot != WIEC__POLL_KIND__POLL_CUMULATIVE)
		return WIEC_ERR_FIELD;
	if ((p->kind == WIEC__POLL_KIND__POLL_CUMULATIVE ||
	    p->ballot == WIEC__POLL_KIND__POLL_CUMULATIVE) != (p->points != 0) ||
	    p->points > EV_POINTS_MAX)
		return WIEC_ERR_FIELD;
	for (size_t g = 0; g < p->n_exclusive; g++) {
		const Wiec__Exclusion *x = p->exclusive[g];

		if (!ids_ok(x->projects, x->n_projects, 2, EV_OPTIONS_MAX))
			return WIEC_ERR_FIELD;
		for (size_t i = 0; i < x->n_projects; i++)
			if (!has_key(p->options, p->n_options, &x->projects[i]))
				return WIEC_ERR_FIELD;
	}
	/* Yes/no only: quorum, threshold, and the co-decision rule. */
	if (!yesno && (p->quorum != NULL || p->threshold != NULL ||
	    p->decision != WIEC__DECISION__DECISION_NONE))
		return WIEC_ERR_FIELD;
	if (!frac_ok(p->quorum, 1) || !frac_ok(p->threshold, 1) ||
	    p->decision < WIEC__DECISION__DECISION_NONE ||
	    p->decision > WIEC__DECISION__DECISION_DOUBLE)
		return WIEC_ERR_FIELD;
	if ((p->decision == WIEC__DECISION__DECISION_QUALIFIED ||
	    p->decision == WIEC__DECISION__DECISION_DOUBLE) != (p->majority != NULL) ||
	    !frac_ok(p->majority, 1))
		return WIEC_ERR_FIELD;
	if (p->decision == WIEC__DECISION__DECISION_DOUBLE) {
		if (p->weight_majority == NULL || !frac_ok(p->weight_majority, 1) ||
		    p->n_weights < 1 || p->n_weights > EV_KEYS_MAX)
			return WIEC_ERR_FIELD;
		for (size_t i = 0; i < p->n_weights; i++) {
			if (p->weights[i]->member.len != KEY_PK_BYTES || p->weights[i]->weight == 0 ||
			    p->weights[i]->weight > EV_WEIGHT_MAX)
				return WIEC_ERR_FIELD;
			for (size_t j = 0; j < i; j++)
				if (memcmp(p->weights[i]->member.data, p->weights[j]->member.data,
				    KEY_PK_BYTES) == 0)
					return WIEC_ERR_FIELD;
		}
	} else if (p->weight_majority != NULL || p->n_weights != 0) {
		return WIEC_ERR_FIELD;
	}
	return 0;
}

static void poll_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	char hex[HASH_HEX_BYTES];

	(void)fmt;
	fprintf(f, "%s on process %s, %zu options%s%s\n", kind_poll_name(b->poll->kind),
	    short_id(hex, &b->poll->process), b->poll->n_options,
	    b->poll->question[0] != '\0' ? ": " : "", b->poll->question);
}

static void json_frac(FILE *f, const char *name, const Wiec__Fraction *q)
{
	if (q == NULL)
		fprintf(f, ", \"%s\": null", name);
	else
		fprintf(f, ", \"%s\": \"%" PRIu64 "/%" PRIu64 "\"", name, q->num, q->den);
}

static void poll_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	const Wiec__Poll *p = b->poll;

	json_id(f, "process", &p->process);
	fprintf(f, ", \"poll_kind\": \"%s\"", kind_poll_name(p->kind));
	json_text(f, "question", p->question, fmt);
	json_ids(f, "options", p->options, p->n_options);
	fprintf(f, ", \"min\": %" PRIu32 ", \"max\": %" PRIu32 ", \"points\": %" PRIu64,
	    p->min, p->max, p->points);
	fprintf(f, ", \"ballot\": \"%s\", \"no_cost_limit\": %s", kind_poll_name(p->ballot),
	    p->no_cost_limit ? "true" : "false");
	json_text(f, "rule", p->rule, fmt);
	json_frac(f, "min_score", p->min_score);
	fprintf(f, ", \"exclusive\": [");
	for (size_t g = 0; g < p->n_exclusive; g++) {
		const Wiec__Exclusion *x = p->exclusive[g];

		fprintf(f, "%s[", g ? ", " : "");
		for (size_t i = 0; i < x->n_projects; i++) {
			char hex[HASH_HEX_BYTES];

			hash_hex(hex, x->projects[i].data, HASH_BYTES);
			fprintf(f, "%s\"%s\"", i ? ", " : "", hex);
		}
		fprintf(f, "]");
	}
	fprintf(f, "]");
	json_frac(f, "quorum", p->quorum);
	json_frac(f, "threshold", p->threshold);
	fprintf(f, ", \"decision\": \"%s\"", kind_decision_name(p->decision));
	json_frac(f, "majority", p->majority);
	json_frac(f, "weight_majority", p->weight_majority);
	fprintf(f, ", \"weights\": [");
	for (size_t i = 0; i < p->n_weights; i++) {
		char hex[HASH_HEX_BYTES];

		hash_hex(hex, p->weights[i]->member.data, KEY_PK_BYTES);
		fprintf(f, "%s{\"member\": \"%s\", \"weight\": %" PRIu64 "}", i ? ", " : "", hex,
		    p->weights[i]->weight);
	}
	fprintf(f, "]");
}

/* ---- vote: a ballot ---- */

static int vote_check(const Wiec__Body *b)
{
	const Wiec__Vote *v = b->vote;

	if (!id_ok(&v->process) || !id_ok(&v->poll) || !ev_text_ok(v->unit, 0, EV_LABEL_MAX, 0) ||
	    v->n_choices > EV_OPTIONS_MAX || v->answer < WIEC__ANSWER__ANSWER_NONE ||
	    v->answer > WIEC__ANSWER__ANSWER_ABSTAIN)
		return WIEC_ERR_FIELD;
	for (size_t i = 0; i < v->n_choices; i++) {
		if (v->choices[i]->project.len != HASH_BYTES)
			return WIEC_ERR_FIELD;
		for (size_t j = 0; j < i; j++)
			if (memcmp(v->choices[i]->project.data, v->choices[j]->project.data,
			    HASH_BYTES) == 0)
				return WIEC_ERR_FIELD;
	}
	if (v->n_choices != 0 && v->answer != WIEC__ANSWER__ANSWER_NONE)
		return WIEC_ERR_FIELD;
	if (v->withdraw && (v->n_choices != 0 || v->answer != WIEC__ANSWER__ANSWER_NONE ||
	    v->unit[0] != '\0'))
		return WIEC_ERR_FIELD;
	return 0;
}

static void vote_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	char hex[HASH_HEX_BYTES];
	const Wiec__Vote *v = b->vote;

	(void)fmt;
	fprintf(f, "poll %s", short_id(hex, &v->poll));
	if (v->withdraw) {
		fprintf(f, " withdrawn");
	} else if (v->answer != WIEC__ANSWER__ANSWER_NONE) {
		fprintf(f, " %s", kind_answer_name(v->answer));
	} else {
		if (v->unit[0] != '\0') {
			fprintf(f, " unit ");
			ev_fput_text(f, v->unit, strlen(v->unit));	/* a voter's text */
		}
		fprintf(f, ", %zu choices", v->n_choices);
	}
	fprintf(f, "\n");
}

static void vote_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	const Wiec__Vote *v = b->vote;
	char hex[HASH_HEX_BYTES];

	json_id(f, "process", &v->process);
	json_id(f, "poll", &v->poll);
	json_text(f, "unit", v->unit, fmt);
	fprintf(f, ", \"choices\": [");
	for (size_t i = 0; i < v->n_choices; i++) {
		hash_hex(hex, v->choices[i]->project.data, HASH_BYTES);
		fprintf(f, "%s{\"project\": \"%s\", \"points\": %" PRIu64 "}", i ? ", " : "", hex,
		    v->choices[i]->points);
	}
	fprintf(f, "], \"answer\": \"%s\", \"withdraw\": %s", kind_answer_name(v->answer),
	    v->withdraw ? "true" : "false");
}

/* ---- the rows (kind.c lists them in spec/events.md order) ---- */

const kind_t kind_row_vote = {
	WIEC__BODY__CONTENT_VOTE, "vote", vote_check, vote_text, vote_json
};

const kind_t kind_row_poll = {
	WIEC__BODY__CONTENT_POLL, "poll", poll_check, poll_text, poll_json
};
