/* recount.c: gathering a poll's ballots for its tally (spec/tally.md 4.4):
 * the view's scan() with each ballot read in place, or the generic walk
 * of refs() and get(); each ballot judged by ballot_check; each voter's
 * latest kept. The rules and the count itself are in model/ballot.c. */
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "model/recount.h"

/* (seq, id) order: > 0 when a is the later ballot. */
static int brec_later(const recount_rec_t *a, const recount_rec_t *b)
{
	if (a->seq != b->seq)
		return a->seq > b->seq ? 1 : -1;
	return memcmp(a->id, b->id, HASH_BYTES);
}

void recount_set_free(recount_set_t *s)
{
	free(s->dead);
	free(s->rec);
	free(s->ch);
	free(s->pts);
	memset(s, 0, sizeof *s);
}

/* A voter key's first 8 bytes: a public key's bytes are already uniform. */
static uint64_t voter_bits(const uint8_t voter[static KEY_PK_BYTES])
{
	uint64_t h;

	memcpy(&h, voter, sizeof h);
	return h;
}

typedef struct vkey {
	uint64_t h;		/* voter_bits */
	uint32_t i;		/* record index */
} vkey_t;

/* Each voter's latest record stays alive, the others are marked dead
 * (superseded): per voter, the later (seq, id) of any two wins, so the
 * outcome is the same whatever order the ballots came in. The records are
 * first partitioned by the top byte of their voter (two sequential
 * passes), then each part gets a small table that stays in cache. */
static int bset_pick(recount_set_t *s)
{
	vkey_t *a = NULL, *b = NULL;
	uint32_t *t = NULL;
	size_t cnt[257] = { 0 }, start[256], max = 0, mask;
	int rc = WIEC_ERR_NOMEM;

	if (s->n == 0)
		return 0;
	if ((a = malloc(s->n * sizeof *a)) == NULL || (b = malloc(s->n * sizeof *b)) == NULL)
		goto out;
	for (size_t i = 0; i < s->n; i++) {
		a[i].h = voter_bits(s->rec[i].voter);
		a[i].i = (uint32_t)i;
		cnt[(a[i].h >> 56) + 1]++;
	}
	for (size_t k = 0; k < 256; k++) {
		if (cnt[k + 1] > max)
			max = cnt[k + 1];
		cnt[k + 1] += cnt[k];
		start[k] = cnt[k];
	}
	for (size_t i = 0; i < s->n; i++)
		b[start[a[i].h >> 56]++] = a[i];
	for (mask = 1; mask < 2 * max; mask *= 2)
		;
	if ((t = malloc(mask * sizeof *t)) == NULL)
		goto out;
	mask--;
	for (size_t k = 0; k < 256; k++) {
		size_t lo = cnt[k], hi = cnt[k + 1];

		if (lo == hi)
			continue;
		memset(t, 0, (mask + 1) * sizeof *t);
		for (size_t j = lo; j < hi; j++) {
			size_t h = (size_t)b[j].h & mask;

			for (;; h = (h + 1) & mask) {
				uint32_t x = t[h], ri, rj;

				if (x == 0) {
					t[h] = (uint32_t)(j - lo) + 1;
					break;
				}
				ri = b[lo + x - 1].i;
				rj = b[j].i;
				if (b[lo + x - 1].h != b[j].h ||
				    memcmp(s->rec[ri].voter, s->rec[rj].voter, KEY_PK_BYTES) != 0)
					continue;
				if (brec_later(&s->rec[rj], &s->rec[ri]) > 0) {
					s->dead[ri] = 1;
					t[h] = (uint32_t)(j - lo) + 1;
				} else {
					s->dead[rj] = 1;
				}
				break;
			}
		}
	}
	rc = 0;
out:
	free(a);
	free(b);
	free(t);
	return rc;
}

