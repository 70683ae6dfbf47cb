/* refs.c: the index entries of one event (spec/model.md section 9), from
 * its own bytes only. */
#include <string.h>

#include "model/closelist.h"
#include "model/model.h"

static size_t put(model_ref_t *out, size_t n, const ProtobufCBinaryData *ref, uint8_t tag)
{
	if (ref == NULL)
		memset(out[n].ref, 0, HASH_BYTES);
	else
		memcpy(out[n].ref, ref->data, HASH_BYTES);
	out[n].tag = tag;
	return n + 1;
}

size_t model_refs(const Wiec__Body *b, model_ref_t out[static MODEL_REF_MAX])
{
	size_t n = 0;

	switch (b->content_case) {
	case WIEC__BODY__CONTENT_IDEA:
		if (b->idea->edit.len == HASH_BYTES)
			return put(out, n, &b->idea->edit, MREF_VERSION);
		return put(out, n, b->idea->process.len == HASH_BYTES ? &b->idea->process : NULL,
		    MREF_IDEA);
	case WIEC__BODY__CONTENT_COMMENT:
		return put(out, n, &b->comment->target, MREF_COMMENT);
	case WIEC__BODY__CONTENT_PROCESS:
		return put(out, n, NULL, MREF_PROCESS);
	case WIEC__BODY__CONTENT_PHASE:
		return put(out, n, &b->phase->process, MREF_PHASE);
	case WIEC__BODY__CONTENT_STATUS:
		return put(out, n, &b->status->idea, MREF_STATUS);
	case WIEC__BODY__CONTENT_EVALUATION:
		return put(out, n, &b->evaluation->idea, MREF_EVAL);
	case WIEC__BODY__CONTENT_SUPPORT:
		return put(out, n, &b->support->idea, MREF_SUPPORT);
	case WIEC__BODY__CONTENT_LINK:
		n = put(out, n, &b->link->idea, MREF_LINK);
		return put(out, n, &b->link->other, MREF_LINK);
	case WIEC__BODY__CONTENT_REPORT:
		return put(out, n, &b->report->target, MREF_REPORT);
	case WIEC__BODY__CONTENT_MODERATION:
		return put(out, n, &b->moderation->target, MREF_MODERATION);
	case WIEC__BODY__CONTENT_APPEAL:
		return put(out, n, &b->appeal->target, MREF_APPEAL);
	case WIEC__BODY__CONTENT_CREDENTIAL:
		n = put(out, n, &b->credential->scope, MREF_CREDENTIAL);
		return put(out, n, &b->credential->subject, MREF_SUBJECT);
	case WIEC__BODY__CONTENT_MEMBER:
		return put(out, n, NULL, MREF_MEMBER);
	case WIEC__BODY__CONTENT_APPROVE:
		return put(out, n, &b->approve->target, MREF_APPROVE);
	case WIEC__BODY__CONTENT_POLL:
		return put(out, n, &b->poll->process, MREF_POLL);
	case WIEC__BODY__CONTENT_VOTE:
		return put(out, n, &b->vote->process, MREF_BALLOT);
	case WIEC__BODY__CONTENT_CLOSE:
		return put(out, n, &b->close->process, MREF_CLOSE);
	case WIEC__BODY__CONTENT_PREPARE:
		return put(out, n, &b->prepare->process, MREF_CLOSE);
	case WIEC__BODY__CONTENT_PROMISE:
		return put(out, n, &b->promise->process, MREF_CLOSE);
	case WIEC__BODY__CONTENT_PROPOSAL:
		return put(out, n, &b->proposal->process, MREF_CLOSE);
	case WIEC__BODY__CONTENT_COSIGN:
		return put(out, n, &b->cosign->process, MREF_CLOSE);
	case WIEC__BODY__CONTENT_IDPART:
		closelist_part_hash(out[n].ref, b->idpart->process.data, b->idpart->level,
		    b->idpart->items.data, b->idpart->items.len / HASH_BYTES);
		out[n].tag = MREF_PART;
		return n + 1;
	default:
		return 0;
	}
}
