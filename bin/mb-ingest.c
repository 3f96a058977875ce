/*
 * mb-ingest: reads CSV, NDJSON and JSON-array files (plain or zstd), whole
 * directories or stdin, and writes bronze NDJSON: every record with its
 * lineage (_source, _offset, _ingested_at, _hash) added.  Nothing is ever
 * dropped: a line that does not parse stays in the stream, or goes to
 * --quarantine, as {"_raw": ..., "_errors": [...]} with the same lineage.
 * With --checkpoint it remembers what it has read, so a rerun takes only
 * new files and the new lines of files that grew, like Auto Loader; with
 * --watch it keeps polling for them.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mb.h"

#define LIT(b, s) mb_buf_add((b), (s), sizeof(s) - 1)

/* F_JSON: a .json file, an array or NDJSON by its first byte; F_NDJSON is
 * line mode whatever the first byte is. */
enum fmt { F_AUTO, F_NDJSON, F_CSV, F_ARRAY, F_JSON };

static struct {
	enum fmt format;
	char delim;
	size_t maxline;
	const char *quarantine, *checkpoint;
	const char *source;	/* --source: the name in _source */
	int offsets;		/* --offsets: lines start [PART:]OFFSET<tab> */
	int flatten, stats, progress;
	double watch;
	int infer;		/* MB_CSV_INFER_* */
	size_t sample;
} opt = { F_AUTO, 0, 0, NULL, NULL, NULL, 0, 0, 0, 0, 0, MB_CSV_INFER_COLUMNS,
    1000 };

static struct {
	uint64_t lines, records, malformed, blank, bytes;
	uint64_t nested;	/* records too big to flatten */
	uint64_t misfits;	/* CSV values kept as strings */
} st;

/*
 * CSV column types: those given (--types, then --schema), and those a
 * file's sample decided, kept per header so that every file with the same
 * columns gets the same types, in this run and, through the checkpoint,
 * in the next.
 */
typedef struct tmap {
	mb_buf names;		/* column names, NUL-terminated */
	int n;
	unsigned char *types;
} tmap;

static mb_buf given, fromschema;	/* name, NUL, type: --types, --schema */
static tmap *maps;
static int nmaps;
static mb_buf types_json;	/* the types of the CSV file just read */

static int status = MB_EXIT_OK;
static volatile sig_atomic_t stop;

/* Where bad records go: stdout, or the --quarantine file. */
static int qfd = -1;
static mb_buf qbuf;

/* Per-file state of the record writer. */
static mb_buf src_json;		/* the file's name as a JSON string */
static mb_buf rec, flat, prefix;
static mb_flat fl;
static mb_rec *prec;
static int64_t ts_ms = -1;
static char ts_txt[32];

#define MAX_SHOWN 100
static uint64_t shown;

/* ---- writing records ---------------------------------------------------- */

/*
 * _ingested_at is when the record's bytes were read: the clock is read
 * again after every read(2) of input, and at least every 256 records (a
 * 1 MiB block takes about a millisecond), not for every record.
 */
static const mb_in *cur_in;
static uint64_t ts_reads, ts_count;

static void
lineage(mb_buf *b, uint64_t lineno, uint64_t hash)
{
	int64_t now = ts_ms;
	uint64_t reads = cur_in ? mb_in_reads(cur_in) : 0;

	if (reads != ts_reads || ++ts_count >= 256 || ts_ms < 0) {
		now = mb_time_now_ms();
		ts_reads = reads;
		ts_count = 0;
	}
	if (now != ts_ms) {
		mb_buf t = { 0 };

		mb_time_fmt(&t, now);
		memcpy(ts_txt, t.p, t.len);
		ts_txt[t.len] = '\0';
		mb_buf_free(&t);
		ts_ms = now;
	}
	LIT(b, "\"_source\":");
	mb_buf_add(b, src_json.p, src_json.len);
	LIT(b, ",\"_offset\":");
	mb_buf_addu(b, lineno);
	LIT(b, ",\"_ingested_at\":\"");
	mb_buf_add(b, ts_txt, 24);
	LIT(b, "\",\"_hash\":\"");
	mb_buf_addhex64(b, hash);
	LIT(b, "\"}\n");
}

static void
qflush(void)
{
	if (mb_write_all(qfd, qbuf.p, qbuf.len) < 0)
		mb_die(MB_EXIT_FAIL, "%s: %s", opt.quarantine, strerror(errno));
	qbuf.len = 0;
}

/* A record that could not be read: its text, why, and its lineage. */
static void
bad(const char *file, const char *raw, size_t n, uint64_t lineno, uint64_t hash,
    const char *why, uint64_t full_len)
{
	mb_buf *b = qfd >= 0 ? &qbuf : &rec;
	mb_buf m = { 0 };

	if (b == &rec)
		rec.len = 0;
	st.malformed++;
	st.records++;
	if (full_len) {
		mb_buf_printf(&m, "line of %llu bytes is longer than --max-line %zu; "
		    "_raw holds its first %zu bytes", (unsigned long long)full_len,
		    opt.maxline ? opt.maxline : MB_MAX_LINE_DEFAULT, n);
		why = mb_buf_cstr(&m);
	}
	if (shown++ < MAX_SHOWN)
		mb_warn("%s:%llu: %s", file, (unsigned long long)lineno, why);
	mb_buf_addc(b, '{');
	mb_buf_raw_fields(b, raw, n, why);
	mb_buf_addc(b, ',');
	lineage(b, lineno, hash);
	mb_buf_free(&m);
	if (b == &rec)
		mb_out_buf(&rec);
	else if (qbuf.len > 65536)
		qflush();
}

static int
is_lineage(mb_span k)
{
	return (k.len == 7 && memcmp(k.p, "_source", 7) == 0) ||
	    (k.len == 7 && memcmp(k.p, "_offset", 7) == 0) ||
	    (k.len == 12 && memcmp(k.p, "_ingested_at", 12) == 0) ||
	    (k.len == 5 && memcmp(k.p, "_hash", 5) == 0);
}

/*
 * The record p (one valid JSON object) into `flat` without the lineage it
 * already has (bronze ingested again gets new lineage, not two), nested
 * objects flattened when flatten is set.  -1 when the flattened record
 * would be longer than --max-line: flattening repeats every ancestor's
 * key in each leaf's, so a small record nested deep can flatten to
 * gigabytes.
 */
