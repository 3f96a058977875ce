/*
 * Dimension tables for joins: a CSV or NDJSON file (plain or .zst), or a
 * dataset folder (its newest snapshot, each part file's checksum checked
 * as it is read, no symbolic link followed), loaded whole into a hash
 * table from key to row.  A row keeps the raw JSON text of the fields
 * asked for.
 *
 * Keys match on their text: a string's characters, a number's or a
 * boolean's JSON text ("42" the string and 42 the number are the same
 * key); null, objects and arrays are never keys.
 *
 * Ownership: an mb_dim owns its rows and names; a span it hands out lives
 * as long as the mb_dim; mb_dim_free() frees it all.
 */
#ifndef MB_DIM_H
#define MB_DIM_H

#include "mb.h"

typedef struct mb_dim mb_dim;

/* What went wrong in mb_dim_load: */
enum {
	MB_DIM_EBAD = 1,	/* the table or the request (a usage error) */
	MB_DIM_EDUP,		/* a key repeats and `first` was not set */
	MB_DIM_EREAD		/* reading failed (a runtime error) */
};

/*
 * Loads path, keyed on field `key`, keeping `fields` (n names; NULL: every
 * field of the first row but the key).  first: on a repeated key keep the
 * first row instead of failing.  NULL with mb_errmsg() ("FILE:LINE: ...")
 * and *err set to one of the above.
 */
mb_dim *mb_dim_load(const char *path, const char *key,
    const char *const *fields, int n, int first, int *err);
void mb_dim_free(mb_dim *d);

int mb_dim_nfields(const mb_dim *d);
const char *mb_dim_field(const mb_dim *d, int i);
size_t mb_dim_nrows(const mb_dim *d);
/* The row whose key is the JSON value json (n bytes), or -1. */
long mb_dim_find(mb_dim *d, const char *json, size_t n);
/* Field i of a row, as JSON text ("null" when the row lacked it). */
mb_span mb_dim_value(const mb_dim *d, long row, int i);

#endif
