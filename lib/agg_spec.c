/*
 * agg_spec.c: mb-agg's options, as the user wrote them, into the specs
 * the engine runs: keys, aggregates and their value sources, the window,
 * the sort; every check that makes a bad option a usage error happens
 * here, before any input is read.  Also the fingerprint that a partial
 * state carries, made of the options its meaning depends on.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "agg_int.h"

static const char *const optname[] = {
	"--count", "--sum", "--sum-if", "--avg", "--min", "--max", "--first",
	"--last", "--distinct", "--approx-distinct", "--quantile", "--rate"
};
static const char *const suffix[] = {
	"count", "sum", "sum", "avg", "min", "max", "first", "last",
	"distinct", "approx_distinct", "", ""
};

/* ---- scanning option text ------------------------------------------------------ */

/* The first byte of s..e that is one of `stops` outside quotes and
 * parentheses; `last` asks for the last such byte instead.  NULL if none. */
static const char *
scan_top(const char *s, const char *e, const char *stops, int last)
{
	const char *hit = NULL;
	int depth = 0;
	char q = 0;

	for (; s < e; s++) {
		if (q) {
			if (*s == '\\' && q != '`' && s + 1 < e)
				s++;
			else if (*s == q)
				q = 0;
			continue;
		}
		if (*s == '"' || *s == '\'' || *s == '`')
			q = *s;
		else if (*s == '(')
			depth++;
		else if (*s == ')')
			depth--;
		else if (depth == 0 && strchr(stops, *s) != NULL) {
			hit = s;
			if (!last)
				break;
		}
	}
	return hit;
}

/* The '=' of "NAME = EXPR": the first top-level '=' that is not part of
 * ==, <=, >= or !=.  NULL if none. */
static const char *
find_assign(const char *s, const char *e)
{
	const char *p = s;

	while ((p = scan_top(p, e, "=", 0)) != NULL) {
		if ((p > s && strchr("=<>!", p[-1]) != NULL) ||
		    (p + 1 < e && p[1] == '=')) {
			p += p + 1 < e && p[1] == '=' ? 2 : 1;
			continue;
		}
		return p;
	}
	return NULL;
}

static void
trim(const char **s, const char **e)
{
	while (*s < *e && isspace((unsigned char)**s))
		(*s)++;
	while (*e > *s && isspace((unsigned char)(*e)[-1]))
		(*e)--;
}

/* A field path that needs no expression: letters, digits, '_', '.',
 * and any byte of a multi-byte character; not starting with a digit. */
static int
is_path(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || isdigit((unsigned char)s[0]) || s[0] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' &&
		    (unsigned char)s[i] < 0x80)
			return 0;
	if (n == 4 && (memcmp(s, "true", 4) == 0 || memcmp(s, "null", 4) == 0))
		return 0;
	return !(n == 5 && memcmp(s, "false", 5) == 0);
}

static int
is_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < ' ' || s[i] == '"' || s[i] == '\\')
			return 0;
	return 1;
}

/* ---- sources, names -------------------------------------------------------------- */

static asrc *
src_get(mb_agg *a, const char *s, const char *e, const char *opt,
    const char *arg)
{
	asrc *x;
	int i;

	trim(&s, &e);
	for (i = 0; i < a->nsrcs; i++)
		if (strlen(a->srcs[i]->text) == (size_t)(e - s) &&
		    memcmp(a->srcs[i]->text, s, (size_t)(e - s)) == 0)
			return a->srcs[i];
	if (s == e) {
		mb_seterr("%s \"%s\": nothing to read", opt, arg);
		return NULL;
	}
	x = mb_xcalloc(1, sizeof(*x));
	x->text = mb_xstrndup(s, (size_t)(e - s));
	x->opt = opt;
	x->hint = -1;
	if (is_path(s, (size_t)(e - s))) {
		x->path = x->text;
		x->plen = (size_t)(e - s);
	} else if ((x->e = mb_expr_parse(x->text)) == NULL) {
		mb_seterr("%s \"%s\": %s", opt, arg, mb_errmsg());
		free(x->text);
		free(x);
		return NULL;
	}
	a->srcs = mb_xrealloc(a->srcs, ((size_t)a->nsrcs + 1) * sizeof(asrc *));
	a->srcs[a->nsrcs++] = x;
	return x;
}

