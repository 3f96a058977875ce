#!/bin/sh
# bench/summarize.sh: CPU time of mb-summarize's offline summary of the
# demo's gold tables (monthly_revenue, daily_region, category_store,
# top_products, rfm_segments of 100,000 orders: the fixtures in
# tests/data/summarize, and demo-out/lake/gold when make demo made it).
# Target: under 20 ms of CPU.  Called by bench/bench.sh; the data file it
# passes is not used.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${MB_BIN:-$here/${B:-build}}
runs=${RUNS:-50}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# cpu NAME ARGS...: mean user+system time of one run over $runs runs
cpu() {
	name=$1
	shift
	/usr/bin/time -f '%U %S %M' -o "$tmp/time" sh -c '
		n=$1; shift
		i=0
		while [ "$i" -lt "$n" ]; do
			"$@" > /dev/null || exit 1
			i=$((i + 1))
		done' sh "$runs" "$bin/mb-summarize" "$@"
	awk -v n="$name" -v r="$runs" '{ printf "%-34s %7.1f ms CPU per run (%d runs) %7.1f MB RSS\n",
	    n, ($1 + $2) * 1000 / r, r, $3 / 1024 }' "$tmp/time"
}

d=$here/tests/data/summarize
echo "mb-summarize (offline summary of the gold tables; target < 20 ms CPU)"
cpu "demo gold (fixtures), --text" --text -t monthly_revenue="$d/demo-monthly_revenue.ndjson" \
    -t daily_region="$d/demo-daily_region.ndjson" -t category_store="$d/demo-category_store.ndjson" \
    -t top_products="$d/demo-top_products.ndjson" -t rfm_segments="$d/demo-rfm_segments.ndjson"
cpu "demo gold (fixtures), record" -t monthly_revenue="$d/demo-monthly_revenue.ndjson" \
    -t daily_region="$d/demo-daily_region.ndjson" -t category_store="$d/demo-category_store.ndjson" \
    -t top_products="$d/demo-top_products.ndjson" -t rfm_segments="$d/demo-rfm_segments.ndjson"
cpu "rfm per customer (300), .zst" -t monthly="$d/yoy-monthly_revenue.ndjson" \
    -t daily="$d/yoy-daily_region.ndjson.zst" -t rfm="$d/yoy-rfm.ndjson"
g=$here/demo-out/lake/gold
if [ -d "$g/monthly_revenue" ]; then
	set --
	for t in monthly_revenue daily_region category_store top_products rfm_segments; do
		[ -d "$g/$t" ] && set -- "$@" -t "$t=$g/$t"
	done
	cpu "make demo's gold datasets" "$@"
fi
