/* recon.h: range-based set reconciliation of per-author chain heads.
 *
 * Two nodes each hold a set of items, one per author: key = the author's
 * public key, seq = the sequence number of the author's head, val = a
 * 32-byte hash naming that head. A session between an initiator and a
 * responder exchanges opaque messages until the initiator knows every key
 * whose item differs between the two sets (only here, only there, or a
 * different seq/val on each side) together with the remote seq, so it can
 * fetch or push the missing chain segments. The wire format, algorithm and
 * limits are in spec/recon.md.
 *
 * A recon_set_t keeps its items in a treap augmented with subtree sums of
 * the item hashes, so put, del and the fingerprint of any key range are
 * O(log n) (node/recon_set.c); sessions are node/recon_session.c
 * (with the responder in node/recon_resp.c). Neither
 * object is thread-safe; use each from one thread. */
#ifndef WIEC_RECON_H
#define WIEC_RECON_H

#include <stddef.h>
#include <stdint.h>

#define RECON_KEY_BYTES 32
#define RECON_VAL_BYTES 32
#define RECON_FP_BYTES 16		/* range fingerprint */
#define RECON_NONCE_BYTES 16		/* per-session salt of the short item ids */
#define RECON_MIN_CAP 4096		/* smallest msg_cap recon_new accepts */
#define RECON_DEFAULT_CAP (1u << 20)	/* msg_cap 0 selects this */
#define RECON_MAX_ROUNDS 4096		/* initiator messages per session */

typedef struct recon_item {
	uint8_t key[RECON_KEY_BYTES];
	uint64_t seq;
	uint8_t val[RECON_VAL_BYTES];
} recon_item_t;

/* One differing key, as the initiator learnt it. local/remote say which side
 * holds an item for the key; a seq is 0 where that side has none. */
typedef struct recon_diff {
	uint8_t key[RECON_KEY_BYTES];
	int local, remote;
	uint64_t local_seq, remote_seq;
} recon_diff_t;

typedef struct recon_set recon_set_t;
typedef struct recon recon_t;

/* ---- the set ---- */

/* An empty set. Caller owns the result; free with recon_set_destroy.
 * Returns NULL if out of memory. */
recon_set_t *recon_set_new(void);

/* Frees *p (NULL is fine) and sets *p to NULL. Every session over the set
 * must have been destroyed first. */
void recon_set_destroy(recon_set_t **p);

/* Inserts it, or replaces the item with the same key. The set keeps only
 * key, seq and the item hash (it does not keep val). O(log n).
 * Returns 0, WIEC_ERR_ARG (NULL), WIEC_ERR_NOMEM, WIEC_ERR_TOO_BIG
 * (2^32 - 2 items) or WIEC_ERR_CRYPTO (libsodium failed; the set is
 * unchanged). */
int recon_set_put(recon_set_t *s, const recon_item_t *it);

/* Removes the item with this key. O(log n). Returns 0, WIEC_ERR_NOTFOUND
 * if there is none, or WIEC_ERR_ARG (NULL). */
int recon_set_del(recon_set_t *s, const uint8_t key[static RECON_KEY_BYTES]);

/* Number of items (0 for NULL). */
size_t recon_set_size(const recon_set_t *s);

/* The fingerprint (spec/recon.md, "Fingerprint") of the items whose key k
 * satisfies lo <= k < hi, where lo == NULL means the all-zero key and
 * hi == NULL means no upper bound; writes the item count to *count unless
 * count is NULL. O(log n). Returns 0, WIEC_ERR_ARG or WIEC_ERR_CRYPTO. */
int recon_set_fingerprint(const recon_set_t *s, const uint8_t *lo,
    const uint8_t *hi, uint8_t fp[static RECON_FP_BYTES], size_t *count);

/* ---- a session ---- */

/* A session over set, as initiator (initiator != 0) or responder. Messages
 * it produces never exceed msg_cap bytes and it refuses longer incoming
 * ones; both sides should use the same cap. msg_cap 0 means
 * RECON_DEFAULT_CAP; below RECON_MIN_CAP is refused. The set is borrowed:
 * it must outlive the session and may be modified between calls (not
 * during one); the session stays memory-safe and still ends, though a
 * change made mid-session may or may not show in its result.
 * Caller owns the result; free with recon_destroy. Returns NULL on a bad
 * argument or out of memory. An initiator draws a fresh random nonce. */
recon_t *recon_new(const recon_set_t *set, int initiator, size_t msg_cap);

/* Replaces the initiator's random nonce, for test vectors only: a nonce
 * known in advance lets a third party grind short-id collisions. Call
 * before recon_start. Returns 0 or WIEC_ERR_ARG. */
int recon_set_nonce(recon_t *r, const uint8_t nonce[static RECON_NONCE_BYTES]);

/* Frees *p (NULL is fine) and sets *p to NULL. */
void recon_destroy(recon_t **p);

/* Initiator only, once: the first message. On success *msg is malloc'd
 * (caller frees with free()) and *len is its size. Returns 0,
 * WIEC_ERR_ARG (responder, or called twice), WIEC_ERR_NOMEM or
 * WIEC_ERR_CRYPTO. */
int recon_start(recon_t *r, uint8_t **msg, size_t *len);

/* Feeds the peer's message in[0..inlen) (untrusted). On success *out is a
 * malloc'd reply the caller sends and frees, or NULL with *outlen 0 when
 * there is nothing to send. The initiator sets *done to 1 when it has
 * learnt every difference (then *out is NULL; see recon_diffs); a responder
 * never knows and always sets *done to 0 — it just answers until the
 * initiator stops sending.
 * Errors: WIEC_ERR_TOO_BIG (inlen > msg_cap, or the session went over
 * RECON_MAX_ROUNDS, its queue limit or an internal work limit),
 * WIEC_ERR_PROTO (malformed or inconsistent message), WIEC_ERR_NOMEM,
 * WIEC_ERR_CRYPTO (libsodium failed), WIEC_ERR_ARG (bad call: NULL
 * pointer, initiator not started, or step after done). After any error
 * but WIEC_ERR_ARG the session is dead and every later call returns the
 * same error; *out is NULL. */
int recon_step(recon_t *r, const uint8_t *in, size_t inlen, uint8_t **out,
    size_t *outlen, int *done);

/* Initiator: the differences, sorted by key, one per key; complete once
 * recon_step has reported done (partial before). Borrowed until the next
 * call on r. Sets *n; returns NULL with *n == 0 when there are none. */
const recon_diff_t *recon_diffs(const recon_t *r, size_t *n);

/* Initiator messages sent so far (round trips once done). */
unsigned recon_rounds(const recon_t *r);

#endif