static int
add_name(mb_agg *a, const char *s, size_t n, const char *opt, const char *arg)
{
	int i;

	if (!is_name(s, n))
		return mb_seterr("%s \"%s\": \"%.*s\" is not a field name", opt,
		    arg, (int)n, s);
	for (i = 0; i < a->nfields; i++)
		if (strlen(a->fname[i]) == n && memcmp(a->fname[i], s, n) == 0)
			return mb_seterr("%s \"%s\": there is already an output "
			    "field \"%.*s\"", opt, arg, (int)n, s);
	a->fname = mb_xrealloc(a->fname, ((size_t)a->nfields + 1) * sizeof(char *));
	a->fname[a->nfields++] = mb_xstrndup(s, n);
	return 0;
}

/* "NAME = X": splits at the '='; 0 when there is none. */
static int
split_assign(const char *s, const char *e, const char **ns, const char **ne,
    const char **vs)
{
	const char *eq = find_assign(s, e);

	if (eq == NULL)
		return 0;
	*ns = s;
	*ne = eq;
	trim(ns, ne);
	*vs = eq + 1;
	return 1;
}

/* ---- keys -------------------------------------------------------------------------- */

static int
add_key(mb_agg *a, const char *s, const char *e, const char *arg)
{
	const char *ns, *ne, *vs;
	akey *k;

	trim(&s, &e);
	a->keys = mb_xrealloc(a->keys, ((size_t)a->nkeys + 1) * sizeof(akey));
	k = &a->keys[a->nkeys];
	if (split_assign(s, e, &ns, &ne, &vs)) {
		if (add_name(a, ns, (size_t)(ne - ns), "--by", arg) < 0)
			return -1;
		k->src = src_get(a, vs, e, "--by", arg);
	} else {
		if (!is_path(s, (size_t)(e - s)))
			return mb_seterr("--by \"%s\": \"%.*s\" is not a field; a "
			    "computed key is NAME = EXPR", arg, (int)(e - s), s);
		if (add_name(a, s, (size_t)(e - s), "--by", arg) < 0)
			return -1;
		k->src = src_get(a, s, e, "--by", arg);
	}
	if (k->src == NULL) {
		a->nfields--;
		free(a->fname[a->nfields]);
		return -1;
	}
	k->name = a->fname[a->nfields - 1];
	a->nkeys++;
	return 0;
}

static int
add_keys(mb_agg *a, const char *arg)
{
	const char *s = arg, *e = arg + strlen(arg), *c;

	for (;;) {
		c = scan_top(s, e, ",", 0);
		if (add_key(a, s, c ? c : e, arg) < 0)
			return -1;
		if (c == NULL)
			return 0;
		s = c + 1;
	}
}

/* ---- aggregates --------------------------------------------------------------------- */

/* "0.95" -> 95 / 10^2. */
static int
quantile_q(const char *s, const char *e, int64_t *qm, int *qs)
{
	int64_t m, pm;
	int sc, k;

	trim(&s, &e);
	if (mb_dec_parse64(s, (size_t)(e - s), &m, &sc) < 0 || m < 0 || sc > 15)
		return -1;
	for (pm = 1, k = 0; k < sc; k++)
		pm *= 10;
	if (m > pm)
		return -1;
	*qm = m;
	*qs = sc;
	return 0;
}