static int
rewrite(const char *p, size_t n, int flatten)
{
	size_t limit = opt.maxline ? opt.maxline : MB_MAX_LINE_DEFAULT;
	int i, first = 1;

	mb_rec_parse(prec, p, n);
	flat.len = 0;
	mb_buf_addc(&flat, '{');
	for (i = 0; i < mb_rec_nfields(prec); i++) {
		mb_span k = mb_rec_key(prec, i), raw, fk, fv;
		int v = mb_rec_field(prec, i);

		if (is_lineage(k))
			continue;
		raw = mb_rec_raw(prec, v);
		if (flatten && raw.p[0] == '{') {
			prefix.len = 0;
			mb_json_unescape(k.p, k.len, &prefix);
			if (mb_flat_start(&fl, raw.p, raw.len, prefix.p, prefix.len, '.') > 0) {
				while (mb_flat_next(&fl, &fk, &fv) == 1) {
					if (!first)
						mb_buf_addc(&flat, ',');
					first = 0;
					mb_buf_json_str(&flat, fk.p, fk.len);
					mb_buf_addc(&flat, ':');
					mb_buf_add(&flat, fv.p, fv.len);
					if (flat.len > limit)
						return -1;
				}
				continue;
			}
		}
		if (!first)
			mb_buf_addc(&flat, ',');
		first = 0;
		mb_buf_addc(&flat, '"');
		mb_buf_add(&flat, k.p, k.len);
		LIT(&flat, "\":");
		mb_buf_add(&flat, raw.p, raw.len);
	}
	mb_buf_addc(&flat, '}');
	return 0;
}

/* A line holding one valid JSON object: out with lineage added. */
static void
good(const char *file, const char *p, size_t n, uint64_t lineno, uint64_t hash,
    int mayhave)
{
	size_t close = n;
	int empty;

	st.records++;
	rec.len = 0;
	while (n > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	if (opt.flatten || mayhave) {
		if (rewrite(p, n, opt.flatten) < 0) {
			st.nested++;
			if (shown++ < MAX_SHOWN)
				mb_warn("%s:%llu: --flatten: the flat record would be longer "
				    "than --max-line %zu; kept nested", file,
				    (unsigned long long)lineno,
				    opt.maxline ? opt.maxline : MB_MAX_LINE_DEFAULT);
			rewrite(p, n, 0);
		}
		p = flat.p;
		n = close = flat.len;
	}
	while (close > 0 && p[close - 1] != '}')
		close--;
	close--;
	/* Is it "{}" (maybe with blanks)? Then no comma before the lineage. */
	empty = 1;
	for (size_t i = (size_t)((const char *)memchr(p, '{', n) - p) + 1; i < close; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') {
			empty = 0;
			break;
		}
	/* p[0..close) is "{...", without the closing brace: out as it is,
	 * then the lineage. */
	mb_out(p, close);
	if (!empty)
		mb_buf_addc(&rec, ',');
	lineage(&rec, lineno, hash);
	mb_out_buf(&rec);
}

static int
blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return 0;
	return 1;
}

/* ---- readers, one per format -------------------------------------------- */

static void
progress(mb_in *in, uint64_t done0, uint64_t total, int64_t t0, int last)
{
	static int64_t shown_at;
	int64_t now = mb_time_now_ms();
	double mb, rate, eta;
	uint64_t done = done0 + mb_in_rawpos(in);

	if (!opt.progress || (!last && now - shown_at < 250))
		return;
	shown_at = now;
	mb = (double)done / 1e6;
	rate = now > t0 ? mb / ((double)(now - t0) / 1000.0) : 0;
	eta = rate > 0 && total > done ? (double)(total - done) / 1e6 / rate : 0;
	fprintf(stderr, "\r%s: %.1f of %.1f MB, %.1f MB/s, ETA %.0fs   %s",
	    mb_prog_name(), mb, (double)total / 1e6, rate, eta, last ? "\n" : "");
	fflush(stderr);
}


typedef struct pstate {
	uint64_t done0, total;
	int64_t t0;
} pstate;

static void
progress_end(pstate *ps)
{
	if (opt.progress)
		fprintf(stderr, "\r%s: %.1f MB done%40s\n", mb_prog_name(),
		    (double)ps->done0 / 1e6, "");
}

/* One NDJSON line (or the rest of one, from a broken JSON array). */
static void
ndjson_line(const char *file, const char *p, size_t n, uint64_t lineno)
{
	int lin;

	if (blank(p, n)) {
		st.blank++;
		return;
	}
	if (mb_json_check_line(p, n, &lin) < 0)
		bad(file, p, n, lineno, mb_hash(p, n), mb_errmsg(), 0);
	else
		good(file, p, n, lineno, mb_hash(p, n), lin);
}

static int
read_ndjson(mb_in *in, const char *file, pstate *ps)
{
	mb_line l;
	int r, lin;
	uint64_t k = 0;

	while ((r = mb_in_line(in, &l)) == 1) {
		st.lines++;
		if (l.toolong) {
			bad(file, l.p, l.len, l.lineno, l.hash, NULL, l.full_len);
			continue;
		}
		/* ndjson_line(), written out: the hot loop */
		if (blank(l.p, l.len))
			st.blank++;
		else if (mb_json_check_line(l.p, l.len, &lin) < 0)
			bad(file, l.p, l.len, l.lineno, mb_hash(l.p, l.len), mb_errmsg(), 0);
		else
			good(file, l.p, l.len, l.lineno, mb_hash(l.p, l.len), lin);
		if ((++k & 4095) == 0)
			progress(in, ps->done0, ps->total, ps->t0, 0);
	}
	return r;
}

/*
 * --offsets: a broker consumer prints each message as [PART:]OFFSET, a
 * tab, then the message (kcat -f '%p:%o\t%s\n'); the offset becomes
 * _offset and the partition is added to _source as LABEL/PART, so that
 * (_source, _offset) names one message of the broker.  A line without
 * the prefix is a bad record at its line number.
 */
static int
offset_prefix(const char *p, size_t n, size_t *plen, uint64_t *off,
    size_t *skip)
{
	size_t i = 0, d;
	uint64_t v = 0;

	*plen = 0;
	for (;;) {
		for (d = i; i < n && p[i] >= '0' && p[i] <= '9' && i - d < 19; i++)
			v = v * 10 + (uint64_t)(p[i] - '0');
		if (i == d || i == n)
			return -1;
		if (p[i] == ':' && *plen == 0 && d == 0) {
			*plen = i;
			v = 0;
			i++;
			continue;
		}
		if (p[i] != '\t')
			return -1;
		*off = v;
		*skip = i + 1;
		return 0;
	}
}

