#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "proto/decode.h"
#include "proto/event.h"
#include "proto/kind.h"

/* Envelope and Body have no repeated fields: no limits to list. Canonical
 * form is required: one event has one byte string and so one id. */
static const dec_opts_t ev_opts = { EV_ENV_MAX, 1, NULL, 0, 0 };

/* Field numbers of Envelope (proto/wiec.proto). */
#define ENVELOPE_BODY 1
#define ENVELOPE_SIG 2

/* 1 if none of the 8 bytes at p is outside printable ASCII (0x20..0x7e):
 * the common case, checked a word at a time. Exact: a byte of 0x80 or more,
 * one of 0x7f (which the + 1 takes to 0x80 without a carry once no high bit
 * is set) and one below 0x20 (the borrow test, exact as a yes or no) each
 * set a high bit. */
static int printable8(const unsigned char *p)
{
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
	uint64_t x;

	memcpy(&x, p, 8);
	return ((x | (x + ones) | ((x - 0x20 * ones) & ~x)) & high) == 0;
}

/* The length of the UTF-8 sequence at p (n bytes left, n >= 1) with its
 * code point in *cp, or 0 if it is none: cut short, overlong, a surrogate
 * or beyond U+10FFFF. */
static size_t utf8_seq(const unsigned char *p, size_t n, unsigned *cp)
{
	unsigned c = p[0], need;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
		*cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		*cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		*cp = c & 0x07;
	} else {
		return 0;
	}
	if (n <= need)
		return 0;
	for (unsigned i = 1; i <= need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (p[i] & 0x3f);
	}
	if ((need == 2 && *cp < 0x800) || (need == 3 && *cp < 0x10000) ||
	    (*cp >= 0xd800 && *cp <= 0xdfff) || *cp > 0x10ffff)
		return 0;
	return need + 1;
}

int ev_text_ok(const char *s, size_t min, size_t max, int multiline)
{
	const unsigned char *p = (const unsigned char *)s, *end;
	size_t len = strlen(s);

	if (len < min || len > max)
		return 0;
	end = p + len;
	while (*p) {
		unsigned c = *p, need, cp;

		if (end - p >= 8 && printable8(p)) {
			p += 8;
			continue;
		}
		if (c < 0x80) {
			if ((c < 0x20 && !(multiline && (c == '\n' || c == '\t'))) || c == 0x7f)
				return 0;
			p++;
			continue;
		}
		if ((need = utf8_seq(p, (size_t)(end - p), &cp)) == 0 ||
		    (cp >= 0x80 && cp < 0xa0))		/* C1 controls */
			return 0;
		p += need;
	}
	return 1;
}

