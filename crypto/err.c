#include "crypto/err.h"

const char *wiec_strerror(int err)
{
	switch ((wiec_err_t)err) {
	case WIEC_OK: return "success";
	case WIEC_ERR_NOMEM: return "out of memory";
	case WIEC_ERR_IO: return "input/output error";
	case WIEC_ERR_CRYPTO: return "cryptographic library failure";
	case WIEC_ERR_ARG: return "invalid argument";
	case WIEC_ERR_NOSPACE: return "disk full (no space left on the device, or quota exceeded)";
	case WIEC_ERR_NOTREG: return "not a regular file; refusing it";
	case WIEC_ERR_KEY_MODE: return "secret key file is readable by others (chmod 600 it)";
	case WIEC_ERR_KEY_FORMAT: return "not a wiec key";
	case WIEC_ERR_EXISTS: return "already exists; refusing to overwrite";
	case WIEC_ERR_TOO_BIG: return "over a size limit";
	case WIEC_ERR_DECODE: return "malformed encoding";
	case WIEC_ERR_NONCANON: return "non-canonical encoding";
	case WIEC_ERR_UNKNOWN: return "unknown field or event kind";
	case WIEC_ERR_FIELD: return "invalid field value";
	case WIEC_ERR_NETWORK: return "event of another network";
	case WIEC_ERR_SIG: return "bad signature";
	case WIEC_ERR_CHAIN: return "prev does not match the author's chain";
	case WIEC_ERR_FORKED: return "author equivocated; event past the fork refused";
	case WIEC_ERR_PENDING_FULL: return "out-of-order buffer full";
	case WIEC_ERR_MAP_FULL: return "store full: raise map_size in the config";
	case WIEC_ERR_STORE: return "store (LMDB) failure";
	case WIEC_ERR_CORRUPT: return "store is corrupt";
	case WIEC_ERR_NOTFOUND: return "not found";
	case WIEC_ERR_NOSTORE: return "not a wiec data directory (run 'wiec init')";
	case WIEC_ERR_CONFIG: return "invalid config";
	case WIEC_ERR_PROTO: return "sync protocol violation";
	case WIEC_ERR_STALE: return "the store's indexes are of an older version of wiec: "
	    "run 'wiec reindex' (or any command that posts) to rebuild them";
	case WIEC_ERR_BEHIND: return "the store lacks the last event this identity signed: it "
	    "is an older copy; let the node catch up from a peer before signing";
	case WIEC_ERR_NEWER: return "the store was written by a newer version of wiec";
	case WIEC_ERR_REPLACED: return "store/data.mdb was replaced, removed or rolled back "
	    "while this process had it open: nothing more is written to it";
	}
	return "unknown error";
}
