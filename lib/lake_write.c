/*
 * lake_write.c: writes NDJSON records into part files, one open part per
 * partition, and commits them to the log.
 *
 * Memory stays bounded whatever the number of partitions: records wait in
 * a per-part buffer that is compressed as one zstd frame when it reaches
 * CHUNK bytes, or BUDGET divided by the number of buffers that can be
 * full at once when that is less; at most MAXOPEN part files are open, and
 * the least recently used one is closed (its partition rolls over to a
 * new part) to open another.
 *
 * One compressor thread, with the writer's one compression context, turns
 * full buffers into frames while the caller goes on reading and filling:
 * a full buffer goes into a queue of QMAX and the part takes an empty one.
 * The thread only compresses; the frames come back, in the order they
 * were queued, to the caller, which writes them, hashes them and, for a
 * part whose close was queued, fsyncs and closes its file (reap()).  So
 * the compression, which sets the pace, never waits for a write or a
 * disk, and the caller, which has time to spare, does the I/O between
 * reads.  A commit drains the queue before it reads the parts' checksums
 * and sizes.  The first frame of a batch is waited for, so that a dataset
 * that cannot be written at all fails at once; a later failure is
 * reported by the next flush or by the commit.  (Waiting for the first
 * frame of every part stalled the compressor once per new partition.)
 * Without the thread (it could not be started) the frames are written
 * inline.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>
#include <zstd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "lake.h"

#define CHUNK ((size_t)4 << 20)
#define BUDGET ((size_t)32 << 20)
#define MAXOPEN 64
#define QMAX 2			/* full buffers waiting for the compressor */
/* Frames waiting to be written.  The caller writes every ready frame
 * after each job it hands over, so at most the QMAX queued, the one being
 * compressed and the next handed over can be waiting. */
#define DMAX (QMAX + 2)
#define NSPARE 2		/* empty ones kept for reuse */
/* Buffers besides the open parts' own: queued, compressing, spare. */
#define INFLIGHT (QMAX + 1 + NSPARE)

/* A part file as the compressor writes it. */
struct sink {
	const char *rel;	/* the part's rel */
	char *path;		/* the full path, for messages */
	XXH3_state_t *xs;	/* NULL once closed */
	uint64_t cbytes, xxh3;
};

struct part {
	char *rel;		/* pdir/part-...ndjson.zst */
	char *pvals;
	size_t slot;
	int fd;			/* -1 once closed (or its close queued) */
	struct sink *k;
	uint64_t records, bytes;
	uint64_t frames;	/* queued */
	mb_buf pend;
	uint64_t used;		/* LRU clock */
	int carry;		/* records carried over by a MERGE */
};

/* One frame to compress and write to fd; with close, then fsync and
 * close fd.  The job owns text, its frame z, and with close, fd. */
struct job {
	struct sink *k;
	mb_buf text;
	mb_buf z;		/* the frame, once compressed */
	int fd;
	int close;
};

/* A partition written to since the last commit. */
struct slot {
	char *key;		/* its values (or folder, for put_part) */
	size_t klen;
	uint64_t h;		/* of key */
	char *pdir;		/* its folder, "" when not partitioned */
	size_t len;
	uint64_t ph;		/* of pdir */
	long cur;		/* its open part, or -1 */
	int checked;		/* its folder is no symbolic link */
	int carry;		/* put_carry's: its parts are not new data */
};

enum { XF_NONE, XF_DATE, XF_MONTH, XF_YEAR };

struct mb_lake_writer {
	mb_lake *l;
	char **pcols;		/* partition column names */
	size_t *pclen;
	char **fields;		/* the record fields they come from */
	size_t *fdlen;
	int *xf;
	int *same;		/* an earlier column of the same field, or -1 */
	uint64_t *hit, stamp;	/* scan: the key a column's field matched */
	int npcols;
	char *pcols_json;
	int level;
	uint64_t maxbytes;
	size_t frame;		/* the largest frame: CHUNK, or the caller's */
	char *tool;
	ZSTD_CCtx *cc;		/* the compressor's */
	uint64_t queued, reaped;	/* jobs: handed over, written */
	int wrote;		/* a frame of this batch was waited for */

	/* the compressor thread; mu guards what follows it */
	pthread_t thr;
	int thr_on;
	pthread_mutex_t mu;
	pthread_cond_t work, room, done;
	struct job q[QMAX];	/* to compress */
	size_t qhead, qn;
	struct job d[DMAX];	/* compressed, to write */
	size_t dhead, dn;
	mb_buf spare[NSPARE], zspare[NSPARE];
	size_t nspare, nzspare;
	int quit, failed;
	char werr[512];		/* the first failure's message */

	struct part *parts;
	size_t nparts, capparts, nopen;
	struct slot *slots;
	size_t nslots, capslots;
	size_t *map;		/* slot index + 1; 0 empty */
	size_t mapcap;
	long last;		/* slot of the previous record */
	mb_buf newdirs;		/* parents of created folders, NUL-separated */

	uint64_t pend_bytes, pend_records, clock;
	int64_t next;		/* the version the next commit tries */
	unsigned seq;

	/* scratch for one record */
	mb_buf key, pdir, val, path;
	size_t *voff, *vlen;
	int *vnull;

	const char *lastrel;	/* the part of the last record put */
	uint64_t last_records;
	size_t last_files, last_removed;
};

/* ---- the compressor ---------------------------------------------------- */

