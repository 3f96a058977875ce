/*
 * dec.c: exact decimals as a 128-bit mantissa and a scale.  Money is added
 * and compared without binary rounding; a result that would not fit is an
 * error, never a silent loss.
 */
#include <string.h>

#include "mb.h"

#define MAXSCALE 30
/* Stay well inside 2^127 so products of the largest sums still check. */
static const __int128 LIMIT = (__int128)1000000000000000000LL * 1000000000000000000LL * 100;

static __int128
p10(int k)
{
	__int128 v = 1;

	while (k-- > 0)
		v *= 10;
	return v;
}

int
mb_dec_parse64(const char *p, size_t n, int64_t *m, int *scale)
{
	size_t i = n > 0 && p[0] == '-';
	uint64_t u = 0;
	int dig = 0, sc = 0;

	for (; i < n && (unsigned)(p[i] - '0') < 10; i++, dig++)
		u = u * 10 + (uint64_t)(p[i] - '0');
	if (i < n && p[i] == '.')
		for (i++; i < n && (unsigned)(p[i] - '0') < 10; i++, sc++)
			u = u * 10 + (uint64_t)(p[i] - '0');
	dig += sc;
	if (i != n || dig == 0 || dig > 18)
		return -1;
	*m = p[0] == '-' ? -(int64_t)u : (int64_t)u;
	*scale = sc;
	return 0;
}

int
mb_dec_parse(const char *p, size_t n, mb_dec *out)
{
	int64_t m;
	__int128 v = 0;
	size_t i = 0;
	int neg = 0, scale = 0, frac = 0, exp = 0, eneg = 0, digits = 0;

	if (mb_dec_parse64(p, n, &m, &out->scale) == 0) {
		out->v = m;	/* the common case: 18 digits or fewer */
		return 0;
	}
	if (i < n && (p[i] == '-' || p[i] == '+'))
		neg = p[i++] == '-';
	for (; i < n; i++) {
		if (p[i] == '.' && !frac) {
			frac = 1;
			continue;
		}
		if (p[i] < '0' || p[i] > '9')
			break;
		if (v > LIMIT / 10)
			return mb_seterr("number too large for an exact decimal");
		v = v * 10 + (p[i] - '0');
		digits++;
		if (frac)
			scale++;
	}
	if (digits == 0)
		return mb_seterr("not a number");
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		i++;
		if (i < n && (p[i] == '-' || p[i] == '+'))
			eneg = p[i++] == '-';
		if (i >= n)
			return mb_seterr("not a number");
		for (; i < n && p[i] >= '0' && p[i] <= '9'; i++)
			if ((exp = exp * 10 + (p[i] - '0')) > 60)
				return mb_seterr("exponent out of range");
		scale += eneg ? exp : -exp;
	}
	if (i != n)
		return mb_seterr("not a number");
	while (scale < 0) {
		if (v > LIMIT / 10)
			return mb_seterr("number too large for an exact decimal");
		v *= 10;
		scale++;
	}
	while (scale > MAXSCALE) {
		if (v % 10 != 0)
			return mb_seterr("more than %d decimal places", MAXSCALE);
		v /= 10;
		scale--;
	}
	out->v = neg ? -v : v;
	out->scale = scale;
	return 0;
}

/* Brings a and b to the same scale. */
static int
align(mb_dec *a, mb_dec *b)
{
	while (a->scale < b->scale) {
		if (a->v > LIMIT / 10 || a->v < -LIMIT / 10)
			return mb_seterr("decimal overflow");
		a->v *= 10;
		a->scale++;
	}
	while (b->scale < a->scale) {
		if (b->v > LIMIT / 10 || b->v < -LIMIT / 10)
			return mb_seterr("decimal overflow");
		b->v *= 10;
		b->scale++;
	}
	return 0;
}

int
mb_dec_add(mb_dec a, mb_dec b, mb_dec *out)
{
	if (align(&a, &b) < 0)
		return -1;
	out->v = a.v + b.v;
	out->scale = a.scale;
	if (out->v > LIMIT || out->v < -LIMIT)
		return mb_seterr("decimal overflow");
	return 0;
}

