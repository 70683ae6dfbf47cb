/* store.c: opening the store (store/store.h): its databases, format
 * migration and model rebuild, the checks of store/guard.h, the commit,
 * the genesis and meta records, and what a read found damaged. Reads of
 * events and heads are in store/lookup.c. */
#include <errno.h>
#include <lmdb.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "crypto/err.h"
#include "crypto/keychain.h"
#include "model/chain.h"
#include "proto/genesis.h"
#include "store/guard.h"
#include "store/store_int.h"

int store_lmdb_err(int rc)
{
	switch (rc) {
	case 0: return 0;
	case MDB_MAP_FULL: return WIEC_ERR_MAP_FULL;
	case ENOMEM: return WIEC_ERR_NOMEM;
	case ENOSPC: case EDQUOT: return WIEC_ERR_NOSPACE;
	case MDB_CORRUPTED: case MDB_PAGE_NOTFOUND: case MDB_INVALID:
	case MDB_VERSION_MISMATCH: case MDB_BAD_VALSIZE:
		return WIEC_ERR_CORRUPT;
	}
	return WIEC_ERR_STORE;
}

void store_chain_key(uint8_t k[CHAIN_KEY], const uint8_t *author, uint64_t seq,
    const uint8_t *id)
{
	memcpy(k, author, KEY_PK_BYTES);
	hash_put_be64(k + KEY_PK_BYTES, seq);
	if (id != NULL)
		memcpy(k + KEY_PK_BYTES + 8, id, HASH_BYTES);
	else
		memset(k + KEY_PK_BYTES + 8, 0, HASH_BYTES);
}

void store_kids_key(uint8_t k[KIDS_KEY], const uint8_t *author, uint64_t pseq,
    const uint8_t *parent, uint64_t seq, const uint8_t *id)
{
	memcpy(k, author, KEY_PK_BYTES);
	hash_put_be64(k + KEY_PK_BYTES, pseq);
	memcpy(k + KEY_PK_BYTES + 8, parent, HASH_BYTES);
	hash_put_be64(k + KEY_PK_BYTES + 8 + HASH_BYTES, seq);
	memcpy(k + KEY_PK_BYTES + 8 + HASH_BYTES + 8, id, HASH_BYTES);
}

/* The named databases. "later": added after the first store of format 3
 * (model 1), so a store of an older model may lack it; all are derived
 * state or pending events, rebuilt or created by a writable open. */
static const struct {
	const char *name;
	size_t off;
	int later;
} dbs[] = {
	{ "events", offsetof(store_t, events), 0 }, { "log", offsetof(store_t, log), 0 },
	{ "chains", offsetof(store_t, chains), 0 }, { "kids", offsetof(store_t, kids), 0 },
	{ "tips", offsetof(store_t, tips), 0 }, { "tipb", offsetof(store_t, tipb), 1 },
	{ "heads", offsetof(store_t, heads), 0 },
	{ "pending", offsetof(store_t, pending), 0 }, { "pendq", offsetof(store_t, pendq), 0 },
	{ "pendsrc", offsetof(store_t, pendsrc), 1 },
	{ "pstat", offsetof(store_t, pstat), 0 }, { "excluded", offsetof(store_t, excluded), 0 },
	{ "refs", offsetof(store_t, refs), 1 },
	{ "meta", offsetof(store_t, meta), 0 },
	{ "search", offsetof(store_t, search), 1 },
	{ "lists", offsetof(store_t, lists), 1 },
};

int store_verify_order(store_t *s, MDB_txn *txn, const char **name)
{
	uint8_t prev[512];	/* LMDB keys are at most 511 bytes */
	MDB_val pk;

	*name = NULL;
	for (size_t i = 0; i < sizeof dbs / sizeof dbs[0]; i++) {
		MDB_dbi dbi = *(MDB_dbi *)((char *)s + dbs[i].off);
		MDB_cursor *c;
		MDB_val k, v;
		int rc, first = 1;

		if ((rc = mdb_cursor_open(txn, dbi, &c)) != 0)
			return store_lmdb_err(rc);
		for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
		    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
			if (k.mv_size > sizeof prev || (!first && mdb_cmp(txn, dbi, &pk, &k) >= 0)) {
				rc = WIEC_ERR_CORRUPT;
				break;
			}
			memcpy(prev, k.mv_data, k.mv_size);
			pk = store_mv(prev, k.mv_size);
			first = 0;
		}
		mdb_cursor_close(c);
		if (rc == WIEC_ERR_CORRUPT) {
			*name = dbs[i].name;
			return rc;
		}
		if (rc != MDB_NOTFOUND)
			return store_lmdb_err(rc);
	}
	return 0;
}

