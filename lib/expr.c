/*
 * expr.c: the expression language of mb (mb-expr(7)).  Reads an expression
 * as text, parses it once into an array of nodes, and evaluates it over a
 * record (mb_rec) as often as asked.
 *
 * Evaluation allocates nothing in the steady state: values live on the C
 * stack, strings point into the record's line, into a literal, or into the
 * expression's arena.  The arena is one block reset by every eval; when an
 * eval needs more than the block holds, the excess comes from overflow
 * chunks that the next eval frees after growing the block to fit, so a
 * stream of records of similar size stops allocating after the first few.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
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

static const struct fninfo {
	const char *name;
	enum fn id;
	int min, max;		/* max -1: any number */
} fns[] = {
	{ "abs", F_ABS, 1, 1 },
	{ "ceil", F_CEIL, 1, 1 },
	{ "coalesce", F_COALESCE, 1, -1 },
	{ "concat", F_CONCAT, 1, -1 },
	{ "contains", F_CONTAINS, 2, 2 },
	{ "date", F_DATE, 1, 1 },
	{ "date_trunc", F_DATE_TRUNC, 2, 2 },
	{ "day", F_DAY, 1, 1 },
	{ "dayofweek", F_DAYOFWEEK, 1, 1 },
	{ "days_between", F_DAYS_BETWEEN, 2, 2 },
	{ "ends_with", F_ENDS_WITH, 2, 2 },
	{ "floor", F_FLOOR, 1, 1 },
	{ "hash", F_HASH, 1, 1 },
	{ "hour", F_HOUR, 1, 1 },
	{ "if", F_IF, 3, 3 },
	{ "is_null", F_IS_NULL, 1, 1 },
	{ "len", F_LEN, 1, 1 },
	{ "lower", F_LOWER, 1, 1 },
	{ "matches", F_MATCHES, 2, 2 },
	{ "minute", F_MINUTE, 1, 1 },
	{ "month", F_MONTH, 1, 1 },
	{ "now", F_NOW, 0, 0 },
	{ "number", F_NUMBER, 1, 1 },
	{ "round", F_ROUND, 1, 2 },
	{ "starts_with", F_STARTS_WITH, 2, 2 },
	{ "string", F_STRING, 1, 1 },
	{ "substr", F_SUBSTR, 2, 3 },
	{ "timestamp", F_TIMESTAMP, 1, 1 },
	{ "trim", F_TRIM, 1, 1 },
	{ "upper", F_UPPER, 1, 1 },
	{ "week", F_WEEK, 1, 1 },
	{ "year", F_YEAR, 1, 1 },
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

/* ---- arena ---------------------------------------------------------------- */

static char *
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

static void
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

static void
setnull(mb_val *v)
{
	memset(v, 0, sizeof(*v));
	v->t = MB_V_NULL;
}

static void
setdec(mb_val *v, __int128 x, int scale)
{
	setnull(v);
	v->t = MB_V_DEC;
	v->d.v = x;
	v->d.scale = scale;
}

static void
setbool(mb_val *v, int b)
{
	setnull(v);
	v->t = MB_V_BOOL;
	v->b = b != 0;
}

static void
setdbl(mb_val *v, double f)
{
	setnull(v);
	if (isnan(f) || isinf(f))
		return;
	v->t = MB_V_DBL;
	v->f = f;
}

static void
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

#define DEC_MAXDIG 36

/*
 * Reads a number written as text: an optional sign, digits, an optional
 * fraction and exponent; leading zeros and surrounding blanks are allowed
 * (the text may come from a string or a path).  An exact decimal when it
 * fits, else a double; 0, or -1 when the text is not a number.
 */
static int
num_parse(const char *p, size_t n, mb_val *v)
{
	const char *s = p, *end = p + n;
	__int128 x = 0;
	int neg = 0, dig = 0, scale = 0, frac = 0, exp = 0, eneg = 0, over = 0;
	char tmp[128];

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (s < end && (*s == '-' || *s == '+'))
		neg = *s++ == '-';
	/* the common case: up to 18 digits, in 64 bits */
	{
		uint64_t u = 0;
		int k = 0;
		while (s < end && k < 18) {
			if (*s >= '0' && *s <= '9') {
				u = u * 10 + (uint64_t)(*s - '0');
				if (frac)
					scale++;
				k++;
			} else if (*s == '.' && !frac)
				frac = 1;
			else
				break;
			s++;
		}
		x = u;
		dig = k;
	}
	for (; s < end; s++) {
		if (*s >= '0' && *s <= '9') {
			if (x == 0 && *s == '0' && !frac) {
				dig++;
				continue;
			}
			if (dig >= DEC_MAXDIG) {
				over = 1;
			} else {
				x = x * 10 + (*s - '0');
			}
			dig++;
			if (frac)
				scale++;
		} else if (*s == '.' && !frac) {
			frac = 1;
		} else {
			break;
		}
	}
	if (dig == 0)
		return -1;
	if (s < end && (*s == 'e' || *s == 'E')) {
		s++;
		if (s < end && (*s == '-' || *s == '+'))
			eneg = *s++ == '-';
		if (s == end || !isdigit((unsigned char)*s))
			return -1;
		for (; s < end && isdigit((unsigned char)*s); s++)
			if (exp < 10000)
				exp = exp * 10 + (*s - '0');
	}
	if (s != end)
		return -1;
	if (eneg)
		scale += exp;
	else
		scale -= exp;
	while (!over && scale < 0) {
		if (x > p10[30] * 10000)
			over = 1;
		else {
			x *= 10;
			scale++;
		}
	}
	while (!over && scale > 30) {
		if (x % 10 != 0)
			over = 1;
		else {
			x /= 10;
			scale--;
		}
	}
	if (over) {
		size_t k = (size_t)(end - p);
		if (k >= sizeof(tmp))
			k = sizeof(tmp) - 1;
		memcpy(tmp, p, k);
		tmp[k] = '\0';
		setdbl(v, strtod(tmp, NULL));
		return 0;
	}
	setdec(v, neg ? -x : x, scale);
	return 0;
}

void
mb_val_from_json(const char *p, size_t n, mb_buf *scratch, mb_val *v)
{
	setnull(v);
	if (n == 0)
		return;
	switch (p[0]) {
	case '"':
		if (memchr(p + 1, '\\', n - 2) == NULL) {
			setstr(v, p + 1, n - 2);
		} else {
			size_t at = scratch->len;
			mb_json_unescape(p + 1, n - 2, scratch);
			setstr(v, scratch->p + at, scratch->len - at);
		}
		return;
	case 't':
		setbool(v, 1);
		return;
	case 'f':
		setbool(v, 0);
		return;
	case 'n':
		return;
	case '{':
	case '[':
		v->t = MB_V_JSON;
		v->s = p;
		v->n = n;
		return;
	default:
		if (num_parse(p, n, v) < 0)
			setnull(v);
	}
}

/* A value read from JSON text, with escaped strings unescaped into the
 * arena. */
static void
from_json(mb_expr *e, const char *p, size_t n, mb_val *v)
{
	int64_t m;
	int sc;

	if (n > 0 && (p[0] == '-' || (unsigned)(p[0] - '0') < 10) &&
	    mb_dec_parse64(p, n, &m, &sc) == 0) {
		setdec(v, m, sc);
		return;
	}
	if (n > 1 && p[0] == '"' && memchr(p + 1, '\\', n - 2) != NULL) {
		char *d;
		mb_buf_reset(&e->tmp);
		mb_json_unescape(p + 1, n - 2, &e->tmp);
		d = aralloc(e, e->tmp.len + 1);
		memcpy(d, e->tmp.p, e->tmp.len);
		setstr(v, d, e->tmp.len);
		return;
	}
	mb_val_from_json(p, n, NULL, v);
}

static double
todbl(const mb_val *v)
{
	if (v->t == MB_V_DBL)
		return v->f;
	return mb_dec_to_double(v->d);
}

/* A numeric view of v: numbers as they are, strings that hold a number
 * converted.  0, or -1 when v is not a number. */
static int
as_num(const mb_val *v, mb_val *out)
{
	switch (v->t) {
	case MB_V_DEC:
	case MB_V_DBL:
		*out = *v;
		return 0;
	case MB_V_STR:
		return num_parse(v->s, v->n, out);
	default:
		return -1;
	}
}

/* 0 and the time of v; -1 when v is not a time, -2 when it is one
 * outside the years 0000 to 9999 (MB_TIME_MIN..MB_TIME_MAX), which no
 * time function takes or gives. */
static int
as_time(const mb_val *v, int64_t *ms)
{
	double f;
	int secs;

	switch (v->t) {
	case MB_V_TIME:
		*ms = v->ms;
		return 0;
	case MB_V_STR:
		if (mb_time_parse(v->s, v->n, ms) == 0)
			return 0;
		return strstr(mb_errmsg(), "out of range") ? -2 : -1;
	case MB_V_DEC:
	case MB_V_DBL:
		/* epoch seconds, or milliseconds above 1e11 */
		f = todbl(v);
		if ((secs = !(fabs(f) > 1e11)))
			f *= 1000;
		if (!(f >= (double)MB_TIME_MIN && f <= (double)MB_TIME_MAX))
			return f == f ? -2 : -1;
		*ms = secs ? (int64_t)llround(f) : (int64_t)f;
		return 0;
	default:
		return -1;
	}
}


static int
cmp3(__int128 a, __int128 b)
{
	return a < b ? -1 : a > b;
}

int
mb_val_cmp(const mb_val *a, const mb_val *b, int *res)
{
	mb_val x, y;
	int64_t ta, tb;

	if (a->t == MB_V_STR && b->t == MB_V_STR) {
		size_t n = a->n < b->n ? a->n : b->n;
		int c = n ? memcmp(a->s, b->s, n) : 0;
		*res = c ? (c < 0 ? -1 : 1) : cmp3(a->n, b->n);
		return 0;
	}
	if (a->t == MB_V_BOOL && b->t == MB_V_BOOL) {
		*res = cmp3(a->b, b->b);
		return 0;
	}
	if (a->t == MB_V_JSON && b->t == MB_V_JSON) {
		*res = a->n == b->n && memcmp(a->s, b->s, a->n) == 0 ? 0 : 1;
		return 0;
	}
	if (a->t == MB_V_TIME || b->t == MB_V_TIME) {
		if (as_time(a, &ta) < 0 || as_time(b, &tb) < 0)
			return -1;
		*res = cmp3(ta, tb);
		return 0;
	}
	if (as_num(a, &x) < 0 || as_num(b, &y) < 0)
		return -1;
	if (x.t == MB_V_DEC && y.t == MB_V_DEC) {
		*res = mb_dec_cmp(x.d, y.d);
		*res = *res < 0 ? -1 : *res > 0;
		return 0;
	}
	{
		double f = todbl(&x), g = todbl(&y);
		*res = f < g ? -1 : f > g;
	}
	return 0;
}

int
mb_val_true(const mb_val *v)
{
	return v->t == MB_V_BOOL && v->b;
}

static void
dbl_json(mb_buf *b, double f)
{
	char tmp[40];

	if (isnan(f) || isinf(f)) {
		mb_buf_adds(b, "null");
		return;
	}
	snprintf(tmp, sizeof(tmp), "%.15g", f);
	if (strtod(tmp, NULL) != f)
		snprintf(tmp, sizeof(tmp), "%.17g", f);
	mb_buf_adds(b, tmp);
}

void
mb_val_json(mb_buf *b, const mb_val *v)
{
	switch (v->t) {
	case MB_V_NULL:
		mb_buf_adds(b, "null");
		break;
	case MB_V_BOOL:
		mb_buf_adds(b, v->b ? "true" : "false");
		break;
	case MB_V_DEC:
		if (v->d.v > -(__int128)UINT64_MAX &&
		    v->d.v < (__int128)UINT64_MAX) {
			/* mb_buf_dec's digits, without 128-bit division */
			char tmp[48], *e = tmp + sizeof(tmp), *p = e;
			uint64_t u = v->d.v < 0 ? (uint64_t)-v->d.v :
			    (uint64_t)v->d.v;
			int k = 0;
			do {
				if (k == v->d.scale && k > 0)
					*--p = '.';
				*--p = (char)('0' + u % 10);
				u /= 10;
				k++;
			} while (u || k <= v->d.scale);
			if (v->d.v < 0)
				*--p = '-';
			mb_buf_add(b, p, (size_t)(e - p));
		} else
			mb_buf_dec(b, v->d);
		break;
	case MB_V_DBL:
		dbl_json(b, v->f);
		break;
	case MB_V_STR:
		mb_buf_json_str(b, v->s, v->n);
		break;
	case MB_V_TIME:
		mb_buf_addc(b, '"');
		mb_time_fmt(b, v->ms);
		mb_buf_addc(b, '"');
		break;
	case MB_V_JSON:
		mb_buf_add(b, v->s, v->n);
		break;
	}
}

/* The text of a value as string functions see it: a string's bytes, a
 * number or time formatted, true/false, raw JSON. */
static void
val_text(mb_expr *e, const mb_val *v, const char **s, size_t *n)
{
	char *d;

	switch (v->t) {
	case MB_V_STR:
	case MB_V_JSON:
		*s = v->s;
		*n = v->n;
		return;
	case MB_V_BOOL:
		*s = v->b ? "true" : "false";
		*n = strlen(*s);
		return;
	case MB_V_NULL:
		*s = "";
		*n = 0;
		return;
	default:
		mb_buf_reset(&e->tmp);
		if (v->t == MB_V_TIME)
			mb_time_fmt(&e->tmp, v->ms);
		else
			mb_val_json(&e->tmp, v);
		d = aralloc(e, e->tmp.len + 1);
		memcpy(d, e->tmp.p, e->tmp.len);
		*s = d;
		*n = e->tmp.len;
	}
}

/* ---- errors ---------------------------------------------------------------- */

static int
rterr(mb_val *out, const char *fmt, const char *arg)
{
	setnull(out);
	mb_seterr(fmt, arg);
	return -1;
}

/* ---- parser ---------------------------------------------------------------- */

enum tok {
	T_END, T_NUM, T_STR, T_IDENT, T_QIDENT, T_LP, T_RP, T_COMMA,
	T_PLUS, T_MINUS, T_STAR, T_SLASH, T_PCT,
	T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE, T_AND, T_OR, T_NOT, T_IN,
	T_TRUE, T_FALSE, T_NULL, T_BAD
};

typedef struct token {
	enum tok t;
	size_t pos, len;	/* in the source */
} token;

/* The runtime error of a time function whose argument v is not a time
 * (rc -1) or one out of range (rc -2). */
static int
time_err(mb_expr *e, const mb_val *v, int rc, mb_val *out)
{
	const char *s;
	size_t sl;
	char msg[160];

	val_text(e, v, &s, &sl);
	snprintf(msg, sizeof(msg), rc == -2 ? "time out of range (years 0000 "
	    "to 9999): %.*s" : "bad timestamp \"%.*s\"",
	    (int)(sl > 60 ? 60 : sl), s);
	return rterr(out, "%s", msg);
}

static int
perr(mb_expr *e, size_t pos, const char *fmt, const char *arg)
{
	char msg[256];

	snprintf(msg, sizeof(msg), fmt, arg);
	mb_seterr("column %zu: %s", pos + 1, msg);
	return -1;
}

static int
kw(const char *p, size_t n, const char *w)
{
	size_t i;

	if (strlen(w) != n)
		return 0;
	/* all lower or all upper case */
	for (i = 0; i < n; i++)
		if (p[i] != w[i])
			break;
	if (i == n)
		return 1;
	for (i = 0; i < n; i++)
		if (p[i] != toupper((unsigned char)w[i]))
			return 0;
	return 1;
}

static token
peek(mb_expr *e)
{
	const char *s = e->src;
	size_t i = e->pos;
	token t;

	while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
		i++;
	t.pos = i;
	t.len = 1;
	switch (s[i]) {
	case '\0': t.t = T_END; t.len = 0; return t;
	case '(': t.t = T_LP; return t;
	case ')': t.t = T_RP; return t;
	case ',': t.t = T_COMMA; return t;
	case '+': t.t = T_PLUS; return t;
	case '-': t.t = T_MINUS; return t;
	case '*': t.t = T_STAR; return t;
	case '/': t.t = T_SLASH; return t;
	case '%': t.t = T_PCT; return t;
	case '=':
		t.t = T_EQ;
		t.len = s[i + 1] == '=' ? 2 : 1;
		return t;
	case '!':
		if (s[i + 1] == '=') {
			t.t = T_NE;
			t.len = 2;
		} else
			t.t = T_NOT;
		return t;
	case '<':
		if (s[i + 1] == '=' || s[i + 1] == '>') {
			t.t = s[i + 1] == '=' ? T_LE : T_NE;
			t.len = 2;
		} else
			t.t = T_LT;
		return t;
	case '>':
		if (s[i + 1] == '=') {
			t.t = T_GE;
			t.len = 2;
		} else
			t.t = T_GT;
		return t;
	case '&':
		t.t = s[i + 1] == '&' ? T_AND : T_BAD;
		t.len = 2;
		return t;
	case '|':
		t.t = s[i + 1] == '|' ? T_OR : T_BAD;
		t.len = 2;
		return t;
	case '\'':
	case '"':
	case '`': {
		char q = s[i];
		size_t j = i + 1;
		while (s[j] != '\0' && s[j] != q) {
			if (s[j] == '\\' && s[j + 1] != '\0')
				j++;
			j++;
		}
		if (s[j] != q) {
			t.t = T_BAD;
			t.len = 0;
			return t;
		}
		t.t = q == '`' ? T_QIDENT : T_STR;
		t.len = j + 1 - i;
		return t;
	}
	}
	if (isdigit((unsigned char)s[i]) || (s[i] == '.' &&
	    isdigit((unsigned char)s[i + 1]))) {
		size_t j = i;
		while (isdigit((unsigned char)s[j]) || s[j] == '.')
			j++;
		if ((s[j] == 'e' || s[j] == 'E') && (isdigit((unsigned char)s[j + 1]) ||
		    ((s[j + 1] == '-' || s[j + 1] == '+') &&
		    isdigit((unsigned char)s[j + 2])))) {
			j += 2;
			while (isdigit((unsigned char)s[j]))
				j++;
		}
		t.t = T_NUM;
		t.len = j - i;
		return t;
	}
	if (isalpha((unsigned char)s[i]) || s[i] == '_' || s[i] == '$') {
		size_t j = i;
		while (isalnum((unsigned char)s[j]) || s[j] == '_' || s[j] == '$' ||
		    (s[j] == '.' && (isalpha((unsigned char)s[j + 1]) ||
		    s[j + 1] == '_')))
			j++;
		t.len = j - i;
		if (kw(s + i, t.len, "and"))
			t.t = T_AND;
		else if (kw(s + i, t.len, "or"))
			t.t = T_OR;
		else if (kw(s + i, t.len, "not"))
			t.t = T_NOT;
		else if (kw(s + i, t.len, "in"))
			t.t = T_IN;
		else if (kw(s + i, t.len, "true"))
			t.t = T_TRUE;
		else if (kw(s + i, t.len, "false"))
			t.t = T_FALSE;
		else if (kw(s + i, t.len, "null"))
			t.t = T_NULL;
		else
			t.t = T_IDENT;
		return t;
	}
	t.t = T_BAD;
	return t;
}

static token
next(mb_expr *e)
{
	token t = peek(e);
	e->pos = t.pos + t.len;
	return t;
}

static int
newnode(mb_expr *e, enum op op, size_t pos)
{
	node *n;

	if (e->nn == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 16;
		e->n = mb_xrealloc(e->n, e->cap * sizeof(node));
	}
	n = &e->n[e->nn];
	memset(n, 0, sizeof(*n));
	n->op = op;
	n->col = (int)pos + 1;
	n->a = n->b = -1;
	n->up = -1;
	n->hint = -1;
	n->lit.t = MB_V_NULL;
	return e->nn++;
}

/* Unescapes a quoted literal (the token's text) into a new string. */
static char *
unquote(const char *p, size_t n, size_t *outn)
{
	char *d = mb_xmalloc(n + 1);
	size_t i, k = 0;

	for (i = 1; i + 1 < n; i++) {
		if (p[i] == '\\' && i + 2 < n) {
			i++;
			switch (p[i]) {
			case 'n': d[k++] = '\n'; break;
			case 't': d[k++] = '\t'; break;
			case 'r': d[k++] = '\r'; break;
			default: d[k++] = p[i];
			}
		} else
			d[k++] = p[i];
	}
	d[k] = '\0';
	*outn = k;
	return d;
}

static void
addfield(mb_expr *e, const char *name, size_t n)
{
	size_t i = 0;

	while (i < e->fields.len) {
		size_t l = strlen(e->fields.p + i);
		if (l == n && memcmp(e->fields.p + i, name, n) == 0)
			return;
		i += l + 1;
	}
	mb_buf_add(&e->fields, name, n);
	mb_buf_addc(&e->fields, '\0');
}

/*
 * Turns the Perl-style classes people write in patterns (\d \w \s and their
 * capitals) into POSIX bracket expressions, which regcomp understands.
 */
static void
re_translate(const char *p, size_t n, mb_buf *out)
{
	size_t i;
	int inbr = 0;

	for (i = 0; i < n; i++) {
		const char *cls = NULL;
		if (p[i] == '\\' && i + 1 < n) {
			switch (p[i + 1]) {
			case 'd': cls = "0-9"; break;
			case 'w': cls = "[:alnum:]_"; break;
			case 's': cls = "[:space:]"; break;
			case 'D': cls = "^0-9"; break;
			case 'W': cls = "^[:alnum:]_"; break;
			case 'S': cls = "^[:space:]"; break;
			}
			if (cls != NULL && !(inbr && cls[0] == '^')) {
				if (!inbr)
					mb_buf_addc(out, '[');
				mb_buf_adds(out, cls);
				if (!inbr)
					mb_buf_addc(out, ']');
				i++;
				continue;
			}
			mb_buf_add(out, p + i, 2);
			i++;
			continue;
		}
		if (p[i] == '[' && !inbr) {
			inbr = 1;
			mb_buf_addc(out, '[');
			if (i + 1 < n && p[i + 1] == '^')
				mb_buf_addc(out, p[++i]);
			if (i + 1 < n && p[i + 1] == ']')
				mb_buf_addc(out, p[++i]);
			continue;
		}
		if (p[i] == ']' && inbr)
			inbr = 0;
		mb_buf_addc(out, p[i]);
	}
}

/*
 * The small matcher: a pattern of atoms (a byte set) each with a repeat
 * range, matched by backtracking.  Enough for the identifiers, codes and
 * formats that schemas check, and several times faster than regexec.
 */
#define RX_MAXATOM 64

typedef struct rx_atom {
	uint8_t set[32];	/* bit per byte value */
	int min, max;		/* max -1: unbounded */
} rx_atom;

struct mb_regex {
	regex_t *re;		/* NULL: the small matcher */
	rx_atom *atoms;
	int natoms, bol, eol;
	/* ^...$ with no variable quantifier matches strings of one length:
	 * the atom of each position, for a loop without backtracking */
	const rx_atom **fixed;
	size_t nfixed;
	mb_buf tmp;		/* NUL-terminated copy for regexec */
};

static void
rx_setc(rx_atom *a, unsigned c)
{
	a->set[c >> 3] |= (uint8_t)(1u << (c & 7));
}

static void
rx_class(rx_atom *a, char cls)
{
	unsigned c;
	int neg = isupper((unsigned char)cls);
	rx_atom t;

	memset(&t, 0, sizeof(t));
	for (c = 0; c < 256; c++) {
		int in = 0;
		switch (tolower((unsigned char)cls)) {
		case 'd': in = c >= '0' && c <= '9'; break;
		case 'w': in = c < 128 && (isalnum((int)c) || c == '_'); break;
		case 's': in = c == ' ' || (c >= '\t' && c <= '\r'); break;
		}
		if (in != neg)
			rx_setc(&t, c);
	}
	for (c = 0; c < 32; c++)
		a->set[c] |= t.set[c];
}

/* Parses p into atoms; -1 when it needs the full engine. */
static int
rx_simple(mb_regex *rx, const char *p, size_t n)
{
	size_t i = 0;
	rx_atom *a;

	rx->atoms = mb_xcalloc(RX_MAXATOM, sizeof(rx_atom));
	if (i < n && p[i] == '^') {
		rx->bol = 1;
		i++;
	}
	while (i < n) {
		if (p[i] == '$' && i + 1 == n) {
			rx->eol = 1;
			break;
		}
		if (rx->natoms == RX_MAXATOM)
			return -1;
		a = &rx->atoms[rx->natoms++];
		a->min = a->max = 1;
		switch (p[i]) {
		case '\\':
			if (i + 1 >= n)
				return -1;
			if (strchr("dwsDWS", p[i + 1]) != NULL)
				rx_class(a, p[i + 1]);
			else if (ispunct((unsigned char)p[i + 1]))
				rx_setc(a, (unsigned char)p[i + 1]);
			else
				return -1;
			i += 2;
			break;
		case '.':
			memset(a->set, 0xff, sizeof(a->set));
			rx_setc(a, '\n');
			a->set['\n' >> 3] &= (uint8_t)~(1u << ('\n' & 7));
			i++;
			break;
		case '[': {
			int neg = 0, first = 1;
			unsigned c;
			i++;
			if (i < n && p[i] == '^') {
				neg = 1;
				i++;
			}
			while (i < n && (p[i] != ']' || first)) {
				unsigned lo = (unsigned char)p[i], hi;
				first = 0;
				if (p[i] == '[' && i + 1 < n && (p[i + 1] == ':' ||
				    p[i + 1] == '=' || p[i + 1] == '.'))
					return -1;
				if (p[i] == '\\' && i + 1 < n &&
				    strchr("dwsDWS", p[i + 1]) != NULL) {
					rx_class(a, p[i + 1]);
					i += 2;
					continue;
				}
				if (p[i] == '\\')
					return -1;	/* POSIX: literal; rare */
				hi = lo;
				if (i + 2 < n && p[i + 1] == '-' && p[i + 2] != ']') {
					hi = (unsigned char)p[i + 2];
					i += 2;
				}
				if (hi < lo)
					return -1;
				for (c = lo; c <= hi; c++)
					rx_setc(a, c);
				i++;
			}
			if (i >= n)
				return -1;
			i++;
			if (neg)
				for (c = 0; c < 32; c++)
					a->set[c] = (uint8_t)~a->set[c];
			break;
		}
		case '(': case ')': case '|': case '*': case '+': case '?':
		case '{': case '}': case '^': case '$': case ']':
			return -1;
		default:
			rx_setc(a, (unsigned char)p[i]);
			i++;
		}
		/* a quantifier */
		if (i < n && (p[i] == '*' || p[i] == '+' || p[i] == '?')) {
			a->min = p[i] == '+';
			a->max = p[i] == '?' ? 1 : -1;
			i++;
		} else if (i < n && p[i] == '{') {
			char *end;
			long lo, hi;
			lo = strtol(p + i + 1, &end, 10);
			if (end == p + i + 1 || lo < 0 || lo > 1000)
				return -1;
			hi = lo;
			if (*end == ',') {
				if (end[1] == '}') {
					hi = -1;
					end++;
				} else {
					char *e2;
					hi = strtol(end + 1, &e2, 10);
					if (e2 == end + 1 || hi < lo || hi > 1000)
						return -1;
					end = e2;
				}
			}
			if (*end != '}')
				return -1;
			a->min = (int)lo;
			a->max = (int)hi;
			i = (size_t)(end - p) + 1;
		}
		if (i < n && (p[i] == '*' || p[i] == '+' || p[i] == '?' ||
		    p[i] == '{'))
			return -1;
	}
	return 0;
}

static int
rx_in(const rx_atom *a, unsigned char c)
{
	return (a->set[c >> 3] >> (c & 7)) & 1;
}

/* Matches atoms k.. at s[i..n); greedy with backtracking. */
static int
rx_run(const mb_regex *rx, int k, const char *s, size_t i, size_t n)
{
	const rx_atom *a;
	size_t j, cnt;

	for (; k < rx->natoms; k++) {
		a = &rx->atoms[k];
		if (a->min == 1 && a->max == 1) {
			if (i >= n || !rx_in(a, (unsigned char)s[i]))
				return 0;
			i++;
			continue;
		}
		cnt = 0;
		while (i + cnt < n && (a->max < 0 || cnt < (size_t)a->max) &&
		    rx_in(a, (unsigned char)s[i + cnt]))
			cnt++;
		if (cnt < (size_t)a->min)
			return 0;
		if (k + 1 == rx->natoms)
			return !rx->eol || i + cnt == n;
		for (j = cnt + 1; j-- > (size_t)a->min;)
			if (rx_run(rx, k + 1, s, i + j, n))
				return 1;
		return 0;
	}
	return !rx->eol || i == n;
}

static void
rx_fix(mb_regex *rx)
{
	int k, j;
	size_t len = 0;

	if (!rx->bol || !rx->eol)
		return;
	for (k = 0; k < rx->natoms; k++) {
		if (rx->atoms[k].min != rx->atoms[k].max)
			return;
		len += (size_t)rx->atoms[k].min;
	}
	if (len > 4096)
		return;
	rx->fixed = mb_xcalloc(len + 1, sizeof(*rx->fixed));
	for (k = 0; k < rx->natoms; k++)
		for (j = 0; j < rx->atoms[k].min; j++)
			rx->fixed[rx->nfixed++] = &rx->atoms[k];
}

/*
 * How many positions an extended regular expression expands to: every
 * character or bracket expression is one, a group is the sum of its
 * branches, and a repetition multiplies what it repeats (x{2,5} by 5, x+
 * by 2), so that stacked repetitions and nested groups multiply.  glibc's
 * regcomp builds its automaton from that expansion, in time and memory
 * that grow faster than it: "a" followed by twenty "+" took 700 MB,
 * thirty took more than 20 GB.  Saturates at RX_MAXSIZE + 1.
 */
#define RX_MAXSIZE 2000
#define RX_MAXDEPTH 64

static double
rx_size(const char *p)
{
	double alt[RX_MAXDEPTH], cur[RX_MAXDEPTH], last[RX_MAXDEPTH], f;
	int d = 0;
	char *end;
	long m, k;

	alt[0] = cur[0] = last[0] = 0;
	for (; *p != '\0'; p++) {
		switch (*p) {
		case '(':
			if (++d == RX_MAXDEPTH)
				return RX_MAXSIZE + 1;
			alt[d] = cur[d] = last[d] = 0;
			continue;
		case ')':
			if (d == 0)
				goto atom;
			f = alt[d] + cur[d];
			d--;
			cur[d] += f;
			last[d] = f;
			continue;
		case '|':
			alt[d] += cur[d];
			cur[d] = last[d] = 0;
			continue;
		case '*':
		case '+':
		case '?':
			f = 2;
			break;
		case '{':
			m = strtol(p + 1, &end, 10);
			if (end == p + 1 || m < 0)
				goto atom;
			k = m;
			if (*end == ',') {
				k = strtol(end + 1, &end, 10);
				if (end[-1] == ',')	/* {m,} */
					k = m + 1;
			}
			if (*end != '}')
				goto atom;
			p = end;
			f = k > 1 ? (double)k : 1;
			break;
		case '[':	/* one position, however long */
			if (p[1] == '^')
				p++;
			if (p[1] == ']')
				p++;
			for (p++; *p != '\0' && *p != ']'; p++)
				if (*p == '[' && (p[1] == ':' || p[1] == '=' ||
				    p[1] == '.')) {
					char c = p[1];

					for (p += 2; *p != '\0' &&
					    !(p[0] == c && p[1] == ']'); p++)
						;
					if (*p == '\0')
						break;
					p++;
				}
			if (*p == '\0')
				p--;
			goto atom;
		case '\\':
			if (p[1] != '\0')
				p++;
			goto atom;
		default:
		atom:
			cur[d] += 1;
			last[d] = 1;
			if (cur[d] > RX_MAXSIZE)
				return RX_MAXSIZE + 1;
			continue;
		}
		/* a repetition of what came last */
		cur[d] += last[d] * (f - 1);
		last[d] *= f;
		if (cur[d] > RX_MAXSIZE || last[d] > RX_MAXSIZE)
			return RX_MAXSIZE + 1;
	}
	while (d > 0) {		/* an unclosed group: regcomp says so */
		f = alt[d] + cur[d];
		d--;
		cur[d] += f;
	}
	return alt[0] + cur[0];
}

mb_regex *
mb_regex_compile(const char *p, size_t n, char *err, size_t errn)
{
	mb_regex *rx = mb_xcalloc(1, sizeof(*rx));
	mb_buf b = { 0 };
	int rc;

	if (rx_simple(rx, p, n) == 0) {
		rx_fix(rx);
		return rx;
	}
	free(rx->atoms);
	rx->atoms = NULL;
	rx->natoms = rx->bol = rx->eol = 0;
	rx->re = mb_xmalloc(sizeof(regex_t));
	re_translate(p, n, &b);
	if (rx_size(mb_buf_cstr(&b)) > RX_MAXSIZE) {
		snprintf(err, errn, "too complex: it expands to more than %d "
		    "positions (a repetition multiplies what it repeats)",
		    RX_MAXSIZE);
		mb_buf_free(&b);
		free(rx->re);
		free(rx);
		return NULL;
	}
	rc = regcomp(rx->re, mb_buf_cstr(&b), REG_EXTENDED | REG_NOSUB);
	mb_buf_free(&b);
	if (rc != 0) {
		regerror(rc, rx->re, err, errn);
		free(rx->re);
		free(rx);
		return NULL;
	}
	return rx;
}

int
mb_regex_match(mb_regex *rx, const char *s, size_t n)
{
	size_t i;

	if (rx->re != NULL) {
		mb_buf_reset(&rx->tmp);
		mb_buf_add(&rx->tmp, s, n);
		return regexec(rx->re, mb_buf_cstr(&rx->tmp), 0, NULL, 0) == 0;
	}
	if (rx->fixed != NULL) {
		if (n != rx->nfixed)
			return 0;
		for (i = 0; i < n; i++)
			if (!rx_in(rx->fixed[i], (unsigned char)s[i]))
				return 0;
		return 1;
	}
	if (rx->bol)
		return rx_run(rx, 0, s, 0, n);
	for (i = 0; i <= n; i++)
		if (rx_run(rx, 0, s, i, n))
			return 1;
	return 0;
}

void
mb_regex_free(mb_regex *rx)
{
	if (rx == NULL)
		return;
	if (rx->re != NULL) {
		regfree(rx->re);
		free(rx->re);
	}
	free(rx->atoms);
	free(rx->fixed);
	mb_buf_free(&rx->tmp);
	free(rx);
}

static int parse_or(mb_expr *e);

static int
parse_args(mb_expr *e, int *nargs, int *first)
{
	int tmp[64];
	int k = 0, i;
	token t;

	t = peek(e);
	if (t.t != T_RP) {
		for (;;) {
			int a = parse_or(e);
			if (a < 0)
				return -1;
			if (k == 64)
				return perr(e, t.pos, "%s", "too many arguments");
			tmp[k++] = a;
			t = peek(e);
			if (t.t != T_COMMA)
				break;
			next(e);
		}
	}
	t = next(e);
	if (t.t != T_RP)
		return perr(e, t.pos, "%s", "expected \",\" or \")\"");
	if (e->nargs + k > e->argcap) {
		e->argcap = (e->nargs + k) * 2 + 8;
		e->args = mb_xrealloc(e->args, e->argcap * sizeof(int));
	}
	*first = e->nargs;
	for (i = 0; i < k; i++)
		e->args[e->nargs++] = tmp[i];
	*nargs = k;
	return 0;
}

static const char *units[] = { "year", "quarter", "month", "week", "day",
	"hour", "minute", "second", NULL };

static int
parse_call(mb_expr *e, token id)
{
	const struct fninfo *f = NULL;
	size_t i;
	int k, nargs, first;
	char name[64];

	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		if (strlen(fns[i].name) == id.len &&
		    strncasecmp(fns[i].name, e->src + id.pos, id.len) == 0)
			f = &fns[i];
	snprintf(name, sizeof(name), "%.*s", (int)(id.len < 60 ? id.len : 60),
	    e->src + id.pos);
	if (f == NULL)
		return perr(e, id.pos, "unknown function \"%s\"", name);
	next(e);		/* ( */
	if (parse_args(e, &nargs, &first) < 0)
		return -1;
	if (nargs < f->min || (f->max >= 0 && nargs > f->max))
		return perr(e, id.pos, "wrong number of arguments to %s()",
		    f->name);
	k = newnode(e, N_CALL, id.pos);
	e->n[k].fn = f->id;
	e->n[k].nargs = nargs;
	e->n[k].args = first;
	if (f->id == F_MATCHES) {
		node *pat = &e->n[e->args[first + 1]];
		char err[200];
		if (pat->op != N_LIT || pat->lit.t != MB_V_STR)
			return perr(e, (size_t)pat->col - 1, "%s",
			    "matches() needs a string literal as its pattern");
		e->n[k].re = mb_regex_compile(pat->lit.s, pat->lit.n, err,
		    sizeof(err));
		if (e->n[k].re == NULL)
			return perr(e, (size_t)pat->col - 1,
			    "bad regular expression: %s", err);
	}
	if (f->id == F_DATE_TRUNC) {
		node *u = &e->n[e->args[first]];
		if (u->op == N_LIT) {
			int ok = 0;
			for (i = 0; units[i] != NULL; i++)
				if (u->lit.t == MB_V_STR &&
				    strlen(units[i]) == u->lit.n &&
				    memcmp(units[i], u->lit.s, u->lit.n) == 0)
					ok = 1;
			if (!ok)
				return perr(e, (size_t)u->col - 1, "%s",
				    "date_trunc() unit must be one of year, "
				    "quarter, month, week, day, hour, minute, "
				    "second");
		}
	}
	return k;
}

static int
parse_primary(mb_expr *e)
{
	token t = next(e);
	int k;
	char tmp[64];

	switch (t.t) {
	case T_NUM:
		k = newnode(e, N_LIT, t.pos);
		if (num_parse(e->src + t.pos, t.len, &e->n[k].lit) < 0) {
			snprintf(tmp, sizeof(tmp), "%.*s",
			    (int)(t.len < 60 ? t.len : 60), e->src + t.pos);
			return perr(e, t.pos, "bad number \"%s\"", tmp);
		}
		return k;
	case T_STR: {
		size_t n;
		char *s = unquote(e->src + t.pos, t.len, &n);
		k = newnode(e, N_LIT, t.pos);
		setstr(&e->n[k].lit, s, n);
		e->n[k].name = s;	/* owned, freed with the node */
		return k;
	}
	case T_TRUE:
	case T_FALSE:
		k = newnode(e, N_LIT, t.pos);
		setbool(&e->n[k].lit, t.t == T_TRUE);
		return k;
	case T_NULL:
		return newnode(e, N_LIT, t.pos);
	case T_QIDENT: {
		size_t n;
		char *s = unquote(e->src + t.pos, t.len, &n);
		k = newnode(e, N_FIELD, t.pos);
		e->n[k].name = s;
		e->n[k].nlen = n;
		addfield(e, s, n);
		return k;
	}
	case T_IDENT:
		if (peek(e).t == T_LP)
			return parse_call(e, t);
		k = newnode(e, N_FIELD, t.pos);
		e->n[k].name = mb_xmalloc(t.len + 1);
		memcpy(e->n[k].name, e->src + t.pos, t.len);
		e->n[k].name[t.len] = '\0';
		e->n[k].nlen = t.len;
		addfield(e, e->n[k].name, t.len);
		return k;
	case T_LP:
		k = parse_or(e);
		if (k < 0)
			return -1;
		t = next(e);
		if (t.t != T_RP)
			return perr(e, t.pos, "%s", "expected \")\"");
		return k;
	case T_END:
		return perr(e, t.pos, "%s", "unexpected end of expression");
	case T_BAD:
		if (e->src[t.pos] == '\'' || e->src[t.pos] == '"' ||
		    e->src[t.pos] == '`')
			return perr(e, t.pos, "%s", "unterminated quote");
		/* FALLTHROUGH */
	default:
		snprintf(tmp, sizeof(tmp), "%.*s", (int)(t.len ? t.len : 1),
		    e->src + t.pos);
		return perr(e, t.pos, "unexpected \"%s\"", tmp);
	}
}

/* Node k, just made with a as its left operand; a is the operation
 * before it in the same chain when chained. */
static void
link(mb_expr *e, int k, int chained)
{
	if (chained) {
		e->n[k].lchain = 1;
		e->n[e->n[k].a].up = k;
	}
}

static int
deeper(mb_expr *e, size_t pos)
{
	if (++e->depth > 200)
		return perr(e, pos, "%s", "expression nested too deeply");
	return 0;
}

static int
parse_unary(mb_expr *e)
{
	token t = peek(e);
	int k, a;

	if (t.t == T_MINUS || t.t == T_PLUS) {
		next(e);
		if (deeper(e, t.pos) < 0)
			return -1;
		a = parse_unary(e);
		e->depth--;
		if (a < 0 || t.t == T_PLUS)
			return a;
		k = newnode(e, N_NEG, t.pos);
		e->n[k].a = a;
		return k;
	}
	return parse_primary(e);
}

static int
parse_mul(mb_expr *e)
{
	int a = parse_unary(e), b, k, prev = -1;
	token t;

	while (a >= 0) {
		t = peek(e);
		if (t.t != T_STAR && t.t != T_SLASH && t.t != T_PCT)
			break;
		next(e);
		if ((b = parse_unary(e)) < 0)
			return -1;
		k = newnode(e, t.t == T_STAR ? N_MUL : t.t == T_SLASH ? N_DIV :
		    N_MOD, t.pos);
		e->n[k].a = a;
		e->n[k].b = b;
		link(e, k, a == prev);
		prev = k;
		a = k;
	}
	return a;
}

static int
parse_add(mb_expr *e)
{
	int a = parse_mul(e), b, k, prev = -1;
	token t;

	while (a >= 0) {
		t = peek(e);
		if (t.t != T_PLUS && t.t != T_MINUS)
			break;
		next(e);
		if ((b = parse_mul(e)) < 0)
			return -1;
		k = newnode(e, t.t == T_PLUS ? N_ADD : N_SUB, t.pos);
		e->n[k].a = a;
		e->n[k].b = b;
		link(e, k, a == prev);
		prev = k;
		a = k;
	}
	return a;
}

static int
parse_cmp(mb_expr *e)
{
	int a = parse_add(e), b, k, neg = 0;
	token t;
	enum op op;

	if (a < 0)
		return -1;
	t = peek(e);
	switch (t.t) {
	case T_EQ: op = N_EQ; break;
	case T_NE: op = N_NE; break;
	case T_LT: op = N_LT; break;
	case T_LE: op = N_LE; break;
	case T_GT: op = N_GT; break;
	case T_GE: op = N_GE; break;
	case T_NOT:
	case T_IN:
		if (t.t == T_NOT) {
			size_t save = e->pos;
			next(e);
			if (peek(e).t != T_IN) {
				e->pos = save;
				return a;
			}
			neg = 1;
		}
		next(e);
		t = next(e);
		if (t.t != T_LP)
			return perr(e, t.pos, "%s", "expected \"(\" after in");
		k = newnode(e, neg ? N_NOTIN : N_IN, t.pos);
		e->n[k].a = a;
		{
			int nargs, first;
			if (parse_args(e, &nargs, &first) < 0)
				return -1;
			e->n[k].nargs = nargs;
			e->n[k].args = first;
		}
		return k;
	default:
		return a;
	}
	next(e);
	if ((b = parse_add(e)) < 0)
		return -1;
	/* x = null is null for every x, so a check of it passes every
	 * record and a filter of it keeps none: a mistake, said at once */
	if ((e->n[a].op == N_LIT && e->n[a].lit.t == MB_V_NULL) ||
	    (e->n[b].op == N_LIT && e->n[b].lit.t == MB_V_NULL))
		return perr(e, t.pos, "%s", "a comparison with null is always "
		    "null, never true or false; use is_null(x) or "
		    "not is_null(x)");
	k = newnode(e, op, t.pos);
	e->n[k].a = a;
	e->n[k].b = b;
	t = peek(e);
	if (t.t >= T_EQ && t.t <= T_GE)
		return perr(e, t.pos, "%s",
		    "comparisons do not chain; use and");
	return k;
}

static int
parse_not(mb_expr *e)
{
	token t = peek(e);
	int a, k;

	if (t.t == T_NOT) {
		next(e);
		if (deeper(e, t.pos) < 0)
			return -1;
		a = parse_not(e);
		e->depth--;
		if (a < 0)
			return -1;
		k = newnode(e, N_NOT, t.pos);
		e->n[k].a = a;
		return k;
	}
	return parse_cmp(e);
}

static int
parse_and(mb_expr *e)
{
	int a = parse_not(e), b, k, prev = -1;
	token t;

	while (a >= 0) {
		t = peek(e);
		if (t.t != T_AND)
			break;
		next(e);
		if ((b = parse_not(e)) < 0)
			return -1;
		k = newnode(e, N_AND, t.pos);
		e->n[k].a = a;
		e->n[k].b = b;
		link(e, k, a == prev);
		prev = k;
		a = k;
	}
	return a;
}

static int
parse_or(mb_expr *e)
{
	int a, b, k, prev = -1;
	token t = peek(e);

	if (deeper(e, t.pos) < 0)
		return -1;
	a = parse_and(e);
	while (a >= 0) {
		t = peek(e);
		if (t.t != T_OR)
			break;
		next(e);
		if ((b = parse_and(e)) < 0)
			return -1;
		k = newnode(e, N_OR, t.pos);
		e->n[k].a = a;
		e->n[k].b = b;
		link(e, k, a == prev);
		prev = k;
		a = k;
	}
	e->depth--;
	return a;
}

mb_expr *
mb_expr_parse(const char *src)
{
	mb_expr *e = mb_xcalloc(1, sizeof(*e));
	token t;

	e->src = src;
	e->now = mb_time_now_ms();
	e->root = parse_or(e);
	if (e->root >= 0) {
		t = peek(e);
		if (t.t != T_END) {
			char tmp[64];
			snprintf(tmp, sizeof(tmp), "%.*s",
			    (int)(t.len ? (t.len < 60 ? t.len : 60) : 1),
			    src + t.pos);
			e->root = perr(e, t.pos, "unexpected \"%s\"", tmp);
		}
	}
	if (e->root < 0) {
		mb_expr_free(e);
		return NULL;
	}
	e->src = NULL;
	mb_buf_addc(&e->fields, '\0');	/* never an empty buffer */
	e->fields.len--;
	e->arcap = 256;
	e->ar = mb_xmalloc(e->arcap);
	return e;
}

void
mb_expr_free(mb_expr *e)
{
	int i;

	if (e == NULL)
		return;
	for (i = 0; i < e->nn; i++) {
		free(e->n[i].name);
		mb_regex_free(e->n[i].re);
	}
	free(e->n);
	free(e->args);
	mb_buf_free(&e->fields);
	mb_buf_free(&e->tmp);
	e->arneed = 0;
	arreset(e);
	free(e->ar);
	free(e);
}

const char *
mb_expr_fields(const mb_expr *e, size_t *n)
{
	*n = e->fields.len;
	return e->fields.p;
}

void
mb_expr_set_lookup(mb_expr *e, mb_expr_lookup_fn fn, void *ctx)
{
	e->lookup = fn;
	e->lookup_ctx = ctx;
}

void
mb_expr_set_now(mb_expr *e, int64_t ms)
{
	e->now = ms;
}

/* ---- evaluation ------------------------------------------------------------ */

static int eval(mb_expr *e, int k, const mb_rec *r, mb_val *out);

/*
 * + - * of decimals whose mantissas fit 64 bits, in 64 bits: the exact
 * result that mb_dec_add/sub/mul give, without their 128-bit division.
 * -1 when it does not fit (the general path then decides).
 */
static int
arith_fast(enum op op, const mb_dec *a, const mb_dec *b, mb_val *out)
{
	int64_t x, y, z;
	int sc;

	if (a->v > INT64_MAX || a->v < INT64_MIN || b->v > INT64_MAX ||
	    b->v < INT64_MIN)
		return -1;
	x = (int64_t)a->v;
	y = (int64_t)b->v;
	switch (op) {
	case N_MUL:
		sc = a->scale + b->scale;
		if (sc > 30 || __builtin_mul_overflow(x, y, &z))
			return -1;
		break;
	case N_ADD:
	case N_SUB:
		sc = a->scale > b->scale ? a->scale : b->scale;
		if (sc - a->scale > 18 || sc - b->scale > 18 ||
		    __builtin_mul_overflow(x, (int64_t)p10[sc - a->scale],
		    &x) ||
		    __builtin_mul_overflow(y, (int64_t)p10[sc - b->scale], &y))
			return -1;
		if (op == N_ADD ? __builtin_add_overflow(x, y, &z) :
		    __builtin_sub_overflow(x, y, &z))
			return -1;
		break;
	default:
		return -1;
	}
	setdec(out, z, sc);
	return 0;
}

/* mb_dec_cmp() of decimals whose mantissas fit 64 bits, without its
 * loops; -1 when they do not. */
static int
dec_cmp_fast(const mb_dec *a, const mb_dec *b, int *res)
{
	__int128 x = a->v, y = b->v;

	if (x > INT64_MAX || x < INT64_MIN || y > INT64_MAX || y < INT64_MIN ||
	    a->scale - b->scale > 18 || b->scale - a->scale > 18)
		return -1;
	if (a->scale < b->scale)
		x *= p10[b->scale - a->scale];
	else
		y *= p10[a->scale - b->scale];
	*res = x < y ? -1 : x > y;
	return 0;
}

static int
arith(mb_expr *e, enum op op, const mb_val *a, const mb_val *b, mb_val *out)
{
	mb_val x, y;
	mb_dec d;
	int rc = 0;

	if (a->t == MB_V_NULL || b->t == MB_V_NULL) {
		setnull(out);
		return 0;
	}
	if (a->t == MB_V_DEC && b->t == MB_V_DEC && arith_fast(op, &a->d, &b->d,
	    out) == 0)
		return 0;
	if (as_num(a, &x) < 0 || as_num(b, &y) < 0)
		return rterr(out, "%s", op == N_ADD ? "+ of a value that is "
		    "not a number (use concat() for strings)" :
		    "arithmetic on a value that is not a number");
	if (x.t == MB_V_DEC && y.t == MB_V_DEC && arith_fast(op, &x.d, &y.d,
	    out) == 0)
		return 0;
	if (x.t == MB_V_DEC && y.t == MB_V_DEC) {
		switch (op) {
		case N_ADD:
			rc = mb_dec_add(x.d, y.d, &d);
			break;
		case N_SUB:
			rc = mb_dec_sub(x.d, y.d, &d);
			break;
		case N_MUL:
			rc = mb_dec_mul(x.d, y.d, &d);
			break;
		case N_DIV: {
			int sc = x.d.scale > y.d.scale ? x.d.scale : y.d.scale;
			if (y.d.v == 0)
				return rterr(out, "%s", "division by zero");
			if (sc < 6)
				sc = 6;
			rc = mb_dec_div(x.d, y.d, sc, &d);
			if (rc == 0)
				while (d.scale > 0 && d.v % 10 == 0) {
					d.v /= 10;
					d.scale--;
				}
			break;
		}
		default: {	/* N_MOD: the sign of the dividend, as in C */
			__int128 u = x.d.v, v = y.d.v;
			int sc = x.d.scale;
			if (y.d.v == 0)
				return rterr(out, "%s", "division by zero");
			rc = -1;
			/* On one scale, exactly: (u * 10^k) % v one digit at a
			 * time, as ((u % v) * 10) % v cannot overflow unless v
			 * is near the limit; a divisor scaled past the limit
			 * is greater than any dividend. */
			if (v == 1 || v == -1) {	/* INT128_MIN % -1 */
				u = 0;
				rc = 0;
			} else if (x.d.scale < y.d.scale &&
			    y.d.scale - x.d.scale < 10) {
				int k = y.d.scale - x.d.scale;

				for (u %= v; k > 0; k--) {
					if (__builtin_mul_overflow(u, 10, &u))
						break;
					u %= v;
				}
				if (k == 0) {
					sc = y.d.scale;
					rc = 0;
				}
			} else if (y.d.scale < x.d.scale &&
			    x.d.scale - y.d.scale < 10) {
				if (!__builtin_mul_overflow(v,
				    p10[x.d.scale - y.d.scale], &v))
					u %= v;
				rc = 0;
			} else if (x.d.scale == y.d.scale) {
				u %= v;
				rc = 0;
			}
			d.v = rc == 0 ? u : 0;
			d.scale = sc;
		}
		}
		if (rc == 0) {
			setdec(out, d.v, d.scale);
			return 0;
		}
	}
	{
		double f = todbl(&x), g = todbl(&y), h;
		switch (op) {
		case N_ADD: h = f + g; break;
		case N_SUB: h = f - g; break;
		case N_MUL: h = f * g; break;
		case N_DIV:
			if (g == 0)
				return rterr(out, "%s", "division by zero");
			h = f / g;
			break;
		default:
			if (g == 0)
				return rterr(out, "%s", "division by zero");
			h = fmod(f, g);
		}
		setdbl(out, h);
	}
	return 0;
}

static int
equal(const mb_val *a, const mb_val *b)
{
	int c;

	if (mb_val_cmp(a, b, &c) < 0)
		return 0;
	return c == 0;
}

static int
logic(mb_expr *e, const mb_val *v, int *b)
{
	if (v->t == MB_V_NULL)
		return 1;
	if (v->t != MB_V_BOOL)
		return -1;
	*b = v->b;
	return 0;
}

/* Byte offset of code point `cp` (0-based) in s, or n. */
static size_t
utf8_off(const char *s, size_t n, size_t cp)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80) {
			if (cp == 0)
				return i;
			cp--;
		}
	return n;
}

