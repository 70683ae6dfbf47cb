#include <string.h>

#include "crypto/err.h"
#include "proto/frame.h"

int frame_read_magic(FILE *f)
{
	char m[FRAME_MAGIC_BYTES];

	if (fread(m, 1, sizeof m, f) != sizeof m)
		return ferror(f) ? WIEC_ERR_IO : WIEC_ERR_DECODE;
	return memcmp(m, FRAME_MAGIC, sizeof m) == 0 ? 0 : WIEC_ERR_DECODE;
}

int frame_read(FILE *f, uint8_t *buf, size_t *len)
{
	uint8_t h[4];
	size_t n = fread(h, 1, sizeof h, f);

	if (n == 0 && !ferror(f))
		return 1;
	if (n != sizeof h)
		return ferror(f) ? WIEC_ERR_IO : WIEC_ERR_DECODE;
	*len = (size_t)h[0] << 24 | (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
	if (*len == 0 || *len > FRAME_MAX)
		return WIEC_ERR_DECODE;
	if (fread(buf, 1, *len, f) != *len)
		return ferror(f) ? WIEC_ERR_IO : WIEC_ERR_DECODE;
	return 0;
}

int frame_write_magic(FILE *f)
{
	return fwrite(FRAME_MAGIC, 1, FRAME_MAGIC_BYTES, f) == FRAME_MAGIC_BYTES ? 0 : WIEC_ERR_IO;
}

int frame_write(FILE *f, const uint8_t *buf, size_t len)
{
	uint8_t h[4] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len };

	if (len == 0 || len > FRAME_MAX)
		return WIEC_ERR_TOO_BIG;
	return fwrite(h, 1, 4, f) == 4 && fwrite(buf, 1, len, f) == len ? 0 : WIEC_ERR_IO;
}
