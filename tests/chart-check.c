/*
 * chart-check: a driver that exposes libmb's chart engine (lib/chart.h)
 * to the bats suite (tests/chart.bats).  Reads commands on stdin, one a
 * line, and prints what the engine made of them; not installed.
 *
 *   short UNIT V          chart_num_short (UNIT: num money count pct)
 *   full UNIT V           chart_num_full
 *   text NUMBER           chart_num_text
 *   ticks LO HI MAXN UNIT the ticks and their labels
 *   tticks LO HI MAXN     time ticks (RFC 3339 or dates) and labels
 *   grain T1 T2 ...       chart_time_grain and chart_time_point of T1
 *   fit PX WIDTH TEXT     chart_esc_fit
 *   esc TEXT              chart_esc
 *   width PX TEXT         chart_text_width, rounded
 *   spread GAP LO HI P... chart_spread
 *   line N W              a line of N points in a W-pixel chart: the
 *                         points drawn, the titles, the size
 *   bars W L=V ...        horizontal bars: each bar's width and title
 *   svg KIND ...          as line or bars, but prints the SVG itself
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"

static enum chart_unit
unit(const char *s)
{
	if (s == NULL)
		return CHART_NUM;
	if (strcmp(s, "money") == 0)
		return CHART_MONEY;
	if (strcmp(s, "count") == 0)
		return CHART_COUNT;
	if (strcmp(s, "pct") == 0)
		return CHART_PCT;
	return CHART_NUM;
}

static int64_t
tparse(const char *s)
{
	int64_t ms = 0;

	if (s != NULL)
		mb_time_parse(s, strlen(s), &ms);
	return ms;
}

/* Counts occurrences of s in b. */
static int
count(const mb_buf *b, const char *s)
{
	const char *p = b->p, *e = b->p + b->len;
	int n = 0;

	while ((p = memmem(p, (size_t)(e - p), s, strlen(s))) != NULL) {
		n++;
		p += strlen(s);
	}
	return n;
}

/* The drawn points of the first <path class="line ..."> in b. */
static int
points(const mb_buf *b)
{
	const char *p = memmem(b->p, b->len, "class=\"line s0", 14), *e;
	int n = 0;

	if (p == NULL || (p = strstr(p, " d=\"")) == NULL)
		return 0;
	for (e = strchr(p + 4, '"'); p < e; p++)
		n += *p == 'M' || *p == 'L';
	return n;
}

static void
line(char **arg, int na, int print)
{
	size_t n = na > 0 ? strtoul(arg[0], NULL, 10) : 0, i;
	int w = na > 1 ? atoi(arg[1]) : 600;
	double *x = mb_xmalloc((n + 1) * sizeof(double)),
	    *y = mb_xmalloc((n + 1) * sizeof(double)), max = 0;
	chart_series s;
	mb_buf m = {0};
	chart_opts o;
	mb_buf b = {0};

	for (i = 0; i < n; i++) {
		x[i] = 1735689600000.0 + (double)i * 86400000.0;
		/* a wave with one spike, which binning must keep */
		y[i] = 1000 + 500 * sin((double)i / 20) + (i == n / 3 ? 5000 : 0);
	}
	memset(&s, 0, sizeof(s));
	s.name = "revenue";
	s.x = x;
	s.y = y;
	s.n = n;
	s.hover = 1;
	memset(&o, 0, sizeof(o));
	o.w = w;
	o.h = 200;
	o.xtime = 1;
	o.unit = CHART_MONEY;
	o.ymin = o.ymax = NAN;
	o.zero = 1;
	o.label_last = 1;
	chart_line(&b, &s, 1, &o);
	mb_buf_cstr(&b);
	if (print)
		printf("%.*s\n", (int)b.len, b.p);
	else {
		for (i = 0; i < n; i++)
			max = fmax(max, y[i]);
		chart_num_full(&m, max, CHART_MONEY);
		printf("points=%d titles=%d peak=%s size=%s\n", points(&b),
		    count(&b, "<title>"), n == 0 ? "none" :
		    count(&b, mb_buf_cstr(&m)) ? "in a title" : "lost",
		    b.len < 20000 ? "under 20 KB" : "20 KB or more");
	}
	mb_buf_free(&m);
	free(x);
	free(y);
	mb_buf_free(&b);
}

static void
bars(char **arg, int na, int print)
{
	chart_bar *bar = mb_xcalloc((size_t)na + 1, sizeof(*bar));
	chart_bar_opts o;
	mb_buf b = {0};
	const char *p, *q;
	int i, n = 0;

	for (i = 1; i < na; i++) {
		if ((p = strrchr(arg[i], '=')) == NULL)
			continue;
		bar[n].label = arg[i];
		bar[n].len = (size_t)(p - arg[i]);
		bar[n].v[0] = strtod(p + 1, NULL);
		bar[n].other = strncmp(arg[i], "Other", 5) == 0;
		n++;
	}
	memset(&o, 0, sizeof(o));
	o.w = na > 0 ? atoi(arg[0]) : 600;
	o.nv = 1;
	o.unit = CHART_MONEY;
	chart_hbars(&b, bar, n, &o);
	mb_buf_cstr(&b);
	if (print)
		printf("%.*s\n", (int)b.len, b.p);
	else
		for (p = b.p; (p = strstr(p, "<rect class=\"bar")) != NULL; p = q) {
			const char *wd = strstr(p, "width=\""), *t = strstr(p,
			    "<title>");

			q = strstr(t, "</title>");
			printf("width=%.*s title=%.*s\n",
			    (int)(strchr(wd + 7, '"') - wd - 7), wd + 7,
			    (int)(q - t - 7), t + 7);
		}
	free(bar);
	mb_buf_free(&b);
}

