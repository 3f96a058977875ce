/*
 * mb-cat: prints the records of a dataset as NDJSON: those of its newest
 * snapshot (or of an older one, --as-of), part file by part file in path
 * order, so partition by partition.  --where keeps the records that make
 * an expression true: the partitions whose values cannot make it true are
 * not opened, and when it reads other fields than partition columns, each
 * record of the other partitions is tested.
 * --follow then prints the records of every new commit as it is made,
 * and --checkpoint remembers the last version printed so that a restarted
 * reader goes on from there.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "expr.h"
#include "lake.h"

static const char *dir;
static mb_expr *where;
static int filter;		/* where reads more than partition columns */
static mb_buf pnames;		/* partition column names, NUL-separated */
static mb_rec *prec, *rec;	/* a file's partition values; a record */
static mb_buf pbuf;
static const char *cur;		/* the file being read, for messages */
static uint64_t curline, nerr;	/* its line; records --where failed on */
static char *firsterr;
static int verify, status = MB_EXIT_OK;
static const char *ckpt;
static mb_lake_reader *rd;

static void
usage(FILE *f, int status)
{
	fprintf(f,
	    "usage: mb-cat [-q] [-w expr] [-a version|time] [--files] "
	    "[--verify] DIR\n"
	    "       mb-cat [-q] [-w expr] [-f] [-c file] [--verify] DIR\n");
	if (f == stdout)
		fprintf(f,
		    "  -w, --where EXPR      only partitions whose values make "
		    "EXPR true\n"
		    "  -a, --as-of V         the snapshot of version V, or the "
		    "newest at time V\n"
		    "      --files           list the part files instead\n"
		    "      --verify          check every file's checksum "
		    "before reading it\n"
		    "  -f, --follow          then print new commits as they "
		    "come\n"
		    "  -c, --checkpoint FILE resume after the version FILE "
		    "names; update it\n"
		    "  -q, --quiet           no warnings\n"
		    "  -h, --help            this help\n"
		    "  -V, --version         the version\n");
	exit(status);
}

static void
onerr(void *ctx, const char *msg)
{
	(void)ctx;
	mb_out_flush();
	mb_err("%s: %s", dir, msg);
	status = MB_EXIT_FAIL;
}

/* The names of the partition columns ("name" of "name=field:date"). */
static void
set_pcols(const char *pcols)
{
	mb_buf specs = {0};
	size_t i, n;

	mb_buf_reset(&pnames);
	if (pcols == NULL || mb_lake_pcols_split(pcols, &specs) < 0)
		return;
	for (i = 0; i < specs.len; i += strlen(specs.p + i) + 1) {
		n = strcspn(specs.p + i, "=");
		mb_buf_add(&pnames, specs.p + i, n);
		mb_buf_addc(&pnames, '\0');
	}
	mb_buf_free(&specs);
}

static int is_pcol(void *, const char *, size_t);

/* Does --where read a field that is not a partition column? */
static int
reads_records(void)
{
	const char *f, *e;
	size_t n;

	if (where == NULL)
		return 0;
	for (f = mb_expr_fields(where, &n), e = f + n; f < e;
	    f += strlen(f) + 1)
		if (!is_pcol(NULL, f, strlen(f)))
			return 1;
	return 0;
}

/* Names the records --where could not be evaluated on (not printed). */
static void
where_report(void)
{
	if (nerr == 0)
		return;
	mb_out_flush();
	mb_err("%s: --where: %" PRIu64 " %s not printed: %s", dir, nerr,
	    nerr == 1 ? "record" : "records", firsterr);
	status = MB_EXIT_FAIL;
	nerr = 0;
	free(firsterr);
	firsterr = NULL;
}

static int
is_pcol(void *ctx, const char *name, size_t n)
{
	size_t i;

	(void)ctx;
	for (i = 0; i < pnames.len; i += strlen(pnames.p + i) + 1)
		if (strlen(pnames.p + i) == n && memcmp(pnames.p + i, name,
		    n) == 0)
			return 1;
	return 0;
}