/* Compresses j->text into j->z; -1 with mb_errmsg() of this thread. */
static int
compress_job(mb_lake_writer *w, struct job *j)
{
	size_t bound, n;

	j->z.len = 0;
	if (j->text.len == 0)
		return 0;
	bound = ZSTD_compressBound(j->text.len);
	if (j->z.cap < bound) {
		mb_buf_free(&j->z);
		mb_buf_grow(&j->z, bound);
	}
	n = ZSTD_compress2(w->cc, j->z.p, j->z.cap, j->text.p, j->text.len);
	if (ZSTD_isError(n))
		return mb_seterr("%s: zstd: %s", j->k->rel,
		    ZSTD_getErrorName(n));
	j->z.len = n;
	return 0;
}

/* Writes a compressed job's frame, and with close fsyncs and closes the
 * file; -1 with mb_errmsg().  The caller's side. */
static int
write_job(struct job *j)
{
	struct sink *k = j->k;
	int r = 0;

	if (j->z.len > 0) {
		if (mb_write_all(j->fd, j->z.p, j->z.len) == -1)
			r = mb_seterr("%s: %s", k->path, strerror(errno));
		else {
			XXH3_64bits_update(k->xs, j->z.p, j->z.len);
#ifdef SYNC_FILE_RANGE_WRITE
			/* Start the writeback now, so that the fsync at the
			 * close has little left to wait for; a failure shows
			 * there. */
			(void)sync_file_range(j->fd, (off_t)k->cbytes,
			    (off_t)j->z.len, SYNC_FILE_RANGE_WRITE);
#endif
			k->cbytes += j->z.len;
		}
	}
	if (!j->close)
		return r;
	if (r == 0 && fsync(j->fd) == -1)
		r = mb_seterr("%s: %s", k->path, strerror(errno));
	if (close(j->fd) == -1 && r == 0)
		r = mb_seterr("%s: %s", k->path, strerror(errno));
	if (r == 0) {
		k->xxh3 = XXH3_64bits_digest(k->xs);
		XXH3_freeState(k->xs);
		k->xs = NULL;
	}
	return r;
}

/* With mu held: remembers the first failure. */
static void
set_failed(mb_lake_writer *w, int r)
{
	if (r == -1 && !w->failed) {
		w->failed = 1;
		snprintf(w->werr, sizeof(w->werr), "%s", mb_errmsg());
	}
}

/* With mu held: keeps b for reuse in pool (of NSPARE), or frees it. */
static void
keep_buf(mb_buf *pool, size_t *n, mb_buf *b, size_t max)
{
	if (*n < NSPARE && b->cap <= max) {
		b->len = 0;
		pool[(*n)++] = *b;
	} else
		mb_buf_free(b);
	*b = (mb_buf){0};
}

static void *
compressor(void *arg)
{
	mb_lake_writer *w = arg;
	struct job j;
	int failed, r;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->qn == 0 && !w->quit)
			pthread_cond_wait(&w->work, &w->mu);
		if (w->qn == 0)
			break;
		j = w->q[w->qhead];
		w->qhead = (w->qhead + 1) % QMAX;
		w->qn--;
		failed = w->failed;
		j.z = w->nzspare > 0 ? w->zspare[--w->nzspare] : (mb_buf){0};
		pthread_cond_signal(&w->room);
		pthread_mutex_unlock(&w->mu);
		r = failed ? 0 : compress_job(w, &j);
		pthread_mutex_lock(&w->mu);
		set_failed(w, r);
		keep_buf(w->spare, &w->nspare, &j.text, CHUNK + 4096);
		w->d[(w->dhead + w->dn) % DMAX] = j;
		w->dn++;
		pthread_cond_broadcast(&w->done);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/*
 * Writes the oldest compressed frame; with block, waits for one.  Returns
 * 1 when it reaped a job, 0 when there was none.  After a failure a job
 * is only let go of (its file closed).
 */
static int
reap(mb_lake_writer *w, int block)
{
	struct job j;
	int failed, r = 0;

	pthread_mutex_lock(&w->mu);
	while (w->dn == 0 && block)
		pthread_cond_wait(&w->done, &w->mu);
	if (w->dn == 0) {
		pthread_mutex_unlock(&w->mu);
		return 0;
	}
	j = w->d[w->dhead];
	w->dhead = (w->dhead + 1) % DMAX;
	w->dn--;
	failed = w->failed;
	pthread_mutex_unlock(&w->mu);
	if (!failed)
		r = write_job(&j);
	else if (j.close)
		close(j.fd);
	pthread_mutex_lock(&w->mu);
	set_failed(w, r);
	keep_buf(w->zspare, &w->nzspare, &j.z, ZSTD_compressBound(CHUNK));
	pthread_mutex_unlock(&w->mu);
	w->reaped++;
	return 1;
}

/* The thread takes no signals: they stay with the caller, whose reads
 * they are meant to interrupt. */
static void
start_compressor(mb_lake_writer *w)
{
	sigset_t all, old;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	w->thr_on = pthread_create(&w->thr, NULL, compressor, w) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Ends the thread after the jobs queued; their frames are let go of. */
static void
stop_compressor(mb_lake_writer *w)
{
	if (!w->thr_on)
		return;
	pthread_mutex_lock(&w->mu);
	w->quit = 1;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thr, NULL);
	w->thr_on = 0;
	w->failed = 1;
	while (reap(w, 0))
		;
}

/* With mu held: -1 and the message when a job failed. */
static int
failure(mb_lake_writer *w)
{
	return w->failed ? mb_seterr("%s", w->werr) : 0;
}

/*
 * Hands j to the compressor, and writes the frames that are ready; with
 * wait, returns once j is written.  Into *spare (when not NULL) goes an
 * empty buffer to reuse, or an unallocated one.  -1 when this or an
 * earlier job failed.
 */
