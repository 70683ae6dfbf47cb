/* test_search.c: the full-text index (store/search.h): Polish queries
 * without diacritics, stemming, BM25 order in integers, postings and totals
 * that do not depend on arrival order, chunks that do not depend on commit
 * cuts, reindex rebuilding the index byte for byte, damage refused. */
#include <lmdb.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "model/fold.h"
#include "store/search.h"
#include "tests/unit/fixtures.h"
#include "tests/unit/test.h"

/* One idea (title, text) or, with target, a comment (text) by kp. */
static int build(fx_ev_t *out, const key_pair_t *kp, uint64_t seq, const uint8_t *prev,
    const char *title, const char *text, const uint8_t *target)
{
	Wiec__Body b = WIEC__BODY__INIT;
	Wiec__Idea idea = WIEC__IDEA__INIT;
	Wiec__Comment c = WIEC__COMMENT__INIT;
	uint8_t network[HASH_BYTES];
	int rc;

	fx_network(network);
	ev_set_header(&b, network, kp->pk, seq - 1, prev);
	b.timestamp = FX_TS + seq;
	if (target == NULL) {
		idea.title = (char *)title;
		idea.text = (char *)text;
		b.content_case = WIEC__BODY__CONTENT_IDEA;
		b.idea = &idea;
	} else {
		c.target.data = (uint8_t *)target;
		c.target.len = HASH_BYTES;
		c.text = (char *)text;
		b.content_case = WIEC__BODY__CONTENT_COMMENT;
		b.comment = &c;
	}
	memset(out, 0, sizeof *out);
	if ((rc = ev_build(&out->env, &out->len, kp, &b)) != 0)
		return rc;
	hash_2(out->id, out->env, out->len, NULL, 0);
	return 0;
}

#define NDOCS 6
static const char *const docs[NDOCS][2] = {
	{ "Drzewa na placu", "Posadźmy drzewa na placu przed ratuszem w Łodzi." },
	{ "Ścieżka rowerowa", "Nowa ścieżka rowerowa wzdłuż rzeki, bez drzew wyciętych." },
	{ "Źródło w parku", "Odnowić źródło w parku miejskim; woda ze źródła jest czysta." },
	{ "Łódź: ławki", "Więcej ławek w centrum Łodzi, przy drzewach i fontannie." },
	{ "Zieleń", "Zieleń, zieleń, zieleń: drzewo przy każdej ulicy." },
	{ NULL, "Popieram, ale drzewa muszą być duże." },	/* a comment on doc 0 */
};

static int make_docs(fx_ev_t *evs)
{
	key_pair_t kp;
	int rc;

	fx_key(&kp, 0x51);
	for (size_t i = 0; i < NDOCS; i++)
		if ((rc = build(&evs[i], &kp, i + 1, i ? evs[i - 1].id : NULL, docs[i][0],
		    docs[i][1], docs[i][0] ? NULL : evs[0].id)) != 0)
			return rc;
	return 0;
}

/* The events (as indexes into evs) a query finds, best first: "2 0 5". */
static int found(store_t *s, const fx_ev_t *evs, size_t n, const char *q, char *out,
    size_t outlen)
{
	search_res_t *r;
	uint8_t id[HASH_BYTES];
	uint64_t score;
	size_t used = 0;
	int rc;

	out[0] = '\0';
	if ((rc = store_search(s, q, strlen(q), &r, NULL)) != 0)
		return rc;
	while ((rc = store_search_next(r, id, &score)) == 1) {
		size_t i = 0;

		while (i < n && memcmp(evs[i].id, id, HASH_BYTES) != 0)
			i++;
		used += (size_t)snprintf(out + used, outlen - used, "%s%zu", used ? " " : "", i);
		if (used >= outlen)
			break;
	}
	store_search_free(&r);
	return rc < 0 ? rc : 0;
}

#define FOUND(q, want) do { \
	char got_[128]; \
	CHECK(found(s, evs, NDOCS, (q), got_, sizeof got_) == 0); \
	if (strcmp(got_, (want)) != 0) { \
		fprintf(stderr, "  %s:%d: search \"%s\" found \"%s\", expected \"%s\"\n", \
		    __FILE__, __LINE__, (q), got_, (want)); \
		t_->failed = 1; \
		goto out; \
	} \
} while (0)

