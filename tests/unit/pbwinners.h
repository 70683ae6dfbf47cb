/* pbwinners.h: the winners of a rule over a .pb text, for the tests of
 * the rules (test_pb.c) and of money (test_money.c). */
#ifndef WIEC_TEST_PBWINNERS_H
#define WIEC_TEST_PBWINNERS_H

#include <stdio.h>
#include <string.h>

#include "model/pb.h"
#include "model/tally.h"

/* The winners of rule over text, in the rule's order, as project ids
 * joined by spaces (out: the error, on failure). */
static inline int winners(const char *text, tally_rule_t rule, char *out, size_t outlen)
{
	tally_result_t r;
	char why[256];
	pb_t *p;
	int rc;

	if ((rc = pb_parse(&p, text, strlen(text), 0, why, sizeof why)) != 0) {
		snprintf(out, outlen, "parse: %.200s", why);
		return rc;
	}
	if ((rc = tally_run(p, rule, NULL, &r, why, sizeof why)) != 0) {
		snprintf(out, outlen, "tally: %.200s", why);
		pb_free(&p);
		return rc;
	}
	out[0] = '\0';
	for (size_t i = 0; i < r.nwin; i++) {
		strncat(out, i ? " " : "", outlen - strlen(out) - 1);
		strncat(out, p->proj[r.win[i]].id, outlen - strlen(out) - 1);
	}
	tally_result_free(&r);
	pb_free(&p);
	return 0;
}

#endif