static int
submit(mb_lake_writer *w, struct job *j, int wait, mb_buf *spare)
{
	uint64_t seq = ++w->queued;
	int r;

	if (!w->thr_on) {
		r = 0;
		if (!w->failed && (r = compress_job(w, j)) == 0)
			r = write_job(j);
		else if (j->close)
			close(j->fd);
		set_failed(w, r);
		keep_buf(w->spare, &w->nspare, &j->text, CHUNK + 4096);
		mb_buf_free(&j->z);
		w->reaped++;
	} else {
		j->z = (mb_buf){0};
		pthread_mutex_lock(&w->mu);
		while (w->qn == QMAX) {
			if (w->dn == 0) {
				pthread_cond_wait(&w->room, &w->mu);
				continue;
			}
			/* while the compressor is busy, write what it made */
			pthread_mutex_unlock(&w->mu);
			reap(w, 0);
			pthread_mutex_lock(&w->mu);
		}
		w->q[(w->qhead + w->qn) % QMAX] = *j;
		w->qn++;
		pthread_cond_signal(&w->work);
		pthread_mutex_unlock(&w->mu);
		while (reap(w, wait && w->reaped < seq))
			;
	}
	pthread_mutex_lock(&w->mu);
	if (spare != NULL)
		*spare = w->nspare > 0 ? w->spare[--w->nspare] : (mb_buf){0};
	r = failure(w);
	pthread_mutex_unlock(&w->mu);
	return r;
}

/* Waits until every job handed over is written; -1 when one failed. */
static int
drain(mb_lake_writer *w)
{
	int r;

	while (w->reaped < w->queued)
		reap(w, 1);
	pthread_mutex_lock(&w->mu);
	r = failure(w);
	pthread_mutex_unlock(&w->mu);
	return r;
}

/* ---- the writer -------------------------------------------------------- */

mb_lake_writer *
mb_lake_writer_new(mb_lake *l, const mb_lake_wopts *o)
{
	mb_lake_writer *w = mb_xcalloc(1, sizeof(*w));
	mb_buf b = {0};
	int64_t latest;
	int i;

	if ((latest = mb_lake_latest(l, NULL)) == -2 ||
	    (latest >= 0 && mb_lake_check(l) == -1)) {
		free(w);
		return NULL;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->room, NULL);
	pthread_cond_init(&w->done, NULL);
	w->l = l;
	w->next = latest + 1;
	w->pcols = mb_xcalloc((size_t)o->npcols + 1, sizeof(char *));
	w->pclen = mb_xcalloc((size_t)o->npcols + 1, sizeof(size_t));
	w->voff = mb_xcalloc((size_t)o->npcols + 1, sizeof(size_t));
	w->vlen = mb_xcalloc((size_t)o->npcols + 1, sizeof(size_t));
	w->vnull = mb_xcalloc((size_t)o->npcols + 1, sizeof(int));
	w->fields = mb_xcalloc((size_t)o->npcols + 1, sizeof(char *));
	w->fdlen = mb_xcalloc((size_t)o->npcols + 1, sizeof(size_t));
	w->xf = mb_xcalloc((size_t)o->npcols + 1, sizeof(int));
	w->same = mb_xcalloc((size_t)o->npcols + 1, sizeof(int));
	w->hit = mb_xcalloc((size_t)o->npcols + 1, sizeof(uint64_t));
	mb_buf_addc(&b, '[');
	for (i = 0; i < o->npcols; i++) {
		if (mb_lake_pcol_parse(o->pcols[i], &w->pcols[i],
		    &w->fields[i], &w->xf[i]) == -1) {
			w->npcols = i;
			mb_buf_free(&b);
			mb_lake_writer_free(w);
			return NULL;
		}
		w->pclen[i] = strlen(w->pcols[i]);
		w->fdlen[i] = strlen(w->fields[i]);
		for (w->same[i] = i - 1; w->same[i] >= 0; w->same[i]--)
			if (strcmp(w->fields[w->same[i]], w->fields[i]) == 0)
				break;
		while (w->same[i] >= 0 && w->same[w->same[i]] >= 0)
			w->same[i] = w->same[w->same[i]];
		if (i > 0)
			mb_buf_addc(&b, ',');
		mb_buf_json_str(&b, o->pcols[i], strlen(o->pcols[i]));
	}
	w->npcols = o->npcols;
	mb_buf_addc(&b, ']');
	w->pcols_json = mb_buf_cstr(&b);
	w->level = o->level;
	w->maxbytes = o->max_file_bytes ? o->max_file_bytes :
	    (uint64_t)256 << 20;
	w->frame = o->frame_bytes > 0 && o->frame_bytes < CHUNK ?
	    o->frame_bytes : CHUNK;
	w->tool = mb_xstrdup(o->tool ? o->tool : "mb " MB_VERSION);
	if ((w->cc = ZSTD_createCCtx()) == NULL)
		abort();
	ZSTD_CCtx_setParameter(w->cc, ZSTD_c_compressionLevel, w->level);
	ZSTD_CCtx_setParameter(w->cc, ZSTD_c_checksumFlag, 1);
	w->last = -1;
	start_compressor(w);
	return w;
}

uint64_t
mb_lake_writer_pending(const mb_lake_writer *w)
{
	return w->pend_records;
}

void
mb_lake_writer_last(const mb_lake_writer *w, uint64_t *records,
    size_t *files, size_t *removed)
{
	*records = w->last_records;
	*files = w->last_files;
	*removed = w->last_removed;
}

/* ---- scanning a record for its partition values ------------------------ */

