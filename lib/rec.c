/*
 * rec.c: one NDJSON record.  Values are spans of the line; nothing is
 * copied until a caller asks for an unescaped string.
 *
 * Parsing is one pass: the strict JSON check (json.c) also lists the
 * top-level fields, which is all most filters ever look at.  jsmn
 * tokenizes the line only when something nested is asked for (a dotted
 * path, the members of an object or array), and then once per record.
 * A value handle is 0 for the record itself, 1..nfields for a top-level
 * value, and TOKBASE + i for jsmn token i.
 *
 * Edits (set, del) are kept beside the fields and applied when the record
 * is written, so untouched fields go out byte for byte.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define JSMN_STATIC
#include <jsmn.h>

#include "mb.h"

#define TOKBASE (1 << 28)

typedef struct edit {
	size_t koff, klen, voff, vlen;
	int field;		/* index of the replaced field, or -1: appended */
	int del;
} edit;

struct mb_rec {
	const char *p;
	size_t n;
	mb_buf top;		/* mb_jfield per top-level field */
	int nfields;
	jsmntok_t *tok;		/* jsmn tokens, when tokenized */
	unsigned ntok, captok;
	int tokenized;
	int *ftok;		/* token of each top-level value */
	int capf;
	edit *edits;
	int nedits, capedits;
	int *fedit;		/* per field: its edit, or -1 */
	/* past EDIT_SCAN edits, a hash index of the edits' and the fields'
	 * keys: slots hold edit + 1 (or field + 1), 0 is empty */
	int *eslot, *fslot;
	size_t ecap, fcap;
	int indexed;
	mb_buf arena;		/* edit keys and values */
	mb_buf tmp;
};

#define FIELD(r, i) (((const mb_jfield *)(r)->top.p)[i])

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
	free(r->ftok);
	free(r->fedit);
	free(r->edits);
	free(r->eslot);
	free(r->fslot);
	mb_buf_free(&r->top);
	mb_buf_free(&r->arena);
	mb_buf_free(&r->tmp);
	free(r);
}

int
mb_rec_parse(mb_rec *r, const char *p, size_t n)
{
	r->nfields = 0;
	r->nedits = 0;
	if (r->indexed) {
		memset(r->eslot, 0, r->ecap * sizeof(int));
		memset(r->fslot, 0, r->fcap * sizeof(int));
		r->indexed = 0;
	}
	r->arena.len = 0;
	r->tokenized = 0;
	r->ntok = 0;
	r->p = p;
	r->n = n;
	if (mb_json_scan_object(p, n, &r->top) < 0) {
		r->top.len = 0;
		return -1;
	}
	r->nfields = (int)(r->top.len / sizeof(mb_jfield));
	if (r->capf < r->nfields) {
		r->capf = r->nfields + 16;
		r->ftok = mb_xrealloc(r->ftok, (size_t)r->capf * sizeof(int));
		r->fedit = mb_xrealloc(r->fedit, (size_t)r->capf * sizeof(int));
	}
	for (int i = 0; i < r->nfields; i++)
		r->fedit[i] = -1;
	return 0;
}

/* Runs jsmn over the (already checked) line, once per record. */
static void
tokenize(mb_rec *r)
{
	jsmn_parser jp;
	int k, f = 0;

	if (r->tokenized)
		return;
	for (;;) {
		jsmn_init(&jp);
		k = jsmn_parse(&jp, r->p, r->n, r->tok, r->captok);
		if (k != JSMN_ERROR_NOMEM)
			break;
		r->captok *= 2;
		r->tok = mb_xrealloc(r->tok, r->captok * sizeof(*r->tok));
	}
	r->ntok = k > 0 ? (unsigned)k : 0;
	for (unsigned i = 1; i < r->ntok && f < r->nfields; i++)
		if (r->tok[i].parent == 0)
			r->ftok[f++] = (int)i + 1;
	r->tokenized = 1;
}

/* The jsmn token of a handle, tokenizing if needed; -1 if none. */
static int
tokof(const mb_rec *cr, int v)
{
	mb_rec *r = (mb_rec *)cr;

	if (v < 0 || r->n == 0)
		return -1;
	if (v >= TOKBASE)
		return v - TOKBASE < (int)r->ntok ? v - TOKBASE : -1;
	if (v > r->nfields)
		return -1;
	tokenize(r);
	return v == 0 ? 0 : r->ftok[v - 1];
}

