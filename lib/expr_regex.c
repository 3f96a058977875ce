/*
 * expr_regex.c: the regular expressions of matches() and of JSON Schema's
 * pattern (expr.h): a small backtracking matcher for the common patterns,
 * POSIX regcomp/regexec for the rest, with the expansion of a pattern
 * bounded before regcomp sees it.
 */
#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"

/*
 * Turns the Perl-style classes people write in patterns (\d \w \s and their
 * capitals) into POSIX bracket expressions, which regcomp understands.
 */
static void
re_translate(const char *p, size_t n, mb_buf *out)
{
	size_t i;
	int inbr = 0;

	for (i = 0; i < n; i++) {
		const char *cls = NULL;
		if (p[i] == '\\' && i + 1 < n) {
			switch (p[i + 1]) {
			case 'd': cls = "0-9"; break;
			case 'w': cls = "[:alnum:]_"; break;
			case 's': cls = "[:space:]"; break;
			case 'D': cls = "^0-9"; break;
			case 'W': cls = "^[:alnum:]_"; break;
			case 'S': cls = "^[:space:]"; break;
			}
			if (cls != NULL && !(inbr && cls[0] == '^')) {
				if (!inbr)
					mb_buf_addc(out, '[');
				mb_buf_adds(out, cls);
				if (!inbr)
					mb_buf_addc(out, ']');
				i++;
				continue;
			}
			mb_buf_add(out, p + i, 2);
			i++;
			continue;
		}
		if (p[i] == '[' && !inbr) {
			inbr = 1;
			mb_buf_addc(out, '[');
			if (i + 1 < n && p[i + 1] == '^')
				mb_buf_addc(out, p[++i]);
			if (i + 1 < n && p[i + 1] == ']')
				mb_buf_addc(out, p[++i]);
			continue;
		}
		if (p[i] == ']' && inbr)
			inbr = 0;
		mb_buf_addc(out, p[i]);
	}
}

/*
 * The small matcher: a pattern of atoms (a byte set) each with a repeat
 * range, matched by backtracking.  Enough for the identifiers, codes and
 * formats that schemas check, and several times faster than regexec.
 */
#define RX_MAXATOM 64

typedef struct rx_atom {
	uint8_t set[32];	/* bit per byte value */
	int min, max;		/* max -1: unbounded */
} rx_atom;

struct mb_regex {
	regex_t *re;		/* NULL: the small matcher */
	rx_atom *atoms;
	int natoms, bol, eol;
	/* ^...$ with no variable quantifier matches strings of one length:
	 * the atom of each position, for a loop without backtracking */
	const rx_atom **fixed;
	size_t nfixed;
	mb_buf tmp;		/* NUL-terminated copy for regexec */
};

static void
rx_setc(rx_atom *a, unsigned c)
{
	a->set[c >> 3] |= (uint8_t)(1u << (c & 7));
}

static void
rx_class(rx_atom *a, char cls)
{
	unsigned c;
	int neg = isupper((unsigned char)cls);
	rx_atom t;

	memset(&t, 0, sizeof(t));
	for (c = 0; c < 256; c++) {
		int in = 0;
		switch (tolower((unsigned char)cls)) {
		case 'd': in = c >= '0' && c <= '9'; break;
		case 'w': in = c < 128 && (isalnum((int)c) || c == '_'); break;
		case 's': in = c == ' ' || (c >= '\t' && c <= '\r'); break;
		}
		if (in != neg)
			rx_setc(&t, c);
	}
	for (c = 0; c < 32; c++)
		a->set[c] |= t.set[c];
}

