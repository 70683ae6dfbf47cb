/* test_fold_ref.c: the fast fold_terms (model/fold.c) gives exactly the
 * terms of the plain implementation it replaced (fold_ref.inc, the code
 * of c9cde54), with and without a fold_ctx_t, on a varied corpus: Polish
 * with and without diacritics, capitals, NFD, other scripts, ligatures and
 * compatibility forms, invalid UTF-8, very long words, queries; and on
 * every BMP code point and a sample of the others. The index is derived
 * from these terms, so any difference would change stored bytes. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/utf16.h>

#include "model/fold.h"
#include "tests/unit/test.h"

#include "tests/unit/fold_ref.inc"

/* Every term with its length and prefix flag, concatenated. */
typedef struct out {
	char b[1 << 16];
	size_t n;
	int over;
} out_t;

static int rec(void *arg, const char *t, size_t len, int prefix)
{
	out_t *o = arg;

	if (o->n + len + 2 > sizeof o->b) {
		o->over = 1;
		return 7;
	}
	o->b[o->n++] = (char)len;
	o->b[o->n++] = (char)prefix;
	memcpy(o->b + o->n, t, len);
	o->n += len;
	return 0;
}

static out_t o_ref, o_new, o_ctx;

/* 1 if the three ways agree on s[0..n) with flags. */
static int agree(fold_ctx_t *ctx, const char *s, size_t n, unsigned flags)
{
	int r1, r2, r3;

	o_ref.n = o_new.n = o_ctx.n = 0;
	r1 = ref_fold_terms(s, n, flags, rec, &o_ref);
	r2 = fold_terms(s, n, flags, rec, &o_new);
	r3 = fold_terms_ctx(ctx, s, n, flags, rec, &o_ctx);
	if (r1 == r2 && r1 == r3 && o_ref.n == o_new.n && o_ref.n == o_ctx.n &&
	    memcmp(o_ref.b, o_new.b, o_ref.n) == 0 && memcmp(o_ref.b, o_ctx.b, o_ref.n) == 0)
		return 1;
	fprintf(stderr, "  fold differs on %zu bytes (flags %u):", n, flags);
	for (size_t i = 0; i < n && i < 80; i++)
		fprintf(stderr, " %02x", (unsigned char)s[i]);
	fprintf(stderr, "\n");
	return 0;
}

