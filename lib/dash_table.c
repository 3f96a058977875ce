/* dash_table.c: a table of mb-dash: NDJSON records read into columns from
 * a dataset, a file or standard input, and recognised by their fields.
 * See dash.h. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dash.h"
#include "lake.h"

dash_table *
dash_table_new(const char *name, const char *src)
{
	dash_table *t = mb_xcalloc(1, sizeof(*t));

	t->name = mb_xstrdup(name);
	t->src = mb_xstrdup(src);
	t->rec = mb_rec_new();
	return t;
}

void
dash_table_free(dash_table *t)
{
	int i;

	if (t == NULL)
		return;
	for (i = 0; i < t->ncols; i++) {
		free(t->cols[i].name);
		free(t->cols[i].cells);
	}
	free(t->cols);
	free(t->name);
	free(t->src);
	free(t->origin);
	free(t->error);
	mb_buf_free(&t->text);
	mb_buf_free(&t->tmp);
	mb_rec_free(t->rec);
	free(t);
}

void
dash_free(dash *d)
{
	int i;

	for (i = 0; i < d->nt; i++)
		dash_table_free(d->t[i]);
	free(d->t);
	dash_table_free(d->summary);
	dash_table_free(d->dq);
	d->t = NULL;
	d->nt = 0;
	d->summary = d->dq = NULL;
}

int
dash_col(const dash_table *t, const char *name)
{
	int i;

	for (i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return i;
	return -1;
}

/* The column of a key (raw, as in the line), created when new; hint is
 * where the key was in the last record. */
static int
col_of(dash_table *t, const char *k, size_t n, int hint)
{
	dash_column *c;
	int i;

	if (memchr(k, '\\', n) != NULL) {
		t->tmp.len = 0;
		if (mb_json_unescape(k, n, &t->tmp) == -1)
			return -1;
		k = t->tmp.p;
		n = t->tmp.len;
	}
	if (hint < t->ncols && strlen(t->cols[hint].name) == n &&
	    memcmp(t->cols[hint].name, k, n) == 0)
		return hint;
	for (i = 0; i < t->ncols; i++)
		if (strlen(t->cols[i].name) == n &&
		    memcmp(t->cols[i].name, k, n) == 0)
			return i;
	if (t->ncols == DASH_MAX_COLS)
		return -1;
	if (t->ncols == t->capcols) {
		t->capcols = t->capcols ? t->capcols * 2 : 16;
		t->cols = mb_xrealloc(t->cols, (size_t)t->capcols *
		    sizeof(*t->cols));
	}
	c = &t->cols[t->ncols];
	memset(c, 0, sizeof(*c));
	c->name = mb_xstrndup(k, n);
	c->cells = mb_xcalloc(t->caprows ? t->caprows : 1, sizeof(*c->cells));
	return t->ncols++;
}

static void
grow_rows(dash_table *t)
{
	int i;

	if (t->nrows < t->caprows)
		return;
	t->caprows = t->caprows ? t->caprows * 2 : 64;
	for (i = 0; i < t->ncols; i++) {
		t->cols[i].cells = mb_xrealloc(t->cols[i].cells, t->caprows *
		    sizeof(dash_cell));
		memset(t->cols[i].cells + t->nrows, 0, (t->caprows - t->nrows) *
		    sizeof(dash_cell));
	}
}

/* A JSON number's value; NaN when it does not fit a double (1e400). */
static double
numval(dash_table *t, const char *p, size_t n)
{
	double v;

	t->tmp.len = 0;
	mb_buf_add(&t->tmp, p, n);
	v = strtod(mb_buf_cstr(&t->tmp), NULL);
	return isfinite(v) ? v : NAN;
}

