/* node_int.h: the daemon's internals, shared by the files of `wiec node`
 * and by nothing else (node/node.h is the public face). One thread owns a
 * node_t and every link_t in it; nothing here is thread-safe.
 *
 * The files, one job each:
 *   node.c    start-up, timers, the poll loop, shut-down, logging, clocks
 *   link.c    a link to one other founder: socket options, dialling, sends,
 *             receives, hang-up, the peers file, misbehaviour and rate
 *   netio.c   the network thread: owns the peer sockets, drains them
 *   zap.c     the ZAP handler: only members' transport keys may connect
 *   guard.c   caps TCP connections to the peer port (a thread of its own)
 *   fetch.c   fetch scheduling: queued segments, claims, Wants in flight
 *   serve.c   what we send unasked or on request: answers to Wants, Haves,
 *             fork proofs
 *   sync.c    the sync message handlers (Hello, Recon, Want, Events, Have)
 *             and the ingest of received or submitted events
 *   ctlsrv.c  the control socket server (node/ctl.h is its client)
 *   close.c   this member's part in closing votes (spec/close.md)
 * A new message kind gets a handler file of its own and one case in
 * sync_handle. */
#ifndef WIEC_NODE_INT_H
#define WIEC_NODE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <zmq.h>

#include "crypto/key.h"
#include "node/amap.h"
#include "node/config.h"
#include "node/members.h"
#include "node/node.h"
#include "node/peers.h"
#include "node/recon.h"
#include "proto/event.h"
#include "proto/genesis.h"
#include "store/store.h"

#define NODE_EXPIRE_MS 60000	/* how often waiting events are checked for expiry */
#define NODE_BURST_MS 100	/* peer messages handled before signals, ZAP and the CLI again */
#define NODE_STORE_CHECK_MS 1000	/* how often the store's file is checked (store_check_file) */

/* A draft option in libzmq 4.3's header, implemented by the library: with
 * it, a missing ZAP handler refuses CURVE clients instead of admitting them. */
#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93
#endif

/* The two connections a link may have: the one we dial (our DEALER) and the
 * one it dialled (a routing id on our ROUTER). */
enum { VIA_DEALER = 0, VIA_ROUTER = 1 };

/* A fetch of what a peer holds of one author beyond us (spec/sync.md,
 * "Fetch"). The Want's have ids and from are planned when it is sent. */
typedef struct range {
	uint8_t author[KEY_PK_BYTES];
	uint64_t target;		/* the peer's highest seq, as last heard */
	int retry;			/* the peer knew none of our ids: send a locator */
	uint64_t after_seq;		/* continue a cut answer after this event */
	uint8_t after_id[HASH_BYTES];
} range_t;

typedef struct want {		/* a Want in flight */
	uint64_t id, sent;
	range_t *r;
	size_t n;
} want_t;

typedef struct deferred {	/* a Want waiting for the answer budget */
	int via;
	uint8_t *want;		/* the Want as received (checked by wire_decode) */
	size_t len;
} deferred_t;

/* Everything about one other founder's node. */
typedef struct link {
	uint8_t key[KEY_PK_BYTES], transport[KEY_X_BYTES];
	char name[EV_NAME_MAX + 1];
	char endpoint[PEERS_ENDPOINT_MAX];	/* "" when we do not dial it */
	char record[PEERS_ENDPOINT_MAX];	/* the member's first published endpoint */
	int gone;				/* no longer a member: refused, not dialled */
	int founder;				/* a founder (any of its keys in the genesis) */
	int dialed;				/* we dial it (a DEALER in netio) */
	int routed;				/* it has connected to our ROUTER */
	int hello_sent[2];
	uint64_t last_seen, bytes_in, bytes_out, lag, dropped, invalid;
	uint64_t events_in, events_out;		/* envelopes received / sent */
	recon_t *init;				/* our reconciliation with it */
	uint64_t init_session, init_started, next_recon;
	int init_via;
	recon_t *resp[2];			/* its reconciliations with us */
	uint64_t resp_session[2];
	double resp_tokens;			/* responder sessions we may begin now */
	uint64_t resp_at;			/* ms resp_tokens was last refilled */
	range_t *queue;				/* segments to ask it for */
	size_t qn, qcap;
	want_t inflight[SYNC_INFLIGHT];
	size_t nin;
	unsigned bad;
	uint64_t bad_since, banned_until, tokens_at;
	double tokens;				/* messages it may send us */
	double answer_budget;			/* bytes we may answer (may go below 0) */
	uint64_t answer_at;
	deferred_t defer[SYNC_DEFER_MAX];	/* Wants waiting for the budget */
	size_t ndefer;
} link_t;

