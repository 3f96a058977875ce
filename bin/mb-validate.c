/*
 * mb-validate: reads NDJSON records, checks each one against a JSON Schema
 * (a subset of draft 2020-12) and against rules of its own (--check
 * expressions, --unique keys, --not-future times), and sorts them: a valid
 * record goes to stdout byte for byte as it came, a failing one to the
 * quarantine file with an _errors array that names every rule it broke,
 * unless the rule's action says warn (pass it on), drop (count it, write
 * it nowhere) or fail (stop, status 3).  No record is lost unless asked
 * for: a run in which some rule quarantines must name the file.  At the
 * end, and on SIGTERM, it writes a quality report shaped like a Great
 * Expectations validation result.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mb.h"
#include "expr.h"
#include "htab.h"

#define NPARTIAL 20		/* partial_unexpected_list length */
#define PARTMAX 256		/* bytes of one value kept for the report */

enum { A_QUARANTINE, A_WARN, A_DROP, A_FAIL };
static const char *action_names[] = { "quarantine", "warn", "drop", "fail" };

enum {
	TY_STRING = 1, TY_INTEGER = 2, TY_NUMBER = 4, TY_BOOLEAN = 8,
	TY_NULL = 16, TY_OBJECT = 32, TY_ARRAY = 64
};
static const char *type_names[] = { "string", "integer", "number", "boolean",
	"null", "object", "array" };
static const char *type_articles[] = { "a string", "an integer", "a number",
	"a boolean", "null", "an object", "an array" };

enum { FMT_NONE, FMT_DATETIME, FMT_DATE, FMT_EMAIL };

/* ---- the compiled schema --------------------------------------------------- */

typedef struct schema schema;
struct schema {
	int types;		/* TY_ bits; 0: any type */
	int hasmin, hasmax, hasxmin, hasxmax;
	mb_val min, max, xmin, xmax;
	int64_t minlen, maxlen, minitems, maxitems;	/* -1: none */
	mb_regex *re;
	char *pattern;
	int format;
	mb_val *enumv;		/* strings own their bytes */
	int nenum, isconst;
	char *enumtext;		/* for messages: "North", "South", ... */
	/* bounds that mb_dec_parse64() values compare with directly */
	int fastbounds;
	/* objects */
	int nprops;
	char **pname;
	size_t *pnlen;
	schema *props;
	int nreq;
	char **req;
	int *reqidx;		/* the property of each required name, or -1 */
	int addl;		/* 1: allowed, 0: forbidden */
	schema *addlschema;	/* additionalProperties as a schema */
	schema *items;
	int *pexp;		/* top level: the expectation of each property */
};

/* One line of the report: a rule, on one field or the whole record. */
typedef struct expect {
	char *rule;
	char *field;		/* NULL: the whole record */
	char *config;		/* "expectation_config" JSON, made at start */
	int action;
	uint64_t unexpected, stamp;
	int npartial;
	char partial[NPARTIAL][PARTMAX + 16];
} expect;

typedef struct check {
	char *name;
	char *src;
	mb_expr *e;
	int exp;
} check;

typedef struct uniq {
	char **fields;
	size_t *flen;
	int *hint;		/* mb_rec_findh() hints, one per field */
	int nfields;
	mb_hset *seen;
	int exp;
	/* this record's key, made before the schema check so that the
	 * set's slot is fetched into the cache meanwhile */
	int haskey;
	uint64_t hash;
	mb_span key;		/* its text: in the line, or in keybuf */
	mb_buf keybuf;
} uniq;

typedef struct notfut {
	char *field;
	size_t flen;
	int hint;
	int exp;
} notfut;

/* An error found in the current record. */
typedef struct failure {
	int exp;
	size_t foff, flen;	/* field path in errtext; flen 0 and foff -1: null */
	size_t moff, mlen;	/* message in errtext */
} failure;

/* A change to make to a record that passes (--coerce, --rescue). */
typedef struct change {
	int field;		/* top-level field index */
	size_t voff, vlen;	/* new JSON value in chtext */
} change;

static struct {
	const char *schemapath;
	schema *root;
	int rootexp, parseexp;
	expect *exps;
	int nexps;
	check *checks;
	int nchecks;
	uniq *uniqs;
	int nuniqs;
	notfut *nfs;
	int nnfs;
	int64_t now;
	const char *qpath, *rpath;
	int qfd;
	double maxinvalid;
	int hasmaxinvalid, coerce, rescue;
	/* counts */
	uint64_t nin, passed, quarantined, dropped, warned, coerced, rescued;
	uint64_t nrules;	/* records that reached the rules */
	int complete;
	/* per record */
	failure *fails;
	int nfails, capfails;
	mb_buf errtext;
	change *changes;
	int nchanges, capchanges;
	mb_buf chtext;
	mb_buf scratch;
	const char *curname;
	uint64_t curline;
	int noesc;		/* the line has no backslash: keys and strings
				 * are their raw bytes */
	/* report rendering, preallocated so SIGTERM can use it */
	char *rep;
	size_t repcap, replen;
	char *reptmp;
} V;

/* ---- small helpers ----------------------------------------------------------- */

static void
usage(FILE *f)
{
	fprintf(f, "usage: mb-validate [--schema FILE] [--check 'NAME: EXPR'] "
	    "[--unique F[,F...]]\n"
	    "                   [--not-future F] [--now TIME] [--warn RULE] "
	    "[--drop RULE]\n"
	    "                   [--fail RULE] [--quarantine FILE] [--report FILE]\n"
	    "                   [--max-invalid FRACTION] [--coerce] [--rescue] "
	    "[--quiet] [file ...]\n");
}

static void
help(void)
{
	usage(stdout);
	printf("\n"
	    "  -s, --schema FILE       JSON Schema (2020-12 subset) every record must match\n"
	    "  -c, --check 'NAME: EXPR'  a rule: records where EXPR is false fail NAME\n"
	    "  -u, --unique F[,F...]   a repeated key fails rule \"unique\"; the first passes\n"
	    "      --not-future F      a time in F after --now fails rule \"not_future\"\n"
	    "      --now TIME          the time --not-future and now() use (default: now)\n"
	    "      --warn RULE         records failing RULE pass on, counted as warned\n"
	    "      --drop RULE         records failing RULE are dropped, counted\n"
	    "      --fail RULE         a record failing RULE stops the run, status 3\n"
	    "  -q, --quarantine FILE   append failing records with _errors to FILE\n"
	    "  -r, --report FILE       write a quality report (JSON) at the end\n"
	    "      --max-invalid FRACTION  status 3 when more than this share is quarantined\n"
	    "      --coerce            strings holding the number or boolean the schema\n"
	    "                          asks for become that type\n"
	    "      --rescue            fields the schema forbids move into _rescued\n"
	    "      --quiet             no warnings\n"
	    "      --help, --version\n"
	    "Rules: parse, schema, unique, not_future, and the --check names.\n");
	exit(mb_finish(MB_EXIT_OK));
}

static _Noreturn void
bad_usage(const char *fmt, const char *arg)
{
	char msg[512];

	snprintf(msg, sizeof(msg), fmt, arg);
	mb_err("%s", msg);
	usage(stderr);
	exit(MB_EXIT_USAGE);
}

static int
strieq(const char *a, const char *b, size_t bn)
{
	return strlen(a) == bn && memcmp(a, b, bn) == 0;
}

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

/* ---- the schema compiler ------------------------------------------------------- */

static mb_rec *srec;		/* the schema document */
static mb_buf sbuf;

static _Noreturn void
schema_die(const char *path, const char *fmt, const char *arg)
{
	char msg[512];

	snprintf(msg, sizeof(msg), fmt, arg);
	if (path[0] != '\0')
		mb_die(MB_EXIT_USAGE, "%s: at %s: %s", V.schemapath, path, msg);
	mb_die(MB_EXIT_USAGE, "%s: %s", V.schemapath, msg);
}

static int
type_bit(const char *p, size_t n)
{
	int i;

	for (i = 0; i < 7; i++)
		if (strieq(type_names[i], p, n))
			return 1 << i;
	return 0;
}

static int64_t
nonneg_int(int v, const char *path, const char *kw)
{
	int64_t x;

	if (mb_rec_int(srec, v, &x) < 0 || x < 0)
		schema_die(path, "\"%s\" must be a non-negative integer", kw);
	return x;
}

static void
number_kw(int v, const char *path, const char *kw, mb_val *out)
{
	mb_span sp = mb_rec_raw(srec, v);

	if (mb_rec_type(srec, v) != MB_T_NUM)
		schema_die(path, "\"%s\" must be a number", kw);
	mb_val_from_json(sp.p, sp.len, NULL, out);
}

