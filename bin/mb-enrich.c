/*
 * mb-enrich: reads NDJSON records and writes them out again with fields
 * added, replaced or removed: columns joined from dimension tables (CSV
 * or NDJSON, held in a hash table), date parts of a timestamp, values
 * computed by expressions (mb-expr(7)), masked or redacted personal data,
 * and a projection (keep, drop, rename, flatten); --where keeps only the
 * records an expression holds for.  Fields it does not touch go out byte
 * for byte.
 *
 * Each record goes through the steps in one fixed order, whatever the
 * order of the options: joins, date parts, --set (in the order given),
 * --where, --mask and --redact, --flatten, --rename, --drop, --keep.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mb.h"
#include "dim.h"
#include "dparts.h"
#include "expr.h"
#include "mask.h"
#include "patch.h"

/* ---- state ---------------------------------------------------------------- */

typedef struct join {
	const char *path;
	char *key, *dimkey;	/* --on KEY[=DIMKEY] */
	char *fieldspec;	/* --fields, or NULL: all but the key */
	const char *prefix;
	int inner, first;
	int hint;		/* mb_rec_findh() hint of the key */
	mb_dim *dim;		/* loaded */
	mb_name *outnames;	/* prefix + the table's field names */
	int nfields;
} join;

typedef struct setx {
	mb_name name;
	char *src;
	mb_expr *e;
} setx;

typedef struct dpart {
	char *field;
	size_t flen;
	int hint;
	mb_name names[MB_DP_N];
	mb_dparts parts;
} dpart;

static const char *part_suffix[MB_DP_N] = { "_year", "_month", "_day",
	"_dayofweek", "_hour", "_date" };

static struct {
	join *joins;
	int njoins;
	setx *sets;
	int nsets;
	setx *wheres;		/* --where, all must hold (name unused) */
	int nwheres;
	dpart *dps;
	int ndps;
	char **mask, **redact, **keep, **drop, **ren_from, **ren_to;
	int nmask, nredact, nkeep, ndrop, nren;
	mb_name *maskn, *redactn, *dropn, *ren_fromn, *ren_ton;
	mb_hmac hmac;		/* --mask's keyed hash */
	int flatten, strict, checked;
	const char *keyfile, *unmatched;
	int ufd;
	/* per record */
	mb_patch *patch;
	mb_buf tmp;
	const char *curname;
	uint64_t curline;
	/* counts */
	uint64_t nin, nout, nunmatched, nfiltered, nerrors, nbad;
	uint64_t nflat;		/* records too big to flatten */
} D;

/* ---- small helpers ---------------------------------------------------------- */

static void
usage(FILE *f)
{
	fprintf(f, "usage: mb-enrich [--set 'NAME = EXPR'] [--date-parts FIELD[:PREFIX]]\n"
	    "                 [--where EXPR]\n"
	    "                 [--join FILE --on KEY[=DIMKEY] [--fields F,...] "
	    "[--prefix P]\n"
	    "                  [--inner] [--join-first]] [--unmatched FILE]\n"
	    "                 [--mask F,...] [--mask-key-file FILE] "
	    "[--redact F,...]\n"
	    "                 [--keep F,...] [--drop F,...] [--rename A=B,...] "
	    "[--flatten]\n"
	    "                 [--strict] [--now TIME] [--quiet] [file ...]\n");
}

