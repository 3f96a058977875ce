/*
 * mb-lake: looks after a dataset written by mb-write.  `log` prints its
 * commits, `stats` the size of its newest snapshot, `verify` checks every
 * log entry and every file's checksum and names orphan files, `compact`
 * rewrites the small files of each partition into large ones in one
 * commit, and `vacuum` deletes the files that no snapshot within the
 * retention period needs.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "expr.h"
#include "lake.h"

static const char *dir;
static int status = MB_EXIT_OK;

static void
usage(FILE *f, int st)
{
	fprintf(f,
	    "usage: mb-lake log DIR\n"
	    "       mb-lake stats DIR\n"
	    "       mb-lake verify DIR\n"
	    "       mb-lake repair DIR\n"
	    "       mb-lake manifest DIR\n"
	    "       mb-lake view [--name name] DIR\n"
	    "       mb-lake compact [-w expr] [--target-bytes size] "
	    "[-l level] DIR\n"
	    "       mb-lake vacuum [--retain duration] [-n] DIR\n");
	if (f == stdout)
		fprintf(f,
		    "  -w, --where EXPR         compact only partitions whose "
		    "values make EXPR true\n"
		    "      --target-bytes SIZE  size of a compacted file, "
		    "uncompressed (256M)\n"
		    "  -l, --level N            zstd level of compacted files "
		    "(3)\n"
		    "      --retain DURATION    keep what snapshots of the last "
		    "DURATION need (168h)\n"
		    "  -n, --dry-run            print what vacuum would delete\n"
		    "      --name NAME          the name of the view (the "
		    "folder's)\n"
		    "  -h, --help               this help\n"
		    "  -V, --version            the version\n");
	exit(st);
}

static void
onerr(void *ctx, const char *msg)
{
	(void)ctx;
	mb_err("%s: %s", dir, msg);
	status = MB_EXIT_FAIL;
}

/* The reports are printed with stdio; flush it before mb_finish closes
 * stdout. */
static int
finish(int st)
{
	if (fflush(stdout) == EOF && errno != EPIPE) {
		mb_err("write error on standard output: %s", strerror(errno));
		st = MB_EXIT_FAIL;
	}
	return mb_finish(st);
}

static mb_lake *
open_lake(void)
{
	mb_lake *l = mb_lake_open(dir, 0);

	if (l == NULL)
		mb_die(MB_EXIT_FAIL, "%s: %s", dir, mb_errmsg());
	l->onerr = onerr;
	return l;
}

static int64_t
latest_of(mb_lake *l)
{
	int64_t v = mb_lake_latest(l, NULL);

	if (v == -2)
		mb_die(MB_EXIT_FAIL, "%s: %s", dir, mb_errmsg());
	return v;
}

static uint64_t
sum_records(const mb_lake_file *f, size_t n)
{
	uint64_t r = 0;

	while (n-- > 0)
		r += f[n].records;
	return r;
}

/*
 * The log, entry by entry: each readable entry goes to entry(), each run of
 * missing versions (one call however long) and each entry that does not
 * parse to damage(), with its kind: before the checkpoint `from` that the
 * newest snapshot is read from (history: only an older snapshot needs
 * it), at it (the checkpoint stands for it), or after it (damage).  Time
 * and memory follow the number of log files, not the version numbers.
 */
enum { HISTORY = 1, AT_CHECKPOINT, DAMAGE };

struct walker {
	void (*entry)(struct walker *, mb_lake_commit *);
	void (*damage)(struct walker *, int64_t, int64_t, const char *, int);
	int64_t from;
	uint64_t ndamage;	/* calls of kind DAMAGE */
	void *ctx;
};

static void
damage_split(struct walker *wk, int64_t lo, int64_t hi, const char *msg)
{
	int64_t from = wk->from;

	if (from < 0 || lo > from) {
		wk->ndamage++;
		wk->damage(wk, lo, hi, msg, DAMAGE);
		return;
	}
	if (lo < from)
		wk->damage(wk, lo, hi < from ? hi : from - 1, msg, HISTORY);
	if (hi >= from)
		wk->damage(wk, from, from, msg, AT_CHECKPOINT);
	if (hi > from) {
		wk->ndamage++;
		wk->damage(wk, from + 1, hi, msg, DAMAGE);
	}
}

