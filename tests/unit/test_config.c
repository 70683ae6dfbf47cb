/* test_config.c: DIR/config parsing (node/config.h). Fail closed: every
 * mistake is an error that names its line. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto/err.h"
#include "node/config.h"
#include "store/store.h"
#include "tests/unit/fixtures.h"
#include "tests/unit/test.h"

static int parse(cfg_t *c, const char *text, char *why, size_t whylen)
{
	return cfg_parse(c, text, strlen(text), why, whylen);
}

TEST(config_good)
{
	static const char text[] =
	    "# wiec node settings\r\n"
	    "\r\n"
	    "   # indented comment\n"
	    "name = Gmina Testowo \xe2\x80\x94 Rada\r\n"
	    "\trole\t=\tuniversity\t\r\n"
	    "map_size=64M\n"
	    "\n"
	    "listen = tcp://0.0.0.0:7400";	/* no final newline */
	char why[128] = "";
	cfg_t c;

	CHECK(parse(&c, text, why, sizeof why) == 0);
	CHECK(strcmp(c.name, "Gmina Testowo \xe2\x80\x94 Rada") == 0);
	CHECK(c.role == WIEC__ROLE__ROLE_UNIVERSITY);
	CHECK_EQ_U64(c.map_size, 64ULL << 20);
	CHECK(strcmp(c.listen, "tcp://0.0.0.0:7400") == 0);
	/* Empty, or only comments: the defaults. */
	CHECK(parse(&c, "", why, sizeof why) == 0);
	CHECK(strcmp(c.name, "unnamed") == 0 && c.role == WIEC__ROLE__ROLE_OTHER);
	CHECK_EQ_U64(c.map_size, STORE_MAP_DEFAULT);
	CHECK(c.listen[0] == '\0');
	CHECK(parse(&c, "# nothing\n\n# here\n", why, sizeof why) == 0);
	CHECK(strcmp(c.name, "unnamed") == 0);
	/* Only what is given changes; the text need not be NUL-terminated. */
	CHECK(cfg_parse(&c, "role = city\nXXXX", 12, why, sizeof why) == 0);
	CHECK(c.role == WIEC__ROLE__ROLE_CITY && strcmp(c.name, "unnamed") == 0);
	/* The value keeps inner spaces and '=' signs. */
	CHECK(parse(&c, "name = a = b  c\n", why, sizeof why) == 0);
	CHECK(strcmp(c.name, "a = b  c") == 0);
	/* The limits of map_size are inclusive. */
	CHECK(parse(&c, "map_size = 1M\n", why, sizeof why) == 0);
	CHECK_EQ_U64(c.map_size, STORE_MAP_MIN);
	CHECK(parse(&c, "map_size = 16T\n", why, sizeof why) == 0);
	CHECK_EQ_U64(c.map_size, 1ULL << 44);
}

/* Returns 1 if text is refused with a reason that contains want. */
static int refused(const char *text, size_t len, const char *want)
{
	char why[256] = "";
	cfg_t c;
	int rc = cfg_parse(&c, text, len, why, sizeof why);

	if (rc == WIEC_ERR_CONFIG && strstr(why, want) != NULL)
		return 1;
	fprintf(stderr, "  text \"%.40s\": rc %d, why \"%s\", wanted \"%s\"\n", text, rc, why, want);
	return 0;
}

#define REFUSED(text, want) refused(text, strlen(text), want)

