/*
 * mb-gen: prints simulated point-of-sale orders as NDJSON or CSV, either
 * a batch of -n records or an endless stream paced at --rate records per
 * second, and the dimension tables (products, stores, customers) whose
 * keys the orders use.  With --dirty it injects the defects that real feeds
 * carry, so every later stage has something to catch.  The same --seed
 * gives the same bytes.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mb.h"

static const char *regions[] = { "North", "South", "East", "West", "Central" };
static const char *cities[] = { "Aberdeen", "Brighton", "Cambridge", "Dover",
	"Exeter", "Falkirk", "Glasgow", "Hull", "Ipswich", "Leeds" };
static const char *categories[] = { "Electronics", "Clothing", "Home",
	"Grocery", "Beauty", "Sports", "Toys", "Books" };
/* Price range per category, in cents. */
static const int price_lo[] = { 1999, 799, 499, 99, 299, 999, 599, 499 };
static const int price_hi[] = { 149999, 19999, 39999, 2999, 9999, 49999, 14999, 4999 };
static const char *brands[] = { "Acme", "Globex", "Initech", "Umbrella",
	"Stark", "Wayne", "Hooli", "Vandelay", "Soylent", "Tyrell" };
static const char *nouns[] = { "Lamp", "Kettle", "Jacket", "Speaker", "Mug",
	"Backpack", "Novel", "Blender", "Sneaker", "Puzzle", "Serum", "Racket" };
static const char *adjs[] = { "Classic", "Smart", "Eco", "Deluxe", "Mini",
	"Pro", "Vintage", "Ultra" };
static const char *first[] = { "Ada", "Ben", "Cara", "Dev", "Eli", "Fay",
	"Gus", "Hana", "Ivo", "Jun", "Kai", "Lea", "Mo", "Nia", "Oto", "Pia" };
static const char *last[] = { "Smith", "Jones", "Patel", "Nguyen", "Garcia",
	"Kowalski", "Okafor", "Larsen", "Rossi", "Tanaka" };

enum defect {
	D_MISSING, D_NULL, D_TYPE, D_REGION, D_STATUS, D_BADTS, D_FUTURE,
	D_QTYZERO, D_QTYNEG, D_AMOUNT, D_DUP, D_MALFORMED, D_BLANK, D_UTF8,
	D_NKINDS
};
static const char *defect_names[] = { "missing_field", "null_field",
	"wrong_type", "unknown_region", "unknown_status", "malformed_timestamp",
	"future_timestamp", "zero_quantity", "negative_quantity",
	"amount_mismatch", "duplicate", "malformed_json", "blank_line",
	"invalid_utf8" };

static struct {
	uint64_t n, seed;
	double dirty, rate;
	int csv, stats, stamp;
	int nproducts, nstores, ncustomers;
	int64_t start_ms, span_ms;
} opt = { 10000, 42, 0, 0, 0, 0, 0, 5000, 50, 20000, 0, 0 };

static uint64_t rng;