static int
getint(const mb_val *v, int64_t *x)
{
	mb_val n;

	if (as_num(v, &n) < 0)
		return -1;
	if (n.t == MB_V_DBL) {
		if (fabs(n.f) > 9e18)
			return -1;
		*x = (int64_t)n.f;
		return 0;
	}
	{
		__int128 q = n.d.v / p10[n.d.scale];
		if (q > INT64_MAX || q < INT64_MIN)
			return -1;
		*x = (int64_t)q;
	}
	return 0;
}

/* ISO 8601 week number of a day (days since the epoch). */
static int
iso_week(int64_t days, int year)
{
	/* weekday 1 = Monday .. 7 = Sunday; 1970-01-01 was a Thursday */
	int64_t wd = ((days % 7) + 7 + 3) % 7 + 1;
	int64_t thursday = days - wd + 4;
	int64_t jan1;
	mb_tm tm;

	mb_time_split(thursday * 86400000, &tm);
	(void)year;
	jan1 = mb_days_from_civil(tm.year, 1, 1);
	return (int)((thursday - jan1) / 7 + 1);
}

static int64_t
floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static int
call(mb_expr *e, const node *n, const mb_rec *r, mb_val *out)
{
	mb_val v[3], t;
	int i, rc;
	/* no call in the expression has arguments: e->args is NULL */
	const int *args = n->nargs > 0 ? e->args + n->args : NULL;
	int64_t ms, ms2;
	mb_tm tm;
	const char *s;
	size_t sl;
	char *d;

	/* lazy ones first */
	switch (n->fn) {
	case F_IF:
		if (eval(e, args[0], r, &t) < 0)
			return -1;
		return eval(e, args[mb_val_true(&t) ? 1 : 2], r, out);
	case F_COALESCE:
		for (i = 0; i < n->nargs; i++) {
			if (eval(e, args[i], r, out) < 0)
				return -1;
			if (out->t != MB_V_NULL)
				return 0;
		}
		return 0;
	case F_IS_NULL:
		if (eval(e, args[0], r, &t) < 0)
			return -1;
		setbool(out, t.t == MB_V_NULL);
		return 0;
	case F_CONCAT: {
		size_t total = 0, at = 0;
		/* two passes: the first evaluates and sizes, the second copies;
		 * values are kept small by evaluating twice rather than
		 * storing an unbounded number of them */
		for (i = 0; i < n->nargs; i++) {
			if (eval(e, args[i], r, &t) < 0)
				return -1;
			if (t.t == MB_V_NULL) {
				setnull(out);
				return 0;
			}
			val_text(e, &t, &s, &sl);
			total += sl;
		}
		d = aralloc(e, total + 1);
		for (i = 0; i < n->nargs; i++) {
			if (eval(e, args[i], r, &t) < 0)
				return -1;
			val_text(e, &t, &s, &sl);
			if (at + sl > total)
				sl = total - at;
			memcpy(d + at, s, sl);
			at += sl;
		}
		setstr(out, d, at);
		return 0;
	}
	case F_NOW:
		setnull(out);
		out->t = MB_V_TIME;
		out->ms = e->now;
		return 0;
	default:
		break;
	}
	for (i = 0; i < n->nargs && i < 3; i++) {
		if (eval(e, args[i], r, &v[i]) < 0)
			return -1;
		if (v[i].t == MB_V_NULL) {
			setnull(out);
			return 0;
		}
	}
	switch (n->fn) {
	case F_LOWER:
	case F_UPPER:
		val_text(e, &v[0], &s, &sl);
		d = aralloc(e, sl + 1);
		for (size_t j = 0; j < sl; j++)
			d[j] = (char)(n->fn == F_LOWER ?
			    tolower((unsigned char)s[j]) :
			    toupper((unsigned char)s[j]));
		setstr(out, d, sl);
		return 0;
	case F_TRIM:
		val_text(e, &v[0], &s, &sl);
		while (sl > 0 && isspace((unsigned char)*s)) {
			s++;
			sl--;
		}
		while (sl > 0 && isspace((unsigned char)s[sl - 1]))
			sl--;
		setstr(out, s, sl);
		return 0;
	case F_LEN:
		val_text(e, &v[0], &s, &sl);
		setdec(out, (__int128)mb_utf8_len(s, sl), 0);
		return 0;
	case F_SUBSTR: {
		int64_t start, cnt = INT64_MAX;
		size_t cps, a, b;
		val_text(e, &v[0], &s, &sl);
		if (getint(&v[1], &start) < 0 ||
		    (n->nargs == 3 && getint(&v[2], &cnt) < 0))
			return rterr(out, "%s", "substr(): position or length "
			    "is not a number");
		cps = mb_utf8_len(s, sl);
		if (start < 0)
			start = (int64_t)cps + start + 1;
		if (start < 1)
			start = 1;
		if (cnt < 0)
			cnt = 0;
		a = utf8_off(s, sl, (size_t)start - 1);
		b = (uint64_t)cnt >= cps ? sl :
		    utf8_off(s + a, sl - a, (size_t)cnt) + a;
		setstr(out, s + a, b - a);
		return 0;
	}
	case F_STARTS_WITH:
	case F_ENDS_WITH:
	case F_CONTAINS: {
		const char *p;
		size_t pl;
		val_text(e, &v[0], &s, &sl);
		if (v[1].t == MB_V_STR) {
			p = v[1].s;
			pl = v[1].n;
		} else
			val_text(e, &v[1], &p, &pl);
		if (pl > sl)
			rc = 0;
		else if (n->fn == F_STARTS_WITH)
			rc = memcmp(s, p, pl) == 0;
		else if (n->fn == F_ENDS_WITH)
			rc = memcmp(s + sl - pl, p, pl) == 0;
		else
			rc = pl == 0 || memmem(s, sl, p, pl) != NULL;
		setbool(out, rc);
		return 0;
	}
	case F_MATCHES:
		val_text(e, &v[0], &s, &sl);
		setbool(out, mb_regex_match(n->re, s, sl));
		return 0;
	case F_ABS:
	case F_FLOOR:
	case F_CEIL:
	case F_ROUND: {
		int64_t dig = 0;
		if (as_num(&v[0], &t) < 0)
			return rterr(out, "%s", "not a number");
		if (n->fn == F_ROUND && n->nargs == 2 &&
		    (getint(&v[1], &dig) < 0 || dig < 0 || dig > 30))
			return rterr(out, "%s", "round(): digits must be 0..30");
		if (t.t == MB_V_DBL) {
			double f = t.f, m;
			switch (n->fn) {
			case F_ABS: f = fabs(f); break;
			case F_FLOOR: f = floor(f); break;
			case F_CEIL: f = ceil(f); break;
			default:
				m = pow(10, (double)dig);
				f = round(f * m) / m;
			}
			setdbl(out, f);
			return 0;
		}
		if (n->fn == F_ABS) {
			setdec(out, t.d.v < 0 ? -t.d.v : t.d.v, t.d.scale);
		} else if (n->fn == F_ROUND) {
			mb_dec x = t.d.scale > dig ? mb_dec_round(t.d, (int)dig) :
			    t.d;
			setdec(out, x.v, x.scale);
		} else {
			__int128 m = p10[t.d.scale], q = t.d.v / m;
			__int128 rem = t.d.v % m;
			if (n->fn == F_FLOOR && rem < 0)
				q--;
			if (n->fn == F_CEIL && rem > 0)
				q++;
			setdec(out, q, 0);
		}
		return 0;
	}
	case F_NUMBER:
		if (v[0].t == MB_V_BOOL) {
			setdec(out, v[0].b, 0);
			return 0;
		}
		if (as_num(&v[0], out) < 0)
			return rterr(out, "%s", "number(): not a number");
		return 0;
	case F_STRING:
		val_text(e, &v[0], &s, &sl);
		setstr(out, s, sl);
		return 0;
	case F_HASH: {
		char hex[17];
		uint64_t h;
		static const char x[] = "0123456789abcdef";
		val_text(e, &v[0], &s, &sl);
		h = mb_hash(s, sl);
		for (i = 15; i >= 0; i--) {
			hex[i] = x[h & 15];
			h >>= 4;
		}
		d = aralloc(e, 16);
		memcpy(d, hex, 16);
		setstr(out, d, 16);
		return 0;
	}
	case F_DATE_TRUNC: {
		const char *u;
		size_t ul;
		int64_t days;
		if (v[0].t != MB_V_STR)
			return rterr(out, "%s", "date_trunc(): bad unit");
		u = v[0].s;
		ul = v[0].n;
		if ((rc = as_time(&v[1], &ms)) < 0)
			return time_err(e, &v[1], rc, out);
		mb_time_split(ms, &tm);
		days = floordiv(ms, 86400000);
#define U(w) (ul == strlen(w) && memcmp(u, w, ul) == 0)
		if (U("year"))
			ms = mb_days_from_civil(tm.year, 1, 1) * 86400000;
		else if (U("quarter"))
			ms = mb_days_from_civil(tm.year,
			    (unsigned)((tm.month - 1) / 3 * 3 + 1), 1) * 86400000;
		else if (U("month"))
			ms = mb_days_from_civil(tm.year, (unsigned)tm.month, 1) *
			    86400000;
		else if (U("week"))	/* Monday */
			ms = (days - ((days % 7 + 7 + 3) % 7)) * 86400000;
		else if (U("day"))
			ms = days * 86400000;
		else if (U("hour"))
			ms = floordiv(ms, 3600000) * 3600000;
		else if (U("minute"))
			ms = floordiv(ms, 60000) * 60000;
		else if (U("second"))
			ms = floordiv(ms, 1000) * 1000;
		else
			return rterr(out, "%s", "date_trunc(): bad unit");
#undef U
		if (ms < MB_TIME_MIN)	/* the week of 0000-01-01 */
			return rterr(out, "%s", "time out of range (years 0000 "
			    "to 9999): date_trunc() before 0000-01-01");
		setnull(out);
		out->t = MB_V_TIME;
		out->ms = ms;
		return 0;
	}
	case F_DAYS_BETWEEN:
		if ((rc = as_time(&v[0], &ms)) < 0)
			return time_err(e, &v[0], rc, out);
		if ((rc = as_time(&v[1], &ms2)) < 0)
			return time_err(e, &v[1], rc, out);
		setdec(out, floordiv(ms2, 86400000) - floordiv(ms, 86400000), 0);
		return 0;
	default:
		break;
	}
	/* one timestamp argument */
	if ((rc = as_time(&v[0], &ms)) < 0)
		return time_err(e, &v[0], rc, out);
	mb_time_split(ms, &tm);
	switch (n->fn) {
	case F_YEAR: setdec(out, tm.year, 0); break;
	case F_MONTH: setdec(out, tm.month, 0); break;
	case F_DAY: setdec(out, tm.day, 0); break;
	case F_DAYOFWEEK: setdec(out, tm.wday, 0); break;
	case F_HOUR: setdec(out, tm.hour, 0); break;
	case F_MINUTE: setdec(out, tm.min, 0); break;
	case F_WEEK:
		setdec(out, iso_week(floordiv(ms, 86400000), tm.year), 0);
		break;
	case F_DATE:
		mb_buf_reset(&e->tmp);
		mb_time_fmt_date(&e->tmp, ms);
		d = aralloc(e, e->tmp.len);
		memcpy(d, e->tmp.p, e->tmp.len);
		setstr(out, d, e->tmp.len);
		break;
	case F_TIMESTAMP:
		setnull(out);
		out->t = MB_V_TIME;
		out->ms = ms;
		break;
	default:
		return rterr(out, "%s", "internal: unknown function");
	}
	return 0;
}

