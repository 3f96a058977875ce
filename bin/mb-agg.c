/*
 * mb-agg: groups NDJSON records by key fields and prints one record of
 * aggregates per group: at the end of input, as event-time windows close
 * behind a watermark, or as groups change (--emit update).  With
 * --partial it prints mergeable state instead, and --merge combines such
 * states from any number of runs into what one run over all their input
 * would have printed.  The engine is lib/agg.c; this file is options,
 * the loop over input lines, and the end.
 *
 * No record is lost: a record that cannot be counted (late behind the
 * watermark, without a usable event time, or not JSON) goes to --late
 * with its reason, and without --late it stops the run.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mb.h"
#include "agg.h"

static struct {
	mb_agg_opts o;
	mb_agg_spec *aggs;
	const char **by;
	const char *late;
	int64_t every_ms;
	uint64_t minsplit;	/* smallest file cut in pieces for threads */
} G;

static void
usage(FILE *f)
{
	fprintf(f, "usage: mb-agg [--by KEYS] [--count [NAME]] [--sum [NAME=]F] "
	    "[--avg [NAME=]F]\n"
	    "              [--min|--max|--first|--last [NAME=]F] [--distinct "
	    "[NAME=]F]\n"
	    "              [--approx-distinct [NAME=]F] [--quantile [NAME=]F:Q,...]\n"
	    "              [--rate 'NAME = EXPR'] [--sum-if 'NAME = EXPR : F'] "
	    "[--where EXPR]\n"
	    "              [--sort 'F [desc],...'] [--top N [--per F]] [--rank NAME]\n"
	    "              [--round N] [--pct] [--strict]\n"
	    "              [--time F [--window SIZE[,HOP]] [--watermark D] "
	    "[--late FILE]]\n"
	    "              [--emit final|append|update] [--every N|DURATION]\n"
	    "              [--partial] [--merge] [--memory SIZE] [--threads N]\n"
	    "              [--now TIME] [--quiet] [file ...]\n");
}

