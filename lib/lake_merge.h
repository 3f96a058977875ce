/*
 * Merging into a dataset on a key (mb-write --merge-on): each key once,
 * as Delta's MERGE INTO ... WHEN MATCHED UPDATE / WHEN NOT MATCHED INSERT
 * and DLT's APPLY CHANGES INTO.  A broker delivers at least once; a
 * dataset merged on the message's key holds it once all the same.
 *
 * The key index maps the xxh3-128 of a record's key values to the part
 * file that holds the record and the xxh3-64 of its bytes.  It is a cache
 * of what the log says, kept in DIR/_mb_keys/NAME.idx (NAME: the key
 * fields): before it is used it is brought up to the newest snapshot by
 * reading only the part files it does not know yet, and forgetting those
 * that are gone, so a writer killed at any moment, a compaction or a
 * second writer leave it behind but never wrong.  It is saved atomically
 * (temp file, fsync, rename) after commits, when what was read since the
 * last save is more than the index itself, and at the end.
 *
 * A commit of a batch whose keys were in the dataset removes the files
 * that held them and adds them again without those records (the records
 * carried over are marked as no new data), in the same commit as the new
 * records: readers see the old record or the new one, never both.
 *
 * Ownership: an mb_lake_merge belongs to the writer that uses it and owns
 * its index; the files it hands out to a commit live until the next call.
 * Like the rest of libmb it neither prints nor exits.
 */
#ifndef MB_LAKE_MERGE_H
#define MB_LAKE_MERGE_H

#include "lake.h"

typedef struct mb_lake_merge mb_lake_merge;

enum {
	MB_MERGE_NEW,		/* a key not in the dataset nor the batch */
	MB_MERGE_UPDATE,	/* in the dataset, with other bytes */
	MB_MERGE_SAME,		/* the same bytes are there already */
	MB_MERGE_BATCH		/* in the batch, with other bytes */
};

/* keys: "field[,field...]", top-level fields.  NULL with mb_errmsg()
 * when a name is empty. */
mb_lake_merge *mb_lake_merge_new(mb_lake *l, const char *keys);
void mb_lake_merge_free(mb_lake_merge *m);
/* Loads the saved index and brings it up to the newest snapshot.  0, or
 * -1 with mb_errmsg() (the log is damaged, a part file cannot be read). */
int mb_lake_merge_sync(mb_lake_merge *m);
/* Where record p would go: one of MB_MERGE_*, or -1 with mb_errmsg() when
 * it is not a JSON object or a key field is missing or null. */
int mb_lake_merge_look(mb_lake_merge *m, const char *p, size_t n);
/* The record of the last look goes into the batch and into w
 * (mb_lake_writer_put: 0, or its -1 or -2). */
int mb_lake_merge_put(mb_lake_merge *m, mb_lake_writer *w, const char *p,
    size_t n);
/* Before a commit: copies the records of the files that hold a key of
 * the batch, but for those keys, into w (mb_lake_writer_put_carry), and
 * sets *rm to those files (for mb_lake_writer_commit with MB_LAKE_MERGE).
 * The number of files, or -1. */
long mb_lake_merge_prepare(mb_lake_merge *m, mb_lake_writer *w,
    const mb_lake_file **rm);
/* After the commit (or with v < 0, its failure): the batch is emptied and
 * the index brought up to date.  0 or -1. */
int mb_lake_merge_done(mb_lake_merge *m, int64_t v);
/* Saves the index.  0 or -1. */
int mb_lake_merge_save(mb_lake_merge *m);
/* Records replaced by the commits so far, and the records that the
 * caller skipped are its own to count. */
uint64_t mb_lake_merge_replaced(const mb_lake_merge *m);

#endif
