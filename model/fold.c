/* fold.c: words -> search terms (spec/search.md sections 1-3). */
#include <stdint.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/utf16.h>

#include "model/fold.h"

typedef struct word_lit {
	const char *s;
	size_t len;
} word_lit_t;
#define W(s) { s, sizeof s - 1 }

/* Polish words too common to help a search, folded (spec/search.md s2). */
static const word_lit_t stop_words[] = {
	W("aby"), W("ale"), W("bo"), W("by"), W("co"), W("czy"), W("dla"), W("do"), W("go"),
	W("ich"), W("jak"), W("jako"), W("jest"), W("juz"), W("lub"), W("na"), W("nad"),
	W("nie"), W("od"), W("oraz"), W("po"), W("pod"), W("przez"), W("przy"), W("sa"),
	W("sie"), W("ta"), W("tak"), W("te"), W("tego"), W("ten"), W("to"), W("tu"), W("we"),
	W("ze"),
};

/* Endings stripped by fold_stem, longest first (spec/search.md s3). */
static const word_lit_t endings[] = {
	W("owego"), W("owemu"), W("owych"), W("owymi"),
	W("iach"), W("iami"), W("owej"), W("owie"), W("owym"),
	W("ach"), W("ami"), W("ego"), W("emu"), W("ich"), W("iem"), W("imi"), W("iom"),
	W("owa"), W("owe"), W("owi"), W("owy"), W("ych"), W("ymi"),
	W("ej"), W("em"), W("ia"), W("ie"), W("ii"), W("im"), W("iu"), W("om"), W("ow"),
	W("ym"),
	W("a"), W("e"), W("i"), W("o"), W("u"), W("y"),
};
#define STEM_MIN 3	/* bytes a stem keeps, at least */

/* a[0..n) == b[0..n), for the few bytes of a word (no library call). */
static int same(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

size_t fold_stem(const char *w, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (w[i] < 'a' || w[i] > 'z')
			return len;	/* digits or other scripts: as they are */
	if (len < STEM_MIN + 1)
		return len;
	switch (w[len - 1]) {	/* the last letters of the endings */
	case 'a': case 'e': case 'h': case 'i': case 'j': case 'm': case 'o': case 'u':
	case 'w': case 'y':
		break;
	default:
		return len;
	}
	for (size_t i = 0; i < sizeof endings / sizeof endings[0]; i++) {
		size_t el = endings[i].len;

		if (len >= STEM_MIN + el && w[len - 1] == endings[i].s[el - 1] &&
		    same(w + len - el, endings[i].s, el))
			return len - el;
	}
	return len;
}

static int is_stop(const char *w, size_t len)
{
	if (len > 5)
		return 0;
	for (size_t i = 0; i < sizeof stop_words / sizeof stop_words[0]; i++)
		if (stop_words[i].len == len && stop_words[i].s[0] == w[0] &&
		    same(stop_words[i].s, w, len))
			return 1;
	return 0;
}

/* One code point from s[*i..n), advancing *i; -1 for a byte that does not
 * start a valid, shortest-form UTF-8 sequence of a scalar value (it is
 * skipped alone). */
static int32_t next_cp(const unsigned char *s, size_t n, size_t *i)
{
	unsigned char c = s[*i];
	size_t need;
	int32_t cp, min;

	if (c < 0x80) {
		(*i)++;
		return c;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1; cp = c & 0x1f; min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2; cp = c & 0x0f; min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3; cp = c & 0x07; min = 0x10000;
	} else {
		(*i)++;
		return -1;
	}
	if (n - *i <= need) {
		(*i)++;
		return -1;
	}
	for (size_t k = 1; k <= need; k++) {
		if ((s[*i + k] & 0xc0) != 0x80) {
			(*i)++;
			return -1;
		}
		cp = cp << 6 | (s[*i + k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
		(*i)++;
		return -1;
	}
	*i += need + 1;
	return cp;
}

typedef struct word {
	char b[FOLD_TERM_MAX];
	size_t len;		/* bytes in b */
	size_t chars;		/* characters of the word, counted past the cut */
	int full;		/* cut: later characters are dropped */
} word_t;

static void put_cp(word_t *w, int32_t cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp; n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6); u[1] = (char)(0x80 | (cp & 0x3f)); n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12); u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f)); n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18); u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		u[2] = (char)(0x80 | (cp >> 6 & 0x3f)); u[3] = (char)(0x80 | (cp & 0x3f)); n = 4;
	}
	w->chars++;
	if (w->full || w->len + n > FOLD_TERM_MAX) {
		w->full = 1;
		return;
	}
	memcpy(w->b + w->len, u, n);
	w->len += n;
}

