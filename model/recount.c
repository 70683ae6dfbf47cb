/* recount.c: gathering a poll's ballots for its tally (spec/tally.md 4.4):
 * the view's scan() with each ballot read in place, or the generic walk
 * of refs() and get(); each ballot judged by ballot_check; each voter's
 * latest kept. The rules are in model/ballot.c, the count itself in
 * model/ballotcount.c. */
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "crypto/mem.h"
#include "model/ballotread_int.h"
#include "model/recount.h"

/* (seq, id) order: > 0 when a is the later ballot. */
static int brec_later(const recount_rec_t *a, const recount_rec_t *b)
{
	if (a->rank != b->rank)		/* a rotated member's new key: later */
		return a->rank > b->rank ? 1 : -1;
	if (a->seq != b->seq)
		return a->seq > b->seq ? 1 : -1;
	return memcmp(a->id, b->id, HASH_BYTES);
}

static void recount_set_free(recount_set_t *s)
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
    const uint8_t voter[static KEY_PK_BYTES], uint32_t rank, int unit)
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
	r->rank = rank;
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

/* A counted ballot of the summed path: where its bytes are (the view's,
 * valid until it ends), to find its voter's other ballots after the pass. */
typedef struct sref {
	const uint8_t *id;
	const uint8_t *body;
	uint32_t len;
	uint32_t key;		/* voter_key of its voter */
} sref_t;

/* What one ballot needs to be judged and kept, whichever way it was read. */
typedef struct take {
	const ballot_poll_t *poll;
	const roster_t *r;
	const uint8_t *frontier;
	size_t nf;
	const recount_elig_t *el;
	size_t nel;
	ballot_tally_t *out;
	recount_out_t *o;
	ballot_raw_t *raw;	/* scan(): room to read a ballot in place */
	uint32_t opt[EV_OPTIONS_MAX];	/* the choices' options, by ballot_check_at */
	/* The summed path: */
	sref_t *ref;		/* every counted ballot, in scan order */
	size_t nref, capref;
	size_t part[257];	/* refs per top byte of key, from [1] */
	uint64_t counted, withdrawn, superseded;
	size_t *unit_len;	/* fast_take: strlen of each unit's name, or NULL */
} take_t;

/* Judges one held event of the process's ballot index, a Vote (v) by
 * author: -1 when it is not a ballot of the poll (not counted anywhere),
 * else BALLOT_OK or the reason it does not count (added to
 * out->not_counted), with st->opt, *unit and the co-decision member *m. */
static int judge(take_t *st, const uint8_t id[static HASH_BYTES],
    const uint8_t author[static KEY_PK_BYTES], const Wiec__Vote *v,
    const roster_member_t **m, int *unit)
{
	const ballot_poll_t *poll = st->poll;
	const Wiec__Poll *p = poll->p;
	ballot_voter_t who = { 1, NULL, 0 };
	const recount_elig_t *e;
	int w;

	*m = NULL;
	if (memcmp(v->poll.data, poll->ev.id, HASH_BYTES) != 0)
		return -1;
	if (!ballot_in_frontier(st->frontier, st->nf, id)) {
		st->out->not_counted[BALLOT_NOT_IN_FRONTIER]++;
		return BALLOT_NOT_IN_FRONTIER;
	}
	if (p->decision != WIEC__DECISION__DECISION_NONE) {
		*m = roster_member_of(st->r, author);
		who.member = *m != NULL;
	} else if (poll->proc.p->eligibility) {
		e = elig_find(st->el, st->nel, author);
		who.eligible = e != NULL;
		who.unit = e != NULL ? e->unit : NULL;
	}
	/* Latest across units: a voter who moved to another unit
	 * counts there only (tally_unit picks the unit's ballots). */
	w = ballot_check_at(poll, v, &who, st->opt, unit);
	if (w != BALLOT_OK)
		st->out->not_counted[w]++;
	return w;
}

/* Judges one held event and keeps it in the set if it counts (its voter's
 * latest is picked later). */
