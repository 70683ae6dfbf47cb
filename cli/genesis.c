/* genesis.c: the genesis ceremony (spec/network.md): wiec founder, genesis
 * new, genesis sign, genesis show, genesis install. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/json.h"
#include "crypto/afile.h"
#include "crypto/err.h"
#include "node/ctl.h"
#include "node/peers.h"
#include "proto/genesis.h"

#define FOUNDER_PREFIX "wiec-founder-v1:"
#define FOUNDER_RECORD_MAX 8192		/* bytes of a founder record file */
#define B64 sodium_base64_VARIANT_ORIGINAL

/* ---- files ---- */

/* Reads at most max bytes of fd into a malloc'd buffer. 0, WIEC_ERR_TOO_BIG,
 * WIEC_ERR_NOMEM or WIEC_ERR_IO (errno set). */
static int read_fd(int fd, size_t max, uint8_t **buf, size_t *len)
{
	uint8_t *b = malloc(max + 1);
	size_t n = 0;
	ssize_t got;

	if (b == NULL)
		return WIEC_ERR_NOMEM;
	while (n <= max && ((got = read(fd, b + n, max + 1 - n)) != 0)) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			free(b);
			return WIEC_ERR_IO;
		}
		n += (size_t)got;
	}
	if (n > max) {
		free(b);
		return WIEC_ERR_TOO_BIG;
	}
	*buf = b;
	*len = n;
	return 0;
}

/* Reads a whole file; prints the error and returns the exit status. */
static int read_file(const char *cmd, const char *path, size_t max, uint8_t **buf, size_t *len)
{
	char *b;
	int rc = afile_read(path, 0, max, &b, len);

	if (rc == WIEC_ERR_TOO_BIG)
		return cli_fail(EXIT_INVALID, cmd, "%s: larger than %zu bytes", path, max);
	if (rc != 0)
		return cli_fail(EXIT_FAIL, cmd, "%s: %s", path, rc == WIEC_ERR_IO ||
		    rc == WIEC_ERR_NOTFOUND ? strerror(errno) : wiec_strerror(rc));
	*buf = (uint8_t *)b;
	return EXIT_OK;
}

/* Writes buf to path atomically (crypto/afile.h), replacing it or never
 * (WIEC_ERR_EXISTS). A genesis is public: readable by all, like the other
 * founders' copies. */
static int write_file(const char *path, const uint8_t *buf, size_t len, int replace)
{
	return afile_put(path, buf, len, 0644, replace ? AFILE_REPLACE : 0);
}

/* ---- founder records ---- */

/* Checks a founder by the genesis rules, plus dialable endpoints. */
static const char *founder_check(const Wiec__Founder *f)
{
	const Wiec__Founder *fs[1] = { f };
	uint8_t *g;
	size_t len;

	if (f->base.n_unknown_fields != 0)
		return "unknown fields";
	if (f->key.len != KEY_PK_BYTES || f->transport.len != KEY_X_BYTES)
		return "keys must be 32 bytes";
	if (f->n_endpoints > GENESIS_ENDPOINTS_MAX)
		return "more than 8 endpoints";
	for (size_t i = 0; i < f->n_endpoints; i++)
		if (!peers_endpoint_ok(f->endpoints[i]))
			return "an endpoint is not tcp://HOST:PORT";
	/* A one-founder genesis applies exactly the rules a real one will. */
	if (genesis_new(&g, &len, "check", 0, fs, 1, 1) != 0)
		return "name, role or endpoints break the genesis rules";
	free(g);
	return NULL;
}

/* Parses "wiec-founder-v1:<base64>" with an optional line end. On success
 * *out is the unpacked founder (free with wiec__founder__free_unpacked). */
