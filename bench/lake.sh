#!/bin/sh
# bench/lake.sh DATAFILE: mb-write and mb-cat against zstd on NDJSON orders.
#
# Writes DATAFILE partitioned by the year and month of order_ts, at zstd
# level 3, and reads it back; prints throughput (MB/s of NDJSON), peak RSS
# (/usr/bin/time -f %M) and compressed size, and the ratios to
# `zstd -3 -T1` and `zstd -dc` on the same bytes.  Targets (issue 3):
# write >= 0.9x zstd, size <= 1.05x zstd, read >= 0.8x zstd -dc, RSS <= 64 MB,
# and `mb-cat --where` on one month opens only that month's files.
set -eu

data=${1:?usage: sh bench/lake.sh DATAFILE}
bin=${MB_BIN:-$(dirname "$0")/../build}
out=${BENCH_OUT:-bench-out}/lake
mkdir -p "$out"
ds="$out/orders"
tm="$out/time"

# Best of three runs: the seconds and KB of the fastest.
best() {
	b=""
	for i in 1 2 3; do
		/usr/bin/time -f '%e %M' -o "$tm" "$@"
		r=$(tail -n 1 "$tm")
		if [ -z "$b" ] || [ "$(echo "$r $b" | awk '{ print ($1 < $3) }')" = 1 ]; then
			b=$r
		fi
	done
	echo "$b"
}

bytes=$(wc -c <"$data")
mb=$(echo "$bytes" | awk '{ printf "%.1f", $1 / 1048576 }')
cat "$data" >/dev/null	# into the page cache

z=$(best sh -c "zstd -q -3 -T1 -c '$data' >'$out/orders.zst'")
zsize=$(wc -c <"$out/orders.zst")
zd=$(best sh -c "zstd -q -dc '$out/orders.zst' >/dev/null")

w=$(best sh -c "rm -rf '$ds' && '$bin/mb-write' -l 3 -p year=order_ts:year,month=order_ts:month '$ds' <'$data'")
wsize=$(find "$ds" -name '*.ndjson.zst' -exec cat {} + | wc -c)
r=$(best sh -c "'$bin/mb-cat' '$ds' >/dev/null")
month=$("$bin/mb-cat" --files "$ds" | head -n 1 | sed -E 's|.*/year=([0-9]+)/month=([0-9-]+)/.*|\2|')
wf=$(best sh -c "'$bin/mb-cat' --where 'month = \"$month\"' '$ds' >/dev/null")
nall=$("$bin/mb-cat" --files "$ds" | wc -l)
nmonth=$("$bin/mb-cat" --files --where "month = \"$month\"" "$ds" | wc -l)
opened=""
if command -v strace >/dev/null 2>&1; then
	opened=$(strace -f -e trace=openat "$bin/mb-cat" --where "month = \"$month\"" "$ds" 2>&1 >/dev/null |
	    grep -c '\.ndjson\.zst' || true)
fi

echo "$z $zd $w $r $wf" | awk -v mb="$mb" -v zs="$zsize" -v ws="$wsize" \
    -v nall="$nall" -v nm="$nmonth" -v op="$opened" -v month="$month" '{
	zt = $1; zr = $2; dt = $3; dr = $4; wt = $5; wr = $6; rt = $7; rr = $8
	ft = $9; fr = $10
	printf "lake bench: %s MB of NDJSON, partitioned by year and month of order_ts\n", mb
	printf "  %-26s %8.1f MB/s  %6.1f MB RSS  %10d bytes\n", "zstd -3 -T1", mb / zt, zr / 1024, zs
	printf "  %-26s %8.1f MB/s  %6.1f MB RSS  %10d bytes\n", "mb-write -l 3", mb / wt, wr / 1024, ws
	printf "  %-26s %8.1f MB/s  %6.1f MB RSS\n", "zstd -dc", mb / dt, dr / 1024
	printf "  %-26s %8.1f MB/s  %6.1f MB RSS\n", "mb-cat", mb / rt, rr / 1024
	printf "  %-26s %8.2f s     %6.1f MB RSS  %d of %d files listed, %s opened\n", "mb-cat --where month=" month, ft, fr / 1024, nm, nall, op == "" ? "?" : op
	printf "  write throughput vs zstd -3 -T1: %.2fx (target >= 0.90)\n", zt / wt
	printf "  compressed size vs zstd -3 -T1:  %.3fx (target <= 1.05)\n", ws / zs
	printf "  read throughput vs zstd -dc:     %.2fx (target >= 0.80)\n", dt / rt
	printf "  peak RSS write / read:           %.1f / %.1f MB (target <= 64)\n", wr / 1024, rr / 1024
}'
