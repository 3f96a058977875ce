/*
 * digest.c: recognises a table (the retail pipeline's gold tables by
 * their fields, any other by the types of its fields), runs the analyses
 * of digest_series.c over it, keeps the facts, and writes them as JSON.
 */
#include <stdlib.h>
#include <string.h>

#include "digest_int.h"
#include "htab.h"

/* The gold tables (GOLD contract): fields that must all be there, then
 * time, groups and measures as "field:unit:agg". */
static const struct known {
	const char *kind, *fields, *time, *groups, *measures;
	const char *item, *id, *rows_name;
	int special;
} known[] = {
	{ "monthly_revenue", "order_year,order_month,total_orders,total_revenue,"
	  "return_rate_pct,cancellation_rate_pct", "order_year,order_month", "",
	  "total_revenue:money:sum,total_orders:count:sum,"
	  "return_rate_pct:percent:mean,cancellation_rate_pct:percent:mean",
	  NULL, NULL, NULL, SP_SERIES },
	{ "daily_region", "order_date,region,orders,revenue,avg_order_value",
	  "order_date", "region", "revenue:money:sum,orders:count:sum",
	  NULL, NULL, NULL, SP_SERIES },
	{ "category_store", "category,store_id,units,revenue", "",
	  "category,store_id", "revenue:money:sum,units:count:sum",
	  NULL, NULL, NULL, SP_SERIES },
	{ "top_products", "rank_by,rank,product_id,product_name,units,revenue",
	  "", "", "revenue:money:sum,units:count:sum",
	  "product_name", "product_id", NULL, SP_TOP },
	{ "rfm_segments", "segment,customers,customer_share_pct,"
	  "revenue_share_pct,avg_recency_days,avg_frequency,avg_monetary_value",
	  "", "segment", "customers:count:sum,customer_share_pct:percent:mean,"
	  "revenue_share_pct:percent:mean,avg_monetary_value:money:mean,"
	  "avg_recency_days:days:mean,avg_frequency:number:mean",
	  NULL, NULL, NULL, SP_SEGMENTS },
	{ "rfm", "customer_id,recency_days,frequency,monetary_value,r_score,"
	  "f_score,m_score,rfm_score,segment", "", "segment",
	  "monetary_value:money:sum,recency_days:days:mean,"
	  "frequency:number:mean", NULL, "customer_id", "customers", SP_SERIES },
	{ "monthly_net_revenue_by_country", "year,month,country,sales,"
	  "cancellations,net_revenue", "year,month", "country",
	  "net_revenue:money:sum,sales:money:sum,cancellations:money:sum",
	  NULL, NULL, NULL, SP_SERIES },
	{ "cancellation_rate", "year,month,invoices,cancelled_invoices,"
	  "cancellation_rate_pct", "year,month", "",
	  "cancellation_rate_pct:percent:mean,invoices:count:sum,"
	  "cancelled_invoices:count:sum", NULL, NULL, NULL, SP_SERIES },
};

static const char *unames[] = { "number", "money", "count", "percent",
	"points", "days" };

const char *
mb_unit_name(int unit)
{
	return unit >= 0 && unit <= MB_U_DAYS ? unames[unit] : "number";
}

mb_digest *
mb_digest_new(void)
{
	return mb_xcalloc(1, sizeof(mb_digest));
}

void
mb_digest_free(mb_digest *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->nstrs; i++)
		free(d->strs[i]);
	free(d->strs);
	free(d->f);
	free(d->t);
	free(d);
}

const char *
mb_dg_str(mb_digest *d, const char *p, size_t n)
{
	if (d->nstrs == d->capstrs) {
		d->capstrs = d->capstrs ? d->capstrs * 2 : 64;
		d->strs = mb_xrealloc(d->strs, d->capstrs * sizeof(char *));
	}
	return d->strs[d->nstrs++] = mb_xstrndup(p, n);
}

/* A string from the data, cut to MB_LABEL_MAX bytes on a character
 * boundary, with "..." when it was cut. */