static int
add_quantiles(aspec *sp, const char *arg, const char *qs)
{
	const char *e = arg + strlen(arg), *c;

	for (;;) {
		c = scan_top(qs, e, ",", 0);
		sp->qm = mb_xrealloc(sp->qm, ((size_t)sp->nq + 1) * sizeof(int64_t));
		sp->qs = mb_xrealloc(sp->qs, ((size_t)sp->nq + 1) * sizeof(int));
		sp->qname = mb_xrealloc(sp->qname, ((size_t)sp->nq + 1) * sizeof(char *));
		if (quantile_q(qs, c ? c : e, &sp->qm[sp->nq], &sp->qs[sp->nq]) < 0)
			return mb_seterr("--quantile \"%s\": \"%.*s\" is not a "
			    "quantile between 0 and 1", arg, (int)((c ? c : e) - qs), qs);
		sp->qname[sp->nq++] = NULL;
		if (c == NULL)
			return 0;
		qs = c + 1;
	}
}

/* The name a quantile prints under: NAME (one quantile and a NAME), else
 * NAME_p50 or FIELD_p50. */
static void
quantile_name(const char *base, size_t bn, int64_t qm, int qs, int only,
    mb_buf *nm)
{
	int64_t pm = 1, m = qm;
	int k;
	char tmp[40];

	mb_buf_reset(nm);
	mb_buf_add(nm, base, bn);
	if (only)
		return;
	mb_buf_addc(nm, '_');
	if (qs <= 2) {
		for (k = qs; k < 2; k++)
			m *= 10;
		mb_buf_printf(nm, "p%lld", (long long)m);
		return;
	}
	for (k = 0; k < qs - 2; k++)
		pm *= 10;
	/* the fraction of the percent, qs - 2 digits, trailing zeros off */
	for (k = qs - 3, m = qm % pm; k >= 0; k--, m /= 10)
		tmp[k] = (char)('0' + m % 10);
	for (k = qs - 2; k > 0 && tmp[k - 1] == '0'; k--)
		;
	tmp[k] = '\0';
	m = qm;
	mb_buf_printf(nm, tmp[0] ? "p%lld_%s" : "p%lld%s", (long long)(m / pm), tmp);
}

