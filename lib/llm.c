/*
 * llm.c: the API key (read, locked, wiped) and one chat completion over
 * HTTP(S) with libcurl: retries with backoff, limits, and a trace with
 * the key masked.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "llm.h"

#define KEY_MAX 4096
#define KEY_CAP (KEY_MAX + 2)
#define RETRY_AFTER_MAX 120	/* seconds: a longer wait is a failure */
#define BACKOFF_MAX_MS 30000

/* ---- the key ------------------------------------------------------------ */

static char *
locked(size_t n)
{
	char *p = mb_xcalloc(1, n);

	(void)mlock(p, n);	/* best effort: RLIMIT_MEMLOCK may be 0 */
	return p;
}

static void
unlocked_free(char *p, size_t n)
{
	if (p == NULL)
		return;
	explicit_bzero(p, n);
	(void)munlock(p, n);
	free(p);
}

/* A key is printable ASCII without spaces: nothing can break the
 * header line it goes into. */
static int
key_ok(const char *p, size_t n)
{
	if (n == 0 || n > KEY_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7f)
			return 0;
	return 1;
}

static size_t
trim(const char *p, size_t n, size_t *start)
{
	size_t s = 0;

	while (s < n && strchr(" \t\r\n", p[s]) != NULL)
		s++;
	while (n > s && strchr(" \t\r\n", p[n - 1]) != NULL)
		n--;
	*start = s;
	return n - s;
}

int
mb_secret_env(mb_secret *s, const char *name)
{
	char *v = getenv(name);
	size_t all, n, at;

	memset(s, 0, sizeof(*s));
	if (v == NULL || *v == '\0')
		return 0;
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	all = strlen(v);
	n = trim(v, all, &at);
	if (!key_ok(v + at, n)) {
		explicit_bzero(v, all);
		unsetenv(name);
		return mb_seterr("%s: not a usable key (empty, longer than %d "
		    "bytes, or with spaces or control characters)", name, KEY_MAX);
	}
	s->p = locked(KEY_CAP);
	memcpy(s->p, v + at, n);
	s->len = n;
	/* the environment's copy, which /proc/PID/environ would show */
	explicit_bzero(v, all);
	unsetenv(name);
	return 1;
}

