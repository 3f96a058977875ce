#!/usr/bin/env bats
# mb-rfm: recency, frequency and monetary scores, segments, partial/merge.
#
# The expected records below were worked out by hand from the rule in
# mb-rfm(1) (ranks cut at 1 + (n - 1) k / 5); qcut_check.py checks the
# same rule against pandas' arithmetic over many sizes.

load helper

setup() {
	cd "$DATA/rfm"
}

F=(--customer customer_id --time order_ts --amount amount --order order_id)

@test "one record per customer, sorted, scored and named; null ids counted on stderr" {
	run mbrun mb-rfm "${F[@]}" orders.ndjson
	assert_success
	assert_output - <<'EOF'
{"customer_id":"C01","recency_days":0,"frequency":2,"monetary_value":35.50,"r_score":5,"f_score":3,"m_score":3,"rfm_score":"533","segment":"Potential Loyalists"}
{"customer_id":"C02","recency_days":31,"frequency":1,"monetary_value":100.00,"r_score":1,"f_score":1,"m_score":5,"rfm_score":"115","segment":"Hibernating"}
{"customer_id":"C03","recency_days":1,"frequency":3,"monetary_value":21.75,"r_score":4,"f_score":5,"m_score":2,"rfm_score":"452","segment":"Loyal Customers"}
{"customer_id":"C04","recency_days":91,"frequency":1,"monetary_value":200.00,"r_score":1,"f_score":1,"m_score":5,"rfm_score":"115","segment":"Hibernating"}
{"customer_id":"C05","recency_days":0,"frequency":2,"monetary_value":0.30,"r_score":5,"f_score":4,"m_score":1,"rfm_score":"541","segment":"Champions"}
{"customer_id":"C06","recency_days":21,"frequency":2,"monetary_value":-20.00,"r_score":2,"f_score":5,"m_score":1,"rfm_score":"251","segment":"Can't Lose Them"}
{"customer_id":"C08","recency_days":16,"frequency":1,"monetary_value":45.00,"r_score":3,"f_score":2,"m_score":4,"rfm_score":"324","segment":"About to Sleep"}
EOF
	assert_equal "$(stderr_of_mbrun)" "mb-rfm: 1 line without a customer id left out"
}

@test "the binning rule against pandas' arithmetic, 2 to 9 bins, 1 to 126 customers" {
	printf '%s\n' '{"name":"any","pattern":"."}' > "$BATS_TEST_TMPDIR/any.ndjson"
	run python3 qcut_check.py mb-rfm -c c -t t -a a --segments "$BATS_TEST_TMPDIR/any.ndjson"
	assert_success
	assert_output "ok 552 cases"
}

@test "without --order, frequency counts lines; --where picks lines" {
	run mbrun mb-rfm -c customer_id -t order_ts -a amount --where 'amount > 0' orders.ndjson
	assert_success
	assert_output - <<'EOF'
{"customer_id":"C01","recency_days":0,"frequency":3,"monetary_value":35.50,"r_score":5,"f_score":5,"m_score":2,"rfm_score":"552","segment":"Champions"}
{"customer_id":"C02","recency_days":31,"frequency":1,"monetary_value":100.00,"r_score":2,"f_score":1,"m_score":5,"rfm_score":"215","segment":"Hibernating"}
{"customer_id":"C03","recency_days":1,"frequency":3,"monetary_value":21.75,"r_score":4,"f_score":5,"m_score":1,"rfm_score":"451","segment":"Loyal Customers"}
{"customer_id":"C04","recency_days":91,"frequency":1,"monetary_value":250.00,"r_score":1,"f_score":1,"m_score":5,"rfm_score":"115","segment":"Hibernating"}
{"customer_id":"C05","recency_days":0,"frequency":2,"monetary_value":0.30,"r_score":5,"f_score":4,"m_score":1,"rfm_score":"541","segment":"Champions"}
{"customer_id":"C06","recency_days":107,"frequency":1,"monetary_value":60.00,"r_score":1,"f_score":2,"m_score":4,"rfm_score":"124","segment":"Hibernating"}
{"customer_id":"C08","recency_days":16,"frequency":1,"monetary_value":45.00,"r_score":3,"f_score":3,"m_score":3,"rfm_score":"333","segment":"Need Attention"}
EOF
}

