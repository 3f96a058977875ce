/*
 * csv.c: CSV text, fed line by line, to NDJSON records, over libcsv.
 * The first row names the fields; each value is typed by its column's
 * type, or by its own text (see mb.h).  A row whose field count differs
 * from the header's, whose quoting is broken, or that never closes its
 * quote is handed out as a bad row with the text it had, so the caller
 * can keep it as a _raw record.
 *
 * Inferring column types holds the first rows back: their fields are kept
 * in their queue entries (qrow.fields) until the sample is complete, then
 * each column gets the narrowest type all its sampled values fit, and the
 * held rows are turned into records in order.
 */
#include <stdlib.h>
#include <string.h>

#include <csv.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "mb.h"

typedef struct qrow {
	mb_buf json, raw;
	uint64_t lineno;
	char err[200];
	int bad;
	int held;		/* a sampled row: its fields are in `fields` */
	mb_buf fields;		/* per field: uint32 length (NOLEN: null), bytes */
} qrow;

#define NOLEN 0xffffffffu

struct mb_csv {
	struct csv_parser p;
	unsigned char opts;
	char delim;
	size_t maxrow;
	int have_header;
	mb_buf keys;		/* "k":  for every column, back to back */
	size_t *koff;		/* start of each column's key in keys */
	int ncols, capcols;
	mb_buf row;		/* the record being built */
	int nf, badutf8;
	mb_buf hdr;		/* header names while the header row is read */
	size_t *hoff;
	int nh, caph;
	mb_buf raw;		/* lines of the pending row */
	const char *rawp;	/* the row's text for cb_row: raw, or the line */
	size_t rawn;
	uint64_t rowline;
	qrow *q;
	int qlen, qcap, qhead;
	unsigned char cls[256];	/* byte classes for feed_plain */
	/* column types */
	int infer;		/* MB_CSV_INFER_* */
	size_t sample;		/* rows held back to infer from */
	mb_buf treq;		/* types asked for by name: name, NUL, type */
	mb_buf names;		/* column names as records have them */
	size_t *noff;
	unsigned char *ctype;	/* per column, mb_ctype */
	unsigned char *strict;	/* per column: inferred, not given */
	int sampling;		/* rows are held back */
	size_t nheld;
	mb_buf fields;		/* the held row being read */
	mb_buf tmp;
	void (*onheader)(mb_csv *, void *);
	void *onheader_ctx;
	uint64_t misfits, mline;	/* values kept as strings; the first's */
	int mcol;
	mb_buf mtext;
};

static void classes(mb_csv *c);

static int
keep_space(unsigned char c)
{
	(void)c;
	return 0;
}

static void
parser_init(mb_csv *c)
{
	csv_init(&c->p, c->opts);
	csv_set_delim(&c->p, (unsigned char)c->delim);
	csv_set_space_func(&c->p, keep_space);
}

mb_csv *
mb_csv_new(char delim, size_t maxrow)
{
	mb_csv *c = mb_xcalloc(1, sizeof(*c));

	c->delim = delim ? delim : ',';
	c->maxrow = maxrow ? maxrow : MB_MAX_LINE_DEFAULT;
	c->opts = CSV_STRICT | CSV_STRICT_FINI | CSV_EMPTY_IS_NULL;
	parser_init(c);
	classes(c);
	mb_buf_addc(&c->row, '{');
	return c;
}

void
mb_csv_free(mb_csv *c)
{
	int i;

	if (c == NULL)
		return;
	csv_free(&c->p);
	mb_buf_free(&c->keys);
	mb_buf_free(&c->row);
	mb_buf_free(&c->hdr);
	mb_buf_free(&c->raw);
	for (i = 0; i < c->qcap; i++) {
		mb_buf_free(&c->q[i].json);
		mb_buf_free(&c->q[i].raw);
		mb_buf_free(&c->q[i].fields);
	}
	free(c->q);
	free(c->koff);
	free(c->hoff);
	mb_buf_free(&c->treq);
	mb_buf_free(&c->names);
	free(c->noff);
	free(c->ctype);
	free(c->strict);
	mb_buf_free(&c->fields);
	mb_buf_free(&c->tmp);
	mb_buf_free(&c->mtext);
	free(c);
}

