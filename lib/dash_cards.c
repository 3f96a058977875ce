/* dash_cards.c: the cards of the gold tables: revenue over time, the
 * summary, sales by group, top products, daily regional metrics, RFM
 * segments, rates, and data quality.  See dash_page.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dash_page.h"
#include "htab.h"

#define BARS_TOP 15
#define REGIONS_MAX 12
#define RULES_MAX 10
#define TOP_ROWS 10

static chart_opts
line_opts(int w, int h, enum chart_unit u, const char *aria)
{
	chart_opts o;

	memset(&o, 0, sizeof(o));
	o.w = pg_px(w);
	o.h = h;
	o.xtime = 1;
	o.unit = u;
	o.ymin = o.ymax = NAN;
	o.aria = aria;
	return o;
}

static void
range(mb_buf *b, const dash_ts *s)
{
	int g = chart_time_grain(s->x, s->n);

	if (s->n == 0)
		return;
	chart_time_point(b, (int64_t)s->x[0], g);
	if (s->n > 1) {
		mb_buf_adds(b, " to ");
		chart_time_point(b, (int64_t)s->x[s->n - 1], g);
	}
}

/* ---- revenue over time ------------------------------------------------- */

int
card_trend(page *pg, mb_buf *b, int w)
{
	const dash_table *t;
	chart_series s;
	chart_opts o;
	dash_ts ts;
	int col, net = 0;
	mb_buf r = {0};

	if ((t = pg_table(pg, DASH_MONTHLY, w > 0)) == NULL &&
	    (t = pg_table(pg, DASH_NET_COUNTRY, w > 0)) == NULL)
		return 0;
	if (w == 0)
		return 1;
	pg->trend = t;
	net = t->kind == DASH_NET_COUNTRY;
	col = dash_col(t, net ? "net_revenue" : "total_revenue");
	dash_series(t, -1, dash_col(t, net ? "year" : "order_year"),
	    dash_col(t, net ? "month" : "order_month"), col, -1, NULL, 0, &ts);
	range(&r, &ts);
	pg_card_open(b, w, "revenue-trend", t, net ? "Net revenue by month" :
	    "Revenue by month");
	pg_sub(b, "%s of %s%s%s", t->cols[col].name, t->name, r.len ? ", " : "",
	    r.len ? mb_buf_cstr(&r) : "");
	pg_notes(b, t, col);
	memset(&s, 0, sizeof(s));
	s.name = net ? "Net revenue" : "Revenue";
	s.x = ts.x;
	s.y = ts.y;
	s.n = ts.n;
	s.area = s.hover = 1;
	o = line_opts(w, 262, CHART_MONEY, s.name);
	o.zero = o.label_last = 1;
	chart_line(b, &s, 1, &o);
	mb_buf_adds(b, "</section>\n");
	dash_ts_free(&ts);
	mb_buf_free(&r);
	return 1;
}

/* ---- the summary ------------------------------------------------------- */

/* The elements of a JSON array, strings as their text, joined by ", ". */
static void
json_list(mb_buf *b, const char *p, size_t n)
{
	mb_rec *r = mb_rec_new();
	mb_buf w = {0}, s = {0};
	int a, i, v;

	mb_buf_adds(&w, "{\"a\":");
	mb_buf_add(&w, p, n);
	mb_buf_addc(&w, '}');
	if (mb_rec_parse(r, w.p, w.len) == 0 && (a = mb_rec_find(r, "a")) >= 0
	    && mb_rec_type(r, a) == MB_T_ARR) {
		for (i = 0; i < mb_rec_len(r, a); i++) {
			v = mb_rec_child(r, a, i, NULL);
			if (i > 0)
				mb_buf_adds(b, ", ");
			s.len = 0;
			if (mb_rec_type(r, v) == MB_T_STR &&
			    mb_rec_str(r, v, &s) == 0)
				chart_esc(b, s.p, s.len);
			else
				chart_esc(b, mb_rec_raw(r, v).p,
				    mb_rec_raw(r, v).len);
		}
	} else
		chart_esc(b, p, n);
	mb_rec_free(r);
	mb_buf_free(&w);
	mb_buf_free(&s);
}

