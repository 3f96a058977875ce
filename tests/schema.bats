#!/usr/bin/env bats
# libmb's JSON Schema engine (lib/schema.h) through the schema-check
# driver: what compiles and what is refused, each keyword's failure and
# message, the slot a failure counts under, coercion and rescue changes,
# and hostile records (many failures, wide and deep nesting).

load helper

setup() {
	cd "$BATS_TEST_TMPDIR"
	cat > kw.json <<'EOF'
{"type": "object", "required": ["id", "n", "gone"], "additionalProperties": false,
 "properties": {
  "id": {"type": "string", "pattern": "^A[0-9]+$"},
  "n": {"type": "integer", "minimum": 1, "exclusiveMaximum": 10},
  "f": {"type": ["number", "null"]},
  "b": {"type": "boolean"},
  "e": {"enum": ["x", 1, null]},
  "k": {"const": {"a": 1}},
  "s": {"type": "string", "minLength": 2, "maxLength": 3, "format": "date"},
  "o": {"type": "object", "required": ["z"], "properties": {"y": {"type": "string"}}, "additionalProperties": {"type": "integer"}},
  "a": {"type": "array", "minItems": 1, "maxItems": 2, "items": {"type": "string", "format": "email"}}
 }}
EOF
	cat > kw.in <<'EOF'
{"id":"A1","n":5,"gone":0}
{"id":"B1","n":10,"gone":0,"_source":"x","extra":true}
{"id":"A1","n":2.0,"f":null,"b":1,"e":"y","k":{"a":2},"s":"2025-13-01","gone":1}
{"n":0.5,"o":{"y":1,"q":"s","z":1},"a":["a@b.c","bad","x@y.z"]}
{"id\u0041":"A1","i\u0064":"A2","n":"7","gone":null}
[1]
EOF
}

@test "each keyword's failure: slot, field path, message and the value that failed" {
	run schema-check kw.json < kw.in
	assert_success
	assert_output - <<'EOF'
types=32 props=9 required=3 closed=1
-1 gone: field not allowed by the schema = 0
--
0 id: does not match the pattern ^A[0-9]+$ = "B1"
1 n: not less than 10 = 10
-1 gone: field not allowed by the schema = 0
-1 extra: field not allowed by the schema = true
--
3 b: not a boolean = 1
4 e: not one of "x", 1, null = "y"
5 k: not the constant {"a": 1} = {"a":2}
6 s: longer than 3 characters = "2025-13-01"
6 s: not a date (YYYY-MM-DD) = "2025-13-01"
-1 gone: field not allowed by the schema = 1
--
1 n: not an integer = 0.5
7 o.y: not a string = 1
7 o.q: not an integer = "s"
8 a: more than 2 items = ["a@b.c","bad","x@y.z"]
8 a[1]: not an email address = "bad"
0 id: required field is missing = (missing)
11 gone: required field is missing = (missing)
--
-1 idA: field not allowed by the schema = "A1"
1 n: not an integer = "7"
-1 gone: field not allowed by the schema = null
--
not a record: column 1: expected a JSON object ('{')
EOF
}

@test "coerce and rescue: changes to top-level fields instead of failures, checked as they will be" {
	run schema-check kw.json coerce rescue < kw.in
	assert_success
	assert_output - <<'EOF'
types=32 props=9 required=3 closed=1
rescue gone
ok
0 id: does not match the pattern ^A[0-9]+$ = "B1"
1 n: not less than 10 = 10
rescue gone
rescue extra
--
3 b: not a boolean = 1
4 e: not one of "x", 1, null = "y"
5 k: not the constant {"a": 1} = {"a":2}
6 s: longer than 3 characters = "2025-13-01"
6 s: not a date (YYYY-MM-DD) = "2025-13-01"
rescue gone
--
1 n: not an integer = 0.5
7 o.y: not a string = 1
7 o.q: not an integer = "s"
8 a: more than 2 items = ["a@b.c","bad","x@y.z"]
8 a[1]: not an email address = "bad"
0 id: required field is missing = (missing)
11 gone: required field is missing = (missing)
--
rescue id\u0041
change n -> 7
rescue gone
ok
not a record: column 1: expected a JSON object ('{')
EOF
	# a coerced value that then fails is reported as coerced; items are
	# never coerced
	echo '{"properties":{"n":{"type":"integer","maximum":5},"t":{"items":{"type":"integer"}}}}' > c.json
	run bash -c "echo '{\"n\":\" 12 \",\"t\":[\"1\"]}' | schema-check c.json coerce"
	assert_output - <<'EOF'
types=0 props=2 required=0 closed=0
0 n: greater than the maximum 5 = 12
1 t[0]: not an integer = "1"
change n -> 12
--
EOF
}