static int
add_agg(mb_agg *a, int kind, const char *arg)
{
	const char *opt = optname[kind], *s, *e, *ns = NULL, *ne = NULL, *vs, *c;
	mb_buf nm = { 0 };
	aspec *sp;
	int rc = -1, i;

	a->aggs = mb_xrealloc(a->aggs, ((size_t)a->naggs + 1) * sizeof(aspec));
	sp = &a->aggs[a->naggs];
	memset(sp, 0, sizeof(*sp));
	sp->kind = kind;
	if (kind == MB_AGG_COUNT) {
		s = arg ? arg : "count";
		if (add_name(a, s, strlen(s), opt, s) < 0)
			return -1;
		sp->name = a->fname[a->nfields - 1];
		a->naggs++;
		return 0;
	}
	s = arg;
	e = arg + strlen(arg);
	trim(&s, &e);
	if (kind == MB_AGG_RATE || kind == MB_AGG_SUMIF) {
		if (!split_assign(s, e, &ns, &ne, &vs)) {
			mb_seterr("%s \"%s\": expected %s", opt, arg, kind ==
			    MB_AGG_RATE ? "NAME = EXPR" : "NAME = EXPR : VALUE");
			goto out;
		}
		if (kind == MB_AGG_SUMIF) {
			if ((c = scan_top(vs, e, ":", 1)) == NULL) {
				mb_seterr("%s \"%s\": expected NAME = EXPR : VALUE",
				    opt, arg);
				goto out;
			}
			if ((sp->cond = src_get(a, vs, c, opt, arg)) == NULL ||
			    (sp->v = src_get(a, c + 1, e, opt, arg)) == NULL)
				goto out;
		} else if ((sp->cond = src_get(a, vs, e, opt, arg)) == NULL)
			goto out;
		if (add_name(a, ns, (size_t)(ne - ns), opt, arg) < 0)
			goto out;
		sp->name = a->fname[a->nfields - 1];
		rc = 0;
		goto out;
	}
	if (kind == MB_AGG_QUANTILE) {
		const char *qs, *ve;
		if ((c = scan_top(s, e, ":", 1)) == NULL) {
			mb_seterr("%s \"%s\": expected FIELD:Q[,Q...], such as "
			    "amount:0.5,0.95", opt, arg);
			goto out;
		}
		qs = c + 1;
		ve = c;
		if (split_assign(s, c, &ns, &ne, &vs)) {
			if (ns == ne)
				goto badname;
		} else {
			vs = s;
			trim(&vs, &ve);
			if (!is_path(vs, (size_t)(ve - vs)))
				goto noname;
		}
		if ((sp->v = src_get(a, vs, c, opt, arg)) == NULL ||
		    add_quantiles(sp, arg, qs) < 0)
			goto out;
		for (i = 0; i < sp->nq; i++) {
			if (ns != NULL)
				quantile_name(ns, (size_t)(ne - ns), sp->qm[i],
				    sp->qs[i], sp->nq == 1, &nm);
			else
				quantile_name(vs, (size_t)(ve - vs), sp->qm[i],
				    sp->qs[i], 0, &nm);
			if (add_name(a, nm.p, nm.len, opt, arg) < 0)
				goto out;
			sp->qname[i] = a->fname[a->nfields - 1];
		}
		sp->name = sp->qname[0];
		rc = 0;
		goto out;
	}
	if (split_assign(s, e, &ns, &ne, &vs)) {
		if (ns == ne)
			goto badname;
		if ((sp->v = src_get(a, vs, e, opt, arg)) == NULL ||
		    add_name(a, ns, (size_t)(ne - ns), opt, arg) < 0)
			goto out;
	} else {
		if (!is_path(s, (size_t)(e - s)))
			goto noname;
		if ((sp->v = src_get(a, s, e, opt, arg)) == NULL)
			goto out;
		mb_buf_add(&nm, s, (size_t)(e - s));
		mb_buf_addc(&nm, '_');
		mb_buf_adds(&nm, suffix[kind]);
		if (add_name(a, nm.p, nm.len, opt, arg) < 0)
			goto out;
	}
	sp->name = a->fname[a->nfields - 1];
	rc = 0;
	goto out;
noname:
	mb_seterr("%s \"%s\": an expression needs a name: %s 'NAME = EXPR'",
	    opt, arg, opt);
	goto out;
badname:
	mb_seterr("%s \"%s\": no name before '='", opt, arg);
out:
	mb_buf_free(&nm);
	if (rc == 0)
		a->naggs++;
	else {
		free(sp->qm);
		free(sp->qs);
		free(sp->qname);
	}
	return rc;
}

/* ---- windows, sort ------------------------------------------------------------------- */

static int
setup_window(mb_agg *a)
{
	const mb_agg_opts *o = &a->o;
	const int64_t day = 86400000;
	char *s, *c;
	int rc = 0;

	if (o->window == NULL) {
		if (o->watermark != NULL)
			return mb_seterr("--watermark needs --window: it says when "
			    "a window is complete");
		return 0;
	}
	if (o->time == NULL)
		return mb_seterr("--window needs --time FIELD: windows are over "
		    "event time");
	s = mb_xstrdup(o->window);
	if ((c = strchr(s, ',')) != NULL)
		*c++ = '\0';
	if (mb_duration_parse(s, &a->win) < 0 ||
	    (c != NULL && mb_duration_parse(c, &a->hop) < 0)) {
		rc = mb_seterr("--window %s: %s", o->window, mb_errmsg());
		goto out;
	}
	if (c == NULL)
		a->hop = a->win;
	if (a->win <= 0 || a->hop <= 0)
		rc = mb_seterr("--window %s: a window and its hop must be longer "
		    "than 0", o->window);
	else if (a->hop > a->win)
		rc = mb_seterr("--window %s: the hop must not be longer than the "
		    "window", o->window);
	else if (a->win % a->hop != 0)
		rc = mb_seterr("--window %s: the hop must divide the window, so "
		    "that every record is in the same number of windows", o->window);
	else if (a->win < day && day % a->win != 0)
		rc = mb_seterr("--window %s: a window shorter than a day must "
		    "divide 24h, so that windows start at the same times every day",
		    o->window);
	else if (a->win >= day && a->win % day != 0)
		rc = mb_seterr("--window %s: a window of a day or more must be "
		    "whole days", o->window);
	a->haswin = rc == 0;
out:
	free(s);
	if (rc < 0 || o->watermark == NULL)
		return rc;
	if (mb_duration_parse(o->watermark, &a->delay) < 0)
		return mb_seterr("--watermark %s: %s", o->watermark, mb_errmsg());
	a->hasdelay = 1;
	return 0;
}

