/* fold.c: words -> search terms (spec/search.md sections 1-3).
 *
 * The terms are fixed by the spec and by every index already written, so
 * each fast path here is an exact shortcut of the plain rule, checked
 * against the plain implementation (tests/unit/fold_ref.inc) on a varied
 * corpus by tests/unit/test_fold_ref.c:
 * - ASCII letters and digits through one table, a run at a time;
 * - stop words and endings found by a switch on the word's last bytes read
 *   as one integer (letters are never 0, so lengths cannot collide);
 * - "only a-z" tracked while the word is built, not scanned again;
 * - ICU asked once per two-byte character when the caller keeps a
 *   fold_ctx_t (what ICU answers is a pure function of the code point). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/utf16.h>

#include "model/fold.h"

#define STEM_MIN 3	/* bytes a stem keeps, at least */

/* Up to 5 bytes as a big-endian integer: a switch label. */
#define K1(a) ((uint64_t)(unsigned char)(a))
#define K2(a, b) (K1(a) << 8 | K1(b))
#define K3(a, b, c) (K2(a, b) << 8 | K1(c))
#define K4(a, b, c, d) (K3(a, b, c) << 8 | K1(d))
#define K5(a, b, c, d, e) (K4(a, b, c, d) << 8 | K1(e))

static uint64_t pack(const char *w, size_t len)
{
	uint64_t v = 0;

	for (size_t i = 0; i < len; i++)
		v = v << 8 | (unsigned char)w[i];
	return v;
}

/* The Polish stop words, folded (spec/search.md s2): a word of 2 to 5
 * letters a-z, packed. */
static int stop_word(uint64_t v)
{
	switch (v) {
	case K3('a', 'b', 'y'): case K3('a', 'l', 'e'): case K2('b', 'o'): case K2('b', 'y'):
	case K2('c', 'o'): case K3('c', 'z', 'y'): case K3('d', 'l', 'a'): case K2('d', 'o'):
	case K2('g', 'o'): case K3('i', 'c', 'h'): case K3('j', 'a', 'k'):
	case K4('j', 'a', 'k', 'o'): case K4('j', 'e', 's', 't'): case K3('j', 'u', 'z'):
	case K3('l', 'u', 'b'): case K2('n', 'a'): case K3('n', 'a', 'd'): case K3('n', 'i', 'e'):
	case K2('o', 'd'): case K4('o', 'r', 'a', 'z'): case K2('p', 'o'): case K3('p', 'o', 'd'):
	case K5('p', 'r', 'z', 'e', 'z'): case K4('p', 'r', 'z', 'y'): case K2('s', 'a'):
	case K3('s', 'i', 'e'): case K2('t', 'a'): case K3('t', 'a', 'k'): case K2('t', 'e'):
	case K4('t', 'e', 'g', 'o'): case K3('t', 'e', 'n'): case K2('t', 'o'): case K2('t', 'u'):
	case K2('w', 'e'): case K2('z', 'e'):
		return 1;
	default:
		return 0;
	}
}

/* The endings of spec/search.md s3, packed. */
static int ending(uint64_t v)
{
	switch (v) {
	case K5('o', 'w', 'e', 'g', 'o'): case K5('o', 'w', 'e', 'm', 'u'):
	case K5('o', 'w', 'y', 'c', 'h'): case K5('o', 'w', 'y', 'm', 'i'):
	case K4('i', 'a', 'c', 'h'): case K4('i', 'a', 'm', 'i'): case K4('o', 'w', 'e', 'j'):
	case K4('o', 'w', 'i', 'e'): case K4('o', 'w', 'y', 'm'):
	case K3('a', 'c', 'h'): case K3('a', 'm', 'i'): case K3('e', 'g', 'o'):
	case K3('e', 'm', 'u'): case K3('i', 'c', 'h'): case K3('i', 'e', 'm'):
	case K3('i', 'm', 'i'): case K3('i', 'o', 'm'): case K3('o', 'w', 'a'):
	case K3('o', 'w', 'e'): case K3('o', 'w', 'i'): case K3('o', 'w', 'y'):
	case K3('y', 'c', 'h'): case K3('y', 'm', 'i'):
	case K2('e', 'j'): case K2('e', 'm'): case K2('i', 'a'): case K2('i', 'e'):
	case K2('i', 'i'): case K2('i', 'm'): case K2('i', 'u'): case K2('o', 'm'):
	case K2('o', 'w'): case K2('y', 'm'):
	case K1('a'): case K1('e'): case K1('i'): case K1('o'): case K1('u'): case K1('y'):
		return 1;
	default:
		return 0;
	}
}

