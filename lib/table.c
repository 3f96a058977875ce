/*
 * table.c: reads a whole (small) table into typed columns: a dataset's
 * newest snapshot, an NDJSON or CSV file (plain or zstd), or stdin.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "htab.h"
#include "lake.h"
#include "table.h"

mb_tab *
mb_tab_new(const char *name)
{
	mb_tab *t = mb_xcalloc(1, sizeof(*t));

	t->name = mb_xstrdup(name);
	t->index = mb_htab_new(sizeof(int));
	t->rec = mb_rec_new();
	return t;
}

void
mb_tab_free(mb_tab *t)
{
	if (t == NULL)
		return;
	for (int i = 0; i < t->ncols; i++) {
		free(t->cols[i].name);
		free(t->cols[i].cells);
	}
	free(t->cols);
	free(t->name);
	free(t->source);
	mb_buf_free(&t->strs);
	mb_buf_free(&t->tmp);
	mb_htab_free(t->index);
	mb_rec_free(t->rec);
	free(t);
}

int
mb_tab_col(const mb_tab *t, const char *name)
{
	int *slot = mb_htab_get(t->index, name, strlen(name));

	return slot ? *slot : -1;
}

/* The column of a key, made (with missing cells for the rows so far)
 * when it is new. */
static int
col_for(mb_tab *t, const char *k, size_t n)
{
	int created, *slot = mb_htab_put(t->index, k, n, &created);
	mb_col *c;

	if (!created)
		return *slot;
	if (t->ncols == t->capcols) {
		t->capcols = t->capcols ? t->capcols * 2 : 16;
		t->cols = mb_xrealloc(t->cols, (size_t)t->capcols * sizeof(mb_col));
	}
	c = &t->cols[t->ncols];
	memset(c, 0, sizeof(*c));
	c->name = mb_xstrndup(k, n);
	c->cells = mb_xcalloc(t->caprows ? t->caprows : 1, sizeof(mb_cell));
	*slot = t->ncols;
	return t->ncols++;
}

static void
grow_rows(mb_tab *t)
{
	size_t cap = t->caprows ? t->caprows * 2 : 64;

	for (int i = 0; i < t->ncols; i++) {
		t->cols[i].cells = mb_xrealloc(t->cols[i].cells, cap * sizeof(mb_cell));
		memset(t->cols[i].cells + t->caprows, 0,
		    (cap - t->caprows) * sizeof(mb_cell));
	}
	t->caprows = cap;
}

int
mb_tab_add_json(mb_tab *t, const char *p, size_t n)
{
	mb_rec *r = t->rec;
	size_t row = t->nrows;

	if (mb_rec_parse(r, p, n) == -1)
		return -1;
	if (row == t->caprows)
		grow_rows(t);
	for (int i = 0, nf = mb_rec_nfields(r); i < nf; i++) {
		mb_span k = mb_rec_key(r, i);
		int v = mb_rec_field(r, i), col;
		mb_cell *c;

		mb_buf_reset(&t->tmp);
		if (mb_json_unescape(k.p, k.len, &t->tmp) == -1)
			return -1;
		if (t->tmp.len > 0 && t->tmp.p[0] == '_')
			continue;
		col = col_for(t, t->tmp.p, t->tmp.len);
		c = &t->cols[col].cells[row];
		if (c->t != MB_T_NONE)
			continue;	/* a repeated key: the first one counts */
		c->t = (uint8_t)mb_rec_type(r, v);
		switch (c->t) {
		case MB_T_NUM:
			if (mb_rec_dec(r, v, &c->d) == -1)
				return mb_seterr("field \"%s\": %s",
				    t->cols[col].name, mb_errmsg());
			t->cols[col].nnum++;
			break;
		case MB_T_STR:
			if (t->strs.len > UINT32_MAX - n)
				return mb_seterr("table too large");
			c->off = (uint32_t)t->strs.len;
			mb_rec_str(r, v, &t->strs);
			c->len = (uint32_t)(t->strs.len - c->off);
			t->cols[col].nstr++;
			break;
		case MB_T_BOOL: {
			int b = 0;
			mb_rec_bool(r, v, &b);
			c->b = (uint8_t)b;
			break;
		}
		case MB_T_NULL:
			t->cols[col].nnull++;
			break;
		}
	}
	t->nrows++;
	return 0;
}

static int
add_line(mb_tab *t, const char *name, const char *p, size_t n,
    uint64_t lineno)
{
	size_t i = 0;

	while (i < n && isspace((unsigned char)p[i]))
		i++;
	if (i == n)
		return 0;
	if (mb_tab_add_json(t, p, n) == -1)
		return mb_seterr("%s:%llu: %s", name, (unsigned long long)lineno,
		    mb_errmsg()), -2;
	return 0;
}

