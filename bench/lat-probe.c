/*
 * lat-probe: how long records take to reach a point of a pipeline.  Built
 * by make for make bench (bench/live.sh) and the tests; not installed.
 *
 *   lat-probe [-t] [-f field] [-l label] [-L log] [file]
 *   lat-probe -j records.log [-l label] gold.log
 *
 * The first form reads NDJSON (stdin, or file, which may be a FIFO) and,
 * for every record with a top-level "_emit_us" (mb-gen --rate --stamp: the
 * microsecond the record was due at the source), takes its latency: the
 * time it was read here less that stamp.  -f names another field: the
 * largest stamp of a group that mb-agg printed (--max emit_us=_emit_us).
 * With -t every line goes on to stdout, flushed whenever the input is
 * idle, so that the probe can sit in the middle of a pipeline.  At the
 * end of input, SIGTERM, SIGINT or a closed stdout it prints to stderr:
 *
 *   silver-tee: 300000 records, p50 0.41 ms, p99 2.10 ms, max 9.80 ms
 *
 * -L writes one line per record, "arrival stamp" in microseconds, for
 * the second form.  That one answers "when was each record reflected in
 * an aggregate?": records.log lists the stamps of every record that went
 * into mb-agg (a -L log of a probe in front of it), gold.log the arrival
 * of each output row and its largest stamp.  A record counts as reflected
 * by the first row whose running largest stamp reaches its own: mb-agg
 * reads records in stamp order, so the row that shows the newest record
 * it had read comes with everything before it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *label = "latency";
static volatile sig_atomic_t stop;

static int64_t *lat;		/* microseconds */
static size_t nlat, caplat;

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
die(const char *msg)
{
	fprintf(stderr, "lat-probe: %s\n", msg);
	exit(2);
}

static void
add(int64_t us)
{
	if (nlat == caplat) {
		caplat = caplat ? caplat * 2 : 65536;
		if ((lat = realloc(lat, caplat * sizeof(*lat))) == NULL)
			die("out of memory");
	}
	lat[nlat++] = us;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest value with at least q of them at or below. */
static double
rank_ms(double q)
{
	size_t k = (size_t)(q * (double)nlat + 0.999999);

	if (k < 1)
		k = 1;
	if (k > nlat)
		k = nlat;
	return (double)lat[k - 1] / 1000.0;
}

static void
report(void)
{
	if (nlat == 0) {
		fprintf(stderr, "%s: 0 records\n", label);
		return;
	}
	qsort(lat, nlat, sizeof(*lat), cmp64);
	fprintf(stderr, "%s: %zu records, p50 %.2f ms, p99 %.2f ms, "
	    "max %.2f ms\n", label, nlat, rank_ms(0.50), rank_ms(0.99),
	    (double)lat[nlat - 1] / 1000.0);
}

/* The integer value of top-level field key (with quotes and colon), or
 * -1.  A key inside a string has its quotes escaped and is not found. */
static int64_t
stamp(const char *p, size_t n, const char *key, size_t klen)
{
	const char *e = p + n, *q = p;
	int64_t v = 0;

	while ((q = memmem(q, (size_t)(e - q), key, klen)) != NULL) {
		q += klen;
		while (q < e && *q == ' ')
			q++;
		if (q >= e || *q < '0' || *q > '9')
			continue;
		while (q < e && *q >= '0' && *q <= '9')
			v = v * 10 + (*q++ - '0');
		return v;
	}
	return -1;
}

static void
onsig(int sig)
{
	stop = sig;
}

static int
put_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
watch(int fd, int tee, const char *field, FILE *log)
{
	char key[256], *buf, *out = NULL;
	size_t cap = 1 << 20, len = 0, olen = 0, klen, i, start;
	int64_t t, s;
	ssize_t r;

	klen = (size_t)snprintf(key, sizeof(key), "\"%s\":", field);
	if (klen >= sizeof(key))
		die("field name too long");
	if ((buf = malloc(cap)) == NULL || (tee && (out = malloc(cap)) ==
	    NULL))
		die("out of memory");
	while (!stop) {
		struct pollfd pf = { fd, POLLIN, 0 };

		/* Nothing to read right now: what was read goes on. */
		if (tee && olen > 0 && poll(&pf, 1, 0) == 0) {
			if (put_all(1, out, olen) == -1)
				break;
			olen = 0;
		}
		if ((r = read(fd, buf + len, cap - len)) == -1) {
			if (errno == EINTR)
				continue;
			perror("lat-probe: read");
			return 1;
		}
		if (r == 0)
			break;
		t = now_us();
		start = 0;
		len += (size_t)r;
		for (i = len - (size_t)r; i < len; i++) {
			if (buf[i] != '\n')
				continue;
			if ((s = stamp(buf + start, i - start, key, klen)) >= 0) {
				add(t - s);
				if (log != NULL)
					fprintf(log, "%lld %lld\n", (long long)t,
					    (long long)s);
			}
			start = i + 1;
		}
		if (tee) {
			if (olen + start > cap) {
				if (put_all(1, out, olen) == -1)
					break;
				olen = 0;
			}
			if (start > cap - olen) {
				if (put_all(1, buf, start) == -1)
					break;
			} else {
				memcpy(out + olen, buf, start);
				olen += start;
			}
		}
		memmove(buf, buf + start, len - start);
		len -= start;
		if (len == cap) {
			cap *= 2;
			if ((buf = realloc(buf, cap)) == NULL)
				die("out of memory");
		}
	}
	if (tee && olen > 0)
		(void)put_all(1, out, olen);
	if (tee && len > 0 && !stop)
		(void)put_all(1, buf, len);	/* a last line without \n */
	free(buf);
	free(out);
	return 0;
}

struct pt {
	int64_t t, m;
};

static int
load(const char *path, struct pt **v, size_t *n)
{
	FILE *f = fopen(path, "r");
	long long a, b;
	size_t cap = 0;

	if (f == NULL) {
		fprintf(stderr, "lat-probe: %s: %s\n", path, strerror(errno));
		return -1;
	}
	*v = NULL;
	*n = 0;
	while (fscanf(f, "%lld %lld", &a, &b) == 2) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 65536;
			if ((*v = realloc(*v, cap * sizeof(**v))) == NULL)
				die("out of memory");
		}
		(*v)[*n].t = a;
		(*v)[*n].m = b;
		(*n)++;
	}
	fclose(f);
	return 0;
}

