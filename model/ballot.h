/* ballot.h: polls, ballots and the live tally (spec/tally.md section 4).
 *
 * Pure: reads through a model_view_t and the current roster, like the rest
 * of the model. A poll is the ballot definition an owner opens on a
 * process; a ballot (Vote) counts when it is valid against its poll and is
 * its voter's latest valid ballot of the poll by (seq, id). The tally is
 * recomputed from the held events every time (never a counter) and runs
 * the shared rules of model/tally.c; its result has one canonical byte
 * string, whose hash a close certificate signs (spec/close.md). */
#ifndef WIEC_BALLOT_H
#define WIEC_BALLOT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "model/credential.h"
#include "proto/event.h"
#include "model/tally.h"

/* Why a poll or a ballot does not count (BALLOT_OK: it counts). Names as
 * ballot_why_name spells them (JSON and the CLI's refusals). */
enum ballot_why {
	BALLOT_OK = 0,
	/* polls */
	BALLOT_NO_PROCESS,	/* "no_process": its process is not held or not valid */
	BALLOT_NOT_OWNER,	/* "not_owner": the poll's author is not an owner */
	BALLOT_WRONG_KIND,	/* "wrong_kind": budget poll outside a budget process, or
				 * the other way; co-decision outside a codecision process */
	BALLOT_BAD_RULE,	/* "bad_rule": no such rule, or not for this kind */
	BALLOT_BAD_OPTION,	/* "bad_option": an option is not an original idea of the process */
	BALLOT_NO_COST,		/* "no_cost": a budget project without a unit of the process */
	BALLOT_BAD_QUORUM,	/* "bad_quorum": a turnout quorum where no one is registered */
	/* ballots */
	BALLOT_NO_POLL,		/* "no_poll": its poll is not held, not valid, or of another process */
	BALLOT_NOT_ELIGIBLE,	/* "not_eligible": the voter holds no credential of the process */
	BALLOT_NOT_MEMBER,	/* "not_member": a co-decision ballot by a non-member */
	BALLOT_BAD_UNIT,	/* "bad_unit": no unit, not a unit of the process, or not the
				 * voter's (credential attribute "unit") */
	BALLOT_UNKNOWN_PROJECT,	/* "unknown_project": a choice is not an option */
	BALLOT_OTHER_UNIT,	/* "other_unit": a project of another unit */
	BALLOT_DUPLICATE,	/* "duplicate": a project chosen twice */
	BALLOT_TOO_FEW,		/* "too_few": fewer choices than the poll's min */
	BALLOT_TOO_MANY,	/* "too_many": more than max (choose-one: more than 1) */
	BALLOT_OVER_BUDGET,	/* "over_budget": the projects cost more than the unit's budget */
	BALLOT_BAD_POINTS,	/* "bad_points": points outside a cumulative poll, a choice of
				 * 0 points, or more than the poll's points in all */
	BALLOT_BAD_ANSWER,	/* "bad_answer": a yes/no poll without an answer, or an answer
				 * to another kind */
	BALLOT_SUPERSEDED,	/* "superseded": the voter's later valid ballot replaces it */
	BALLOT_WITHDRAWN,	/* "withdrawn": the voter's latest is a withdrawal */
	BALLOT_NOT_IN_FRONTIER,	/* "not_in_frontier": not in the closed frontier */
};

/* "ok", "no_process", ... */
const char *ballot_why_name(int why);

/* One option of a poll, from the latest version of its idea. */
typedef struct ballot_option {
	uint8_t id[HASH_BYTES];		/* the original idea id */
	uint64_t cost;			/* budget: the latest version's cost */
	int unit;			/* budget: index into the process's units; else -1 */
	char title[EV_TITLE_MAX + 1];	/* the latest version's title */
} ballot_option_t;

/* A poll's derived state. */
typedef struct ballot_poll {
	model_ev_t ev;			/* the Poll event; p = ev.body->poll */
	const Wiec__Poll *p;
	int why;			/* BALLOT_OK: valid */
	model_process_t proc;		/* its process (proc.ev.body NULL when not held) */
	tally_rule_t rule;		/* the rule (the kind's default when p->rule is empty) */
	size_t nopt;
	ballot_option_t *opt;		/* in p->options order */
	uint32_t *sorted;		/* option indices by id */
	uint32_t *hidx;			/* open addressing by id: option index + 1, or 0 */
	size_t hmask;			/* its slots - 1 (a power of two, above 2 nopt) */
} ballot_poll_t;

/* Loads poll id. WIEC_ERR_NOTFOUND if it is not a held Poll; else 0 with
 * out->why telling whether it is valid. Free with ballot_poll_free (safe on
 * a zeroed one). */
int ballot_poll_load(const model_view_t *v, const roster_t *r, const uint8_t id[static HASH_BYTES],
    ballot_poll_t *out);
