/*
 * agg.c: the run of the aggregation engine (agg.h): a record's keys and
 * windows, its group's slot, the watermark that closes windows and sets
 * late records aside, updates, partial-state lines in and out, and the
 * end of input.
 */
#include <stdlib.h>
#include <string.h>

#include "agg_int.h"

mb_agg *
mb_agg_new(const mb_agg_opts *o)
{
	mb_agg *a = mb_xcalloc(1, sizeof(*a));

	a->o = *o;
	a->limit = o->memory ? o->memory : (size_t)1 << 30;
	a->lastw = -1;
	if (agg_setup(a) < 0) {
		mb_agg_free(a);
		return NULL;
	}
	a->tslot = mb_xcalloc(1, a->slot);
	return a;
}

void
mb_agg_free(mb_agg *a)
{
	int i;

	if (a == NULL)
		return;
	while (a->nw > 0)
		agg_wfree(a, a->nw - 1);
	free(a->w);
	if (a->tslot != NULL)
		st_free(a, a->tslot);
	free(a->tslot);
	for (i = 0; i < a->nruns; i++)
		fclose(a->runs[i]);
	free(a->runs);
	free(a->runlevel);
	xs_free(&a->xs);
	mb_htab_free(a->percount);
	mb_rec_free(a->srec);
	agg_spec_free(a);
	mb_buf_free(&a->key);
	mb_buf_free(&a->line);
	mb_buf_free(&a->tmp);
	mb_buf_free(&a->tmp2);
	mb_buf_free(&a->lmsg);
	mb_buf_free(&a->fspan);
	mb_buf_free(&a->skey);
	mb_buf_free(&a->pay);
	free(a->exprerr);
	for (i = 0; i < a->nwarn; i++)
		free(a->warn[i]);
	free(a->warn);
	free(a);
}

/* ---- windows' tables ------------------------------------------------------------ */

void
agg_account(mb_agg *a, wtab *w)
{
	size_t nb = mb_htab_bytes(w->h);

	a->tabs += nb - w->bytes;
	w->bytes = nb;
	if (a->tabs + a->heap > a->peak)
		a->peak = a->tabs + a->heap;
}

wtab *
agg_wtab(mb_agg *a, int64_t start)
{
	int lo = 0, hi = a->nw, mid;
	wtab *w;

	if (a->lastw >= 0 && a->lastw < a->nw && a->w[a->lastw].start == start)
		return &a->w[a->lastw];
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (a->w[mid].start < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < a->nw && a->w[lo].start == start) {
		a->lastw = lo;
		return &a->w[lo];
	}
	if (a->nw == a->capw) {
		a->capw = a->capw ? a->capw * 2 : 8;
		a->w = mb_xrealloc(a->w, (size_t)a->capw * sizeof(wtab));
	}
	memmove(&a->w[lo + 1], &a->w[lo], (size_t)(a->nw - lo) * sizeof(wtab));
	a->nw++;
	w = &a->w[lo];
	memset(w, 0, sizeof(*w));
	w->start = start;
	w->h = mb_htab_new(a->slot);
	agg_account(a, w);
	a->lastw = lo;
	return w;
}

void
agg_wfree(mb_agg *a, int i)
{
	wtab *w = &a->w[i];
	size_t k, n = mb_htab_count(w->h);

	for (k = 0; k < n; k++)
		st_free(a, mb_htab_entry(w->h, k, NULL, NULL));
	a->tabs -= w->bytes;
	mb_htab_free(w->h);
	free(w->dirty);
	memmove(&a->w[i], &a->w[i + 1], (size_t)(a->nw - i - 1) * sizeof(wtab));
	a->nw--;
	a->lastw = -1;
}

/* The group of key k in window w, made when new; its ordinal is the
 * number of the record (or state line) that made it, which is the same
 * whether or not state was spilled in between. */
