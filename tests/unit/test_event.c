/* test_event.c: building, decoding and verifying envelopes (proto/event.h)
 * and the known-answer file tests/vectors/events.txt.
 *
 * Broken envelopes are written byte by byte (the raw_* helpers) and signed
 * properly, so that each one breaks exactly the rule its test names. */
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/utf8.h>

#include "crypto/err.h"
#include "proto/event.h"
#include "proto/kind.h"
#include "tests/unit/fixtures.h"
#include "tests/unit/test.h"

#define VECTORS_PATH "tests/vectors/events.txt"

/* ---- a tiny protobuf writer ---- */

typedef struct buf {
	uint8_t *p;
	size_t n, cap;
} buf_t;

static void b_raw(buf_t *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		size_t cap = (b->n + n) * 2 + 64;

		if ((b->p = realloc(b->p, cap)) == NULL)
			abort();
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void b_byte(buf_t *b, uint8_t c)
{
	b_raw(b, &c, 1);
}

static void b_varint(buf_t *b, uint64_t v)
{
	do {
		b_byte(b, (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0)));
		v >>= 7;
	} while (v);
}

static void b_tag(buf_t *b, unsigned field, unsigned wt)
{
	b_varint(b, (uint64_t)field << 3 | wt);
}

static void b_bytes(buf_t *b, unsigned field, const void *p, size_t n)
{
	b_tag(b, field, 2);
	b_varint(b, n);
	b_raw(b, p, n);
}

static void b_str(buf_t *b, unsigned field, const char *s)
{
	b_bytes(b, field, s, strlen(s));
}

static void b_u64(buf_t *b, unsigned field, uint64_t v)
{
	b_tag(b, field, 0);
	b_varint(b, v);
}

static void b_reset(buf_t *b)
{
	b->n = 0;
}

