/*
 * The record rules of mb-validate beyond its JSON Schema: --check
 * expressions, --unique keys and --not-future times, each under an
 * expectation of a data-quality report (dq.h); and the failures of the
 * record being checked (the schema's too), which decide its fate and
 * which a quarantine record carries as its _errors array.
 *
 * Ownership: an mb_rules owns its rules and the current record's
 * failures, whose text lives until the next mb_rules_begin(); the mb_dq
 * stays the caller's and must outlive it.
 */
#ifndef MB_RULES_H
#define MB_RULES_H

#include "mb.h"
#include "dq.h"
#include "expr.h"

typedef struct mb_rules mb_rules;

/* now: the time --not-future compares with; unless nowset, it follows
 * the clock when a record is later than it (a stream). */
mb_rules *mb_rules_new(mb_dq *dq, int64_t now, int nowset);
void mb_rules_free(mb_rules *rs);

/*
 * Rules, each under expectation exp of the report.  A check takes e (it
 * frees it) and its text src (copied, for messages); a key is the n
 * fields (copied) taken together; a time is the field.
 */
void mb_rules_add_check(mb_rules *rs, mb_expr *e, const char *src, int exp);
void mb_rules_add_unique(mb_rules *rs, char *const *fields,
    const size_t *flen, int n, int exp);
void mb_rules_add_notfuture(mb_rules *rs, const char *field, int exp);

/* Starts record number rec (1, 2, ...): no failures yet. */
void mb_rules_begin(mb_rules *rs, uint64_t rec);

/*
 * Records that expectation exp failed on this record: field (NULL for the
 * whole record), the offending value's raw JSON (NULL: missing), and a
 * message, given or formatted (cut at 599 bytes).
 */
void mb_rules_fail(mb_rules *rs, int exp, const char *field, size_t flen,
    const char *valp, size_t valn, const char *msg, size_t mlen);
void mb_rules_failf(mb_rules *rs, int exp, const char *field, size_t flen,
    const char *valp, size_t valn, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* Makes the record's --unique keys and prefetches their slots in the
 * sets: called before the schema check, the fetch overlaps it. */
void mb_rules_prefetch(mb_rules *rs, const mb_rec *r);

/* Runs the checks, then the keys mb_rules_prefetch() made, then the
 * times, on r. */
void mb_rules_run(mb_rules *rs, const mb_rec *r);

/* The failures so far; failure i's expectation, its field (p NULL: the
 * record) and its message. */
int mb_rules_nfails(const mb_rules *rs);
int mb_rules_failure(const mb_rules *rs, int i, mb_span *field,
    mb_span *msg);

/* What the record's failures ask for: MB_DQ_FAIL if any does, else
 * MB_DQ_QUARANTINE, else MB_DQ_DROP, else MB_DQ_WARN (also: none). */
int mb_rules_fate(const mb_rules *rs);

/* Appends the failures as a JSON array of {"rule","field","message"}. */
void mb_rules_errors_json(const mb_rules *rs, mb_buf *b);

#endif
