/* close.h: closing a vote (spec/close.md) as a pure, deterministic state
 * machine per member organisation, the acceptor rules every member's
 * statements must follow (so an equivocation is proved from the log), and
 * the offline check of a certificate. No I/O, no clock, no global state:
 * the node feeds it the statements it holds and a time, and posts what it
 * returns; the simulation (tests/unit/test_close.c) feeds it a network.
 *
 * The counted set of a process is decided by single-decree Paxos whose
 * messages are signed log events (Close, Prepare, Promise, Proposal,
 * Cosign). Values are abstract here: a frontier (sorted, distinct 32-byte
 * event ids) and the hash of the result a tally callback computes from it.
 *
 * Ownership: every close_stmt_t owns its arrays (release with
 * close_stmt_free); functions taking a statement copy what they keep. */
#ifndef WIEC_CLOSE_H
#define WIEC_CLOSE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/hash.h"
#include "crypto/key.h"

#define CLOSE_MEMBERS_MAX 256	/* ROSTER_MAX */

/* Statement kinds: Body.content fields 32..36 on the wire (spec/close.md). */
enum {
	CLOSE_CLOSE = 1,	/* an owner starts the close: Prepare of round (0, author) */
	CLOSE_PREPARE = 2,	/* the designated proposer opens round (c >= 1, author) */
	CLOSE_PROMISE = 3,	/* a member joins a round: its seal and last cosign */
	CLOSE_PROPOSAL = 4,	/* the round's proposer: the value, from >= q promises */
	CLOSE_COSIGN = 5,	/* a member accepts the value of a round */
};

/* A round: rounds are ordered by (counter, proposer key bytewise). Round
 * (0, K) is opened by a Close of owner K; round (c >= 1, K) only by a
 * Prepare of K = members[c mod n] (keys sorted). */
typedef struct close_round {
	uint64_t counter;
	uint8_t proposer[KEY_PK_BYTES];
} close_round_t;

int close_round_cmp(const close_round_t *a, const close_round_t *b);

/* A value: the frontier's root and size and the result's hash. Two values
 * are the same iff these three are. */
typedef struct close_value {
	uint8_t root[HASH_BYTES];	/* close_frontier_root of the ids */
	uint64_t count;
	uint8_t result[HASH_BYTES];
} close_value_t;

int close_value_eq(const close_value_t *a, const close_value_t *b);

/* root = BLAKE2b-256("wiec-frontier-v1" || u64be(n) || ids), ids sorted
 * and distinct (n * 32 bytes). 0, or WIEC_ERR_CRYPTO. */
int close_frontier_root(uint8_t root[static HASH_BYTES], const uint8_t *ids, size_t n);

/* One statement, as decoded from a held event (author, seq and id from
 * the envelope; the rest from its content). Unused fields are zero. */
typedef struct close_stmt {
	int kind;				/* CLOSE_CLOSE .. CLOSE_COSIGN */
	uint8_t id[HASH_BYTES];			/* the event id */
	uint8_t author[KEY_PK_BYTES];
	uint64_t seq;				/* the author's chain position */
	uint8_t process[HASH_BYTES];
	uint8_t roster[HASH_BYTES];		/* the roster state the close is under */
	close_round_t round;			/* Close: (0, author) */
	/* Promise: what the member holds for the process, and its last cosign. */
	uint8_t *seal;				/* nseal sorted distinct ids, owned */
	size_t nseal;
	int has_acc;
	close_round_t acc_round;
	close_value_t acc_value;
	/* Proposal and Cosign: the value; Proposal: its frontier and the
	 * Promise events (sorted ids) it rests on; Cosign: the Proposal. */
	close_value_t value;
	uint8_t *frontier;			/* value.count sorted distinct ids, owned */
	uint8_t *promises;			/* npromises sorted distinct ids, owned */
	size_t npromises;
	uint8_t proposal[HASH_BYTES];
} close_stmt_t;

