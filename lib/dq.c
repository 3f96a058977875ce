/*
 * dq.c: data-quality expectations and their report (dq.h).  The report's
 * text is built by rp() and friends into a buffer allocated in
 * mb_dq_prepare(), large enough for every expectation's config and full
 * partial list, so that writing it allocates nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dq.h"

#define NPARTIAL 20		/* partial_unexpected_list length */
#define PARTMAX 256		/* bytes of one value kept for the report */

static const char *action_names[] = { "quarantine", "warn", "drop", "fail" };

/* One line of the report: a rule, on one field or the whole record. */
typedef struct expect {
	char *rule;
	char *field;		/* NULL: the whole record */
	char *config;		/* "expectation_config" JSON, made at start */
	int action, all;
	uint64_t unexpected, stamp;
	int npartial;
	char partial[NPARTIAL][PARTMAX + 16];
} expect;

struct mb_dq {
	char *tool;
	expect *exps;
	int nexps;
	/* the report, rendered into rep */
	char *path, *tmp;
	char *rep;
	size_t repcap, replen;
};

mb_dq *
mb_dq_new(const char *tool)
{
	mb_dq *q = mb_xcalloc(1, sizeof(*q));

	q->tool = mb_xstrdup(tool);
	return q;
}

void
mb_dq_free(mb_dq *q)
{
	int i;

	if (q == NULL)
		return;
	for (i = 0; i < q->nexps; i++) {
		free(q->exps[i].rule);
		free(q->exps[i].field);
		free(q->exps[i].config);
	}
	free(q->exps);
	free(q->tool);
	free(q->path);
	free(q->tmp);
	free(q->rep);
	free(q);
}

int
mb_dq_add(mb_dq *q, const char *rule, const char *field, const char *type,
    const char *kwargs, int all)
{
	expect *x;
	mb_buf b = { 0 };

	q->exps = mb_xrealloc(q->exps, ((size_t)q->nexps + 1) * sizeof(expect));
	x = &q->exps[q->nexps];
	memset(x, 0, sizeof(*x));
	x->rule = mb_xstrdup(rule);
	x->field = field ? mb_xstrdup(field) : NULL;
	x->all = all;
	mb_buf_printf(&b, "{\"expectation_type\": \"%s\", \"kwargs\": {", type);
	if (field != NULL && kwargs == NULL) {
		mb_buf_adds(&b, "\"column\": ");
		mb_buf_json_str(&b, field, strlen(field));
	} else if (kwargs != NULL)
		mb_buf_adds(&b, kwargs);
	mb_buf_adds(&b, "}, \"meta\": {\"rule\": ");
	mb_buf_json_str(&b, rule, strlen(rule));
	x->config = mb_buf_cstr(&b);
	return q->nexps++;
}

int
mb_dq_count(const mb_dq *q)
{
	return q->nexps;
}

const char *
mb_dq_rule(const mb_dq *q, int i)
{
	return q->exps[i].rule;
}

const char *
mb_dq_field(const mb_dq *q, int i)
{
	return q->exps[i].field;
}

int
mb_dq_action(const mb_dq *q, int i)
{
	return q->exps[i].action;
}

void
mb_dq_set_action(mb_dq *q, int i, int action)
{
	q->exps[i].action = action;
}

int
mb_dq_find(const mb_dq *q, const char *rule)
{
	int i;

	for (i = 0; i < q->nexps; i++)
		if (strcmp(q->exps[i].rule, rule) == 0)
			return i;
	return -1;
}

/* Keeps a value for partial_unexpected_list: raw JSON, shortened when
 * long (a string is cut at a character boundary and marked "..."). */
static void
keep_partial(expect *x, const char *p, size_t n)
{
	char *d;

	if (x->npartial >= NPARTIAL)
		return;
	d = x->partial[x->npartial++];
	if (p == NULL) {
		memcpy(d, "null", 5);
		return;
	}
	if (n <= PARTMAX) {
		memcpy(d, p, n);
		d[n] = '\0';
		return;
	}
	if (p[0] == '"') {
		size_t k = 120, bs = 0;
		while (k > 1 && ((unsigned char)p[k] & 0xC0) == 0x80)
			k--;
		while (bs < k - 1 && p[k - 1 - bs] == '\\')
			bs++;
		if (bs % 2)
			k--;
		/* a \uXXXX escape cut short */
		{
			size_t j = k > 6 ? k - 6 : 1;
			for (; j < k; j++)
				if (p[j] == '\\' && p[j + 1] == 'u' && j + 6 > k) {
					k = j;
					break;
				}
		}
		memcpy(d, p, k);
		memcpy(d + k, "...\"", 5);
		return;
	}
	snprintf(d, PARTMAX, "\"(%s of %zu bytes)\"", p[0] == '{' ? "object" :
	    p[0] == '[' ? "array" : "value", n);
}

void
mb_dq_fail(mb_dq *q, int i, uint64_t rec, const char *val, size_t n)
{
	expect *x = &q->exps[i];

	if (x->stamp == rec)
		return;
	x->stamp = rec;
	x->unexpected++;
	keep_partial(x, val, n);
}

