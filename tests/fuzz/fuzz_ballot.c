/* fuzz_ballot.c: the in-place reader of a held ballot (ballot_read_vote,
 * model/recount.c), against protobuf-c.
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	return 0;
}