int
card_summary(page *pg, mb_buf *b, int w)
{
	const dash_table *t = pg->d->summary;
	const char *s, *src = NULL;
	size_t n, sn = 0;
	long r;

	if (t == NULL)
		return 0;
	if (w == 0)
		return 1;
	pg_card_open(b, w, "summary", NULL, "Summary");
	mb_buf_adds(b, "<div class=\"summary\">");
	if (t->error != NULL || t->nrows == 0) {
		pg_notes(b, t, -1);
		if (t->error == NULL)
			pg_warn(b, "No summary: %s has no records.", t->src);
		mb_buf_adds(b, "</div></section>\n");
		return 1;
	}
	r = dash_newest(t);
	if ((s = dash_str(t, dash_col(t, "summary"), (size_t)r, &n)) == NULL ||
	    t->cols[dash_col(t, "summary")].cells[r].type != DASH_C_STR) {
		pg_warn(b, "The newest record of %s has no summary text.",
		    t->src);
		mb_buf_adds(b, "</div></section>\n");
		return 1;
	}
	src = dash_str(t, dash_col(t, "source"), (size_t)r, &sn);
	mb_buf_adds(b, "<p class=\"meta\">Source");
	if (src != NULL) {
		int fb = sn == 8 && memcmp(src, "fallback", 8) == 0;
		const char *m;
		size_t mn;

		mb_buf_printf(b, "<span class=\"badge%s\" data-source=\"",
		    fb ? " bad" : "");
		chart_esc(b, src, sn);
		mb_buf_adds(b, "\">");
		chart_esc(b, src, sn);
		if ((m = dash_str(t, dash_col(t, "model"), (size_t)r, &mn)) !=
		    NULL) {
			mb_buf_adds(b, " \xc2\xb7 ");
			chart_esc(b, m, mn);
		}
		mb_buf_adds(b, "</span>");
	}
	mb_buf_adds(b, "</p>\n<p class=\"text\">");
	chart_esc(b, s, n);
	mb_buf_adds(b, "</p>\n");
	if ((s = dash_str(t, dash_col(t, "rejected"), (size_t)r, &n)) != NULL &&
	    !(n == 2 && memcmp(s, "[]", 2) == 0)) {
		mb_buf_adds(b, "<p class=\"warn\">Figures of the model that "
		    "were not in the data: ");
		json_list(b, s, n);
		mb_buf_adds(b, "</p>\n");
	}
	mb_buf_adds(b, "<p class=\"meta\">");
	if ((s = dash_str(t, dash_col(t, "generated_at"), (size_t)r, &n)) !=
	    NULL) {
		int64_t ms;

		mb_buf_adds(b, "Written ");
		if (mb_time_parse(s, n, &ms) == 0)
			pg_time(b, ms);
		else
			chart_esc(b, s, n);
	}
	if ((s = dash_str(t, dash_col(t, "input_hash"), (size_t)r, &n)) !=
	    NULL) {
		mb_buf_adds(b, " \xc2\xb7 input ");
		chart_esc(b, s, n);
	}
	mb_buf_adds(b, "</p></div></section>\n");
	return 1;
}

/* ---- sales by group ---------------------------------------------------- */

static void
group_card(mb_buf *b, int w, const char *id, const dash_table *t,
    const char *key, const char *val, const char *title,
    const char *singular, const char *plural)
{
	chart_bar *bars;
	chart_bar_opts o;
	mb_buf names = {0};
	int n, k = dash_col(t, key), v = dash_col(t, val);

	size_t ng;

	n = dash_sums(t, k, v, BARS_TOP, &bars, &names, &ng);
	pg_card_open(b, w, id, t, title);
	if (n > BARS_TOP)
		pg_sub(b, "%s of %s: the top %d of %zu %s, and the rest", val,
		    t->name, BARS_TOP, ng, plural);
	else
		pg_sub(b, "%s of %s: %zu %s", val, t->name, ng,
		    ng == 1 ? singular : plural);
	pg_notes(b, t, v);
	memset(&o, 0, sizeof(o));
	o.w = pg_px(w);
	o.nv = 1;
	o.unit = dash_unit_of(val);
	o.aria = title;
	chart_hbars(b, bars, n, &o);
	mb_buf_adds(b, "</section>\n");
	free(bars);
	mb_buf_free(&names);
}