static const char *
skip_ws(const char *p, const char *e)
{
	/* one compare for the usual case: no blank at all */
	while (p < e && (unsigned char)*p <= ' ' && (*p == ' ' || *p == '\t' ||
	    *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* p at '"'; returns the byte after the closing quote, or NULL.  A
 * backslash escapes the byte after it.  Keys and values are short, so
 * 16 bytes are looked at a time rather than calling memchr. */
static const char *
skip_str(const char *p, const char *e)
{
	for (p++; p < e; ) {
#ifdef __SSE2__
		if (e - p >= 16) {
			__m128i c = _mm_loadu_si128((const __m128i *)(const void *)p);
			unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
			    _mm_cmpeq_epi8(c, _mm_set1_epi8('"')),
			    _mm_cmpeq_epi8(c, _mm_set1_epi8('\\'))));

			if (m == 0) {
				p += 16;
				continue;
			}
			p += __builtin_ctz(m);
		}
#endif
		if (*p == '"')
			return p + 1;
		p += *p == '\\' ? 2 : 1;
	}
	return NULL;
}

static const char *
skip_val(const char *p, const char *e)
{
	int depth = 0;
	const char *s = p;

	if (p >= e)
		return NULL;
	if (*p == '"')
		return skip_str(p, e);
	if (*p == '{' || *p == '[') {
		while (p < e) {
			switch (*p) {
			case '"':
				if ((p = skip_str(p, e)) == NULL)
					return NULL;
				continue;
			case '{':
			case '[':
				depth++;
				break;
			case '}':
			case ']':
				if (--depth == 0)
					return p + 1;
				break;
			}
			p++;
		}
		return NULL;
	}
	while (p < e && *p != ',' && *p != '}' && *p != ']' && *p != ' ' &&
	    *p != '\t' && *p != '\r' && *p != '\n')
		p++;
	return p > s ? p : NULL;
}

static int
digits(const char *v, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		if ((unsigned char)(v[k] - '0') > 9)
			return 0;
	return 1;
}

/*
 * The date (YYYY-MM-DD) of the timestamp at w->val.p + off (n bytes):
 * its offset in w->val and 10, or 0 when it is not a time.  A plain date,
 * or a UTC time, already starts with its date; other times are parsed
 * and their date appended to w->val.  A column's date, month or year is
 * the first 10, 7 or 4 bytes of it.
 */
static size_t
date_of(mb_lake_writer *w, size_t off, size_t n, size_t *doff)
{
	const char *v = w->val.p + off;
	int64_t ms;

	/* (days 29 to 31 and month 13 go the slow way, which knows
	 * which of them exist) */
	if ((n == 10 || (n > 11 && (v[10] == 'T' || v[10] == ' ') &&
	    v[n - 1] == 'Z')) && v[4] == '-' && v[7] == '-' &&
	    digits(v, 4) && digits(v + 5, 2) && digits(v + 8, 2) &&
	    (v[5] == '0' ? v[6] != '0' : v[5] == '1' && v[6] <= '2') &&
	    (v[8] == '0' ? v[9] != '0' : v[8] == '1' || (v[8] == '2' &&
	    v[9] <= '8'))) {
		*doff = off;
		return 10;
	}
	if (mb_time_parse(v, n, &ms) == -1)
		return 0;
	*doff = w->val.len;
	mb_time_fmt_date(&w->val, ms);
	return 10;
}

/* Finds the partition columns among the record's top-level fields and
 * builds w->key; -1 when the line is not a JSON object.  A field that
 * several columns come from (year and month of one time) is read once. */
static int
scan(mb_lake_writer *w, const char *p, size_t n)
{
	static const size_t keep[] = { 0, 10, 7, 4 };
	const char *e = p + n, *ks, *ke, *vs, *q;
	size_t off, len, doff = 0, dlen, klen;
	int i, found = 0, have, dated;
	char *k;

	for (i = 0; i < w->npcols; i++)
		w->vnull[i] = 1;
	p = skip_ws(p, e);
	while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	if (p == e || *p != '{' || e[-1] != '}')
		return -1;
	mb_buf_reset(&w->val);
	p = skip_ws(p + 1, e);
	if (*p == '}')
		goto done;
	while (found < w->npcols) {
		if (p >= e || *p != '"' || (q = skip_str(p, e)) == NULL)
			return -1;
		ks = p + 1;
		ke = q - 1;
		p = skip_ws(q, e);
		if (p >= e || *p != ':')
			return -1;
		vs = p = skip_ws(p + 1, e);
		if ((p = skip_val(p, e)) == NULL)
			return -1;
		have = dated = 0;
		off = len = dlen = 0;
		w->stamp++;
		for (i = 0; i < w->npcols; i++) {
			if (!w->vnull[i])
				continue;
			if (w->same[i] >= 0) {	/* the field of an earlier column */
				if (w->hit[w->same[i]] != w->stamp)
					continue;
			} else if ((size_t)(ke - ks) != w->fdlen[i] ||
			    memcmp(ks, w->fields[i], w->fdlen[i]) != 0)
				continue;
			w->hit[i] = w->stamp;
			if (!have) {	/* the value, once */
				off = w->val.len;
				if (*vs == '"') {
					if (memchr(vs, '\\', (size_t)(p - vs)) ==
					    NULL)
						mb_buf_add(&w->val, vs + 1,
						    (size_t)(p - vs) - 2);
					else if (mb_json_unescape(vs + 1,
					    (size_t)(p - vs) - 2, &w->val) == -1)
						return -1;
				} else if (!(p - vs == 4 &&
				    memcmp(vs, "null", 4) == 0))
					mb_buf_add(&w->val, vs, (size_t)(p - vs));
				len = w->val.len - off;
				have = 1;
			}
			if (w->xf[i] == XF_NONE) {
				w->voff[i] = off;
				w->vlen[i] = len;
			} else {
				if (!dated) {	/* its date, once */
					dlen = date_of(w, off, len, &doff);
					dated = 1;
				}
				w->voff[i] = doff;
				w->vlen[i] = dlen ? keep[w->xf[i]] : 0;
			}
			w->vnull[i] = w->vlen[i] == 0;
			found++;
		}
		p = skip_ws(p, e);
		if (p < e && *p == ',')
			p = skip_ws(p + 1, e);
		else if (p < e && *p == '}')
			break;
		else
			return -1;
	}
done:
	/* The key of the partition: its values as they are; the folder
	 * name is built only for a partition not seen before. */
	for (klen = 0, i = 0; i < w->npcols; i++)
		klen += 1 + (w->vnull[i] ? 0 : sizeof(uint32_t) + w->vlen[i]);
	mb_buf_reset(&w->key);
	mb_buf_grow(&w->key, klen);
	for (k = w->key.p, i = 0; i < w->npcols; i++) {
		uint32_t vl = (uint32_t)w->vlen[i];

		*k++ = w->vnull[i] ? 0 : 1;
		if (w->vnull[i])
			continue;
		memcpy(k, &vl, sizeof(vl));
		memcpy(k + sizeof(vl), w->val.p + w->voff[i], w->vlen[i]);
		k += sizeof(vl) + w->vlen[i];
	}
	w->key.len = klen;
	return 0;
}

/* The folder of the record just scanned, in w->pdir. */
static void
build_pdir(mb_lake_writer *w)
{
	int i;

	mb_buf_reset(&w->pdir);
	for (i = 0; i < w->npcols; i++) {
		if (i > 0)
			mb_buf_addc(&w->pdir, '/');
		mb_lake_pdir_add(&w->pdir, w->pcols[i], w->pclen[i],
		    w->vnull[i] ? NULL : w->val.p + w->voff[i], w->vlen[i]);
	}
	mb_buf_cstr(&w->pdir);
}

static char *
pvals_json(mb_lake_writer *w)
{
	mb_buf b = {0};
	int i;

	mb_buf_addc(&b, '{');
	for (i = 0; i < w->npcols; i++) {
		if (i > 0)
			mb_buf_addc(&b, ',');
		mb_buf_json_str(&b, w->pcols[i], w->pclen[i]);
		mb_buf_addc(&b, ':');
		if (w->vnull[i])
			mb_buf_adds(&b, "null");
		else
			mb_buf_json_str(&b, w->val.p + w->voff[i], w->vlen[i]);
	}
	mb_buf_addc(&b, '}');
	return mb_buf_cstr(&b);
}

/* ---- slots and parts --------------------------------------------------- */

static void
map_put(mb_lake_writer *w, size_t si)
{
	size_t m, h;

	if ((w->nslots + 1) * 2 > w->mapcap) {
		size_t j;

		free(w->map);
		w->mapcap = w->mapcap ? w->mapcap * 2 : 64;
		w->map = mb_xcalloc(w->mapcap, sizeof(size_t));
		for (j = 0; j < w->nslots; j++)
			if (j != si)
				map_put(w, j);
	}
	m = w->mapcap - 1;
	for (h = w->slots[si].h & m; w->map[h] != 0; h = (h + 1) & m)
		;
	w->map[h] = si + 1;
}

/* The slot of a partition, by key; a new one gets pdir as its folder, or
 * when pdir is NULL the folder of the record just scanned. */
static size_t
slot_get(mb_lake_writer *w, const char *key, size_t klen, const char *pdir,
    size_t len)
{
	struct slot *s;
	uint64_t h;
	size_t m, i;

	if (w->last >= 0 && w->slots[w->last].klen == klen &&
	    memcmp(w->slots[w->last].key, key, klen) == 0)
		return (size_t)w->last;
	h = mb_hash(key, klen);
	if (w->mapcap > 0) {
		m = w->mapcap - 1;
		for (i = h & m; w->map[i] != 0; i = (i + 1) & m) {
			s = &w->slots[w->map[i] - 1];
			if (s->h == h && s->klen == klen &&
			    memcmp(s->key, key, klen) == 0) {
				w->last = (long)(w->map[i] - 1);
				return w->map[i] - 1;
			}
		}
	}
	if (pdir == NULL) {
		build_pdir(w);
		pdir = w->pdir.p;
		len = w->pdir.len;
	}
	if (w->nslots == w->capslots) {
		w->capslots = w->capslots ? w->capslots * 2 : 16;
		w->slots = mb_xrealloc(w->slots, w->capslots * sizeof(*s));
	}
	s = &w->slots[w->nslots];
	s->key = mb_xmalloc(klen + 1);
	memcpy(s->key, key, klen);
	s->klen = klen;
	s->h = h;
	s->pdir = mb_xmalloc(len + 1);
	memcpy(s->pdir, pdir, len);
	s->pdir[len] = '\0';
	s->len = len;
	s->ph = mb_hash(pdir, len);
	s->cur = -1;
	s->checked = 0;
	s->carry = 0;
	w->nslots++;
	map_put(w, w->nslots - 1);
	w->last = (long)w->nslots - 1;
	return w->nslots - 1;
}

static const char *
full(mb_lake_writer *w, const char *rel)
{
	mb_buf_reset(&w->path);
	mb_buf_adds(&w->path, w->l->dir);
	if (*rel != '\0') {
		mb_buf_addc(&w->path, '/');
		mb_buf_adds(&w->path, rel);
	}
	return mb_buf_cstr(&w->path);
}

/* The size of a frame: CHUNK, or less when many parts are open, so that
 * all their buffers and those in flight together stay within BUDGET. */
static size_t
frame_size(const mb_lake_writer *w)
{
	size_t n = BUDGET / (w->nopen + INFLIGHT);

	if (n < ((size_t)64 << 10))
		n = (size_t)64 << 10;
	return n < w->frame ? n : w->frame;
}

/* Queues a part's pending text as one zstd frame; the part gets an
 * empty buffer.  The first frame of a batch is waited for. */
static int
flush_part(mb_lake_writer *w, struct part *pt)
{
	struct job j = { .k = pt->k, .text = pt->pend, .fd = pt->fd };
	int r;

	if (pt->pend.len == 0)
		return 0;
	w->pend_bytes -= pt->pend.len;
	pt->frames++;
	r = submit(w, &j, !w->wrote, &pt->pend);
	w->wrote = 1;
	/* Keep the buffer for the next frame unless more parts are open
	 * now than when it grew. */
	if (pt->pend.cap > 2 * frame_size(w))
		mb_buf_free(&pt->pend);
	return r;
}

/* Queues the last frame and the fsync and close of a part; its file
 * belongs to the compressor from here on. */
static int
close_part(mb_lake_writer *w, struct part *pt)
{
	struct job j = { .k = pt->k, .text = pt->pend, .fd = pt->fd,
	    .close = 1 };

	if (pt->fd < 0)
		return 0;
	w->pend_bytes -= pt->pend.len;
	pt->pend = (mb_buf){0};
	pt->fd = -1;
	w->nopen--;
	if (w->slots[pt->slot].cur == pt - w->parts)
		w->slots[pt->slot].cur = -1;
	if (j.text.len > 0)
		pt->frames++;
	return submit(w, &j, 0, NULL);
}

/* Makes the folders of a partition; remembers the parents of those it
 * created, to fsync them at the commit. */
static int
make_dirs(mb_lake_writer *w, const char *pdir)
{
	size_t i, base;
	const char *p;

	full(w, pdir);
	base = strlen(w->l->dir) + 1;
	for (i = base; i <= w->path.len; i++) {
		if (i < w->path.len && w->path.p[i] != '/')
			continue;
		w->path.p[i] = '\0';
		if (mkdir(w->path.p, 0777) == 0) {
			p = strrchr(w->path.p, '/');
			mb_buf_add(&w->newdirs, w->path.p,
			    (size_t)(p - w->path.p));
			mb_buf_addc(&w->newdirs, '\0');
		} else if (errno != EEXIST) {
			mb_seterr("%s: %s", w->path.p, strerror(errno));
			return -1;
		}
		if (i < w->path.len)
			w->path.p[i] = '/';
	}
	return 0;
}

/* A partition folder that is a symbolic link would put parts outside the
 * dataset, where readers do not follow: a writer refuses it too. */
static int
no_links(mb_lake_writer *w, const char *pdir)
{
	struct stat st;
	size_t i;

	full(w, pdir);
	for (i = strlen(w->l->dir) + 1; i <= w->path.len; i++) {
		if (i < w->path.len && w->path.p[i] != '/')
			continue;
		w->path.p[i] = '\0';
		if (lstat(w->path.p, &st) == -1)
			break;	/* made later */
		if (S_ISLNK(st.st_mode))
			return mb_seterr("%s: a symbolic link; not written "
			    "through", w->path.p);
		if (i < w->path.len)
			w->path.p[i] = '/';
	}
	return 0;
}

static struct part *
open_part(mb_lake_writer *w, size_t si, const char *pvals)
{
	struct slot *s = &w->slots[si];
	struct part *pt;
	mb_buf rel = {0};
	size_t i, lru = 0;
	int fd, tried = 0;

	if (!s->checked && s->len > 0) {
		if (no_links(w, s->pdir) == -1)
			return NULL;
		s->checked = 1;
	}
	if (w->nopen >= MAXOPEN) {
		uint64_t oldest = UINT64_MAX;

		for (i = 0; i < w->nparts; i++)
			if (w->parts[i].fd >= 0 && w->parts[i].used < oldest) {
				oldest = w->parts[i].used;
				lru = i;
			}
		if (close_part(w, &w->parts[lru]) == -1)
			return NULL;
	}
	for (;;) {
		mb_buf_reset(&rel);
		if (s->len > 0)
			mb_buf_printf(&rel, "%s/", s->pdir);
		mb_buf_printf(&rel, "part-%020" PRId64 "-%04u.ndjson.zst",
		    w->next, ++w->seq);
		fd = open(full(w, mb_buf_cstr(&rel)),
		    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd >= 0)
			break;
		if (errno == EEXIST)	/* a crashed or concurrent writer's */
			continue;
		if (errno == ENOENT && s->len > 0 && !tried) {
			tried = 1;
			w->seq--;
			if (make_dirs(w, s->pdir) == 0)
				continue;
		} else
			mb_seterr("%s: %s", full(w, rel.p), strerror(errno));
		mb_buf_free(&rel);
		return NULL;
	}
	if (w->nparts == w->capparts) {
		w->capparts = w->capparts ? w->capparts * 2 : 16;
		w->parts = mb_xrealloc(w->parts, w->capparts * sizeof(*pt));
	}
	pt = &w->parts[w->nparts];
	memset(pt, 0, sizeof(*pt));
	pt->rel = mb_buf_cstr(&rel);
	pt->pvals = pvals != NULL ? mb_xstrdup(pvals) : pvals_json(w);
	pt->slot = si;
	pt->carry = s->carry;
	pt->fd = fd;
	pt->k = mb_xcalloc(1, sizeof(*pt->k));
	pt->k->rel = pt->rel;
	pt->k->path = mb_xstrdup(full(w, pt->rel));
	if ((pt->k->xs = XXH3_createState()) == NULL)
		abort();
	XXH3_64bits_reset(pt->k->xs);
	s->cur = (long)w->nparts++;
	w->nopen++;
	return pt;
}

static int
add_line(mb_lake_writer *w, size_t si, const char *pvals, const char *p,
    size_t n)
{
	struct part *pt;
	size_t fs;

	if (w->slots[si].cur < 0) {
		if ((pt = open_part(w, si, pvals)) == NULL)
			return -1;
	} else
		pt = &w->parts[w->slots[si].cur];
	pt->used = ++w->clock;
	w->lastrel = pt->rel;
	fs = frame_size(w);
	if (pt->pend.cap == 0)
		mb_buf_grow(&pt->pend, fs + 4096);
	if (pt->pend.cap - pt->pend.len <= n + 1)
		mb_buf_grow(&pt->pend, n + 1);
	memcpy(pt->pend.p + pt->pend.len, p, n);
	pt->pend.p[pt->pend.len + n] = '\n';
	pt->pend.len += n + 1;
	pt->records++;
	pt->bytes += n + 1;
	w->pend_bytes += n + 1;
	w->pend_records++;
	if (pt->bytes >= w->maxbytes)
		return close_part(w, pt);
	if (pt->pend.len >= fs)
		return flush_part(w, pt);
	return 0;
}

int
mb_lake_writer_put(mb_lake_writer *w, const char *p, size_t n)
{
	if (scan(w, p, n) == -1) {
		mb_seterr("not a JSON object");
		return -2;
	}
	return add_line(w, slot_get(w, w->key.p ? w->key.p : "", w->key.len,
	    NULL, 0), NULL, p, n);
}

int
mb_lake_writer_put_part(mb_lake_writer *w, const char *pdir, size_t pdlen,
    const char *pvals, const char *p, size_t n)
{
	return add_line(w, slot_get(w, pdir, pdlen, pdir, pdlen), pvals, p,
	    n);
}

const char *
mb_lake_writer_last_path(const mb_lake_writer *w)
{
	return w->lastrel;
}

int
mb_lake_writer_put_carry(mb_lake_writer *w, const char *pdir, size_t pdlen,
    const char *pvals, const char *p, size_t n)
{
	size_t si;

	/* its own slots: a key that no partition's can be */
	mb_buf_reset(&w->val);
	mb_buf_addc(&w->val, '\001');
	mb_buf_add(&w->val, pdir, pdlen);
	si = slot_get(w, w->val.p, w->val.len, pdir, pdlen);
	w->slots[si].carry = 1;
	return add_line(w, si, pvals, p, n);
}

/* ---- commits ----------------------------------------------------------- */

/* Forgets the parts, and deletes their files with unlink_files; the
 * queue must be drained. */
static void
clear_batch(mb_lake_writer *w, int unlink_files)
{
	size_t i;

	w->lastrel = NULL;

	for (i = 0; i < w->nparts; i++) {
		struct part *pt = &w->parts[i];

		if (pt->fd >= 0)
			close(pt->fd);
		if (unlink_files)
			unlink(pt->k->path);
		if (pt->k->xs != NULL)
			XXH3_freeState(pt->k->xs);
		free(pt->k->path);
		free(pt->k);
		mb_buf_free(&pt->pend);
		free(pt->rel);
		free(pt->pvals);
	}
	for (i = 0; i < w->nslots; i++) {
		free(w->slots[i].key);
		free(w->slots[i].pdir);
	}
	w->nparts = w->nslots = w->nopen = 0;
	w->last = -1;
	if (w->mapcap > 0)
		memset(w->map, 0, w->mapcap * sizeof(size_t));
	mb_buf_reset(&w->newdirs);
	w->pend_bytes = w->pend_records = 0;
	w->seq = 0;
	w->wrote = 0;
}

void
mb_lake_writer_abort(mb_lake_writer *w)
{
	(void)drain(w);
	clear_batch(w, 1);
	pthread_mutex_lock(&w->mu);
	w->failed = 0;
	pthread_mutex_unlock(&w->mu);
}

void
mb_lake_writer_free(mb_lake_writer *w)
{
	int i;

	if (w == NULL)
		return;
	stop_compressor(w);	/* after the jobs queued */
	clear_batch(w, 1);
	for (i = 0; i < w->npcols; i++) {
		free(w->pcols[i]);
		free(w->fields[i]);
	}
	free(w->pcols);
	free(w->fields);
	free(w->fdlen);
	free(w->xf);
	free(w->same);
	free(w->hit);
	free(w->pclen);
	free(w->voff);
	free(w->vlen);
	free(w->vnull);
	free(w->pcols_json);
	free(w->tool);
	free(w->parts);
	free(w->slots);
	free(w->map);
	ZSTD_freeCCtx(w->cc);
	while (w->nspare > 0)
		mb_buf_free(&w->spare[--w->nspare]);
	while (w->nzspare > 0)
		mb_buf_free(&w->zspare[--w->nzspare]);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->work);
	pthread_cond_destroy(&w->room);
	pthread_cond_destroy(&w->done);
	mb_buf_free(&w->newdirs);
	mb_buf_free(&w->key);
	mb_buf_free(&w->pdir);
	mb_buf_free(&w->val);
	mb_buf_free(&w->path);
	free(w);
}