int
mb_csv_has_header(const mb_csv *c)
{
	return c->have_header;
}

static qrow *
qpush(mb_csv *c)
{
	qrow *r;

	if (c->qhead == c->qlen)
		c->qhead = c->qlen = 0;
	if (c->qlen == c->qcap) {
		c->qcap = c->qcap ? c->qcap * 2 : 4;
		c->q = mb_xrealloc(c->q, (size_t)c->qcap * sizeof(*c->q));
		memset(c->q + c->qlen, 0, (size_t)(c->qcap - c->qlen) * sizeof(*c->q));
	}
	r = &c->q[c->qlen++];
	r->json.len = 0;
	r->raw.len = 0;
	r->bad = 0;
	r->held = 0;
	r->err[0] = '\0';
	return r;
}

static void
push_bad(mb_csv *c, const char *raw, size_t n, uint64_t lineno, const char *msg)
{
	qrow *r = qpush(c);

	mb_buf_add(&r->raw, raw, n);
	r->lineno = lineno;
	r->bad = 1;
	snprintf(r->err, sizeof(r->err), "%s", msg);
}

/* Is s an integer without leading zeros that fits int64, or a JSON
 * number with a fraction or an exponent? */
static int
is_number(const char *s, size_t n)
{
	size_t i = 0, intd;

	if (i < n && s[i] == '-')
		i++;
	intd = i;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	intd = i - intd;
	if (intd == 0 || (intd > 1 && s[i - intd] == '0'))
		return 0;
	if (i == n) {
		if (intd > 19)
			return 0;
		if (intd == 19) {
			const char *d = s + (s[0] == '-');

			return memcmp(d, s[0] == '-' ? "9223372036854775808" :
			    "9223372036854775807", 19) <= 0;
		}
		return 1;
	}
	if (s[i] == '.') {
		size_t f = ++i;

		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == f)
			return 0;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t f;

		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		f = i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == f)
			return 0;
	}
	return i == n;
}

/* A value typed by its own text (MB_C_VALUE), appended to b. */
static void
put_value(mb_csv *c, mb_buf *b, int col, const char *s, size_t n)
{
	if (s == NULL) {
		mb_buf_add(b, "null", 4);
		return;
	}
	if (n > 0 && n <= 24 && is_number(s, n)) {
		mb_buf_add(b, s, n);
		return;
	}
	if (n == 4 && (s[0] | 0x20) == 't' && strncasecmp(s, "true", 4) == 0) {
		mb_buf_add(b, "true", 4);
		return;
	}
	if (n == 5 && (s[0] | 0x20) == 'f' && strncasecmp(s, "false", 5) == 0) {
		mb_buf_add(b, "false", 5);
		return;
	}
	if (mb_buf_json_str(b, s, n) > 0)
		c->badutf8 = col + 1;
}

/* An integer, [+-]digits with maybe ".000", that fits int64: appended to
 * b as JSON (17850.0 is 17850, 007 is 7); 0 when s is not one. */
static int
put_int(mb_buf *b, const char *s, size_t n)
{
	size_t i = 0, d, e;
	int neg = 0;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		;
	e = i;
	if (e == d)
		return 0;
	if (i < n && s[i] == '.')
		for (i++; i < n && s[i] == '0'; i++)
			;
	if (i != n)
		return 0;
	while (d + 1 < e && s[d] == '0')
		d++;
	if (e - d > 19 || (e - d == 19 && memcmp(s + d, neg ?
	    "9223372036854775808" : "9223372036854775807", 19) > 0))
		return 0;
	if (neg && !(e - d == 1 && s[d] == '0'))
		mb_buf_addc(b, '-');
	mb_buf_add(b, s + d, e - d);
	return 1;
}

/* A decimal number, [+-]digits[.digits][e[+-]digits] (either side of the
 * point may be empty, not both): appended to b as JSON, its digits as
 * written but for a leading "+" and leading zeros; 0 when s is not one. */
