/*
 * Date parts of a time, as JSON texts ready to be written: year, month,
 * day, day of week (1 = Sunday, as Spark's dayofweek), hour, and the date
 * "YYYY-MM-DD", all in UTC.  A stream's times mostly fall on few days, so
 * the parts of the last day seen are kept and a time "YYYY-MM-DDThh:mm:ssZ"
 * of that day is not parsed again.
 *
 * Ownership: an mb_dparts is the caller's (zeroed to start; nothing to
 * free); the spans in part[] point into it and live until the next call.
 */
#ifndef MB_DPARTS_H
#define MB_DPARTS_H

#include "mb.h"

enum {
	MB_DP_YEAR, MB_DP_MONTH, MB_DP_DAY, MB_DP_DOW, MB_DP_HOUR, MB_DP_DATE,
	MB_DP_N
};

typedef struct mb_dparts {
	mb_span part[MB_DP_N];
	/* private: the last day's parts, its hour apart */
	int cached;
	char day[10];
	char text[96];
	char hour[4];
	mb_buf tmp;		/* freed by mb_dparts_free */
} mb_dparts;

/*
 * The parts of the time in json, a JSON value (n bytes): a string as
 * mb_time_parse() reads it, or epoch seconds or milliseconds.  1: they
 * are in d->part; 0: the value is null; -1: it is not a time (nothing in
 * d->part; mb_errmsg() says why).
 */
int mb_dparts_of(mb_dparts *d, const char *json, size_t n);
void mb_dparts_free(mb_dparts *d);

#endif
