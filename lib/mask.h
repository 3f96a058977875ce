/*
 * Masking personal data: SHA-256, HMAC-SHA256 (RFC 2104, FIPS 180-4), a
 * keyed hash of a value as 32 hex digits (mb-enrich --mask), and reading
 * a secret key from the environment or from a file only its owner can
 * read (never from argv).
 *
 * Ownership: the structs are the caller's, plain values with no pointers
 * inside; a mb_hmac made once can hash any number of values and be shared
 * by threads (mb_hmac_sum does not change it).
 */
#ifndef MB_MASK_H
#define MB_MASK_H

#include "mb.h"

typedef struct mb_sha256 {
	uint32_t h[8];
	uint64_t len;
	unsigned char buf[64];
	size_t n;
} mb_sha256;

void mb_sha256_init(mb_sha256 *s);
void mb_sha256_add(mb_sha256 *s, const void *p, size_t n);
void mb_sha256_end(mb_sha256 *s, unsigned char out[32]);

/* HMAC-SHA256 with the key's inner and outer pads hashed once, at init. */
typedef struct mb_hmac {
	mb_sha256 in, out;
} mb_hmac;

void mb_hmac_init(mb_hmac *h, const void *key, size_t n);
void mb_hmac_sum(const mb_hmac *h, const void *p, size_t n,
    unsigned char out[32]);
/* The first 16 bytes of the HMAC of p as 32 lower-case hex digits. */
void mb_mask_hex(const mb_hmac *h, const void *p, size_t n, char out[32]);

/*
 * A secret: the contents of `file` (a regular file of this user that no
 * one else can read, mode 600 or stricter; one final newline dropped),
 * or else the value of environment variable `env`.  Appended to key; 0,
 * or -1 with mb_errmsg() (which never holds the secret).  The caller
 * wipes key when done (memset of key->cap bytes).
 */
int mb_secret_read(const char *file, const char *env, mb_buf *key);

#endif
