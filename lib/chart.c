/* chart.c: line charts and horizontal bar charts as SVG text.  See
 * chart.h for the model; chart_fmt.c has the numbers and ticks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"

#define TICK_PX 11.0		/* axis labels */
#define LABEL_PX 12.0		/* bar labels, point labels */
#define HOVER_MAX 60		/* points with a title each; more are binned */
#define DOTS_MAX 24		/* points drawn as visible dots */

/* A coordinate with one decimal at most. */
static void
num(mb_buf *b, double v)
{
	char t[40];
	int n;

	if (!isfinite(v))
		v = 0;
	n = snprintf(t, sizeof(t), "%.1f", v);
	if (n >= 2 && t[n - 1] == '0' && t[n - 2] == '.')
		n -= 2;
	if (n == 2 && t[0] == '-' && t[1] == '0')
		mb_buf_addc(b, '0');
	else
		mb_buf_add(b, t, (size_t)n);
}

typedef struct scale {
	double x0, x1, y0, y1;	/* the data domain */
	double l, t, pw, ph;	/* the plot in pixels */
} scale;

static double
sx(const scale *c, double x)
{
	if (!(c->x1 > c->x0))
		return c->l + c->pw / 2;
	return c->l + (x - c->x0) / (c->x1 - c->x0) * c->pw;
}

/* Values outside a domain the caller set are drawn at its edge. */
static double
sy(const scale *c, double y)
{
	if (!(c->y1 > c->y0))
		return c->t + c->ph / 2;
	if (y > c->y1)
		y = c->y1;
	if (y < c->y0)
		y = c->y0;
	return c->t + c->ph - (y - c->y0) / (c->y1 - c->y0) * c->ph;
}

static void
svg_open(mb_buf *b, int w, int h, const char *cls, const char *aria)
{
	mb_buf_printf(b, "<svg class=\"chart%s%s\" viewBox=\"0 0 %d %d\" "
	    "role=\"img\"", cls ? " " : "", cls ? cls : "", w, h);
	if (aria != NULL) {
		mb_buf_adds(b, " aria-label=\"");
		chart_escs(b, aria);
		mb_buf_addc(b, '"');
	}
	mb_buf_adds(b, ">");
}

static void
text_at(mb_buf *b, const char *cls, double x, double y, const char *anchor,
    const char *s, size_t n)
{
	mb_buf_printf(b, "<text class=\"%s\" x=\"", cls);
	num(b, x);
	mb_buf_adds(b, "\" y=\"");
	num(b, y);
	mb_buf_addc(b, '"');
	if (anchor != NULL)
		mb_buf_printf(b, " text-anchor=\"%s\"", anchor);
	mb_buf_addc(b, '>');
	chart_esc(b, s, n);
	mb_buf_adds(b, "</text>");
}

/* The label of an x value, for titles. */
static void
xlabel(mb_buf *b, const chart_series *s, const chart_opts *o, size_t i,
    int grain)
{
	if (o->xtime)
		chart_time_point(b, (int64_t)s->x[i], grain);
	else
		chart_num_full(b, s->x[i], CHART_NUM);
}

/* The points of a series to draw: all of them when they fit the plot,
 * else per bin of two pixels the first, lowest, highest and last (in
 * input order), so peaks and the shape survive.  A NaN y is kept as a
 * gap.  Returns the count written to idx. */
static size_t
thin(const chart_series *s, const scale *c, size_t *idx)
{
	size_t i, n = 0, first = 0, lo = 0, hi = 0, last = 0, k, pick[4], j, t;
	long bin = -1, b;
	int have = 0;

	if ((double)s->n <= c->pw) {
		for (i = 0; i < s->n; i++)
			idx[n++] = i;
		return n;
	}
	for (i = 0; i <= s->n; i++) {
		int gap = i < s->n && isnan(s->y[i]);

		b = i < s->n ? (long)floor((sx(c, s->x[i]) - c->l) / 2) : -2;
		if (have && (i == s->n || gap || b != bin)) {
			pick[0] = first, pick[1] = lo, pick[2] = hi,
			    pick[3] = last;
			for (j = 1; j < 4; j++)	/* sort the four */
				for (k = j; k > 0 && pick[k] < pick[k - 1]; k--)
					t = pick[k], pick[k] = pick[k - 1],
					    pick[k - 1] = t;
			for (j = 0; j < 4; j++)
				if (j == 0 || pick[j] != pick[j - 1])
					idx[n++] = pick[j];
			have = 0;
		}
		if (i == s->n)
			break;
		if (gap) {
			idx[n++] = i;
			continue;
		}
		if (!have) {
			first = lo = hi = last = i;
			bin = b;
			have = 1;
			continue;
		}
		last = i;
		if (s->y[i] < s->y[lo])
			lo = i;
		if (s->y[i] > s->y[hi])
			hi = i;
	}
	return n;
}

