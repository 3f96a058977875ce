#!/usr/bin/env bats
# mb-ingest: formats, lineage, every kind of bad input, checkpoints.

load helper

setup() {
	cd "$DATA/ingest"
}

@test "NDJSON: each record gets _source, _offset, _ingested_at, _hash" {
	run mbrun mb-ingest orders.ndjson
	assert_success
	assert_output - <<'EOF'
{"order_id":"A1","amount":12.50,"_source":"orders.ndjson","_offset":1,"_ingested_at":"T","_hash":"47875fd6f8eb083c"}
{"order_id":"A2","amount":3,"_source":"orders.ndjson","_offset":2,"_ingested_at":"T","_hash":"c443ca98f7fb2c67"}
EOF
	[ "$(stderr_of_mbrun)" = "" ]
}

@test "_hash is xxh3-64 of the raw line, as xxhsum -H3 computes it" {
	line=$(head -n 1 orders.ndjson)
	want=$(printf '%s' "$line" | xxhsum -H3 | sed 's/.* = //')
	run bash -c 'mb-ingest orders.ndjson | head -n 1 | grep -o "\"_hash\":\"[0-9a-f]*\""'
	assert_output "\"_hash\":\"$want\""
}

@test "_ingested_at is RFC 3339 UTC with milliseconds" {
	run bash -c 'mb-ingest orders.ndjson | grep -cE "\"_ingested_at\":\"20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]\.[0-9]{3}Z\""'
	assert_output 2
}

@test "stdin is read when there is no file or '-'" {
	run mbrun bash -c 'printf "{\"x\":1}\n" | mb-ingest'
	assert_output '{"x":1,"_source":"-","_offset":1,"_ingested_at":"T","_hash":"9032abd1ed27df67"}'
	run mbrun bash -c 'printf "{\"x\":1}\n" | mb-ingest -'
	assert_output '{"x":1,"_source":"-","_offset":1,"_ingested_at":"T","_hash":"9032abd1ed27df67"}'
}

@test "empty input: no output, status 0" {
	run mbrun mb-ingest /dev/null
	assert_success
	assert_output ""
	: > "$BATS_TEST_TMPDIR/empty.csv"
	run mbrun mb-ingest "$BATS_TEST_TMPDIR/empty.csv"
	assert_success
	assert_output ""
}

@test "zstd input, several frames, is read by its magic bytes" {
	f="$BATS_TEST_TMPDIR/two.log"
	printf '{"a":1}\n' | zstd -q > "$f"
	printf '{"b":2}\n' | zstd -q >> "$f"
	run mbrun mb-ingest "$f"
	assert_success
	assert_output - <<EOF
{"a":1,"_source":"$f","_offset":1,"_ingested_at":"T","_hash":"c5e3762ffc8453c6"}
{"b":2,"_source":"$f","_offset":2,"_ingested_at":"T","_hash":"2e1c6cc377806a21"}
EOF
}

@test "zstd CSV: .csv.zst is CSV" {
	zstd -q -c typed.csv > "$BATS_TEST_TMPDIR/typed.csv.zst"
	run bash -c "mb-ingest $BATS_TEST_TMPDIR/typed.csv.zst | wc -l"
	assert_output 2
}

@test "a truncated .zst is status 1 naming the file and byte offset" {
	f="$BATS_TEST_TMPDIR/t.ndjson.zst"
	seq 1 20000 | sed 's/.*/{"n":&}/' | zstd -q -c | head -c 3000 > "$f"
	run --separate-stderr mb-ingest "$f"
	assert_failure 1
	assert_equal "$stderr" "mb-ingest: $f: truncated zstd frame at byte 3000"
	# whatever came out before the damage is whole records
	[ "$(printf '%s' "$output" | jq -c 'select(.n)' | wc -l)" = "${#lines[@]}" ]
}

@test "a corrupt .zst is status 1 naming the file and byte offset" {
	f="$BATS_TEST_TMPDIR/c.zst"
	seq 1 1000 | zstd -q -c > "$f"
	printf '\xff\xff\xff\xff' | dd of="$f" bs=1 seek=40 conv=notrunc 2>/dev/null
	run --separate-stderr mb-ingest "$f"
	assert_failure 1
	[[ "$stderr" == "mb-ingest: $f: corrupt zstd data at or after byte "*": Restored data doesn't match checksum" ]]
}

@test "CSV: header keys, a type per column from the rows, leading zeros make a string column" {
	run mbrun mb-ingest typed.csv
	assert_success
	assert_output - <<'EOF'
{"id":1,"code":"00123","price":12.50,"qty":-3,"flag":true,"note":"hello, world","empty_q":"","_source":"typed.csv","_offset":2,"_ingested_at":"T","_hash":"513550ca75570010"}
{"id":2,"code":"77","price":1e3,"qty":0,"flag":false,"note":null,"empty_q":"x","_source":"typed.csv","_offset":3,"_ingested_at":"T","_hash":"932356b366db2f66"}
EOF
}

@test "CSV: --infer values types each value by its text, --infer none keeps text" {
	run mbrun mb-ingest --infer values typed.csv
	assert_success
	assert_output - <<'EOF'
{"id":1,"code":"00123","price":12.50,"qty":-3,"flag":true,"note":"hello, world","empty_q":"","_source":"typed.csv","_offset":2,"_ingested_at":"T","_hash":"513550ca75570010"}
{"id":2,"code":77,"price":1e3,"qty":0,"flag":false,"note":null,"empty_q":"x","_source":"typed.csv","_offset":3,"_ingested_at":"T","_hash":"932356b366db2f66"}
EOF
	run mbrun mb-ingest --infer none typed.csv
	assert_success
	assert_output - <<'EOF'
{"id":"1","code":"00123","price":"12.50","qty":"-3","flag":"TRUE","note":"hello, world","empty_q":"","_source":"typed.csv","_offset":2,"_ingested_at":"T","_hash":"513550ca75570010"}
{"id":"2","code":"77","price":"1e3","qty":"0","flag":"false","note":null,"empty_q":"x","_source":"typed.csv","_offset":3,"_ingested_at":"T","_hash":"932356b366db2f66"}
EOF
}

@test "CSV: a BOM, CRLF and a quoted field with an embedded newline" {
	run mbrun mb-ingest bom_crlf.csv
	assert_success
	assert_output - <<'EOF'
{"id":1,"name":"two\nlines","_source":"bom_crlf.csv","_offset":2,"_ingested_at":"T","_hash":"11668cc4635e46c0"}
{"id":2,"name":"plain","_source":"bom_crlf.csv","_offset":4,"_ingested_at":"T","_hash":"e22f55c387e5e9ac"}
EOF
}