static int
field_index(const mb_agg *a, const char *s, size_t n)
{
	int i;

	for (i = 0; i < a->nfields; i++)
		if (strlen(a->fname[i]) == n && memcmp(a->fname[i], s, n) == 0)
			return i;
	return -1;
}

static int
nofield(const mb_agg *a, const char *opt, const char *s, size_t n)
{
	mb_buf b = { 0 };
	int i;

	for (i = 0; i < a->nfields; i++) {
		if (i > 0)
			mb_buf_adds(&b, ", ");
		mb_buf_adds(&b, a->fname[i]);
	}
	mb_seterr("%s: no output field \"%.*s\" (there are: %s)", opt, (int)n, s,
	    mb_buf_cstr(&b));
	mb_buf_free(&b);
	return -1;
}

static int
setup_sort(mb_agg *a)
{
	const char *s, *e, *c, *w;

	a->perfield = -1;
	if (a->o.per != NULL) {
		if (a->o.top <= 0)
			return mb_seterr("--per needs --top N");
		if ((a->perfield = field_index(a, a->o.per, strlen(a->o.per))) < 0)
			return nofield(a, "--per", a->o.per, strlen(a->o.per));
	}
	if (a->o.rank != NULL) {
		if (!is_name(a->o.rank, strlen(a->o.rank)) ||
		    field_index(a, a->o.rank, strlen(a->o.rank)) >= 0)
			return mb_seterr("--rank %s: not a new field name", a->o.rank);
	}
	if (a->o.sort == NULL)
		return 0;
	s = a->o.sort;
	for (;;) {
		asort *so;
		c = scan_top(s, s + strlen(s), ",", 0);
		e = c ? c : s + strlen(s);
		trim(&s, &e);
		a->sorts = mb_xrealloc(a->sorts, ((size_t)a->nsorts + 1) * sizeof(asort));
		so = &a->sorts[a->nsorts];
		so->desc = 0;
		for (w = s; w < e && !isspace((unsigned char)*w); w++)
			;
		if (w < e) {
			const char *d = w;
			while (d < e && isspace((unsigned char)*d))
				d++;
			if ((size_t)(e - d) == 4 && strncasecmp(d, "desc", 4) == 0)
				so->desc = 1;
			else if ((size_t)(e - d) != 3 || strncasecmp(d, "asc", 3) != 0)
				return mb_seterr("--sort \"%s\": \"%.*s\": expected "
				    "FIELD [asc|desc]", a->o.sort, (int)(e - s), s);
		}
		if (w == s)
			return mb_seterr("--sort \"%s\": an empty field", a->o.sort);
		if ((so->field = field_index(a, s, (size_t)(w - s))) < 0)
			return nofield(a, "--sort", s, (size_t)(w - s));
		a->nsorts++;
		if (c == NULL)
			return 0;
		s = c + 1;
	}
}

/* ---- the whole setup --------------------------------------------------------------- */

