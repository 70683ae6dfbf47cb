/* oldmodel: makes a store look as an older (or newer) wiec left it, and
 * prints what the upgrade tests compare (tests/cli/upgrade.sh).
 *
 *   tool-oldmodel STORE set MODEL [DB...]  meta `model` := MODEL; each DB
 *                                          named is deleted (a database a
 *                                          model before it did not have);
 *                                          DB:dup is made again, empty and
 *                                          dup-sorted (model 3's `search`)
 *   tool-oldmodel STORE get                prints meta `model`
 *   tool-oldmodel STORE sum                one line per derived database:
 *                                          name, entries, BLAKE2b-256 of its
 *                                          keys and values in order
 *
 * STORE is DIR/store. set writes through LMDB alone, as the older program
 * did; sum reads through the store (read-only), so it needs a current one. */
#include <lmdb.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "store/store.h"

int main(int argc, char **argv);

static int die(const char *what, int rc)
{
	/* wiec_err_t codes are small negatives; LMDB's own are below -30000. */
	fprintf(stderr, "oldmodel: %s: %s\n", what, rc < 0 && rc > -1000 ? wiec_strerror(rc) :
	    mdb_strerror(rc));
	return 1;
}

static int raw(const char *path, int argc, char **argv)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta, dbi;
	MDB_val k = { 5, "model" }, v;
	int rdonly = argc == 0, rc;
	uint8_t m[4];

	if ((rc = mdb_env_create(&env)) != 0 || (rc = mdb_env_set_maxdbs(env, 24)) != 0 ||
	    (rc = mdb_env_open(env, path, rdonly ? MDB_RDONLY : 0, 0600)) != 0)
		return die(path, rc);
	if ((rc = mdb_txn_begin(env, NULL, rdonly ? MDB_RDONLY : 0, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, "meta", 0, &meta)) != 0)
		return die("meta", rc);
	if (rdonly) {
		if ((rc = mdb_get(txn, meta, &k, &v)) != 0 || v.mv_size != 4)
			return die("meta model", rc ? rc : MDB_CORRUPTED);
		memcpy(m, v.mv_data, 4);
		printf("%lu\n", (unsigned long)m[0] << 24 | (unsigned long)m[1] << 16 |
		    (unsigned long)m[2] << 8 | m[3]);
		mdb_txn_abort(txn);
		mdb_env_close(env);
		return 0;
	}
	{
		unsigned long x = strtoul(argv[0], NULL, 10);

		m[0] = (uint8_t)(x >> 24);
		m[1] = (uint8_t)(x >> 16);
		m[2] = (uint8_t)(x >> 8);
		m[3] = (uint8_t)x;
	}
	v.mv_size = 4;
	v.mv_data = m;
	if ((rc = mdb_put(txn, meta, &k, &v, 0)) != 0)
		return die("meta model", rc);
	for (int i = 1; i < argc; i++) {
		char *dup = strstr(argv[i], ":dup");

		if (dup != NULL)
			*dup = '\0';
		if ((rc = mdb_dbi_open(txn, argv[i], 0, &dbi)) != 0 ||
		    (rc = mdb_drop(txn, dbi, 1)) != 0 ||
		    (dup != NULL && (rc = mdb_dbi_open(txn, argv[i], MDB_CREATE | MDB_DUPSORT,
		    &dbi)) != 0))
			return die(argv[i], rc);
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		return die("commit", rc);
	mdb_env_close(env);
	return 0;
}

typedef struct sum {
	char db[16];
	unsigned long long n;
	crypto_generichash_state h;
} sum_t;

static void sum_print(sum_t *s)
{
	uint8_t out[32];

	crypto_generichash_final(&s->h, out, sizeof out);
	printf("%s %llu ", s->db, s->n);
	for (size_t i = 0; i < sizeof out; i++)
		printf("%02x", out[i]);
	printf("\n");
}

static int sum_kv(void *ctx, const char *db, const void *k, size_t klen, const void *v,
    size_t vlen)
{
	sum_t *s = ctx;
	uint8_t len[8];

	if (strcmp(s->db, db) != 0) {
		if (s->db[0])
			sum_print(s);
		snprintf(s->db, sizeof s->db, "%s", db);
		s->n = 0;
		crypto_generichash_init(&s->h, NULL, 0, 32);
	}
	s->n++;
	for (int i = 0; i < 8; i++)
		len[i] = (uint8_t)((uint64_t)klen >> (56 - 8 * i));
	crypto_generichash_update(&s->h, len, 8);
	crypto_generichash_update(&s->h, k, klen);
	for (int i = 0; i < 8; i++)
		len[i] = (uint8_t)((uint64_t)vlen >> (56 - 8 * i));
	crypto_generichash_update(&s->h, len, 8);
	crypto_generichash_update(&s->h, v, vlen);
	return 0;
}

int main(int argc, char **argv)
{
	store_t *s;
	sum_t sum = { .db = "" };
	int rc;

	if (sodium_init() < 0)
		return die("sodium_init", WIEC_ERR_CRYPTO);
	if (argc >= 4 && strcmp(argv[2], "set") == 0)
		return raw(argv[1], argc - 3, argv + 3);
	if (argc == 3 && strcmp(argv[2], "get") == 0)
		return raw(argv[1], 0, NULL);
	if (argc != 3 || strcmp(argv[2], "sum") != 0) {
		fprintf(stderr, "usage: tool-oldmodel STORE set MODEL [DB...] | get | sum\n");
		return 2;
	}
	if ((rc = store_open(&s, argv[1], 0, STORE_OPEN_RDONLY)) != 0)
		return die(argv[1], rc);
	/* Databases with no entry print nothing: the same in both stores. */
	rc = store_dump_derived(s, sum_kv, &sum);
	store_close(&s);
	if (rc != 0)
		return die("dump", rc);
	if (sum.db[0])
		sum_print(&sum);
	return 0;
}
