/*
 * The dataset: Hive-partitioned zstd part files and the commit log that
 * says which of them exist (mb-lake(5)).
 *
 *   DIR/_mb_log/00000000000000000007.json              commit 7, NDJSON
 *   DIR/_mb_log/00000000000000000100.checkpoint.json   snapshot after 100
 *   DIR/k=v/part-00000000000000000007-0001.ndjson.zst  a part file
 *
 * A commit is one log file, created put-if-absent (link() of a fsynced
 * temp file), so two writers can never both own a version and a reader
 * never sees half a commit.  Part files are written under their final
 * names before the commit that names them; a file no commit names does
 * not exist for readers.  The checksum of a part file is the xxh3-64 of
 * its bytes on disk.
 *
 * Ownership: an mb_lake owns nothing but its paths; a commit or snapshot
 * owns its strings and is freed with mb_lake_commit_free() or
 * mb_lake_snap_free(); a writer owns its open part files until a commit
 * hands them to the log.  Like the rest of libmb, nothing here prints or
 * exits: failures return -1 with mb_errmsg(), and damage that a reader can
 * step over (a missing or garbled log entry) goes to the onerr callback.
 */
#ifndef MB_LAKE_H
#define MB_LAKE_H

#include "mb.h"

#define MB_LAKE_LOG "_mb_log"
#define MB_LAKE_NULL "__HIVE_DEFAULT_PARTITION__"
#define MB_LAKE_MANIFEST "_mb_manifest"
#define MB_LAKE_CHECKPOINT_EVERY 100
#define MB_LAKE_NAME_MAX 255	/* bytes of a folder name (NAME_MAX) */

typedef void (*mb_lake_onerr)(void *ctx, const char *msg);

typedef struct mb_lake {
	char *dir;		/* the dataset folder, as given */
	char *logdir;		/* dir/_mb_log */
	mb_lake_onerr onerr;	/* damage a reader steps over; may be NULL */
	void *ctx;
} mb_lake;

/* One part file as the log describes it (an add or remove action). */
typedef struct mb_lake_file {
	char *path;		/* relative to the dataset, '/'-separated */
	char *pvals;		/* partitionValues: a JSON object's text */
	uint64_t records;	/* lines */
	uint64_t bytes;		/* NDJSON bytes, uncompressed */
	uint64_t cbytes;	/* bytes on disk */
	uint64_t xxh3;		/* of the bytes on disk */
	int64_t version;	/* the commit that added it */
	int datachange;		/* 0: rewritten records (compaction) */
} mb_lake_file;

/* One log entry. */
typedef struct mb_lake_commit {
	int64_t version;
	int64_t time;		/* ms since the epoch */
	char *op;		/* WRITE, OVERWRITE, REPLACE PARTITIONS, COMPACT */
	char *pcols;		/* partitionColumns, a JSON array's text */
	mb_lake_file *add, *rm;
	size_t nadd, nrm;
} mb_lake_commit;

/* The files of one version, in mb_lake_path_cmp() order. */
typedef struct mb_lake_snap {
	int64_t version;	/* -1: no commit yet */
	int64_t time;
	char *pcols;		/* NULL when there is no commit */
	mb_lake_file *files;
	size_t n, cap;
	int64_t damaged;	/* log entries that could not be applied */
	int64_t from;		/* the checkpoint it came from, or -1 */
	/* private: path -> index */
	size_t *idx;
	size_t idxcap;
	size_t dead;
} mb_lake_snap;

/* ---- the log (lake.c, lake_log.c, lake_snap.c, lake_part.c) ----------- */

/* Opens a dataset.  Without `create`, a folder without _mb_log is an
 * error; with it, the folders are made. */
mb_lake *mb_lake_open(const char *dir, int create);
void mb_lake_close(mb_lake *l);
/* The newest version in the log, or -1 when there is none yet; -2 on a
 * read error.  When ckpts is not NULL it gets the checkpoint versions,
 * ascending, as int64_t in a buffer. */
