/* test_key.c: Ed25519 known answers, domain-separated signatures, key files
 * and the printable key text (crypto/key.h). */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/err.h"
#include "crypto/key.h"
#include "tests/unit/fixtures.h"
#include "tests/unit/test.h"

/* RFC 8032, section 7.1, TEST 1, 2 and 3. */
static const struct {
	const char *sk, *pk, *msg, *sig;
} rfc8032[] = {
	{ "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	  "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
	  "",
	  "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bac"
	  "c61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b" },
	{ "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
	  "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
	  "72",
	  "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e"
	  "458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00" },
	{ "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
	  "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
	  "af82",
	  "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290"
	  "ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a" },
};

TEST(key_rfc8032_vectors)
{
	for (size_t i = 0; i < sizeof rfc8032 / sizeof rfc8032[0]; i++) {
		uint8_t seed[32], pk[32], want_pk[32], sk[64], msg[2], sig[64], want_sig[64];
		size_t mlen = strlen(rfc8032[i].msg) / 2;
		key_pair_t kp;

		CHECK(hash_from_hex(seed, 32, rfc8032[i].sk) == 0);
		CHECK(hash_from_hex(want_pk, 32, rfc8032[i].pk) == 0);
		CHECK(hash_from_hex(want_sig, 64, rfc8032[i].sig) == 0);
		CHECK(mlen == 0 || hash_from_hex(msg, mlen, rfc8032[i].msg) == 0);
		CHECK(crypto_sign_seed_keypair(pk, sk, seed) == 0);
		CHECK(memcmp(pk, want_pk, 32) == 0);
		CHECK(crypto_sign_detached(sig, NULL, msg, mlen, sk) == 0);
		CHECK(memcmp(sig, want_sig, 64) == 0);
		CHECK(crypto_sign_verify_detached(want_sig, msg, mlen, want_pk) == 0);
		want_sig[i] ^= 0x01;
		CHECK(crypto_sign_verify_detached(want_sig, msg, mlen, want_pk) != 0);
		/* key_from_seed is the same derivation. */
		CHECK(key_from_seed(&kp, seed) == 0);
		CHECK(memcmp(kp.pk, want_pk, 32) == 0);
		CHECK(memcmp(kp.sk, sk, 64) == 0);
	}
}

