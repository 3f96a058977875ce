/*
 * schema_check.c: a compiled schema (schema_int.h) against records.  A
 * record that passes is the common case and has a fast path of its own
 * (top_ok): every field a declared property whose value passes on its raw
 * text.  Anything else goes through check_object/check_value, which find
 * and describe every failure.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "schema_int.h"

static const char *type_names[] = { "string", "integer", "number", "boolean",
	"null", "object", "array" };
static const char *type_articles[] = { "a string", "an integer", "a number",
	"a boolean", "null", "an object", "an array" };

/* Short byte strings (field names, enum values) compared without a call. */
static inline int
same(const char *a, const char *b, size_t n)
{
	uint64_t x, y;
	uint32_t u, v;
	size_t i;

	if (n >= 8) {
		/* 8 bytes at a time, the last 8 overlapping */
		for (i = 0; i + 8 < n; i += 8) {
			memcpy(&x, a + i, 8);
			memcpy(&y, b + i, 8);
			if (x != y)
				return 0;
		}
		memcpy(&x, a + n - 8, 8);
		memcpy(&y, b + n - 8, 8);
		return x == y;
	}
	if (n >= 4) {
		memcpy(&u, a, 4);
		memcpy(&v, b, 4);
		if (u != v)
			return 0;
		memcpy(&u, a + n - 4, 4);
		memcpy(&v, b + n - 4, 4);
		return u == v;
	}
	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}


static int
streq(const char *a, const char *b, size_t bn)
{
	return strlen(a) == bn && memcmp(a, b, bn) == 0;
}

/* ---- failures and changes ------------------------------------------------------ */