@test "--summary: one record per segment, shares and averages" {
	run mbrun mb-rfm "${F[@]}" --summary orders.ndjson
	assert_success
	assert_output - <<'EOF'
{"segment":"Champions","customers":1,"customer_share_pct":14.29,"revenue_share_pct":0.08,"avg_recency_days":0.0,"avg_frequency":2.0,"avg_monetary_value":0.30}
{"segment":"Loyal Customers","customers":1,"customer_share_pct":14.29,"revenue_share_pct":5.69,"avg_recency_days":1.0,"avg_frequency":3.0,"avg_monetary_value":21.75}
{"segment":"Potential Loyalists","customers":1,"customer_share_pct":14.29,"revenue_share_pct":9.28,"avg_recency_days":0.0,"avg_frequency":2.0,"avg_monetary_value":35.50}
{"segment":"About to Sleep","customers":1,"customer_share_pct":14.29,"revenue_share_pct":11.76,"avg_recency_days":16.0,"avg_frequency":1.0,"avg_monetary_value":45.00}
{"segment":"Can't Lose Them","customers":1,"customer_share_pct":14.29,"revenue_share_pct":-5.23,"avg_recency_days":21.0,"avg_frequency":2.0,"avg_monetary_value":-20.00}
{"segment":"Hibernating","customers":2,"customer_share_pct":28.57,"revenue_share_pct":78.42,"avg_recency_days":61.0,"avg_frequency":1.0,"avg_monetary_value":150.00}
EOF
}

@test "--as-of sets the day recency counts to; before the data it is status 2" {
	run mbrun mb-rfm "${F[@]}" --as-of 2025-08-10T17:59:59Z orders.ndjson
	assert_success
	assert_line --index 0 '{"customer_id":"C01","recency_days":9,"frequency":2,"monetary_value":35.50,"r_score":5,"f_score":3,"m_score":3,"rfm_score":"533","segment":"Potential Loyalists"}'
	assert_line --index 3 --partial '"customer_id":"C04","recency_days":101,'
	run mbrun mb-rfm "${F[@]}" --as-of 2025-07-31 orders.ndjson
	assert_failure 2
	assert_output ""
	assert_equal "$(stderr_of_mbrun | tail -n 1)" "mb-rfm: --as-of 2025-07-31: before the latest time in the input, 2025-07-31T18:00:00.000Z"
	run mbrun mb-rfm "${F[@]}" --as-of yesterday orders.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun | head -n 1)" 'mb-rfm: --as-of "yesterday": not a time'
}

@test "empty input: no output, status 0, with --summary, --partial and --merge too" {
	for opt in --summary --partial --merge; do
		run mbrun mb-rfm "${F[@]}" $opt /dev/null
		assert_success
		assert_output ""
		assert_equal "$(stderr_of_mbrun)" ""
	done
}

@test "a single customer: rank 1 is in the first bin, so R 5, F 1, M 1" {
	printf '%s\n' '{"c":"X","t":"2025-01-01T00:00:00Z","a":9.99}' > "$BATS_TEST_TMPDIR/in"
	run mbrun mb-rfm -c c -t t -a a "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output '{"c":"X","recency_days":0,"frequency":1,"monetary_value":9.99,"r_score":5,"f_score":1,"m_score":1,"rfm_score":"511","segment":"New Customers"}'
}

