/*
 * The aggregation engine of mb-agg(1): group keys, aggregate states,
 * event-time windows and the watermark, the partial-state format of
 * --partial and --merge, spilling state to temporary files past a memory
 * budget, and the order of the output (first appearance, --sort, --top).
 *
 * A tool fills an mb_agg_opts with its option strings as the user gave
 * them, makes an engine with mb_agg_new(), feeds it records (or, with
 * merge set, partial-state lines), and calls mb_agg_finish() at the end
 * of its input.  Output lines, each a whole NDJSON line with its "\n",
 * go to the out callback as they are ready: at the end, as windows close,
 * or at each update.
 *
 * Order.  Groups come out in the order their first record came in
 * (windows by start, then groups), unless sort is set.  A group remembers
 * the ordinal of its first record, so the order survives spilling; a
 * merge reads partial streams one after the other, as if their inputs
 * had been concatenated, and first/last mean first and last in that
 * order (or by event time when time is set, ties to the earlier stream).
 *
 * Ownership: the engine owns everything it allocates, temporary files
 * included (unlinked as soon as they are made); records and lines passed
 * in are only read during the call; a line handed to out lives until it
 * returns.  Errors: -1 or NULL and a message in mb_errmsg().
 */
#ifndef MB_AGG_H
#define MB_AGG_H

#include "mb.h"

enum mb_agg_kind {
	MB_AGG_COUNT = 0,	/* [NAME] */
	MB_AGG_SUM,		/* [NAME=]SRC */
	MB_AGG_SUMIF,		/* NAME = COND : SRC */
	MB_AGG_AVG,
	MB_AGG_MIN,
	MB_AGG_MAX,
	MB_AGG_FIRST,
	MB_AGG_LAST,
	MB_AGG_DISTINCT,
	MB_AGG_APPROX,		/* approximate distinct count */
	MB_AGG_QUANTILE,	/* [NAME=]SRC:Q[,Q...] */
	MB_AGG_RATE		/* NAME = COND */
};

enum mb_agg_emit {
	MB_AGG_EMIT_DEFAULT = 0,	/* append with a watermark, else final */
	MB_AGG_EMIT_FINAL,
	MB_AGG_EMIT_APPEND,
	MB_AGG_EMIT_UPDATE
};

typedef struct mb_agg_spec {
	int kind;
	const char *arg;	/* as given; NULL for a --count without a name */
} mb_agg_spec;

typedef struct mb_agg_opts {
	const char **by;	/* --by lists: "F,G" or "NAME = EXPR" items */
	int nby;
	const mb_agg_spec *aggs;
	int naggs;
	const char *where;	/* expression, or NULL */
	const char *time;	/* event-time field, or NULL */
	const char *window;	/* "1h" or "1h,15m" */
	const char *watermark;	/* duration */
	const char *max_future;	/* duration (default 1d) */
	int emit;		/* enum mb_agg_emit */
	int64_t every;		/* --emit update: records between updates (0: none) */
	const char *sort;	/* "f [desc], g" */
	int64_t top;		/* 0: every group */
	const char *per;
	const char *rank;	/* name of a rank field, or NULL */
	int round;		/* digits, or -1 */
	int pct;		/* rates as percentages */
	int strict;		/* a value that is not a number is an error */
	int partial, merge;
	size_t memory;		/* budget for state; 0: 1 GiB */
	int64_t now;		/* for max_future: the wall clock, or --now */
	void (*out)(void *ctx, const char *p, size_t n);
	void *ctx;
} mb_agg_opts;

typedef struct mb_agg mb_agg;

/* Checks and compiles the options: a bad option is NULL with a message
 * that names it (the tool's status 2). */
mb_agg *mb_agg_new(const mb_agg_opts *o);
void mb_agg_free(mb_agg *a);

/* What mb_agg_record did with a record. */
enum {
	MB_AGG_USED = 0,
	MB_AGG_FILTERED,	/* --where was not true */
	MB_AGG_LATE		/* set aside: see mb_agg_late() */
};

/*
 * Adds one record.  src and line say where it came from, for messages;
 * pos is its place in the whole input (such as the byte offset of its
 * line, counted on across files), which must grow with input order: it
 * is what "first appearance" compares.  -1 on an error that ends the run
 * (with strict, a value that is not a number; a sum past 38 digits;
 * state that no longer fits the budget in a streaming mode), with a
 * message.
 */
int mb_agg_record(mb_agg *a, const mb_rec *r, const char *src, uint64_t line,
    uint64_t pos);
/* Why the last record was set aside: a rule ("late", "time", "future"),
 * the field, and a sentence. */
void mb_agg_late(const mb_agg *a, const char **rule, const char **field,
    const char **msg);
/* With merge set: adds one partial-state line.  -1 and a message when it
 * is not one, or was made with other flags. */
int mb_agg_state(mb_agg *a, const char *p, size_t n, uint64_t pos);
/* --emit update: prints the groups that changed since the last update.
 * 1 when something was printed, 0 when nothing changed, -1 on error. */
int mb_agg_tick(mb_agg *a);
int mb_agg_pending(const mb_agg *a);	/* groups changed since the last tick */
/* End of input: prints what is left; 0 or -1. */
int mb_agg_finish(mb_agg *a);
/* Adds everything in b, as if b's input had come after a's (b is left
 * empty), spilled runs included.  Both must have been made from the same
 * options.  b counted its lines from its own start; `lines` is how many
 * came before it, for the places its warnings name. */
int mb_agg_absorb(mb_agg *a, mb_agg *b, uint64_t lines);

/* Warnings for the end of the run, one at a time (NULL after the last):
 * values that were not numbers, expressions that failed, fields that no
 * record had. */
const char *mb_agg_warning(mb_agg *a, int i);
uint64_t mb_agg_groups(const mb_agg *a);	/* groups held now */
size_t mb_agg_bytes(const mb_agg *a);		/* bytes of state held now */
int mb_agg_spills(const mb_agg *a);		/* runs spilled to disk */

#endif