static char *
group(mb_agg *a, wtab *w, const char *k, size_t kn, uint64_t ord)
{
	int created;
	char *slot = mb_htab_put(w->h, k, kn, &created);

	if (created) {
		ghead *h = (ghead *)slot;
		h->ord = ord;
		h->idx = (uint32_t)(mb_htab_count(w->h) - 1);
		agg_account(a, w);
	}
	return slot;
}

static void
mark(mb_agg *a, wtab *w, char *slot)
{
	ghead *h = (ghead *)slot;

	if (a->emit != MB_AGG_EMIT_UPDATE || h->dirty)
		return;
	h->dirty = 1;
	if (w->ndirty == w->capdirty) {
		w->capdirty = w->capdirty ? w->capdirty * 2 : 64;
		w->dirty = mb_xrealloc(w->dirty, w->capdirty * sizeof(uint32_t));
	}
	w->dirty[w->ndirty++] = h->idx;
}

/* ---- emitting ----------------------------------------------------------------------- */

static int
cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? -1 : a > b;
}

/* Prints windows [0, n): every group, or only those changed. */
static int
emit_windows(mb_agg *a, int n, int changed)
{
	int i, rc = 0;
	size_t k, cnt;

	out_begin(a, 0);
	for (i = 0; i < n && rc == 0; i++) {
		wtab *w = &a->w[i];
		const char *key;
		size_t kn;
		char *slot;

		if (changed) {
			if (w->ndirty > 1)
				qsort(w->dirty, w->ndirty, sizeof(uint32_t), cmp_u32);
			for (k = 0; k < w->ndirty && rc == 0; k++) {
				slot = mb_htab_entry(w->h, w->dirty[k], &key, &kn);
				((ghead *)slot)->dirty = 0;
				rc = out_group(a, w->start, key, kn, slot);
			}
			w->ndirty = 0;
			continue;
		}
		cnt = mb_htab_count(w->h);
		for (k = 0; k < cnt && rc == 0; k++) {
			slot = mb_htab_entry(w->h, k, &key, &kn);
			rc = out_group(a, w->start, key, kn, slot);
		}
	}
	if (out_end(a) < 0)
		rc = -1;
	return rc;
}

/* The watermark passed the end of windows: print them, then let them go. */
static int
close_windows(mb_agg *a)
{
	int64_t wm = a->maxt - a->delay;
	int n = 0, rc;

	if (a->emit == MB_AGG_EMIT_FINAL)
		return 0;
	while (n < a->nw && a->w[n].start + a->win <= wm)
		n++;
	if (n == 0)
		return 0;
	rc = emit_windows(a, n, a->emit == MB_AGG_EMIT_UPDATE);
	while (n-- > 0)
		agg_wfree(a, 0);
	return rc;
}

int
mb_agg_tick(mb_agg *a)
{
	int i, any = 0;

	a->since = 0;
	if (a->emit != MB_AGG_EMIT_UPDATE)
		return 0;
	for (i = 0; i < a->nw; i++)
		any |= a->w[i].ndirty > 0;
	if (!any)
		return 0;
	return emit_windows(a, a->nw, 1) < 0 ? -1 : 1;
}

int
mb_agg_pending(const mb_agg *a)
{
	int i;

	for (i = 0; i < a->nw; i++)
		if (a->w[i].ndirty > 0)
			return 1;
	return 0;
}

/* ---- records -------------------------------------------------------------------------- */

static int
set_aside(mb_agg *a, const char *rule, const char *fmt, ...)
{
	va_list ap;

	a->lrule = rule;
	mb_buf_reset(&a->lmsg);
	va_start(ap, fmt);
	{
		char tmp[512];
		vsnprintf(tmp, sizeof(tmp), fmt, ap);
		mb_buf_adds(&a->lmsg, tmp);
	}
	va_end(ap);
	mb_buf_cstr(&a->lmsg);
	return MB_AGG_LATE;
}

