/*
 * summarize-check: a driver that exposes mb-summarize's engines to the
 * bats suite (tests/mb-summarize.bats).  Reads lines on stdin and prints
 * what the engine made of each; not installed.
 *
 *   summarize-check fmt       "UNIT VALUE": the figure in reading form
 *   summarize-check scan      a text: each figure the grounding check sees
 *   summarize-check robust    numbers: the median and modified z-scores
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "ground.h"

static const char *units[] = { "number", "money", "count", "percent",
	"points", "days" };
static const char *kinds[] = { "plain", "percent", "money", "ratio", "year" };

static void
do_fmt(const mb_line *l, mb_buf *o)
{
	const char *sp = memchr(l->p, ' ', l->len);
	mb_dec v;
	int u = -1;

	for (int i = 0; sp && i < 6; i++)
		if (strlen(units[i]) == (size_t)(sp - l->p) &&
		    memcmp(units[i], l->p, (size_t)(sp - l->p)) == 0)
			u = i;
	if (u < 0 || mb_dec_parse(sp + 1, l->len - (size_t)(sp + 1 - l->p),
	    &v) == -1) {
		mb_buf_adds(o, "error\n");
		return;
	}
	mb_fmt_read(o, v, u);
	mb_buf_addc(o, '\n');
}

static void
do_scan(const mb_line *l, mb_buf *o)
{
	size_t n;
	mb_gfig *g = mb_ground_scan(l->p, l->len, &n);

	for (size_t i = 0; i < n; i++)
		mb_buf_printf(o, "%s[%.*s] %s %.10g ±%.10g%s%s%s%s", i ? " " : "",
		    (int)g[i].len, l->p + g[i].off, kinds[g[i].kind], g[i].v,
		    g[i].tol, g[i].sign > 0 ? " +" : g[i].sign < 0 ? " -" : "",
		    g[i].integer ? " int" : "", g[i].date ? " date" : "",
		    g[i].rank ? " rank" : "");
	mb_buf_addc(o, '\n');
	free(g);
}

static void
do_robust(const mb_line *l, mb_buf *o)
{
	mb_dec *x = NULL, med;
	double *z;
	size_t n = 0;
	char *s = mb_xstrndup(l->p, l->len), *tok, *save;

	for (tok = strtok_r(s, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		x = mb_xrealloc(x, (n + 1) * sizeof(mb_dec));
		if (mb_dec_parse(tok, strlen(tok), &x[n]) == 0)
			n++;
	}
	z = mb_xmalloc((n ? n : 1) * sizeof(double));
	if (mb_robust_z(x, n, z, &med) == -1)
		mb_buf_adds(o, "none");
	else {
		mb_buf_adds(o, "median ");
		mb_buf_dec(o, med);
		for (size_t i = 0; i < n; i++)
			mb_buf_printf(o, " %.2f%s", z[i], fabs(z[i]) > 3.5 ? "!" : "");
	}
	mb_buf_addc(o, '\n');
	free(x);
	free(z);
	free(s);
}

int
main(int argc, char *argv[])
{
	mb_in *in;
	mb_line l;
	mb_buf o = { 0 };

	mb_prog_init("summarize-check");
	if (argc != 2 || (strcmp(argv[1], "fmt") && strcmp(argv[1], "scan") &&
	    strcmp(argv[1], "robust")))
		mb_die(MB_EXIT_USAGE, "usage: summarize-check fmt|scan|robust");
	if ((in = mb_in_open("-", 0)) == NULL)
		mb_die(MB_EXIT_FAIL, "%s", mb_errmsg());
	while (mb_in_line(in, &l) > 0) {
		mb_buf_reset(&o);
		if (argv[1][0] == 'f')
			do_fmt(&l, &o);
		else if (argv[1][0] == 's')
			do_scan(&l, &o);
		else
			do_robust(&l, &o);
		mb_out_buf(&o);
	}
	mb_in_close(in);
	mb_buf_free(&o);
	return mb_finish(MB_EXIT_OK);
}
