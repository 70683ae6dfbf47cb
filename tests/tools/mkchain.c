/* mkchain: writes an export file (spec/events.md section 9) holding one
 * new resident's chain of N ideas for the network of DIR, in the order
 * asked: forward, reverse, or shuffled (with a seed). For testing that an
 * export in any order imports completely.
 *
 *   tool-mkchain DIR N forward|reverse|shuffle SEED OUT */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "crypto/key.h"
#include "proto/event.h"
#include "proto/frame.h"
#include "proto/genesis.h"
#include "store/store.h"

static void die(const char *what)
{
	fprintf(stderr, "mkchain: %s\n", what);
	exit(1);
}

int main(int argc, char **argv)
{
	char path[4096], title[64];
	uint8_t *g = NULL, **envs, prev[HASH_BYTES];
	size_t glen, *lens;
	unsigned long long seed;
	long n;
	genesis_t gen;
	key_pair_t kp;
	store_t *st = NULL;
	FILE *f;
	size_t *order;

	if (argc != 6 || (n = atol(argv[2])) < 1 || n > 1000000)
		die("usage: tool-mkchain DIR N forward|reverse|shuffle SEED OUT");
	seed = strtoull(argv[4], NULL, 10) | 1;
	if (sodium_init() < 0 || key_generate(&kp) != 0)
		die("libsodium");
	snprintf(path, sizeof path, "%s/store", argv[1]);
	if (store_open(&st, path, 0, STORE_OPEN_RDONLY) != 0 || store_genesis(st, &g, &glen) != 0 ||
	    genesis_decode(&gen, g, glen, 1) != 0)
		die("cannot read the genesis of DIR");
	store_close(&st);
	envs = calloc((size_t)n, sizeof *envs);
	lens = calloc((size_t)n, sizeof *lens);
	order = calloc((size_t)n, sizeof *order);
	if (envs == NULL || lens == NULL || order == NULL)
		die("out of memory");
	for (long i = 0; i < n; i++) {
		Wiec__Body b = WIEC__BODY__INIT;
		Wiec__Idea idea = WIEC__IDEA__INIT;

		snprintf(title, sizeof title, "chain %ld", i + 1);
		idea.title = title;
		idea.text = "";
		b.content_case = WIEC__BODY__CONTENT_IDEA;
		b.idea = &idea;
		b.timestamp = 1795996800000ULL + (uint64_t)i;
		ev_set_header(&b, gen.network, kp.pk, (uint64_t)i, i ? prev : NULL);
		if (ev_build(&envs[i], &lens[i], &kp, &b) != 0)
			die("ev_build");
		hash_2(prev, envs[i], lens[i], NULL, 0);
		order[i] = (size_t)i;
	}
	if (strcmp(argv[3], "reverse") == 0) {
		for (long i = 0; i < n; i++)
			order[i] = (size_t)(n - 1 - i);
	} else if (strcmp(argv[3], "shuffle") == 0) {
		for (size_t i = (size_t)n; i > 1; i--) {
			size_t j, t;

			seed ^= seed >> 12;
			seed ^= seed << 25;
			seed ^= seed >> 27;
			j = (size_t)((seed * 2685821657736338717ULL) % i);
			t = order[i - 1];
			order[i - 1] = order[j];
			order[j] = t;
		}
	} else if (strcmp(argv[3], "forward") != 0) {
		die("order must be forward, reverse or shuffle");
	}
	if ((f = fopen(argv[5], "wb")) == NULL || frame_write_magic(f) != 0 ||
	    frame_write(f, g, glen) != 0)
		die("cannot write OUT");
	for (long i = 0; i < n; i++)
		if (frame_write(f, envs[order[i]], lens[order[i]]) != 0)
			die("cannot write OUT");
	if (fclose(f) != 0)
		die("cannot write OUT");
	for (long i = 0; i < n; i++)
		free(envs[i]);
	free(envs);
	free(lens);
	free(order);
	free(g);
	genesis_free(&gen);
	key_wipe(&kp);
	return 0;
}