static int
sync_dirs(mb_lake_writer *w)
{
	size_t i;
	const char *p;

	for (i = 0; i < w->nslots; i++)
		if (mb_fsync_dir(full(w, w->slots[i].pdir)) == -1)
			return -1;
	for (p = w->newdirs.p; p != NULL && p < w->newdirs.p + w->newdirs.len;
	    p += strlen(p) + 1)
		if (mb_fsync_dir(p) == -1)
			return -1;
	return 0;
}

/* Is the folder of path one of the partitions written in this batch? */
static int
written(mb_lake_writer *w, const char *path)
{
	size_t len = mb_lake_pdir_len(path), i;
	uint64_t h = mb_hash(path, len);

	for (i = 0; i < w->nslots; i++)
		if (w->slots[i].ph == h && w->slots[i].len == len &&
		    memcmp(w->slots[i].pdir, path, len) == 0)
			return 1;
	return 0;
}

static const char *
mode_op(enum mb_lake_mode mode)
{
	switch (mode) {
	case MB_LAKE_OVERWRITE:
		return "OVERWRITE";
	case MB_LAKE_REPLACE:
		return "REPLACE PARTITIONS";
	case MB_LAKE_COMPACT:
		return "COMPACT";
	case MB_LAKE_MERGE:
		return "MERGE";
	default:
		return "WRITE";
	}
}