static void
fingerprint(mb_agg *a)
{
	mb_buf b = { 0 };
	int i, k;

	mb_buf_printf(&b, "mb-agg %d\ntime %s\nwindow %lld %lld\n", AGG_FORMAT,
	    a->o.time ? a->o.time : "-", (long long)a->win, (long long)a->hop);
	for (i = 0; i < a->nkeys; i++)
		mb_buf_printf(&b, "by %s=%s\n", a->keys[i].name, a->keys[i].src->text);
	for (i = 0; i < a->naggs; i++) {
		aspec *s = &a->aggs[i];
		mb_buf_printf(&b, "agg %d %s %s %s", s->kind, s->name,
		    s->v ? s->v->text : "-", s->cond ? s->cond->text : "-");
		for (k = 0; k < s->nq; k++)
			mb_buf_printf(&b, " %lld/%d", (long long)s->qm[k], s->qs[k]);
		mb_buf_addc(&b, '\n');
	}
	a->fp = mb_hash(b.p, b.len);
	snprintf(a->fphex, sizeof(a->fphex), "%016llx", (unsigned long long)a->fp);
	mb_buf_free(&b);
}

int
agg_setup(mb_agg *a)
{
	const mb_agg_opts *o = &a->o;
	int i;

	if ((o->time != NULL && !is_path(o->time, strlen(o->time))))
		return mb_seterr("--time \"%s\": not a field name", o->time);
	if (setup_window(a) < 0)
		return -1;
	if (a->haswin) {
		add_name(a, "window_start", 12, "--window", o->window);
		add_name(a, "window_end", 10, "--window", o->window);
	}
	for (i = 0; i < o->nby; i++)
		if (add_keys(a, o->by[i]) < 0)
			return -1;
	for (i = 0; i < o->naggs; i++)
		if (add_agg(a, o->aggs[i].kind, o->aggs[i].arg) < 0)
			return -1;
	if (a->naggs == 0 && a->nkeys == 0)
		return mb_seterr("nothing to compute: give --by and an aggregate "
		    "such as --count or --sum FIELD");
	if (o->where != NULL && (a->where = src_get(a, o->where,
	    o->where + strlen(o->where), "--where", o->where)) == NULL)
		return -1;
	if (o->time != NULL)
		a->tsrc = src_get(a, o->time, o->time + strlen(o->time), "--time",
		    o->time);
	a->emit = o->emit;
	if (a->emit == MB_AGG_EMIT_DEFAULT)
		a->emit = a->hasdelay ? MB_AGG_EMIT_APPEND : MB_AGG_EMIT_FINAL;
	if (a->emit == MB_AGG_EMIT_APPEND && !a->hasdelay)
		return mb_seterr("--emit append needs --watermark: a window is "
		    "printed when the watermark passes its end");
	if (a->emit == MB_AGG_EMIT_UPDATE && (o->partial || o->merge))
		return mb_seterr("--emit update prints results as they change; "
		    "--partial and --merge work on whole inputs");
	if (o->every > 0 && a->emit != MB_AGG_EMIT_UPDATE)
		return mb_seterr("--every needs --emit update");
	if (o->max_future != NULL) {
		if (mb_duration_parse(o->max_future, &a->future) < 0)
			return mb_seterr("--max-future %s: %s", o->max_future,
			    mb_errmsg());
	} else
		a->future = 86400000;
	if (o->top < 0)
		return mb_seterr("--top %lld: must be 1 or more", (long long)o->top);
	if (setup_sort(a) < 0)
		return -1;
	fingerprint(a);
	st_sizes(a);
	return 0;
}

void
agg_spec_free(mb_agg *a)
{
	int i;

	for (i = 0; i < a->nsrcs; i++) {
		free(a->srcs[i]->text);
		mb_expr_free(a->srcs[i]->e);
		mb_buf_free(&a->srcs[i]->tmp);
		free(a->srcs[i]);
	}
	free(a->srcs);
	for (i = 0; i < a->naggs; i++) {
		free(a->aggs[i].qm);
		free(a->aggs[i].qs);
		free(a->aggs[i].qname);
		free(a->aggs[i].badtxt);
	}
	free(a->aggs);
	free(a->keys);
	for (i = 0; i < a->nfields; i++)
		free(a->fname[i]);
	free(a->fname);
	free(a->sorts);
}
