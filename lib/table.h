/*
 * A small table in memory: the records of a gold table (a dataset's
 * newest snapshot, an NDJSON file plain or zstd, CSV, or stdin) as typed
 * columns, for tools that must look at all of a table at once
 * (mb-summarize).  Gold tables are small: months, regions, segments, a
 * few thousand rows; this is not the streaming path.
 *
 * Columns are the top-level fields in order of first appearance, fields
 * whose names start with "_" (lineage) left out.  A cell is a number (kept
 * as an exact decimal), a string (unescaped, in the table's string store),
 * a boolean, null, or missing; nested values keep only their type.
 *
 * Ownership: a table owns its cells and strings; pointers into it live
 * until mb_tab_free().
 */
#ifndef MB_TABLE_H
#define MB_TABLE_H

#include "mb.h"

typedef struct mb_cell {
	mb_dec d;		/* MB_T_NUM */
	uint32_t off, len;	/* MB_T_STR: bytes in the string store */
	uint8_t t;		/* mb_type; MB_T_NONE when the field is missing */
	uint8_t b;		/* MB_T_BOOL */
} mb_cell;

typedef struct mb_col {
	char *name;
	mb_cell *cells;		/* one per row */
	size_t nnum, nstr, nnull;	/* cells of each kind */
} mb_col;

typedef struct mb_tab {
	char *name;		/* as the user named it */
	char *source;		/* where it was read from */
	mb_col *cols;
	int ncols, capcols;
	size_t nrows, caprows;
	mb_buf strs;		/* string cells' bytes */
	/* private */
	void *index;		/* column name -> number */
	void *rec;
	mb_buf tmp;
} mb_tab;

mb_tab *mb_tab_new(const char *name);
void mb_tab_free(mb_tab *t);
/*
 * Reads all records of source: a dataset folder (its newest snapshot,
 * each part file's checksum checked), a file (NDJSON, plain or zstd, or
 * CSV with a header when the first byte is not "{"), or "-" for stdin.
 * Returns 0; -1 when the source cannot be opened or read (errno kept);
 * -2 when a line is not a JSON object ("file:line: ..." in mb_errmsg()).
 * Blank lines are skipped.
 */
int mb_tab_load(mb_tab *t, const char *source);
/* Adds one record's text; -1 when it is not a JSON object. */
int mb_tab_add_json(mb_tab *t, const char *p, size_t n);
/* The column of a field, or -1. */
int mb_tab_col(const mb_tab *t, const char *name);
static inline const mb_cell *
mb_tab_cell(const mb_tab *t, int col, size_t row)
{
	return &t->cols[col].cells[row];
}
/* A string cell's bytes (not NUL-terminated) and length. */
static inline const char *
mb_tab_str(const mb_tab *t, const mb_cell *c, size_t *len)
{
	*len = c->len;
	return t->strs.p + c->off;
}

#endif