static void
help(void)
{
	usage(stdout);
	printf("\n"
	    "  -s, --set 'NAME = EXPR'   add or replace NAME with EXPR (mb-expr(7))\n"
	    "  -d, --date-parts F[:P]    add P_year, P_month, P_day, P_dayofweek,\n"
	    "                            P_hour, P_date from the time in F\n"
	    "  -j, --join FILE           left join a dimension table (CSV, NDJSON, .zst)\n"
	    "      --on KEY[=DIMKEY]     the join key in the record [and the table]\n"
	    "      --fields F,...        the table's fields to add (default: all)\n"
	    "      --prefix P            prefix for the added fields\n"
	    "      --inner               unmatched records go to --unmatched, not on\n"
	    "      --join-first          on a repeated key keep the first row\n"
	    "  -w, --where EXPR          pass on only records where EXPR is true\n"
	    "      --unmatched FILE      append records --inner or --where turned away\n"
	    "                            to FILE\n"
	    "      --mask F,...          replace values with a keyed hash (MB_MASK_KEY)\n"
	    "      --mask-key-file FILE  read the masking key from FILE (mode 600)\n"
	    "      --redact F,...        replace values with \"[REDACTED]\"\n"
	    "      --keep F,...          keep only these fields\n"
	    "      --drop F,...          remove these fields\n"
	    "      --rename A=B,...      rename fields\n"
	    "      --flatten             nested objects become a_b fields\n"
	    "      --strict              an expression error stops with status 1\n"
	    "      --now TIME            the time now() returns\n"
	    "      --quiet               no warnings\n"
	    "      --help, --version\n");
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

/* Appends the comma-separated names in arg to *list. */
static void
add_list(char ***list, int *n, const char *opt, const char *arg)
{
	const char *p = arg, *c;

	for (;;) {
		size_t k;
		c = strchr(p, ',');
		k = c ? (size_t)(c - p) : strlen(p);
		if (k == 0)
			bad_usage("%s: empty field name", opt);
		*list = mb_xrealloc(*list, ((size_t)*n + 1) * sizeof(char *));
		(*list)[(*n)++] = mb_xstrndup(p, k);
		if (c == NULL)
			break;
		p = c + 1;
	}
}

static void
free_list(char **list, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

static int
in_list(char **list, int n, const char *s, size_t len)
{
	int i;

	for (i = 0; i < n; i++)
		if (strlen(list[i]) == len && memcmp(list[i], s, len) == 0)
			return 1;
	return 0;
}

/* ---- names ---------------------------------------------------------------------- */

static mb_name *
name_list(char **list, int n)
{
	mb_name *m = mb_xcalloc((size_t)n + 1, sizeof(mb_name));
	int i;

	for (i = 0; i < n; i++)
		mb_name_init(&m[i], list[i], strlen(list[i]));
	return m;
}

static void
name_list_free(mb_name *m, int n)
{
	int i;

	for (i = 0; i < n && m != NULL; i++)
		mb_name_free(&m[i]);
	free(m);
}

static void
rt_error(const char *what, const char *msg)
{
	D.nerrors++;
	if (D.strict)
		mb_die(MB_EXIT_FAIL, "%s:%llu: %s: %s", D.curname,
		    (unsigned long long)D.curline, what, msg);
}

/* ---- dimension tables ------------------------------------------------------------ */

static void
load_dim(join *j)
{
	char **fields = NULL;
	int nf = 0, err, i;

	if (j->fieldspec != NULL)
		add_list(&fields, &nf, "--fields", j->fieldspec);
	j->dim = mb_dim_load(j->path, j->dimkey, (const char *const *)fields,
	    nf, j->first, &err);
	free_list(fields, nf);
	if (j->dim == NULL) {
		if (err == MB_DIM_EDUP)
			mb_die(MB_EXIT_USAGE, "%s (--join-first keeps the first)",
			    mb_errmsg());
		mb_die(err == MB_DIM_EREAD ? MB_EXIT_FAIL : MB_EXIT_USAGE, "%s",
		    mb_errmsg());
	}
	j->nfields = mb_dim_nfields(j->dim);
	j->outnames = mb_xcalloc((size_t)j->nfields + 1, sizeof(mb_name));
	for (i = 0; i < j->nfields; i++) {
		mb_buf_reset(&D.tmp);
		mb_buf_adds(&D.tmp, j->prefix ? j->prefix : "");
		mb_buf_adds(&D.tmp, mb_dim_field(j->dim, i));
		mb_name_init(&j->outnames[i], D.tmp.p, D.tmp.len);
	}
}

/* ---- the steps -------------------------------------------------------------------- */

/* 0: the record goes on; 1: an inner join turned it away. */
static int
do_joins(const mb_rec *r)
{
	int i, k;
	mb_span sp;
	long row;

	for (i = 0; i < D.njoins; i++) {
		join *j = &D.joins[i];
		row = -1;
		if (mb_patch_current(D.patch, r, j->key, strlen(j->key), &j->hint,
		    &sp))
			row = mb_dim_find(j->dim, sp.p, sp.len);
		if (row < 0) {
			if (j->inner)
				return 1;
			for (k = 0; k < j->nfields; k++)
				mb_patch_set(D.patch, &j->outnames[k], "null", 4);
			continue;
		}
		for (k = 0; k < j->nfields; k++) {
			mb_span v = mb_dim_value(j->dim, row, k);
			mb_patch_set(D.patch, &j->outnames[k], v.p, v.len);
		}
	}
	return 0;
}

static void
do_dateparts(const mb_rec *r)
{
	int i, k, rc;
	mb_span sp;

	for (i = 0; i < D.ndps; i++) {
		dpart *d = &D.dps[i];
		rc = 0;
		if (mb_patch_current(D.patch, r, d->field, d->flen, &d->hint,
		    &sp) && (rc = mb_dparts_of(&d->parts, sp.p, sp.len)) < 0) {
			char msg[160];
			snprintf(msg, sizeof(msg), "field \"%s\": %s", d->field,
			    mb_errmsg());
			rt_error("--date-parts", msg);
		}
		for (k = 0; k < MB_DP_N; k++)
			if (rc == 1)
				mb_patch_set(D.patch, &d->names[k],
				    d->parts.part[k].p, d->parts.part[k].len);
			else
				mb_patch_set(D.patch, &d->names[k], "null", 4);
	}
}

static void
do_sets(const mb_rec *r)
{
	int i;
	mb_val v;

	for (i = 0; i < D.nsets; i++) {
		if (mb_expr_eval(D.sets[i].e, r, &v) < 0) {
			char what[300];
			snprintf(what, sizeof(what), "--set \"%s\"",
			    D.sets[i].name.s);
			rt_error(what, mb_errmsg());
		}
		mb_val_json(mb_patch_begin(D.patch, &D.sets[i].name), &v);
		mb_patch_end(D.patch);
	}
}

/* 1 when every --where holds for the record as the steps left it. */
static int
do_where(const mb_rec *r)
{
	int i;
	mb_val v;

	for (i = 0; i < D.nwheres; i++) {
		if (mb_expr_eval(D.wheres[i].e, r, &v) < 0)
			rt_error("--where", mb_errmsg());
		if (!mb_val_true(&v))
			return 0;
	}
	return 1;
}

static void
do_mask(const mb_rec *r)
{
	int i;
	mb_span sp;
	char out[34];

	for (i = 0; i < D.nmask; i++) {
		if (!mb_patch_current(D.patch, r, D.mask[i], D.maskn[i].n, NULL,
		    &sp) || (sp.len == 4 && memcmp(sp.p, "null", 4) == 0))
			continue;
		mb_buf_reset(&D.tmp);
		if (sp.p[0] == '"')
			mb_json_unescape(sp.p + 1, sp.len - 2, &D.tmp);
		else
			mb_buf_add(&D.tmp, sp.p, sp.len);
		out[0] = '"';
		mb_mask_hex(&D.hmac, D.tmp.p, D.tmp.len, out + 1);
		out[33] = '"';
		mb_patch_set(D.patch, &D.maskn[i], out, 34);
	}
	for (i = 0; i < D.nredact; i++) {
		if (!mb_patch_current(D.patch, r, D.redact[i], D.redactn[i].n,
		    NULL, &sp) || (sp.len == 4 && memcmp(sp.p, "null", 4) == 0))
			continue;
		mb_patch_set(D.patch, &D.redactn[i], "\"[REDACTED]\"", 12);
	}
}

/*
 * Each non-empty object field becomes its leaves, path_key fields, depth
 * first.  A record whose flat fields would be longer than the longest
 * line (every leaf repeats its ancestors' keys) is passed on nested.
 */
static mb_flat flat;

/* Bytes the flat fields of r would take, counted up to past limit; 0
 * when r has no object to flatten. */
static size_t
flat_size(const mb_rec *r, size_t limit)
{
	int i, n = mb_rec_nfields(r);
	size_t total = 0;
	mb_span k, sp;

	for (i = 0; i < n && total <= limit; i++) {
		sp = mb_rec_raw(r, mb_rec_field(r, i));
		if (sp.p[0] != '{')
			continue;
		k = mb_rec_key(r, i);
		mb_buf_reset(&D.tmp);
		mb_json_unescape(k.p, k.len, &D.tmp);
		if (mb_flat_start(&flat, sp.p, sp.len, D.tmp.p, D.tmp.len, '_') <= 0)
			continue;
		while (total <= limit && mb_flat_next(&flat, &k, &sp) == 1)
			total += k.len + sp.len + 4;
	}
	return total;
}

static void
do_flatten(const mb_rec *r)
{
	int i, n = mb_rec_nfields(r);
	size_t size = flat_size(r, MB_MAX_LINE_DEFAULT);
	mb_span k, sp;

	if (size == 0)
		return;
	if (size > MB_MAX_LINE_DEFAULT) {
		D.nflat++;
		if (D.strict)
			mb_die(MB_EXIT_FAIL, "%s:%llu: --flatten: the flat record would "
			    "be longer than %zu bytes", D.curname,
			    (unsigned long long)D.curline, MB_MAX_LINE_DEFAULT);
		return;
	}
	for (i = 0; i < n; i++) {
		sp = mb_rec_raw(r, mb_rec_field(r, i));
		if (sp.p[0] != '{')
			continue;
		k = mb_rec_key(r, i);
		mb_buf_reset(&D.tmp);
		mb_json_unescape(k.p, k.len, &D.tmp);
		if (mb_flat_start(&flat, sp.p, sp.len, D.tmp.p, D.tmp.len, '_') <= 0)
			continue;
		mb_patch_del_n(D.patch, D.tmp.p, D.tmp.len);
		while (mb_flat_next(&flat, &k, &sp) == 1)
			mb_patch_set_n(D.patch, k.p, k.len, sp.p, sp.len);
	}
}

static void
do_project(const mb_rec *r)
{
	int i, n, del;
	mb_span sp;
	const char *name;
	size_t nl;

	for (i = 0; i < D.nren; i++)
		if (mb_patch_current(D.patch, r, D.ren_from[i], D.ren_fromn[i].n,
		    NULL, &sp)) {
			mb_patch_set(D.patch, &D.ren_ton[i], sp.p, sp.len);
			mb_patch_del(D.patch, &D.ren_fromn[i]);
		}
	for (i = 0; i < D.ndrop; i++)
		mb_patch_del(D.patch, &D.dropn[i]);
	if (D.nkeep == 0)
		return;
	n = mb_rec_nfields(r);
	for (i = 0; i < n; i++) {
		mb_span k = mb_rec_key(r, i);
		mb_buf_reset(&D.tmp);
		mb_json_unescape(k.p, k.len, &D.tmp);
		if (!in_list(D.keep, D.nkeep, D.tmp.p, D.tmp.len))
			mb_patch_del_n(D.patch, D.tmp.p, D.tmp.len);
	}
	n = mb_patch_count(D.patch);
	for (i = 0; i < n; i++) {
		name = mb_patch_name(D.patch, i, &nl, &del);
		if (!del && !in_list(D.keep, D.nkeep, name, nl))
			mb_patch_del_n(D.patch, name, nl);
	}
}

/* ---- the record loop -------------------------------------------------------------- */

static int
known(const mb_rec *r, const mb_buf *made, const char *p, size_t n)
{
	size_t at;
	const char *dot = memchr(p, '.', n);

	if (mb_rec_findn(r, p, n) >= 0)
		return 1;
	if (dot != NULL && mb_rec_findn(r, p, (size_t)(dot - p)) >= 0)
		return 1;	/* a missing member of an object is null */
	for (at = 0; at < made->len; at += strlen(made->p + at) + 1)
		if (strlen(made->p + at) == n && memcmp(made->p + at, p, n) == 0)
			return 1;
	return 0;
}

/* The first record shows which fields exist: a field that an option
 * names and that neither the record has nor an earlier step makes is a
 * mistake in the command, status 2. */
static void
check_fields(const mb_rec *r)
{
	mb_buf made = { 0 };	/* names made by steps, NUL-separated */
	int i, k;
	const char *f;
	size_t n, at;

#define MADE(s) (mb_buf_adds(&made, s), mb_buf_addc(&made, '\0'))
#define KNOWN(p, l) (known(r, &made, p, l))
	for (i = 0; i < D.njoins; i++) {
		if (!KNOWN(D.joins[i].key, strlen(D.joins[i].key)))
			mb_die(MB_EXIT_USAGE, "--on %s: unknown field \"%s\" (not "
			    "in the first record)", D.joins[i].key,
			    D.joins[i].key);
		for (k = 0; k < D.joins[i].nfields; k++)
			MADE(D.joins[i].outnames[k].s);
	}
	for (i = 0; i < D.ndps; i++) {
		if (!KNOWN(D.dps[i].field, strlen(D.dps[i].field)))
			mb_die(MB_EXIT_USAGE, "--date-parts %s: unknown field "
			    "\"%s\" (not in the first record)", D.dps[i].field,
			    D.dps[i].field);
		for (k = 0; k < 6; k++)
			MADE(D.dps[i].names[k].s);
	}
	for (i = 0; i < D.nsets; i++) {
		f = mb_expr_fields(D.sets[i].e, &n);
		for (at = 0; at < n; at += strlen(f + at) + 1)
			if (!KNOWN(f + at, strlen(f + at)))
				mb_die(MB_EXIT_USAGE, "--set \"%s = %s\": unknown "
				    "field \"%s\" (not in the first record)",
				    D.sets[i].name.s, D.sets[i].src, f + at);
		MADE(D.sets[i].name.s);
	}
	for (i = 0; i < D.nwheres; i++) {
		f = mb_expr_fields(D.wheres[i].e, &n);
		for (at = 0; at < n; at += strlen(f + at) + 1)
			if (!KNOWN(f + at, strlen(f + at)))
				mb_die(MB_EXIT_USAGE, "--where \"%s\": unknown "
				    "field \"%s\" (not in the first record)",
				    D.wheres[i].src, f + at);
	}
#undef MADE
#undef KNOWN
	mb_buf_free(&made);
}

static void
uwrite(const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(D.ufd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			mb_die(MB_EXIT_FAIL, "%s: %s", D.unmatched, strerror(errno));
		p += w;
		n -= (size_t)w;
	}
}

/* Once the tables are loaded: the names the steps may set, for
 * mb_patch_write()'s shortcut. */
static void
plan(void)
{
	const mb_name **names = NULL;
	int i, k, n = 0;

#define ADD(m) (names = mb_xrealloc(names, ((size_t)n + 1) * \
	sizeof(*names)), names[n++] = (m))
	for (i = 0; i < D.njoins; i++)
		for (k = 0; k < D.joins[i].nfields; k++)
			ADD(&D.joins[i].outnames[k]);
	for (i = 0; i < D.ndps; i++)
		for (k = 0; k < MB_DP_N; k++)
			ADD(&D.dps[i].names[k]);
	for (i = 0; i < D.nsets; i++)
		ADD(&D.sets[i].name);
	for (i = 0; i < D.nmask; i++)
		ADD(&D.maskn[i]);
	for (i = 0; i < D.nredact; i++)
		ADD(&D.redactn[i]);
#undef ADD
	mb_patch_plan(D.patch, names, n, D.flatten || D.nkeep > 0 ||
	    D.ndrop > 0 || D.nren > 0);
	free(names);
}