static const char *founder_parse(const uint8_t *text, size_t len, Wiec__Founder **out)
{
	size_t plen = strlen(FOUNDER_PREFIX), blen, got;
	uint8_t *bin;
	Wiec__Founder *f;
	const char *why, *end;
	int rc;

	*out = NULL;
	if (len > 0 && text[len - 1] == '\n')
		len--;
	if (len > 0 && text[len - 1] == '\r')
		len--;
	if (len < plen || memcmp(text, FOUNDER_PREFIX, plen) != 0)
		return "does not start with '" FOUNDER_PREFIX "'";
	blen = (len - plen) / 4 * 3 + 3;
	if ((bin = malloc(blen)) == NULL)
		return "out of memory";
	if (sodium_base642bin(bin, blen, (const char *)text + plen, len - plen, NULL, &got,
	    &end, B64) != 0 || end != (const char *)text + len) {
		free(bin);
		return "not one line of base64";
	}
	/* One founder, one byte string: other encodings of it are refused. */
	rc = genesis_founder_decode(&f, bin, got);
	free(bin);
	if (rc == WIEC_ERR_NONCANON)
		return "not the canonical encoding";
	if (rc != 0)
		return rc == WIEC_ERR_NOMEM ? "out of memory" : "not an encoded Founder";
	if ((why = founder_check(f)) != NULL)
		wiec__founder__free_unpacked(f, NULL);
	else
		*out = f;
	return why;
}

static int wildcard(const char *endpoint)
{
	return strncmp(endpoint, "tcp://0.0.0.0:", 14) == 0 || strncmp(endpoint, "tcp://*:", 8) == 0 ||
	    strncmp(endpoint, "tcp://[::]:", 11) == 0;
}

/* Loads DIR's identity (secret half wiped) and transport public keys. */
static int load_keys(const char *cmd, const char *dir, uint8_t pk[static KEY_PK_BYTES],
    uint8_t xpk[static KEY_X_BYTES])
{
	char path[PATH_MAX];
	key_pair_t kp;
	key_x25519_t kx;
	int rc;

	if (cli_path(path, dir, "identity.key") != 0)
		return cli_fail(EXIT_USAGE, cmd, "data directory path too long");
	if ((rc = cli_load_key(cmd, path, &kp)) != EXIT_OK)
		return rc;
	memcpy(pk, kp.pk, KEY_PK_BYTES);
	key_wipe(&kp);
	if (cli_path(path, dir, "transport.key") != 0)
		return cli_fail(EXIT_USAGE, cmd, "data directory path too long");
	if ((rc = key_x25519_load(&kx, path)) != 0)
		return cli_fail(EXIT_KEY, cmd, "%s: %s", path, rc == WIEC_ERR_IO ?
		    strerror(errno) : rc == WIEC_ERR_NOTFOUND ? "no such key file" : wiec_strerror(rc));
	memcpy(xpk, kx.pk, KEY_X_BYTES);
	key_x25519_wipe(&kx);
	return EXIT_OK;
}

