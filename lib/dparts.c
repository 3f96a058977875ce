/*
 * dparts.c: date parts (dparts.h).  A time written as a plain UTC string
 * on the day remembered costs a compare and two digits; any other goes
 * through mb_time_parse() and mb_time_split().
 */
#include <string.h>

#include "dparts.h"
#include "expr.h"

/* A UTC time written "YYYY-MM-DDThh:mm:ssZ" (with its quotes); its hour,
 * or -1. */
static int
plain_time(const char *json, size_t n)
{
	const char *p = json + 1;
	int h, m, sec;

	if (n != 22 || json[0] != '"' || p[10] != 'T' || p[13] != ':' ||
	    p[16] != ':' || p[19] != 'Z' || p[20] != '"')
		return -1;
	h = (p[11] - '0') * 10 + (p[12] - '0');
	m = (p[14] - '0') * 10 + (p[15] - '0');
	sec = (p[17] - '0') * 10 + (p[18] - '0');
	if ((unsigned)(p[11] - '0') > 9 || (unsigned)(p[12] - '0') > 9 ||
	    (unsigned)(p[14] - '0') > 5 || (unsigned)(p[15] - '0') > 9 ||
	    (unsigned)(p[17] - '0') > 5 || (unsigned)(p[18] - '0') > 9 ||
	    h > 23 || m > 59 || sec > 59)
		return -1;
	return h;
}

static void
set_hour(mb_dparts *d, int h)
{
	size_t k = 0;

	if (h >= 10)
		d->hour[k++] = (char)('0' + h / 10);
	d->hour[k++] = (char)('0' + h % 10);
	d->part[MB_DP_HOUR].p = d->hour;
	d->part[MB_DP_HOUR].len = k;
}

/* Appends v's digits to text at *at and makes it part k. */
static void
put_int(mb_dparts *d, int k, int64_t v, size_t *at)
{
	char tmp[24];
	int n = 0;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[n++] = '-';
	d->part[k].p = d->text + *at;
	d->part[k].len = (size_t)n;
	while (n > 0)
		d->text[(*at)++] = tmp[--n];
}

int
mb_dparts_of(mb_dparts *d, const char *json, size_t n)
{
	mb_val v;
	int64_t ms;
	mb_tm tm;
	int h, ok = 0;
	size_t at = 0;

	h = plain_time(json, n);
	if (h >= 0 && d->cached && memcmp(d->day, json + 1, 10) == 0) {
		set_hour(d, h);
		return 1;
	}
	mb_buf_reset(&d->tmp);
	mb_val_from_json(json, n, &d->tmp, &v);
	if (v.t == MB_V_NULL)
		return 0;
	if (v.t == MB_V_STR)
		ok = mb_time_parse(v.s, v.n, &ms) == 0;
	else if (v.t == MB_V_DEC || v.t == MB_V_DBL)
		ok = mb_time_parse(json, n, &ms) == 0;
	if (!ok) {
		d->cached = 0;
		return mb_seterr("not a timestamp: %.*s", (int)(n > 60 ? 60 : n),
		    json);
	}
	mb_time_split(ms, &tm);
	put_int(d, MB_DP_YEAR, tm.year, &at);
	put_int(d, MB_DP_MONTH, tm.month, &at);
	put_int(d, MB_DP_DAY, tm.day, &at);
	put_int(d, MB_DP_DOW, tm.wday, &at);
	set_hour(d, tm.hour);
	mb_buf_reset(&d->tmp);	/* v is done with */
	mb_time_fmt_date(&d->tmp, ms);
	if (d->tmp.len > sizeof(d->text) - at - 2)
		d->tmp.len = sizeof(d->text) - at - 2;
	d->part[MB_DP_DATE].p = d->text + at;
	d->part[MB_DP_DATE].len = d->tmp.len + 2;
	d->text[at++] = '"';
	memcpy(d->text + at, d->tmp.p, d->tmp.len);
	at += d->tmp.len;
	d->text[at] = '"';
	/* the other times of this day need only their hour */
	d->cached = h >= 0;
	if (h >= 0)
		memcpy(d->day, json + 1, 10);
	return 1;
}

void
mb_dparts_free(mb_dparts *d)
{
	mb_buf_free(&d->tmp);
}
