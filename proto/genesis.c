#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "proto/decode.h"
#include "proto/event.h"
#include "proto/genesis.h"

/* Counted before anything is allocated (proto/decode.h). */
static const dec_limit_t genesis_limits[] = {
	{ &wiec__genesis__descriptor, 2, GENESIS_FOUNDERS_MAX },	/* sigs */
	{ &wiec__genesis_body__descriptor, 2, GENESIS_FOUNDERS_MAX },	/* founders */
	{ &wiec__founder__descriptor, 5, GENESIS_ENDPOINTS_MAX },	/* endpoints */
};

/* Canonical: the network id is the hash of the body's exact bytes. */
static const dec_opts_t genesis_opts = {
	GENESIS_MAX, 1, genesis_limits, sizeof genesis_limits / sizeof genesis_limits[0], 0
};

static int check_founder(const Wiec__Founder *f)
{
	if (f->key.len != KEY_PK_BYTES || f->transport.len != KEY_X_BYTES ||
	    !ev_text_ok(f->name, 1, EV_NAME_MAX, 0) ||
	    f->role < WIEC__ROLE__ROLE_CITY || f->role > WIEC__ROLE__ROLE_OTHER ||
	    f->n_endpoints > GENESIS_ENDPOINTS_MAX)
		return WIEC_ERR_FIELD;
	for (size_t i = 0; i < f->n_endpoints; i++)
		if (!ev_text_ok(f->endpoints[i], 1, GENESIS_ENDPOINT_MAX, 0))
			return WIEC_ERR_FIELD;
	return 0;
}

int genesis_decode(genesis_t *g, const uint8_t *buf, size_t len, int complete)
{
	ProtobufCMessage *mm = NULL, *bm = NULL;
	Wiec__GenesisBody *b = NULL;
	Wiec__Genesis *m;
	int rc;

	memset(g, 0, sizeof *g);
	if ((rc = dec_unpack(&mm, &wiec__genesis__descriptor, buf, len, &genesis_opts)) != 0)
		return rc;
	m = (Wiec__Genesis *)mm;
	if (m->body.len == 0) {		/* an empty body names no founders */
		rc = WIEC_ERR_FIELD;
		goto fail;
	}
	if ((rc = dec_unpack(&bm, &wiec__genesis_body__descriptor, m->body.data, m->body.len,
	    &genesis_opts)) != 0)
		goto fail;
	b = (Wiec__GenesisBody *)bm;
	rc = WIEC_ERR_FIELD;
	if (!ev_text_ok(b->name, 1, EV_NAME_MAX, 0) || b->n_founders == 0 ||
	    b->n_founders > GENESIS_FOUNDERS_MAX || b->quorum == 0 ||
	    b->quorum > b->n_founders || m->n_sigs != b->n_founders)
		goto fail;
	for (size_t i = 0; i < b->n_founders; i++) {
		if ((rc = check_founder(b->founders[i])) != 0)
			goto fail;
		for (size_t j = 0; j < i; j++)
			if (memcmp(b->founders[i]->key.data, b->founders[j]->key.data,
			    KEY_PK_BYTES) == 0) {
				rc = WIEC_ERR_FIELD;
				goto fail;
			}
	}
	for (size_t i = 0; i < m->n_sigs; i++) {
		if (m->sigs[i].len == 0) {
			rc = complete ? WIEC_ERR_SIG : 0;
			if (rc)
				goto fail;
			continue;
		}
		if (m->sigs[i].len != KEY_SIG_BYTES) {
			rc = WIEC_ERR_FIELD;
			goto fail;
		}
		if ((rc = key_verify(m->sigs[i].data, b->founders[i]->key.data,
		    GENESIS_DOMAIN, NULL, m->body.data, m->body.len)) != 0)
			goto fail;
		g->signed_count++;
	}
	hash_2(g->network, GENESIS_NET_DOMAIN, strlen(GENESIS_NET_DOMAIN),
	    m->body.data, m->body.len);
	g->msg = m;
	g->body = b;
	return 0;
fail:
	if (b != NULL)
		wiec__genesis_body__free_unpacked(b, NULL);
	wiec__genesis__free_unpacked(m, NULL);
	return rc;
}