TEST(key_sign_domain_separation)
{
	static const uint8_t msg[] = "vote: yes on the bike lane";
	uint8_t ctx[32], ctx2[32], sig[KEY_SIG_BYTES], bad[KEY_SIG_BYTES], m2[sizeof msg];
	key_pair_t kp, other;

	fx_key(&kp, 0x01);
	fx_key(&other, 0x02);
	memset(ctx, 0xc1, sizeof ctx);
	memcpy(ctx2, ctx, sizeof ctx2);
	ctx2[31] ^= 1;
	CHECK(key_sign(sig, &kp, "wiec-event-v1", ctx, msg, sizeof msg) == 0);
	CHECK(key_verify(sig, kp.pk, "wiec-event-v1", ctx, msg, sizeof msg) == 0);
	/* What is signed is domain || ctx || msg, not msg alone. */
	CHECK(crypto_sign_verify_detached(sig, msg, sizeof msg, kp.pk) != 0);
	CHECK(key_verify(sig, kp.pk, "wiec-genesis-v1", ctx, msg, sizeof msg) == WIEC_ERR_SIG);
	CHECK(key_verify(sig, kp.pk, "wiec-event-v2", ctx, msg, sizeof msg) == WIEC_ERR_SIG);
	CHECK(key_verify(sig, kp.pk, "", ctx, msg, sizeof msg) == WIEC_ERR_SIG);
	CHECK(key_verify(sig, kp.pk, "wiec-event-v1", ctx2, msg, sizeof msg) == WIEC_ERR_SIG);
	CHECK(key_verify(sig, kp.pk, "wiec-event-v1", NULL, msg, sizeof msg) == WIEC_ERR_SIG);
	CHECK(key_verify(sig, other.pk, "wiec-event-v1", ctx, msg, sizeof msg) == WIEC_ERR_SIG);
	CHECK(key_verify(sig, kp.pk, "wiec-event-v1", ctx, msg, sizeof msg - 1) == WIEC_ERR_SIG);
	/* Any flipped bit of the message or of the signature is refused. */
	for (size_t bit = 0; bit < 8 * sizeof msg; bit++) {
		memcpy(m2, msg, sizeof msg);
		m2[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		CHECK(key_verify(sig, kp.pk, "wiec-event-v1", ctx, m2, sizeof msg) == WIEC_ERR_SIG);
	}
	for (size_t bit = 0; bit < 8 * KEY_SIG_BYTES; bit++) {
		memcpy(bad, sig, sizeof bad);
		bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		CHECK(key_verify(bad, kp.pk, "wiec-event-v1", ctx, msg, sizeof msg) == WIEC_ERR_SIG);
	}
	/* No context and an empty message are fine, and still bound to the domain. */
	CHECK(key_sign(sig, &kp, "wiec-genesis-v1", NULL, NULL, 0) == 0);
	CHECK(key_verify(sig, kp.pk, "wiec-genesis-v1", NULL, NULL, 0) == 0);
	CHECK(key_verify(sig, kp.pk, "wiec-network-v1", NULL, NULL, 0) == WIEC_ERR_SIG);
	/* Signatures are deterministic: the same input gives the same bytes. */
	CHECK(key_sign(bad, &kp, "wiec-genesis-v1", NULL, NULL, 0) == 0);
	CHECK(memcmp(bad, sig, sizeof sig) == 0);
}

TEST(key_save_load_roundtrip)
{
	char path[512];
	key_pair_t kp, got;
	struct stat st;
	mode_t old;

	fx_key(&kp, 0x11);
	snprintf(path, sizeof path, "%s/id.key", TEST_TMP);
	/* 0600 whatever the umask. */
	old = umask(0);
	CHECK(key_save(&kp, path, "wiec identity secret key") == 0);
	umask(old);
	CHECK(stat(path, &st) == 0);
	CHECK_EQ_U64(st.st_mode & 07777, 0600);
	memset(&got, 0, sizeof got);
	CHECK(key_load(&got, path) == 0);
	CHECK(memcmp(got.pk, kp.pk, KEY_PK_BYTES) == 0);
	CHECK(memcmp(got.sk, kp.sk, KEY_SK_BYTES) == 0);
	key_wipe(&got);
	CHECK(sodium_is_zero(got.sk, sizeof got.sk));
}

TEST(key_save_refuses_overwrite)
{
	char path[512];
	key_pair_t a, b, got;
	uint8_t *before, *after;
	size_t blen, alen;

	fx_key(&a, 0x21);
	fx_key(&b, 0x22);
	snprintf(path, sizeof path, "%s/id.key", TEST_TMP);
	CHECK(key_save(&a, path, "first") == 0);
	CHECK((before = fx_read_file(path, &blen)) != NULL);
	CHECK(key_save(&b, path, "second") == WIEC_ERR_EXISTS);
	after = fx_read_file(path, &alen);
	CHECK(after != NULL && alen == blen && memcmp(after, before, blen) == 0);
	free(before);
	free(after);
	CHECK(key_load(&got, path) == 0);
	CHECK(memcmp(got.pk, a.pk, KEY_PK_BYTES) == 0);
	/* A multi-line comment is refused and leaves nothing behind. */
	snprintf(path, sizeof path, "%s/two-lines.key", TEST_TMP);
	CHECK(key_save(&a, path, "one\ntwo") == WIEC_ERR_ARG);
	CHECK(access(path, F_OK) != 0);
}

TEST(key_load_refuses_open_modes)
{
	static const mode_t modes[] = { 0644, 0640, 0604, 0660, 0606, 0610, 0601 };
	char path[512];
	key_pair_t kp, got;

	fx_key(&kp, 0x31);
	snprintf(path, sizeof path, "%s/id.key", TEST_TMP);
	CHECK(key_save(&kp, path, "c") == 0);
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		CHECK(chmod(path, modes[i]) == 0);
		memset(&got, 0, sizeof got);
		CHECK(key_load(&got, path) == WIEC_ERR_KEY_MODE);
		CHECK(sodium_is_zero(got.sk, sizeof got.sk));
	}
	/* 0400 (read-only for the owner) is fine. */
	CHECK(chmod(path, 0400) == 0);
	CHECK(key_load(&got, path) == 0);
	snprintf(path, sizeof path, "%s/missing.key", TEST_TMP);
	CHECK(key_load(&got, path) == WIEC_ERR_NOTFOUND);
}

