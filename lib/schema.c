/*
 * schema.c: JSON Schema (schema.h) compiled from its text into a tree of
 * nodes (schema_int.h), one per schema in the document; the checks that
 * run on records are in schema_check.c.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "htab.h"
#include "schema_int.h"

static const char *type_names[] = { "string", "integer", "number", "boolean",
	"null", "object", "array" };


static int
streq(const char *a, const char *b, size_t bn)
{
	return strlen(a) == bn && memcmp(a, b, bn) == 0;
}

/* ---- the compiler ---------------------------------------------------------- */

typedef struct cctx {
	mb_rec *doc;		/* the schema document */
	mb_buf buf;
} cctx;

static int
bad(const char *path, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (path[0] != '\0')
		return mb_seterr("at %s: %s", path, msg);
	return mb_seterr("%s", msg);
}

static int
type_bit(const char *p, size_t n)
{
	int i;

	for (i = 0; i < 7; i++)
		if (streq(type_names[i], p, n))
			return 1 << i;
	return 0;
}

static int
nonneg_int(cctx *c, int v, const char *path, const char *kw, int64_t *out)
{
	if (mb_rec_int(c->doc, v, out) < 0 || *out < 0)
		return bad(path, "\"%s\" must be a non-negative integer", kw);
	return 0;
}

static int
number_kw(cctx *c, int v, const char *path, const char *kw, mb_val *out,
    int *has)
{
	mb_span sp = mb_rec_raw(c->doc, v);

	if (mb_rec_type(c->doc, v) != MB_T_NUM)
		return bad(path, "\"%s\" must be a number", kw);
	mb_val_from_json(sp.p, sp.len, NULL, out);
	*has = 1;
	return 0;
}

/* A schema value as an mb_val whose strings own their bytes. */
static void
owned_val(cctx *c, int v, mb_val *out)
{
	mb_span sp = mb_rec_raw(c->doc, v);
	mb_buf b = { 0 };

	mb_val_from_json(sp.p, sp.len, &b, out);
	if (out->t == MB_V_STR || out->t == MB_V_JSON)
		out->s = mb_xstrndup(out->s, out->n);
	mb_buf_free(&b);
}

static int compile(cctx *c, node **out, int v, const char *path, int depth);

static int
kw_type(cctx *c, node *s, int kv, const char *path)
{
	mb_span t;
	int j, tv, bit;

	if (mb_rec_type(c->doc, kv) == MB_T_STR) {
		t = mb_rec_raw(c->doc, kv);
		if ((s->types = type_bit(t.p + 1, t.len - 2)) == 0)
			return bad(path, "unknown type %.*s", (int)t.len, t.p);
		return 0;
	}
	if (mb_rec_type(c->doc, kv) != MB_T_ARR)
		return bad(path, "\"type\" must be a string or an array of "
		    "strings");
	for (j = 0; j < mb_rec_len(c->doc, kv); j++) {
		tv = mb_rec_child(c->doc, kv, j, NULL);
		t = mb_rec_raw(c->doc, tv);
		bit = mb_rec_type(c->doc, tv) == MB_T_STR ?
		    type_bit(t.p + 1, t.len - 2) : 0;
		if (bit == 0)
			return bad(path, "unknown type %.*s", (int)t.len, t.p);
		s->types |= bit;
	}
	return 0;
}

static int compile_into(cctx *c, node *s, int v, const char *path,
    int depth);

static int
kw_properties(cctx *c, node *s, int kv, const char *path, int depth)
{
	char sub[512];
	mb_span pk;
	mb_htab *names;
	int j, pv, fresh;

	if (mb_rec_type(c->doc, kv) != MB_T_OBJ)
		return bad(path, "\"properties\" must be an object");
	s->nprops = mb_rec_len(c->doc, kv);
	s->pname = mb_xcalloc((size_t)s->nprops + 1, sizeof(char *));
	s->pnlen = mb_xcalloc((size_t)s->nprops + 1, sizeof(size_t));
	s->props = mb_xcalloc((size_t)s->nprops + 1, sizeof(node));
	names = mb_htab_new(1);
	for (j = 0; j < s->nprops; j++) {
		pv = mb_rec_child(c->doc, kv, j, &pk);
		mb_buf_reset(&c->buf);
		mb_json_unescape(pk.p, pk.len, &c->buf);
		s->pname[j] = mb_xstrndup(c->buf.p, c->buf.len);
		s->pnlen[j] = c->buf.len;
		(void)mb_htab_put(names, c->buf.p, c->buf.len, &fresh);
		if (!fresh) {
			mb_htab_free(names);
			return bad(path, "property \"%.*s\" given twice",
			    (int)(s->pnlen[j] < 60 ? s->pnlen[j] : 60),
			    s->pname[j]);
		}
		snprintf(sub, sizeof(sub), "%s%s%s", path, path[0] ? "." : "",
		    s->pname[j]);
		if (compile_into(c, &s->props[j], pv, sub, depth + 1) < 0) {
			mb_htab_free(names);
			return -1;
		}
	}
	mb_htab_free(names);
	return 0;
}