int
dash_table_line(dash_table *t, const char *p, size_t n)
{
	mb_rec *r = t->rec;
	dash_cell *cell;
	mb_span k, raw;
	size_t off;
	int i, nf, c, v;

	if (mb_rec_parse(r, p, n) == -1) {
		t->bad_lines++;
		return -1;
	}
	if (t->text.len > UINT32_MAX - n - 16)
		return mb_seterr("the table is larger than 4 GB");
	grow_rows(t);
	nf = mb_rec_nfields(r);
	for (i = 0; i < nf; i++) {
		k = mb_rec_key(r, i);
		if ((c = col_of(t, k.p, k.len, i)) < 0) {
			t->dropped_cols++;
			continue;
		}
		v = mb_rec_field(r, i);
		raw = mb_rec_raw(r, v);
		cell = &t->cols[c].cells[t->nrows];
		cell->num = NAN;
		off = t->text.len;
		switch (mb_rec_type(r, v)) {
		case MB_T_NULL:
			cell->type = DASH_C_NULL;
			t->cols[c].nnull++;
			break;
		case MB_T_NUM:
			cell->type = DASH_C_NUM;
			cell->num = numval(t, raw.p, raw.len);
			mb_buf_add(&t->text, raw.p, raw.len);
			t->cols[c].nnum++;
			break;
		case MB_T_BOOL:
			cell->type = DASH_C_BOOL;
			cell->num = raw.p[0] == 't';
			mb_buf_add(&t->text, raw.p, raw.len);
			break;
		case MB_T_STR:
			cell->type = DASH_C_STR;
			if (mb_rec_str(r, v, &t->text) == -1)
				mb_buf_add(&t->text, raw.p, raw.len);
			t->cols[c].nstr++;
			break;
		default:
			cell->type = DASH_C_JSON;
			mb_buf_add(&t->text, raw.p, raw.len);
			break;
		}
		cell->off = (uint32_t)off;
		cell->len = (uint32_t)(t->text.len - off);
	}
	t->nrows++;
	return 0;
}

double
dash_num(const dash_table *t, int col, size_t row)
{
	const dash_cell *c;
	char buf[64], *end;
	double v;

	if (col < 0 || row >= t->nrows)
		return NAN;
	c = &t->cols[col].cells[row];
	if (c->type == DASH_C_NUM)
		return c->num;
	if (c->type != DASH_C_STR || c->len == 0 || c->len >= sizeof(buf))
		return NAN;
	memcpy(buf, t->text.p + c->off, c->len);
	buf[c->len] = '\0';
	if (buf[0] == ' ' || buf[0] == '\t')
		return NAN;
	v = strtod(buf, &end);
	return *end == '\0' && isfinite(v) ? v : NAN;
}

const char *
dash_str(const dash_table *t, int col, size_t row, size_t *len)
{
	const dash_cell *c;

	if (col < 0 || row >= t->nrows)
		return NULL;
	c = &t->cols[col].cells[row];
	if (c->type == DASH_C_NONE || c->type == DASH_C_NULL)
		return NULL;
	*len = c->len;
	return t->text.p + c->off;
}

int
dash_col_numeric(const dash_table *t, int col)
{
	return col >= 0 && t->cols[col].nnum > 0 &&
	    t->cols[col].nnum >= t->cols[col].nstr;
}

size_t
dash_col_bad(const dash_table *t, int col)
{
	size_t r, n = 0;
	const dash_cell *c;

	if (!dash_col_numeric(t, col))
		return 0;
	for (r = 0; r < t->nrows; r++) {
		c = &t->cols[col].cells[r];
		if ((c->type == DASH_C_NUM || c->type == DASH_C_STR) &&
		    isnan(dash_num(t, col, r)))
			n++;
	}
	return n;
}

/* ---- reading ----------------------------------------------------------- */

typedef struct loadctx {
	dash_table *t;
	dash_warn_fn warn;
	void *ctx;
	const char *where;	/* the file, for messages */
	uint64_t lineno;
	mb_buf msg;
} loadctx;

static void
say(loadctx *lc, const char *fmt, const char *a, const char *b)
{
	if (lc->warn == NULL)
		return;
	lc->msg.len = 0;
	mb_buf_printf(&lc->msg, fmt, a, b);
	lc->warn(lc->ctx, mb_buf_cstr(&lc->msg));
}

static void
line(loadctx *lc, const char *p, size_t n)
{
	char no[32];
	size_t i;

	lc->lineno++;
	for (i = 0; i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'); i++)
		;
	if (i == n)
		return;		/* blank lines are not records */
	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (dash_table_line(lc->t, p, n) == -1) {
		snprintf(no, sizeof(no), "%llu", (unsigned long long)lc->lineno);
		lc->msg.len = 0;
		mb_buf_printf(&lc->msg, "%s:%s: not a JSON object: %s",
		    lc->where, no, mb_errmsg());
		if (lc->warn != NULL)
			lc->warn(lc->ctx, mb_buf_cstr(&lc->msg));
	}
}

static void
block(const void *vp, size_t n, void *ctx)
{
	const char *p = vp, *e = p + n, *nl;

	while (p < e) {
		if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL)
			nl = e;
		line(ctx, p, (size_t)(nl - p));
		p = nl + 1;
	}
}