const char *
mb_dg_label(mb_digest *d, const char *p, size_t n)
{
	char tmp[MB_LABEL_MAX + 4];
	size_t k = 0;

	if (n <= MB_LABEL_MAX)
		return mb_dg_str(d, p, n);
	while (k < n) {
		size_t l = mb_utf8_seq((const unsigned char *)p + k, n - k);
		if (l == 0)
			l = 1;
		if (k + l > MB_LABEL_MAX - 3)
			break;
		k += l;
	}
	memcpy(tmp, p, k);
	memcpy(tmp + k, "...", 3);
	return mb_dg_str(d, tmp, k + 3);
}

const char *
mb_dg_colname(actx *c, int col)
{
	const char *n = c->t->cols[col].name;

	return mb_dg_label(c->d, n, strlen(n));
}

int
mb_dg_numval(const mb_tab *t, int col, size_t row, mb_dec *v)
{
	const mb_cell *cl;

	if (col < 0)
		return -1;
	cl = mb_tab_cell(t, col, row);
	if (cl->t != MB_T_NUM)
		return -1;
	*v = cl->d;
	return 0;
}

const char *
mb_dg_cell_label(actx *c, int col, size_t row)
{
	const mb_cell *cl;
	mb_buf b = { 0 };
	const char *s, *r;
	size_t n;

	if (col < 0)
		return NULL;
	cl = mb_tab_cell(c->t, col, row);
	switch (cl->t) {
	case MB_T_STR:
		s = mb_tab_str(c->t, cl, &n);
		return mb_dg_label(c->d, s, n);
	case MB_T_NUM:
		mb_buf_dec(&b, cl->d);
		break;
	case MB_T_BOOL:
		mb_buf_adds(&b, cl->b ? "true" : "false");
		break;
	default:
		return NULL;
	}
	r = mb_dg_str(c->d, b.p, b.len);
	mb_buf_free(&b);
	return r;
}

const char *
mb_dg_period(actx *c, int64_t key, int grain)
{
	char tmp[32];
	mb_buf b = { 0 };
	const char *r;
	int64_t y, m;

	switch (grain) {
	case G_DAY:
	case G_WEEK:
		mb_time_fmt_date(&b, key * 86400000);
		r = mb_dg_str(c->d, b.p, b.len);
		mb_buf_free(&b);
		return r;
	case G_MONTH:
		y = key >= 0 ? key / 12 : -((-key + 11) / 12);
		m = key - y * 12 + 1;
		snprintf(tmp, sizeof(tmp), "%04d-%02d", (int)y, (int)m);
		break;
	default:
		snprintf(tmp, sizeof(tmp), "%d", (int)key);
		break;
	}
	return mb_dg_str(c->d, tmp, strlen(tmp));
}

mb_fact *
mb_dg_fact(actx *c, const char *kind, const char *measure, int unit, mb_dec v)
{
	mb_digest *d = c->d;
	mb_fact *f;

	if (d->nf == d->capf) {
		d->capf = d->capf ? d->capf * 2 : 64;
		d->f = mb_xrealloc(d->f, d->capf * sizeof(mb_fact));
	}
	f = &d->f[d->nf++];
	memset(f, 0, sizeof(*f));
	f->table = c->ti;
	f->kind = kind;
	f->measure = measure;
	f->unit = unit;
	f->v = v;
	return f;
}

/* ---- recognition ------------------------------------------------------ */

