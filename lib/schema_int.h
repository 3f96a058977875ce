/*
 * schema_int.h: the compiled schema, shared by schema.c (the compiler)
 * and schema_check.c (the checks); not part of libmb's interface.
 */
#ifndef MB_SCHEMA_INT_H
#define MB_SCHEMA_INT_H

#include "schema.h"
#include "expr.h"

enum { FMT_NONE, FMT_DATETIME, FMT_DATE, FMT_EMAIL };

#define TY_STRING MB_SCHEMA_STRING
#define TY_INTEGER MB_SCHEMA_INTEGER
#define TY_NUMBER MB_SCHEMA_NUMBER
#define TY_BOOLEAN MB_SCHEMA_BOOLEAN
#define TY_NULL MB_SCHEMA_NULL
#define TY_OBJECT MB_SCHEMA_OBJECT
#define TY_ARRAY MB_SCHEMA_ARRAY

/* One schema of the tree: the root, a property's, items', ... */
typedef struct node node;
struct node {
	int types;		/* TY_ bits; 0: any type */
	int hasmin, hasmax, hasxmin, hasxmax;
	mb_val min, max, xmin, xmax;
	int64_t minlen, maxlen, minitems, maxitems;	/* -1: none */
	mb_regex *re;
	char *pattern;
	int format;
	mb_val *enumv;		/* strings own their bytes */
	int nenum, isconst;
	char *enumtext;		/* for messages: "North", "South", ... */
	/* bounds that mb_dec_parse64() values compare with directly */
	int fastbounds;
	/* objects */
	int nprops;
	char **pname;
	size_t *pnlen;
	node *props;
	int nreq;
	char **req;
	int *reqidx;		/* the property of each required name, or -1 */
	int addl;		/* 1: allowed, 0: forbidden */
	node *addlschema;	/* additionalProperties as a schema */
	node *items;
};

struct mb_schema {
	node root;
};

#endif
