/*
 * ground.c: reads the figures out of a text (a model's answer) and checks
 * each against the facts of the digest (ground.h has the rules).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ground.h"

static int
dig(int c)
{
	return c >= '0' && c <= '9';
}

static int
alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Length of a space at s (ASCII or a no-break or thin space), or 0. */
static size_t
space(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	if (n >= 1 && (u[0] == ' ' || u[0] == '\t'))
		return 1;
	if (n >= 2 && u[0] == 0xc2 && u[1] == 0xa0)
		return 2;
	if (n >= 3 && u[0] == 0xe2 && u[1] == 0x80 &&
	    (u[2] == 0xaf || u[2] == 0x89))
		return 3;
	return 0;
}

static size_t
skip_space(const char *s, size_t i, size_t n)
{
	size_t k;

	while (i < n && (k = space(s + i, n - i)) > 0)
		i += k;
	return i;
}

/* The ASCII word at s[i..], lower-cased into w; its length (0: none). */
static size_t
word(const char *s, size_t i, size_t n, char *w, size_t cap)
{
	size_t k = 0;

	while (i + k < n && alpha(s[i + k])) {
		if (k + 1 < cap)
			w[k] = (char)lower(s[i + k]);
		k++;
	}
	w[k < cap ? k : cap - 1] = '\0';
	return k;
}

static int
is_one_of(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(w, *list) == 0)
			return 1;
	return 0;
}

static const char *const UP[] = { "up", "rose", "rise", "rises", "rising",
	"grew", "grow", "grows", "growing", "growth", "increase", "increased",
	"increases", "increasing", "gain", "gained", "gains", "higher", "jumped",
	"climbed", "surged", "added", NULL };
static const char *const DOWN[] = { "down", "fell", "fall", "falls",
	"falling", "drop", "dropped", "drops", "decline", "declined",
	"declines", "declining", "decrease", "decreased", "decreases", "lower",
	"slipped", "shrank", "lost", "slumped", NULL };
static const char *const MONEYW[] = { "dollars", "dollar", "usd", "euros",
	"euro", "eur", "pounds", "gbp", NULL };
static const char *const PCTW[] = { "percent", "pct", "percentage",
	"points", "pp", "pts", "point", NULL };

static const struct {
	const char *w;
	double v;
} SPELLED[] = {
	{ "two", 2 }, { "three", 3 }, { "four", 4 }, { "five", 5 },
	{ "six", 6 }, { "seven", 7 }, { "eight", 8 }, { "nine", 9 },
	{ "ten", 10 }, { "eleven", 11 }, { "twelve", 12 }, { "thirteen", 13 },
	{ "fourteen", 14 }, { "fifteen", 15 }, { "sixteen", 16 },
	{ "seventeen", 17 }, { "eighteen", 18 }, { "nineteen", 19 },
	{ "twenty", 20 }, { "thirty", 30 }, { "forty", 40 }, { "fifty", 50 },
	{ "sixty", 60 }, { "seventy", 70 }, { "eighty", 80 }, { "ninety", 90 },
}, PROPORTION[] = {
	{ "doubled", 2 }, { "doubles", 2 }, { "doubling", 2 }, { "twice", 2 },
	{ "twofold", 2 }, { "tripled", 3 }, { "triples", 3 }, { "tripling", 3 },
	{ "threefold", 3 }, { "quadrupled", 4 }, { "fourfold", 4 },
	{ "tenfold", 10 }, { "halved", 0.5 }, { "halves", 0.5 },
	{ "halving", 0.5 },
};

static const char *const MONTHS[] = { "january", "february", "march",
	"april", "may", "june", "july", "august", "september", "october",
	"november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
	"sep", "sept", "oct", "nov", "dec", NULL };
static const char *const RANKW[] = { "top", "rank", "ranked", "number",
	"no", "bottom", NULL };

/* The word just before s[at] (spaces and one "#" or "." skipped). */
static void
word_before(const char *s, size_t at, char *w, size_t cap, int *hash)
{
	size_t e = at, b;

	*hash = 0;
	w[0] = '\0';
	while (e > 0 && (s[e - 1] == ' ' || s[e - 1] == '.' || s[e - 1] == '#')) {
		if (s[e - 1] == '#')
			*hash = 1;
		e--;
	}
	for (b = e; b > 0 && alpha(s[b - 1]); b--)
		;
	word(s, b, e, w, cap);
}