static int bset_add(recount_set_t *s, const ballot_poll_t *poll, const model_ev_t *e,
    const uint8_t voter[static KEY_PK_BYTES], int unit)
{
	const Wiec__Vote *v = e->body->vote;
	recount_rec_t *r;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		void *p = realloc(s->rec, cap * sizeof *s->rec), *q;

		if (p == NULL)
			return WIEC_ERR_NOMEM;
		s->rec = p;
		if ((q = realloc(s->dead, cap)) == NULL)
			return WIEC_ERR_NOMEM;
		s->dead = q;
		s->cap = cap;
	}
	while (s->nch + v->n_choices > s->capch) {
		size_t cap = s->capch ? 2 * s->capch : 256;
		void *p = realloc(s->ch, cap * sizeof *s->ch), *q;

		if (p == NULL)
			return WIEC_ERR_NOMEM;
		s->ch = p;
		if ((q = realloc(s->pts, cap * sizeof *s->pts)) == NULL)
			return WIEC_ERR_NOMEM;
		s->pts = q;
		s->capch = cap;
	}
	r = &s->rec[s->n++];
	memcpy(r->voter, voter, KEY_PK_BYTES);
	r->seq = e->seq;
	memcpy(r->id, e->id, HASH_BYTES);
	r->withdraw = v->withdraw;
	r->answer = v->answer;
	r->unit = unit;
	r->off = s->nch;
	s->dead[s->n - 1] = 0;
	r->n = v->n_choices;
	for (size_t i = 0; i < v->n_choices; i++) {
		s->ch[s->nch] = (uint32_t)ballot_option_find(poll, v->choices[i]->project.data);
		s->pts[s->nch++] = v->choices[i]->points;
	}
	return 0;
}

static int id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, HASH_BYTES);
}

static const recount_elig_t *elig_find(const recount_elig_t *e, size_t n,
    const uint8_t key[static KEY_PK_BYTES])
{
	return bsearch(key, e, n, sizeof *e, id_cmp);
}

/* What one ballot needs to be judged and kept, whichever way it was read. */
typedef struct take {
	const ballot_poll_t *poll;
	const roster_t *r;
	const uint8_t *frontier;
	size_t nf;
	const recount_elig_t *el;
	size_t nel;
	recount_set_t *s;
	ballot_tally_t *out;
	ballot_raw_t *raw;	/* scan(): room to read a ballot in place */
} take_t;

/* Judges one held event of the process's ballot index and keeps it in the
 * set if it counts (its voter's latest is picked later). */
static int take(take_t *st, const model_ev_t *ev)
{
	const ballot_poll_t *poll = st->poll;
	const Wiec__Poll *p = poll->p;
	const roster_member_t *m = NULL;
	ballot_voter_t who = { 1, NULL, 0 };
	const recount_elig_t *e;
	int w;

	if (ev->body->content_case != WIEC__BODY__CONTENT_VOTE ||
	    memcmp(ev->body->vote->poll.data, poll->ev.id, HASH_BYTES) != 0)
		return 0;
	if (!ballot_in_frontier(st->frontier, st->nf, ev->id)) {
		st->out->not_counted[BALLOT_NOT_IN_FRONTIER]++;
		return 0;
	}
	if (p->decision != WIEC__DECISION__DECISION_NONE) {
		m = roster_member_of(st->r, ev->author);
		who.member = m != NULL;
	} else if (poll->proc.p->eligibility) {
		e = elig_find(st->el, st->nel, ev->author);
		who.eligible = e != NULL;
		who.unit = e != NULL ? e->unit : NULL;
	}
	/* Latest across units: a voter who moved to another unit
	 * counts there only (tally_unit picks the unit's ballots). */
	w = ballot_check(poll, ev->body->vote, &who);
	if (w != BALLOT_OK) {
		st->out->not_counted[w]++;
		return 0;
	}
	return bset_add(st->s, poll, ev, m != NULL ? m->key : ev->author,
	    p->kind == WIEC__POLL_KIND__POLL_BUDGET && !ev->body->vote->withdraw ?
	    ballot_unit_find(poll->proc.p, ev->body->vote->unit) : -1);
}

/* ---- reading a ballot in place ---- */

/* A varint at *i of b[0..n): 0, or -1 past the end or longer than 10 bytes. */
static int rd_varint(const uint8_t *b, size_t n, size_t *i, uint64_t *out)
{
	uint64_t v = 0;

	for (unsigned shift = 0; shift < 70; shift += 7) {
		if (*i >= n)
			return -1;
		v |= (uint64_t)(b[*i] & 0x7f) << shift;
		if ((b[(*i)++] & 0x80) == 0) {
			*out = v;
			return 0;
		}
	}
	return -1;
}

