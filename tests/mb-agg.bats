#!/usr/bin/env bats
# mb-agg: group-by, exact aggregates, top-N, windows, partial/merge, spill.

load helper

setup() {
	cd "$DATA/agg"
	T=$BATS_TEST_TMPDIR
}

# ---- groups and aggregates ------------------------------------------------------

@test "--by, --count, --sum: first-appearance order, exact sums, a missing key is null" {
	run mbrun mb-agg --by region --count --sum amount orders.ndjson
	assert_success
	assert_output - <<'EOF'
{"region":"North","count":3,"amount_sum":1020.40}
{"region":"South","count":2,"amount_sum":50.35}
{"region":"East","count":2,"amount_sum":10.25}
{"region":null,"count":1,"amount_sum":10.00}
EOF
	assert_equal "$(stderr_of_mbrun)" ""
}

@test "names, --avg, --rate --pct: the monthly_revenue shape" {
	run mbrun mb-agg --by region --count orders --sum revenue=amount --avg amount \
	    --rate 'return_rate_pct = status == "returned"' --pct orders.ndjson
	assert_success
	assert_output - <<'EOF'
{"region":"North","orders":3,"revenue":1020.40,"amount_avg":340.133333,"return_rate_pct":33.33}
{"region":"South","orders":2,"revenue":50.35,"amount_avg":25.175,"return_rate_pct":50.00}
{"region":"East","orders":2,"revenue":10.25,"amount_avg":5.125,"return_rate_pct":0.00}
{"region":null,"orders":1,"revenue":10.00,"amount_avg":10.00,"return_rate_pct":0.00}
EOF
}

@test "a computed key, --round, --sort on two fields: the daily_region shape" {
	run mbrun mb-agg --by 'day = date(order_ts)',region --count orders --sum revenue=amount \
	    --avg avg_order_value=amount --round 2 --sort 'day, region' orders.ndjson
	assert_success
	assert_output - <<'EOF'
{"day":"2025-07-01","region":"East","orders":1,"revenue":0.20,"avg_order_value":0.20}
{"day":"2025-07-01","region":"North","orders":2,"revenue":20.40,"avg_order_value":10.20}
{"day":"2025-07-01","region":"South","orders":2,"revenue":50.35,"avg_order_value":25.18}
{"day":"2025-07-02","region":"East","orders":1,"revenue":10.05,"avg_order_value":10.05}
{"day":"2025-07-02","region":"North","orders":1,"revenue":1000.00,"avg_order_value":1000.00}
{"day":"2025-07-02","region":null,"orders":1,"revenue":10.00,"avg_order_value":10.00}
EOF
}

@test "--count NAME as the next word, --count=NAME, and a file after --count" {
	run mbrun mb-agg --by region --count n orders.ndjson
	assert_success
	assert_line --index 0 '{"region":"North","n":3}'
	run mbrun mb-agg --by region --count=n --count ./orders.ndjson
	assert_success
	assert_line --index 0 '{"region":"North","n":3,"count":3}'
}

@test "a sum keeps the values' decimals: 0.10 + 0.20 = 0.30, 1.5 + 2.25 = 3.75" {
	printf '%s\n' '{"a":0.10}' '{"a":0.20}' > "$T/in"
	run mbrun mb-agg --sum a "$T/in"
	assert_output '{"a_sum":0.30}'
	printf '%s\n' '{"a":1.5}' '{"a":2.25}' '{"a":-0.75}' '{"a":1e2}' > "$T/in"
	run mbrun mb-agg --sum a --avg a "$T/in"
	assert_output '{"a_sum":103.00,"a_avg":25.75}'
}

@test "the sum of a million two-decimal amounts is the exact decimal sum, to the cent" {
	# 0.01 + 0.02 + ... + 10000.00 = 1000000 * 1000001 / 2 / 100
	awk 'BEGIN { for (i = 1; i <= 1000000; i++) printf "{\"amount\":%d.%02d}\n", i / 100, i % 100 }' > "$T/m"
	run mbrun mb-agg --count --sum amount --avg amount "$T/m"
	assert_success
	assert_output '{"count":1000000,"amount_sum":5000005000.00,"amount_avg":5000.005}'
}

@test "--sum-if and --rate without --pct: net revenue of sales minus cancellations" {
	run mbrun mb-agg --sum-if 'returns = status == "returned" : amount' \
	    --sum-if 'units = category == "Toys" : quantity' \
	    --sum-if 'net = true : if(status == "cancelled", -amount, amount)' \
	    --count --rate 'cancelled = status == "cancelled"' orders.ndjson
	assert_success
	assert_output '{"returns":1000.10,"units":12,"net":1090.60,"count":8,"cancelled":0.125}'
}

@test "an expression as the value: --sum 'NAME = EXPR'" {
	run mbrun mb-agg --by category --sum 'revenue = quantity * unit_price' orders.ndjson
	assert_success
	assert_output - <<'EOF'
{"category":"Toys","revenue":90.40}
{"category":"Books","revenue":0.40}
{"category":"Home","revenue":1000.20}
EOF
}

@test "--where filters before aggregating" {
	run mbrun mb-agg --by region --count --where 'amount >= 10 and status != "returned"' orders.ndjson
	assert_success
	assert_output - <<'EOF'
{"region":"North","count":1}
{"region":"South","count":1}
{"region":"East","count":1}
{"region":null,"count":1}
EOF
}