size_t ev_text_cut(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return n;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/* 1 if code point cp must not reach a terminal as it is: a control
 * character (C0, DEL, C1), a bidirectional mark, override or isolate
 * (U+061C, U+200E-F, U+202A-E, U+2066-9: text displayed as other text), or
 * the line and paragraph separators U+2028-9, at which some terminals and
 * viewers break the line. */
static int cp_hidden(unsigned cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == 0x061c || cp == 0x200e ||
	    cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* A hidden code point as shown: C escapes for the ASCII controls, which
 * people know from the shell; "<U+XXXX>" for the others. */
static void put_hidden(FILE *f, unsigned cp)
{
	if (cp == '\n')
		fputs("\\n", f);
	else if (cp == '\t')
		fputs("\\t", f);
	else if (cp == '\r')
		fputs("\\r", f);
	else if (cp < 0x20 || cp == 0x7f)
		fprintf(f, "\\x%02x", cp);
	else
		fprintf(f, "<U+%04X>", cp);
}

/* ev_fput_text, or with indent ev_fput_block: runs of plain text are
 * written as they are, everything else one code point at a time. */
static void put_text(FILE *f, const char *s, size_t n, const char *indent)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t from = 0, i = 0, len;
	unsigned cp;

	while (i < n) {
		if (p[i] >= 0x20 && p[i] < 0x7f) {
			i++;
			continue;
		}
		if ((len = utf8_seq(p + i, n - i, &cp)) != 0 && (!cp_hidden(cp) ||
		    (indent != NULL && cp == '\t'))) {
			i += len;
			continue;
		}
		fwrite(p + from, 1, i - from, f);
		if (len == 0) {			/* not UTF-8: the byte */
			fprintf(f, "\\x%02x", p[i]);
			len = 1;
		} else if (indent != NULL && cp == '\n') {
			fputc('\n', f);
			fputs(indent, f);
		} else {
			put_hidden(f, cp);
		}
		i += len;
		from = i;
	}
	fwrite(p + from, 1, n - from, f);
}

void ev_fput_text(FILE *f, const char *s, size_t n)
{
	put_text(f, s, n, NULL);
}

void ev_fput_block(FILE *f, const char *s, size_t n, const char *indent)
{
	fputs(indent, f);
	put_text(f, s, n, indent);
}

static int check_header(const Wiec__Body *b)
{
	static const uint8_t zero[HASH_BYTES];

	if (b->network.len != HASH_BYTES || b->author.len != KEY_PK_BYTES || b->seq == 0)
		return WIEC_ERR_FIELD;
	/* A prev has a smaller seq, so seq 1 has none; later seqs may have
	 * none too (a root: a device's first event through a node that held
	 * nothing of its author). An all-zero prev is no id. */
	if (b->prev.len != 0 && (b->prev.len != HASH_BYTES || b->seq == 1 ||
	    memcmp(b->prev.data, zero, HASH_BYTES) == 0))
		return WIEC_ERR_FIELD;
	return 0;
}

int ev_decode(ev_t *ev, const uint8_t *env, size_t len)
{
	ProtobufCMessage *bm = NULL;
	Wiec__Body *b;
	size_t siglen;
	int rc;

	memset(ev, 0, sizeof *ev);
	/* The envelope is two byte strings: scanned (strictly, canonical) and
	 * taken as slices of env, never copied (spec/events.md section 1.2). */
	if ((rc = dec_scan(&wiec__envelope__descriptor, env, len, &ev_opts)) != 0 ||
	    (rc = dec_field(env, len, ENVELOPE_BODY, &ev->body_bytes, &ev->body_len)) != 0 ||
	    (rc = dec_field(env, len, ENVELOPE_SIG, &ev->sig, &siglen)) != 0)
		goto fail;
	rc = WIEC_ERR_FIELD;
	if (siglen != KEY_SIG_BYTES || ev->body_len == 0)
		goto fail;
	if ((rc = dec_unpack_arena(&bm, &ev->arena, &wiec__body__descriptor, ev->body_bytes,
	    ev->body_len, &ev_opts)) != 0)
		goto fail;
	b = (Wiec__Body *)bm;
	if ((rc = check_header(b)) != 0 || (rc = kind_check(b)) != 0)
		goto fail;

	ev->env = env;
	ev->env_len = len;
	hash_2(ev->id, env, len, NULL, 0);
	memcpy(ev->network, b->network.data, HASH_BYTES);
	memcpy(ev->author, b->author.data, KEY_PK_BYTES);
	if (b->prev.len == HASH_BYTES)
		memcpy(ev->prev, b->prev.data, HASH_BYTES);
	ev->seq = b->seq;
	ev->timestamp = b->timestamp;
	ev->kind = (int)b->content_case;
	ev->body = b;
	return 0;
fail:
	dec_arena_free(&ev->arena);
	memset(ev, 0, sizeof *ev);
	return rc;
}

int ev_verify(const ev_t *ev, const uint8_t network[static HASH_BYTES])
{
	if (sodium_memcmp(ev->network, network, HASH_BYTES) != 0)
		return WIEC_ERR_NETWORK;
	return key_verify(ev->sig, ev->author, EV_DOMAIN, ev->network, ev->body_bytes,
	    ev->body_len);
}

int ev_check(ev_t *ev, const uint8_t *env, size_t len,
    const uint8_t network[static HASH_BYTES])
{
	int rc = ev_decode(ev, env, len);

	if (rc == 0 && (rc = ev_verify(ev, network)) != 0)
		ev_free(ev);
	return rc;
}

void ev_free(ev_t *ev)
{
	dec_arena_free(&ev->arena);
	ev->body = NULL;
	ev->sig = ev->body_bytes = NULL;
	ev->body_len = 0;
}

int ev_build(uint8_t **env, size_t *len, const key_pair_t *kp, const Wiec__Body *body)
{
	Wiec__Envelope e = WIEC__ENVELOPE__INIT;
	uint8_t sig[KEY_SIG_BYTES], *bbuf = NULL, *out = NULL;
	size_t blen, elen;
	ev_t check;
	int rc;

	*env = NULL;
	if (body->author.len != KEY_PK_BYTES || memcmp(body->author.data, kp->pk, KEY_PK_BYTES) != 0 ||
	    body->network.len != HASH_BYTES)
		return WIEC_ERR_FIELD;
	blen = wiec__body__get_packed_size(body);
	if (blen > EV_ENV_MAX)
		return WIEC_ERR_TOO_BIG;
	if ((bbuf = malloc(blen)) == NULL)
		return WIEC_ERR_NOMEM;
	if (wiec__body__pack(body, bbuf) != blen) {
		rc = WIEC_ERR_FIELD;
		goto out;
	}
	if ((rc = key_sign(sig, kp, EV_DOMAIN, body->network.data, bbuf, blen)) != 0)
		goto out;
	e.body.data = bbuf;
	e.body.len = blen;
	e.sig.data = sig;
	e.sig.len = sizeof sig;
	elen = wiec__envelope__get_packed_size(&e);
	if ((out = malloc(elen)) == NULL) {
		rc = WIEC_ERR_NOMEM;
		goto out;
	}
	if (wiec__envelope__pack(&e, out) != elen) {
		free(out);
		rc = WIEC_ERR_FIELD;
		goto out;
	}
	/* Never hand out what a peer would refuse. */
	if ((rc = ev_decode(&check, out, elen)) != 0) {
		free(out);
		goto out;
	}
	ev_free(&check);
	*env = out;
	*len = elen;
out:
	free(bbuf);
	return rc;
}

void ev_set_header(Wiec__Body *body, const uint8_t network[static HASH_BYTES],
    const uint8_t author[static KEY_PK_BYTES], uint64_t head_seq, const uint8_t *head_id)
{
	body->network.data = (uint8_t *)network;
	body->network.len = HASH_BYTES;
	body->author.data = (uint8_t *)author;
	body->author.len = KEY_PK_BYTES;
	body->seq = head_seq + 1;
	body->prev.data = head_id ? (uint8_t *)head_id : NULL;
	body->prev.len = head_id ? HASH_BYTES : 0;
}

const char *ev_kind_name(int kind)
{
	return kind_name(kind);
}

typedef struct batch_part {
	ev_t *evs;
	int *rc;
	const uint8_t *const *envs;
	const size_t *lens;
	size_t n;
	const uint8_t *network;
} batch_part_t;

static void *check_part(void *arg)
{
	batch_part_t *p = arg;

	for (size_t i = 0; i < p->n; i++) {
		/* The next envelope is likely cold: fetch it while this one's
		 * signature is checked (tens of microseconds). */
		if (i + 1 < p->n) {
			size_t len = p->lens[i + 1] < 1024 ? p->lens[i + 1] : 1024;

			for (size_t o = 0; o < len; o += 64)
				__builtin_prefetch(p->envs[i + 1] + o);
		}
		p->rc[i] = ev_check(&p->evs[i], p->envs[i], p->lens[i], p->network);
	}
	return NULL;
}

#define EV_THREADS_MAX 64

int ev_check_batch(ev_t *evs, int *rc, const uint8_t *const *envs, const size_t *lens,
    size_t n, const uint8_t network[static HASH_BYTES], int threads)
{
	batch_part_t parts[EV_THREADS_MAX];
	pthread_t tids[EV_THREADS_MAX];
	size_t per, off = 0;
	int started = 0, err = 0;

	if (threads < 1)
		threads = 1;
	if (threads > EV_THREADS_MAX)
		threads = EV_THREADS_MAX;
	if ((size_t)threads > n)
		threads = n ? (int)n : 1;
	per = (n + (size_t)threads - 1) / (size_t)threads;
	for (int t = 0; t < threads; t++) {
		size_t cnt = off + per <= n ? per : n - off;

		parts[t] = (batch_part_t){ evs + off, rc + off, envs + off, lens + off, cnt, network };
		off += cnt;
	}
	/* This thread takes part 0; the others run beside it. */
	for (int t = 1; t < threads; t++) {
		if (pthread_create(&tids[t], NULL, check_part, &parts[t]) != 0) {
			err = WIEC_ERR_IO;
			break;
		}
		started++;
	}
	if (err == 0)
		check_part(&parts[0]);
	for (int t = 1; t <= started; t++)
		pthread_join(tids[t], NULL);
	if (err != 0) {
		for (int t = 1; t <= started; t++)
			for (size_t i = 0; i < parts[t].n; i++)
				if (parts[t].rc[i] == 0)
					ev_free(&parts[t].evs[i]);
	}
	return err;
}
