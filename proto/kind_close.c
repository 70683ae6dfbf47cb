/* kind_close.c: the close kinds (spec/close.md): close, prepare,
 * promise, proposal, cosign, idpart. */
#include <inttypes.h>
#include <string.h>

#include "crypto/err.h"
#include "crypto/hash.h"
#include "proto/kind_int.h"

/* ---- the close (spec/close.md section 2) ---- */

/* A list of ids: sorted, distinct 32-byte ids concatenated, min..max. */
static int idlist_ok(const ProtobufCBinaryData *d, size_t min, size_t max)
{
	size_t n = d->len / HASH_BYTES;

	if (d->len % HASH_BYTES != 0 || n < min || n > max)
		return 0;
	for (size_t i = 1; i < n; i++)
		if (memcmp(d->data + (i - 1) * HASH_BYTES, d->data + i * HASH_BYTES, HASH_BYTES) >= 0)
			return 0;
	return 1;
}

/* Part hashes a list names: 0..EV_CLOSE_IDS_MAX of 32 bytes, any order
 * (distinctness follows from the resolved list's; spec/close.md s3). */
static int parts_ok(const ProtobufCBinaryData *d)
{
	return d->len % HASH_BYTES == 0 && d->len / HASH_BYTES <= EV_CLOSE_IDS_MAX;
}

static int idpart_check(const Wiec__Body *b)
{
	const Wiec__IdPart *p = b->idpart;

	if (!id_ok(&p->process) || p->level > EV_IDPART_LEVEL_MAX || p->items.len == 0 ||
	    !parts_ok(&p->items))
		return WIEC_ERR_FIELD;
	/* Level 0 holds event ids, sorted and distinct; above, hashes in list order. */
	return p->level > 0 || idlist_ok(&p->items, 1, EV_CLOSE_IDS_MAX) ? 0 : WIEC_ERR_FIELD;
}

static int cvalue_ok(const Wiec__CloseValue *v)
{
	return v != NULL && id_ok(&v->root) && id_ok(&v->result);
}

static int close_check(const Wiec__Body *b)
{
	const Wiec__Close *c = b->close;

	return id_ok(&c->process) && id_ok(&c->roster) && idlist_ok(&c->seal, 0, EV_CLOSE_IDS_MAX) ?
	    0 : WIEC_ERR_FIELD;
}

static int prepare_check(const Wiec__Body *b)
{
	const Wiec__Prepare *p = b->prepare;

	return id_ok(&p->process) && id_ok(&p->roster) && p->counter >= 1 ? 0 : WIEC_ERR_FIELD;
}

static int promise_check(const Wiec__Body *b)
{
	const Wiec__Promise *p = b->promise;
	const Wiec__Accepted *a = p->accepted;

	if (!id_ok(&p->process) || !id_ok(&p->roster) || p->proposer.len != KEY_PK_BYTES ||
	    !idlist_ok(&p->seal, 0, EV_CLOSE_IDS_MAX) || !parts_ok(&p->seal_parts) ||
	    (p->seal.len > 0 && p->seal_parts.len > 0))
		return WIEC_ERR_FIELD;
	/* The last cosign names a round below the promise's own. */
	if (a != NULL && (a->proposer.len != KEY_PK_BYTES || !cvalue_ok(a->value) ||
	    a->counter > p->counter || (a->counter == p->counter &&
	    memcmp(a->proposer.data, p->proposer.data, KEY_PK_BYTES) >= 0)))
		return WIEC_ERR_FIELD;
	return 0;
}

static int proposal_check(const Wiec__Body *b)
{
	const Wiec__Proposal *p = b->proposal;

	if (!id_ok(&p->process) || !id_ok(&p->roster) || !cvalue_ok(p->value) ||
	    !idlist_ok(&p->promises, 1, 256) || !idlist_ok(&p->frontier, 0, EV_CLOSE_IDS_MAX) ||
	    !parts_ok(&p->frontier_parts))
		return WIEC_ERR_FIELD;
	/* By parts, the frontier's size is checked when they are resolved. */
	if (p->frontier_parts.len > 0)
		return p->frontier.len == 0 && p->value->count > 0 ? 0 : WIEC_ERR_FIELD;
	return p->value->count == p->frontier.len / HASH_BYTES ? 0 : WIEC_ERR_FIELD;
}

static int cosign_check(const Wiec__Body *b)
{
	const Wiec__Cosign *c = b->cosign;

	return id_ok(&c->process) && id_ok(&c->roster) && c->proposer.len == KEY_PK_BYTES &&
	    cvalue_ok(c->value) && id_ok(&c->proposal) ? 0 : WIEC_ERR_FIELD;
}

static void cvalue_json(FILE *f, const char *name, const Wiec__CloseValue *v)
{
	char r[HASH_HEX_BYTES], h[HASH_HEX_BYTES];

	hash_hex(r, v->root.data, HASH_BYTES);
	hash_hex(h, v->result.data, HASH_BYTES);
	fprintf(f, ", \"%s\": {\"root\": \"%s\", \"count\": %" PRIu64 ", \"result\": \"%s\"}", name,
	    r, v->count, h);
}

static void idlist_json(FILE *f, const char *name, const ProtobufCBinaryData *d)
{
	char hex[HASH_HEX_BYTES];

	fprintf(f, ", \"%s\": [", name);
	for (size_t i = 0; i < d->len / HASH_BYTES; i++) {
		hash_hex(hex, d->data + i * HASH_BYTES, HASH_BYTES);
		fprintf(f, "%s\"%s\"", i ? ", " : "", hex);
	}
	fprintf(f, "]");
}

