/*
 * sketch.c: an exact hash set, HyperLogLog and a quantile state (exact
 * values, then DDSketch buckets), each mergeable and independent of the
 * order of its input (sketch.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mb.h"
#include "sketch.h"

/* ---- exact set ---------------------------------------------------------------- */

static int
set_ins(uint64_t *t, uint32_t mask, uint64_t h)
{
	uint32_t j = (uint32_t)h & mask;

	while (t[j] != 0) {
		if (t[j] == h)
			return 0;
		j = (j + 1) & mask;
	}
	t[j] = h;
	return 1;
}

static long
set_grow(mb_u64set *s)
{
	uint32_t ocap = s->cap, i;
	uint64_t *old = s->t;

	s->cap = ocap ? ocap * 2 : 4;
	s->t = mb_xcalloc(s->cap, sizeof(uint64_t));
	for (i = 0; i < ocap; i++)
		if (old[i] != 0)
			set_ins(s->t, s->cap - 1, old[i]);
	free(old);
	return (long)(s->cap - ocap) * (long)sizeof(uint64_t);
}

long
mb_u64set_add(mb_u64set *s, uint64_t h, int *isnew)
{
	long grew = 0;
	int k;

	if (h == 0)
		h = 1;
	if (s->cap == 0)
		grew = set_grow(s);
	k = set_ins(s->t, s->cap - 1, h);
	if (isnew != NULL)
		*isnew = k;
	if (k && ++s->n * 4 > s->cap * 3)
		grew += set_grow(s);
	return grew;
}

long
mb_u64set_merge(mb_u64set *a, const mb_u64set *b)
{
	long grew = 0;
	uint32_t i;

	for (i = 0; i < b->cap; i++)
		if (b->t[i] != 0)
			grew += mb_u64set_add(a, b->t[i], NULL);
	return grew;
}

size_t
mb_u64set_bytes(const mb_u64set *s)
{
	return (size_t)s->cap * sizeof(uint64_t);
}

