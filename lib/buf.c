/* buf.c: growable byte buffers, and allocation that cannot fail quietly. */
#include <stdlib.h>
#include <string.h>

#include "mb.h"

static void
oom(void)
{
	static const char msg[] = "mb: out of memory\n";

	fwrite(msg, 1, sizeof(msg) - 1, stderr);
	abort();
}

void *
mb_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
mb_xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
mb_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		oom();
	return p;
}

char *
mb_xstrndup(const char *p, size_t n)
{
	char *s = mb_xmalloc(n + 1);

	if (n > 0)	/* p may be NULL then: an empty mb_buf */
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

char *
mb_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(mb_xmalloc(n), s, n);
}

void
mb_buf_grow(mb_buf *b, size_t need)
{
	size_t cap;

	if (b->cap - b->len > need)
		return;
	cap = b->cap ? b->cap : 256;
	while (cap - b->len <= need) {
		if (cap > SIZE_MAX / 2)
			oom();
		cap *= 2;
	}
	b->p = mb_xrealloc(b->p, cap);
	b->cap = cap;
}

void
mb_buf_add(mb_buf *b, const void *p, size_t n)
{
	if (b->cap - b->len <= n)
		mb_buf_grow(b, n);
	if (n > 0)	/* p may be NULL then */
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

void
mb_buf_adds(mb_buf *b, const char *s)
{
	mb_buf_add(b, s, strlen(s));
}

void
mb_buf_addc(mb_buf *b, char c)
{
	if (b->cap - b->len <= 1)
		mb_buf_grow(b, 1);
	b->p[b->len++] = c;
}

void
mb_buf_printf(mb_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	mb_buf_grow(b, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
mb_buf_addu(mb_buf *b, uint64_t v)
{
	char tmp[24], *e = tmp + sizeof(tmp), *s = e;

	do {
		*--s = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	mb_buf_add(b, s, (size_t)(e - s));
}

void
mb_buf_addi(mb_buf *b, int64_t v)
{
	if (v < 0) {
		mb_buf_addc(b, '-');
		mb_buf_addu(b, (uint64_t)0 - (uint64_t)v);
	} else
		mb_buf_addu(b, (uint64_t)v);
}

void
mb_buf_addhex64(mb_buf *b, uint64_t v)
{
	static const char hx[] = "0123456789abcdef";
	char tmp[16];
	int i;

	for (i = 15; i >= 0; i--, v >>= 4)
		tmp[i] = hx[v & 15];
	mb_buf_add(b, tmp, 16);
}

size_t
mb_utf8_seq(const unsigned char *p, size_t n)
{
	unsigned c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && p[1] < 0xa0)
			return 0;	/* overlong */
		if (c == 0xed && p[1] >= 0xa0)
			return 0;	/* surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
		    (p[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && p[1] < 0x90)
			return 0;
		if (c == 0xf4 && p[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

size_t
mb_utf8_len(const char *s, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			k++;
	return k;
}

long
mb_utf8_bad(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((k = mb_utf8_seq(p + i, n - i)) == 0)
			return (long)i;
		i += k;
	}
	return -1;
}

/* 1 for bytes that go into a JSON string as they are. */
static const unsigned char jplain[256] = {
#define R16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
	R16(0), R16(0),
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	R16(1), R16(1),
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
	R16(1), R16(1),
	R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0)
#undef R16
};

size_t
mb_buf_json_str(mb_buf *b, const char *s, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run, k, bad = 0;

	mb_buf_grow(b, n + 2);
	b->p[b->len++] = '"';
	while (i < n) {
		run = i;
		while (i < n && jplain[p[i]])
			i++;
		if (i > run)
			mb_buf_add(b, p + run, i - run);
		if (i >= n)
			break;
		if (p[i] >= 0x80) {
			if ((k = mb_utf8_seq(p + i, n - i)) == 0) {
				mb_buf_add(b, "\xef\xbf\xbd", 3);
				bad++;
				i++;
			} else {
				mb_buf_add(b, p + i, k);
				i += k;
			}
			continue;
		}
		mb_buf_grow(b, 6);
		b->p[b->len++] = '\\';
		switch (p[i]) {
		case '"': b->p[b->len++] = '"'; break;
		case '\\': b->p[b->len++] = '\\'; break;
		case '\n': b->p[b->len++] = 'n'; break;
		case '\r': b->p[b->len++] = 'r'; break;
		case '\t': b->p[b->len++] = 't'; break;
		case '\b': b->p[b->len++] = 'b'; break;
		case '\f': b->p[b->len++] = 'f'; break;
		default:
			b->p[b->len++] = 'u';
			b->p[b->len++] = '0';
			b->p[b->len++] = '0';
			b->p[b->len++] = hx[p[i] >> 4];
			b->p[b->len++] = hx[p[i] & 15];
		}
		i++;
	}
	mb_buf_addc(b, '"');
	return bad;
}

void
mb_buf_b64(mb_buf *b, const void *vp, size_t n)
{
	static const char tb[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = vp;
	size_t i;
	unsigned v;

	mb_buf_grow(b, (n + 2) / 3 * 4);
	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		b->p[b->len++] = tb[v >> 18];
		b->p[b->len++] = tb[v >> 12 & 63];
		b->p[b->len++] = tb[v >> 6 & 63];
		b->p[b->len++] = tb[v & 63];
	}
	if (i < n) {
		v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0);
		b->p[b->len++] = tb[v >> 18];
		b->p[b->len++] = tb[v >> 12 & 63];
		b->p[b->len++] = i + 1 < n ? tb[v >> 6 & 63] : '=';
		b->p[b->len++] = '=';
	}
}

char *
mb_buf_cstr(mb_buf *b)
{
	mb_buf_grow(b, 1);
	b->p[b->len] = '\0';
	return b->p;
}

void
mb_buf_free(mb_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void
mb_buf_raw_fields(mb_buf *b, const char *raw, size_t n, const char *msg)
{
	static const char errs[] = ",\"_errors\":[{\"rule\":\"parse\",\"field\":null,\"message\":";

	mb_buf_add(b, "\"_raw\":", 7);
	if (mb_buf_json_str(b, raw, n) > 0) {
		mb_buf_add(b, ",\"_raw_b64\":\"", 13);
		mb_buf_b64(b, raw, n);
		mb_buf_addc(b, '"');
	}
	mb_buf_add(b, errs, sizeof(errs) - 1);
	mb_buf_json_str(b, msg, strlen(msg));
	mb_buf_add(b, "}]", 2);
}