static void
fail(mb_schema_res *res, int slot, const char *field, size_t flen,
    const char *valp, size_t valn, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/*
 * Notes a failure: the top-level rule (slot), the field's path (NULL: the
 * record), the value's JSON text (NULL: missing) and a message.  Texts go
 * into res->text, their offsets into res->offs, made pointers when the
 * check ends; a value outside the record's line (a coerced one) is copied
 * there too.
 */
static void
fail(mb_schema_res *res, int slot, const char *field, size_t flen,
    const char *valp, size_t valn, const char *fmt, ...)
{
	mb_schema_fail *f;
	mb_span line = mb_rec_raw(res->rec, 0);
	size_t *off;
	va_list ap;
	char msg[600];
	int n;

	if (res->nfails >= MB_SCHEMA_MAXFAILS) {
		res->more++;
		return;
	}
	if (res->nfails == res->capfails) {
		res->capfails = res->capfails ? res->capfails * 2 : 16;
		res->fails = mb_xrealloc(res->fails, (size_t)res->capfails *
		    sizeof(*f));
		res->offs = mb_xrealloc(res->offs, (size_t)res->capfails * 3 *
		    sizeof(size_t));
	}
	f = &res->fails[res->nfails];
	off = &res->offs[res->nfails * 3];
	f->slot = slot;
	f->field.len = flen;
	off[0] = (size_t)-1;
	if (field != NULL) {
		off[0] = res->text.len;
		mb_buf_add(&res->text, field, flen);
	}
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	off[1] = res->text.len;
	f->msg.len = n < 0 ? 0 : (size_t)n < sizeof(msg) ? (size_t)n :
	    sizeof(msg) - 1;
	mb_buf_add(&res->text, msg, f->msg.len);
	f->value.p = valp;
	f->value.len = valn;
	off[2] = (size_t)-1;
	if (valp != NULL && (valp < line.p || valp + valn > line.p + line.len)) {
		off[2] = res->text.len;
		mb_buf_add(&res->text, valp, valn);
	}
	res->nfails++;
}

static mb_schema_change *
change(mb_schema_res *res, int field)
{
	mb_schema_change *c;

	if (res->nchanges == res->capchanges) {
		res->capchanges = res->capchanges ? res->capchanges * 2 : 8;
		res->changes = mb_xrealloc(res->changes,
		    (size_t)res->capchanges * sizeof(*c));
	}
	c = &res->changes[res->nchanges++];
	c->field = field;
	c->value.p = NULL;
	c->value.len = 0;
	return c;
}

/* ---- checking a value ------------------------------------------------------------ */

/* A value as JSON text, for messages; lives until the next call. */
static const char *
valtext(mb_buf *b, const mb_val *v)
{
	mb_buf_reset(b);
	mb_val_json(b, v);
	return mb_buf_cstr(b);
}

static int
is_integer_text(const char *p, size_t n)
{
	mb_val v;
	__int128 m = 1;
	int i;

	for (i = 0; i < (int)n; i++)
		if (p[i] == '.' || p[i] == 'e' || p[i] == 'E')
			break;
	if (i == (int)n)
		return 1;
	mb_val_from_json(p, n, NULL, &v);
	if (v.t == MB_V_DBL)	/* 1e70 too; no cast that could overflow */
		return isfinite(v.f) && v.f == floor(v.f);
	if (v.t != MB_V_DEC)
		return 0;
	for (i = 0; i < v.d.scale; i++)
		m *= 10;
	return v.d.v % m == 0;
}

static int
vtype_bits(mb_type t, const char *p, size_t n)
{
	switch (t) {
	case MB_T_STR: return TY_STRING;
	case MB_T_NULL: return TY_NULL;
	case MB_T_BOOL: return TY_BOOLEAN;
	case MB_T_OBJ: return TY_OBJECT;
	case MB_T_ARR: return TY_ARRAY;
	case MB_T_NUM:
		return TY_NUMBER | (is_integer_text(p, n) ? TY_INTEGER : 0);
	default: return 0;
	}
}

static void
types_text(int types, char *out, size_t n)
{
	int i, first = 1;
	size_t k = 0;

	out[0] = '\0';
	/* integer is a number: "a number" says it when both are allowed */
	if ((types & TY_NUMBER) && (types & TY_INTEGER))
		types &= ~TY_INTEGER;
	for (i = 0; i < 7; i++)
		if (types & (1 << i)) {
			k += (size_t)snprintf(out + k, n - k, "%s%s", first ? "" :
			    " or ", first ? type_articles[i] : type_names[i]);
			first = 0;
			if (k >= n)
				return;
		}
}

static inline int
digits2(const char *p)
{
	unsigned a = (unsigned)(unsigned char)p[0] - '0';
	unsigned b = (unsigned)(unsigned char)p[1] - '0';

	return a < 10 && b < 10 ? (int)(a * 10 + b) : -1;
}

static int
valid_date(const char *p, size_t n)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30,
		31 };
	int y, m, d, i;

	if (n < 10 || p[4] != '-' || p[7] != '-')
		return 0;
	for (i = 0; i < 4; i++)
		if ((unsigned)(unsigned char)p[i] - '0' > 9)
			return 0;
	y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 +
	    (p[3] - '0');
	m = digits2(p + 5);
	d = digits2(p + 8);
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return 0;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 0;
	return 1;
}

static int
valid_datetime(const char *p, size_t n)
{
	size_t i;
	int h, m, sec;

	if (n < 20 || !valid_date(p, 10) || (p[10] != 'T' && p[10] != 't') ||
	    p[13] != ':' || p[16] != ':')
		return 0;
	h = digits2(p + 11);
	m = digits2(p + 14);
	sec = digits2(p + 17);
	if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 60)
		return 0;
	i = 19;
	if (p[i] == '.') {
		i++;
		if (i >= n || !isdigit((unsigned char)p[i]))
			return 0;
		while (i < n && isdigit((unsigned char)p[i]))
			i++;
	}
	if (i < n && (p[i] == 'Z' || p[i] == 'z'))
		return i + 1 == n;
	if (i + 6 == n && (p[i] == '+' || p[i] == '-') && p[i + 3] == ':' &&
	    digits2(p + i + 1) >= 0 && digits2(p + i + 1) <= 23 &&
	    digits2(p + i + 4) >= 0 && digits2(p + i + 4) <= 59)
		return 1;
	return 0;
}

