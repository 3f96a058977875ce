/*
 * agg_state.c: one group's aggregate states.  For each kind of aggregate:
 * what a record adds (st_update), how two states combine (st_merge, the
 * second one later in input order), how a state is written to and read
 * from a partial-state line (st_write, st_read), and the value printed
 * at the end (st_final).  Also how a record's values are read: a field
 * through its remembered position, or an expression, once per record.
 */
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "agg_int.h"

#define SUMMAX ((__int128)10000000000000000000ULL * (__int128)10000000000000000000ULL - 1)

static size_t
statesize(int kind)
{
	switch (kind) {
	case MB_AGG_COUNT:
		return 0;
	case MB_AGG_RATE:
		return sizeof(uint64_t);
	case MB_AGG_SUM: case MB_AGG_SUMIF: case MB_AGG_AVG:
		return sizeof(sumst);
	case MB_AGG_DISTINCT:
		return sizeof(mb_u64set);
	case MB_AGG_APPROX:
		return sizeof(mb_hll);
	case MB_AGG_QUANTILE:
		return sizeof(mb_qsk *);
	default:
		return sizeof(vbox);
	}
}

void
st_sizes(mb_agg *a)
{
	size_t off = sizeof(ghead);
	int i;

	for (i = 0; i < a->naggs; i++) {
		a->aggs[i].off = off;
		off += (statesize(a->aggs[i].kind) + 15) & ~(size_t)15;
	}
	a->slot = off;
}

/* ---- a record's values ------------------------------------------------------------ */

asrc *
src_eval(mb_agg *a, asrc *s, const mb_rec *r)
{
	mb_val v;

	if (s->gen == a->gen)
		return s;
	s->gen = a->gen;
	s->num = 0;
	if (s->e == NULL) {
		int h = mb_rec_findh(r, s->path, s->plen, &s->hint);
		if ((s->t = mb_rec_type(r, h)) != MB_T_NONE) {
			s->present++;
			s->raw = mb_rec_raw(r, h);
		}
		return s;
	}
	if (mb_expr_eval(s->e, r, &v) < 0) {
		if (a->nexprerr++ == 0)
			a->exprerr = mb_xstrdup(mb_errmsg());
	}
	s->present++;
	mb_buf_reset(&s->tmp);
	switch (v.t) {
	case MB_V_NULL:
		s->t = MB_T_NULL;
		break;
	case MB_V_BOOL:
		s->t = MB_T_BOOL;
		break;
	case MB_V_DEC:
		s->t = MB_T_NUM;
		s->num = 1;
		s->d = v.d;
		break;
	case MB_V_DBL:
		s->t = MB_T_NUM;
		break;
	case MB_V_JSON:
		s->t = v.n > 0 && v.s[0] == '{' ? MB_T_OBJ : MB_T_ARR;
		s->raw.p = v.s;
		s->raw.len = v.n;
		return s;
	default:
		s->t = MB_T_STR;
		break;
	}
	mb_val_json(&s->tmp, &v);
	s->raw.p = s->tmp.p;
	s->raw.len = s->tmp.len;
	return s;
}

/* 1 and the value in s->d; 0 for null or missing; -1 not a number. */
static int
src_dec(asrc *s)
{
	int64_t m;
	int sc;

	if (s->num != 0)
		return s->num;
	if (s->t != MB_T_NUM)
		return s->num = (s->t == MB_T_NONE || s->t == MB_T_NULL) ? 2 : -1;
	if (mb_dec_parse64(s->raw.p, s->raw.len, &m, &sc) == 0) {
		s->d.v = m;
		s->d.scale = sc;
		return s->num = 1;
	}
	return s->num = mb_dec_parse(s->raw.p, s->raw.len, &s->d) == 0 ? 1 : -1;
}

static int
truth(const asrc *s)
{
	return s->t == MB_T_BOOL && s->raw.p[0] == 't';
}

