/* init.c: wiec init, wiec id, wiec keygen, and the data-directory builders
 * that wiec testnet shares. */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/json.h"
#include "crypto/err.h"
#include "proto/genesis.h"

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

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)type, (void)ftw;
	(void)remove(path);	/* best effort: a temporary directory of ours */
	return 0;
}

/* Removes a temporary directory we built, without following symlinks. */
static void rm_tree(const char *dir)
{
	(void)nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Builds dir through fill() in a fresh directory beside it (mode 0700) and
 * renames that into place, so that a failure leaves nothing behind. dir
 * must not exist or be empty. Returns an exit status; fill prints its own
 * errors and returns one too. */
int cli_build_beside(const char *cmd, const char *dir, cli_fill_fn fill, void *ctx)
{
	char base[PATH_MAX], tmp[PATH_MAX];
	size_t n = strlen(dir);
	int empty, rc;

	/* "a/b/" must become "a/b.init-XXXXXX", not a directory inside a/b. */
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n >= sizeof base || snprintf(tmp, sizeof tmp, "%.*s.%s-XXXXXX", (int)n, dir, cmd) >=
	    (int)sizeof tmp)
		return cli_fail(EXIT_USAGE, cmd, "directory path too long");
	snprintf(base, sizeof base, "%.*s", (int)n, dir);
	if ((empty = dir_is_empty(base)) <= 0)
		return cli_fail(EXIT_FAIL, cmd, empty < 0 ? "%s: cannot read the directory" :
		    "%s exists and is not empty; refusing to overwrite", base);
	if (mkdtemp(tmp) == NULL)
		return cli_fail(EXIT_FAIL, cmd, "cannot create %s: %s", tmp, strerror(errno));
	if ((rc = fill(cmd, tmp, ctx)) != EXIT_OK) {
		rm_tree(tmp);
		return rc;
	}
	if (rename(tmp, base) != 0) {
		int e = errno;

		rm_tree(tmp);
		return cli_fail(EXIT_FAIL, cmd, "cannot create %s: %s", base, strerror(e));
	}
	return EXIT_OK;
}

static int save_fail(const char *cmd, const char *path, int rc)
{
	return cli_fail(EXIT_FAIL, cmd, "%s: %s", path,
	    rc == WIEC_ERR_IO ? strerror(errno) : wiec_strerror(rc));
}

/* Creates dir (if need be) with fresh identity.key, transport.key and
 * config. The caller wipes *kp and *kx; on failure they are wiped already. */
int cli_datadir_keys(const char *cmd, const char *dir, const cfg_t *cfg, key_pair_t *kp,
    key_x25519_t *kx)
{
	char path[PATH_MAX];
	int rc;

	/* The longest name first: if it fits, the others do. */
	if (cli_path(path, dir, "transport.key") != 0)
		return cli_fail(EXIT_USAGE, cmd, "directory path too long");
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return cli_fail(EXIT_FAIL, cmd, "cannot create %s: %s", dir, strerror(errno));
	if ((rc = key_generate(kp)) != 0 || (rc = key_x25519_generate(kx)) != 0) {
		key_wipe(kp);
		key_x25519_wipe(kx);
		return cli_fail(EXIT_FAIL, cmd, "%s", wiec_strerror(rc));
	}
	(void)cli_path(path, dir, "identity.key");
	if ((rc = key_save(kp, path, "wiec identity secret key")) != 0)
		goto fail;
	(void)cli_path(path, dir, "transport.key");
	if ((rc = key_x25519_save(kx, path, "wiec transport (CURVE) secret key")) != 0)
		goto fail;
	(void)cli_path(path, dir, "config");
	if ((rc = cfg_save(cfg, path)) != 0)
		goto fail;
	return EXIT_OK;
fail:
	key_wipe(kp);
	key_x25519_wipe(kx);
	return save_fail(cmd, path, rc);
}

/* A genesis for founders fs[0..n), signed by each of kps[0..n) (kps[i] is
 * fs[i]'s key), checked complete. *out is malloc'd; network receives its id. */