static int take(take_t *st, const model_ev_t *ev)
{
	const roster_member_t *m;
	int unit;

	if (ev->body->content_case != WIEC__BODY__CONTENT_VOTE ||
	    judge(st, ev->id, ev->author, ev->body->vote, &m, &unit) != BALLOT_OK)
		return 0;
	{
		uint8_t who[KEY_PK_BYTES];
		uint32_t rank = 0;

		if (m != NULL)
			roster_identity(st->r, ev->author, who, &rank);
		return bset_add(&st->o->set, st->poll, ev, m != NULL ? m->key : ev->author, rank,
		    unit);
	}
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

/* ---- the summed path: no record per ballot, each voter's latest after ---- */

int recount_summed(const model_view_t *v, const ballot_poll_t *poll)
{
	tally_rule_t rule = poll->rule;

	/* A budget poll of ranked or cumulative ballots (pb import) scores
	 * them by place or points, which the sums below do not give. */
	return v->scan != NULL && poll->p->decision == WIEC__DECISION__DECISION_NONE &&
	    rule != TALLY_MES && rule != TALLY_MES_ADD1 && rule != TALLY_MES_ADD1_CMP &&
	    (poll->p->kind != WIEC__POLL_KIND__POLL_BUDGET ||
	    poll->p->ballot == WIEC__POLL_KIND__POLL_NONE);
}

/* Adds one counted ballot (with opt and unit as ballot_check_at gave them)
 * to the sums, d = 1, or takes it back, d = -1 (mod 2^64): the same sums,
 * whatever the order, as the rules of model/tally.c make per ballot. */
static void sums_apply(take_t *st, const Wiec__Vote *v, const uint32_t *opt, int unit,
    uint64_t d)
{
	recount_sums_t *m = &st->o->sums;
	uint64_t last = st->poll->nopt - 1;

	if (v->withdraw) {
		st->withdrawn += d;
		return;
	}
	st->counted += d;
	m->ballots[unit < 0 ? 0 : unit] += d;
	if (st->poll->p->kind == WIEC__POLL_KIND__POLL_YESNO) {
		if (v->answer == WIEC__ANSWER__ANSWER_YES)
			m->yes += d;
		else if (v->answer == WIEC__ANSWER__ANSWER_NO)
			m->no += d;
		else
			m->abstain += d;
	}
	for (size_t k = 0; k < v->n_choices; k++) {
		uint32_t o = opt[k];

		m->approvals[o] += d;
		m->points[o] += d * v->choices[k]->points;
		m->borda[o] += d * (last - k);
	}
	if (v->n_choices > 0)
		m->first[opt[0]] += d;
}

/* The bits of a voter key that the summed path keeps per ballot: its
 * first four bytes (uniform: a public key's). */
static uint32_t voter_key(const uint8_t voter[static KEY_PK_BYTES])
{
	return (uint32_t)voter[0] << 24 | (uint32_t)voter[1] << 16 | (uint32_t)voter[2] << 8 |
	    voter[3];
}

/* Reads ref r's ballot again into *v (in place, or decoded into *dec, which
 * the caller frees): it was read once, so it reads as a Vote again. */
static int ref_read(take_t *st, const sref_t *r, Wiec__Vote *v, const Wiec__Vote **vp,
    uint8_t author[static KEY_PK_BYTES], uint64_t *seq, Wiec__Body **dec)
{
	*dec = NULL;
	*vp = v;
	if (ballot_read_vote(st->raw, r->body, r->len, v, author, seq) == 1)
		return 0;
	if ((*dec = wiec__body__unpack(NULL, r->len, r->body)) == NULL ||
	    (*dec)->content_case != WIEC__BODY__CONTENT_VOTE || (*dec)->author.len != KEY_PK_BYTES)
		return WIEC_ERR_CORRUPT;
	memcpy(author, (*dec)->author.data, KEY_PK_BYTES);
	*seq = (*dec)->seq;
	*vp = (*dec)->vote;
	return 0;
}

/* Takes ref r's ballot back out of the sums: a later one of its voter
 * replaces it. */
static int ref_drop(take_t *st, const sref_t *r)
{
	const ballot_poll_t *poll = st->poll;
	const Wiec__Vote *v;
	Wiec__Vote vote;
	Wiec__Body *dec;
	uint8_t author[KEY_PK_BYTES];
	uint64_t seq;
	int rc, unit = -1;

	if ((rc = ref_read(st, r, &vote, &v, author, &seq, &dec)) == 0) {
		for (size_t k = 0; k < v->n_choices && !v->withdraw; k++)
			st->opt[k] = (uint32_t)ballot_option_find(poll,
			    v->choices[k]->project.data);
		if (poll->p->kind == WIEC__POLL_KIND__POLL_BUDGET && !v->withdraw)
			unit = ballot_unit_find(poll->proc.p, v->unit);
		sums_apply(st, v, st->opt, unit, (uint64_t)-1);
		st->superseded++;
	}
	if (dec != NULL)
		wiec__body__free_unpacked(dec, NULL);
	return rc;
}

/* Of refs a and b (the same voter_key): 0 when their voters differ, else
 * 1 when b is the later ballot by (seq, id), -1 when a is. */
static int ref_later(take_t *st, const sref_t *a, const sref_t *b, int *which)
{
	uint8_t va[KEY_PK_BYTES], vb[KEY_PK_BYTES];
	uint64_t sa, sb;
	const Wiec__Vote *v;
	Wiec__Vote vote;
	Wiec__Body *dec;
	int rc;

	*which = 0;
	rc = ref_read(st, a, &vote, &v, va, &sa, &dec);
	if (dec != NULL)
		wiec__body__free_unpacked(dec, NULL);
	if (rc != 0)
		return rc;
	rc = ref_read(st, b, &vote, &v, vb, &sb, &dec);
	if (dec != NULL)
		wiec__body__free_unpacked(dec, NULL);
	if (rc != 0 || memcmp(va, vb, KEY_PK_BYTES) != 0)
		return rc;
	if (sa != sb)
		*which = sb > sa ? 1 : -1;
	else
		*which = memcmp(b->id, a->id, HASH_BYTES) > 0 ? 1 : -1;
	return 0;
}

/* Each voter's latest ballot stays in the sums, the others are taken back
 * out: per voter, the later (seq, id) of any two wins, so the outcome is
 * the same whatever order the ballots came in. As bset_pick: the refs'
 * keys partitioned by their top byte, then a small table per part. */
static int sums_pick(take_t *st)
{
	size_t n = st->nref, start[256], max = 0, mask;
	uint64_t *b = NULL;
	uint32_t *t = NULL;
	int rc = WIEC_ERR_NOMEM;

	if (n < 2)
		return 0;
	if (n > UINT32_MAX || (b = malloc(n * sizeof *b)) == NULL)
		goto out;
	for (size_t k = 0; k < 256; k++) {
		if (st->part[k + 1] > max)
			max = st->part[k + 1];
		st->part[k + 1] += st->part[k];
		start[k] = st->part[k];
	}
	for (size_t i = 0; i < n; i++)
		b[start[st->ref[i].key >> 24]++] = (uint64_t)st->ref[i].key << 32 | i;
	for (mask = 1; mask < 2 * max; mask *= 2)
		;
	if ((t = malloc(mask * sizeof *t)) == NULL)
		goto out;
	mask--;
	for (size_t k = 0; k < 256; k++) {
		size_t lo = st->part[k], hi = st->part[k + 1];

		if (lo == hi)
			continue;
		memset(t, 0, (mask + 1) * sizeof *t);
		for (size_t j = lo; j < hi; j++) {
			size_t h = (size_t)(b[j] >> 32) & mask;

			for (;; h = (h + 1) & mask) {
				uint32_t x = t[h];
				const sref_t *old, *new;
				int later;

				if (x == 0) {
					t[h] = (uint32_t)(j - lo) + 1;
					break;
				}
				if (b[lo + x - 1] >> 32 != b[j] >> 32)
					continue;
				old = &st->ref[(uint32_t)b[lo + x - 1]];
				new = &st->ref[(uint32_t)b[j]];
				if ((rc = ref_later(st, old, new, &later)) != 0)
					goto out;
				if (later == 0)
					continue;	/* another voter with the same key bits */
				if (later > 0) {
					t[h] = (uint32_t)(j - lo) + 1;
					rc = ref_drop(st, old);
				} else {
					rc = ref_drop(st, new);
				}
				if (rc != 0)
					goto out;
				break;
			}
		}
	}
	rc = 0;
out:
	free(b);
	free(t);
	return rc;
}

/* Remembers a counted ballot of the summed path by where its bytes are. */
static inline int sref_add(take_t *st, const uint8_t id[static HASH_BYTES], const uint8_t *body,
    size_t len, const uint8_t author[static KEY_PK_BYTES])
{
	if (mem_grow((void **)&st->ref, &st->capref, st->nref + 1, sizeof *st->ref) != 0)
		return WIEC_ERR_NOMEM;
	if (len > UINT32_MAX)
		return WIEC_ERR_NOMEM;
	st->ref[st->nref].id = id;
	st->ref[st->nref].body = body;
	st->ref[st->nref].len = (uint32_t)len;
	st->ref[st->nref].key = voter_key(author);
	st->part[(st->ref[st->nref].key >> 24) + 1]++;
	st->nref++;
	return 0;
}


/* Whether the NUL-terminated s is the ulen bytes at u (which then hold no
 * NUL either). Never reads s past its NUL. */
static RD_INLINE int eq_label(const char *s, const uint8_t *u, size_t ulen)
{
	for (size_t k = 0; k < ulen; k++)
		if (s[k] == '\0' || (uint8_t)s[k] != u[k])
			return 0;
	return s[ulen] == '\0';
}

/* The common ballot, judged without building a Vote (recount.h). unit_len
 * is strlen of each unit's name (NULL: the process has none). */
static RD_INLINE int fast_judge(const ballot_poll_t *poll, const size_t *unit_len,
    const recount_elig_t *el, size_t nel, const uint8_t *frontier, size_t nf,
    const uint8_t id[static HASH_BYTES], const uint8_t *b, size_t n,
    uint32_t opt[static RECOUNT_FAST_CHOICES], size_t *ncp, int *unitp,
    const uint8_t **authorp)
{
	const Wiec__Poll *p = poll->p;
	const Wiec__Process *proc = poll->proc.p;
	const uint8_t *author, *vb, *unit = NULL;
	size_t i, vn, ulen = 0, nc = 0;
	uint64_t seq, cost = 0;
	int u = -1;

	if (p->kind == WIEC__POLL_KIND__POLL_YESNO || p->kind == WIEC__POLL_KIND__POLL_CUMULATIVE ||
	    p->ballot != WIEC__POLL_KIND__POLL_NONE || p->decision != WIEC__DECISION__DECISION_NONE ||
	    proc == NULL)
		return 0;
	/* The header: network, author, seq, [prev], [timestamp], the Vote last. */
	if ((i = rd_plain_head(b, n, &seq)) == RD_BAD)
		return 0;
	author = b + 36;
	vb = b + i;
	vn = n - i;
	/* process and poll: this poll's */
	if (vn < 68 || vb[0] != TAG(1, 2) || vb[1] != HASH_BYTES || vb[34] != TAG(2, 2) ||
	    vb[35] != HASH_BYTES || !ballot_id_eq(vb + 2, p->process.data) ||
	    !ballot_id_eq(vb + 36, poll->ev.id))
		return 0;
	i = 68;
	if (i + 2 <= vn && vb[i] == TAG(3, 2)) {
		/* No NUL test: it must equal a unit's name or none. */
		ulen = vb[i + 1];
		if (ulen == 0 || ulen > EV_LABEL_MAX || ulen > vn - i - 2)
			return 0;
		unit = vb + i + 2;
		i += 2 + ulen;
	}
	while (i < vn && vb[i] == TAG(4, 2)) {
		long o;

		if (nc == RECOUNT_FAST_CHOICES || vn - i < 36 || vb[i + 1] != 2 + HASH_BYTES ||
		    vb[i + 2] != TAG(1, 2) || vb[i + 3] != HASH_BYTES ||
		    (o = ballot_option_find(poll, vb + i + 4)) < 0)
			return 0;
		for (size_t k = 0; k < nc; k++)
			if (opt[k] == (uint32_t)o)
				return 0;
		opt[nc++] = (uint32_t)o;
		i += 36;
	}
	if (i != vn)
		return 0;
	if (frontier != NULL && !ballot_in_frontier(frontier, nf, id))
		return 0;
	/* The voter: eligible, in the ballot's unit if the credential names one. */
	if (proc->eligibility) {
		const recount_elig_t *e = elig_find(el, nel, author);

		if (e == NULL || (e->unit != NULL && (unit == NULL || !eq_label(e->unit, unit, ulen))))
			return 0;
	}
	if (p->kind == WIEC__POLL_KIND__POLL_BUDGET) {
		for (size_t k = 0; k < proc->n_units && u < 0; k++)
			if (unit != NULL && unit_len != NULL && unit_len[k] == ulen &&
			    memcmp(proc->units[k]->name, unit, ulen) == 0)
				u = (int)k;
		if (u < 0)
			return 0;
		for (size_t k = 0; k < nc; k++) {
			const ballot_option_t *op = &poll->opt[opt[k]];

			if (op->unit != u || (!p->no_cost_limit &&
			    op->cost > proc->units[u]->budget - cost))
				return 0;
			cost += op->cost;
		}
	} else if (unit != NULL) {
		return 0;
	}
	if (p->kind == WIEC__POLL_KIND__POLL_CHOOSE_ONE ? nc != 1 :
	    nc < p->min || (p->max != 0 && nc > p->max))
		return 0;
	*ncp = nc;
	*unitp = u;
	*authorp = author;
	return 1;
}

int recount_fast_accepts(const ballot_poll_t *poll, const uint8_t *body, size_t n,
    uint32_t opt[static RECOUNT_FAST_CHOICES], size_t *nc, int *unit)
{
	static const uint8_t none[HASH_BYTES];
	size_t len[EV_UNITS_MAX];
	const uint8_t *author;
	const Wiec__Process *proc = poll->proc.p;

	if (proc == NULL || proc->n_units > EV_UNITS_MAX || proc->eligibility)
		return 0;
	for (size_t k = 0; k < proc->n_units; k++)
		len[k] = strlen(proc->units[k]->name);
	return fast_judge(poll, len, NULL, 0, NULL, 0, none, body, n, opt, nc, unit, &author);
}

/* The common ballot of the summed path (fast_judge): added to the sums as
 * scan_sum would add it. 1: taken; 0: scan_sum decides (the general way,
 * which alone names reasons); -1: out of memory. */
static int fast_take(take_t *st, const uint8_t id[static HASH_BYTES], const uint8_t *b,
    size_t n)
{
	const ballot_poll_t *poll = st->poll;
	recount_sums_t *m = &st->o->sums;
	const uint8_t *author;
	uint32_t opt[RECOUNT_FAST_CHOICES];
	size_t nc;
	int u;

	if (!fast_judge(poll, st->unit_len, st->el, st->nel, st->frontier, st->nf, id, b, n, opt,
	    &nc, &u, &author))
		return 0;
	/* Counted: as sums_apply(st, v, opt, u, 1) with no points. */
	if (sref_add(st, id, b, n, author) != 0)
		return -1;
	st->counted++;
	m->ballots[u < 0 ? 0 : u]++;
	for (size_t k = 0; k < nc; k++) {
		m->approvals[opt[k]]++;
		m->borda[opt[k]] += poll->nopt - 1 - k;
	}
	if (nc > 0)
		m->first[opt[0]]++;
	return 1;
}

/* scan() on the summed path: one event's packed body, read in place when it
 * is a plain ballot, else decoded by protobuf-c; judged; if it counts,
 * added to the sums and remembered by where its bytes are. */
static int scan_sum(void *arg, const uint8_t id[static HASH_BYTES], const uint8_t *body,
    size_t len)
{
	take_t *st = arg;
	const roster_member_t *m;
	const Wiec__Vote *v = NULL;
	Wiec__Vote vote;
	Wiec__Body *dec = NULL;
	uint8_t author[KEY_PK_BYTES];
	uint64_t seq;
	int rc, unit;

	if ((rc = fast_take(st, id, body, len)) != 0)
		return rc < 0 ? WIEC_ERR_NOMEM : 0;
	rc = ballot_read_vote(st->raw, body, len, &vote, author, &seq);
	if (rc == 0)
		return 0;	/* not a ballot */
	if (rc == 1) {
		v = &vote;
	} else {
		if ((dec = wiec__body__unpack(NULL, len, body)) == NULL ||
		    dec->author.len != KEY_PK_BYTES) {
			rc = WIEC_ERR_CORRUPT;
			goto out;
		}
		rc = 0;
		if (dec->content_case != WIEC__BODY__CONTENT_VOTE)
			goto out;
		v = dec->vote;
		memcpy(author, dec->author.data, KEY_PK_BYTES);
	}
	rc = 0;
	if (judge(st, id, author, v, &m, &unit) != BALLOT_OK)
		goto out;
	if ((rc = sref_add(st, id, body, len, author)) != 0)
		goto out;
	sums_apply(st, v, st->opt, unit, 1);
out:
	if (dec != NULL)
		wiec__body__free_unpacked(dec, NULL);
	return rc;
}

static int sums_init(recount_sums_t *m, const ballot_poll_t *poll)
{
	size_t n = poll->nopt + 1;

	if ((m->approvals = calloc(n, sizeof *m->approvals)) == NULL ||
	    (m->points = calloc(n, sizeof *m->points)) == NULL ||
	    (m->first = calloc(n, sizeof *m->first)) == NULL ||
	    (m->borda = calloc(n, sizeof *m->borda)) == NULL ||
	    (m->ballots = calloc(poll->proc.p->n_units + 1, sizeof *m->ballots)) == NULL)
		return WIEC_ERR_NOMEM;
	return 0;
}

void recount_out_free(recount_out_t *o)
{
	recount_set_free(&o->set);
	free(o->sums.approvals);
	free(o->sums.points);
	free(o->sums.first);
	free(o->sums.borda);
	free(o->sums.ballots);
	memset(o, 0, sizeof *o);
}

/* The summed path: one scan, then each voter's latest. */
static int collect_sums(const model_view_t *v, take_t *st, ballot_tally_t *out)
{
	int rc;

	st->o->summed = 1;
	if ((rc = sums_init(&st->o->sums, st->poll)) != 0)
		return rc;
	if (st->poll->proc.p != NULL && st->poll->proc.p->n_units > 0) {
		const Wiec__Process *proc = st->poll->proc.p;

		if ((st->unit_len = malloc(proc->n_units * sizeof *st->unit_len)) == NULL)
			return WIEC_ERR_NOMEM;
		for (size_t k = 0; k < proc->n_units; k++)
			st->unit_len[k] = strlen(proc->units[k]->name);
	}
	if ((st->raw = malloc(sizeof *st->raw)) == NULL) {
		free(st->unit_len);
		st->unit_len = NULL;
		return WIEC_ERR_NOMEM;
	}
	rc = v->scan(v->ctx, st->poll->p->process.data, MREF_BALLOT, scan_sum, st);
	if (rc == 0)
		rc = sums_pick(st);
	free(st->ref);
	free(st->unit_len);
	st->unit_len = NULL;
	free(st->raw);
	st->raw = NULL;
	if (rc != 0)
		return rc;
	out->counted = st->counted;
	out->not_counted[BALLOT_SUPERSEDED] = st->superseded;
	out->not_counted[BALLOT_WITHDRAWN] = st->withdrawn;
	return 0;
}

/* The records path: every counted ballot kept, then each voter's latest. */
static int collect_set(const model_view_t *v, take_t *st, ballot_tally_t *out)
{
	recount_set_t *s = &st->o->set;
	model_ids_t ids = { 0 };
	size_t keep = 0;
	int rc;

	if (v->scan != NULL) {
		st->raw = malloc(sizeof *st->raw);	/* NULL: protobuf-c alone */
		rc = v->scan(v->ctx, st->poll->p->process.data, MREF_BALLOT, scan_one, st);
		free(st->raw);
		st->raw = NULL;
	} else {
		if ((rc = model_ids_collect(v, st->poll->p->process.data, MREF_BALLOT, &ids)) != 0)
			goto out;
		for (size_t i = 0; i < ids.n; i++) {
			model_ev_t ev;

			if ((rc = v->get(v->ctx, ids.id[i], &ev)) == WIEC_ERR_NOTFOUND)
				continue;
			if (rc != 0)
				goto out;
			rc = take(st, &ev);
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

int recount_collect(const model_view_t *v, const recount_in_t *in, recount_out_t *o,
    ballot_tally_t *out)
{
	take_t *st = calloc(1, sizeof *st);
	int rc;

	if (st == NULL)
		return WIEC_ERR_NOMEM;
	st->poll = in->poll;
	st->r = in->r;
	st->frontier = in->frontier;
	st->nf = in->nf;
	st->el = in->el;
	st->nel = in->nel;
	st->o = o;
	st->out = out;
	rc = recount_summed(v, in->poll) ? collect_sums(v, st, out) : collect_set(v, st, out);
	free(st);
	return rc;
}