@test "CSV: ragged rows and a stray quote become _raw records with the reason" {
	run mbrun mb-ingest ragged.csv
	assert_success
	assert_output - <<'EOF'
{"a":1,"b":2,"c":3,"_source":"ragged.csv","_offset":2,"_ingested_at":"T","_hash":"0fb82eb193363fb4"}
{"_raw":"4,5","_errors":[{"rule":"parse","field":null,"message":"ragged row: 2 fields, the header has 3"}],"_source":"ragged.csv","_offset":3,"_ingested_at":"T","_hash":"e29680896aedd851"}
{"_raw":"6,7,8,9","_errors":[{"rule":"parse","field":null,"message":"ragged row: 4 fields, the header has 3"}],"_source":"ragged.csv","_offset":4,"_ingested_at":"T","_hash":"d496fb76fb28958c"}
{"_raw":"10,\"x\"y,11","_errors":[{"rule":"parse","field":null,"message":"malformed quoting: a quote inside an unquoted field or after a closing quote"}],"_source":"ragged.csv","_offset":5,"_ingested_at":"T","_hash":"f9f5aa5f655b5ef0"}
{"a":12,"b":13,"c":14,"_source":"ragged.csv","_offset":6,"_ingested_at":"T","_hash":"8d90ca8030da4440"}
EOF
	assert_equal "$(stderr_of_mbrun)" "mb-ingest: ragged.csv:3: ragged row: 2 fields, the header has 3
mb-ingest: ragged.csv:4: ragged row: 4 fields, the header has 3
mb-ingest: ragged.csv:5: malformed quoting: a quote inside an unquoted field or after a closing quote"
}

@test "CSV: an unclosed quote does not swallow the rest: one _raw record per line" {
	run mbrun mb-ingest unclosed.csv
	assert_success
	assert_output - <<'EOF'
{"a":1,"b":"ok","_source":"unclosed.csv","_offset":2,"_ingested_at":"T","_hash":"90f01acf3b26f190"}
{"_raw":"2,\"never closed","_errors":[{"rule":"parse","field":null,"message":"unclosed quote at end of input"}],"_source":"unclosed.csv","_offset":3,"_ingested_at":"T","_hash":"30061e391fd018a6"}
{"_raw":"3,lost?","_errors":[{"rule":"parse","field":null,"message":"unclosed quote at end of input"}],"_source":"unclosed.csv","_offset":4,"_ingested_at":"T","_hash":"b6a043e7985c9226"}
EOF
}

@test "CSV: --delimiter and .tsv" {
	printf 'a;b\n1;x y\n' > "$BATS_TEST_TMPDIR/semi.csv"
	run mbrun mb-ingest --delimiter ';' "$BATS_TEST_TMPDIR/semi.csv"
	assert_output "{\"a\":1,\"b\":\"x y\",\"_source\":\"$BATS_TEST_TMPDIR/semi.csv\",\"_offset\":2,\"_ingested_at\":\"T\",\"_hash\":\"2150e9b32653feb6\"}"
	printf 'a\tb\n1\t2\n' > "$BATS_TEST_TMPDIR/t.tsv"
	run bash -c "mb-ingest $BATS_TEST_TMPDIR/t.tsv | cut -d, -f1,2"
	assert_output '{"a":1,"b":2'
}

@test "malformed JSON of every kind: kept as _raw with column and reason" {
	run mbrun mb-ingest malformed.ndjson
	assert_success
	assert_output - <<'EOF'
{"id":1,"_source":"malformed.ndjson","_offset":1,"_ingested_at":"T","_hash":"eae780b141b62740"}
{"_raw":"{\"id\":2,}","_errors":[{"rule":"parse","field":null,"message":"column 9: trailing comma before '}'"}],"_source":"malformed.ndjson","_offset":2,"_ingested_at":"T","_hash":"6ea59691bf02e138"}
{"_raw":"{'id':3}","_errors":[{"rule":"parse","field":null,"message":"column 2: single quotes are not JSON, keys take double quotes"}],"_source":"malformed.ndjson","_offset":3,"_ingested_at":"T","_hash":"f9857318885b3ed1"}
{"_raw":"{id:4}","_errors":[{"rule":"parse","field":null,"message":"column 2: unexpected 'i', expected a key in double quotes"}],"_source":"malformed.ndjson","_offset":4,"_ingested_at":"T","_hash":"460b0f7d47da9181"}
{"_raw":"{\"id\":5","_errors":[{"rule":"parse","field":null,"message":"column 8: unexpected end of line, expected ',' or '}'"}],"_source":"malformed.ndjson","_offset":5,"_ingested_at":"T","_hash":"fd7133574a9d45ed"}
{"_raw":"garbage here","_errors":[{"rule":"parse","field":null,"message":"column 1: expected a JSON object ('{')"}],"_source":"malformed.ndjson","_offset":6,"_ingested_at":"T","_hash":"0312cad3fa821af1"}
{"_raw":"{\"id\":6} trailing","_errors":[{"rule":"parse","field":null,"message":"column 10: unexpected 't', expected the end of the line after the value"}],"_source":"malformed.ndjson","_offset":7,"_ingested_at":"T","_hash":"245bfb7aaf52912f"}
{"id":7,"_source":"malformed.ndjson","_offset":10,"_ingested_at":"T","_hash":"36b0ffd15110a7e1"}
EOF
	assert_equal "$(stderr_of_mbrun)" "mb-ingest: malformed.ndjson:2: column 9: trailing comma before '}'
mb-ingest: malformed.ndjson:3: column 2: single quotes are not JSON, keys take double quotes
mb-ingest: malformed.ndjson:4: column 2: unexpected 'i', expected a key in double quotes
mb-ingest: malformed.ndjson:5: column 8: unexpected end of line, expected ',' or '}'
mb-ingest: malformed.ndjson:6: column 1: expected a JSON object ('{')
mb-ingest: malformed.ndjson:7: column 10: unexpected 't', expected the end of the line after the value"
}

@test "records out = input lines that are not blank" {
	run bash -c 'mb-ingest malformed.ndjson 2>/dev/null | wc -l'
	assert_output "$(grep -cv '^[[:space:]]*$' malformed.ndjson)"
}

