#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/afile.h"
#include "crypto/err.h"
#include "crypto/key.h"

#define B64 sodium_base64_VARIANT_ORIGINAL
#define B64URL sodium_base64_VARIANT_URLSAFE_NO_PADDING

int key_generate(key_pair_t *kp)
{
	return crypto_sign_keypair(kp->pk, kp->sk) == 0 ? 0 : WIEC_ERR_CRYPTO;
}

int key_x25519_generate(key_x25519_t *kx)
{
	return crypto_box_keypair(kx->pk, kx->sk) == 0 ? 0 : WIEC_ERR_CRYPTO;
}

int key_from_seed(key_pair_t *kp, const uint8_t seed[static 32])
{
	return crypto_sign_seed_keypair(kp->pk, kp->sk, seed) == 0 ? 0 : WIEC_ERR_CRYPTO;
}

void key_wipe(key_pair_t *kp)
{
	sodium_memzero(kp->sk, sizeof kp->sk);
}

void key_x25519_wipe(key_x25519_t *kx)
{
	sodium_memzero(kx->sk, sizeof kx->sk);
}

static int save_secret(const char *path, const char *kind, const uint8_t *sec,
    size_t n, const char *comment)
{
	char b64[sodium_base64_ENCODED_LEN(KEY_SK_BYTES, B64)];
	char text[KEY_FILE_MAX];
	int len, rc = 0;

	if (strchr(comment, '\n') != NULL)
		return WIEC_ERR_ARG;
	sodium_bin2base64(b64, sizeof b64, sec, n, B64);
	len = snprintf(text, sizeof text, "untrusted comment: %s\nwiec-%s:%s\n",
	    comment, kind, b64);
	sodium_memzero(b64, sizeof b64);
	if (len < 0 || (size_t)len >= sizeof text) {
		rc = WIEC_ERR_ARG;
		goto out;
	}
	/* Beside the target, then linked in place: never half a key file. */
	rc = afile_put(path, text, (size_t)len, 0600, 0);
out:
	sodium_memzero(text, sizeof text);
	return rc;
}

int key_save(const key_pair_t *kp, const char *path, const char *comment)
{
	return save_secret(path, "ed25519-sk", kp->sk, KEY_SK_BYTES, comment);
}

int key_x25519_save(const key_x25519_t *kx, const char *path, const char *comment)
{
	return save_secret(path, "x25519-sk", kx->sk, KEY_X_BYTES, comment);
}

int key_parse(const char *text, size_t len, const char *kind, uint8_t *out, size_t n)
{
	static const char c1[] = "untrusted comment: ";
	char tag[32];
	const char *p, *end = text + len, *nl, *b64end;
	size_t taglen, got = 0;

	if (len > KEY_FILE_MAX || len < sizeof c1 - 1 || memcmp(text, c1, sizeof c1 - 1) != 0)
		return WIEC_ERR_KEY_FORMAT;
	nl = memchr(text, '\n', len);
	if (nl == NULL)
		return WIEC_ERR_KEY_FORMAT;
	p = nl + 1;
	taglen = (size_t)snprintf(tag, sizeof tag, "wiec-%s:", kind);
	if (taglen >= sizeof tag || (size_t)(end - p) < taglen || memcmp(p, tag, taglen) != 0)
		return WIEC_ERR_KEY_FORMAT;
	p += taglen;
	/* Exactly one trailing newline and nothing after it. */
	if (end - p < 2 || end[-1] != '\n' || memchr(p, '\n', (size_t)(end - p) - 1) != NULL)
		return WIEC_ERR_KEY_FORMAT;
	if (sodium_base642bin(out, n, p, (size_t)(end - p) - 1, NULL, &got, &b64end, B64) != 0 ||
	    got != n || b64end != end - 1) {
		sodium_memzero(out, n);
		return WIEC_ERR_KEY_FORMAT;
	}
	return 0;
}

static int load_secret(const char *path, const char *kind, uint8_t *out, size_t n)
{
	char text[KEY_FILE_MAX + 1];
	struct stat st;
	ssize_t len;
	int fd, rc;

	/* A FIFO must not hang us, nor a link lead us to another file. */
	if ((fd = afile_open_read(path, AFILE_NOFOLLOW, &st)) < 0)
		return fd;
	if (st.st_mode & 077) {
		close(fd);
		return WIEC_ERR_KEY_MODE;
	}
	len = read(fd, text, sizeof text);
	close(fd);
	if (len < 0)
		return WIEC_ERR_IO;
	rc = key_parse(text, (size_t)len, kind, out, n);
	sodium_memzero(text, sizeof text);
	return rc;
}

