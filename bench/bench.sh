#!/bin/sh
# make bench: throughput and peak memory of the mb tools against the peers
# installed here (cat, jq, Miller, zstd, DuckDB), on the same generated
# data, in one run.  A benchmark, never a test: nothing here can fail the
# build; numbers are printed for the reader and for closing notes.
#
#   N=1000000 sh bench/bench.sh      (default 1,000,000 orders, ~256 MB)
set -eu
cd "$(dirname "$0")/.."
B=${B:-build}
PATH="$PWD/$B:$PATH"
N=${N:-1000000}
W=${BENCH_DIR:-bench-out}
mkdir -p "$W"
ND="$W/orders.ndjson"
CSV="$W/orders.csv"

# run NAME BYTES RECORDS CMD...: times CMD (stdout to /dev/null), prints
# seconds, MB/s, records/s and peak RSS, and keeps the seconds in $secs.
run() {
	name=$1 bytes=$2 recs=$3
	shift 3
	/usr/bin/time -f '%e %M' -o "$W/time" sh -c "$*" > /dev/null 2>"$W/err" || {
		echo "  $name: failed: $(tail -n 1 "$W/err")"; secs=0; return 0; }
	set -- $(tail -n 1 "$W/time")
	secs=$1
	awk -v n="$name" -v s="$1" -v k="$2" -v b="$bytes" -v r="$recs" 'BEGIN {
		if (s <= 0) s = 0.005
		printf "  %-34s %7.2f s %8.1f MB/s %10.0f rec/s %7.1f MB RSS\n",
		    n, s, b / 1e6 / s, r / s, k / 1024 }'
}

ratio() {	# ratio NAME SECS_PEER SECS_MB
	awk -v n="$1" -v p="$2" -v m="$3" 'BEGIN { if (m > 0 && p > 0)
		printf "  %-34s %7.1fx\n", n, p / m }'
}

# DuckDB: the CLI when installed, else its npm package when it was put in
# MB_DUCKDB_DIR (npm install --prefix ~/.cache/mb-bench-duckdb @duckdb/node-api).
if [ -z "${DUCKDB:-}" ]; then
	if command -v duckdb > /dev/null; then
		DUCKDB=$(command -v duckdb)
	elif command -v node > /dev/null && [ -d "${MB_DUCKDB_DIR:-$HOME/.cache/mb-bench-duckdb}/node_modules/@duckdb/node-api" ]; then
		DUCKDB="$PWD/bench/duckdb-node"
	fi
fi
export DUCKDB="${DUCKDB:-}"

echo "mb bench: $N orders, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "peers: jq $(jq --version 2>/dev/null | tr -d jq-), mlr $(mlr --version 2>/dev/null | sed 's/mlr //'), zstd $(zstd -V 2>/dev/null | sed 's/.*v\([0-9.]*\).*/\1/'), duckdb $([ -n "$DUCKDB" ] && echo "$DUCKDB" || echo 'not installed')"
echo
echo "mb-gen"
run "mb-gen -n $N (ndjson)" 0 "$N" "mb-gen -n $N"
run "mb-gen -n $N --format csv" 0 "$N" "mb-gen -n $N --format csv"
mb-gen -n "$N" > "$ND"
mb-gen -n "$N" --format csv > "$CSV"
sync	# the new files' writeback must not run during the timings
NDB=$(wc -c < "$ND")
CSVB=$(wc -c < "$CSV")
echo "  data: $ND $(awk -v b="$NDB" 'BEGIN{printf "%.1f MB", b/1e6}'), $CSV $(awk -v b="$CSVB" 'BEGIN{printf "%.1f MB", b/1e6}')"
echo
echo "mb-ingest (NDJSON, all four lineage fields)"
run "mb-ingest orders.ndjson" "$NDB" "$N" "mb-ingest $ND"
t_mb=$secs
run "cat" "$NDB" "$N" "cat $ND"
run "jq -c ." "$NDB" "$N" "jq -c . $ND"
t_jq=$secs
if command -v mlr > /dev/null; then
	run "mlr --ijson --ojsonl cat" "$NDB" "$N" "mlr --ijson --ojsonl cat $ND"
	t_mlr=$secs
else
	t_mlr=0
	echo "  mlr: not installed"
fi
if [ -n "$DUCKDB" ]; then
	# the same work: every record parsed, written back as NDJSON with a
	# source column (DuckDB uses both cores; mb-ingest one)
	run "duckdb read_json -> NDJSON" "$NDB" "$N" "$DUCKDB -c \"COPY (SELECT *, '$ND' AS _source FROM read_json('$ND', format='newline_delimited')) TO '/dev/stdout' (FORMAT json)\""
	t_duck=$secs
else
	t_duck=0
fi
ratio "mb-ingest vs jq -c ." "$t_jq" "$t_mb"
ratio "mb-ingest vs mlr cat" "$t_mlr" "$t_mb"
ratio "mb-ingest vs duckdb" "$t_duck" "$t_mb"
echo
echo "mb-ingest (CSV, typed, all four lineage fields)"
run "mb-ingest orders.csv" "$CSVB" "$N" "mb-ingest $CSV"
t_mb=$secs
if command -v mlr > /dev/null; then
	run "mlr --icsv --ojsonl cat" "$CSVB" "$N" "mlr --icsv --ojsonl cat $CSV"
	ratio "mb-ingest vs mlr --icsv cat" "$secs" "$t_mb"
fi
if [ -n "$DUCKDB" ]; then
	run "duckdb read_csv -> NDJSON" "$CSVB" "$N" "$DUCKDB -c \"COPY (SELECT * FROM read_csv('$CSV')) TO '/dev/stdout' (FORMAT json)\""
	ratio "mb-ingest vs duckdb (CSV)" "$secs" "$t_mb"
fi
echo
echo "mb-ingest, zstd input"
zstd -q -3 -T1 -f -o "$ND.zst" "$ND"
run "mb-ingest orders.ndjson.zst" "$NDB" "$N" "mb-ingest $ND.zst"
run "zstd -dc orders.ndjson.zst" "$NDB" "$N" "zstd -dc $ND.zst"
rm -f "$ND.zst"
echo
echo "mb-ingest, memory does not grow with input (4x the data)"
run "mb-ingest 4 x orders.ndjson" "$((NDB * 4))" "$((N * 4))" "mb-ingest $ND $ND $ND $ND"

for extra in bench/lake.sh bench/merge.sh bench/silver.sh bench/dash.sh bench/agg.sh bench/rfm.sh bench/summarize.sh bench/pipelines.sh bench/live.sh; do
	if [ -f "$extra" ]; then
		echo
		B="$B" W="$W" sh "$extra" "$ND" || echo "  $extra: failed"
	fi
done
