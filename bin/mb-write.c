/*
 * mb-write: reads NDJSON records and stores them in the dataset DIR as
 * Hive-partitioned, zstd-compressed part files, then commits them to the
 * dataset's log in one atomic step.  Readers see all of a commit or none
 * of it; a writer that dies leaves only orphan files that no reader sees.
 * In a stream, --commit-every and --commit-interval commit as records
 * come, and EOF, SIGINT, SIGTERM and SIGHUP make a last commit.  With
 * --tee every record is also passed on to stdout as it is read.
 *
 * A stream's commits are made on a thread of their own, so that reading,
 * the tee and the next part files go on while a commit waits for its
 * fsyncs: two writers take turns, one filling while the other commits.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lake.h"
#include "lake_merge.h"

static const char *dir;
static int made;		/* a commit was made by this run */
static volatile sig_atomic_t stop;

static int tee;			/* --tee */
static int outerr;		/* stdout failed: 0, or its errno */

/* The commit running in the background: its thread owns w until joined. */
static struct {
	pthread_t thr;
	int on;			/* started and not joined */
	int done;		/* the thread is done (guarded by mu) */
	pthread_mutex_t mu;
	mb_lake_writer *w;
	int64_t v;
	char err[512];
} bg = { .mu = PTHREAD_MUTEX_INITIALIZER };

static mb_lake_merge *merge;	/* --merge-on */
static int ignore_matched;	/* --when-matched ignore */
static uint64_t nsame, nkept;	/* records there already; kept old ones */

static void
usage(FILE *f, int status)
{
	fprintf(f,
	    "usage: mb-write [-qrt] [-p col[,col...]] [-m append|overwrite] "
	    "[-l level]\n"
	    "                [-n records] [-i seconds] [--max-file-bytes size]\n"
	    "                [-k key[,key...] [--when-matched update|ignore]] "
	    "DIR [file ...]\n");
	if (f == stdout)
		fprintf(f,
		    "  -p, --partition-by COLS   Hive partition columns: NAME, "
		    "NAME=FIELD or\n"
		    "                            NAME=FIELD:date|month|year\n"
		    "  -m, --mode MODE           append (default) or overwrite\n"
		    "  -r, --replace-partitions  replace the partitions present "
		    "in the input\n"
		    "  -l, --level N             zstd level, 1-19 (default 3)\n"
		    "      --max-file-bytes SIZE roll part files at SIZE "
		    "uncompressed (256M)\n"
		    "  -t, --tee                 pass every record on to stdout\n"
		    "  -n, --commit-every N      commit every N records\n"
		    "  -i, --commit-interval S   commit every S seconds\n"
		    "  -k, --merge-on KEYS       a record whose key is in the "
		    "dataset replaces it\n"
		    "      --when-matched ACT    update (default) or ignore "
		    "(keep the old one)\n"
		    "  -q, --quiet               no warnings\n"
		    "  -h, --help                this help\n"
		    "  -V, --version             the version\n");
	exit(status);
}

static void
onsig(int sig)
{
	stop = sig;
}

/* --tee: a closed pipe downstream stops the reading, commits what was
 * read and ends quietly; another write error does the same with status 1. */
static void
on_out_error(int err)
{
	if (err != EPIPE)
		mb_err("write error on standard output: %s", strerror(err));
	outerr = err;
	stop = -1;
}

static void
commit(mb_lake_writer *w, enum mb_lake_mode mode, int force)
{
	const mb_lake_file *rm = NULL;
	long nrm = 0;
	int64_t v;

	if (mb_lake_writer_pending(w) == 0 && !force)
		return;
	made = 1;
	if (merge != NULL) {
		mode = MB_LAKE_MERGE;
		if ((nrm = mb_lake_merge_prepare(merge, w, &rm)) == -1) {
			mb_err("%s: merge: %s", dir, mb_errmsg());
			mb_lake_writer_abort(w);
			exit(MB_EXIT_FAIL);
		}
	}
	if ((v = mb_lake_writer_commit(w, mode, NULL, rm, (size_t)nrm,
	    force)) == -1) {
		mb_err("%s: commit: %s", dir, mb_errmsg());
		mb_lake_writer_abort(w);
		exit(MB_EXIT_FAIL);
	}
	if (merge != NULL && mb_lake_merge_done(merge, v) == -1) {
		mb_err("%s: key index: %s", dir, mb_errmsg());
		exit(MB_EXIT_FAIL);
	}
}