/* The next name of a comma-separated list into buf; NULL at the end. */
static const char *
next_name(const char **list, char *buf, size_t cap)
{
	const char *s = *list, *e;
	size_t n;

	if (s == NULL || *s == '\0')
		return NULL;
	e = strchr(s, ',');
	n = e ? (size_t)(e - s) : strlen(s);
	*list = e ? e + 1 : s + n;
	if (n >= cap)
		n = cap - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

static int
has_fields(const mb_tab *t, const char *list)
{
	char name[128];

	while (next_name(&list, name, sizeof(name)))
		if (mb_tab_col(t, name) < 0)
			return 0;
	return 1;
}

static int
unit_by_word(const char *w)
{
	for (int u = 0; u <= MB_U_DAYS; u++)
		if (strcmp(w, unames[u]) == 0)
			return u;
	return MB_U_NUMBER;
}

static int
contains(const char *s, const char *words)
{
	char w[32];

	while (next_name(&words, w, sizeof(w)))
		if (strstr(s, w) != NULL)
			return 1;
	return 0;
}

/* A measure's unit and aggregate from its name, for tables that are not
 * recognised. */
static void
guess_measure(const char *name, int *unit, int *agg)
{
	*agg = AG_SUM;
	if (contains(name, "pct,percent,rate,share,ratio"))
		*unit = MB_U_PERCENT;
	else if (contains(name, "days"))
		*unit = MB_U_DAYS;
	else if (contains(name, "revenue,amount,sales,price,monetary,value,"
	    "cost,spend,profit,income,net_"))
		*unit = MB_U_MONEY;
	else if (contains(name, "orders,units,count,customers,invoices,"
	    "quantity,qty,items,visits,frequency,number"))
		*unit = MB_U_COUNT;
	else
		*unit = MB_U_NUMBER;
	if (*unit == MB_U_PERCENT || *unit == MB_U_DAYS ||
	    strncmp(name, "avg", 3) == 0 || contains(name, "average,mean,_avg"))
		*agg = AG_MEAN;
}

static int
is_yearish(const char *n)
{
	size_t l = strlen(n);

	return strcmp(n, "year") == 0 || (l > 5 && strcmp(n + l - 5, "_year") == 0);
}

static int
is_idish(const char *n)
{
	size_t l = strlen(n);

	return strcmp(n, "id") == 0 || (l > 3 && strcmp(n + l - 3, "_id") == 0) ||
	    contains(n, "rank,score") || strcmp(n, "month") == 0 ||
	    strcmp(n, "day") == 0 || is_yearish(n) ||
	    (l > 6 && strcmp(n + l - 6, "_month") == 0) ||
	    (l > 4 && strcmp(n + l - 4, "_day") == 0);
}

/* How a single time column reads: TK_* or TK_NONE. */
static int
time_kind(const mb_tab *t, int col)
{
	const mb_col *c = &t->cols[col];
	size_t ok = 0, seen = 0, n;
	int kind = TK_NONE;

	for (size_t r = 0; r < t->nrows && seen < 200; r++) {
		const mb_cell *cl = &c->cells[r];
		const char *s;
		int64_t ms;

		if (cl->t == MB_T_NUM) {
			double v = mb_dec_to_double(cl->d);
			seen++;
			if (cl->d.scale == 0 && v >= 1000 && v <= 9999)
				ok++, kind = TK_YEAR;
		} else if (cl->t == MB_T_STR) {
			s = mb_tab_str(t, cl, &n);
			seen++;
			if (n == 7 && s[4] == '-' && s[5] >= '0' && s[5] <= '1')
				ok++, kind = TK_MONTHSTR;
			else if (n >= 10 && s[4] == '-' &&
			    mb_time_parse(s, n, &ms) == 0)
				ok++, kind = TK_DATE;
		}
	}
	return seen > 0 && ok * 10 >= seen * 9 ? kind : TK_NONE;
}

static size_t
distinct(const mb_tab *t, int col)
{
	mb_htab *h = mb_htab_new(1);
	size_t n;

	for (size_t r = 0; r < t->nrows; r++) {
		const mb_cell *cl = mb_tab_cell(t, col, r);
		if (cl->t == MB_T_STR) {
			const char *s = mb_tab_str(t, cl, &n);
			mb_htab_put(h, s, n, NULL);
		} else if (cl->t == MB_T_NUM) {
			char k[sizeof(__int128) + 1];
			memcpy(k, &cl->d.v, sizeof(__int128));
			k[sizeof(__int128)] = (char)cl->d.scale;
			mb_htab_put(h, k, sizeof(k), NULL);
		}
	}
	n = mb_htab_count(h);
	mb_htab_free(h);
	return n;
}

static int
used(const spec *s, int col)
{
	if (col == s->tcol[0] || col == s->tcol[1] || col == s->item ||
	    col == s->id)
		return 1;
	for (int i = 0; i < s->ng; i++)
		if (s->gcol[i] == col)
			return 1;
	for (int i = 0; i < s->nm; i++)
		if (s->m[i].col == col)
			return 1;
	return 0;
}

static int
need_col(const mb_tab *t, const char *opt, const char *name)
{
	int col = mb_tab_col(t, name);

	if (col < 0)
		mb_seterr("%s: %s: no field \"%s\"", t->name, opt, name);
	return col;
}

static int
spec_time(const mb_tab *t, spec *s, const char *list)
{
	char a[128], b[128];
	const char *l = list;

	if (next_name(&l, a, sizeof(a)) == NULL)
		return 0;
	if ((s->tcol[0] = need_col(t, "--time", a)) < 0)
		return -1;
	if (next_name(&l, b, sizeof(b)) != NULL) {
		if ((s->tcol[1] = need_col(t, "--time", b)) < 0)
			return -1;
		s->tk = TK_YM;
		return 0;
	}
	if ((s->tk = time_kind(t, s->tcol[0])) == TK_NONE)
		return mb_seterr("%s: --time: \"%s\" holds no dates", t->name, a);
	return 0;
}

static void
infer_time(const mb_tab *t, spec *s)
{
	for (int i = 0; i < t->ncols && s->tk == TK_NONE; i++) {
		const char *n = t->cols[i].name;
		size_t l = strlen(n);
		if (!is_yearish(n) || t->cols[i].nnum == 0)
			continue;
		char m[160];
		snprintf(m, sizeof(m), "%.*smonth", (int)(l - 4), n);
		int mc = mb_tab_col(t, m);
		if (mc >= 0 && t->cols[mc].nnum > 0) {
			s->tk = TK_YM;
			s->tcol[0] = i;
			s->tcol[1] = mc;
		}
	}
	for (int i = 0; i < t->ncols && s->tk == TK_NONE; i++)
		if (t->cols[i].nstr > 0 && (s->tk = time_kind(t, i)) != TK_NONE)
			s->tcol[0] = i;
	for (int i = 0; i < t->ncols && s->tk == TK_NONE; i++)
		if (strcmp(t->cols[i].name, "year") == 0 &&
		    (s->tk = time_kind(t, i)) != TK_NONE)
			s->tcol[0] = i;
}

static int
spec_groups(const mb_tab *t, spec *s, const char *list)
{
	char a[128];

	while (next_name(&list, a, sizeof(a)) != NULL) {
		if (s->ng == 2)
			return mb_seterr("%s: --by: at most two fields", t->name);
		if ((s->gcol[s->ng++] = need_col(t, "--by", a)) < 0)
			return -1;
	}
	return 0;
}

static void
infer_groups(const mb_tab *t, spec *s)
{
	size_t dn[2] = { 0, 0 };

	for (int i = 0; i < t->ncols; i++) {
		const mb_col *c = &t->cols[i];
		size_t n;
		if (used(s, i) || c->nstr == 0 || c->nnum > 0)
			continue;
		n = distinct(t, i);
		if (n < 2 || n > 1000 || n == c->nstr) {
			if (n == c->nstr && n == t->nrows && s->item < 0)
				s->item = i;
			continue;
		}
		if (s->ng < 2) {
			dn[s->ng] = n;
			s->gcol[s->ng++] = i;
		} else if (n < dn[1]) {
			dn[1] = n;
			s->gcol[1] = i;
		}
		if (s->ng == 2 && dn[1] < dn[0]) {
			int g = s->gcol[0];
			size_t x = dn[0];
			s->gcol[0] = s->gcol[1], dn[0] = dn[1];
			s->gcol[1] = g, dn[1] = x;
		}
	}
}

static int
spec_measures(const mb_tab *t, spec *s, const char *list)
{
	char a[128];
	int col;

	while (next_name(&list, a, sizeof(a)) != NULL) {
		if (s->nm == MAXM)
			return mb_seterr("%s: --measure: at most %d fields",
			    t->name, MAXM);
		if ((col = need_col(t, "--measure", a)) < 0)
			return -1;
		if (t->cols[col].nnum == 0)
			return mb_seterr("%s: --measure: \"%s\" holds no numbers",
			    t->name, a);
		s->m[s->nm].col = col;
		guess_measure(a, &s->m[s->nm].unit, &s->m[s->nm].agg);
		s->nm++;
	}
	return 0;
}

static void
infer_measures(const mb_tab *t, spec *s)
{
	int best = -1;

	for (int i = 0; i < t->ncols && s->nm < MAXM; i++) {
		const mb_col *c = &t->cols[i];
		if (used(s, i) || c->nnum == 0 || c->nstr > 0 ||
		    is_idish(c->name))
			continue;
		s->m[s->nm].col = i;
		guess_measure(c->name, &s->m[s->nm].unit, &s->m[s->nm].agg);
		s->nm++;
	}
	/* The main measure: money first, then counts, then the first. */
	for (int i = 0; i < s->nm && best < 0; i++)
		if (s->m[i].unit == MB_U_MONEY && s->m[i].agg == AG_SUM)
			best = i;
	for (int i = 0; i < s->nm && best < 0; i++)
		if (s->m[i].unit == MB_U_COUNT && s->m[i].agg == AG_SUM)
			best = i;
	if (best > 0) {
		meas m = s->m[best];
		memmove(&s->m[1], &s->m[0], (size_t)best * sizeof(meas));
		s->m[0] = m;
	}
}

static int
spec_known(const mb_tab *t, spec *s)
{
	for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++) {
		const struct known *kn = &known[k];
		const char *l;
		char a[128];

		if (!has_fields(t, kn->fields))
			continue;
		l = kn->time;
		if (next_name(&l, a, sizeof(a)) != NULL) {
			s->tcol[0] = mb_tab_col(t, a);
			if (next_name(&l, a, sizeof(a)) != NULL) {
				s->tcol[1] = mb_tab_col(t, a);
				s->tk = TK_YM;
			} else if ((s->tk = time_kind(t, s->tcol[0])) == TK_NONE) {
				s->tcol[0] = -1;
				continue;	/* not dates: read it by type */
			}
		}
		s->kind = kn->kind;
		s->special = kn->special;
		spec_groups(t, s, kn->groups);
		for (l = kn->measures; next_name(&l, a, sizeof(a));) {
			char *u = strchr(a, ':'), *g = u ? strchr(u + 1, ':') : NULL;
			*u = *g = '\0';
			s->m[s->nm].col = mb_tab_col(t, a);
			s->m[s->nm].unit = unit_by_word(u + 1);
			s->m[s->nm].agg = strcmp(g + 1, "sum") == 0 ? AG_SUM : AG_MEAN;
			s->nm++;
		}
		s->item = kn->item ? mb_tab_col(t, kn->item) : -1;
		s->id = kn->id ? mb_tab_col(t, kn->id) : -1;
		s->rows_name = kn->rows_name;
		if (kn->special == SP_TOP) {
			s->rank = mb_tab_col(t, "rank");
			s->rankby = mb_tab_col(t, "rank_by");
		}
		return 1;
	}
	return 0;
}

