/*
 * patch.c: a record's changes (patch.h).  Values go one after the other
 * into one buffer (dv), each after the ',"name":' that appends it when the
 * name is an mb_name: while every change is such a new field, dv is
 * exactly the text the line needs before its closing brace.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "patch.h"

typedef struct op {
	const mb_name *nm;	/* NULL: the name is at noff in names */
	size_t noff, nlen;
	size_t off, len;	/* the value in dv */
	int del;
} op;

struct mb_patch {
	op *ops;
	int nops, capops;
	mb_buf dv;		/* values (and member prefixes) */
	mb_buf names;		/* names that are not mb_names, NUL-ended */
	mb_buf out;
	/* rewrite(): names to their last change */
	int *slot, *ulast;
	size_t capslot;
	int capu;
	char *used;
	mb_buf key;
	int keyed;		/* each value's member prefix is in dv */
	int fixed;		/* planned: distinct names, no deletes */
	uint64_t bloom[4];
};

void
mb_name_init(mb_name *m, const char *s, size_t n)
{
	mb_buf b = { 0 };

	m->s = mb_xstrndup(s, n);
	m->n = n;
	mb_buf_addc(&b, ',');
	mb_buf_json_str(&b, s, n);
	mb_buf_addc(&b, ':');
	m->key = b.p;
	m->kn = b.len;
}

void
mb_name_free(mb_name *m)
{
	free(m->s);
	free(m->key);
	m->s = m->key = NULL;
}

mb_patch *
mb_patch_new(void)
{
	mb_patch *p = mb_xcalloc(1, sizeof(*p));

	p->keyed = 1;
	return p;
}

void
mb_patch_free(mb_patch *p)
{
	if (p == NULL)
		return;
	free(p->ops);
	mb_buf_free(&p->dv);
	mb_buf_free(&p->names);
	mb_buf_free(&p->out);
	mb_buf_free(&p->key);
	free(p->slot);
	free(p->ulast);
	free(p->used);
	free(p);
}

static inline const char *
opname(const mb_patch *p, const op *o)
{
	return o->nm != NULL ? o->nm->s : p->names.p + o->noff;
}

/* A cheap sieve for field names: bit bloom_bit() of bloom is set for
 * every name the plan may set. */
static unsigned
bloom_bit(const char *s, size_t n)
{
	return n ? (unsigned)(n * 7 + (unsigned char)s[0] * 3 +
	    (unsigned char)s[n - 1]) & 255 : 0;
}

void
mb_patch_plan(mb_patch *p, const mb_name *const *names, int n, int deletes)
{
	int i, j, distinct = 1;
	unsigned b;

	memset(p->bloom, 0, sizeof(p->bloom));
	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++)
			if (names[j]->n == names[i]->n &&
			    memcmp(names[j]->s, names[i]->s, names[i]->n) == 0)
				distinct = 0;
		b = bloom_bit(names[i]->s, names[i]->n);
		p->bloom[b >> 6] |= (uint64_t)1 << (b & 63);
	}
	p->fixed = distinct && !deletes;
}

void
mb_patch_reset(mb_patch *p)
{
	p->nops = 0;
	p->keyed = 1;
	mb_buf_reset(&p->dv);
	mb_buf_reset(&p->names);
}

/* A new change; name NULL: a name the caller puts at noff in names. */
static op *
newop(mb_patch *p, const mb_name *name)
{
	op *o;

	if (p->nops == p->capops) {
		p->capops = p->capops ? p->capops * 2 : 32;
		p->ops = mb_xrealloc(p->ops, (size_t)p->capops * sizeof(op));
	}
	o = &p->ops[p->nops++];
	o->nm = name;
	o->noff = 0;
	o->del = 0;
	if (name != NULL) {
		o->nlen = name->n;
		mb_buf_add(&p->dv, name->key, name->kn);
	} else {
		o->nlen = 0;
		p->keyed = 0;
	}
	o->off = p->dv.len;
	o->len = 0;
	return o;
}

