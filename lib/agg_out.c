/*
 * agg_out.c: the output of the aggregation engine.  A batch (the end of
 * input, windows that closed, an update) goes out group by group; when
 * its order is not the order the groups come in (--sort, or groups read
 * back from spilled runs), the lines go through a sorter first: each line
 * gets a key that memcmp orders (the --sort fields, encoded, then the
 * window and the group's first-seen ordinal), and the sorter spills
 * sorted runs to temporary files past its share of the memory budget.
 * Then --top, --per and --rank, and the tool's out callback.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agg_int.h"

/* ---- fields of a line -------------------------------------------------------------- */

/* Starts a field: a comma unless it is the first, its name, and the start
 * of its value's span (for sorting and --per). */
void
agg_field(mb_agg *a, mb_buf *b, const char *name)
{
	size_t *sp;

	if (b->len > 0 && b->p[b->len - 1] != '{')
		mb_buf_addc(b, ',');
	mb_buf_json_str(b, name, strlen(name));
	mb_buf_addc(b, ':');
	mb_buf_grow(&a->fspan, 2 * sizeof(size_t));
	sp = (size_t *)(a->fspan.p + a->fspan.len);
	sp[0] = b->len;
	a->fspan.len += 2 * sizeof(size_t);
}

void
agg_field_end(mb_agg *a, mb_buf *b)
{
	size_t *sp = (size_t *)(a->fspan.p + a->fspan.len) - 2;

	sp[1] = b->len - sp[0];
}

/* ---- keys that memcmp orders --------------------------------------------------------- */

static void
enc_bytes(mb_buf *k, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		mb_buf_addc(k, p[i]);
		if (p[i] == '\0')
			mb_buf_addc(k, (char)0xff);
	}
	mb_buf_add(k, "\0\0", 2);
}

/* A decimal: sign, then the position of the point, then the digits, so
 * that bytes compare as values do; a negative number's bytes inverted. */
static void
enc_dec(mb_buf *k, mb_dec d)
{
	char dig[64];
	int n = 0, i, e, neg = d.v < 0;
	unsigned __int128 u;
	size_t at;

	while (d.scale > 0 && d.v % 10 == 0) {
		d.v /= 10;
		d.scale--;
	}
	if (d.v == 0) {
		mb_buf_addc(k, 0x11);
		return;
	}
	u = neg ? (unsigned __int128)0 - (unsigned __int128)d.v : (unsigned __int128)d.v;
	while (u > 0) {
		dig[n++] = (char)('0' + (int)(u % 10));
		u /= 10;
	}
	e = n - d.scale + 0x8000;
	mb_buf_addc(k, neg ? 0x10 : 0x12);
	at = k->len;
	mb_buf_addc(k, (char)(e >> 8));
	mb_buf_addc(k, (char)e);
	for (i = n - 1; i >= 0; i--)
		mb_buf_addc(k, dig[i]);
	mb_buf_addc(k, 0);
	if (neg)
		for (; at < k->len; at++)
			k->p[at] = (char)~k->p[at];
}

/* One output value's JSON text into the key; null sorts last both ways. */
static void
enc_value(mb_agg *a, mb_buf *k, const char *p, size_t n, int desc)
{
	size_t at = k->len;
	mb_dec d;

	if (n == 4 && memcmp(p, "null", 4) == 0) {
		mb_buf_addc(k, (char)0xff);
		return;
	}
	if (p[0] == '"') {
		mb_buf_addc(k, 0x30);
		mb_buf_reset(&a->tmp2);
		mb_json_unescape(p + 1, n - 2, &a->tmp2);
		enc_bytes(k, a->tmp2.p ? a->tmp2.p : "", a->tmp2.len);
	} else if (p[0] == 't' || p[0] == 'f') {
		mb_buf_addc(k, 0x20);
		mb_buf_addc(k, p[0] == 't');
	} else if ((p[0] == '-' || (p[0] >= '0' && p[0] <= '9')) &&
	    mb_dec_parse(p, n, &d) == 0)
		enc_dec(k, d);
	else {
		mb_buf_addc(k, 0x40);
		enc_bytes(k, p, n);
	}
	if (desc)
		for (; at < k->len; at++)
			k->p[at] = (char)~k->p[at];
}

