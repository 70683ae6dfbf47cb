/* pbcheck.c: does the rule in a .pb file's META reproduce its `selected`
 * column? Used by tests/tools/pbcheck.sh over the Pabulib corpus (not by
 * make test).
 *
 *     build/tool-pbcheck FILE.pb...
 *
 * One line per file: "match RULE FILE", "differ RULE FILE: missing ... extra
 * ...", "skip REASON FILE" or "refused FILE: <parser line>". A file mixing
 * line endings is parsed again with PB_MIXED_EOL and marked "(mixed-eol)".
 * The expected winners are the projects with selected 1, and for
 * greedy-custom also 2 (funded by the 80% rule). Other values (3 in Poznań:
 * funded later from extra money; 2 in Gdynia: funded beyond the budget)
 * cannot be reproduced from the file and are left out of the comparison.
 * Ends with one "total" line per rule. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "model/pb.h"
#include "model/tally.h"

int main(int argc, char **argv);

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (b = malloc((size_t)n + 1)) != NULL) {
		*len = fread(b, 1, (size_t)n, f);
		if (*len != (size_t)n) {
			free(b);
			b = NULL;
		}
	}
	fclose(f);
	return b;
}

int main(int argc, char **argv)
{
	size_t match[TALLY_RULES] = { 0 }, differ[TALLY_RULES] = { 0 }, skipped = 0,
	    refused = 0;

	for (int a = 1; a < argc; a++) {
		const char *path = argv[a], *mixed = "";
		char why[256], *buf;
		size_t len = 0;
		pb_t *p = NULL;
		tally_rule_t rule;
		tally_result_t r;
		int rc;

		if ((buf = slurp(path, &len)) == NULL) {
			printf("refused %s: unreadable\n", path);
			refused++;
			continue;
		}
		rc = pb_parse(&p, buf, len, 0, why, sizeof why);
		if (rc != 0 && strstr(why, "mixes line endings") != NULL) {
			mixed = " (mixed-eol)";
			rc = pb_parse(&p, buf, len, PB_MIXED_EOL, why, sizeof why);
		}
		free(buf);
		if (rc != 0) {
			printf("refused %s: %s\n", path, why);
			refused++;
			continue;
		}
		if (p->rule == NULL || tally_rule_parse(p->rule, &rule) != 0) {
			printf("skip rule-%s %s\n", p->rule ? p->rule : "none", path);
			skipped++;
			pb_free(&p);
			continue;
		}
		if (p->nproj > 0 && p->proj[0].selected < 0) {
			printf("skip no-selected %s\n", path);
			skipped++;
			pb_free(&p);
			continue;
		}
		if (tally_run(p, rule, NULL, &r, why, sizeof why) != 0) {
			printf("refused %s: tally: %s\n", path, why);
			refused++;
			pb_free(&p);
			continue;
		}
		{
			unsigned char *got = calloc(p->nproj + 1, 1);
			char miss[4096] = "", extra[4096] = "";
			size_t nm = 0, ne = 0;

			if (got == NULL)
				abort();
			for (size_t i = 0; i < r.nwin; i++)
				got[r.win[i]] = 1;
			for (size_t c = 0; c < p->nproj; c++) {
				int sel = p->proj[c].selected, want = sel == 1 ||
				    (sel == 2 && rule == TALLY_GREEDY_CUSTOM);
				char *into = want ? miss : extra;

				if (want == got[c] || (sel >= 2 && !want))
					continue;
				if (strlen(into) + strlen(p->proj[c].id) + 2 < sizeof miss) {
					strcat(into, " ");
					strcat(into, p->proj[c].id);
				}
				want ? nm++ : ne++;
			}
			if (nm == 0 && ne == 0) {
				printf("match %s %s%s\n", p->rule, path, mixed);
				match[rule]++;
			} else {
				printf("differ %s %s%s: missing%s%s extra%s%s\n", p->rule, path, mixed,
				    nm ? "" : " none", miss, ne ? "" : " none", extra);
				differ[rule]++;
			}
			free(got);
		}
		tally_result_free(&r);
		pb_free(&p);
	}
	for (int i = 0; i < TALLY_RULES; i++)
		if (match[i] + differ[i] > 0)
			printf("total %s: %zu files, %zu match, %zu differ\n",
			    tally_rule_name((tally_rule_t)i), match[i] + differ[i], match[i], differ[i]);
	printf("total skipped %zu, refused %zu\n", skipped, refused);
	return 0;
}
