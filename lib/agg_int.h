/*
 * agg_int.h: the inside of the aggregation engine, shared by agg.c (the
 * record path, windows, the run), agg_spec.c (options into specs),
 * agg_state.c (one group's aggregate states), agg_out.c (the order of
 * the output) and agg_spill.c (state on disk).  Not installed.
 *
 * A group is one slot of a hash table: a header, then each aggregate's
 * state at its offset.  A zeroed slot is a valid empty group, so a new
 * group needs no setup and merging into one copies.  Keys are the JSON
 * texts of the key values joined by KSEP, a byte JSON text never holds.
 * Windowed groups live in one table per window, so a window that closes
 * is freed whole.
 */
#ifndef MB_AGG_INT_H
#define MB_AGG_INT_H

#include <stdio.h>

#include "mb.h"
#include "agg.h"
#include "expr.h"
#include "htab.h"
#include "sketch.h"

#define KSEP '\x1f'
#define AGG_FORMAT 1		/* version of the partial-state format */
#define AGG_FANIN 32		/* runs merged at once */
#define AGG_MINSPILL 64		/* groups in a spilled run, at least */

/* A value a key or an aggregate reads: a field, or an expression. */
typedef struct asrc {
	char *text;		/* as given */
	const char *opt;	/* the option that named it first, for warnings */
	char *path;		/* a field: its path, else NULL */
	size_t plen;
	int hint;
	mb_expr *e;		/* an expression */
	uint64_t present;	/* records that had the field */
	/* this record's value */
	uint64_t gen;
	int t;			/* MB_T_*; MB_T_NONE when missing */
	mb_span raw;		/* JSON text */
	int num;		/* 0 not read, 1 number in d, -1 not a number */
	mb_dec d;
	mb_buf tmp;		/* JSON text of an expression's value */
} asrc;

typedef struct akey {
	char *name;
	asrc *src;
} akey;

typedef struct aspec {
	int kind;
	char *name;		/* output name (quantiles: qname) */
	asrc *v;		/* the value summed, compared, counted... */
	asrc *cond;		/* --sum-if condition, --rate expression */
	int nq;
	int64_t *qm;		/* quantiles as qm / 10^qs */
	int *qs;
	char **qname;
	size_t off;		/* state offset in a slot */
	int colscale;		/* sums: the most decimals of any value */
	uint64_t nbad;		/* values that were not numbers */
	const char *badsrc;	/* where the first was */
	uint64_t badline;
	char *badtxt;		/* and its text */
} aspec;

/* Every slot starts with this. */
typedef struct ghead {
	uint64_t ord;		/* ordinal of the group's first record */
	uint64_t n;		/* records */
	uint32_t idx;		/* entry number in its table */
	uint32_t dirty;		/* changed since the last update */
	uint64_t pad;
} ghead;

/* Sum and average: an exact decimal and how many values went in. */
typedef struct sumst {
	__int128 v;
	int32_t scale;
	int32_t any;
	uint64_t n;
} sumst;

/* Min, max, first, last: a value's JSON text. */
typedef struct vbox {
	char *p;		/* NULL: no value yet */
	uint32_t len, cap;
	int32_t rank;		/* 1 bool, 2 number, 3 string, 4 object or array */
	int32_t istime;		/* a string that holds a time, in t */
	int64_t t;		/* that time, or the record's event time */
	mb_dec d;		/* a number's value */
} vbox;

typedef struct wtab {
	int64_t start;		/* window start (0 without windows) */
	mb_htab *h;
	size_t bytes;		/* mb_htab_bytes() when last looked */
	uint32_t *dirty;	/* entries changed since the last update */
	size_t ndirty, capdirty;
} wtab;

/* A sort field: an output field's position, and its direction. */
typedef struct asort {
	int field;
	int desc;
} asort;

/* The output stage's sorter: keys compared with memcmp, spilled in
 * sorted runs past its budget. */
typedef struct xsort {
	mb_buf data;		/* [u32 klen][u32 plen][key][payload] ... */
	size_t *ent;		/* offsets into data */
	size_t n, cap;
	FILE **runs;
	int nruns;
} xsort;

struct mb_agg {
	mb_agg_opts o;
	akey *keys;
	int nkeys;
	aspec *aggs;
	int naggs;
	asrc **srcs;
	int nsrcs;
	asrc *where, *tsrc;
	int64_t win, hop, delay, future;
	int haswin, hasdelay, emit;
	size_t slot;		/* bytes of one group */
	uint64_t fp;		/* fingerprint of the flags states depend on */
	char fphex[17];
	/* the output's fields: window_start, window_end, keys, aggregates */
	char **fname;
	int nfields;
	asort *sorts;
	int nsorts, perfield;
	/* the run */
	wtab *w;
	int nw, capw, lastw;
	uint64_t gen, nrec, since;
	int64_t maxt;
	int anyt;
	size_t heap, tabs, limit, peak;
	mb_buf key, line, tmp, tmp2;
	char *tslot;		/* scratch slot for states read back */
	mb_rec *srec;		/* for state lines */
	/* where the current record came from */
	const char *csrc;
	uint64_t cline, cpos;
	/* the last record set aside */
	const char *lrule;
	mb_buf lmsg;
	/* expression errors */
	uint64_t nexprerr;
	char *exprerr;
	/* state spilled to disk */
	FILE **runs;
	int *runlevel;		/* how many merges made each run */
	int nruns, nspills;
	/* output of one batch */
	xsort xs;
	int inbatch, sinking;
	uint64_t nout;		/* lines out in this batch, for rank and top */
	mb_htab *percount;	/* --per value -> lines out */
	mb_buf fspan;		/* field spans of the line being made */
	mb_buf skey, pay;	/* a line's sort key and payload */
	/* warnings */
	char **warn;
	int nwarn;
};

/* agg_spec.c */
int agg_setup(mb_agg *a);
void agg_spec_free(mb_agg *a);

/* agg_state.c */
void st_sizes(mb_agg *a);
asrc *src_eval(mb_agg *a, asrc *s, const mb_rec *r);
int src_num(mb_agg *a, asrc *s);
int st_update(mb_agg *a, char *slot, const mb_rec *r, int64_t t);
int st_merge(mb_agg *a, char *dst, char *src);
void st_free(mb_agg *a, char *slot);
void st_write(mb_agg *a, const char *slot, mb_buf *b);
int st_read(mb_agg *a, char *slot, const mb_rec *r, int v);
int st_final(mb_agg *a, char *slot, mb_buf *b);
void key_text(mb_agg *a, asrc *s, const mb_rec *r, mb_buf *b);

/* agg.c */
wtab *agg_wtab(mb_agg *a, int64_t start);
void agg_wfree(mb_agg *a, int i);
void agg_account(mb_agg *a, wtab *w);
int agg_parse_state(mb_agg *a, const mb_rec *r, int64_t *wstart, mb_buf *key,
    uint64_t *ord);
void agg_state_line(mb_agg *a, int64_t wstart, const char *key, size_t klen,
    const char *slot, mb_buf *b);

/* agg_out.c */
void agg_field(mb_agg *a, mb_buf *b, const char *name);
void agg_field_end(mb_agg *a, mb_buf *b);
void out_begin(mb_agg *a, int sink);
int out_group(mb_agg *a, int64_t wstart, const char *key, size_t klen,
    char *slot);
int out_end(mb_agg *a);
void xs_free(xsort *x);

/* agg_spill.c */
int spill_now(mb_agg *a);
int spill_finish(mb_agg *a);
FILE *agg_tmpfile(void);

#endif