@test "--min, --max of numbers, strings and times; --first, --last by input order" {
	run mbrun mb-agg --by category --min amount --max amount --min order_ts --max order_id \
	    --first order_id --last order_id orders.ndjson
	assert_success
	assert_output - <<'EOF'
{"category":"Toys","amount_min":10.0,"amount_max":50.25,"order_ts_min":"2025-07-01T10:05:00Z","order_id_max":"O8","order_id_first":"O1","order_id_last":"O8"}
{"category":"Books","amount_min":0.10,"amount_max":0.30,"order_ts_min":"2025-07-01T10:20:00Z","order_id_max":"O3","order_id_first":"O2","order_id_last":"O3"}
{"category":"Home","amount_min":0.20,"amount_max":1000,"order_ts_min":"2025-07-01T11:05:00Z","order_id_max":"O6","order_id_first":"O4","order_id_last":"O6"}
EOF
}

@test "times compare by instant, offsets and all; --first and --last by --time" {
	printf '%s\n' '{"t":"2025-07-01T10:00:00+02:00","v":"a"}' '{"t":"2025-07-01T09:00:00Z","v":"b"}' \
	    '{"t":"2025-07-01T07:30:00Z","v":"c"}' '{"t":"2025-07-01T09:00:00Z","v":"d"}' > "$T/in"
	run mbrun mb-agg --min t --max t --first v --last v "$T/in"
	assert_output '{"t_min":"2025-07-01T07:30:00Z","t_max":"2025-07-01T09:00:00Z","v_first":"a","v_last":"d"}'
	run mbrun mb-agg --time t --first v --last v "$T/in"
	assert_output '{"v_first":"c","v_last":"d"}'
}

@test "--distinct and --approx-distinct: 1.5 and 1.50 are one value, nulls are none" {
	printf '%s\n' '{"g":1,"v":1.5}' '{"g":1,"v":1.50}' '{"g":1,"v":"1.5"}' '{"g":1,"v":null}' \
	    '{"g":1}' '{"g":1,"v":"\u0041"}' '{"g":1,"v":"A"}' > "$T/in"
	run mbrun mb-agg --by g --distinct v --approx-distinct v "$T/in"
	assert_output '{"g":1,"v_distinct":3,"v_approx_distinct":3}'
}

@test "--approx-distinct: exact up to 1024, then within 2% (0.81% standard error)" {
	awk 'BEGIN { for (i = 0; i < 300000; i++) printf "{\"g\":%d,\"c\":\"%s%07d\"}\n", i % 2, i % 2 ? "D" : "C", i % 200000 }' > "$T/in"
	run mbrun mb-agg --by g --distinct c --approx-distinct c "$T/in"
	assert_success
	assert_output - <<'EOF'
{"g":0,"c_distinct":100000,"c_approx_distinct":100369}
{"g":1,"c_distinct":100000,"c_approx_distinct":100816}
EOF
	awk 'BEGIN { for (i = 0; i < 1024; i++) printf "{\"c\":%d}\n", i }' > "$T/in"
	run mbrun mb-agg --approx-distinct c "$T/in"
	assert_output '{"c_approx_distinct":1024}'
}

@test "--quantile: exact nearest rank for small groups, named p50 p95 p99_9" {
	run mbrun mb-agg --by region --quantile amount:0.5,1 --where 'amount > 0.1' orders.ndjson
	assert_success
	assert_output - <<'EOF'
{"region":"North","amount_p50":20.10,"amount_p100":1000}
{"region":"East","amount_p50":0.20,"amount_p100":10.05}
{"region":"South","amount_p50":50.25,"amount_p100":50.25}
{"region":null,"amount_p50":10.0,"amount_p100":10.0}
EOF
	seq 1 10 | awk '{ printf "{\"v\":%d}\n", $1 }' > "$T/in"
	run mbrun mb-agg --quantile v:0,0.1,0.95,0.999 --quantile med=v:0.5 "$T/in"
	assert_output '{"v_p0":1,"v_p10":1,"v_p95":10,"v_p99_9":10,"med":5}'
}

@test "--quantile past 1000 values: a sketch within 0.5% of the exact value" {
	awk 'BEGIN { for (i = 1; i <= 100000; i++) printf "{\"v\":%d.%02d}\n", (i * 7919) % 100000, i % 100 }' > "$T/in"
	run mbrun mb-agg --quantile v:0.01,0.5,0.95,0.99 "$T/in"
	assert_success
	# exact: 1000.00 (p1), 50000.xx (p50), 95000.xx, 99000.xx
	run python3 -c '
import json, sys
r = json.loads(sys.argv[1])
exact = {"v_p1": 1000, "v_p50": 50000, "v_p95": 95000, "v_p99": 99000}
for k, e in exact.items():
    assert abs(r[k] - e) / e <= 0.0051, (k, r[k], e)
print("ok")' "$output"
	assert_output ok
}

@test "--sort, --top, --rank: the top_products shape" {
	run mbrun mb-agg --by 'rank_by = "revenue"',product_id --sum units=quantity --sum revenue=amount \
	    --sort 'revenue desc, product_id' --top 3 --rank rank orders.ndjson
	assert_success
	assert_output - <<'EOF'
{"rank":1,"rank_by":"revenue","product_id":"P3","units":2,"revenue":1000.20}
{"rank":2,"rank_by":"revenue","product_id":"P1","units":8,"revenue":80.40}
{"rank":3,"rank_by":"revenue","product_id":"P4","units":4,"revenue":10.00}
EOF
}