/* The text of a commit at version v that adds the batch and removes
 * the files in rm. */
static void
entry_text(mb_lake_writer *w, mb_buf *b, int64_t v, const char *op,
    enum mb_lake_mode mode, const mb_lake_file *rm, size_t nrm)
{
	mb_lake_file f;
	uint64_t radd = 0, rrm = 0;
	int64_t now = mb_time_now_ms();
	size_t i;

	for (i = 0; i < w->nparts; i++)
		radd += w->parts[i].records;
	for (i = 0; i < nrm; i++)
		rrm += rm[i].records;
	mb_buf_reset(b);
	mb_buf_printf(b, "{\"commitInfo\":{\"version\":%" PRId64
	    ",\"timestamp\":%" PRId64 ",\"time\":\"", v, now);
	mb_time_fmt(b, now);
	mb_buf_adds(b, "\",\"operation\":");
	mb_buf_json_str(b, op, strlen(op));
	mb_buf_adds(b, ",\"tool\":");
	mb_buf_json_str(b, w->tool, strlen(w->tool));
	mb_buf_printf(b, ",\"records\":%" PRIu64 ",\"files\":%zu,"
	    "\"removedRecords\":%" PRIu64 ",\"removedFiles\":%zu,"
	    "\"partitionColumns\":%s}}\n", radd, w->nparts, rrm, nrm,
	    w->pcols_json);
	for (i = 0; i < nrm; i++) {
		f = rm[i];
		f.version = -1;
		mb_lake_file_json(b, "remove", &f);
	}
	for (i = 0; i < w->nparts; i++) {
		struct part *pt = &w->parts[i];

		f.path = pt->rel;
		f.pvals = pt->pvals;
		f.records = pt->records;
		f.bytes = pt->bytes;
		f.cbytes = pt->k->cbytes;
		f.xxh3 = pt->k->xxh3;
		f.version = -1;
		f.datachange = mode != MB_LAKE_COMPACT && !pt->carry;
		mb_lake_file_json(b, "add", &f);
	}
	w->last_records = radd;
	w->last_files = w->nparts;
	w->last_removed = nrm;
}

