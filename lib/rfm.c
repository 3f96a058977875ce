/*
 * rfm.c: the RFM engine behind mb-rfm.  Reads nothing itself: the tool
 * hands it order lines (or state lines), it keeps one state per
 * customer in a hash table, and at the end it ranks, bins and names the
 * customers.  See rfm.h for the contract.
 */
#include <stdlib.h>
#include <string.h>

#include "mb.h"
#include "expr.h"
#include "htab.h"
#include "rfm.h"

#define DAY_MS 86400000LL

typedef struct cust {
	mb_dec sum;
	int64_t last;
	uint64_t lines;
	uint64_t norders;
	uint32_t idx;		/* entry number in the customer table */
} cust;

struct mb_rfm {
	char *customer, *time, *amount, *order;
	char fp[17];		/* fingerprint of the options, hex */
	mb_htab *cust;		/* id text -> cust */
	mb_htab *orders;	/* 4-byte customer number + order id -> nothing */
	uint64_t nulls;
	/* the last customer and order added: lines of one order come together */
	mb_buf lastc, lasto, key;
	mb_buf id, oid;		/* scratch of state reads */
	long lastci;
	long lastoc;
	/* scoring */
	mb_rfm_row *rows;
	size_t nrows;
};

static void fingerprint(mb_rfm *);

static char *
dupornull(const char *s)
{
	return s != NULL ? mb_xstrdup(s) : NULL;
}

mb_rfm *
mb_rfm_new(const mb_rfm_conf *conf)
{
	mb_rfm *s = mb_xcalloc(1, sizeof(*s));

	s->customer = mb_xstrdup(conf->customer);
	s->time = mb_xstrdup(conf->time);
	s->amount = mb_xstrdup(conf->amount);
	s->order = dupornull(conf->order);
	s->cust = mb_htab_new(sizeof(cust));
	if (s->order != NULL)
		s->orders = mb_htab_new(1);
	s->lastci = -1;
	s->lastoc = -1;
	fingerprint(s);
	return s;
}

void
mb_rfm_free(mb_rfm *s)
{
	if (s == NULL)
		return;
	free(s->customer);
	free(s->time);
	free(s->amount);
	free(s->order);
	mb_htab_free(s->cust);
	mb_htab_free(s->orders);
	mb_buf_free(&s->lastc);
	mb_buf_free(&s->lasto);
	mb_buf_free(&s->key);
	mb_buf_free(&s->id);
	mb_buf_free(&s->oid);
	free(s->rows);
	free(s);
}

static cust *
get_cust(mb_rfm *s, const char *id, size_t n)
{
	cust *c;
	int created;

	if (s->lastci >= 0 && s->lastc.len == n && memcmp(s->lastc.p, id, n) == 0)
		return mb_htab_entry(s->cust, (size_t)s->lastci, NULL, NULL);
	c = mb_htab_put(s->cust, id, n, &created);
	if (created) {
		c->idx = (uint32_t)(mb_htab_count(s->cust) - 1);
		c->last = INT64_MIN;
	}
	s->lastci = (long)c->idx;
	mb_buf_reset(&s->lastc);
	mb_buf_add(&s->lastc, id, n);
	return c;
}

/* Counts order `o` for customer c once. */
static void
add_order(mb_rfm *s, cust *c, const char *o, size_t n)
{
	int created;
	uint32_t ci = c->idx;

	if (s->lastoc == (long)ci && s->lasto.len == n &&
	    memcmp(s->lasto.p, o, n) == 0)
		return;
	mb_buf_reset(&s->key);
	mb_buf_add(&s->key, &ci, sizeof(ci));
	mb_buf_add(&s->key, o, n);
	mb_htab_put(s->orders, s->key.p, s->key.len, &created);
	if (created)
		c->norders++;
	s->lastoc = (long)ci;
	mb_buf_reset(&s->lasto);
	mb_buf_add(&s->lasto, o, n);
}

