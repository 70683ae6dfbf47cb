/* init.c: wiec init, wiec id, wiec keygen. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "crypto/err.h"
#include "proto/genesis.h"

/* Removes the files init may have created in its temporary directory. */
static void remove_tmp(const char *tmp)
{
	static const char *const files[] = {
		"identity.key", "transport.key", "config", "store/data.mdb",
		"store/lock.mdb", "store",
	};
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		if (cli_path(path, tmp, files[i]) == 0)
			remove(path);
	rmdir(tmp);
}

static int dir_is_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int empty = 1;

	if (d == NULL)
		return errno == ENOENT ? 1 : -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			empty = 0;
	closedir(d);
	return empty;
}


/* Builds everything in tmp: keys, config, store with a one-founder genesis. */
static int populate(const char *cmd, const char *tmp, const cfg_t *cfg, uint8_t network[32],
    uint8_t pk[32])
{
	Wiec__Founder f = WIEC__FOUNDER__INIT;
	const Wiec__Founder *fs[1] = { &f };
	char path[PATH_MAX];
	key_pair_t kp;
	key_x25519_t kx;
	store_t *s = NULL;
	uint8_t *g = NULL, *gs = NULL;
	size_t glen, gslen;
	genesis_t gen;
	int rc;

	if ((rc = key_generate(&kp)) != 0 || (rc = key_x25519_generate(&kx)) != 0)
		return cli_fail(EXIT_FAIL, cmd, "%s", wiec_strerror(rc));
	cli_path(path, tmp, "identity.key");
	if ((rc = key_save(&kp, path, "wiec identity secret key")) != 0)
		goto fail;
	cli_path(path, tmp, "transport.key");
	if ((rc = key_x25519_save(&kx, path, "wiec transport (CURVE) secret key")) != 0)
		goto fail;
	cli_path(path, tmp, "config");
	if ((rc = cfg_save(cfg, path)) != 0)
		goto fail;
	f.key.data = kp.pk;
	f.key.len = sizeof kp.pk;
	f.name = (char *)cfg->name;
	f.role = cfg->role;
	f.transport.data = kx.pk;
	f.transport.len = sizeof kx.pk;
	if ((rc = genesis_new(&g, &glen, cfg->name, cli_now_ms(), fs, 1, 1)) != 0 ||
	    (rc = genesis_sign(&gs, &gslen, g, glen, &kp)) != 0 ||
	    (rc = genesis_decode(&gen, gs, gslen, 1)) != 0)
		goto fail;
	memcpy(network, gen.network, 32);
	genesis_free(&gen);
	cli_path(path, tmp, "store");
	if ((rc = store_open(&s, path, cfg->map_size, 1)) != 0 ||
	    (rc = store_set_genesis(s, gs, gslen, network)) != 0)
		goto fail;
	memcpy(pk, kp.pk, 32);
fail:
	store_close(&s);
	free(g);
	free(gs);
	key_wipe(&kp);
	key_x25519_wipe(&kx);
	if (rc != 0)
		return cli_fail(cli_status(rc), cmd, "%s", wiec_strerror(rc));
	return EXIT_OK;
}