int cli_genesis_found(const char *cmd, const char *name, const Wiec__Founder *const *fs,
    const key_pair_t *kps, size_t n, uint32_t quorum, uint8_t **out, size_t *len,
    uint8_t network[static HASH_BYTES])
{
	uint8_t *g = NULL, *next;
	size_t glen, nlen;
	genesis_t gen;
	int rc;

	*out = NULL;
	if ((rc = genesis_new(&g, &glen, name, cli_now_ms(), fs, n, quorum)) != 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		if ((rc = genesis_sign(&next, &nlen, g, glen, &kps[i])) != 0)
			goto fail;
		free(g);
		g = next;
		glen = nlen;
	}
	if ((rc = genesis_decode(&gen, g, glen, 1)) != 0)
		goto fail;
	memcpy(network, gen.network, HASH_BYTES);
	genesis_free(&gen);
	*out = g;
	*len = glen;
	return EXIT_OK;
fail:
	free(g);
	return cli_fail(cli_status(rc), cmd, "genesis: %s", wiec_strerror(rc));
}

/* Creates DIR/store holding the genesis g. */
int cli_datadir_store(const char *cmd, const char *dir, const cfg_t *cfg, const uint8_t *g,
    size_t glen, const uint8_t network[static HASH_BYTES])
{
	char path[PATH_MAX], why[STORE_WHY_MAX] = "";
	store_t *s = NULL;
	int rc;

	if (cli_path(path, dir, "store") != 0)
		return cli_fail(EXIT_USAGE, cmd, "directory path too long");
	if ((rc = store_open_why(&s, path, cfg->map_size, STORE_OPEN_CREATE, why,
	    sizeof why)) == 0)
		rc = store_set_genesis(s, g, glen, network, 0);
	else if (rc == WIEC_ERR_IO && why[0])
		return cli_fail(cli_status(rc), cmd, "%s: %s", path, why);
	store_close(&s);
	if (rc != 0)
		return cli_fail(cli_status(rc), cmd, "%s: %s%s%s", path, wiec_strerror(rc),
		    why[0] ? ": " : "", why);
	return EXIT_OK;
}

typedef struct init_ctx {
	const cfg_t *cfg;
	uint8_t pk[KEY_PK_BYTES];
	uint8_t network[HASH_BYTES];
} init_ctx_t;

/* Keys, config, and a store with a one-founder genesis (quorum 1). */
static int init_fill(const char *cmd, const char *tmp, void *arg)
{
	init_ctx_t *c = arg;
	Wiec__Founder f = WIEC__FOUNDER__INIT;
	const Wiec__Founder *fs[1] = { &f };
	key_pair_t kp;
	key_x25519_t kx;
	uint8_t *g;
	size_t glen;
	int rc;

	if ((rc = cli_datadir_keys(cmd, tmp, c->cfg, &kp, &kx)) != EXIT_OK)
		return rc;
	f.key.data = kp.pk;
	f.key.len = sizeof kp.pk;
	f.name = (char *)c->cfg->name;
	f.role = c->cfg->role;
	f.transport.data = kx.pk;
	f.transport.len = sizeof kx.pk;
	if ((rc = cli_genesis_found(cmd, c->cfg->name, fs, &kp, 1, 1, &g, &glen,
	    c->network)) == EXIT_OK) {
		rc = cli_datadir_store(cmd, tmp, c->cfg, g, glen, c->network);
		free(g);
	}
	memcpy(c->pk, kp.pk, sizeof c->pk);
	key_wipe(&kp);
	key_x25519_wipe(&kx);
	return rc;
}

/* --map-size: what DIR/config accepts, and what this process can map. A
 * size the config refuses would make every later command fail. */
