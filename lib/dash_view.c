/* dash_view.c: what the dashboard draws from its tables: KPIs with their
 * change against the period before, series over time, sums per group
 * with a top N and "other", and the layout of a table of no known kind.
 * See dash.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dash.h"
#include "htab.h"

#define DAY_MS 86400000.0

/* A row's time: a date or time string (or epoch number) in tcol, or a
 * year and a month; NaN when it has none. */
static double
row_time(const dash_table *t, int tcol, int ycol, int mcol, size_t r)
{
	const char *s;
	size_t n;
	int64_t ms;
	double y, m;

	if (tcol >= 0) {
		if ((s = dash_str(t, tcol, r, &n)) == NULL ||
		    mb_time_parse(s, n, &ms) == -1)
			return NAN;
		return (double)ms;
	}
	y = dash_num(t, ycol, r);
	m = dash_num(t, mcol, r);
	if (isnan(y) || isnan(m) || m < 1 || m > 12 || y < -9999 || y > 9999 ||
	    y != floor(y) || m != floor(m))
		return NAN;
	return (double)mb_days_from_civil((int64_t)y, (unsigned)m, 1) * DAY_MS;
}

typedef struct xy {
	double x, y;
	int have;
} xy;

static int
cmp_xy(const void *a, const void *b)
{
	double x = ((const xy *)a)->x, y = ((const xy *)b)->x;

	return x < y ? -1 : x > y;
}

int
dash_series(const dash_table *t, int tcol, int ycol, int mcol, int col,
    int fcol, const char *fval, size_t fvlen, dash_ts *out)
{
	xy *p = mb_xmalloc((t->nrows + 1) * sizeof(*p));
	size_t r, n = 0, i, k, len;
	const char *s;
	double x, v;

	memset(out, 0, sizeof(*out));
	for (r = 0; r < t->nrows; r++) {
		if (fcol >= 0 && ((s = dash_str(t, fcol, r, &len)) == NULL ||
		    len != fvlen || memcmp(s, fval, len) != 0))
			continue;
		if (isnan(x = row_time(t, tcol, ycol, mcol, r)))
			continue;
		v = dash_num(t, col, r);
		p[n].x = x;
		p[n].y = isnan(v) ? 0 : v;
		p[n].have = !isnan(v);
		n++;
	}
	qsort(p, n, sizeof(*p), cmp_xy);
	out->x = mb_xmalloc((n + 1) * sizeof(double));
	out->y = mb_xmalloc((n + 1) * sizeof(double));
	for (i = 0; i < n; i = k) {
		double sum = 0;
		int have = 0;

		for (k = i; k < n && p[k].x == p[i].x; k++) {
			sum += p[k].y;
			have |= p[k].have;
		}
		out->x[out->n] = p[i].x;
		out->y[out->n++] = have ? sum : NAN;
	}
	free(p);
	return (int)out->n;
}

void
dash_ts_free(dash_ts *s)
{
	free(s->x);
	free(s->y);
	memset(s, 0, sizeof(*s));
}

/* ---- KPIs -------------------------------------------------------------- */

static const dash_table *
find_kind(const dash *d, int kind)
{
	int i;

	for (i = 0; i < d->nt; i++)
		if (d->t[i]->kind == kind)
			return d->t[i];
	return NULL;
}

/* Fills a KPI from a series; the series moves into it.  0 when the
 * series has no value. */
