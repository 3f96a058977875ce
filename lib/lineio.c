/*
 * lineio.c: reads a file or stdin in large blocks, plain or zstd (by magic
 * bytes, any number of frames), and hands out lines in place.
 *
 * The buffer holds [start, end) of unread data; a line is found with
 * memchr and handed out as a pointer into the buffer.  When no newline is
 * left, the tail is moved to the front and more is read.  A line longer
 * than the limit is not kept: its first bytes are, and the rest is hashed
 * on the fly and skipped, so memory stays bounded by the limit.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>
#include <zstd.h>

#include "mb.h"

#define CHUNK (1 << 20)
#define LONGHEAD 4096

struct mb_in {
	int fd, ownfd;
	char *name;
	size_t maxline;
	char *buf;
	size_t cap, start, end, scan;
	uint64_t base;		/* decompressed offset of buf[0] */
	int eof, err, wait_nl;
	int intr, timeout_ms, timed_out;	/* mb_in_set_timeout */
	uint64_t lineno, consumed, rawpos, reads;
	int64_t rawsize;
	/* zstd */
	int zstd;
	ZSTD_DCtx *dctx;
	char *zbuf;
	size_t zcap, zpos, zlen, zret;
	int zsniffed;
	/* a line over the limit */
	mb_buf longhead;
	char errmsg[300];
};

static mb_in *
in_new(int fd, int ownfd, const char *name, size_t maxline)
{
	mb_in *in = mb_xcalloc(1, sizeof(*in));
	struct stat st;

	in->fd = fd;
	in->ownfd = ownfd;
	in->name = mb_xstrdup(name);
	in->maxline = maxline ? maxline : MB_MAX_LINE_DEFAULT;
	in->cap = CHUNK;
	in->buf = mb_xmalloc(in->cap);
	in->rawsize = -1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		in->rawsize = st.st_size;
	return in;
}

mb_in *
mb_in_fdopen(int fd, const char *name, size_t maxline)
{
	return in_new(fd, 0, name, maxline);
}

mb_in *
mb_in_open(const char *path, size_t maxline)
{
	int fd;
	struct stat st;

	if (path == NULL || strcmp(path, "-") == 0)
		return in_new(STDIN_FILENO, 0, "-", maxline);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		mb_seterr("%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		mb_seterr("%s: is a directory", path);
		return NULL;
	}
	return in_new(fd, 1, path, maxline);
}

mb_in *
mb_in_open_at(const char *path, size_t maxline, uint64_t skip,
    uint64_t lineno0)
{
	mb_in *in = mb_in_open(path, maxline);

	if (in == NULL || skip == 0) {
		if (in)
			in->lineno = lineno0;
		return in;
	}
	if (lseek(in->fd, (off_t)skip, SEEK_SET) < 0) {
		mb_seterr("%s: seek: %s", path, strerror(errno));
		mb_in_close(in);
		return NULL;
	}
	in->zsniffed = 1;	/* the middle of a file is never a zstd start */
	in->base = skip;
	in->rawpos = skip;
	in->consumed = skip;
	in->lineno = lineno0;
	return in;
}

void
mb_in_close(mb_in *in)
{
	if (in == NULL)
		return;
	if (in->ownfd)
		close(in->fd);
	ZSTD_freeDCtx(in->dctx);
	free(in->zbuf);
	free(in->buf);
	free(in->name);
	mb_buf_free(&in->longhead);
	free(in);
}

const char *
mb_in_name(const mb_in *in)
{
	return in->name;
}

uint64_t
mb_in_rawpos(const mb_in *in)
{
	return in->rawpos;
}

int64_t
mb_in_rawsize(const mb_in *in)
{
	return in->rawsize;
}

int
mb_in_is_zstd(const mb_in *in)
{
	return in->zstd;
}

void
mb_in_set_timeout(mb_in *in, int ms)
{
	in->intr = 1;
	in->timeout_ms = ms;
}

void
mb_in_set_wait_newline(mb_in *in, int on)
{
	in->wait_nl = on;
}

uint64_t
mb_in_reads(const mb_in *in)
{
	return in->reads;
}

uint64_t
mb_in_lineno(const mb_in *in)
{
	return in->lineno;
}

uint64_t
mb_in_consumed(const mb_in *in)
{
	return in->consumed;
}

int
mb_in_idle(const mb_in *in)
{
	struct pollfd pfd = { .fd = in->fd, .events = POLLIN };

	if (in->eof || in->err || (in->zstd && in->zpos < in->zlen) ||
	    memchr(in->buf + in->start, '\n', in->end - in->start) != NULL)
		return 0;
	return poll(&pfd, 1, 0) == 0;
}

