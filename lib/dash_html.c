/* dash_html.c: the page of mb-dash: head and style, KPI tiles, the rows
 * of cards, cards for tables of no known kind, and the footer that says
 * what the page was made from.  The gold tables' cards are in
 * dash_cards.c.  See dash.h and dash_page.h. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "dash_css.h"
#include "dash_page.h"

#define TABLE_ROWS 20		/* rows shown of a table drawn as a table */
#define TABLE_COLS 10
#define BARS_TOP 15		/* bars shown before "other" */
#define SERIES_MAX 6		/* lines of one chart, one per category */

const dash_table *
pg_table(page *pg, int kind, int mark)
{
	int i;

	for (i = 0; i < pg->d->nt; i++)
		if (!pg->used[i] && pg->d->t[i]->kind == kind) {
			if (mark)
				pg->used[i] = 1;
			return pg->d->t[i];
		}
	return NULL;
}

int
pg_px(int w)
{
	/* a 1400-pixel page: 1344 of content, 12 columns, 14 apart, and
	 * the card's padding */
	return (int)((1344.0 - 11 * 14) / 12 * w + (w - 1) * 14 - 36);
}

void
pg_card_open(mb_buf *b, int w, const char *id, const dash_table *t,
    const char *title)
{
	mb_buf_printf(b, "<section class=\"card w%d\" id=\"%s\"", w, id);
	if (t != NULL) {
		mb_buf_adds(b, " data-table=\"");
		chart_escs(b, t->name);
		mb_buf_printf(b, "\" data-kind=\"%s\"", dash_kind_name(t->kind));
	}
	mb_buf_adds(b, "><h2>");
	chart_escs(b, title);
	mb_buf_adds(b, "</h2>\n");
}

static void
vtext(mb_buf *b, const char *cls, const char *fmt, va_list ap)
{
	mb_buf t = {0};

	mb_buf_grow(&t, 256);
	t.len = (size_t)vsnprintf(t.p, t.cap, fmt, ap);
	if (t.len >= t.cap)
		t.len = t.cap - 1;
	mb_buf_printf(b, "<p class=\"%s\">", cls);
	chart_esc(b, t.p, t.len);
	mb_buf_adds(b, "</p>\n");
	mb_buf_free(&t);
}

void
pg_sub(mb_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vtext(b, "sub", fmt, ap);
	va_end(ap);
}

void
pg_warn(mb_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vtext(b, "warn", fmt, ap);
	va_end(ap);
}

void
pg_time(mb_buf *b, int64_t ms)
{
	mb_tm tm;

	mb_time_split(ms, &tm);
	mb_buf_printf(b, "%04d-%02d-%02d %02d:%02d UTC", tm.year, tm.month,
	    tm.day, tm.hour, tm.min);
}

void
pg_notes(mb_buf *b, const dash_table *t, int measure)
{
	size_t n;

	if (t->error != NULL)
		pg_warn(b, "Could not read %s: %s", t->src, t->error);
	if (t->bad_lines > 0)
		pg_warn(b, "%llu line%s of %s %s not JSON and %s left out.",
		    (unsigned long long)t->bad_lines, t->bad_lines > 1 ? "s" : "",
		    t->src, t->bad_lines > 1 ? "were" : "was",
		    t->bad_lines > 1 ? "are" : "is");
	if (measure >= 0 && (n = dash_col_bad(t, measure)) > 0)
		pg_warn(b, "%zu value%s of %s %s not a finite number (such as "
		    "NaN or Infinity) and %s left out.", n, n > 1 ? "s" : "",
		    t->cols[measure].name, n > 1 ? "were" : "was",
		    n > 1 ? "are" : "is");
	if (t->dropped_cols > 0)
		pg_warn(b, "Fields past the first %d were left out.",
		    DASH_MAX_COLS);
}

/* ---- KPI tiles --------------------------------------------------------- */

static void
kpi_value(mb_buf *b, double v, enum chart_unit u)
{
	if ((u == CHART_MONEY && fabs(v) >= 1e5) ||
	    (u == CHART_COUNT && fabs(v) >= 1e6) || u == CHART_NUM)
		chart_num_short(b, v, u);
	else
		chart_num_full(b, v, u);
}

