/* ev.c: releasing what a model_view_t's get() hands out (model/model.h). */
#include <string.h>

#include "model/model.h"

void model_ev_free(model_ev_t *e)
{
	if (e == NULL)
		return;
	if (e->body != NULL)
		wiec__body__free_unpacked((Wiec__Body *)e->body, NULL);
	memset(e, 0, sizeof *e);
}