/* fold_stem of a word known to be only a-z: the longest ending that
 * leaves STEM_MIN bytes (endings that end a word are suffixes of each
 * other, so "the first in longest-first order" is "the longest"). */
static size_t stem_az(const char *w, size_t len)
{
	size_t k;
	uint64_t v;

	if (len < STEM_MIN + 1)
		return len;
	switch (w[len - 1]) {	/* the last letters of the endings */
	case 'a': case 'e': case 'h': case 'i': case 'j': case 'm': case 'o': case 'u':
	case 'w': case 'y':
		break;
	default:
		return len;
	}
	k = len - STEM_MIN < 5 ? len - STEM_MIN : 5;
	v = pack(w + len - k, k);
	for (; k > 0; k--)
		if (ending(v & (((uint64_t)1 << 8 * k) - 1)))
			return len - k;
	return len;
}

size_t fold_stem(const char *w, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (w[i] < 'a' || w[i] > 'z')
			return len;	/* digits or other scripts: as they are */
	return stem_az(w, len);
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
	int az;			/* b[0..len) is only a-z */
	int words;		/* FOLD_WORDS: every word as folded */
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
	if (cp < 'a' || cp > 'z')
		w->az = 0;
}

/* Ends the current word: hands its term to cb (prefix: a query's '*').
 * Stop words and endings are all a-z: other words are terms as they are. */
static int end_word(word_t *w, int prefix, fold_term_cb cb, void *arg)
{
	size_t len = w->len;
	int rc = 0;

	if (w->words) {
		if (w->chars >= 1)
			rc = cb(arg, w->b, len, 0);
	} else if (w->chars >= 2) {
		/* A prefix is stemmed too (never dropped): the terms are stems,
		 * so 'rowery*' must look for 'rower', what 'rowery' became. */
		if (!w->az)
			rc = cb(arg, w->b, len, prefix);
		else if (prefix)
			rc = cb(arg, w->b, stem_az(w->b, len), 1);
		else if (len > 5 || !stop_word(pack(w->b, len)))
			rc = cb(arg, w->b, stem_az(w->b, len), 0);
	}
	w->len = w->chars = 0;
	w->full = 0;
	w->az = 1;
	return rc;
}

#define CP_MAX 32	/* code points of one character's folded form, at most */

/* The folded form of a non-ASCII code point: out[0..*n) are appended to
 * the word; returns 1 if the character continues a word (a letter, a
 * digit, or only a combining mark), 0 if it separates words. The first
 * part of the decomposition that is not a letter or digit ends it: the
 * parts before it are out, and the character continues the word if there
 * are any (spec/search.md section 2: `½` = 1 U+2044 2 folds to `1`). */
static int fold_cp(const UNormalizer2 *nfkd, int32_t cp, int32_t out[static CP_MAX], size_t *nout)
{
	UChar d[32];
	UErrorCode err = U_ZERO_ERROR;
	int32_t n = nfkd ? unorm2_getDecomposition(nfkd, cp, d, 32, &err) : -1;
	int any = 0, marks = 1;

	*nout = 0;
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
		out[(*nout)++] = c;	/* at most one per UTF-16 unit of d */
		any = 1;
	}
	return any || marks;
}

/* What fold_cp says of one two-byte character, kept by a context. */
enum { CP_UNKNOWN, CP_SEP, CP_CONT, CP_LONG };
#define CACHE_LO 0x80
#define CACHE_HI 0x800
#define CACHE_CPS 3

typedef struct cp_fold {
	uint8_t state;		/* CP_*: CP_LONG is asked of ICU every time */
	uint8_t n;		/* code points in cp */
	uint16_t cp[CACHE_CPS];
} cp_fold_t;

struct fold_ctx {
	const UNormalizer2 *nfkd;	/* ICU's, not ours: never freed */
	cp_fold_t c[CACHE_HI - CACHE_LO];
};

fold_ctx_t *fold_ctx_new(void)
{
	return calloc(1, sizeof(fold_ctx_t));
}

