/*
 * lake_part.c: partitions of a dataset: Hive-style folder names
 * (COL=VALUE, escaped), partition values and columns as the log writes
 * them, and the natural order of paths (digit runs as numbers).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lake.h"

/* ---- partitions -------------------------------------------------------- */

size_t
mb_lake_pdir_len(const char *path)
{
	const char *s = strrchr(path, '/');

	return s == NULL ? 0 : (size_t)(s - path);
}

/*
 * Bytes that would let a value leave its folder, confuse a Hive reader or a
 * shell are percent-encoded: control bytes, '/', '\\', '%', '=', quotes,
 * glob characters, ':', and a leading '.' (so "." and ".." cannot occur
 * and no value makes a hidden folder).  Bytes of UTF-8 above 0x7f stay.
 */
void
mb_lake_escape(mb_buf *b, const char *p, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	static unsigned char bad[256];
	const unsigned char *s;
	size_t i, run;

	if (bad[0] == 0) {
		for (i = 0; i < 0x20; i++)
			bad[i] = 1;
		bad[0x7f] = 1;
		for (s = (const unsigned char *)"/\\%=\"'*?[]{}^:#<>|"; *s; s++)
			bad[*s] = 1;
	}
	for (i = 0; i < n; i += run) {
		s = (const unsigned char *)p + i;
		if (bad[*s] || (*s == '.' && i == 0)) {
			mb_buf_addc(b, '%');
			mb_buf_addc(b, hex[*s >> 4]);
			mb_buf_addc(b, hex[*s & 15]);
			run = 1;
			continue;
		}
		for (run = 1; i + run < n && !bad[s[run]]; run++)
			;
		mb_buf_add(b, s, run);
	}
}

void
mb_lake_pdir_add(mb_buf *b, const char *col, size_t cn, const char *val,
    size_t vn)
{
	size_t start = b->len, keep, vstart;

	mb_lake_escape(b, col, cn);
	mb_buf_addc(b, '=');
	if (val == NULL) {
		mb_buf_adds(b, MB_LAKE_NULL);
		return;
	}
	vstart = b->len;
	mb_lake_escape(b, val, vn);
	if (b->len - start <= MB_LAKE_NAME_MAX)
		return;
	/*
	 * Too long for a folder name: a prefix, cut before an escape or a
	 * UTF-8 sequence it would split, then "%7e" and the xxh3-64 of the
	 * whole value.  Escapes are written in upper-case hex, so "%7e"
	 * never occurs in a value that was not cut: the two cannot meet.
	 */
	keep = MB_LAKE_NAME_MAX - (vstart - start) - 3 - 16;
	if (keep > b->len - vstart)
		keep = b->len - vstart;
	while (keep > 0 && (b->p[vstart + keep - 1] == '%' ||
	    (keep > 1 && b->p[vstart + keep - 2] == '%')))
		keep--;
	while (keep > 0 &&
	    ((unsigned char)b->p[vstart + keep] & 0xc0) == 0x80)
		keep--;
	b->len = vstart + keep;
	mb_buf_adds(b, "%7e");
	mb_buf_addhex64(b, mb_hash(val, vn));
}

/* -?[0-9]+(\.[0-9]+)? */
static int
numberlike(const char *s, size_t n)
{
	size_t i = 0, d = 0;

	if (i < n && s[i] == '-')
		i++;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		d++;
	if (d == 0)
		return 0;
	if (i < n && s[i] == '.') {
		d = 0;
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			d++;
		if (d == 0)
			return 0;
	}
	return i == n;
}

/* ---- natural order ----------------------------------------------------- */

/* Digit runs compare as numbers (leading zeros aside), other bytes as
 * bytes; a digit run sorts where its first byte would. */