/* The next field of b[0..n) at *i: its number, wire type and, for wire
 * type 2, its bytes; for 0, its value. 0, or -1 (anything else). Field
 * numbers must increase (after *last; equal only where rep allows). */
static int rd_field(const uint8_t *b, size_t n, size_t *i, uint32_t *last, uint32_t rep,
    uint32_t *num, const uint8_t **p, size_t *len, uint64_t *val)
{
	uint64_t tag, l;

	if (rd_varint(b, n, i, &tag) != 0 || tag >> 3 == 0 || tag >> 3 > 536870911u)
		return -1;
	*num = (uint32_t)(tag >> 3);
	if (*num < *last || (*num == *last && *num != rep))
		return -1;
	*last = *num;
	switch (tag & 7) {
	case 0:
		return rd_varint(b, n, i, val);
	case 2:
		if (rd_varint(b, n, i, &l) != 0 || l > n - *i)
			return -1;
		*p = b + *i;
		*len = (size_t)l;
		*i += (size_t)l;
		return 0;
	default:
		return -1;
	}
}

int ballot_read_vote(ballot_raw_t *st, const uint8_t *body, size_t n, Wiec__Vote *vote,
    uint8_t author[static KEY_PK_BYTES], uint64_t *seq)
{
	const uint8_t *p = NULL, *vb = NULL;
	size_t i = 0, len = 0, vn = 0;
	uint32_t num, last = 0;
	uint64_t val = 0;
	int have_author = 0;

	while (i < n) {
		if (rd_field(body, n, &i, &last, 0, &num, &p, &len, &val) != 0)
			return -1;
		switch (num) {
		case 1: case 4:		/* network, prev */
			if (p == NULL)
				return -1;
			break;
		case 2:
			if (p == NULL || len != KEY_PK_BYTES)
				return -1;
			memcpy(author, p, KEY_PK_BYTES);
			have_author = 1;
			break;
		case 3:
			if (p != NULL)
				return -1;
			*seq = val;
			break;
		case 5:
			if (p != NULL)
				return -1;
			break;
		case WIEC__BODY__CONTENT_VOTE:
			if (p == NULL)
				return -1;
			vb = p;
			vn = len;
			break;
		default:
			return num >= 16 && p != NULL && have_author ? 0 : -1;	/* another kind */
		}
		p = NULL;
	}
	if (vb == NULL || !have_author)
		return vb == NULL && have_author ? 0 : -1;
	wiec__vote__init(vote);
	vote->choices = st->chp;
	vote->unit = st->unit;
	st->unit[0] = '\0';
	last = 0;
	i = 0;
	while (i < vn) {
		if (rd_field(vb, vn, &i, &last, 4, &num, &p, &len, &val) != 0)
			return -1;
		switch (num) {
		case 1: case 2:
			if (p == NULL)
				return -1;
			if (num == 1) {
				vote->process.data = (uint8_t *)p;
				vote->process.len = len;
			} else {
				vote->poll.data = (uint8_t *)p;
				vote->poll.len = len;
			}
			break;
		case 3:
			if (p == NULL || len > EV_LABEL_MAX || memchr(p, 0, len) != NULL)
				return -1;
			memcpy(st->unit, p, len);
			st->unit[len] = '\0';
			break;
		case 4: {
			Wiec__Choice *c;
			size_t j = 0;
			uint32_t cnum, clast = 0;
			const uint8_t *cp = p, *q = NULL;
			size_t cn = len, qlen = 0;
			uint64_t cval = 0;

			if (p == NULL || vote->n_choices == EV_OPTIONS_MAX)
				return -1;
			c = &st->ch[vote->n_choices];
			wiec__choice__init(c);
			while (j < cn) {
				if (rd_field(cp, cn, &j, &clast, 0, &cnum, &q, &qlen, &cval) != 0)
					return -1;
				if (cnum == 1 && q != NULL) {
					c->project.data = (uint8_t *)q;
					c->project.len = qlen;
				} else if (cnum == 2 && q == NULL) {
					c->points = cval;
				} else {
					return -1;
				}
				q = NULL;
			}
			st->chp[vote->n_choices++] = c;
			break;
		}
		case 5:
			if (p != NULL || val > WIEC__ANSWER__ANSWER_ABSTAIN)
				return -1;
			vote->answer = (Wiec__Answer)val;
			break;
		case 6:
			if (p != NULL || val > 1)
				return -1;
			vote->withdraw = (protobuf_c_boolean)val;
			break;
		default:
			return -1;
		}
		p = NULL;
	}
	/* The content rules ballot_check relies on (kind.c: vote_check). */
	if (vote->process.len != HASH_BYTES || vote->poll.len != HASH_BYTES)
		return -1;
	for (size_t k = 0; k < vote->n_choices; k++)
		if (vote->choices[k]->project.len != HASH_BYTES)
			return -1;
	return 1;
}

