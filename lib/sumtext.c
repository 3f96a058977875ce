/*
 * sumtext.c: figures in reading form (12.3%, 1.2M, 812.3K, 3,412) and the
 * offline summary: a few plain sentences written from the digest's facts
 * alone, so that each figure in them is one of the facts, rounded.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"

/* ---- reading form --------------------------------------------------------- */

/* v / 10^k rounded to 1 decimal, then the suffix. */
static void
scaled(mb_buf *b, mb_dec v, int k, const char *suffix)
{
	mb_dec q;
	__int128 d = 1;

	while (k-- > 0)
		d *= 10;
	if (mb_dec_div(v, (mb_dec){ d, 0 }, 1, &q) == -1)
		q = v;
	mb_buf_dec(b, q);
	mb_buf_adds(b, suffix);
}

/* An integer with thousands separators. */
static void
grouped(mb_buf *b, mb_dec v)
{
	char tmp[64];
	mb_buf t = { 0 };
	size_t n, i, k = 0;
	int neg;

	v = mb_dec_round(v, 0);
	neg = v.v < 0;
	if (neg)
		v.v = -v.v;
	mb_buf_dec(&t, v);
	n = t.len < sizeof(tmp) ? t.len : sizeof(tmp) - 1;
	memcpy(tmp, t.p, n);
	mb_buf_free(&t);
	if (neg)
		mb_buf_addc(b, '-');
	for (i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			mb_buf_addc(b, ',');
		mb_buf_addc(b, tmp[i]);
		k++;
	}
}

static int
is_int(mb_dec v)
{
	for (; v.scale > 0; v.scale--, v.v /= 10)
		if (v.v % 10 != 0)
			return 0;
	return 1;
}

void
mb_fmt_read(mb_buf *b, mb_dec v, int unit)
{
	double a = mb_dec_to_double(v);

	if (a < 0)
		a = -a;
	switch (unit) {
	case MB_U_PERCENT:
	case MB_U_POINTS:
		mb_buf_dec(b, mb_dec_round(v, a < 0.1 && a > 0 ? 2 : 1));
		if (unit == MB_U_PERCENT)
			mb_buf_addc(b, '%');
		return;
	case MB_U_DAYS:
		mb_buf_dec(b, mb_dec_round(v, is_int(v) ? 0 : 1));
		return;
	}
	if (a >= 999950000)
		scaled(b, v, 9, "B");
	else if (a >= 999950)
		scaled(b, v, 6, "M");
	else if (a >= (unit == MB_U_COUNT ? 99999.5 : 9999.5))
		scaled(b, v, 3, "K");
	else if (is_int(v) || (a >= 1000 && unit != MB_U_NUMBER))
		grouped(b, v);
	else if (unit == MB_U_COUNT)
		mb_buf_dec(b, mb_dec_round(v, 1));
	else
		mb_buf_dec(b, mb_dec_round(v, 2));
}

void
mb_fmt_read_abs(mb_buf *b, mb_dec v, int unit)
{
	if (v.v < 0)
		v.v = -v.v;
	mb_fmt_read(b, v, unit);
}

/* ---- the offline summary ------------------------------------------------ */

#define MAXS 32			/* candidate sentences */

typedef struct wr {
	const mb_digest *d;
	mb_buf s[MAXS];		/* candidate sentences, in reading order */
	int prio[MAXS];		/* lower is kept first */
	int n;
	const char *headperiod;	/* the period the first sentence is about */
} wr;

static mb_buf *
sentence(wr *w, int prio)
{
	mb_buf *b = &w->s[w->n];

	w->prio[w->n++] = prio;
	mb_buf_reset(b);
	return b;
}

static const mb_fact *
find_in(const mb_digest *d, int table, const char *kind, const char *measure,
    const char *group, int rank)
{
	for (size_t i = 0; i < d->nf; i++) {
		const mb_fact *f = &d->f[i];
		if (f->table != table || strcmp(f->kind, kind) != 0)
			continue;
		if (measure && (!f->measure || strcmp(measure, f->measure) != 0))
			continue;
		if (group && (!f->group || strcmp(group, f->group) != 0))
			continue;
		if (rank && f->rank != rank)
			continue;
		return f;
	}
	return NULL;
}