static int
nat_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i = 0, j = 0, si, sj, li, lj;
	int c;

	while (i < an && j < bn) {
		if (isdigit((unsigned char)a[i]) &&
		    isdigit((unsigned char)b[j])) {
			for (; i + 1 < an && a[i] == '0' &&
			    isdigit((unsigned char)a[i + 1]); i++)
				;
			for (; j + 1 < bn && b[j] == '0' &&
			    isdigit((unsigned char)b[j + 1]); j++)
				;
			for (si = i; i < an && isdigit((unsigned char)a[i]);
			    i++)
				;
			for (sj = j; j < bn && isdigit((unsigned char)b[j]);
			    j++)
				;
			li = i - si;
			lj = j - sj;
			if (li != lj)
				return li < lj ? -1 : 1;
			if ((c = memcmp(a + si, b + sj, li)) != 0)
				return c < 0 ? -1 : 1;
			continue;
		}
		if (a[i] != b[j])
			return (unsigned char)a[i] < (unsigned char)b[j] ?
			    -1 : 1;
		i++;
		j++;
	}
	return (i < an) - (j < bn);
}

/* Two magnitudes [0-9]+(\.[0-9]+)? as numbers. */
static int
mag_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	const char *da = memchr(a, '.', an), *db = memchr(b, '.', bn);
	size_t ia = da ? (size_t)(da - a) : an, ib = db ? (size_t)(db - b) : bn;
	size_t k;
	int c;

	for (; ia > 1 && *a == '0'; a++, an--, ia--)
		;
	for (; ib > 1 && *b == '0'; b++, bn--, ib--)
		;
	if (ia != ib)
		return ia < ib ? -1 : 1;
	if ((c = memcmp(a, b, ia)) != 0)
		return c < 0 ? -1 : 1;
	/* the fractions, digit by digit; a missing digit is 0 */
	a += ia + (ia < an);
	an -= ia + (ia < an);
	b += ib + (ib < bn);
	bn -= ib + (ib < bn);
	for (k = 0; k < an || k < bn; k++) {
		char x = k < an ? a[k] : '0', y = k < bn ? b[k] : '0';

		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

/* One folder or file name: its column (up to '='), then its value:
 * number-like values first, in numeric order, then the others in natural
 * order; bytes break a tie, so that the order is total. */
static int
seg_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	const char *ea = memchr(a, '=', an), *eb = memchr(b, '=', bn);
	size_t ka = ea ? (size_t)(ea - a) : an, kb = eb ? (size_t)(eb - b) : bn;
	size_t va, vb;
	int c, na, nb;

	if ((c = nat_cmp(a, ka, b, kb)) != 0)
		return c;
	va = an - ka - (ea != NULL);
	vb = bn - kb - (eb != NULL);
	a += an - va;
	b += bn - vb;
	na = numberlike(a, va);
	nb = numberlike(b, vb);
	if (na != nb)
		return na ? -1 : 1;
	if (na) {
		int sa = *a == '-', sb = *b == '-';

		if (sa != sb)
			return sa ? -1 : 1;
		c = mag_cmp(a + sa, va - sa, b + sb, vb - sb);
		if (sa)
			c = -c;
	} else
		c = nat_cmp(a, va, b, vb);
	return c;
}

int
mb_lake_path_cmp(const char *a, const char *b)
{
	const char *ea, *eb;
	size_t an, bn;
	int c;

	for (;;) {
		ea = strchr(a, '/');
		eb = strchr(b, '/');
		an = ea ? (size_t)(ea - a) : strlen(a);
		bn = eb ? (size_t)(eb - b) : strlen(b);
		if ((c = seg_cmp(a, an, b, bn)) != 0)
			return c;
		if ((c = memcmp(a, b, an < bn ? an : bn)) != 0)
			return c < 0 ? -1 : 1;
		if (an != bn)
			return an < bn ? -1 : 1;
		if (ea == NULL || eb == NULL)
			return (ea != NULL) - (eb != NULL);
		a = ea + 1;
		b = eb + 1;
	}
}