static void
walk_log(mb_lake *l, struct walker *wk)
{
	mb_buf vs = {0};
	mb_lake_walk w;
	mb_lake_commit c;
	int64_t latest, lo, hi;
	int step;

	if ((latest = mb_lake_list(l, &vs, NULL)) == -2)
		mb_die(MB_EXIT_FAIL, "%s: %s", dir, mb_errmsg());
	mb_lake_walk_init(&w, &vs, 0, latest);
	while ((step = mb_lake_walk_next(&w, &lo, &hi)) != 0) {
		if (step == MB_LAKE_GAP)
			damage_split(wk, lo, hi, "missing");
		else if (mb_lake_commit_read(l, lo, &c) == -1)
			damage_split(wk, lo, lo, mb_errmsg());
		else {
			wk->entry(wk, &c);
			mb_lake_commit_free(&c);
		}
	}
	mb_buf_free(&vs);
}

/* ---- log --------------------------------------------------------------- */

/* The checkpoint the newest snapshot is read from, -1 when none: log
 * entries before it are history that no current reader needs. */
static int64_t
checkpoint_of(mb_lake *l)
{
	mb_lake_snap s;
	mb_lake_onerr f = l->onerr;
	int64_t from;

	l->onerr = NULL;
	if (mb_lake_snap_load(l, -1, &s) == -1)
		mb_die(MB_EXIT_FAIL, "%s: %s", dir, mb_errmsg());
	l->onerr = f;
	from = s.from;
	mb_lake_snap_free(&s);
	return from;
}

static void
log_entry(struct walker *wk, mb_lake_commit *c)
{
	mb_buf *b = wk->ctx;

	mb_buf_reset(b);
	mb_time_fmt(b, c->time);
	printf("%-8" PRId64 "  %-24s  %-18s  %6zu  %6zu  %10" PRIu64
	    "  %10" PRIu64 "\n", c->version, mb_buf_cstr(b), c->op, c->nadd,
	    c->nrm, sum_records(c->add, c->nadd), sum_records(c->rm,
	    c->nrm));
}

static void
log_damage(struct walker *wk, int64_t lo, int64_t hi, const char *msg,
    int kind)
{
	mb_buf name = {0};

	mb_lake_entries_name(&name, lo, hi);
	if (kind == HISTORY)
		mb_warn("%s: %s: %s (before checkpoint %" PRId64 ")", dir,
		    name.p, msg, wk->from);
	else if (kind == AT_CHECKPOINT)
		mb_warn("%s: %s: %s (checkpoint %" PRId64 " stands for it)",
		    dir, name.p, msg, wk->from);
	else {
		mb_err("%s: %s: %s", dir, name.p, msg);
		status = MB_EXIT_FAIL;
	}
	mb_buf_free(&name);
}

static void
cmd_log(void)
{
	mb_lake *l = open_lake();
	mb_buf b = {0};
	struct walker wk = { log_entry, log_damage, checkpoint_of(l), 0, &b };

	printf("%-8s  %-24s  %-18s  %6s  %6s  %10s  %10s\n", "VERSION",
	    "TIME", "OPERATION", "FILES+", "FILES-", "RECORDS+", "RECORDS-");
	walk_log(l, &wk);
	mb_buf_free(&b);
	mb_lake_close(l);
}

/* ---- stats ------------------------------------------------------------- */

static void
cmd_stats(void)
{
	mb_lake *l = open_lake();
	mb_lake_snap s;
	uint64_t rec = 0, bytes = 0, cbytes = 0, parts = 0;
	size_t i, pl, prevl = 0;
	const char *prev = NULL;

	if (mb_lake_snap_load(l, -1, &s) == -1)
		mb_die(MB_EXIT_FAIL, "%s: %s", dir, mb_errmsg());
	for (i = 0; i < s.n; i++) {
		rec += s.files[i].records;
		bytes += s.files[i].bytes;
		cbytes += s.files[i].cbytes;
		pl = mb_lake_pdir_len(s.files[i].path);
		if (prev == NULL || pl != prevl || memcmp(prev,
		    s.files[i].path, pl) != 0)
			parts++;
		prev = s.files[i].path;
		prevl = pl;
	}
	printf("version     %" PRId64 "\n", s.version);
	printf("records     %" PRIu64 "\n", rec);
	printf("files       %zu\n", s.n);
	printf("partitions  %" PRIu64 "\n", parts);
	printf("bytes       %" PRIu64 "\n", bytes);
	printf("compressed  %" PRIu64 "\n", cbytes);
	mb_lake_snap_free(&s);
	mb_lake_close(l);
}

/* ---- verify ------------------------------------------------------------ */

