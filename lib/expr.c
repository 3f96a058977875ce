/*
 * expr.c: the parser of the expression language of mb (mb-expr(7)).
 * Reads an expression as text and parses it once into an array of nodes
 * (expr_int.h) that expr_eval.c evaluates over a record (mb_rec) as often
 * as asked.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "expr_int.h"

static const struct fninfo {
	const char *name;
	enum fn id;
	int min, max;		/* max -1: any number */
} fns[] = {
	{ "abs", F_ABS, 1, 1 },
	{ "ceil", F_CEIL, 1, 1 },
	{ "coalesce", F_COALESCE, 1, -1 },
	{ "concat", F_CONCAT, 1, -1 },
	{ "contains", F_CONTAINS, 2, 2 },
	{ "date", F_DATE, 1, 1 },
	{ "date_trunc", F_DATE_TRUNC, 2, 2 },
	{ "day", F_DAY, 1, 1 },
	{ "dayofweek", F_DAYOFWEEK, 1, 1 },
	{ "days_between", F_DAYS_BETWEEN, 2, 2 },
	{ "ends_with", F_ENDS_WITH, 2, 2 },
	{ "floor", F_FLOOR, 1, 1 },
	{ "hash", F_HASH, 1, 1 },
	{ "hour", F_HOUR, 1, 1 },
	{ "if", F_IF, 3, 3 },
	{ "is_null", F_IS_NULL, 1, 1 },
	{ "len", F_LEN, 1, 1 },
	{ "lower", F_LOWER, 1, 1 },
	{ "matches", F_MATCHES, 2, 2 },
	{ "minute", F_MINUTE, 1, 1 },
	{ "month", F_MONTH, 1, 1 },
	{ "now", F_NOW, 0, 0 },
	{ "number", F_NUMBER, 1, 1 },
	{ "round", F_ROUND, 1, 2 },
	{ "starts_with", F_STARTS_WITH, 2, 2 },
	{ "string", F_STRING, 1, 1 },
	{ "substr", F_SUBSTR, 2, 3 },
	{ "timestamp", F_TIMESTAMP, 1, 1 },
	{ "trim", F_TRIM, 1, 1 },
	{ "upper", F_UPPER, 1, 1 },
	{ "week", F_WEEK, 1, 1 },
	{ "year", F_YEAR, 1, 1 },
};

/* ---- parser ---------------------------------------------------------------- */

enum tok {
	T_END, T_NUM, T_STR, T_IDENT, T_QIDENT, T_LP, T_RP, T_COMMA,
	T_PLUS, T_MINUS, T_STAR, T_SLASH, T_PCT,
	T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE, T_AND, T_OR, T_NOT, T_IN,
	T_TRUE, T_FALSE, T_NULL, T_BAD
};

typedef struct token {
	enum tok t;
	size_t pos, len;	/* in the source */
} token;


static int
perr(mb_expr *e, size_t pos, const char *fmt, const char *arg)
{
	char msg[256];

	snprintf(msg, sizeof(msg), fmt, arg);
	mb_seterr("column %zu: %s", pos + 1, msg);
	return -1;
}

static int
kw(const char *p, size_t n, const char *w)
{
	size_t i;

	if (strlen(w) != n)
		return 0;
	/* all lower or all upper case */
	for (i = 0; i < n; i++)
		if (p[i] != w[i])
			break;
	if (i == n)
		return 1;
	for (i = 0; i < n; i++)
		if (p[i] != toupper((unsigned char)w[i]))
			return 0;
	return 1;
}

