#!/usr/bin/env bats
# libmb: time, decimals, records and edits, through the libmb-check driver.

load helper

@test "time: RFC 3339, offsets, fractions, dates, epochs, all to UTC" {
	run libmb-check time <<'EOF'
2025-07-04T12:00:00Z
2025-07-04 12:00:00
2025-07-04T14:30:00.1234+02:30
2025-07-04T12:00:00-05:00
2025-07-04
20250704
1720094400
1720094400123
2024-02-29T23:59:60Z
1969-12-31T23:59:59.999Z
EOF
	assert_success
	assert_output - <<'EOF'
1751630400000 2025-07-04T12:00:00.000Z wday=6 yday=185
1751630400000 2025-07-04T12:00:00.000Z wday=6 yday=185
1751630400123 2025-07-04T12:00:00.123Z wday=6 yday=185
1751648400000 2025-07-04T17:00:00.000Z wday=6 yday=185
1751587200000 2025-07-04T00:00:00.000Z wday=6 yday=185
1751587200000 2025-07-04T00:00:00.000Z wday=6 yday=185
1720094400000 2024-07-04T12:00:00.000Z wday=5 yday=186
1720094400123 2024-07-04T12:00:00.123Z wday=5 yday=186
1709251199000 2024-02-29T23:59:59.000Z wday=5 yday=60
-1 1969-12-31T23:59:59.999Z wday=4 yday=365
EOF
}

@test "time: impossible dates and words are errors" {
	run libmb-check time <<'EOF'
2025-02-29
2025-13-01
2025-07-04T24:00:00Z
2025-07-04T12:00:00+25:00
yesterday

EOF
	assert_output - <<'EOF'
error: not a timestamp: '2025-02-29'
error: not a timestamp: '2025-13-01'
error: not a timestamp: '2025-07-04T24:00:00Z'
error: not a timestamp: '2025-07-04T12:00:00+25:00'
error: not a timestamp: 'yesterday'
error: not a timestamp: ''
EOF
}

@test "time: the years 0000 to 9999 and nothing beyond; no offset means UTC" {
	run libmb-check time <<'EOF'
0000-01-01T00:00:00Z
9999-12-31T23:59:59.999Z
-62167219200000
253402300799999
2010-12-01 08:26:00
0000-01-01T00:30:00+01:00
9999-12-31T23:30:00-01:00
-62167219200001
253402300800000
999999999999999999
-999999999999999999
EOF
	assert_output - <<'EOF'
-62167219200000 0000-01-01T00:00:00.000Z wday=7 yday=1
253402300799999 9999-12-31T23:59:59.999Z wday=6 yday=365
-62167219200000 0000-01-01T00:00:00.000Z wday=7 yday=1
253402300799999 9999-12-31T23:59:59.999Z wday=6 yday=365
1291191960000 2010-12-01T08:26:00.000Z wday=4 yday=335
error: time out of range (years 0000 to 9999): '0000-01-01T00:30:00+01:00'
error: time out of range (years 0000 to 9999): '9999-12-31T23:30:00-01:00'
error: time out of range (years 0000 to 9999): '-62167219200001'
error: time out of range (years 0000 to 9999): '253402300800000'
error: time out of range (years 0000 to 9999): '999999999999999999'
error: time out of range (years 0000 to 9999): '-999999999999999999'
EOF
}

@test "decimals: exact sums, products, division, comparison, overflow" {
	run libmb-check dec <<'EOF'
0.1 + 0.2
12.50 * 3
10 / 3
-7.5 / 2
1e3 + 0.001
1.10 cmp 1.1
2 cmp 10
99999999999999999999999999999999999999 * 10
1 / 0
abc + 1
99999999999999999999 + 1
-18446744073709551616.5 * 2
9999999999999999999999999999999999999 * 10
12345678901234567890123 / 7
1.23456789 / 1
-0.000050 / 1
EOF
	assert_output - <<'EOF'
0.3
37.50
3.3333
-3.7500
1000.001
0
-1
error: decimal overflow
error: division by zero
error: not a number
100000000000000000000
-36893488147419103233.0
99999999999999999999999999999999999990
1763668414462081127160.4286
1.2346
-0.0001
EOF
}

@test "records: dotted paths, typed reads, escapes, a key with a dot, missing fields" {
	run libmb-check get a b c.d.e c.d f.g n big p escA missing c.x <<'EOF'
{"a":1,"b":"x\u00e9\n","c":{"d":{"e":[1,2]}},"f.g":true,"n":null,"big":123456789012345678901234567890,"p":12.50,"esc\u0041":7}
{"a":1,}
EOF
	assert_output - <<'EOF'
a=num:1 int=1 dec=1 b=str:"x\u00e9\n" text=xé
 c.d.e=arr:[1,2] len=2 c.d=obj:{"e":[1,2]} len=1 f.g=bool:true n=null:null big=num:123456789012345678901234567890 int=(integer out of range) dec=123456789012345678901234567890 p=num:12.50 int=(not an integer) dec=12.50 escA=num:7 int=7 dec=7 missing=none c.x=none
error: column 8: trailing comma before '}'
EOF
}