@test "fewer customers than bins: ranks 1, 2, 3 of 3 score 1, 3, 5" {
	printf '%s\n' '{"c":"F1","t":"2025-01-01","a":1}' '{"c":"F3","t":"2025-01-01","a":3}' \
	    '{"c":"F2","t":"2025-01-01","a":2}' > "$BATS_TEST_TMPDIR/in"
	run mbrun mb-rfm -c c -t t -a a "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output - <<'EOF'
{"c":"F1","recency_days":0,"frequency":1,"monetary_value":1,"r_score":5,"f_score":1,"m_score":1,"rfm_score":"511","segment":"New Customers"}
{"c":"F2","recency_days":0,"frequency":1,"monetary_value":2,"r_score":3,"f_score":3,"m_score":3,"rfm_score":"333","segment":"Need Attention"}
{"c":"F3","recency_days":0,"frequency":1,"monetary_value":3,"r_score":1,"f_score":5,"m_score":5,"rfm_score":"155","segment":"Can't Lose Them"}
EOF
}

@test "equal values everywhere: ties go by customer id, as rank(method=first)" {
	for c in E3 E1 E5 E2 E4; do
		printf '{"c":"%s","t":"2025-03-01T10:00:00Z","a":10.00}\n' "$c"
	done > "$BATS_TEST_TMPDIR/in"
	run mbrun mb-rfm -c c -t t -a a "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output - <<'EOF'
{"c":"E1","recency_days":0,"frequency":1,"monetary_value":10.00,"r_score":5,"f_score":1,"m_score":1,"rfm_score":"511","segment":"New Customers"}
{"c":"E2","recency_days":0,"frequency":1,"monetary_value":10.00,"r_score":4,"f_score":2,"m_score":2,"rfm_score":"422","segment":"Potential Loyalists"}
{"c":"E3","recency_days":0,"frequency":1,"monetary_value":10.00,"r_score":3,"f_score":3,"m_score":3,"rfm_score":"333","segment":"Need Attention"}
{"c":"E4","recency_days":0,"frequency":1,"monetary_value":10.00,"r_score":2,"f_score":4,"m_score":4,"rfm_score":"244","segment":"At Risk"}
{"c":"E5","recency_days":0,"frequency":1,"monetary_value":10.00,"r_score":1,"f_score":5,"m_score":5,"rfm_score":"155","segment":"Can't Lose Them"}
EOF
}

@test "negative monetary values (net refunds) are exact and rank lowest" {
	printf '%s\n' '{"c":"N1","t":"2025-01-02","a":50.00}' '{"c":"N1","t":"2025-01-03","a":-80.005}' \
	    '{"c":"N2","t":"2025-01-03","a":0.1}' '{"c":"N2","t":"2025-01-03","a":0.2}' > "$BATS_TEST_TMPDIR/in"
	run mbrun mb-rfm -c c -t t -a a "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output - <<'EOF'
{"c":"N1","recency_days":0,"frequency":2,"monetary_value":-30.005,"r_score":5,"f_score":1,"m_score":1,"rfm_score":"511","segment":"New Customers"}
{"c":"N2","recency_days":0,"frequency":2,"monetary_value":0.3,"r_score":1,"f_score":5,"m_score":5,"rfm_score":"155","segment":"Can't Lose Them"}
EOF
	run mbrun mb-rfm -c c -t t -a a --summary "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output - <<'EOF'
{"segment":"New Customers","customers":1,"customer_share_pct":50.00,"revenue_share_pct":101.01,"avg_recency_days":0.0,"avg_frequency":2.0,"avg_monetary_value":-30.01}
{"segment":"Can't Lose Them","customers":1,"customer_share_pct":50.00,"revenue_share_pct":-1.01,"avg_recency_days":0.0,"avg_frequency":2.0,"avg_monetary_value":0.30}
EOF
}

