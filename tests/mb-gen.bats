#!/usr/bin/env bats
# mb-gen: simulated orders and dimension tables.

load helper

@test "orders: the fields of seeds/003, deterministic with --seed" {
	run mb-gen -n 2 --seed 1
	assert_success
	assert_output - <<'EOF'
{"order_id":"ORD-000000000001","customer_id":"C0011124","order_ts":"2025-05-03T13:33:24Z","region":"North","status":"completed","product_id":"P04578","category":"Toys","store_id":"S036","quantity":1,"unit_price":21.49,"amount":21.49,"payment_method":"cash"}
{"order_id":"ORD-000000000002","customer_id":"C0001631","order_ts":"2025-11-04T11:26:17Z","region":"East","status":"completed","product_id":"P02503","category":"Beauty","store_id":"S038","quantity":2,"unit_price":75.29,"amount":150.58,"payment_method":"card"}
EOF
}

@test "the same seed gives the same bytes, another seed others" {
	a=$(mb-gen -n 5000 --seed 9 --dirty 0.1 | md5sum)
	b=$(mb-gen -n 5000 --seed 9 --dirty 0.1 | md5sum)
	c=$(mb-gen -n 5000 --seed 10 --dirty 0.1 | md5sum)
	[ "$a" = "$b" ]
	[ "$a" != "$c" ]
}

@test "-n 0 prints nothing" {
	run mb-gen -n 0
	assert_success
	assert_output ""
}

@test "--format csv: a header and the same orders" {
	run mb-gen -n 1 --seed 1 --format csv
	assert_output - <<'EOF'
order_id,customer_id,order_ts,region,status,product_id,category,store_id,quantity,unit_price,amount,payment_method
ORD-000000000001,C0011124,2025-08-21T19:43:05Z,North,completed,P04578,Toys,S036,1,21.49,21.49,cash
EOF
}

@test "a batch spans --start and --days in time order" {
	run bash -c "mb-gen -n 1000 --start 2024-06-01 --days 30 | jq -r .order_ts | sed -n '1p;\$p'"
	[[ "${lines[0]}" == 2024-06-01T* ]]
	[[ "${lines[1]}" == 2024-06-30T* ]]
	run bash -c "mb-gen -n 1000 --start 2024-06-01 --days 30 | jq -r .order_ts | sort -c && echo sorted"
	assert_output sorted
}

@test "realistic shape: about 6% returned, 5% cancelled, repeat customers, seasonality" {
	run bash -c "mb-gen -n 100000 --seed 3 | jq -r .status | sort | uniq -c | awk '{print \$2, \$1}'"
	assert_output - <<'EOF'
cancelled 5061
completed 86074
pending 3052
returned 5813
EOF
	# most customers come back
	run bash -c "mb-gen -n 100000 --seed 3 | jq -r .customer_id | sort | uniq -c | awk '\$1 > 1' | wc -l"
	[ "$output" -gt 10000 ]
	# December sells more than February
	run bash -c "mb-gen -n 100000 --seed 3 | jq -r '.order_ts[5:7]' | sort | uniq -c | awk '\$2==\"02\"{f=\$1} \$2==\"12\"{d=\$1} END{print (d > 2*f)}'"
	assert_output 1
	# popular products: the top 1% of products take over a fifth of orders
	run bash -c "mb-gen -n 100000 --seed 3 | jq -r .product_id | sort | uniq -c | sort -rn | head -50 | awk '{s+=\$1} END{print (s > 20000)}'"
	assert_output 1
}

@test "amount is quantity x unit_price, exactly, when clean" {
	run bash -c "mb-gen -n 20000 --seed 4 | jq -r 'select((.quantity * .unit_price * 100 | round) != (.amount * 100 | round)) | .order_id' | wc -l"
	assert_output 0
}

@test "--table products|stores|customers: CSV whose keys the orders use" {
	run mb-gen --table products --products 2
	assert_output - <<'EOF'
product_id,product_name,category,brand,unit_price
P00001,Vintage Jacket 803,Beauty,Tyrell,6.09
P00002,Deluxe Racket 585,Books,Umbrella,13.89
EOF
	run mb-gen --table stores --stores 2
	assert_output - <<'EOF'
store_id,store_name,region,city
S001,Brighton Store 1,North,Brighton
S002,Cambridge Store 2,South,Cambridge
EOF
	run mb-gen --table customers --customers 2
	assert_output - <<'EOF'
customer_id,customer_name,email,signup_date,region
C0000001,Hana Patel,ha.patel1@example.com,2023-12-05,East
C0000002,Oto Larsen,ot.larsen2@example.com,2022-10-10,North
EOF
	run bash -c "mb-gen --table products | wc -l; mb-gen --table stores | wc -l; mb-gen --table customers | wc -l"
	assert_output - <<'EOF'
5001
51
20001
EOF
}

@test "every order's product, store and customer is in its table, with the same category and price" {
	mb-gen --table products | tail -n +2 | awk -F, '{print $1, $3, $5}' | sort > "$BATS_TEST_TMPDIR/p"
	run bash -c "mb-gen -n 5000 | jq -r '[.product_id, .category, (.unit_price|tostring)] | join(\" \")' | sort -u | comm -23 - $BATS_TEST_TMPDIR/p | wc -l"
	assert_output 0
	run bash -c "mb-gen -n 5000 | jq -r '[.store_id, .region] | join(\",\")' | sort -u | comm -23 - <(mb-gen --table stores | tail -n +2 | cut -d, -f1,3 | sort) | wc -l"
	assert_output 0
	run bash -c "mb-gen -n 5000 | jq -r .customer_id | sort -u | comm -23 - <(mb-gen --table customers | tail -n +2 | cut -d, -f1 | sort) | wc -l"
	assert_output 0
}