@test "bad literals and numbers are not JSON" {
	printf '{"a":tru}\n{"a":01}\n{"a":1.}\n{"a":nul}\n{"a":"\\x"}\n' > "$BATS_TEST_TMPDIR/lit.ndjson"
	run bash -c "mb-ingest -q $BATS_TEST_TMPDIR/lit.ndjson | grep -o '\"message\":\"[^\"]*\"'"
	assert_output - <<'EOF'
"message":"column 6: unexpected 't', expected a value"
"message":"column 6: invalid number"
"message":"column 6: invalid number"
"message":"column 6: unexpected 'n', expected a value"
"message":"column 7: invalid escape in string"
EOF
}

@test "a NUL byte in a line: _raw escapes it, the reason names the column" {
	printf '{"n":"a\0b"}\n' > "$BATS_TEST_TMPDIR/nul.ndjson"
	run mbrun mb-ingest "$BATS_TEST_TMPDIR/nul.ndjson"
	assert_output "{\"_raw\":\"{\\\"n\\\":\\\"a\\u0000b\\\"}\",\"_errors\":[{\"rule\":\"parse\",\"field\":null,\"message\":\"column 8: control byte 0x00 in string (must be escaped)\"}],\"_source\":\"$BATS_TEST_TMPDIR/nul.ndjson\",\"_offset\":1,\"_ingested_at\":\"T\",\"_hash\":\"badab08fd4faa553\"}"
}

@test "invalid UTF-8: reported, _raw is valid JSON and _raw_b64 keeps the bytes" {
	printf '{"s":"\xff"}\n' > "$BATS_TEST_TMPDIR/utf.ndjson"
	run mbrun mb-ingest "$BATS_TEST_TMPDIR/utf.ndjson"
	assert_output "{\"_raw\":\"{\\\"s\\\":\\\"$(printf '\xef\xbf\xbd')\\\"}\",\"_raw_b64\":\"eyJzIjoi/yJ9\",\"_errors\":[{\"rule\":\"parse\",\"field\":null,\"message\":\"column 7: invalid UTF-8 in string\"}],\"_source\":\"$BATS_TEST_TMPDIR/utf.ndjson\",\"_offset\":1,\"_ingested_at\":\"T\",\"_hash\":\"8b20c06d25f921aa\"}"
	run bash -c "mb-ingest $BATS_TEST_TMPDIR/utf.ndjson 2>/dev/null | jq -r ._raw_b64 | base64 -d | od -An -c | tr -s ' '"
	assert_output ' { " s " : " 377 " }'
}

