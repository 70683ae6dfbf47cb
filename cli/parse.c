/* parse.c: option value parsers (parse.h). */
#include <string.h>

#include "cli/parse.h"

static int digit(char c)
{
	return c >= '0' && c <= '9';
}

int cli_parse_u64(const char *s, uint64_t *v)
{
	uint64_t x = 0;

	if (!digit(*s) || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (; *s; s++) {
		if (!digit(*s) || x > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -1;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*v = x;
	return 0;
}

/* One coordinate from *p up to stop ('\0' or ','): degrees x 10^7 within
 * +-max. Advances *p past it. */
static int coord(const char **p, char stop, int64_t max, int32_t *out)
{
	const char *s = *p;
	int neg = 0, frac = 0, intdigits = 0;
	int64_t v = 0;

	if (*s == '-') {
		neg = 1;
		s++;
	}
	if (!digit(*s))
		return -1;
	for (; digit(*s); s++) {
		if (++intdigits > 3)
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (*s == '.') {
		s++;
		if (!digit(*s))
			return -1;
		for (; digit(*s); s++) {
			if (frac < 7) {
				v = v * 10 + (*s - '0');
				frac++;
			} else if (*s != '0') {
				return -1;	/* finer than 10^-7 degrees: not exact */
			}
		}
	}
	for (; frac < 7; frac++)
		v *= 10;
	if (*s != stop || v > max)
		return -1;
	*out = (int32_t)(neg ? -v : v);
	*p = s;
	return 0;
}

int cli_parse_location(const char *s, int32_t *lat, int32_t *lon)
{
	int32_t a, b;

	if (coord(&s, ',', CLI_LAT_MAX, &a) != 0)
		return -1;
	s++;
	if (*s == ' ')
		s++;
	if (coord(&s, '\0', CLI_LON_MAX, &b) != 0)
		return -1;
	*lat = a;
	*lon = b;
	return 0;
}

/* n digits at s as a number, or -1. */
static int fixed(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int cli_parse_time(const char *s, uint64_t *ms)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d, hh = 0, mm = 0;
	size_t len = strlen(s);

	if (len != 10 && len != 16)
		return cli_parse_u64(s, ms);
	if (s[4] != '-' || s[7] != '-' || (y = fixed(s, 4)) < 1970 || (m = fixed(s + 5, 2)) < 1 ||
	    m > 12 || (d = fixed(s + 8, 2)) < 1 || d > mdays[m - 1])
		return cli_parse_u64(s, ms);	/* ten digits of ms, say */
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -1;
	if (len == 16 && (s[10] != 'T' || s[13] != ':' || (hh = fixed(s + 11, 2)) < 0 ||
	    hh > 23 || (mm = fixed(s + 14, 2)) < 0 || mm > 59))
		return -1;
	*ms = ((uint64_t)days_from_civil(y, m, d) * 86400 + (uint64_t)hh * 3600 +
	    (uint64_t)mm * 60) * 1000;
	return 0;
}

/* The length of the time at p: YYYY-MM-DDTHH:MM holds a ':' of its own. */
static size_t time_len(const char *p)
{
	if (strlen(p) >= 16 && p[4] == '-' && p[7] == '-' && p[10] == 'T' && p[13] == ':' &&
	    (p[16] == '\0' || p[16] == ':'))
		return 16;
	return strcspn(p, ":");
}

int cli_parse_phase(char *s, const char **name, uint64_t *start, uint64_t *end)
{
	char *c1 = strchr(s, ':'), *c2 = NULL;
	uint64_t a = 0, b = 0;

	if (c1 != NULL) {
		*c1++ = '\0';
		c2 = c1 + time_len(c1);
		if (*c2 == ':')
			*c2++ = '\0';
		else
			c2 = NULL;
	}
	if (*s == '\0' || (c1 != NULL && cli_parse_time(c1, &a) != 0) ||
	    (c2 != NULL && (cli_parse_time(c2, &b) != 0 || b < a)))
		return -1;
	*name = s;
	*start = a;
	*end = b;
	return 0;
}

int cli_parse_unit(char *s, const char **name, uint64_t *budget)
{
	char *c = strrchr(s, ':');
	uint64_t b;

	if (c == NULL || c == s || cli_parse_u64(c + 1, &b) != 0 || b == 0)
		return -1;
	*c = '\0';
	*name = s;
	*budget = b;
	return 0;
}

int cli_parse_attr(char *s, const char **name, const char **value)
{
	char *e = strchr(s, '=');

	if (e == NULL || e == s)
		return -1;
	*e = '\0';
	*name = s;
	*value = e + 1;
	return 0;
}