static int
kw_required(cctx *c, node *s, int kv, const char *path)
{
	int j, rv;

	if (mb_rec_type(c->doc, kv) != MB_T_ARR)
		return bad(path, "\"required\" must be an array of strings");
	s->nreq = mb_rec_len(c->doc, kv);
	s->req = mb_xcalloc((size_t)s->nreq + 1, sizeof(char *));
	for (j = 0; j < s->nreq; j++) {
		rv = mb_rec_child(c->doc, kv, j, NULL);
		mb_buf_reset(&c->buf);
		if (mb_rec_str(c->doc, rv, &c->buf) < 0)
			return bad(path, "\"required\" must be an array of "
			    "strings");
		s->req[j] = mb_xstrndup(c->buf.p, c->buf.len);
	}
	return 0;
}

static int
kw_enum(cctx *c, node *s, int kv, const char *path, int isconst)
{
	mb_buf t = { 0 };
	mb_span sp;
	int j, ev;

	if (isconst) {
		s->isconst = 1;
		s->nenum = 1;
		s->enumv = mb_xcalloc(1, sizeof(mb_val));
		owned_val(c, kv, &s->enumv[0]);
		sp = mb_rec_raw(c->doc, kv);
		mb_buf_add(&t, sp.p, sp.len);
	} else {
		if (mb_rec_type(c->doc, kv) != MB_T_ARR ||
		    mb_rec_len(c->doc, kv) == 0)
			return bad(path, "\"enum\" must be a non-empty array");
		s->nenum = mb_rec_len(c->doc, kv);
		s->enumv = mb_xcalloc((size_t)s->nenum, sizeof(mb_val));
		for (j = 0; j < s->nenum; j++) {
			ev = mb_rec_child(c->doc, kv, j, NULL);
			sp = mb_rec_raw(c->doc, ev);
			owned_val(c, ev, &s->enumv[j]);
			if (j)
				mb_buf_adds(&t, ", ");
			mb_buf_add(&t, sp.p, sp.len);
		}
	}
	if (t.len > 200) {
		t.len = 200;
		mb_buf_adds(&t, "...");
	}
	s->enumtext = mb_xstrndup(t.p ? t.p : "", t.len);
	mb_buf_free(&t);
	return 0;
}

static int
kw_pattern(cctx *c, node *s, int kv, const char *path)
{
	char err[200];

	mb_buf_reset(&c->buf);
	if (mb_rec_str(c->doc, kv, &c->buf) < 0)
		return bad(path, "\"pattern\" must be a string");
	s->pattern = mb_xstrndup(c->buf.p, c->buf.len);
	s->re = mb_regex_compile(c->buf.p, c->buf.len, err, sizeof(err));
	if (s->re == NULL)
		return bad(path, "bad pattern \"%s\": %s", s->pattern, err);
	return 0;
}

static int
kw_format(cctx *c, node *s, int kv, const char *path)
{
	mb_buf_reset(&c->buf);
	if (mb_rec_str(c->doc, kv, &c->buf) < 0)
		return bad(path, "\"format\" must be a string");
	mb_buf_cstr(&c->buf);
	if (strcmp(c->buf.p, "date-time") == 0)
		s->format = FMT_DATETIME;
	else if (strcmp(c->buf.p, "date") == 0)
		s->format = FMT_DATE;
	else if (strcmp(c->buf.p, "email") == 0)
		s->format = FMT_EMAIL;
	else
		return bad(path, "unsupported format \"%s\" (date-time, date, "
		    "email)", c->buf.p);
	return 0;
}

