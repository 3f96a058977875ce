/*
 * Asking a model for the summary of a digest, and keeping it honest: the
 * prompt (the digest as data, its strings quoted and cut), one chat
 * request, the grounding check of the answer, one more request naming
 * the figures that were not found, and the offline summary when the
 * model fails or keeps inventing.  With a cache folder, an answer that
 * passed is stored under the xxh3 of (digest, model, prompt version),
 * so unchanged gold makes no request.
 *
 * Ownership: an mb_summary owns its buffers (mb_summary_free); the
 * options and digest stay the caller's.
 */
#ifndef MB_ASK_H
#define MB_ASK_H

#include "digest.h"
#include "llm.h"

#define MB_PROMPT_VERSION "mb-summarize/1"

typedef struct mb_ask_opts {
	mb_llm_opts llm;
	const char *model;
	const char *cache_dir;	/* or NULL */
	/* warnings (the model failed, a figure was rejected); never NULL */
	void (*warn)(void *ctx, const char *msg);
	void *ctx;
} mb_ask_opts;

typedef struct mb_summary {
	const char *source;	/* "offline", "model", "fallback" */
	mb_buf text;
	mb_buf rejected;	/* figures that failed the check, each + NUL */
	int cached;		/* the answer came from the cache */
	int requests;		/* chat requests made */
} mb_summary;

/* The chat request's JSON for a digest (digest_json is its JSON text). */
void mb_ask_body(mb_buf *b, const char *model, const char *digest_json,
    size_t n, const char *answer, const char *missing);
/* The cache key: xxh3-64 of digest, model and prompt version. */
uint64_t mb_ask_key(const char *digest_json, size_t n, const char *model);
/* The summary from the model, or the offline one when it fails; always
 * fills out (source says which). */
void mb_ask(const mb_ask_opts *o, const mb_digest *d, const char *digest_json,
    size_t n, mb_summary *out);
/* The offline summary as an mb_summary. */
void mb_ask_offline(const mb_digest *d, mb_summary *out, const char *source);
void mb_summary_free(mb_summary *s);

#endif
