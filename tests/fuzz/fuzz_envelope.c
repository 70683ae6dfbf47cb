/* fuzz_envelope.c: one envelope as a peer would send it.
 *
 * ev_decode applies every structural rule; when it accepts, ev_verify runs
 * against a fixed network id (the one the corpus seeds were built for, so
 * the signature path is reached and not only the network mismatch) and
 * against the event's own network. The accepted event must also satisfy the
 * invariants the store relies on; a violation aborts, which the fuzzer
 * reports like a crash. */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "proto/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Network id of the genesis the seeds in corpus/envelope were built on. */
static const char network_hex[] =
    "9e49a5f1ebd42a16c8b9bec9b0183a1783c0c669f27788fbb42ce7291efedd15";

static void init_once(uint8_t network[static HASH_BYTES])
{
	static int ready;

	if (!ready) {
		if (sodium_init() < 0 || hash_from_hex(network, HASH_BYTES, network_hex) != 0)
			abort();
		ready = 1;
	}
}

static void check_accepted(const ev_t *ev, const uint8_t *data, size_t size)
{
	static const uint8_t zero[HASH_BYTES];
	uint8_t id[HASH_BYTES];

	hash_2(id, data, size, NULL, 0);
	if (ev->env != data || ev->env_len != size || memcmp(id, ev->id, HASH_BYTES) != 0)
		abort();
	if (ev->seq == 0 || (ev->seq == 1 && memcmp(ev->prev, zero, HASH_BYTES) != 0) ||
	    strcmp(ev_kind_name(ev->kind), "unknown") == 0)
		abort();
	/* The signature and body are slices of the input; the body after
	 * them or before, never overlapping. */
	if (ev->body == NULL || ev->arena == NULL || ev->sig == NULL || ev->body_bytes == NULL ||
	    ev->body_len == 0 || ev->sig < data || ev->sig + KEY_SIG_BYTES > data + size ||
	    ev->body_bytes < data || ev->body_bytes + ev->body_len > data + size ||
	    !(ev->sig >= ev->body_bytes + ev->body_len || ev->body_bytes >= ev->sig + KEY_SIG_BYTES))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t network[HASH_BYTES];
	ev_t ev, again;
	int rc, own;

	init_once(network);
	rc = ev_decode(&ev, data, size);
	if (rc == 0) {
		check_accepted(&ev, data, size);
		rc = ev_verify(&ev, network);
		if (rc != 0 && rc != WIEC_ERR_NETWORK && rc != WIEC_ERR_SIG)
			abort();
		/* Against its own network the signature is always checked. */
		own = ev_verify(&ev, ev.network);
		if ((own != 0 && own != WIEC_ERR_SIG) || (rc == WIEC_ERR_SIG && own != WIEC_ERR_SIG))
			abort();
		ev_free(&ev);
		ev_free(&ev);	/* documented as safe on a freed ev */
	} else if (rc > 0 || ev.arena != NULL || ev.body != NULL || ev.sig != NULL) {
		abort();
	}
	/* ev_check is decode then verify, and leaves nothing to free on failure. */
	if (ev_check(&again, data, size, network) != rc)
		abort();
	if (rc == 0)
		ev_free(&again);

	/* Every string field goes through ev_text_ok; give it raw bytes too. */
	if (size > 0 && size <= EV_TEXT_MAX + 1) {
		char *s = malloc(size);

		if (s == NULL)
			return 0;
		memcpy(s, data + 1, size - 1);
		s[size - 1] = '\0';
		(void)ev_text_ok(s, 0, EV_TEXT_MAX, data[0] & 1);
		free(s);
	}
	return 0;
}
