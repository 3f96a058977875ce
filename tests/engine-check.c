/*
 * engine-check: a driver that exposes the engines mb-enrich is built on
 * (lib/mask.h, lib/dparts.h, lib/dim.h, lib/patch.h) to the bats suite
 * (tests/engines.bats); not installed.  Each line of stdin is one case;
 * one line of output per case.
 *
 *   engine-check sha256             the SHA-256 of each line
 *   engine-check hmac HEXKEY        its HMAC-SHA256 under the key
 *   engine-check mask HEXKEY        its masked form (32 hex digits)
 *   engine-check secret FILE|- ENV  the key read (its length and text)
 *   engine-check dparts             each line a JSON value: its date parts
 *   engine-check dim PATH KEY [F,...|-] [first]
 *                                   loads a table; each line a JSON key
 *   engine-check patch PLAN OP...   each line a record, patched by the
 *                                   ops (name=json sets, -name deletes,
 *                                   name:=json sets by a name that is not
 *                                   an mb_name); PLAN: "plan" or "-"
 *   engine-check dq REPORT          each line "add RULE FIELD|- TYPE all|some",
 *                                   "fail I REC [VALUE]", "action I N" or
 *                                   "write ALL CHECKED COMPLETE"
 *   engine-check rules NOW EXPR F[,F...] TIME
 *                                   each line a record, checked by the
 *                                   rules of lib/rules.h: EXPR (quarantine),
 *                                   the key F,... unique (drop), TIME not
 *                                   after NOW (warn); its fate, its
 *                                   number of failures and their _errors
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mb.h"
#include "dq.h"
#include "dim.h"
#include "dparts.h"
#include "mask.h"
#include "patch.h"
#include "rules.h"

static mb_buf out;

static void
put(const void *p, size_t n)
{
	mb_buf_add(&out, p, n);
}

static void
hex(mb_buf *o, const unsigned char *p, size_t n)
{
	static const char h[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		mb_buf_addc(o, h[p[i] >> 4]);
		mb_buf_addc(o, h[p[i] & 15]);
	}
}

static void
unhex(const char *s, mb_buf *b)
{
	for (; s[0] && s[1]; s += 2) {
		char t[3] = { s[0], s[1], 0 };
		mb_buf_addc(b, (char)strtol(t, NULL, 16));
	}
}

static int
do_dim(int argc, char **argv, mb_in *in)
{
	char **fields = NULL;
	int nf = 0, err = 0, first = argc > 3 && strcmp(argv[3], "first") == 0;
	mb_dim *d;
	mb_line l;

	if (argc > 2 && strcmp(argv[2], "-") != 0) {
		char *s = strdup(argv[2]), *t, *save = NULL;
		for (t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			fields = realloc(fields, (size_t)(nf + 1) * sizeof(char *));
			fields[nf++] = t;
		}
		d = mb_dim_load(argv[0], argv[1], (const char *const *)fields, nf,
		    first, &err);
		free(fields);
		free(s);
	} else
		d = mb_dim_load(argv[0], argv[1], NULL, 0, first, &err);
	if (d == NULL) {
		printf("error %d: %s\n", err, mb_errmsg());
		return MB_EXIT_USAGE;
	}
	mb_buf_printf(&out, "%zu rows:", mb_dim_nrows(d));
	for (int i = 0; i < mb_dim_nfields(d); i++)
		mb_buf_printf(&out, " %s", mb_dim_field(d, i));
	mb_buf_addc(&out, '\n');
	while (mb_in_line(in, &l) == 1) {
		long row = mb_dim_find(d, l.p, l.len);
		mb_buf_printf(&out, "%.*s -> %ld", (int)l.len, l.p, row);
		for (int i = 0; row >= 0 && i < mb_dim_nfields(d); i++) {
			mb_span v = mb_dim_value(d, row, i);
			mb_buf_printf(&out, " %.*s", (int)v.len, v.p);
		}
		mb_buf_addc(&out, '\n');
	}
	mb_dim_free(d);
	return 0;
}

static int
do_patch(int argc, char **argv, mb_in *in)
{
	mb_patch *p = mb_patch_new();
	mb_name *names = calloc((size_t)argc + 1, sizeof(mb_name));
	const mb_name **plan = calloc((size_t)argc + 1, sizeof(*plan));
	mb_rec *r = mb_rec_new();
	mb_line l;
	int i, np = 0, deletes = 0;

	for (i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		if (argv[i][0] == '-')
			mb_name_init(&names[i], argv[i] + 1, strlen(argv[i] + 1));
		else if (eq && eq > argv[i] && eq[-1] == ':')
			continue;
		else
			mb_name_init(&names[i], argv[i], (size_t)(eq - argv[i]));
		if (argv[i][0] == '-')
			deletes = 1;
		else
			plan[np++] = &names[i];
	}
	if (strcmp(argv[0], "plan") == 0)
		mb_patch_plan(p, plan, np, deletes);
	while (mb_in_line(in, &l) == 1) {
		if (mb_rec_parse(r, l.p, l.len) < 0) {
			mb_buf_printf(&out, "error: %s\n", mb_errmsg());
			continue;
		}
		mb_patch_reset(p);
		for (i = 1; i < argc; i++) {
			char *eq = strchr(argv[i], '=');
			mb_span v;
			if (argv[i][0] == '-')
				mb_patch_del(p, &names[i]);
			else if (eq[-1] == ':')
				mb_patch_set_n(p, argv[i], (size_t)(eq - 1 - argv[i]),
				    eq + 1, strlen(eq + 1));
			else if (strcmp(eq + 1, "@") == 0 &&
			    mb_patch_get(p, names[i].s, names[i].n, &v) == 1)
				/* a value the patch holds, set again */
				mb_patch_set(p, &names[i], v.p, v.len);
			else
				mb_patch_set(p, &names[i], eq + 1, strlen(eq + 1));
		}
		mb_patch_write(p, r, l.p, l.len, put);
	}
	for (i = 0; i <= argc; i++)
		if (names[i].s)
			mb_name_free(&names[i]);
	free(names);
	free(plan);
	mb_rec_free(r);
	mb_patch_free(p);
	return 0;
}

