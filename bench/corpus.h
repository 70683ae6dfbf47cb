/* corpus.h: the benchmarks' synthetic participation (bench/ingest.c,
 * bench/net.c): deterministic resident authors, each with a chain of an
 * announce, then ideas and comments on their own latest idea, with Polish
 * text of varied length. Header-only: each benchmark is one program. */
#ifndef WIEC_BENCH_CORPUS_H
#define WIEC_BENCH_CORPUS_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "proto/event.h"

static inline uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Deterministic text of about len bytes (ASCII and some Polish). */
static inline void fill_text(char *out, size_t len, uint64_t *rng)
{
	static const char *const words[] = { "park", "rower", "ścieżka", "ławka", "szkoła",
	    "drzewa", "budżet", "plac", "tramwaj", "zieleń", "most", "biblioteka" };
	size_t n = 0;

	while (n + 16 < len) {
		const char *w = words[splitmix(rng) % (sizeof words / sizeof words[0])];
		size_t wl = strlen(w);

		memcpy(out + n, w, wl);
		n += wl;
		out[n++] = ' ';
	}
	out[n ? n - 1 : 0] = '\0';
}

/* Builds author number a's chain of n events, signed by kp for network,
 * into envs[(seq - 1) * stride + a] (malloc'd; lens alike), so that with
 * stride = the number of authors the events lie round-robin over authors.
 * role is the announce's role. Returns 0 or a wiec_err_t. */
static inline int corpus_chain(const key_pair_t *kp, const uint8_t network[static HASH_BYTES],
    size_t a, uint64_t n, size_t stride, int role, uint8_t **envs, size_t *lens)
{
	uint8_t prev[HASH_BYTES], target[HASH_BYTES] = { 0 };
	char name[64], title[128], text[512];
	uint64_t rng = a * 7919 + 1;
	int rc;

	for (uint64_t seq = 1; seq <= n; seq++) {
		Wiec__Body b = WIEC__BODY__INIT;
		Wiec__Announce an = WIEC__ANNOUNCE__INIT;
		Wiec__Idea idea = WIEC__IDEA__INIT;
		Wiec__Comment cm = WIEC__COMMENT__INIT;
		size_t slot = (seq - 1) * stride + a;
		ev_t ev;

		ev_set_header(&b, network, kp->pk, seq - 1, seq == 1 ? NULL : prev);
		b.timestamp = 1795996800000ULL + seq * 60000 + a;
		if (seq == 1) {
			snprintf(name, sizeof name, "Mieszkanka %zu", a);
			an.name = name;
			an.role = (Wiec__Role)role;
			b.content_case = WIEC__BODY__CONTENT_ANNOUNCE;
			b.announce = &an;
		} else if (seq % 3 == 2) {
			fill_text(title, 24 + splitmix(&rng) % 64, &rng);
			fill_text(text, 64 + splitmix(&rng) % 384, &rng);
			idea.title = title;
			idea.text = text;
			b.content_case = WIEC__BODY__CONTENT_IDEA;
			b.idea = &idea;
		} else {
			fill_text(text, 32 + splitmix(&rng) % 256, &rng);
			cm.target.data = target;
			cm.target.len = HASH_BYTES;
			cm.text = text;
			b.content_case = WIEC__BODY__CONTENT_COMMENT;
			b.comment = &cm;
		}
		if ((rc = ev_build(&envs[slot], &lens[slot], kp, &b)) != 0 ||
		    (rc = ev_decode(&ev, envs[slot], lens[slot])) != 0)
			return rc;
		memcpy(prev, ev.id, HASH_BYTES);
		if (ev.kind == EV_IDEA)
			memcpy(target, ev.id, HASH_BYTES);
		ev_free(&ev);
	}
	return 0;
}

#endif