int
card_groups1(page *pg, mb_buf *b, int w)
{
	const dash_table *t;

	if ((t = pg_table(pg, DASH_CATEGORY_STORE, w > 0)) != NULL) {
		if (w > 0) {
			pg->groups = t;
			group_card(b, w, "by-category", t, "category",
			    "revenue", "Sales by category", "category",
			    "categories");
		}
		return 1;
	}
	/* Online Retail: net revenue by country, from the table of the
	 * trend card */
	if ((t = pg->trend) != NULL && t->kind == DASH_NET_COUNTRY) {
		if (w > 0)
			group_card(b, w, "by-country", t, "country",
			    "net_revenue", "Net revenue by country", "country",
			    "countries");
		return 1;
	}
	return 0;
}

int
card_groups2(page *pg, mb_buf *b, int w)
{
	const dash_table *t = w > 0 ? pg->groups :
	    pg_table(pg, DASH_CATEGORY_STORE, 0);

	if (t == NULL)
		return 0;
	if (w > 0)
		group_card(b, w, "by-store", t, "store_id", "revenue",
		    "Sales by store", "store", "stores");
	return 1;
}

/* ---- top products ------------------------------------------------------ */

typedef struct rankrow {
	double rank;
	size_t row;
} rankrow;

static int
cmp_rank(const void *a, const void *b)
{
	const rankrow *x = a, *y = b;

	if (x->rank != y->rank)
		return isnan(x->rank) ? 1 : isnan(y->rank) ? -1 :
		    x->rank < y->rank ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;
}

static void
top_card(mb_buf *b, int w, const dash_table *t, const char *by, size_t bylen,
    int which)
{
	int cby = dash_col(t, "rank_by"), crank = dash_col(t, "rank"),
	    cname = dash_col(t, "product_name"), cid = dash_col(t, "product_id"),
	    cunits = dash_col(t, "units"), crev = dash_col(t, "revenue"), cbar;
	rankrow *rr = mb_xmalloc((t->nrows + 1) * sizeof(*rr));
	size_t r, n = 0, len, i;
	const char *s;
	double max = 0, v;
	mb_buf title = {0}, id = {0};

	for (r = 0; r < t->nrows; r++)
		if ((s = dash_str(t, cby, r, &len)) != NULL && len == bylen &&
		    memcmp(s, by, len) == 0) {
			rr[n].rank = dash_num(t, crank, r);
			rr[n++].row = r;
		}
	qsort(rr, n, sizeof(*rr), cmp_rank);
	if (n > TOP_ROWS)
		n = TOP_ROWS;
	cbar = bylen == 5 && memcmp(by, "units", 5) == 0 ? cunits : crev;
	for (i = 0; i < n; i++)
		if (!isnan(v = dash_num(t, cbar, rr[i].row)) && fabs(v) > max)
			max = fabs(v);
	mb_buf_printf(&title, "Top %zu products by ", n);
	mb_buf_add(&title, by, bylen);
	mb_buf_printf(&id, "top-%d", which);
	pg_card_open(b, w, mb_buf_cstr(&id), t, mb_buf_cstr(&title));
	pg_sub(b, "%s, ranked by %.*s", t->name, (int)bylen, by);
	pg_notes(b, t, cbar);
	mb_buf_adds(b, "<div class=\"tablewrap\"><table><thead><tr>"
	    "<th class=\"rank\">#</th><th>Product</th><th></th>");
	if (cunits >= 0)
		mb_buf_adds(b, "<th class=\"num\">Units</th>");
	mb_buf_adds(b, "<th class=\"num\">Revenue</th></tr></thead><tbody>\n");
	for (i = 0; i < n; i++) {
		r = rr[i].row;
		mb_buf_adds(b, "<tr><td class=\"rank\">");
		if ((s = dash_str(t, crank, r, &len)) != NULL)
			chart_esc(b, s, len);
		mb_buf_adds(b, "</td><td class=\"cut\"");
		if ((s = dash_str(t, cname, r, &len)) == NULL)
			s = dash_str(t, cid, r, &len);
		if (s != NULL) {
			mb_buf_adds(b, " title=\"");
			chart_esc(b, s, len);
			mb_buf_adds(b, "\">");
			chart_esc(b, s, len);
		} else
			mb_buf_adds(b, ">");
		if (cname >= 0 && (s = dash_str(t, cid, r, &len)) != NULL) {
			mb_buf_adds(b, " <span class=\"id\">");
			chart_esc(b, s, len);
			mb_buf_adds(b, "</span>");
		}
		mb_buf_adds(b, "</td><td class=\"barcell\">");
		v = dash_num(t, cbar, r);
		if (!isnan(v) && max > 0)
			mb_buf_printf(b, "<span class=\"inbar\" style=\"width:"
			    "%.1f%%\"></span>", fabs(v) / max * 100);
		mb_buf_adds(b, "</td>");
		if (cunits >= 0) {
			mb_buf_adds(b, "<td class=\"num\">");
			if ((s = dash_str(t, cunits, r, &len)) != NULL)
				chart_num_text(b, s, len);
			mb_buf_adds(b, "</td>");
		}
		mb_buf_adds(b, "<td class=\"num\">");
		if ((s = dash_str(t, crev, r, &len)) != NULL)
			chart_num_text(b, s, len);
		mb_buf_adds(b, "</td></tr>\n");
	}
	mb_buf_adds(b, "</tbody></table></div>\n</section>\n");
	free(rr);
	mb_buf_free(&title);
	mb_buf_free(&id);
}

