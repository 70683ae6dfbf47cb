/* fuzz_cliparse.c: the option value parsers of the model commands
 * (cli/parse.h; compiled in, as the fuzz targets do not link cli/).
 *
 * Whatever the input: no crash, and an accepted location is within range
 * and prints back (degrees with 7 fraction digits) to a string that parses
 * to the same fixed-point values. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/parse.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fmt_coord(char *out, size_t len, int32_t v)
{
	int64_t a = v < 0 ? -(int64_t)v : v;

	snprintf(out, len, "%s%" PRId64 ".%07" PRId64, v < 0 ? "-" : "", a / 10000000,
	    a % 10000000);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *t;
	char back[64], la[32], lo[32];
	const char *name, *value;
	int32_t lat, lon, lat2, lon2;
	uint64_t a, b;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (cli_parse_location(s, &lat, &lon) == 0) {
		if (lat < -CLI_LAT_MAX || lat > CLI_LAT_MAX || lon < -CLI_LON_MAX ||
		    lon > CLI_LON_MAX)
			abort();
		fmt_coord(la, sizeof la, lat);
		fmt_coord(lo, sizeof lo, lon);
		snprintf(back, sizeof back, "%s,%s", la, lo);
		if (cli_parse_location(back, &lat2, &lon2) != 0 || lat2 != lat || lon2 != lon)
			abort();
	}
	(void)cli_parse_u64(s, &a);
	(void)cli_parse_time(s, &a);
	if ((t = strdup(s)) != NULL) {
		if (cli_parse_phase(t, &name, &a, &b) == 0 && (*name == '\0' ||
		    strchr(name, ':') != NULL || (b != 0 && b < a)))
			abort();
		free(t);
	}
	if ((t = strdup(s)) != NULL) {
		if (cli_parse_unit(t, &name, &a) == 0 && (*name == '\0' || a == 0))
			abort();
		free(t);
	}
	if ((t = strdup(s)) != NULL) {
		if (cli_parse_attr(t, &name, &value) == 0 && *name == '\0')
			abort();
		free(t);
	}
	free(s);
	return 0;
}