static void b_free(buf_t *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

/* Fields 1..5 of a Body, canonically (zero and empty fields left out). */
static void raw_header(buf_t *b, const uint8_t *network, const uint8_t *author,
    uint64_t seq, const uint8_t *prev, uint64_t ts)
{
	b_bytes(b, 1, network, HASH_BYTES);
	b_bytes(b, 2, author, KEY_PK_BYTES);
	if (seq)
		b_u64(b, 3, seq);
	if (prev)
		b_bytes(b, 4, prev, HASH_BYTES);
	if (ts)
		b_u64(b, 5, ts);
}

/* An Idea message with title and (if non-empty) text. */
static void raw_idea(buf_t *c, const char *title, const char *text)
{
	b_reset(c);
	if (title[0])
		b_str(c, 1, title);
	if (text[0])
		b_str(c, 2, text);
}

/* Envelope { body, sig } with sig = kp's signature over domain || net || body. */
static void raw_seal_with(buf_t *env, const key_pair_t *kp, const char *domain,
    const uint8_t *net, const buf_t *body)
{
	uint8_t sig[KEY_SIG_BYTES];

	if (key_sign(sig, kp, domain, net, body->p, body->n) != 0)
		abort();
	b_reset(env);
	if (body->n)
		b_bytes(env, 1, body->p, body->n);
	b_bytes(env, 2, sig, sizeof sig);
}

static void raw_seal(buf_t *env, const key_pair_t *kp, const uint8_t *net, const buf_t *body)
{
	raw_seal_with(env, kp, EV_DOMAIN, net, body);
}

/* A whole idea event; the common starting point of the broken ones. */
static void raw_idea_event(buf_t *env, const key_pair_t *kp, const uint8_t *net,
    uint64_t seq, const uint8_t *prev, const char *title, const char *text)
{
	buf_t body = { 0 }, c = { 0 };

	raw_header(&body, net, kp->pk, seq, prev, FX_TS);
	raw_idea(&c, title, text);
	b_bytes(&body, 17, c.p, c.n);
	raw_seal(env, kp, net, &body);
	b_free(&body);
	b_free(&c);
}

static int check_env(const uint8_t *env, size_t len, const uint8_t *net)
{
	ev_t ev;
	int rc = ev_check(&ev, env, len, net);

	if (rc == 0)
		ev_free(&ev);
	return rc;
}

/* ---- building and reading back ---- */

TEST(event_build_and_check_kinds)
{
	uint8_t net[HASH_BYTES], id[HASH_BYTES];
	key_pair_t kp;
	fx_ev_t a, i, c;
	ev_t ev;

	fx_network(net);
	fx_key(&kp, 0x01);
	CHECK(fx_build(&a, &kp, net, 1, NULL, EV_ANNOUNCE, "Fundacja Zielone Miasto", NULL,
	    FX_TS) == 0);
	CHECK(fx_build(&i, &kp, net, 2, a.id, EV_IDEA, "Trees on the square", NULL,
	    FX_TS + 1) == 0);
	CHECK(fx_build(&c, &kp, net, 3, i.id, EV_COMMENT, "Yes,\n\tplease.", i.id,
	    FX_TS + 2) == 0);

	CHECK(ev_check(&ev, a.env, a.len, net) == 0);
	CHECK(ev.kind == EV_ANNOUNCE && strcmp(ev_kind_name(ev.kind), "announce") == 0);
	CHECK(ev.seq == 1 && ev.timestamp == FX_TS && ev.env == a.env && ev.env_len == a.len);
	CHECK(memcmp(ev.author, kp.pk, KEY_PK_BYTES) == 0);
	CHECK(memcmp(ev.network, net, HASH_BYTES) == 0);
	CHECK(sodium_is_zero(ev.prev, HASH_BYTES));
	CHECK(strcmp(ev.body->announce->name, "Fundacja Zielone Miasto") == 0);
	CHECK(ev.body->announce->role == WIEC__ROLE__ROLE_NGO);
	/* The id is BLAKE2b-256 of the envelope bytes, nothing else. */
	crypto_generichash(id, sizeof id, a.env, a.len, NULL, 0);
	CHECK(memcmp(ev.id, id, HASH_BYTES) == 0 && memcmp(a.id, id, HASH_BYTES) == 0);
	ev_free(&ev);
	ev_free(&ev);	/* safe twice */

	CHECK(ev_check(&ev, i.env, i.len, net) == 0);
	CHECK(ev.kind == EV_IDEA && strcmp(ev_kind_name(ev.kind), "idea") == 0);
	CHECK(ev.seq == 2 && memcmp(ev.prev, a.id, HASH_BYTES) == 0);
	CHECK(strcmp(ev.body->idea->title, "Trees on the square") == 0);
	ev_free(&ev);

	CHECK(ev_check(&ev, c.env, c.len, net) == 0);
	CHECK(ev.kind == EV_COMMENT && strcmp(ev_kind_name(ev.kind), "comment") == 0);
	CHECK(ev.seq == 3 && memcmp(ev.prev, i.id, HASH_BYTES) == 0);
	CHECK(ev.body->comment->target.len == HASH_BYTES);
	CHECK(memcmp(ev.body->comment->target.data, i.id, HASH_BYTES) == 0);
	CHECK(strcmp(ev.body->comment->text, "Yes,\n\tplease.") == 0);
	ev_free(&ev);
	CHECK(strcmp(ev_kind_name(99), "unknown") == 0);

	/* Deterministic: the same input builds the same bytes. */
	{
		fx_ev_t again;

		CHECK(fx_build(&again, &kp, net, 2, a.id, EV_IDEA, "Trees on the square", NULL,
		    FX_TS + 1) == 0);
		CHECK(again.len == i.len && memcmp(again.env, i.env, i.len) == 0);
		fx_free(&again, 1);
	}
	fx_free(&a, 1);
	fx_free(&i, 1);
	fx_free(&c, 1);
}

/* The raw writer must agree with protobuf-c, or the tests below would test
 * the writer rather than the decoder. */
TEST(event_raw_writer_is_canonical)
{
	uint8_t net[HASH_BYTES], prev[HASH_BYTES];
	buf_t env = { 0 };
	key_pair_t kp;
	fx_ev_t ev;

	fx_network(net);
	fx_key(&kp, 0x02);
	memset(prev, 0xab, sizeof prev);
	raw_idea_event(&env, &kp, net, 7, prev, "Bike lane", "More trees on the market square.\n"
	    "And benches.");
	CHECK(fx_build(&ev, &kp, net, 7, prev, EV_IDEA, "Bike lane", NULL, FX_TS) == 0);
	CHECK(env.n == ev.len && memcmp(env.p, ev.env, ev.len) == 0);
	CHECK(check_env(env.p, env.n, net) == 0);
	fx_free(&ev, 1);
	b_free(&env);
}

TEST(event_build_refuses)
{
	Wiec__Body b = WIEC__BODY__INIT;
	Wiec__Idea idea = WIEC__IDEA__INIT;
	uint8_t net[HASH_BYTES], *env = (uint8_t *)"x";
	key_pair_t kp, other;
	char *big;
	size_t len;

	fx_network(net);
	fx_key(&kp, 0x03);
	fx_key(&other, 0x04);
	b.network.data = net;
	b.network.len = HASH_BYTES;
	b.author.data = other.pk;
	b.author.len = KEY_PK_BYTES;
	b.seq = 1;
	b.content_case = WIEC__BODY__CONTENT_IDEA;
	b.idea = &idea;
	idea.title = (char *)"t";
	idea.text = (char *)"";
	/* Author must be the signer. */
	CHECK(ev_build(&env, &len, &kp, &b) == WIEC_ERR_FIELD && env == NULL);
	b.author.data = kp.pk;
	b.network.len = 31;
	CHECK(ev_build(&env, &len, &kp, &b) == WIEC_ERR_FIELD && env == NULL);
	b.network.len = HASH_BYTES;
	/* Never hands out what ev_decode would refuse. */
	idea.title = (char *)"";
	CHECK(ev_build(&env, &len, &kp, &b) == WIEC_ERR_FIELD && env == NULL);
	idea.title = (char *)"tab\tin title";
	CHECK(ev_build(&env, &len, &kp, &b) == WIEC_ERR_FIELD && env == NULL);
	idea.title = (char *)"t";
	b.seq = 1;	/* a prev at seq 1: no smaller seq exists */
	b.prev.data = (uint8_t *)kp.pk;
	b.prev.len = HASH_BYTES;
	CHECK(ev_build(&env, &len, &kp, &b) == WIEC_ERR_FIELD && env == NULL);
	b.prev.data = NULL;
	b.prev.len = 0;
	CHECK((big = malloc(EV_ENV_MAX + 2)) != NULL);
	memset(big, 'a', EV_TEXT_MAX + 1);
	big[EV_TEXT_MAX + 1] = '\0';
	idea.text = big;
	CHECK(ev_build(&env, &len, &kp, &b) == WIEC_ERR_FIELD && env == NULL);
	memset(big, 'a', EV_ENV_MAX + 1);
	big[EV_ENV_MAX + 1] = '\0';
	CHECK(ev_build(&env, &len, &kp, &b) == WIEC_ERR_TOO_BIG && env == NULL);
	big[EV_TEXT_MAX] = '\0';
	CHECK(ev_build(&env, &len, &kp, &b) == 0 && env != NULL);
	CHECK(check_env(env, len, net) == 0);
	free(env);
	free(big);
}

/* ---- structural rules ---- */

TEST(event_too_big)
{
	uint8_t net[HASH_BYTES];
	buf_t body = { 0 }, c = { 0 }, env = { 0 };
	key_pair_t kp;
	uint8_t *junk;
	char *text;

	fx_network(net);
	fx_key(&kp, 0x05);
	CHECK((junk = calloc(1, EV_ENV_MAX + 1)) != NULL);
	CHECK(check_env(junk, EV_ENV_MAX + 1, net) == WIEC_ERR_TOO_BIG);
	/* The bound is inclusive: EV_ENV_MAX bytes get past the size rule. */
	CHECK(check_env(junk, EV_ENV_MAX, net) != WIEC_ERR_TOO_BIG);
	free(junk);
	/* A signed envelope one byte over the bound. */
	CHECK((text = malloc(EV_ENV_MAX)) != NULL);
	for (size_t want = EV_ENV_MAX - 400; env.n != EV_ENV_MAX + 1; want++) {
		CHECK(want < EV_ENV_MAX);
		memset(text, 'a', want);
		text[want] = '\0';
		b_reset(&body);
		raw_header(&body, net, kp.pk, 1, NULL, FX_TS);
		raw_idea(&c, "big", text);
		b_bytes(&body, 17, c.p, c.n);
		raw_seal(&env, &kp, net, &body);
		if (env.n > EV_ENV_MAX + 1)
			break;
	}
	CHECK_EQ_U64(env.n, EV_ENV_MAX + 1);
	CHECK(check_env(env.p, env.n, net) == WIEC_ERR_TOO_BIG);
	free(text);
	b_free(&body);
	b_free(&c);
	b_free(&env);
}

TEST(event_decode_garbage)
{
	static const uint8_t junk1[] = { 0xff, 0xff, 0xff, 0xff };
	static const uint8_t junk2[] = { 0x0a, 0x05, 0x01 };	/* length past the end */
	static const uint8_t junk3[] = { 0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0x01 };	/* an 11-byte varint */
	uint8_t net[HASH_BYTES];
	buf_t env = { 0 }, body = { 0 }, good = { 0 };
	key_pair_t kp;

	fx_network(net);
	fx_key(&kp, 0x06);
	CHECK(check_env(junk1, sizeof junk1, net) == WIEC_ERR_DECODE);
	CHECK(check_env(junk2, sizeof junk2, net) == WIEC_ERR_DECODE);
	CHECK(check_env(junk3, sizeof junk3, net) == WIEC_ERR_DECODE);
	/* Every strict prefix of a good envelope is refused. */
	raw_idea_event(&good, &kp, net, 1, NULL, "t", "x");
	for (size_t cut = 0; cut < good.n; cut++)
		CHECK(check_env(good.p, cut, net) != 0);
	CHECK(check_env(good.p, good.n - 1, net) == WIEC_ERR_DECODE);
	/* An envelope whose body bytes are not a Body. */
	b_raw(&body, junk1, sizeof junk1);
	raw_seal(&env, &kp, net, &body);
	CHECK(check_env(env.p, env.n, net) == WIEC_ERR_DECODE);
	/* A known field with the wrong wire type (body as a varint). */
	b_reset(&env);
	b_u64(&env, 1, 5);
	{
		uint8_t sig[KEY_SIG_BYTES] = { 0 };

		b_bytes(&env, 2, sig, sizeof sig);
	}
	CHECK(check_env(env.p, env.n, net) == WIEC_ERR_DECODE);
	/* Body content of the wrong wire type: idea as a varint. */
	b_reset(&body);
	raw_header(&body, net, kp.pk, 1, NULL, FX_TS);
	b_u64(&body, 17, 1);
	raw_seal(&env, &kp, net, &body);
	CHECK(check_env(env.p, env.n, net) == WIEC_ERR_DECODE);
	b_free(&env);
	b_free(&body);
	b_free(&good);
}

TEST(event_noncanonical)
{
	uint8_t net[HASH_BYTES], sig[KEY_SIG_BYTES];
	buf_t env = { 0 }, body = { 0 }, c = { 0 }, e2 = { 0 };
	key_pair_t kp;

	fx_network(net);
	fx_key(&kp, 0x07);

	/* Envelope: a duplicated field appended (the last one wins on decode). */
	raw_idea_event(&env, &kp, net, 1, NULL, "t", "x");
	CHECK(check_env(env.p, env.n, net) == 0);
	memcpy(sig, env.p + env.n - KEY_SIG_BYTES, KEY_SIG_BYTES);
	b_raw(&e2, env.p, env.n);
	b_bytes(&e2, 2, sig, sizeof sig);
	CHECK(check_env(e2.p, e2.n, net) == WIEC_ERR_NONCANON);
	/* Envelope: sig before body. */
	b_reset(&e2);
	b_bytes(&e2, 2, sig, sizeof sig);
	b_raw(&e2, env.p, env.n - KEY_SIG_BYTES - 2);
	CHECK(check_env(e2.p, e2.n, net) == WIEC_ERR_NONCANON);
	/* Envelope: a non-minimal length varint for body. */
	{
		size_t blen = env.p[1];	/* the body is shorter than 128 bytes */

		CHECK(env.p[0] == 0x0a && blen < 0x80);
		b_reset(&e2);
		b_byte(&e2, 0x0a);
		b_byte(&e2, (uint8_t)(0x80 | blen));
		b_byte(&e2, 0x00);
		b_raw(&e2, env.p + 2, env.n - 2);
		CHECK(check_env(e2.p, e2.n, net) == WIEC_ERR_NONCANON);
	}

	/* Body: an explicit default (timestamp 0). */
	b_reset(&body);
	raw_header(&body, net, kp.pk, 1, NULL, 0);
	b_u64(&body, 5, 0);
	raw_idea(&c, "t", "x");
	b_bytes(&body, 17, c.p, c.n);
	raw_seal(&env, &kp, net, &body);
	CHECK(check_env(env.p, env.n, net) == WIEC_ERR_NONCANON);
	/* Body: seq as a non-minimal varint (0x81 0x00 is 1). */
	b_reset(&body);
	b_bytes(&body, 1, net, HASH_BYTES);
	b_bytes(&body, 2, kp.pk, KEY_PK_BYTES);
	b_tag(&body, 3, 0);
	b_byte(&body, 0x81);
	b_byte(&body, 0x00);
	b_bytes(&body, 17, c.p, c.n);
	raw_seal(&env, &kp, net, &body);
	CHECK(check_env(env.p, env.n, net) == WIEC_ERR_NONCANON);
	/* Body: author before network. */
	b_reset(&body);
	b_bytes(&body, 2, kp.pk, KEY_PK_BYTES);
	b_bytes(&body, 1, net, HASH_BYTES);
	b_u64(&body, 3, 1);
	b_bytes(&body, 17, c.p, c.n);
	raw_seal(&env, &kp, net, &body);
	CHECK(check_env(env.p, env.n, net) == WIEC_ERR_NONCANON);
	/* Body: the network given twice. */
	b_reset(&body);
	b_bytes(&body, 1, net, HASH_BYTES);
	b_bytes(&body, 1, net, HASH_BYTES);
	b_bytes(&body, 2, kp.pk, KEY_PK_BYTES);
	b_u64(&body, 3, 1);
	b_bytes(&body, 17, c.p, c.n);
	raw_seal(&env, &kp, net, &body);
	CHECK(check_env(env.p, env.n, net) == WIEC_ERR_NONCANON);
	/* Body: two kinds of content (a oneof; the last wins on decode). */
	b_reset(&body);
	raw_header(&body, net, kp.pk, 1, NULL, FX_TS);
	b_bytes(&body, 17, c.p, c.n);
	b_bytes(&body, 17, c.p, c.n);
	raw_seal(&env, &kp, net, &body);
	CHECK(check_env(env.p, env.n, net) == WIEC_ERR_NONCANON);
	/* Nested: an explicit empty idea text. */
	b_reset(&body);
	raw_header(&body, net, kp.pk, 1, NULL, FX_TS);
	b_reset(&c);
	b_str(&c, 1, "t");
	b_str(&c, 2, "");
	b_bytes(&body, 17, c.p, c.n);
	raw_seal(&env, &kp, net, &body);
	CHECK(check_env(env.p, env.n, net) == WIEC_ERR_NONCANON);
	/* Nested: an explicit role 0 (ROLE_NONE) in an announce. */
	b_reset(&body);
	raw_header(&body, net, kp.pk, 1, NULL, FX_TS);
	b_reset(&c);
	b_str(&c, 1, "name");
	b_u64(&c, 2, 0);
	b_bytes(&body, 16, c.p, c.n);
	raw_seal(&env, &kp, net, &body);
	CHECK(check_env(env.p, env.n, net) == WIEC_ERR_NONCANON);
	/* Nested: text before title. */
	b_reset(&body);
	raw_header(&body, net, kp.pk, 1, NULL, FX_TS);
	b_reset(&c);
	b_str(&c, 2, "x");
	b_str(&c, 1, "t");
	b_bytes(&body, 17, c.p, c.n);
	raw_seal(&env, &kp, net, &body);
	CHECK(check_env(env.p, env.n, net) == WIEC_ERR_NONCANON);
	/* A string with a NUL inside is not what protobuf-c writes back. */
	b_reset(&body);
	raw_header(&body, net, kp.pk, 1, NULL, FX_TS);
	b_reset(&c);
	b_bytes(&c, 1, "a\0b", 3);
	b_bytes(&body, 17, c.p, c.n);
	raw_seal(&env, &kp, net, &body);
	CHECK(check_env(env.p, env.n, net) == WIEC_ERR_NONCANON);
	b_free(&env);
	b_free(&e2);
	b_free(&body);
	b_free(&c);
}

TEST(event_unknown_fields)
{
	uint8_t net[HASH_BYTES];
	buf_t env = { 0 }, body = { 0 }, c = { 0 };
	key_pair_t kp;

	fx_network(net);
	fx_key(&kp, 0x08);
	/* Envelope field 3. */
	raw_idea_event(&env, &kp, net, 1, NULL, "t", "x");
	b_u64(&env, 3, 1);
	CHECK(check_env(env.p, env.n, net) == WIEC_ERR_UNKNOWN);
	/* Body field 6, and field 63 (a kind this version does not know). */
	raw_idea(&c, "t", "x");
	b_reset(&body);
	raw_header(&body, net, kp.pk, 1, NULL, FX_TS);
	b_u64(&body, 6, 1);
	b_bytes(&body, 17, c.p, c.n);
	raw_seal(&env, &kp, net, &body);
	CHECK(check_env(env.p, env.n, net) == WIEC_ERR_UNKNOWN);
	b_reset(&body);
	raw_header(&body, net, kp.pk, 1, NULL, FX_TS);
	b_bytes(&body, 63, c.p, c.n);
	raw_seal(&env, &kp, net, &body);
	CHECK(check_env(env.p, env.n, net) == WIEC_ERR_UNKNOWN);
	/* Unknown fields of other wire types (fixed64, fixed32). */
	b_reset(&body);
	raw_header(&body, net, kp.pk, 1, NULL, FX_TS);
	b_bytes(&body, 17, c.p, c.n);
	b_tag(&body, 40, 1);
	b_raw(&body, "12345678", 8);
	raw_seal(&env, &kp, net, &body);
	CHECK(check_env(env.p, env.n, net) == WIEC_ERR_UNKNOWN);
	b_reset(&body);
	raw_header(&body, net, kp.pk, 1, NULL, FX_TS);
	b_bytes(&body, 17, c.p, c.n);
	b_tag(&body, 41, 5);
	b_raw(&body, "1234", 4);
	raw_seal(&env, &kp, net, &body);
	CHECK(check_env(env.p, env.n, net) == WIEC_ERR_UNKNOWN);
	/* Inside the content: idea field 9, announce and comment field 3. */
	b_reset(&body);
	raw_header(&body, net, kp.pk, 1, NULL, FX_TS);
	raw_idea(&c, "t", "x");
	b_u64(&c, 9, 1);
	b_bytes(&body, 17, c.p, c.n);
	raw_seal(&env, &kp, net, &body);
	CHECK(check_env(env.p, env.n, net) == WIEC_ERR_UNKNOWN);
	b_reset(&body);
	raw_header(&body, net, kp.pk, 1, NULL, FX_TS);
	b_reset(&c);
	b_str(&c, 1, "name");
	b_str(&c, 3, "extra");
	b_bytes(&body, 16, c.p, c.n);
	raw_seal(&env, &kp, net, &body);
	CHECK(check_env(env.p, env.n, net) == WIEC_ERR_UNKNOWN);
	b_reset(&body);
	raw_header(&body, net, kp.pk, 1, NULL, FX_TS);
	b_reset(&c);
	b_bytes(&c, 1, net, HASH_BYTES);
	b_str(&c, 2, "reply");
	b_u64(&c, 9, 1);
	b_bytes(&body, 18, c.p, c.n);
	raw_seal(&env, &kp, net, &body);
	CHECK(check_env(env.p, env.n, net) == WIEC_ERR_UNKNOWN);
	b_free(&env);
	b_free(&body);
	b_free(&c);
}

/* Body with the header given, one content message, signed by kp. */
static int body_rc(const key_pair_t *kp, const uint8_t *net, const uint8_t *author,
    size_t author_len, uint64_t seq, const uint8_t *prev, size_t prev_len,
    unsigned kind_field, const buf_t *content)
{
	buf_t body = { 0 }, env = { 0 };
	int rc;

	b_bytes(&body, 1, net, HASH_BYTES);
	if (author_len)
		b_bytes(&body, 2, author, author_len);
	if (seq)
		b_u64(&body, 3, seq);
	if (prev_len)
		b_bytes(&body, 4, prev, prev_len);
	b_u64(&body, 5, FX_TS);
	if (kind_field)
		b_bytes(&body, kind_field, content->p, content->n);
	raw_seal(&env, kp, net, &body);
	rc = check_env(env.p, env.n, net);
	b_free(&body);
	b_free(&env);
	return rc;
}

static int idea_rc(const key_pair_t *kp, const uint8_t *net, const char *title, const char *text)
{
	buf_t c = { 0 };
	int rc;

	raw_idea(&c, title, text);
	rc = body_rc(kp, net, kp->pk, KEY_PK_BYTES, 1, NULL, 0, 17, &c);
	b_free(&c);
	return rc;
}

static int announce_rc(const key_pair_t *kp, const uint8_t *net, const char *name, int64_t role)
{
	buf_t c = { 0 };
	int rc;

	if (name[0])
		b_str(&c, 1, name);
	if (role)
		b_u64(&c, 2, (uint64_t)role);
	rc = body_rc(kp, net, kp->pk, KEY_PK_BYTES, 1, NULL, 0, 16, &c);
	b_free(&c);
	return rc;
}

static int comment_rc(const key_pair_t *kp, const uint8_t *net, size_t target_len,
    const char *text)
{
	uint8_t target[64];
	buf_t c = { 0 };
	int rc;

	memset(target, 0x33, sizeof target);
	if (target_len)
		b_bytes(&c, 1, target, target_len);
	if (text[0])
		b_str(&c, 2, text);
	rc = body_rc(kp, net, kp->pk, KEY_PK_BYTES, 1, NULL, 0, 18, &c);
	b_free(&c);
	return rc;
}

static char *repeat(char ch, size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL)
		abort();
	memset(s, ch, n);
	s[n] = '\0';
	return s;
}