static void
enc_u64(mb_buf *k, uint64_t v)
{
	int i;

	for (i = 56; i >= 0; i -= 8)
		mb_buf_addc(k, (char)(v >> i));
}

/* ---- the sorter ------------------------------------------------------------------------ */

static int
ent_cmp(const void *x, const void *y, void *ctx)
{
	const char *data = ctx, *p = data + *(const size_t *)x, *q = data + *(const size_t *)y;
	uint32_t pk, qk;
	int c;

	memcpy(&pk, p, 4);
	memcpy(&qk, q, 4);
	c = memcmp(p + 8, q + 8, pk < qk ? pk : qk);
	return c ? c : (pk < qk ? -1 : pk > qk);
}

void
xs_free(xsort *x)
{
	int i;

	mb_buf_free(&x->data);
	free(x->ent);
	for (i = 0; i < x->nruns; i++)
		fclose(x->runs[i]);
	free(x->runs);
	memset(x, 0, sizeof(*x));
}

static int
put_ent(FILE *f, const char *e)
{
	uint32_t h[2];

	memcpy(h, e, 8);
	return fwrite(e, 1, 8 + (size_t)h[0] + h[1], f) == 8 + (size_t)h[0] + h[1] ? 0 : -1;
}

static int
xs_spill(mb_agg *a)
{
	xsort *x = &a->xs;
	FILE *f;
	size_t i;

	if (x->n == 0)
		return 0;
	if ((f = agg_tmpfile()) == NULL)
		return -1;
	qsort_r(x->ent, x->n, sizeof(size_t), ent_cmp, x->data.p);
	for (i = 0; i < x->n; i++)
		if (put_ent(f, x->data.p + x->ent[i]) < 0)
			break;
	if (i < x->n || fflush(f) != 0) {
		fclose(f);
		return mb_seterr("writing a temporary file: %s", strerror(errno));
	}
	x->runs = mb_xrealloc(x->runs, ((size_t)x->nruns + 1) * sizeof(FILE *));
	x->runs[x->nruns++] = f;
	x->n = 0;
	x->data.len = 0;
	return 0;
}

static int
xs_add(mb_agg *a, const mb_buf *k, const char *p, size_t pn)
{
	xsort *x = &a->xs;
	uint32_t h[2] = { (uint32_t)k->len, (uint32_t)pn };
	size_t budget = a->limit / 2 < 16384 ? 16384 : a->limit / 2;

	if (x->n == x->cap) {
		x->cap = x->cap ? x->cap * 2 : 1024;
		x->ent = mb_xrealloc(x->ent, x->cap * sizeof(size_t));
	}
	x->ent[x->n++] = x->data.len;
	mb_buf_add(&x->data, h, 8);
	mb_buf_add(&x->data, k->p, k->len);
	mb_buf_add(&x->data, p, pn);
	if (x->data.len + x->cap * sizeof(size_t) > budget)
		return xs_spill(a);
	return 0;
}

typedef struct rdr {
	FILE *f;
	mb_buf cur;
	int live;
} rdr;

static int
rdr_next(rdr *r)
{
	uint32_t h[2];
	size_t n;

	r->cur.len = 0;
	if ((n = fread(h, 1, 8, r->f)) == 0 && feof(r->f)) {
		r->live = 0;
		return 0;
	}
	if (n != 8)
		return mb_seterr("reading a temporary file: short read");
	mb_buf_add(&r->cur, h, 8);
	mb_buf_grow(&r->cur, (size_t)h[0] + h[1]);
	if (fread(r->cur.p + 8, 1, (size_t)h[0] + h[1], r->f) != (size_t)h[0] + h[1])
		return mb_seterr("reading a temporary file: short read");
	r->cur.len = 8 + (size_t)h[0] + h[1];
	r->live = 1;
	return 1;
}