static void
kpis(mb_buf *b, const dash *d)
{
	dash_kpi k[DASH_MAX_KPIS];
	chart_series s;
	chart_opts o;
	double ch;
	int n, i, dir, good;

	if ((n = dash_kpis(d, k)) == 0)
		return;
	mb_buf_adds(b, "<section class=\"kpis\" aria-label=\"Key figures\">\n");
	for (i = 0; i < n; i++) {
		mb_buf_adds(b, "<div class=\"kpi\" data-kpi=\"");
		chart_escs(b, k[i].name);
		mb_buf_adds(b, "\"><div class=\"k\">");
		chart_escs(b, k[i].name);
		mb_buf_adds(b, "<span>");
		chart_escs(b, k[i].period);
		mb_buf_adds(b, "</span></div><div class=\"v\" title=\"");
		chart_num_full(b, k[i].v, k[i].unit);
		mb_buf_adds(b, "\">");
		kpi_value(b, k[i].v, k[i].unit);
		mb_buf_adds(b, "</div>");
		if (!isnan(k[i].prev)) {
			/* a rate changes by points, the rest by percent */
			if (k[i].unit == CHART_PCT)
				ch = k[i].v - k[i].prev;
			else
				ch = k[i].prev != 0 ? (k[i].v - k[i].prev) /
				    fabs(k[i].prev) * 100 : NAN;
			dir = isnan(ch) || fabs(ch) < 0.05 ? 0 : ch > 0 ? 1 : -1;
			good = dir * k[i].up_good;
			mb_buf_printf(b, "<div class=\"d%s\">",
			    good > 0 ? " good" : good < 0 ? " bad" : "");
			mb_buf_adds(b, dir > 0 ? "\xe2\x96\xb2 " : dir < 0 ?
			    "\xe2\x96\xbc " : "\xe2\x97\x8f ");
			if (isnan(ch))
				mb_buf_adds(b, "\xe2\x80\x93");
			else
				mb_buf_printf(b, "%s%.1f%s", ch > 0 ? "+" : ch < 0 ?
				    "\xe2\x88\x92" : "", fabs(ch),
				    k[i].unit == CHART_PCT ? " pt" : "%");
			mb_buf_adds(b, " <span>vs ");
			chart_escs(b, k[i].prev_period);
			mb_buf_adds(b, " (");
			kpi_value(b, k[i].prev, k[i].unit);
			mb_buf_adds(b, ")</span></div>");
		} else
			mb_buf_adds(b, "<div class=\"d\"><span>no period before"
			    "</span></div>");
		memset(&s, 0, sizeof(s));
		s.x = k[i].x;
		s.y = k[i].y;
		s.n = k[i].n;
		s.color = k[i].up_good < 0 ? 5 : 0;
		s.area = 1;
		memset(&o, 0, sizeof(o));
		o.w = 240;
		o.h = 38;
		o.xtime = 1;
		o.unit = k[i].unit;
		o.ymin = o.ymax = NAN;
		o.spark = 1;
		o.aria = k[i].name;
		if (k[i].n > 1)
			chart_line(b, &s, 1, &o);
		mb_buf_adds(b, "</div>\n");
	}
	mb_buf_adds(b, "</section>\n");
	dash_kpis_free(k, n);
}

/* ---- tables of no known kind ------------------------------------------- */

static void
table_view(mb_buf *b, const dash_table *t)
{
	size_t r, n;
	const char *s;
	int c, nc = t->ncols < TABLE_COLS ? t->ncols : TABLE_COLS, num;

	mb_buf_adds(b, "<div class=\"tablewrap\"><table><thead><tr>");
	for (c = 0; c < nc; c++) {
		mb_buf_printf(b, "<th%s>", dash_col_numeric(t, c) ?
		    " class=\"num\"" : "");
		chart_escs(b, t->cols[c].name);
		mb_buf_adds(b, "</th>");
	}
	mb_buf_adds(b, "</tr></thead><tbody>\n");
	for (r = 0; r < t->nrows && r < TABLE_ROWS; r++) {
		mb_buf_adds(b, "<tr>");
		for (c = 0; c < nc; c++) {
			num = dash_col_numeric(t, c);
			if ((s = dash_str(t, c, r, &n)) == NULL) {
				mb_buf_printf(b, "<td class=\"id%s\">%s</td>",
				    num ? " num" : "", t->cols[c].cells[r].type ==
				    DASH_C_NULL ? "null" : "");
				continue;
			}
			if (t->cols[c].cells[r].type == DASH_C_NUM) {
				mb_buf_adds(b, "<td class=\"num\">");
				chart_num_text(b, s, n);
			} else {
				mb_buf_printf(b, "<td class=\"%scut\" title=\"",
				    num ? "num " : "");
				chart_esc(b, s, n);
				mb_buf_adds(b, "\">");
				chart_esc(b, s, n);
			}
			mb_buf_adds(b, "</td>");
		}
		mb_buf_adds(b, "</tr>\n");
	}
	mb_buf_adds(b, "</tbody></table></div>\n");
	if (t->nrows > TABLE_ROWS || t->ncols > nc) {
		mb_buf_adds(b, "<p class=\"more\">");
		if (t->nrows > TABLE_ROWS)
			mb_buf_printf(b, "The first %d of %zu rows", TABLE_ROWS,
			    t->nrows);
		else
			mb_buf_printf(b, "All %zu rows", t->nrows);
		if (t->ncols > nc)
			mb_buf_printf(b, "; %d more field%s not shown",
			    t->ncols - nc, t->ncols - nc > 1 ? "s" : "");
		mb_buf_adds(b, ".</p>\n");
	}
}