TEST(event_field_rules)
{
	uint8_t net[HASH_BYTES], prev[64], sig[KEY_SIG_BYTES + 1];
	buf_t c = { 0 }, body = { 0 }, env = { 0 };
	key_pair_t kp;
	char *s;

	fx_network(net);
	fx_key(&kp, 0x09);
	memset(prev, 0x44, sizeof prev);
	raw_idea(&c, "t", "x");
	/* The baseline passes. */
	CHECK(body_rc(&kp, net, kp.pk, 32, 1, NULL, 0, 17, &c) == 0);
	CHECK(body_rc(&kp, net, kp.pk, 32, 2, prev, 32, 17, &c) == 0);
	/* Lengths of author and prev; seq and prev rules. */
	CHECK(body_rc(&kp, net, kp.pk, 31, 1, NULL, 0, 17, &c) == WIEC_ERR_FIELD);
	CHECK(body_rc(&kp, net, kp.pk, 0, 1, NULL, 0, 17, &c) == WIEC_ERR_FIELD);
	CHECK(body_rc(&kp, net, kp.pk, 32, 0, NULL, 0, 17, &c) == WIEC_ERR_FIELD);
	CHECK(body_rc(&kp, net, kp.pk, 32, 1, prev, 32, 17, &c) == WIEC_ERR_FIELD);
	/* A root above seq 1 (a device's first event through a node that held
	 * nothing of it) is valid; a prev of 32 zero bytes names no event. */
	CHECK(body_rc(&kp, net, kp.pk, 32, 2, NULL, 0, 17, &c) == 0);
	{
		static const uint8_t zero[HASH_BYTES];

		CHECK(body_rc(&kp, net, kp.pk, 32, 2, zero, 32, 17, &c) == WIEC_ERR_FIELD);
	}
	CHECK(body_rc(&kp, net, kp.pk, 32, 2, prev, 31, 17, &c) == WIEC_ERR_FIELD);
	CHECK(body_rc(&kp, net, kp.pk, 32, 2, prev, 33, 17, &c) == WIEC_ERR_FIELD);
	/* No content at all. */
	CHECK(body_rc(&kp, net, kp.pk, 32, 1, NULL, 0, 0, &c) == WIEC_ERR_FIELD);
	/* Network of the wrong length (checked before the signature). */
	b_bytes(&body, 1, net, 31);
	b_bytes(&body, 2, kp.pk, KEY_PK_BYTES);
	b_u64(&body, 3, 1);
	b_bytes(&body, 17, c.p, c.n);
	raw_seal(&env, &kp, net, &body);
	CHECK(check_env(env.p, env.n, net) == WIEC_ERR_FIELD);
	/* Envelope: signature of 63 or 65 bytes, or none; no body. */
	b_reset(&body);
	raw_header(&body, net, kp.pk, 1, NULL, FX_TS);
	b_bytes(&body, 17, c.p, c.n);
	memset(sig, 0x55, sizeof sig);
	for (size_t n = 0; n <= KEY_SIG_BYTES + 1; n += KEY_SIG_BYTES / 2) {
		size_t len = n == KEY_SIG_BYTES ? n - 1 : n;

		b_reset(&env);
		b_bytes(&env, 1, body.p, body.n);
		if (len)
			b_bytes(&env, 2, sig, len);
		CHECK(check_env(env.p, env.n, net) == WIEC_ERR_FIELD);
	}
	b_reset(&env);
	b_bytes(&env, 1, body.p, body.n);
	b_bytes(&env, 2, sig, KEY_SIG_BYTES + 1);
	CHECK(check_env(env.p, env.n, net) == WIEC_ERR_FIELD);
	b_reset(&env);
	b_bytes(&env, 2, sig, KEY_SIG_BYTES);
	CHECK(check_env(env.p, env.n, net) == WIEC_ERR_FIELD);
	CHECK(check_env(env.p, 0, net) == WIEC_ERR_FIELD);

	/* Idea title and text. */
	CHECK(idea_rc(&kp, net, "", "x") == WIEC_ERR_FIELD);
	CHECK(idea_rc(&kp, net, "t", "") == 0);
	s = repeat('t', EV_TITLE_MAX);
	CHECK(idea_rc(&kp, net, s, "") == 0);
	free(s);
	s = repeat('t', EV_TITLE_MAX + 1);
	CHECK(idea_rc(&kp, net, s, "") == WIEC_ERR_FIELD);
	free(s);
	s = repeat('x', EV_TEXT_MAX);
	CHECK(idea_rc(&kp, net, "t", s) == 0);
	free(s);
	s = repeat('x', EV_TEXT_MAX + 1);
	CHECK(idea_rc(&kp, net, "t", s) == WIEC_ERR_FIELD);
	free(s);
	CHECK(idea_rc(&kp, net, "line\nbreak", "") == WIEC_ERR_FIELD);
	CHECK(idea_rc(&kp, net, "tab\there", "") == WIEC_ERR_FIELD);
	CHECK(idea_rc(&kp, net, "t", "lines\nand\ttabs") == 0);
	CHECK(idea_rc(&kp, net, "t", "carriage\r\nreturn") == WIEC_ERR_FIELD);
	CHECK(idea_rc(&kp, net, "bell\a", "") == WIEC_ERR_FIELD);
	CHECK(idea_rc(&kp, net, "del\x7f", "") == WIEC_ERR_FIELD);
	CHECK(idea_rc(&kp, net, "esc\x1b[31m", "") == WIEC_ERR_FIELD);
	CHECK(idea_rc(&kp, net, "nel\xc2\x85", "") == WIEC_ERR_FIELD);
	CHECK(idea_rc(&kp, net, "bad \xc3\x28 utf8", "") == WIEC_ERR_FIELD);
	CHECK(idea_rc(&kp, net, "t", "bad \xff utf8") == WIEC_ERR_FIELD);
	CHECK(idea_rc(&kp, net, "overlong \xc0\xaf", "") == WIEC_ERR_FIELD);
	CHECK(idea_rc(&kp, net, "surrogate \xed\xa0\x80", "") == WIEC_ERR_FIELD);
	CHECK(idea_rc(&kp, net, "Zieleń \xe2\x80\x94 drzewa \xf0\x9f\x8c\xb3", "Łąka") == 0);

	/* Announce name and role. */
	CHECK(announce_rc(&kp, net, "Rada Osiedla", 0) == 0);
	CHECK(announce_rc(&kp, net, "Rada Osiedla", WIEC__ROLE__ROLE_OTHER) == 0);
	CHECK(announce_rc(&kp, net, "Rada Osiedla", WIEC__ROLE__ROLE_OTHER + 1) == WIEC_ERR_FIELD);
	CHECK(announce_rc(&kp, net, "Rada Osiedla", 1000) == WIEC_ERR_FIELD);
	CHECK(announce_rc(&kp, net, "Rada Osiedla", -1) == WIEC_ERR_FIELD);
	CHECK(announce_rc(&kp, net, "", 1) == WIEC_ERR_FIELD);
	CHECK(announce_rc(&kp, net, "two\nlines", 1) == WIEC_ERR_FIELD);
	CHECK(announce_rc(&kp, net, "ctl\x01", 1) == WIEC_ERR_FIELD);
	s = repeat('n', EV_NAME_MAX);
	CHECK(announce_rc(&kp, net, s, 1) == 0);
	free(s);
	s = repeat('n', EV_NAME_MAX + 1);
	CHECK(announce_rc(&kp, net, s, 1) == WIEC_ERR_FIELD);
	free(s);

	/* Comment target and text. */
	CHECK(comment_rc(&kp, net, 32, "ok") == 0);
	CHECK(comment_rc(&kp, net, 0, "ok") == WIEC_ERR_FIELD);
	CHECK(comment_rc(&kp, net, 31, "ok") == WIEC_ERR_FIELD);
	CHECK(comment_rc(&kp, net, 33, "ok") == WIEC_ERR_FIELD);
	CHECK(comment_rc(&kp, net, 32, "") == WIEC_ERR_FIELD);
	CHECK(comment_rc(&kp, net, 32, "multi\nline\tok") == 0);
	CHECK(comment_rc(&kp, net, 32, "bad \xe2\x82") == WIEC_ERR_FIELD);
	b_free(&c);
	b_free(&body);
	b_free(&env);
}

