/* fuzz_peers.c: the DIR/peers file (peers_parse) and the endpoint rule.
 *
 * Whatever the input, an error must come with a NUL-terminated reason (also
 * when the reason buffer is one byte) and leave no peers; an accepted file
 * must hold at most PEERS_MAX peers with distinct keys and dialable
 * endpoints, and formatting it and parsing the text again must give the
 * same peers (what peers_save writes, peers_load reads back). */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/peers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void init_once(void)
{
	static int ready;

	if (!ready) {
		if (sodium_init() < 0)
			abort();
		ready = 1;
	}
}

static void check_accepted(const peers_t *p)
{
	if (p->n > PEERS_MAX)
		abort();
	for (size_t i = 0; i < p->n; i++) {
		if (memchr(p->peer[i].endpoint, '\0', PEERS_ENDPOINT_MAX) == NULL ||
		    !peers_endpoint_ok(p->peer[i].endpoint) ||
		    peers_find(p, p->peer[i].key) != (int)i)
			abort();
	}
}

static void round_trip(const peers_t *p)
{
	static peers_t again;
	char why[128], *text;
	size_t len;

	if (peers_format(p, &text, &len) != 0)
		return;
	if (strlen(text) != len || peers_parse(&again, text, len, why, sizeof why) != 0 ||
	    again.n != p->n)
		abort();
	for (size_t i = 0; i < p->n; i++)
		if (memcmp(again.peer[i].key, p->peer[i].key, KEY_PK_BYTES) != 0 ||
		    strcmp(again.peer[i].endpoint, p->peer[i].endpoint) != 0)
			abort();
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static peers_t p;
	char why[128], tiny[1];
	int rc;

	init_once();
	memset(why, 'x', sizeof why);
	rc = peers_parse(&p, (const char *)data, size, why, sizeof why);
	if (rc == 0) {
		check_accepted(&p);
		round_trip(&p);
		/* Removing and re-adding the first peer moves it to the end. */
		if (p.n > 0) {
			peer_t first = p.peer[0];
			size_t n = p.n;

			if (peers_remove(&p, first.key) != 0 || p.n != n - 1 ||
			    peers_find(&p, first.key) != -1 ||
			    peers_add(&p, first.key, first.endpoint) != 0 ||
			    peers_find(&p, first.key) != (int)n - 1 ||
			    peers_add(&p, first.key, first.endpoint) != WIEC_ERR_EXISTS)
				abort();
		}
	} else if (rc != WIEC_ERR_CONFIG || p.n != 0 || memchr(why, '\0', sizeof why) == NULL) {
		abort();
	}
	tiny[0] = 'x';
	if (peers_parse(&p, (const char *)data, size, tiny, sizeof tiny) != rc ||
	    (rc != 0 && tiny[0] != '\0'))
		abort();

	/* The endpoint rule on the whole input as one string. */
	if (size < 1024) {
		char *s = malloc(size + 1);

		if (s == NULL)
			return 0;
		memcpy(s, data, size);
		s[size] = '\0';
		if (peers_endpoint_ok(s) && (strncmp(s, "tcp://", 6) != 0 ||
		    strlen(s) >= PEERS_ENDPOINT_MAX || strchr(s, ' ') != NULL))
			abort();
		free(s);
	}
	return 0;
}
