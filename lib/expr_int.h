/*
 * expr_int.h: the inside of the expression language, shared by expr.c
 * (the parser), expr_val.c (values) and expr_eval.c (evaluation, the
 * built-in functions, pruning); expr_regex.c (the matcher of matches())
 * needs only expr.h.  Not installed.
 *
 * Evaluation allocates nothing in the steady state: values live on the C
 * stack, strings point into the record's line, into a literal, or into the
 * expression's arena.  The arena is one block reset by every eval; when an
 * eval needs more than the block holds, the excess comes from overflow
 * chunks that the next eval frees after growing the block to fit, so a
 * stream of records of similar size stops allocating after the first few.
 * The arena and the value setters are inline here: every eval uses them.
 */
#ifndef MB_EXPR_INT_H
#define MB_EXPR_INT_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"

enum op {
	N_LIT, N_FIELD, N_NEG, N_NOT, N_AND, N_OR,
	N_ADD, N_SUB, N_MUL, N_DIV, N_MOD,
	N_EQ, N_NE, N_LT, N_LE, N_GT, N_GE, N_IN, N_NOTIN, N_CALL
};

enum fn {
	F_IF, F_COALESCE, F_IS_NULL, F_LOWER, F_UPPER, F_TRIM, F_SUBSTR, F_LEN,
	F_CONCAT, F_STARTS_WITH, F_ENDS_WITH, F_CONTAINS, F_MATCHES, F_ABS,
	F_ROUND, F_FLOOR, F_CEIL, F_YEAR, F_MONTH, F_DAY, F_DAYOFWEEK, F_HOUR,
	F_MINUTE, F_DATE, F_WEEK, F_DATE_TRUNC, F_NOW, F_DAYS_BETWEEN, F_HASH,
	F_TIMESTAMP, F_NUMBER, F_STRING
};

typedef struct node {
	enum op op;
	enum fn fn;
	int col;		/* 1-based column in the source, for messages */
	int a, b;		/* operands (node indexes), -1 when none */
	int nargs, args;	/* calls and `in`: arguments in e->args[args..] */
	mb_val lit;		/* N_LIT */
	char *name;		/* N_FIELD: the path, NUL-terminated */
	size_t nlen;
	int hint;		/* N_FIELD: mb_rec_findh()'s hint */
	mb_regex *re;		/* matches() with a literal pattern */
	/* a left-deep chain such as 1 + 2 - 3 + 4 is evaluated in a loop,
	 * not by recursion: lchain says that a is an operation of the same
	 * chain, up is the operation that has this one as its a (or -1) */
	int lchain, up;
} node;

struct ov {
	struct ov *next;
	char data[];
};

struct mb_expr {
	node *n;
	int nn, cap;
	int *args;
	int nargs, argcap;
	int root;
	mb_buf fields;		/* field names, NUL-separated */
	int64_t now;
	mb_expr_lookup_fn lookup;
	void *lookup_ctx;
	/* arena */
	char *ar;
	size_t arcap, arused, arneed;
	struct ov *ov;
	mb_buf tmp;		/* unescaping */
	/* parser state */
	const char *src;
	size_t pos;
	int depth;
};

/* expr_val.c */
int expr_num_parse(const char *p, size_t n, mb_val *v);
int expr_as_time(const mb_val *v, int64_t *ms);

/* ---- arena ---------------------------------------------------------------- */

static inline char *
aralloc(mb_expr *e, size_t n)
{
	char *p;
	struct ov *o;

	n = (n + 7) & ~(size_t)7;
	e->arneed += n;
	if (e->arused + n <= e->arcap) {
		p = e->ar + e->arused;
		e->arused += n;
		return p;
	}
	o = mb_xmalloc(sizeof(*o) + n);
	o->next = e->ov;
	e->ov = o;
	return o->data;
}

static inline void
arreset(mb_expr *e)
{
	struct ov *o;

	if (e->ov != NULL) {
		while ((o = e->ov) != NULL) {
			e->ov = o->next;
			free(o);
		}
		if (e->arneed > e->arcap) {
			free(e->ar);
			e->arcap = e->arneed * 2;
			e->ar = mb_xmalloc(e->arcap);
		}
	}
	e->arused = 0;
	e->arneed = 0;
}

/* ---- values --------------------------------------------------------------- */

static inline void
setnull(mb_val *v)
{
	memset(v, 0, sizeof(*v));
	v->t = MB_V_NULL;
}

static inline void
setdec(mb_val *v, __int128 x, int scale)
{
	setnull(v);
	v->t = MB_V_DEC;
	v->d.v = x;
	v->d.scale = scale;
}

static inline void
setbool(mb_val *v, int b)
{
	setnull(v);
	v->t = MB_V_BOOL;
	v->b = b != 0;
}

static inline void
setdbl(mb_val *v, double f)
{
	setnull(v);
	if (isnan(f) || isinf(f))
		return;
	v->t = MB_V_DBL;
	v->f = f;
}

static inline void
setstr(mb_val *v, const char *s, size_t n)
{
	setnull(v);
	v->t = MB_V_STR;
	v->s = s;
	v->n = n;
}

static const __int128 p10[] = {
	(__int128)1, (__int128)10, (__int128)100, (__int128)1000,
	(__int128)10000, (__int128)100000, (__int128)1000000,
	(__int128)10000000, (__int128)100000000, (__int128)1000000000,
	(__int128)10000000000LL, (__int128)100000000000LL,
	(__int128)1000000000000LL, (__int128)10000000000000LL,
	(__int128)100000000000000LL, (__int128)1000000000000000LL,
	(__int128)10000000000000000LL, (__int128)100000000000000000LL,
	(__int128)1000000000000000000LL,
	(__int128)1000000000000000000LL * 10,
	(__int128)1000000000000000000LL * 100,
	(__int128)1000000000000000000LL * 1000,
	(__int128)1000000000000000000LL * 10000,
	(__int128)1000000000000000000LL * 100000,
	(__int128)1000000000000000000LL * 1000000,
	(__int128)1000000000000000000LL * 10000000,
	(__int128)1000000000000000000LL * 100000000,
	(__int128)1000000000000000000LL * 1000000000,
	(__int128)1000000000000000000LL * 10000000000LL,
	(__int128)1000000000000000000LL * 100000000000LL,
	(__int128)1000000000000000000LL * 1000000000000LL,
};

static inline double
todbl(const mb_val *v)
{
	if (v->t == MB_V_DBL)
		return v->f;
	return mb_dec_to_double(v->d);
}

/* A numeric view of v: numbers as they are, strings that hold a number
 * converted.  0, or -1 when v is not a number. */
static inline int
as_num(const mb_val *v, mb_val *out)
{
	switch (v->t) {
	case MB_V_DEC:
	case MB_V_DBL:
		*out = *v;
		return 0;
	case MB_V_STR:
		return expr_num_parse(v->s, v->n, out);
	default:
		return -1;
	}
}

/* ---- errors ---------------------------------------------------------------- */

static inline int
rterr(mb_val *out, const char *fmt, const char *arg)
{
	setnull(out);
	mb_seterr(fmt, arg);
	return -1;
}

#endif