static void
path(mb_buf *b, const chart_series *s, const scale *c, const size_t *idx,
    size_t n, int area)
{
	size_t i, start = 0;
	int pen = 0;
	double base = sy(c, c->y0 <= 0 && c->y1 >= 0 ? 0 : c->y0);

	for (i = 0; i < n; i++) {
		if (isnan(s->y[idx[i]]) || !isfinite(s->x[idx[i]])) {
			pen = 0;
			continue;
		}
		if (!pen)
			start = i;
		mb_buf_addc(b, pen ? 'L' : 'M');
		num(b, sx(c, s->x[idx[i]]));
		mb_buf_addc(b, ' ');
		num(b, sy(c, s->y[idx[i]]));
		pen = 1;
	}
	if (area && pen) {
		mb_buf_addc(b, 'L');
		num(b, sx(c, s->x[idx[n - 1]]));
		mb_buf_addc(b, ' ');
		num(b, base);
		mb_buf_addc(b, 'L');
		num(b, sx(c, s->x[idx[start]]));
		mb_buf_addc(b, ' ');
		num(b, base);
		mb_buf_addc(b, 'Z');
	}
}

/* Titles on the points of s, or on bins of them when there are many. */
static void
hover(mb_buf *b, const chart_series *s, const chart_opts *o, const scale *c)
{
	int grain = o->xtime ? chart_time_grain(s->x, s->n) : 0;
	size_t i, j, lo, hi;
	double x0, x1;
	int nb, k;

	if (s->n <= HOVER_MAX) {
		for (i = 0; i < s->n; i++) {
			if (isnan(s->y[i]))
				continue;
			mb_buf_printf(b, "<circle class=\"%s f%d\" cx=\"",
			    s->n <= DOTS_MAX && !o->spark ? "pt" : "hit",
			    s->color);
			num(b, sx(c, s->x[i]));
			mb_buf_adds(b, "\" cy=\"");
			num(b, sy(c, s->y[i]));
			mb_buf_printf(b, "\" r=\"%d\"><title>",
			    s->n <= DOTS_MAX ? 3 : 4);
			if (s->name != NULL) {
				chart_escs(b, s->name);
				mb_buf_adds(b, ", ");
			}
			xlabel(b, s, o, i, grain);
			mb_buf_adds(b, ": ");
			chart_num_full(b, s->y[i], o->unit);
			mb_buf_adds(b, "</title></circle>");
		}
		return;
	}
	nb = (int)(c->pw / 8);
	if (nb > HOVER_MAX)
		nb = HOVER_MAX;
	if (nb < 1)
		nb = 1;
	for (i = 0, k = 0; k < nb && i < s->n; k++) {
		x1 = c->l + c->pw * (k + 1) / nb;
		for (j = i, lo = hi = SIZE_MAX; j < s->n &&
		    (sx(c, s->x[j]) <= x1 || k == nb - 1); j++) {
			if (isnan(s->y[j]))
				continue;
			if (lo == SIZE_MAX || s->y[j] < s->y[lo])
				lo = j;
			if (hi == SIZE_MAX || s->y[j] > s->y[hi])
				hi = j;
		}
		if (lo != SIZE_MAX) {
			x0 = c->l + c->pw * k / nb;
			mb_buf_adds(b, "<rect class=\"hit\" x=\"");
			num(b, x0);
			mb_buf_adds(b, "\" y=\"");
			num(b, c->t);
			mb_buf_adds(b, "\" width=\"");
			num(b, x1 - x0);
			mb_buf_adds(b, "\" height=\"");
			num(b, c->ph);
			mb_buf_adds(b, "\"><title>");
			if (s->name != NULL) {
				chart_escs(b, s->name);
				mb_buf_adds(b, ", ");
			}
			xlabel(b, s, o, i, grain);
			if (j - 1 > i) {
				mb_buf_adds(b, " \xe2\x80\x93 ");
				xlabel(b, s, o, j - 1, grain);
			}
			mb_buf_adds(b, ": ");
			chart_num_full(b, s->y[lo], o->unit);
			if (hi != lo && s->y[hi] != s->y[lo]) {
				mb_buf_adds(b, " to ");
				chart_num_full(b, s->y[hi], o->unit);
			}
			mb_buf_adds(b, "</title></rect>");
		}
		i = j;
	}
}

