/*
 * lake.c: the commit log of a dataset.  Reads log entries and checkpoints
 * from DIR/_mb_log, replays them into a snapshot, and creates entries
 * put-if-absent.  The format is in mb-lake(5).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lake.h"

static int
mkdir_p(const char *path)
{
	mb_buf b = {0};
	size_t i;
	int rc = 0;

	mb_buf_adds(&b, path);
	mb_buf_cstr(&b);
	for (i = 1; i <= b.len; i++) {
		if (i < b.len && b.p[i] != '/')
			continue;
		b.p[i] = '\0';
		if (mkdir(b.p, 0777) == -1 && errno != EEXIST) {
			rc = mb_seterr("%s: %s", b.p, strerror(errno));
			break;
		}
		if (i < b.len)
			b.p[i] = '/';
	}
	mb_buf_free(&b);
	return rc;
}

mb_lake *
mb_lake_open(const char *dir, int create)
{
	mb_lake *l;
	struct stat st;
	mb_buf b = {0};

	mb_buf_printf(&b, "%s/%s", dir, MB_LAKE_LOG);
	if (create && mkdir_p(b.p) == -1) {
		mb_buf_free(&b);
		return NULL;
	}
	if (stat(b.p, &st) == -1 || !S_ISDIR(st.st_mode)) {
		if (stat(dir, &st) == -1)
			mb_seterr("%s", strerror(errno));
		else
			mb_seterr("not a dataset (no %s folder)", MB_LAKE_LOG);
		mb_buf_free(&b);
		return NULL;
	}
	l = mb_xcalloc(1, sizeof(*l));
	l->dir = mb_xstrdup(dir);
	l->logdir = mb_buf_cstr(&b);
	return l;
}

void
mb_lake_close(mb_lake *l)
{
	if (l == NULL)
		return;
	free(l->dir);
	free(l->logdir);
	free(l);
}

/* Puts a prefix in front of the current error message. */
static void
prefix_err(const char *fmt, int n)
{
	char *msg = mb_xstrdup(mb_errmsg());
	char pre[64];

	snprintf(pre, sizeof(pre), fmt, n);
	mb_seterr("%s%s", pre, msg);
	free(msg);
}

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

/* The greatest version entry_name() takes: the next one is not a log
 * entry, so a writer at it refuses (mb_lake_check). */
#define VERSION_LAST ((INT64_MAX - 9) / 10 * 10 + 9)

/* A log file name: 20 digits, then ".json" (ckpt 0) or ".checkpoint.json"
 * (ckpt 1).  Returns the version or -1. */