/* A value that should have been a number: counted, or an error. */
static int
notnum(mb_agg *a, aspec *sp, asrc *s)
{
	size_t n = s->raw.len > 40 ? 40 : s->raw.len;

	if (a->o.strict)
		return mb_seterr("%s:%llu: %s: %.*s%s is not a number", a->csrc,
		    (unsigned long long)a->cline, s->text, (int)n, s->raw.p,
		    n < s->raw.len ? "..." : "");
	if (sp->nbad++ == 0) {
		mb_buf b = { 0 };
		mb_buf_printf(&b, "%.*s%s", (int)n, s->raw.p,
		    n < s->raw.len ? "..." : "");
		sp->badtxt = mb_buf_cstr(&b);
		sp->badsrc = a->csrc;
		sp->badline = a->cline;
	}
	return 0;
}

void
key_text(mb_agg *a, asrc *s, const mb_rec *r, mb_buf *b)
{
	src_eval(a, s, r);
	if (s->t == MB_T_NONE || s->t == MB_T_NULL)
		mb_buf_adds(b, "null");
	else if (s->t == MB_T_STR && memchr(s->raw.p, '\\', s->raw.len) != NULL) {
		/* one text per string: "\u0041" and "A" are one group */
		mb_buf_reset(&a->tmp2);
		mb_json_unescape(s->raw.p + 1, s->raw.len - 2, &a->tmp2);
		mb_buf_json_str(b, a->tmp2.p, a->tmp2.len);
	} else
		mb_buf_add(b, s->raw.p, s->raw.len);
}

/* The hash a distinct count counts: numbers by value (1.50 and 1.5 are
 * one), strings by their text after unescaping. */
static uint64_t
val_hash(mb_agg *a, asrc *s)
{
	if (s->t == MB_T_NUM && src_dec(s) == 1) {
		unsigned char b[20];
		mb_dec d = s->d;
		int32_t sc;
		while (d.scale > 0 && d.v % 10 == 0) {
			d.v /= 10;
			d.scale--;
		}
		sc = d.scale;
		memcpy(b, &d.v, 16);
		memcpy(b + 16, &sc, 4);
		return XXH3_64bits_withSeed(b, sizeof(b), 'n');
	}
	if (s->t == MB_T_STR) {
		if (memchr(s->raw.p, '\\', s->raw.len) == NULL)
			return XXH3_64bits_withSeed(s->raw.p + 1, s->raw.len - 2, 's');
		mb_buf_reset(&a->tmp2);
		mb_json_unescape(s->raw.p + 1, s->raw.len - 2, &a->tmp2);
		return XXH3_64bits_withSeed(a->tmp2.p, a->tmp2.len, 's');
	}
	return XXH3_64bits_withSeed(s->raw.p, s->raw.len, s->t == MB_T_BOOL ? 'b' : 'o');
}

/* ---- sums -------------------------------------------------------------------------- */

static int
rescale(__int128 *v, int by)
{
	while (by-- > 0)
		if (__builtin_mul_overflow(*v, 10, v))
			return -1;
	return 0;
}

static int
sum_add(sumst *s, __int128 v, int scale, uint64_t n)
{
	if (scale > s->scale) {
		if (rescale(&s->v, scale - s->scale) < 0)
			return -1;
		s->scale = scale;
	} else if (scale < s->scale && rescale(&v, s->scale - scale) < 0)
		return -1;
	if (__builtin_add_overflow(s->v, v, &s->v) || s->v > SUMMAX || s->v < -SUMMAX)
		return -1;
	s->n += n;
	s->any = 1;
	return 0;
}

/* ---- values kept as text ------------------------------------------------------------ */

static int
looks_time(const char *p, size_t n)
{
	return n >= 12 && p[0] == '"' && (unsigned)(p[1] - '0') < 10 &&
	    (unsigned)(p[2] - '0') < 10 && (unsigned)(p[3] - '0') < 10 &&
	    (unsigned)(p[4] - '0') < 10 && p[5] == '-';
}