int founder_main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_DIR_OPT, { "endpoint", required_argument, NULL, 'e' }, { 0, 0, 0, 0 },
	};
	const char *cmd = "founder", *dflag = NULL, *dir, *why;
	char *eps[GENESIS_ENDPOINTS_MAX], *b64 = NULL;
	uint8_t pk[KEY_PK_BYTES], xpk[KEY_X_BYTES], *bin = NULL;
	Wiec__Founder f = WIEC__FOUNDER__INIT;
	size_t neps = 0, len;
	store_t *s;
	cfg_t cfg;
	int c, rc;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":d:h", opts)) != -1) {
		switch (c) {
		case 'd': dflag = optarg; break;
		case 'e':
			if (!peers_endpoint_ok(optarg))
				return cli_fail(EXIT_USAGE, cmd, "--endpoint must be tcp://HOST:PORT "
				    "(at most 255 bytes), not '%.64s'", optarg);
			if (wildcard(optarg))
				return cli_fail(EXIT_USAGE, cmd, "--endpoint %s is a wildcard; give an "
				    "address the other founders can dial", optarg);
			if (neps == GENESIS_ENDPOINTS_MAX)
				return cli_fail(EXIT_USAGE, cmd, "at most %d endpoints",
				    GENESIS_ENDPOINTS_MAX);
			eps[neps++] = optarg;
			break;
		case 'h': cli_usage(stdout, cmd); return EXIT_OK;
		default: return cli_badopt(cmd, c, argv);
		}
	}
	if (optind != argc)
		return cli_fail(EXIT_USAGE, cmd, "unexpected argument '%s'", argv[optind]);
	dir = cli_dir(dflag);
	if ((rc = cli_open_read(cmd, dir, &cfg, &s)) != EXIT_OK)
		return rc;
	store_close(&s);
	if ((rc = load_keys(cmd, dir, pk, xpk)) != EXIT_OK)
		return rc;
	if (neps == 0 && cfg.listen[0] != '\0') {
		if (!peers_endpoint_ok(cfg.listen) || wildcard(cfg.listen))
			return cli_fail(EXIT_USAGE, cmd, "the config's listen %s is not an address "
			    "the other founders can dial; give --endpoint tcp://HOST:PORT", cfg.listen);
		eps[neps++] = cfg.listen;
	}
	f.key.data = pk;
	f.key.len = sizeof pk;
	f.name = cfg.name;
	f.role = cfg.role;
	f.transport.data = xpk;
	f.transport.len = sizeof xpk;
	f.endpoints = eps;
	f.n_endpoints = neps;
	if ((why = founder_check(&f)) != NULL)
		return cli_fail(EXIT_DATA, cmd, "%s/config: %s", dir, why);
	len = wiec__founder__get_packed_size(&f);
	if ((bin = malloc(len)) == NULL ||
	    (b64 = malloc(sodium_base64_ENCODED_LEN(len, B64))) == NULL) {
		free(bin);
		return cli_fail(EXIT_FAIL, cmd, "%s", wiec_strerror(WIEC_ERR_NOMEM));
	}
	if (wiec__founder__pack(&f, bin) != len) {
		free(bin);
		free(b64);
		return cli_fail(EXIT_FAIL, cmd, "cannot encode the founder record");
	}
	sodium_bin2base64(b64, sodium_base64_ENCODED_LEN(len, B64), bin, len, B64);
	printf("%s%s\n", FOUNDER_PREFIX, b64);
	free(bin);
	free(b64);
	return EXIT_OK;
}

/* ---- genesis new ---- */

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return *s == '\0' ? 0 : -1;
}

/* Reads founder records from files[0..n) into fs (unpacked; caller frees
 * each). Prints the error and returns the exit status. */
static int read_founders(const char *cmd, char **files, size_t n, Wiec__Founder **fs)
{
	char text[KEY_TEXT_BYTES];
	const char *why;
	uint8_t *buf;
	size_t len;
	int rc;

	for (size_t i = 0; i < n; i++) {
		if ((rc = read_file(cmd, files[i], FOUNDER_RECORD_MAX, &buf, &len)) != EXIT_OK)
			return rc;
		why = founder_parse(buf, len, &fs[i]);
		free(buf);
		if (why != NULL)
			return cli_fail(EXIT_INVALID, cmd, "%s: bad founder record: %s", files[i], why);
		for (size_t j = 0; j < i; j++)
			if (memcmp(fs[j]->key.data, fs[i]->key.data, KEY_PK_BYTES) == 0) {
				key_to_text(text, fs[i]->key.data);
				return cli_fail(EXIT_INVALID, cmd, "%s: founder %s is already in %s",
				    files[i], text, files[j]);
			}
	}
	return EXIT_OK;
}

int cli_founder_load(const char *cmd, const char *path, Wiec__Founder **out)
{
	*out = NULL;
	return read_founders(cmd, (char **)&path, 1, out);
}