/* Parses p into atoms; -1 when it needs the full engine. */
static int
rx_simple(mb_regex *rx, const char *p, size_t n)
{
	size_t i = 0;
	rx_atom *a;

	rx->atoms = mb_xcalloc(RX_MAXATOM, sizeof(rx_atom));
	if (i < n && p[i] == '^') {
		rx->bol = 1;
		i++;
	}
	while (i < n) {
		if (p[i] == '$' && i + 1 == n) {
			rx->eol = 1;
			break;
		}
		if (rx->natoms == RX_MAXATOM)
			return -1;
		a = &rx->atoms[rx->natoms++];
		a->min = a->max = 1;
		switch (p[i]) {
		case '\\':
			if (i + 1 >= n)
				return -1;
			if (strchr("dwsDWS", p[i + 1]) != NULL)
				rx_class(a, p[i + 1]);
			else if (ispunct((unsigned char)p[i + 1]))
				rx_setc(a, (unsigned char)p[i + 1]);
			else
				return -1;
			i += 2;
			break;
		case '.':
			memset(a->set, 0xff, sizeof(a->set));
			rx_setc(a, '\n');
			a->set['\n' >> 3] &= (uint8_t)~(1u << ('\n' & 7));
			i++;
			break;
		case '[': {
			int neg = 0, first = 1;
			unsigned c;
			i++;
			if (i < n && p[i] == '^') {
				neg = 1;
				i++;
			}
			while (i < n && (p[i] != ']' || first)) {
				unsigned lo = (unsigned char)p[i], hi;
				first = 0;
				if (p[i] == '[' && i + 1 < n && (p[i + 1] == ':' ||
				    p[i + 1] == '=' || p[i + 1] == '.'))
					return -1;
				if (p[i] == '\\' && i + 1 < n &&
				    strchr("dwsDWS", p[i + 1]) != NULL) {
					rx_class(a, p[i + 1]);
					i += 2;
					continue;
				}
				if (p[i] == '\\')
					return -1;	/* POSIX: literal; rare */
				hi = lo;
				if (i + 2 < n && p[i + 1] == '-' && p[i + 2] != ']') {
					hi = (unsigned char)p[i + 2];
					i += 2;
				}
				if (hi < lo)
					return -1;
				for (c = lo; c <= hi; c++)
					rx_setc(a, c);
				i++;
			}
			if (i >= n)
				return -1;
			i++;
			if (neg)
				for (c = 0; c < 32; c++)
					a->set[c] = (uint8_t)~a->set[c];
			break;
		}
		case '(': case ')': case '|': case '*': case '+': case '?':
		case '{': case '}': case '^': case '$': case ']':
			return -1;
		default:
			rx_setc(a, (unsigned char)p[i]);
			i++;
		}
		/* a quantifier */
		if (i < n && (p[i] == '*' || p[i] == '+' || p[i] == '?')) {
			a->min = p[i] == '+';
			a->max = p[i] == '?' ? 1 : -1;
			i++;
		} else if (i < n && p[i] == '{') {
			char *end;
			long lo, hi;
			lo = strtol(p + i + 1, &end, 10);
			if (end == p + i + 1 || lo < 0 || lo > 1000)
				return -1;
			hi = lo;
			if (*end == ',') {
				if (end[1] == '}') {
					hi = -1;
					end++;
				} else {
					char *e2;
					hi = strtol(end + 1, &e2, 10);
					if (e2 == end + 1 || hi < lo || hi > 1000)
						return -1;
					end = e2;
				}
			}
			if (*end != '}')
				return -1;
			a->min = (int)lo;
			a->max = (int)hi;
			i = (size_t)(end - p) + 1;
		}
		if (i < n && (p[i] == '*' || p[i] == '+' || p[i] == '?' ||
		    p[i] == '{'))
			return -1;
	}
	return 0;
}

static int
rx_in(const rx_atom *a, unsigned char c)
{
	return (a->set[c >> 3] >> (c & 7)) & 1;
}

/* Matches atoms k.. at s[i..n); greedy with backtracking. */
static int
rx_run(const mb_regex *rx, int k, const char *s, size_t i, size_t n)
{
	const rx_atom *a;
	size_t j, cnt;

	for (; k < rx->natoms; k++) {
		a = &rx->atoms[k];
		if (a->min == 1 && a->max == 1) {
			if (i >= n || !rx_in(a, (unsigned char)s[i]))
				return 0;
			i++;
			continue;
		}
		cnt = 0;
		while (i + cnt < n && (a->max < 0 || cnt < (size_t)a->max) &&
		    rx_in(a, (unsigned char)s[i + cnt]))
			cnt++;
		if (cnt < (size_t)a->min)
			return 0;
		if (k + 1 == rx->natoms)
			return !rx->eol || i + cnt == n;
		for (j = cnt + 1; j-- > (size_t)a->min;)
			if (rx_run(rx, k + 1, s, i + j, n))
				return 1;
		return 0;
	}
	return !rx->eol || i == n;
}

static void
rx_fix(mb_regex *rx)
{
	int k, j;
	size_t len = 0;

	if (!rx->bol || !rx->eol)
		return;
	for (k = 0; k < rx->natoms; k++) {
		if (rx->atoms[k].min != rx->atoms[k].max)
			return;
		len += (size_t)rx->atoms[k].min;
	}
	if (len > 4096)
		return;
	rx->fixed = mb_xcalloc(len + 1, sizeof(*rx->fixed));
	for (k = 0; k < rx->natoms; k++)
		for (j = 0; j < rx->atoms[k].min; j++)
			rx->fixed[rx->nfixed++] = &rx->atoms[k];
}

/*
 * How many positions an extended regular expression expands to: every
 * character or bracket expression is one, a group is the sum of its
 * branches, and a repetition multiplies what it repeats (x{2,5} by 5, x+
 * by 2), so that stacked repetitions and nested groups multiply.  glibc's
 * regcomp builds its automaton from that expansion, in time and memory
 * that grow faster than it: "a" followed by twenty "+" took 700 MB,
 * thirty took more than 20 GB.  Saturates at RX_MAXSIZE + 1.
 */
#define RX_MAXSIZE 2000
#define RX_MAXDEPTH 64

