/* key.h: identity keys (Ed25519), transport keys (X25519, for CURVE),
 * signatures with domain separation, and key files.
 *
 * Secret keys live in caller-owned structs; call key_wipe() (or let the
 * caller sodium_memzero) as soon as they are no longer needed.
 *
 * Key file format (spec/events.md, "Key files"): two text lines,
 *     untrusted comment: <free text>\n
 *     wiec-<kind>:<standard base64 of the secret key>\n
 * where kind is "ed25519-sk" (64 bytes: seed || public key) or
 * "x25519-sk" (32 bytes). Files are created 0600 and a secret key file
 * readable or writable by group or others is refused. */
#ifndef WIEC_KEY_H
#define WIEC_KEY_H

#include <stddef.h>
#include <stdint.h>

#define KEY_PK_BYTES 32
#define KEY_SK_BYTES 64
#define KEY_SIG_BYTES 64
#define KEY_X_BYTES 32
#define KEY_TEXT_BYTES 46	/* "wk" + 43 base64url characters + NUL */
#define KEY_FILE_MAX 1024	/* a key file is never longer */

typedef struct key_pair {
	uint8_t pk[KEY_PK_BYTES];
	uint8_t sk[KEY_SK_BYTES];
} key_pair_t;

typedef struct key_x25519 {
	uint8_t pk[KEY_X_BYTES];
	uint8_t sk[KEY_X_BYTES];
} key_x25519_t;

/* Fresh random keys. Return 0, or WIEC_ERR_CRYPTO. */
int key_generate(key_pair_t *kp);
int key_x25519_generate(key_x25519_t *kx);

/* Deterministic identity from a 32-byte seed (tests and vectors only). */
int key_from_seed(key_pair_t *kp, const uint8_t seed[static 32]);

/* Overwrite the secret halves with zeros. */
void key_wipe(key_pair_t *kp);
void key_x25519_wipe(key_x25519_t *kx);

/* Writes a new key file with mode 0600, atomically (crypto/afile.h); never
 * overwrites (WIEC_ERR_EXISTS). comment must be one line. Returns 0 or a
 * wiec_err_t (WIEC_ERR_NOSPACE, WIEC_ERR_IO with errno set, ...); on
 * failure nothing is left at path. */
int key_save(const key_pair_t *kp, const char *path, const char *comment);
int key_x25519_save(const key_x25519_t *kx, const char *path, const char *comment);

/* Reads a key file. WIEC_ERR_KEY_MODE if group or others may access it,
 * WIEC_ERR_KEY_FORMAT if it is not a well-formed key of that kind (for
 * Ed25519 the public half must match the seed), WIEC_ERR_NOTREG if it is
 * not a regular file (a FIFO never blocks the call; a symbolic link is
 * refused), WIEC_ERR_NOTFOUND or WIEC_ERR_IO (errno set) otherwise. */
int key_load(key_pair_t *kp, const char *path);
int key_x25519_load(key_x25519_t *kx, const char *path);

/* Parses the text of a key file already in memory (len bytes, need not be
 * NUL-terminated). kind is "ed25519-sk" or "x25519-sk"; out receives
 * exactly n bytes. Returns 0 or WIEC_ERR_KEY_FORMAT. */
int key_parse(const char *text, size_t len, const char *kind, uint8_t *out, size_t n);

/* The short printable form of a public key: "wk" + unpadded base64url. */
void key_to_text(char out[static KEY_TEXT_BYTES], const uint8_t pk[static KEY_PK_BYTES]);

/* Accepts the short form or 64 hex digits. Returns 0 or WIEC_ERR_KEY_FORMAT. */
int key_from_text(uint8_t pk[static KEY_PK_BYTES], const char *text);

/* Ed25519 over domain || ctx || msg, where domain is a NUL-terminated tag
 * (its bytes without the NUL are signed) and ctx is 32 bytes or NULL.
 * The exact bytes given are signed; nothing is re-encoded. Returns 0 or a
 * wiec_err_t (WIEC_ERR_NOMEM, WIEC_ERR_CRYPTO). */
int key_sign(uint8_t sig[static KEY_SIG_BYTES], const key_pair_t *kp,
    const char *domain, const uint8_t *ctx, const uint8_t *msg, size_t len);

/* Returns 0 if sig is pk's signature over domain || ctx || msg,
 * WIEC_ERR_SIG if not, WIEC_ERR_NOMEM. */
int key_verify(const uint8_t sig[static KEY_SIG_BYTES], const uint8_t pk[static KEY_PK_BYTES],
    const char *domain, const uint8_t *ctx, const uint8_t *msg, size_t len);

#endif
