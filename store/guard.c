#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/afile.h"
#include "crypto/err.h"
#include "store/guard.h"

/* LMDB 0.9's file layout (mdb.c: MDB_page, MDB_meta, MDB_db, MDB_node):
 * native byte order; pgno_t, txnid_t and size_t fields are W bytes. The
 * data version has been 1 throughout 0.9. */
#define W sizeof(size_t)
#define LM_MAGIC 0xBEEFC0DEu
#define LM_VERSION 1u
#define LM_PH (W + 8)		/* page header: pgno, pad, flags, lower, upper */
#define LM_NODE 8		/* node header: lo, hi, flags, ksize (u16 each) */
#define LM_DB (8 + 5 * W)	/* MDB_db: pad, flags, depth, 3 page counts, entries, root */
#define LM_META (24 + 14 * W)	/* MDB_meta: magic, version, address, mapsize, dbs[2], last_pg, txnid */
#define LM_P_BRANCH 0x01
#define LM_P_LEAF 0x02
#define LM_P_OVERFLOW 0x04
#define LM_P_META 0x08
#define LM_P_TYPES 0x6f		/* the type bits: branch, leaf, overflow, meta, leaf2, subpage */
#define LM_F_BIGDATA 0x01
#define LM_F_SUBDATA 0x02
#define LM_INVALID ((uint64_t)SIZE_MAX)
#define LM_PSIZE_MIN 256
#define LM_PSIZE_MAX 0x8000
#define LM_DEPTH_MAX 32		/* CURSOR_STACK */
#define LM_KEY_MAX 511
#define LM_DBS_MAX 64		/* named databases; the store has 6 */
#define GUARD_TRIES 1000	/* snapshots missed while a writer commits */
#define GUARD_AGAIN 1		/* a meta page changed while read: read again */
/* LMDB 0.9's lock file for STORE_GUARD_READERS readers: a 64-byte slot per
 * reader after a header of two (mdb.c: MDB_txninfo, MDB_reader). */
#define LOCK_BYTES ((STORE_GUARD_READERS + 2) * 64)

static const uint8_t rec_magic[8] = { 'w', 'i', 'e', 'c', '-', 'c', 'r', '1' };

struct store_guard {
	char data[PATH_MAX];	/* DIR/data.mdb */
	int fd;			/* data.mdb for pread, until the walk is done */
	int rec_fd;		/* the commit record, writers only; else -1 */
	int writer;		/* not opened read-only: makes a missing record */
	int have_rec;
	uint64_t rec_txn, rec_lseq;
	uint8_t rec_tip[HASH_BYTES];
	char rec_path[PATH_MAX];
	int bound;		/* dev and ino are LMDB's data.mdb */
	int dir_fd;		/* the store's directory (O_PATH), or -1 */
	dev_t dev;
	ino_t ino;
	uint64_t seen_txn, seen_lseq;	/* the newest state this process saw */
	int replaced;		/* store_guard_check refused a write */
};

typedef struct lm_db {
	unsigned flags, depth;
	uint64_t root;
} lm_db_t;

typedef struct lm_meta {
	unsigned psize;
	uint64_t last_pg, txnid;
	lm_db_t free, main;
} lm_meta_t;

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof v);
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof v);
	return v;
}

static uint64_t get_word(const uint8_t *p)
{
	size_t v;

	memcpy(&v, p, sizeof v);
	return v;
}

