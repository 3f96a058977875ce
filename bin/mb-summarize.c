/*
 * mb-summarize: reads gold tables and prints one NDJSON record with a
 * written summary of them and the digest of facts it was written from.
 * The digest is computed here, in exact decimals; the summary is written
 * offline from it, or, when an endpoint is configured, by a model that
 * speaks the chat completions API, and then every figure of the model's
 * text is checked against the digest: a text with a figure that is not
 * there gets one more try and then gives way to the offline summary.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ask.h"
#include "ground.h"
#include "llm.h"
#include "table.h"

typedef struct input {
	char *name;
	const char *source;
	mb_tabopts o;
} input;

static struct {
	input *in;
	int nin;
	int text, offline, verbose;
	const char *check, *endpoint, *model, *keyfile, *cafile, *cache;
	long timeout, retries;
} opt = { .timeout = 60, .retries = 3 };

static void
usage(FILE *f, int status)
{
	fprintf(f,
	    "usage: mb-summarize [-qv] [--text] [--offline] "
	    "[--time F] [--by F] [--measure F]\n"
	    "                    -t NAME=SOURCE ... [--endpoint URL] "
	    "[--model NAME] [--key-file FILE]\n"
	    "                    [--ca-file FILE] [--timeout S] [--retries N] "
	    "[--cache DIR] [--check FILE]\n");
	if (f == stdout)
		fprintf(f,
		    "  -t, --table NAME=SRC  a gold table: dataset folder, NDJSON "
		    "(.zst) or CSV file, -\n"
		    "      --time F[,F]      time field(s) of the tables named "
		    "after it\n"
		    "      --by F[,F]        group field(s) of the tables named "
		    "after it\n"
		    "      --measure F,...   measures of the tables named after "
		    "it (first: main)\n"
		    "      --text            print only the summary\n"
		    "      --offline         never ask a model\n"
		    "      --endpoint URL    chat completions server (else "
		    "MB_LLM_URL)\n"
		    "      --model NAME      model (else MB_LLM_MODEL)\n"
		    "      --key-file FILE   API key, owner-only file (else "
		    "MB_LLM_API_KEY)\n"
		    "      --ca-file FILE    CA certificates for the endpoint\n"
		    "      --timeout S       seconds per request (60)\n"
		    "      --retries N       retries on 429 and 5xx (3)\n"
		    "      --cache DIR       reuse answers for unchanged digests\n"
		    "      --check FILE      check FILE's figures against the "
		    "digest instead\n"
		    "  -q, --quiet           no warnings\n"
		    "  -v, --verbose         show the request (key masked)\n"
		    "  -h, --help            this help\n"
		    "  -V, --version         the version\n");
	exit(status);
}

/* A table's name when none is given: the file or folder name without
 * its extensions ("lake/gold/top_products/" is top_products). */
static char *
name_of(const char *path)
{
	size_t n = strlen(path), l;
	const char *b, *dot;

	if (strcmp(path, "-") == 0)
		return mb_xstrdup("stdin");
	while (n > 1 && path[n - 1] == '/')
		n--;
	for (b = path + n; b > path && b[-1] != '/'; b--)
		;
	l = (size_t)(path + n - b);
	if ((dot = memchr(b, '.', l)) != NULL && dot > b)
		l = (size_t)(dot - b);
	return mb_xstrndup(b, l);
}

static void
add_table(const char *arg, const mb_tabopts *o)
{
	const char *eq = strchr(arg, '='), *src = eq ? eq + 1 : arg;
	char *name = eq ? mb_xstrndup(arg, (size_t)(eq - arg)) : name_of(arg);

	if (*name == '\0' || *src == '\0')
		mb_die(MB_EXIT_USAGE, "--table '%s': expected NAME=SOURCE", arg);
	for (int i = 0; i < opt.nin; i++) {
		if (strcmp(opt.in[i].name, name) == 0)
			mb_die(MB_EXIT_USAGE, "--table %s: named twice", name);
		if (strcmp(src, "-") == 0 && strcmp(opt.in[i].source, "-") == 0)
			mb_die(MB_EXIT_USAGE, "--table %s: stdin can be read once",
			    name);
	}
	opt.in = mb_xrealloc(opt.in, (size_t)(opt.nin + 1) * sizeof(input));
	opt.in[opt.nin].name = name;
	opt.in[opt.nin].source = src;
	opt.in[opt.nin].o = *o;
	opt.nin++;
}

static void
on_warn(void *ctx, const char *msg)
{
	(void)ctx;
	mb_warn("%s", msg);
}

/* The trace of -v: whole messages (a request body is long), written
 * at once. */
static void
on_trace(void *ctx, const char *msg)
{
	mb_buf b = { 0 };

	(void)ctx;
	mb_buf_printf(&b, "%s: %s\n", mb_prog_name(), msg);
	if (mb_write_all(2, b.p, b.len) == -1)
		opt.verbose = 0;
	mb_buf_free(&b);
}

