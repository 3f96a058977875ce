/*
 * lake_merge.c: the key index of a dataset merged on a key, and the
 * rewrite of the files whose records a batch replaces (lake_merge.h).
 *
 * Index file, DIR/_mb_keys/NAME.idx, native byte order:
 *   "mb-keys 2\n" KEYS "\n"
 *   u64 version, u64 files, the files' paths each ending in "\n",
 *   u64 entries, entries of { u64 key lo, key hi, record hash; u32 file },
 *   u64 xxh3-64 of everything before it.
 * A file that does not check is dropped and the index built again from
 * the part files.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

#include "htab.h"
#include "lake_merge.h"

#define MAGIC "mb-keys 2\n"
#define ENT_DISK 28

struct ent {
	uint64_t lo, hi;	/* xxh3-128 of the key */
	uint64_t rh;		/* xxh3-64 of the record */
	uint32_t fid;
	uint32_t used;
};

struct bent {
	uint64_t lo, hi, rh;
	uint32_t used, matched;
};

/* A record written in the batch: its key and the part it went into. */
struct pend {
	uint64_t lo, hi, rh;
	size_t path;		/* in the batch's paths */
};

struct mfile {
	char *path;
	mb_lake_file f;		/* from the snapshot; f.path NULL until seen */
	int live, seen, mark;
};

struct mb_lake_merge {
	mb_lake *l;
	char *spec;		/* "a,b" as given */
	char **keys;
	size_t *klen;
	size_t nkeys;
	mb_span *vals;		/* the key values of the record scanned */
	char *idxdir, *idxpath;
	struct ent *tab;
	size_t cap, n;
	struct bent *bt;
	size_t bcap, bn;
	struct mfile *files;
	size_t nfiles, capfiles;
	mb_htab *byname;	/* path -> uint32_t fid */
	mb_lake_reader *rd;
	mb_buf kb, sv, line;
	struct bent last;	/* the last look's key; matched when in the index */
	mb_lake_file *rmv;
	size_t nrm;
	struct pend *pend;
	size_t npend, cappend;
	char **paths;		/* the batch's parts */
	size_t npaths;
	const char *lastrel;	/* the writer's, for the last path */
	int64_t version;
	uint64_t readsince;	/* bytes of part files read since the save */
	uint64_t replaced;
	/* the callback's */
	mb_lake_writer *w;
	struct mfile *cur;
	int failed;
};

/* ---- keys -------------------------------------------------------------- */

/*
 * The key is found by a scan of the top level, not a parse: the writer
 * checks the record when it takes it, as it does without --merge-on.
 */
static const char *
skip_ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* p at '"': the byte after the closing quote, or NULL.  A quote ends
 * the string when an even number of backslashes comes before it. */
static const char *
skip_str(const char *p, const char *e)
{
	const char *q, *b;

	for (p++; p < e; p = q + 1) {
		if ((q = memchr(p, '"', (size_t)(e - p))) == NULL)
			return NULL;
		for (b = q; b > p && b[-1] == '\\'; b--)
			;
		if ((q - b) % 2 == 0)
			return q + 1;
	}
	return NULL;
}

static const char *
skip_val(const char *p, const char *e)
{
	int depth = 0;

	if (p < e && *p == '"')
		return skip_str(p, e);
	if (p < e && (*p == '{' || *p == '[')) {
		while (p < e) {
			if (*p == '"') {
				if ((p = skip_str(p, e)) == NULL)
					return NULL;
				continue;
			}
			if (*p == '{' || *p == '[')
				depth++;
			else if ((*p == '}' || *p == ']') && --depth == 0)
				return p + 1;
			p++;
		}
		return NULL;
	}
	while (p < e && *p != ',' && *p != '}' && *p != ']' && *p != ' ' &&
	    *p != '\t' && *p != '\r' && *p != '\n')
		p++;
	return p;
}