/*
 * Every path a commit has added or removed, and the files of the newest
 * snapshot s: those are not orphans.  A damaged entry after the snapshot's
 * checkpoint is damage (status 1); one before it is history that only
 * --as-of an older version needs, and is reported as such; one at it is
 * stood for by the checkpoint.  Returns the number of damage reports.
 */
static void
added_entry(struct walker *wk, mb_lake_commit *c)
{
	mb_lake_snap *all = wk->ctx;
	mb_lake_file *add;
	size_t nrm, nadd;

	nrm = c->nrm;
	c->nrm = 0;
	mb_lake_snap_apply(all, c);
	/* and the files it removed, as if added */
	add = c->add;
	nadd = c->nadd;
	c->add = c->rm;
	c->nadd = nrm;
	mb_lake_snap_apply(all, c);
	c->rm = c->add;
	c->nrm = nrm;
	c->add = add;
	c->nadd = nadd;
}

static void
added_damage(struct walker *wk, int64_t lo, int64_t hi, const char *msg,
    int kind)
{
	printf("%s/%020" PRId64 ".json", MB_LAKE_LOG, lo);
	if (hi != lo)
		printf(" to %s/%020" PRId64 ".json", MB_LAKE_LOG, hi);
	if (kind == HISTORY)
		printf(": %s (before checkpoint %" PRId64 ": only --as-of an "
		    "older version is affected)\n", msg, wk->from);
	else if (kind == AT_CHECKPOINT)
		printf(": %s (checkpoint %" PRId64 " stands for it)\n", msg,
		    wk->from);
	else
		printf(": %s\n", msg);
}

static void
quiet_damage(struct walker *wk, int64_t lo, int64_t hi, const char *msg,
    int kind)
{
	(void)wk;
	(void)lo;
	(void)hi;
	(void)msg;
	(void)kind;
}

static uint64_t
all_added(mb_lake *l, const mb_lake_snap *s, mb_lake_snap *all, int report)
{
	mb_lake_commit c = {0};
	struct walker wk = { added_entry, report ? added_damage : quiet_damage,
	    s->from, 0, all };

	mb_lake_snap_init(all);
	c.add = s->files;
	c.nadd = s->n;
	c.version = -1;
	mb_lake_snap_apply(all, &c);
	walk_log(l, &wk);
	if (wk.ndamage > 0)
		status = MB_EXIT_FAIL;
	return wk.ndamage;
}

static const char *
rel_path(const char *p)
{
	size_t n = strlen(dir);

	if (strncmp(p, dir, n) == 0) {
		p += n;
		while (*p == '/')
			p++;
	}
	return p;
}

static int
cmp_rel(const void *a, const void *b)
{
	return mb_lake_path_cmp(rel_path(*(char *const *)a),
	    rel_path(*(char *const *)b));
}

/* The files of the dataset's tree, NUL-separated in *tree, in the order
 * readers list partitions (2 before 10); links are not followed. */
static void
walk_tree(mb_buf *tree, void (*onerr)(const char *, const char *))
{
	mb_buf sorted = {0};
	const char **v = NULL;
	const char *p;
	size_t n = 0, i;

	if (mb_dir_walk_nofollow(dir, tree, onerr) <= 0)
		return;
	for (p = tree->p; p < tree->p + tree->len; p += strlen(p) + 1) {
		v = mb_xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = p;
	}
	qsort(v, n, sizeof(*v), cmp_rel);
	for (i = 0; i < n; i++)
		mb_buf_add(&sorted, v[i], strlen(v[i]) + 1);
	free(v);
	mb_buf_free(tree);
	*tree = sorted;
}

static void
walkerr(const char *path, const char *msg)
{
	printf("%s: %s\n", rel_path(path), msg);
	status = MB_EXIT_FAIL;
}

/* Is there a manifest that does not list the files of s? */
static int
manifest_stale(const mb_lake_snap *s)
{
	mb_buf path = {0}, have = {0}, want = {0};
	char *root = realpath(dir, NULL);
	size_t i;
	int stale = 0;

	mb_buf_printf(&path, "%s/%s", dir, MB_LAKE_MANIFEST);
	if (root != NULL && access(path.p, F_OK) == 0) {
		for (i = 0; i < s->n; i++)
			mb_buf_printf(&want, "%s/%s\n", root, s->files[i].path);
		stale = mb_file_read(path.p, &have) == -1 ||
		    have.len != want.len ||
		    (want.len > 0 && memcmp(have.p, want.p, want.len) != 0);
	}
	free(root);
	mb_buf_free(&path);
	mb_buf_free(&have);
	mb_buf_free(&want);
	return stale;
}