mb_span
mb_rec_raw(const mb_rec *r, int v)
{
	mb_span s = { NULL, 0 };
	const jsmntok_t *t;

	if (v < 0 || r->p == NULL)
		return s;
	if (v == 0) {
		s.p = r->p;
		s.len = r->n;
	} else if (v <= r->nfields) {
		s.p = r->p + FIELD(r, v - 1).vs;
		s.len = FIELD(r, v - 1).ve - FIELD(r, v - 1).vs;
	} else if (v >= TOKBASE && v - TOKBASE < (int)r->ntok) {
		t = &r->tok[v - TOKBASE];
		s.p = r->p + t->start;
		s.len = (size_t)(t->end - t->start);
		if (t->type == JSMN_STRING) {
			s.p--;
			s.len += 2;
		}
	}
	return s;
}

mb_type
mb_rec_type(const mb_rec *r, int v)
{
	mb_span s = mb_rec_raw(r, v);

	if (s.p == NULL || s.len == 0)
		return MB_T_NONE;
	switch (s.p[0]) {
	case '{': return MB_T_OBJ;
	case '[': return MB_T_ARR;
	case '"': return MB_T_STR;
	case 'n': return MB_T_NULL;
	case 't': case 'f': return MB_T_BOOL;
	default: return MB_T_NUM;
	}
}

int
mb_rec_nfields(const mb_rec *r)
{
	return r->nfields;
}

mb_span
mb_rec_key(const mb_rec *r, int i)
{
	mb_span s = { r->p + FIELD(r, i).ks, FIELD(r, i).ke - FIELD(r, i).ks };

	return s;
}

int
mb_rec_field(const mb_rec *r, int i)
{
	return i + 1;
}

/* Does the raw key (escapes and all) spell name?  esc: the key has
 * escapes (-1: not known). */
static int
keyeq(const mb_rec *r, const char *k, size_t kl, int esc, const char *name,
    size_t n)
{
	mb_buf *tmp;

	if (kl == n)
		return memcmp(k, name, n) == 0;
	/* Only a key with escapes is longer than the name it spells. */
	if (kl < n || esc == 0 || (esc < 0 && memchr(k, '\\', kl) == NULL))
		return 0;
	tmp = &((mb_rec *)r)->tmp;
	tmp->len = 0;
	mb_json_unescape(k, kl, tmp);
	return tmp->len == n && memcmp(tmp->p, name, n) == 0;
}

static int
topkey(const mb_rec *r, int i, const char *name, size_t n)
{
	return keyeq(r, r->p + FIELD(r, i).ks, FIELD(r, i).ke - FIELD(r, i).ks,
	    FIELD(r, i).kesc, name, n);
}

/* Value handle of key `name` in object v, or -1. */
static int
member(const mb_rec *r, int v, const char *name, size_t n)
{
	int i, t;

	if (v == 0) {
		for (i = 0; i < r->nfields; i++)
			if (topkey(r, i, name, n))
				return i + 1;
		return -1;
	}
	if ((t = tokof(r, v)) < 0)
		return -1;
	for (i = t + 1; i < (int)r->ntok && r->tok[i].start < r->tok[t].end; i++)
		if (r->tok[i].parent == t &&
		    keyeq(r, r->p + r->tok[i].start, (size_t)(r->tok[i].end - r->tok[i].start), -1, name, n))
			return TOKBASE + i + 1;
	return -1;
}

int
mb_rec_findn(const mb_rec *r, const char *path, size_t n)
{
	const char *dot, *end = path + n;
	int v;

	if (r->p == NULL)
		return -1;
	if ((v = member(r, 0, path, n)) >= 0 || memchr(path, '.', n) == NULL)
		return v;
	v = 0;
	while (path < end) {
		dot = memchr(path, '.', (size_t)(end - path));
		if (dot == NULL)
			dot = end;
		if (mb_rec_type(r, v) != MB_T_OBJ)
			return -1;
		if ((v = member(r, v, path, (size_t)(dot - path))) < 0)
			return -1;
		path = dot + 1;
	}
	return v;
}

int
mb_rec_find(const mb_rec *r, const char *path)
{
	return mb_rec_findn(r, path, strlen(path));
}

int
mb_rec_findh(const mb_rec *r, const char *name, size_t n, int *hint)
{
	int i = *hint;

	if (i >= 0 && i < r->nfields && topkey(r, i, name, n))
		return i + 1;
	const mb_jfield *f = (const mb_jfield *)r->top.p;
	int nf = r->nfields;

	for (i = 0; i < nf; i++) {
		/* only a key of n bytes, or a longer one with escapes, can
		 * spell name: most keys are passed over without a call */
		size_t kl = f[i].ke - f[i].ks;
		if (kl < n || (kl > n && !f[i].kesc))
			continue;
		if (topkey(r, i, name, n)) {
			*hint = i;
			return i + 1;
		}
	}
	/* Not a top-level key: only a dotted path can still be found. */
	return memchr(name, '.', n) ? mb_rec_findn(r, name, n) : -1;
}

