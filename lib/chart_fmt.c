/* chart_fmt.c: the text of charts: escaping, text widths, numbers in
 * short and full form, axis ticks for numbers and times, and label
 * spreading.  See chart.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"

static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

void
chart_esc(mb_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n;
	size_t k;

	while (p < e) {
		switch (*p) {
		case '&': mb_buf_adds(b, "&amp;"); p++; continue;
		case '<': mb_buf_adds(b, "&lt;"); p++; continue;
		case '>': mb_buf_adds(b, "&gt;"); p++; continue;
		case '"': mb_buf_adds(b, "&quot;"); p++; continue;
		case '\'': mb_buf_adds(b, "&#39;"); p++; continue;
		case '\t': case '\n': case '\r': mb_buf_addc(b, ' '); p++; continue;
		}
		if (*p < 0x20 || *p == 0x7f) {
			mb_buf_adds(b, "\xef\xbf\xbd");
			p++;
		} else if (*p < 0x80) {
			mb_buf_addc(b, (char)*p++);
		} else if ((k = mb_utf8_seq(p, (size_t)(e - p))) == 0 ||
		    (p[0] == 0xc2 && p[1] < 0xa0)) {
			/* invalid, or a C1 control */
			mb_buf_adds(b, "\xef\xbf\xbd");
			p += k ? k : 1;
		} else {
			mb_buf_add(b, p, k);
			p += k;
		}
	}
}

void
chart_escs(mb_buf *b, const char *s)
{
	chart_esc(b, s, strlen(s));
}

/* Advance widths of ASCII 32..126 in thousandths of an em (Helvetica's
 * metrics, which system sans-serif fonts are close to). */
static const short asciiw[95] = {
	278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333,
	278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278,
	584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278,
	500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944,
	667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556,
	278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500,
	278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584
};

/* Width of one character in thousandths of an em; *k gets its bytes. */
static int
charw(const unsigned char *p, size_t n, size_t *k)
{
	uint32_t c;

	if (*p < 0x80) {
		*k = 1;
		return *p >= 32 && *p < 127 ? asciiw[*p - 32] : 600;
	}
	if ((*k = mb_utf8_seq(p, n)) == 0) {
		*k = 1;
		return 1000;	/* shown as U+FFFD */
	}
	if (*k == 2)
		return 600;
	c = *k == 3 ? (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 |
	    (p[2] & 0x3f) : (uint32_t)(p[0] & 0x07) << 18 |
	    (uint32_t)(p[1] & 0x3f) << 12 | (uint32_t)(p[2] & 0x3f) << 6 |
	    (p[3] & 0x3f);
	if (c == 0x2026)
		return 1000;
	if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) ||
	    (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
	    (c >= 0xff00 && c <= 0xff60) || c >= 0x1f300)
		return 1000;
	return 600;
}

/* The estimate is made a little wide: Linux sans-serif fonts (DejaVu
 * Sans) run wider than Helvetica, and a label that is cut a little early
 * is better than one that overlaps. */
#define WIDE 1.1

double
chart_text_width(const char *s, size_t n, double px)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n;
	size_t k;
	long w = 0;

	while (p < e) {
		w += charw(p, (size_t)(e - p), &k);
		p += k;
	}
	return (double)w * px * WIDE / 1000.0;
}

size_t
chart_text_fit(const char *s, size_t n, double px, double width)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n;
	double unit = px * WIDE / 1000.0, room;
	size_t k, fit = 0;
	long w = 0;

	if (chart_text_width(s, n, px) <= width)
		return n;
	room = width / unit - 1000;	/* the "…" */
	while (p < e) {
		w += charw(p, (size_t)(e - p), &k);
		if ((double)w > room)
			break;
		p += k;
		fit = (size_t)(p - (const unsigned char *)s);
	}
	/* no space before the ellipsis */
	while (fit > 0 && s[fit - 1] == ' ')
		fit--;
	return fit;
}