static int
put_num(mb_buf *b, const char *s, size_t n)
{
	size_t i = 0, d, e, f, fe, x;
	int neg = 0;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		;
	e = f = fe = i;
	if (i < n && s[i] == '.') {
		for (f = ++i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		fe = i;
	}
	if (e == d && fe == f)
		return 0;
	x = i;			/* the exponent, if any */
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t k = ++i;

		if (i < n && (s[i] == '+' || s[i] == '-'))
			k = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == k)
			return 0;
	}
	if (i != n)
		return 0;
	while (d + 1 < e && s[d] == '0')
		d++;
	if (neg)
		mb_buf_addc(b, '-');
	if (e == d)
		mb_buf_addc(b, '0');
	else
		mb_buf_add(b, s + d, e - d);
	if (fe > f) {
		mb_buf_addc(b, '.');
		mb_buf_add(b, s + f, fe - f);
	}
	mb_buf_add(b, s + x, n - x);
	return 1;
}

static int
is_bool(const char *s, size_t n)
{
	return (n == 4 && strncasecmp(s, "true", 4) == 0) ||
	    (n == 5 && strncasecmp(s, "false", 5) == 0);
}

/* What a sampled value could be: a boolean, an integer (as the values
 * typing reads one: no leading zeros, fits int64), a number. */
enum { CAN_BOOL = 1, CAN_INT = 2, CAN_NUM = 4 };

static unsigned
can_be(const char *s, size_t n)
{
	size_t i = s[0] == '-';

	if (is_bool(s, n))
		return CAN_BOOL;
	if (n > 24 || !is_number(s, n))
		return 0;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	return i == n ? CAN_INT | CAN_NUM : CAN_NUM;
}

/* Field s (n bytes, NULL: empty) of column col, typed by the column. */
static void
put_typed(mb_csv *c, mb_buf *b, int col, const char *s, size_t n,
    uint64_t lineno)
{
	int t = c->ctype[col];

	if (s == NULL) {
		mb_buf_add(b, "null", 4);
		return;
	}
	if (c->strict[col] && (t == MB_C_INTEGER || t == MB_C_NUMBER ||
	    t == MB_C_BOOLEAN)) {
		/* an inferred type: a value fits it as a sampled one did */
		if ((can_be(s, n) & (t == MB_C_BOOLEAN ? CAN_BOOL : t == MB_C_INTEGER ?
		    CAN_INT : CAN_NUM)) == 0)
			t = MB_C_INFER;
		else if (t != MB_C_BOOLEAN) {
			mb_buf_add(b, s, n);
			return;
		}
	}
	switch (t) {
	case MB_C_VALUE:
		put_value(c, b, col, s, n);
		return;
	case MB_C_INTEGER:
		if (put_int(b, s, n))
			return;
		break;
	case MB_C_NUMBER:
		if (put_num(b, s, n))
			return;
		break;
	case MB_C_BOOLEAN:
		if (is_bool(s, n)) {
			mb_buf_adds(b, (s[0] | 0x20) == 't' ? "true" : "false");
			return;
		}
		break;
	default:
		break;
	}
	/* a string, or a value that does not fit its column: kept as it is */
	if (t != MB_C_STRING) {
		if (c->misfits++ == 0) {
			c->mcol = col;
			c->mline = lineno;
			c->mtext.len = 0;
			mb_buf_add(&c->mtext, s, n < 60 ? n : 60);
		}
	}
	if (mb_buf_json_str(b, s, n) > 0)
		c->badutf8 = col + 1;
}


