/*
 * dash: the dashboard that mb-dash draws.  Tables are read from NDJSON
 * (a dataset's newest snapshot, a file plain or zstd, or standard input)
 * into columns (dash_table.c), recognised by their fields as the gold
 * tables of the retail pipeline or laid out by the types of their fields
 * (dash_view.c), and drawn as one self-contained HTML page (dash_html.c,
 * with charts from chart.h) or as text for a terminal (dash_tty.c).
 *
 * A table keeps every record it reads: a dashboard draws whole tables.
 * Gold tables are small; a large one costs about 24 bytes a cell plus
 * its text, and what is drawn of it is bounded (the top bars and an
 * "other" bar, the first rows of a table, lines binned to their pixels).
 *
 * Ownership: a dash owns its tables, a table its names, cells and text;
 * dash_free() and dash_table_free() free everything.  Pointers into a
 * table (dash_str) live until it is freed.  Nothing here prints or exits:
 * a source that cannot be read, or a line that is not a JSON object, is
 * noted in the table (the page says so) and passed to the warn callback
 * for the program to print.
 */
#ifndef MB_DASH_H
#define MB_DASH_H

#include "chart.h"
#include "mb.h"

/* What a table is, by its fields (the gold tables of GOLD.md, and the
 * Online Retail pipeline's). */
enum dash_kind {
	DASH_GENERIC,
	DASH_MONTHLY,		/* order_year, order_month, total_revenue ... */
	DASH_DAILY_REGION,	/* order_date, region, revenue ... */
	DASH_CATEGORY_STORE,	/* category, store_id, revenue ... */
	DASH_TOP_PRODUCTS,	/* rank_by, rank, product_id, revenue ... */
	DASH_RFM,		/* customer_id, segment, monetary_value ... */
	DASH_RFM_SEGMENTS,	/* segment, customers, revenue_share_pct ... */
	DASH_NET_COUNTRY,	/* year, month, country, net_revenue */
	DASH_CANCEL_RATE	/* year, month, invoices, cancellation_rate_pct */
};

enum dash_ctype {
	DASH_C_NONE = 0,	/* the record has no such field */
	DASH_C_NULL, DASH_C_NUM, DASH_C_STR, DASH_C_BOOL,
	DASH_C_JSON		/* an object or array, kept as its JSON text */
};

typedef struct dash_cell {
	double num;		/* a number's value (NaN: not finite); bools 0/1 */
	uint32_t off, len;	/* text: a string unescaped, a number as written */
	uint8_t type;		/* enum dash_ctype */
} dash_cell;

typedef struct dash_column {
	char *name;
	dash_cell *cells;	/* one per row */
	size_t nnum, nstr, nnull;
} dash_column;

typedef void (*dash_warn_fn)(void *ctx, const char *msg);

typedef struct dash_table {
	char *name;		/* as given to --table */
	char *src;		/* the source as given */
	char *origin;		/* which version of it: "version 7 of ...", ... */
	int kind;		/* enum dash_kind, set by dash_table_finish */
	dash_column *cols;
	int ncols, capcols;
	size_t nrows, caprows;
	mb_buf text;		/* the cells' text */
	char *error;		/* the source could not be read: why */
	uint64_t bad_lines;	/* lines that were not JSON objects */
	uint64_t dropped_cols;	/* fields past the column limit */
	/* private */
	void *rec;
	mb_buf tmp;
} dash_table;

#define DASH_MAX_COLS 256

dash_table *dash_table_new(const char *name, const char *src);
void dash_table_free(dash_table *t);
/* Adds one NDJSON line as a row; 0, or -1 when it is not a JSON object
 * (mb_errmsg says why; the line is counted in bad_lines). */
int dash_table_line(dash_table *t, const char *p, size_t n);
/* Reads the table's source: a dataset directory (its newest snapshot,
 * checksums checked), a file plain or zstd, or "-".  Bad lines and
 * damage are passed to warn as "where: what" and reading goes on; 0, or
 * -1 when the source could not be read at all (t->error says why).  With
 * sig not NULL, *sig gets a number that changes when the source does
 * (the dataset's version, a file's size and time), for --watch. */
int dash_table_load(dash_table *t, dash_warn_fn warn, void *ctx);
/* Reads a file that holds one JSON object, which may span lines (the
 * report of mb-validate), as a table of one row; 0 or -1 as above. */
int dash_table_load_json(dash_table *t, dash_warn_fn warn, void *ctx);
/* The state of a source for --watch: a dataset's newest version, a
 * file's inode, size and time, hashed; 0 when it cannot be read. */
uint64_t dash_source_sig(const char *src);
/* Recognises the table by its fields; call when all rows are in. */
void dash_table_finish(dash_table *t);

int dash_col(const dash_table *t, const char *name);	/* index or -1 */
/* A cell as a number: numbers, and strings that hold a whole finite
 * number; NaN for anything else (null, "NaN", "Infinity", 1e400). */
