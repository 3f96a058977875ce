#!/usr/bin/env bats
# The fuzz harnesses of tests/fuzz/ replay their corpus: the seeds and
# every input that once crashed a parser (tests/fuzz/corpus/NAME/crash-*).
# Each runs twice: through the plain driver of the build under test (gcc;
# ASan+UBSan in the second pass of make test), and through the libFuzzer
# build (clang's ASan+UBSan, which also catches what gcc's does not, such
# as arithmetic on a NULL pointer).  make fuzz is where new inputs are
# found; this is where the old ones stay fixed.

load helper

FUZZ="$BATS_TEST_DIRNAME/fuzz"
FUZZER="$BATS_TEST_DIRNAME/../build-fuzz"

# replay NAME: both replays of NAME's corpus, each input exactly once.
replay() {
	local n
	n=$(ls "$FUZZ/corpus/$1" | wc -l)
	[ "$n" -gt 0 ]
	run --separate-stderr "fuzz-$1" "$FUZZ/corpus/$1"
	assert_success
	assert_output "$n inputs"
	assert_equal "$stderr" ""
	[ -x "$FUZZER/fuzzer-$1" ] || fail "no $FUZZER/fuzzer-$1: make fuzz-build (make test does)"
	run "$FUZZER/fuzzer-$1" "$FUZZ/corpus/$1"/*
	assert_success
	[ "$(grep -c '^Executed ' <<< "$output")" = "$n" ]
	refute_output --partial "runtime error"
}

@test "fuzz corpus: the record parser and the value readers" {
	replay rec
}

@test "fuzz corpus: the CSV reader" {
	replay csv
}

@test "fuzz corpus: the expression parser and evaluator" {
	replay expr
}

@test "fuzz corpus: the dataset log reader" {
	replay lake
}

@test "fuzz corpus: the JSON Schema compiler and checks" {
	replay schema
}

@test "fuzz corpus: a harness of tests/fuzz has a corpus and a test here" {
	for h in "$FUZZ"/*.c; do
		h=$(basename "$h" .c)
		[ "$h" = driver ] && continue
		[ -d "$FUZZ/corpus/$h" ]
		grep -q "^	replay $h\$" "$BATS_TEST_FILENAME"
	done
}