void
mb_agg_late(const mb_agg *a, const char **rule, const char **field,
    const char **msg)
{
	*rule = a->lrule;
	*field = a->o.time;
	*msg = a->lmsg.p;
}

static int
event_time(mb_agg *a, const mb_rec *r, int64_t *t)
{
	asrc *s = src_eval(a, a->tsrc, r);
	mb_span v = s->raw;
	size_t n = v.len > 40 ? 40 : v.len;
	int ok;

	if (s->t == MB_T_NONE || s->t == MB_T_NULL)
		return set_aside(a, "time", "%s is %s", s->text,
		    s->t == MB_T_NONE ? "missing" : "null");
	if (s->t == MB_T_STR)
		ok = memchr(v.p, '\\', v.len) == NULL &&
		    mb_time_parse(v.p + 1, v.len - 2, t) == 0;
	else
		ok = s->t == MB_T_NUM && mb_time_parse(v.p, v.len, t) == 0;
	if (!ok)
		return set_aside(a, "time", "%s: %.*s%s is not a time", s->text,
		    (int)n, v.p, n < v.len ? "..." : "");
	return MB_AGG_USED;
}

static void
fmt_time(mb_buf *b, int64_t ms)
{
	mb_buf_reset(b);
	mb_time_fmt(b, ms);
	mb_buf_cstr(b);
}

static int64_t
floordiv(int64_t x, int64_t y)
{
	int64_t q = x / y;

	return (x % y != 0 && (x < 0) != (y < 0)) ? q - 1 : q;
}

static int
over_budget(mb_agg *a)
{
	/* a run of a few groups would cost more files than it frees */
	if (a->tabs + a->heap <= a->limit || mb_agg_groups(a) < AGG_MINSPILL)
		return 0;
	if (a->emit == MB_AGG_EMIT_FINAL || (a->o.partial && !a->hasdelay))
		return spill_now(a);
	return mb_seterr("the state of open windows passed --memory %zu bytes "
	    "(%llu groups); raise --memory or shorten the watermark", a->limit,
	    (unsigned long long)mb_agg_groups(a));
}

int
mb_agg_record(mb_agg *a, const mb_rec *r, const char *src, uint64_t line,
    uint64_t pos)
{
	int64_t t = 0, s, last;
	const char *k;
	size_t kn;
	int i;

	a->gen++;
	a->nrec++;
	a->csrc = src;
	a->cline = line;
	a->cpos = pos;
	if (a->where != NULL) {
		asrc *w = src_eval(a, a->where, r);
		if (w->t != MB_T_BOOL || w->raw.p[0] != 't')
			return MB_AGG_FILTERED;
	}
	if (a->tsrc != NULL) {
		if (event_time(a, r, &t) != MB_AGG_USED)
			return MB_AGG_LATE;
		if (a->hasdelay && t > a->o.now + a->future) {
			fmt_time(&a->tmp, a->o.now + a->future);
			return set_aside(a, "future", "event time is after %s "
			    "(--max-future past the time now); it would close "
			    "every open window", a->tmp.p);
		}
		if (a->hasdelay && a->anyt && t < a->maxt - a->delay) {
			fmt_time(&a->tmp, a->maxt - a->delay);
			return set_aside(a, "late", "event time is before the "
			    "watermark %s", a->tmp.p);
		}
	}
	if (a->nkeys == 1) {
		asrc *ks = src_eval(a, a->keys[0].src, r);
		if (ks->t != MB_T_NONE && ks->t != MB_T_NULL &&
		    (ks->t != MB_T_STR || memchr(ks->raw.p, '\\', ks->raw.len) == NULL)) {
			k = ks->raw.p;
			kn = ks->raw.len;
			goto keyed;
		}
	}
	mb_buf_reset(&a->key);
	for (i = 0; i < a->nkeys; i++) {
		if (i > 0)
			mb_buf_addc(&a->key, KSEP);
		key_text(a, a->keys[i].src, r, &a->key);
	}
	k = a->key.p ? a->key.p : "";
	kn = a->key.len;
keyed:
	if (!a->haswin) {
		wtab *w = agg_wtab(a, 0);
		char *slot = group(a, w, k, kn, pos);
		if (st_update(a, slot, r, t) < 0)
			return -1;
		mark(a, w, slot);
	} else {
		last = floordiv(t, a->hop) * a->hop;
		for (s = last - a->win + a->hop; s <= last; s += a->hop) {
			wtab *w = agg_wtab(a, s);
			char *slot = group(a, w, k, kn, pos);
			if (st_update(a, slot, r, t) < 0)
				return -1;
			mark(a, w, slot);
		}
	}
	if (a->hasdelay && (!a->anyt || t > a->maxt)) {
		a->maxt = t;
		a->anyt = 1;
		if (close_windows(a) < 0)
			return -1;
	}
	if (a->o.every > 0 && ++a->since >= (uint64_t)a->o.every &&
	    mb_agg_tick(a) < 0)
		return -1;
	if (over_budget(a) < 0)
		return -1;
	return MB_AGG_USED;
}