@test "--top N --per F: N within each value of F; null sorts last" {
	run mbrun mb-agg --by category,region --sum amount --sort 'category, amount_sum desc' \
	    --top 1 --per category --rank r orders.ndjson
	assert_success
	assert_output - <<'EOF'
{"r":1,"category":"Books","region":"North","amount_sum":0.30}
{"r":1,"category":"Home","region":"North","amount_sum":1000.00}
{"r":1,"category":"Toys","region":"South","amount_sum":50.25}
EOF
	run mbrun mb-agg --by region --count --sort 'region desc' orders.ndjson
	assert_output - <<'EOF'
{"region":"South","count":2}
{"region":"North","count":3}
{"region":"East","count":2}
{"region":null,"count":1}
EOF
}

@test "sort by numbers is by value: negative, zero, decimals, exponents" {
	printf '%s\n' '{"k":"a","v":-10}' '{"k":"b","v":2.5}' '{"k":"c","v":-2.25}' '{"k":"d","v":0}' \
	    '{"k":"e","v":1e1}' '{"k":"f","v":-2.3}' '{"k":"g","v":2.50}' '{"k":"h","v":"x"}' > "$T/in"
	run mbrun mb-agg --by k --max v --sort 'v_max' "$T/in"
	assert_output - <<'EOF'
{"k":"a","v_max":-10}
{"k":"f","v_max":-2.3}
{"k":"c","v_max":-2.25}
{"k":"d","v_max":0}
{"k":"b","v_max":2.5}
{"k":"g","v_max":2.50}
{"k":"e","v_max":1e1}
{"k":"h","v_max":"x"}
EOF
}

@test "dotted paths, nested keys, and strings with escapes as one group" {
	printf '%s\n' '{"c":{"city":"Leeds"},"a":1}' '{"c":{"city":"L\u0065eds"},"a":2}' '{"c":{},"a":4}' > "$T/in"
	run mbrun mb-agg --by c.city --sum a "$T/in"
	assert_output - <<'EOF'
{"c.city":"Leeds","a_sum":3}
{"c.city":null,"a_sum":4}
EOF
}

