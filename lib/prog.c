/*
 * prog.c: the programs' side of libmb: the tool's name in messages, the
 * quiet switch, fatal errors, what a failed stdout does, the end of the
 * program, and checked option values.  Unlike the rest of the library
 * these print and exit, so that every tool does it alike.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mb.h"

static const char *progname = "mb";
static int quiet;

/* A failed write of stdout: a closed pipe downstream ends the program
 * quietly with status 0; another write error is a message and status 1. */
static void
out_failed(int err)
{
	if (err == EPIPE)
		_exit(MB_EXIT_OK);
	mb_err("write error on standard output: %s", strerror(err));
	_exit(MB_EXIT_FAIL);
}

void
mb_prog_init(const char *name)
{
	const char *s = strrchr(name, '/');

	progname = s ? s + 1 : name;
	signal(SIGPIPE, SIG_IGN);
	mb_out_on_error(out_failed);
}

const char *
mb_prog_name(void)
{
	return progname;
}

void
mb_set_quiet(int q)
{
	quiet = q;
}

static void
vmsg(const char *fmt, va_list ap)
{
	char line[4096];
	int n;

	n = snprintf(line, sizeof(line), "%s: ", progname);
	vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	n = (int)strlen(line);
	line[n++] = '\n';
	/* One write, so messages of tools sharing a terminal do not mix. */
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

void
mb_warn(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void
mb_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void
mb_die(int status, const char *fmt, ...)
{
	va_list ap;

	mb_out_flush();
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	exit(status);
}

int
mb_finish(int status)
{
	if (fflush(stdout) != 0 && errno != EPIPE) {
		mb_err("write error on standard output: %s", strerror(errno));
		return MB_EXIT_FAIL;
	}
	mb_out_flush();
	if (close(STDOUT_FILENO) != 0 && errno != EBADF && errno != EINTR) {
		if (errno == EPIPE)
			return status;
		mb_err("closing standard output: %s", strerror(errno));
		return MB_EXIT_FAIL;
	}
	return status;
}

int64_t
mb_opt_int(const char *opt, const char *s, int64_t min, int64_t max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno == ERANGE || v < min || v > max)
		mb_die(MB_EXIT_USAGE, "%s: '%s' is not an integer from %lld to %lld",
		    opt, s, (long long)min, (long long)max);
	return v;
}

double
mb_opt_double(const char *opt, const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || errno == ERANGE || isnan(v) ||
	    v < min || v > max)
		mb_die(MB_EXIT_USAGE, "%s: '%s' is not a number from %g to %g",
		    opt, s, min, max);
	return v;
}

size_t
mb_opt_size(const char *opt, const char *s)
{
	char *end;
	unsigned long long v;
	int shift = 0;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s >= '0' && *s <= '9' && errno == 0) {
		switch (*end) {
		case 'k': case 'K': shift = 10; end++; break;
		case 'm': case 'M': shift = 20; end++; break;
		case 'g': case 'G': shift = 30; end++; break;
		}
		if ((*end == 'i' || *end == 'I') && shift)
			end++;
		if ((*end == 'b' || *end == 'B') && shift)
			end++;
		if (*end == '\0' && v > 0 && v <= (SIZE_MAX >> shift))
			return (size_t)v << shift;
	}
	mb_die(MB_EXIT_USAGE, "%s: '%s' is not a size (such as 4096, 64K, 64M, 1G)",
	    opt, s);
}