void genesis_free(genesis_t *g)
{
	if (g->body != NULL)
		wiec__genesis_body__free_unpacked(g->body, NULL);
	if (g->msg != NULL)
		wiec__genesis__free_unpacked(g->msg, NULL);
	g->body = NULL;
	g->msg = NULL;
}

int genesis_founder_decode(Wiec__Founder **out, const uint8_t *buf, size_t len)
{
	ProtobufCMessage *m;
	int rc;

	rc = dec_unpack(&m, &wiec__founder__descriptor, buf, len, &genesis_opts);
	*out = rc == 0 ? (Wiec__Founder *)m : NULL;
	return rc;
}

int genesis_founder(const genesis_t *g, const uint8_t key[static KEY_PK_BYTES])
{
	for (size_t i = 0; i < g->body->n_founders; i++)
		if (memcmp(g->body->founders[i]->key.data, key, KEY_PK_BYTES) == 0)
			return (int)i;
	return -1;
}

static int pack_genesis(uint8_t **out, size_t *len, const Wiec__Genesis *m)
{
	*len = wiec__genesis__get_packed_size(m);
	if (*len > GENESIS_MAX)
		return WIEC_ERR_TOO_BIG;
	if ((*out = malloc(*len)) == NULL)
		return WIEC_ERR_NOMEM;
	if (wiec__genesis__pack(m, *out) != *len) {
		free(*out);
		*out = NULL;
		return WIEC_ERR_FIELD;
	}
	return 0;
}

int genesis_new(uint8_t **out, size_t *len, const char *name, uint64_t timestamp,
    const Wiec__Founder *const *founders, size_t n, uint32_t quorum)
{
	Wiec__GenesisBody b = WIEC__GENESIS_BODY__INIT;
	Wiec__Genesis m = WIEC__GENESIS__INIT;
	ProtobufCBinaryData empty[GENESIS_FOUNDERS_MAX];
	genesis_t check;
	int rc;

	*out = NULL;
	if (n == 0 || n > GENESIS_FOUNDERS_MAX)
		return WIEC_ERR_ARG;
	b.name = (char *)name;
	b.n_founders = n;
	b.founders = (Wiec__Founder **)founders;
	b.quorum = quorum ? quorum : (uint32_t)(2 * n / 3 + 1);
	b.timestamp = timestamp;
	m.body.len = wiec__genesis_body__get_packed_size(&b);
	if (m.body.len > GENESIS_MAX)
		return WIEC_ERR_TOO_BIG;
	if ((m.body.data = malloc(m.body.len)) == NULL)
		return WIEC_ERR_NOMEM;
	if (wiec__genesis_body__pack(&b, m.body.data) != m.body.len) {
		free(m.body.data);
		return WIEC_ERR_FIELD;
	}
	memset(empty, 0, sizeof empty);
	m.n_sigs = n;
	m.sigs = empty;
	rc = pack_genesis(out, len, &m);
	free(m.body.data);
	if (rc != 0)
		return rc;
	if ((rc = genesis_decode(&check, *out, *len, 0)) != 0) {
		free(*out);
		*out = NULL;
		return rc;
	}
	genesis_free(&check);
	return 0;
}

int genesis_sign(uint8_t **out, size_t *len, const uint8_t *buf, size_t blen,
    const key_pair_t *kp)
{
	uint8_t sig[KEY_SIG_BYTES];
	genesis_t g;
	int i, rc;

	*out = NULL;
	if ((rc = genesis_decode(&g, buf, blen, 0)) != 0)
		return rc;
	if ((i = genesis_founder(&g, kp->pk)) < 0) {
		rc = WIEC_ERR_NOTFOUND;
		goto out;
	}
	if ((rc = key_sign(sig, kp, GENESIS_DOMAIN, NULL, g.msg->body.data,
	    g.msg->body.len)) != 0)
		goto out;
	/* Point at our stack copy; genesis_free frees the unpacked buffer, not this. */
	{
		ProtobufCBinaryData saved = g.msg->sigs[i];

		g.msg->sigs[i].data = sig;
		g.msg->sigs[i].len = sizeof sig;
		rc = pack_genesis(out, len, g.msg);
		g.msg->sigs[i] = saved;
	}
out:
	genesis_free(&g);
	return rc;
}
