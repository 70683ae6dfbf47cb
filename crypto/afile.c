/* afile.c: atomic file writes and file locks (crypto/afile.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/afile.h"
#include "crypto/err.h"

#define TMP_TAG ".tmp-"
#define TMP_TRIES 8	/* fresh names tried when a sweeper took ours */

static int err_of(int e)
{
	switch (e) {
	case ENOSPC: case EDQUOT: return WIEC_ERR_NOSPACE;
	case EEXIST: return WIEC_ERR_EXISTS;
	case ENOMEM: return WIEC_ERR_NOMEM;
	case ENAMETOOLONG: return WIEC_ERR_ARG;
	case EISDIR: return WIEC_ERR_NOTREG;
	}
	return WIEC_ERR_IO;
}

/* Returns err_of(errno), leaving errno as it was. */
static int fail_errno(void)
{
	return err_of(errno);
}

/* Splits path into its directory (into dir, PATH_MAX) and its last part. */
static int split(const char *path, char *dir, const char **base)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL) {
		snprintf(dir, PATH_MAX, ".");
		*base = path;
	} else {
		if (snprintf(dir, PATH_MAX, "%.*s", (int)(slash - path + (slash == path)), path) >=
		    PATH_MAX) {
			errno = ENAMETOOLONG;
			return -1;
		}
		*base = slash + 1;
	}
	if (**base == '\0' || strcmp(*base, ".") == 0 || strcmp(*base, "..") == 0) {
		errno = EISDIR;
		return -1;
	}
	return 0;
}

/* Makes a rename or link in dir durable. */
static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc, e;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	e = errno;
	if (close(fd) != 0 && rc == 0)
		return -1;
	errno = e;
	return rc;
}

/* Removes the temporary files of base in dir that no live writer holds
 * locked: writers killed before their commit. Best effort. */
