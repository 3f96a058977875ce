#!/usr/bin/env bats
# mb-write --merge-on: each key once in a dataset (upsert), the key index
# beside the log, followers that see new data only.

load helper

setup() {
	D="$BATS_TEST_TMPDIR/ds"
}

@test "--merge-on: a record whose key is in the dataset replaces it in one commit" {
	printf '{"id":1,"v":"a"}\n{"id":2,"v":"b"}\n' | mb-write --merge-on id "$D"
	run mb-write --merge-on id "$D" <<'EOF2'
{"id":2,"v":"b"}
{"id":3,"v":"c"}
{"id":1,"v":"A"}
EOF2
	assert_success
	assert_output "mb-write: $D: --merge-on id: 1 records there already, 1 replaced, 0 kept by --when-matched ignore"
	run mb-cat "$D"
	assert_output - <<'EOF2'
{"id":3,"v":"c"}
{"id":1,"v":"A"}
{"id":2,"v":"b"}
EOF2
	# one MERGE commit removes the old file and adds the new records and
	# the carried-over one, marked as no new data
	run bash -c "mb-lake log '$D' | awk 'NR > 1 { print \$3, \$4, \$5, \$6, \$7 }'"
	assert_output - <<'EOF2'
MERGE 1 0 2 0
MERGE 2 1 3 2
EOF2
	run grep -c '"dataChange":false' "$D/_mb_log/00000000000000000001.json"
	assert_output 1
	run mb-lake verify "$D"
	assert_success
}

@test "--merge-on: the same key twice in one batch: the later record wins" {
	run mb-write -q --merge-on id "$D" <<'EOF2'
{"id":1,"v":"a"}
{"id":1,"v":"b"}
{"id":2,"v":"c"}
{"id":1,"v":"b"}
EOF2
	assert_success
	assert_output ""
	run bash -c "mb-cat '$D' | sort"
	assert_output - <<'EOF2'
{"id":1,"v":"b"}
{"id":2,"v":"c"}
EOF2
}

@test "--merge-on: composite keys, strings by their value" {
	printf '{"s":"k","o":1,"v":1}\n{"s":"k","o":2,"v":2}\n' | mb-write -k s,o "$D"
	printf '{"s":"\\u006b","o":1,"v":9}\n{"s":"k","o":3,"v":3}\n' | mb-write -q -k s,o "$D"
	run bash -c "mb-cat '$D' | sort"
	assert_output - <<'EOF2'
{"s":"\u006b","o":1,"v":9}
{"s":"k","o":2,"v":2}
{"s":"k","o":3,"v":3}
EOF2
}

@test "--merge-on in a partitioned dataset: a key that moves partition leaves the old one" {
	printf '{"id":1,"p":"a"}\n{"id":2,"p":"a"}\n{"id":3,"p":"b"}\n' | mb-write -p p -k id "$D"
	printf '{"id":2,"p":"b","v":2}\n' | mb-write -q -k id "$D"
	run mb-cat "$D"
	assert_output - <<'EOF2'
{"id":1,"p":"a"}
{"id":3,"p":"b"}
{"id":2,"p":"b","v":2}
EOF2
	run mb-cat -w 'p == "a"' "$D"
	assert_output '{"id":1,"p":"a"}'
}

@test "--tee with --merge-on passes on what was written, not the duplicates" {
	printf '{"id":1,"v":"a"}\n' | mb-write -k id "$D"
	run mb-write -q -t -k id "$D" <<'EOF2'
{"id":1,"v":"a"}
{"id":2,"v":"b"}
{"id":1,"v":"x"}
EOF2
	assert_success
	assert_output - <<'EOF2'
{"id":2,"v":"b"}
{"id":1,"v":"x"}
EOF2
}

