/*
 * lake_int.h: what the files of the commit log share: lake.c (opening a
 * dataset, the manifest, the check before a write), lake_log.c (log
 * entries: names, listing, parsing, writing) and lake_snap.c (snapshots).
 * Not installed.
 */
#ifndef MB_LAKE_INT_H
#define MB_LAKE_INT_H

#include "lake.h"

/* The greatest version entry_name() takes: the next one is not a log
 * entry, so a writer at it refuses (mb_lake_check). */
#define VERSION_LAST ((INT64_MAX - 9) / 10 * 10 + 9)

/* lake_log.c: reads log entry v (ckpt 0) or checkpoint v (ckpt 1) into c;
 * -1 with errno ENOENT when it is missing, EIO when it cannot be read,
 * EINVAL when it is garbled or names another version. */
int lake_read_log_file(mb_lake *l, int64_t v, int ckpt, mb_lake_commit *c);

#endif