/* The i-th value of rank_by (in order of first appearance). */
static int
rank_by(const dash_table *t, int i, const char **by, size_t *len)
{
	const char *v[4];
	size_t l[4];
	int n = dash_distinct(t, dash_col(t, "rank_by"), v, l, 4);

	if (i >= n)
		return 0;
	*by = v[i];
	*len = l[i];
	return 1;
}

int
card_top1(page *pg, mb_buf *b, int w)
{
	const dash_table *t = pg_table(pg, DASH_TOP_PRODUCTS, w > 0);
	const char *by;
	size_t len;

	if (t == NULL || !rank_by(t, 0, &by, &len))
		return 0;
	if (w > 0) {
		pg->top = t;
		top_card(b, w, t, by, len, 1);
	}
	return 1;
}

int
card_top2(page *pg, mb_buf *b, int w)
{
	const dash_table *t = w > 0 ? pg->top :
	    pg_table(pg, DASH_TOP_PRODUCTS, 0);
	const char *by;
	size_t len;

	if (t == NULL || !rank_by(t, 1, &by, &len))
		return 0;
	if (w > 0)
		top_card(b, w, t, by, len, 2);
	return 1;
}

/* ---- daily regional metrics -------------------------------------------- */

/* The mean of the last 7 days, at each point. */
static double *
week_mean(const dash_ts *s)
{
	double *m = mb_xmalloc((s->n + 1) * sizeof(double)), sum;
	size_t i, j, k;

	for (i = 0; i < s->n; i++) {
		for (j = i + 1, k = 0, sum = 0; j > 0 &&
		    s->x[i] - s->x[j - 1] < 7 * 86400000.0; j--)
			if (!isnan(s->y[j - 1])) {
				sum += s->y[j - 1];
				k++;
			}
		m[i] = k ? sum / k : NAN;
	}
	return m;
}

static int
cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The top of the small multiples' one scale: the highest 7-day mean, or
 * the 99th percentile of the days when that is higher; a rare day above
 * it is drawn at the top edge (its value is in its title), so that one
 * large order does not flatten every chart. */
