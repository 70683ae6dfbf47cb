/* ctl.h: the local control socket between the CLI and a running node
 * (spec/sync.md, section 6). A node holds an exclusive flock on
 * DIR/node.lock for its lifetime and serves ipc://DIR/node.sock. A CLI
 * command that writes either holds a shared lock on DIR/node.lock while it
 * writes the store directly (no node running; a node starting meanwhile
 * waits), or hands its events to the node, which replies once they are
 * committed.
 *
 * Every message is one ZeroMQ frame holding one protobuf message of
 * proto/wiec.proto: a CtlRequest from the CLI, a CtlReply from the node,
 * at most CTL_MSG_MAX bytes. Both sides decode what they receive with the
 * budgeted strict decoder (proto/decode.h) and check every field before
 * using it: the node trusts no client, the CLI trusts no node. Field 1 of
 * both is the protocol version, read first (ctl_peek_version): a node
 * answers a request of another version with a CtlReply holding only its
 * own version, and the CLI names both versions in one line. */
#ifndef WIEC_CTL_H
#define WIEC_CTL_H

#include <stddef.h>
#include <stdint.h>

#include "proto/wiec.pb-c.h"

#define CTL_SOCK "node.sock"
#define CTL_LOCK "node.lock"
#define CTL_VERSION 1			/* of the messages below */
#define CTL_MSG_MAX (4 << 20)		/* bytes of one request or reply */
#define CTL_MAX_ENVS 1024		/* envelopes per request and per ctl_submit */
#define CTL_PEERS_MAX 1024		/* peers in one status reply */
#define CTL_TEXT_MAX 255		/* bytes of an error text */
#define CTL_TIMEOUT_MS 30000

/* Decides how a writing command reaches DIR's store. Returns 0 and sets
 * *lockfd (the caller closes it when done writing) when no node runs;
 * 1 when a node runs (use ctl_submit); WIEC_ERR_IO if DIR/node.lock cannot
 * be opened. */
int ctl_direct_lock(const char *dir, int *lockfd);

/* The ipc endpoint of DIR ("ipc://<absolute DIR>/node.sock") into buf.
 * 0, or WIEC_ERR_ARG if it does not fit (ipc paths are short). */
int ctl_endpoint(char *buf, size_t len, const char *dir);

/* ---- the client ---- */

/* Sends n (1..CTL_MAX_ENVS) envelopes to the node of DIR (a CtlSubmit if
 * own, else a CtlImport; split into several requests when they would not
 * fit in CTL_MSG_MAX bytes) and waits for the outcomes: results[i] for
 * envs[i], STORE_ADDED .. STORE_FORK or a negative wiec_err_t. An envelope
 * of 0 or more than EV_ENV_MAX bytes is not sent: its outcome is
 * WIEC_ERR_DECODE or WIEC_ERR_TOO_BIG, as the node would have said.
 * Returns 0, or on failure one line in why (borrowed buffer of whylen
 * bytes: "no answer within 30 s", "it speaks control protocol N; this
 * wiec speaks M", the node's own reason, ...) and WIEC_ERR_IO (no answer),
 * WIEC_ERR_PROTO (a refusal, or a reply that breaks spec/sync.md section
 * 6) or WIEC_ERR_ARG. Requests answered before a failure stay committed. */
int ctl_submit(const char *dir, int own, const uint8_t *const *envs, const size_t *lens,
    size_t n, int *results, char *why, size_t whylen);

/* Asks the node of DIR for its links. On success *out is the checked reply
 * (its status member is set; every peer has a 32-byte id, a name of valid
 * UTF-8 text of at most EV_NAME_MAX bytes and an endpoint of at most
 * PEERS_ENDPOINT_MAX - 1; ids are distinct). Caller owns it: free with
 * wiec__ctl_reply__free_unpacked(*out, NULL). Errors as ctl_submit, *out
 * NULL then. */
int ctl_status(const char *dir, Wiec__CtlReply **out, char *why, size_t whylen);

/* ---- the messages, for both sides (and the tests) ---- */

/* The version (field 1) of a CtlRequest or CtlReply of any version, read
 * without decoding the rest; 0 if buf holds no readable field 1. */
uint32_t ctl_peek_version(const uint8_t *buf, size_t len);

/* Decodes a request (untrusted). *version is ctl_peek_version's answer.
 * On success *out is the request (free with
 * wiec__ctl_request__free_unpacked) and: version is CTL_VERSION; one
 * member is set; submit and import hold 1..CTL_MAX_ENVS envelopes of
 * 1..EV_ENV_MAX bytes. Errors (nothing to free): WIEC_ERR_PROTO when the
 * version is not CTL_VERSION (nothing else looked at), then dec_unpack's
 * (TOO_BIG, DECODE, UNKNOWN, NOMEM), then WIEC_ERR_PROTO (a rule above). */
int ctl_request_decode(Wiec__CtlRequest **out, uint32_t *version, const uint8_t *buf,
    size_t len);

/* Decodes a reply (untrusted), as ctl_request_decode. The rules: version
 * is CTL_VERSION; one member set; an error has a code -1..-127 and a
 * text of 1..CTL_TEXT_MAX bytes of one-line UTF-8; results hold
 * 1..CTL_MAX_ENVS outcomes, each 1..4 or -1..-127; a status holds at most
 * CTL_PEERS_MAX peers as ctl_status promises. */
int ctl_reply_decode(Wiec__CtlReply **out, uint32_t *version, const uint8_t *buf, size_t len);

/* The reason for a decode error of the two above, one line, static:
 * wiec_strerror's, but WIEC_ERR_PROTO says "breaks the control protocol". */
const char *ctl_strerror(int rc);

/* Packs m into a malloc'd buffer (*buf, *len; caller frees). 0,
 * WIEC_ERR_TOO_BIG (over CTL_MSG_MAX) or WIEC_ERR_NOMEM. */
int ctl_pack(const ProtobufCMessage *m, uint8_t **buf, size_t *len);

#endif
