/*
 * lake.c: a dataset's folder (mb-lake(5)): opening it, the manifest of
 * its current files, and the check a writer makes before it commits.
 * The commit log is in lake_log.c, snapshots in lake_snap.c, partition
 * paths in lake_part.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lake_int.h"

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