TEST(search_polish_queries)
{
	fx_ev_t evs[NDOCS];
	int res[NDOCS];
	store_t *s = NULL;
	size_t nterms;
	search_res_t *r = NULL;

	CHECK(make_docs(evs) == 0);
	CHECK(fx_store(&s, TEST_TMP, "s", FX_MAP) == 0);
	CHECK(fx_ingest(s, evs, NDOCS, res, NULL) == 0);
	for (size_t i = 0; i < NDOCS; i++)
		CHECK_EQ_U64(res[i], STORE_ADDED);
	/* Without diacritics, any case; ł by the explicit rule. */
	FOUND("lodz", "3 0");
	FOUND("LODZI", "3 0");
	FOUND("zrodlo", "2");
	FOUND("źródła", "2");
	FOUND("sciezka", "1");
	/* Stemming: "drzewa" finds "drzew", "drzewach", "drzewo"; the title
	 * counts twice, so the idea titled "Drzewa" ranks first. */
	FOUND("drzewa", "0 5 4 3 1");
	FOUND("drzew", "0 5 4 3 1");
	/* A prefix. */
	FOUND("zielen", "4");
	FOUND("ziel*", "4");
	FOUND("rower*", "1");
	/* Several words: documents matching both come first (the rarer word
	 * weighs more: "lodz" is in two documents, "drzew" in five). */
	FOUND("drzewa lodz", "3 0 5 4 1");
	FOUND("nic takiego", "");
	/* Words of one letter and stop words are not searchable. */
	CHECK(store_search(s, "w na i", 6, &r, &nterms) == 0);
	CHECK_EQ_U64(nterms, 0);
	CHECK_EQ_U64(store_search_left(r), 0);
out:
	store_search_free(&r);
	store_close(&s);
	fx_free(evs, NDOCS);
}

/* Totals are sums and a term's postings are a set, so another arrival
 * order holds the same postings and ranks alike (the chunks hold them in
 * log order, which differs); reindex rebuilds every key and value. */
#define POSTING 20	/* doc(16) || tf(2) || dl(2) */
#define TERMPAD 33	/* FOLD_TERM_MAX + 1: term || 0, zero-padded */

typedef struct dump {
	unsigned char h[crypto_generichash_BYTES], sh[crypto_generichash_BYTES];
	crypto_generichash_state st;	/* every derived database */
	size_t search;		/* entries (chunks and the totals) */
	uint8_t *content;	/* every (term, posting), then sorted for sh */
	size_t n, cap;
	int bad;		/* a chunk key or value of the wrong shape */
} dump_t;

static int content_cmp(const void *a, const void *b)
{
	return memcmp(a, b, TERMPAD + POSTING);
}

static void add_content(dump_t *d, const uint8_t *key, size_t klen, const uint8_t *val,
    size_t vlen)
{
	if (klen == 1)
		klen = 0;	/* the totals: one record of their own */
	else if (klen < 6 || klen > TERMPAD + 4 || key[klen - 5] != 0 || vlen == 0 ||
	    vlen % POSTING != 0) {
		d->bad = 1;
		return;
	} else {
		klen -= 4;
	}
	for (size_t i = 0; i < (klen ? vlen / POSTING : 1); i++) {
		uint8_t *r;

		if (d->n == d->cap) {
			size_t cap = d->cap ? 2 * d->cap : 256;
			uint8_t *c = realloc(d->content, cap * (TERMPAD + POSTING));

			if (c == NULL) {
				d->bad = 1;
				return;
			}
			d->content = c;
			d->cap = cap;
		}
		r = d->content + d->n++ * (TERMPAD + POSTING);
		memset(r, 0, TERMPAD + POSTING);
		memcpy(r, key, klen);
		memcpy(r + TERMPAD, klen ? val + i * POSTING : val, klen ? POSTING :
		    (vlen < POSTING ? vlen : POSTING));
	}
}

