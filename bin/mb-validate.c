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
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mb.h"
#include "dq.h"
#include "expr.h"
#include "lake.h"
#include "rules.h"
#include "schema.h"

#define PARTMAX 256		/* bytes of a bad line the report keeps */

#define A_QUARANTINE MB_DQ_QUARANTINE
#define A_WARN MB_DQ_WARN
#define A_DROP MB_DQ_DROP
#define A_FAIL MB_DQ_FAIL

static struct {
	const char *schemapath;
	mb_schema *schema;
	int *pexp;		/* the expectation of each schema slot */
	int rootexp, parseexp;
	mb_dq *dq;		/* the expectations and their report */
	mb_rules *rules;	/* --check, --unique, --not-future */
	int64_t now;
	int nowset;		/* --now: else --not-future follows the clock */
	const char *qpath, *rpath;
	int qfd;		/* --quarantine FILE */
	mb_lake *qlake;		/* --quarantine DIR: a dataset */
	mb_lake_writer *qw;
	double maxinvalid;
	int hasmaxinvalid, sflags;	/* MB_SCHEMA_COERCE, _RESCUE */
	int allowmissing;
	mb_buf pending;		/* rule fields for the first record to show */
	/* counts */
	uint64_t nin, passed, quarantined, dropped, warned, coerced, rescued;
	uint64_t nrules;	/* records that reached the rules */
	int complete;
	/* per record */
	mb_schema_res sres;	/* the schema's failures and changes */
	const char *curname;
	uint64_t curline;
} V;

/* ---- small helpers ----------------------------------------------------------- */