int
mb_rfm_add(mb_rfm *s, const char *id, size_t cn, int64_t ms, mb_dec amount,
    const char *order, size_t on)
{
	cust *c = get_cust(s, id, cn);

	if (mb_dec_add(c->sum, amount, &c->sum) < 0)
		return mb_seterr("customer %.*s: monetary sum: %s",
		    (int)(cn > 64 ? 64 : cn), id, mb_errmsg());
	if (ms > c->last)
		c->last = ms;
	c->lines++;
	if (s->orders != NULL)
		add_order(s, c, order, on);
	return 0;
}

void
mb_rfm_add_null(mb_rfm *s, uint64_t n)
{
	s->nulls += n;
}

uint64_t
mb_rfm_nulls(const mb_rfm *s)
{
	return s->nulls;
}

size_t
mb_rfm_count(const mb_rfm *s)
{
	return mb_htab_count(s->cust);
}

int64_t
mb_rfm_max_time(const mb_rfm *s)
{
	int64_t m = INT64_MIN;
	size_t i, n = mb_htab_count(s->cust);

	for (i = 0; i < n; i++) {
		const cust *c = mb_htab_entry(s->cust, i, NULL, NULL);
		if (c->last > m)
			m = c->last;
	}
	return m;
}

/* ---- customer order -------------------------------------------------- */

static int
keycmp(const char *a, size_t an, const char *b, size_t bn)
{
	int d = memcmp(a, b, an < bn ? an : bn);

	if (d != 0)
		return d;
	return an < bn ? -1 : an > bn;
}

static int
cmp_entry(const void *x, const void *y, void *ctx)
{
	const mb_htab *h = ctx;
	const char *a, *b;
	size_t an, bn;

	mb_htab_entry(h, *(const size_t *)x, &a, &an);
	mb_htab_entry(h, *(const size_t *)y, &b, &bn);
	return keycmp(a, an, b, bn);
}

/* Entry numbers of a table in key order (customer ids: byte order). */
static size_t *
sorted_entries(const mb_htab *h, size_t *count)
{
	size_t i, n = mb_htab_count(h), *ix = mb_xmalloc((n ? n : 1) * sizeof(size_t));

	for (i = 0; i < n; i++)
		ix[i] = i;
	qsort_r(ix, n, sizeof(size_t), cmp_entry, (void *)h);
	*count = n;
	return ix;
}

/* ---- state ------------------------------------------------------------- */

/*
 * A state line per customer, self-contained, as mb-agg's (mb-agg(1)):
 *   {"k":"C01",<TAB>"mb_rfm":1,"f":"...","last_ms":...,"lines":3,
 *    "monetary":35.50,"orders":["O1","O2"]}
 * and, when lines without a customer were left out, one line with "k"
 * null and "null_customers".  The key comes first and a tab after it, so
 * Hadoop Streaming takes the text before the tab as the key; "f" is a
 * fingerprint of the options a state depends on.
 */
static void
fingerprint(mb_rfm *s)
{
	mb_buf b = { 0 };

	mb_buf_printf(&b, "mb-rfm %d\ncustomer %s\ntime %s\namount %s\norder %s\n",
	    MB_RFM_STATE_VERSION, s->customer, s->time, s->amount,
	    s->order ? s->order : "-");
	snprintf(s->fp, sizeof(s->fp), "%016llx",
	    (unsigned long long)mb_hash(b.p, b.len));
	mb_buf_free(&b);
}

static int
cmp_order(const void *x, const void *y, void *ctx)
{
	const mb_htab *h = ctx;
	const char *a, *b;
	size_t an, bn;

	mb_htab_entry(h, *(const size_t *)x, &a, &an);
	mb_htab_entry(h, *(const size_t *)y, &b, &bn);
	return keycmp(a + 4, an - 4, b + 4, bn - 4);
}

