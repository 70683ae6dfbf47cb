/* afile.h: atomic file writes and file locks, the one way wiec writes a
 * file that a crash, a kill or a concurrent writer must never leave half
 * written (keys, config, peers, genesis files, exports).
 *
 * A write goes to a temporary file beside the target, named
 * ".<name>.tmp-XXXXXX" and created with O_EXCL by mkostemp, so concurrent
 * writers never share one. The writer holds an exclusive flock on it while
 * it exists. On commit the file is fsynced, chmod'ed to the caller's mode,
 * then renamed over the target (AFILE_REPLACE) or hard-linked to it (never
 * replacing: WIEC_ERR_EXISTS), and the directory is fsynced: after a crash
 * the target is either the old file or the whole new one. A writer killed
 * before commit leaves its temporary file behind; the next afile_open on the
 * same target removes every such file that no live writer holds locked.
 *
 * Errors: 0, WIEC_ERR_EXISTS, WIEC_ERR_NOSPACE (ENOSPC or EDQUOT),
 * WIEC_ERR_NOTREG (the target exists and is not a regular file),
 * WIEC_ERR_ARG (path too long), WIEC_ERR_NOMEM, or WIEC_ERR_IO; errno is
 * set on every failure. */
#ifndef WIEC_AFILE_H
#define WIEC_AFILE_H

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#define AFILE_REPLACE 1u	/* afile_open: rename over an existing target */
#define AFILE_NOFOLLOW 2u	/* afile_open_read: refuse a symbolic link */
#define AFILE_PIPE_OK 4u	/* afile_open_read: a FIFO or pipe is fine (opened blocking) */

typedef struct afile {
	char path[PATH_MAX];	/* the target */
	char tmp[PATH_MAX];	/* the temporary file beside it */
	int fd;			/* the temporary file, locked; -1 when closed */
	FILE *f;		/* afile_stream's stream over fd, or NULL */
	mode_t mode;
	unsigned flags;
} afile_t;

/* Creates the temporary file for path. mode is the final file's mode,
 * exactly (the umask does not apply): 0600 for secrets and node files,
 * 0644 for public ones. Without AFILE_REPLACE an existing target is
 * refused at once (WIEC_ERR_EXISTS) and again at commit. On success the
 * caller must end with afile_commit or afile_abort. */
int afile_open(afile_t *a, const char *path, mode_t mode, unsigned flags);

/* A stdio stream over the temporary file (owned by a; do not fclose it).
 * NULL with errno set on failure. */
FILE *afile_stream(afile_t *a);

/* Appends len bytes of buf (retrying short writes and EINTR). */
int afile_write(afile_t *a, const void *buf, size_t len);

/* Flushes, fsyncs, sets the mode, puts the file in place and fsyncs the
 * directory. The temporary file is gone afterwards whatever the outcome. */
int afile_commit(afile_t *a);

/* Removes the temporary file. Accepts an afile that afile_open refused or
 * that was committed already (then does nothing). */
void afile_abort(afile_t *a);

/* afile_open + afile_write + afile_commit of one buffer. */
int afile_put(const char *path, const void *buf, size_t len, mode_t mode, unsigned flags);

/* Opens path for reading, refusing anything but a regular file without
 * blocking on it: a FIFO, a device, a socket or a directory is
 * WIEC_ERR_NOTREG, and so is a symbolic link with AFILE_NOFOLLOW; with
 * AFILE_PIPE_OK a FIFO or pipe is accepted and opened blocking. Returns the
 * descriptor (O_CLOEXEC, blocking), or a negative wiec_err_t:
 * WIEC_ERR_NOTFOUND, WIEC_ERR_NOTREG, WIEC_ERR_IO (errno set). If st is not
 * NULL it receives the file's fstat. */
int afile_open_read(const char *path, unsigned flags, struct stat *st);

/* Reads the whole of path (afile_open_read with flags) into a malloc'd
 * buffer that the caller frees, with a NUL after the len bytes. A file
 * longer than max bytes is WIEC_ERR_TOO_BIG; otherwise the errors of
 * afile_open_read, WIEC_ERR_NOMEM, WIEC_ERR_IO. */
int afile_read(const char *path, unsigned flags, size_t max, char **buf, size_t *len);

/* Takes an exclusive flock on lockpath (created 0600 if missing), waiting
 * for other holders. Returns the descriptor to close to release it, or
 * WIEC_ERR_IO (errno set). */
int afile_lock(const char *lockpath);

#endif
