/*
 * dash_page.h: what the two halves of the page writer share (private to
 * dash_html.c, the page and its frame, and dash_cards.c, the cards).
 *
 * A card function draws one card of the page into b at grid width w (of
 * 12 columns) and returns 1; with w == 0 it draws nothing and returns
 * whether it would draw, so that a row of cards can share out its width.
 * Tables a card draws are marked in `used`; the tables no card drew get
 * cards of their own, laid out by the types of their fields.
 */
#ifndef MB_DASH_PAGE_H
#define MB_DASH_PAGE_H

#include "dash.h"

typedef struct page {
	const dash *d;
	char *used;		/* per table: drawn by a card */
	const dash_table *trend; /* of card_trend, for card_rates and groups */
	const dash_table *top;	/* the table of card_top1, for card_top2 */
	const dash_table *groups; /* of card_groups1, for card_groups2 */
	mb_buf tmp;
} page;

typedef int (*card_fn)(page *pg, mb_buf *b, int w);

/* The first table of a kind that is not drawn yet, or NULL; marks it
 * drawn when mark is set. */
const dash_table *pg_table(page *pg, int kind, int mark);
/* <section class="card wN" ...><h2>title</h2>; t may be NULL. */
void pg_card_open(mb_buf *b, int w, const char *id, const dash_table *t,
    const char *title);
/* The line under a card's title, escaped. */
void pg_sub(mb_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Warnings about a table: not readable, bad lines, values of the measure
 * column (-1: none) that were not numbers, fields left out. */
void pg_notes(mb_buf *b, const dash_table *t, int measure);
void pg_warn(mb_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The width in pixels of a chart in a card of grid width w, on a page
 * at its widest: charts are drawn at the size they are shown, so their
 * text is the size of the page's. */
int pg_px(int w);
/* "2026-01-01 06:00 UTC" */
void pg_time(mb_buf *b, int64_t ms);

/* The cards of the gold tables (dash_cards.c). */
int card_trend(page *pg, mb_buf *b, int w);
int card_summary(page *pg, mb_buf *b, int w);
int card_groups1(page *pg, mb_buf *b, int w);
int card_groups2(page *pg, mb_buf *b, int w);
int card_top1(page *pg, mb_buf *b, int w);
int card_top2(page *pg, mb_buf *b, int w);
int card_daily(page *pg, mb_buf *b, int w);
int card_rfm(page *pg, mb_buf *b, int w);
int card_rates(page *pg, mb_buf *b, int w);
int card_dq(page *pg, mb_buf *b, int w);

#endif
