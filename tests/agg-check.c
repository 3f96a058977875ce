/*
 * agg-check: a driver that exposes libmb's sketches (lib/sketch.h) to the
 * bats suite (tests/agg-lib.bats).  Reads one value per line on stdin,
 * adds them to one summary and, line i to piece i mod K, to K summaries,
 * merges the pieces front to back and back to front, and prints the
 * answer and whether all three states are the same; not installed.
 *
 *   agg-check hll K            distinct count of the lines (HyperLogLog)
 *   agg-check quantile K Q...  quantiles of the lines, decimals
 */
#include <stdlib.h>
#include <string.h>

#include "mb.h"
#include "sketch.h"

static void
hll(int k, mb_in *in)
{
	mb_hll all = { 0 }, *piece = mb_xcalloc((size_t)k, sizeof(mb_hll));
	mb_hll fwd = { 0 }, back = { 0 };
	mb_buf a = { 0 }, f = { 0 }, b = { 0 };
	mb_line ln;
	uint64_t i = 0;
	int j;

	while (mb_in_line(in, &ln) == 1) {
		uint64_t h = mb_hash(ln.p, ln.len);
		mb_hll_add(&all, h);
		mb_hll_add(&piece[i++ % (uint64_t)k], h);
	}
	for (j = 0; j < k; j++)
		mb_hll_merge(&fwd, &piece[j]);
	for (j = k - 1; j >= 0; j--)
		mb_hll_merge(&back, &piece[j]);
	mb_hll_write(&all, &a);
	mb_hll_write(&fwd, &f);
	mb_hll_write(&back, &b);
	printf("%llu %s %s\n", (unsigned long long)mb_hll_count(&all),
	    all.reg ? "dense" : "exact", a.len == f.len && a.len == b.len &&
	    memcmp(a.p, f.p, a.len) == 0 && memcmp(a.p, b.p, a.len) == 0 ?
	    "same" : "DIFFERENT");
	for (j = 0; j < k; j++)
		mb_hll_free(&piece[j]);
	free(piece);
	mb_hll_free(&all);
	mb_hll_free(&fwd);
	mb_hll_free(&back);
	mb_buf_free(&a);
	mb_buf_free(&f);
	mb_buf_free(&b);
}

static void
quantile(int k, int nq, char **qv, mb_in *in)
{
	mb_qsk all = { 0 }, *piece = mb_xcalloc((size_t)k, sizeof(mb_qsk));
	mb_qsk fwd = { 0 }, back = { 0 };
	mb_buf a = { 0 }, f = { 0 }, b = { 0 }, o = { 0 };
	mb_line ln;
	uint64_t i = 0;
	int j;

	while (mb_in_line(in, &ln) == 1) {
		mb_dec d;
		if (mb_dec_parse(ln.p, ln.len, &d) < 0) {
			printf("error: line %llu: %s\n", (unsigned long long)ln.lineno,
			    mb_errmsg());
			exit(1);
		}
		mb_qsk_add(&all, d);
		mb_qsk_add(&piece[i++ % (uint64_t)k], d);
	}
	for (j = 0; j < k; j++)
		mb_qsk_merge(&fwd, &piece[j]);
	for (j = k - 1; j >= 0; j--)
		mb_qsk_merge(&back, &piece[j]);
	mb_qsk_write(&all, &a);
	mb_qsk_write(&fwd, &f);
	mb_qsk_write(&back, &b);
	for (j = 0; j < nq; j++) {
		int64_t m;
		int sc;
		mb_dec d;
		if (mb_dec_parse64(qv[j], strlen(qv[j]), &m, &sc) < 0 ||
		    mb_qsk_get(&all, m, sc, &d) < 0)
			mb_buf_adds(&o, "null");
		else
			mb_buf_dec(&o, d);
		mb_buf_addc(&o, ' ');
	}
	printf("%s%s %s\n", mb_buf_cstr(&o), all.n > MB_QEXACT ? "sketch" : "exact",
	    a.len == f.len && a.len == b.len && memcmp(a.p, f.p, a.len) == 0 &&
	    memcmp(a.p, b.p, a.len) == 0 ? "same" : "DIFFERENT");
	for (j = 0; j < k; j++)
		mb_qsk_free(&piece[j]);
	free(piece);
	mb_qsk_free(&all);
	mb_qsk_free(&fwd);
	mb_qsk_free(&back);
	mb_buf_free(&a);
	mb_buf_free(&f);
	mb_buf_free(&b);
	mb_buf_free(&o);
}

int
main(int argc, char *argv[])
{
	mb_in *in;
	int k;

	if (argc < 3 || (k = atoi(argv[2])) < 1) {
		fprintf(stderr, "usage: agg-check hll|quantile K [Q...]\n");
		return 2;
	}
	if ((in = mb_in_open("-", 0)) == NULL)
		return 1;
	if (strcmp(argv[1], "hll") == 0)
		hll(k, in);
	else if (strcmp(argv[1], "quantile") == 0)
		quantile(k, argc - 3, argv + 3, in);
	else
		return 2;
	mb_in_close(in);
	return 0;
}
