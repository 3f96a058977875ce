/* dash_tty.c: the dashboard as text for a terminal: KPIs, sparklines and
 * bars drawn with Unicode block characters, fitted to the terminal's
 * width.  Colour (ANSI) only when asked; every string from the data has
 * its control characters replaced, so a product name cannot move the
 * cursor or change the terminal.  See dash.h. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dash.h"

#define BARS_TOP 15
#define TOP_ROWS 10
#define TABLE_ROWS 10

typedef struct tty {
	mb_buf *b;
	int w;			/* columns */
	int color;
} tty;

static void
sgr(tty *t, const char *code)
{
	if (t->color)
		mb_buf_printf(t->b, "\033[%sm", code);
}

/* Columns a character takes: 2 for East Asian wide ones, 1 else; *k
 * gets its bytes (1 for a byte that is not UTF-8). */
static int
cols_of(const unsigned char *p, size_t n, size_t *k)
{
	uint32_t c;

	if ((*k = *p < 0x80 ? 1 : mb_utf8_seq(p, n)) == 0) {
		*k = 1;
		return 1;
	}
	if (*k < 3)
		return 1;
	c = *k == 3 ? (uint32_t)(p[0] & 0x0f) << 12 |
	    (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f) :
	    (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 |
	    (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
	if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) ||
	    (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
	    (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) ||
	    (c >= 0x1f300 && c <= 0x1faff) || (c >= 0x20000 && c <= 0x3fffd))
		return 2;
	return 1;
}

static int
width_of(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n;
	size_t k;
	int w = 0;

	while (p < e) {
		w += cols_of(p, (size_t)(e - p), &k);
		p += k;
	}
	return w;
}

/* Appends s in at most w columns ("…" when cut), control characters and
 * bad bytes as U+FFFD, padded with spaces to w when pad is 1 (left
 * aligned) or -1 (right aligned); returns the columns written. */
static int
put(tty *t, const char *s, size_t n, int w, int pad)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n;
	int used = 0, cw, full = width_of(s, n), room = full > w ? w - 1 : w;
	size_t k;

	if (pad < 0 && full < w)
		for (; used < w - full; used++)
			mb_buf_addc(t->b, ' ');
	while (p < e) {
		cw = cols_of(p, (size_t)(e - p), &k);
		if (used + cw > room + (pad < 0 && full < w ? w - full : 0))
			break;
		if (*p < 0x20 || *p == 0x7f || (k == 1 && *p >= 0x80) ||
		    (p[0] == 0xc2 && k == 2 && p[1] < 0xa0))
			mb_buf_adds(t->b, "\xef\xbf\xbd");
		else
			mb_buf_add(t->b, p, k);
		used += cw;
		p += k;
	}
	if (full > w) {
		mb_buf_adds(t->b, "\xe2\x80\xa6");
		used++;
	}
	if (pad > 0)
		for (; used < w; used++)
			mb_buf_addc(t->b, ' ');
	return used;
}

static void
puts_(tty *t, const char *s)
{
	put(t, s, strlen(s), t->w, 0);
}

static void
heading(tty *t, const char *title, const char *sub)
{
	mb_buf_addc(t->b, '\n');
	sgr(t, "1");
	put(t, title, strlen(title), t->w, 0);
	sgr(t, "0");
	if (sub != NULL && *sub != '\0' &&
	    width_of(title, strlen(title)) + 2 < t->w) {
		mb_buf_adds(t->b, "  ");
		sgr(t, "2");
		put(t, sub, strlen(sub), t->w - width_of(title, strlen(title)) -
		    2, 0);
		sgr(t, "0");
	}
	mb_buf_addc(t->b, '\n');
}