int
mb_dec_sub(mb_dec a, mb_dec b, mb_dec *out)
{
	b.v = -b.v;
	return mb_dec_add(a, b, out);
}

int
mb_dec_mul(mb_dec a, mb_dec b, mb_dec *out)
{
	int scale = a.scale + b.scale;

	if (__builtin_mul_overflow(a.v, b.v, &out->v) || out->v > LIMIT ||
	    out->v < -LIMIT)
		return mb_seterr("decimal overflow");
	while (scale > MAXSCALE) {
		*out = mb_dec_round((mb_dec){ out->v, scale }, scale - 1);
		scale--;
	}
	out->scale = scale;
	return 0;
}

int
mb_dec_div(mb_dec a, mb_dec b, int scale, mb_dec *out)
{
	__int128 num, q, r;
	int shift, neg;

	if (b.v == 0)
		return mb_seterr("division by zero");
	if (scale > MAXSCALE)
		scale = MAXSCALE;
	/* a/b at `scale` = a.v * 10^(scale + b.scale - a.scale) / b.v */
	shift = scale + b.scale - a.scale;
	num = a.v;
	neg = (a.v < 0) != (b.v < 0);
	if (num < 0)
		num = -num;
	if (b.v < 0)
		b.v = -b.v;
	while (shift > 0) {
		if (num > LIMIT / 10)
			return mb_seterr("decimal overflow");
		num *= 10;
		shift--;
	}
	/* Fewer digits wanted than a has: scale the divisor up instead of
	 * cutting a's digits, so the rounding sees all of them. */
	while (shift < 0) {
		if (b.v > LIMIT / 10)
			return mb_seterr("decimal overflow");
		b.v *= 10;
		shift++;
	}
	q = num / b.v;
	r = num % b.v;
	if (r * 2 >= b.v)
		q++;
	out->v = neg ? -q : q;
	out->scale = scale;
	return 0;
}

int
mb_dec_cmp(mb_dec a, mb_dec b)
{
	if (align(&a, &b) < 0) {
		/* One is far larger than the other: compare by sign and size. */
		double x = mb_dec_to_double(a), y = mb_dec_to_double(b);

		return x < y ? -1 : x > y;
	}
	return a.v < b.v ? -1 : a.v > b.v;
}

mb_dec
mb_dec_round(mb_dec a, int scale)
{
	__int128 d, q, r;

	if (scale < 0)
		scale = 0;
	if (a.scale <= scale)
		return a;
	d = p10(a.scale - scale);
	q = a.v / d;
	r = a.v % d;
	if (r < 0)
		r = -r;
	if (r * 2 >= d)
		q += a.v < 0 ? -1 : 1;
	return (mb_dec){ q, scale };
}

double
mb_dec_to_double(mb_dec a)
{
	return (double)a.v / (double)p10(a.scale);
}

void
mb_buf_dec(mb_buf *b, mb_dec a)
{
	char tmp[64], *e = tmp + sizeof(tmp), *s = e;
	unsigned __int128 v = a.v < 0 ? (unsigned __int128)0 - (unsigned __int128)a.v
	    : (unsigned __int128)a.v;
	uint64_t v64;
	int k = 0;

	/* 128-bit division per digit only for the digits above 2^64. */
	while (v > UINT64_MAX) {
		if (k == a.scale && k > 0)
			*--s = '.';
		*--s = (char)('0' + (int)(v % 10));
		v /= 10;
		k++;
	}
	v64 = (uint64_t)v;
	do {
		if (k == a.scale && k > 0)
			*--s = '.';
		*--s = (char)('0' + (int)(v64 % 10));
		v64 /= 10;
		k++;
	} while (v64 || k <= a.scale);
	if (a.v < 0)
		*--s = '-';
	mb_buf_add(b, s, (size_t)(e - s));
}