void
mb_u64set_free(mb_u64set *s)
{
	free(s->t);
	memset(s, 0, sizeof(*s));
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void
mb_u64set_write(const mb_u64set *s, mb_buf *b)
{
	uint64_t *v = mb_xmalloc(((size_t)s->n + 1) * sizeof(uint64_t));
	uint32_t i, k = 0;

	for (i = 0; i < s->cap; i++)
		if (s->t[i] != 0)
			v[k++] = s->t[i];
	qsort(v, k, sizeof(uint64_t), cmp_u64);
	mb_buf_grow(b, (size_t)k * 16 + 2);
	mb_buf_addc(b, '"');
	for (i = 0; i < k; i++)
		mb_buf_addhex64(b, v[i]);
	mb_buf_addc(b, '"');
	free(v);
}

static int
hexdig(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
mb_u64set_read(mb_u64set *s, const char *p, size_t n, long *grew)
{
	size_t i;
	int k, d;

	if (n % 16 != 0)
		return mb_seterr("a set of hashes is not 16-digit groups");
	for (i = 0; i < n; i += 16) {
		uint64_t h = 0;
		for (k = 0; k < 16; k++) {
			if ((d = hexdig(p[i + (size_t)k])) < 0)
				return mb_seterr("a set of hashes has a byte that is "
				    "not a hex digit");
			h = h << 4 | (uint64_t)d;
		}
		if (h == 0)
			return mb_seterr("a set of hashes holds 0");
		*grew += mb_u64set_add(s, h, NULL);
	}
	return 0;
}

/* ---- HyperLogLog -------------------------------------------------------------- */

static void
reg_add(uint8_t *reg, uint64_t h)
{
	uint32_t idx = (uint32_t)(h >> (64 - MB_HLL_P));
	uint8_t rho = (uint8_t)(__builtin_clzll(h << MB_HLL_P |
	    (1ull << (MB_HLL_P - 1))) + 1);

	if (reg[idx] < rho)
		reg[idx] = rho;
}

static long
densify(mb_hll *h)
{
	long before = (long)mb_u64set_bytes(&h->sparse);
	uint32_t i;

	h->reg = mb_xcalloc(MB_HLL_M, 1);
	for (i = 0; i < h->sparse.cap; i++)
		if (h->sparse.t[i] != 0)
			reg_add(h->reg, h->sparse.t[i]);
	mb_u64set_free(&h->sparse);
	return (long)MB_HLL_M - before;
}

long
mb_hll_add(mb_hll *h, uint64_t hash)
{
	long grew;

	if (hash == 0)
		hash = 1;	/* as the set keeps it, so both agree */
	if (h->reg != NULL) {
		reg_add(h->reg, hash);
		return 0;
	}
	grew = mb_u64set_add(&h->sparse, hash, NULL);
	if (h->sparse.n > MB_HLL_SPARSE)
		grew += densify(h);
	return grew;
}

long
mb_hll_merge(mb_hll *a, const mb_hll *b)
{
	long grew = 0;
	uint32_t i;

	if (b->reg == NULL) {
		for (i = 0; i < b->sparse.cap; i++)
			if (b->sparse.t[i] != 0)
				grew += mb_hll_add(a, b->sparse.t[i]);
		return grew;
	}
	if (a->reg == NULL)
		grew = densify(a);
	for (i = 0; i < MB_HLL_M; i++)
		if (a->reg[i] < b->reg[i])
			a->reg[i] = b->reg[i];
	return grew;
}

/* Ertl, "New cardinality estimation algorithms for HyperLogLog
 * sketches" (2017), the improved raw estimator. */
static double
ertl_sigma(double x)
{
	double y = 1, z = x, zp;

	if (x == 1)
		return INFINITY;
	do {
		x *= x;
		zp = z;
		z += x * y;
		y += y;
	} while (z != zp);
	return z;
}

static double
ertl_tau(double x)
{
	double y = 1, z = 1 - x, zp;

	if (x == 0 || x == 1)
		return 0;
	do {
		x = sqrt(x);
		zp = z;
		y *= 0.5;
		z -= (1 - x) * (1 - x) * y;
	} while (z != zp);
	return z / 3;
}

uint64_t
mb_hll_count(const mb_hll *h)
{
	const int q = 64 - MB_HLL_P;
	uint32_t c[64] = { 0 }, i;
	double m = MB_HLL_M, z;
	int k;

	if (h->reg == NULL)
		return h->sparse.n;
	for (i = 0; i < MB_HLL_M; i++)
		c[h->reg[i]]++;
	z = m * ertl_tau(1 - c[q + 1] / m);
	for (k = q; k >= 1; k--)
		z = 0.5 * (z + c[k]);
	z += m * ertl_sigma(c[0] / m);
	return (uint64_t)llround(m * m / (2 * log(2)) / z);
}

size_t
mb_hll_bytes(const mb_hll *h)
{
	return h->reg ? MB_HLL_M : mb_u64set_bytes(&h->sparse);
}

void
mb_hll_free(mb_hll *h)
{
	free(h->reg);
	h->reg = NULL;
	mb_u64set_free(&h->sparse);
}

void
mb_hll_write(const mb_hll *h, mb_buf *b)
{
	if (h->reg == NULL) {
		mb_u64set_write(&h->sparse, b);
		return;
	}
	mb_buf_adds(b, "\"d:");
	mb_buf_b64(b, h->reg, MB_HLL_M);
	mb_buf_addc(b, '"');
}

static int
b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
mb_hll_read(mb_hll *h, const char *p, size_t n, long *grew)
{
	mb_hll t = { 0 };
	size_t i, o = 0;
	uint32_t acc = 0;
	int bits = 0, v;

	if (n < 2 || p[0] != 'd' || p[1] != ':') {
		long tg = 0;
		int rc = mb_u64set_read(&t.sparse, p, n, &tg);
		if (rc == 0)
			*grew += mb_hll_merge(h, &t);
		mb_hll_free(&t);
		return rc;
	}
	t.reg = mb_xcalloc(MB_HLL_M, 1);
	for (i = 2; i < n && p[i] != '='; i++) {
		if ((v = b64val(p[i])) < 0 || o >= MB_HLL_M)
			goto bad;
		acc = acc << 6 | (uint32_t)v;
		if ((bits += 6) >= 8) {
			bits -= 8;
			t.reg[o++] = (uint8_t)(acc >> bits);
		}
	}
	if (o != MB_HLL_M)
		goto bad;
	for (i = 0; i < MB_HLL_M; i++)
		if (t.reg[i] > 64 - MB_HLL_P + 1)
			goto bad;
	*grew += mb_hll_merge(h, &t);
	mb_hll_free(&t);
	return 0;
bad:
	mb_hll_free(&t);
	return mb_seterr("HyperLogLog registers are not %u base64 bytes", MB_HLL_M);
}

/* ---- quantiles ------------------------------------------------------------------ */

static double
qlog_gamma(void)
{
	return log((1 + MB_QALPHA) / (1 - MB_QALPHA));
}

/* Adds c to bucket i of a list kept in order of i; returns bytes grown. */
static long
bucket_add(mb_qbucket **list, uint32_t *n, uint32_t *cap, int32_t i, uint64_t c)
{
	uint32_t lo = 0, hi = *n, mid;
	long grew = 0;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((*list)[mid].i < i)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < *n && (*list)[lo].i == i) {
		(*list)[lo].c += c;
		return 0;
	}
	if (*n == *cap) {
		uint32_t ncap = *cap ? *cap * 2 : 8;
		*list = mb_xrealloc(*list, ncap * sizeof(mb_qbucket));
		grew = (long)(ncap - *cap) * (long)sizeof(mb_qbucket);
		*cap = ncap;
	}
	memmove(*list + lo + 1, *list + lo, (*n - lo) * sizeof(mb_qbucket));
	(*list)[lo].i = i;
	(*list)[lo].c = c;
	(*n)++;
	return grew;
}

static long
sketch_value(mb_qsk *q, mb_dec v, uint64_t c)
{
	double x = mb_dec_to_double(v);
	int32_t i;

	if (v.v == 0 || fabs(x) < 1e-300) {
		q->zero += c;
		return 0;
	}
	i = (int32_t)ceil(log(fabs(x)) / qlog_gamma());
	if (x > 0)
		return bucket_add(&q->pos, &q->npos, &q->capp, i, c);
	return bucket_add(&q->neg, &q->nneg, &q->capn, i, c);
}

/* From exact values to buckets, once there are too many values. */
static long
to_sketch(mb_qsk *q)
{
	long grew = -(long)((size_t)q->capx * sizeof(mb_dec));
	uint32_t k;

	for (k = 0; k < q->nx; k++)
		grew += sketch_value(q, q->x[k], 1);
	free(q->x);
	q->x = NULL;
	q->nx = q->capx = 0;
	return grew;
}

static int
is_sketch(const mb_qsk *q)
{
	return q->n > MB_QEXACT;
}

static long
exact_add(mb_qsk *q, mb_dec v)
{
	long grew = 0;

	if (q->nx == q->capx) {
		uint32_t ncap = q->capx ? q->capx * 2 : 4;
		if (ncap > MB_QEXACT)
			ncap = MB_QEXACT;
		q->x = mb_xrealloc(q->x, ncap * sizeof(mb_dec));
		grew = (long)(ncap - q->capx) * (long)sizeof(mb_dec);
		q->capx = ncap;
	}
	q->x[q->nx++] = v;
	return grew;
}

long
mb_qsk_add(mb_qsk *q, mb_dec v)
{
	if (v.scale > q->maxscale)
		q->maxscale = v.scale;
	q->n++;
	if (!is_sketch(q))
		return exact_add(q, v);
	if (q->x != NULL || q->nx > 0)
		return to_sketch(q) + sketch_value(q, v, 1);
	return sketch_value(q, v, 1);
}

long
mb_qsk_merge(mb_qsk *a, const mb_qsk *b)
{
	long grew = 0;
	uint32_t k;

	if (b->n == 0)
		return 0;
	if (b->maxscale > a->maxscale)
		a->maxscale = b->maxscale;
	a->n += b->n;
	if (!is_sketch(a)) {
		for (k = 0; k < b->nx; k++)
			grew += exact_add(a, b->x[k]);
		return grew;
	}
	if (a->nx > 0)
		grew += to_sketch(a);
	for (k = 0; k < b->nx; k++)
		grew += sketch_value(a, b->x[k], 1);
	for (k = 0; k < b->npos; k++)
		grew += bucket_add(&a->pos, &a->npos, &a->capp, b->pos[k].i, b->pos[k].c);
	for (k = 0; k < b->nneg; k++)
		grew += bucket_add(&a->neg, &a->nneg, &a->capn, b->neg[k].i, b->neg[k].c);
	a->zero += b->zero;
	return grew;
}

static int
cmp_dec(const void *a, const void *b)
{
	const mb_dec *x = a, *y = b;
	int c = mb_dec_cmp(*x, *y);

	/* equal values written differently (1.5, 1.50): a fixed order */
	if (c == 0)
		c = x->scale < y->scale ? -1 : x->scale > y->scale;
	return c;
}

static int
to_dec(double x, int scale, mb_dec *out)
{
	char tmp[400];
	int k = snprintf(tmp, sizeof(tmp), "%.*f", scale, x);

	if (k <= 0 || (size_t)k >= sizeof(tmp))
		return mb_seterr("quantile estimate out of range");
	return mb_dec_parse(tmp, (size_t)k, out);
}

int
mb_qsk_get(mb_qsk *q, int64_t qm, int qs, mb_dec *out)
{
	unsigned __int128 num;
	uint64_t r, cum = 0, den = 1;
	double lg = qlog_gamma(), gamma = exp(lg), x;
	uint32_t k;
	int i;

	if (q->n == 0)
		return -1;
	for (i = 0; i < qs; i++)
		den *= 10;
	/* nearest rank: ceil(q * n), at least 1 */
	num = (unsigned __int128)(uint64_t)qm * q->n;
	r = (uint64_t)(num / den) + (num % den != 0);
	if (r < 1)
		r = 1;
	if (r > q->n)
		r = q->n;
	if (!is_sketch(q)) {
		qsort(q->x, q->nx, sizeof(mb_dec), cmp_dec);
		*out = q->x[r - 1];
		return 0;
	}
	x = 0;
	for (k = q->nneg; k-- > 0;) {
		if ((cum += q->neg[k].c) >= r) {
			x = -2 * exp(q->neg[k].i * lg) / (gamma + 1);
			goto found;
		}
	}
	if ((cum += q->zero) >= r)
		goto found;
	for (k = 0; k < q->npos; k++)
		if ((cum += q->pos[k].c) >= r) {
			x = 2 * exp(q->pos[k].i * lg) / (gamma + 1);
			goto found;
		}
found:
	return to_dec(x, q->maxscale, out);
}

size_t
mb_qsk_bytes(const mb_qsk *q)
{
	return (size_t)q->capx * sizeof(mb_dec) +
	    ((size_t)q->capp + q->capn) * sizeof(mb_qbucket);
}

void
mb_qsk_free(mb_qsk *q)
{
	free(q->x);
	free(q->pos);
	free(q->neg);
	memset(q, 0, sizeof(*q));
}

static void
write_buckets(const mb_qbucket *b, uint32_t n, mb_buf *o)
{
	uint32_t k;

	mb_buf_addc(o, '[');
	for (k = 0; k < n; k++) {
		if (k > 0)
			mb_buf_addc(o, ',');
		mb_buf_addi(o, b[k].i);
		mb_buf_addc(o, ',');
		mb_buf_addu(o, b[k].c);
	}
	mb_buf_addc(o, ']');
}

void
mb_qsk_write(const mb_qsk *q, mb_buf *b)
{
	uint32_t k;

	mb_buf_addc(b, '[');
	mb_buf_addu(b, q->n);
	mb_buf_addc(b, ',');
	mb_buf_addi(b, q->maxscale);
	mb_buf_addc(b, ',');
	mb_buf_addu(b, q->zero);
	mb_buf_adds(b, ",[");
	if (q->nx > 1)
		qsort(q->x, q->nx, sizeof(mb_dec), cmp_dec);
	for (k = 0; k < q->nx; k++) {
		if (k > 0)
			mb_buf_addc(b, ',');
		mb_buf_dec(b, q->x[k]);
	}
	mb_buf_addc(b, ']');
	mb_buf_addc(b, ',');
	write_buckets(q->pos, q->npos, b);
	mb_buf_addc(b, ',');
	write_buckets(q->neg, q->nneg, b);
	mb_buf_addc(b, ']');
}

static int
read_u64(const mb_rec *r, int v, uint64_t *out)
{
	int64_t x;

	if (mb_rec_int(r, v, &x) < 0 || x < 0)
		return -1;
	*out = (uint64_t)x;
	return 0;
}

static int
read_buckets(const mb_rec *r, int v, mb_qbucket **list, uint32_t *n,
    uint32_t *cap, long *grew, uint64_t *sum)
{
	int len = mb_rec_len(r, v), k;
	int64_t i;
	uint64_t c;

	if (mb_rec_type(r, v) != MB_T_ARR || len % 2 != 0)
		return -1;
	for (k = 0; k < len; k += 2) {
		if (mb_rec_int(r, mb_rec_child(r, v, k, NULL), &i) < 0 ||
		    i < INT32_MIN || i > INT32_MAX ||
		    read_u64(r, mb_rec_child(r, v, k + 1, NULL), &c) < 0 || c == 0)
			return -1;
		*grew += bucket_add(list, n, cap, (int32_t)i, c);
		*sum += c;
	}
	return 0;
}

int
mb_qsk_read(mb_qsk *q, const mb_rec *r, int v, long *grew)
{
	mb_qsk t = { 0 };
	uint64_t n, sum = 0;
	int64_t sc;
	long tg = 0;
	int xs, k, len;

	if (mb_rec_type(r, v) != MB_T_ARR || mb_rec_len(r, v) != 6 ||
	    read_u64(r, mb_rec_child(r, v, 0, NULL), &n) < 0 ||
	    mb_rec_int(r, mb_rec_child(r, v, 1, NULL), &sc) < 0 || sc < 0 ||
	    sc > 30 || read_u64(r, mb_rec_child(r, v, 2, NULL), &t.zero) < 0)
		goto bad;
	t.maxscale = (int)sc;
	xs = mb_rec_child(r, v, 3, NULL);
	if (mb_rec_type(r, xs) != MB_T_ARR || (len = mb_rec_len(r, xs)) > MB_QEXACT)
		goto bad;
	for (k = 0; k < len; k++) {
		mb_dec d;
		if (mb_rec_dec(r, mb_rec_child(r, xs, k, NULL), &d) < 0)
			goto bad;
		exact_add(&t, d);
	}
	t.n = (uint64_t)len;
	if (read_buckets(r, mb_rec_child(r, v, 4, NULL), &t.pos, &t.npos, &t.capp,
	    &tg, &sum) < 0 || read_buckets(r, mb_rec_child(r, v, 5, NULL), &t.neg,
	    &t.nneg, &t.capn, &tg, &sum) < 0)
		goto bad;
	if (len > 0 || n <= MB_QEXACT ? (sum + t.zero != 0 || n != (uint64_t)len) :
	    n != sum + t.zero)
		goto bad;
	t.n = n;
	*grew += mb_qsk_merge(q, &t);
	mb_qsk_free(&t);
	return 0;
bad:
	mb_qsk_free(&t);
	return mb_seterr("not a quantile state");
}