TEST(config_rejects_with_line)
{
	/* Unknown keys, including near misses and case. */
	CHECK(REFUSED("name = x\n# c\nmapsize = 1G\n", "line 3: unknown key 'mapsize'"));
	CHECK(REFUSED("Name = x\n", "line 1: unknown key"));
	CHECK(REFUSED("\n\n\n = x\n", "line 4: unknown key"));
	CHECK(REFUSED("name.x = y\n", "line 1: unknown key"));
	/* Repeated keys, even with the same value. */
	CHECK(REFUSED("role = city\nrole = city\n", "line 2: 'role' given twice"));
	CHECK(REFUSED("name = a\r\nlisten = tcp://x:1\r\nname = b\r\n", "line 3"));
	/* Missing '='. */
	CHECK(REFUSED("name = x\nrole city\n", "line 2: expected 'key = value'"));
	CHECK(REFUSED("map_size\n", "line 1"));
	/* Bad values. */
	CHECK(REFUSED("role = mayor\n", "line 1: bad value for 'role'"));
	CHECK(REFUSED("role = City\n", "line 1: bad value"));
	CHECK(REFUSED("role =\n", "line 1: bad value"));
	CHECK(REFUSED("name =\n", "line 1: bad value for 'name'"));
	CHECK(REFUSED("name = bell\a\n", "line 1: bad value"));
	CHECK(REFUSED("name = bad \xc3\x28 utf8\n", "line 1: bad value"));
	CHECK(REFUSED("listen = \xff\n", "line 1: bad value for 'listen'"));
	CHECK(REFUSED("map_size = 64 M\n", "line 1: bad value for 'map_size'"));
	CHECK(REFUSED("map_size = 1.5G\n", "line 1: bad value"));
	CHECK(REFUSED("map_size = -1\n", "line 1: bad value"));
	CHECK(REFUSED("map_size = 1023K\n", "line 1: bad value"));	/* below STORE_MAP_MIN */
	CHECK(REFUSED("map_size = 17T\n", "line 1: bad value"));
	CHECK(REFUSED("map_size = 99999999999999999999\n", "line 1: bad value"));
	CHECK(REFUSED("map_size = 64m\n", "line 1: bad value"));
}

TEST(config_rejects_size_and_bytes)
{
	char *big, line[600];
	size_t i;

	/* A whole file over CFG_MAX, even of comments. */
	CHECK((big = malloc(CFG_MAX + 2)) != NULL);
	for (i = 0; i < CFG_MAX + 1; i++)
		big[i] = i % 64 == 63 ? '\n' : '#';
	big[CFG_MAX + 1] = '\0';
	CHECK(refused(big, CFG_MAX + 1, "larger than"));
	{
		char why[128];
		cfg_t c;

		CHECK(cfg_parse(&c, big, CFG_MAX, why, sizeof why) == 0);
	}
	free(big);
	/* A line too long for any setting. */
	memset(line, 'a', sizeof line);
	memcpy(line, "name = ", 7);
	line[sizeof line - 1] = '\0';
	CHECK(refused(line, strlen(line), "line 1: too long"));
	/* A NUL byte inside a line. */
	CHECK(refused("name = x\nrole = c\0ity\n", 22, "line 2"));
	CHECK(refused("\0", 1, "line 1"));
	/* name has at most CFG_STR_MAX - 1 bytes. */
	memset(line, 'n', sizeof line);
	memcpy(line, "name = ", 7);
	line[7 + CFG_STR_MAX - 1] = '\0';
	{
		char why[128];
		cfg_t c;

		CHECK(cfg_parse(&c, line, strlen(line), why, sizeof why) == 0);
		CHECK(strlen(c.name) == CFG_STR_MAX - 1);
	}
	line[7 + CFG_STR_MAX - 1] = 'n';
	line[7 + CFG_STR_MAX] = '\0';
	CHECK(refused(line, strlen(line), "line 1: bad value"));
	/* A tiny reason buffer is cut, never overrun. */
	{
		char why[8];
		cfg_t c;

		memset(why, 'x', sizeof why);
		CHECK(parse(&c, "bogus = 1\n", why, sizeof why) == WIEC_ERR_CONFIG);
		CHECK(memchr(why, '\0', sizeof why) != NULL);
		CHECK(strncmp(why, "line 1", 6) == 0);
	}
}

TEST(config_size_parse)
{
	static const struct {
		const char *s;
		uint64_t v;
	} good[] = {
		{ "0", 0 }, { "1", 1 }, { "1024", 1024 }, { "007", 7 },
		{ "1K", 1ULL << 10 }, { "2M", 2ULL << 20 }, { "3G", 3ULL << 30 },
		{ "4T", 4ULL << 40 }, { "0T", 0 },
		{ "16777215T", 16777215ULL << 40 },		/* the largest T */
		{ "17179869183G", 17179869183ULL << 30 },	/* the largest G */
		{ "18446744073709551609", 18446744073709551609ULL },
	};
	static const char *const bad[] = {
		"", "K", "M1", "1k", "1m", "1KB", "1KK", "1E", "1P", " 1", "1 ", "+1", "-1",
		"0x10", "1.5G", "1,000", "16777216T", "17179869184G", "18446744073709551616",
		"99999999999999999999", "184467440737095516150",
	};
	uint64_t v;

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		v = 12345;
		if (cfg_size_parse(good[i].s, &v) != 0 || v != good[i].v) {
			fprintf(stderr, "  \"%s\"\n", good[i].s);
			CHECK(0);
		}
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (cfg_size_parse(bad[i], &v) != -1) {
			fprintf(stderr, "  \"%s\" accepted\n", bad[i]);
			CHECK(0);
		}
	}
}

