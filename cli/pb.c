/* pb.c: wiec pb tally, the winners of a Pabulib .pb election (model/pb.h,
 * model/tally.h; spec/tally.md). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/json.h"
#include "crypto/afile.h"
#include "crypto/err.h"
#include "model/pb.h"
#include "model/tally.h"

/* Reads path whole (afile_read: a FIFO, device or directory is refused at
 * once, never waited on). Prints the error and returns an exit status. */
static int read_file(const char *cmd, const char *path, char **buf, size_t *len)
{
	int rc;

	*buf = NULL;
	if ((rc = afile_read(path, 0, PB_FILE_MAX, buf, len)) == 0)
		return EXIT_OK;
	if (rc == WIEC_ERR_TOO_BIG)
		return cli_fail(EXIT_INVALID, cmd, "%s: larger than %lu bytes", path, PB_FILE_MAX);
	return cli_fail(EXIT_FAIL, cmd, "%s: %s", path, rc == WIEC_ERR_IO ? strerror(errno) :
	    rc == WIEC_ERR_NOTREG ? "not a regular file" : rc == WIEC_ERR_NOTFOUND ?
	    strerror(ENOENT) : wiec_strerror(rc));
}

/* --exclusive A,B,C: one exclusion group of projects (greedy-exclusive). */
static int add_group(const char *cmd, const pb_t *p, uint32_t *group, uint32_t g,
    const char *list)
{
	const char *s = list;

	while (*s) {
		const char *c = strchr(s, ',');
		size_t l = c != NULL ? (size_t)(c - s) : strlen(s), k;

		for (k = 0; k < p->nproj; k++)
			if (strncmp(p->proj[k].id, s, l) == 0 && p->proj[k].id[l] == '\0')
				break;
		if (k == p->nproj)
			return cli_fail(EXIT_USAGE, cmd, "--exclusive names no project '%.*s'",
			    (int)l, s);
		if (group[k] != 0)
			return cli_fail(EXIT_USAGE, cmd, "project '%s' is in two --exclusive groups",
			    p->proj[k].id);
		group[k] = g;
		s += l + (c != NULL);
	}
	return EXIT_OK;
}

static void print_result(const pb_t *p, tally_rule_t rule, const tally_result_t *r, int json)
{
	int counts = rule == TALLY_APPROVAL || rule == TALLY_PLURALITY || rule == TALLY_BORDA;
	json_t j;

	if (!json) {
		/* A downloaded file's ids: a bidi override in one is shown. */
		for (size_t i = 0; i < r->nwin; i++) {
			ev_fput_text(stdout, p->proj[r->win[i]].id, strlen(p->proj[r->win[i]].id));
			putchar('\n');
		}
		return;
	}
	json_init(&j, stdout);
	json_obj(&j);
	json_kstr(&j, "rule", tally_rule_name(rule));
	json_key(&j, "winners");
	json_arr(&j);
	for (size_t i = 0; i < r->nwin; i++)
		json_str(&j, p->proj[r->win[i]].id);
	json_end(&j);
	if (rule == TALLY_MES_ADD1_CMP)
		json_kbool(&j, "greedy", r->used_greedy);
	if (counts) {
		json_key(&j, "scores");
		json_obj(&j);
		for (size_t c = 0; c < p->nproj; c++)
			json_ku64(&j, p->proj[c].id, r->score[c]);
		json_end(&j);
	}
	json_end(&j);
}

int pb_tally_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rule", required_argument, NULL, 'r' }, { "json", no_argument, NULL, 'j' },
		{ "mixed-eol", no_argument, NULL, 'm' },
		{ "exclusive", required_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' }, { 0, 0, 0, 0 },
	};
	const char *cmd = "pb tally", *rname = NULL, *excl[64];
	size_t nexcl = 0, len = 0;
	unsigned flags = 0;
	tally_result_t res;
	tally_rule_t rule;
	uint32_t *group = NULL;
	char *buf = NULL, why[256];
	pb_t *p = NULL;
	int c, json = 0, rc;

	memset(&res, 0, sizeof res);
	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":h", opts)) != -1) {
		switch (c) {
		case 'r': rname = optarg; break;
		case 'j': json = 1; break;
		case 'm': flags |= PB_MIXED_EOL; break;
		case 'x':
			if (nexcl == sizeof excl / sizeof excl[0])
				return cli_fail(EXIT_USAGE, cmd, "at most %zu --exclusive groups",
				    sizeof excl / sizeof excl[0]);
			excl[nexcl++] = optarg;
			break;
		case 'h': cli_usage(stdout, cmd); return EXIT_OK;
		default: return cli_badopt(cmd, c, argv);
		}
	}
	if (argc - optind != 1)
		return cli_fail(EXIT_USAGE, cmd, argc == optind ? "no .pb file given" :
		    "unexpected argument '%s'", argv[optind + 1]);
	if (rname != NULL && tally_rule_parse(rname, &rule) != 0)
		return cli_fail(EXIT_USAGE, cmd, "unknown rule '%s' (greedy, greedy-no-skip, "
		    "greedy-threshold, greedy-exclusive, greedy-custom, equalshares, "
		    "equalshares/add1, equalshares/add1-comparison, approval, plurality, borda)",
		    rname);
	if ((rc = read_file(cmd, argv[optind], &buf, &len)) != EXIT_OK)
		return rc;
	if ((rc = pb_parse(&p, buf, len, flags, why, sizeof why)) != 0) {
		rc = cli_fail(rc == WIEC_ERR_NOMEM ? EXIT_FAIL : EXIT_INVALID, cmd, "%s: %s%s",
		    argv[optind], why, strstr(why, "mixes line endings") != NULL ?
		    " (--mixed-eol accepts that)" : "");
		goto out;
	}
	if (rname == NULL) {
		if (p->rule == NULL) {
			rc = cli_fail(EXIT_INVALID, cmd, "%s: META has no rule; give --rule",
			    argv[optind]);
			goto out;
		}
		if (tally_rule_parse(p->rule, &rule) != 0) {
			rc = cli_fail(EXIT_INVALID, cmd, "%s: META rule '%.40s' is not one wiec "
			    "computes; give --rule", argv[optind], p->rule);
			goto out;
		}
	}
	if (nexcl > 0) {
		if (rule != TALLY_GREEDY_EXCLUSIVE) {
			rc = cli_fail(EXIT_USAGE, cmd, "--exclusive applies to greedy-exclusive only");
			goto out;
		}
		if ((group = calloc(p->nproj + 1, sizeof *group)) == NULL) {
			rc = cli_fail(EXIT_FAIL, cmd, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < nexcl; i++)
			if ((rc = add_group(cmd, p, group, (uint32_t)i + 1, excl[i])) != EXIT_OK)
				goto out;
	}
	if ((rc = tally_run(p, rule, group, &res, why, sizeof why)) != 0) {
		rc = cli_fail(rc == WIEC_ERR_ARG ? EXIT_USAGE : rc == WIEC_ERR_TOO_BIG ?
		    EXIT_INVALID : EXIT_FAIL, cmd, "%s: %s", argv[optind], why);
		goto out;
	}
	print_result(p, rule, &res, json);
	rc = fflush(stdout) == 0 ? EXIT_OK : cli_fail(EXIT_FAIL, cmd, "writing the result: %s",
	    strerror(errno));
out:
	tally_result_free(&res);
	free(group);
	pb_free(&p);
	free(buf);
	return rc;
}