void ballot_poll_free(ballot_poll_t *p);

/* The same as a tally of frontier (sorted, distinct, n ids; NULL: every
 * held event) reads it: WIEC_ERR_NOTFOUND for a poll not in frontier, each
 * option's cost, unit and title from its latest version in frontier (the
 * original always), spec/tally.md 4.7. */
int ballot_poll_load_in(const model_view_t *v, const roster_t *r,
    const uint8_t id[static HASH_BYTES], const uint8_t *frontier, size_t n, ballot_poll_t *out);

/* The same for a poll event given whole (a Poll body; the CLI judges the
 * one it is about to post, whose id is not known yet). Takes ev (also on
 * failure: *ev is zeroed). */
int ballot_poll_judge(const model_view_t *v, const roster_t *r, model_ev_t *ev,
    ballot_poll_t *out);

/* The ids of every held poll of process, valid or not, in id order. */
int ballot_poll_list(const model_view_t *v, const uint8_t process[static HASH_BYTES],
    model_ids_t *out);

/* The slot of option id in poll->hidx: its first bytes are already
 * uniform (a hash). */
static inline size_t ballot_option_slot(const uint8_t id[static HASH_BYTES], size_t mask)
{
	uint64_t h;

	memcpy(&h, id, sizeof h);
	return (size_t)h & mask;
}

#if defined(__GNUC__)
#define BALLOT_INLINE static inline __attribute__((always_inline))
#else
#define BALLOT_INLINE static inline
#endif

/* Whether two ids are equal, without a call (gcc calls memcmp for it). */
BALLOT_INLINE int ballot_id_eq(const uint8_t a[static HASH_BYTES],
    const uint8_t b[static HASH_BYTES])
{
	uint64_t x[4], y[4];

	memcpy(x, a, sizeof x);
	memcpy(y, b, sizeof y);
	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3])) == 0;
}

/* The index of option id in poll, or -1. Inline: a recount asks it for
 * every choice of every ballot. */
