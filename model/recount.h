/* recount.h: gathering the ballots of a poll for its tally (spec/tally.md
 * 4.4), internal to model/: model/ballot.c holds the rules (which poll and
 * which ballot is valid), model/ballotcount.c the count, model/recount.c
 * the pass over the held ballots that feeds it (the view's scan() with
 * each ballot read in place, or the generic refs() and get() walk) and the
 * choice of each voter's latest ballot. */
#ifndef WIEC_MODEL_RECOUNT_H
#define WIEC_MODEL_RECOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "model/ballot.h"

/* An eligible voter of the poll's scope (ballotcount.c folds them once). */
typedef struct recount_elig {
	uint8_t subject[KEY_PK_BYTES];
	char *unit;		/* owned, or NULL */
} recount_elig_t;

/* One valid ballot, compact: its choices are poll option indices in
 * ch[off..off+n), points beside them. */
typedef struct recount_rec {
	uint8_t voter[KEY_PK_BYTES];	/* the author; co-decision: the member's key */
	uint32_t rank;			/* co-decision: the rank of the key it signed with */
	uint64_t seq;
	uint8_t id[HASH_BYTES];
	int withdraw;
	int answer;
	int unit;
	size_t off, n;
} recount_rec_t;

/* The counted ballots of a poll, one record each (the rules that need
 * every ballot: the equal-shares ones, co-decision; and every poll on the
 * generic path). */
typedef struct recount_set {
	recount_rec_t *rec;
	size_t n, cap;
	uint8_t *dead;		/* per record: superseded by the voter's later ballot */
	uint32_t *ch;
	uint64_t *pts;
	size_t nch, capch;
} recount_set_t;

/* The counted ballots of a poll as sums, where the rule needs no more
 * (recount_summed): per option, over the counted ballots naming it. All
 * arithmetic is modulo 2^64, like the per-ballot sums of model/tally.c. */
typedef struct recount_sums {
	uint64_t *approvals;	/* ballots naming the option */
	uint64_t *points;	/* their points for it */
	uint64_t *first;	/* ballots naming it first */
	uint64_t *borda;	/* nopt - 1 - k for the k-th choice (from 0) */
	uint64_t *ballots;	/* per unit of the process (budget polls), else [0] */
	uint64_t yes, no, abstain;
} recount_sums_t;

/* What recount_collect gathered: the records (summed == 0) or the sums. */
typedef struct recount_out {
	int summed;
	recount_set_t set;
	recount_sums_t sums;
} recount_out_t;

/* Frees what o holds and zeroes it (safe on a zeroed one). */
void recount_out_free(recount_out_t *o);

/* Whether a tally of poll over view v is made from sums (the view has a
 * scan() and the rule is a function of per-option sums: greedy and its
 * variants, approval, plurality, Borda and points counts, resident yes/no)
 * rather than from one record per ballot. */
int recount_summed(const model_view_t *v, const ballot_poll_t *poll);

/* Which ballots to gather. */
typedef struct recount_in {
	const ballot_poll_t *poll;	/* valid */
	const roster_t *r;
	const uint8_t *frontier;	/* sorted ids, or NULL: every held ballot */
	size_t nf;
	const recount_elig_t *el;	/* the electorate, sorted by subject (when the
					 * process asks for eligibility) */
	size_t nel;
} recount_in_t;

/* Fills o (zeroed by the caller) with the counted ballots of in->poll, each
 * voter's latest valid one that is not a withdrawal, as records or as sums
 * (recount_summed), and out->counted and out->not_counted with the others.
 * Returns 0, WIEC_ERR_NOMEM, or a view failure. */
int recount_collect(const model_view_t *v, const recount_in_t *in, recount_out_t *o,
    ballot_tally_t *out);

/* The recount's fast path for the common ballot, as a pure test for the
 * fuzz target: whether body (a packed Body) is a ballot of poll that the
 * summed recount takes without building a Vote: the plain form with only
 * process, poll, an optional unit and choices of a project alone (at most
 * RECOUNT_FAST_CHOICES), for a poll that is not yes/no, cumulative,
 * ranked-or-pointed budget or co-decision, and that ballot_check_at would
 * count for an eligible voter (a process with eligibility is not judged
 * here: 0). 1 with the choices' option indices and the unit index (-1:
 * none) as ballot_check_at gives them; 0: the general path decides. */
#define RECOUNT_FAST_CHOICES 16
int recount_fast_accepts(const ballot_poll_t *poll, const uint8_t *body, size_t n,
    uint32_t opt[static RECOUNT_FAST_CHOICES], size_t *nc, int *unit);

/* From model/ballot.c. ballot_check_at: ballot_check, also giving the
 * index in poll of each choice (opt, room for v->n_choices, or NULL; set
 * when the ballot is valid and not a withdrawal) and the ballot's unit
 * (*unit, -1 unless a valid budget ballot). ballot_unit_find: the index of
 * the process's unit named name, or -1. From model/ballotcount.c:
 * ballot_in_frontier: whether id is in the sorted frontier f of n ids (f
 * NULL: always). */
int ballot_check_at(const ballot_poll_t *poll, const Wiec__Vote *v, const ballot_voter_t *who,
    uint32_t *opt, int *unit);
int ballot_unit_find(const Wiec__Process *p, const char *name);
int ballot_in_frontier(const uint8_t *f, size_t n, const uint8_t id[static HASH_BYTES]);

#endif