/* Reads meta "version" and "model" through the meta handle: 0 if absent. */
static int versions_in(MDB_txn *txn, MDB_dbi meta, uint32_t *ver, uint32_t *model)
{
	const char *keys[2] = { "version", "model" };
	uint32_t *out[2] = { ver, model };

	for (int i = 0; i < 2; i++) {
		MDB_val k = store_mv(keys[i], strlen(keys[i])), v;
		int rc = mdb_get(txn, meta, &k, &v);

		*out[i] = 0;
		if (rc == MDB_NOTFOUND)
			continue;
		if (rc != 0)
			return store_lmdb_err(rc);
		if (v.mv_size != 4)
			return WIEC_ERR_CORRUPT;
		*out[i] = (uint32_t)((const uint8_t *)v.mv_data)[0] << 24 |
		    (uint32_t)((const uint8_t *)v.mv_data)[1] << 16 |
		    (uint32_t)((const uint8_t *)v.mv_data)[2] << 8 | ((const uint8_t *)v.mv_data)[3];
	}
	return 0;
}

int store_versions(store_t *s, MDB_txn *txn, uint32_t *ver, uint32_t *model)
{
	return versions_in(txn, s->meta, ver, model);
}

static int put_u32(store_t *s, MDB_txn *txn, const char *key, uint32_t x)
{
	uint8_t b[4] = { (uint8_t)(x >> 24), (uint8_t)(x >> 16), (uint8_t)(x >> 8), (uint8_t)x };
	MDB_val k = store_mv(key, strlen(key)), v = store_mv(b, 4);

	return store_lmdb_err(mdb_put(txn, s->meta, &k, &v, 0));
}

/* Brings the store to the current format and model: a new store is
 * stamped; a format-2 store (envelopes in log, fork losers deleted) and a
 * store of an older model version are rebuilt from their log, in the
 * transaction that stamps the model, so a kill during the rebuild leaves
 * the store as it was (and the next open rebuilds it again). A newer one
 * was refused by open_check. */
static int upgrade(store_t *s)
{
	uint32_t ver, model;
	wtx_t w;
	MDB_stat st;
	int rc;

	if ((rc = store_wtx_begin(&w, s)) != 0)
		return rc;
	if ((rc = store_versions(s, w.txn, &ver, &model)) != 0)
		goto fail;
	if (ver == STORE_VERSION && model == STORE_MODEL) {
		store_wtx_abort(&w);
		return 0;
	}
	if (ver > STORE_VERSION || model > STORE_MODEL) {
		rc = WIEC_ERR_NEWER;
		goto fail;
	}
	if (ver != 0 && ver != 2 && ver != STORE_VERSION) {
		rc = WIEC_ERR_CORRUPT;
		goto fail;
	}
	if ((rc = store_lmdb_err(mdb_stat(w.txn, s->log, &st))) != 0)
		goto fail;
	if ((ver != 0 || st.ms_entries != 0) && (rc = store_rebuild(&w)) != 0)
		goto fail;
	if ((rc = put_u32(s, w.txn, "version", STORE_VERSION)) != 0 ||
	    (rc = put_u32(s, w.txn, "model", STORE_MODEL)) != 0)
		goto fail;
	return store_wtx_commit(&w);
fail:
	store_wtx_abort(&w);
	return rc;
}

/* The log's next lseq and the id of its last event (zero if none) in txn:
 * what the commit record names (store/guard.h). meta and log may be 0:
 * not created yet. */