TEST(event_network_and_signature)
{
	uint8_t net[HASH_BYTES], other_net[HASH_BYTES];
	buf_t body = { 0 }, c = { 0 }, env = { 0 };
	key_pair_t kp, other;
	fx_ev_t ev;
	ev_t d;

	fx_network(net);
	memset(other_net, 0xee, sizeof other_net);
	fx_key(&kp, 0x0a);
	fx_key(&other, 0x0b);
	CHECK(fx_build(&ev, &kp, net, 1, NULL, EV_IDEA, "t", NULL, FX_TS) == 0);
	CHECK(check_env(ev.env, ev.len, net) == 0);
	/* Another network: decodes, but belongs elsewhere. */
	CHECK(check_env(ev.env, ev.len, other_net) == WIEC_ERR_NETWORK);
	CHECK(ev_decode(&d, ev.env, ev.len) == 0);
	CHECK(ev_verify(&d, other_net) == WIEC_ERR_NETWORK);
	CHECK(ev_verify(&d, net) == 0);
	ev_free(&d);
	/* A flipped signature byte. */
	ev.env[ev.len - 1] ^= 0x01;
	CHECK(check_env(ev.env, ev.len, net) == WIEC_ERR_SIG);
	ev.env[ev.len - 1] ^= 0x01;
	fx_free(&ev, 1);

	raw_header(&body, net, kp.pk, 1, NULL, FX_TS);
	raw_idea(&c, "t", "x");
	b_bytes(&body, 17, c.p, c.n);
	/* Signed by someone other than the author. */
	raw_seal(&env, &other, net, &body);
	CHECK(check_env(env.p, env.n, net) == WIEC_ERR_SIG);
	/* Signed without the domain, or under the genesis domain. */
	raw_seal_with(&env, &kp, "", net, &body);
	CHECK(check_env(env.p, env.n, net) == WIEC_ERR_SIG);
	raw_seal_with(&env, &kp, "wiec-genesis-v1", net, &body);
	CHECK(check_env(env.p, env.n, net) == WIEC_ERR_SIG);
	/* Signed for another network than the one in the body. */
	raw_seal(&env, &kp, other_net, &body);
	CHECK(check_env(env.p, env.n, net) == WIEC_ERR_SIG);
	/* Without the network in the signed bytes. */
	{
		uint8_t sig[KEY_SIG_BYTES];

		CHECK(key_sign(sig, &kp, EV_DOMAIN, NULL, body.p, body.n) == 0);
		b_reset(&env);
		b_bytes(&env, 1, body.p, body.n);
		b_bytes(&env, 2, sig, sizeof sig);
		CHECK(check_env(env.p, env.n, net) == WIEC_ERR_SIG);
	}
	raw_seal(&env, &kp, net, &body);
	CHECK(check_env(env.p, env.n, net) == 0);
	b_free(&body);
	b_free(&c);
	b_free(&env);
}

/* ---- properties ---- */

static const char *const pieces[] = {
	"a", "Z", "7", " ", ".", "ż", "Ł", "€", "—", "🌳", "ä", "日本", "\n", "\t",
};

static void rand_text(char *out, size_t max, int multiline, int min1, unsigned long long *seed)
{
	size_t n = 0, want = test_rand(seed) % max;

	out[0] = '\0';
	while (n < want) {
		const char *p = pieces[test_rand(seed) % (sizeof pieces / sizeof pieces[0])];

		if ((!multiline && (p[0] == '\n' || p[0] == '\t')) || n + strlen(p) >= max)
			break;
		memcpy(out + n, p, strlen(p) + 1);
		n += strlen(p);
	}
	if (min1 && n == 0)
		memcpy(out, "x", 2);
}

static int rand_event(fx_ev_t *ev, const key_pair_t *keys, size_t nkeys,
    const uint8_t *net, unsigned long long *seed)
{
	char text[200];
	uint8_t prev[HASH_BYTES], target[HASH_BYTES];
	uint64_t seq = 1 + test_rand(seed) % 3 * (test_rand(seed) % 1000);
	int kind = EV_ANNOUNCE + (int)(test_rand(seed) % 3);

	for (int i = 0; i < HASH_BYTES; i++) {
		prev[i] = (uint8_t)test_rand(seed);
		target[i] = (uint8_t)test_rand(seed);
	}
	rand_text(text, kind == EV_ANNOUNCE ? 100 : sizeof text, kind == EV_COMMENT, 1, seed);
	if (kind != EV_COMMENT)
		for (char *p = text; *p; p++)
			if (*p == '\n' || *p == '\t')
				*p = '_';
	return fx_build(ev, &keys[test_rand(seed) % nkeys], net, seq, seq > 1 ? prev : NULL,
	    kind, text, target, test_rand(seed) % 2 ? FX_TS + test_rand(seed) % 100000 : 0);
}

/* No envelope with a single byte changed is ever accepted. */
TEST(event_single_byte_flips_rejected)
{
	unsigned long long seed = 0x666c6970ULL;
	uint8_t net[HASH_BYTES];
	key_pair_t keys[8];
	size_t checked = 0;

	fx_network(net);
	for (int k = 0; k < 8; k++)
		fx_key(&keys[k], (uint8_t)(0x60 + k));
	for (int i = 0; i < 300; i++) {
		fx_ev_t ev;

		CHECK(rand_event(&ev, keys, 8, net, &seed) == 0);
		CHECK(check_env(ev.env, ev.len, net) == 0);
		if (i < 4) {
			/* Every position, with two different flips. */
			for (size_t pos = 0; pos < ev.len; pos++) {
				static const uint8_t masks[] = { 0x01, 0xff };

				for (int m = 0; m < 2; m++) {
					ev.env[pos] ^= masks[m];
					if (check_env(ev.env, ev.len, net) == 0) {
						fprintf(stderr, "  event %d: flip 0x%02x at %zu accepted\n",
						    i, masks[m], pos);
						CHECK(0);
					}
					ev.env[pos] ^= masks[m];
					checked++;
				}
			}
		} else {
			for (int r = 0; r < 16; r++) {
				size_t pos = test_rand(&seed) % ev.len;
				uint8_t mask = (uint8_t)(1 + test_rand(&seed) % 255);

				ev.env[pos] ^= mask;
				if (check_env(ev.env, ev.len, net) == 0) {
					fprintf(stderr, "  event %d: flip 0x%02x at %zu accepted\n",
					    i, mask, pos);
					CHECK(0);
				}
				ev.env[pos] ^= mask;
				checked++;
			}
		}
		CHECK(check_env(ev.env, ev.len, net) == 0);
		fx_free(&ev, 1);
	}
	CHECK(checked > 5000);
}

TEST(event_check_batch_matches_check)
{
	enum { N = 61 };
	unsigned long long seed = 0x6261746368ULL;
	static const int threads[] = { 0, 1, 2, 3, 8, 200 };
	uint8_t net[HASH_BYTES], other_net[HASH_BYTES];
	const uint8_t *envs[N];
	size_t lens[N];
	int want[N], rc[N], kinds = 0;
	fx_ev_t evs[N];
	key_pair_t keys[3];
	ev_t out[N], one;

	fx_network(net);
	memset(other_net, 0x01, sizeof other_net);
	for (int k = 0; k < 3; k++)
		fx_key(&keys[k], (uint8_t)(0x70 + k));
	for (int i = 0; i < N; i++) {
		CHECK(rand_event(&evs[i], keys, 3, i % 7 == 6 ? other_net : net, &seed) == 0);
		if (i % 3 == 1)
			evs[i].env[test_rand(&seed) % evs[i].len] ^= 0x20;
		envs[i] = evs[i].env;
		lens[i] = evs[i].len;
		want[i] = check_env(envs[i], lens[i], net);
	}
	/* The inputs cover acceptance and more than one kind of refusal. */
	for (int i = 0; i < N; i++)
		kinds |= want[i] == 0 ? 1 : want[i] == WIEC_ERR_NETWORK ? 2 :
		    want[i] == WIEC_ERR_SIG ? 4 : 8;
	CHECK(kinds == 15);
	for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
		for (size_t n = 0; n <= N; n += (n < 3 ? 1 : 29)) {
			memset(rc, 0x7f, sizeof rc);
			memset(out, 0, sizeof out);
			CHECK(ev_check_batch(out, rc, envs, lens, n, net, threads[t]) == 0);
			for (size_t i = 0; i < n; i++) {
				CHECK(rc[i] == want[i]);
				if (rc[i] == 0) {
					CHECK(ev_check(&one, envs[i], lens[i], net) == 0);
					CHECK(memcmp(out[i].id, one.id, HASH_BYTES) == 0);
					CHECK(out[i].seq == one.seq && out[i].env == envs[i]);
					ev_free(&one);
					ev_free(&out[i]);
				}
			}
		}
	}
	fx_free(evs, N);
}

