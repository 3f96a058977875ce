/*
 * lake_read.c: reads a part file (zstd frames of NDJSON) and hands out its
 * text in blocks that end at a newline, so a damaged file never leaves half
 * a line in front of the next file's records.  A frame's text is held until
 * the frame's own checksum has been checked (mb-write's frames are at most
 * a few MB), so the records of a damaged frame are not handed out.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>
#include <zstd.h>

#include "lake.h"

#define INCAP ((size_t)1 << 20)
#define OUTCAP ((size_t)1 << 20)
#define HOLDMAX ((size_t)64 << 20)

struct mb_lake_reader {
	ZSTD_DCtx *d;
	char *in;
	char *out;
	size_t outcap;
};

mb_lake_reader *
mb_lake_reader_new(void)
{
	mb_lake_reader *r = mb_xcalloc(1, sizeof(*r));

	if ((r->d = ZSTD_createDCtx()) == NULL)
		abort();
	r->in = mb_xmalloc(INCAP);
	r->outcap = OUTCAP;
	r->out = mb_xmalloc(r->outcap);
	return r;
}

void
mb_lake_reader_free(mb_lake_reader *r)
{
	if (r == NULL)
		return;
	ZSTD_freeDCtx(r->d);
	free(r->in);
	free(r->out);
	free(r);
}

/* The xxh3-64 and size of what is left to read of fd. */
static int
hash_fd(int fd, char *buf, size_t cap, uint64_t *h, uint64_t *size)
{
	XXH3_state_t *st = XXH3_createState();
	ssize_t k;
	int rc = 0;

	if (st == NULL)
		abort();
	XXH3_64bits_reset(st);
	*size = 0;
	for (;;) {
		if ((k = read(fd, buf, cap)) == -1) {
			if (errno == EINTR)
				continue;
			rc = mb_seterr("read: %s", strerror(errno));
			break;
		}
		if (k == 0)
			break;
		XXH3_64bits_update(st, buf, (size_t)k);
		*size += (uint64_t)k;
	}
	*h = XXH3_64bits_digest(st);
	XXH3_freeState(st);
	return rc;
}

/* Checks an open file against the log: its size always, its checksum
 * with verify (then it reads the file once and seeks back). */
static int
check_fd(int fd, const mb_lake_file *f, int verify, char *buf, size_t cap)
{
	struct stat st;
	uint64_t h, size;

	if (fstat(fd, &st) == -1)
		return mb_seterr("%s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return mb_seterr("not a regular file; not read");
	if ((uint64_t)st.st_size != f->cbytes)
		return mb_seterr("size %" PRIu64 " does not match the log (%"
		    PRIu64 ")", (uint64_t)st.st_size, f->cbytes);
	if (!verify)
		return 0;
	if (hash_fd(fd, buf, cap, &h, &size) == -1)
		return -1;
	if (size != f->cbytes)
		return mb_seterr("size %" PRIu64 " does not match the log (%"
		    PRIu64 ")", size, f->cbytes);
	if (h != f->xxh3)
		return mb_seterr("checksum %016" PRIx64 " does not match the "
		    "log (%016" PRIx64 ")", h, f->xxh3);
	if (lseek(fd, 0, SEEK_SET) == -1)
		return mb_seterr("%s", strerror(errno));
	return 0;
}

/* The message for a failed openat() of name in dfd, errno e. */
static int
open_err(int dfd, const char *name, const char *folder, int last, int e)
{
	struct stat st;

	if ((e == ELOOP || e == ENOTDIR) &&
	    fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode)) {
		errno = ELOOP;
		if (last)
			return mb_seterr("a symbolic link; not read");
		return mb_seterr("%s is a symbolic link; not followed",
		    folder);
	}
	errno = e;
	return mb_seterr("%s", strerror(e));
}

/*
 * Opens the folder of rel (a path inside the dataset, which it cuts into
 * pieces) folder by folder, none of them a symbolic link, so that a path
 * cannot lead out of the dataset.  Returns the folder's descriptor and
 * points *name at the last piece, or -1.
 */
