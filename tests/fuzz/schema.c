/*
 * schema.c: fuzz harness for the JSON Schema engine (lib/schema.c, the
 * compiler, and lib/schema_check.c, the checks).  The input is a schema,
 * then a line "%%", then up to eight records, one a line.  The schema is
 * compiled and its top level read as the tools read it; every record is
 * checked plainly and with coercion and rescue, and what a check reports
 * must hold together: failures name a message, changes name a field of
 * the record.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"

static void
check(const mb_schema *s, const mb_rec *r, int flags, mb_schema_res *res)
{
	int i, n;

	n = mb_schema_check(s, r, flags, res);
	if (n < 0 || n != res->nfails || n > MB_SCHEMA_MAXFAILS)
		abort();
	for (i = 0; i < res->nfails; i++)
		if (res->fails[i].msg.p == NULL || res->fails[i].msg.len == 0)
			abort();	/* a failure says what failed */
	for (i = 0; i < res->nchanges; i++)
		if (res->changes[i].field < 0 ||
		    res->changes[i].field >= mb_rec_nfields(r))
			abort();	/* a change is to a field of the record */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static mb_rec *r;
	const char *p = (const char *)data, *e = p + size, *sep, *nl;
	mb_schema_res res = { 0 };
	mb_schema *s;
	const char *name;
	int i, k = 0;

	if (r == NULL)
		r = mb_rec_new();
	sep = memmem(p, size, "\n%%\n", 4);
	if ((s = mb_schema_compile(p, (size_t)((sep ? sep : e) - p))) == NULL)
		return 0;
	(void)mb_schema_types(s);
	(void)mb_schema_closed(s);
	for (i = 0; i < mb_schema_nprops(s); i++) {
		name = mb_schema_prop(s, i);
		(void)mb_schema_prop_types(s, i);
		if (mb_schema_find(s, name, strlen(name)) < 0)
			abort();	/* a property is found by its name */
	}
	for (i = 0; i < mb_schema_nrequired(s); i++)
		(void)mb_schema_required(s, i);
	for (p = sep ? sep + 4 : e; p < e && k < 8; p = nl ? nl + 1 : e) {
		nl = memchr(p, '\n', (size_t)(e - p));
		if (mb_rec_parse(r, p, (size_t)((nl ? nl : e) - p)) == -1)
			continue;
		check(s, r, 0, &res);
		check(s, r, MB_SCHEMA_COERCE | MB_SCHEMA_RESCUE, &res);
		k++;
	}
	mb_schema_res_free(&res);
	mb_schema_free(s);
	return 0;
}
