#!/usr/bin/env bats
# mb-validate: schema, rules, actions, quarantine, report, bad input.

load helper

SCHEMA="$BATS_TEST_DIRNAME/../pipelines/schemas/orders.json"
CHECK='amount_matches: abs(amount - quantity * unit_price) <= 0.01'

setup() {
	cd "$DATA/silver"
	Q="$BATS_TEST_TMPDIR/q.ndjson"
	R="$BATS_TEST_TMPDIR/dq.json"
}

# counts from the report: in passed quarantined dropped warned
counts() {
	jq -r '"\(.records_in) \(.passed) \(.quarantined) \(.dropped) \(.warned)"' "$R"
}

# records in = passed + quarantined + dropped
conserved() {
	jq -e '.records_in == .passed + .quarantined + .dropped' "$R" >/dev/null
}

@test "valid records pass byte for byte" {
	run mbrun mb-validate --schema "$SCHEMA" --unique order_id --check "$CHECK" -q "$Q" -r "$R" good.ndjson
	assert_success
	assert_output "$(cat good.ndjson)"
	assert_equal "$(stderr_of_mbrun)" ""
	assert_equal "$(cat "$Q")" ""
	assert_equal "$(counts)" "3 3 0 0 0"
	conserved
}

@test "empty input: no output, a report of nothing" {
	run mbrun mb-validate --schema "$SCHEMA" -q "$Q" -r "$R" /dev/null
	assert_success
	assert_output ""
	assert_equal "$(cat "$Q")" ""
	assert_equal "$(counts)" "0 0 0 0 0"
	assert_equal "$(jq -c .statistics "$R")" '{"evaluated_expectations":14,"successful_expectations":14,"unsuccessful_expectations":0,"success_percent":100}'
}

@test ".zst input is read as it is" {
	run mbrun mb-validate --schema "$SCHEMA" -q "$Q" good.ndjson.zst
	assert_success
	assert_output "$(cat good.ndjson)"
}

@test "stdin and -" {
	run bash -c "head -n 1 good.ndjson | mb-validate --schema '$SCHEMA' -q '$Q' -"
	assert_success
	assert_output "$(head -n 1 good.ndjson)"
}

@test "every kind of bad record goes to quarantine with every rule it broke" {
	run mbrun mb-validate --schema "$SCHEMA" --unique order_id --check "$CHECK" \
	    --not-future order_ts --now 2026-01-01T00:00:00Z -q "$Q" -r "$R" bad.ndjson
	assert_success
	assert_output "$(head -n 1 bad.ndjson)"
	assert_equal "$(stderr_of_mbrun)" ""
	run cat "$Q"
	assert_output - <<'EOF'
{"order_id":"ORD-000000000002","customer_id":"C0000456","order_ts":"2025-07-05T08:00:00Z","region":"South","status":"completed","product_id":"P00007","category":"Books","store_id":"S001","quantity":"two","unit_price":5.00,"amount":10.00,"payment_method":"cash","_errors":[{"rule":"schema","field":"quantity","message":"not an integer"},{"rule":"amount_matches","field":null,"message":"error: arithmetic on a value that is not a number"}]}
{"order_id":"ORD-000000000003","customer_id":"C0000789","order_ts":"2025-07-06T09:00:00Z","region":"Atlantis","status":"completed","product_id":"P00001","category":"Toys","store_id":"S003","quantity":-1,"unit_price":5.00,"amount":-5.00,"payment_method":"card","_errors":[{"rule":"schema","field":"region","message":"not one of \"North\", \"South\", \"East\", \"West\", \"Central\""},{"rule":"schema","field":"quantity","message":"less than the minimum 1"},{"rule":"schema","field":"amount","message":"less than the minimum 0"}]}
{"order_id":"ORD-000000000004","order_ts":"2025-13-45 25:61:00","region":"West","status":"completed","product_id":"P00002","category":"Toys","store_id":"S004","quantity":1,"unit_price":5.00,"amount":5.00,"payment_method":"card","coupon":"X1","_errors":[{"rule":"schema","field":"order_ts","message":"not a date-time (RFC 3339)"},{"rule":"schema","field":"coupon","message":"field not allowed by the schema"},{"rule":"schema","field":"customer_id","message":"required field is missing"},{"rule":"not_future","field":"order_ts","message":"not a timestamp"}]}
{"_raw":"{\"order_id\":\"ORD-000000000005\",\"customer_id\":\"C0000111\",","_errors":[{"rule":"parse","field":null,"message":"column 57: unexpected end of line, expected a key in double quotes"}],"_source":"bad.ndjson","_offset":5}
{"_raw":"<html>502 Bad Gateway</html>","_errors":[{"rule":"parse","field":null,"message":"column 1: expected a JSON object ('{')"}],"_source":"feed.ndjson","_offset":6,"_ingested_at":"2025-07-06T10:00:00.000Z","_hash":"0123456789abcdef"}
{"order_id":"ORD-000000000001","customer_id":"C0000123","order_ts":"2025-07-04T12:34:56Z","region":"North","status":"completed","product_id":"P00042","category":"Electronics","store_id":"S007","quantity":2,"unit_price":19.99,"amount":39.98,"payment_method":"card","_errors":[{"rule":"unique","field":"order_id","message":"duplicate key \"ORD-000000000001\""}]}
{"order_id":"ORD-000000000008","customer_id":"C0000222","order_ts":"2025-07-08T10:00:00Z","region":"Central","status":"cancelled","product_id":"P00003","category":"Home","store_id":"S005","quantity":2,"unit_price":10.00,"amount":25.00,"payment_method":"gift_card","_errors":[{"rule":"amount_matches","field":null,"message":"check failed: abs(amount - quantity * unit_price) <= 0.01"}]}
{"order_id":"ORD-000000000009","customer_id":"C0000333","order_ts":"2031-01-01T00:00:00Z","region":"North","status":"pending","product_id":"P00004","category":"Home","store_id":"S006","quantity":1,"unit_price":1.00,"amount":1.00,"payment_method":"card","_errors":[{"rule":"not_future","field":"order_ts","message":"in the future (after 2026-01-01T00:00:00.000Z)"}]}
EOF
	assert_equal "$(counts)" "9 1 8 0 0"
	conserved
}