static void
cmd_verify(void)
{
	mb_lake *l = open_lake();
	mb_lake_snap s, all;
	mb_buf tree = {0};
	uint64_t rec = 0, bad = 0, orphans = 0;
	const char *p;
	size_t i;
	int fd;

	l->onerr = NULL;	/* all_added names the damaged entries */
	if (mb_lake_snap_load(l, -1, &s) == -1)
		mb_die(MB_EXIT_FAIL, "%s: %s", dir, mb_errmsg());
	bad = all_added(l, &s, &all, 1);
	for (i = 0; i < s.n; i++) {
		rec += s.files[i].records;
		if ((fd = mb_lake_part_open(l, &s.files[i], 1)) == -1) {
			printf("%s: %s\n", s.files[i].path,
			    errno == ENOENT ? "missing" : mb_errmsg());
			bad++;
		} else
			close(fd);
	}
	if (manifest_stale(&s)) {
		printf("%s: not the files of version %" PRId64 " (mb-lake "
		    "manifest rewrites it)\n", MB_LAKE_MANIFEST, s.version);
		bad++;
	}
	walk_tree(&tree, walkerr);
	for (p = tree.p; p != NULL && p < tree.p + tree.len;
	    p += strlen(p) + 1)
		if (mb_lake_snap_find(&all, rel_path(p)) < 0) {
			printf("%s: orphan (no commit names it)\n",
			    rel_path(p));
			orphans++;
		}
	printf("verify: version %" PRId64 ", %zu files, %" PRIu64
	    " records: %" PRIu64 " %s, %" PRIu64 " %s\n", s.version, s.n, rec,
	    bad, bad == 1 ? "problem" : "problems", orphans, orphans == 1 ?
	    "orphan" : "orphans");
	if (s.damaged > 0)
		printf("verify: writers refuse a damaged log; mb-lake repair "
		    "%s makes the snapshot without the damaged entries the "
		    "dataset's state\n", dir);
	if (bad > 0)
		status = MB_EXIT_FAIL;
	mb_lake_snap_free(&s);
	mb_lake_snap_free(&all);
	mb_buf_free(&tree);
	mb_lake_close(l);
}

/* ---- manifest and view ------------------------------------------------- */

static void
cmd_manifest(void)
{
	mb_lake *l = open_lake();

	if (mb_lake_manifest_write(l) == -1)
		mb_die(MB_EXIT_FAIL, "%s: %s", dir, mb_errmsg());
	mb_lake_close(l);
}

/* s as an SQL string literal. */
static void
sql_str(mb_buf *b, const char *s)
{
	mb_buf_addc(b, '\'');
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			mb_buf_addc(b, '\'');
		mb_buf_addc(b, *s);
	}
	mb_buf_addc(b, '\'');
}

/*
 * A DuckDB view of the newest snapshot: read_json over the list of its
 * files, so that a superseded file that vacuum has not deleted yet is not
 * read.  The list is that of the snapshot when the view is made.
 */
static void
cmd_view(const char *name)
{
	mb_lake *l = open_lake();
	mb_lake_snap s;
	mb_buf b = {0}, full = {0};
	char *root = realpath(dir, NULL);
	const char *base, *p;
	size_t i;

	if (root == NULL)
		mb_die(MB_EXIT_FAIL, "%s: %s", dir, strerror(errno));
	if (mb_lake_snap_load(l, -1, &s) == -1)
		mb_die(MB_EXIT_FAIL, "%s: %s", dir, mb_errmsg());
	if (s.n == 0)
		mb_die(MB_EXIT_FAIL, "%s: the snapshot has no files (version %"
		    PRId64 ")", dir, s.version);
	if (name == NULL) {
		base = strrchr(root, '/');
		name = base != NULL && base[1] != '\0' ? base + 1 : root;
	}
	mb_buf_adds(&b, "CREATE OR REPLACE VIEW \"");
	for (p = name; *p != '\0'; p++) {
		if (*p == '"')
			mb_buf_addc(&b, '"');
		mb_buf_addc(&b, *p);
	}
	mb_buf_printf(&b, "\" AS\n-- %s version %" PRId64 ", %zu files\n"
	    "SELECT * FROM read_json([\n", root, s.version, s.n);
	for (i = 0; i < s.n; i++) {
		mb_buf_reset(&full);
		mb_buf_printf(&full, "%s/%s", root, s.files[i].path);
		mb_buf_adds(&b, "  ");
		sql_str(&b, mb_buf_cstr(&full));
		mb_buf_adds(&b, i + 1 < s.n ? ",\n" : "\n");
	}
	mb_buf_adds(&b, "], format = 'newline_delimited', "
	    "hive_partitioning = true);\n");
	fwrite(b.p, 1, b.len, stdout);
	mb_lake_snap_free(&s);
	mb_buf_free(&b);
	mb_buf_free(&full);
	free(root);
	mb_lake_close(l);
}

