/*
 * mb-table: reads NDJSON records and prints them for a person: an aligned
 * text table (the default), CSV with a header for a spreadsheet (--csv),
 * or a Markdown table (--md).
 *
 * The columns are the fields in the order they first appear (or
 * --fields).  The first --sample records decide the columns and their
 * widths; then the header and those records are printed, and every
 * further record is printed as it arrives, cut to the same widths, so a
 * stream shows up as it flows.  Widths count terminal columns (a wide
 * CJK character is two, a combining mark none); control characters are
 * shown escaped, never sent to the terminal; nested values are shown as
 * compact JSON.  A line that is not JSON is shown as a record with only
 * a "_raw" field.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "mb.h"
#include "htab.h"

enum { TEXT, CSV, MD };

/* A sampled line: its bytes in T.sbuf, and where it came from. */
typedef struct sline {
	size_t off, len;
	uint64_t lineno;
	const char *name;
	int toolong;
} sline;

/* A record's value for one column: a value handle, or a raw line. */
typedef struct cellv {
	int v;			/* -1: missing */
	const char *raw;	/* not NULL: the text of a line that is not JSON */
	size_t rawn;
} cellv;

static struct {
	int fmt;
	int bom;
	size_t maxw;		/* 0: no limit */
	size_t sample;
	int fixed;		/* --fields given */
	/* columns */
	mb_htab *colix;		/* name -> column number + 1 */
	char **names;
	size_t *nlen;
	size_t *width;
	int *nums, *others;	/* sampled numbers and other non-null values */
	int *hint;
	int ncols, capcols;
	int rawcol;		/* column of "_raw", or -1 */
	cellv *val;
	int *pos;		/* column of the last record's field i */
	int npos;
	/* the sample */
	mb_buf sbuf;
	sline *s;
	size_t ns, caps;
	int started;
	/* fields that came after the header */
	mb_htab *lost;
	mb_buf lostnames;
	size_t nlost;
	/* per record */
	const char *curname;
	mb_buf cell, tmp, out, key;
} T;

static void
usage(FILE *f)
{
	fprintf(f, "usage: mb-table [--csv [--bom] | --md] [--fields F,...] "
	    "[--max-width N]\n"
	    "                [--sample N] [--quiet] [file ...]\n");
}

static void
help(void)
{
	usage(stdout);
	printf("\n"
	    "      --csv            CSV with a header (RFC 4180 quoting)\n"
	    "      --bom            with --csv: a UTF-8 byte order mark first, "
	    "for Excel\n"
	    "      --md             a Markdown table\n"
	    "  -f, --fields F,...   these columns, in this order (dotted paths "
	    "too)\n"
	    "  -w, --max-width N    cut longer values with an ellipsis "
	    "(default 40, 0: none)\n"
	    "  -n, --sample N       records that set the columns and widths "
	    "(default 100)\n"
	    "  -q, --quiet          no warnings\n"
	    "      --help, --version\n");
	exit(mb_finish(MB_EXIT_OK));
}

static _Noreturn void
bad_usage(const char *fmt, const char *arg)
{
	char msg[512];

	snprintf(msg, sizeof(msg), fmt, arg);
	mb_err("%s", msg);
	usage(stderr);
	exit(MB_EXIT_USAGE);
}

/* ---- columns -------------------------------------------------------- */

static int
add_col(const char *name, size_t n)
{
	int *slot, created, c;

	slot = mb_htab_put(T.colix, name, n, &created);
	if (!created)
		return *slot - 1;
	if (T.ncols == T.capcols) {
		size_t cap = T.capcols ? (size_t)T.capcols * 2 : 16;
		T.names = mb_xrealloc(T.names, cap * sizeof(char *));
		T.nlen = mb_xrealloc(T.nlen, cap * sizeof(size_t));
		T.width = mb_xrealloc(T.width, cap * sizeof(size_t));
		T.nums = mb_xrealloc(T.nums, cap * sizeof(int));
		T.others = mb_xrealloc(T.others, cap * sizeof(int));
		T.hint = mb_xrealloc(T.hint, cap * sizeof(int));
		T.val = mb_xrealloc(T.val, cap * sizeof(cellv));
		T.capcols = (int)cap;
	}
	c = T.ncols++;
	*slot = c + 1;
	T.names[c] = mb_xstrndup(name, n);
	T.nlen[c] = n;
	T.width[c] = 0;
	T.nums[c] = T.others[c] = 0;
	T.hint[c] = -1;
	T.val[c].v = -1;
	T.val[c].raw = NULL;
	if (n == 4 && memcmp(name, "_raw", 4) == 0)
		T.rawcol = c;
	return c;
}