static void
lake_err(void *ctx, const char *msg)
{
	loadctx *lc = ctx;

	say(lc, "%s: %s", lc->t->src, msg);
}

/* mb_errmsg() without the path at its start, which messages add. */
static const char *
errmsg_of(const char *path)
{
	const char *m = mb_errmsg();
	size_t n = strlen(path);

	return strncmp(m, path, n) == 0 && m[n] == ':' && m[n + 1] == ' ' ?
	    m + n + 2 : m;
}

static int
fail(dash_table *t, loadctx *lc, const char *msg)
{
	free(t->error);
	t->error = mb_xstrdup(msg);
	say(lc, "%s: %s", t->src, msg);
	mb_buf_free(&lc->msg);
	return -1;
}

static int
is_dataset(const char *src)
{
	struct stat st;
	mb_buf p = {0};
	int r;

	mb_buf_printf(&p, "%s/%s", src, MB_LAKE_LOG);
	r = stat(mb_buf_cstr(&p), &st) == 0 && S_ISDIR(st.st_mode);
	mb_buf_free(&p);
	return r;
}

static int
load_lake(dash_table *t, loadctx *lc)
{
	mb_lake *l;
	mb_lake_snap s;
	mb_lake_reader *rd;
	mb_buf path = {0}, o = {0};
	size_t i;

	if ((l = mb_lake_open(t->src, 0)) == NULL)
		return fail(t, lc, errmsg_of(t->src));
	l->onerr = lake_err;
	l->ctx = lc;
	if (mb_lake_snap_load(l, -1, &s) == -1) {
		mb_lake_close(l);
		return fail(t, lc, errmsg_of(t->src));
	}
	rd = mb_lake_reader_new();
	for (i = 0; i < s.n; i++) {
		path.len = 0;
		mb_buf_printf(&path, "%s/%s", t->src, s.files[i].path);
		lc->where = mb_buf_cstr(&path);
		lc->lineno = 0;
		if (mb_lake_reader_cat(rd, path.p, &s.files[i], block, lc) ==
		    -1)
			say(lc, "%s: %s", t->src, mb_errmsg());
	}
	if (s.version < 0)
		mb_buf_adds(&o, "no commit yet");
	else {
		mb_buf_printf(&o, "version %lld, committed ",
		    (long long)s.version);
		mb_time_fmt(&o, s.time);
	}
	free(t->origin);
	t->origin = mb_xstrdup(mb_buf_cstr(&o));
	mb_lake_reader_free(rd);
	mb_lake_snap_free(&s);
	mb_lake_close(l);
	mb_buf_free(&path);
	mb_buf_free(&o);
	return 0;
}

static int
load_file(dash_table *t, loadctx *lc)
{
	mb_in *in;
	mb_line ln;
	mb_buf o = {0};
	struct stat st;
	int r;

	if ((in = mb_in_open(t->src, 0)) == NULL)
		return fail(t, lc, errmsg_of(t->src));
	lc->where = strcmp(t->src, "-") == 0 ? "-" : t->src;
	while ((r = mb_in_line(in, &ln)) == 1) {
		lc->lineno = ln.lineno - 1;
		if (ln.toolong) {
			lc->lineno++;
			t->bad_lines++;
			o.len = 0;
			mb_buf_printf(&o, "%s:%llu: a line of %llu bytes is "
			    "longer than the limit", lc->where,
			    (unsigned long long)ln.lineno,
			    (unsigned long long)ln.full_len);
			if (lc->warn != NULL)
				lc->warn(lc->ctx, mb_buf_cstr(&o));
			continue;
		}
		line(lc, ln.p, ln.len);
	}
	if (r == -1) {
		r = fail(t, lc, errmsg_of(t->src));
		mb_in_close(in);
		mb_buf_free(&o);
		return r;
	}
	mb_in_close(in);
	o.len = 0;
	if (strcmp(t->src, "-") == 0)
		mb_buf_adds(&o, "standard input");
	else if (stat(t->src, &st) == 0) {
		mb_buf_adds(&o, "file of ");
		mb_time_fmt(&o, (int64_t)st.st_mtim.tv_sec * 1000 +
		    st.st_mtim.tv_nsec / 1000000);
	}
	free(t->origin);
	t->origin = o.len ? mb_xstrdup(mb_buf_cstr(&o)) : NULL;
	mb_buf_free(&o);
	return 0;
}

