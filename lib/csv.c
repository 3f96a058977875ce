/*
 * csv.c: CSV text, fed line by line, to NDJSON records, over libcsv.
 * The first row names the fields; each value is typed by its text (see
 * mb.h).  A row whose field count differs from the header's, whose quoting
 * is broken, or that never closes its quote is handed out as a bad row
 * with the text it had, so the caller can keep it as a _raw record.
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
} qrow;

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
	}
	free(c->q);
	free(c->koff);
	free(c->hoff);
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

static void
put_value(mb_csv *c, const char *s, size_t n)
{
	mb_buf *b = &c->row;

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
		c->badutf8 = c->nf + 1;
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
	if (c->nf < c->ncols) {
		if (c->nf > 0)
			mb_buf_addc(&c->row, ',');
		mb_buf_add(&c->row, c->keys.p + c->koff[c->nf],
		    c->koff[c->nf + 1] - c->koff[c->nf]);
		put_value(c, s, n);
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
	c->keys.len = 0;
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
	}
	c->koff[c->nh] = c->keys.len;
	mb_buf_free(&name);
	c->have_header = 1;
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

	if (!c->have_header || c->nf >= c->ncols || n == 0 ||
	    !(jsonplain || alldigits)) {
		cb_field(n ? (void *)p : NULL, n, c);
		return;
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
	if (jsonplain && !(p[0] >= '0' && p[0] <= '9') && p[0] != '-' &&
	    (p[0] | 0x20) != 't' && (p[0] | 0x20) != 'f') {
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
}

int
mb_csv_next(mb_csv *c, mb_csv_row *row)
{
	qrow *r;

	if (c->qhead >= c->qlen)
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
