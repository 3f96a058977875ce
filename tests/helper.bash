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