static int dump_kv(void *ctx, const char *db, const void *k, size_t klen, const void *v,
    size_t vlen)
{
	dump_t *d = ctx;
	uint8_t n[8];

	if (strcmp(db, "search") == 0) {
		d->search++;
		add_content(d, k, klen, v, vlen);
	}
	hash_put_be64(n, klen);
	crypto_generichash_update(&d->st, (const uint8_t *)db, strlen(db) + 1);
	crypto_generichash_update(&d->st, n, 8);
	crypto_generichash_update(&d->st, k, klen);
	hash_put_be64(n, vlen);
	crypto_generichash_update(&d->st, n, 8);
	crypto_generichash_update(&d->st, v, vlen);
	return 0;
}

static int dump(store_t *s, dump_t *d)
{
	int rc;

	memset(d, 0, sizeof *d);
	crypto_generichash_init(&d->st, NULL, 0, sizeof d->h);
	rc = store_dump_derived(s, dump_kv, d);
	if (rc == 0 && d->bad)
		rc = -1;
	if (rc == 0 && d->n > 1)	/* qsort(NULL, 0, ...) is undefined */
		qsort(d->content, d->n, TERMPAD + POSTING, content_cmp);
	if (rc == 0)
		rc = crypto_generichash(d->sh, sizeof d->sh, d->content, d->n * (TERMPAD + POSTING),
		    NULL, 0);
	free(d->content);
	d->content = NULL;
	if (rc != 0)
		return rc;
	return crypto_generichash_final(&d->st, d->h, sizeof d->h);
}

TEST(search_reindex_identical)
{
	fx_ev_t evs[NDOCS];
	int res[NDOCS];
	store_t *s = NULL;
	dump_t a, b;
	search_stats_t st;

	CHECK(make_docs(evs) == 0);
	CHECK(fx_store(&s, TEST_TMP, "s", FX_MAP) == 0);
	/* Three transactions, so the totals are added up across commits. */
	CHECK(fx_ingest(s, evs, 2, res, NULL) == 0);
	CHECK(fx_ingest(s, evs + 2, 3, res, NULL) == 0);
	CHECK(fx_ingest(s, evs + 5, 1, res, NULL) == 0);
	CHECK(dump(s, &a) == 0);
	CHECK(a.search > 20);
	CHECK(store_search_stats(s, &st) == 0);
	CHECK_EQ_U64(st.docs, NDOCS);
	CHECK(st.terms > 20 && st.postings >= st.terms && st.bytes > 0);
	CHECK(store_reindex(s) == 0);
	CHECK(dump(s, &b) == 0);
	CHECK_EQ_U64(b.search, a.search);
	CHECK(memcmp(a.h, b.h, sizeof a.h) == 0);
	store_close(&s);
	fx_free(evs, NDOCS);
}

/* Two authors, two stores, opposite arrival orders: the same postings and
 * totals, and the same ranking. */