static int
kpi_set(dash_kpi *k, const char *name, dash_ts *s, enum chart_unit u,
    int up_good)
{
	size_t i, last = SIZE_MAX, prev = SIZE_MAX;
	mb_buf b = {0};

	for (i = s->n; i > 0; i--)
		if (!isnan(s->y[i - 1])) {
			if (last == SIZE_MAX)
				last = i - 1;
			else {
				prev = i - 1;
				break;
			}
		}
	if (last == SIZE_MAX) {
		dash_ts_free(s);
		return 0;
	}
	memset(k, 0, sizeof(*k));
	k->name = name;
	k->unit = u;
	k->up_good = up_good;
	k->v = s->y[last];
	k->prev = prev == SIZE_MAX ? NAN : s->y[prev];
	chart_time_point(&b, (int64_t)s->x[last], chart_time_grain(s->x, s->n));
	snprintf(k->period, sizeof(k->period), "%s", mb_buf_cstr(&b));
	if (prev != SIZE_MAX) {
		b.len = 0;
		chart_time_point(&b, (int64_t)s->x[prev],
		    chart_time_grain(s->x, s->n));
		snprintf(k->prev_period, sizeof(k->prev_period), "%s",
		    mb_buf_cstr(&b));
	}
	mb_buf_free(&b);
	k->x = s->x;
	k->y = s->y;
	k->n = s->n;
	memset(s, 0, sizeof(*s));
	return 1;
}

/* a / b per time, over two series of the same times. */
static void
ratio(const dash_ts *a, const dash_ts *b, dash_ts *out)
{
	size_t i;

	out->n = a->n;
	out->x = mb_xmalloc((a->n + 1) * sizeof(double));
	out->y = mb_xmalloc((a->n + 1) * sizeof(double));
	for (i = 0; i < a->n; i++) {
		out->x[i] = a->x[i];
		out->y[i] = i < b->n && b->x[i] == a->x[i] && b->y[i] != 0 ?
		    a->y[i] / b->y[i] : NAN;
	}
}

int
dash_kpis(const dash *d, dash_kpi *k)
{
	const dash_table *t, *c;
	dash_ts rev, ord, s, aov;
	int n = 0, y, m;

	if ((t = find_kind(d, DASH_MONTHLY)) != NULL) {
		y = dash_col(t, "order_year");
		m = dash_col(t, "order_month");
		dash_series(t, -1, y, m, dash_col(t, "total_revenue"), -1,
		    NULL, 0, &rev);
		dash_series(t, -1, y, m, dash_col(t, "total_orders"), -1,
		    NULL, 0, &ord);
		ratio(&rev, &ord, &aov);
		n += kpi_set(&k[n], "Revenue", &rev, CHART_MONEY, 1);
		n += kpi_set(&k[n], "Orders", &ord, CHART_COUNT, 1);
		n += kpi_set(&k[n], "Avg order value", &aov, CHART_MONEY, 1);
		dash_series(t, -1, y, m, dash_col(t, "return_rate_pct"), -1,
		    NULL, 0, &s);
		n += kpi_set(&k[n], "Return rate", &s, CHART_PCT, -1);
		dash_series(t, -1, y, m, dash_col(t, "cancellation_rate_pct"),
		    -1, NULL, 0, &s);
		n += kpi_set(&k[n], "Cancellation rate", &s, CHART_PCT, -1);
		return n;
	}
	if ((t = find_kind(d, DASH_NET_COUNTRY)) != NULL) {
		y = dash_col(t, "year");
		m = dash_col(t, "month");
		dash_series(t, -1, y, m, dash_col(t, "net_revenue"), -1, NULL,
		    0, &rev);
		if ((c = find_kind(d, DASH_CANCEL_RATE)) != NULL) {
			dash_series(c, -1, dash_col(c, "year"),
			    dash_col(c, "month"), dash_col(c, "invoices"), -1,
			    NULL, 0, &ord);
			ratio(&rev, &ord, &aov);
		} else
			memset(&ord, 0, sizeof(ord)), memset(&aov, 0,
			    sizeof(aov));
		n += kpi_set(&k[n], "Net revenue", &rev, CHART_MONEY, 1);
		n += kpi_set(&k[n], "Invoices", &ord, CHART_COUNT, 1);
		n += kpi_set(&k[n], "Avg invoice value", &aov, CHART_MONEY, 1);
	}
	if ((c = find_kind(d, DASH_CANCEL_RATE)) != NULL) {
		if (n == 0) {
			dash_series(c, -1, dash_col(c, "year"),
			    dash_col(c, "month"), dash_col(c, "invoices"), -1,
			    NULL, 0, &ord);
			n += kpi_set(&k[n], "Invoices", &ord, CHART_COUNT, 1);
		}
		dash_series(c, -1, dash_col(c, "year"), dash_col(c, "month"),
		    dash_col(c, "cancellation_rate_pct"), -1, NULL, 0, &s);
		n += kpi_set(&k[n], "Cancellation rate", &s, CHART_PCT, -1);
	}
	return n;
}

