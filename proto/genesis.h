/* genesis.h: the document a network is born from (spec/events.md,
 * "Genesis"). It lists the founding organisations with their identity and
 * transport keys, and each founder signs it; its hash is the network id
 * that every event of the network carries and signs. */
#ifndef WIEC_GENESIS_H
#define WIEC_GENESIS_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/hash.h"
#include "crypto/key.h"
#include "proto/wiec.pb-c.h"

#define GENESIS_DOMAIN "wiec-genesis-v1"
#define GENESIS_NET_DOMAIN "wiec-network-v1"
#define GENESIS_MAX 65536		/* bytes of an encoded genesis */
#define GENESIS_FOUNDERS_MAX 64
#define GENESIS_ENDPOINTS_MAX 8
#define GENESIS_ENDPOINT_MAX 255	/* bytes of one endpoint: everywhere (network.md) */

/* A decoded genesis; owned fields are released by genesis_free(). */
typedef struct genesis {
	uint8_t network[HASH_BYTES];
	Wiec__Genesis *msg;		/* owned */
	Wiec__GenesisBody *body;	/* owned */
	size_t signed_count;		/* founders whose signature is present */
} genesis_t;

/* Decodes buf (through proto/decode.h) and checks every rule: canonical
 * encoding, no unknown fields, 1..GENESIS_FOUNDERS_MAX founders with distinct keys, valid names, roles
 * and endpoints, 1 <= quorum <= founders, and one entry in sigs per founder
 * that is either empty (not signed yet) or a valid signature. When complete
 * is non-zero every founder must have signed. Returns 0 (free with
 * genesis_free) or a wiec_err_t (nothing to free). */
int genesis_decode(genesis_t *g, const uint8_t *buf, size_t len, int complete);
void genesis_free(genesis_t *g);

/* Builds an unsigned genesis (every sigs entry empty) for the founders
 * given. quorum 0 means the default floor(2n/3)+1. *out is malloc'd. */
int genesis_new(uint8_t **out, size_t *len, const char *name, uint64_t timestamp,
    const Wiec__Founder *const *founders, size_t n, uint32_t quorum);

/* Adds kp's signature to the genesis in buf, if kp is a founder. *out is
 * malloc'd. WIEC_ERR_NOTFOUND if kp is not a founder. */
int genesis_sign(uint8_t **out, size_t *len, const uint8_t *buf, size_t blen,
    const key_pair_t *kp);

/* Decodes one founder record (untrusted) through proto/decode.h: canonical,
 * no unknown fields, at most GENESIS_ENDPOINTS_MAX endpoints. Field values
 * are not checked here. On success *out is the founder (free with
 * wiec__founder__free_unpacked(f, NULL)); on failure NULL and one of
 * WIEC_ERR_TOO_BIG, _DECODE, _UNKNOWN, _NONCANON, _NOMEM. */
int genesis_founder_decode(Wiec__Founder **out, const uint8_t *buf, size_t len);

/* Index of key among the founders, or -1. */
int genesis_founder(const genesis_t *g, const uint8_t key[static KEY_PK_BYTES]);

#endif
