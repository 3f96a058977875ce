#!/usr/bin/env bats
# The expression language (mb-expr(7)), through mb-enrich --set.

load helper

REC='{"amount":39.98,"quantity":2,"unit_price":19.99,"status":"returned","ts":"2025-07-04T12:34:56Z","s":"a\"b","n":null,"m":"07","o":{"x":[1,2],"y":{"z":"deep"}},"odd key":5,"e":"Ünïcode"}'

# ev EXPR: the value of EXPR over $REC, as JSON
ev() {
	printf '%s\n' "$REC" | mb-enrich --now 2025-07-10T00:00:00Z --set "x = $1" --keep x | jq -c .x
}

# evs EXPR...: the values, one per line, raw as mb-enrich writes them
evs() {
	local e
	for e in "$@"; do
		printf '%s\n' "$REC" | mb-enrich --now 2025-07-10T00:00:00Z --set "x = $e" --keep x
	done
}

@test "literals" {
	run evs '1' '-2.50' "'single'" '"double"' 'true' 'false' 'null' '1e3' '.5'
	assert_output - <<'EOF'
{"x":1}
{"x":-2.50}
{"x":"single"}
{"x":"double"}
{"x":true}
{"x":false}
{"x":null}
{"x":1000}
{"x":0.5}
EOF
}

@test "exact decimal arithmetic" {
	run evs '0.1 + 0.2' 'amount - quantity * unit_price' '10 / 4' '1 / 3' '7 % 3' '-7.5 % 2' '2 * 19.99' '-(1 - 3)' '123456789012345678901234567890 + 0.5'
	assert_output - <<'EOF'
{"x":0.3}
{"x":0.00}
{"x":2.5}
{"x":0.333333}
{"x":1}
{"x":-1.5}
{"x":39.98}
{"x":2}
{"x":123456789012345678901234567890.5}
EOF
}

@test "% is exact when bringing both sides to one scale passes 128 bits" {
	# 1e38 % 0.7 needed 1e39 on the way: it wrapped (-0.2) before
	run evs '(99999999999999999999999999 * 999999999999 + 1) % 0.7' \
		'(99999999999999999999999999 * 999999999999 + 1) % 0.07' \
		'-(99999999999999999999999999 * 999999999999 + 1) % 0.7' \
		'(99999999999999999999999999 * 999999999999) % 0.5' '17 % -0.3'
	assert_output - <<'EOF'
{"x":0.3}
{"x":0.02}
{"x":-0.3}
{"x":0.0}
{"x":0.2}
EOF
}

@test "precedence: * before +, comparison before and, and before or" {
	run evs '1 + 2 * 3' '(1 + 2) * 3' 'true or false and false' 'not 1 > 2' '1 < 2 and 2 < 3'
	assert_output - <<'EOF'
{"x":7}
{"x":9}
{"x":true}
{"x":true}
{"x":true}
EOF
}

@test "comparisons; a string holding a number compares as a number" {
	run evs 'status == "returned"' 'status = "returned"' "status != 'returned'" 'status <> "x"' 'm > 6' 'm = 7' 'm == "07"' '"abc" < "abd"' 'status > 1' 'status = 1' 'status != 1'
	assert_output - <<'EOF'
{"x":true}
{"x":true}
{"x":false}
{"x":true}
{"x":true}
{"x":true}
{"x":true}
{"x":true}
{"x":null}
{"x":false}
{"x":true}
EOF
}

@test "null propagates as in SQL" {
	run evs 'n + 1' 'n > 1' 'not n' 'true or n' 'false or n' 'false and n' 'true and n' 'o.missing' 'is_null(n)' 'is_null(o.missing)' 'is_null(0)' 'coalesce(n, o.missing, 5)' 'upper(n)'
	assert_output - <<'EOF'
{"x":null}
{"x":null}
{"x":null}
{"x":true}
{"x":null}
{"x":false}
{"x":null}
{"x":null}
{"x":true}
{"x":true}
{"x":false}
{"x":5}
{"x":null}
EOF
}

@test "a comparison with a null literal is an error, status 2: it is null whatever x is" {
	for e in 'n = null' 'null != status' 'quantity > (null)' 'o.missing == null'; do
		run bash -c "printf '%s\n' '$REC' | mb-enrich --set 'x = $e'"
		assert_failure 2
		echo "$output"
	done > "$BATS_TEST_TMPDIR/out"
	run cat "$BATS_TEST_TMPDIR/out"
	assert_output - <<'EOF'
mb-enrich: --set "x = n = null": column 3: a comparison with null is always null, never true or false; use is_null(x) or not is_null(x)
mb-enrich: --set "x = null != status": column 6: a comparison with null is always null, never true or false; use is_null(x) or not is_null(x)
mb-enrich: --set "x = quantity > (null)": column 10: a comparison with null is always null, never true or false; use is_null(x) or not is_null(x)
mb-enrich: --set "x = o.missing == null": column 11: a comparison with null is always null, never true or false; use is_null(x) or not is_null(x)
EOF
	run evs 'is_null(n)' 'not is_null(status)' 'n in (1, null)'
	assert_output - <<'EOF'
{"x":true}
{"x":true}
{"x":null}
EOF
}