/* Writes text as a 0600 key file and loads it as an Ed25519 key. */
static int load_text(const char *dir, const char *text, size_t len)
{
	char path[512];
	key_pair_t kp;
	static int n;

	snprintf(path, sizeof path, "%s/k%d.key", dir, n++);
	if (fx_write_file(path, text, len, 0600) != 0)
		return 99;
	return key_load(&kp, path);
}

TEST(key_load_rejects_malformed)
{
	char path[512], good[KEY_FILE_MAX + 1], bad[2 * KEY_FILE_MAX];
	key_pair_t kp, other;
	uint8_t *buf;
	size_t len;
	char *b64;

	fx_key(&kp, 0x41);
	fx_key(&other, 0x42);
	snprintf(path, sizeof path, "%s/id.key", TEST_TMP);
	CHECK(key_save(&kp, path, "wiec identity") == 0);
	CHECK((buf = fx_read_file(path, &len)) != NULL);
	CHECK(len < sizeof good);
	memcpy(good, buf, len);
	good[len] = '\0';
	free(buf);
	CHECK((b64 = strstr(good, "wiec-ed25519-sk:")) != NULL);
	b64 += strlen("wiec-ed25519-sk:");
	/* The file as written loads. */
	CHECK(load_text(TEST_TMP, good, len) == 0);
	/* Empty, and no second line. */
	CHECK(load_text(TEST_TMP, "", 0) == WIEC_ERR_KEY_FORMAT);
	CHECK(load_text(TEST_TMP, good, (size_t)(b64 - good) - 17) == WIEC_ERR_KEY_FORMAT);
	/* Truncated anywhere in the base64, with or without the final newline. */
	for (size_t cut = (size_t)(b64 - good); cut < len; cut++) {
		CHECK(load_text(TEST_TMP, good, cut) == WIEC_ERR_KEY_FORMAT);
		memcpy(bad, good, cut);
		bad[cut] = '\n';
		if (cut + 1 != len)
			CHECK(load_text(TEST_TMP, bad, cut + 1) == WIEC_ERR_KEY_FORMAT);
	}
	/* A character that is not base64, and base64url instead of base64. */
	memcpy(bad, good, len);
	bad[b64 - good + 10] = '*';
	CHECK(load_text(TEST_TMP, bad, len) == WIEC_ERR_KEY_FORMAT);
	memcpy(bad, good, len);
	bad[len - 2] = 'A';	/* drops the '=' padding of 64 bytes */
	CHECK(load_text(TEST_TMP, bad, len) == WIEC_ERR_KEY_FORMAT);
	/* Wrong kind tags. */
	snprintf(bad, sizeof bad, "untrusted comment: x\nwiec-x25519-sk:%s", b64);
	CHECK(load_text(TEST_TMP, bad, strlen(bad)) == WIEC_ERR_KEY_FORMAT);
	snprintf(bad, sizeof bad, "untrusted comment: x\nwiec-ed25519-pk:%s", b64);
	CHECK(load_text(TEST_TMP, bad, strlen(bad)) == WIEC_ERR_KEY_FORMAT);
	snprintf(bad, sizeof bad, "untrusted comment: x\nWIEC-ED25519-SK:%s", b64);
	CHECK(load_text(TEST_TMP, bad, strlen(bad)) == WIEC_ERR_KEY_FORMAT);
	/* No comment line; a wrong first line. */
	snprintf(bad, sizeof bad, "wiec-ed25519-sk:%s", b64);
	CHECK(load_text(TEST_TMP, bad, strlen(bad)) == WIEC_ERR_KEY_FORMAT);
	snprintf(bad, sizeof bad, "trusted comment: x\nwiec-ed25519-sk:%s", b64);
	CHECK(load_text(TEST_TMP, bad, strlen(bad)) == WIEC_ERR_KEY_FORMAT);
	/* Extra lines after the key, or a blank line before it. */
	snprintf(bad, sizeof bad, "%sextra\n", good);
	CHECK(load_text(TEST_TMP, bad, strlen(bad)) == WIEC_ERR_KEY_FORMAT);
	snprintf(bad, sizeof bad, "%s\n", good);
	CHECK(load_text(TEST_TMP, bad, strlen(bad)) == WIEC_ERR_KEY_FORMAT);
	snprintf(bad, sizeof bad, "untrusted comment: x\n\nwiec-ed25519-sk:%s", b64);
	CHECK(load_text(TEST_TMP, bad, strlen(bad)) == WIEC_ERR_KEY_FORMAT);
	/* Longer than KEY_FILE_MAX (a huge comment). */
	memset(bad, 'c', sizeof bad);
	memcpy(bad, "untrusted comment: ", 19);
	snprintf(bad + KEY_FILE_MAX, sizeof bad - KEY_FILE_MAX, "\nwiec-ed25519-sk:%s", b64);
	CHECK(load_text(TEST_TMP, bad, strlen(bad)) == WIEC_ERR_KEY_FORMAT);
	/* Public half that is not the seed's: another key's pk after our seed. */
	{
		uint8_t sk[KEY_SK_BYTES];
		char enc[sodium_base64_ENCODED_LEN(KEY_SK_BYTES, sodium_base64_VARIANT_ORIGINAL)];

		memcpy(sk, kp.sk, 32);
		memcpy(sk + 32, other.pk, 32);
		sodium_bin2base64(enc, sizeof enc, sk, sizeof sk, sodium_base64_VARIANT_ORIGINAL);
		snprintf(bad, sizeof bad, "untrusted comment: x\nwiec-ed25519-sk:%s\n", enc);
		CHECK(load_text(TEST_TMP, bad, strlen(bad)) == WIEC_ERR_KEY_FORMAT);
		/* And the same bytes with the right pk load: the check is the pk. */
		memcpy(sk + 32, kp.pk, 32);
		sodium_bin2base64(enc, sizeof enc, sk, sizeof sk, sodium_base64_VARIANT_ORIGINAL);
		snprintf(bad, sizeof bad, "untrusted comment: x\nwiec-ed25519-sk:%s\n", enc);
		CHECK(load_text(TEST_TMP, bad, strlen(bad)) == 0);
		/* 32 bytes (a seed alone) is not an Ed25519 key file. */
		sodium_bin2base64(enc, sizeof enc, sk, 32, sodium_base64_VARIANT_ORIGINAL);
		snprintf(bad, sizeof bad, "untrusted comment: x\nwiec-ed25519-sk:%s\n", enc);
		CHECK(load_text(TEST_TMP, bad, strlen(bad)) == WIEC_ERR_KEY_FORMAT);
	}
}