int
dash_table_load(dash_table *t, dash_warn_fn warn, void *ctx)
{
	loadctx lc = { t, warn, ctx, t->src, 0, {0} };
	struct stat st;
	int r;

	if (strcmp(t->src, "-") != 0 && stat(t->src, &st) == 0 &&
	    S_ISDIR(st.st_mode)) {
		if (!is_dataset(t->src))
			return fail(t, &lc, "a folder but not a dataset (no "
			    MB_LAKE_LOG ")");
		r = load_lake(t, &lc);
	} else
		r = load_file(t, &lc);
	mb_buf_free(&lc.msg);
	return r;
}

int
dash_table_load_json(dash_table *t, dash_warn_fn warn, void *ctx)
{
	loadctx lc = { t, warn, ctx, t->src, 0, {0} };
	mb_buf b = {0};
	struct stat st;
	int r = 0;

	if (mb_file_read(t->src, &b) == -1) {
		b.len = 0;
		mb_buf_adds(&b, errmsg_of(t->src));
		r = fail(t, &lc, mb_buf_cstr(&b));
	} else if (dash_table_line(t, b.p, b.len) == -1) {
		b.len = 0;
		mb_buf_printf(&b, "not a JSON object: %s", mb_errmsg());
		r = fail(t, &lc, mb_buf_cstr(&b));
	} else if (stat(t->src, &st) == 0) {
		b.len = 0;
		mb_buf_adds(&b, "file of ");
		mb_time_fmt(&b, (int64_t)st.st_mtim.tv_sec * 1000 +
		    st.st_mtim.tv_nsec / 1000000);
		free(t->origin);
		t->origin = mb_xstrdup(mb_buf_cstr(&b));
	}
	mb_buf_free(&b);
	mb_buf_free(&lc.msg);
	return r;
}

uint64_t
dash_source_sig(const char *src)
{
	struct stat st;
	mb_lake *l;
	int64_t v;
	uint64_t h[4];

	if (strcmp(src, "-") == 0 || stat(src, &st) == -1)
		return 0;
	if (S_ISDIR(st.st_mode)) {
		if (!is_dataset(src) || (l = mb_lake_open(src, 0)) == NULL)
			return 1;
		v = mb_lake_latest(l, NULL);
		mb_lake_close(l);
		return (uint64_t)(v + 3);
	}
	h[0] = (uint64_t)st.st_ino;
	h[1] = (uint64_t)st.st_size;
	h[2] = (uint64_t)st.st_mtim.tv_sec;
	h[3] = (uint64_t)st.st_mtim.tv_nsec;
	return mb_hash(h, sizeof(h)) | 1;
}

/* ---- recognition ------------------------------------------------------- */

static const struct kindspec {
	int kind;
	const char *name;
	const char *fields[5];	/* all present; the last numeric */
} kinds[] = {
	{ DASH_MONTHLY, "monthly revenue",
	    { "order_year", "order_month", "total_revenue" } },
	{ DASH_DAILY_REGION, "daily regional metrics",
	    { "order_date", "region", "revenue" } },
	{ DASH_CATEGORY_STORE, "sales by category and store",
	    { "category", "store_id", "revenue" } },
	{ DASH_TOP_PRODUCTS, "top products",
	    { "rank_by", "rank", "product_id", "revenue" } },
	{ DASH_RFM_SEGMENTS, "RFM segments",
	    { "segment", "customers", "revenue_share_pct" } },
	{ DASH_RFM, "RFM scores",
	    { "customer_id", "segment", "monetary_value" } },
	{ DASH_NET_COUNTRY, "monthly net revenue by country",
	    { "year", "month", "country", "net_revenue" } },
	{ DASH_CANCEL_RATE, "cancellation rate",
	    { "year", "month", "cancellation_rate_pct" } },
};

const char *
dash_kind_name(int kind)
{
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i].kind == kind)
			return kinds[i].name;
	return "table";
}

void
dash_table_finish(dash_table *t)
{
	size_t i;
	int j, c = -1;

	t->kind = DASH_GENERIC;
	if (t->nrows == 0)
		return;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		for (j = 0; j < 5 && kinds[i].fields[j] != NULL; j++)
			if ((c = dash_col(t, kinds[i].fields[j])) < 0)
				break;
		if (j < 5 && kinds[i].fields[j] != NULL)
			continue;
		if (!dash_col_numeric(t, c))
			continue;	/* the measure holds no numbers */
		t->kind = kinds[i].kind;
		return;
	}
}
