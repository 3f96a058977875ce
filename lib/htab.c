/*
 * htab.c: open-addressing hash tables keyed by xxh3-64 (mb_hash).  The
 * index holds entry numbers; entries (hash, key offset, key length) and
 * values sit in arrays in insertion order, keys in one byte buffer, so a
 * table of n keys is a handful of allocations whatever n is.
 */
#include <stdlib.h>
#include <string.h>

#include "mb.h"
#include "htab.h"

typedef struct entry {
	uint64_t hash;
	size_t koff, klen;
} entry;

struct mb_htab {
	uint32_t *idx;		/* entry number + 1; 0 is empty */
	size_t mask;		/* index size - 1 */
	entry *ent;
	char *val;
	size_t n, cap, vsize;
	mb_buf keys;
};

mb_htab *
mb_htab_new(size_t vsize)
{
	mb_htab *h = mb_xcalloc(1, sizeof(*h));

	h->vsize = vsize ? vsize : 1;
	h->mask = 63;
	h->idx = mb_xcalloc(h->mask + 1, sizeof(uint32_t));
	return h;
}

void
mb_htab_free(mb_htab *h)
{
	if (h == NULL)
		return;
	free(h->idx);
	free(h->ent);
	free(h->val);
	mb_buf_free(&h->keys);
	free(h);
}

static void
rehash(mb_htab *h)
{
	size_t i, j;

	free(h->idx);
	h->mask = h->mask * 2 + 1;
	h->idx = mb_xcalloc(h->mask + 1, sizeof(uint32_t));
	for (i = 0; i < h->n; i++) {
		j = h->ent[i].hash & h->mask;
		while (h->idx[j] != 0)
			j = (j + 1) & h->mask;
		h->idx[j] = (uint32_t)(i + 1);
	}
}

static size_t
slot(const mb_htab *h, uint64_t hv, const void *key, size_t n)
{
	size_t j = hv & h->mask;

	while (h->idx[j] != 0) {
		const entry *e = &h->ent[h->idx[j] - 1];
		if (e->hash == hv && e->klen == n &&
		    memcmp(h->keys.p + e->koff, key, n) == 0)
			break;
		j = (j + 1) & h->mask;
	}
	return j;
}

void *
mb_htab_get(const mb_htab *h, const void *key, size_t n)
{
	size_t j = slot(h, mb_hash(key, n), key, n);

	if (h->idx[j] == 0)
		return NULL;
	return h->val + (size_t)(h->idx[j] - 1) * h->vsize;
}

void *
mb_htab_put(mb_htab *h, const void *key, size_t n, int *created)
{
	uint64_t hv = mb_hash(key, n);
	size_t j = slot(h, hv, key, n);
	entry *e;

	if (h->idx[j] != 0) {
		if (created != NULL)
			*created = 0;
		return h->val + (size_t)(h->idx[j] - 1) * h->vsize;
	}
	if (h->n >= UINT32_MAX - 1)
		abort();
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 64;
		h->ent = mb_xrealloc(h->ent, h->cap * sizeof(entry));
		h->val = mb_xrealloc(h->val, h->cap * h->vsize);
	}
	e = &h->ent[h->n];
	e->hash = hv;
	e->koff = h->keys.len;
	e->klen = n;
	mb_buf_add(&h->keys, key, n);
	memset(h->val + h->n * h->vsize, 0, h->vsize);
	h->idx[j] = (uint32_t)(++h->n);
	if (h->n * 2 > h->mask + 1)
		rehash(h);
	if (created != NULL)
		*created = 1;
	return h->val + (h->n - 1) * h->vsize;
}

size_t
mb_htab_count(const mb_htab *h)
{
	return h->n;
}

void *
mb_htab_entry(const mb_htab *h, size_t i, const char **key, size_t *n)
{
	if (i >= h->n)
		return NULL;
	if (key != NULL)
		*key = h->keys.p + h->ent[i].koff;
	if (n != NULL)
		*n = h->ent[i].klen;
	return h->val + i * h->vsize;
}

size_t
mb_htab_bytes(const mb_htab *h)
{
	return (h->mask + 1) * sizeof(uint32_t) + h->cap *
	    (sizeof(entry) + h->vsize) + h->keys.cap;
}

/* ---- sets of hashes ------------------------------------------------------- */

/*
 * 0 marks an empty slot, so the hash 0 is stored as 1: one more chance in
 * 2^64 of a false repeat.  A hash's slot is its top bits, so that when the
 * table doubles the members keep their order and move in one sequential
 * pass instead of a random access each.
 */
struct mb_hset {
	uint64_t *t;
	size_t mask, n;
	int shift;		/* 64 - log2(slots) */
};

mb_hset *
mb_hset_new(void)
{
	mb_hset *s = mb_xcalloc(1, sizeof(*s));

	s->mask = 1023;
	s->shift = 54;
	s->t = mb_xcalloc(s->mask + 1, sizeof(uint64_t));
	return s;
}

void
mb_hset_free(mb_hset *s)
{
	if (s == NULL)
		return;
	free(s->t);
	free(s);
}

static int
hset_ins(uint64_t *t, size_t mask, int shift, uint64_t h)
{
	size_t j = (size_t)(h >> shift);

	while (t[j] != 0) {
		if (t[j] == h)
			return 0;
		j = (j + 1) & mask;
	}
	t[j] = h;
	return 1;
}

int
mb_hset_add(mb_hset *s, uint64_t h)
{
	if (h == 0)
		h = 1;
	if (!hset_ins(s->t, s->mask, s->shift, h))
		return 0;
	if (++s->n * 4 > (s->mask + 1) * 3) {
		size_t i, omask = s->mask;
		uint64_t *old = s->t;
		s->mask = s->mask * 2 + 1;
		s->shift--;
		s->t = mb_xcalloc(s->mask + 1, sizeof(uint64_t));
		for (i = 0; i <= omask; i++)
			if (old[i] != 0)
				hset_ins(s->t, s->mask, s->shift, old[i]);
		free(old);
	}
	return 1;
}

void
mb_hset_prefetch(const mb_hset *s, uint64_t h)
{
	__builtin_prefetch(&s->t[(h ? h : 1) >> s->shift], 1);
}

size_t
mb_hset_count(const mb_hset *s)
{
	return s->n;
}
