/* hash.c: xxh3-64, the one hash of mb (lineage, checksums, hash tables). */
#include <xxhash.h>

#include "mb.h"

uint64_t
mb_hash(const void *p, size_t n)
{
	return XXH3_64bits(p, n);
}