static void
process(mb_rec *r, const mb_line *ln)
{
	D.nin++;
	D.curline = ln->lineno;
	if (ln->toolong || mb_rec_parse(r, ln->p, ln->len) < 0) {
		/* Not lost: passed on as a _raw record with the reason, which
		 * mb-validate quarantines under rule "parse". */
		const char *why = ln->toolong ? "line longer than the limit" :
		    mb_errmsg();

		D.nbad++;
		if (D.strict)
			mb_die(MB_EXIT_FAIL, "%s:%llu: %s", D.curname,
			    (unsigned long long)ln->lineno, why);
		mb_warn("%s:%llu: not a JSON object, passed on as _raw: %s",
		    D.curname, (unsigned long long)ln->lineno, why);
		mb_buf_reset(&D.tmp);
		mb_buf_addc(&D.tmp, '{');
		mb_buf_raw_fields(&D.tmp, ln->p, ln->len, why);
		mb_buf_add(&D.tmp, "}\n", 2);
		mb_out_buf(&D.tmp);
		D.nout++;
		return;
	}
	if (!D.checked) {
		check_fields(r);
		D.checked = 1;
	}
	mb_patch_reset(D.patch);
	if (do_joins(r)) {
		D.nunmatched++;
		if (D.ufd >= 0) {
			uwrite(ln->p, ln->len);
			uwrite("\n", 1);
		}
		return;
	}
	do_dateparts(r);
	do_sets(r);
	if (D.nwheres > 0 && !do_where(r)) {
		D.nfiltered++;
		uwrite(ln->p, ln->len);
		uwrite("\n", 1);
		return;
	}
	do_mask(r);
	if (D.flatten)
		do_flatten(r);
	do_project(r);
	D.nout++;
	mb_patch_write(D.patch, r, ln->p, ln->len, mb_out);
}

