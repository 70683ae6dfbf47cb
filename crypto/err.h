/* err.h: the error codes every wiec module returns, and their messages.
 *
 * Functions return 0 on success and -1 on failure; those that can fail in
 * more than one way that a caller acts on return a negative wiec_err_t.
 * wiec_strerror() never returns NULL. */
#ifndef WIEC_ERR_H
#define WIEC_ERR_H

typedef enum wiec_err {
	WIEC_OK = 0,
	WIEC_ERR_NOMEM = -1,		/* out of memory */
	WIEC_ERR_IO = -2,		/* a file or socket operation failed (see errno) */
	WIEC_ERR_CRYPTO = -3,		/* libsodium failed (not initialised?) */
	WIEC_ERR_ARG = -4,		/* an argument is out of range */
	WIEC_ERR_NOSPACE = -5,		/* disk full: ENOSPC or EDQUOT from a write */
	WIEC_ERR_NOTREG = -6,		/* not a regular file (a FIFO, device, directory, link) */
	/* keys */
	WIEC_ERR_KEY_MODE = -10,	/* secret key file readable by group or others */
	WIEC_ERR_KEY_FORMAT = -11,	/* key file or key text is not a wiec key */
	WIEC_ERR_EXISTS = -12,		/* refusing to overwrite */
	/* events: decoding and validation (spec/events.md, section Validation) */
	WIEC_ERR_TOO_BIG = -20,		/* over a size limit */
	WIEC_ERR_DECODE = -21,		/* not a valid protobuf message of the expected type */
	WIEC_ERR_NONCANON = -22,	/* valid protobuf but not the canonical encoding */
	WIEC_ERR_UNKNOWN = -23,		/* unknown field or kind */
	WIEC_ERR_FIELD = -24,		/* a field has a wrong length, range or text */
	WIEC_ERR_NETWORK = -25,		/* event belongs to another network */
	WIEC_ERR_SIG = -26,		/* signature does not verify */
	/* the store */
	WIEC_ERR_CHAIN = -30,		/* prev does not match the author's chain */
	WIEC_ERR_FORKED = -31,		/* author equivocated; events past the fork are refused */
	WIEC_ERR_PENDING_FULL = -32,	/* out-of-order buffer full; fetch again later */
	WIEC_ERR_MAP_FULL = -33,	/* LMDB map full: raise map_size */
	WIEC_ERR_STORE = -34,		/* LMDB failed */
	WIEC_ERR_CORRUPT = -35,		/* store content breaks an invariant */
	WIEC_ERR_NOTFOUND = -36,	/* no such event, author or file */
	WIEC_ERR_NOSTORE = -37,		/* not a wiec data directory */
	WIEC_ERR_CONFIG = -38,		/* config file line not understood */
	WIEC_ERR_PROTO = -40,		/* peer sent a message that breaks the sync protocol */
	WIEC_ERR_STALE = -41,		/* derived state of an older program version, not
					 * rebuilt (a read-only open): open it writable */
	WIEC_ERR_BEHIND = -42,		/* the store lacks the last event this identity
					 * signed: an older copy (keychain.h) */
	WIEC_ERR_NEWER = -43,		/* a store of a newer format or model version
					 * than this program knows */
	WIEC_ERR_REPLACED = -44,	/* data.mdb was replaced or rolled back under a
					 * process that had it open (store/guard.h) */
} wiec_err_t;

/* A static, one-line message for an error code. */
const char *wiec_strerror(int err);

#endif
