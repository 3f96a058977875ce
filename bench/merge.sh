#!/bin/sh
# bench/merge.sh DATAFILE: mb-write --merge-on order_id (issue 12, exactly
# once by idempotence) against a plain append and against DuckDB's
# INSERT OR REPLACE on a primary key.
#
# On DATAFILE's orders, partitioned by the year and month of order_ts:
#   append             mb-write, no key (the baseline)
#   merge, all new     --merge-on order_id into an empty dataset: every key
#                      looked up, the key index built and saved
#   replay, all there  the same input again: every record skipped (same key,
#                      same bytes), as after a broker's redelivery
#   index load         no input: the saved index read and checked against
#                      the snapshot
#   update 1%          every 100th order changed: the part files that held
#                      them are rewritten without them (copy on write, as
#                      Delta without deletion vectors)
# and DuckDB (in memory): the table loaded with its primary key, then
# INSERT OR REPLACE of the same 1%.
set -eu

data=${1:?usage: sh bench/merge.sh DATAFILE}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${MB_BIN:-$here/build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
ds=$tmp/ds
part='year=order_ts:year,month=order_ts:month'

bytes=$(wc -c < "$data")
recs=$(wc -l < "$data")
awk 'NR % 100 == 0' "$data" | sed 's/"payment_method":"/"payment_method":"x/' > "$tmp/updates"
cat "$data" > /dev/null

run() {
	name=$1
	shift
	/usr/bin/time -f '%e %M' -o "$tmp/time" "$@" > /dev/null 2> "$tmp/err" ||
	    { cat "$tmp/err" >&2; return 1; }
	secs=$(cut -d' ' -f1 "$tmp/time")
	rss=$(cut -d' ' -f2 "$tmp/time")
	awk -v n="$name" -v s="$secs" -v b="$bytes" -v r="$recs" -v m="$rss" 'BEGIN {
		if (s <= 0) s = 0.01
		printf "  %-30s %7.2f s %11.0f records/s %8.1f MB RSS\n",
		    n, s, r / s, m / 1024 }'
}

echo "merge bench: $recs orders, $(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }') MB, --merge-on order_id"
rm -rf "$ds"
run "append (no key)" "$bin/mb-write" -p "$part" "$ds" "$data"
rm -rf "$ds"
run "merge, all new" "$bin/mb-write" -q -k order_id -p "$part" "$ds" "$data"
run "replay, all there (skipped)" "$bin/mb-write" -q -k order_id "$ds" "$data"
run "index load, no input" sh -c "'$bin/mb-write' -q -k order_id '$ds' < /dev/null"
idx=$(wc -c < "$ds/_mb_keys/order_id.idx")
n=$(wc -l < "$tmp/updates")
run "update 1% ($n orders)" "$bin/mb-write" -q -k order_id "$ds" "$tmp/updates"
t_upd=$secs
echo "  key index: $idx bytes on disk ($(awk -v i="$idx" -v r="$recs" 'BEGIN { printf "%.1f", i / r }') a key)"
total=$("$bin/mb-cat" "$ds" | wc -l)
changed=$("$bin/mb-cat" "$ds" | grep -c '"payment_method":"x' || true)
echo "  after: $total records, $changed changed"

duck=${DUCKDB:-$(command -v duckdb 2>/dev/null || true)}
if [ -n "$duck" ]; then
	run "duckdb load + primary key" "$duck" -c "CREATE TABLE t AS SELECT * FROM
	    read_json('$data'); ALTER TABLE t ADD PRIMARY KEY (order_id)"
	t_load=$secs
	run "duckdb ... + INSERT OR REPLACE" "$duck" -c "CREATE TABLE t AS SELECT * FROM
	    read_json('$data'); ALTER TABLE t ADD PRIMARY KEY (order_id);
	    INSERT OR REPLACE INTO t SELECT * FROM read_json('$tmp/updates')"
	awk -v a="$t_upd" -v l="$t_load" -v b="$secs" 'BEGIN {
		d = b - l; if (d < 0.01) d = 0.01
		printf "  %-30s %7.2f s (in memory; mb-write %.2f s, fsynced)\n",
		    "duckdb upsert alone", d, a }'
else
	echo "  duckdb: not installed, no comparison"
fi
