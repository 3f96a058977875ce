/*
 * The grounding check: finds every figure in a text (12%, 1.2M, $3,400,
 * 3.4 thousand, 812,345.67, "doubled", "three times", "seven") and looks
 * for a fact of the digest that it states, within the rounding the
 * figure was written with.  A text with a figure that matches no fact is
 * rejected, and the figure is named.
 *
 * Rules, in the order they are tried:
 *  - not figures: dates (2025-07-04, 07/04/2025, "July 4"), a year that
 *    is one of the digest's periods, times (12:30), ordinals (3rd),
 *    numbers glued to letters (P00042, Q4), a rank of a listed item
 *    ("top 10", "#2"), and a plain integer inside a label of the digest
 *    where the text quotes the label ("Vintage Jacket 803"); a number
 *    with a unit inside a label is still a figure, so a name that says
 *    "revenue grew 900%" cannot smuggle that figure in;
 *  - "%", "percent", "points", "pp" make a percentage: it must match a
 *    percent or percentage-point fact; a currency sign or word makes
 *    money: a money fact; a plain number matches any other fact;
 *  - the tolerance is half a unit of the last digit written (12.3%:
 *    0.05; 1.2M: 50,000; 3,412: 0.5); trailing zeros of an integer count
 *    as rounding, but never by more than 5% of the value (3,400: 50);
 *  - sizes are compared without their sign, but a figure with an
 *    explicit sign or a direction word before it (up, rose, fell, down,
 *    ...) must agree in sign with a fact that is a change;
 *  - words of proportion (doubled, halved, tripled, twice, N times,
 *    N-fold, Nx) match a percent change of 1 + p/100 within 10%.
 *
 * Ownership: mb_ground_scan allocates the array it returns (free()).
 */
#ifndef MB_GROUND_H
#define MB_GROUND_H

#include "digest.h"

enum { MB_G_PLAIN, MB_G_PERCENT, MB_G_MONEY, MB_G_RATIO, MB_G_YEAR };

typedef struct mb_gfig {
	size_t off, len;	/* the figure as written in the text */
	double v;		/* its size (not negative) */
	double tol;		/* how far a fact may be from it */
	int kind;		/* MB_G_* */
	int sign;		/* -1, 0 (none stated), +1 */
	int integer;		/* written as a plain integer */
	int date;		/* next to a month's name: "July 4", "4 July" */
	int rank;		/* after "top", "rank", "#", "No." */
} mb_gfig;

/* The figures of a text, in order; *n gets their count. */
mb_gfig *mb_ground_scan(const char *text, size_t len, size_t *n);
/*
 * Checks text against the digest.  Returns the number of figures that
 * match no fact, and appends their texts to rejected, each followed by
 * a NUL (repeats listed once).
 */
size_t mb_ground_check(const mb_digest *d, const char *text, size_t len,
    mb_buf *rejected);

#endif
