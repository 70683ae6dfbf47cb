/* config.h: DIR/config, the node's settings, one "key = value" per line.
 * '#' starts a comment line; blank lines are ignored; an unknown key, a
 * repeated key or a bad value is an error naming the line (fail closed:
 * a typo must not silently leave a default in force). */
#ifndef WIEC_CONFIG_H
#define WIEC_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CFG_MAX 65536		/* bytes of a config file */
#define CFG_STR_MAX 256
#define CFG_MAP_MAX ((uint64_t)1 << 44)	/* the largest map_size: 16T */

typedef struct cfg {
	char name[CFG_STR_MAX];		/* organisation name */
	int role;			/* Wiec__Role */
	uint64_t map_size;		/* LMDB map size in bytes */
	char listen[CFG_STR_MAX];	/* peer endpoint, e.g. tcp://0.0.0.0:7400 */
} cfg_t;

/* Defaults: name "unnamed", role other, map_size STORE_MAP_DEFAULT. */
void cfg_defaults(cfg_t *c);

/* Parses text[0..len). On error returns WIEC_ERR_CONFIG and writes a
 * one-line reason ("line 3: unknown key 'mapsize'") into why. */
int cfg_parse(cfg_t *c, const char *text, size_t len, char *why, size_t whylen);

/* Reads and parses path (a regular file; a FIFO or directory there is
 * WIEC_ERR_CONFIG, never a hang). WIEC_ERR_NOTFOUND, WIEC_ERR_IO (errno
 * set), WIEC_ERR_NOMEM, WIEC_ERR_CONFIG; why says which, without the path. */
int cfg_load(cfg_t *c, const char *path, char *why, size_t whylen);

/* Writes c to path atomically (crypto/afile.h: new file, mode 0600;
 * WIEC_ERR_EXISTS if present, WIEC_ERR_NOSPACE, WIEC_ERR_IO). */
int cfg_save(const cfg_t *c, const char *path);

/* 1 if s is a listen endpoint: "tcp://HOST:PORT" as peers_endpoint_ok
 * (node/peers.h) has it, or "tcp://" "*:PORT" (any interface); 0 otherwise. */
int cfg_listen_ok(const char *s);

/* "city" -> WIEC__ROLE__ROLE_CITY ...; -1 if unknown. */
int cfg_role_parse(const char *s);
const char *cfg_role_name(int role);

/* Parses a byte size: digits with an optional K, M, G or T suffix
 * (powers of 1024). Returns 0 or -1. */
int cfg_size_parse(const char *s, uint64_t *out);

#endif