TEST(search_independent_of_arrival_order)
{
	fx_ev_t evs[NDOCS], more[2];
	int res[NDOCS];
	store_t *s1 = NULL, *s2 = NULL;
	search_res_t *r1 = NULL, *r2 = NULL;
	uint8_t id1[HASH_BYTES], id2[HASH_BYTES];
	uint64_t sc1, sc2;
	dump_t a, b;
	key_pair_t kp;
	size_t n = 0;

	CHECK(make_docs(evs) == 0);
	fx_key(&kp, 0x52);
	CHECK(build(&more[0], &kp, 1, NULL, "Park w Łodzi", "Drzewa i ławki w parku.", NULL) == 0);
	CHECK(build(&more[1], &kp, 2, more[0].id, NULL, "Zgoda, drzewa!", evs[0].id) == 0);
	CHECK(fx_store(&s1, TEST_TMP, "a", FX_MAP) == 0);
	CHECK(fx_store(&s2, TEST_TMP, "b", FX_MAP) == 0);
	CHECK(fx_ingest(s1, evs, NDOCS, res, NULL) == 0);
	CHECK(fx_ingest(s1, more, 2, res, NULL) == 0);
	CHECK(fx_ingest1(s2, &more[0]) == STORE_ADDED);
	CHECK(fx_ingest1(s2, &more[1]) == STORE_ADDED);
	for (size_t i = NDOCS; i-- > 0;)	/* all but the first wait for their prev */
		CHECK(fx_ingest1(s2, &evs[i]) > 0);
	CHECK(dump(s1, &a) == 0);
	CHECK(dump(s2, &b) == 0);
	CHECK(a.search > 20);
	CHECK_EQ_U64(a.search, b.search);
	CHECK(memcmp(a.sh, b.sh, sizeof a.sh) == 0);
	CHECK(store_search(s1, "drzewa lodz park", 16, &r1, NULL) == 0);
	CHECK(store_search(s2, "drzewa lodz park", 16, &r2, NULL) == 0);
	while (store_search_next(r1, id1, &sc1) == 1) {
		CHECK(store_search_next(r2, id2, &sc2) == 1);
		CHECK(memcmp(id1, id2, HASH_BYTES) == 0);
		CHECK_EQ_U64(sc1, sc2);
		CHECK(sc1 > 0);
		n++;
	}
	CHECK(store_search_next(r2, id2, &sc2) == 0);
	CHECK_EQ_U64(n, 8);
	store_search_free(&r1);
	store_search_free(&r2);
	store_close(&s1);
	store_close(&s2);
	fx_free(evs, NDOCS);
	fx_free(more, 2);
}

TEST(search_log2_fixed_point)
{
	CHECK_EQ_U64(search_log2_q32(2, 1), (uint64_t)1 << 32);
	CHECK_EQ_U64(search_log2_q32(1024, 1), (uint64_t)10 << 32);
	CHECK_EQ_U64(search_log2_q32(7, 7), 0);
	CHECK_EQ_U64(search_log2_q32(1, 7), 0);
	/* floor(2^32 log2 3) = 6807362105; the bit-by-bit squaring truncates,
	 * so it may fall one unit short, never more, never above. */
	CHECK(search_log2_q32(3, 1) <= 6807362105ULL && search_log2_q32(3, 1) >= 6807362104ULL);
	CHECK(search_log2_q32(10, 3) <= 7460210421ULL && search_log2_q32(10, 3) >= 7460210420ULL);
	/* Monotonic in x. */
	for (uint64_t x = 2; x < 2000; x++)
		CHECK(search_log2_q32(x + 1, 1) > search_log2_q32(x, 1));
}

/* The postings of one long idea against counting done here, term by term
 * (fold_terms, then an O(n^2) count): more distinct terms than the
 * indexer's first table holds, words repeated a different number of times,
 * and title words counting twice. */
typedef struct occ {
	char t[FOLD_TERM_MAX];
	uint8_t len;
	unsigned tf;
} occ_t;

typedef struct occs {
	occ_t v[600];
	size_t n;
	unsigned weight, total;
} occs_t;

static int count_occ(void *arg, const char *t, size_t len, int prefix)
{
	occs_t *o = arg;
	size_t i;

	(void)prefix;
	o->total += o->weight;
	for (i = 0; i < o->n; i++)
		if (o->v[i].len == len && memcmp(o->v[i].t, t, len) == 0)
			break;
	if (i == o->n) {
		if (o->n == sizeof o->v / sizeof o->v[0])
			return 1;
		memcpy(o->v[i].t, t, len);
		o->v[i].len = (uint8_t)len;
		o->v[i].tf = 0;
		o->n++;
	}
	o->v[i].tf += o->weight;
	return 0;
}

typedef struct postcheck {
	const occs_t *o;
	const uint8_t *id;
	size_t seen, bad;
} postcheck_t;

