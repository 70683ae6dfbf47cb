/* fuzz_fold.c: search terms of untrusted text (model/fold.h), in both
 * modes. Every term must be 2..FOLD_TERM_MAX bytes of valid UTF-8 that
 * folds to itself when it is not a prefix, stemmed or not (a term folded
 * again is the same term: what the index stores is what a query finds). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/fold.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int utf8_ok(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t k = s[i] < 0x80 ? 1 : s[i] >= 0xf0 ? 4 : s[i] >= 0xe0 ? 3 : 2;

		if (s[i] >= 0x80 && s[i] < 0xc2)
			return 0;
		if (i + k > n)
			return 0;
		for (size_t j = 1; j < k; j++)
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
		i += k;
	}
	return 1;
}

typedef struct again {
	const char *t;
	size_t len;
	int found;
} again_t;

static int same(void *arg, const char *t, size_t len, int prefix)
{
	again_t *a = arg;

	(void)prefix;
	/* Folding a term again gives one term, a prefix of it (stemming may
	 * strip once more: "drzewami" -> "drzewa"? no: longest ending first,
	 * but a stem may itself end in an ending). */
	if (len > a->len || memcmp(t, a->t, len) != 0)
		abort();
	a->found++;
	return 0;
}

static int check(void *arg, const char *t, size_t len, int prefix)
{
	char *copy;
	again_t a = { t, len, 0 };

	(void)arg;
	if (len < 2 || len > FOLD_TERM_MAX || !utf8_ok((const unsigned char *)t, len))
		abort();
	if ((copy = malloc(len)) == NULL)
		return 0;
	memcpy(copy, t, len);
	if (!prefix && fold_terms(copy, len, 0, same, &a) != 0)
		abort();
	if (a.found > 1)
		abort();
	free(copy);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	/* An exactly sized copy, so ASan sees any read past size. */
	if ((text = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	if (fold_terms(text, size, 0, check, NULL) != 0 ||
	    fold_terms(text, size, FOLD_QUERY, check, NULL) != 0)
		abort();
	free(text);
	return 0;
}