typedef int (*ent_fn)(mb_agg *a, const char *e, void *ctx);

/* Merges runs [0, n) in key order into fn; equal keys cannot happen (the
 * ordinal is in every key). */
static int
xs_merge(mb_agg *a, FILE **runs, int n, ent_fn fn, void *ctx)
{
	rdr *r = mb_xcalloc((size_t)n, sizeof(rdr));
	int i, best, rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		r[i].f = runs[i];
		rewind(runs[i]);
		rc = rdr_next(&r[i]) < 0 ? -1 : 0;
	}
	while (rc == 0) {
		best = -1;
		for (i = 0; i < n; i++) {
			if (!r[i].live)
				continue;
			if (best < 0) {
				best = i;
				continue;
			}
			{
				const char *p = r[i].cur.p, *q = r[best].cur.p;
				uint32_t pk, qk;
				int c;
				memcpy(&pk, p, 4);
				memcpy(&qk, q, 4);
				c = memcmp(p + 8, q + 8, pk < qk ? pk : qk);
				if (c < 0 || (c == 0 && pk < qk))
					best = i;
			}
		}
		if (best < 0)
			break;
		if (fn(a, r[best].cur.p, ctx) < 0 || rdr_next(&r[best]) < 0)
			rc = -1;
	}
	for (i = 0; i < n; i++)
		mb_buf_free(&r[i].cur);
	free(r);
	return rc;
}

static int
to_run(mb_agg *a, const char *e, void *ctx)
{
	if (put_ent(ctx, e) < 0)
		return mb_seterr("writing a temporary file: %s", strerror(errno));
	return 0;
}

static int emit_ent(mb_agg *a, const char *e, void *ctx);

static int
xs_finish(mb_agg *a)
{
	xsort *x = &a->xs;
	size_t i;
	int k, rc = 0;

	if (x->nruns == 0) {
		if (x->n > 1)
			qsort_r(x->ent, x->n, sizeof(size_t), ent_cmp, x->data.p);
		for (i = 0; i < x->n && rc == 0; i++)
			rc = emit_ent(a, x->data.p + x->ent[i], NULL);
		x->n = 0;
		x->data.len = 0;
		return rc;
	}
	if (xs_spill(a) < 0)
		return -1;
	/* the first AGG_FANIN runs into one at the end, as a queue: every
	 * line is rewritten log(runs) times */
	while (x->nruns > AGG_FANIN) {
		FILE *f = agg_tmpfile();
		if (f == NULL || xs_merge(a, x->runs, AGG_FANIN, to_run, f) < 0 ||
		    fflush(f) != 0) {
			if (f != NULL)
				fclose(f);
			return -1;
		}
		for (k = 0; k < AGG_FANIN; k++)
			fclose(x->runs[k]);
		memmove(x->runs, x->runs + AGG_FANIN,
		    (size_t)(x->nruns - AGG_FANIN) * sizeof(FILE *));
		x->nruns -= AGG_FANIN;
		x->runs[x->nruns++] = f;
	}
	rc = xs_merge(a, x->runs, x->nruns, emit_ent, NULL);
	for (k = 0; k < x->nruns; k++)
		fclose(x->runs[k]);
	x->nruns = 0;
	return rc;
}

/* ---- lines out ---------------------------------------------------------------------------- */