@test "&& || ! and the words, in (..), not in (..)" {
	run evs 'quantity > 1 && status == "returned"' '!(quantity > 1) || false' 'status in ("a", "returned")' 'status not in ("a")' 'quantity in (1, 2.0)' 'status in ("a", null)' 'n in (1)' 'TRUE AND NOT false'
	assert_output - <<'EOF'
{"x":true}
{"x":false}
{"x":true}
{"x":true}
{"x":true}
{"x":null}
{"x":null}
{"x":true}
EOF
}

@test "field references: dotted paths, quoted names" {
	run evs 'o.y.z' 'o.x' 'o' '`odd key` * 2' 'o.nope.deeper'
	assert_output - <<'EOF'
{"x":"deep"}
{"x":[1,2]}
{"x":{"x":[1,2],"y":{"z":"deep"}}}
{"x":10}
{"x":null}
EOF
}

@test "if, coalesce" {
	run evs 'if(amount > 100, "big", "small")' 'if(n, 1, 2)' 'coalesce(n, status)'
	assert_output - <<'EOF'
{"x":"small"}
{"x":2}
{"x":"returned"}
EOF
}

@test "string functions" {
	run evs 'lower("AbC")' 'upper(status)' "trim('  x  ')" 'substr(status, 2, 3)' 'substr(status, -3)' 'len(e)' 'substr(e, 2, 2)' 'concat(status, "-", quantity)' 'starts_with(status, "ret")' 'ends_with(status, "ned")' 'contains(s, "\"")' 's' 'matches(status, "^r\\w+d$")' 'matches(status, "^(re|xx)t")' 'matches(status, "^x")'
	assert_output - <<'EOF'
{"x":"abc"}
{"x":"RETURNED"}
{"x":"x"}
{"x":"etu"}
{"x":"ned"}
{"x":7}
{"x":"nï"}
{"x":"returned-2"}
{"x":true}
{"x":true}
{"x":true}
{"x":"a\"b"}
{"x":true}
{"x":true}
{"x":false}
EOF
}

@test "math functions" {
	run evs 'abs(-2.5)' 'round(2.345, 2)' 'round(-2.345, 2)' 'round(2.5)' 'floor(-2.5)' 'ceil(2.1)' 'floor(7)'
	assert_output - <<'EOF'
{"x":2.5}
{"x":2.35}
{"x":-2.35}
{"x":3}
{"x":-3}
{"x":3}
{"x":7}
EOF
}

@test "time functions" {
	run evs 'year(ts)' 'month(ts)' 'day(ts)' 'dayofweek(ts)' 'hour(ts)' 'date(ts)' 'week(ts)' "date_trunc('month', ts)" "date_trunc('week', ts)" "date_trunc('quarter', ts)" 'now()' 'days_between(ts, now())' 'year(1751631296)' 'week("2021-01-03")' 'ts < now()'
	assert_output - <<'EOF'
{"x":2025}
{"x":7}
{"x":4}
{"x":6}
{"x":12}
{"x":"2025-07-04"}
{"x":27}
{"x":"2025-07-01T00:00:00.000Z"}
{"x":"2025-06-30T00:00:00.000Z"}
{"x":"2025-07-01T00:00:00.000Z"}
{"x":"2025-07-10T00:00:00.000Z"}
{"x":6}
{"x":2025}
{"x":53}
{"x":true}
EOF
}

@test "hash(x) is xxh3-64 in hex, as xxhsum -H3 computes it" {
	want=$(printf 'abc' | xxhsum -H3 | grep -oE '[0-9a-f]{16}')
	run ev 'hash("abc")'
	assert_output "\"$want\""
}

@test "runtime errors: division by zero, bad timestamp, not a number" {
	run mbrun bash -c "printf '%s\n' '$REC' | mb-enrich --strict --set 'x = 1 / 0'"
	assert_failure 1
	assert_equal "$(stderr_of_mbrun)" 'mb-enrich: -:1: --set "x": division by zero'
	run mbrun bash -c "printf '%s\n' '$REC' | mb-enrich --strict --set 'x = year(status)'"
	assert_failure 1
	assert_equal "$(stderr_of_mbrun)" 'mb-enrich: -:1: --set "x": bad timestamp "returned"'
	run mbrun bash -c "printf '%s\n' '$REC' | mb-enrich --strict --set 'x = status + 1'"
	assert_failure 1
	assert_equal "$(stderr_of_mbrun)" 'mb-enrich: -:1: --set "x": + of a value that is not a number (use concat() for strings)'
}