static int check_posting(void *ctx, const char *db, const void *k, size_t klen, const void *v,
    size_t vlen)
{
	postcheck_t *pc = ctx;
	const uint8_t *key = k, *val = v;
	size_t tl;

	if (strcmp(db, "search") != 0 || klen == 1)
		return 0;
	if (klen < 6 || key[klen - 5] != 0 || vlen == 0 || vlen % POSTING != 0) {
		pc->bad++;
		return 0;
	}
	tl = klen - 5;
	for (size_t j = 0; j < vlen / POSTING; j++) {
		const uint8_t *p = val + j * POSTING;
		size_t i;

		if (memcmp(p, pc->id, 16) != 0)
			continue;
		pc->seen++;
		for (i = 0; i < pc->o->n; i++)
			if (pc->o->v[i].len == tl && memcmp(pc->o->v[i].t, key, tl) == 0)
				break;
		if (i == pc->o->n || (unsigned)(p[16] << 8 | p[17]) != pc->o->v[i].tf ||
		    (unsigned)(p[18] << 8 | p[19]) != pc->o->total)
			pc->bad++;	/* a term the document does not have, or miscounted */
	}
	return 0;
}

TEST(search_long_document_postings)
{
	static const char syl[][4] = { "ba", "ce", "di", "fo", "gu", "ha", "je", "ki", "lo",
	    "mu", "na", "pe", "ri", "so", "tu", "wa", "ze", "bo", "ku", "me" };
	char *text = malloc(20000), title[] = "Tytuł: plac plac rynek";
	occs_t *o = calloc(1, sizeof *o);
	fx_ev_t ev;
	key_pair_t kp;
	store_t *s = NULL;
	postcheck_t pc;
	size_t n = 0;
	int res;

	CHECK(text != NULL && o != NULL);
	/* 400 distinct three-syllable words, word w repeated 1 + w % 5 times. */
	for (size_t w = 0; w < 400; w++)
		for (size_t r = 0; r <= w % 5; r++)
			n += (size_t)snprintf(text + n, 20000 - n, "%s%s%s%s ", syl[w % 20],
			    syl[(w / 20) % 20], syl[(w * 7 + 3) % 20], r == 4 ? "x" : "");
	fx_key(&kp, 0x77);
	CHECK(build(&ev, &kp, 1, NULL, title, text, NULL) == 0);
	o->weight = 2;
	fold_terms(title, strlen(title), 0, count_occ, o);
	o->weight = 1;
	CHECK(fold_terms(text, n, 0, count_occ, o) == 0);
	CHECK(o->n > 256);	/* past the indexer's first table */
	CHECK(fx_store(&s, TEST_TMP, "s", FX_MAP) == 0);
	CHECK(fx_ingest(s, &ev, 1, &res, NULL) == 0);
	CHECK(res == STORE_ADDED);
	pc = (postcheck_t){ o, ev.id, 0, 0 };
	CHECK(store_dump_derived(s, check_posting, &pc) == 0);
	CHECK_EQ_U64(pc.seen, o->n);
	CHECK_EQ_U64(pc.bad, 0);
	store_close(&s);
	fx_free(&ev, 1);
	free(o);
	free(text);
}

/* NMANY comments that all contain "rower", by one author: its postings
 * fill two chunks of 64 and a third of 22. */
#define NMANY 150

static int make_many(fx_ev_t *evs)
{
	key_pair_t kp;
	char text[64];
	int rc;

	fx_key(&kp, 0x53);
	for (size_t i = 0; i < NMANY; i++) {
		snprintf(text, sizeof text, "Rower numer %zu, rowery i rowerem.", i);
		if ((rc = build(&evs[i], &kp, i + 1, i ? evs[i - 1].id : NULL, "Rower", text,
		    NULL)) != 0)
			return rc;
	}
	return 0;
}

typedef struct chunks {
	size_t n, postings[8];
	uint32_t num[8];
} chunks_t;

static int rower_chunks(void *ctx, const char *db, const void *k, size_t klen, const void *v,
    size_t vlen)
{
	chunks_t *c = ctx;
	const uint8_t *key = k;

	(void)v;
	if (strcmp(db, "search") != 0 || klen != 6 + 4 || memcmp(key, "rower", 6) != 0)
		return 0;
	if (c->n < 8) {
		c->num[c->n] = (uint32_t)key[6] << 24 | (uint32_t)key[7] << 16 |
		    (uint32_t)key[8] << 8 | key[9];
		c->postings[c->n] = vlen / POSTING;
	}
	c->n++;
	return 0;
}

