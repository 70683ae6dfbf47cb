/* store_int.h: what the store's own files share; not an API.
 *
 * Layout, format 3 (spec/events.md section 10). Integers big-endian.
 *   log       lseq(8)                     -> id(32) || envelope      arrival order
 *   events    id(32)                      -> lseq(8) || author(32) || seq(8)
 *   chains    author || seq(8) || id      -> prev(32), or empty for a root
 *   kids      author || pseq(8) || parent || seq(8) || id -> empty
 *             pseq: the parent's seq (0 and 32 zero bytes for a root), so
 *             an author's new events append near the author's end
 *   tips      author || id                -> seq(8)   held events without a held child
 *   tipb      author || bucket(1)         -> hash(32) tip bucket hashes, above 64 tips
 *   heads     author                      -> HEAD_VAL (below)
 *   pending   author || prev || id        -> src(4) || arrived ms(8) || pseq(8) || envelope
 *   pendq     pseq(8)                     -> author || prev || id    oldest first
 *   pendsrc   src(4) || pseq(8)           -> author || prev || id    oldest of a source
 *   pstat     'a' author | 's' src(4) | 'n'  -> count(8) || bytes(8)
 *   excluded  author || seq(8) || id      -> reason(1)               derived
 *   refs      ref(32) || tag(1) || id     -> lseq(8) model index (spec/model.md s9)
 *   search    term || 0 || id(16)         -> tf(2) || dl(2)          derived (store/search.c)
 *   meta      genesis, network, lseq, pseq, version, model
 * log and events are the held set; chains, kids, tips, heads, excluded, refs, search
 * are functions of it (store_reindex rebuilds them from log). */
#ifndef WIEC_STORE_INT_H
#define WIEC_STORE_INT_H

#include <lmdb.h>
#include <string.h>

#include "crypto/mem.h"
#include "store/store.h"

#define STORE_VERSION 3		/* 3: author trees, nothing deleted */
#define STORE_MODEL 9		/* derived state version: a change rebuilds it (3: refs, 4: search,
				 * 5: refs values hold the event's lseq, 6: IdPart rows,
				 * 7: lists, 8: search postings in chunks, 9: kids keyed
				 * by the parent's seq) */
#define CHAIN_KEY (KEY_PK_BYTES + 8 + HASH_BYTES)
#define KIDS_KEY (KEY_PK_BYTES + 8 + HASH_BYTES + 8 + HASH_BYTES)
#define TIPS_KEY (KEY_PK_BYTES + HASH_BYTES)
#define PEND_KEY (KEY_PK_BYTES + HASH_BYTES + HASH_BYTES)
#define PEND_HDR (4 + 8 + 8)
#define PEND_PREFIX (KEY_PK_BYTES + HASH_BYTES)	/* author || prev of a waiting event */
#define EVENT_VAL (8 + KEY_PK_BYTES + 8)
#define HEAD_VAL (4 * 8 + 2 * HASH_BYTES)
#define REFS_KEY (HASH_BYTES + 1 + HASH_BYTES)
#define REFS_ENT (REFS_KEY + 8)	/* a gathered entry: key || u64be(lseq) */
#define LISTS_KEY (HASH_BYTES + 1)	/* ref || tag of a listed tag (store_listed) */
#define LISTS_CHUNK 240			/* positions in one `lists` entry (1,920 bytes:
					 * two to a 4 KiB page, never an overflow page) */

/* Whether the refs of this tag are also kept in `lists` (ref || tag ->
 * u64be(lseq) duplicates, ascending): the ones the model scans
 * (model_view_t.scan), today only ballots. */
static inline int store_listed(uint8_t tag)
{
	return tag == MREF_BALLOT;
}

struct store {
	MDB_env *env;
	MDB_dbi events, log, chains, kids, tips, tipb, heads, pending, pendq, pendsrc, pstat,
	    excluded, refs, meta, search, lists;
	int stale;			/* a read-only store of an older model (not rebuilt) */
	int missing;			/* ... lacking a database added since (its handle: 0) */
	int rdonly;
	int no_model;			/* store_model_hooks(s, 0): benchmarks only */
	struct store_guard *guard;	/* store/guard.h */
	int corrupt_set;		/* a checked read found damage: */
	uint8_t corrupt[HASH_BYTES];	/* the id it was stored under */
	char damage[STORE_DAMAGE_MAX];	/* store_damage's line; "" none yet */
};