static uint64_t
next(void)
{
	/* splitmix64: small, fast, and the same on every machine. */
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double
unif(void)
{
	return (double)(next() >> 11) * 0x1.0p-53;
}

static uint64_t
below(uint64_t n)
{
	return next() % n;
}

/* A product's attributes follow from its number alone, so the orders and
 * the products table agree without sharing state. */
static uint64_t
mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

static int
product_cat(int p)
{
	return (int)(mix((uint64_t)p) % 8);
}

static int64_t
product_price(int p)
{
	int c = product_cat(p);
	uint64_t h = mix((uint64_t)p * 7 + 1);
	int64_t span = price_hi[c] - price_lo[c];

	/* Cheap items are common: skew towards the low end, end in 9. */
	double u = (double)(h % 10000) / 10000.0;
	int64_t cents = price_lo[c] + (int64_t)(span * u * u);

	return cents / 10 * 10 + 9;
}

static void
put_cents(mb_buf *b, int64_t c)
{
	char tmp[4];

	if (c < 0) {
		mb_buf_addc(b, '-');
		c = -c;
	}
	mb_buf_addi(b, c / 100);
	tmp[0] = '.';
	tmp[1] = (char)('0' + c / 10 % 10);
	tmp[2] = (char)('0' + c % 10);
	mb_buf_add(b, tmp, 3);
}

static void
put_id(mb_buf *b, const char *prefix, uint64_t v, int width)
{
	char tmp[24];
	int i;

	mb_buf_adds(b, prefix);
	for (i = width - 1; i >= 0; i--, v /= 10)
		tmp[i] = (char)('0' + v % 10);
	mb_buf_add(b, tmp, (size_t)width);
}

/* Relative order volume at a time: more in November and December, more
 * at weekends and in the afternoon. */
static double
season(int64_t ms)
{
	mb_tm tm;
	static const double hourw[24] = { .1, .05, .05, .05, .05, .1, .2, .4, .7,
		.9, 1, 1.1, 1.3, 1.2, 1.1, 1.1, 1.2, 1.4, 1.5, 1.4, 1.2, .9, .5, .2 };
	double w;

	mb_time_split(ms, &tm);
	w = hourw[tm.hour];
	if (tm.month == 11)
		w *= 1.4;
	else if (tm.month == 12)
		w *= 1.8;
	else if (tm.month == 1 || tm.month == 2)
		w *= 0.8;
	if (tm.wday == 1 || tm.wday == 7)
		w *= 1.3;
	return w;
}

typedef struct order {
	uint64_t id;
	int64_t ts;
	int customer, product, store, qty;
	int64_t price, amount;
	const char *status, *payment;
} order;

static const char *
pick_status(void)
{
	double u = unif();

	if (u < 0.06)
		return "returned";
	if (u < 0.11)
		return "cancelled";
	if (u < 0.14)
		return "pending";
	return "completed";
}

static const char *
pick_payment(void)
{
	double u = unif();

	return u < 0.55 ? "card" : u < 0.75 ? "wallet" : u < 0.90 ? "cash" : "gift_card";
}

static void
make_order(order *o, uint64_t id, int64_t ts)
{
	double u;

	o->id = id;
	o->ts = ts;
	u = unif();
	o->customer = 1 + (int)(u * u * opt.ncustomers);
	u = unif();
	o->product = 1 + (int)(u * u * u * opt.nproducts);
	o->store = 1 + (int)below((uint64_t)opt.nstores);
	u = unif();
	o->qty = u < 0.6 ? 1 : u < 0.8 ? 2 : u < 0.9 ? 3 : 4 + (int)below(7);
	o->price = product_price(o->product);
	o->amount = o->price * o->qty;
	o->status = pick_status();
	o->payment = pick_payment();
}

/* The text of one field's value as JSON; which = field number 0..11. */
static const char *fields[] = { "order_id", "customer_id", "order_ts",
	"region", "status", "product_id", "category", "store_id", "quantity",
	"unit_price", "amount", "payment_method" };
#define NFIELDS 12

static void
put_value(mb_buf *b, const order *o, int f, int quoted)
{
	if (quoted)
		mb_buf_addc(b, '"');
	switch (f) {
	case 0: put_id(b, "ORD-", o->id, 12); break;
	case 1: put_id(b, "C", (uint64_t)o->customer, 7); break;
	case 2: mb_time_fmt(b, o->ts); b->len -= 5; mb_buf_addc(b, 'Z'); break;
	case 3: mb_buf_adds(b, regions[(o->store - 1) % 5]); break;
	case 4: mb_buf_adds(b, o->status); break;
	case 5: put_id(b, "P", (uint64_t)o->product, 5); break;
	case 6: mb_buf_adds(b, categories[product_cat(o->product)]); break;
	case 7: put_id(b, "S", (uint64_t)o->store, 3); break;
	case 8: mb_buf_addi(b, o->qty); break;
	case 9: put_cents(b, o->price); break;
	case 10: put_cents(b, o->amount); break;
	case 11: mb_buf_adds(b, o->payment); break;
	}
	if (quoted)
		mb_buf_addc(b, '"');
}

static int
is_text(int f)
{
	return f < 8 || f == 11;
}

/*
 * Writes one order, damaged by defect d (or -1 for none).  The damage is
 * written as text, so it can be anything a broken feed sends.
 */
static void
put_order(mb_buf *b, const order *o, int d, int64_t due)
{
	int f, skip = -1, nullf = -1, typef = -1;
	size_t start = b->len;

	if (d == D_MISSING)
		skip = (int)below(NFIELDS);
	else if (d == D_NULL)
		nullf = (int)below(NFIELDS);
	else if (d == D_TYPE)
		typef = (int[]){ 8, 9, 10, 1 }[below(4)];
	if (opt.csv) {
		if (opt.stamp) {
			mb_buf_addi(b, due);
			mb_buf_addc(b, ',');
		}
		for (f = 0; f < NFIELDS; f++) {
			if (f)
				mb_buf_addc(b, ',');
			if (f == skip || f == nullf)
				continue;
			if (f == typef) {
				mb_buf_adds(b, f == 1 ? "12345" : "n/a");
				continue;
			}
			if (d == D_REGION && f == 3) {
				mb_buf_adds(b, "Atlantis");
				continue;
			}
			if (d == D_STATUS && f == 4) {
				mb_buf_adds(b, "teleported");
				continue;
			}
			if (d == D_BADTS && f == 2) {
				mb_buf_adds(b, "2025-13-45 25:61:00");
				continue;
			}
			put_value(b, o, f, 0);
		}
		if (d == D_MALFORMED) {
			/* Half a row, or a stray quote in an unquoted field. */
			if (below(2))
				b->len = start + (b->len - start) / 2;
			else
				mb_buf_adds(b, ",bad\"quote");
		}
		if (d == D_UTF8)
			mb_buf_add(b, ",\xff\xfe", 3), b->len -= 3,
			    mb_buf_add(b, "\xff", 1);
		mb_buf_addc(b, '\n');
		return;
	}
	mb_buf_addc(b, '{');
	if (opt.stamp) {
		mb_buf_adds(b, "\"_emit_us\":");
		mb_buf_addi(b, due);
	}
	for (f = 0; f < NFIELDS; f++) {
		if (f == skip)
			continue;
		if (b->p[b->len - 1] != '{')
			mb_buf_addc(b, ',');
		mb_buf_addc(b, '"');
		mb_buf_adds(b, fields[f]);
		mb_buf_add(b, "\":", 2);
		if (f == nullf)
			mb_buf_add(b, "null", 4);
		else if (f == typef)
			mb_buf_adds(b, f == 1 ? "12345" : f == 8 ? "\"two\"" : "\"n/a\"");
		else if (d == D_REGION && f == 3)
			mb_buf_adds(b, "\"Atlantis\"");
		else if (d == D_STATUS && f == 4)
			mb_buf_adds(b, "\"teleported\"");
		else if (d == D_BADTS && f == 2)
			mb_buf_adds(b, below(2) ? "\"2025-13-45 25:61:00\"" : "\"yesterday\"");
		else if (d == D_UTF8 && f == 1)
			mb_buf_add(b, "\"C\xff\xfe\"", 5);
		else
			put_value(b, o, f, is_text(f));
	}
	mb_buf_addc(b, '}');
	if (d == D_MALFORMED) {
		switch (below(4)) {
		case 0:	/* truncated */
			b->len = start + (b->len - start) * 2 / 3;
			break;
		case 1:	/* trailing comma */
			b->p[b->len - 1] = ',';
			mb_buf_addc(b, '}');
			break;
		case 2:	/* single quotes */
			for (size_t i = start; i < b->len; i++)
				if (b->p[i] == '"')
					b->p[i] = '\'';
			break;
		default:
			b->len = start;
			mb_buf_adds(b, "<html>502 Bad Gateway</html>");
		}
	}
	mb_buf_addc(b, '\n');
}

static void
put_csv_header(mb_buf *b)
{
	int f;

	if (opt.stamp)
		mb_buf_adds(b, "_emit_us,");
	for (f = 0; f < NFIELDS; f++) {
		if (f)
			mb_buf_addc(b, ',');
		mb_buf_adds(b, fields[f]);
	}
	mb_buf_addc(b, '\n');
}

static int
pick_defect(void)
{
	if (opt.dirty <= 0 || unif() >= opt.dirty)
		return -1;
	return (int)below(D_NKINDS);
}

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Waits until the time us; what was written goes out first, so that a
 * record never waits in the buffer while the stream is idle. */
static void
sleep_until(int64_t us)
{
	int64_t now = now_us();
	struct timespec ts;

	if (us <= now)
		return;
	mb_out_flush();
	ts.tv_sec = (us - now) / 1000000;
	ts.tv_nsec = (long)((us - now) % 1000000) * 1000L;
	nanosleep(&ts, NULL);
}

/*
 * Batch timestamps: the span is cut into hours, each weighted by season();
 * record i of n lands at the point (i + u) / n of the cumulative weight, so
 * the batch fills exactly the span, in time order, with the volume shape.
 */
static double *cdf;
static int64_t cdf_hours, cdf_at;

static int64_t
batch_ts(uint64_t i)
{
	double target = ((double)i + unif()) / (double)opt.n * cdf[cdf_hours - 1];
	double lo, w;

	while (cdf_at < cdf_hours - 1 && cdf[cdf_at] < target)
		cdf_at++;
	lo = cdf_at ? cdf[cdf_at - 1] : 0;
	w = cdf[cdf_at] - lo;
	return opt.start_ms + cdf_at * 3600000 +
	    (int64_t)(w > 0 ? (target - lo) / w * 3600000 : 0);
}

static void
gen_orders(void)
{
	mb_buf b = { 0 }, prev = { 0 };
	uint64_t i, ndirty = 0, counts[D_NKINDS] = { 0 };
	int64_t t, t0 = 0, h, due = 0;
	order o;
	int d, endless = opt.rate > 0 && opt.n == 0;

	if (opt.rate <= 0) {
		cdf_hours = opt.span_ms / 3600000;
		cdf = mb_xmalloc((size_t)cdf_hours * sizeof(*cdf));
		for (h = 0; h < cdf_hours; h++)
			cdf[h] = (h ? cdf[h - 1] : 0) + season(opt.start_ms + h * 3600000);
	}
	if (opt.csv) {
		put_csv_header(&b);
		mb_out_buf(&b);
	}
	if (opt.rate > 0)
		t0 = now_us();
	for (i = 0; endless || i < opt.n; i++) {
		if (opt.rate > 0) {
			/* Record i is due at t0 + i / rate; one that is late
			 * (the reader was slow) goes out at once. */
			due = t0 + (int64_t)((double)i * 1e6 / opt.rate);
			sleep_until(due);
			t = mb_time_now_ms();
		} else
			t = batch_ts(i);
		b.len = 0;
		make_order(&o, i + 1, t);
		d = pick_defect();
		if (d == D_DUP && prev.len == 0)
			d = -1;
		if (d >= 0) {
			counts[d]++;
			ndirty++;
		}
		if (d == D_DUP && opt.stamp) {
			/* the same order again, sent now */
			const char *c = memchr(prev.p, ',', prev.len);

			mb_buf_adds(&b, opt.csv ? "" : "{\"_emit_us\":");
			mb_buf_addi(&b, due);
			mb_buf_add(&b, c, prev.len - (size_t)(c - prev.p));
		} else if (d == D_DUP) {
			mb_buf_add(&b, prev.p, prev.len);
		} else if (d == D_BLANK) {
			mb_buf_addc(&b, '\n');
		} else {
			if (d == D_FUTURE)
				o.ts += (int64_t)(5 * 365 + below(365)) * 86400000;
			else if (d == D_QTYZERO) {
				o.qty = 0;
				o.amount = 0;
			} else if (d == D_QTYNEG) {
				o.qty = -1 - (int)below(3);
				o.amount = o.price * o.qty;
			} else if (d == D_AMOUNT)
				o.amount += 100 + (int64_t)below(5000);
			put_order(&b, &o, d, due);
			if (d == -1) {
				prev.len = 0;
				mb_buf_add(&prev, b.p, b.len);
			}
		}
		mb_out_buf(&b);
	}
	if (opt.stats) {
		mb_err("%llu lines, %llu with defects", (unsigned long long)i,
		    (unsigned long long)ndirty);
		for (d = 0; d < D_NKINDS; d++)
			if (counts[d])
				mb_err("  %-20s %llu", defect_names[d],
				    (unsigned long long)counts[d]);
	}
	free(cdf);
	mb_buf_free(&b);
	mb_buf_free(&prev);
}

static void
gen_table(const char *table)
{
	mb_buf b = { 0 };
	int i, n;

	if (strcmp(table, "products") == 0) {
		mb_buf_adds(&b, "product_id,product_name,category,brand,unit_price\n");
		for (i = 1; i <= opt.nproducts; i++) {
			uint64_t h = mix((uint64_t)i * 31 + 7);

			put_id(&b, "P", (uint64_t)i, 5);
			mb_buf_printf(&b, ",%s %s %d,%s,%s,", adjs[h % 8],
			    nouns[(h >> 8) % 12], (int)((h >> 16) % 900) + 100,
			    categories[product_cat(i)], brands[(h >> 32) % 10]);
			put_cents(&b, product_price(i));
			mb_buf_addc(&b, '\n');
			if (b.len > 65536) {
				mb_out_buf(&b);
				b.len = 0;
			}
		}
	} else if (strcmp(table, "stores") == 0) {
		mb_buf_adds(&b, "store_id,store_name,region,city\n");
		for (i = 1; i <= opt.nstores; i++) {
			put_id(&b, "S", (uint64_t)i, 3);
			mb_buf_printf(&b, ",%s Store %d,%s,%s\n", cities[i % 10], i,
			    regions[(i - 1) % 5], cities[i % 10]);
		}
	} else if (strcmp(table, "customers") == 0) {
		mb_buf_adds(&b, "customer_id,customer_name,email,signup_date,region\n");
		n = opt.ncustomers;
		for (i = 1; i <= n; i++) {
			uint64_t h = mix((uint64_t)i * 131 + 3);
			const char *f = first[h % 16], *l = last[(h >> 8) % 10];

			put_id(&b, "C", (uint64_t)i, 7);
			mb_buf_printf(&b, ",%s %s,%c%c.%c%s%d@example.com,", f, l,
			    f[0] | 0x20, f[1], l[0] | 0x20, l + 1, i);
			mb_time_fmt_date(&b, opt.start_ms - (int64_t)((h >> 20) % 1500) * 86400000);
			mb_buf_printf(&b, ",%s\n", regions[(h >> 40) % 5]);
			if (b.len > 65536) {
				mb_out_buf(&b);
				b.len = 0;
			}
		}
	} else
		mb_die(MB_EXIT_USAGE, "--table: '%s' is not products, stores or customers", table);
	mb_out_buf(&b);
	mb_buf_free(&b);
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: mb-gen [-n N] [--seed S] [--dirty FRACTION] [--rate R]\n"
	    "              [--format ndjson|csv] [--start DATE] [--days D] [--stats]\n"
	    "              [--products N] [--stores N] [--customers N] [--stamp]\n"
	    "       mb-gen --table products|stores|customers [options]\n");
}