static int
emit_line(mb_agg *a, const char *p, size_t n, const char *per, size_t pern)
{
	uint64_t pos;

	if (a->o.partial) {
		a->o.out(a->o.ctx, p, n);
		return 0;
	}
	if (a->perfield >= 0) {
		uint64_t *c = mb_htab_put(a->percount, per, pern, NULL);
		if (*c >= (uint64_t)a->o.top)
			return 0;
		pos = ++*c;
	} else {
		if (a->o.top > 0 && a->nout >= (uint64_t)a->o.top)
			return 0;
		pos = ++a->nout;
	}
	if (a->o.rank == NULL) {
		a->o.out(a->o.ctx, p, n);
		return 0;
	}
	mb_buf_reset(&a->tmp);
	mb_buf_addc(&a->tmp, '{');
	mb_buf_json_str(&a->tmp, a->o.rank, strlen(a->o.rank));
	mb_buf_addc(&a->tmp, ':');
	mb_buf_addu(&a->tmp, pos);
	mb_buf_addc(&a->tmp, ',');
	mb_buf_add(&a->tmp, p + 1, n - 1);
	a->o.out(a->o.ctx, a->tmp.p, a->tmp.len);
	return 0;
}

static int
emit_ent(mb_agg *a, const char *e, void *ctx)
{
	uint32_t h[2], pern;
	const char *p;

	memcpy(h, e, 8);
	p = e + 8 + h[0];
	memcpy(&pern, p, 4);
	return emit_line(a, p + 4 + pern, h[1] - 4 - pern, p + 4, pern);
}

void
out_begin(mb_agg *a, int sink)
{
	a->inbatch = 1;
	a->sinking = sink || (a->nsorts > 0 && !a->o.partial);
	a->nout = 0;
	if (a->perfield >= 0) {
		mb_htab_free(a->percount);
		a->percount = mb_htab_new(sizeof(uint64_t));
	}
}

int
out_group(mb_agg *a, int64_t ws, const char *key, size_t klen, char *slot)
{
	mb_buf *b = &a->line;
	const ghead *h = (const ghead *)slot;
	const char *e = key + klen, *c, *per = "";
	size_t pern = 0;
	uint32_t pl;
	int i;

	mb_buf_reset(b);
	a->fspan.len = 0;
	if (a->o.partial)
		agg_state_line(a, ws, key, klen, slot, b);
	else {
		mb_buf_addc(b, '{');
		if (a->haswin) {
			agg_field(a, b, "window_start");
			mb_buf_addc(b, '"');
			mb_time_fmt(b, ws);
			mb_buf_addc(b, '"');
			agg_field_end(a, b);
			agg_field(a, b, "window_end");
			mb_buf_addc(b, '"');
			mb_time_fmt(b, ws + a->win);
			mb_buf_addc(b, '"');
			agg_field_end(a, b);
		}
		for (i = 0; i < a->nkeys; i++) {
			c = memchr(key, KSEP, (size_t)(e - key));
			agg_field(a, b, a->keys[i].name);
			mb_buf_add(b, key, (size_t)((c ? c : e) - key));
			agg_field_end(a, b);
			key = c ? c + 1 : e;
		}
		if (st_final(a, slot, b) < 0)
			return -1;
		mb_buf_adds(b, "}\n");
		if (a->perfield >= 0) {
			const size_t *sp = (const size_t *)a->fspan.p + 2 * a->perfield;
			per = b->p + sp[0];
			pern = sp[1];
		}
	}
	if (!a->sinking)
		return emit_line(a, b->p, b->len, per, pern);
	mb_buf_reset(&a->skey);
	for (i = 0; i < a->nsorts && !a->o.partial; i++) {
		const size_t *sp = (const size_t *)a->fspan.p + 2 * a->sorts[i].field;
		enc_value(a, &a->skey, b->p + sp[0], sp[1], a->sorts[i].desc);
	}
	enc_u64(&a->skey, (uint64_t)ws ^ (1ull << 63));
	enc_u64(&a->skey, h->ord);
	mb_buf_reset(&a->pay);
	pl = (uint32_t)pern;
	mb_buf_add(&a->pay, &pl, 4);
	mb_buf_add(&a->pay, per, pern);
	mb_buf_add(&a->pay, b->p, b->len);
	return xs_add(a, &a->skey, a->pay.p, a->pay.len);
}

int
out_end(mb_agg *a)
{
	int rc = 0;

	if (a->sinking)
		rc = xs_finish(a);
	a->inbatch = 0;
	a->sinking = 0;
	return rc;
}
