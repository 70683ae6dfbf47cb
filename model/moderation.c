/* moderation.c: reports, decisions, appeals and comment threads
 * (spec/model.md sections 7-8). */
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "crypto/mem.h"
#include "model/moderation.h"

static const ProtobufCBinaryData *mod_after(const Wiec__Body *b)
{
	return &b->moderation->after;
}

void model_moderation_free(model_moderation_t *m)
{
	model_items_free(&m->decisions);
	model_items_free(&m->reports);
	model_items_free(&m->appeals);
	memset(m, 0, sizeof *m);
}

static int appeal_cmp(const void *a, const void *b)
{
	const model_item_t *x = a, *y = b;

	if ((x->why == MODEL_OK) != (y->why == MODEL_OK))
		return x->why == MODEL_OK ? -1 : 1;
	return memcmp(x->ev.id, y->ev.id, HASH_BYTES);
}

int model_moderation_fold(const model_view_t *v, const roster_t *r, const model_process_t *proc,
    int bank, const uint8_t target[static HASH_BYTES], const uint8_t author[static KEY_PK_BYTES],
    model_moderation_t *out)
{
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = model_items_load(v, target, MREF_MODERATION, WIEC__BODY__CONTENT_MODERATION,
	    &out->decisions)) != 0 ||
	    (rc = model_items_load(v, target, MREF_REPORT, WIEC__BODY__CONTENT_REPORT,
	    &out->reports)) != 0 ||
	    (rc = model_items_load(v, target, MREF_APPEAL, WIEC__BODY__CONTENT_APPEAL,
	    &out->appeals)) != 0)
		goto fail;
	for (size_t i = 0; i < out->decisions.n; i++) {
		model_item_t *d = &out->decisions.it[i];

		if (!bank && (proc == NULL || proc->why != MODEL_OK))
			d->why = MODEL_NO_PROCESS;
		else if (model_role(r, bank ? NULL : proc->p, MODEL_ROLE_MODERATOR, d->ev.author) == NULL)
			d->why = model_why_not(r, d->ev.author);
	}
	if ((rc = model_slot_fold(&out->decisions, mod_after)) != 0)
		goto fail;
	out->hidden = out->decisions.counted &&
	    out->decisions.it[out->decisions.counted - 1].ev.body->moderation->hide;
	out->reports.counted = out->reports.n;
	for (size_t i = 0; i < out->appeals.n; i++)
		if (memcmp(out->appeals.it[i].ev.author, author, KEY_PK_BYTES) != 0)
			out->appeals.it[i].why = MODEL_WRONG_AUTHOR;
	if (out->appeals.n > 0)	/* qsort(NULL, 0, ...) is undefined */
		qsort(out->appeals.it, out->appeals.n, sizeof *out->appeals.it, appeal_cmp);
	while (out->appeals.counted < out->appeals.n &&
	    out->appeals.it[out->appeals.counted].why == MODEL_OK)
		out->appeals.counted++;
	return 0;
fail:
	model_moderation_free(out);
	return rc;
}

int model_root_idea(const model_view_t *v, const uint8_t id[static HASH_BYTES],
    uint8_t root[static HASH_BYTES], uint32_t *depth)
{
	uint8_t cur[HASH_BYTES];
	uint32_t d = 0;

	memcpy(cur, id, HASH_BYTES);
	for (;;) {
		model_ev_t e;
		int rc = v->get(v->ctx, cur, &e), kind;

		if (rc != 0)
			return rc;
		kind = (int)e.body->content_case;
		rc = WIEC_ERR_NOTFOUND;
		if (kind == WIEC__BODY__CONTENT_IDEA) {
			/* A version belongs to its original; a comment on a version
			 * is in no thread (comments answer the original). */
			if (e.body->idea->edit.len != HASH_BYTES) {
				memcpy(root, cur, HASH_BYTES);
				rc = 0;
			} else if (d == 0) {
				memcpy(root, e.body->idea->edit.data, HASH_BYTES);
				rc = 0;
			}
			model_ev_free(&e);
			if (rc == 0 && depth != NULL)
				*depth = d;
			return rc;
		}
		if (kind != WIEC__BODY__CONTENT_COMMENT || d >= MODEL_THREAD_DEPTH) {
			model_ev_free(&e);
			return rc;
		}
		memcpy(cur, e.body->comment->target.data, HASH_BYTES);
		model_ev_free(&e);
		d++;
	}
}