static int
valid_email(const char *p, size_t n)
{
	const char *at = memchr(p, '@', n), *dot;
	size_t i, dl;

	if (at == NULL || at == p || memchr(at + 1, '@', n - (size_t)(at - p) -
	    1) != NULL)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] <= ' ')
			return 0;
	dl = n - (size_t)(at - p) - 1;
	dot = memchr(at + 1, '.', dl);
	return dl >= 3 && dot != NULL && at[1] != '.' && p[n - 1] != '.';
}

/* JSON Schema equality: same type, same value (1 and 1.0 are equal). */
static int
json_equal(const mb_val *a, const mb_val *b)
{
	int c;
	int an = a->t == MB_V_DEC || a->t == MB_V_DBL;
	int bn = b->t == MB_V_DEC || b->t == MB_V_DBL;

	if (a->t != b->t && !(an && bn))
		return 0;
	if (a->t == MB_V_NULL)
		return 1;
	if (a->t == MB_V_JSON)
		return a->n == b->n && memcmp(a->s, b->s, a->n) == 0;
	return mb_val_cmp(a, b, &c) == 0 && c == 0;
}

static const int64_t p10s[19] = { 1, 10, 100, 1000, 10000, 100000,
	1000000, 10000000, 100000000, 1000000000, 10000000000LL,
	100000000000LL, 1000000000000LL, 10000000000000LL, 100000000000000LL,
	1000000000000000LL, 10000000000000000LL, 100000000000000000LL,
	1000000000000000000LL };

/* m / 10^sc against a bound that bound_fast() accepted: -1, 0, 1. */
static int
cmp_fast(int64_t m, int sc, const mb_val *b)
{
	__int128 x = m, y = b->d.v;

	if (sc < b->d.scale)
		x *= p10s[b->d.scale - sc];
	else
		y *= p10s[sc - b->d.scale];
	return x < y ? -1 : x > y;
}

/*
 * The checks of a value that nearly every value passes, done on its raw
 * text without converting it: 1 when the value passes them all, 0 when the
 * general check_value() must look (and find what failed, for the message).
 */
static int
num_ok(const node *s, mb_span raw)
{
	int64_t m;
	int sc;

	if (s->nenum > 0 || !s->fastbounds || mb_dec_parse64(raw.p, raw.len, &m,
	    &sc) < 0)
		return 0;
	if (s->types != 0 && !(s->types & TY_NUMBER) && (!(s->types &
	    TY_INTEGER) || (sc > 0 && m % p10s[sc] != 0)))
		return 0;
	return !(s->hasmin && cmp_fast(m, sc, &s->min) < 0) &&
	    !(s->hasxmin && cmp_fast(m, sc, &s->xmin) <= 0) &&
	    !(s->hasmax && cmp_fast(m, sc, &s->max) > 0) &&
	    !(s->hasxmax && cmp_fast(m, sc, &s->xmax) >= 0);
}

/* The same for a string without escapes (res->noesc). */
static int
str_ok(const node *s, mb_span raw)
{
	const char *p = raw.p + 1;
	size_t n = raw.len - 2, cps;
	int i;

	if (s->types != 0 && !(s->types & TY_STRING))
		return 0;
	if (s->nenum > 0) {
		/* a string equals only a string */
		for (i = 0; i < s->nenum; i++)
			if (s->enumv[i].t == MB_V_STR && s->enumv[i].n == n &&
			    same(s->enumv[i].s, p, n))
				break;
		if (i == s->nenum)
			return 0;
	}
	/* n bytes hold n / 4 to n characters */
	if ((s->maxlen >= 0 && n > (size_t)s->maxlen) ||
	    (s->minlen >= 0 && n / 4 < (size_t)s->minlen)) {
		cps = mb_utf8_len(p, n);
		if ((s->minlen >= 0 && cps < (size_t)s->minlen) ||
		    (s->maxlen >= 0 && cps > (size_t)s->maxlen))
			return 0;
	}
	if (s->re != NULL && !mb_regex_match(s->re, p, n))
		return 0;
	switch (s->format) {
	case FMT_DATETIME: return valid_datetime(p, n);
	case FMT_DATE: return n == 10 && valid_date(p, n);
	case FMT_EMAIL: return valid_email(p, n);
	}
	return 1;
}

