#include <errno.h>
#include <lmdb.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "crypto/err.h"
#include "store/store.h"

#define STORE_VERSION 2	/* 2: envelopes in the log, events an index */
#define CHAIN_KEY (KEY_PK_BYTES + 8)
#define PEND_KEY (KEY_PK_BYTES + 8 + HASH_BYTES)
#define HEAD_VAL (8 + HASH_BYTES)
#define HEAD_VAL_FORKED (8 + 2 * HASH_BYTES)

struct store {
	MDB_env *env;
	MDB_dbi events, log, chains, heads, pending, meta;
};

/* State of one write transaction of store_ingest / store_post. */
typedef struct wtx {
	store_t *s;
	MDB_txn *txn;
	uint64_t lseq;		/* next local sequence number */
	size_t added;
	unsigned flags;		/* STORE_EXTEND_ONLY */
} wtx_t;

static int lmdb_err(int rc)
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

static MDB_val mv(const void *p, size_t n)
{
	MDB_val v = { n, (void *)p };
	return v;
}

static void chain_key(uint8_t k[CHAIN_KEY], const uint8_t *author, uint64_t seq)
{
	memcpy(k, author, KEY_PK_BYTES);
	hash_put_be64(k + KEY_PK_BYTES, seq);
}

int store_open(store_t **out, const char *path, size_t map_size, int create)
{
	struct stat st;
	store_t *s;
	MDB_txn *txn = NULL;
	int rc, dead;

	*out = NULL;
	if (stat(path, &st) != 0) {
		if (errno != ENOENT || !create)
			return WIEC_ERR_NOSTORE;
		if (mkdir(path, 0700) != 0)
			return WIEC_ERR_IO;
	} else if (!S_ISDIR(st.st_mode)) {
		return WIEC_ERR_NOSTORE;
	}
	if (!create) {
		char data[4096];

		/* Never let LMDB create an empty log where one was expected. */
		snprintf(data, sizeof data, "%s/data.mdb", path);
		if (stat(data, &st) != 0)
			return WIEC_ERR_NOSTORE;
	}
	if ((s = calloc(1, sizeof *s)) == NULL)
		return WIEC_ERR_NOMEM;
	if ((rc = mdb_env_create(&s->env)) != 0)
		goto fail;
	if ((rc = mdb_env_set_mapsize(s->env, map_size ? map_size : STORE_MAP_DEFAULT)) != 0 ||
	    (rc = mdb_env_set_maxdbs(s->env, 8)) != 0 ||
	    (rc = mdb_env_set_maxreaders(s->env, 126)) != 0 ||
	    (rc = mdb_env_open(s->env, path, MDB_NOTLS, 0600)) != 0)
		goto fail;
	/* Clear reader slots of processes that died holding them (kill -9). */
	if ((rc = mdb_reader_check(s->env, &dead)) != 0)
		goto fail;
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		goto fail;
	if ((rc = mdb_dbi_open(txn, "events", MDB_CREATE, &s->events)) != 0 ||
	    (rc = mdb_dbi_open(txn, "log", MDB_CREATE, &s->log)) != 0 ||
	    (rc = mdb_dbi_open(txn, "chains", MDB_CREATE, &s->chains)) != 0 ||
	    (rc = mdb_dbi_open(txn, "heads", MDB_CREATE, &s->heads)) != 0 ||
	    (rc = mdb_dbi_open(txn, "pending", MDB_CREATE, &s->pending)) != 0 ||
	    (rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &s->meta)) != 0)
		goto fail;
	{
		MDB_val k = mv("version", 7), v;
		uint8_t ver[4] = { 0, 0, 0, STORE_VERSION };

		rc = mdb_get(txn, s->meta, &k, &v);
		if (rc == MDB_NOTFOUND) {
			v = mv(ver, 4);
			rc = mdb_put(txn, s->meta, &k, &v, 0);
		} else if (rc == 0 && (v.mv_size != 4 || memcmp(v.mv_data, ver, 4) != 0)) {
			rc = MDB_VERSION_MISMATCH;
		}
		if (rc != 0)
			goto fail;
	}
	if ((rc = mdb_txn_commit(txn)) != 0) {
		txn = NULL;
		goto fail;
	}
	*out = s;
	return 0;
fail:
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (s->env != NULL)
		mdb_env_close(s->env);
	free(s);
	return rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH ? WIEC_ERR_CORRUPT : lmdb_err(rc);
}

void store_close(store_t **sp)
{
	if (sp == NULL || *sp == NULL)
		return;
	mdb_env_close((*sp)->env);
	free(*sp);
	*sp = NULL;
}

/* Begins a transaction, adopting a map grown by another process. */
static int txn_begin(store_t *s, unsigned flags, MDB_txn **txn)
{
	int rc = mdb_txn_begin(s->env, NULL, flags, txn);

	if (rc == MDB_MAP_RESIZED) {
		if ((rc = mdb_env_set_mapsize(s->env, 0)) == 0)
			rc = mdb_txn_begin(s->env, NULL, flags, txn);
	}
	return lmdb_err(rc);
}

/* LMDB reports a short write (a disk filling up) as EIO: name a full disk. */
static int commit(MDB_txn *txn)
{
	MDB_env *env = mdb_txn_env(txn);
	mdb_filehandle_t fd;
	struct statvfs vs;
	int rc = mdb_txn_commit(txn);

	if (rc == EIO && mdb_env_get_fd(env, &fd) == 0 && fstatvfs(fd, &vs) == 0 &&
	    (uint64_t)vs.f_bavail * vs.f_frsize < ((uint64_t)1 << 20))
		return WIEC_ERR_NOSPACE;
	return lmdb_err(rc);
}