static double
magnitude(const char *w)
{
	if (!strcmp(w, "k") || !strcmp(w, "thousand"))
		return 1e3;
	if (!strcmp(w, "m") || !strcmp(w, "mn") || !strcmp(w, "mln") ||
	    !strcmp(w, "million") || !strcmp(w, "millions"))
		return 1e6;
	if (!strcmp(w, "b") || !strcmp(w, "bn") || !strcmp(w, "billion") ||
	    !strcmp(w, "billions"))
		return 1e9;
	if (!strcmp(w, "tn") || !strcmp(w, "trillion"))
		return 1e12;
	return 0;
}

/* What follows a figure: a magnitude, a percent or money word, a
 * proportion word.  Updates f and returns the end of the figure. */
static size_t
suffix(const char *s, size_t i, size_t n, mb_gfig *f, double *mag)
{
	char w[32];
	size_t j, k;

	j = skip_space(s, i, n);
	if ((k = word(s, j, n, w, sizeof(w))) > 0 && magnitude(w) > 0 &&
	    (j == i ? strlen(w) <= 2 : 1)) {
		*mag = magnitude(w);
		i = j + k;
		j = skip_space(s, i, n);
		k = word(s, j, n, w, sizeof(w));
	} else if (j == i && k > 0)
		return (size_t)-1;	/* glued to letters: 5kg, 3am */
	if (j < n && s[j] == '%') {
		f->kind = MB_G_PERCENT;
		return j + 1;
	}
	if (k > 0 && (is_one_of(w, PCTW) || !strcmp(w, "per"))) {
		f->kind = MB_G_PERCENT;
		i = j + k;
		if (!strcmp(w, "per") || !strcmp(w, "percentage")) {
			/* "per cent", "percentage points" */
			size_t j2 = skip_space(s, i, n);
			size_t k2 = word(s, j2, n, w, sizeof(w));
			if (k2 > 0 && (!strcmp(w, "cent") || !strcmp(w, "points")))
				i = j2 + k2;
		}
		return i;
	}
	if (k > 0 && !strcmp(w, "bps")) {
		f->kind = MB_G_PERCENT;
		*mag = 0.01;
		return j + k;
	}
	if (k > 0 && is_one_of(w, MONEYW)) {
		f->kind = MB_G_MONEY;
		return j + k;
	}
	if (k > 0 && !strcmp(w, "times")) {
		f->kind = MB_G_RATIO;
		return j + k;
	}
	if (j < n && s[j] == '-' && word(s, j + 1, n, w, sizeof(w)) == 4 &&
	    !strcmp(w, "fold")) {
		f->kind = MB_G_RATIO;
		return j + 5;
	}
	return i;
}

/* A currency sign or word, and a sign, before s[start]. */
static void
prefix(const char *s, size_t start, mb_gfig *f)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = start;

	if (i >= 1 && (u[i - 1] == '$'))
		f->kind = MB_G_MONEY, i--;
	else if (i >= 2 && u[i - 2] == 0xc2 && (u[i - 1] == 0xa3 || u[i - 1] == 0xa5))
		f->kind = MB_G_MONEY, i -= 2;	/* £ ¥ */
	else if (i >= 3 && u[i - 3] == 0xe2 && u[i - 2] == 0x82 && u[i - 1] == 0xac)
		f->kind = MB_G_MONEY, i -= 3;	/* € */
	else if (i >= 4 && (!strncmp(s + i - 4, "USD ", 4) ||
	    !strncmp(s + i - 4, "EUR ", 4) || !strncmp(s + i - 4, "GBP ", 4)))
		f->kind = MB_G_MONEY, i -= 4;
	if (i >= 1 && (u[i - 1] == '-' || u[i - 1] == '+') &&
	    (i == 1 || !(alpha(u[i - 2]) || dig(u[i - 2])))) {
		f->sign = u[i - 1] == '-' ? -1 : 1;
		i--;
	} else if (i >= 3 && u[i - 3] == 0xe2 && u[i - 2] == 0x88 &&
	    u[i - 1] == 0x92) {
		f->sign = -1;	/* U+2212 minus */
		i -= 3;
	}
	f->len += f->off - i;
	f->off = i;
}