static int
table_of(const mb_digest *d, const char *kind)
{
	for (int i = 0; i < d->nt; i++)
		if (strcmp(d->t[i].kind, kind) == 0)
			return i;
	return -1;
}

/* A measure's name for a reader: revenue, orders, the return rate. */
static void
pretty(mb_buf *b, const char *m)
{
	static const char *map[][2] = {
		{ "total_revenue", "revenue" }, { "revenue", "revenue" },
		{ "net_revenue", "net revenue" }, { "total_orders", "orders" },
		{ "return_rate_pct", "the return rate" },
		{ "cancellation_rate_pct", "the cancellation rate" },
		{ "monetary_value", "spend" },
	};
	size_t n = strlen(m);

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(m, map[i][0]) == 0) {
			mb_buf_adds(b, map[i][1]);
			return;
		}
	if (n > 4 && strcmp(m + n - 4, "_pct") == 0)
		n -= 4;
	for (size_t i = 0; i < n; i++)
		mb_buf_addc(b, m[i] == '_' ? ' ' : m[i]);
}

static void
plural(mb_buf *b, const char *word, size_t n)
{
	size_t l = strlen(word);

	for (size_t i = 0; i < l; i++)
		mb_buf_addc(b, word[i] == '_' ? ' ' : word[i]);
	if (n == 1)
		return;
	if (l > 1 && word[l - 1] == 'y' && !strchr("aeiou", word[l - 2])) {
		b->len--;
		mb_buf_adds(b, "ies");
	} else
		mb_buf_addc(b, 's');
}

static void
fig(mb_buf *b, const mb_fact *f)
{
	mb_fmt_read(b, f->v, f->unit);
}

static void
absfig(mb_buf *b, const mb_fact *f)
{
	mb_fmt_read_abs(b, f->v, f->unit);
}

/* "+4.2%" or "-3.1%" */
static void
signed_fig(mb_buf *b, const mb_fact *f)
{
	if (f->v.v >= 0)
		mb_buf_addc(b, '+');
	fig(b, f);
}

static void
quoted(mb_buf *b, const char *s)
{
	mb_buf_addc(b, '"');
	mb_buf_adds(b, s);
	mb_buf_addc(b, '"');
}

static const char *
grain_word(const mb_dtable *t)
{
	return t->grain ? t->grain : "period";
}

/* The table that carries the revenue story: known ones first, then the
 * first one with a time and a measure. */
static int
head_table(const mb_digest *d)
{
	static const char *order[] = { "monthly_revenue",
		"monthly_net_revenue_by_country", "daily_region", "table",
		"cancellation_rate" };

	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++)
		for (int i = 0; i < d->nt; i++)
			if (strcmp(d->t[i].kind, order[k]) == 0 && d->t[i].grain &&
			    d->t[i].main && find_in(d, i, "latest", d->t[i].main,
			    NULL, 0))
				return i;
	return -1;
}

static void
s_headline(wr *w, int ti)
{
	const mb_digest *d = w->d;
	const mb_dtable *t = &d->t[ti];
	const char *m = t->main;
	const mb_fact *lat = find_in(d, ti, "latest", m, NULL, 0),
	    *pct = find_in(d, ti, "change_pct", m, NULL, 0),
	    *chg = find_in(d, ti, "change", m, NULL, 0),
	    *ypct = find_in(d, ti, "change_yoy_pct", m, NULL, 0),
	    *ord = find_in(d, ti, "latest", "total_orders", NULL, 0);
	mb_buf *b = sentence(w, 1);

	w->headperiod = lat->period;
	pretty(b, m);
	b->p[0] = (char)toupper((unsigned char)b->p[0]);
	mb_buf_adds(b, " came to ");
	fig(b, lat);
	mb_buf_printf(b, " %s %s", !strcmp(grain_word(t), "day") ? "on" :
	    !strcmp(grain_word(t), "week") ? "in the week of" : "in", lat->period);
	if (ord) {
		mb_buf_adds(b, " from ");
		fig(b, ord);
		mb_buf_adds(b, " orders");
	}
	if (pct || chg) {
		const mb_fact *dir = pct ? pct : chg;
		mb_buf_printf(b, ", %s ", dir->v.v > 0 ? "up" : dir->v.v < 0 ?
		    "down" : "level");
		if (pct)
			absfig(b, pct);
		if (chg) {
			mb_buf_adds(b, pct ? " (" : "");
			signed_fig(b, chg);
			mb_buf_adds(b, pct ? ")" : "");
		}
		mb_buf_printf(b, " on %s", chg ? chg->against : pct->against);
	}
	if (ypct) {
		mb_buf_printf(b, " and %s ", ypct->v.v >= 0 ? "up" : "down");
		absfig(b, ypct);
		mb_buf_printf(b, " on %s", ypct->against);
	}
	mb_buf_addc(b, '.');
}