struct dsctx {
	mb_tab *t;
	const char *path;
	uint64_t lineno;
	int rc;
	char msg[512];
};

static void
ds_chunk(const void *p, size_t n, void *ctx)
{
	struct dsctx *d = ctx;
	const char *s = p, *e = s + n, *nl;

	for (; s < e && d->rc == 0; s = nl + 1) {
		if ((nl = memchr(s, '\n', (size_t)(e - s))) == NULL)
			nl = e;
		d->rc = add_line(d->t, d->path, s, (size_t)(nl - s), ++d->lineno);
	}
}

static int
load_dataset(mb_tab *t, const char *dir)
{
	struct dsctx d = { t, NULL, 0, 0, "" };
	mb_lake_reader *rd;
	mb_lake_snap s;
	mb_lake *l;
	mb_buf path = { 0 };
	int rc = 0;

	if ((l = mb_lake_open(dir, 0)) == NULL)
		return mb_seterr("%s: %s", dir, mb_errmsg());
	mb_lake_snap_init(&s);
	if (mb_lake_snap_load(l, -1, &s) == -1) {
		mb_seterr("%s: %s", dir, mb_errmsg());
		mb_lake_close(l);
		return -1;
	}
	rd = mb_lake_reader_new();
	for (size_t i = 0; i < s.n && rc == 0; i++) {
		mb_buf_reset(&path);
		mb_buf_printf(&path, "%s/%s", dir, s.files[i].path);
		d.path = path.p;
		d.lineno = 0;
		if (mb_lake_reader_cat(rd, path.p, &s.files[i], ds_chunk, &d) < 0)
			rc = mb_seterr("%s: %s", path.p, mb_errmsg());
		else
			rc = d.rc;
	}
	mb_buf_free(&path);
	mb_lake_reader_free(rd);
	mb_lake_snap_free(&s);
	mb_lake_close(l);
	return rc;
}

static int
load_csv(mb_tab *t, mb_in *in, const char *name)
{
	mb_csv *csv = mb_csv_new(',', 0);
	mb_csv_row row;
	mb_line ln;
	int rc = 0, err = 0;

	while (err == 0 && (rc = mb_in_line(in, &ln)) > 0) {
		if (mb_csv_feed(csv, ln.p, ln.len, ln.lineno) == -1) {
			err = mb_seterr("%s:%llu: %s", name,
			    (unsigned long long)ln.lineno, mb_errmsg()) * 2;
			break;
		}
		while (err == 0 && mb_csv_next(csv, &row)) {
			if (row.error != NULL)
				err = mb_seterr("%s:%llu: %s", name,
				    (unsigned long long)row.lineno, row.error) * 2;
			else if (mb_tab_add_json(t, row.json, row.json_len) == -1)
				err = mb_seterr("%s:%llu: %s", name,
				    (unsigned long long)row.lineno, mb_errmsg()) * 2;
		}
	}
	if (err == 0 && rc < 0)
		err = -1;
	if (err == 0) {
		mb_csv_finish(csv);
		if (mb_csv_next(csv, &row) && row.error != NULL)
			err = mb_seterr("%s:%llu: %s", name,
			    (unsigned long long)row.lineno, row.error) * 2;
	}
	mb_csv_free(csv);
	return err;
}

int
mb_tab_load(mb_tab *t, const char *source)
{
	struct stat st;
	const char *peek;
	mb_line ln;
	mb_in *in;
	size_t np, k = 0;
	int rc = 0;

	free(t->source);
	t->source = mb_xstrdup(source);
	if (strcmp(source, "-") != 0 && stat(source, &st) == 0 &&
	    S_ISDIR(st.st_mode))
		return load_dataset(t, source);
	if ((in = mb_in_open(source, 0)) == NULL)
		return -1;
	np = mb_in_peek(in, &peek, 64);
	if (np >= 3 && memcmp(peek, "\xef\xbb\xbf", 3) == 0)
		k = 3;
	while (k < np && isspace((unsigned char)peek[k]))
		k++;
	if (k < np && peek[k] != '{') {
		rc = load_csv(t, in, source);
		mb_in_close(in);
		return rc;
	}
	while (rc == 0 && (rc = mb_in_line(in, &ln)) > 0) {
		if (ln.toolong)
			rc = mb_seterr("%s:%llu: line too long", source,
			    (unsigned long long)ln.lineno) * 2;
		else
			rc = add_line(t, source, ln.p, ln.len, ln.lineno);
	}
	mb_in_close(in);
	return rc;
}