static int
read_offsets(mb_in *in, const char *file)
{
	mb_buf part = { 0 };
	mb_line l;
	uint64_t off;
	size_t plen, skip;
	int r, lin, haspart = 0;

	while ((r = mb_in_line(in, &l)) == 1) {
		st.lines++;
		if (l.toolong) {
			bad(file, l.p, l.len, l.lineno, l.hash, NULL, l.full_len);
			continue;
		}
		if (blank(l.p, l.len)) {
			st.blank++;
			continue;
		}
		if (offset_prefix(l.p, l.len, &plen, &off, &skip) < 0) {
			if (haspart) {
				src_json.len = 0;
				mb_buf_json_str(&src_json, opt.source,
				    strlen(opt.source));
				haspart = 0;
			}
			bad(file, l.p, l.len, l.lineno, mb_hash(l.p, l.len),
			    "--offsets: the line does not start with "
			    "[PARTITION:]OFFSET and a tab", 0);
			continue;
		}
		if (plen > 0 && (!haspart || part.len != plen ||
		    memcmp(part.p, l.p, plen) != 0)) {
			mb_buf_reset(&part);
			mb_buf_adds(&part, opt.source);
			mb_buf_addc(&part, '/');
			mb_buf_add(&part, l.p, plen);
			src_json.len = 0;
			mb_buf_json_str(&src_json, part.p, part.len);
			mb_buf_reset(&part);
			mb_buf_add(&part, l.p, plen);
			haspart = 1;
		} else if (plen == 0 && haspart) {
			src_json.len = 0;
			mb_buf_json_str(&src_json, opt.source,
			    strlen(opt.source));
			haspart = 0;
		}
		if (blank(l.p + skip, l.len - skip))
			st.blank++;
		else if (mb_json_check_line(l.p + skip, l.len - skip, &lin) < 0)
			bad(file, l.p + skip, l.len - skip, off,
			    mb_hash(l.p + skip, l.len - skip), mb_errmsg(), 0);
		else
			good(file, l.p + skip, l.len - skip, off,
			    mb_hash(l.p + skip, l.len - skip), lin);
	}
	mb_buf_free(&part);
	return r;
}

/* lin: does the header have a _source column? -1 until known. */
static void
csv_drain(mb_csv *c, const char *file, int *lin)
{
	mb_csv_row row;

	while (mb_csv_next(c, &row)) {
		uint64_t h = mb_hash(row.raw, row.raw_len);

		if (row.error)
			bad(file, row.raw, row.raw_len, row.lineno, h, row.error, 0);
		else {
			if (*lin < 0)
				*lin = mb_csv_has_key(c, "_source");
			good(file, row.json, row.json_len, row.lineno, h, *lin);
		}
	}
}

static char
csv_delim(const char *file)
{
	size_t n = strlen(file);

	if (opt.delim)
		return opt.delim;
	if (n > 4 && (strcmp(file + n - 4, ".tsv") == 0 || strstr(file, ".tsv.")))
		return '\t';
	return ',';
}

/* The column names of c, NUL-terminated, into b. */
static void
col_names(const mb_csv *c, mb_buf *b)
{
	const char *name;
	size_t n;

	b->len = 0;
	for (int i = 0; i < mb_csv_ncols(c); i++) {
		mb_csv_col(c, i, &name, &n);
		mb_buf_add(b, name, n);
		mb_buf_addc(b, '\0');
	}
}

static tmap *
find_map(const mb_csv *c, mb_buf *tmp)
{
	col_names(c, tmp);
	for (int i = nmaps - 1; i >= 0; i--)
		if (maps[i].n == mb_csv_ncols(c) && maps[i].names.len == tmp->len &&
		    memcmp(maps[i].names.p, tmp->p, tmp->len) == 0)
			return &maps[i];
	return NULL;
}

static void
add_map(const mb_csv *c)
{
	tmap *m;
	const char *name;
	size_t n;

	maps = mb_xrealloc(maps, ((size_t)nmaps + 1) * sizeof(*maps));
	m = &maps[nmaps++];
	memset(m, 0, sizeof(*m));
	col_names(c, &m->names);
	m->n = mb_csv_ncols(c);
	m->types = mb_xmalloc((size_t)m->n + 1);
	for (int i = 0; i < m->n; i++)
		m->types[i] = (unsigned char)mb_csv_col(c, i, &name, &n);
}

struct hdrctx {
	const char *file;
	int reused;
};

/* The header is read: --types names it must have, and the types that an
 * earlier file with the same columns got. */
static void
on_header(mb_csv *c, void *ctx)
{
	struct hdrctx *h = ctx;
	mb_buf names = { 0 };
	const char *t, *name;
	size_t at, n;
	tmap *m;
	int i;

	col_names(c, &names);
	for (at = 0; at < given.len; at += strlen(t) + 2) {
		t = given.p + at;
		for (i = 0; i < mb_csv_ncols(c); i++) {
			mb_csv_col(c, i, &name, &n);
			if (n == strlen(t) && memcmp(name, t, n) == 0)
				break;
		}
		if (i == mb_csv_ncols(c))
			mb_warn("%s: --types: no column \"%s\" in the header", h->file, t);
	}
	if (opt.infer == MB_CSV_INFER_COLUMNS && (m = find_map(c, &names)) != NULL) {
		for (i = 0; i < m->n; i++)
			if (mb_csv_col(c, i, &name, &n) == MB_C_INFER)
				mb_csv_set_col(c, i, (mb_ctype)m->types[i]);
		h->reused = 1;
	}
	mb_buf_free(&names);
}

/* After a CSV file: its column types for the checkpoint, for the next
 * file with its columns, and for --stats; its misfits counted. */
static void
csv_done(const mb_csv *c, const char *file, int reused)
{
	const char *name, *text;
	size_t n, tn;
	uint64_t line, mis;
	mb_buf spec = { 0 };

	types_json.len = 0;
	if (mb_csv_ncols(c) == 0)
		return;
	mb_buf_addc(&types_json, '{');
	for (int i = 0; i < mb_csv_ncols(c); i++) {
		mb_ctype t = mb_csv_col(c, i, &name, &n);

		if (i > 0) {
			mb_buf_addc(&types_json, ',');
			mb_buf_addc(&spec, ',');
		}
		mb_buf_json_str(&types_json, name, n);
		mb_buf_printf(&types_json, ":\"%s\"", mb_ctype_name(t));
		mb_buf_printf(&spec, "%.*s=%s", (int)n, name, mb_ctype_name(t));
	}
	mb_buf_addc(&types_json, '}');
	if (opt.infer == MB_CSV_INFER_COLUMNS && !reused)
		add_map(c);
	if (opt.stats && opt.infer == MB_CSV_INFER_COLUMNS && !reused)
		mb_err("%s: column types %s", file, mb_buf_cstr(&spec));
	if ((mis = mb_csv_misfits(c, &name, &n, &line, &text, &tn)) > 0) {
		st.misfits += mis;
		mb_warn("%s: %llu values did not fit their column's type and were "
		    "kept as strings; the first: line %llu, %.*s \"%.*s\"", file,
		    (unsigned long long)mis, (unsigned long long)line, (int)n, name,
		    (int)tn, text);
	}
	mb_buf_free(&spec);
}

