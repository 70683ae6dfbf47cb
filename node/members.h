/* members.h: the roster (model/roster.h) as read from a store, for the
 * running node and the CLI. spec/members.md.
 *
 * Each call reads one consistent snapshot of the store (store_view_begin)
 * and ends it before returning, so a running node holds no read
 * transaction between batches. */
#ifndef WIEC_MEMBERS_H
#define WIEC_MEMBERS_H

#include <stddef.h>
#include <stdint.h>

#include "model/roster.h"
#include "store/store.h"

typedef struct members members_t;

/* A reader over store s (borrowed: it must outlive the reader). NULL when
 * out of memory. Free with members_destroy (NULL is fine). */
members_t *members_new(store_t *s);
void members_destroy(members_t **p);

/* The current roster into *r (release with roster_free), and the held,
 * non-excluded member changes into m (members_changes). 0, WIEC_ERR_NOMEM,
 * or a store error (WIEC_ERR_STORE, WIEC_ERR_CORRUPT). */
int members_roster(members_t *m, roster_t *r);

/* One held member change, in id order: for listing pending changes. */
typedef struct members_change {
	uint8_t id[HASH_BYTES];
	uint8_t author[KEY_PK_BYTES];
	const Wiec__MemberChange *mc;	/* owned by m */
} members_change_t;

/* The changes the last members_roster found; *n receives their number.
 * Borrowed until the next call on m. */
const members_change_t *members_changes(members_t *m, size_t *n);

/* roster_signers (model/roster.h) over a fresh snapshot of the store. */
int members_signers(members_t *m, const roster_t *r, const uint8_t id[static HASH_BYTES],
    uint8_t (*out)[KEY_PK_BYTES]);

#endif