static void
box_set(mb_agg *a, vbox *b, const char *p, size_t n, int t, const mb_dec *d)
{
	if (n > b->cap) {
		size_t ncap = n < 16 ? 16 : n;
		a->heap += ncap - b->cap;
		b->p = mb_xrealloc(b->p, ncap);
		b->cap = (uint32_t)ncap;
	}
	memcpy(b->p, p, n);
	b->len = (uint32_t)n;
	b->istime = 0;
	switch (t) {
	case MB_T_BOOL:
		b->rank = 1;
		break;
	case MB_T_NUM:
		b->rank = 2;
		if (d != NULL)
			b->d = *d;
		else if (mb_dec_parse(p, n, &b->d) < 0)
			b->rank = 4;
		break;
	case MB_T_STR:
		b->rank = 3;
		if (looks_time(p, n) && mb_time_parse(p + 1, n - 2, &b->t) == 0)
			b->istime = 1;
		break;
	default:
		b->rank = 4;
	}
}

static int
strcmp_json(mb_agg *a, const char *x, size_t xn, const char *y, size_t yn)
{
	int c;

	if (memchr(x, '\\', xn) == NULL && memchr(y, '\\', yn) == NULL) {
		c = memcmp(x + 1, y + 1, (xn < yn ? xn : yn) - 2);
		if (c == 0)
			c = xn < yn ? -1 : xn > yn;
		return c;
	}
	mb_buf_reset(&a->tmp);
	mb_buf_reset(&a->tmp2);
	mb_json_unescape(x + 1, xn - 2, &a->tmp);
	mb_json_unescape(y + 1, yn - 2, &a->tmp2);
	c = memcmp(a->tmp.p, a->tmp2.p, a->tmp.len < a->tmp2.len ? a->tmp.len : a->tmp2.len);
	if (c == 0)
		c = a->tmp.len < a->tmp2.len ? -1 : a->tmp.len > a->tmp2.len;
	return c;
}

/* Orders box x against box y: numbers by value, strings that hold times
 * by instant, other strings by bytes; kinds apart as bool < number <
 * string < other. */
static int
box_cmp(mb_agg *a, const vbox *x, const vbox *y)
{
	int c;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	switch (x->rank) {
	case 2:
		return mb_dec_cmp(x->d, y->d);
	case 3:
		if (x->istime && y->istime && x->t != y->t)
			return x->t < y->t ? -1 : 1;
		return strcmp_json(a, x->p, x->len, y->p, y->len);
	default:
		c = memcmp(x->p, y->p, x->len < y->len ? x->len : y->len);
		return c ? c : (x->len < y->len ? -1 : x->len > y->len);
	}
}

/* Min or max: the new value replaces only one that it beats. */
static void
box_consider(mb_agg *a, vbox *b, asrc *s, int kind)
{
	vbox nv = { 0 };
	int c;

	if (b->p == NULL) {
		box_set(a, b, s->raw.p, s->raw.len, s->t, src_dec(s) == 1 ? &s->d : NULL);
		return;
	}
	/* a throwaway box over the record's text, to compare */
	nv.p = (char *)s->raw.p;
	nv.len = (uint32_t)s->raw.len;
	switch (s->t) {
	case MB_T_BOOL:
		nv.rank = 1;
		break;
	case MB_T_NUM:
		nv.rank = src_dec(s) == 1 ? 2 : 4;
		nv.d = s->d;
		break;
	case MB_T_STR:
		nv.rank = 3;
		if (b->istime && looks_time(nv.p, nv.len) &&
		    mb_time_parse(nv.p + 1, nv.len - 2, &nv.t) == 0)
			nv.istime = 1;
		break;
	default:
		nv.rank = 4;
	}
	c = box_cmp(a, &nv, b);
	if (kind == MB_AGG_MIN ? c < 0 : c > 0)
		box_set(a, b, s->raw.p, s->raw.len, s->t, nv.rank == 2 ? &nv.d : NULL);
}

/* ---- update --------------------------------------------------------------------------- */