static void
usage(FILE *f)
{
	fprintf(f, "usage: mb-validate [--schema FILE] [--check 'NAME: EXPR'] "
	    "[--unique F[,F...]]\n"
	    "                   [--not-future F] [--now TIME] [--warn RULE] "
	    "[--drop RULE]\n"
	    "                   [--fail RULE] [--quarantine FILE|DIR] "
	    "[--report FILE]\n"
	    "                   [--max-invalid FRACTION] [--coerce] [--rescue] "
	    "[--allow-missing]\n"
	    "                   [--quiet] [file ...]\n");
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
	    "  -q, --quarantine FILE   append failing records with _errors to FILE;\n"
	    "                          a folder is a dataset, committed at the end\n"
	    "  -r, --report FILE       write a quality report (JSON) at the end\n"
	    "      --max-invalid FRACTION  status 3 when more than this share is quarantined\n"
	    "      --coerce            strings holding the number or boolean the schema\n"
	    "                          asks for become that type\n"
	    "      --rescue            fields the schema forbids move into _rescued\n"
	    "      --allow-missing     a rule may name a field that is neither in the\n"
	    "                          schema nor in the first record\n"
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

/* ---- the schema ----------------------------------------------------------------- */

static void
load_schema(const char *path)
{
	mb_buf text = { 0 };

	V.schemapath = path;
	if (mb_file_read(path, &text) < 0)
		mb_die(MB_EXIT_USAGE, "%s", mb_errmsg());
	if ((V.schema = mb_schema_compile(text.p, text.len)) == NULL)
		mb_die(MB_EXIT_USAGE, "%s: %s", path, mb_errmsg());
	mb_buf_free(&text);
}

/* ---- expectations -------------------------------------------------------------- */

static int
add_expect(const char *rule, const char *field, const char *type,
    const char *kwargs)
{
	return mb_dq_add(V.dq, rule, field, type, kwargs, 0);
}

static void
set_action(const char *rule, int action)
{
	int i;

	if (mb_dq_find(V.dq, rule) < 0)
		bad_usage("no rule named \"%s\" (rules: parse, schema, unique, "
		    "not_future and the --check names in use)", rule);
	for (i = 0; i < mb_dq_count(V.dq); i++)
		if (strcmp(mb_dq_rule(V.dq, i), rule) == 0)
			mb_dq_set_action(V.dq, i, action);
}

/* The schema's failures, each under the expectation of its field. */
static void
run_schema(const mb_rec *r)
{
	const mb_schema_fail *f;
	int i;

	if (mb_schema_check(V.schema, r, V.sflags, &V.sres) == 0)
		return;
	for (i = 0; i < V.sres.nfails; i++) {
		f = &V.sres.fails[i];
		mb_rules_fail(V.rules, f->slot < 0 ? V.rootexp :
		    V.pexp[f->slot], f->field.p, f->field.len, f->value.p,
		    f->value.len, f->msg.p, f->msg.len);
	}
	if (V.sres.more > 0)
		mb_rules_failf(V.rules, V.rootexp, NULL, 0, NULL, 0, "%llu more "
		    "schema failures not listed",
		    (unsigned long long)V.sres.more);
}


/* ---- the report ------------------------------------------------------------------ */

/* Writes the report (when asked for) with the counts so far; only
 * async-signal-safe calls, so that the SIGTERM handler can use it. */
static int
write_report(void)
{
	static const char *const names[] = { "records_in", "passed",
		"quarantined", "dropped", "warned", "coerced", "rescued" };
	uint64_t vals[7];
	mb_dq_stats st;

	if (V.rpath == NULL)
		return 0;
	vals[0] = V.nin;
	vals[1] = V.passed;
	vals[2] = V.quarantined;
	vals[3] = V.dropped;
	vals[4] = V.warned;
	vals[5] = V.coerced;
	vals[6] = V.rescued;
	st.all = V.nin;
	st.checked = V.nrules;
	st.names = names;
	st.vals = vals;
	st.n = 7;
	st.complete = V.complete;
	return mb_dq_write(V.dq, &st);
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

/* A signal that asks a run with a quarantine dataset to stop: it ends
 * between records, so that the quarantine is committed (onstop). */
static volatile sig_atomic_t stopsig;

static void
onstop(int sig)
{
	stopsig = sig;
}

static void
qonerr(void *ctx, const char *msg)
{
	(void)ctx;
	mb_err("%s: %s", V.qpath, msg);
}

/* --quarantine DIR: a dataset, unpartitioned, or partitioned as it is
 * already. */
static void
qopen_dataset(void)
{
	mb_lake_wopts o = { .level = 3, .max_file_bytes = (uint64_t)256 << 20,
	    .tool = "mb-validate " MB_VERSION };
	static mb_buf cols;
	static const char **colv;
	mb_lake_commit c;
	int64_t latest;
	size_t n;

	if ((V.qlake = mb_lake_open(V.qpath, 1)) == NULL)
		mb_die(MB_EXIT_FAIL, "%s: %s", V.qpath, mb_errmsg());
	V.qlake->onerr = qonerr;
	if ((latest = mb_lake_latest(V.qlake, NULL)) == -2)
		mb_die(MB_EXIT_FAIL, "%s: %s", V.qpath, mb_errmsg());
	if (latest >= 0 && mb_lake_commit_read(V.qlake, latest, &c) == 0) {
		if (c.pcols != NULL && mb_lake_pcols_split(c.pcols, &cols) > 0)
			for (n = 0; n < cols.len; n += strlen(cols.p + n) + 1) {
				colv = mb_xrealloc(colv, ((size_t)o.npcols + 1) *
				    sizeof(*colv));
				colv[o.npcols++] = cols.p + n;
			}
		mb_lake_commit_free(&c);
	}
	o.pcols = colv;
	if ((V.qw = mb_lake_writer_new(V.qlake, &o)) == NULL)
		mb_die(MB_EXIT_FAIL, "%s: %s", V.qpath, mb_errmsg());
}

/* Commits the records quarantined so far to the quarantine dataset. */
static void
qcommit(void)
{
	char msg[600];

	if (V.qw == NULL || mb_lake_writer_pending(V.qw) == 0)
		return;
	if (mb_lake_writer_commit(V.qw, MB_LAKE_APPEND, "WRITE", NULL, 0,
	    0) >= 0)
		return;
	snprintf(msg, sizeof(msg), "%s", mb_errmsg());
	mb_lake_writer_abort(V.qw);
	mb_die(MB_EXIT_FAIL, "%s: nothing quarantined was committed: %s",
	    V.qpath, msg);
}

static void
qwrite(const mb_buf *b)
{
	size_t off = 0;
	ssize_t w;

	if (V.qw != NULL) {
		if (mb_lake_writer_put(V.qw, b->p, b->len - 1) < 0)
			mb_die(MB_EXIT_FAIL, "%s: %s", V.qpath, mb_errmsg());
		return;
	}
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

static _Noreturn void
die_fail(void)
{
	int i, exp = -1;
	mb_span field, msg;

	for (i = 0; i < mb_rules_nfails(V.rules); i++) {
		exp = mb_rules_failure(V.rules, i, &field, &msg);
		if (mb_dq_action(V.dq, exp) == A_FAIL)
			break;
	}
	V.complete = 0;
	qcommit();
	report_or_die();
	if (field.p != NULL)
		mb_die(MB_EXIT_QUALITY, "%s:%llu: rule \"%s\" failed: field "
		    "\"%.*s\": %.*s", V.curname, (unsigned long long)V.curline,
		    mb_dq_rule(V.dq, exp), (int)field.len, field.p,
		    (int)msg.len, msg.p);
	mb_die(MB_EXIT_QUALITY, "%s:%llu: rule \"%s\" failed: %.*s", V.curname,
	    (unsigned long long)V.curline, mb_dq_rule(V.dq, exp), (int)msg.len,
	    msg.p);
}

/* A line that is not a JSON object: quarantined as mb-ingest would. */
static void
bad_line(const mb_line *ln, const char *msg)
{
	static mb_buf q;
	int a;

	/* the report keeps the text, as a string */
	mb_buf_reset(&q);
	mb_buf_json_str(&q, ln->p, ln->len > PARTMAX ? PARTMAX : ln->len);
	mb_rules_failf(V.rules, V.parseexp, NULL, 0, q.p, q.len, "%s", msg);
	a = mb_rules_fate(V.rules);
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
	mb_rules_errors_json(V.rules, &q);
	mb_buf_adds(&q, ",\"_source\":");
	mb_buf_json_str(&q, V.curname, strlen(V.curname));
	mb_buf_adds(&q, ",\"_offset\":");
	mb_buf_addu(&q, ln->lineno);
	mb_buf_adds(&q, "}\n");
	qwrite(&q);
	if (a == A_FAIL)
		die_fail();
}

/*
 * A record that passes goes out as it came, or with the schema's changes
 * made: a coerced field with its new value, in its place; rescued fields
 * moved into "_rescued" at the end, after what an earlier "_rescued"
 * object held.  Written here field by field, so that it stays linear in
 * the fields however many change.
 */
static void
pass_changed(const mb_rec *r)
{
	static mb_buf o, resc;
	static int *chg, capchg;
	const mb_schema_change *c;
	mb_span k, v;
	int i, n = mb_rec_nfields(r), nresc = 0, rescuing = 0;

	if (capchg < n) {
		capchg = n;
		chg = mb_xrealloc(chg, (size_t)n * sizeof(int));
	}
	for (i = 0; i < n; i++)
		chg[i] = -1;
	for (i = 0; i < V.sres.nchanges; i++) {
		chg[V.sres.changes[i].field] = i;
		rescuing |= V.sres.changes[i].value.p == NULL;
	}
	mb_buf_reset(&o);
	mb_buf_reset(&resc);
	mb_buf_addc(&o, '{');
	for (i = 0; i < n; i++) {
		k = mb_rec_key(r, i);
		v = mb_rec_raw(r, mb_rec_field(r, i));
		c = chg[i] >= 0 ? &V.sres.changes[chg[i]] : NULL;
		if (c == NULL && rescuing && k.len == 8 &&
		    memcmp(k.p, "_rescued", 8) == 0) {
			/* an earlier _rescued: what it holds goes into the
			 * new one */
			size_t a = 1, b = v.len - 1;
			if (v.p[0] != '{') {
				a = 0;
				b = v.len;
				mb_buf_add(&resc, ",", nresc++ > 0);
				mb_buf_adds(&resc, "\"_rescued\":");
			} else {
				while (a < b && isspace((unsigned char)v.p[a]))
					a++;
				while (b > a && isspace((unsigned char)v.p[b - 1]))
					b--;
				if (a < b)
					mb_buf_add(&resc, ",", nresc++ > 0);
			}
			mb_buf_add(&resc, v.p + a, b - a);
			continue;
		}
		if (c != NULL && c->value.p == NULL) {		/* --rescue */
			mb_buf_add(&resc, ",", nresc++ > 0);
			mb_buf_addc(&resc, '"');
			mb_buf_add(&resc, k.p, k.len);
			mb_buf_adds(&resc, "\":");
			mb_buf_add(&resc, v.p, v.len);
			continue;
		}
		if (o.len > 1)
			mb_buf_addc(&o, ',');
		if (c != NULL) {				/* --coerce */
			mb_buf_add(&o, k.p - 1, k.len + 2);
			mb_buf_addc(&o, ':');
			mb_buf_add(&o, c->value.p, c->value.len);
			V.coerced++;
		} else
			mb_buf_add(&o, k.p - 1, (size_t)(v.p + v.len - (k.p - 1)));
	}
	if (nresc > 0) {
		mb_buf_adds(&o, o.len > 1 ? ",\"_rescued\":{" : "\"_rescued\":{");
		mb_buf_add(&o, resc.p, resc.len);
		mb_buf_addc(&o, '}');
		V.rescued++;
	}
	mb_buf_add(&o, "}\n", 2);
	mb_out_buf(&o);
}

static inline void
pass(const mb_rec *r, const mb_line *ln)
{
	V.passed++;
	if (V.sres.nchanges > 0) {
		pass_changed(r);
		return;
	}
	mb_out(ln->p, ln->len);
	mb_out("\n", 1);
}

/* The _raw field of a record mb-ingest could not parse, or -1. */
static int
find_raw(const mb_rec *r)
{
	static int hint = -1;

	return mb_rec_findh(r, "_raw", 4, &hint);
}

static void check_first(const mb_rec *r);

static void
process(mb_rec *r, const mb_line *ln)
{
	static mb_buf q;
	int a, rv;

	V.nin++;
	V.curline = ln->lineno;
	mb_rules_begin(V.rules, V.nin);
	V.sres.nchanges = 0;
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
	if ((rv = find_raw(r)) >= 0) {
		/* mb-ingest could not parse it: it is already a quarantine
		 * record, and goes there as it is */
		mb_span sp = mb_rec_raw(r, rv);
		mb_rules_failf(V.rules, V.parseexp, NULL, 0, sp.p, sp.len,
		    "not parsed by mb-ingest");
		a = mb_rules_fate(V.rules);
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
	if (V.pending.len > 0)
		check_first(r);
	V.nrules++;	/* the element_count of every rule but parse */
	mb_rules_prefetch(V.rules, r);
	if (V.schema != NULL)
		run_schema(r);
	mb_rules_run(V.rules, r);
	if (mb_rules_nfails(V.rules) == 0) {
		pass(r, ln);
		return;
	}
	a = mb_rules_fate(V.rules);
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
	if (V.qfd >= 0 || V.qw != NULL) {
		mb_buf_reset(&q);
		mb_rules_errors_json(V.rules, &q);
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

/*
 * A rule's field must exist, or the rule passes in silence (a missing
 * field is null, and a null check passes): it is a property of the
 * schema, or it is in the first record, or --allow-missing says it may be
 * absent.  With additionalProperties false, a field the schema does not
 * declare (beyond the toolkit's _ fields) is a typo at once; the others
 * wait for the first record (check_first).
 */
static void
known_field(const char *opt, const char *arg, const char *f, size_t n)
{
	const char *dot = memchr(f, '.', n);
	size_t top = dot != NULL ? (size_t)(dot - f) : n;

	if (V.schema != NULL && mb_schema_find(V.schema, f, top) >= 0)
		return;
	if (V.schema != NULL && mb_schema_closed(V.schema) &&
	    !(n > 0 && f[0] == '_'))
		mb_die(MB_EXIT_USAGE, "%s \"%s\": unknown field \"%.*s\" (not "
		    "in %s)", opt, arg, (int)top, f, V.schemapath);
	if (V.allowmissing)
		return;
	/* opt, arg and the field, NUL-ended, for check_first() */
	mb_buf_adds(&V.pending, opt);
	mb_buf_addc(&V.pending, '\0');
	mb_buf_adds(&V.pending, arg);
	mb_buf_addc(&V.pending, '\0');
	mb_buf_add(&V.pending, f, n);
	mb_buf_addc(&V.pending, '\0');
}

/* The first record shows which fields exist. */
static void
check_first(const mb_rec *r)
{
	const char *opt, *arg, *f, *dot;
	size_t at = 0, n;

	while (at < V.pending.len) {
		opt = V.pending.p + at;
		arg = opt + strlen(opt) + 1;
		f = arg + strlen(arg) + 1;
		at = (size_t)(f - V.pending.p) + strlen(f) + 1;
		n = strlen(f);
		dot = memchr(f, '.', n);
		/* a missing member of an object that is there is null */
		if (mb_rec_findn(r, f, n) >= 0 || (dot != NULL &&
		    mb_rec_findn(r, f, (size_t)(dot - f)) >= 0))
			continue;
		mb_die(MB_EXIT_USAGE, "%s \"%s\": unknown field \"%s\" (not in "
		    "%s%sthe first record; --allow-missing allows it)", opt, arg,
		    f, V.schema ? V.schemapath : "", V.schema ? " or " : "");
	}
	mb_buf_free(&V.pending);
}

static void
add_check(const char *arg)
{
	const char *colon = strchr(arg, ':');
	const char *p = arg, *q;
	char *name, *src;
	mb_expr *e;
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
	name = mb_xstrndup(p, (size_t)(q - p));
	for (q = colon + 1; isspace((unsigned char)*q); q++)
		;
	src = mb_xstrdup(q);
	for (n = strlen(src); n > 0 && isspace((unsigned char)src[n - 1]);)
		src[--n] = '\0';
	if (strcmp(name, "parse") == 0 || strcmp(name, "schema") == 0 ||
	    strcmp(name, "unique") == 0 || strcmp(name, "not_future") == 0)
		bad_usage("--check: \"%s\" is a built-in rule's name", name);
	if (mb_dq_find(V.dq, name) >= 0)
		bad_usage("--check: two checks named \"%s\"", name);
	e = mb_expr_parse(src);
	if (e == NULL)
		mb_die(MB_EXIT_USAGE, "--check \"%s\": %s", arg, mb_errmsg());
	mb_expr_set_now(e, V.now);
	f = mb_expr_fields(e, &n);
	for (k = 0; k < n; k += strlen(f + k) + 1)
		known_field("--check", arg, f + k, strlen(f + k));
	mb_buf_adds(&kw, "\"expression\": ");
	mb_buf_json_str(&kw, src, strlen(src));
	mb_rules_add_check(V.rules, e, src, add_expect(name, NULL,
	    "expect_records_to_satisfy_expression", mb_buf_cstr(&kw)));
	free(name);
	free(src);
	mb_buf_free(&kw);
}

static void
add_unique(const char *arg)
{
	const char *p = arg, *comma;
	char **fields = NULL;
	size_t *flen = NULL;
	mb_buf kw = { 0 };
	int i, nf = 0, exp;

	for (;;) {
		comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (n == 0)
			bad_usage("--unique \"%s\": empty field name", arg);
		fields = mb_xrealloc(fields, ((size_t)nf + 1) * sizeof(char *));
		flen = mb_xrealloc(flen, ((size_t)nf + 1) * sizeof(size_t));
		flen[nf] = n;
		fields[nf++] = mb_xstrndup(p, n);
		known_field("--unique", arg, p, n);
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	if (nf == 1)
		exp = add_expect("unique", arg, "expect_column_values_to_be_unique",
		    NULL);
	else {
		mb_buf_adds(&kw, "\"column_list\": [");
		for (i = 0; i < nf; i++) {
			if (i)
				mb_buf_adds(&kw, ", ");
			mb_buf_json_str(&kw, fields[i], strlen(fields[i]));
		}
		mb_buf_addc(&kw, ']');
		exp = add_expect("unique", arg,
		    "expect_compound_columns_to_be_unique", mb_buf_cstr(&kw));
	}
	mb_rules_add_unique(V.rules, fields, flen, nf, exp);
	for (i = 0; i < nf; i++)
		free(fields[i]);
	free(fields);
	free(flen);
	mb_buf_free(&kw);
}

static void
add_notfuture(const char *arg)
{
	mb_buf kw = { 0 };

	known_field("--not-future", arg, arg, strlen(arg));
	mb_buf_adds(&kw, "\"column\": ");
	mb_buf_json_str(&kw, arg, strlen(arg));
	mb_buf_adds(&kw, ", \"now\": \"");
	mb_time_fmt(&kw, V.now);
	mb_buf_addc(&kw, '"');
	mb_rules_add_notfuture(V.rules, arg, add_expect("not_future", arg,
	    "expect_column_values_to_not_be_in_the_future", mb_buf_cstr(&kw)));
	mb_buf_free(&kw);
}

static void
schema_expects(void)
{
	int i, np = mb_schema_nprops(V.schema);
	int nreq = mb_schema_nrequired(V.schema);
	const char *name;

	V.rootexp = add_expect("schema", NULL, "expect_records_to_match_schema",
	    NULL);
	V.pexp = mb_xcalloc((size_t)(np + nreq) + 1, sizeof(int));
	for (i = 0; i < np; i++)
		V.pexp[i] = add_expect("schema", mb_schema_prop(V.schema, i),
		    "expect_column_values_to_match_schema", NULL);
	/* required but not declared: an expectation of their own */
	for (i = 0; i < nreq; i++) {
		name = mb_schema_required(V.schema, i);
		V.pexp[np + i] = V.rootexp;
		if (mb_schema_find(V.schema, name, strlen(name)) < 0)
			V.pexp[np + i] = add_expect("schema", name,
			    "expect_column_values_to_match_schema", NULL);
	}
}

static void
cleanup(void)
{
	mb_rules_free(V.rules);
	mb_dq_free(V.dq);
	mb_schema_free(V.schema);
	mb_schema_res_free(&V.sres);
	mb_buf_free(&V.pending);
	free(V.pexp);
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
	for (i = 0; i < mb_dq_count(V.dq); i++) {
		if (mb_dq_action(V.dq, i) != A_QUARANTINE)
			continue;
		for (j = 0; j < i; j++)
			if (mb_dq_action(V.dq, j) == A_QUARANTINE &&
			    strcmp(mb_dq_rule(V.dq, j), mb_dq_rule(V.dq, i)) == 0)
				break;
		if (j < i)
			continue;
		if (rules.len)
			mb_buf_adds(&rules, ", ");
		mb_buf_adds(&rules, mb_dq_rule(V.dq, i));
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
		{ "allow-missing", no_argument, NULL, 'A' },
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

	mb_prog_init(argv[0]);
	V.now = mb_time_now_ms();
	V.dq = mb_dq_new("mb-validate");
	V.qfd = -1;
	V.complete = 1;
	while ((c = getopt_long(argc, argv, "c:q:r:s:u:", lo, NULL)) != -1) {
		switch (c) {
		case 'A':
			V.allowmissing = 1;
			break;
		case 'C':
			V.sflags |= MB_SCHEMA_COERCE;
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
			V.sflags |= MB_SCHEMA_RESCUE;
			break;
		case 'T':
			if (mb_time_parse(optarg, strlen(optarg), &V.now) < 0)
				bad_usage("--now \"%s\": not a time", optarg);
			V.nowset = 1;
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

	V.rules = mb_rules_new(V.dq, V.now, V.nowset);
	V.parseexp = mb_dq_add(V.dq, "parse", NULL,
	    "expect_records_to_be_parseable", NULL, 1);
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
		struct stat st;
		size_t ql = strlen(V.qpath);
		if ((stat(V.qpath, &st) == 0 && S_ISDIR(st.st_mode)) ||
		    (ql > 0 && V.qpath[ql - 1] == '/'))
			qopen_dataset();
		else if ((V.qfd = open(V.qpath, O_WRONLY | O_CREAT | O_APPEND,
		    0644)) < 0)
			mb_die(MB_EXIT_FAIL, "%s: %s", V.qpath, strerror(errno));
	}
	if (V.rpath != NULL) {
		struct sigaction sa;
		mb_dq_prepare(V.dq, V.rpath);
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = onterm;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = SA_RESTART;
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
	}
	if (V.qw != NULL) {
		/* the quarantine must be committed: a signal ends the run
		 * between records (a second one at once) */
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = onstop;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = SA_RESETHAND;
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
	}

	r = mb_rec_new();
	for (i = 0; i == 0 || i < argc; i++) {
		const char *path = argc ? argv[i] : "-";
		mb_in *in = mb_in_open(path, 0);
		int rc = 0;

		if (in == NULL)
			mb_die(MB_EXIT_FAIL, "%s", mb_errmsg());
		V.curname = strcmp(path, "-") == 0 ? "-" : path;
		if (V.qw != NULL)
			mb_in_set_timeout(in, 500);
		while (!stopsig && (rc = mb_in_line(in, &ln)) != 0) {
			if (rc == 2)
				continue;	/* idle, or a signal */
			if (rc < 0)
				break;
			if (mb_line_blank(&ln))
				continue;	/* a blank line is not a record */
			process(r, &ln);
		}
		if (rc < 0) {
			char msg[600];
			snprintf(msg, sizeof(msg), "%s", mb_errmsg());
			V.complete = 0;
			qcommit();
			report_or_die();
			mb_die(MB_EXIT_FAIL, "%s", msg);
		}
		mb_in_close(in);
		if (stopsig)
			break;
	}
	mb_rec_free(r);

	/*
	 * The quarantine dataset is committed before stdout is closed, so
	 * that it comes first when a mb-write downstream commits what passed
	 * at the end of its input (mb-validate(1) says what a crash between
	 * the two leaves).
	 */
	if (stopsig) {
		V.complete = 0;
		qcommit();
		report_or_die();
		mb_out_flush();
		raise(stopsig);		/* SA_RESETHAND: the default action */
	}
	qcommit();
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
	mb_lake_writer_free(V.qw);
	mb_lake_close(V.qlake);
	cleanup();
	return mb_finish(status);
}