/* Ends the current word: hands its term to cb (prefix: a query's '*'). */
static int end_word(word_t *w, int prefix, fold_term_cb cb, void *arg)
{
	size_t len = w->len;
	int rc = 0;

	if (w->chars >= 2 && (prefix || !is_stop(w->b, len))) {
		if (!prefix)
			len = fold_stem(w->b, len);
		rc = cb(arg, w->b, len, prefix);
	}
	w->len = w->chars = 0;
	w->full = 0;
	return rc;
}

/* The folded form of a non-ASCII code point, appended to w; returns 1 if
 * it continues a word (a letter, a digit, or only a combining mark), 0 if
 * it separates words. */
static int fold_cp(const UNormalizer2 *nfkd, word_t *w, int32_t cp)
{
	UChar d[32];
	UErrorCode err = U_ZERO_ERROR;
	int32_t n = nfkd ? unorm2_getDecomposition(nfkd, cp, d, 32, &err) : -1;
	int any = 0, marks = 1;

	if (U_FAILURE(err))
		return 0;
	if (n < 0) {		/* no decomposition: the character itself */
		n = 0;
		U16_APPEND_UNSAFE(d, n, cp);
	}
	for (int32_t i = 0; i < n;) {
		UChar32 c;

		U16_NEXT(d, i, n, c);
		if (u_charType(c) == U_NON_SPACING_MARK || u_charType(c) == U_ENCLOSING_MARK ||
		    u_charType(c) == U_COMBINING_SPACING_MARK)
			continue;	/* diacritics */
		marks = 0;
		c = u_foldCase(c, U_FOLD_CASE_DEFAULT);
		/* Ł/ł (and the like) have no decomposition: stroke letters by hand. */
		if (c == 0x0142)
			c = 'l';
		if (!u_isalnum(c))
			return any;
		if (c < 0x80 && c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		put_cp(w, c);
		any = 1;
	}
	return any || marks;
}

int fold_terms(const char *s, size_t n, unsigned flags, fold_term_cb cb, void *arg)
{
	const unsigned char *u = (const unsigned char *)s;
	const UNormalizer2 *nfkd = NULL;
	UErrorCode err = U_ZERO_ERROR;
	word_t w = { .len = 0 };
	size_t i = 0;
	int rc;

	while (i < n) {
		unsigned char c = u[i];
		int32_t cp;

		/* ASCII, the bulk of any text: no library call. */
		if (c < 0x80) {
			i++;
			if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			    (c >= 'A' && c <= 'Z')) {
				if (c <= 'Z' && c >= 'A')
					c += 'a' - 'A';
				w.chars++;
				if (!w.full && w.len < FOLD_TERM_MAX)
					w.b[w.len++] = (char)c;
				else
					w.full = 1;
				continue;
			}
			if (w.chars > 0 &&
			    (rc = end_word(&w, (flags & FOLD_QUERY) && c == '*', cb, arg)) != 0)
				return rc;
			continue;
		}
		if ((cp = next_cp(u, n, &i)) >= 0) {
			if (nfkd == NULL && (nfkd = unorm2_getNFKDInstance(&err)) == NULL)
				err = U_ZERO_ERROR;
			if (fold_cp(nfkd, &w, cp))
				continue;
		}
		if (w.chars > 0 && (rc = end_word(&w, 0, cb, arg)) != 0)
			return rc;
	}
	return w.chars > 0 ? end_word(&w, 0, cb, arg) : 0;
}