/* A line per category (when there are few) or the sum of all rows. */
static void
time_view(mb_buf *b, const dash_table *t, const dash_layout *l, int w)
{
	const char *v[SERIES_MAX + 1];
	size_t len[SERIES_MAX + 1];
	chart_series s[SERIES_MAX];
	dash_ts ts[SERIES_MAX];
	chart_opts o;
	int k, nk = 0;

	if (l->cat >= 0)
		nk = dash_distinct(t, l->cat, v, len, SERIES_MAX + 1);
	if (nk > SERIES_MAX || nk < 2)
		nk = 0;
	memset(s, 0, sizeof(s));
	for (k = 0; k < (nk ? nk : 1); k++) {
		dash_series(t, l->tcol, l->ycol, l->mcol, l->measure,
		    nk ? l->cat : -1, nk ? v[k] : NULL, nk ? len[k] : 0, &ts[k]);
		s[k].x = ts[k].x;
		s[k].y = ts[k].y;
		s[k].n = ts[k].n;
		s[k].color = k;
		s[k].dash = k % 3;
		s[k].hover = 1;
		s[k].area = nk == 0;
		if (nk)
			s[k].name = mb_xstrndup(v[k], len[k]);
	}
	memset(&o, 0, sizeof(o));
	o.w = pg_px(w);
	o.h = 260;
	o.xtime = 1;
	o.unit = l->unit;
	o.ymin = o.ymax = NAN;
	o.zero = 1;
	o.label_last = 1;
	o.legend = nk > 1;
	o.aria = t->name;
	chart_line(b, s, nk ? nk : 1, &o);
	for (k = 0; k < (nk ? nk : 1); k++) {
		dash_ts_free(&ts[k]);
		free((char *)s[k].name);
	}
}

static void
bars_view(mb_buf *b, const dash_table *t, const dash_layout *l, int w)
{
	chart_bar *bars;
	chart_bar_opts o;
	mb_buf names = {0};
	int n;

	n = dash_sums(t, l->cat, l->measure, BARS_TOP, &bars, &names, NULL);
	memset(&o, 0, sizeof(o));
	o.w = pg_px(w);
	o.nv = 1;
	o.unit = l->unit;
	o.aria = t->name;
	chart_hbars(b, bars, n, &o);
	free(bars);
	mb_buf_free(&names);
}

static void
generic(page *pg, mb_buf *b, const dash_table *t, int w, int i)
{
	dash_layout l;
	mb_buf id = {0};

	dash_layout_of(t, &l);
	mb_buf_printf(&id, "table-%d", i + 1);
	pg_card_open(b, w, mb_buf_cstr(&id), t, t->name);
	mb_buf_free(&id);
	if (t->nrows == 0) {
		pg_sub(b, "%s", t->src);
		pg_notes(b, t, -1);
		if (t->error == NULL)
			pg_warn(b, "No records.");
		mb_buf_adds(b, "</section>\n");
		return;
	}
	if (l.measure >= 0 && (l.tcol >= 0 || l.ycol >= 0)) {
		pg_sub(b, "%s over time, %zu row%s", t->cols[l.measure].name,
		    t->nrows, t->nrows > 1 ? "s" : "");
		pg_notes(b, t, l.measure);
		time_view(b, t, &l, w);
	} else if (l.measure >= 0 && l.cat >= 0) {
		pg_sub(b, "%s by %s, %zu row%s", t->cols[l.measure].name,
		    t->cols[l.cat].name, t->nrows, t->nrows > 1 ? "s" : "");
		pg_notes(b, t, l.measure);
		bars_view(b, t, &l, w);
	} else {
		pg_sub(b, "%zu row%s, %d field%s", t->nrows,
		    t->nrows > 1 ? "s" : "", t->ncols, t->ncols > 1 ? "s" : "");
		pg_notes(b, t, -1);
		table_view(b, t);
	}
	mb_buf_adds(b, "</section>\n");
}

/* ---- the page ---------------------------------------------------------- */

/* A row of cards: those that have something to draw share 12 columns in
 * the proportions asked for. */
