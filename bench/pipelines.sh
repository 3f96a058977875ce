#!/bin/sh
# bench/pipelines.sh: the whole of pipelines/retail.mk on 1,000,000 orders
# (2% damaged), from bronze to every gold table (make -j2 gold), against
# the same medallion as one DuckDB script (bench/retail.sql, Parquet out),
# in one go: two rounds, each tool in turn, the times, the ratio, and the
# peak RSS of every mb filter of the run and of DuckDB.  Called by
# bench/bench.sh (which passes a data file this bench does not use: it
# needs retail.mk's own landing zone); PIPELINES_N orders (default N, else
# 1000000).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
case $B in /*) ;; *) B=$here/$B ;; esac
N=${PIPELINES_N:-${N:-1000000}}
W=${W:-bench-out}
case $W in /*) ;; *) W=$here/$W ;; esac
W=$W/pipelines
L=$W/lake
unset MAKEFLAGS MFLAGS MAKELEVEL
MK="make -s --no-print-directory -f $here/pipelines/retail.mk LAKE=$L ORDERS=$N SEED=42 DIRTY=0.02"
duck=${DUCKDB:-$(command -v duckdb 2>/dev/null || true)}

mkdir -p "$W"
echo "pipelines: retail.mk on $N orders, bronze -> every gold table, make -j2, $(nproc) cores"
$MK MB_BIN="$B" landing > /dev/null
sync

# Every mb tool of the run through /usr/bin/time, which appends the
# tool's peak RSS and seconds to $W/rss.log.
rm -rf "$W/bin"
mkdir -p "$W/bin"
for t in "$B"/mb-*; do
	n=${t##*/}
	cat > "$W/bin/$n" <<-EOF
	#!/bin/sh
	exec /usr/bin/time -a -o '$W/rss.log' -f '$n	%M	%e	%C' '$t' "\$@"
	EOF
	chmod +x "$W/bin/$n"
done

# secs CMD...: runs CMD, prints its wall seconds and peak RSS (KB)
secs() {
	/usr/bin/time -f '%e %M' -o "$W/time" "$@" > /dev/null 2> "$W/err" || {
		echo "  failed: $(tail -n 3 "$W/err")" >&2; echo "0 0"; return 0; }
	tail -n 1 "$W/time"
}

run_mb() {
	rm -rf "$L/bronze" "$L/silver" "$L/quarantine" "$L/gold" "$L/reports" \
	    "$W/rss.log"
	find "$L/_state" -type f ! -name 'gen.*' -delete
	secs $MK MB_BIN="$W/bin" -j2 gold
}

run_duck() {
	rm -rf "$W/duck"
	mkdir -p "$W/duck"
	sed -e "s|@LANDING@|$L/landing/orders.ndjson|g" \
	    -e "s|@PRODUCTS@|$L/landing/products.csv|g" \
	    -e "s|@STORES@|$L/landing/stores.csv|g" \
	    -e "s|@OUT@|$W/duck|g" -e "s|@NOW@|2026-01-01T00:00:00Z|g" \
	    "$here/bench/retail.sql" > "$W/retail.sql"
	secs "$duck" -c "$(cat "$W/retail.sql")"
}

best_mb=0 best_duck=0
for round in 1 2; do
	set -- $(run_mb)
	printf '  round %d  mb (retail.mk -j2)   %7.2f s  (make: %.1f MB RSS)\n' "$round" "$1" "$(echo "$2" | awk '{ print $1 / 1024 }')"
	best_mb=$(awk -v a="$best_mb" -v b="$1" 'BEGIN { print (a == 0 || b < a) ? b : a }')
	if [ -n "$duck" ]; then
		set -- $(run_duck)
		printf '  round %d  duckdb (retail.sql)  %7.2f s  %7.1f MB RSS\n' "$round" "$1" "$(echo "$2" | awk '{ print $1 / 1024 }')"
		best_duck=$(awk -v a="$best_duck" -v b="$1" 'BEGIN { print (a == 0 || b < a) ? b : a }')
	fi
done
if [ -n "$duck" ]; then
	awk -v m="$best_mb" -v d="$best_duck" 'BEGIN { if (m > 0 && d > 0)
		printf "  best of 2: mb %.2f s, duckdb %.2f s: mb takes %.2fx the time of duckdb (%.2fx faster)\n", m, d, m / d, d / m }'
else
	echo "  duckdb: not installed (make duckdb), no ratio"
fi

records() { "$B/mb-lake" stats "$1" | sed -n 's/^records *//p'; }
echo "  mb records: bronze $(records "$L/bronze/orders"), silver $(records "$L/silver/orders"), quarantine $(records "$L/quarantine/orders")"

# Peak RSS per mb filter in the last round, and its stage.
echo "  peak RSS of each mb process of the last mb round (MB, seconds, stage):"
awk -F '\t' -v lake="$L/" '{
	cmd = $4; gsub(lake, "", cmd); sub(/^[^ ]*\//, "", cmd)
	if (length(cmd) > 78) cmd = substr(cmd, 1, 75) "..."
	printf "    %-13s %7.1f %7.2f  %s\n", $1, $2 / 1024, $3, cmd }' "$W/rss.log" | sort -k2 -rn