@test "a UTF-8 BOM and CRLF endings in NDJSON" {
	printf '\xef\xbb\xbf{"a":1}\r\n{"b":2}\r\n' > "$BATS_TEST_TMPDIR/bom.ndjson"
	run bash -c "mb-ingest $BATS_TEST_TMPDIR/bom.ndjson | cut -d, -f1"
	assert_output - <<'EOF'
{"a":1
{"b":2
EOF
}

@test "deeply nested objects (10000 levels) pass byte for byte" {
	python3 -c "print('{\"a\":'*10000+'1'+'}'*10000)" > "$BATS_TEST_TMPDIR/deep.ndjson"
	run bash -c "mb-ingest $BATS_TEST_TMPDIR/deep.ndjson | sed 's/,\"_source.*//' | cmp - <(sed 's/}\$//' $BATS_TEST_TMPDIR/deep.ndjson) && echo same"
	assert_output same
}

@test "numbers beyond int64 are passed on as written" {
	printf '{"big":123456789012345678901234567890,"neg":-9223372036854775809,"e":1.5e400}\n' > "$BATS_TEST_TMPDIR/n.ndjson"
	run bash -c "mb-ingest $BATS_TEST_TMPDIR/n.ndjson | cut -d, -f1-3"
	assert_output '{"big":123456789012345678901234567890,"neg":-9223372036854775809,"e":1.5e400'
}

@test "a 100 MB line: an error record with its first 4096 bytes, the next line is fine" {
	f="$BATS_TEST_TMPDIR/big.ndjson"
	{ printf '{"a":1}\n{"big":"'; head -c 104857600 /dev/zero | tr '\0' x; printf '"}\n{"b":2}\n'; } > "$f"
	run --separate-stderr bash -c "mb-ingest $f | jq -c '{o:._offset, raw:(._raw|length), m:._errors[0].message}'"
	assert_success
	assert_output - <<'EOF'
{"o":1,"raw":0,"m":null}
{"o":2,"raw":4096,"m":"line of 104857610 bytes is longer than --max-line 67108864; _raw holds its first 4096 bytes"}
{"o":3,"raw":0,"m":null}
EOF
	assert_equal "$stderr" "mb-ingest: $f:2: line of 104857610 bytes is longer than --max-line 67108864; _raw holds its first 4096 bytes"
}

@test "--max-line sets the limit" {
	printf '{"a":"%s"}\n{"b":1}\n' "$(head -c 3000 /dev/zero | tr '\0' y)" > "$BATS_TEST_TMPDIR/l.ndjson"
	run bash -c "mb-ingest -q --max-line 1K $BATS_TEST_TMPDIR/l.ndjson | jq -r '._errors[0].message // ._offset'"
	assert_output - <<'EOF'
line of 3008 bytes is longer than --max-line 1024; _raw holds its first 3008 bytes
2
EOF
}

@test "a JSON array, pretty-printed over many lines" {
	run mbrun mb-ingest array.json
	assert_success
	assert_output - <<'EOF'
{"id": 1, "tags": ["x", "y"],"_source":"array.json","_offset":2,"_ingested_at":"T","_hash":"6a960ed25c3564c5"}
{"id": 2,    "nested": {"k": "v"},"_source":"array.json","_offset":3,"_ingested_at":"T","_hash":"435e09612b97a258"}
EOF
}

@test "a JSON array with a bad element and no closing bracket" {
	printf '[{"a":1}, 5, {"b":2' > "$BATS_TEST_TMPDIR/bad.json"
	run bash -c "mb-ingest $BATS_TEST_TMPDIR/bad.json 2>&1 | sed -E 's/,\"_source.*//'"
	assert_output - <<EOF
mb-ingest: $BATS_TEST_TMPDIR/bad.json:1: column 1: expected a JSON object ('{')
mb-ingest: $BATS_TEST_TMPDIR/bad.json:1: unterminated JSON array at end of input
{"a":1
{"_raw":"5","_errors":[{"rule":"parse","field":null,"message":"column 1: expected a JSON object ('{')"}]
{"_raw":"{\"b\":2","_errors":[{"rule":"parse","field":null,"message":"unterminated JSON array at end of input"}]
EOF
}

@test "a bad first line does not turn NDJSON into an array: .ndjson and .jsonl are lines, a sniffed array falls back" {
	printf '[1,\n{"a":1}\n{"a":2}\n{"a":3}\n' > "$BATS_TEST_TMPDIR/t.ndjson"
	cp "$BATS_TEST_TMPDIR/t.ndjson" "$BATS_TEST_TMPDIR/t.jsonl"
	run bash -c "cd $BATS_TEST_TMPDIR && mb-ingest t.ndjson t.jsonl 2>&1 | sed -E 's/,\"_ingested_at.*//'"
	assert_output - <<'EOF'
mb-ingest: t.ndjson:1: column 1: expected a JSON object ('{')
mb-ingest: t.jsonl:1: column 1: expected a JSON object ('{')
{"_raw":"[1,","_errors":[{"rule":"parse","field":null,"message":"column 1: expected a JSON object ('{')"}],"_source":"t.ndjson","_offset":1
{"a":1,"_source":"t.ndjson","_offset":2
{"a":2,"_source":"t.ndjson","_offset":3
{"a":3,"_source":"t.ndjson","_offset":4
{"_raw":"[1,","_errors":[{"rule":"parse","field":null,"message":"column 1: expected a JSON object ('{')"}],"_source":"t.jsonl","_offset":1
{"a":1,"_source":"t.jsonl","_offset":2
{"a":2,"_source":"t.jsonl","_offset":3
{"a":3,"_source":"t.jsonl","_offset":4
EOF
	# on stdin it looks like an array, which breaks at line 3
	run bash -c "mb-ingest < $BATS_TEST_TMPDIR/t.ndjson 2>&1 | sed -E 's/,\"_ingested_at.*//'"
	assert_output - <<'EOF'
mb-ingest: -:1: column 1: expected a JSON object ('{')
mb-ingest: -:3: column 1: not JSON array syntax; the rest is read as NDJSON lines
{"_raw":"1","_errors":[{"rule":"parse","field":null,"message":"column 1: expected a JSON object ('{')"}],"_source":"-","_offset":1
{"a":1,"_source":"-","_offset":2
{"a":2,"_source":"-","_offset":3
{"a":3,"_source":"-","_offset":4
EOF
}

@test "a broken pretty-printed array: the element keeps its exact bytes, the rest is read as lines" {
	printf '[\n  {"id": 1},\n  {\n    "id": 2\n    "x": 3\n  },\n{"id": 4}\n' > "$BATS_TEST_TMPDIR/p.json"
	run bash -c "cd $BATS_TEST_TMPDIR && mb-ingest p.json 2>&1 | sed -E 's/,\"_ingested_at.*//'"
	assert_output - <<'EOF'
mb-ingest: p.json:5: column 5: not JSON array syntax; the rest is read as NDJSON lines
mb-ingest: p.json:3: column 14: unexpected end of line, expected ',' or '}'
mb-ingest: p.json:5: column 5: expected a JSON object ('{')
mb-ingest: p.json:6: column 3: expected a JSON object ('{')
{"id": 1,"_source":"p.json","_offset":2
{"_raw":"{\n    \"id\": 2","_errors":[{"rule":"parse","field":null,"message":"column 14: unexpected end of line, expected ',' or '}'"}],"_source":"p.json","_offset":3
{"_raw":"    \"x\": 3","_errors":[{"rule":"parse","field":null,"message":"column 5: expected a JSON object ('{')"}],"_source":"p.json","_offset":5
{"_raw":"  },","_errors":[{"rule":"parse","field":null,"message":"column 3: expected a JSON object ('{')"}],"_source":"p.json","_offset":6
{"id": 4,"_source":"p.json","_offset":7
EOF
}

@test "after a JSON array, more lines are read as NDJSON; a line break in a string ends the array" {
	printf '[{"a":1}] {"b":2}\n{"c":3}\n' > "$BATS_TEST_TMPDIR/then.json"
	printf '[{"a":"x\ny"},\n{"b":2}\n' > "$BATS_TEST_TMPDIR/nl.json"
	run bash -c "cd $BATS_TEST_TMPDIR && mb-ingest then.json nl.json 2>&1 | sed -E 's/,\"_ingested_at.*//'"
	assert_output - <<'EOF'
mb-ingest: nl.json:1: a line ends inside a string; the rest is read as NDJSON lines
mb-ingest: nl.json:1: column 8: unterminated string
mb-ingest: nl.json:2: column 1: expected a JSON object ('{')
{"a":1,"_source":"then.json","_offset":1
{"b":2,"_source":"then.json","_offset":1
{"c":3,"_source":"then.json","_offset":2
{"_raw":"{\"a\":\"x","_errors":[{"rule":"parse","field":null,"message":"column 8: unterminated string"}],"_source":"nl.json","_offset":1
{"_raw":"y\"},","_errors":[{"rule":"parse","field":null,"message":"column 1: expected a JSON object ('{')"}],"_source":"nl.json","_offset":2
{"b":2,"_source":"nl.json","_offset":3
EOF
	# an element longer than --max-line is cut there, the rest are lines
	python3 -c "print('[{\"a\":[\n' + '1,\n' * 600 + '2]}]')" > "$BATS_TEST_TMPDIR/long.json"
	run bash -c "mb-ingest -q --max-line 1K $BATS_TEST_TMPDIR/long.json | jq -c '[._offset, (._raw | length), ._errors[0].message]' | sed -n '1,2p;\$p'"
	assert_output - <<'EOF'
[1,1026,"JSON array element of more than --max-line 1024 bytes; _raw holds its first 4096 bytes"]
[342,2,"column 1: expected a JSON object ('{')"]
[602,4,"column 1: expected a JSON object ('{')"]
EOF
}

@test "--flatten turns nested objects into dotted keys" {
	run bash -c "printf '{\"a\":{\"b\":{\"c\":1},\"d\":[1]},\"e\":{}}\n' | mb-ingest --flatten | sed 's/,\"_source.*//'"
	assert_output '{"a.b.c":1,"a.d":[1],"e":{}'
}

@test "--flatten: 100,000 levels deep, no stack overflow, in one pass" {
	python3 -c "print('{\"a\":'+'{\"x\":'*100000+'1'+'}'*100000+'}')" > "$BATS_TEST_TMPDIR/deep.ndjson"
	run bash -c "mb-ingest --flatten $BATS_TEST_TMPDIR/deep.ndjson | python3 -c 'import json,sys; r=json.loads(sys.stdin.read()); k=list(r); print(len(k), k[0][:9], len(k[0]), r[k[0]], k[1:])'"
	assert_success
	assert_output "5 a.x.x.x.x 200001 1 ['_source', '_offset', '_ingested_at', '_hash']"
}

@test "--flatten: a record that would flatten past --max-line is kept nested, with a warning" {
	# every leaf repeats its ancestors' keys: 2,000 levels of 12 bytes
	# flatten to about 4 MB
	python3 -c "print('{\"a\":1,\"b\":'*2000+'0'+'}'*2000)" > "$BATS_TEST_TMPDIR/chain.ndjson"
	printf '{"c":{"d":1}}\n' >> "$BATS_TEST_TMPDIR/chain.ndjson"
	mb-ingest --flatten --max-line 100K --stats "$BATS_TEST_TMPDIR/chain.ndjson" 2>"$BATS_TEST_TMPDIR/err" |
	    sed 's/,"_source.*/}/' > "$BATS_TEST_TMPDIR/out"
	head -n 1 "$BATS_TEST_TMPDIR/chain.ndjson" > "$BATS_TEST_TMPDIR/want"
	echo '{"c.d":1}' >> "$BATS_TEST_TMPDIR/want"
	cmp "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/out"
	run sed 's/ [0-9.]* MB in.*//' "$BATS_TEST_TMPDIR/err"
	assert_output - <<EOF
mb-ingest: $BATS_TEST_TMPDIR/chain.ndjson:1: --flatten: the flat record would be longer than --max-line 102400; kept nested
mb-ingest: 2 lines, 2 records, 0 malformed, 0 blank, 1 too big to flatten,
EOF
}

@test "bronze ingested again gets new lineage, not two copies" {
	run bash -c "mb-ingest orders.ndjson | mb-ingest | head -n 1 | grep -o '_source' | wc -l"
	assert_output 1
}

@test "--quarantine diverts the bad records, stdout keeps the good ones" {
	q="$BATS_TEST_TMPDIR/q.ndjson"
	run bash -c "mb-ingest -q --quarantine $q malformed.ndjson | wc -l"
	assert_output 2
	run bash -c "wc -l < $q; jq -r ._offset $q | tr '\n' ' '"
	assert_output - <<'EOF'
6
2 3 4 5 6 7 
EOF
}

@test "a missing file is status 1, the other files are still ingested" {
	run --separate-stderr bash -c "mb-ingest nosuch.ndjson orders.ndjson | wc -l; exit \${PIPESTATUS[0]}"
	assert_failure 1
	assert_output 2
	assert_equal "$stderr" "mb-ingest: nosuch.ndjson: No such file or directory"
}

@test "a directory: files in name order, recursively; a broken entry is status 1" {
	d="$BATS_TEST_TMPDIR/land"
	mkdir -p "$d/sub"
	printf '{"n":2}\n' > "$d/b.ndjson"
	printf '{"n":1}\n' > "$d/a.ndjson"
	printf 'n\n3\n' > "$d/sub/c.csv"
	printf '{"n":0}\n' > "$d/_hidden.ndjson"
	ln -s "$d/gone" "$d/broken.ndjson"
	run --separate-stderr bash -c "mb-ingest $d | jq -c '[._source, .n]'; exit \${PIPESTATUS[0]}"
	assert_failure 1
	assert_output - <<EOF
["$d/a.ndjson",1]
["$d/b.ndjson",2]
["$d/sub/c.csv",3]
EOF
	assert_equal "$stderr" "mb-ingest: $d/broken.ndjson: No such file or directory"
}

@test "an unreadable file is status 1, the others are ingested" {
	# a folder of its own that another user can enter
	d=$(mktemp -d /tmp/mb-ro.XXXXXX)
	printf '{"n":1}\n' > "$d/a.ndjson"
	printf '{"n":2}\n' > "$d/b.ndjson"
	chmod 000 "$d/a.ndjson"
	chmod 755 "$d"
	as=""
	if [ "$(id -u)" = 0 ]; then
		# root reads every file: run as nobody instead
		command -v setpriv > /dev/null || skip "root, and no setpriv"
		as="setpriv --reuid=65534 --regid=65534 --clear-groups"
	fi
	run --separate-stderr bash -c "$as $(command -v mb-ingest) $d | wc -l; exit \${PIPESTATUS[0]}"
	assert_failure 1
	assert_output 1
	assert_equal "$stderr" "mb-ingest: $d/a.ndjson: Permission denied"
	rm -rf "$d"
}

@test "a bad flag is a usage error, status 2" {
	run --separate-stderr mb-ingest --no-such-flag
	assert_failure 2
	assert_output ""
	[[ "$stderr" == *"usage: mb-ingest"* ]]
	run --separate-stderr mb-ingest --format xml
	assert_failure 2
	assert_equal "$stderr" "mb-ingest: --format: 'xml' is not auto, csv, ndjson or json"
	run --separate-stderr mb-ingest --watch 1 orders.ndjson
	assert_failure 2
	assert_equal "$stderr" "mb-ingest: --watch needs --checkpoint (it is what tells new from old)"
	run --separate-stderr mb-ingest --max-line 12Q
	assert_failure 2
	assert_equal "$stderr" "mb-ingest: --max-line: '12Q' is not a size (such as 4096, 64K, 64M, 1G)"
}

@test "--help goes to stdout with status 0; --version" {
	run mb-ingest --help
	assert_success
	assert_line --index 0 --partial "usage: mb-ingest"
	run mb-ingest --version
	assert_output --regexp '^mb-ingest [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "| head -n 1 ends it quietly with status 0" {
	run --separate-stderr bash -c "mb-gen -n 200000 | mb-ingest | head -n 1 | cut -c1-30; echo \${PIPESTATUS[1]}"
	assert_output - <<'EOF'
{"order_id":"ORD-000000000001"
0
EOF
	assert_equal "$stderr" ""
}

@test "streaming: a record comes out while the input is still open" {
	mkfifo "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	mb-ingest < "$BATS_TEST_TMPDIR/in" > "$BATS_TEST_TMPDIR/out" &
	exec 7>"$BATS_TEST_TMPDIR/in" 8<"$BATS_TEST_TMPDIR/out"
	printf '{"live":1}\n' >&7
	read -r -t 10 line <&8
	exec 7>&- 8<&-
	wait
	[[ "$line" == '{"live":1,"_source":"-","_offset":1,'* ]]
}

@test "--stats prints counts and MB/s" {
	run --separate-stderr mb-ingest --stats malformed.ndjson
	[[ "$stderr" =~ mb-ingest:\ 10\ lines,\ 8\ records,\ 6\ malformed,\ 2\ blank,\ 0.0\ MB\ in\ [0-9.]+\ s\ \([0-9.]+\ MB/s\)$ ]]
}

@test "the whole Online Retail landing zone: 541,909 rows in, 541,909 records out" {
	run --separate-stderr bash -c "mb-ingest --stats $RETAIL/*.csv.zst | jq -r 'select(._raw) | 1' | wc -l"
	assert_output 0
	[[ "${stderr_lines[1]}" == "mb-ingest: 542214 lines, 541909 records, 0 malformed, 0 blank,"* ]]
}

@test "Online Retail: one type per column in all 305 days, as the first day's rows show" {
	run --separate-stderr bash -c "mb-ingest --stats $RETAIL/*.csv.zst | jq -r '[(.InvoiceNo|type), (.StockCode|type), (.Description|type), (.Quantity|type), (.UnitPrice|type), (.CustomerID|type)] | join(\" \")' | sort | uniq -c"
	assert_output - <<'EOF'
   1454 string string null number number null
 133626 string string string number number null
 406829 string string string number number number
EOF
	assert_equal "${stderr_lines[0]}" "mb-ingest: $RETAIL/2010-12-01.csv.zst: column types InvoiceNo=string,StockCode=string,Description=string,Quantity=integer,InvoiceDate=string,UnitPrice=number,CustomerID=number,Country=string"
	[[ "${stderr_lines[1]}" == "mb-ingest: 542214 lines, 541909 records, 0 malformed, 0 blank, "*" MB in "* ]]
	# by value, as before: cancellations made InvoiceNo a string on
	# 9,291 rows and a number on the others
	run bash -c "mb-ingest --infer values $RETAIL/*.csv.zst | jq -r '.InvoiceNo|type' | sort | uniq -c"
	assert_output - <<'EOF'
 532618 number
   9291 string
EOF
}

@test "CSV: --types and --schema set a column's type; CustomerID 17850.0 as an integer is 17850" {
	# the first cancellation, C536379, is on line 143
	retail_day 2010-12-01 | head -n 150 > "$BATS_TEST_TMPDIR/day.csv"
	run bash -c "mb-ingest --types CustomerID=integer,Quantity=string $BATS_TEST_TMPDIR/day.csv | jq -c '[.InvoiceNo, .Quantity, .CustomerID]' | head -n 2"
	assert_output - <<'EOF'
["536365","6",17850]
["536365","6",17850]
EOF
	printf '{"properties":{"CustomerID":{"type":["string","null"]},"UnitPrice":{"type":"string"},"Other":{"type":"integer"}}}\n' > "$BATS_TEST_TMPDIR/s.json"
	run bash -c "mb-ingest --schema $BATS_TEST_TMPDIR/s.json --types UnitPrice=number $BATS_TEST_TMPDIR/day.csv | jq -c '[.UnitPrice, .CustomerID]' | head -n 2"
	assert_output - <<'EOF'
[2.55,"17850.0"]
[3.39,"17850.0"]
EOF
}

@test "CSV: a value that does not fit its column is kept as a string and counted" {
	printf 'zip,qty,price,ok,id\n10001,1,2.5,true,17850.0\n02134,007,+3,TRUE,x\n,,,,\n1e3,5.0,.5,no,12\n' > "$BATS_TEST_TMPDIR/t.csv"
	run --separate-stderr bash -c "mb-ingest --sample 1 --stats $BATS_TEST_TMPDIR/t.csv | sed -E 's/,\"_source.*//'"
	assert_output - <<'EOF'
{"zip":10001,"qty":1,"price":2.5,"ok":true,"id":17850.0
{"zip":"02134","qty":"007","price":"+3","ok":true,"id":"x"
{"zip":null,"qty":null,"price":null,"ok":null,"id":null
{"zip":"1e3","qty":"5.0","price":".5","ok":"no","id":12
EOF
	assert_equal "${stderr_lines[0]}" "mb-ingest: $BATS_TEST_TMPDIR/t.csv: column types zip=integer,qty=integer,price=number,ok=boolean,id=number"
	assert_equal "${stderr_lines[1]}" "mb-ingest: $BATS_TEST_TMPDIR/t.csv: 8 values did not fit their column's type and were kept as strings; the first: line 3, zip \"02134\""
	[[ "${stderr_lines[2]}" == "mb-ingest: 5 lines, 4 records, 0 malformed, 0 blank, 8 values kept as strings, "* ]]
	# given types convert what they can: 007 is 7, 17850.0 is 17850
	run bash -c "mb-ingest -q --types qty=integer,price=number,id=integer,ok=boolean $BATS_TEST_TMPDIR/t.csv | sed -E 's/,\"_source.*//'"
	assert_output - <<'EOF'
{"zip":"10001","qty":1,"price":2.5,"ok":true,"id":17850
{"zip":"02134","qty":7,"price":3,"ok":true,"id":"x"
{"zip":null,"qty":null,"price":null,"ok":null,"id":null
{"zip":"1e3","qty":5,"price":0.5,"ok":"no","id":12
EOF
}

@test "CSV types: a bad --types, --infer, --sample or --schema is status 2; a --types column not in a header is named" {
	run --separate-stderr mb-ingest --types qty=int typed.csv
	assert_failure 2
	assert_equal "$stderr" "mb-ingest: --types: \"int\" is not a column type (string, integer, number, boolean)"
	run --separate-stderr mb-ingest --types qty typed.csv
	assert_failure 2
	assert_equal "$stderr" "mb-ingest: --types: \"qty\" is not NAME=TYPE"
	run --separate-stderr mb-ingest --infer rows typed.csv
	assert_failure 2
	assert_equal "$stderr" "mb-ingest: --infer: 'rows' is not none, values or columns"
	run --separate-stderr mb-ingest --sample 0 typed.csv
	assert_failure 2
	run --separate-stderr mb-ingest --schema "$BATS_TEST_TMPDIR/none.json" typed.csv
	assert_failure 2
	[[ "$stderr" == "mb-ingest: --schema: "*"none.json"* ]]
	printf '[1]\n' > "$BATS_TEST_TMPDIR/bad.json"
	run --separate-stderr mb-ingest --schema "$BATS_TEST_TMPDIR/bad.json" typed.csv
	assert_failure 2
	assert_equal "$stderr" "mb-ingest: --schema $BATS_TEST_TMPDIR/bad.json: not a JSON object: column 1: expected a JSON object ('{')"
	run --separate-stderr mb-ingest --types Qty=integer typed.csv
	assert_success
	assert_equal "$stderr" 'mb-ingest: typed.csv: --types: no column "Qty" in the header'
}

@test "CSV types: a rerun with --checkpoint keeps the types the first run inferred" {
	mkdir "$BATS_TEST_TMPDIR/in"
	printf 'id,v\n1,a\n2,b\n' > "$BATS_TEST_TMPDIR/in/a.csv"
	mb-ingest --checkpoint "$BATS_TEST_TMPDIR/cp" "$BATS_TEST_TMPDIR/in" > /dev/null
	run jq -c .types "$BATS_TEST_TMPDIR/cp"
	assert_output '{"id":"integer","v":"string"}'
	printf '3x,c\n' >> "$BATS_TEST_TMPDIR/in/a.csv"
	printf 'id,v\nB1,d\n' > "$BATS_TEST_TMPDIR/in/b.csv"
	run --separate-stderr bash -c "mb-ingest --checkpoint $BATS_TEST_TMPDIR/cp $BATS_TEST_TMPDIR/in | jq -c '[._offset, .id]'"
	assert_output - <<'EOF'
[4,"3x"]
[2,"B1"]
EOF
	assert_equal "$stderr" "mb-ingest: $BATS_TEST_TMPDIR/in/a.csv: 1 values did not fit their column's type and were kept as strings; the first: line 4, id \"3x\"
mb-ingest: $BATS_TEST_TMPDIR/in/b.csv: 1 values did not fit their column's type and were kept as strings; the first: line 2, id \"B1\""
}

@test "CSV streaming: rows held back to infer types go out when the input goes idle" {
	mkfifo "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	mb-ingest < "$BATS_TEST_TMPDIR/in" > "$BATS_TEST_TMPDIR/out" &
	exec 7>"$BATS_TEST_TMPDIR/in" 8<"$BATS_TEST_TMPDIR/out"
	printf 'a,b\n1,x\n' >&7
	read -r -t 10 line <&8
	printf '2,y\n' >&7
	read -r -t 10 line2 <&8
	exec 7>&- 8<&-
	wait
	[[ "$line" == '{"a":1,"b":"x","_source":"-","_offset":2,'* ]]
	[[ "$line2" == '{"a":2,"b":"y","_source":"-","_offset":3,'* ]]
}

@test "mb-gen --dirty through mb-ingest: nothing is lost" {
	run bash -c "mb-gen -n 20000 --dirty 0.2 --seed 7 > $BATS_TEST_TMPDIR/d.ndjson; grep -cv '^\$' $BATS_TEST_TMPDIR/d.ndjson; mb-ingest -q $BATS_TEST_TMPDIR/d.ndjson | wc -l"
	[ "${lines[0]}" = "${lines[1]}" ]
	run bash -c "mb-ingest -q $BATS_TEST_TMPDIR/d.ndjson | jq -c . | wc -l"
	assert_output "${lines[0]}"
}

# ---- checkpoints, like Auto Loader -------------------------------------------

ckpt_setup() {
	L="$BATS_TEST_TMPDIR/landing"
	C="$BATS_TEST_TMPDIR/state.json"
	mkdir -p "$L"
	retail_day 2010-12-01 > "$L/2010-12-01.csv"
	retail_day 2010-12-02 > "$L/2010-12-02.csv"
}

@test "--checkpoint: a rerun ingests only new files" {
	ckpt_setup
	run bash -c "mb-ingest --checkpoint $C $L | wc -l"
	assert_output 5217
	run bash -c "mb-ingest --checkpoint $C $L | wc -l"
	assert_output 0
	retail_day 2010-12-03 > "$L/2010-12-03.csv"
	run bash -c "mb-ingest --checkpoint $C $L | jq -r ._source | uniq -c | sed 's/^ *//'"
	assert_output "2202 $L/2010-12-03.csv"
	run jq -c '[.path, .size, .consumed, .lines]' "$C"
	assert_output - <<EOF
["$L/2010-12-01.csv",275001,275001,3109]
["$L/2010-12-02.csv",191826,191826,2110]
["$L/2010-12-03.csv",190700,190700,2203]
EOF
}

@test "--checkpoint: a file that grew gives only its new lines, numbered on" {
	ckpt_setup
	mb-ingest --checkpoint "$C" "$L" > /dev/null
	retail_day 2010-12-03 | tail -n 2 >> "$L/2010-12-01.csv"
	run bash -c "mb-ingest --checkpoint $C $L | jq -c '[._source, ._offset, .InvoiceNo, .Quantity]'"
	assert_output - <<EOF
["$L/2010-12-01.csv",3110,"537036",1]
["$L/2010-12-01.csv",3111,"537036",1]
EOF
}

@test "--checkpoint: a file whose old content changed is read again whole, with a warning" {
	ckpt_setup
	mb-ingest --checkpoint "$C" "$L" > /dev/null
	sed -i 's/WHITE/BLACK/' "$L/2010-12-02.csv"
	run --separate-stderr bash -c "mb-ingest --checkpoint $C $L | wc -l"
	assert_output 2109
	assert_equal "$stderr" "mb-ingest: $L/2010-12-02.csv: changed since the checkpoint; ingesting it again whole"
}

@test "--checkpoint is replaced atomically and only after output was written" {
	ckpt_setup
	# output to a closed pipe: the run ends early and must not claim the files
	run bash -c "mb-ingest --checkpoint $C $L | head -n 1 > /dev/null"
	run bash -c "mb-ingest --checkpoint $C $L | wc -l"
	[ "$output" -gt 5000 ]
	run bash -c "ls $BATS_TEST_TMPDIR | grep -c tmp"
	assert_output 0
}

@test "--checkpoint refuses stdin, a checkpoint that is not one is status 2" {
	run --separate-stderr mb-ingest --checkpoint "$BATS_TEST_TMPDIR/c" -
	assert_failure 2
	assert_equal "$stderr" "mb-ingest: --checkpoint: standard input cannot be checkpointed"
	echo 'garbage' > "$BATS_TEST_TMPDIR/c"
	run --separate-stderr mb-ingest --checkpoint "$BATS_TEST_TMPDIR/c" orders.ndjson
	assert_failure 2
	assert_equal "$stderr" "mb-ingest: $BATS_TEST_TMPDIR/c:1: not a checkpoint line: column 1: expected a JSON object ('{')"
}

@test "--watch picks up new files and appended lines, and saves its checkpoint on SIGTERM" {
	L="$BATS_TEST_TMPDIR/watch"
	C="$BATS_TEST_TMPDIR/w.json"
	O="$BATS_TEST_TMPDIR/w.out"
	mkdir -p "$L"
	printf '{"n":1}\n' > "$L/a.ndjson"
	mb-ingest --watch 0.1 --checkpoint "$C" "$L" > "$O" &
	pid=$!
	for i in $(seq 100); do [ -s "$O" ] && break; sleep 0.1; done
	printf '{"n":2}\n' > "$L/b.ndjson"
	for i in $(seq 100); do [ "$(wc -l < "$O")" -ge 2 ] && break; sleep 0.1; done
	printf '{"n":3}\n{"n":' >> "$L/a.ndjson"	# a line still being written
	for i in $(seq 100); do [ "$(wc -l < "$O")" -ge 3 ] && break; sleep 0.1; done
	printf '4}\n' >> "$L/a.ndjson"
	for i in $(seq 100); do [ "$(wc -l < "$O")" -ge 4 ] && break; sleep 0.1; done
	kill -TERM "$pid"
	wait "$pid"
	run jq -c '[._source, ._offset, .n]' "$O"
	assert_output - <<EOF
["$L/a.ndjson",1,1]
["$L/b.ndjson",1,2]
["$L/a.ndjson",2,3]
["$L/a.ndjson",3,4]
EOF
	run jq -c '[.path, .consumed, .lines]' "$C"
	assert_output - <<EOF
["$L/a.ndjson",24,3]
["$L/b.ndjson",8,1]
EOF
}

@test "--progress draws a progress line on a terminal, nothing when stderr is not one" {
	need_pty
	mb-gen -n 100000 > "$BATS_TEST_TMPDIR/p.ndjson"
	run in_pty "mb-ingest --progress $BATS_TEST_TMPDIR/p.ndjson > /dev/null"
	assert_success
	[[ "$output" == *"mb-ingest: "*" of 26.1 MB, "*" MB/s, ETA "*"s"* ]]
	[[ "$output" == *"mb-ingest: 26.1 MB done"* ]]
	run --separate-stderr mb-ingest --progress "$BATS_TEST_TMPDIR/p.ndjson"
	assert_equal "$stderr" ""
}

@test "a failed write on stdout is status 1 with a message" {
	[ -w /dev/full ] || skip "no /dev/full"
	run --separate-stderr bash -c "mb-ingest orders.ndjson > /dev/full"
	assert_failure 1
	assert_equal "$stderr" "mb-ingest: write error on standard output: No space left on device"
}

@test "--source LABEL: _source names the broker stream, _offset counts its lines" {
	run mbrun mb-ingest --source mqtt:shop/orders - < orders.ndjson
	assert_success
	assert_output - <<'EOF2'
{"order_id":"A1","amount":12.50,"_source":"mqtt:shop/orders","_offset":1,"_ingested_at":"T","_hash":"47875fd6f8eb083c"}
{"order_id":"A2","amount":3,"_source":"mqtt:shop/orders","_offset":2,"_ingested_at":"T","_hash":"c443ca98f7fb2c67"}
EOF2
	[ "$(stderr_of_mbrun)" = "" ]
}

@test "--offsets: kcat's PARTITION:OFFSET<tab> prefix becomes _source LABEL/PARTITION and _offset" {
	printf '3:17\t{"a":1}\n3:18\t{"a":2}\n0:5\t{"a":3}\n4:1\t \n19\t{"b":1}\n\n' > "$BATS_TEST_TMPDIR/in"
	run mbrun mb-ingest --source kafka:orders --offsets "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output - <<'EOF2'
{"a":1,"_source":"kafka:orders/3","_offset":17,"_ingested_at":"T","_hash":"c5e3762ffc8453c6"}
{"a":2,"_source":"kafka:orders/3","_offset":18,"_ingested_at":"T","_hash":"12c7c1dc69f1e404"}
{"a":3,"_source":"kafka:orders/0","_offset":5,"_ingested_at":"T","_hash":"73ef164be41cf971"}
{"b":1,"_source":"kafka:orders","_offset":19,"_ingested_at":"T","_hash":"72d252a24860d7c2"}
EOF2
	[ "$(stderr_of_mbrun)" = "" ]
}

@test "--offsets: a line without the prefix, and a message that is not JSON, are quarantined with where they were" {
	printf '1:7\tnot json\n{"c":1}\n1:8\t{"c":2}\n' > "$BATS_TEST_TMPDIR/in"
	run mbrun mb-ingest --source kafka:t --offsets --quarantine "$BATS_TEST_TMPDIR/q" "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output '{"c":2,"_source":"kafka:t/1","_offset":8,"_ingested_at":"T","_hash":"d40109fbae72cadc"}'
	run strip_time < "$BATS_TEST_TMPDIR/q"
	assert_output - <<'EOF2'
{"_raw":"not json","_errors":[{"rule":"parse","field":null,"message":"column 1: expected a JSON object ('{')"}],"_source":"kafka:t/1","_offset":7,"_ingested_at":"T","_hash":"f5224e87f2f70f66"}
{"_raw":"{\"c\":1}","_errors":[{"rule":"parse","field":null,"message":"--offsets: the line does not start with [PARTITION:]OFFSET and a tab"}],"_source":"kafka:t","_offset":2,"_ingested_at":"T","_hash":"765fa8f60d355ac3"}
EOF2
}

@test "--source and --offsets: usage errors are status 2" {
	run mb-ingest --offsets -
	assert_failure 2
	assert_output --partial "--offsets needs --source"
	run mb-ingest --source x orders.ndjson orders.ndjson
	assert_failure 2
	assert_output --partial "--source names one input"
	run mb-ingest --source x --offsets --format csv -
	assert_failure 2
	run mb-ingest --source '' -
	assert_failure 2
}