static void check_value(const node *s, mb_schema_res *res, int flags,
    const mb_rec *r, int v, mb_type t, mb_span raw, const char *path,
    size_t plen, int slot, int fi);

/*
 * The whole top-level object of a record without escapes, when it passes:
 * every field a declared property whose value num_ok() or str_ok()
 * accepts, or a lineage field, and no required field missing.  1 when the
 * record passes the schema; 0 when check_object() must look at it.
 */
static int
top_ok(const node *s, const mb_rec *r)
{
	int i, pi, guess = 0, n = mb_rec_nfields(r);
	uint64_t seenbits[4] = { 0 };
	mb_span k, raw;
	const node *ps;

	if (s->nprops > 256 || (s->types != 0 && !(s->types & TY_OBJECT)))
		return 0;
	for (i = 0; i < n; i++) {
		k = mb_rec_key(r, i);
		if (guess < s->nprops && s->pnlen[guess] == k.len &&
		    same(s->pname[guess], k.p, k.len))
			pi = guess;
		else
			for (pi = 0; pi < s->nprops; pi++)
				if (s->pnlen[pi] == k.len &&
				    same(s->pname[pi], k.p, k.len))
					break;
		if (pi == s->nprops) {
			/* lineage, or allowed and unchecked */
			if ((k.len > 0 && k.p[0] == '_') ||
			    (s->addl && s->addlschema == NULL))
				continue;
			return 0;
		}
		guess = pi + 1;
		ps = &s->props[pi];
		raw = mb_rec_raw(r, mb_rec_field(r, i));
		switch (raw.p[0]) {
		case '"':
			if (!str_ok(ps, raw))
				return 0;
			break;
		case '{': case '[': case 't': case 'f': case 'n':
			return 0;
		default:
			if (!num_ok(ps, raw))
				return 0;
		}
		seenbits[pi >> 6] |= (uint64_t)1 << (pi & 63);
	}
	for (i = 0; i < s->nreq; i++) {
		pi = s->reqidx[i];
		if (pi < 0 || !((seenbits[pi >> 6] >> (pi & 63)) & 1))
			return 0;
	}
	return 1;
}

/* path "." key, in sub (cut when it does not fit); its length. */
static size_t
subpath(char *sub, size_t subn, const char *path, size_t plen, const char *k,
    size_t kl)
{
	size_t j;

	memcpy(sub, path, plen);
	j = plen;
	if (plen + kl + 2 < subn) {
		if (plen)
			sub[j++] = '.';
		memcpy(sub + j, k, kl);
		j += kl;
	}
	return j;
}

/* The members of object v (the record itself when top), each against its
 * property, additionalProperties, and the required names. */
