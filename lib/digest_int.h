/*
 * digest_int.h: what digest.c (recognition, facts, JSON) and
 * digest_series.c (the analyses) share; not part of libmb's face.
 */
#ifndef MB_DIGEST_INT_H
#define MB_DIGEST_INT_H

#include "digest.h"

#define MAXM 8			/* measures analysed per table */
#define NOROW ((size_t)-1)

enum { AG_SUM, AG_MEAN };
enum { TK_NONE, TK_DATE, TK_YM, TK_YEAR, TK_MONTHSTR };
enum { G_NONE, G_DAY, G_WEEK, G_MONTH, G_YEAR };
enum { SP_SERIES, SP_TOP, SP_SEGMENTS };

typedef struct meas {
	int col, unit, agg;
} meas;

/* What to do with a table: which fields are time, groups, measures. */
typedef struct spec {
	const char *kind;
	int special;		/* SP_* */
	int tk, tcol[2];	/* TK_*, time column(s) */
	int gcol[2], ng;	/* group columns */
	meas m[MAXM];
	int nm;			/* m[0] is the main measure */
	int item, id;		/* row labels (name, id), or -1 */
	int rank, rankby;	/* SP_TOP */
	const char *rows_name;	/* rows are entities: groups get counts */
} spec;

/* One table under analysis. */
typedef struct actx {
	mb_digest *d;
	const mb_tab *t;
	const spec *s;
	int ti;			/* its index in d->t */
	int grain;		/* G_* */
	size_t *pidx;		/* period index per row, NOROW without time */
	int64_t *rawday;	/* the row's own period key (for labels) */
	int rawgrain;
	int64_t *pk;		/* sorted distinct period keys */
	size_t np, notime;
} actx;

/* Facts and strings (digest.c). */
mb_fact *mb_dg_fact(actx *c, const char *kind, const char *measure,
    int unit, mb_dec v);
const char *mb_dg_str(mb_digest *d, const char *p, size_t n);
const char *mb_dg_label(mb_digest *d, const char *p, size_t n);
const char *mb_dg_colname(actx *c, int col);
const char *mb_dg_period(actx *c, int64_t key, int grain);
int mb_dg_numval(const mb_tab *t, int col, size_t row, mb_dec *v);
/* A string cell as a label (cut), or NULL. */
const char *mb_dg_cell_label(actx *c, int col, size_t row);

/* The analyses (digest_series.c). */
int mb_dg_series(actx *c);
int mb_dg_top(actx *c);
int mb_dg_segments(actx *c);
/* Period keys: days since 1970, year * 12 + month - 1, or the year. */
int mb_dg_time_key(const mb_tab *t, const spec *s, size_t row, int64_t *day,
    int64_t *month);

#endif
