/*
 * mb-dash: draws gold tables as one self-contained HTML page (charts in
 * inline SVG, no script, nothing fetched when it is opened), or as text
 * for a terminal with --tty.  Each --table is a dataset (its newest
 * snapshot), an NDJSON file plain or zstd, or standard input; the retail
 * pipeline's gold tables are recognised by their fields, other tables
 * are laid out by the types of theirs.  --summary adds mb-summarize's
 * newest summary and --dq mb-validate's report.  The page replaces the
 * output file atomically; --watch draws it again whenever an input
 * dataset gets a new commit or an input file changes.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dash.h"
#include "lake.h"

typedef struct source {
	char *name, *src;
	int kind;		/* 't' table, 's' summary, 'q' dq report */
	uint64_t sig;
	int wd;			/* inotify watch, or -1 */
} source;

static source *srcs;
static int nsrc;
static const char *output, *title;
static int refresh, tty, watch, status;
static int64_t now = -1;
static volatile sig_atomic_t stop;
static mb_buf seen, seen_now;	/* warnings of the last and this drawing */

static void
usage(FILE *f, int st)
{
	fprintf(f,
	    "usage: mb-dash [-q] [-t NAME=SOURCE]... [-s SOURCE] [-d FILE] "
	    "[-o FILE]\n"
	    "               [-T title] [-r seconds] [-w] [--tty] "
	    "[--now time]\n");
	if (f == stdout)
		fprintf(f,
		    "  -t, --table NAME=SOURCE  a table: a dataset, an NDJSON "
		    "file (.zst too) or -\n"
		    "  -s, --summary SOURCE     mb-summarize's records; the "
		    "newest is shown\n"
		    "  -d, --dq FILE            mb-validate's --report\n"
		    "  -o, --output FILE        write the page here (replaced "
		    "atomically)\n"
		    "  -T, --title TEXT         the page's title\n"
		    "  -r, --refresh SECONDS    the page reloads itself this "
		    "often\n"
		    "  -w, --watch              draw again when an input "
		    "changes; never ends\n"
		    "      --tty                text for a terminal instead "
		    "of HTML\n"
		    "      --now TIME           the time the page says it was "
		    "made\n"
		    "  -q, --quiet              no warnings\n"
		    "  -h, --help               this help\n"
		    "  -V, --version            the version\n");
	exit(st);
}

static void
add_source(int kind, const char *name, const char *src)
{
	int i;

	if (*src == '\0')
		usage(stderr, MB_EXIT_USAGE);
	if (strcmp(src, "-") == 0)
		for (i = 0; i < nsrc; i++)
			if (strcmp(srcs[i].src, "-") == 0)
				mb_die(MB_EXIT_USAGE, "standard input can be "
				    "read only once: %s and %s", srcs[i].name,
				    name);
	srcs = mb_xrealloc(srcs, (size_t)(nsrc + 1) * sizeof(*srcs));
	srcs[nsrc].name = mb_xstrdup(name);
	srcs[nsrc].src = mb_xstrdup(src);
	srcs[nsrc].kind = kind;
	srcs[nsrc].sig = 0;
	srcs[nsrc].wd = -1;
	nsrc++;
}

static void
add_table(const char *spec)
{
	const char *eq = strchr(spec, '=');
	char *name;
	int i;

	if (eq == NULL || eq == spec || eq[1] == '\0')
		mb_die(MB_EXIT_USAGE, "--table: '%s' is not NAME=SOURCE", spec);
	name = mb_xstrndup(spec, (size_t)(eq - spec));
	for (i = 0; i < nsrc; i++)
		if (srcs[i].kind == 't' && strcmp(srcs[i].name, name) == 0)
			mb_die(MB_EXIT_USAGE, "--table: '%s' is given twice",
			    name);
	add_source('t', name, eq + 1);
	free(name);
}

/* A warning from reading an input; in --watch, one seen at the last
 * drawing is not repeated. */