static int
make_spec(const mb_tab *t, const mb_tabopts *o, spec *s)
{
	int named = o && ((o->time && *o->time) || (o->by && *o->by) ||
	    (o->measure && *o->measure)), rc;

	memset(s, 0, sizeof(*s));
	s->tcol[0] = s->tcol[1] = s->item = s->id = s->rank = s->rankby = -1;
	s->kind = "table";
	if (!named && (rc = spec_known(t, s)) != 0)
		return rc < 0 ? -1 : 0;
	if (named) {
		if (spec_time(t, s, o->time) == -1 ||
		    spec_groups(t, s, o->by) == -1 ||
		    spec_measures(t, s, o->measure) == -1)
			return -1;
	}
	if (s->tk == TK_NONE && !(o && o->time && *o->time))
		infer_time(t, s);
	if (s->nm == 0)
		infer_measures(t, s);
	if (s->ng == 0 && !(o && o->by && *o->by))
		infer_groups(t, s);
	if (s->item < 0) {
		for (int i = 0; i < t->ncols && s->item < 0; i++)
			if (!used(s, i) && t->cols[i].nstr == t->nrows &&
			    t->nrows > 1 && distinct(t, i) == t->nrows)
				s->item = i;
	}
	return 0;
}

/* ---- the digest --------------------------------------------------------- */

