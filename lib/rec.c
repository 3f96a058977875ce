/*
 * rec.c: one NDJSON record over jsmn tokens.  Values are spans of the
 * line; nothing is copied until a caller asks for an unescaped string.
 * Edits (set, del) are kept beside the tokens and applied when the record
 * is written, so untouched fields go out byte for byte.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define JSMN_STATIC
#include <jsmn.h>

#include "mb.h"

typedef struct edit {
	size_t koff, klen, voff, vlen;
	int field;		/* index of the replaced field, or -1: appended */
	int del;
} edit;

struct mb_rec {
	const char *p;
	size_t n;
	jsmntok_t *tok;
	unsigned ntok, captok;
	int *fields;		/* token index of each top-level key */
	int nfields, capfields;
	edit *edits;
	int nedits, capedits;
	int *fedit;		/* per field: its edit, or -1 */
	mb_buf arena;		/* edit keys and values */
	mb_buf tmp;
};

mb_rec *
mb_rec_new(void)
{
	mb_rec *r = mb_xcalloc(1, sizeof(*r));

	r->captok = 256;
	r->tok = mb_xmalloc(r->captok * sizeof(*r->tok));
	return r;
}

void
mb_rec_free(mb_rec *r)
{
	if (r == NULL)
		return;
	free(r->tok);
	free(r->fields);
	free(r->fedit);
	free(r->edits);
	mb_buf_free(&r->arena);
	mb_buf_free(&r->tmp);
	free(r);
}

int
mb_rec_parse(mb_rec *r, const char *p, size_t n)
{
	jsmn_parser jp;
	int k;
	unsigned i;

	r->nfields = 0;
	r->nedits = 0;
	r->arena.len = 0;
	r->ntok = 0;
	r->p = p;
	r->n = n;
	if (mb_json_check_object(p, n) < 0)
		return -1;
	for (;;) {
		jsmn_init(&jp);
		k = jsmn_parse(&jp, p, n, r->tok, r->captok);
		if (k != JSMN_ERROR_NOMEM)
			break;
		r->captok *= 2;
		r->tok = mb_xrealloc(r->tok, r->captok * sizeof(*r->tok));
	}
	if (k < 1 || r->tok[0].type != JSMN_OBJECT)
		return mb_seterr("column 1: not a JSON object");
	r->ntok = (unsigned)k;
	if (r->capfields < r->tok[0].size) {
		r->capfields = r->tok[0].size + 16;
		r->fields = mb_xrealloc(r->fields, (size_t)r->capfields * sizeof(int));
		r->fedit = mb_xrealloc(r->fedit, (size_t)r->capfields * sizeof(int));
	}
	for (i = 1; i < r->ntok; i++)
		if (r->tok[i].parent == 0) {
			r->fedit[r->nfields] = -1;
			r->fields[r->nfields++] = (int)i;
		}
	return 0;
}

int
mb_rec_nfields(const mb_rec *r)
{
	return r->nfields;
}

mb_span
mb_rec_key(const mb_rec *r, int i)
{
	const jsmntok_t *t = &r->tok[r->fields[i]];
	mb_span s = { r->p + t->start, (size_t)(t->end - t->start) };

	return s;
}

int
mb_rec_field(const mb_rec *r, int i)
{
	return r->fields[i] + 1;
}

/* Does the raw key (escapes and all) equal name? */
static int
keyeq(const mb_rec *r, const jsmntok_t *t, const char *name, size_t n)
{
	const char *k = r->p + t->start;
	size_t kl = (size_t)(t->end - t->start);
	mb_buf *tmp;

	if (kl == n)
		return memcmp(k, name, n) == 0;
	/* Only a key with escapes is longer than the name it spells. */
	if (kl < n || memchr(k, '\\', kl) == NULL)
		return 0;
	tmp = &((mb_rec *)r)->tmp;
	tmp->len = 0;
	mb_json_unescape(k, kl, tmp);
	return tmp->len == n && memcmp(tmp->p, name, n) == 0;
}

/* Value handle of key `name` in the object token obj, or -1. */
static int
member(const mb_rec *r, int obj, const char *name, size_t n)
{
	int i;

	if (obj == 0) {
		for (i = 0; i < r->nfields; i++)
			if (keyeq(r, &r->tok[r->fields[i]], name, n))
				return r->fields[i] + 1;
		return -1;
	}
	for (i = obj + 1; i < (int)r->ntok && r->tok[i].start < r->tok[obj].end; i++)
		if (r->tok[i].parent == obj && keyeq(r, &r->tok[i], name, n))
			return i + 1;
	return -1;
}