static int
key_of(mb_lake_merge *m, const char *p, size_t n, uint64_t *lo, uint64_t *hi)
{
	const char *e = p + n, *k, *ke, *v;
	XXH128_hash_t h;
	size_t i, found = 0;

	for (i = 0; i < m->nkeys; i++)
		m->vals[i].p = NULL;
	p = skip_ws(p, e);
	if (p >= e || *p != '{')
		return mb_seterr("not a JSON object");
	/* every field is stepped over, so that a line cut short (a writer
	 * killed in the middle of it) is not taken for a record */
	p = skip_ws(p + 1, e);
	while (p < e && *p == '"') {
		k = p + 1;
		if ((ke = skip_str(p, e)) == NULL)
			return mb_seterr("not a JSON object");
		p = skip_ws(ke, e);
		if (p >= e || *p != ':')
			return mb_seterr("not a JSON object");
		v = skip_ws(p + 1, e);
		if ((p = skip_val(v, e)) == NULL || p == v)
			return mb_seterr("not a JSON object");
		for (i = 0; found < m->nkeys && i < m->nkeys; i++)
			if (m->vals[i].p == NULL && (size_t)(ke - 1 - k) ==
			    m->klen[i] && memcmp(k, m->keys[i], m->klen[i]) == 0) {
				m->vals[i].p = v;
				m->vals[i].len = (size_t)(p - v);
				found++;
			}
		p = skip_ws(p, e);
		if (p >= e || *p != ',')
			break;
		if ((p = skip_ws(p + 1, e)) >= e || *p != '"')
			return mb_seterr("not a JSON object");
	}
	if (p >= e || *p != '}' || skip_ws(p + 1, e) != e)
		return mb_seterr("not a JSON object");
	mb_buf_reset(&m->kb);
	for (i = 0; i < m->nkeys; i++) {
		mb_span s = m->vals[i];
		uint32_t len;
		size_t at;
		char t;

		if (s.p == NULL || (s.len == 4 && memcmp(s.p, "null", 4) == 0))
			return mb_seterr("key field \"%s\" is %s", m->keys[i],
			    s.p == NULL ? "missing" : "null");
		/* a string by its value, "A1" and "A\u0031" alike */
		t = *s.p == '"' ? 's' : *s.p == '{' ? 'o' : *s.p == '[' ?
		    'a' : 'v';
		mb_buf_addc(&m->kb, t);
		at = m->kb.len;
		mb_buf_add(&m->kb, "\0\0\0\0", 4);
		if (t == 's' && memchr(s.p, '\\', s.len) != NULL) {
			if (mb_json_unescape(s.p + 1, s.len - 2, &m->kb) == -1)
				return -1;
		} else if (t == 's')
			mb_buf_add(&m->kb, s.p + 1, s.len - 2);
		else
			mb_buf_add(&m->kb, s.p, s.len);
		len = (uint32_t)(m->kb.len - at - 4);
		memcpy(m->kb.p + at, &len, 4);
	}
	h = XXH3_128bits(m->kb.p, m->kb.len);
	*lo = h.low64;
	*hi = h.high64;
	return 0;
}

/* ---- the index --------------------------------------------------------- */

static void ent_put(mb_lake_merge *, uint64_t, uint64_t, uint64_t, uint32_t);

static void
ent_grow(mb_lake_merge *m)
{
	struct ent *old = m->tab;
	size_t oc = m->cap, i;

	m->cap = m->cap ? m->cap * 2 : 1024;
	m->tab = mb_xcalloc(m->cap, sizeof(*m->tab));
	m->n = 0;
	for (i = 0; i < oc; i++)
		if (old[i].used && m->files[old[i].fid].live)
			ent_put(m, old[i].lo, old[i].hi, old[i].rh, old[i].fid);
	free(old);
}

/* A key in a file; an entry of a file that is gone is reused. */
static void
ent_put(mb_lake_merge *m, uint64_t lo, uint64_t hi, uint64_t rh, uint32_t fid)
{
	size_t i, mask;

	if ((m->n + 1) * 4 > m->cap * 3)
		ent_grow(m);
	mask = m->cap - 1;
	for (i = lo & mask; m->tab[i].used; i = (i + 1) & mask) {
		struct ent *e = &m->tab[i];

		if (e->lo == lo && e->hi == hi && (e->fid == fid ||
		    !m->files[e->fid].live)) {
			e->fid = fid;
			e->rh = rh;
			return;
		}
	}
	m->tab[i] = (struct ent){ lo, hi, rh, fid, 1 };
	m->n++;
}