void fold_ctx_destroy(fold_ctx_t **ctx)
{
	if (ctx == NULL)
		return;
	free(*ctx);
	*ctx = NULL;
}

/* Remembers fold_cp's answer for a two-byte character when it fits. */
static void cache_put(cp_fold_t *e, int cont, const int32_t *out, size_t n)
{
	if (n > CACHE_CPS) {
		e->state = CP_LONG;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (out[i] > 0xffff) {
			e->state = CP_LONG;
			return;
		}
		e->cp[i] = (uint16_t)out[i];
	}
	e->n = (uint8_t)n;
	e->state = cont ? CP_CONT : CP_SEP;
}

/* Folds one non-ASCII code point into w (through ctx's cache when it has
 * one); returns 1 if it continues the word. */
static int fold_into(fold_ctx_t *ctx, const UNormalizer2 *nfkd, word_t *w, int32_t cp)
{
	int32_t out[CP_MAX];
	size_t n;
	int cont;

	if (ctx != NULL && cp < CACHE_HI) {
		cp_fold_t *e = &ctx->c[cp - CACHE_LO];

		if (e->state == CP_UNKNOWN) {
			cont = fold_cp(nfkd, cp, out, &n);
			cache_put(e, cont, out, n);
		}
		if (e->state != CP_LONG) {
			for (size_t i = 0; i < e->n; i++)
				put_cp(w, e->cp[i]);
			return e->state == CP_CONT;
		}
	}
	cont = fold_cp(nfkd, cp, out, &n);
	for (size_t i = 0; i < n; i++)
		put_cp(w, out[i]);
	return cont;
}

/* ASCII letters and digits folded; 0 for every other ASCII byte. */
static const unsigned char ascii_fold[128] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 0, 0, 0, 0, 0, 0,
	0, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
	'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 0, 0, 0, 0, 0,
	0, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
	'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 0, 0, 0, 0, 0,
};

int fold_terms_ctx(fold_ctx_t *ctx, const char *s, size_t n, unsigned flags, fold_term_cb cb,
    void *arg)
{
	const unsigned char *u = (const unsigned char *)s;
	const UNormalizer2 *nfkd = NULL;
	UErrorCode err = U_ZERO_ERROR;
	word_t w = { .len = 0, .az = 1, .words = (flags & FOLD_WORDS) != 0 };
	size_t i = 0;
	int rc;

	while (i < n) {
		unsigned char c = u[i];
		int32_t cp;

		/* ASCII, the bulk of any text: no library call, a run at a time. */
		if (c < 0x80) {
			unsigned char f = ascii_fold[c];

			if (f != 0) {
				size_t len = w.len, chars = w.chars;
				int full = w.full, az = w.az;

				do {
					chars++;
					if (!full && len < FOLD_TERM_MAX) {
						w.b[len++] = (char)f;
						az &= f >= 'a';
					} else {
						full = 1;
					}
					if (++i == n)
						break;
					c = u[i];
					f = c < 0x80 ? ascii_fold[c] : 0;
				} while (f != 0);
				w.len = len;
				w.chars = chars;
				w.full = full;
				w.az = az;
				continue;
			}
			i++;
			if (w.chars > 0 &&
			    (rc = end_word(&w, (flags & FOLD_QUERY) && c == '*', cb, arg)) != 0)
				return rc;
			continue;
		}
		if ((cp = next_cp(u, n, &i)) >= 0) {
			if (ctx != NULL) {
				if (ctx->nfkd == NULL &&
				    (ctx->nfkd = unorm2_getNFKDInstance(&err)) == NULL)
					err = U_ZERO_ERROR;
				nfkd = ctx->nfkd;
			} else if (nfkd == NULL && (nfkd = unorm2_getNFKDInstance(&err)) == NULL) {
				err = U_ZERO_ERROR;
			}
			/* Without ICU's data a character folds to itself: keep no
			 * such answer (the next call may have the data). */
			if (fold_into(nfkd != NULL ? ctx : NULL, nfkd, &w, cp))
				continue;
		}
		if (w.chars > 0 && (rc = end_word(&w, 0, cb, arg)) != 0)
			return rc;
	}
	return w.chars > 0 ? end_word(&w, 0, cb, arg) : 0;
}

int fold_terms(const char *s, size_t n, unsigned flags, fold_term_cb cb, void *arg)
{
	return fold_terms_ctx(NULL, s, n, flags, cb, arg);
}
