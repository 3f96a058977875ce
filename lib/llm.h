/*
 * A client for the chat completions API that OpenAI and local servers
 * (Ollama, llama.cpp's server, vLLM) speak: POST {endpoint}/v1/chat/
 * completions through libcurl, with retries on 429 and 5xx (exponential
 * backoff with jitter, Retry-After honoured), a time limit per request,
 * a limit on the answer's size, TLS always verified, no redirects.
 *
 * The API key is an mb_secret: read from the environment (whose copy is
 * then wiped and unset) or from a file that only its owner can read, kept
 * in locked memory, and wiped by mb_secret_wipe().  While a key is held
 * the process is not dumpable (no core file, no ptrace by other users);
 * it stays so until it exits.  Every buffer that libcurl frees is wiped
 * first (mb_llm_init), so its copies of the request headers go too.  The
 * trace (opts.log) shows the key as "****", and text from the server is
 * scrubbed of it before it reaches a message.
 *
 * Ownership: the caller owns the secret, the options and the output
 * buffer; nothing here keeps a pointer after it returns.
 */
#ifndef MB_LLM_H
#define MB_LLM_H

#include "mb.h"

typedef struct mb_secret {
	char *p;		/* NUL-terminated, in locked memory; NULL: none */
	size_t len;
} mb_secret;

/* The key in environment variable `name`.  1: read; 0: not set or
 * empty; -1: not usable (mb_errmsg()). */
int mb_secret_env(mb_secret *s, const char *name);
/* The key in a file.  1: read; -1: cannot be read (errno kept); -2: the
 * file is open to group or others, or owned by another user, or the key
 * is empty or holds control characters (mb_errmsg() says which). */
int mb_secret_file(mb_secret *s, const char *path);
void mb_secret_wipe(mb_secret *s);
/* Replaces each copy of the key in b with "****". */
void mb_secret_scrub(const mb_secret *s, mb_buf *b);

typedef struct mb_llm_opts {
	const char *endpoint;	/* base URL, or the full .../chat/completions */
	const char *ca_file;	/* extra CA certificates, or NULL */
	long timeout_ms;	/* per request */
	int retries;		/* more attempts after a 429 or 5xx */
	long backoff_ms;	/* first wait; doubles per retry (0: 500) */
	size_t max_answer;	/* bytes of a response body (0: 1 MiB) */
	const mb_secret *key;	/* may be NULL or empty */
	void (*log)(void *ctx, const char *msg);	/* the trace, or NULL */
	void *ctx;
} mb_llm_opts;

/* Sets up libcurl with the wiping allocator; once, before any request. */
int mb_llm_init(void);
void mb_llm_cleanup(void);
/* The URL that requests go to, appended to b. */
void mb_llm_url(mb_buf *b, const char *endpoint);
/*
 * Sends one chat request (body: the JSON of the request) and appends the
 * answer's text (choices[0].message.content) to content.  0, or -1 with
 * mb_errmsg(): the transport failed, the time ran out, the status was
 * not 2xx after the retries, or the body was too large or not a chat
 * completion.
 */
int mb_llm_chat(const mb_llm_opts *o, const char *body, size_t n,
    mb_buf *content);

#endif