int64_t mb_lake_latest(mb_lake *l, mb_buf *ckpts);
/*
 * The versions of the log's entries in *vers and of its checkpoints in
 * *ckpts (either may be NULL), ascending, as int64_t in a buffer: one
 * listing of the folder, so that time and memory follow the number of log
 * files, never the version numbers.  When the entries have a gap, the
 * folder is listed once more, so that an entry a concurrent writer made
 * while the first listing ran is not taken for a missing one.  Returns
 * the newest entry's version, -1 when there is none, -2 on a read error.
 */
int64_t mb_lake_list(mb_lake *l, mb_buf *vers, mb_buf *ckpts);

/*
 * Steps through versions from..to of a log listed by mb_lake_list(): each
 * entry there is (MB_LAKE_ENTRY, *lo = *hi = its version) and each run of
 * versions that has none (MB_LAKE_GAP, *lo..*hi), in order; 0 at the end.
 * A gap is one step however many versions it spans.
 */
enum { MB_LAKE_ENTRY = 1, MB_LAKE_GAP = 2 };
typedef struct mb_lake_walk {
	const int64_t *v;
	size_t n, i;
	int64_t next, to;
	int done;
} mb_lake_walk;
void mb_lake_walk_init(mb_lake_walk *w, const mb_buf *vers, int64_t from,
    int64_t to);
int mb_lake_walk_next(mb_lake_walk *w, int64_t *lo, int64_t *hi);
/* "log entry 5" or "log entries 5 to 9" in b (reset first); b's text. */
const char *mb_lake_entries_name(mb_buf *b, int64_t lo, int64_t hi);

/* Reads log entry v.  -1 when it is missing (errno ENOENT) or garbled. */
int mb_lake_commit_read(mb_lake *l, int64_t v, mb_lake_commit *c);
void mb_lake_commit_free(mb_lake_commit *c);
/* Parses the text of a log entry (or a checkpoint) into c. */
int mb_lake_commit_parse(const char *p, size_t n, mb_lake_commit *c);

/* The snapshot at `version` (-1: the newest): the nearest checkpoint, then
 * the entries after it.  Entries that are missing or garbled are reported
 * to onerr (a run of missing ones in one report), counted in s->damaged
 * and skipped. */
int mb_lake_snap_load(mb_lake *l, int64_t version, mb_lake_snap *s);
void mb_lake_snap_init(mb_lake_snap *s);
void mb_lake_snap_apply(mb_lake_snap *s, const mb_lake_commit *c);
/* Sorts the files by path and drops removed ones; the snapshot stays
 * usable for more mb_lake_snap_apply() calls. */
void mb_lake_snap_sort(mb_lake_snap *s);
/* The index of path in s, or -1. */
long mb_lake_snap_find(const mb_lake_snap *s, const char *path);
void mb_lake_snap_free(mb_lake_snap *s);
/* The newest version committed at or before ms; -1 when none. */
int64_t mb_lake_version_at(mb_lake *l, int64_t ms);
/* Writes the checkpoint of s (idempotent: a checkpoint that exists is
 * left alone). */
int mb_lake_checkpoint_write(mb_lake *l, const mb_lake_snap *s);
/*
 * The manifest, DIR/_mb_manifest: the absolute paths of the newest
 * snapshot's files, one a line, for engines that read part files without
 * the log (as Delta's symlink_format_manifest).  mb_lake_manifest_write()
 * makes it; once it exists, every commit keeps it current by calling
 * mb_lake_manifest_update(), which does nothing when there is none.
 */
int mb_lake_manifest_write(mb_lake *l);
int mb_lake_manifest_update(mb_lake *l);
/* Checks that the newest snapshot can be read whole (no log entry after
 * its checkpoint is missing or garbled), as a writer must before it
 * commits, and that the log has a version left for it.  Each damaged
 * entry (or run of missing ones) goes to onerr; -1 with mb_errmsg() when
 * there is one. */