static int
read_csv(mb_in *in, const char *file, const char *header, size_t hlen, pstate *ps)
{
	mb_csv *c = mb_csv_new(csv_delim(file), opt.maxline);
	struct hdrctx h = { file, 0 };
	mb_line l;
	int r, lin = -1;
	uint64_t k = 0;
	size_t at;

	mb_csv_set_infer(c, opt.infer, opt.sample);
	/* --types wins over --schema: set later */
	for (at = 0; at < fromschema.len; at += strlen(fromschema.p + at) + 2)
		mb_csv_set_type(c, fromschema.p + at, strlen(fromschema.p + at),
		    (mb_ctype)fromschema.p[at + strlen(fromschema.p + at) + 1]);
	for (at = 0; at < given.len; at += strlen(given.p + at) + 2)
		mb_csv_set_type(c, given.p + at, strlen(given.p + at),
		    (mb_ctype)given.p[at + strlen(given.p + at) + 1]);
	mb_csv_on_header(c, on_header, &h);
	if (header)
		mb_csv_set_header(c, header, hlen);
	for (;;) {
		/* rows held back to infer types from go out when the input
		 * goes idle: a stream does not wait for its sample */
		if (mb_csv_sampling(c) && mb_in_idle(in)) {
			mb_csv_decide(c);
			csv_drain(c, file, &lin);
		}
		if ((r = mb_in_line(in, &l)) != 1)
			break;
		st.lines++;
		if (l.toolong) {
			bad(file, l.p, l.len, l.lineno, l.hash, NULL, l.full_len);
			continue;
		}
		if (l.len == 0 && mb_csv_has_header(c)) {
			st.blank++;
			continue;
		}
		mb_csv_feed(c, l.p, l.len, l.lineno);
		csv_drain(c, file, &lin);
		if ((++k & 4095) == 0)
			progress(in, ps->done0, ps->total, ps->t0, 0);
	}
	mb_csv_finish(c);
	csv_drain(c, file, &lin);
	csv_done(c, file, h.reused);
	mb_csv_free(c);
	return r;
}

/*
 * A JSON array, possibly pretty-printed over many lines.  Its structure is
 * followed byte by byte (strings, nesting, where a comma or a colon must
 * come); each element is joined onto one line and checked like an NDJSON
 * line, and kept as its exact bytes for _raw when it is not a valid
 * object.  Where the text stops being an array (a missing comma, a line
 * that starts a new object inside an unclosed one, text after the closing
 * bracket), the rest is read as NDJSON lines: array mode never swallows
 * lines that an NDJSON reader would have read as records.
 */
/* The element read so far: a record, or a bad one with its exact bytes. */
static void
element(const char *file, mb_jarr *a, const char *why)
{
	int lin;

	mb_jarr_trim(a);
	if (why == NULL && mb_json_check_line(a->el.p, a->el.len, &lin) == 0)
		good(file, a->el.p, a->el.len, a->elline,
		    mb_hash(a->el.p, a->el.len), lin);
	else {
		if (why == NULL)
			why = mb_errmsg();
		bad(file, a->raw.p, a->raw.len, a->elline,
		    mb_hash(a->raw.p, a->raw.len), why, 0);
	}
	mb_jarr_clear(a);
}

/*
 * A JSON array, possibly pretty-printed over many lines: mb_jarr cuts out
 * each element, which is checked like an NDJSON line and kept as its exact
 * bytes for _raw when it is not a valid object.  Where the text stops
 * being array syntax (a missing comma, an object where a key must be, a
 * line break in a string, an element past --max-line, text after the
 * closing bracket), the rest is read as NDJSON lines: array mode never
 * swallows lines that an NDJSON reader would have read as records.
 */
static int
read_array(mb_in *in, const char *file, pstate *ps)
{
	mb_jarr a = { 0 };
	mb_line l;
	size_t i, first, limit = opt.maxline ? opt.maxline : MB_MAX_LINE_DEFAULT;
	int r, rc, started = 0, ended = 0, lines = 0;

	while (!lines && (r = mb_in_line(in, &l)) == 1) {
		st.lines++;
		if (l.toolong) {
			bad(file, l.p, l.len, l.lineno, l.hash, NULL, l.full_len);
			continue;
		}
		for (first = 0; first < l.len && (l.p[first] == ' ' ||
		    l.p[first] == '\t' || l.p[first] == '\r'); first++)
			;
		if (first == l.len && (!a.inel || mb_jarr_complete(&a))) {
			st.blank++;
			continue;
		}
		for (i = 0; i < l.len && !lines; i++) {
			if (!started) {
				if (l.p[i] == ' ' || l.p[i] == '\t' || l.p[i] == '\r')
					continue;
				if (i == 0 && l.len >= 3 && memcmp(l.p, "\xef\xbb\xbf", 3) == 0) {
					i += 2;		/* a UTF-8 byte order mark */
					continue;
				}
				if (l.p[i] != '[') {
					mb_warn("%s:%llu: not a JSON array (no '['); read "
					    "as NDJSON lines", file, (unsigned long long)l.lineno);
					ndjson_line(file, l.p, l.len, l.lineno);
					lines = 1;
					break;
				}
				started = 1;
				continue;
			}
			if (ended) {
				if (l.p[i] == ' ' || l.p[i] == '\t' || l.p[i] == '\r')
					continue;
				/* more after the array: NDJSON from here */
				ndjson_line(file, l.p + i, l.len - i, l.lineno);
				lines = 1;
				break;
			}
			if ((rc = mb_jarr_byte(&a, l.p[i], l.lineno)) == MB_JA_MORE)
				continue;
			if (rc == MB_JA_ELEMENT || rc == MB_JA_LAST)
				element(file, &a, NULL);
			if (rc != MB_JA_BREAK) {
				ended = rc != MB_JA_ELEMENT;
				continue;
			}
			/* The array breaks at byte i: the element so far is
			 * one record, the rest of the line another (all of it
			 * when the break is its first byte), then lines. */
			mb_warn("%s:%llu: column %zu: not JSON array syntax; the rest is "
			    "read as NDJSON lines", file, (unsigned long long)l.lineno, i + 1);
			if (a.inel && !mb_jarr_complete(&a) && i > first) {
				mb_buf_add(&a.el, l.p + i, l.len - i);
				mb_buf_add(&a.raw, l.p + i, l.len - i);
				element(file, &a, NULL);
			} else {
				if (a.inel)
					element(file, &a, NULL);
				if (i == first)
					ndjson_line(file, l.p, l.len, l.lineno);
				else
					ndjson_line(file, l.p + i, l.len - i, l.lineno);
			}
			lines = 1;
		}
		if (lines || !a.inel)
			continue;
		if (a.el.len > limit) {
			mb_buf m = { 0 };

			mb_buf_printf(&m, "JSON array element of more than --max-line "
			    "%zu bytes; _raw holds its first 4096 bytes", limit);
			a.raw.len = a.raw.len > 4096 ? 4096 : a.raw.len;
			element(file, &a, mb_buf_cstr(&m));
			mb_buf_free(&m);
			lines = 1;
		} else if (mb_jarr_eol(&a) == MB_JA_BREAK) {
			/* a line break in a string: not JSON, the element
			 * ends with this line */
			mb_warn("%s:%llu: a line ends inside a string; the rest is "
			    "read as NDJSON lines", file, (unsigned long long)l.lineno);
			element(file, &a, NULL);
			lines = 1;
		}
		progress(in, ps->done0, ps->total, ps->t0, 0);
	}
	if (lines)
		r = read_ndjson(in, file, ps);
	else if (r == 0 && started && !ended) {
		if (a.inel && !mb_jarr_complete(&a))
			element(file, &a, "unterminated JSON array at end of input");
		else {
			if (a.inel)
				element(file, &a, NULL);
			mb_warn("%s: unterminated JSON array at end of input", file);
		}
	}
	mb_jarr_free(&a);
	return r;
}

