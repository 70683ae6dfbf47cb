/* kind.c: the table of event kinds, and the names of the enums they carry.
 * The rows live in their families' files (kind_int.h). */
#include <stddef.h>

#include "crypto/err.h"
#include "proto/kind.h"
#include "proto/kind_int.h"

/* Names of the model's enums, for JSON and text. */
static const char *const process_names[] = { NULL, "ideas", "consultation", "budget", "codecision" };
static const char *const status_names[] = { NULL, "submitted", "under_review", "accepted",
	"rejected", "merged", "in_progress", "implemented" };
static const char *const feas_names[] = { NULL, "feasible", "with_changes", "not_feasible" };
static const char *const op_names[] = { NULL, "add", "remove", "rotate" };

#define NAMES(t) (sizeof t / sizeof t[0])

static const char *enum_name(const char *const *t, size_t n, int v)
{
	return v > 0 && (size_t)v < n ? t[v] : "none";
}

/* Matches s against t, with ' ' and '-' taken as '_'. */
static int enum_parse(const char *const *t, size_t n, const char *s)
{
	for (size_t v = 1; v < n; v++) {
		size_t i = 0;

		for (; s[i] != '\0' && t[v][i] != '\0'; i++) {
			char c = s[i] == ' ' || s[i] == '-' ? '_' : s[i];

			if (c != t[v][i])
				break;
		}
		if (s[i] == '\0' && t[v][i] == '\0')
			return (int)v;
	}
	return -1;
}

const char *kind_process_name(int k) { return enum_name(process_names, NAMES(process_names), k); }
const char *kind_status_name(int s) { return enum_name(status_names, NAMES(status_names), s); }
const char *kind_feasibility_name(int f) { return enum_name(feas_names, NAMES(feas_names), f); }
const char *kind_member_op_name(int op) { return enum_name(op_names, NAMES(op_names), op); }
int kind_process_parse(const char *s) { return enum_parse(process_names, NAMES(process_names), s); }
int kind_status_parse(const char *s) { return enum_parse(status_names, NAMES(status_names), s); }
int kind_feasibility_parse(const char *s) { return enum_parse(feas_names, NAMES(feas_names), s); }

/* ---- the vote kinds' enums ---- */

static const char *const poll_names[] = { NULL, "approval", "choose-one", "yes-no", "budget",
	"cumulative", "ranked" };
static const char *const decision_names[] = { NULL, "simple", "qualified", "double" };
static const char *const answer_names[] = { NULL, "yes", "no", "abstain" };

const char *kind_poll_name(int k) { return enum_name(poll_names, NAMES(poll_names), k); }
const char *kind_decision_name(int d) { return enum_name(decision_names, NAMES(decision_names), d); }
const char *kind_answer_name(int a) { return enum_name(answer_names, NAMES(answer_names), a); }

/* Like enum_parse, with '_' and ' ' taken as '-' (the names hold '-'). */
static int dash_parse(const char *const *t, size_t n, const char *s)
{
	for (size_t v = 1; v < n; v++) {
		size_t i = 0;

		for (; s[i] != '\0' && t[v][i] != '\0'; i++) {
			char c = s[i] == ' ' || s[i] == '_' ? '-' : s[i];

			if (c != t[v][i])
				break;
		}
		if (s[i] == '\0' && t[v][i] == '\0')
			return (int)v;
	}
	return -1;
}

int kind_poll_parse(const char *s) { return dash_parse(poll_names, NAMES(poll_names), s); }
int kind_decision_parse(const char *s) { return dash_parse(decision_names, NAMES(decision_names), s); }
int kind_answer_parse(const char *s) { return dash_parse(answer_names, NAMES(answer_names), s); }

/* One row per kind; keep them in spec/events.md order. */
static const kind_t *const kinds[] = {
	&kind_row_announce,
	&kind_row_idea,
	&kind_row_comment,
	&kind_row_process,
	&kind_row_phase,
	&kind_row_status,
	&kind_row_evaluation,
	&kind_row_support,
	&kind_row_link,
	&kind_row_report,
	&kind_row_moderation,
	&kind_row_appeal,
	&kind_row_credential,
	&kind_row_member,
	&kind_row_approve,
	&kind_row_vote,
	&kind_row_poll,
	&kind_row_close,
	&kind_row_prepare,
	&kind_row_promise,
	&kind_row_proposal,
	&kind_row_cosign,
	&kind_row_idpart,
};

const kind_t *kind_find(int content)
{
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (kinds[i]->content == content)
			return kinds[i];
	return NULL;
}

const char *kind_name(int content)
{
	const kind_t *k = kind_find(content);

	return k != NULL ? k->name : "unknown";
}

int kind_check(const Wiec__Body *b)
{
	const kind_t *k = kind_find((int)b->content_case);

	return k != NULL ? k->check(b) : WIEC_ERR_FIELD;	/* no content at all */
}