@test "times out of range are runtime errors: null and a count in mb-enrich, a failed check in mb-validate" {
	run mbrun bash -c "echo '{\"t\":99999999999999999999999,\"u\":1e300}' | mb-enrich --set 'h = hour(t)' --set 'd = date(u)'"
	assert_success
	assert_output '{"t":99999999999999999999999,"u":1e300,"h":null,"d":null}'
	assert_equal "$(stderr_of_mbrun)" 'mb-enrich: 2 expression errors gave null'
	for f in 'year(t)' 'month(u)' 'day(-u)' 'dayofweek(t)' 'hour(t)' 'minute(t)' 'week(t)' 'date(t)' 'timestamp(t)' \
	    'date_trunc("day", t)' 'days_between(t, "2025-01-01")' 'days_between("2025-01-01", t)' \
	    'date_trunc("week", "0000-01-01")' 'year("0000-01-01T00:30:00+01:00")' 'year(-62167219201)'; do
		echo '{"t":99999999999999999999999,"u":1e300}' | mb-enrich --strict --set "x = $f" 2>>"$BATS_TEST_TMPDIR/err" && false
	done
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output - <<'EOF'
mb-enrich: -:1: --set "x": time out of range (years 0000 to 9999): 99999999999999999999999
mb-enrich: -:1: --set "x": time out of range (years 0000 to 9999): 1e+300
mb-enrich: -:1: --set "x": time out of range (years 0000 to 9999): -1e+300
mb-enrich: -:1: --set "x": time out of range (years 0000 to 9999): 99999999999999999999999
mb-enrich: -:1: --set "x": time out of range (years 0000 to 9999): 99999999999999999999999
mb-enrich: -:1: --set "x": time out of range (years 0000 to 9999): 99999999999999999999999
mb-enrich: -:1: --set "x": time out of range (years 0000 to 9999): 99999999999999999999999
mb-enrich: -:1: --set "x": time out of range (years 0000 to 9999): 99999999999999999999999
mb-enrich: -:1: --set "x": time out of range (years 0000 to 9999): 99999999999999999999999
mb-enrich: -:1: --set "x": time out of range (years 0000 to 9999): 99999999999999999999999
mb-enrich: -:1: --set "x": time out of range (years 0000 to 9999): 99999999999999999999999
mb-enrich: -:1: --set "x": time out of range (years 0000 to 9999): 99999999999999999999999
mb-enrich: -:1: --set "x": time out of range (years 0000 to 9999): date_trunc() before 0000-01-01
mb-enrich: -:1: --set "x": time out of range (years 0000 to 9999): 0000-01-01T00:30:00+01:00
mb-enrich: -:1: --set "x": time out of range (years 0000 to 9999): -62167219201
EOF
	# the edges themselves are times
	run evs 'date(-62167219200)' 'date(253402300799999)' 'date_trunc("week", "0000-01-03")'
	assert_output - <<'EOF'
{"x":"0000-01-01"}
{"x":"9999-12-31"}
{"x":"0000-01-03T00:00:00.000Z"}
EOF
	printf '%s\n' '{"t":99999999999999999999999}' '{"t":"2010-12-01 08:26:00"}' > "$BATS_TEST_TMPDIR/in"
	run mbrun mb-validate --check 'recent: year(t) >= 2010' --quarantine "$BATS_TEST_TMPDIR/q" "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output '{"t":"2010-12-01 08:26:00"}'
	run cat "$BATS_TEST_TMPDIR/q"
	assert_output '{"t":99999999999999999999999,"_errors":[{"rule":"recent","field":null,"message":"error: time out of range (years 0000 to 9999): 99999999999999999999999"}]}'
}

@test "syntax errors name the column" {
	for e in '1 +' '(1 + 2' 'foo(1)' '"abc' 'a == b == c' 'lower()' "matches(s, '[')" "date_trunc('fortnight', ts)" '1 2' 'a in 1' '#'; do
		printf '%s\n' "$REC" | mb-enrich --set "x = $e" >/dev/null 2>>"$BATS_TEST_TMPDIR/err" && false
	done
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output - <<'EOF'
mb-enrich: --set "x = 1 +": column 4: unexpected end of expression
mb-enrich: --set "x = (1 + 2": column 7: expected ")"
mb-enrich: --set "x = foo(1)": column 1: unknown function "foo"
mb-enrich: --set "x = "abc": column 1: unterminated quote
mb-enrich: --set "x = a == b == c": column 8: comparisons do not chain; use and
mb-enrich: --set "x = lower()": column 1: wrong number of arguments to lower()
mb-enrich: --set "x = matches(s, '[')": column 12: bad regular expression: Invalid regular expression
mb-enrich: --set "x = date_trunc('fortnight', ts)": column 12: date_trunc() unit must be one of year, quarter, month, week, day, hour, minute, second
mb-enrich: --set "x = 1 2": column 3: unexpected "2"
mb-enrich: --set "x = a in 1": column 6: expected "(" after in
mb-enrich: --set "x = #": column 1: unexpected "#"
EOF
}