/* ---- setup ------------------------------------------------------------------------ */

static int
is_name(const char *p, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < ' ' || p[i] == '"' || p[i] == '\\')
			return 0;
	return 1;
}

static void
add_set(const char *arg)
{
	const char *eq = strchr(arg, '='), *p = arg, *q;
	setx *s;

	while (isspace((unsigned char)*p))
		p++;
	q = eq;
	while (q != NULL && q > p && isspace((unsigned char)q[-1]))
		q--;
	if (eq == NULL || eq[1] == '=' || !is_name(p, (size_t)(q - p)))
		bad_usage("--set \"%s\": expected NAME = EXPR", arg);
	D.sets = mb_xrealloc(D.sets, ((size_t)D.nsets + 1) * sizeof(setx));
	s = &D.sets[D.nsets++];
	mb_name_init(&s->name, p, (size_t)(q - p));
	for (p = eq + 1; isspace((unsigned char)*p); p++)
		;
	s->src = mb_xstrdup(p);
	s->e = mb_expr_parse(s->src);
	if (s->e == NULL)
		mb_die(MB_EXIT_USAGE, "--set \"%s\": %s", arg, mb_errmsg());
	mb_expr_set_lookup(s->e, mb_patch_lookup, D.patch);
}

static void
add_where(const char *arg, int64_t now)
{
	setx *w;

	D.wheres = mb_xrealloc(D.wheres, ((size_t)D.nwheres + 1) *
	    sizeof(setx));
	w = &D.wheres[D.nwheres++];
	memset(w, 0, sizeof(*w));
	w->src = mb_xstrdup(arg);
	if ((w->e = mb_expr_parse(w->src)) == NULL)
		mb_die(MB_EXIT_USAGE, "--where \"%s\": %s", arg, mb_errmsg());
	mb_expr_set_lookup(w->e, mb_patch_lookup, D.patch);
	mb_expr_set_now(w->e, now);
}