int
st_update(mb_agg *a, char *slot, const mb_rec *r, int64_t t)
{
	ghead *h = (ghead *)slot;
	int i, k;

	h->n++;
	for (i = 0; i < a->naggs; i++) {
		aspec *sp = &a->aggs[i];
		char *st = slot + sp->off;
		asrc *s;

		switch (sp->kind) {
		case MB_AGG_COUNT:
			break;
		case MB_AGG_RATE:
			if (truth(src_eval(a, sp->cond, r)))
				(*(uint64_t *)st)++;
			break;
		case MB_AGG_SUMIF:
			if (!truth(src_eval(a, sp->cond, r)))
				break;
			/* FALLTHROUGH */
		case MB_AGG_SUM:
		case MB_AGG_AVG:
			s = src_eval(a, sp->v, r);
			if ((k = src_dec(s)) == 1) {
				if (sum_add((sumst *)st, s->d.v, s->d.scale, 1) < 0)
					return mb_seterr("%s:%llu: %s: the sum passes 38 "
					    "digits", a->csrc, (unsigned long long)a->cline,
					    sp->name);
				if (s->d.scale > sp->colscale)
					sp->colscale = s->d.scale;
			} else if (k < 0 && notnum(a, sp, s) < 0)
				return -1;
			break;
		case MB_AGG_MIN:
		case MB_AGG_MAX:
			s = src_eval(a, sp->v, r);
			if (s->t != MB_T_NONE && s->t != MB_T_NULL)
				box_consider(a, (vbox *)st, s, sp->kind);
			break;
		case MB_AGG_FIRST:
		case MB_AGG_LAST: {
			vbox *b = (vbox *)st;
			s = src_eval(a, sp->v, r);
			if (s->t == MB_T_NONE || s->t == MB_T_NULL)
				break;
			if (b->p == NULL || (sp->kind == MB_AGG_FIRST ?
			    a->tsrc != NULL && t < b->t :
			    a->tsrc == NULL || t >= b->t)) {
				box_set(a, b, s->raw.p, s->raw.len, MB_T_OBJ, NULL);
				b->t = t;
			}
			break;
		}
		case MB_AGG_DISTINCT:
			s = src_eval(a, sp->v, r);
			if (s->t != MB_T_NONE && s->t != MB_T_NULL)
				a->heap += (size_t)mb_u64set_add((mb_u64set *)st,
				    val_hash(a, s), NULL);
			break;
		case MB_AGG_APPROX:
			s = src_eval(a, sp->v, r);
			if (s->t != MB_T_NONE && s->t != MB_T_NULL)
				a->heap += (size_t)mb_hll_add((mb_hll *)st, val_hash(a, s));
			break;
		case MB_AGG_QUANTILE: {
			mb_qsk **q = (mb_qsk **)st;
			s = src_eval(a, sp->v, r);
			if ((k = src_dec(s)) == 1) {
				if (*q == NULL) {
					*q = mb_xcalloc(1, sizeof(mb_qsk));
					a->heap += sizeof(mb_qsk);
				}
				a->heap += (size_t)mb_qsk_add(*q, s->d);
			} else if (k < 0 && notnum(a, sp, s) < 0)
				return -1;
			break;
		}
		}
	}
	return 0;
}

/* ---- merge ------------------------------------------------------------------------------ */

static void
box_take(mb_agg *a, vbox *dst, vbox *src)
{
	vbox t = *dst;

	*dst = *src;
	*src = t;
}