int genesis_new_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "quorum", required_argument, NULL, 'q' },
		{ "timestamp", required_argument, NULL, 't' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *cmd = "genesis new", *name = NULL, *out = NULL;
	Wiec__Founder *fs[GENESIS_FOUNDERS_MAX] = { 0 };
	char hex[HASH_HEX_BYTES];
	uint64_t quorum = 0, ts = cli_now_ms();
	uint8_t *g = NULL;
	size_t n, glen;
	genesis_t gen;
	int c, rc;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":o:h", opts)) != -1) {
		switch (c) {
		case 'n':
			if (!ev_text_ok(optarg, 1, EV_NAME_MAX, 0))
				return cli_fail(EXIT_USAGE, cmd, "--name must be 1 to %d bytes of "
				    "text without control characters", EV_NAME_MAX);
			name = optarg;
			break;
		case 'q':
			if (parse_u64(optarg, GENESIS_FOUNDERS_MAX, &quorum) != 0 || quorum == 0)
				return cli_fail(EXIT_USAGE, cmd, "--quorum must be a number of "
				    "founders, 1 to %d", GENESIS_FOUNDERS_MAX);
			break;
		case 't':
			if (parse_u64(optarg, UINT64_MAX, &ts) != 0)
				return cli_fail(EXIT_USAGE, cmd, "--timestamp must be milliseconds "
				    "since the Unix epoch");
			break;
		case 'o': out = optarg; break;
		case 'h': cli_usage(stdout, cmd); return EXIT_OK;
		default: return cli_badopt(cmd, c, argv);
		}
	}
	n = (size_t)(argc - optind);
	if (name == NULL || out == NULL || n == 0)
		return cli_fail(EXIT_USAGE, cmd, "usage: wiec genesis new --name NAME --out FILE "
		    "FOUNDERFILE...");
	if ((rc = cli_out_file(cmd, "--out", out)) != EXIT_OK)
		return rc;
	if (n > GENESIS_FOUNDERS_MAX)
		return cli_fail(EXIT_USAGE, cmd, "at most %d founders", GENESIS_FOUNDERS_MAX);
	if (quorum > n)
		return cli_fail(EXIT_USAGE, cmd, "--quorum %llu is more than the %zu founders",
		    (unsigned long long)quorum, n);
	if ((rc = read_founders(cmd, argv + optind, n, fs)) != EXIT_OK)
		goto out;
	if ((rc = genesis_new(&g, &glen, name, ts, (const Wiec__Founder *const *)fs, n,
	    (uint32_t)quorum)) != 0 || (rc = genesis_decode(&gen, g, glen, 0)) != 0) {
		rc = cli_fail(cli_status(rc), cmd, "%s", wiec_strerror(rc));
		goto out;
	}
	hash_hex(hex, gen.network, HASH_BYTES);
	quorum = gen.body->quorum;
	genesis_free(&gen);
	if ((rc = write_file(out, g, glen, 0)) != 0) {
		rc = rc == WIEC_ERR_EXISTS ?
		    cli_fail(EXIT_FAIL, cmd, "%s exists; refusing to overwrite", out) :
		    cli_fail(EXIT_FAIL, cmd, "%s: %s", out, rc == WIEC_ERR_IO ? strerror(errno) :
		    wiec_strerror(rc));
		goto out;
	}
	printf("wrote %s: %zu founders, quorum %llu, unsigned\nnetwork %s\n"
	    "next: every founder runs 'wiec genesis sign -d DIR %s'\n", out, n,
	    (unsigned long long)quorum, hex, out);
	rc = EXIT_OK;
out:
	for (size_t i = 0; i < GENESIS_FOUNDERS_MAX; i++)
		if (fs[i] != NULL)
			wiec__founder__free_unpacked(fs[i], NULL);
	free(g);
	return rc;
}

/* ---- reading a genesis file ---- */

/* Decodes the genesis in path (complete: every founder must have signed).
 * Prints the error and returns the exit status. */
static int load_genesis(const char *cmd, const char *path, int complete, genesis_t *g,
    uint8_t **buf, size_t *len)
{
	int rc;

	if ((rc = read_file(cmd, path, GENESIS_MAX, buf, len)) != EXIT_OK)
		return rc;
	if ((rc = genesis_decode(g, *buf, *len, 0)) != 0) {
		free(*buf);
		return cli_fail(cli_status(rc), cmd, "%s: not a valid genesis: %s", path,
		    wiec_strerror(rc));
	}
	if (complete && g->signed_count < g->body->n_founders) {
		rc = cli_fail(EXIT_INVALID, cmd, "%s is not complete: %zu of %zu founders have "
		    "signed", path, g->signed_count, g->body->n_founders);
		genesis_free(g);
		free(*buf);
		return rc;
	}
	return EXIT_OK;
}

