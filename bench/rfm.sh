#!/bin/sh
# bench/rfm.sh DATAFILE: mb-rfm and mb-table.  mb-rfm on the project's copy
# of UCI Online Retail as a silver-like NDJSON file (541,909 lines, 406,829
# with a customer id; amount = Quantity * UnitPrice) and on the generated
# orders in DATAFILE, against the same RFM written in DuckDB SQL (NTILE
# over the same order; DuckDB sums money in doubles); mb-table's text table
# and CSV on DATAFILE against Miller and DuckDB.  Called by bench/bench.sh;
# prints one line per run.
set -eu
data=${1:?usage: sh bench/rfm.sh DATAFILE}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${MB_BIN:-$here/${B:-build}}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# run NAME BYTES RECORDS CMD: times CMD (a shell command, stdout to
# /dev/null), prints the line, and leaves the seconds in $secs
run() {
	name=$1 bytes=$2 recs=$3
	shift 3
	if ! /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" sh -c "$1" > /dev/null 2> "$tmp/err"; then
		echo "  $name: failed: $(tail -n 1 "$tmp/err")"
		secs=0
		return 0
	fi
	set -- $(cat "$tmp/time")
	secs=$1
	awk -v n="$name" -v s="$1" -v u="$2" -v y="$3" -v m="$4" -v b="$bytes" -v r="$recs" 'BEGIN {
		if (s <= 0) s = 0.005
		printf "  %-34s %7.2f s (cpu %5.2f s) %7.1f MB/s %10.0f rec/s %7.1f MB RSS\n",
		    n, s, u + y, b / 1e6 / s, r / s, m / 1024 }'
}

ratio() {	# ratio NAME SECS_PEER SECS_MB
	awk -v n="$1" -v p="$2" -v m="$3" 'BEGIN { if (m > 0 && p > 0)
		printf "  %-34s %7.1fx\n", n, p / m }'
}

duck=${DUCKDB:-$(command -v duckdb 2>/dev/null || true)}

# The RFM of one file in DuckDB: per customer the latest time, distinct
# orders and the sum, recency in whole days, NTILE(5) in the order mb-rfm
# ranks (value, then customer id).
duck_rfm() {	# FILE CUSTOMER TIME ORDER AMOUNT
	cat <<SQL
COPY (WITH l AS (SELECT CAST($2 AS VARCHAR) AS c, CAST($3 AS TIMESTAMP) AS t,
    CAST($4 AS VARCHAR) AS o, $5 AS a
  FROM read_json('$1', format='newline_delimited') WHERE $2 IS NOT NULL),
c AS (SELECT c, max(t) AS last, count(DISTINCT o) AS f, sum(a) AS m FROM l GROUP BY c),
s AS (SELECT *, CAST(floor(date_diff('second', last, (SELECT max(last) FROM c)) / 86400) AS BIGINT) AS r FROM c)
SELECT c, r, f, m, 6 - ntile(5) OVER (ORDER BY r, c) AS r_score,
  ntile(5) OVER (ORDER BY f, c) AS f_score, ntile(5) OVER (ORDER BY m, c) AS m_score
FROM s ORDER BY c) TO '/dev/stdout' (FORMAT json)
SQL
}

or=$tmp/online_retail.ndjson
"$bin/mb-ingest" "$here"/pipelines/data/uci-online-retail/*.csv.zst 2>/dev/null |
    "$bin/mb-enrich" --set 'amount = Quantity * UnitPrice' > "$or"
sync
orb=$(wc -c < "$or")
orn=$(wc -l < "$or")
rf="-c CustomerID -t InvoiceDate -a amount -o InvoiceNo"
echo "mb-rfm, UCI Online Retail silver-like: $(awk -v b="$orb" 'BEGIN { printf "%.1f", b / 1e6 }') MB, $orn lines"
run "mb-rfm" "$orb" "$orn" "'$bin/mb-rfm' $rf -q '$or'"
t_mb=$secs
run "mb-rfm --summary" "$orb" "$orn" "'$bin/mb-rfm' $rf -q --summary '$or'"
if command -v parallel > /dev/null; then
	run "parallel --pipe mb-rfm --partial | --merge" "$orb" "$orn" \
	    "parallel --will-cite --pipe --block 40M -j 2 '$bin/mb-rfm' $rf --partial < '$or' | '$bin/mb-rfm' $rf -q --merge"
fi
if [ -n "$duck" ]; then
	run "duckdb RFM (SQL, NTILE)" "$orb" "$orn" "$duck -c \"$(duck_rfm "$or" CustomerID InvoiceDate InvoiceNo amount)\""
	ratio "mb-rfm vs duckdb" "$secs" "$t_mb"
fi

db=$(wc -c < "$data")
dn=$(wc -l < "$data")
echo "mb-rfm, generated orders: $(awk -v b="$db" 'BEGIN { printf "%.1f", b / 1e6 }') MB, $dn lines"
run "mb-rfm" "$db" "$dn" "'$bin/mb-rfm' -c customer_id -t order_ts -a amount -o order_id -q '$data'"
t_mb=$secs
if [ -n "$duck" ]; then
	run "duckdb RFM (SQL, NTILE)" "$db" "$dn" "$duck -c \"$(duck_rfm "$data" customer_id order_ts order_id amount)\""
	ratio "mb-rfm vs duckdb" "$secs" "$t_mb"
fi

echo "mb-table, generated orders"
run "mb-table (text)" "$db" "$dn" "'$bin/mb-table' '$data'"
run "mb-table --csv" "$db" "$dn" "'$bin/mb-table' --csv '$data'"
t_mb=$secs
if command -v mlr > /dev/null; then
	run "mlr --ijsonl --ocsv cat" "$db" "$dn" "mlr --ijsonl --ocsv cat '$data'"
	ratio "mb-table --csv vs mlr" "$secs" "$t_mb"
	run "mlr --ijsonl --opprint cat" "$db" "$dn" "mlr --ijsonl --opprint cat '$data'"
fi
if [ -n "$duck" ]; then
	run "duckdb read_json -> CSV" "$db" "$dn" "$duck -c \"COPY (SELECT * FROM read_json('$data', format='newline_delimited')) TO '/dev/stdout' (FORMAT csv)\""
	ratio "mb-table --csv vs duckdb" "$secs" "$t_mb"
fi
