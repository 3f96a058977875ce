/*
 * json.c: strict JSON checking and string unescaping.  jsmn tokenizes but
 * forgives (trailing commas, bad literals); this pass is the judge of what
 * is JSON, and says in which column it stops being so.
 */
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "mb.h"

/* 1 for bytes a string can hold as they are: not '"', '\\', controls,
 * or bytes of multi-byte UTF-8 (those are checked apart). */
static const unsigned char plain[256] = {
#define R16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
	R16(0), R16(0),
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x20: '"' */
	R16(1), R16(1),
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,	/* 0x50: '\\' */
	R16(1), R16(1),
	R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0)
#undef R16
};

#define WS(c) ((c) == ' ' || (c) == '\t' || (c) == '\n' || (c) == '\r')

static int
bad(size_t i, const char *what)
{
	return mb_seterr("column %zu: %s", i + 1, what);
}

static int
badc(const char *p, size_t n, size_t i, const char *expected)
{
	unsigned char c;

	if (i >= n)
		return mb_seterr("column %zu: unexpected end of line, %s", i + 1,
		    expected);
	c = (unsigned char)p[i];
	if (c >= 0x20 && c < 0x7f)
		return mb_seterr("column %zu: unexpected '%c', %s", i + 1, c,
		    expected);
	return mb_seterr("column %zu: unexpected byte 0x%02x, %s", i + 1, c,
	    expected);
}

static int
hex4(const char *p)
{
	int i;

	for (i = 0; i < 4; i++) {
		char c = p[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		    (c >= 'A' && c <= 'F')))
			return 0;
	}
	return 1;
}

/* Checks the string starting after its opening quote at i; returns the
 * index after the closing quote, or 0 on error. */
static size_t
check_str(const char *p, size_t n, size_t i, int *esc)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t k;

	for (;;) {
#ifdef __SSE2__
		/* 16 bytes at a time: stop at '"', '\\', a control byte or a
		 * byte >= 0x80 (both are below ' ' as signed chars). */
		const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'),
		    sp = _mm_set1_epi8(' ');

		while (i + 16 <= n) {
			__m128i v = _mm_loadu_si128((const __m128i *)(u + i));
			int m = _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(
			    _mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, bs)),
			    _mm_cmplt_epi8(v, sp)));

			if (m != 0) {
				i += (size_t)__builtin_ctz((unsigned)m);
				break;
			}
			i += 16;
		}
#endif
		while (i < n && plain[u[i]])
			i++;
		if (i >= n) {
			bad(n, "unterminated string");
			return 0;
		}
		if (u[i] == '"')
			return i + 1;
		if (u[i] == '\\') {
			if (i + 1 >= n) {
				bad(n, "unterminated string");
				return 0;
			}
			if (esc)
				*esc = 1;
			switch (p[i + 1]) {
			case '"': case '\\': case '/': case 'b': case 'f':
			case 'n': case 'r': case 't':
				i += 2;
				continue;
			case 'u':
				if (i + 6 <= n && hex4(p + i + 2)) {
					i += 6;
					continue;
				}
				/* FALLTHROUGH */
			default:
				bad(i, "invalid escape in string");
				return 0;
			}
		}
		if (u[i] < 0x20) {
			mb_seterr("column %zu: control byte 0x%02x in string (must be escaped)",
			    i + 1, u[i]);
			return 0;
		}
		if ((k = mb_utf8_seq(u + i, n - i)) == 0) {
			bad(i, "invalid UTF-8 in string");
			return 0;
		}
		i += k;
	}
}