static void
cb_field(void *s, size_t n, void *data)
{
	mb_csv *c = data;

	if (!c->have_header) {
		if (c->nh == c->caph) {
			c->caph = c->caph ? c->caph * 2 : 32;
			c->hoff = mb_xrealloc(c->hoff, (size_t)(c->caph + 1) * sizeof(size_t));
		}
		c->hoff[c->nh++] = c->hdr.len;
		if (s)
			mb_buf_add(&c->hdr, s, n);
		c->hoff[c->nh] = c->hdr.len;
		return;
	}
	if (c->nf < c->ncols && c->sampling) {
		uint32_t len = s ? (uint32_t)n : NOLEN;

		mb_buf_add(&c->fields, &len, sizeof(len));
		if (s)
			mb_buf_add(&c->fields, s, n);
	} else if (c->nf < c->ncols) {
		if (c->nf > 0)
			mb_buf_addc(&c->row, ',');
		mb_buf_add(&c->row, c->keys.p + c->koff[c->nf],
		    c->koff[c->nf + 1] - c->koff[c->nf]);
		put_typed(c, &c->row, c->nf, s, n, c->rowline);
	}
	c->nf++;
}

/* Turns the collected header names into "key": prefixes, naming an empty
 * column _cN and making a repeated name unique with _2, _3... */
static void
take_header(mb_csv *c)
{
	int i, j, dup;
	mb_buf name = { 0 };

	c->ncols = c->nh;
	c->koff = mb_xrealloc(c->koff, (size_t)(c->ncols + 1) * sizeof(size_t));
	c->noff = mb_xrealloc(c->noff, (size_t)(c->ncols + 1) * sizeof(size_t));
	c->ctype = mb_xrealloc(c->ctype, (size_t)c->ncols + 1);
	c->strict = mb_xrealloc(c->strict, (size_t)c->ncols + 1);
	memset(c->strict, 0, (size_t)c->ncols + 1);
	c->keys.len = 0;
	c->names.len = 0;
	for (i = 0; i < c->nh; i++) {
		name.len = 0;
		if (c->hoff[i + 1] == c->hoff[i])
			mb_buf_printf(&name, "_c%d", i + 1);
		else
			mb_buf_add(&name, c->hdr.p + c->hoff[i], c->hoff[i + 1] - c->hoff[i]);
		for (dup = 1, j = 0; j < i; j++)
			if (c->hoff[j + 1] - c->hoff[j] == name.len &&
			    memcmp(c->hdr.p + c->hoff[j], name.p, name.len) == 0)
				dup++;
		if (dup > 1)
			mb_buf_printf(&name, "_%d", dup);
		c->koff[i] = c->keys.len;
		mb_buf_json_str(&c->keys, name.p, name.len);
		mb_buf_addc(&c->keys, ':');
		c->noff[i] = c->names.len;
		mb_buf_add(&c->names, name.p, name.len);
	}
	c->koff[c->nh] = c->keys.len;
	c->noff[c->nh] = c->names.len;
	mb_buf_free(&name);
	c->have_header = 1;
	for (i = 0; i < c->ncols; i++) {
		const char *t;
		size_t nl = c->noff[i + 1] - c->noff[i], at;

		c->ctype[i] = c->infer == MB_CSV_INFER_NONE ? MB_C_STRING :
		    c->infer == MB_CSV_INFER_COLUMNS ? MB_C_INFER : MB_C_VALUE;
		for (at = 0; at < c->treq.len; at += strlen(t) + 2) {
			t = c->treq.p + at;
			if (strlen(t) == nl && memcmp(t, c->names.p + c->noff[i], nl) == 0)
				c->ctype[i] = (unsigned char)t[nl + 1];
		}
	}
	if (c->onheader)
		c->onheader(c, c->onheader_ctx);
	for (i = 0; i < c->ncols; i++)
		if (c->ctype[i] == MB_C_INFER)
			c->sampling = 1;
}

