#!/bin/sh
# make demo: the main job on generated data.  Landing files are ingested
# into the bronze dataset with their lineage, validated into silver (bad
# records to the quarantine with their reasons) and enriched; each layer is
# a partitioned, zstd-compressed dataset with a commit log.  The counts of
# the layers must add up, or the demo fails.  Everything goes under
# demo-out/; run it again at will.
set -eu
cd "$(dirname "$0")/.."
PATH="$PWD/${B:-build}:$PATH"
D=demo-out
L=$D/lake
N=${N:-100000}
rm -rf "$D"
mkdir -p "$D/landing" "$D/state" "$L/reports"

say() { printf '\n== %s\n' "$*"; }
fail() { echo "demo: $*" >&2; exit 1; }

say "1. generate $N simulated orders with 2% defects, and the dimension tables"
mb-gen -n "$N" --dirty 0.02 --seed 42 --stats > "$D/landing/orders.ndjson" 2> "$D/gen.txt"
sed 's/^/   /' "$D/gen.txt"
mb-gen --table products > "$D/landing/products.csv"
mb-gen --table stores > "$D/landing/stores.csv"
mb-gen --table customers > "$D/landing/customers.csv"
ls -l "$D/landing" | awk 'NR > 1 { printf "   %-16s %10d bytes\n", $9, $5 }'

say "2. bronze: ingest with lineage, nothing dropped, as a dataset by ingest date"
mb-ingest --stats --quiet --checkpoint "$D/state/landing.ckpt" "$D/landing/orders.ndjson" \
	2> "$D/ingest.txt" \
  | mb-write -p ingest_date=_ingested_at:date "$L/bronze/orders"
sed 's/^/   /' "$D/ingest.txt"
lines=$(grep -cv '^[[:space:]]*$' "$D/landing/orders.ndjson")
bronze=$(mb-cat "$L/bronze/orders" | wc -l)
raw=$(mb-cat "$L/bronze/orders" | grep -c '"_raw":' || true)
echo "   non-blank input lines: $lines; bronze records: $bronze ($raw kept as _raw)"
[ "$lines" = "$bronze" ] || fail "bronze lost records"
echo "   a record that did not parse:"
mb-cat "$L/bronze/orders" | grep -m 1 '"_raw":' | cut -c1-240 | sed 's/^/     /'
again=$(mb-ingest --quiet --checkpoint "$D/state/landing.ckpt" "$D/landing/orders.ndjson" | wc -l)
echo "   ingest run again: $again new records (the checkpoint knows the file)"

say "3. silver: validate (schema, rules, unique orders), enrich, write by year and month"
mb-cat "$L/bronze/orders" \
  | mb-validate --schema pipelines/schemas/orders.json --unique order_id \
      --check 'amount_matches: abs(amount - quantity * unit_price) <= 0.01' \
      --not-future order_ts --now 2026-01-01T00:00:00Z \
      --quarantine "$L/quarantine/orders/" --report "$L/reports/orders-dq.json" --quiet \
  | mb-enrich --date-parts order_ts:order \
      --set 'is_high_value_order = amount > 500' \
      --join "$D/landing/products.csv" --on product_id --fields product_name,brand \
  | mb-write -p order_year,order_month "$L/silver/orders"
R="$L/reports/orders-dq.json"
jq -c '.statistics' "$R" | sed 's/^/   quality report: /'
in=$(jq .records_in "$R") ok=$(jq .passed "$R") q=$(jq .quarantined "$R") dr=$(jq .dropped "$R")
silver=$(mb-cat "$L/silver/orders" | wc -l)
quar=$(mb-cat "$L/quarantine/orders" | wc -l)
echo "   bronze $in = silver $ok + quarantined $q + dropped $dr"
[ "$in" = "$bronze" ] && [ "$in" = $((ok + q + dr)) ] || fail "the layers do not add up"
[ "$ok" = "$silver" ] && [ "$q" = "$quar" ] || fail "a dataset does not hold what the report says"
echo "   quarantined, by rule (a record may fail several):"
mb-cat "$L/quarantine/orders" | jq -r '._errors[].rule' | sort | uniq -c | sort -rn | sed 's/^/     /'
echo "   silver, one month (partition pruning):"
mb-cat "$L/silver/orders" --where 'order_year = 2025 and order_month = 12' | wc -l | sed 's/^/     records in 2025-12: /'
echo "   a silver record:"
mb-cat "$L/silver/orders" --where 'order_month = 12' | head -n 1 | sed 's/^/     /'

say "4. the lake: commit log and statistics"
for t in bronze/orders silver/orders quarantine/orders; do
	echo "   mb-lake log $L/$t"
	mb-lake log "$L/$t" | sed 's/^/     /'
	echo "   mb-lake stats $L/$t"
	mb-lake stats "$L/$t" | sed 's/^/     /'
done
printf '\ndemo: done; everything is in %s/\n' "$D"