int key_load(key_pair_t *kp, const char *path)
{
	uint8_t pk[KEY_PK_BYTES], sk[KEY_SK_BYTES];
	int rc = load_secret(path, "ed25519-sk", kp->sk, KEY_SK_BYTES);

	if (rc != 0)
		return rc;
	/* The stored public half must be the one the seed gives. */
	if (crypto_sign_seed_keypair(pk, sk, kp->sk) != 0 ||
	    sodium_memcmp(sk, kp->sk, KEY_SK_BYTES) != 0) {
		rc = WIEC_ERR_KEY_FORMAT;
		sodium_memzero(kp->sk, sizeof kp->sk);
	} else {
		memcpy(kp->pk, pk, KEY_PK_BYTES);
	}
	sodium_memzero(sk, sizeof sk);
	return rc;
}

int key_x25519_load(key_x25519_t *kx, const char *path)
{
	int rc = load_secret(path, "x25519-sk", kx->sk, KEY_X_BYTES);

	if (rc == 0 && crypto_scalarmult_base(kx->pk, kx->sk) != 0) {
		key_x25519_wipe(kx);
		rc = WIEC_ERR_KEY_FORMAT;
	}
	return rc;
}

void key_to_text(char out[static KEY_TEXT_BYTES], const uint8_t pk[static KEY_PK_BYTES])
{
	out[0] = 'w';
	out[1] = 'k';
	sodium_bin2base64(out + 2, KEY_TEXT_BYTES - 2, pk, KEY_PK_BYTES, B64URL);
}

int key_from_text(uint8_t pk[static KEY_PK_BYTES], const char *text)
{
	size_t len = strlen(text), got = 0;
	const char *end = NULL;
	char back[KEY_TEXT_BYTES];

	if (len == 2 * KEY_PK_BYTES) {
		if (sodium_hex2bin(pk, KEY_PK_BYTES, text, len, NULL, &got, &end) == 0 &&
		    got == KEY_PK_BYTES && *end == '\0')
			return 0;
		return WIEC_ERR_KEY_FORMAT;
	}
	if (len != KEY_TEXT_BYTES - 1 || text[0] != 'w' || text[1] != 'k')
		return WIEC_ERR_KEY_FORMAT;
	if (sodium_base642bin(pk, KEY_PK_BYTES, text + 2, len - 2, NULL, &got, &end, B64URL) != 0 ||
	    got != KEY_PK_BYTES || *end != '\0')
		return WIEC_ERR_KEY_FORMAT;
	/* Reject non-canonical spellings (stray low bits in the last character). */
	key_to_text(back, pk);
	return strcmp(back, text) == 0 ? 0 : WIEC_ERR_KEY_FORMAT;
}

static int sign_input(uint8_t **buf, size_t *blen, const char *domain,
    const uint8_t *ctx, const uint8_t *msg, size_t len)
{
	size_t dl = strlen(domain), cl = ctx ? 32 : 0;

	*blen = dl + cl + len;
	*buf = malloc(*blen ? *blen : 1);
	if (*buf == NULL)
		return WIEC_ERR_NOMEM;
	memcpy(*buf, domain, dl);
	if (cl)
		memcpy(*buf + dl, ctx, cl);
	if (len)
		memcpy(*buf + dl + cl, msg, len);
	return 0;
}

int key_sign(uint8_t sig[static KEY_SIG_BYTES], const key_pair_t *kp,
    const char *domain, const uint8_t *ctx, const uint8_t *msg, size_t len)
{
	uint8_t *buf;
	size_t blen;
	int rc = sign_input(&buf, &blen, domain, ctx, msg, len);

	if (rc != 0)
		return rc;
	rc = crypto_sign_detached(sig, NULL, buf, blen, kp->sk) == 0 ? 0 : WIEC_ERR_CRYPTO;
	free(buf);
	return rc;
}

int key_verify(const uint8_t sig[static KEY_SIG_BYTES], const uint8_t pk[static KEY_PK_BYTES],
    const char *domain, const uint8_t *ctx, const uint8_t *msg, size_t len)
{
	uint8_t stackbuf[2048], *buf = stackbuf;
	size_t dl = strlen(domain), cl = ctx ? 32 : 0, blen = dl + cl + len;
	int rc;

	/* The hot path of ingest: most events fit the stack buffer. */
	if (blen > sizeof stackbuf && (buf = malloc(blen)) == NULL)
		return WIEC_ERR_NOMEM;
	memcpy(buf, domain, dl);
	if (cl)
		memcpy(buf + dl, ctx, cl);
	if (len)
		memcpy(buf + dl + cl, msg, len);
	rc = crypto_sign_verify_detached(sig, buf, blen, pk) == 0 ? 0 : WIEC_ERR_SIG;
	if (buf != stackbuf)
		free(buf);
	return rc;
}