/* ---- partial state lines ------------------------------------------------------------------ */

void
agg_state_line(mb_agg *a, int64_t wstart, const char *key, size_t klen,
    const char *slot, mb_buf *b)
{
	const ghead *h = (const ghead *)slot;
	const char *e = key + klen, *c;

	mb_buf_adds(b, "{\"k\":[");
	while (a->nkeys > 0) {
		c = memchr(key, KSEP, (size_t)(e - key));
		mb_buf_add(b, key, (size_t)((c ? c : e) - key));
		if (c == NULL)
			break;
		mb_buf_addc(b, ',');
		key = c + 1;
	}
	mb_buf_addc(b, ']');
	if (a->haswin) {
		mb_buf_adds(b, ",\"w\":");
		mb_buf_addi(b, wstart);
	}
	/* a tab: JSON space, and the end of the key for Hadoop Streaming */
	mb_buf_printf(b, ",\t\"mb_agg\":%d,\"f\":\"%s\",\"o\":", AGG_FORMAT, a->fphex);
	mb_buf_addu(b, h->ord);
	mb_buf_adds(b, ",\"n\":");
	mb_buf_addu(b, h->n);
	mb_buf_adds(b, ",\"s\":");
	st_write(a, slot, b);
	mb_buf_adds(b, "}\n");
}

static int
field_int(const mb_rec *r, const char *name, int64_t *v)
{
	int h = mb_rec_find(r, name);

	if (h < 0)
		return mb_seterr("no \"%s\" field", name);
	if (mb_rec_type(r, h) != MB_T_NUM || mb_rec_int(r, h, v) < 0)
		return mb_seterr("\"%s\" is not an integer", name);
	return 0;
}

