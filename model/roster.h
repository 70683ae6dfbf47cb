/* roster.h: the member organisations, derived from the genesis and the held
 * member changes (spec/model.md, members; /work/notes design: the roster
 * walk). Pure: reads through a model_view_t only.
 *
 * A member is identified by its CURRENT identity key; every earlier identity
 * key it rotated away from still maps to it (roster_member_of), so roles
 * named by an old key stay with the member. */
#ifndef WIEC_ROSTER_H
#define WIEC_ROSTER_H

#include <stddef.h>
#include <stdint.h>

#include "model/model.h"

#define ROSTER_MAX 256		/* members at most; an add beyond is invalid */
#define ROSTER_NAME_MAX 128
#define ROSTER_ENDPOINTS_MAX 8
#define ROSTER_ENDPOINT_MAX 255

typedef struct roster_member {
	uint8_t key[KEY_PK_BYTES];		/* current identity key */
	uint8_t transport[KEY_PK_BYTES];	/* current X25519 CURVE key */
	char name[ROSTER_NAME_MAX + 1];
	int role;				/* Wiec__Role */
	char endpoints[ROSTER_ENDPOINTS_MAX][ROSTER_ENDPOINT_MAX + 1];
	size_t nendpoints;
	uint8_t (*old_keys)[KEY_PK_BYTES];	/* earlier identity keys, owned */
	size_t nold;
} roster_member_t;

typedef struct roster {
	roster_member_t *members;	/* owned; sorted by key */
	size_t n;
	uint32_t quorum;		/* q(n) of spec/model.md */
	uint8_t head[HASH_BYTES];	/* the last applied member change; zero: genesis */
	uint64_t changes;		/* member changes applied */
	/* Every key that was ever a member's identity and is not now (removed
	 * members' keys, for "by a former member"), sorted; owned. */
	uint8_t (*former)[KEY_PK_BYTES];
	size_t nformer;
} roster_t;

/* Computes the current roster from v's genesis and held member changes.
 * Returns 0 (caller releases *r with roster_free), WIEC_ERR_NOMEM, or a
 * view failure. */
int roster_load(const model_view_t *v, roster_t *r);
void roster_free(roster_t *r);

/* The roster as it was at state head (the id of the member change that
 * made it; 32 zero bytes: the genesis roster), NULL: the current one. 0,
 * WIEC_ERR_NOTFOUND if the held changes never reach that state, or as
 * roster_load. A close names the state it runs under (spec/close.md). */
int roster_load_at(const model_view_t *v, const uint8_t *head, roster_t *r);

/* The current member whose identity key is key, or was key before a
 * rotation; NULL if none. */
const roster_member_t *roster_member_of(const roster_t *r, const uint8_t key[static KEY_PK_BYTES]);

/* Who speaks with key, for the rules that keep one statement per author
 * (spec/members.md section 4): a current member's keys, old and new, all
 * name the member (*who = its current key); *rank orders them, each
 * rotation later than the key it replaced (0 for the first, nold for the
 * current). Any other key names itself, rank 0. r may be NULL. */
void roster_identity(const roster_t *r, const uint8_t key[static KEY_PK_BYTES],
    uint8_t who[static KEY_PK_BYTES], uint32_t *rank);

/* Whether key was a member's identity key and is not any current member's. */
int roster_is_former(const roster_t *r, const uint8_t key[static KEY_PK_BYTES]);

/* The signers of the held member change id counted against the state r:
 * its author and the authors of held Approve events targeting it, those
 * that are current identity keys of r, distinct, in key order, written to
 * out (room for ROSTER_MAX keys). A change whose `after` is r's head needs
 * r->quorum of them to take effect. Returns their number, WIEC_ERR_NOTFOUND
 * if id is not a held member change, or a view failure. */
int roster_signers(const model_view_t *v, const roster_t *r, const uint8_t id[static HASH_BYTES],
    uint8_t (*out)[KEY_PK_BYTES]);

/* q(n): the quorum for n members given the genesis's n0 founders and quorum q0. */
uint32_t roster_quorum(size_t n, size_t n0, uint32_t q0);

#endif