/* ---- repair ------------------------------------------------------------ */

static int is_part_name(const char *);

static void
repair_onerr(void *ctx, const char *msg)
{
	(void)ctx;
	printf("%s\n", msg);
}

/*
 * A log entry that is missing or garbled after the newest checkpoint makes
 * writers refuse.  The repair is a checkpoint at the newest version of the
 * snapshot that readers see now, with the damaged entries left out; from
 * then on readers and writers start from it.  The damaged entries stay
 * (verify and log call them history), and their files become orphans.
 */
static void
cmd_repair(void)
{
	mb_lake *l = open_lake();
	mb_lake_snap s, all;
	mb_buf path = {0}, aside = {0}, tree = {0};
	struct stat st;
	int64_t latest = latest_of(l);
	const char *p;

	mb_lake_snap_init(&all);
	l->onerr = repair_onerr;
	if (mb_lake_snap_load(l, -1, &s) == -1)
		mb_die(MB_EXIT_FAIL, "%s: %s", dir, mb_errmsg());
	if (s.damaged == 0) {
		printf("repair: nothing to repair (version %" PRId64 ")\n",
		    latest);
		goto done;
	}
	/* A checkpoint of this version that could not be read: aside. */
	mb_lake_entry_path(l, s.version, 1, &path);
	if (lstat(path.p, &st) == 0) {
		mb_buf_printf(&aside, "%s.damaged", path.p);
		if (rename(path.p, aside.p) == -1)
			mb_die(MB_EXIT_FAIL, "%s: %s", path.p,
			    strerror(errno));
		printf("%s: moved to %s\n", rel_path(path.p),
		    rel_path(aside.p));
	}
	if (mb_lake_checkpoint_write(l, &s) == -1)
		mb_die(MB_EXIT_FAIL, "%s: %s", dir, mb_errmsg());
	/* The files of the damaged entries are orphans now: name them, so
	 * that their records can still be read (zstdcat) and written again. */
	all_added(l, &s, &all, 0);
	status = MB_EXIT_OK;
	walk_tree(&tree, NULL);
	for (p = tree.p; p != NULL && p < tree.p + tree.len;
	    p += strlen(p) + 1)
		if (mb_lake_snap_find(&all, rel_path(p)) < 0 &&
		    is_part_name(p))
			printf("%s: orphan, not in the snapshot "
			    "(zstdcat reads its records)\n",
			    rel_path(p));
	printf("repair: checkpoint %" PRId64 ", %zu files, %" PRIu64
	    " records, without %" PRId64 " damaged %s\n", s.version, s.n,
	    sum_records(s.files, s.n), s.damaged, s.damaged == 1 ? "entry" :
	    "entries");
done:
	mb_lake_snap_free(&s);
	mb_lake_snap_free(&all);
	mb_buf_free(&path);
	mb_buf_free(&aside);
	mb_buf_free(&tree);
	mb_lake_close(l);
}

/* ---- compact ----------------------------------------------------------- */

struct cctx {
	mb_lake_writer *w;
	const mb_lake_file *f;
	size_t pdlen;
	int failed;
	char *werr;		/* the writer's message: it names its file */
};

static void
compact_lines(const void *p, size_t n, void *vctx)
{
	struct cctx *cx = vctx;
	const char *s = p, *e = s + n, *nl;

	for (; s < e && !cx->failed; s = nl + 1) {
		nl = memchr(s, '\n', (size_t)(e - s));
		if (mb_lake_writer_put_part(cx->w, cx->f->path, cx->pdlen,
		    cx->f->pvals, s, (size_t)(nl - s)) == -1) {
			cx->failed = 1;
			cx->werr = mb_xstrdup(mb_errmsg());
		}
	}
}

