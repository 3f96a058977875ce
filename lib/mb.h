/*
 * libmb: the library every mb tool is built on.
 *
 * Why it looks like this.  An mb tool is a filter over NDJSON: it reads a
 * line, looks at a few fields, and writes the line out again, mostly
 * unchanged.  The expensive things in such a filter are copying and
 * allocating, so libmb avoids both.  A line is read into a large input
 * buffer and handed out in place (mb_in_line); a record (mb_rec) is the
 * jsmn token array over that line, so a field value is a pointer and a
 * length into the line, never a copy; writing a record back copies the
 * untouched fields' bytes as they were and only formats what was set.
 * Buffers (mb_buf) grow to the largest record seen and are then reused,
 * so the steady state allocates nothing per record.
 *
 * Ownership, one rule everywhere: a pointer handed out by libmb points into
 * an object the caller owns (an mb_in, an mb_rec, an mb_buf) and lives until
 * the next call that refills that object; whoever calls *_new or *_open
 * calls the matching *_free or *_close.
 *
 * The library never exits and never prints, except the "prog" functions at
 * the end of this header, which are the programs' side: messages, exit
 * codes, and stdout.  A library function that fails returns -1 or NULL and
 * leaves a message for mb_errmsg().
 */
#ifndef MB_H
#define MB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define MB_VERSION "0.1.0"

/* Exit statuses, the same in every tool (DESIGN.md). */
enum {
	MB_EXIT_OK = 0,
	MB_EXIT_FAIL = 1,	/* runtime failure: I/O, corrupt input file, memory */
	MB_EXIT_USAGE = 2,	/* bad flag, bad schema, bad expression */
	MB_EXIT_QUALITY = 3	/* a data-quality threshold set by the user */
};

#define MB_MAX_LINE_DEFAULT ((size_t)64 << 20)

/* ---- errors (err.c) ---------------------------------------------------- */

/* The message of the last failure in this thread's calls into libmb. */
const char *mb_errmsg(void);
/* Set it, printf-style; returns -1 so a caller can `return mb_seterr(...)`. */
int mb_seterr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- growable byte buffers (buf.c) ------------------------------------- */

typedef struct mb_buf {
	char *p;
	size_t len, cap;
} mb_buf;

/* All of these abort() on out-of-memory: a tool cannot go on without them
 * and a NULL check at every append would hide the real work. */
