/* bench/hostile.c: peak RSS growth of a node's decoder fed 100 hostile
 * messages of (nearly) 4 MiB, SYNC_MSG_MAX, through the real receive path
 * (node/wire.c, wire_decode). Issue 9: one 4 MiB Have of empty entries took
 * a node from 5 MB to 213 MB; the ceiling is 16 MiB.
 *
 * The messages cycle through eight shapes: the two of the issue (Have and
 * Want of empty entries), Events of 1-byte envelopes, a SyncMsg repeating
 * its oneof member, one unknown field of 4 MiB, and three that pass the
 * scanner and make protobuf-c copy nearly 4 MiB (Have heads with 1000-byte
 * authors, a Recon of 4 MiB, Events of 16,384 envelopes of 250 bytes).
 * One buffer is reused for all, allocated and touched before the baseline;
 * growth is VmHWM (from /proc/self/status) after minus before. Exits 1 if a
 * message gets another answer than its shape's. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/err.h"
#include "node/wire.h"

#define BENCH_MESSAGES 100
#define BENCH_CEILING_MIB 16

typedef struct out {
	uint8_t *p;
	size_t n;
} out_t;

static void put(out_t *o, const void *p, size_t n)
{
	memcpy(o->p + o->n, p, n);
	o->n += n;
}

static void put_varint(out_t *o, uint64_t v)
{
	do {
		uint8_t c = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));

		put(o, &c, 1);
		v >>= 7;
	} while (v);
}

static size_t varint_len(uint64_t v)
{
	size_t n = 1;

	while (v > 0x7f) {
		v >>= 7;
		n++;
	}
	return n;
}

/* A length-delimited record header: field, wire type 2, length. */
static void put_ld(out_t *o, unsigned field, size_t len)
{
	put_varint(o, (uint64_t)field << 3 | 2);
	put_varint(o, len);
}

/* The bytes after a SyncMsg member's 5-byte header: at most this many. */
#define INNER_MAX (SYNC_MSG_MAX - 8)

/* Fills o with `count` records of field 1 of `size` bytes each, each the
 * record header then filler, inside SyncMsg member `member`. */
static void entries(out_t *o, unsigned member, size_t count, size_t size, uint8_t fill)
{
	uint8_t hdr[8];
	out_t h = { hdr, 0 };
	size_t body;

	put_ld(&h, 1, size);
	body = count * (h.n + size);
	o->n = 0;
	put_ld(o, member, body);
	for (size_t i = 0; i < count; i++) {
		put(o, hdr, h.n);
		memset(o->p + o->n, fill, size);
		o->n += size;
	}
}

static int shape(out_t *o, int k)
{
	switch (k) {
	case 0:		/* Have of empty heads */
		entries(o, 5, INNER_MAX / 2, 0, 0);
		return WIEC_ERR_TOO_BIG;
	case 1:		/* Want of empty ranges */
		entries(o, 3, INNER_MAX / 2, 0, 0);
		return WIEC_ERR_TOO_BIG;
	case 2:		/* Events of 1-byte envelopes */
		entries(o, 4, INNER_MAX / 3, 1, 0x5a);
		return WIEC_ERR_TOO_BIG;
	case 3:		/* the oneof member Hello, over and over */
		o->n = 0;
		while (o->n + 2 <= INNER_MAX)
			put(o, "\x0a\x00", 2);
		return WIEC_ERR_DECODE;
	case 4:		/* one unknown field of nearly 4 MiB */
		o->n = 0;
		put_ld(o, 9, INNER_MAX);
		memset(o->p + o->n, 0xee, INNER_MAX);
		o->n += INNER_MAX;
		return WIEC_ERR_UNKNOWN;
	case 5:		/* 4,096 heads with 1000-byte authors: copied, then refused */
		o->n = 0;
		put_ld(o, 5, (size_t)SYNC_HAVE_MAX * (3 + 3 + 1000));
		for (size_t i = 0; i < SYNC_HAVE_MAX; i++) {
			put_ld(o, 1, 3 + 1000);		/* a HaveHead */
			put_ld(o, 1, 1000);		/* its author */
			memset(o->p + o->n, 0xab, 1000);
			o->n += 1000;
		}
		return WIEC_ERR_PROTO;
	case 6:		/* a Recon of nearly 4 MiB: valid */
		o->n = 0;
		put_ld(o, 2, 2 + 1 + varint_len(INNER_MAX - 16) + (INNER_MAX - 16));
		put(o, "\x08\x01", 2);		/* session 1 */
		put_ld(o, 2, INNER_MAX - 16);
		memset(o->p + o->n, 0x42, INNER_MAX - 16);
		o->n += INNER_MAX - 16;
		return 0;
	default:	/* 16,384 envelopes of 250 bytes: within every limit */
		entries(o, 4, SYNC_EVENTS_MAX, 250, 0x5a);
		return 0;
	}
}

static long vm_hwm_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(void)
{
	out_t o = { NULL, 0 };
	long before, after;
	double cpu = 0, mib, per[8] = { 0 };
	int count[8] = { 0 };
	int wrong = 0;

	if ((o.p = malloc(SYNC_MSG_MAX)) == NULL) {
		fprintf(stderr, "bench-hostile: out of memory\n");
		return 1;
	}
	memset(o.p, 0x55, SYNC_MSG_MAX);	/* not 0: malloc+memset(0) may become calloc and touch nothing */
	if ((before = vm_hwm_kib()) < 0) {
		fprintf(stderr, "bench-hostile: cannot read VmHWM from /proc/self/status\n");
		free(o.p);
		return 1;
	}
	for (int i = 0; i < BENCH_MESSAGES; i++) {
		Wiec__SyncMsg *m = NULL;
		int want = shape(&o, i % 8), rc;
		double t0 = cpu_ms();

		rc = wire_decode(&m, o.p, o.n);
		t0 = cpu_ms() - t0;
		cpu += t0;
		per[i % 8] += t0;
		count[i % 8]++;
		if (m != NULL)
			wiec__sync_msg__free_unpacked(m, NULL);
		if (rc != want) {
			fprintf(stderr, "bench-hostile: shape %d (%zu bytes): %s, expected %s\n", i % 8,
			    o.n, wiec_strerror(rc), want ? wiec_strerror(want) : "success");
			wrong = 1;
		}
	}
	after = vm_hwm_kib();
	free(o.p);
	mib = (after - before) / 1024.0;
	printf("# %d messages of up to %d bytes, 8 shapes; decoding took %.1f ms of CPU "
	    "(%.2f ms each)\n", BENCH_MESSAGES, SYNC_MSG_MAX, cpu, cpu / BENCH_MESSAGES);
	printf("# CPU per message by shape (ms):");
	for (int k = 0; k < 8; k++)
		printf(" %.1f", per[k] / count[k]);
	printf("\n");
	printf("bench hostile_rss: %.1f MiB (ceiling %d MiB, ratio %.2f)\n", mib,
	    BENCH_CEILING_MIB, mib / BENCH_CEILING_MIB);
	return wrong || after < 0;
}
