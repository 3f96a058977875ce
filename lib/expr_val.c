/*
 * expr_val.c: the values of the expression language (mb_val): read from
 * JSON text or a number's text, compared, written back as JSON.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "expr_int.h"

#define DEC_MAXDIG 36

/*
 * Reads a number written as text: an optional sign, digits, an optional
 * fraction and exponent; leading zeros and surrounding blanks are allowed
 * (the text may come from a string or a path).  An exact decimal when it
 * fits, else a double; 0, or -1 when the text is not a number.
 */
int
expr_num_parse(const char *p, size_t n, mb_val *v)
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
		if (expr_num_parse(p, n, v) < 0)
			setnull(v);
	}
}

/* 0 and the time of v; -1 when v is not a time, -2 when it is one
 * outside the years 0000 to 9999 (MB_TIME_MIN..MB_TIME_MAX), which no
 * time function takes or gives. */
int
expr_as_time(const mb_val *v, int64_t *ms)
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
		if (expr_as_time(a, &ta) < 0 || expr_as_time(b, &tb) < 0)
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