/* In records, a partition column is its partition's value, as in the
 * pruning (and a column computed from a timestamp is only there). */
static int
lookup(void *ctx, const char *name, size_t n, mb_span *json)
{
	int i;
	mb_span k;

	(void)ctx;
	if (!is_pcol(NULL, name, n))
		return 0;
	for (i = 0; i < mb_rec_nfields(prec); i++) {
		k = mb_rec_key(prec, i);
		if (k.len == n && memcmp(k.p, name, n) == 0) {
			*json = mb_rec_raw(prec, mb_rec_field(prec, i));
			return 1;
		}
	}
	*json = (mb_span){ "null", 4 };
	return 1;
}

/* Whether any record of f can make --where true; its partition values go
 * to prec for the records' lookups. */
static int
wanted(const mb_lake_file *f)
{
	mb_val v;

	if (where == NULL)
		return 1;
	mb_buf_reset(&pbuf);
	if (mb_lake_pvals_record(f->pvals, &pbuf) == -1 ||
	    mb_rec_parse(prec, pbuf.p, pbuf.len) == -1)
		mb_die(MB_EXIT_FAIL, "%s: %s: bad partitionValues", dir,
		    f->path);
	if (filter)
		return mb_expr_maybe(where, prec, is_pcol, NULL);
	if (mb_expr_eval(where, prec, &v) == -1)
		mb_die(MB_EXIT_FAIL, "%s: --where: %s", dir, mb_errmsg());
	return mb_val_true(&v);
}

/* --where on each record of a block of whole lines. */
static void
out_filtered(const char *p, size_t n)
{
	const char *e = p + n, *nl;
	mb_val v;

	for (; p < e; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(e - p));
		curline++;
		if (nl == p)
			continue;
		if (mb_rec_parse(rec, p, (size_t)(nl - p)) == -1) {
			mb_out_flush();
			mb_err("%s: %s:%" PRIu64 ": %s; not tested", dir, cur,
			    curline, mb_errmsg());
			status = MB_EXIT_FAIL;
			continue;
		}
		if (mb_expr_eval(where, rec, &v) == -1) {
			if (nerr++ == 0)
				firsterr = mb_xstrdup(mb_errmsg());
			continue;
		}
		if (mb_val_true(&v))
			mb_out(p, (size_t)(nl - p) + 1);
	}
}

static void
out(const void *p, size_t n, void *ctx)
{
	(void)ctx;
	if (filter)
		out_filtered(p, n);
	else
		mb_out(p, n);
}

static void
cat_file(mb_lake *l, const mb_lake_file *f)
{
	cur = f->path;
	curline = 0;
	if (mb_lake_reader_part(rd, l, f, verify, out, NULL) == -1) {
		mb_out_flush();	/* the message goes after the records */
		if (verify)
			mb_die(MB_EXIT_FAIL, "%s: %s: %s", dir, f->path,
			    mb_errmsg());
		mb_err("%s: %s: %s", dir, f->path, mb_errmsg());
		status = MB_EXIT_FAIL;
	}
}

static void
save_ckpt(int64_t v)
{
	mb_buf b = {0};

	if (ckpt == NULL)
		return;
	mb_out_flush();
	mb_buf_adds(&b, "{\"dataset\":");
	mb_buf_json_str(&b, dir, strlen(dir));
	mb_buf_printf(&b, ",\"version\":%" PRId64 "}\n", v);
	if (mb_file_replace(ckpt, b.p, b.len) == -1)
		mb_die(MB_EXIT_FAIL, "%s: %s", ckpt, mb_errmsg());
	mb_buf_free(&b);
}

