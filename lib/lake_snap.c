/*
 * lake_snap.c: snapshots of a dataset: the files of one version, made by
 * replaying the log from the newest checkpoint at or before it, with an
 * index by path.  Damage the replay steps over goes to the onerr callback.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lake_int.h"

static void
report(mb_lake *l, const char *fmt, ...)
{
	mb_buf b = {0};
	va_list ap;
	int n;

	if (l->onerr == NULL)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	mb_buf_grow(&b, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(b.p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	l->onerr(l->ctx, b.p);
	mb_buf_free(&b);
}

/* ---- snapshots --------------------------------------------------------- */

void
mb_lake_snap_init(mb_lake_snap *s)
{
	memset(s, 0, sizeof(*s));
	s->version = -1;
	s->from = -1;
}

void
mb_lake_snap_free(mb_lake_snap *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		mb_lake_file_free(&s->files[i]);
	free(s->files);
	free(s->idx);
	free(s->pcols);
	mb_lake_snap_init(s);
}

static uint64_t
hstr(const char *s)
{
	return mb_hash(s, strlen(s));
}

/* Slots hold index + 1; 0 is empty.  A removed file keeps its slot (its
 * path is NULL) until the next sort rebuilds the index. */
static void
idx_insert(mb_lake_snap *s, size_t i)
{
	size_t m, h;

	if ((s->n + 1) * 2 > s->idxcap) {
		size_t j, oldcap = s->idxcap;
		size_t *old = s->idx;

		s->idxcap = oldcap ? oldcap * 2 : 64;
		while (s->idxcap < (s->n + 1) * 2)
			s->idxcap *= 2;
		s->idx = mb_xcalloc(s->idxcap, sizeof(size_t));
		free(old);
		for (j = 0; j < s->n; j++)
			if (j != i)
				idx_insert(s, j);
	}
	if (s->files[i].path == NULL)
		return;
	m = s->idxcap - 1;
	for (h = hstr(s->files[i].path) & m; s->idx[h] != 0; h = (h + 1) & m)
		;
	s->idx[h] = i + 1;
}

long
mb_lake_snap_find(const mb_lake_snap *s, const char *path)
{
	size_t m, h, i;

	if (s->idxcap == 0)
		return -1;
	m = s->idxcap - 1;
	for (h = hstr(path) & m; s->idx[h] != 0; h = (h + 1) & m) {
		i = s->idx[h] - 1;
		if (s->files[i].path != NULL &&
		    strcmp(s->files[i].path, path) == 0)
			return (long)i;
	}
	return -1;
}

void
mb_lake_snap_apply(mb_lake_snap *s, const mb_lake_commit *c)
{
	size_t i;
	long j;

	for (i = 0; i < c->nrm; i++)
		if ((j = mb_lake_snap_find(s, c->rm[i].path)) >= 0) {
			mb_lake_file_free(&s->files[j]);
			s->dead++;
		}
	for (i = 0; i < c->nadd; i++) {
		if ((j = mb_lake_snap_find(s, c->add[i].path)) >= 0) {
			mb_lake_file_free(&s->files[j]);
			s->dead++;
		}
		if (s->n == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 16;
			s->files = mb_xrealloc(s->files,
			    s->cap * sizeof(*s->files));
		}
		mb_lake_file_copy(&s->files[s->n], &c->add[i]);
		if (s->files[s->n].version < 0)
			s->files[s->n].version = c->version;
		s->n++;
		idx_insert(s, s->n - 1);
	}
	if (c->version > s->version) {
		s->version = c->version;
		s->time = c->time;
	}
	if (c->pcols != NULL) {
		free(s->pcols);
		s->pcols = mb_xstrdup(c->pcols);
	}
	if (s->dead > 1024 && s->dead > s->n / 2)
		mb_lake_snap_sort(s);
}

static int
cmp_file(const void *a, const void *b)
{
	const mb_lake_file *x = a, *y = b;

	return mb_lake_path_cmp(x->path, y->path);
}

void
mb_lake_snap_sort(mb_lake_snap *s)
{
	size_t i, k = 0;

	for (i = 0; i < s->n; i++)
		if (s->files[i].path != NULL)
			s->files[k++] = s->files[i];
	s->n = k;
	s->dead = 0;
	if (s->n > 1)
		qsort(s->files, s->n, sizeof(*s->files), cmp_file);
	free(s->idx);
	s->idx = NULL;
	s->idxcap = 0;
	for (i = 0; i < s->n; i++)
		idx_insert(s, i);
}

int
mb_lake_snap_load(mb_lake *l, int64_t version, mb_lake_snap *s)
{
	mb_buf ck = {0}, vs = {0}, name = {0};
	mb_lake_commit c;
	mb_lake_walk w;
	int64_t latest, lo, hi, from = 0;
	long k;
	int step;

	mb_lake_snap_init(s);
	if ((latest = mb_lake_list(l, &vs, &ck)) == -2) {
		mb_buf_free(&ck);
		mb_buf_free(&vs);
		return -1;
	}
	if (version < 0)
		version = latest;
	if (version > latest) {
		mb_buf_free(&ck);
		mb_buf_free(&vs);
		if (latest < 0)
			return mb_seterr("no version %" PRId64
			    " (nothing committed yet)", version);
		return mb_seterr("no version %" PRId64 " (the newest is %"
		    PRId64 ")", version, latest);
	}
	for (k = (long)(ck.len / sizeof(int64_t)) - 1; k >= 0; k--) {
		int64_t cv = ((int64_t *)(void *)ck.p)[k];

		if (cv > version)
			continue;
		if (lake_read_log_file(l, cv, 1, &c) == -1) {
			report(l, "checkpoint %" PRId64 ": %s", cv,
			    mb_errmsg());
			continue;
		}
		mb_lake_snap_apply(s, &c);
		mb_lake_commit_free(&c);
		from = cv + 1;
		s->from = cv;
		break;
	}
	mb_buf_free(&ck);
	mb_lake_walk_init(&w, &vs, from, version);
	while ((step = mb_lake_walk_next(&w, &lo, &hi)) != 0) {
		if (step == MB_LAKE_GAP) {
			report(l, "%s: missing", mb_lake_entries_name(&name,
			    lo, hi));
			s->damaged += hi - lo + 1;
			continue;
		}
		if (lake_read_log_file(l, lo, 0, &c) == -1) {
			report(l, "log entry %" PRId64 ": %s", lo,
			    mb_errmsg());
			s->damaged++;
			continue;
		}
		mb_lake_snap_apply(s, &c);
		mb_lake_commit_free(&c);
	}
	mb_buf_free(&vs);
	mb_buf_free(&name);
	if (s->version < version)	/* the newest entry was damaged */
		s->version = version;
	mb_lake_snap_sort(s);
	return 0;
}