int64_t
mb_lake_writer_commit(mb_lake_writer *w, enum mb_lake_mode mode,
    const char *op, const mb_lake_file *rm, size_t nrm, int force)
{
	mb_lake_snap snap;
	mb_lake_file *drop = NULL;
	size_t ndrop, i;
	mb_buf text = {0};
	int64_t v;
	long j;
	int r;

	w->last_records = 0;
	w->last_files = w->last_removed = 0;
	if (w->nparts == 0 && !force && mode != MB_LAKE_COMPACT)
		return w->next - 1;
	for (i = 0; i < w->nparts; i++)
		if (close_part(w, &w->parts[i]) == -1)
			return -1;
	/* Every byte the entry lists is written and fsynced. */
	if (drain(w) == -1 || sync_dirs(w) == -1)
		return -1;
	if (op == NULL)
		op = mode_op(mode);
	mb_lake_snap_init(&snap);
	for (;;) {
		v = w->next;
		ndrop = 0;
		if (mode != MB_LAKE_APPEND) {
			mb_lake_snap_free(&snap);
			if (v > 0 && (mb_lake_snap_load(w->l, v - 1, &snap) ==
			    -1 || (snap.damaged > 0 && mb_seterr("the log is "
			    "damaged; nothing was committed (mb-lake "
			    "verify)")))) {
				mb_lake_snap_free(&snap);
				mb_buf_free(&text);
				free(drop);
				return -1;
			}
			free(drop);
			drop = mb_xcalloc(snap.n + 1, sizeof(*drop));
			if (mode == MB_LAKE_COMPACT || mode == MB_LAKE_MERGE) {
				for (i = 0; i < nrm; i++) {
					j = mb_lake_snap_find(&snap,
					    rm[i].path);
					if (j < 0) {
						mb_seterr("conflict: %s was "
						    "removed by a concurrent "
						    "commit (version %" PRId64
						    ")", rm[i].path,
						    snap.version);
						mb_lake_snap_free(&snap);
						mb_buf_free(&text);
						free(drop);
						return -1;
					}
					drop[ndrop++] = snap.files[j];
				}
			} else
				for (i = 0; i < snap.n; i++)
					if (mode == MB_LAKE_OVERWRITE ||
					    written(w, snap.files[i].path))
						drop[ndrop++] = snap.files[i];
		}
		entry_text(w, &text, v, op, mode, drop, ndrop);
		r = mb_lake_put_entry(w->l, v, text.p, text.len);
		if (r == 0)
			break;
		if (r == -1) {
			mb_lake_snap_free(&snap);
			free(drop);
			mb_buf_free(&text);
			return -1;
		}
		w->next = v + 1;	/* another writer has v: try the next */
	}
	mb_lake_snap_free(&snap);
	free(drop);
	mb_buf_free(&text);
	w->next = v + 1;
	clear_batch(w, 0);
	if (v > 0 && v % MB_LAKE_CHECKPOINT_EVERY == 0 &&
	    mb_lake_snap_load(w->l, v, &snap) == 0) {
		/* A reader falls back to replaying the log without it. */
		(void)mb_lake_checkpoint_write(w->l, &snap);
		mb_lake_snap_free(&snap);
	}
	/* The commit is made; a manifest that could not follow is stale
	 * until the next one (mb-lake verify names it). */
	(void)mb_lake_manifest_update(w->l);
	return v;
}
