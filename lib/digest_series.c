/*
 * digest_series.c: the analyses behind the digest's facts: periods and
 * their changes, groups and their shares and moves, robust outliers, top
 * lists and segment tables.  Arithmetic on the figures is exact (mb_dec);
 * only the outlier score is a double.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "digest_int.h"
#include "htab.h"

#define LISTED_ALL 8		/* groups listed in full up to this count */
#define LISTED_TOP 5		/* else the top ones and the last */
#define OUTLIERS_MAX 3		/* outliers kept per table */
#define SERIES_MIN 8		/* values needed for an outlier score */
#define Z_LIMIT 3.5

static const mb_dec ZERO = { 0, 0 };

static int
dec_int(mb_dec d, int64_t *out)
{
	for (; d.scale > 0; d.scale--) {
		if (d.v % 10 != 0)
			return -1;
		d.v /= 10;
	}
	if (d.v > INT64_MAX || d.v < INT64_MIN)
		return -1;
	*out = (int64_t)d.v;
	return 0;
}

static int64_t
floordiv(int64_t a, int64_t b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

int
mb_dg_time_key(const mb_tab *t, const spec *s, size_t row, int64_t *day,
    int64_t *month)
{
	const mb_cell *c = mb_tab_cell(t, s->tcol[0], row);
	int64_t y, m, ms;
	const char *p;
	size_t n;
	mb_tm tm;

	*day = 0;
	switch (s->tk) {
	case TK_DATE:
		if (c->t != MB_T_STR)
			return -1;
		p = mb_tab_str(t, c, &n);
		if (mb_time_parse(p, n, &ms) == -1)
			return -1;
		mb_time_split(ms, &tm);
		*day = floordiv(ms, 86400000);
		*month = (int64_t)tm.year * 12 + tm.month - 1;
		return 0;
	case TK_YM:
		if (c->t != MB_T_NUM || dec_int(c->d, &y) == -1)
			return -1;
		c = mb_tab_cell(t, s->tcol[1], row);
		if (c->t != MB_T_NUM || dec_int(c->d, &m) == -1 || m < 1 ||
		    m > 12 || y < 1 || y > 9999)
			return -1;
		*month = y * 12 + m - 1;
		return 0;
	case TK_YEAR:
		if (c->t != MB_T_NUM || dec_int(c->d, &y) == -1 || y < 1 ||
		    y > 9999)
			return -1;
		*month = y * 12;
		return 0;
	case TK_MONTHSTR:
		if (c->t != MB_T_STR)
			return -1;
		p = mb_tab_str(t, c, &n);
		if (n != 7 || p[4] != '-')
			return -1;
		y = m = 0;
		for (int i = 0; i < 7; i++) {
			if (i == 4)
				continue;
			if (p[i] < '0' || p[i] > '9')
				return -1;
			if (i < 4)
				y = y * 10 + (p[i] - '0');
			else
				m = m * 10 + (p[i] - '0');
		}
		if (m < 1 || m > 12 || y < 1)
			return -1;
		*month = y * 12 + m - 1;
		return 0;
	}
	return -1;
}

static int
cmpi64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorts and dedups v[0..n); returns the new count. */
static size_t
uniq(int64_t *v, size_t n)
{
	size_t k = 0;

	qsort(v, n, sizeof(*v), cmpi64);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || v[k - 1] != v[i])
			v[k++] = v[i];
	return k;
}