/*
 * --merge-on: 1 when the record is to be written (a new key, or one that
 * replaces the dataset's), 0 when it is skipped (its key is there with the
 * same bytes, or --when-matched ignore), -1 when it has no key.  A key met
 * twice in one batch commits the batch first, so that the later record
 * replaces the earlier one.
 */
static int
merge_record(mb_lake_writer *w, enum mb_lake_mode mode, const char *p,
    size_t n)
{
	switch (mb_lake_merge_look(merge, p, n)) {
	case -1:
		return -1;
	case MB_MERGE_SAME:
		nsame++;
		return 0;
	case MB_MERGE_BATCH:
		if (ignore_matched) {
			nkept++;
			return 0;
		}
		commit(w, mode, 0);
		return merge_record(w, mode, p, n);
	case MB_MERGE_UPDATE:
		if (ignore_matched) {
			nkept++;
			return 0;
		}
		/* FALLTHROUGH */
	default:
		return 1;
	}
}

static void *
committer(void *arg)
{
	(void)arg;
	bg.v = mb_lake_writer_commit(bg.w, MB_LAKE_APPEND, NULL, NULL, 0, 0);
	if (bg.v < 0)
		snprintf(bg.err, sizeof(bg.err), "%s", mb_errmsg());
	pthread_mutex_lock(&bg.mu);
	bg.done = 1;
	pthread_mutex_unlock(&bg.mu);
	return NULL;
}

/* Is a background commit still running? */
static int
bg_busy(void)
{
	int r;

	pthread_mutex_lock(&bg.mu);
	r = bg.on && !bg.done;
	pthread_mutex_unlock(&bg.mu);
	return r;
}

/* Waits for the background commit; -1, said, when it failed (its part
 * files are deleted). */
static int
bg_join(void)
{
	if (!bg.on)
		return 0;
	pthread_join(bg.thr, NULL);
	bg.on = 0;
	if (bg.v >= 0)
		return 0;
	mb_err("%s: commit: %s", dir, bg.err);
	mb_lake_writer_abort(bg.w);
	return -1;
}

/*
 * A commit in a stream: the records of *w are committed in the background
 * by a thread of their own, and *w becomes the other writer, *spare, whose
 * commit (the one before) is waited for first.  Without a spare writer,
 * or a thread, the commit is made here.
 */
static void
commit_bg(mb_lake_writer **w, mb_lake_writer **spare)
{
	sigset_t all, old;
	int r;

	if (mb_lake_writer_pending(*w) == 0)
		return;
	if (bg_join() == -1) {
		mb_lake_writer_abort(*w);
		exit(MB_EXIT_FAIL);
	}
	if (*spare == NULL) {
		commit(*w, MB_LAKE_APPEND, 0);
		return;
	}
	made = 1;
	bg.w = *w;
	bg.done = 0;
	*w = *spare;
	*spare = bg.w;
	/* the thread takes no signals: they end the caller's reads */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&bg.thr, NULL, committer, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r == 0)
		bg.on = 1;
	else
		commit(bg.w, MB_LAKE_APPEND, 0);
}

/* The partition columns of the newest commit, NUL-separated; -1 when
 * there is no readable commit.  When the newest entry cannot be read,
 * those of the snapshot (a checkpoint that mb-lake repair wrote). */
static int
dataset_pcols(mb_lake *l, int64_t latest, mb_buf *out)
{
	mb_lake_commit c;
	mb_lake_snap s;
	mb_lake_onerr f = l->onerr;
	int n = -1;

	if (latest < 0)
		return -1;
	if (mb_lake_commit_read(l, latest, &c) == -1) {
		l->onerr = NULL;	/* the writer's check names damage */
		if (mb_lake_snap_load(l, -1, &s) == 0 && s.pcols != NULL)
			n = mb_lake_pcols_split(s.pcols, out);
		l->onerr = f;
		mb_lake_snap_free(&s);
		return n;
	}
	if (c.pcols != NULL)
		n = mb_lake_pcols_split(c.pcols, out);
	mb_lake_commit_free(&c);
	return n;
}

/*
 * A line that is not a JSON object: where it stops being one, and, when it
 * looks like a piece of JSON spread over lines (a pretty-printed document,
 * an array), what reads that.
 */