@test "times in mixed formats and offsets: RFC 3339 with offsets, space, date, epoch s and ms" {
	cat > "$BATS_TEST_TMPDIR/in" <<'EOF'
{"c":"A","t":"2025-07-04T12:00:00+02:00","a":1}
{"c":"B","t":"2025-07-01","a":2.5}
{"c":"A","t":1751630400,"a":1}
{"c":"C","t":1751677200000,"a":3}
{"c":"B","t":"2025-07-02 23:30:00","a":2.50}
{"c":"D","t":"2025-07-09T23:59:59.999Z","a":1}
{"c":"D","t":"2025-07-10T00:30:00-05:00","a":0.5}
EOF
	run mbrun mb-rfm -c c -t t -a a "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output - <<'EOF'
{"c":"A","recency_days":5,"frequency":2,"monetary_value":2,"r_score":4,"f_score":2,"m_score":2,"rfm_score":"422","segment":"Potential Loyalists"}
{"c":"B","recency_days":7,"frequency":2,"monetary_value":5.00,"r_score":1,"f_score":4,"m_score":5,"rfm_score":"145","segment":"At Risk"}
{"c":"C","recency_days":5,"frequency":1,"monetary_value":3,"r_score":2,"f_score":1,"m_score":4,"rfm_score":"214","segment":"Hibernating"}
{"c":"D","recency_days":0,"frequency":2,"monetary_value":1.5,"r_score":5,"f_score":5,"m_score":1,"rfm_score":"551","segment":"Champions"}
EOF
}

@test "a number id is the same customer as a string with its text; empty id counts as null" {
	printf '%s\n' '{"c":17850,"t":"2025-01-01","a":1,"o":536365}' '{"c":"17850","t":"2025-01-02","a":2,"o":"536365"}' \
	    '{"c":"","t":"2025-01-02","a":2}' '{"t":"2025-01-02","a":2}' > "$BATS_TEST_TMPDIR/in"
	run mbrun mb-rfm -c c -t t -a a -o o "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output '{"c":"17850","recency_days":0,"frequency":1,"monetary_value":3,"r_score":5,"f_score":1,"m_score":1,"rfm_score":"511","segment":"New Customers"}'
	assert_equal "$(stderr_of_mbrun)" "mb-rfm: 2 lines without a customer id left out"
}

@test "bad lines stop with file:line and status 1: not JSON, bad time, bad amount, bad id, no order" {
	printf '%s\n' '{"c":"A","t":"2025-01-01","a":1}' '{"c":"A",' > "$BATS_TEST_TMPDIR/in"
	run mbrun mb-rfm -c c -t t -a a "$BATS_TEST_TMPDIR/in"
	assert_failure 1
	assert_output ""
	assert_equal "$(stderr_of_mbrun)" "mb-rfm: $BATS_TEST_TMPDIR/in:2: not a JSON object: column 10: unexpected end of line, expected a key in double quotes"
	printf '%s\n' '{"c":"A","t":"yesterday","a":1}' > "$BATS_TEST_TMPDIR/in"
	run mbrun mb-rfm -c c -t t -a a "$BATS_TEST_TMPDIR/in"
	assert_failure 1
	assert_equal "$(stderr_of_mbrun)" "mb-rfm: $BATS_TEST_TMPDIR/in:1: field \"t\": not a time: yesterday"
	printf '%s\n' '{"c":"A","t":"2025-01-01","a":"12.50"}' > "$BATS_TEST_TMPDIR/in"
	run mbrun mb-rfm -c c -t t -a a "$BATS_TEST_TMPDIR/in"
	assert_failure 1
	assert_equal "$(stderr_of_mbrun)" "mb-rfm: $BATS_TEST_TMPDIR/in:1: field \"a\": not a number"
	printf '%s\n' '{"c":"A","t":"2025-01-01","a":null}' > "$BATS_TEST_TMPDIR/in"
	run mbrun mb-rfm -c c -t t -a a "$BATS_TEST_TMPDIR/in"
	assert_failure 1
	assert_equal "$(stderr_of_mbrun)" "mb-rfm: $BATS_TEST_TMPDIR/in:1: field \"a\": null"
	printf '%s\n' '{"c":true,"t":"2025-01-01","a":1}' > "$BATS_TEST_TMPDIR/in"
	run mbrun mb-rfm -c c -t t -a a "$BATS_TEST_TMPDIR/in"
	assert_failure 1
	assert_equal "$(stderr_of_mbrun)" "mb-rfm: $BATS_TEST_TMPDIR/in:1: field \"c\": a boolean, not a string or number"
	printf '%s\n' '{"c":"A","t":"2025-01-01","a":1}' > "$BATS_TEST_TMPDIR/in"
	run mbrun mb-rfm -c c -t t -a a -o o "$BATS_TEST_TMPDIR/in"
	assert_failure 1
	assert_equal "$(stderr_of_mbrun)" "mb-rfm: $BATS_TEST_TMPDIR/in:1: field \"o\": missing"
}