static void
add_dateparts(const char *arg)
{
	const char *colon = strchr(arg, ':');
	dpart *d;
	size_t fl = colon ? (size_t)(colon - arg) : strlen(arg);
	const char *pre = colon ? colon + 1 : arg;
	size_t pl = colon ? strlen(pre) : fl;
	int k;

	if (fl == 0 || pl == 0)
		bad_usage("--date-parts \"%s\": expected FIELD[:PREFIX]", arg);
	D.dps = mb_xrealloc(D.dps, ((size_t)D.ndps + 1) * sizeof(dpart));
	d = &D.dps[D.ndps++];
	memset(d, 0, sizeof(*d));
	d->field = mb_xstrndup(arg, fl);
	d->flen = fl;
	d->hint = -1;
	for (k = 0; k < MB_DP_N; k++) {
		mb_buf b = { 0 };
		mb_buf_add(&b, pre, pl);
		mb_buf_adds(&b, part_suffix[k]);
		mb_name_init(&d->names[k], b.p, b.len);
		mb_buf_free(&b);
	}
}

/* Does expression e name a field that a join, the date parts or one of
 * the first nsets --set make? */
static int
sees_derived(const mb_expr *e, int nsets)
{
	int k, m, seen = 0;
	const char *f;
	size_t n, at;

	f = mb_expr_fields(e, &n);
	for (at = 0; at < n && !seen; at += strlen(f + at) + 1) {
		size_t fl = strlen(f + at);
#define IS(m) ((m).n == fl && memcmp((m).s, f + at, fl) == 0)
		for (k = 0; k < D.njoins; k++)
			for (m = 0; m < D.joins[k].nfields; m++)
				seen |= IS(D.joins[k].outnames[m]);
		for (k = 0; k < D.ndps; k++)
			for (m = 0; m < MB_DP_N; m++)
				seen |= IS(D.dps[k].names[m]);
		for (k = 0; k < nsets; k++)
			seen |= IS(D.sets[k].name);
#undef IS
	}
	return seen;
}

