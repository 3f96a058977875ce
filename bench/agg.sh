#!/bin/sh
# bench/agg.sh DATAFILE: mb-agg against DuckDB and Miller on NDJSON orders.
#
# The same group-by three ways on the same file: by region (5 groups), by
# customer_id (about 20k groups) and by order_id (one group per record);
# each line gives seconds (the best of three), MB/s, records/s and peak
# RSS, then the ratios.  Bytes per group come from the peak RSS of the
# one-group-per-record run over that of the 5-group run, one thread.
# Last, the scale-out pair: two shards through `parallel -j2` with
# --partial, then --merge, against one pass.  Targets (issue 7): by region
# no slower than DuckDB and at least 30x Miller, RSS under 16 MB; by
# customer_id and order_id no slower than DuckDB; partial/merge over two
# shards faster than one pass.  DuckDB uses every core; so does mb-agg on
# a file (--threads, the default), and the one-thread figures are shown.
set -eu

data=${1:?usage: sh bench/agg.sh DATAFILE}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${MB_BIN:-$here/${B:-build}}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
PATH="$bin:$PATH"

bytes=$(wc -c < "$data")
recs=$(wc -l < "$data")
cat "$data" > /dev/null	# into the page cache

# run NAME CMD...: the best of $tries runs (stdout to $tmp/out), one
# line; leaves the seconds in $secs and the KB in $kb.
tries=3
run() {
	name=$1
	shift
	secs="" kb=""
	for i in $(seq 1 "$tries"); do
		if ! /usr/bin/time -f '%e %M' -o "$tmp/time" "$@" > "$tmp/out" 2> "$tmp/err"; then
			echo "  $name: failed: $(tail -n 1 "$tmp/err")"
			secs=0 kb=0
			return 0
		fi
		r=$(tail -n 1 "$tmp/time")
		if [ -z "$secs" ] || [ "$(echo "$r $secs" | awk '{ print ($1 < $3) }')" = 1 ]; then
			secs=${r% *} kb=${r#* }
		fi
	done
	awk -v n="$name" -v s="$secs" -v b="$bytes" -v r="$recs" -v m="$kb" 'BEGIN {
		if (s <= 0) s = 0.005
		printf "  %-40s %6.2f s %7.1f MB/s %10.0f rec/s %7.1f MB RSS\n",
		    n, s, b / s / 1e6, r / s, m / 1024 }'
}

ratio() {	# ratio NAME SECS_PEER SECS_MB
	awk -v n="$1" -v p="$2" -v m="$3" 'BEGIN { if (m > 0 && p > 0)
		printf "  %-40s %6.1fx\n", n, p / m }'
}

duck=${DUCKDB:-$(command -v duckdb 2>/dev/null || true)}
src="read_json('$data', format='newline_delimited')"

echo "mb-agg: $(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }') MB, $recs records, $(nproc) cores"
for key in region customer_id order_id; do
	echo " --by $key --count --sum amount"
	run "mb-agg" mb-agg --by $key --count --sum amount "$data"
	t_mb=$secs
	groups=$(wc -l < "$tmp/out")
	run "mb-agg --threads 1" mb-agg --threads 1 --by $key --count --sum amount "$data"
	t_mb1=$secs
	eval "kb_$key=$kb"
	if [ -n "$duck" ]; then
		run "duckdb group by" "$duck" -c "SELECT $key, count(*), sum(amount) FROM $src GROUP BY $key"
		ratio "mb-agg vs duckdb" "$secs" "$t_mb"
		ratio "mb-agg --threads 1 vs duckdb" "$secs" "$t_mb1"
	fi
	# Miller takes a minute or more here: once, and for the 5 groups only
	if [ "$key" = region ] && command -v mlr > /dev/null 2>&1; then
		tries=1
		run "mlr stats1 -a count,sum (one run)" mlr --ijsonl --ojsonl stats1 -a count,sum -f amount -g $key "$data"
		tries=3
		ratio "mb-agg vs mlr" "$secs" "$t_mb"
		ratio "mb-agg --threads 1 vs mlr" "$secs" "$t_mb1"
	fi
	echo "  groups: $groups"
done
# shellcheck disable=SC2154
awk -v a="$kb_order_id" -v b="$kb_region" -v n="$recs" 'BEGIN {
	printf "  bytes per group (--by order_id, --count --sum): %.0f\n", (a - b) * 1024 / n }'

echo " scale-out: 2 shards, parallel -j2 --partial | --merge, against one pass"
if command -v parallel > /dev/null 2>&1; then
	split -n l/2 -d "$data" "$tmp/shard."
	agg='--by customer_id --count --sum amount --avg amount'
	run "mb-agg --threads 1 (one pass)" mb-agg --threads 1 $agg "$data"
	t_one=$secs
	cp "$tmp/out" "$tmp/one"
	run "parallel -j2 --partial | --merge" sh -c "ls $tmp/shard.* | parallel --will-cite -k -j2 'mb-agg --threads 1 --partial $agg {}' | mb-agg --merge $agg"
	ratio "partial/merge vs one pass" "$t_one" "$secs"
	run "GNU parallel alone (2 jobs of true)" parallel --will-cite -j2 true ::: 1 2
	# the same pair without Perl's start-up: each shard's state to a file
	run "xargs -P2 --partial, then --merge" sh -c "ls $tmp/shard.?? | xargs -P2 -I{} sh -c 'mb-agg --threads 1 --partial $agg {} > {}.st' && mb-agg --merge $agg $tmp/shard.??.st"
	ratio "xargs partial/merge vs one pass" "$t_one" "$secs"
	if [ "$secs" = 0 ] || [ "$t_one" = 0 ]; then
		:
	elif cmp -s "$tmp/out" "$tmp/one"; then
		echo "  partial/merge output: byte-identical to one pass"
	else
		echo "  partial/merge output: DIFFERS from one pass"
	fi
else
	echo "  parallel: not installed"
fi
