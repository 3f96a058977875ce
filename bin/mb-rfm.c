/*
 * mb-rfm: reads order lines as NDJSON and, when the input ends, prints one
 * record per customer (sorted by customer id) with its recency in days,
 * its frequency (distinct orders, or lines), its exact monetary value,
 * R, F and M scores from 1 to 5 cut as pandas' qcut of the ranks does,
 * and a segment name; or, with --summary, one record per segment.
 *
 * --partial prints the per-customer state instead, and --merge reads such
 * states (of any number of shards, in any order) and goes on as if it had
 * read all their lines: the output is byte for byte the same.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "mb.h"
#include "expr.h"
#include "rfm.h"

static struct {
	mb_rfm_conf conf;
	const char *wsrc;	/* --where */
	int64_t as_of;
	const char *as_of_s;
	int bins;
	const char *segfile;
	int summary, partial, merge;
	mb_expr *where;
	mb_rfm *s;
	mb_rfm_segs *segs;
	const char *curname;
	uint64_t curline;
	int hc, ht, ha, ho;	/* mb_rec_findh hints */
	size_t lc, lt, la, lo;	/* field name lengths */
	mb_buf cbuf, tbuf, obuf, out, scratch;
	mb_buf lastt;		/* the last time text and its value */
	int64_t lastms;
	int havet;
	/* here, not on main's stack, so that a leak check at an early exit
	 * still sees them */
	mb_rec *r;
	mb_in *in;
} R;

static void
usage(FILE *f)
{
	fprintf(f, "usage: mb-rfm --customer F --time F --amount F [--order F] "
	    "[--where EXPR]\n"
	    "              [--as-of TIME] [--bins N] [--segments FILE] "
	    "[--summary]\n"
	    "              [--partial | --merge] [--quiet] [file ...]\n");
}

