/* peers.c: the DIR/peers file (node/peers.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/afile.h"
#include "crypto/err.h"
#include "node/peers.h"

#define LINE_MAX_BYTES 1024	/* a line of the file, comments included */
#define KEY_TEXT_MAX 64		/* the longer of the two key spellings (hex) */

void peers_init(peers_t *p)
{
	p->n = 0;
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int host_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
	    c == '.' || c == '-' || c == '_';
}

static int ip6_char(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
	    c == ':' || c == '.';
}

int peers_endpoint_ok(const char *s)
{
	const char *p;
	unsigned long port = 0;
	size_t digits = 0;

	if (strnlen(s, PEERS_ENDPOINT_MAX) >= PEERS_ENDPOINT_MAX || strncmp(s, "tcp://", 6) != 0)
		return 0;
	p = s + 6;
	if (*p == '[') {
		const char *b = ++p;

		while (ip6_char((unsigned char)*p))
			p++;
		if (p == b || *p++ != ']')
			return 0;
	} else {
		const char *b = p;

		while (host_char((unsigned char)*p))
			p++;
		if (p == b)
			return 0;
	}
	if (*p++ != ':' || *p == '0')
		return 0;
	for (; is_digit((unsigned char)*p) && digits < 5; p++, digits++)
		port = port * 10 + (unsigned long)(*p - '0');
	return *p == '\0' && digits > 0 && port <= 65535;
}

int peers_find(const peers_t *p, const uint8_t key[static KEY_PK_BYTES])
{
	for (size_t i = 0; i < p->n; i++)
		if (memcmp(p->peer[i].key, key, KEY_PK_BYTES) == 0)
			return (int)i;
	return -1;
}

int peers_add(peers_t *p, const uint8_t key[static KEY_PK_BYTES], const char *endpoint)
{
	if (!peers_endpoint_ok(endpoint))
		return WIEC_ERR_FIELD;
	if (peers_find(p, key) >= 0)
		return WIEC_ERR_EXISTS;
	if (p->n >= PEERS_MAX)
		return WIEC_ERR_TOO_BIG;
	memcpy(p->peer[p->n].key, key, KEY_PK_BYTES);
	memcpy(p->peer[p->n].endpoint, endpoint, strlen(endpoint) + 1);
	p->n++;
	return 0;
}

int peers_remove(peers_t *p, const uint8_t key[static KEY_PK_BYTES])
{
	int i = peers_find(p, key);

	if (i < 0)
		return WIEC_ERR_NOTFOUND;
	memmove(&p->peer[i], &p->peer[i + 1], (p->n - (size_t)i - 1) * sizeof p->peer[0]);
	p->n--;
	return 0;
}

static int is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* Copies the next blank-separated word of [*b, e) into out (max bytes with
 * the NUL) and advances *b past it. -1 if there is none or it is too long. */
static int word(const char **b, const char *e, char *out, size_t max)
{
	const char *s, *w;

	for (s = *b; s < e && is_blank(*s); s++)
		;
	for (w = s; w < e && !is_blank(*w); w++)
		;
	if (w == s || (size_t)(w - s) >= max)
		return -1;
	memcpy(out, s, (size_t)(w - s));
	out[w - s] = '\0';
	*b = w;
	return 0;
}

/* One non-comment line [b, e), already stripped of its '\r'. */
static const char *parse_line(peers_t *p, const char *b, const char *e)
{
	char keytext[KEY_TEXT_MAX + 1], endpoint[PEERS_ENDPOINT_MAX];
	uint8_t key[KEY_PK_BYTES];

	if (word(&b, e, keytext, sizeof keytext) != 0 || key_from_text(key, keytext) != 0)
		return "bad key (want the wk... form or 64 hex digits)";
	if (word(&b, e, endpoint, sizeof endpoint) != 0 || !peers_endpoint_ok(endpoint))
		return "bad endpoint (want tcp://HOST:PORT)";
	while (b < e && is_blank(*b))
		b++;
	if (b != e)
		return "expected '<key> <endpoint>' and nothing more";
	switch (peers_add(p, key, endpoint)) {
	case 0: return NULL;
	case WIEC_ERR_EXISTS: return "key listed twice";
	case WIEC_ERR_TOO_BIG: return "more than 64 peers";
	}
	return "bad endpoint (want tcp://HOST:PORT)";
}

