/*
 * time.c: timestamps as int64 milliseconds since the epoch, UTC.  Civil
 * dates are converted with Howard Hinnant's days_from_civil algorithm, so
 * nothing depends on the C library's time zone or locale.
 */
#include <string.h>
#include <time.h>

#include "mb.h"

int64_t
mb_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void
civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

static int
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
mdays(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && leap(y) ? 29 : dm[m - 1];
}

/* Reads exactly k digits at *p; -1 if they are not there. */
static int
digits(const char **p, const char *e, int k)
{
	int v = 0;

	if (e - *p < k)
		return -1;
	while (k-- > 0) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (*(*p)++ - '0');
	}
	return v;
}

int
mb_time_parse(const char *s, size_t n, int64_t *ms)
{
	const char *p = s, *e;
	int y, mo, d, h = 0, mi = 0, sec = 0, frac = 0, sign, oh, om;
	int64_t t;

	if (n == 0)	/* s may be NULL: an empty buffer */
		return mb_seterr("not a timestamp: ''");
	e = s + n;
	while (p < e && *p == ' ')
		p++;
	while (e > p && e[-1] == ' ')
		e--;
	/* Epoch seconds or milliseconds: all digits, maybe a sign/fraction. */
	{
		const char *q = p;
		int neg = 0;
		int64_t v = 0;
		int nd = 0;

		if (q < e && *q == '-') {
			neg = 1;
			q++;
		}
		while (q < e && *q >= '0' && *q <= '9' && nd < 18) {
			v = v * 10 + (*q++ - '0');
			nd++;
		}
		if (nd > 0 && (q == e || *q == '.')) {
			int64_t fr = 0, scale = 1;

			if (q < e && *q == '.') {
				q++;
				while (q < e && *q >= '0' && *q <= '9' && scale < 1000) {
					fr = fr * 10 + (*q++ - '0');
					scale *= 10;
				}
				while (q < e && *q >= '0' && *q <= '9')
					q++;
			}
			if (q == e && nd != 8) {
				if (v > 100000000000LL)	/* beyond 1e11: milliseconds */
					t = v;
				else
					t = v * 1000 + fr * (1000 / scale);
				t = neg ? -t : t;
				if (t < MB_TIME_MIN || t > MB_TIME_MAX)
					goto range;
				*ms = t;
				return 0;
			}
		}
	}
	if ((y = digits(&p, e, 4)) < 0)
		goto bad;
	if (p < e && *p == '-')
		p++;
	if ((mo = digits(&p, e, 2)) < 1 || mo > 12)
		goto bad;
	if (p < e && *p == '-')
		p++;
	if ((d = digits(&p, e, 2)) < 1 || d > mdays(y, mo))
		goto bad;
	if (p < e && (*p == 'T' || *p == 't' || *p == ' ')) {
		p++;
		if ((h = digits(&p, e, 2)) < 0 || h > 23 || p >= e || *p++ != ':' ||
		    (mi = digits(&p, e, 2)) < 0 || mi > 59)
			goto bad;
		if (p < e && *p == ':') {
			p++;
			if ((sec = digits(&p, e, 2)) < 0 || sec > 60)
				goto bad;
			if (sec == 60)
				sec = 59;	/* a leap second */
		}
		if (p < e && (*p == '.' || *p == ',')) {
			int k = 0;

			p++;
			if (p >= e || *p < '0' || *p > '9')
				goto bad;
			while (p < e && *p >= '0' && *p <= '9') {
				if (k < 3) {
					frac = frac * 10 + (*p - '0');
					k++;
				}
				p++;
			}
			while (k++ < 3)
				frac *= 10;
		}
	}
	t = ((mb_days_from_civil(y, (unsigned)mo, (unsigned)d) * 24 + h) * 60 + mi) * 60 + sec;
	t = t * 1000 + frac;
	if (p < e && (*p == 'Z' || *p == 'z')) {
		p++;
	} else if (p < e && (*p == '+' || *p == '-')) {
		sign = *p++ == '-' ? -1 : 1;
		if ((oh = digits(&p, e, 2)) < 0 || oh > 23)
			goto bad;
		if (p < e && *p == ':')
			p++;
		om = 0;
		if (p < e && (om = digits(&p, e, 2)) < 0)
			goto bad;
		if (om > 59)
			goto bad;
		t -= sign * ((int64_t)oh * 3600 + om * 60) * 1000;
	} else if (p < e && e - p >= 4 && memcmp(p, " UTC", 4) == 0)
		p += 4;
	if (p != e)
		goto bad;
	if (t < MB_TIME_MIN || t > MB_TIME_MAX)
		goto range;
	*ms = t;
	return 0;
bad:
	return mb_seterr("not a timestamp: '%.*s'", (int)(n > 64 ? 64 : n), s);
range:
	return mb_seterr("time out of range (years 0000 to 9999): '%.*s'",
	    (int)(n > 64 ? 64 : n), s);
}

