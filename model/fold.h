/* fold.h: the search terms of a text (spec/search.md sections 1-3): split
 * into words, folded (case and diacritics: "Łódź" -> "lodz"), stop words
 * dropped, Polish endings stripped ("drzewa", "drzewami" -> "drzew").
 *
 * Pure: no I/O, no clock, no global mutable state; the Unicode data is
 * ICU's (libicu: NFKD decomposition, simple case folding, character
 * classes). The same text gives the same terms on every machine, since ICU's
 * data only grows for code points assigned later. Input is any bytes:
 * invalid UTF-8 separates words like a space does. */
#ifndef WIEC_FOLD_H
#define WIEC_FOLD_H

#include <stddef.h>

#define FOLD_TERM_MAX 32	/* bytes of a term: longer words are cut (at a
				 * character boundary) */

/* Flags of fold_terms. */
#define FOLD_QUERY 1u		/* a query: a word directly followed by '*'
				 * is a prefix (folded and stemmed, kept even
				 * if it is a stop word) */
#define FOLD_WORDS 2u		/* every word as folded (section 2 alone): not
				 * stemmed, no stop word dropped, one-letter
				 * words kept (comparing labels) */

/* Called once per term, in text order (repeats included): term[0..len) is
 * UTF-8, 2..FOLD_TERM_MAX bytes (FOLD_WORDS: 1..), not NUL-terminated,
 * valid only during the call; prefix is 1 for a query word ending in '*'. A nonzero return stops
 * the walk and is returned by fold_terms. */
typedef int (*fold_term_cb)(void *arg, const char *term, size_t len, int prefix);

/* Walks the terms of s[0..n). Returns 0, or the callback's nonzero value. */
int fold_terms(const char *s, size_t n, unsigned flags, fold_term_cb cb, void *arg);

/* A folding context: remembers what ICU said for the two-byte UTF-8 code
 * points (U+0080..U+07FF: Latin with diacritics, Greek, Cyrillic, ...) so
 * that a caller folding many texts (an ingest transaction) asks ICU once
 * per distinct character. Owned by one thread at a time; the terms are
 * exactly those of fold_terms. */
typedef struct fold_ctx fold_ctx_t;

/* A new context (about 16 KB), or NULL when out of memory. Caller owns it;
 * free with fold_ctx_destroy. */
fold_ctx_t *fold_ctx_new(void);

/* Frees *ctx (NULL accepted) and sets *ctx to NULL. */
void fold_ctx_destroy(fold_ctx_t **ctx);

/* fold_terms through ctx (NULL: none, as fold_terms). */
int fold_terms_ctx(fold_ctx_t *ctx, const char *s, size_t n, unsigned flags, fold_term_cb cb,
    void *arg);

/* The Polish ending rule alone (spec/search.md section 3) on a folded word
 * w[0..len): the length of its stem (len when nothing is stripped). */
size_t fold_stem(const char *w, size_t len);

#endif
