/* json.h: the CLI's one JSON writer. Every --json output of wiec goes
 * through it, so escaping, separators and number formats are the same
 * everywhere and a byte-for-byte comparison of two nodes' output means the
 * same state.
 *
 * A small streaming writer over a FILE: values are written as they come,
 * members and elements separated by ", ", keys followed by ": " (the form
 * wiec always printed). Strings are escaped fully: '"', '\\', '\n', '\t' by
 * their short escapes, other control characters (C0, DEL, C1) and U+2028/U+2029 as
 * \u00XX / \u2028 (JSON allows them raw, JavaScript and many line-oriented
 * tools do not), and a byte that is not part of valid UTF-8 as \ufffd, so
 * the output is always valid UTF-8 whatever a file or peer supplied.
 * Integers are JSON numbers; ids, keys and hashes are strings.
 *
 * The writer does not check the nesting (a misuse is a bug in the caller):
 * callers pair every begin with an end. Write errors stay in the FILE's
 * error flag (ferror), which cli/main.c checks after every command. */
#ifndef WIEC_JSON_H
#define WIEC_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_DEPTH_MAX 32	/* nesting at most; deeper is a caller bug */

typedef struct json {
	FILE *f;
	int depth;			/* open objects and arrays */
	int key;			/* a key was just written: the value follows */
	uint8_t used[JSON_DEPTH_MAX];	/* this level already holds a value */
	char close[JSON_DEPTH_MAX];	/* '}' or ']' for each open level */
} json_t;

/* Starts writing one or more top-level values to f (borrowed). */
void json_init(json_t *j, FILE *f);

/* Containers. json_end closes the innermost open one; after the outermost
 * it writes '\n' (one document per line). */
void json_obj(json_t *j);
void json_arr(json_t *j);
void json_end(json_t *j);

/* An object member's key; the next call writes its value. */
void json_key(json_t *j, const char *k);

/* Values. */
void json_str(json_t *j, const char *s);			/* NUL-terminated */
void json_strn(json_t *j, const char *s, size_t n);		/* n bytes */
void json_u64(json_t *j, uint64_t v);
void json_i64(json_t *j, int64_t v);
void json_bool(json_t *j, int v);
void json_null(json_t *j);
void json_hex(json_t *j, const uint8_t *b, size_t n);	/* lowercase hex string */
void json_hex_or_null(json_t *j, const uint8_t *b, size_t n);	/* null if all zero or n 0 */

/* key + value in one call. */
void json_kstr(json_t *j, const char *k, const char *s);
void json_ku64(json_t *j, const char *k, uint64_t v);
void json_ki64(json_t *j, const char *k, int64_t v);
void json_kbool(json_t *j, const char *k, int v);
void json_khex(json_t *j, const char *k, const uint8_t *b, size_t n);

/* Raw members written by someone else into the open object (the kind
 * table's json callbacks write `, "key": value` themselves): marks the
 * innermost container as holding a value. */
void json_mark(json_t *j);

/* s as a quoted, escaped JSON string on f: the kind table's json_str
 * callback (proto/kind.h) and the escaping of every json_str above. */
void json_fstr(FILE *f, const char *s);
void json_fstrn(FILE *f, const char *s, size_t n);

#endif