static void
s_trend(wr *w, int ti)
{
	const mb_digest *d = w->d;
	const mb_dtable *t = &d->t[ti];
	const mb_fact *tot = find_in(d, ti, "total", t->main, NULL, 0),
	    *np = find_in(d, ti, "periods", NULL, NULL, 0),
	    *hi = find_in(d, ti, "best", t->main, NULL, 0),
	    *lo = find_in(d, ti, "worst", t->main, NULL, 0);
	mb_buf *b;

	if (!tot || !np || !hi || !lo)
		return;
	b = sentence(w, 7);
	mb_buf_adds(b, "Over the ");
	fig(b, np);
	mb_buf_addc(b, ' ');
	plural(b, grain_word(t), (size_t)np->v.v);
	mb_buf_printf(b, " from %s to %s it came to ", t->first, t->last);
	fig(b, tot);
	mb_buf_printf(b, "; the best %s was %s (", grain_word(t), hi->period);
	fig(b, hi);
	mb_buf_printf(b, ") and the weakest %s (", lo->period);
	fig(b, lo);
	mb_buf_adds(b, ").");
}

/* Which groups moved most from the previous period to the latest. */
static void
s_moves(wr *w, int ti)
{
	const mb_digest *d = w->d;
	const mb_dtable *t = &d->t[ti];
	const mb_fact *up = NULL, *down = NULL, *f, *p;
	size_t n = 0, nup = 0;
	mb_buf *b;

	if (!t->groups)
		return;
	for (size_t i = 0; i < d->nf; i++) {
		f = &d->f[i];
		if (f->table != ti || strcmp(f->kind, "group_change") != 0)
			continue;
		n++;
		nup += f->v.v > 0;
		if (!up || mb_dec_cmp(f->v, up->v) > 0)
			up = f;
		if (!down || mb_dec_cmp(f->v, down->v) < 0)
			down = f;
	}
	if (n < 2 || mb_dec_cmp(up->v, down->v) == 0)
		return;
	b = sentence(w, 2);
	if (w->headperiod && strcmp(w->headperiod, up->period) == 0)
		mb_buf_adds(b, "By ");
	else
		mb_buf_printf(b, "From %s to %s, by ", up->against, up->period);
	plural(b, up->by, 1);
	mb_buf_adds(b, ", ");
	mb_buf_adds(b, up->group);
	mb_buf_adds(b, nup == n ? " grew most (" : nup == 0 ? " fell least (" :
	    " rose most (");
	signed_fig(b, up);
	if ((p = find_in(d, ti, "group_change_pct", up->measure, up->group, 0))) {
		mb_buf_adds(b, ", ");
		signed_fig(b, p);
	}
	mb_buf_adds(b, ") and ");
	mb_buf_adds(b, down->group);
	mb_buf_adds(b, nup == n ? " least (" : " fell most (");
	signed_fig(b, down);
	if ((p = find_in(d, ti, "group_change_pct", down->measure, down->group,
	    0))) {
		mb_buf_adds(b, ", ");
		signed_fig(b, p);
	}
	mb_buf_adds(b, ").");
}