int mb_lake_check(mb_lake *l);

/* Creates log entry v from text, put-if-absent.  0: created; 1: the
 * version was taken by another writer; -1: error. */
int mb_lake_put_entry(mb_lake *l, int64_t v, const char *p, size_t n);
/* "DIR/_mb_log/000...v.json" (or ".checkpoint.json") appended to b. */
void mb_lake_entry_path(const mb_lake *l, int64_t v, int ckpt, mb_buf *b);

/* An add or remove action as one NDJSON line. */
void mb_lake_file_json(mb_buf *b, const char *action, const mb_lake_file *f);
void mb_lake_file_free(mb_lake_file *f);
void mb_lake_file_copy(mb_lake_file *dst, const mb_lake_file *src);

/* Orders two paths of a dataset as readers list them: folder by folder,
 * by column, then number-like values (-1.5, 07) in numeric order before
 * other values in natural order (2025-2 before 2025-10), bytes breaking
 * ties; file names in natural order too. */
int mb_lake_path_cmp(const char *a, const char *b);
/* The partition folder of a file path ("" for a top-level file). */
size_t mb_lake_pdir_len(const char *path);
/* Escapes a partition value for a folder name (see mb-lake(5)). */
void mb_lake_escape(mb_buf *b, const char *p, size_t n);
/* Appends the folder name of one partition column, "col=value", the
 * value escaped, or __HIVE_DEFAULT_PARTITION__ when val is NULL.  A name
 * longer than MB_LAKE_NAME_MAX keeps a prefix of the value and ends in
 * "%7e" and the value's xxh3-64 (see mb-lake(5)). */
void mb_lake_pdir_add(mb_buf *b, const char *col, size_t cn, const char *val,
    size_t vn);
/* Turns partitionValues text into a JSON record for an expression:
 * number-looking values become numbers ("07" is 7), others strings. */
int mb_lake_pvals_record(const char *pvals, mb_buf *out);
/* Parses a partition column spec: NAME, NAME=FIELD, or NAME=FIELD:date
 * (also :month, :year) for a column computed from a timestamp field.
 * *name and *field are allocated; *xf is 0 (none), 1 date, 2 month,
 * 3 year.  -1 when NAME is not [A-Za-z0-9][A-Za-z0-9_.-]*. */
int mb_lake_pcol_parse(const char *spec, char **name, char **field,
    int *xf);
/* Splits partitionColumns text into names, NUL-separated in out;
 * returns their count, or -1. */
int mb_lake_pcols_split(const char *pcols, mb_buf *out);
/* Appends the value of partition column `key` to out (unescaped);
 * returns 1, or 0 when it is null or absent. */
int mb_lake_pvals_get(const char *pvals, const char *key, mb_buf *out);


/* ---- reading part files (lake_read.c) ---------------------------------- */

typedef struct mb_lake_reader mb_lake_reader;

mb_lake_reader *mb_lake_reader_new(void);
void mb_lake_reader_free(mb_lake_reader *r);
/* Opens the part file f of dataset l read-only, following no symbolic
 * link below the dataset's folder (a part file or partition folder that
 * is one is refused) and refusing what is not a regular file.  Its size
 * is checked against the log, and with `verify` its xxh3 too (the file is
 * read once more).  The descriptor, or -1 with mb_errmsg() (which does not
 * repeat the path) and errno (ENOENT: missing). */
int mb_lake_part_open(const mb_lake *l, const mb_lake_file *f, int verify);
/* Deletes a file of the dataset, path relative to it, following no
 * symbolic link on the way (a link itself is deleted, not its target).
 * 0, or -1 with errno and mb_errmsg(). */