@test "--partial: one self-contained state line per customer, the key before a tab" {
	run mbrun mb-rfm "${F[@]}" --partial orders.ndjson
	assert_success
	assert_output "$(tr '|' '\t' <<'EOF'
{"k":null,|"mb_rfm":1,"f":"7a5791ac7b462066","null_customers":1}
{"k":"C01",|"mb_rfm":1,"f":"7a5791ac7b462066","last_ms":1753984800000,"lines":3,"monetary":35.50,"orders":["O1","O2"]}
{"k":"C02",|"mb_rfm":1,"f":"7a5791ac7b462066","last_ms":1751274000000,"lines":1,"monetary":100.00,"orders":["O3"]}
{"k":"C03",|"mb_rfm":1,"f":"7a5791ac7b462066","last_ms":1753876800000,"lines":3,"monetary":21.75,"orders":["O4","O5","O6"]}
{"k":"C04",|"mb_rfm":1,"f":"7a5791ac7b462066","last_ms":1746057600000,"lines":2,"monetary":200.00,"orders":["O7"]}
{"k":"C05",|"mb_rfm":1,"f":"7a5791ac7b462066","last_ms":1753945200000,"lines":2,"monetary":0.30,"orders":["O8","O9"]}
{"k":"C06",|"mb_rfm":1,"f":"7a5791ac7b462066","last_ms":1752134400000,"lines":2,"monetary":-20.00,"orders":["O10","O11"]}
{"k":"C08",|"mb_rfm":1,"f":"7a5791ac7b462066","last_ms":1752537600000,"lines":1,"monetary":45.00,"orders":["O12"]}
EOF
)"
	assert_equal "$(stderr_of_mbrun)" ""
}

@test "--partial through GNU parallel, then --merge: byte for byte the one-pass output" {
	mb-rfm "${F[@]}" orders.ndjson > "$BATS_TEST_TMPDIR/one" 2>/dev/null
	mb-rfm "${F[@]}" --summary orders.ndjson > "$BATS_TEST_TMPDIR/one.sum" 2>/dev/null
	# a shard per line: the lines of orders O1 and O7 land in different shards
	parallel --will-cite --pipe -N 1 -j 2 mb-rfm "${F[@]}" --partial < orders.ndjson > "$BATS_TEST_TMPDIR/states"
	assert_equal "$(grep -c '"k":"C01"' "$BATS_TEST_TMPDIR/states")" 3
	run mbrun mb-rfm --merge "${F[@]}" "$BATS_TEST_TMPDIR/states"
	assert_success
	assert_output "$(cat "$BATS_TEST_TMPDIR/one")"
	assert_equal "$(stderr_of_mbrun)" "mb-rfm: 1 line without a customer id left out"
	run mbrun mb-rfm --merge --summary "${F[@]}" "$BATS_TEST_TMPDIR/states"
	assert_success
	assert_output "$(cat "$BATS_TEST_TMPDIR/one.sum")"
	# in any order (Hadoop sorts by key), and through a combiner
	run bash -c "sort -r '$BATS_TEST_TMPDIR/states' | mb-rfm ${F[*]} --merge --partial | mb-rfm ${F[*]} --merge 2>/dev/null"
	assert_success
	assert_output "$(cat "$BATS_TEST_TMPDIR/one")"
}