@test "--when-matched ignore: the first record of a key stays (insert only), the tee skips the rest" {
	printf '{"id":1,"v":"a"}\n' | mb-write -k id "$D"
	run mb-write -t -k id --when-matched ignore "$D" <<'EOF2'
{"id":1,"v":"x"}
{"id":2,"v":"b"}
{"id":2,"v":"y"}
EOF2
	assert_success
	assert_output - <<EOF2
{"id":2,"v":"b"}
mb-write: $D: --merge-on id: 0 records there already, 0 replaced, 2 kept by --when-matched ignore
EOF2
	run bash -c "mb-cat '$D' | sort"
	assert_output - <<'EOF2'
{"id":1,"v":"a"}
{"id":2,"v":"b"}
EOF2
	run bash -c "mb-lake log '$D' | awk 'NR > 1 { print \$3, \$5 }'"
	assert_output - <<'EOF2'
MERGE 0
MERGE 0
EOF2
}

@test "a follower of a merged dataset gets the new and replaced records, not the carried-over ones" {
	ck="$BATS_TEST_TMPDIR/ck"
	printf '{"id":1,"v":"a"}\n{"id":2,"v":"b"}\n' | mb-write -k id "$D"
	run mb-cat --checkpoint "$ck" "$D"
	assert_output - <<'EOF2'
{"id":1,"v":"a"}
{"id":2,"v":"b"}
EOF2
	printf '{"id":2,"v":"B"}\n{"id":3,"v":"c"}\n' | mb-write -q -k id "$D"
	run mb-cat --checkpoint "$ck" "$D"
	assert_output - <<'EOF2'
{"id":2,"v":"B"}
{"id":3,"v":"c"}
EOF2
}

@test "the key index lives in _mb_keys, is caught up after another writer's commit, and a garbled one is built again" {
	printf '{"id":1}\n{"id":2}\n' | mb-write -k id "$D"
	[ -f "$D/_mb_keys/id.idx" ]
	# a plain append behind the index's back, then a compaction
	printf '{"id":3}\n' | mb-write "$D"
	mb-lake compact "$D" >/dev/null
	run mb-write -k id "$D" <<'EOF2'
{"id":3}
{"id":1,"v":1}
EOF2
	assert_success
	assert_output "mb-write: $D: --merge-on id: 1 records there already, 1 replaced, 0 kept by --when-matched ignore"
	echo garbage > "$D/_mb_keys/id.idx"
	run mb-write -k id "$D" <<<'{"id":2,"v":2}'
	assert_success
	assert_output - <<EOF2
mb-write: $D: the key index does not check; it is built again from the part files
mb-write: $D: --merge-on id: 0 records there already, 1 replaced, 0 kept by --when-matched ignore
EOF2
	run bash -c "mb-cat '$D' | sort"
	assert_output - <<'EOF2'
{"id":1,"v":1}
{"id":2,"v":2}
{"id":3}
EOF2
	run mb-lake vacuum --retain 0s "$D"
	assert_success
	[ -f "$D/_mb_keys/id.idx" ]
}

@test "--merge-on: a writer killed with -9 leaves its key index behind, never wrong: the next run catches up from the log" {
	printf '{"id":1}\n{"id":2}\n' | mb-write -k id "$D"
	mkfifo "$BATS_TEST_TMPDIR/in"
	mb-write -k id --commit-every 1 "$D" <"$BATS_TEST_TMPDIR/in" &
	pid=$!
	exec 7>"$BATS_TEST_TMPDIR/in"
	printf '{"id":3}\n{"id":1,"v":1}\n' >&7
	for i in $(seq 100); do
		[ "$(mb-cat "$D" | grep -c v)" = 1 ] && break
		sleep 0.05
	done
	kill -9 "$pid"
	exec 7>&-
	wait "$pid" || true
	run mb-write -k id "$D" <<<'{"id":3}'
	assert_success
	assert_output "mb-write: $D: --merge-on id: 1 records there already, 0 replaced, 0 kept by --when-matched ignore"
	run bash -c "mb-cat '$D' | sort"
	assert_output - <<'EOF2'
{"id":1,"v":1}
{"id":2}
{"id":3}
EOF2
}