TEST(event_text_ok_edges)
{
	static const struct {
		const char *s;
		int single, multi;	/* expected with multiline 0 / 1 */
	} cases[] = {
		{ "plain", 1, 1 },
		{ "tab\t", 0, 1 },
		{ "nl\n", 0, 1 },
		{ "cr\r", 0, 0 },
		{ "\x01", 0, 0 },
		{ "\x1f", 0, 0 },
		{ "\x7f", 0, 0 },
		{ "~ (0x7e)", 1, 1 },
		{ "\xc2\x80", 0, 0 },		/* U+0080, C1 control */
		{ "\xc2\x85", 0, 0 },		/* U+0085 NEL */
		{ "\xc2\x9f", 0, 0 },		/* U+009F, last C1 */
		{ "\xc2\xa0", 1, 1 },		/* U+00A0 */
		{ "\xc0\x80", 0, 0 },		/* overlong NUL */
		{ "\xc1\xbf", 0, 0 },		/* overlong U+007F */
		{ "\xe0\x80\x80", 0, 0 },	/* overlong */
		{ "\xe0\x9f\xbf", 0, 0 },	/* overlong U+07FF */
		{ "\xe0\xa0\x80", 1, 1 },	/* U+0800 */
		{ "\xed\x9f\xbf", 1, 1 },	/* U+D7FF */
		{ "\xed\xa0\x80", 0, 0 },	/* U+D800, surrogate */
		{ "\xed\xbf\xbf", 0, 0 },	/* U+DFFF, surrogate */
		{ "\xee\x80\x80", 1, 1 },	/* U+E000 */
		{ "\xf0\x8f\xbf\xbf", 0, 0 },	/* overlong U+FFFF */
		{ "\xf0\x90\x80\x80", 1, 1 },	/* U+10000 */
		{ "\xf4\x8f\xbf\xbf", 1, 1 },	/* U+10FFFF */
		{ "\xf4\x90\x80\x80", 0, 0 },	/* U+110000 */
		{ "\xf5\x80\x80\x80", 0, 0 },
		{ "\xf8\x88\x80\x80\x80", 0, 0 },	/* 5-byte form */
		{ "\xfe", 0, 0 },
		{ "\xff", 0, 0 },
		{ "\x80", 0, 0 },		/* lone continuation */
		{ "a\xbf", 0, 0 },
		{ "\xe2\x82", 0, 0 },		/* truncated at the end */
		{ "\xe2\x82z", 0, 0 },		/* truncated, then ASCII */
		{ "\xf0\x9f\x8c", 0, 0 },
		{ "\xe2\x82\xac", 1, 1 },	/* € */
		{ "\xf0\x9f\x8c\xb3", 1, 1 },	/* 🌳 */
		{ "\xe2\x80\x8b", 1, 1 },	/* U+200B: allowed, not a control */
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (ev_text_ok(cases[i].s, 0, 100, 0) != cases[i].single ||
		    ev_text_ok(cases[i].s, 0, 100, 1) != cases[i].multi) {
			fprintf(stderr, "  case %zu\n", i);
			CHECK(0);
		}
	}
	/* The same inside longer printable text, at every offset of the
	 * 8-byte words the ASCII fast path reads. */
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		for (size_t at = 0; at <= 9; at++) {
			char t[64];

			snprintf(t, sizeof t, "%.*s%s%s", (int)at, "0123456789", cases[i].s,
			    "klmnopqrstuvwxyz");
			if (ev_text_ok(t, 0, 100, 0) != cases[i].single ||
			    ev_text_ok(t, 0, 100, 1) != cases[i].multi) {
				fprintf(stderr, "  case %zu at %zu\n", i, at);
				CHECK(0);
			}
		}
	/* Every byte value at every place of a 24-byte ASCII text: alone, a
	 * byte is valid only if printable ASCII (or newline and tab, multiline). */
	for (unsigned b = 1; b < 256; b++)
		for (size_t at = 0; at < 24; at++) {
			char t[25];
			int ok1 = b >= 0x20 && b < 0x7f, okm = ok1 || b == '\n' || b == '\t';

			memset(t, 'x', 24);
			t[24] = 0;
			t[at] = (char)b;
			if (ev_text_ok(t, 0, 100, 0) != ok1 || ev_text_ok(t, 0, 100, 1) != okm) {
				fprintf(stderr, "  byte %02x at %zu\n", b, at);
				CHECK(0);
			}
		}
	/* Lengths are bytes, inclusive on both ends. */
	CHECK(ev_text_ok("", 0, 10, 0) == 1);
	CHECK(ev_text_ok("", 1, 10, 0) == 0);
	CHECK(ev_text_ok("abc", 3, 3, 0) == 1);
	CHECK(ev_text_ok("abcd", 3, 3, 0) == 0);
	CHECK(ev_text_ok("ab", 3, 3, 0) == 0);
	CHECK(ev_text_ok("\xe2\x82\xac", 1, 3, 0) == 1);	/* one character, 3 bytes */
	CHECK(ev_text_ok("\xe2\x82\xac", 1, 2, 0) == 0);
}

/* ev_text_ok's rule through ICU's UTF-8 decoder (U8_NEXT, which refuses
 * overlong forms, surrogates and anything past U+10FFFF): the reference,
 * written apart from proto/event.c. */
static int text_ok_ref(const unsigned char *p, int multiline)
{
	int32_t i = 0, n = (int32_t)strlen((const char *)p);

	while (i < n) {
		UChar32 c;

		U8_NEXT(p, i, n, c);
		if (c < 0 || c == 0x7f || (c >= 0x80 && c < 0xa0) ||
		    (c < 0x20 && !(multiline && (c == '\n' || c == '\t'))))
			return 0;
	}
	return 1;
}

/* The word-at-a-time path against the reference over
 * 200,000 random texts mixing printable runs, Polish letters, controls,
 * DEL, stray and truncated UTF-8 bytes, at every alignment. */
TEST(event_text_ok_matches_icu_reference)
{
	static const char *const texts[] = {
		"a", "Zb", "lorem ", "ipsum dolor sit", "\xc4\x85", "\xc5\x82", "\xc3\xb3",
		"\xe2\x82\xac", "\xf0\x9f\x98\x80", "\n", "\t", "\x01", "\x1f", "\x7f", "\x80",
		"\xc2\x85", "\xc4", "\xe2\x82", "\xed\xa0\x80", "\xc0\xaf", "\xff", " ", "~",
		"\r", "\x0b", "\x1b", "\xc2\xa0", "\xf4\x90\x80\x80", "\xef\xbf\xbf", "\xe0\x9f\xbf",
	};
	size_t nt = sizeof texts / sizeof texts[0];
	char t[256];
	int bad = 0;

	for (int n = 0; n < 200000 && !bad; n++) {
		size_t len = 0, want = 1 + randombytes_uniform(60);
		uint32_t r = randombytes_random();
		/* Mostly printable: one odd piece in about ten. */
		while (len < want) {
			const char *pc = texts[r % 4 == 0 ? randombytes_uniform((uint32_t)nt) :
			    randombytes_uniform(4)];
			size_t l = strlen(pc);

			if (len + l >= sizeof t - 1)
				break;
			memcpy(t + len, pc, l);
			len += l;
			r = randombytes_random();
		}
		t[len] = 0;
		for (int m = 0; m <= 1; m++)
			if (ev_text_ok(t, 0, sizeof t, m) != text_ok_ref((const unsigned char *)t, m)) {
				fprintf(stderr, "  differs (multiline %d) on:", m);
				for (size_t i = 0; i < len; i++)
					fprintf(stderr, " %02x", (unsigned char)t[i]);
				fprintf(stderr, "\n");
				bad = 1;
			}
	}
	CHECK(!bad);
}

/* ---- the kind table (proto/kind.c) ---- */

static void plain_str(FILE *f, const char *s)
{
	fprintf(f, "'%s'", s);
}

static const char *role_num(int role)
{
	static const char *const names[] = { "r0", "r1", "r2", "r3", "r4", "r5" };

	return role >= 0 && role < 6 ? names[role] : "r?";
}

/* Every member of Body's content oneof has a whole row: a kind added to the
 * schema without one fails here, not in a switch somewhere. */
TEST(event_kind_table_covers_content)
{
	const ProtobufCMessageDescriptor *d = &wiec__body__descriptor;
	const kind_fmt_t fmt = { plain_str, role_num };
	Wiec__Body b = WIEC__BODY__INIT;
	Wiec__Announce a = WIEC__ANNOUNCE__INIT;
	Wiec__Idea idea = WIEC__IDEA__INIT;
	uint8_t target[HASH_BYTES];
	Wiec__Comment c = WIEC__COMMENT__INIT;
	char *out = NULL;
	size_t len = 0, members = 0;
	FILE *f;

	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *fd = &d->fields[i];
		const kind_t *k;

		if (!(fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) ||
		    fd->quantifier_offset != offsetof(Wiec__Body, content_case))
			continue;
		members++;
		k = kind_find((int)fd->id);
		CHECK(k != NULL && k->check != NULL && k->text != NULL && k->json != NULL);
		CHECK(strcmp(k->name, fd->name) == 0 && strcmp(kind_name((int)fd->id), fd->name) == 0);
	}
	CHECK(members == 23);
	CHECK(kind_find(WIEC__BODY__CONTENT__NOT_SET) == NULL);
	CHECK(strcmp(kind_name(WIEC__BODY__CONTENT__NOT_SET), "unknown") == 0);
	CHECK(kind_check(&b) == WIEC_ERR_FIELD);

	/* What each row prints. */
	memset(target, 0xab, sizeof target);
	a.name = (char *)"Anna";
	a.role = WIEC__ROLE__ROLE_NGO;
	idea.title = (char *)"T";
	idea.text = (char *)"B";
	c.target.data = target;
	c.target.len = sizeof target;
	c.text = (char *)"C";
	CHECK((f = open_memstream(&out, &len)) != NULL);
	b.content_case = WIEC__BODY__CONTENT_ANNOUNCE;
	b.announce = &a;
	kind_find(b.content_case)->text(f, &b, &fmt);
	kind_find(b.content_case)->json(f, &b, &fmt);
	b.content_case = WIEC__BODY__CONTENT_IDEA;
	b.idea = &idea;
	kind_find(b.content_case)->text(f, &b, &fmt);
	kind_find(b.content_case)->json(f, &b, &fmt);
	b.content_case = WIEC__BODY__CONTENT_COMMENT;
	b.comment = &c;
	kind_find(b.content_case)->text(f, &b, &fmt);
	kind_find(b.content_case)->json(f, &b, &fmt);
	CHECK(fclose(f) == 0);
	CHECK(strcmp(out, "Anna (r2)\n, \"name\": 'Anna', \"role\": \"r2\""
	    "T\n, \"title\": 'T', \"body\": 'B', \"process\": null, \"category\": '', "
	    "\"location\": null, \"cost\": 0, \"unit\": '', \"edit\": null"
	    "on abababababababab: C\n"
	    ", \"on\": \"abababababababababababababababababababababababababababababababab\", "
	    "\"body\": 'C'") == 0);
	free(out);
}

/* ---- known-answer vectors: tests/vectors/events.txt ---- */

typedef struct vgen {
	FILE *f;
	uint8_t net[HASH_BYTES];
	key_pair_t alice, bob;
} vgen_t;

