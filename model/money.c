/* money.c: amounts of money in units of 10^-decimals (model/money.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "model/money.h"
#include "proto/event.h"

void money_q(mpq_t q, uint64_t v, uint32_t decimals)
{
	mpz_set_ui(mpq_numref(q), 0);
	mpz_import(mpq_numref(q), 1, -1, sizeof v, 0, 0, &v);
	mpz_ui_pow_ui(mpq_denref(q), 10, decimals);
	mpq_canonicalize(q);
}

int money_units(const mpq_t q, uint32_t decimals, uint64_t *v)
{
	mpz_t n;
	int rc = -1;

	if (mpq_sgn(q) < 0)
		return -1;
	mpz_init(n);
	mpz_ui_pow_ui(n, 10, decimals);
	mpz_mul(n, n, mpq_numref(q));
	if (mpz_divisible_p(n, mpq_denref(q))) {
		mpz_divexact(n, n, mpq_denref(q));
		if (mpz_sizeinbase(n, 2) <= 64) {
			*v = 0;
			mpz_export(v, NULL, -1, sizeof *v, 0, 0, n);
			rc = 0;
		}
	}
	mpz_clear(n);
	return rc;
}

uint32_t money_decimals(const mpq_t q)
{
	mpz_t d;
	uint32_t twos, fives = 0;

	if (mpq_sgn(q) < 0)
		return UINT32_MAX;
	mpz_init_set(d, mpq_denref(q));
	twos = (uint32_t)mpz_scan1(d, 0);
	mpz_tdiv_q_2exp(d, d, twos);
	while (mpz_divisible_ui_p(d, 5)) {
		mpz_divexact_ui(d, d, 5);
		fives++;
	}
	if (mpz_cmp_ui(d, 1) != 0) {
		mpz_clear(d);
		return UINT32_MAX;
	}
	mpz_clear(d);
	return twos > fives ? twos : fives;
}

const char *money_text(char out[static MONEY_TEXT_BYTES], uint64_t v, uint32_t decimals,
    int trim)
{
	char dig[24];
	size_t n, d = decimals > EV_DECIMALS_MAX ? EV_DECIMALS_MAX : decimals, o = 0;

	n = (size_t)snprintf(dig, sizeof dig, "%" PRIu64, v);
	if (d == 0) {
		memcpy(out, dig, n + 1);
		return out;
	}
	/* Whole part: the digits before the last d, or "0". */
	if (n > d) {
		memcpy(out, dig, n - d);
		o = n - d;
	} else {
		out[o++] = '0';
	}
	out[o++] = '.';
	for (size_t z = n; z < d; z++)
		out[o++] = '0';
	memcpy(out + o, n > d ? dig + n - d : dig, n > d ? d : n);
	o += n > d ? d : n;
	out[o] = '\0';
	if (trim) {
		while (out[o - 1] == '0')
			out[--o] = '\0';
		if (out[o - 1] == '.')
			out[--o] = '\0';
	}
	return out;
}
