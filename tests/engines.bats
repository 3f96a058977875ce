#!/usr/bin/env bats
# The engines mb-enrich is built on, through the engine-check driver:
# masking (SHA-256, HMAC, keys), date parts, dimension tables, patches,
# the data-quality report mb-validate writes and its record rules.

load helper

@test "sha256: the FIPS 180-4 test vectors" {
	run bash -c "printf 'abc\n\nabcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq\n' | engine-check sha256"
	assert_success
	assert_output - <<'EOF'
ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1
EOF
	run bash -c "python3 -c \"print('a' * 1000000)\" | engine-check sha256"
	assert_output cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0
}

@test "hmac: RFC 4231 cases 2 and 6 (a key longer than a block); mask is its first 16 bytes" {
	run bash -c "echo 'what do ya want for nothing?' | engine-check hmac 4a656665"
	assert_output 5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843
	run bash -c "echo 'what do ya want for nothing?' | engine-check mask 4a656665"
	assert_output 5bdcc146bf60754e6a042426089575c7
	key=$(printf 'aa%.0s' $(seq 131))
	run bash -c "echo 'Test Using Larger Than Block-Size Key - Hash Key First' | engine-check hmac $key"
	assert_output 60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54
}

@test "secret: from an owner-only file (one newline dropped) or the environment, never a readable file" {
	cd "$BATS_TEST_TMPDIR"
	printf 's3cret\n' > key
	chmod 600 key
	run engine-check secret key MB_NONE </dev/null
	assert_output '6: s3cret'
	chmod 644 key
	run engine-check secret key MB_NONE </dev/null
	assert_output 'error: key: must be a file that only its owner can read (chmod 600)'
	run engine-check secret nonexistent MB_NONE </dev/null
	assert_output 'error: nonexistent: No such file or directory'
	MB_TEST_KEY=fromenv run engine-check secret - MB_TEST_KEY </dev/null
	assert_output '7: fromenv'
	run engine-check secret - MB_TEST_UNSET_KEY </dev/null
	assert_output 'error: no key: MB_TEST_UNSET_KEY is not set'
}

@test "dparts: strings, offsets, epochs, the day remembered, null, and what is not a time" {
	run engine-check dparts <<'EOF'
"2025-07-04T12:00:00Z"
"2025-07-04T09:30:00Z"
"2025-07-04T23:59:59Z"
"2025-07-05T00:00:00Z"
"2025-07-04 08:26:00"
1720094400
1720094400123
null
"soon"
true
{"a":1}
"2024-02-29T23:59:60Z"
"2025-07-04T12:00:00+02:00"
"\u0032025-07-04T01:00:00Z"
EOF
	assert_success
	assert_output - <<'EOF'
1 2025 7 4 6 12 "2025-07-04"
1 2025 7 4 6 9 "2025-07-04"
1 2025 7 4 6 23 "2025-07-04"
1 2025 7 5 7 0 "2025-07-05"
1 2025 7 4 6 8 "2025-07-04"
1 2024 7 4 5 12 "2024-07-04"
1 2024 7 4 5 12 "2024-07-04"
0
-1 not a timestamp: "soon"
-1 not a timestamp: true
-1 not a timestamp: {"a":1}
1 2024 2 29 5 23 "2024-02-29"
1 2025 7 4 6 10 "2025-07-04"
1 2025 7 4 6 1 "2025-07-04"
EOF
}

keys() {
	printf '"P1"\n"P\\u0031"\n3\n"3"\n2\nnull\n"nope"\n{"a":1}\n'
}