static double
scale_top(const dash_ts *ts, int nr, size_t nall)
{
	double *all = mb_xmalloc((nall + 1) * sizeof(double)), top = 0, *m;
	size_t i, n = 0;
	int k;

	for (k = 0; k < nr; k++) {
		m = week_mean(&ts[k]);
		for (i = 0; i < ts[k].n; i++) {
			if (!isnan(ts[k].y[i]))
				all[n++] = ts[k].y[i];
			if (!isnan(m[i]) && m[i] > top)
				top = m[i];
		}
		free(m);
	}
	if (n > 0) {
		qsort(all, n, sizeof(double), cmp_dbl);
		if (all[(n - 1) * 99 / 100] > top)
			top = all[(n - 1) * 99 / 100];
	}
	free(all);
	return top;
}

int
card_daily(page *pg, mb_buf *b, int w)
{
	const dash_table *t = pg_table(pg, DASH_DAILY_REGION, w > 0);
	const char *v[REGIONS_MAX + 1];
	size_t len[REGIONS_MAX + 1];
	dash_ts ts[REGIONS_MAX];
	chart_series s[2];
	chart_opts o;
	double ymax = 0, tot;
	int nr, k, cd, cr, crev;
	size_t i, nall;
	double *mean;
	mb_buf r = {0};

	if (t == NULL)
		return 0;
	if (w == 0)
		return 1;
	cd = dash_col(t, "order_date");
	cr = dash_col(t, "region");
	crev = dash_col(t, "revenue");
	nr = dash_distinct(t, cr, v, len, REGIONS_MAX + 1);
	pg_card_open(b, w, "daily-region", t, "Daily revenue by region");
	if (nr > REGIONS_MAX)
		nr = REGIONS_MAX;
	for (k = 0, nall = 0; k < nr; k++) {
		dash_series(t, cd, -1, -1, crev, cr, v[k], len[k], &ts[k]);
		nall += ts[k].n;
	}
	ymax = scale_top(ts, nr, nall);
	if (nr > 0)
		range(&r, &ts[0]);
	pg_sub(b, "revenue of %s per day and its 7-day mean, one chart a "
	    "region, on one scale%s%s", t->name, r.len ? "; " : "",
	    r.len ? mb_buf_cstr(&r) : "");
	pg_notes(b, t, crev);
	if (dash_distinct(t, cr, v, len, REGIONS_MAX + 1) > REGIONS_MAX)
		pg_warn(b, "Only the first %d regions are drawn.", REGIONS_MAX);
	mb_buf_adds(b, "<div class=\"multi\">\n");
	for (k = 0; k < nr; k++) {
		for (i = 0, tot = 0; i < ts[k].n; i++)
			if (!isnan(ts[k].y[i]))
				tot += ts[k].y[i];
		mb_buf_adds(b, "<div><h3>");
		chart_esc(b, v[k], len[k]);
		mb_buf_adds(b, " <span>");
		chart_num_short(b, tot, CHART_MONEY);
		mb_buf_adds(b, " in all</span></h3>");
		mean = week_mean(&ts[k]);
		memset(s, 0, sizeof(s));
		s[0].x = ts[k].x;
		s[0].y = ts[k].y;
		s[0].n = ts[k].n;
		s[0].faint = s[0].hover = 1;
		s[0].name = "revenue";
		s[1].x = ts[k].x;
		s[1].y = mean;
		s[1].n = ts[k].n;
		s[1].name = "7-day mean";
		o = line_opts(3, 128, CHART_MONEY, NULL);
		o.w = 300;
		o.zero = 1;
		o.ymax = ymax;
		o.label_last = 0;
		chart_line(b, s, 2, &o);
		mb_buf_adds(b, "</div>\n");
		free(mean);
		dash_ts_free(&ts[k]);
	}
	mb_buf_adds(b, "</div>\n</section>\n");
	mb_buf_free(&r);
	return 1;
}

/* ---- RFM segments ------------------------------------------------------ */