static enum fmt
by_name(const char *file)
{
	char *s = mb_xstrdup(file), *dot;
	size_t n = strlen(s);
	enum fmt f = F_AUTO;

	if (n > 4 && strcmp(s + n - 4, ".zst") == 0)
		s[n - 4] = '\0';
	else if (n > 5 && strcmp(s + n - 5, ".zstd") == 0)
		s[n - 5] = '\0';
	if ((dot = strrchr(s, '.')) != NULL) {
		if (strcmp(dot, ".csv") == 0 || strcmp(dot, ".tsv") == 0)
			f = F_CSV;
		else if (strcmp(dot, ".ndjson") == 0 || strcmp(dot, ".jsonl") == 0 ||
		    strcmp(dot, ".ldjson") == 0)
			f = F_NDJSON;
		else if (strcmp(dot, ".json") == 0)
			f = F_JSON;
	}
	free(s);
	return f;
}

static enum fmt
sniff(mb_in *in, enum fmt f)
{
	const char *p;
	size_t n = 0, i = 0, prev;

	if (f == F_NDJSON || f == F_CSV || f == F_ARRAY)
		return f;	/* by name or by --format: no guessing */
	/* A byte order mark, then up to the first byte that is not blank,
	 * however slowly they come. */
	do {
		prev = n;
		n = mb_in_peek(in, &p, 3);
	} while (n < 3 && n > prev);
	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	do {
		prev = n;
		n = mb_in_peek(in, &p, n + 1);
		while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
			i++;
	} while (i >= n && n > prev && i < 65536);
	if (i < n && p[i] == '[')
		return F_ARRAY;
	if (f == F_JSON)
		return F_NDJSON;
	return i < n && p[i] == '{' ? F_NDJSON : F_CSV;
}

/* ---- checkpoint ---------------------------------------------------------- */

typedef struct ckpt {
	char *path;
	uint64_t size, consumed, lines, hash;
	int seen;
	char *types;		/* a CSV file's column types, a JSON object */
} ckpt;

static ckpt *ck;
static size_t nck, capck;

static ckpt *
ck_find(const char *path)
{
	for (size_t i = 0; i < nck; i++)
		if (strcmp(ck[i].path, path) == 0)
			return &ck[i];
	return NULL;
}

static ckpt *
ck_add(const char *path)
{
	ckpt *c = ck_find(path);

	if (c)
		return c;
	if (nck == capck) {
		capck = capck ? capck * 2 : 64;
		ck = mb_xrealloc(ck, capck * sizeof(*ck));
	}
	c = &ck[nck++];
	memset(c, 0, sizeof(*c));
	c->path = mb_xstrdup(path);
	return c;
}

static uint64_t
getu(mb_rec *r, const char *k)
{
	int64_t v = 0;

	mb_rec_int(r, mb_rec_find(r, k), &v);
	return (uint64_t)v;
}

/* A checkpoint's column types, {"A":"string",...}, as a type map. */
static void
ck_map(const char *p, size_t n)
{
	mb_rec *r = mb_rec_new();
	tmap *m;
	mb_ctype t;
	mb_span k, v;

	if (mb_rec_parse(r, p, n) == 0) {
		maps = mb_xrealloc(maps, ((size_t)nmaps + 1) * sizeof(*maps));
		m = &maps[nmaps++];
		memset(m, 0, sizeof(*m));
		m->n = mb_rec_nfields(r);
		m->types = mb_xmalloc((size_t)m->n + 1);
		for (int i = 0; i < m->n; i++) {
			k = mb_rec_key(r, i);
			v = mb_rec_raw(r, mb_rec_field(r, i));
			mb_json_unescape(k.p, k.len, &m->names);
			mb_buf_addc(&m->names, '\0');
			m->types[i] = v.len > 2 && mb_ctype_parse(v.p + 1, v.len - 2, &t) == 0 ?
			    (unsigned char)t : MB_C_STRING;
		}
	}
	mb_rec_free(r);
}

static void
ck_load(void)
{
	mb_buf b = { 0 }, s = { 0 };
	mb_rec *r = mb_rec_new();
	char *p, *nl;
	int ln = 0;

	if (mb_file_read(opt.checkpoint, &b) < 0) {
		if (errno != ENOENT && access(opt.checkpoint, F_OK) == 0)
			mb_die(MB_EXIT_FAIL, "--checkpoint: %s", mb_errmsg());
		mb_rec_free(r);
		mb_buf_free(&b);
		return;
	}
	for (p = b.p; p < b.p + b.len; p = nl + 1) {
		ln++;
		if ((nl = memchr(p, '\n', (size_t)(b.p + b.len - p))) == NULL)
			nl = b.p + b.len;
		if (nl == p)
			continue;
		if (mb_rec_parse(r, p, (size_t)(nl - p)) < 0)
			mb_die(MB_EXIT_USAGE, "%s:%d: not a checkpoint line: %s",
			    opt.checkpoint, ln, mb_errmsg());
		s.len = 0;
		if (mb_rec_str(r, mb_rec_find(r, "path"), &s) < 0)
			mb_die(MB_EXIT_USAGE, "%s:%d: no path", opt.checkpoint, ln);
		ckpt *c = ck_add(mb_buf_cstr(&s));
		c->size = getu(r, "size");
		c->consumed = getu(r, "consumed");
		c->lines = getu(r, "lines");
		s.len = 0;
		mb_rec_str(r, mb_rec_find(r, "xxh3"), &s);
		c->hash = strtoull(mb_buf_cstr(&s), NULL, 16);
		if (mb_rec_type(r, mb_rec_find(r, "types")) == MB_T_OBJ) {
			mb_span t = mb_rec_raw(r, mb_rec_find(r, "types"));

			free(c->types);
			c->types = mb_xstrndup(t.p, t.len);
			ck_map(c->types, t.len);
		}
	}
	mb_rec_free(r);
	mb_buf_free(&b);
	mb_buf_free(&s);
}