static void
warn(void *ctx, const char *msg)
{
	size_t n = strlen(msg);
	const char *p = seen.p, *e = seen.p + seen.len, *nl;

	(void)ctx;
	status = MB_EXIT_FAIL;
	mb_buf_add(&seen_now, msg, n);
	mb_buf_addc(&seen_now, '\n');
	for (; p != NULL && p < e; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL)
			break;
		if ((size_t)(nl - p) == n && memcmp(p, msg, n) == 0)
			return;
	}
	mb_warn("%s", msg);
}

static int
term_width(void)
{
	struct winsize ws;
	const char *c = getenv("COLUMNS");
	long w;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		w = ws.ws_col;
	else if (c == NULL || (w = strtol(c, NULL, 10)) <= 0)
		w = 80;
	return w < 40 ? 40 : w > 240 ? 240 : (int)w;
}

/* Reads every input and draws the page once. */
static void
draw(void)
{
	dash d;
	dash_table *t;
	mb_buf out = {0};
	const char *nc;
	int i, color;

	memset(&d, 0, sizeof(d));
	status = MB_EXIT_OK;
	seen_now.len = 0;
	d.title = title;
	d.refresh = refresh;
	d.now = now >= 0 ? now : mb_time_now_ms();
	for (i = 0; i < nsrc; i++) {
		srcs[i].sig = dash_source_sig(srcs[i].src);
		t = dash_table_new(srcs[i].name, srcs[i].src);
		if (srcs[i].kind == 'q')
			dash_table_load_json(t, warn, NULL);
		else
			dash_table_load(t, warn, NULL);
		dash_table_finish(t);
		if (srcs[i].kind == 's')
			d.summary = t;
		else if (srcs[i].kind == 'q')
			d.dq = t;
		else {
			d.t = mb_xrealloc(d.t, (size_t)(d.nt + 1) * sizeof(*d.t));
			d.t[d.nt++] = t;
		}
	}
	if (tty) {
		nc = getenv("NO_COLOR");
		color = isatty(STDOUT_FILENO) && (nc == NULL || *nc == '\0');
		if (watch && isatty(STDOUT_FILENO))
			mb_buf_adds(&out, "\033[H\033[2J");
		dash_tty(&out, &d, term_width(), color);
	} else
		dash_html(&out, &d);
	if (output != NULL) {
		if (mb_file_replace(output, out.p, out.len) == -1) {
			mb_err("%s", mb_errmsg());
			status = MB_EXIT_FAIL;
		}
	} else {
		mb_out_buf(&out);
		mb_out_flush();
	}
	dash_free(&d);
	mb_buf_free(&out);
	/* the warnings of this drawing are those not to repeat next time */
	seen.len = 0;
	if (seen_now.len > 0)
		mb_buf_add(&seen, seen_now.p, seen_now.len);
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Watches what can be watched: a dataset's log folder, a file's folder.
 * A source that does not exist yet is tried again at every wake-up. */
static void
add_watches(int fd)
{
	mb_buf p = {0};
	struct stat st;
	char *tmp;
	int i;

	for (i = 0; i < nsrc; i++) {
		if (srcs[i].wd >= 0 || strcmp(srcs[i].src, "-") == 0)
			continue;
		p.len = 0;
		if (stat(srcs[i].src, &st) == 0 && S_ISDIR(st.st_mode)) {
			mb_buf_printf(&p, "%s/%s", srcs[i].src, MB_LAKE_LOG);
			srcs[i].wd = inotify_add_watch(fd, mb_buf_cstr(&p),
			    IN_CREATE | IN_MOVED_TO);
		} else {
			tmp = mb_xstrdup(srcs[i].src);
			srcs[i].wd = inotify_add_watch(fd, dirname(tmp),
			    IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE |
			    IN_MODIFY | IN_DELETE);
			free(tmp);
		}
	}
	mb_buf_free(&p);
}

static int
changed(void)
{
	int i, c = 0;

	for (i = 0; i < nsrc; i++)
		if (dash_source_sig(srcs[i].src) != srcs[i].sig)
			c = 1;
	return c;
}

/* Draws again whenever an input changes, until a signal ends it.  An
 * inotify event wakes it at once; without one it looks every second. */
static void
follow(void)
{
	struct sigaction sa;
	struct pollfd pf;
	struct timespec ts = { 0, 10 * 1000000L };
	char ev[4096];
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	while (!stop) {
		if (fd >= 0)
			add_watches(fd);
		pf.fd = fd;
		pf.events = POLLIN;
		if (poll(&pf, 1, 1000) > 0) {
			/* let a burst of events (a commit's files) settle */
			nanosleep(&ts, NULL);
			while (read(fd, ev, sizeof(ev)) > 0)
				;
		}
		if (!stop && changed())
			draw();
	}
	if (fd >= 0)
		close(fd);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "dq", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "now", required_argument, NULL, 'N' },
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "refresh", required_argument, NULL, 'r' },
		{ "summary", required_argument, NULL, 's' },
		{ "table", required_argument, NULL, 't' },
		{ "title", required_argument, NULL, 'T' },
		{ "tty", no_argument, NULL, 'Y' },
		{ "version", no_argument, NULL, 'V' },
		{ "watch", no_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	int c, i, nsum = 0, ndq = 0;

	mb_prog_init(argv[0]);
	while ((c = getopt_long(argc, argv, "d:ho:qr:s:t:T:Vw", longopts,
	    NULL)) != -1)
		switch (c) {
		case 'd':
			if (ndq++)
				mb_die(MB_EXIT_USAGE, "--dq is given twice");
			add_source('q', "data quality", optarg);
			break;
		case 'h':
			usage(stdout, MB_EXIT_OK);
			break;
		case 'N':
			if (mb_time_parse(optarg, strlen(optarg), &now) == -1)
				mb_die(MB_EXIT_USAGE, "--now: '%s' is not a time",
				    optarg);
			break;
		case 'o':
			output = optarg;
			break;
		case 'q':
			mb_set_quiet(1);
			break;
		case 'r':
			refresh = (int)mb_opt_int("--refresh", optarg, 1, 86400);
			break;
		case 's':
			if (nsum++)
				mb_die(MB_EXIT_USAGE, "--summary is given twice");
			add_source('s', "summary", optarg);
			break;
		case 't':
			add_table(optarg);
			break;
		case 'T':
			title = optarg;
			break;
		case 'V':
			printf("mb-dash %s\n", MB_VERSION);
			fflush(stdout);
			return mb_finish(MB_EXIT_OK);
		case 'w':
			watch = 1;
			break;
		case 'Y':
			tty = 1;
			break;
		default:
			usage(stderr, MB_EXIT_USAGE);
		}
	if (optind < argc) {
		mb_err("'%s': inputs are given with --table, --summary and "
		    "--dq", argv[optind]);
		usage(stderr, MB_EXIT_USAGE);
	}
	if (nsrc == 0) {
		mb_err("nothing to draw: give --table, --summary or --dq");
		usage(stderr, MB_EXIT_USAGE);
	}
	if (watch) {
		for (i = 0; i < nsrc; i++)
			if (strcmp(srcs[i].src, "-") == 0)
				mb_die(MB_EXIT_USAGE, "--watch cannot read "
				    "standard input again; give a dataset or a "
				    "file");
		if (output == NULL && !tty)
			mb_die(MB_EXIT_USAGE, "--watch writes a file: give "
			    "-o FILE (or --tty)");
	}
	draw();
	if (watch)
		follow();
	for (i = 0; i < nsrc; i++) {
		free(srcs[i].name);
		free(srcs[i].src);
	}
	free(srcs);
	mb_buf_free(&seen);
	mb_buf_free(&seen_now);
	return mb_finish(watch ? MB_EXIT_OK : status);
}