static uint32_t
file_add(mb_lake_merge *m, const char *path)
{
	uint32_t *slot, fid;
	int created;

	slot = mb_htab_put(m->byname, path, strlen(path), &created);
	if (!created)
		return *slot;
	if (m->nfiles == m->capfiles) {
		m->capfiles = m->capfiles ? m->capfiles * 2 : 64;
		m->files = mb_xrealloc(m->files, m->capfiles *
		    sizeof(*m->files));
	}
	fid = (uint32_t)m->nfiles++;
	memset(&m->files[fid], 0, sizeof(m->files[fid]));
	m->files[fid].path = mb_xstrdup(path);
	*slot = fid;
	return fid;
}

static void
each_line(const void *p, size_t n, void *ctx, void (*fn)(mb_lake_merge *,
    const char *, size_t))
{
	mb_lake_merge *m = ctx;
	const char *s = p, *e = s + n, *nl;

	m->readsince += n;
	for (; s < e; s = nl + 1) {
		if ((nl = memchr(s, '\n', (size_t)(e - s))) == NULL)
			nl = e;
		if (nl > s)
			fn(m, s, (size_t)(nl - s));
	}
}

static void
index_line(mb_lake_merge *m, const char *p, size_t n)
{
	uint64_t lo, hi;

	/* a record without the key (written before --merge-on) matches
	 * nothing */
	if (key_of(m, p, n, &lo, &hi) == 0)
		ent_put(m, lo, hi, mb_hash(p, n), (uint32_t)(m->cur - m->files));
}

static void
index_block(const void *p, size_t n, void *ctx)
{
	each_line(p, n, ctx, index_line);
}

static int
index_file(mb_lake_merge *m, struct mfile *f)
{
	m->cur = f;
	if (mb_lake_reader_part(m->rd, m->l, &f->f, 0, index_block, m) == -1)
		return mb_seterr("%s: %s", f->path, mb_errmsg());
	return 0;
}

int
mb_lake_merge_sync(mb_lake_merge *m)
{
	mb_lake_snap s;
	size_t i;
	uint32_t fid;
	int r = 0;

	mb_lake_snap_init(&s);
	if (mb_lake_snap_load(m->l, -1, &s) == -1) {
		mb_lake_snap_free(&s);
		return -1;
	}
	if (s.damaged > 0) {
		mb_lake_snap_free(&s);
		return mb_seterr("the log is damaged (mb-lake verify)");
	}
	for (i = 0; i < m->nfiles; i++)
		m->files[i].seen = 0;
	for (i = 0; i < s.n; i++) {
		struct mfile *f;

		fid = file_add(m, s.files[i].path);
		f = &m->files[fid];
		f->seen = 1;
		if (f->f.path == NULL)
			mb_lake_file_copy(&f->f, &s.files[i]);
		if (!f->live) {
			f->live = 1;
			if (r == 0 && index_file(m, f) == -1)
				r = -1;
		}
	}
	for (i = 0; i < m->nfiles; i++)
		if (!m->files[i].seen && m->files[i].live) {
			m->files[i].live = 0;
			mb_lake_file_free(&m->files[i].f);
			memset(&m->files[i].f, 0, sizeof(m->files[i].f));
		}
	m->version = s.version;
	mb_lake_snap_free(&s);
	return r;
}

/* ---- saving and loading ------------------------------------------------- */

static void
put64(mb_buf *b, uint64_t v)
{
	mb_buf_add(b, (const char *)&v, 8);
}

int
mb_lake_merge_save(mb_lake_merge *m)
{
	mb_buf b = {0};
	uint32_t *renum = mb_xcalloc(m->nfiles + 1, sizeof(uint32_t));
	uint64_t nlive = 0, nent = 0, h;
	size_t i, at;
	int r;

	mb_buf_adds(&b, MAGIC);
	mb_buf_adds(&b, m->spec);
	mb_buf_addc(&b, '\n');
	put64(&b, (uint64_t)m->version);
	for (i = 0; i < m->nfiles; i++)
		if (m->files[i].live)
			renum[i] = (uint32_t)nlive++;
	put64(&b, nlive);
	for (i = 0; i < m->nfiles; i++)
		if (m->files[i].live) {
			mb_buf_adds(&b, m->files[i].path);
			mb_buf_addc(&b, '\n');
		}
	at = b.len;
	put64(&b, 0);
	for (i = 0; i < m->cap; i++) {
		struct ent *e = &m->tab[i];
		uint32_t fid;

		if (!e->used || !m->files[e->fid].live)
			continue;
		put64(&b, e->lo);
		put64(&b, e->hi);
		put64(&b, e->rh);
		fid = renum[e->fid];
		mb_buf_add(&b, (const char *)&fid, 4);
		nent++;
	}
	memcpy(b.p + at, &nent, 8);
	h = mb_hash(b.p, b.len);
	put64(&b, h);
	free(renum);
	if (mkdir(m->idxdir, 0755) == -1 && errno != EEXIST) {
		mb_seterr("%s: %s", m->idxdir, strerror(errno));
		mb_buf_free(&b);
		return -1;
	}
	r = mb_file_replace(m->idxpath, b.p, b.len);
	if (r == 0)
		m->readsince = 0;
	mb_buf_free(&b);
	return r;
}

