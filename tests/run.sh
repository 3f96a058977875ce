#!/usr/bin/env bash
# tests/run.sh BUILD...: runs the whole bats suite once against each build
# folder (make test passes build and build-asan), shows every result, and
# ends with one tally line over all passes; status 1 if anything failed.
set -u
cd "$(dirname "$0")/.."
ok=0 fail=0 skip=0 rc=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for b in "$@"; do
	case "$b" in /*) ;; *) b="$PWD/$b" ;; esac
	echo "== bats tests with the tools of $b"
	MB_BIN="$b" bats --tap tests | tee "$log"
	[ "${PIPESTATUS[0]}" = 0 ] || rc=1
	s=$(grep -c '^ok .* # skip' "$log")
	ok=$((ok + $(grep -c '^ok ' "$log") - s))
	skip=$((skip + s))
	fail=$((fail + $(grep -c '^not ok ' "$log")))
done
[ "$fail" = 0 ] || rc=1
echo "tests: $ok passed, $fail failed, $skip skipped"
exit "$rc"