/*
 * read(2) that first flushes stdout if the read would block: a record
 * never waits in our buffer while the source is idle.  With a timeout set,
 * it waits at most that long and a signal ends the wait: -2, "later".
 */
static ssize_t
rd(mb_in *in, void *p, size_t n)
{
	struct pollfd pfd = { .fd = in->fd, .events = POLLIN };
	ssize_t r;
	int k;

	if (mb_out_pending() && poll(&pfd, 1, 0) == 0)
		mb_out_flush();
	if (in->intr) {
		k = poll(&pfd, 1, in->timeout_ms);
		if (k == 0 || (k < 0 && errno == EINTR)) {
			in->timed_out = 1;
			return -2;
		}
		r = read(in->fd, p, n);
		if (r < 0 && (errno == EINTR || errno == EAGAIN)) {
			in->timed_out = 1;
			return -2;
		}
	} else {
		do
			r = read(in->fd, p, n);
		while (r < 0 && errno == EINTR);
	}
	if (r < 0) {
		snprintf(in->errmsg, sizeof(in->errmsg), "%s: read error at byte %llu: %s",
		    in->name, (unsigned long long)in->rawpos, strerror(errno));
		in->err = 1;
	} else {
		in->rawpos += (uint64_t)r;
		in->reads++;
	}
	return r;
}

static int
zstd_start(mb_in *in, const char *p, size_t n)
{
	in->zstd = 1;
	in->dctx = ZSTD_createDCtx();
	in->zcap = ZSTD_DStreamInSize();
	if (in->zcap < n)
		in->zcap = n;
	in->zbuf = mb_xmalloc(in->zcap);
	memcpy(in->zbuf, p, n);
	in->zpos = 0;
	in->zlen = n;
	in->zret = 1;
	return in->dctx ? 0 : -1;
}

/* Decompresses into buf[end..cap); sets eof or err. */
static void
zfill(mb_in *in)
{
	ZSTD_outBuffer out = { in->buf + in->end, in->cap - in->end, 0 };
	ssize_t r;

	while (out.pos == 0 && !in->eof && !in->err) {
		if (in->zpos == in->zlen) {
			r = rd(in, in->zbuf, in->zcap);
			if (r < 0)
				break;	/* an error, or later */
			if (r == 0) {
				if (in->zret != 0) {
					snprintf(in->errmsg, sizeof(in->errmsg),
					    "%s: truncated zstd frame at byte %llu",
					    in->name, (unsigned long long)in->rawpos);
					in->err = 1;
				}
				in->eof = 1;
				break;
			}
			in->zpos = 0;
			in->zlen = (size_t)r;
		}
		ZSTD_inBuffer zin = { in->zbuf, in->zlen, in->zpos };
		size_t ret = ZSTD_decompressStream(in->dctx, &out, &zin);

		if (ZSTD_isError(ret)) {
			snprintf(in->errmsg, sizeof(in->errmsg),
			    "%s: corrupt zstd data at or after byte %llu: %s", in->name,
			    (unsigned long long)(in->rawpos - in->zlen + zin.pos),
			    ZSTD_getErrorName(ret));
			in->err = 1;
			break;
		}
		in->zpos = zin.pos;
		in->zret = ret;
	}
	in->end += out.pos;
}

/*
 * Reads more data after end; the caller made room.  The first 4 bytes of
 * the input decide whether it is zstd: until there are 4 (on a slow pipe)
 * and nothing was handed out, the decision waits.
 */
static void
fill(mb_in *in)
{
	ssize_t r;

	if (in->zstd) {
		zfill(in);
		return;
	}
	r = rd(in, in->buf + in->end, in->cap - in->end);
	if (r < 0)
		return;		/* an error, or later */
	if (r == 0) {
		in->eof = 1;
		in->zsniffed = 1;
		return;
	}
	in->end += (size_t)r;
	if (in->zsniffed)
		return;
	if (in->base != 0 || in->start != 0) {
		in->zsniffed = 1;	/* lines were handed out: text */
		return;
	}
	if (in->end < 4)
		return;
	in->zsniffed = 1;
	if (memcmp(in->buf, "\x28\xb5\x2f\xfd", 4) == 0) {
		if (zstd_start(in, in->buf, in->end) < 0) {
			snprintf(in->errmsg, sizeof(in->errmsg), "%s: zstd: out of memory", in->name);
			in->err = 1;
			return;
		}
		in->end = in->scan = 0;
		zfill(in);
	}
}

