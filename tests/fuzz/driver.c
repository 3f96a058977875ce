/*
 * driver.c: runs a fuzz harness without libFuzzer.  Every file named on
 * the command line, and every file in a folder named there (in name
 * order), is read whole and given to the harness's LLVMFuzzerTestOneInput
 * once; then "N inputs" is printed.  This is how `make test` replays the
 * seed corpus and every crash the fuzzer ever found (tests/fuzz.bats),
 * with gcc and under ASan+UBSan, no clang needed.  Status 1 when a file
 * cannot be read; a crash is the harness's own.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static long ninputs;

static int
run_file(const char *path)
{
	mb_buf b = {0};
	char *copy;

	if (mb_file_read(path, &b) == -1) {
		fprintf(stderr, "fuzz driver: %s\n", mb_errmsg());
		return -1;
	}
	/* An exact-size copy, so that ASan sees any read past the end. */
	copy = mb_xmalloc(b.len ? b.len : 1);
	if (b.len > 0)
		memcpy(copy, b.p, b.len);
	LLVMFuzzerTestOneInput((const uint8_t *)copy, b.len);
	free(copy);
	mb_buf_free(&b);
	ninputs++;
	return 0;
}

static int
nodot(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

int
main(int argc, char *argv[])
{
	struct dirent **ents;
	struct stat st;
	mb_buf path = {0};
	int i, j, n, status = 0;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == -1 || !S_ISDIR(st.st_mode)) {
			if (run_file(argv[i]) == -1)
				status = 1;
			continue;
		}
		if ((n = scandir(argv[i], &ents, nodot, alphasort)) == -1) {
			perror(argv[i]);
			status = 1;
			continue;
		}
		for (j = 0; j < n; j++) {
			mb_buf_reset(&path);
			mb_buf_printf(&path, "%s/%s", argv[i], ents[j]->d_name);
			if (run_file(mb_buf_cstr(&path)) == -1)
				status = 1;
			free(ents[j]);
		}
		free(ents);
	}
	mb_buf_free(&path);
	printf("%ld inputs\n", ninputs);
	return status;
}