int
mb_rec_findn(const mb_rec *r, const char *path, size_t n)
{
	const char *dot, *end = path + n;
	int v;

	if (r->ntok == 0)
		return -1;
	if ((v = member(r, 0, path, n)) >= 0 || memchr(path, '.', n) == NULL)
		return v;
	v = 0;
	while (path < end) {
		dot = memchr(path, '.', (size_t)(end - path));
		if (dot == NULL)
			dot = end;
		if (r->tok[v].type != JSMN_OBJECT)
			return -1;
		if ((v = member(r, v, path, (size_t)(dot - path))) < 0)
			return -1;
		path = dot + 1;
	}
	return v;
}

int
mb_rec_findh(const mb_rec *r, const char *name, size_t n, int *hint)
{
	int i = *hint;

	if (i >= 0 && i < r->nfields && keyeq(r, &r->tok[r->fields[i]], name, n))
		return r->fields[i] + 1;
	for (i = 0; i < r->nfields; i++)
		if (keyeq(r, &r->tok[r->fields[i]], name, n)) {
			*hint = i;
			return r->fields[i] + 1;
		}
	return mb_rec_findn(r, name, n);
}

int
mb_rec_find(const mb_rec *r, const char *path)
{
	return mb_rec_findn(r, path, strlen(path));
}

mb_type
mb_rec_type(const mb_rec *r, int v)
{
	if (v < 0 || v >= (int)r->ntok)
		return MB_T_NONE;
	switch (r->tok[v].type) {
	case JSMN_OBJECT: return MB_T_OBJ;
	case JSMN_ARRAY: return MB_T_ARR;
	case JSMN_STRING: return MB_T_STR;
	default:
		switch (r->p[r->tok[v].start]) {
		case 'n': return MB_T_NULL;
		case 't': case 'f': return MB_T_BOOL;
		default: return MB_T_NUM;
		}
	}
}

mb_span
mb_rec_raw(const mb_rec *r, int v)
{
	mb_span s = { NULL, 0 };
	const jsmntok_t *t;

	if (v < 0 || v >= (int)r->ntok)
		return s;
	t = &r->tok[v];
	s.p = r->p + t->start;
	s.len = (size_t)(t->end - t->start);
	if (t->type == JSMN_STRING) {
		s.p--;
		s.len += 2;
	}
	return s;
}

int
mb_rec_len(const mb_rec *r, int v)
{
	if (v < 0 || v >= (int)r->ntok)
		return 0;
	return r->tok[v].size;
}

int
mb_rec_child(const mb_rec *r, int v, int i, mb_span *key)
{
	int j, k = 0;
	int obj = r->tok[v].type == JSMN_OBJECT;

	for (j = v + 1; j < (int)r->ntok && r->tok[j].start < r->tok[v].end; j++) {
		if (r->tok[j].parent != v)
			continue;
		if (k++ == i) {
			if (obj) {
				if (key) {
					key->p = r->p + r->tok[j].start;
					key->len = (size_t)(r->tok[j].end - r->tok[j].start);
				}
				return j + 1;
			}
			return j;
		}
	}
	return -1;
}

static int
want(const mb_rec *r, int v, mb_type t, const char *what)
{
	mb_type have = mb_rec_type(r, v);

	if (have == t)
		return 0;
	if (have == MB_T_NONE)
		return mb_seterr("missing");
	if (have == MB_T_NULL)
		return mb_seterr("null");
	return mb_seterr("not %s", what);
}

int
mb_rec_str(const mb_rec *r, int v, mb_buf *out)
{
	if (want(r, v, MB_T_STR, "a string") < 0)
		return -1;
	return mb_json_unescape(r->p + r->tok[v].start,
	    (size_t)(r->tok[v].end - r->tok[v].start), out);
}

int
mb_rec_int(const mb_rec *r, int v, int64_t *out)
{
	const char *p;
	size_t n, i = 0;
	uint64_t acc = 0, lim;
	int neg = 0;

	if (want(r, v, MB_T_NUM, "a number") < 0)
		return -1;
	p = r->p + r->tok[v].start;
	n = (size_t)(r->tok[v].end - r->tok[v].start);
	if (p[0] == '-') {
		neg = 1;
		i = 1;
	}
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return mb_seterr("not an integer");
		if (acc > (lim - (uint64_t)(p[i] - '0')) / 10)
			return mb_seterr("integer out of range");
		acc = acc * 10 + (uint64_t)(p[i] - '0');
	}
	*out = neg ? (int64_t)(0 - acc) : (int64_t)acc;
	return 0;
}

