/*
 * schema-check: a driver that exposes libmb's JSON Schema engine
 * (lib/schema.h) to the bats suite (tests/schema.bats); not installed.
 *
 *   schema-check SCHEMA [coerce] [rescue]
 *
 * Compiles the schema file, then checks each line of stdin, a record, and
 * prints "ok", or one line per failure ("slot field: message = value")
 * and per change ("change field -> value" or "rescue field"), then "--".
 * A schema that does not compile prints "error: MESSAGE" and status 2.
 */
#include <stdlib.h>
#include <string.h>

#include "mb.h"
#include "schema.h"

static void
span(mb_buf *o, mb_span s, const char *none)
{
	if (s.p == NULL)
		mb_buf_adds(o, none);
	else
		mb_buf_add(o, s.p, s.len);
}

int
main(int argc, char *argv[])
{
	mb_schema_res res = { 0 };
	mb_schema *s;
	mb_buf text = { 0 }, o = { 0 };
	mb_rec *r = mb_rec_new();
	mb_line l;
	mb_in *in;
	int i, n, flags = 0;

	mb_prog_init(argv[0]);
	if (argc < 2)
		mb_die(MB_EXIT_USAGE, "usage: schema-check SCHEMA [coerce] [rescue]");
	for (i = 2; i < argc; i++)
		flags |= strcmp(argv[i], "coerce") == 0 ? MB_SCHEMA_COERCE :
		    strcmp(argv[i], "rescue") == 0 ? MB_SCHEMA_RESCUE : 0;
	if (mb_file_read(argv[1], &text) < 0)
		mb_die(MB_EXIT_USAGE, "%s", mb_errmsg());
	if ((s = mb_schema_compile(text.p, text.len)) == NULL) {
		printf("error: %s\n", mb_errmsg());
		mb_rec_free(r);
		mb_buf_free(&text);
		return mb_finish(MB_EXIT_USAGE);
	}
	mb_buf_free(&text);
	printf("types=%d props=%d required=%d closed=%d\n", mb_schema_types(s),
	    mb_schema_nprops(s), mb_schema_nrequired(s), mb_schema_closed(s));
	/* before the lines that libmb's output writes */
	fflush(stdout);
	if ((in = mb_in_open("-", 0)) == NULL)
		mb_die(MB_EXIT_FAIL, "%s", mb_errmsg());
	while (mb_in_line(in, &l) == 1) {
		mb_buf_reset(&o);
		if (mb_rec_parse(r, l.p, l.len) < 0) {
			mb_buf_printf(&o, "not a record: %s\n", mb_errmsg());
			mb_out_buf(&o);
			continue;
		}
		n = mb_schema_check(s, r, flags, &res);
		if (n != res.nfails)
			mb_die(MB_EXIT_FAIL, "returned %d, listed %d", n, res.nfails);
		for (i = 0; i < res.nfails; i++) {
			const mb_schema_fail *f = &res.fails[i];
			mb_buf_printf(&o, "%d ", f->slot);
			span(&o, f->field, "(record)");
			mb_buf_adds(&o, ": ");
			span(&o, f->msg, "");
			mb_buf_adds(&o, " = ");
			span(&o, f->value, "(missing)");
			mb_buf_addc(&o, '\n');
		}
		if (res.more > 0)
			mb_buf_printf(&o, "and %llu more\n",
			    (unsigned long long)res.more);
		for (i = 0; i < res.nchanges; i++) {
			const mb_schema_change *c = &res.changes[i];
			mb_span k = mb_rec_key(r, c->field);
			mb_buf_adds(&o, c->value.p ? "change " : "rescue ");
			mb_buf_add(&o, k.p, k.len);
			if (c->value.p != NULL) {
				mb_buf_adds(&o, " -> ");
				span(&o, c->value, "");
			}
			mb_buf_addc(&o, '\n');
		}
		mb_buf_adds(&o, n == 0 ? "ok\n" : "--\n");
		mb_out_buf(&o);
	}
	mb_in_close(in);
	mb_rec_free(r);
	mb_schema_res_free(&res);
	mb_schema_free(s);
	mb_buf_free(&o);
	return mb_finish(MB_EXIT_OK);
}