static void
cb_row(int term, void *data)
{
	mb_csv *c = data;
	qrow *r;

	(void)term;
	if (!c->have_header) {
		take_header(c);
		c->raw.len = 0;
		return;
	}
	r = qpush(c);
	if (c->rawp)
		mb_buf_add(&r->raw, c->rawp, c->rawn);
	else
		mb_buf_add(&r->raw, c->raw.p, c->raw.len);
	r->lineno = c->rowline;
	if (c->nf != c->ncols) {
		r->bad = 1;
		snprintf(r->err, sizeof(r->err),
		    "ragged row: %d fields, the header has %d", c->nf, c->ncols);
	} else if (c->sampling) {
		mb_buf t = r->fields;

		r->fields = c->fields;
		c->fields = t;
		r->held = 1;
		c->nheld++;
	} else if (c->badutf8) {
		r->bad = 1;
		snprintf(r->err, sizeof(r->err), "invalid UTF-8 in field %d",
		    c->badutf8);
	} else {
		/* The row buffer becomes the queued record; no copy. */
		mb_buf t = r->json;

		mb_buf_addc(&c->row, '}');
		r->json = c->row;
		c->row = t;
	}
	c->row.len = 0;
	mb_buf_addc(&c->row, '{');
	c->nf = 0;
	c->badutf8 = 0;
	c->raw.len = 0;
	c->fields.len = 0;
	if (c->sampling && c->nheld >= c->sample)
		mb_csv_decide(c);
}

int
mb_csv_set_header(mb_csv *c, const char *line, size_t n)
{
	mb_buf_add(&c->raw, line, n);
	csv_parse(&c->p, line, n, cb_field, cb_row, c);
	csv_parse(&c->p, "\n", 1, cb_field, cb_row, c);
	c->raw.len = 0;
	if (!c->have_header)
		return mb_seterr("no header row");
	return 0;
}

/* Gives up on the pending row: each of its lines becomes a bad row. */
static void
split_pending(mb_csv *c, const char *why)
{
	const char *p = c->raw.p, *e = c->raw.p + c->raw.len, *nl;
	uint64_t ln = c->rowline;

	while (p < e || (p == e && ln == c->rowline)) {
		nl = memchr(p, '\n', (size_t)(e - p));
		if (nl == NULL)
			nl = e;
		push_bad(c, p, (size_t)(nl - p), ln++, why);
		p = nl + 1;
	}
	csv_free(&c->p);
	parser_init(c);
	c->raw.len = 0;
	c->row.len = 0;
	mb_buf_addc(&c->row, '{');
	c->nf = 0;
	c->badutf8 = 0;
	c->fields.len = 0;
	if (!c->have_header) {
		c->nh = 0;
		c->hdr.len = 0;
	}
}

/* Byte classes for the one-pass split of a line without quotes. */
enum { C_OTHER = 0, C_DIGIT = 1, C_PLAIN = 2 };

/* Emits one unquoted field; digits/plain say what the scan saw. */
static void
plain_field(mb_csv *c, const char *p, size_t n, int alldigits, int jsonplain)
{
	mb_buf *b = &c->row;

	int t;

	if (!c->have_header || c->nf >= c->ncols || n == 0 || c->sampling ||
	    !(jsonplain || alldigits)) {
		cb_field(n ? (void *)p : NULL, n, c);
		return;
	}
	t = c->ctype[c->nf];
	if (t == MB_C_STRING)
		alldigits = 0;		/* digits too are a string */
	else if (t != MB_C_VALUE) {
		jsonplain = 0;		/* only digits have a fast path */
		if (t == MB_C_BOOLEAN)
			alldigits = 0;
	}
	/* the common cases without the general typing: a small integer
	 * without a leading zero, or a string that needs no escaping and is
	 * not a number or a boolean */
	if (alldigits && n < 19 && (p[0] != '0' || n == 1)) {
		if (c->nf > 0)
			mb_buf_addc(b, ',');
		mb_buf_add(b, c->keys.p + c->koff[c->nf], c->koff[c->nf + 1] - c->koff[c->nf]);
		mb_buf_add(b, p, n);
		c->nf++;
		return;
	}
	if (jsonplain && (t == MB_C_STRING || (!(p[0] >= '0' && p[0] <= '9') &&
	    p[0] != '-' && (p[0] | 0x20) != 't' && (p[0] | 0x20) != 'f'))) {
		size_t k = c->koff[c->nf + 1] - c->koff[c->nf];

		mb_buf_grow(b, k + n + 3);
		if (c->nf > 0)
			b->p[b->len++] = ',';
		memcpy(b->p + b->len, c->keys.p + c->koff[c->nf], k);
		b->len += k;
		b->p[b->len++] = '"';
		memcpy(b->p + b->len, p, n);
		b->len += n;
		b->p[b->len++] = '"';
		c->nf++;
		return;
	}
	cb_field((void *)p, n, c);
}

