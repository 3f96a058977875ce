/*
 * dim.c: dimension tables (dim.h).  Rows are read once, at start; the
 * values of a row sit one after the other in one buffer, found by offset,
 * so a table of a million rows is three allocations, not millions.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dim.h"
#include "htab.h"
#include "lake.h"

struct mb_dim {
	const char *path;
	char *key;
	char **fields;
	int nfields;
	int first;
	mb_htab *rows;		/* key text -> uint32 row */
	size_t *voff;		/* per row and field: value in vals */
	uint32_t *vlen;
	mb_buf vals;
	size_t nrows;
	mb_buf tmp;
	mb_rec *r;
	/* loading */
	int err;
	int askfields;		/* the fields were asked for */
	int named;		/* the first row was read */
};

static int
fault(mb_dim *d, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fault(mb_dim *d, int err, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	d->err = err;
	return mb_seterr("%s", msg);
}

/* The text a key is matched on; 0 for null, objects, arrays, nothing. */
static int
key_text(const char *p, size_t n, mb_buf *b)
{
	mb_buf_reset(b);
	if (n == 0 || p[0] == 'n' || p[0] == '{' || p[0] == '[')
		return 0;
	if (p[0] == '"')
		mb_json_unescape(p + 1, n - 2, b);
	else
		mb_buf_add(b, p, n);
	return 1;
}

/* The first row names the fields, unless they were asked for. */
static int
name_fields(mb_dim *d)
{
	int i, nf = mb_rec_nfields(d->r);

	if (d->askfields) {
		for (i = 0; i < d->nfields; i++)
			if (mb_rec_find(d->r, d->fields[i]) < 0)
				return fault(d, MB_DIM_EBAD, "%s: no field \"%s\"",
				    d->path, d->fields[i]);
		return 0;
	}
	for (i = 0; i < nf; i++) {
		mb_span k = mb_rec_key(d->r, i);
		mb_buf_reset(&d->tmp);
		mb_json_unescape(k.p, k.len, &d->tmp);
		if (strlen(d->key) == d->tmp.len &&
		    memcmp(d->key, d->tmp.p, d->tmp.len) == 0)
			continue;
		d->fields = mb_xrealloc(d->fields, ((size_t)d->nfields + 1) *
		    sizeof(char *));
		d->fields[d->nfields++] = mb_xstrndup(d->tmp.p, d->tmp.len);
	}
	return 0;
}

static int
add_row(mb_dim *d, const char *json, size_t n, uint64_t lineno)
{
	int i, v, created;
	uint32_t *slot;
	mb_span sp;

	if (mb_rec_parse(d->r, json, n) < 0)
		return fault(d, MB_DIM_EBAD, "%s:%llu: %s", d->path,
		    (unsigned long long)lineno, mb_errmsg());
	if (!d->named) {
		if (name_fields(d) < 0)
			return -1;
		d->named = 1;
	}
	v = mb_rec_find(d->r, d->key);
	sp = mb_rec_raw(d->r, v);
	if (v < 0 || !key_text(sp.p, sp.len, &d->tmp))
		return fault(d, MB_DIM_EBAD, "%s:%llu: no value for the key "
		    "\"%s\"", d->path, (unsigned long long)lineno, d->key);
	slot = mb_htab_put(d->rows, d->tmp.p, d->tmp.len, &created);
	if (!created) {
		if (d->first)
			return 0;
		return fault(d, MB_DIM_EDUP, "%s:%llu: duplicate key \"%s\"",
		    d->path, (unsigned long long)lineno, mb_buf_cstr(&d->tmp));
	}
	*slot = (uint32_t)d->nrows;
	d->voff = mb_xrealloc(d->voff, (d->nrows + 1) * (size_t)d->nfields *
	    sizeof(size_t) + 1);
	d->vlen = mb_xrealloc(d->vlen, (d->nrows + 1) * (size_t)d->nfields *
	    sizeof(uint32_t) + 1);
	for (i = 0; i < d->nfields; i++) {
		size_t at = d->nrows * (size_t)d->nfields + (size_t)i;
		int fv = mb_rec_find(d->r, d->fields[i]);
		d->voff[at] = d->vals.len;
		if (fv < 0) {
			mb_buf_adds(&d->vals, "null");
		} else {
			mb_span f = mb_rec_raw(d->r, fv);
			mb_buf_add(&d->vals, f.p, f.len);
		}
		d->vlen[at] = (uint32_t)(d->vals.len - d->voff[at]);
	}
	d->nrows++;
	return 0;
}

/* A table stored as a dataset: the records of its newest snapshot. */
struct dsread {
	mb_dim *d;
	uint64_t n;
	int failed;
};

static void
ds_chunk(const void *p, size_t n, void *ctx)
{
	struct dsread *x = ctx;
	const char *s = p, *e = s + n, *nl;

	for (; s < e && !x->failed; s = nl + 1) {
		if ((nl = memchr(s, '\n', (size_t)(e - s))) == NULL)
			nl = e;
		if (nl > s && add_row(x->d, s, (size_t)(nl - s), ++x->n) < 0)
			x->failed = 1;
	}
}

static int
load_dataset(mb_dim *d)
{
	struct dsread x = { d, 0, 0 };
	mb_lake_reader *rd;
	mb_lake_snap s;
	mb_lake *l;
	int rc = 0;

	if ((l = mb_lake_open(d->path, 0)) == NULL)
		return fault(d, MB_DIM_EBAD, "%s: %s", d->path, mb_errmsg());
	mb_lake_snap_init(&s);
	if (mb_lake_snap_load(l, -1, &s) == -1) {
		fault(d, MB_DIM_EREAD, "%s: %s", d->path, mb_errmsg());
		mb_lake_close(l);
		return -1;
	}
	rd = mb_lake_reader_new();
	for (size_t i = 0; i < s.n && rc == 0; i++) {
		if (mb_lake_reader_part(rd, l, &s.files[i], 1, ds_chunk, &x) < 0)
			rc = fault(d, MB_DIM_EREAD, "%s: %s: %s", d->path,
			    s.files[i].path, mb_errmsg());
		else if (x.failed)
			rc = -1;
	}
	mb_lake_reader_free(rd);
	mb_lake_snap_free(&s);
	mb_lake_close(l);
	return rc;
}

static int
csv_rows(mb_dim *d, mb_csv *csv)
{
	mb_csv_row row;

	while (mb_csv_next(csv, &row)) {
		if (row.error != NULL)
			return fault(d, MB_DIM_EBAD, "%s:%llu: %s", d->path,
			    (unsigned long long)row.lineno, row.error);
		if (add_row(d, row.json, row.json_len, row.lineno) < 0)
			return -1;
	}
	return 0;
}

/* A CSV or NDJSON file: NDJSON when its first byte (after a BOM and
 * blanks) is '{'. */
static int
load_file(mb_dim *d)
{
	mb_in *in;
	mb_line ln;
	mb_csv *csv = NULL;
	const char *peek;
	size_t np, k = 0;
	int rc;

	if ((in = mb_in_open(d->path, 0)) == NULL)
		return fault(d, MB_DIM_EBAD, "%s", mb_errmsg());
	np = mb_in_peek(in, &peek, 64);
	if (np >= 3 && memcmp(peek, "\xef\xbb\xbf", 3) == 0)
		k = 3;
	while (k < np && isspace((unsigned char)peek[k]))
		k++;
	if (k >= np || peek[k] != '{')
		csv = mb_csv_new(',', 0);
	while ((rc = mb_in_line(in, &ln)) > 0) {
		if (ln.toolong) {
			rc = fault(d, MB_DIM_EBAD, "%s:%llu: line too long",
			    d->path, (unsigned long long)ln.lineno);
			break;
		}
		if (csv == NULL) {
			size_t i = 0;
			while (i < ln.len && isspace((unsigned char)ln.p[i]))
				i++;
			if (i < ln.len && add_row(d, ln.p, ln.len, ln.lineno) < 0) {
				rc = -1;
				break;
			}
			continue;
		}
		if (mb_csv_feed(csv, ln.p, ln.len, ln.lineno) < 0) {
			rc = fault(d, MB_DIM_EBAD, "%s:%llu: %s", d->path,
			    (unsigned long long)ln.lineno, mb_errmsg());
			break;
		}
		if ((rc = csv_rows(d, csv)) < 0)
			break;
	}
	if (rc < 0 && d->err == 0)
		fault(d, MB_DIM_EBAD, "%s", mb_errmsg());
	if (rc == 0 && csv != NULL) {
		mb_csv_finish(csv);
		rc = csv_rows(d, csv);
	}
	mb_csv_free(csv);
	mb_in_close(in);
	return rc;
}

mb_dim *
mb_dim_load(const char *path, const char *key, const char *const *fields,
    int n, int first, int *err)
{
	mb_dim *d = mb_xcalloc(1, sizeof(*d));
	struct stat st;
	int i, rc;

	d->path = path;
	d->key = mb_xstrdup(key);
	d->first = first;
	if (fields != NULL) {
		d->askfields = 1;
		d->fields = mb_xcalloc((size_t)n + 1, sizeof(char *));
		for (i = 0; i < n; i++)
			d->fields[i] = mb_xstrdup(fields[i]);
		d->nfields = n;
	}
	d->rows = mb_htab_new(sizeof(uint32_t));
	d->r = mb_rec_new();
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		rc = load_dataset(d);
	else
		rc = load_file(d);
	if (rc == 0 && d->nrows == 0)
		rc = fault(d, MB_DIM_EBAD, "%s: no rows", path);
	mb_rec_free(d->r);
	d->r = NULL;
	if (rc < 0) {
		*err = d->err ? d->err : MB_DIM_EBAD;
		mb_dim_free(d);
		return NULL;
	}
	return d;
}

void
mb_dim_free(mb_dim *d)
{
	int i;

	if (d == NULL)
		return;
	for (i = 0; i < d->nfields; i++)
		free(d->fields[i]);
	free(d->fields);
	free(d->key);
	mb_htab_free(d->rows);
	free(d->voff);
	free(d->vlen);
	mb_buf_free(&d->vals);
	mb_buf_free(&d->tmp);
	mb_rec_free(d->r);
	free(d);
}

int
mb_dim_nfields(const mb_dim *d)
{
	return d->nfields;
}

const char *
mb_dim_field(const mb_dim *d, int i)
{
	return d->fields[i];
}

size_t
mb_dim_nrows(const mb_dim *d)
{
	return d->nrows;
}

long
mb_dim_find(mb_dim *d, const char *json, size_t n)
{
	uint32_t *row;

	if (n > 1 && json[0] == '"' && memchr(json + 1, '\\', n - 2) == NULL)
		/* a string without escapes: its own key */
		row = mb_htab_get(d->rows, json + 1, n - 2);
	else if (key_text(json, n, &d->tmp))
		row = mb_htab_get(d->rows, d->tmp.p, d->tmp.len);
	else
		return -1;
	return row ? (long)*row : -1;
}

mb_span
mb_dim_value(const mb_dim *d, long row, int i)
{
	size_t at = (size_t)row * (size_t)d->nfields + (size_t)i;
	mb_span s = { d->vals.p + d->voff[at], d->vlen[at] };

	return s;
}