int
card_rfm(page *pg, mb_buf *b, int w)
{
	const dash_table *t = pg_table(pg, DASH_RFM_SEGMENTS, w > 0);
	chart_bar *bars;
	chart_bar_opts o;
	double ncust = 0;
	int n;

	if (t == NULL && (t = pg_table(pg, DASH_RFM, w > 0)) == NULL)
		return 0;
	if (w == 0)
		return 1;
	n = dash_rfm(t, &bars, &ncust);
	pg_card_open(b, w, "rfm", t, "Customer segments (RFM)");
	pg->tmp.len = 0;
	chart_num_full(&pg->tmp, ncust, CHART_COUNT);
	pg_sub(b, "%s customers in %d segments, from %s", mb_buf_cstr(&pg->tmp),
	    n, t->name);
	pg_notes(b, t, t->kind == DASH_RFM ? dash_col(t, "monetary_value") :
	    dash_col(t, "revenue_share_pct"));
	memset(&o, 0, sizeof(o));
	o.w = pg_px(w);
	o.nv = 2;
	o.vname[0] = "share of customers";
	o.vname[1] = "share of revenue";
	o.color[0] = 1;
	o.color[1] = 0;
	o.unit = CHART_PCT;
	o.aria = "RFM segments";
	chart_hbars(b, bars, n, &o);
	mb_buf_adds(b, "</section>\n");
	free(bars);
	return 1;
}

/* ---- rates ------------------------------------------------------------- */

int
card_rates(page *pg, mb_buf *b, int w)
{
	const dash_table *t = pg->trend;
	chart_series s[2];
	dash_ts ts[2];
	chart_opts o;
	int y, m, n = 0, cr = -1, cc = -1;

	if (t != NULL && t->kind == DASH_MONTHLY) {
		cr = dash_col(t, "return_rate_pct");
		cc = dash_col(t, "cancellation_rate_pct");
		y = dash_col(t, "order_year");
		m = dash_col(t, "order_month");
	}
	if (cr < 0 && cc < 0) {
		if ((t = pg_table(pg, DASH_CANCEL_RATE, w > 0)) == NULL)
			return 0;
		cc = dash_col(t, "cancellation_rate_pct");
		y = dash_col(t, "year");
		m = dash_col(t, "month");
	}
	if (w == 0)
		return 1;
	memset(s, 0, sizeof(s));
	if (cr >= 0) {
		dash_series(t, -1, y, m, cr, -1, NULL, 0, &ts[n]);
		s[n].name = "return rate";
		s[n].color = 5;
		n++;
	}
	if (cc >= 0) {
		dash_series(t, -1, y, m, cc, -1, NULL, 0, &ts[n]);
		s[n].name = "cancellation rate";
		s[n].color = 3;
		s[n].dash = n;
		n++;
	}
	pg_card_open(b, w, "rates", t, n > 1 ? "Return and cancellation rates"
	    : "Cancellation rate");
	pg_sub(b, "share of orders per month, from %s", t->name);
	pg_notes(b, t, cc);
	for (y = 0; y < n; y++) {
		s[y].x = ts[y].x;
		s[y].y = ts[y].y;
		s[y].n = ts[y].n;
		s[y].hover = 1;
	}
	o = line_opts(w, 250, CHART_PCT, "rates");
	o.legend = o.label_last = 1;
	chart_line(b, s, n, &o);
	mb_buf_adds(b, "</section>\n");
	for (y = 0; y < n; y++)
		dash_ts_free(&ts[y]);
	return 1;
}

/* ---- data quality ------------------------------------------------------ */

/* Passed, quarantined and dropped as one bar. */
static void
flow_bar(mb_buf *b, const dash_dq *q, int w)
{
	static const char *const cls[] = { "f2", "f5", "other" };
	static const char *const what[] = { "passed", "quarantined", "dropped" };
	double part[3] = { q->passed, q->quarantined, q->dropped };
	double x = 0, pw = pg_px(w), wd;
	int i;

	mb_buf_printf(b, "<svg class=\"chart\" viewBox=\"0 0 %d 14\" role=\"img\" "
	    "aria-label=\"records by outcome\">", (int)pw);
	for (i = 0; i < 3; i++) {
		if (!(part[i] > 0) || !(q->in > 0))
			continue;
		wd = part[i] / q->in * pw;
		mb_buf_printf(b, "<rect class=\"bar %s\" x=\"%.1f\" y=\"0\" "
		    "width=\"%.1f\" height=\"14\"><title>%s: ", cls[i], x,
		    wd < 1 ? 1 : wd, what[i]);
		chart_num_full(b, part[i], CHART_COUNT);
		mb_buf_printf(b, " (%.2f%%)</title></rect>",
		    part[i] / q->in * 100);
		x += wd;
	}
	mb_buf_adds(b, "</svg>\n");
}

