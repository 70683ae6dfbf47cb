#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/afile.h"
#include "crypto/err.h"
#include "node/config.h"
#include "node/peers.h"
#include "proto/event.h"
#include "store/store.h"

static const char *const roles[] = { "none", "city", "ngo", "university", "business", "other" };

void cfg_defaults(cfg_t *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->name, sizeof c->name, "unnamed");
	c->role = WIEC__ROLE__ROLE_OTHER;
	c->map_size = STORE_MAP_DEFAULT;
}

int cfg_role_parse(const char *s)
{
	for (size_t i = 1; i < sizeof roles / sizeof roles[0]; i++)
		if (strcmp(s, roles[i]) == 0)
			return (int)i;
	return -1;
}

const char *cfg_role_name(int role)
{
	return role >= 0 && (size_t)role < sizeof roles / sizeof roles[0] ? roles[role] : "unknown";
}

int cfg_size_parse(const char *s, uint64_t *out)
{
	uint64_t v = 0, mul = 1;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	switch (*p) {
	case '\0': break;
	case 'K': mul = 1ULL << 10; p++; break;
	case 'M': mul = 1ULL << 20; p++; break;
	case 'G': mul = 1ULL << 30; p++; break;
	case 'T': mul = 1ULL << 40; p++; break;
	default: return -1;
	}
	if (*p != '\0' || v > UINT64_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

int cfg_listen_ok(const char *s)
{
	char any[PEERS_ENDPOINT_MAX];

	/* A "*" host binds every interface: check the rest as for 0.0.0.0. */
	if (strncmp(s, "tcp://*:", 8) == 0 &&
	    snprintf(any, sizeof any, "tcp://0.0.0.0:%s", s + 8) < (int)sizeof any)
		return peers_endpoint_ok(any);
	return peers_endpoint_ok(s);
}

static int set_str(char *dst, const char *v)
{
	if (!ev_text_ok(v, 1, CFG_STR_MAX - 1, 0))
		return -1;
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static void trim(char **b, char **e)
{
	while (*b < *e && (**b == ' ' || **b == '\t'))
		(*b)++;
	while (*e > *b && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r'))
		(*e)--;
}

int cfg_parse(cfg_t *c, const char *text, size_t len, char *why, size_t whylen)
{
	enum { K_NAME = 1, K_ROLE = 2, K_MAP = 4, K_LISTEN = 8 };
	unsigned seen = 0;
	const char *p = text, *end = text + len;
	char line[CFG_STR_MAX * 2];
	int lineno = 0;

	cfg_defaults(c);
	if (len > CFG_MAX) {
		snprintf(why, whylen, "config larger than %d bytes", CFG_MAX);
		return WIEC_ERR_CONFIG;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		char *b, *e, *eq, *kb, *ke, *vb, *ve;
		unsigned bit;
		int bad = 0;

		lineno++;
		if (n >= sizeof line || memchr(p, '\0', n) != NULL) {
			snprintf(why, whylen, "line %d: too long or not text", lineno);
			return WIEC_ERR_CONFIG;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + (nl != NULL);
		b = line;
		e = line + n;
		trim(&b, &e);
		if (b == e || *b == '#')
			continue;
		if ((eq = memchr(b, '=', (size_t)(e - b))) == NULL) {
			snprintf(why, whylen, "line %d: expected 'key = value'", lineno);
			return WIEC_ERR_CONFIG;
		}
		kb = b, ke = eq, vb = eq + 1, ve = e;
		trim(&kb, &ke);
		trim(&vb, &ve);
		*ke = '\0';
		*ve = '\0';
		if (strcmp(kb, "name") == 0) {
			bit = K_NAME;
			bad = set_str(c->name, vb) != 0;
		} else if (strcmp(kb, "role") == 0) {
			bit = K_ROLE;
			bad = (c->role = cfg_role_parse(vb)) < 0;
		} else if (strcmp(kb, "map_size") == 0) {
			bit = K_MAP;
			bad = cfg_size_parse(vb, &c->map_size) != 0 || c->map_size < STORE_MAP_MIN ||
			    c->map_size > CFG_MAP_MAX;
		} else if (strcmp(kb, "listen") == 0) {
			bit = K_LISTEN;
			bad = !cfg_listen_ok(vb) || set_str(c->listen, vb) != 0;
		} else {
			snprintf(why, whylen, "line %d: unknown key '%.64s'", lineno, kb);
			return WIEC_ERR_CONFIG;
		}
		if (seen & bit) {
			snprintf(why, whylen, "line %d: '%s' given twice", lineno, kb);
			return WIEC_ERR_CONFIG;
		}
		seen |= bit;
		if (bad) {
			snprintf(why, whylen, "line %d: bad value for '%s'", lineno, kb);
			return WIEC_ERR_CONFIG;
		}
	}
	return 0;
}

int cfg_load(cfg_t *c, const char *path, char *why, size_t whylen)
{
	char *buf;
	size_t n;
	int rc;

	cfg_defaults(c);
	/* A FIFO or a device in place of the config must not hang a command. */
	if ((rc = afile_read(path, 0, CFG_MAX, &buf, &n)) != 0) {
		if (rc == WIEC_ERR_TOO_BIG)
			snprintf(why, whylen, "config larger than %d bytes", CFG_MAX);
		else
			snprintf(why, whylen, "%s", rc == WIEC_ERR_IO || rc == WIEC_ERR_NOTFOUND ?
			    strerror(errno) : wiec_strerror(rc));
		return rc == WIEC_ERR_NOTFOUND ? rc : rc == WIEC_ERR_IO || rc == WIEC_ERR_NOMEM ?
		    rc : WIEC_ERR_CONFIG;
	}
	rc = cfg_parse(c, buf, n, why, whylen);
	free(buf);
	return rc;
}

int cfg_save(const cfg_t *c, const char *path)
{
	char text[CFG_STR_MAX * 3 + 128];
	int n;

	n = snprintf(text, sizeof text, "# wiec node settings (see README, 'Configuration')\n"
	    "name = %s\nrole = %s\nmap_size = %llu\n%s%s%s", c->name, cfg_role_name(c->role),
	    (unsigned long long)c->map_size, c->listen[0] ? "listen = " : "", c->listen,
	    c->listen[0] ? "\n" : "");
	if (n < 0 || (size_t)n >= sizeof text)
		return WIEC_ERR_ARG;
	return afile_put(path, text, (size_t)n, 0600, 0);
}
