/* kind.h: the one table of event kinds (spec/events.md, section 3).
 *
 * A kind is a member of Body's `content` oneof. Everything that depends on
 * the kind (its name, its field rules, how `wiec log` prints it as text and
 * as JSON) is one row of the table in kind.c. The rows live with their
 * functions in one file per family (kind_member.c, kind_delib.c,
 * kind_vote.c, kind_close.c; the private kind_int.h lists them): adding a
 * kind is one schema member, one row and the row's functions in its
 * family's file, and the row's place in kind.c's table. */
#ifndef WIEC_KIND_H
#define WIEC_KIND_H

#include <stdio.h>

#include "proto/wiec.pb-c.h"

/* What printing needs from the layers above (the CLI passes its own). */
typedef struct kind_fmt {
	void (*json_str)(FILE *f, const char *s);	/* s as a quoted JSON string */
	const char *(*role_name)(int role);		/* "city", ... */
} kind_fmt_t;

typedef struct kind {
	int content;		/* its Wiec__Body__ContentCase */
	const char *name;	/* as printed and in JSON "kind" */
	/* The content rules of spec/events.md section 3: 0 or WIEC_ERR_FIELD.
	 * b->content_case is this row's. */
	int (*check)(const Wiec__Body *b);
	/* The end of a `wiec log` line after "ID KIND AUTHOR #SEQ ", with '\n'. */
	void (*text)(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt);
	/* The kind's JSON members, each as `, "key": value`. */
	void (*json)(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt);
} kind_t;

/* The row of content case `content`, or NULL if no kind has it. */
const kind_t *kind_find(int content);

/* The kind's name, or "unknown". */
const char *kind_name(int content);

/* Names of the model's enums as JSON and the CLI spell them ("budget",
 * "under_review", "not_feasible", "rotate"); "none" outside the enum. The
 * parsers return the value, or -1; they take ' ' and '-' for '_'. */
const char *kind_process_name(int kind);
const char *kind_status_name(int status);
const char *kind_feasibility_name(int feasibility);
const char *kind_member_op_name(int op);
int kind_process_parse(const char *s);
int kind_status_parse(const char *s);
int kind_feasibility_parse(const char *s);

/* The vote kinds' enums: "approval", "choose-one", "yes-no", "budget",
 * "cumulative", "ranked"; "simple", "qualified", "double"; "yes", "no",
 * "abstain". The parsers take ' ' and '_' for '-'. */
const char *kind_poll_name(int kind);
const char *kind_decision_name(int decision);
const char *kind_answer_name(int answer);
int kind_poll_parse(const char *s);
int kind_decision_parse(const char *s);
int kind_answer_parse(const char *s);

/* b's content rules: 0, or WIEC_ERR_FIELD (also when no content is set). */
int kind_check(const Wiec__Body *b);

#endif