int
main(void)
{
	char *ln = NULL, *arg[64], *p;
	size_t cap = 0;
	ssize_t len;
	mb_buf b = {0};
	int na, i, n, u;
	double t0, step, pos[64];
	int64_t tk[64], tx[64];

	while ((len = getline(&ln, &cap, stdin)) > 0) {
		if (ln[len - 1] == '\n')
			ln[--len] = '\0';
		p = ln;
		for (na = 0; na < 64 && (arg[na] = strsep(&p, " ")) != NULL;
		    na++)
			;
		b.len = 0;
		if (strcmp(arg[0], "short") == 0 && na == 3)
			chart_num_short(&b, strtod(arg[2], NULL), unit(arg[1]));
		else if (strcmp(arg[0], "full") == 0 && na == 3)
			chart_num_full(&b, strtod(arg[2], NULL), unit(arg[1]));
		else if (strcmp(arg[0], "text") == 0 && na == 2)
			chart_num_text(&b, arg[1], strlen(arg[1]));
		else if (strcmp(arg[0], "ticks") == 0 && na == 5) {
			n = chart_ticks(strtod(arg[1], NULL), strtod(arg[2], NULL),
			    atoi(arg[3]), &t0, &step);
			for (i = 0; i < n; i++) {
				if (i)
					mb_buf_addc(&b, ' ');
				chart_num_tick(&b, t0 + i * step, step, unit(arg[4]));
			}
		} else if (strcmp(arg[0], "tticks") == 0 && na == 4) {
			n = chart_time_ticks(tparse(arg[1]), tparse(arg[2]),
			    atoi(arg[3]), tk, 64, &u);
			for (i = 0; i < n; i++) {
				mb_tm a, z;

				if (i)
					mb_buf_adds(&b, " | ");
				mb_time_split(tk[i], &a);
				if (i)
					mb_time_split(tk[i - 1], &z);
				chart_time_label(&b, tk[i], u, i == 0 ||
				    a.year != z.year);
			}
		} else if (strcmp(arg[0], "grain") == 0 && na > 1) {
			double x[64];

			for (i = 1; i < na; i++)
				x[i - 1] = (double)(tx[i - 1] = tparse(arg[i]));
			u = chart_time_grain(x, (size_t)(na - 1));
			mb_buf_printf(&b, "%d ", u);
			chart_time_point(&b, tx[0], u);
		} else if (strcmp(arg[0], "fit") == 0 && na >= 4) {
			p = arg[3];
			for (i = 4; i < na; i++)
				arg[i][-1] = ' ';	/* the rest is the text */
			chart_esc_fit(&b, p, strlen(p), strtod(arg[1], NULL),
			    strtod(arg[2], NULL));
		} else if (strcmp(arg[0], "esc") == 0 && na >= 2) {
			for (i = 2; i < na; i++)
				arg[i][-1] = ' ';
			chart_esc(&b, arg[1], strlen(arg[1]));
		} else if (strcmp(arg[0], "width") == 0 && na >= 3) {
			for (i = 3; i < na; i++)
				arg[i][-1] = ' ';
			mb_buf_printf(&b, "%.0f", chart_text_width(arg[2],
			    strlen(arg[2]), strtod(arg[1], NULL)));
		} else if (strcmp(arg[0], "spread") == 0 && na >= 4) {
			for (i = 4; i < na; i++)
				pos[i - 4] = strtod(arg[i], NULL);
			n = chart_spread(pos, na - 4, strtod(arg[1], NULL),
			    strtod(arg[2], NULL), strtod(arg[3], NULL));
			mb_buf_printf(&b, "%d:", n);
			for (i = 4; i < na; i++)
				mb_buf_printf(&b, " %g", pos[i - 4]);
		} else if (strcmp(arg[0], "line") == 0) {
			line(arg + 1, na - 1, 0);
			continue;
		} else if (strcmp(arg[0], "bars") == 0) {
			bars(arg + 1, na - 1, 0);
			continue;
		} else if (strcmp(arg[0], "svg") == 0 && na > 1) {
			if (strcmp(arg[1], "line") == 0)
				line(arg + 2, na - 2, 1);
			else
				bars(arg + 2, na - 2, 1);
			continue;
		} else
			mb_buf_printf(&b, "error: bad command: %s", arg[0]);
		printf("%.*s\n", (int)b.len, b.p);
	}
	free(ln);
	mb_buf_free(&b);
	return 0;
}
