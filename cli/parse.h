/* parse.h: the value parsers of the model commands' options (--location,
 * --phase, --unit, --attr, --cost). Pure functions over one string: no
 * I/O, no floating point, no locale; each accepts exactly the documented
 * form and returns 0, or -1 for anything else (nothing is half-parsed: the
 * outputs are written only on success). Names returned point into the
 * caller's buffer, which the parser may modify (a separator becomes NUL). */
#ifndef WIEC_CLI_PARSE_H
#define WIEC_CLI_PARSE_H

#include <stdint.h>

#define CLI_LAT_MAX 900000000		/* degrees x 10^7 */
#define CLI_LON_MAX 1800000000

/* A decimal number without sign, leading '+', spaces or leading zeros
 * (except "0"), at most UINT64_MAX. */
int cli_parse_u64(const char *s, uint64_t *v);

/* "LAT,LON" in decimal degrees, each [-]DIGITS[.DIGITS] with at most 7
 * fraction digits (more only if they are zeros), optionally one space after
 * the comma; |LAT| <= 90, |LON| <= 180. Exact: 52.4064 -> 524064000. */
int cli_parse_location(const char *s, int32_t *lat, int32_t *lon);

/* A planned date: ms since the epoch (digits), or YYYY-MM-DD (00:00 UTC),
 * or YYYY-MM-DDTHH:MM (UTC); years 1970..9999. */
int cli_parse_time(const char *s, uint64_t *ms);

/* "NAME[:START[:END]]" of --phase: NAME non-empty without ':'; START and
 * END as cli_parse_time, END >= START when both are given. Absent ones are
 * 0. s is modified. */
int cli_parse_phase(char *s, const char **name, uint64_t *start, uint64_t *end);

/* "NAME:BUDGET" of --unit: split at the last ':'; NAME non-empty; BUDGET
 * as cli_parse_u64 and > 0. s is modified. */
int cli_parse_unit(char *s, const char **name, uint64_t *budget);

/* "NAME=VALUE" of --attr: split at the first '='; NAME non-empty, VALUE may
 * be empty. s is modified. */
int cli_parse_attr(char *s, const char **name, const char **value);

#endif