void
mb_rfm_state_write(mb_rfm *s, mb_buf *b)
{
	size_t n, i, j, *ix = sorted_entries(s->cust, &n);
	size_t *start = NULL, *ord = NULL, no = 0;

	if (s->nulls > 0)
		mb_buf_printf(b, "{\"k\":null,\t\"mb_rfm\":%d,\"f\":\"%s\","
		    "\"null_customers\":%llu}\n", MB_RFM_STATE_VERSION, s->fp,
		    (unsigned long long)s->nulls);
	if (s->orders != NULL) {
		/* the orders of customer c: ord[start[c] .. start[c+1]) */
		no = mb_htab_count(s->orders);
		start = mb_xcalloc(n + 1, sizeof(size_t));
		ord = mb_xmalloc((no ? no : 1) * sizeof(size_t));
		for (i = 0; i < no; i++) {
			const char *k;
			uint32_t ci;
			mb_htab_entry(s->orders, i, &k, NULL);
			memcpy(&ci, k, sizeof(ci));
			start[ci + 1]++;
		}
		for (i = 0; i < n; i++)
			start[i + 1] += start[i];
		for (i = 0; i < no; i++) {
			const char *k;
			uint32_t ci;
			mb_htab_entry(s->orders, i, &k, NULL);
			memcpy(&ci, k, sizeof(ci));
			ord[start[ci]++] = i;
		}
		/* start[c] is now the end of c's run; shift back */
		for (i = n; i > 0; i--)
			start[i] = start[i - 1];
		start[0] = 0;
	}
	for (i = 0; i < n; i++) {
		const char *id;
		size_t idn;
		const cust *c = mb_htab_entry(s->cust, ix[i], &id, &idn);

		mb_buf_adds(b, "{\"k\":");
		mb_buf_json_str(b, id, idn);
		mb_buf_printf(b, ",\t\"mb_rfm\":%d,\"f\":\"%s\",\"last_ms\":%lld,"
		    "\"lines\":%llu,\"monetary\":", MB_RFM_STATE_VERSION, s->fp,
		    (long long)c->last, (unsigned long long)c->lines);
		mb_buf_dec(b, c->sum);
		if (s->orders != NULL) {
			size_t a = start[c->idx], e = start[c->idx + 1];
			qsort_r(ord + a, e - a, sizeof(size_t), cmp_order, s->orders);
			mb_buf_adds(b, ",\"orders\":[");
			for (j = a; j < e; j++) {
				const char *k;
				size_t kn;
				mb_htab_entry(s->orders, ord[j], &k, &kn);
				if (j > a)
					mb_buf_addc(b, ',');
				mb_buf_json_str(b, k + 4, kn - 4);
			}
			mb_buf_addc(b, ']');
		}
		mb_buf_adds(b, "}\n");
	}
	free(start);
	free(ord);
	free(ix);
}

