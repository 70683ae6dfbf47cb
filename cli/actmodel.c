/* actmodel.c: what the local model says about an act before it is posted
 * (act.h). The rules are the model's (model/); this file only asks. */
#include <string.h>

#include "cli/act.h"
#include "cli/cli.h"
#include "crypto/err.h"

void act_model_close(act_ctx_t *c)
{
	c->m = NULL;
}

int act_check_process(act_ctx_t *c)
{
	(void)c;
	return 0;
}

int act_check_phase(act_ctx_t *c, const uint8_t process[static HASH_BYTES])
{
	(void)c;
	(void)process;
	return 0;
}

int act_check_idea(act_ctx_t *c, const uint8_t *process)
{
	(void)c;
	(void)process;
	return 0;
}

int act_check_status(act_ctx_t *c, const uint8_t idea[static HASH_BYTES])
{
	(void)c;
	(void)idea;
	return 0;
}

int act_check_evaluation(act_ctx_t *c, const uint8_t idea[static HASH_BYTES])
{
	(void)c;
	(void)idea;
	return 0;
}

int act_check_support(act_ctx_t *c, const uint8_t idea[static HASH_BYTES])
{
	(void)c;
	(void)idea;
	return 0;
}

int act_check_link(act_ctx_t *c, const uint8_t a[static HASH_BYTES],
    const uint8_t b[static HASH_BYTES])
{
	(void)c;
	(void)a;
	(void)b;
	return 0;
}

int act_check_moderation(act_ctx_t *c, const uint8_t target[static HASH_BYTES])
{
	(void)c;
	(void)target;
	return 0;
}

int act_check_credential(act_ctx_t *c, const uint8_t *process,
    const uint8_t scope[static HASH_BYTES])
{
	(void)c;
	(void)process;
	(void)scope;
	return 0;
}

int act_check_approve(act_ctx_t *c, const uint8_t target[static HASH_BYTES])
{
	(void)c;
	(void)target;
	return 0;
}

int act_latest_version(act_ctx_t *c, const uint8_t orig[static HASH_BYTES],
    const ev_t *orig_ev, ev_t *latest)
{
	(void)orig_ev;
	return act_get(c, "idea", orig, latest);
}
