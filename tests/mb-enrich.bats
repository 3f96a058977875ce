#!/usr/bin/env bats
# mb-enrich: derived fields, date parts, joins, masking, projection.

load helper

setup() {
	cd "$DATA/silver"
	unset MB_MASK_KEY
}

@test "--date-parts and --set, a later --set using an earlier one" {
	run mbrun mb-enrich --date-parts order_ts:order --set 'is_high_value_order = amount > 500' \
	    --set 'big_and_north = is_high_value_order and region == "North"' good.ndjson
	assert_success
	assert_output - <<'EOF'
{"order_id":"ORD-000000000001","customer_id":"C0000123","order_ts":"2025-07-04T12:34:56Z","region":"North","status":"completed","product_id":"P00042","category":"Electronics","store_id":"S007","quantity":2,"unit_price":19.99,"amount":39.98,"payment_method":"card","order_year":2025,"order_month":7,"order_day":4,"order_dayofweek":6,"order_hour":12,"order_date":"2025-07-04","is_high_value_order":false,"big_and_north":false}
{"order_id":"ORD-000000000002","customer_id":"C0000456","order_ts":"2025-07-05T08:00:00Z","region":"South","status":"returned","product_id":"P00007","category":"Books","store_id":"S001","quantity":1,"unit_price":600.00,"amount":600.00,"payment_method":"cash","order_year":2025,"order_month":7,"order_day":5,"order_dayofweek":7,"order_hour":8,"order_date":"2025-07-05","is_high_value_order":true,"big_and_north":false}
{"order_id":"ORD-000000000003","customer_id":"C0000123","order_ts":"2025-12-31T23:59:59Z","region":"East","status":"pending","product_id":"P00099","category":"Home","store_id":"S002","quantity":3,"unit_price":0.10,"amount":0.30,"payment_method":"wallet","order_year":2025,"order_month":12,"order_day":31,"order_dayofweek":4,"order_hour":23,"order_date":"2025-12-31","is_high_value_order":false,"big_and_north":false}
EOF
	assert_equal "$(stderr_of_mbrun)" ""
}