int
mb_rec_len(const mb_rec *r, int v)
{
	int t;

	if (v == 0)
		return r->nfields;
	t = mb_rec_type(r, v);
	if (t != MB_T_OBJ && t != MB_T_ARR)
		return 0;
	if ((t = tokof(r, v)) < 0)
		return 0;
	return r->tok[t].size;
}

int
mb_rec_child(const mb_rec *r, int v, int i, mb_span *key)
{
	int j, k = 0, t, obj;

	if (v == 0) {
		if (i < 0 || i >= r->nfields)
			return -1;
		if (key)
			*key = mb_rec_key(r, i);
		return i + 1;
	}
	if ((t = tokof(r, v)) < 0)
		return -1;
	obj = r->tok[t].type == JSMN_OBJECT;
	for (j = t + 1; j < (int)r->ntok && r->tok[j].start < r->tok[t].end; j++) {
		if (r->tok[j].parent != t)
			continue;
		if (k++ == i) {
			if (obj) {
				if (key) {
					key->p = r->p + r->tok[j].start;
					key->len = (size_t)(r->tok[j].end - r->tok[j].start);
				}
				return TOKBASE + j + 1;
			}
			return TOKBASE + j;
		}
	}
	return -1;
}

int
mb_rec_next(const mb_rec *r, int v, int c, mb_span *key)
{
	int t, j, ct;

	if (v == 0) {
		j = c < 0 ? 0 : c;	/* handle c is field c - 1 */
		if (j >= r->nfields)
			return -1;
		if (key)
			*key = mb_rec_key(r, j);
		return j + 1;
	}
	if ((t = tokof(r, v)) < 0)
		return -1;
	if (c < 0)
		j = t + 1;
	else {
		/* past the member c and everything inside it */
		if ((ct = tokof(r, c)) < 0)
			return -1;
		for (j = ct + 1; j < (int)r->ntok &&
		    r->tok[j].start < r->tok[ct].end; j++)
			;
	}
	if (j >= (int)r->ntok || r->tok[j].parent != t)
		return -1;
	if (r->tok[t].type != JSMN_OBJECT)
		return TOKBASE + j;
	if (key) {
		key->p = r->p + r->tok[j].start;
		key->len = (size_t)(r->tok[j].end - r->tok[j].start);
	}
	return TOKBASE + j + 1;
}

static int
want(const mb_rec *r, int v, mb_type t, const char *what, mb_span *s)
{
	mb_type have = mb_rec_type(r, v);

	*s = mb_rec_raw(r, v);
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
	mb_span s;

	if (want(r, v, MB_T_STR, "a string", &s) < 0)
		return -1;
	return mb_json_unescape(s.p + 1, s.len - 2, out);
}

int
mb_rec_int(const mb_rec *r, int v, int64_t *out)
{
	mb_span s;
	size_t i = 0;
	uint64_t acc = 0, lim;
	int neg = 0;

	if (want(r, v, MB_T_NUM, "a number", &s) < 0)
		return -1;
	if (s.p[0] == '-') {
		neg = 1;
		i = 1;
	}
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < s.len; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return mb_seterr("not an integer");
		if (acc > (lim - (uint64_t)(s.p[i] - '0')) / 10)
			return mb_seterr("integer out of range");
		acc = acc * 10 + (uint64_t)(s.p[i] - '0');
	}
	*out = neg ? (int64_t)(0 - acc) : (int64_t)acc;
	return 0;
}

int
mb_rec_double(const mb_rec *r, int v, double *out)
{
	char tmp[64];
	mb_span s;

	if (want(r, v, MB_T_NUM, "a number", &s) < 0)
		return -1;
	if (s.len >= sizeof(tmp))
		return mb_seterr("number too long");
	memcpy(tmp, s.p, s.len);
	tmp[s.len] = '\0';
	errno = 0;
	*out = strtod(tmp, NULL);
	return errno == ERANGE ? mb_seterr("number out of range") : 0;
}

int
mb_rec_bool(const mb_rec *r, int v, int *out)
{
	mb_span s;

	if (want(r, v, MB_T_BOOL, "a boolean", &s) < 0)
		return -1;
	*out = s.p[0] == 't';
	return 0;
}

int
mb_rec_dec(const mb_rec *r, int v, mb_dec *out)
{
	mb_span s;

	if (want(r, v, MB_T_NUM, "a number", &s) < 0)
		return -1;
	return mb_dec_parse(s.p, s.len, out);
}

/*
 * A record gets a few edits (the fields a tool sets), found by comparing
 * keys; one that gets many (every leaf of a flattened object) finds them
 * through a hash index, so the edits of a record cost linear time.
 */
