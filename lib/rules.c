/*
 * rules.c: the record rules of mb-validate beyond its schema (rules.h):
 * --check expressions, --unique keys, --not-future times, and the
 * failures of the current record.
 */
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "htab.h"

typedef struct check {
	char *src;
	mb_expr *e;
	int exp;
} check;

typedef struct uniq {
	char **fields;
	size_t *flen;
	int *hint;		/* mb_rec_findh() hints, one per field */
	int nfields;
	mb_hset *seen;
	int exp;
	/* this record's key, made before the schema check so that the
	 * set's slot is fetched into the cache meanwhile */
	int haskey;
	uint64_t hash;
	mb_span key;		/* its text: in the line, or in keybuf */
	mb_buf keybuf;
} uniq;

typedef struct notfut {
	char *field;
	size_t flen;
	int hint;
	int exp;
} notfut;

/* An error found in the current record. */
typedef struct failure {
	int exp;
	size_t foff, flen;	/* field path in errtext; flen 0 and foff -1: null */
	size_t moff, mlen;	/* message in errtext */
} failure;

struct mb_rules {
	mb_dq *dq;		/* the expectations and their report */
	check *checks;
	int nchecks;
	uniq *uniqs;
	int nuniqs;
	notfut *nfs;
	int nnfs;
	int64_t now;
	int nowset;		/* else --not-future follows the clock */
	/* per record */
	uint64_t rec;
	failure *fails;
	int nfails, capfails;
	mb_buf errtext;
	mb_buf vals, tmp;
};

mb_rules *
mb_rules_new(mb_dq *dq, int64_t now, int nowset)
{
	mb_rules *rs = mb_xcalloc(1, sizeof(*rs));

	rs->dq = dq;
	rs->now = now;
	rs->nowset = nowset;
	return rs;
}

void
mb_rules_free(mb_rules *rs)
{
	int i, j;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->nchecks; i++) {
		free(rs->checks[i].src);
		mb_expr_free(rs->checks[i].e);
	}
	free(rs->checks);
	for (i = 0; i < rs->nuniqs; i++) {
		for (j = 0; j < rs->uniqs[i].nfields; j++)
			free(rs->uniqs[i].fields[j]);
		free(rs->uniqs[i].fields);
		free(rs->uniqs[i].flen);
		free(rs->uniqs[i].hint);
		mb_buf_free(&rs->uniqs[i].keybuf);
		mb_hset_free(rs->uniqs[i].seen);
	}
	free(rs->uniqs);
	for (i = 0; i < rs->nnfs; i++)
		free(rs->nfs[i].field);
	free(rs->nfs);
	free(rs->fails);
	mb_buf_free(&rs->errtext);
	mb_buf_free(&rs->vals);
	mb_buf_free(&rs->tmp);
	free(rs);
}

void
mb_rules_add_check(mb_rules *rs, mb_expr *e, const char *src, int exp)
{
	check *c;

	rs->checks = mb_xrealloc(rs->checks, ((size_t)rs->nchecks + 1) *
	    sizeof(check));
	c = &rs->checks[rs->nchecks++];
	c->src = mb_xstrdup(src);
	c->e = e;
	c->exp = exp;
}

void
mb_rules_add_unique(mb_rules *rs, char *const *fields, const size_t *flen,
    int n, int exp)
{
	uniq *u;
	int i;

	rs->uniqs = mb_xrealloc(rs->uniqs, ((size_t)rs->nuniqs + 1) *
	    sizeof(uniq));
	u = &rs->uniqs[rs->nuniqs++];
	memset(u, 0, sizeof(*u));
	u->fields = mb_xcalloc((size_t)n, sizeof(char *));
	u->flen = mb_xcalloc((size_t)n, sizeof(size_t));
	u->hint = mb_xcalloc((size_t)n, sizeof(int));
	for (i = 0; i < n; i++) {
		u->fields[i] = mb_xstrndup(fields[i], flen[i]);
		u->flen[i] = flen[i];
		u->hint[i] = -1;
	}
	u->nfields = n;
	u->seen = mb_hset_new();
	u->exp = exp;
}

void
mb_rules_add_notfuture(mb_rules *rs, const char *field, int exp)
{
	notfut *nf;

	rs->nfs = mb_xrealloc(rs->nfs, ((size_t)rs->nnfs + 1) *
	    sizeof(notfut));
	nf = &rs->nfs[rs->nnfs++];
	nf->field = mb_xstrdup(field);
	nf->flen = strlen(field);
	nf->hint = -1;
	nf->exp = exp;
}