static int meta_get(store_t *s, MDB_txn *txn, const char *key, MDB_val *v)
{
	MDB_val k = mv(key, strlen(key));
	int rc = mdb_get(txn, s->meta, &k, v);

	return rc == MDB_NOTFOUND ? WIEC_ERR_NOTFOUND : lmdb_err(rc);
}

int store_set_genesis(store_t *s, const uint8_t *genesis, size_t len,
    const uint8_t network[static HASH_BYTES], int replace)
{
	MDB_txn *txn;
	MDB_val k, v;
	MDB_stat es, ps;
	int rc;

	if ((rc = txn_begin(s, 0, &txn)) != 0)
		return rc;
	rc = meta_get(s, txn, "network", &v);
	if (rc == 0 && replace) {
		if ((rc = mdb_stat(txn, s->events, &es)) == 0 &&
		    (rc = mdb_stat(txn, s->pending, &ps)) == 0)
			rc = es.ms_entries || ps.ms_entries ? WIEC_ERR_EXISTS : WIEC_ERR_NOTFOUND;
		else
			rc = lmdb_err(rc);
	}
	if (rc != WIEC_ERR_NOTFOUND) {
		mdb_txn_abort(txn);
		return rc == 0 ? WIEC_ERR_EXISTS : rc;
	}
	k = mv("genesis", 7);
	v = mv(genesis, len);
	if ((rc = mdb_put(txn, s->meta, &k, &v, 0)) == 0) {
		k = mv("network", 7);
		v = mv(network, HASH_BYTES);
		rc = mdb_put(txn, s->meta, &k, &v, 0);
	}
	if (rc != 0) {
		mdb_txn_abort(txn);
		return lmdb_err(rc);
	}
	return commit(txn);
}

static int network_in(store_t *s, MDB_txn *txn, uint8_t network[static HASH_BYTES])
{
	MDB_val v;
	int rc = meta_get(s, txn, "network", &v);

	if (rc == WIEC_ERR_NOTFOUND)
		return WIEC_ERR_NOSTORE;
	if (rc != 0)
		return rc;
	if (v.mv_size != HASH_BYTES)
		return WIEC_ERR_CORRUPT;
	memcpy(network, v.mv_data, HASH_BYTES);
	return 0;
}

int store_network(store_t *s, uint8_t network[static HASH_BYTES])
{
	MDB_txn *txn;
	int rc;

	if ((rc = txn_begin(s, MDB_RDONLY, &txn)) != 0)
		return rc;
	rc = network_in(s, txn, network);
	mdb_txn_abort(txn);
	return rc;
}

int store_genesis(store_t *s, uint8_t **buf, size_t *len)
{
	MDB_txn *txn;
	MDB_val v;
	int rc;

	*buf = NULL;
	if ((rc = txn_begin(s, MDB_RDONLY, &txn)) != 0)
		return rc;
	if ((rc = meta_get(s, txn, "genesis", &v)) == 0) {
		if ((*buf = malloc(v.mv_size ? v.mv_size : 1)) == NULL)
			rc = WIEC_ERR_NOMEM;
		else {
			memcpy(*buf, v.mv_data, v.mv_size);
			*len = v.mv_size;
		}
	} else if (rc == WIEC_ERR_NOTFOUND) {
		rc = WIEC_ERR_NOSTORE;
	}
	mdb_txn_abort(txn);
	return rc;
}

static int get_head(store_t *s, MDB_txn *txn, const uint8_t *author, store_head_t *h)
{
	MDB_val k = mv(author, KEY_PK_BYTES), v;
	int rc = mdb_get(txn, s->heads, &k, &v);

	memset(h, 0, sizeof *h);
	memcpy(h->author, author, KEY_PK_BYTES);
	if (rc == MDB_NOTFOUND)
		return WIEC_ERR_NOTFOUND;
	if (rc != 0)
		return lmdb_err(rc);
	if (v.mv_size != HEAD_VAL && v.mv_size != HEAD_VAL_FORKED)
		return WIEC_ERR_CORRUPT;
	h->seq = hash_get_be64(v.mv_data);
	memcpy(h->id, (uint8_t *)v.mv_data + 8, HASH_BYTES);
	if (v.mv_size == HEAD_VAL_FORKED) {
		h->forked = 1;
		memcpy(h->id2, (uint8_t *)v.mv_data + HEAD_VAL, HASH_BYTES);
	}
	return 0;
}

static int put_head(store_t *s, MDB_txn *txn, const store_head_t *h)
{
	uint8_t val[HEAD_VAL_FORKED];
	MDB_val k = mv(h->author, KEY_PK_BYTES), v;

	hash_put_be64(val, h->seq);
	memcpy(val + 8, h->id, HASH_BYTES);
	if (h->forked)
		memcpy(val + HEAD_VAL, h->id2, HASH_BYTES);
	v = mv(val, h->forked ? HEAD_VAL_FORKED : HEAD_VAL);
	return lmdb_err(mdb_put(txn, s->heads, &k, &v, 0));
}