@test "records: edits replace, delete and append; untouched fields keep their bytes" {
	run libmb-check edit a=2 -c 'z="new"' <<'EOF'
{"a":1, "b" : "keep  spacing" ,"c":3}
{}
EOF
	assert_output - <<'EOF'
{"a":2,"b" : "keep  spacing","z":"new"}
{"a":2,"z":"new"}
EOF
}

@test "records: a record with thousands of fields grows the token array" {
	run bash -c "python3 -c 'import json; print(json.dumps({\"k%d\" % i: i for i in range(5000)}))' | libmb-check get k0 k4999"
	assert_output 'k0=num:0 int=0 dec=0 k4999=num:4999 int=4999 dec=4999'
}

@test "display width: wide characters 2, combining and format characters 0, controls 0, bad bytes 1" {
	run bash -c "printf 'abc\n日本語\ne\xcc\x81\xcc\x81x\nＡＢ\n한국어\n\xe2\x80\x8bzero\xe2\x80\x8d\n\xff\xfeab\na\tb\nna\xc3\xafve\n\xe0\xb8\x81\xe0\xb8\xb3\n\n' | libmb-check width"
	assert_output - <<'EOF'
3
6
2
4
6
4
4
2
5
2
0
EOF
}

@test "flatten: leaves with their paths, escapes, blanks, empty objects and arrays" {
	run libmb-check flat . <<'EOF'
{"a":{"b":{"c":1},"d":[{"x":{}}],"e":{ },"f":"}{\"]"}, "g" : { "h\u0041" : { "i" : null } },"":{"":{"k":true}}}
{}
{ "a" : 1 }
EOF
	assert_output - <<'EOF'
a.b.c	1
a.d	[{"x":{}}]
a.e	{ }
a.f	"}{\"]"
g.hA.i	null
..k	true
--
empty
a	1
--
EOF
}

@test "JSON arrays: elements cut out over lines, exact bytes kept, where the syntax breaks" {
	run bash -c "printf '[\n  {\"a\": [1, {\"b\": \"x]}\"}]},\n  2 ,\n  \"s\\\\\"t\"\n  , {\n\n  \"c\": null}\n]\n' | libmb-check jarr"
	assert_output - <<'EOF'
element 2: {"a": [1, {"b": "x]}"}]} | "{\"a\": [1, {\"b\": \"x]}\"}]}"
element 3: 2 | "2"
element 4: "s\"t" | "\"s\\\"t\""
element 5: {    "c": null} | "{\n\n  \"c\": null}"
end
EOF
	run bash -c "printf '[{\"a\":1}\n{\"b\":2}]\n' | libmb-check jarr; printf '[{\"a\":\"x\ny\"}]\n' | libmb-check jarr; printf '[{\"a\":1},{\"b\":\n' | libmb-check jarr; printf '[1,,2,]' | libmb-check jarr; printf '[{\"a\" 1}]' | libmb-check jarr"
	assert_output - <<'EOF'
break 2:1
break 1: end of line in a string
element 1: {"a":1} | "{\"a\":1}"
no end: an element cut
element 1: 1 | "1"
element 1: 2 | "2"
end
break 1:7
EOF
}

@test "records: many edits of one record (a flattened object) are found through a hash" {
	run bash -c "printf '%s\\n' '{\"a\":1,\"b\":2,\"a\":5,\"\\u0062x\":7}' | libmb-check edit \$(seq -f 'k%g=1' 1 40) a=3 k1=2 -b k40=4 bx=8"
	assert_output '{"a":3,"a":5,"bx":8,"k1":2,"k2":1,"k3":1,"k4":1,"k5":1,"k6":1,"k7":1,"k8":1,"k9":1,"k10":1,"k11":1,"k12":1,"k13":1,"k14":1,"k15":1,"k16":1,"k17":1,"k18":1,"k19":1,"k20":1,"k21":1,"k22":1,"k23":1,"k24":1,"k25":1,"k26":1,"k27":1,"k28":1,"k29":1,"k30":1,"k31":1,"k32":1,"k33":1,"k34":1,"k35":1,"k36":1,"k37":1,"k38":1,"k39":1,"k40":4}'
}

@test "mb_lake_walk: the entries there are, and each gap as one step" {
	run libmb-check walk <<'EOF2'
0 9 0 1 2 5 9
0 9 3
2 6 0 1 2 5 9
3 4 0 1 2 5 9
0 -1 0
5 5 4 6
0 9223372036854775799 0 9223372036854775799
EOF2
	assert_success
	assert_output ' 0 1 2 [3-4] 5 [6-8] 9
 [0-2] 3 [4-9]
 2 [3-4] 5 [6-6]
 [3-4]

 [5-5]
 0 [1-9223372036854775798] 9223372036854775799'
}