/* Byte classes for splitting a line without quotes: which bytes end a
 * field, and which rule out "all digits" or "needs no JSON escaping". */
enum { K_NOTDIGIT = 1, K_NOTPLAIN = 2, K_DELIM = 4 };

static void
classes(mb_csv *c)
{
	for (int ch = 0; ch < 256; ch++) {
		unsigned char k = 0;

		if (ch < '0' || ch > '9')
			k |= K_NOTDIGIT;
		if (ch < 0x20 || ch >= 0x80 || ch == '\\')
			k |= K_NOTPLAIN;
		c->cls[ch] = k;
	}
	c->cls[(unsigned char)c->delim] |= K_DELIM;
}

/* A line without quotes that starts a row is the whole row: split it on
 * the delimiter here, in one pass that also sees whether each field is all
 * digits or needs no JSON escaping; the same fields libcsv would give. */
static void
feed_plain(mb_csv *c, const char *line, size_t n)
{
	const unsigned char *p = (const unsigned char *)line, *e = p + n, *f = p;
	unsigned acc = 0, k;

#ifdef __SSE2__
	/* 16 bytes at a time: a mask of delimiters, of bytes that are not
	 * digits and of bytes that need escaping; each delimiter bit ends a
	 * field, and the masks below it say what the field holds. */
	const __m128i vd = _mm_set1_epi8(c->delim), v0 = _mm_set1_epi8('0'),
	    v9 = _mm_set1_epi8(9), sp = _mm_set1_epi8(' '),
	    bs = _mm_set1_epi8('\\');

	for (; e - p >= 16; p += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)p);
		__m128i x = _mm_sub_epi8(v, v0);
		unsigned d = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vd));
		unsigned nd = ~(unsigned)_mm_movemask_epi8(
		    _mm_cmpeq_epi8(_mm_min_epu8(x, v9), x)) & 0xffff;
		unsigned np = (unsigned)_mm_movemask_epi8(_mm_or_si128(
		    _mm_cmplt_epi8(v, sp), _mm_cmpeq_epi8(v, bs)));
		unsigned lo = 0, pos, m;

		while (d != 0) {
			pos = (unsigned)__builtin_ctz(d);
			m = ((1u << pos) - 1) & ~((1u << lo) - 1);
			acc |= (nd & m ? K_NOTDIGIT : 0) | (np & m ? K_NOTPLAIN : 0);
			plain_field(c, (const char *)f, (size_t)(p + pos - f),
			    !(acc & K_NOTDIGIT), !(acc & K_NOTPLAIN));
			f = p + pos + 1;
			acc = 0;
			lo = pos + 1;
			d &= d - 1;
		}
		m = 0xffffu & ~((1u << lo) - 1);
		acc |= (nd & m ? K_NOTDIGIT : 0) | (np & m ? K_NOTPLAIN : 0);
	}
#endif
	for (; p < e; p++) {
		if ((k = c->cls[*p]) & K_DELIM) {
			plain_field(c, (const char *)f, (size_t)(p - f),
			    !(acc & K_NOTDIGIT), !(acc & K_NOTPLAIN));
			f = p + 1;
			acc = 0;
			continue;
		}
		acc |= k;
	}
	plain_field(c, (const char *)f, (size_t)(p - f), !(acc & K_NOTDIGIT),
	    !(acc & K_NOTPLAIN));
	cb_row('\n', c);
}

int
mb_csv_feed(mb_csv *c, const char *line, size_t n, uint64_t lineno)
{
	if (c->raw.len == 0 && c->p.pstate == 0 && n > 0 &&
	    memchr(line, '"', n) == NULL) {
		c->rowline = lineno;
		c->rawp = line;
		c->rawn = n;
		feed_plain(c, line, n);
		c->rawp = NULL;
		return 0;
	}
	if (c->raw.len == 0 && c->p.pstate == 0) {
		c->rowline = lineno;
	} else
		mb_buf_addc(&c->raw, '\n');
	mb_buf_add(&c->raw, line, n);
	if (csv_parse(&c->p, line, n, cb_field, cb_row, c) != n ||
	    csv_parse(&c->p, "\n", 1, cb_field, cb_row, c) != 1) {
		split_pending(c, "malformed quoting: a quote inside an unquoted field or after a closing quote");
		return 0;
	}
	if (c->p.pstate == 0)
		c->raw.len = 0;		/* blank line, or the row ended */
	else if (c->raw.len > c->maxrow)
		split_pending(c, "row longer than the limit (an unclosed quote?)");
	return 0;
}