static token
peek(mb_expr *e)
{
	const char *s = e->src;
	size_t i = e->pos;
	token t;

	while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
		i++;
	t.pos = i;
	t.len = 1;
	switch (s[i]) {
	case '\0': t.t = T_END; t.len = 0; return t;
	case '(': t.t = T_LP; return t;
	case ')': t.t = T_RP; return t;
	case ',': t.t = T_COMMA; return t;
	case '+': t.t = T_PLUS; return t;
	case '-': t.t = T_MINUS; return t;
	case '*': t.t = T_STAR; return t;
	case '/': t.t = T_SLASH; return t;
	case '%': t.t = T_PCT; return t;
	case '=':
		t.t = T_EQ;
		t.len = s[i + 1] == '=' ? 2 : 1;
		return t;
	case '!':
		if (s[i + 1] == '=') {
			t.t = T_NE;
			t.len = 2;
		} else
			t.t = T_NOT;
		return t;
	case '<':
		if (s[i + 1] == '=' || s[i + 1] == '>') {
			t.t = s[i + 1] == '=' ? T_LE : T_NE;
			t.len = 2;
		} else
			t.t = T_LT;
		return t;
	case '>':
		if (s[i + 1] == '=') {
			t.t = T_GE;
			t.len = 2;
		} else
			t.t = T_GT;
		return t;
	case '&':
		t.t = s[i + 1] == '&' ? T_AND : T_BAD;
		t.len = 2;
		return t;
	case '|':
		t.t = s[i + 1] == '|' ? T_OR : T_BAD;
		t.len = 2;
		return t;
	case '\'':
	case '"':
	case '`': {
		char q = s[i];
		size_t j = i + 1;
		while (s[j] != '\0' && s[j] != q) {
			if (s[j] == '\\' && s[j + 1] != '\0')
				j++;
			j++;
		}
		if (s[j] != q) {
			t.t = T_BAD;
			t.len = 0;
			return t;
		}
		t.t = q == '`' ? T_QIDENT : T_STR;
		t.len = j + 1 - i;
		return t;
	}
	}
	if (isdigit((unsigned char)s[i]) || (s[i] == '.' &&
	    isdigit((unsigned char)s[i + 1]))) {
		size_t j = i;
		while (isdigit((unsigned char)s[j]) || s[j] == '.')
			j++;
		if ((s[j] == 'e' || s[j] == 'E') && (isdigit((unsigned char)s[j + 1]) ||
		    ((s[j + 1] == '-' || s[j + 1] == '+') &&
		    isdigit((unsigned char)s[j + 2])))) {
			j += 2;
			while (isdigit((unsigned char)s[j]))
				j++;
		}
		t.t = T_NUM;
		t.len = j - i;
		return t;
	}
	if (isalpha((unsigned char)s[i]) || s[i] == '_' || s[i] == '$') {
		size_t j = i;
		while (isalnum((unsigned char)s[j]) || s[j] == '_' || s[j] == '$' ||
		    (s[j] == '.' && (isalpha((unsigned char)s[j + 1]) ||
		    s[j + 1] == '_')))
			j++;
		t.len = j - i;
		if (kw(s + i, t.len, "and"))
			t.t = T_AND;
		else if (kw(s + i, t.len, "or"))
			t.t = T_OR;
		else if (kw(s + i, t.len, "not"))
			t.t = T_NOT;
		else if (kw(s + i, t.len, "in"))
			t.t = T_IN;
		else if (kw(s + i, t.len, "true"))
			t.t = T_TRUE;
		else if (kw(s + i, t.len, "false"))
			t.t = T_FALSE;
		else if (kw(s + i, t.len, "null"))
			t.t = T_NULL;
		else
			t.t = T_IDENT;
		return t;
	}
	t.t = T_BAD;
	return t;
}

static token
next(mb_expr *e)
{
	token t = peek(e);
	e->pos = t.pos + t.len;
	return t;
}

static int
newnode(mb_expr *e, enum op op, size_t pos)
{
	node *n;

	if (e->nn == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 16;
		e->n = mb_xrealloc(e->n, e->cap * sizeof(node));
	}
	n = &e->n[e->nn];
	memset(n, 0, sizeof(*n));
	n->op = op;
	n->col = (int)pos + 1;
	n->a = n->b = -1;
	n->up = -1;
	n->hint = -1;
	n->lit.t = MB_V_NULL;
	return e->nn++;
}

/* Unescapes a quoted literal (the token's text) into a new string. */
static char *
unquote(const char *p, size_t n, size_t *outn)
{
	char *d = mb_xmalloc(n + 1);
	size_t i, k = 0;

	for (i = 1; i + 1 < n; i++) {
		if (p[i] == '\\' && i + 2 < n) {
			i++;
			switch (p[i]) {
			case 'n': d[k++] = '\n'; break;
			case 't': d[k++] = '\t'; break;
			case 'r': d[k++] = '\r'; break;
			default: d[k++] = p[i];
			}
		} else
			d[k++] = p[i];
	}
	d[k] = '\0';
	*outn = k;
	return d;
}

static void
addfield(mb_expr *e, const char *name, size_t n)
{
	size_t i = 0;

	while (i < e->fields.len) {
		size_t l = strlen(e->fields.p + i);
		if (l == n && memcmp(e->fields.p + i, name, n) == 0)
			return;
		i += l + 1;
	}
	mb_buf_add(&e->fields, name, n);
	mb_buf_addc(&e->fields, '\0');
}

