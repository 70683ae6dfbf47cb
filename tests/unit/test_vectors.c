/* test_vectors.c: the known-answer files of spec/events.md that are not
 * about one event (tests/vectors/export.txt, tests/vectors/trees.txt),
 * their generators, and the one endpoint length limit.
 *
 * Each file is written by a generator here and checked twice: the
 * generator must reproduce it byte for byte (WIEC_REGEN_VECTORS=1 rewrites
 * it), and a reader that knows nothing of the generator checks every
 * record against the implementation. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "model/chain.h"
#include "node/config.h"
#include "node/peers.h"
#include "proto/frame.h"
#include "proto/genesis.h"
#include "tests/unit/fixtures.h"
#include "tests/unit/test.h"

/* ---- one endpoint limit: 255 bytes (spec/events.md section 6) ---- */

/* "tcp://" + a host of 'h' + ":7400", n bytes in all, in a static-sized buffer. */
static void endpoint_of(char *out, size_t n)
{
	memcpy(out, "tcp://", 6);
	memset(out + 6, 'h', n - 6 - 5);
	memcpy(out + n - 5, ":7400", 6);
}

/* A complete one-founder genesis whose founder lists endpoint ep. */
static int genesis_with_endpoint(const char *ep)
{
	Wiec__Founder f = WIEC__FOUNDER__INIT;
	const Wiec__Founder *fs[1] = { &f };
	uint8_t transport[KEY_X_BYTES], *g = NULL, *sg = NULL;
	char *eps[1] = { (char *)ep };
	size_t glen, slen;
	key_pair_t kp;
	genesis_t gen;
	int rc;

	fx_key(&kp, FX_FOUNDER_SEED);
	memset(transport, 0x7a, sizeof transport);
	f.key.data = kp.pk;
	f.key.len = KEY_PK_BYTES;
	f.name = (char *)"Gmina Testowo";
	f.role = WIEC__ROLE__ROLE_CITY;
	f.transport.data = transport;
	f.transport.len = sizeof transport;
	f.n_endpoints = 1;
	f.endpoints = eps;
	if ((rc = genesis_new(&g, &glen, "testowo", FX_TS, fs, 1, 1)) != 0)
		return rc;
	rc = genesis_sign(&sg, &slen, g, glen, &kp);
	free(g);
	if (rc != 0)
		return rc;
	if ((rc = genesis_decode(&gen, sg, slen, 1)) == 0)
		genesis_free(&gen);
	free(sg);
	return rc;
}

TEST(vectors_endpoint_limit)
{
	char ep[300], text[400], why[128];
	peers_t p;
	cfg_t c;

	memset(ep, 0, sizeof ep);
	endpoint_of(ep, 255);
	CHECK(strlen(ep) == 255);
	CHECK(genesis_with_endpoint(ep) == 0);
	CHECK(peers_endpoint_ok(ep) == 1);
	snprintf(text, sizeof text, "listen = %s\n", ep);
	CHECK(cfg_parse(&c, text, strlen(text), why, sizeof why) == 0);
	CHECK(strcmp(c.listen, ep) == 0);
	snprintf(text, sizeof text, "%s %s\n", "8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c", ep);
	CHECK(peers_parse(&p, text, strlen(text), why, sizeof why) == 0);
	CHECK(p.n == 1 && strcmp(p.peer[0].endpoint, ep) == 0);

	memset(ep, 0, sizeof ep);
	endpoint_of(ep, 256);
	CHECK(strlen(ep) == 256);
	CHECK(genesis_with_endpoint(ep) == WIEC_ERR_FIELD);
	CHECK(peers_endpoint_ok(ep) == 0);
	snprintf(text, sizeof text, "listen = %s\n", ep);
	CHECK(cfg_parse(&c, text, strlen(text), why, sizeof why) == WIEC_ERR_CONFIG);
	snprintf(text, sizeof text, "%s %s\n", "8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c", ep);
	CHECK(peers_parse(&p, text, strlen(text), why, sizeof why) == WIEC_ERR_CONFIG);
	CHECK(GENESIS_ENDPOINT_MAX == 255 && PEERS_ENDPOINT_MAX == GENESIS_ENDPOINT_MAX + 1);
}
