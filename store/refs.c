/* refs.c: the model's view of the store (model/model.h) over one LMDB
 * read transaction: held, non-excluded events by id, the `refs` index
 * (spec/model.md section 9) and the genesis. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "proto/genesis.h"
#include "store/idcheck.h"
#include "store/store_int.h"

struct store_view {
	store_t *s;
	MDB_txn *txn;
	genesis_t g;
	int have_genesis;
	store_served_t *served;	/* refs entries served (NULL: a benchmark's
				 * store without the model's indexes) */
};

/* Event id (at log position lseq, with body; body NULL: not held, or
 * not found by its id) against the `refs` entries this view served that
 * named it (store/served.c): each must be one of the event's own
 * (model_refs), with its position as the value. */
static int check_served(store_view_t *sv, const uint8_t *id, uint64_t lseq,
    const Wiec__Body *body)
{
	model_ref_t r[MODEL_REF_MAX];
	const store_served_ent_t *x;
	char hex[HASH_HEX_BYTES];
	size_t at = 0, n = body != NULL ? model_refs(body, r) : 0, i;
	uint8_t lkey[8];
	MDB_val lk, lv;

	while ((x = store_served_next(sv->served, id, &at)) != NULL) {
		if (body == NULL) {
			/* Served, so held: the log at the entry's position says
			 * whether the event is there, unfound by its id. */
			hash_put_be64(lkey, x->lseq);
			lk = store_mv(lkey, 8);
			if (mdb_get(sv->txn, sv->s->log, &lk, &lv) == 0 && lv.mv_size > HASH_BYTES &&
			    memcmp(lv.mv_data, id, HASH_BYTES) == 0)
				return store_damaged(sv->s, "events index", id, "no entry, though the "
				    "log holds the event at position %llu", (unsigned long long)x->lseq);
			break;
		}
		for (i = 0; i < n; i++)
			if (memcmp(r[i].ref, x->key, HASH_BYTES) == 0 && r[i].tag == x->key[HASH_BYTES])
				break;
		if (i == n || x->lseq != lseq)
			break;
	}
	if (x == NULL)
		return 0;
	hash_hex(hex, x->key, HASH_BYTES);
	if (body == NULL)
		return store_damaged(sv->s, "refs index", id, "its entry under %s (tag %c) names "
		    "no held event", hex, x->key[HASH_BYTES]);
	if (i == n)
		return store_damaged(sv->s, "refs index", id, "its entry under %s (tag %c) is not "
		    "the event's", hex, x->key[HASH_BYTES]);
	return store_damaged(sv->s, "refs index", id, "its entry under %s (tag %c) names log "
	    "position %llu, the event is at %llu", hex, x->key[HASH_BYTES],
	    (unsigned long long)x->lseq, (unsigned long long)lseq);
}

static int view_get(void *ctx, const uint8_t id[static HASH_BYTES], model_ev_t *out)
{
	store_view_t *sv = ctx;
	uint8_t key[CHAIN_KEY];
	const uint8_t *env;
	Wiec__Envelope *e;
	uint64_t lseq;
	size_t len;
	MDB_val k, v;
	int rc;

	memset(out, 0, sizeof *out);
	/* The envelope, checked against its id and its events entry. */
	if ((rc = store_lookup(sv->s, sv->txn, id, &lseq, out->author, &out->seq, &env,
	    &len)) != 0) {
		if (rc == WIEC_ERR_NOTFOUND && sv->served != NULL &&
		    (rc = check_served(sv, id, 0, NULL)) == 0)
			rc = WIEC_ERR_NOTFOUND;
		return rc;
	}
	store_chain_key(key, out->author, out->seq, id);
	k = store_mv(key, sizeof key);
	rc = mdb_get(sv->txn, sv->s->excluded, &k, &v);
	if (rc == 0)
		return WIEC_ERR_NOTFOUND;
	if (rc != MDB_NOTFOUND)
		return store_lmdb_err(rc);
	/* Validated when it was held, and its bytes still hash to its id:
	 * protobuf-c alone suffices here. */
	if ((e = wiec__envelope__unpack(NULL, len, env)) == NULL)
		return store_damaged(sv->s, "log", id, "its bytes do not decode");
	out->body = wiec__body__unpack(NULL, e->body.len, e->body.data);
	wiec__envelope__free_unpacked(e, NULL);
	if (out->body == NULL)
		return store_damaged(sv->s, "log", id, "its bytes do not decode");
	if (sv->served != NULL && (rc = check_served(sv, id, lseq, out->body)) != 0) {
		model_ev_free(out);
		return rc;
	}
	memcpy(out->id, id, HASH_BYTES);
	out->timestamp = out->body->timestamp;
	out->lseq = lseq;
	return 0;
}

