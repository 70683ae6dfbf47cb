/* ballotread.c: a held ballot read in place (ballot_read_vote, model/ballot.h):
 * the plain form every client writes in one straight pass, anything else
 * field by field; no allocation. Split from model/recount.c, whose pass
 * over the ballots calls it. */
#include <stdlib.h>
#include <string.h>

#include "model/ballot.h"
#include "model/ballotread_int.h"

size_t ballot_rd_varint_long(const uint8_t *b, size_t n, size_t i, uint64_t *out)
{
	uint64_t v = 0;

	for (unsigned shift = 0; shift < 70; shift += 7) {
		if (i >= n)
			return RD_BAD;
		v |= (uint64_t)(b[i] & 0x7f) << shift;
		if ((b[i++] & 0x80) == 0) {
			*out = v;
			return i;
		}
	}
	return RD_BAD;
}

/* One field as rd_field reads it. */
typedef struct rd_field {
	uint32_t num;
	const uint8_t *p;	/* wire type 2: its bytes (len); wire type 0: NULL */
	size_t len;
	uint64_t val;		/* wire type 0: its value */
} rd_field_t;

/* The next field of b[0..n) at *ip into *f: 0, or -1 (anything but a
 * varint or a length-delimited field that fits). Field numbers must
 * increase (after *last; equal only where rep allows). */
static int rd_field(const uint8_t *b, size_t n, size_t *ip, uint32_t *last, uint32_t rep,
    rd_field_t *f)
{
	size_t i = *ip;
	uint64_t tag, l;
	uint32_t num;

	if ((i = rd_varint(b, n, i, &tag)) == RD_BAD || tag >> 3 == 0 || tag >> 3 > 536870911u)
		return -1;
	num = (uint32_t)(tag >> 3);
	if (num < *last || (num == *last && num != rep))
		return -1;
	*last = num;
	f->num = num;
	f->p = NULL;
	switch (tag & 7) {
	case 0:
		if ((i = rd_varint(b, n, i, &f->val)) == RD_BAD)
			return -1;
		break;
	case 2:
		if ((i = rd_varint(b, n, i, &l)) == RD_BAD || l > n - i)
			return -1;
		f->p = b + i;
		f->len = (size_t)l;
		i += (size_t)l;
		break;
	default:
		return -1;
	}
	*ip = i;
	return 0;
}

/* The header fields of a packed Body up to its content: *vb, *vn the Vote's
 * bytes (NULL: another kind). 0, or -1 as ballot_read_vote. */
static int rd_header(const uint8_t *body, size_t n, uint8_t author[static KEY_PK_BYTES],
    uint64_t *seq, const uint8_t **vb, size_t *vn)
{
	rd_field_t f;
	size_t i = 0;
	uint32_t last = 0;
	int have_author = 0;

	*vb = NULL;
	while (i < n) {
		if (rd_field(body, n, &i, &last, 0, &f) != 0)
			return -1;
		switch (f.num) {
		case 1: case 4:		/* network, prev */
			if (f.p == NULL)
				return -1;
			break;
		case 2:
			if (f.p == NULL || f.len != KEY_PK_BYTES)
				return -1;
			memcpy(author, f.p, KEY_PK_BYTES);
			have_author = 1;
			break;
		case 3:
			if (f.p != NULL)
				return -1;
			*seq = f.val;
			break;
		case 5:
			if (f.p != NULL)
				return -1;
			break;
		case WIEC__BODY__CONTENT_VOTE:
			if (f.p == NULL)
				return -1;
			*vb = f.p;
			*vn = f.len;
			break;
		default:
			/* Another kind, if protobuf-c knows the field; it keeps the
			 * last content field, so a Vote before it does not count. */
			if (f.num < 16 || f.p == NULL ||
			    protobuf_c_message_descriptor_get_field(&wiec__body__descriptor,
			    f.num) == NULL)
				return -1;
			*vb = NULL;
			break;
		}
	}
	return have_author ? 0 : -1;
}

/* One Choice's bytes (p, n) into c. 0, or -1. */
static int rd_choice(const uint8_t *p, size_t n, Wiec__Choice *c)
{
	static const Wiec__Choice init = WIEC__CHOICE__INIT;
	rd_field_t f;
	size_t j = 0;
	uint32_t last = 0;

	*c = init;
	while (j < n) {
		if (rd_field(p, n, &j, &last, 0, &f) != 0)
			return -1;
		if (f.num == 1 && f.p != NULL) {
			c->project.data = (uint8_t *)f.p;
			c->project.len = f.len;
		} else if (f.num == 2 && f.p == NULL) {
			c->points = f.val;
		} else {
			return -1;
		}
	}
	return 0;
}

/* The plain form of a ballot, as every wiec client writes it: one-byte
 * tags, fields in order, network, author and prev of 32 bytes, the Vote
 * last, choices of a project and points. 1 with everything read as
 * ballot_read_vote would, or 0: not this form (ballot_read_vote then reads
 * it field by field). A special case of the general reader, only faster:
 * it reads the same fields in the same order, so it accepts nothing the
 * general reader refuses and reads nothing differently (fuzz_ballot checks
 * either against protobuf-c). */