/* The last finite point of a series, or -1. */
static long
last_point(const chart_series *s)
{
	size_t i;

	for (i = s->n; i > 0; i--)
		if (!isnan(s->y[i - 1]) && isfinite(s->x[i - 1]))
			return (long)(i - 1);
	return -1;
}

static void
x_axis(mb_buf *b, const chart_opts *o, const scale *c)
{
	int64_t tk[64];
	double t0, step, x, w, right = -1e9, v;
	int n, i, unit, prev_year = -1;
	mb_buf l = {0};
	mb_tm tm;
	const char *anchor;

	if (o->xtime)
		n = chart_time_ticks((int64_t)c->x0, (int64_t)c->x1,
		    (int)(c->pw / 56) + 1, tk, 64, &unit);
	else
		n = chart_ticks(c->x0, c->x1, (int)(c->pw / 60) + 1, &t0,
		    &step);
	for (i = 0; i < n; i++) {
		l.len = 0;
		if (o->xtime) {
			mb_time_split(tk[i], &tm);
			x = sx(c, (double)tk[i]);
			chart_time_label(&l, tk[i], unit, i == 0 ||
			    (unit <= CHART_T_HOUR ? tm.hour == 0 && tm.min == 0 :
			    tm.year != prev_year));
			prev_year = tm.year;
		} else {
			v = t0 + i * step;
			if (v < c->x0 - step * 1e-6 || v > c->x1 + step * 1e-6)
				continue;
			x = sx(c, v);
			chart_num_tick(&l, v, step, CHART_NUM);
		}
		w = chart_text_width(l.p, l.len, TICK_PX);
		anchor = "middle";
		if (x - w / 2 < c->l - 8 && x + w < c->l + c->pw) {
			anchor = "start";
			x -= 2;
		} else if (x + w / 2 > c->l + c->pw + 8) {
			anchor = "end";
			x += 2;
		}
		/* keep it only when it does not touch the label before */
		v = *anchor == 'm' ? x - w / 2 : *anchor == 's' ? x : x - w;
		if (v < right + 6)
			continue;
		right = v + w;
		mb_buf_adds(b, "<line class=\"axis\" x1=\"");
		num(b, o->xtime ? sx(c, (double)tk[i]) : sx(c, t0 + i * step));
		mb_buf_adds(b, "\" x2=\"");
		num(b, o->xtime ? sx(c, (double)tk[i]) : sx(c, t0 + i * step));
		mb_buf_adds(b, "\" y1=\"");
		num(b, c->t + c->ph);
		mb_buf_adds(b, "\" y2=\"");
		num(b, c->t + c->ph + 4);
		mb_buf_adds(b, "\"/>");
		text_at(b, "tick", x, c->t + c->ph + 16, anchor, l.p, l.len);
	}
	mb_buf_free(&l);
}

/* y ticks: the domain is widened to them; the widest label is returned
 * in *lw. */
static int
y_ticks(const chart_opts *o, double lo, double hi, double ph, double *t0,
    double *step, double *lw)
{
	mb_buf l = {0};
	double w;
	int n, i;

	n = chart_ticks(lo, hi, (int)(ph / 34) + 1, t0, step);
	*lw = 0;
	for (i = 0; i < n; i++) {
		l.len = 0;
		chart_num_tick(&l, *t0 + i * *step, *step, o->unit);
		if ((w = chart_text_width(l.p, l.len, TICK_PX)) > *lw)
			*lw = w;
	}
	mb_buf_free(&l);
	return n;
}