static int parse_or(mb_expr *e);

static int
parse_args(mb_expr *e, int *nargs, int *first)
{
	int tmp[64];
	int k = 0, i;
	token t;

	t = peek(e);
	if (t.t != T_RP) {
		for (;;) {
			int a = parse_or(e);
			if (a < 0)
				return -1;
			if (k == 64)
				return perr(e, t.pos, "%s", "too many arguments");
			tmp[k++] = a;
			t = peek(e);
			if (t.t != T_COMMA)
				break;
			next(e);
		}
	}
	t = next(e);
	if (t.t != T_RP)
		return perr(e, t.pos, "%s", "expected \",\" or \")\"");
	if (e->nargs + k > e->argcap) {
		e->argcap = (e->nargs + k) * 2 + 8;
		e->args = mb_xrealloc(e->args, e->argcap * sizeof(int));
	}
	*first = e->nargs;
	for (i = 0; i < k; i++)
		e->args[e->nargs++] = tmp[i];
	*nargs = k;
	return 0;
}

static const char *units[] = { "year", "quarter", "month", "week", "day",
	"hour", "minute", "second", NULL };

static int
parse_call(mb_expr *e, token id)
{
	const struct fninfo *f = NULL;
	size_t i;
	int k, nargs, first;
	char name[64];

	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		if (strlen(fns[i].name) == id.len &&
		    strncasecmp(fns[i].name, e->src + id.pos, id.len) == 0)
			f = &fns[i];
	snprintf(name, sizeof(name), "%.*s", (int)(id.len < 60 ? id.len : 60),
	    e->src + id.pos);
	if (f == NULL)
		return perr(e, id.pos, "unknown function \"%s\"", name);
	next(e);		/* ( */
	if (parse_args(e, &nargs, &first) < 0)
		return -1;
	if (nargs < f->min || (f->max >= 0 && nargs > f->max))
		return perr(e, id.pos, "wrong number of arguments to %s()",
		    f->name);
	k = newnode(e, N_CALL, id.pos);
	e->n[k].fn = f->id;
	e->n[k].nargs = nargs;
	e->n[k].args = first;
	if (f->id == F_MATCHES) {
		node *pat = &e->n[e->args[first + 1]];
		char err[200];
		if (pat->op != N_LIT || pat->lit.t != MB_V_STR)
			return perr(e, (size_t)pat->col - 1, "%s",
			    "matches() needs a string literal as its pattern");
		e->n[k].re = mb_regex_compile(pat->lit.s, pat->lit.n, err,
		    sizeof(err));
		if (e->n[k].re == NULL)
			return perr(e, (size_t)pat->col - 1,
			    "bad regular expression: %s", err);
	}
	if (f->id == F_DATE_TRUNC) {
		node *u = &e->n[e->args[first]];
		if (u->op == N_LIT) {
			int ok = 0;
			for (i = 0; units[i] != NULL; i++)
				if (u->lit.t == MB_V_STR &&
				    strlen(units[i]) == u->lit.n &&
				    memcmp(units[i], u->lit.s, u->lit.n) == 0)
					ok = 1;
			if (!ok)
				return perr(e, (size_t)u->col - 1, "%s",
				    "date_trunc() unit must be one of year, "
				    "quarter, month, week, day, hour, minute, "
				    "second");
		}
	}
	return k;
}