void
chart_esc_fit(mb_buf *b, const char *s, size_t n, double px, double width)
{
	size_t k = chart_text_fit(s, n, px, width);

	chart_esc(b, s, k);
	if (k < n)
		mb_buf_adds(b, "\xe2\x80\xa6");
}

/* Appends a formatted number (digits, '.', '-') with thousands
 * separators in its integer part. */
static void
add_grouped(mb_buf *b, const char *p, size_t n)
{
	size_t i = 0, int_end, d;

	if (i < n && (p[i] == '-' || p[i] == '+'))
		mb_buf_addc(b, p[i++]);
	for (int_end = i; int_end < n && p[int_end] >= '0' && p[int_end] <= '9';
	    int_end++)
		;
	for (d = i; d < int_end; d++) {
		mb_buf_addc(b, p[d]);
		if (d + 1 < int_end && (int_end - d - 1) % 3 == 0)
			mb_buf_addc(b, ',');
	}
	mb_buf_add(b, p + int_end, n - int_end);
}

/* Drops trailing zeros after a decimal point, and the point. */
static size_t
trim0(const char *p, size_t n)
{
	if (memchr(p, '.', n) == NULL)
		return n;
	while (n > 0 && p[n - 1] == '0')
		n--;
	if (n > 0 && p[n - 1] == '.')
		n--;
	return n;
}

static int
special(mb_buf *b, double v)
{
	if (isnan(v))
		mb_buf_adds(b, "\xe2\x80\x93");	/* – */
	else if (isinf(v))
		mb_buf_adds(b, v < 0 ? "-\xe2\x88\x9e" : "\xe2\x88\x9e");
	else
		return 0;
	return 1;
}

void
chart_num_short(mb_buf *b, double v, enum chart_unit u)
{
	static const char *const suf[] = { "", "K", "M", "B", "T" };
	char t[64];
	double a, s = v;
	int k = 0, d, n;

	if (special(b, v))
		return;
	if (u == CHART_PCT) {
		a = fabs(v);
		n = snprintf(t, sizeof(t), "%.*f", a >= 99.95 ? 0 : 1, v);
		mb_buf_add(b, t, trim0(t, (size_t)n));
		mb_buf_addc(b, '%');
		return;
	}
	while (k < 4 && fabs(s) >= 999.5) {
		s /= 1000;
		k++;
	}
	a = fabs(s);
	if (k > 0)
		d = a < 9.995 ? 2 : a < 99.95 ? 1 : 0;
	else if (u == CHART_COUNT)
		d = 0;
	else if (a >= 99.95)
		d = 0;
	else if (a >= 9.995)
		d = 1;
	else if (a >= 0.995 || a == 0)
		d = 2;
	else
		d = 2 - (int)floor(log10(a));	/* 3 significant digits */
	if (d > 9)
		d = 9;
	n = snprintf(t, sizeof(t), "%.*f", d, s);
	if (strcmp(t, "-0") == 0)
		n = snprintf(t, sizeof(t), "0");
	mb_buf_add(b, t, trim0(t, (size_t)n));
	mb_buf_adds(b, suf[k]);
}

void
chart_num_full(mb_buf *b, double v, enum chart_unit u)
{
	char t[400];
	double a;
	int n, d;

	if (special(b, v))
		return;
	a = fabs(v);
	switch (u) {
	case CHART_MONEY:
		n = snprintf(t, sizeof(t), "%.2f", v);
		break;
	case CHART_COUNT:
		n = snprintf(t, sizeof(t), "%.0f", v);
		break;
	case CHART_PCT:
		n = snprintf(t, sizeof(t), "%.2f", v);
		add_grouped(b, t, (size_t)n);
		mb_buf_addc(b, '%');
		return;
	default:
		if (a >= 1e15 || (a > 0 && a < 1e-4)) {
			mb_buf_printf(b, "%.6g", v);
			return;
		}
		d = a < 1 ? 6 : 5 - (int)floor(log10(a));
		if (d < 0)
			d = 0;
		n = snprintf(t, sizeof(t), "%.*f", d, v);
		n = (int)trim0(t, (size_t)n);
		break;
	}
	if (n > 0 && (size_t)n < sizeof(t))
		add_grouped(b, t, (size_t)n);
}