static void sweep(const char *dir, const char *base)
{
	size_t plen = 1 + strlen(base) + sizeof TMP_TAG - 1;
	struct dirent *e;
	DIR *d = opendir(dir);
	int dfd;

	if (d == NULL)
		return;
	dfd = dirfd(d);
	while ((e = readdir(d)) != NULL) {
		struct stat a, b;
		int fd;

		if (e->d_name[0] != '.' || strlen(e->d_name) != plen + 6 ||
		    strncmp(e->d_name + 1, base, strlen(base)) != 0 ||
		    strncmp(e->d_name + 1 + strlen(base), TMP_TAG, sizeof TMP_TAG - 1) != 0)
			continue;
		fd = openat(dfd, e->d_name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		/* Locked by us, it is dead: unlink it if the name is still that file. */
		if (fstat(fd, &a) == 0 && S_ISREG(a.st_mode) && flock(fd, LOCK_EX | LOCK_NB) == 0 &&
		    fstatat(dfd, e->d_name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
		    a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			(void)unlinkat(dfd, e->d_name, 0);
		close(fd);
	}
	closedir(d);
}

int afile_open(afile_t *a, const char *path, mode_t mode, unsigned flags)
{
	char dir[PATH_MAX];
	const char *base;
	struct stat st;

	memset(a, 0, sizeof *a);
	a->fd = -1;
	a->mode = mode;
	a->flags = flags;
	if (split(path, dir, &base) != 0)
		return fail_errno();
	if (snprintf(a->path, sizeof a->path, "%s", path) >= (int)sizeof a->path ||
	    snprintf(a->tmp, sizeof a->tmp, "%.*s.%s" TMP_TAG "XXXXXX", (int)(base - path), path,
	    base) >= (int)sizeof a->tmp) {
		a->tmp[0] = '\0';
		errno = ENAMETOOLONG;
		return WIEC_ERR_ARG;
	}
	if (lstat(path, &st) == 0) {
		if (!(flags & AFILE_REPLACE)) {
			a->tmp[0] = '\0';
			errno = EEXIST;
			return WIEC_ERR_EXISTS;
		}
		if (!S_ISREG(st.st_mode)) {
			a->tmp[0] = '\0';
			errno = EISDIR;
			return WIEC_ERR_NOTREG;
		}
	}
	sweep(dir, base);
	for (int i = 0; i < TMP_TRIES; i++) {
		size_t n = strlen(a->tmp);
		int fd;

		memcpy(a->tmp + n - 6, "XXXXXX", 6);
		if ((fd = mkostemp(a->tmp, O_CLOEXEC)) < 0) {
			int rc = fail_errno();

			a->tmp[0] = '\0';
			return rc;
		}
		if (flock(fd, LOCK_EX) != 0) {
			int rc = fail_errno();

			(void)unlink(a->tmp);
			close(fd);
			a->tmp[0] = '\0';
			return rc;
		}
		/* A sweeper may have locked and unlinked it before our lock: then
		 * take another name. */
		if (fstat(fd, &st) == 0 && st.st_nlink > 0) {
			a->fd = fd;
			return 0;
		}
		close(fd);
	}
	a->tmp[0] = '\0';
	errno = EAGAIN;
	return WIEC_ERR_IO;
}

FILE *afile_stream(afile_t *a)
{
	if (a->f == NULL && a->fd >= 0)
		a->f = fdopen(a->fd, "wb");
	return a->f;
}

int afile_write(afile_t *a, const void *buf, size_t len)
{
	const char *p = buf;

	if (a->f != NULL)
		return fwrite(buf, 1, len, a->f) == len ? 0 : fail_errno();
	while (len > 0) {
		ssize_t w = write(a->fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return fail_errno();
		if (w == 0) {
			errno = EIO;
			return WIEC_ERR_IO;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Closes the temporary file's descriptor (its stream if any). */
static int close_tmp(afile_t *a)
{
	int rc = 0;

	if (a->f != NULL)
		rc = fclose(a->f);
	else if (a->fd >= 0)
		rc = close(a->fd);
	a->f = NULL;
	a->fd = -1;
	return rc;
}

int afile_commit(afile_t *a)
{
	char dir[PATH_MAX];
	const char *base;
	int rc = 0, e = 0;

	if (a->fd < 0 || a->tmp[0] == '\0') {
		errno = EBADF;
		return WIEC_ERR_IO;
	}
	if ((a->f != NULL && fflush(a->f) != 0) || fchmod(a->fd, a->mode) != 0 ||
	    fsync(a->fd) != 0) {
		e = errno;
		rc = err_of(e);
	} else if ((a->flags & AFILE_REPLACE) ? rename(a->tmp, a->path) != 0 :
	    link(a->tmp, a->path) != 0) {
		e = errno;
		rc = err_of(e);
	} else {
		if (a->flags & AFILE_REPLACE)
			a->tmp[0] = '\0';	/* renamed: nothing left to remove */
		if (split(a->path, dir, &base) != 0 || sync_dir(dir) != 0) {
			e = errno;
			rc = err_of(e);
		}
	}
	/* Once linked in place the file is written: a temporary name that
	 * will not go is swept by the next writer, not an error. */
	if (a->tmp[0] != '\0')
		(void)unlink(a->tmp);
	a->tmp[0] = '\0';
	if (close_tmp(a) != 0 && rc == 0) {
		e = errno;
		rc = err_of(e);
	}
	errno = e;
	return rc;
}

void afile_abort(afile_t *a)
{
	int e = errno;

	if (a->tmp[0] != '\0')
		(void)unlink(a->tmp);
	a->tmp[0] = '\0';
	(void)close_tmp(a);
	errno = e;
}

int afile_put(const char *path, const void *buf, size_t len, mode_t mode, unsigned flags)
{
	afile_t a;
	int rc;

	if ((rc = afile_open(&a, path, mode, flags)) != 0)
		return rc;
	if ((rc = afile_write(&a, buf, len)) != 0) {
		afile_abort(&a);
		return rc;
	}
	return afile_commit(&a);
}

int afile_open_read(const char *path, unsigned flags, struct stat *st)
{
	struct stat sb, *s = st ? st : &sb;
	int fd, fl, e;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK |
	    ((flags & AFILE_NOFOLLOW) ? O_NOFOLLOW : 0));
	if (fd < 0) {
		e = errno;
		if (e == ENOENT)
			return WIEC_ERR_NOTFOUND;
		return e == ELOOP || e == ENXIO ? WIEC_ERR_NOTREG : WIEC_ERR_IO;
	}
	if (fstat(fd, s) != 0)
		goto io;
	if (S_ISFIFO(s->st_mode) && (flags & AFILE_PIPE_OK)) {
		/* Opened without blocking, a FIFO without a writer reads as empty:
		 * open it again, waiting for the writer like any reader would. */
		close(fd);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			return fail_errno() == WIEC_ERR_NOTFOUND ? WIEC_ERR_NOTFOUND : WIEC_ERR_IO;
		if (fstat(fd, s) != 0)
			goto io;
		if (S_ISFIFO(s->st_mode) || S_ISREG(s->st_mode))
			return fd;
	}
	if (!S_ISREG(s->st_mode)) {
		close(fd);
		errno = S_ISDIR(s->st_mode) ? EISDIR : EINVAL;
		return WIEC_ERR_NOTREG;
	}
	if ((fl = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0)
		goto io;
	return fd;
io:
	e = errno;
	close(fd);
	errno = e;
	return WIEC_ERR_IO;
}

int afile_read(const char *path, unsigned flags, size_t max, char **buf, size_t *len)
{
	size_t n = 0;
	char *b;
	int fd = afile_open_read(path, flags, NULL), e;

	if (fd < 0)
		return fd;
	if ((b = malloc(max + 2)) == NULL) {
		close(fd);
		errno = ENOMEM;
		return WIEC_ERR_NOMEM;
	}
	/* One byte more than allowed, so that an oversized file is noticed. */
	while (n <= max) {
		ssize_t got = read(fd, b + n, max + 1 - n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			e = errno;
			free(b);
			close(fd);
			errno = e;
			return WIEC_ERR_IO;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	if (n > max) {
		free(b);
		errno = EFBIG;
		return WIEC_ERR_TOO_BIG;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

int afile_lock(const char *lockpath)
{
	int fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600), e;

	if (fd < 0)
		return WIEC_ERR_IO;
	while (flock(fd, LOCK_EX) != 0) {
		if (errno == EINTR)
			continue;
		e = errno;
		close(fd);
		errno = e;
		return WIEC_ERR_IO;
	}
	return fd;
}