/* Releases the arrays of s and zeroes it; safe on a zeroed statement. */
void close_stmt_free(close_stmt_t *s);
/* Deep copy. 0 or WIEC_ERR_NOMEM (dst zeroed then). */
int close_stmt_copy(close_stmt_t *dst, const close_stmt_t *src);

/* Whether s is well formed for process under roster (the member-change
 * head the close is under; zero: the genesis) with these members (sorted keys):
 * author a member; round owned by the author where the kind requires it
 * (Close: (0, author); Prepare and Proposal: proposer == author, and for
 * counter >= 1 proposer == members[counter mod n]); arrays sorted and
 * distinct; a Proposal's frontier hashes to its root and count. Returns 0
 * or a CLOSE_BAD_* reason. An ill-formed statement is ignored by every
 * rule (it counts for nothing), it is not an equivocation. */
int close_stmt_check(const close_stmt_t *s, const uint8_t process[static HASH_BYTES],
    const uint8_t roster[static HASH_BYTES], const uint8_t (*members)[KEY_PK_BYTES], size_t n);

/* The acceptor state a member's own statements imply, in its chain order.
 * This is what must be durable before a statement is sent: the node
 * commits the statement's event and this state in one transaction (and
 * the state can always be rebuilt by replaying the member's own
 * statements through close_durable_apply). */
typedef struct close_durable {
	uint8_t has_promised, has_acc, has_prop, has_prep, has_roster;
	uint8_t roster[HASH_BYTES];	/* the roster of its first statement */
	close_round_t promised;		/* highest round promised or cosigned */
	close_round_t acc_round;	/* last cosign */
	close_value_t acc_value;
	close_round_t prop_round;	/* last own proposal */
	close_value_t prop_value;
	close_round_t prep_round;	/* last own Close or Prepare */
} close_durable_t;

#define CLOSE_DURABLE_BYTES 400
/* Fixed-size encoding ("wiec-close-v1" tag, then the fields big-endian). */
void close_durable_encode(const close_durable_t *d, uint8_t out[static CLOSE_DURABLE_BYTES]);
/* 0, or WIEC_ERR_DECODE for bytes that are not an encoding. */
int close_durable_decode(close_durable_t *d, const uint8_t in[static CLOSE_DURABLE_BYTES]);

/* Conflicts (spec/close.md section 5): a member's statement the acceptor
 * rules forbid after its earlier ones (in its chain order). */
enum {
	CLOSE_OK = 0,
	CLOSE_C_PROMISE_ORDER = 1,	/* Promise for a round not above all promised or cosigned before */
	CLOSE_C_PROMISE_REPORT = 2,	/* Promise not reporting exactly the member's last Cosign before it */
	CLOSE_C_COSIGN_BELOW = 3,	/* Cosign for a round below a round promised before */
	CLOSE_C_COSIGN_TWICE = 4,	/* two Cosigns for one round with different values */
	CLOSE_C_PROPOSE_TWICE = 5,	/* a Proposal not above the member's last one, unless the same */
	CLOSE_C_ROSTER = 6,		/* statements for one process under two rosters */
};

/* Applies the member's next statement s (author == member, one process,
 * well formed) to d, d having been built from ALL its earlier statements.
 * Returns CLOSE_OK (d updated) or a CLOSE_C_* conflict (d unchanged).
 * Close and Prepare never conflict. */
int close_durable_apply(close_durable_t *d, const close_stmt_t *s);

/* Replays stmts (one member's statements for one process, any order: they
 * are sorted here by seq) from a fresh state. Returns CLOSE_OK, a CLOSE_C_*
 * conflict with *bad = the index (in stmts) of the statement that breaks
 * the rules, or WIEC_ERR_NOMEM. full != 0: stmts are ALL the member's
 * statements for the process up to the last one (a node holds a member's
 * event only with all its earlier ones, so its log gives that): a Promise
 * must report exactly the last Cosign before it. full == 0 (a subset, as
 * in a certificate): a Promise must only not report less than a Cosign
 * given before it. */