int
mb_lake_pvals_record(const char *pvals, mb_buf *out)
{
	mb_rec *r = mb_rec_new();
	mb_buf v = {0};
	int i, h, rc = 0;
	mb_span k;
	const char *s;

	if (mb_rec_parse(r, pvals, strlen(pvals)) == -1) {
		rc = -1;
		goto out;
	}
	mb_buf_addc(out, '{');
	for (i = 0; i < mb_rec_nfields(r); i++) {
		if (i > 0)
			mb_buf_addc(out, ',');
		k = mb_rec_key(r, i);
		mb_buf_addc(out, '"');
		mb_buf_add(out, k.p, k.len);
		mb_buf_adds(out, "\":");
		h = mb_rec_field(r, i);
		mb_buf_reset(&v);
		if (mb_rec_type(r, h) != MB_T_STR ||
		    mb_rec_str(r, h, &v) == -1) {
			mb_buf_adds(out, "null");
			continue;
		}
		if (!numberlike(v.p, v.len)) {
			mb_buf_json_str(out, v.p, v.len);
			continue;
		}
		s = v.p;
		if (*s == '-')
			mb_buf_addc(out, *s++);
		while (s[0] == '0' && s + 1 < v.p + v.len && s[1] != '.')
			s++;
		mb_buf_add(out, s, (size_t)(v.p + v.len - s));
	}
	mb_buf_addc(out, '}');
out:
	mb_buf_free(&v);
	mb_rec_free(r);
	return rc;
}

int
mb_lake_pcol_parse(const char *spec, char **name, char **field, int *xf)
{
	static const char *const xfs[] = { ":date", ":month", ":year" };
	const char *eq = strchr(spec, '='), *p;
	size_t n = eq != NULL ? (size_t)(eq - spec) : strlen(spec), fl;
	int i;

	*name = *field = NULL;
	*xf = 0;
	if (n == 0 || n > 128 || !((spec[0] >= 'a' && spec[0] <= 'z') ||
	    (spec[0] >= 'A' && spec[0] <= 'Z') || (spec[0] >= '0' &&
	    spec[0] <= '9')))
		return mb_seterr("partition column '%.*s': a name starts with "
		    "a letter or digit", (int)n, spec);
	for (p = spec; p < spec + n; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' ||
		    *p == '-'))
			return mb_seterr("partition column '%.*s': only "
			    "letters, digits, '_', '.' and '-' may be used",
			    (int)n, spec);
	*name = mb_xstrndup(spec, n);
	if (eq == NULL) {
		*field = mb_xstrndup(spec, n);
		return 0;
	}
	fl = strlen(eq + 1);
	for (i = 0; i < 3; i++) {
		size_t k = strlen(xfs[i]);

		if (fl > k && strcmp(eq + 1 + fl - k, xfs[i]) == 0) {
			*xf = i + 1;
			fl -= k;
			break;
		}
	}
	if (fl == 0) {
		free(*name);
		*name = NULL;
		return mb_seterr("partition column '%s': no field", spec);
	}
	*field = mb_xstrndup(eq + 1, fl);
	return 0;
}

int
mb_lake_pcols_split(const char *pcols, mb_buf *out)
{
	mb_rec *r = mb_rec_new();
	mb_buf b = {0};
	int n = -1, v;

	mb_buf_printf(&b, "{\"c\":%s}", pcols);
	if (mb_rec_parse(r, b.p, b.len) == 0 &&
	    mb_rec_type(r, v = mb_rec_find(r, "c")) == MB_T_ARR) {
		for (n = 0; n < mb_rec_len(r, v); n++) {
			if (mb_rec_str(r, mb_rec_child(r, v, n, NULL), out) ==
			    -1) {
				n = -1;
				break;
			}
			mb_buf_addc(out, '\0');
		}
	}
	if (n == -1)
		mb_seterr("bad partitionColumns");
	mb_buf_free(&b);
	mb_rec_free(r);
	return n;
}

int
mb_lake_pvals_get(const char *pvals, const char *key, mb_buf *out)
{
	mb_rec *r = mb_rec_new();
	int i, rc = 0;
	mb_span k;

	if (mb_rec_parse(r, pvals, strlen(pvals)) == 0)
		for (i = 0; i < mb_rec_nfields(r); i++) {
			k = mb_rec_key(r, i);
			if (k.len != strlen(key) || memcmp(k.p, key, k.len))
				continue;
			if (mb_rec_type(r, mb_rec_field(r, i)) == MB_T_STR &&
			    mb_rec_str(r, mb_rec_field(r, i), out) == 0)
				rc = 1;
			break;
		}
	mb_rec_free(r);
	return rc;
}