@test "a required name no property declares has a slot of its own; the root's type is slot -1" {
	echo '{"properties": {"id": {"type": "string"}, "n": {"type": "number"}}, "required": ["id", "n", "extra"]}' > r.json
	run bash -c "printf '%s\n' '{\"id\":\"a\",\"n\":1}' '{\"id\":\"a\",\"n\":1,\"extra\":null}' '{\"id\":1,\"n\":\"x\",\"_raw\":\"z\"}' | schema-check r.json"
	assert_output - <<'EOF'
types=0 props=2 required=3 closed=0
4 extra: required field is missing = (missing)
--
ok
0 id: not a string = 1
1 n: not a number = "x"
4 extra: required field is missing = (missing)
--
EOF
	echo '{"type":"string"}' > t.json
	run bash -c "echo '{\"a\":1}' | schema-check t.json"
	assert_output - <<'EOF'
types=1 props=0 required=0 closed=0
-1 (record): not of the schema's type = (missing)
--
EOF
}

@test "schemas that do not compile: status 2 and where" {
	for s in '{"type":"objekt"}' '{"type":["string",1]}' \
	    '{"properties":{"a":{"pattern":"("}}}' \
	    '{"properties":{"a":{"minLength":-1}}}' \
	    '{"properties":{"a":{"items":{"format":"uri"}}}}' \
	    '{"properties":{"a":{"additionalProperties":{"maximum":"x"}}}}' \
	    '{"required":"a"}' '{"enum":[]}' '{"properties":{"a":false}}' \
	    '{"if":{}}' '[1]' '{"a":1,}' ''; do
		echo "$s" > e.json
		run schema-check e.json < /dev/null
		assert_failure 2
		echo "$output"
	done > all
	run cat all
	assert_output - <<'EOF'
error: unknown type "objekt"
error: unknown type 1
error: at a: bad pattern "(": Unmatched ( or \(
error: at a: "minLength" must be a non-negative integer
error: at a[]: unsupported format "uri" (date-time, date, email)
error: at a.*: "maximum" must be a number
error: "required" must be an array of strings
error: "enum" must be a non-empty array
error: at a: the schema false is not supported
error: unsupported keyword "if"
error: not a JSON object: column 1: expected a JSON object ('{')
error: not a JSON object: column 8: trailing comma before '}'
error: not a JSON object: column 1: no JSON value (empty line)
EOF
}

@test "schemas nested deeper than 64 are refused; 64 compile" {
	python3 -c "print('{\"properties\":{\"a\":' * 65 + '{}' + '}}' * 65)" > deep.json
	run schema-check deep.json < /dev/null
	assert_failure 2
	assert_output --partial 'a.a.a: schemas nested deeper than 64'
	python3 -c "print('{\"additionalProperties\":' * 64 + '{}' + '}' * 64)" > ok.json
	run schema-check ok.json < /dev/null
	assert_success
	assert_output 'types=0 props=0 required=0 closed=0'
}

@test "a record failing 150 times lists 100 failures and counts the rest" {
	python3 -c "
import json
print(json.dumps({'k%d' % i: i for i in range(150)}))
print(json.dumps({'o': {'k%d' % i: i for i in range(150)}}))" > many
	echo '{"additionalProperties":false,"properties":{"o":{"additionalProperties":{"type":"string"}}}}' > m.json
	run bash -c "schema-check m.json < many | sed -n '1,3p;100,104p;202,205p'"
	assert_output - <<'EOF'
types=0 props=1 required=0 closed=1
-1 k0: field not allowed by the schema = 0
-1 k1: field not allowed by the schema = 1
-1 k98: field not allowed by the schema = 98
-1 k99: field not allowed by the schema = 99
and 50 more
--
0 o.k0: not a string = 0
0 o.k98: not a string = 98
0 o.k99: not a string = 99
and 50 more
--
EOF
}

@test "a nested object and an array of 300000 members each are checked member by member" {
	python3 -c "
print('{\"o\":{' + ','.join('\"k%d\":%d' % (i, i) for i in range(300000)) + '},\"a\":[' + ','.join(str(i) for i in range(300000)) + ',\"x\"]}')" > wide
	echo '{"properties":{"o":{"additionalProperties":{"type":"integer","maximum":299998}},"a":{"items":{"type":"integer"}}}}' > w.json
	run schema-check w.json < wide
	assert_output - <<'EOF'
types=0 props=2 required=0 closed=0
0 o.k299999: greater than the maximum 299998 = 299999
1 a[300000]: not an integer = "x"
--
EOF
}