int
agg_parse_state(mb_agg *a, const mb_rec *r, int64_t *wstart, mb_buf *key,
    uint64_t *ord)
{
	ghead *h = (ghead *)a->tslot;
	int64_t v, n;
	mb_span sp;
	int k, i;

	if (mb_rec_find(r, "mb_agg") < 0)
		return mb_seterr("not a partial state of mb-agg (no \"mb_agg\" field)");
	if (field_int(r, "mb_agg", &v) < 0)
		return -1;
	if (v != AGG_FORMAT)
		return mb_seterr("partial state format %lld; this mb-agg reads format %d",
		    (long long)v, AGG_FORMAT);
	k = mb_rec_find(r, "f");
	sp = mb_rec_raw(r, k);
	if (mb_rec_type(r, k) != MB_T_STR || sp.len != 18 ||
	    memcmp(sp.p + 1, a->fphex, 16) != 0)
		return mb_seterr("partial state made with other options (fingerprint "
		    "%.*s, these options make %s): --merge needs the --by, aggregate, "
		    "--time and --window options of the --partial run",
		    sp.len == 18 ? 16 : 1, sp.len == 18 ? sp.p + 1 : "?", a->fphex);
	k = mb_rec_find(r, "k");
	if (mb_rec_type(r, k) != MB_T_ARR || mb_rec_len(r, k) != a->nkeys)
		return mb_seterr("\"k\" is not an array of %d keys", a->nkeys);
	mb_buf_reset(key);
	for (i = 0; i < a->nkeys; i++) {
		if (i > 0)
			mb_buf_addc(key, KSEP);
		sp = mb_rec_raw(r, mb_rec_child(r, k, i, NULL));
		mb_buf_add(key, sp.p, sp.len);
	}
	*wstart = 0;
	if (a->haswin) {
		if (field_int(r, "w", wstart) < 0)
			return -1;
		if (floordiv(*wstart, a->hop) * a->hop != *wstart)
			return mb_seterr("\"w\" is not the start of a window");
	} else if (mb_rec_find(r, "w") >= 0)
		return mb_seterr("a windowed state, and no --window");
	if (field_int(r, "o", &v) < 0 || field_int(r, "n", &n) < 0)
		return -1;
	if (v < 0 || n < 1)
		return mb_seterr("\"o\" or \"n\" out of range");
	if ((k = mb_rec_find(r, "s")) < 0)
		return mb_seterr("no \"s\" field");
	st_free(a, a->tslot);
	if (st_read(a, a->tslot, r, k) < 0) {
		st_free(a, a->tslot);
		return -1;
	}
	h->n = (uint64_t)n;
	h->ord = (uint64_t)v;
	*ord = (uint64_t)v;
	return 0;
}

int
mb_agg_state(mb_agg *a, const char *p, size_t n, uint64_t pos)
{
	mb_rec *r;
	int64_t ws;
	uint64_t ord;
	wtab *w;
	char *slot;
	int rc;

	if (a->srec == NULL)
		a->srec = mb_rec_new();
	r = a->srec;
	if (mb_rec_parse(r, p, n) < 0)
		return mb_seterr("not a partial state line: %s", mb_errmsg());
	a->nrec++;
	if (agg_parse_state(a, r, &ws, &a->key, &ord) < 0)
		return -1;
	w = agg_wtab(a, ws);
	slot = group(a, w, a->key.p ? a->key.p : "", a->key.len, pos);
	rc = st_merge(a, slot, a->tslot);
	st_free(a, a->tslot);
	if (rc < 0)
		return -1;
	return over_budget(a);
}

/* ---- the end ----------------------------------------------------------------------------- */

int
mb_agg_finish(mb_agg *a)
{
	int rc;

	if (a->nruns > 0)
		return spill_finish(a);
	if (a->emit == MB_AGG_EMIT_UPDATE)
		rc = mb_agg_tick(a) < 0 ? -1 : 0;
	else
		rc = emit_windows(a, a->nw, 0);
	while (a->nw > 0)
		agg_wfree(a, a->nw - 1);
	return rc;
}

