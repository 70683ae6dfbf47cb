/* close_int.h: what close.c (statements, durable state), closemember.c
 * (the member's machine) and closecert.c (the value rule, the certificate
 * check, the log audit) share. Internal to
 * model/close*.c: not an API. Statements are borrowed throughout. */
#ifndef WIEC_CLOSE_INT_H
#define WIEC_CLOSE_INT_H

#include "model/close.h"

_Static_assert(KEY_PK_BYTES == HASH_BYTES, "keys and ids are searched alike");

/* The index of x among n sorted, distinct 32-byte strings v (event ids or
 * member keys), or -1. */
long close_find(const uint8_t *v, size_t n, const uint8_t x[static HASH_BYTES]);

/* *dst = a malloc'd copy of n 32-byte ids at src (NULL when n is 0 or src
 * NULL). 0 or WIEC_ERR_NOMEM. */
int close_dup_ids(uint8_t **dst, const uint8_t *src, size_t n);

static inline int close_round_eq(const close_round_t *a, const close_round_t *b)
{
	return close_round_cmp(a, b) == 0;
}

/* --- the value rule (closecert.c) --- */

/* The union of the promises' seals, sorted and distinct, into *out
 * (malloc'd, caller frees; NULL when empty). 0 or WIEC_ERR_NOMEM. */
int close_seal_union(const close_stmt_t *const *pr, size_t np, uint8_t **out, size_t *n);

/* The promise reporting the last cosign with the highest round; NULL if
 * none. *tie: another promise reports that round with another value. */
const close_stmt_t *close_highest_acc(const close_stmt_t *const *pr, size_t np, int *tie);

/* The value of a fresh frontier: its root, size and (with env->tally) its
 * result. 0, WIEC_ERR_CRYPTO or a tally error. */
int close_fresh_value(const close_env_t *env, const uint8_t *ids, size_t n, close_value_t *v);

/* 1 iff pr (npr statements) are exactly the Promises p names, of its
 * round and from >= q distinct members; else 0. */
int close_promises_ok(const close_stmt_t *p, const close_stmt_t *const *pr, size_t npr,
    uint32_t q);

/* The value rule for proposal p resting on promises pr (with env->tally,
 * the result too): CLOSE_OK, CLOSE_BAD_VALUE, CLOSE_BAD_RESULT, or a
 * negative error. */
int close_value_ok(const close_stmt_t *p, const close_stmt_t *const *pr, size_t npr,
    const close_env_t *env);

/* --- the member's held statements (closemember.c) --- */

/* The well-formed, distinct statements m holds (*n of them), in the order
 * observed; valid until m observes more or is destroyed. */
const close_stmt_t *close_member_stmts(const close_member_t *m, size_t *n);

/* The held statement with this id, or NULL. */
const close_stmt_t *close_member_find(const close_member_t *m, const uint8_t id[static HASH_BYTES]);

/* The distinct members cosigning exactly proposal p's round and value,
 * into out (room for the member count); returns how many. */
size_t close_member_cosigners(const close_member_t *m, const close_stmt_t *p,
    const close_stmt_t **out);

/* Whether proposal p is valid as far as m's held statements show: 1, 0
 * (not or not yet), or a negative error; tally != 0 also recomputes the
 * result with env->tally. depth: 0 from outside (bounds the recursion
 * through reported values). */
int close_member_proposal_valid(close_member_t *m, const close_env_t *env,
    const close_stmt_t *p, int tally, size_t depth);

#endif