@test "--merge: states made with other options, another format, or not states are status 2" {
	mb-rfm "${F[@]}" --partial orders.ndjson > "$BATS_TEST_TMPDIR/a" 2>/dev/null
	mb-rfm -c customer_id -t order_ts -a amount --partial orders.ndjson > "$BATS_TEST_TMPDIR/b" 2>/dev/null
	run mbrun mb-rfm --merge "${F[@]}" "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	assert_failure 2
	assert_output ""
	assert_equal "$(stderr_of_mbrun)" "mb-rfm: $BATS_TEST_TMPDIR/b:1: partial state made with other options (fingerprint 80c5af5263cd7996, these options make 7a5791ac7b462066): --merge needs the --customer, --time, --amount and --order options of the --partial run"
	sed 's/"mb_rfm":1/"mb_rfm":7/' "$BATS_TEST_TMPDIR/a" > "$BATS_TEST_TMPDIR/c"
	run mbrun mb-rfm --merge "${F[@]}" "$BATS_TEST_TMPDIR/c"
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" "mb-rfm: $BATS_TEST_TMPDIR/c:1: partial state format 7; this mb-rfm reads format 1"
	run mbrun mb-rfm --merge "${F[@]}" orders.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" "mb-rfm: orders.ndjson:1: not a partial state of mb-rfm (no \"mb_rfm\" field)"
	head -c 60 "$BATS_TEST_TMPDIR/a" > "$BATS_TEST_TMPDIR/d"
	run mbrun mb-rfm --merge "${F[@]}" "$BATS_TEST_TMPDIR/d"
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" "mb-rfm: $BATS_TEST_TMPDIR/d:1: column 61: unterminated string"
	sed 's/"lines":3/"lines":0/' "$BATS_TEST_TMPDIR/a" > "$BATS_TEST_TMPDIR/e"
	run mbrun mb-rfm --merge "${F[@]}" "$BATS_TEST_TMPDIR/e"
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" "mb-rfm: $BATS_TEST_TMPDIR/e:2: \"lines\": not a count"
	run mbrun mb-rfm "${F[@]}" --partial --summary orders.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun | head -n 1)" "mb-rfm: --partial prints state, not scores: give --as-of, --bins, --segments and --summary to --merge"
}

@test "--segments replaces the map; the first match wins; \"on\": \"rfm\" sees M too" {
	cat > "$BATS_TEST_TMPDIR/segs" <<'EOF'
{"name":"Big spenders","pattern":"^..5$","on":"rfm"}

{"name":"Recent","pattern":"^[45]"}
{"name":"Lapsed","pattern":"^[1-3]"}
EOF
	run mbrun mb-rfm "${F[@]}" --segments "$BATS_TEST_TMPDIR/segs" --summary orders.ndjson
	assert_success
	assert_output - <<'EOF'
{"segment":"Big spenders","customers":2,"customer_share_pct":28.57,"revenue_share_pct":78.42,"avg_recency_days":61.0,"avg_frequency":1.0,"avg_monetary_value":150.00}
{"segment":"Recent","customers":3,"customer_share_pct":42.86,"revenue_share_pct":15.04,"avg_recency_days":0.3,"avg_frequency":2.3,"avg_monetary_value":19.18}
{"segment":"Lapsed","customers":2,"customer_share_pct":28.57,"revenue_share_pct":6.54,"avg_recency_days":18.5,"avg_frequency":1.5,"avg_monetary_value":12.50}
EOF
}