int
mb_agg_absorb(mb_agg *a, mb_agg *b, uint64_t lines)
{
	int i, k, rc = 0;
	size_t e, n;

	if (b->nruns > 0) {
		/* a's runs, a's tables, b's runs, b's tables: in input order */
		if (spill_now(a) < 0)
			return -1;
		a->runs = mb_xrealloc(a->runs, (size_t)(a->nruns + b->nruns) *
		    sizeof(FILE *));
		a->runlevel = mb_xrealloc(a->runlevel, (size_t)(a->nruns +
		    b->nruns) * sizeof(int));
		memcpy(a->runs + a->nruns, b->runs, (size_t)b->nruns * sizeof(FILE *));
		memcpy(a->runlevel + a->nruns, b->runlevel, (size_t)b->nruns *
		    sizeof(int));
		a->nruns += b->nruns;
		a->nspills += b->nspills;
		b->nruns = 0;
	}
	for (i = 0; i < b->nw && rc == 0; i++) {
		wtab *bw = &b->w[i];
		n = mb_htab_count(bw->h);
		for (e = 0; e < n && rc == 0; e++) {
			const char *key;
			size_t kn;
			char *src = mb_htab_entry(bw->h, e, &key, &kn), *dst;
			dst = group(a, agg_wtab(a, bw->start), key, kn,
			    ((ghead *)src)->ord);
			rc = st_merge(a, dst, src);
			if (rc == 0 && over_budget(a) < 0)
				rc = -1;
		}
	}
	for (k = 0; k < a->naggs; k++) {
		aspec *x = &a->aggs[k], *y = &b->aggs[k];
		x->nbad += y->nbad;
		if (y->colscale > x->colscale)
			x->colscale = y->colscale;
		if (x->badtxt == NULL && y->badtxt != NULL) {
			x->badtxt = y->badtxt;
			x->badsrc = y->badsrc;
			x->badline = y->badline + lines;
			y->badtxt = NULL;
		}
	}
	for (k = 0; k < a->nsrcs; k++)
		a->srcs[k]->present += b->srcs[k]->present;
	a->nexprerr += b->nexprerr;
	if (a->exprerr == NULL) {
		a->exprerr = b->exprerr;
		b->exprerr = NULL;
	}
	a->nrec += b->nrec;
	if (b->peak > a->peak)
		a->peak = b->peak;
	while (b->nw > 0)
		agg_wfree(b, b->nw - 1);
	return rc;
}

/* ---- reports ------------------------------------------------------------------------------- */

static void
warn(mb_agg *a, mb_buf *b)
{
	a->warn = mb_xrealloc(a->warn, ((size_t)a->nwarn + 1) * sizeof(char *));
	a->warn[a->nwarn++] = mb_xstrdup(mb_buf_cstr(b));
	mb_buf_reset(b);
}

const char *
mb_agg_warning(mb_agg *a, int i)
{
	mb_buf b = { 0 };
	int k, j;

	if (a->warn == NULL) {
		a->warn = mb_xcalloc(1, sizeof(char *));
		for (k = 0; k < a->naggs; k++) {
			aspec *sp = &a->aggs[k];
			for (j = 0; j < k; j++)
				if (a->aggs[j].v == sp->v && a->aggs[j].nbad > 0)
					break;
			if (sp->nbad == 0 || j < k)
				continue;
			mb_buf_printf(&b, "%llu %s of %s %s (the first: %s:%llu: %s)",
			    (unsigned long long)sp->nbad, sp->nbad == 1 ? "value" :
			    "values", sp->v->text, sp->nbad == 1 ? "was not a number" :
			    "were not numbers", sp->badsrc,
			    (unsigned long long)sp->badline, sp->badtxt);
			warn(a, &b);
		}
		if (a->nexprerr > 0) {
			mb_buf_printf(&b, "%llu expression %s gave null (the first: %s)",
			    (unsigned long long)a->nexprerr, a->nexprerr == 1 ?
			    "error" : "errors", a->exprerr);
			warn(a, &b);
		}
		for (k = 0; k < a->nsrcs && a->nrec > 0 && !a->o.merge; k++)
			if (a->srcs[k]->path != NULL && a->srcs[k]->present == 0) {
				mb_buf_printf(&b, "field \"%s\" (%s) is in no record",
				    a->srcs[k]->text, a->srcs[k]->opt);
				warn(a, &b);
			}
		mb_buf_free(&b);
	}
	return i >= 0 && i < a->nwarn ? a->warn[i] : NULL;
}

uint64_t
mb_agg_groups(const mb_agg *a)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < a->nw; i++)
		n += mb_htab_count(a->w[i].h);
	return n;
}

size_t
mb_agg_bytes(const mb_agg *a)
{
	return a->peak;
}

int
mb_agg_spills(const mb_agg *a)
{
	return a->nspills;
}