static void
cmd_compact(const char *wsrc, uint64_t target, int level)
{
	mb_lake *l = open_lake();
	mb_lake_snap s;
	mb_lake_wopts o = { .level = level, .max_file_bytes = target,
	    .tool = "mb-lake " MB_VERSION };
	mb_lake_writer *w;
	mb_lake_reader *rd = mb_lake_reader_new();
	mb_lake_file *rm = NULL;
	mb_expr *where = NULL;
	mb_rec *r = mb_rec_new();
	mb_buf cols = {0}, pb = {0}, path = {0};
	const char **colv;
	struct cctx cx = {0};
	size_t i, j, k, nrm = 0, pl, nparts = 0, nfiles;
	int ncols = 0, n;
	int64_t v;
	mb_val val;

	if (wsrc != NULL && (where = mb_expr_parse(wsrc)) == NULL)
		mb_die(MB_EXIT_USAGE, "--where: %s", mb_errmsg());
	if (mb_lake_snap_load(l, -1, &s) == -1)
		mb_die(MB_EXIT_FAIL, "%s: %s", dir, mb_errmsg());
	if (s.damaged > 0)
		mb_die(MB_EXIT_FAIL, "%s: the log is damaged; run mb-lake "
		    "verify", dir);
	if (s.pcols != NULL && (ncols = mb_lake_pcols_split(s.pcols, &cols))
	    == -1)
		mb_die(MB_EXIT_FAIL, "%s: %s", dir, mb_errmsg());
	colv = mb_xcalloc((size_t)ncols + 1, sizeof(char *));
	for (n = 0, i = 0; n < ncols; n++, i += strlen(cols.p + i) + 1)
		colv[n] = cols.p + i;
	if (where != NULL) {
		/* Compaction rewrites whole partitions: --where may read
		 * partition columns only. */
		const char *f = mb_expr_fields(where, &k), *e = f + k;

		for (; f < e; f += strlen(f) + 1) {
			for (n = 0; n < ncols; n++)
				if (strlen(f) == strcspn(colv[n], "=") &&
				    strncmp(colv[n], f, strlen(f)) == 0)
					break;
			if (n == ncols)
				mb_die(MB_EXIT_USAGE, "--where: '%s' is not a "
				    "partition column of %s", f, dir);
		}
	}
	o.pcols = colv;
	o.npcols = ncols;
	if ((w = mb_lake_writer_new(l, &o)) == NULL)
		mb_die(MB_EXIT_FAIL, "%s: %s", dir, mb_errmsg());
	rm = mb_xcalloc(s.n + 1, sizeof(*rm));
	for (i = 0; i < s.n; i = j) {
		pl = mb_lake_pdir_len(s.files[i].path);
		for (j = i + 1; j < s.n && mb_lake_pdir_len(s.files[j].path) ==
		    pl && memcmp(s.files[j].path, s.files[i].path, pl) == 0;
		    j++)
			;
		if (where != NULL) {
			mb_buf_reset(&pb);
			if (mb_lake_pvals_record(s.files[i].pvals, &pb) == -1 ||
			    mb_rec_parse(r, pb.p, pb.len) == -1 ||
			    mb_expr_eval(where, r, &val) == -1)
				mb_die(MB_EXIT_FAIL, "%s: %s: --where: %s",
				    dir, s.files[i].path, mb_errmsg());
			if (!mb_val_true(&val))
				continue;
		}
		for (nfiles = 0, k = i; k < j; k++)
			if (s.files[k].bytes < target)
				nfiles++;
		if (nfiles < 2)
			continue;
		nparts++;
		for (k = i; k < j; k++) {
			if (s.files[k].bytes >= target)
				continue;
			cx.w = w;
			cx.f = &s.files[k];
			cx.pdlen = pl;
			if (mb_lake_reader_part(rd, l, &s.files[k], 1,
			    compact_lines, &cx) == -1 || cx.failed) {
				/* One file a message: the one written or the
				 * one read. */
				if (cx.failed)
					mb_err("%s: compact: %s", dir,
					    cx.werr);
				else
					mb_err("%s: %s: %s", dir,
					    s.files[k].path, mb_errmsg());
				mb_lake_writer_abort(w);
				exit(MB_EXIT_FAIL);
			}
			rm[nrm++] = s.files[k];
		}
	}
	if (nrm == 0) {
		printf("compact: nothing to compact (version %" PRId64 ")\n",
		    s.version);
	} else {
		if ((v = mb_lake_writer_commit(w, MB_LAKE_COMPACT, NULL, rm,
		    nrm, 0)) == -1) {
			mb_err("%s: compact: %s", dir, mb_errmsg());
			mb_lake_writer_abort(w);
			exit(MB_EXIT_FAIL);
		}
		mb_lake_writer_last(w, &(uint64_t){0}, &k, &i);
		printf("compact: %zu files into %zu in %zu %s, version %"
		    PRId64 "\n", nrm, k, nparts, nparts == 1 ? "partition" :
		    "partitions", v);
	}
	mb_lake_writer_free(w);
	mb_lake_reader_free(rd);
	mb_lake_snap_free(&s);
	mb_expr_free(where);
	mb_rec_free(r);
	free(rm);
	free(colv);
	mb_buf_free(&cols);
	mb_buf_free(&pb);
	mb_buf_free(&path);
	mb_lake_close(l);
}