static void
not_ndjson(const char *d, const char *name, uint64_t lineno, const char *p,
    size_t n)
{
	size_t i = 0;
	int cut;

	if (mb_json_check_object(p, n) == 0)
		mb_seterr("not a JSON object");
	cut = strstr(mb_errmsg(), "end of line") != NULL;
	mb_err("%s: %s:%llu: not a JSON object: %s", d, name,
	    (unsigned long long)lineno, mb_errmsg());
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i < n && (strchr("[]}\"", p[i]) != NULL || (p[i] == '{' && cut)))
		mb_err("mb-write takes NDJSON, one JSON object per line; "
		    "mb-ingest reads a JSON array, on one line or "
		    "pretty-printed, and writes NDJSON (jq -c . puts one "
		    "pretty-printed object on a line)");
}

static void
onerr(void *ctx, const char *msg)
{
	(void)ctx;
	mb_err("%s: %s", dir, msg);
}

static int
split_cols(const char *s, mb_buf *out)
{
	int n = 0;

	for (; *s != '\0'; s++) {
		const char *e = strchr(s, ',');
		size_t len = e ? (size_t)(e - s) : strlen(s);

		if (len == 0)
			return -1;
		mb_buf_add(out, s, len);
		mb_buf_addc(out, '\0');
		n++;
		s += len;
		if (*s == '\0')
			break;
	}
	return n;
}

