/*
 * Data-quality expectations and their report, shaped like a Great
 * Expectations validation result.  An expectation is a rule on one field
 * or on the whole record; it counts the records that failed it (once per
 * record) and keeps the first 20 offending values.  The report is
 * rendered with nothing but memcpy and integer arithmetic into a buffer
 * sized when it is prepared, and written beside its name and renamed into
 * place, so that a signal handler may write it: mb_dq_write() is
 * async-signal-safe.
 *
 * Ownership: an mb_dq owns its expectations, strings and buffers, all
 * made before the records are read; mb_dq_free() frees them.
 */
#ifndef MB_DQ_H
#define MB_DQ_H

#include "mb.h"

/* What happens to a record that fails an expectation. */
enum { MB_DQ_QUARANTINE, MB_DQ_WARN, MB_DQ_DROP, MB_DQ_FAIL };

typedef struct mb_dq mb_dq;

/* tool: its name ("mb-validate"), for the report's meta. */
mb_dq *mb_dq_new(const char *tool);
void mb_dq_free(mb_dq *q);

/*
 * Adds an expectation: its rule's name, the field it is on (NULL: the
 * record), its Great Expectations type, and kwargs (JSON members without
 * braces; NULL: "column": field).  all: its element count is every record
 * read, not only those that reached the rules.  Returns its index.
 */
int mb_dq_add(mb_dq *q, const char *rule, const char *field,
    const char *type, const char *kwargs, int all);
int mb_dq_count(const mb_dq *q);
const char *mb_dq_rule(const mb_dq *q, int i);
const char *mb_dq_field(const mb_dq *q, int i);	/* NULL: the record */
int mb_dq_action(const mb_dq *q, int i);
void mb_dq_set_action(mb_dq *q, int i, int action);
/* The index of the first expectation of rule, or -1. */
int mb_dq_find(const mb_dq *q, const char *rule);

/* Expectation i failed on record number rec (1, 2, ...): counted once per
 * record, and the value (JSON text, n bytes; NULL: missing) kept while
 * fewer than 20 are. */
void mb_dq_fail(mb_dq *q, int i, uint64_t rec, const char *val, size_t n);

/* The counts a report ends with, read when it is written. */
typedef struct mb_dq_stats {
	uint64_t all;		/* records read */
	uint64_t checked;	/* records that reached the rules */
	const char *const *names;	/* the tool's own counters... */
	const uint64_t *vals;		/* ...and their values */
	int n;
	int complete;		/* 0: the run was cut short */
} mb_dq_stats;

/* Allocates what mb_dq_write() needs to write the report to path, once
 * every expectation is added. */
void mb_dq_prepare(mb_dq *q, const char *path);
/* Renders the report and replaces the file with it; async-signal-safe.
 * 0, or -1 with errno. */
int mb_dq_write(mb_dq *q, const mb_dq_stats *st);

#endif