/* ---- the report ------------------------------------------------------------------ */

static void
rp(mb_dq *q, const char *s, size_t n)
{
	if (q->replen + n > q->repcap)
		n = q->repcap - q->replen;
	memcpy(q->rep + q->replen, s, n);
	q->replen += n;
}

static void
rps(mb_dq *q, const char *s)
{
	rp(q, s, strlen(s));
}

static void
rpu(mb_dq *q, uint64_t v)
{
	char d[24];
	int i = 24;

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	rp(q, d + i, (size_t)(24 - i));
}

/* 100 * a / b, with up to six decimals, trailing zeros trimmed. */
static void
rppct(mb_dq *q, uint64_t a, uint64_t b)
{
	unsigned __int128 x;
	uint64_t ip, fp;
	char f[7];
	int i, n = 6;

	if (b == 0) {
		rps(q, "0");
		return;
	}
	x = ((unsigned __int128)a * 100000000u + b / 2) / b;
	ip = (uint64_t)(x / 1000000);
	fp = (uint64_t)(x % 1000000);
	rpu(q, ip);
	if (fp == 0)
		return;
	for (i = 5; i >= 0; i--) {
		f[i] = (char)('0' + fp % 10);
		fp /= 10;
	}
	while (n > 0 && f[n - 1] == '0')
		n--;
	rps(q, ".");
	rp(q, f, (size_t)n);
}

static void
render(mb_dq *q, const mb_dq_stats *st)
{
	int i, j, ok = 0;

	q->replen = 0;
	for (i = 0; i < q->nexps; i++)
		ok += q->exps[i].unexpected == 0;
	rps(q, "{\n  \"success\": ");
	rps(q, ok == q->nexps ? "true" : "false");
	rps(q, ",\n  \"statistics\": {\"evaluated_expectations\": ");
	rpu(q, (uint64_t)q->nexps);
	rps(q, ", \"successful_expectations\": ");
	rpu(q, (uint64_t)ok);
	rps(q, ", \"unsuccessful_expectations\": ");
	rpu(q, (uint64_t)(q->nexps - ok));
	rps(q, ", \"success_percent\": ");
	rppct(q, (uint64_t)ok, (uint64_t)q->nexps);
	rps(q, "},\n  \"results\": [");
	for (i = 0; i < q->nexps; i++) {
		expect *x = &q->exps[i];
		uint64_t elements = x->all ? st->all : st->checked;
		rps(q, i ? ",\n    " : "\n    ");
		rps(q, "{\"success\": ");
		rps(q, x->unexpected == 0 ? "true" : "false");
		rps(q, ", \"expectation_config\": ");
		rps(q, x->config);
		rps(q, ", \"action\": \"");
		rps(q, action_names[x->action]);
		rps(q, "\"}}, \"result\": {\"element_count\": ");
		rpu(q, elements);
		rps(q, ", \"unexpected_count\": ");
		rpu(q, x->unexpected);
		rps(q, ", \"unexpected_percent\": ");
		rppct(q, x->unexpected, elements);
		rps(q, ", \"partial_unexpected_list\": [");
		for (j = 0; j < x->npartial; j++) {
			if (j)
				rps(q, ", ");
			rps(q, x->partial[j]);
		}
		rps(q, "]}}");
	}
	rps(q, "\n  ],\n  ");
	for (i = 0; i < st->n; i++) {
		rps(q, i ? ", \"" : "\"");
		rps(q, st->names[i]);
		rps(q, "\": ");
		rpu(q, st->vals[i]);
	}
	rps(q, ",\n  \"meta\": {\"tool\": \"");
	rps(q, q->tool);
	rps(q, "\", \"version\": \"" MB_VERSION "\", \"complete\": ");
	rps(q, st->complete ? "true" : "false");
	rps(q, "}\n}\n");
}

void
mb_dq_prepare(mb_dq *q, const char *path)
{
	size_t sz = 4096;
	int i;

	for (i = 0; i < q->nexps; i++)
		sz += 512 + strlen(q->exps[i].config) + strlen(action_names[0]) +
		    NPARTIAL * (PARTMAX + 20);
	q->repcap = sz;
	q->rep = mb_xmalloc(sz);
	q->path = mb_xstrdup(path);
	q->tmp = mb_xmalloc(strlen(path) + 8);
	snprintf(q->tmp, strlen(path) + 8, "%s.tmp", path);
}

int
mb_dq_write(mb_dq *q, const mb_dq_stats *st)
{
	int fd, e;
	size_t off = 0;
	ssize_t w;

	if (q->rep == NULL)
		return 0;
	render(q, st);
	fd = open(q->tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	while (off < q->replen) {
		w = write(fd, q->rep + off, q->replen - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			e = w < 0 ? errno : EIO;
			close(fd);
			unlink(q->tmp);
			errno = e;
			return -1;
		}
		off += (size_t)w;
	}
	if (close(fd) != 0 || rename(q->tmp, q->path) != 0) {
		e = errno;
		unlink(q->tmp);
		errno = e;
		return -1;
	}
	return 0;
}