static size_t put_utf8(char *p, uint32_t cp)
{
	if (cp < 0x80) {
		p[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		p[0] = (char)(0xc0 | cp >> 6); p[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		p[0] = (char)(0xe0 | cp >> 12); p[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		p[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	p[0] = (char)(0xf0 | cp >> 18); p[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	p[2] = (char)(0x80 | (cp >> 6 & 0x3f)); p[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static const char *const fixed[] = {
	"Łódź", "ŁÓDŹ lodz Łodzi", "źródło z\xcc\x81ro\xcc\x81" "dlo", "ZAŻÓŁĆ GĘŚLĄ JAŹŃ",
	"Gdańsk, Kraków; Wrocław! Krakowa Krakowie", "drzewo drzewami drzewach drzewie drzew",
	"ulica ulicy ulice ulicami rowerowa rowerem rowery parków osy krowa",
	"w parku i na ulicy", "Nie, to się nie da", "ul. Mickiewicza 12/14 e-mail",
	"drzew* lodz Drzewa* nad* na drzewa* ab* a* ł* ŁÓDŹ* 12*", "2024a Москва МОСКВЫ Ελλάδα ΣΟΦΊΑ",
	"ＡＢ ﬁnał ﬂ ½ ² ³ Ŀódź ĳs Ĳ ß ẞ ǅ ǆ ŉ ſ ª º µ Å Ω K", "北京 東京 서울 עברית العربية ١٢٣ ०१२",
	"😀 𝐀𝐁𝐂 𝔄 emoji👍test", "drzewa\xff\xfe" "parku ab\xc5 ab\xed\xa0\x80" "cd ab\xc0\xaf" "cd",
	"\xf4\x90\x80\x80 \xf0\x80\x80\x80 \xe0\x80\x80 \x80\x80 \xc2", "a\xcc\x81 \xcc\x81\xcc\x81 x\xcc\x81y",
	"owego owemu owych owymi iach iami owej owie owym ach ami ego emu ich iem imi iom",
	"owa owe owi owy ych ymi ej em ia ie ii im iu om ow ym a e i o u y",
	"aby ale bo by co czy dla do go ich jak jako jest juz lub na nad nie od oraz",
	"po pod przez przy sa sie ta tak te tego ten to tu we ze ABY Przez JUŻ już SĄ się",
	"kotowego kotowemu dobrych nowymi zwierzętach zwierzętami mowej krowie",
	"ab abc abcd abcde abcdef kota kotami kotach kotem kotu koty kocie kotowie",
};

TEST(fold_ref_fixed_corpus)
{
	fold_ctx_t *ctx = fold_ctx_new();

	CHECK(ctx != NULL);
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
		CHECK(agree(ctx, fixed[i], strlen(fixed[i]), 0));
		CHECK(agree(ctx, fixed[i], strlen(fixed[i]), FOLD_QUERY));
	}
	fold_ctx_destroy(&ctx);
	CHECK(ctx == NULL);
	fold_ctx_destroy(&ctx);
}

/* Pieces random texts are made of. */
static const char *const pieces[] = {
	"drzew", "a", "ami", "ach", "owego", "owie", "ie", "y", "o", "u", "ej", "iach", "ł", "Ł",
	"ą", "ę", "ó", "ś", "ź", "ż", "ć", "ń", "Ą", "Ę", "Ó", "Ś", "Ź", "Ż", "Ć", "Ń", "kr", "ak",
	"ów", "na", "nie", "przez", "to", "ze", "jest", "W", "Z", "I", "x", "Q", "9", "2024",
	" ", " ", " ", "  ", ", ", ". ", "-", "/", "*", "* ", "\t", "\n", "'", "\"", "(", ")",
	"\xcc\x81", "\xcc\xa8", "\xcc\x87", "\xe2\x83\x9d", "Мос", "ква", "Σ", "ς", "ά", "北", "京",
	"😀", "𝐀", "ﬁ", "ＡＢ", "½", "Ŀ", "ĳ", "ß", "ǅ", "ŉ", "ſ", "ª", "²", "١", "ا",
	"\xff", "\xfe", "\xc5", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\x80", "\xe2\x82",
	"\xf0\x9f", "\xc3", "\x00", "\xe2\x80\x8b", "\xc2\xa0", "\xe3\x80\x80",
};

/* A random text of up to max bytes: pieces, long runs, random bytes. */
static size_t random_text(char *b, size_t max, unsigned long long *seed)
{
	size_t n = 0;
	size_t want = test_rand(seed) % max;

	while (n < want) {
		unsigned r = (unsigned)(test_rand(seed) % 100);

		if (r < 80) {
			const char *p = pieces[test_rand(seed) % (sizeof pieces / sizeof pieces[0])];
			size_t l = p[0] == '\0' ? 1 : strlen(p);

			if (n + l > max)
				break;
			memcpy(b + n, p, l);
			n += l;
		} else if (r < 88) {	/* a very long word, ASCII or not */
			size_t len = 20 + test_rand(seed) % 60;
			const char *p = r < 84 ? "w" : r < 86 ? "ł" : "北";
			size_t l = strlen(p);

			for (size_t k = 0; k < len && n + l <= max; k++) {
				memcpy(b + n, p, l);
				n += l;
			}
		} else if (r < 94) {	/* a random code point */
			uint32_t cp = (uint32_t)(test_rand(seed) % 0x110000);

			if ((cp >= 0xd800 && cp <= 0xdfff) || n + 4 > max)
				continue;
			n += put_utf8(b + n, cp);
		} else {		/* a random byte */
			b[n++] = (char)test_rand(seed);
		}
	}
	return n;
}

TEST(fold_ref_random_texts)
{
	fold_ctx_t *ctx = fold_ctx_new();
	unsigned long long seed = 0x9e3779b97f4a7c15ULL;
	static char b[4096];

	CHECK(ctx != NULL);
	for (int i = 0; i < 20000; i++) {
		size_t n = random_text(b, i % 10 == 0 ? sizeof b : 200, &seed);

		if (!agree(ctx, b, n, 0) || !agree(ctx, b, n, FOLD_QUERY)) {
			fold_ctx_destroy(&ctx);
			CHECK(0);
		}
	}
	fold_ctx_destroy(&ctx);
}

/* Every BMP code point and every 61st above, inside and around words and
 * at the cut of a long word; a fresh and a warm context alike. */
TEST(fold_ref_every_code_point)
{
	fold_ctx_t *ctx = fold_ctx_new(), *fresh;
	char b[128];

	CHECK(ctx != NULL);
	for (uint32_t cp = 1; cp < 0x110000; cp += cp < 0x10000 ? 1 : 61) {
		size_t n = 0;

		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		memcpy(b, "Ab", 2);
		n = 2;
		n += put_utf8(b + n, cp);
		memcpy(b + n, "cd ", 3);
		n += 3;
		n += put_utf8(b + n, cp);
		b[n++] = '*';
		b[n++] = ' ';
		memset(b + n, 'x', 31);
		n += 31;
		n += put_utf8(b + n, cp);
		n += put_utf8(b + n, cp);
		b[n++] = 'z';
		if (!agree(ctx, b, n, 0) || !agree(ctx, b, n, FOLD_QUERY)) {
			fold_ctx_destroy(&ctx);
			CHECK(0);
		}
	}
	fold_ctx_destroy(&ctx);
	fresh = fold_ctx_new();
	CHECK(fresh != NULL);
	CHECK(agree(fresh, "Łódź ½ ǅ", strlen("Łódź ½ ǅ"), 0));
	fold_ctx_destroy(&fresh);
}

/* fold_stem against the table walk, on words built from the endings'
 * letters (so that most of them end in an ending). */
TEST(fold_ref_stem)
{
	static const char letters[] = "aeghijmouwyczkrst0";
	unsigned long long seed = 12345;
	char w[16];

	for (int i = 0; i < 200000; i++) {
		size_t len = 1 + test_rand(&seed) % 12;

		for (size_t k = 0; k < len; k++)
			w[k] = letters[test_rand(&seed) % (sizeof letters - 1 - (i % 4 != 0))];
		CHECK_EQ_U64(fold_stem(w, len), ref_fold_stem(w, len));
	}
	for (size_t i = 0; i < sizeof ref_endings / sizeof ref_endings[0]; i++)
		for (size_t pre = 0; pre < 5; pre++) {
			memcpy(w, "krowa", pre);
			memcpy(w + pre, ref_endings[i].s, ref_endings[i].len);
			CHECK_EQ_U64(fold_stem(w, pre + ref_endings[i].len),
			    ref_fold_stem(w, pre + ref_endings[i].len));
		}
}
