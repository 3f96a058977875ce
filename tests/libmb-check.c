/*
 * libmb-check: a driver that exposes libmb's parsers to the bats suite
 * (tests/libmb.bats).  Reads lines on stdin and prints what libmb made of
 * them, one result per line; not installed.
 *
 *   libmb-check time           each line a timestamp: ms and RFC 3339
 *   libmb-check dec            "a OP b" with OP in + - * / cmp
 *   libmb-check get PATH...    each line a record: type and value of PATH
 *   libmb-check edit K=V|-K... each line a record: set or delete, write
 *   libmb-check parse          parse every line, print the count (for timing)
 *   libmb-check width          each line: its width in terminal columns
 *   libmb-check flat SEP       each line an object: its leaves, "key\tvalue"
 *   libmb-check jarr           the input a JSON array: its elements and breaks
 *   libmb-check walk           "FROM TO V..." a log's versions: the steps of
 *                              mb_lake_walk over FROM..TO
 */
#include <stdlib.h>
#include <string.h>

#include "lake.h"
#include "mb.h"

static const char *tname[] = { "none", "null", "bool", "num", "str", "obj", "arr" };

static void
do_time(const mb_line *l, mb_buf *o)
{
	int64_t ms;
	mb_tm tm;

	if (mb_time_parse(l->p, l->len, &ms) < 0) {
		mb_buf_printf(o, "error: %s\n", mb_errmsg());
		return;
	}
	mb_time_split(ms, &tm);
	mb_buf_printf(o, "%lld ", (long long)ms);
	mb_time_fmt(o, ms);
	mb_buf_printf(o, " wday=%d yday=%d\n", tm.wday, tm.yday);
}

static void
do_dec(const mb_line *l, mb_buf *o)
{
	char *s = strndup(l->p, l->len), *a = strtok(s, " "), *op = strtok(NULL, " "),
	    *b = strtok(NULL, " ");
	mb_dec x, y, r;
	int rc = -1;

	if (!a || !op || !b || mb_dec_parse(a, strlen(a), &x) < 0 ||
	    mb_dec_parse(b, strlen(b), &y) < 0) {
		mb_buf_printf(o, "error: %s\n", mb_errmsg());
		free(s);
		return;
	}
	if (strcmp(op, "+") == 0)
		rc = mb_dec_add(x, y, &r);
	else if (strcmp(op, "-") == 0)
		rc = mb_dec_sub(x, y, &r);
	else if (strcmp(op, "*") == 0)
		rc = mb_dec_mul(x, y, &r);
	else if (strcmp(op, "/") == 0)
		rc = mb_dec_div(x, y, 4, &r);
	else if (strcmp(op, "cmp") == 0) {
		mb_buf_printf(o, "%d\n", mb_dec_cmp(x, y));
		free(s);
		return;
	}
	if (rc < 0)
		mb_buf_printf(o, "error: %s\n", mb_errmsg());
	else {
		mb_buf_dec(o, r);
		mb_buf_addc(o, '\n');
	}
	free(s);
}

static void
do_get(mb_rec *r, int argc, char **argv, mb_buf *o)
{
	for (int i = 0; i < argc; i++) {
		int v = mb_rec_find(r, argv[i]);
		mb_type t = mb_rec_type(r, v);
		mb_span raw = mb_rec_raw(r, v);
		int64_t n;
		mb_dec d;

		mb_buf_printf(o, "%s=%s", argv[i], tname[t]);
		if (v >= 0)
			mb_buf_printf(o, ":%.*s", (int)raw.len, raw.p);
		if (t == MB_T_STR) {
			mb_buf_adds(o, " text=");
			mb_rec_str(r, v, o);
		}
		if (t == MB_T_NUM) {
			if (mb_rec_int(r, v, &n) == 0)
				mb_buf_printf(o, " int=%lld", (long long)n);
			else
				mb_buf_printf(o, " int=(%s)", mb_errmsg());
			if (mb_rec_dec(r, v, &d) == 0) {
				mb_buf_adds(o, " dec=");
				mb_buf_dec(o, d);
			} else
				mb_buf_printf(o, " dec=(%s)", mb_errmsg());
		}
		if (t == MB_T_OBJ || t == MB_T_ARR)
			mb_buf_printf(o, " len=%d", mb_rec_len(r, v));
		mb_buf_addc(o, i + 1 < argc ? ' ' : '\n');
	}
}

static void
do_edit(mb_rec *r, int argc, char **argv, mb_buf *o)
{
	for (int i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (argv[i][0] == '-')
			mb_rec_del(r, argv[i] + 1);
		else if (eq) {
			*eq = '\0';
			mb_rec_set(r, argv[i], eq + 1, strlen(eq + 1));
			*eq = '=';
		}
	}
	mb_rec_write(r, o);
}