double dash_num(const dash_table *t, int col, size_t row);
/* A cell's text: a string unescaped, a number as written, JSON for an
 * object or array; NULL for null and missing (col -1 too). */
const char *dash_str(const dash_table *t, int col, size_t row, size_t *len);
/* Numbers in the column that were not finite or not numbers at all
 * (strings such as "NaN" among numbers). */
size_t dash_col_bad(const dash_table *t, int col);
/* The column holds numbers (most of its values are). */
int dash_col_numeric(const dash_table *t, int col);
const char *dash_kind_name(int kind);

/* ---- the dashboard ----------------------------------------------------- */

typedef struct dash {
	dash_table **t;		/* --table, in the order given */
	int nt;
	dash_table *summary;	/* --summary: its newest record is shown */
	dash_table *dq;		/* --dq: the report, one record */
	const char *title;
	int refresh;		/* seconds; 0: the page does not reload */
	int64_t now;		/* when the page was made, ms */
} dash;

void dash_free(dash *d);

/* ---- what is drawn (dash_view.c) --------------------------------------- */

/* A KPI tile: the latest period's value against the one before. */
typedef struct dash_kpi {
	const char *name;
	double v, prev;		/* prev NaN: no period before */
	enum chart_unit unit;
	int up_good;		/* 1: up is good; -1: up is bad; 0: neither */
	char period[24], prev_period[24];	/* "Dec 2025" */
	double *x, *y;		/* the metric over time, for a sparkline */
	size_t n;
} dash_kpi;

#define DASH_MAX_KPIS 6

/* The KPIs the tables give (revenue, orders, average order value, return
 * and cancellation rates); returns their count.  Free with
 * dash_kpis_free. */
int dash_kpis(const dash *d, dash_kpi *k);
void dash_kpis_free(dash_kpi *k, int n);

/* A series over time from a table: x (ms) ascending, one point per time,
 * values of col summed over the rows of that time (a filter: rows where
 * column fcol is fval; fcol -1 for all).  tcol is a time column, or -1
 * with ycol/mcol the year and month columns. */
typedef struct dash_ts {
	double *x, *y;
	size_t n;
} dash_ts;

int dash_series(const dash_table *t, int tcol, int ycol, int mcol, int col,
    int fcol, const char *fval, size_t fvlen, dash_ts *out);
void dash_ts_free(dash_ts *s);

/* The values of col summed per value of key, largest first, the top
 * `top` of them and an "other" bar with the rest (when there are more);
 * returns the bar count, and the count of groups in *ngroups (may be
 * NULL).  Labels point into the table (or into *names, which the caller
 * frees). */
int dash_sums(const dash_table *t, int key, int col, int top,
    chart_bar **bars, mb_buf *names, size_t *ngroups);

/* Distinct values of a string column in first-seen order (pointers into
 * the table), at most max; returns the count. */
int dash_distinct(const dash_table *t, int col, const char **v, size_t *len,
    int max);

/* The newest record of the summary table (largest generated_at; the
 * last one on a tie), or -1. */
long dash_newest(const dash_table *t);

/* Customer segments from an RFM table (per customer) or an RFM segments
 * table: per segment its share of customers (v[0]) and of revenue
 * (v[1]), largest revenue share first; *ncust the customers in all.
 * Returns the bar count; free *bars. */
int dash_rfm(const dash_table *t, chart_bar **bars, double *ncust);

/* What the report of mb-validate says (--dq). */
typedef struct dash_dq_rule {
	char *rule, *field, *action;	/* field: a column or an expression */
	double count, pct;		/* records that failed, and their share */
} dash_dq_rule;

typedef struct dash_dq {
	double in, passed, quarantined, dropped;	/* NaN when absent */
	double met, failed;		/* expectations */
	int complete;			/* 0: the run was cut short */
	dash_dq_rule *rules;		/* failing rules, most failures first */
	int nrules;
} dash_dq;

/* 0, or -1 when the table is not such a report (no records_in). */
int dash_dq_read(const dash_table *t, dash_dq *q);
void dash_dq_free(dash_dq *q);

/* For a table of no known kind: the fields to draw it by.  A time (a
 * string column whose values are dates or times, or a year and a month),
 * a category (another string column), a measure (a numeric column,
 * preferring names such as revenue, amount, sales, total, count). */
typedef struct dash_layout {
	int tcol, ycol, mcol;	/* time, or year and month; -1 */
	int cat;		/* -1 */
	int measure;		/* -1 */
	enum chart_unit unit;	/* of the measure */
} dash_layout;

void dash_layout_of(const dash_table *t, dash_layout *l);
/* The unit a field's name suggests: *_pct percent; revenue, amount,
 * sales, price, value money; orders, units, customers counts. */
enum chart_unit dash_unit_of(const char *name);

/* ---- drawing (dash_html.c, dash_tty.c) --------------------------------- */

/* The whole page. */
void dash_html(mb_buf *out, const dash *d);
/* The same for a terminal of `width` columns; ANSI colour when `color`. */
void dash_tty(mb_buf *out, const dash *d, int width, int color);

#endif