int
st_merge(mb_agg *a, char *dst, char *src)
{
	ghead *hd = (ghead *)dst, *hs = (ghead *)src;
	int i;

	hd->n += hs->n;
	for (i = 0; i < a->naggs; i++) {
		aspec *sp = &a->aggs[i];
		char *d = dst + sp->off, *s = src + sp->off;

		switch (sp->kind) {
		case MB_AGG_COUNT:
			break;
		case MB_AGG_RATE:
			*(uint64_t *)d += *(uint64_t *)s;
			break;
		case MB_AGG_SUM: case MB_AGG_SUMIF: case MB_AGG_AVG: {
			sumst *x = (sumst *)s;
			if (x->any && sum_add((sumst *)d, x->v, x->scale, x->n) < 0)
				return mb_seterr("%s: the sum passes 38 digits", sp->name);
			if (x->any && x->scale > sp->colscale)
				sp->colscale = x->scale;
			break;
		}
		case MB_AGG_MIN:
		case MB_AGG_MAX: {
			vbox *x = (vbox *)d, *y = (vbox *)s;
			int c;
			if (y->p == NULL)
				break;
			c = x->p == NULL ? 0 : box_cmp(a, y, x);
			if (x->p == NULL || (sp->kind == MB_AGG_MIN ? c < 0 : c > 0))
				box_take(a, x, y);
			break;
		}
		case MB_AGG_FIRST:
		case MB_AGG_LAST: {
			vbox *x = (vbox *)d, *y = (vbox *)s;
			if (y->p == NULL)
				break;
			if (x->p == NULL || (sp->kind == MB_AGG_FIRST ?
			    a->tsrc != NULL && y->t < x->t :
			    a->tsrc == NULL || y->t >= x->t))
				box_take(a, x, y);
			break;
		}
		case MB_AGG_DISTINCT:
			a->heap += (size_t)mb_u64set_merge((mb_u64set *)d, (mb_u64set *)s);
			break;
		case MB_AGG_APPROX:
			a->heap += (size_t)mb_hll_merge((mb_hll *)d, (mb_hll *)s);
			break;
		case MB_AGG_QUANTILE: {
			mb_qsk **x = (mb_qsk **)d, **y = (mb_qsk **)s, *t;
			if (*y == NULL)
				break;
			if (*x == NULL) {
				t = *x;
				*x = *y;
				*y = t;
				break;
			}
			a->heap += (size_t)mb_qsk_merge(*x, *y);
			break;
		}
		}
	}
	return 0;
}

void
st_free(mb_agg *a, char *slot)
{
	int i;

	for (i = 0; i < a->naggs; i++) {
		char *st = slot + a->aggs[i].off;
		switch (a->aggs[i].kind) {
		case MB_AGG_MIN: case MB_AGG_MAX: case MB_AGG_FIRST: case MB_AGG_LAST:
			a->heap -= ((vbox *)st)->cap;
			free(((vbox *)st)->p);
			break;
		case MB_AGG_DISTINCT:
			a->heap -= mb_u64set_bytes((mb_u64set *)st);
			mb_u64set_free((mb_u64set *)st);
			break;
		case MB_AGG_APPROX:
			a->heap -= mb_hll_bytes((mb_hll *)st);
			mb_hll_free((mb_hll *)st);
			break;
		case MB_AGG_QUANTILE:
			if (*(mb_qsk **)st != NULL) {
				a->heap -= mb_qsk_bytes(*(mb_qsk **)st) + sizeof(mb_qsk);
				mb_qsk_free(*(mb_qsk **)st);
				free(*(mb_qsk **)st);
			}
			break;
		}
	}
	memset(slot, 0, a->slot);
}

/* ---- partial state text ---------------------------------------------------------------- */

void
st_write(mb_agg *a, const char *slot, mb_buf *b)
{
	int i, first = 1;

	mb_buf_addc(b, '[');
	for (i = 0; i < a->naggs; i++) {
		const aspec *sp = &a->aggs[i];
		const char *st = slot + sp->off;

		if (sp->kind == MB_AGG_COUNT)
			continue;
		if (!first)
			mb_buf_addc(b, ',');
		first = 0;
		switch (sp->kind) {
		case MB_AGG_RATE:
			mb_buf_addu(b, *(const uint64_t *)st);
			break;
		case MB_AGG_SUM: case MB_AGG_SUMIF: case MB_AGG_AVG: {
			const sumst *s = (const sumst *)st;
			if (sp->kind == MB_AGG_AVG)
				mb_buf_addc(b, '[');
			mb_buf_dec(b, (mb_dec){ s->v, s->scale });
			if (sp->kind == MB_AGG_AVG) {
				mb_buf_addc(b, ',');
				mb_buf_addu(b, s->n);
				mb_buf_addc(b, ']');
			}
			break;
		}
		case MB_AGG_MIN: case MB_AGG_MAX: case MB_AGG_FIRST: case MB_AGG_LAST: {
			const vbox *x = (const vbox *)st;
			int timed = a->tsrc != NULL && (sp->kind == MB_AGG_FIRST ||
			    sp->kind == MB_AGG_LAST);
			if (x->p == NULL) {
				mb_buf_adds(b, "null");
				break;
			}
			if (timed)
				mb_buf_addc(b, '[');
			mb_buf_add(b, x->p, x->len);
			if (timed) {
				mb_buf_addc(b, ',');
				mb_buf_addi(b, x->t);
				mb_buf_addc(b, ']');
			}
			break;
		}
		case MB_AGG_DISTINCT:
			mb_u64set_write((const mb_u64set *)st, b);
			break;
		case MB_AGG_APPROX:
			mb_hll_write((const mb_hll *)st, b);
			break;
		case MB_AGG_QUANTILE:
			if (*(mb_qsk *const *)st == NULL)
				mb_buf_adds(b, "null");
			else
				mb_qsk_write(*(mb_qsk *const *)st, b);
			break;
		}
	}
	mb_buf_addc(b, ']');
}