void
dash_kpis_free(dash_kpi *k, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free(k[i].x);
		free(k[i].y);
	}
}

/* ---- groups ------------------------------------------------------------ */

typedef struct grp {
	double sum;
	size_t row;		/* first row of the group */
	size_t seq;
	int have;
} grp;

static int
cmp_grp(const void *a, const void *b)
{
	const grp *x = *(grp *const *)a, *y = *(grp *const *)b;

	if (x->have != y->have)
		return y->have - x->have;
	if (x->sum != y->sum)
		return x->sum < y->sum ? 1 : -1;
	return x->seq < y->seq ? -1 : 1;
}

static const char none[] = "(none)";

int
dash_sums(const dash_table *t, int key, int col, int top, chart_bar **bars,
    mb_buf *names, size_t *ngroups)
{
	mb_htab *h = mb_htab_new(sizeof(grp));
	size_t r, len, i, ng;
	const char *s;
	grp *g, **all;
	mb_buf kb = {0};
	double v, rest = 0;
	int created, nb, have_rest = 0;

	for (r = 0; r < t->nrows; r++) {
		/* keys are typed, so a null and a string stay apart */
		kb.len = 0;
		if ((s = dash_str(t, key, r, &len)) == NULL)
			mb_buf_addc(&kb, 'n');
		else {
			mb_buf_addc(&kb, 's');
			mb_buf_add(&kb, s, len);
		}
		g = mb_htab_put(h, kb.p, kb.len, &created);
		if (created) {
			g->row = r;
			g->seq = mb_htab_count(h);
		}
		if (!isnan(v = dash_num(t, col, r))) {
			g->sum += v;
			g->have = 1;
		}
	}
	ng = mb_htab_count(h);
	if (ngroups != NULL)
		*ngroups = ng;
	all = mb_xmalloc((ng + 1) * sizeof(*all));
	for (i = 0; i < ng; i++)
		all[i] = mb_htab_entry(h, i, NULL, NULL);
	qsort(all, ng, sizeof(*all), cmp_grp);
	nb = ng > (size_t)top ? top + 1 : (int)ng;
	*bars = mb_xcalloc((size_t)nb + 1, sizeof(**bars));
	for (i = 0; i < ng; i++) {
		if (i >= (size_t)top) {
			if (all[i]->have) {
				rest += all[i]->sum;
				have_rest = 1;
			}
			continue;
		}
		if ((s = dash_str(t, key, all[i]->row, &len)) == NULL) {
			s = none;
			len = sizeof(none) - 1;
		}
		(*bars)[i].label = s;
		(*bars)[i].len = len;
		(*bars)[i].v[0] = all[i]->have ? all[i]->sum : NAN;
	}
	if (ng > (size_t)top) {
		names->len = 0;
		mb_buf_printf(names, "Other (%zu more)", ng - (size_t)top);
		(*bars)[top].label = mb_buf_cstr(names);
		(*bars)[top].len = names->len;
		(*bars)[top].v[0] = have_rest ? rest : NAN;
		(*bars)[top].other = 1;
	}
	free(all);
	mb_htab_free(h);
	mb_buf_free(&kb);
	return nb;
}

int
dash_distinct(const dash_table *t, int col, const char **v, size_t *len,
    int max)
{
	mb_htab *h = mb_htab_new(1);
	size_t r, n;
	const char *s;
	int k = 0, created;

	for (r = 0; r < t->nrows && k < max; r++) {
		if ((s = dash_str(t, col, r, &n)) == NULL)
			continue;
		mb_htab_put(h, s, n, &created);
		if (created) {
			v[k] = s;
			len[k++] = n;
		}
	}
	mb_htab_free(h);
	return k;
}

