/* test_fold.c: search terms (model/fold.h): Polish folding without
 * diacritics, the ł rule, stemming, stop words, prefixes, bad UTF-8. */
#include <stdio.h>
#include <string.h>

#include "model/fold.h"
#include "tests/unit/test.h"

/* The terms of a text joined by spaces ("*" after a prefix). */
typedef struct terms {
	char out[512];
	size_t n;
} terms_t;

static int collect(void *arg, const char *t, size_t len, int prefix)
{
	terms_t *ts = arg;

	if (ts->n + len + 3 >= sizeof ts->out)
		return -1;
	if (ts->n > 0)
		ts->out[ts->n++] = ' ';
	memcpy(ts->out + ts->n, t, len);
	ts->n += len;
	if (prefix)
		ts->out[ts->n++] = '*';
	ts->out[ts->n] = '\0';
	return 0;
}

static const char *terms(terms_t *ts, const char *s, unsigned flags)
{
	ts->n = 0;
	ts->out[0] = '\0';
	if (fold_terms(s, strlen(s), flags, collect, ts) != 0)
		return "(callback stopped)";
	return ts->out;
}

#define TERMS(s, want) do { \
	terms_t ts_; \
	const char *got_ = terms(&ts_, (s), 0); \
	if (strcmp(got_, (want)) != 0) { \
		fprintf(stderr, "  %s:%d: terms(\"%s\") = \"%s\", expected \"%s\"\n", \
		    __FILE__, __LINE__, (s), got_, (want)); \
		t_->failed = 1; \
		return; \
	} \
} while (0)

TEST(fold_polish_diacritics)
{
	TERMS("Łódź", "lodz");
	TERMS("lodz", "lodz");
	TERMS("ŁÓDŹ", "lodz");
	TERMS("źródło", "zrodl");
	TERMS("zrodlo", "zrodl");
	TERMS("ZAŻÓŁĆ GĘŚLĄ JAŹŃ", "zazolc gesl jazn");
	TERMS("zazolc gesla jazn", "zazolc gesl jazn");
	TERMS("Gdańsk, Kraków; Wrocław!", "gdansk krak wroclaw");
	TERMS("Krakowa Krakowie krakow", "krak krak krak");
	/* Decomposed input (NFD) folds the same as composed. */
	TERMS("z\xcc\x81" "ro\xcc\x81" "dlo", "zrodl");	/* z + acute, o + acute: ł stays l */
	TERMS("Z\xcc\x81" "RO\xcc\x81" "D\xc5\x81" "O", "zrodl");
}

TEST(fold_stemming)
{
	TERMS("drzewa", "drzew");
	TERMS("drzew", "drzew");
	TERMS("drzewo drzewami drzewach drzewie", "drzew drzew drzew drzew");
	TERMS("ulica ulicy ulice ulicami", "ulic ulic ulic ulic");
	TERMS("rower rowerem rowerowa rowery", "rower rower rower rower");
	TERMS("park parku parków", "park park park");
	TERMS("Łodzi", "lodz");
	/* A stem keeps three bytes: short words stay as they are. */
	TERMS("osy", "osy");
	TERMS("krowa krowy", "krow krow");
	CHECK_EQ_U64(fold_stem("drzewa", 6), 5);
	CHECK_EQ_U64(fold_stem("abc", 3), 3);
	/* Digits and other scripts are never stemmed. */
	TERMS("2024a", "2024a");
	TERMS("Москва", "москва");
}

TEST(fold_words_and_stop_words)
{
	/* One-character words and stop words give no term. */
	TERMS("w parku i na ulicy", "park ulic");
	TERMS("Nie, to się nie da", "da");
	TERMS("", "");
	TERMS("  ... --- ", "");
	/* Digits are words too; punctuation splits. */
	TERMS("ul. Mickiewicza 12/14", "ul mickiewicz 12 14");
	TERMS("e-mail", "mail");
}

TEST(fold_query_prefix)
{
	terms_t ts;

	CHECK(strcmp(terms(&ts, "drzew* lodz", FOLD_QUERY), "drzew* lodz") == 0);
	/* A prefix is folded and stemmed (the terms it must match are stems). */
	CHECK(strcmp(terms(&ts, "Drzewa*", FOLD_QUERY), "drzew*") == 0);
	CHECK(strcmp(terms(&ts, "rowery*", FOLD_QUERY), "rower*") == 0);
	CHECK(strcmp(terms(&ts, "Łódź*", FOLD_QUERY), "lodz*") == 0);
	/* A prefix may be a stop word: "nad*" finds "nadzieja". */
	CHECK(strcmp(terms(&ts, "nad* na", FOLD_QUERY), "nad*") == 0);
	/* Outside a query '*' is only a separator. */
	CHECK(strcmp(terms(&ts, "drzewa*", 0), "drzew") == 0);
}

TEST(fold_words_only)
{
	terms_t ts;

	/* Folded (case, diacritics, ł), nothing stemmed or dropped. */
	CHECK(strcmp(terms(&ts, "Dla dzieci i Łąki", FOLD_WORDS), "dla dzieci i laki") == 0);
	CHECK(strcmp(terms(&ts, "Rowery, ZIELEŃ!", FOLD_WORDS), "rowery zielen") == 0);
	CHECK(strcmp(terms(&ts, "Rowery", 0), "rower") == 0);
}

TEST(fold_long_and_bad_input)
{
	terms_t ts;
	char longw[200];

	/* A long word is cut at FOLD_TERM_MAX bytes, never inside a character. */
	memset(longw, 'x', 100);
	longw[100] = '\0';
	terms(&ts, longw, 0);
	CHECK_EQ_U64(strlen(ts.out), FOLD_TERM_MAX);
	for (int i = 0; i < 40; i++)
		memcpy(longw + 2 * i, "\xc5\x82", 2);	/* ł x 40 */
	longw[80] = '\0';
	terms(&ts, longw, 0);
	CHECK_EQ_U64(strlen(ts.out), FOLD_TERM_MAX);
	/* Invalid UTF-8 separates words. */
	CHECK(strcmp(terms(&ts, "drzewa\xff\xfe" "parku", 0), "drzew park") == 0);
	CHECK(strcmp(terms(&ts, "ab\xc5", 0), "ab") == 0);
	CHECK(strcmp(terms(&ts, "ab\xed\xa0\x80" "cd", 0), "ab cd") == 0);	/* a surrogate */
	CHECK(strcmp(terms(&ts, "ab\xc0\xaf" "cd", 0), "ab cd") == 0);	/* overlong */
	/* Letters of any script; full-width forms fold by NFKD. */
	CHECK(strcmp(terms(&ts, "\xef\xbc\xa1\xef\xbc\xa2", 0), "ab") == 0);	/* ＡＢ */
}