/* Is s inside b's bytes? */
static inline int
inside(const mb_buf *b, const char *s)
{
	return (uintptr_t)s - (uintptr_t)b->p < b->len;
}

/* Appends n bytes at s to b, s possibly inside b itself. */
static void
add_safe(mb_buf *b, const char *s, size_t n)
{
	if (inside(b, s)) {
		size_t at = (size_t)(s - b->p);
		mb_buf_grow(b, n);
		memcpy(b->p + b->len, b->p + at, n);
		b->len += n;
		return;
	}
	mb_buf_add(b, s, n);
}

/* The same, where s may also be in p->dv or p->names. */
static op *
newop_named(mb_patch *p, const char *name, size_t n)
{
	size_t noff = p->names.len;
	op *o;

	add_safe(&p->names, name, n);
	mb_buf_addc(&p->names, '\0');
	o = newop(p, NULL);
	o->noff = noff;
	o->nlen = n;
	return o;
}

static void
set_value(mb_patch *p, op *o, const char *json, size_t n)
{
	add_safe(&p->dv, json, n);
	o->len = n;
}

void
mb_patch_set(mb_patch *p, const mb_name *name, const char *json, size_t n)
{
	op *o;

	if (inside(&p->dv, json)) {
		/* json is in dv, which newop grows: keep its offset */
		size_t at = (size_t)(json - p->dv.p);
		o = newop(p, name);
		mb_buf_grow(&p->dv, n);
		memcpy(p->dv.p + p->dv.len, p->dv.p + at, n);
		p->dv.len += n;
		o->len = n;
		return;
	}
	/* the hot path, one per value a step makes: newop inlined, and
	 * the member prefix and the value copied after one grow */
	if (p->nops == p->capops) {
		p->capops = p->capops ? p->capops * 2 : 32;
		p->ops = mb_xrealloc(p->ops, (size_t)p->capops * sizeof(op));
	}
	o = &p->ops[p->nops++];
	o->nm = name;
	o->noff = 0;
	o->nlen = name->n;
	o->del = 0;
	if (p->dv.len + name->kn + n > p->dv.cap)
		mb_buf_grow(&p->dv, name->kn + n);
	memcpy(p->dv.p + p->dv.len, name->key, name->kn);
	p->dv.len += name->kn;
	o->off = p->dv.len;
	if (n > 0)
		memcpy(p->dv.p + p->dv.len, json, n);
	p->dv.len += n;
	o->len = n;
}

mb_buf *
mb_patch_begin(mb_patch *p, const mb_name *name)
{
	newop(p, name);
	return &p->dv;
}

void
mb_patch_end(mb_patch *p)
{
	op *o = &p->ops[p->nops - 1];

	o->len = p->dv.len - o->off;
}

void
mb_patch_del(mb_patch *p, const mb_name *name)
{
	newop(p, name)->del = 1;
}

void
mb_patch_set_n(mb_patch *p, const char *name, size_t n, const char *json,
    size_t jn)
{
	size_t at = (size_t)-1;
	op *o;

	if (inside(&p->dv, json))
		at = (size_t)(json - p->dv.p);
	o = newop_named(p, name, n);
	if (at != (size_t)-1) {
		mb_buf_grow(&p->dv, jn);
		memcpy(p->dv.p + p->dv.len, p->dv.p + at, jn);
		p->dv.len += jn;
		o->len = jn;
		return;
	}
	set_value(p, o, json, jn);
}

void
mb_patch_del_n(mb_patch *p, const char *name, size_t n)
{
	newop_named(p, name, n)->del = 1;
}

/* The last change to field name, or NULL. */
static const op *
changed(const mb_patch *p, const char *name, size_t n)
{
	int i;

	for (i = p->nops - 1; i >= 0; i--)
		if (p->ops[i].nlen == n &&
		    memcmp(opname(p, &p->ops[i]), name, n) == 0)
			return &p->ops[i];
	return NULL;
}

int
mb_patch_get(const mb_patch *p, const char *name, size_t n, mb_span *json)
{
	const op *o = changed(p, name, n);

	if (o == NULL)
		return -1;
	if (o->del)
		return 0;
	json->p = p->dv.p + o->off;
	json->len = o->len;
	return 1;
}

