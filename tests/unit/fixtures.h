/* fixtures.h: deterministic keys, a one-founder genesis, events and stores
 * for the unit tests. Everything here is static inline so that a test file
 * that uses only part of it still compiles cleanly with -Werror.
 *
 * Keys come from key_from_seed with the seed "32 bytes of b"; timestamps
 * are fixed, so the same call always gives the same bytes (Ed25519
 * signatures are deterministic). */
#ifndef WIEC_FIXTURES_H
#define WIEC_FIXTURES_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>

#include "crypto/err.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "proto/event.h"
#include "proto/genesis.h"
#include "store/store.h"

#define FX_FOUNDER_SEED 0xF0
#define FX_TS 1700000000000ULL		/* 2023-11-14, ms */
#define FX_MAP ((size_t)64 << 20)	/* small maps keep the tests fast */

/* One built event: its envelope (malloc'd) and id. */
typedef struct fx_ev {
	uint8_t *env;
	size_t len;
	uint8_t id[HASH_BYTES];
} fx_ev_t;

static inline void fx_key(key_pair_t *kp, uint8_t b)
{
	uint8_t seed[32];

	memset(seed, b, sizeof seed);
	if (key_from_seed(kp, seed) != 0)
		abort();
}

/* A complete (signed) one-founder genesis; *buf is malloc'd. */
static inline int fx_genesis(uint8_t **buf, size_t *len, uint8_t network[static HASH_BYTES])
{
	Wiec__Founder f = WIEC__FOUNDER__INIT;
	const Wiec__Founder *fs[1] = { &f };
	uint8_t transport[KEY_X_BYTES], *g = NULL;
	size_t glen;
	key_pair_t kp;
	genesis_t gen;
	int rc;

	fx_key(&kp, FX_FOUNDER_SEED);
	memset(transport, 0x7a, sizeof transport);
	f.key.data = kp.pk;
	f.key.len = KEY_PK_BYTES;
	f.name = (char *)"Gmina Testowo";
	f.role = WIEC__ROLE__ROLE_CITY;
	f.transport.data = transport;
	f.transport.len = sizeof transport;
	*buf = NULL;
	if ((rc = genesis_new(&g, &glen, "testowo", FX_TS, fs, 1, 1)) != 0)
		return rc;
	rc = genesis_sign(buf, len, g, glen, &kp);
	free(g);
	if (rc != 0)
		return rc;
	if ((rc = genesis_decode(&gen, *buf, *len, 1)) != 0) {
		free(*buf);
		*buf = NULL;
		return rc;
	}
	memcpy(network, gen.network, HASH_BYTES);
	genesis_free(&gen);
	return 0;
}

static inline void fx_network(uint8_t network[static HASH_BYTES])
{
	uint8_t *g;
	size_t len;

	if (fx_genesis(&g, &len, network) != 0)
		abort();
	free(g);
}

/* Opens (creating) the store in dir/name and sets the fixture genesis. */
static inline int fx_store(store_t **s, const char *dir, const char *name, size_t map)
{
	char path[512];
	uint8_t *g, network[HASH_BYTES];
	size_t len;
	int rc;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((rc = store_open(s, path, map, 1)) != 0)
		return rc;
	if ((rc = fx_genesis(&g, &len, network)) != 0)
		return rc;
	rc = store_set_genesis(*s, g, len, network, 0);
	free(g);
	return rc;
}

/* Opens the closed store dir/name with LMDB alone and runs fn(txn, arg) in
 * one write transaction, committed if fn returns 0: damage that the
 * store's own code would never write. */