static int
join(const char *recs, const char *gold)
{
	struct pt *r, *g;
	size_t nr, ng, i, k = 0, missed = 0;
	int64_t *st, run = INT64_MIN;

	if (load(recs, &r, &nr) == -1 || load(gold, &g, &ng) == -1)
		return 1;
	if ((st = malloc((nr + 1) * sizeof(*st))) == NULL)
		die("out of memory");
	for (i = 0; i < nr; i++)
		st[i] = r[i].m;
	qsort(st, nr, sizeof(*st), cmp64);
	/* g in arrival order; its running largest stamp only grows */
	for (i = 0; i < nr; i++) {
		while (run < st[i] && k < ng) {
			if (g[k].m > run)
				run = g[k].m;
			if (run < st[i])
				k++;
		}
		if (run < st[i])
			missed++;
		else
			add(g[k].t - st[i]);
	}
	report();
	if (missed > 0)
		fprintf(stderr, "%s: %zu records not reflected in any row\n",
		    label, missed);
	free(st);
	free(r);
	free(g);
	return 0;
}

int
main(int argc, char *argv[])
{
	const char *field = "_emit_us", *logpath = NULL, *recs = NULL;
	struct sigaction sa;
	FILE *log = NULL;
	int c, tee = 0, fd = 0, r;

	while ((c = getopt(argc, argv, "f:j:L:l:t")) != -1)
		switch (c) {
		case 'f':
			field = optarg;
			break;
		case 'j':
			recs = optarg;
			break;
		case 'L':
			logpath = optarg;
			break;
		case 'l':
			label = optarg;
			break;
		case 't':
			tee = 1;
			break;
		default:
			fprintf(stderr, "usage: lat-probe [-t] [-f field] "
			    "[-l label] [-L log] [file]\n"
			    "       lat-probe -j records.log [-l label] "
			    "gold.log\n");
			return 2;
		}
	argc -= optind;
	argv += optind;
	if (recs != NULL) {
		if (argc != 1)
			die("-j needs the log of the output rows");
		return join(recs, argv[0]);
	}
	if (argc > 1)
		die("one input at most");
	if (argc == 1 && strcmp(argv[0], "-") != 0 &&
	    (fd = open(argv[0], O_RDONLY)) == -1) {
		fprintf(stderr, "lat-probe: %s: %s\n", argv[0],
		    strerror(errno));
		return 1;
	}
	if (logpath != NULL && (log = fopen(logpath, "w")) == NULL) {
		fprintf(stderr, "lat-probe: %s: %s\n", logpath,
		    strerror(errno));
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = onsig;	/* no SA_RESTART: a blocked read returns */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	r = watch(fd, tee, field, log);
	report();
	if (log != NULL && fclose(log) != 0) {
		perror("lat-probe: log");
		r = 1;
	}
	free(lat);
	return r;
}
