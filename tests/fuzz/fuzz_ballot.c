/* fuzz_ballot.c: the in-place reader of a held ballot (ballot_read_vote,
 * model/ballotread.c), against protobuf-c; and the recount's fast path for the
 * common ballot (recount_fast_accepts), against ballot_check_at.
 *
 * Whatever the input, every read stays within it (the sanitizers see to
 * that), and whatever the reader accepts as a Vote, protobuf-c decodes to
 * the same Vote, author and seq: the recount's fast path and the generic
 * one judge the same values; and what it calls another kind (0),
 * protobuf-c does not decode as a Vote. -1 leaves nothing to check (the
 * caller decodes with protobuf-c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/ballot.h"
#include "model/recount.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_OPTS 20

/* A poll over the ballot's own process, poll id and projects (so that the
 * fast path gets past the ids), its kind, units, costs and bounds from the
 * input's last bytes; whatever the fast path accepts, ballot_check_at must
 * count, with the same options and unit. */
static void fast_vs_check(const uint8_t *data, size_t size, const Wiec__Vote *v)
{
	static const Wiec__PollKind kinds[] = { WIEC__POLL_KIND__POLL_APPROVAL,
	    WIEC__POLL_KIND__POLL_CHOOSE_ONE, WIEC__POLL_KIND__POLL_RANKED,
	    WIEC__POLL_KIND__POLL_BUDGET, WIEC__POLL_KIND__POLL_YESNO };
	uint8_t k = size > 0 ? data[size - 1] : 0, c = size > 1 ? data[size - 2] : 0;
	Wiec__Poll poll = WIEC__POLL__INIT;
	Wiec__Process proc = WIEC__PROCESS__INIT;
	Wiec__Unit unit = WIEC__UNIT__INIT, other = WIEC__UNIT__INIT, *units[2] = { &unit, &other };
	ballot_option_t opts[FZ_OPTS];
	uint32_t sorted[FZ_OPTS], o1[RECOUNT_FAST_CHOICES], o2[EV_OPTIONS_MAX];
	ballot_poll_t bp;
	ballot_voter_t who = { 1, NULL, 0 };
	size_t nopt = 0, nc = 0;
	int u1 = -1, u2 = -1;

	if (v->process.len != HASH_BYTES || v->poll.len != HASH_BYTES)
		return;
	memset(&bp, 0, sizeof bp);
	memset(opts, 0, sizeof opts);
	poll.kind = kinds[k % 5];
	poll.min = (uint32_t)(c & 3);
	poll.max = (uint32_t)((c >> 2) & 7);
	poll.no_cost_limit = (c >> 5) & 1;
	poll.process = v->process;
	unit.name = (char *)(v->unit[0] != '\0' ? v->unit : "A");
	unit.budget = (uint64_t)((k >> 3) + 1) * 10;
	other.name = (char *)"Zz";
	other.budget = 100;
	proc.units = units;
	proc.n_units = poll.kind == WIEC__POLL_KIND__POLL_BUDGET ?
	    (strcmp(unit.name, "Zz") == 0 ? 1 : 2) : 0;
	bp.p = &poll;
	bp.proc.p = &proc;
	memcpy(bp.ev.id, v->poll.data, HASH_BYTES);
	/* The options: the ballot's projects (distinct), then one more. */
	for (size_t i = 0; i < v->n_choices && nopt < FZ_OPTS - 1; i++) {
		size_t j;

		if (v->choices[i]->project.len != HASH_BYTES)
			return;
		for (j = 0; j < nopt && memcmp(opts[j].id, v->choices[i]->project.data, HASH_BYTES);
		    j++)
			;
		if (j < nopt)
			continue;
		memcpy(opts[nopt].id, v->choices[i]->project.data, HASH_BYTES);
		opts[nopt].cost = (uint64_t)(c ^ (uint8_t)(7 * nopt)) % 40;
		opts[nopt].unit = poll.kind == WIEC__POLL_KIND__POLL_BUDGET ?
		    (int)((c >> (nopt % 8)) & 1 && proc.n_units == 2) : -1;
		nopt++;
	}
	memset(opts[nopt].id, 0xee, HASH_BYTES);
	opts[nopt].unit = poll.kind == WIEC__POLL_KIND__POLL_BUDGET ? 0 : -1;
	nopt++;
	/* sorted by id, for ballot_option_find's binary search */
	for (size_t i = 0; i < nopt; i++) {
		size_t j = i;

		while (j > 0 && memcmp(opts[sorted[j - 1]].id, opts[i].id, HASH_BYTES) > 0) {
			sorted[j] = sorted[j - 1];
			j--;
		}
		sorted[j] = (uint32_t)i;
	}
	bp.opt = opts;
	bp.nopt = nopt;
	bp.sorted = sorted;
	if (recount_fast_accepts(&bp, data, size, o1, &nc, &u1) != 1)
		return;
	if (ballot_check_at(&bp, v, &who, o2, &u2) != BALLOT_OK || v->withdraw ||
	    nc != v->n_choices || u1 != u2 || (nc > 0 && memcmp(o1, o2, nc * sizeof *o1) != 0))
		abort();
}

static int bin_eq(const ProtobufCBinaryData *a, const ProtobufCBinaryData *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static ballot_raw_t raw;
	Wiec__Vote v;
	Wiec__Body *b;
	uint8_t author[KEY_PK_BYTES];
	uint64_t seq = 0;
	int rc;

	rc = ballot_read_vote(&raw, data, size, &v, author, &seq);
	if (rc == 0) {
		/* "Not a ballot": protobuf-c must not read a Vote either (the
		 * recount would skip a ballot the generic path counts). */
		b = wiec__body__unpack(NULL, size, data);
		if (b != NULL && b->content_case == WIEC__BODY__CONTENT_VOTE)
			abort();
		if (b != NULL)
			wiec__body__free_unpacked(b, NULL);
		return 0;
	}
	if (rc != 1)
		return 0;
	b = wiec__body__unpack(NULL, size, data);
	if (b == NULL || b->content_case != WIEC__BODY__CONTENT_VOTE)
		abort();
	if (b->author.len != KEY_PK_BYTES || memcmp(b->author.data, author, KEY_PK_BYTES) != 0 ||
	    b->seq != seq || !bin_eq(&b->vote->process, &v.process) ||
	    !bin_eq(&b->vote->poll, &v.poll) || strcmp(b->vote->unit, v.unit) != 0 ||
	    b->vote->answer != v.answer || b->vote->withdraw != v.withdraw ||
	    b->vote->n_choices != v.n_choices)
		abort();
	for (size_t i = 0; i < v.n_choices; i++)
		if (!bin_eq(&b->vote->choices[i]->project, &v.choices[i]->project) ||
		    b->vote->choices[i]->points != v.choices[i]->points)
			abort();
	wiec__body__free_unpacked(b, NULL);
	fast_vs_check(data, size, &v);
	return 0;
}
