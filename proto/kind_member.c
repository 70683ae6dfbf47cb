/* kind_member.c: who writes: announce (any author names itself), and
 * the changes of the members' roster (spec/members.md): member, approve. */
#include <inttypes.h>
#include <string.h>

#include "crypto/err.h"
#include "crypto/hash.h"
#include "proto/kind_int.h"

/* ---- announce: who the author is ---- */

static int announce_check(const Wiec__Body *b)
{
	const Wiec__Announce *a = b->announce;

	if (!ev_text_ok(a->name, 1, EV_NAME_MAX, 0) || a->role < WIEC__ROLE__ROLE_NONE ||
	    a->role > WIEC__ROLE__ROLE_OTHER)
		return WIEC_ERR_FIELD;
	return 0;
}

static void announce_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	ev_fput_text(f, b->announce->name, strlen(b->announce->name));
	fprintf(f, " (%s)\n", fmt->role_name(b->announce->role));
}

static void announce_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	fprintf(f, ", \"name\": ");
	fmt->json_str(f, b->announce->name);
	fprintf(f, ", \"role\": \"%s\"", fmt->role_name(b->announce->role));
}

/* ---- member: add, remove or rotate a member organisation ---- */

/* A member record: as a genesis founder (spec/events.md section 6). */
static int founder_ok(const Wiec__Founder *m)
{
	if (m->key.len != KEY_PK_BYTES || m->transport.len != KEY_X_BYTES ||
	    !ev_text_ok(m->name, 1, EV_NAME_MAX, 0) || m->role < WIEC__ROLE__ROLE_CITY ||
	    m->role > WIEC__ROLE__ROLE_OTHER || m->n_endpoints > EV_ENDPOINTS_MAX)
		return 0;
	for (size_t i = 0; i < m->n_endpoints; i++)
		if (!ev_text_ok(m->endpoints[i], 1, EV_ENDPOINT_MAX, 0))
			return 0;
	return 1;
}

static int member_check(const Wiec__Body *b)
{
	const Wiec__MemberChange *c = b->member;

	if (!opt_id_ok(&c->after) || !reason_ok(c->reason, 0))
		return WIEC_ERR_FIELD;
	switch (c->op) {
	case WIEC__MEMBER_OP__MEMBER_ADD:
		return c->member != NULL && founder_ok(c->member) && c->key.len == 0 ?
		    0 : WIEC_ERR_FIELD;
	case WIEC__MEMBER_OP__MEMBER_REMOVE:
		return c->member == NULL && c->key.len == KEY_PK_BYTES ? 0 : WIEC_ERR_FIELD;
	case WIEC__MEMBER_OP__MEMBER_ROTATE:
		return c->member != NULL && founder_ok(c->member) && c->key.len == KEY_PK_BYTES ?
		    0 : WIEC_ERR_FIELD;
	default:
		return WIEC_ERR_FIELD;
	}
}

static void member_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	char hex[HASH_HEX_BYTES];
	const Wiec__MemberChange *c = b->member;

	(void)fmt;
	if (c->member != NULL) {
		fprintf(f, "%s %s ", kind_member_op_name(c->op), short_id(hex, &c->member->key));
		ev_fput_text(f, c->member->name, strlen(c->member->name));
		fputc('\n', f);
	} else {
		fprintf(f, "%s %s\n", kind_member_op_name(c->op), short_id(hex, &c->key));
	}
}

static void member_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	const Wiec__MemberChange *c = b->member;

	fprintf(f, ", \"op\": \"%s\"", kind_member_op_name(c->op));
	if (c->member != NULL) {
		const Wiec__Founder *m = c->member;
		char hex[HASH_HEX_BYTES];

		hash_hex(hex, m->key.data, KEY_PK_BYTES);
		fprintf(f, ", \"member\": {\"key\": \"%s\", \"name\": ", hex);
		fmt->json_str(f, m->name);
		hash_hex(hex, m->transport.data, KEY_X_BYTES);
		fprintf(f, ", \"role\": \"%s\", \"transport\": \"%s\", \"endpoints\": [",
		    fmt->role_name(m->role), hex);
		for (size_t i = 0; i < m->n_endpoints; i++) {
			if (i)
				fprintf(f, ", ");
			fmt->json_str(f, m->endpoints[i]);
		}
		fprintf(f, "]}");
	} else {
		fprintf(f, ", \"member\": null");
	}
	json_id(f, "key", &c->key);
	json_id(f, "after", &c->after);
	json_text(f, "reason", c->reason, fmt);
}

/* ---- approve: a cosignature of a member change or phase change ---- */

static int approve_check(const Wiec__Body *b)
{
	return id_ok(&b->approve->target) ? 0 : WIEC_ERR_FIELD;
}

static void approve_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	char hex[HASH_HEX_BYTES];

	(void)fmt;
	fprintf(f, "%s\n", short_id(hex, &b->approve->target));
}

static void approve_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	(void)fmt;
	json_id(f, "target", &b->approve->target);
}

/* ---- the rows (kind.c lists them in spec/events.md order) ---- */

const kind_t kind_row_announce = {
	WIEC__BODY__CONTENT_ANNOUNCE, "announce", announce_check, announce_text, announce_json
};

const kind_t kind_row_member = {
	WIEC__BODY__CONTENT_MEMBER, "member", member_check, member_text, member_json
};

const kind_t kind_row_approve = {
	WIEC__BODY__CONTENT_APPROVE, "approve", approve_check, approve_text, approve_json
};