void
mb_csv_finish(mb_csv *c)
{
	if (c->p.pstate != 0 || c->raw.len > 0) {
		if (c->p.quoted)
			split_pending(c, "unclosed quote at end of input");
		else {
			csv_fini(&c->p, cb_field, cb_row, c);
			c->raw.len = 0;
		}
	}
	if (c->sampling)
		mb_csv_decide(c);
}

void
mb_csv_set_infer(mb_csv *c, int infer, size_t sample)
{
	c->infer = infer;
	c->sample = sample ? sample : 1000;
}

void
mb_csv_set_type(mb_csv *c, const char *name, size_t n, mb_ctype t)
{
	mb_buf_add(&c->treq, name, n);
	mb_buf_addc(&c->treq, '\0');
	mb_buf_addc(&c->treq, (char)t);
}

void
mb_csv_on_header(mb_csv *c, void (*fn)(mb_csv *, void *), void *ctx)
{
	c->onheader = fn;
	c->onheader_ctx = ctx;
}

int
mb_csv_ncols(const mb_csv *c)
{
	return c->have_header ? c->ncols : 0;
}

mb_ctype
mb_csv_col(const mb_csv *c, int i, const char **name, size_t *n)
{
	*name = c->names.p + c->noff[i];
	*n = c->noff[i + 1] - c->noff[i];
	return (mb_ctype)c->ctype[i];
}

void
mb_csv_set_col(mb_csv *c, int i, mb_ctype t)
{
	if (i >= 0 && i < c->ncols) {
		c->ctype[i] = (unsigned char)t;
		c->strict[i] = 1;
	}
}

int
mb_csv_sampling(const mb_csv *c)
{
	return c->sampling;
}

uint64_t
mb_csv_misfits(const mb_csv *c, const char **col, size_t *coln,
    uint64_t *lineno, const char **text, size_t *textn)
{
	if (c->misfits > 0) {
		mb_csv_col(c, c->mcol, col, coln);
		*lineno = c->mline;
		*text = c->mtext.p;
		*textn = c->mtext.len;
	}
	return c->misfits;
}

static const char *const ctnames[] = { "infer", "value", "string", "integer",
	"number", "boolean" };

const char *
mb_ctype_name(mb_ctype t)
{
	return (unsigned)t < sizeof(ctnames) / sizeof(ctnames[0]) ? ctnames[t] : "?";
}

int
mb_ctype_parse(const char *s, size_t n, mb_ctype *t)
{
	for (size_t i = MB_C_STRING; i < sizeof(ctnames) / sizeof(ctnames[0]); i++)
		if (strlen(ctnames[i]) == n && memcmp(ctnames[i], s, n) == 0) {
			*t = (mb_ctype)i;
			return 0;
		}
	return mb_seterr("\"%.*s\" is not a column type (string, integer, number, "
	    "boolean)", (int)(n < 40 ? n : 40), s);
}

/* Field k of a held row, from its encoding: 1, or 0 when there are no
 * more; *s NULL for an empty field. */
static int
held_field(const mb_buf *f, size_t *at, const char **s, size_t *n)
{
	uint32_t len;

	if (*at >= f->len)
		return 0;
	memcpy(&len, f->p + *at, sizeof(len));
	*at += sizeof(len);
	if (len == NOLEN) {
		*s = NULL;
		*n = 0;
	} else {
		*s = f->p + *at;
		*n = len;
		*at += len;
	}
	return 1;
}