void
chart_num_text(mb_buf *b, const char *p, size_t n)
{
	if (memchr(p, 'e', n) != NULL || memchr(p, 'E', n) != NULL)
		mb_buf_add(b, p, n);
	else
		add_grouped(b, p, n);
}

/* The nice step at or above raw: 1, 2 or 5 times a power of ten. */
static double
nice_step(double raw)
{
	double mag = pow(10, floor(log10(raw))), f = raw / mag;

	if (f <= 1 + 1e-9)
		return mag;
	if (f <= 2 + 1e-9)
		return 2 * mag;
	if (f <= 5 + 1e-9)
		return 5 * mag;
	return 10 * mag;
}

int
chart_ticks(double lo, double hi, int maxn, double *t0, double *step)
{
	double s, a, z;
	int n;

	if (maxn < 2)
		maxn = 2;
	if (!isfinite(lo) || !isfinite(hi)) {
		lo = 0;
		hi = 1;
	}
	if (hi < lo) {
		s = lo;
		lo = hi;
		hi = s;
	}
	if (hi == lo) {
		a = fabs(lo) > 0 ? fabs(lo) / 2 : 1;
		lo -= a;
		hi += a;
		if (lo < 0 && lo + a >= 0)
			lo = 0;	/* a single positive value: from 0 */
	}
	s = nice_step((hi - lo) / (maxn - 1));
	for (;;) {
		z = floor(lo / s + 1e-9) * s;
		n = (int)llround(ceil(hi / s - 1e-9) - floor(lo / s + 1e-9)) + 1;
		if (n <= maxn || n < 3)
			break;
		s = nice_step(s * 1.01);
	}
	*t0 = z;
	*step = s;
	return n;
}

void
chart_num_tick(mb_buf *b, double v, double step, enum chart_unit u)
{
	static const char *const suf[] = { "", "K", "M", "B", "T" };
	double a, div = 1;
	char t[64];
	int k = 0, d, n;

	if (fabs(v) < step * 1e-6)
		v = 0;
	a = fabs(v);
	if (u != CHART_PCT)
		while (k < 4 && a >= div * 1000) {
			div *= 1000;
			k++;
		}
	d = (int)ceil(-log10(step / div) - 1e-9);
	if (d < 0)
		d = 0;
	if (d > 9)
		d = 9;
	n = snprintf(t, sizeof(t), "%.*f", d, v / div);
	mb_buf_add(b, t, trim0(t, (size_t)n));
	mb_buf_adds(b, u == CHART_PCT ? "%" : suf[k]);
}

/* ---- times ------------------------------------------------------------- */

#define DAY_MS 86400000LL