static void
add_fields(const char *arg)
{
	const char *p = arg, *c;

	for (;;) {
		c = strchr(p, ',');
		if ((c ? (size_t)(c - p) : strlen(p)) == 0)
			bad_usage("--fields \"%s\": empty field name", arg);
		add_col(p, c ? (size_t)(c - p) : strlen(p));
		if (c == NULL)
			break;
		p = c + 1;
	}
}

/* The name of a record's field i, unescaped when it has escapes. */
static void
field_name(const mb_rec *r, int i, const char **p, size_t *n)
{
	mb_span k = mb_rec_key(r, i);

	if (memchr(k.p, '\\', k.len) == NULL) {
		*p = k.p;
		*n = k.len;
		return;
	}
	mb_buf_reset(&T.key);
	mb_json_unescape(k.p, k.len, &T.key);
	*p = T.key.p;
	*n = T.key.len;
}

static void
lose(const char *name, size_t n)
{
	int created;

	mb_htab_put(T.lost, name, n, &created);
	if (!created)
		return;
	if (T.nlost++ < 5) {
		if (T.lostnames.len > 0)
			mb_buf_adds(&T.lostnames, ", ");
		mb_buf_add(&T.lostnames, name, n);
	}
}

/*
 * Fills T.val for one record (r parsed, or raw not NULL for a line that
 * is not JSON).  Before the header, new fields become columns; after it,
 * they are noted as not shown.
 */
static void
map_record(const mb_rec *r, const char *raw, size_t rawn)
{
	int i, c;

	for (c = 0; c < T.ncols; c++) {
		T.val[c].v = -1;
		T.val[c].raw = NULL;
	}
	if (raw != NULL) {
		if (T.rawcol < 0 && !T.started && !T.fixed)
			add_col("_raw", 4);
		if (T.rawcol < 0) {
			lose("_raw", 4);
			return;
		}
		T.val[T.rawcol].raw = raw;
		T.val[T.rawcol].rawn = rawn;
		return;
	}
	if (T.fixed) {
		for (c = 0; c < T.ncols; c++)
			T.val[c].v = mb_rec_findh(r, T.names[c], T.nlen[c], &T.hint[c]);
		return;
	}
	for (i = 0; i < mb_rec_nfields(r); i++) {
		const char *k;
		size_t kn;
		int *slot;

		field_name(r, i, &k, &kn);
		/* records of a stream keep their field order: try the column
		 * field i had in the last record first */
		if (i < T.npos && (c = T.pos[i]) >= 0 && T.nlen[c] == kn &&
		    memcmp(T.names[c], k, kn) == 0)
			goto found;
		slot = mb_htab_get(T.colix, k, kn);
		if (slot == NULL) {
			if (T.started) {
				lose(k, kn);
				continue;
			}
			c = add_col(k, kn);
		} else
			c = *slot - 1;
		if (i >= T.npos) {
			T.pos = mb_xrealloc(T.pos, ((size_t)i + 1) * sizeof(int));
			while (T.npos <= i)
				T.pos[T.npos++] = -1;
		}
		T.pos[i] = c;
found:
		if (T.val[c].v < 0)
			T.val[c].v = mb_rec_field(r, i);
	}
}

/* ---- cells ------------------------------------------------------------ */

/* Removes the blanks between JSON tokens. */
static void
compact(const char *p, size_t n, mb_buf *out)
{
	size_t i;
	int instr = 0;

	for (i = 0; i < n; i++) {
		char ch = p[i];
		if (instr) {
			mb_buf_addc(out, ch);
			if (ch == '\\' && i + 1 < n)
				mb_buf_addc(out, p[++i]);
			else if (ch == '"')
				instr = 0;
		} else if (ch == '"') {
			instr = 1;
			mb_buf_addc(out, ch);
		} else if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r')
			mb_buf_addc(out, ch);
	}
}

