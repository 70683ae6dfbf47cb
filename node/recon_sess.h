/* recon_sess.h: what the two roles of a reconciliation session share:
 * recon_session.c (the session, its ranges and the initiator) and
 * recon_resp.c (the responder). Internal to node/recon_*.c: not an API. */
#ifndef WIEC_RECON_SESS_H
#define WIEC_RECON_SESS_H

#include "node/recon_int.h"
#include "node/recon_wire.h"

/* Splitting rule (spec/recon.md, "Algorithm"); both sides must agree on
 * these for the test vectors, not for correctness. */
#define RECON_LEAF 40		/* target items per range after the last split */
#define RECON_BMAX 20		/* most children of one split */
#define RECON_LIST_MAX 64	/* initiator lists (responder bounces) at or below */
#define RECON_ITEMS_MAX 2	/* responder sends its items at or below */
/* Wire limits. */
#define RECON_WIRE_LIST_MAX 256	/* short ids in one LIST */
#define RECON_SID_BYTES 8
/* Pending ranges of an initiator: RECON_QUEUE_BASE + RECON_QUEUE_PER_ITEM
 * per item of its set. An honest exchange needs about one per item at
 * most (spec/recon.md, section 5); a responder's records cost it bytes, but
 * ranges cost us 72 bytes each, so this bounds what a liar can make us
 * hold by what our own set already costs. */
#define RECON_QUEUE_BASE 4096
#define RECON_QUEUE_PER_ITEM 2
#define RECON_RESERVE 40	/* room kept for a closing SKIP record */

enum { M_SKIP = 0, M_FP = 1, M_LIST = 2, M_DIFF = 3, M_ITEMS = 4 };
enum { H_FIRST = 0x01, H_NEXT = 0x02, H_REPLY = 0x03 };

/* ---- sessions ---- */

typedef struct action {
	bound_t lo, hi;
	int kind;		/* ACT_* */
} action_t;

enum { ACT_FP, ACT_MISMATCH };

typedef struct sent {
	bound_t lo, hi;
	int mode;		/* M_FP or M_LIST */
	size_t loff, ln;	/* listed items of a LIST */
} sent_t;

typedef struct listed {
	uint8_t key[32];
	uint64_t seq;
	uint8_t sid[RECON_SID_BYTES];
} listed_t;

typedef struct dent {
	recon_diff_t d;
	size_t order;
} dent_t;

struct recon {
	const recon_set_t *set;
	int initiator, started, done, err;
	int crypto_failed;	/* a hash failed: the step fails with WIEC_ERR_CRYPTO */
	size_t cap;
	unsigned rounds;
	uint8_t nonce[RECON_NONCE_BYTES];
	/* initiator */
	action_t *q;		/* pending ranges, sorted, disjoint */
	size_t qn, qcap;
	sent_t *sent;		/* records of the last message */
	size_t sn, scap;
	listed_t *lst;		/* items listed in the last message */
	size_t ln, lcap;
	dent_t *diff;
	size_t dn, dcap;
	recon_diff_t *out;	/* recon_diffs result */
	size_t on;
	/* one-entry memo of the prefix at the last bound asked for, since
	 * ranges come in order and each lower bound was the last upper */
	bound_t mb;
	uint64_t msum[4], mcnt;
	int mvalid;
};

/* ---- ranges and records (recon_session.c) ---- */

/* The short id of an item hash under the session's nonce. */
void sess_sid_of(recon_t *r, const uint64_t hl[4], uint8_t sid[RECON_SID_BYTES]);
/* The fingerprint of cnt items summing to sum. */
void sess_fp_of(recon_t *r, const uint64_t sum[4], uint64_t cnt, uint8_t fp[RECON_FP_BYTES]);
/* Count, sum and rank of the first item of [lo, hi). */
void sess_range_stats(recon_t *r, const bound_t *lo, const bound_t *hi,
    uint64_t sum[4], uint64_t *cnt, uint64_t *rank0);
/* Fingerprint and count of [lo, hi). */
void sess_range_fp(recon_t *r, const bound_t *lo, const bound_t *hi,
    uint8_t fp[RECON_FP_BYTES], uint64_t *cnt);
/* Writes one record header and moves *prev to hi. */
void sess_put_rec(wbuf_t *w, bound_t *prev, const bound_t *hi, int mode);
/* Splits [lo, hi) holding c > RECON_LIST_MAX items, the first at rank r0
 * and summing to sum, into FP records; with record set also notes them as
 * sent. 0 or WIEC_ERR_NOMEM. */
int sess_put_split(recon_t *r, wbuf_t *w, bound_t *prev, const bound_t *lo,
    const bound_t *hi, uint64_t c, uint64_t r0, const uint64_t sum[4], int record);

/* ---- the responder (recon_resp.c) ---- */

/* Answers one initiator message in *in with *out (malloc'd). 0 or a
 * wiec_err_t. */
int sess_resp_step(recon_t *r, rbuf_t *in, uint8_t **out, size_t *outlen);

#endif