static int log_state(MDB_txn *txn, MDB_dbi meta, MDB_dbi log, uint64_t *lseq,
    uint8_t tip[static HASH_BYTES])
{
	MDB_cursor *c;
	MDB_val k = store_mv("lseq", 4), v;
	int rc = 0;

	*lseq = 1;
	memset(tip, 0, HASH_BYTES);
	if (meta != 0 && (rc = mdb_get(txn, meta, &k, &v)) == 0) {
		if (v.mv_size != 8)
			return WIEC_ERR_CORRUPT;
		*lseq = hash_get_be64(v.mv_data);
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_lmdb_err(rc);
	if (log == 0)
		return 0;
	if ((rc = mdb_cursor_open(txn, log, &c)) != 0)
		return store_lmdb_err(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
	if (rc == 0 && v.mv_size > HASH_BYTES)
		memcpy(tip, v.mv_data, HASH_BYTES);
	else if (rc == 0)
		rc = WIEC_ERR_CORRUPT;
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc > 0 ? store_lmdb_err(rc) : rc;
}

/* Commits a write transaction (ending it either way) through the guard,
 * which then writes the commit record. */
int store_commit(store_t *s, MDB_txn *txn)
{
	uint8_t tip[HASH_BYTES];
	mdb_filehandle_t fd;
	struct statvfs vs;
	uint64_t lseq;
	int rc;

	if ((rc = log_state(txn, s->meta, s->log, &lseq, tip)) != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	if ((rc = store_guard_commit(s->guard, txn, lseq, tip)) < 0)
		return rc;	/* WIEC_ERR_REPLACED */
	/* LMDB reports a write cut short by a full disk as EIO: name it. */
	if (rc == EIO && mdb_env_get_fd(s->env, &fd) == 0 && fstatvfs(fd, &vs) == 0 &&
	    (uint64_t)vs.f_bavail * vs.f_frsize < ((uint64_t)1 << 20))
		return WIEC_ERR_NOSPACE;
	return store_lmdb_err(rc);
}

/* Opens every database in txn (create: making the missing ones). Without
 * create, a store of an older model (s->stale) may lack a database added
 * since: s->missing says so, and its handle stays 0 (the readers of
 * derived state refuse a stale store: WIEC_ERR_STALE). */
static int open_dbs(store_t *s, MDB_txn *txn, unsigned create)
{
	for (size_t i = 0; i < sizeof dbs / sizeof dbs[0]; i++) {
		MDB_dbi *dbi = (MDB_dbi *)((char *)s + dbs[i].off);
		int rc = mdb_dbi_open(txn, dbs[i].name, create ? MDB_CREATE : 0, dbi);

		if (rc == MDB_NOTFOUND && !create && s->stale && dbs[i].later) {
			*dbi = 0;
			s->missing = 1;
			continue;
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Refuses a store of a format or model this program does not know yet
 * (a newer wiec wrote it: rebuilding its derived state with older rules
 * would silently undo the newer ones), and notes a store of an older
 * model (s->stale) or one in need of migration. */
static int check_versions(store_t *s, MDB_txn *txn, MDB_dbi meta, int rdonly, char *why,
    size_t whylen)
{
	uint32_t ver, model;
	int rc;

	if ((rc = versions_in(txn, meta, &ver, &model)) != 0)
		return rc;
	if (ver > STORE_VERSION || model > STORE_MODEL) {
		snprintf(why, whylen, "store format %u, derived-state model %u; this wiec knows "
		    "format %d, model %d at most: use the newer wiec", ver, model, STORE_VERSION,
		    STORE_MODEL);
		return WIEC_ERR_NEWER;
	}
	/* A read-only store cannot be migrated: it must be current. */
	if (rdonly && ver != STORE_VERSION) {
		snprintf(why, whylen, "store format %u needs migrating: open it once "
		    "writable (e.g. wiec reindex)", ver);
		return WIEC_ERR_CORRUPT;
	}
	s->stale = rdonly && model < STORE_MODEL;
	return 0;
}

/* After mdb_env_open: walks the newest snapshot (store/guard.h), then
 * compares its log with the commit record. A read-only store keeps the
 * snapshot's database handles; a writable one opens them again in a write
 * transaction. */
static int open_check(store_t *s, int rdonly, char *why, size_t whylen)
{
	MDB_txn *txn;
	MDB_dbi meta = 0, log = 0;
	uint8_t tip[HASH_BYTES];
	uint64_t lseq;
	int rc;

	if ((rc = store_guard_walk(s->guard, s->env, &txn, why, whylen)) != 0 || txn == NULL)
		return rc;
	if ((rc = mdb_dbi_open(txn, "meta", 0, &meta)) == 0 &&
	    (rc = check_versions(s, txn, meta, rdonly, why, whylen)) == 0) {
		if (!rdonly)
			rc = mdb_dbi_open(txn, "log", 0, &log);
		else if ((rc = open_dbs(s, txn, 0)) == MDB_NOTFOUND) {
			snprintf(why, whylen, "not a wiec store of format %d (a database is missing)",
			    STORE_VERSION);
			rc = WIEC_ERR_CORRUPT;
		} else if (rc == 0) {
			log = s->log;
		}
	} else if (rc == MDB_NOTFOUND && rdonly) {
		snprintf(why, whylen, "not a wiec store of format %d (a database is missing)",
		    STORE_VERSION);
		rc = WIEC_ERR_CORRUPT;
	}
	if (rc == MDB_NOTFOUND)	/* a store being created: nothing logged */
		rc = 0;
	if (rc == 0 && (rc = log_state(txn, meta, log, &lseq, tip)) == 0)
		rc = store_guard_match(s->guard, txn, lseq, tip, why, whylen);
	/* Committing a read-only transaction keeps its handles. */
	if (rc == 0 && rdonly)
		return store_lmdb_err(mdb_txn_commit(txn));
	mdb_txn_abort(txn);
	return rc > 0 ? (rc == MDB_VERSION_MISMATCH ? WIEC_ERR_CORRUPT : store_lmdb_err(rc)) : rc;
}

int store_open(store_t **out, const char *path, size_t map_size, unsigned flags)
{
	return store_open_why(out, path, map_size, flags, NULL, 0);
}

int store_open_why(store_t **out, const char *path, size_t map_size, unsigned flags,
    char *why, size_t whylen)
{
	char scratch[STORE_WHY_MAX];
	struct stat st;
	store_t *s;
	MDB_txn *txn = NULL;
	unsigned mflags = MDB_NOTLS;
	int rc = 0, err = 0, dead, rdonly = (flags & STORE_OPEN_RDONLY) != 0;
	int create = (flags & STORE_OPEN_CREATE) && !rdonly;

	*out = NULL;
	if (why == NULL || whylen == 0) {
		why = scratch;
		whylen = sizeof scratch;
	}
	why[0] = '\0';
	if (stat(path, &st) != 0) {
		if (errno != ENOENT || !create)
			return WIEC_ERR_NOSTORE;
		if (mkdir(path, 0700) != 0)
			return WIEC_ERR_IO;
	} else if (!S_ISDIR(st.st_mode)) {
		return WIEC_ERR_NOSTORE;
	}
	if ((s = calloc(1, sizeof *s)) == NULL)
		return WIEC_ERR_NOMEM;
	s->rdonly = rdonly;
	/* Never let LMDB create an empty log where one was expected, nor map
	 * a file it would crash on. */
	if ((err = store_guard_open(&s->guard, path, (rdonly ? STORE_GUARD_RDONLY : 0) |
	    (create ? STORE_GUARD_CREATE : 0), &mflags, why, whylen)) != 0)
		goto fail;
	if ((rc = mdb_env_create(&s->env)) != 0)
		goto fail;
	if ((rc = mdb_env_set_mapsize(s->env, map_size ? map_size : STORE_MAP_DEFAULT)) != 0 ||
	    (rc = mdb_env_set_maxdbs(s->env, 24)) != 0 ||
	    (rc = mdb_env_set_maxreaders(s->env, STORE_GUARD_READERS)) != 0)
		goto fail;
	if ((rc = mdb_env_open(s->env, path, mflags | (rdonly ? MDB_RDONLY : 0), 0600)) != 0) {
		if (rc == EACCES || rc == EROFS || rc == EPERM)
			snprintf(why, whylen, "cannot open the store%s: %s",
			    rdonly ? "" : " for writing", strerror(rc));
		goto fail;
	}
	if ((err = store_guard_bind(s->guard, s->env, why, whylen)) != 0)
		goto fail;
	/* Clear reader slots of processes that died holding them (kill -9). */
	if (!(mflags & MDB_NOLOCK) && (rc = mdb_reader_check(s->env, &dead)) != 0)
		goto fail;
	if ((err = open_check(s, rdonly, why, whylen)) != 0)
		goto fail;
	if (rdonly)
		goto done;
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		goto fail;
	if ((rc = open_dbs(s, txn, 1)) != 0)
		goto fail;
	err = store_commit(s, txn);
	txn = NULL;
	if (err != 0 || (err = upgrade(s)) != 0)
		goto fail;
done:
	*out = s;
	return 0;
fail:
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (s->env != NULL)
		mdb_env_close(s->env);
	store_guard_close(&s->guard);
	free(s);
	if (err != 0)
		return err;
	if (why[0] == '\0')
		snprintf(why, whylen, "%s", mdb_strerror(rc));
	return rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH ? WIEC_ERR_CORRUPT :
	    store_lmdb_err(rc);
}

int store_stale(const store_t *s)
{
	return s->stale;
}

void store_close(store_t **sp)
{
	if (sp == NULL || *sp == NULL)
		return;
	mdb_env_close((*sp)->env);
	store_guard_close(&(*sp)->guard);
	free(*sp);
	*sp = NULL;
}

int store_corrupt_id(store_t *s, uint8_t id[static HASH_BYTES])
{
	if (!s->corrupt_set)
		return WIEC_ERR_NOTFOUND;
	memcpy(id, s->corrupt, HASH_BYTES);
	return 0;
}

int store_damaged(store_t *s, const char *db, const uint8_t *id, const char *fmt, ...)
{
	char hex[HASH_HEX_BYTES];
	va_list ap;
	int n;

	if (s->damage[0] != '\0')
		return WIEC_ERR_CORRUPT;	/* the first finding: later ones follow from it */
	if (id != NULL) {
		hash_hex(hex, id, HASH_BYTES);
		n = snprintf(s->damage, sizeof s->damage, "%s: event %s: ", db, hex);
	} else {
		n = snprintf(s->damage, sizeof s->damage, "%s: ", db);
	}
	if (n > 0 && (size_t)n < sizeof s->damage) {
		va_start(ap, fmt);
		vsnprintf(s->damage + n, sizeof s->damage - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return WIEC_ERR_CORRUPT;
}

int store_damage(store_t *s, char *why, size_t whylen)
{
	if (whylen > 0)
		why[0] = '\0';
	if (s == NULL || s->damage[0] == '\0')
		return WIEC_ERR_NOTFOUND;
	snprintf(why, whylen, "%s", s->damage);
	return 0;
}

int store_nosync(store_t *s)
{
	return store_lmdb_err(mdb_env_set_flags(s->env, MDB_NOSYNC, 1));
}

/* Begins a transaction, adopting a map grown by another process. A write
 * transaction is refused on a data.mdb replaced under this process
 * (store_guard_check): one per batch, so its stat(2) is cheap. */
int store_txn_begin(store_t *s, unsigned flags, MDB_txn **txn)
{
	int rc = mdb_txn_begin(s->env, NULL, flags, txn);

	if (rc == MDB_MAP_RESIZED) {
		if ((rc = mdb_env_set_mapsize(s->env, 0)) == 0)
			rc = mdb_txn_begin(s->env, NULL, flags, txn);
	}
	if (rc != 0)
		return store_lmdb_err(rc);
	if (!(flags & MDB_RDONLY) && s->guard != NULL &&
	    (rc = store_guard_check(s->guard, s->env, *txn)) != 0) {
		mdb_txn_abort(*txn);
		*txn = NULL;
	}
	return rc;
}

int store_check_file(store_t *s)
{
	return s->guard == NULL || s->rdonly ? 0 : store_guard_check(s->guard, s->env, NULL);
}

int store_replaced(store_t *s)
{
	return s->guard != NULL && store_guard_replaced(s->guard);
}

int store_meta_get(store_t *s, MDB_txn *txn, const char *key, MDB_val *v)
{
	MDB_val k = store_mv(key, strlen(key));
	int rc = mdb_get(txn, s->meta, &k, v);

	return rc == MDB_NOTFOUND ? WIEC_ERR_NOTFOUND : store_lmdb_err(rc);
}

int store_meta_put_u64(store_t *s, MDB_txn *txn, const char *key, uint64_t x)
{
	uint8_t buf[8];
	MDB_val k = store_mv(key, strlen(key)), v = store_mv(buf, 8);

	hash_put_be64(buf, x);
	return store_lmdb_err(mdb_put(txn, s->meta, &k, &v, 0));
}

int store_set_genesis(store_t *s, const uint8_t *genesis, size_t len,
    const uint8_t network[static HASH_BYTES], int replace)
{
	MDB_txn *txn;
	MDB_val k, v;
	MDB_stat es, ps;
	int rc;

	if ((rc = store_txn_begin(s, 0, &txn)) != 0)
		return rc;
	rc = store_meta_get(s, txn, "network", &v);
	if (rc == 0 && replace) {
		if ((rc = mdb_stat(txn, s->events, &es)) == 0 &&
		    (rc = mdb_stat(txn, s->pending, &ps)) == 0)
			rc = es.ms_entries || ps.ms_entries ? WIEC_ERR_EXISTS : WIEC_ERR_NOTFOUND;
		else
			rc = store_lmdb_err(rc);
	}
	if (rc != WIEC_ERR_NOTFOUND) {
		mdb_txn_abort(txn);
		return rc == 0 ? WIEC_ERR_EXISTS : rc;
	}
	k = store_mv("genesis", 7);
	v = store_mv(genesis, len);
	if ((rc = mdb_put(txn, s->meta, &k, &v, 0)) == 0) {
		k = store_mv("network", 7);
		v = store_mv(network, HASH_BYTES);
		rc = mdb_put(txn, s->meta, &k, &v, 0);
	}
	if (rc != 0) {
		mdb_txn_abort(txn);
		return store_lmdb_err(rc);
	}
	return store_commit(s, txn);
}

int store_network_in(store_t *s, MDB_txn *txn, uint8_t network[static HASH_BYTES])
{
	uint8_t want[HASH_BYTES];
	Wiec__Genesis *g;
	MDB_val v;
	int rc = store_meta_get(s, txn, "network", &v);

	if (rc == WIEC_ERR_NOTFOUND)
		return WIEC_ERR_NOSTORE;
	if (rc != 0)
		return rc;
	if (v.mv_size != HASH_BYTES)
		return WIEC_ERR_CORRUPT;
	memcpy(network, v.mv_data, HASH_BYTES);
	/* The id is the hash of the stored genesis's body: a flipped bit of
	 * either once had posts signed for another network and acknowledged. */
	if ((rc = store_meta_get(s, txn, "genesis", &v)) != 0)
		return rc == WIEC_ERR_NOTFOUND ? WIEC_ERR_CORRUPT : rc;
	if ((g = wiec__genesis__unpack(NULL, v.mv_size, v.mv_data)) == NULL)
		return WIEC_ERR_CORRUPT;
	hash_2(want, GENESIS_NET_DOMAIN, strlen(GENESIS_NET_DOMAIN), g->body.data, g->body.len);
	wiec__genesis__free_unpacked(g, NULL);
	return memcmp(want, network, HASH_BYTES) == 0 ? 0 : WIEC_ERR_CORRUPT;
}

int store_network(store_t *s, uint8_t network[static HASH_BYTES])
{
	MDB_txn *txn;
	int rc;

	if ((rc = store_txn_begin(s, MDB_RDONLY, &txn)) != 0)
		return rc;
	rc = store_network_in(s, txn, network);
	mdb_txn_abort(txn);
	return rc;
}

int store_genesis(store_t *s, uint8_t **buf, size_t *len)
{
	MDB_txn *txn;
	MDB_val v;
	int rc;

	*buf = NULL;
	if ((rc = store_txn_begin(s, MDB_RDONLY, &txn)) != 0)
		return rc;
	if ((rc = store_meta_get(s, txn, "genesis", &v)) == 0) {
		if ((*buf = malloc(v.mv_size ? v.mv_size : 1)) == NULL)
			rc = WIEC_ERR_NOMEM;
		else {
			memcpy(*buf, v.mv_data, v.mv_size);
			*len = v.mv_size;
		}
	} else if (rc == WIEC_ERR_NOTFOUND) {
		rc = WIEC_ERR_NOSTORE;
	}
	/* Never hand on a damaged genesis (an export would carry it to every
	 * auditor): it must decode, complete, as the store's network. */
	if (rc == 0) {
		uint8_t net[HASH_BYTES];
		genesis_t g;

		if ((rc = store_network_in(s, txn, net)) == 0) {
			if (genesis_decode(&g, *buf, *len, 1) != 0) {
				rc = WIEC_ERR_CORRUPT;
			} else {
				if (memcmp(g.network, net, HASH_BYTES) != 0)
					rc = WIEC_ERR_CORRUPT;
				genesis_free(&g);
			}
		}
		if (rc != 0) {
			free(*buf);
			*buf = NULL;
		}
	}
	mdb_txn_abort(txn);
	return rc;
}