static void
check_object(const node *s, mb_schema_res *res, int flags, const mb_rec *r,
    int v, const char *path, size_t plen, int slot, int top)
{
	int i, j, n = mb_rec_len(r, v), guess = 0, cv = -1;
	char sub[1024];
	uint64_t seenbits[4] = { 0 };	/* properties seen, first 256 */
	unsigned char *seen = NULL;
	size_t sl;

	if (s->nprops > 256)
		seen = mb_xcalloc((size_t)s->nprops, 1);
	for (i = 0; i < n; i++) {
		mb_span key;
		const char *k;
		size_t kl;
		int pi = -1;

		if (top) {
			cv = mb_rec_field(r, i);
			key = mb_rec_key(r, i);
		} else if ((cv = mb_rec_next(r, v, cv, &key)) < 0)
			break;
		k = key.p;
		kl = key.len;
		if (!res->noesc && memchr(k, '\\', kl) != NULL) {
			size_t at = res->scratch.len;
			mb_json_unescape(k, kl, &res->scratch);
			k = res->scratch.p + at;	/* not grown again below */
			kl = res->scratch.len - at;
		}
		/* records usually list fields in the schema's order */
		if (guess < s->nprops && s->pnlen[guess] == kl &&
		    same(s->pname[guess], k, kl))
			pi = guess;
		else
			for (j = 0; j < s->nprops; j++)
				if (s->pnlen[j] == kl &&
				    same(s->pname[j], k, kl)) {
					pi = j;
					break;
				}
		if (pi >= 0) {
			guess = pi + 1;
			if (pi < 256)
				seenbits[pi >> 6] |= (uint64_t)1 << (pi & 63);
			else
				seen[pi] = 1;
			if (top && k == key.p) {
				/* the common case: the path is the key, in
				 * the line */
				check_value(&s->props[pi], res, flags, r, cv,
				    mb_rec_type(r, cv), mb_rec_raw(r, cv), k, kl,
				    pi, i);
				continue;
			}
			sl = subpath(sub, sizeof(sub), path, plen, k, kl);
			check_value(&s->props[pi], res, flags, r, cv,
			    mb_rec_type(r, cv), mb_rec_raw(r, cv), sub, sl,
			    top ? pi : slot, top ? i : -1);
			continue;
		}
		/* the toolkit's own fields (_source, _hash...) are lineage */
		if (top && kl > 0 && k[0] == '_')
			continue;
		sl = subpath(sub, sizeof(sub), path, plen, k, kl);
		if (s->addlschema != NULL) {
			check_value(s->addlschema, res, flags, r, cv,
			    mb_rec_type(r, cv), mb_rec_raw(r, cv), sub, sl, slot,
			    -1);
		} else if (!s->addl) {
			if (top && (flags & MB_SCHEMA_RESCUE)) {
				change(res, i);
				continue;
			}
			mb_span raw = mb_rec_raw(r, cv);
			fail(res, slot, sub, sl, raw.p, raw.len,
			    "field not allowed by the schema");
		}
	}
	for (i = 0; i < s->nreq; i++) {
		int pi = s->reqidx[i], isseen = 0;
		if (pi >= 0)
			isseen = pi < 256 ? (seenbits[pi >> 6] >> (pi & 63)) & 1 :
			    seen[pi];
		else
			isseen = top ? mb_rec_find(r, s->req[i]) >= 0 :
			    mb_rec_findn(r, s->req[i], strlen(s->req[i])) >= 0;
		if (!isseen) {
			size_t kl = strlen(s->req[i]);
			if (!top && pi < 0) {
				/* nested and undeclared: look it up by path */
				char full[1024];
				snprintf(full, sizeof(full), "%.*s.%s", (int)plen,
				    path, s->req[i]);
				if (mb_rec_find(r, full) >= 0)
					continue;
			}
			sl = subpath(sub, sizeof(sub), path, plen, s->req[i], kl);
			fail(res, top && pi >= 0 ? pi : top ? s->nprops + i : slot,
			    sub, sl, NULL, 0, "required field is missing");
		}
	}
	free(seen);
}

/* The value that coercion makes of a string, when the schema asks for a
 * number or boolean and the string holds one; 1 and the JSON in out. */
static int
coerce_str(const node *s, mb_schema_res *res, const mb_rec *r, int v,
    mb_buf *out)
{
	mb_val x;
	size_t at = res->scratch.len;
	const char *p;
	size_t n;

	mb_rec_str(r, v, &res->scratch);
	p = res->scratch.p + at;
	n = res->scratch.len - at;
	while (n > 0 && isspace((unsigned char)*p)) {
		p++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)p[n - 1]))
		n--;
	if ((s->types & TY_BOOLEAN) && (streq("true", p, n) ||
	    streq("false", p, n))) {
		mb_buf_adds(out, p[0] == 't' ? "true" : "false");
		return 1;
	}
	if (!(s->types & (TY_NUMBER | TY_INTEGER)) || n == 0 ||
	    (!isdigit((unsigned char)p[0]) && p[0] != '-' && p[0] != '+' &&
	    p[0] != '.'))
		return 0;
	mb_val_from_json(p, n, NULL, &x);
	if (x.t == MB_V_DEC) {
		mb_buf_dec(out, x.d);
	} else if (x.t == MB_V_DBL) {
		mb_val_json(out, &x);
	} else
		return 0;
	if (!(s->types & TY_NUMBER) && !is_integer_text(out->p, out->len)) {
		out->len = 0;
		return 0;
	}
	return 1;
}