/* Moves unread data to the front, growing the buffer if it is full. */
static void
make_room(mb_in *in)
{
	if (in->start > 0) {
		memmove(in->buf, in->buf + in->start, in->end - in->start);
		in->base += in->start;
		in->end -= in->start;
		in->scan -= in->start;
		in->start = 0;
	}
	if (in->cap - in->end < CHUNK / 2) {
		in->cap *= 2;
		in->buf = mb_xrealloc(in->buf, in->cap);
	}
}

size_t
mb_in_peek(mb_in *in, const char **p, size_t n)
{
	/* Reads only until it has `n` bytes or has read something new: a
	 * live pipe must not be waited on for more than it has sent. */
	size_t had = in->end - in->start;

	while (in->end - in->start < n && !in->eof && !in->err) {
		if (in->end - in->start > had)
			break;
		if (in->cap - in->end < CHUNK / 2 || in->start > 0)
			make_room(in);
		fill(in);
		if (in->timed_out) {
			in->timed_out = 0;
			break;
		}
	}
	*p = in->buf + in->start;
	return in->end - in->start < n ? in->end - in->start : n;
}

/* Skips the rest of a line over the limit, hashing it.  Returns 1 when
 * the newline was found (or EOF), 0 on a read error. */
static int
skip_long(mb_in *in, mb_line *line)
{
	XXH3_state_t *st = XXH3_createState();
	uint64_t total = 0;
	char *nl;

	int intr = in->intr;

	in->intr = 0;	/* a line over the limit is read to its end */
	XXH3_64bits_reset(st);
	mb_buf_reset(&in->longhead);
	mb_buf_add(&in->longhead, in->buf + in->start,
	    in->end - in->start < LONGHEAD ? in->end - in->start : LONGHEAD);
	for (;;) {
		nl = memchr(in->buf + in->scan, '\n', in->end - in->scan);
		size_t upto = nl ? (size_t)(nl - in->buf) : in->end;

		XXH3_64bits_update(st, in->buf + in->start, upto - in->start);
		total += upto - in->start;
		if (nl) {
			in->start = in->scan = upto + 1;
			break;
		}
		in->base += in->end;
		in->start = in->scan = in->end = 0;
		if (in->eof)
			break;
		fill(in);
		if (in->err) {
			in->intr = intr;
			XXH3_freeState(st);
			return 0;
		}
		if (in->end == 0 && in->eof)
			break;
	}
	line->toolong = 1;
	line->full_len = total;
	line->hash = XXH3_64bits_digest(st);
	line->p = in->longhead.p;
	line->len = in->longhead.len;
	in->intr = intr;
	XXH3_freeState(st);
	return 1;
}

int
mb_in_line(mb_in *in, mb_line *line)
{
	char *nl;
	size_t len;

	for (;;) {
		nl = memchr(in->buf + in->scan, '\n', in->end - in->scan);
		if (nl != NULL)
			break;
		in->scan = in->end;
		if (in->end - in->start > in->maxline) {
			line->offset = in->base + in->start;
			line->lineno = ++in->lineno;
			if (!skip_long(in, line)) {
				mb_seterr("%s", in->errmsg);
				return -1;
			}
			in->consumed = in->base + in->start;
			return 1;
		}
		if (in->eof || in->err) {
			if (in->err) {
				mb_seterr("%s", in->errmsg);
				return -1;
			}
			if (in->start == in->end || in->wait_nl)
				return 0;
			nl = in->buf + in->end;		/* last line, no "\n" */
			break;
		}
		if (in->cap - in->end < CHUNK / 2)
			make_room(in);
		fill(in);
		if (in->timed_out) {
			in->timed_out = 0;
			return 2;
		}
	}
	len = (size_t)(nl - (in->buf + in->start));
	line->p = in->buf + in->start;
	line->offset = in->base + in->start;
	line->lineno = ++in->lineno;
	line->toolong = 0;
	if (len > in->maxline) {
		/* Whole line in the buffer but over the limit. */
		line->toolong = 1;
		line->full_len = len;
		line->hash = mb_hash(line->p, len);
		if (len > LONGHEAD)
			len = LONGHEAD;
	} else if (len > 0 && line->p[len - 1] == '\r')
		len--;
	if (line->offset == 0 && len >= 3 && memcmp(line->p, "\xef\xbb\xbf", 3) == 0) {
		line->p += 3;
		len -= 3;
	}
	line->len = len;
	in->start = in->scan = nl < in->buf + in->end ? (size_t)(nl - in->buf) + 1 : in->end;
	in->consumed = in->base + in->start;
	return 1;
}
