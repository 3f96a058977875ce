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
	MB_V_TIME		/* milliseconds since the epoch, UTC */
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

#endif