TEST(key_parse_in_memory)
{
	static const char text[] =
	    "untrusted comment: t\nwiec-x25519-sk:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";
	uint8_t out[32];

	CHECK(key_parse(text, sizeof text - 1, "x25519-sk", out, 32) == 0);
	for (int i = 0; i < 32; i++)
		CHECK(out[i] == i);
	CHECK(key_parse(text, sizeof text - 1, "ed25519-sk", out, 32) == WIEC_ERR_KEY_FORMAT);
	CHECK(key_parse(text, sizeof text - 1, "x25519-sk", out, 31) == WIEC_ERR_KEY_FORMAT);
	CHECK(key_parse(text, sizeof text - 2, "x25519-sk", out, 32) == WIEC_ERR_KEY_FORMAT);
}

TEST(key_x25519_roundtrip)
{
	char path[512], path2[512];
	key_x25519_t kx, got;
	key_pair_t kp;
	struct stat st;
	uint8_t pk[32];

	CHECK(key_x25519_generate(&kx) == 0);
	CHECK(crypto_scalarmult_base(pk, kx.sk) == 0);
	CHECK(memcmp(pk, kx.pk, 32) == 0);
	snprintf(path, sizeof path, "%s/transport.key", TEST_TMP);
	CHECK(key_x25519_save(&kx, path, "transport") == 0);
	CHECK(stat(path, &st) == 0);
	CHECK_EQ_U64(st.st_mode & 07777, 0600);
	CHECK(key_x25519_save(&kx, path, "again") == WIEC_ERR_EXISTS);
	memset(&got, 0, sizeof got);
	CHECK(key_x25519_load(&got, path) == 0);
	CHECK(memcmp(got.sk, kx.sk, 32) == 0);
	CHECK(memcmp(got.pk, kx.pk, 32) == 0);
	/* The two kinds are not interchangeable. */
	CHECK(key_load(&kp, path) == WIEC_ERR_KEY_FORMAT);
	fx_key(&kp, 0x51);
	snprintf(path2, sizeof path2, "%s/id.key", TEST_TMP);
	CHECK(key_save(&kp, path2, "id") == 0);
	CHECK(key_x25519_load(&got, path2) == WIEC_ERR_KEY_FORMAT);
	CHECK(chmod(path, 0640) == 0);
	CHECK(key_x25519_load(&got, path) == WIEC_ERR_KEY_MODE);
	key_x25519_wipe(&kx);
	CHECK(sodium_is_zero(kx.sk, sizeof kx.sk));
}

