/*
 * chart: SVG charts, and the number and text formatting they need,
 * written as text into an mb_buf.
 *
 * Axes get readable ticks: steps of 1, 2 or 5 times a power of ten, or a
 * calendar unit (hours, days, weeks, months, quarters, years) for times.
 * Numbers are short on axes and labels (1.2M, 704K, 6.2%) and full in the
 * <title> a browser shows on hover (3,098,967.59).  A line chart draws at
 * most two points per two pixels: longer series are binned, keeping each
 * bin's lowest and highest value, so 10,000 points look like what they
 * are at the size of a few kilobytes.  Labels that would overlap are
 * dropped (axis ticks) or pushed apart (the last-point labels of several
 * series).  Colours are not written into the SVG: series use CSS classes
 * (s0..s7 for strokes, f0..f7 for fills, "mute", "grid", "axis") that
 * the page maps to its palette, so one chart suits a light and a dark
 * page; series also differ by dash pattern and lightness, so they stay
 * apart in grey print and for colour-blind readers.
 *
 * All text is escaped here; callers pass raw UTF-8.  The caller owns every
 * array passed in; nothing is kept after a call returns.  Nothing here
 * prints, exits or fails: a chart of no points is an empty frame with a
 * note.
 */
#ifndef MB_CHART_H
#define MB_CHART_H

#include "mb.h"

/* What a number is: it decides how it is printed. */
enum chart_unit {
	CHART_NUM,		/* a plain number: 12.5, 1.2M */
	CHART_MONEY,		/* 2 decimals in full: 1,234.50; short 1.2K */
	CHART_COUNT,		/* an integer: 13,902; short 13.9K */
	CHART_PCT		/* 0..100: 6.19%; short 6.2% */
};

/* Units of time ticks, chart_time_ticks() and chart_time_label(). */
enum chart_tunit {
	CHART_T_MIN = 1, CHART_T_HOUR, CHART_T_DAY, CHART_T_WEEK,
	CHART_T_MONTH, CHART_T_QUARTER, CHART_T_YEAR
};

/* ---- text (chart_fmt.c) ------------------------------------------------ */

/* Appends s as HTML/XML text: & < > " ' escaped, control characters and
 * invalid UTF-8 shown as U+FFFD. */
void chart_esc(mb_buf *b, const char *s, size_t n);
void chart_escs(mb_buf *b, const char *s);
/* Width of text in pixels at font size px (an estimate from the widths
 * of a sans-serif font: good to a few percent for Latin text). */
double chart_text_width(const char *s, size_t n, double px);
/* How many bytes of s fit in width pixels; when s is cut, the count
 * leaves room for a following "…" and ends on a character boundary. */
size_t chart_text_fit(const char *s, size_t n, double px, double width);
/* Appends s escaped, cut to width pixels with "…" when too long. */
void chart_esc_fit(mb_buf *b, const char *s, size_t n, double px,
    double width);

/* ---- numbers (chart_fmt.c) --------------------------------------------- */

/* Short form, about three significant digits: 3.1M, 704K, 12.3K, 456.7,
 * 6.2%; for axes, labels and tiles. */
void chart_num_short(mb_buf *b, double v, enum chart_unit u);
/* Full form with thousands separators: 3,098,967.59 (money), 13,902
 * (count), 6.19% (percent), 0.0125 (a plain number, 6 significant
 * digits). */
void chart_num_full(mb_buf *b, double v, enum chart_unit u);
/* The exact text of a JSON number with thousands separators in its
 * integer part ("1234567.50" -> "1,234,567.50"); text with an exponent
 * is copied as it is. */
void chart_num_text(mb_buf *b, const char *p, size_t n);
/* Ticks for an axis from lo to hi: at most maxn of them, 1, 2 or 5 times
 * a power of ten apart, the first at or below lo and the last at or above
 * hi.  Returns the count; *t0 is the first and *step the distance. */
int chart_ticks(double lo, double hi, int maxn, double *t0, double *step);
/* A tick's label: short form, with as many decimals as the step needs
 * (0, 500K, 1M, 1.5M). */
void chart_num_tick(mb_buf *b, double v, double step, enum chart_unit u);

/* ---- times (chart_fmt.c) ----------------------------------------------- */

/* Ticks for a time axis from lo to hi (ms since the epoch) at a calendar
 * unit and multiple (1 day, 7 days, 1 or 3 months...) chosen so there are
 * at most maxn; writes at most cap of them to ticks and returns the
 * count; *unit is the unit, for chart_time_label(). */
int chart_time_ticks(int64_t lo, int64_t hi, int maxn, int64_t *ticks,
    int cap, int *unit);
/* A tick label: "Jul 4", "Jan 2025", "Q3 2025", "14:00"; `full` adds
 * the year (or the day, for hours). */
void chart_time_label(mb_buf *b, int64_t ms, int unit, int full);
/* The unit that best names the points of a series: the smallest spacing
 * between points (a month apart is CHART_T_MONTH...). */
int chart_time_grain(const double *x, size_t n);
/* A point's time for a title: "2025-07-04", "Jul 2025", "2025-07-04
 * 14:00" by grain. */
void chart_time_point(mb_buf *b, int64_t ms, int grain);

/* ---- layout (chart_fmt.c) ---------------------------------------------- */

/* Moves label positions pos[0..n) apart so that neighbours are at least
 * gap apart and all stay within [lo, hi] when they fit; the order of the
 * labels is kept.  Returns 0, or -1 when they cannot all fit (they are
 * then evenly spread from lo). */
int chart_spread(double *pos, int n, double gap, double lo, double hi);

/* ---- line charts (chart.c) --------------------------------------------- */

typedef struct chart_series {
	const char *name;	/* legend and titles; may be NULL */
	const double *x, *y;	/* x ascending; a NaN y is a gap */
	size_t n;
	int color;		/* palette index 0..7 */
	int dash;		/* 0 solid, 1 dashed, 2 dotted */
	int faint;		/* a thin, light line (raw values behind an average) */
	int area;		/* a light fill down to the axis */
	int hover;		/* titles on the points (or bins) of this series */
} chart_series;

typedef struct chart_opts {
	int w, h;		/* the viewBox, in pixels */
	int xtime;		/* x values are ms since the epoch */
	enum chart_unit unit;	/* of the y values */
	double ymin, ymax;	/* NaN: from the data */
	int zero;		/* the y axis includes 0 */
	int label_last;		/* label the last point of each series */
	int legend;		/* a legend above the plot */
	int spark;		/* a sparkline: no axes, no labels but the last */
	const char *cls;	/* class of the <svg>; may be NULL */
	const char *aria;	/* its accessible label; may be NULL */
} chart_opts;

/* Appends one <svg> element. */
void chart_line(mb_buf *b, const chart_series *s, int ns,
    const chart_opts *o);

/* ---- bar charts (chart.c) ---------------------------------------------- */

typedef struct chart_bar {
	const char *label;
	size_t len;
	double v[2];		/* one value per series */
	int other;		/* the bar that sums the rest: drawn muted */
} chart_bar;

typedef struct chart_bar_opts {
	int w;			/* viewBox width; the height follows the bars */
	int nv;			/* series: 1 or 2 */
	const char *vname[2];	/* series names for the legend and titles */
	enum chart_unit unit;
	int color[2];		/* palette indexes */
	const char *cls;
	const char *aria;
} chart_bar_opts;

/* Horizontal bars, one row per bar, in the order given, labels on the
 * left (cut with "…" when long), values at the bar ends; negative values
 * go left of a zero line. */
void chart_hbars(mb_buf *b, const chart_bar *bars, int n,
    const chart_bar_opts *o);

#endif
