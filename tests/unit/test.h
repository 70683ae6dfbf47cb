/* test.h: the unit-test helper. A test is `TEST(name) { ... }` at the start
 * of a line in a file of tests/unit; the Makefile lists them all for the runner.
 * CHECK stops the test at the first failed condition and names it. */
#ifndef WIEC_TEST_H
#define WIEC_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct test_ctx {
	int failed;
	const char *tmp;	/* a fresh empty directory for this test */
} test_ctx_t;

#define TEST(name) void test_##name(test_ctx_t *t_); void test_##name(test_ctx_t *t_)

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
		t_->failed = 1; \
		return; \
	} \
} while (0)

#define CHECK_EQ_U64(a, b) do { \
	unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b); \
	if (a_ != b_) { \
		fprintf(stderr, "  %s:%d: %s == %llu, expected %s == %llu\n", \
		    __FILE__, __LINE__, #a, a_, #b, b_); \
		t_->failed = 1; \
		return; \
	} \
} while (0)

#define TEST_TMP (t_->tmp)

/* A deterministic generator for property tests (xorshift64*). */
static inline unsigned long long test_rand(unsigned long long *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

#endif
