#!/usr/bin/env bats
# mb-table: NDJSON as an aligned text table, CSV or Markdown.

load helper

setup() {
	cd "$DATA/table"
}

@test "a text table: columns by first appearance, numbers right, nested as compact JSON" {
	run mbrun mb-table mixed.ndjson
	assert_success
	assert_output - <<'EOF'
id  name          city    amount  tags       meta
--  ------------  ------  ------  ---------  -------------------
 1  Ada           London   12.50
 2  Grace Hopper              -3  ["a","b"]
10  東京タワー    Tōkyō   1234.5
 3  Zoë           null      0.10             {"k":"v","n":[1,2]}
EOF
	assert_equal "$(stderr_of_mbrun)" ""
}

@test "--csv: a header, RFC 4180 quoting, null empty, empty text quoted; --bom" {
	run mbrun mb-table --csv mixed.ndjson
	assert_success
	assert_output - <<'EOF'
id,name,city,amount,tags,meta
1,Ada,London,12.50,,
2,Grace Hopper,,-3,"[""a"",""b""]",
10,東京タワー,Tōkyō,1234.5,,
3,Zoë,,0.10,,"{""k"":""v"",""n"":[1,2]}"
EOF
	printf '%s\n' '{"a":"x,y","b":"say \"hi\"","c":"","d":null,"e":"two\nlines\r\n","f":true}' > "$BATS_TEST_TMPDIR/in"
	run mbrun mb-table --csv "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output "$(printf 'a,b,c,d,e,f\n"x,y","say ""hi""","",,"two\nlines\r\n",true')"
	run bash -c "mb-table --csv --bom mixed.ndjson | head -c 5 | od -An -c"
	assert_output "$(printf '\xef\xbb\xbfid' | od -An -c)"
	# what Python's csv module reads back is what the records held
	run bash -c "mb-table --csv '$BATS_TEST_TMPDIR/in' | python3 -c 'import csv,sys; print(list(csv.reader(sys.stdin)))'"
	assert_output "[['a', 'b', 'c', 'd', 'e', 'f'], ['x,y', 'say \"hi\"', '', '', 'two\\nlines\\r\\n', 'true']]"
}

@test "--md: a Markdown table, right-aligned numbers, | escaped" {
	printf '%s\n' '{"k":"a|b","v":1}' > "$BATS_TEST_TMPDIR/in"
	run mbrun mb-table --md mixed.ndjson "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output - <<'EOF'
|  id | name         | city   | amount | tags      | meta                | k    |   v |
| --: | ------------ | ------ | -----: | --------- | ------------------- | ---- | --: |
|   1 | Ada          | London |  12.50 |           |                     |      |     |
|   2 | Grace Hopper |        |     -3 | ["a","b"] |                     |      |     |
|  10 | 東京タワー   | Tōkyō  | 1234.5 |           |                     |      |     |
|   3 | Zoë          | null   |   0.10 |           | {"k":"v","n":[1,2]} |      |     |
|     |              |        |        |           |                     | a\|b |   1 |
EOF
}

@test "--fields: these columns in this order, dotted paths, missing ones blank" {
	run mbrun mb-table --fields amount,meta.k,name,nosuch mixed.ndjson
	assert_success
	assert_output - <<'EOF'
amount  meta.k  name          nosuch
------  ------  ------------  ------
 12.50          Ada
    -3          Grace Hopper
1234.5          東京タワー
  0.10  v       Zoë
EOF
	run mbrun mb-table --csv -f name,id mixed.ndjson
	assert_success
	assert_output - <<'EOF'
name,id
Ada,1
Grace Hopper,2
東京タワー,10
Zoë,3
EOF
}

@test "records with differing fields: every field gets a column, in order of first appearance" {
	printf '%s\n' '{"a":1}' '{"b":"x","a":2}' '{"c":true}' '{}' > "$BATS_TEST_TMPDIR/in"
	run mbrun mb-table "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output - <<'EOF'
a  b  c
-  -  ----
1
2  x
      true
EOF
}

