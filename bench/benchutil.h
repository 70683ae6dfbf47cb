/* benchutil.h: what the benchmarks share: a monotonic clock, a seeded
 * generator, and timing a whole command as a process. Header-only (each
 * bench is one file and one binary). */
#ifndef WIEC_BENCHUTIL_H
#define WIEC_BENCHUTIL_H

#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/genesis.h"

extern char **environ;

/* Seconds on the monotonic clock. */
static inline double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* SplitMix64: a deterministic stream from the seed *s. */
static inline uint64_t bench_splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Runs argv with stdout and stderr to /dev/null; seconds taken, or -1 if
 * it could not run or did not exit 0. */
static inline double bench_run(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	double t0 = bench_now(), t;
	pid_t pid;
	int st;

	if (posix_spawn_file_actions_init(&fa) != 0)
		return -1;
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	t = bench_now() - t0;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? t : -1;
}

/* qsort order of doubles, smallest first. */
static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* A one-founder genesis for a benchmark's store: city gets the founder key
 * (seed 32 x 0xf0), *genesis the signed genesis (malloc'd; the caller frees
 * it), network its network id. Returns 0 or a wiec_err_t. */
static inline int bench_genesis(key_pair_t *city, uint8_t **genesis, size_t *len,
    uint8_t network[static HASH_BYTES])
{
	uint8_t seed[32], transport[KEY_X_BYTES], *draft = NULL;
	Wiec__Founder f = WIEC__FOUNDER__INIT;
	const Wiec__Founder *fp = &f;
	size_t dlen;
	genesis_t g;
	int rc;

	memset(seed, 0xf0, sizeof seed);
	memset(transport, 0x42, sizeof transport);
	if ((rc = key_from_seed(city, seed)) != 0)
		return rc;
	f.key.data = city->pk;
	f.key.len = KEY_PK_BYTES;
	f.name = "Urząd Miasta";
	f.role = WIEC__ROLE__ROLE_CITY;
	f.transport.data = transport;
	f.transport.len = KEY_X_BYTES;
	if ((rc = genesis_new(&draft, &dlen, "bench", 1795996800000ULL, &fp, 1, 0)) != 0 ||
	    (rc = genesis_sign(genesis, len, draft, dlen, city)) != 0 ||
	    (rc = genesis_decode(&g, *genesis, *len, 1)) != 0)
		goto out;
	memcpy(network, g.network, HASH_BYTES);
	genesis_free(&g);
out:
	free(draft);
	return rc;
}

#endif
