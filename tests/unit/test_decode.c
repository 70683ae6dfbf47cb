/* test_decode.c: the decoder of untrusted messages (proto/decode.h): memory
 * bounds on hostile input, the count limits and the budget, the oneof-safe
 * unknown-field walk, the canonical rules of spec/events.md section 1, and
 * agreement with protobuf-c's own unpack-and-re-encode on mutated inputs. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crypto/err.h"
#include "node/wire.h"
#include "proto/decode.h"
#include "proto/event.h"
#include "proto/genesis.h"
#include "tests/unit/fixtures.h"
#include "tests/unit/pbwrite.h"
#include "tests/unit/test.h"

static void w_hex(wbuf_t *b, const char *hex)
{
	for (; hex[0] && hex[1]; hex += 2) {
		unsigned x;

		if (sscanf(hex, "%2x", &x) != 1)
			abort();
		uint8_t c = (uint8_t)x;
		w_raw(b, &c, 1);
	}
}

static void w_free(wbuf_t *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

/* ---- hostile messages ---- */

/* A SyncMsg of (nearly) SYNC_MSG_MAX bytes: member `member` (3 want, 5 have)
 * holding empty entries "0a 00" of its repeated field 1. */
static void hostile_empty_entries(wbuf_t *b, unsigned member)
{
	size_t inner = SYNC_MSG_MAX - 8;

	inner -= inner % 2;
	b->n = 0;
	w_tag(b, member, 2);
	w_varint(b, inner);
	for (size_t i = 0; i < inner; i += 2)
		w_raw(b, "\x0a\x00", 2);
}

static long vm_hwm_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* In a child process: builds the hostile message of `member`, then decodes
 * it through wire_decode (plain = 0) or protobuf-c's own unpack (plain = 1)
 * and reports the growth of peak RSS in KiB and the result. */