/* A schema value as an mb_val whose strings own their bytes. */
static void
owned_val(int v, mb_val *out)
{
	mb_span sp = mb_rec_raw(srec, v);
	mb_buf b = { 0 };

	mb_val_from_json(sp.p, sp.len, &b, out);
	if (out->t == MB_V_STR || out->t == MB_V_JSON) {
		char *s = mb_xstrndup(out->s, out->n);
		out->s = s;
	}
	mb_buf_free(&b);
}

static schema *compile(int v, const char *path);

static void
compile_into(schema *s, int v, const char *path)
{
	int i, j, n, kv;
	mb_span key;
	char sub[512], kw[64];

	memset(s, 0, sizeof(*s));
	s->minlen = s->maxlen = s->minitems = s->maxitems = -1;
	s->addl = 1;
	if (mb_rec_type(srec, v) == MB_T_BOOL) {
		int b;
		mb_rec_bool(srec, v, &b);
		if (!b)
			schema_die(path, "%s", "the schema false is not supported");
		return;
	}
	if (mb_rec_type(srec, v) != MB_T_OBJ)
		schema_die(path, "%s", "a schema must be an object");
	n = mb_rec_len(srec, v);
	for (i = 0; i < n; i++) {
		kv = mb_rec_child(srec, v, i, &key);
		snprintf(kw, sizeof(kw), "%.*s", (int)(key.len < 60 ? key.len : 60),
		    key.p);
#define KW(w) strieq(w, key.p, key.len)
		if (KW("$schema") || KW("$id") || KW("$comment") || KW("title") ||
		    KW("description") || KW("default") || KW("examples") ||
		    KW("deprecated") || KW("readOnly") || KW("writeOnly"))
			continue;
		if (KW("type")) {
			if (mb_rec_type(srec, kv) == MB_T_STR) {
				mb_span t = mb_rec_raw(srec, kv);
				if ((s->types = type_bit(t.p + 1, t.len - 2)) == 0)
					schema_die(path, "unknown type %s",
					    mb_xstrndup(t.p, t.len));
			} else if (mb_rec_type(srec, kv) == MB_T_ARR) {
				for (j = 0; j < mb_rec_len(srec, kv); j++) {
					int tv = mb_rec_child(srec, kv, j, NULL);
					mb_span t = mb_rec_raw(srec, tv);
					int bit = mb_rec_type(srec, tv) == MB_T_STR ?
					    type_bit(t.p + 1, t.len - 2) : 0;
					if (bit == 0)
						schema_die(path, "unknown type %s",
						    mb_xstrndup(t.p, t.len));
					s->types |= bit;
				}
			} else
				schema_die(path, "%s", "\"type\" must be a string "
				    "or an array of strings");
		} else if (KW("properties")) {
			if (mb_rec_type(srec, kv) != MB_T_OBJ)
				schema_die(path, "%s", "\"properties\" must be an "
				    "object");
			s->nprops = mb_rec_len(srec, kv);
			s->pname = mb_xcalloc((size_t)s->nprops + 1, sizeof(char *));
			s->pnlen = mb_xcalloc((size_t)s->nprops + 1,
			    sizeof(size_t));
			s->props = mb_xcalloc((size_t)s->nprops + 1, sizeof(schema));
			for (j = 0; j < s->nprops; j++) {
				mb_span pk;
				int pv = mb_rec_child(srec, kv, j, &pk);
				mb_buf_reset(&sbuf);
				mb_json_unescape(pk.p, pk.len, &sbuf);
				s->pname[j] = mb_xstrndup(sbuf.p, sbuf.len);
				s->pnlen[j] = sbuf.len;
				snprintf(sub, sizeof(sub), "%s%s%s", path,
				    path[0] ? "." : "", s->pname[j]);
				compile_into(&s->props[j], pv, sub);
			}
		} else if (KW("required")) {
			if (mb_rec_type(srec, kv) != MB_T_ARR)
				schema_die(path, "%s", "\"required\" must be an "
				    "array of strings");
			s->nreq = mb_rec_len(srec, kv);
			s->req = mb_xcalloc((size_t)s->nreq + 1, sizeof(char *));
			for (j = 0; j < s->nreq; j++) {
				int rv = mb_rec_child(srec, kv, j, NULL);
				mb_buf_reset(&sbuf);
				if (mb_rec_str(srec, rv, &sbuf) < 0)
					schema_die(path, "%s", "\"required\" must be "
					    "an array of strings");
				s->req[j] = mb_xstrndup(sbuf.p, sbuf.len);
			}
		} else if (KW("additionalProperties")) {
			if (mb_rec_type(srec, kv) == MB_T_BOOL)
				mb_rec_bool(srec, kv, &s->addl);
			else {
				snprintf(sub, sizeof(sub), "%s%s*", path,
				    path[0] ? "." : "");
				s->addlschema = compile(kv, sub);
			}
		} else if (KW("items")) {
			snprintf(sub, sizeof(sub), "%s[]", path);
			s->items = compile(kv, sub);
		} else if (KW("enum") || KW("const")) {
			mb_buf t = { 0 };
			if (KW("const")) {
				s->isconst = 1;
				s->nenum = 1;
				s->enumv = mb_xcalloc(1, sizeof(mb_val));
				owned_val(kv, &s->enumv[0]);
				mb_span sp = mb_rec_raw(srec, kv);
				mb_buf_add(&t, sp.p, sp.len);
			} else {
				if (mb_rec_type(srec, kv) != MB_T_ARR ||
				    mb_rec_len(srec, kv) == 0)
					schema_die(path, "%s", "\"enum\" must be a "
					    "non-empty array");
				s->nenum = mb_rec_len(srec, kv);
				s->enumv = mb_xcalloc((size_t)s->nenum,
				    sizeof(mb_val));
				for (j = 0; j < s->nenum; j++) {
					int ev = mb_rec_child(srec, kv, j, NULL);
					mb_span sp = mb_rec_raw(srec, ev);
					owned_val(ev, &s->enumv[j]);
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
		} else if (KW("minimum")) {
			number_kw(kv, path, "minimum", &s->min);
			s->hasmin = 1;
		} else if (KW("maximum")) {
			number_kw(kv, path, "maximum", &s->max);
			s->hasmax = 1;
		} else if (KW("exclusiveMinimum")) {
			number_kw(kv, path, "exclusiveMinimum", &s->xmin);
			s->hasxmin = 1;
		} else if (KW("exclusiveMaximum")) {
			number_kw(kv, path, "exclusiveMaximum", &s->xmax);
			s->hasxmax = 1;
		} else if (KW("minLength")) {
			s->minlen = nonneg_int(kv, path, "minLength");
		} else if (KW("maxLength")) {
			s->maxlen = nonneg_int(kv, path, "maxLength");
		} else if (KW("minItems")) {
			s->minitems = nonneg_int(kv, path, "minItems");
		} else if (KW("maxItems")) {
			s->maxitems = nonneg_int(kv, path, "maxItems");
		} else if (KW("pattern")) {
			char err[200];
			mb_buf_reset(&sbuf);
			if (mb_rec_str(srec, kv, &sbuf) < 0)
				schema_die(path, "%s", "\"pattern\" must be a string");
			s->pattern = mb_xstrndup(sbuf.p, sbuf.len);
			s->re = mb_regex_compile(sbuf.p, sbuf.len, err, sizeof(err));
			if (s->re == NULL) {
				char m[512];
				snprintf(m, sizeof(m), "bad pattern \"%s\": %s",
				    s->pattern, err);
				schema_die(path, "%s", m);
			}
		} else if (KW("format")) {
			mb_buf_reset(&sbuf);
			if (mb_rec_str(srec, kv, &sbuf) < 0)
				schema_die(path, "%s", "\"format\" must be a string");
			mb_buf_cstr(&sbuf);
			if (strcmp(sbuf.p, "date-time") == 0)
				s->format = FMT_DATETIME;
			else if (strcmp(sbuf.p, "date") == 0)
				s->format = FMT_DATE;
			else if (strcmp(sbuf.p, "email") == 0)
				s->format = FMT_EMAIL;
			else
				schema_die(path, "unsupported format \"%s\" "
				    "(date-time, date, email)", sbuf.p);
		} else
			schema_die(path, "unsupported keyword \"%s\"", kw);
#undef KW
	}
}

static schema *
compile(int v, const char *path)
{
	schema *s = mb_xmalloc(sizeof(*s));

	compile_into(s, v, path);
	return s;
}

/* Can mb_dec_parse64() values (at most 18 digits) be compared with this bound
 * in 128 bits? */
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
link_required(schema *s)
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
schema_free(schema *s, int self)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nprops; i++) {
		free(s->pname[i]);
		schema_free(&s->props[i], 0);
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
	schema_free(s->addlschema, 1);
	schema_free(s->items, 1);
	free(s->pexp);
	if (self)
		free(s);
}

static void
load_schema(const char *path)
{
	mb_buf text = { 0 };

	V.schemapath = path;
	if (mb_file_read(path, &text) < 0)
		mb_die(MB_EXIT_USAGE, "%s", mb_errmsg());
	srec = mb_rec_new();
	/* the document: one JSON object, whitespace and all */
	while (text.len > 0 && isspace((unsigned char)text.p[text.len - 1]))
		text.len--;
	{
		size_t i = 0;
		while (i < text.len && isspace((unsigned char)text.p[i]))
			i++;
		if (mb_rec_parse(srec, text.p + i, text.len - i) < 0)
			mb_die(MB_EXIT_USAGE, "%s: not a JSON object: %s", path,
			    mb_errmsg());
	}
	V.root = compile(0, "");
	link_required(V.root);
	mb_rec_free(srec);
	srec = NULL;
	mb_buf_free(&sbuf);
	mb_buf_free(&text);
}

/* ---- expectations -------------------------------------------------------------- */

static int
add_expect(const char *rule, const char *field, const char *type,
    const char *kwargs)
{
	expect *x;
	mb_buf b = { 0 };

	V.exps = mb_xrealloc(V.exps, ((size_t)V.nexps + 1) * sizeof(expect));
	x = &V.exps[V.nexps];
	memset(x, 0, sizeof(*x));
	x->rule = mb_xstrdup(rule);
	x->field = field ? mb_xstrdup(field) : NULL;
	mb_buf_printf(&b, "{\"expectation_type\": \"%s\", \"kwargs\": {", type);
	if (field != NULL && kwargs == NULL) {
		mb_buf_adds(&b, "\"column\": ");
		mb_buf_json_str(&b, field, strlen(field));
	} else if (kwargs != NULL)
		mb_buf_adds(&b, kwargs);
	mb_buf_adds(&b, "}, \"meta\": {\"rule\": ");
	mb_buf_json_str(&b, rule, strlen(rule));
	x->config = mb_buf_cstr(&b);
	return V.nexps++;
}

static int
rule_known(const char *r)
{
	int i;

	for (i = 0; i < V.nexps; i++)
		if (strcmp(V.exps[i].rule, r) == 0)
			return 1;
	return 0;
}

static void
set_action(const char *rule, int action)
{
	int i;

	if (!rule_known(rule))
		bad_usage("no rule named \"%s\" (rules: parse, schema, unique, "
		    "not_future and the --check names in use)", rule);
	for (i = 0; i < V.nexps; i++)
		if (strcmp(V.exps[i].rule, rule) == 0)
			V.exps[i].action = action;
}

/* Keeps a value for partial_unexpected_list: raw JSON, shortened when
 * long (a string is cut at a character boundary and marked "..."). */
static void
keep_partial(expect *x, const char *p, size_t n)
{
	char *d;

	if (x->npartial >= NPARTIAL)
		return;
	d = x->partial[x->npartial++];
	if (p == NULL) {
		memcpy(d, "null", 5);
		return;
	}
	if (n <= PARTMAX) {
		memcpy(d, p, n);
		d[n] = '\0';
		return;
	}
	if (p[0] == '"') {
		size_t k = 120, bs = 0;
		while (k > 1 && ((unsigned char)p[k] & 0xC0) == 0x80)
			k--;
		while (bs < k - 1 && p[k - 1 - bs] == '\\')
			bs++;
		if (bs % 2)
			k--;
		/* a \uXXXX escape cut short */
		{
			size_t j = k > 6 ? k - 6 : 1;
			for (; j < k; j++)
				if (p[j] == '\\' && p[j + 1] == 'u' && j + 6 > k) {
					k = j;
					break;
				}
		}
		memcpy(d, p, k);
		memcpy(d + k, "...\"", 5);
		return;
	}
	snprintf(d, PARTMAX, "\"(%s of %zu bytes)\"", p[0] == '{' ? "object" :
	    p[0] == '[' ? "array" : "value", n);
}

/* ---- the current record's failures --------------------------------------------- */

static void
fail(int exp, const char *field, size_t flen, const char *valp, size_t valn,
    const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/*
 * Records that expectation exp failed on this record: field (NULL for the
 * whole record), the offending value's raw JSON (NULL: missing), and a
 * message.
 */
static void
fail(int exp, const char *field, size_t flen, const char *valp, size_t valn,
    const char *fmt, ...)
{
	failure *f;
	va_list ap;
	expect *x = &V.exps[exp];
	char msg[600];

	if (V.nfails == V.capfails) {
		V.capfails = V.capfails ? V.capfails * 2 : 16;
		V.fails = mb_xrealloc(V.fails, (size_t)V.capfails * sizeof(*f));
	}
	f = &V.fails[V.nfails++];
	f->exp = exp;
	if (field != NULL) {
		f->foff = V.errtext.len;
		f->flen = flen;
		mb_buf_add(&V.errtext, field, flen);
	} else {
		f->foff = (size_t)-1;
		f->flen = 0;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f->moff = V.errtext.len;
	f->mlen = strlen(msg);
	mb_buf_add(&V.errtext, msg, f->mlen);
	if (x->stamp != V.nin) {
		x->stamp = V.nin;
		x->unexpected++;
		keep_partial(x, valp, valn);
	}
}

/* ---- checking a value against a schema ------------------------------------------ */

/* A value as JSON text, for messages; lives until the next call. */
static const char *
valtext(const mb_val *v)
{
	static mb_buf b;

	mb_buf_reset(&b);
	mb_val_json(&b, v);
	return mb_buf_cstr(&b);
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
	if (v.t == MB_V_DBL)
		return v.f == (double)(int64_t)v.f;
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
num_ok(const schema *s, mb_span raw)
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

/* The same for a string without escapes (V.noesc). */
static int
str_ok(const schema *s, mb_span raw)
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

static void check_value(const schema *s, const mb_rec *r, int v, mb_type t,
    mb_span raw, const char *path, size_t plen, int exp);

/*
 * The whole top-level object of a record without escapes, when it passes:
 * every field a declared property whose value num_ok() or str_ok()
 * accepts, or a lineage field, and no required field missing.  1 when the
 * record passes the schema; 0 when check_object() must look at it.
 */
static int
top_ok(const schema *s, const mb_rec *r)
{
	int i, pi, guess = 0, n = mb_rec_nfields(r);
	uint64_t seenbits[4] = { 0 };
	mb_span k, raw;
	const schema *ps;

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

static void
check_object(const schema *s, const mb_rec *r, int v, const char *path,
    size_t plen, int exp, int top)
{
	int i, j, n = mb_rec_len(r, v), guess = 0;
	char sub[1024];
	uint64_t seenbits[4] = { 0 };	/* properties seen, first 256 */
	unsigned char *seen = NULL;

	if (s->nprops > 256)
		seen = mb_xcalloc((size_t)s->nprops, 1);
	for (i = 0; i < n; i++) {
		mb_span key;
		int cv = top ? mb_rec_field(r, i) : mb_rec_child(r, v, i, &key);
		const char *k;
		size_t kl;
		int pi = -1, cexp;

		if (top)
			key = mb_rec_key(r, i);
		k = key.p;
		kl = key.len;
		if (!V.noesc && memchr(k, '\\', kl) != NULL) {
			size_t at = V.scratch.len;
			mb_json_unescape(k, kl, &V.scratch);
			k = V.scratch.p + at;	/* scratch is not grown again below */
			kl = V.scratch.len - at;
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
		if (top && k == key.p && pi >= 0) {
			/* the common case: the path is the key, in the line */
			guess = pi + 1;
			if (pi < 256)
				seenbits[pi >> 6] |= (uint64_t)1 << (pi & 63);
			else
				seen[pi] = 1;
			check_value(&s->props[pi], r, cv, mb_rec_type(r, cv),
			    mb_rec_raw(r, cv), k, kl, s->pexp[pi]);
			continue;
		}
		if (plen + kl + 2 < sizeof(sub)) {
			memcpy(sub, path, plen);
			j = (int)plen;
			if (plen)
				sub[j++] = '.';
			memcpy(sub + j, k, kl);
			j += (int)kl;
		} else {
			memcpy(sub, path, plen);
			j = (int)plen;
		}
		cexp = top && pi >= 0 ? s->pexp[pi] : exp;
		if (pi >= 0) {
			guess = pi + 1;
			if (pi < 256)
				seenbits[pi >> 6] |= (uint64_t)1 << (pi & 63);
			else
				seen[pi] = 1;
			check_value(&s->props[pi], r, cv, mb_rec_type(r, cv),
			    mb_rec_raw(r, cv), sub, (size_t)j, cexp);
			continue;
		}
		/* the toolkit's own fields (_source, _hash...) are lineage */
		if (top && kl > 0 && k[0] == '_')
			continue;
		if (s->addlschema != NULL) {
			check_value(s->addlschema, r, cv, mb_rec_type(r, cv),
			    mb_rec_raw(r, cv), sub, (size_t)j, exp);
		} else if (!s->addl) {
			if (top && V.rescue) {
				if (V.nchanges == V.capchanges) {
					V.capchanges = V.capchanges ?
					    V.capchanges * 2 : 8;
					V.changes = mb_xrealloc(V.changes,
					    (size_t)V.capchanges *
					    sizeof(change));
				}
				V.changes[V.nchanges].field = i;
				V.changes[V.nchanges].voff = (size_t)-1;
				V.nchanges++;
				continue;
			}
			mb_span raw = mb_rec_raw(r, cv);
			fail(exp, sub, (size_t)j, raw.p, raw.len,
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
			memcpy(sub, path, plen);
			j = (int)plen;
			if (plen)
				sub[j++] = '.';
			if (j + kl < sizeof(sub)) {
				memcpy(sub + j, s->req[i], kl);
				j += (int)kl;
			}
			fail(top && pi >= 0 ? s->pexp[pi] : top ?
			    s->pexp[s->nprops + i] : exp, sub, (size_t)j, NULL, 0,
			    "required field is missing");
		}
	}
	free(seen);
}

/* The value that --coerce makes of a string, when the schema asks for a
 * number or boolean and the string holds one; 1 and the JSON in out. */
static int
coerce_str(const schema *s, const mb_rec *r, int v, mb_buf *out)
{
	mb_val x;
	size_t at = V.scratch.len;
	const char *p;
	size_t n;

	mb_rec_str(r, v, &V.scratch);
	p = V.scratch.p + at;
	n = V.scratch.len - at;
	while (n > 0 && isspace((unsigned char)*p)) {
		p++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)p[n - 1]))
		n--;
	if ((s->types & TY_BOOLEAN) && (strieq("true", p, n) ||
	    strieq("false", p, n))) {
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

static void
check_value(const schema *s, const mb_rec *r, int v, mb_type t, mb_span raw,
    const char *path, size_t plen, int exp)
{
	int bits, i, c;
	mb_val x;
	char tt[128];
	size_t at = V.scratch.len;

	if ((t == MB_T_NUM && num_ok(s, raw)) ||
	    (t == MB_T_STR && V.noesc && v >= 0 && str_ok(s, raw)))
		return;
	bits = vtype_bits(t, raw.p, raw.len);
	if (s->types != 0 && !(bits & s->types)) {
		/* --coerce: a string holding what the schema asks for */
		if (V.coerce && t == MB_T_STR && exp >= 0 &&
		    memchr(path, '.', plen) == NULL) {
			mb_buf nb = { 0 };
			if (coerce_str(s, r, v, &nb)) {
				if (V.nchanges == V.capchanges) {
					V.capchanges = V.capchanges ?
					    V.capchanges * 2 : 8;
					V.changes = mb_xrealloc(V.changes,
					    (size_t)V.capchanges *
					    sizeof(change));
				}
				V.changes[V.nchanges].field = -1;
				V.changes[V.nchanges].voff = V.chtext.len;
				V.changes[V.nchanges].vlen = nb.len;
				/* the field: found again by name when written */
				mb_buf_add(&V.chtext, nb.p, nb.len);
				mb_buf_addc(&V.chtext, '\0');
				mb_buf_add(&V.chtext, path, plen);
				mb_buf_addc(&V.chtext, '\0');
				V.nchanges++;
				raw.p = V.chtext.p + V.changes[V.nchanges - 1].voff;
				raw.len = nb.len;
				mb_buf_free(&nb);
				/* check the rest on a copy: chtext may move */
				{
					mb_buf cp = { 0 };
					mb_buf_add(&cp, raw.p, raw.len);
					raw.p = cp.p;
					t = cp.p[0] == 't' || cp.p[0] == 'f' ?
					    MB_T_BOOL : MB_T_NUM;
					check_value(s, r, -1, t, raw, path, plen,
					    exp);
					mb_buf_free(&cp);
				}
				V.scratch.len = at;
				return;
			}
			mb_buf_free(&nb);
			V.scratch.len = at;
		}
		types_text(s->types, tt, sizeof(tt));
		fail(exp, path, plen, raw.p, raw.len, "not %s", tt);
		return;
	}
	if (s->nenum > 0) {
		mb_val_from_json(raw.p, raw.len, &V.scratch, &x);
		for (i = 0; i < s->nenum; i++)
			if (json_equal(&x, &s->enumv[i]))
				break;
		if (i == s->nenum) {
			if (s->isconst)
				fail(exp, path, plen, raw.p, raw.len,
				    "not the constant %s", s->enumtext);
			else
				fail(exp, path, plen, raw.p, raw.len,
				    "not one of %s", s->enumtext);
		}
	}
	if (t == MB_T_NUM && (s->hasmin || s->hasmax || s->hasxmin ||
	    s->hasxmax)) {
		mb_val_from_json(raw.p, raw.len, NULL, &x);
		if (s->hasmin && mb_val_cmp(&x, &s->min, &c) == 0 && c < 0)
			fail(exp, path, plen, raw.p, raw.len,
			    "less than the minimum %s", valtext(&s->min));
		if (s->hasxmin && mb_val_cmp(&x, &s->xmin, &c) == 0 && c <= 0)
			fail(exp, path, plen, raw.p, raw.len,
			    "not greater than %s", valtext(&s->xmin));
		if (s->hasmax && mb_val_cmp(&x, &s->max, &c) == 0 && c > 0)
			fail(exp, path, plen, raw.p, raw.len,
			    "greater than the maximum %s", valtext(&s->max));
		if (s->hasxmax && mb_val_cmp(&x, &s->xmax, &c) == 0 && c >= 0)
			fail(exp, path, plen, raw.p, raw.len,
			    "not less than %s", valtext(&s->xmax));
	}
	if (t == MB_T_STR && (s->minlen >= 0 || s->maxlen >= 0 || s->re != NULL ||
	    s->format != FMT_NONE)) {
		const char *p;
		size_t n, cps;
		mb_val_from_json(raw.p, raw.len, &V.scratch, &x);
		p = x.s;
		n = x.n;
		cps = mb_utf8_len(p, n);
		if (s->minlen >= 0 && cps < (size_t)s->minlen)
			fail(exp, path, plen, raw.p, raw.len, "shorter than %lld "
			    "characters", (long long)s->minlen);
		if (s->maxlen >= 0 && cps > (size_t)s->maxlen)
			fail(exp, path, plen, raw.p, raw.len, "longer than %lld "
			    "characters", (long long)s->maxlen);
		if (s->re != NULL && !mb_regex_match(s->re, p, n))
			fail(exp, path, plen, raw.p, raw.len,
			    "does not match the pattern %s", s->pattern);
		if (s->format != FMT_NONE) {
			mb_val_from_json(raw.p, raw.len, &V.scratch, &x);
			if (s->format == FMT_DATETIME && !valid_datetime(x.s, x.n))
				fail(exp, path, plen, raw.p, raw.len,
				    "not a date-time (RFC 3339)");
			else if (s->format == FMT_DATE && (x.n != 10 ||
			    !valid_date(x.s, x.n)))
				fail(exp, path, plen, raw.p, raw.len,
				    "not a date (YYYY-MM-DD)");
			else if (s->format == FMT_EMAIL && !valid_email(x.s, x.n))
				fail(exp, path, plen, raw.p, raw.len,
				    "not an email address");
		}
	}
	if (t == MB_T_OBJ && v >= 0 && (s->nprops > 0 || s->nreq > 0 ||
	    !s->addl || s->addlschema != NULL))
		check_object(s, r, v, path, plen, exp, 0);
	if (t == MB_T_ARR && v >= 0) {
		int n = mb_rec_len(r, v);
		if (s->minitems >= 0 && n < s->minitems)
			fail(exp, path, plen, raw.p, raw.len, "fewer than %lld "
			    "items", (long long)s->minitems);
		if (s->maxitems >= 0 && n > s->maxitems)
			fail(exp, path, plen, raw.p, raw.len, "more than %lld "
			    "items", (long long)s->maxitems);
		if (s->items != NULL)
			for (i = 0; i < n; i++) {
				char sub[1024];
				int cv = mb_rec_child(r, v, i, NULL);
				int k = snprintf(sub, sizeof(sub), "%.*s[%d]",
				    (int)plen, path, i);
				check_value(s->items, r, cv, mb_rec_type(r, cv),
				    mb_rec_raw(r, cv), sub, (size_t)k, exp);
			}
	}
	V.scratch.len = at;
}

/* ---- rules beyond the schema ------------------------------------------------ */

static void
run_checks(const mb_rec *r)
{
	int i;
	mb_val v;
	static mb_buf vals;

	for (i = 0; i < V.nchecks; i++) {
		check *c = &V.checks[i];
		int rc = mb_expr_eval(c->e, r, &v);
		const char *f;
		size_t fn, k;

		if (rc == 0 && (v.t == MB_V_NULL || mb_val_true(&v)))
			continue;
		/* the values the expression looked at, for the report */
		mb_buf_reset(&vals);
		mb_buf_addc(&vals, '{');
		f = mb_expr_fields(c->e, &fn);
		for (k = 0; k < fn; k += strlen(f + k) + 1) {
			int fv = mb_rec_find(r, f + k);
			mb_span sp = mb_rec_raw(r, fv);
			if (vals.len > 1)
				mb_buf_addc(&vals, ',');
			mb_buf_json_str(&vals, f + k, strlen(f + k));
			mb_buf_addc(&vals, ':');
			if (fv < 0)
				mb_buf_adds(&vals, "null");
			else
				mb_buf_add(&vals, sp.p, sp.len);
		}
		mb_buf_addc(&vals, '}');
		if (rc < 0)
			fail(c->exp, NULL, 0, vals.p, vals.len, "error: %s",
			    mb_errmsg());
		else if (v.t != MB_V_BOOL)
			fail(c->exp, NULL, 0, vals.p, vals.len, "not a boolean: %s",
			    c->src);
		else
			fail(c->exp, NULL, 0, vals.p, vals.len, "check failed: %s",
			    c->src);
	}
}

/* The --unique keys of the record: a field's raw JSON, or a JSON array
 * of several; hashed, and the set's slot prefetched. */
static void
prefetch_unique(const mb_rec *r)
{
	int i, j;

	for (i = 0; i < V.nuniqs; i++) {
		uniq *u = &V.uniqs[i];
		mb_buf *key = &u->keybuf;
		u->haskey = 0;
		mb_buf_reset(key);
		if (u->nfields > 1)
			mb_buf_addc(key, '[');
		for (j = 0; j < u->nfields; j++) {
			int fv = mb_rec_findh(r, u->fields[j], u->flen[j],
			    &u->hint[j]);
			mb_type t = mb_rec_type(r, fv);
			mb_span sp;
			if (t == MB_T_NONE || t == MB_T_NULL)
				break;
			sp = mb_rec_raw(r, fv);
			if (u->nfields == 1) {
				u->key = sp;	/* no copy */
				continue;
			}
			if (j)
				mb_buf_addc(key, ',');
			mb_buf_add(key, sp.p, sp.len);
		}
		if (j < u->nfields)	/* a missing key is not a repeat */
			continue;
		if (u->nfields > 1) {
			mb_buf_addc(key, ']');
			u->key.p = key->p;
			u->key.len = key->len;
		}
		u->haskey = 1;
		u->hash = mb_hash(u->key.p, u->key.len);
		mb_hset_prefetch(u->seen, u->hash);
	}
}

static void
run_unique(void)
{
	int i;

	for (i = 0; i < V.nuniqs; i++) {
		uniq *u = &V.uniqs[i];
		if (u->haskey && !mb_hset_add(u->seen, u->hash))
			fail(u->exp, V.exps[u->exp].field,
			    strlen(V.exps[u->exp].field), u->key.p, u->key.len,
			    "duplicate key %.*s", (int)(u->key.len > 200 ? 200 :
			    u->key.len), u->key.p);
	}
}

static void
run_notfuture(const mb_rec *r)
{
	int i;
	mb_val v;
	static mb_buf tmp;

	for (i = 0; i < V.nnfs; i++) {
		notfut *nf = &V.nfs[i];
		int fv = mb_rec_findh(r, nf->field, nf->flen, &nf->hint);
		mb_type t = mb_rec_type(r, fv);
		mb_span sp;
		int64_t ms;

		if (t == MB_T_NONE || t == MB_T_NULL)
			continue;
		sp = mb_rec_raw(r, fv);
		mb_buf_reset(&tmp);
		mb_val_from_json(sp.p, sp.len, &tmp, &v);
		if ((v.t != MB_V_STR && v.t != MB_V_DEC) ||
		    mb_time_parse(v.t == MB_V_STR ? v.s : sp.p,
		    v.t == MB_V_STR ? v.n : sp.len, &ms) < 0) {
			fail(nf->exp, nf->field, strlen(nf->field), sp.p, sp.len,
			    "not a timestamp");
			continue;
		}
		if (ms > V.now) {
			mb_buf_reset(&tmp);
			mb_time_fmt(&tmp, V.now);
			fail(nf->exp, nf->field, strlen(nf->field), sp.p, sp.len,
			    "in the future (after %s)", mb_buf_cstr(&tmp));
		}
	}
}

/* ---- the report ------------------------------------------------------------------ */

/*
 * Rendered with nothing but memcpy and integer arithmetic into a buffer
 * sized at start, so that the SIGTERM handler can write it too.
 */
static void
rp(const char *s, size_t n)
{
	if (V.replen + n > V.repcap)
		n = V.repcap - V.replen;
	memcpy(V.rep + V.replen, s, n);
	V.replen += n;
}

static void
rps(const char *s)
{
	rp(s, strlen(s));
}

static void
rpu(uint64_t v)
{
	char d[24];
	int i = 24;

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	rp(d + i, (size_t)(24 - i));
}

/* 100 * a / b, with up to six decimals, trailing zeros trimmed. */
static void
rppct(uint64_t a, uint64_t b)
{
	unsigned __int128 x;
	uint64_t ip, fp;
	char f[7];
	int i, n = 6;

	if (b == 0) {
		rps("0");
		return;
	}
	x = ((unsigned __int128)a * 100000000u + b / 2) / b;
	ip = (uint64_t)(x / 1000000);
	fp = (uint64_t)(x % 1000000);
	rpu(ip);
	if (fp == 0)
		return;
	for (i = 5; i >= 0; i--) {
		f[i] = (char)('0' + fp % 10);
		fp /= 10;
	}
	while (n > 0 && f[n - 1] == '0')
		n--;
	rps(".");
	rp(f, (size_t)n);
}

static void
render_report(void)
{
	int i, j, ok = 0;

	V.replen = 0;
	for (i = 0; i < V.nexps; i++)
		ok += V.exps[i].unexpected == 0;
	rps("{\n  \"success\": ");
	rps(ok == V.nexps ? "true" : "false");
	rps(",\n  \"statistics\": {\"evaluated_expectations\": ");
	rpu((uint64_t)V.nexps);
	rps(", \"successful_expectations\": ");
	rpu((uint64_t)ok);
	rps(", \"unsuccessful_expectations\": ");
	rpu((uint64_t)(V.nexps - ok));
	rps(", \"success_percent\": ");
	rppct((uint64_t)ok, (uint64_t)V.nexps);
	rps("},\n  \"results\": [");
	for (i = 0; i < V.nexps; i++) {
		expect *x = &V.exps[i];
		uint64_t elements = i == V.parseexp ? V.nin : V.nrules;
		rps(i ? ",\n    " : "\n    ");
		rps("{\"success\": ");
		rps(x->unexpected == 0 ? "true" : "false");
		rps(", \"expectation_config\": ");
		rps(x->config);
		rps(", \"action\": \"");
		rps(action_names[x->action]);
		rps("\"}}, \"result\": {\"element_count\": ");
		rpu(elements);
		rps(", \"unexpected_count\": ");
		rpu(x->unexpected);
		rps(", \"unexpected_percent\": ");
		rppct(x->unexpected, elements);
		rps(", \"partial_unexpected_list\": [");
		for (j = 0; j < x->npartial; j++) {
			if (j)
				rps(", ");
			rps(x->partial[j]);
		}
		rps("]}}");
	}
	rps("\n  ],\n  \"records_in\": ");
	rpu(V.nin);
	rps(", \"passed\": ");
	rpu(V.passed);
	rps(", \"quarantined\": ");
	rpu(V.quarantined);
	rps(", \"dropped\": ");
	rpu(V.dropped);
	rps(", \"warned\": ");
	rpu(V.warned);
	rps(", \"coerced\": ");
	rpu(V.coerced);
	rps(", \"rescued\": ");
	rpu(V.rescued);
	rps(",\n  \"meta\": {\"tool\": \"mb-validate\", \"version\": \""
	    MB_VERSION "\", \"complete\": ");
	rps(V.complete ? "true" : "false");
	rps("}\n}\n");
}

/* Writes the report beside its final name and renames it into place;
 * only async-signal-safe calls. */
static int
write_report(void)
{
	int fd;
	size_t off = 0;
	ssize_t w;

	if (V.rpath == NULL)
		return 0;
	render_report();
	fd = open(V.reptmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	while (off < V.replen) {
		w = write(fd, V.rep + off, V.replen - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			unlink(V.reptmp);
			return -1;
		}
		off += (size_t)w;
	}
	if (close(fd) != 0 || rename(V.reptmp, V.rpath) != 0) {
		unlink(V.reptmp);
		return -1;
	}
	return 0;
}

static void
onterm(int sig)
{
	int e = errno;

	V.complete = 0;
	write_report();
	errno = e;
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
report_or_die(void)
{
	if (write_report() < 0)
		mb_die(MB_EXIT_FAIL, "%s: %s", V.rpath, strerror(errno));
}

/* ---- the record loop ------------------------------------------------------------- */

static void
qwrite(const mb_buf *b)
{
	size_t off = 0;
	ssize_t w;

	if (V.qfd < 0)
		return;
	while (off < b->len) {
		w = write(V.qfd, b->p + off, b->len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			mb_die(MB_EXIT_FAIL, "%s: %s", V.qpath, strerror(errno));
		off += (size_t)w;
	}
}

static void
errors_json(mb_buf *b)
{
	int i;

	mb_buf_addc(b, '[');
	for (i = 0; i < V.nfails; i++) {
		failure *f = &V.fails[i];
		const char *rule = V.exps[f->exp].rule;
		if (i)
			mb_buf_addc(b, ',');
		mb_buf_adds(b, "{\"rule\":");
		mb_buf_json_str(b, rule, strlen(rule));
		mb_buf_adds(b, ",\"field\":");
		if (f->foff == (size_t)-1)
			mb_buf_adds(b, "null");
		else
			mb_buf_json_str(b, V.errtext.p + f->foff, f->flen);
		mb_buf_adds(b, ",\"message\":");
		mb_buf_json_str(b, V.errtext.p + f->moff, f->mlen);
		mb_buf_addc(b, '}');
	}
	mb_buf_addc(b, ']');
}

static int
fate(void)
{
	int i, a = A_WARN;

	for (i = 0; i < V.nfails; i++) {
		int x = V.exps[V.fails[i].exp].action;
		if (x == A_FAIL)
			return A_FAIL;
		if (x == A_QUARANTINE)
			a = A_QUARANTINE;
		else if (x == A_DROP && a == A_WARN)
			a = A_DROP;
	}
	return a;
}

static _Noreturn void
die_fail(void)
{
	int i;
	failure *f = NULL;

	for (i = 0; i < V.nfails; i++)
		if (V.exps[V.fails[i].exp].action == A_FAIL) {
			f = &V.fails[i];
			break;
		}
	V.complete = 0;
	report_or_die();
	if (f->foff != (size_t)-1)
		mb_die(MB_EXIT_QUALITY, "%s:%llu: rule \"%s\" failed: field "
		    "\"%.*s\": %.*s", V.curname, (unsigned long long)V.curline,
		    V.exps[f->exp].rule, (int)f->flen, V.errtext.p + f->foff,
		    (int)f->mlen, V.errtext.p + f->moff);
	mb_die(MB_EXIT_QUALITY, "%s:%llu: rule \"%s\" failed: %.*s", V.curname,
	    (unsigned long long)V.curline, V.exps[f->exp].rule, (int)f->mlen,
	    V.errtext.p + f->moff);
}

/* A line that is not a JSON object: quarantined as mb-ingest would. */
static void
bad_line(const mb_line *ln, const char *msg)
{
	static mb_buf q;
	int a;

	fail(V.parseexp, NULL, 0, NULL, 0, "%s", msg);
	/* the report keeps the text, as a string */
	mb_buf_reset(&q);
	mb_buf_json_str(&q, ln->p, ln->len > PARTMAX ? PARTMAX : ln->len);
	{
		expect *x = &V.exps[V.parseexp];
		if (x->npartial > 0 && strcmp(x->partial[x->npartial - 1],
		    "null") == 0) {
			x->npartial--;
			keep_partial(x, q.p, q.len);
		}
	}
	a = fate();
	if (a == A_WARN) {
		V.passed++;
		V.warned++;
		mb_out(ln->p, ln->len);
		mb_out("\n", 1);
		return;
	}
	if (a == A_DROP) {
		V.dropped++;
		return;
	}
	V.quarantined++;
	mb_buf_reset(&q);
	mb_buf_adds(&q, "{\"_raw\":");
	mb_buf_json_str(&q, ln->p, ln->len);
	mb_buf_adds(&q, ",\"_errors\":");
	errors_json(&q);
	mb_buf_adds(&q, ",\"_source\":");
	mb_buf_json_str(&q, V.curname, strlen(V.curname));
	mb_buf_adds(&q, ",\"_offset\":");
	mb_buf_addu(&q, ln->lineno);
	mb_buf_adds(&q, "}\n");
	qwrite(&q);
	if (a == A_FAIL)
		die_fail();
}

static void
pass(mb_rec *r, const mb_line *ln)
{
	static mb_buf o, resc, key;
	int i, nresc = 0;

	V.passed++;
	if (V.nchanges == 0) {
		mb_out(ln->p, ln->len);
		mb_out("\n", 1);
		return;
	}
	mb_buf_reset(&resc);
	mb_buf_addc(&resc, '{');
	for (i = 0; i < V.nchanges; i++) {
		change *c = &V.changes[i];
		if (c->voff == (size_t)-1) {	/* --rescue */
			mb_span k = mb_rec_key(r, c->field);
			mb_span v = mb_rec_raw(r, mb_rec_field(r, c->field));
			if (nresc++)
				mb_buf_addc(&resc, ',');
			mb_buf_addc(&resc, '"');
			mb_buf_add(&resc, k.p, k.len);
			mb_buf_adds(&resc, "\":");
			mb_buf_add(&resc, v.p, v.len);
			mb_buf_reset(&key);
			mb_json_unescape(k.p, k.len, &key);
			mb_rec_del(r, mb_buf_cstr(&key));
		} else {			/* --coerce */
			const char *name = V.chtext.p + c->voff + c->vlen + 1;
			mb_rec_set(r, name, V.chtext.p + c->voff, c->vlen);
			V.coerced++;
		}
	}
	if (nresc) {
		mb_buf_addc(&resc, '}');
		mb_rec_set(r, "_rescued", resc.p, resc.len);
		V.rescued++;
	}
	mb_buf_reset(&o);
	mb_rec_write(r, &o);
	mb_out_buf(&o);
}

/* The _raw field of a record mb-ingest could not parse, or -1. */
static int
find_raw(const mb_rec *r)
{
	int i, n;
	mb_span k;

	if (!V.noesc)
		return mb_rec_find(r, "_raw");
	n = mb_rec_nfields(r);
	for (i = 0; i < n; i++) {
		k = mb_rec_key(r, i);
		if (k.len == 4 && same(k.p, "_raw", 4))
			return mb_rec_field(r, i);
	}
	return -1;
}

static void
process(mb_rec *r, const mb_line *ln)
{
	static mb_buf q;
	int a, rv;

	V.nin++;
	V.curline = ln->lineno;
	V.nfails = 0;
	V.nchanges = 0;
	mb_buf_reset(&V.errtext);
	mb_buf_reset(&V.chtext);
	mb_buf_reset(&V.scratch);
	if (ln->toolong) {
		char msg[100];
		snprintf(msg, sizeof(msg), "line of %llu bytes is longer than "
		    "the limit", (unsigned long long)ln->full_len);
		bad_line(ln, msg);
		return;
	}
	if (mb_rec_parse(r, ln->p, ln->len) < 0) {
		bad_line(ln, mb_errmsg());
		return;
	}
	V.noesc = memchr(ln->p, '\\', ln->len) == NULL;
	if ((rv = find_raw(r)) >= 0) {
		/* mb-ingest could not parse it: it is already a quarantine
		 * record, and goes there as it is */
		mb_span sp = mb_rec_raw(r, rv);
		fail(V.parseexp, NULL, 0, sp.p, sp.len, "not parsed by mb-ingest");
		a = fate();
		if (a == A_WARN) {
			V.passed++;
			V.warned++;
			mb_out(ln->p, ln->len);
			mb_out("\n", 1);
		} else if (a == A_DROP) {
			V.dropped++;
		} else {
			V.quarantined++;
			mb_buf_reset(&q);
			mb_buf_add(&q, ln->p, ln->len);
			mb_buf_addc(&q, '\n');
			qwrite(&q);
			if (a == A_FAIL)
				die_fail();
		}
		return;
	}
	V.nrules++;	/* the element_count of every rule but parse */
	prefetch_unique(r);
	if (V.root != NULL && !(V.noesc && top_ok(V.root, r))) {
		if (V.root->types != 0 && !(V.root->types & TY_OBJECT))
			fail(V.rootexp, NULL, 0, NULL, 0, "not of the schema's type");
		check_object(V.root, r, 0, "", 0, V.rootexp, 1);
	}
	run_checks(r);
	run_unique();
	run_notfuture(r);
	if (V.nfails == 0) {
		pass(r, ln);
		return;
	}
	a = fate();
	if (a == A_WARN) {
		V.warned++;
		pass(r, ln);
		return;
	}
	if (a == A_DROP) {
		V.dropped++;
		return;
	}
	V.quarantined++;
	if (V.qfd >= 0) {
		mb_buf_reset(&q);
		errors_json(&q);
		mb_rec_set(r, "_errors", q.p, q.len);
		mb_buf_reset(&q);
		mb_rec_write(r, &q);
		qwrite(&q);
	}
	if (a == A_FAIL)
		die_fail();
}

/* ---- setup ------------------------------------------------------------------------ */

static int
is_ident(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || !(isalpha((unsigned char)p[0]) || p[0] == '_'))
		return 0;
	for (i = 1; i < n; i++)
		if (!(isalnum((unsigned char)p[i]) || p[i] == '_' || p[i] == '-'))
			return 0;
	return 1;
}

/* With additionalProperties false, a rule can only name declared fields
 * (or the toolkit's _ fields): anything else is a typo. */
static void
known_field(const char *opt, const char *arg, const char *f, size_t n)
{
	int i;
	const char *dot = memchr(f, '.', n);

	if (V.root == NULL || V.root->addl || V.root->addlschema != NULL ||
	    (n > 0 && f[0] == '_'))
		return;
	if (dot != NULL)
		n = (size_t)(dot - f);
	for (i = 0; i < V.root->nprops; i++)
		if (strieq(V.root->pname[i], f, n))
			return;
	mb_die(MB_EXIT_USAGE, "%s \"%s\": unknown field \"%.*s\" (not in %s)",
	    opt, arg, (int)n, f, V.schemapath);
}

static void
add_check(const char *arg)
{
	const char *colon = strchr(arg, ':');
	const char *p = arg, *q;
	check *c;
	size_t n, k;
	const char *f;
	mb_buf kw = { 0 };

	while (colon != NULL && isspace((unsigned char)*p))
		p++;
	q = colon;
	while (q != NULL && q > p && isspace((unsigned char)q[-1]))
		q--;
	if (colon == NULL || !is_ident(p, (size_t)(q - p)))
		bad_usage("--check \"%s\": expected NAME: EXPR", arg);
	V.checks = mb_xrealloc(V.checks, ((size_t)V.nchecks + 1) * sizeof(check));
	c = &V.checks[V.nchecks++];
	c->name = mb_xstrndup(p, (size_t)(q - p));
	for (q = colon + 1; isspace((unsigned char)*q); q++)
		;
	c->src = mb_xstrdup(q);
	for (n = strlen(c->src); n > 0 && isspace((unsigned char)c->src[n - 1]);)
		c->src[--n] = '\0';
	if (strcmp(c->name, "parse") == 0 || strcmp(c->name, "schema") == 0 ||
	    strcmp(c->name, "unique") == 0 || strcmp(c->name, "not_future") == 0)
		bad_usage("--check: \"%s\" is a built-in rule's name", c->name);
	if (rule_known(c->name))
		bad_usage("--check: two checks named \"%s\"", c->name);
	c->e = mb_expr_parse(c->src);
	if (c->e == NULL)
		mb_die(MB_EXIT_USAGE, "--check \"%s\": %s", arg, mb_errmsg());
	mb_expr_set_now(c->e, V.now);
	f = mb_expr_fields(c->e, &n);
	for (k = 0; k < n; k += strlen(f + k) + 1)
		known_field("--check", arg, f + k, strlen(f + k));
	mb_buf_adds(&kw, "\"expression\": ");
	mb_buf_json_str(&kw, c->src, strlen(c->src));
	c->exp = add_expect(c->name, NULL, "expect_records_to_satisfy_expression",
	    mb_buf_cstr(&kw));
	mb_buf_free(&kw);
}

static void
add_unique(const char *arg)
{
	uniq *u;
	const char *p = arg, *comma;
	mb_buf kw = { 0 };
	int i;

	V.uniqs = mb_xrealloc(V.uniqs, ((size_t)V.nuniqs + 1) * sizeof(uniq));
	u = &V.uniqs[V.nuniqs++];
	memset(u, 0, sizeof(*u));
	for (;;) {
		comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (n == 0)
			bad_usage("--unique \"%s\": empty field name", arg);
		u->fields = mb_xrealloc(u->fields, ((size_t)u->nfields + 1) *
		    sizeof(char *));
		u->flen = mb_xrealloc(u->flen, ((size_t)u->nfields + 1) *
		    sizeof(size_t));
		u->hint = mb_xrealloc(u->hint, ((size_t)u->nfields + 1) *
		    sizeof(int));
		u->flen[u->nfields] = n;
		u->hint[u->nfields] = -1;
		u->fields[u->nfields++] = mb_xstrndup(p, n);
		known_field("--unique", arg, p, n);
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	u->seen = mb_hset_new();
	if (u->nfields == 1) {
		u->exp = add_expect("unique", arg, "expect_column_values_to_be_unique",
		    NULL);
		return;
	}
	mb_buf_adds(&kw, "\"column_list\": [");
	for (i = 0; i < u->nfields; i++) {
		if (i)
			mb_buf_adds(&kw, ", ");
		mb_buf_json_str(&kw, u->fields[i], strlen(u->fields[i]));
	}
	mb_buf_addc(&kw, ']');
	u->exp = add_expect("unique", arg,
	    "expect_compound_columns_to_be_unique", mb_buf_cstr(&kw));
	mb_buf_free(&kw);
}

static void
add_notfuture(const char *arg)
{
	notfut *nf;
	mb_buf kw = { 0 };

	known_field("--not-future", arg, arg, strlen(arg));
	V.nfs = mb_xrealloc(V.nfs, ((size_t)V.nnfs + 1) * sizeof(notfut));
	nf = &V.nfs[V.nnfs++];
	nf->field = mb_xstrdup(arg);
	nf->flen = strlen(arg);
	nf->hint = -1;
	mb_buf_adds(&kw, "\"column\": ");
	mb_buf_json_str(&kw, arg, strlen(arg));
	mb_buf_adds(&kw, ", \"now\": \"");
	mb_time_fmt(&kw, V.now);
	mb_buf_addc(&kw, '"');
	nf->exp = add_expect("not_future", arg,
	    "expect_column_values_to_not_be_in_the_future", mb_buf_cstr(&kw));
	mb_buf_free(&kw);
}

static void
schema_expects(void)
{
	schema *s = V.root;
	int i, j;

	V.rootexp = add_expect("schema", NULL, "expect_records_to_match_schema",
	    NULL);
	s->pexp = mb_xcalloc((size_t)(s->nprops + s->nreq) + 1, sizeof(int));
	for (i = 0; i < s->nprops; i++)
		s->pexp[i] = add_expect("schema", s->pname[i],
		    "expect_column_values_to_match_schema", NULL);
	/* required but not declared: an expectation of their own */
	for (i = 0; i < s->nreq; i++) {
		s->pexp[s->nprops + i] = V.rootexp;
		for (j = 0; j < s->nprops; j++)
			if (strcmp(s->pname[j], s->req[i]) == 0)
				break;
		if (j == s->nprops)
			s->pexp[s->nprops + i] = add_expect("schema", s->req[i],
			    "expect_column_values_to_match_schema", NULL);
	}
}

static void
cleanup(void)
{
	int i, j;

	for (i = 0; i < V.nchecks; i++) {
		free(V.checks[i].name);
		free(V.checks[i].src);
		mb_expr_free(V.checks[i].e);
	}
	free(V.checks);
	for (i = 0; i < V.nuniqs; i++) {
		for (j = 0; j < V.uniqs[i].nfields; j++)
			free(V.uniqs[i].fields[j]);
		free(V.uniqs[i].fields);
		free(V.uniqs[i].flen);
		free(V.uniqs[i].hint);
		mb_buf_free(&V.uniqs[i].keybuf);
		mb_hset_free(V.uniqs[i].seen);
	}
	free(V.uniqs);
	for (i = 0; i < V.nnfs; i++)
		free(V.nfs[i].field);
	free(V.nfs);
	for (i = 0; i < V.nexps; i++) {
		free(V.exps[i].rule);
		free(V.exps[i].field);
		free(V.exps[i].config);
	}
	free(V.exps);
	schema_free(V.root, 1);
	free(V.fails);
	free(V.changes);
	mb_buf_free(&V.errtext);
	mb_buf_free(&V.chtext);
	mb_buf_free(&V.scratch);
	free(V.rep);
	free(V.reptmp);
}

/* No record is lost: when a rule quarantines (the default action, and
 * "parse" always exists), the failing records need a place to go. */
static void
need_quarantine(void)
{
	mb_buf rules = { 0 };
	int i, j;

	if (V.qpath != NULL)
		return;
	for (i = 0; i < V.nexps; i++) {
		if (V.exps[i].action != A_QUARANTINE)
			continue;
		for (j = 0; j < i; j++)
			if (V.exps[j].action == A_QUARANTINE &&
			    strcmp(V.exps[j].rule, V.exps[i].rule) == 0)
				break;
		if (j < i)
			continue;
		if (rules.len)
			mb_buf_adds(&rules, ", ");
		mb_buf_adds(&rules, V.exps[i].rule);
	}
	if (rules.len == 0)
		return;
	mb_err("failing records need --quarantine FILE (or --drop RULE / "
	    "--warn RULE to decide otherwise); rules that quarantine: %s",
	    mb_buf_cstr(&rules));
	mb_buf_free(&rules);
	usage(stderr);
	exit(MB_EXIT_USAGE);
}

int
main(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "check", required_argument, NULL, 'c' },
		{ "coerce", no_argument, NULL, 'C' },
		{ "drop", required_argument, NULL, 'D' },
		{ "fail", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ "max-invalid", required_argument, NULL, 'M' },
		{ "not-future", required_argument, NULL, 'N' },
		{ "now", required_argument, NULL, 'T' },
		{ "quarantine", required_argument, NULL, 'q' },
		{ "quiet", no_argument, NULL, 'Q' },
		{ "report", required_argument, NULL, 'r' },
		{ "rescue", no_argument, NULL, 'R' },
		{ "schema", required_argument, NULL, 's' },
		{ "unique", required_argument, NULL, 'u' },
		{ "version", no_argument, NULL, 'V' },
		{ "warn", required_argument, NULL, 'W' },
		{ NULL, 0, NULL, 0 }
	};
	/* options whose meaning needs the others: applied after the loop */
	const char **checks = mb_xcalloc((size_t)argc, sizeof(char *));
	const char **uniqs = mb_xcalloc((size_t)argc, sizeof(char *));
	const char **nfs = mb_xcalloc((size_t)argc, sizeof(char *));
	const char **acts = mb_xcalloc((size_t)argc, sizeof(char *));
	int *actk = mb_xcalloc((size_t)argc, sizeof(int));
	int nc = 0, nu = 0, nn = 0, na = 0, c, i, status = MB_EXIT_OK;
	const char *schemapath = NULL;
	mb_rec *r;
	mb_line ln;
	size_t sz;

	mb_prog_init(argv[0]);
	V.now = mb_time_now_ms();
	V.qfd = -1;
	V.complete = 1;
	while ((c = getopt_long(argc, argv, "c:q:r:s:u:", lo, NULL)) != -1) {
		switch (c) {
		case 'C':
			V.coerce = 1;
			break;
		case 'D':
		case 'F':
		case 'W':
			acts[na] = optarg;
			actk[na++] = c == 'D' ? A_DROP : c == 'F' ? A_FAIL : A_WARN;
			break;
		case 'M':
			V.maxinvalid = mb_opt_double("--max-invalid", optarg, 0, 1);
			V.hasmaxinvalid = 1;
			break;
		case 'N':
			nfs[nn++] = optarg;
			break;
		case 'Q':
			mb_set_quiet(1);
			break;
		case 'R':
			V.rescue = 1;
			break;
		case 'T':
			if (mb_time_parse(optarg, strlen(optarg), &V.now) < 0)
				bad_usage("--now \"%s\": not a time", optarg);
			break;
		case 'V':
			printf("mb-validate %s\n", MB_VERSION);
			exit(mb_finish(MB_EXIT_OK));
		case 'c':
			checks[nc++] = optarg;
			break;
		case 'h':
			help();
			break;
		case 'q':
			V.qpath = optarg;
			break;
		case 'r':
			V.rpath = optarg;
			break;
		case 's':
			schemapath = optarg;
			break;
		case 'u':
			uniqs[nu++] = optarg;
			break;
		default:
			usage(stderr);
			free(checks);
			free(uniqs);
			free(nfs);
			free(acts);
			free(actk);
			return MB_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;

	V.parseexp = add_expect("parse", NULL, "expect_records_to_be_parseable",
	    NULL);
	if (schemapath != NULL) {
		load_schema(schemapath);
		schema_expects();
	}
	for (i = 0; i < nc; i++)
		add_check(checks[i]);
	for (i = 0; i < nu; i++)
		add_unique(uniqs[i]);
	for (i = 0; i < nn; i++)
		add_notfuture(nfs[i]);
	for (i = 0; i < na; i++)
		set_action(acts[i], actk[i]);
	free(checks);
	free(uniqs);
	free(nfs);
	free(acts);
	free(actk);
	need_quarantine();

	if (V.qpath != NULL) {
		V.qfd = open(V.qpath, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (V.qfd < 0)
			mb_die(MB_EXIT_FAIL, "%s: %s", V.qpath, strerror(errno));
	}
	if (V.rpath != NULL) {
		struct sigaction sa;
		sz = 4096;
		for (i = 0; i < V.nexps; i++)
			sz += 512 + strlen(V.exps[i].config) +
			    NPARTIAL * (PARTMAX + 20);
		V.repcap = sz;
		V.rep = mb_xmalloc(sz);
		V.reptmp = mb_xmalloc(strlen(V.rpath) + 8);
		snprintf(V.reptmp, strlen(V.rpath) + 8, "%s.tmp", V.rpath);
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = onterm;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = SA_RESTART;
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
	}

	r = mb_rec_new();
	for (i = 0; i == 0 || i < argc; i++) {
		const char *path = argc ? argv[i] : "-";
		mb_in *in = mb_in_open(path, 0);
		int rc;

		if (in == NULL)
			mb_die(MB_EXIT_FAIL, "%s", mb_errmsg());
		V.curname = strcmp(path, "-") == 0 ? "-" : path;
		while ((rc = mb_in_line(in, &ln)) > 0) {
			size_t k = 0;
			while (k < ln.len && (ln.p[k] == ' ' || ln.p[k] == '\t'))
				k++;
			if (k == ln.len && !ln.toolong)
				continue;	/* a blank line is not a record */
			process(r, &ln);
		}
		if (rc < 0) {
			V.complete = 0;
			report_or_die();
			mb_die(MB_EXIT_FAIL, "%s", mb_errmsg());
		}
		mb_in_close(in);
	}
	mb_rec_free(r);

	report_or_die();
	if (V.coerced > 0)
		mb_warn("coerced %llu values to the schema's types",
		    (unsigned long long)V.coerced);
	if (V.hasmaxinvalid && V.nin > 0 &&
	    (double)V.quarantined > V.maxinvalid * (double)V.nin) {
		mb_err("%llu of %llu records quarantined, more than --max-invalid "
		    "%g", (unsigned long long)V.quarantined,
		    (unsigned long long)V.nin, V.maxinvalid);
		status = MB_EXIT_QUALITY;
	}
	if (V.qfd >= 0 && close(V.qfd) != 0)
		mb_die(MB_EXIT_FAIL, "%s: %s", V.qpath, strerror(errno));
	cleanup();
	return mb_finish(status);
}