static int view_refs(void *ctx, const uint8_t ref[static HASH_BYTES], uint8_t tag,
    model_ref_cb cb, void *arg)
{
	store_view_t *sv = ctx;
	uint8_t prefix[HASH_BYTES + 1], id[HASH_BYTES];
	char hex[HASH_HEX_BYTES];
	MDB_cursor *c;
	MDB_val k, v;
	int rc, r = 0;

	/* A cursor per walk: the callback may walk other entries of this view. */
	if ((rc = mdb_cursor_open(sv->txn, sv->s->refs, &c)) != 0)
		return store_lmdb_err(rc);
	memcpy(prefix, ref, HASH_BYTES);
	prefix[HASH_BYTES] = tag;
	k = store_mv(prefix, sizeof prefix);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != REFS_KEY || memcmp(k.mv_data, prefix, sizeof prefix) != 0)
			break;
		/* Kept, for checking the event against it when it is got. */
		if (sv->served != NULL) {
			if (v.mv_size != 8) {
				hash_hex(hex, prefix, HASH_BYTES);
				r = store_damaged(sv->s, "refs index", (const uint8_t *)k.mv_data +
				    HASH_BYTES + 1, "its entry under %s (tag %c) is malformed", hex, tag);
				break;
			}
			if ((r = store_served_add(sv->served, k.mv_data, hash_get_be64(v.mv_data))) != 0)
				break;
		}
		memcpy(id, (const uint8_t *)k.mv_data + HASH_BYTES + 1, HASH_BYTES);
		if ((r = cb(arg, id)) != 0)
			break;
	}
	mdb_cursor_close(c);
	if (r != 0)
		return r;
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_lmdb_err(rc);
}

static int id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, HASH_BYTES);
}

/* The ids of the excluded events, sorted (*n = 0: none). */
static int excluded_ids(store_view_t *sv, uint8_t **out, size_t *n)
{
	MDB_stat st;
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = mdb_stat(sv->txn, sv->s->excluded, &st)) != 0)
		return store_lmdb_err(rc);
	if (st.ms_entries == 0)
		return 0;
	if ((*out = malloc(st.ms_entries * HASH_BYTES)) == NULL)
		return WIEC_ERR_NOMEM;
	if ((rc = mdb_cursor_open(sv->txn, sv->s->excluded, &c)) != 0)
		return store_lmdb_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0 && *n < st.ms_entries;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != CHAIN_KEY) {
			rc = MDB_CORRUPTED;
			break;
		}
		memcpy(*out + *n * HASH_BYTES, (const uint8_t *)k.mv_data + KEY_PK_BYTES + 8,
		    HASH_BYTES);
		(*n)++;
	}
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc == MDB_CORRUPTED ? WIEC_ERR_CORRUPT : store_lmdb_err(rc);
	if (*n > 1)	/* qsort(NULL, 0, ...) is undefined */
		qsort(*out, *n, HASH_BYTES, id_cmp);
	return 0;
}

typedef struct scan {
	store_view_t *sv;
	const uint8_t *ref;	/* the list's: a process */
	MDB_cursor *log;
	const uint8_t *excl;	/* the excluded ids, sorted */
	size_t nexcl;
	uint64_t prev;		/* the lseq the log cursor is on, 0: none yet */
	store_idcheck_t ic;	/* each record against its id, behind the reader */
	model_body_cb cb;
	void *arg;
	/* The first damage a record's bytes showed (scan_suspect): named only
	 * if every record hashed to its id, else the damaged record is. */
	const char *sus_db;
	uint8_t sus_id[HASH_BYTES];
	char sus_what[STORE_DAMAGE_MAX];
} scan_t;