/* This node's founder entry must carry this node's transport key: it is
 * what the others' CURVE handshakes will expect. */
static int check_transport(const char *cmd, const char *dir, const Wiec__Founder *f,
    const uint8_t xpk[static KEY_X_BYTES])
{
	if (memcmp(f->transport.data, xpk, KEY_X_BYTES) == 0)
		return EXIT_OK;
	return cli_fail(EXIT_INVALID, cmd, "the genesis lists another transport key for this "
	    "node than %s/transport.key; rebuild it from 'wiec founder -d %s'", dir, dir);
}

int genesis_sign_main(int argc, char **argv)
{
	static const struct option opts[] = { CLI_DIR_OPT, { 0, 0, 0, 0 } };
	const char *cmd = "genesis sign", *dflag = NULL, *dir, *file;
	char path[PATH_MAX], text[KEY_TEXT_BYTES];
	uint8_t pk[KEY_PK_BYTES], xpk[KEY_X_BYTES], *buf = NULL, *out = NULL;
	struct stat a, b;
	size_t len, olen, n, k;
	genesis_t g = { 0 };
	key_pair_t kp;
	int c, fd = -1, i, rc;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":d:h", opts)) != -1) {
		switch (c) {
		case 'd': dflag = optarg; break;
		case 'h': cli_usage(stdout, cmd); return EXIT_OK;
		default: return cli_badopt(cmd, c, argv);
		}
	}
	if (argc - optind != 1)
		return cli_fail(EXIT_USAGE, cmd, "usage: wiec genesis sign [-d DIR] FILE");
	file = argv[optind];
	dir = cli_dir(dflag);
	if ((rc = cli_check_dir(cmd, dir)) != EXIT_OK || (rc = load_keys(cmd, dir, pk, xpk)) != EXIT_OK)
		return rc;
	/* Two founders signing one shared file must not lose a signature: lock
	 * it, and start over if it was replaced while we waited. */
	for (;;) {
		if ((fd = afile_open_read(file, 0, NULL)) < 0)
			return cli_fail(EXIT_FAIL, cmd, "%s: %s", file, fd == WIEC_ERR_NOTREG ?
			    wiec_strerror(fd) : strerror(errno));
		if (flock(fd, LOCK_EX) != 0 || fstat(fd, &a) != 0) {
			rc = cli_fail(EXIT_FAIL, cmd, "%s: %s", file, strerror(errno));
			goto out;
		}
		if (stat(file, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			break;
		close(fd);
	}
	if ((rc = read_fd(fd, GENESIS_MAX, &buf, &len)) != 0) {
		rc = cli_fail(rc == WIEC_ERR_TOO_BIG ? EXIT_INVALID : EXIT_FAIL, cmd, "%s: %s", file,
		    rc == WIEC_ERR_IO ? strerror(errno) : wiec_strerror(rc));
		goto out;
	}
	if ((rc = genesis_decode(&g, buf, len, 0)) != 0) {
		rc = cli_fail(cli_status(rc), cmd, "%s: not a valid genesis: %s", file,
		    wiec_strerror(rc));
		goto out;
	}
	key_to_text(text, pk);
	n = g.body->n_founders;
	if ((i = genesis_founder(&g, pk)) < 0) {
		rc = cli_fail(EXIT_FAIL, cmd, "this node (%s) is not a founder in %s", text, file);
		goto out;
	}
	if ((rc = check_transport(cmd, dir, g.body->founders[i], xpk)) != EXIT_OK)
		goto out;
	k = g.signed_count;
	if (g.msg->sigs[i].len == 0) {
		if (cli_path(path, dir, "identity.key") != 0 ||
		    (rc = cli_load_key(cmd, path, &kp)) != EXIT_OK)
			goto out;
		rc = genesis_sign(&out, &olen, buf, len, &kp);
		key_wipe(&kp);
		if (rc != 0) {
			rc = cli_fail(cli_status(rc), cmd, "%s", wiec_strerror(rc));
			goto out;
		}
		if ((rc = write_file(file, out, olen, 1)) != 0) {
			rc = cli_fail(EXIT_FAIL, cmd, "%s: %s", file, rc == WIEC_ERR_IO ?
			    strerror(errno) : wiec_strerror(rc));
			goto out;
		}
		k++;
	}
	printf("%s %s as %s: %zu of %zu founders, %s\n", out ? "signed" : "already signed",
	    file, text, k, n, k == n ? "complete" : "incomplete");
	rc = EXIT_OK;
out:
	genesis_free(&g);
	free(buf);
	free(out);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* ---- genesis show ---- */

static void show_text(const char *file, const genesis_t *g)
{
	const Wiec__GenesisBody *b = g->body;
	char text[KEY_TEXT_BYTES], hex[HASH_HEX_BYTES];

	hash_hex(hex, g->network, HASH_BYTES);
	printf("genesis   ");
	ev_fput_text(stdout, file, strlen(file));
	printf("\nnetwork   %s\nname      ", hex);
	ev_fput_text(stdout, b->name, strlen(b->name));
	printf("\nquorum    %u of %zu\ntimestamp %llu\nsigned    %zu of %zu: %s\n", b->quorum,
	    b->n_founders, (unsigned long long)b->timestamp, g->signed_count, b->n_founders,
	    g->signed_count == b->n_founders ? "complete" : "incomplete");
	for (size_t i = 0; i < b->n_founders; i++) {
		const Wiec__Founder *f = b->founders[i];

		key_to_text(text, f->key.data);
		hash_hex(hex, f->transport.data, KEY_X_BYTES);
		printf("founder %zu %s %s %s: ", i + 1, text,
		    g->msg->sigs[i].len ? "signed  " : "unsigned", cfg_role_name(f->role));
		ev_fput_text(stdout, f->name, strlen(f->name));
		printf("\n  transport %s\n", hex);
		for (size_t j = 0; j < f->n_endpoints; j++) {
			printf("  endpoint  ");
			ev_fput_text(stdout, f->endpoints[j], strlen(f->endpoints[j]));
			putchar('\n');
		}
	}
}

static void show_json(const genesis_t *g)
{
	const Wiec__GenesisBody *b = g->body;
	char text[KEY_TEXT_BYTES];
	json_t j;

	json_init(&j, stdout);
	json_obj(&j);
	json_khex(&j, "network", g->network, HASH_BYTES);
	json_kstr(&j, "name", b->name);
	json_ku64(&j, "quorum", b->quorum);
	json_ku64(&j, "timestamp", b->timestamp);
	json_ku64(&j, "signatures", g->signed_count);
	json_kbool(&j, "complete", g->signed_count == b->n_founders);
	json_key(&j, "founders");
	json_arr(&j);
	for (size_t i = 0; i < b->n_founders; i++) {
		const Wiec__Founder *f = b->founders[i];

		key_to_text(text, f->key.data);
		json_obj(&j);
		json_kstr(&j, "key", text);
		json_kstr(&j, "name", f->name);
		json_kstr(&j, "role", cfg_role_name(f->role));
		json_khex(&j, "transport", f->transport.data, KEY_X_BYTES);
		json_key(&j, "endpoints");
		json_arr(&j);
		for (size_t e = 0; e < f->n_endpoints; e++)
			json_str(&j, f->endpoints[e]);
		json_end(&j);
		json_kbool(&j, "signed", g->msg->sigs[i].len != 0);
		json_end(&j);
	}
	json_end(&j);
	json_end(&j);
}

int genesis_show_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' }, { 0, 0, 0, 0 },
	};
	const char *cmd = "genesis show";
	uint8_t *buf;
	size_t len;
	genesis_t g;
	int c, json = 0, rc;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":h", opts)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'h': cli_usage(stdout, cmd); return EXIT_OK;
		default: return cli_badopt(cmd, c, argv);
		}
	}
	if (argc - optind != 1)
		return cli_fail(EXIT_USAGE, cmd, "usage: wiec genesis show FILE [--json]");
	if ((rc = load_genesis(cmd, argv[optind], 0, &g, &buf, &len)) != EXIT_OK)
		return rc;
	if (json)
		show_json(&g);
	else
		show_text(argv[optind], &g);
	genesis_free(&g);
	free(buf);
	return EXIT_OK;
}