static void
join_names(const mb_tab *t, const int *cols, int n, mb_buf *b)
{
	for (int i = 0; i < n; i++) {
		if (cols[i] < 0)
			continue;
		if (b->len)
			mb_buf_addc(b, ',');
		mb_buf_adds(b, t->cols[cols[i]].name);
	}
}

int
mb_digest_add(mb_digest *d, const mb_tab *t, const mb_tabopts *o)
{
	mb_buf b = { 0 };
	mb_dtable *dt;
	spec s;
	actx c;
	int rc;

	if (make_spec(t, o, &s) == -1)
		return -2;
	d->t = mb_xrealloc(d->t, (size_t)(d->nt + 1) * sizeof(mb_dtable));
	dt = &d->t[d->nt];
	memset(dt, 0, sizeof(*dt));
	memset(&c, 0, sizeof(c));
	c.d = d;
	c.t = t;
	c.s = &s;
	c.ti = d->nt++;
	dt->name = mb_dg_label(d, t->name, strlen(t->name));
	dt->kind = s.kind;
	dt->rows = t->nrows;
	join_names(t, s.tcol, 2, &b);
	dt->time = b.len ? mb_dg_label(d, b.p, b.len) : NULL;
	mb_buf_reset(&b);
	join_names(t, s.gcol, s.ng, &b);
	dt->groups = b.len ? mb_dg_label(d, b.p, b.len) : NULL;
	mb_buf_free(&b);
	dt->main = s.nm > 0 ? mb_dg_colname(&c, s.m[0].col) : NULL;
	mb_dg_fact(&c, "rows", NULL, MB_U_COUNT, (mb_dec){ (__int128)t->nrows, 0 });
	if (t->nrows == 0)
		return 0;
	switch (s.special) {
	case SP_TOP:
		rc = mb_dg_top(&c);
		break;
	case SP_SEGMENTS:
		rc = mb_dg_segments(&c);
		break;
	default:
		rc = mb_dg_series(&c);
		dt = &d->t[c.ti];
		if (c.np > 0) {
			dt->grain = c.grain == G_DAY ? "day" : c.grain == G_WEEK ?
			    "week" : c.grain == G_MONTH ? "month" : "year";
			dt->first = mb_dg_period(&c, c.pk[0], c.grain);
			dt->last = mb_dg_period(&c, c.pk[c.np - 1], c.grain);
		}
		free(c.pidx);
		free(c.rawday);
		free(c.pk);
		break;
	}
	return rc;
}