static int rd_plain(ballot_raw_t *st, const uint8_t *b, size_t n, Wiec__Vote *vote,
    uint8_t author[static KEY_PK_BYTES], uint64_t *seq)
{
	static const Wiec__Vote init = WIEC__VOTE__INIT;
	const uint8_t *p, *vb;
	size_t i = 0, len, vn, j;
	uint64_t x;

	if ((i = rd_plain_head(b, n, seq)) == RD_BAD)
		return 0;
	memcpy(author, b + 36, KEY_PK_BYTES);
	vb = b + i;
	vn = n - i;
	*vote = init;
	vote->choices = st->chp;
	vote->unit = st->unit;
	st->unit[0] = '\0';
	i = 0;
	if ((vote->process.data = (uint8_t *)rd_plain_bytes(vb, vn, &i, TAG(1, 2), HASH_BYTES,
	    &vote->process.len)) == NULL ||
	    (vote->poll.data = (uint8_t *)rd_plain_bytes(vb, vn, &i, TAG(2, 2), HASH_BYTES,
	    &vote->poll.len)) == NULL)
		return 0;
	if (i < vn && vb[i] == TAG(3, 2)) {
		if ((p = rd_plain_bytes(vb, vn, &i, TAG(3, 2), 0, &len)) == NULL ||
		    len > EV_LABEL_MAX)
			return 0;
		for (j = 0; j < len; j++)	/* a label: at most 64 bytes, no NUL */
			if ((st->unit[j] = (char)p[j]) == '\0')
				return 0;
		st->unit[len] = '\0';
	}
	while (i < vn && vb[i] == TAG(4, 2)) {
		static const Wiec__Choice cinit = WIEC__CHOICE__INIT;
		Wiec__Choice *c = &st->ch[vote->n_choices];
		const uint8_t *cb;
		size_t cn;

		if (vote->n_choices == EV_OPTIONS_MAX ||
		    (cb = rd_plain_bytes(vb, vn, &i, TAG(4, 2), 0, &cn)) == NULL)
			return 0;
		*c = cinit;
		/* The project, 32 bytes, first. */
		if (cn < 2 + HASH_BYTES || cb[0] != TAG(1, 2) || cb[1] != HASH_BYTES)
			return 0;
		c->project.data = (uint8_t *)cb + 2;
		c->project.len = HASH_BYTES;
		j = 2 + HASH_BYTES;
		if (j < cn && (cb[j] != TAG(2, 0) ||
		    (j = rd_varint(cb, cn, j + 1, &c->points)) == RD_BAD || j != cn))
			return 0;
		st->chp[vote->n_choices++] = c;
	}
	if (i < vn && vb[i] == TAG(5, 0)) {
		if ((i = rd_varint(vb, vn, i + 1, &x)) == RD_BAD ||
		    x > WIEC__ANSWER__ANSWER_ABSTAIN)
			return 0;
		vote->answer = (Wiec__Answer)x;
	}
	if (i < vn && vb[i] == TAG(6, 0)) {
		if ((i = rd_varint(vb, vn, i + 1, &x)) == RD_BAD || x > 1)
			return 0;
		vote->withdraw = (protobuf_c_boolean)x;
	}
	return i == vn;
}

int ballot_read_vote(ballot_raw_t *st, const uint8_t *body, size_t n, Wiec__Vote *vote,
    uint8_t author[static KEY_PK_BYTES], uint64_t *seq)
{
	static const Wiec__Vote init = WIEC__VOTE__INIT;
	const uint8_t *vb;
	rd_field_t f;
	size_t i = 0, vn = 0;
	uint32_t last = 0;

	*seq = 0;	/* absent: 0, as protobuf-c reads it */
	if (rd_plain(st, body, n, vote, author, seq))
		return 1;
	if (rd_header(body, n, author, seq, &vb, &vn) != 0)
		return -1;
	if (vb == NULL)
		return 0;
	*vote = init;
	vote->choices = st->chp;
	vote->unit = st->unit;
	st->unit[0] = '\0';
	while (i < vn) {
		if (rd_field(vb, vn, &i, &last, 4, &f) != 0)
			return -1;
		switch (f.num) {
		case 1: case 2:
			if (f.p == NULL)
				return -1;
			if (f.num == 1) {
				vote->process.data = (uint8_t *)f.p;
				vote->process.len = f.len;
			} else {
				vote->poll.data = (uint8_t *)f.p;
				vote->poll.len = f.len;
			}
			break;
		case 3:
			if (f.p == NULL || f.len > EV_LABEL_MAX || memchr(f.p, 0, f.len) != NULL)
				return -1;
			memcpy(st->unit, f.p, f.len);
			st->unit[f.len] = '\0';
			break;
		case 4:
			if (f.p == NULL || vote->n_choices == EV_OPTIONS_MAX ||
			    rd_choice(f.p, f.len, &st->ch[vote->n_choices]) != 0)
				return -1;
			st->chp[vote->n_choices] = &st->ch[vote->n_choices];
			vote->n_choices++;
			break;
		case 5:
			if (f.p != NULL || f.val > WIEC__ANSWER__ANSWER_ABSTAIN)
				return -1;
			vote->answer = (Wiec__Answer)f.val;
			break;
		case 6:
			if (f.p != NULL || f.val > 1)
				return -1;
			vote->withdraw = (protobuf_c_boolean)f.val;
			break;
		default:
			return -1;
		}
	}
	/* The content rules ballot_check relies on (proto/kind_vote.c: vote_check). */
	if (vote->process.len != HASH_BYTES || vote->poll.len != HASH_BYTES)
		return -1;
	for (size_t k = 0; k < vote->n_choices; k++)
		if (vote->choices[k]->project.len != HASH_BYTES)
			return -1;
	return 1;
}