TEST(key_text_roundtrip)
{
	unsigned long long seed = 0x6b6579ULL;
	char text[KEY_TEXT_BYTES], hex[2 * KEY_PK_BYTES + 1];
	uint8_t pk[KEY_PK_BYTES], got[KEY_PK_BYTES];

	for (int i = 0; i < 200; i++) {
		for (int j = 0; j < KEY_PK_BYTES; j++)
			pk[j] = (uint8_t)test_rand(&seed);
		key_to_text(text, pk);
		CHECK(strlen(text) == KEY_TEXT_BYTES - 1);
		CHECK(text[0] == 'w' && text[1] == 'k');
		CHECK(strspn(text + 2, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789-_") == KEY_TEXT_BYTES - 3);
		memset(got, 0, sizeof got);
		CHECK(key_from_text(got, text) == 0);
		CHECK(memcmp(got, pk, sizeof pk) == 0);
		/* 64 hex digits, either case. */
		hash_hex(hex, pk, sizeof pk);
		memset(got, 0, sizeof got);
		CHECK(key_from_text(got, hex) == 0);
		CHECK(memcmp(got, pk, sizeof pk) == 0);
		for (char *p = hex; *p; p++)
			if (*p >= 'a' && *p <= 'f')
				*p = (char)(*p - 'a' + 'A');
		CHECK(key_from_text(got, hex) == 0);
		CHECK(memcmp(got, pk, sizeof pk) == 0);
	}
}

TEST(key_text_rejects_bad)
{
	static const char b64url[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char text[KEY_TEXT_BYTES], bad[128], hex[2 * KEY_PK_BYTES + 1];
	uint8_t pk[KEY_PK_BYTES], got[KEY_PK_BYTES];
	const char *last;
	int idx, rejected = 0;

	memset(pk, 0x5a, sizeof pk);
	key_to_text(text, pk);
	hash_hex(hex, pk, sizeof pk);
	CHECK(key_from_text(got, "") == WIEC_ERR_KEY_FORMAT);
	CHECK(key_from_text(got, "wk") == WIEC_ERR_KEY_FORMAT);
	/* Wrong prefix, one character short or long. */
	snprintf(bad, sizeof bad, "wx%s", text + 2);
	CHECK(key_from_text(got, bad) == WIEC_ERR_KEY_FORMAT);
	snprintf(bad, sizeof bad, "WK%s", text + 2);
	CHECK(key_from_text(got, bad) == WIEC_ERR_KEY_FORMAT);
	snprintf(bad, sizeof bad, "%.*s", KEY_TEXT_BYTES - 2, text);
	CHECK(key_from_text(got, bad) == WIEC_ERR_KEY_FORMAT);
	snprintf(bad, sizeof bad, "%sA", text);
	CHECK(key_from_text(got, bad) == WIEC_ERR_KEY_FORMAT);
	/* Standard-base64 characters and padding are not base64url. */
	snprintf(bad, sizeof bad, "%s", text);
	bad[5] = '+';
	CHECK(key_from_text(got, bad) == WIEC_ERR_KEY_FORMAT);
	bad[5] = '/';
	CHECK(key_from_text(got, bad) == WIEC_ERR_KEY_FORMAT);
	snprintf(bad, sizeof bad, "%.*s=", KEY_TEXT_BYTES - 2, text);
	CHECK(key_from_text(got, bad) == WIEC_ERR_KEY_FORMAT);
	snprintf(bad, sizeof bad, " %s", text + 1);
	CHECK(key_from_text(got, bad) == WIEC_ERR_KEY_FORMAT);
	/* The last character carries 2 unused bits: every other spelling of the
	 * same bytes is refused, so one key has one text. */
	last = strchr(b64url, text[KEY_TEXT_BYTES - 2]);
	CHECK(last != NULL);
	idx = (int)(last - b64url);
	for (int low = 0; low < 4; low++) {
		int c = (idx & ~3) | low;

		if (c == idx)
			continue;
		snprintf(bad, sizeof bad, "%s", text);
		bad[KEY_TEXT_BYTES - 2] = b64url[c];
		CHECK(key_from_text(got, bad) == WIEC_ERR_KEY_FORMAT);
		rejected++;
	}
	CHECK(rejected == 3);
	/* Hex: 63 or 65 digits, a non-hex digit, separators. */
	snprintf(bad, sizeof bad, "%.63s", hex);
	CHECK(key_from_text(got, bad) == WIEC_ERR_KEY_FORMAT);
	snprintf(bad, sizeof bad, "%s0", hex);
	CHECK(key_from_text(got, bad) == WIEC_ERR_KEY_FORMAT);
	snprintf(bad, sizeof bad, "%s", hex);
	bad[10] = 'g';
	CHECK(key_from_text(got, bad) == WIEC_ERR_KEY_FORMAT);
	snprintf(bad, sizeof bad, "%.62s:", hex);
	CHECK(key_from_text(got, bad) == WIEC_ERR_KEY_FORMAT);
	snprintf(bad, sizeof bad, "%.63s ", hex);
	CHECK(key_from_text(got, bad) == WIEC_ERR_KEY_FORMAT);
}

/* A FIFO in place of a key file hung `wiec id` forever; a link could lead
 * the load to another file. Both are refused at once. */
TEST(key_load_refuses_non_regular)
{
	char path[512], target[512];
	key_pair_t kp, got;
	key_x25519_t kx;

	snprintf(path, sizeof path, "%s/fifo.key", TEST_TMP);
	CHECK(mkfifo(path, 0600) == 0);
	CHECK(key_load(&got, path) == WIEC_ERR_NOTREG);
	CHECK(key_x25519_load(&kx, path) == WIEC_ERR_NOTREG);
	CHECK(key_load(&got, TEST_TMP) == WIEC_ERR_NOTREG);
	fx_key(&kp, 0x32);
	snprintf(target, sizeof target, "%s/real.key", TEST_TMP);
	CHECK(key_save(&kp, target, "c") == 0);
	snprintf(path, sizeof path, "%s/link.key", TEST_TMP);
	CHECK(symlink(target, path) == 0);
	CHECK(key_load(&got, path) == WIEC_ERR_NOTREG);
	CHECK(key_load(&got, target) == 0);
}