static int
get64(const char **p, const char *e, uint64_t *v)
{
	if (e - *p < 8)
		return -1;
	memcpy(v, *p, 8);
	*p += 8;
	return 0;
}

/* The saved index; a file that does not check is left for a rebuild. */
static void
load(mb_lake_merge *m)
{
	mb_buf b = {0};
	const char *p, *e, *nl;
	uint64_t v, nfiles, nent, h, i;
	uint32_t base = (uint32_t)m->nfiles, fid;

	if (mb_file_read(m->idxpath, &b) == -1)
		goto out;
	p = b.p;
	e = b.p + b.len;
	if (b.len < strlen(MAGIC) + 8 || memcmp(p, MAGIC, strlen(MAGIC)) != 0)
		goto bad;
	memcpy(&h, e - 8, 8);
	if (mb_hash(b.p, b.len - 8) != h)
		goto bad;
	e -= 8;
	p += strlen(MAGIC);
	if ((size_t)(e - p) < strlen(m->spec) + 1 || memcmp(p, m->spec,
	    strlen(m->spec)) != 0 || p[strlen(m->spec)] != '\n')
		goto bad;
	p += strlen(m->spec) + 1;
	if (get64(&p, e, &v) == -1 || get64(&p, e, &nfiles) == -1)
		goto bad;
	for (i = 0; i < nfiles; i++) {
		if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL)
			goto bad;
		mb_buf_reset(&m->line);
		mb_buf_add(&m->line, p, (size_t)(nl - p));
		fid = file_add(m, mb_buf_cstr(&m->line));
		/* live until the snapshot says otherwise; indexed already */
		m->files[fid].live = 1;
		p = nl + 1;
	}
	if (get64(&p, e, &nent) == -1 || (uint64_t)(e - p) != nent * ENT_DISK)
		goto bad;
	for (i = 0; i < nent; i++, p += ENT_DISK) {
		uint64_t lo, hi, rh;

		memcpy(&lo, p, 8);
		memcpy(&hi, p + 8, 8);
		memcpy(&rh, p + 16, 8);
		memcpy(&fid, p + 24, 4);
		if (fid >= nfiles)
			goto bad;
		ent_put(m, lo, hi, rh, base + fid);
	}
	m->version = (int64_t)v;
	goto out;
bad:
	if (m->l->onerr != NULL)
		m->l->onerr(m->l->ctx, "the key index does not check; it is "
		    "built again from the part files");
	for (i = base; i < m->nfiles; i++)
		m->files[i].live = 0;
	free(m->tab);
	m->tab = NULL;
	m->cap = m->n = 0;
out:
	mb_buf_free(&b);
}

/* ---- merging ----------------------------------------------------------- */

mb_lake_merge *
mb_lake_merge_new(mb_lake *l, const char *keys)
{
	mb_lake_merge *m;
	const char *s, *c;
	mb_buf b = {0};

	for (s = keys;; s = c + 1) {
		c = strchr(s, ',');
		if ((c ? (size_t)(c - s) : strlen(s)) == 0) {
			mb_seterr("'%s': an empty key field", keys);
			return NULL;
		}
		if (c == NULL)
			break;
	}
	m = mb_xcalloc(1, sizeof(*m));
	m->l = l;
	m->spec = mb_xstrdup(keys);
	for (s = keys;; s = c + 1) {
		c = strchr(s, ',');
		m->keys = mb_xrealloc(m->keys, (m->nkeys + 1) * sizeof(char *));
		m->keys[m->nkeys++] = c ? mb_xstrndup(s, (size_t)(c - s)) :
		    mb_xstrdup(s);
		if (c == NULL)
			break;
	}
	m->klen = mb_xcalloc(m->nkeys, sizeof(size_t));
	m->vals = mb_xcalloc(m->nkeys, sizeof(mb_span));
	for (size_t i = 0; i < m->nkeys; i++)
		m->klen[i] = strlen(m->keys[i]);
	mb_buf_printf(&b, "%s/_mb_keys", l->dir);
	m->idxdir = mb_xstrdup(mb_buf_cstr(&b));
	mb_buf_addc(&b, '/');
	mb_lake_escape(&b, keys, strlen(keys));
	mb_buf_adds(&b, ".idx");
	m->idxpath = mb_xstrdup(mb_buf_cstr(&b));
	mb_buf_free(&b);
	m->byname = mb_htab_new(sizeof(uint32_t));
	m->rd = mb_lake_reader_new();
	m->version = -1;
	load(m);
	return m;
}