static int
same_cols(const mb_buf *a, const mb_buf *b)
{
	return a->len == b->len && (a->len == 0 ||
	    memcmp(a->p, b->p, a->len) == 0);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "commit-interval", required_argument, NULL, 'i' },
		{ "commit-every", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "level", required_argument, NULL, 'l' },
		{ "max-file-bytes", required_argument, NULL, 'M' },
		{ "merge-on", required_argument, NULL, 'k' },
		{ "mode", required_argument, NULL, 'm' },
		{ "partition-by", required_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "replace-partitions", no_argument, NULL, 'r' },
		{ "tee", no_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ "when-matched", required_argument, NULL, 'W' },
		{ NULL, 0, NULL, 0 }
	};
	enum mb_lake_mode mode = MB_LAKE_APPEND;
	mb_lake_wopts o = { .level = 3, .max_file_bytes = (uint64_t)256 << 20,
	    .tool = "mb-write " MB_VERSION };
	mb_buf cols = {0}, have = {0};
	const char **colv = NULL, *in_stdin[] = { "-", NULL }, **inputs, *p;
	const char *pby = NULL, *mkeys = NULL;
	uint64_t every = 0;
	double interval = 0;
	int64_t latest, deadline = 0, now;
	mb_lake *l;
	mb_lake_writer *w, *w2 = NULL;
	mb_in *src;
	mb_line line;
	struct sigaction sa;
	size_t n;
	int c, i, ncols, r, status = MB_EXIT_OK, replace = 0;

	mb_prog_init(argv[0]);
	while ((c = getopt_long(argc, argv, "hi:k:l:m:n:p:qrtV", longopts,
	    NULL)) != -1)
		switch (c) {
		case 'h':
			usage(stdout, MB_EXIT_OK);
			break;
		case 'i':
			interval = mb_opt_double("--commit-interval", optarg,
			    0.001, 86400.0 * 365);
			break;
		case 'k':
			mkeys = optarg;
			break;
		case 'l':
			o.level = (int)mb_opt_int("--level", optarg, 1, 19);
			break;
		case 'M':
			o.max_file_bytes = mb_opt_size("--max-file-bytes",
			    optarg);
			break;
		case 'm':
			if (strcmp(optarg, "append") == 0)
				mode = MB_LAKE_APPEND;
			else if (strcmp(optarg, "overwrite") == 0)
				mode = MB_LAKE_OVERWRITE;
			else {
				mb_err("--mode: '%s' is not append or "
				    "overwrite", optarg);
				usage(stderr, MB_EXIT_USAGE);
			}
			break;
		case 'n':
			every = (uint64_t)mb_opt_int("--commit-every", optarg,
			    1, INT64_MAX);
			break;
		case 'p':
			pby = optarg;
			break;
		case 'q':
			mb_set_quiet(1);
			break;
		case 'r':
			replace = 1;
			break;
		case 't':
			tee = 1;
			break;
		case 'V':
			printf("mb-write %s\n", MB_VERSION);
			fflush(stdout);
			return mb_finish(MB_EXIT_OK);
		case 'W':
			if (strcmp(optarg, "update") == 0)
				ignore_matched = 0;
			else if (strcmp(optarg, "ignore") == 0)
				ignore_matched = 1;
			else {
				mb_err("--when-matched: '%s' is not update or "
				    "ignore", optarg);
				usage(stderr, MB_EXIT_USAGE);
			}
			break;
		default:
			usage(stderr, MB_EXIT_USAGE);
		}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage(stderr, MB_EXIT_USAGE);
	dir = argv[0];
	inputs = argc > 1 ? (const char **)argv + 1 : in_stdin;
	if (replace) {
		if (mode == MB_LAKE_OVERWRITE) {
			mb_err("--replace-partitions and --mode overwrite "
			    "exclude each other");
			usage(stderr, MB_EXIT_USAGE);
		}
		mode = MB_LAKE_REPLACE;
	}
	if (mode != MB_LAKE_APPEND && (every > 0 || interval > 0)) {
		mb_err("--commit-every and --commit-interval need --mode "
		    "append");
		usage(stderr, MB_EXIT_USAGE);
	}
	if (mkeys != NULL && mode != MB_LAKE_APPEND) {
		mb_err("--merge-on needs --mode append");
		usage(stderr, MB_EXIT_USAGE);
	}
	if (pby != NULL && (ncols = split_cols(pby, &cols)) == -1) {
		mb_err("--partition-by: '%s': an empty column", pby);
		usage(stderr, MB_EXIT_USAGE);
	}
	for (n = 0; n < cols.len; n += strlen(cols.p + n) + 1) {
		char *name, *field;

		if (mb_lake_pcol_parse(cols.p + n, &name, &field, &i) == -1)
			mb_die(MB_EXIT_USAGE, "--partition-by: %s",
			    mb_errmsg());
		free(name);
		free(field);
	}

	if ((l = mb_lake_open(dir, 1)) == NULL)
		mb_die(MB_EXIT_FAIL, "%s: %s", dir, mb_errmsg());
	l->onerr = onerr;	/* the damage that makes a writer refuse */
	if ((latest = mb_lake_latest(l, NULL)) == -2)
		mb_die(MB_EXIT_FAIL, "%s: %s", dir, mb_errmsg());
	if (dataset_pcols(l, latest, &have) >= 0) {
		if (pby == NULL && have.len > 0)
			mb_buf_add(&cols, have.p, have.len);
		else if (!same_cols(&cols, &have) && mode !=
		    MB_LAKE_OVERWRITE) {
			for (n = 0; n < have.len; n++)
				if (have.p[n] == '\0')
					have.p[n] = n + 1 < have.len ? ',' :
					    '\0';
			mb_die(MB_EXIT_USAGE, "%s: the dataset is partitioned "
			    "by '%s', not '%s' (--mode overwrite changes it)",
			    dir, have.len ? have.p : "", pby);
		}
	}
	for (ncols = 0, n = 0; n < cols.len; n += strlen(cols.p + n) + 1)
		ncols++;
	colv = mb_xcalloc((size_t)ncols + 1, sizeof(char *));
	for (i = 0, n = 0; n < cols.len; n += strlen(cols.p + n) + 1)
		colv[i++] = cols.p + n;
	o.pcols = colv;
	o.npcols = ncols;
	/* A stream compresses a frame every 512 KB, so that a commit does
	 * not find a second of records to compress at once. */
	if (interval > 0 || every > 0)
		o.frame_bytes = (size_t)512 << 10;
	/* The columns were checked above: what fails here is the dataset. */
	if ((w = mb_lake_writer_new(l, &o)) == NULL)
		mb_die(MB_EXIT_FAIL, "%s: %s", dir, mb_errmsg());
	/* A stream's second writer, that fills while the first commits;
	 * a merge commits in line (it reads the index before and after). */
	if ((interval > 0 || every > 0) && mkeys == NULL &&
	    (w2 = mb_lake_writer_new(l, &o)) == NULL)
		mb_die(MB_EXIT_FAIL, "%s: %s", dir, mb_errmsg());
	if (mkeys != NULL) {
		if ((merge = mb_lake_merge_new(l, mkeys)) == NULL)
			mb_die(MB_EXIT_USAGE, "--merge-on: %s", mb_errmsg());
		if (mb_lake_merge_sync(merge) == -1)
			mb_die(MB_EXIT_FAIL, "%s: key index: %s", dir,
			    mb_errmsg());
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = onsig;	/* no SA_RESTART: a blocked read returns */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (interval > 0)
		deadline = mb_time_now_ms() + (int64_t)(interval * 1000);
	mb_out_on_error(on_out_error);

	for (; *inputs != NULL && !stop; inputs++) {
		if ((src = mb_in_open(*inputs, 0)) == NULL) {
			mb_err("%s: %s", dir, mb_errmsg());
			status = MB_EXIT_FAIL;
			continue;
		}
		while (!stop) {
			int timeout = -1;

			if (interval > 0) {
				now = mb_time_now_ms();
				if (now >= deadline && bg_busy())
					deadline = now + 10;	/* soon */
				else if (now >= deadline) {
					commit_bg(&w, &w2);
					deadline = now +
					    (int64_t)(interval * 1000);
				}
				timeout = (int)(deadline - now);
				if (timeout < 0)
					timeout = 0;
			}
			/* a signal or the commit clock ends a wait */
			mb_in_set_timeout(src, timeout);
			r = mb_in_line(src, &line);
			if (r == 0)
				break;
			if (r == 2)
				continue;
			if (r == -1) {
				mb_err("%s: %s", dir, mb_errmsg());
				status = MB_EXIT_FAIL;
				mb_in_close(src);
				goto fail;
			}
			p = line.p;
			n = line.len;
			if (n == 0)
				continue;
			if (line.toolong) {
				mb_err("%s: %s:%llu: longer than %zu bytes", dir,
				    mb_in_name(src), (unsigned long long)line.lineno,
				    MB_MAX_LINE_DEFAULT);
				status = MB_EXIT_FAIL;
				mb_in_close(src);
				goto fail;
			}
			if (merge != NULL && (r = merge_record(w, mode, p,
			    n)) != 1) {
				if (r == 0)
					continue;
				if (mb_json_check_object(p, n) == -1)
					not_ndjson(dir, mb_in_name(src),
					    line.lineno, p, n);
				else
					mb_err("%s: %s:%llu: --merge-on: %s",
					    dir, mb_in_name(src),
					    (unsigned long long)line.lineno,
					    mb_errmsg());
				status = MB_EXIT_FAIL;
				mb_in_close(src);
				goto fail;
			}
			if (tee) {
				mb_out(p, n);
				mb_out("\n", 1);
			}
			if ((r = merge != NULL ? mb_lake_merge_put(merge, w, p,
			    n) : mb_lake_writer_put(w, p, n)) < 0) {
				if (r == -2)
					not_ndjson(dir, mb_in_name(src),
					    line.lineno, p, n);
				else
					mb_err("%s", mb_errmsg());
				status = MB_EXIT_FAIL;
				mb_in_close(src);
				goto fail;
			}
			if (every > 0 && mb_lake_writer_pending(w) >= every)
				commit_bg(&w, &w2);
		}
		mb_in_close(src);
	}
	mb_out_flush();
	if (bg_join() == -1) {
		status = MB_EXIT_FAIL;
		goto fail;
	}
	/* The last commit; an empty input still overwrites, and still
	 * creates a new dataset so that readers find it. */
	commit(w, mode, !made && (mode == MB_LAKE_OVERWRITE || latest < 0));
	if (outerr != 0 && outerr != EPIPE)
		status = MB_EXIT_FAIL;
	if (merge != NULL) {
		if (mb_lake_merge_save(merge) == -1)
			mb_warn("%s: key index not saved (the next run builds "
			    "it again): %s", dir, mb_errmsg());
		if (nsame > 0 || nkept > 0 || mb_lake_merge_replaced(merge) > 0)
			mb_warn("%s: --merge-on %s: %llu records there already, "
			    "%llu replaced, %llu kept by --when-matched ignore",
			    dir, mkeys, (unsigned long long)nsame,
			    (unsigned long long)mb_lake_merge_replaced(merge),
			    (unsigned long long)nkept);
	}
fail:
	/* A commit under way ends as it would have; parts not committed
	 * (after an error) are deleted. */
	if (bg_join() == -1)
		status = MB_EXIT_FAIL;
	mb_lake_merge_free(merge);
	mb_lake_writer_free(w);
	mb_lake_writer_free(w2);
	mb_lake_close(l);
	free(colv);
	mb_buf_free(&cols);
	mb_buf_free(&have);
	return mb_finish(status);
}
