/*
 * csv.c: fuzz harness for the CSV reader (lib/csv.c over libcsv).  The
 * first byte picks the options (tab or comma, a small row limit, a header
 * given apart as mb-ingest does for a file read from the middle); the
 * rest is CSV text, fed line by line as mb-ingest feeds it.  Every row
 * handed out as good must be one valid JSON object, and every bad row
 * must carry its reason: that is the contract mb-ingest relies on to
 * lose nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mb.h"

static void
drain(mb_csv *c)
{
	mb_csv_row row;

	while (mb_csv_next(c, &row)) {
		if (row.error != NULL) {
			if (row.error[0] == '\0')
				abort();
			continue;
		}
		if (mb_json_check_object(row.json, row.json_len) == -1)
			abort();	/* a good row must be a JSON object */
		(void)mb_csv_has_key(c, "_source");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data + 1, *e, *nl;
	uint64_t lineno = 0;
	unsigned flags;
	mb_csv *c;

	if (size == 0)
		return 0;
	flags = data[0];
	e = (const char *)data + size;
	c = mb_csv_new(flags & 1 ? '\t' : ',', flags & 2 ? 64 : 0);
	if (flags & 4) {
		nl = memchr(p, '\n', (size_t)(e - p));
		(void)mb_csv_set_header(c, p, (size_t)((nl ? nl : e) - p));
		p = nl ? nl + 1 : e;
		lineno++;
	}
	while (p < e) {
		size_t n;

		nl = memchr(p, '\n', (size_t)(e - p));
		n = (size_t)((nl ? nl : e) - p);
		/* lines end in "\n" or "\r\n", as mb_in_line hands them out */
		(void)mb_csv_feed(c, p, n > 0 && p[n - 1] == '\r' ? n - 1 : n,
		    ++lineno);
		drain(c);
		p = nl ? nl + 1 : e;
	}
	mb_csv_finish(c);
	drain(c);
	(void)mb_csv_has_header(c);
	mb_csv_free(c);
	return 0;
}