/* A --set or --where sees the values earlier steps made through the
 * patch; one that names none of them reads the record directly. */
static void
lookups(void)
{
	int i;

	for (i = 0; i < D.nsets; i++)
		if (!sees_derived(D.sets[i].e, i))
			mb_expr_set_lookup(D.sets[i].e, NULL, NULL);
	for (i = 0; i < D.nwheres; i++)
		if (!sees_derived(D.wheres[i].e, D.nsets))
			mb_expr_set_lookup(D.wheres[i].e, NULL, NULL);
}

static void
load_key(void)
{
	mb_buf k = { 0 };

	if (mb_secret_read(D.keyfile, "MB_MASK_KEY", &k) < 0 &&
	    D.keyfile != NULL)
		mb_die(MB_EXIT_USAGE, "--mask-key-file %s", mb_errmsg());
	if (k.len == 0)
		mb_die(MB_EXIT_USAGE, "--mask needs a key: set MB_MASK_KEY or "
		    "give --mask-key-file");
	mb_hmac_init(&D.hmac, k.p, k.len);
	memset(k.p, 0, k.cap);
	mb_buf_free(&k);
}

static void
cleanup(void)
{
	int i, k;

	for (i = 0; i < D.njoins; i++) {
		join *j = &D.joins[i];
		free(j->key);
		free(j->dimkey);
		free(j->fieldspec);
		name_list_free(j->outnames, j->nfields);
		mb_dim_free(j->dim);
	}
	free(D.joins);
	for (i = 0; i < D.nsets; i++) {
		mb_name_free(&D.sets[i].name);
		free(D.sets[i].src);
		mb_expr_free(D.sets[i].e);
	}
	free(D.sets);
	for (i = 0; i < D.nwheres; i++) {
		free(D.wheres[i].src);
		mb_expr_free(D.wheres[i].e);
	}
	free(D.wheres);
	for (i = 0; i < D.ndps; i++) {
		free(D.dps[i].field);
		for (k = 0; k < MB_DP_N; k++)
			mb_name_free(&D.dps[i].names[k]);
		mb_dparts_free(&D.dps[i].parts);
	}
	free(D.dps);
	free_list(D.mask, D.nmask);
	free_list(D.redact, D.nredact);
	free_list(D.keep, D.nkeep);
	free_list(D.drop, D.ndrop);
	free_list(D.ren_from, D.nren);
	free_list(D.ren_to, D.nren);
	name_list_free(D.maskn, D.nmask);
	name_list_free(D.redactn, D.nredact);
	name_list_free(D.dropn, D.ndrop);
	name_list_free(D.ren_fromn, D.nren);
	name_list_free(D.ren_ton, D.nren);
	mb_patch_free(D.patch);
	memset(&D.hmac, 0, sizeof(D.hmac));
	mb_buf_free(&D.tmp);
	mb_flat_free(&flat);
}