@test "Online Retail gold tables, from the real data, as an independent Python reckoning has them" {
	# tests/data/dash/*.ndjson were made by tests/data/dash/make-retail-fixtures.py
	mb-ingest "$RETAIL"/*.csv.zst > "$T/retail"
	run mbrun mb-agg --by 'year = year(InvoiceDate)','month = month(InvoiceDate)' --by country=Country \
	    --sum-if 'sales = not starts_with(string(InvoiceNo), "C") and not starts_with(string(InvoiceNo), "A") : Quantity * UnitPrice' \
	    --sum-if 'cancellations = starts_with(string(InvoiceNo), "C") : -(Quantity * UnitPrice)' \
	    --sum-if 'net_revenue = not starts_with(string(InvoiceNo), "A") : Quantity * UnitPrice' \
	    --round 2 --sort 'year, month, country' "$T/retail"
	assert_success
	assert_output "$(cat "$DATA/dash/monthly_net_revenue_by_country.ndjson")"
	assert_equal "$(stderr_of_mbrun)" ""
	mb-agg --by 'year = year(InvoiceDate)','month = month(InvoiceDate)','invoice = string(InvoiceNo)' \
	    --by 'cancelled = starts_with(string(InvoiceNo), "C")' --count lines "$T/retail" > "$T/invoices"
	run mbrun mb-agg --by year,month --count invoices --sum-if 'cancelled_invoices = cancelled : 1' \
	    --rate 'cancellation_rate_pct = cancelled' --pct --sort 'year, month' "$T/invoices"
	assert_output "$(cat "$DATA/dash/cancellation_rate.ndjson")"
}

# ---- windows ------------------------------------------------------------------------

@test "--time --window 1h: tumbling windows, out-of-order records counted" {
	run mbrun mb-agg --time order_ts --window 1h --by region --count --sum amount orders.ndjson
	assert_success
	assert_output - <<'EOF'
{"window_start":"2025-07-01T10:00:00.000Z","window_end":"2025-07-01T11:00:00.000Z","region":"North","count":2,"amount_sum":20.40}
{"window_start":"2025-07-01T10:00:00.000Z","window_end":"2025-07-01T11:00:00.000Z","region":"South","count":2,"amount_sum":50.35}
{"window_start":"2025-07-01T11:00:00.000Z","window_end":"2025-07-01T12:00:00.000Z","region":"East","count":1,"amount_sum":0.20}
{"window_start":"2025-07-02T09:00:00.000Z","window_end":"2025-07-02T10:00:00.000Z","region":"North","count":1,"amount_sum":1000.00}
{"window_start":"2025-07-02T11:00:00.000Z","window_end":"2025-07-02T12:00:00.000Z","region":"East","count":1,"amount_sum":10.05}
{"window_start":"2025-07-02T12:00:00.000Z","window_end":"2025-07-02T13:00:00.000Z","region":null,"count":1,"amount_sum":10.00}
EOF
}

@test "--window 1d,12h: hopping windows, a record in each window that holds it" {
	run mbrun mb-agg --time order_ts --window 1d,12h --count orders.ndjson
	assert_success
	assert_output - <<'EOF'
{"window_start":"2025-06-30T12:00:00.000Z","window_end":"2025-07-01T12:00:00.000Z","count":5}
{"window_start":"2025-07-01T00:00:00.000Z","window_end":"2025-07-02T00:00:00.000Z","count":5}
{"window_start":"2025-07-01T12:00:00.000Z","window_end":"2025-07-02T12:00:00.000Z","count":2}
{"window_start":"2025-07-02T00:00:00.000Z","window_end":"2025-07-03T00:00:00.000Z","count":3}
{"window_start":"2025-07-02T12:00:00.000Z","window_end":"2025-07-03T12:00:00.000Z","count":1}
EOF
}

@test "--watermark: each window printed once as it closes, late records to --late with the reason" {
	run mbrun mb-agg --time order_ts --window 1h --watermark 10m --late "$T/late" \
	    --now 2025-07-03 --by region --count --sum amount orders.ndjson
	assert_success
	assert_output - <<'EOF'
{"window_start":"2025-07-01T10:00:00.000Z","window_end":"2025-07-01T11:00:00.000Z","region":"North","count":2,"amount_sum":20.40}
{"window_start":"2025-07-01T10:00:00.000Z","window_end":"2025-07-01T11:00:00.000Z","region":"South","count":1,"amount_sum":0.10}
{"window_start":"2025-07-01T11:00:00.000Z","window_end":"2025-07-01T12:00:00.000Z","region":"East","count":1,"amount_sum":0.20}
{"window_start":"2025-07-02T09:00:00.000Z","window_end":"2025-07-02T10:00:00.000Z","region":"North","count":1,"amount_sum":1000.00}
{"window_start":"2025-07-02T11:00:00.000Z","window_end":"2025-07-02T12:00:00.000Z","region":"East","count":1,"amount_sum":10.05}
{"window_start":"2025-07-02T12:00:00.000Z","window_end":"2025-07-02T13:00:00.000Z","region":null,"count":1,"amount_sum":10.00}
EOF
	assert_equal "$(cat "$T/late")" '{"order_id":"O5","customer_id":"C2","order_ts":"2025-07-01T10:50:00Z","region":"South","status":"completed","product_id":"P1","category":"Toys","store_id":"S2","quantity":5,"unit_price":10.05,"amount":50.25,"_errors":[{"rule":"late","field":"order_ts","message":"event time is before the watermark 2025-07-01T10:55:00.000Z"}]}'
	assert_equal "$(stderr_of_mbrun)" "mb-agg: 1 record set aside in $T/late"
}

@test "--watermark: a window closes when the time seen passes its end plus the watermark, not before" {
	# 10:59:59 is not late at watermark 10:59:59; 11:10:00 closes 10-11; then 10:30 is late
	printf '%s\n' '{"t":"2025-07-01T10:00:00Z"}' '{"t":"2025-07-01T11:09:59Z"}' '{"t":"2025-07-01T10:59:59Z"}' \
	    '{"t":"2025-07-01T11:10:00Z"}' '{"t":"2025-07-01T10:30:00Z"}' > "$T/in"
	run mbrun mb-agg --time t --window 1h --watermark 10m --late "$T/late" --now 2025-07-02 --count "$T/in"
	assert_success
	assert_output - <<'EOF'
{"window_start":"2025-07-01T10:00:00.000Z","window_end":"2025-07-01T11:00:00.000Z","count":2}
{"window_start":"2025-07-01T11:00:00.000Z","window_end":"2025-07-01T12:00:00.000Z","count":2}
EOF
	assert_equal "$(wc -l < "$T/late")" 1
}

@test "a time that is missing or not a time goes to --late; without --late it stops the run" {
	printf '%s\n' '{"t":"2025-07-01T10:00:00Z"}' '{"t":"yesterday"}' '{"x":1}' '{"t":1751364000}' > "$T/in"
	run mbrun mb-agg --time t --window 1h --count --late "$T/late" "$T/in"
	assert_success
	assert_output '{"window_start":"2025-07-01T10:00:00.000Z","window_end":"2025-07-01T11:00:00.000Z","count":2}'
	assert_equal "$(cat "$T/late")" '{"t":"yesterday","_errors":[{"rule":"time","field":"t","message":"t: \"yesterday\" is not a time"}]}
{"x":1,"_errors":[{"rule":"time","field":"t","message":"t is missing"}]}'
	run mbrun mb-agg --time t --window 1h --count "$T/in"
	assert_failure 1
	assert_output ""
	assert_equal "$(stderr_of_mbrun)" "mb-agg: $T/in:2: t: \"yesterday\" is not a time (records set aside need --late FILE)"
}

@test "a time far in the future is set aside instead of closing every window" {
	printf '%s\n' '{"t":"2025-07-01T10:00:00Z"}' '{"t":"2099-01-01T00:00:00Z"}' '{"t":"2025-07-01T10:30:00Z"}' > "$T/in"
	run mbrun mb-agg --time t --window 1h --watermark 5m --late "$T/late" --now 2025-07-01T12:00:00Z --count "$T/in"
	assert_success
	assert_output '{"window_start":"2025-07-01T10:00:00.000Z","window_end":"2025-07-01T11:00:00.000Z","count":2}'
	assert_equal "$(cat "$T/late")" '{"t":"2099-01-01T00:00:00Z","_errors":[{"rule":"future","field":"t","message":"event time is after 2025-07-02T12:00:00.000Z (--max-future past the time now); it would close every open window"}]}'
	run mbrun mb-agg --time t --window 1h --watermark 5m --late "$T/late" --now 2025-07-01T12:00:00Z \
	    --max-future 100000d --count "$T/in"
	assert_output - <<'EOF'
{"window_start":"2025-07-01T10:00:00.000Z","window_end":"2025-07-01T11:00:00.000Z","count":1}
{"window_start":"2099-01-01T00:00:00.000Z","window_end":"2099-01-01T01:00:00.000Z","count":1}
EOF
}

@test "window options that do not divide, or miss what they need, are status 2 with the reason" {
	run mbrun mb-agg --window 1h --count orders.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" "mb-agg: --window needs --time FIELD: windows are over event time"
	run mbrun mb-agg --time order_ts --window 1h,25m --count orders.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" "mb-agg: --window 1h,25m: the hop must divide the window, so that every record is in the same number of windows"
	run mbrun mb-agg --time order_ts --window 7m --count orders.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" "mb-agg: --window 7m: a window shorter than a day must divide 24h, so that windows start at the same times every day"
	run mbrun mb-agg --time order_ts --window 36h --count orders.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" "mb-agg: --window 36h: a window of a day or more must be whole days"
	run mbrun mb-agg --time order_ts --window 1h,2h --count orders.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" "mb-agg: --window 1h,2h: the hop must not be longer than the window"
	run mbrun mb-agg --time order_ts --window 1h --watermark 10m --count orders.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" "mb-agg: --watermark 10m: records behind the watermark need --late FILE"
	run mbrun mb-agg --time order_ts --watermark 10m --late "$T/l" --count orders.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" "mb-agg: --watermark needs --window: it says when a window is complete"
	run mbrun mb-agg --time order_ts --window 1h --watermark 10x --late "$T/l" --count orders.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" "mb-agg: --watermark 10x: '10x' is not a duration (such as 30s, 15m, 168h, 7d)"
	assert [ ! -e "$T/l" ]
}

@test "--emit update --every N: the groups that changed, as they are now" {
	run mbrun mb-agg --by region --count --sum amount --emit update --every 3 orders.ndjson
	assert_success
	assert_output - <<'EOF'
{"region":"North","count":2,"amount_sum":20.40}
{"region":"South","count":1,"amount_sum":0.10}
{"region":"North","count":3,"amount_sum":1020.40}
{"region":"South","count":2,"amount_sum":50.35}
{"region":"East","count":1,"amount_sum":0.20}
{"region":"East","count":2,"amount_sum":10.25}
{"region":null,"count":1,"amount_sum":10.00}
EOF
}

@test "--emit update with a watermark: a window's last update when it closes, then it is gone" {
	printf '%s\n' '{"t":"2025-07-01T10:05:00Z","r":"N"}' '{"t":"2025-07-01T10:20:00Z","r":"S"}' \
	    '{"t":"2025-07-01T11:15:00Z","r":"N"}' '{"t":"2025-07-01T10:50:00Z","r":"S"}' \
	    '{"t":"2025-07-01T10:30:00Z","r":"N"}' '{"t":"2025-07-01T11:20:00Z","r":"N"}' \
	    '{"t":"2025-07-01T11:59:00Z","r":"S"}' > "$T/in"
	run mbrun mb-agg --time t --window 1h --watermark 10m --late "$T/late" --now 2025-07-02 \
	    --by r --count --emit update --every 3 "$T/in"
	assert_success
	assert_output - <<'EOF'
{"window_start":"2025-07-01T10:00:00.000Z","window_end":"2025-07-01T11:00:00.000Z","r":"N","count":1}
{"window_start":"2025-07-01T10:00:00.000Z","window_end":"2025-07-01T11:00:00.000Z","r":"S","count":1}
{"window_start":"2025-07-01T11:00:00.000Z","window_end":"2025-07-01T12:00:00.000Z","r":"N","count":1}
{"window_start":"2025-07-01T11:00:00.000Z","window_end":"2025-07-01T12:00:00.000Z","r":"N","count":2}
{"window_start":"2025-07-01T11:00:00.000Z","window_end":"2025-07-01T12:00:00.000Z","r":"S","count":1}
EOF
	assert_equal "$(jq -r '._errors[0].rule' "$T/late" | tr '\n' ' ')" "late late "
}

@test "streaming: an update comes out while the input is still open" {
	mkfifo "$T/in" "$T/out"
	mb-agg --by region --count --emit update < "$T/in" > "$T/out" &
	exec 5> "$T/in" 6< "$T/out"
	echo '{"region":"North"}' >&5
	read -r -t 10 l1 <&6
	echo '{"region":"North"}' >&5
	read -r -t 10 l2 <&6
	exec 5>&-
	read -r -t 10 l3 <&6 || true
	exec 6<&-
	wait
	assert_equal "$l1" '{"region":"North","count":1}'
	assert_equal "$l2" '{"region":"North","count":2}'
	assert_equal "$l3" ""
}

@test "streaming: --every 1s prints what changed each second, the input still open" {
	mkfifo "$T/in" "$T/out"
	mb-agg --by region --count --emit update --every 1s < "$T/in" > "$T/out" &
	exec 5> "$T/in" 6< "$T/out"
	printf '%s\n' '{"region":"North"}' '{"region":"South"}' '{"region":"North"}' >&5
	read -r -t 10 l1 <&6
	read -r -t 10 l2 <&6
	echo '{"region":"South"}' >&5
	read -r -t 10 l3 <&6
	exec 5>&- 6<&-
	wait
	assert_equal "$l1" '{"region":"North","count":2}'
	assert_equal "$l2" '{"region":"South","count":1}'
	assert_equal "$l3" '{"region":"South","count":2}'
}

@test "streaming: a window comes out when the watermark passes it, the input still open" {
	mkfifo "$T/in" "$T/out"
	mb-agg --time t --window 1h --watermark 1m --late "$T/late" --now 2025-07-02 --count \
	    < "$T/in" > "$T/out" &
	exec 5> "$T/in" 6< "$T/out"
	printf '%s\n' '{"t":"2025-07-01T10:00:00Z"}' '{"t":"2025-07-01T11:01:00Z"}' >&5
	read -r -t 10 l1 <&6
	exec 5>&-
	read -r -t 10 l2 <&6
	exec 6<&-
	wait
	assert_equal "$l1" '{"window_start":"2025-07-01T10:00:00.000Z","window_end":"2025-07-01T11:00:00.000Z","count":1}'
	assert_equal "$l2" '{"window_start":"2025-07-01T11:00:00.000Z","window_end":"2025-07-01T12:00:00.000Z","count":1}'
}

# ---- partial and merge --------------------------------------------------------------

ALL=(--by region --count --sum amount --avg amount --min amount --max order_ts --first order_id
    --last order_id --distinct customer_id --approx-distinct customer_id --quantile amount:0.5,0.95
    --rate 'r = status == "returned"' --sum-if 's = quantity > 1 : amount')

@test "--partial then --merge: byte-identical to one pass, every aggregate" {
	mb-gen -n 30000 > "$T/all"
	split -n l/3 -d "$T/all" "$T/part."
	mb-agg "${ALL[@]}" --time order_ts --window 1d "$T/all" > "$T/one"
	for f in "$T"/part.*; do mb-agg --partial "${ALL[@]}" --time order_ts --window 1d "$f"; done > "$T/states"
	run mbrun mb-agg --merge "${ALL[@]}" --time order_ts --window 1d "$T/states"
	assert_success
	assert_output "$(cat "$T/one")"
	assert [ "$(wc -l < "$T/one")" -gt 1000 ]
	# the sketches are in play: dense HyperLogLog and quantile buckets
	mb-agg "${ALL[@]}" "$T/all" > "$T/one"
	for f in "$T"/part.*; do mb-agg --partial "${ALL[@]}" "$f"; done | mb-agg --merge "${ALL[@]}" > "$T/merged"
	cmp "$T/one" "$T/merged"
	grep -q '"d:' <(mb-agg --partial "${ALL[@]}" "$T/all")
}

@test "8 shards through GNU parallel: --partial | --merge is byte for byte one pass" {
	command -v parallel
	mb-gen -n 40000 > "$T/all"
	mkdir "$T/shards"
	split -n l/8 -d "$T/all" "$T/shards/s."
	mb-agg "${ALL[@]}" --sort 'amount_sum desc' "$T/all" > "$T/one"
	ls "$T"/shards/s.* | parallel --will-cite -k -q -j 4 mb-agg --partial "${ALL[@]}" {} > "$T/states"
	assert_equal "$(grep -c '"mb_agg":1' "$T/states")" 40
	run mbrun mb-agg --merge "${ALL[@]}" --sort 'amount_sum desc' "$T/states"
	assert_success
	assert_output "$(cat "$T/one")"
	# a combiner in between changes nothing
	mb-agg --merge --partial "${ALL[@]}" "$T/states" > "$T/combined"
	run mbrun mb-agg --merge "${ALL[@]}" --sort 'amount_sum desc' "$T/combined"
	assert_output "$(cat "$T/one")"
}

@test "a state line is a tab-separated Hadoop key and a JSON object" {
	run mbrun mb-agg --partial --by region --count --sum amount orders.ndjson
	assert_success
	assert_line --index 0 "$(printf '{"k":["North"],\t"mb_agg":1,"f":"%s","o":0,"n":3,"s":[1020.40]}' "$(mb-agg --partial --by region --count --sum amount orders.ndjson | head -n 1 | sed 's/.*"f":"\([0-9a-f]*\)".*/\1/')")"
	mb-agg --partial --by region --count --sum amount orders.ndjson | jq -c .k > "$T/keys"
	assert_equal "$(cat "$T/keys")" '["North"]
["South"]
["East"]
[null]'
}

