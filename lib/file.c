/* file.c: whole-file reads, atomic replacement, and directory walks. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mb.h"

int
mb_file_read(const char *path, mb_buf *b)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return mb_seterr("%s: %s", path, strerror(errno));
	for (;;) {
		mb_buf_grow(b, 65536);
		r = read(fd, b->p + b->len, b->cap - b->len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		b->len += (size_t)r;
	}
	close(fd);
	if (r < 0)
		return mb_seterr("%s: %s", path, strerror(errno));
	mb_buf_cstr(b);
	return 0;
}

int
mb_write_all(int fd, const void *vp, size_t n)
{
	const char *p = vp;
	ssize_t k;

	while (n > 0) {
		if ((k = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int
mb_fsync_dir(const char *dir)
{
	int fd, rc = 0;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return mb_seterr("%s: %s", dir, strerror(errno));
	if (fsync(fd) < 0 && errno != EINVAL)
		rc = mb_seterr("%s: fsync: %s", dir, strerror(errno));
	close(fd);
	return rc;
}

/* The folder a path is in: "." for a bare name. */
static void
dir_of(const char *path, mb_buf *out)
{
	const char *slash = strrchr(path, '/');

	out->len = 0;
	if (slash == NULL)
		mb_buf_addc(out, '.');
	else
		mb_buf_add(out, path, slash == path ? 1 : (size_t)(slash - path));
	mb_buf_cstr(out);
}

int
mb_file_replace(const char *path, const void *p, size_t n)
{
	mb_buf tmp = { 0 };
	int fd, e;

	mb_buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid());
	fd = open(mb_buf_cstr(&tmp), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		goto fail;
	if (mb_write_all(fd, p, n) < 0)
		goto failfd;
	if (fsync(fd) < 0)
		goto failfd;
	if (close(fd) < 0) {
		fd = -1;
		goto failfd;
	}
	if (rename(tmp.p, path) < 0)
		goto fail;
	dir_of(path, &tmp);
	mb_fsync_dir(tmp.p);
	mb_buf_free(&tmp);
	return 0;
failfd:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp.p);
	errno = e;
fail:
	mb_seterr("%s: %s", path, strerror(errno));
	mb_buf_free(&tmp);
	return -1;
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static long
walk(const char *dir, mb_buf *out,
    void (*onerr)(const char *path, const char *msg), int follow)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t nn = 0, cap = 0, i;
	long count = 0, sub;
	mb_buf path = { 0 };
	struct stat st;

	if (d == NULL) {
		if (onerr)
			onerr(dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || de->d_name[0] == '_')
			continue;
		if (nn == cap) {
			cap = cap ? cap * 2 : 64;
			names = mb_xrealloc(names, cap * sizeof(*names));
		}
		names[nn++] = mb_xstrdup(de->d_name);
	}
	closedir(d);
	if (nn > 1)	/* names is NULL in an empty folder */
		qsort(names, nn, sizeof(*names), cmpstr);
	for (i = 0; i < nn; i++) {
		path.len = 0;
		mb_buf_adds(&path, dir);
		if (path.len && path.p[path.len - 1] != '/')
			mb_buf_addc(&path, '/');
		mb_buf_adds(&path, names[i]);
		mb_buf_cstr(&path);
		if ((follow ? stat(path.p, &st) : lstat(path.p, &st)) < 0) {
			if (onerr)
				onerr(path.p, strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			if ((sub = walk(path.p, out, onerr, follow)) > 0)
				count += sub;
		} else if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) {
			mb_buf_add(out, path.p, path.len + 1);
			count++;
		}
		free(names[i]);
	}
	free(names);
	mb_buf_free(&path);
	return count;
}

long
mb_dir_walk(const char *dir, mb_buf *out,
    void (*onerr)(const char *path, const char *msg))
{
	return walk(dir, out, onerr, 1);
}

long
mb_dir_walk_nofollow(const char *dir, mb_buf *out,
    void (*onerr)(const char *path, const char *msg))
{
	return walk(dir, out, onerr, 0);
}