void mb_buf_grow(mb_buf *b, size_t need);	/* room for len+need bytes */
void mb_buf_add(mb_buf *b, const void *p, size_t n);
void mb_buf_adds(mb_buf *b, const char *s);
void mb_buf_addc(mb_buf *b, char c);
void mb_buf_printf(mb_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void mb_buf_addi(mb_buf *b, int64_t v);		/* decimal integer */
void mb_buf_addu(mb_buf *b, uint64_t v);
void mb_buf_addhex64(mb_buf *b, uint64_t v);	/* 16 lower-case hex digits */
/* Appends s as a JSON string literal, quotes included.  Invalid UTF-8 bytes
 * become U+FFFD; returns the number of bytes replaced (0 for valid input). */
size_t mb_buf_json_str(mb_buf *b, const char *s, size_t n);
void mb_buf_b64(mb_buf *b, const void *p, size_t n);	/* base64, no quotes */
/* The fields of a record that could not be read (DESIGN.md): "_raw" with
 * its text, "_raw_b64" with its exact bytes when they are not UTF-8, and
 * "_errors" with rule "parse" and msg; appended without braces, so the
 * caller can add fields before closing the object. */
void mb_buf_raw_fields(mb_buf *b, const char *raw, size_t n, const char *msg);
void mb_buf_free(mb_buf *b);
static inline void mb_buf_reset(mb_buf *b) { b->len = 0; }
/* NUL-terminates without counting the NUL in len; returns b->p. */
char *mb_buf_cstr(mb_buf *b);

/* xalloc: malloc/calloc/realloc/strdup that abort() on failure. */
void *mb_xmalloc(size_t n);
void *mb_xcalloc(size_t n, size_t m);
void *mb_xrealloc(void *p, size_t n);
char *mb_xstrdup(const char *s);
char *mb_xstrndup(const char *p, size_t n);	/* n bytes and a NUL */

/* ---- line input (lineio.c) --------------------------------------------- */

/*
 * Reads a file or stdin in large blocks, plain or zstd (recognised by its
 * magic bytes, any number of frames), and hands out lines.  A line handed
 * out lives until the next mb_in_line() on the same mb_in.
 */
typedef struct mb_in mb_in;

typedef struct mb_line {
	char *p;		/* the line, without "\n" or "\r\n" */
	size_t len;
	uint64_t lineno;	/* 1-based line number in the source */
	uint64_t offset;	/* byte offset of the line in the (decompressed) source */
	/* Set when the line was longer than the limit: p/len hold only its
	 * first bytes (at most 4096), full_len the whole length, and hash
	 * the xxh3-64 of the whole line. */
	int toolong;
	uint64_t full_len;
	uint64_t hash;
} mb_line;

/* path "-" or NULL is stdin.  maxline 0 means MB_MAX_LINE_DEFAULT. */
mb_in *mb_in_open(const char *path, size_t maxline);
/* Opens a plain (not zstd) file and starts at byte `skip`, counting lines
 * from `lineno0` + 1: how an appended file is read from where it was left. */
mb_in *mb_in_open_at(const char *path, size_t maxline, uint64_t skip,
    uint64_t lineno0);
/* mb_in over an already open descriptor (not closed by mb_in_close). */
mb_in *mb_in_fdopen(int fd, const char *name, size_t maxline);
/* 1: a line; 0: end of input; -1: read or decompression error (mb_errmsg
 * names the file and byte offset).  A final line without "\n" is a line.
 * With a timeout set, also 2: no whole line yet (the time passed or a
 * signal came); call again later, nothing is lost. */
int mb_in_line(mb_in *in, mb_line *line);
/* 1 when the line holds only spaces and tabs (and is not a cut long line):
 * a blank line is not a record. */
static inline int
mb_line_blank(const mb_line *ln)
{
	size_t k = 0;

	while (k < ln->len && (ln->p[k] == ' ' || ln->p[k] == '\t'))
		k++;
	return k == ln->len && !ln->toolong;
}
/* For a tool that must act while its input is idle (commit on a clock or
 * on SIGTERM): a read waits at most ms milliseconds (-1: no limit) and a
 * signal ends the wait; mb_in_line then returns 2.  May be called before
 * every mb_in_line.  Without it, reads block and retry after signals. */
void mb_in_set_timeout(mb_in *in, int ms);
/* Bytes of input looked at so far, before decompression; total size when
 * known (a regular file), else -1. */
uint64_t mb_in_rawpos(const mb_in *in);
int64_t mb_in_rawsize(const mb_in *in);
const char *mb_in_name(const mb_in *in);
int mb_in_is_zstd(const mb_in *in);
/* First bytes of the (decompressed) input without consuming them, for
 * format sniffing; returns how many are available (at most n).  It reads
 * at most until something new arrived, so on a pipe it may return fewer
 * than n bytes before the end of input: ask again for more. */
size_t mb_in_peek(mb_in *in, const char **p, size_t n);
/* When set, mb_in_line() does not hand out a last line that has no "\n"
 * yet (a file still being written); mb_in_consumed() then says where the
 * complete lines end. */
void mb_in_set_wait_newline(mb_in *in, int on);
uint64_t mb_in_consumed(const mb_in *in);	/* bytes of complete lines handed out */
uint64_t mb_in_lineno(const mb_in *in);	/* number of the last line handed out */
/* 1 when the next mb_in_line() would wait for input: no whole line is
 * buffered and nothing can be read right now. */
int mb_in_idle(const mb_in *in);
/* How many read(2) calls returned data: a change means new input arrived. */
uint64_t mb_in_reads(const mb_in *in);
void mb_in_close(mb_in *in);

/* ---- output (out.c: the programs' stdout) ------------------------------ */

/*
 * One buffered stdout for the whole program.  It is flushed when full, when
 * an mb_in is about to block on input that has nothing to read right now,
 * and by mb_finish().  After mb_prog_init(), a closed pipe downstream ends
 * the program quietly with status 0; any other write error is a message
 * and status 1.
 */
void mb_out(const void *p, size_t n);
void mb_out_buf(const mb_buf *b);	/* writes b->p, b->len */
void mb_out_flush(void);
int mb_out_pending(void);
/* Instead of ending the program, a failed write of stdout (a closed pipe
 * is errno EPIPE) calls fn once and output goes quiet: later writes are
 * dropped.  For a tool that must finish its own work first (a commit). */
void mb_out_on_error(void (*fn)(int err));

/* ---- records (rec.c, over jsmn) ---------------------------------------- */

typedef enum mb_type {
	MB_T_NONE = 0,		/* missing field */
	MB_T_NULL, MB_T_BOOL, MB_T_NUM, MB_T_STR, MB_T_OBJ, MB_T_ARR
} mb_type;

/* A span of the line: the raw JSON text of a value (a string keeps its
 * quotes and escapes). */
typedef struct mb_span {
	const char *p;
	size_t len;
} mb_span;

typedef struct mb_rec mb_rec;

mb_rec *mb_rec_new(void);
void mb_rec_free(mb_rec *r);
/*
 * Parses one line that must hold one JSON object.  Strict JSON: trailing
 * commas, single quotes, unquoted keys, bad escapes, control bytes in
 * strings, invalid UTF-8 and garbage after the object are errors, and so
 * is nothing at all.  0 on success; -1 with mb_errmsg() "column N: ...".
 * The record points into p, which must outlive it; edits are dropped.
 */
int mb_rec_parse(mb_rec *r, const char *p, size_t n);
/* Top-level fields, in order, and their value types. */
int mb_rec_nfields(const mb_rec *r);
mb_span mb_rec_key(const mb_rec *r, int i);	/* raw, without quotes */
int mb_rec_field(const mb_rec *r, int i);	/* value handle of field i */
/*
 * A value handle (an index into the record's tokens) for a field: a name,
 * or a dotted path into nested objects ("customer.address.city").  A key
 * that itself contains a dot is found too, when it exists as written.
 * -1 when missing.
 */
int mb_rec_find(const mb_rec *r, const char *path);
int mb_rec_findn(const mb_rec *r, const char *path, size_t n);
/* The same for a hot loop: *hint (start it at -1) remembers where the
 * field was in the last record, and is tried first; records of one stream
 * nearly always keep their field order. */
int mb_rec_findh(const mb_rec *r, const char *path, size_t n, int *hint);
mb_type mb_rec_type(const mb_rec *r, int v);	/* MB_T_NONE for v < 0 */
mb_span mb_rec_raw(const mb_rec *r, int v);	/* raw JSON text of a value */
/* Members of an object or array value: count, and the handle of the i-th
 * value (and key, for objects). */
int mb_rec_len(const mb_rec *r, int v);
int mb_rec_child(const mb_rec *r, int v, int i, mb_span *key);
/* The member after handle c of object or array v (c = -1: the first), and
 * its key for an object; -1 after the last.  A loop over all members with
 * it is linear, where mb_rec_child() for each i is quadratic. */
int mb_rec_next(const mb_rec *r, int v, int c, mb_span *key);

/* Typed reads; each returns 0, or -1 with mb_errmsg() when the value is
 * missing, null, of another type, or does not fit. */
int mb_rec_str(const mb_rec *r, int v, mb_buf *out);	/* unescaped, appended */
int mb_rec_int(const mb_rec *r, int v, int64_t *out);
int mb_rec_double(const mb_rec *r, int v, double *out);
int mb_rec_bool(const mb_rec *r, int v, int *out);

/*
 * Edits, applied by mb_rec_write: set replaces a field's value (or appends
 * the field when it is absent); del removes it.  `json` is a JSON value's
 * text, copied.  Edits are forgotten by the next mb_rec_parse.
 */
void mb_rec_set(mb_rec *r, const char *key, const char *json, size_t n);
void mb_rec_set_str(mb_rec *r, const char *key, const char *s, size_t n);
void mb_rec_set_int(mb_rec *r, const char *key, int64_t v);
void mb_rec_del(mb_rec *r, const char *key);
/* Appends the record, with its edits, to b as one line with "\n".  Fields
 * not edited are copied byte for byte. */
void mb_rec_write(const mb_rec *r, mb_buf *b);

/* JSON text helpers. */
/* Validates a JSON value (strict, as mb_rec_parse) and its UTF-8; 0 or -1
 * with "column N: ..." in mb_errmsg(). */
int mb_json_check(const char *p, size_t n);
/* The same, and the value must be an object: what one NDJSON line is. */
int mb_json_check_object(const char *p, size_t n);
/* The same, and *lineage says whether the object has a top-level key
 * "_source" (a record that already carries mb lineage). */
int mb_json_check_line(const char *p, size_t n, int *lineage);
/* The same check of an object, which also lists its top-level fields in
 * `fields` (an array of mb_jfield, replaced): how mb_rec_parse reads a
 * line in one pass. */
typedef struct mb_jfield {
	size_t ks, ke;		/* the key's raw text, without quotes */
	size_t vs, ve;		/* the value's raw text (a string with its quotes) */
	int kesc;		/* the key has backslash escapes */
} mb_jfield;
int mb_json_scan_object(const char *p, size_t n, mb_buf *fields);
/* Unescapes the body of a JSON string (without quotes), appending to out. */
int mb_json_unescape(const char *p, size_t n, mb_buf *out);
/* Checks UTF-8; returns the offset of the first bad byte, or -1. */
long mb_utf8_bad(const char *p, size_t n);
/* Length (1..4) of the valid UTF-8 sequence at p, or 0 when it is not. */
size_t mb_utf8_seq(const unsigned char *p, size_t n);
/* Code points in valid UTF-8 text (bytes that do not continue one). */
size_t mb_utf8_len(const char *s, size_t n);

/* ---- display width (width.c) ------------------------------------------- */

/* Decodes the valid UTF-8 sequence at p: its length (1..4) and *cp, or 0
 * when it is not valid (n must be at least 1). */
size_t mb_utf8_decode(const char *p, size_t n, uint32_t *cp);
/* Terminal columns of a code point: 2 for East Asian wide and fullwidth
 * characters, 0 for combining marks and format characters, -1 for C0 and
 * C1 controls, else 1. */
int mb_cp_width(uint32_t cp);
/* Columns of UTF-8 text: controls count 0, a byte that is not UTF-8 1. */
size_t mb_utf8_width(const char *p, size_t n);
/* ---- flattening nested objects (flatten.c) ----------------------------- */

/*
 * The leaves of a JSON object (text already checked, as mb_rec_parse
 * does), one at a time: every member value that is not a non-empty
 * object, with its key path: prefix, sep, key, sep, key... (key, sep,
 * key... when prefix is NULL), the keys unescaped.  Empty objects and arrays are leaves.  One pass over the
 * text, no recursion: any depth, in time linear in the text.  A key and
 * value handed out live until the next call; the mb_flat (zero it
 * first) is reused from object to object and freed by mb_flat_free.
 */
typedef struct mb_flat {
	const char *p;
	size_t n, i;
	char sep;
	mb_buf key;		/* the path of the current leaf */
	mb_buf open;		/* per open object: the length of its path */
} mb_flat;

/* 1: the object has members; 0: it is empty; -1: it is not an object. */
int mb_flat_start(mb_flat *f, const char *obj, size_t n, const char *prefix,
    size_t plen, char sep);
/* 1 and the next leaf, 0 at the end, -1 on text that is not JSON. */
int mb_flat_next(mb_flat *f, mb_span *key, mb_span *val);
void mb_flat_free(mb_flat *f);

/* ---- JSON arrays (jarray.c) -------------------------------------------- */

/*
 * The elements of a JSON array fed byte by byte after its "[", however it
 * is spread over lines.  It follows the array's syntax (strings, nesting,
 * where a comma, colon or bracket may come), not an element's details
 * (numbers, escapes), which the caller checks on the element joined onto
 * one line: el, where a line break is a blank; raw holds its exact bytes.
 * A zeroed mb_jarr is one at the start of an array.
 */
typedef struct mb_jarr {
	int x, key, esc;	/* where in the syntax (jarray.c) */
	mb_buf stk;		/* the element's open brackets */
	mb_buf el, raw;
	int inel;		/* an element has started */
	uint64_t elline;	/* on this line */
} mb_jarr;

enum {
	MB_JA_MORE = 0,		/* the byte was taken */
	MB_JA_ELEMENT,		/* its "," ended an element: take it */
	MB_JA_LAST,		/* its "]" ended an element and the array */
	MB_JA_END,		/* its "]" ended the array */
	MB_JA_BREAK		/* it is not array syntax here (not taken) */
};
int mb_jarr_byte(mb_jarr *a, char c, uint64_t lineno);
/* At the end of each line: MB_JA_MORE, or MB_JA_BREAK inside a string. */
int mb_jarr_eol(mb_jarr *a);
/* Is an element read whole (its comma or bracket still to come)? */
int mb_jarr_complete(const mb_jarr *a);
/* The element in el and raw without the blanks around it; then
 * mb_jarr_clear() for the next one. */
void mb_jarr_trim(mb_jarr *a);
void mb_jarr_clear(mb_jarr *a);
void mb_jarr_free(mb_jarr *a);

/* ---- exact decimals (dec.c) -------------------------------------------- */

/*
 * A decimal number is an integer mantissa and a count of digits after the
 * point: 12.50 is {1250, 2}.  Sums of decimal literals are exact; a result
 * that does not fit is an error, never a rounding.
 */
typedef struct mb_dec {
	__int128 v;
	int scale;		/* 0..30 */
} mb_dec;

int mb_dec_parse(const char *p, size_t n, mb_dec *out);	/* JSON number text */
/* The common case on its own: -?digits[.digits] with at most 18 digits,
 * as a 64-bit mantissa and a scale; -1 for anything else. */
int mb_dec_parse64(const char *p, size_t n, int64_t *m, int *scale);
int mb_dec_add(mb_dec a, mb_dec b, mb_dec *out);
int mb_dec_sub(mb_dec a, mb_dec b, mb_dec *out);
int mb_dec_mul(mb_dec a, mb_dec b, mb_dec *out);
/* a / b rounded half away from zero to `scale` digits. */
int mb_dec_div(mb_dec a, mb_dec b, int scale, mb_dec *out);
int mb_dec_cmp(mb_dec a, mb_dec b);
mb_dec mb_dec_round(mb_dec a, int scale);	/* half away from zero */
double mb_dec_to_double(mb_dec a);
void mb_buf_dec(mb_buf *b, mb_dec a);		/* plain text, no exponent */
int mb_rec_dec(const mb_rec *r, int v, mb_dec *out);

/* ---- time (time.c) ----------------------------------------------------- */

/*
 * Times are int64 milliseconds since 1970-01-01T00:00:00Z.  Parsing takes
 * RFC 3339 / ISO 8601 with "T" or " ", optional fractions and a "Z" or
 * +hh:mm offset (no offset means UTC), a plain date, and epoch seconds or
 * milliseconds as numbers (by magnitude: above 1e11 is milliseconds).
 * No strptime, no mktime, no time zone database.  A time is one of the
 * years 0000 to 9999 (what RFC 3339 can write); a time outside them is
 * an error of its own, "time out of range".
 */
#define MB_TIME_MIN (-62167219200000LL)	/* 0000-01-01T00:00:00.000Z */
#define MB_TIME_MAX 253402300799999LL	/* 9999-12-31T23:59:59.999Z */
int mb_time_parse(const char *p, size_t n, int64_t *ms);
int64_t mb_time_now_ms(void);
/* "2025-07-04T12:00:00.000Z" (24 bytes) appended to b. */
void mb_time_fmt(mb_buf *b, int64_t ms);
void mb_time_fmt_date(mb_buf *b, int64_t ms);	/* "2025-07-04" */
/* Civil date parts of a UTC time. */
typedef struct mb_tm {
	int year, month, day, hour, min, sec, ms;
	int wday;		/* 1 = Sunday .. 7 = Saturday, as Spark's dayofweek */
	int yday;		/* 1..366 */
} mb_tm;
void mb_time_split(int64_t ms, mb_tm *tm);
int64_t mb_days_from_civil(int64_t y, unsigned m, unsigned d);
/* Parses "30s", "15m", "168h", "7d", "500ms" into milliseconds. */
int mb_duration_parse(const char *s, int64_t *ms);

/* ---- hashing (hash.c, over xxHash) ------------------------------------- */

uint64_t mb_hash(const void *p, size_t n);	/* xxh3-64 */
/* xxh3-64 of a file's first `limit` bytes (UINT64_MAX: all of it); *size,
 * if not NULL, says how many were read (fewer when the file is shorter).
 * 0, or -1 with errno and mb_errmsg() (which does not repeat the path). */
int mb_hash_file(const char *path, uint64_t limit, uint64_t *hash, uint64_t *size);

/* ---- CSV (csv.c, over libcsv) ------------------------------------------ */

/*
 * Turns CSV text, fed line by line, into NDJSON records.  The first row is
 * the header.  An empty unquoted field is null; other values are typed by
 * their column's type, or by their own text (MB_C_VALUE, the default): an
 * integer without leading zeros that fits int64, or a decimal such as
 * -12.50 or 1e3, is a number (its text kept as written); true/false (any
 * case) a boolean; anything else a string.  A UTF-8 BOM is skipped.
 */
typedef struct mb_csv mb_csv;

/* Column types.  A value that does not fit its column's type is kept as
 * a string and counted (mb_csv_misfits). */
typedef enum mb_ctype {
	MB_C_INFER = 0,		/* not decided yet: inferred from a sample */
	MB_C_VALUE,		/* each value by its own text */
	MB_C_STRING,		/* the text as it is */
	MB_C_INTEGER,		/* [+-]digits, maybe ".0": 17850.0 is 17850 */
	MB_C_NUMBER,		/* a decimal, its digits as written */
	MB_C_BOOLEAN		/* true or false, any case */
} mb_ctype;
enum { MB_CSV_INFER_VALUES = 0, MB_CSV_INFER_NONE, MB_CSV_INFER_COLUMNS };

typedef struct mb_csv_row {
	const char *json;	/* the record, "{...}" without "\n" */
	size_t json_len;
	const char *raw;	/* the row's text as read, lines joined by "\n" */
	size_t raw_len;
	uint64_t lineno;	/* line where the row starts */
	const char *error;	/* non-NULL: the row is bad (ragged, unclosed quote...) */
} mb_csv_row;

mb_csv *mb_csv_new(char delim, size_t maxrow);
void mb_csv_free(mb_csv *c);
/* Sets the header from a line of CSV text (for a file read from the middle). */
int mb_csv_set_header(mb_csv *c, const char *line, size_t n);
int mb_csv_has_header(const mb_csv *c);
int mb_csv_has_key(const mb_csv *c, const char *name);
/* Feeds one line (without its "\n").  Rows completed by it are queued;
 * take them with mb_csv_next() before feeding the next line. */
int mb_csv_feed(mb_csv *c, const char *line, size_t n, uint64_t lineno);
/* At end of input: a pending row (an unclosed quote) is queued as bad rows,
 * one per line it spans. */
void mb_csv_finish(mb_csv *c);
/* 1 and a row, or 0 when the queue is empty.  Valid until the next call. */
int mb_csv_next(mb_csv *c, mb_csv_row *row);
/*
 * Typing by column, set before the first feed.  infer: what a column with
 * no type set gets: MB_CSV_INFER_VALUES (MB_C_VALUE), _NONE (MB_C_STRING)
 * or _COLUMNS: the narrowest of boolean, integer, number, string that all
 * non-empty values of its first `sample` rows (0: 1000) fit, a column
 * empty in all of them being a string.  While those rows are read they
 * are held back: mb_csv_next gives nothing until mb_csv_decide (called by
 * itself after `sample` rows and by mb_csv_finish; a caller whose input
 * goes idle may call it sooner).
 */
void mb_csv_set_infer(mb_csv *c, int infer, size_t sample);
void mb_csv_set_type(mb_csv *c, const char *name, size_t n, mb_ctype t);
/* fn is called once the header is read, with the types set by name
 * applied; it may look at the columns and set more (mb_csv_set_col).
 * A type set by name converts what it can (007 and 17850.0 are integers,
 * 7 and 17850); an inferred one, or one set by mb_csv_set_col, takes the
 * values a sample could have shown, as written (007 is not an integer). */
void mb_csv_on_header(mb_csv *c, void (*fn)(mb_csv *, void *), void *ctx);
int mb_csv_ncols(const mb_csv *c);	/* 0 until the header is read */
mb_ctype mb_csv_col(const mb_csv *c, int i, const char **name, size_t *n);
void mb_csv_set_col(mb_csv *c, int i, mb_ctype t);
int mb_csv_sampling(const mb_csv *c);
void mb_csv_decide(mb_csv *c);
/* Values kept as strings because they did not fit their column's type;
 * when there are any, the first one's column, line and text (its first
 * 60 bytes). */
uint64_t mb_csv_misfits(const mb_csv *c, const char **col, size_t *coln,
    uint64_t *lineno, const char **text, size_t *textn);
const char *mb_ctype_name(mb_ctype t);
/* "string", "integer", "number", "boolean"; -1 and mb_errmsg() else. */
int mb_ctype_parse(const char *s, size_t n, mb_ctype *t);

/* ---- files (file.c) ---------------------------------------------------- */

/* Writes data to path atomically: a temp file beside it, fsync, rename,
 * fsync of the folder.  0 or -1. */
int mb_file_replace(const char *path, const void *p, size_t n);
/* write(2) until all n bytes are out, again after EINTR; 0, or -1 with
 * errno. */
int mb_write_all(int fd, const void *p, size_t n);
/* fsync(2) of a folder, so that a rename or create in it is durable; 0,
 * or -1 with mb_errmsg(). */
int mb_fsync_dir(const char *dir);
/* Reads a whole (small) file into b; 0 or -1. */
int mb_file_read(const char *path, mb_buf *b);
/* Lists a directory tree's regular files in name order, skipping names
 * that start with "." or "_".  Paths are appended, NUL-separated, to out;
 * returns the count, or -1 (unreadable folders are reported through
 * `onerr` and skipped). */
long mb_dir_walk(const char *dir, mb_buf *out,
    void (*onerr)(const char *path, const char *msg));
/* The same without following symbolic links below dir: a link is listed
 * as it is, as a file. */
long mb_dir_walk_nofollow(const char *dir, mb_buf *out,
    void (*onerr)(const char *path, const char *msg));

/* ---- prog: the programs' side (prog.c) --------------------------------- */

/* Sets the name used in messages and ignores SIGPIPE (EPIPE is handled by
 * the output functions).  Call first in main(). */
void mb_prog_init(const char *name);
const char *mb_prog_name(void);
void mb_set_quiet(int q);	/* --quiet: mb_warn prints nothing */
/* "mb-X: message\n" on stderr.  mb_warn is silenced by --quiet; mb_die
 * flushes stdout first and exits with status. */
void mb_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mb_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void mb_die(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Flushes and closes stdout; returns 0, or 1 after a message when that
 * failed.  `return mb_finish(status)` ends main: the result is status, or 1
 * when stdout failed. */
int mb_finish(int status);
/* Checked number parsing for option values: the whole string must be a
 * number in [min, max]; otherwise a usage message naming the option and
 * exit status 2. */
int64_t mb_opt_int(const char *opt, const char *s, int64_t min, int64_t max);
double mb_opt_double(const char *opt, const char *s, double min, double max);
size_t mb_opt_size(const char *opt, const char *s);	/* 64M, 1G, 4096 */

#endif