/* scan(): one event's packed body, read in place when it is a plain
 * ballot, else decoded by protobuf-c; then judged like any other. */
static int scan_one(void *arg, const uint8_t id[static HASH_BYTES], const uint8_t *body,
    size_t len)
{
	take_t *st = arg;
	Wiec__Body b = WIEC__BODY__INIT;
	Wiec__Vote vote;
	model_ev_t ev;
	int rc;

	memset(&ev, 0, sizeof ev);
	memcpy(ev.id, id, HASH_BYTES);
	if (st->raw != NULL) {
		rc = ballot_read_vote(st->raw, body, len, &vote, ev.author, &ev.seq);
		if (rc == 0)
			return 0;	/* not a ballot: as take() would judge it */
		if (rc == 1) {
			b.content_case = WIEC__BODY__CONTENT_VOTE;
			b.vote = &vote;
			ev.body = &b;
			return take(st, &ev);
		}
	}
	if ((ev.body = wiec__body__unpack(NULL, len, body)) == NULL)
		return WIEC_ERR_CORRUPT;
	if (ev.body->author.len != KEY_PK_BYTES) {
		model_ev_free(&ev);
		return WIEC_ERR_CORRUPT;
	}
	memcpy(ev.author, ev.body->author.data, KEY_PK_BYTES);
	ev.seq = ev.body->seq;
	ev.timestamp = ev.body->timestamp;
	rc = take(st, &ev);
	model_ev_free(&ev);
	return rc;
}

int recount_collect(const model_view_t *v, const recount_in_t *in, recount_set_t *s,
    ballot_tally_t *out)
{
	model_ids_t ids = { 0 };
	take_t st = { 0 };
	size_t keep = 0;
	int rc;

	st.poll = in->poll;
	st.r = in->r;
	st.frontier = in->frontier;
	st.nf = in->nf;
	st.el = in->el;
	st.nel = in->nel;
	st.s = s;
	st.out = out;
	if (v->scan != NULL) {
		st.raw = malloc(sizeof *st.raw);	/* NULL: protobuf-c alone */
		rc = v->scan(v->ctx, in->poll->p->process.data, MREF_BALLOT, scan_one, &st);
		free(st.raw);
	} else {
		if ((rc = model_ids_collect(v, in->poll->p->process.data, MREF_BALLOT, &ids)) != 0)
			goto out;
		for (size_t i = 0; i < ids.n; i++) {
			model_ev_t ev;

			if ((rc = v->get(v->ctx, ids.id[i], &ev)) == WIEC_ERR_NOTFOUND)
				continue;
			if (rc != 0)
				goto out;
			rc = take(&st, &ev);
			model_ev_free(&ev);
			if (rc != 0)
				goto out;
		}
	}
	if (rc != 0)
		goto out;
	/* Each voter's latest valid ballot counts; a withdrawal counts as none.
	 * The counted ones stay in the order they were read (the index's id
	 * order, or the log's through scan(): the rules do not depend on it). */
	if ((rc = bset_pick(s)) != 0)
		goto out;
	for (size_t i = 0; i < s->n; i++) {
		if (s->dead[i]) {
			out->not_counted[BALLOT_SUPERSEDED]++;
			continue;
		}
		if (s->rec[i].withdraw) {
			out->not_counted[BALLOT_WITHDRAWN]++;
			continue;
		}
		s->rec[keep++] = s->rec[i];
	}
	s->n = keep;
	out->counted = keep;
	rc = 0;
out:
	model_ids_free(&ids);
	return rc;
}