/* Fields of a held row as a record (or a bad row) in r. */
static void
release(mb_csv *c, qrow *r)
{
	const char *s;
	size_t n, at = 0;
	int k = 0;
	mb_buf t;

	c->tmp.len = 0;
	mb_buf_addc(&c->tmp, '{');
	c->badutf8 = 0;
	while (held_field(&r->fields, &at, &s, &n)) {
		if (k > 0)
			mb_buf_addc(&c->tmp, ',');
		mb_buf_add(&c->tmp, c->keys.p + c->koff[k], c->koff[k + 1] - c->koff[k]);
		put_typed(c, &c->tmp, k, s, n, r->lineno);
		k++;
	}
	mb_buf_addc(&c->tmp, '}');
	r->held = 0;
	r->fields.len = 0;
	if (c->badutf8) {
		r->bad = 1;
		snprintf(r->err, sizeof(r->err), "invalid UTF-8 in field %d",
		    c->badutf8);
	} else {
		t = r->json;
		r->json = c->tmp;
		c->tmp = t;
	}
	c->badutf8 = 0;
}

void
mb_csv_decide(mb_csv *c)
{
	int i, k;
	const char *s;
	size_t n, at;

	if (!c->sampling)
		return;
	/* what every sampled value of a column could be, row by row */
	c->tmp.len = 0;
	mb_buf_grow(&c->tmp, 2 * (size_t)c->ncols);
	memset(c->tmp.p, 0, 2 * (size_t)c->ncols);
	for (i = 0; i < c->ncols; i++)
		c->tmp.p[i] = CAN_BOOL | CAN_INT | CAN_NUM;
	for (k = c->qhead; k < c->qlen; k++) {
		if (!c->q[k].held)
			continue;
		for (at = 0, i = 0; held_field(&c->q[k].fields, &at, &s, &n); i++)
			if (s != NULL && n > 0 && c->ctype[i] == MB_C_INFER) {
				c->tmp.p[c->ncols + i] = 1;
				c->tmp.p[i] &= (char)can_be(s, n);
			}
	}
	for (i = 0; i < c->ncols; i++) {
		unsigned can = (unsigned char)c->tmp.p[i];

		if (c->ctype[i] != MB_C_INFER)
			continue;
		c->strict[i] = 1;
		c->ctype[i] = !c->tmp.p[c->ncols + i] ? MB_C_STRING :
			    can & CAN_BOOL ? MB_C_BOOLEAN : can & CAN_INT ?
			    MB_C_INTEGER : can & CAN_NUM ? MB_C_NUMBER : MB_C_STRING;
	}
	c->sampling = 0;
	for (k = c->qhead; k < c->qlen; k++)
		if (c->q[k].held)
			release(c, &c->q[k]);
	/* a row being read (quoted over lines) has its first fields held */
	if (c->nf > 0) {
		for (at = 0, k = 0; held_field(&c->fields, &at, &s, &n); k++) {
			if (k > 0)
				mb_buf_addc(&c->row, ',');
			mb_buf_add(&c->row, c->keys.p + c->koff[k], c->koff[k + 1] - c->koff[k]);
			put_typed(c, &c->row, k, s, n, c->rowline);
		}
		c->fields.len = 0;
	}
	c->nheld = 0;
}

int
mb_csv_next(mb_csv *c, mb_csv_row *row)
{
	qrow *r;

	if (c->qhead >= c->qlen || c->sampling)
		return 0;
	r = &c->q[c->qhead++];
	row->json = r->bad ? NULL : r->json.p;
	row->json_len = r->bad ? 0 : r->json.len;
	row->raw = r->raw.p ? r->raw.p : "";
	row->raw_len = r->raw.len;
	row->lineno = r->lineno;
	row->error = r->bad ? r->err : NULL;
	return 1;
}

int
mb_csv_has_key(const mb_csv *c, const char *name)
{
	mb_buf k = { 0 };
	int found;

	mb_buf_json_str(&k, name, strlen(name));
	mb_buf_addc(&k, ':');
	found = c->keys.len && memmem(c->keys.p, c->keys.len, k.p, k.len) != NULL;
	mb_buf_free(&k);
	return found;
}