long
dash_newest(const dash_table *t)
{
	int c = dash_col(t, "generated_at");
	size_t r, n, bn = 0;
	const char *s, *best = NULL;
	long row = -1;
	int d;

	for (r = 0; r < t->nrows; r++) {
		if ((s = dash_str(t, c, r, &n)) == NULL) {
			if (best == NULL)
				row = (long)r;
			continue;
		}
		d = best == NULL ? 1 : memcmp(s, best, n < bn ? n : bn);
		if (d == 0)
			d = n >= bn;
		if (d >= 0) {
			best = s;
			bn = n;
			row = (long)r;
		}
	}
	return row;
}

/* ---- RFM segments ---------------------------------------------------- */

typedef struct seg {
	double customers, revenue;
	size_t row;
} seg;

static int
cmp_share(const void *a, const void *b)
{
	const chart_bar *x = a, *y = b;

	if (x->v[1] != y->v[1] && !(isnan(x->v[1]) && isnan(y->v[1])))
		return isnan(x->v[1]) ? 1 : isnan(y->v[1]) ? -1 :
		    x->v[1] > y->v[1] ? -1 : 1;
	return 0;
}

int
dash_rfm(const dash_table *t, chart_bar **bars, double *ncust)
{
	int cs = dash_col(t, "segment"), cm = dash_col(t, "monetary_value"),
	    cc = dash_col(t, "customers"), csh = dash_col(t, "customer_share_pct"),
	    crev = dash_col(t, "revenue_share_pct"), c, n = 0;
	mb_htab *h;
	size_t r, len, i, ng;
	double tot = 0, v;
	const char *s;
	seg *g;

	*ncust = 0;
	if (t->kind != DASH_RFM) {	/* one row a segment */
		*bars = mb_xcalloc(t->nrows + 1, sizeof(**bars));
		for (r = 0; r < t->nrows; r++)
			if (!isnan(v = dash_num(t, cc, r)))
				*ncust += v;
		for (r = 0; r < t->nrows; r++) {
			if (((*bars)[n].label = dash_str(t, cs, r, &len)) == NULL)
				continue;
			(*bars)[n].len = len;
			(*bars)[n].v[0] = csh >= 0 ? dash_num(t, csh, r) :
			    *ncust > 0 ? dash_num(t, cc, r) / *ncust * 100 : NAN;
			(*bars)[n++].v[1] = dash_num(t, crev, r);
		}
		qsort(*bars, (size_t)n, sizeof(**bars), cmp_share);
		return n;
	}
	h = mb_htab_new(sizeof(seg));
	for (r = 0; r < t->nrows; r++) {
		if ((s = dash_str(t, cs, r, &len)) == NULL)
			continue;
		g = mb_htab_put(h, s, len, &c);
		if (c)
			g->row = r;
		g->customers++;
		*ncust += 1;
		if (!isnan(v = dash_num(t, cm, r))) {
			g->revenue += v;
			tot += v;
		}
	}
	ng = mb_htab_count(h);
	*bars = mb_xcalloc(ng + 1, sizeof(**bars));
	for (i = 0; i < ng; i++) {
		g = mb_htab_entry(h, i, NULL, NULL);
		(*bars)[i].label = dash_str(t, cs, g->row, &(*bars)[i].len);
		(*bars)[i].v[0] = g->customers / *ncust * 100;
		(*bars)[i].v[1] = tot != 0 ? g->revenue / tot * 100 : NAN;
	}
	mb_htab_free(h);
	qsort(*bars, ng, sizeof(**bars), cmp_share);
	return (int)ng;
}

/* ---- the data-quality report ------------------------------------------- */

/* The value of key in object v of r, or -1. */
static int
member(mb_rec *r, int v, const char *key)
{
	mb_span k;
	int i, c;

	if (v < 0 || mb_rec_type(r, v) != MB_T_OBJ)
		return -1;
	for (i = 0; i < mb_rec_len(r, v); i++) {
		c = mb_rec_child(r, v, i, &k);
		if (k.len == strlen(key) && memcmp(k.p, key, k.len) == 0)
			return c;
	}
	return -1;
}

