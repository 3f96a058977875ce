#!/usr/bin/env bats
# Whole pipelines: pipelines/retail.mk on a small seeded run (its gold
# tables against fixtures), what a rerun, a changed parameter and a failed
# run do; pipelines/online_retail.mk adding a day to its landing zone and
# resuming after a run that died; make demo twice, the real data's layers
# against the figures of its README.

load helper

setup() {
	P="$BATS_TEST_DIRNAME/../pipelines"
	BIN=${MB_BIN:-$BATS_TEST_DIRNAME/../build}
	L="$BATS_TEST_TMPDIR/lake"
	# a make that runs these tests must not hand its flags down
	unset MAKEFLAGS MFLAGS MAKELEVEL
	RETAIL_MK=(make -s --no-print-directory -f "$P/retail.mk" MB_BIN="$BIN"
	    LAKE="$L" ORDERS=1000 SEED=7 DIRTY=0.05)
	ONLINE_MK=(make -s --no-print-directory -f "$P/online_retail.mk"
	    MB_BIN="$BIN" LAKE="$L" LANDING="$BATS_TEST_TMPDIR/landing")
}

# versions LAKE: each dataset of LAKE and its newest version
versions() {
	local d
	for d in "$1"/*/*/; do
		printf '%s %s\n' "${d#"$1"/}" "$(mb-lake stats "$d" | sed -n 's/^version *//p')"
	done
}

records() {
	mb-lake stats "$1" | sed -n 's/^records *//p'
}

# fake_bin: $BATS_TEST_TMPDIR/bin holds the tools of $BIN, as links
fake_bin() {
	mkdir "$BATS_TEST_TMPDIR/bin"
	for t in "$BIN"/mb-*; do
		ln -s "$t" "$BATS_TEST_TMPDIR/bin/"
	done
}

@test "retail.mk: a seeded run's layers add up and its gold tables are exact" {
	run "${RETAIL_MK[@]}" -j2
	assert_success
	# every layer once; -j2 may interleave the gold tables, and the two
	# landing targets
	assert_line 'landing: mb-gen 1000 orders (seed 7, 0.05 dirty)'
	assert_equal "$(grep -c '^landing: ' <<< "$output")" 2
	assert_equal "$(grep -c '^gold: ' <<< "$output")" 7
	for l in 'landing: mb-gen products, stores, customers' \
	    "bronze: mb-ingest | mb-write $L/bronze/orders" \
	    "silver: mb-validate | mb-enrich | mb-write $L/silver/orders, $L/quarantine/orders" \
	    'gold: monthly_revenue' 'gold: daily_region' 'gold: category_store' \
	    'gold: top_products' 'gold: mb-rfm --partial (customers)' 'gold: rfm' \
	    'gold: rfm_segments' 'summary: mb-summarize --offline' \
	    "dashboard: mb-dash -o $L/dashboard.html"; do
		assert_line "$l"
	done
	assert_line --partial '  1000 lines, 997 records, 15 malformed, 3 blank, '
	# bronze holds every non-blank line; bronze = silver + quarantine
	assert_equal "$(records "$L/bronze/orders")" 997
	assert_equal "$(records "$L/silver/orders")" 945
	assert_equal "$(records "$L/quarantine/orders")" 52
	assert_equal "$(jq -c '[.records_in, .passed, .quarantined, .dropped]' "$L/reports/dq.json")" '[997,945,52,0]'
	run bash -c "mb-cat '$L/quarantine/orders' | jq -r '._errors[].rule' | sort | uniq -c"
	assert_output '      5 amount_matches
      5 not_future
     15 parse
     31 schema
      4 unique'
	# silver: date parts, the flag and both dimensions
	run bash -c "mb-cat '$L/silver/orders' | head -n 1 | jq -c 'del(._source, ._offset, ._ingested_at, ._hash)'"
	assert_output '{"order_id":"ORD-000000000001","customer_id":"C0000006","order_ts":"2025-01-01T11:02:48Z","region":"West","status":"completed","product_id":"P03655","category":"Clothing","store_id":"S004","quantity":1,"unit_price":82.99,"amount":82.99,"payment_method":"card","product_name":"Deluxe Serum 114","brand":"Hooli","store_name":"Exeter Store 4","city":"Exeter","order_year":2025,"order_month":1,"order_day":1,"order_dayofweek":4,"order_hour":11,"order_date":"2025-01-01","is_high_value_order":false}'
	assert_equal "$(ls "$L/silver/orders")" '_mb_log
order_year=2025'
	# gold, table by table, as the fixtures (which an independent Python
	# computation from the same silver agrees with: data/pipelines/README.md)
	for t in monthly_revenue daily_region category_store top_products rfm rfm_segments; do
		diff <(mb-cat "$L/gold/$t") "$DATA/pipelines/retail/$t.ndjson"
	done
	assert_equal "$(mb-cat "$L/gold/summaries" | jq -r '.source + " " + (.rejected | length | tostring)')" 'offline 0'
	grep -q '<title>Sales dashboard</title>' "$L/dashboard.html"
	grep -q '<title>passed: 945 (94.78%)</title>' "$L/dashboard.html"
	grep -q '<title>quarantined: 52 (5.22%)</title>' "$L/dashboard.html"
}