@test "dim: CSV and NDJSON tables; keys match on their text; missing values are null" {
	cd "$BATS_TEST_TMPDIR"
	printf 'id,name,price\nP1,Apple,1.50\nP2,"Pear, ripe",2\n3,Three,\n' > d.csv
	printf '{"id":"P1","name":"Apple","x":1}\n\n{"id":2,"name":"Two"}\n' > d.ndjson
	run bash -c "$(declare -f keys); keys | engine-check dim d.csv id"
	assert_success
	assert_output - <<'EOF'
3 rows: name price
"P1" -> 0 "Apple" 1.50
"P\u0031" -> 0 "Apple" 1.50
3 -> 2 "Three" null
"3" -> 2 "Three" null
2 -> -1
null -> -1
"nope" -> -1
{"a":1} -> -1
EOF
	run bash -c "$(declare -f keys); keys | engine-check dim d.ndjson id x"
	assert_output - <<'EOF'
2 rows: x
"P1" -> 0 1
"P\u0031" -> 0 1
3 -> -1
"3" -> -1
2 -> 1 null
null -> -1
"nope" -> -1
{"a":1} -> -1
EOF
}

@test "dim: a dataset's newest snapshot; a repeated key kept first or an error; bad tables" {
	cd "$BATS_TEST_TMPDIR"
	printf '{"id":"P1","name":"Apple"}\n{"id":2,"name":"Two"}\n' | mb-write ds
	printf '{"id":"P3","name":"New"}\n' | mb-write ds
	run bash -c "printf '\"P3\"\n2\n' | engine-check dim ds id"
	assert_output - <<'EOF'
3 rows: name
"P3" -> 2 "New"
2 -> 1 "Two"
EOF
	printf 'id,v\nP1,a\nP1,b\n' > dup.csv
	run engine-check dim dup.csv id </dev/null
	assert_failure 2
	assert_output 'error 2: dup.csv:3: duplicate key "P1"'
	run bash -c "echo '\"P1\"' | engine-check dim dup.csv id - first"
	assert_output - <<'EOF'
1 rows: v
"P1" -> 0 "a"
EOF
	run engine-check dim dup.csv nokey </dev/null
	assert_output 'error 1: dup.csv:2: no value for the key "nokey"'
	run engine-check dim dup.csv id nope </dev/null
	assert_output 'error 1: dup.csv: no field "nope"'
	printf 'id\n' > empty.csv
	run engine-check dim empty.csv id </dev/null
	assert_output 'error 1: empty.csv: no rows'
	run engine-check dim "$BATS_TEST_TMPDIR" id </dev/null
	assert_output "error 1: $BATS_TEST_TMPDIR: not a dataset (no _mb_log folder)"
	run engine-check dim nonexistent.csv id </dev/null
	assert_output 'error 1: nonexistent.csv: No such file or directory'
}

records() {
	printf '%s\n' '{"a":1,"b":"x"}' '{}' '{"c" : 3 }' '{"b":1,"b":2}' '{"\u0061":9,"z":0}'
}

@test "patch: new fields are appended to the line as it is; a field the record has is replaced in place" {
	run bash -c "$(declare -f records); records | engine-check patch plan c=7 d='\"new\"'"
	assert_success
	assert_output - <<'EOF'
{"a":1,"b":"x","c":7,"d":"new"}
{"c":7,"d":"new"}
{"c":7,"d":"new"}
{"b":1,"b":2,"c":7,"d":"new"}
{"\u0061":9,"z":0,"c":7,"d":"new"}
EOF
}

@test "patch: deletes, names spelled with escapes, names that are not mb_names, the last change wins" {
	run bash -c "$(declare -f records); records | engine-check patch - a=2 -b e:=true"
	assert_output - <<'EOF'
{"a":2,"e":true}
{"a":2,"e":true}
{"c" : 3,"a":2,"e":true}
{"b":2,"a":2,"e":true}
{"a":2,"z":0,"e":true}
EOF
	run bash -c "$(declare -f records); records | engine-check patch - a=1 a=@ -a z='[1]'"
	assert_output - <<'EOF'
{"b":"x","z":[1]}
{"z":[1]}
{"c" : 3,"z":[1]}
{"b":1,"b":2,"z":[1]}
{"z":[1]}
EOF
	run bash -c "$(declare -f records); records | engine-check patch plan b=5 b=6"
	assert_output - <<'EOF'
{"a":1,"b":6}
{"b":6}
{"c" : 3,"b":6}
{"b":6,"b":2}
{"\u0061":9,"z":0,"b":6}
EOF
}

