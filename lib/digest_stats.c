/*
 * digest_stats.c: the median and the modified z-score of a series of
 * exact decimals, the robust outlier rule of the digest (Iglewicz and
 * Hoaglin: |0.6745 (x - median) / MAD| > 3.5).
 */
#include <math.h>
#include <stdlib.h>

#include "digest.h"

static int
cmpdec(const void *a, const void *b)
{
	const mb_dec *x = a, *y = b;

	if (x->scale == y->scale)	/* the common case: one column's scale */
		return x->v < y->v ? -1 : x->v > y->v;
	return mb_dec_cmp(*x, *y);
}

/* Drops trailing zero digits below `keep` decimals: 12.50 at keep 1 is 12.5. */
static mb_dec
trim(mb_dec d, int keep)
{
	while (d.scale > keep && d.v % 10 == 0) {
		d.v /= 10;
		d.scale--;
	}
	return d;
}

mb_dec
mb_median(mb_dec *v, size_t n)
{
	mb_dec s, m = { 0, 0 };

	if (n == 0)
		return m;
	qsort(v, n, sizeof(*v), cmpdec);
	if (n % 2)
		return v[n / 2];
	if (mb_dec_add(v[n / 2 - 1], v[n / 2], &s) == -1)
		return v[n / 2];
	if (mb_dec_div(s, (mb_dec){ 2, 0 }, s.scale + 1, &m) == -1)
		return v[n / 2];
	return trim(m, s.scale);
}

int
mb_robust_z(const mb_dec *x, size_t n, double *z, mb_dec *med)
{
	mb_dec *tmp = mb_xmalloc((n ? n : 1) * sizeof(*tmp)), mad;
	double m, scale, sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		tmp[i] = x[i];
	*med = mb_median(tmp, n);
	for (i = 0; i < n; i++) {
		if (mb_dec_sub(x[i], *med, &tmp[i]) == -1) {
			free(tmp);
			return -1;
		}
		if (tmp[i].v < 0)
			tmp[i].v = -tmp[i].v;
		sum += mb_dec_to_double(tmp[i]);
	}
	mad = mb_median(tmp, n);
	free(tmp);
	m = mb_dec_to_double(*med);
	if (mad.v != 0)
		scale = mb_dec_to_double(mad) / 0.6745;
	else if (sum > 0)
		scale = 1.253314 * sum / (double)n;
	else
		return -1;
	for (i = 0; i < n; i++)
		z[i] = (mb_dec_to_double(x[i]) - m) / scale;
	return 0;
}