@test "the report is shaped like a Great Expectations result" {
	mb-validate --schema "$SCHEMA" --unique order_id --check "$CHECK" \
	    --not-future order_ts --now 2026-01-01T00:00:00Z -q "$Q" -r "$R" bad.ndjson >/dev/null
	run jq -c '[.success, .statistics]' "$R"
	assert_output '[false,{"evaluated_expectations":17,"successful_expectations":7,"unsuccessful_expectations":10,"success_percent":41.176471}]'
	run jq -c '.results[] | select(.expectation_config.meta.rule != "schema") | [.expectation_config.expectation_type, .expectation_config.kwargs, .expectation_config.meta.action, .result]' "$R"
	assert_output - <<'EOF'
["expect_records_to_be_parseable",{},"quarantine",{"element_count":9,"unexpected_count":2,"unexpected_percent":22.222222,"partial_unexpected_list":["{\"order_id\":\"ORD-000000000005\",\"customer_id\":\"C0000111\",","<html>502 Bad Gateway</html>"]}]
["expect_records_to_satisfy_expression",{"expression":"abs(amount - quantity * unit_price) <= 0.01"},"quarantine",{"element_count":7,"unexpected_count":2,"unexpected_percent":28.571429,"partial_unexpected_list":[{"amount":10,"quantity":"two","unit_price":5},{"amount":25,"quantity":2,"unit_price":10}]}]
["expect_column_values_to_be_unique",{"column":"order_id"},"quarantine",{"element_count":7,"unexpected_count":1,"unexpected_percent":14.285714,"partial_unexpected_list":["ORD-000000000001"]}]
["expect_column_values_to_not_be_in_the_future",{"column":"order_ts","now":"2026-01-01T00:00:00.000Z"},"quarantine",{"element_count":7,"unexpected_count":2,"unexpected_percent":28.571429,"partial_unexpected_list":["2025-13-45 25:61:00","2031-01-01T00:00:00Z"]}]
EOF
	run jq -c '.results[] | select(.expectation_config.kwargs.column == "quantity" and .expectation_config.meta.rule == "schema") | .result' "$R"
	assert_output '{"element_count":7,"unexpected_count":2,"unexpected_percent":28.571429,"partial_unexpected_list":["two",-1]}'
	run jq -c '[.records_in, .passed, .quarantined, .dropped, .warned, .meta.complete]' "$R"
	assert_output '[9,1,8,0,0,true]'
}

@test "--warn passes records on and counts them; --drop removes them" {
	run mbrun mb-validate --check "$CHECK" --warn amount_matches -q "$Q" -r "$R" good.ndjson bad.ndjson
	assert_success
	assert_output - <<EOF
$(cat good.ndjson)
$(sed -n '1,4p;7,9p' bad.ndjson)
EOF
	assert_equal "$(wc -l < "$Q")" 2
	assert_equal "$(counts)" "12 10 2 0 2"
	conserved
	run mbrun mb-validate --check "$CHECK" --drop amount_matches --drop parse -q "$Q.2" -r "$R" bad.ndjson
	assert_success
	assert_output "$(sed -n '1p;3p;4p;7p;9p' bad.ndjson)"
	assert_equal "$(cat "$Q.2" 2>/dev/null)" ""
	assert_equal "$(counts)" "9 5 0 4 0"
	conserved
}