/* Id of author's event at seq in the chain. */
static int chain_get(store_t *s, MDB_txn *txn, const uint8_t *author, uint64_t seq,
    uint8_t id[static HASH_BYTES])
{
	uint8_t key[CHAIN_KEY];
	MDB_val k, v;
	int rc;

	chain_key(key, author, seq);
	k = mv(key, sizeof key);
	rc = mdb_get(txn, s->chains, &k, &v);
	if (rc == MDB_NOTFOUND)
		return WIEC_ERR_NOTFOUND;
	if (rc != 0)
		return lmdb_err(rc);
	if (v.mv_size != HASH_BYTES)
		return WIEC_ERR_CORRUPT;
	memcpy(id, v.mv_data, HASH_BYTES);
	return 0;
}

/* Appends the envelope to the arrival log and indexes it by id. The log
 * grows at its end, so a batch fills fresh pages in order; only the small
 * index entries land at random places. */
static int put_event(wtx_t *w, const ev_t *ev)
{
	store_t *s = w->s;
	uint8_t lkey[8];
	MDB_val k = mv(ev->id, HASH_BYTES), v, lk, lv;
	int rc;

	hash_put_be64(lkey, w->lseq);
	v = mv(lkey, 8);
	if ((rc = mdb_put(w->txn, s->events, &k, &v, MDB_NOOVERWRITE)) != 0)
		return rc == MDB_KEYEXIST ? WIEC_ERR_CORRUPT : lmdb_err(rc);
	lk = mv(lkey, 8);
	lv.mv_size = HASH_BYTES + ev->env_len;
	if ((rc = mdb_put(w->txn, s->log, &lk, &lv, MDB_APPEND | MDB_RESERVE)) != 0)
		return lmdb_err(rc);
	memcpy(lv.mv_data, ev->id, HASH_BYTES);
	memcpy((uint8_t *)lv.mv_data + HASH_BYTES, ev->env, ev->env_len);
	w->lseq++;
	w->added++;
	return 0;
}

/* The envelope of id: its local sequence number and bytes, borrowed from
 * txn. WIEC_ERR_NOTFOUND, or WIEC_ERR_CORRUPT if the index and the log
 * disagree. */
static int lookup(store_t *s, MDB_txn *txn, const uint8_t *id, uint64_t *lseq,
    const uint8_t **env, size_t *len)
{
	MDB_val k = mv(id, HASH_BYTES), v;
	int rc = mdb_get(txn, s->events, &k, &v);

	if (rc == MDB_NOTFOUND)
		return WIEC_ERR_NOTFOUND;
	if (rc != 0)
		return lmdb_err(rc);
	if (v.mv_size != 8)
		return WIEC_ERR_CORRUPT;
	*lseq = hash_get_be64(v.mv_data);
	k = mv(v.mv_data, 8);
	if ((rc = mdb_get(txn, s->log, &k, &v)) != 0)
		return rc == MDB_NOTFOUND ? WIEC_ERR_CORRUPT : lmdb_err(rc);
	if (v.mv_size <= HASH_BYTES || memcmp(v.mv_data, id, HASH_BYTES) != 0)
		return WIEC_ERR_CORRUPT;
	*env = (const uint8_t *)v.mv_data + HASH_BYTES;
	*len = v.mv_size - HASH_BYTES;
	return 0;
}

/* Removes an event and its arrival-log entry (pruning past a fork). */
static int del_event(wtx_t *w, const uint8_t id[static HASH_BYTES])
{
	store_t *s = w->s;
	MDB_val k = mv(id, HASH_BYTES), v, lk;
	uint8_t lkey[8];
	int rc;

	if ((rc = mdb_get(w->txn, s->events, &k, &v)) != 0)
		return rc == MDB_NOTFOUND ? WIEC_ERR_CORRUPT : lmdb_err(rc);
	if (v.mv_size != 8)
		return WIEC_ERR_CORRUPT;
	memcpy(lkey, v.mv_data, 8);
	lk = mv(lkey, 8);
	if ((rc = mdb_del(w->txn, s->log, &lk, NULL)) != 0 ||
	    (rc = mdb_del(w->txn, s->events, &k, NULL)) != 0)
		return rc == MDB_NOTFOUND ? WIEC_ERR_CORRUPT : lmdb_err(rc);
	return 0;
}

/* Deletes author's pending entries above seq `above` (it forked there; they
 * can never link). Entries at the fork seq itself stay: they are candidates
 * for the kept pair, and drain() applies them. */
