/* kind.c: one row per event kind. Keep the rows in spec/events.md order. */
#include <string.h>

#include "crypto/err.h"
#include "crypto/hash.h"
#include "proto/event.h"
#include "proto/kind.h"

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
	fprintf(f, "%s (%s)\n", b->announce->name, fmt->role_name(b->announce->role));
}

static void announce_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	fprintf(f, ", \"name\": ");
	fmt->json_str(f, b->announce->name);
	fprintf(f, ", \"role\": \"%s\"", fmt->role_name(b->announce->role));
}

/* ---- idea ---- */

static int idea_check(const Wiec__Body *b)
{
	if (!ev_text_ok(b->idea->title, 1, EV_TITLE_MAX, 0) ||
	    !ev_text_ok(b->idea->text, 0, EV_TEXT_MAX, 1))
		return WIEC_ERR_FIELD;
	return 0;
}

static void idea_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	(void)fmt;
	fprintf(f, "%s\n", b->idea->title);
}

static void idea_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	fprintf(f, ", \"title\": ");
	fmt->json_str(f, b->idea->title);
	fprintf(f, ", \"body\": ");
	fmt->json_str(f, b->idea->text);
}

/* ---- comment: on an idea or another comment ---- */

static int comment_check(const Wiec__Body *b)
{
	if (b->comment->target.len != HASH_BYTES || !ev_text_ok(b->comment->text, 1, EV_TEXT_MAX, 1))
		return WIEC_ERR_FIELD;
	return 0;
}

static void comment_text(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	char hex[HASH_HEX_BYTES];

	(void)fmt;
	hash_hex(hex, b->comment->target.data, HASH_BYTES);
	fprintf(f, "on %.16s: %.60s%s\n", hex, b->comment->text,
	    strlen(b->comment->text) > 60 ? "..." : "");
}

static void comment_json(FILE *f, const Wiec__Body *b, const kind_fmt_t *fmt)
{
	char hex[HASH_HEX_BYTES];

	hash_hex(hex, b->comment->target.data, HASH_BYTES);
	fprintf(f, ", \"on\": \"%s\", \"body\": ", hex);
	fmt->json_str(f, b->comment->text);
}

static const kind_t kinds[] = {
	{ WIEC__BODY__CONTENT_ANNOUNCE, "announce", announce_check, announce_text, announce_json },
	{ WIEC__BODY__CONTENT_IDEA, "idea", idea_check, idea_text, idea_json },
	{ WIEC__BODY__CONTENT_COMMENT, "comment", comment_check, comment_text, comment_json },
};

const kind_t *kind_find(int content)
{
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (kinds[i].content == content)
			return &kinds[i];
	return NULL;
}

const char *kind_name(int content)
{
	const kind_t *k = kind_find(content);

	return k != NULL ? k->name : "unknown";
}

int kind_check(const Wiec__Body *b)
{
	const kind_t *k = kind_find((int)b->content_case);

	return k != NULL ? k->check(b) : WIEC_ERR_FIELD;	/* no content at all */
}