/*
 * Appends text for a terminal: control characters and bytes that are not
 * UTF-8 escaped (\n, \t, \r, \xHH, \u0085), "|" as "\|" in Markdown.
 * Returns the columns it takes.
 */
static size_t
sanitize(const char *p, size_t n, mb_buf *out)
{
	size_t i = 0, w = 0, k;
	uint32_t cp;
	int cw;

	while (i < n) {
		unsigned char ch = (unsigned char)p[i];
		size_t j = i;

		/* a run of printable ASCII goes out as it is */
		while (j < n && (unsigned char)p[j] >= 0x20 &&
		    (unsigned char)p[j] < 0x7f && (p[j] != '|' || T.fmt != MD))
			j++;
		if (j > i) {
			mb_buf_add(out, p + i, j - i);
			w += j - i;
			i = j;
			continue;
		}
		if (ch == '|') {
			mb_buf_add(out, "\\|", 2);
			w += 2;
			i++;
			continue;
		}
		if (ch < 0x80 || (k = mb_utf8_decode(p + i, n - i, &cp)) == 0) {
			if (ch == '\n' || ch == '\t' || ch == '\r') {
				mb_buf_addc(out, '\\');
				mb_buf_addc(out, ch == '\n' ? 'n' : ch == '\t' ? 't' : 'r');
				w += 2;
			} else {
				mb_buf_printf(out, "\\x%02x", ch);
				w += 4;
			}
			i++;
			continue;
		}
		cw = mb_cp_width(cp);
		if (cw < 0) {		/* C1 controls */
			mb_buf_printf(out, "\\u%04x", (unsigned)cp);
			w += 6;
		} else {
			mb_buf_add(out, p + i, k);
			w += (size_t)cw;
		}
		i += k;
	}
	return w;
}

/* The length of the unit at p: an escape sanitize made, or a character. */
static size_t
unit(const char *p, size_t n, int *w)
{
	uint32_t cp;
	size_t k;

	if (p[0] == '\\' && n >= 2) {
		*w = p[1] == 'x' ? 4 : p[1] == 'u' ? 6 : 2;
		if ((size_t)*w > n || (p[1] != 'x' && p[1] != 'u' &&
		    p[1] != 'n' && p[1] != 't' && p[1] != 'r' && p[1] != '|'))
			*w = 1;
		return (size_t)*w;
	}
	k = mb_utf8_decode(p, n, &cp);
	if (k == 0)
		k = 1;
	*w = (unsigned char)p[0] < 0x80 ? 1 : mb_cp_width(cp);
	if (*w < 0)
		*w = 1;
	return k;
}

/* Cuts the display text in T.cell (from byte `start`, w columns) to at
 * most `limit` columns, the last one an ellipsis. */
static size_t
cut(size_t start, size_t w, size_t limit)
{
	const char *p = T.cell.p + start;
	size_t n = T.cell.len - start, i = 0, got = 0;
	int uw;

	if (limit == 0 || w <= limit)
		return w;
	while (i < n) {
		size_t k = unit(p + i, n - i, &uw);
		if (got + (size_t)uw > limit - 1)
			break;
		got += (size_t)uw;
		i += k;
	}
	/* combining marks stay with the character they follow */
	while (i < n) {
		size_t k = unit(p + i, n - i, &uw);
		if (uw != 0)
			break;
		i += k;
	}
	T.cell.len = start + i;
	mb_buf_adds(&T.cell, "\xe2\x80\xa6");
	return got + 1;
}

/*
 * Puts a value's display text in T.cell, cut to `limit` columns, and
 * returns its width; *type gets its JSON type.
 */
static size_t
render(const mb_rec *r, const cellv *cv, size_t limit, mb_type *type)
{
	mb_span s;
	size_t w;

	mb_buf_reset(&T.cell);
	if (cv->raw != NULL) {
		*type = MB_T_STR;
		w = sanitize(cv->raw, cv->rawn, &T.cell);
		return cut(0, w, limit);
	}
	*type = mb_rec_type(r, cv->v);
	s = mb_rec_raw(r, cv->v);
	switch (*type) {
	case MB_T_NONE:
		return 0;
	case MB_T_STR:
		mb_buf_reset(&T.tmp);
		mb_json_unescape(s.p + 1, s.len - 2, &T.tmp);
		w = sanitize(T.tmp.p, T.tmp.len, &T.cell);
		break;
	case MB_T_OBJ:
	case MB_T_ARR:
		mb_buf_reset(&T.tmp);
		compact(s.p, s.len, &T.tmp);
		w = sanitize(T.tmp.p, T.tmp.len, &T.cell);
		break;
	default:		/* numbers, booleans, null: their JSON text */
		w = sanitize(s.p, s.len, &T.cell);
		break;
	}
	return cut(0, w, limit);
}

