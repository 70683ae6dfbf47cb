/* credential.h: eligibility of a resident's key in a process (spec/model.md
 * section 10). Only the registrar that issued a credential can
 * link the key to a person, through its own records outside the log. */
#ifndef WIEC_MODEL_CREDENTIAL_H
#define WIEC_MODEL_CREDENTIAL_H

#include "model/process.h"

typedef struct model_cred {
	int eligible;
	/* When eligible: the credential whose attributes apply (the latest of
	 * the smallest registrar key whose latest is not a revocation). */
	model_ev_t ev;
	/* Every credential naming the key in the process's scope: counted ones
	 * (each registrar's latest) first by registrar, then the rest. */
	model_items_t all;
} model_cred_t;

/* The standing of key in process p (which must be loaded; a process that
 * is not valid makes no one eligible). */
int model_credential(const model_view_t *v, const roster_t *r, const model_process_t *p,
    const uint8_t key[static KEY_PK_BYTES], model_cred_t *out);
void model_cred_free(model_cred_t *c);

/* The value of attribute name of an eligible credential, or NULL. */
const char *model_cred_attr(const model_cred_t *c, const char *name);

/* Whether key's ideas and supports count in p: 1 when p is NULL (the bank)
 * or does not ask for eligibility, else whether key is eligible. */
int model_eligible(const model_view_t *v, const roster_t *r, const model_process_t *p,
    const uint8_t key[static KEY_PK_BYTES], int *ok);

#endif