int64_t
mb_time_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
mb_time_split(int64_t ms, mb_tm *tm)
{
	/* floor division; -(ms + 1) cannot overflow as -ms can */
	int64_t days = ms >= 0 ? ms / 86400000 : -(-(ms + 1) / 86400000) - 1;
	int64_t rem = ms - days * 86400000;

	civil_from_days(days, &tm->year, &tm->month, &tm->day);
	tm->hour = (int)(rem / 3600000);
	tm->min = (int)(rem / 60000 % 60);
	tm->sec = (int)(rem / 1000 % 60);
	tm->ms = (int)(rem % 1000);
	/* 1970-01-01 was a Thursday: 5 in Sunday=1 numbering. */
	tm->wday = (int)(((days % 7) + 7 + 4) % 7) + 1;
	tm->yday = (int)(days - mb_days_from_civil(tm->year, 1, 1)) + 1;
}

static void
put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

void
mb_time_fmt_date(mb_buf *b, int64_t ms)
{
	mb_tm tm;
	char s[10];

	mb_time_split(ms, &tm);
	if (tm.year < 0 || tm.year > 9999) {
		mb_buf_printf(b, "%d-%02d-%02d", tm.year, tm.month, tm.day);
		return;
	}
	put2(s, tm.year / 100);
	put2(s + 2, tm.year % 100);
	s[4] = '-';
	put2(s + 5, tm.month);
	s[7] = '-';
	put2(s + 8, tm.day);
	mb_buf_add(b, s, 10);
}

void
mb_time_fmt(mb_buf *b, int64_t ms)
{
	mb_tm tm;
	char s[14];

	mb_time_fmt_date(b, ms);
	mb_time_split(ms, &tm);
	s[0] = 'T';
	put2(s + 1, tm.hour);
	s[3] = ':';
	put2(s + 4, tm.min);
	s[6] = ':';
	put2(s + 7, tm.sec);
	s[9] = '.';
	s[10] = (char)('0' + tm.ms / 100);
	put2(s + 11, tm.ms % 100);
	s[13] = 'Z';
	mb_buf_add(b, s, 14);
}

int
mb_duration_parse(const char *s, int64_t *ms)
{
	int64_t v = 0, unit;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return mb_seterr("'%s' is not a duration (such as 30s, 15m, 168h, 7d)", s);
	while (*p >= '0' && *p <= '9') {
		if (v > INT64_MAX / 10 / 86400000)
			return mb_seterr("duration '%s' is too long", s);
		v = v * 10 + (*p++ - '0');
	}
	if (strcmp(p, "ms") == 0)
		unit = 1;
	else if (strcmp(p, "s") == 0 || *p == '\0')
		unit = 1000;
	else if (strcmp(p, "m") == 0)
		unit = 60000;
	else if (strcmp(p, "h") == 0)
		unit = 3600000;
	else if (strcmp(p, "d") == 0)
		unit = 86400000;
	else
		return mb_seterr("'%s' is not a duration (such as 30s, 15m, 168h, 7d)", s);
	*ms = v * unit;
	return 0;
}