@test "--merge-on: a record without the key, or with a null key, stops the run (status 1), nothing of the batch committed" {
	printf '{"id":1}\n' | mb-write -k id "$D"
	run mb-write -k id "$D" <<<'{"id":2}
{"x":1}'
	assert_failure 1
	assert_output "mb-write: $D: -:2: --merge-on: key field \"id\" is missing"
	run mb-write -k id "$D" <<<'{"id":null}'
	assert_failure 1
	assert_output "mb-write: $D: -:1: --merge-on: key field \"id\" is null"
	run mb-write -k id "$D" <<<'[1]'
	assert_failure 1
	assert_output --partial "-:1: not a JSON object"
	run mb-cat "$D"
	assert_output '{"id":1}'
}

@test "--merge-on: usage errors are status 2" {
	run mb-write -k id --mode overwrite "$D" </dev/null
	assert_failure 2
	assert_line --index 0 "mb-write: --merge-on needs --mode append"
	run mb-write -k id -r "$D" </dev/null
	assert_failure 2
	run mb-write -k 'id,' "$D" </dev/null
	assert_failure 2
	assert_output "mb-write: --merge-on: 'id,': an empty key field"
	run mb-write -k id --when-matched maybe "$D" </dev/null
	assert_failure 2
	assert_line --index 0 "mb-write: --when-matched: 'maybe' is not update or ignore"
}

@test "--merge-on --tee in a stream: a record comes out and is committed while the input is still open" {
	fifo="$BATS_TEST_TMPDIR/fifo"
	mkfifo "$fifo"
	printf '{"id":1,"v":"a"}\n' | mb-write -k id "$D"
	mb-write -q -t -k id -i 0.2 "$D" <"$fifo" >"$BATS_TEST_TMPDIR/tee" &
	pid=$!
	exec 5>"$fifo"
	printf '{"id":1,"v":"a"}\n{"id":2,"v":"b"}\n' >&5
	for i in $(seq 50); do
		[ "$(mb-cat "$D" 2>/dev/null | wc -l)" = 2 ] && break
		sleep 0.1
	done
	run cat "$BATS_TEST_TMPDIR/tee"
	assert_output '{"id":2,"v":"b"}'
	run bash -c "mb-cat '$D' | sort"
	assert_output - <<'EOF2'
{"id":1,"v":"a"}
{"id":2,"v":"b"}
EOF2
	printf '{"id":1,"v":"A"}\n' >&5
	exec 5>&-
	wait "$pid"
	run bash -c "mb-cat '$D' | sort"
	assert_output - <<'EOF2'
{"id":1,"v":"A"}
{"id":2,"v":"b"}
EOF2
}

@test "--merge-on --tee | head -n 1: status 0, nothing on stderr, what was read committed" {
	run bash -c "seq 1 50000 | sed 's/.*/{\"id\":&}/' | mb-write -q -t -k id '$D' 2>'$BATS_TEST_TMPDIR/err' | head -n 1; echo \"\${PIPESTATUS[2]}\""
	assert_output - <<'EOF2'
{"id":1}
0
EOF2
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output ""
	run mb-cat "$D"
	assert_line --index 0 '{"id":1}'
	run mb-lake verify "$D"
	assert_success
}

@test "--merge-on: the key is a top-level field; nested ones, strings with braces and quotes are stepped over" {
	cat > "$BATS_TEST_TMPDIR/in" <<'EOF2'
{"x":{"id":9,"s":"}\"{"},"id":"a\"}","v":1}
{"id":"a\"}","x":[{"id":9}],"v":2}
{"y":"id","id":9,"v":3}
EOF2
	run mb-write -k id "$D" "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output "mb-write: $D: --merge-on id: 0 records there already, 1 replaced, 0 kept by --when-matched ignore"
	run bash -c "mb-cat '$D' | sort"
	assert_output - <<'EOF2'
{"id":"a\"}","x":[{"id":9}],"v":2}
{"y":"id","id":9,"v":3}
EOF2
}

@test "--merge-on: a line cut short (its writer killed in the middle of it) is not a record, even where its key is whole" {
	printf '{"id":1}\n' | mb-write -k id "$D"
	run mb-write -k id --when-matched ignore -i 0.1 "$D" <<<'{"id":2,"e":{"a":1}'
	assert_failure 1
	assert_output --partial "-:1: not a JSON object"
	run mb-cat "$D"
	assert_output '{"id":1}'
}