static void
help(void)
{
	usage(stdout);
	printf("\nSimulated point-of-sale orders (NDJSON or CSV) and their dimension tables.\n\n"
	    "  -n N               records to print (default 10000; 0 with --rate: endless)\n"
	    "  --seed S           random seed; the same seed gives the same output (default 42)\n"
	    "  --dirty FRACTION   share of records with an injected defect, 0..1 (default 0)\n"
	    "  --rate R           pace output at R records per second, timestamps = now\n"
	    "  --stamp            with --rate: _emit_us, the microsecond each record was due\n"
	    "  --format F         ndjson (default) or csv\n"
	    "  --start DATE       first order time (default 2025-01-01)\n"
	    "  --days D           days the batch spans (default 365)\n"
	    "  --products N       product catalogue size (default 5000)\n"
	    "  --stores N         stores (default 50)\n"
	    "  --customers N      customers (default 20000)\n"
	    "  --table T          print dimension table T as CSV instead of orders\n"
	    "  --stats            print counts of injected defects to stderr\n"
	    "  --help, --version\n");
}

int
main(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "customers", required_argument, NULL, 'C' },
		{ "days", required_argument, NULL, 'D' },
		{ "dirty", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "products", required_argument, NULL, 'P' },
		{ "rate", required_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 's' },
		{ "start", required_argument, NULL, 'S' },
		{ "stamp", no_argument, NULL, 'E' },
		{ "stats", no_argument, NULL, 'x' },
		{ "stores", required_argument, NULL, 'T' },
		{ "table", required_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *table = NULL;
	int c, nset = 0;
	int64_t days = 365;

	mb_prog_init(argv[0]);
	mb_time_parse("2025-01-01", 10, &opt.start_ms);
	while ((c = getopt_long(argc, argv, "n:", lo, NULL)) != -1) {
		switch (c) {
		case 'C':
			opt.ncustomers = (int)mb_opt_int("--customers", optarg, 1, 9999999);
			break;
		case 'D':
			days = mb_opt_int("--days", optarg, 1, 36500);
			break;
		case 'd':
			opt.dirty = mb_opt_double("--dirty", optarg, 0, 1);
			break;
		case 'E':
			opt.stamp = 1;
			break;
		case 'f':
			if (strcmp(optarg, "csv") == 0)
				opt.csv = 1;
			else if (strcmp(optarg, "ndjson") == 0)
				opt.csv = 0;
			else
				mb_die(MB_EXIT_USAGE, "--format: '%s' is not ndjson or csv", optarg);
			break;
		case 'h':
			help();
			return mb_finish(MB_EXIT_OK);
		case 'n':
			opt.n = (uint64_t)mb_opt_int("-n", optarg, 0, INT64_MAX);
			nset = 1;
			break;
		case 'P':
			opt.nproducts = (int)mb_opt_int("--products", optarg, 1, 99999);
			break;
		case 'r':
			opt.rate = mb_opt_double("--rate", optarg, 0.001, 1e7);
			break;
		case 's':
			opt.seed = (uint64_t)mb_opt_int("--seed", optarg, 0, INT64_MAX);
			break;
		case 'S':
			if (mb_time_parse(optarg, strlen(optarg), &opt.start_ms) < 0)
				mb_die(MB_EXIT_USAGE, "--start: %s", mb_errmsg());
			break;
		case 'T':
			opt.nstores = (int)mb_opt_int("--stores", optarg, 1, 999);
			break;
		case 't':
			table = optarg;
			break;
		case 'V':
			printf("mb-gen %s\n", MB_VERSION);
			return mb_finish(MB_EXIT_OK);
		case 'x':
			opt.stats = 1;
			break;
		default:
			usage(stderr);
			return MB_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		mb_err("unexpected argument '%s'", argv[optind]);
		usage(stderr);
		return MB_EXIT_USAGE;
	}
	if (opt.rate > 0 && !nset)
		opt.n = 0;
	if (opt.stamp && (opt.rate <= 0 || table != NULL)) {
		mb_err("--stamp needs --rate (it stamps the time a record was due)");
		usage(stderr);
		return MB_EXIT_USAGE;
	}
	opt.span_ms = days * 86400000;
	rng = opt.seed;
	if (table)
		gen_table(table);
	else
		gen_orders();
	return mb_finish(MB_EXIT_OK);
}