int init_main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_DIR_OPT,
		{ "name", required_argument, NULL, 'n' },
		{ "role", required_argument, NULL, 'r' },
		{ "map-size", required_argument, NULL, 'm' },
		{ 0, 0, 0, 0 },
	};
	const char *cmd = "init", *dflag = NULL, *dir;
	char tmp[PATH_MAX], keytext[KEY_TEXT_BYTES], nethex[HASH_HEX_BYTES];
	uint8_t network[32], pk[32];
	cfg_t cfg;
	int c, rc, empty;

	cfg_defaults(&cfg);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dflag = optarg; break;
		case 'n':
			if (!ev_text_ok(optarg, 1, EV_NAME_MAX, 0))
				return cli_fail(EXIT_USAGE, cmd, "--name must be 1 to %d bytes of "
				    "text without control characters", EV_NAME_MAX);
			snprintf(cfg.name, sizeof cfg.name, "%s", optarg);
			break;
		case 'r':
			if ((cfg.role = cfg_role_parse(optarg)) < 0)
				return cli_fail(EXIT_USAGE, cmd, "--role must be city, ngo, "
				    "university, business or other");
			break;
		case 'm':
			if (cfg_size_parse(optarg, &cfg.map_size) != 0 || cfg.map_size < STORE_MAP_MIN)
				return cli_fail(EXIT_USAGE, cmd, "--map-size must be a size of at "
				    "least 1M, like 64M or 2G");
			break;
		case 'h': cli_usage(stdout, cmd); return EXIT_OK;
		default: return cli_badopt(cmd, c, argv);
		}
	}
	if (optind != argc)
		return cli_fail(EXIT_USAGE, cmd, "unexpected argument '%s'", argv[optind]);
	dir = cli_dir(dflag);
	if ((empty = dir_is_empty(dir)) <= 0)
		return cli_fail(EXIT_FAIL, cmd, empty < 0 ? "%s: cannot read the directory" :
		    "%s exists and is not empty; refusing to overwrite", dir);
	/* Build beside it and rename into place: a failed init leaves nothing. */
	if (snprintf(tmp, sizeof tmp, "%s.init-XXXXXX", dir) >= (int)sizeof tmp)
		return cli_fail(EXIT_USAGE, cmd, "data directory path too long");
	if (mkdtemp(tmp) == NULL)
		return cli_fail(EXIT_FAIL, cmd, "cannot create %s: %s", tmp, strerror(errno));
	if ((rc = populate(cmd, tmp, &cfg, network, pk)) != EXIT_OK) {
		remove_tmp(tmp);
		return rc;
	}
	if (rename(tmp, dir) != 0) {
		int e = errno;

		remove_tmp(tmp);
		return cli_fail(EXIT_FAIL, cmd, "cannot create %s: %s", dir, strerror(e));
	}
	key_to_text(keytext, pk);
	hash_hex(nethex, network, 32);
	printf("initialised %s\nidentity %s\nnetwork  %s\n", dir, keytext, nethex);
	return EXIT_OK;
}

int id_main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_DIR_OPT, { "json", no_argument, NULL, 'j' }, { 0, 0, 0, 0 },
	};
	const char *cmd = "id", *dflag = NULL;
	char path[PATH_MAX], text[KEY_TEXT_BYTES], hex[HASH_HEX_BYTES];
	key_pair_t kp;
	int c, json = 0, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dflag = optarg; break;
		case 'j': json = 1; break;
		case 'h': cli_usage(stdout, cmd); return EXIT_OK;
		default: return cli_badopt(cmd, c, argv);
		}
	}
	if (optind != argc)
		return cli_fail(EXIT_USAGE, cmd, "unexpected argument '%s'", argv[optind]);
	if (cli_path(path, cli_dir(dflag), "identity.key") != 0)
		return cli_fail(EXIT_USAGE, cmd, "data directory path too long");
	if ((rc = cli_load_key(cmd, path, &kp)) != EXIT_OK)
		return rc;
	key_wipe(&kp);
	key_to_text(text, kp.pk);
	hash_hex(hex, kp.pk, sizeof kp.pk);
	if (json)
		printf("{\"key\": \"%s\", \"hex\": \"%s\"}\n", text, hex);
	else
		printf("%s\n", text);
	return EXIT_OK;
}

int keygen_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "comment", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *cmd = "keygen", *out = NULL, *comment = "wiec identity secret key";
	char text[KEY_TEXT_BYTES];
	key_pair_t kp;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'c':
			if (!ev_text_ok(optarg, 0, 200, 0))
				return cli_fail(EXIT_USAGE, cmd, "--comment must be one line of text");
			comment = optarg;
			break;
		case 'h': cli_usage(stdout, cmd); return EXIT_OK;
		default: return cli_badopt(cmd, c, argv);
		}
	}
	if (out == NULL || optind != argc)
		return cli_fail(EXIT_USAGE, cmd, "usage: wiec keygen --out FILE [--comment TEXT]");
	if ((rc = key_generate(&kp)) == 0)
		rc = key_save(&kp, out, comment);
	key_wipe(&kp);
	if (rc == WIEC_ERR_EXISTS)
		return cli_fail(EXIT_FAIL, cmd, "%s exists; refusing to overwrite", out);
	if (rc != 0)
		return cli_fail(EXIT_FAIL, cmd, "%s: %s", out,
		    rc == WIEC_ERR_IO ? strerror(errno) : wiec_strerror(rc));
	key_to_text(text, kp.pk);
	printf("%s\n", text);
	return EXIT_OK;
}