int model_idea_process(const model_view_t *v, const roster_t *r, const uint8_t id[static HASH_BYTES],
    model_process_t *proc, int *bank)
{
	model_ev_t e;
	int rc;

	memset(proc, 0, sizeof *proc);
	*bank = 0;
	if ((rc = v->get(v->ctx, id, &e)) != 0)
		return rc;
	if (e.body->content_case != WIEC__BODY__CONTENT_IDEA) {
		model_ev_free(&e);
		return WIEC_ERR_NOTFOUND;
	}
	if (e.body->idea->process.len != HASH_BYTES)
		*bank = 1;
	else
		rc = model_process_load(v, r, e.body->idea->process.data, proc);
	model_ev_free(&e);
	return rc;
}

/* Author of a held event: 0 or WIEC_ERR_NOTFOUND. */
static int author_of(const model_view_t *v, const uint8_t id[static HASH_BYTES],
    uint8_t author[static KEY_PK_BYTES])
{
	model_ev_t e;
	int rc = v->get(v->ctx, id, &e);

	if (rc == 0) {
		memcpy(author, e.author, KEY_PK_BYTES);
		model_ev_free(&e);
	}
	return rc;
}

int model_moderation_load(const model_view_t *v, const roster_t *r,
    const uint8_t target[static HASH_BYTES], model_moderation_t *out)
{
	uint8_t root[HASH_BYTES], author[KEY_PK_BYTES];
	model_process_t proc;
	int bank = 0, rc;

	memset(out, 0, sizeof *out);
	memset(&proc, 0, sizeof proc);
	if ((rc = model_root_idea(v, target, root, NULL)) != 0 ||
	    (rc = author_of(v, target, author)) != 0)
		return rc;
	rc = model_idea_process(v, r, root, &proc, &bank);
	if (rc != 0 && rc != WIEC_ERR_NOTFOUND)
		return rc;
	rc = model_moderation_fold(v, r, rc == 0 && !bank ? &proc : NULL, bank, target, author, out);
	model_process_free(&proc);
	return rc;
}

void model_thread_free(model_thread_t *t)
{
	for (size_t i = 0; i < t->n; i++)
		model_ev_free(&t->c[i].ev);
	free(t->c);
	memset(t, 0, sizeof *t);
}

typedef struct walk {
	const model_view_t *v;
	const roster_t *r;
	const model_process_t *proc;
	int bank;
	model_thread_t *t;
} walk_t;

/* Appends the comments on parent (index pi; SIZE_MAX: the idea) at depth,
 * each followed by its own answers. */
static int walk(walk_t *w, const uint8_t parent[static HASH_BYTES], size_t pi, uint32_t depth)
{
	model_items_t kids = { 0 };
	int rc;

	if (depth > MODEL_THREAD_DEPTH)
		return 0;
	if ((rc = model_items_load(w->v, parent, MREF_COMMENT, WIEC__BODY__CONTENT_COMMENT,
	    &kids)) != 0)
		goto out;
	for (size_t i = 0; i < kids.n; i++) {
		model_thread_t *t = w->t;
		model_moderation_t m;
		size_t me;

		if (mem_grow((void **)&t->c, &t->cap, t->n + 1, sizeof *t->c) != 0) {
			rc = WIEC_ERR_NOMEM;
			goto out;
		}
		me = t->n++;
		t->c[me].ev = kids.it[i].ev;
		memset(&kids.it[i].ev, 0, sizeof kids.it[i].ev);	/* moved */
		t->c[me].depth = depth;
		t->c[me].parent = pi;
		if ((rc = model_moderation_fold(w->v, w->r, w->proc, w->bank, t->c[me].ev.id,
		    t->c[me].ev.author, &m)) != 0)
			goto out;
		t->c[me].hidden = m.hidden;
		model_moderation_free(&m);
		{
			uint8_t id[HASH_BYTES];

			memcpy(id, t->c[me].ev.id, HASH_BYTES);	/* t->c may move */
			if ((rc = walk(w, id, me, depth + 1)) != 0)
				goto out;
		}
	}
out:
	model_items_free(&kids);
	return rc;
}

int model_thread_load(const model_view_t *v, const roster_t *r, const uint8_t idea[static HASH_BYTES],
    model_thread_t *out)
{
	model_process_t proc;
	int bank = 0, rc;
	walk_t w = { v, r, NULL, 0, out };

	memset(out, 0, sizeof *out);
	rc = model_idea_process(v, r, idea, &proc, &bank);
	if (rc != 0 && rc != WIEC_ERR_NOTFOUND)
		return rc;
	w.proc = rc == 0 && !bank ? &proc : NULL;
	w.bank = bank;
	if ((rc = walk(&w, idea, SIZE_MAX, 1)) != 0)
		model_thread_free(out);
	model_process_free(&proc);
	return rc;
}
