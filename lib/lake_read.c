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
#include <unistd.h>

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

static int
check(const char *path, const mb_lake_file *f)
{
	uint64_t h, size;

	if (mb_hash_file(path, UINT64_MAX, &h, &size) == -1)
		return -1;
	if (size != f->cbytes)
		return mb_seterr("size %" PRIu64 " does not match the log (%"
		    PRIu64 ")", size, f->cbytes);
	if (h != f->xxh3)
		return mb_seterr("checksum %016" PRIx64 " does not match the "
		    "log (%016" PRIx64 ")", h, f->xxh3);
	return 0;
}

int
mb_lake_reader_cat(mb_lake_reader *r, const char *path,
    const mb_lake_file *f, void (*out)(const void *, size_t, void *),
    void *ctx)
{
	ZSTD_inBuffer zi;
	ZSTD_outBuffer zo;
	size_t ret = 0, have = 0, k;
	ssize_t got;
	char *nl;
	int fd, rc = 0, any = 0;

	if (f != NULL && check(path, f) == -1)
		return -1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return mb_seterr("%s", strerror(errno));
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