int close_audit(const close_stmt_t *const *stmts, size_t n, int full, size_t *bad);

/* What the machine asks of the node. */
typedef struct close_env {
	void *ctx;
	/* 1 if the event id is held (and verified), 0 if not. */
	int (*held)(void *ctx, const uint8_t id[static HASH_BYTES]);
	/* The seal: the ids of every counted event held now for the process,
	 * sorted and distinct, in *ids (malloc'd; the machine frees it). 0 or
	 * a negative wiec_err_t. */
	int (*seal)(void *ctx, uint8_t **ids, size_t *n);
	/* The result of a frontier (every id held): a deterministic hash of
	 * the tally of exactly those events. 0 or a negative wiec_err_t. */
	int (*tally)(void *ctx, const uint8_t *ids, size_t n, uint8_t result[static HASH_BYTES]);
} close_env_t;

/* Liveness only: never part of any safety rule. Time is any unit the
 * caller uses consistently (ticks in the simulation, ms in the node). */
typedef struct close_params {
	uint64_t timeout;	/* base wait for a round before the next proposer tries */
} close_params_t;

typedef struct close_member close_member_t;

/* A member's machine for process under roster, among members (n sorted
 * distinct keys, quorum q with n/2 < q <= n), self one of them. restored:
 * the durable state last committed (NULL: none); then feed it every held
 * statement of the process (close_member_observe) before stepping.
 * Returns NULL on a bad argument (restored under another roster included)
 * or no memory. Destroy with close_member_destroy. */
close_member_t *close_member_new(const uint8_t process[static HASH_BYTES],
    const uint8_t roster[static HASH_BYTES], const uint8_t (*members)[KEY_PK_BYTES], size_t n,
    uint32_t q, const uint8_t self[static KEY_PK_BYTES], const close_durable_t *restored,
    const close_params_t *p);
void close_member_destroy(close_member_t **m);
/* Changes the liveness parameters (the node scales the wait with the size
 * of the process's lists). */
void close_member_set_params(close_member_t *m, const close_params_t *p);

/* Records one held, complete statement (own or another member's;
 * duplicates and ill-formed ones are ignored; the node passes a Close only
 * when its author is an owner of the process). The node's log holds an author's event
 * only with all its earlier ones, so statements of one author arrive in
 * its chain order with none missing: the machine relies on it to audit a
 * promiser's chain before trusting its promise. 0 or WIEC_ERR_NOMEM. */
int close_member_observe(close_member_t *m, const close_stmt_t *s);

/* The owner's Close: fills *out (kind, process, round (0, self)) and
 * updates the durable state. Returns 0, or WIEC_ERR_EXISTS when this
 * member already opened a round. */
int close_member_start(close_member_t *m, close_stmt_t *out);

/* Decides what to post now: at most one statement into *out (returns 1),
 * or nothing (returns 0), or a negative wiec_err_t from env. The durable
 * state is updated as if it were posted: the caller signs it (author,
 * seq, id), commits the event and close_member_durable() together, then
 * observes it, and calls step again until it returns 0. */
int close_member_step(close_member_t *m, const close_env_t *env, uint64_t now, close_stmt_t *out);

const close_durable_t *close_member_durable(const close_member_t *m);

/* When the member holds a certificate: 1 and *round, *value (and the
 * proposal's id) filled; else 0. */
int close_member_certified(const close_member_t *m, close_round_t *round, close_value_t *value,
    uint8_t proposal[static HASH_BYTES]);

/* Builds the certificate the member holds into *c (pointers borrowed from
 * m: valid until m observes more or is destroyed). 0, or WIEC_ERR_NOTFOUND. */