int
mb_rfm_state_read(mb_rfm *s, const mb_rec *r)
{
	int vk, vo, vf, i, no;
	int64_t ver, last, lines, nulls;
	mb_span f;
	mb_dec m;
	cust *c;

	if (mb_rec_find(r, "mb_rfm") < 0)
		return mb_seterr("not a partial state of mb-rfm (no \"mb_rfm\" field)");
	if (mb_rec_int(r, mb_rec_find(r, "mb_rfm"), &ver) < 0 ||
	    ver != MB_RFM_STATE_VERSION)
		return mb_seterr("partial state format %.*s; this mb-rfm reads "
		    "format %d", (int)mb_rec_raw(r, mb_rec_find(r, "mb_rfm")).len,
		    mb_rec_raw(r, mb_rec_find(r, "mb_rfm")).p, MB_RFM_STATE_VERSION);
	vf = mb_rec_find(r, "f");
	f = mb_rec_raw(r, vf);
	if (mb_rec_type(r, vf) != MB_T_STR || f.len != 18 ||
	    memcmp(f.p + 1, s->fp, 16) != 0)
		return mb_seterr("partial state made with other options (fingerprint "
		    "%.*s, these options make %s): --merge needs the --customer, "
		    "--time, --amount and --order options of the --partial run",
		    f.len == 18 ? 16 : 1, f.len == 18 ? f.p + 1 : "?", s->fp);
	vk = mb_rec_find(r, "k");
	if (mb_rec_type(r, vk) == MB_T_NULL) {
		if (mb_rec_int(r, mb_rec_find(r, "null_customers"), &nulls) < 0 ||
		    nulls < 0)
			return mb_seterr("\"null_customers\": not a count");
		s->nulls += (uint64_t)nulls;
		return 0;
	}
	if (mb_rec_type(r, vk) != MB_T_STR)
		return mb_seterr("\"k\": not a customer id");
	if (mb_rec_int(r, mb_rec_find(r, "last_ms"), &last) < 0)
		return mb_seterr("\"last_ms\": %s", mb_errmsg());
	if (mb_rec_int(r, mb_rec_find(r, "lines"), &lines) < 0 || lines < 1)
		return mb_seterr("\"lines\": not a count");
	if (mb_rec_dec(r, mb_rec_find(r, "monetary"), &m) < 0)
		return mb_seterr("\"monetary\": %s", mb_errmsg());
	vo = mb_rec_find(r, "orders");
	if (s->orders != NULL && mb_rec_type(r, vo) != MB_T_ARR)
		return mb_seterr("\"orders\": not an array");
	mb_buf_reset(&s->id);
	mb_rec_str(r, vk, &s->id);
	c = get_cust(s, s->id.p, s->id.len);
	if (mb_dec_add(c->sum, m, &c->sum) < 0)
		return mb_seterr("customer %.*s: monetary sum: %s",
		    (int)(s->id.len > 64 ? 64 : s->id.len), s->id.p, mb_errmsg());
	if (last > c->last)
		c->last = last;
	c->lines += (uint64_t)lines;
	if (s->orders == NULL)
		return 0;
	no = mb_rec_len(r, vo);
	for (i = 0; i < no; i++) {
		int ov = mb_rec_child(r, vo, i, NULL);
		if (mb_rec_type(r, ov) != MB_T_STR)
			return mb_seterr("\"orders\": not an array of strings");
		mb_buf_reset(&s->oid);
		mb_rec_str(r, ov, &s->oid);
		add_order(s, c, s->oid.p, s->oid.len);
	}
	return 0;
}

/* ---- scoring ------------------------------------------------------------ */

/*
 * The bin (1..bins) of rank r among n: pandas' qcut(ranks, bins) puts its
 * edges at the quantiles 1 + (n - 1) k / bins of the ranks 1..n, closed on
 * the right, the first bin closed on the left too; so r is in the first
 * bin k with r <= 1 + (n - 1) k / bins, that is bins (r - 1) <= (n - 1) k.
 * pandas computes the edges in doubles; for 2, 4, 5 and 8 bins that gives
 * these bins exactly (tests/data/rfm/qcut_check.py), for 3, 6, 7 and 9 a
 * rank that sits on an edge lands on either side depending on the pandas
 * version, and mb-rfm keeps the exact edge.
 */
int
mb_rfm_bin(uint64_t r, uint64_t n, int bins)
{
	uint64_t num, den;

	if (n == 0 || r < 1 || r > n || bins < 1 || bins > MB_RFM_MAXBINS)
		return 0;
	if (n == 1)
		return 1;
	num = (uint64_t)bins * (r - 1);
	den = n - 1;
	return num == 0 ? 1 : (int)((num + den - 1) / den);
}

typedef struct rankctx {
	const mb_rfm_row *rows;
	int what;
} rankctx;

static int
cmp_rank(const void *x, const void *y, void *ctx)
{
	const rankctx *c = ctx;
	size_t i = *(const size_t *)x, j = *(const size_t *)y;
	const mb_rfm_row *a = &c->rows[i], *b = &c->rows[j];
	int d = 0;

	switch (c->what) {
	case 0:
		d = a->recency_days < b->recency_days ? -1 :
		    a->recency_days > b->recency_days;
		break;
	case 1:
		d = a->frequency < b->frequency ? -1 : a->frequency > b->frequency;
		break;
	default:
		d = mb_dec_cmp(a->monetary, b->monetary);
		break;
	}
	/* ties: the customer order, which is the row order */
	return d != 0 ? d : (i < j ? -1 : i > j);
}

