# Sourced by pipelines/demo.sh: bronze to silver.  Valid records are
# enriched into silver; the rest go to the quarantine with their reasons,
# and the counts of the layers must add up.
say "silver: validate (schema, rules, unique orders), then enrich"
SRC="cat $D/bronze.ndjson"
if [ -n "${BRONZE_DATASET:-}" ]; then
	SRC="mb-cat $BRONZE_DATASET"
fi
SILVER_OUT="$D/silver.ndjson"
$SRC \
  | mb-validate --schema pipelines/schemas/orders.json --unique order_id \
      --check 'amount_matches: abs(amount - quantity * unit_price) <= 0.01' \
      --not-future order_ts --now 2026-01-01T00:00:00Z \
      --quarantine "$D/lake/quarantine/orders.ndjson" \
      --report "$D/lake/reports/orders-dq.json" --quiet \
  | mb-enrich --date-parts order_ts:order \
      --set 'is_high_value_order = amount > 500' \
      --join "$D/landing/products.csv" --on product_id --fields product_name,brand \
  > "$SILVER_OUT"
jq -c '.statistics' "$D/lake/reports/orders-dq.json" | sed 's/^/   quality: /'
in=$(jq .records_in "$D/lake/reports/orders-dq.json")
ok=$(jq .passed "$D/lake/reports/orders-dq.json")
q=$(jq .quarantined "$D/lake/reports/orders-dq.json")
dr=$(jq .dropped "$D/lake/reports/orders-dq.json")
echo "   bronze $in = silver $ok + quarantined $q + dropped $dr"
[ "$in" = $((ok + q + dr)) ] || { echo "demo: the layers do not add up" >&2; exit 1; }
[ "$ok" = "$(wc -l < "$SILVER_OUT")" ] || { echo "demo: silver count differs" >&2; exit 1; }
echo "   quarantined, by rule:"
jq -r '._errors[].rule' "$D/lake/quarantine/orders.ndjson" | sort | uniq -c | sort -rn | sed 's/^/     /'
echo "   a silver record:"
head -n 1 "$SILVER_OUT" | sed 's/^/     /'