static int64_t
entry_name(const char *s, int *ckpt)
{
	int64_t v = 0;
	int i;

	for (i = 0; i < 20; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (strcmp(s + 20, ".json") == 0)
		*ckpt = 0;
	else if (strcmp(s + 20, ".checkpoint.json") == 0)
		*ckpt = 1;
	else
		return -1;
	return v;
}

void
mb_lake_entry_path(const mb_lake *l, int64_t v, int ckpt, mb_buf *b)
{
	mb_buf_printf(b, "%s/%020" PRId64 "%s", l->logdir, v,
	    ckpt ? ".checkpoint.json" : ".json");
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorts the int64_t in b and drops repeats (a listing may return a name
 * twice while the folder changes). */
static void
sort_versions(mb_buf *b)
{
	int64_t *v = (int64_t *)(void *)b->p;
	size_t i, k, n = b->len / sizeof(int64_t);

	if (n < 2)
		return;
	qsort(v, n, sizeof(*v), cmp_i64);
	for (i = k = 1; i < n; i++)
		if (v[i] != v[k - 1])
			v[k++] = v[i];
	b->len = k * sizeof(int64_t);
}

/* One listing of the log folder. */
static int64_t
list_once(mb_lake *l, mb_buf *vers, mb_buf *ckpts)
{
	DIR *d;
	struct dirent *e;
	int64_t v, latest = -1;
	int ckpt;

	if ((d = opendir(l->logdir)) == NULL) {
		mb_seterr("%s: %s", l->logdir, strerror(errno));
		return -2;
	}
	if (vers != NULL)
		mb_buf_reset(vers);
	if (ckpts != NULL)
		mb_buf_reset(ckpts);
	while ((e = readdir(d)) != NULL) {
		if ((v = entry_name(e->d_name, &ckpt)) < 0)
			continue;
		if (ckpt) {
			if (ckpts != NULL)
				mb_buf_add(ckpts, &v, sizeof(v));
			continue;
		}
		if (vers != NULL)
			mb_buf_add(vers, &v, sizeof(v));
		if (v > latest)
			latest = v;
	}
	closedir(d);
	if (vers != NULL)
		sort_versions(vers);
	if (ckpts != NULL)
		sort_versions(ckpts);
	return latest;
}

int64_t
mb_lake_list(mb_lake *l, mb_buf *vers, mb_buf *ckpts)
{
	int64_t latest = list_once(l, vers, ckpts);
	const int64_t *v;
	size_t n;

	if (latest < 0 || vers == NULL)
		return latest;
	/*
	 * Writers link version v + 1 only after v exists, but a listing that
	 * runs while they link may see v + 1 and miss v.  A second listing,
	 * begun after the first ended, sees every entry the first one saw
	 * and every entry made before them.
	 */
	v = (const int64_t *)(const void *)vers->p;
	n = vers->len / sizeof(int64_t);
	if (v[0] != 0 || v[n - 1] != (int64_t)n - 1)
		latest = list_once(l, vers, ckpts);
	return latest;
}

int64_t
mb_lake_latest(mb_lake *l, mb_buf *ckpts)
{
	return list_once(l, NULL, ckpts);
}

void
mb_lake_walk_init(mb_lake_walk *w, const mb_buf *vers, int64_t from,
    int64_t to)
{
	w->v = (const int64_t *)(const void *)vers->p;
	w->n = vers->len / sizeof(int64_t);
	w->i = 0;
	w->next = from < 0 ? 0 : from;
	w->to = to;
	w->done = w->next > to;
	while (w->i < w->n && w->v[w->i] < w->next)
		w->i++;
}

int
mb_lake_walk_next(mb_lake_walk *w, int64_t *lo, int64_t *hi)
{
	if (w->done)
		return 0;
	*lo = w->next;
	if (w->i < w->n && w->v[w->i] <= w->to) {
		if (w->v[w->i] > w->next) {
			*hi = w->v[w->i] - 1;
			w->next = w->v[w->i];
			return MB_LAKE_GAP;
		}
		*hi = w->v[w->i++];
		if (*hi == w->to)
			w->done = 1;
		else
			w->next = *hi + 1;
		return MB_LAKE_ENTRY;
	}
	*hi = w->to;
	w->done = 1;
	return MB_LAKE_GAP;
}

const char *
mb_lake_entries_name(mb_buf *b, int64_t lo, int64_t hi)
{
	mb_buf_reset(b);
	if (lo == hi)
		mb_buf_printf(b, "log entry %" PRId64, lo);
	else
		mb_buf_printf(b, "log entries %" PRId64 " to %" PRId64, lo,
		    hi);
	return mb_buf_cstr(b);
}

void
mb_lake_file_free(mb_lake_file *f)
{
	free(f->path);
	free(f->pvals);
	f->path = f->pvals = NULL;
}

void
mb_lake_file_copy(mb_lake_file *dst, const mb_lake_file *src)
{
	*dst = *src;
	dst->path = mb_xstrdup(src->path);
	dst->pvals = mb_xstrdup(src->pvals);
}

void
mb_lake_commit_free(mb_lake_commit *c)
{
	size_t i;

	for (i = 0; i < c->nadd; i++)
		mb_lake_file_free(&c->add[i]);
	for (i = 0; i < c->nrm; i++)
		mb_lake_file_free(&c->rm[i]);
	free(c->add);
	free(c->rm);
	free(c->op);
	free(c->pcols);
	memset(c, 0, sizeof(*c));
}

static int
get_u64(const mb_rec *r, const char *path, uint64_t *out)
{
	int64_t v;

	if (mb_rec_int(r, mb_rec_find(r, path), &v) == -1 || v < 0)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

/* A path from the log must stay inside the dataset. */
static int
safe_path(const char *s)
{
	const char *p;

	if (*s == '\0' || *s == '/')
		return 0;
	for (p = s; *p != '\0'; p++)
		if (p == s || p[-1] == '/') {
			if (p[0] == '.' && (p[1] == '/' || p[1] == '\0' ||
			    (p[1] == '.' && (p[2] == '/' || p[2] == '\0'))))
				return 0;
			if (*p == '/')
				return 0;
		}
	return 1;
}

static int
parse_file(const mb_rec *r, const char *a, mb_lake_file *f, mb_buf *tmp)
{
	char key[64];
	int v;
	int64_t ver;
	int dc;
	mb_span s;
	char *end;

	memset(f, 0, sizeof(*f));
	f->datachange = 1;
	f->version = -1;
	snprintf(key, sizeof(key), "%s.path", a);
	mb_buf_reset(tmp);
	if (mb_rec_type(r, v = mb_rec_find(r, key)) != MB_T_STR ||
	    mb_rec_str(r, v, tmp) == -1 || !safe_path(mb_buf_cstr(tmp)))
		return mb_seterr("%s: bad path", a);
	f->path = mb_xstrndup(tmp->p, tmp->len);
	snprintf(key, sizeof(key), "%s.partitionValues", a);
	if (mb_rec_type(r, v = mb_rec_find(r, key)) != MB_T_OBJ)
		return mb_seterr("%s: bad partitionValues", a);
	s = mb_rec_raw(r, v);
	f->pvals = mb_xstrndup(s.p, s.len);
	snprintf(key, sizeof(key), "%s.records", a);
	if (get_u64(r, key, &f->records) == -1)
		return mb_seterr("%s: bad records", a);
	snprintf(key, sizeof(key), "%s.bytes", a);
	if (get_u64(r, key, &f->bytes) == -1)
		return mb_seterr("%s: bad bytes", a);
	snprintf(key, sizeof(key), "%s.compressedBytes", a);
	if (get_u64(r, key, &f->cbytes) == -1)
		return mb_seterr("%s: bad compressedBytes", a);
	snprintf(key, sizeof(key), "%s.xxh3", a);
	mb_buf_reset(tmp);
	if (mb_rec_str(r, mb_rec_find(r, key), tmp) == -1 || tmp->len != 16)
		return mb_seterr("%s: bad xxh3", a);
	f->xxh3 = strtoull(mb_buf_cstr(tmp), &end, 16);
	if (*end != '\0')
		return mb_seterr("%s: bad xxh3", a);
	snprintf(key, sizeof(key), "%s.dataChange", a);
	if ((v = mb_rec_find(r, key)) >= 0 && mb_rec_bool(r, v, &dc) == 0)
		f->datachange = dc;
	snprintf(key, sizeof(key), "%s.version", a);
	if ((v = mb_rec_find(r, key)) >= 0 && mb_rec_int(r, v, &ver) == 0)
		f->version = ver;
	return 0;
}

static void
push_file(mb_lake_file **arr, size_t *n, const mb_lake_file *f)
{
	if ((*n & (*n - 1)) == 0)	/* 0, 1, 2, 4...: double */
		*arr = mb_xrealloc(*arr, (*n ? *n * 2 : 1) * sizeof(**arr));
	(*arr)[(*n)++] = *f;
}

int
mb_lake_commit_parse(const char *p, size_t n, mb_lake_commit *c)
{
	mb_rec *r = mb_rec_new();
	mb_buf tmp = {0};
	const char *end = p + n, *nl, *hdr = NULL;
	mb_lake_file f;
	int64_t ver, t;
	int v, lineno = 0, rc = -1;
	mb_span s;

	memset(c, 0, sizeof(*c));
	c->version = -1;
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		lineno++;
		if (nl == p)
			continue;
		if (mb_rec_parse(r, p, (size_t)(nl - p)) == -1) {
			prefix_err("line %d: ", lineno);
			goto out;
		}
		if (mb_rec_find(r, "commitInfo") >= 0)
			hdr = "commitInfo";
		else if (mb_rec_find(r, "checkpoint") >= 0)
			hdr = "checkpoint";
		else if (mb_rec_find(r, "add") >= 0) {
			if (parse_file(r, "add", &f, &tmp) == -1)
				goto bad;
			push_file(&c->add, &c->nadd, &f);
			continue;
		} else if (mb_rec_find(r, "remove") >= 0) {
			if (parse_file(r, "remove", &f, &tmp) == -1)
				goto bad;
			push_file(&c->rm, &c->nrm, &f);
			continue;
		} else
			continue;	/* an action of a later format */
		if (c->version >= 0) {
			mb_seterr("line %d: a second %s", lineno, hdr);
			goto out;
		}
		mb_buf_reset(&tmp);
		mb_buf_printf(&tmp, "%s.version", hdr);
		if (mb_rec_int(r, mb_rec_find(r, mb_buf_cstr(&tmp)), &ver) ==
		    -1 || ver < 0) {
			mb_seterr("line %d: %s without a version", lineno, hdr);
			goto out;
		}
		mb_buf_reset(&tmp);
		mb_buf_printf(&tmp, "%s.timestamp", hdr);
		if (mb_rec_int(r, mb_rec_find(r, mb_buf_cstr(&tmp)), &t) ==
		    -1) {
			mb_seterr("line %d: %s without a timestamp", lineno,
			    hdr);
			goto out;
		}
		c->version = ver;
		c->time = t;
		mb_buf_reset(&tmp);
		mb_buf_printf(&tmp, "%s.operation", hdr);
		v = mb_rec_find(r, mb_buf_cstr(&tmp));
		mb_buf_reset(&tmp);
		if (v >= 0 && mb_rec_str(r, v, &tmp) == 0)
			c->op = mb_xstrndup(tmp.p, tmp.len);
		else
			c->op = mb_xstrdup(hdr[0] == 'c' && hdr[1] == 'h' ?
			    "CHECKPOINT" : "UNKNOWN");
		mb_buf_reset(&tmp);
		mb_buf_printf(&tmp, "%s.partitionColumns", hdr);
		v = mb_rec_find(r, mb_buf_cstr(&tmp));
		if (mb_rec_type(r, v) == MB_T_ARR) {
			s = mb_rec_raw(r, v);
			c->pcols = mb_xstrndup(s.p, s.len);
		}
	}
	if (c->version < 0) {
		mb_seterr("no commitInfo");
		goto out;
	}
	rc = 0;
	goto out;
bad:
	mb_lake_file_free(&f);
	prefix_err("line %d: ", lineno);
out:
	if (rc == -1) {
		char *msg = mb_xstrdup(mb_errmsg());

		mb_lake_commit_free(c);
		mb_seterr("%s", msg);
		free(msg);
	}
	mb_buf_free(&tmp);
	mb_rec_free(r);
	return rc;
}

static int
read_log_file(mb_lake *l, int64_t v, int ckpt, mb_lake_commit *c)
{
	mb_buf path = {0}, text = {0};
	int rc;

	mb_lake_entry_path(l, v, ckpt, &path);
	if (mb_file_read(mb_buf_cstr(&path), &text) == -1) {
		struct stat st;
		int e = stat(path.p, &st) == -1 && errno == ENOENT ? ENOENT :
		    EIO;

		if (e == ENOENT)
			mb_seterr("missing");
		mb_buf_free(&path);
		mb_buf_free(&text);
		memset(c, 0, sizeof(*c));
		errno = e;
		return -1;
	}
	rc = mb_lake_commit_parse(text.p, text.len, c);
	if (rc == 0 && c->version != v) {
		mb_seterr("names version %" PRId64, c->version);
		mb_lake_commit_free(c);
		rc = -1;
	}
	if (rc == -1)
		errno = EINVAL;
	mb_buf_free(&path);
	mb_buf_free(&text);
	return rc;
}

int
mb_lake_commit_read(mb_lake *l, int64_t v, mb_lake_commit *c)
{
	return read_log_file(l, v, 0, c);
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
		if (read_log_file(l, cv, 1, &c) == -1) {
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
		if (read_log_file(l, lo, 0, &c) == -1) {
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

/* ---- the manifest ------------------------------------------------------- */

/* Writes the manifest of the newest snapshot; its version in *v. */
static int
manifest_once(mb_lake *l, const char *root, int64_t *v)
{
	mb_lake_snap s;
	mb_buf b = {0}, path = {0};
	mb_lake_onerr f = l->onerr;
	size_t i;
	int rc;

	l->onerr = NULL;
	rc = mb_lake_snap_load(l, -1, &s);
	l->onerr = f;
	if (rc == -1)
		return -1;
	for (i = 0; i < s.n; i++)
		mb_buf_printf(&b, "%s/%s\n", root, s.files[i].path);
	mb_buf_printf(&path, "%s/%s", l->dir, MB_LAKE_MANIFEST);
	rc = mb_file_replace(path.p, b.p ? b.p : "", b.len);
	*v = s.version;
	mb_lake_snap_free(&s);
	mb_buf_free(&b);
	mb_buf_free(&path);
	return rc;
}

int
mb_lake_manifest_write(mb_lake *l)
{
	char *root = realpath(l->dir, NULL);
	int64_t v, latest;
	int rc = 0;

	if (root == NULL)
		return mb_seterr("%s: %s", l->dir, strerror(errno));
	/*
	 * Writers that commit at once each write the manifest after their
	 * commit; an older one may rename its file last.  So whoever wrote
	 * looks again, and writes again while the log has moved on: the last
	 * to write has seen the newest version.
	 */
	for (;;) {
		if ((rc = manifest_once(l, root, &v)) == -1)
			break;
		if ((latest = mb_lake_latest(l, NULL)) == -2) {
			rc = -1;
			break;
		}
		if (latest <= v)
			break;
	}
	free(root);
	return rc;
}

int
mb_lake_manifest_update(mb_lake *l)
{
	mb_buf path = {0};
	int rc = 0;

	mb_buf_printf(&path, "%s/%s", l->dir, MB_LAKE_MANIFEST);
	if (access(path.p, F_OK) == 0)
		rc = mb_lake_manifest_write(l);
	mb_buf_free(&path);
	return rc;
}

int
mb_lake_check(mb_lake *l)
{
	mb_lake_snap s;
	int64_t n, v;

	if (mb_lake_snap_load(l, -1, &s) == -1)
		return -1;
	n = s.damaged;
	v = s.version;
	mb_lake_snap_free(&s);
	if (n > 0)
		return mb_seterr("the log is damaged (%" PRId64 " %s); nothing "
		    "was written: mb-lake verify names the damage, mb-lake "
		    "repair mends it", n, n == 1 ? "entry" : "entries");
	if (v >= VERSION_LAST)
		return mb_seterr("version %" PRId64 " is the last a log can "
		    "hold; nothing was written", v);
	return 0;
}

int64_t
mb_lake_version_at(mb_lake *l, int64_t ms)
{
	mb_lake_commit c;
	mb_buf vs = {0};
	const int64_t *v;
	int64_t t, found = -1;
	size_t i;

	if (mb_lake_list(l, &vs, NULL) == -2) {
		mb_buf_free(&vs);
		return -2;
	}
	v = (const int64_t *)(const void *)vs.p;
	for (i = vs.len / sizeof(int64_t); i-- > 0;) {
		if (mb_lake_commit_read(l, v[i], &c) == -1)
			continue;
		t = c.time;
		mb_lake_commit_free(&c);
		if (t <= ms) {
			found = v[i];
			break;
		}
	}
	mb_buf_free(&vs);
	return found;
}

/* ---- writing the log --------------------------------------------------- */

/* Writes and fsyncs a temp file in the log folder; its path goes to tmp. */
static int
write_temp(mb_lake *l, const char *p, size_t n, mb_buf *tmp)
{
	static unsigned seq;
	int fd;

	mb_buf_reset(tmp);
	mb_buf_printf(tmp, "%s/.tmp-%ld-%u-%016" PRIx64, l->logdir,
	    (long)getpid(), seq++, (uint64_t)mb_time_now_ms() ^
	    (uint64_t)(uintptr_t)tmp);
	fd = open(mb_buf_cstr(tmp), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0644);
	if (fd == -1)
		return mb_seterr("%s: %s", tmp->p, strerror(errno));
	if (mb_write_all(fd, p, n) == -1 || fsync(fd) == -1) {
		mb_seterr("%s: %s", tmp->p, strerror(errno));
		close(fd);
		unlink(tmp->p);
		return -1;
	}
	if (close(fd) == -1) {
		mb_seterr("%s: %s", tmp->p, strerror(errno));
		unlink(tmp->p);
		return -1;
	}
	return 0;
}

int
mb_lake_put_entry(mb_lake *l, int64_t v, const char *p, size_t n)
{
	mb_buf tmp = {0}, path = {0};
	int rc = 0;

	if (write_temp(l, p, n, &tmp) == -1) {
		mb_buf_free(&tmp);
		return -1;
	}
	mb_lake_entry_path(l, v, 0, &path);
	if (link(tmp.p, mb_buf_cstr(&path)) == -1) {
		if (errno == EEXIST)
			rc = 1;
		else
			rc = mb_seterr("%s: %s", path.p, strerror(errno));
	}
	unlink(tmp.p);
	if (rc == 0 && mb_fsync_dir(l->logdir) == -1)
		rc = -1;
	mb_buf_free(&tmp);
	mb_buf_free(&path);
	return rc;
}

void
mb_lake_file_json(mb_buf *b, const char *action, const mb_lake_file *f)
{
	mb_buf_printf(b, "{\"%s\":{\"path\":", action);
	mb_buf_json_str(b, f->path, strlen(f->path));
	mb_buf_adds(b, ",\"partitionValues\":");
	mb_buf_adds(b, f->pvals);
	mb_buf_printf(b, ",\"records\":%" PRIu64 ",\"bytes\":%" PRIu64
	    ",\"compressedBytes\":%" PRIu64 ",\"xxh3\":\"", f->records,
	    f->bytes, f->cbytes);
	mb_buf_addhex64(b, f->xxh3);
	mb_buf_adds(b, "\"");
	if (!f->datachange)
		mb_buf_adds(b, ",\"dataChange\":false");
	if (strcmp(action, "add") == 0 && f->version >= 0)
		mb_buf_printf(b, ",\"version\":%" PRId64, f->version);
	mb_buf_adds(b, "}}\n");
}

int
mb_lake_checkpoint_write(mb_lake *l, const mb_lake_snap *s)
{
	mb_buf b = {0}, tmp = {0}, path = {0};
	size_t i;
	int rc = 0;

	mb_buf_printf(&b, "{\"checkpoint\":{\"version\":%" PRId64
	    ",\"timestamp\":%" PRId64 ",\"files\":%zu", s->version, s->time,
	    s->n);
	if (s->pcols != NULL)
		mb_buf_printf(&b, ",\"partitionColumns\":%s", s->pcols);
	mb_buf_adds(&b, "}}\n");
	for (i = 0; i < s->n; i++)
		if (s->files[i].path != NULL)
			mb_lake_file_json(&b, "add", &s->files[i]);
	if (write_temp(l, b.p, b.len, &tmp) == -1)
		rc = -1;
	else {
		mb_lake_entry_path(l, s->version, 1, &path);
		if (link(tmp.p, mb_buf_cstr(&path)) == -1 && errno != EEXIST)
			rc = mb_seterr("%s: %s", path.p, strerror(errno));
		unlink(tmp.p);
		if (rc == 0)
			rc = mb_fsync_dir(l->logdir);
	}
	mb_buf_free(&b);
	mb_buf_free(&tmp);
	mb_buf_free(&path);
	return rc;
}

/* ---- partitions -------------------------------------------------------- */

size_t
mb_lake_pdir_len(const char *path)
{
	const char *s = strrchr(path, '/');

	return s == NULL ? 0 : (size_t)(s - path);
}

/*
 * Bytes that would let a value leave its folder, confuse a Hive reader or a
 * shell are percent-encoded: control bytes, '/', '\\', '%', '=', quotes,
 * glob characters, ':', and a leading '.' (so "." and ".." cannot occur
 * and no value makes a hidden folder).  Bytes of UTF-8 above 0x7f stay.
 */
void
mb_lake_escape(mb_buf *b, const char *p, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	static unsigned char bad[256];
	const unsigned char *s;
	size_t i, run;

	if (bad[0] == 0) {
		for (i = 0; i < 0x20; i++)
			bad[i] = 1;
		bad[0x7f] = 1;
		for (s = (const unsigned char *)"/\\%=\"'*?[]{}^:#<>|"; *s; s++)
			bad[*s] = 1;
	}
	for (i = 0; i < n; i += run) {
		s = (const unsigned char *)p + i;
		if (bad[*s] || (*s == '.' && i == 0)) {
			mb_buf_addc(b, '%');
			mb_buf_addc(b, hex[*s >> 4]);
			mb_buf_addc(b, hex[*s & 15]);
			run = 1;
			continue;
		}
		for (run = 1; i + run < n && !bad[s[run]]; run++)
			;
		mb_buf_add(b, s, run);
	}
}

void
mb_lake_pdir_add(mb_buf *b, const char *col, size_t cn, const char *val,
    size_t vn)
{
	size_t start = b->len, keep, vstart;

	mb_lake_escape(b, col, cn);
	mb_buf_addc(b, '=');
	if (val == NULL) {
		mb_buf_adds(b, MB_LAKE_NULL);
		return;
	}
	vstart = b->len;
	mb_lake_escape(b, val, vn);
	if (b->len - start <= MB_LAKE_NAME_MAX)
		return;
	/*
	 * Too long for a folder name: a prefix, cut before an escape or a
	 * UTF-8 sequence it would split, then "%7e" and the xxh3-64 of the
	 * whole value.  Escapes are written in upper-case hex, so "%7e"
	 * never occurs in a value that was not cut: the two cannot meet.
	 */
	keep = MB_LAKE_NAME_MAX - (vstart - start) - 3 - 16;
	if (keep > b->len - vstart)
		keep = b->len - vstart;
	while (keep > 0 && (b->p[vstart + keep - 1] == '%' ||
	    (keep > 1 && b->p[vstart + keep - 2] == '%')))
		keep--;
	while (keep > 0 &&
	    ((unsigned char)b->p[vstart + keep] & 0xc0) == 0x80)
		keep--;
	b->len = vstart + keep;
	mb_buf_adds(b, "%7e");
	mb_buf_addhex64(b, mb_hash(val, vn));
}

/* -?[0-9]+(\.[0-9]+)? */
static int
numberlike(const char *s, size_t n)
{
	size_t i = 0, d = 0;

	if (i < n && s[i] == '-')
		i++;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		d++;
	if (d == 0)
		return 0;
	if (i < n && s[i] == '.') {
		d = 0;
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			d++;
		if (d == 0)
			return 0;
	}
	return i == n;
}

/* ---- natural order ----------------------------------------------------- */

/* Digit runs compare as numbers (leading zeros aside), other bytes as
 * bytes; a digit run sorts where its first byte would. */
static int
nat_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i = 0, j = 0, si, sj, li, lj;
	int c;

	while (i < an && j < bn) {
		if (isdigit((unsigned char)a[i]) &&
		    isdigit((unsigned char)b[j])) {
			for (; i + 1 < an && a[i] == '0' &&
			    isdigit((unsigned char)a[i + 1]); i++)
				;
			for (; j + 1 < bn && b[j] == '0' &&
			    isdigit((unsigned char)b[j + 1]); j++)
				;
			for (si = i; i < an && isdigit((unsigned char)a[i]);
			    i++)
				;
			for (sj = j; j < bn && isdigit((unsigned char)b[j]);
			    j++)
				;
			li = i - si;
			lj = j - sj;
			if (li != lj)
				return li < lj ? -1 : 1;
			if ((c = memcmp(a + si, b + sj, li)) != 0)
				return c < 0 ? -1 : 1;
			continue;
		}
		if (a[i] != b[j])
			return (unsigned char)a[i] < (unsigned char)b[j] ?
			    -1 : 1;
		i++;
		j++;
	}
	return (i < an) - (j < bn);
}

/* Two magnitudes [0-9]+(\.[0-9]+)? as numbers. */
static int
mag_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	const char *da = memchr(a, '.', an), *db = memchr(b, '.', bn);
	size_t ia = da ? (size_t)(da - a) : an, ib = db ? (size_t)(db - b) : bn;
	size_t k;
	int c;

	for (; ia > 1 && *a == '0'; a++, an--, ia--)
		;
	for (; ib > 1 && *b == '0'; b++, bn--, ib--)
		;
	if (ia != ib)
		return ia < ib ? -1 : 1;
	if ((c = memcmp(a, b, ia)) != 0)
		return c < 0 ? -1 : 1;
	/* the fractions, digit by digit; a missing digit is 0 */
	a += ia + (ia < an);
	an -= ia + (ia < an);
	b += ib + (ib < bn);
	bn -= ib + (ib < bn);
	for (k = 0; k < an || k < bn; k++) {
		char x = k < an ? a[k] : '0', y = k < bn ? b[k] : '0';

		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

/* One folder or file name: its column (up to '='), then its value:
 * number-like values first, in numeric order, then the others in natural
 * order; bytes break a tie, so that the order is total. */
static int
seg_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	const char *ea = memchr(a, '=', an), *eb = memchr(b, '=', bn);
	size_t ka = ea ? (size_t)(ea - a) : an, kb = eb ? (size_t)(eb - b) : bn;
	size_t va, vb;
	int c, na, nb;

	if ((c = nat_cmp(a, ka, b, kb)) != 0)
		return c;
	va = an - ka - (ea != NULL);
	vb = bn - kb - (eb != NULL);
	a += an - va;
	b += bn - vb;
	na = numberlike(a, va);
	nb = numberlike(b, vb);
	if (na != nb)
		return na ? -1 : 1;
	if (na) {
		int sa = *a == '-', sb = *b == '-';

		if (sa != sb)
			return sa ? -1 : 1;
		c = mag_cmp(a + sa, va - sa, b + sb, vb - sb);
		if (sa)
			c = -c;
	} else
		c = nat_cmp(a, va, b, vb);
	return c;
}

int
mb_lake_path_cmp(const char *a, const char *b)
{
	const char *ea, *eb;
	size_t an, bn;
	int c;

	for (;;) {
		ea = strchr(a, '/');
		eb = strchr(b, '/');
		an = ea ? (size_t)(ea - a) : strlen(a);
		bn = eb ? (size_t)(eb - b) : strlen(b);
		if ((c = seg_cmp(a, an, b, bn)) != 0)
			return c;
		if ((c = memcmp(a, b, an < bn ? an : bn)) != 0)
			return c < 0 ? -1 : 1;
		if (an != bn)
			return an < bn ? -1 : 1;
		if (ea == NULL || eb == NULL)
			return (ea != NULL) - (eb != NULL);
		a = ea + 1;
		b = eb + 1;
	}
}

int
mb_lake_pvals_record(const char *pvals, mb_buf *out)
{
	mb_rec *r = mb_rec_new();
	mb_buf v = {0};
	int i, h, rc = 0;
	mb_span k;
	const char *s;

	if (mb_rec_parse(r, pvals, strlen(pvals)) == -1) {
		rc = -1;
		goto out;
	}
	mb_buf_addc(out, '{');
	for (i = 0; i < mb_rec_nfields(r); i++) {
		if (i > 0)
			mb_buf_addc(out, ',');
		k = mb_rec_key(r, i);
		mb_buf_addc(out, '"');
		mb_buf_add(out, k.p, k.len);
		mb_buf_adds(out, "\":");
		h = mb_rec_field(r, i);
		mb_buf_reset(&v);
		if (mb_rec_type(r, h) != MB_T_STR ||
		    mb_rec_str(r, h, &v) == -1) {
			mb_buf_adds(out, "null");
			continue;
		}
		if (!numberlike(v.p, v.len)) {
			mb_buf_json_str(out, v.p, v.len);
			continue;
		}
		s = v.p;
		if (*s == '-')
			mb_buf_addc(out, *s++);
		while (s[0] == '0' && s + 1 < v.p + v.len && s[1] != '.')
			s++;
		mb_buf_add(out, s, (size_t)(v.p + v.len - s));
	}
	mb_buf_addc(out, '}');
out:
	mb_buf_free(&v);
	mb_rec_free(r);
	return rc;
}

int
mb_lake_pcol_parse(const char *spec, char **name, char **field, int *xf)
{
	static const char *const xfs[] = { ":date", ":month", ":year" };
	const char *eq = strchr(spec, '='), *p;
	size_t n = eq != NULL ? (size_t)(eq - spec) : strlen(spec), fl;
	int i;

	*name = *field = NULL;
	*xf = 0;
	if (n == 0 || n > 128 || !((spec[0] >= 'a' && spec[0] <= 'z') ||
	    (spec[0] >= 'A' && spec[0] <= 'Z') || (spec[0] >= '0' &&
	    spec[0] <= '9')))
		return mb_seterr("partition column '%.*s': a name starts with "
		    "a letter or digit", (int)n, spec);
	for (p = spec; p < spec + n; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' ||
		    *p == '-'))
			return mb_seterr("partition column '%.*s': only "
			    "letters, digits, '_', '.' and '-' may be used",
			    (int)n, spec);
	*name = mb_xstrndup(spec, n);
	if (eq == NULL) {
		*field = mb_xstrndup(spec, n);
		return 0;
	}
	fl = strlen(eq + 1);
	for (i = 0; i < 3; i++) {
		size_t k = strlen(xfs[i]);

		if (fl > k && strcmp(eq + 1 + fl - k, xfs[i]) == 0) {
			*xf = i + 1;
			fl -= k;
			break;
		}
	}
	if (fl == 0) {
		free(*name);
		*name = NULL;
		return mb_seterr("partition column '%s': no field", spec);
	}
	*field = mb_xstrndup(eq + 1, fl);
	return 0;
}

int
mb_lake_pcols_split(const char *pcols, mb_buf *out)
{
	mb_rec *r = mb_rec_new();
	mb_buf b = {0};
	int n = -1, v;

	mb_buf_printf(&b, "{\"c\":%s}", pcols);
	if (mb_rec_parse(r, b.p, b.len) == 0 &&
	    mb_rec_type(r, v = mb_rec_find(r, "c")) == MB_T_ARR) {
		for (n = 0; n < mb_rec_len(r, v); n++) {
			if (mb_rec_str(r, mb_rec_child(r, v, n, NULL), out) ==
			    -1) {
				n = -1;
				break;
			}
			mb_buf_addc(out, '\0');
		}
	}
	if (n == -1)
		mb_seterr("bad partitionColumns");
	mb_buf_free(&b);
	mb_rec_free(r);
	return n;
}

int
mb_lake_pvals_get(const char *pvals, const char *key, mb_buf *out)
{
	mb_rec *r = mb_rec_new();
	int i, rc = 0;
	mb_span k;

	if (mb_rec_parse(r, pvals, strlen(pvals)) == 0)
		for (i = 0; i < mb_rec_nfields(r); i++) {
			k = mb_rec_key(r, i);
			if (k.len != strlen(key) || memcmp(k.p, key, k.len))
				continue;
			if (mb_rec_type(r, mb_rec_field(r, i)) == MB_T_STR &&
			    mb_rec_str(r, mb_rec_field(r, i), out) == 0)
				rc = 1;
			break;
		}
	mb_rec_free(r);
	return rc;
}