/* The version a checkpoint file names; -2 when there is no such file. */
static int64_t
load_ckpt(void)
{
	mb_buf b = {0};
	mb_rec *r = mb_rec_new();
	int64_t v;

	if (access(ckpt, F_OK) == -1 && errno == ENOENT) {
		mb_rec_free(r);
		return -2;
	}
	if (mb_file_read(ckpt, &b) == -1)
		mb_die(MB_EXIT_FAIL, "%s", mb_errmsg());
	while (b.len > 0 && (b.p[b.len - 1] == '\n' || b.p[b.len - 1] == '\r'))
		b.len--;
	if (mb_rec_parse(r, b.p, b.len) == -1 ||
	    mb_rec_int(r, mb_rec_find(r, "version"), &v) == -1 || v < -1)
		mb_die(MB_EXIT_FAIL, "%s: not a checkpoint of mb-cat", ckpt);
	mb_rec_free(r);
	mb_buf_free(&b);
	return v;
}

/* Prints the records that commit v added; an entry that cannot be read is
 * named and skipped (a later version exists, so it is damaged). */
static void
emit_commit(mb_lake *l, int64_t v)
{
	mb_lake_commit c;
	size_t i;

	if (mb_lake_commit_read(l, v, &c) == -1) {
		status = MB_EXIT_FAIL;
		mb_out_flush();
		mb_err("%s: log entry %" PRId64 ": %s; skipped", dir, v,
		    mb_errmsg());
		return;
	}
	set_pcols(c.pcols);
	filter = reads_records();
	for (i = 0; i < c.nadd; i++)
		if (c.add[i].datachange && wanted(&c.add[i]))
			cat_file(l, &c.add[i]);
	mb_lake_commit_free(&c);
}

/*
 * Prints the commits after version `done` up to the newest, each entry
 * that the log lists; a run of missing versions below the newest is
 * damage, named once and stepped over.  Following, the records --where
 * failed on are named after each commit.  Returns the version printed
 * last.
 */
static int64_t
catch_up(mb_lake *l, int64_t done, int following)
{
	mb_buf vs = {0}, name = {0};
	mb_lake_walk w;
	int64_t latest, lo, hi;
	int step;

	if ((latest = mb_lake_list(l, &vs, NULL)) == -2)
		mb_die(MB_EXIT_FAIL, "%s: %s", dir, mb_errmsg());
	if (done < latest) {
		mb_lake_walk_init(&w, &vs, done + 1, latest);
		while ((step = mb_lake_walk_next(&w, &lo, &hi)) != 0) {
			if (step == MB_LAKE_GAP) {
				status = MB_EXIT_FAIL;
				mb_out_flush();
				mb_err("%s: %s: missing; skipped", dir,
				    mb_lake_entries_name(&name, lo, hi));
			} else
				emit_commit(l, lo);
			done = hi;
			if (following) {
				where_report();
				mb_out_flush();
			}
			save_ckpt(done);
		}
	}
	mb_buf_free(&vs);
	mb_buf_free(&name);
	return done;
}

