/*
 * mb-enrich: reads NDJSON records and writes them out again with fields
 * added, replaced or removed: columns joined from dimension tables (CSV
 * or NDJSON, held in a hash table), date parts of a timestamp, values
 * computed by expressions (mb-expr(7)), masked or redacted personal data,
 * and a projection (keep, drop, rename, flatten).  Fields it does not
 * touch go out byte for byte.
 *
 * Each record goes through the steps in one fixed order, whatever the
 * order of the options: joins, date parts, --set (in the order given),
 * --mask and --redact, --flatten, --rename, --drop, --keep.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mb.h"
#include "expr.h"
#include "htab.h"
#include "lake.h"

/* ---- SHA-256 and HMAC, for --mask ------------------------------------------ */

typedef struct sha256 {
	uint32_t h[8];
	uint64_t len;
	unsigned char buf[64];
	size_t n;
} sha256;

static const uint32_t K256[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void
sha256_block(sha256 *s, const unsigned char *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, h, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (i = 16; i < 64; i++)
		w[i] = (ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10)) +
		    w[i - 7] + (ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^
		    (w[i - 15] >> 3)) + w[i - 16];
	a = s->h[0]; b = s->h[1]; c = s->h[2]; d = s->h[3];
	e = s->h[4]; f = s->h[5]; g = s->h[6]; h = s->h[7];
	for (i = 0; i < 64; i++) {
		t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) +
		    K256[i] + w[i];
		t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) +
		    ((a & b) ^ (a & c) ^ (b & c));
		h = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	s->h[0] += a; s->h[1] += b; s->h[2] += c; s->h[3] += d;
	s->h[4] += e; s->h[5] += f; s->h[6] += g; s->h[7] += h;
}

static void
sha256_init(sha256 *s)
{
	static const uint32_t h0[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372,
		0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };

	memcpy(s->h, h0, sizeof(h0));
	s->len = 0;
	s->n = 0;
}

static void
sha256_add(sha256 *s, const void *data, size_t n)
{
	const unsigned char *p = data;

	s->len += n;
	while (n > 0) {
		size_t k = 64 - s->n < n ? 64 - s->n : n;
		memcpy(s->buf + s->n, p, k);
		s->n += k;
		p += k;
		n -= k;
		if (s->n == 64) {
			sha256_block(s, s->buf);
			s->n = 0;
		}
	}
}