static int child_growth(unsigned member, int plain, long *growth, int *rc)
{
	int fd[2], status;
	long msg[2] = { -1, 0 };
	pid_t pid;

	if (pipe(fd) != 0)
		return -1;
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		wbuf_t b = { 0 };
		Wiec__SyncMsg *m = NULL;
		long before, after;

		close(fd[0]);
		hostile_empty_entries(&b, member);
		before = vm_hwm_kib();
		if (plain) {
			m = wiec__sync_msg__unpack(NULL, b.n, b.p);
			msg[1] = m != NULL ? 0 : WIEC_ERR_DECODE;
		} else {
			msg[1] = wire_decode(&m, b.p, b.n);
		}
		after = vm_hwm_kib();
		if (m != NULL)
			wiec__sync_msg__free_unpacked(m, NULL);
		w_free(&b);
		msg[0] = before < 0 || after < 0 ? -1 : after - before;
		_exit(write(fd[1], msg, sizeof msg) == (ssize_t)sizeof msg ? 0 : 1);
	}
	close(fd[1]);
	if (read(fd[0], msg, sizeof msg) != (ssize_t)sizeof msg)
		msg[0] = -1;
	close(fd[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	*growth = msg[0];
	*rc = (int)msg[1];
	return msg[0] < 0 ? -1 : 0;
}

/* The fault of issue 9: a 4 MiB Have or Want of empty entries. Through
 * wire_decode it is refused with peak RSS growing by less than 16 MiB; the
 * same bytes through protobuf-c alone grow it by far more, which shows the
 * measurement can see the fault. */
TEST(decode_hostile_empty_entries_rss)
{
	const unsigned members[] = { 5, 3 };	/* have, want */
	long growth;
	int rc;

	for (size_t i = 0; i < 2; i++) {
		CHECK(child_growth(members[i], 0, &growth, &rc) == 0);
		if (growth >= 16 * 1024)
			fprintf(stderr, "  member %u: peak RSS grew by %ld KiB\n", members[i], growth);
		CHECK(growth < 16 * 1024);
		CHECK(rc == WIEC_ERR_TOO_BIG);
	}
	CHECK(child_growth(5, 1, &growth, &rc) == 0);
	CHECK(growth > 64 * 1024);
}

/* A 32-byte author, seq: one HaveHead or WantRange. */
static void head(wbuf_t *b, uint64_t seq, size_t author_len)
{
	uint8_t author[64];
	wbuf_t h = { 0 };

	memset(author, 0xab, sizeof author);
	w_bytes(&h, 1, author, author_len);
	w_u64(&h, 2, seq);
	w_bytes(b, 1, h.p, h.n);
	w_free(&h);
}

static int sync_of(unsigned member, const wbuf_t *inner)
{
	wbuf_t b = { 0 };
	Wiec__SyncMsg *m = NULL;
	int rc;

	w_bytes(&b, member, inner->p, inner->n);
	rc = wire_decode(&m, b.p, b.n);
	if (m != NULL)
		wiec__sync_msg__free_unpacked(m, NULL);
	w_free(&b);
	return rc;
}

/* Every count limit admits exactly its maximum, of the smallest valid
 * entries, within the budget; one more is too_big. */
TEST(decode_count_limits_exact)
{
	wbuf_t in = { 0 };
	uint8_t env[120];

	memset(env, 0x5a, sizeof env);
	for (size_t i = 0; i < SYNC_HAVE_MAX; i++)
		head(&in, 1, 32);
	CHECK(sync_of(5, &in) == 0);
	head(&in, 1, 32);
	CHECK(sync_of(5, &in) == WIEC_ERR_TOO_BIG);

	in.n = 0;
	for (size_t i = 0; i < SYNC_WANT_MAX; i++)
		head(&in, UINT64_MAX, 32);
	w_u64(&in, 2, 7);
	CHECK(sync_of(3, &in) == 0);
	head(&in, 1, 32);
	CHECK(sync_of(3, &in) == WIEC_ERR_TOO_BIG);

	/* Events: the most envelopes, each of a plausible smallest size. */
	in.n = 0;
	for (size_t i = 0; i < SYNC_EVENTS_MAX; i++)
		w_bytes(&in, 1, env, sizeof env);
	CHECK(sync_of(4, &in) == 0);
	w_bytes(&in, 1, env, sizeof env);
	CHECK(sync_of(4, &in) == WIEC_ERR_TOO_BIG);

	/* The costliest entries for their size still fit the budget: whatever
	 * passes the scan decodes (decode.h). Events of 1-byte envelopes and a
	 * Have of heads with 1-byte authors are refused later, by wire.c. */
	in.n = 0;
	for (size_t i = 0; i < SYNC_EVENTS_MAX; i++)
		w_bytes(&in, 1, env, 1);
	CHECK(sync_of(4, &in) == 0);
	in.n = 0;
	for (size_t i = 0; i < SYNC_HAVE_MAX; i++)
		head(&in, 1, 1);
	CHECK(sync_of(5, &in) == WIEC_ERR_PROTO);

	/* Want: every range with the most have ids, all empty (refused by
	 * wire.c), then one id more than a range may hold. */
	{
		wbuf_t r = { 0 };
		uint8_t author[KEY_PK_BYTES] = { 1 };

		w_bytes(&r, 1, author, sizeof author);
		w_u64(&r, 2, 1);
		for (size_t j = 0; j < SYNC_HAVE_IDS; j++)
			w_bytes(&r, 3, "", 0);
		in.n = 0;
		for (size_t i = 0; i < SYNC_WANT_MAX; i++)
			w_bytes(&in, 1, r.p, r.n);
		w_u64(&in, 2, 7);
		CHECK(sync_of(3, &in) == WIEC_ERR_PROTO);
		w_bytes(&r, 3, "", 0);
		in.n = 0;
		w_bytes(&in, 1, r.p, r.n);
		w_u64(&in, 2, 7);
		CHECK(sync_of(3, &in) == WIEC_ERR_TOO_BIG);
		w_free(&r);
	}
	w_free(&in);
}

/* The allocation budget: whatever it is, decoding ends cleanly (too_big or
 * success, nothing leaked: ASan and valgrind runs check), and once a budget
 * suffices every larger one does. */
TEST(decode_budget_every_cut)
{
	wbuf_t in = { 0 }, msg = { 0 };
	dec_opts_t o = { SYNC_MSG_MAX, 0, NULL, 0, 0 };
	ProtobufCMessage *m;
	size_t ok_from = 0;
	uint8_t *g;
	size_t glen;
	uint8_t net[HASH_BYTES];

	for (size_t i = 0; i < 40; i++)
		head(&in, i + 1, 32);
	w_bytes(&msg, 5, in.p, in.n);
	for (size_t budget = 1; budget < 64 * 1024; budget += 97) {
		int rc;

		o.budget = budget;
		rc = dec_unpack(&m, &wiec__sync_msg__descriptor, msg.p, msg.n, &o);
		CHECK(rc == 0 || rc == WIEC_ERR_TOO_BIG);
		CHECK((rc == 0) == (m != NULL));
		{	/* an arena is charged alike, and freed on failure */
			ProtobufCMessage *am;
			dec_arena_t *arena;

			CHECK(dec_unpack_arena(&am, &arena, &wiec__sync_msg__descriptor, msg.p,
			    msg.n, &o) == rc);
			CHECK((rc == 0) == (am != NULL) && (rc == 0) == (arena != NULL));
			dec_arena_free(&arena);
		}
		if (rc == 0) {
			protobuf_c_message_free_unpacked(m, NULL);
			if (ok_from == 0)
				ok_from = budget;
		} else {
			CHECK(ok_from == 0);
		}
	}
	CHECK(ok_from != 0);
	/* The default budget of a message that small is far above it. */
	CHECK(ok_from < DEC_BUDGET(msg.n));

	/* The same for a genesis, canonical, with its nested founders. */
	CHECK(fx_genesis(&g, &glen, net) == 0);
	o = (dec_opts_t){ 65536, 1, NULL, 0, 0 };
	ok_from = 0;
	for (size_t budget = 1; budget < 8192; budget += 13) {
		int rc;

		o.budget = budget;
		rc = dec_unpack(&m, &wiec__genesis__descriptor, g, glen, &o);
		CHECK(rc == 0 || rc == WIEC_ERR_TOO_BIG);
		if (rc == 0) {
			protobuf_c_message_free_unpacked(m, NULL);
			if (ok_from == 0)
				ok_from = budget;
		} else {
			CHECK(ok_from == 0);
		}
	}
	CHECK(ok_from != 0);
	free(g);
	w_free(&in);
	w_free(&msg);
}

/* ---- a schema with a scalar in a oneof (wiec.proto has none yet) ----
 *
 *   message Inner { uint64 x = 1; }
 *   message Outer { oneof v { uint64 num = 1; Inner msg = 2; }
 *                   repeated uint32 packed = 3 [packed = true];
 *                   bool flag = 4; int32 i32 = 5; double d = 6;
 *                   repeated string names = 7; }
 *
 * Written by hand as protoc-c would write it. */

typedef struct t_inner {
	ProtobufCMessage base;
	uint64_t x;
} t_inner_t;

typedef struct t_outer {
	ProtobufCMessage base;
	uint32_t v_case;
	union {
		uint64_t num;
		t_inner_t *msg;
	};
	size_t n_packed;
	uint32_t *packed;
	protobuf_c_boolean flag;
	int32_t i32;
	double d;
	size_t n_names;
	char **names;
} t_outer_t;

static const ProtobufCFieldDescriptor t_inner_fields[] = {
	{ "x", 1, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_UINT64, 0, offsetof(t_inner_t, x),
	  NULL, NULL, 0, 0, NULL, NULL },
};
static const unsigned t_inner_by_name[] = { 0 };
static const ProtobufCIntRange t_inner_ranges[] = { { 1, 0 }, { 0, 1 } };
static const ProtobufCMessageDescriptor t_inner_desc = {
	PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC, "t.Inner", "Inner", "TInner", "t",
	sizeof(t_inner_t), 1, t_inner_fields, t_inner_by_name, 1, t_inner_ranges,
	NULL, NULL, NULL, NULL
};

static const ProtobufCFieldDescriptor t_outer_fields[] = {
	{ "num", 1, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_UINT64, offsetof(t_outer_t, v_case),
	  offsetof(t_outer_t, num), NULL, NULL, PROTOBUF_C_FIELD_FLAG_ONEOF, 0, NULL, NULL },
	{ "msg", 2, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_MESSAGE, offsetof(t_outer_t, v_case),
	  offsetof(t_outer_t, msg), &t_inner_desc, NULL, PROTOBUF_C_FIELD_FLAG_ONEOF, 0, NULL,
	  NULL },
	{ "packed", 3, PROTOBUF_C_LABEL_REPEATED, PROTOBUF_C_TYPE_UINT32,
	  offsetof(t_outer_t, n_packed), offsetof(t_outer_t, packed), NULL, NULL,
	  PROTOBUF_C_FIELD_FLAG_PACKED, 0, NULL, NULL },
	{ "flag", 4, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_BOOL, 0, offsetof(t_outer_t, flag),
	  NULL, NULL, 0, 0, NULL, NULL },
	{ "i32", 5, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_INT32, 0, offsetof(t_outer_t, i32),
	  NULL, NULL, 0, 0, NULL, NULL },
	{ "d", 6, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_DOUBLE, 0, offsetof(t_outer_t, d),
	  NULL, NULL, 0, 0, NULL, NULL },
	{ "names", 7, PROTOBUF_C_LABEL_REPEATED, PROTOBUF_C_TYPE_STRING,
	  offsetof(t_outer_t, n_names), offsetof(t_outer_t, names), NULL, NULL, 0, 0, NULL,
	  NULL },
};
static const unsigned t_outer_by_name[] = { 5, 3, 4, 1, 6, 0, 2 };
static const ProtobufCIntRange t_outer_ranges[] = { { 1, 0 }, { 0, 7 } };
static const ProtobufCMessageDescriptor t_outer_desc = {
	PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC, "t.Outer", "Outer", "TOuter", "t",
	sizeof(t_outer_t), 7, t_outer_fields, t_outer_by_name, 1, t_outer_ranges,
	NULL, NULL, NULL, NULL
};

static int outer_rc(const char *hex, int canonical)
{
	wbuf_t b = { 0 };
	dec_opts_t o = { 4096, canonical, NULL, 0, 0 };
	ProtobufCMessage *m;
	int rc;

	w_hex(&b, hex);
	rc = dec_unpack(&m, &t_outer_desc, b.p, b.n, &o);
	if (rc == 0)
		protobuf_c_message_free_unpacked(m, NULL);
	w_free(&b);
	return rc;
}

/* The bug of issue 9: the walk read any message-typed member of a oneof as
 * a pointer, even when the union held another member's scalar. */
TEST(decode_unknown_walk_honours_oneof)
{
	t_outer_t o;
	t_inner_t in;

	memset(&o, 0, sizeof o);
	o.base.descriptor = &t_outer_desc;
	o.v_case = 1;			/* num */
	o.num = 0xdeadbeefcafef00dULL;	/* read as a pointer: a crash */
	CHECK(dec_has_unknown(&o.base) == 0);

	memset(&in, 0, sizeof in);
	in.base.descriptor = &t_inner_desc;
	o.v_case = 2;
	o.msg = &in;
	CHECK(dec_has_unknown(&o.base) == 0);
	in.base.n_unknown_fields = 1;	/* only looked at, never freed */
	CHECK(dec_has_unknown(&o.base) == 1);

	/* Through the whole decoder, on bytes. */
	CHECK(outer_rc("088df0fbe5bc97dbd5de01", 1) == 0);	/* num = 0xdeadbeefcafef00d */
	CHECK(outer_rc("1202082a", 1) == 0);			/* msg { x: 42 } */
	CHECK(outer_rc("1200", 1) == 0);			/* msg {} is written */
	CHECK(outer_rc("0800", 1) == 0);			/* num = 0 in a oneof is written */
	CHECK(outer_rc("12021001", 1) == WIEC_ERR_UNKNOWN);	/* msg { 2: 1 } */
	CHECK(outer_rc("08011200", 1) == WIEC_ERR_NONCANON);	/* two members */
	CHECK(outer_rc("08011200", 0) == WIEC_ERR_DECODE);
	CHECK(outer_rc("0801", 0) == 0);
}

/* The encoding rules of spec/events.md section 1, on the synthetic schema
 * (types wiec.proto does not have yet); wiec's own types are in the vectors. */
TEST(decode_canonical_rules_all_types)
{
	static const struct {
		const char *hex;
		int strict, lenient;
	} cases[] = {
		{ "", 0, 0 },
		/* packed repeated uint32 */
		{ "1a03010203", 0, 0 },
		{ "1a00", WIEC_ERR_NONCANON, 0 },			/* empty packed record */
		{ "1a01011a0102", WIEC_ERR_NONCANON, 0 },		/* two packed records */
		{ "1801", WIEC_ERR_NONCANON, 0 },			/* unpacked form */
		{ "1a028100", WIEC_ERR_NONCANON, 0 },		/* non-minimal element */
		{ "1a058080808010", WIEC_ERR_NONCANON, 0 },	/* 2^32: over uint32 */
		{ "1a0181", WIEC_ERR_DECODE, WIEC_ERR_DECODE },	/* element cut short */
		/* bool */
		{ "2001", 0, 0 },
		{ "2000", WIEC_ERR_NONCANON, 0 },			/* default written */
		{ "2002", WIEC_ERR_NONCANON, 0 },			/* neither 0 nor 1 */
		{ "220101", WIEC_ERR_DECODE, WIEC_ERR_DECODE },	/* wire type 2 for a bool */
		/* int32: negative values are 10-byte sign-extended varints */
		{ "28ffffffffffffffffff01", 0, 0 },			/* -1 */
		{ "2880808080f8ffffffff01", 0, 0 },			/* INT32_MIN */
		{ "28ffffffff0f", WIEC_ERR_NONCANON, 0 },		/* -1 as 32 bits */
		{ "28ffffffffffffffff7f", WIEC_ERR_NONCANON, 0 },	/* 2^63-1: out of range */
		{ "28ffffffff07", 0, 0 },				/* INT32_MAX */
		{ "28808080", WIEC_ERR_DECODE, WIEC_ERR_DECODE },		/* cut short */
		/* varints: 10 bytes at most, 64 bits at most, minimal */
		{ "08ffffffffffffffffff01", 0, 0 },			/* UINT64_MAX in a oneof */
		{ "08ffffffffffffffffff02", WIEC_ERR_DECODE, WIEC_ERR_DECODE },	/* 65 bits */
		{ "08ffffffffffffffffff8100", WIEC_ERR_DECODE, WIEC_ERR_DECODE },	/* 11 bytes */
		{ "08ffffffffffffffff8000", WIEC_ERR_NONCANON, 0 },	/* 10 bytes, last 00 */
		{ "088100", WIEC_ERR_NONCANON, 0 },			/* 1 in two bytes */
		/* double: zero of either sign is the default */
		{ "31000000000000f03f", 0, 0 },				/* 1.0 */
		{ "310000000000000000", WIEC_ERR_NONCANON, 0 },
		{ "310000000000000080", WIEC_ERR_NONCANON, 0 },	/* -0.0 */
		{ "3100000000", WIEC_ERR_DECODE, WIEC_ERR_DECODE },	/* cut short */
		/* repeated string: every element written, empty ones too */
		{ "3a003a0161", 0, 0 },
		{ "3a026100", WIEC_ERR_NONCANON, WIEC_ERR_DECODE },	/* NUL inside */
		/* tags */
		{ "880101", WIEC_ERR_UNKNOWN, WIEC_ERR_UNKNOWN },	/* field 17, unknown */
		{ "88810001", WIEC_ERR_UNKNOWN, WIEC_ERR_UNKNOWN },	/* and non-minimal */
		{ "a80001", WIEC_ERR_NONCANON, 0 },			/* field 5 as a 2-byte tag */
		{ "0001", WIEC_ERR_DECODE, WIEC_ERR_DECODE },		/* field 0 */
		{ "808080808001", WIEC_ERR_DECODE, WIEC_ERR_DECODE },	/* tag over 5 bytes */
		{ "0b", WIEC_ERR_DECODE, WIEC_ERR_DECODE },		/* wire type 3 (group) */
		{ "8b01", WIEC_ERR_DECODE, WIEC_ERR_DECODE },		/* unknown, wire type 3 */
		{ "0e", WIEC_ERR_DECODE, WIEC_ERR_DECODE },		/* wire type 6 */
		{ "0a0100", WIEC_ERR_DECODE, WIEC_ERR_DECODE },	/* num with wire type 2 */
		/* lengths */
		{ "3a8001", WIEC_ERR_DECODE, WIEC_ERR_DECODE },	/* past the end */
		{ "3a810061", WIEC_ERR_NONCANON, 0 },			/* non-minimal length */
		/* order, repetition */
		{ "20013a0161", 0, 0 },
		{ "3a01612001", WIEC_ERR_NONCANON, 0 },		/* 7 before 4 */
		{ "3a01612001" "3a0162", WIEC_ERR_NONCANON, 0 },	/* repeated, interleaved */
		{ "20012001", WIEC_ERR_NONCANON, WIEC_ERR_DECODE },	/* a field twice */
		/* which error wins */
		{ "2000" "880101", WIEC_ERR_UNKNOWN, WIEC_ERR_UNKNOWN },	/* unknown over noncanon */
		{ "880101" "0b", WIEC_ERR_DECODE, WIEC_ERR_DECODE },	/* decode over unknown */
		{ "2000" "1203880101", WIEC_ERR_UNKNOWN, WIEC_ERR_UNKNOWN },	/* at any depth */
		{ "880101" "12010b", WIEC_ERR_DECODE, WIEC_ERR_DECODE },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int s = outer_rc(cases[i].hex, 1), l = outer_rc(cases[i].hex, 0);

		if (s != cases[i].strict || l != cases[i].lenient)
			fprintf(stderr, "  %s: strict %s, lenient %s\n", cases[i].hex,
			    wiec_strerror(s), wiec_strerror(l));
		CHECK(s == cases[i].strict && l == cases[i].lenient);
	}
}

/* Nesting deeper than DEC_DEPTH_MAX is refused before protobuf-c recurses
 * (wiec's schema has no recursive type: only a future one could nest). */
TEST(decode_depth_bound)
{
	static const ProtobufCIntRange self_ranges[] = { { 1, 0 }, { 0, 1 } };
	static const unsigned self_by_name[] = { 0 };
	static ProtobufCMessageDescriptor self_desc;
	static ProtobufCFieldDescriptor field;
	dec_opts_t o = { 4096, 1, NULL, 0, 0 };
	ProtobufCMessage *m;
	wbuf_t b = { 0 }, t = { 0 };
	int rc;

	field = (ProtobufCFieldDescriptor){ "next", 1, PROTOBUF_C_LABEL_NONE,
	    PROTOBUF_C_TYPE_MESSAGE, 0, sizeof(ProtobufCMessage), &self_desc, NULL, 0, 0, NULL,
	    NULL };
	self_desc = (ProtobufCMessageDescriptor){ PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC, "t.Self",
	    "Self", "TSelf", "t", sizeof(ProtobufCMessage) + sizeof(void *), 1, &field,
	    self_by_name, 1, self_ranges, NULL, NULL, NULL, NULL };
	for (int depth = 0; depth <= DEC_DEPTH_MAX + 1; depth++) {
		t.n = 0;
		if (b.n)
			w_bytes(&t, 1, b.p, b.n);
		else
			w_bytes(&t, 1, "", 0);
		b.n = 0;
		w_raw(&b, t.p, t.n);
		rc = dec_unpack(&m, &self_desc, b.p, b.n, &o);
		/* b now holds depth + 1 nested messages below the top one */
		if (rc == 0)
			protobuf_c_message_free_unpacked(m, NULL);
		CHECK(rc == (depth + 1 <= DEC_DEPTH_MAX ? 0 : WIEC_ERR_DECODE));
	}
	w_free(&b);
	w_free(&t);
}

/* ---- agreement with protobuf-c on mutated inputs ---- */

/* What wiec did before the scanner: protobuf-c unpacks, then no unknown
 * fields and (canonical) re-encoding gives the input back. 1 = accepted. */
static int old_accepts(const ProtobufCMessageDescriptor *d, const uint8_t *p, size_t n,
    int canonical)
{
	ProtobufCMessage *m = protobuf_c_message_unpack(d, NULL, n, p);
	int ok;

	if (m == NULL)
		return 0;
	ok = !dec_has_unknown(m);
	if (ok && canonical) {
		uint8_t *out = malloc(n + 1);

		if (out == NULL)
			abort();
		ok = protobuf_c_message_get_packed_size(m) == n &&
		    protobuf_c_message_pack(m, out) == n && memcmp(out, p, n) == 0;
		free(out);
	}
	protobuf_c_message_free_unpacked(m, NULL);
	return ok;
}

typedef struct seed {
	const ProtobufCMessageDescriptor *d;
	const uint8_t *p;
	size_t n;
	int canonical;
} seed_t;

/* Canonical messages: the scanner accepts exactly what protobuf-c's round
 * trip accepts. Non-canonical (sync) messages: whatever the scanner
 * accepts, protobuf-c does too. */
/* dec_unpack_arena gives what dec_unpack gives: the same outcome and a
 * message that packs to the same bytes; for an envelope, dec_field finds
 * the body and signature protobuf-c finds. */
static void same_in_arena(test_ctx_t *t_, const ProtobufCMessageDescriptor *d,
    const uint8_t *buf, size_t n, const dec_opts_t *o)
{
	ProtobufCMessage *m1, *m2;
	dec_arena_t *arena = NULL;
	int r1 = dec_unpack(&m1, d, buf, n, o), r2 = dec_unpack_arena(&m2, &arena, d, buf, n, o);

	CHECK(r1 == r2);
	CHECK((r2 == 0) == (m2 != NULL) && (r2 == 0) == (arena != NULL));
	if (r1 != 0)
		return;
	{
		size_t l1 = protobuf_c_message_get_packed_size(m1);
		uint8_t *p1 = malloc(l1 + 1), *p2 = malloc(l1 + 1);

		CHECK(p1 != NULL && p2 != NULL);
		CHECK(protobuf_c_message_get_packed_size(m2) == l1);
		CHECK(protobuf_c_message_pack(m1, p1) == l1 && protobuf_c_message_pack(m2, p2) == l1);
		CHECK(memcmp(p1, p2, l1) == 0);
		free(p1);
		free(p2);
	}
	if (d == &wiec__envelope__descriptor) {
		const Wiec__Envelope *e = (const Wiec__Envelope *)m1;
		const uint8_t *v;
		size_t vlen;

		CHECK(dec_field(buf, n, 1, &v, &vlen) == 0 && vlen == e->body.len &&
		    (vlen == 0 || memcmp(v, e->body.data, vlen) == 0));
		CHECK(dec_field(buf, n, 2, &v, &vlen) == 0 && vlen == e->sig.len &&
		    (vlen == 0 || memcmp(v, e->sig.data, vlen) == 0));
	}
	protobuf_c_message_free_unpacked(m1, NULL);
	dec_arena_free(&arena);
	CHECK(arena == NULL);
}

TEST(decode_agrees_with_protobuf_c)
{
	static const dec_opts_t strict = { 65536, 1, NULL, 0, 0 }, lenient = { 65536, 0, NULL, 0, 0 };
	unsigned long long seed = 0x9e3779b97f4a7c15ULL;
	uint8_t net[HASH_BYTES], *g, buf[1024];
	size_t glen;
	key_pair_t kp;
	fx_ev_t ev;
	wbuf_t hv = { 0 }, sm = { 0 };
	seed_t seeds[5];
	Wiec__Envelope *e;
	size_t nseeds = 0;

	CHECK(fx_genesis(&g, &glen, net) == 0);
	fx_key(&kp, 0x01);
	CHECK(fx_build(&ev, &kp, net, 2, net, EV_COMMENT, "A comment.", net, FX_TS) == 0);
	CHECK((e = wiec__envelope__unpack(NULL, ev.len, ev.env)) != NULL);
	for (size_t i = 0; i < 3; i++)
		head(&hv, i + 1, 32);
	w_bytes(&sm, 5, hv.p, hv.n);
	seeds[nseeds++] = (seed_t){ &wiec__envelope__descriptor, ev.env, ev.len, 1 };
	seeds[nseeds++] = (seed_t){ &wiec__body__descriptor, e->body.data,
	    e->body.len, 1 };
	seeds[nseeds++] = (seed_t){ &wiec__genesis__descriptor, g, glen, 1 };
	seeds[nseeds++] = (seed_t){ &wiec__sync_msg__descriptor, sm.p, sm.n, 0 };
	seeds[nseeds++] = (seed_t){ &t_outer_desc,
	    (const uint8_t *)"\x12\x02\x08\x2a\x1a\x02\x01\x02\x20\x01\x28\x05\x3a\x01\x61", 15, 1 };
	for (int round = 0; round < 20000; round++) {
		size_t k = test_rand(&seed) % nseeds, n = seeds[k].n;
		int muts = 1 + (int)(test_rand(&seed) % 3), mine, old;

		if (n > sizeof buf - 16)
			n = sizeof buf - 16;	/* a cut is a mutation too */
		memcpy(buf, seeds[k].p, n);
		for (int j = 0; j < muts && n > 0; j++) {
			size_t at = test_rand(&seed) % n;
			unsigned op = (unsigned)(test_rand(&seed) % 6);
			uint8_t v = (uint8_t)test_rand(&seed);

			if (op == 0)
				buf[at] ^= (uint8_t)(1u << (v % 8));
			else if (op == 1)
				buf[at] = v;
			else if (op == 2)
				n = at;					/* truncate */
			else if (op == 3 && n + 1 < sizeof buf) {	/* insert */
				memmove(buf + at + 1, buf + at, n - at);
				buf[at] = v % 4 ? v : 0x80;
				n++;
			} else if (op == 4) {				/* delete */
				memmove(buf + at, buf + at + 1, n - at - 1);
				n--;
			} else {
				buf[at] = (uint8_t)(buf[at] + (v % 3) - 1);
			}
		}
		mine = dec_scan(seeds[k].d, buf, n, seeds[k].canonical ? &strict : &lenient) == 0;
		old = old_accepts(seeds[k].d, buf, n, seeds[k].canonical);
		if (seeds[k].canonical ? mine != old : mine && !old) {
			fprintf(stderr, "  seed %zu round %d: scanner %d, protobuf-c %d: ", k, round,
			    mine, old);
			for (size_t i = 0; i < n; i++)
				fprintf(stderr, "%02x", buf[i]);
			fputc('\n', stderr);
		}
		CHECK(seeds[k].canonical ? mine == old : !mine || old);
		same_in_arena(t_, seeds[k].d, buf, n, seeds[k].canonical ? &strict : &lenient);
	}
	wiec__envelope__free_unpacked(e, NULL);
	fx_free(&ev, 1);
	free(g);
	w_free(&hv);
	w_free(&sm);
}
