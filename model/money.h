/* money.h: amounts of money as a process holds them (spec/tally.md 4.9):
 * whole numbers of 10^-decimals of the currency (Process.decimals, 0..
 * EV_DECIMALS_MAX: 0 whole units, 2 grosze or cents), and the exact
 * rationals and decimal text they stand for.
 *
 * Pure functions, no allocation beyond the caller's mpq_t. */
#ifndef WIEC_MODEL_MONEY_H
#define WIEC_MODEL_MONEY_H

#include <stdint.h>

#include <gmp.h>

/* Bytes of money_text's output: 20 digits, a point, a leading "0." and
 * 5 zeros at most (EV_DECIMALS_MAX 6), NUL. */
#define MONEY_TEXT_BYTES 32

/* The real amount of v units of 10^-decimals into q (exact, canonical). */
void money_q(mpq_t q, uint64_t v, uint32_t decimals);

/* q in units of 10^-decimals into *v: 0, or -1 when q * 10^decimals is not
 * a whole number in 0 .. 2^64-1. */
int money_units(const mpq_t q, uint32_t decimals, uint64_t *v);

/* The fewest decimals that write q exactly (0 for a whole number), or
 * UINT32_MAX when no decimal does (q < 0, or its denominator has a prime
 * factor other than 2 and 5). */
uint32_t money_decimals(const mpq_t q);

/* v units of 10^-decimals as decimal text into out: "1647263.73" (v =
 * 164726373, decimals 2), "0.05", "400000" (decimals 0). trim drops the
 * trailing zeros of the fraction and then a bare point ("65000.00" ->
 * "65000", "214386.40" -> "214386.4"). decimals is at most EV_DECIMALS_MAX
 * (the content rules refuse more; a larger value is taken as the bound).
 * Returns out. */
const char *money_text(char out[static MONEY_TEXT_BYTES], uint64_t v, uint32_t decimals,
    int trim);

#endif
