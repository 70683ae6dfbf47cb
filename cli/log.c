/* log.c: wiec log and wiec show: reading events back. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/json.h"
#include "crypto/err.h"
#include "node/config.h"
#include "proto/kind.h"

/* How the kind table (proto/kind.h) prints strings and roles here. */
static const kind_fmt_t log_fmt = { json_fstr, cfg_role_name };

int cli_print_event(FILE *f, store_t *s, uint64_t lseq, const uint8_t *env, size_t len,
    int json)
{
	char id[HASH_HEX_BYTES], author[KEY_TEXT_BYTES];
	const kind_t *k;
	int excluded = 0;
	json_t j;
	ev_t ev;

	if (ev_decode(&ev, env, len) != 0)
		return -1;
	/* A member's event from its fork on (spec/events.md section 5). */
	if (s != NULL && (excluded = store_excluded_ev(s, ev.id, ev.author, ev.seq)) < 0) {
		ev_free(&ev);
		return -1;
	}
	if ((k = kind_find(ev.kind)) == NULL) {		/* ev_decode admits none */
		ev_free(&ev);
		return -1;
	}
	hash_hex(id, ev.id, HASH_BYTES);
	key_to_text(author, ev.author);
	if (!json) {
		fprintf(f, "%s %-8s %s #%llu %s", id, k->name, author, (unsigned long long)ev.seq,
		    excluded ? "[excluded] " : "");
		k->text(f, ev.body, &log_fmt);
		ev_free(&ev);
		return 0;
	}
	json_init(&j, f);
	json_obj(&j);
	json_ku64(&j, "lseq", lseq);
	json_khex(&j, "id", ev.id, HASH_BYTES);
	json_kstr(&j, "author", author);
	json_ku64(&j, "seq", ev.seq);
	json_key(&j, "prev");
	json_hex_or_null(&j, ev.prev, HASH_BYTES);
	if (s != NULL)
		json_kbool(&j, "excluded", excluded);
	json_ku64(&j, "timestamp", ev.timestamp);
	json_kstr(&j, "kind", k->name);
	k->json(f, ev.body, &log_fmt);	/* writes `, "key": value` members */
	json_end(&j);
	ev_free(&ev);
	return 0;
}

typedef struct log_ctx {
	int json;
	store_t *s;
} log_ctx_t;

static int print_one(void *ctx, uint64_t lseq, const uint8_t *env, size_t len)
{
	const log_ctx_t *l = ctx;

	return cli_print_event(stdout, l->s, lseq, env, len, l->json) == 0 ? 0 : WIEC_ERR_CORRUPT;
}

int log_main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_DIR_OPT,
		{ "author", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ 0, 0, 0, 0 },
	};
	const char *cmd = "log", *dflag = NULL, *author = NULL, *msg;
	char err[CLI_ERR_MAX];
	uint8_t pk[KEY_PK_BYTES];
	log_ctx_t l = { 0 };
	store_t *s;
	cfg_t cfg;
	int c, rc;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":d:h", opts)) != -1) {
		switch (c) {
		case 'd': dflag = optarg; break;
		case 'a': author = optarg; break;
		case 'j': l.json = 1; break;
		case 'h': cli_usage(stdout, cmd); return EXIT_OK;
		default: return cli_badopt(cmd, c, argv);
		}
	}
	if (optind != argc)
		return cli_fail(EXIT_USAGE, cmd, "unexpected argument '%s'", argv[optind]);
	if (author && key_from_text(pk, author) != 0)
		return cli_fail(EXIT_USAGE, cmd, "--author must be a key (wk... or 64 hex digits)");
	if ((rc = cli_open_read(cmd, cli_dir(dflag), &cfg, &s)) != EXIT_OK)
		return rc;
	l.s = s;
	rc = author ? store_scan_author(s, pk, 1, print_one, &l) : store_scan_log(s, 1, print_one, &l);
	msg = rc != 0 ? cli_strerror(s, rc, err, sizeof err) : NULL;	/* before the close */
	store_close(&s);
	if (fflush(stdout) != 0)
		return cli_fail(EXIT_FAIL, cmd, "cannot write the output");
	if (rc != 0)
		return cli_fail(cli_status(rc), cmd, "%s%s", msg, msg == err ? "" :
		    " (run 'wiec verify')");
	return EXIT_OK;
}

int show_main(int argc, char **argv)
{
	static const struct option opts[] = { CLI_DIR_OPT, { 0, 0, 0, 0 } };
	const char *cmd = "show", *dflag = NULL;
	char err[CLI_ERR_MAX];
	uint8_t id[HASH_BYTES], *env;
	uint64_t lseq = 0;
	size_t len;
	store_t *s;
	cfg_t cfg;
	int c, rc;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":d:h", opts)) != -1) {
		switch (c) {
		case 'd': dflag = optarg; break;
		case 'h': cli_usage(stdout, cmd); return EXIT_OK;
		default: return cli_badopt(cmd, c, argv);
		}
	}
	if (optind + 1 != argc || hash_from_hex(id, sizeof id, argv[optind]) != 0)
		return cli_fail(EXIT_USAGE, cmd, "usage: wiec show [-d DIR] ID (64 hex digits)");
	if ((rc = cli_open_read(cmd, cli_dir(dflag), &cfg, &s)) != EXIT_OK)
		return rc;
	rc = store_get_at(s, id, &env, &len, &lseq);
	if (rc != 0) {
		if (rc == WIEC_ERR_NOTFOUND)
			rc = cli_fail(EXIT_FAIL, cmd, "no event %s here", argv[optind]);
		else
			rc = cli_fail(cli_status(rc), cmd, "%s", cli_strerror(s, rc, err, sizeof err));
		store_close(&s);
		return rc;
	}
	rc = cli_print_event(stdout, s, lseq, env, len, 1);
	if (rc != 0 && store_damage(s, err, sizeof err) == 0)
		rc = cli_fail(EXIT_DATA, cmd, "%s", cli_strerror(s, WIEC_ERR_CORRUPT, err,
		    sizeof err));
	else if (rc != 0)
		rc = cli_fail(EXIT_DATA, cmd, "stored event %s does not decode", argv[optind]);
	store_close(&s);
	free(env);
	return rc == 0 ? EXIT_OK : rc;
}
