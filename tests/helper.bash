bats_require_minimum_version 1.5.0
# Loaded by every bats file: the tools under test come first on PATH.
# MB_BIN picks another build (make test runs the suite again with the
# ASan/UBSan build in build-asan).
PATH="${MB_BIN:-$BATS_TEST_DIRNAME/../build}:$PATH"
export PATH
DATA="$BATS_TEST_DIRNAME/data"
# The UCI Online Retail data set, one .csv.zst per day, kept in the project.
RETAIL="$BATS_TEST_DIRNAME/../pipelines/data/uci-online-retail"
export LC_ALL=C TZ=UTC

# retail_day DATE: that day's Online Retail CSV, uncompressed, on stdout.
retail_day() {
	zstd -dcq "$RETAIL/$1.csv.zst"
}

# need_pty: skips the test, saying so, when this machine cannot give a
# pseudo-terminal; the only reason a terminal test may skip.
need_pty() {
	python3 -c 'import os; os.close(os.openpty()[0])' 2>/dev/null \
		|| skip "this machine has no pseudo-terminal (openpty failed)"
}

# in_pty CMD: runs the shell command CMD with a pseudo-terminal as its
# stdin, stdout and stderr (python3's pty module), so a tool sees a
# terminal; the terminal's output is on stdout, CMD's status is the
# status.  Call need_pty first.
in_pty() {
	python3 -c 'import os, pty, sys
sys.exit(os.waitstatus_to_exitcode(pty.spawn(["sh", "-c", sys.argv[1]])))' "$1"
}
# Sanitizers: fail loudly on any finding.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}:abort_on_error=0:exitcode=99"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=99"

# Drops the _ingested_at value, the one field that changes between runs.
strip_time() {
	sed -E 's/"_ingested_at":"[0-9T:.Z-]+"/"_ingested_at":"T"/g'
}

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

# mbrun CMD...: runs CMD with stdout through strip_time and stderr saved
# in $BATS_TEST_TMPDIR/stderr; the status is CMD's.  Use as `run mbrun ...`.
mbrun() {
	"$@" 2>"$BATS_TEST_TMPDIR/stderr" | strip_time
	return "${PIPESTATUS[0]}"
}
stderr_of_mbrun() {
	cat "$BATS_TEST_TMPDIR/stderr"
}
