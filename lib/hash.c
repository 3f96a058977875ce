/* hash.c: xxh3-64, the one hash of mb (lineage, checksums, hash tables). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xxhash.h>

#include "mb.h"

uint64_t
mb_hash(const void *p, size_t n)
{
	return XXH3_64bits(p, n);
}

int
mb_hash_file(const char *path, uint64_t limit, uint64_t *hash, uint64_t *size)
{
	XXH3_state_t *st = XXH3_createState();
	char *buf = mb_xmalloc(1 << 20);
	uint64_t total = 0;
	ssize_t k;
	int fd, rc = 0, e = 0;

	if (st == NULL)
		abort();
	XXH3_64bits_reset(st);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		e = errno;
		rc = mb_seterr("%s", strerror(e));
	}
	while (rc == 0 && total < limit) {
		k = read(fd, buf, limit - total < (1 << 20) ? (size_t)(limit - total) : (1 << 20));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			e = errno;
			rc = mb_seterr("read: %s", strerror(e));
		}
		if (k <= 0)
			break;
		XXH3_64bits_update(st, buf, (size_t)k);
		total += (uint64_t)k;
	}
	if (fd >= 0)
		close(fd);
	*hash = XXH3_64bits_digest(st);
	if (size)
		*size = total;
	XXH3_freeState(st);
	free(buf);
	errno = e;
	return rc;
}