@test "a rule that quarantines needs --quarantine: status 2 before any input is read" {
	run mbrun mb-validate --schema "$SCHEMA" --unique order_id --check "$CHECK" nonexistent.ndjson
	assert_failure 2
	assert_output ""
	assert_equal "$(stderr_of_mbrun | head -n 1)" "mb-validate: failing records need --quarantine FILE (or --drop RULE / --warn RULE to decide otherwise); rules that quarantine: parse, schema, amount_matches, unique"
	assert_equal "$(stderr_of_mbrun | sed -n 2p)" "usage: mb-validate [--schema FILE] [--check 'NAME: EXPR'] [--unique F[,F...]]"
	run mbrun mb-validate --unique order_id --warn unique nonexistent.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun | head -n 1)" "mb-validate: failing records need --quarantine FILE (or --drop RULE / --warn RULE to decide otherwise); rules that quarantine: parse"
}

@test "without --quarantine when every rule is dropped, warned or failed" {
	run mbrun mb-validate --schema "$SCHEMA" --check "$CHECK" --drop parse --drop schema \
	    --warn amount_matches -r "$R" good.ndjson bad.ndjson
	assert_success
	assert_output - <<EOF
$(cat good.ndjson)
$(sed -n '1p;7p;8p;9p' bad.ndjson)
EOF
	assert_equal "$(stderr_of_mbrun)" ""
	assert_equal "$(counts)" "12 7 0 5 1"
	conserved
	run mbrun mb-validate --schema "$SCHEMA" --fail parse --fail schema bad.ndjson
	assert_failure 3
	assert_output "$(head -n 1 bad.ndjson)"
	assert_equal "$(stderr_of_mbrun)" 'mb-validate: bad.ndjson:2: rule "schema" failed: field "quantity": not an integer'
}

@test "--fail stops at the first failing record with status 3, naming it" {
	run mbrun mb-validate --schema "$SCHEMA" --fail schema -q "$Q" -r "$R" bad.ndjson
	assert_failure 3
	assert_output "$(head -n 1 bad.ndjson)"
	assert_equal "$(stderr_of_mbrun)" 'mb-validate: bad.ndjson:2: rule "schema" failed: field "quantity": not an integer'
	assert_equal "$(wc -l < "$Q")" 1
	assert_equal "$(jq -c '[.records_in, .passed, .quarantined, .meta.complete]' "$R")" '[2,1,1,false]'
}

@test "--max-invalid: status 3 after all output is written" {
	run mbrun mb-validate --schema "$SCHEMA" --max-invalid 0.5 -q "$Q" -r "$R" bad.ndjson
	assert_failure 3
	assert_output - <<EOF
$(head -n 1 bad.ndjson)
$(sed -n 7p bad.ndjson)
$(sed -n 8p bad.ndjson)
$(sed -n 9p bad.ndjson)
EOF
	assert_equal "$(stderr_of_mbrun)" "mb-validate: 5 of 9 records quarantined, more than --max-invalid 0.5"
	assert_equal "$(wc -l < "$Q")" 5
	run mbrun mb-validate --schema "$SCHEMA" --max-invalid 0.6 -q "$Q.2" bad.ndjson
	assert_success
}

@test "--coerce turns strings into the numbers and booleans the schema asks for" {
	printf '%s\n' '{"n":"12","f":" 1.50 ","b":"true","s":"7","bad":"x"}' > in.tmp
	printf '%s\n' '{"properties":{"n":{"type":"integer","minimum":20},"f":{"type":"number"},"b":{"type":"boolean"},"s":{"type":"string"},"bad":{"type":"number"}}}' > s.tmp
	run mbrun mb-validate --schema s.tmp --coerce -q "$Q" -r "$R" in.tmp
	assert_success
	assert_output ""
	assert_equal "$(cat "$Q")" '{"n":"12","f":" 1.50 ","b":"true","s":"7","bad":"x","_errors":[{"rule":"schema","field":"n","message":"less than the minimum 20"},{"rule":"schema","field":"bad","message":"not a number"}]}'
	printf '%s\n' '{"n":"21","f":" 1.50 ","b":"true","s":"7"}' > in.tmp
	run mbrun mb-validate --schema s.tmp --coerce -q "$Q.2" -r "$R" in.tmp
	assert_success
	assert_output '{"n":21,"f":1.50,"b":true,"s":"7"}'
	assert_equal "$(stderr_of_mbrun)" "mb-validate: coerced 3 values to the schema's types"
	assert_equal "$(jq .coerced "$R")" 3
	rm -f in.tmp s.tmp
}

