/* frame.h: the export file (spec/events.md, "Export file"):
 *     "WIECLOG1"  then records  u32 big-endian length || bytes
 * The first record is the genesis, every later one an envelope. */
#ifndef WIEC_FRAME_H
#define WIEC_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define FRAME_MAGIC "WIECLOG1"
#define FRAME_MAGIC_BYTES 8
#define FRAME_MAX 65536		/* no record is longer (EV_ENV_MAX, GENESIS_MAX) */

/* Reads and checks the magic. 0, WIEC_ERR_DECODE or WIEC_ERR_IO. */
int frame_read_magic(FILE *f);

/* Reads one record into buf (FRAME_MAX bytes). Returns 0 with *len set,
 * 1 at a clean end of file, or WIEC_ERR_DECODE (truncated, or longer than
 * FRAME_MAX) / WIEC_ERR_IO. */
int frame_read(FILE *f, uint8_t *buf, size_t *len);

/* Writes the magic / one record. 0 or WIEC_ERR_IO. */
int frame_write_magic(FILE *f);
int frame_write(FILE *f, const uint8_t *buf, size_t len);

#endif