/* The record id looks damaged in db: fmt and the rest say how (printf).
 * Its bytes are not checked against its id yet (store/idcheck.h):
 * view_scan names this only if they were sound. WIEC_ERR_CORRUPT. */
static int scan_suspect(scan_t *sc, const char *db, const uint8_t *id, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int scan_suspect(scan_t *sc, const char *db, const uint8_t *id, const char *fmt, ...)
{
	va_list ap;

	if (sc->sus_db == NULL) {
		sc->sus_db = db;
		memcpy(sc->sus_id, id, HASH_BYTES);
		va_start(ap, fmt);
		vsnprintf(sc->sus_what, sizeof sc->sus_what, fmt, ap);
		va_end(ap);
	}
	return WIEC_ERR_CORRUPT;
}

/* The list's entry at lseq names no ballot of its process (scan_one). */
static int not_listed(scan_t *sc, const uint8_t *id, uint64_t lseq, const char *what)
{
	char hex[HASH_HEX_BYTES];

	hash_hex(hex, sc->ref, HASH_BYTES);
	return store_damaged(sc->sv->s, "lists index", id, "the list of %s (tag %c) names it "
	    "at log position %llu, %s", hex, MREF_BALLOT, (unsigned long long)lseq, what);
}

/* One event of the list: the log cursor steps to it (mostly the next
 * entry: a list is ascending, and ballots tend to arrive together). */
static inline int scan_one(scan_t *sc, uint64_t lseq)
{
	uint8_t lkey[8], got[HASH_BYTES];
	const uint8_t *body, *vote, *proc;
	size_t blen, vlen, plen;
	char hex[HASH_HEX_BYTES];
	int ballot, excluded;
	MDB_val k, v;
	int rc;

	if (sc->prev != 0 && lseq == sc->prev + 1) {
		rc = mdb_cursor_get(sc->log, &k, &v, MDB_NEXT);
		if (rc == 0 && (k.mv_size != 8 || hash_get_be64(k.mv_data) != lseq))
			rc = MDB_NOTFOUND;
	} else {
		hash_put_be64(lkey, lseq);
		k = store_mv(lkey, 8);
		rc = mdb_cursor_get(sc->log, &k, &v, MDB_SET_KEY);
	}
	if (rc != 0)
		return rc == MDB_NOTFOUND ? not_listed(sc, NULL, lseq, "not in the log") :
		    store_lmdb_err(rc);
	sc->prev = lseq;
	if (v.mv_size <= HASH_BYTES)
		return store_damaged(sc->sv->s, "log", NULL, "malformed entry at position %llu",
		    (unsigned long long)lseq);
	/* LMDB lays a leaf page's nodes from the page's end downwards in key
	 * order: the next entry's node (8-byte header, key, value) ends where
	 * this one begins. Asking for the 512 bytes below now lets its cache
	 * misses overlap the judging of this one (bench-tally: recount 0.32 ->
	 * 0.25 s of CPU; the plain pass gains nothing from it). A hint only:
	 * a prefetch never faults, and a wrong guess costs nothing. */
	for (uintptr_t off = 64; off <= 512 + 16; off += 64)
		__builtin_prefetch((const void *)((uintptr_t)v.mv_data - off));
	/* Damaged bytes are never counted: a flipped bit in a held ballot once
	 * made it no_poll, or dropped it, in a certified result (exit 0). A
	 * long pass is checked on a second thread, and view_scan fails it
	 * whole if any record is damaged (store/idcheck.h); until then what
	 * these bytes seem to say is only a suspicion (scan_suspect).
	 * The entry is a ballot of the list's process (Body field 31, Vote;
	 * its field 1, the process): a damaged position once counted another
	 * event, or dropped one, silently. Read in place: a few bytes. */
	ballot = store_env_body((const uint8_t *)v.mv_data + HASH_BYTES, v.mv_size - HASH_BYTES,
	    &body, &blen) == 0 && store_body_field(body, blen, 31, &vote, &vlen) == 0 &&
	    store_body_field(vote, vlen, 1, &proc, &plen) == 0 && plen == HASH_BYTES &&
	    memcmp(proc, sc->ref, HASH_BYTES) == 0;
	excluded = sc->nexcl > 0 && bsearch(v.mv_data, sc->excl, sc->nexcl, HASH_BYTES,
	    id_cmp) != NULL;
	if (excluded && ballot)
		return 0;
	if (excluded) {
		/* Not counted, so not handed to the checker: its bytes or the
		 * list are damaged, and its hash says which. */
		hash_2(got, (const uint8_t *)v.mv_data + HASH_BYTES, v.mv_size - HASH_BYTES, NULL, 0);
		if (memcmp(got, v.mv_data, HASH_BYTES) != 0) {
			memcpy(sc->sv->s->corrupt, v.mv_data, HASH_BYTES);
			sc->sv->s->corrupt_set = 1;
			return store_damaged(sc->sv->s, "log", v.mv_data, "its bytes at position %llu "
			    "no longer hash to its id", (unsigned long long)lseq);
		}
	} else if ((rc = store_idcheck_put(&sc->ic, v.mv_data, v.mv_size)) != 0) {
		return rc;
	}
	if (!ballot) {
		hash_hex(hex, sc->ref, HASH_BYTES);
		return scan_suspect(sc, "lists index", v.mv_data, "the list of %s (tag %c) names it "
		    "at log position %llu, not a ballot of that process", hex, MREF_BALLOT,
		    (unsigned long long)lseq);
	}
	return sc->cb(sc->arg, v.mv_data, body, blen);
}

/* The events of one `lists` entry. */
static int scan_chunk(void *arg, const uint64_t *ls, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++)
		rc = scan_one(arg, ls[i]);
	return rc;
}