int peers_parse(peers_t *p, const char *text, size_t len, char *why, size_t whylen)
{
	const char *s = text, *end = text + len, *err = NULL;
	int lineno = 0;

	peers_init(p);
	if (whylen > 0)
		why[0] = '\0';
	if (len > PEERS_FILE_MAX) {
		snprintf(why, whylen, "peers file larger than %d bytes", PEERS_FILE_MAX);
		return WIEC_ERR_CONFIG;
	}
	if (memchr(text, '\0', len) != NULL) {
		snprintf(why, whylen, "not a text file (NUL byte)");
		return WIEC_ERR_CONFIG;
	}
	while (s < end && err == NULL) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *e = nl ? nl : end, *b = s;

		lineno++;
		s = nl ? nl + 1 : end;
		if (e - b > LINE_MAX_BYTES) {
			err = "line too long";
			break;
		}
		if (e > b && e[-1] == '\r')
			e--;
		while (b < e && is_blank(*b))
			b++;
		if (b == e || *b == '#')
			continue;
		err = parse_line(p, b, e);
	}
	if (err == NULL)
		return 0;
	snprintf(why, whylen, "line %d: %s", lineno, err);
	peers_init(p);
	return WIEC_ERR_CONFIG;
}

int peers_load(peers_t *p, const char *path, char *why, size_t whylen)
{
	size_t n = 0;
	char *buf;
	int rc, e;

	peers_init(p);
	if (whylen > 0)
		why[0] = '\0';
	/* A FIFO or a device in place of the file must not hang the node. */
	if ((rc = afile_read(path, 0, PEERS_FILE_MAX, &buf, &n)) != 0) {
		e = errno;
		if (rc == WIEC_ERR_NOTFOUND)
			return 0;
		if (rc == WIEC_ERR_TOO_BIG) {
			snprintf(why, whylen, "peers file larger than %d bytes", PEERS_FILE_MAX);
			return WIEC_ERR_CONFIG;
		}
		snprintf(why, whylen, "%s", rc == WIEC_ERR_IO ? strerror(e) : wiec_strerror(rc));
		errno = e;
		return rc == WIEC_ERR_NOTREG ? WIEC_ERR_CONFIG : rc;
	}
	rc = peers_parse(p, buf, n, why, whylen);
	free(buf);
	return rc;
}

int peers_format(const peers_t *p, char **out, size_t *len)
{
	static const char head[] = "# wiec peers: '<identity key> <endpoint>' per line; "
	    "a running node re-reads this file on SIGHUP\n";
	size_t cap = sizeof head + p->n * (KEY_TEXT_BYTES + PEERS_ENDPOINT_MAX + 1), n;
	char *buf = malloc(cap);

	if (buf == NULL)
		return WIEC_ERR_NOMEM;
	memcpy(buf, head, sizeof head);
	n = sizeof head - 1;
	for (size_t i = 0; i < p->n; i++) {
		char text[KEY_TEXT_BYTES];

		key_to_text(text, p->peer[i].key);
		n += (size_t)snprintf(buf + n, cap - n, "%s %s\n", text, p->peer[i].endpoint);
	}
	*out = buf;
	*len = n;
	return 0;
}

int peers_save(const peers_t *p, const char *path)
{
	char *text;
	size_t len;
	int rc, e;

	if ((rc = peers_format(p, &text, &len)) != 0)
		return rc;
	rc = afile_put(path, text, len, 0600, AFILE_REPLACE);
	e = errno;
	free(text);
	errno = e;
	return rc;
}

int peers_lock(const char *path)
{
	char lock[PATH_MAX];

	if (snprintf(lock, sizeof lock, "%s.lock", path) >= (int)sizeof lock) {
		errno = ENAMETOOLONG;
		return WIEC_ERR_ARG;
	}
	return afile_lock(lock);
}