static int
do_dq(const char *path, mb_in *in)
{
	static const char *const names[] = { "records_in", "passed" };
	mb_dq *q = mb_dq_new("engine-check");
	mb_line l;
	int prepared = 0;

	while (mb_in_line(in, &l) == 1) {
		char *s = strndup(l.p, l.len), *save = NULL;
		char *w = strtok_r(s, " ", &save), *a = strtok_r(NULL, " ", &save);
		char *b = strtok_r(NULL, " ", &save), *c = strtok_r(NULL, " ", &save);
		char *d = strtok_r(NULL, "", &save);

		if (w && strcmp(w, "add") == 0 && a && b && c && d)
			mb_buf_printf(&out, "%d\n", mb_dq_add(q, a,
			    strcmp(b, "-") ? b : NULL, c, NULL,
			    strcmp(d, "all") == 0));
		else if (w && strcmp(w, "fail") == 0 && a && b)
			mb_dq_fail(q, atoi(a), strtoull(b, NULL, 10), c ? l.p +
			    (c - s) : NULL, c ? l.len - (size_t)(c - s) : 0);
		else if (w && strcmp(w, "action") == 0 && a && b)
			mb_dq_set_action(q, atoi(a), atoi(b));
		else if (w && strcmp(w, "write") == 0 && a && b && c) {
			uint64_t vals[2] = { strtoull(a, NULL, 10),
			    strtoull(b, NULL, 10) };
			mb_dq_stats st = { vals[0], vals[1], names, vals, 2,
			    atoi(c) };
			if (!prepared++)
				mb_dq_prepare(q, path);
			if (mb_dq_write(q, &st) < 0)
				mb_buf_printf(&out, "error: %s\n", strerror(errno));
		} else
			mb_buf_printf(&out, "bad line: %.*s\n", (int)l.len, l.p);
		free(s);
	}
	mb_buf_printf(&out, "find parse=%d nosuch=%d\n", mb_dq_find(q, "parse"),
	    mb_dq_find(q, "nosuch"));
	mb_dq_free(q);
	return 0;
}