static void
push(mb_gfig **v, size_t *n, const mb_gfig *f)
{
	*v = mb_xrealloc(*v, (*n + 1) * sizeof(mb_gfig));
	(*v)[(*n)++] = *f;
}

mb_gfig *
mb_ground_scan(const char *s, size_t n, size_t *count)
{
	mb_gfig *out = NULL, f;
	size_t i = 0, nout = 0;
	int dir = 0;
	char w[32];

	while (i < n) {
		size_t start = i, ndig = 0, ndec = 0, tz = 0, end, k;
		int comma = 0, signed_;
		double mag = 1, v;
		char num[64];
		size_t nn = 0;

		if (alpha(s[i])) {
			k = word(s, i, n, w, sizeof(w));
			if (is_one_of(w, UP))
				dir = 1;
			else if (is_one_of(w, DOWN))
				dir = -1;
			for (size_t q = 0; q < sizeof(PROPORTION) / sizeof(PROPORTION[0]); q++)
				if (!strcmp(w, PROPORTION[q].w)) {
					f = (mb_gfig){ i, k, PROPORTION[q].v,
					    PROPORTION[q].v * 0.1, MB_G_RATIO, 0, 0, 0, 0 };
					push(&out, &nout, &f);
				}
			for (size_t q = 0; q < sizeof(SPELLED) / sizeof(SPELLED[0]); q++)
				if (!strcmp(w, SPELLED[q].w) &&
				    (i == 0 || !alpha(s[i - 1]) ) &&
				    (i + k >= n || s[i + k] != '-' ||
				    !strncmp(s + i + k, "-fold", 5))) {
					f = (mb_gfig){ i, k, SPELLED[q].v, 0.5,
					    MB_G_PLAIN, dir, 1, 0, 0 };
					end = suffix(s, i + k, n, &f, &mag);
					if (end == (size_t)-1)
						break;
					f.v *= mag;
					f.tol = f.kind == MB_G_RATIO ? f.v * 0.1 :
					    0.5 * mag;
					f.integer = mag == 1 && f.kind == MB_G_PLAIN;
					f.len = end - i;
					push(&out, &nout, &f);
					k = end - i;
				}
			/* skip the rest of an identifier: P00042, Q4, x2 */
			while (i + k < n && (alpha(s[i + k]) || dig(s[i + k]) ||
			    s[i + k] == '_'))
				k++;
			i += k;
			continue;
		}
		if (!dig(s[i]) && !(s[i] == '.' && i + 1 < n && dig(s[i + 1]))) {
			if (strchr(".;!?\n,:", s[i]) != NULL)
				dir = 0;
			i++;
			continue;
		}
		if (i > 0 && (s[i - 1] == '_' || s[i - 1] == '.')) {
			while (i < n && (dig(s[i]) || alpha(s[i])))
				i++;
			continue;
		}
		for (; i < n; i++) {
			if (dig(s[i])) {
				if (nn < sizeof(num) - 1)
					num[nn++] = s[i];
				ndig++;
				tz = s[i] == '0' ? tz + 1 : 0;
			} else if (s[i] == ',' && ndig > 0 && i + 3 < n + 0 &&
			    dig(s[i + 1]) && dig(s[i + 2]) && dig(s[i + 3]) &&
			    (i + 4 >= n || !dig(s[i + 4])) && (comma || ndig <= 3))
				comma = 1;
			else
				break;
		}
		if (i + 1 < n && s[i] == '.' && dig(s[i + 1])) {
			if (nn < sizeof(num) - 1)
				num[nn++] = '.';
			for (i++; i < n && dig(s[i]); i++, ndec++)
				if (nn < sizeof(num) - 1)
					num[nn++] = s[i];
		}
		num[nn] = '\0';
		/* dates (2025-07-04, 07/04/2025), times (12:30), versions */
		if (!comma && ndec == 0 && i + 1 < n && dig(s[i + 1]) &&
		    ((s[i] == '-' && ndig == 4) || s[i] == '/' || s[i] == ':')) {
			while (i < n && (dig(s[i]) || s[i] == '-' || s[i] == '/' ||
			    s[i] == ':'))
				i++;
			continue;
		}
		if (i < n && s[i] == '.' && i + 1 < n && dig(s[i + 1])) {
			while (i < n && (dig(s[i]) || s[i] == '.'))
				i++;
			continue;
		}
		/* ordinals: 1st, 2nd, 23rd, 4th */
		if (i + 1 < n && word(s, i, n, w, sizeof(w)) == 2 &&
		    (!strcmp(w, "st") || !strcmp(w, "nd") || !strcmp(w, "rd") ||
		    !strcmp(w, "th"))) {
			i += 2;
			continue;
		}
		memset(&f, 0, sizeof(f));
		f.off = start;
		f.len = i - start;
		if (i < n && (s[i] == 'x' || s[i] == 'X') &&
		    (i + 1 >= n || !(alpha(s[i + 1]) || dig(s[i + 1])))) {
			f.kind = MB_G_RATIO;
			end = i + 1;
		} else if ((end = suffix(s, i, n, &f, &mag)) == (size_t)-1) {
			while (i < n && (alpha(s[i]) || dig(s[i])))
				i++;
			continue;
		}
		v = strtod(num, NULL);
		prefix(s, start, &f);
		signed_ = f.sign != 0;
		if (f.sign == 0)
			f.sign = dir;
		f.len = end - f.off;
		f.v = v * mag;
		if (f.kind == MB_G_RATIO) {
			f.tol = f.v * 0.1;
			f.sign = 0;
		} else if (ndec > 0)
			f.tol = 0.5 * pow(10, -(double)ndec) * mag;
		else if (tz > 0 && tz < ndig) {
			/* 3,400: rounded to hundreds, but by at most 5% */
			f.tol = 0.5 * pow(10, (double)tz) * mag;
			if (f.tol > 0.05 * f.v)
				f.tol = 0.05 * f.v;
			if (f.tol < 0.5 * mag)
				f.tol = 0.5 * mag;
		} else
			f.tol = 0.5 * mag;
		f.integer = ndec == 0 && mag == 1 && f.kind == MB_G_PLAIN;
		if (f.integer && !comma && ndig == 4 && !signed_ &&
		    v >= 1900 && v <= 2100)
			f.kind = MB_G_YEAR;
		if (f.integer) {
			int hash;
			word_before(s, f.off, w, sizeof(w), &hash);
			f.rank = hash || is_one_of(w, RANKW);
			f.date = v >= 1 && v <= 31 && is_one_of(w, MONTHS);
			word(s, skip_space(s, end, n), n, w, sizeof(w));
			f.date |= v >= 1 && v <= 31 && is_one_of(w, MONTHS);
		}
		push(&out, &nout, &f);
		i = end;
	}
	*count = nout;
	return out;
}