/* The chunks are filled in log order, each to 64 before the next, so
 * where the write transactions were cut does not change a byte; a query
 * reads every chunk. */
TEST(search_chunks_independent_of_commit_cuts)
{
	static fx_ev_t evs[NMANY];
	int res[NMANY];
	store_t *s1 = NULL, *s2 = NULL;
	search_res_t *r = NULL;
	uint8_t id[HASH_BYTES];
	uint64_t score;
	chunks_t c = { 0 };
	dump_t a, b;
	size_t n = 0;

	CHECK(make_many(evs) == 0);
	CHECK(fx_store(&s1, TEST_TMP, "one", FX_MAP) == 0);
	CHECK(fx_store(&s2, TEST_TMP, "cuts", FX_MAP) == 0);
	CHECK(fx_ingest(s1, evs, NMANY, res, NULL) == 0);
	for (size_t i = 0; i < NMANY; i += 7)	/* 22 transactions of 7 (the last 3) */
		CHECK(fx_ingest(s2, evs + i, NMANY - i < 7 ? NMANY - i : 7, res, NULL) == 0);
	CHECK(dump(s1, &a) == 0);
	CHECK(dump(s2, &b) == 0);
	CHECK(memcmp(a.h, b.h, sizeof a.h) == 0);
	CHECK(store_dump_derived(s1, rower_chunks, &c) == 0);
	CHECK_EQ_U64(c.n, 3);
	CHECK(c.num[0] == 0 && c.num[1] == 1 && c.num[2] == 2);
	CHECK(c.postings[0] == 64 && c.postings[1] == 64 && c.postings[2] == 22);
	CHECK(store_search(s2, "rowerowy", 8, &r, NULL) == 0);
	while (store_search_next(r, id, &score) == 1)
		n++;
	CHECK_EQ_U64(n, NMANY);
	store_search_free(&r);
	store_close(&s1);
	store_close(&s2);
	fx_free(evs, NMANY);
}

/* Damage to a chunk of "rower", edited with LMDB alone (fx_raw_edit). */
static const uint8_t rower1[10] = { 'r', 'o', 'w', 'e', 'r', 0, 0, 0, 0, 1 };

/* Writes chunk 1 again as its first len bytes (of at most 64 postings). */
static int chunk_cut(MDB_txn *txn, size_t len)
{
	MDB_val k = { sizeof rower1, (void *)rower1 }, v;
	uint8_t buf[64 * POSTING];
	MDB_dbi dbi;
	int rc;

	if ((rc = mdb_dbi_open(txn, "search", 0, &dbi)) != 0 ||
	    (rc = mdb_get(txn, dbi, &k, &v)) != 0)
		return rc;
	if (v.mv_size > sizeof buf || len > v.mv_size)
		return -1;
	memcpy(buf, v.mv_data, v.mv_size);
	v = (MDB_val){ len, buf };
	return mdb_put(txn, dbi, &k, &v, 0);
}

static int chunk_odd_size(MDB_txn *txn, void *arg)
{
	(void)arg;
	return chunk_cut(txn, 64 * POSTING - 3);
}

static int chunk_short(MDB_txn *txn, void *arg)	/* a chunk before the last not full */
{
	(void)arg;
	return chunk_cut(txn, POSTING);
}

static int chunk_missing(MDB_txn *txn, void *arg)
{
	MDB_val k = { sizeof rower1, (void *)rower1 };
	MDB_dbi dbi;
	int rc;

	(void)arg;
	if ((rc = mdb_dbi_open(txn, "search", 0, &dbi)) != 0)
		return rc;
	return mdb_del(txn, dbi, &k, NULL);
}

static int chunk_too_big(MDB_txn *txn, void *arg)
{
	static uint8_t buf[65 * POSTING];
	MDB_val k = { sizeof rower1, (void *)rower1 }, v = { sizeof buf, buf };
	MDB_dbi dbi;
	int rc;

	(void)arg;
	if ((rc = mdb_dbi_open(txn, "search", 0, &dbi)) != 0)
		return rc;
	return mdb_put(txn, dbi, &k, &v, 0);
}

