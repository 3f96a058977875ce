/*
 * expr.c: fuzz harness for the expression language (lib/expr.c): its
 * parser, and its evaluator over records.  The first line of the input is
 * the expression; each further line, up to eight, is a record to evaluate
 * it on (with none, a fixed record of every type).  A value an expression
 * returns must be valid JSON when written out, as mb-enrich --set writes
 * it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"

static const char fixed[] =
    "{\"s\":\"abc\",\"n\":12.50,\"i\":-3,\"b\":true,\"z\":null,"
    "\"t\":\"2025-07-04T12:00:00Z\",\"o\":{\"x\":1,\"y\":[1,2]},"
    "\"a\":[\"p\",\"q\"],\"e\":\"\"}";

static void
eval_on(mb_expr *x, mb_rec *r, mb_buf *out)
{
	mb_val v;

	(void)mb_expr_eval(x, r, &v);
	(void)mb_val_true(&v);
	mb_buf_reset(out);
	mb_val_json(out, &v);
	if (mb_json_check(out->p, out->len) == -1)
		abort();	/* a value must write out as JSON */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static mb_rec *r;
	const char *p = (const char *)data, *e = p + size, *nl;
	char *src;
	mb_buf out = {0};
	mb_expr *x;
	size_t n;
	int k = 0;

	if (r == NULL)
		r = mb_rec_new();
	nl = memchr(p, '\n', size);
	n = (size_t)((nl ? nl : e) - p);
	if (memchr(p, '\0', n) != NULL)
		return 0;	/* the expression is a C string */
	src = mb_xstrndup(p, n);
	x = mb_expr_parse(src);
	free(src);
	if (x == NULL)
		return 0;
	(void)mb_expr_fields(x, &n);
	mb_expr_set_now(x, 1751630400123LL);
	for (p = nl ? nl + 1 : e; p < e && k < 8; p = nl ? nl + 1 : e) {
		nl = memchr(p, '\n', (size_t)(e - p));
		n = (size_t)((nl ? nl : e) - p);
		if (mb_rec_parse(r, p, n) == 0) {
			eval_on(x, r, &out);
			k++;
		}
	}
	if (k == 0 && mb_rec_parse(r, fixed, sizeof(fixed) - 1) == 0)
		eval_on(x, r, &out);
	mb_expr_free(x);
	mb_buf_free(&out);
	return 0;
}
