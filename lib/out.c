/*
 * out.c: the programs' one buffered stdout.  A failed write makes output
 * go quiet and calls the error hook once: mb_prog_init() sets the hook
 * that ends the program (prog.c), a tool that must finish its own work
 * sets its own.  This file prints nothing and exits nowhere, so that
 * prog.c, which does, is the only one of the two that calls the other.
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
	outdead = errno ? errno : EIO;
	if (onerror)
		onerror(outdead);
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
	if (outdead || n == 0)	/* (an empty mb_buf's p may be NULL) */
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