static void close_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	char hex[HASH_HEX_BYTES];

	(void)fmt;
	fprintf(f, "closes process %s, seal of %zu\n", short_id(hex, &b->close->process),
	    b->close->seal.len / HASH_BYTES);
}

static void close_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	(void)fmt;
	json_id(f, "process", &b->close->process);
	json_id(f, "roster", &b->close->roster);
	idlist_json(f, "seal", &b->close->seal);
}

static void prepare_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	char hex[HASH_HEX_BYTES];

	(void)fmt;
	fprintf(f, "prepares round %" PRIu64 " of process %s\n", b->prepare->counter,
	    short_id(hex, &b->prepare->process));
}

static void prepare_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	(void)fmt;
	json_id(f, "process", &b->prepare->process);
	json_id(f, "roster", &b->prepare->roster);
	fprintf(f, ", \"counter\": %" PRIu64, b->prepare->counter);
}

static void promise_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	char hex[HASH_HEX_BYTES];

	(void)fmt;
	if (b->promise->seal_parts.len > 0)
		fprintf(f, "promises round %" PRIu64 " of process %s, seal in %zu parts%s\n",
		    b->promise->counter, short_id(hex, &b->promise->process),
		    b->promise->seal_parts.len / HASH_BYTES,
		    b->promise->accepted ? ", reports a cosign" : "");
	else
		fprintf(f, "promises round %" PRIu64 " of process %s, seal of %zu%s\n",
		    b->promise->counter, short_id(hex, &b->promise->process),
		    b->promise->seal.len / HASH_BYTES,
		    b->promise->accepted ? ", reports a cosign" : "");
}

static void promise_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	const Wiec__Promise *p = b->promise;

	(void)fmt;
	json_id(f, "process", &p->process);
	json_id(f, "roster", &p->roster);
	fprintf(f, ", \"counter\": %" PRIu64, p->counter);
	json_id(f, "proposer", &p->proposer);
	idlist_json(f, "seal", &p->seal);
	idlist_json(f, "seal_parts", &p->seal_parts);
	if (p->accepted == NULL) {
		fprintf(f, ", \"accepted\": null");
		return;
	}
	fprintf(f, ", \"accepted\": {\"counter\": %" PRIu64, p->accepted->counter);
	json_id(f, "proposer", &p->accepted->proposer);
	cvalue_json(f, "value", p->accepted->value);
	fprintf(f, "}");
}

static void proposal_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	char hex[HASH_HEX_BYTES];

	(void)fmt;
	fprintf(f, "proposes round %" PRIu64 " of process %s: %" PRIu64 " counted events\n",
	    b->proposal->counter, short_id(hex, &b->proposal->process), b->proposal->value->count);
}

static void proposal_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	const Wiec__Proposal *p = b->proposal;

	(void)fmt;
	json_id(f, "process", &p->process);
	json_id(f, "roster", &p->roster);
	fprintf(f, ", \"counter\": %" PRIu64, p->counter);
	cvalue_json(f, "value", p->value);
	idlist_json(f, "frontier", &p->frontier);
	idlist_json(f, "frontier_parts", &p->frontier_parts);
	idlist_json(f, "promises", &p->promises);
}

static void idpart_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	char hex[HASH_HEX_BYTES];

	(void)fmt;
	fprintf(f, "part of a close list of process %s: level %" PRIu32 ", %zu items\n",
	    short_id(hex, &b->idpart->process), b->idpart->level,
	    b->idpart->items.len / HASH_BYTES);
}

static void idpart_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	(void)fmt;
	json_id(f, "process", &b->idpart->process);
	fprintf(f, ", \"level\": %" PRIu32, b->idpart->level);
	idlist_json(f, "items", &b->idpart->items);
}

static void cosign_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	char hex[HASH_HEX_BYTES], h2[HASH_HEX_BYTES];

	(void)fmt;
	fprintf(f, "cosigns round %" PRIu64 " of process %s: proposal %s\n", b->cosign->counter,
	    short_id(hex, &b->cosign->process), short_id(h2, &b->cosign->proposal));
}

static void cosign_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	const Wiec__Cosign *c = b->cosign;

	(void)fmt;
	json_id(f, "process", &c->process);
	json_id(f, "roster", &c->roster);
	fprintf(f, ", \"counter\": %" PRIu64, c->counter);
	json_id(f, "proposer", &c->proposer);
	cvalue_json(f, "value", c->value);
	json_id(f, "proposal", &c->proposal);
}

/* ---- the rows (kind.c lists them in spec/events.md order) ---- */

const kind_t kind_row_close = {
	WIEC__BODY__CONTENT_CLOSE, "close", close_check, close_text, close_json
};

const kind_t kind_row_prepare = {
	WIEC__BODY__CONTENT_PREPARE, "prepare", prepare_check, prepare_text, prepare_json
};

const kind_t kind_row_promise = {
	WIEC__BODY__CONTENT_PROMISE, "promise", promise_check, promise_text, promise_json
};

const kind_t kind_row_proposal = {
	WIEC__BODY__CONTENT_PROPOSAL, "proposal", proposal_check, proposal_text, proposal_json
};

const kind_t kind_row_cosign = {
	WIEC__BODY__CONTENT_COSIGN, "cosign", cosign_check, cosign_text, cosign_json
};

const kind_t kind_row_idpart = {
	WIEC__BODY__CONTENT_IDPART, "idpart", idpart_check, idpart_text, idpart_json
};