/* ---- the check -------------------------------------------------------- */

typedef struct span {
	size_t a, b;
} span;

typedef struct ctxs {
	double *years;
	size_t ny;
	span *sp;		/* where the text quotes a label with digits */
	size_t nsp;
	int maxrank;
} ctxs;

static int
dig_in(const char *s)
{
	for (; s && *s; s++)
		if (dig(*s))
			return 1;
	return 0;
}

/* The years of a period label: 2025 in "2025-07". */
static void
years_of(ctxs *c, const char *s)
{
	if (s == NULL || !dig(s[0]))
		return;
	double v = 0;
	for (int i = 0; i < 4 && dig(s[i]); i++)
		v = v * 10 + (s[i] - '0');
	c->years = mb_xrealloc(c->years, (c->ny + 1) * sizeof(double));
	c->years[c->ny++] = v;
}

static void
quotes_of(ctxs *c, const char *label, const char *text, size_t n)
{
	size_t l;
	const char *p = text, *at;

	if (!dig_in(label) || (l = strlen(label)) < 2)
		return;
	while ((at = memmem(p, n - (size_t)(p - text), label, l)) != NULL) {
		c->sp = mb_xrealloc(c->sp, (c->nsp + 1) * sizeof(span));
		c->sp[c->nsp++] = (span){ (size_t)(at - text),
		    (size_t)(at - text) + l };
		p = at + l;
	}
}