@test "--rescue moves fields the schema forbids into _rescued" {
	run mbrun mb-validate --schema "$SCHEMA" --rescue -q "$Q" -r "$R" bad.ndjson
	assert_success
	assert_line --index 0 "$(head -n 1 bad.ndjson)"
	run bash -c "sed -n 4p bad.ndjson | sed 's/\"order_id\"/\"customer_id\":\"C0000001\",&/; s/2025-13-45 25:61:00/2025-07-01T00:00:00Z/' | mb-validate --schema '$SCHEMA' --rescue -q '$Q.2'"
	assert_success
	assert_output '{"customer_id":"C0000001","order_id":"ORD-000000000004","order_ts":"2025-07-01T00:00:00Z","region":"West","status":"completed","product_id":"P00002","category":"Toys","store_id":"S004","quantity":1,"unit_price":5.00,"amount":5.00,"payment_method":"card","_rescued":{"coupon":"X1"}}'
}

@test "lineage fields (_source, _hash...) are allowed by additionalProperties false" {
	line='{"order_id":"ORD-000000000001","customer_id":"C0000123","order_ts":"2025-07-04T12:34:56Z","region":"North","status":"completed","product_id":"P00042","category":"Electronics","store_id":"S007","quantity":2,"unit_price":19.99,"amount":39.98,"payment_method":"card","_source":"a.ndjson","_offset":1,"_ingested_at":"2025-07-04T12:35:00.000Z","_hash":"f5a72556edf34f3b"}'
	run bash -c "printf '%s\n' '$line' | mb-validate --schema '$SCHEMA' -q '$Q'"
	assert_success
	assert_output "$line"
}

@test "values of the wrong type in every position" {
	printf '%s\n' '{"properties":{"s":{"type":"string"},"i":{"type":"integer"},"n":{"type":"number"},"b":{"type":"boolean"},"z":{"type":"null"},"o":{"type":"object","properties":{"x":{"type":"integer"}},"required":["y"]},"a":{"type":"array","items":{"type":"string"}},"u":{"type":["string","null"]}}}' > s.tmp
	printf '%s\n' '{"s":1,"i":1.5,"n":"1","b":"true","z":0,"o":{"x":"1"},"a":[1,"x",true],"u":2}' '{"s":"x","i":2.0,"n":1e3,"b":false,"z":null,"o":{"x":1,"y":0},"a":[],"u":null}' > in.tmp
	run mbrun mb-validate --schema s.tmp -q "$Q" in.tmp
	assert_success
	assert_output '{"s":"x","i":2.0,"n":1e3,"b":false,"z":null,"o":{"x":1,"y":0},"a":[],"u":null}'
	assert_equal "$(jq -c ._errors "$Q")" '[{"rule":"schema","field":"s","message":"not a string"},{"rule":"schema","field":"i","message":"not an integer"},{"rule":"schema","field":"n","message":"not a number"},{"rule":"schema","field":"b","message":"not a boolean"},{"rule":"schema","field":"z","message":"not null"},{"rule":"schema","field":"o.x","message":"not an integer"},{"rule":"schema","field":"o.y","message":"required field is missing"},{"rule":"schema","field":"a[0]","message":"not a string"},{"rule":"schema","field":"a[2]","message":"not a string"},{"rule":"schema","field":"u","message":"not a string or null"}]'
	rm -f s.tmp in.tmp
}