void
chart_line(mb_buf *b, const chart_series *s, int ns, const chart_opts *o)
{
	double lo = INFINITY, hi = -INFINITY, xlo = INFINITY, xhi = -INFINITY;
	double t0 = 0, step = 1, lw = 0, rw = 0, w, *ly = NULL, lx;
	size_t i, *idx = NULL, n, maxn = 0;
	mb_buf l = {0};
	scale c;
	int k, nt = 0, any = 0;
	long li;

	for (k = 0; k < ns; k++) {
		if (s[k].n > maxn)
			maxn = s[k].n;
		for (i = 0; i < s[k].n; i++) {
			if (isnan(s[k].y[i]) || !isfinite(s[k].x[i]) ||
			    !isfinite(s[k].y[i]))
				continue;
			any = 1;
			lo = fmin(lo, s[k].y[i]);
			hi = fmax(hi, s[k].y[i]);
			xlo = fmin(xlo, s[k].x[i]);
			xhi = fmax(xhi, s[k].x[i]);
		}
	}
	svg_open(b, o->w, o->h, o->cls, o->aria);
	if (!any) {
		text_at(b, "note", o->w / 2.0, o->h / 2.0, "middle",
		    "no data", 7);
		mb_buf_adds(b, "</svg>");
		return;
	}
	if (!isnan(o->ymin))
		lo = o->ymin;
	if (!isnan(o->ymax))
		hi = o->ymax;
	if (o->zero) {
		lo = fmin(lo, 0);
		hi = fmax(hi, 0);
	}
	/* the labels of last points, for the right margin */
	if (o->label_last)
		for (k = 0; k < ns; k++) {
			if (s[k].faint || (li = last_point(&s[k])) < 0)
				continue;
			l.len = 0;
			chart_num_short(&l, s[k].y[li], o->unit);
			w = chart_text_width(l.p, l.len, LABEL_PX);
			if (w > rw)
				rw = w;
		}
	c.x0 = xlo;
	c.x1 = xhi;
	if (o->spark) {
		c.l = 3;
		c.t = 4;
		c.pw = o->w - c.l - (o->label_last ? rw + 10 : 4);
		c.ph = o->h - 8;
		c.y0 = lo;
		c.y1 = hi;
	} else {
		c.t = o->legend && ns > 1 ? 26 : 8;
		c.ph = o->h - c.t - 24;
		nt = y_ticks(o, lo, hi, c.ph, &t0, &step, &lw);
		c.y0 = t0;
		c.y1 = t0 + (nt - 1) * step;
		c.l = lw + 10;
		c.pw = o->w - c.l - (o->label_last ? rw + 12 : 14);
		if (!o->xtime && xhi > xlo) {
			double xs, xt0;
			int xn = chart_ticks(xlo, xhi, (int)(c.pw / 60) + 1,
			    &xt0, &xs);

			c.x0 = xt0;
			c.x1 = xt0 + (xn - 1) * xs;
		}
	}
	if (!o->spark) {
		for (k = 0; k < nt; k++) {
			double y = sy(&c, t0 + k * step);

			mb_buf_printf(b, "<line class=\"%s\" x1=\"",
			    fabs(t0 + k * step) < step * 1e-6 ? "zero" : "grid");
			num(b, c.l);
			mb_buf_adds(b, "\" x2=\"");
			num(b, c.l + c.pw);
			mb_buf_adds(b, "\" y1=\"");
			num(b, y);
			mb_buf_adds(b, "\" y2=\"");
			num(b, y);
			mb_buf_adds(b, "\"/>");
			l.len = 0;
			chart_num_tick(&l, t0 + k * step, step, o->unit);
			text_at(b, "tick", c.l - 6, y + 4, "end", l.p, l.len);
		}
		x_axis(b, o, &c);
	}
	if (o->legend && ns > 1 && !o->spark) {
		lx = c.l;
		for (k = 0; k < ns; k++) {
			if (s[k].faint || s[k].name == NULL)
				continue;
			mb_buf_printf(b, "<line class=\"line s%d d%d\" x1=\"",
			    s[k].color, s[k].dash);
			num(b, lx);
			mb_buf_adds(b, "\" x2=\"");
			num(b, lx + 22);
			mb_buf_adds(b, "\" y1=\"10\" y2=\"10\"/>");
			text_at(b, "legend", lx + 28, 14, NULL, s[k].name,
			    strlen(s[k].name));
			lx += 40 + chart_text_width(s[k].name, strlen(s[k].name),
			    LABEL_PX);
		}
	}
	idx = mb_xmalloc((maxn * 4 + 1) * sizeof(*idx));
	for (k = 0; k < ns; k++) {
		n = thin(&s[k], &c, idx);
		if (s[k].area) {
			mb_buf_printf(b, "<path class=\"area f%d\" d=\"",
			    s[k].color);
			path(b, &s[k], &c, idx, n, 1);
			mb_buf_adds(b, "\"/>");
		}
		mb_buf_printf(b, "<path class=\"line s%d d%d%s\" d=\"",
		    s[k].color, s[k].dash, s[k].faint ? " faint" : "");
		path(b, &s[k], &c, idx, n, 0);
		mb_buf_adds(b, "\"/>");
	}
	for (k = 0; k < ns; k++)
		if (s[k].hover)
			hover(b, &s[k], o, &c);
	if (o->label_last) {
		ly = mb_xcalloc((size_t)ns, sizeof(*ly));
		for (k = 0; k < ns; k++)
			ly[k] = (li = last_point(&s[k])) >= 0 ?
			    sy(&c, s[k].y[li]) : 0;
		chart_spread(ly, ns, 14, c.t + 4, c.t + c.ph);
		for (k = 0; k < ns; k++) {
			if (s[k].faint || (li = last_point(&s[k])) < 0)
				continue;
			mb_buf_printf(b, "<circle class=\"last f%d\" cx=\"",
			    s[k].color);
			num(b, sx(&c, s[k].x[li]));
			mb_buf_adds(b, "\" cy=\"");
			num(b, sy(&c, s[k].y[li]));
			mb_buf_adds(b, "\" r=\"3.5\"/>");
			l.len = 0;
			chart_num_short(&l, s[k].y[li], o->unit);
			mb_buf_printf(b, "<text class=\"lastlbl t%d\" x=\"",
			    s[k].color);
			num(b, sx(&c, s[k].x[li]) + 7);
			mb_buf_adds(b, "\" y=\"");
			num(b, ly[k] + 4);
			mb_buf_adds(b, "\">");
			chart_esc(b, l.p, l.len);
			mb_buf_adds(b, "</text>");
		}
		free(ly);
	}
	mb_buf_adds(b, "</svg>");
	free(idx);
	mb_buf_free(&l);
}

