/* node.h: the wiec daemon (`wiec node`): serves peers over CURVE-encrypted
 * ZeroMQ, reconciles and fetches events until every node holds the same
 * log, and serves the CLI on the control socket (node/ctl.h). The protocol
 * is spec/sync.md. One thread runs the loop; a network thread owns the
 * peer sockets (node/netio.c) and a guard thread caps connections to them
 * (node/guard.c); signature checks of a batch spread over
 * NODE_VERIFY_THREADS threads; one LMDB writer. */
#ifndef WIEC_NODE_H
#define WIEC_NODE_H

#define NODE_VERIFY_THREADS 2

/* Limits and timers (spec/sync.md, "Limits"). */
#include "node/wire.h"		/* the message bounds: SYNC_MSG_MAX ... */

#define SYNC_EVENTS_CAP (1 << 20)	/* envelope bytes in one answer to a Want */
#define SYNC_INFLIGHT 2			/* Wants outstanding per link */
#define SYNC_QUEUE_MAX 4096		/* authors queued to fetch per link, at most */
#define SYNC_RECON_MS 1000		/* a reconciliation per link about this often */
#define SYNC_RESP_BURST 4.0		/* responder sessions a peer may begin at once (2 per SYNC_RECON_MS after) */
#define SYNC_TIMEOUT_MS 10000		/* a Want or a reconciliation is given up */
#define SYNC_SNDHWM 16			/* ZMQ send high-water mark, messages */
#define SYNC_RCVHWM 0			/* none: netio drains (node/netio.c) */
#define SYNC_IO_BYTES (32 << 20)	/* received, waiting for the loop, at most */
/* What one message counts against SYNC_IO_BYTES besides its bytes: libzmq's
 * own per-message memory, so that empty messages are not free to queue. */
#define SYNC_IO_MSG_COST 128
#define SYNC_TCP_MAXRT_MS 20000		/* unacknowledged data drops a connection */
#define SYNC_ANSWER_RATE (16 << 20)	/* answer bytes per second per link */
#define SYNC_ANSWER_BURST (2 * SYNC_EVENTS_CAP)	/* ... and at most this at once */
#define SYNC_WALK_COST 256	/* answer bytes charged per prev step walked above a fork */
#define SYNC_DEFER_MAX SYNC_INFLIGHT	/* Wants waiting for the budget, per link */
#define SYNC_CONN_MAX 1024		/* TCP connections to the peer port, at most */
#define SYNC_CONN_PER_ADDR 8		/* ... per address, plus 2 per other founder */
#define SYNC_FD_RESERVE 64		/* descriptors kept free (plus 3 per link) */
#define SYNC_RATE 1000			/* messages per second a peer may send (burst 2x) */
#define SYNC_BAD_MAX 20			/* bad messages in a minute before a ban */
#define SYNC_BAN_MS 60000

typedef struct node_opts {
	const char *dir;
	int verbose;		/* log debug lines too */
} node_opts_t;

/* Runs the node of o->dir in the foreground until SIGTERM or SIGINT;
 * SIGHUP re-reads DIR/peers. Logs to stderr. Returns 0 after a clean stop,
 * or a negative wiec_err_t if it could not start, or stopped by itself
 * because its store's file was replaced under it (WIEC_ERR_REPLACED:
 * store_replaced); either is logged. */
int node_run(const node_opts_t *o);

#endif