static void
row(page *pg, mb_buf *b, card_fn f1, int w1, card_fn f2, int w2)
{
	int h1 = f1(pg, b, 0), h2 = f2 != NULL && f2(pg, b, 0);

	if (h1 && h2) {
		f1(pg, b, w1);
		f2(pg, b, w2);
	} else if (h1)
		f1(pg, b, 12);
	else if (h2)
		f2(pg, b, 12);
}

static void
footer(mb_buf *b, const dash *d)
{
	const dash_table *t;
	int i, n = d->nt + (d->summary != NULL) + (d->dq != NULL);

	mb_buf_adds(b, "<footer>Made by mb-dash " MB_VERSION " at ");
	pg_time(b, d->now);
	mb_buf_adds(b, n ? " from:\n<ul>\n" : ".\n");
	for (i = 0; i < n; i++) {
		t = i < d->nt ? d->t[i] : i == d->nt && d->summary != NULL ?
		    d->summary : d->dq;
		mb_buf_adds(b, "<li>");
		chart_escs(b, t->name);
		mb_buf_adds(b, ": ");
		chart_escs(b, t->src);
		if (t->error != NULL)
			mb_buf_adds(b, " (not readable)");
		else {
			mb_buf_adds(b, " (");
			if (t->origin != NULL) {
				chart_escs(b, t->origin);
				mb_buf_adds(b, "; ");
			}
			mb_buf_printf(b, "%zu record%s)", t->nrows,
			    t->nrows == 1 ? "" : "s");
		}
		mb_buf_adds(b, "</li>\n");
	}
	if (n)
		mb_buf_adds(b, "</ul>\n");
	mb_buf_adds(b, "</footer>\n");
}

void
dash_html(mb_buf *b, const dash *d)
{
	page pg = { d, NULL, NULL, NULL, NULL, {0} };
	dash_kpi k[DASH_MAX_KPIS];
	const char *title = d->title;
	int i, j, nk, left, w;

	pg.used = mb_xcalloc((size_t)d->nt + 1, 1);
	nk = dash_kpis(d, k);
	if (title == NULL)
		title = nk > 0 ? "Sales dashboard" : "Dashboard";
	mb_buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width,"
	    "initial-scale=1\">\n"
	    /* the page loads nothing and runs no script, even one that
	     * escaped the escaping */
	    "<meta http-equiv=\"Content-Security-Policy\" content=\""
	    "default-src 'none'; style-src 'unsafe-inline'; "
	    "base-uri 'none'; form-action 'none'\">\n");
	if (d->refresh > 0)
		mb_buf_printf(b, "<meta http-equiv=\"refresh\" content=\"%d\">\n",
		    d->refresh);
	mb_buf_adds(b, "<meta name=\"generator\" content=\"mb-dash "
	    MB_VERSION "\">\n<title>");
	chart_escs(b, title);
	mb_buf_adds(b, "</title>\n<style>\n");
	mb_buf_adds(b, dash_css);
	mb_buf_adds(b, "</style>\n</head>\n<body>\n<header class=\"top\">"
	    "<h1>");
	chart_escs(b, title);
	mb_buf_adds(b, "</h1><p class=\"sub\">");
	if (nk > 0) {
		mb_buf_adds(b, "Latest period ");
		chart_escs(b, k[0].period);
		mb_buf_adds(b, " \xc2\xb7 ");
	}
	mb_buf_adds(b, "made ");
	pg_time(b, d->now);
	if (d->refresh > 0)
		mb_buf_printf(b, " \xc2\xb7 reloads every %d s", d->refresh);
	mb_buf_adds(b, "</p></header>\n<main>\n");
	dash_kpis_free(k, nk);
	kpis(b, d);
	mb_buf_adds(b, "<div class=\"grid\">\n");
	row(&pg, b, card_trend, 8, card_summary, 4);
	row(&pg, b, card_groups1, 6, card_groups2, 6);
	row(&pg, b, card_top1, 6, card_top2, 6);
	row(&pg, b, card_daily, 12, NULL, 0);
	row(&pg, b, card_rfm, 6, card_rates, 6);
	row(&pg, b, card_dq, 12, NULL, 0);
	/* the rest, two to a row */
	for (i = 0, left = 0; i < d->nt; i++)
		left += !pg.used[i];
	for (i = 0, j = 0; i < d->nt; i++) {
		if (pg.used[i])
			continue;
		w = left % 2 == 1 && j == left - 1 ? 12 : 6;
		generic(&pg, b, d->t[i], w, i);
		j++;
	}
	mb_buf_adds(b, "</div>\n</main>\n");
	footer(b, d);
	mb_buf_adds(b, "</body>\n</html>\n");
	free(pg.used);
	mb_buf_free(&pg.tmp);
}