static void note(tty *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
note(tty *t, const char *fmt, ...)
{
	mb_buf m = {0};
	va_list ap;

	mb_buf_grow(&m, 512);
	va_start(ap, fmt);
	m.len = (size_t)vsnprintf(m.p, m.cap, fmt, ap);
	va_end(ap);
	if (m.len >= m.cap)
		m.len = m.cap - 1;
	sgr(t, "33");
	mb_buf_adds(t->b, "  ! ");
	put(t, m.p, m.len, t->w - 4, 0);
	sgr(t, "0");
	mb_buf_addc(t->b, '\n');
	mb_buf_free(&m);
}

static void
notes(tty *t, const dash_table *d, int measure)
{
	size_t n;

	if (d->error != NULL)
		note(t, "could not read %s: %s", d->src, d->error);
	if (d->bad_lines > 0)
		note(t, "%llu line%s of %s not JSON, left out",
		    (unsigned long long)d->bad_lines, d->bad_lines > 1 ? "s" : "",
		    d->src);
	if (measure >= 0 && (n = dash_col_bad(d, measure)) > 0)
		note(t, "%zu value%s of %s not a finite number, left out", n,
		    n > 1 ? "s" : "", d->cols[measure].name);
}

/* A sparkline of n values in at most w columns (values averaged per
 * column when there are more). */
static void
spark(tty *t, const double *y, size_t n, int w)
{
	static const char *const lv[] = { "\xe2\x96\x81", "\xe2\x96\x82",
		"\xe2\x96\x83", "\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86",
		"\xe2\x96\x87", "\xe2\x96\x88" };
	double lo = INFINITY, hi = -INFINITY, *v;
	size_t i, k, m = n < (size_t)w ? n : (size_t)w, a, z, c;

	if (m == 0)
		return;
	v = mb_xmalloc(m * sizeof(*v));
	for (k = 0; k < m; k++) {
		a = k * n / m;
		z = (k + 1) * n / m;
		for (i = a, c = 0, v[k] = 0; i < z; i++)
			if (!isnan(y[i])) {
				v[k] += y[i];
				c++;
			}
		v[k] = c ? v[k] / c : NAN;
		if (!isnan(v[k])) {
			lo = fmin(lo, v[k]);
			hi = fmax(hi, v[k]);
		}
	}
	sgr(t, "36");
	for (k = 0; k < m; k++)
		if (isnan(v[k]))
			mb_buf_addc(t->b, ' ');
		else
			mb_buf_adds(t->b, lv[hi > lo ? (int)lround((v[k] - lo) /
			    (hi - lo) * 7) : 3]);
	sgr(t, "0");
	free(v);
}

/* A bar of v against max in w columns, in eighths of a column. */
static void
bar(tty *t, double v, double max, int w, const char *color)
{
	static const char *const part[] = { "", "\xe2\x96\x8f", "\xe2\x96\x8e",
		"\xe2\x96\x8d", "\xe2\x96\x8c", "\xe2\x96\x8b", "\xe2\x96\x8a",
		"\xe2\x96\x89" };
	long e = max > 0 && !isnan(v) ? lround(fabs(v) / max * w * 8) : 0, i;
	int used = 0, cut = e > (long)w * 8;

	if (cut)
		e = (long)(w - 1) * 8;
	sgr(t, color);
	for (i = 0; i < e / 8; i++, used++)
		mb_buf_adds(t->b, "\xe2\x96\x88");
	if (e % 8) {
		mb_buf_adds(t->b, part[e % 8]);
		used++;
	}
	if (cut) {
		mb_buf_adds(t->b, "\xc2\xbb");
		used++;
	}
	sgr(t, "0");
	for (; used < w; used++)
		mb_buf_addc(t->b, ' ');
}

static void
num(mb_buf *b, double v, enum chart_unit u, int full)
{
	if (full)
		chart_num_full(b, v, u);
	else
		chart_num_short(b, v, u);
}

/* ---- parts ------------------------------------------------------------- */

static void
kpis(tty *t, const dash *d)
{
	dash_kpi k[DASH_MAX_KPIS];
	mb_buf s = {0};
	int n = dash_kpis(d, k), per, cw, i, j, row, dir, good;
	double ch;

	if (n == 0)
		return;
	cw = 24;
	per = t->w / cw;
	if (per < 1)
		per = 1;
	if (per > n)
		per = n;
	cw = t->w / per;
	for (row = 0; row < n; row += per) {
		mb_buf_addc(t->b, '\n');
		for (i = row; i < n && i < row + per; i++) {	/* names */
			sgr(t, "2");
			put(t, k[i].name, strlen(k[i].name), cw - 1,
			    i + 1 < row + per && i + 1 < n);
			sgr(t, "0");
			if (i + 1 < row + per && i + 1 < n)
				mb_buf_addc(t->b, ' ');
		}
		mb_buf_addc(t->b, '\n');
		for (i = row; i < n && i < row + per; i++) {	/* values */
			s.len = 0;
			num(&s, k[i].v, k[i].unit, k[i].unit != CHART_MONEY ||
			    fabs(k[i].v) < 1e5);
			sgr(t, "1");
			j = put(t, s.p, s.len, cw - 1, 0);
			sgr(t, "0");
			s.len = 0;
			if (!isnan(k[i].prev)) {
				ch = k[i].unit == CHART_PCT ? k[i].v - k[i].prev :
				    k[i].prev != 0 ? (k[i].v - k[i].prev) /
				    fabs(k[i].prev) * 100 : NAN;
				dir = isnan(ch) || fabs(ch) < 0.05 ? 0 :
				    ch > 0 ? 1 : -1;
				good = dir * k[i].up_good;
				mb_buf_printf(&s, " %s %s%.1f%s", dir > 0 ?
				    "\xe2\x96\xb2" : dir < 0 ? "\xe2\x96\xbc" :
				    "\xe2\x97\x8f", ch > 0 ? "+" : ch < 0 ? "-" : "",
				    fabs(ch), k[i].unit == CHART_PCT ? "pt" : "%");
				sgr(t, good > 0 ? "32" : good < 0 ? "31" : "0");
				j += put(t, s.p, s.len, cw - 1 - j, 0);
				sgr(t, "0");
			}
			if (i + 1 < row + per && i + 1 < n)
				for (; j < cw; j++)
					mb_buf_addc(t->b, ' ');
		}
		mb_buf_addc(t->b, '\n');
		for (i = row; i < n && i < row + per; i++) {	/* trends */
			spark(t, k[i].y, k[i].n, cw - 2);
			j = k[i].n < (size_t)(cw - 2) ? (int)k[i].n : cw - 2;
			if (i + 1 < row + per && i + 1 < n)
				for (; j < cw; j++)
					mb_buf_addc(t->b, ' ');
		}
		mb_buf_addc(t->b, '\n');
	}
	dash_kpis_free(k, n);
	mb_buf_free(&s);
}

/* A labelled sparkline: "label  ▁▂▃▅▇  last". */
static void
trend_line(tty *t, const char *label, int lw, const dash_ts *s,
    enum chart_unit u)
{
	mb_buf v = {0};
	size_t i;
	int sw;

	for (i = s->n; i > 0 && isnan(s->y[i - 1]); i--)
		;
	if (i > 0)
		chart_num_short(&v, s->y[i - 1], u);
	mb_buf_adds(t->b, "  ");
	put(t, label, strlen(label), lw, 1);
	mb_buf_addc(t->b, ' ');
	sw = t->w - lw - 4 - 10;
	spark(t, s->y, s->n, sw);
	mb_buf_adds(t->b, "  ");
	put(t, v.p, v.len, 8, 0);
	mb_buf_addc(t->b, '\n');
	mb_buf_free(&v);
}

static void
bars(tty *t, const chart_bar *b, int n, int nv, enum chart_unit u)
{
	double max = 0;
	int i, k, lw = 0, vw = 0, bw;
	mb_buf s = {0};

	/* the scale is the named bars'; a larger "other" is cut (») */
	for (i = 0; i < n; i++)
		for (k = 0; k < nv; k++)
			if (!b[i].other && !isnan(b[i].v[k]) &&
			    fabs(b[i].v[k]) > max)
				max = fabs(b[i].v[k]);
	for (i = 0; i < n; i++) {
		if (width_of(b[i].label, b[i].len) > lw)
			lw = width_of(b[i].label, b[i].len);
		for (k = 0; k < nv; k++) {
			if (!isnan(b[i].v[k]) && fabs(b[i].v[k]) > max &&
			    (max == 0 || !b[i].other))
				max = fabs(b[i].v[k]);
			s.len = 0;
			chart_num_short(&s, b[i].v[k], u);
			if ((int)s.len > vw)
				vw = (int)s.len;
		}
	}
	if (lw > t->w / 3)
		lw = t->w / 3;
	bw = (t->w - 2 - lw - 1 - nv * (vw + 2)) / nv;
	if (bw < 4)
		bw = 4;
	for (i = 0; i < n; i++) {
		mb_buf_adds(t->b, "  ");
		put(t, b[i].label, b[i].len, lw, 1);
		mb_buf_addc(t->b, ' ');
		for (k = 0; k < nv; k++) {
			bar(t, b[i].v[k], max, bw, b[i].other ? "2" : k ? "33" :
			    "34");
			s.len = 0;
			chart_num_short(&s, b[i].v[k], u);
			mb_buf_addc(t->b, ' ');
			put(t, s.p, s.len, vw + 1, k + 1 < nv ? 1 : 0);
		}
		mb_buf_addc(t->b, '\n');
	}
	mb_buf_free(&s);
}

static void
group_bars(tty *t, const dash_table *d, const char *key, const char *val,
    const char *title)
{
	chart_bar *b;
	mb_buf names = {0};
	int n = dash_sums(d, dash_col(d, key), dash_col(d, val), BARS_TOP, &b,
	    &names, NULL);

	heading(t, title, d->name);
	notes(t, d, dash_col(d, val));
	bars(t, b, n, 1, dash_unit_of(val));
	free(b);
	mb_buf_free(&names);
}

static void
monthly(tty *t, const dash_table *d, const char *yc, const char *mc,
    const char *title, const char *const *cols, const char *const *names)
{
	dash_ts s;
	int i;

	heading(t, title, d->name);
	for (i = 0; cols[i] != NULL; i++) {
		if (dash_col(d, cols[i]) < 0)
			continue;
		dash_series(d, -1, dash_col(d, yc), dash_col(d, mc),
		    dash_col(d, cols[i]), -1, NULL, 0, &s);
		trend_line(t, names[i], 18, &s, dash_unit_of(cols[i]));
		dash_ts_free(&s);
	}
}

static void
daily(tty *t, const dash_table *d)
{
	const char *v[13];
	size_t len[13];
	int n = dash_distinct(d, dash_col(d, "region"), v, len, 12), i, lw = 6;
	dash_ts s;
	mb_buf l = {0};

	heading(t, "Daily revenue by region", d->name);
	notes(t, d, dash_col(d, "revenue"));
	for (i = 0; i < n; i++)
		if (width_of(v[i], len[i]) > lw)
			lw = width_of(v[i], len[i]);
	if (lw > t->w / 3)
		lw = t->w / 3;
	for (i = 0; i < n; i++) {
		dash_series(d, dash_col(d, "order_date"), -1, -1,
		    dash_col(d, "revenue"), dash_col(d, "region"), v[i], len[i],
		    &s);
		l.len = 0;
		mb_buf_add(&l, v[i], len[i]);
		trend_line(t, mb_buf_cstr(&l), lw, &s, CHART_MONEY);
		dash_ts_free(&s);
	}
	mb_buf_free(&l);
}

static int
cmp_rank(const void *a, const void *b)
{
	const double *x = a, *y = b;

	if (x[0] != y[0])
		return isnan(x[0]) ? 1 : isnan(y[0]) ? -1 : x[0] < y[0] ? -1 : 1;
	return x[1] < y[1] ? -1 : x[1] > y[1];
}

static void
top(tty *t, const dash_table *d)
{
	const char *by[4], *s;
	size_t bl[4], r, n, len, i;
	int nb = dash_distinct(d, dash_col(d, "rank_by"), by, bl, 4), k, nw;
	int cn = dash_col(d, "product_name"), ci = dash_col(d, "product_id"),
	    cu = dash_col(d, "units"), cr = dash_col(d, "revenue");
	double (*rr)[2] = mb_xmalloc((d->nrows + 1) * sizeof(*rr));
	mb_buf h = {0};

	for (k = 0; k < nb; k++) {
		h.len = 0;
		mb_buf_adds(&h, "Top products by ");
		mb_buf_add(&h, by[k], bl[k]);
		heading(t, mb_buf_cstr(&h), d->name);
		for (r = 0, n = 0; r < d->nrows; r++)
			if ((s = dash_str(d, dash_col(d, "rank_by"), r, &len)) !=
			    NULL && len == bl[k] && memcmp(s, by[k], len) == 0) {
				rr[n][0] = dash_num(d, dash_col(d, "rank"), r);
				rr[n++][1] = (double)r;
			}
		qsort(rr, n, sizeof(*rr), cmp_rank);
		nw = t->w - 2 - 4 - 10 - 16;
		for (i = 0; i < n && i < TOP_ROWS; i++) {
			r = (size_t)rr[i][1];
			h.len = 0;
			if ((s = dash_str(d, dash_col(d, "rank"), r, &len)) != NULL)
				mb_buf_add(&h, s, len);
			mb_buf_adds(t->b, "  ");
			put(t, h.p, h.len, 3, -1);
			mb_buf_addc(t->b, ' ');
			if ((s = dash_str(d, cn, r, &len)) == NULL)
				s = dash_str(d, ci, r, &len);
			put(t, s ? s : "", s ? len : 0, nw, 1);
			h.len = 0;
			if ((s = dash_str(d, cu, r, &len)) != NULL)
				chart_num_text(&h, s, len);
			put(t, h.p, h.len, 10, -1);
			h.len = 0;
			if ((s = dash_str(d, cr, r, &len)) != NULL)
				chart_num_text(&h, s, len);
			put(t, h.p, h.len, 16, -1);
			mb_buf_addc(t->b, '\n');
		}
	}
	free(rr);
	mb_buf_free(&h);
}

static void
rfm(tty *t, const dash_table *d)
{
	chart_bar *b;
	double nc;
	int n = dash_rfm(d, &b, &nc);
	mb_buf s = {0};

	chart_num_full(&s, nc, CHART_COUNT);
	mb_buf_adds(&s, " customers: share of customers, share of revenue");
	heading(t, "Customer segments (RFM)", mb_buf_cstr(&s));
	bars(t, b, n, 2, CHART_PCT);
	free(b);
	mb_buf_free(&s);
}

static void
table_rows(tty *t, const dash_table *d)
{
	int c, nc = d->ncols, cw;
	size_t r, len;
	const char *s;

	if (nc == 0)
		return;
	cw = (t->w - 2) / nc;
	if (cw < 8) {
		cw = 8;
		nc = (t->w - 2) / cw;
	}
	mb_buf_adds(t->b, "  ");
	sgr(t, "2");
	for (c = 0; c < nc; c++)
		put(t, d->cols[c].name, strlen(d->cols[c].name), cw - 1,
		    dash_col_numeric(d, c) ? -1 : 1), mb_buf_addc(t->b, ' ');
	sgr(t, "0");
	mb_buf_addc(t->b, '\n');
	for (r = 0; r < d->nrows && r < TABLE_ROWS; r++) {
		mb_buf_adds(t->b, "  ");
		for (c = 0; c < nc; c++) {
			if ((s = dash_str(d, c, r, &len)) == NULL)
				s = "", len = 0;
			put(t, s, len, cw - 1, dash_col_numeric(d, c) ? -1 : 1);
			mb_buf_addc(t->b, ' ');
		}
		mb_buf_addc(t->b, '\n');
	}
	if (d->nrows > TABLE_ROWS)
		note(t, "the first %d of %zu rows", TABLE_ROWS, d->nrows);
}

static void
generic(tty *t, const dash_table *d)
{
	dash_layout l;
	dash_ts s;
	mb_buf h = {0};

	dash_layout_of(d, &l);
	heading(t, d->name, d->src);
	notes(t, d, l.measure);
	if (d->nrows == 0 && d->error == NULL)
		note(t, "no records");
	else if (l.measure >= 0 && (l.tcol >= 0 || l.ycol >= 0)) {
		dash_series(d, l.tcol, l.ycol, l.mcol, l.measure, -1, NULL, 0,
		    &s);
		trend_line(t, d->cols[l.measure].name, 18, &s, l.unit);
		dash_ts_free(&s);
	} else if (l.measure >= 0 && l.cat >= 0) {
		chart_bar *b;
		int n = dash_sums(d, l.cat, l.measure, BARS_TOP, &b, &h, NULL);

		bars(t, b, n, 1, l.unit);
		free(b);
	} else
		table_rows(t, d);
	mb_buf_free(&h);
}

static void
summary(tty *t, const dash_table *d)
{
	const char *s, *e, *sp;
	size_t n, sn;
	long r;
	mb_buf h = {0};
	int col;

	if (d->error != NULL || d->nrows == 0) {
		heading(t, "Summary", NULL);
		notes(t, d, -1);
		if (d->error == NULL)
			note(t, "%s has no records", d->src);
		return;
	}
	r = dash_newest(d);
	if ((s = dash_str(d, dash_col(d, "source"), (size_t)r, &sn)) != NULL)
		mb_buf_add(&h, s, sn);
	if ((s = dash_str(d, dash_col(d, "model"), (size_t)r, &sn)) != NULL) {
		mb_buf_adds(&h, ", ");
		mb_buf_add(&h, s, sn);
	}
	heading(t, "Summary", mb_buf_cstr(&h));
	mb_buf_free(&h);
	col = dash_col(d, "summary");
	if ((s = dash_str(d, col, (size_t)r, &n)) == NULL ||
	    d->cols[col].cells[r].type != DASH_C_STR) {
		note(t, "the newest record of %s has no summary text", d->src);
		return;
	}
	/* wrapped at spaces to the width */
	for (e = s + n; s < e;) {
		const char *lim = s, *p = s;
		int w = 0;

		while (p < e && *p == ' ')
			p++;
		s = p;
		for (sp = NULL; p < e && w < t->w - 4; p++, w++) {
			if (*p == ' ')
				sp = p;
			while (p + 1 < e && ((unsigned char)p[1] & 0xc0) == 0x80)
				p++;
		}
		lim = p >= e || sp == NULL ? p : sp;
		mb_buf_adds(t->b, "  ");
		put(t, s, (size_t)(lim - s), t->w - 2, 0);
		mb_buf_addc(t->b, '\n');
		s = lim;
	}
}

static void
dq(tty *t, const dash_table *d)
{
	dash_dq q;
	mb_buf s = {0};
	int i;

	if (d->error != NULL || dash_dq_read(d, &q) == -1) {
		heading(t, "Data quality", d->src);
		if (d->error != NULL)
			notes(t, d, -1);
		else
			note(t, "%s is not a report of mb-validate", d->src);
		return;
	}
	if (!isnan(q.met) && !isnan(q.failed))
		mb_buf_printf(&s, "%.0f of %.0f expectations met", q.met,
		    q.met + q.failed);
	heading(t, "Data quality", mb_buf_cstr(&s));
	s.len = 0;
	chart_num_full(&s, q.in, CHART_COUNT);
	mb_buf_adds(&s, " read");
	if (!isnan(q.passed) && q.in > 0) {
		mb_buf_adds(&s, ", ");
		chart_num_full(&s, q.passed, CHART_COUNT);
		mb_buf_printf(&s, " passed (%.2f%%)", q.passed / q.in * 100);
	}
	if (!isnan(q.quarantined) && q.in > 0) {
		mb_buf_adds(&s, ", ");
		chart_num_full(&s, q.quarantined, CHART_COUNT);
		mb_buf_printf(&s, " quarantined (%.2f%%)",
		    q.quarantined / q.in * 100);
	}
	if (q.dropped > 0) {
		mb_buf_adds(&s, ", ");
		chart_num_full(&s, q.dropped, CHART_COUNT);
		mb_buf_adds(&s, " dropped");
	}
	mb_buf_adds(t->b, "  ");
	put(t, s.p, s.len, t->w - 2, 0);
	mb_buf_addc(t->b, '\n');
	if (!q.complete)
		note(t, "the run was cut short");
	for (i = 0; i < q.nrules && i < 5; i++) {
		s.len = 0;
		mb_buf_printf(&s, "%s %s", q.rules[i].rule, q.rules[i].field);
		mb_buf_adds(t->b, "  ");
		put(t, s.p, s.len, t->w - 2 - 20, 1);
		s.len = 0;
		chart_num_full(&s, q.rules[i].count, CHART_COUNT);
		put(t, s.p, s.len, 10, -1);
		s.len = 0;
		mb_buf_printf(&s, "%.2f%%", q.rules[i].pct);
		put(t, s.p, s.len, 10, -1);
		mb_buf_addc(t->b, '\n');
	}
	dash_dq_free(&q);
	mb_buf_free(&s);
}

void
dash_tty(mb_buf *out, const dash *d, int width, int color)
{
	static const char *const mcols[] = { "total_revenue", "total_orders",
		"return_rate_pct", "cancellation_rate_pct", NULL };
	static const char *const mnames[] = { "revenue", "orders",
		"return rate", "cancellation rate", NULL };
	static const char *const ncols[] = { "net_revenue", NULL };
	static const char *const nnames[] = { "net revenue", NULL };
	static const char *const ccols[] = { "invoices",
		"cancellation_rate_pct", NULL };
	static const char *const cnames[] = { "invoices", "cancellation rate",
		NULL };
	tty t = { out, width, color };
	mb_buf h = {0};
	int i;

	dash_kpi k[DASH_MAX_KPIS];
	int nk = dash_kpis(d, k);

	sgr(&t, "1");
	puts_(&t, d->title ? d->title : nk ? "Sales dashboard" : "Dashboard");
	sgr(&t, "0");
	mb_buf_adds(out, "  ");
	sgr(&t, "2");
	if (nk > 0)
		mb_buf_printf(&h, "latest period %s, ", k[0].period);
	mb_buf_adds(&h, "made ");
	mb_time_fmt(&h, d->now);
	h.len -= 8;	/* to the minute */
	mb_buf_adds(&h, "Z");
	put(&t, h.p, h.len, width, 0);
	sgr(&t, "0");
	mb_buf_addc(out, '\n');
	dash_kpis_free(k, nk);
	kpis(&t, d);
	for (i = 0; i < d->nt; i++) {
		const dash_table *x = d->t[i];

		switch (x->kind) {
		case DASH_MONTHLY:
			monthly(&t, x, "order_year", "order_month", "By month",
			    mcols, mnames);
			break;
		case DASH_NET_COUNTRY:
			monthly(&t, x, "year", "month", "By month", ncols,
			    nnames);
			group_bars(&t, x, "country", "net_revenue",
			    "Net revenue by country");
			break;
		case DASH_CANCEL_RATE:
			monthly(&t, x, "year", "month", "Cancellations by month",
			    ccols, cnames);
			break;
		case DASH_CATEGORY_STORE:
			group_bars(&t, x, "category", "revenue",
			    "Sales by category");
			group_bars(&t, x, "store_id", "revenue", "Sales by store");
			break;
		case DASH_DAILY_REGION:
			daily(&t, x);
			break;
		case DASH_TOP_PRODUCTS:
			top(&t, x);
			break;
		case DASH_RFM:
		case DASH_RFM_SEGMENTS:
			rfm(&t, x);
			break;
		default:
			generic(&t, x);
		}
	}
	if (d->summary != NULL)
		summary(&t, d->summary);
	if (d->dq != NULL)
		dq(&t, d->dq);
	mb_buf_free(&h);
}