typedef struct guard guard_t;
typedef struct netio netio_t;
typedef struct nclose nclose_t;

typedef struct node {
	const char *dir;
	int verbose, stop;
	int fatal;		/* why the loop stopped on its own (node_run's result) */
	cfg_t cfg;
	key_pair_t kp;
	key_x25519_t kx;
	store_t *store;
	uint8_t network[HASH_BYTES];
	genesis_t gen;
	link_t *links;			/* room for ROSTER_MAX; a slot is never reused */
	size_t nlinks;
	members_t *members;		/* the held member changes */
	roster_t roster;		/* the current members (spec/members.md) */
	int member;			/* this node's identity is a current member's */
	int roster_dirty;		/* a batch may have changed the roster */
	recon_set_t *set;
	int set_stale;			/* set missed a head: re-read them all */
	amap_t *claims;			/* author -> which link fetches it */
	void *ctx, *zap, *router, *ctl;	/* router: until netio owns it */
	void *io;			/* the loop's end of the pipe to netio */
	netio_t *netio;
	uint64_t io_consumed;		/* bytes from netio not acknowledged */
	guard_t *guard;			/* caps connections to router */
	uint64_t zap_refused, zap_logged_at;	/* refusals not logged yet */
	char zap_last[64];
	int sigfd, lockfd;
	uint64_t next_want_id, next_expire, next_store_check;
	uint64_t invalid, dups, dropped;
	nclose_t *close;		/* the closes this member takes part in (close.c) */
} node_t;

/* ---- node.c ---- */

uint64_t node_now_ms(void);		/* monotonic */
uint64_t node_wall_ms(void);		/* since the epoch */
/* One log line on stderr; level 'D' (only when verbose), 'I', 'W' or 'E'. */
__attribute__((format(printf, 3, 4)))
void node_log(const node_t *n, char level, const char *fmt, ...);
/* k as text in buf; returns buf. */
const char *node_short_key(char buf[static KEY_TEXT_BYTES], const uint8_t *k);
/* 1 if the frame m holds exactly the string s. */
int node_frame_is(zmq_msg_t *m, const char *s);

/* ---- link.c ---- */

/* The connection to use for a message we start: ours if we dial, else
 * theirs; -1 when there is none. */
int link_via(const link_t *l);
/* Encodes and sends m on connection via without blocking, preceded by our
 * Hello if that connection has not had it. 0, or -1 when the message could
 * not be queued (counted in l->dropped: pushes are hints, pulls repair). */
int link_send(node_t *n, link_t *l, int via, const Wiec__SyncMsg *m);
void link_hello(node_t *n, link_t *l, int via);
/* Counts a bad message; SYNC_BAD_MAX in a minute ban l for SYNC_BAN_MS. */
void link_bad(node_t *n, link_t *l, const char *what);
/* The token bucket: 1 if l may send one more message now. */
int link_admit(link_t *l);
/* Sets the options every peer socket shares (HWMs, message size,
 * heartbeats, handshake time). 0 or -1 (zmq_errno). */
int link_sockopts(void *s);
/* The peer socket: a CURVE server ROUTER under secret key sk, ZAP domain
 * "wiec" (enforced where libzmq knows ZMQ_ZAP_ENFORCE_DOMAIN: *enforced
 * says), bound on endpoint. NULL on failure (zmq_errno says why). */
void *link_listen(void *ctx, const char *endpoint, const uint8_t sk[static KEY_X_BYTES],
    int *enforced);
/* Closes our connection to l and forgets its session and Wants in flight. */
void link_hangup(node_t *n, link_t *l);
/* (Re)reads DIR/peers: dials new endpoints, hangs up removed ones.
 * 0 or the peers_load error (logged). */
int link_load_peers(node_t *n);
/* Recomputes the roster and makes the links follow it (spec/members.md
 * section 5): a new member gets a link (and is dialled, see
 * link_load_peers), a removed one is hung up, kicked and refused from then
 * on, a rotated one is kicked and comes back under its new keys. Called at
 * start (before the network thread exists) and after every batch that may
 * have changed the roster. 0, or a store error (logged). */
int link_follow_roster(node_t *n);
/* Handles one message from the network thread (a peer's message goes to
 * sync_handle). 0, or -1 when none was waiting. */
int link_io_recv(node_t *n);
/* Tells the network thread how many bytes the loop took since the last
 * call, which it may hand over again (SYNC_IO_BYTES). */
void link_io_ack(node_t *n);

/* ---- netio.c ---- */

/* The loop's end of the pipe to the network thread, bound in ctx; NULL on
 * failure. Close it with zmq_close after netio_destroy. */
