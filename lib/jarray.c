/*
 * jarray.c: the elements of a JSON array fed byte by byte, however it is
 * spread over lines (mb.h).  It follows the array's syntax, a state and a
 * stack of open brackets, so it knows where an element ends and where the
 * text stops being an array; an element's own details (numbers, escapes,
 * UTF-8) are the caller's strict check of the joined line.
 */
#include <string.h>

#include "mb.h"

enum {
	X_VALUE_OR_CLOSE = 0,	/* after "[": a value or "]" (the start) */
	X_VALUE,		/* a value must come */
	X_KEY,			/* after "," in an object */
	X_KEY_OR_CLOSE,		/* after "{" */
	X_COLON,		/* after a key */
	X_NEXT,			/* after a value: "," or the closing bracket */
	X_STR,			/* in a string */
	X_SCALAR		/* in a number, true, false or null */
};

static int
scalar_byte(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c == '.' || c == '+' || c == '-';
}

int
mb_jarr_byte(mb_jarr *a, char c, uint64_t lineno)
{
	size_t d = a->stk.len;
	char open = d ? a->stk.p[d - 1] : 0;
	int blank = c == ' ' || c == '\t' || c == '\r';

again:
	switch (a->x) {
	case X_STR:
		if (a->esc)
			a->esc = 0;
		else if (c == '\\')
			a->esc = 1;
		else if (c == '"')
			a->x = a->key ? X_COLON : X_NEXT;
		goto take;
	case X_SCALAR:
		if (scalar_byte(c))
			goto take;
		a->x = X_NEXT;
		goto again;
	case X_VALUE:
	case X_VALUE_OR_CLOSE:
		if (blank)
			goto space;
		if (c == ']' && d > 0 && a->x == X_VALUE_OR_CLOSE) {
			a->stk.len--;
			a->x = X_NEXT;
			goto take;
		}
		if (d == 0 && c == ']')
			return MB_JA_END;	/* "[]", or a trailing comma */
		if (d == 0 && c == ',')
			return MB_JA_MORE;	/* an empty element, as "[1,,2]" */
		if (c != '"' && c != '{' && c != '[' && !scalar_byte(c))
			return MB_JA_BREAK;
		if (!a->inel) {
			a->inel = 1;
			a->elline = lineno;
		}
		if (c == '"') {
			a->x = X_STR;
			a->key = 0;
		} else if (c == '{') {
			mb_buf_addc(&a->stk, '{');
			a->x = X_KEY_OR_CLOSE;
		} else if (c == '[') {
			mb_buf_addc(&a->stk, '[');
			a->x = X_VALUE_OR_CLOSE;
		} else
			a->x = X_SCALAR;
		goto take;
	case X_KEY_OR_CLOSE:
	case X_KEY:
		if (blank)
			goto space;
		if (c == '}' && a->x == X_KEY_OR_CLOSE) {
			a->stk.len--;
			a->x = X_NEXT;
			goto take;
		}
		if (c != '"')
			return MB_JA_BREAK;
		a->x = X_STR;
		a->key = 1;
		goto take;
	case X_COLON:
		if (blank)
			goto space;
		if (c != ':')
			return MB_JA_BREAK;
		a->x = X_VALUE;
		goto take;
	case X_NEXT:
		if (blank)
			goto space;
		if (d == 0) {
			if (c != ',' && c != ']')
				return MB_JA_BREAK;
			a->x = X_VALUE;
			return c == ',' ? MB_JA_ELEMENT : MB_JA_LAST;
		}
		if (c == ',') {
			a->x = open == '{' ? X_KEY : X_VALUE;
			goto take;
		}
		if ((c == '}' && open == '{') || (c == ']' && open == '[')) {
			a->stk.len--;
			goto take;
		}
		return MB_JA_BREAK;
	}
space:
	if (!a->inel || (d == 0 && a->x == X_NEXT))
		return MB_JA_MORE;	/* blanks between elements */
take:
	mb_buf_addc(&a->el, c);
	mb_buf_addc(&a->raw, c);
	return MB_JA_MORE;
}

int
mb_jarr_complete(const mb_jarr *a)
{
	return a->inel && a->stk.len == 0 && (a->x == X_NEXT || a->x == X_SCALAR);
}

int
mb_jarr_eol(mb_jarr *a)
{
	if (!a->inel)
		return MB_JA_MORE;
	if (a->x == X_SCALAR)
		a->x = X_NEXT;		/* the end of a line ends a number */
	if (a->x == X_STR)
		return MB_JA_BREAK;	/* no line break in a JSON string */
	if (!mb_jarr_complete(a)) {
		mb_buf_addc(&a->el, ' ');
		mb_buf_addc(&a->raw, '\n');
	}
	return MB_JA_MORE;
}

void
mb_jarr_trim(mb_jarr *a)
{
	while (a->el.len > 0 && (a->el.p[a->el.len - 1] == ' ' ||
	    a->el.p[a->el.len - 1] == '\t'))
		a->el.len--;
	while (a->raw.len > 0 && (a->raw.p[a->raw.len - 1] == ' ' ||
	    a->raw.p[a->raw.len - 1] == '\t' || a->raw.p[a->raw.len - 1] == '\n'))
		a->raw.len--;
}

void
mb_jarr_clear(mb_jarr *a)
{
	a->el.len = a->raw.len = a->stk.len = 0;
	a->inel = 0;
	a->x = X_VALUE;
}

void
mb_jarr_free(mb_jarr *a)
{
	mb_buf_free(&a->el);
	mb_buf_free(&a->raw);
	mb_buf_free(&a->stk);
}