static void
ck_save(void)
{
	mb_buf b = { 0 };

	if (opt.checkpoint == NULL)
		return;
	mb_out_flush();
	if (qfd >= 0)
		qflush();
	for (size_t i = 0; i < nck; i++) {
		LIT(&b, "{\"path\":");
		mb_buf_json_str(&b, ck[i].path, strlen(ck[i].path));
		mb_buf_printf(&b, ",\"size\":%llu,\"consumed\":%llu,\"lines\":%llu,\"xxh3\":\"",
		    (unsigned long long)ck[i].size, (unsigned long long)ck[i].consumed,
		    (unsigned long long)ck[i].lines);
		mb_buf_addhex64(&b, ck[i].hash);
		mb_buf_addc(&b, '"');
		if (ck[i].types) {
			LIT(&b, ",\"types\":");
			mb_buf_adds(&b, ck[i].types);
		}
		LIT(&b, "}\n");
	}
	if (mb_file_replace(opt.checkpoint, b.p, b.len) < 0)
		mb_die(MB_EXIT_FAIL, "--checkpoint: %s", mb_errmsg());
	mb_buf_free(&b);
}

/* xxh3-64 of exactly the first n bytes of a file; -1 if it has fewer. */
static int
hash_prefix(const char *path, uint64_t n, uint64_t *out)
{
	uint64_t got;

	return mb_hash_file(path, n, out, &got) == 0 && got == n ? 0 : -1;
}

/* ---- one input ----------------------------------------------------------- */

/*
 * With a checkpoint: 0 when the file has nothing new, else 1 and where to
 * start (skip bytes, lines0 lines already read).  A file whose ingested
 * part changed is read again whole, with a warning.
 */
static int
plan(const char *file, const struct stat *sb, uint64_t *skip, uint64_t *lines0)
{
	ckpt *c = ck_find(file);
	uint64_t h;

	*skip = *lines0 = 0;
	if (c == NULL)
		return 1;
	if ((uint64_t)sb->st_size >= c->consumed &&
	    hash_prefix(file, c->consumed, &h) == 0 && h == c->hash) {
		if ((uint64_t)sb->st_size == c->consumed)
			return 0;
		*skip = c->consumed;
		*lines0 = c->lines;
		return 1;
	}
	mb_warn("%s: changed since the checkpoint; ingesting it again whole", file);
	return 1;
}

static void
ingest(const char *file, pstate *ps)
{
	mb_in *in;
	ckpt *c;
	uint64_t skip = 0, lines0 = 0;
	struct stat sb;
	mb_buf header = { 0 };
	enum fmt f = opt.format == F_AUTO ? by_name(file) : opt.format;
	int r, regular = 0;

	if (strcmp(file, "-") != 0) {
		if (stat(file, &sb) < 0) {
			mb_err("%s: %s", file, strerror(errno));
			status = MB_EXIT_FAIL;
			return;
		}
		regular = S_ISREG(sb.st_mode);
	}
	if (opt.checkpoint && regular && !plan(file, &sb, &skip, &lines0))
		return;
	if (skip > 0) {
		/* Appended lines of a plain CSV or NDJSON file are read from
		 * where the last run stopped; a CSV needs its header first.  A
		 * zstd file or one JSON array is read again whole. */
		if ((in = mb_in_open(file, opt.maxline)) == NULL)
			goto openfail;
		f = sniff(in, f);
		if (mb_in_is_zstd(in) || f == F_ARRAY) {
			skip = lines0 = 0;
			mb_warn("%s: changed since the checkpoint; ingesting it again whole", file);
		} else if (f == F_CSV) {
			mb_line l;

			if (mb_in_line(in, &l) == 1)
				mb_buf_add(&header, l.p, l.len);
		}
		mb_in_close(in);
	}
	in = skip ? mb_in_open_at(file, opt.maxline, skip, lines0) :
	    mb_in_open(file, opt.maxline);
	if (in == NULL)
		goto openfail;
	if (opt.watch > 0 && regular)
		mb_in_set_wait_newline(in, 1);
	cur_in = in;
	src_json.len = 0;
	if (opt.source != NULL)
		file = opt.source;
	mb_buf_json_str(&src_json, file, strlen(file));
	if (!skip && !opt.offsets)
		f = sniff(in, f);
	if (opt.offsets)
		r = read_offsets(in, file);
	else if (f == F_CSV || f == F_AUTO)
		r = read_csv(in, file, skip ? header.p : NULL, header.len, ps);
	else if (f == F_ARRAY)
		r = read_array(in, file, ps);
	else
		r = read_ndjson(in, file, ps);
	st.bytes += mb_in_rawpos(in) - skip;
	ps->done0 += mb_in_rawpos(in);
	if (r < 0) {
		mb_err("%s", mb_errmsg());
		status = MB_EXIT_FAIL;
	} else if (opt.checkpoint && regular) {
		c = ck_add(file);
		c->consumed = mb_in_is_zstd(in) ? mb_in_rawpos(in) : mb_in_consumed(in);
		c->size = (uint64_t)sb.st_size;
		c->lines = mb_in_lineno(in);
		if (hash_prefix(file, c->consumed, &c->hash) < 0)
			c->hash = 0;
		if ((f == F_CSV || f == F_AUTO) && types_json.len > 0) {
			free(c->types);
			c->types = mb_xstrndup(types_json.p, types_json.len);
		}
	}
	cur_in = NULL;
	mb_in_close(in);
	mb_buf_free(&header);
	return;
openfail:
	mb_err("%s", mb_errmsg());
	status = MB_EXIT_FAIL;
	mb_buf_free(&header);
}

static void
onerr(const char *path, const char *msg)
{
	mb_err("%s: %s", path, msg);
	status = MB_EXIT_FAIL;
}

/* Expands the arguments into files: directories walked in name order. */
static void
expand(int argc, char **argv, mb_buf *files, uint64_t *total)
{
	struct stat sb;
	const char *p;

	files->len = 0;
	*total = 0;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-") != 0 && stat(argv[i], &sb) == 0 &&
		    S_ISDIR(sb.st_mode))
			mb_dir_walk(argv[i], files, onerr);
		else
			mb_buf_add(files, argv[i], strlen(argv[i]) + 1);
	}
	for (p = files->p; p < files->p + files->len; p += strlen(p) + 1)
		if (stat(p, &sb) == 0 && S_ISREG(sb.st_mode))
			*total += (uint64_t)sb.st_size;
}