/* Appends a CSV field: quoted when it holds a comma, a quote, CR or LF,
 * or is empty text (which an empty field, null, is not). */
static void
csv_field(mb_buf *b, const char *p, size_t n, int text)
{
	size_t i;

	if (!(text && n == 0) && memchr(p, ',', n) == NULL && memchr(p, '"', n) == NULL &&
	    memchr(p, '\r', n) == NULL && memchr(p, '\n', n) == NULL) {
		mb_buf_add(b, p, n);
		return;
	}
	mb_buf_addc(b, '"');
	for (i = 0; i < n; i++) {
		if (p[i] == '"')
			mb_buf_addc(b, '"');
		mb_buf_addc(b, p[i]);
	}
	mb_buf_addc(b, '"');
}

/* Valid UTF-8 of a raw line for CSV: bad bytes become U+FFFD. */
static void
utf8_fix(const char *p, size_t n, mb_buf *out)
{
	size_t i = 0, k;

	while (i < n) {
		k = mb_utf8_seq((const unsigned char *)p + i, n - i);
		if (k == 0) {
			mb_buf_adds(out, "\xef\xbf\xbd");
			i++;
		} else {
			mb_buf_add(out, p + i, k);
			i += k;
		}
	}
}

static void
csv_cell(mb_buf *b, const mb_rec *r, const cellv *cv)
{
	mb_span s;

	mb_buf_reset(&T.tmp);
	if (cv->raw != NULL) {
		utf8_fix(cv->raw, cv->rawn, &T.tmp);
		csv_field(b, T.tmp.p, T.tmp.len, 1);
		return;
	}
	s = mb_rec_raw(r, cv->v);
	switch (mb_rec_type(r, cv->v)) {
	case MB_T_NONE:
	case MB_T_NULL:
		return;
	case MB_T_STR:
		mb_json_unescape(s.p + 1, s.len - 2, &T.tmp);
		csv_field(b, T.tmp.p, T.tmp.len, 1);
		return;
	case MB_T_OBJ:
	case MB_T_ARR:
		compact(s.p, s.len, &T.tmp);
		csv_field(b, T.tmp.p, T.tmp.len, 0);
		return;
	default:
		csv_field(b, s.p, s.len, 0);
		return;
	}
}

/* ---- lines ------------------------------------------------------------ */

static int
right(int c)
{
	return T.nums[c] > 0 && T.others[c] == 0;
}

static void
spaces(mb_buf *b, size_t n)
{
	mb_buf_grow(b, n);
	memset(b->p + b->len, ' ', n);
	b->len += n;
}

/* Appends cell text of w columns padded to the column's width. */
static void
pad(mb_buf *b, int c, const char *p, size_t n, size_t w)
{
	size_t fill = T.width[c] > w ? T.width[c] - w : 0;

	if (right(c))
		spaces(b, fill);
	mb_buf_add(b, p, n);
	if (!right(c))
		spaces(b, fill);
}

static void
end_line(mb_buf *b)
{
	if (T.fmt == TEXT)
		while (b->len > 0 && b->p[b->len - 1] == ' ')
			b->len--;
	mb_buf_addc(b, '\n');
	mb_out_buf(b);
}

static void
print_row(const mb_rec *r)
{
	mb_buf *b = &T.out;
	int c;

	mb_buf_reset(b);
	if (T.fmt == CSV) {
		for (c = 0; c < T.ncols; c++) {
			if (c > 0)
				mb_buf_addc(b, ',');
			csv_cell(b, r, &T.val[c]);
		}
		mb_buf_addc(b, '\n');
		mb_out_buf(b);
		return;
	}
	if (T.fmt == MD)
		mb_buf_adds(b, "| ");
	for (c = 0; c < T.ncols; c++) {
		mb_type t;
		size_t w = render(r, &T.val[c], T.width[c], &t);
		if (c > 0)
			mb_buf_adds(b, T.fmt == MD ? " | " : "  ");
		pad(b, c, T.cell.p, T.cell.len, w);
	}
	if (T.fmt == MD)
		mb_buf_adds(b, " |");
	end_line(b);
}