static int
compile_into(cctx *c, node *s, int v, const char *path, int depth)
{
	int i, j, n, kv, b, rc = 0;
	mb_span key, k2;
	char sub[512];

	memset(s, 0, sizeof(*s));
	s->minlen = s->maxlen = s->minitems = s->maxitems = -1;
	s->addl = 1;
	if (depth > MB_SCHEMA_MAXDEPTH)
		return bad(path, "schemas nested deeper than %d",
		    MB_SCHEMA_MAXDEPTH);
	if (mb_rec_type(c->doc, v) == MB_T_BOOL) {
		mb_rec_bool(c->doc, v, &b);
		return b ? 0 : bad(path, "the schema false is not supported");
	}
	if (mb_rec_type(c->doc, v) != MB_T_OBJ)
		return bad(path, "a schema must be an object");
	n = mb_rec_len(c->doc, v);
	for (i = 0; i < n && rc == 0; i++) {
		kv = mb_rec_child(c->doc, v, i, &key);
#define KW(w) streq(w, key.p, key.len)
		if (KW("$schema") || KW("$id") || KW("$comment") || KW("title") ||
		    KW("description") || KW("default") || KW("examples") ||
		    KW("deprecated") || KW("readOnly") || KW("writeOnly"))
			continue;
		/* a keyword twice: one of them would not be enforced */
		for (j = 0; j < i; j++) {
			(void)mb_rec_child(c->doc, v, j, &k2);
			if (k2.len == key.len &&
			    memcmp(k2.p, key.p, key.len) == 0)
				return bad(path, "\"%.*s\" given twice",
				    (int)(key.len < 60 ? key.len : 60), key.p);
		}
		if (KW("type"))
			rc = kw_type(c, s, kv, path);
		else if (KW("properties"))
			rc = kw_properties(c, s, kv, path, depth);
		else if (KW("required"))
			rc = kw_required(c, s, kv, path);
		else if (KW("additionalProperties")) {
			if (mb_rec_type(c->doc, kv) == MB_T_BOOL)
				mb_rec_bool(c->doc, kv, &s->addl);
			else {
				snprintf(sub, sizeof(sub), "%s%s*", path,
				    path[0] ? "." : "");
				rc = compile(c, &s->addlschema, kv, sub, depth);
			}
		} else if (KW("items")) {
			snprintf(sub, sizeof(sub), "%s[]", path);
			rc = compile(c, &s->items, kv, sub, depth);
		} else if (KW("enum") || KW("const"))
			rc = kw_enum(c, s, kv, path, KW("const"));
		else if (KW("minimum"))
			rc = number_kw(c, kv, path, "minimum", &s->min,
			    &s->hasmin);
		else if (KW("maximum"))
			rc = number_kw(c, kv, path, "maximum", &s->max,
			    &s->hasmax);
		else if (KW("exclusiveMinimum"))
			rc = number_kw(c, kv, path, "exclusiveMinimum", &s->xmin,
			    &s->hasxmin);
		else if (KW("exclusiveMaximum"))
			rc = number_kw(c, kv, path, "exclusiveMaximum", &s->xmax,
			    &s->hasxmax);
		else if (KW("minLength"))
			rc = nonneg_int(c, kv, path, "minLength", &s->minlen);
		else if (KW("maxLength"))
			rc = nonneg_int(c, kv, path, "maxLength", &s->maxlen);
		else if (KW("minItems"))
			rc = nonneg_int(c, kv, path, "minItems", &s->minitems);
		else if (KW("maxItems"))
			rc = nonneg_int(c, kv, path, "maxItems", &s->maxitems);
		else if (KW("pattern"))
			rc = kw_pattern(c, s, kv, path);
		else if (KW("format"))
			rc = kw_format(c, s, kv, path);
		else
			rc = bad(path, "unsupported keyword \"%.*s\"",
			    (int)(key.len < 60 ? key.len : 60), key.p);
#undef KW
	}
	return rc;
}

static int
compile(cctx *c, node **out, int v, const char *path, int depth)
{
	*out = mb_xcalloc(1, sizeof(node));
	return compile_into(c, *out, v, path, depth + 1);
}

/* Can mb_dec_parse64() values (at most 18 digits) be compared with this
 * bound in 128 bits? */