/* --types 'A=string,B=integer,...' */
static void
add_types(const char *spec)
{
	const char *p = spec, *c, *eq;
	mb_ctype t;

	for (;;) {
		size_t k;

		c = strchr(p, ',');
		k = c ? (size_t)(c - p) : strlen(p);
		eq = memchr(p, '=', k);
		if (eq == NULL || eq == p)
			mb_die(MB_EXIT_USAGE, "--types: \"%.*s\" is not NAME=TYPE", (int)k, p);
		if (mb_ctype_parse(eq + 1, k - (size_t)(eq + 1 - p), &t) < 0)
			mb_die(MB_EXIT_USAGE, "--types: %s", mb_errmsg());
		mb_buf_add(&given, p, (size_t)(eq - p));
		mb_buf_addc(&given, '\0');
		mb_buf_addc(&given, (char)t);
		if (c == NULL)
			break;
		p = c + 1;
	}
}

/* --schema FILE: the type of each of the JSON Schema's properties (the
 * first of string, integer, number, boolean in a list of types). */
static void
add_schema(const char *path)
{
	mb_buf b = { 0 }, name = { 0 };
	mb_rec *r = mb_rec_new();
	int props, i, j, v;
	mb_span k, tk, raw;

	if (mb_file_read(path, &b) < 0)
		mb_die(MB_EXIT_USAGE, "--schema: %s", mb_errmsg());
	if (mb_rec_parse(r, b.p, b.len) < 0)
		mb_die(MB_EXIT_USAGE, "--schema %s: not a JSON object: %s", path,
		    mb_errmsg());
	props = mb_rec_find(r, "properties");
	if (mb_rec_type(r, props) != MB_T_OBJ)
		mb_die(MB_EXIT_USAGE, "--schema %s: no \"properties\" object", path);
	for (i = 0; i < mb_rec_len(r, props); i++) {
		int p = mb_rec_child(r, props, i, &k), t = -1;
		mb_ctype ct;

		if (mb_rec_type(r, p) != MB_T_OBJ)
			continue;
		for (j = 0; j < mb_rec_len(r, p); j++) {
			v = mb_rec_child(r, p, j, &tk);
			if (tk.len == 4 && memcmp(tk.p, "type", 4) == 0)
				t = v;
		}
		/* "type": "integer", or ["integer", "null"] */
		for (j = 0; t >= 0; j++) {
			v = mb_rec_type(r, t) == MB_T_ARR ? mb_rec_child(r, t, j, NULL) :
			    j == 0 ? t : -1;
			if (v < 0)
				break;
			raw = mb_rec_raw(r, v);
			if (mb_rec_type(r, v) == MB_T_STR &&
			    mb_ctype_parse(raw.p + 1, raw.len - 2, &ct) == 0) {
				name.len = 0;
				mb_json_unescape(k.p, k.len, &name);
				mb_buf_add(&fromschema, name.p, name.len);
				mb_buf_addc(&fromschema, '\0');
				mb_buf_addc(&fromschema, (char)ct);
				break;
			}
		}
	}
	mb_rec_free(r);
	mb_buf_free(&b);
	mb_buf_free(&name);
}

static void
onsig(int sig)
{
	(void)sig;
	stop = 1;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: mb-ingest [--format auto|csv|ndjson|json] [--delimiter C]\n"
	    "                 [--types NAME=TYPE,...] [--schema FILE]\n"
	    "                 [--infer none|values|columns] [--sample N]\n"
	    "                 [--quarantine FILE] [--checkpoint FILE [--watch SECONDS]]\n"
	    "                 [--source LABEL [--offsets]]\n"
	    "                 [--flatten] [--max-line SIZE] [--stats] [--progress] [-q]\n"
	    "                 [file | dir | -] ...\n");
}

static void
help(void)
{
	usage(stdout);
	printf("\nReads CSV, NDJSON and JSON arrays (plain or .zst) and writes bronze NDJSON\n"
	    "with lineage: _source, _offset, _ingested_at, _hash.  Nothing is dropped: a\n"
	    "line that does not parse becomes {\"_raw\":...,\"_errors\":[...]}.\n\n"
	    "  --format F          auto (default: by name, then content), csv, ndjson, json\n"
	    "  --delimiter C       CSV field separator (default ',', tab for .tsv)\n"
	    "  --types N=T,...     CSV column types: string, integer, number, boolean\n"
	    "  --schema FILE       CSV column types from a JSON Schema's properties\n"
	    "  --infer MODE        other CSV columns: columns (default: a type per column\n"
	    "                      from a sample), values (each value by its text), none\n"
	    "                      (all strings)\n"
	    "  --sample N          rows --infer columns looks at (default 1000)\n"
	    "  --quarantine FILE   append unparseable records to FILE, not stdout\n"
	    "  --checkpoint FILE   remember what was read; a rerun reads only what is new\n"
	    "  --watch SECONDS     with --checkpoint: poll for new files and lines until\n"
	    "                      SIGINT or SIGTERM\n"
	    "  --source LABEL      _source is LABEL (a broker, topic): one input only\n"
	    "  --offsets           with --source: NDJSON lines start [PART:]OFFSET and a\n"
	    "                      tab (kcat -f '%%p:%%o\\t%%s\\n'); _offset is OFFSET,\n"
	    "                      _source LABEL/PART\n"
	    "  --flatten           nested objects become dotted keys (a.b.c)\n"
	    "  --max-line SIZE     longest line kept whole (default 64M)\n"
	    "  --stats             counts and MB/s on stderr at the end\n"
	    "  --progress          a progress line on stderr when it is a terminal\n"
	    "  -q, --quiet         no per-line warnings\n"
	    "  --help, --version\n");
}

static void
run(int argc, char **argv)
{
	mb_buf files = { 0 };
	pstate ps = { 0, 0, mb_time_now_ms() };
	const char *p;

	expand(argc, argv, &files, &ps.total);
	for (p = files.p; p < files.p + files.len && !stop; p += strlen(p) + 1)
		ingest(p, &ps);
	if (ps.total)
		progress_end(&ps);
	mb_buf_free(&files);
}

