/* ctl.h: the local control socket between the CLI and a running node
 * (spec/sync.md, "Control socket"). A node holds an exclusive flock on
 * DIR/node.lock for its lifetime and serves ipc://DIR/node.sock. A CLI
 * command that writes either holds a shared lock on DIR/node.lock while it
 * writes the store directly (no node running; a node starting meanwhile
 * waits), or hands its events to the node, which replies once they are
 * committed.
 *
 * Requests are multipart ZeroMQ messages [command][argument frames...]:
 *   "submit" env...   own new posts: extend the author's chain or refuse
 *   "import" env...   any events, as if received from a peer
 *   "status"          the node's peers, as a JSON array
 * Replies: ["ok"][payload] or ["error"][one-line reason]. For submit and
 * import the payload is one decimal result per envelope, space-separated
 * (a STORE_* outcome or a negative wiec_err_t). */
#ifndef WIEC_CTL_H
#define WIEC_CTL_H

#include <stddef.h>
#include <stdint.h>

#define CTL_SOCK "node.sock"
#define CTL_LOCK "node.lock"
#define CTL_MAX_ENVS 1024		/* envelopes per request */
#define CTL_TIMEOUT_MS 30000

/* Decides how a writing command reaches DIR's store. Returns 0 and sets
 * *lockfd (the caller closes it when done writing) when no node runs;
 * 1 when a node runs (use ctl_submit); WIEC_ERR_IO if DIR/node.lock cannot
 * be opened. */
int ctl_direct_lock(const char *dir, int *lockfd);

/* The ipc endpoint of DIR ("ipc://<absolute DIR>/node.sock") into buf.
 * 0, or WIEC_ERR_ARG if it does not fit (ipc paths are short). */
int ctl_endpoint(char *buf, size_t len, const char *dir);

/* Sends n envelopes to the node of DIR ("submit" if own, else "import")
 * and waits for the reply: results[i] for envs[i]. Returns 0, WIEC_ERR_IO
 * (no answer within CTL_TIMEOUT_MS), WIEC_ERR_PROTO (bad reply) or
 * WIEC_ERR_ARG; on an "error" reply, copies the reason into why. */
int ctl_submit(const char *dir, int own, const uint8_t *const *envs, const size_t *lens,
    size_t n, int *results, char *why, size_t whylen);

/* Asks the node for its peers JSON. *json is malloc'd (caller frees). */
int ctl_status(const char *dir, char **json);

#endif
