/*
 * lake.c: fuzz harness for the dataset log reader (lib/lake.c).  The
 * input is a few log entries separated by lines "%%".  Each is parsed as
 * a commit and applied to a snapshot in memory; what the log says of a
 * file (its path, partition values and partition columns) is read back as
 * the readers do, and an add written out again must parse again.  Then
 * the same entries are put in a dataset's _mb_log in a folder of the
 * harness's own (entry i is version i, or the version and kind its first
 * line "#N" or "#Nc" names) and read through the reader proper: the
 * listing, checkpoints, the snapshot and time travel.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lake.h"

#define MAXENT 16

static char *tmpdir;

static void
onerr(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
}

static void
rmlog(void)
{
	mb_buf b = {0};
	struct dirent *e;
	DIR *d;

	mb_buf_printf(&b, "%s/%s", tmpdir, MB_LAKE_LOG);
	if ((d = opendir(mb_buf_cstr(&b))) != NULL) {
		while ((e = readdir(d)) != NULL) {
			size_t n = b.len;

			if (e->d_name[0] == '.' && (e->d_name[1] == '\0' ||
			    (e->d_name[1] == '.' && e->d_name[2] == '\0')))
				continue;
			mb_buf_printf(&b, "/%s", e->d_name);
			unlink(b.p);
			b.len = n;
			mb_buf_cstr(&b);
		}
		closedir(d);
	}
	mb_buf_free(&b);
}

static void
cleanup(void)
{
	mb_buf b = {0};

	rmlog();
	mb_buf_printf(&b, "%s/%s", tmpdir, MB_LAKE_LOG);
	rmdir(mb_buf_cstr(&b));
	rmdir(tmpdir);
	mb_buf_free(&b);
	free(tmpdir);
}

/* A log file, written plainly: a commit's fsync is not what is tested. */
static void
put(const char *path, const char *p, size_t n)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		abort();
	if (n > 0)
		fwrite(p, 1, n, f);
	fclose(f);
}

/* What a reader makes of one file of the log. */
static void
read_file(const mb_lake_file *f, const char *pcols, mb_buf *tmp)
{
	mb_lake_commit c;
	mb_buf cols = {0};
	const char *k;
	int n;

	(void)mb_lake_pdir_len(f->path);
	mb_buf_reset(tmp);
	(void)mb_lake_pvals_record(f->pvals, tmp);
	if (pcols != NULL && (n = mb_lake_pcols_split(pcols, &cols)) > 0)
		for (k = cols.p; n-- > 0; k += strlen(k) + 1) {
			mb_buf_reset(tmp);
			(void)mb_lake_pvals_get(f->pvals, k, tmp);
			mb_buf_reset(tmp);
			mb_lake_escape(tmp, k, strlen(k));
		}
	mb_buf_free(&cols);
	/* written out again, with a header, it is a commit again */
	mb_buf_reset(tmp);
	mb_buf_adds(tmp, "{\"commitInfo\":{\"version\":1,\"timestamp\":2}}\n");
	mb_lake_file_json(tmp, "add", f);
	if (mb_lake_commit_parse(tmp->p, tmp->len, &c) == -1 || c.nadd != 1 ||
	    strcmp(c.add[0].path, f->path) != 0)
		abort();
	mb_lake_commit_free(&c);
}

/* The entries through the reader proper, from files. */
static void
from_disk(const char **ent, const size_t *len, const int64_t *ver,
    const int *ck, int n)
{
	mb_buf path = {0}, tmp = {0};
	mb_lake_snap s;
	mb_lake *l;
	int64_t v;
	int i;

	if (tmpdir == NULL) {
		const char *t = getenv("TMPDIR");

		mb_buf_printf(&tmp, "%s/mb-fuzz-lake-XXXXXX", t ? t : "/tmp");
		if (mkdtemp(mb_buf_cstr(&tmp)) == NULL)
			abort();
		tmpdir = mb_xstrdup(tmp.p);
		atexit(cleanup);
	}
	rmlog();
	if ((l = mb_lake_open(tmpdir, 1)) == NULL)
		abort();
	l->onerr = onerr;
	for (i = 0; i < n; i++) {
		mb_buf_reset(&path);
		mb_lake_entry_path(l, ver[i], ck[i], &path);
		put(mb_buf_cstr(&path), ent[i], len[i]);
	}
	v = mb_lake_latest(l, &tmp);
	if (mb_lake_snap_load(l, -1, &s) == 0) {
		if (s.n > 0)
			(void)mb_lake_snap_find(&s, s.files[0].path);
		mb_lake_snap_free(&s);
	}
	if (v > 0 && mb_lake_snap_load(l, v / 2, &s) == 0)
		mb_lake_snap_free(&s);
	(void)mb_lake_version_at(l, 1751630400123LL);
	mb_lake_close(l);
	mb_buf_free(&path);
	mb_buf_free(&tmp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *e = p + size, *sep, *end, *q;
	const char *ent[MAXENT];
	size_t len[MAXENT], i;
	int64_t ver[MAXENT];
	int ck[MAXENT];
	mb_lake_snap s;
	mb_lake_commit c;
	mb_buf tmp = {0};
	int n = 0;

	/* entries, separated by "\n%%\n"; a first line "#N" or "#Nc" names
	 * the entry's version (0-255) and kind, and is not part of it */
	while (p <= e && n < MAXENT) {
		sep = memmem(p, (size_t)(e - p), "\n%%\n", 4);
		end = sep ? sep + 1 : e;
		ver[n] = n;
		ck[n] = 0;
		if (p < end && *p == '#') {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			int64_t v = 0;

			for (q = p + 1; q < end && *q >= '0' && *q <= '9'; q++)
				v = (v * 10 + (*q - '0')) & 0xff;
			ver[n] = v;
			ck[n] = q < end && *q == 'c';
			p = nl ? nl + 1 : end;
		}
		ent[n] = p;
		len[n] = (size_t)(end - p);
		n++;
		if (sep == NULL)
			break;
		p = sep + 4;
	}
	mb_lake_snap_init(&s);
	for (int k = 0; k < n; k++) {
		if (mb_lake_commit_parse(ent[k], len[k], &c) == -1)
			continue;
		for (i = 0; i < c.nadd; i++)
			read_file(&c.add[i], c.pcols, &tmp);
		for (i = 0; i < c.nrm; i++)
			read_file(&c.rm[i], c.pcols, &tmp);
		mb_lake_snap_apply(&s, &c);
		mb_lake_commit_free(&c);
	}
	mb_lake_snap_sort(&s);
	for (i = 0; i < s.n; i++)
		if (mb_lake_snap_find(&s, s.files[i].path) != (long)i)
			abort();	/* a sorted snapshot finds its files */
	mb_lake_snap_free(&s);
	from_disk(ent, len, ver, ck, n);
	mb_buf_free(&tmp);
	return 0;
}