static int
parse_primary(mb_expr *e)
{
	token t = next(e);
	int k;
	char tmp[64];

	switch (t.t) {
	case T_NUM:
		k = newnode(e, N_LIT, t.pos);
		if (expr_num_parse(e->src + t.pos, t.len, &e->n[k].lit) < 0) {
			snprintf(tmp, sizeof(tmp), "%.*s",
			    (int)(t.len < 60 ? t.len : 60), e->src + t.pos);
			return perr(e, t.pos, "bad number \"%s\"", tmp);
		}
		return k;
	case T_STR: {
		size_t n;
		char *s = unquote(e->src + t.pos, t.len, &n);
		k = newnode(e, N_LIT, t.pos);
		setstr(&e->n[k].lit, s, n);
		e->n[k].name = s;	/* owned, freed with the node */
		return k;
	}
	case T_TRUE:
	case T_FALSE:
		k = newnode(e, N_LIT, t.pos);
		setbool(&e->n[k].lit, t.t == T_TRUE);
		return k;
	case T_NULL:
		return newnode(e, N_LIT, t.pos);
	case T_QIDENT: {
		size_t n;
		char *s = unquote(e->src + t.pos, t.len, &n);
		k = newnode(e, N_FIELD, t.pos);
		e->n[k].name = s;
		e->n[k].nlen = n;
		addfield(e, s, n);
		return k;
	}
	case T_IDENT:
		if (peek(e).t == T_LP)
			return parse_call(e, t);
		k = newnode(e, N_FIELD, t.pos);
		e->n[k].name = mb_xmalloc(t.len + 1);
		memcpy(e->n[k].name, e->src + t.pos, t.len);
		e->n[k].name[t.len] = '\0';
		e->n[k].nlen = t.len;
		addfield(e, e->n[k].name, t.len);
		return k;
	case T_LP:
		k = parse_or(e);
		if (k < 0)
			return -1;
		t = next(e);
		if (t.t != T_RP)
			return perr(e, t.pos, "%s", "expected \")\"");
		return k;
	case T_END:
		return perr(e, t.pos, "%s", "unexpected end of expression");
	case T_BAD:
		if (e->src[t.pos] == '\'' || e->src[t.pos] == '"' ||
		    e->src[t.pos] == '`')
			return perr(e, t.pos, "%s", "unterminated quote");
		/* FALLTHROUGH */
	default:
		snprintf(tmp, sizeof(tmp), "%.*s", (int)(t.len ? t.len : 1),
		    e->src + t.pos);
		return perr(e, t.pos, "unexpected \"%s\"", tmp);
	}
}

/* Node k, just made with a as its left operand; a is the operation
 * before it in the same chain when chained. */
static void
link(mb_expr *e, int k, int chained)
{
	if (chained) {
		e->n[k].lchain = 1;
		e->n[e->n[k].a].up = k;
	}
}

static int
deeper(mb_expr *e, size_t pos)
{
	if (++e->depth > 200)
		return perr(e, pos, "%s", "expression nested too deeply");
	return 0;
}

static int
parse_unary(mb_expr *e)
{
	token t = peek(e);
	int k, a;

	if (t.t == T_MINUS || t.t == T_PLUS) {
		next(e);
		if (deeper(e, t.pos) < 0)
			return -1;
		a = parse_unary(e);
		e->depth--;
		if (a < 0 || t.t == T_PLUS)
			return a;
		k = newnode(e, N_NEG, t.pos);
		e->n[k].a = a;
		return k;
	}
	return parse_primary(e);
}

static int
parse_mul(mb_expr *e)
{
	int a = parse_unary(e), b, k, prev = -1;
	token t;

	while (a >= 0) {
		t = peek(e);
		if (t.t != T_STAR && t.t != T_SLASH && t.t != T_PCT)
			break;
		next(e);
		if ((b = parse_unary(e)) < 0)
			return -1;
		k = newnode(e, t.t == T_STAR ? N_MUL : t.t == T_SLASH ? N_DIV :
		    N_MOD, t.pos);
		e->n[k].a = a;
		e->n[k].b = b;
		link(e, k, a == prev);
		prev = k;
		a = k;
	}
	return a;
}

static int
parse_add(mb_expr *e)
{
	int a = parse_mul(e), b, k, prev = -1;
	token t;

	while (a >= 0) {
		t = peek(e);
		if (t.t != T_PLUS && t.t != T_MINUS)
			break;
		next(e);
		if ((b = parse_mul(e)) < 0)
			return -1;
		k = newnode(e, t.t == T_PLUS ? N_ADD : N_SUB, t.pos);
		e->n[k].a = a;
		e->n[k].b = b;
		link(e, k, a == prev);
		prev = k;
		a = k;
	}
	return a;
}