static int
read_box(mb_agg *a, vbox *x, const mb_rec *r, int v, int timed)
{
	mb_type t = mb_rec_type(r, v);
	mb_span sp;

	if (t == MB_T_NULL)
		return 0;
	if (timed) {
		if (t != MB_T_ARR || mb_rec_len(r, v) != 2 ||
		    mb_rec_int(r, mb_rec_child(r, v, 1, NULL), &x->t) < 0)
			return -1;
		v = mb_rec_child(r, v, 0, NULL);
		t = mb_rec_type(r, v);
		if (t == MB_T_NULL)
			return -1;
	}
	sp = mb_rec_raw(r, v);
	int64_t keep = x->t;
	box_set(a, x, sp.p, sp.len, t, NULL);
	if (timed)
		x->t = keep;
	return 0;
}

int
st_read(mb_agg *a, char *slot, const mb_rec *r, int v)
{
	int i, k = 0, e;
	long grew = 0;

	for (i = 0; i < a->naggs; i++)
		k += a->aggs[i].kind != MB_AGG_COUNT;
	if (mb_rec_type(r, v) != MB_T_ARR || mb_rec_len(r, v) != k)
		return mb_seterr("\"s\" is not an array of %d states", k);
	for (i = 0, k = 0; i < a->naggs; i++) {
		aspec *sp = &a->aggs[i];
		char *st = slot + sp->off;
		mb_span raw;
		int64_t n;

		if (sp->kind == MB_AGG_COUNT)
			continue;
		e = mb_rec_child(r, v, k++, NULL);
		raw = mb_rec_raw(r, e);
		switch (sp->kind) {
		case MB_AGG_RATE:
			if (mb_rec_int(r, e, &n) < 0 || n < 0)
				goto bad;
			*(uint64_t *)st = (uint64_t)n;
			break;
		case MB_AGG_SUM: case MB_AGG_SUMIF: case MB_AGG_AVG: {
			sumst *s = (sumst *)st;
			mb_dec d;
			int x = e;
			if (sp->kind == MB_AGG_AVG) {
				if (mb_rec_type(r, e) != MB_T_ARR || mb_rec_len(r, e) != 2 ||
				    mb_rec_int(r, mb_rec_child(r, e, 1, NULL), &n) < 0 || n < 0)
					goto bad;
				x = mb_rec_child(r, e, 0, NULL);
				s->n = (uint64_t)n;
			}
			if (mb_rec_type(r, x) != MB_T_NUM || mb_rec_dec(r, x, &d) < 0)
				goto bad;
			s->v = d.v;
			s->scale = d.scale;
			s->any = 1;
			break;
		}
		case MB_AGG_MIN: case MB_AGG_MAX: case MB_AGG_FIRST: case MB_AGG_LAST:
			if (read_box(a, (vbox *)st, r, e, a->tsrc != NULL &&
			    (sp->kind == MB_AGG_FIRST || sp->kind == MB_AGG_LAST)) < 0)
				goto bad;
			break;
		case MB_AGG_DISTINCT:
			if (mb_rec_type(r, e) != MB_T_STR ||
			    mb_u64set_read((mb_u64set *)st, raw.p + 1, raw.len - 2, &grew) < 0)
				goto bad;
			break;
		case MB_AGG_APPROX:
			if (mb_rec_type(r, e) != MB_T_STR ||
			    mb_hll_read((mb_hll *)st, raw.p + 1, raw.len - 2, &grew) < 0)
				goto bad;
			break;
		case MB_AGG_QUANTILE:
			if (mb_rec_type(r, e) == MB_T_NULL)
				break;
			*(mb_qsk **)st = mb_xcalloc(1, sizeof(mb_qsk));
			grew += sizeof(mb_qsk);
			if (mb_qsk_read(*(mb_qsk **)st, r, e, &grew) < 0)
				goto bad;
			break;
		}
	}
	a->heap += (size_t)grew;
	return 0;
bad:
	a->heap += (size_t)grew;
	return mb_seterr("the state of %s is not one", a->aggs[i].name);
}

