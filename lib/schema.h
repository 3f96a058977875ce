/*
 * JSON Schema, the subset of draft 2020-12 that describes records: type,
 * properties, required, additionalProperties (a boolean or a schema),
 * items, enum, const, minimum, maximum, exclusiveMinimum,
 * exclusiveMaximum, minLength, maxLength, minItems, maxItems, pattern, and
 * format date-time, date and email.  Annotations ($schema, $id, title,
 * description, ...) are read and ignored; any other keyword is an error
 * when the schema is compiled, never a rule silently not enforced.
 *
 * A schema is compiled once and then checks records (mb_rec) without
 * converting the values that pass: a number is compared on its digits, a
 * string without escapes on its bytes.  Top-level fields whose names start
 * with "_" (the toolkit's lineage) are always allowed.
 *
 * Ownership: an mb_schema is the caller's (mb_schema_free) and is not
 * changed by checking, so several threads may share one.  An
 * mb_schema_res is the caller's too, reused for every record; what it
 * holds (failures, changes, their spans) lives until the next
 * mb_schema_check() with it, and spans may point into the record's line.
 */
#ifndef MB_SCHEMA_H
#define MB_SCHEMA_H

#include "mb.h"

/* The JSON types, as bits. */
enum {
	MB_SCHEMA_STRING = 1, MB_SCHEMA_INTEGER = 2, MB_SCHEMA_NUMBER = 4,
	MB_SCHEMA_BOOLEAN = 8, MB_SCHEMA_NULL = 16, MB_SCHEMA_OBJECT = 32,
	MB_SCHEMA_ARRAY = 64
};

/* How deep a schema document may nest schemas in schemas. */
#define MB_SCHEMA_MAXDEPTH 64
/* Failures listed for one record; more are counted in `more`. */
#define MB_SCHEMA_MAXFAILS 100

typedef struct mb_schema mb_schema;

/*
 * Compiles a schema from its text (one JSON object, whitespace around it
 * allowed).  NULL with mb_errmsg() when it is not JSON ("not a JSON
 * object: column 3: ..."), or names a keyword, type or format not
 * supported, or a keyword's value is wrong ("at customer.zip: \"pattern\"
 * must be a string": the path of the schema that holds it).
 */
mb_schema *mb_schema_compile(const char *text, size_t n);
void mb_schema_free(mb_schema *s);

/* The top level, for a tool that keeps statistics per field, checks the
 * names its options use, or types CSV columns. */
int mb_schema_types(const mb_schema *s);	/* MB_SCHEMA_ bits; 0: any */
int mb_schema_nprops(const mb_schema *s);
const char *mb_schema_prop(const mb_schema *s, int i);	/* unescaped */
int mb_schema_prop_types(const mb_schema *s, int i);
/* The property named name (n bytes), or -1. */
int mb_schema_find(const mb_schema *s, const char *name, size_t n);
int mb_schema_nrequired(const mb_schema *s);
const char *mb_schema_required(const mb_schema *s, int i);
/* 1 when the top level allows no fields beyond its properties (and the
 * "_" fields): additionalProperties false. */
int mb_schema_closed(const mb_schema *s);

/* What to do beyond checking (mb_schema_check's flags). */
enum {
	/* a top-level string holding the number or boolean its property
	 * asks for is a change to that value, not a failure */
	MB_SCHEMA_COERCE = 1,
	/* a top-level field the schema forbids is a change (move it into
	 * _rescued), not a failure */
	MB_SCHEMA_RESCUE = 2
};

typedef struct mb_schema_fail {
	/* Which top-level rule failed: property i (0 .. nprops-1), required
	 * name i that no property declares (nprops + i), or -1: the record
	 * as a whole (its type, a field not allowed). */
	int slot;
	mb_span field;		/* "customer.tags[2]"; p NULL: the record */
	mb_span value;		/* the value's JSON text; p NULL: missing */
	mb_span msg;		/* "less than the minimum 1" */
} mb_schema_fail;

typedef struct mb_schema_change {
	int field;		/* the top-level field (mb_rec_key(r, field)) */
	mb_span value;		/* its new JSON value; p NULL: rescue it */
} mb_schema_change;

typedef struct mb_schema_res {
	mb_schema_fail *fails;
	int nfails;
	uint64_t more;		/* failures past MB_SCHEMA_MAXFAILS */
	mb_schema_change *changes;
	int nchanges;
	/* private */
	int capfails, capchanges;
	mb_buf text, scratch;
	size_t *offs;		/* per failure: field, msg, value in text */
	const mb_rec *rec;
	int noesc;
} mb_schema_res;

/*
 * Checks record r.  Returns the number of failures (0: it passes), listed
 * in res->fails in the order found, and the changes that flags asked for
 * in res->changes (the caller applies them to a record that passes).
 * res starts zeroed ({ 0 }) and is freed with mb_schema_res_free().
 */
int mb_schema_check(const mb_schema *s, const mb_rec *r, int flags,
    mb_schema_res *res);
void mb_schema_res_free(mb_schema_res *res);

#endif
