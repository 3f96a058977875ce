/*
 * A patch: the changes a filter makes to one record (fields set or
 * deleted), kept beside the record and written out with it.  The common
 * case, every change a new field, is written without touching the line:
 * its bytes up to the closing brace, then the new members.  Anything else
 * (a field replaced or deleted) is written field by field, in time linear
 * in fields and changes.
 *
 * A name a filter sets often is made once (mb_name): its text and the
 * ',"name":' that appends it.  Changes are looked up by name, the last
 * change to a name winning, so later steps see earlier ones
 * (mb_patch_get, mb_patch_lookup).
 *
 * Ownership: a patch owns its values and names; a span it hands out lives
 * until the next change or mb_patch_reset().  It keeps pointers to the
 * mb_names given to it, which must outlive it.
 */
#ifndef MB_PATCH_H
#define MB_PATCH_H

#include "mb.h"

typedef struct mb_name {
	char *s;		/* the name, NUL-terminated */
	size_t n;
	char *key;		/* ,"name": */
	size_t kn;
} mb_name;

void mb_name_init(mb_name *m, const char *s, size_t n);
void mb_name_free(mb_name *m);

typedef struct mb_patch mb_patch;

mb_patch *mb_patch_new(void);
void mb_patch_free(mb_patch *p);

/*
 * Once, before the records: the names the filter may set (n of them) and
 * whether it may delete fields.  When the names are all different and
 * nothing is deleted, mb_patch_write() checks a record's keys against a
 * small bloom filter of them instead of against every change.
 */
void mb_patch_plan(mb_patch *p, const mb_name *const *names, int n,
    int deletes);

/* Per record: forget the last record's changes. */
void mb_patch_reset(mb_patch *p);
/* Sets name to the JSON value json (n bytes, which may be a span this
 * patch handed out). */
void mb_patch_set(mb_patch *p, const mb_name *name, const char *json,
    size_t n);
/* Sets name to a value the caller appends to the buffer returned, then
 * ends with mb_patch_end() before any other change. */
mb_buf *mb_patch_begin(mb_patch *p, const mb_name *name);
void mb_patch_end(mb_patch *p);
void mb_patch_del(mb_patch *p, const mb_name *name);
/* The same for a name that is not an mb_name (n bytes). */
void mb_patch_set_n(mb_patch *p, const char *name, size_t n,
    const char *json, size_t jn);
void mb_patch_del_n(mb_patch *p, const char *name, size_t n);

/* The last change to a field: 1 and its value, 0 when it was deleted,
 * -1 when unchanged. */
int mb_patch_get(const mb_patch *p, const char *name, size_t n,
    mb_span *json);
/* The field as it is now, in the patch or else in record r (hint: for
 * mb_rec_findh(), or NULL): 1 and its value, 0 when missing or deleted. */
int mb_patch_current(const mb_patch *p, const mb_rec *r, const char *name,
    size_t n, int *hint, mb_span *json);
/* An mb_expr_lookup_fn (expr.h), ctx the patch: a changed field's value,
 * null when deleted. */
int mb_patch_lookup(void *ctx, const char *name, size_t n, mb_span *json);
/* The changes so far, in order: change i's name, and whether it deletes. */
int mb_patch_count(const mb_patch *p);
const char *mb_patch_name(const mb_patch *p, int i, size_t *n, int *del);

/*
 * Writes record r (parsed from line, n bytes) with the changes made, as
 * one line with "\n", through put (mb_out, for a tool).  Each name's last
 * change wins; fields not changed keep their bytes.
 */
void mb_patch_write(mb_patch *p, const mb_rec *r, const char *line, size_t n,
    void (*put)(const void *, size_t));

#endif