/* ---- genesis install ---- */

int genesis_install_main(int argc, char **argv)
{
	static const struct option opts[] = { CLI_DIR_OPT, { 0, 0, 0, 0 } };
	const char *cmd = "genesis install", *dflag = NULL, *dir, *file;
	char text[KEY_TEXT_BYTES], hex[HASH_HEX_BYTES], old[HASH_HEX_BYTES];
	uint8_t pk[KEY_PK_BYTES], xpk[KEY_X_BYTES], net[HASH_BYTES], *buf = NULL;
	store_t *s = NULL;
	genesis_t g = { 0 };
	size_t len;
	cfg_t cfg;
	int c, i, rc, lock, lockfd = -1;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":d:h", opts)) != -1) {
		switch (c) {
		case 'd': dflag = optarg; break;
		case 'h': cli_usage(stdout, cmd); return EXIT_OK;
		default: return cli_badopt(cmd, c, argv);
		}
	}
	if (argc - optind != 1)
		return cli_fail(EXIT_USAGE, cmd, "usage: wiec genesis install [-d DIR] FILE");
	file = argv[optind];
	dir = cli_dir(dflag);
	if ((rc = cli_check_dir(cmd, dir)) != EXIT_OK || (rc = load_keys(cmd, dir, pk, xpk)) != EXIT_OK)
		return rc;
	if ((rc = load_genesis(cmd, file, 1, &g, &buf, &len)) != EXIT_OK)
		return rc;
	hash_hex(hex, g.network, HASH_BYTES);
	key_to_text(text, pk);
	if ((i = genesis_founder(&g, pk)) < 0) {
		rc = cli_fail(EXIT_FAIL, cmd, "this node (%s) is not a founder of network %s; "
		    "only founders' nodes join it", text, hex);
		goto out;
	}
	if ((rc = check_transport(cmd, dir, g.body->founders[i], xpk)) != EXIT_OK ||
	    (rc = cli_open(cmd, dir, &cfg, &s)) != EXIT_OK)
		goto out;
	/* A running node keeps the old network in memory and would refuse its
	 * own posts: refuse while one runs, and keep one from starting meanwhile. */
	if ((lock = ctl_direct_lock(dir, &lockfd)) != 0) {
		rc = lock == 1 ? cli_fail(EXIT_FAIL, cmd, "a node is running on %s; stop it, "
		    "install, then start it again", dir) :
		    cli_fail(EXIT_DATA, cmd, "%s/%s: %s", dir, CTL_LOCK, strerror(errno));
		goto out;
	}
	memset(net, 0, sizeof net);
	/* Installing the same genesis again changes nothing and succeeds. */
	if (store_network(s, net) == 0 && memcmp(net, g.network, HASH_BYTES) == 0)
		rc = 0;
	else
		rc = store_set_genesis(s, buf, len, g.network, 1);
	if (rc == WIEC_ERR_EXISTS) {
		hash_hex(old, net, HASH_BYTES);
		rc = cli_fail(EXIT_FAIL, cmd, "%s already holds events of network %s; a node "
		    "joins a network before posting", dir, old);
		goto out;
	}
	if (rc != 0) {
		rc = cli_fail(cli_status(rc), cmd, "%s/store: %s", dir, wiec_strerror(rc));
		goto out;
	}
	printf("%s\n", hex);
	rc = EXIT_OK;
out:
	store_close(&s);
	if (lockfd >= 0)
		close(lockfd);
	genesis_free(&g);
	free(buf);
	return rc;
}