int
main(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "date-parts", required_argument, NULL, 'd' },
		{ "drop", required_argument, NULL, 'D' },
		{ "fields", required_argument, NULL, 'f' },
		{ "flatten", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ "inner", no_argument, NULL, 'i' },
		{ "join", required_argument, NULL, 'j' },
		{ "join-first", no_argument, NULL, '1' },
		{ "keep", required_argument, NULL, 'k' },
		{ "mask", required_argument, NULL, 'm' },
		{ "mask-key-file", required_argument, NULL, 'K' },
		{ "now", required_argument, NULL, 'T' },
		{ "on", required_argument, NULL, 'o' },
		{ "prefix", required_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'Q' },
		{ "redact", required_argument, NULL, 'R' },
		{ "rename", required_argument, NULL, 'n' },
		{ "set", required_argument, NULL, 's' },
		{ "strict", no_argument, NULL, 'S' },
		{ "unmatched", required_argument, NULL, 'u' },
		{ "version", no_argument, NULL, 'V' },
		{ "where", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	const char **sets = mb_xcalloc((size_t)argc, sizeof(char *));
	const char **wheres = mb_xcalloc((size_t)argc, sizeof(char *));
	int nsets = 0, nwheres = 0, c, i, status = MB_EXIT_OK;
	int64_t now = mb_time_now_ms();
	join *j = NULL;
	mb_rec *r;
	mb_line ln;

	mb_prog_init(argv[0]);
	D.ufd = -1;
	D.patch = mb_patch_new();
	while ((c = getopt_long(argc, argv, "d:j:s:w:", lo, NULL)) != -1) {
		if ((c == 'f' || c == 'i' || c == '1' || c == 'o' || c == 'p') &&
		    j == NULL)
			bad_usage("%s", "--on, --fields, --prefix, --inner and "
			    "--join-first follow a --join");
		switch (c) {
		case '1':
			j->first = 1;
			break;
		case 'D':
			add_list(&D.drop, &D.ndrop, "--drop", optarg);
			break;
		case 'F':
			D.flatten = 1;
			break;
		case 'K':
			D.keyfile = optarg;
			break;
		case 'Q':
			mb_set_quiet(1);
			break;
		case 'R':
			add_list(&D.redact, &D.nredact, "--redact", optarg);
			break;
		case 'S':
			D.strict = 1;
			break;
		case 'T':
			if (mb_time_parse(optarg, strlen(optarg), &now) < 0)
				bad_usage("--now \"%s\": not a time", optarg);
			break;
		case 'V':
			printf("mb-enrich %s\n", MB_VERSION);
			free(sets);
			free(wheres);
			return mb_finish(MB_EXIT_OK);
		case 'd':
			add_dateparts(optarg);
			break;
		case 'f':
			free(j->fieldspec);
			j->fieldspec = mb_xstrdup(optarg);
			break;
		case 'h':
			help();
			break;
		case 'i':
			j->inner = 1;
			break;
		case 'j':
			D.joins = mb_xrealloc(D.joins, ((size_t)D.njoins + 1) *
			    sizeof(join));
			j = &D.joins[D.njoins++];
			memset(j, 0, sizeof(*j));
			j->path = optarg;
			j->hint = -1;
			break;
		case 'k':
			add_list(&D.keep, &D.nkeep, "--keep", optarg);
			break;
		case 'm':
			add_list(&D.mask, &D.nmask, "--mask", optarg);
			break;
		case 'n': {
			char **pairs = NULL;
			int np = 0, k;
			add_list(&pairs, &np, "--rename", optarg);
			for (k = 0; k < np; k++) {
				char *eq = strchr(pairs[k], '=');
				if (eq == NULL || eq == pairs[k] || eq[1] == '\0')
					bad_usage("--rename \"%s\": expected A=B",
					    pairs[k]);
				D.ren_from = mb_xrealloc(D.ren_from,
				    ((size_t)D.nren + 1) * sizeof(char *));
				D.ren_to = mb_xrealloc(D.ren_to,
				    ((size_t)D.nren + 1) * sizeof(char *));
				D.ren_from[D.nren] = mb_xstrndup(pairs[k],
				    (size_t)(eq - pairs[k]));
				D.ren_to[D.nren++] = mb_xstrdup(eq + 1);
			}
			free_list(pairs, np);
			break;
		}
		case 'o': {
			const char *eq = strchr(optarg, '=');
			if (optarg[0] == '\0' || eq == optarg ||
			    (eq != NULL && eq[1] == '\0'))
				bad_usage("--on \"%s\": expected KEY[=DIMKEY]",
				    optarg);
			free(j->key);
			free(j->dimkey);
			j->key = eq ? mb_xstrndup(optarg, (size_t)(eq - optarg)) :
			    mb_xstrdup(optarg);
			j->dimkey = mb_xstrdup(eq ? eq + 1 : optarg);
			break;
		}
		case 'p':
			j->prefix = optarg;
			break;
		case 's':
			sets[nsets++] = optarg;
			break;
		case 'u':
			D.unmatched = optarg;
			break;
		case 'w':
			wheres[nwheres++] = optarg;
			break;
		default:
			usage(stderr);
			free(sets);
			free(wheres);
			return MB_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	for (i = 0; i < D.njoins; i++) {
		if (D.joins[i].key == NULL)
			bad_usage("--join %s: no --on KEY", D.joins[i].path);
		/* no record is lost: what --inner turns away goes somewhere */
		if (D.joins[i].inner && D.unmatched == NULL)
			bad_usage("--join %s --inner: unmatched records need "
			    "--unmatched FILE", D.joins[i].path);
	}
	for (i = 0; i < nsets; i++) {
		add_set(sets[i]);
		mb_expr_set_now(D.sets[i].e, now);
	}
	free(sets);
	/* what --where turns away goes somewhere too, if only /dev/null */
	if (nwheres > 0 && D.unmatched == NULL)
		bad_usage("--where \"%s\": the records it turns away need "
		    "--unmatched FILE (/dev/null drops them)", wheres[0]);
	for (i = 0; i < nwheres; i++)
		add_where(wheres[i], now);
	free(wheres);
	D.maskn = name_list(D.mask, D.nmask);
	D.redactn = name_list(D.redact, D.nredact);
	D.dropn = name_list(D.drop, D.ndrop);
	D.ren_fromn = name_list(D.ren_from, D.nren);
	D.ren_ton = name_list(D.ren_to, D.nren);
	if (D.nmask > 0)
		load_key();
	for (i = 0; i < D.njoins; i++)
		load_dim(&D.joins[i]);
	plan();
	lookups();
	if (D.unmatched != NULL) {
		D.ufd = open(D.unmatched, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (D.ufd < 0)
			mb_die(MB_EXIT_FAIL, "%s: %s", D.unmatched, strerror(errno));
	}

	r = mb_rec_new();
	for (i = 0; i == 0 || i < argc; i++) {
		const char *path = argc ? argv[i] : "-";
		mb_in *in = mb_in_open(path, 0);
		int rc;

		if (in == NULL)
			mb_die(MB_EXIT_FAIL, "%s", mb_errmsg());
		D.curname = path;
		while ((rc = mb_in_line(in, &ln)) > 0) {
			if (mb_line_blank(&ln))
				continue;
			process(r, &ln);
		}
		if (rc < 0)
			mb_die(MB_EXIT_FAIL, "%s", mb_errmsg());
		mb_in_close(in);
	}
	mb_rec_free(r);
	if (D.nerrors > 0)
		mb_warn("%llu expression errors gave null",
		    (unsigned long long)D.nerrors);
	if (D.nflat > 0)
		mb_warn("%llu records were too big to flatten and were passed on "
		    "nested", (unsigned long long)D.nflat);
	if (D.nbad > 0)
		mb_warn("%llu lines were not JSON objects and were passed on as _raw",
		    (unsigned long long)D.nbad);
	if (D.ufd >= 0 && close(D.ufd) != 0)
		mb_die(MB_EXIT_FAIL, "%s: %s", D.unmatched, strerror(errno));
	cleanup();
	return mb_finish(status);
}