static int
open_parent(const mb_lake *l, char *rel, char **name)
{
	char *p, *slash;
	int dfd, fd, e;

	if ((dfd = open(l->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		e = errno;
		mb_seterr("%s", strerror(e));
		errno = e;
		return -1;
	}
	for (p = rel; (slash = strchr(p, '/')) != NULL; p = slash + 1) {
		*slash = '\0';		/* rel ends at this folder */
		fd = openat(dfd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (fd == -1) {
			open_err(dfd, p, rel, 0, errno);
			e = errno;
			close(dfd);
			errno = e;
			return -1;
		}
		close(dfd);
		dfd = fd;
	}
	*name = p;
	return dfd;
}

int
mb_lake_part_open(const mb_lake *l, const mb_lake_file *f, int verify)
{
	char *rel = mb_xstrdup(f->path), *name, *buf;
	int dfd, fd = -1, e;

	if ((dfd = open_parent(l, rel, &name)) == -1)
		goto fail;
	/* O_NONBLOCK: a FIFO put in a part's place does not hang us. */
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1)
		open_err(dfd, name, rel, 1, errno);
	else {
		buf = verify ? mb_xmalloc(INCAP) : NULL;
		e = check_fd(fd, f, verify, buf, INCAP);
		free(buf);
		if (e == -1) {
			close(fd);
			fd = -1;
			errno = EINVAL;
		}
	}
	e = errno;
	close(dfd);
	errno = e;
fail:
	free(rel);
	return fd;
}

int
mb_lake_unlink(const mb_lake *l, const char *path)
{
	char *rel = mb_xstrdup(path), *name;
	int dfd, rc = -1, e;

	if ((dfd = open_parent(l, rel, &name)) >= 0) {
		if ((rc = unlinkat(dfd, name, 0)) == -1)
			mb_seterr("%s", strerror(errno));
		e = errno;
		close(dfd);
		errno = e;
	}
	free(rel);
	return rc;
}

/* Decompresses fd (which it closes) and hands out whole lines. */
static int
cat_fd(mb_lake_reader *r, int fd, void (*out)(const void *, size_t, void *),
    void *ctx)
{
	ZSTD_inBuffer zi;
	ZSTD_outBuffer zo;
	size_t ret = 0, have = 0, k;
	ssize_t got;
	char *nl;
	int rc = 0, any = 0;

	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	ZSTD_DCtx_reset(r->d, ZSTD_reset_session_only);
	for (;;) {
		if ((got = read(fd, r->in, INCAP)) == -1) {
			if (errno == EINTR)
				continue;
			rc = mb_seterr("read: %s", strerror(errno));
			break;
		}
		if (got == 0) {
			if (ret != 0 || !any)
				rc = mb_seterr("truncated zstd data");
			break;
		}
		any = 1;
		zi.src = r->in;
		zi.size = (size_t)got;
		zi.pos = 0;
		while (zi.pos < zi.size || ret != 0) {
			if (have == r->outcap) {	/* a very long line */
				r->outcap *= 2;
				r->out = mb_xrealloc(r->out, r->outcap);
			}
			zo.dst = r->out + have;
			zo.size = r->outcap - have;
			zo.pos = 0;
			ret = ZSTD_decompressStream(r->d, &zo, &zi);
			if (ZSTD_isError(ret)) {
				rc = mb_seterr("corrupt zstd data: %s",
				    ZSTD_getErrorName(ret));
				goto out;
			}
			have += zo.pos;
			/* Records of a frame go out once its checksum has
			 * been checked, unless the frame is huge. */
			nl = ret == 0 || have >= HOLDMAX ?
			    memrchr(r->out, '\n', have) : NULL;
			if (nl != NULL) {
				k = (size_t)(nl - r->out) + 1;
				out(r->out, k, ctx);
				memmove(r->out, r->out + k, have - k);
				have -= k;
			}
			if (zo.pos < zo.size && zi.pos == zi.size)
				break;	/* needs more input */
		}
	}
	if (rc == 0 && have > 0)
		rc = mb_seterr("the last line has no newline");
out:
	close(fd);
	return rc;
}

int
mb_lake_reader_part(mb_lake_reader *r, const mb_lake *l,
    const mb_lake_file *f, int verify,
    void (*out)(const void *, size_t, void *), void *ctx)
{
	int fd;

	if ((fd = mb_lake_part_open(l, f, verify)) == -1)
		return -1;
	return cat_fd(r, fd, out, ctx);
}

int
mb_lake_reader_cat(mb_lake_reader *r, const char *path,
    const mb_lake_file *f, void (*out)(const void *, size_t, void *),
    void *ctx)
{
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return mb_seterr("%s", errno == ELOOP ?
		    "a symbolic link; not read" : strerror(errno));
	if (f != NULL && check_fd(fd, f, 1, r->in, INCAP) == -1) {
		close(fd);
		return -1;
	}
	return cat_fd(r, fd, out, ctx);
}
