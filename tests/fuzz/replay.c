/* replay.c: runs a fuzz target over a saved corpus without libFuzzer.
 *
 *     build/fuzz-NAME tests/fuzz/corpus/NAME
 *
 * Feeds every regular file of the directory to LLVMFuzzerTestOneInput and
 * prints "ok   fuzz-NAME (N inputs)". A crash, a sanitizer report or an
 * unreadable corpus ends the run with a non-zero status, which is what
 * tests/run.sh counts as a failure. */
#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int main(int argc, char **argv);

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads path whole into a malloc'd buffer (at least one byte, so that an
 * empty file still yields a pointer the target may look at). */
static int slurp(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL;
	size_t cap = 0, n = 0;

	if (f == NULL)
		return -1;
	for (;;) {
		if (n == cap) {
			uint8_t *nb;

			cap = cap ? 2 * cap : 4096;
			if ((nb = realloc(b, cap)) == NULL)
				goto fail;
			b = nb;
		}
		n += fread(b + n, 1, cap - n, f);
		if (n < cap)
			break;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	*buf = b;
	*len = n;
	return 0;
fail:
	free(b);
	fclose(f);
	return -1;
}

/* The corpus directory's last path component, trailing slashes ignored. */
static void target_name(char *out, size_t outlen, const char *dir)
{
	size_t end = strlen(dir), start;

	while (end > 1 && dir[end - 1] == '/')
		end--;
	start = end;
	while (start > 0 && dir[start - 1] != '/')
		start--;
	snprintf(out, outlen, "%.*s", (int)(end - start), dir + start);
}

int main(int argc, char **argv)
{
	char name[256], path[4096];
	char **names = NULL;
	size_t nnames = 0, cap = 0, inputs = 0;
	struct dirent *de;
	DIR *d;
	int rc = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS-DIR\n", argv[0]);
		return 2;
	}
	target_name(name, sizeof name, argv[1]);
	if (sodium_init() < 0) {
		fprintf(stderr, "FAIL fuzz-%s: sodium_init failed\n", name);
		return 1;
	}
	if ((d = opendir(argv[1])) == NULL) {
		fprintf(stderr, "FAIL fuzz-%s: %s: %s\n", name, argv[1], strerror(errno));
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (nnames == cap) {
			char **nn;

			cap = cap ? 2 * cap : 64;
			if ((nn = realloc(names, cap * sizeof *names)) == NULL)
				goto out;
			names = nn;
		}
		if ((names[nnames] = strdup(de->d_name)) == NULL)
			goto out;
		nnames++;
	}
	/* A fixed order makes a failure reproducible from the output. */
	qsort(names, nnames, sizeof *names, cmp_names);
	for (size_t i = 0; i < nnames; i++) {
		struct stat st;
		uint8_t *buf;
		size_t len;

		snprintf(path, sizeof path, "%s/%s", argv[1], names[i]);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (slurp(path, &buf, &len) != 0) {
			fprintf(stderr, "FAIL fuzz-%s: %s: %s\n", name, path, strerror(errno));
			goto out;
		}
		LLVMFuzzerTestOneInput(buf, len);
		free(buf);
		inputs++;
	}
	if (inputs == 0) {
		fprintf(stderr, "FAIL fuzz-%s: no inputs in %s\n", name, argv[1]);
		goto out;
	}
	printf("ok   fuzz-%s (%zu inputs)\n", name, inputs);
	rc = 0;
out:
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}