static void
sha256_end(sha256 *s, unsigned char out[32])
{
	uint64_t bits = s->len * 8;
	unsigned char pad = 0x80, z = 0, l[8];
	int i;

	sha256_add(s, &pad, 1);
	while (s->n != 56)
		sha256_add(s, &z, 1);
	for (i = 0; i < 8; i++)
		l[i] = (unsigned char)(bits >> (56 - 8 * i));
	sha256_add(s, l, 8);
	for (i = 0; i < 8; i++) {
		out[4 * i] = (unsigned char)(s->h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(s->h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(s->h[i] >> 8);
		out[4 * i + 3] = (unsigned char)s->h[i];
	}
}

/* HMAC-SHA256 with the key's inner and outer pads hashed once, at start. */
static sha256 hmac_in, hmac_out;

static void
hmac_setkey(const char *key, size_t n)
{
	unsigned char k[64] = { 0 }, pad[64];
	int i;

	if (n > 64) {
		sha256 s;
		sha256_init(&s);
		sha256_add(&s, key, n);
		sha256_end(&s, k);
	} else
		memcpy(k, key, n);
	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	sha256_init(&hmac_in);
	sha256_add(&hmac_in, pad, 64);
	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	sha256_init(&hmac_out);
	sha256_add(&hmac_out, pad, 64);
	memset(k, 0, sizeof(k));
	memset(pad, 0, sizeof(pad));
}

static void
hmac(const void *p, size_t n, unsigned char out[32])
{
	sha256 s = hmac_in, o = hmac_out;
	unsigned char inner[32];

	sha256_add(&s, p, n);
	sha256_end(&s, inner);
	sha256_add(&o, inner, 32);
	sha256_end(&o, out);
}

/* ---- state ---------------------------------------------------------------- */

/* A name a step gives a field: its text, and the text that appends it to
 * a record as a new member, made once. */
typedef struct nm {
	char *s;
	size_t n;
	char *key;		/* ,"s": */
	size_t kn;
} nm;

typedef struct join {
	const char *path;
	char *key, *dimkey;	/* --on KEY[=DIMKEY] */
	char *fieldspec;	/* --fields, or NULL: all but the key */
	const char *prefix;
	int inner, first;
	/* loaded */
	char **fields;		/* dimension field names */
	nm *outnames;		/* prefix + name */
	int nfields;
	int hint;		/* mb_rec_findh() hint of the key */
	mb_htab *rows;		/* key text -> uint32 row */
	size_t *voff;		/* per row and field: value in vals */
	uint32_t *vlen;
	mb_buf vals;
	size_t nrows;
} join;

typedef struct setx {
	nm name;
	char *src;
	mb_expr *e;
} setx;

typedef struct dpart {
	char *field;
	size_t flen;
	int hint;
	nm names[6];
	/* the parts of the last day seen, for times "YYYY-MM-DDThh:mm:ssZ"
	 * of the same day */
	int cached;
	char cday[10];
	mb_buf cjson;		/* year, month, day, dayofweek, date */
	size_t cend[5];
} dpart;

/* A change to the record: set a field to the JSON at off/len in D.dv, or
 * delete it. */
typedef struct op {
	const nm *nm;		/* NULL: the name is at noff in D.names */
	size_t noff, nlen;
	size_t off, len;
	int del;
} op;

static const char *part_suffix[] = { "_year", "_month", "_day", "_dayofweek",
	"_hour", "_date" };

static struct {
	join *joins;
	int njoins;
	setx *sets;
	int nsets;
	dpart *dps;
	int ndps;
	char **mask, **redact, **keep, **drop, **ren_from, **ren_to;
	int nmask, nredact, nkeep, ndrop, nren;
	nm *maskn, *redactn, *dropn, *ren_fromn, *ren_ton;
	/* every name a step can add, when they are all different and no step
	 * deletes: a bloom filter of them, for append_only() */
	int fixed;
	uint64_t bloom[4];
	int keyed;		/* each change's prefix is in D.dv */
	int flatten, strict, haskey, checked;
	const char *keyfile, *unmatched;
	int ufd;
	int64_t now;
	/* per record */
	op *ops;
	int nops, capops;
	mb_buf dv;		/* JSON of derived values */
	mb_buf tmp, out, names;
	const char *curname;
	uint64_t curline;
	/* counts */
	uint64_t nin, nout, nunmatched, nerrors, nbad;
} D;

static const char *
opname(const op *o)
{
	return o->nm != NULL ? o->nm->s : D.names.p + o->noff;
}

/* ---- small helpers ---------------------------------------------------------- */

static void
usage(FILE *f)
{
	fprintf(f, "usage: mb-enrich [--set 'NAME = EXPR'] [--date-parts FIELD[:PREFIX]]\n"
	    "                 [--join FILE --on KEY[=DIMKEY] [--fields F,...] "
	    "[--prefix P]\n"
	    "                  [--inner] [--join-first]] [--unmatched FILE]\n"
	    "                 [--mask F,...] [--mask-key-file FILE] "
	    "[--redact F,...]\n"
	    "                 [--keep F,...] [--drop F,...] [--rename A=B,...] "
	    "[--flatten]\n"
	    "                 [--strict] [--now TIME] [--quiet] [file ...]\n");
}

static void
help(void)
{
	usage(stdout);
	printf("\n"
	    "  -s, --set 'NAME = EXPR'   add or replace NAME with EXPR (mb-expr(7))\n"
	    "  -d, --date-parts F[:P]    add P_year, P_month, P_day, P_dayofweek,\n"
	    "                            P_hour, P_date from the time in F\n"
	    "  -j, --join FILE           left join a dimension table (CSV, NDJSON, .zst)\n"
	    "      --on KEY[=DIMKEY]     the join key in the record [and the table]\n"
	    "      --fields F,...        the table's fields to add (default: all)\n"
	    "      --prefix P            prefix for the added fields\n"
	    "      --inner               unmatched records go to --unmatched, not on\n"
	    "      --join-first          on a repeated key keep the first row\n"
	    "      --unmatched FILE      append records --inner turned away to FILE\n"
	    "      --mask F,...          replace values with a keyed hash (MB_MASK_KEY)\n"
	    "      --mask-key-file FILE  read the masking key from FILE (mode 600)\n"
	    "      --redact F,...        replace values with \"[REDACTED]\"\n"
	    "      --keep F,...          keep only these fields\n"
	    "      --drop F,...          remove these fields\n"
	    "      --rename A=B,...      rename fields\n"
	    "      --flatten             nested objects become a_b fields\n"
	    "      --strict              an expression error stops with status 1\n"
	    "      --now TIME            the time now() returns\n"
	    "      --quiet               no warnings\n"
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

/* Appends the comma-separated names in arg to *list. */
static void
add_list(char ***list, int *n, const char *opt, const char *arg)
{
	const char *p = arg, *c;

	for (;;) {
		size_t k;
		c = strchr(p, ',');
		k = c ? (size_t)(c - p) : strlen(p);
		if (k == 0)
			bad_usage("%s: empty field name", opt);
		*list = mb_xrealloc(*list, ((size_t)*n + 1) * sizeof(char *));
		(*list)[(*n)++] = mb_xstrndup(p, k);
		if (c == NULL)
			break;
		p = c + 1;
	}
}

static void
free_list(char **list, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

static int
in_list(char **list, int n, const char *s, size_t len)
{
	int i;

	for (i = 0; i < n; i++)
		if (strlen(list[i]) == len && memcmp(list[i], s, len) == 0)
			return 1;
	return 0;
}

/* ---- derived values ------------------------------------------------------------ */

static void
nm_init(nm *m, const char *s, size_t n)
{
	mb_buf b = { 0 };

	m->s = mb_xstrndup(s, n);
	m->n = n;
	mb_buf_addc(&b, ',');
	mb_buf_json_str(&b, s, n);
	mb_buf_addc(&b, ':');
	m->key = b.p;
	m->kn = b.len;
}

static nm *
nm_list(char **list, int n)
{
	nm *m = mb_xcalloc((size_t)n + 1, sizeof(nm));
	int i;

	for (i = 0; i < n; i++)
		nm_init(&m[i], list[i], strlen(list[i]));
	return m;
}

static void
nm_free(nm *m, int n)
{
	int i;

	for (i = 0; i < n && m != NULL; i++) {
		free(m[i].s);
		free(m[i].key);
	}
	free(m);
}

/* A new change; name NULL: a name the caller puts at noff in D.names. */
static op *
newop(const nm *name)
{
	op *o;

	if (D.nops == D.capops) {
		D.capops = D.capops ? D.capops * 2 : 32;
		D.ops = mb_xrealloc(D.ops, (size_t)D.capops * sizeof(op));
	}
	o = &D.ops[D.nops++];
	o->nm = name;
	o->noff = 0;
	o->del = 0;
	/* the value follows its member prefix in D.dv: when every change
	 * appends, D.dv is what the line needs after its last field */
	if (name != NULL) {
		o->nlen = name->n;
		mb_buf_add(&D.dv, name->key, name->kn);
	} else {
		o->nlen = 0;
		D.keyed = 0;
	}
	o->off = D.dv.len;
	o->len = 0;
	return o;
}

/* A change named by the bytes added to D.names from noff on. */
static op *
newop_names(size_t noff)
{
	op *o = newop(NULL);

	o->noff = noff;
	o->nlen = D.names.len - noff;
	mb_buf_addc(&D.names, '\0');
	return o;
}

static void
set_json(const nm *name, const char *json, size_t n)
{
	op *o = newop(name);

	mb_buf_add(&D.dv, json, n);
	o->len = n;
}

static void
set_val(const nm *name, const mb_val *v)
{
	op *o = newop(name);

	mb_val_json(&D.dv, v);
	o->len = D.dv.len - o->off;
}

static void
del_field(const nm *name)
{
	newop(name)->del = 1;
}

/* The last change to field name, or NULL. */
static const op *
changed(const char *name, size_t n)
{
	int i;

	for (i = D.nops - 1; i >= 0; i--)
		if (D.ops[i].nlen == n &&
		    memcmp(opname(&D.ops[i]), name, n) == 0)
			return &D.ops[i];
	return NULL;
}

/* The current JSON of a field: a derived value, or the record's; 0 when
 * missing.  hint: for mb_rec_findh(), or NULL. */
static int
current(const mb_rec *r, const char *name, size_t n, int *hint, mb_span *sp)
{
	const op *o;
	int v;

	if ((o = changed(name, n)) != NULL) {
		if (o->del)
			return 0;
		sp->p = D.dv.p + o->off;
		sp->len = o->len;
		return 1;
	}
	v = hint ? mb_rec_findh(r, name, n, hint) : mb_rec_findn(r, name, n);
	if (v < 0)
		return 0;
	*sp = mb_rec_raw(r, v);
	return 1;
}

static int
lookup(void *ctx, const char *name, size_t n, mb_span *json)
{
	int i;

	(void)ctx;
	for (i = D.nops - 1; i >= 0; i--)
		if (D.ops[i].nlen == n &&
		    memcmp(opname(&D.ops[i]), name, n) == 0) {
			if (D.ops[i].del) {
				json->p = "null";
				json->len = 4;
			} else {
				json->p = D.dv.p + D.ops[i].off;
				json->len = D.ops[i].len;
			}
			return 1;
		}
	return 0;
}

static void
rt_error(const char *what, const char *msg)
{
	D.nerrors++;
	if (D.strict)
		mb_die(MB_EXIT_FAIL, "%s:%llu: %s: %s", D.curname,
		    (unsigned long long)D.curline, what, msg);
}

/* ---- dimension tables ------------------------------------------------------------ */

/* The text a key is matched on: a string's characters, a number's or
 * boolean's JSON text; 0 for null or missing. */
static int
key_text(const char *p, size_t n, mb_buf *b)
{
	mb_buf_reset(b);
	if (n == 0 || p[0] == 'n' || p[0] == '{' || p[0] == '[')
		return 0;
	if (p[0] == '"')
		mb_json_unescape(p + 1, n - 2, b);
	else
		mb_buf_add(b, p, n);
	return 1;
}

static void
dim_row(join *j, mb_rec *r, const char *json, size_t n, uint64_t lineno)
{
	int i, v, created;
	uint32_t *slot;
	mb_span sp;

	if (mb_rec_parse(r, json, n) < 0)
		mb_die(MB_EXIT_USAGE, "%s:%llu: %s", j->path,
		    (unsigned long long)lineno, mb_errmsg());
	if (j->fields == NULL) {
		/* the first row names the fields */
		int nf = mb_rec_nfields(r);
		if (j->fieldspec != NULL) {
			add_list(&j->fields, &j->nfields, "--fields", j->fieldspec);
			for (i = 0; i < j->nfields; i++)
				if (mb_rec_find(r, j->fields[i]) < 0)
					mb_die(MB_EXIT_USAGE, "%s: no field \"%s\"",
					    j->path, j->fields[i]);
		} else
			for (i = 0; i < nf; i++) {
				mb_span k = mb_rec_key(r, i);
				mb_buf_reset(&D.tmp);
				mb_json_unescape(k.p, k.len, &D.tmp);
				if (strlen(j->dimkey) == D.tmp.len &&
				    memcmp(j->dimkey, D.tmp.p, D.tmp.len) == 0)
					continue;
				j->fields = mb_xrealloc(j->fields,
				    ((size_t)j->nfields + 1) * sizeof(char *));
				j->fields[j->nfields++] = mb_xstrndup(D.tmp.p,
				    D.tmp.len);
			}
		j->outnames = mb_xcalloc((size_t)j->nfields + 1, sizeof(nm));
		for (i = 0; i < j->nfields; i++) {
			mb_buf_reset(&D.tmp);
			mb_buf_adds(&D.tmp, j->prefix ? j->prefix : "");
			mb_buf_adds(&D.tmp, j->fields[i]);
			nm_init(&j->outnames[i], D.tmp.p, D.tmp.len);
		}
	}
	v = mb_rec_find(r, j->dimkey);
	sp = mb_rec_raw(r, v);
	if (v < 0 || !key_text(sp.p, sp.len, &D.tmp))
		mb_die(MB_EXIT_USAGE, "%s:%llu: no value for the key \"%s\"",
		    j->path, (unsigned long long)lineno, j->dimkey);
	slot = mb_htab_put(j->rows, D.tmp.p, D.tmp.len, &created);
	if (!created) {
		if (j->first)
			return;
		mb_die(MB_EXIT_USAGE, "%s:%llu: duplicate key \"%s\" (--join-first "
		    "keeps the first)", j->path, (unsigned long long)lineno,
		    mb_buf_cstr(&D.tmp));
	}
	*slot = (uint32_t)j->nrows;
	j->voff = mb_xrealloc(j->voff, (j->nrows + 1) * (size_t)j->nfields *
	    sizeof(size_t) + 1);
	j->vlen = mb_xrealloc(j->vlen, (j->nrows + 1) * (size_t)j->nfields *
	    sizeof(uint32_t) + 1);
	for (i = 0; i < j->nfields; i++) {
		size_t at = j->nrows * (size_t)j->nfields + (size_t)i;
		int fv = mb_rec_find(r, j->fields[i]);
		j->voff[at] = j->vals.len;
		if (fv < 0) {
			mb_buf_adds(&j->vals, "null");
		} else {
			mb_span f = mb_rec_raw(r, fv);
			mb_buf_add(&j->vals, f.p, f.len);
		}
		j->vlen[at] = (uint32_t)(j->vals.len - j->voff[at]);
	}
	j->nrows++;
}

/* A dimension table stored as a dataset: the records of its newest
 * snapshot, each file's checksum checked as it is read. */
struct dimds {
	join *j;
	mb_rec *r;
	uint64_t n;
};

static void
dim_chunk(const void *p, size_t n, void *ctx)
{
	struct dimds *d = ctx;
	const char *s = p, *e = s + n, *nl;

	for (; s < e; s = nl + 1) {
		if ((nl = memchr(s, '\n', (size_t)(e - s))) == NULL)
			nl = e;
		if (nl > s)
			dim_row(d->j, d->r, s, (size_t)(nl - s), ++d->n);
	}
}

static void
load_dim_dataset(join *j, mb_rec *r)
{
	struct dimds d = { j, r, 0 };
	mb_lake_reader *rd;
	mb_lake_snap s;
	mb_lake *l;

	if ((l = mb_lake_open(j->path, 0)) == NULL)
		mb_die(MB_EXIT_USAGE, "%s: %s", j->path, mb_errmsg());
	mb_lake_snap_init(&s);
	if (mb_lake_snap_load(l, -1, &s) == -1)
		mb_die(MB_EXIT_FAIL, "%s: %s", j->path, mb_errmsg());
	rd = mb_lake_reader_new();
	j->rows = mb_htab_new(sizeof(uint32_t));
	for (size_t i = 0; i < s.n; i++) {
		if (mb_lake_reader_part(rd, l, &s.files[i], 1, dim_chunk, &d) < 0)
			mb_die(MB_EXIT_FAIL, "%s: %s: %s", j->path, s.files[i].path,
			    mb_errmsg());
	}
	if (j->nrows == 0)
		mb_die(MB_EXIT_USAGE, "%s: no rows", j->path);
	mb_lake_reader_free(rd);
	mb_lake_snap_free(&s);
	mb_lake_close(l);
}

static void
load_dim(join *j)
{
	mb_in *in;
	mb_line ln;
	mb_rec *r = mb_rec_new();
	mb_csv *csv = NULL;
	mb_csv_row row;
	const char *peek;
	size_t np, k = 0;
	struct stat st;
	int rc;

	if (stat(j->path, &st) == 0 && S_ISDIR(st.st_mode)) {
		load_dim_dataset(j, r);
		mb_rec_free(r);
		return;
	}
	if ((in = mb_in_open(j->path, 0)) == NULL)
		mb_die(MB_EXIT_USAGE, "%s", mb_errmsg());
	np = mb_in_peek(in, &peek, 64);
	if (np >= 3 && memcmp(peek, "\xef\xbb\xbf", 3) == 0)
		k = 3;
	while (k < np && isspace((unsigned char)peek[k]))
		k++;
	if (k >= np || peek[k] != '{')
		csv = mb_csv_new(',', 0);
	j->rows = mb_htab_new(sizeof(uint32_t));
	while ((rc = mb_in_line(in, &ln)) > 0) {
		if (ln.toolong)
			mb_die(MB_EXIT_USAGE, "%s:%llu: line too long", j->path,
			    (unsigned long long)ln.lineno);
		if (csv == NULL) {
			size_t i = 0;
			while (i < ln.len && isspace((unsigned char)ln.p[i]))
				i++;
			if (i == ln.len)
				continue;
			dim_row(j, r, ln.p, ln.len, ln.lineno);
			continue;
		}
		if (mb_csv_feed(csv, ln.p, ln.len, ln.lineno) < 0)
			mb_die(MB_EXIT_USAGE, "%s:%llu: %s", j->path,
			    (unsigned long long)ln.lineno, mb_errmsg());
		while (mb_csv_next(csv, &row)) {
			if (row.error != NULL)
				mb_die(MB_EXIT_USAGE, "%s:%llu: %s", j->path,
				    (unsigned long long)row.lineno, row.error);
			dim_row(j, r, row.json, row.json_len, row.lineno);
		}
	}
	if (rc < 0)
		mb_die(MB_EXIT_USAGE, "%s", mb_errmsg());
	if (csv != NULL) {
		mb_csv_finish(csv);
		while (mb_csv_next(csv, &row)) {
			if (row.error != NULL)
				mb_die(MB_EXIT_USAGE, "%s:%llu: %s", j->path,
				    (unsigned long long)row.lineno, row.error);
			dim_row(j, r, row.json, row.json_len, row.lineno);
		}
		mb_csv_free(csv);
	}
	if (j->nrows == 0)
		mb_die(MB_EXIT_USAGE, "%s: no rows", j->path);
	mb_in_close(in);
	mb_rec_free(r);
}

/* ---- the steps -------------------------------------------------------------------- */

/* 0: the record goes on; 1: an inner join turned it away. */
static int
do_joins(const mb_rec *r)
{
	int i, k;
	mb_span sp;
	uint32_t *row;

	for (i = 0; i < D.njoins; i++) {
		join *j = &D.joins[i];
		row = NULL;
		if (current(r, j->key, strlen(j->key), &j->hint, &sp)) {
			if (sp.len > 1 && sp.p[0] == '"' &&
			    memchr(sp.p + 1, '\\', sp.len - 2) == NULL)
				/* a string without escapes: its own key */
				row = mb_htab_get(j->rows, sp.p + 1,
				    sp.len - 2);
			else if (key_text(sp.p, sp.len, &D.tmp))
				row = mb_htab_get(j->rows, D.tmp.p, D.tmp.len);
		}
		if (row == NULL) {
			if (j->inner)
				return 1;
			for (k = 0; k < j->nfields; k++)
				set_json(&j->outnames[k], "null", 4);
			continue;
		}
		for (k = 0; k < j->nfields; k++) {
			size_t at = (size_t)*row * (size_t)j->nfields + (size_t)k;
			set_json(&j->outnames[k], j->vals.p + j->voff[at],
			    j->vlen[at]);
		}
	}
	return 0;
}

/* A UTC time written "YYYY-MM-DDThh:mm:ssZ" (with its quotes); its hour,
 * or -1. */
static int
plain_time(mb_span sp)
{
	const char *p = sp.p + 1;
	int h, m, sec;

	if (sp.len != 22 || sp.p[0] != '"' || p[10] != 'T' || p[13] != ':' ||
	    p[16] != ':' || p[19] != 'Z' || p[20] != '"')
		return -1;
	h = (p[11] - '0') * 10 + (p[12] - '0');
	m = (p[14] - '0') * 10 + (p[15] - '0');
	sec = (p[17] - '0') * 10 + (p[18] - '0');
	if ((unsigned)(p[11] - '0') > 9 || (unsigned)(p[12] - '0') > 9 ||
	    (unsigned)(p[14] - '0') > 5 || (unsigned)(p[15] - '0') > 9 ||
	    (unsigned)(p[17] - '0') > 5 || (unsigned)(p[18] - '0') > 9 ||
	    h > 23 || m > 59 || sec > 59)
		return -1;
	return h;
}

/* After the parts of a plain time on day (its first 10 bytes) were made,
 * ops[0..5], keeps those that the other times of that day share. */
static void
remember_day(dpart *d, const char *day, const op *ops)
{
	int k;

	mb_buf_reset(&d->cjson);
	for (k = 0; k < 5; k++) {
		const op *o = &ops[k < 4 ? k : 5];
		mb_buf_add(&d->cjson, D.dv.p + o->off, o->len);
		d->cend[k] = d->cjson.len;
	}
	memcpy(d->cday, day, 10);
	d->cached = 1;
}

/* The parts of a plain time on the day remembered, made without parsing
 * it again; 0 when it is not one. */
static int
same_day(dpart *d, mb_span sp)
{
	int h, k;
	size_t at = 0;
	op *o;

	if (!d->cached || sp.len != 22 || memcmp(d->cday, sp.p + 1, 10) != 0 ||
	    (h = plain_time(sp)) < 0)
		return 0;
	for (k = 0; k < 6; k++) {
		o = newop(&d->names[k]);
		if (k == 4) {
			if (h >= 10)
				mb_buf_addc(&D.dv, (char)('0' + h / 10));
			mb_buf_addc(&D.dv, (char)('0' + h % 10));
		} else {
			int c = k < 4 ? k : 4;
			mb_buf_add(&D.dv, d->cjson.p + at, d->cend[c] - at);
			at = d->cend[c];
		}
		o->len = D.dv.len - o->off;
	}
	return 1;
}

static void
do_dateparts(const mb_rec *r)
{
	int i, k;
	mb_span sp;
	mb_val v;
	int64_t ms;
	mb_tm tm;

	for (i = 0; i < D.ndps; i++) {
		dpart *d = &D.dps[i];
		int ok = 0, plain = 0;
		char day[10];
		if (current(r, d->field, d->flen, &d->hint, &sp)) {
			if (same_day(d, sp))
				continue;
			/* sp may be in D.dv, which the parts below move */
			if ((plain = plain_time(sp) >= 0))
				memcpy(day, sp.p + 1, 10);
			mb_buf_reset(&D.tmp);
			mb_val_from_json(sp.p, sp.len, &D.tmp, &v);
			if (v.t == MB_V_STR)
				ok = mb_time_parse(v.s, v.n, &ms) == 0;
			else if (v.t == MB_V_DEC || v.t == MB_V_DBL)
				ok = mb_time_parse(sp.p, sp.len, &ms) == 0;
			else if (v.t == MB_V_NULL)
				ok = -1;
			if (ok == 0) {
				char msg[120];
				snprintf(msg, sizeof(msg), "field \"%s\": not a "
				    "timestamp: %.*s", d->field,
				    (int)(sp.len > 60 ? 60 : sp.len), sp.p);
				rt_error("--date-parts", msg);
			}
		}
		if (ok != 1) {
			for (k = 0; k < 6; k++)
				set_json(&d->names[k], "null", 4);
			continue;
		}
		mb_time_split(ms, &tm);
		int parts[5] = { tm.year, tm.month, tm.day, tm.wday, tm.hour };
		for (k = 0; k < 5; k++) {
			op *o = newop(&d->names[k]);
			mb_buf_addi(&D.dv, parts[k]);
			o->len = D.dv.len - o->off;
		}
		{
			op *o = newop(&d->names[5]);
			mb_buf_addc(&D.dv, '"');
			mb_time_fmt_date(&D.dv, ms);
			mb_buf_addc(&D.dv, '"');
			o->len = D.dv.len - o->off;
		}
		if (plain)
			remember_day(d, day, &D.ops[D.nops - 6]);
	}
}

static void
do_sets(const mb_rec *r)
{
	int i;
	mb_val v;

	for (i = 0; i < D.nsets; i++) {
		if (mb_expr_eval(D.sets[i].e, r, &v) < 0) {
			char what[300];
			snprintf(what, sizeof(what), "--set \"%s\"",
			    D.sets[i].name.s);
			rt_error(what, mb_errmsg());
		}
		set_val(&D.sets[i].name, &v);
	}
}

static void
do_mask(const mb_rec *r)
{
	int i, k;
	mb_span sp;
	unsigned char mac[32];
	static const char hex[] = "0123456789abcdef";
	char out[34];

	for (i = 0; i < D.nmask; i++) {
		if (!current(r, D.mask[i], D.maskn[i].n, NULL, &sp) ||
		    (sp.len == 4 && memcmp(sp.p, "null", 4) == 0))
			continue;
		mb_buf_reset(&D.tmp);
		if (sp.p[0] == '"')
			mb_json_unescape(sp.p + 1, sp.len - 2, &D.tmp);
		else
			mb_buf_add(&D.tmp, sp.p, sp.len);
		hmac(D.tmp.p, D.tmp.len, mac);
		out[0] = '"';
		for (k = 0; k < 16; k++) {
			out[1 + 2 * k] = hex[mac[k] >> 4];
			out[2 + 2 * k] = hex[mac[k] & 15];
		}
		out[33] = '"';
		set_json(&D.maskn[i], out, 34);
	}
	for (i = 0; i < D.nredact; i++) {
		if (!current(r, D.redact[i], D.redactn[i].n, NULL, &sp) ||
		    (sp.len == 4 && memcmp(sp.p, "null", 4) == 0))
			continue;
		set_json(&D.redactn[i], "\"[REDACTED]\"", 12);
	}
}

/* Adds the leaves of object v as path_key fields, depth first. */
static void
flatten_obj(const mb_rec *r, int v, char *path, size_t plen)
{
	int i, n = mb_rec_len(r, v);

	for (i = 0; i < n; i++) {
		mb_span k, sp;
		int cv = mb_rec_child(r, v, i, &k);
		size_t len = plen, at;
		op *o;

		mb_buf_reset(&D.tmp);
		mb_json_unescape(k.p, k.len, &D.tmp);
		if (plen + 1 + D.tmp.len < 1024) {
			path[len++] = '_';
			memcpy(path + len, D.tmp.p, D.tmp.len);
			len += D.tmp.len;
		}
		if (mb_rec_type(r, cv) == MB_T_OBJ && mb_rec_len(r, cv) > 0) {
			flatten_obj(r, cv, path, len);
			continue;
		}
		sp = mb_rec_raw(r, cv);
		at = D.names.len;
		mb_buf_add(&D.names, path, len);
		o = newop_names(at);
		mb_buf_add(&D.dv, sp.p, sp.len);
		o->len = sp.len;
	}
}

static void
do_flatten(const mb_rec *r)
{
	int i, n = mb_rec_nfields(r);
	char path[1024];

	for (i = 0; i < n; i++) {
		int v = mb_rec_field(r, i);
		mb_span k = mb_rec_key(r, i);
		size_t at;

		if (mb_rec_type(r, v) != MB_T_OBJ || mb_rec_len(r, v) == 0)
			continue;
		mb_buf_reset(&D.tmp);
		mb_json_unescape(k.p, k.len, &D.tmp);
		if (D.tmp.len >= sizeof(path))
			continue;
		memcpy(path, D.tmp.p, D.tmp.len);
		at = D.names.len;
		mb_buf_add(&D.names, D.tmp.p, D.tmp.len);
		newop_names(at)->del = 1;
		flatten_obj(r, v, path, D.tmp.len);
	}
}

static void
do_project(const mb_rec *r)
{
	int i, n;
	mb_span sp;

	for (i = 0; i < D.nren; i++)
		if (current(r, D.ren_from[i], D.ren_fromn[i].n, NULL, &sp)) {
			/* the value may sit in dv, which set_json grows */
			size_t at = D.tmp.len = 0;
			mb_buf_add(&D.tmp, sp.p, sp.len);
			set_json(&D.ren_ton[i], D.tmp.p + at, D.tmp.len - at);
			del_field(&D.ren_fromn[i]);
		}
	for (i = 0; i < D.ndrop; i++)
		del_field(&D.dropn[i]);
	if (D.nkeep == 0)
		return;
	n = mb_rec_nfields(r);
	for (i = 0; i < n; i++) {
		mb_span k = mb_rec_key(r, i);
		size_t at;
		mb_buf_reset(&D.tmp);
		mb_json_unescape(k.p, k.len, &D.tmp);
		if (in_list(D.keep, D.nkeep, D.tmp.p, D.tmp.len))
			continue;
		at = D.names.len;
		mb_buf_add(&D.names, D.tmp.p, D.tmp.len);
		newop_names(at)->del = 1;
	}
	n = D.nops;
	for (i = 0; i < n; i++) {
		const char *name = opname(&D.ops[i]);
		if (!D.ops[i].del && !in_list(D.keep, D.nkeep, name,
		    D.ops[i].nlen)) {
			op c = D.ops[i];
			op *o = newop(c.nm);	/* may move D.ops */
			o->noff = c.noff;
			o->nlen = c.nlen;
			o->del = 1;
		}
	}
}

/* ---- the record loop -------------------------------------------------------------- */

static int
known(const mb_rec *r, const mb_buf *made, const char *p, size_t n)
{
	size_t at;
	const char *dot = memchr(p, '.', n);

	if (mb_rec_findn(r, p, n) >= 0)
		return 1;
	if (dot != NULL && mb_rec_findn(r, p, (size_t)(dot - p)) >= 0)
		return 1;	/* a missing member of an object is null */
	for (at = 0; at < made->len; at += strlen(made->p + at) + 1)
		if (strlen(made->p + at) == n && memcmp(made->p + at, p, n) == 0)
			return 1;
	return 0;
}

/* The first record shows which fields exist: a field that an option
 * names and that neither the record has nor an earlier step makes is a
 * mistake in the command, status 2. */
static void
check_fields(const mb_rec *r)
{
	mb_buf made = { 0 };	/* names made by steps, NUL-separated */
	int i, k;
	const char *f;
	size_t n, at;

#define MADE(s) (mb_buf_adds(&made, s), mb_buf_addc(&made, '\0'))
#define KNOWN(p, l) (known(r, &made, p, l))
	for (i = 0; i < D.njoins; i++) {
		if (!KNOWN(D.joins[i].key, strlen(D.joins[i].key)))
			mb_die(MB_EXIT_USAGE, "--on %s: unknown field \"%s\" (not "
			    "in the first record)", D.joins[i].key,
			    D.joins[i].key);
		for (k = 0; k < D.joins[i].nfields; k++)
			MADE(D.joins[i].outnames[k].s);
	}
	for (i = 0; i < D.ndps; i++) {
		if (!KNOWN(D.dps[i].field, strlen(D.dps[i].field)))
			mb_die(MB_EXIT_USAGE, "--date-parts %s: unknown field "
			    "\"%s\" (not in the first record)", D.dps[i].field,
			    D.dps[i].field);
		for (k = 0; k < 6; k++)
			MADE(D.dps[i].names[k].s);
	}
	for (i = 0; i < D.nsets; i++) {
		f = mb_expr_fields(D.sets[i].e, &n);
		for (at = 0; at < n; at += strlen(f + at) + 1)
			if (!KNOWN(f + at, strlen(f + at)))
				mb_die(MB_EXIT_USAGE, "--set \"%s = %s\": unknown "
				    "field \"%s\" (not in the first record)",
				    D.sets[i].name.s, D.sets[i].src, f + at);
		MADE(D.sets[i].name.s);
	}
#undef MADE
#undef KNOWN
	mb_buf_free(&made);
}

static void
uwrite(const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(D.ufd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			mb_die(MB_EXIT_FAIL, "%s: %s", D.unmatched, strerror(errno));
		p += w;
		n -= (size_t)w;
	}
}

/* A cheap sieve for field names: bit bloom_bit() of D.bloom is set for
 * every name a step can add. */
static unsigned
bloom_bit(const char *p, size_t n)
{
	return n ? (unsigned)(n * 7 + (unsigned char)p[0] * 3 +
	    (unsigned char)p[n - 1]) & 255 : 0;
}

static void
bloom_add(const nm *m, int *distinct)
{
	unsigned b = bloom_bit(m->s, m->n);
	size_t at;

	for (at = 0; at < D.names.len; at += strlen(D.names.p + at) + 1)
		if (strlen(D.names.p + at) == m->n &&
		    memcmp(D.names.p + at, m->s, m->n) == 0)
			*distinct = 0;
	mb_buf_add(&D.names, m->s, m->n);
	mb_buf_addc(&D.names, '\0');
	D.bloom[b >> 6] |= (uint64_t)1 << (b & 63);
}

/* Once the tables are loaded: can append_only() trust that the names the
 * steps add are all different and that no step deletes a field? */
static void
plan(void)
{
	int i, k, distinct = 1;

	mb_buf_reset(&D.names);
	for (i = 0; i < D.njoins; i++)
		for (k = 0; k < D.joins[i].nfields; k++)
			bloom_add(&D.joins[i].outnames[k], &distinct);
	for (i = 0; i < D.ndps; i++)
		for (k = 0; k < 6; k++)
			bloom_add(&D.dps[i].names[k], &distinct);
	for (i = 0; i < D.nsets; i++)
		bloom_add(&D.sets[i].name, &distinct);
	for (i = 0; i < D.nmask; i++)
		bloom_add(&D.maskn[i], &distinct);
	for (i = 0; i < D.nredact; i++)
		bloom_add(&D.redactn[i], &distinct);
	D.fixed = distinct && !D.flatten && D.nkeep == 0 && D.ndrop == 0 &&
	    D.nren == 0;
	mb_buf_reset(&D.names);
}

/* Does every change add a field the record does not have, each a
 * different one?  (A key with escapes may spell a name: no.) */
static int
new_fields_only(const mb_rec *r, const mb_line *ln)
{
	int i, k, n = mb_rec_nfields(r);

	if (D.fixed && memchr(ln->p, '\\', ln->len) == NULL) {
		/* names are different and no step deletes; only the keys
		 * that pass the sieve are compared */
		for (k = 0; k < n; k++) {
			mb_span key = mb_rec_key(r, k);
			unsigned b = bloom_bit(key.p, key.len);
			if (((D.bloom[b >> 6] >> (b & 63)) & 1) &&
			    changed(key.p, key.len) != NULL)
				return 0;
		}
		return 1;
	}
	for (i = 0; i < D.nops; i++) {
		const char *name = opname(&D.ops[i]);
		size_t nl = D.ops[i].nlen;
		if (D.ops[i].del)
			return 0;
		for (k = 0; k < n; k++) {
			mb_span key = mb_rec_key(r, k);
			if ((key.len == nl && memcmp(key.p, name, nl) == 0) ||
			    (key.len > nl && memchr(key.p, '\\', key.len) != NULL))
				return 0;
		}
		for (k = 0; k < i; k++)
			if (D.ops[k].nlen == nl &&
			    memcmp(opname(&D.ops[k]), name, nl) == 0)
				return 0;
	}
	return 1;
}

/*
 * The common case, every change a new field: the line goes out as it came
 * with the fields added before its closing brace.  1 when done; 0 when a
 * change deletes or replaces a field (mb_rec_write does those).
 */
static int
append_only(const mb_rec *r, const mb_line *ln)
{
	int i, n = mb_rec_nfields(r);
	size_t end = ln->len;

	if (!new_fields_only(r, ln))
		return 0;
	while (end > 0 && ln->p[end - 1] != '}')
		end--;
	if (end == 0)
		return 0;
	mb_out(ln->p, end - 1);
	if (D.keyed) {
		/* ,"a":1,"b":2 */
		mb_out(D.dv.p + (n == 0), D.dv.len - (n == 0));
		mb_out("}\n", 2);
		return 1;
	}
	mb_buf_reset(&D.out);
	for (i = 0; i < D.nops; i++) {
		const op *o = &D.ops[i];
		int comma = n > 0 || i > 0;
		if (o->nm != NULL)
			mb_buf_add(&D.out, o->nm->key + !comma,
			    o->nm->kn - !comma);
		else {
			if (comma)
				mb_buf_addc(&D.out, ',');
			mb_buf_json_str(&D.out, opname(o), o->nlen);
			mb_buf_addc(&D.out, ':');
		}
		mb_buf_add(&D.out, D.dv.p + o->off, o->len);
	}
	mb_buf_add(&D.out, "}\n", 2);
	mb_out_buf(&D.out);
	return 1;
}

static void
process(mb_rec *r, const mb_line *ln)
{
	int i;

	D.nin++;
	D.curline = ln->lineno;
	if (ln->toolong || mb_rec_parse(r, ln->p, ln->len) < 0) {
		/* Not lost: passed on as a _raw record with the reason, which
		 * mb-validate quarantines under rule "parse". */
		const char *why = ln->toolong ? "line longer than the limit" :
		    mb_errmsg();

		D.nbad++;
		if (D.strict)
			mb_die(MB_EXIT_FAIL, "%s:%llu: %s", D.curname,
			    (unsigned long long)ln->lineno, why);
		mb_warn("%s:%llu: not a JSON object, passed on as _raw: %s",
		    D.curname, (unsigned long long)ln->lineno, why);
		mb_buf_reset(&D.out);
		mb_buf_addc(&D.out, '{');
		mb_buf_raw_fields(&D.out, ln->p, ln->len, why);
		mb_buf_add(&D.out, "}\n", 2);
		mb_out_buf(&D.out);
		D.nout++;
		return;
	}
	if (!D.checked) {
		check_fields(r);
		D.checked = 1;
	}
	D.nops = 0;
	D.keyed = 1;
	mb_buf_reset(&D.dv);
	mb_buf_reset(&D.names);
	if (do_joins(r)) {
		D.nunmatched++;
		if (D.ufd >= 0) {
			uwrite(ln->p, ln->len);
			uwrite("\n", 1);
		}
		return;
	}
	do_dateparts(r);
	do_sets(r);
	do_mask(r);
	if (D.flatten)
		do_flatten(r);
	do_project(r);
	D.nout++;
	if (D.nops == 0) {
		mb_out(ln->p, ln->len);
		mb_out("\n", 1);
		return;
	}
	if (append_only(r, ln))
		return;
	for (i = 0; i < D.nops; i++) {
		const op *o = &D.ops[i];
		if (o->del)
			mb_rec_del(r, opname(o));
		else
			mb_rec_set(r, opname(o), D.dv.p + o->off, o->len);
	}
	mb_buf_reset(&D.out);
	mb_rec_write(r, &D.out);
	mb_out_buf(&D.out);
}

/* ---- setup ------------------------------------------------------------------------ */

static int
is_name(const char *p, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < ' ' || p[i] == '"' || p[i] == '\\')
			return 0;
	return 1;
}

static void
add_set(const char *arg)
{
	const char *eq = strchr(arg, '='), *p = arg, *q;
	setx *s;

	while (isspace((unsigned char)*p))
		p++;
	q = eq;
	while (q != NULL && q > p && isspace((unsigned char)q[-1]))
		q--;
	if (eq == NULL || eq[1] == '=' || !is_name(p, (size_t)(q - p)))
		bad_usage("--set \"%s\": expected NAME = EXPR", arg);
	D.sets = mb_xrealloc(D.sets, ((size_t)D.nsets + 1) * sizeof(setx));
	s = &D.sets[D.nsets++];
	nm_init(&s->name, p, (size_t)(q - p));
	for (p = eq + 1; isspace((unsigned char)*p); p++)
		;
	s->src = mb_xstrdup(p);
	s->e = mb_expr_parse(s->src);
	if (s->e == NULL)
		mb_die(MB_EXIT_USAGE, "--set \"%s\": %s", arg, mb_errmsg());
	mb_expr_set_lookup(s->e, lookup, NULL);
}

static void
add_dateparts(const char *arg)
{
	const char *colon = strchr(arg, ':');
	dpart *d;
	size_t fl = colon ? (size_t)(colon - arg) : strlen(arg);
	const char *pre = colon ? colon + 1 : arg;
	size_t pl = colon ? strlen(pre) : fl;
	int k;

	if (fl == 0 || pl == 0)
		bad_usage("--date-parts \"%s\": expected FIELD[:PREFIX]", arg);
	D.dps = mb_xrealloc(D.dps, ((size_t)D.ndps + 1) * sizeof(dpart));
	d = &D.dps[D.ndps++];
	memset(d, 0, sizeof(*d));
	d->field = mb_xstrndup(arg, fl);
	d->flen = fl;
	d->hint = -1;
	for (k = 0; k < 6; k++) {
		mb_buf b = { 0 };
		mb_buf_add(&b, pre, pl);
		mb_buf_adds(&b, part_suffix[k]);
		nm_init(&d->names[k], b.p, b.len);
		mb_buf_free(&b);
	}
}

/* A --set sees the values earlier steps made through lookup(); one that
 * names none of them reads the record directly. */
static void
lookups(void)
{
	int i, k, m, seen;
	const char *f;
	size_t n, at;

	for (i = 0; i < D.nsets; i++) {
		f = mb_expr_fields(D.sets[i].e, &n);
		seen = 0;
		for (at = 0; at < n && !seen; at += strlen(f + at) + 1) {
			size_t fl = strlen(f + at);
#define IS(m) ((m).n == fl && memcmp((m).s, f + at, fl) == 0)
			for (k = 0; k < D.njoins; k++)
				for (m = 0; m < D.joins[k].nfields; m++)
					seen |= IS(D.joins[k].outnames[m]);
			for (k = 0; k < D.ndps; k++)
				for (m = 0; m < 6; m++)
					seen |= IS(D.dps[k].names[m]);
			for (k = 0; k < i; k++)
				seen |= IS(D.sets[k].name);
#undef IS
		}
		if (!seen)
			mb_expr_set_lookup(D.sets[i].e, NULL, NULL);
	}
}

static void
load_key(void)
{
	mb_buf k = { 0 };
	const char *env;

	if (D.keyfile != NULL) {
		struct stat st;
		int fd = open(D.keyfile, O_RDONLY);
		if (fd < 0 || fstat(fd, &st) != 0)
			mb_die(MB_EXIT_USAGE, "--mask-key-file %s: %s", D.keyfile,
			    strerror(errno));
		if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
		    (st.st_mode & 077) != 0)
			mb_die(MB_EXIT_USAGE, "--mask-key-file %s: must be a file "
			    "that only its owner can read (chmod 600)", D.keyfile);
		close(fd);
		if (mb_file_read(D.keyfile, &k) < 0)
			mb_die(MB_EXIT_USAGE, "--mask-key-file: %s", mb_errmsg());
		while (k.len > 0 && (k.p[k.len - 1] == '\n' ||
		    k.p[k.len - 1] == '\r'))
			k.len--;
	} else if ((env = getenv("MB_MASK_KEY")) != NULL)
		mb_buf_adds(&k, env);
	if (k.len == 0)
		mb_die(MB_EXIT_USAGE, "--mask needs a key: set MB_MASK_KEY or "
		    "give --mask-key-file");
	hmac_setkey(k.p, k.len);
	memset(k.p, 0, k.cap);
	mb_buf_free(&k);
}

static void
cleanup(void)
{
	int i, k;

	for (i = 0; i < D.njoins; i++) {
		join *j = &D.joins[i];
		free(j->key);
		free(j->dimkey);
		free(j->fieldspec);
		free_list(j->fields, j->nfields);
		nm_free(j->outnames, j->nfields);
		mb_htab_free(j->rows);
		free(j->voff);
		free(j->vlen);
		mb_buf_free(&j->vals);
	}
	free(D.joins);
	for (i = 0; i < D.nsets; i++) {
		free(D.sets[i].name.s);
		free(D.sets[i].name.key);
		free(D.sets[i].src);
		mb_expr_free(D.sets[i].e);
	}
	free(D.sets);
	for (i = 0; i < D.ndps; i++) {
		free(D.dps[i].field);
		for (k = 0; k < 6; k++) {
			free(D.dps[i].names[k].s);
			free(D.dps[i].names[k].key);
		}
		mb_buf_free(&D.dps[i].cjson);
	}
	free(D.dps);
	free_list(D.mask, D.nmask);
	free_list(D.redact, D.nredact);
	free_list(D.keep, D.nkeep);
	free_list(D.drop, D.ndrop);
	free_list(D.ren_from, D.nren);
	free_list(D.ren_to, D.nren);
	nm_free(D.maskn, D.nmask);
	nm_free(D.redactn, D.nredact);
	nm_free(D.dropn, D.ndrop);
	nm_free(D.ren_fromn, D.nren);
	nm_free(D.ren_ton, D.nren);
	free(D.ops);
	mb_buf_free(&D.dv);
	mb_buf_free(&D.tmp);
	mb_buf_free(&D.out);
	mb_buf_free(&D.names);
}

int
main(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "date-parts", required_argument, NULL, 'd' },
		{ "drop", required_argument, NULL, 'D' },
		{ "fields", required_argument, NULL, 'f' },
		{ "flatten", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ "inner", no_argument, NULL, 'i' },
		{ "join", required_argument, NULL, 'j' },
		{ "join-first", no_argument, NULL, '1' },
		{ "keep", required_argument, NULL, 'k' },
		{ "mask", required_argument, NULL, 'm' },
		{ "mask-key-file", required_argument, NULL, 'K' },
		{ "now", required_argument, NULL, 'T' },
		{ "on", required_argument, NULL, 'o' },
		{ "prefix", required_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'Q' },
		{ "redact", required_argument, NULL, 'R' },
		{ "rename", required_argument, NULL, 'n' },
		{ "set", required_argument, NULL, 's' },
		{ "strict", no_argument, NULL, 'S' },
		{ "unmatched", required_argument, NULL, 'u' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char **sets = mb_xcalloc((size_t)argc, sizeof(char *));
	int nsets = 0, c, i, status = MB_EXIT_OK;
	int64_t now = mb_time_now_ms();
	join *j = NULL;
	mb_rec *r;
	mb_line ln;

	mb_prog_init(argv[0]);
	D.ufd = -1;
	while ((c = getopt_long(argc, argv, "d:j:s:", lo, NULL)) != -1) {
		if ((c == 'f' || c == 'i' || c == '1' || c == 'o' || c == 'p') &&
		    j == NULL)
			bad_usage("%s", "--on, --fields, --prefix, --inner and "
			    "--join-first follow a --join");
		switch (c) {
		case '1':
			j->first = 1;
			break;
		case 'D':
			add_list(&D.drop, &D.ndrop, "--drop", optarg);
			break;
		case 'F':
			D.flatten = 1;
			break;
		case 'K':
			D.keyfile = optarg;
			break;
		case 'Q':
			mb_set_quiet(1);
			break;
		case 'R':
			add_list(&D.redact, &D.nredact, "--redact", optarg);
			break;
		case 'S':
			D.strict = 1;
			break;
		case 'T':
			if (mb_time_parse(optarg, strlen(optarg), &now) < 0)
				bad_usage("--now \"%s\": not a time", optarg);
			break;
		case 'V':
			printf("mb-enrich %s\n", MB_VERSION);
			free(sets);
			return mb_finish(MB_EXIT_OK);
		case 'd':
			add_dateparts(optarg);
			break;
		case 'f':
			free(j->fieldspec);
			j->fieldspec = mb_xstrdup(optarg);
			break;
		case 'h':
			help();
			break;
		case 'i':
			j->inner = 1;
			break;
		case 'j':
			D.joins = mb_xrealloc(D.joins, ((size_t)D.njoins + 1) *
			    sizeof(join));
			j = &D.joins[D.njoins++];
			memset(j, 0, sizeof(*j));
			j->path = optarg;
			j->hint = -1;
			break;
		case 'k':
			add_list(&D.keep, &D.nkeep, "--keep", optarg);
			break;
		case 'm':
			add_list(&D.mask, &D.nmask, "--mask", optarg);
			break;
		case 'n': {
			char **pairs = NULL;
			int np = 0, k;
			add_list(&pairs, &np, "--rename", optarg);
			for (k = 0; k < np; k++) {
				char *eq = strchr(pairs[k], '=');
				if (eq == NULL || eq == pairs[k] || eq[1] == '\0')
					bad_usage("--rename \"%s\": expected A=B",
					    pairs[k]);
				D.ren_from = mb_xrealloc(D.ren_from,
				    ((size_t)D.nren + 1) * sizeof(char *));
				D.ren_to = mb_xrealloc(D.ren_to,
				    ((size_t)D.nren + 1) * sizeof(char *));
				D.ren_from[D.nren] = mb_xstrndup(pairs[k],
				    (size_t)(eq - pairs[k]));
				D.ren_to[D.nren++] = mb_xstrdup(eq + 1);
			}
			free_list(pairs, np);
			break;
		}
		case 'o': {
			const char *eq = strchr(optarg, '=');
			if (optarg[0] == '\0' || eq == optarg ||
			    (eq != NULL && eq[1] == '\0'))
				bad_usage("--on \"%s\": expected KEY[=DIMKEY]",
				    optarg);
			free(j->key);
			free(j->dimkey);
			j->key = eq ? mb_xstrndup(optarg, (size_t)(eq - optarg)) :
			    mb_xstrdup(optarg);
			j->dimkey = mb_xstrdup(eq ? eq + 1 : optarg);
			break;
		}
		case 'p':
			j->prefix = optarg;
			break;
		case 's':
			sets[nsets++] = optarg;
			break;
		case 'u':
			D.unmatched = optarg;
			break;
		default:
			usage(stderr);
			free(sets);
			return MB_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	for (i = 0; i < D.njoins; i++) {
		if (D.joins[i].key == NULL)
			bad_usage("--join %s: no --on KEY", D.joins[i].path);
		/* no record is lost: what --inner turns away goes somewhere */
		if (D.joins[i].inner && D.unmatched == NULL)
			bad_usage("--join %s --inner: unmatched records need "
			    "--unmatched FILE", D.joins[i].path);
	}
	for (i = 0; i < nsets; i++) {
		add_set(sets[i]);
		mb_expr_set_now(D.sets[i].e, now);
	}
	free(sets);
	D.maskn = nm_list(D.mask, D.nmask);
	D.redactn = nm_list(D.redact, D.nredact);
	D.dropn = nm_list(D.drop, D.ndrop);
	D.ren_fromn = nm_list(D.ren_from, D.nren);
	D.ren_ton = nm_list(D.ren_to, D.nren);
	if (D.nmask > 0)
		load_key();
	for (i = 0; i < D.njoins; i++)
		load_dim(&D.joins[i]);
	plan();
	lookups();
	if (D.unmatched != NULL) {
		D.ufd = open(D.unmatched, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (D.ufd < 0)
			mb_die(MB_EXIT_FAIL, "%s: %s", D.unmatched, strerror(errno));
	}

	r = mb_rec_new();
	for (i = 0; i == 0 || i < argc; i++) {
		const char *path = argc ? argv[i] : "-";
		mb_in *in = mb_in_open(path, 0);
		int rc;

		if (in == NULL)
			mb_die(MB_EXIT_FAIL, "%s", mb_errmsg());
		D.curname = path;
		while ((rc = mb_in_line(in, &ln)) > 0) {
			size_t k = 0;
			while (k < ln.len && (ln.p[k] == ' ' || ln.p[k] == '\t'))
				k++;
			if (k == ln.len && !ln.toolong)
				continue;
			process(r, &ln);
		}
		if (rc < 0)
			mb_die(MB_EXIT_FAIL, "%s", mb_errmsg());
		mb_in_close(in);
	}
	mb_rec_free(r);
	if (D.nerrors > 0)
		mb_warn("%llu expression errors gave null",
		    (unsigned long long)D.nerrors);
	if (D.nbad > 0)
		mb_warn("%llu lines were not JSON objects and were passed on as _raw",
		    (unsigned long long)D.nbad);
	if (D.ufd >= 0 && close(D.ufd) != 0)
		mb_die(MB_EXIT_FAIL, "%s: %s", D.unmatched, strerror(errno));
	cleanup();
	return mb_finish(status);
}