@test "--dirty injects every kind of defect, counted by --stats" {
	run --separate-stderr mb-gen -n 20000 --dirty 0.5 --seed 2 --stats
	assert_equal "$stderr" "mb-gen: 20000 lines, 9952 with defects
mb-gen:   missing_field        678
mb-gen:   null_field           696
mb-gen:   wrong_type           681
mb-gen:   unknown_region       693
mb-gen:   unknown_status       735
mb-gen:   malformed_timestamp  740
mb-gen:   future_timestamp     710
mb-gen:   zero_quantity        711
mb-gen:   negative_quantity    715
mb-gen:   amount_mismatch      702
mb-gen:   duplicate            695
mb-gen:   malformed_json       750
mb-gen:   blank_line           727
mb-gen:   invalid_utf8         719"
	# the damage is really there
	mb-gen -n 20000 --dirty 0.5 --seed 2 > "$BATS_TEST_TMPDIR/d"
	[ "$(grep -c '^$' "$BATS_TEST_TMPDIR/d")" = 727 ]
	[ "$(grep -c Atlantis "$BATS_TEST_TMPDIR/d")" = 693 ]
	[ "$(grep -c teleported "$BATS_TEST_TMPDIR/d")" = 735 ]
	[ "$(LC_ALL=C grep -c $'\xff' "$BATS_TEST_TMPDIR/d")" = 719 ]
	run bash -c "mb-ingest -q $BATS_TEST_TMPDIR/d | jq -r 'select(._raw)|1' | wc -l"
	assert_output $((750 + 719))
}

@test "--rate streams endlessly, each record on time; | head ends it with status 0" {
	run --separate-stderr bash -c "mb-gen --rate 50 | head -n 3 | jq -r .order_id; echo \${PIPESTATUS[0]}"
	assert_output - <<'EOF'
ORD-000000000001
ORD-000000000002
ORD-000000000003
0
EOF
	assert_equal "$stderr" ""
}

@test "--stamp: _emit_us first, the microsecond each record was due, 1/rate apart" {
	before=$(date +%s%6N)
	run bash -c "mb-gen --rate 1000 -n 4 --stamp | jq -c '[keys_unsorted[0:2], ._emit_us]'"
	after=$(date +%s%6N)
	assert_success
	assert_equal "${#lines[@]}" 4
	t0=$(echo "${lines[0]}" | jq '.[1]')
	[ "$t0" -ge "$before" ] && [ "$t0" -le "$after" ]
	assert_output - <<EOF
[["_emit_us","order_id"],$t0]
[["_emit_us","order_id"],$((t0 + 1000))]
[["_emit_us","order_id"],$((t0 + 2000))]
[["_emit_us","order_id"],$((t0 + 3000))]
EOF
	# the rest of each record as without --stamp
	run bash -c "diff <(mb-gen --rate 1000 -n 3 --stamp | jq -c 'del(._emit_us, .order_ts)') <(mb-gen --rate 1000 -n 3 | jq -c 'del(.order_ts)') && echo same"
	assert_output same
	# CSV: a first column; a duplicate (--dirty) is stamped when it is
	# sent; a blank line (a defect too) has no record to stamp
	run bash -c "mb-gen --rate 2000 -n 400 --dirty 0.5 --seed 7 --stamp --format csv | awk -F, 'NR == 1 { print \$1, \$2; next } NF == 0 { blank++; next } { if (n++ && \$1 - p != 500 * (blank + 1)) bad++; p = \$1; blank = 0 } END { print n, bad + 0 }'"
	assert_output "_emit_us order_id
386 0"
}

@test "| head -n 1 on a big batch: status 0, nothing on stderr" {
	run --separate-stderr bash -c "mb-gen -n 1000000 | head -n 1 | cut -c1-31; echo \${PIPESTATUS[0]}"
	assert_output - <<'EOF'
{"order_id":"ORD-000000000001",
0
EOF
	assert_equal "$stderr" ""
}

@test "bad flags and values are usage errors, status 2" {
	run --separate-stderr mb-gen --dirty 2
	assert_failure 2
	assert_equal "$stderr" "mb-gen: --dirty: '2' is not a number from 0 to 1"
	run --separate-stderr mb-gen -n ten
	assert_failure 2
	assert_equal "$stderr" "mb-gen: -n: 'ten' is not an integer from 0 to 9223372036854775807"
	run --separate-stderr mb-gen --table planets
	assert_failure 2
	assert_equal "$stderr" "mb-gen: --table: 'planets' is not products, stores or customers"
	run --separate-stderr mb-gen --stamp -n 3
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "mb-gen: --stamp needs --rate (it stamps the time a record was due)"
	run --separate-stderr mb-gen --bogus
	assert_failure 2
	[[ "$stderr" == *"usage: mb-gen"* ]]
	run --separate-stderr mb-gen extra
	assert_failure 2
	[[ "$stderr" == "mb-gen: unexpected argument 'extra'"* ]]
}

@test "--help and --version" {
	run mb-gen --help
	assert_success
	assert_line --index 0 --partial "usage: mb-gen"
	run mb-gen --version
	assert_output --regexp '^mb-gen [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "a write error on stdout is status 1 with a message" {
	[ -w /dev/full ] || skip "no /dev/full"
	run --separate-stderr bash -c "mb-gen -n 100000 > /dev/full"
	assert_failure 1
	assert_equal "$stderr" "mb-gen: write error on standard output: No space left on device"
}