int
card_dq(page *pg, mb_buf *b, int w)
{
	static const char *const what[] = { "passed to silver", "quarantined",
		"dropped" };
	const dash_table *t = pg->d->dq;
	dash_dq q;
	double part[3];
	int i;

	if (t == NULL)
		return 0;
	if (w == 0)
		return 1;
	pg_card_open(b, w, "dq", t, "Data quality");
	if (t->error != NULL || t->nrows == 0) {
		pg_notes(b, t, -1);
		mb_buf_adds(b, "</section>\n");
		return 1;
	}
	if (dash_dq_read(t, &q) == -1) {
		pg_warn(b, "%s is not a report of mb-validate (it has no "
		    "records_in).", t->src);
		mb_buf_adds(b, "</section>\n");
		return 1;
	}
	mb_buf_adds(b, "<p class=\"sub\">");
	chart_escs(b, t->src);
	if (!isnan(q.met) && !isnan(q.failed))
		mb_buf_printf(b, "<span class=\"badge %s\">%.0f of %.0f "
		    "expectations met</span>", q.failed > 0 ? "bad" : "good",
		    q.met, q.met + q.failed);
	mb_buf_adds(b, "</p>\n");
	if (!q.complete)
		pg_warn(b, "The run was cut short: the report covers only the "
		    "records read until then.");
	mb_buf_adds(b, "<div class=\"flow\"><div><b>");
	chart_num_full(b, q.in, CHART_COUNT);
	mb_buf_adds(b, "</b>records read (bronze)</div>");
	part[0] = q.passed;
	part[1] = q.quarantined;
	part[2] = q.dropped;
	for (i = 0; i < 3; i++) {
		if (isnan(part[i]) || (i == 2 && part[i] == 0))
			continue;
		mb_buf_adds(b, "<div><b>");
		chart_num_full(b, part[i], CHART_COUNT);
		mb_buf_printf(b, "</b>%s", what[i]);
		if (q.in > 0)
			mb_buf_printf(b, " \xc2\xb7 %.2f%%", part[i] / q.in * 100);
		mb_buf_adds(b, "</div>");
	}
	mb_buf_adds(b, "</div>\n");
	flow_bar(b, &q, w);
	if (q.nrules > 0) {
		mb_buf_adds(b, "<h3 class=\"sub\">Failing rules</h3>"
		    "<div class=\"tablewrap\"><table><thead><tr>"
		    "<th>Rule</th><th>Field or expression</th>"
		    "<th class=\"num\">Records</th><th class=\"num\">Share</th>"
		    "<th>Action</th></tr></thead><tbody>\n");
		for (i = 0; i < q.nrules && i < RULES_MAX; i++) {
			mb_buf_adds(b, "<tr><td>");
			chart_escs(b, q.rules[i].rule);
			mb_buf_adds(b, "</td><td class=\"cut\">");
			if (*q.rules[i].field == '\0')
				mb_buf_adds(b, "\xe2\x80\x93");	/* the record */
			else
				chart_escs(b, q.rules[i].field);
			mb_buf_adds(b, "</td><td class=\"num\">");
			chart_num_full(b, q.rules[i].count, CHART_COUNT);
			mb_buf_adds(b, "</td><td class=\"num\">");
			if (!isnan(q.rules[i].pct))
				mb_buf_printf(b, "%.2f%%", q.rules[i].pct);
			mb_buf_adds(b, "</td><td>");
			chart_escs(b, q.rules[i].action);
			mb_buf_adds(b, "</td></tr>\n");
		}
		mb_buf_adds(b, "</tbody></table></div>\n");
		if (q.nrules > RULES_MAX)
			mb_buf_printf(b, "<p class=\"more\">%d more rules "
			    "failed.</p>\n", q.nrules - RULES_MAX);
	}
	mb_buf_adds(b, "</section>\n");
	dash_dq_free(&q);
	return 1;
}