int
mb_rfm_score(mb_rfm *s, int64_t as_of, int bins, mb_rfm_row **rows, size_t *n)
{
	size_t i, k, cnt, *ix = sorted_entries(s->cust, &cnt);
	rankctx rc;

	free(s->rows);
	s->rows = mb_xcalloc(cnt ? cnt : 1, sizeof(mb_rfm_row));
	s->nrows = cnt;
	for (i = 0; i < cnt; i++) {
		mb_rfm_row *w = &s->rows[i];
		const cust *c = mb_htab_entry(s->cust, ix[i], &w->cust, &w->cn);
		if (c->last > as_of) {
			free(ix);
			return mb_seterr("customer %.*s has a time after the --as-of time",
			    (int)(w->cn > 64 ? 64 : w->cn), w->cust);
		}
		w->last_ms = c->last;
		w->recency_days = (as_of - c->last) / DAY_MS;
		w->frequency = s->orders != NULL ? c->norders : c->lines;
		w->monetary = c->sum;
	}
	rc.rows = s->rows;
	for (k = 0; k < 3; k++) {
		rc.what = (int)k;
		for (i = 0; i < cnt; i++)
			ix[i] = i;
		qsort_r(ix, cnt, sizeof(size_t), cmp_rank, &rc);
		for (i = 0; i < cnt; i++) {
			int b = mb_rfm_bin(i + 1, cnt, bins);
			mb_rfm_row *w = &s->rows[ix[i]];
			if (k == 0)
				w->r = bins + 1 - b;
			else if (k == 1)
				w->f = b;
			else
				w->m = b;
		}
	}
	free(ix);
	*rows = s->rows;
	*n = cnt;
	return 0;
}

/* ---- segment maps --------------------------------------------------- */

typedef struct seg {
	char *name;
	char *pattern;
	int rfm;		/* matched against three digits, not two */
	mb_regex *re;
} seg;

struct mb_rfm_segs {
	seg *v;
	int n;
	int bins;		/* the bin count table[] was made for */
	short table[MB_RFM_MAXBINS][MB_RFM_MAXBINS][MB_RFM_MAXBINS];
};

static int
segs_add(mb_rfm_segs *g, const char *name, size_t nn, const char *pat,
    size_t pn, int rfm)
{
	char err[256];
	mb_regex *re = mb_regex_compile(pat, pn, err, sizeof(err));
	seg *s;

	if (re == NULL)
		return mb_seterr("pattern \"%.*s\": %s", (int)pn, pat, err);
	g->v = mb_xrealloc(g->v, ((size_t)g->n + 1) * sizeof(seg));
	s = &g->v[g->n++];
	s->name = mb_xstrndup(name, nn);
	s->pattern = mb_xstrndup(pat, pn);
	s->rfm = rfm;
	s->re = re;
	return 0;
}

mb_rfm_segs *
mb_rfm_segs_default(void)
{
	/* The R-F grid of the usual pandas recipe, best to worst. */
	static const char *def[][2] = {
		{ "Champions", "^5[45]$" },
		{ "Loyal Customers", "^[34][45]$" },
		{ "Potential Loyalists", "^[45][23]$" },
		{ "New Customers", "^51$" },
		{ "Promising", "^41$" },
		{ "Need Attention", "^33$" },
		{ "About to Sleep", "^3[12]$" },
		{ "At Risk", "^[12][34]$" },
		{ "Can't Lose Them", "^[12]5$" },
		{ "Hibernating", "^[12][12]$" },
	};
	mb_rfm_segs *g = mb_xcalloc(1, sizeof(*g));
	size_t i;

	for (i = 0; i < sizeof(def) / sizeof(def[0]); i++)
		segs_add(g, def[i][0], strlen(def[i][0]), def[i][1],
		    strlen(def[i][1]), 0);
	return g;
}

