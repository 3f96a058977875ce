/*
 * lake_src.c: lines from a file or stdin, plain or zstd, with reads that
 * give up after a timeout or a signal, so a streaming writer can commit on
 * a clock and on SIGTERM while its input is idle.  (mb_in blocks until it
 * has a line; this is the one place that must not.)
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "lake.h"

#define RAWCAP ((size_t)1 << 20)

struct mb_lake_src {
	int fd;
	int own;		/* close fd at the end */
	char *name;
	size_t maxline;
	char *buf;		/* text: [pos, end) not handed out yet */
	size_t pos, end, cap;
	int eof;		/* no more text will come */
	int sniffed, zst;
	ZSTD_DCtx *d;
	char *raw;		/* zstd input: [rpos, rend) */
	size_t rpos, rend;
	int raweof, zfull;
	size_t zret;
	uint64_t lineno;
};

mb_lake_src *
mb_lake_src_open(const char *path, size_t maxline)
{
	mb_lake_src *s;
	int fd = 0;

	if (path != NULL && strcmp(path, "-") != 0 &&
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		mb_seterr("%s: %s", path, strerror(errno));
		return NULL;
	}
	s = mb_xcalloc(1, sizeof(*s));
	s->fd = fd;
	s->own = fd != 0;
	s->name = mb_xstrdup(fd == 0 ? "-" : path);
	s->maxline = maxline ? maxline : MB_MAX_LINE_DEFAULT;
	s->cap = RAWCAP;
	s->buf = mb_xmalloc(s->cap);
	return s;
}

void
mb_lake_src_close(mb_lake_src *s)
{
	if (s == NULL)
		return;
	if (s->own)
		close(s->fd);
	ZSTD_freeDCtx(s->d);
	free(s->raw);
	free(s->buf);
	free(s->name);
	free(s);
}

uint64_t
mb_lake_src_lineno(const mb_lake_src *s)
{
	return s->lineno;
}

const char *
mb_lake_src_name(const mb_lake_src *s)
{
	return s->name;
}

/* Waits until fd is readable: 1 ready, 2 timeout or signal, -1 error. */
static int
wait_fd(mb_lake_src *s, int timeout_ms, void (*idle)(void *), void *ctx)
{
	struct pollfd p = { .fd = s->fd, .events = POLLIN };
	int r;

	if ((r = poll(&p, 1, 0)) == 1)
		return 1;
	if (r == -1)
		return errno == EINTR ? 2 : -1;
	if (idle != NULL)
		idle(ctx);
	if ((r = poll(&p, 1, timeout_ms)) == 1)
		return 1;
	if (r == -1 && errno != EINTR)
		return mb_seterr("%s: poll: %s", s->name, strerror(errno));
	return 2;
}

/* Reads once into dst; 0 at end, -2 interrupted, -1 error. */
static ssize_t
read_some(mb_lake_src *s, char *dst, size_t n)
{
	ssize_t k = read(s->fd, dst, n);

	if (k == -1) {
		if (errno == EINTR || errno == EAGAIN)
			return -2;
		mb_seterr("%s: read: %s", s->name, strerror(errno));
	}
	return k;
}

/* Makes room for more text after end. */
static int
room(mb_lake_src *s)
{
	if (s->pos > 0) {
		memmove(s->buf, s->buf + s->pos, s->end - s->pos);
		s->end -= s->pos;
		s->pos = 0;
	}
	if (s->end == s->cap) {
		if (s->cap >= s->maxline + 2)
			return mb_seterr("%s: line %llu: longer than %zu bytes",
			    s->name, (unsigned long long)s->lineno + 1,
			    s->maxline);
		s->cap *= 2;
		s->buf = mb_xrealloc(s->buf, s->cap);
	}
	return 0;
}

/* One read of more text: 1 got some (or eof set), 2 timeout, -1 error. */
static int
fill(mb_lake_src *s, int timeout_ms, void (*idle)(void *), void *ctx)
{
	ZSTD_inBuffer zi;
	ZSTD_outBuffer zo;
	ssize_t k;
	int w;

	if (room(s) == -1)
		return -1;
	if (!s->zst) {
		if ((w = wait_fd(s, timeout_ms, idle, ctx)) != 1)
			return w;
		if ((k = read_some(s, s->buf + s->end, s->cap - s->end)) == -2)
			return 2;
		if (k == -1)
			return -1;
		if (!s->sniffed) {
			s->sniffed = 1;
			if (k >= 4 && memcmp(s->buf + s->end,
			    "\x28\xb5\x2f\xfd", 4) == 0) {
				s->zst = 1;
				s->raw = mb_xmalloc(RAWCAP);
				memcpy(s->raw, s->buf + s->end, (size_t)k);
				s->rend = (size_t)k;
				if ((s->d = ZSTD_createDCtx()) == NULL)
					abort();
				return 1;
			}
		}
		s->end += (size_t)k;
		if (k == 0)
			s->eof = 1;
		return 1;
	}
	if (s->rpos == s->rend && !s->zfull && !s->raweof) {
		if ((w = wait_fd(s, timeout_ms, idle, ctx)) != 1)
			return w;
		if ((k = read_some(s, s->raw, RAWCAP)) == -2)
			return 2;
		if (k == -1)
			return -1;
		s->rpos = 0;
		s->rend = (size_t)k;
		if (k == 0)
			s->raweof = 1;
	}
	if (s->rpos == s->rend && !s->zfull && s->raweof) {
		if (s->zret != 0)
			return mb_seterr("%s: truncated zstd data", s->name);
		s->eof = 1;
		return 1;
	}
	zi.src = s->raw;
	zi.size = s->rend;
	zi.pos = s->rpos;
	zo.dst = s->buf + s->end;
	zo.size = s->cap - s->end;
	zo.pos = 0;
	s->zret = ZSTD_decompressStream(s->d, &zo, &zi);
	if (ZSTD_isError(s->zret))
		return mb_seterr("%s: corrupt zstd data: %s", s->name,
		    ZSTD_getErrorName(s->zret));
	s->rpos = zi.pos;
	s->end += zo.pos;
	s->zfull = zo.pos == zo.size;
	return 1;
}

int
mb_lake_src_line(mb_lake_src *s, int timeout_ms, void (*idle)(void *),
    void *ctx, const char **p, size_t *n)
{
	char *nl;
	size_t scan = s->pos;
	int r;

	for (;;) {
		nl = memchr(s->buf + scan, '\n', s->end - scan);
		if (nl != NULL || (s->eof && s->end > s->pos)) {
			size_t len = nl != NULL ? (size_t)(nl - s->buf) - s->pos
			    : s->end - s->pos;

			*p = s->buf + s->pos;
			s->pos += len + (nl != NULL);
			if (len > 0 && (*p)[len - 1] == '\r')
				len--;
			*n = len;
			s->lineno++;
			return 1;
		}
		if (s->eof)
			return 0;
		scan = s->end - s->pos;
		if ((r = fill(s, timeout_ms, idle, ctx)) != 1)
			return r;
		scan += s->pos;
	}
}
