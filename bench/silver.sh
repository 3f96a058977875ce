#!/bin/sh
# bench/silver.sh DATAFILE: throughput and peak RSS of the silver layer
# (mb-validate, mb-enrich) on an NDJSON file of orders, and the same work
# done by Miller and, when it is installed, DuckDB.  Called by
# bench/bench.sh; prints one line per run.
set -eu
data=${1:?usage: sh bench/silver.sh DATAFILE}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${MB_BIN:-$here/build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

bytes=$(wc -c < "$data")
recs=$(wc -l < "$data")
"$bin/mb-gen" --table products > "$tmp/products.csv"
schema=$here/pipelines/schemas/orders.json
check='amount_matches: abs(amount - quantity * unit_price) <= 0.01'

# run NAME CMD...: times CMD (stdout to /dev/null), prints the line, and
# leaves the seconds in $secs
run() {
	name=$1
	shift
	/usr/bin/time -f '%e %M' -o "$tmp/time" "$@" > /dev/null
	secs=$(cut -d' ' -f1 "$tmp/time")
	rss=$(cut -d' ' -f2 "$tmp/time")
	awk -v n="$name" -v s="$secs" -v b="$bytes" -v r="$recs" -v m="$rss" 'BEGIN {
		if (s <= 0) s = 0.01
		printf "%-28s %8.2f s %9.1f MB/s %11.0f records/s %8.1f MB RSS\n",
		    n, s, b / s / 1e6, r / s, m / 1024 }'
}

ratio() {
	awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN {
		if (a <= 0) a = 0.01
		printf "%-28s %8.1fx\n", n, b / a }'
}

echo "silver: $(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }') MB, $recs records"
run mb-validate "$bin/mb-validate" --schema "$schema" --unique order_id \
    --check "$check" --quarantine "$tmp/quarantine.ndjson" "$data"
t_val=$secs
run mb-enrich "$bin/mb-enrich" --date-parts order_ts:order \
    --set 'is_high_value_order = amount > 500' --set 'net = amount - amount * 0.2' \
    --join "$tmp/products.csv" --on product_id --fields brand,product_name "$data"
t_enr=$secs

if command -v mlr > /dev/null 2>&1; then
	run "mlr filter (check)" mlr --ijson --ojsonl filter \
	    'abs($amount - $quantity * $unit_price) <= 0.01' "$data"
	ratio "$t_val" "$secs" "mb-validate vs mlr"
	run "mlr join+put (enrich)" mlr --ijson --ojsonl join --ul -j product_id \
	    -i csv -f "$tmp/products.csv" then put \
	    '$order_year = strftime(strptime($order_ts, "%Y-%m-%dT%H:%M:%SZ"), "%Y");
	     $is_high_value_order = $amount > 500; $net = $amount - $amount * 0.2' \
	    "$data"
	ratio "$t_enr" "$secs" "mb-enrich vs mlr"
fi

duck=${DUCKDB:-$(command -v duckdb 2>/dev/null || true)}
if [ -n "$duck" ]; then
	run "duckdb filter (check)" "$duck" -c "COPY (SELECT * FROM
	    read_json('$data', format='newline_delimited') WHERE
	    abs(amount - quantity * unit_price) <= 0.01) TO '/dev/stdout'
	    (FORMAT json)"
	ratio "$t_val" "$secs" "mb-validate vs duckdb"
	run "duckdb join+derive (enrich)" "$duck" -c "COPY (SELECT o.*,
	    year(o.order_ts::timestamp) AS order_year, o.amount > 500 AS
	    is_high_value_order, p.brand, p.product_name FROM
	    read_json('$data', format='newline_delimited') o LEFT JOIN
	    read_csv('$tmp/products.csv') p USING (product_id)) TO
	    '/dev/stdout' (FORMAT json)"
	ratio "$t_enr" "$secs" "mb-enrich vs duckdb"
else
	echo "duckdb: not installed, no ratio"
fi
