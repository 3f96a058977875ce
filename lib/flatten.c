/*
 * flatten.c: the leaves of a nested JSON object, one at a time, each with
 * its key path: what --flatten makes of {"a":{"b":{"c":1}}} ("a.b.c": 1).
 *
 * It reads the object's text, not jsmn's tokens: one pass from left to
 * right, no recursion.  What grows with the depth is the path itself and
 * one length per open object, so a record nested 100,000 deep costs no
 * C stack and time linear in its length (jsmn's closing of a nested
 * object walks back over the levels, which is quadratic in the depth).
 */
#include <string.h>

#include "mb.h"

#define NOPATH ((size_t)-1)	/* an object whose members have no prefix */
#define WS(c) ((c) == ' ' || (c) == '\t' || (c) == '\n' || (c) == '\r')

static size_t
skip_ws(const char *p, size_t n, size_t i)
{
	while (i < n && WS(p[i]))
		i++;
	return i;
}

/* The index after the string whose opening quote is at i, or n. */
static size_t
skip_str(const char *p, size_t n, size_t i)
{
	for (i++; i < n; i++) {
		if (p[i] == '\\')
			i++;
		else if (p[i] == '"')
			return i + 1;
	}
	return n;
}

/* The index after the value that starts at i (text already checked), or
 * n.  An array or object is skipped by counting brackets outside strings. */
static size_t
skip_value(const char *p, size_t n, size_t i)
{
	size_t depth = 0;

	if (i >= n)
		return n;
	if (p[i] == '"')
		return skip_str(p, n, i);
	if (p[i] != '[' && p[i] != '{') {
		while (i < n && !WS(p[i]) && p[i] != ',' && p[i] != '}' && p[i] != ']')
			i++;
		return i;
	}
	while (i < n) {
		char c = p[i];

		if (c == '"') {
			i = skip_str(p, n, i);
			continue;
		}
		i++;
		if (c == '[' || c == '{')
			depth++;
		else if ((c == ']' || c == '}') && --depth == 0)
			return i;
	}
	return n;
}

static void
push(mb_flat *f, size_t len)
{
	mb_buf_add(&f->open, &len, sizeof(len));
}

static size_t
top(const mb_flat *f)
{
	size_t len;

	memcpy(&len, f->open.p + f->open.len - sizeof(len), sizeof(len));
	return len;
}

int
mb_flat_start(mb_flat *f, const char *p, size_t n, const char *prefix,
    size_t plen, char sep)
{
	size_t i = skip_ws(p, n, 0), j;

	f->p = p;
	f->n = n;
	f->sep = sep;
	f->key.len = 0;
	f->open.len = 0;
	f->i = n;
	if (i >= n || p[i] != '{')
		return mb_seterr("not a JSON object");
	j = skip_ws(p, n, i + 1);
	if (j >= n || p[j] == '}')
		return 0;
	/* the members of the object itself: named prefix sep key, or key */
	if (prefix != NULL)
		mb_buf_add(&f->key, prefix, plen);
	push(f, prefix != NULL ? plen : NOPATH);
	f->i = j;
	return 1;
}

int
mb_flat_next(mb_flat *f, mb_span *key, mb_span *val)
{
	const char *p = f->p;
	size_t n = f->n, i = f->i, ks, ke, vs, j;

	for (;;) {
		if (f->open.len == 0 || i >= n) {
			f->i = n;
			f->open.len = 0;
			return 0;
		}
		i = skip_ws(p, n, i);
		if (i < n && p[i] == '}') {
			/* the end of an object: back to its parent's members */
			f->open.len -= sizeof(size_t);
			i++;
			continue;
		}
		if (i < n && p[i] == ',')
			i = skip_ws(p, n, i + 1);
		if (i >= n || p[i] != '"')
			break;
		ks = i + 1;
		i = skip_str(p, n, i);
		ke = i - 1;
		i = skip_ws(p, n, i);
		if (i >= n || p[i] != ':')
			break;
		i = skip_ws(p, n, i + 1);
		if ((f->key.len = top(f)) == NOPATH)
			f->key.len = 0;
		else
			mb_buf_addc(&f->key, f->sep);
		if (mb_json_unescape(p + ks, ke - ks, &f->key) < 0)
			break;
		vs = i;
		if (i < n && p[i] == '{') {
			j = skip_ws(p, n, i + 1);
			if (j < n && p[j] != '}') {
				/* a non-empty object: its members come next */
				push(f, f->key.len);
				i = j;
				continue;
			}
			i = j + 1;
		} else
			i = skip_value(p, n, i);
		if (i > n)
			i = n;
		f->i = i;
		key->p = f->key.p;
		key->len = f->key.len;
		val->p = p + vs;
		val->len = i - vs;
		return 1;
	}
	f->i = n;
	f->open.len = 0;
	return mb_seterr("column %zu: not JSON (was it checked?)", i + 1);
}

void
mb_flat_free(mb_flat *f)
{
	mb_buf_free(&f->key);
	mb_buf_free(&f->open);
}
