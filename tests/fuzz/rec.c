/*
 * rec.c: fuzz harness for the record parser (rec.c, json.c) and the value
 * readers behind it (dec.c, time.c).  The input is one NDJSON line: it is
 * checked and parsed as every tool does, then every field is read in
 * every way a tool reads one (typed reads, nested paths through jsmn,
 * decimals, times), edited and written back; the written record must
 * parse again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mb.h"

/* Every way a tool reads value v; recurses into nested values a little. */
static void
read_value(mb_rec *r, int v, mb_buf *s, int depth)
{
	mb_span raw = mb_rec_raw(r, v);
	mb_span key;
	int64_t i64, ms;
	double d;
	int b, n, k;
	mb_dec dec;

	mb_buf_reset(s);
	switch (mb_rec_type(r, v)) {
	case MB_T_STR:
		if (mb_rec_str(r, v, s) == 0) {
			(void)mb_time_parse(s->p, s->len, &ms);
			(void)mb_dec_parse(s->p, s->len, &dec);
			(void)mb_utf8_len(s->p, s->len);
		}
		break;
	case MB_T_NUM:
		(void)mb_rec_int(r, v, &i64);
		(void)mb_rec_double(r, v, &d);
		if (mb_rec_dec(r, v, &dec) == 0) {
			mb_buf_dec(s, dec);
			(void)mb_dec_to_double(dec);
		}
		(void)mb_dec_parse64(raw.p, raw.len, &i64, &b);
		(void)mb_time_parse(raw.p, raw.len, &ms);
		break;
	case MB_T_BOOL:
		(void)mb_rec_bool(r, v, &b);
		break;
	case MB_T_OBJ:
	case MB_T_ARR:
		if (depth > 3)
			break;
		n = mb_rec_len(r, v);
		for (k = 0; k < n && k < 64; k++)
			read_value(r, mb_rec_child(r, v, k, &key), s, depth + 1);
		break;
	default:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static mb_rec *r, *r2;
	mb_buf s = {0}, path = {0}, out = {0};
	const char *p = (const char *)data;
	mb_span key;
	int i, n, lineage, hint = -1;

	if (r == NULL) {
		r = mb_rec_new();
		r2 = mb_rec_new();
	}
	(void)mb_json_check(p, size);
	(void)mb_json_check_line(p, size, &lineage);
	(void)mb_utf8_bad(p, size);
	if (mb_rec_parse(r, p, size) == -1)
		return 0;
	n = mb_rec_nfields(r);
	for (i = 0; i < n; i++) {
		int v = mb_rec_field(r, i);

		key = mb_rec_key(r, i);
		read_value(r, v, &s, 0);
		/* find it again by name, and by a dotted path into it */
		mb_buf_reset(&path);
		mb_buf_add(&path, key.p, key.len);
		mb_buf_cstr(&path);
		(void)mb_rec_findn(r, path.p, path.len);
		(void)mb_rec_findh(r, path.p, path.len, &hint);
		if (mb_rec_type(r, v) == MB_T_OBJ && mb_rec_len(r, v) > 0) {
			mb_span k2;

			(void)mb_rec_child(r, v, 0, &k2);
			mb_buf_addc(&path, '.');
			mb_buf_add(&path, k2.p, k2.len);
			read_value(r, mb_rec_find(r, mb_buf_cstr(&path)), &s, 0);
		}
	}
	(void)mb_rec_find(r, "a.b.c");
	(void)mb_rec_find(r, "");
	/* edits, and the record written back must be one again */
	if (n > 0) {
		key = mb_rec_key(r, 0);
		mb_buf_reset(&path);
		mb_buf_add(&path, key.p, key.len);
		mb_rec_del(r, mb_buf_cstr(&path));
	}
	if (n > 1) {
		key = mb_rec_key(r, n - 1);
		mb_buf_reset(&path);
		mb_buf_add(&path, key.p, key.len);
		mb_rec_set_int(r, mb_buf_cstr(&path), -42);
	}
	mb_rec_set_str(r, "_fuzz", p, size < 64 ? size : 64);
	mb_rec_set(r, "_n", "[1,{\"x\":null}]", 14);
	mb_rec_write(r, &out);
	if (out.len == 0 || out.p[out.len - 1] != '\n' ||
	    mb_rec_parse(r2, out.p, out.len - 1) == -1)
		abort();	/* a record written back must parse */
	mb_buf_free(&s);
	mb_buf_free(&path);
	mb_buf_free(&out);
	return 0;
}