static double
rnum(mb_rec *r, int v)
{
	double d;

	return v >= 0 && mb_rec_double(r, v, &d) == 0 ? d : NAN;
}

static char *
rstr(mb_rec *r, int v)
{
	mb_buf s = {0};
	char *p;

	if (v < 0 || mb_rec_str(r, v, &s) == -1)
		return mb_xstrdup("");
	p = mb_xstrdup(mb_buf_cstr(&s));
	mb_buf_free(&s);
	return p;
}

static int
cmp_rule(const void *a, const void *b)
{
	const dash_dq_rule *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return 0;
}

int
dash_dq_read(const dash_table *t, dash_dq *q)
{
	mb_rec *r = mb_rec_new();
	mb_buf j = {0};
	const char *text;
	size_t n;
	int c, res, i, v, cfg, kw, mt, f;

	memset(q, 0, sizeof(*q));
	/* the report is one record: put it together again, nested */
	mb_buf_addc(&j, '{');
	for (c = 0; c < t->ncols && t->nrows > 0; c++) {
		if ((text = dash_str(t, c, 0, &n)) == NULL)
			continue;
		if (j.len > 1)
			mb_buf_addc(&j, ',');
		mb_buf_json_str(&j, t->cols[c].name, strlen(t->cols[c].name));
		mb_buf_addc(&j, ':');
		if (t->cols[c].cells[0].type == DASH_C_STR)
			mb_buf_json_str(&j, text, n);
		else
			mb_buf_add(&j, text, n);
	}
	mb_buf_addc(&j, '}');
	if (mb_rec_parse(r, j.p, j.len) == -1 ||
	    isnan(q->in = rnum(r, mb_rec_find(r, "records_in")))) {
		mb_rec_free(r);
		mb_buf_free(&j);
		return -1;
	}
	q->passed = rnum(r, mb_rec_find(r, "passed"));
	q->quarantined = rnum(r, mb_rec_find(r, "quarantined"));
	q->dropped = rnum(r, mb_rec_find(r, "dropped"));
	q->met = rnum(r, mb_rec_find(r, "statistics.successful_expectations"));
	q->failed = rnum(r, mb_rec_find(r,
	    "statistics.unsuccessful_expectations"));
	v = mb_rec_find(r, "meta.complete");
	q->complete = !(v >= 0 && mb_rec_type(r, v) == MB_T_BOOL &&
	    mb_rec_raw(r, v).p[0] == 'f');
	res = mb_rec_find(r, "results");
	if (res >= 0 && mb_rec_type(r, res) == MB_T_ARR) {
		q->rules = mb_xcalloc((size_t)mb_rec_len(r, res) + 1,
		    sizeof(*q->rules));
		for (i = 0; i < mb_rec_len(r, res); i++) {
			dash_dq_rule *u = &q->rules[q->nrules];

			v = mb_rec_child(r, res, i, NULL);
			c = member(r, v, "result");
			u->count = rnum(r, member(r, c, "unexpected_count"));
			if (!(u->count > 0))
				continue;
			u->pct = rnum(r, member(r, c, "unexpected_percent"));
			cfg = member(r, v, "expectation_config");
			kw = member(r, cfg, "kwargs");
			mt = member(r, cfg, "meta");
			if ((f = member(r, kw, "column")) < 0)
				f = member(r, kw, "expression");
			u->rule = rstr(r, member(r, mt, "rule"));
			u->field = rstr(r, f);
			u->action = rstr(r, member(r, mt, "action"));
			q->nrules++;
		}
		qsort(q->rules, (size_t)q->nrules, sizeof(*q->rules), cmp_rule);
	}
	mb_rec_free(r);
	mb_buf_free(&j);
	return 0;
}

void
dash_dq_free(dash_dq *q)
{
	int i;

	for (i = 0; i < q->nrules; i++) {
		free(q->rules[i].rule);
		free(q->rules[i].field);
		free(q->rules[i].action);
	}
	free(q->rules);
	memset(q, 0, sizeof(*q));
}