int
mb_patch_current(const mb_patch *p, const mb_rec *r, const char *name,
    size_t n, int *hint, mb_span *json)
{
	int v, rc = mb_patch_get(p, name, n, json);

	if (rc >= 0)
		return rc;
	v = hint ? mb_rec_findh(r, name, n, hint) : mb_rec_findn(r, name, n);
	if (v < 0)
		return 0;
	*json = mb_rec_raw(r, v);
	return 1;
}

int
mb_patch_lookup(void *ctx, const char *name, size_t n, mb_span *json)
{
	int rc = mb_patch_get(ctx, name, n, json);

	if (rc == 0) {
		json->p = "null";
		json->len = 4;
	}
	return rc >= 0;
}

int
mb_patch_count(const mb_patch *p)
{
	return p->nops;
}

const char *
mb_patch_name(const mb_patch *p, int i, size_t *n, int *del)
{
	*n = p->ops[i].nlen;
	*del = p->ops[i].del;
	return opname(p, &p->ops[i]);
}

/* Does every change add a field the record does not have, each a
 * different one?  (A key with escapes may spell a name: no.) */
static int
new_fields_only(const mb_patch *p, const mb_rec *r, const char *line,
    size_t len)
{
	int i, k, n = mb_rec_nfields(r);

	if (p->fixed && memchr(line, '\\', len) == NULL) {
		/* names are different and no step deletes; only the keys
		 * that pass the sieve are compared */
		for (k = 0; k < n; k++) {
			mb_span key = mb_rec_key(r, k);
			unsigned b = bloom_bit(key.p, key.len);
			if (((p->bloom[b >> 6] >> (b & 63)) & 1) &&
			    changed(p, key.p, key.len) != NULL)
				return 0;
		}
		return 1;
	}
	for (i = 0; i < p->nops; i++) {
		const char *name = opname(p, &p->ops[i]);
		size_t nl = p->ops[i].nlen;
		if (p->ops[i].del)
			return 0;
		for (k = 0; k < n; k++) {
			mb_span key = mb_rec_key(r, k);
			if ((key.len == nl && memcmp(key.p, name, nl) == 0) ||
			    (key.len > nl && memchr(key.p, '\\', key.len) != NULL))
				return 0;
		}
		for (k = 0; k < i; k++)
			if (p->ops[k].nlen == nl &&
			    memcmp(opname(p, &p->ops[k]), name, nl) == 0)
				return 0;
	}
	return 1;
}

/*
 * The common case, every change a new field: the line goes out as it came
 * with the fields added before its closing brace.  1 when done; 0 when a
 * change deletes or replaces a field (mb_rec_write does those).
 */
static int
append_only(mb_patch *p, const mb_rec *r, const char *line, size_t len,
    void (*put)(const void *, size_t))
{
	int i, n = mb_rec_nfields(r);
	size_t end = len;

	if (!new_fields_only(p, r, line, len))
		return 0;
	while (end > 0 && line[end - 1] != '}')
		end--;
	if (end == 0)
		return 0;
	put(line, end - 1);
	if (p->keyed) {
		/* ,"a":1,"b":2 */
		put(p->dv.p + (n == 0), p->dv.len - (n == 0));
		put("}\n", 2);
		return 1;
	}
	mb_buf_reset(&p->out);
	for (i = 0; i < p->nops; i++) {
		const op *o = &p->ops[i];
		int comma = n > 0 || i > 0;
		if (o->nm != NULL)
			mb_buf_add(&p->out, o->nm->key + !comma,
			    o->nm->kn - !comma);
		else {
			if (comma)
				mb_buf_addc(&p->out, ',');
			mb_buf_json_str(&p->out, opname(p, o), o->nlen);
			mb_buf_addc(&p->out, ':');
		}
		mb_buf_add(&p->out, p->dv.p + o->off, o->len);
	}
	mb_buf_add(&p->out, "}\n", 2);
	put(p->out.p, p->out.len);
	return 1;
}