/* (ref, tag) has no `refs` entry either: else its list is damaged. */
static int list_empty_ok(store_view_t *sv, const uint8_t *ref, uint8_t tag)
{
	uint8_t prefix[LISTS_KEY];
	char hex[HASH_HEX_BYTES];
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	memcpy(prefix, ref, HASH_BYTES);
	prefix[HASH_BYTES] = tag;
	if ((rc = mdb_cursor_open(sv->txn, sv->s->refs, &c)) != 0)
		return store_lmdb_err(rc);
	k = store_mv(prefix, sizeof prefix);
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	mdb_cursor_close(c);
	if (rc == MDB_NOTFOUND || (rc == 0 && (k.mv_size != REFS_KEY ||
	    memcmp(k.mv_data, prefix, sizeof prefix) != 0)))
		return 0;
	if (rc != 0)
		return store_lmdb_err(rc);
	hash_hex(hex, ref, HASH_BYTES);
	return store_damaged(sv->s, "lists index", (const uint8_t *)k.mv_data + LISTS_KEY,
	    "the list of %s (tag %c) is missing, though the refs index names the event in it",
	    hex, tag);
}

/* The events of (ref, tag), for a listed tag: their log positions from
 * `lists` (already ascending), then one cursor over the log in that order,
 * so the log is read once, in its own order. */
