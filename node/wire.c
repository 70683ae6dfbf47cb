#include "crypto/err.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "node/wire.h"
#include "proto/decode.h"
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

/* Counted before anything is allocated (proto/decode.h). */
static const dec_limit_t wire_limits[] = {
	{ &wiec__want__descriptor, 1, SYNC_WANT_MAX },		/* ranges */
	{ &wiec__want_range__descriptor, 3, SYNC_HAVE_IDS },	/* have */
	{ &wiec__events__descriptor, 1, SYNC_EVENTS_MAX },	/* envelopes */
	{ &wiec__events__descriptor, 4, SYNC_WANT_MAX },	/* unknown */
	{ &wiec__have__descriptor, 1, SYNC_HAVE_MAX },		/* heads */
};

/* Sync messages are not signed: canonical form is not required of them. */
static const dec_opts_t wire_opts = {
	SYNC_MSG_MAX, 0, wire_limits, sizeof wire_limits / sizeof wire_limits[0], 0
};

int wire_decode(Wiec__SyncMsg **out, const uint8_t *buf, size_t len)
{
	ProtobufCMessage *m;
	int rc;

	*out = NULL;
	if ((rc = dec_unpack(&m, &wiec__sync_msg__descriptor, buf, len, &wire_opts)) != 0)
		return rc;
	if (!check((const Wiec__SyncMsg *)m)) {
		protobuf_c_message_free_unpacked(m, NULL);
		return WIEC_ERR_PROTO;
	}
	*out = (Wiec__SyncMsg *)m;
	return 0;
}