/* The value of and, or or arithmetic node n, its left operand's value a
 * given. */
static inline __attribute__((always_inline)) int
binop(mb_expr *e, const node *n, const mb_val *a, const mb_rec *r, mb_val *out)
{
	mb_val b;
	int x, y, ra, rb;

	if (n->op != N_AND && n->op != N_OR) {
		if (eval(e, n->b, r, &b) < 0)
			return -1;
		return arith(e, n->op, a, &b, out);
	}
	x = logic(e, a, &ra);
	if (x < 0)
		return rterr(out, "%s", n->op == N_AND ?
		    "and of a value that is not a boolean" :
		    "or of a value that is not a boolean");
	/* short circuit: false and _, true or _ */
	if (x == 0 && ra == (n->op == N_OR)) {
		setbool(out, ra);
		return 0;
	}
	if (eval(e, n->b, r, &b) < 0)
		return -1;
	y = logic(e, &b, &rb);
	if (y < 0)
		return rterr(out, "%s", n->op == N_AND ?
		    "and of a value that is not a boolean" :
		    "or of a value that is not a boolean");
	if (y == 0 && rb == (n->op == N_OR))
		setbool(out, rb);
	else if (x > 0 || y > 0)
		setnull(out);
	else
		setbool(out, rb);
	return 0;
}