/* The largest and smallest share of a group field. */
static int
shares(mb_buf *b, const mb_digest *d, int ti, const char *field)
{
	const mb_fact *top = NULL, *last = NULL;

	for (size_t i = 0; i < d->nf; i++) {
		const mb_fact *f = &d->f[i];
		if (f->table != ti || strcmp(f->kind, "group_share") != 0 ||
		    !f->by || strcmp(f->by, field) != 0)
			continue;
		if (f->rank == 1)
			top = f;
		if (!last || f->rank > last->rank)
			last = f;
	}
	if (!top)
		return 0;
	mb_buf_adds(b, top->group);
	mb_buf_adds(b, " led the ");
	plural(b, field, 2);
	mb_buf_adds(b, " with ");
	fig(b, top);
	mb_buf_adds(b, " of ");
	pretty(b, top->measure);
	if (last != top) {
		mb_buf_adds(b, " and ");
		mb_buf_adds(b, last->group);
		mb_buf_adds(b, " trailed with ");
		fig(b, last);
	}
	return 1;
}

static void
s_mix(wr *w)
{
	const mb_digest *d = w->d;
	int cs = table_of(d, "category_store"), tp = table_of(d, "top_products");
	const mb_fact *r1 = NULL, *u1 = NULL, *ru = NULL;
	mb_buf *b;
	int any = 0;

	if (tp >= 0) {
		r1 = find_in(d, tp, "top", "revenue", NULL, 1);
		for (size_t i = 0; i < d->nf; i++) {
			const mb_fact *f = &d->f[i];
			if (f->table == tp && !strcmp(f->kind, "top") && f->rank == 1 &&
			    f->by && !strcmp(f->by, "revenue") &&
			    !strcmp(f->measure, "revenue"))
				r1 = f;
			if (f->table == tp && !strcmp(f->kind, "top") && f->rank == 1 &&
			    f->by && !strcmp(f->by, "units") &&
			    !strcmp(f->measure, "units"))
				u1 = f;
		}
		if (r1 && u1 && r1->item && u1->item && !strcmp(r1->item, u1->item))
			ru = u1, u1 = NULL;
	}
	if (cs < 0 && !r1 && !u1)
		return;
	b = sentence(w, 5);
	if (cs >= 0)
		any = shares(b, d, cs, "category");
	if (r1 && r1->item) {
		mb_buf_adds(b, any ? "; the top product by revenue was " :
		    "The top product by revenue was ");
		quoted(b, r1->item);
		mb_buf_adds(b, " (");
		fig(b, r1);
		if (ru) {
			mb_buf_adds(b, ", also first by units with ");
			fig(b, ru);
		}
		mb_buf_adds(b, ")");
		any = 1;
	}
	if (u1 && u1->item) {
		mb_buf_adds(b, any ? " and by units " : "The top product by units was ");
		quoted(b, u1->item);
		mb_buf_adds(b, " (");
		fig(b, u1);
		mb_buf_adds(b, " units)");
		any = 1;
	}
	if (!any) {
		w->n--;
		return;
	}
	mb_buf_addc(b, '.');
}

/* Shares of the first group field of the tables that s_mix and s_rfm
 * do not cover. */
static void
s_shares(wr *w)
{
	const mb_digest *d = w->d;

	for (int i = 0; i < d->nt; i++) {
		const mb_dtable *t = &d->t[i];
		char field[128];
		size_t k;
		mb_buf *b;
		if (t->groups == NULL || (strcmp(t->kind, "table") &&
		    strcmp(t->kind, "monthly_net_revenue_by_country")))
			continue;
		k = strcspn(t->groups, ",");
		if (k >= sizeof(field))
			continue;
		memcpy(field, t->groups, k);
		field[k] = '\0';
		b = sentence(w, 5);
		if (!shares(b, d, i, field)) {
			w->n--;
			continue;
		}
		mb_buf_addc(b, '.');
		if (w->n >= MAXS - 8)
			return;
	}
}