static void
nap(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Prints new commits as they come; never returns but by an error or a
 * closed stdout. */
static void
follow(mb_lake *l, int64_t done)
{
	struct pollfd pf[2];
	char ev[4096];
	int fd;

	fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (fd >= 0 && inotify_add_watch(fd, l->logdir, IN_CREATE |
	    IN_MOVED_TO) == -1) {
		close(fd);
		fd = -1;
	}
	for (;;) {
		done = catch_up(l, done, 1);
		mb_out_flush();
		/* Wait for a new log entry; also notice a reader that went
		 * away, so an idle follower does not live forever. */
		pf[0].fd = fd;
		pf[0].events = POLLIN;
		pf[1].fd = STDOUT_FILENO;
		pf[1].events = 0;
		if (fd < 0) {
			pf[0].fd = -1;
			nap(200);
		}
		if (poll(pf, 2, fd < 0 ? 0 : 1000) > 0) {
			if (pf[1].revents & (POLLERR | POLLHUP))
				exit((where_report(), mb_finish(status)));
			while (fd >= 0 && read(fd, ev, sizeof(ev)) > 0)
				;
		}
	}
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "as-of", required_argument, NULL, 'a' },
		{ "checkpoint", required_argument, NULL, 'c' },
		{ "files", no_argument, NULL, 'F' },
		{ "follow", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verify", no_argument, NULL, 'C' },
		{ "version", no_argument, NULL, 'V' },
		{ "where", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	const char *asof = NULL, *wsrc = NULL, *p;
	int c, files = 0, fol = 0;
	int64_t version = -1, from, ms;
	mb_lake *l;
	mb_lake_snap s;
	size_t i;

	mb_prog_init(argv[0]);
	while ((c = getopt_long(argc, argv, "a:c:fhqVw:", longopts, NULL)) !=
	    -1)
		switch (c) {
		case 'a':
			asof = optarg;
			break;
		case 'C':
			verify = 1;
			break;
		case 'c':
			ckpt = optarg;
			break;
		case 'F':
			files = 1;
			break;
		case 'f':
			fol = 1;
			break;
		case 'h':
			usage(stdout, MB_EXIT_OK);
			break;
		case 'q':
			mb_set_quiet(1);
			break;
		case 'V':
			printf("mb-cat %s\n", MB_VERSION);
			fflush(stdout);
			return mb_finish(MB_EXIT_OK);
		case 'w':
			wsrc = optarg;
			break;
		default:
			usage(stderr, MB_EXIT_USAGE);
		}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage(stderr, MB_EXIT_USAGE);
	dir = argv[0];
	if (asof != NULL && (fol || ckpt != NULL)) {
		mb_err("--as-of excludes --follow and --checkpoint");
		usage(stderr, MB_EXIT_USAGE);
	}
	if (files && (fol || ckpt != NULL)) {
		mb_err("--files excludes --follow and --checkpoint");
		usage(stderr, MB_EXIT_USAGE);
	}
	if (wsrc != NULL && (where = mb_expr_parse(wsrc)) == NULL)
		mb_die(MB_EXIT_USAGE, "--where: %s", mb_errmsg());
	if (where != NULL)
		mb_expr_set_lookup(where, lookup, NULL);
	prec = mb_rec_new();
	rec = mb_rec_new();
	rd = mb_lake_reader_new();

	while ((l = mb_lake_open(dir, 0)) == NULL) {
		if (!fol)
			mb_die(MB_EXIT_FAIL, "%s: %s", dir, mb_errmsg());
		nap(200);	/* a follower waits for the dataset */
	}
	l->onerr = onerr;
	if (asof != NULL) {
		for (p = asof; *p >= '0' && *p <= '9'; p++)
			;
		if (*p == '\0' && p > asof)
			version = mb_opt_int("--as-of", asof, 0, INT64_MAX);
		else if (mb_time_parse(asof, strlen(asof), &ms) == -1)
			mb_die(MB_EXIT_USAGE, "--as-of: '%s' is neither a "
			    "version nor a time", asof);
		else if ((version = mb_lake_version_at(l, ms)) < 0)
			mb_die(MB_EXIT_FAIL, "%s: no version was committed at "
			    "or before %s", dir, asof);
	}
	if (ckpt != NULL && (from = load_ckpt()) != -2) {
		/* Resume: the commits after the one last printed. */
		from = catch_up(l, from, 0);
		if (fol)
			follow(l, from);
		goto done;
	}
	if (mb_lake_snap_load(l, version, &s) == -1)
		mb_die(MB_EXIT_FAIL, "%s: %s", dir, mb_errmsg());
	set_pcols(s.pcols);
	filter = reads_records();
	for (i = 0; i < s.n; i++) {
		if (!wanted(&s.files[i]))
			continue;
		if (files) {
			mb_out(dir, strlen(dir));
			mb_out("/", 1);
			mb_out(s.files[i].path, strlen(s.files[i].path));
			mb_out("\n", 1);
		} else
			cat_file(l, &s.files[i]);
	}
	from = s.version;
	mb_lake_snap_free(&s);
	save_ckpt(from);
	if (fol)
		follow(l, from);
done:
	where_report();
	mb_lake_reader_free(rd);
	mb_rec_free(prec);
	mb_expr_free(where);
	mb_buf_free(&pbuf);
	mb_buf_free(&pnames);
	mb_rec_free(rec);
	mb_lake_close(l);
	return mb_finish(status);
}