/*
 * A value against schema s: raw its text, t its type, v its handle (-1
 * for a coerced value that is not in the record), path its name in
 * messages; fi the top-level field it is, or -1 below the top.
 */
static void
check_value(const node *s, mb_schema_res *res, int flags, const mb_rec *r,
    int v, mb_type t, mb_span raw, const char *path, size_t plen, int slot,
    int fi)
{
	int bits, i, c, prev;
	mb_val x;
	char tt[128];
	size_t at = res->scratch.len;

	if ((t == MB_T_NUM && num_ok(s, raw)) ||
	    (t == MB_T_STR && res->noesc && v >= 0 && str_ok(s, raw)))
		return;
	bits = vtype_bits(t, raw.p, raw.len);
	if (s->types != 0 && !(bits & s->types)) {
		/* a string holding what the schema asks for */
		if ((flags & MB_SCHEMA_COERCE) && t == MB_T_STR && fi >= 0) {
			mb_buf nb = { 0 };
			if (coerce_str(s, res, r, v, &nb)) {
				/* the new value is checked as it will be */
				change(res, fi)->value.len = nb.len;
				res->changes[res->nchanges - 1].value.p =
				    (const char *)res->text.len;
				mb_buf_add(&res->text, nb.p, nb.len);
				raw.p = nb.p;
				raw.len = nb.len;
				t = nb.p[0] == 't' || nb.p[0] == 'f' ?
				    MB_T_BOOL : MB_T_NUM;
				check_value(s, res, flags, r, -1, t, raw, path,
				    plen, slot, -1);
				mb_buf_free(&nb);
				res->scratch.len = at;
				return;
			}
			mb_buf_free(&nb);
			res->scratch.len = at;
		}
		types_text(s->types, tt, sizeof(tt));
		fail(res, slot, path, plen, raw.p, raw.len, "not %s", tt);
		return;
	}
	if (s->nenum > 0) {
		mb_val_from_json(raw.p, raw.len, &res->scratch, &x);
		for (i = 0; i < s->nenum; i++)
			if (json_equal(&x, &s->enumv[i]))
				break;
		if (i == s->nenum) {
			if (s->isconst)
				fail(res, slot, path, plen, raw.p, raw.len,
				    "not the constant %s", s->enumtext);
			else
				fail(res, slot, path, plen, raw.p, raw.len,
				    "not one of %s", s->enumtext);
		}
	}
	if (t == MB_T_NUM && (s->hasmin || s->hasmax || s->hasxmin ||
	    s->hasxmax)) {
		mb_buf vt = { 0 };
		mb_val_from_json(raw.p, raw.len, NULL, &x);
		if (s->hasmin && mb_val_cmp(&x, &s->min, &c) == 0 && c < 0)
			fail(res, slot, path, plen, raw.p, raw.len,
			    "less than the minimum %s", valtext(&vt, &s->min));
		if (s->hasxmin && mb_val_cmp(&x, &s->xmin, &c) == 0 && c <= 0)
			fail(res, slot, path, plen, raw.p, raw.len,
			    "not greater than %s", valtext(&vt, &s->xmin));
		if (s->hasmax && mb_val_cmp(&x, &s->max, &c) == 0 && c > 0)
			fail(res, slot, path, plen, raw.p, raw.len,
			    "greater than the maximum %s", valtext(&vt, &s->max));
		if (s->hasxmax && mb_val_cmp(&x, &s->xmax, &c) == 0 && c >= 0)
			fail(res, slot, path, plen, raw.p, raw.len,
			    "not less than %s", valtext(&vt, &s->xmax));
		mb_buf_free(&vt);
	}
	if (t == MB_T_STR && (s->minlen >= 0 || s->maxlen >= 0 || s->re != NULL ||
	    s->format != FMT_NONE)) {
		const char *p;
		size_t n, cps;
		mb_val_from_json(raw.p, raw.len, &res->scratch, &x);
		p = x.s;
		n = x.n;
		cps = mb_utf8_len(p, n);
		if (s->minlen >= 0 && cps < (size_t)s->minlen)
			fail(res, slot, path, plen, raw.p, raw.len, "shorter than "
			    "%lld characters", (long long)s->minlen);
		if (s->maxlen >= 0 && cps > (size_t)s->maxlen)
			fail(res, slot, path, plen, raw.p, raw.len, "longer than "
			    "%lld characters", (long long)s->maxlen);
		if (s->re != NULL && !mb_regex_match(s->re, p, n))
			fail(res, slot, path, plen, raw.p, raw.len,
			    "does not match the pattern %s", s->pattern);
		if (s->format == FMT_DATETIME && !valid_datetime(p, n))
			fail(res, slot, path, plen, raw.p, raw.len,
			    "not a date-time (RFC 3339)");
		else if (s->format == FMT_DATE && (n != 10 || !valid_date(p, n)))
			fail(res, slot, path, plen, raw.p, raw.len,
			    "not a date (YYYY-MM-DD)");
		else if (s->format == FMT_EMAIL && !valid_email(p, n))
			fail(res, slot, path, plen, raw.p, raw.len,
			    "not an email address");
	}
	if (t == MB_T_OBJ && v >= 0 && (s->nprops > 0 || s->nreq > 0 ||
	    !s->addl || s->addlschema != NULL))
		check_object(s, res, flags, r, v, path, plen, slot, 0);
	if (t == MB_T_ARR && v >= 0) {
		int n = mb_rec_len(r, v);
		if (s->minitems >= 0 && n < s->minitems)
			fail(res, slot, path, plen, raw.p, raw.len, "fewer than "
			    "%lld items", (long long)s->minitems);
		if (s->maxitems >= 0 && n > s->maxitems)
			fail(res, slot, path, plen, raw.p, raw.len, "more than "
			    "%lld items", (long long)s->maxitems);
		if (s->items != NULL)
			for (i = 0, prev = -1; i < n; i++) {
				char sub[1024];
				int cv = prev = mb_rec_next(r, v, prev, NULL);
				int k = snprintf(sub, sizeof(sub), "%.*s[%d]",
				    (int)plen, path, i);
				check_value(s->items, res, flags, r, cv,
				    mb_rec_type(r, cv), mb_rec_raw(r, cv), sub,
				    (size_t)k < sizeof(sub) ? (size_t)k :
				    sizeof(sub) - 1, slot, -1);
			}
	}
	res->scratch.len = at;
}