static int
parse_cmp(mb_expr *e)
{
	int a = parse_add(e), b, k, neg = 0;
	token t;
	enum op op;

	if (a < 0)
		return -1;
	t = peek(e);
	switch (t.t) {
	case T_EQ: op = N_EQ; break;
	case T_NE: op = N_NE; break;
	case T_LT: op = N_LT; break;
	case T_LE: op = N_LE; break;
	case T_GT: op = N_GT; break;
	case T_GE: op = N_GE; break;
	case T_NOT:
	case T_IN:
		if (t.t == T_NOT) {
			size_t save = e->pos;
			next(e);
			if (peek(e).t != T_IN) {
				e->pos = save;
				return a;
			}
			neg = 1;
		}
		next(e);
		t = next(e);
		if (t.t != T_LP)
			return perr(e, t.pos, "%s", "expected \"(\" after in");
		k = newnode(e, neg ? N_NOTIN : N_IN, t.pos);
		e->n[k].a = a;
		{
			int nargs, first;
			if (parse_args(e, &nargs, &first) < 0)
				return -1;
			e->n[k].nargs = nargs;
			e->n[k].args = first;
		}
		return k;
	default:
		return a;
	}
	next(e);
	if ((b = parse_add(e)) < 0)
		return -1;
	/* x = null is null for every x, so a check of it passes every
	 * record and a filter of it keeps none: a mistake, said at once */
	if ((e->n[a].op == N_LIT && e->n[a].lit.t == MB_V_NULL) ||
	    (e->n[b].op == N_LIT && e->n[b].lit.t == MB_V_NULL))
		return perr(e, t.pos, "%s", "a comparison with null is always "
		    "null, never true or false; use is_null(x) or "
		    "not is_null(x)");
	k = newnode(e, op, t.pos);
	e->n[k].a = a;
	e->n[k].b = b;
	t = peek(e);
	if (t.t >= T_EQ && t.t <= T_GE)
		return perr(e, t.pos, "%s",
		    "comparisons do not chain; use and");
	return k;
}

static int
parse_not(mb_expr *e)
{
	token t = peek(e);
	int a, k;

	if (t.t == T_NOT) {
		next(e);
		if (deeper(e, t.pos) < 0)
			return -1;
		a = parse_not(e);
		e->depth--;
		if (a < 0)
			return -1;
		k = newnode(e, N_NOT, t.pos);
		e->n[k].a = a;
		return k;
	}
	return parse_cmp(e);
}

static int
parse_and(mb_expr *e)
{
	int a = parse_not(e), b, k, prev = -1;
	token t;

	while (a >= 0) {
		t = peek(e);
		if (t.t != T_AND)
			break;
		next(e);
		if ((b = parse_not(e)) < 0)
			return -1;
		k = newnode(e, N_AND, t.pos);
		e->n[k].a = a;
		e->n[k].b = b;
		link(e, k, a == prev);
		prev = k;
		a = k;
	}
	return a;
}

static int
parse_or(mb_expr *e)
{
	int a, b, k, prev = -1;
	token t = peek(e);

	if (deeper(e, t.pos) < 0)
		return -1;
	a = parse_and(e);
	while (a >= 0) {
		t = peek(e);
		if (t.t != T_OR)
			break;
		next(e);
		if ((b = parse_and(e)) < 0)
			return -1;
		k = newnode(e, N_OR, t.pos);
		e->n[k].a = a;
		e->n[k].b = b;
		link(e, k, a == prev);
		prev = k;
		a = k;
	}
	e->depth--;
	return a;
}

mb_expr *
mb_expr_parse(const char *src)
{
	mb_expr *e = mb_xcalloc(1, sizeof(*e));
	token t;

	e->src = src;
	e->now = mb_time_now_ms();
	e->root = parse_or(e);
	if (e->root >= 0) {
		t = peek(e);
		if (t.t != T_END) {
			char tmp[64];
			snprintf(tmp, sizeof(tmp), "%.*s",
			    (int)(t.len ? (t.len < 60 ? t.len : 60) : 1),
			    src + t.pos);
			e->root = perr(e, t.pos, "unexpected \"%s\"", tmp);
		}
	}
	if (e->root < 0) {
		mb_expr_free(e);
		return NULL;
	}
	e->src = NULL;
	mb_buf_addc(&e->fields, '\0');	/* never an empty buffer */
	e->fields.len--;
	e->arcap = 256;
	e->ar = mb_xmalloc(e->arcap);
	return e;
}

void
mb_expr_free(mb_expr *e)
{
	int i;

	if (e == NULL)
		return;
	for (i = 0; i < e->nn; i++) {
		free(e->n[i].name);
		mb_regex_free(e->n[i].re);
	}
	free(e->n);
	free(e->args);
	mb_buf_free(&e->fields);
	mb_buf_free(&e->tmp);
	e->arneed = 0;
	arreset(e);
	free(e->ar);
	free(e);
}

const char *
mb_expr_fields(const mb_expr *e, size_t *n)
{
	*n = e->fields.len;
	return e->fields.p;
}

void
mb_expr_set_lookup(mb_expr *e, mb_expr_lookup_fn fn, void *ctx)
{
	e->lookup = fn;
	e->lookup_ctx = ctx;
}

void
mb_expr_set_now(mb_expr *e, int64_t ms)
{
	e->now = ms;
}