/* A left-deep chain ending at node k, from its first operation up: a sum
 * of 60,000 terms takes no more C stack than one of two. */
static int
chain(mb_expr *e, int k, const mb_rec *r, mb_val *out)
{
	mb_val acc;
	int j = k;

	while (e->n[j].lchain)
		j = e->n[j].a;
	if (eval(e, e->n[j].a, r, &acc) < 0)
		return -1;
	for (;;) {
		if (binop(e, &e->n[j], &acc, r, out) < 0)
			return -1;
		if (j == k)
			return 0;
		acc = *out;
		j = e->n[j].up;
	}
}

static int
eval(mb_expr *e, int k, const mb_rec *r, mb_val *out)
{
	node *n = &e->n[k];
	mb_val a, b;
	int x, ra, c, i;

	switch (n->op) {
	case N_LIT:
		*out = n->lit;
		return 0;
	case N_FIELD: {
		mb_span sp;
		int v;
		if (e->lookup != NULL &&
		    e->lookup(e->lookup_ctx, n->name, n->nlen, &sp)) {
			from_json(e, sp.p, sp.len, out);
			return 0;
		}
		if (r == NULL ||
		    (v = mb_rec_findh(r, n->name, n->nlen, &n->hint)) < 0) {
			setnull(out);
			return 0;
		}
		sp = mb_rec_raw(r, v);
		from_json(e, sp.p, sp.len, out);
		return 0;
	}
	case N_NEG:
		if (eval(e, n->a, r, &a) < 0)
			return -1;
		setdec(&b, 0, 0);
		return arith(e, N_SUB, &b, &a, out);
	case N_NOT:
		if (eval(e, n->a, r, &a) < 0)
			return -1;
		x = logic(e, &a, &ra);
		if (x < 0)
			return rterr(out, "%s", "not of a value that is not a "
			    "boolean");
		if (x > 0)
			setnull(out);
		else
			setbool(out, !ra);
		return 0;
	case N_AND:
	case N_OR:
		if (n->lchain)
			return chain(e, k, r, out);
		if (eval(e, n->a, r, &a) < 0)
			return -1;
		return binop(e, n, &a, r, out);
	case N_ADD:
	case N_SUB:
	case N_MUL:
	case N_DIV:
	case N_MOD:
		if (n->lchain)
			return chain(e, k, r, out);
		if (eval(e, n->a, r, &a) < 0 || eval(e, n->b, r, &b) < 0)
			return -1;
		return arith(e, n->op, &a, &b, out);
	case N_EQ:
	case N_NE:
	case N_LT:
	case N_LE:
	case N_GT:
	case N_GE:
		if (eval(e, n->a, r, &a) < 0 || eval(e, n->b, r, &b) < 0)
			return -1;
		if (a.t == MB_V_NULL || b.t == MB_V_NULL) {
			setnull(out);
			return 0;
		}
		if (!(a.t == MB_V_DEC && b.t == MB_V_DEC &&
		    dec_cmp_fast(&a.d, &b.d, &c) == 0) &&
		    mb_val_cmp(&a, &b, &c) < 0) {
			/* values that cannot be ordered are not equal */
			if (n->op == N_EQ || n->op == N_NE)
				setbool(out, n->op == N_NE);
			else
				setnull(out);
			return 0;
		}
		switch (n->op) {
		case N_EQ: setbool(out, c == 0); break;
		case N_NE: setbool(out, c != 0); break;
		case N_LT: setbool(out, c < 0); break;
		case N_LE: setbool(out, c <= 0); break;
		case N_GT: setbool(out, c > 0); break;
		default: setbool(out, c >= 0); break;
		}
		return 0;
	case N_IN:
	case N_NOTIN: {
		int sawnull = 0, found = 0;
		if (eval(e, n->a, r, &a) < 0)
			return -1;
		if (a.t == MB_V_NULL) {
			setnull(out);
			return 0;
		}
		for (i = 0; i < n->nargs && !found; i++) {
			if (eval(e, e->args[n->args + i], r, &b) < 0)
				return -1;
			if (b.t == MB_V_NULL)
				sawnull = 1;
			else if (equal(&a, &b))
				found = 1;
		}
		if (found)
			setbool(out, n->op == N_IN);
		else if (sawnull)
			setnull(out);
		else
			setbool(out, n->op == N_NOTIN);
		return 0;
	}
	case N_CALL:
		return call(e, n, r, out);
	}
	setnull(out);
	return 0;
}