int
mb_schema_check(const mb_schema *sc, const mb_rec *r, int flags,
    mb_schema_res *res)
{
	const node *s = &sc->root;
	mb_span line = mb_rec_raw(r, 0);
	int i;

	res->nfails = 0;
	res->nchanges = 0;
	res->more = 0;
	res->rec = r;
	mb_buf_reset(&res->text);
	mb_buf_reset(&res->scratch);
	res->noesc = memchr(line.p, '\\', line.len) == NULL;
	if (res->noesc && top_ok(s, r))
		return 0;
	if (s->types != 0 && !(s->types & TY_OBJECT))
		fail(res, -1, NULL, 0, NULL, 0, "not of the schema's type");
	check_object(s, res, flags, r, 0, "", 0, -1, 1);
	/* offsets in text become pointers, now that it stops moving */
	for (i = 0; i < res->nfails; i++) {
		mb_schema_fail *f = &res->fails[i];
		const size_t *off = &res->offs[i * 3];
		f->field.p = off[0] == (size_t)-1 ? NULL : res->text.p + off[0];
		f->msg.p = res->text.p + off[1];
		if (off[2] != (size_t)-1)
			f->value.p = res->text.p + off[2];
	}
	/* (a coerced value is never empty; a rescue has none) */
	for (i = 0; i < res->nchanges; i++)
		if (res->changes[i].value.len > 0)
			res->changes[i].value.p = res->text.p +
			    (size_t)res->changes[i].value.p;
	return res->nfails;
}

void
mb_schema_res_free(mb_schema_res *res)
{
	free(res->fails);
	free(res->offs);
	free(res->changes);
	mb_buf_free(&res->text);
	mb_buf_free(&res->scratch);
	memset(res, 0, sizeof(*res));
}