int mb_lake_unlink(const mb_lake *l, const char *path);
/* Decompresses part file f of l (opened as mb_lake_part_open does) and
 * hands its NDJSON out in blocks of whole lines.  Nothing is handed out
 * when a check fails.  0 or -1. */
int mb_lake_reader_part(mb_lake_reader *r, const mb_lake *l,
    const mb_lake_file *f, int verify,
    void (*out)(const void *, size_t, void *), void *ctx);
/* The same for a part file by path (a symbolic link is refused); with f
 * non-NULL its size and xxh3 are checked first.  0 or -1. */
int mb_lake_reader_cat(mb_lake_reader *r, const char *path,
    const mb_lake_file *f, void (*out)(const void *, size_t, void *),
    void *ctx);

/* ---- writing (lake_write.c) -------------------------------------------- */

enum mb_lake_mode {
	MB_LAKE_APPEND,
	MB_LAKE_OVERWRITE,	/* removes the whole snapshot */
	MB_LAKE_REPLACE,	/* removes the partitions written to */
	MB_LAKE_COMPACT,	/* removes the given files, which must exist */
	MB_LAKE_MERGE		/* the same, and the records added are new
				 * data but for put_carry's (lake_merge.h) */
};

typedef struct mb_lake_wopts {
	const char *const *pcols;	/* partition columns */
	int npcols;
	int level;			/* zstd level */
	uint64_t max_file_bytes;	/* uncompressed, before a roll */
	const char *tool;		/* "mb-write 0.1.0" */
	/* The largest zstd frame, uncompressed (0: 4 MB).  A stream's
	 * smaller frames are compressed as records come, not all at its
	 * commit. */
	size_t frame_bytes;
} mb_lake_wopts;

typedef struct mb_lake_writer mb_lake_writer;

mb_lake_writer *mb_lake_writer_new(mb_lake *l, const mb_lake_wopts *o);
/* Adds one NDJSON record (without "\n"); its partition comes from its
 * fields.  -1 when a write failed (this one, or an earlier frame that the
 * writer's compressor thread wrote); -2 when it is not a JSON object.
 * A writer is used from one thread; it runs one of its own, which
 * mb_lake_writer_free() joins. */
int mb_lake_writer_put(mb_lake_writer *w, const char *p, size_t n);
/* Adds a record to a given partition (compaction). */
int mb_lake_writer_put_part(mb_lake_writer *w, const char *pdir, size_t pdlen,
    const char *pvals, const char *p, size_t n);
/* Adds a record carried over from a file that a MERGE commit removes:
 * its part is marked as no new data (dataChange false), so that a
 * follower (mb-cat --follow) does not print it again. */
int mb_lake_writer_put_carry(mb_lake_writer *w, const char *pdir,
    size_t pdlen, const char *pvals, const char *p, size_t n);
/* The part file, as a path in the dataset, that the last record added
 * went into; it lives until the next commit or abort. */
const char *mb_lake_writer_last_path(const mb_lake_writer *w);
/* Records added since the last commit. */
uint64_t mb_lake_writer_pending(const mb_lake_writer *w);
/*
 * Closes the part files written so far and commits them.  For
 * MB_LAKE_COMPACT, rm lists the files replaced; a concurrent commit that
 * removed one of them is a conflict (-1, mb_errmsg() says so).  With
 * `force`, a commit is made even with no records.  Returns the version,
 * or -1; on -1 the parts stay uncommitted (see mb_lake_writer_abort).
 */
int64_t mb_lake_writer_commit(mb_lake_writer *w, enum mb_lake_mode mode,
    const char *op, const mb_lake_file *rm, size_t nrm, int force);
/* Deletes the part files not committed. */
void mb_lake_writer_abort(mb_lake_writer *w);
void mb_lake_writer_free(mb_lake_writer *w);
/* The records, files and removed files of the last commit. */
void mb_lake_writer_last(const mb_lake_writer *w, uint64_t *records,
    size_t *files, size_t *removed);

#endif