static void put_hex(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

static void emit_valid(vgen_t *g, const char *why, const buf_t *env, uint8_t id[HASH_BYTES])
{
	hash_2(id, env->p, env->n, NULL, 0);
	fprintf(g->f, "# %s\nvalid ", why);
	put_hex(g->f, env->p, env->n);
	fputc(' ', g->f);
	put_hex(g->f, id, HASH_BYTES);
	fputc('\n', g->f);
}

static void emit_invalid(vgen_t *g, const char *err, const char *why, const buf_t *env)
{
	fprintf(g->f, "# %s\ninvalid %s ", why, err);
	put_hex(g->f, env->p, env->n);
	fputc('\n', g->f);
}

/* Body of an event with the given header and one content message. */
static void vbody(buf_t *body, const uint8_t *net, const key_pair_t *kp, uint64_t seq,
    const uint8_t *prev, uint64_t ts, unsigned field, const buf_t *content)
{
	b_reset(body);
	raw_header(body, net, kp->pk, seq, prev, ts);
	b_bytes(body, field, content->p, content->n);
}

/* Body of alice seq 1 whose fields after author are the raw bytes given
 * (seq, timestamp ...), then the idea in g's scratch content `c`. */
static void vraw_body(buf_t *body, const vgen_t *g, const void *mid, size_t n, const buf_t *c)
{
	b_reset(body);
	b_bytes(body, 1, g->net, HASH_BYTES);
	b_bytes(body, 2, g->alice.pk, KEY_PK_BYTES);
	b_raw(body, mid, n);
	b_bytes(body, 17, c->p, c->n);
}

/* Writes the whole vectors file to f. Returns 0, or -1 if a step failed. */
static int gen_vectors(FILE *f)
{
	vgen_t g = { .f = f };
	buf_t c = { 0 }, body = { 0 }, env = { 0 }, e2 = { 0 };
	uint8_t *gen = NULL, a1[HASH_BYTES], a2[HASH_BYTES], a3[HASH_BYTES], b1[HASH_BYTES],
	    b2[HASH_BYTES], b3[HASH_BYTES], seed[32], other_net[HASH_BYTES], sig[KEY_SIG_BYTES];
	size_t glen;
	char *big;

	if (fx_genesis(&gen, &glen, g.net) != 0)
		return -1;
	fx_key(&g.alice, 0x01);
	fx_key(&g.bob, 0x02);
	memset(other_net, 0xee, sizeof other_net);
	fprintf(f,
	    "# wiec event test vectors (spec/events.md). Generated by the unit test\n"
	    "# event_vectors_generated; `WIEC_REGEN_VECTORS=1 ./build/unit-tests\n"
	    "# event_vectors` rewrites this file, which must then be reviewed.\n"
	    "#\n"
	    "# One record per line, fields separated by one space, binary as lowercase hex:\n"
	    "#   genesis <genesis-hex>          the signed one-founder genesis below\n"
	    "#   network <id-hex>               its network id, BLAKE2b-256(\"wiec-network-v1\" || body)\n"
	    "#   key <name> <seed-hex> <pk-hex> an Ed25519 key from a 32-byte seed (RFC 8032)\n"
	    "#   valid <envelope-hex> <id-hex>  passes ev_decode and ev_verify for the network;\n"
	    "#                                  id = BLAKE2b-256(envelope)\n"
	    "#   invalid <error> <envelope-hex> fails with exactly this error, one of\n"
	    "#     too_big decode noncanon unknown field network sig\n"
	    "#     (WIEC_ERR_TOO_BIG ... WIEC_ERR_SIG in crypto/err.h)\n"
	    "# Lines starting with '#' are comments and each record's comment says what\n"
	    "# it is. Records appear in this order: genesis, network, keys, events.\n"
	    "# Valid events form chains: ingested in file order they are all ADDED.\n"
	    "# Timestamps are fixed (1700000000000 ms and on).\n"
	    "#\n");
	fprintf(f, "# Founder: key 'founder' below, name \"Gmina Testowo\", role city,\n"
	    "# transport key 32 bytes of 0x7a, genesis name \"testowo\", quorum 1.\n");
	fprintf(f, "genesis ");
	put_hex(f, gen, glen);
	fprintf(f, "\nnetwork ");
	put_hex(f, g.net, HASH_BYTES);
	fputc('\n', f);
	free(gen);
	{
		const struct { const char *name; uint8_t b; } ks[] = {
			{ "founder", FX_FOUNDER_SEED }, { "alice", 0x01 }, { "bob", 0x02 },
		};

		fprintf(f, "# Seeds are 32 equal bytes.\n");
		for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
			key_pair_t kp;

			fx_key(&kp, ks[i].b);
			memset(seed, ks[i].b, sizeof seed);
			fprintf(f, "key %s ", ks[i].name);
			put_hex(f, seed, 32);
			fputc(' ', f);
			put_hex(f, kp.pk, 32);
			fputc('\n', f);
		}
	}

	/* Valid. */
	b_reset(&c);
	b_str(&c, 1, "Alicja Nowak");
	b_u64(&c, 2, WIEC__ROLE__ROLE_NGO);
	vbody(&body, g.net, &g.alice, 1, NULL, FX_TS, 16, &c);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_valid(&g, "alice seq 1: announce, name \"Alicja Nowak\", role ngo (2)", &env, a1);

	raw_idea(&c, "Bike lane on Main Street", "Paint it green.\nSeparate it from the cars.");
	vbody(&body, g.net, &g.alice, 2, a1, FX_TS + 1000, 17, &c);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_valid(&g, "alice seq 2: idea with prev = alice seq 1; text has a newline", &env, a2);

	b_reset(&c);
	b_bytes(&c, 1, a2, HASH_BYTES);
	b_str(&c, 2, "Agreed.\tAlso on Oak Street.");
	vbody(&body, g.net, &g.alice, 3, a2, FX_TS + 2000, 18, &c);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_valid(&g, "alice seq 3: comment on alice seq 2 (target = its id)", &env, a3);

	raw_idea(&c, "Zieleń na rynku — więcej drzew 🌳", "Łąka zamiast parkingu. Gęsi też.");
	vbody(&body, g.net, &g.bob, 1, NULL, FX_TS + 3000, 17, &c);
	raw_seal(&env, &g.bob, g.net, &body);
	emit_valid(&g, "bob seq 1: idea with a non-ASCII title (Polish, an em dash, U+1F333)",
	    &env, b1);

	b_reset(&c);
	b_bytes(&c, 1, a2, HASH_BYTES);
	b_str(&c, 2, "Tak!");
	vbody(&body, g.net, &g.bob, 2, b1, 0, 18, &c);
	raw_seal(&env, &g.bob, g.net, &body);
	emit_valid(&g, "bob seq 2: comment on alice seq 2; timestamp 0 (left out)", &env, b2);

	/* Invalid: each breaks one rule of an otherwise valid event. */
	raw_idea(&c, "Bike lane on Main Street", "Paint it green.\nSeparate it from the cars.");
	vbody(&body, g.net, &g.alice, 2, a1, FX_TS + 1000, 17, &c);
	raw_seal(&env, &g.alice, g.net, &body);
	env.p[env.n - 1] ^= 0x01;
	emit_invalid(&g, "sig", "alice seq 2 with the last signature byte flipped", &env);

	raw_seal(&env, &g.bob, g.net, &body);
	emit_invalid(&g, "sig", "alice seq 2 signed by bob (author field still alice)", &env);

	raw_seal_with(&env, &g.alice, "wiec-genesis-v1", g.net, &body);
	emit_invalid(&g, "sig", "alice seq 2 signed under the domain \"wiec-genesis-v1\"", &env);

	b_reset(&c);
	b_str(&c, 1, "Alicja Nowak");
	b_u64(&c, 2, WIEC__ROLE__ROLE_NGO);
	vbody(&body, other_net, &g.alice, 1, NULL, FX_TS, 16, &c);
	raw_seal(&env, &g.alice, other_net, &body);
	emit_invalid(&g, "network", "alice seq 1 for network 32 bytes of 0xee (validly signed)",
	    &env);

	raw_idea(&c, "Bike lane", "");
	b_reset(&body);
	raw_header(&body, g.net, &g.alice.pk[0], 1, NULL, 0);
	b_u64(&body, 5, 0);
	b_bytes(&body, 17, c.p, c.n);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_invalid(&g, "noncanon", "body with an explicit default: timestamp = 0 encoded", &env);

	b_reset(&body);
	b_bytes(&body, 1, g.net, HASH_BYTES);
	b_bytes(&body, 2, g.alice.pk, KEY_PK_BYTES);
	b_tag(&body, 3, 0);
	b_byte(&body, 0x81);
	b_byte(&body, 0x00);
	b_bytes(&body, 17, c.p, c.n);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_invalid(&g, "noncanon", "body with seq 1 as the non-minimal varint 81 00", &env);

	vbody(&body, g.net, &g.alice, 1, NULL, FX_TS, 17, &c);
	raw_seal(&env, &g.alice, g.net, &body);
	memcpy(sig, env.p + env.n - KEY_SIG_BYTES, KEY_SIG_BYTES);
	b_reset(&e2);
	b_bytes(&e2, 2, sig, sizeof sig);
	b_bytes(&e2, 1, body.p, body.n);
	emit_invalid(&g, "noncanon", "envelope with sig (field 2) before body (field 1)", &e2);

	b_reset(&e2);
	b_raw(&e2, env.p, env.n);
	b_bytes(&e2, 2, sig, sizeof sig);
	emit_invalid(&g, "noncanon", "envelope with the sig field given twice", &e2);

	vbody(&body, g.net, &g.alice, 1, NULL, FX_TS, 17, &c);
	b_u64(&body, 6, 1);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_invalid(&g, "unknown", "body with unknown field 6 (varint 1) after the idea", &env);

	vbody(&body, g.net, &g.alice, 1, NULL, FX_TS, 63, &c);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_invalid(&g, "unknown", "body whose content is field 63, a kind not defined", &env);

	b_reset(&e2);
	b_str(&e2, 1, "Bike lane");
	b_str(&e2, 9, "extra");
	vbody(&body, g.net, &g.alice, 1, NULL, FX_TS, 17, &e2);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_invalid(&g, "unknown", "idea with unknown field 9 (a string)", &env);

	vbody(&body, g.net, &g.alice, 1, NULL, FX_TS, 17, &c);
	raw_seal(&env, &g.alice, g.net, &body);
	b_u64(&env, 3, 1);
	emit_invalid(&g, "unknown", "envelope with unknown field 3 (varint 1)", &env);

	vbody(&body, g.net, &g.alice, 0, NULL, FX_TS, 17, &c);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_invalid(&g, "field", "seq 0 (field 3 absent)", &env);

	vbody(&body, g.net, &g.alice, 1, a1, FX_TS, 17, &c);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_invalid(&g, "field", "seq 1 with a prev", &env);

	{
		static const uint8_t zero[HASH_BYTES];

		vbody(&body, g.net, &g.alice, 2, zero, FX_TS, 17, &c);
		raw_seal(&env, &g.alice, g.net, &body);
		emit_invalid(&g, "field", "seq 2 with a prev of 32 zero bytes (no event's id)", &env);
	}

	b_reset(&body);
	b_bytes(&body, 1, g.net, HASH_BYTES);
	b_bytes(&body, 2, g.alice.pk, KEY_PK_BYTES);
	b_u64(&body, 3, 2);
	b_bytes(&body, 4, a1, HASH_BYTES - 1);
	b_u64(&body, 5, FX_TS);
	b_bytes(&body, 17, c.p, c.n);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_invalid(&g, "field", "seq 2 with a 31-byte prev (alice seq 1's id without its last byte)",
	    &env);

	raw_idea(&e2, "", "text only");
	vbody(&body, g.net, &g.alice, 1, NULL, FX_TS, 17, &e2);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_invalid(&g, "field", "idea with an empty title", &env);

	raw_idea(&e2, "Bike \xc3\x28 lane", "");
	vbody(&body, g.net, &g.alice, 1, NULL, FX_TS, 17, &e2);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_invalid(&g, "field", "idea title with invalid UTF-8 (c3 28)", &env);

	raw_idea(&e2, "Bike lane", "over\xed\xa0\x80surrogate");
	vbody(&body, g.net, &g.alice, 1, NULL, FX_TS, 17, &e2);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_invalid(&g, "field", "idea text with an encoded surrogate U+D800 (ed a0 80)", &env);

	b_reset(&e2);
	b_str(&e2, 1, "Alicja\x1b[31m");
	vbody(&body, g.net, &g.alice, 1, NULL, FX_TS, 16, &e2);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_invalid(&g, "field", "announce name with a control character (ESC)", &env);

	b_reset(&e2);
	b_str(&e2, 1, "Alicja Nowak");
	b_u64(&e2, 2, 6);
	vbody(&body, g.net, &g.alice, 1, NULL, FX_TS, 16, &e2);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_invalid(&g, "field", "announce with role 6 (ROLE_OTHER is 5)", &env);

	b_reset(&e2);
	b_bytes(&e2, 1, a2, HASH_BYTES - 1);
	b_str(&e2, 2, "Agreed.");
	vbody(&body, g.net, &g.alice, 1, NULL, FX_TS, 18, &e2);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_invalid(&g, "field", "comment with a 31-byte target", &env);

	vbody(&body, g.net, &g.alice, 1, NULL, FX_TS, 17, &c);
	raw_seal(&env, &g.alice, g.net, &body);
	b_reset(&e2);
	b_bytes(&e2, 1, body.p, body.n);
	b_bytes(&e2, 2, env.p + env.n - KEY_SIG_BYTES, KEY_SIG_BYTES - 1);
	emit_invalid(&g, "field", "envelope with a 63-byte signature", &e2);

	b_reset(&e2);
	b_raw(&e2, env.p, env.n - 1);
	emit_invalid(&g, "decode", "a valid envelope without its last byte (truncated)", &e2);

	b_reset(&body);
	b_raw(&body, "\xff\xff\xff\xff", 4);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_invalid(&g, "decode", "envelope whose body bytes (ff ff ff ff) are not a Body", &env);

	/* Section 1 of the spec, case by case (added for issue 9). The idea
	 * "Bike lane" of alice seq 1 is the base; each breaks one encoding rule. */
	raw_idea(&c, "Plant oaks", "");
	b_reset(&body);
	raw_header(&body, g.net, g.bob.pk, 3, b2, 0);
	b_tag(&body, 5, 0);
	b_raw(&body, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10);
	b_bytes(&body, 17, c.p, c.n);
	raw_seal(&env, &g.bob, g.net, &body);
	emit_valid(&g, "bob seq 3: idea with timestamp 2^64-1, a 10-byte varint ending 01 (valid)",
	    &env, b3);

	/* The deliberation model's kinds (spec/model.md). */
	{
		key_pair_t fd;
		uint8_t m1[HASH_BYTES], m2[HASH_BYTES], x[HASH_BYTES];
		buf_t ph = { 0 };

		fx_key(&fd, FX_FOUNDER_SEED);
		b_reset(&ph);
		b_str(&ph, 1, "ideation");
		b_reset(&c);
		b_u64(&c, 1, WIEC__PROCESS_KIND__PROCESS_CONSULTATION);
		b_str(&c, 2, "Zielony rynek");
		b_bytes(&c, 4, fd.pk, KEY_PK_BYTES);
		b_bytes(&c, 6, ph.p, ph.n);
		vbody(&body, g.net, &fd, 1, NULL, FX_TS + 5000, 19, &c);
		raw_seal(&env, &fd, g.net, &body);
		emit_valid(&g, "founder seq 1: process (consultation, owner founder, one phase "
		    "\"ideation\")", &env, m1);

		b_reset(&c);
		b_bytes(&c, 1, a2, HASH_BYTES);
		b_u64(&c, 2, WIEC__IDEA_STATUS__STATUS_UNDER_REVIEW);
		b_str(&c, 3, "Przekazane do wydziału zieleni.");
		vbody(&body, g.net, &fd, 2, m1, FX_TS + 6000, 21, &c);
		raw_seal(&env, &fd, g.net, &body);
		emit_valid(&g, "founder seq 2: status under_review (2) of alice seq 2, with a reason",
		    &env, m2);

		b_reset(&c);
		b_bytes(&c, 1, a2, HASH_BYTES);
		vbody(&body, g.net, &g.bob, 4, b3, FX_TS + 7000, 23, &c);
		raw_seal(&env, &g.bob, g.net, &body);
		emit_valid(&g, "bob seq 4: support of alice seq 2", &env, x);

		b_reset(&c);
		b_bytes(&c, 1, a2, HASH_BYTES);
		b_u64(&c, 2, WIEC__IDEA_STATUS__STATUS_UNDER_REVIEW);
		vbody(&body, g.net, &fd, 3, m2, FX_TS + 8000, 21, &c);
		raw_seal(&env, &fd, g.net, &body);
		emit_invalid(&g, "field", "status without a reason", &env);

		b_reset(&c);
		b_bytes(&c, 1, a2, HASH_BYTES);
		b_u64(&c, 2, 8);
		b_str(&c, 3, "r");
		vbody(&body, g.net, &fd, 3, m2, FX_TS + 8000, 21, &c);
		raw_seal(&env, &fd, g.net, &body);
		emit_invalid(&g, "field", "status 8 (STATUS_IMPLEMENTED is 7)", &env);

		b_reset(&c);
		b_u64(&c, 1, WIEC__PROCESS_KIND__PROCESS_IDEAS);
		b_str(&c, 2, "Cudzy proces");
		b_bytes(&c, 4, g.alice.pk, KEY_PK_BYTES);
		b_bytes(&c, 6, ph.p, ph.n);
		vbody(&body, g.net, &fd, 3, m2, FX_TS + 8000, 19, &c);
		raw_seal(&env, &fd, g.net, &body);
		emit_invalid(&g, "field", "process whose owners do not include its author", &env);

		b_reset(&c);
		b_bytes(&c, 1, a2, HASH_BYTES);
		b_bytes(&c, 2, a2, HASH_BYTES);
		b_str(&c, 4, "r");
		vbody(&body, g.net, &fd, 3, m2, FX_TS + 8000, 24, &c);
		raw_seal(&env, &fd, g.net, &body);
		emit_invalid(&g, "field", "link of an idea to itself", &env);
		b_free(&ph);
	}

	raw_idea(&c, "Bike lane", "");
	vraw_body(&body, &g, "\x18\x81\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00", 12, &c);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_invalid(&g, "decode", "seq 1 as an 11-byte varint (81, nine 80, 00)", &env);

	vraw_body(&body, &g, "\x18\x01\x28\x80\x80\x80\x80\x80\x80\x80\x80\x80\x02", 13, &c);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_invalid(&g, "decode", "timestamp as a 10-byte varint whose last byte is 02 (65 bits)",
	    &env);

	vraw_body(&body, &g, "\x18\x01\x28\x80\xa0\xc0\xff\xbc\xb1\x80\x80\x80\x00", 13, &c);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_invalid(&g, "noncanon", "timestamp as a 10-byte varint whose last byte is 00 "
	    "(non-minimal)", &env);

	vraw_body(&body, &g, "\x98\x00\x01", 3, &c);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_invalid(&g, "noncanon", "the tag of seq as the non-minimal varint 98 00", &env);

	b_reset(&body);
	b_tag(&body, 1, 2);
	b_raw(&body, "\xa0\x00", 2);
	b_raw(&body, g.net, HASH_BYTES);
	b_bytes(&body, 2, g.alice.pk, KEY_PK_BYTES);
	b_u64(&body, 3, 1);
	b_bytes(&body, 17, c.p, c.n);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_invalid(&g, "noncanon", "the length of network (32) as the non-minimal varint a0 00",
	    &env);

	vraw_body(&body, &g, "\x1a\x01\x01", 3, &c);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_invalid(&g, "decode", "seq with wire type 2 (a uint64 is wire type 0)", &env);

	vraw_body(&body, &g, "\x18\x01\x02\x00", 4, &c);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_invalid(&g, "decode", "a record of field number 0", &env);

	vraw_body(&body, &g, "\x18\x01\x33\x34", 4, &c);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_invalid(&g, "decode", "unknown field 6 with wire type 3 (a group): decode, not unknown",
	    &env);

	b_reset(&body);
	raw_header(&body, g.net, g.alice.pk, 1, NULL, FX_TS);
	b_tag(&body, 16, 0);
	b_byte(&body, 0x01);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_invalid(&g, "decode", "content announce (field 16) with wire type 0", &env);

	b_reset(&e2);
	b_str(&e2, 1, "Alicja Nowak");
	b_tag(&e2, 2, 0);
	b_raw(&e2, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10);
	vbody(&body, g.net, &g.alice, 1, NULL, FX_TS, 16, &e2);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_invalid(&g, "field", "announce with role -1 as the 10-byte varint ff..ff 01: canonical, "
	    "out of 0..5", &env);

	b_reset(&e2);
	b_str(&e2, 1, "Alicja Nowak");
	b_tag(&e2, 2, 0);
	b_raw(&e2, "\xff\xff\xff\xff\x0f", 5);
	vbody(&body, g.net, &g.alice, 1, NULL, FX_TS, 16, &e2);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_invalid(&g, "noncanon", "announce with role -1 as the 5-byte varint ff ff ff ff 0f", &env);

	b_reset(&e2);
	b_str(&e2, 1, "Alicja Nowak");
	b_u64(&e2, 2, (1ULL << 32) + 2);
	vbody(&body, g.net, &g.alice, 1, NULL, FX_TS, 16, &e2);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_invalid(&g, "noncanon", "announce with role 2^32 + 2 (outside int32)", &env);

	b_reset(&e2);
	b_bytes(&e2, 1, "Bike\0lane", 9);
	vbody(&body, g.net, &g.alice, 1, NULL, FX_TS, 17, &e2);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_invalid(&g, "noncanon", "idea title with a NUL inside (\"Bike\" 00 \"lane\")", &env);

	b_reset(&e2);
	b_str(&e2, 1, "Bike lane");
	b_bytes(&e2, 2, "", 0);
	vbody(&body, g.net, &g.alice, 1, NULL, FX_TS, 17, &e2);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_invalid(&g, "noncanon", "idea with an empty text written (12 00)", &env);

	b_reset(&body);
	b_bytes(&body, 1, g.net, HASH_BYTES);
	b_bytes(&body, 2, g.alice.pk, KEY_PK_BYTES);
	b_u64(&body, 3, 1);
	b_bytes(&body, 4, "", 0);
	b_u64(&body, 5, FX_TS);
	b_bytes(&body, 17, c.p, c.n);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_invalid(&g, "noncanon", "seq 1 with an empty prev written (22 00)", &env);

	b_reset(&e2);
	b_str(&e2, 1, "Alicja Nowak");
	vbody(&body, g.net, &g.alice, 1, NULL, FX_TS, 16, &e2);
	b_bytes(&body, 17, c.p, c.n);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_invalid(&g, "noncanon", "two members of content: an announce and an idea", &env);

	b_reset(&e2);
	vbody(&body, g.net, &g.alice, 1, NULL, FX_TS, 17, &e2);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_invalid(&g, "field", "an empty idea message (8a 01 00): written since present; no title",
	    &env);

	vbody(&body, g.net, &g.alice, 1, NULL, FX_TS, 17, &c);
	raw_seal(&env, &g.alice, g.net, &body);
	b_reset(&e2);
	b_bytes(&e2, 1, "", 0);
	b_raw(&e2, env.p + env.n - KEY_SIG_BYTES - 2, KEY_SIG_BYTES + 2);
	emit_invalid(&g, "noncanon", "envelope with an empty body written (0a 00): noncanon before "
	    "field", &e2);

	vbody(&body, g.net, &g.alice, 1, NULL, FX_TS, 17, &c);
	b_u64(&body, 6, 1);
	b_raw(&body, "\x8a\x01\x05\x0a", 4);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_invalid(&g, "decode", "unknown field 6, then an idea cut short: decode before unknown",
	    &env);

	b_reset(&e2);
	b_str(&e2, 1, "Bike lane");
	b_u64(&e2, 9, 1);
	b_reset(&body);
	raw_header(&body, g.net, g.alice.pk, 1, NULL, 0);
	b_u64(&body, 5, 0);
	b_bytes(&body, 17, e2.p, e2.n);
	raw_seal(&env, &g.alice, g.net, &body);
	emit_invalid(&g, "unknown", "timestamp 0 written and an unknown field 9 inside the idea: "
	    "unknown before noncanon", &env);

	/* One byte over EV_ENV_MAX: an idea with a long text (also over
	 * EV_TEXT_MAX, but the size rule comes first). */
	if ((big = malloc(EV_ENV_MAX)) == NULL)
		return -1;
	for (size_t want = EV_ENV_MAX - 200;; want++) {
		memset(big, 'a', want);
		big[want] = '\0';
		raw_idea(&e2, "Big", big);
		vbody(&body, g.net, &g.alice, 1, NULL, FX_TS, 17, &e2);
		raw_seal(&env, &g.alice, g.net, &body);
		if (env.n >= EV_ENV_MAX + 1)
			break;
	}
	free(big);
	if (env.n != EV_ENV_MAX + 1)
		return -1;
	emit_invalid(&g, "too_big", "65537 bytes (EV_ENV_MAX + 1): a signed idea whose text is "
	    "65k of 'a'", &env);
	b_free(&c);
	b_free(&body);
	b_free(&env);
	b_free(&e2);
	return 0;
}