@test "--segments that leave a score unmapped, or are malformed, are status 2" {
	printf '%s\n' '{"name":"Top","pattern":"^5"}' > "$BATS_TEST_TMPDIR/segs"
	run mbrun mb-rfm "${F[@]}" --segments "$BATS_TEST_TMPDIR/segs" orders.ndjson
	assert_failure 2
	assert_output ""
	assert_equal "$(stderr_of_mbrun)" "mb-rfm: $BATS_TEST_TMPDIR/segs: scores R 1, F 1, M 1 (rfm_score \"111\") match no segment"
	printf '%s\n' '{"name":"Top","pattern":"^5"}' '{"name":"Rest"}' > "$BATS_TEST_TMPDIR/segs"
	run mbrun mb-rfm "${F[@]}" --segments "$BATS_TEST_TMPDIR/segs" orders.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" "mb-rfm: $BATS_TEST_TMPDIR/segs:2: expected {\"name\": \"...\", \"pattern\": \"...\"}"
	printf '%s\n' '{"name":"Top","pattern":"^5","on":"fm"}' > "$BATS_TEST_TMPDIR/segs"
	run mbrun mb-rfm "${F[@]}" --segments "$BATS_TEST_TMPDIR/segs" orders.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" "mb-rfm: $BATS_TEST_TMPDIR/segs:1: \"on\": expected \"rf\" or \"rfm\""
	printf '%s\n' '{"name":"Top","pattern":"(5"}' > "$BATS_TEST_TMPDIR/segs"
	run mbrun mb-rfm "${F[@]}" --segments "$BATS_TEST_TMPDIR/segs" orders.ndjson
	assert_failure 2
	[[ "$(stderr_of_mbrun)" == "mb-rfm: $BATS_TEST_TMPDIR/segs:1: pattern \"(5\": "* ]]
	: > "$BATS_TEST_TMPDIR/segs"
	run mbrun mb-rfm "${F[@]}" --segments "$BATS_TEST_TMPDIR/segs" orders.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" "mb-rfm: $BATS_TEST_TMPDIR/segs: no segments"
	run mbrun mb-rfm "${F[@]}" --segments "$BATS_TEST_TMPDIR/nosuch" orders.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" "mb-rfm: $BATS_TEST_TMPDIR/nosuch: No such file or directory"
}

@test "--bins: 3 bins work with the standard map; 7 bins need --segments" {
	run mbrun mb-rfm "${F[@]}" --bins 3 orders.ndjson
	assert_success
	assert_line --index 0 '{"customer_id":"C01","recency_days":0,"frequency":2,"monetary_value":35.50,"r_score":3,"f_score":2,"m_score":2,"rfm_score":"322","segment":"About to Sleep"}'
	run mbrun mb-rfm "${F[@]}" --bins 7 orders.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" "mb-rfm: --bins 7: the default segment map is for 5 bins: scores R 1, F 6, M 1 (rfm_score \"161\") match no segment; give --segments"
	run mbrun mb-rfm "${F[@]}" --bins 10 orders.ndjson
	assert_failure 2
}

@test ".zst input, several files" {
	zstd -q -c orders.ndjson > "$BATS_TEST_TMPDIR/o.zst"
	head -n 7 orders.ndjson > "$BATS_TEST_TMPDIR/a"
	tail -n +8 orders.ndjson | zstd -q -c > "$BATS_TEST_TMPDIR/b.zst"
	mb-rfm "${F[@]}" orders.ndjson > "$BATS_TEST_TMPDIR/want" 2>/dev/null
	run mbrun mb-rfm "${F[@]}" "$BATS_TEST_TMPDIR/o.zst"
	assert_success
	assert_output "$(cat "$BATS_TEST_TMPDIR/want")"
	run mbrun mb-rfm "${F[@]}" "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b.zst"
	assert_success
	assert_output "$(cat "$BATS_TEST_TMPDIR/want")"
}

@test "a bad flag or missing field options are status 2 with the usage" {
	run mbrun mb-rfm --bogus orders.ndjson
	assert_failure 2
	assert_output ""
	[[ "$(stderr_of_mbrun)" == *"usage: mb-rfm"* ]]
	run mbrun mb-rfm --customer customer_id orders.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun | head -n 1)" "mb-rfm: --customer, --time and --amount are required"
	run mbrun mb-rfm "${F[@]}" --where 'amount >' orders.ndjson
	assert_failure 2
	[[ "$(stderr_of_mbrun)" == "mb-rfm: --where: column "* ]]
	run mbrun mb-rfm "${F[@]}" --bins 1 orders.ndjson
	assert_failure 2
}

@test "| head -n 1: status 0 and nothing on stderr" {
	for i in $(seq 3000); do printf '{"c":"C%05d","t":"2025-01-01","a":%d}\n' "$i" "$i"; done > "$BATS_TEST_TMPDIR/many"
	run bash -c "mb-rfm -c c -t t -a a '$BATS_TEST_TMPDIR/many' 2>'$BATS_TEST_TMPDIR/err' | head -n 1; echo \"\${PIPESTATUS[0]}\""
	assert_output '{"c":"C00001","recency_days":0,"frequency":1,"monetary_value":1,"r_score":5,"f_score":1,"m_score":1,"rfm_score":"511","segment":"New Customers"}
0'
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" ""
}

@test "the UCI Online Retail data: shards of days through parallel, merged: 4,372 customers" {
	D="$BATS_TEST_DIRNAME/../pipelines/data/uci-online-retail"
	parallel --will-cite -j 2 -n 40 "mb-ingest {} | mb-enrich --set 'amount = Quantity * UnitPrice' | mb-rfm -c CustomerID -t InvoiceDate -a amount -o InvoiceNo --partial" \
	    ::: "$D"/*.csv.zst > "$BATS_TEST_TMPDIR/states"
	assert_equal "$(grep -c '"k":null' "$BATS_TEST_TMPDIR/states")" 8
	R=(-c CustomerID -t InvoiceDate -a amount -o InvoiceNo)
	run mbrun mb-rfm "${R[@]}" --merge "$BATS_TEST_TMPDIR/states"
	assert_success
	assert_equal "${#lines[@]}" 4372
	assert_line --index 0 '{"CustomerID":"12346.0","recency_days":325,"frequency":2,"monetary_value":0.00,"r_score":1,"f_score":2,"m_score":1,"rfm_score":"121","segment":"Hibernating"}'
	assert_equal "$(stderr_of_mbrun)" "mb-rfm: 135080 lines without a customer id left out"
	run mbrun mb-rfm "${R[@]}" --merge --summary "$BATS_TEST_TMPDIR/states"
	assert_success
	assert_output - <<'EOF'
{"segment":"Champions","customers":644,"customer_share_pct":14.73,"revenue_share_pct":51.52,"avg_recency_days":4.4,"avg_frequency":14.7,"avg_monetary_value":6640.50}
{"segment":"Loyal Customers","customers":804,"customer_share_pct":18.39,"revenue_share_pct":26.33,"avg_recency_days":30.6,"avg_frequency":8.1,"avg_monetary_value":2718.27}
{"segment":"Potential Loyalists","customers":481,"customer_share_pct":11.00,"revenue_share_pct":3.93,"avg_recency_days":14.8,"avg_frequency":2.2,"avg_monetary_value":677.86}
{"segment":"New Customers","customers":41,"customer_share_pct":0.94,"revenue_share_pct":0.18,"avg_recency_days":5.6,"avg_frequency":1.0,"avg_monetary_value":374.07}
{"segment":"Promising","customers":97,"customer_share_pct":2.22,"revenue_share_pct":0.36,"avg_recency_days":21.3,"avg_frequency":1.0,"avg_monetary_value":303.86}
{"segment":"Need Attention","customers":189,"customer_share_pct":4.32,"revenue_share_pct":1.83,"avg_recency_days":47.0,"avg_frequency":2.6,"avg_monetary_value":803.98}
{"segment":"About to Sleep","customers":367,"customer_share_pct":8.39,"revenue_share_pct":1.93,"avg_recency_days":50.9,"avg_frequency":1.3,"avg_monetary_value":437.24}
{"segment":"At Risk","customers":618,"customer_share_pct":14.14,"revenue_share_pct":7.08,"avg_recency_days":155.0,"avg_frequency":3.3,"avg_monetary_value":950.57}
{"segment":"Can't Lose Them","customers":71,"customer_share_pct":1.62,"revenue_share_pct":2.03,"avg_recency_days":129.9,"avg_frequency":9.7,"avg_monetary_value":2374.21}
{"segment":"Hibernating","customers":1060,"customer_share_pct":24.25,"revenue_share_pct":4.80,"avg_recency_days":215.7,"avg_frequency":1.2,"avg_monetary_value":376.22}
EOF
}