/* ---- vacuum ------------------------------------------------------------ */

static int
is_part_name(const char *path)
{
	const char *b = strrchr(path, '/');

	b = b ? b + 1 : path;
	return strncmp(b, "part-", 5) == 0 && strlen(b) > 16 &&
	    strcmp(b + strlen(b) - 11, ".ndjson.zst") == 0;
}

/* Deletes a file; a symbolic link on the way is not followed (it is the
 * link that goes, not what it points at). */
static void
delete_file(mb_lake *l, const char *full, const char *rel, int dry,
    uint64_t *n, uint64_t *bytes)
{
	struct stat st;
	char *d, *slash;

	if (lstat(full, &st) == -1)
		return;
	if (dry) {
		printf("would delete %s\n", rel);
	} else if (mb_lake_unlink(l, rel) == -1) {
		fflush(stdout);	/* the message among the lines */
		mb_err("%s: %s: %s", dir, rel, mb_errmsg());
		status = MB_EXIT_FAIL;
		return;
	} else {
		printf("deleted %s\n", rel);
		/* Empty partition folders go too. */
		d = mb_xstrdup(full);
		while ((slash = strrchr(d, '/')) != NULL &&
		    (size_t)(slash - d) > strlen(dir)) {
			*slash = '\0';
			if (rmdir(d) == -1)
				break;
		}
		free(d);
	}
	(*n)++;
	*bytes += (uint64_t)st.st_size;
}

struct vctx {
	const mb_lake_snap *s;
	mb_buf *gone;
	int64_t cutoff;
};

/* The files commit c removed, when it is older than the retention and
 * the newest snapshot does not have them again. */
static void
vacuum_entry(struct walker *wk, mb_lake_commit *c)
{
	struct vctx *vx = wk->ctx;
	size_t i;

	if (c->time > vx->cutoff)
		return;
	for (i = 0; i < c->nrm; i++)
		if (mb_lake_snap_find(vx->s, c->rm[i].path) < 0) {
			mb_buf_adds(vx->gone, c->rm[i].path);
			mb_buf_addc(vx->gone, '\0');
		}
}

