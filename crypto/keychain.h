/* keychain.h: a key's chain state (spec/events.md section 5): KEY.chain
 * beside the key file, "wiec-chain-v1 SEQ ID\n", the last event signed with
 * the key, so that the next one is later (a resident's device) or is
 * signed only on a store that holds it (an organisation's node,
 * DIR/identity.key.chain). KEY.lock serialises those who sign with it. */
#ifndef WIEC_CRYPTO_KEYCHAIN_H
#define WIEC_CRYPTO_KEYCHAIN_H

#include <stdint.h>

#include "crypto/hash.h"

/* keychain_read: 0 with *seq and last (0 and zeros if there is no state
 * yet), or -1 if the file is not a chain state or not a regular file.
 * keychain_write replaces it atomically (mode 0600): 0 or -1 (errno set). */
int keychain_read(const char *key, uint64_t *seq, uint8_t last[static HASH_BYTES]);
int keychain_write(const char *key, uint64_t seq, const uint8_t id[static HASH_BYTES]);

/* Holds KEY.lock (an exclusive flock) from reading KEY.chain to writing
 * it: two commands signing with one key at once would otherwise read one
 * state and sign one seq twice. Waits (nonblock 0) or fails at once with
 * errno EWOULDBLOCK (nonblock 1, for a node's loop). Returns the
 * descriptor to close, or -1 (errno set). */
int keychain_lock(const char *key, int nonblock);

#endif
