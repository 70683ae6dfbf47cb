/* test_json.c: the CLI's one JSON writer (cli/json.h). The writer lives in
 * cli/, which the unit tests do not link: it is compiled in here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/json.c"
#include "proto/event.h"
#include "tests/unit/test.h"

/* Runs fn on a writer over memory; returns the bytes written (caller frees). */
static char *capture(void (*fn)(json_t *j))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_t j;

	if (f == NULL)
		return NULL;
	json_init(&j, f);
	fn(&j);
	fclose(f);
	return buf;
}

static void nested(json_t *j)
{
	static const uint8_t id[4] = { 0x00, 0xab, 0x10, 0xff }, zero[4] = { 0 };

	json_obj(j);
	json_ku64(j, "n", 18446744073709551615ULL);
	json_ki64(j, "lat", -900000000);
	json_khex(j, "id", id, sizeof id);
	json_key(j, "prev");
	json_hex_or_null(j, zero, sizeof zero);
	json_key(j, "list");
	json_arr(j);
	json_arr(j);
	json_end(j);
	json_obj(j);
	json_end(j);
	json_bool(j, 1);
	json_null(j);
	json_end(j);
	json_kbool(j, "ok", 0);
	json_end(j);
	json_arr(j);
	json_str(j, "second document");
	json_end(j);
}

TEST(json_layout)
{
	char *out = capture(nested);

	CHECK(out != NULL);
	CHECK(strcmp(out, "{\"n\": 18446744073709551615, \"lat\": -900000000, \"id\": \"00ab10ff\", "
	    "\"prev\": null, \"list\": [[], {}, true, null], \"ok\": false}\n"
	    "[\"second document\"]\n") == 0);
	free(out);
}

static void escapes(json_t *j)
{
	/* Quote, backslash, newline, tab, other controls, DEL, U+2028, U+2029,
	 * Polish letters, a 4-byte character, then bytes that are not UTF-8:
	 * a lone continuation, an overlong '/', a surrogate, a truncated tail. */
	static const char s[] = "\"\\\n\t\r\x01\x1f\x7f\xc2\x85 \xe2\x80\xa8\xe2\x80\xa9 \xc5\x82\xc3\xb3" "d\xc5\xba "
	    "\xf0\x9f\x8c\xb3 \x80 \xc0\xaf \xed\xa0\x80 \xe2\x80";

	json_arr(j);
	json_strn(j, s, sizeof s - 1);
	json_strn(j, "a\0b", 3);
	json_end(j);
}

TEST(json_escapes)
{
	char *out = capture(escapes);

	CHECK(out != NULL);
	CHECK(strcmp(out, "[\"\\\"\\\\\\n\\t\\u000d\\u0001\\u001f\\u007f\\u0085 \\u2028\\u2029 "
	    "\xc5\x82\xc3\xb3" "d\xc5\xba \xf0\x9f\x8c\xb3 \\ufffd \\ufffd\\ufffd "
	    "\\ufffd\\ufffd\\ufffd \\ufffd\\ufffd\", \"a\\u0000b\"]\n") == 0);
	free(out);
}

/* Every output is valid UTF-8 without raw control characters, whatever
 * the input bytes. */
TEST(json_any_bytes)
{
	unsigned long long seed = 0x6a736f6eULL;

	for (int round = 0; round < 2000; round++) {
		char in[64], *out = NULL;
		size_t n = (size_t)(test_rand(&seed) % sizeof in), len = 0;
		FILE *f = open_memstream(&out, &len);
		json_t j;

		CHECK(f != NULL);
		for (size_t i = 0; i < n; i++)
			in[i] = (char)test_rand(&seed);
		json_init(&j, f);
		json_strn(&j, in, n);
		fclose(f);
		CHECK(len >= 2 && out[0] == '"' && out[len - 1] == '"');
		for (size_t i = 0; i < len; i++)
			CHECK((unsigned char)out[i] >= 0x20);
		out[len - 1] = '\0';
		CHECK(ev_text_ok(out + 1, 0, sizeof in * 6, 0));
		free(out);
	}
}
