/*
 * The digest: the facts of a set of gold tables, computed in C before
 * any text is written about them.  A fact is one figure with its exact
 * decimal value, its unit, and the labels that say what it is about
 * (table, measure, period, group, item).  The offline writer and the
 * grounding check both work from the facts alone, so every figure in a
 * summary can be traced to one of them; mb-summarize prints the digest
 * as JSON beside the text.
 *
 * A table is recognised by its fields (the gold tables of the retail
 * pipeline, GOLD contract) or analysed by type: a time field (a date, a
 * timestamp, or year and month fields), up to two group fields (strings
 * with few distinct values) and measures (numbers).  mb_tabopts names
 * them instead.
 *
 * What is computed: totals; the latest period against the one before and
 * the same period a year earlier (change and percent change); best and
 * worst periods and groups and the groups' shares; the groups that moved
 * most; rates (means) against their average; top items; and outliers by
 * the modified z-score (0.6745 (x - median) / MAD beyond 3.5; with a MAD
 * of 0, the mean absolute deviation times 1.253314 instead).
 *
 * Ownership: a digest owns its facts and their strings (copies, data
 * strings cut to MB_LABEL_MAX bytes); it does not keep the tables.
 */
#ifndef MB_DIGEST_H
#define MB_DIGEST_H

#include "mb.h"
#include "table.h"

#define MB_DIGEST_VERSION 1
#define MB_LABEL_MAX 60		/* bytes of a string from the data */

enum mb_unit {
	MB_U_NUMBER, MB_U_MONEY, MB_U_COUNT, MB_U_PERCENT, MB_U_POINTS,
	MB_U_DAYS
};

typedef struct mb_fact {
	int table;		/* index into the digest's tables */
	const char *kind;	/* "total", "latest", "change_pct", ... (static) */
	const char *measure;	/* field name, or NULL */
	const char *period;	/* label of the period, or NULL */
	const char *against;	/* the period compared with, or NULL */
	const char *group;	/* group value(s), or NULL */
	const char *by;		/* top items: the ranking; groups: the field */
	const char *item;	/* item name, or NULL */
	const char *id;		/* item id, or NULL */
	int rank;		/* 1.. for top items and ordered groups; else 0 */
	int unit;		/* enum mb_unit */
	mb_dec v;
} mb_fact;

typedef struct mb_dtable {
	const char *name;	/* as the user named it */
	const char *kind;	/* "monthly_revenue", ..., or "table" */
	const char *time;	/* the time field(s), "a,b" */
	const char *grain;	/* "day", "month", "year", or NULL */
	const char *first, *last;	/* period labels */
	const char *groups;	/* group fields, "a,b" */
	const char *main;	/* the main measure */
	size_t rows;
} mb_dtable;

typedef struct mb_digest {
	mb_dtable *t;
	int nt;
	mb_fact *f;
	size_t nf, capf;
	/* private: strings owned */
	char **strs;
	size_t nstrs, capstrs;
} mb_digest;

/* Names the fields of a table instead of recognising them; NULL or ""
 * leaves that part to recognition.  Lists are comma-separated. */
typedef struct mb_tabopts {
	const char *time;	/* a date field, or "year,month" fields */
	const char *by;		/* up to two group fields */
	const char *measure;	/* measures; the first is the main one */
} mb_tabopts;

mb_digest *mb_digest_new(void);
void mb_digest_free(mb_digest *d);
/*
 * Adds the facts of one table.  0; -2 when a field named in o is not in
 * the table or cannot serve; -1 when a figure does not fit an exact
 * decimal (mb_errmsg() says which).
 */
int mb_digest_add(mb_digest *d, const mb_tab *t, const mb_tabopts *o);
/* The digest as one line of JSON (no newline), the same bytes for the
 * same tables. */
void mb_digest_json(const mb_digest *d, mb_buf *b);
const char *mb_unit_name(int unit);

/* ---- text (sumtext.c) ---------------------------------------------------- */

/*
 * The figure as a person reads it: 12.3%, 1.2M, 812.3K, 3,412, 100.37.
 * Each form implies its precision (the grounding check reads it back).
 * Signs are kept; mb_fmt_read_abs drops them.
 */
void mb_fmt_read(mb_buf *b, mb_dec v, int unit);
void mb_fmt_read_abs(mb_buf *b, mb_dec v, int unit);
/*
 * The offline summary: 3 to 6 plain sentences from the facts alone,
 * figures in reading form; the same digest gives the same text.
 */
void mb_summary_offline(const mb_digest *d, mb_buf *out);

/* ---- robust statistics (digest_stats.c) ---------------------------------- */

/* Sorts v (n values) ascending and returns the median (the mean of the
 * middle two for an even count, exact). */
mb_dec mb_median(mb_dec *v, size_t n);
/*
 * Modified z-scores of x[0..n) (x is not reordered): z[i] = 0.6745
 * (x[i] - median) / MAD, or (x[i] - median) / (1.253314 mean absolute
 * deviation) when the MAD is 0.  Returns 0, or -1 when every value is the
 * same (no score has a meaning); *med gets the median.
 */
int mb_robust_z(const mb_dec *x, size_t n, double *z, mb_dec *med);

#endif