int
mb_expr_eval(mb_expr *e, const mb_rec *r, mb_val *out)
{
	arreset(e);
	if (eval(e, e->root, r, out) < 0) {
		setnull(out);
		return -1;
	}
	return 0;
}

/* ---- pruning --------------------------------------------------------------- */

/* Does node k read a field that `known` does not know? */
static int
reads_unknown(const mb_expr *e, int k, mb_expr_known_fn known, void *ctx)
{
	const node *n = &e->n[k];
	int i;

	if (n->op == N_FIELD)
		return !known(ctx, n->name, n->nlen);
	if ((n->a >= 0 && reads_unknown(e, n->a, known, ctx)) ||
	    (n->b >= 0 && reads_unknown(e, n->b, known, ctx)))
		return 1;
	for (i = 0; i < n->nargs; i++)
		if (reads_unknown(e, e->args[n->args + i], known, ctx))
			return 1;
	return 0;
}

/*
 * Whether node k can be true (*t) and whether it can be false (*f) for
 * some values of the unknown fields: and, or and not are looked through
 * (with the null logic of eval), a node that reads no unknown field is
 * evaluated, anything else can be anything.
 */
static void
maybe(mb_expr *e, int k, const mb_rec *r, mb_expr_known_fn known, void *ctx,
    int *t, int *f)
{
	const node *n = &e->n[k];
	int ta, fa, tb, fb;
	mb_val v;

	switch (n->op) {
	case N_NOT:
		maybe(e, n->a, r, known, ctx, &ta, &fa);
		*t = fa;
		*f = ta;
		return;
	case N_AND:
	case N_OR:
		maybe(e, n->a, r, known, ctx, &ta, &fa);
		maybe(e, n->b, r, known, ctx, &tb, &fb);
		*t = n->op == N_AND ? ta && tb : ta || tb;
		*f = n->op == N_AND ? fa || fb : fa && fb;
		return;
	default:
		break;
	}
	if (reads_unknown(e, k, known, ctx) || eval(e, k, r, &v) < 0) {
		*t = *f = 1;	/* an error, too, is left to the records */
		return;
	}
	*t = v.t == MB_V_BOOL && v.b;
	*f = v.t == MB_V_BOOL && !v.b;
}

int
mb_expr_maybe(mb_expr *e, const mb_rec *r, mb_expr_known_fn known, void *ctx)
{
	int t, f;

	arreset(e);
	maybe(e, e->root, r, known, ctx, &t, &f);
	return t;
}
