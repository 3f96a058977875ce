#!/usr/bin/env bats
# bench/lat-probe: the latency probe of make bench (built, not installed).

load helper

setup() {
	cd "$BATS_TEST_TMPDIR"
}

@test "-t passes every line on unchanged; the figures of the stamped records go to stderr" {
	now=$(date +%s%6N)
	printf '{"_emit_us":%s,"a":1}\n{"b":2}\n{"_emit_us":%s}\nlast' "$now" "$now" > in
	run --separate-stderr bash -c "lat-probe -t -l here < in"
	assert_success
	assert_output "$(cat in)"
	[[ "$stderr" =~ ^here:\ 2\ records,\ p50\ [0-9.]+\ ms,\ p99\ [0-9.]+\ ms,\ max\ [0-9.]+\ ms$ ]] || fail "$stderr"
}

@test "-j: each record is reflected by the first output row whose running largest stamp reaches it" {
	# records: arrival, stamp (microseconds); rows of gold: arrival, stamp
	printf '%s\n' '0 1000' '0 2000' '0 3000' '0 4000' > recs.log
	printf '%s\n' '2500 2000' '3500 1500' '5000 4000' > gold.log
	run --separate-stderr lat-probe -j recs.log -l gold gold.log
	assert_success
	# 1000 and 2000 by the row at 2500 (1.5, 0.5 ms), 3000 and 4000 by the
	# one at 5000 (2, 1 ms): the median is the 2nd of 4, by nearest rank
	assert_equal "$stderr" "gold: 4 records, p50 1.00 ms, p99 2.00 ms, max 2.00 ms"
	printf '%s\n' '0 9000' >> recs.log
	run --separate-stderr lat-probe -j recs.log -l gold gold.log
	assert_equal "$stderr" "gold: 4 records, p50 1.00 ms, p99 2.00 ms, max 2.00 ms
gold: 1 records not reflected in any row"
}

@test "-f names the stamp field; a record without it is passed on, not counted" {
	printf '%s\n' '{"x":1}' > in
	run --separate-stderr lat-probe -f emit_us < in
	assert_equal "$stderr" "latency: 0 records"
	run --separate-stderr lat-probe -q
	assert_failure 2
	[[ "$stderr" == *"usage: lat-probe"* ]]
}
