/* peers.h: DIR/peers, the founders' nodes this node dials (spec/network.md,
 * "The peers file").
 *
 *     # comment
 *     <identity key> <endpoint>
 *
 * One peer per line: the key in the short "wk..." form or 64 hex digits,
 * then blanks, then a tcp://HOST:PORT endpoint. '#' starts a comment line;
 * blank lines are ignored and a trailing '\r' is tolerated. At most
 * PEERS_MAX peers with distinct keys in at most PEERS_FILE_MAX bytes. Like
 * DIR/config the file fails closed: any line not understood is an error
 * naming the line. The running node re-reads it on SIGHUP. */
#ifndef WIEC_PEERS_H
#define WIEC_PEERS_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/key.h"
#include "proto/genesis.h"

#define PEERS_MAX 64
#define PEERS_FILE_MAX 65536	/* bytes of a peers file */
#define PEERS_ENDPOINT_MAX (GENESIS_ENDPOINT_MAX + 1)	/* an endpoint with its NUL */

typedef struct peer {
	uint8_t key[KEY_PK_BYTES];		/* the peer's identity (a founder) */
	char endpoint[PEERS_ENDPOINT_MAX];	/* "tcp://HOST:PORT", NUL-terminated */
} peer_t;

typedef struct peers {
	size_t n;
	peer_t peer[PEERS_MAX];
} peers_t;

/* Empties p. */
void peers_init(peers_t *p);

/* 1 if s is an endpoint another node can dial: "tcp://HOST:PORT" of at
 * most PEERS_ENDPOINT_MAX - 1 bytes, HOST a DNS name or IPv4 address
 * (letters, digits, '.', '-', '_') or an IPv6 address in brackets, PORT a
 * decimal 1..65535 without leading zeros; 0 otherwise. */
int peers_endpoint_ok(const char *s);

/* Parses text[0..len) (need not be NUL-terminated) into p. On error returns
 * WIEC_ERR_CONFIG with a one-line reason naming the line ("line 3: bad
 * endpoint") in why (always NUL-terminated when whylen > 0); p is then
 * emptied. */
int peers_parse(peers_t *p, const char *text, size_t len, char *why, size_t whylen);

/* Reads and parses path. A missing file is zero peers (returns 0); one
 * that is not a regular file (a FIFO, a directory) is WIEC_ERR_CONFIG,
 * never a hang. WIEC_ERR_IO (errno set; why says so), WIEC_ERR_NOMEM,
 * WIEC_ERR_CONFIG. */
int peers_load(peers_t *p, const char *path, char *why, size_t whylen);

/* The text of p in the file format, ending in '\n', into a malloc'd
 * NUL-terminated buffer *out of *len bytes (without the NUL) that the
 * caller frees. peers_parse of the result gives p back. WIEC_ERR_NOMEM. */
int peers_format(const peers_t *p, char **out, size_t *len);

/* Replaces path with p's text, mode 0600, atomically (crypto/afile.h): a
 * crash leaves either the old file or the new one. WIEC_ERR_NOMEM,
 * WIEC_ERR_NOSPACE, WIEC_ERR_IO (errno set). */
int peers_save(const peers_t *p, const char *path);

/* Read-modify-write of path must hold this lock, or concurrent writers
 * lose each other's changes: an exclusive flock on "<path>.lock", waited
 * for. Returns the descriptor to close when the new file is saved, or
 * WIEC_ERR_IO / WIEC_ERR_ARG (errno set). */
int peers_lock(const char *path);

/* Index of key in p, or -1. */
int peers_find(const peers_t *p, const uint8_t key[static KEY_PK_BYTES]);

/* Appends a peer. WIEC_ERR_EXISTS if key is listed already, WIEC_ERR_FIELD
 * if the endpoint is not peers_endpoint_ok, WIEC_ERR_TOO_BIG if p holds
 * PEERS_MAX peers. */
int peers_add(peers_t *p, const uint8_t key[static KEY_PK_BYTES], const char *endpoint);

/* Removes the peer with key, keeping the others' order. WIEC_ERR_NOTFOUND. */
int peers_remove(peers_t *p, const uint8_t key[static KEY_PK_BYTES]);

#endif
