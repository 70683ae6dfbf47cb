#include "crypto/err.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "node/wire.h"
#include "proto/event.h"

static int check(const Wiec__SyncMsg *m)
{
	switch (m->msg_case) {
	case WIEC__SYNC_MSG__MSG_HELLO:
		return m->hello->network.len == HASH_BYTES && m->hello->node.len == KEY_PK_BYTES;
	case WIEC__SYNC_MSG__MSG_RECON:
		return m->recon->session != 0 && m->recon->data.len > 0;
	case WIEC__SYNC_MSG__MSG_WANT:
		if (m->want->id == 0 || m->want->n_ranges == 0 || m->want->n_ranges > SYNC_WANT_MAX)
			return 0;
		for (size_t i = 0; i < m->want->n_ranges; i++) {
			const Wiec__WantRange *r = m->want->ranges[i];

			if (r->author.len != KEY_PK_BYTES || r->from == 0 ||
			    r->n_have > SYNC_HAVE_IDS ||
			    (r->after_id.len != 0 && r->after_id.len != HASH_BYTES) ||
			    (r->after_id.len == 0) != (r->after_seq == 0))
				return 0;
			for (size_t j = 0; j < r->n_have; j++)
				if (r->have[j].len != HASH_BYTES)
					return 0;
		}
		return 1;
	case WIEC__SYNC_MSG__MSG_EVENTS:
		if (m->events->n_envelopes > SYNC_EVENTS_MAX)
			return 0;
		for (size_t i = 0; i < m->events->n_envelopes; i++)
			if (m->events->envelopes[i].len == 0 || m->events->envelopes[i].len > EV_ENV_MAX)
				return 0;
		if (m->events->n_unknown > SYNC_WANT_MAX || (m->events->n_unknown && !m->events->want))
			return 0;
		for (size_t i = 0; i < m->events->n_unknown; i++)
			if (m->events->unknown[i].len != KEY_PK_BYTES)
				return 0;
		return 1;
	case WIEC__SYNC_MSG__MSG_HAVE:
		if (m->have->n_heads == 0 || m->have->n_heads > SYNC_HAVE_MAX)
			return 0;
		for (size_t i = 0; i < m->have->n_heads; i++)
			if (m->have->heads[i]->author.len != KEY_PK_BYTES || m->have->heads[i]->seq == 0)
				return 0;
		return 1;
	default:
		return 0;	/* no member set */
	}
}

int wire_decode(Wiec__SyncMsg **out, const uint8_t *buf, size_t len)
{
	Wiec__SyncMsg *m;
	int rc = 0;

	*out = NULL;
	if (len > SYNC_MSG_MAX)
		return WIEC_ERR_TOO_BIG;
	if ((m = wiec__sync_msg__unpack(NULL, len, buf)) == NULL)
		return WIEC_ERR_DECODE;
	if (ev_has_unknown(&m->base))
		rc = WIEC_ERR_UNKNOWN;
	else if (!check(m))
		rc = WIEC_ERR_PROTO;
	if (rc != 0) {
		wiec__sync_msg__free_unpacked(m, NULL);
		return rc;
	}
	*out = m;
	return 0;
}