@test "long chains run: 60,000 terms of + or *, 15,000 of or, 20,000 of and" {
	# one argument holds at most 128 KB
	sum=$(python3 -c "print('1' + '+1' * 59999)")
	prod=$(python3 -c "print('quantity' + '*1' * 59999)")
	ors=$(python3 -c "print('false' + '||false' * 14999 + '||true')")
	ands=$(python3 -c "print('true' + '&&true' * 19999)")
	run evs "$sum" "$prod" "$ors" "$ands" "$sum-60000+2*3-1/2"
	assert_output - <<'EOF'
{"x":60000}
{"x":2}
{"x":true}
{"x":true}
{"x":5.5}
EOF
	printf '%s\n' '{"a":1}' > "$BATS_TEST_TMPDIR/in"
	run mbrun mb-validate --check "big: $sum > 59999" --quarantine "$BATS_TEST_TMPDIR/q" "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output '{"a":1}'
}

@test "nesting deeper than 200 levels is status 2 with the column, at any depth under the limit it runs" {
	deep=$(python3 -c "print('(' * 300 + '1' + ')' * 300)")
	run mbrun bash -c "printf '%s\n' '$REC' | mb-enrich --set 'x = $deep'"
	assert_failure 2
	assert_equal "$(stderr_of_mbrun)" "mb-enrich: --set \"x = $deep\": column 201: expression nested too deeply"
	# the deepest that parses, with every kind of operation at each level
	ok=$(python3 -c "print('if(true, -(0 + 1 * ' * 66 + 'quantity' + ') + 0, 0)' * 66)")
	run ev "$ok"
	assert_output '2'
}

@test "a pattern that would expand past 2,000 positions is refused, not compiled" {
	# glibc's regcomp took 700 MB for "a" and twenty "+", 20 GB for thirty
	for p in "^a$(printf '+%.0s' $(seq 21))b" '((((((((((((a)+)+)+)+)+)+)+)+)+)+)+)+' '(a{1,100}){1,100}' 'x{1,2001}'; do
		printf '%s\n' "$REC" | mb-enrich --set "x = matches(s, '$p')" >/dev/null 2>>"$BATS_TEST_TMPDIR/err" && false
	done
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output - <<'EOF'
mb-enrich: --set "x = matches(s, '^a+++++++++++++++++++++b')": column 12: bad regular expression: too complex: it expands to more than 2000 positions (a repetition multiplies what it repeats)
mb-enrich: --set "x = matches(s, '((((((((((((a)+)+)+)+)+)+)+)+)+)+)+)+')": column 12: bad regular expression: too complex: it expands to more than 2000 positions (a repetition multiplies what it repeats)
mb-enrich: --set "x = matches(s, '(a{1,100}){1,100}')": column 12: bad regular expression: too complex: it expands to more than 2000 positions (a repetition multiplies what it repeats)
mb-enrich: --set "x = matches(s, 'x{1,2001}')": column 12: bad regular expression: too complex: it expands to more than 2000 positions (a repetition multiplies what it repeats)
EOF
	# what people write still compiles
	run evs "matches(s, '^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,255}\\.[A-Za-z]{2,63}\$')" \
		"matches(status, '^(ret|ref)[a-z]+(ed|ing)?\$')" "matches(s, '(a{1,40}){1,40}')"
	assert_output - <<'EOF'
{"x":false}
{"x":true}
{"x":true}
EOF
}

@test "mb-validate --check: true and null pass, false and non-booleans fail" {
	printf '%s\n' '{"a":1}' '{"a":null}' '{"a":0}' '{"a":"x"}' > "$BATS_TEST_TMPDIR/in"
	run mbrun mb-validate --check 'pos: a > 0' --check 'nb: if(a = 1, a, true)' -q "$BATS_TEST_TMPDIR/q" "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output - <<'EOF'
{"a":null}
{"a":"x"}
EOF
	run cat "$BATS_TEST_TMPDIR/q"
	assert_output - <<'EOF'
{"a":1,"_errors":[{"rule":"nb","field":null,"message":"not a boolean: if(a = 1, a, true)"}]}
{"a":0,"_errors":[{"rule":"pos","field":null,"message":"check failed: a > 0"}]}
EOF
}
