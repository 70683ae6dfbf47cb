/* test_afile.c: atomic file writes, leftovers of killed writers, and reads
 * that refuse what is not a regular file (crypto/afile.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crypto/afile.h"
#include "crypto/err.h"
#include "tests/unit/test.h"

/* Entries of dir other than "." and "..". */
static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static int file_is(const char *path, const char *text, mode_t mode)
{
	char buf[256];
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof buf);
	close(fd);
	return n == (ssize_t)strlen(text) && memcmp(buf, text, (size_t)n) == 0 &&
	    stat(path, &st) == 0 && (st.st_mode & 07777) == mode;
}

TEST(afile_put_new_and_replace)
{
	char dir[512], path[600];

	snprintf(dir, sizeof dir, "%s/d", TEST_TMP);
	CHECK(mkdir(dir, 0700) == 0);
	snprintf(path, sizeof path, "%s/f", dir);
	CHECK(afile_put(path, "one", 3, 0600, 0) == 0);
	CHECK(file_is(path, "one", 0600));
	/* Never replacing: refused, the old content stays, nothing left over. */
	CHECK(afile_put(path, "two", 3, 0600, 0) == WIEC_ERR_EXISTS);
	CHECK(file_is(path, "one", 0600));
	CHECK(afile_put(path, "three", 5, 0644, AFILE_REPLACE) == 0);
	CHECK(file_is(path, "three", 0644));
	CHECK(count_entries(dir) == 1);
	/* The mode is exactly the one asked for, whatever the umask. */
	{
		mode_t old = umask(0077);
		int rc = afile_put(path, "four", 4, 0644, AFILE_REPLACE);

		umask(old);
		CHECK(rc == 0);
		CHECK(file_is(path, "four", 0644));
	}
	/* A relative path and a directory that does not exist. */
	snprintf(path, sizeof path, "%s/nodir/f", dir);
	CHECK(afile_put(path, "x", 1, 0600, 0) == WIEC_ERR_IO);
	/* A directory in place of the target is not replaced. */
	snprintf(path, sizeof path, "%s/sub", dir);
	CHECK(mkdir(path, 0700) == 0);
	CHECK(afile_put(path, "x", 1, 0600, AFILE_REPLACE) == WIEC_ERR_NOTREG);
	CHECK(afile_put(path, "x", 1, 0600, 0) == WIEC_ERR_EXISTS);
}

TEST(afile_abort_leaves_nothing)
{
	char dir[512], path[600];
	afile_t a;

	snprintf(dir, sizeof dir, "%s/d", TEST_TMP);
	CHECK(mkdir(dir, 0700) == 0);
	snprintf(path, sizeof path, "%s/out", dir);
	CHECK(afile_open(&a, path, 0644, 0) == 0);
	CHECK(afile_stream(&a) != NULL);
	CHECK(fputs("half", afile_stream(&a)) >= 0);
	CHECK(count_entries(dir) == 1);		/* only the temporary file */
	CHECK(access(path, F_OK) != 0);		/* no reader sees half a file */
	afile_abort(&a);
	CHECK(count_entries(dir) == 0);
	afile_abort(&a);			/* twice is harmless */
	/* Streamed and committed. */
	CHECK(afile_open(&a, path, 0644, 0) == 0);
	CHECK(fputs("whole", afile_stream(&a)) >= 0);
	CHECK(afile_commit(&a) == 0);
	CHECK(file_is(path, "whole", 0644));
	CHECK(count_entries(dir) == 1);
}

/* The temporary file of a writer killed mid-write (the export fault: a
 * leftover OUT.tmp refused every later export). */
TEST(afile_killed_writer_is_swept)
{
	char dir[512], path[600];
	int p[2], status;
	pid_t pid;
	char c;

	snprintf(dir, sizeof dir, "%s/d", TEST_TMP);
	CHECK(mkdir(dir, 0700) == 0);
	snprintf(path, sizeof path, "%s/a.log", dir);
	CHECK(pipe(p) == 0);
	if ((pid = fork()) == 0) {
		afile_t a;

		if (afile_open(&a, path, 0644, 0) != 0 || afile_write(&a, "partial", 7) != 0)
			_exit(1);
		(void)write(p[1], "r", 1);
		pause();
		_exit(0);
	}
	CHECK(pid > 0);
	CHECK(read(p[0], &c, 1) == 1);
	close(p[0]);
	close(p[1]);
	/* While the writer lives, its file is left alone by another writer. */
	CHECK(afile_put(path, "other", 5, 0644, 0) == 0);
	CHECK(count_entries(dir) == 2);
	CHECK(unlink(path) == 0);
	CHECK(kill(pid, SIGKILL) == 0);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(count_entries(dir) == 1);		/* the dead writer's leftover */
	CHECK(afile_put(path, "again", 5, 0644, 0) == 0);
	CHECK(file_is(path, "again", 0644));
	CHECK(count_entries(dir) == 1);		/* swept */
}