/* ---- bars -------------------------------------------------------------- */

void
chart_hbars(mb_buf *b, const chart_bar *bars, int n, const chart_bar_opts *o)
{
	int nv = o->nv == 2 ? 2 : 1, i, k, nt;
	double lo = 0, hi = 0, lw = 0, vw = 0, w, t0, step, rowh, barh, top;
	double x, x0, y, h, pl, pw;
	mb_buf l = {0};
	scale c;

	/* The scale is the named bars'; an "other" bar that sums many more
	 * is cut at the end of the plot, with a break, rather than
	 * squeezing the rest into slivers. */
	for (i = 0; i < n; i++)
		for (k = 0; k < nv; k++)
			if (!bars[i].other && isfinite(bars[i].v[k])) {
				lo = fmin(lo, bars[i].v[k]);
				hi = fmax(hi, bars[i].v[k]);
			}
	for (i = 0; i < n; i++) {
		if ((w = chart_text_width(bars[i].label, bars[i].len,
		    LABEL_PX)) > lw)
			lw = w;
		for (k = 0; k < nv; k++) {
			if (!isfinite(bars[i].v[k]))
				continue;
			if (!bars[i].other || hi == 0) {
				lo = fmin(lo, bars[i].v[k]);
				hi = fmax(hi, bars[i].v[k]);
			}
			l.len = 0;
			chart_num_short(&l, bars[i].v[k], o->unit);
			if ((w = chart_text_width(l.p, l.len, LABEL_PX)) > vw)
				vw = w;
		}
	}
	if (lw > o->w * 0.34)
		lw = o->w * 0.34;
	rowh = nv == 2 ? 30 : 21;
	barh = nv == 2 ? 11 : 14;
	top = nv == 2 ? 24 : 4;
	h = top + rowh * (n > 0 ? n : 1) + 22;
	svg_open(b, o->w, (int)ceil(h), o->cls, o->aria);
	if (n == 0) {
		text_at(b, "note", o->w / 2.0, top + 14, "middle", "no data", 7);
		mb_buf_adds(b, "</svg>");
		return;
	}
	pl = lw + 14;
	pw = o->w - pl - vw - 10;
	nt = chart_ticks(lo, hi, (int)(pw / 70) + 1, &t0, &step);
	c.x0 = t0;
	c.x1 = t0 + (nt - 1) * step;
	c.y0 = c.y1 = 0;
	c.l = pl;
	c.pw = pw;
	c.t = top;
	c.ph = rowh * n;
	for (k = 0; k < nt; k++) {
		x = sx(&c, t0 + k * step);
		mb_buf_printf(b, "<line class=\"%s\" x1=\"",
		    fabs(t0 + k * step) < step * 1e-6 ? "zero" : "grid");
		num(b, x);
		mb_buf_adds(b, "\" x2=\"");
		num(b, x);
		mb_buf_adds(b, "\" y1=\"");
		num(b, top);
		mb_buf_adds(b, "\" y2=\"");
		num(b, top + c.ph);
		mb_buf_adds(b, "\"/>");
		l.len = 0;
		chart_num_tick(&l, t0 + k * step, step, o->unit);
		text_at(b, "tick", x, top + c.ph + 15, "middle", l.p, l.len);
	}
	if (nv == 2)
		for (k = 0, x = pl; k < 2; k++) {
			const char *nm = o->vname[k] ? o->vname[k] : "";

			mb_buf_printf(b, "<rect class=\"f%d\" x=\"", o->color[k]);
			num(b, x);
			mb_buf_adds(b, "\" y=\"5\" width=\"12\" height=\"12\"/>");
			text_at(b, "legend", x + 17, 15, NULL, nm, strlen(nm));
			x += 36 + chart_text_width(nm, strlen(nm), LABEL_PX);
		}
	x0 = sx(&c, 0);
	for (i = 0; i < n; i++) {
		y = top + rowh * i;
		/* the label, cut when long; the whole of it on hover */
		mb_buf_adds(b, "<text class=\"lbl\" x=\"");
		num(b, pl - 8);
		mb_buf_adds(b, "\" y=\"");
		num(b, y + rowh / 2 + 4);
		mb_buf_adds(b, "\" text-anchor=\"end\">");
		chart_esc_fit(b, bars[i].label, bars[i].len, LABEL_PX, lw);
		if (chart_text_fit(bars[i].label, bars[i].len, LABEL_PX, lw) <
		    bars[i].len) {
			mb_buf_adds(b, "<title>");
			chart_esc(b, bars[i].label, bars[i].len);
			mb_buf_adds(b, "</title>");
		}
		mb_buf_adds(b, "</text>");
		for (k = 0; k < nv; k++) {
			double v = bars[i].v[k], xe, by;
			int cut;

			if (!isfinite(v))
				continue;
			xe = sx(&c, v);
			cut = xe > pl + pw + 0.5 || xe < pl - 0.5;
			if (cut)
				xe = v > 0 ? pl + pw : pl;
			by = y + (rowh - barh * nv - (nv - 1) * 2) / 2 +
			    k * (barh + 2);
			if (bars[i].other)
				mb_buf_adds(b, "<rect class=\"bar other\"");
			else
				mb_buf_printf(b, "<rect class=\"bar f%d\"",
				    o->color[k]);
			mb_buf_printf(b, " data-v=\"%.15g\" x=\"", v);
			num(b, fmin(x0, xe));
			mb_buf_adds(b, "\" y=\"");
			num(b, by);
			mb_buf_adds(b, "\" width=\"");
			num(b, fabs(xe - x0));
			mb_buf_adds(b, "\" height=\"");
			num(b, barh);
			mb_buf_adds(b, "\"><title>");
			chart_esc(b, bars[i].label, bars[i].len);
			if (o->vname[k] != NULL) {
				mb_buf_adds(b, ", ");
				chart_escs(b, o->vname[k]);
			}
			mb_buf_adds(b, ": ");
			chart_num_full(b, v, o->unit);
			mb_buf_adds(b, "</title></rect>");
			if (cut) {	/* two slashes: the bar goes on */
				double bx = v > 0 ? xe - 14 : xe + 8;

				mb_buf_adds(b, "<path class=\"brk\" d=\"M");
				num(b, bx);
				mb_buf_addc(b, ' ');
				num(b, by + barh + 1);
				mb_buf_adds(b, "l4 ");
				num(b, -barh - 2);
				mb_buf_adds(b, "m3 0l-4 ");
				num(b, barh + 2);
				mb_buf_adds(b, "\"/>");
			}
			l.len = 0;
			chart_num_short(&l, v, o->unit);
			w = chart_text_width(l.p, l.len, nv == 2 ? 10 : LABEL_PX);
			if (v >= 0)
				text_at(b, nv == 2 ? "val small" : "val",
				    xe + 4, by + barh / 2 + 4, NULL, l.p, l.len);
			else if (xe - 4 - w > pl)
				text_at(b, nv == 2 ? "val small" : "val",
				    xe - 4, by + barh / 2 + 4, "end", l.p, l.len);
			else	/* no room left of it: inside the bar */
				text_at(b, nv == 2 ? "val in small" : "val in",
				    xe + 4, by + barh / 2 + 4, NULL, l.p, l.len);
		}
	}
	mb_buf_adds(b, "</svg>");
	mb_buf_free(&l);
}