@test "string keywords: minLength, maxLength, pattern, format, const" {
	printf '%s\n' '{"properties":{"c":{"minLength":2,"maxLength":3},"p":{"pattern":"^\\d{2}-[A-Z]+$"},"d":{"format":"date"},"t":{"format":"date-time"},"e":{"format":"email"},"k":{"const":"v1"},"x":{"exclusiveMaximum":10,"exclusiveMinimum":0}}}' > s.tmp
	printf '%s\n' '{"c":"é","p":"1-AB","d":"2025-02-29","t":"2025-07-04T25:00:00Z","e":"no-at.example.com","k":"v2","x":10}' '{"c":"éé","p":"12-AB","d":"2024-02-29","t":"2025-07-04T12:00:00.5+02:00","e":"a@b.co","k":"v1","x":9.99}' > in.tmp
	run mbrun mb-validate --schema s.tmp -q "$Q" in.tmp
	assert_success
	assert_output '{"c":"éé","p":"12-AB","d":"2024-02-29","t":"2025-07-04T12:00:00.5+02:00","e":"a@b.co","k":"v1","x":9.99}'
	assert_equal "$(jq -c ._errors "$Q")" '[{"rule":"schema","field":"c","message":"shorter than 2 characters"},{"rule":"schema","field":"p","message":"does not match the pattern ^\\d{2}-[A-Z]+$"},{"rule":"schema","field":"d","message":"not a date (YYYY-MM-DD)"},{"rule":"schema","field":"t","message":"not a date-time (RFC 3339)"},{"rule":"schema","field":"e","message":"not an email address"},{"rule":"schema","field":"k","message":"not the constant \"v1\""},{"rule":"schema","field":"x","message":"not less than 10"}]'
	rm -f s.tmp in.tmp
}

@test "a huge string is checked and reported shortened" {
	big=$(head -c 100000 /dev/zero | tr '\0' 'x')
	printf '{"category":"%s"}\n' "$big" > in.tmp
	run mbrun mb-validate --schema <(echo '{"properties":{"category":{"maxLength":64}}}') -q "$Q" -r "$R" in.tmp
	assert_success
	assert_output ""
	assert_equal "$(jq -c ._errors "$Q")" '[{"rule":"schema","field":"category","message":"longer than 64 characters"}]'
	assert_equal "$(jq -r '.results[] | select(.expectation_config.kwargs.column == "category") | .result.partial_unexpected_list[0] | length' "$R")" 122
	rm -f in.tmp
}

@test "--unique on several fields; a missing key is not a repeat" {
	printf '%s\n' '{"a":1,"b":"x"}' '{"a":1,"b":"y"}' '{"a":1,"b":"x"}' '{"b":"x"}' '{"b":"x"}' > in.tmp
	run mbrun mb-validate --unique a,b -q "$Q" in.tmp
	assert_success
	assert_output - <<'EOF'
{"a":1,"b":"x"}
{"a":1,"b":"y"}
{"b":"x"}
{"b":"x"}
EOF
	assert_equal "$(cat "$Q")" '{"a":1,"b":"x","_errors":[{"rule":"unique","field":"a,b","message":"duplicate key [1,\"x\"]"}]}'
	rm -f in.tmp
}

@test "a schema that is not JSON is status 2" {
	echo '{"type": "object",' > s.tmp
	run mbrun mb-validate --schema s.tmp good.ndjson
	assert_failure 2
	assert_output ""
	assert_equal "$(stderr_of_mbrun)" "mb-validate: s.tmp: not a JSON object: column 19: unexpected end of line, expected a key in double quotes"
	rm -f s.tmp
}

@test "a keyword or a property given twice in a schema is status 2, naming it" {
	# one of the two would be a rule silently not enforced (and leaked)
	T=$BATS_TEST_TMPDIR
	echo '{"properties": {"a": {"type": "string", "pattern": "^x", "pattern": "^y"}}}' > "$T/s.tmp"
	run mbrun mb-validate --schema "$T/s.tmp" good.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" "mb-validate: $T/s.tmp: at a: \"pattern\" given twice"
	echo '{"properties": {"o": {"properties": {"a": {"type": "string"}, "b": true, "a": {"type": "integer"}}}}}' > "$T/s.tmp"
	run mbrun mb-validate --schema "$T/s.tmp" good.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" "mb-validate: $T/s.tmp: at o: property \"a\" given twice"
	echo '{"required": ["a"], "type": "object", "required": ["b"]}' > "$T/s.tmp"
	run mbrun mb-validate --schema "$T/s.tmp" good.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" "mb-validate: $T/s.tmp: \"required\" given twice"
}