mb_rfm_segs *
mb_rfm_segs_parse(const char *text, size_t n, int bins, long *errline)
{
	mb_rfm_segs *g = mb_xcalloc(1, sizeof(*g));
	mb_rec *r = mb_rec_new();
	mb_buf name = { 0 }, pat = { 0 }, on = { 0 };
	const char *p = text, *end = text + n;
	long line = 0;

	*errline = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p), k;
		int vn, vp, vo, rfm = 0;

		line++;
		if (len > 0 && p[len - 1] == '\r')
			len--;
		for (k = 0; k < len && (p[k] == ' ' || p[k] == '\t'); k++)
			;
		if (k == len)
			goto next;
		if (mb_rec_parse(r, p, len) < 0) {
			goto fail;
		}
		vn = mb_rec_find(r, "name");
		vp = mb_rec_find(r, "pattern");
		vo = mb_rec_find(r, "on");
		if (mb_rec_type(r, vn) != MB_T_STR || mb_rec_type(r, vp) != MB_T_STR) {
			mb_seterr("expected {\"name\": \"...\", \"pattern\": \"...\"}");
			goto fail;
		}
		mb_buf_reset(&name);
		mb_buf_reset(&pat);
		mb_buf_reset(&on);
		mb_rec_str(r, vn, &name);
		mb_rec_str(r, vp, &pat);
		if (vo >= 0) {
			if (mb_rec_type(r, vo) == MB_T_STR)
				mb_rec_str(r, vo, &on);
			if (on.len == 3 && memcmp(on.p, "rfm", 3) == 0)
				rfm = 1;
			else if (!(on.len == 2 && memcmp(on.p, "rf", 2) == 0)) {
				mb_seterr("\"on\": expected \"rf\" or \"rfm\"");
				goto fail;
			}
		}
		if (name.len == 0) {
			mb_seterr("empty segment name");
			goto fail;
		}
		if (segs_add(g, name.p, name.len, pat.p, pat.len, rfm) < 0)
			goto fail;
next:
		p = nl ? nl + 1 : end;
	}
	mb_rec_free(r);
	mb_buf_free(&name);
	mb_buf_free(&pat);
	mb_buf_free(&on);
	if (g->n == 0) {
		mb_rfm_segs_free(g);
		mb_seterr("no segments");
		return NULL;
	}
	if (mb_rfm_segs_check(g, bins) < 0) {
		mb_rfm_segs_free(g);
		return NULL;
	}
	return g;
fail:
	*errline = line;
	mb_rec_free(r);
	mb_buf_free(&name);
	mb_buf_free(&pat);
	mb_buf_free(&on);
	mb_rfm_segs_free(g);
	return NULL;
}

void
mb_rfm_segs_free(mb_rfm_segs *g)
{
	int i;

	if (g == NULL)
		return;
	for (i = 0; i < g->n; i++) {
		free(g->v[i].name);
		free(g->v[i].pattern);
		mb_regex_free(g->v[i].re);
	}
	free(g->v);
	free(g);
}

int
mb_rfm_segs_count(const mb_rfm_segs *g)
{
	return g->n;
}

const char *
mb_rfm_segs_name(const mb_rfm_segs *g, int i)
{
	return g->v[i].name;
}

int
mb_rfm_segs_check(mb_rfm_segs *g, int bins)
{
	int r, f, m, i;
	char d[3];

	for (r = 1; r <= bins; r++)
		for (f = 1; f <= bins; f++)
			for (m = 1; m <= bins; m++) {
				d[0] = (char)('0' + r);
				d[1] = (char)('0' + f);
				d[2] = (char)('0' + m);
				for (i = 0; i < g->n; i++)
					if (mb_regex_match(g->v[i].re, d,
					    g->v[i].rfm ? 3 : 2))
						break;
				if (i == g->n)
					return mb_seterr("scores R %d, F %d, M %d (rfm_score "
					    "\"%.3s\") match no segment", r, f, m, d);
				g->table[r - 1][f - 1][m - 1] = (short)i;
			}
	g->bins = bins;
	return 0;
}

int
mb_rfm_segs_find(const mb_rfm_segs *g, int r, int f, int m)
{
	return g->table[r - 1][f - 1][m - 1];
}