static int drop_pending(wtx_t *w, const uint8_t *author, uint64_t above)
{
	MDB_cursor *c;
	uint8_t key[CHAIN_KEY];
	MDB_val k, v;
	int rc = mdb_cursor_open(w->txn, w->s->pending, &c);

	chain_key(key, author, above + 1);
	k = mv(key, sizeof key);

	if (rc != 0)
		return lmdb_err(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && k.mv_size == PEND_KEY && memcmp(k.mv_data, author, KEY_PK_BYTES) == 0) {
		if ((rc = mdb_cursor_del(c, 0)) != 0)
			break;
		rc = mdb_cursor_get(c, &k, &v, MDB_GET_CURRENT);
		if (rc == MDB_NOTFOUND || rc == EINVAL)
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND || rc == EINVAL ? 0 : lmdb_err(rc);
}

/* An equivocation at ev->seq: keep the chain below it and the two smallest
 * ids at that seq, drop everything of the author above it (spec/events.md,
 * "Equivocation"), so that every node holding the same events converges. */
static int fork_at(wtx_t *w, const ev_t *ev, const uint8_t other[static HASH_BYTES],
    store_head_t *h)
{
	store_t *s = w->s;
	uint8_t key[CHAIN_KEY], id[HASH_BYTES];
	const uint8_t *lo, *hi;
	int rc;

	/* Prune the author's events above the fork, and a previous fork pair. */
	if (h->forked && h->seq > ev->seq && (rc = del_event(w, h->id2)) != 0)
		return rc;
	for (uint64_t q = h->seq; q > ev->seq; q--) {
		if ((rc = chain_get(s, w->txn, ev->author, q, id)) != 0 ||
		    (rc = del_event(w, id)) != 0)
			return rc;
		chain_key(key, ev->author, q);
		MDB_val k = mv(key, sizeof key);
		if ((rc = mdb_del(w->txn, s->chains, &k, NULL)) != 0)
			return lmdb_err(rc);
	}
	if ((rc = put_event(w, ev)) != 0)
		return rc;
	lo = memcmp(ev->id, other, HASH_BYTES) < 0 ? ev->id : other;
	hi = lo == ev->id ? other : ev->id;
	chain_key(key, ev->author, ev->seq);
	MDB_val k = mv(key, sizeof key), v = mv(lo, HASH_BYTES);
	if ((rc = mdb_put(w->txn, s->chains, &k, &v, 0)) != 0)
		return lmdb_err(rc);
	h->seq = ev->seq;
	memcpy(h->id, lo, HASH_BYTES);
	memcpy(h->id2, hi, HASH_BYTES);
	h->forked = 1;
	if ((rc = put_head(s, w->txn, h)) != 0)
		return rc;
	return drop_pending(w, ev->author, ev->seq);
}

/* A third (or later) event at a fork's seq: keep the two smallest ids. */
static int fork_third(wtx_t *w, const ev_t *ev, store_head_t *h)
{
	uint8_t key[CHAIN_KEY], drop[HASH_BYTES];
	int rc;

	if (memcmp(ev->id, h->id2, HASH_BYTES) > 0)
		return WIEC_ERR_FORKED;
	memcpy(drop, h->id2, HASH_BYTES);
	if ((rc = del_event(w, drop)) != 0 || (rc = put_event(w, ev)) != 0)
		return rc;
	if (memcmp(ev->id, h->id, HASH_BYTES) < 0) {
		memcpy(h->id2, h->id, HASH_BYTES);
		memcpy(h->id, ev->id, HASH_BYTES);
		chain_key(key, ev->author, ev->seq);
		MDB_val k = mv(key, sizeof key), v = mv(h->id, HASH_BYTES);
		if ((rc = mdb_put(w->txn, w->s->chains, &k, &v, 0)) != 0)
			return lmdb_err(rc);
	} else {
		memcpy(h->id2, ev->id, HASH_BYTES);
	}
	return (rc = put_head(w->s, w->txn, h)) == 0 ? STORE_FORK : rc;
}

/* How many events author has waiting, counting up to limit. */
static int count_pending(wtx_t *w, const uint8_t *author, int limit)
{
	MDB_cursor *c;
	MDB_val k = mv(author, KEY_PK_BYTES), v;
	int n = 0, rc = mdb_cursor_open(w->txn, w->s->pending, &c);

	if (rc != 0)
		return lmdb_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	    rc == 0 && n < limit && k.mv_size == PEND_KEY &&
	    memcmp(k.mv_data, author, KEY_PK_BYTES) == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
		n++;
	mdb_cursor_close(c);
	return rc == 0 || rc == MDB_NOTFOUND ? n : lmdb_err(rc);
}

static int wait_pending(wtx_t *w, const ev_t *ev, const store_head_t *h)
{
	uint8_t key[PEND_KEY];
	MDB_stat st;
	MDB_val k, v;
	int rc;

	if (ev->seq - h->seq > STORE_PENDING_WINDOW)
		return WIEC_ERR_PENDING_FULL;
	if ((rc = mdb_stat(w->txn, w->s->pending, &st)) != 0)
		return lmdb_err(rc);
	chain_key(key, ev->author, ev->seq);
	memcpy(key + CHAIN_KEY, ev->id, HASH_BYTES);
	k = mv(key, sizeof key);
	if (mdb_get(w->txn, w->s->pending, &k, &v) == 0)
		return STORE_PENDING;
	if (st.ms_entries >= STORE_PENDING_MAX)
		return WIEC_ERR_PENDING_FULL;
	/* One key must not fill the bound every author shares. */
	if ((rc = count_pending(w, ev->author, STORE_PENDING_AUTHOR)) < 0)
		return rc;
	if (rc >= STORE_PENDING_AUTHOR)
		return WIEC_ERR_PENDING_FULL;
	k = mv(key, sizeof key);
	v = mv(ev->env, ev->env_len);
	if ((rc = mdb_put(w->txn, w->s->pending, &k, &v, 0)) != 0)
		return lmdb_err(rc);
	return STORE_PENDING;
}

/* The chain rules for one verified event. Returns a STORE_* outcome, a
 * refusal (negative, the transaction stays good) or, for a store failure,
 * WIEC_ERR_MAP_FULL / WIEC_ERR_STORE / WIEC_ERR_CORRUPT / WIEC_ERR_NOMEM. */
static int apply(wtx_t *w, const ev_t *ev)
{
	store_t *s = w->s;
	store_head_t h;
	uint8_t have[HASH_BYTES];
	int rc = get_head(s, w->txn, ev->author, &h);

	if (rc != 0 && rc != WIEC_ERR_NOTFOUND)
		return rc;
	if (ev->seq <= h.seq) {
		if ((rc = chain_get(s, w->txn, ev->author, ev->seq, have)) != 0)
			return rc == WIEC_ERR_NOTFOUND ? WIEC_ERR_CORRUPT : rc;
		if (memcmp(have, ev->id, HASH_BYTES) == 0 ||
		    (h.forked && ev->seq == h.seq && memcmp(h.id2, ev->id, HASH_BYTES) == 0))
			return STORE_DUP;
		if (w->flags & STORE_EXTEND_ONLY)
			return WIEC_ERR_CHAIN;
		/* Only an event on the same prefix proves an equivocation. */
		if (ev->seq > 1) {
			uint8_t prev[HASH_BYTES];

			if ((rc = chain_get(s, w->txn, ev->author, ev->seq - 1, prev)) != 0)
				return rc == WIEC_ERR_NOTFOUND ? WIEC_ERR_CORRUPT : rc;
			if (memcmp(prev, ev->prev, HASH_BYTES) != 0)
				return WIEC_ERR_CHAIN;
		}
		if (h.forked && ev->seq == h.seq)
			return fork_third(w, ev, &h);
		rc = fork_at(w, ev, have, &h);
		return rc == 0 ? STORE_FORK : rc;
	}
	if (h.forked)
		return WIEC_ERR_FORKED;
	if (ev->seq > h.seq + 1)
		return wait_pending(w, ev, &h);
	if (ev->seq > 1 && memcmp(ev->prev, h.id, HASH_BYTES) != 0)
		return WIEC_ERR_CHAIN;
	{
		uint8_t key[CHAIN_KEY];
		MDB_val k, v = mv(ev->id, HASH_BYTES);

		chain_key(key, ev->author, ev->seq);
		k = mv(key, sizeof key);
		if ((rc = put_event(w, ev)) != 0 ||
		    (rc = lmdb_err(mdb_put(w->txn, s->chains, &k, &v, MDB_NOOVERWRITE))) != 0)
			return rc;
	}
	h.seq = ev->seq;
	memcpy(h.id, ev->id, HASH_BYTES);
	if ((rc = put_head(s, w->txn, &h)) != 0)
		return rc;
	return STORE_ADDED;
}

static int is_store_failure(int rc)
{
	return rc == WIEC_ERR_MAP_FULL || rc == WIEC_ERR_STORE || rc == WIEC_ERR_CORRUPT ||
	    rc == WIEC_ERR_NOMEM;
}

/* Releases author's pending events that the head has reached: every one at
 * or below head + 1, lowest seq first, until none is left there. One at the
 * head's own seq is a second event for that seq: apply() finds the fork. */
static int drain(wtx_t *w, const uint8_t *author)
{
	uint8_t key[CHAIN_KEY];
	store_head_t h;
	int rc;

	for (;;) {
		MDB_cursor *c;
		MDB_val k, v;
		uint8_t *env = NULL;
		size_t len = 0;
		uint64_t seq;
		ev_t ev;

		rc = get_head(w->s, w->txn, author, &h);
		if (rc != 0 && rc != WIEC_ERR_NOTFOUND)
			return rc;
		chain_key(key, author, 1);
		k = mv(key, sizeof key);
		if ((rc = mdb_cursor_open(w->txn, w->s->pending, &c)) != 0)
			return lmdb_err(rc);
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		if (rc == MDB_NOTFOUND || (rc == 0 && (k.mv_size != PEND_KEY ||
		    memcmp(k.mv_data, author, KEY_PK_BYTES) != 0 ||
		    (seq = hash_get_be64((uint8_t *)k.mv_data + KEY_PK_BYTES)) > h.seq + 1))) {
			mdb_cursor_close(c);
			return 0;
		}
		if (rc == 0) {
			/* The value lives in a page the delete may reuse: copy first. */
			if ((env = malloc(v.mv_size)) == NULL) {
				rc = ENOMEM;
			} else {
				memcpy(env, v.mv_data, v.mv_size);
				len = v.mv_size;
				rc = mdb_cursor_del(c, 0);
			}
		}
		mdb_cursor_close(c);
		if (rc != 0) {
			free(env);
			return lmdb_err(rc);
		}
		/* It was verified on the way in; decoding cannot fail unless corrupt. */
		if (ev_decode(&ev, env, len) != 0) {
			free(env);
			return WIEC_ERR_CORRUPT;
		}
		rc = apply(w, &ev);
		ev_free(&ev);
		free(env);
		if (is_store_failure(rc))
			return rc;
	}
}

static int wtx_begin(wtx_t *w, store_t *s)
{
	MDB_val v;
	int rc;

	memset(w, 0, sizeof *w);
	w->s = s;
	if ((rc = txn_begin(s, 0, &w->txn)) != 0)
		return rc;
	rc = meta_get(s, w->txn, "lseq", &v);
	if (rc == WIEC_ERR_NOTFOUND) {
		w->lseq = 1;
		return 0;
	}
	if (rc == 0 && v.mv_size != 8)
		rc = WIEC_ERR_CORRUPT;
	if (rc != 0) {
		mdb_txn_abort(w->txn);
		return rc;
	}
	w->lseq = hash_get_be64(v.mv_data);
	return 0;
}

static int wtx_commit(wtx_t *w)
{
	uint8_t buf[8];
	MDB_val k = mv("lseq", 4), v = mv(buf, 8);
	int rc;

	hash_put_be64(buf, w->lseq);
	if ((rc = mdb_put(w->txn, w->s->meta, &k, &v, 0)) != 0) {
		mdb_txn_abort(w->txn);
		return lmdb_err(rc);
	}
	return commit(w->txn);
}

static int ev_order(const void *a, const void *b)
{
	const ev_t *x = *(const ev_t *const *)a, *y = *(const ev_t *const *)b;
	int c = memcmp(x->author, y->author, KEY_PK_BYTES);

	if (c != 0)
		return c;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return memcmp(x->id, y->id, HASH_BYTES);
}

int store_ingest(store_t *s, ev_t *evs, size_t n, int *res, size_t *added)
{
	return store_ingest_flags(s, evs, n, res, added, 0);
}

int store_ingest_flags(store_t *s, ev_t *evs, size_t n, int *res, size_t *added,
    unsigned flags)
{
	ev_t **order;
	wtx_t w;
	int rc;

	if (added)
		*added = 0;
	if (n == 0)
		return 0;
	if ((order = malloc(n * sizeof *order)) == NULL)
		return WIEC_ERR_NOMEM;
	for (size_t i = 0; i < n; i++)
		order[i] = &evs[i];
	/* Author by author, in seq order: each event finds its predecessor. */
	qsort(order, n, sizeof *order, ev_order);
	if ((rc = wtx_begin(&w, s)) != 0)
		goto out;
	w.flags = flags;
	for (size_t i = 0; i < n; i++) {
		const ev_t *ev = order[i];
		int r = apply(&w, ev);

		if (is_store_failure(r)) {
			rc = r;
			mdb_txn_abort(w.txn);
			goto out;
		}
		res[ev - evs] = r;
		/* After an author's last event of the batch, release its waiters. */
		if ((i + 1 == n || memcmp(order[i + 1]->author, ev->author, KEY_PK_BYTES) != 0) &&
		    (rc = drain(&w, ev->author)) != 0) {
			mdb_txn_abort(w.txn);
			goto out;
		}
	}
	if ((rc = wtx_commit(&w)) == 0 && added)
		*added = w.added;
out:
	free(order);
	return rc;
}

int store_post(store_t *s, const key_pair_t *kp, Wiec__Body *body,
    uint8_t id[static HASH_BYTES], uint8_t **envp, size_t *env_len)
{
	uint8_t network[HASH_BYTES], *env = NULL;
	store_head_t h;
	size_t len;
	wtx_t w;
	ev_t ev;
	int rc;

	if (envp)
		*envp = NULL;
	if ((rc = wtx_begin(&w, s)) != 0)
		return rc;
	if ((rc = network_in(s, w.txn, network)) != 0)
		goto fail;
	rc = get_head(s, w.txn, kp->pk, &h);
	if (rc != 0 && rc != WIEC_ERR_NOTFOUND)
		goto fail;
	if (h.forked) {
		rc = WIEC_ERR_FORKED;
		goto fail;
	}
	ev_set_header(body, network, kp->pk, h.seq, h.id);
	if ((rc = ev_build(&env, &len, kp, body)) != 0)
		goto fail;
	if ((rc = ev_decode(&ev, env, len)) != 0)
		goto fail;
	rc = apply(&w, &ev);
	memcpy(id, ev.id, HASH_BYTES);
	ev_free(&ev);
	if (rc != STORE_ADDED) {
		rc = rc < 0 ? rc : WIEC_ERR_CORRUPT;
		goto fail;
	}
	if ((rc = drain(&w, kp->pk)) != 0)
		goto fail;
	if ((rc = wtx_commit(&w)) != 0)
		goto out;
	if (envp) {
		*envp = env;
		*env_len = len;
		env = NULL;
	}
	goto out;
fail:
	mdb_txn_abort(w.txn);
out:
	free(env);
	return rc;
}

int store_get(store_t *s, const uint8_t id[static HASH_BYTES], uint8_t **env, size_t *len)
{
	MDB_txn *txn;
	const uint8_t *p;
	uint64_t lseq;
	size_t n;
	int rc;

	*env = NULL;
	if ((rc = txn_begin(s, MDB_RDONLY, &txn)) != 0)
		return rc;
	if ((rc = lookup(s, txn, id, &lseq, &p, &n)) == 0) {
		if ((*env = malloc(n)) == NULL) {
			rc = WIEC_ERR_NOMEM;
		} else {
			memcpy(*env, p, n);
			*len = n;
		}
	}
	mdb_txn_abort(txn);
	return rc;
}

int store_head(store_t *s, const uint8_t author[static KEY_PK_BYTES], store_head_t *h)
{
	MDB_txn *txn;
	int rc;

	if ((rc = txn_begin(s, MDB_RDONLY, &txn)) != 0)
		return rc;
	rc = get_head(s, txn, author, h);
	mdb_txn_abort(txn);
	return rc;
}

/* Calls fn with the event id in txn; envelope pointers borrowed from LMDB. */
static int emit(store_t *s, MDB_txn *txn, const uint8_t *id, store_ev_fn fn, void *ctx)
{
	const uint8_t *env;
	uint64_t lseq;
	size_t len;
	int rc = lookup(s, txn, id, &lseq, &env, &len);

	if (rc != 0)
		return rc == WIEC_ERR_NOTFOUND ? WIEC_ERR_CORRUPT : rc;
	return fn(ctx, lseq, env, len);
}

int store_scan_log(store_t *s, uint64_t from, store_ev_fn fn, void *ctx)
{
	MDB_txn *txn;
	MDB_cursor *c;
	uint8_t key[8];
	MDB_val k, v;
	int rc, out = 0;

	if ((rc = txn_begin(s, MDB_RDONLY, &txn)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(txn, s->log, &c)) != 0) {
		mdb_txn_abort(txn);
		return lmdb_err(rc);
	}
	hash_put_be64(key, from);
	k = mv(key, 8);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (v.mv_size <= HASH_BYTES || k.mv_size != 8) {
			out = WIEC_ERR_CORRUPT;
			break;
		}
		if ((out = fn(ctx, hash_get_be64(k.mv_data), (uint8_t *)v.mv_data + HASH_BYTES,
		    v.mv_size - HASH_BYTES)) != 0)
			break;
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	if (out != 0)
		return out;
	return rc == MDB_NOTFOUND ? 0 : lmdb_err(rc);
}

int store_scan_author(store_t *s, const uint8_t author[static KEY_PK_BYTES],
    uint64_t from, store_ev_fn fn, void *ctx)
{
	MDB_txn *txn;
	store_head_t h;
	uint8_t id[HASH_BYTES];
	int rc;

	if ((rc = txn_begin(s, MDB_RDONLY, &txn)) != 0)
		return rc;
	if ((rc = get_head(s, txn, author, &h)) == WIEC_ERR_NOTFOUND)
		rc = 0;
	for (uint64_t q = from ? from : 1; rc == 0 && q <= h.seq; q++) {
		if ((rc = chain_get(s, txn, author, q, id)) != 0) {
			rc = rc == WIEC_ERR_NOTFOUND ? WIEC_ERR_CORRUPT : rc;
			break;
		}
		if ((rc = emit(s, txn, id, fn, ctx)) == 0 && h.forked && q == h.seq)
			rc = emit(s, txn, h.id2, fn, ctx);
	}
	mdb_txn_abort(txn);
	return rc;
}

int store_scan_heads(store_t *s, store_head_fn fn, void *ctx)
{
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	store_head_t h;
	int rc, out = 0;

	if ((rc = txn_begin(s, MDB_RDONLY, &txn)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(txn, s->heads, &c)) != 0) {
		mdb_txn_abort(txn);
		return lmdb_err(rc);
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != KEY_PK_BYTES ||
		    (v.mv_size != HEAD_VAL && v.mv_size != HEAD_VAL_FORKED)) {
			out = WIEC_ERR_CORRUPT;
			break;
		}
		memset(&h, 0, sizeof h);
		memcpy(h.author, k.mv_data, KEY_PK_BYTES);
		h.seq = hash_get_be64(v.mv_data);
		memcpy(h.id, (uint8_t *)v.mv_data + 8, HASH_BYTES);
		if ((h.forked = v.mv_size == HEAD_VAL_FORKED))
			memcpy(h.id2, (uint8_t *)v.mv_data + HEAD_VAL, HASH_BYTES);
		if ((out = fn(ctx, &h)) != 0)
			break;
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	if (out != 0)
		return out;
	return rc == MDB_NOTFOUND ? 0 : lmdb_err(rc);
}

typedef struct digest_ctx {
	crypto_generichash_state st;
	uint64_t forks;
} digest_ctx_t;

/* The digest record of a head is fixed-size (spec/events.md, "Digest"). */
static int digest_head(void *ctx, const store_head_t *h)
{
	digest_ctx_t *d = ctx;
	uint8_t rec[KEY_PK_BYTES + 8 + 2 * HASH_BYTES] = { 0 };

	memcpy(rec, h->author, KEY_PK_BYTES);
	hash_put_be64(rec + KEY_PK_BYTES, h->seq);
	memcpy(rec + KEY_PK_BYTES + 8, h->id, HASH_BYTES);
	if (h->forked) {
		memcpy(rec + KEY_PK_BYTES + 8 + HASH_BYTES, h->id2, HASH_BYTES);
		d->forks++;
	}
	crypto_generichash_update(&d->st, rec, sizeof rec);
	return 0;
}

int store_stats(store_t *s, store_stats_t *st)
{
	static const char tag[] = "wiec-digest-v1";
	MDB_txn *txn;
	MDB_stat ms;
	MDB_envinfo info;
	digest_ctx_t d;
	int rc;

	memset(st, 0, sizeof *st);
	if ((rc = txn_begin(s, MDB_RDONLY, &txn)) != 0)
		return rc;
	if ((rc = mdb_stat(txn, s->events, &ms)) == 0) {
		st->events = ms.ms_entries;
		if ((rc = mdb_stat(txn, s->heads, &ms)) == 0) {
			st->authors = ms.ms_entries;
			if ((rc = mdb_stat(txn, s->pending, &ms)) == 0)
				st->pending = ms.ms_entries;
		}
	}
	mdb_txn_abort(txn);
	if (rc != 0)
		return lmdb_err(rc);
	mdb_env_info(s->env, &info);
	mdb_env_stat(s->env, &ms);
	st->map_size = info.me_mapsize;
	st->map_used = (uint64_t)(info.me_last_pgno + 1) * ms.ms_psize;
	crypto_generichash_init(&d.st, NULL, 0, HASH_BYTES);
	crypto_generichash_update(&d.st, (const uint8_t *)tag, sizeof tag - 1);
	d.forks = 0;
	if ((rc = store_scan_heads(s, digest_head, &d)) != 0)
		return rc;
	crypto_generichash_final(&d.st, st->digest, HASH_BYTES);
	st->forks = d.forks;
	return 0;
}

/* store_verify: one read transaction over everything. */
typedef struct vctx {
	store_t *s;
	MDB_txn *txn;
	uint8_t network[HASH_BYTES];
	uint8_t *bad;
	char *why;
	size_t whylen;
	uint64_t count;
} vctx_t;

static int vfail(vctx_t *v, const uint8_t *id, int rc, const char *what)
{
	if (id != NULL)
		memcpy(v->bad, id, HASH_BYTES);
	snprintf(v->why, v->whylen, "%s", what);
	return rc;
}

/* Checks the stored event id against author, seq and prev. */
static int verify_event(vctx_t *v, const uint8_t *id, const uint8_t *author,
    uint64_t seq, const uint8_t *prev)
{
	uint8_t got[HASH_BYTES];
	const uint8_t *env;
	uint64_t lseq;
	size_t len;
	ev_t ev;
	int rc = lookup(v->s, v->txn, id, &lseq, &env, &len);

	if (rc == WIEC_ERR_NOTFOUND)
		return vfail(v, id, WIEC_ERR_CORRUPT, "chain names an event that is not stored");
	if (rc != 0)
		return vfail(v, id, rc, "index and arrival log disagree");
	hash_2(got, env, len, NULL, 0);
	if (memcmp(got, id, HASH_BYTES) != 0)
		return vfail(v, id, WIEC_ERR_CORRUPT, "stored bytes do not hash to the event id");
	if ((rc = ev_check(&ev, env, len, v->network)) != 0)
		return vfail(v, id, rc, wiec_strerror(rc));
	if (memcmp(ev.author, author, KEY_PK_BYTES) != 0 || ev.seq != seq)
		rc = vfail(v, id, WIEC_ERR_CORRUPT, "event stored under the wrong author or seq");
	else if (seq > 1 && memcmp(ev.prev, prev, HASH_BYTES) != 0)
		rc = vfail(v, id, WIEC_ERR_CHAIN, wiec_strerror(WIEC_ERR_CHAIN));
	ev_free(&ev);
	if (rc != 0)
		return rc;
	v->count++;
	return 0;
}

static int verify_head(void *ctx, const store_head_t *h)
{
	vctx_t *v = ctx;
	uint8_t id[HASH_BYTES], prev[HASH_BYTES] = { 0 }, before[HASH_BYTES] = { 0 };
	int rc;

	if (h->seq == 0)
		return vfail(v, h->id, WIEC_ERR_CORRUPT, "head with seq 0");
	for (uint64_t q = 1; q <= h->seq; q++) {
		if ((rc = chain_get(v->s, v->txn, h->author, q, id)) != 0)
			return vfail(v, h->id, WIEC_ERR_CORRUPT, "gap in an author's chain");
		if ((rc = verify_event(v, id, h->author, q, prev)) != 0)
			return rc;
		memcpy(before, prev, HASH_BYTES);
		memcpy(prev, id, HASH_BYTES);
	}
	if (memcmp(id, h->id, HASH_BYTES) != 0)
		return vfail(v, id, WIEC_ERR_CORRUPT, "head does not match the chain");
	if (h->forked) {
		if (memcmp(h->id, h->id2, HASH_BYTES) >= 0)
			return vfail(v, h->id2, WIEC_ERR_CORRUPT, "fork pair out of order");
		if ((rc = verify_event(v, h->id2, h->author, h->seq, before)) != 0)
			return rc;
	}
	return 0;
}

int store_verify(store_t *s, uint8_t bad_id[static HASH_BYTES], char *why, size_t whylen)
{
	vctx_t v = { .s = s, .bad = bad_id, .why = why, .whylen = whylen };
	MDB_stat es, ls;
	MDB_cursor *c = NULL;
	MDB_val k, val;
	int rc;

	memset(bad_id, 0, HASH_BYTES);
	snprintf(why, whylen, "ok");
	if ((rc = txn_begin(s, MDB_RDONLY, &v.txn)) != 0)
		return vfail(&v, NULL, rc, wiec_strerror(rc));
	if ((rc = network_in(s, v.txn, v.network)) != 0) {
		vfail(&v, NULL, rc, "no genesis in the store");
		goto out;
	}
	/* Heads, chains and events, walked from every head down to seq 1. */
	if ((rc = mdb_cursor_open(v.txn, s->heads, &c)) != 0) {
		rc = vfail(&v, NULL, lmdb_err(rc), mdb_strerror(rc));
		goto out;
	}
	for (rc = mdb_cursor_get(c, &k, &val, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &val, MDB_NEXT)) {
		store_head_t h;

		if (k.mv_size != KEY_PK_BYTES) {
			rc = vfail(&v, NULL, WIEC_ERR_CORRUPT, "malformed head key");
			break;
		}
		if ((rc = get_head(s, v.txn, k.mv_data, &h)) != 0) {
			rc = vfail(&v, NULL, rc, "malformed head");
			break;
		}
		if ((rc = verify_head(&v, &h)) != 0)
			break;
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND)
		goto out;
	rc = 0;
	if (mdb_stat(v.txn, s->events, &es) != 0 || mdb_stat(v.txn, s->log, &ls) != 0) {
		rc = vfail(&v, NULL, WIEC_ERR_STORE, "cannot read store statistics");
		goto out;
	}
	if (es.ms_entries != v.count || ls.ms_entries != v.count)
		rc = vfail(&v, NULL, WIEC_ERR_CORRUPT, "events held outside any chain");
out:
	mdb_txn_abort(v.txn);
	return rc;
}