@test "retail.mk: a rerun does nothing; a changed parameter makes everything again" {
	"${RETAIL_MK[@]}" -j2 > /dev/null
	before=$(versions "$L")
	assert_equal "$(wc -l <<< "$before")" 10
	run "${RETAIL_MK[@]}" -q
	assert_success
	run "${RETAIL_MK[@]}"
	assert_success
	assert_output ''
	assert_equal "$(versions "$L")" "$before"
	# the same number of orders with another seed: from the landing zone on
	run "${RETAIL_MK[@]}" SEED=8
	assert_success
	assert_line --index 0 'landing: mb-gen 1000 orders (seed 8, 0.05 dirty)'
	assert_line "dashboard: mb-dash -o $L/dashboard.html"
	refute_line 'landing: mb-gen products, stores, customers'
	# every dataset has a new version (summaries are a history: 2 records)
	assert_equal "$(versions "$L" | grep -c ' 1$')" 10
	assert_equal "$(records "$L/gold/summaries")" 2
	run "${RETAIL_MK[@]}" SEED=8 -q
	assert_success
}

@test "retail.mk: a run that fails halfway commits nothing of the failed table; the next run makes only what is missing" {
	# mb-agg fails on the category_store table after printing one record
	fake_bin
	rm "$BATS_TEST_TMPDIR/bin/mb-agg"
	printf '%s\n' '#!/bin/sh' 'case "$*" in *category,store_id*)' \
	    "	echo '{\"category\":\"Toys\",\"store_id\":\"S001\",\"units\":1,\"revenue\":1.00}'" \
	    "	echo 'mb-agg: the disk is on fire' >&2; exit 1 ;;" 'esac' \
	    "exec '$BIN/mb-agg' \"\$@\"" > "$BATS_TEST_TMPDIR/bin/mb-agg"
	chmod +x "$BATS_TEST_TMPDIR/bin/mb-agg"
	run "${RETAIL_MK[@]}" MB_BIN="$BATS_TEST_TMPDIR/bin"
	assert_failure
	assert_line 'mb-agg: the disk is on fire'
	assert_line --partial 'not a JSON object'
	# no commit: the table has no version, and no stamp
	assert_equal "$(mb-lake stats "$L/gold/category_store" | head -n 2)" 'version     -1
records     0'
	[ ! -e "$L/_state/category_store" ]
	[ -e "$L/_state/silver" ]
	# the next run makes that table and what depends on it
	run "${RETAIL_MK[@]}"
	assert_success
	refute_line --partial 'landing:'
	refute_line --partial 'bronze:'
	refute_line --partial 'silver:'
	assert_line 'gold: category_store'
	assert_line 'summary: mb-summarize --offline'
	diff <(mb-cat "$L/gold/category_store") "$DATA/pipelines/retail/category_store.ndjson"
	assert_equal "$(mb-lake stats "$L/gold/category_store" | sed -n 's/^version *//p')" 0
}

@test "retail.mk: MAX_INVALID, a data-quality gate: more quarantined than that, and silver is not committed" {
	run "${RETAIL_MK[@]}" MAX_INVALID=0.05 gold
	assert_failure
	assert_line 'mb-validate: 52 of 997 records quarantined, more than --max-invalid 0.05'
	assert_equal "$(mb-lake stats "$L/silver/orders" | head -n 2)" 'version     -1
records     0'
	[ ! -e "$L/_state/silver" ] && [ ! -e "$L/gold" ]
	# 5.22% is under 6%
	run "${RETAIL_MK[@]}" MAX_INVALID=0.06 gold
	assert_success
	assert_equal "$(records "$L/silver/orders")" 945
}

