#!/bin/sh
# make demo: the main job on generated data, from landing files to bronze
# (and, where the tools are built, to the lake and silver), printing what
# each step did.  Everything goes under demo-out/; run it again at will.
set -eu
cd "$(dirname "$0")/.."
PATH="$PWD/${B:-build}:$PATH"
D=demo-out
N=${N:-100000}
rm -rf "$D"
mkdir -p "$D/landing" "$D/lake/reports" "$D/lake/quarantine" "$D/state"

say() { printf '\n== %s\n' "$*"; }

say "1. generate $N simulated orders with 2% defects, and the dimension tables"
mb-gen -n "$N" --dirty 0.02 --seed 42 --stats > "$D/landing/orders.ndjson"
mb-gen --table products > "$D/landing/products.csv"
mb-gen --table stores > "$D/landing/stores.csv"
mb-gen --table customers > "$D/landing/customers.csv"
ls -l "$D/landing" | awk 'NR > 1 { printf "   %-16s %10d bytes\n", $9, $5 }'

say "2. ingest into bronze: lineage added, nothing dropped"
mb-ingest --stats --quiet --checkpoint "$D/state/landing.ckpt" "$D/landing/orders.ndjson" \
	> "$D/bronze.ndjson"
lines=$(grep -cv '^[[:space:]]*$' "$D/landing/orders.ndjson")
recs=$(wc -l < "$D/bronze.ndjson")
raw=$(grep -c '"_raw":' "$D/bronze.ndjson" || true)
echo "   non-blank input lines: $lines; bronze records: $recs ($raw kept as _raw)"
[ "$lines" = "$recs" ] || { echo "demo: records were lost" >&2; exit 1; }
echo "   a bronze record:"
head -n 1 "$D/bronze.ndjson" | sed 's/^/     /'
echo "   a record that did not parse:"
grep -m 1 '"_raw":' "$D/bronze.ndjson" | sed 's/^/     /'

say "3. run the ingest again: the checkpoint says nothing is new"
again=$(mb-ingest --quiet --checkpoint "$D/state/landing.ckpt" "$D/landing/orders.ndjson" | wc -l)
echo "   records on the second run: $again"

if [ -x "${B:-build}/mb-write" ] && [ -f pipelines/demo-lake.sh ]; then
	. pipelines/demo-lake.sh
fi
if [ -x "${B:-build}/mb-validate" ] && [ -x "${B:-build}/mb-enrich" ] &&
    [ -f pipelines/demo-silver.sh ]; then
	. pipelines/demo-silver.sh
fi
printf '\ndemo: done; everything is in %s/\n' "$D"
