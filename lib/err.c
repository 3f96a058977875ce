/* err.c: the message of the last libmb failure, for mb_errmsg(). */
#include <stdio.h>
#include <string.h>

#include "mb.h"

static _Thread_local char errbuf[512];

const char *
mb_errmsg(void)
{
	return errbuf;
}

/* Formats into a copy first, so that a caller may wrap the last message:
 * mb_seterr("%s: %s", what, mb_errmsg()). */
int
mb_seterr(const char *fmt, ...)
{
	char tmp[sizeof(errbuf)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	memcpy(errbuf, tmp, sizeof(errbuf));
	return -1;
}