@test "online_retail.mk: a new day is read alone and replaces its month only; a rerun does nothing" {
	mkdir "$BATS_TEST_TMPDIR/landing"
	cp "$RETAIL"/2010-12-0[12].csv.zst "$RETAIL"/2011-01-04.csv.zst "$BATS_TEST_TMPDIR/landing/"
	run "${ONLINE_MK[@]}" -j2
	assert_success
	assert_line --partial ' 6401 records, 0 malformed, 0 blank'
	assert_line '  months: 2010-12 2011-01 '
	# the figures of the data, counted independently (README.md)
	assert_equal "$(records "$L/bronze/online_retail")" 6401
	assert_equal "$(records "$L/silver/online_retail")" 6281
	assert_equal "$(records "$L/quarantine/online_retail")" 120
	run "${ONLINE_MK[@]}" -q
	assert_success
	cp "$RETAIL/2011-01-05.csv.zst" "$BATS_TEST_TMPDIR/landing/"
	run "${ONLINE_MK[@]}"
	assert_success
	assert_line --partial ' 1743 records, 0 malformed'
	assert_line '  months: 2011-01 '
	assert_equal "$(records "$L/bronze/online_retail")" 8144
	assert_equal "$(records "$L/silver/online_retail")" 8018
	assert_equal "$(records "$L/quarantine/online_retail")" 126
	# silver's new commit replaced January's file; December's stayed
	run bash -c "mb-lake log '$L/silver/online_retail' | awk 'NR > 1 { print \$1, \$3, \$4, \$5, \$6, \$7, \$8 }'"
	assert_output '0 REPLACE PARTITIONS 2 0 6281 0
1 REPLACE PARTITIONS 1 1 2898 1161'
	run "${ONLINE_MK[@]}"
	assert_success
	assert_output ''
}

@test "online_retail.mk: a run that died before its bronze commit, or after it, is resumed without a line lost or read twice" {
	mkdir "$BATS_TEST_TMPDIR/landing"
	cp "$RETAIL"/2010-12-0[12].csv.zst "$RETAIL"/2011-01-04.csv.zst "$BATS_TEST_TMPDIR/landing/"
	"${ONLINE_MK[@]}" > /dev/null
	cp "$RETAIL/2011-01-05.csv.zst" "$BATS_TEST_TMPDIR/landing/"
	# mb-ingest dies after 100 of its lines: mb-write commits nothing
	fake_bin
	rm "$BATS_TEST_TMPDIR/bin/mb-ingest"
	printf '%s\n' '#!/bin/bash' "'$BIN/mb-ingest' \"\$@\" | head -n 100" \
	    'echo "mb-ingest: killed" >&2; exit 1' > "$BATS_TEST_TMPDIR/bin/mb-ingest"
	chmod +x "$BATS_TEST_TMPDIR/bin/mb-ingest"
	run "${ONLINE_MK[@]}" MB_BIN="$BATS_TEST_TMPDIR/bin"
	assert_failure
	assert_line 'mb-ingest: killed'
	assert_equal "$(records "$L/bronze/online_retail")" 6401
	# this time the run dies after the commit, before the checkpoint moves
	rm "$BATS_TEST_TMPDIR/bin/mb-ingest"
	ln -s "$BIN/mb-ingest" "$BATS_TEST_TMPDIR/bin/"
	printf '%s\n' '#!/bin/sh' 'case "$1" in *ingest.ckpt.new) echo "mv: the power went out" >&2; exit 1 ;; esac' \
	    'exec /bin/mv "$@"' > "$BATS_TEST_TMPDIR/bin/mv"
	chmod +x "$BATS_TEST_TMPDIR/bin/mv"
	run "${ONLINE_MK[@]}" MB_BIN="$BATS_TEST_TMPDIR/bin"
	assert_failure
	assert_line 'mv: the power went out'
	assert_equal "$(records "$L/bronze/online_retail")" 8144
	# the next run keeps the committed day's checkpoint: no line twice
	run "${ONLINE_MK[@]}"
	assert_success
	assert_line --partial '  0 lines, 0 records, 0 malformed'
	assert_line '  months: 2011-01 '
	assert_equal "$(records "$L/bronze/online_retail")" 8144
	assert_equal "$(records "$L/silver/online_retail")" 8018
	assert_equal "$(records "$L/quarantine/online_retail")" 126
	run "${ONLINE_MK[@]}" -q
	assert_success
}