@test "UTF-8 width: wide characters take two columns, combining marks none" {
	printf '%s\n' '{"w":"ｗｉｄｅ","x":1}' '{"w":"e\u0301e\u0301","x":2}' '{"w":"한국어","x":3}' '{"w":"ascii","x":4}' > "$BATS_TEST_TMPDIR/in"
	run mbrun mb-table "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output "$(printf 'w         x\n--------  -\nｗｉｄｅ  1\ne\xcc\x81e\xcc\x81        2\n한국어    3\nascii     4')"
}

@test "control characters are escaped, never sent to the terminal" {
	printf '%s\n' '{"s":"tab\there\nnew\u001b[31mred\u0085!","n":1}' > "$BATS_TEST_TMPDIR/in"
	run mbrun mb-table "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output - <<'EOF'
s                                 n
--------------------------------  -
tab\there\nnew\x1b[31mred\u0085!  1
EOF
}

@test "--max-width cuts long values with an ellipsis, by columns not bytes; 0 is no limit" {
	printf '%s\n' '{"s":"abcdefghijklmnopqrstuvwxyz","t":"日本語のテキスト"}' > "$BATS_TEST_TMPDIR/in"
	run mbrun mb-table --max-width 8 "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output - <<'EOF'
s         t
--------  -------
abcdefg…  日本語…
EOF
	run mbrun mb-table -w 0 "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_line --index 2 'abcdefghijklmnopqrstuvwxyz  日本語のテキスト'
	run mbrun mb-table "$BATS_TEST_TMPDIR/in" --max-width 1
	assert_failure 2
}

@test "10,000 columns" {
	python3 -c 'import json; [print(json.dumps({"k%d" % i: i * r for i in range(10000)})) for r in range(3)]' > "$BATS_TEST_TMPDIR/in"
	run bash -c "mb-table '$BATS_TEST_TMPDIR/in' | awk '{ print NF, \$1, \$10000 }'"
	assert_success
	assert_output - <<'EOF'
10000 k0 k9999
10000 -- -----
10000 0 0
10000 0 9999
10000 0 19998
EOF
	run bash -c "mb-table --csv '$BATS_TEST_TMPDIR/in' | awk -F, '{ print NF, \$5000 }'"
	assert_output - <<'EOF'
10000 k4999
10000 0
10000 4999
10000 9998
EOF
}

@test "invalid UTF-8: a quarantined _raw shows U+FFFD; a line that is not JSON is shown as _raw, bytes escaped" {
	printf 'a,b\n1,caf\xe9\n' > "$BATS_TEST_TMPDIR/bad.csv"
	mb-ingest "$BATS_TEST_TMPDIR/bad.csv" 2>/dev/null | mb-enrich --keep _raw,_raw_b64,_offset > "$BATS_TEST_TMPDIR/q"
	run mbrun mb-table "$BATS_TEST_TMPDIR/q"
	assert_success
	assert_output - <<'EOF'
_raw    _raw_b64  _offset
------  --------  -------
1,caf�  MSxjYWbp        2
EOF
	printf '{"a":1}\n\xff\xfe{"a":\n' > "$BATS_TEST_TMPDIR/in"
	run mbrun mb-table "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output - <<'EOF'
a  _raw
-  -------------
1
   \xff\xfe{"a":
EOF
	assert_equal "$(stderr_of_mbrun)" "mb-table: $BATS_TEST_TMPDIR/in:2: not a JSON object, shown as _raw: column 1: expected a JSON object ('{')"
	run mbrun mb-table --csv "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output "$(printf 'a,_raw\n1,\n,"\xef\xbf\xbd\xef\xbf\xbd{""a"":"')"
}

@test "empty input: nothing; with --fields, the header alone" {
	run mbrun mb-table /dev/null
	assert_success
	assert_output ""
	assert_equal "$(stderr_of_mbrun)" ""
	run mbrun mb-table --fields a,bb /dev/null
	assert_success
	assert_output - <<'EOF'
a  bb
-  --
EOF
	run mbrun mb-table --csv --fields a,bb /dev/null
	assert_success
	assert_output "a,bb"
}

@test ".zst input" {
	zstd -q -c mixed.ndjson > "$BATS_TEST_TMPDIR/m.zst"
	run mbrun mb-table --csv "$BATS_TEST_TMPDIR/m.zst"
	assert_success
	assert_line --index 0 "id,name,city,amount,tags,meta"
	assert_line --index 4 '3,Zoë,,0.10,,"{""k"":""v"",""n"":[1,2]}"'
}

@test "--sample: the first N records set the columns; a later field is counted on stderr" {
	printf '%s\n' '{"a":1}' '{"a":22222,"b":"x"}' '{"a":3,"c":"late","d":1}' > "$BATS_TEST_TMPDIR/in"
	run mbrun mb-table --sample 2 "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output - <<'EOF'
    a  b
-----  -
    1
22222  x
    3
EOF
	assert_equal "$(stderr_of_mbrun)" "mb-table: 2 fields first seen after the header (--sample 2) not shown: c, d"
	printf '%s\n' '{"a":"a long text"}' > "$BATS_TEST_TMPDIR/in2"
	# after the header, a value wider than its column is cut
	run mbrun mb-table --sample 1 "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/in2"
	assert_success
	assert_output "$(printf 'a\n-\n1\n\xe2\x80\xa6\n3\n\xe2\x80\xa6')"
}

@test "streaming: after --sample records the header and each new record come out while the input is open" {
	mkfifo "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	mb-table --sample 2 < "$BATS_TEST_TMPDIR/in" > "$BATS_TEST_TMPDIR/out" &
	exec 5>"$BATS_TEST_TMPDIR/in" 6<"$BATS_TEST_TMPDIR/out"
	printf '{"id":1,"s":"one"}\n{"id":2,"s":"two"}\n' >&5
	IFS= read -r -t 10 l1 <&6
	IFS= read -r -t 10 l2 <&6
	IFS= read -r -t 10 l3 <&6
	IFS= read -r -t 10 l4 <&6
	printf '{"id":3,"s":"three"}\n' >&5
	IFS= read -r -t 10 l5 <&6
	exec 5>&- 6<&-
	wait
	assert_equal "$l1|$l2|$l3|$l4|$l5" "id  s|--  ---| 1  one| 2  two| 3  th…"
}

@test "a bad flag is status 2 with the usage; --csv with --md, --bom without --csv too" {
	run mbrun mb-table --bogus mixed.ndjson
	assert_failure 2
	assert_output ""
	[[ "$(stderr_of_mbrun)" == *"usage: mb-table"* ]]
	run mbrun mb-table --csv --md mixed.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun | head -n 1)" "mb-table: --csv and --md: choose one"
	run mbrun mb-table --bom mixed.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun | head -n 1)" "mb-table: --bom goes with --csv"
	run mbrun mb-table --fields a,,b mixed.ndjson
	assert_failure 2
	assert_equal "$(stderr_of_mbrun | head -n 1)" 'mb-table: --fields "a,,b": empty field name'
	run mbrun mb-table --sample 0 mixed.ndjson
	assert_failure 2
	run mbrun mb-table nosuch.ndjson
	assert_failure 1
	assert_equal "$(stderr_of_mbrun)" "mb-table: nosuch.ndjson: No such file or directory"
}

@test "| head -n 1: status 0 and nothing on stderr" {
	for i in $(seq 20000); do echo "{\"i\":$i,\"s\":\"row $i\"}"; done > "$BATS_TEST_TMPDIR/many"
	run bash -c "mb-table '$BATS_TEST_TMPDIR/many' 2>'$BATS_TEST_TMPDIR/err' | head -n 1; echo \"\${PIPESTATUS[0]}\""
	assert_output "  i  s
0"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" ""
}