/* State of one write transaction. */
typedef struct wtx {
	store_t *s;
	MDB_txn *txn;
	uint64_t lseq;		/* next local sequence number */
	uint64_t pseq;		/* next pending sequence number */
	size_t added;
	unsigned flags;		/* STORE_EXTEND_ONLY */
	uint32_t source;
	uint64_t now_ms;
	uint8_t (*members)[KEY_PK_BYTES];	/* sorted founder keys */
	size_t nmembers;
	uint8_t (*moved)[KEY_PK_BYTES];		/* authors touched, unsorted */
	size_t nmoved, capmoved;
	uint8_t (*work)[PEND_PREFIX];		/* author || id of appended events whose
					 * waiters to release */
	size_t nwork, capwork;
	uint8_t (*bk)[KEY_PK_BYTES + 1];	/* author || tip bucket changed */
	size_t nbk, capbk;
	/* Write-back cache of one author (batches come sorted by author), in
	 * store/ingest.c: its head record, and the tips indexed in this
	 * transaction that have no child yet (not yet in tips). Flushed when
	 * another author comes, and before finishing or committing. */
	int head_state;				/* 0 none, 1 as stored, 2 changed */
	int head_waits;				/* events of it may wait: -1 unknown */
	store_head_t head;
	struct wtx_tip { uint8_t id[HASH_BYTES]; uint64_t seq; } *newtips;
	size_t nnewtips, capnewtips;
	/* The last event the chain rules found held (its id and seq): the
	 * prev of the event being applied, whose seq the kids key needs. */
	struct wtx_tip found;
	int have_found;
	/* Cursors kept open for the transaction (or NULL): LMDB puts through a
	 * cursor skip the descent when the key falls in the page it is on, and
	 * sorted batches put each author's keys next to each other. */
	MDB_cursor *events_cur, *chains_cur, *kids_cur;
	/* The model's index entries of this transaction's events (key, then
	 * the lseq value), put in key order by store_derive_flush (sorted puts
	 * touch fewer pages). */
	uint8_t (*refs)[REFS_ENT];
	size_t nrefs, caprefs;
	struct search_buf *search;	/* search entries not yet put (store/search.c) */
} wtx_t;

static inline MDB_val store_mv(const void *p, size_t n)
{
	MDB_val v = { n, (void *)p };
	return v;
}

int store_lmdb_err(int rc);
/* Records what a read found damaged, for store_damage (the first record
 * of s is kept), and returns WIEC_ERR_CORRUPT: db names the database
 * ("log", "refs index"), id the event concerned (NULL: none), fmt and the
 * rest how (printf). */