@test "--merge of state made with other options, of a corrupt line, of a truncated stream: status 2" {
	mb-agg --partial --by region --sum amount orders.ndjson > "$T/st"
	run mbrun mb-agg --merge --by region --count "$T/st"
	assert_failure 2
	assert_output ""
	assert_regex "$(stderr_of_mbrun)" "^mb-agg: $T/st:1: partial state made with other options \(fingerprint [0-9a-f]{16}, these options make [0-9a-f]{16}\): --merge needs the --by, aggregate, --time and --window options of the --partial run$"
	run mbrun mb-agg --merge --by region --sum amount orders.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" "mb-agg: orders.ndjson:1: not a partial state of mb-agg (no \"mb_agg\" field)"
	sed 's/"mb_agg":1/"mb_agg":9/' "$T/st" > "$T/v9"
	run mbrun mb-agg --merge --by region --sum amount "$T/v9"
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" "mb-agg: $T/v9:1: partial state format 9; this mb-agg reads format 1"
	sed '2s/"s":\[50.35\]/"s":["x"]/' "$T/st" > "$T/bad"
	run mbrun mb-agg --merge --by region --sum amount "$T/bad"
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" "mb-agg: $T/bad:2: the state of amount_sum is not one"
	head -c 100 "$T/st" > "$T/cut"
	run mbrun mb-agg --merge --by region --sum amount "$T/cut"
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" "mb-agg: $T/cut:2: the partial state stream ends in the middle of a line (truncated?)"
	head -c -1 "$T/st" > "$T/nonl"
	run mbrun mb-agg --merge --by region --sum amount "$T/nonl"
	assert_failure 2
}

# ---- memory -------------------------------------------------------------------------------

@test "--memory: spilled runs give the same output as memory, in order, sorted, and as partial state" {
	mb-gen -n 20000 > "$T/all"
	G='--by customer_id --count --sum amount --first order_id --last order_ts --distinct product_id --quantile amount:0.5'
	mb-agg $G "$T/all" > "$T/mem"
	assert [ "$(wc -l < "$T/mem")" -gt 5000 ]
	run mbrun mb-agg $G --memory 64k "$T/all"
	assert_success
	assert_output "$(cat "$T/mem")"
	mb-agg $G --sort 'amount_sum desc' --top 100 "$T/all" > "$T/mem"
	run mbrun mb-agg $G --sort 'amount_sum desc' --top 100 --memory 32k "$T/all"
	assert_output "$(cat "$T/mem")"
	mb-agg $G --partial "$T/all" > "$T/mem"
	run mbrun mb-agg $G --partial --memory 64k "$T/all"
	assert_output "$(cat "$T/mem")"
	run mbrun mb-agg $G --merge --memory 64k "$T/mem"
	assert_output "$(mb-agg $G "$T/all")"
}

@test "--threads N: a file cut in pieces gives what one pass gives, warnings and late records included" {
	mb-gen -n 20000 --dirty 0.05 > "$T/all"
	args=(--by region --count --sum amount --avg quantity --time order_ts --first order_id
	    --last order_id --distinct customer_id --quantile amount:0.5 --sort 'amount_sum desc')
	mb-agg --threads 1 "${args[@]}" --late "$T/late1" "$T/all" > "$T/one" 2> "$T/err1"
	assert [ "$(wc -l < "$T/late1")" -gt 100 ]
	for t in 2 3 5; do
		run mbrun mb-agg --threads $t "${args[@]}" --late "$T/late$t" "$T/all"
		assert_success
		assert_output "$(cat "$T/one")"
		assert_equal "$(stderr_of_mbrun | sed "s/late$t/late1/")" "$(cat "$T/err1")"
		cmp "$T/late1" "$T/late$t"
	done
	run mbrun mb-agg --threads 4 --memory 64k --by customer_id --sum amount --late "$T/l" "$T/all"
	assert_output "$(mb-agg --threads 1 --by customer_id --sum amount --late "$T/l" "$T/all")"
}

@test "--threads N: the first bad value, bad line or error in a later piece names its own line" {
	{ mb-gen -n 2000; echo '{"amount":"x"}'; mb-gen -n 10; } > "$T/in"
	run mbrun mb-agg --threads 2 --sum amount "$T/in"
	assert_success
	assert_equal "$(stderr_of_mbrun)" "mb-agg: 1 value of amount was not a number (the first: $T/in:2001: \"x\")"
	{ mb-gen -n 2000; echo '{"amount":"x"}'; echo 'not json'; mb-gen -n 10; } > "$T/in"
	run mbrun mb-agg --threads 2 --sum amount "$T/in"
	assert_failure 1
	assert_output ""
	assert_equal "$(stderr_of_mbrun)" "mb-agg: $T/in:2002: not a JSON object: column 1: expected a JSON object ('{') (records set aside need --late FILE)"
	run mbrun mb-agg --threads 2 --sum amount --late "$T/late" "$T/in"
	assert_success
	assert_equal "$(jq -c '[._raw, ._offset]' "$T/late")" '["not json",2002]'
}

@test "a million distinct groups" {
	awk 'BEGIN { for (i = 0; i < 1000000; i++) printf "{\"k\":\"%07d\",\"v\":1}\n", (i * 7919) % 1000000 }' > "$T/in"
	mb-agg --by k --count --sum v "$T/in" > "$T/out"
	assert_equal "$(wc -l < "$T/out")" 1000000
	assert_equal "$(head -n 2 "$T/out")" '{"k":"0000000","count":1,"v_sum":1}
{"k":"0007919","count":1,"v_sum":1}'
	assert_equal "$(sort -u "$T/out" | wc -l)" 1000000
}

# ---- bad input -------------------------------------------------------------------------------

@test "empty input: no output, status 0" {
	run mbrun mb-agg --by region --count --sum amount /dev/null
	assert_success
	assert_output ""
	assert_equal "$(stderr_of_mbrun)" ""
	run mbrun mb-agg --count < /dev/null
	assert_success
	assert_output ""
}

@test ".zst input" {
	run mbrun mb-agg --by region --count --sum amount orders.ndjson.zst
	assert_success
	assert_line --index 0 '{"region":"North","count":3,"amount_sum":1020.40}'
	assert_equal "${#lines[@]}" 4
}

@test "strings, booleans and 1e400 in --sum are counted, not summed; --strict stops" {
	printf '%s\n' '{"a":"x","v":1}' '{"a":"x","v":"12.50"}' '{"a":"y","v":true}' '{"a":"y","v":1e400}' \
	    '{"a":"y","v":null}' '{"a":"y"}' > "$T/in"
	run mbrun mb-agg --by a --sum v --avg v "$T/in"
	assert_success
	assert_output - <<'EOF'
{"a":"x","v_sum":1,"v_avg":1}
{"a":"y","v_sum":0,"v_avg":null}
EOF
	assert_equal "$(stderr_of_mbrun)" "mb-agg: 3 values of v were not numbers (the first: $T/in:2: \"12.50\")"
	run mbrun mb-agg --by a --sum v --strict "$T/in"
	assert_failure 1
	assert_equal "$(stderr_of_mbrun)" "mb-agg: $T/in:2: v: \"12.50\" is not a number"
}

@test "NaN and Infinity are not JSON: to --late as _raw records, or status 1" {
	printf '%s\n' '{"v":1}' '{"v":NaN}' '{"v":Infinity}' '{"v":2}' > "$T/in"
	run mbrun mb-agg --sum v --late "$T/late" "$T/in"
	assert_success
	assert_output '{"v_sum":3}'
	assert_equal "$(jq -c '[._raw, ._errors[0].rule, ._offset]' "$T/late")" '["{\"v\":NaN}","parse",2]
["{\"v\":Infinity}","parse",3]'
	run mbrun mb-agg --sum v "$T/in"
	assert_failure 1
	assert_equal "$(stderr_of_mbrun)" "mb-agg: $T/in:2: not a JSON object: column 6: unexpected 'N', expected a value (records set aside need --late FILE)"
}

@test "a key or aggregate field missing from every record is named in a warning" {
	run mbrun mb-agg --by regoin --sum amout orders.ndjson
	assert_success
	assert_output '{"regoin":null,"amout_sum":0}'
	assert_equal "$(stderr_of_mbrun)" 'mb-agg: field "regoin" (--by) is in no record
mb-agg: field "amout" (--sum) is in no record'
}

@test "a sum past 38 digits stops the run" {
	printf '%s\n' '{"v":99999999999999999999999999999999999999}' '{"v":1}' > "$T/in"
	run mbrun mb-agg --sum v "$T/in"
	assert_failure 1
	assert_equal "$(stderr_of_mbrun)" "mb-agg: $T/in:2: v_sum: the sum passes 38 digits"
}

@test "bad options: status 2 with the reason" {
	run mbrun mb-agg --by region --top 0 orders.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun | head -n 1)" "mb-agg: --top: '0' is not an integer from 1 to 9223372036854775807"
	run mbrun mb-agg --by region --bogus orders.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun | head -n 1)" "mb-agg: unrecognized option '--bogus'"
	run mbrun mb-agg --by 'region + 1' --count orders.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" 'mb-agg: --by "region + 1": "region + 1" is not a field; a computed key is NAME = EXPR'
	run mbrun mb-agg --by region --sum 'amount * 2' orders.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" "mb-agg: --sum \"amount * 2\": an expression needs a name: --sum 'NAME = EXPR'"
	run mbrun mb-agg --by region --sort 'nope desc' --count orders.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" 'mb-agg: --sort: no output field "nope" (there are: region, count)'
	run mbrun mb-agg --by region --count n --sum n=amount orders.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" 'mb-agg: --sum "n=amount": there is already an output field "n"'
	run mbrun mb-agg --quantile amount:1.5 orders.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" 'mb-agg: --quantile "amount:1.5": "1.5" is not a quantile between 0 and 1'
	run mbrun mb-agg --rate 'status == "x"' orders.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" 'mb-agg: --rate "status == "x"": expected NAME = EXPR'
	run mbrun mb-agg orders.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" 'mb-agg: nothing to compute: give --by and an aggregate such as --count or --sum FIELD'
	run mbrun mb-agg --by region --per region --count orders.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" 'mb-agg: --per needs --top N'
	run mbrun mb-agg --by region --count --emit update --partial orders.ndjson
	assert_failure 2
	run mbrun mb-agg --by region --count --emit sometimes orders.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun | head -n 1)" 'mb-agg: --emit sometimes: expected final, append or update'
}

@test "| head -n 1: status 0, nothing on stderr" {
	mb-gen -n 5000 > "$T/all"
	run bash -c "mb-agg --by order_id --count '$T/all' 2> '$T/err' | head -n 1; echo \${PIPESTATUS[0]}"
	assert_output '{"order_id":"ORD-000000000001","count":1}
0'
	assert_equal "$(cat "$T/err")" ""
}

@test "--help and --version" {
	run mb-agg --help
	assert_success
	assert_line --index 0 --regexp '^usage: mb-agg '
	run mb-agg --version
	assert_output --regexp '^mb-agg [0-9]+\.[0-9]+\.[0-9]+$'
}