/* Concurrent writers never share a temporary file and never mix contents. */
TEST(afile_concurrent_replace)
{
	char dir[512], path[600], text[64];
	pid_t pids[8];
	int status, ok = 1;

	snprintf(dir, sizeof dir, "%s/d", TEST_TMP);
	CHECK(mkdir(dir, 0700) == 0);
	snprintf(path, sizeof path, "%s/peers", dir);
	for (int i = 0; i < 8; i++) {
		if ((pids[i] = fork()) == 0) {
			int rc = 0;

			snprintf(text, sizeof text, "writer %d\n", i);
			for (int k = 0; k < 50 && rc == 0; k++)
				rc = afile_put(path, text, strlen(text), 0600, AFILE_REPLACE);
			_exit(rc == 0 ? 0 : 1);
		}
		CHECK(pids[i] > 0);
	}
	for (int i = 0; i < 8; i++)
		ok &= waitpid(pids[i], &status, 0) == pids[i] && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0;
	CHECK(ok);
	CHECK(count_entries(dir) == 1);
	{
		char buf[64] = "";
		FILE *f = fopen(path, "r");

		CHECK(f != NULL);
		CHECK(fgets(buf, sizeof buf, f) != NULL);
		fclose(f);
		CHECK(strncmp(buf, "writer ", 7) == 0);
	}
}

TEST(afile_read_refuses_non_regular)
{
	char path[600], link[600], *buf;
	size_t len;
	int fd;

	/* A FIFO without a writer: refused at once, never a hang. */
	snprintf(path, sizeof path, "%s/fifo", TEST_TMP);
	CHECK(mkfifo(path, 0600) == 0);
	CHECK(afile_open_read(path, 0, NULL) == WIEC_ERR_NOTREG);
	CHECK(afile_read(path, 0, 100, &buf, &len) == WIEC_ERR_NOTREG);
	CHECK(afile_open_read(TEST_TMP, 0, NULL) == WIEC_ERR_NOTREG);
	CHECK(afile_open_read("/dev/null", 0, NULL) == WIEC_ERR_NOTREG);
	snprintf(path, sizeof path, "%s/missing", TEST_TMP);
	CHECK(afile_open_read(path, 0, NULL) == WIEC_ERR_NOTFOUND);
	/* A regular file, through a link unless AFILE_NOFOLLOW. */
	snprintf(path, sizeof path, "%s/file", TEST_TMP);
	CHECK(afile_put(path, "0123456789", 10, 0600, 0) == 0);
	snprintf(link, sizeof link, "%s/link", TEST_TMP);
	CHECK(symlink(path, link) == 0);
	CHECK((fd = afile_open_read(link, 0, NULL)) >= 0);
	CHECK((fcntl(fd, F_GETFL) & O_NONBLOCK) == 0);
	close(fd);
	CHECK(afile_open_read(link, AFILE_NOFOLLOW, NULL) == WIEC_ERR_NOTREG);
	CHECK(afile_read(path, 0, 10, &buf, &len) == 0);
	CHECK(len == 10 && memcmp(buf, "0123456789", 10) == 0 && buf[10] == '\0');
	free(buf);
	CHECK(afile_read(path, 0, 9, &buf, &len) == WIEC_ERR_TOO_BIG);
}

TEST(afile_lock_excludes)
{
	char path[600];
	int fd, other;

	snprintf(path, sizeof path, "%s/x.lock", TEST_TMP);
	CHECK((fd = afile_lock(path)) >= 0);
	CHECK((other = open(path, O_RDONLY)) >= 0);
	CHECK(flock(other, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK);
	close(fd);
	CHECK(flock(other, LOCK_EX | LOCK_NB) == 0);
	close(other);
}