static size_t
check_num(const char *p, size_t n, size_t i)
{
	size_t s = i;

	if (i < n && p[i] == '-')
		i++;
	if (i < n && p[i] == '0')
		i++;
	else if (i < n && p[i] >= '1' && p[i] <= '9')
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
	else
		goto fail;
	if (i < n && p[i] == '.') {
		i++;
		if (i >= n || p[i] < '0' || p[i] > '9')
			goto fail;
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
	}
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		i++;
		if (i < n && (p[i] == '+' || p[i] == '-'))
			i++;
		if (i >= n || p[i] < '0' || p[i] > '9')
			goto fail;
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
	}
	if (i < n && ((p[i] >= '0' && p[i] <= '9') || p[i] == '.' ||
	    (p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z')))
		goto fail;
	return i;
fail:
	bad(s, "invalid number");
	return 0;
}

/*
 * The checker is a loop over one explicit stack of open containers (a bit
 * per level: 1 object, 0 array), so nesting depth costs a bit, not a C
 * stack frame.
 */
static int
check(const char *p, size_t n, int want_object, int *lineage, mb_buf *top)
{
	mb_jfield *f = NULL;
	int kesc = 0;
	unsigned char stk0[64], *stk = stk0;
	mb_buf big = { 0 };
	size_t depth = 0, cap = sizeof(stk0) * 8, i = 0, j;
	int rc = -1;

#define TOP_IS_OBJ() (stk[(depth - 1) >> 3] >> ((depth - 1) & 7) & 1)
	while (i < n && WS(p[i]))
		i++;
	if (i >= n) {
		mb_seterr("column %zu: no JSON value (empty line)", i + 1);
		return -1;
	}
	if (want_object && p[i] != '{') {
		mb_seterr("column %zu: expected a JSON object ('{')", i + 1);
		return -1;
	}
value:
	if (i >= n) {
		badc(p, n, i, "expected a value");
		goto out;
	}
	if (f != NULL && depth == 1)
		f->vs = i;
	switch (p[i]) {
	case '{':
	case '[':
		if (depth == cap) {
			if (stk == stk0) {
				mb_buf_add(&big, stk0, sizeof(stk0));
			}
			mb_buf_grow(&big, big.len);
			memset(big.p + big.len, 0, big.len);
			big.len *= 2;
			stk = (unsigned char *)big.p;
			cap = big.len * 8;
		}
		if (p[i] == '{')
			stk[depth >> 3] |= (unsigned char)(1u << (depth & 7));
		else
			stk[depth >> 3] &= (unsigned char)~(1u << (depth & 7));
		depth++;
		i++;
		while (i < n && WS(p[i]))
			i++;
		if (TOP_IS_OBJ()) {
			if (i < n && p[i] == '}') {
				depth--;
				i++;
				goto after;
			}
			goto key;
		}
		if (i < n && p[i] == ']') {
			depth--;
			i++;
			goto after;
		}
		goto value;
	case '"':
		if ((i = check_str(p, n, i + 1, NULL)) == 0)
			goto out;
		goto after;
	case 't':
		if (n - i >= 4 && memcmp(p + i, "true", 4) == 0) {
			i += 4;
			goto lit;
		}
		break;
	case 'f':
		if (n - i >= 5 && memcmp(p + i, "false", 5) == 0) {
			i += 5;
			goto lit;
		}
		break;
	case 'n':
		if (n - i >= 4 && memcmp(p + i, "null", 4) == 0) {
			i += 4;
			goto lit;
		}
		break;
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		if ((i = check_num(p, n, i)) == 0)
			goto out;
		goto after;
	case '\'':
		bad(i, "single quotes are not JSON, strings take double quotes");
		goto out;
	}
	badc(p, n, i, "expected a value");
	goto out;
lit:
	if (i < n && ((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ||
	    (p[i] >= '0' && p[i] <= '9'))) {
		badc(p, n, i, "expected a value");
		goto out;
	}
after:
	if (f != NULL && depth == 1)
		f->ve = i;
	while (i < n && WS(p[i]))
		i++;
	if (depth == 0) {
		if (i < n) {
			badc(p, n, i, "expected the end of the line after the value");
			goto out;
		}
		rc = 0;
		goto out;
	}
	if (TOP_IS_OBJ()) {
		if (i < n && p[i] == '}') {
			depth--;
			i++;
			goto after;
		}
		if (i >= n || p[i] != ',') {
			badc(p, n, i, "expected ',' or '}'");
			goto out;
		}
		i++;
		while (i < n && WS(p[i]))
			i++;
		if (i < n && p[i] == '}') {
			bad(i, "trailing comma before '}'");
			goto out;
		}
		goto key;
	}
	if (i < n && p[i] == ']') {
		depth--;
		i++;
		goto after;
	}
	if (i >= n || p[i] != ',') {
		badc(p, n, i, "expected ',' or ']'");
		goto out;
	}
	i++;
	while (i < n && WS(p[i]))
		i++;
	if (i < n && p[i] == ']') {
		bad(i, "trailing comma before ']'");
		goto out;
	}
	goto value;
key:
	if (i >= n || p[i] != '"') {
		if (i < n && p[i] == '\'')
			bad(i, "single quotes are not JSON, keys take double quotes");
		else
			badc(p, n, i, "expected a key in double quotes");
		goto out;
	}
	kesc = 0;
	if ((j = check_str(p, n, i + 1, &kesc)) == 0)
		goto out;
	if (lineage && depth == 1 && j - i == 9 && memcmp(p + i + 1, "_source", 7) == 0)
		*lineage = 1;
	if (top != NULL && depth == 1) {
		if (top->cap - top->len <= sizeof(*f))
			mb_buf_grow(top, sizeof(*f));
		f = (mb_jfield *)(top->p + top->len);
		top->len += sizeof(*f);
		f->ks = i + 1;
		f->ke = j - 1;
		f->vs = f->ve = 0;
		f->kesc = kesc;
	}
	i = j;
	while (i < n && WS(p[i]))
		i++;
	if (i >= n || p[i] != ':') {
		badc(p, n, i, "expected ':' after the key");
		goto out;
	}
	i++;
	while (i < n && WS(p[i]))
		i++;
	goto value;
#undef TOP_IS_OBJ
out:
	mb_buf_free(&big);
	return rc;
}

int
mb_json_check(const char *p, size_t n)
{
	return check(p, n, 0, NULL, NULL);
}

int
mb_json_check_object(const char *p, size_t n)
{
	return check(p, n, 1, NULL, NULL);
}

int
mb_json_check_line(const char *p, size_t n, int *lineage)
{
	*lineage = 0;
	return check(p, n, 1, lineage, NULL);
}

int
mb_json_scan_object(const char *p, size_t n, mb_buf *fields)
{
	fields->len = 0;
	return check(p, n, 1, NULL, fields);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return c - 'A' + 10;
}

static void
put_utf8(mb_buf *out, unsigned cp)
{
	char u[4];
	size_t k;

	if (cp < 0x80) {
		u[0] = (char)cp;
		k = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		k = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		k = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		k = 4;
	}
	mb_buf_add(out, u, k);
}

int
mb_json_unescape(const char *p, size_t n, mb_buf *out)
{
	size_t i = 0, run;
	unsigned cp, lo;

	while (i < n) {
		run = i;
		while (i < n && p[i] != '\\')
			i++;
		mb_buf_add(out, p + run, i - run);
		if (i >= n)
			break;
		if (i + 1 >= n)
			return mb_seterr("string ends inside an escape");
		switch (p[i + 1]) {
		case 'b': mb_buf_addc(out, '\b'); break;
		case 'f': mb_buf_addc(out, '\f'); break;
		case 'n': mb_buf_addc(out, '\n'); break;
		case 'r': mb_buf_addc(out, '\r'); break;
		case 't': mb_buf_addc(out, '\t'); break;
		case 'u':
			if (i + 6 > n || !hex4(p + i + 2))
				return mb_seterr("invalid \\u escape");
			cp = (unsigned)(hexval(p[i + 2]) << 12 | hexval(p[i + 3]) << 8 |
			    hexval(p[i + 4]) << 4 | hexval(p[i + 5]));
			i += 6;
			if (cp >= 0xd800 && cp < 0xdc00 && i + 6 <= n &&
			    p[i] == '\\' && p[i + 1] == 'u' && hex4(p + i + 2)) {
				lo = (unsigned)(hexval(p[i + 2]) << 12 | hexval(p[i + 3]) << 8 |
				    hexval(p[i + 4]) << 4 | hexval(p[i + 5]));
				if (lo >= 0xdc00 && lo < 0xe000) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					i += 6;
				}
			}
			if (cp >= 0xd800 && cp < 0xe000)
				cp = 0xfffd;	/* a lone surrogate */
			put_utf8(out, cp);
			continue;
		default:
			mb_buf_addc(out, p[i + 1]);
		}
		i += 2;
	}
	return 0;
}