static int
do_rules(char **argv, mb_in *in)
{
	static const char *const fates[] = { "quarantine", "warn", "drop",
		"fail" };
	mb_dq *q = mb_dq_new("engine-check");
	mb_rec *r = mb_rec_new();
	mb_rules *rs;
	mb_expr *e;
	char *keys[8], *p, *c;
	size_t klen[8];
	int64_t now;
	uint64_t nrec = 0;
	int nk = 0, k;
	mb_line l;

	if (mb_time_parse(argv[0], strlen(argv[0]), &now) < 0 ||
	    (e = mb_expr_parse(argv[1])) == NULL)
		mb_die(MB_EXIT_USAGE, "rules: %s", mb_errmsg());
	rs = mb_rules_new(q, now, 1);
	mb_rules_add_check(rs, e, argv[1], mb_dq_add(q, "check", NULL,
	    "expect_records_to_satisfy_expression", NULL, 0));
	for (p = argv[2]; nk < 8; p = c + 1) {
		c = strchrnul(p, ',');
		keys[nk] = p;
		klen[nk++] = (size_t)(c - p);
		if (*c == '\0')
			break;
	}
	k = mb_dq_add(q, "unique", argv[2], "expect_column_values_to_be_unique",
	    NULL, 0);
	mb_dq_set_action(q, k, MB_DQ_DROP);
	mb_rules_add_unique(rs, keys, klen, nk, k);
	k = mb_dq_add(q, "not_future", argv[3],
	    "expect_column_values_to_not_be_in_the_future", NULL, 0);
	mb_dq_set_action(q, k, MB_DQ_WARN);
	mb_rules_add_notfuture(rs, argv[3], k);
	while (mb_in_line(in, &l) == 1) {
		mb_rules_begin(rs, ++nrec);
		if (mb_rec_parse(r, l.p, l.len) < 0) {
			mb_buf_printf(&out, "bad record: %s\n", mb_errmsg());
			continue;
		}
		mb_rules_prefetch(rs, r);
		mb_rules_run(rs, r);
		mb_buf_printf(&out, "%s %d ", fates[mb_rules_fate(rs)],
		    mb_rules_nfails(rs));
		mb_rules_errors_json(rs, &out);
		mb_buf_addc(&out, '\n');
	}
	mb_rules_free(rs);
	mb_rec_free(r);
	mb_dq_free(q);
	return 0;
}

int
main(int argc, char *argv[])
{
	const char *mode = argc > 1 ? argv[1] : "";
	mb_buf key = { 0 };
	mb_dparts keep = { 0 };
	mb_hmac h;
	mb_line l;
	mb_in *in;
	int rc = 0;

	mb_prog_init(argv[0]);
	if ((in = mb_in_open("-", 0)) == NULL)
		mb_die(MB_EXIT_FAIL, "%s", mb_errmsg());
	if ((strcmp(mode, "hmac") == 0 || strcmp(mode, "mask") == 0) && argc > 2) {
		unhex(argv[2], &key);
		mb_hmac_init(&h, key.p, key.len);
	}
	if (strcmp(mode, "dq") == 0 && argc > 2)
		rc = do_dq(argv[2], in);
	else if (strcmp(mode, "rules") == 0 && argc > 5)
		rc = do_rules(argv + 2, in);
	else if (strcmp(mode, "dim") == 0 && argc > 3)
		rc = do_dim(argc - 2, argv + 2, in);
	else if (strcmp(mode, "patch") == 0 && argc > 2)
		rc = do_patch(argc - 2, argv + 2, in);
	else if (strcmp(mode, "secret") == 0 && argc > 3) {
		if (mb_secret_read(strcmp(argv[2], "-") ? argv[2] : NULL, argv[3],
		    &key) < 0)
			mb_buf_printf(&out, "error: %s\n", mb_errmsg());
		else
			mb_buf_printf(&out, "%zu: %.*s\n", key.len, (int)key.len,
			    key.p);
	} else
		while (mb_in_line(in, &l) == 1) {
			unsigned char d[32];
			char m[32];
			if (strcmp(mode, "sha256") == 0) {
				mb_sha256 s;
				mb_sha256_init(&s);
				mb_sha256_add(&s, l.p, l.len);
				mb_sha256_end(&s, d);
				hex(&out, d, 32);
			} else if (strcmp(mode, "hmac") == 0) {
				mb_hmac_sum(&h, l.p, l.len, d);
				hex(&out, d, 32);
			} else if (strcmp(mode, "mask") == 0) {
				mb_mask_hex(&h, l.p, l.len, m);
				mb_buf_add(&out, m, 32);
			} else if (strcmp(mode, "dparts") == 0) {
				/* the same struct for every line, as a tool
				 * keeps it, so the day remembered is used */
				int k, x = mb_dparts_of(&keep, l.p, l.len);
				mb_buf_printf(&out, "%d", x);
				for (k = 0; x == 1 && k < MB_DP_N; k++)
					mb_buf_printf(&out, " %.*s",
					    (int)keep.part[k].len, keep.part[k].p);
				if (x < 0)
					mb_buf_printf(&out, " %s", mb_errmsg());
			} else
				mb_die(MB_EXIT_USAGE, "usage: engine-check sha256|hmac|"
				    "mask|secret|dparts|dim|patch|dq|rules ...");
			mb_buf_addc(&out, '\n');
		}
	mb_out_buf(&out);
	mb_buf_free(&out);
	mb_dparts_free(&keep);
	if (key.p != NULL)
		memset(key.p, 0, key.cap);
	mb_buf_free(&key);
	mb_in_close(in);
	return mb_finish(rc);
}