static const struct {
	const char *name;
	int err;
} vector_errors[] = {
	{ "too_big", WIEC_ERR_TOO_BIG }, { "decode", WIEC_ERR_DECODE },
	{ "noncanon", WIEC_ERR_NONCANON }, { "unknown", WIEC_ERR_UNKNOWN },
	{ "field", WIEC_ERR_FIELD }, { "network", WIEC_ERR_NETWORK }, { "sig", WIEC_ERR_SIG },
};

static int hex_alloc(uint8_t **out, size_t *n, const char *hex)
{
	size_t len = strlen(hex);

	if (len % 2 || len == 0 || (*out = malloc(len / 2)) == NULL)
		return -1;
	*n = len / 2;
	if (hash_from_hex(*out, *n, hex) != 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* The generator reproduces the committed file byte for byte (or rewrites it
 * when WIEC_REGEN_VECTORS=1). */
TEST(event_vectors_generated)
{
	const char *regen = getenv("WIEC_REGEN_VECTORS");
	char *text = NULL;
	size_t len = 0, flen = 0;
	uint8_t *file;
	FILE *f;

	CHECK((f = open_memstream(&text, &len)) != NULL);
	CHECK(gen_vectors(f) == 0);
	CHECK(fclose(f) == 0);
	if (regen != NULL && strcmp(regen, "1") == 0) {
		CHECK(fx_write_file(VECTORS_PATH, text, len, 0644) == 0);
		fprintf(stderr, "  wrote %s (%zu bytes)\n", VECTORS_PATH, len);
	}
	file = fx_read_file(VECTORS_PATH, &flen);
	if (file == NULL)
		fprintf(stderr, "  cannot read %s (run from the repository root)\n", VECTORS_PATH);
	CHECK(file != NULL);
	if (flen != len || memcmp(file, text, len) != 0)
		fprintf(stderr, "  %s differs from what the generator writes; if the change "
		    "is intended, run WIEC_REGEN_VECTORS=1 ./build/unit-tests event_vectors\n",
		    VECTORS_PATH);
	CHECK(flen == len && memcmp(file, text, len) == 0);
	free(file);
	free(text);
}

/* Every record of the file holds, read independently of the generator. */
TEST(event_vectors_file)
{
	uint8_t net[HASH_BYTES] = { 0 }, *bin = NULL, want[HASH_BYTES];
	int have_net = 0, nvalid = 0, ninvalid = 0, nkeys = 0, lineno = 0, seen_err = 0;
	store_t *s = NULL;
	char *line = NULL, *save, *kind, *a, *b, *c;
	size_t cap = 0, n;
	ssize_t got;
	FILE *f = fopen(VECTORS_PATH, "r");

	if (f == NULL)
		fprintf(stderr, "  cannot read %s (run from the repository root)\n", VECTORS_PATH);
	CHECK(f != NULL);
	while ((got = getline(&line, &cap, f)) != -1) {
		int ok = 0;

		lineno++;
		if (got > 0 && line[got - 1] == '\n')
			line[got - 1] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		kind = strtok_r(line, " ", &save);
		a = strtok_r(NULL, " ", &save);
		b = strtok_r(NULL, " ", &save);
		c = strtok_r(NULL, " ", &save);
		free(bin);
		bin = NULL;
		if (strcmp(kind, "genesis") == 0 && a && !b && hex_alloc(&bin, &n, a) == 0) {
			genesis_t g;

			if (s == NULL && genesis_decode(&g, bin, n, 1) == 0) {
				char path[512];

				memcpy(want, g.network, HASH_BYTES);
				genesis_free(&g);
				/* Valid events, in file order, extend their chains. */
				snprintf(path, sizeof path, "%s/store", TEST_TMP);
				ok = store_open(&s, path, FX_MAP, 1) == 0 &&
				    store_set_genesis(s, bin, n, want, 0) == 0;
			}
		} else if (strcmp(kind, "network") == 0 && a && !b &&
		    hash_from_hex(net, HASH_BYTES, a) == 0) {
			/* Must be the id of the genesis just read. */
			ok = memcmp(net, want, HASH_BYTES) == 0;
			have_net = ok;
		} else if (strcmp(kind, "key") == 0 && a && b && c) {
			uint8_t seed[32], pk[32];
			key_pair_t kp;

			ok = hash_from_hex(seed, 32, b) == 0 && hash_from_hex(pk, 32, c) == 0 &&
			    key_from_seed(&kp, seed) == 0 && memcmp(kp.pk, pk, 32) == 0;
			nkeys += ok;
		} else if (strcmp(kind, "valid") == 0 && have_net && a && b && !c &&
		    hex_alloc(&bin, &n, a) == 0 && hash_from_hex(want, HASH_BYTES, b) == 0) {
			uint8_t id[HASH_BYTES];
			ev_t ev;

			hash_2(id, bin, n, NULL, 0);
			if (ev_check(&ev, bin, n, net) == 0) {
				int res = 0;

				ok = memcmp(ev.id, want, HASH_BYTES) == 0 &&
				    memcmp(id, want, HASH_BYTES) == 0 &&
				    store_ingest(s, &ev, 1, &res, NULL) == 0 && res == STORE_ADDED;
				ev_free(&ev);
			}
			nvalid += ok;
		} else if (strcmp(kind, "invalid") == 0 && have_net && a && b && !c &&
		    hex_alloc(&bin, &n, b) == 0) {
			for (size_t i = 0; i < sizeof vector_errors / sizeof vector_errors[0]; i++)
				if (strcmp(a, vector_errors[i].name) == 0) {
					int rc = check_env(bin, n, net);

					ok = rc == vector_errors[i].err;
					if (ok)
						seen_err |= 1 << i;
					else
						fprintf(stderr, "  got %s\n", wiec_strerror(rc));
				}
			ninvalid += ok;
		}
		if (!ok) {
			fprintf(stderr, "  %s:%d: record '%s' does not hold\n", VECTORS_PATH, lineno,
			    kind);
			free(bin);
			free(line);
			fclose(f);
			store_close(&s);
			CHECK(0);
		}
	}
	free(bin);
	free(line);
	fclose(f);
	store_close(&s);
	CHECK(have_net);
	CHECK(nkeys >= 2);
	CHECK(nvalid >= 5);
	CHECK(ninvalid >= 10);
	/* Every error name is exercised at least once. */
	CHECK(seen_err == (1 << (sizeof vector_errors / sizeof vector_errors[0])) - 1);
}

/* ev_fput_text to a string; the caller frees it. */
static char *shown(const char *s, size_t n)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (f == NULL)
		return NULL;
	ev_fput_text(f, s, n);
	fclose(f);
	return out;
}

TEST(event_fput_text_shows_bidi_controls)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "plain żółw", "plain żółw" },
		{ "x\xe2\x80\xaey", "x<U+202E>y" },		/* right-to-left override */
		{ "\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad",
		  "<U+202A><U+202B><U+202C><U+202D>" },
		{ "\xe2\x80\x8e\xe2\x80\x8f", "<U+200E><U+200F>" },	/* marks */
		{ "\xe2\x81\xa6" "a\xe2\x81\xa9", "<U+2066>a<U+2069>" },	/* isolates */
		{ "\xe2\x81\xa7\xe2\x81\xa8", "<U+2067><U+2068>" },
		{ "\xd8\x9c", "<U+061C>" },			/* Arabic letter mark */
		/* Neighbours stay: U+2027, U+202F, U+2065 (unassigned), U+206A, U+061B. */
		{ "\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa\xd8\x9b",
		  "\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa\xd8\x9b" },
		/* Line and paragraph separators: some terminals break the line. */
		{ "a\xe2\x80\xa8" "b\xe2\x80\xa9", "a<U+2028>b<U+2029>" },
		/* One line: a comment's line break cannot start a fake entry. */
		{ "nice\n  ffff City: ok\tyes\r", "nice\\n  ffff City: ok\\tyes\\r" },
		{ "\x1b[31mred\x7f\x01", "\\x1b[31mred\\x7f\\x01" },
		{ "c1\xc2\x9b", "c1<U+009B>" },		/* 8-bit CSI */
		{ "bad\xff\xc3(", "bad\\xff\\xc3(" },	/* not UTF-8: bytes */
		{ "a\\nb", "a\\nb" },			/* a backslash stays */
		{ "", "" },
	};
	char *out;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		CHECK((out = shown(cases[i].in, strlen(cases[i].in))) != NULL);
		if (out != NULL && strcmp(out, cases[i].out) != 0) {
			fprintf(stderr, "  case %zu: %s\n", i, out);
			CHECK(0);
		}
		free(out);
	}
	/* n bytes only: an override cut short by n is not read past n. */
	CHECK((out = shown("ab\xe2\x80\xae", 4)) != NULL);
	CHECK(out != NULL && strcmp(out, "ab\\xe2\\x80") == 0);
	free(out);
}

/* ev_fput_block to a string with indent "  | "; the caller frees it. */
static char *shown_block(const char *s)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (f == NULL)
		return NULL;
	ev_fput_block(f, s, strlen(s), "  | ");
	fclose(f);
	return out;
}

TEST(event_fput_block_indents_every_line)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "one", "  | one" },
		{ "a\n\nstatus history:\n\tx", "  | a\n  | \n  | status history:\n  | \tx" },
		{ "x\xe2\x80\xa8y\xe2\x80\xaez\r", "  | x<U+2028>y<U+202E>z\\r" },
		{ "", "  | " },
	};
	char *out;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		CHECK((out = shown_block(cases[i].in)) != NULL);
		if (out != NULL && strcmp(out, cases[i].out) != 0) {
			fprintf(stderr, "  case %zu: %s\n", i, out);
			CHECK(0);
		}
		free(out);
	}
}