static int64_t
floordiv(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static int64_t
month_ms(int64_t mi)	/* months since year 0 -> ms of its first day */
{
	int64_t y = floordiv(mi, 12);

	return mb_days_from_civil(y, (unsigned)(mi - y * 12 + 1), 1) * DAY_MS;
}

static const struct tstep {
	int unit, mult;
	int64_t approx;
} tsteps[] = {
	{ CHART_T_MIN, 1, 60000LL }, { CHART_T_MIN, 5, 300000LL },
	{ CHART_T_MIN, 15, 900000LL }, { CHART_T_MIN, 30, 1800000LL },
	{ CHART_T_HOUR, 1, 3600000LL }, { CHART_T_HOUR, 3, 10800000LL },
	{ CHART_T_HOUR, 6, 21600000LL }, { CHART_T_HOUR, 12, 43200000LL },
	{ CHART_T_DAY, 1, DAY_MS }, { CHART_T_DAY, 2, 2 * DAY_MS },
	{ CHART_T_WEEK, 1, 7 * DAY_MS }, { CHART_T_WEEK, 2, 14 * DAY_MS },
	{ CHART_T_MONTH, 1, 30 * DAY_MS }, { CHART_T_QUARTER, 1, 91 * DAY_MS },
	{ CHART_T_QUARTER, 2, 182 * DAY_MS }, { CHART_T_YEAR, 1, 365 * DAY_MS },
	{ CHART_T_YEAR, 2, 730 * DAY_MS }, { CHART_T_YEAR, 5, 1826 * DAY_MS },
	{ CHART_T_YEAR, 10, 3652 * DAY_MS }, { CHART_T_YEAR, 25, 9131 * DAY_MS },
	{ CHART_T_YEAR, 50, 18262 * DAY_MS }, { CHART_T_YEAR, 100, 36525 * DAY_MS },
	{ CHART_T_YEAR, 1000, 365250 * DAY_MS }
};

/* The first tick at or after lo for a step, and the step to the next. */
static int64_t
tick_next(int64_t t, const struct tstep *st, int first)
{
	mb_tm tm;
	int64_t q, mi, d;

	switch (st->unit) {
	case CHART_T_MIN:
	case CHART_T_HOUR:
	case CHART_T_DAY:
		q = st->approx;
		return first ? floordiv(t + q - 1, q) * q : t + q;
	case CHART_T_WEEK:	/* Mondays; day 0 was a Thursday */
		if (!first)
			return t + st->approx;
		d = floordiv(t + DAY_MS - 1, DAY_MS);
		while (((d + 3) % 7 + 7) % 7 != 0)
			d++;
		return d * DAY_MS;
	default:
		mb_time_split(t, &tm);
		mi = (int64_t)tm.year * 12 + tm.month - 1;
		q = st->unit == CHART_T_MONTH ? st->mult :
		    st->unit == CHART_T_QUARTER ? 3 * st->mult : 12 * st->mult;
		if (!first)
			return month_ms(mi + q);
		if (month_ms(mi) < t)
			mi++;
		mi = floordiv(mi + q - 1, q) * q;
		return month_ms(mi);
	}
}

int
chart_time_ticks(int64_t lo, int64_t hi, int maxn, int64_t *ticks, int cap,
    int *unit)
{
	size_t i, ns = sizeof(tsteps) / sizeof(tsteps[0]);
	int64_t t;
	int n;

	if (maxn < 1)
		maxn = 1;
	if (hi < lo) {
		t = lo;
		lo = hi;
		hi = t;
	}
	if (cap < 1)
		return 0;
	if (hi == lo) {
		double x = (double)lo;

		ticks[0] = lo;
		*unit = chart_time_grain(&x, 1);
		return 1;
	}
	for (i = 0; i < ns; i++) {
		if ((hi - lo) / tsteps[i].approx + 1 > maxn)
			continue;
		n = 0;
		for (t = tick_next(lo, &tsteps[i], 1); t <= hi;
		    t = tick_next(t, &tsteps[i], 0)) {
			if (n < cap)
				ticks[n] = t;
			n++;
		}
		if (n > maxn)
			continue;
		/* half years are labelled by their month */
		*unit = tsteps[i].unit == CHART_T_QUARTER && tsteps[i].mult == 2 ?
		    CHART_T_MONTH : tsteps[i].unit;
		if (n == 0) {	/* no boundary of the unit in the range */
			ticks[0] = lo;
			return 1;
		}
		return n < cap ? n : cap;
	}
	ticks[0] = lo;
	*unit = CHART_T_YEAR;
	return 1;
}

void
chart_time_label(mb_buf *b, int64_t ms, int unit, int full)
{
	mb_tm tm;

	mb_time_split(ms, &tm);
	switch (unit) {
	case CHART_T_MIN:
	case CHART_T_HOUR:
		if (full)
			mb_buf_printf(b, "%s %d ", mon[tm.month - 1], tm.day);
		mb_buf_printf(b, "%02d:%02d", tm.hour, tm.min);
		break;
	case CHART_T_DAY:
	case CHART_T_WEEK:
		mb_buf_printf(b, "%s %d", mon[tm.month - 1], tm.day);
		if (full)
			mb_buf_printf(b, " %d", tm.year);
		break;
	case CHART_T_MONTH:
		mb_buf_adds(b, mon[tm.month - 1]);
		if (full)
			mb_buf_printf(b, " %d", tm.year);
		break;
	case CHART_T_QUARTER:
		mb_buf_printf(b, "Q%d", (tm.month - 1) / 3 + 1);
		if (full)
			mb_buf_printf(b, " %d", tm.year);
		break;
	default:
		mb_buf_printf(b, "%d", tm.year);
	}
}

int
chart_time_grain(const double *x, size_t n)
{
	double d = -1, g;
	size_t i;
	mb_tm tm;

	for (i = 1; i < n; i++) {
		g = x[i] - x[i - 1];
		if (g > 0 && (d < 0 || g < d))
			d = g;
	}
	if (d < 0) {		/* one point, or all at one time */
		if (n == 0)
			return CHART_T_DAY;
		mb_time_split((int64_t)x[0], &tm);
		if (tm.hour || tm.min || tm.sec || tm.ms)
			return CHART_T_MIN;
		return tm.day == 1 ? CHART_T_MONTH : CHART_T_DAY;
	}
	if (d >= 360.0 * DAY_MS)
		return CHART_T_YEAR;
	if (d >= 85.0 * DAY_MS)
		return CHART_T_QUARTER;
	if (d >= 28.0 * DAY_MS)
		return CHART_T_MONTH;
	if (d >= 7.0 * DAY_MS)
		return CHART_T_WEEK;
	if (d >= 1.0 * DAY_MS)
		return CHART_T_DAY;
	return d >= 3600000.0 ? CHART_T_HOUR : CHART_T_MIN;
}

void
chart_time_point(mb_buf *b, int64_t ms, int grain)
{
	mb_tm tm;

	mb_time_split(ms, &tm);
	switch (grain) {
	case CHART_T_YEAR:
		mb_buf_printf(b, "%d", tm.year);
		break;
	case CHART_T_QUARTER:
		mb_buf_printf(b, "Q%d %d", (tm.month - 1) / 3 + 1, tm.year);
		break;
	case CHART_T_MONTH:
		mb_buf_printf(b, "%s %d", mon[tm.month - 1], tm.year);
		break;
	case CHART_T_WEEK:
	case CHART_T_DAY:
		mb_time_fmt_date(b, ms);
		break;
	default:
		mb_time_fmt_date(b, ms);
		mb_buf_printf(b, " %02d:%02d", tm.hour, tm.min);
	}
}

/* ---- layout ------------------------------------------------------------ */

static const double *cmp_base;

static int
cmp_pos(const void *a, const void *b)
{
	double x = cmp_base[*(const int *)a], y = cmp_base[*(const int *)b];

	if (x != y)
		return x < y ? -1 : 1;
	return *(const int *)a - *(const int *)b;
}

int
chart_spread(double *pos, int n, double gap, double lo, double hi)
{
	int *ix, i, rc = 0;
	double *p;

	if (n <= 0)
		return 0;
	ix = mb_xmalloc((size_t)n * sizeof(*ix));
	p = mb_xmalloc((size_t)n * sizeof(*p));
	for (i = 0; i < n; i++)
		ix[i] = i;
	cmp_base = pos;
	qsort(ix, (size_t)n, sizeof(*ix), cmp_pos);
	for (i = 0; i < n; i++)
		p[i] = pos[ix[i]];
	if (p[0] < lo)
		p[0] = lo;
	for (i = 1; i < n; i++)
		if (p[i] < p[i - 1] + gap)
			p[i] = p[i - 1] + gap;
	if (p[n - 1] > hi) {
		p[n - 1] = hi;
		for (i = n - 2; i >= 0; i--)
			if (p[i] > p[i + 1] - gap)
				p[i] = p[i + 1] - gap;
	}
	if (p[0] < lo - 1e-9) {
		rc = -1;
		for (i = 0; i < n; i++)
			p[i] = lo + i * (n > 1 ? (hi - lo) / (n - 1) : 0);
	}
	for (i = 0; i < n; i++)
		pos[ix[i]] = p[i];
	free(ix);
	free(p);
	return rc;
}