int
main(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "checkpoint", required_argument, NULL, 'c' },
		{ "delimiter", required_argument, NULL, 'd' },
		{ "flatten", no_argument, NULL, 'F' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "infer", required_argument, NULL, 'i' },
		{ "max-line", required_argument, NULL, 'm' },
		{ "offsets", no_argument, NULL, 'O' },
		{ "progress", no_argument, NULL, 'p' },
		{ "quarantine", required_argument, NULL, 'Q' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "sample", required_argument, NULL, 'S' },
		{ "schema", required_argument, NULL, 'J' },
		{ "source", required_argument, NULL, 'L' },
		{ "stats", no_argument, NULL, 's' },
		{ "types", required_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ "watch", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	static char *stdin_only[] = { "-" };
	int c;
	int64_t t0;
	struct sigaction sa;

	mb_prog_init(argv[0]);
	while ((c = getopt_long(argc, argv, "q", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			opt.checkpoint = optarg;
			break;
		case 'd':
			if (strcmp(optarg, "\\t") == 0 || strcmp(optarg, "tab") == 0)
				opt.delim = '\t';
			else if (strlen(optarg) == 1 && optarg[0] != '"' && optarg[0] != '\n')
				opt.delim = optarg[0];
			else
				mb_die(MB_EXIT_USAGE, "--delimiter: '%s' is not one character", optarg);
			break;
		case 'F':
			opt.flatten = 1;
			break;
		case 'f':
			if (strcmp(optarg, "auto") == 0)
				opt.format = F_AUTO;
			else if (strcmp(optarg, "csv") == 0)
				opt.format = F_CSV;
			else if (strcmp(optarg, "ndjson") == 0)
				opt.format = F_NDJSON;
			else if (strcmp(optarg, "json") == 0)
				opt.format = F_ARRAY;
			else
				mb_die(MB_EXIT_USAGE, "--format: '%s' is not auto, csv, ndjson or json", optarg);
			break;
		case 'h':
			help();
			return mb_finish(MB_EXIT_OK);
		case 'i':
			if (strcmp(optarg, "columns") == 0)
				opt.infer = MB_CSV_INFER_COLUMNS;
			else if (strcmp(optarg, "values") == 0)
				opt.infer = MB_CSV_INFER_VALUES;
			else if (strcmp(optarg, "none") == 0)
				opt.infer = MB_CSV_INFER_NONE;
			else
				mb_die(MB_EXIT_USAGE, "--infer: '%s' is not none, values or columns",
				    optarg);
			break;
		case 'J':
			add_schema(optarg);
			break;
		case 'L':
			if (*optarg == '\0')
				mb_die(MB_EXIT_USAGE, "--source: an empty label");
			opt.source = optarg;
			break;
		case 'm':
			opt.maxline = mb_opt_size("--max-line", optarg);
			break;
		case 'O':
			opt.offsets = 1;
			break;
		case 'p':
			opt.progress = isatty(STDERR_FILENO);
			break;
		case 'Q':
			opt.quarantine = optarg;
			break;
		case 'q':
			mb_set_quiet(1);
			break;
		case 'S':
			opt.sample = (size_t)mb_opt_int("--sample", optarg, 1, 100000000);
			break;
		case 's':
			opt.stats = 1;
			break;
		case 't':
			add_types(optarg);
			break;
		case 'V':
			printf("mb-ingest %s\n", MB_VERSION);
			return mb_finish(MB_EXIT_OK);
		case 'w':
			opt.watch = mb_opt_double("--watch", optarg, 0.01, 86400);
			break;
		default:
			usage(stderr);
			return MB_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		argc = 1;
		argv = stdin_only;
	}
	if (opt.offsets && opt.source == NULL)
		mb_die(MB_EXIT_USAGE, "--offsets needs --source (the name of what the offsets count)");
	if (opt.offsets && opt.format != F_AUTO && opt.format != F_NDJSON)
		mb_die(MB_EXIT_USAGE, "--offsets reads NDJSON messages, not --format csv or json");
	if (opt.source != NULL && (argc > 1 || opt.watch > 0))
		mb_die(MB_EXIT_USAGE, "--source names one input (a broker's stream), not several "
		    "files or --watch");
	if (opt.watch > 0 && opt.checkpoint == NULL)
		mb_die(MB_EXIT_USAGE, "--watch needs --checkpoint (it is what tells new from old)");
	if (opt.checkpoint) {
		for (c = 0; c < argc; c++)
			if (strcmp(argv[c], "-") == 0)
				mb_die(MB_EXIT_USAGE, "--checkpoint: standard input cannot be checkpointed");
		ck_load();
	}
	if (opt.quarantine) {
		qfd = open(opt.quarantine, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (qfd < 0)
			mb_die(MB_EXIT_FAIL, "--quarantine: %s: %s", opt.quarantine, strerror(errno));
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = onsig;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	prec = mb_rec_new();
	t0 = mb_time_now_ms();
	for (;;) {
		run(argc, argv);
		ck_save();
		if (opt.watch <= 0 || stop)
			break;
		mb_out_flush();
		if (qfd >= 0)
			qflush();
		struct timespec ts = { (time_t)opt.watch,
		    (long)((opt.watch - (double)(time_t)opt.watch) * 1e9) };
		nanosleep(&ts, NULL);
		if (stop)
			break;
	}
	if (qfd >= 0) {
		qflush();
		if (close(qfd) < 0)
			mb_die(MB_EXIT_FAIL, "--quarantine: %s: %s", opt.quarantine, strerror(errno));
	}
	if (shown > MAX_SHOWN)
		mb_warn("%llu more malformed lines not shown (see _errors in the output)",
		    (unsigned long long)(shown - MAX_SHOWN));
	if (opt.stats) {
		double secs = (double)(mb_time_now_ms() - t0) / 1000.0;

		mb_buf m = { 0 };

		mb_out_flush();
		mb_buf_printf(&m, "%llu lines, %llu records, %llu malformed, %llu blank, ",
		    (unsigned long long)st.lines, (unsigned long long)st.records,
		    (unsigned long long)st.malformed, (unsigned long long)st.blank);
		if (st.nested)
			mb_buf_printf(&m, "%llu too big to flatten, ",
			    (unsigned long long)st.nested);
		if (st.misfits)
			mb_buf_printf(&m, "%llu values kept as strings, ",
			    (unsigned long long)st.misfits);
		mb_buf_printf(&m, "%.1f MB in %.2f s (%.1f MB/s)",
		    (double)st.bytes / 1e6, secs, secs > 0 ? (double)st.bytes / 1e6 / secs : 0);
		mb_err("%s", mb_buf_cstr(&m));
		mb_buf_free(&m);
	}
	mb_rec_free(prec);
	mb_buf_free(&rec);
	mb_buf_free(&flat);
	mb_buf_free(&prefix);
	mb_flat_free(&fl);
	mb_buf_free(&given);
	mb_buf_free(&fromschema);
	mb_buf_free(&types_json);
	for (int i = 0; i < nmaps; i++) {
		mb_buf_free(&maps[i].names);
		free(maps[i].types);
	}
	free(maps);
	mb_buf_free(&src_json);
	mb_buf_free(&qbuf);
	for (size_t i = 0; i < nck; i++) {
		free(ck[i].path);
		free(ck[i].types);
	}
	free(ck);
	return mb_finish(status);
}