#define EDIT_SCAN 16

static size_t
slot_of(size_t cap, const char *key, size_t n)
{
	return (size_t)mb_hash(key, n) & (cap - 1);
}

static void
index_edit(mb_rec *r, int e)
{
	size_t m = r->ecap - 1, h = slot_of(r->ecap,
	    r->arena.p + r->edits[e].koff, r->edits[e].klen);

	while (r->eslot[h])
		h = (h + 1) & m;
	r->eslot[h] = e + 1;
}

/* The unescaped key of field i, in r->tmp. */
static mb_span
field_key(mb_rec *r, int i)
{
	mb_span k = mb_rec_key(r, i);

	if (FIELD(r, i).kesc) {
		r->tmp.len = 0;
		mb_json_unescape(k.p, k.len, &r->tmp);
		k.p = r->tmp.p;
		k.len = r->tmp.len;
	}
	return k;
}

/* Builds (or grows) the index: edits fill at most a quarter of it. */
static void
index_build(mb_rec *r)
{
	size_t cap = 64, m, h;
	int i;
	mb_span k;

	while (cap < (size_t)r->nedits * 4)
		cap *= 2;
	if (cap > r->ecap) {
		free(r->eslot);
		r->eslot = mb_xcalloc(cap, sizeof(int));
		r->ecap = cap;
	} else
		memset(r->eslot, 0, r->ecap * sizeof(int));
	for (i = 0; i < r->nedits; i++)
		index_edit(r, i);
	if (r->indexed)
		return;
	for (cap = 64; cap < (size_t)r->nfields * 2; cap *= 2)
		;
	if (cap > r->fcap) {
		free(r->fslot);
		r->fslot = mb_xcalloc(cap, sizeof(int));
		r->fcap = cap;
	} else
		memset(r->fslot, 0, r->fcap * sizeof(int));
	m = r->fcap - 1;
	/* a repeated key: the first field is found first, as in a scan */
	for (i = 0; i < r->nfields; i++) {
		k = field_key(r, i);
		for (h = slot_of(r->fcap, k.p, k.len); r->fslot[h]; h = (h + 1) & m)
			;
		r->fslot[h] = i + 1;
	}
	r->indexed = 1;
}

/* The edit of key, or -1; the field of key in *field, or -1. */
static int
find_edit(mb_rec *r, const char *key, size_t kl, int *field)
{
	size_t h, m;
	int i;

	*field = -1;
	if (!r->indexed) {
		for (i = 0; i < r->nedits; i++)
			if (r->edits[i].klen == kl &&
			    memcmp(r->arena.p + r->edits[i].koff, key, kl) == 0)
				return i;
		for (i = 0; i < r->nfields; i++)
			if (topkey(r, i, key, kl)) {
				*field = i;
				break;
			}
		return -1;
	}
	m = r->fcap - 1;
	for (h = slot_of(r->fcap, key, kl); r->fslot[h]; h = (h + 1) & m) {
		mb_span k = field_key(r, r->fslot[h] - 1);
		if (k.len == kl && memcmp(k.p, key, kl) == 0) {
			*field = r->fslot[h] - 1;
			break;
		}
	}
	m = r->ecap - 1;
	for (h = slot_of(r->ecap, key, kl); r->eslot[h]; h = (h + 1) & m) {
		const edit *e = &r->edits[r->eslot[h] - 1];
		if (e->klen == kl && memcmp(r->arena.p + e->koff, key, kl) == 0)
			return r->eslot[h] - 1;
	}
	return -1;
}

static edit *
edit_for(mb_rec *r, const char *key)
{
	size_t kl = strlen(key);
	int i, field;
	edit *e;

	if ((i = find_edit(r, key, kl, &field)) >= 0)
		return &r->edits[i];
	if (r->nedits == r->capedits) {
		r->capedits = r->capedits ? r->capedits * 2 : 8;
		r->edits = mb_xrealloc(r->edits, (size_t)r->capedits * sizeof(*e));
	}
	e = &r->edits[r->nedits];
	e->koff = r->arena.len;
	e->klen = kl;
	mb_buf_add(&r->arena, key, kl);
	e->field = field;
	if (field >= 0)
		r->fedit[field] = r->nedits;
	r->nedits++;
	if (r->nedits == EDIT_SCAN || (r->indexed && (size_t)r->nedits * 4 > r->ecap))
		index_build(r);
	else if (r->indexed)
		index_edit(r, r->nedits - 1);
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
		/* "key" ... value, as it was */
		mb_buf_add(b, r->p + FIELD(r, i).ks - 1, FIELD(r, i).ve - FIELD(r, i).ks + 1);
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