/* Rates (means of percentages over periods) against their average. */
static void
s_rates(wr *w)
{
	const mb_digest *d = w->d;
	mb_buf *b = NULL;
	int k = 0;

	for (size_t i = 0; i < d->nf && k < 2; i++) {
		const mb_fact *f = &d->f[i], *lat, *avg;
		if (strcmp(f->kind, "vs_average") != 0 || f->unit != MB_U_POINTS)
			continue;
		lat = find_in(d, f->table, "latest", f->measure, NULL, 0);
		avg = find_in(d, f->table, "average", f->measure, NULL, 0);
		if (!lat || !avg)
			continue;
		if (k == 0) {
			b = sentence(w, 3);
			mb_buf_printf(b, "In %s ", lat->period);
		} else
			mb_buf_adds(b, ", and ");
		pretty(b, f->measure);
		mb_buf_adds(b, k == 0 ? " was " : " ");
		fig(b, lat);
		mb_buf_adds(b, k == 0 ? " against an average of " : " against ");
		fig(b, avg);
		k++;
	}
	if (b)
		mb_buf_addc(b, '.');
}

static void
seg_part(mb_buf *b, const mb_fact *cust, const mb_fact *rev, int first)
{
	mb_buf_adds(b, cust->group);
	mb_buf_adds(b, first ? " are " : " hold ");
	fig(b, cust);
	mb_buf_adds(b, " of customers and ");
	mb_buf_adds(b, first ? "bring " : "");
	fig(b, rev);
	mb_buf_adds(b, " of revenue");
}

static int
at_risk(const char *s)
{
	return !strcmp(s, "At Risk") || !strcmp(s, "Can't Lose Them") ||
	    !strcmp(s, "About to Sleep");
}

static void
s_rfm(wr *w)
{
	const mb_digest *d = w->d;
	int ti = table_of(d, "rfm_segments"), seg = 1;
	const char *ck = "segment", *rk = "segment", *cm = "customer_share_pct",
	    *rm = "revenue_share_pct";
	const mb_fact *c1 = NULL, *r1 = NULL, *c2 = NULL, *r2 = NULL;
	mb_buf *b;

	if (ti < 0) {
		ti = table_of(d, "rfm");
		ck = "group_rows_share";
		rk = "group_share";
		cm = "customers";
		rm = "monetary_value";
		seg = 0;
	}
	if (ti < 0)
		return;
	for (size_t i = 0; i < d->nf; i++) {
		const mb_fact *f = &d->f[i], *c;
		if (f->table != ti || strcmp(f->kind, rk) != 0 ||
		    strcmp(f->measure, rm) != 0 || !f->group)
			continue;
		c = find_in(d, ti, ck, cm, f->group, 0);
		if (!c)
			continue;
		if (!r1 || mb_dec_cmp(f->v, r1->v) > 0)
			r1 = f, c1 = c;
	}
	for (size_t i = 0; r1 && i < d->nf; i++) {
		const mb_fact *f = &d->f[i], *c;
		if (f->table != ti || strcmp(f->kind, rk) != 0 ||
		    strcmp(f->measure, rm) != 0 || !f->group || f->group == r1->group ||
		    !at_risk(f->group))
			continue;
		c = find_in(d, ti, ck, cm, f->group, 0);
		if (c && (!r2 || mb_dec_cmp(f->v, r2->v) > 0))
			r2 = f, c2 = c;
	}
	(void)seg;
	if (!r1)
		return;
	b = sentence(w, 4);
	seg_part(b, c1, r1, 1);
	if (r2) {
		mb_buf_adds(b, "; ");
		seg_part(b, c2, r2, 0);
	}
	mb_buf_addc(b, '.');
}

/* Outliers are worth a sentence when they are rare: at most 5% of the
 * table's rows (a heavy-tailed measure has many by the rule). */
static int
rare(const mb_digest *d, const mb_fact *z)
{
	const mb_fact *cnt = find_in(d, z->table, "outliers", z->measure, NULL, 0),
	    *rows = find_in(d, z->table, "rows", NULL, NULL, 0);

	return cnt && rows && cnt->v.v * 20 <= rows->v.v;
}

/* The outlier with the largest score, from another table than the
 * headline's when there is one (the headline has told that story). */