TEST(config_roles)
{
	static const char *const names[] = { "city", "ngo", "university", "business", "other" };

	for (int i = 0; i < 5; i++) {
		CHECK(cfg_role_parse(names[i]) == i + 1);
		CHECK(strcmp(cfg_role_name(i + 1), names[i]) == 0);
	}
	CHECK(cfg_role_parse("CITY") == -1);
	CHECK(cfg_role_parse("") == -1);
	CHECK(cfg_role_parse("cit") == -1);
	CHECK(strcmp(cfg_role_name(99), "unknown") == 0);
	CHECK(strcmp(cfg_role_name(-1), "unknown") == 0);
}

TEST(config_save_load)
{
	char path[512], why[128];
	cfg_t c, got;
	struct stat st;

	snprintf(path, sizeof path, "%s/config", TEST_TMP);
	CHECK(cfg_load(&got, path, why, sizeof why) == WIEC_ERR_NOTFOUND);
	cfg_defaults(&c);
	snprintf(c.name, sizeof c.name, "Fundacja \xc5\x81\xc4\x85ka");
	c.role = WIEC__ROLE__ROLE_NGO;
	c.map_size = 3ULL << 30;
	snprintf(c.listen, sizeof c.listen, "tcp://127.0.0.1:7401");
	CHECK(cfg_save(&c, path) == 0);
	CHECK(stat(path, &st) == 0);
	CHECK_EQ_U64(st.st_mode & 07777, 0600);
	CHECK(cfg_save(&c, path) == WIEC_ERR_EXISTS);
	CHECK(cfg_load(&got, path, why, sizeof why) == 0);
	CHECK(strcmp(got.name, c.name) == 0 && got.role == c.role);
	CHECK(got.map_size == c.map_size && strcmp(got.listen, c.listen) == 0);
	/* Without listen, none is written and none is read back. */
	snprintf(path, sizeof path, "%s/config2", TEST_TMP);
	c.listen[0] = '\0';
	CHECK(cfg_save(&c, path) == 0);
	CHECK(cfg_load(&got, path, why, sizeof why) == 0);
	CHECK(got.listen[0] == '\0');
	/* A bad file loads as an error naming the line. */
	snprintf(path, sizeof path, "%s/config3", TEST_TMP);
	CHECK(fx_write_file(path, "name = x\nrole = mayor\n", 22, 0600) == 0);
	CHECK(cfg_load(&got, path, why, sizeof why) == WIEC_ERR_CONFIG);
	CHECK(strstr(why, "line 2") != NULL);
}

/* A FIFO or a directory in place of the config is an error, not a hang;
 * map_size above CFG_MAP_MAX is refused; listen must be an endpoint. */
TEST(config_load_refuses_non_regular)
{
	char path[512], why[128];
	cfg_t c;

	snprintf(path, sizeof path, "%s/config", TEST_TMP);
	CHECK(mkfifo(path, 0600) == 0);
	CHECK(cfg_load(&c, path, why, sizeof why) == WIEC_ERR_CONFIG);
	CHECK(strstr(why, "not a regular file") != NULL);
	CHECK(cfg_load(&c, TEST_TMP, why, sizeof why) == WIEC_ERR_CONFIG);
	CHECK(cfg_parse(&c, "map_size = 16T\n", 15, why, sizeof why) == 0);
	CHECK(c.map_size == CFG_MAP_MAX);
	CHECK(cfg_parse(&c, "map_size = 17T\n", 15, why, sizeof why) == WIEC_ERR_CONFIG);
	CHECK(cfg_parse(&c, "listen = tcp://*:7400\n", 22, why, sizeof why) == 0);
	CHECK(cfg_parse(&c, "listen = tcp://0.0.0.0:7400\n", 28, why, sizeof why) == 0);
	CHECK(cfg_parse(&c, "listen = bogus\n", 15, why, sizeof why) == WIEC_ERR_CONFIG);
	CHECK(cfg_parse(&c, "listen = tcp://h:0\n", 19, why, sizeof why) == WIEC_ERR_CONFIG);
}