void
mb_lake_merge_free(mb_lake_merge *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nfiles; i++) {
		free(m->files[i].path);
		if (m->files[i].f.path != NULL)
			mb_lake_file_free(&m->files[i].f);
	}
	for (i = 0; i < m->nkeys; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->klen);
	free(m->vals);
	free(m->files);
	free(m->tab);
	free(m->bt);
	free(m->rmv);
	for (i = 0; i < m->npaths; i++)
		free(m->paths[i]);
	free(m->paths);
	free(m->pend);
	free(m->spec);
	free(m->idxdir);
	free(m->idxpath);
	mb_htab_free(m->byname);
	mb_lake_reader_free(m->rd);
	mb_buf_free(&m->kb);
	mb_buf_free(&m->sv);
	mb_buf_free(&m->line);
	free(m);
}

static struct bent *
batch_find(mb_lake_merge *m, uint64_t lo, uint64_t hi)
{
	size_t i, mask;

	if (m->bcap == 0)
		return NULL;
	mask = m->bcap - 1;
	for (i = lo & mask; m->bt[i].used; i = (i + 1) & mask)
		if (m->bt[i].lo == lo && m->bt[i].hi == hi)
			return &m->bt[i];
	return NULL;
}

static void
batch_put(mb_lake_merge *m, const struct bent *b)
{
	size_t i, mask;

	if ((m->bn + 1) * 4 > m->bcap * 3) {
		struct bent *old = m->bt;
		size_t oc = m->bcap;

		m->bcap = m->bcap ? m->bcap * 2 : 256;
		m->bt = mb_xcalloc(m->bcap, sizeof(*m->bt));
		m->bn = 0;
		for (i = 0; i < oc; i++)
			if (old[i].used)
				batch_put(m, &old[i]);
		free(old);
	}
	mask = m->bcap - 1;
	for (i = b->lo & mask; m->bt[i].used; i = (i + 1) & mask)
		;
	m->bt[i] = *b;
	m->bt[i].used = 1;
	m->bn++;
}

int
mb_lake_merge_look(mb_lake_merge *m, const char *p, size_t n)
{
	struct bent *b;
	size_t i, mask;
	int found = 0;

	if (key_of(m, p, n, &m->last.lo, &m->last.hi) == -1)
		return -1;
	m->last.rh = mb_hash(p, n);
	m->last.matched = 0;
	if ((b = batch_find(m, m->last.lo, m->last.hi)) != NULL)
		return b->rh == m->last.rh ? MB_MERGE_SAME : MB_MERGE_BATCH;
	if (m->cap == 0)
		return MB_MERGE_NEW;
	mask = m->cap - 1;
	for (i = m->last.lo & mask; m->tab[i].used; i = (i + 1) & mask) {
		struct ent *e = &m->tab[i];

		if (e->lo != m->last.lo || e->hi != m->last.hi ||
		    !m->files[e->fid].live)
			continue;
		if (e->rh == m->last.rh)
			return MB_MERGE_SAME;
		found = 1;
	}
	m->last.matched = (uint32_t)found;
	return found ? MB_MERGE_UPDATE : MB_MERGE_NEW;
}

/* A record of the batch went into the writer's last part: the index
 * learns it after the commit without reading the part again. */