static int
quoted_label(const ctxs *c, const mb_gfig *g)
{
	for (size_t i = 0; i < c->nsp; i++)
		if (g->off >= c->sp[i].a && g->off + g->len <= c->sp[i].b)
			return 1;
	return 0;
}

static int
is_change(const char *kind)
{
	return strstr(kind, "change") != NULL || !strcmp(kind, "vs_average");
}

static int
is_pct_change(const char *kind)
{
	size_t n = strlen(kind);

	return strstr(kind, "change") != NULL && n > 4 &&
	    !strcmp(kind + n - 4, "_pct");
}

static int
matches(const mb_gfig *g, const mb_fact *f)
{
	double fv = mb_dec_to_double(f->v), a = fabs(fv);
	double eps = 1e-9 * (a > 1 ? a : 1);

	switch (g->kind) {
	case MB_G_RATIO:
		return is_pct_change(f->kind) &&
		    fabs(1 + fv / 100 - g->v) <= g->tol + eps;
	case MB_G_PERCENT:
		if (f->unit != MB_U_PERCENT && f->unit != MB_U_POINTS)
			return 0;
		break;
	case MB_G_MONEY:
		if (f->unit != MB_U_MONEY)
			return 0;
		break;
	default:
		if (f->unit == MB_U_PERCENT || f->unit == MB_U_POINTS)
			return 0;
		break;
	}
	if (fabs(a - g->v) > g->tol + eps)
		return 0;
	if (g->sign != 0 && is_change(f->kind) && fv != 0 &&
	    (fv < 0 ? -1 : 1) != g->sign)
		return 0;
	return 1;
}

static int
not_a_figure(const ctxs *c, const mb_gfig *g)
{
	if (g->kind == MB_G_YEAR)
		for (size_t i = 0; i < c->ny; i++)
			if (c->years[i] == g->v)
				return 1;
	if (!g->integer)
		return 0;
	return g->date || (g->rank && g->v >= 1 && g->v <= c->maxrank) ||
	    quoted_label(c, g);
}

static int
listed(const char *p, size_t len, const char *f, size_t n)
{
	for (size_t i = 0; i < len;) {
		size_t l = strlen(p + i);
		if (l == n && memcmp(p + i, f, n) == 0)
			return 1;
		i += l + 1;
	}
	return 0;
}

size_t
mb_ground_check(const mb_digest *d, const char *text, size_t len,
    mb_buf *rejected)
{
	ctxs c = { NULL, 0, NULL, 0, 0 };
	size_t nf, bad = 0, start = rejected->len;
	mb_gfig *figs = mb_ground_scan(text, len, &nf);

	for (size_t i = 0; i < d->nf; i++) {
		const mb_fact *f = &d->f[i];
		years_of(&c, f->period);
		years_of(&c, f->against);
		quotes_of(&c, f->group, text, len);
		quotes_of(&c, f->item, text, len);
		quotes_of(&c, f->id, text, len);
		if (f->rank > c.maxrank)
			c.maxrank = f->rank;
	}
	for (int i = 0; i < d->nt; i++) {
		years_of(&c, d->t[i].first);
		years_of(&c, d->t[i].last);
		quotes_of(&c, d->t[i].name, text, len);
	}
	for (size_t i = 0; i < nf; i++) {
		const mb_gfig *g = &figs[i];
		int ok = not_a_figure(&c, g);
		for (size_t k = 0; k < d->nf && !ok; k++)
			ok = matches(g, &d->f[k]);
		if (ok)
			continue;
		bad++;
		if (!listed(rejected->p + start, rejected->len - start,
		    text + g->off, g->len)) {
			mb_buf_add(rejected, text + g->off, g->len);
			mb_buf_addc(rejected, '\0');
		}
	}
	free(figs);
	free(c.years);
	free(c.sp);
	return bad;
}
