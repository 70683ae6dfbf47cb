/* pbio.h: a Pabulib .pb election (model/pb.h) as wiec events, for
 * `wiec pb import` (spec/tally.md section 5).
 *
 * pbio_build turns a parsed file into signed envelopes, in memory, with no
 * I/O: the budget process, one idea per project, the registrar's
 * credentials, and one signed ballot per voter. The voters' keys are
 * SYNTHETIC: Ed25519 seeds derived from public data (the network id, the
 * file's hash and the voter_id), so anyone can recompute them and sign as
 * those voters. They exist for audits and benchmarks, never for a real
 * election.
 *
 * Where the file's data goes (so that `wiec pb export` can write it back):
 *   - Poll: every project an option, in project_id order (the rules' last
 *     tie-break); budget kind, its `ballot` ranked for ordinal files and
 *     cumulative for points; no cost limit unless META max_sum_cost holds
 *     for every ballot; the META rule where a budget poll allows it
 *     (spec/tally.md section 5.2).
 *   - Process: kind budget; title from META description and instance; text
 *     = PBIO_MARK + the file's BLAKE2b-256 hex, a line, then every META row
 *     as "key;value" lines; one unit (META district, else META unit, else
 *     "all") with budget = META budget; phases "voting", "results";
 *     owners = registrars = the importing node; eligibility set;
 *     decimals = the fewest that write the budget and every cost exactly
 *     (0..EV_DECIMALS_MAX), every amount held in units of 10^-decimals.
 *   - Idea per project: title = name (else the project_id), category =
 *     project_id, cost, unit = the unit, text = the project's other columns
 *     as "column;value" lines, in the file's column order.
 *   - Credential per voter (author: the node, scope: the process):
 *     attributes unit, voter_id, then the voter's other VOTES columns
 *     (except vote and points), in column order. The node credentials
 *     itself too, with the single attribute role=proposer (it authors the
 *     projects, which count only from an eligible author; it is thereby an
 *     eligible voter too, and casts no ballot).
 *   - Ballot per voter: seq 1, timestamp 0 (the same bytes on every import
 *     into one network).
 */
#ifndef WIEC_MODEL_PBIO_H
#define WIEC_MODEL_PBIO_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/hash.h"
#include "crypto/key.h"
#include "model/pb.h"

#define PBIO_VOTER_TAG "wiec-pb-voter-v1"	/* domain of the synthetic voter seeds */
#define PBIO_MARK "Imported from a Pabulib .pb file, BLAKE2b-256 "	/* first line of the process text */
#define PBIO_UNIT_ATTR "unit"
#define PBIO_VOTER_ATTR "voter_id"

typedef struct pbio_out {
	size_t n;			/* envelopes, node's chain first, in chain order */
	uint8_t **env;			/* each malloc'd */
	size_t *len;
	size_t node_events;		/* env[0..node_events) are the node's */
	uint8_t process[HASH_BYTES];	/* the process id (env[0]'s id) */
	uint64_t node_seq;		/* the node's seq after its last event here */
} pbio_out_t;

/* The synthetic key of voter_id: seed = BLAKE2b-256(PBIO_VOTER_TAG ||
 * network || file_hash || voter_id). Returns 0 or WIEC_ERR_CRYPTO. */
int pbio_voter_key(key_pair_t *kp, const uint8_t network[static HASH_BYTES],
    const uint8_t file_hash[static HASH_BYTES], const char *voter_id);

/* Builds the events of p (file_hash: BLAKE2b-256 of the file's bytes) as
 * signed by node (its chain continues after head_seq / head_id; head_id
 * NULL: node has no event yet) with timestamp now_ms on the node's events.
 * On success *out holds the envelopes (free with pbio_out_free) and 0 is
 * returned. On failure one line in why and WIEC_ERR_FIELD (the file holds
 * something an event cannot carry: a META longer than a process text, a
 * name of more than 256 bytes, a budget or cost with more than
 * EV_DECIMALS_MAX decimals, ...),
 * WIEC_ERR_NOMEM or WIEC_ERR_CRYPTO; *out is then empty. */
int pbio_build(const pb_t *p, const uint8_t file_hash[static HASH_BYTES],
    const uint8_t network[static HASH_BYTES], const key_pair_t *node, uint64_t head_seq,
    const uint8_t *head_id, uint64_t now_ms, pbio_out_t *out, char *why, size_t whylen);

/* Whether every event pbio_build would make of p fits the events' limits,
 * without signing anything: the checks pbio_build makes, in its order, so
 * that `wiec pb export` writes no file `wiec pb import` would refuse.
 * Returns 0, or WIEC_ERR_FIELD with one line in why (as pbio_build's), or
 * WIEC_ERR_NOMEM. */
int pbio_check(const pb_t *p, char *why, size_t whylen);

void pbio_out_free(pbio_out_t *o);

#endif