@test "integer: a number with no fraction, however it is written or large" {
	T=$BATS_TEST_TMPDIR
	echo '{"properties": {"n": {"type": "integer"}}}' > "$T/s"
	printf '%s\n' '{"n":1e70}' '{"n":2.0e3}' '{"n":12345678901234567890123.0}' '{"n":-9.3e18}' \
	    '{"n":1.5}' '{"n":1e-5}' '{"n":1.0000000000000000000001}' > "$T/in"
	run mbrun mb-validate --schema "$T/s" -q "$T/q" "$T/in"
	assert_success
	assert_output '{"n":1e70}
{"n":2.0e3}
{"n":12345678901234567890123.0}
{"n":-9.3e18}'
	run sed 's/,"_errors":\[{"rule":"schema","field":"n","message":"not an integer"}\]}$/ no/' "$T/q"
	assert_output '{"n":1.5 no
{"n":1e-5 no
{"n":1.0000000000000000000001 no'
}

@test "a field named \"\" can be required and typed like any other" {
	T=$BATS_TEST_TMPDIR
	echo '{"required": [""], "properties": {"": {"type": "integer"}}}' > "$T/s"
	printf '%s\n' '{"":1}' '{"a":1}' '{"":"x"}' > "$T/in"
	run mbrun mb-validate --schema "$T/s" -q "$T/q" "$T/in"
	assert_success
	assert_output '{"":1}'
	run cat "$T/q"
	assert_output '{"a":1,"_errors":[{"rule":"schema","field":"","message":"required field is missing"}]}
{"":"x","_errors":[{"rule":"schema","field":"","message":"not an integer"}]}'
}

@test "an unsupported keyword is status 2, naming it" {
	echo '{"properties": {"a": {"oneOf": [{"type": "string"}]}}}' > s.tmp
	run mbrun mb-validate --schema s.tmp good.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" 'mb-validate: s.tmp: at a: unsupported keyword "oneOf"'
	echo '{"properties": {"a": {"format": "ipv4"}}}' > s.tmp
	run mbrun mb-validate --schema s.tmp good.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" 'mb-validate: s.tmp: at a: unsupported format "ipv4" (date-time, date, email)'
	rm -f s.tmp
}

@test "an invalid regex is status 2" {
	echo '{"properties": {"a": {"pattern": "([a-z"}}}' > s.tmp
	run mbrun mb-validate --schema s.tmp good.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" 'mb-validate: s.tmp: at a: bad pattern "([a-z": Unmatched [, [^, [:, [., or [='
	rm -f s.tmp
}

@test "a missing schema file is status 2" {
	run mbrun mb-validate --schema nonexistent.json good.ndjson
	assert_failure 2
	assert_output ""
	[[ "$(stderr_of_mbrun)" == "mb-validate: "*"nonexistent.json"* ]]
}

@test "a bad --check is status 2 with the column of the mistake" {
	run mbrun mb-validate --check 'ok: amount >' good.ndjson
	assert_failure 2
	assert_output ""
	assert_equal "$(stderr_of_mbrun)" 'mb-validate: --check "ok: amount >": column 9: unexpected end of expression'
	run mbrun mb-validate --check 'ok: nosuch(amount)' good.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" 'mb-validate: --check "ok: nosuch(amount)": column 1: unknown function "nosuch"'
	run mbrun mb-validate --schema "$SCHEMA" --check 'ok: amont > 0' good.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" "mb-validate: --check \"ok: amont > 0\": unknown field \"amont\" (not in $SCHEMA)"
	run mbrun mb-validate --check 'amount > 0' good.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun | head -n 1)" 'mb-validate: --check "amount > 0": expected NAME: EXPR'
}

@test "a rule's field in neither the schema nor the first record is status 2; --allow-missing allows it" {
	printf '%s\n' '{"Quantity":1,"c":{"x":1},"_source":"f"}' '{"Quantity":0}' > "$BATS_TEST_TMPDIR/in"
	cd "$BATS_TEST_TMPDIR"
	run mbrun mb-validate --check 'x: Quantiy > 0' -q "$Q" in
	assert_failure 2
	assert_output ""
	assert_equal "$(stderr_of_mbrun)" 'mb-validate: --check "x: Quantiy > 0": unknown field "Quantiy" (not in the first record; --allow-missing allows it)'
	echo '{"properties": {"Quantity": {"type": "integer"}, "Other": {}}}' > open.json
	run mbrun mb-validate --schema open.json --unique Nope -q "$Q" in
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" 'mb-validate: --unique "Nope": unknown field "Nope" (not in open.json or the first record; --allow-missing allows it)'
	run mbrun mb-validate --schema open.json --not-future _ingested_at -q "$Q" in
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" 'mb-validate: --not-future "_ingested_at": unknown field "_ingested_at" (not in open.json or the first record; --allow-missing allows it)'
	# declared, in the first record, a member of an object that is there,
	# a lineage field there: all known
	run mbrun mb-validate --schema open.json --check 'x: Quantity > 0 and is_null(Other) and is_null(c.y) and _source = "f"' -q "$Q" -r "$R" in
	assert_success
	assert_output '{"Quantity":1,"c":{"x":1},"_source":"f"}'
	run mbrun mb-validate --check 'x: Quantiy > 0' --allow-missing -q "$Q" in
	assert_success
	assert_output - <<'EOF'
{"Quantity":1,"c":{"x":1},"_source":"f"}
{"Quantity":0}
EOF
	# no record, nothing to check against
	run mbrun mb-validate --check 'x: Quantiy > 0' -q "$Q" /dev/null
	assert_success
}

@test "a --check that compares with null is status 2: it would pass every record" {
	run mbrun mb-validate --check 'c: CustomerID != null' -q "$Q" good.ndjson
	assert_failure 2
	assert_output ""
	assert_equal "$(stderr_of_mbrun)" 'mb-validate: --check "c: CustomerID != null": column 12: a comparison with null is always null, never true or false; use is_null(x) or not is_null(x)'
}

@test "a bad flag or an unknown rule is status 2 with the usage" {
	run mbrun mb-validate --bogus good.ndjson
	assert_failure 2
	assert_output ""
	[[ "$(stderr_of_mbrun)" == *"usage: mb-validate"* ]]
	run mbrun mb-validate --warn nosuch good.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun | head -n 1)" 'mb-validate: no rule named "nosuch" (rules: parse, schema, unique, not_future and the --check names in use)'
	run mbrun mb-validate --max-invalid 2 good.ndjson
	assert_failure 2
}

@test "--help is stdout and status 0" {
	run mbrun mb-validate --help
	assert_success
	assert_line --index 0 --partial "usage: mb-validate"
	assert_equal "$(stderr_of_mbrun)" ""
}

@test "| head -n 1: status 0 and nothing on stderr" {
	for i in $(seq 2000); do cat good.ndjson; done > "$BATS_TEST_TMPDIR/many.ndjson"
	run bash -c "mb-validate --schema '$SCHEMA' -q '$Q' '$BATS_TEST_TMPDIR/many.ndjson' 2>'$BATS_TEST_TMPDIR/err' | head -n 1; echo \"\${PIPESTATUS[0]}\""
	assert_output "$(head -n 1 good.ndjson)
0"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" ""
}

@test "streaming: a record comes out while the input is still open" {
	mkfifo "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	mb-validate --schema "$SCHEMA" -q "$Q" < "$BATS_TEST_TMPDIR/in" > "$BATS_TEST_TMPDIR/out" &
	exec 5>"$BATS_TEST_TMPDIR/in" 6<"$BATS_TEST_TMPDIR/out"
	head -n 1 good.ndjson >&5
	read -r -t 10 line <&6
	exec 5>&- 6<&-
	wait
	assert_equal "$line" "$(head -n 1 good.ndjson)"
}

@test "streaming: without --now, --not-future judges a record by the time it is read" {
	# made 2 s after mb-validate started, read after that: not future;
	# one an hour ahead of the clock is
	run bash -c "{ sleep 2.2; echo '{\"t\":\"'\$(date -u +%Y-%m-%dT%H:%M:%SZ)'\"}'; echo '{\"t\":\"'\$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)'\"}'; } | mb-validate --not-future t --allow-missing -q '$Q' | wc -l; jq -r '._errors[0].rule' '$Q'"
	assert_output "1
not_future"
}

@test "SIGTERM writes the report of what was seen" {
	mkfifo "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	mb-validate --schema "$SCHEMA" -q "$Q" -r "$R" < "$BATS_TEST_TMPDIR/in" > "$BATS_TEST_TMPDIR/out" &
	pid=$!
	exec 5>"$BATS_TEST_TMPDIR/in" 6<"$BATS_TEST_TMPDIR/out"
	head -n 2 good.ndjson >&5
	read -r -t 10 line <&6
	read -r -t 10 line <&6
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	exec 5>&- 6<&-
	assert_equal "$rc" 143
	assert_equal "$(jq -c '[.records_in, .passed, .meta.complete]' "$R")" '[2,2,false]'
}

@test "--quarantine DIR: the quarantine is a dataset, one commit per run" {
	QD="$BATS_TEST_TMPDIR/quarantine"
	mkdir "$QD"
	run mbrun mb-validate --schema "$SCHEMA" -q "$QD" bad.ndjson
	assert_success
	assert_equal "${#lines[@]}" 4
	run bash -c "mb-cat '$QD' | jq -c '[._offset // .order_id, [._errors[].rule]]'"
	assert_output - <<'EOF'
["ORD-000000000002",["schema"]]
["ORD-000000000003",["schema","schema","schema"]]
["ORD-000000000004",["schema","schema","schema"]]
[5,["parse"]]
[6,["parse"]]
EOF
	# a second run appends a version; a run with nothing to quarantine
	# commits nothing; a path ending in / is a dataset made anew
	mb-validate --schema "$SCHEMA" -q "$QD" bad.ndjson > /dev/null
	mb-validate --schema "$SCHEMA" -q "$QD" good.ndjson > /dev/null
	run bash -c "mb-lake log '$QD' | awk '{ print \$1, \$3, \$6 }'"
	assert_output - <<'EOF'
VERSION OPERATION RECORDS+
0 WRITE 5
1 WRITE 5
EOF
	run mb-lake verify "$QD"
	assert_success
	mb-validate --schema "$SCHEMA" -q "$BATS_TEST_TMPDIR/new/" bad.ndjson > /dev/null
	run bash -c "mb-cat '$BATS_TEST_TMPDIR/new' | wc -l"
	assert_output 5
}

@test "--quarantine DIR commits before stdout ends, so before a mb-write downstream commits" {
	QD="$BATS_TEST_TMPDIR/quarantine"
	run bash -c "mb-validate --schema '$SCHEMA' -q '$QD/' bad.ndjson | { cat > /dev/null; ls '$QD/_mb_log'; } "
	assert_output 00000000000000000000.json
	# --fail: the failing record is committed before the run stops
	run mbrun mb-validate --schema "$SCHEMA" --fail schema -q "$BATS_TEST_TMPDIR/f/" bad.ndjson
	assert_failure 3
	run bash -c "mb-cat '$BATS_TEST_TMPDIR/f' | jq -c '[.order_id, ._errors[0].field]'"
	assert_output '["ORD-000000000002","quantity"]'
}

@test "--quarantine DIR: SIGTERM commits what was quarantined, then ends by the signal" {
	QD="$BATS_TEST_TMPDIR/quarantine"
	mkfifo "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	mb-validate --schema "$SCHEMA" -q "$QD/" -r "$R" < "$BATS_TEST_TMPDIR/in" > "$BATS_TEST_TMPDIR/out" &
	pid=$!
	exec 5>"$BATS_TEST_TMPDIR/in" 6<"$BATS_TEST_TMPDIR/out"
	# two to quarantine, then one that passes: when it comes out, the
	# two before it were seen
	sed -n '2,3p;1p' bad.ndjson >&5
	read -r -t 10 line <&6
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	exec 5>&- 6<&-
	assert_equal "$rc" 143
	run bash -c "mb-cat '$QD' | jq -c .order_id"
	assert_output - <<'EOF'
"ORD-000000000002"
"ORD-000000000003"
EOF
	assert_equal "$(jq -c '[.records_in, .passed, .quarantined, .meta.complete]' "$R")" '[3,1,2,false]'
}

@test "one 16 MB line of 1,000,000 keys: memory a small multiple of the line, 100 failures listed" {
	python3 -c "print('{' + ','.join('\"k%d\":%d' % (i, i) for i in range(1000000)) + '}')" > "$BATS_TEST_TMPDIR/big"
	# (ASan keeps freed memory for a while unless told not to)
	ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=0" /usr/bin/time -f %M -o "$BATS_TEST_TMPDIR/rss" \
	    mb-validate --schema "$SCHEMA" -q "$Q" "$BATS_TEST_TMPDIR/big" > /dev/null
	line=$(wc -c < "$BATS_TEST_TMPDIR/big")
	rss=$(( $(cat "$BATS_TEST_TMPDIR/rss") * 1024 ))
	echo "line $line bytes, peak RSS $rss bytes"
	[ "$rss" -lt $(( 8 * line )) ]
	# the quarantine record: the line and 101 errors, not a million
	[ "$(wc -c < "$Q")" -lt $(( line + 20000 )) ]
	run jq -c '._errors | [length, .[0], .[100]]' "$Q"
	assert_output '[101,{"rule":"schema","field":"k0","message":"field not allowed by the schema"},{"rule":"schema","field":null,"message":"999912 more schema failures not listed"}]'
}

@test "conservation on generated dirty data: in = passed + quarantined + dropped" {
	mb-gen -n 3000 --dirty 0.1 --seed 3 | mb-ingest 2>/dev/null \
	    | mb-validate --schema "$SCHEMA" --unique order_id --check "$CHECK" \
	        --drop unique -q "$Q" -r "$R" > "$BATS_TEST_TMPDIR/out.ndjson"
	conserved
	assert_equal "$(jq .records_in "$R")" "$(mb-gen -n 3000 --dirty 0.1 --seed 3 | mb-ingest 2>/dev/null | wc -l)"
	assert_equal "$(jq .passed "$R")" "$(wc -l < "$BATS_TEST_TMPDIR/out.ndjson")"
	assert_equal "$(jq .quarantined "$R")" "$(wc -l < "$Q")"
	[ "$(jq .dropped "$R")" -gt 0 ]
}
