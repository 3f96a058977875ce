/*
 * agg_spill.c: external aggregation.  Past the memory budget, every group
 * held is written to a temporary file as partial-state lines (the format
 * of --partial), sorted by window, key hash and key, and the tables start
 * empty again.  At the end the runs are merged: the lines of one group,
 * one per run at most, are read back and combined in run order (so
 * first/last keep input order) with the smallest first-seen ordinal, and
 * the group goes out through the output stage, which puts the groups
 * back in first-appearance order.  More runs than AGG_FANIN are merged
 * in steps, so the open files and buffers stay few.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg_int.h"

FILE *
agg_tmpfile(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	FILE *f;
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	snprintf(path, sizeof(path), "%s/mb-agg.XXXXXX", dir);
	if ((fd = mkstemp(path)) < 0) {
		mb_seterr("a temporary file in %s: %s", dir, strerror(errno));
		return NULL;
	}
	unlink(path);
	if ((f = fdopen(fd, "w+")) == NULL) {
		mb_seterr("a temporary file in %s: %s", dir, strerror(errno));
		close(fd);
	}
	return f;
}

typedef struct sref {
	int64_t w;
	uint64_t h;
	const char *k;
	size_t kn;
	char *slot;
} sref;

static int
keycmp(int64_t w1, uint64_t h1, const char *k1, size_t n1, int64_t w2,
    uint64_t h2, const char *k2, size_t n2)
{
	int c;

	if (w1 != w2)
		return w1 < w2 ? -1 : 1;
	if (h1 != h2)
		return h1 < h2 ? -1 : 1;
	c = memcmp(k1, k2, n1 < n2 ? n1 : n2);
	return c ? c : (n1 < n2 ? -1 : n1 > n2);
}

static int
sref_cmp(const void *x, const void *y)
{
	const sref *a = x, *b = y;

	return keycmp(a->w, a->h, a->k, a->kn, b->w, b->h, b->k, b->kn);
}

/* ---- reading runs back ------------------------------------------------------------ */

typedef struct srdr {
	FILE *f;
	char *buf;
	size_t cap;
	mb_buf key;
	int64_t w;
	uint64_t h, ord;
	char *slot;
	int live;
} srdr;

static int
srdr_next(mb_agg *a, srdr *r)
{
	ssize_t n = getline(&r->buf, &r->cap, r->f);

	if (n < 0) {
		r->live = 0;
		if (ferror(r->f))
			return mb_seterr("reading a temporary file: %s", strerror(errno));
		return 0;
	}
	if (n > 0 && r->buf[n - 1] == '\n')
		n--;
	if (a->srec == NULL)
		a->srec = mb_rec_new();
	if (mb_rec_parse(a->srec, r->buf, (size_t)n) < 0 ||
	    agg_parse_state(a, a->srec, &r->w, &r->key, &r->ord) < 0)
		return mb_seterr("a temporary file is corrupt: %s", mb_errmsg());
	memcpy(r->slot, a->tslot, a->slot);
	memset(a->tslot, 0, a->slot);
	r->h = mb_hash(r->key.p ? r->key.p : "", r->key.len);
	r->live = 1;
	return 1;
}

typedef int (*grp_fn)(mb_agg *a, int64_t w, const char *k, size_t kn,
    char *slot, void *ctx);

/* Merges runs [0, n) into fn, one group at a time. */
static int
kmerge(mb_agg *a, FILE **runs, int n, grp_fn fn, void *ctx)
{
	srdr *r = mb_xcalloc((size_t)n, sizeof(srdr));
	char *acc = mb_xcalloc(1, a->slot);
	mb_buf key = { 0 };
	int i, best, rc = 0;
	int64_t w;
	uint64_t h;

	for (i = 0; i < n && rc == 0; i++) {
		r[i].f = runs[i];
		r[i].slot = mb_xcalloc(1, a->slot);
		rewind(runs[i]);
		if (srdr_next(a, &r[i]) < 0)
			rc = -1;
	}
	while (rc == 0) {
		best = -1;
		for (i = 0; i < n; i++)
			if (r[i].live && (best < 0 || keycmp(r[i].w, r[i].h,
			    r[i].key.p, r[i].key.len, r[best].w, r[best].h,
			    r[best].key.p, r[best].key.len) < 0))
				best = i;
		if (best < 0)
			break;
		mb_buf_reset(&key);
		if (r[best].key.len > 0)
			mb_buf_add(&key, r[best].key.p, r[best].key.len);
		w = r[best].w;
		h = r[best].h;
		((ghead *)acc)->ord = UINT64_MAX;
		for (i = best; i < n && rc == 0; i++) {
			if (!r[i].live || keycmp(w, h, key.p, key.len, r[i].w, r[i].h,
			    r[i].key.p, r[i].key.len) != 0)
				continue;
			if (r[i].ord < ((ghead *)acc)->ord)
				((ghead *)acc)->ord = r[i].ord;
			if (st_merge(a, acc, r[i].slot) < 0)
				rc = -1;
			st_free(a, r[i].slot);
			if (rc == 0 && srdr_next(a, &r[i]) < 0)
				rc = -1;
		}
		if (rc == 0 && fn(a, w, key.p ? key.p : "", key.len, acc, ctx) < 0)
			rc = -1;
		st_free(a, acc);
	}
	for (i = 0; i < n; i++) {
		if (r[i].slot != NULL)
			st_free(a, r[i].slot);
		free(r[i].slot);
		free(r[i].buf);
		mb_buf_free(&r[i].key);
	}
	free(r);
	free(acc);
	mb_buf_free(&key);
	return rc;
}