void
mb_rules_begin(mb_rules *rs, uint64_t rec)
{
	rs->rec = rec;
	rs->nfails = 0;
	mb_buf_reset(&rs->errtext);
}

void
mb_rules_fail(mb_rules *rs, int exp, const char *field, size_t flen,
    const char *valp, size_t valn, const char *msg, size_t mlen)
{
	failure *f;

	if (rs->nfails == rs->capfails) {
		rs->capfails = rs->capfails ? rs->capfails * 2 : 16;
		rs->fails = mb_xrealloc(rs->fails, (size_t)rs->capfails *
		    sizeof(*f));
	}
	f = &rs->fails[rs->nfails++];
	f->exp = exp;
	if (field != NULL) {
		f->foff = rs->errtext.len;
		f->flen = flen;
		mb_buf_add(&rs->errtext, field, flen);
	} else {
		f->foff = (size_t)-1;
		f->flen = 0;
	}
	f->moff = rs->errtext.len;
	f->mlen = mlen;
	mb_buf_add(&rs->errtext, msg, mlen);
	mb_dq_fail(rs->dq, exp, rs->rec, valp, valn);
}

void
mb_rules_failf(mb_rules *rs, int exp, const char *field, size_t flen,
    const char *valp, size_t valn, const char *fmt, ...)
{
	va_list ap;
	char msg[600];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mb_rules_fail(rs, exp, field, flen, valp, valn, msg, n < 0 ? 0 :
	    (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
}

static void
run_checks(mb_rules *rs, const mb_rec *r)
{
	int i;
	mb_val v;
	mb_buf *vals = &rs->vals;

	for (i = 0; i < rs->nchecks; i++) {
		check *c = &rs->checks[i];
		int rc = mb_expr_eval(c->e, r, &v);
		const char *f;
		size_t fn, k;

		if (rc == 0 && (v.t == MB_V_NULL || mb_val_true(&v)))
			continue;
		/* the values the expression looked at, for the report */
		mb_buf_reset(vals);
		mb_buf_addc(vals, '{');
		f = mb_expr_fields(c->e, &fn);
		for (k = 0; k < fn; k += strlen(f + k) + 1) {
			int fv = mb_rec_find(r, f + k);
			mb_span sp = mb_rec_raw(r, fv);
			if (vals->len > 1)
				mb_buf_addc(vals, ',');
			mb_buf_json_str(vals, f + k, strlen(f + k));
			mb_buf_addc(vals, ':');
			if (fv < 0)
				mb_buf_adds(vals, "null");
			else
				mb_buf_add(vals, sp.p, sp.len);
		}
		mb_buf_addc(vals, '}');
		if (rc < 0)
			mb_rules_failf(rs, c->exp, NULL, 0, vals->p, vals->len,
			    "error: %s", mb_errmsg());
		else if (v.t != MB_V_BOOL)
			mb_rules_failf(rs, c->exp, NULL, 0, vals->p, vals->len,
			    "not a boolean: %s", c->src);
		else
			mb_rules_failf(rs, c->exp, NULL, 0, vals->p, vals->len,
			    "check failed: %s", c->src);
	}
}

/* The --unique keys of the record: a field's raw JSON, or a JSON array
 * of several; hashed, and the set's slot prefetched. */
void
mb_rules_prefetch(mb_rules *rs, const mb_rec *r)
{
	int i, j;

	for (i = 0; i < rs->nuniqs; i++) {
		uniq *u = &rs->uniqs[i];
		mb_buf *key = &u->keybuf;
		u->haskey = 0;
		mb_buf_reset(key);
		if (u->nfields > 1)
			mb_buf_addc(key, '[');
		for (j = 0; j < u->nfields; j++) {
			int fv = mb_rec_findh(r, u->fields[j], u->flen[j],
			    &u->hint[j]);
			mb_type t = mb_rec_type(r, fv);
			mb_span sp;
			if (t == MB_T_NONE || t == MB_T_NULL)
				break;
			sp = mb_rec_raw(r, fv);
			if (u->nfields == 1) {
				u->key = sp;	/* no copy */
				continue;
			}
			if (j)
				mb_buf_addc(key, ',');
			mb_buf_add(key, sp.p, sp.len);
		}
		if (j < u->nfields)	/* a missing key is not a repeat */
			continue;
		if (u->nfields > 1) {
			mb_buf_addc(key, ']');
			u->key.p = key->p;
			u->key.len = key->len;
		}
		u->haskey = 1;
		u->hash = mb_hash(u->key.p, u->key.len);
		mb_hset_prefetch(u->seen, u->hash);
	}
}

static void
run_unique(mb_rules *rs)
{
	int i;

	for (i = 0; i < rs->nuniqs; i++) {
		uniq *u = &rs->uniqs[i];
		if (u->haskey && !mb_hset_add(u->seen, u->hash))
			mb_rules_failf(rs, u->exp, mb_dq_field(rs->dq, u->exp),
			    strlen(mb_dq_field(rs->dq, u->exp)), u->key.p,
			    u->key.len, "duplicate key %.*s", (int)(u->key.len >
			    200 ? 200 : u->key.len), u->key.p);
	}
}

static void
run_notfuture(mb_rules *rs, const mb_rec *r)
{
	int i;
	mb_val v;
	mb_buf *tmp = &rs->tmp;

	for (i = 0; i < rs->nnfs; i++) {
		notfut *nf = &rs->nfs[i];
		int fv = mb_rec_findh(r, nf->field, nf->flen, &nf->hint);
		mb_type t = mb_rec_type(r, fv);
		mb_span sp;
		int64_t ms;

		if (t == MB_T_NONE || t == MB_T_NULL)
			continue;
		sp = mb_rec_raw(r, fv);
		mb_buf_reset(tmp);
		mb_val_from_json(sp.p, sp.len, tmp, &v);
		if ((v.t != MB_V_STR && v.t != MB_V_DEC) ||
		    mb_time_parse(v.t == MB_V_STR ? v.s : sp.p,
		    v.t == MB_V_STR ? v.n : sp.len, &ms) < 0) {
			mb_rules_failf(rs, nf->exp, nf->field,
			    strlen(nf->field), sp.p, sp.len, "not a timestamp");
			continue;
		}
		/* A stream judges each record by the time it is read. */
		if (ms > rs->now && !rs->nowset)
			rs->now = mb_time_now_ms();
		if (ms > rs->now) {
			mb_buf_reset(tmp);
			mb_time_fmt(tmp, rs->now);
			mb_rules_failf(rs, nf->exp, nf->field,
			    strlen(nf->field), sp.p, sp.len,
			    "in the future (after %s)", mb_buf_cstr(tmp));
		}
	}
}

void
mb_rules_run(mb_rules *rs, const mb_rec *r)
{
	run_checks(rs, r);
	run_unique(rs);
	run_notfuture(rs, r);
}

int
mb_rules_nfails(const mb_rules *rs)
{
	return rs->nfails;
}

int
mb_rules_failure(const mb_rules *rs, int i, mb_span *field, mb_span *msg)
{
	const failure *f = &rs->fails[i];

	field->p = f->foff == (size_t)-1 ? NULL : rs->errtext.p + f->foff;
	field->len = f->flen;
	msg->p = rs->errtext.p + f->moff;
	msg->len = f->mlen;
	return f->exp;
}

void
mb_rules_errors_json(const mb_rules *rs, mb_buf *b)
{
	int i;

	mb_buf_addc(b, '[');
	for (i = 0; i < rs->nfails; i++) {
		const failure *f = &rs->fails[i];
		const char *rule = mb_dq_rule(rs->dq, f->exp);
		if (i)
			mb_buf_addc(b, ',');
		mb_buf_adds(b, "{\"rule\":");
		mb_buf_json_str(b, rule, strlen(rule));
		mb_buf_adds(b, ",\"field\":");
		if (f->foff == (size_t)-1)
			mb_buf_adds(b, "null");
		else
			mb_buf_json_str(b, rs->errtext.p + f->foff, f->flen);
		mb_buf_adds(b, ",\"message\":");
		mb_buf_json_str(b, rs->errtext.p + f->moff, f->mlen);
		mb_buf_addc(b, '}');
	}
	mb_buf_addc(b, ']');
}

int
mb_rules_fate(const mb_rules *rs)
{
	int i, a = MB_DQ_WARN;

	for (i = 0; i < rs->nfails; i++) {
		int x = mb_dq_action(rs->dq, rs->fails[i].exp);
		if (x == MB_DQ_FAIL)
			return MB_DQ_FAIL;
		if (x == MB_DQ_QUARANTINE)
			a = MB_DQ_QUARANTINE;
		else if (x == MB_DQ_DROP && a == MB_DQ_WARN)
			a = MB_DQ_DROP;
	}
	return a;
}
