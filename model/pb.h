/* pb.h: a strict parser of Pabulib's .pb files (participatory-budgeting
 * elections; format as accepted: spec/tally.md section 1).
 *
 * Pure: it reads a caller-given buffer and does no I/O. A file is three
 * sections, META, PROJECTS and VOTES, in that order, each a line naming it,
 * a header row, then ';'-separated rows with exactly as many fields as the
 * header. A field that starts with '"' is quoted ("" inside is one quote);
 * anywhere else a quote is an ordinary character. Anything the spec does not
 * accept is refused with one line naming the line number ("line 12: ...").
 *
 * Numbers (costs, budget, threshold) are exact decimals ("400000",
 * "400000.0", "12.5"), kept as GMP rationals; points are integers of at most
 * PB_POINTS_MAX, so that a project's score over at most PB_VOTERS_MAX
 * ballots fits in a uint64_t (PB_POINTS_MAX * PB_LEN_MAX * PB_VOTERS_MAX <
 * 2^63). */
#ifndef WIEC_PB_H
#define WIEC_PB_H

#include <gmp.h>
#include <stddef.h>
#include <stdint.h>

#define PB_POINTS_MAX	1000000000ULL	/* one ballot's points for one project */
#define PB_VOTERS_MAX	100000000ULL	/* ballots in one file */
#define PB_PROJECTS_MAX	100000ULL	/* projects in one file */
#define PB_LEN_MAX	PB_PROJECTS_MAX	/* a ballot names each project at most once */
#define PB_FILE_MAX	(1024UL * 1024 * 1024)	/* bytes of a file `wiec pb` reads */

/* pb_parse flags. */
#define PB_MIXED_EOL	1u	/* accept lines ending in LF in a CRLF file and the reverse
				 * (35 files of the Pabulib corpus mix them); refused by default */

typedef enum pb_vote_type {
	PB_APPROVAL = 0,	/* vote: the approved projects */
	PB_ORDINAL,		/* vote: projects best first */
	PB_CUMULATIVE,		/* vote + points: points distributed over projects */
	PB_CHOOSE1,		/* vote: exactly one project */
	PB_SCORING,		/* vote + points: a score per named project */
} pb_vote_type_t;

/* One ';' table: header and rows; cells are NUL-terminated, unquoted. */
typedef struct pb_table {
	size_t ncols;
	char **head;		/* ncols names */
	size_t nrows;
	char **cell;		/* nrows * ncols, row-major */
	size_t *line;		/* the line number of each row (1-based) */
	size_t head_line;	/* the header's line number */
} pb_table_t;

typedef struct pb_project {
	const char *id;		/* the project_id cell */
	mpq_t cost;		/* >= 0 */
	int selected;		/* the selected column, or -1 when the file has none */
	size_t line;
} pb_project_t;

typedef struct pb {
	char *arena;		/* the copied text every cell points into */
	pb_table_t meta, projects, votes;
	pb_vote_type_t vote_type;
	const char *rule;	/* META rule, or NULL */
	mpq_t budget;		/* META budget, >= 0 */
	int has_threshold;	/* META min_project_score_threshold present */
	mpq_t threshold;
	long long max_length;	/* META max_length, or -1 */
	size_t nproj;
	pb_project_t *proj;	/* in file order */
	size_t nvoters;		/* ballots, in file order */
	size_t *ballot;		/* nvoters + 1 offsets into choice (and points) */
	uint32_t *choice;	/* project indices, in the ballot's order */
	uint64_t *points;	/* beside choice; NULL when VOTES has no points column */
	size_t *approvals;	/* per project: how many ballots name it */
} pb_t;

/* Parses len bytes of buf (not NUL-terminated; may contain any byte).
 * flags: 0 or PB_MIXED_EOL. On success *out is a new pb_t (caller owns it;
 * free with pb_free) and 0 is returned. On failure *out is NULL, why holds
 * one line (NUL-terminated, truncated to whylen; why may be NULL when
 * whylen is 0) that names the line number, and the result is
 * WIEC_ERR_DECODE (the text is not an acceptable .pb), WIEC_ERR_TOO_BIG
 * (over a PB_*_MAX limit) or WIEC_ERR_NOMEM. */
int pb_parse(pb_t **out, const char *buf, size_t len, unsigned flags, char *why,
    size_t whylen);

/* Frees p and sets *p to NULL; accepts NULL and *p == NULL. */
void pb_free(pb_t **p);

/* META's value for key (borrowed from p), or NULL. */
const char *pb_meta(const pb_t *p, const char *key);

/* The index of the column named name in t, or -1. */
int pb_col(const pb_table_t *t, const char *name);

/* The vote_type name as in META ("choose-1"). */
const char *pb_vote_type_name(pb_vote_type_t t);

/* Parses an exact non-negative decimal ("12", "12.50") into q.
 * Returns 0, or -1 when s is not one (q is then unspecified). */
int pb_decimal(mpq_t q, const char *s);

#endif
