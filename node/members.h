/* members.h: the roster (model/roster.h) as read from a store, for the
 * running node and the CLI. spec/members.md.
 *
 * A members_t caches the held member changes and approvals it has read from
 * the store's log, and reads only what arrived since on each refresh, so a
 * running node can recompute the roster after every batch that may have
 * changed it. */
#ifndef WIEC_MEMBERS_H
#define WIEC_MEMBERS_H

#include <stddef.h>
#include <stdint.h>

#include "model/roster.h"
#include "store/store.h"

typedef struct members members_t;

/* A cache over store s (borrowed: it must outlive the cache). NULL when
 * out of memory. Free with members_destroy. */
members_t *members_new(store_t *s, const Wiec__GenesisBody *genesis);
void members_destroy(members_t **p);

/* Reads what the log gained since the last call, then computes the current
 * roster into *r (release with roster_free). 0, WIEC_ERR_NOMEM, or a store
 * error (WIEC_ERR_STORE, WIEC_ERR_CORRUPT). */
int members_roster(members_t *m, roster_t *r);

/* The view the roster was computed from, valid until the next call on m:
 * for roster_signers. */
model_view_t members_view(members_t *m);

/* One held member change, in id order: for listing pending changes. */
typedef struct members_change {
	uint8_t id[HASH_BYTES];
	uint8_t author[KEY_PK_BYTES];
	const Wiec__MemberChange *mc;	/* borrowed from the cache */
} members_change_t;

/* The held member changes (excluded ones left out), in id order, after
 * the last members_roster; *n receives their number. Borrowed until the
 * next call on m. */
const members_change_t *members_changes(members_t *m, size_t *n);

#endif