/* ---- the values printed ------------------------------------------------------------------ */

static mb_dec
trimz(mb_dec d, int minscale)
{
	while (d.scale > minscale && d.v % 10 == 0) {
		d.v /= 10;
		d.scale--;
	}
	return d;
}

static void
put_dec(mb_agg *a, mb_buf *b, mb_dec d)
{
	if (a->o.round >= 0 && d.scale > a->o.round)
		d = mb_dec_round(d, a->o.round);
	mb_buf_dec(b, d);
}

int
st_final(mb_agg *a, char *slot, mb_buf *b)
{
	const ghead *h = (const ghead *)slot;
	mb_dec d;
	int i, k;

	for (i = 0; i < a->naggs; i++) {
		aspec *sp = &a->aggs[i];
		char *st = slot + sp->off;

		if (sp->kind == MB_AGG_QUANTILE) {
			mb_qsk *q = *(mb_qsk **)st;
			for (k = 0; k < sp->nq; k++) {
				agg_field(a, b, sp->qname[k]);
				if (q == NULL || mb_qsk_get(q, sp->qm[k], sp->qs[k], &d) < 0)
					mb_buf_adds(b, "null");
				else
					put_dec(a, b, d);
				agg_field_end(a, b);
			}
			continue;
		}
		agg_field(a, b, sp->name);
		switch (sp->kind) {
		case MB_AGG_COUNT:
			mb_buf_addu(b, h->n);
			break;
		case MB_AGG_RATE: {
			uint64_t t = *(uint64_t *)st;
			int sc = a->o.round >= 0 ? a->o.round : a->o.pct ? 2 : 6;
			if (mb_dec_div((mb_dec){ (__int128)t * (a->o.pct ? 100 : 1), 0 },
			    (mb_dec){ h->n, 0 }, sc, &d) < 0)
				return -1;
			mb_buf_dec(b, a->o.pct ? d : trimz(d, 0));
			break;
		}
		case MB_AGG_SUM: case MB_AGG_SUMIF: {
			/* as many decimals as the column's values have: 0.00 */
			const sumst *s = (const sumst *)st;
			d = (mb_dec){ s->v, s->scale };
			while (d.scale < sp->colscale && d.v < SUMMAX / 10 &&
			    d.v > -SUMMAX / 10) {
				d.v *= 10;
				d.scale++;
			}
			put_dec(a, b, d);
			break;
		}
		case MB_AGG_AVG: {
			const sumst *s = (const sumst *)st;
			int sc = s->scale > sp->colscale ? s->scale : sp->colscale;
			if (s->n == 0) {
				mb_buf_adds(b, "null");
				break;
			}
			if (mb_dec_div((mb_dec){ s->v, s->scale }, (mb_dec){ s->n, 0 },
			    sc > 6 ? sc : 6, &d) < 0)
				return -1;
			put_dec(a, b, trimz(d, sc));
			break;
		}
		case MB_AGG_MIN: case MB_AGG_MAX: case MB_AGG_FIRST: case MB_AGG_LAST: {
			const vbox *x = (const vbox *)st;
			if (x->p == NULL)
				mb_buf_adds(b, "null");
			else
				mb_buf_add(b, x->p, x->len);
			break;
		}
		case MB_AGG_DISTINCT:
			mb_buf_addu(b, ((const mb_u64set *)st)->n);
			break;
		case MB_AGG_APPROX:
			mb_buf_addu(b, mb_hll_count((const mb_hll *)st));
			break;
		}
		agg_field_end(a, b);
	}
	return 0;
}
