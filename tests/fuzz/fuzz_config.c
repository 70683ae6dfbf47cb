/* fuzz_config.c: DIR/config text (cfg_parse), and the value parsers it
 * uses on the same bytes. Whatever the input, an error must come with a
 * NUL-terminated reason, also when the reason buffer is tiny, and an
 * accepted config must hold values in range. */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/config.h"
#include "store/store.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[128], tiny[1];
	uint64_t v;
	cfg_t c;
	int rc;

	init_once();
	memset(why, 'x', sizeof why);
	rc = cfg_parse(&c, (const char *)data, size, why, sizeof why);
	if (rc == 0) {
		if (c.name[0] == '\0' || memchr(c.name, '\0', sizeof c.name) == NULL ||
		    memchr(c.listen, '\0', sizeof c.listen) == NULL ||
		    c.role < 1 || strcmp(cfg_role_name(c.role), "unknown") == 0 ||
		    c.map_size < STORE_MAP_MIN || c.map_size > CFG_MAP_MAX ||
		    (c.listen[0] != '\0' && !cfg_listen_ok(c.listen)))
			abort();
		if (cfg_role_parse(cfg_role_name(c.role)) != c.role)
			abort();
	} else if (rc != WIEC_ERR_CONFIG || memchr(why, '\0', sizeof why) == NULL) {
		abort();
	}
	tiny[0] = 'x';
	if (cfg_parse(&c, (const char *)data, size, tiny, sizeof tiny) != rc ||
	    (rc != 0 && tiny[0] != '\0'))
		abort();

	/* The value parsers on the input as one string. */
	if (size < 4096) {
		char *s = malloc(size + 1);

		if (s == NULL)
			return 0;
		memcpy(s, data, size);
		s[size] = '\0';
		if (cfg_size_parse(s, &v) == 0 && (s[0] < '0' || s[0] > '9'))
			abort();
		(void)cfg_role_parse(s);
		if (cfg_listen_ok(s) && strncmp(s, "tcp://", 6) != 0)
			abort();
		free(s);
	}
	return 0;
}
