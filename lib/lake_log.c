/*
 * lake_log.c: the commit log of a dataset.  Reads log entries and
 * checkpoints from DIR/_mb_log (names, listing, walking the versions,
 * parsing), and creates entries put-if-absent.  The format is in
 * mb-lake(5).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lake_int.h"

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

int
lake_read_log_file(mb_lake *l, int64_t v, int ckpt, mb_lake_commit *c)
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
	return lake_read_log_file(l, v, 0, c);
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