static mb_digest *
read_tables(void)
{
	mb_digest *d = mb_digest_new();

	for (int i = 0; i < opt.nin; i++) {
		mb_tab *t = mb_tab_new(opt.in[i].name);
		int status = MB_EXIT_OK;
		if (mb_tab_load(t, opt.in[i].source) != 0)
			status = MB_EXIT_FAIL;
		else if ((status = mb_digest_add(d, t, &opt.in[i].o)) != 0)
			status = status == -2 ? MB_EXIT_USAGE : MB_EXIT_FAIL;
		if (status != MB_EXIT_OK) {
			char msg[512];
			snprintf(msg, sizeof(msg), "%s", mb_errmsg());
			mb_tab_free(t);
			mb_digest_free(d);
			mb_die(status, "%s", msg);
		}
		if (opt.verbose)
			mb_err("%s: %zu rows from %s, read as %s", opt.in[i].name,
			    t->nrows, opt.in[i].source, d->t[d->nt - 1].kind);
		mb_tab_free(t);
	}
	return d;
}

/* --check FILE: each figure of FILE that the digest does not hold, one
 * per line; status 3 when there is any. */
static int
check_text(const mb_digest *d)
{
	mb_buf text = { 0 }, bad = { 0 };
	size_t n;

	if (mb_file_read(opt.check, &text) == -1)
		mb_die(MB_EXIT_FAIL, "--check %s", mb_errmsg());
	n = mb_ground_check(d, text.p, text.len, &bad);
	for (size_t i = 0; i < bad.len; i += strlen(bad.p + i) + 1) {
		mb_out(bad.p + i, strlen(bad.p + i));
		mb_out("\n", 1);
	}
	mb_buf_free(&text);
	mb_buf_free(&bad);
	return n > 0 ? MB_EXIT_QUALITY : MB_EXIT_OK;
}

static mb_secret key;

/* The API key, before any table is read: a key file that others can
 * read stops the run at once, and the environment's copy is wiped. */
static void
read_key(void)
{
	int rc;

	if (opt.keyfile != NULL) {
		if ((rc = mb_secret_file(&key, opt.keyfile)) < 0)
			mb_die(rc == -2 ? MB_EXIT_USAGE : MB_EXIT_FAIL,
			    "--key-file %s", mb_errmsg());
	} else if (mb_secret_env(&key, "MB_LLM_API_KEY") == -1)
		mb_die(MB_EXIT_USAGE, "%s", mb_errmsg());
}

static void
ask_model(const mb_digest *d, const mb_buf *dj, mb_summary *s)
{
	mb_ask_opts ao;

	if (mb_llm_init() == -1)
		mb_die(MB_EXIT_FAIL, "%s", mb_errmsg());
	memset(&ao, 0, sizeof(ao));
	ao.llm.endpoint = opt.endpoint;
	ao.llm.ca_file = opt.cafile;
	ao.llm.timeout_ms = opt.timeout * 1000;
	ao.llm.retries = (int)opt.retries;
	ao.llm.key = &key;
	ao.llm.log = opt.verbose ? on_trace : NULL;
	ao.model = opt.model;
	ao.cache_dir = opt.cache;
	ao.warn = on_warn;
	mb_ask(&ao, d, dj->p, dj->len, s);
	mb_secret_wipe(&key);
	mb_llm_cleanup();
	if (opt.verbose)
		mb_err("summary: %s%s, %d request%s", s->source,
		    s->cached ? " (cached)" : "", s->requests,
		    s->requests == 1 ? "" : "s");
}

static void
print_record(const mb_summary *s, const mb_buf *dj)
{
	mb_buf b = { 0 };

	if (opt.text) {
		mb_buf_add(&b, s->text.p, s->text.len);
		mb_buf_addc(&b, '\n');
		mb_out_buf(&b);
		mb_buf_free(&b);
		return;
	}
	mb_buf_adds(&b, "{\"generated_at\":\"");
	mb_time_fmt(&b, mb_time_now_ms());
	mb_buf_printf(&b, "\",\"source\":\"%s\",\"model\":", s->source);
	if (strcmp(s->source, "offline") == 0)
		mb_buf_adds(&b, "null");
	else
		mb_buf_json_str(&b, opt.model, strlen(opt.model));
	mb_buf_printf(&b, ",\"input_hash\":\"%016" PRIx64 "\",\"summary\":",
	    mb_hash(dj->p, dj->len));
	mb_buf_json_str(&b, s->text.p, s->text.len);
	mb_buf_adds(&b, ",\"digest\":");
	mb_buf_add(&b, dj->p, dj->len);
	mb_buf_adds(&b, ",\"rejected\":[");
	for (size_t i = 0; i < s->rejected.len;
	    i += strlen(s->rejected.p + i) + 1) {
		if (i > 0)
			mb_buf_addc(&b, ',');
		mb_buf_json_str(&b, s->rejected.p + i, strlen(s->rejected.p + i));
	}
	mb_buf_adds(&b, "]}\n");
	mb_out_buf(&b);
	mb_buf_free(&b);
}

