/* keychain.c: a key's chain state, KEY.chain beside the key file, and its
 * lock KEY.lock (keychain.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "crypto/afile.h"
#include "crypto/err.h"
#include "crypto/hash.h"
#include "crypto/keychain.h"

/* A device's own chain state, kept beside its key file (KEY.chain):
 * "wiec-chain-v1 SEQ ID\n", the last event it signed. Its next event
 * takes a seq above both this and what the node holds of the author, so
 * everything the device signed later is later in the author's order, on
 * every node (spec/events.md section 5). */
#define CHAIN_STATE_TAG "wiec-chain-v1"

static int state_path(char path[static PATH_MAX], const char *key)
{
	int n = snprintf(path, PATH_MAX, "%s.chain", key);

	return n < 0 || n >= PATH_MAX ? -1 : 0;
}

int keychain_lock(const char *key, int nonblock)
{
	char path[PATH_MAX];
	int fd, e;

	if ((size_t)snprintf(path, sizeof path, "%s.lock", key) >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (!nonblock)
		return (fd = afile_lock(path)) < 0 ? -1 : fd;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600)) < 0)
		return -1;
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EINTR)
			continue;
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int keychain_read(const char *key, uint64_t *seq, uint8_t last[static HASH_BYTES])
{
	char path[PATH_MAX], *buf = NULL, *end, hex[HASH_HEX_BYTES];
	unsigned long long q;
	uint8_t id[HASH_BYTES];
	size_t len, taglen = strlen(CHAIN_STATE_TAG);
	int rc;

	*seq = 0;
	memset(last, 0, HASH_BYTES);
	if (state_path(path, key) != 0)
		return -1;
	if ((rc = afile_read(path, AFILE_NOFOLLOW, 256, &buf, &len)) == WIEC_ERR_NOTFOUND)
		return 0;
	if (rc != 0)
		return -1;
	/* Exactly "wiec-chain-v1 SEQ ID\n", SEQ in decimal without sign. */
	rc = -1;
	if (len > taglen + 1 && memcmp(buf, CHAIN_STATE_TAG " ", taglen + 1) == 0 &&
	    buf[taglen + 1] >= '1' && buf[taglen + 1] <= '9') {
		errno = 0;
		q = strtoull(buf + taglen + 1, &end, 10);
		if (errno == 0 && q < UINT64_MAX && *end == ' ' &&
		    (size_t)(end + 1 - buf) + HASH_HEX_BYTES == len && buf[len - 1] == '\n') {
			memcpy(hex, end + 1, HASH_HEX_BYTES - 1);
			hex[HASH_HEX_BYTES - 1] = '\0';
			if (hash_from_hex(id, sizeof id, hex) == 0) {
				*seq = q;
				memcpy(last, id, HASH_BYTES);
				rc = 0;
			}
		}
	}
	free(buf);
	return rc;
}

int keychain_write(const char *key, uint64_t seq, const uint8_t id[static HASH_BYTES])
{
	char path[PATH_MAX], line[160], hex[HASH_HEX_BYTES];
	int n;

	if (state_path(path, key) != 0)
		return -1;
	hash_hex(hex, id, HASH_BYTES);
	n = snprintf(line, sizeof line, "%s %llu %s\n", CHAIN_STATE_TAG, (unsigned long long)seq,
	    hex);
	if (n < 0 || (size_t)n >= sizeof line)
		return -1;
	return afile_put(path, line, (size_t)n, 0600, AFILE_REPLACE) == 0 ? 0 : -1;
}
