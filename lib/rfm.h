/*
 * RFM: per-customer Recency, Frequency and Monetary value, scored into
 * equal-count bins and named by a segment map (mb-rfm(1)).
 *
 * An mb_rfm holds one small state per customer: the time of the last
 * order line, the exact decimal sum of the amounts, the number of lines,
 * and (when orders are counted) the distinct order ids of that customer.
 * Its memory grows with customers and their orders, never with lines.
 * States of shards merge exactly (max, sum, sum, set union), so scoring
 * merged states gives the same bytes as scoring all the lines at once.
 *
 * Ownership: an mb_rfm owns copies of every key it is given; the rows
 * that mb_rfm_score() hands out point into it and live until the next
 * call that adds to it or until mb_rfm_free().  An mb_rfm_segs owns its
 * names and patterns.
 */
#ifndef MB_RFM_H
#define MB_RFM_H

#include "mb.h"

#define MB_RFM_STATE_VERSION 1
#define MB_RFM_MAXBINS 9

typedef struct mb_rfm mb_rfm;

/* The options that shape a state: states merge only when these agree
 * (a fingerprint of them is in every state line). */
typedef struct mb_rfm_conf {
	const char *customer, *time, *amount;
	const char *order;	/* NULL: frequency counts lines */
} mb_rfm_conf;

/* conf's strings are copied. */
mb_rfm *mb_rfm_new(const mb_rfm_conf *conf);
void mb_rfm_free(mb_rfm *s);

/*
 * Adds one order line of customer `cust` (its id as text) at time `ms`
 * with `amount`; `order` is the order id's text (ignored unless the
 * state counts orders).  -1 with mb_errmsg() when the sum overflows.
 */
int mb_rfm_add(mb_rfm *s, const char *cust, size_t cn, int64_t ms,
    mb_dec amount, const char *order, size_t on);
/* Lines left out for a null customer id, counted for the report. */
void mb_rfm_add_null(mb_rfm *s, uint64_t n);
uint64_t mb_rfm_nulls(const mb_rfm *s);
size_t mb_rfm_count(const mb_rfm *s);	/* customers */
/* The latest time of any customer; 0 and INT64_MIN when there is none. */
int64_t mb_rfm_max_time(const mb_rfm *s);

/*
 * The state as NDJSON (mb-rfm --partial), appended to b: one line per
 * customer in customer order, each with the format version and the
 * options' fingerprint, and one line counting the lines without a
 * customer id when there were any.
 */
void mb_rfm_state_write(mb_rfm *s, mb_buf *b);
/* Merges one state line into s.  -1 with mb_errmsg() when it is not a
 * state line, is of another format version, or was made with other
 * options. */
int mb_rfm_state_read(mb_rfm *s, const mb_rec *r);

/* One scored customer. */
typedef struct mb_rfm_row {
	const char *cust;	/* id text, not NUL-terminated */
	size_t cn;
	int64_t last_ms;
	int64_t recency_days;
	uint64_t frequency;
	mb_dec monetary;
	int r, f, m;		/* scores 1..bins */
} mb_rfm_row;

/*
 * Scores every customer against `as_of` into `bins` equal-count bins:
 * values ranked ascending, ties by customer id, ranks cut as pandas'
 * qcut(rank(method="first"), bins) does (mb_rfm_bin); recency is
 * reversed.  *rows is
 * an array of *n rows in customer order, owned by s.  -1 with mb_errmsg()
 * when as_of is before a customer's last time.
 */
int mb_rfm_score(mb_rfm *s, int64_t as_of, int bins, mb_rfm_row **rows,
    size_t *n);
/* The bin (1..bins) of rank r (1..n): the first k with
 * r <= 1 + (n - 1) k / bins; 0 when an argument is out of range. */
int mb_rfm_bin(uint64_t r, uint64_t n, int bins);

/* ---- segment maps ---------------------------------------------------- */

typedef struct mb_rfm_segs mb_rfm_segs;

/* The standard R-F map of ten segments, for 5 bins. */
mb_rfm_segs *mb_rfm_segs_default(void);
/*
 * A map from NDJSON text: one record per segment, {"name": ...,
 * "pattern": ...} and optionally "on": "rf" (the default: the pattern is
 * matched against the two digits of R and F) or "rfm" (the three digits).
 * The first segment whose pattern matches names a customer.  Checks that
 * every score combination of `bins` is mapped.  NULL with mb_errmsg()
 * when not, and *errline the line at fault (0: the map as a whole).
 */
mb_rfm_segs *mb_rfm_segs_parse(const char *text, size_t n, int bins,
    long *errline);
void mb_rfm_segs_free(mb_rfm_segs *g);
int mb_rfm_segs_count(const mb_rfm_segs *g);
const char *mb_rfm_segs_name(const mb_rfm_segs *g, int i);
/* The segment index of a score triple. */
int mb_rfm_segs_find(const mb_rfm_segs *g, int r, int f, int m);
/* Checks a map against a bin count; -1 and a message naming the first
 * unmapped score when a combination has no segment. */
int mb_rfm_segs_check(mb_rfm_segs *g, int bins);

#endif