static int say(char *why, size_t whylen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int say(char *why, size_t whylen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && whylen > 0) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* pread of exactly n bytes; -1 on error or end of file. */
static int pread_full(int fd, void *buf, size_t n, uint64_t off)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = pread(fd, (uint8_t *)buf + got, n - got, (off_t)(off + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static void db_parse(lm_db_t *db, const uint8_t *p)
{
	db->flags = get16(p + 4);
	db->depth = get16(p + 6);
	db->root = get_word(p + 8 + 4 * W);
}

static int db_sound(const lm_db_t *db, uint64_t last_pg)
{
	if (db->root == LM_INVALID)
		return db->depth == 0;
	return db->root >= 2 && db->root <= last_pg && db->depth >= 1 &&
	    db->depth <= LM_DEPTH_MAX;
}

/* Parses and checks meta page i from its first LM_PH + LM_META bytes. */
static int meta_parse(lm_meta_t *m, const uint8_t *p, unsigned i, char *why, size_t whylen)
{
	const uint8_t *mm = p + LM_PH;

	if (get_word(p) != i || !(get16(p + W + 2) & LM_P_META) || get32(mm) != LM_MAGIC)
		return say(why, whylen, WIEC_ERR_CORRUPT,
		    "data.mdb: meta page %u is damaged (not an LMDB meta page)", i);
	if (get32(mm + 4) != LM_VERSION)
		return say(why, whylen, WIEC_ERR_CORRUPT, "data.mdb: meta page %u is damaged "
		    "(LMDB data version %u; this build reads %u)", i, get32(mm + 4), LM_VERSION);
	db_parse(&m->free, mm + 8 + 2 * W);
	db_parse(&m->main, mm + 8 + 2 * W + LM_DB);
	m->psize = get32(mm + 8 + 2 * W);	/* the free DB's md_pad */
	m->last_pg = get_word(mm + 24 + 12 * W);
	m->txnid = get_word(mm + 24 + 13 * W);
	if (m->psize < LM_PSIZE_MIN || m->psize > LM_PSIZE_MAX || (m->psize & (m->psize - 1)))
		return say(why, whylen, WIEC_ERR_CORRUPT,
		    "data.mdb: meta page %u is damaged (page size %u)", i, m->psize);
	if (m->last_pg < 1 || m->last_pg > UINT64_MAX / m->psize - 1 ||
	    !db_sound(&m->free, m->last_pg) || !db_sound(&m->main, m->last_pg))
		return say(why, whylen, WIEC_ERR_CORRUPT,
		    "data.mdb: meta page %u is damaged (page numbers out of range)", i);
	return 0;
}

/* Reads both meta pages of fd (size bytes) twice, so that a meta page being
 * rewritten by a committing process is not taken half-written, and checks
 * them. *newest is the one LMDB picks (the higher transaction id). */
static int metas_read(int fd, uint64_t size, lm_meta_t m[2], int *newest, char *why, size_t whylen)
{
	uint8_t a[LM_PH + LM_META], b[LM_PH + LM_META];
	uint64_t off = 0;
	int rc;

	if (size == 0)
		return say(why, whylen, WIEC_ERR_CORRUPT, "data.mdb is empty (0 bytes)");
	for (unsigned i = 0; i < 2; i++) {
		if (pread_full(fd, a, sizeof a, off) != 0 || pread_full(fd, b, sizeof b, off) != 0)
			return say(why, whylen, WIEC_ERR_CORRUPT, "data.mdb is truncated "
			    "(%llu bytes, shorter than its meta pages)", (unsigned long long)size);
		if (memcmp(a, b, sizeof a) != 0)
			return GUARD_AGAIN;
		if ((rc = meta_parse(&m[i], a, i, why, whylen)) != 0)
			return rc;
		off = m[0].psize;
	}
	if (m[0].psize != m[1].psize || size % m[0].psize != 0 || size < 2 * (uint64_t)m[0].psize)
		return say(why, whylen, WIEC_ERR_CORRUPT, "data.mdb is truncated "
		    "(%llu bytes, not a whole number of its %u-byte pages)",
		    (unsigned long long)size, m[0].psize);
	/* LMDB writes the meta page of transaction t at page t % 2: after any
	 * commit the two ids are consecutive. A flipped bit breaks that, where
	 * LMDB would silently pick the older snapshot. */
	*newest = m[0].txnid < m[1].txnid;
	if (!(m[0].txnid == 0 && m[1].txnid == 0) &&
	    (m[0].txnid % 2 != 0 || m[1].txnid % 2 != 1 ||
	    m[*newest].txnid - m[!*newest].txnid != 1 ||
	    m[!*newest].last_pg > m[*newest].last_pg))
		return say(why, whylen, WIEC_ERR_CORRUPT, "data.mdb: its meta pages disagree "
		    "(transactions %llu and %llu): one is damaged",
		    (unsigned long long)m[0].txnid, (unsigned long long)m[1].txnid);
	return 0;
}

/* Decides how a read-only open may lock (see guard.h). */
static int lock_mode(const char *dir, unsigned *mdb_flags, char *why, size_t whylen)
{
	char path[PATH_MAX];
	struct flock fl;
	int fd, err;

	if (snprintf(path, sizeof path, "%s/lock.mdb", dir) >= (int)sizeof path)
		return say(why, whylen, WIEC_ERR_ARG, "path too long");
	/* access(), not open(): closing any descriptor of lock.mdb would drop
	 * the fcntl locks this process may hold on it through LMDB. */
	if (faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) == 0)
		return 0;
	if (errno == ENOENT) {
		if (faccessat(AT_FDCWD, dir, W_OK, AT_EACCESS) == 0)
			return 0;	/* LMDB creates it */
		/* No lock file and none can be made: no process has the
		 * environment open with locking. */
		*mdb_flags |= MDB_NOLOCK;
		return 0;
	}
	if (errno != EACCES && errno != EROFS && errno != EPERM)
		return say(why, whylen, WIEC_ERR_IO, "%s: %s", path, strerror(errno));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return say(why, whylen, WIEC_ERR_STORE, "cannot read %s: %s", path, strerror(errno));
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = 0;
	fl.l_len = 1;
	err = fcntl(fd, F_GETLK, &fl) != 0 ? errno : 0;
	close(fd);
	if (err != 0)
		return say(why, whylen, WIEC_ERR_IO, "%s: %s", path, strerror(err));
	if (fl.l_type != F_UNLCK)
		return say(why, whylen, WIEC_ERR_STORE, "the store is in use by process %ld and "
		    "its lock file is read-only here: stop it, or read a copy", (long)fl.l_pid);
	*mdb_flags |= MDB_NOLOCK;
	return 0;
}

/* LMDB makes a missing or empty lock.mdb with ftruncate, which leaves it
 * without blocks, and then writes it through its map: on a full disk that
 * write is a SIGBUS. So lock.mdb is made here, its blocks written, as a
 * temporary file linked into place (the name never shows a file without
 * them); one that exists without blocks (left by a process killed that
 * way, or emptied) gets them in place. Where the directory or the file
 * may not be written, nothing is done: LMDB then cannot make it either,
 * and a read-only open locks without it (lock_mode). */
static int lock_prepare(const char *dir, char *why, size_t whylen)
{
	static const uint8_t zero[LOCK_BYTES];
	char path[PATH_MAX];
	struct stat st;
	int fd, rc, err;

	if (snprintf(path, sizeof path, "%s/lock.mdb", dir) >= (int)sizeof path)
		return say(why, whylen, WIEC_ERR_ARG, "path too long");
	if (lstat(path, &st) != 0) {
		if (errno != ENOENT)
			return say(why, whylen, WIEC_ERR_IO, "%s: %s", path, strerror(errno));
		rc = afile_put(path, zero, sizeof zero, 0600, 0);
		if (rc == 0 || rc == WIEC_ERR_EXISTS)	/* made, or by another process */
			return 0;
		if (rc == WIEC_ERR_NOSPACE)
			return say(why, whylen, rc, "cannot make lock.mdb");
		if (rc == WIEC_ERR_IO && (errno == EACCES || errno == EPERM || errno == EROFS))
			return 0;
		return say(why, whylen, rc == WIEC_ERR_NOMEM ? rc : WIEC_ERR_IO,
		    "cannot make %s: %s", path, strerror(errno));
	}
	/* Without blocks, no process has it open (the one that made it
	 * writes it first), so no lock of this process goes when fd closes. */
	if (!S_ISREG(st.st_mode) || st.st_blocks != 0)
		return 0;
	if ((fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)) < 0)
		return 0;
	/* fallocate, not posix_fallocate: where the file system cannot, the
	 * latter writes zeros, which could undo a concurrent opener's header. */
	rc = fallocate(fd, 0, 0, st.st_size > LOCK_BYTES ? st.st_size : LOCK_BYTES);
	err = errno;
	close(fd);
	if (rc == 0 || (err != ENOSPC && err != EDQUOT))
		return 0;
	return say(why, whylen, WIEC_ERR_NOSPACE, "cannot give lock.mdb its blocks");
}

static void rec_check(uint8_t out[static HASH_BYTES], const uint8_t *rec)
{
	hash_2(out, rec, STORE_GUARD_RECORD_BYTES - HASH_BYTES, NULL, 0);
}

/* Reads the commit record from fd. It is made whole (rec_make) and then
 * only rewritten in place at the same size, so an empty or short one is
 * damage, like any other: only a missing record is taken as none. */
static int rec_read(store_guard_t *g, int fd, char *why, size_t whylen)
{
	uint8_t rec[STORE_GUARD_RECORD_BYTES + 1], check[HASH_BYTES];
	const char *what = NULL;
	ssize_t n;

	do
		n = pread(fd, rec, sizeof rec, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return say(why, whylen, WIEC_ERR_IO, "%s: %s", g->rec_path, strerror(errno));
	if (n == STORE_GUARD_RECORD_BYTES)
		rec_check(check, rec);
	if (n == 0)
		what = "empty";
	else if (n < STORE_GUARD_RECORD_BYTES)
		what = "cut short";
	else if (n > STORE_GUARD_RECORD_BYTES)
		what = "too long";
	else if (memcmp(rec, rec_magic, sizeof rec_magic) != 0 ||
	    memcmp(check, rec + STORE_GUARD_RECORD_BYTES - HASH_BYTES, HASH_BYTES) != 0)
		what = "its bytes changed";
	if (what != NULL)
		return say(why, whylen, WIEC_ERR_CORRUPT, "the commit record %s is damaged "
		    "(%s; remove it to accept the store as it is)", g->rec_path, what);
	g->have_rec = 1;
	g->rec_txn = hash_get_be64(rec + 8);
	g->rec_lseq = hash_get_be64(rec + 16);
	memcpy(g->rec_tip, rec + 24, HASH_BYTES);
	return 0;
}

/* Opens the commit record (writers keep it open) and reads it; fresh: the
 * store is being created, so a record left from an earlier one is void. A
 * missing record is none: a store from before the record, one whose first
 * commit has not written it, or one removed to accept the store as it is;
 * a writer makes it at its next commit. */
static int rec_open(store_guard_t *g, const char *dir, int rdonly, int fresh, char *why,
    size_t whylen)
{
	int fd, rc;

	if (snprintf(g->rec_path, sizeof g->rec_path, "%s/%s", dir, STORE_GUARD_RECORD) >=
	    (int)sizeof g->rec_path)
		return say(why, whylen, WIEC_ERR_ARG, "path too long");
	g->writer = !rdonly;
	if (fresh && !rdonly && unlink(g->rec_path) != 0 && errno != ENOENT && errno != EISDIR)
		return say(why, whylen, WIEC_ERR_IO, "cannot remove %s: %s", g->rec_path,
		    strerror(errno));
	/* Non-blocking: a FIFO in its place must not hang every command. Not
	 * through a link: a copied directory whose record linked to the
	 * original's once rewrote the original's record (which then named a
	 * rollback), and a dangling one made a file wherever it pointed. */
	fd = open(g->rec_path, (rdonly ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NONBLOCK |
	    O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 && (errno == EISDIR || errno == ELOOP))
		return say(why, whylen, WIEC_ERR_CORRUPT, "%s is not a regular file", g->rec_path);
	if (fd < 0)
		return say(why, whylen, WIEC_ERR_IO, "cannot %s %s: %s", rdonly ? "read" : "write",
		    g->rec_path, strerror(errno));
	{
		struct stat st;

		if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
			close(fd);
			return say(why, whylen, WIEC_ERR_CORRUPT, "%s is not a regular file",
			    g->rec_path);
		}
	}
	rc = rec_read(g, fd, why, whylen);
	if (rc == 0 && !rdonly)
		g->rec_fd = fd;
	else
		close(fd);
	return rc;
}

int store_guard_open(store_guard_t **out, const char *dir, unsigned flags,
    unsigned *mdb_flags, char *why, size_t whylen)
{
	store_guard_t *g;
	struct stat st;
	lm_meta_t m[2];
	int rc, newest, tries = 0;

	*out = NULL;
	if ((g = calloc(1, sizeof *g)) == NULL)
		return WIEC_ERR_NOMEM;
	g->fd = g->rec_fd = -1;
	g->dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);	/* -1: by path */
	if (snprintf(g->data, sizeof g->data, "%s/data.mdb", dir) >= (int)sizeof g->data) {
		rc = say(why, whylen, WIEC_ERR_ARG, "path too long");
		goto fail;
	}
	/* LMDB's lock file: another kind of file in its place is damage. */
	{
		char lock[sizeof g->data];

		snprintf(lock, sizeof lock, "%s/lock.mdb", dir);
		if (lstat(lock, &st) == 0 && !S_ISREG(st.st_mode)) {
			rc = say(why, whylen, WIEC_ERR_CORRUPT, "lock.mdb is not a regular file");
			goto fail;
		}
	}
	if ((g->fd = open(g->data, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT && (flags & STORE_GUARD_CREATE))
			goto data_done;
		rc = errno == ENOENT ? WIEC_ERR_NOSTORE :
		    say(why, whylen, WIEC_ERR_IO, "data.mdb: %s", strerror(errno));
		goto fail;
	}
	if (fstat(g->fd, &st) != 0) {
		rc = say(why, whylen, WIEC_ERR_IO, "data.mdb: %s", strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = say(why, whylen, WIEC_ERR_CORRUPT, "data.mdb is not a regular file");
		goto fail;
	}
	while ((rc = metas_read(g->fd, (uint64_t)st.st_size, m, &newest, why, whylen)) ==
	    GUARD_AGAIN && ++tries < GUARD_TRIES)
		;
	if (rc == GUARD_AGAIN)
		rc = say(why, whylen, WIEC_ERR_STORE, "data.mdb: its meta pages keep changing");
	if (rc != 0)
		goto fail;
data_done:
	if ((rc = lock_prepare(dir, why, whylen)) != 0)
		goto fail;
	if ((flags & STORE_GUARD_RDONLY) && (rc = lock_mode(dir, mdb_flags, why, whylen)) != 0)
		goto fail;
	if ((rc = rec_open(g, dir, (flags & STORE_GUARD_RDONLY) != 0, g->fd < 0, why,
	    whylen)) != 0)
		goto fail;
	*out = g;
	return 0;
fail:
	store_guard_close(&g);
	return rc;
}

/* The page walk of store_guard_walk. */
typedef struct walk {
	int fd;
	unsigned psize;
	uint64_t fpages, last_pg;
	uint8_t *seen;			/* one bit per page of the file */
	uint8_t *buf;			/* one page per tree level */
	uint64_t *tail;			/* free pages at or past the end of the file */
	size_t ntail, tailcap;
	lm_db_t *dbs;			/* named databases found in the main one */
	size_t ndbs;
	char *why;
	size_t whylen;
} walk_t;

enum { TREE_FREE, TREE_MAIN, TREE_NAMED };

static int bad(walk_t *w, uint64_t pg, const char *what)
{
	return say(w->why, w->whylen, WIEC_ERR_CORRUPT, "data.mdb: page %llu %s",
	    (unsigned long long)pg, what);
}

/* Claims n pages from pg: inside the snapshot, inside the file, once. */
static int take(walk_t *w, uint64_t pg, uint64_t n)
{
	if (pg < 2 || pg > w->last_pg || n == 0 || n > w->last_pg + 1 - pg)
		return bad(w, pg, "is named but lies outside the store");
	if (pg + n > w->fpages)
		return say(w->why, w->whylen, WIEC_ERR_CORRUPT, "data.mdb is truncated: "
		    "page %llu lies past its end (%llu pages)", (unsigned long long)(pg + n - 1),
		    (unsigned long long)w->fpages);
	for (uint64_t q = pg; q < pg + n; q++) {
		if (w->seen[q / 8] & (1u << (q % 8)))
			return bad(w, q, "is used twice");
		w->seen[q / 8] |= (uint8_t)(1u << (q % 8));
	}
	return 0;
}

/* A free-list record: an IDL (count, then page numbers). */
static int free_list(walk_t *w, uint64_t pg, const uint8_t *d, uint64_t len)
{
	uint64_t n;
	int rc;

	if (len < W || len % W != 0 || (n = get_word(d)) > len / W - 1)
		return bad(w, pg, "holds a malformed free-list record");
	for (uint64_t i = 1; i <= n; i++) {
		uint64_t q = get_word(d + i * W);

		if (q < 2 || q > w->last_pg)
			return bad(w, pg, "lists a free page outside the store");
		/* A free page is used once too: one also in a tree (a flipped bit
		 * of the list) would be handed to the next writer and
		 * overwritten while live. */
		if (q < w->fpages) {
			if ((rc = take(w, q, 1)) != 0)
				return rc;
			continue;
		}
		if (w->ntail == w->tailcap) {
			size_t cap = w->tailcap ? 2 * w->tailcap : 64;
			uint64_t *t = realloc(w->tail, cap * sizeof *t);

			if (t == NULL)
				return WIEC_ERR_NOMEM;
			w->tail = t;
			w->tailcap = cap;
		}
		w->tail[w->ntail++] = q;
	}
	return 0;
}

/* An overflow run of a big value: its header, and for the free list its
 * content. */
static int overflow(walk_t *w, uint64_t pg, uint64_t len, int tree)
{
	uint8_t h[LM_PH], *d;
	uint64_t n = (LM_PH - 1 + len) / w->psize + 1;
	int rc;

	if ((rc = take(w, pg, n)) != 0)
		return rc;
	if (pread_full(w->fd, h, sizeof h, pg * w->psize) != 0)
		return bad(w, pg, "cannot be read");
	if (get_word(h) != pg || (get16(h + W + 2) & LM_P_TYPES) != LM_P_OVERFLOW ||
	    get32(h + W + 4) != n)
		return bad(w, pg, "is not the overflow page its record names");
	if (tree != TREE_FREE)
		return 0;
	if ((d = malloc(len ? len : 1)) == NULL)
		return WIEC_ERR_NOMEM;
	rc = pread_full(w->fd, d, len, pg * w->psize + LM_PH) != 0 ?
	    bad(w, pg, "cannot be read") : free_list(w, pg, d, len);
	free(d);
	return rc;
}

/* One leaf node of tree at byte off of page pg (already bounds-checked for
 * its header and key). */
static int leaf_node(walk_t *w, uint64_t pg, const uint8_t *nd, unsigned off, int tree)
{
	unsigned nflags = get16(nd + 4), ksize = get16(nd + 6);
	uint64_t dsize = get16(nd) | (uint64_t)get16(nd + 2) << 16;
	const uint8_t *data = nd + LM_NODE + ksize;
	size_t room = w->psize - off - LM_NODE - ksize;

	if (tree == TREE_MAIN) {
		if (nflags != LM_F_SUBDATA || dsize != LM_DB || room < LM_DB)
			return bad(w, pg, "holds a malformed database record");
		if (w->ndbs == LM_DBS_MAX)
			return bad(w, pg, "holds too many databases");
		db_parse(&w->dbs[w->ndbs], data);
		if (!db_sound(&w->dbs[w->ndbs], w->last_pg))
			return bad(w, pg, "holds a malformed database record");
		w->ndbs++;
		return 0;
	}
	if (nflags & ~(unsigned)LM_F_BIGDATA)	/* no sub-databases, no duplicates */
		return bad(w, pg, "holds a record of a kind the store never writes");
	if (nflags & LM_F_BIGDATA) {
		if (room < W)
			return bad(w, pg, "has a record that overruns it");
		return overflow(w, get_word(data), dsize, tree);
	}
	if (dsize > room)
		return bad(w, pg, "has a record that overruns it");
	return tree == TREE_FREE ? free_list(w, pg, data, dsize) : 0;
}

/* Page pg at level (0: the root) of a tree of the given depth. */
static int walk_page(walk_t *w, uint64_t pg, unsigned level, unsigned depth, int tree)
{
	uint8_t *p = w->buf + (size_t)level * w->psize;
	int leaf = level + 1 == depth, rc;
	unsigned lower, upper, n;

	if ((rc = take(w, pg, 1)) != 0)
		return rc;
	if (pread_full(w->fd, p, w->psize, pg * w->psize) != 0)
		return bad(w, pg, "cannot be read");
	if (get_word(p) != pg)
		return bad(w, pg, "is damaged (it carries another page number)");
	if ((get16(p + W + 2) & LM_P_TYPES) != (leaf ? LM_P_LEAF : LM_P_BRANCH))
		return bad(w, pg, leaf ? "is damaged (not the leaf page its tree needs)" :
		    "is damaged (not the branch page its tree needs)");
	lower = get16(p + W + 4);
	upper = get16(p + W + 6);
	if (lower <= LM_PH || (lower - LM_PH) % 2 != 0 || upper < lower || upper > w->psize)
		return bad(w, pg, "is damaged (bad free-space bounds)");
	n = (lower - LM_PH) / 2;
	for (unsigned i = 0; i < n; i++) {
		unsigned off = get16(p + LM_PH + 2 * i);
		const uint8_t *nd = p + off;

		if (off < upper || off > w->psize - LM_NODE || get16(nd + 6) > LM_KEY_MAX ||
		    get16(nd + 6) > w->psize - off - LM_NODE)
			return bad(w, pg, "is damaged (a record lies outside it)");
		if (leaf)
			rc = leaf_node(w, pg, nd, off, tree);
		else
			rc = walk_page(w, get16(nd) | (uint64_t)get16(nd + 2) << 16 |
			    (W > 4 ? (uint64_t)get16(nd + 4) << 16 << 16 : 0), level + 1, depth, tree);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int walk_tree(walk_t *w, const lm_db_t *db, int tree)
{
	return db->root == LM_INVALID ? 0 : walk_page(w, db->root, 0, db->depth, tree);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Walks the snapshot of meta m; fd's file has size bytes. */
static int walk_snapshot(int fd, uint64_t size, const lm_meta_t *m, char *why, size_t whylen)
{
	walk_t w = { .fd = fd, .psize = m->psize, .last_pg = m->last_pg, .why = why,
	    .whylen = whylen };
	uint64_t need = m->last_pg + 1, distinct = 0;
	int rc;

	w.fpages = size / m->psize;
	w.seen = calloc(w.fpages / 8 + 1, 1);
	w.buf = malloc((size_t)LM_DEPTH_MAX * m->psize);
	w.dbs = malloc(LM_DBS_MAX * sizeof *w.dbs);
	if (w.seen == NULL || w.buf == NULL || w.dbs == NULL) {
		rc = WIEC_ERR_NOMEM;
		goto out;
	}
	if ((rc = walk_tree(&w, &m->free, TREE_FREE)) != 0 ||
	    (rc = walk_tree(&w, &m->main, TREE_MAIN)) != 0)
		goto out;
	for (size_t i = 0; i < w.ndbs; i++)
		if ((rc = walk_tree(&w, &w.dbs[i], TREE_NAMED)) != 0)
			goto out;
	/* LMDB leaves pages freed in the transaction that took them unwritten:
	 * the file may end before the snapshot's last page, by free pages only. */
	if (need > w.fpages) {
		qsort(w.tail, w.ntail, sizeof *w.tail, cmp_u64);
		for (size_t i = 0; i < w.ntail; i++)
			distinct += i == 0 || w.tail[i] != w.tail[i - 1];
		if (distinct != need - w.fpages)
			rc = say(why, whylen, WIEC_ERR_CORRUPT, "data.mdb is truncated "
			    "(%llu pages; the store has %llu)", (unsigned long long)w.fpages,
			    (unsigned long long)need);
	}
out:
	free(w.seen);
	free(w.buf);
	free(w.dbs);
	free(w.tail);
	return rc;
}

int store_guard_walk(store_guard_t *g, MDB_env *env, MDB_txn **txn, char *why, size_t whylen)
{
	struct stat st;
	lm_meta_t m[2];
	int rc, pick;

	*txn = NULL;
	if (g->fd < 0)
		return 0;	/* a new store: nothing to check */
	for (int tries = 0; ; tries++) {
		if (tries == GUARD_TRIES)
			return say(why, whylen, WIEC_ERR_STORE, "data.mdb keeps changing while read");
		if (fstat(g->fd, &st) != 0)
			return say(why, whylen, WIEC_ERR_IO, "data.mdb: %s", strerror(errno));
		rc = metas_read(g->fd, (uint64_t)st.st_size, m, &pick, why, whylen);
		if (rc == GUARD_AGAIN)
			continue;
		if (rc != 0)
			return rc;
		rc = mdb_txn_begin(env, NULL, MDB_RDONLY, txn);
		if (rc == MDB_MAP_RESIZED && (rc = mdb_env_set_mapsize(env, 0)) == 0)
			rc = mdb_txn_begin(env, NULL, MDB_RDONLY, txn);
		if (rc != 0) {
			*txn = NULL;
			return say(why, whylen, WIEC_ERR_STORE, "%s", mdb_strerror(rc));
		}
		/* The reader slot now keeps this snapshot's pages from reuse;
		 * walk it if its meta page was read. That may be the older one:
		 * a writer publishes its id to readers only after syncing its
		 * meta page, and it overwrites the older one only after that. */
		if (mdb_txn_id(*txn) == m[pick].txnid)
			break;
		if (mdb_txn_id(*txn) == m[!pick].txnid) {
			pick = !pick;
			break;
		}
		mdb_txn_abort(*txn);
		*txn = NULL;
	}
	/* The size now: the snapshot's pages were written before its meta page,
	 * but perhaps after the size read above. */
	if (fstat(g->fd, &st) != 0) {
		mdb_txn_abort(*txn);
		*txn = NULL;
		return say(why, whylen, WIEC_ERR_IO, "data.mdb: %s", strerror(errno));
	}
	if ((rc = walk_snapshot(g->fd, (uint64_t)st.st_size, &m[pick], why, whylen)) != 0) {
		mdb_txn_abort(*txn);
		*txn = NULL;
		return rc;
	}
	close(g->fd);
	g->fd = -1;
	return 0;
}

int store_guard_bind(store_guard_t *g, MDB_env *env, char *why, size_t whylen)
{
	struct stat st, ours;
	mdb_filehandle_t fd;

	if (mdb_env_get_fd(env, &fd) != 0 || fstat(fd, &st) != 0)
		return say(why, whylen, WIEC_ERR_IO, "data.mdb: %s", strerror(errno));
	if (g->fd >= 0 && (fstat(g->fd, &ours) != 0 || ours.st_dev != st.st_dev ||
	    ours.st_ino != st.st_ino))
		return say(why, whylen, WIEC_ERR_STORE, "data.mdb was replaced while it was "
		    "opened");
	g->dev = st.st_dev;
	g->ino = st.st_ino;
	g->bound = 1;
	return 0;
}

/* 0 if the store's directory no longer holds, as data.mdb, the file LMDB
 * opened. Through the directory's descriptor: a process that changes its
 * working directory, or a store directory renamed as a whole, is no false
 * alarm. A stat that fails for another reason than a missing file tells
 * nothing: taken as the same. */
static int same_file(const store_guard_t *g)
{
	struct stat st;
	int rc;

	if (!g->bound)
		return 1;
	rc = g->dir_fd >= 0 ? fstatat(g->dir_fd, "data.mdb", &st, 0) : stat(g->data, &st);
	if (rc != 0)
		return errno != ENOENT && errno != ENOTDIR;
	return st.st_dev == g->dev && st.st_ino == g->ino;
}

int store_guard_check(store_guard_t *g, MDB_env *env, MDB_txn *txn)
{
	MDB_envinfo info;

	if (g->replaced)
		return WIEC_ERR_REPLACED;
	/* mdb_env_info reads the newest meta page through the map, which
	 * shows what was written over the file; a write transaction's id is
	 * one above the last commit named in lock.mdb, which the newest meta
	 * page never lags (it is written first). */
	if (!same_file(g) || (mdb_env_info(env, &info) == 0 &&
	    (info.me_last_txnid < g->seen_txn ||
	    (txn != NULL && info.me_last_txnid + 1 < mdb_txn_id(txn)))))
		g->replaced = 1;
	return g->replaced ? WIEC_ERR_REPLACED : 0;
}

int store_guard_replaced(const store_guard_t *g)
{
	return g->replaced;
}

int store_guard_match(store_guard_t *g, MDB_txn *txn, uint64_t lseq,
    const uint8_t tip[static HASH_BYTES], char *why, size_t whylen)
{
	uint64_t t = mdb_txn_id(txn);

	g->seen_txn = t;
	g->seen_lseq = lseq;
	if (!g->have_rec)
		return 0;
	if (t < g->rec_txn || lseq < g->rec_lseq)
		return say(why, whylen, WIEC_ERR_CORRUPT, "store rolled back to transaction %llu "
		    "(%llu events logged); %s names transaction %llu (%llu events)",
		    (unsigned long long)t, (unsigned long long)(lseq - 1), g->rec_path,
		    (unsigned long long)g->rec_txn, (unsigned long long)(g->rec_lseq - 1));
	/* Same lseq: the same last event, whichever transaction came since. */
	if (lseq == g->rec_lseq && memcmp(tip, g->rec_tip, HASH_BYTES) != 0)
		return say(why, whylen, WIEC_ERR_CORRUPT, "the last logged event (lseq %llu) is "
		    "not the one %s names", (unsigned long long)(lseq - 1), g->rec_path);
	return 0;
}

/* Makes the missing commit record, holding rec, whole or not at all (a
 * temporary file, synced, then linked into place), so that no record is
 * ever seen empty or short; keeps it open in g. Returns 1 if rec is in it,
 * 0 if another process made it meanwhile (rec is still to be written), -1
 * if it cannot be made now. */
static int rec_make(store_guard_t *g, const uint8_t rec[static STORE_GUARD_RECORD_BYTES])
{
	struct stat st;
	int made = afile_put(g->rec_path, rec, STORE_GUARD_RECORD_BYTES, 0600, 0), fd;

	if (made != 0 && made != WIEC_ERR_EXISTS)
		return -1;
	if ((fd = open(g->rec_path, O_RDWR | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW)) < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	g->rec_fd = fd;
	return made == 0;
}

int store_guard_commit(store_guard_t *g, MDB_txn *txn, uint64_t lseq,
    const uint8_t tip[static HASH_BYTES])
{
	MDB_env *env = mdb_txn_env(txn);
	uint64_t id = mdb_txn_id(txn);
	uint8_t rec[STORE_GUARD_RECORD_BYTES];
	MDB_envinfo info;
	unsigned flags;
	ssize_t n = sizeof rec;
	int rc, made = 0;

	/* The last moment to keep a write out of a file put in its place. */
	if (g != NULL && (store_guard_check(g, env, txn) != 0 || lseq < g->seen_lseq)) {
		g->replaced = 1;
		mdb_txn_abort(txn);
		return WIEC_ERR_REPLACED;
	}
	if ((rc = mdb_txn_commit(txn)) != 0 || g == NULL)
		return rc;
	/* A transaction that changed nothing commits without taking its id. */
	if (mdb_env_info(env, &info) != 0 || info.me_last_txnid < id)
		return 0;
	g->seen_txn = id;
	g->seen_lseq = lseq;
	if (g->rec_fd < 0 && !g->writer)
		return 0;
	memcpy(rec, rec_magic, sizeof rec_magic);
	hash_put_be64(rec + 8, id);
	hash_put_be64(rec + 16, lseq);
	memcpy(rec + 24, tip, HASH_BYTES);
	rec_check(rec + STORE_GUARD_RECORD_BYTES - HASH_BYTES, rec);
	/* Failures leave the record behind the store (or missing): see guard.h. */
	if (g->rec_fd < 0 && (made = rec_make(g, rec)) < 0)
		return 0;
	if (!made)
		do
			n = pwrite(g->rec_fd, rec, sizeof rec, 0);
		while (n < 0 && errno == EINTR);
	/* A store that does not sync its commits (store_nosync) skips it too. */
	if (mdb_env_get_flags(env, &flags) != 0)
		flags = 0;
	if (n == (ssize_t)sizeof rec && (made || (flags & MDB_NOSYNC) ||
	    fdatasync(g->rec_fd) == 0)) {
		g->have_rec = 1;
		g->rec_txn = id;
		g->rec_lseq = lseq;
		memcpy(g->rec_tip, tip, HASH_BYTES);
	}
	return 0;
}

int store_guard_envelope(const uint8_t id[static HASH_BYTES], const uint8_t *env, size_t len)
{
	uint8_t got[HASH_BYTES];

	hash_2(got, env, len, NULL, 0);
	return memcmp(got, id, HASH_BYTES) == 0 ? 0 : WIEC_ERR_CORRUPT;
}

void store_guard_close(store_guard_t **gp)
{
	if (gp == NULL || *gp == NULL)
		return;
	if ((*gp)->fd >= 0)
		close((*gp)->fd);
	if ((*gp)->rec_fd >= 0)
		close((*gp)->rec_fd);
	if ((*gp)->dir_fd >= 0)
		close((*gp)->dir_fd);
	free(*gp);
	*gp = NULL;
}