@test "--where passes on the records it holds for, seeing derived fields; the rest go to --unmatched" {
	U="$BATS_TEST_TMPDIR/rest.ndjson"
	run mbrun mb-enrich --join products.csv --on product_id --fields brand \
	    --set 'net = amount * 0.8' --where 'net > 10 and status != "returned"' \
	    --unmatched "$U" --keep order_id,net,brand good.ndjson
	assert_success
	assert_output '{"order_id":"ORD-000000000001","brand":"Acme","net":31.984}'
	assert_equal "$(stderr_of_mbrun)" ""
	run cut -c1-30 "$U"
	assert_output - <<'EOF'
{"order_id":"ORD-000000000002"
{"order_id":"ORD-000000000003"
EOF
	# null is not true, as in SQL WHERE; a line that is not JSON is not
	# the filter's to drop: it goes on as _raw, for mb-validate
	printf '%s\n' '{"a":1}' '{"a":null}' '{"b":2}' 'oops' '{"a":3}' > "$BATS_TEST_TMPDIR/in"
	run mbrun mb-enrich --quiet --where 'a > 1' --unmatched /dev/null "$BATS_TEST_TMPDIR/in"
	assert_output - <<'EOF'
{"_raw":"oops","_errors":[{"rule":"parse","field":null,"message":"column 1: expected a JSON object ('{')"}]}
{"a":3}
EOF
}

@test "--where without --unmatched, on an unknown field, or with a bad expression is status 2" {
	run mbrun mb-enrich --where 'amount > 1' good.ndjson
	assert_failure 2
	assert_output ""
	assert_equal "$(stderr_of_mbrun | head -n 1)" 'mb-enrich: --where "amount > 1": the records it turns away need --unmatched FILE (/dev/null drops them)'
	run mbrun mb-enrich --where 'amont > 1' --unmatched /dev/null good.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" 'mb-enrich: --where "amont > 1": unknown field "amont" (not in the first record)'
	run mbrun mb-enrich --where 'customer_id = null' --unmatched /dev/null good.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" 'mb-enrich: --where "customer_id = null": column 13: a comparison with null is always null, never true or false; use is_null(x) or not is_null(x)'
}

@test "no options: records pass byte for byte" {
	run mbrun mb-enrich good.ndjson
	assert_success
	assert_output "$(cat good.ndjson)"
}

@test "empty input: no output" {
	run mbrun mb-enrich --set 'x = 1' --join products.csv --on product_id /dev/null
	assert_success
	assert_output ""
	assert_equal "$(stderr_of_mbrun)" ""
}

@test ".zst input and a .zst dimension table" {
	run mbrun mb-enrich --join products.csv.zst --on product_id --fields brand good.ndjson.zst
	assert_success
	assert_output - <<'EOF'
{"order_id":"ORD-000000000001","customer_id":"C0000123","order_ts":"2025-07-04T12:34:56Z","region":"North","status":"completed","product_id":"P00042","category":"Electronics","store_id":"S007","quantity":2,"unit_price":19.99,"amount":39.98,"payment_method":"card","brand":"Acme"}
{"order_id":"ORD-000000000002","customer_id":"C0000456","order_ts":"2025-07-05T08:00:00Z","region":"South","status":"returned","product_id":"P00007","category":"Books","store_id":"S001","quantity":1,"unit_price":600.00,"amount":600.00,"payment_method":"cash","brand":"Globex"}
{"order_id":"ORD-000000000003","customer_id":"C0000123","order_ts":"2025-12-31T23:59:59Z","region":"East","status":"pending","product_id":"P00099","category":"Home","store_id":"S002","quantity":3,"unit_price":0.10,"amount":0.30,"payment_method":"wallet","brand":"Initech, Ltd"}
EOF
}

@test "two left joins, CSV and NDJSON, --fields and --prefix; no match gives nulls" {
	run mbrun mb-enrich --join products.csv --on product_id --fields product_name,brand --prefix p_ \
	    --join stores.ndjson --on store_id --fields city good.ndjson
	assert_success
	assert_output - <<'EOF'
{"order_id":"ORD-000000000001","customer_id":"C0000123","order_ts":"2025-07-04T12:34:56Z","region":"North","status":"completed","product_id":"P00042","category":"Electronics","store_id":"S007","quantity":2,"unit_price":19.99,"amount":39.98,"payment_method":"card","p_product_name":"Smart Speaker 1","p_brand":"Acme","city":"Leeds"}
{"order_id":"ORD-000000000002","customer_id":"C0000456","order_ts":"2025-07-05T08:00:00Z","region":"South","status":"returned","product_id":"P00007","category":"Books","store_id":"S001","quantity":1,"unit_price":600.00,"amount":600.00,"payment_method":"cash","p_product_name":"Classic Novel 2","p_brand":"Globex","city":"Dover"}
{"order_id":"ORD-000000000003","customer_id":"C0000123","order_ts":"2025-12-31T23:59:59Z","region":"East","status":"pending","product_id":"P00099","category":"Home","store_id":"S002","quantity":3,"unit_price":0.10,"amount":0.30,"payment_method":"wallet","p_product_name":"Eco Mug 3","p_brand":"Initech, Ltd","city":null}
EOF
}

@test "--on KEY=DIMKEY and all fields but the key by default" {
	printf '%s\n' '{"sku":"P00007"}' > in.tmp
	run mbrun mb-enrich --join products.csv --on sku=product_id in.tmp
	assert_success
	assert_output '{"sku":"P00007","product_name":"Classic Novel 2","category":"Books","brand":"Globex","unit_price":600.00}'
	rm -f in.tmp
}

@test "--inner sends unmatched records to --unmatched; in = out + unmatched" {
	run mbrun mb-enrich --join stores.ndjson --on store_id --fields city --inner \
	    --unmatched "$BATS_TEST_TMPDIR/un.ndjson" good.ndjson
	assert_success
	assert_output - <<'EOF'
{"order_id":"ORD-000000000001","customer_id":"C0000123","order_ts":"2025-07-04T12:34:56Z","region":"North","status":"completed","product_id":"P00042","category":"Electronics","store_id":"S007","quantity":2,"unit_price":19.99,"amount":39.98,"payment_method":"card","city":"Leeds"}
{"order_id":"ORD-000000000002","customer_id":"C0000456","order_ts":"2025-07-05T08:00:00Z","region":"South","status":"returned","product_id":"P00007","category":"Books","store_id":"S001","quantity":1,"unit_price":600.00,"amount":600.00,"payment_method":"cash","city":"Dover"}
EOF
	assert_equal "$(cat "$BATS_TEST_TMPDIR/un.ndjson")" "$(sed -n 3p good.ndjson)"
}

@test "--inner without --unmatched is status 2 before any input is read" {
	run mbrun mb-enrich --join stores.ndjson --on store_id --fields city --inner nonexistent.ndjson
	assert_failure 2
	assert_output ""
	assert_equal "$(stderr_of_mbrun | head -n 1)" "mb-enrich: --join stores.ndjson --inner: unmatched records need --unmatched FILE"
	assert_equal "$(stderr_of_mbrun | sed -n 2p)" "usage: mb-enrich [--set 'NAME = EXPR'] [--date-parts FIELD[:PREFIX]]"
}

@test "a number key matches a string key with the same text" {
	printf '%s\n' '{"k":7}' '{"k":"7"}' '{"k":null}' > in.tmp
	printf 'k,v\n7,seven\n' > dim.tmp
	run mbrun mb-enrich --join dim.tmp --on k in.tmp
	assert_success
	assert_output - <<'EOF'
{"k":7,"v":"seven"}
{"k":"7","v":"seven"}
{"k":null,"v":null}
EOF
	rm -f in.tmp dim.tmp
}

@test "a duplicate key in the dimension is status 2, unless --join-first" {
	run mbrun mb-enrich --join dup.csv --on product_id good.ndjson
	assert_failure 2
	assert_output ""
	assert_equal "$(stderr_of_mbrun)" 'mb-enrich: dup.csv:3: duplicate key "P00042" (--join-first keeps the first)'
	run mbrun mb-enrich --join dup.csv --on product_id --join-first good.ndjson
	assert_success
	assert_line --index 0 --partial '"product_name":"A"}'
}

@test "a dimension file that is missing, empty or malformed is status 2" {
	run mbrun mb-enrich --join nosuch.csv --on product_id good.ndjson
	assert_failure 2
	assert_output ""
	assert_equal "$(stderr_of_mbrun)" "mb-enrich: nosuch.csv: No such file or directory"
	run mbrun mb-enrich --join empty.csv --on product_id good.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" "mb-enrich: empty.csv: no rows"
	run mbrun mb-enrich --join malformed.csv --on product_id good.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" "mb-enrich: malformed.csv:2: unclosed quote at end of input"
	printf '%s\n' '{"product_id":"P1"}' '{"product_id":' > bad.tmp
	run mbrun mb-enrich --join bad.tmp --on product_id good.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" "mb-enrich: bad.tmp:2: column 15: unexpected end of line, expected a value"
	run mbrun mb-enrich --join products.csv --on product_id --fields nope good.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" 'mb-enrich: products.csv: no field "nope"'
	run mbrun mb-enrich --join stores.ndjson --on product_id good.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" 'mb-enrich: stores.ndjson:1: no value for the key "product_id"'
	rm -f bad.tmp
}

@test "--mask: a keyed hash, stable across runs, from MB_MASK_KEY" {
	export MB_MASK_KEY=k1
	run mbrun mb-enrich --mask customer_id --keep order_id,customer_id good.ndjson
	assert_success
	assert_output - <<'EOF'
{"order_id":"ORD-000000000001","customer_id":"6b1a6e6966176356616a7621407d141e"}
{"order_id":"ORD-000000000002","customer_id":"759dccb3d84b8af2478421f5de059312"}
{"order_id":"ORD-000000000003","customer_id":"6b1a6e6966176356616a7621407d141e"}
EOF
	# HMAC-SHA256, as any other implementation computes it
	want=$(python3 -c 'import hmac,hashlib;print(hmac.new(b"k1",b"C0000123",hashlib.sha256).hexdigest()[:32])')
	assert_line --index 0 --partial "$want"
	[[ "$(stderr_of_mbrun)" != *k1* ]]
}

@test "--mask-key-file must be readable by its owner only; no key is status 2" {
	printf 'k1\n' > "$BATS_TEST_TMPDIR/key"
	chmod 644 "$BATS_TEST_TMPDIR/key"
	run mbrun mb-enrich --mask customer_id --mask-key-file "$BATS_TEST_TMPDIR/key" good.ndjson
	assert_failure 2
	assert_output ""
	assert_equal "$(stderr_of_mbrun)" "mb-enrich: --mask-key-file $BATS_TEST_TMPDIR/key: must be a file that only its owner can read (chmod 600)"
	chmod 600 "$BATS_TEST_TMPDIR/key"
	run mbrun mb-enrich --mask customer_id --mask-key-file "$BATS_TEST_TMPDIR/key" --keep customer_id good.ndjson
	assert_success
	assert_line --index 0 '{"customer_id":"6b1a6e6966176356616a7621407d141e"}'
	run mbrun mb-enrich --mask customer_id good.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" "mb-enrich: --mask needs a key: set MB_MASK_KEY or give --mask-key-file"
}

@test "--redact, --flatten, --rename, --drop" {
	run mbrun mb-enrich --flatten --redact email --rename id=customer_id --drop tags nested.ndjson
	assert_success
	assert_output '{"email":"[REDACTED]","customer_name":"Ada","customer_address_city":"Leeds","customer_address_zip":"LS1","customer_id":1}'
}

@test "--flatten: 100,000 levels deep, no stack overflow, in one pass" {
	python3 -c "print('{\"a\":'+'{\"x\":'*100000+'1'+'}'*100000+'}')" > "$BATS_TEST_TMPDIR/deep.ndjson"
	run bash -c "mb-enrich --flatten $BATS_TEST_TMPDIR/deep.ndjson | python3 -c 'import json,sys; r=json.loads(sys.stdin.read()); k=list(r); print(len(k), k[0][:9], len(k[0]), r[k[0]])'"
	assert_success
	assert_output "1 a_x_x_x_x 200001 1"
}

@test "--flatten: wide objects and many leaves in linear time; long paths stay whole" {
	# 40,000 objects of one leaf took 33 s when each edit was compared
	# with every other
	python3 -c "import json; print(json.dumps({'k%d' % i: {'x': i} for i in range(20000)}, separators=(',', ':')))" > "$BATS_TEST_TMPDIR/wide.ndjson"
	run bash -c "mb-enrich --flatten $BATS_TEST_TMPDIR/wide.ndjson | jq -c '[length, .k0_x, .k19999_x]'"
	assert_output '[20000,0,19999]'
	# paths longer than 1024 bytes were cut, so two leaves got one name
	python3 -c "print('{\"a\":{\"' + 'k'*1100 + '\":{\"x\":1,\"y\":2}}}')" | mb-enrich --flatten > "$BATS_TEST_TMPDIR/out"
	run jq -c '[keys[] | length]' "$BATS_TEST_TMPDIR/out"
	assert_output '[1104,1104]'
}

@test "--flatten: a record that would flatten past 64 MB is passed on nested and counted" {
	# 9,000 levels of 12 bytes flatten to about 80 MB
	python3 -c "print('{\"a\":1,\"b\":'*9000+'0'+'}'*9000)" > "$BATS_TEST_TMPDIR/chain.ndjson"
	printf '{"c":{"d":1}}\n' >> "$BATS_TEST_TMPDIR/chain.ndjson"
	head -n 1 "$BATS_TEST_TMPDIR/chain.ndjson" > "$BATS_TEST_TMPDIR/want"
	echo '{"c_d":1}' >> "$BATS_TEST_TMPDIR/want"
	mb-enrich --flatten "$BATS_TEST_TMPDIR/chain.ndjson" 2>"$BATS_TEST_TMPDIR/err" > "$BATS_TEST_TMPDIR/out"
	cmp "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/out"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" "mb-enrich: 1 records were too big to flatten and were passed on nested"
	run mbrun mb-enrich --strict --flatten "$BATS_TEST_TMPDIR/chain.ndjson"
	assert_failure 1
	assert_output ""
	assert_equal "$(stderr_of_mbrun)" "mb-enrich: $BATS_TEST_TMPDIR/chain.ndjson:1: --flatten: the flat record would be longer than 67108864 bytes"
}

@test "--keep keeps only the named fields, derived ones included" {
	run mbrun mb-enrich --set 'n = quantity * 2' --set 'm = 1' --keep order_id,n good.ndjson
	assert_success
	assert_output - <<'EOF'
{"order_id":"ORD-000000000001","n":4}
{"order_id":"ORD-000000000002","n":2}
{"order_id":"ORD-000000000003","n":6}
EOF
}

@test "a runtime error gives null and is counted; --strict stops with status 1" {
	run mbrun bash -c "printf '%s\n' '{\"a\":1,\"b\":0,\"t\":\"bad\"}' | mb-enrich --set 'x = a / b' --date-parts t"
	assert_success
	assert_output '{"a":1,"b":0,"t":"bad","t_year":null,"t_month":null,"t_day":null,"t_dayofweek":null,"t_hour":null,"t_date":null,"x":null}'
	assert_equal "$(stderr_of_mbrun)" "mb-enrich: 2 expression errors gave null"
	run mbrun bash -c "printf '%s\n' '{\"a\":1,\"b\":2}' '{\"a\":1,\"b\":0}' | mb-enrich --strict --set 'x = a / b'"
	assert_failure 1
	assert_output '{"a":1,"b":2,"x":0.5}'
	assert_equal "$(stderr_of_mbrun)" 'mb-enrich: -:2: --set "x": division by zero'
}

@test "an expression with a syntax error, an unknown function or field is status 2" {
	run mbrun mb-enrich --set 'x = amount +' good.ndjson
	assert_failure 2
	assert_output ""
	assert_equal "$(stderr_of_mbrun)" 'mb-enrich: --set "x = amount +": column 9: unexpected end of expression'
	run mbrun mb-enrich --set 'x = foo(amount)' good.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" 'mb-enrich: --set "x = foo(amount)": column 1: unknown function "foo"'
	run mbrun mb-enrich --set 'x = amont * 2' good.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" 'mb-enrich: --set "x = amont * 2": unknown field "amont" (not in the first record)'
	run mbrun mb-enrich --date-parts ts good.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" 'mb-enrich: --date-parts ts: unknown field "ts" (not in the first record)'
}

@test "--join a dataset folder gives what the same table as a file gives" {
	mb-ingest --quiet products.csv | mb-write -p category "$BATS_TEST_TMPDIR/dim"
	run mbrun mb-enrich --join "$BATS_TEST_TMPDIR/dim" --on product_id --fields brand,product_name good.ndjson
	assert_success
	assert_output "$(mb-enrich --join products.csv --on product_id --fields brand,product_name good.ndjson | strip_time)"
	[[ "$output" == *'"brand":"Acme"'* ]]
	run mbrun mb-enrich --join "$BATS_TEST_TMPDIR" --on product_id good.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" "mb-enrich: $BATS_TEST_TMPDIR: not a dataset (no _mb_log folder)"
}

@test "a line that is not JSON is passed on as a _raw record with the reason" {
	raw='{"_raw":"{\"order_id\":\"ORD-000000000005\",\"customer_id\":\"C0000111\",","_errors":[{"rule":"parse","field":null,"message":"column 57: unexpected end of line, expected a key in double quotes"}]}'
	run mbrun mb-enrich bad.ndjson
	assert_success
	assert_output "$({ sed -n 1,4p bad.ndjson; echo "$raw"; sed -n '6,$p' bad.ndjson; } | strip_time)"
	assert_equal "$(stderr_of_mbrun)" "mb-enrich: bad.ndjson:5: not a JSON object, passed on as _raw: column 57: unexpected end of line, expected a key in double quotes
mb-enrich: 1 lines were not JSON objects and were passed on as _raw"
	# and mb-validate quarantines it under rule parse
	run bash -c "mb-enrich --quiet bad.ndjson | mb-validate --quarantine $BATS_TEST_TMPDIR/q.ndjson > /dev/null; jq -c 'select(._source == null) | ._errors' $BATS_TEST_TMPDIR/q.ndjson"
	assert_output '[{"rule":"parse","field":null,"message":"column 57: unexpected end of line, expected a key in double quotes"}]'
}

@test "a bad flag is status 2 with the usage; --help is status 0" {
	run mbrun mb-enrich --bogus good.ndjson
	assert_failure 2
	assert_output ""
	[[ "$(stderr_of_mbrun)" == *"usage: mb-enrich"* ]]
	run mbrun mb-enrich --on x good.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun | head -n 1)" "mb-enrich: --on, --fields, --prefix, --inner and --join-first follow a --join"
	run mbrun mb-enrich --set 'x == 1' good.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun | head -n 1)" 'mb-enrich: --set "x == 1": expected NAME = EXPR'
	run mbrun mb-enrich --help
	assert_success
	assert_line --index 0 --partial "usage: mb-enrich"
}

