/*
 * Mergeable summaries of many values, for mb-agg's distinct counts and
 * quantiles: an exact set of 64-bit hashes, a HyperLogLog on xxh3, and a
 * quantile state that is exact up to MB_QEXACT values and a DDSketch
 * (logarithmic buckets) past that.
 *
 * Every one of them is order-independent: the same values added in any
 * order, in any number of pieces merged in any grouping, give the same
 * state and the same answer, which is what makes mb-agg --partial/--merge
 * byte-identical to one pass.
 *
 * Ownership: a summary owns its arrays; a zeroed struct is an empty
 * summary; *_free() releases the arrays and leaves it empty again.  The
 * functions that grow a summary return the change in bytes held, so a
 * caller can keep a memory budget without asking again.
 */
#ifndef MB_SKETCH_H
#define MB_SKETCH_H

#include <stddef.h>
#include <stdint.h>

#include "mb.h"

/* ---- an exact set of 64-bit hashes ----------------------------------------- */

typedef struct mb_u64set {
	uint64_t *t;		/* open addressing; 0 is empty (hash 0 is kept as 1) */
	uint32_t n, cap;	/* members; slots (0 or a power of two) */
} mb_u64set;

/* Adds h; *isnew (may be NULL) says whether it was new.  Returns the bytes
 * the set grew by. */
long mb_u64set_add(mb_u64set *s, uint64_t h, int *isnew);
/* Adds every member of b to a; returns the bytes a grew by. */
long mb_u64set_merge(mb_u64set *a, const mb_u64set *b);
size_t mb_u64set_bytes(const mb_u64set *s);
void mb_u64set_free(mb_u64set *s);
/* Appends the members as one string of 16-hex-digit groups in increasing
 * order (a canonical form), quotes included. */
void mb_u64set_write(const mb_u64set *s, mb_buf *b);
/* Reads that string (without quotes); -1 on bad text. */
int mb_u64set_read(mb_u64set *s, const char *p, size_t n, long *grew);

/* ---- HyperLogLog ---------------------------------------------------------- */

/*
 * 2^14 registers: a standard error of 1.04/sqrt(16384) = 0.81%.  Up to
 * MB_HLL_SPARSE distinct hashes the set itself is kept and the count is
 * exact; past that the 16 KiB of registers take over and the estimate is
 * Ertl's improved raw estimator, which needs no bias tables.
 */
#define MB_HLL_P 14
#define MB_HLL_M (1u << MB_HLL_P)
#define MB_HLL_SPARSE 1024

typedef struct mb_hll {
	mb_u64set sparse;
	uint8_t *reg;		/* MB_HLL_M registers, once dense */
} mb_hll;

long mb_hll_add(mb_hll *h, uint64_t hash);
long mb_hll_merge(mb_hll *a, const mb_hll *b);
uint64_t mb_hll_count(const mb_hll *h);
size_t mb_hll_bytes(const mb_hll *h);
void mb_hll_free(mb_hll *h);
/* State text: the sparse set's string, or "d:" and base64 registers. */
void mb_hll_write(const mb_hll *h, mb_buf *b);
int mb_hll_read(mb_hll *h, const char *p, size_t n, long *grew);

/* ---- quantiles -------------------------------------------------------------- */

/*
 * Up to MB_QEXACT values the values themselves are kept and a quantile is
 * exact: the nearest-rank value (the smallest value with at least q*n of
 * the values at or below it), as it was written.  Past that, a DDSketch:
 * value x goes to bucket ceil(log(|x|) / log(g)) with g = (1+a)/(1-a),
 * a = MB_QALPHA, and a quantile is the middle of the bucket that holds the
 * nearest-rank value, so it is within MB_QALPHA (0.5%) of that value,
 * then rounded to the largest number of decimals seen.
 */
#define MB_QEXACT 1000
#define MB_QALPHA 0.005

typedef struct mb_qbucket {
	int32_t i;
	uint64_t c;
} mb_qbucket;

typedef struct mb_qsk {
	uint64_t n;		/* values */
	int maxscale;		/* largest scale seen */
	mb_dec *x;		/* the values, while n <= MB_QEXACT */
	uint32_t nx, capx;
	mb_qbucket *pos, *neg;	/* buckets of x > 0 and of -x for x < 0, by i */
	uint32_t npos, capp, nneg, capn;
	uint64_t zero;		/* values too close to 0 for a bucket */
} mb_qsk;

long mb_qsk_add(mb_qsk *q, mb_dec v);
long mb_qsk_merge(mb_qsk *a, const mb_qsk *b);
/* The quantile qm / 10^qs (0..1) in *out; -1 when there are no values. */
int mb_qsk_get(mb_qsk *q, int64_t qm, int qs, mb_dec *out);
size_t mb_qsk_bytes(const mb_qsk *q);
void mb_qsk_free(mb_qsk *q);
/* State text: a JSON array [n, maxscale, zero, [values] or [i,c,...],
 * [i,c,...]]. */
void mb_qsk_write(const mb_qsk *q, mb_buf *b);
/* Reads it from value v of record r; -1 on a state that is not one. */
int mb_qsk_read(mb_qsk *q, const mb_rec *r, int v, long *grew);

#endif