@test "make demo, twice: the real data's layers have the figures of its README, and the second run rebuilds nothing" {
	D="$BATS_TEST_TMPDIR/demo"
	run env DEMO_OUT="$D" N=20000 B="$BIN" sh "$P/demo.sh"
	assert_success
	assert_line '   bronze 19962 = silver 19559 + quarantined 403 + dropped 0'
	# Online Retail: 541,909 lines in = silver + quarantine, and each kind
	# of dirt of pipelines/data/uci-online-retail/README.md in quarantine
	assert_line '   bronze 541909 = silver 534128 + quarantined 7781'
	assert_line '        5268 unique'
	assert_line '        1336 not_write_off'
	assert_line '        1179 positive_price'
	assert_line '           3 not_bad_debt'
	assert_line '     534128           9251            132564          2956'
	assert_line '     months: 2011-12 '
	# the top products by net revenue: the 80,995 units of 23843, sold and
	# cancelled, are not among them
	refute_line --partial '23843'
	assert_line '        1  revenue  22423       REGENCY CAKESTAND 3 TIER            12996  164459.49'
	assert_line '        1  units    22197       POPCORN HOLDER                      56427   50967.92'
	run mb-cat "$D/online-retail/gold/rfm_segments"
	assert_output - <<'OUT'
{"segment":"Champions","customers":644,"customer_share_pct":14.73,"revenue_share_pct":51.56,"avg_recency_days":4.4,"avg_frequency":14.7,"avg_monetary_value":6627.64}
{"segment":"Loyal Customers","customers":805,"customer_share_pct":18.42,"revenue_share_pct":26.37,"avg_recency_days":30.7,"avg_frequency":8.1,"avg_monetary_value":2711.55}
{"segment":"Potential Loyalists","customers":481,"customer_share_pct":11.00,"revenue_share_pct":3.90,"avg_recency_days":14.8,"avg_frequency":2.2,"avg_monetary_value":671.74}
{"segment":"New Customers","customers":41,"customer_share_pct":0.94,"revenue_share_pct":0.18,"avg_recency_days":5.6,"avg_frequency":1.0,"avg_monetary_value":372.92}
{"segment":"Promising","customers":96,"customer_share_pct":2.20,"revenue_share_pct":0.35,"avg_recency_days":21.4,"avg_frequency":1.0,"avg_monetary_value":303.83}
{"segment":"Need Attention","customers":188,"customer_share_pct":4.30,"revenue_share_pct":1.81,"avg_recency_days":47.0,"avg_frequency":2.6,"avg_monetary_value":794.84}
{"segment":"About to Sleep","customers":368,"customer_share_pct":8.42,"revenue_share_pct":1.95,"avg_recency_days":50.8,"avg_frequency":1.3,"avg_monetary_value":437.67}
{"segment":"At Risk","customers":617,"customer_share_pct":14.12,"revenue_share_pct":7.05,"avg_recency_days":155.1,"avg_frequency":3.3,"avg_monetary_value":945.93}
{"segment":"Can't Lose Them","customers":71,"customer_share_pct":1.62,"revenue_share_pct":2.03,"avg_recency_days":129.9,"avg_frequency":9.7,"avg_monetary_value":2367.51}
{"segment":"Hibernating","customers":1060,"customer_share_pct":24.25,"revenue_share_pct":4.80,"avg_recency_days":215.7,"avg_frequency":1.2,"avg_monetary_value":375.22}
OUT
	run mb-cat "$D/online-retail/gold/cancellation_rate"
	assert_line --index 0 '{"year":2010,"month":12,"invoices":1885,"cancelled_invoices":326,"cancellation_rate_pct":17.29}'
	assert_line --index 12 '{"year":2011,"month":12,"invoices":965,"cancelled_invoices":146,"cancellation_rate_pct":15.13}'
	# the United Kingdom's net revenue of March 2011, exactly (as
	# Python's decimal sums the lines that are not quarantined; four lines
	# of the year cost 0.001, so sums of amounts have three decimals)
	run bash -c "mb-cat '$D/online-retail/gold/monthly_net_revenue_by_country' | grep '\"year\":2011,\"month\":3,\"country\":\"United Kingdom\"'"
	assert_output '{"year":2011,"month":3,"country":"United Kingdom","sales":584810.780,"cancellations":26351.89,"net_revenue":558458.890}'
	[ -s "$D/dashboard.html" ] && [ -s "$D/online-retail.html" ]
	before=$(versions "$D/lake"; versions "$D/online-retail")
	run env DEMO_OUT="$D" N=20000 B="$BIN" sh "$P/demo.sh"
	assert_success
	assert_equal "$(grep -c '^   up to date: nothing to rebuild$' <<< "$output")" 2
	refute_line --partial 'gold: '
	assert_equal "$(versions "$D/lake"; versions "$D/online-retail")" "$before"
}

@test "make demo fails when a pipeline fails" {
	fake_bin
	rm "$BATS_TEST_TMPDIR/bin/mb-rfm"
	printf '%s\n' '#!/bin/sh' 'echo "mb-rfm: out of luck" >&2; exit 1' > "$BATS_TEST_TMPDIR/bin/mb-rfm"
	chmod +x "$BATS_TEST_TMPDIR/bin/mb-rfm"
	run env DEMO_OUT="$BATS_TEST_TMPDIR/demo" N=500 B="$BATS_TEST_TMPDIR/bin" sh "$P/demo.sh"
	assert_failure 1
	assert_line '   mb-rfm: out of luck'
	assert_line 'demo: make failed'
	refute_line --partial '== 2.'
}