int
mb_rec_double(const mb_rec *r, int v, double *out)
{
	char tmp[64];
	size_t n;

	if (want(r, v, MB_T_NUM, "a number") < 0)
		return -1;
	n = (size_t)(r->tok[v].end - r->tok[v].start);
	if (n >= sizeof(tmp))
		return mb_seterr("number too long");
	memcpy(tmp, r->p + r->tok[v].start, n);
	tmp[n] = '\0';
	errno = 0;
	*out = strtod(tmp, NULL);
	return errno == ERANGE ? mb_seterr("number out of range") : 0;
}

int
mb_rec_bool(const mb_rec *r, int v, int *out)
{
	if (want(r, v, MB_T_BOOL, "a boolean") < 0)
		return -1;
	*out = r->p[r->tok[v].start] == 't';
	return 0;
}

int
mb_rec_dec(const mb_rec *r, int v, mb_dec *out)
{
	if (want(r, v, MB_T_NUM, "a number") < 0)
		return -1;
	return mb_dec_parse(r->p + r->tok[v].start,
	    (size_t)(r->tok[v].end - r->tok[v].start), out);
}

static edit *
edit_for(mb_rec *r, const char *key)
{
	size_t kl = strlen(key);
	int i;
	edit *e;

	for (i = 0; i < r->nedits; i++)
		if (r->edits[i].klen == kl &&
		    memcmp(r->arena.p + r->edits[i].koff, key, kl) == 0)
			return &r->edits[i];
	if (r->nedits == r->capedits) {
		r->capedits = r->capedits ? r->capedits * 2 : 8;
		r->edits = mb_xrealloc(r->edits, (size_t)r->capedits * sizeof(*e));
	}
	e = &r->edits[r->nedits];
	e->koff = r->arena.len;
	e->klen = kl;
	mb_buf_add(&r->arena, key, kl);
	e->field = -1;
	for (i = 0; i < r->nfields; i++)
		if (keyeq(r, &r->tok[r->fields[i]], key, kl)) {
			e->field = i;
			r->fedit[i] = r->nedits;
			break;
		}
	r->nedits++;
	return e;
}

void
mb_rec_set(mb_rec *r, const char *key, const char *json, size_t n)
{
	edit *e = edit_for(r, key);

	e->del = 0;
	e->voff = r->arena.len;
	e->vlen = n;
	mb_buf_add(&r->arena, json, n);
}

void
mb_rec_set_str(mb_rec *r, const char *key, const char *s, size_t n)
{
	edit *e = edit_for(r, key);

	e->del = 0;
	e->voff = r->arena.len;
	mb_buf_json_str(&r->arena, s, n);
	e->vlen = r->arena.len - e->voff;
}

void
mb_rec_set_int(mb_rec *r, const char *key, int64_t v)
{
	edit *e = edit_for(r, key);

	e->del = 0;
	e->voff = r->arena.len;
	mb_buf_addi(&r->arena, v);
	e->vlen = r->arena.len - e->voff;
}

void
mb_rec_del(mb_rec *r, const char *key)
{
	edit_for(r, key)->del = 1;
}

static void
put_edit(const mb_rec *r, const edit *e, mb_buf *b)
{
	mb_buf_json_str(b, r->arena.p + e->koff, e->klen);
	mb_buf_addc(b, ':');
	mb_buf_add(b, r->arena.p + e->voff, e->vlen);
}

void
mb_rec_write(const mb_rec *r, mb_buf *b)
{
	int i, first = 1;
	const jsmntok_t *k, *v;
	const edit *e;

	mb_buf_addc(b, '{');
	for (i = 0; i < r->nfields; i++) {
		e = r->fedit[i] >= 0 ? &r->edits[r->fedit[i]] : NULL;
		if (e && e->del)
			continue;
		if (!first)
			mb_buf_addc(b, ',');
		first = 0;
		if (e) {
			put_edit(r, e, b);
			continue;
		}
		k = &r->tok[r->fields[i]];
		v = k + 1;
		mb_buf_add(b, r->p + k->start - 1,
		    (size_t)(v->end - k->start + 1 + (v->type == JSMN_STRING)));
	}
	for (i = 0; i < r->nedits; i++) {
		e = &r->edits[i];
		if (e->field >= 0 || e->del)
			continue;
		if (!first)
			mb_buf_addc(b, ',');
		first = 0;
		put_edit(r, e, b);
	}
	mb_buf_add(b, "}\n", 2);
}