/* A damaged chunk (wrong size, missing, short before the last, over 64
 * postings) is an error for a query that reads its term, never a silently
 * different ranking; other terms still read. */
TEST(search_damaged_chunk_refused)
{
	static fx_ev_t evs[NMANY + 1];
	int (*const damage[])(MDB_txn *, void *) = { chunk_odd_size, chunk_missing, chunk_short,
	    chunk_too_big };
	int res[NMANY];
	uint8_t bad[HASH_BYTES];
	char why[160];

	CHECK(make_many(evs) == 0);
	for (size_t i = 0; i < sizeof damage / sizeof damage[0]; i++) {
		char name[16], path[512];
		store_t *s = NULL;
		search_res_t *r = NULL;

		snprintf(name, sizeof name, "d%zu", i);
		CHECK(fx_store(&s, TEST_TMP, name, FX_MAP) == 0);
		CHECK(fx_ingest(s, evs, NMANY, res, NULL) == 0);
		CHECK(store_verify(s, bad, why, sizeof why) == 0);
		store_close(&s);
		CHECK(fx_raw_edit(TEST_TMP, name, damage[i], NULL) == 0);
		snprintf(path, sizeof path, "%s/%s", TEST_TMP, name);
		CHECK(store_open(&s, path, FX_MAP, 0) == 0);
		CHECK(store_search(s, "rower", 5, &r, NULL) == WIEC_ERR_CORRUPT);
		CHECK(r == NULL);
		CHECK(store_verify(s, bad, why, sizeof why) == WIEC_ERR_CORRUPT);
		CHECK(strstr(why, "search index") != NULL);
		/* Another term still reads. */
		CHECK(store_search(s, "numer", 5, &r, NULL) == 0);
		CHECK(store_search_left(r) == NMANY);
		store_search_free(&r);
		store_close(&s);
	}
	fx_free(evs, NMANY);
}

/* A store of model 7 (postings one per key) opened read-only is refused
 * for search, with a reason, rather than read as another layout; opened
 * writable, it is rebuilt and found again. */
static int model7(MDB_txn *txn, void *arg)
{
	static const uint8_t seven[4] = { 0, 0, 0, 7 };
	MDB_dbi meta;
	MDB_val k = { 5, "model" }, v = { 4, (void *)seven };
	int rc;

	(void)arg;
	if ((rc = mdb_dbi_open(txn, "meta", 0, &meta)) != 0)
		return rc;
	return mdb_put(txn, meta, &k, &v, 0);
}

TEST(search_older_model_refused_read_only)
{
	fx_ev_t evs[NDOCS];
	int res[NDOCS];
	store_t *s = NULL;
	search_res_t *r = NULL;
	char path[512], why[160];
	uint8_t bad[HASH_BYTES];

	CHECK(make_docs(evs) == 0);
	CHECK(fx_store(&s, TEST_TMP, "m7", FX_MAP) == 0);
	CHECK(fx_ingest(s, evs, NDOCS, res, NULL) == 0);
	store_close(&s);
	CHECK(fx_raw_edit(TEST_TMP, "m7", model7, NULL) == 0);
	snprintf(path, sizeof path, "%s/m7", TEST_TMP);
	CHECK(store_open(&s, path, FX_MAP, STORE_OPEN_RDONLY) == 0);
	CHECK(store_search(s, "drzewa", 6, &r, NULL) == WIEC_ERR_STALE);
	CHECK(r == NULL);
	/* verify too: its kids are of another layout before model 9. */
	CHECK(store_verify(s, bad, why, sizeof why) == WIEC_ERR_STALE);
	store_close(&s);
	CHECK(store_open(&s, path, FX_MAP, 0) == 0);
	CHECK(store_search(s, "drzewa", 6, &r, NULL) == 0);
	CHECK(store_search_left(r) == 5);	/* docs 0, 1, 3, 4 and 5 */
	CHECK(store_verify(s, bad, why, sizeof why) == 0);
	store_search_free(&r);
	store_close(&s);
	fx_free(evs, NDOCS);
}