static int map_size_check(const char *cmd, const char *arg, uint64_t *out)
{
	void *p;

	if (cfg_size_parse(arg, out) != 0 || *out < STORE_MAP_MIN || *out > CFG_MAP_MAX ||
	    *out > SIZE_MAX)
		return cli_fail(EXIT_USAGE, cmd, "--map-size must be a size from 1M to 16T, "
		    "like 64M or 2G, not '%.32s'", arg);
	/* LMDB maps the whole size at once: check the address space has room. */
	p = mmap(NULL, (size_t)*out, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return cli_fail(EXIT_USAGE, cmd, "--map-size %.32s is more than this machine can "
		    "map (%s); choose a smaller size", arg, strerror(errno));
	if (munmap(p, (size_t)*out) != 0)
		return cli_fail(EXIT_FAIL, cmd, "munmap: %s", strerror(errno));
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
	char keytext[KEY_TEXT_BYTES], nethex[HASH_HEX_BYTES];
	init_ctx_t ctx;
	cfg_t cfg;
	int c, rc;

	cfg_defaults(&cfg);
	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":d:h", opts)) != -1) {
		switch (c) {
		case 'd': dflag = optarg; break;
		case 'n':
			if (!ev_text_ok(optarg, 1, EV_NAME_MAX, 0))
				return cli_fail(EXIT_USAGE, cmd, "--name must be 1 to %d bytes of "
				    "text without control characters", EV_NAME_MAX);
			/* The config keeps no outer spaces (node/config.c trims
			 * them): such a name would differ from the genesis's. */
			if (optarg[0] == ' ' || optarg[strlen(optarg) - 1] == ' ')
				return cli_fail(EXIT_USAGE, cmd, "--name must not begin or end "
				    "with a space");
			snprintf(cfg.name, sizeof cfg.name, "%s", optarg);
			break;
		case 'r':
			if ((cfg.role = cfg_role_parse(optarg)) < 0)
				return cli_fail(EXIT_USAGE, cmd, "--role must be city, ngo, "
				    "university, business or other");
			break;
		case 'm':
			if ((rc = map_size_check(cmd, optarg, &cfg.map_size)) != EXIT_OK)
				return rc;
			break;
		case 'h': cli_usage(stdout, cmd); return EXIT_OK;
		default: return cli_badopt(cmd, c, argv);
		}
	}
	if (optind != argc)
		return cli_fail(EXIT_USAGE, cmd, "unexpected argument '%s'", argv[optind]);
	dir = cli_dir(dflag);
	ctx.cfg = &cfg;
	if ((rc = cli_build_beside(cmd, dir, init_fill, &ctx)) != EXIT_OK)
		return rc;
	key_to_text(keytext, ctx.pk);
	hash_hex(nethex, ctx.network, HASH_BYTES);
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
	while ((c = cli_getopt(argc, argv, ":d:h", opts)) != -1) {
		switch (c) {
		case 'd': dflag = optarg; break;
		case 'j': json = 1; break;
		case 'h': cli_usage(stdout, cmd); return EXIT_OK;
		default: return cli_badopt(cmd, c, argv);
		}
	}
	if (optind != argc)
		return cli_fail(EXIT_USAGE, cmd, "unexpected argument '%s'", argv[optind]);
	if ((rc = cli_check_dir(cmd, cli_dir(dflag))) != EXIT_OK)
		return rc;
	if (cli_path(path, cli_dir(dflag), "identity.key") != 0)
		return cli_fail(EXIT_USAGE, cmd, "data directory path too long");
	if ((rc = cli_load_key(cmd, path, &kp)) != EXIT_OK)
		return rc;
	key_wipe(&kp);
	key_to_text(text, kp.pk);
	hash_hex(hex, kp.pk, sizeof kp.pk);
	if (json) {
		json_t j;

		json_init(&j, stdout);
		json_obj(&j);
		json_kstr(&j, "key", text);
		json_kstr(&j, "hex", hex);
		json_end(&j);
	} else
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
	while ((c = cli_getopt(argc, argv, ":o:h", opts)) != -1) {
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
	if ((rc = cli_out_file(cmd, "--out", out)) != EXIT_OK)
		return rc;
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