static double
rx_size(const char *p)
{
	double alt[RX_MAXDEPTH], cur[RX_MAXDEPTH], last[RX_MAXDEPTH], f;
	int d = 0;
	char *end;
	long m, k;

	alt[0] = cur[0] = last[0] = 0;
	for (; *p != '\0'; p++) {
		switch (*p) {
		case '(':
			if (++d == RX_MAXDEPTH)
				return RX_MAXSIZE + 1;
			alt[d] = cur[d] = last[d] = 0;
			continue;
		case ')':
			if (d == 0)
				goto atom;
			f = alt[d] + cur[d];
			d--;
			cur[d] += f;
			last[d] = f;
			continue;
		case '|':
			alt[d] += cur[d];
			cur[d] = last[d] = 0;
			continue;
		case '*':
		case '+':
		case '?':
			f = 2;
			break;
		case '{':
			m = strtol(p + 1, &end, 10);
			if (end == p + 1 || m < 0)
				goto atom;
			k = m;
			if (*end == ',') {
				k = strtol(end + 1, &end, 10);
				if (end[-1] == ',')	/* {m,} */
					k = m + 1;
			}
			if (*end != '}')
				goto atom;
			p = end;
			f = k > 1 ? (double)k : 1;
			break;
		case '[':	/* one position, however long */
			if (p[1] == '^')
				p++;
			if (p[1] == ']')
				p++;
			for (p++; *p != '\0' && *p != ']'; p++)
				if (*p == '[' && (p[1] == ':' || p[1] == '=' ||
				    p[1] == '.')) {
					char c = p[1];

					for (p += 2; *p != '\0' &&
					    !(p[0] == c && p[1] == ']'); p++)
						;
					if (*p == '\0')
						break;
					p++;
				}
			if (*p == '\0')
				p--;
			goto atom;
		case '\\':
			if (p[1] != '\0')
				p++;
			goto atom;
		default:
		atom:
			cur[d] += 1;
			last[d] = 1;
			if (cur[d] > RX_MAXSIZE)
				return RX_MAXSIZE + 1;
			continue;
		}
		/* a repetition of what came last */
		cur[d] += last[d] * (f - 1);
		last[d] *= f;
		if (cur[d] > RX_MAXSIZE || last[d] > RX_MAXSIZE)
			return RX_MAXSIZE + 1;
	}
	while (d > 0) {		/* an unclosed group: regcomp says so */
		f = alt[d] + cur[d];
		d--;
		cur[d] += f;
	}
	return alt[0] + cur[0];
}

mb_regex *
mb_regex_compile(const char *p, size_t n, char *err, size_t errn)
{
	mb_regex *rx = mb_xcalloc(1, sizeof(*rx));
	mb_buf b = { 0 };
	int rc;

	if (rx_simple(rx, p, n) == 0) {
		rx_fix(rx);
		return rx;
	}
	free(rx->atoms);
	rx->atoms = NULL;
	rx->natoms = rx->bol = rx->eol = 0;
	rx->re = mb_xmalloc(sizeof(regex_t));
	re_translate(p, n, &b);
	if (rx_size(mb_buf_cstr(&b)) > RX_MAXSIZE) {
		snprintf(err, errn, "too complex: it expands to more than %d "
		    "positions (a repetition multiplies what it repeats)",
		    RX_MAXSIZE);
		mb_buf_free(&b);
		free(rx->re);
		free(rx);
		return NULL;
	}
	rc = regcomp(rx->re, mb_buf_cstr(&b), REG_EXTENDED | REG_NOSUB);
	mb_buf_free(&b);
	if (rc != 0) {
		regerror(rc, rx->re, err, errn);
		free(rx->re);
		free(rx);
		return NULL;
	}
	return rx;
}

int
mb_regex_match(mb_regex *rx, const char *s, size_t n)
{
	size_t i;

	if (rx->re != NULL) {
		mb_buf_reset(&rx->tmp);
		mb_buf_add(&rx->tmp, s, n);
		return regexec(rx->re, mb_buf_cstr(&rx->tmp), 0, NULL, 0) == 0;
	}
	if (rx->fixed != NULL) {
		if (n != rx->nfixed)
			return 0;
		for (i = 0; i < n; i++)
			if (!rx_in(rx->fixed[i], (unsigned char)s[i]))
				return 0;
		return 1;
	}
	if (rx->bol)
		return rx_run(rx, 0, s, 0, n);
	for (i = 0; i <= n; i++)
		if (rx_run(rx, 0, s, i, n))
			return 1;
	return 0;
}

void
mb_regex_free(mb_regex *rx)
{
	if (rx == NULL)
		return;
	if (rx->re != NULL) {
		regfree(rx->re);
		free(rx->re);
	}
	free(rx->atoms);
	free(rx->fixed);
	mb_buf_free(&rx->tmp);
	free(rx);
}

