/*
 * width.c: how many terminal columns UTF-8 text takes, for tools that
 * line text up for a person (mb-table).  Wide and fullwidth East Asian
 * characters take two columns, combining marks and format characters
 * none; the tables come from the Unicode database (width_gen.py).
 */
#include "mb.h"
#include "width_tab.h"

static int
in_table(const uint32_t (*t)[2], size_t n, uint32_t cp)
{
	size_t lo = 0, hi = n;

	if (cp < t[0][0] || cp > t[n - 1][1])
		return 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cp > t[mid][1])
			lo = mid + 1;
		else if (cp < t[mid][0])
			hi = mid;
		else
			return 1;
	}
	return 0;
}

int
mb_cp_width(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
		return -1;
	if (cp < 0x300)
		return 1;
	if (in_table(width_zero, sizeof(width_zero) / sizeof(width_zero[0]), cp))
		return 0;
	if (in_table(width_wide, sizeof(width_wide) / sizeof(width_wide[0]), cp))
		return 2;
	return 1;
}

size_t
mb_utf8_decode(const char *s, size_t n, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t k = mb_utf8_seq(p, n);

	switch (k) {
	case 1:
		*cp = p[0];
		break;
	case 2:
		*cp = (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
		break;
	case 3:
		*cp = (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 |
		    (p[2] & 0x3f);
		break;
	case 4:
		*cp = (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 |
		    (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
		break;
	}
	return k;
}

size_t
mb_utf8_width(const char *s, size_t n)
{
	size_t i = 0, w = 0, k;
	uint32_t cp;
	int cw;

	while (i < n) {
		if ((unsigned char)s[i] < 0x80) {
			w += (unsigned char)s[i] >= 0x20 && s[i] != 0x7f;
			i++;
			continue;
		}
		k = mb_utf8_decode(s + i, n - i, &cp);
		if (k == 0) {
			w++;		/* shown as U+FFFD */
			i++;
			continue;
		}
		cw = mb_cp_width(cp);
		w += cw > 0 ? (size_t)cw : 0;
		i += k;
	}
	return w;
}