void *netio_bind(void *ctx);
/* Starts the network thread, which from then on owns router (may be NULL)
 * and every DEALER: the loop talks to it through n->io (link.c). Reads
 * n's keys and links now, n->verbose later (logging). NULL on failure
 * (router is then still the caller's). */
netio_t *netio_new(const node_t *n, void *router);
/* Stops the thread (through loop_end), which closes the peer sockets and
 * stops the router's monitor; frees *p and sets it to NULL. NULL is fine. */
void netio_destroy(netio_t **p, void *loop_end);

/* ---- zap.c ---- */

/* Answers one ZAP request waiting on n->zap. */
void zap_serve(node_t *n);
/* Logs the refusals not logged yet, at most once per 10 s (or now when
 * n->stop is set). */
void zap_tick(node_t *n);

/* ---- guard.c ---- */

/* A connection guard allowing per_addr connections per peer address and
 * total in all, its monitor socket connected in ctx. Caller owns it; free
 * with guard_destroy. NULL on failure. n is used for logging only. */
guard_t *guard_new(const node_t *n, void *ctx, size_t per_addr, size_t total);
/* Starts watching router (bound to a TCP endpoint) from a thread of the
 * guard's own. 0, or -1 (zmq_errno or errno). */
int guard_watch(guard_t *g, void *router);
/* Stops watching router, joins the thread, frees *p and sets it to NULL.
 * NULL is fine. Call before closing router. */
void guard_destroy(guard_t **p, void *router);

/* ---- fetch.c ---- */

/* Queues a fetch of author at l (the peer holds up to seq target) unless
 * another link already fetches it. */
void fetch_want_range(node_t *n, link_t *l, const uint8_t *author, uint64_t target);
/* Puts l's own fetch r back at the front of its queue (a cut answer, or a
 * retry with a locator): its claim already covers it. */
void fetch_requeue(node_t *n, link_t *l, const range_t *r);
/* Forgets l's claim on author, if it holds it. */
void fetch_unclaim(node_t *n, link_t *l, const uint8_t *author);
/* Sends Wants while fewer than SYNC_INFLIGHT are outstanding. */
void fetch_pump(node_t *n, link_t *l);
/* Forgets the Want in flight l->inflight[i]. */
void fetch_drop_want(link_t *l, size_t i);

/* ---- serve.c ---- */

/* Answers a Want with one Events message of at most SYNC_EVENTS_CAP
 * envelope bytes, charged to l's answer budget. While the budget is below
 * zero the Want waits (at most SYNC_DEFER_MAX of them; more are dropped
 * and counted) until serve_tick finds the budget refilled. */
void serve_want(node_t *n, link_t *l, int via, const Wiec__Want *w);
/* Charges bytes of another answer (a reconciliation reply) to l's answer
 * budget. */
void serve_charge(link_t *l, size_t bytes);
/* Refills l's answer budget and answers waiting Wants it now covers. */
void serve_tick(node_t *n, link_t *l);
/* Forgets l's waiting Wants. */
void serve_forget(link_t *l);
/* Tells l, on connection via, which heads we hold (Haves of at most
 * SYNC_HAVE_MAX heads). */
void serve_have_to(node_t *n, link_t *l, int via, const store_head_t *heads, size_t nh);
/* Tells every link but skip. */
void serve_have(node_t *n, link_t *skip, const store_head_t *heads, size_t nh);

/* ---- sync.c ---- */

/* One message from peer l on connection via, as received (untrusted). */
void sync_handle(node_t *n, link_t *l, int via, const uint8_t *data, size_t len);
/* Starts our reconciliation with l. */
void sync_recon_begin(node_t *n, link_t *l);
/* The reconciliation item of a head (spec/sync.md, "Items"). */
void sync_head_item(recon_item_t *it, const store_head_t *h);
/* Verifies and stores envelopes from src (NULL: the CLI). res (may be NULL)
 * receives each outcome. Tells the other links about heads that moved
 * (Have), or with push (own posts) sends the events themselves. Returns 0
 * or a wiec_err_t of the batch as a whole. */
int sync_ingest(node_t *n, link_t *src, uint8_t *const *envs, const size_t *lens, size_t cnt,
    unsigned flags, int *res, int push);

/* ---- close.c ---- */

/* A batch held a close statement of process (NULL or rescan: events were
 * released from waiting; look at every process again). */
void nclose_note(node_t *n, const uint8_t *process, int rescan);
/* Feeds the machines and posts their statements (from timers). */
void nclose_tick(node_t *n);
void nclose_free(node_t *n);

/* ---- ctlsrv.c ---- */

/* Answers one request waiting on the control socket. */
void ctlsrv_serve(node_t *n);

#endif