typedef struct close_cert {
	const close_stmt_t *proposal;
	const close_stmt_t **promises;	/* the proposal's promises, in its order */
	size_t npromises;
	const close_stmt_t **cosigns;	/* >= q, distinct authors */
	size_t ncosigns;
} close_cert_t;
int close_member_cert(const close_member_t *m, close_cert_t *c);
void close_cert_free(close_cert_t *c);	/* frees the two arrays only */

/* Reasons a certificate is refused (close_cert_check). */
enum {
	CLOSE_BAD_FORM = 1,		/* a statement is ill-formed (close_stmt_check) */
	CLOSE_BAD_KIND = 2,		/* a statement of the wrong kind or process */
	CLOSE_BAD_PROMISES = 3,		/* promises missing, duplicate, of another round, or < q members */
	CLOSE_BAD_VALUE = 4,		/* the value is not the one the promises give */
	CLOSE_BAD_COSIGNS = 5,		/* fewer than q distinct members cosign that round and value */
	CLOSE_BAD_CONFLICT = 6,		/* two given statements of one member conflict */
	CLOSE_BAD_RESULT = 7,		/* the recomputed result differs */
};

/* Checks a certificate alone: every statement well formed for process,
 * roster and members (sorted, quorum q); the proposal rests on >= q
 * promises of its round from distinct members, named by it; its value is
 * the last cosign with the highest round among them if any (all of that
 * round reporting one value), else the union of their seals; if tally is
 * not NULL, tally(frontier) == result; >= q distinct members cosign
 * exactly that round and value; no member's given statements conflict
 * (close_audit, subset mode). Returns 0, a CLOSE_BAD_* reason, or
 * WIEC_ERR_NOMEM / a tally error. What needs the log besides (the
 * promisers' whole chains, the proposal a reported cosign names) is
 * checked by every honest cosigner; spec/close.md section 7. */
int close_cert_check(const close_cert_t *c, const uint8_t process[static HASH_BYTES],
    const uint8_t roster[static HASH_BYTES], const uint8_t (*members)[KEY_PK_BYTES], size_t n,
    uint32_t q, const close_env_t *tally);

/* The audit of a whole log of one close (spec/close.md section 7, with
 * the log): what `wiec result` and an offline auditor report. */
typedef struct close_report {
	int certified;			/* a certificate exists (proposal + q cosigns) */
	close_round_t round;		/* the first one by (round, proposal id) */
	close_value_t value;
	uint8_t proposal[HASH_BYTES];
	int cert_valid;			/* its proposal is valid by the full rules */
	int split;			/* another certificate has another value */
	size_t nbad;			/* members whose chain breaks a rule */
	uint8_t bad_member[CLOSE_MEMBERS_MAX][KEY_PK_BYTES];
	uint8_t bad_stmt[CLOSE_MEMBERS_MAX][HASH_BYTES];	/* the statement that does */
	int bad_code[CLOSE_MEMBERS_MAX];			/* its CLOSE_C_* conflict */
} close_report_t;

/* Audits stmts (every statement of process under roster the log holds;
 * ill-formed ones are ignored) for members (sorted, quorum q): each
 * member's chain through the rules (full mode), every certificate, and
 * whether the first is valid by the full rules (the promisers' chains,
 * ties, reported values backed by valid proposals; with env->tally also
 * the result; env->held is not used). Fills *out (caller-owned, large:
 * allocate it). Returns 0, WIEC_ERR_ARG, WIEC_ERR_NOMEM or a tally error. */
int close_log_audit(const close_stmt_t *const *stmts, size_t n,
    const uint8_t process[static HASH_BYTES], const uint8_t roster[static HASH_BYTES],
    const uint8_t (*members)[KEY_PK_BYTES], size_t nm, uint32_t q, const close_env_t *env,
    close_report_t *out);

/* A name for a CLOSE_C_* or CLOSE_BAD_* code (kind: 'C' or 'B'). */
const char *close_reason(int kind, int code);

#endif