static void
print_header(void)
{
	mb_buf *b = &T.out;
	int c;
	size_t k;

	mb_buf_reset(b);
	if (T.fmt == CSV) {
		if (T.bom)
			mb_buf_adds(b, "\xef\xbb\xbf");
		for (c = 0; c < T.ncols; c++) {
			if (c > 0)
				mb_buf_addc(b, ',');
			csv_field(b, T.names[c], T.nlen[c], 0);
		}
		mb_buf_addc(b, '\n');
		mb_out_buf(b);
		return;
	}
	if (T.fmt == MD)
		mb_buf_adds(b, "| ");
	for (c = 0; c < T.ncols; c++) {
		size_t w;
		mb_buf_reset(&T.cell);
		w = cut(0, sanitize(T.names[c], T.nlen[c], &T.cell), T.width[c]);
		if (c > 0)
			mb_buf_adds(b, T.fmt == MD ? " | " : "  ");
		pad(b, c, T.cell.p, T.cell.len, w);
	}
	if (T.fmt == MD)
		mb_buf_adds(b, " |");
	end_line(b);
	mb_buf_reset(b);
	if (T.fmt == MD)
		mb_buf_adds(b, "| ");
	for (c = 0; c < T.ncols; c++) {
		if (c > 0)
			mb_buf_adds(b, T.fmt == MD ? " | " : "  ");
		for (k = 0; k < T.width[c]; k++)
			mb_buf_addc(b, T.fmt == MD && right(c) && k + 1 == T.width[c] ?
			    ':' : '-');
	}
	if (T.fmt == MD)
		mb_buf_adds(b, " |");
	end_line(b);
}

/* Parses a line into r: 0, or -1 for a line that is shown as _raw (with
 * a warning when `warn`).  A line longer than the limit holds only its
 * first bytes, so it is shown cut. */
static int
parse(mb_rec *r, const char *p, size_t n, int toolong, uint64_t lineno,
    const char *name, int warn)
{
	if (!toolong && mb_rec_parse(r, p, n) == 0)
		return 0;
	if (warn && toolong)
		mb_warn("%s:%llu: a line longer than the limit, shown cut as _raw",
		    name, (unsigned long long)lineno);
	else if (warn)
		mb_warn("%s:%llu: not a JSON object, shown as _raw: %s", name,
		    (unsigned long long)lineno, mb_errmsg());
	return -1;
}

/* The sample is complete (or the input ended): columns, widths, header,
 * and the sampled records. */
static void
start(mb_rec *r)
{
	size_t i;
	int c;

	for (i = 0; i < T.ns; i++) {
		const sline *sl = &T.s[i];
		const char *p = T.sbuf.p + sl->off;
		int bad = parse(r, p, sl->len, sl->toolong, sl->lineno,
		    sl->name, 0) < 0;

		map_record(r, bad ? p : NULL, sl->len);
		for (c = 0; c < T.ncols; c++) {
			mb_type t;
			size_t w;
			if (T.val[c].v < 0 && T.val[c].raw == NULL)
				continue;
			w = render(r, &T.val[c], T.maxw, &t);
			if (w > T.width[c])
				T.width[c] = w;
			if (t == MB_T_NUM)
				T.nums[c]++;
			else if (t != MB_T_NULL)
				T.others[c]++;
		}
	}
	for (c = 0; c < T.ncols; c++) {
		mb_buf_reset(&T.cell);
		size_t w = cut(0, sanitize(T.names[c], T.nlen[c], &T.cell), T.maxw);
		if (w > T.width[c])
			T.width[c] = w;
		if (T.fmt == MD && T.width[c] < 3)
			T.width[c] = 3;
	}
	T.started = 1;
	if (T.ncols == 0)
		return;
	print_header();
	for (i = 0; i < T.ns; i++) {
		const sline *sl = &T.s[i];
		const char *p = T.sbuf.p + sl->off;
		int bad = parse(r, p, sl->len, sl->toolong, sl->lineno,
		    sl->name, 0) < 0;

		map_record(r, bad ? p : NULL, sl->len);
		print_row(r);
	}
	mb_buf_free(&T.sbuf);
	free(T.s);
	T.s = NULL;
	T.ns = 0;
}