@test "patch: a record of 100000 fields with every seventh replaced" {
	run bash -c "python3 -c 'import json; print(json.dumps({\"k%d\" % i: i for i in range(100000)}))' | engine-check patch - \$(python3 -c 'print(\" \".join(\"k%d:=0\" % i for i in range(0, 100000, 7)))') | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d), d[\"k7\"], d[\"k8\"])'"
	assert_success
	assert_output '100000 0 8'
}

@test "dq: expectations count each record once, keep 20 values (long ones shortened), and render the report" {
	cd "$BATS_TEST_TMPDIR"
	{
		echo 'add parse - expect_records_to_be_parseable all'
		echo 'add schema qty expect_column_values_to_match_schema some'
		echo 'fail 1 1 "x"'
		echo 'fail 1 1 "the same record again"'
		echo 'fail 1 2'
		echo 'fail 0 3 "not json"'
		python3 -c "print('fail 1 4 \"' + 'é' * 200 + '\"')"
		python3 -c "print('fail 1 5 {\"k\": \"' + 'v' * 300 + '\"}')"
		echo 'action 1 2'
		echo 'write 5 4 0'
	} > in
	run engine-check dq dq.json < in
	assert_success
	assert_output - <<'EOF'
0
1
find parse=0 nosuch=-1
EOF
	run jq -c '.results[] | [.expectation_config.meta.action, .result.element_count, .result.unexpected_count, .result.unexpected_percent, (.result.partial_unexpected_list | map(tostring | .[0:24]))]' dq.json
	assert_output - <<'EOF'
["quarantine",5,1,20,["not json"]]
["drop",4,4,100,["x","null","éééééééééééééééééééééééé","(object of 309 bytes)"]]
EOF
	run jq -c '[.success, .statistics, .records_in, .passed, .meta.complete]' dq.json
	assert_output '[false,{"evaluated_expectations":2,"successful_expectations":0,"unsuccessful_expectations":2,"success_percent":0},5,4,false]'
	run jq -r '.results[1].result.partial_unexpected_list[2] | length' dq.json
	assert_output 62
}

@test "rules: a check, a compound unique key and a time not in the future give each record its failures, in order, and its fate" {
	cd "$BATS_TEST_TMPDIR"
	cat > in <<'IN'
{"id":1,"k":"a","q":2,"t":"2025-01-01T00:00:00Z"}
{"id":1,"k":"a","q":-1,"t":"2026-01-01T00:00:00Z"}
{"id":1,"k":"b","q":null}
{"id":2,"k":"b","q":"x","t":"soon"}
{"id":2,"k":"b","q":1,"t":1735689600}
{"id":3}
not json
IN
	run engine-check rules 2025-06-01T00:00:00Z 'q * 2 > 0' id,k t < in
	assert_success
	assert_output - <<'OUT'
warn 0 []
quarantine 3 [{"rule":"check","field":null,"message":"check failed: q * 2 > 0"},{"rule":"unique","field":"id,k","message":"duplicate key [1,\"a\"]"},{"rule":"not_future","field":"t","message":"in the future (after 2025-06-01T00:00:00.000Z)"}]
warn 0 []
quarantine 2 [{"rule":"check","field":null,"message":"error: arithmetic on a value that is not a number"},{"rule":"not_future","field":"t","message":"not a timestamp"}]
drop 1 [{"rule":"unique","field":"id,k","message":"duplicate key [2,\"b\"]"}]
warn 0 []
bad record: column 1: expected a JSON object ('{')
OUT
}
