/* mkballots: writes an export file (spec/events.md section 9) holding the
 * ballots of N new residents, one each, for one option of a budget poll
 * of the network of DIR (a process without eligibility: every ballot
 * counts). For testing recounts too long to post ballot by ballot.
 *
 *   tool-mkballots DIR N PROCESS POLL OPTION UNIT OUT */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "proto/event.h"
#include "proto/frame.h"
#include "proto/genesis.h"
#include "store/store.h"

static void die(const char *what)
{
	fprintf(stderr, "mkballots: %s\n", what);
	exit(1);
}

static void id_arg(uint8_t out[static HASH_BYTES], const char *hex)
{
	size_t got = 0;

	if (strlen(hex) != 2 * HASH_BYTES || sodium_hex2bin(out, HASH_BYTES, hex, strlen(hex),
	    NULL, &got, NULL) != 0 || got != HASH_BYTES)
		die("an id is 64 hex digits");
}

int main(int argc, char **argv)
{
	uint8_t *g = NULL, *env, process[HASH_BYTES], poll[HASH_BYTES], option[HASH_BYTES];
	char path[4096];
	size_t glen, len;
	long n;
	genesis_t gen;
	store_t *st = NULL;
	FILE *f;

	if (argc != 8 || (n = atol(argv[2])) < 1 || n > 1000000)
		die("usage: tool-mkballots DIR N PROCESS POLL OPTION UNIT OUT");
	if (sodium_init() < 0)
		die("libsodium");
	id_arg(process, argv[3]);
	id_arg(poll, argv[4]);
	id_arg(option, argv[5]);
	snprintf(path, sizeof path, "%s/store", argv[1]);
	if (store_open(&st, path, 0, STORE_OPEN_RDONLY) != 0 || store_genesis(st, &g, &glen) != 0 ||
	    genesis_decode(&gen, g, glen, 1) != 0)
		die("cannot read the genesis of DIR");
	store_close(&st);
	if ((f = fopen(argv[7], "wb")) == NULL || frame_write_magic(f) != 0 ||
	    frame_write(f, g, glen) != 0)
		die("cannot write OUT");
	for (long i = 0; i < n; i++) {
		Wiec__Body b = WIEC__BODY__INIT;
		Wiec__Vote v = WIEC__VOTE__INIT;
		Wiec__Choice ch = WIEC__CHOICE__INIT, *chp = &ch;
		uint8_t seed[32];
		key_pair_t kp;

		/* Deterministic residents, so that a rerun writes the same file. */
		hash_2(seed, "mkballots", 9, &i, sizeof i);
		if (key_from_seed(&kp, seed) != 0)
			die("libsodium");
		ch.project.data = option;
		ch.project.len = HASH_BYTES;
		v.process.data = process;
		v.process.len = HASH_BYTES;
		v.poll.data = poll;
		v.poll.len = HASH_BYTES;
		v.unit = argv[6];
		v.choices = &chp;
		v.n_choices = 1;
		b.content_case = WIEC__BODY__CONTENT_VOTE;
		b.vote = &v;
		b.timestamp = 1795996800000ULL + (uint64_t)i;
		ev_set_header(&b, gen.network, kp.pk, 0, NULL);
		if (ev_build(&env, &len, &kp, &b) != 0)
			die("ev_build");
		key_wipe(&kp);
		if (frame_write(f, env, len) != 0)
			die("cannot write OUT");
		free(env);
	}
	if (fclose(f) != 0)
		die("cannot write OUT");
	free(g);
	genesis_free(&gen);
	return 0;
}
