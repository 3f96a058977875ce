/*
 * out.c: the programs' one buffered stdout.  A closed pipe downstream ends
 * the program quietly with status 0; another write error is status 1.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mb.h"

#define OUTSZ (256 * 1024)

static char outbuf[OUTSZ];
static size_t outlen;
static int outdead;
static void (*onerror)(int);

void
mb_out_on_error(void (*fn)(int err))
{
	onerror = fn;
}

static void
write_all(const char *p, size_t n)
{
	if (outdead || mb_write_all(STDOUT_FILENO, p, n) == 0)
		return;
	outdead = 1;
	if (onerror) {
		onerror(errno);
		return;
	}
	if (errno == EPIPE)
		_exit(MB_EXIT_OK);
	mb_err("write error on standard output: %s", strerror(errno));
	_exit(MB_EXIT_FAIL);
}

void
mb_out_flush(void)
{
	if (outlen) {
		write_all(outbuf, outlen);
		outlen = 0;
	}
}

void
mb_out(const void *p, size_t n)
{
	if (outdead)
		return;
	if (outlen + n <= OUTSZ) {
		memcpy(outbuf + outlen, p, n);
		outlen += n;
		return;
	}
	mb_out_flush();
	if (n >= OUTSZ)
		write_all(p, n);
	else {
		memcpy(outbuf, p, n);
		outlen = n;
	}
}

void
mb_out_buf(const mb_buf *b)
{
	mb_out(b->p, b->len);
}

int
mb_out_pending(void)
{
	return outlen > 0;
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
