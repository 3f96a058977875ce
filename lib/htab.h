/*
 * Hash tables on xxh3: mb_htab maps byte strings to fixed-size values
 * (joins, group-by states); mb_hset is a set of 64-bit hashes, 16 bytes a
 * member at most, for "have I seen this key" over millions of keys.
 *
 * Ownership: a table owns copies of its keys and its value slots; a
 * pointer to a value or key lives until the next insert into the same
 * table (which may move them); mb_htab_free() frees everything.
 */
#ifndef MB_HTAB_H
#define MB_HTAB_H

#include <stddef.h>
#include <stdint.h>

typedef struct mb_htab mb_htab;

/* Values are vsize bytes, zeroed when a key is created. */
mb_htab *mb_htab_new(size_t vsize);
void mb_htab_free(mb_htab *h);
/* The value slot of key, created when absent (*created set to 1 then, to
 * 0 when it existed; created may be NULL). */
void *mb_htab_put(mb_htab *h, const void *key, size_t n, int *created);
/* The value slot of key, or NULL when absent. */
void *mb_htab_get(const mb_htab *h, const void *key, size_t n);
size_t mb_htab_count(const mb_htab *h);
/* Entry i (0 .. count-1, in insertion order): its key and value slot. */
void *mb_htab_entry(const mb_htab *h, size_t i, const char **key,
    size_t *n);
/* Bytes held, for memory reports. */
size_t mb_htab_bytes(const mb_htab *h);

typedef struct mb_hset mb_hset;

mb_hset *mb_hset_new(void);
void mb_hset_free(mb_hset *s);
/* Adds a 64-bit hash; 1 when it was new, 0 when it was already there. */
int mb_hset_add(mb_hset *s, uint64_t h);
/* Starts loading the slot of h into the cache, for an add a little later:
 * over millions of keys the add is otherwise a cache miss. */
void mb_hset_prefetch(const mb_hset *s, uint64_t h);
size_t mb_hset_count(const mb_hset *s);

#endif