static int
bound_fast(int has, const mb_val *b)
{
	const __int128 lim = (__int128)1000000000000000000LL;

	return !has || (b->t == MB_V_DEC && b->d.scale <= 18 && b->d.v < lim &&
	    b->d.v > -lim);
}

/* Links each required name to its property, once, and marks the bounds
 * that the fast number check can use. */
static void
link_required(node *s)
{
	int i, j;

	if (s == NULL)
		return;
	s->fastbounds = bound_fast(s->hasmin, &s->min) &&
	    bound_fast(s->hasmax, &s->max) &&
	    bound_fast(s->hasxmin, &s->xmin) &&
	    bound_fast(s->hasxmax, &s->xmax);
	s->reqidx = mb_xcalloc((size_t)s->nreq + 1, sizeof(int));
	for (i = 0; i < s->nreq; i++) {
		s->reqidx[i] = -1;
		for (j = 0; j < s->nprops; j++)
			if (strcmp(s->pname[j], s->req[i]) == 0)
				s->reqidx[i] = j;
	}
	for (j = 0; j < s->nprops; j++)
		link_required(&s->props[j]);
	link_required(s->addlschema);
	link_required(s->items);
}

static void
node_free(node *s, int self)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nprops; i++) {
		free(s->pname[i]);
		node_free(&s->props[i], 0);
	}
	free(s->pname);
	free(s->pnlen);
	free(s->props);
	for (i = 0; i < s->nreq; i++)
		free(s->req[i]);
	free(s->req);
	free(s->reqidx);
	for (i = 0; i < s->nenum; i++)
		if (s->enumv[i].t == MB_V_STR || s->enumv[i].t == MB_V_JSON)
			free((char *)s->enumv[i].s);
	free(s->enumv);
	free(s->enumtext);
	free(s->pattern);
	mb_regex_free(s->re);
	node_free(s->addlschema, 1);
	node_free(s->items, 1);
	if (self)
		free(s);
}

mb_schema *
mb_schema_compile(const char *text, size_t n)
{
	cctx c = { 0 };
	mb_schema *s;
	int rc;

	/* the document: one JSON object, whitespace and all */
	while (n > 0 && isspace((unsigned char)text[n - 1]))
		n--;
	while (n > 0 && isspace((unsigned char)*text)) {
		text++;
		n--;
	}
	c.doc = mb_rec_new();
	if (mb_rec_parse(c.doc, text, n) < 0) {
		char why[400];
		snprintf(why, sizeof(why), "%s", mb_errmsg());
		mb_seterr("not a JSON object: %s", why);
		mb_rec_free(c.doc);
		return NULL;
	}
	s = mb_xcalloc(1, sizeof(*s));
	rc = compile_into(&c, &s->root, 0, "", 0);
	mb_rec_free(c.doc);
	mb_buf_free(&c.buf);
	if (rc < 0) {
		node_free(&s->root, 0);
		free(s);
		return NULL;
	}
	link_required(&s->root);
	return s;
}

void
mb_schema_free(mb_schema *s)
{
	if (s == NULL)
		return;
	node_free(&s->root, 0);
	free(s);
}

int
mb_schema_types(const mb_schema *s)
{
	return s->root.types;
}

int
mb_schema_nprops(const mb_schema *s)
{
	return s->root.nprops;
}

const char *
mb_schema_prop(const mb_schema *s, int i)
{
	return i >= 0 && i < s->root.nprops ? s->root.pname[i] : NULL;
}

int
mb_schema_prop_types(const mb_schema *s, int i)
{
	return i >= 0 && i < s->root.nprops ? s->root.props[i].types : 0;
}

int
mb_schema_find(const mb_schema *s, const char *name, size_t n)
{
	int i;

	for (i = 0; i < s->root.nprops; i++)
		if (s->root.pnlen[i] == n && memcmp(s->root.pname[i], name, n) == 0)
			return i;
	return -1;
}

int
mb_schema_nrequired(const mb_schema *s)
{
	return s->root.nreq;
}

const char *
mb_schema_required(const mb_schema *s, int i)
{
	return i >= 0 && i < s->root.nreq ? s->root.req[i] : NULL;
}

int
mb_schema_closed(const mb_schema *s)
{
	return !s->root.addl && s->root.addlschema == NULL;
}