static void
s_outlier(wr *w, int head)
{
	const mb_digest *d = w->d;
	const mb_fact *best = NULL, *med, *cnt;
	double zbest = 0;
	int other = 0;
	mb_buf *b;

	for (size_t i = 2; i < d->nf; i++) {
		const mb_fact *f = &d->f[i];
		double z;
		int o;
		if (strcmp(f->kind, "outlier_z") != 0 || f->rank != 1 ||
		    !rare(d, f))
			continue;
		z = mb_dec_to_double(f->v);
		z = z < 0 ? -z : z;
		o = f->table != head;
		if (!best || o > other || (o == other && z > zbest)) {
			best = f - 2;
			zbest = z;
			other = o;
		}
	}
	if (!best)
		return;
	med = best + 1;
	cnt = find_in(d, best->table, "outliers", best->measure, NULL, 0);
	b = sentence(w, 6);
	if (best->item)
		quoted(b, best->item);
	else if (best->id)
		mb_buf_adds(b, best->id);
	else if (best->group)
		mb_buf_adds(b, best->group);
	if (best->period)
		mb_buf_printf(b, "%s%s", b->len ? " on " : "", best->period);
	if (best->id && best->item)
		mb_buf_printf(b, " (%s)", best->id);
	if ((best->id || best->item) && best->group)
		mb_buf_printf(b, " (%s)", best->group);
	if (b->len == 0)
		mb_buf_adds(b, "One value");
	mb_buf_printf(b, " stands out in %s: ", d->t[best->table].name);
	pretty(b, best->measure);
	mb_buf_adds(b, " of ");
	fig(b, best);
	mb_buf_adds(b, " against a median of ");
	fig(b, med);
	if (cnt && cnt->v.v > 1) {
		mb_buf_adds(b, ", one of ");
		fig(b, cnt);
		mb_buf_adds(b, " outliers");
	}
	mb_buf_addc(b, '.');
}

static void
s_rows(wr *w)
{
	const mb_digest *d = w->d;

	for (int i = 0; i < d->nt && w->n < 3; i++) {
		const mb_fact *r = find_in(d, i, "rows", NULL, NULL, 0),
		    *tot = d->t[i].main ? find_in(d, i, "total", d->t[i].main,
		    NULL, 0) : NULL;
		mb_buf *b = sentence(w, 8);
		mb_buf_printf(b, "The table %s has ", d->t[i].name);
		fig(b, r);
		mb_buf_addc(b, ' ');
		plural(b, "row", (size_t)r->v.v);
		if (tot) {
			mb_buf_adds(b, ", with a total of ");
			fig(b, tot);
			mb_buf_adds(b, " for ");
			pretty(b, tot->measure);
		}
		mb_buf_addc(b, '.');
	}
}

void
mb_summary_offline(const mb_digest *d, mb_buf *out)
{
	wr w;
	int ti, keep[MAXS];

	memset(&w, 0, sizeof(w));
	w.d = d;
	if ((ti = head_table(d)) >= 0) {
		s_headline(&w, ti);
		s_trend(&w, ti);
	}
	for (int i = 0; i < d->nt; i++)
		if (d->t[i].groups && strcmp(d->t[i].kind, "category_store") &&
		    strcmp(d->t[i].kind, "rfm") && strcmp(d->t[i].kind,
		    "rfm_segments")) {
			int before = w.n;
			s_moves(&w, i);
			if (w.n > before)
				break;
		}
	s_mix(&w);
	s_shares(&w);
	s_rates(&w);
	s_rfm(&w);
	s_outlier(&w, ti);
	if (w.n < 3)
		s_rows(&w);
	if (w.n == 0) {
		mb_buf_adds(out, "There is no data to summarise.");
		return;
	}
	/* At most six sentences: drop the ones of least weight. */
	for (int i = 0; i < w.n; i++)
		keep[i] = 1;
	for (int left = w.n; left > 6; left--) {
		int worst = -1;
		for (int i = 0; i < w.n; i++)
			if (keep[i] && (worst < 0 || w.prio[i] > w.prio[worst]))
				worst = i;
		keep[worst] = 0;
	}
	for (int i = 0, first = 1; i < w.n; i++) {
		if (keep[i]) {
			if (!first)
				mb_buf_addc(out, ' ');
			mb_buf_add(out, w.s[i].p, w.s[i].len);
			first = 0;
		}
	}
	for (int i = 0; i < MAXS; i++)
		mb_buf_free(&w.s[i]);
}