/*
 * The record with changes that replace or delete: written field by field.
 * Each name's last change wins; it applies to the first field of that
 * name (unescaped), and a name the record lacks is appended, in the order
 * of its first change.  The names are found through a small hash table,
 * so this is linear in fields plus changes (a --flatten of a million
 * leaves, a --keep of a wide record).
 */
static void
rewrite(mb_patch *p, const mb_rec *r, mb_buf *b)
{
	size_t nslot = 16, mask, s;
	int i, u, nu = 0, nf = mb_rec_nfields(r);
	const char *name;
	const op *o;

	while (nslot < 2 * (size_t)p->nops)
		nslot *= 2;
	mask = nslot - 1;
	if (p->capslot < nslot) {
		p->capslot = nslot;
		p->slot = mb_xrealloc(p->slot, nslot * sizeof(int));
	}
	if (p->capu < p->nops) {
		p->capu = p->nops;
		p->ulast = mb_xrealloc(p->ulast, (size_t)p->capu * sizeof(int));
		p->used = mb_xrealloc(p->used, (size_t)p->capu);
	}
	memset(p->slot, 0xff, nslot * sizeof(int));
	for (i = 0; i < p->nops; i++) {
		o = &p->ops[i];
		name = opname(p, o);
		for (s = mb_hash(name, o->nlen) & mask; (u = p->slot[s]) >= 0;
		    s = (s + 1) & mask)
			if (p->ops[p->ulast[u]].nlen == o->nlen &&
			    memcmp(opname(p, &p->ops[p->ulast[u]]), name,
			    o->nlen) == 0)
				break;
		if (u < 0) {
			u = p->slot[s] = nu++;
			p->used[u] = 0;
		}
		p->ulast[u] = i;
	}
	mb_buf_addc(b, '{');
	for (i = 0; i < nf; i++) {
		mb_span k = mb_rec_key(r, i), v = mb_rec_raw(r, mb_rec_field(r, i));
		const char *kn = k.p;
		size_t kl = k.len;
		if (memchr(k.p, '\\', k.len) != NULL) {
			mb_buf_reset(&p->key);
			mb_json_unescape(k.p, k.len, &p->key);
			kn = p->key.p;
			kl = p->key.len;
		}
		for (s = mb_hash(kn, kl) & mask; (u = p->slot[s]) >= 0;
		    s = (s + 1) & mask)
			if (p->ops[p->ulast[u]].nlen == kl &&
			    memcmp(opname(p, &p->ops[p->ulast[u]]), kn, kl) == 0)
				break;
		if (u >= 0 && !p->used[u]) {
			p->used[u] = 1;
			o = &p->ops[p->ulast[u]];
			if (o->del)
				continue;
			if (b->len > 1)
				mb_buf_addc(b, ',');
			mb_buf_json_str(b, opname(p, o), o->nlen);
			mb_buf_addc(b, ':');
			mb_buf_add(b, p->dv.p + o->off, o->len);
			continue;
		}
		if (b->len > 1)
			mb_buf_addc(b, ',');
		mb_buf_add(b, k.p - 1, (size_t)(v.p + v.len - (k.p - 1)));
	}
	for (u = 0; u < nu; u++) {
		o = &p->ops[p->ulast[u]];
		if (p->used[u] || o->del)
			continue;
		if (b->len > 1)
			mb_buf_addc(b, ',');
		mb_buf_json_str(b, opname(p, o), o->nlen);
		mb_buf_addc(b, ':');
		mb_buf_add(b, p->dv.p + o->off, o->len);
	}
	mb_buf_add(b, "}\n", 2);
}

void
mb_patch_write(mb_patch *p, const mb_rec *r, const char *line, size_t n,
    void (*put)(const void *, size_t))
{
	if (p->nops == 0) {
		put(line, n);
		put("\n", 1);
		return;
	}
	if (append_only(p, r, line, n, put))
		return;
	mb_buf_reset(&p->out);
	rewrite(p, r, &p->out);
	put(p->out.p, p->out.len);
}