int
mb_secret_file(mb_secret *s, const char *path)
{
	struct stat st;
	size_t n = 0, at;
	ssize_t r = 0;
	char *buf;
	int fd;

	memset(s, 0, sizeof(*s));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return mb_seterr("%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return mb_seterr("%s: %s", path, strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return mb_seterr("%s: not a regular file", path), -2;
	}
	if ((st.st_mode & 077) != 0) {
		close(fd);
		return mb_seterr("%s: permissions %04o are too open: a key file "
		    "must be readable by its owner only (chmod 600 %s)", path,
		    (unsigned)(st.st_mode & 07777), path), -2;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		close(fd);
		return mb_seterr("%s: owned by another user", path), -2;
	}
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	buf = locked(KEY_CAP);
	while (n < KEY_MAX + 1) {
		r = read(fd, buf + n, KEY_MAX + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (r < 0) {
		int e = errno;
		unlocked_free(buf, KEY_CAP);
		errno = e;
		return mb_seterr("%s: %s", path, strerror(e));
	}
	n = trim(buf, n, &at);
	if (!key_ok(buf + at, n)) {
		unlocked_free(buf, KEY_CAP);
		return mb_seterr("%s: not a usable key (empty, longer than %d "
		    "bytes, or with spaces or control characters)", path,
		    KEY_MAX), -2;
	}
	memmove(buf, buf + at, n);
	explicit_bzero(buf + n, KEY_CAP - n);
	s->p = buf;
	s->len = n;
	return 1;
}

void
mb_secret_wipe(mb_secret *s)
{
	unlocked_free(s->p, KEY_CAP);
	s->p = NULL;
	s->len = 0;
}

void
mb_secret_scrub(const mb_secret *s, mb_buf *b)
{
	char *at;

	if (s == NULL || s->p == NULL || s->len == 0)
		return;
	while ((at = memmem(b->p, b->len, s->p, s->len)) != NULL) {
		size_t off = (size_t)(at - b->p), tail = b->len - off - s->len;
		if (s->len >= 4) {
			memcpy(at, "****", 4);
			memmove(at + 4, at + s->len, tail);
			b->len = off + 4 + tail;
		} else
			memset(at, '*', s->len);
	}
}

/* ---- libcurl with a wiping allocator ------------------------------------ */

static void
w_free(void *p)
{
	if (p != NULL) {
		explicit_bzero(p, malloc_usable_size(p));
		free(p);
	}
}

static void *
w_malloc(size_t n)
{
	return malloc(n);
}

static void *
w_realloc(void *p, size_t n)
{
	size_t old;
	void *q;

	if (p == NULL)
		return malloc(n);
	if (n == 0) {
		w_free(p);
		return NULL;
	}
	old = malloc_usable_size(p);
	if ((q = malloc(n)) == NULL)
		return NULL;
	memcpy(q, p, old < n ? old : n);
	w_free(p);
	return q;
}

static char *
w_strdup(const char *s)
{
	return strdup(s);
}

static void *
w_calloc(size_t n, size_t m)
{
	return calloc(n, m);
}

int
mb_llm_init(void)
{
	if (curl_global_init_mem(CURL_GLOBAL_DEFAULT, w_malloc, w_free,
	    w_realloc, w_strdup, w_calloc) != CURLE_OK)
		return mb_seterr("libcurl could not be set up");
	return 0;
}

void
mb_llm_cleanup(void)
{
	curl_global_cleanup();
}

/* ---- one request ------------------------------------------------------ */

void
mb_llm_url(mb_buf *b, const char *ep)
{
	size_t n = strlen(ep);

	while (n > 0 && ep[n - 1] == '/')
		n--;
	mb_buf_add(b, ep, n);
	if (n >= 17 && memcmp(ep + n - 17, "/chat/completions", 17) == 0)
		return;
	if (n >= 3 && memcmp(ep + n - 3, "/v1", 3) == 0)
		mb_buf_adds(b, "/chat/completions");
	else
		mb_buf_adds(b, "/v1/chat/completions");
}

/* The URL for a message, user:password replaced by "****". */
static void
shown_url(mb_buf *b, const char *url)
{
	const char *s = strstr(url, "://"), *at, *slash;

	if (s != NULL) {
		s += 3;
		slash = strchr(s, '/');
		at = memchr(s, '@', slash ? (size_t)(slash - s) : strlen(s));
		if (at != NULL) {
			mb_buf_add(b, url, (size_t)(s - url));
			mb_buf_adds(b, "****");
			mb_buf_adds(b, at);
			return;
		}
	}
	mb_buf_adds(b, url);
}

struct rx {
	mb_buf body;
	size_t max;
	int toolong;
};

static size_t
on_data(char *p, size_t sz, size_t nm, void *ctx)
{
	struct rx *rx = ctx;
	size_t n = sz * nm;

	if (rx->body.len + n > rx->max) {
		rx->toolong = 1;
		return 0;
	}
	mb_buf_add(&rx->body, p, n);
	return n;
}

static void
trace(const mb_llm_opts *o, const char *fmt, ...)
{
	mb_buf b = { 0 };
	va_list ap;
	int n;

	if (o->log == NULL)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	mb_buf_grow(&b, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(b.p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b.len = (size_t)n;
	mb_secret_scrub(o->key, &b);
	o->log(o->ctx, mb_buf_cstr(&b));
	mb_buf_free(&b);
}

static long
jitter(long ms)
{
	uint32_t r;

	if (ms <= 0)
		return 0;
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (uint32_t)mb_time_now_ms() * 2654435761u;
	return (long)(r % (uint32_t)ms);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Printable text of a server's answer for a message: the error's
 * message when it is JSON, else its first bytes; scrubbed of the key. */
static void
server_text(const mb_llm_opts *o, const mb_buf *body, mb_buf *out)
{
	mb_rec *r = mb_rec_new();
	mb_buf t = { 0 };
	int v;

	if (body->len > 0 && mb_rec_parse(r, body->p, body->len) == 0 &&
	    ((v = mb_rec_find(r, "error.message")) >= 0 ||
	    (v = mb_rec_find(r, "error")) >= 0) && mb_rec_str(r, v, &t) == 0)
		;
	else
		mb_buf_add(&t, body->p, body->len < 200 ? body->len : 200);
	mb_secret_scrub(o->key, &t);
	for (size_t i = 0; i < t.len && i < 200; i++)
		mb_buf_addc(out, (unsigned char)t.p[i] < 0x20 ? ' ' : t.p[i]);
	mb_buf_free(&t);
	mb_rec_free(r);
}

/* choices[0].message.content of a chat completion. */
static int
parse_answer(const mb_buf *body, mb_buf *content)
{
	mb_rec *r = mb_rec_new();
	size_t at, n = trim(body->p, body->len, &at);
	int v, c, m = -1, x = -1, rc = -1;
	mb_span k;

	if (mb_rec_parse(r, body->p + at, n) == -1) {
		mb_seterr("the answer is not JSON: %s", mb_errmsg());
		goto out;
	}
	v = mb_rec_find(r, "choices");
	if (mb_rec_type(r, v) != MB_T_ARR || mb_rec_len(r, v) < 1 ||
	    mb_rec_type(r, c = mb_rec_child(r, v, 0, NULL)) != MB_T_OBJ) {
		mb_seterr("the answer is not a chat completion (no choices)");
		goto out;
	}
	for (int i = 0; i < mb_rec_len(r, c); i++) {
		int cv = mb_rec_child(r, c, i, &k);
		if (k.len == 7 && memcmp(k.p, "message", 7) == 0)
			m = cv;
	}
	for (int i = 0; m >= 0 && i < mb_rec_len(r, m); i++) {
		int cv = mb_rec_child(r, m, i, &k);
		if (k.len == 7 && memcmp(k.p, "content", 7) == 0)
			x = cv;
	}
	if (mb_rec_type(r, x) != MB_T_STR) {
		mb_seterr("the answer is not a chat completion (no message "
		    "content)");
		goto out;
	}
	mb_rec_str(r, x, content);
	rc = 0;
out:
	mb_rec_free(r);
	return rc;
}

int
mb_llm_chat(const mb_llm_opts *o, const char *body, size_t n, mb_buf *content)
{
	struct curl_slist ct = { "Content-Type: application/json", NULL }, auth;
	struct rx rx = { { 0 }, o->max_answer ? o->max_answer : 1 << 20, 0 };
	char errbuf[CURL_ERROR_SIZE], *ah = NULL;
	mb_buf url = { 0 }, shown = { 0 }, why = { 0 };
	long backoff = o->backoff_ms > 0 ? o->backoff_ms : 500, code = 0;
	int rc = -1, haskey = o->key && o->key->p && o->key->len > 0;
	CURL *h;

	if ((h = curl_easy_init()) == NULL)
		return mb_seterr("libcurl could not start a request");
	mb_llm_url(&url, o->endpoint);
	shown_url(&shown, mb_buf_cstr(&url));
	mb_buf_cstr(&shown);
	if (haskey) {
		ah = locked(o->key->len + 32);
		memcpy(ah, "Authorization: Bearer ", 22);
		memcpy(ah + 22, o->key->p, o->key->len);
		auth.data = ah;
		auth.next = NULL;
		ct.next = &auth;
	}
	curl_easy_setopt(h, CURLOPT_URL, url.p);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, &ct);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, o->timeout_ms);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (o->ca_file != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, o->ca_file);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "mb-summarize/" MB_VERSION);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &rx);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	trace(o, "POST %s", shown.p);
	trace(o, "Content-Type: application/json");
	if (haskey)
		trace(o, "Authorization: Bearer ****");
	trace(o, "request body (%zu bytes): %.*s", n, (int)n, body);
	for (int attempt = 0;; attempt++) {
		int64_t t0 = mb_time_now_ms();
		CURLcode cc;
		curl_off_t ra = 0;
		long wait;

		rx.body.len = 0;
		rx.toolong = 0;
		errbuf[0] = '\0';
		cc = curl_easy_perform(h);
		if (cc != CURLE_OK) {
			if (rx.toolong)
				mb_seterr("%s: the answer is larger than %zu bytes",
				    shown.p, rx.max);
			else if (cc == CURLE_OPERATION_TIMEDOUT)
				mb_seterr("%s: no answer within %ld s", shown.p,
				    (o->timeout_ms + 999) / 1000);
			else
				mb_seterr("%s: %s", shown.p, errbuf[0] ? errbuf :
				    curl_easy_strerror(cc));
			trace(o, "%s", mb_errmsg());
			break;
		}
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		trace(o, "HTTP %ld, %zu bytes in %.2f s", code, rx.body.len,
		    (double)(mb_time_now_ms() - t0) / 1000);
		if (code >= 200 && code < 300) {
			if ((rc = parse_answer(&rx.body, content)) == -1)
				mb_seterr("%s: %s", shown.p, mb_errmsg());
			break;
		}
		mb_buf_reset(&why);
		server_text(o, &rx.body, &why);
		if ((code == 429 || code >= 500) && attempt < o->retries) {
			curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &ra);
			if (ra > RETRY_AFTER_MAX) {
				mb_seterr("%s: HTTP %ld, and Retry-After asks for %lld "
				    "s", shown.p, code, (long long)ra);
				break;
			}
			if (ra > 0)
				wait = (long)ra * 1000 + jitter(250);
			else {
				wait = backoff << (attempt < 10 ? attempt : 10);
				if (wait > BACKOFF_MAX_MS)
					wait = BACKOFF_MAX_MS;
				wait = wait / 2 + jitter(wait / 2 + 1);
			}
			trace(o, "HTTP %ld%s%s: retry %d of %d in %.2f s%s", code,
			    why.len ? ": " : "", mb_buf_cstr(&why), attempt + 1,
			    o->retries, (double)wait / 1000,
			    ra > 0 ? " (Retry-After)" : "");
			sleep_ms(wait);
			continue;
		}
		mb_seterr("%s: HTTP %ld%s%s%s", shown.p, code,
		    why.len ? ": " : "", mb_buf_cstr(&why),
		    attempt > 0 ? " (after retries)" : "");
		break;
	}
	curl_easy_cleanup(h);
	if (ah != NULL)
		unlocked_free(ah, o->key->len + 32);
	if (rx.body.p != NULL)
		explicit_bzero(rx.body.p, rx.body.cap);
	mb_buf_free(&rx.body);
	mb_buf_free(&url);
	mb_buf_free(&shown);
	mb_buf_free(&why);
	return rc;
}
