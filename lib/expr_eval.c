/*
 * expr_eval.c: evaluation of a parsed expression (expr_int.h) over a
 * record: fields, arithmetic on exact decimals, comparisons, and, or, not,
 * in, and the built-in functions (mb-expr(7)).  Also the pruning of
 * mb_expr_maybe(), which evaluates what it can with some fields unknown.
 * Everything is here so that eval() and call() stay one unit for the
 * compiler: call() is inlined into eval(), the hot path of every tool
 * that evaluates expressions.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "expr_int.h"

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
		if ((rc = expr_as_time(&v[1], &ms)) < 0)
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
		if ((rc = expr_as_time(&v[0], &ms)) < 0)
			return time_err(e, &v[0], rc, out);
		if ((rc = expr_as_time(&v[1], &ms2)) < 0)
			return time_err(e, &v[1], rc, out);
		setdec(out, floordiv(ms2, 86400000) - floordiv(ms, 86400000), 0);
		return 0;
	default:
		break;
	}
	/* one timestamp argument */
	if ((rc = expr_as_time(&v[0], &ms)) < 0)
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
