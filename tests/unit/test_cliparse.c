/* test_cliparse.c: the option value parsers of the model commands
 * (cli/parse.h), compiled in here since the unit tests do not link cli/. */
#include <stdint.h>
#include <string.h>

#include "cli/parse.c"
#include "tests/unit/test.h"

TEST(cliparse_location_exact)
{
	static const struct { const char *s; int ok; int32_t lat, lon; } cases[] = {
		{ "52.4064,16.9252", 1, 524064000, 169252000 },
		{ "52.4064, 16.9252", 1, 524064000, 169252000 },
		{ "-90,180", 1, -900000000, 1800000000 },
		{ "90.0000000000,-180.0", 1, 900000000, -1800000000 },
		{ "0.0000001,-0.0000001", 1, 1, -1 },
		{ "54.5189000,18.5305", 1, 545189000, 185305000 },
		{ "0.00000001,0", 0, 0, 0 },		/* finer than 1e-7 */
		{ "90.0000001,0", 0, 0, 0 },
		{ "0,180.0000001", 0, 0, 0 },
		{ "1000,0", 0, 0, 0 },
		{ "52.4064", 0, 0, 0 },
		{ "52.4064,", 0, 0, 0 },
		{ ",16", 0, 0, 0 },
		{ "52.,16", 0, 0, 0 },
		{ ".5,16", 0, 0, 0 },
		{ "+52,16", 0, 0, 0 },
		{ "52,16 ", 0, 0, 0 },
		{ "52,  16", 0, 0, 0 },
		{ "52;16", 0, 0, 0 },
		{ "1e1,2", 0, 0, 0 },
		{ "--1,2", 0, 0, 0 },
		{ "", 0, 0, 0 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int32_t lat = 7, lon = 7;
		int rc = cli_parse_location(cases[i].s, &lat, &lon);

		if (cases[i].ok) {
			CHECK(rc == 0);
			CHECK(lat == cases[i].lat && lon == cases[i].lon);
		} else {
			CHECK(rc == -1);
			CHECK(lat == 7 && lon == 7);	/* untouched */
		}
	}
}

TEST(cliparse_numbers_and_times)
{
	uint64_t v;

	CHECK(cli_parse_u64("0", &v) == 0 && v == 0);
	CHECK(cli_parse_u64("18446744073709551615", &v) == 0 && v == UINT64_MAX);
	CHECK(cli_parse_u64("18446744073709551616", &v) == -1);
	CHECK(cli_parse_u64("007", &v) == -1);
	CHECK(cli_parse_u64("-1", &v) == -1);
	CHECK(cli_parse_u64("", &v) == -1);
	CHECK(cli_parse_u64(" 1", &v) == -1);
	CHECK(cli_parse_time("1970-01-01", &v) == 0 && v == 0);
	CHECK(cli_parse_time("2026-03-01", &v) == 0 && v == 1772323200000ULL);
	CHECK(cli_parse_time("2024-02-29T12:30", &v) == 0 && v == 1709209800000ULL);
	CHECK(cli_parse_time("2023-02-29", &v) == -1);
	CHECK(cli_parse_time("2026-13-01", &v) == -1);
	CHECK(cli_parse_time("2026-01-01T24:00", &v) == -1);
	CHECK(cli_parse_time("1700000000000", &v) == 0 && v == 1700000000000ULL);
}

TEST(cliparse_phase_unit_attr)
{
	char a[] = "voting:2026-05-01:2026-05-31", b[] = "review", c[] = "x:2026-05-31:2026-05-01",
	    d[] = ":1", u[] = "Jezyce: north:1500000", u2[] = "Wilda:0", u3[] = "Wilda",
	    at[] = "district=Wilda=x", at2[] = "=x", at3[] = "age=";
	const char *name, *value;
	uint64_t s, e;

	CHECK(cli_parse_phase(a, &name, &s, &e) == 0);
	CHECK(strcmp(name, "voting") == 0 && s == 1777593600000ULL && e == 1780185600000ULL);
	CHECK(cli_parse_phase(b, &name, &s, &e) == 0 && strcmp(name, "review") == 0 && s == 0 &&
	    e == 0);
	CHECK(cli_parse_phase(c, &name, &s, &e) == -1);
	CHECK(cli_parse_phase(d, &name, &s, &e) == -1);
	/* The documented YYYY-MM-DDTHH:MM holds a ':' of its own (it was cut
	 * there and refused). */
	{
		char t1[] = "voting:2026-01-01T10:00", t2[] = "voting:2026-01-01T10:00:2026-01-02T09:30";
		char t3[] = "voting:2026-01-01:2026-01-01T00:01", t4[] = "voting:2026-01-01T10:00:";
		char t5[] = "voting:2026-01-01T10:00x";

		CHECK(cli_parse_phase(t1, &name, &s, &e) == 0 && strcmp(name, "voting") == 0 &&
		    s == 1767261600000ULL && e == 0);
		CHECK(cli_parse_phase(t2, &name, &s, &e) == 0 && s == 1767261600000ULL &&
		    e == 1767346200000ULL);
		CHECK(cli_parse_phase(t3, &name, &s, &e) == 0 && s == 1767225600000ULL &&
		    e == 1767225660000ULL);
		CHECK(cli_parse_phase(t4, &name, &s, &e) == -1);
		CHECK(cli_parse_phase(t5, &name, &s, &e) == -1);
	}
	CHECK(cli_parse_unit(u, &name, &s) == 0 && strcmp(name, "Jezyce: north") == 0 &&
	    s == 1500000);
	CHECK(cli_parse_unit(u2, &name, &s) == -1);
	CHECK(cli_parse_unit(u3, &name, &s) == -1);
	CHECK(cli_parse_attr(at, &name, &value) == 0 && strcmp(name, "district") == 0 &&
	    strcmp(value, "Wilda=x") == 0);
	CHECK(cli_parse_attr(at2, &name, &value) == -1);
	CHECK(cli_parse_attr(at3, &name, &value) == 0 && *value == '\0');
}