int store_damaged(store_t *s, const char *db, const uint8_t *id, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Commits a write transaction (ending it either way) and writes the
 * commit record (store/guard.h). WIEC_ERR_REPLACED: not committed, the
 * store's file was replaced (store_replaced). */
int store_commit(store_t *s, MDB_txn *txn);
/* Begins a transaction (flags: MDB_RDONLY or 0). A write transaction on a
 * store whose file was replaced is WIEC_ERR_REPLACED, *txn NULL. */
int store_txn_begin(store_t *s, unsigned flags, MDB_txn **txn);
int store_meta_get(store_t *s, MDB_txn *txn, const char *key, MDB_val *v);
/* The store's format version and model version in txn (each 0 if not
 * stamped yet); WIEC_ERR_CORRUPT for a malformed one. */
int store_versions(store_t *s, MDB_txn *txn, uint32_t *ver, uint32_t *model);
int store_meta_put_u64(store_t *s, MDB_txn *txn, const char *key, uint64_t v);
int store_network_in(store_t *s, MDB_txn *txn, uint8_t network[static HASH_BYTES]);

/* Head record of author in txn (zeroed with the author set if none:
 * WIEC_ERR_NOTFOUND). */
int store_get_head(store_t *s, MDB_txn *txn, const uint8_t *author, store_head_t *h);
int store_put_head(store_t *s, MDB_txn *txn, const store_head_t *h);
void store_head_decode(store_head_t *h, const uint8_t *author, const uint8_t *val);

/* Event index entry: lseq, author, seq. WIEC_ERR_NOTFOUND if not held. */
int store_event_ref(store_t *s, MDB_txn *txn, const uint8_t *id, uint64_t *lseq,
    uint8_t author[KEY_PK_BYTES], uint64_t *seq);

/* Envelope of a held id, borrowed from txn, after checking that its bytes
 * hash to id and that the events index entry it was found by is the
 * event's (its log position, author and seq): WIEC_ERR_CORRUPT otherwise,
 * with the damage recorded (store_damage). author and seq (may be NULL)
 * receive the event's. WIEC_ERR_NOTFOUND if id is not held. */
int store_lookup(store_t *s, MDB_txn *txn, const uint8_t *id, uint64_t *lseq,
    uint8_t author[KEY_PK_BYTES], uint64_t *seq, const uint8_t **env, size_t *len);

/* Fields of a held event's canonical bytes, read in place (store/body.c);
 * WIEC_ERR_CORRUPT for bytes that do not read so. store_env_body: the body
 * inside an envelope. store_body_head: the body's author (32 bytes) and
 * seq. store_body_field: the bytes of the body's length-delimited field
 * number no (a kind's content: Vote is 31), WIEC_ERR_NOTFOUND if absent;
 * also works on a message inside (the Vote's process is its field 1). */
int store_env_body(const uint8_t *env, size_t len, const uint8_t **body, size_t *blen);
int store_body_head(const uint8_t *body, size_t len, const uint8_t **author, uint64_t *seq);
int store_body_field(const uint8_t *body, size_t len, unsigned no, const uint8_t **val,
    size_t *vlen);

/* Write transactions (store/ingest.c). */
int store_wtx_begin(wtx_t *w, store_t *s);
/* Applies the chain rules to evs[0..n) (verified; borrowed for the call),
 * author by author in seq order, as store_ingest_batch does, into res[i].
 * Returns 0, or a store failure (MAP_FULL, STORE, CORRUPT, NOMEM, CRYPTO)
 * after which w must be aborted. Several calls may share one transaction
 * (store/pipeline.c): the outcome of each batch is then the one it would
 * have had if committed after the batches before it. */
int store_wtx_apply(wtx_t *w, const ev_t *evs, size_t n, int *res);
int store_wtx_commit(wtx_t *w);
void store_wtx_abort(wtx_t *w);
/* Indexes an event already in the log at lseq (append, or rebuild). */
int store_index_event(wtx_t *w, const ev_t *ev, uint64_t lseq);
/* Decodes a stored envelope and applies the chain rules to it (a waiting
 * event of a migrated store); refusals are dropped. */
int store_readd(wtx_t *w, const uint8_t *env, size_t len);
/* Recomputes the tips value of every moved author and runs the derived
 * hooks for them; called once per transaction before commit. */
int store_finish_moved(wtx_t *w, store_head_t **moved, size_t *nmoved);

/* Events waiting for their prev (store/pending.c). store_pend_wait keeps
 * ev within the bounds (STORE_PENDING or a refusal); store_pend_remove
 * drops one entry (key pk, value pv) and its bookkeeping. */
int store_pend_wait(wtx_t *w, const ev_t *ev);
int store_pend_remove(wtx_t *w, const uint8_t pk[PEND_KEY], const uint8_t *pv, size_t pvlen);

/* The tips value of h's author into h->tips (store/tips.c); changed holds
 * the sorted tip buckets this transaction touched. */
int store_tips_value(wtx_t *w, store_head_t *h, const uint8_t *changed, size_t nchanged);

/* Derived state (store/derive.c). */
int store_derive_author(wtx_t *w, const store_head_t *h);
int store_derive_clear(wtx_t *w);
/* The model index entries of one event being indexed at lseq (model_refs),
 * kept in w until store_derive_flush puts them (before commit; also when
 * many). */
int store_derive_event(wtx_t *w, const ev_t *ev, uint64_t lseq);
int store_derive_flush(wtx_t *w);

/* The `lists` database (store/lists.c). store_lists_add appends the lseqs
 * of the gathered refs entries refs[0..n) (key || u64be(lseq), any order)
 * whose tag is listed to their lists; each must be above its list's last
 * (WIEC_ERR_CORRUPT otherwise). store_lists_walk calls fn with the lseqs
 * of list key (ref || tag), ls[0..n) of each entry in turn (n <=
 * LISTS_CHUNK; ls valid during the call), ascending over the whole list,
 * checking the entries' shape (WIEC_ERR_CORRUPT); a nonzero return of fn
 * stops it and is returned. */
typedef int (*store_lseq_fn)(void *arg, const uint64_t *ls, size_t n);
int store_lists_add(wtx_t *w, const uint8_t (*refs)[REFS_ENT], size_t n);
int store_lists_walk(store_t *s, MDB_txn *txn, const uint8_t key[static LISTS_KEY],
    store_lseq_fn fn, void *arg);
int store_is_member(const wtx_t *w, const uint8_t *author);
/* Fills w->members from the genesis in w->txn (any transaction). */
int store_load_members(wtx_t *w);
/* The search index entries of an event (store/search.c), gathered in w
 * and put in key order by store_search_flush (before commit, or when many
 * are gathered); store_search_drop frees what was not put. */
/* The `refs` entries a view served (store/served.c), for checking the
 * events it then gets against them. store_served_add keeps one (key: ref
 * || tag || id; lseq: its value), at most STORE_SERVED_MAX per view (the
 * rest are not kept): 0 or WIEC_ERR_NOMEM. store_served_next gives the
 * kept entries of id one by one (*at = 0 to start), then NULL. */
#define STORE_SERVED_MAX ((size_t)1 << 20)
typedef struct store_served store_served_t;
typedef struct store_served_ent {
	uint8_t key[REFS_KEY];
	uint64_t lseq;
} store_served_ent_t;
int store_served_new(store_served_t **t);
void store_served_free(store_served_t **t);
int store_served_add(store_served_t *t, const uint8_t key[static REFS_KEY], uint64_t lseq);
const store_served_ent_t *store_served_next(const store_served_t *t,
    const uint8_t id[static HASH_BYTES], size_t *at);

/* A view's store and read transaction (store/refs.c). */
store_t *store_view_store(const store_view_t *sv);
MDB_txn *store_view_txn(const store_view_t *sv);
int store_search_index(wtx_t *w, const ev_t *ev);
int store_search_flush(wtx_t *w);
void store_search_drop(wtx_t *w);
/* The search index's shape (spec/search.md section 6) in txn: 0, or
 * WIEC_ERR_CORRUPT with *why a static reason. */
int store_search_check(store_t *s, MDB_txn *txn, const char **why);
/* The model's indexes against the log (store/verifyidx.c): every refs
 * value names the log position of its event, every list holds exactly
 * its refs' positions in full entries, the search index has its shape.
 * 0, or WIEC_ERR_CORRUPT with *why a static reason (bad: the event
 * concerned, else zero). */
int store_verify_indexes(store_t *s, MDB_txn *txn, uint8_t bad[static HASH_BYTES],
    const char **why);

/* Whether every named database's keys ascend strictly in the order LMDB
 * keeps (a key out of order hides entries from every keyed lookup, though
 * a walk still sees it): 0, or WIEC_ERR_CORRUPT with *name the database. */
int store_verify_order(store_t *s, MDB_txn *txn, const char **name);

/* Rebuilds every index from the log in one write transaction (reindex,
 * and the migration of a format-2 store). */
int store_rebuild(wtx_t *w);

void store_chain_key(uint8_t k[CHAIN_KEY], const uint8_t *author, uint64_t seq,
    const uint8_t *id);
/* The kids key of event (author, seq, id) whose parent (zero for a root)
 * has seq pseq (0 for a root). */
void store_kids_key(uint8_t k[KIDS_KEY], const uint8_t *author, uint64_t pseq,
    const uint8_t *parent, uint64_t seq, const uint8_t *id);

#endif