static inline int fx_raw_edit(const char *dir, const char *name,
    int (*fn)(MDB_txn *txn, void *arg), void *arg)
{
	char path[512];
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	int rc;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((rc = mdb_env_create(&env)) != 0 || (rc = mdb_env_set_maxdbs(env, 24)) != 0 ||
	    (rc = mdb_env_set_mapsize(env, FX_MAP)) != 0 ||
	    (rc = mdb_env_open(env, path, 0, 0600)) != 0 ||
	    (rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0)
		goto out;
	if ((rc = fn(txn, arg)) != 0) {
		mdb_txn_abort(txn);
		goto out;
	}
	rc = mdb_txn_commit(txn);
out:
	mdb_env_close(env);
	return rc;
}

/* Builds an event by kp: kind EV_ANNOUNCE uses text as the name, EV_IDEA as
 * the title (with a fixed text), EV_COMMENT as the text answering target.
 * prev may be NULL only when seq == 1. Returns ev_build's result. */
static inline int fx_build(fx_ev_t *out, const key_pair_t *kp,
    const uint8_t network[static HASH_BYTES], uint64_t seq, const uint8_t *prev,
    int kind, const char *text, const uint8_t *target, uint64_t ts)
{
	Wiec__Body b = WIEC__BODY__INIT;
	Wiec__Announce a = WIEC__ANNOUNCE__INIT;
	Wiec__Idea idea = WIEC__IDEA__INIT;
	Wiec__Comment c = WIEC__COMMENT__INIT;
	int rc;

	b.network.data = (uint8_t *)network;
	b.network.len = HASH_BYTES;
	b.author.data = (uint8_t *)kp->pk;
	b.author.len = KEY_PK_BYTES;
	b.seq = seq;
	if (prev != NULL) {
		b.prev.data = (uint8_t *)prev;
		b.prev.len = HASH_BYTES;
	}
	b.timestamp = ts;
	switch (kind) {
	case EV_ANNOUNCE:
		a.name = (char *)text;
		a.role = WIEC__ROLE__ROLE_NGO;
		b.content_case = WIEC__BODY__CONTENT_ANNOUNCE;
		b.announce = &a;
		break;
	case EV_IDEA:
		idea.title = (char *)text;
		idea.text = (char *)"More trees on the market square.\nAnd benches.";
		b.content_case = WIEC__BODY__CONTENT_IDEA;
		b.idea = &idea;
		break;
	default:
		c.target.data = (uint8_t *)target;
		c.target.len = target ? HASH_BYTES : 0;
		c.text = (char *)text;
		b.content_case = WIEC__BODY__CONTENT_COMMENT;
		b.comment = &c;
		break;
	}
	memset(out, 0, sizeof *out);
	if ((rc = ev_build(&out->env, &out->len, kp, &b)) != 0)
		return rc;
	hash_2(out->id, out->env, out->len, NULL, 0);
	return 0;
}

/* n chained ideas by kp, seqs first..first+n-1; prev is the id before
 * first (NULL when first == 1). tag makes different branches differ. */
static inline int fx_chain(fx_ev_t *out, const key_pair_t *kp,
    const uint8_t network[static HASH_BYTES], uint64_t first, const uint8_t *prev,
    size_t n, const char *tag)
{
	char title[64];
	int rc;

	for (size_t i = 0; i < n; i++) {
		snprintf(title, sizeof title, "%s %llu", tag, (unsigned long long)(first + i));
		rc = fx_build(&out[i], kp, network, first + i, i ? out[i - 1].id : prev,
		    EV_IDEA, title, NULL, FX_TS + first + i);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static inline void fx_free(fx_ev_t *evs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(evs[i].env);
		evs[i].env = NULL;
	}
}

/* ev_check then store_ingest of n events as one batch. res[i] receives the
 * outcome (or the ev_check error). Returns store_ingest's result. */
static inline int fx_ingest(store_t *s, const fx_ev_t *evs, size_t n, int *res, size_t *added)
{
	uint8_t network[HASH_BYTES];
	ev_t *ok = calloc(n ? n : 1, sizeof *ok);
	size_t *map = calloc(n ? n : 1, sizeof *map);
	int *r = calloc(n ? n : 1, sizeof *r);
	size_t m = 0;
	int rc;

	if (ok == NULL || map == NULL || r == NULL) {
		rc = WIEC_ERR_NOMEM;
		goto out;
	}
	if ((rc = store_network(s, network)) != 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		res[i] = ev_check(&ok[m], evs[i].env, evs[i].len, network);
		if (res[i] == 0)
			map[m++] = i;
	}
	rc = store_ingest(s, ok, m, r, added);
	for (size_t j = 0; j < m; j++) {
		if (rc == 0)
			res[map[j]] = r[j];
		ev_free(&ok[j]);
	}
out:
	free(ok);
	free(map);
	free(r);
	return rc;
}

/* One event, one batch: the outcome, or the error. */
static inline int fx_ingest1(store_t *s, const fx_ev_t *ev)
{
	int res = 0, rc = fx_ingest(s, ev, 1, &res, NULL);

	return rc != 0 ? rc : res;
}

/* Whole file into a malloc'd buffer; NULL on failure. */
static inline uint8_t *fx_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL) {
		if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = 0;
			*len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

/* Writes len bytes to a new file path with the given mode. 0 or -1. */
static inline int fx_write_file(const char *path, const void *buf, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	int ok;

	if (fd < 0)
		return -1;
	ok = write(fd, buf, len) == (ssize_t)len;
	if (fchmod(fd, mode) != 0)
		ok = 0;
	return close(fd) == 0 && ok ? 0 : -1;
}

#endif
