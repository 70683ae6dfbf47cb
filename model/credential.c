/* credential.c: credentials and eligibility (spec/model.md section 10). */
#include <string.h>

#include "crypto/err.h"
#include "model/credential.h"

void model_cred_free(model_cred_t *c)
{
	model_ev_free(&c->ev);
	model_items_free(&c->all);
	memset(c, 0, sizeof *c);
}

int model_credential(const model_view_t *v, const roster_t *r, const model_process_t *p,
    const uint8_t key[static KEY_PK_BYTES], model_cred_t *out)
{
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = model_items_load(v, key, MREF_SUBJECT, WIEC__BODY__CONTENT_CREDENTIAL,
	    &out->all)) != 0)
		goto fail;
	/* Only this scope's credentials concern p: drop the others. */
	for (size_t i = 0; i < out->all.n; ) {
		model_item_t *it = &out->all.it[i];

		if (memcmp(it->ev.body->credential->scope.data, p->scope, HASH_BYTES) != 0) {
			model_ev_free(&it->ev);
			*it = out->all.it[--out->all.n];
			continue;
		}
		if (p->why != MODEL_OK)
			it->why = MODEL_NO_PROCESS;
		else if (model_role(r, p->p, MODEL_ROLE_REGISTRAR, it->ev.author) == NULL)
			it->why = model_why_not(r, it->ev.author);
		i++;
	}
	/* Each registrar's latest; the counted ones come by registrar key, so
	 * the first that is not a revocation is the smallest key's. */
	model_latest_per_author(&out->all, r);
	for (size_t i = 0; i < out->all.counted; i++) {
		const model_ev_t *e = &out->all.it[i].ev;

		if (e->body->credential->revoke)
			continue;
		out->eligible = 1;
		if ((rc = v->get(v->ctx, e->id, &out->ev)) != 0)
			goto fail;
		break;
	}
	return 0;
fail:
	model_cred_free(out);
	return rc;
}

const char *model_cred_attr(const model_cred_t *c, const char *name)
{
	if (!c->eligible || c->ev.body == NULL)
		return NULL;
	for (size_t i = 0; i < c->ev.body->credential->n_attributes; i++)
		if (strcmp(c->ev.body->credential->attributes[i]->name, name) == 0)
			return c->ev.body->credential->attributes[i]->value;
	return NULL;
}

int model_eligible(const model_view_t *v, const roster_t *r, const model_process_t *p,
    const uint8_t key[static KEY_PK_BYTES], int *ok)
{
	model_cred_t c;
	int rc;

	*ok = 1;
	if (p == NULL || !p->p->eligibility)
		return 0;
	if ((rc = model_credential(v, r, p, key, &c)) != 0)
		return rc;
	*ok = c.eligible;
	model_cred_free(&c);
	return 0;
}
