/*
 * The expression language of mb (mb-expr(7)): parsed once into a tree,
 * evaluated per record without allocating.  Used by mb-validate --check,
 * mb-enrich --set, mb-agg and mb-cat --where.
 *
 * Ownership: an mb_expr owns its tree and a scratch arena; a string value
 * that eval returns points into the record or into that arena and lives
 * until the next mb_expr_eval() of the same expression.
 */
#ifndef MB_EXPR_H
#define MB_EXPR_H

#include "mb.h"

typedef enum mb_vtype {
	MB_V_NULL = 0,
	MB_V_BOOL,
	MB_V_DEC,		/* integers and exact decimals */
	MB_V_DBL,		/* only from functions that must leave exactness */
	MB_V_STR,
	MB_V_TIME,		/* milliseconds since the epoch, UTC */
	MB_V_JSON		/* an object or array: s/n hold its raw JSON text */
} mb_vtype;

typedef struct mb_val {
	mb_vtype t;
	int b;
	mb_dec d;
	double f;
	const char *s;		/* MB_V_STR: unescaped bytes */
	size_t n;
	int64_t ms;
} mb_val;

typedef struct mb_expr mb_expr;

/* NULL with mb_errmsg() "column N: ..." on a syntax error, an unknown
 * function or a wrong number of arguments. */
mb_expr *mb_expr_parse(const char *src);
void mb_expr_free(mb_expr *e);
/* 0 and a value; -1 on a runtime error (division by zero, a bad timestamp),
 * with mb_errmsg(), and *out set to null. */
int mb_expr_eval(mb_expr *e, const mb_rec *r, mb_val *out);
/* True only for a true boolean (null and false are not true). */
int mb_val_true(const mb_val *v);
/* Appends the value as JSON text. */
void mb_val_json(mb_buf *b, const mb_val *v);
/* The field names an expression refers to, NUL-separated, for checks that
 * every field exists (mb-enrich) or is a partition column (mb-cat). */
const char *mb_expr_fields(const mb_expr *e, size_t *n);

/*
 * Field lookups go first to `fn`, when set: it returns 1 and the raw JSON
 * text of the value (which must live until the eval returns), or 0 to look
 * in the record.  This is how a tool lets an expression see fields it has
 * derived but not yet written (mb-enrich --set a later from an earlier).
 */
typedef int (*mb_expr_lookup_fn)(void *ctx, const char *name, size_t n,
    mb_span *json);
void mb_expr_set_lookup(mb_expr *e, mb_expr_lookup_fn fn, void *ctx);
/*
 * Pruning: whether e can be true for a record whose fields that `known`
 * accepts have the values they have in r, whatever its other fields hold.
 * 0 means no such record can make e true (mb-cat --where skips a partition
 * so); and, or and not are looked through, any other part that reads an
 * unknown field may be anything.
 */
typedef int (*mb_expr_known_fn)(void *ctx, const char *name, size_t n);
int mb_expr_maybe(mb_expr *e, const mb_rec *r, mb_expr_known_fn known,
    void *ctx);
/* The time now() returns; by default the time of mb_expr_parse(). */
void mb_expr_set_now(mb_expr *e, int64_t ms);
/* Orders two non-null values as the comparison operators do: -1, 0, 1 in
 * *res and 0, or -1 when they cannot be ordered (a string that is not a
 * number against a number, a boolean against a string...). */
int mb_val_cmp(const mb_val *a, const mb_val *b, int *res);
/* Reads the raw JSON text of a value into v; strings with escapes are
 * unescaped into `scratch` (v->s then points into it). */
void mb_val_from_json(const char *p, size_t n, mb_buf *scratch, mb_val *v);
/*
 * Regular expressions, as matches() and JSON Schema "pattern" use them:
 * POSIX extended syntax plus \d \w \s (\D \W \S), unanchored unless the
 * pattern says ^ or $.  A pattern that is a plain sequence of literals and
 * classes with quantifiers (^ORD-[0-9]{12}$) runs on a small matcher of
 * its own; anything else goes to regcomp/regexec.  NULL and a message in
 * err (errn bytes) when the pattern is invalid.
 */
typedef struct mb_regex mb_regex;
mb_regex *mb_regex_compile(const char *p, size_t n, char *err, size_t errn);
/* 1 when s (n bytes, no NUL needed) matches, else 0. */
int mb_regex_match(mb_regex *re, const char *s, size_t n);
void mb_regex_free(mb_regex *re);

#endif