static int view_scan(void *ctx, const uint8_t ref[static HASH_BYTES], uint8_t tag,
    model_body_cb cb, void *arg)
{
	store_view_t *sv = ctx;
	uint8_t key[LISTS_KEY], *excl = NULL;
	scan_t sc = { .sv = sv, .ref = ref, .cb = cb, .arg = arg };
	int rc, rc2;

	if (!store_listed(tag))
		return WIEC_ERR_ARG;
	if ((rc = excluded_ids(sv, &excl, &sc.nexcl)) != 0) {
		free(excl);
		return rc;
	}
	sc.excl = excl;
	if ((rc = mdb_cursor_open(sv->txn, sv->s->log, &sc.log)) != 0) {
		free(excl);
		return store_lmdb_err(rc);
	}
	memcpy(key, ref, HASH_BYTES);
	key[HASH_BYTES] = tag;
	store_idcheck_init(&sc.ic);
	rc = store_lists_walk(sv->s, sv->txn, key, scan_chunk, &sc);
	/* A damaged record wins over whatever the walk made of its bytes. */
	if ((rc2 = store_idcheck_finish(&sc.ic)) != 0)
		rc = rc2;
	if (sc.ic.damaged && !sv->s->corrupt_set) {
		memcpy(sv->s->corrupt, sc.ic.bad, HASH_BYTES);
		sv->s->corrupt_set = 1;
	}
	if (sc.ic.damaged)
		(void)store_damaged(sv->s, "log", sc.ic.bad, "its bytes no longer hash to its id");
	else if (sc.sus_db != NULL)
		(void)store_damaged(sv->s, sc.sus_db, sc.sus_id, "%s", sc.sus_what);
	mdb_cursor_close(sc.log);
	free(excl);
	/* An empty list (its one entry's key damaged into another list's):
	 * the refs say whether there are ballots. One lookup. */
	if (rc == 0 && sc.prev == 0)
		rc = list_empty_ok(sv, ref, tag);
	return rc;
}

static const Wiec__GenesisBody *view_genesis(void *ctx)
{
	store_view_t *sv = ctx;

	return sv->have_genesis ? sv->g.body : NULL;
}

/* 0 if the store's derived state is of this program's model in the view's
 * snapshot; WIEC_ERR_STALE for an older one (a read-only open, not
 * rebuilt: an older refs index may lack whole tags), WIEC_ERR_NEWER for a
 * newer one (rebuilt by a newer wiec since this store was opened). */
static int model_current(store_view_t *sv)
{
	uint32_t ver, model;
	int rc;

	if (store_stale(sv->s))
		return WIEC_ERR_STALE;
	if ((rc = store_versions(sv->s, sv->txn, &ver, &model)) != 0)
		return rc;
	return model < STORE_MODEL ? WIEC_ERR_STALE : model > STORE_MODEL ? WIEC_ERR_NEWER : 0;
}

int store_view_begin(store_t *s, store_view_t **out, model_view_t *v)
{
	store_view_t *sv;
	MDB_val gv;
	int rc;

	*out = NULL;
	if ((sv = calloc(1, sizeof *sv)) == NULL)
		return WIEC_ERR_NOMEM;
	sv->s = s;
	if ((rc = store_txn_begin(s, MDB_RDONLY, &sv->txn)) != 0) {
		free(sv);
		return rc;
	}
	if ((rc = model_current(sv)) != 0)
		goto fail;
	rc = store_meta_get(s, sv->txn, "genesis", &gv);
	if (rc == 0) {
		if (genesis_decode(&sv->g, gv.mv_data, gv.mv_size, 0) != 0) {
			rc = WIEC_ERR_CORRUPT;
			goto fail;
		}
		sv->have_genesis = 1;
	} else if (rc != WIEC_ERR_NOTFOUND) {
		goto fail;
	}
	v->ctx = sv;
	v->get = view_get;
	v->refs = view_refs;
	v->genesis = view_genesis;
	/* The view is of this program's model (model_current above): the
	 * entries it serves are checked against the events got through them. */
	if (!s->no_model && (rc = store_served_new(&sv->served)) != 0)
		goto fail;
	v->scan = view_scan;
	*out = sv;
	return 0;
fail:
	store_view_end(&sv);
	return rc;
}

store_t *store_view_store(const store_view_t *sv)
{
	return sv->s;
}

MDB_txn *store_view_txn(const store_view_t *sv)
{
	return sv->txn;
}

void store_view_end(store_view_t **svp)
{
	store_view_t *sv = *svp;

	if (sv == NULL)
		return;
	if (sv->txn != NULL)
		mdb_txn_abort(sv->txn);
	if (sv->have_genesis)
		genesis_free(&sv->g);
	store_served_free(&sv->served);
	free(sv);
	*svp = NULL;
}