static void
jkey(mb_buf *b, const char *k, const char *v)
{
	if (v == NULL)
		return;
	mb_buf_printf(b, ",\"%s\":", k);
	mb_buf_json_str(b, v, strlen(v));
}

static void
fact_json(mb_buf *b, const mb_fact *f)
{
	mb_buf_adds(b, "{\"fact\":");
	mb_buf_json_str(b, f->kind, strlen(f->kind));
	jkey(b, "measure", f->measure);
	jkey(b, "by", f->by);
	if (f->rank > 0)
		mb_buf_printf(b, ",\"rank\":%d", f->rank);
	jkey(b, "item", f->item);
	jkey(b, "id", f->id);
	jkey(b, "group", f->group);
	jkey(b, "period", f->period);
	jkey(b, "against", f->against);
	mb_buf_adds(b, ",\"value\":");
	mb_buf_dec(b, f->v);
	mb_buf_printf(b, ",\"unit\":\"%s\"}", mb_unit_name(f->unit));
}

void
mb_digest_json(const mb_digest *d, mb_buf *b)
{
	size_t k = 0;

	mb_buf_printf(b, "{\"version\":%d,\"tables\":[", MB_DIGEST_VERSION);
	for (int i = 0; i < d->nt; i++) {
		const mb_dtable *t = &d->t[i];
		if (i)
			mb_buf_addc(b, ',');
		mb_buf_adds(b, "{\"name\":");
		mb_buf_json_str(b, t->name, strlen(t->name));
		mb_buf_adds(b, ",\"kind\":");
		mb_buf_json_str(b, t->kind, strlen(t->kind));
		jkey(b, "time", t->time);
		jkey(b, "grain", t->grain);
		jkey(b, "first", t->first);
		jkey(b, "last", t->last);
		jkey(b, "groups", t->groups);
		jkey(b, "main", t->main);
		mb_buf_adds(b, ",\"facts\":[");
		for (int first = 1; k < d->nf && d->f[k].table == i; k++) {
			if (!first)
				mb_buf_addc(b, ',');
			first = 0;
			fact_json(b, &d->f[k]);
		}
		mb_buf_adds(b, "]}");
	}
	mb_buf_adds(b, "]}");
}