@test "| head -n 1: status 0 and nothing on stderr" {
	for i in $(seq 2000); do cat good.ndjson; done > "$BATS_TEST_TMPDIR/many.ndjson"
	run bash -c "mb-enrich --date-parts order_ts:order '$BATS_TEST_TMPDIR/many.ndjson' 2>'$BATS_TEST_TMPDIR/err' | head -n 1; echo \"\${PIPESTATUS[0]}\""
	assert_output "$(head -n 1 good.ndjson | sed 's/}$/,"order_year":2025,"order_month":7,"order_day":4,"order_dayofweek":6,"order_hour":12,"order_date":"2025-07-04"}/')
0"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" ""
}

@test "streaming: a record comes out while the input is still open" {
	mkfifo "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	mb-enrich --set 'x = 1' --join products.csv --on product_id --fields brand \
	    < "$BATS_TEST_TMPDIR/in" > "$BATS_TEST_TMPDIR/out" &
	exec 5>"$BATS_TEST_TMPDIR/in" 6<"$BATS_TEST_TMPDIR/out"
	printf '{"product_id":"P00042"}\n' >&5
	read -r -t 10 line <&6
	exec 5>&- 6<&-
	wait
	assert_equal "$line" '{"product_id":"P00042","brand":"Acme","x":1}'
}