int
main(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "by", required_argument, NULL, 'b' },
		{ "cache", required_argument, NULL, 'C' },
		{ "ca-file", required_argument, NULL, 'A' },
		{ "check", required_argument, NULL, 'c' },
		{ "endpoint", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ "key-file", required_argument, NULL, 'k' },
		{ "measure", required_argument, NULL, 'm' },
		{ "model", required_argument, NULL, 'M' },
		{ "offline", no_argument, NULL, 'O' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "retries", required_argument, NULL, 'r' },
		{ "table", required_argument, NULL, 't' },
		{ "text", no_argument, NULL, 'T' },
		{ "time", required_argument, NULL, 'i' },
		{ "timeout", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	mb_tabopts cur = { NULL, NULL, NULL };
	mb_summary s = { 0 };
	mb_buf dj = { 0 };
	mb_digest *d;
	int c, status = MB_EXIT_OK;

	mb_prog_init(argv[0]);
	while ((c = getopt_long(argc, argv, "hqt:vV", lo, NULL)) != -1) {
		switch (c) {
		case 'A':
			opt.cafile = optarg;
			break;
		case 'b':
			cur.by = optarg;
			break;
		case 'C':
			opt.cache = optarg;
			break;
		case 'c':
			opt.check = optarg;
			break;
		case 'e':
			opt.endpoint = optarg;
			break;
		case 'h':
			usage(stdout, MB_EXIT_OK);
			break;
		case 'i':
			cur.time = optarg;
			break;
		case 'k':
			opt.keyfile = optarg;
			break;
		case 'M':
			opt.model = optarg;
			break;
		case 'm':
			cur.measure = optarg;
			break;
		case 'O':
			opt.offline = 1;
			break;
		case 'o':
			opt.timeout = (long)mb_opt_int("--timeout", optarg, 1, 3600);
			break;
		case 'q':
			mb_set_quiet(1);
			break;
		case 'r':
			opt.retries = (long)mb_opt_int("--retries", optarg, 0, 10);
			break;
		case 't':
			add_table(optarg, &cur);
			break;
		case 'T':
			opt.text = 1;
			break;
		case 'v':
			opt.verbose = 1;
			break;
		case 'V':
			printf("mb-summarize %s\n", MB_VERSION);
			return mb_finish(MB_EXIT_OK);
		default:
			usage(stderr, MB_EXIT_USAGE);
		}
	}
	if (optind < argc) {
		mb_err("unexpected argument '%s' (tables are named with "
		    "--table NAME=SOURCE)", argv[optind]);
		usage(stderr, MB_EXIT_USAGE);
	}
	if (opt.nin == 0) {
		mb_err("no table: name one with --table NAME=SOURCE");
		usage(stderr, MB_EXIT_USAGE);
	}
	if (opt.offline || opt.check)
		opt.endpoint = NULL;
	else if (opt.endpoint == NULL && (opt.endpoint = getenv("MB_LLM_URL")) &&
	    *opt.endpoint == '\0')
		opt.endpoint = NULL;
	if (opt.model == NULL && (opt.model = getenv("MB_LLM_MODEL")) &&
	    *opt.model == '\0')
		opt.model = NULL;
	if (opt.endpoint != NULL) {
		if (strncmp(opt.endpoint, "http://", 7) != 0 &&
		    strncmp(opt.endpoint, "https://", 8) != 0)
			mb_die(MB_EXIT_USAGE, "--endpoint '%s': not an http:// or "
			    "https:// URL", opt.endpoint);
		if (opt.model == NULL)
			mb_die(MB_EXIT_USAGE, "no model: give --model NAME or set "
			    "MB_LLM_MODEL");
		read_key();
	} else if (opt.keyfile != NULL && !opt.offline && !opt.check)
		mb_die(MB_EXIT_USAGE, "--key-file without --endpoint or MB_LLM_URL");

	d = read_tables();
	mb_digest_json(d, &dj);
	if (opt.check != NULL)
		status = check_text(d);
	else {
		if (opt.endpoint != NULL)
			ask_model(d, &dj, &s);
		else
			mb_ask_offline(d, &s, "offline");
		print_record(&s, &dj);
	}
	mb_summary_free(&s);
	mb_buf_free(&dj);
	mb_digest_free(d);
	for (int i = 0; i < opt.nin; i++)
		free(opt.in[i].name);
	free(opt.in);
	return mb_finish(status);
}