static size_t
find_key(const actx *c, int64_t key)
{
	size_t lo = 0, hi = c->np;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (c->pk[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->np && c->pk[lo] == key ? lo : NOROW;
}

/* Days a week apart and no others: a weekly table. */
static int
weekly(const int64_t *day, const char *ok, size_t n)
{
	int64_t *v = mb_xmalloc((n ? n : 1) * sizeof(int64_t));
	size_t k = 0, u;
	int yes = 1;

	for (size_t r = 0; r < n; r++)
		if (ok[r])
			v[k++] = day[r];
	u = uniq(v, k);
	for (size_t i = 1; i < u && yes; i++)
		yes = (v[i] - v[i - 1]) % 7 == 0;
	free(v);
	return yes && u >= 2;
}

static void
setup_periods(actx *c)
{
	const mb_tab *t = c->t;
	size_t n = t->nrows, nm = 0;
	int64_t *day = mb_xmalloc(n * sizeof(int64_t)),
	    *mon = mb_xmalloc(n * sizeof(int64_t)),
	    *key = mb_xmalloc(n * sizeof(int64_t)),
	    *tmp = mb_xmalloc(n * sizeof(int64_t));
	char *ok = mb_xcalloc(n, 1);

	for (size_t r = 0; r < n; r++) {
		if (mb_dg_time_key(t, c->s, r, &day[r], &mon[r]) == 0) {
			ok[r] = 1;
			tmp[nm++] = mon[r];
		} else
			c->notime++;
	}
	if (c->s->tk == TK_YEAR)
		c->grain = G_YEAR;
	else if (c->s->tk == TK_DATE && weekly(day, ok, n))
		c->grain = G_WEEK;
	else if (c->s->tk == TK_DATE && uniq(tmp, nm) < 3)
		c->grain = G_DAY;
	else
		c->grain = G_MONTH;
	c->rawgrain = c->s->tk == TK_DATE ? G_DAY : c->grain;
	c->pidx = mb_xmalloc(n * sizeof(size_t));
	c->rawday = mb_xmalloc(n * sizeof(int64_t));
	c->pk = mb_xmalloc((n ? n : 1) * sizeof(int64_t));
	for (size_t r = 0; r < n; r++) {
		key[r] = c->grain <= G_WEEK ? day[r] : c->grain == G_MONTH ?
		    mon[r] : floordiv(mon[r], 12);
		c->rawday[r] = c->rawgrain == G_DAY ? day[r] : key[r];
		if (ok[r])
			c->pk[c->np++] = key[r];
	}
	c->np = uniq(c->pk, c->np);
	for (size_t r = 0; r < n; r++)
		c->pidx[r] = ok[r] ? find_key(c, key[r]) : NOROW;
	free(day);
	free(mon);
	free(key);
	free(tmp);
	free(ok);
}

/* The key of the same period a year before, or INT64_MIN. */
static int64_t
year_ago(const actx *c, int64_t key)
{
	mb_tm tm;

	switch (c->grain) {
	case G_MONTH:
		return key - 12;
	case G_WEEK:
		return key - 364;
	case G_DAY:
		mb_time_split(key * 86400000, &tm);
		if (tm.month == 2 && tm.day == 29)
			return INT64_MIN;
		return mb_days_from_civil(tm.year - 1, (unsigned)tm.month,
		    (unsigned)tm.day);
	}
	return INT64_MIN;
}

static int
mean(mb_dec sum, size_t n, mb_dec *out)
{
	return mb_dec_div(sum, (mb_dec){ (__int128)n, 0 },
	    sum.scale > 2 ? sum.scale : 2, out);
}

/* (a - b) * 100 / |b| to 2 decimals; -1 when b is 0. */
static int
pct_change(mb_dec a, mb_dec b, mb_dec *out)
{
	mb_dec d;

	if (b.v == 0)
		return -1;
	if (b.v < 0)
		b.v = -b.v;
	if (mb_dec_sub(a, b, &d) == -1 ||
	    mb_dec_mul(d, (mb_dec){ 100, 0 }, &d) == -1)
		return -1;
	return mb_dec_div(d, b, 2, out);
}

static int
share(mb_dec part, mb_dec whole, mb_dec *out)
{
	if (whole.v == 0 || mb_dec_mul(part, (mb_dec){ 100, 0 }, &part) == -1)
		return -1;
	return mb_dec_div(part, whole, 2, out);
}

#define CK(x) do { if ((x) == -1) goto fail; } while (0)

/* The facts of one measure over the periods (or over the rows, without
 * time). */
static int
measure_facts(actx *c, int mi)
{
	const meas *m = &c->s->m[mi];
	const char *name = mb_dg_colname(c, m->col);
	int dunit = m->agg == AG_MEAN && m->unit == MB_U_PERCENT ?
	    MB_U_POINTS : m->unit;
	mb_dec tot = ZERO, v, *val = NULL, avg = ZERO, x, y;
	size_t ntot = 0, *cnt = NULL, *have = NULL, nh = 0, L, P, Y;
	mb_fact *f;

	for (size_t r = 0; r < c->t->nrows; r++)
		if (mb_dg_numval(c->t, m->col, r, &v) == 0) {
			CK(mb_dec_add(tot, v, &tot));
			ntot++;
		}
	if (ntot == 0)
		return 0;
	if (c->np == 0) {
		if (m->agg == AG_SUM)
			mb_dg_fact(c, "total", name, m->unit, tot);
		if ((m->agg == AG_MEAN || c->s->rows_name) &&
		    mean(tot, ntot, &avg) == 0)
			mb_dg_fact(c, "average", name, m->unit, avg);
		return 0;
	}
	val = mb_xcalloc(c->np, sizeof(mb_dec));
	cnt = mb_xcalloc(c->np, sizeof(size_t));
	have = mb_xmalloc(c->np * sizeof(size_t));
	for (size_t r = 0; r < c->t->nrows; r++)
		if (c->pidx[r] != NOROW &&
		    mb_dg_numval(c->t, m->col, r, &v) == 0) {
			CK(mb_dec_add(val[c->pidx[r]], v, &val[c->pidx[r]]));
			cnt[c->pidx[r]]++;
		}
	for (size_t i = 0; i < c->np; i++)
		if (cnt[i] > 0) {
			if (m->agg == AG_MEAN)
				CK(mean(val[i], cnt[i], &val[i]));
			have[nh++] = i;
			CK(mb_dec_add(avg, val[i], &avg));
		}
	if (m->agg == AG_SUM)
		mb_dg_fact(c, "total", name, m->unit, tot);
	else if (nh > 0) {
		CK(mean(avg, nh, &avg));
		mb_dg_fact(c, "average", name, m->unit, avg);
	}
	if (nh == 0)
		goto done;	/* values only in rows without a time */
	L = have[nh - 1];
	f = mb_dg_fact(c, "latest", name, m->unit, val[L]);
	f->period = mb_dg_period(c, c->pk[L], c->grain);
	if (nh >= 2) {
		P = have[nh - 2];
		f = mb_dg_fact(c, "previous", name, m->unit, val[P]);
		f->period = mb_dg_period(c, c->pk[P], c->grain);
		CK(mb_dec_sub(val[L], val[P], &x));
		f = mb_dg_fact(c, "change", name, dunit, x);
		f->period = mb_dg_period(c, c->pk[L], c->grain);
		f->against = mb_dg_period(c, c->pk[P], c->grain);
		if (dunit != MB_U_POINTS && pct_change(val[L], val[P], &y) == 0) {
			f = mb_dg_fact(c, "change_pct", name, MB_U_PERCENT, y);
			f->period = mb_dg_period(c, c->pk[L], c->grain);
			f->against = mb_dg_period(c, c->pk[P], c->grain);
		}
	}
	Y = find_key(c, year_ago(c, c->pk[L]));
	if (Y != NOROW && cnt[Y] > 0 && (nh < 2 || Y != have[nh - 2])) {
		f = mb_dg_fact(c, "year_ago", name, m->unit, val[Y]);
		f->period = mb_dg_period(c, c->pk[Y], c->grain);
		CK(mb_dec_sub(val[L], val[Y], &x));
		f = mb_dg_fact(c, "change_yoy", name, dunit, x);
		f->period = mb_dg_period(c, c->pk[L], c->grain);
		f->against = mb_dg_period(c, c->pk[Y], c->grain);
		if (dunit != MB_U_POINTS && pct_change(val[L], val[Y], &y) == 0) {
			f = mb_dg_fact(c, "change_yoy_pct", name, MB_U_PERCENT, y);
			f->period = mb_dg_period(c, c->pk[L], c->grain);
			f->against = mb_dg_period(c, c->pk[Y], c->grain);
		}
	}
	if (m->agg == AG_MEAN) {
		CK(mb_dec_sub(val[L], avg, &x));
		f = mb_dg_fact(c, "vs_average", name, dunit, x);
		f->period = mb_dg_period(c, c->pk[L], c->grain);
	}
	if (nh >= 3) {
		size_t hi = have[0], lo = have[0];
		for (size_t k = 1; k < nh; k++) {
			if (mb_dec_cmp(val[have[k]], val[hi]) > 0)
				hi = have[k];
			if (mb_dec_cmp(val[have[k]], val[lo]) < 0)
				lo = have[k];
		}
		f = mb_dg_fact(c, "best", name, m->unit, val[hi]);
		f->period = mb_dg_period(c, c->pk[hi], c->grain);
		f = mb_dg_fact(c, "worst", name, m->unit, val[lo]);
		f->period = mb_dg_period(c, c->pk[lo], c->grain);
	}
done:
	free(val);
	free(cnt);
	free(have);
	return 0;
fail:
	free(val);
	free(cnt);
	free(have);
	return mb_seterr("%s: %s: %s", c->t->name, name, mb_errmsg());
}

/* ---- groups ------------------------------------------------------------ */

typedef struct grp {
	const char *label;
	mb_dec sum, lat, prev;
	size_t cnt, rows, nlat, nprev;
} grp;

/* The label of a group cell (any scalar); its bytes for the index. */
static int
group_key(const mb_tab *t, int col, size_t row, mb_buf *b)
{
	const mb_cell *cl = mb_tab_cell(t, col, row);
	const char *s;
	size_t n;

	mb_buf_reset(b);
	switch (cl->t) {
	case MB_T_STR:
		s = mb_tab_str(t, cl, &n);
		mb_buf_add(b, s, n);
		return 0;
	case MB_T_NUM:
		mb_buf_dec(b, cl->d);
		return 0;
	case MB_T_BOOL:
		mb_buf_adds(b, cl->b ? "true" : "false");
		return 0;
	}
	return -1;
}

static grp *gsort_base;
static int gsort_mean;

static int
gcmp(const void *a, const void *b)
{
	const grp *x = &gsort_base[*(const size_t *)a],
	    *y = &gsort_base[*(const size_t *)b];
	mb_dec vx = x->sum, vy = y->sum;
	int k;

	if (gsort_mean) {
		mean(x->sum, x->cnt ? x->cnt : 1, &vx);
		mean(y->sum, y->cnt ? y->cnt : 1, &vy);
	}
	if ((k = mb_dec_cmp(vy, vx)) != 0)
		return k;
	return strcmp(x->label, y->label);
}

static void
group_fact(actx *c, const char *kind, const char *measure, int unit,
    mb_dec v, const grp *g, int rank, const char *by)
{
	mb_fact *f = mb_dg_fact(c, kind, measure, unit, v);

	f->group = g->label;
	f->by = by;
	f->rank = rank;
}

static int
group_facts(actx *c, int gi)
{
	const meas *m = &c->s->m[0];
	const char *name = mb_dg_colname(c, m->col);
	int col = c->s->gcol[gi], sum = m->agg == AG_SUM;
	mb_htab *h = mb_htab_new(sizeof(size_t));
	grp *g = NULL;
	size_t ng = 0, *order = NULL, rows = 0, L = NOROW, P = NOROW;
	mb_dec total = ZERO, v, x;
	mb_buf key = { 0 };
	const char *by;
	mb_fact *f;
	int created, timed;

	if (c->np >= 2) {
		L = c->np - 1;
		P = c->np - 2;
	}
	for (size_t r = 0; r < c->t->nrows; r++) {
		size_t *slot, gi2;
		if (group_key(c->t, col, r, &key) == -1)
			continue;
		slot = mb_htab_put(h, key.p, key.len, &created);
		if (created) {
			g = mb_xrealloc(g, (ng + 1) * sizeof(grp));
			memset(&g[ng], 0, sizeof(grp));
			g[ng].label = mb_dg_label(c->d, key.p, key.len);
			*slot = ng++;
		}
		gi2 = *slot;
		g[gi2].rows++;
		rows++;
		if (mb_dg_numval(c->t, m->col, r, &v) == -1)
			continue;
		CK(mb_dec_add(g[gi2].sum, v, &g[gi2].sum));
		CK(mb_dec_add(total, v, &total));
		g[gi2].cnt++;
		if (L != NOROW && c->pidx[r] == L) {
			CK(mb_dec_add(g[gi2].lat, v, &g[gi2].lat));
			g[gi2].nlat++;
		} else if (P != NOROW && c->pidx[r] == P) {
			CK(mb_dec_add(g[gi2].prev, v, &g[gi2].prev));
			g[gi2].nprev++;
		}
	}
	mb_buf_free(&key);
	mb_htab_free(h);
	if (ng == 0)
		return 0;
	order = mb_xmalloc(ng * sizeof(size_t));
	for (size_t i = 0; i < ng; i++)
		order[i] = i;
	gsort_base = g;
	gsort_mean = !sum;
	qsort(order, ng, sizeof(size_t), gcmp);
	by = mb_dg_colname(c, col);
	mb_dg_fact(c, "groups", NULL, MB_U_COUNT, (mb_dec){ (__int128)ng, 0 })->by =
	    by;
	timed = gi == 0 && sum && L != NOROW;
	for (size_t k = 0; k < ng; k++) {
		grp *e = &g[order[k]];
		int listed = ng <= LISTED_ALL || k < LISTED_TOP || k == ng - 1;
		if (!listed)
			continue;
		if (sum) {
			group_fact(c, "group_total", name, m->unit, e->sum, e,
			    (int)k + 1, by);
			if (share(e->sum, total, &x) == 0)
				group_fact(c, "group_share", name, MB_U_PERCENT,
				    x, e, (int)k + 1, by);
		} else if (e->cnt > 0) {
			CK(mean(e->sum, e->cnt, &x));
			group_fact(c, "group_average", name, m->unit, x, e,
			    (int)k + 1, by);
		}
		if (c->s->rows_name) {
			group_fact(c, "group_rows", c->s->rows_name, MB_U_COUNT,
			    (mb_dec){ (__int128)e->rows, 0 }, e, (int)k + 1, by);
			if (share((mb_dec){ (__int128)e->rows, 0 },
			    (mb_dec){ (__int128)rows, 0 }, &x) == 0)
				group_fact(c, "group_rows_share", c->s->rows_name,
				    MB_U_PERCENT, x, e, (int)k + 1, by);
		}
	}
	if (timed) {
		/* Every group's move from the previous period to the latest:
		 * all of them for few groups, else the largest both ways. */
		size_t up = NOROW, down = NOROW;
		mb_dec *ch = mb_xcalloc(ng, sizeof(mb_dec));
		for (size_t k = 0; k < ng; k++) {
			size_t i = order[k];
			if (g[i].nlat == 0 && g[i].nprev == 0)
				continue;
			if (mb_dec_sub(g[i].lat, g[i].prev, &ch[i]) == -1) {
				free(ch);
				goto fail;
			}
			if (up == NOROW || mb_dec_cmp(ch[i], ch[up]) > 0)
				up = i;
			if (down == NOROW || mb_dec_cmp(ch[i], ch[down]) < 0)
				down = i;
		}
		for (size_t k = 0; k < ng; k++) {
			size_t i = order[k];
			if ((g[i].nlat == 0 && g[i].nprev == 0) ||
			    (ng > LISTED_ALL && i != up && i != down))
				continue;
			f = mb_dg_fact(c, "group_latest", name, m->unit, g[i].lat);
			f->group = g[i].label;
			f->by = by;
			f->period = mb_dg_period(c, c->pk[L], c->grain);
			f = mb_dg_fact(c, "group_change", name, m->unit, ch[i]);
			f->group = g[i].label;
			f->by = by;
			f->period = mb_dg_period(c, c->pk[L], c->grain);
			f->against = mb_dg_period(c, c->pk[P], c->grain);
			if (pct_change(g[i].lat, g[i].prev, &x) == 0) {
				f = mb_dg_fact(c, "group_change_pct", name,
				    MB_U_PERCENT, x);
				f->group = g[i].label;
			f->by = by;
				f->period = mb_dg_period(c, c->pk[L], c->grain);
				f->against = mb_dg_period(c, c->pk[P], c->grain);
			}
		}
		free(ch);
	}
	free(order);
	free(g);
	return 0;
fail:
	free(order);
	free(g);
	return mb_seterr("%s: %s: %s", c->t->name, name, mb_errmsg());
}

/* ---- outliers ------------------------------------------------------------ */

typedef struct cand {
	double z;
	size_t row;
	int mi;
	mb_dec med;
} cand;

static int
ccmp(const void *a, const void *b)
{
	const cand *x = a, *y = b;
	double ax = fabs(x->z), ay = fabs(y->z);

	if (ax != ay)
		return ax > ay ? -1 : 1;
	if (x->row != y->row)
		return x->row < y->row ? -1 : 1;
	return x->mi - y->mi;
}

/* Scores one series (rows[0..n) of measure mi), adding the rows beyond
 * the limit to the candidates. */
static size_t
score(actx *c, int mi, const size_t *rows, size_t n, cand **cs, size_t *nc)
{
	mb_dec *x, med;
	double *z;
	size_t found = 0;

	if (n < SERIES_MIN)
		return 0;
	x = mb_xmalloc(n * sizeof(mb_dec));
	z = mb_xmalloc(n * sizeof(double));
	for (size_t i = 0; i < n; i++)
		mb_dg_numval(c->t, c->s->m[mi].col, rows[i], &x[i]);
	if (mb_robust_z(x, n, z, &med) == 0)
		for (size_t i = 0; i < n; i++) {
			if (fabs(z[i]) <= Z_LIMIT)
				continue;
			*cs = mb_xrealloc(*cs, (*nc + 1) * sizeof(cand));
			(*cs)[(*nc)++] = (cand){ z[i], rows[i], mi, med };
			found++;
		}
	free(x);
	free(z);
	return found;
}

static const char *
row_groups(actx *c, size_t row)
{
	mb_buf b = { 0 }, k = { 0 };
	const char *r = NULL;

	for (int i = 0; i < c->s->ng; i++) {
		if (group_key(c->t, c->s->gcol[i], row, &k) == -1)
			continue;
		if (b.len)
			mb_buf_adds(&b, " / ");
		mb_buf_add(&b, k.p, k.len);
	}
	if (b.len)
		r = mb_dg_label(c->d, b.p, b.len);
	mb_buf_free(&b);
	mb_buf_free(&k);
	return r;
}

static const size_t *osort_gid;

static int
ocmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	if (osort_gid[x] != osort_gid[y])
		return osort_gid[x] < osort_gid[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

static void
outliers(actx *c)
{
	const mb_tab *t = c->t;
	cand *cs = NULL;
	size_t nc = 0, ngid = 0, *rows = mb_xmalloc(t->nrows * sizeof(size_t)),
	    *gid = NULL, *order = NULL;
	mb_buf key = { 0 };
	mb_dec v;

	if (c->s->ng > 0) {
		/* each row's group of the first group field; rows without
		 * one last */
		mb_htab *h = mb_htab_new(sizeof(size_t));
		int created;
		gid = mb_xmalloc(t->nrows * sizeof(size_t));
		order = mb_xmalloc(t->nrows * sizeof(size_t));
		for (size_t r = 0; r < t->nrows; r++) {
			size_t *slot;
			order[r] = r;
			if (group_key(t, c->s->gcol[0], r, &key) == -1) {
				gid[r] = NOROW;
				continue;
			}
			slot = mb_htab_put(h, key.p, key.len, &created);
			if (created)
				*slot = ngid++;
			gid[r] = *slot;
		}
		mb_htab_free(h);
		osort_gid = gid;
		qsort(order, t->nrows, sizeof(size_t), ocmp);
	}

	for (int mi = 0; mi < c->s->nm; mi++) {
		const meas *m = &c->s->m[mi];
		size_t found = 0, n;
		if (mi > 0 && !(c->np > 0 && m->agg == AG_MEAN &&
		    m->unit == MB_U_PERCENT))
			continue;
		if (c->s->ng == 0 || (c->np == 0 && c->s->ng < 2)) {
			/* one series: all rows (with a time, in time order) */
			n = 0;
			for (size_t r = 0; r < t->nrows; r++)
				if (mb_dg_numval(t, m->col, r, &v) == 0)
					rows[n++] = r;
			found = score(c, mi, rows, n, &cs, &nc);
		} else {
			/* a series per value of the first group field: the
			 * rows bucketed by group, in input order */
			for (size_t g = 0, at = 0; g < ngid; g++) {
				n = 0;
				for (; at < t->nrows && gid[order[at]] == g; at++)
					if (mb_dg_numval(t, m->col, order[at], &v) == 0)
						rows[n++] = order[at];
				found += score(c, mi, rows, n, &cs, &nc);
			}
		}
		if (found > 0)
			mb_dg_fact(c, "outliers", mb_dg_colname(c, m->col),
			    MB_U_COUNT, (mb_dec){ (__int128)found, 0 });
	}
	if (nc > 0)
		qsort(cs, nc, sizeof(cand), ccmp);
	for (size_t i = 0; i < nc && i < OUTLIERS_MAX; i++) {
		const meas *m = &c->s->m[cs[i].mi];
		const char *name = mb_dg_colname(c, m->col), *per = NULL,
		    *grp = row_groups(c, cs[i].row),
		    *item = mb_dg_cell_label(c, c->s->item, cs[i].row),
		    *id = mb_dg_cell_label(c, c->s->id, cs[i].row);
		mb_fact *f;
		if (c->np > 0 && c->pidx[cs[i].row] != NOROW)
			per = mb_dg_period(c, c->rawday[cs[i].row], c->rawgrain);
		mb_dg_numval(t, m->col, cs[i].row, &v);
		for (int k = 0; k < 3; k++) {
			if (k == 0)
				f = mb_dg_fact(c, "outlier", name, m->unit, v);
			else if (k == 1)
				f = mb_dg_fact(c, "outlier_median", name, m->unit,
				    cs[i].med);
			else
				f = mb_dg_fact(c, "outlier_z", name, MB_U_NUMBER,
				    (mb_dec){ (__int128)llround(cs[i].z * 10), 1 });
			f->period = per;
			f->group = grp;
			f->item = item;
			f->id = id;
			f->rank = (int)i + 1;
		}
	}
	free(cs);
	free(rows);
	free(gid);
	free(order);
	mb_buf_free(&key);
}

int
mb_dg_series(actx *c)
{
	if (c->s->tk != TK_NONE) {
		setup_periods(c);
		if (c->np > 0)
			mb_dg_fact(c, "periods", NULL, MB_U_COUNT,
			    (mb_dec){ (__int128)c->np, 0 });
		if (c->notime > 0)
			mb_dg_fact(c, "rows_without_time", NULL, MB_U_COUNT,
			    (mb_dec){ (__int128)c->notime, 0 });
	}
	for (int i = 0; i < c->s->nm; i++)
		if (measure_facts(c, i) == -1)
			return -1;
	if (c->s->nm > 0)
		for (int g = 0; g < c->s->ng; g++)
			if (group_facts(c, g) == -1)
				return -1;
	outliers(c);
	return 0;
}

/* ---- top lists and segment tables --------------------------------------- */

static const mb_tab *rsort_tab;
static int rsort_col, rsort_desc;

static int
rcmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	mb_dec vx, vy;
	int hx = mb_dg_numval(rsort_tab, rsort_col, x, &vx) == 0,
	    hy = mb_dg_numval(rsort_tab, rsort_col, y, &vy) == 0, k;

	if (hx != hy)
		return hy - hx;
	if (hx && (k = mb_dec_cmp(vx, vy)) != 0)
		return rsort_desc ? -k : k;
	return x < y ? -1 : x > y;
}

static void
sort_rows(const mb_tab *t, size_t *rows, size_t n, int col, int desc)
{
	rsort_tab = t;
	rsort_col = col;
	rsort_desc = desc;
	qsort(rows, n, sizeof(size_t), rcmp);
}

#define TOP_ITEMS 5

int
mb_dg_top(actx *c)
{
	const mb_tab *t = c->t;
	size_t *rows = mb_xmalloc(t->nrows * sizeof(size_t)), n;
	mb_buf key = { 0 }, k2 = { 0 };
	char *done = mb_xcalloc(t->nrows, 1);
	mb_dec v;

	for (size_t r0 = 0; r0 < t->nrows; r0++) {
		const char *by;
		if (done[r0] || group_key(t, c->s->rankby, r0, &key) == -1)
			continue;
		by = mb_dg_label(c->d, key.p, key.len);
		n = 0;
		for (size_t r = r0; r < t->nrows; r++)
			if (!done[r] && group_key(t, c->s->rankby, r, &k2) == 0 &&
			    k2.len == key.len && memcmp(k2.p, key.p, key.len) == 0) {
				done[r] = 1;
				rows[n++] = r;
			}
		sort_rows(t, rows, n, c->s->rank, 0);
		mb_dg_fact(c, "items", NULL, MB_U_COUNT,
		    (mb_dec){ (__int128)n, 0 })->by = by;
		for (size_t i = 0; i < n && i < TOP_ITEMS; i++) {
			const char *item = mb_dg_cell_label(c, c->s->item, rows[i]),
			    *id = mb_dg_cell_label(c, c->s->id, rows[i]);
			for (int mi = 0; mi < c->s->nm; mi++) {
				mb_fact *f;
				if (mb_dg_numval(t, c->s->m[mi].col, rows[i], &v) == -1)
					continue;
				f = mb_dg_fact(c, "top", mb_dg_colname(c,
				    c->s->m[mi].col), c->s->m[mi].unit, v);
				f->by = by;
				f->rank = (int)i + 1;
				f->item = item;
				f->id = id;
			}
		}
	}
	free(rows);
	free(done);
	mb_buf_free(&key);
	mb_buf_free(&k2);
	return 0;
}

#define SEGMENTS_MAX 12

int
mb_dg_segments(actx *c)
{
	const mb_tab *t = c->t;
	size_t *rows = mb_xmalloc(t->nrows * sizeof(size_t));
	int scol = mb_tab_col(t, "revenue_share_pct"), ccol = c->s->m[0].col;
	mb_dec total = ZERO, v;
	const char *by;
	mb_fact *f;

	for (size_t r = 0; r < t->nrows; r++) {
		rows[r] = r;
		if (mb_dg_numval(t, ccol, r, &v) == 0 &&
		    mb_dec_add(total, v, &total) == -1) {
			free(rows);
			return mb_seterr("%s: customers: %s", t->name, mb_errmsg());
		}
	}
	sort_rows(t, rows, t->nrows, scol, 1);
	by = mb_dg_colname(c, c->s->gcol[0]);
	mb_dg_fact(c, "groups", NULL, MB_U_COUNT,
	    (mb_dec){ (__int128)t->nrows, 0 })->by = by;
	mb_dg_fact(c, "total", mb_dg_colname(c, ccol), MB_U_COUNT, total);
	for (size_t i = 0; i < t->nrows && i < SEGMENTS_MAX; i++) {
		const char *g = mb_dg_cell_label(c, c->s->gcol[0], rows[i]);
		for (int mi = 0; mi < c->s->nm; mi++) {
			if (mb_dg_numval(t, c->s->m[mi].col, rows[i], &v) == -1)
				continue;
			f = mb_dg_fact(c, "segment", mb_dg_colname(c,
			    c->s->m[mi].col), c->s->m[mi].unit, v);
			f->group = g;
			f->by = by;
			f->rank = (int)i + 1;
		}
	}
	free(rows);
	return 0;
}