static void
placed(mb_lake_merge *m, mb_lake_writer *w, uint64_t lo, uint64_t hi,
    uint64_t rh)
{
	const char *rel = mb_lake_writer_last_path(w);

	if (rel == NULL)
		return;
	if (rel != m->lastrel || m->npaths == 0) {
		m->paths = mb_xrealloc(m->paths, (m->npaths + 1) *
		    sizeof(char *));
		m->paths[m->npaths++] = mb_xstrdup(rel);
		m->lastrel = rel;
	}
	if (m->npend == m->cappend) {
		m->cappend = m->cappend ? m->cappend * 2 : 1024;
		m->pend = mb_xrealloc(m->pend, m->cappend * sizeof(*m->pend));
	}
	m->pend[m->npend++] = (struct pend){ lo, hi, rh, m->npaths - 1 };
}

int
mb_lake_merge_put(mb_lake_merge *m, mb_lake_writer *w, const char *p,
    size_t n)
{
	int r;

	batch_put(m, &m->last);
	if ((r = mb_lake_writer_put(w, p, n)) < 0)
		return r;
	placed(m, w, m->last.lo, m->last.hi, m->last.rh);
	return 0;
}

static void
carry_line(mb_lake_merge *m, const char *p, size_t n)
{
	uint64_t lo, hi;
	const char *path = m->cur->path;
	int haskey;

	if (m->failed)
		return;
	haskey = key_of(m, p, n, &lo, &hi) == 0;
	if (haskey && batch_find(m, lo, hi) != NULL) {
		m->replaced++;
		return;
	}
	if (mb_lake_writer_put_carry(m->w, path, mb_lake_pdir_len(path),
	    m->cur->f.pvals, p, n) < 0)
		m->failed = 1;
	else if (haskey)
		placed(m, m->w, lo, hi, mb_hash(p, n));
}

static void
carry_block(const void *p, size_t n, void *ctx)
{
	each_line(p, n, ctx, carry_line);
}

long
mb_lake_merge_prepare(mb_lake_merge *m, mb_lake_writer *w,
    const mb_lake_file **rm)
{
	size_t i, j, mask = m->cap - 1;

	m->nrm = 0;
	*rm = NULL;
	for (i = 0; i < m->bcap && m->cap > 0; i++) {
		if (!m->bt[i].used || !m->bt[i].matched)
			continue;
		for (j = m->bt[i].lo & mask; m->tab[j].used; j = (j + 1) & mask)
			if (m->tab[j].lo == m->bt[i].lo &&
			    m->tab[j].hi == m->bt[i].hi)
				m->files[m->tab[j].fid].mark = 1;
	}
	m->w = w;
	for (i = 0; i < m->nfiles; i++) {
		struct mfile *f = &m->files[i];

		if (!f->mark)
			continue;
		f->mark = 0;
		if (!f->live)
			continue;
		m->cur = f;
		m->failed = 0;
		if (mb_lake_reader_part(m->rd, m->l, &f->f, 0, carry_block,
		    m) == -1)
			return mb_seterr("%s: %s", f->path, mb_errmsg());
		if (m->failed)
			return -1;
		m->rmv = mb_xrealloc(m->rmv, (m->nrm + 1) * sizeof(*m->rmv));
		m->rmv[m->nrm++] = f->f;	/* shallow: the index owns it */
	}
	*rm = m->rmv;
	return (long)m->nrm;
}

int
mb_lake_merge_done(mb_lake_merge *m, int64_t v)
{
	uint32_t fid = 0;
	size_t i;

	if (m->bn > 0) {
		memset(m->bt, 0, m->bcap * sizeof(*m->bt));
		m->bn = 0;
	}
	m->nrm = 0;
	/* the parts committed are known: live before sync reads others */
	for (i = 0; v >= 0 && i < m->npend; i++) {
		size_t pi = m->pend[i].path;

		if (i == 0 || pi != m->pend[i - 1].path) {
			fid = file_add(m, m->paths[pi]);
			m->files[fid].live = 1;
		}
		ent_put(m, m->pend[i].lo, m->pend[i].hi, m->pend[i].rh, fid);
	}
	for (i = 0; i < m->npaths; i++)
		free(m->paths[i]);
	m->npaths = m->npend = 0;
	m->lastrel = NULL;
	if (v < 0)
		return 0;
	if (mb_lake_merge_sync(m) == -1)
		return -1;
	/* saved when reading it again would cost more than writing it */
	if (m->readsince > (uint64_t)m->n * ENT_DISK + (1 << 20))
		return mb_lake_merge_save(m);
	return 0;
}

uint64_t
mb_lake_merge_replaced(const mb_lake_merge *m)
{
	return m->replaced;
}
