/* json.c: the CLI's one JSON writer (json.h). */
#include <inttypes.h>
#include <string.h>

#include "cli/json.h"

void json_init(json_t *j, FILE *f)
{
	memset(j, 0, sizeof *j);
	j->f = f;
}

/* Before any value: the separator its position needs. */
static void sep(json_t *j)
{
	if (j->key) {
		j->key = 0;
		return;
	}
	if (j->depth > 0 && j->depth <= JSON_DEPTH_MAX) {
		if (j->used[j->depth - 1])
			fputs(", ", j->f);
		j->used[j->depth - 1] = 1;
	}
}

static void open_level(json_t *j, int open, int close)
{
	sep(j);
	fputc(open, j->f);
	if (j->depth < JSON_DEPTH_MAX) {
		j->used[j->depth] = 0;
		j->close[j->depth] = (char)close;
	}
	j->depth++;
}

void json_obj(json_t *j)
{
	open_level(j, '{', '}');
}

void json_arr(json_t *j)
{
	open_level(j, '[', ']');
}

void json_end(json_t *j)
{
	if (j->depth == 0)
		return;
	j->depth--;
	fputc(j->depth < JSON_DEPTH_MAX ? j->close[j->depth] : '}', j->f);
	if (j->depth == 0)
		fputc('\n', j->f);
}

void json_mark(json_t *j)
{
	if (j->depth > 0 && j->depth <= JSON_DEPTH_MAX)
		j->used[j->depth - 1] = 1;
}

void json_key(json_t *j, const char *k)
{
	sep(j);
	json_fstr(j->f, k);
	fputs(": ", j->f);
	j->key = 1;
}

/* The length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n, uint32_t *cp)
{
	unsigned c = p[0];
	size_t need;
	uint32_t v;

	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		v = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		v = c & 0x07;
	} else {
		return 0;
	}
	if (need >= n)
		return 0;
	for (size_t i = 1; i <= need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates, beyond U+10FFFF. */
	if ((need == 2 && v < 0x800) || (need == 3 && v < 0x10000) ||
	    (v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff)
		return 0;
	*cp = v;
	return need + 1;
}

void json_fstrn(FILE *f, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, l;
	uint32_t cp;

	fputc('"', f);
	while (i < n) {
		unsigned c = p[i];

		if (c < 0x80) {
			if (c == '"')
				fputs("\\\"", f);
			else if (c == '\\')
				fputs("\\\\", f);
			else if (c == '\n')
				fputs("\\n", f);
			else if (c == '\t')
				fputs("\\t", f);
			else if (c < 0x20 || c == 0x7f)
				fprintf(f, "\\u%04x", c);
			else
				fputc((int)c, f);
			i++;
			continue;
		}
		if ((l = utf8_len(p + i, n - i, &cp)) == 0) {
			fputs("\\ufffd", f);	/* not UTF-8: one replacement per byte */
			i++;
			continue;
		}
		/* C1 controls, line separators, and the bidirectional marks and
		 * overrides that make text display as other text (U+061C,
		 * U+200E-F, U+202A-E, U+2066-9): escaped, so a reader of the
		 * raw JSON sees them. */
		if ((cp >= 0x80 && cp < 0xa0) || cp == 0x2028 || cp == 0x2029 || cp == 0x061c ||
		    cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069))
			fprintf(f, "\\u%04" PRIx32, cp);
		else
			fwrite(p + i, 1, l, f);
		i += l;
	}
	fputc('"', f);
}

void json_fstr(FILE *f, const char *s)
{
	json_fstrn(f, s, strlen(s));
}

void json_str(json_t *j, const char *s)
{
	sep(j);
	json_fstr(j->f, s);
}

void json_strn(json_t *j, const char *s, size_t n)
{
	sep(j);
	json_fstrn(j->f, s, n);
}

void json_u64(json_t *j, uint64_t v)
{
	sep(j);
	fprintf(j->f, "%" PRIu64, v);
}

void json_i64(json_t *j, int64_t v)
{
	sep(j);
	fprintf(j->f, "%" PRId64, v);
}

void json_bool(json_t *j, int v)
{
	sep(j);
	fputs(v ? "true" : "false", j->f);
}

void json_null(json_t *j)
{
	sep(j);
	fputs("null", j->f);
}

void json_hex(json_t *j, const uint8_t *b, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	sep(j);
	fputc('"', j->f);
	for (size_t i = 0; i < n; i++) {
		fputc(digits[b[i] >> 4], j->f);
		fputc(digits[b[i] & 15], j->f);
	}
	fputc('"', j->f);
}

void json_hex_or_null(json_t *j, const uint8_t *b, size_t n)
{
	size_t i = 0;

	while (i < n && b[i] == 0)
		i++;
	if (i == n)
		json_null(j);
	else
		json_hex(j, b, n);
}

void json_kstr(json_t *j, const char *k, const char *s)
{
	json_key(j, k);
	json_str(j, s);
}

void json_ku64(json_t *j, const char *k, uint64_t v)
{
	json_key(j, k);
	json_u64(j, v);
}

void json_ki64(json_t *j, const char *k, int64_t v)
{
	json_key(j, k);
	json_i64(j, v);
}

void json_kbool(json_t *j, const char *k, int v)
{
	json_key(j, k);
	json_bool(j, v);
}

void json_khex(json_t *j, const char *k, const uint8_t *b, size_t n)
{
	json_key(j, k);
	json_hex(j, b, n);
}