/* The elements of the JSON array on stdin, as mb_jarr cuts them out. */
static void
do_jarr(mb_in *in, mb_buf *o)
{
	mb_jarr a = { 0 };
	mb_line l;
	size_t i;
	int rc, started = 0, done = 0;

	while (!done && mb_in_line(in, &l) == 1) {
		for (i = 0; i < l.len && !done; i++) {
			if (!started) {
				started = l.p[i] == '[';
				continue;
			}
			rc = mb_jarr_byte(&a, l.p[i], l.lineno);
			if (rc == MB_JA_ELEMENT || rc == MB_JA_LAST) {
				mb_jarr_trim(&a);
				mb_buf_printf(o, "element %llu: %.*s | ",
				    (unsigned long long)a.elline, (int)a.el.len, a.el.p);
				mb_buf_json_str(o, a.raw.p, a.raw.len);
				mb_buf_addc(o, '\n');
				mb_jarr_clear(&a);
			}
			if (rc == MB_JA_LAST || rc == MB_JA_END) {
				mb_buf_adds(o, "end\n");
				done = 1;
			} else if (rc == MB_JA_BREAK) {
				mb_buf_printf(o, "break %llu:%zu\n",
				    (unsigned long long)l.lineno, i + 1);
				done = 1;
			}
		}
		if (!done && mb_jarr_eol(&a) == MB_JA_BREAK) {
			mb_buf_printf(o, "break %llu: end of line in a string\n",
			    (unsigned long long)l.lineno);
			done = 1;
		}
	}
	if (!done)
		mb_buf_printf(o, "no end: %s\n", !a.inel ? "no element" :
		    mb_jarr_complete(&a) ? "an element whole" : "an element cut");
	mb_jarr_free(&a);
}

static mb_flat f;

static void
do_flat(const mb_line *l, const char *sep, mb_buf *o)
{
	mb_span k, v;
	int rc;

	if ((rc = mb_flat_start(&f, l->p, l->len, NULL, 0, sep[0])) <= 0) {
		mb_buf_adds(o, rc < 0 ? "error: not an object\n" : "empty\n");
		return;
	}
	while ((rc = mb_flat_next(&f, &k, &v)) == 1)
		mb_buf_printf(o, "%.*s\t%.*s\n", (int)k.len, k.p, (int)v.len, v.p);
	if (rc < 0)
		mb_buf_printf(o, "error: %s\n", mb_errmsg());
	mb_buf_adds(o, "--\n");
}

static void
do_walk(const mb_line *l, mb_buf *o)
{
	mb_buf line = { 0 }, vs = { 0 };
	mb_lake_walk w;
	int64_t from, to, v, lo, hi;
	char *p, *end;
	int step;

	mb_buf_add(&line, l->p, l->len);
	p = mb_buf_cstr(&line);
	from = strtoll(p, &p, 10);
	to = strtoll(p, &p, 10);
	while (v = strtoll(p, &end, 10), end != p) {
		mb_buf_add(&vs, &v, sizeof(v));
		p = end;
	}
	mb_lake_walk_init(&w, &vs, from, to);
	while ((step = mb_lake_walk_next(&w, &lo, &hi)) != 0)
		if (step == MB_LAKE_ENTRY)
			mb_buf_printf(o, " %lld", (long long)lo);
		else
			mb_buf_printf(o, " [%lld-%lld]", (long long)lo,
			    (long long)hi);
	mb_buf_adds(o, "\n");
	mb_buf_free(&line);
	mb_buf_free(&vs);
}

int
main(int argc, char *argv[])
{
	mb_in *in;
	mb_line l;
	mb_rec *r = mb_rec_new();
	mb_buf o = { 0 };
	const char *mode = argc > 1 ? argv[1] : "";

	mb_prog_init(argv[0]);
	if ((in = mb_in_open("-", 0)) == NULL)
		mb_die(MB_EXIT_FAIL, "%s", mb_errmsg());
	if (strcmp(mode, "jarr") == 0) {
		do_jarr(in, &o);
		mb_out_buf(&o);
		o.len = 0;
		while (mb_in_line(in, &l) == 1)
			;	/* what follows the array is not looked at */
	}
	if (strcmp(mode, "parse") == 0) {
		uint64_t ok = 0, bad = 0;

		while (mb_in_line(in, &l) == 1)
			mb_rec_parse(r, l.p, l.len) == 0 ? ok++ : bad++;
		printf("%llu parsed, %llu not\n", (unsigned long long)ok,
		    (unsigned long long)bad);
	}
	while (mb_in_line(in, &l) == 1) {
		o.len = 0;
		if (strcmp(mode, "time") == 0)
			do_time(&l, &o);
		else if (strcmp(mode, "dec") == 0)
			do_dec(&l, &o);
		else if (strcmp(mode, "walk") == 0)
			do_walk(&l, &o);
		else if (strcmp(mode, "width") == 0)
			mb_buf_printf(&o, "%zu\n", mb_utf8_width(l.p, l.len));
		else if (strcmp(mode, "flat") == 0 && argc > 2)
			do_flat(&l, argv[2], &o);
		else if (mb_rec_parse(r, l.p, l.len) < 0)
			mb_buf_printf(&o, "error: %s\n", mb_errmsg());
		else if (strcmp(mode, "get") == 0)
			do_get(r, argc - 2, argv + 2, &o);
		else if (strcmp(mode, "edit") == 0)
			do_edit(r, argc - 2, argv + 2, &o);
		else
			mb_die(MB_EXIT_USAGE, "usage: libmb-check time|dec|width|get|edit|flat ...");
		mb_out_buf(&o);
	}
	mb_in_close(in);
	mb_rec_free(r);
	mb_buf_free(&o);
	mb_flat_free(&f);
	return mb_finish(MB_EXIT_OK);
}