/* ---- layout of other tables -------------------------------------------- */

static int
ends(const char *s, const char *suf)
{
	size_t n = strlen(s), k = strlen(suf);

	return n >= k && strcmp(s + n - k, suf) == 0;
}

enum chart_unit
dash_unit_of(const char *name)
{
	static const char *const money[] = { "revenue", "amount", "sales",
		"price", "value", "monetary", "spend", "cost", NULL };
	static const char *const count[] = { "count", "orders", "units",
		"customers", "invoices", "quantity", "records", NULL };
	int i;

	if (ends(name, "_pct") || ends(name, "percent") || ends(name, "share"))
		return CHART_PCT;
	for (i = 0; money[i] != NULL; i++)
		if (strstr(name, money[i]) != NULL)
			return CHART_MONEY;
	if (strncmp(name, "avg", 3) == 0 || strstr(name, "mean") != NULL)
		return CHART_NUM;
	for (i = 0; count[i] != NULL; i++)
		if (strstr(name, count[i]) != NULL)
			return CHART_COUNT;
	return CHART_NUM;
}

/* A string column whose values look like dates or times. */
static int
time_col(const dash_table *t, int c)
{
	size_t r, n, seen = 0;
	const char *s;
	int64_t ms;

	if (t->cols[c].nstr == 0 || t->cols[c].nnum > 0)
		return 0;
	for (r = 0; r < t->nrows && seen < 20; r++) {
		if ((s = dash_str(t, c, r, &n)) == NULL)
			continue;
		if (n < 8 || s[0] < '0' || s[0] > '9' || memchr(s, '-', n) ==
		    NULL || mb_time_parse(s, n, &ms) == -1)
			return 0;
		seen++;
	}
	return seen > 0;
}

static int
part_of_time(const char *name)
{
	return strcmp(name, "year") == 0 || strcmp(name, "month") == 0 ||
	    strcmp(name, "day") == 0 || ends(name, "_year") ||
	    ends(name, "_month") || ends(name, "_day") ||
	    strcmp(name, "rank") == 0 || ends(name, "_id") ||
	    strcmp(name, "id") == 0;
}

void
dash_layout_of(const dash_table *t, dash_layout *l)
{
	static const char *const pref[] = { "net_revenue", "revenue", "sales",
		"amount", "total", "sum", "value", "count", "orders", "units",
		NULL };
	int c, i, k;
	char *y;

	l->tcol = l->ycol = l->mcol = l->cat = l->measure = -1;
	l->unit = CHART_NUM;
	for (c = 0; c < t->ncols && l->tcol < 0; c++)
		if (time_col(t, c))
			l->tcol = c;
	for (c = 0; c < t->ncols && l->tcol < 0 && l->ycol < 0; c++) {
		const char *nm = t->cols[c].name;

		if (!dash_col_numeric(t, c) || (strcmp(nm, "year") != 0 &&
		    !ends(nm, "_year")))
			continue;
		y = mb_xstrdup(nm);
		strcpy(y + strlen(y) - 4, "month");
		if ((k = dash_col(t, y)) >= 0 && dash_col_numeric(t, k)) {
			l->ycol = c;
			l->mcol = k;
		}
		free(y);
	}
	for (i = 0; pref[i] != NULL && l->measure < 0; i++)
		for (c = 0; c < t->ncols; c++)
			if (dash_col_numeric(t, c) && !part_of_time(t->cols[c].name)
			    && strstr(t->cols[c].name, pref[i]) != NULL) {
				l->measure = c;
				break;
			}
	for (c = 0; c < t->ncols && l->measure < 0; c++)
		if (dash_col_numeric(t, c) && !part_of_time(t->cols[c].name))
			l->measure = c;
	for (c = 0; c < t->ncols && l->cat < 0; c++)
		if (c != l->tcol && t->cols[c].nstr > 0 &&
		    !dash_col_numeric(t, c) && t->cols[c].name[0] != '_')
			l->cat = c;
	if (l->measure >= 0)
		l->unit = dash_unit_of(t->cols[l->measure].name);
}
