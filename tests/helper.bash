bats_require_minimum_version 1.5.0
# Loaded by every bats file: the tools under test come first on PATH.
# MB_BIN picks another build (make test runs the suite again with the
# ASan/UBSan build in build-asan).
PATH="${MB_BIN:-$BATS_TEST_DIRNAME/../build}:$PATH"
export PATH
DATA="$BATS_TEST_DIRNAME/data"
SHARED="$BATS_TEST_DIRNAME/../../shared/data"
export LC_ALL=C TZ=UTC
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