static void
help(void)
{
	usage(stdout);
	printf("\n"
	    "  -b, --by KEYS             group by fields (F,G) or 'NAME = EXPR'\n"
	    "  -c, --count [NAME]        records in the group (default name: count)\n"
	    "  -s, --sum [NAME=]F        exact decimal sum (default name: F_sum)\n"
	    "      --sum-if 'NAME = EXPR : F'  sum of F over records where EXPR\n"
	    "      --avg [NAME=]F        average, at least 6 decimals\n"
	    "      --min, --max [NAME=]F smallest, largest (numbers, strings, times)\n"
	    "      --first, --last [NAME=]F  by input order, or by --time\n"
	    "      --distinct [NAME=]F   exact count of distinct values\n"
	    "      --approx-distinct [NAME=]F  HyperLogLog, 0.81%% standard error\n"
	    "      --quantile [NAME=]F:Q,...  nearest-rank quantiles (0.5, 0.95)\n"
	    "      --rate 'NAME = EXPR'  share of records where EXPR is true\n"
	    "      F may be an expression: --sum 'NAME = quantity * unit_price'\n"
	    "  -w, --where EXPR          only records where EXPR is true\n"
	    "      --sort 'F [desc],...' order of the output (default: first seen)\n"
	    "      --top N               the first N after sorting\n"
	    "      --per F               --top N within each value of F\n"
	    "      --rank NAME           add the position (1, 2, ...) as NAME\n"
	    "      --round N             decimals of sums, averages, rates\n"
	    "      --pct                 rates as percentages with 2 decimals\n"
	    "      --strict              a value that is not a number is an error\n"
	    "  -t, --time F              event time of a record\n"
	    "      --window SIZE[,HOP]   tumbling (1h) or hopping (1h,15m) windows\n"
	    "      --watermark D         print a window when the time seen passes\n"
	    "                            its end by D; older records are late\n"
	    "      --late FILE           append records set aside, with _errors\n"
	    "      --max-future D        with --watermark, later event times are\n"
	    "                            set aside (default 1d past now)\n"
	    "      --emit MODE           final (at the end), append (as windows\n"
	    "                            close), update (groups that changed)\n"
	    "      --every N|DURATION    --emit update every N records or DURATION\n"
	    "      --partial             print mergeable state, not results\n"
	    "      --merge               read partial state, print results\n"
	    "      --memory SIZE         state held before spilling to disk (1G)\n"
	    "      --threads N           cut a large file in N pieces (default:\n"
	    "                            the cores, for files of 16M or more)\n"
	    "      --now TIME            the time now, for --max-future\n"
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

static void
add_agg(int kind, const char *arg)
{
	G.aggs = mb_xrealloc(G.aggs, ((size_t)G.o.naggs + 1) * sizeof(mb_agg_spec));
	G.aggs[G.o.naggs].kind = kind;
	G.aggs[G.o.naggs++].arg = arg;
}

/* --count takes an optional NAME: --count=NAME, or a plain name after it. */
static void
add_count(int argc, char *argv[])
{
	const char *s;

	if (optarg != NULL) {
		add_agg(MB_AGG_COUNT, optarg);
		return;
	}
	if (optind < argc && (s = argv[optind]) != NULL &&
	    (s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')) &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
	    strlen(s)) {
		add_agg(MB_AGG_COUNT, s);
		optind++;
		return;
	}
	add_agg(MB_AGG_COUNT, NULL);
}

static void
out(void *ctx, const char *p, size_t n)
{
	mb_out(p, n);
}

/*
 * A worker runs one engine over one stretch of the input: all of it, or
 * with --threads one of the pieces a large file is cut into at line
 * starts.  A worker other than the first counts its lines from its own
 * start, keeps the records it sets aside in a temporary file, and stops
 * at an error instead of ending the program; the first worker is the
 * main thread and works as a run without threads does.
 */
typedef struct worker {
	mb_agg *a;
	mb_rec *r;
	const char *path;
	uint64_t start, end;	/* byte range of lines to read */
	uint64_t lines;		/* the last line number read */
	uint64_t pos0;		/* input bytes in the files before this one */
	int main;		/* errors end the program */
	int latefd;
	uint64_t nlate, nraw;
	int status;		/* with a message in err, when not main */
	char err[600];
	mb_buf lbuf;
	pthread_t th;
} worker;

static int
fail(worker *w, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->err, sizeof(w->err), fmt, ap);
	va_end(ap);
	if (w->main)
		mb_die(status, "%s", w->err);
	w->status = status;
	return -1;
}

/* A record set aside: to --late with its reason, or the end of the run. */
static int
late(worker *w, mb_rec *r, const mb_line *ln, const char *rule,
    const char *field, const char *msg)
{
	mb_buf *b = &w->lbuf;

	if (w->latefd < 0)
		return fail(w, MB_EXIT_FAIL, "%s:%llu: %s (records set aside need "
		    "--late FILE)", w->path, (unsigned long long)ln->lineno, msg);
	w->nlate++;
	mb_buf_reset(b);
	if (r == NULL) {
		w->nraw++;
		mb_buf_addc(b, '{');
		mb_buf_raw_fields(b, ln->p, ln->len, msg);
		mb_buf_adds(b, ",\"_source\":");
		mb_buf_json_str(b, w->path, strlen(w->path));
		mb_buf_adds(b, ",\"_offset\":");
		mb_buf_addu(b, ln->lineno);
		mb_buf_adds(b, "}\n");
	} else {
		mb_buf e = { 0 };
		mb_buf_adds(&e, "[{\"rule\":");
		mb_buf_json_str(&e, rule, strlen(rule));
		mb_buf_adds(&e, ",\"field\":");
		mb_buf_json_str(&e, field, strlen(field));
		mb_buf_adds(&e, ",\"message\":");
		mb_buf_json_str(&e, msg, strlen(msg));
		mb_buf_adds(&e, "}]");
		mb_rec_set(r, "_errors", e.p, e.len);
		mb_rec_write(r, b);
		mb_buf_free(&e);
	}
	if (mb_write_all(w->latefd, b->p, b->len) < 0)
		return fail(w, MB_EXIT_FAIL, "%s: %s", w->main ? G.late :
		    "a temporary file", strerror(errno));
	return 0;
}

static int
line(worker *w, const mb_line *ln)
{
	const char *rule, *field, *msg;
	uint64_t pos = w->pos0 + ln->offset;
	size_t k;
	int rc;

	w->lines = ln->lineno;
	for (k = 0; k < ln->len && (ln->p[k] == ' ' || ln->p[k] == '\t'); k++)
		;
	if (k == ln->len && !ln->toolong)
		return 0;
	if (G.o.merge) {
		if (ln->toolong)
			return fail(w, MB_EXIT_USAGE, "%s:%llu: a partial state line "
			    "longer than the line limit", w->path,
			    (unsigned long long)ln->lineno);
		if (mb_agg_state(w->a, ln->p, ln->len, pos) < 0)
			return fail(w, MB_EXIT_USAGE, "%s:%llu: %s", w->path,
			    (unsigned long long)ln->lineno, mb_errmsg());
		return 0;
	}
	if (ln->toolong)
		return late(w, NULL, ln, "parse", "", "line longer than the line limit");
	if (mb_rec_parse(w->r, ln->p, ln->len) < 0) {
		char m[600];
		snprintf(m, sizeof(m), "not a JSON object: %s", mb_errmsg());
		return late(w, NULL, ln, "parse", "", m);
	}
	rc = mb_agg_record(w->a, w->r, w->path, ln->lineno, pos);
	if (rc < 0)
		return fail(w, MB_EXIT_FAIL, "%s", mb_errmsg());
	if (rc == MB_AGG_LATE) {
		mb_agg_late(w->a, &rule, &field, &msg);
		return late(w, w->r, ln, rule, field, msg);
	}
	return 0;
}

/* How long the next read may wait: until the next --every tick, or not
 * at all while groups wait to be printed on idle input. */
static int
wait_ms(mb_agg *a, int64_t deadline)
{
	int64_t d;

	if (G.every_ms > 0) {
		d = deadline - mb_time_now_ms();
		return d < 0 ? 0 : d > 60000 ? 60000 : (int)d;
	}
	return mb_agg_pending(a) ? 0 : -1;
}

/* Reads the worker's stretch of its file; -1 when it stopped on an error. */
static int
run(worker *w, uint64_t lineno0)
{
	mb_in *in = mb_in_open_at(w->path, 0, w->start, lineno0);
	int update = G.o.emit == MB_AGG_EMIT_UPDATE && G.o.every == 0;
	int64_t deadline = mb_time_now_ms() + G.every_ms;
	mb_line ln;
	int rc;

	if (in == NULL)
		return fail(w, MB_EXIT_FAIL, "%s", mb_errmsg());
	if (G.o.merge)
		mb_in_set_wait_newline(in, 1);
	for (;;) {
		if (update)
			mb_in_set_timeout(in, wait_ms(w->a, deadline));
		if ((rc = mb_in_line(in, &ln)) == 0)
			break;
		if (rc < 0) {
			mb_in_close(in);
			return fail(w, MB_EXIT_FAIL, "%s", mb_errmsg());
		}
		if (rc == 1) {
			if (ln.offset >= w->end)
				break;
			if (line(w, &ln) < 0) {
				mb_in_close(in);
				return -1;
			}
		}
		if (!update)
			continue;
		if (G.every_ms > 0 ? mb_time_now_ms() >= deadline : rc == 2) {
			if (mb_agg_tick(w->a) < 0)
				mb_die(MB_EXIT_FAIL, "%s", mb_errmsg());
			mb_out_flush();
			if (G.every_ms > 0)
				deadline = mb_time_now_ms() + G.every_ms;
		}
	}
	if (G.o.merge && !mb_in_is_zstd(in) && mb_in_consumed(in) < mb_in_rawpos(in))
		fail(w, MB_EXIT_USAGE, "%s:%llu: the partial state stream ends in "
		    "the middle of a line (truncated?)", w->path,
		    (unsigned long long)mb_in_lineno(in) + 1);
	w->pos0 += mb_in_consumed(in);
	mb_in_close(in);
	return 0;
}

static void *
run_thread(void *arg)
{
	worker *w = arg;

	run(w, 0);
	return NULL;
}

static mb_agg *
engine(size_t share)
{
	mb_agg_opts o = G.o;
	mb_agg *a;

	o.memory = (o.memory ? o.memory : (size_t)1 << 30) / share;
	if ((a = mb_agg_new(&o)) == NULL)
		mb_die(MB_EXIT_USAGE, "%s", mb_errmsg());
	return a;
}

/* The start of the first line at or after byte `at`. */
static uint64_t
line_start(int fd, uint64_t at, uint64_t size)
{
	char buf[65536];
	ssize_t k;
	char *nl;

	if (at == 0)
		return 0;
	for (at--; at < size; at += (uint64_t)k) {
		if ((k = pread(fd, buf, sizeof(buf), (off_t)at)) <= 0)
			return size;
		if ((nl = memchr(buf, '\n', (size_t)k)) != NULL)
			return at + (uint64_t)(nl - buf) + 1;
	}
	return size;
}

/*
 * With threads, a large plain file in final mode is cut in pieces at line
 * starts, one engine per piece; the pieces are absorbed in file order, as
 * --merge would, so the output is that of one engine.  A piece that
 * stopped on an error or set aside a line that is not JSON (whose record
 * names its line) is read again here, knowing its first line's number,
 * so that what it says is what one pass would say.
 */
static int
threaded(worker *w0, int nth)
{
	unsigned char magic[4];
	struct stat st;
	worker *ws, *w;
	uint64_t lines, start, size;
	int fd, i;

	if (nth < 2 || G.o.merge || G.o.emit == MB_AGG_EMIT_UPDATE ||
	    G.o.watermark != NULL || strcmp(w0->path, "-") == 0 ||
	    (fd = open(w0->path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size < G.minsplit || pread(fd, magic, 4, 0) != 4 ||
	    (magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f &&
	    magic[3] == 0xfd)) {
		close(fd);
		return 0;
	}
	size = (uint64_t)st.st_size;
	ws = mb_xcalloc((size_t)nth, sizeof(worker));
	for (i = 1; i < nth; i++) {
		w = &ws[i];
		w->path = w0->path;
		w->start = line_start(fd, size / (uint64_t)nth * (uint64_t)i, size);
		w->end = UINT64_MAX;
		(i == 1 ? w0 : &ws[i - 1])->end = w->start;
		w->a = engine((size_t)nth);
		w->r = mb_rec_new();
		w->latefd = -1;
		if (G.late != NULL) {
			FILE *t = tmpfile();
			if (t == NULL || (w->latefd = dup(fileno(t))) < 0)
				mb_die(MB_EXIT_FAIL, "a temporary file: %s",
				    strerror(errno));
			fclose(t);
		}
	}
	close(fd);
	for (i = 1; i < nth; i++)
		if (pthread_create(&ws[i].th, NULL, run_thread, &ws[i]) != 0)
			mb_die(MB_EXIT_FAIL, "a thread: %s", strerror(errno));
	run(w0, 0);
	lines = w0->lines;
	for (i = 1; i < nth; i++) {
		w = &ws[i];
		pthread_join(w->th, NULL);
		if (w->status != 0 || w->nraw > 0) {
			/* again, knowing its line numbers, straight to --late */
			start = w->start;
			mb_agg_free(w->a);
			close(w->latefd);
			w->a = engine((size_t)nth);
			w->main = 1;
			w->start = start;
			w->latefd = w0->latefd;
			w->nlate = 0;
			run(w, lines);
			lines = w->lines;
			if (mb_agg_absorb(w0->a, w->a, 0) < 0)
				mb_die(MB_EXIT_FAIL, "%s", mb_errmsg());
		} else {
			if (w->latefd >= 0) {
				char buf[65536];
				ssize_t n;
				off_t at = 0;
				while ((n = pread(w->latefd, buf, sizeof(buf), at)) > 0) {
					if (mb_write_all(w0->latefd, buf, (size_t)n) < 0)
						mb_die(MB_EXIT_FAIL, "%s: %s", G.late,
						    strerror(errno));
					at += n;
				}
				close(w->latefd);
			}
			if (mb_agg_absorb(w0->a, w->a, lines) < 0)
				mb_die(MB_EXIT_FAIL, "%s", mb_errmsg());
			lines += w->lines;
		}
		w0->nlate += w->nlate;
		mb_agg_free(w->a);
		mb_rec_free(w->r);
		mb_buf_free(&w->lbuf);
	}
	w0->pos0 = size;
	free(ws);
	return 1;
}

static void
set_emit(const char *s)
{
	if (strcmp(s, "final") == 0)
		G.o.emit = MB_AGG_EMIT_FINAL;
	else if (strcmp(s, "append") == 0)
		G.o.emit = MB_AGG_EMIT_APPEND;
	else if (strcmp(s, "update") == 0)
		G.o.emit = MB_AGG_EMIT_UPDATE;
	else
		bad_usage("--emit %s: expected final, append or update", s);
}

static void
set_every(const char *s)
{
	if (s[0] != '\0' && strspn(s, "0123456789") == strlen(s)) {
		G.o.every = mb_opt_int("--every", s, 1, INT64_MAX);
		return;
	}
	if (mb_duration_parse(s, &G.every_ms) < 0 || G.every_ms <= 0)
		bad_usage("--every %s: expected a number of records or a duration "
		    "such as 5s", s);
}

int
main(int argc, char *argv[])
{
	enum { O_AVG = 256, O_MIN, O_MAX, O_FIRST, O_LAST, O_DISTINCT, O_APPROX,
		O_QUANTILE, O_RATE, O_SUMIF, O_SORT, O_TOP, O_PER, O_RANK, O_ROUND,
		O_PCT, O_STRICT, O_WINDOW, O_WATERMARK, O_LATE, O_FUTURE, O_EMIT,
		O_EVERY, O_PARTIAL, O_MERGE, O_MEMORY, O_NOW, O_QUIET, O_HELP,
		O_VERSION, O_THREADS };
	static const struct option lo[] = {
		{ "approx-distinct", required_argument, NULL, O_APPROX },
		{ "avg", required_argument, NULL, O_AVG },
		{ "by", required_argument, NULL, 'b' },
		{ "count", optional_argument, NULL, 'c' },
		{ "distinct", required_argument, NULL, O_DISTINCT },
		{ "emit", required_argument, NULL, O_EMIT },
		{ "every", required_argument, NULL, O_EVERY },
		{ "first", required_argument, NULL, O_FIRST },
		{ "help", no_argument, NULL, O_HELP },
		{ "last", required_argument, NULL, O_LAST },
		{ "late", required_argument, NULL, O_LATE },
		{ "max", required_argument, NULL, O_MAX },
		{ "max-future", required_argument, NULL, O_FUTURE },
		{ "memory", required_argument, NULL, O_MEMORY },
		{ "merge", no_argument, NULL, O_MERGE },
		{ "min", required_argument, NULL, O_MIN },
		{ "now", required_argument, NULL, O_NOW },
		{ "partial", no_argument, NULL, O_PARTIAL },
		{ "pct", no_argument, NULL, O_PCT },
		{ "per", required_argument, NULL, O_PER },
		{ "quantile", required_argument, NULL, O_QUANTILE },
		{ "quiet", no_argument, NULL, O_QUIET },
		{ "rank", required_argument, NULL, O_RANK },
		{ "rate", required_argument, NULL, O_RATE },
		{ "round", required_argument, NULL, O_ROUND },
		{ "sort", required_argument, NULL, O_SORT },
		{ "strict", no_argument, NULL, O_STRICT },
		{ "sum", required_argument, NULL, 's' },
		{ "sum-if", required_argument, NULL, O_SUMIF },
		{ "time", required_argument, NULL, 't' },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "top", required_argument, NULL, O_TOP },
		{ "version", no_argument, NULL, O_VERSION },
		{ "watermark", required_argument, NULL, O_WATERMARK },
		{ "where", required_argument, NULL, 'w' },
		{ "window", required_argument, NULL, O_WINDOW },
		{ NULL, 0, NULL, 0 }
	};
	worker w = { 0 };
	mb_agg *a;
	int c, i, nth = 0;

	mb_prog_init(argv[0]);
	G.o.round = -1;
	G.o.now = mb_time_now_ms();
	G.by = mb_xcalloc((size_t)argc, sizeof(char *));
	while ((c = getopt_long(argc, argv, "b:c::s:t:w:", lo, NULL)) != -1) {
		switch (c) {
		case 'b':
			G.by[G.o.nby++] = optarg;
			break;
		case 'c':
			add_count(argc, argv);
			break;
		case 's':
			add_agg(MB_AGG_SUM, optarg);
			break;
		case 't':
			G.o.time = optarg;
			break;
		case 'w':
			G.o.where = optarg;
			break;
		case O_APPROX:
			add_agg(MB_AGG_APPROX, optarg);
			break;
		case O_AVG:
			add_agg(MB_AGG_AVG, optarg);
			break;
		case O_DISTINCT:
			add_agg(MB_AGG_DISTINCT, optarg);
			break;
		case O_EMIT:
			set_emit(optarg);
			break;
		case O_EVERY:
			set_every(optarg);
			break;
		case O_FIRST:
			add_agg(MB_AGG_FIRST, optarg);
			break;
		case O_FUTURE:
			G.o.max_future = optarg;
			break;
		case O_HELP:
			help();
			break;
		case O_LAST:
			add_agg(MB_AGG_LAST, optarg);
			break;
		case O_LATE:
			G.late = optarg;
			break;
		case O_MAX:
			add_agg(MB_AGG_MAX, optarg);
			break;
		case O_MEMORY:
			G.o.memory = mb_opt_size("--memory", optarg);
			break;
		case O_MERGE:
			G.o.merge = 1;
			break;
		case O_MIN:
			add_agg(MB_AGG_MIN, optarg);
			break;
		case O_NOW:
			if (mb_time_parse(optarg, strlen(optarg), &G.o.now) < 0)
				bad_usage("--now %s: not a time", optarg);
			break;
		case O_PARTIAL:
			G.o.partial = 1;
			break;
		case O_PCT:
			G.o.pct = 1;
			break;
		case O_PER:
			G.o.per = optarg;
			break;
		case O_QUANTILE:
			add_agg(MB_AGG_QUANTILE, optarg);
			break;
		case O_QUIET:
			mb_set_quiet(1);
			break;
		case O_RANK:
			G.o.rank = optarg;
			break;
		case O_RATE:
			add_agg(MB_AGG_RATE, optarg);
			break;
		case O_ROUND:
			G.o.round = (int)mb_opt_int("--round", optarg, 0, 30);
			break;
		case O_SORT:
			G.o.sort = optarg;
			break;
		case O_STRICT:
			G.o.strict = 1;
			break;
		case O_SUMIF:
			add_agg(MB_AGG_SUMIF, optarg);
			break;
		case O_THREADS:
			nth = (int)mb_opt_int("--threads", optarg, 1, 64);
			break;
		case O_TOP:
			G.o.top = mb_opt_int("--top", optarg, 1, INT64_MAX);
			break;
		case O_VERSION:
			printf("mb-agg %s\n", MB_VERSION);
			return mb_finish(MB_EXIT_OK);
		case O_WATERMARK:
			G.o.watermark = optarg;
			break;
		case O_WINDOW:
			G.o.window = optarg;
			break;
		default:
			usage(stderr);
			return MB_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	G.o.by = G.by;
	G.o.aggs = G.aggs;
	G.o.out = out;
	if (G.o.watermark != NULL && G.late == NULL && !G.o.merge)
		mb_die(MB_EXIT_USAGE, "--watermark %s: records behind the "
		    "watermark need --late FILE", G.o.watermark);
	if (nth == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		nth = n < 1 ? 1 : n > 8 ? 8 : (int)n;
		G.minsplit = (uint64_t)16 << 20;
	}
	w.main = 1;
	w.latefd = -1;
	w.end = UINT64_MAX;
	w.r = mb_rec_new();
	w.a = a = engine(1);
	if (G.late != NULL && (w.latefd = open(G.late, O_WRONLY | O_CREAT |
	    O_APPEND | O_CLOEXEC, 0644)) < 0)
		mb_die(MB_EXIT_FAIL, "%s: %s", G.late, strerror(errno));
	for (i = 0; i == 0 || i < argc; i++) {
		w.path = argc ? argv[i] : "-";
		w.start = 0;
		if (argc > 1 || !threaded(&w, nth))
			run(&w, 0);
	}
	if (mb_agg_finish(a) < 0)
		mb_die(MB_EXIT_FAIL, "%s", mb_errmsg());
	for (i = 0; mb_agg_warning(a, i) != NULL; i++)
		mb_warn("%s", mb_agg_warning(a, i));
	if (w.nlate > 0)
		mb_warn("%llu %s set aside in %s", (unsigned long long)w.nlate,
		    w.nlate == 1 ? "record" : "records", G.late);
	if (w.latefd >= 0 && close(w.latefd) != 0)
		mb_die(MB_EXIT_FAIL, "%s: %s", G.late, strerror(errno));
	mb_rec_free(w.r);
	mb_buf_free(&w.lbuf);
	mb_agg_free(a);
	free(G.aggs);
	free(G.by);
	return mb_finish(MB_EXIT_OK);
}