static void
cmd_vacuum(int64_t retain, int dry)
{
	mb_lake *l = open_lake();
	mb_lake_snap s, all;
	mb_buf gone = {0}, tree = {0}, full = {0};
	int64_t cutoff = mb_time_now_ms() - retain;
	uint64_t n = 0, bytes = 0;
	struct vctx vx;
	struct walker wk = { vacuum_entry, quiet_damage, -1, 0, &vx };
	struct stat st;
	const char *p;
	DIR *d;
	struct dirent *e;

	/* With a damaged log a live file could look like an orphan. */
	l->onerr = NULL;
	if (mb_lake_snap_load(l, -1, &s) == -1)
		mb_die(MB_EXIT_FAIL, "%s: %s", dir, mb_errmsg());
	if (all_added(l, &s, &all, 0) > 0)
		mb_die(MB_EXIT_FAIL, "%s: the log is damaged; vacuum deletes "
		    "nothing (run mb-lake verify)", dir);
	/* Files removed before the cutoff: no snapshot younger than the
	 * retention names them. */
	vx.s = &s;
	vx.gone = &gone;
	vx.cutoff = cutoff;
	walk_log(l, &wk);
	for (p = gone.p; p != NULL && p < gone.p + gone.len;
	    p += strlen(p) + 1) {
		mb_buf_reset(&full);
		mb_buf_printf(&full, "%s/%s", dir, p);
		delete_file(l, full.p, p, dry, &n, &bytes);
	}
	/* Orphans of writers that died, older than the retention. */
	walk_tree(&tree, NULL);
	for (p = tree.p; p != NULL && p < tree.p + tree.len;
	    p += strlen(p) + 1)
		if (mb_lake_snap_find(&all, rel_path(p)) < 0 &&
		    is_part_name(p) && lstat(p, &st) == 0 &&
		    (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000 <= cutoff)
			delete_file(l, p, rel_path(p), dry, &n,
			    &bytes);
	/* Temp files of log entries that were never put in place. */
	if ((d = opendir(l->logdir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strncmp(e->d_name, ".tmp-", 5) != 0)
				continue;
			mb_buf_reset(&full);
			mb_buf_printf(&full, "%s/%s", l->logdir, e->d_name);
			if (lstat(full.p, &st) == 0 &&
			    (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000 <= cutoff)
				delete_file(l, full.p, rel_path(full.p), dry,
				    &n, &bytes);
		}
		closedir(d);
	}
	printf("vacuum: %s%" PRIu64 " %s, %" PRIu64 " bytes\n",
	    dry ? "would delete " : "", n, n == 1 ? "file" : "files", bytes);
	mb_lake_snap_free(&s);
	mb_lake_snap_free(&all);
	mb_buf_free(&gone);
	mb_buf_free(&tree);
	mb_buf_free(&full);
	mb_lake_close(l);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "level", required_argument, NULL, 'l' },
		{ "name", required_argument, NULL, 'N' },
		{ "retain", required_argument, NULL, 'R' },
		{ "target-bytes", required_argument, NULL, 'T' },
		{ "version", no_argument, NULL, 'V' },
		{ "where", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	const char *cmd, *wsrc = NULL, *name = NULL;
	uint64_t target = (uint64_t)256 << 20;
	int64_t retain = (int64_t)168 * 3600 * 1000;
	int c, level = 3, dry = 0, seen = 0;

	mb_prog_init(argv[0]);
	if (argc > 1 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0))
		usage(stdout, MB_EXIT_OK);
	if (argc > 1 && (strcmp(argv[1], "-V") == 0 ||
	    strcmp(argv[1], "--version") == 0)) {
		printf("mb-lake %s\n", MB_VERSION);
		return finish(MB_EXIT_OK);
	}
	if (argc < 2)
		usage(stderr, MB_EXIT_USAGE);
	cmd = argv[1];
	if (strcmp(cmd, "log") != 0 && strcmp(cmd, "stats") != 0 &&
	    strcmp(cmd, "verify") != 0 && strcmp(cmd, "compact") != 0 &&
	    strcmp(cmd, "repair") != 0 && strcmp(cmd, "manifest") != 0 &&
	    strcmp(cmd, "view") != 0 &&
	    strcmp(cmd, "vacuum") != 0) {
		mb_err("'%s' is not a command", cmd);
		usage(stderr, MB_EXIT_USAGE);
	}
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "hl:nVw:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout, MB_EXIT_OK);
			break;
		case 'l':
			level = (int)mb_opt_int("--level", optarg, 1, 19);
			seen |= 1;
			break;
		case 'n':
			dry = 1;
			seen |= 2;
			break;
		case 'N':
			name = optarg;
			seen |= 4;
			break;
		case 'R':
			if (mb_duration_parse(optarg, &retain) == -1 ||
			    retain < 0)
				mb_die(MB_EXIT_USAGE, "--retain: '%s' is not a "
				    "duration (such as 30m, 168h, 7d)", optarg);
			seen |= 2;
			break;
		case 'T':
			target = mb_opt_size("--target-bytes", optarg);
			seen |= 1;
			break;
		case 'V':
			printf("mb-lake %s\n", MB_VERSION);
			return finish(MB_EXIT_OK);
		case 'w':
			wsrc = optarg;
			seen |= 1;
			break;
		default:
			usage(stderr, MB_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage(stderr, MB_EXIT_USAGE);
	if (((seen & 1) && strcmp(cmd, "compact") != 0) ||
	    ((seen & 2) && strcmp(cmd, "vacuum") != 0) ||
	    ((seen & 4) && strcmp(cmd, "view") != 0)) {
		mb_err("%s: an option of another command", cmd);
		usage(stderr, MB_EXIT_USAGE);
	}
	dir = argv[0];
	if (strcmp(cmd, "log") == 0)
		cmd_log();
	else if (strcmp(cmd, "stats") == 0)
		cmd_stats();
	else if (strcmp(cmd, "verify") == 0)
		cmd_verify();
	else if (strcmp(cmd, "repair") == 0)
		cmd_repair();
	else if (strcmp(cmd, "manifest") == 0)
		cmd_manifest();
	else if (strcmp(cmd, "view") == 0)
		cmd_view(name);
	else if (strcmp(cmd, "compact") == 0)
		cmd_compact(wsrc, target, level);
	else
		cmd_vacuum(retain, dry);
	return finish(status);
}
