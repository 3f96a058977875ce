/* err.c: the message of the last libmb failure, for mb_errmsg(). */
#include <stdio.h>

#include "mb.h"

static _Thread_local char errbuf[512];

const char *
mb_errmsg(void)
{
	return errbuf;
}

int
mb_seterr(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	return -1;
}
