#!/bin/sh
# bench/dash.sh: the CPU time mb-dash takes to draw the demo's gold tables
# (target: under 50 ms), as HTML and on a terminal, read from datasets as
# make demo has them; then a table of 100,000 groups, a line of 10,000
# points, and how soon a commit is on the page with --watch.  CPU time is
# user + system of many runs (/usr/bin/time), divided by the runs: the
# wall time of one run is mostly the fsync of the atomic replace.
#
#   sh bench/dash.sh          (make bench runs it)
set -eu
cd "$(dirname "$0")/.."
bin=${MB_BIN:-$PWD/${B:-build}}
out=${W:-bench-out}/dash
D=tests/data/dash
RUNS=${RUNS:-50}
rm -rf "$out"
mkdir -p "$out/lake/reports"

# the gold tables as datasets
for t in monthly_revenue category_store top_products rfm_segments summaries; do
	"$bin/mb-write" "$out/lake/gold/$t" < "$D/$t.ndjson"
done
"$bin/mb-write" "$out/lake/gold/daily_region" < "$D/daily_region.ndjson.zst"
cp "$D/dq.json" "$out/lake/reports/dq.json"
L=$out/lake
GOLD="--table monthly_revenue=$L/gold/monthly_revenue --table daily_region=$L/gold/daily_region --table category_store=$L/gold/category_store --table top_products=$L/gold/top_products --table rfm_segments=$L/gold/rfm_segments --summary $L/gold/summaries --dq $L/reports/dq.json"

# cpu NAME RUNS CMD: prints the CPU milliseconds per run of CMD.
cpu() {
	name=$1 n=$2
	shift 2
	/usr/bin/time -f '%U %S' -o "$out/time" sh -c "i=0; while [ \$i -lt $n ]; do $* > /dev/null || exit 1; i=\$((i + 1)); done" ||
	    { echo "  $name: failed"; return 0; }
	awk -v n="$name" -v r="$n" '{ printf "  %-46s %7.1f ms CPU a run (%d runs)\n", n, ($1 + $2) * 1000 / r, r }' "$out/time"
}

echo "mb-dash (CPU time; target: the demo's gold tables under 50 ms)"
cpu "the demo's gold tables -> HTML" "$RUNS" "$bin/mb-dash $GOLD -o $out/dash.html"
cpu "the demo's gold tables -> --tty" "$RUNS" "COLUMNS=100 $bin/mb-dash --tty $GOLD"
echo "  page: $(wc -c < "$out/dash.html") bytes"

awk 'BEGIN { for (i = 1; i <= 100000; i++) printf "{\"category\":\"C%06d\",\"store_id\":\"S%06d\",\"units\":1,\"revenue\":%d.25}\n", i, i, i }' > "$out/groups.ndjson"
cpu "100,000 groups (top 15 + other)" 5 "$bin/mb-dash -t cs=$out/groups.ndjson -o $out/groups.html"
echo "  page: $(wc -c < "$out/groups.html") bytes"
# 10,000 days from 2000-01-01 (civil dates from day numbers, any awk)
awk 'function civil(z,  era, doe, yoe, y, doy, mp, d, m) {
	z += 719468; era = int(z / 146097); doe = z - era * 146097
	yoe = int((doe - int(doe / 1460) + int(doe / 36524) - int(doe / 146096)) / 365)
	y = yoe + era * 400; doy = doe - (365 * yoe + int(yoe / 4) - int(yoe / 100))
	mp = int((5 * doy + 2) / 153); d = doy - int((153 * mp + 2) / 5) + 1
	m = mp < 10 ? mp + 3 : mp - 9
	return sprintf("%04d-%02d-%02d", y + (m <= 2), m, d) }
	BEGIN { for (i = 0; i < 10000; i++) printf "{\"day\":\"%s\",\"revenue\":%.2f}\n", civil(10957 + i), 1000 + 500 * sin(i / 20) }' > "$out/points.ndjson"
cpu "a line of 10,000 points" 20 "$bin/mb-dash -t days=$out/points.ndjson -o $out/points.html"
echo "  page: $(wc -c < "$out/points.html") bytes"

# --watch: from the end of a commit to the page that shows it
ds=$out/lake/gold/live
echo '{"k":"a","v":0}' | "$bin/mb-write" "$ds"
"$bin/mb-dash" --watch -t live="$ds" -o "$out/live.html" 2>/dev/null &
pid=$!
i=0
while [ ! -s "$out/live.html" ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i + 1)); done
lat=""
for v in 1 2 3 4 5 6 7 8 9 10; do
	echo "{\"k\":\"a\",\"v\":$v}" | "$bin/mb-write" -m overwrite "$ds"
	t0=$(date +%s%N)
	i=0
	while ! grep -q "data-v=\"$v\"" "$out/live.html" 2>/dev/null && [ $i -lt 2000 ]; do i=$((i + 1)); done
	lat="$lat $(( ($(date +%s%N) - t0) / 1000000 ))"
	sleep 0.2
done
kill -TERM "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
echo "$lat" | tr ' ' '\n' | grep . | sort -n |
    awk '{ v[NR] = $1 } END { printf "  %-46s %7d ms median, %d ms max (%d commits)\n", "--watch: commit to page", v[int((NR + 1) / 2)], v[NR], NR }'