static void
help(void)
{
	usage(stdout);
	printf("\n"
	    "  -c, --customer F     the customer id field\n"
	    "  -t, --time F         the order time field\n"
	    "  -a, --amount F       the amount field (exact decimal sums)\n"
	    "  -o, --order F        frequency counts distinct values of F "
	    "(default: lines)\n"
	    "  -w, --where EXPR     only lines that make EXPR true (mb-expr(7))\n"
	    "      --as-of TIME     recency up to TIME (default: the latest time)\n"
	    "  -b, --bins N         scores 1..N, 2 to 9 (default 5)\n"
	    "      --segments FILE  segment map, NDJSON {\"name\", \"pattern\"}\n"
	    "  -s, --summary        one record per segment instead\n"
	    "      --partial        print the per-customer state, for --merge\n"
	    "      --merge          read states of --partial runs\n"
	    "  -q, --quiet          no warnings\n"
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

static _Noreturn void
die_at(const char *fmt, const char *what)
{
	mb_die(MB_EXIT_FAIL, "%s:%llu: %s%s", R.curname,
	    (unsigned long long)R.curline, fmt, what);
}

/* The text of a string or number value: a string's contents unescaped
 * (in place when it has no escapes), a number's JSON text.  0, or -1 for
 * another type. */
static int
value_text(const mb_rec *r, int v, mb_buf *scratch, const char **p, size_t *n)
{
	mb_span s = mb_rec_raw(r, v);

	switch (mb_rec_type(r, v)) {
	case MB_T_STR:
		if (memchr(s.p, '\\', s.len) == NULL) {
			*p = s.p + 1;
			*n = s.len - 2;
			return 0;
		}
		mb_buf_reset(scratch);
		mb_rec_str(r, v, scratch);
		*p = scratch->p;
		*n = scratch->len;
		return 0;
	case MB_T_NUM:
		*p = s.p;
		*n = s.len;
		return 0;
	default:
		return -1;
	}
}

static const char *
type_name(mb_type t)
{
	switch (t) {
	case MB_T_NONE:	return "missing";
	case MB_T_NULL:	return "null";
	case MB_T_BOOL:	return "a boolean, not a string or number";
	case MB_T_OBJ:	return "an object, not a string or number";
	case MB_T_ARR:	return "an array, not a string or number";
	default:	return "not a string or number";
	}
}

static void
field_err(const char *field, const char *what)
{
	char msg[600];

	snprintf(msg, sizeof(msg), "field \"%s\": ", field);
	die_at(msg, what);
}

static void
add_line(mb_rec *r, const mb_line *ln)
{
	const char *c, *t, *o = NULL;
	size_t cn, tn, on = 0;
	int vc, vt, va, vo;
	int64_t ms;
	mb_dec amt;

	if (ln->toolong)
		die_at("line longer than the limit", "");
	if (mb_rec_parse(r, ln->p, ln->len) < 0)
		die_at("not a JSON object: ", mb_errmsg());
	if (R.where != NULL) {
		mb_val v;
		if (mb_expr_eval(R.where, r, &v) < 0)
			die_at("--where: ", mb_errmsg());
		if (!mb_val_true(&v))
			return;
	}
	vc = mb_rec_findh(r, R.conf.customer, R.lc, &R.hc);
	if (mb_rec_type(r, vc) == MB_T_NONE || mb_rec_type(r, vc) == MB_T_NULL) {
		mb_rfm_add_null(R.s, 1);
		return;
	}
	if (value_text(r, vc, &R.cbuf, &c, &cn) < 0)
		field_err(R.conf.customer, type_name(mb_rec_type(r, vc)));
	if (cn == 0) {
		mb_rfm_add_null(R.s, 1);
		return;
	}
	vt = mb_rec_findh(r, R.conf.time, R.lt, &R.ht);
	if (value_text(r, vt, &R.tbuf, &t, &tn) < 0)
		field_err(R.conf.time, type_name(mb_rec_type(r, vt)));
	/* lines of one order share their time: parse it once */
	if (!R.havet || R.lastt.len != tn || memcmp(R.lastt.p, t, tn) != 0) {
		if (mb_time_parse(t, tn, &ms) < 0) {
			char m[100];
			snprintf(m, sizeof(m), "not a time: %.*s",
			    (int)(tn > 64 ? 64 : tn), t);
			field_err(R.conf.time, m);
		}
		mb_buf_reset(&R.lastt);
		mb_buf_add(&R.lastt, t, tn);
		R.lastms = ms;
		R.havet = 1;
	}
	ms = R.lastms;
	va = mb_rec_findh(r, R.conf.amount, R.la, &R.ha);
	if (mb_rec_dec(r, va, &amt) < 0)
		field_err(R.conf.amount, mb_errmsg());
	if (R.conf.order != NULL) {
		vo = mb_rec_findh(r, R.conf.order, R.lo, &R.ho);
		if (value_text(r, vo, &R.obuf, &o, &on) < 0)
			field_err(R.conf.order, type_name(mb_rec_type(r, vo)));
	}
	if (mb_rfm_add(R.s, c, cn, ms, amt, o, on) < 0)
		die_at("", mb_errmsg());
}

static void
merge_line(mb_rec *r, const mb_line *ln)
{
	if (ln->toolong)
		mb_die(MB_EXIT_USAGE, "%s:%llu: a partial state line longer than "
		    "the line limit", R.curname, (unsigned long long)R.curline);
	if (mb_rec_parse(r, ln->p, ln->len) < 0 || mb_rfm_state_read(R.s, r) < 0)
		mb_die(MB_EXIT_USAGE, "%s:%llu: %s", R.curname,
		    (unsigned long long)R.curline, mb_errmsg());
}

/* ---- output --------------------------------------------------------- */

static void
add_key(mb_buf *b, const char *k, int first)
{
	if (!first)
		mb_buf_addc(b, ',');
	mb_buf_json_str(b, k, strlen(k));
	mb_buf_addc(b, ':');
}

static void
put_row(const mb_rfm_row *w)
{
	mb_buf *b = &R.out;
	int seg = mb_rfm_segs_find(R.segs, w->r, w->f, w->m);
	const char *name = mb_rfm_segs_name(R.segs, seg);

	mb_buf_reset(b);
	mb_buf_addc(b, '{');
	add_key(b, R.conf.customer, 1);
	mb_buf_json_str(b, w->cust, w->cn);
	mb_buf_printf(b, ",\"recency_days\":%lld,\"frequency\":%llu,"
	    "\"monetary_value\":", (long long)w->recency_days,
	    (unsigned long long)w->frequency);
	mb_buf_dec(b, w->monetary);
	mb_buf_printf(b, ",\"r_score\":%d,\"f_score\":%d,\"m_score\":%d,"
	    "\"rfm_score\":\"%d%d%d\",\"segment\":", w->r, w->f, w->m,
	    w->r, w->f, w->m);
	mb_buf_json_str(b, name, strlen(name));
	mb_buf_adds(b, "}\n");
	mb_out_buf(b);
}

typedef struct segsum {
	uint64_t n;
	int64_t recency;
	uint64_t frequency;
	mb_dec monetary;
} segsum;

/* a / b rounded to `scale` digits, appended; null when b is zero. */
static void
put_ratio(mb_buf *b, mb_dec a, mb_dec d, int scale)
{
	mb_dec q;

	if (d.v == 0) {
		mb_buf_adds(b, "null");
		return;
	}
	if (mb_dec_div(a, d, scale, &q) < 0)
		mb_die(MB_EXIT_FAIL, "--summary: %s", mb_errmsg());
	mb_buf_dec(b, q);
}

static mb_dec
dec_int(int64_t v)
{
	return (mb_dec){ v, 0 };
}

static mb_dec
dec_pct(mb_dec a)
{
	mb_dec r;

	if (mb_dec_mul(a, dec_int(100), &r) < 0)
		mb_die(MB_EXIT_FAIL, "--summary: %s", mb_errmsg());
	return r;
}

static void
put_summary(const mb_rfm_row *rows, size_t n)
{
	int ns = mb_rfm_segs_count(R.segs), i;
	segsum *ss = mb_xcalloc((size_t)ns, sizeof(segsum));
	mb_dec total = { 0, 0 };
	mb_buf *b = &R.out;
	size_t k;

	for (k = 0; k < n; k++) {
		const mb_rfm_row *w = &rows[k];
		segsum *s = &ss[mb_rfm_segs_find(R.segs, w->r, w->f, w->m)];
		s->n++;
		s->recency += w->recency_days;
		s->frequency += w->frequency;
		if (mb_dec_add(s->monetary, w->monetary, &s->monetary) < 0 ||
		    mb_dec_add(total, w->monetary, &total) < 0)
			mb_die(MB_EXIT_FAIL, "--summary: %s", mb_errmsg());
	}
	for (i = 0; i < ns; i++) {
		const segsum *s = &ss[i];
		const char *name = mb_rfm_segs_name(R.segs, i);
		mb_dec cnt = dec_int((int64_t)s->n);

		if (s->n == 0)
			continue;
		mb_buf_reset(b);
		mb_buf_adds(b, "{\"segment\":");
		mb_buf_json_str(b, name, strlen(name));
		mb_buf_printf(b, ",\"customers\":%llu,\"customer_share_pct\":",
		    (unsigned long long)s->n);
		put_ratio(b, dec_pct(cnt), dec_int((int64_t)n), 2);
		mb_buf_adds(b, ",\"revenue_share_pct\":");
		put_ratio(b, dec_pct(s->monetary), total, 2);
		mb_buf_adds(b, ",\"avg_recency_days\":");
		put_ratio(b, dec_int(s->recency), cnt, 1);
		mb_buf_adds(b, ",\"avg_frequency\":");
		put_ratio(b, dec_int((int64_t)s->frequency), cnt, 1);
		mb_buf_adds(b, ",\"avg_monetary_value\":");
		put_ratio(b, s->monetary, cnt, 2);
		mb_buf_adds(b, "}\n");
		mb_out_buf(b);
	}
	free(ss);
}

static void
finish(void)
{
	mb_rfm_row *rows;
	size_t n, i;
	int64_t latest;
	uint64_t nulls;

	nulls = mb_rfm_nulls(R.s);
	if (R.partial) {
		mb_buf_reset(&R.out);
		mb_rfm_state_write(R.s, &R.out);
		if (R.out.len > 0)
			mb_out_buf(&R.out);
		return;
	}
	if (nulls > 0)
		mb_warn("%llu line%s without a customer id left out",
		    (unsigned long long)nulls, nulls == 1 ? "" : "s");
	if (mb_rfm_count(R.s) == 0)
		return;
	latest = mb_rfm_max_time(R.s);
	if (R.as_of_s == NULL)
		R.as_of = latest;
	else if (R.as_of < latest) {
		mb_buf_reset(&R.scratch);
		mb_time_fmt(&R.scratch, latest);
		mb_die(MB_EXIT_USAGE, "--as-of %s: before the latest time in the "
		    "input, %s", R.as_of_s, mb_buf_cstr(&R.scratch));
	}
	if (mb_rfm_score(R.s, R.as_of, R.bins, &rows, &n) < 0)
		mb_die(MB_EXIT_FAIL, "%s", mb_errmsg());
	if (R.summary)
		put_summary(rows, n);
	else
		for (i = 0; i < n; i++)
			put_row(&rows[i]);
}

static void
load_segments(void)
{
	mb_buf text = { 0 };
	long line;

	if (R.segfile == NULL) {
		R.segs = mb_rfm_segs_default();
		if (mb_rfm_segs_check(R.segs, R.bins) < 0)
			mb_die(MB_EXIT_USAGE, "--bins %d: the default segment map "
			    "is for 5 bins: %s; give --segments", R.bins, mb_errmsg());
		return;
	}
	if (mb_file_read(R.segfile, &text) < 0)
		mb_die(MB_EXIT_USAGE, "%s: %s", R.segfile, strerror(errno));
	R.segs = mb_rfm_segs_parse(text.p, text.len, R.bins, &line);
	mb_buf_free(&text);
	if (R.segs == NULL) {
		if (line > 0)
			mb_die(MB_EXIT_USAGE, "%s:%ld: %s", R.segfile, line,
			    mb_errmsg());
		mb_die(MB_EXIT_USAGE, "%s: %s", R.segfile, mb_errmsg());
	}
}

int
main(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "amount", required_argument, NULL, 'a' },
		{ "as-of", required_argument, NULL, 'A' },
		{ "bins", required_argument, NULL, 'b' },
		{ "customer", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "merge", no_argument, NULL, 'M' },
		{ "order", required_argument, NULL, 'o' },
		{ "partial", no_argument, NULL, 'P' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "segments", required_argument, NULL, 'S' },
		{ "summary", no_argument, NULL, 's' },
		{ "time", required_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ "where", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	int c, i;
	mb_line ln;

	mb_prog_init(argv[0]);
	R.bins = 5;
	while ((c = getopt_long(argc, argv, "a:b:c:o:qst:w:", lo, NULL)) != -1) {
		switch (c) {
		case 'A':
			R.as_of_s = optarg;
			if (mb_time_parse(optarg, strlen(optarg), &R.as_of) < 0)
				bad_usage("--as-of \"%s\": not a time", optarg);
			break;
		case 'M':
			R.merge = 1;
			break;
		case 'P':
			R.partial = 1;
			break;
		case 'S':
			R.segfile = optarg;
			break;
		case 'V':
			printf("mb-rfm %s\n", MB_VERSION);
			return mb_finish(MB_EXIT_OK);
		case 'a':
			R.conf.amount = optarg;
			break;
		case 'b':
			R.bins = (int)mb_opt_int("--bins", optarg, 2, MB_RFM_MAXBINS);
			break;
		case 'c':
			R.conf.customer = optarg;
			break;
		case 'h':
			help();
			break;
		case 'o':
			R.conf.order = optarg;
			break;
		case 'q':
			mb_set_quiet(1);
			break;
		case 's':
			R.summary = 1;
			break;
		case 't':
			R.conf.time = optarg;
			break;
		case 'w':
			R.wsrc = optarg;
			break;
		default:
			usage(stderr);
			return MB_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (R.partial && (R.as_of_s || R.segfile || R.summary || R.bins != 5))
		bad_usage("%s", "--partial prints state, not scores: give --as-of, "
		    "--bins, --segments and --summary to --merge");
	if (R.conf.customer == NULL || R.conf.time == NULL || R.conf.amount == NULL)
		bad_usage("%s", "--customer, --time and --amount are required");
	if (!*R.conf.customer || !*R.conf.time || !*R.conf.amount ||
	    (R.conf.order && !*R.conf.order))
		bad_usage("%s", "empty field name");
	/* a merge reads states, not lines: --where belonged to --partial */
	if (R.wsrc != NULL && !R.merge &&
	    (R.where = mb_expr_parse(R.wsrc)) == NULL)
		mb_die(MB_EXIT_USAGE, "--where: %s", mb_errmsg());
	if (!R.partial)
		load_segments();
	R.lc = strlen(R.conf.customer);
	R.lt = strlen(R.conf.time);
	R.la = strlen(R.conf.amount);
	R.lo = R.conf.order ? strlen(R.conf.order) : 0;
	R.s = mb_rfm_new(&R.conf);
	R.hc = R.ht = R.ha = R.ho = -1;

	R.r = mb_rec_new();
	for (i = 0; i == 0 || i < argc; i++) {
		const char *path = argc ? argv[i] : "-";
		int rc;

		if ((R.in = mb_in_open(path, 0)) == NULL)
			mb_die(MB_EXIT_FAIL, "%s", mb_errmsg());
		R.curname = path;
		while ((rc = mb_in_line(R.in, &ln)) > 0) {
			if (mb_line_blank(&ln))
				continue;
			R.curline = ln.lineno;
			if (R.merge)
				merge_line(R.r, &ln);
			else
				add_line(R.r, &ln);
		}
		if (rc < 0)
			mb_die(MB_EXIT_FAIL, "%s", mb_errmsg());
		mb_in_close(R.in);
		R.in = NULL;
	}
	mb_rec_free(R.r);
	R.r = NULL;
	finish();
	mb_rfm_free(R.s);
	mb_rfm_segs_free(R.segs);
	mb_expr_free(R.where);
	mb_buf_free(&R.cbuf);
	mb_buf_free(&R.tbuf);
	mb_buf_free(&R.obuf);
	mb_buf_free(&R.out);
	mb_buf_free(&R.scratch);
	mb_buf_free(&R.lastt);
	return mb_finish(MB_EXIT_OK);
}
