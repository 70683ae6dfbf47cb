/* runner.c: runs every TEST in tests/unit, or those whose name starts with
 * argv[1]. Each test gets its own empty temporary directory. Prints one line
 * per test and ends with "N passed, M failed". */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/test.h"

#define T(name) void test_##name(test_ctx_t *);
#include "tests.inc"
#undef T

static const struct {
	const char *name;
	void (*fn)(test_ctx_t *);
} tests[] = {
#define T(name) { #name, test_##name },
#include "tests.inc"
#undef T
};

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	char cmd[512];

	if (sodium_init() < 0) {
		fprintf(stderr, "unit-tests: sodium_init failed\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
		char dir[] = "/tmp/wiec-unit-XXXXXX";
		test_ctx_t t = { 0, dir };

		if (argc > 1 && strncmp(tests[i].name, argv[1], strlen(argv[1])) != 0)
			continue;
		if (mkdtemp(dir) == NULL) {
			perror("mkdtemp");
			return 1;
		}
		tests[i].fn(&t);
		printf("%s %s\n", t.failed ? "FAIL" : "ok  ", tests[i].name);
		t.failed ? failed++ : passed++;
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "unit-tests: could not remove %s\n", dir);
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