BALLOT_INLINE long ballot_option_find(const ballot_poll_t *poll,
    const uint8_t id[static HASH_BYTES])
{
	size_t lo = 0, hi = poll->nopt;

	if (poll->hidx != NULL) {
		for (size_t h = ballot_option_slot(id, poll->hmask); poll->hidx[h] != 0;
		    h = (h + 1) & poll->hmask)
			if (ballot_id_eq(poll->opt[poll->hidx[h] - 1].id, id))
				return (long)poll->hidx[h] - 1;
		return -1;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(poll->opt[poll->sorted[mid]].id, id, HASH_BYTES);

		if (c == 0)
			return (long)poll->sorted[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* The rule a poll kind uses when the poll names none ("approval" for
 * approval, "plurality" for choose-one, "greedy" for budget, "points" for
 * cumulative, "borda" for ranked; yes-no has its own count). */
tally_rule_t ballot_default_rule(int kind);

/* Room to read one held ballot in place (about 66 KB: allocate it). The
 * reader is model/ballotread.c's; the recount (model/recount.c) uses it. */
typedef struct ballot_raw {
	Wiec__Choice ch[EV_OPTIONS_MAX];
	Wiec__Choice *chp[EV_OPTIONS_MAX];
	char unit[EV_LABEL_MAX + 1];
} ballot_raw_t;

/* Reads the Vote of a packed Body (body, n bytes) in place, without
 * allocating: vote's bytes fields point into body, its choices and unit
 * into raw (valid while both are); author and seq from the header (seq 0
 * when it has none, as protobuf-c reads it). Returns
 * 1 for a Vote, 0 for a body of another kind, -1 for anything outside the
 * plain canonical form (spec/events.md 1.2: fields in order, each once,
 * known, ids of 32 bytes, no NUL in the unit): decode that one with
 * protobuf-c instead. What it accepts means what protobuf-c makes of it
 * (fuzz_ballot checks that). Every read stays within body[0..n). */
int ballot_read_vote(ballot_raw_t *raw, const uint8_t *body, size_t n, Wiec__Vote *vote,
    uint8_t author[static KEY_PK_BYTES], uint64_t *seq);

/* The standing of a voter in a poll, as the tally needs it. */
typedef struct ballot_voter {
	int eligible;		/* may vote (always when the process does not ask) */
	const char *unit;	/* its credential's "unit" attribute (borrowed), or NULL */
	int member;		/* co-decision: 1 for a current member */
} ballot_voter_t;

/* The validity of ballot v by a voter of standing who in poll (which must be
 * valid): BALLOT_OK or the first rule broken, in this order: no_poll,
 * not_member / not_eligible, (a withdrawal is then valid), bad_answer,
 * unknown_project, bad_unit, other_unit, duplicate, bad_points, too_few,
 * too_many, over_budget. Pure: needs nothing else. */
int ballot_check(const ballot_poll_t *poll, const Wiec__Vote *v, const ballot_voter_t *who);

/* The standing of key in poll's process (credentials of its scope; the
 * current roster for co-decision). *unit points into *cred (release it with
 * model_cred_free). */
int ballot_voter(const model_view_t *v, const roster_t *r, const ballot_poll_t *poll,
    const uint8_t key[static KEY_PK_BYTES], model_cred_t *cred, ballot_voter_t *out);

/* The tally of one unit (non-budget polls: one, unit = -1). */
typedef struct ballot_unit_tally {
	int unit;		/* index into the process's units, or -1 */
	uint64_t budget;	/* budget polls: the unit's budget */
	size_t ballots;		/* counted ballots */
	size_t nopt;		/* the options of this unit, in poll order */
	uint32_t *opt;		/* their indices in the poll */
	uint64_t *score;	/* per option here: the rule's score */
	size_t nwin;
	uint32_t *win;		/* winners, indices into opt, in the rule's order */
	int used_greedy;	/* equalshares/add1-comparison chose greedy */
} ballot_unit_tally_t;

/* A poll's tally. */
typedef struct ballot_tally {
	uint8_t poll[HASH_BYTES];
	int kind;		/* PollKind */
	int decision;		/* Decision (co-decision) */
	tally_rule_t rule;	/* not for yes-no */
	size_t nunit;
	ballot_unit_tally_t *unit;	/* budget: one per unit of the process, in its order */
	/* yes-no (co-decision: counted by member; weights as the poll gives) */
	uint64_t yes, no, abstain;
	uint64_t electorate;	/* eligible voters (registered keys or members) */
	uint64_t yes_weight, total_weight;	/* double majority */
	int passed;		/* yes-no: the question carries */
	/* ballots held but not counted, per enum ballot_why */
	uint64_t not_counted[BALLOT_NOT_IN_FRONTIER + 1];
	size_t counted;		/* counted ballots in all */
} ballot_tally_t;

/* Tallies poll (which must be valid). frontier (sorted, distinct ids, n of
 * them) restricts the ballots and credentials to those in it; NULL: every
 * held one. unit >= 0 tallies only that unit of a budget poll. Fills *out
 * (free with ballot_tally_free, also after a failure). Returns 0,
 * WIEC_ERR_NOMEM, WIEC_ERR_TOO_BIG (add1), or a view failure; why gets
 * one line on failure. */
int ballot_tally(const model_view_t *v, const roster_t *r, const ballot_poll_t *poll,
    const uint8_t *frontier, size_t n, int unit, ballot_tally_t *out, char *why, size_t whylen);
void ballot_tally_free(ballot_tally_t *t);

/* Every valid poll of a process, each tallied (all units), and the result
 * bytes and hash of 4.6: one pass over the ballots for all of it. */
typedef struct ballot_process {
	size_t n;
	ballot_poll_t *poll;	/* the valid polls, in id order */
	ballot_tally_t *tally;	/* tally[i] of poll[i] */
	uint8_t *bytes;		/* the result bytes */
	size_t len;
	uint8_t hash[HASH_BYTES];
} ballot_process_t;

/* Fills *out (free with ballot_process_free, safe on a zeroed one; freed
 * on failure). frontier as for ballot_tally. Returns 0, WIEC_ERR_NOMEM,
 * WIEC_ERR_TOO_BIG (add1; why says which) or a view failure. */
int model_tally_process(const model_view_t *v, const roster_t *r,
    const uint8_t process[static HASH_BYTES], const uint8_t *frontier, size_t n,
    ballot_process_t *out, char *why, size_t whylen);
void ballot_process_free(ballot_process_t *bp);

/* The canonical bytes of a process's result (spec/tally.md 4.6): every
 * valid poll of process in id order, each tallied over frontier (NULL:
 * every held ballot). *out is malloc'd (caller frees); hash receives
 * BLAKE2b-256 over "wiec-result-v1" || bytes, the value a close
 * certificate signs (no polls: the bytes of zero polls). Returns 0,
 * WIEC_ERR_NOMEM, WIEC_ERR_TOO_BIG or a view failure. */
int model_tally_result(const model_view_t *v, const uint8_t process[static HASH_BYTES],
    const uint8_t *frontier, size_t n, uint8_t **out, size_t *len,
    uint8_t hash[static HASH_BYTES]);

/* The counted-event candidates of a process for a close seal (spec/close.md
 * "counted events"): the ids of every held ballot of process and every held
 * credential of its scope, sorted and distinct, in *ids (malloc'd; caller
 * frees). Returns 0, WIEC_ERR_NOTFOUND (process not held), WIEC_ERR_NOMEM or
 * a view failure. */
int model_tally_seal(const model_view_t *v, const uint8_t process[static HASH_BYTES],
    uint8_t **ids, size_t *n);

#endif