static void
line(mb_rec *r, const mb_line *ln)
{
	int bad;

	if (!T.started) {
		sline *sl;
		/* parsed now for the warning, which then comes in input order */
		parse(r, ln->p, ln->len, ln->toolong, ln->lineno, T.curname, 1);
		if (T.ns == T.caps) {
			T.caps = T.caps ? T.caps * 2 : 64;
			T.s = mb_xrealloc(T.s, T.caps * sizeof(sline));
		}
		sl = &T.s[T.ns++];
		sl->off = T.sbuf.len;
		sl->len = ln->len;
		sl->lineno = ln->lineno;
		sl->name = T.curname;
		sl->toolong = ln->toolong;
		mb_buf_add(&T.sbuf, ln->p, ln->len);
		if (T.ns >= T.sample)
			start(r);
		return;
	}
	bad = parse(r, ln->p, ln->len, ln->toolong, ln->lineno, T.curname,
	    1) < 0;
	map_record(r, bad ? ln->p : NULL, ln->len);
	print_row(r);
}

int
main(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "bom", no_argument, NULL, 'B' },
		{ "csv", no_argument, NULL, 'C' },
		{ "fields", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "max-width", required_argument, NULL, 'w' },
		{ "md", no_argument, NULL, 'M' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "sample", required_argument, NULL, 'n' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *fields = NULL;
	int c, i;
	mb_rec *r;
	mb_line ln;

	mb_prog_init(argv[0]);
	T.maxw = 40;
	T.sample = 100;
	T.rawcol = -1;
	while ((c = getopt_long(argc, argv, "f:n:qw:", lo, NULL)) != -1) {
		switch (c) {
		case 'B':
			T.bom = 1;
			break;
		case 'C':
			if (T.fmt == MD)
				bad_usage("%s", "--csv and --md: choose one");
			T.fmt = CSV;
			break;
		case 'M':
			if (T.fmt == CSV)
				bad_usage("%s", "--csv and --md: choose one");
			T.fmt = MD;
			break;
		case 'V':
			printf("mb-table %s\n", MB_VERSION);
			return mb_finish(MB_EXIT_OK);
		case 'f':
			fields = optarg;
			break;
		case 'h':
			help();
			break;
		case 'n':
			T.sample = (size_t)mb_opt_int("--sample", optarg, 1, 1000000);
			break;
		case 'q':
			mb_set_quiet(1);
			break;
		case 'w':
			T.maxw = (size_t)mb_opt_int("--max-width", optarg, 0, 1000000);
			if (T.maxw == 1)
				bad_usage("%s", "--max-width: 0 (no limit) or at least 2");
			break;
		default:
			usage(stderr);
			return MB_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (T.bom && T.fmt != CSV)
		bad_usage("%s", "--bom goes with --csv");
	T.colix = mb_htab_new(sizeof(int));
	T.lost = mb_htab_new(1);
	if (fields != NULL) {
		T.fixed = 1;
		add_fields(fields);
	}
	r = mb_rec_new();
	/* CSV with named columns needs no widths: its header goes first */
	if (T.fixed && T.fmt == CSV)
		start(r);
	for (i = 0; i == 0 || i < argc; i++) {
		const char *path = argc ? argv[i] : "-";
		mb_in *in = mb_in_open(path, 0);
		int rc;

		if (in == NULL)
			mb_die(MB_EXIT_FAIL, "%s", mb_errmsg());
		T.curname = path;
		while ((rc = mb_in_line(in, &ln)) > 0) {
			if (mb_line_blank(&ln))
				continue;
			line(r, &ln);
		}
		if (rc < 0)
			mb_die(MB_EXIT_FAIL, "%s", mb_errmsg());
		mb_in_close(in);
	}
	if (!T.started && (T.ns > 0 || T.fixed))
		start(r);
	mb_rec_free(r);
	if (T.nlost > 0)
		mb_warn("%zu field%s first seen after the header (--sample %zu) "
		    "not shown: %s%s", T.nlost, T.nlost == 1 ? "" : "s", T.sample,
		    mb_buf_cstr(&T.lostnames), T.nlost > 5 ? ", ..." : "");
	return mb_finish(MB_EXIT_OK);
}
