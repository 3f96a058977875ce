#!/usr/bin/env bats
# lib/sketch.c: HyperLogLog and the quantile state, through agg-check.
# Whatever the pieces and the order they are merged in, the state is the
# state of one pass (what makes mb-agg --partial/--merge byte-identical).

load helper

@test "HyperLogLog: exact up to 1024 distinct values, merges in any order to the same state" {
	run bash -c 'seq 1 1024 | agg-check hll 3'
	assert_output "1024 exact same"
	run bash -c '{ seq 1 600; seq 1 600; } | agg-check hll 4'
	assert_output "600 exact same"
	run bash -c 'seq 1 1025 | agg-check hll 2'
	assert_output --regexp '^10[0-9][0-9] dense same$'
}

@test "HyperLogLog: within 2% past the exact range; pieces that are dense and sparse merge alike" {
	for n in 5000 100000 1000000; do
		run bash -c "seq 1 $n | agg-check hll 7"
		assert_success
		set -- $output
		[ "$3" = same ]
		awk -v e="$1" -v n="$n" 'BEGIN { d = (e - n) / n; exit !(d < 0.02 && d > -0.02) }'
	done
	# 3 pieces of 700: sparse pieces, dense whole
	run bash -c 'seq 1 2100 | agg-check hll 3'
	assert_output --regexp '^2[01][0-9][0-9] dense same$'
}

@test "quantiles: exact nearest rank up to 1000 values, negative and zero included" {
	run bash -c "printf '%s\n' -5 0 -0.5 3 | agg-check quantile 2 0 0.25 0.5 0.75 1"
	assert_output "-5 -5 -0.5 0 3 exact same"
	run bash -c 'seq 1 1000 | agg-check quantile 3 0.5 0.001 0.999'
	assert_output "500 1 999 exact same"
	run bash -c "printf '%s\n' 1.50 1.5 2 | agg-check quantile 1 0.5"
	assert_output "1.50 exact same"
}

@test "quantiles: past 1000 values a sketch within 0.5%, the same state from any pieces" {
	run bash -c "seq 1 100000 | awk '{ printf \"%d.%02d\\n\", \$1, \$1 % 100 }' | agg-check quantile 5 0.5 0.99 1"
	assert_success
	set -- $output
	[ "$4 $5" = "sketch same" ]
	awk -v a="$1" -v b="$2" -v c="$3" 'BEGIN {
		exit !(a / 50000.00 - 1 < 0.005 && 1 - a / 50000.00 < 0.005 &&
		    b / 99000.99 - 1 < 0.005 && 1 - b / 99000.99 < 0.005 &&
		    c / 100000.00 - 1 < 0.005 && 1 - c / 100000.00 < 0.005) }'
	# a piece of the exact kind merges into a sketch alike
	run bash -c "seq 1 1500 | agg-check quantile 2 0.5"
	assert_output --regexp '^7[0-9][0-9] sketch same$'
	run bash -c "seq -1500 -1 | agg-check quantile 4 0.5"
	assert_output --regexp '^-7[0-9][0-9] sketch same$'
}