static int
to_run(mb_agg *a, int64_t w, const char *k, size_t kn, char *slot, void *ctx)
{
	mb_buf_reset(&a->line);
	agg_state_line(a, w, k, kn, slot, &a->line);
	if (fwrite(a->line.p, 1, a->line.len, ctx) != a->line.len)
		return mb_seterr("writing a temporary file: %s", strerror(errno));
	return 0;
}

static int
to_out(mb_agg *a, int64_t w, const char *k, size_t kn, char *slot, void *ctx)
{
	return out_group(a, w, k, kn, slot);
}

/* Merges the last AGG_FANIN runs into one, in their place: runs stay in
 * input order, which first and last need. */
static int
compact(mb_agg *a)
{
	FILE *f = agg_tmpfile();
	int k, at = a->nruns - AGG_FANIN, lv = 0;

	if (f == NULL)
		return -1;
	if (kmerge(a, a->runs + at, AGG_FANIN, to_run, f) < 0 || fflush(f) != 0) {
		fclose(f);
		return -1;
	}
	for (k = at; k < a->nruns; k++) {
		fclose(a->runs[k]);
		if (a->runlevel[k] > lv)
			lv = a->runlevel[k];
	}
	a->runs[at] = f;
	a->runlevel[at] = lv + 1;
	a->nruns = at + 1;
	return 0;
}

/* Runs are merged as a counter counts: AGG_FANIN runs of one level make
 * one run of the next, so each group is rewritten log(runs) times. */
static int
settle(mb_agg *a)
{
	int k, lv;

	for (;;) {
		if (a->nruns < AGG_FANIN)
			return 0;
		lv = a->runlevel[a->nruns - 1];
		for (k = a->nruns - AGG_FANIN; k < a->nruns; k++)
			if (a->runlevel[k] != lv)
				return 0;
		if (compact(a) < 0)
			return -1;
	}
}

/* ---- spilling ------------------------------------------------------------------------ */

int
spill_now(mb_agg *a)
{
	uint64_t n = mb_agg_groups(a), k = 0;
	sref *v;
	FILE *f;
	size_t e, cnt;
	int i, rc = 0;

	if (n == 0)
		return 0;
	v = mb_xmalloc(n * sizeof(sref));
	for (i = 0; i < a->nw; i++) {
		cnt = mb_htab_count(a->w[i].h);
		for (e = 0; e < cnt; e++, k++) {
			v[k].w = a->w[i].start;
			v[k].slot = mb_htab_entry(a->w[i].h, e, &v[k].k, &v[k].kn);
			v[k].h = mb_hash(v[k].k, v[k].kn);
		}
	}
	qsort(v, n, sizeof(sref), sref_cmp);
	if ((f = agg_tmpfile()) == NULL) {
		free(v);
		return -1;
	}
	for (k = 0; k < n && rc == 0; k++)
		rc = to_run(a, v[k].w, v[k].k, v[k].kn, v[k].slot, f);
	free(v);
	if (rc == 0 && fflush(f) != 0)
		rc = mb_seterr("writing a temporary file: %s", strerror(errno));
	if (rc < 0) {
		fclose(f);
		return -1;
	}
	while (a->nw > 0)
		agg_wfree(a, a->nw - 1);
	a->runs = mb_xrealloc(a->runs, ((size_t)a->nruns + 1) * sizeof(FILE *));
	a->runlevel = mb_xrealloc(a->runlevel, ((size_t)a->nruns + 1) * sizeof(int));
	a->runlevel[a->nruns] = 0;
	a->runs[a->nruns++] = f;
	a->nspills++;
	return settle(a);
}

int
spill_finish(mb_agg *a)
{
	int rc, k;

	if (spill_now(a) < 0)
		return -1;
	while (a->nruns > AGG_FANIN)
		if (compact(a) < 0)
			return -1;
	out_begin(a, 1);
	rc = kmerge(a, a->runs, a->nruns, to_out, NULL);
	if (out_end(a) < 0)
		rc = -1;
	for (k = 0; k < a->nruns; k++)
		fclose(a->runs[k]);
	a->nruns = 0;
	return rc;
}
