#!/usr/bin/env bats
# mb-cat: snapshots of a dataset, pruning, time travel, following.

load helper

setup() {
	D="$BATS_TEST_TMPDIR/ds"
	IN="$DATA/lake/orders.ndjson"
	mb-write -p month,region "$D" <"$IN"
}

# Flips one byte in the middle of a file.
flip() {
	local size off byte
	size=$(stat -c %s "$1")
	off=$((size / 2))
	byte=$(od -An -tu1 -j $off -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $((byte ^ 1)))" |
	    dd of="$1" bs=1 seek=$off conv=notrunc status=none
}

@test "the snapshot, partition by partition" {
	run mb-cat "$D"
	assert_success
	assert_output '{"id":1,"region":"EU","month":"07","amount":10.5}
{"id":2,"region":"US","month":"07","amount":3}
{"id":3,"region":"EU","month":"08","amount":1.25}
{"id":4,"region":null,"month":"08","amount":2}
{"id":6,"region":"../../etc","month":"09","amount":1}
{"id":5,"month":"09","amount":7}
{"id":8,"region":"US","month":"10","amount":5}
{"id":7,"region":"a/b\u0001c","month":"10","amount":4}'
}

@test "--where prunes partitions; number-like values compare as numbers" {
	run mb-cat --where 'month >= 8 and region = "EU"' "$D"
	assert_output '{"id":3,"region":"EU","month":"08","amount":1.25}'
	run mb-cat -w 'month in (7, 10) and not (region = "US")' "$D"
	assert_output '{"id":1,"region":"EU","month":"07","amount":10.5}
{"id":7,"region":"a/b\u0001c","month":"10","amount":4}'
	run mb-cat -w 'month < 8 or region = "../../etc"' --files "$D"
	assert_output "$D/month=07/region=EU/part-00000000000000000000-0001.ndjson.zst
$D/month=07/region=US/part-00000000000000000000-0002.ndjson.zst
$D/month=09/region=%2E.%2F..%2Fetc/part-00000000000000000000-0006.ndjson.zst"
}

@test "--where filters records by other fields, pruning what it can" {
	run mb-cat --where 'amount > 3' "$D"
	assert_success
	assert_output '{"id":1,"region":"EU","month":"07","amount":10.5}
{"id":5,"month":"09","amount":7}
{"id":8,"region":"US","month":"10","amount":5}
{"id":7,"region":"a/b\u0001c","month":"10","amount":4}'
	run mb-cat -w 'month = 7 or amount >= 5' "$D"
	assert_output '{"id":1,"region":"EU","month":"07","amount":10.5}
{"id":2,"region":"US","month":"07","amount":3}
{"id":5,"month":"09","amount":7}
{"id":8,"region":"US","month":"10","amount":5}'
	# The partitions that cannot match are not opened: their files
	# may be gone.
	rm -r "$D/month=07" "$D/month=08"
	run mb-cat -w 'month >= 9 and not (amount < 4.5)' "$D"
	assert_success
	assert_output '{"id":5,"month":"09","amount":7}
{"id":8,"region":"US","month":"10","amount":5}'
	# null logic as in SQL: region = "US" is null for id 5
	run mb-cat -w 'not (month < 9 or region = "US") and amount > 3' "$D"
	assert_success
	assert_output '{"id":7,"region":"a/b\u0001c","month":"10","amount":4}'
	# --files lists what pruning keeps.
	run mb-cat --files -w 'month = 10 and amount > 100' "$D"
	assert_output "$D/month=10/region=US/part-00000000000000000000-0008.ndjson.zst
$D/month=10/region=a%2Fb%01c/part-00000000000000000000-0007.ndjson.zst"
}

@test "--where on records: a runtime error and a line that is not JSON are named" {
	run mb-cat -w 'month = 9 and 10 / (amount - 7) > 0' "$D"
	assert_failure 1
	assert_output "mb-cat: $D: --where: 1 record not printed: division by zero"
	E="$BATS_TEST_TMPDIR/e"
	printf '{"a":1}\n{"a":tru}\n{"a":3}\n' | mb-write "$E"
	run mb-cat -w 'a > 1' "$E"
	assert_failure 1
	assert_output --regexp "^mb-cat: $E: part-00000000000000000000-0001.ndjson.zst:2: .*; not tested
\\{\"a\":3\\}$"
}

@test "--where: a column computed from a timestamp is its partition's value" {
	E="$BATS_TEST_TMPDIR/t"
	printf '%s\n' '{"ts":"2025-07-04T10:00:00Z","n":1}' '{"ts":"2025-07-05T10:00:00Z","n":2}' \
	    '{"ts":"2025-08-01T00:00:00Z","n":3}' | mb-write -p m=ts:month "$E"
	run mb-cat -w 'm = "2025-07" and n > 1' "$E"
	assert_success
	assert_output '{"ts":"2025-07-05T10:00:00Z","n":2}'
	run mb-cat -w 'm = "2025-08" or n = 1' "$E"
	assert_output '{"ts":"2025-07-04T10:00:00Z","n":1}
{"ts":"2025-08-01T00:00:00Z","n":3}'
}

@test "--where: a syntax error" {
	run mb-cat --where 'month >' "$D"
	assert_failure 2
	assert_output --partial "mb-cat: --where: column "
}

@test "partitions in natural order: 2 before 10, -10 before -1, 1.25 before 1.5" {
	E="$BATS_TEST_TMPDIR/nat"
	for m in 10 2 x 1.5 -1 2025-10 1.25 -10 2025-2 07 1; do
		echo "{\"m\":\"$m\"}"
	done | mb-write -p m "$E"
	run bash -c "mb-cat '$E' | tr '\n' ' '"
	assert_output '{"m":"-10"} {"m":"-1"} {"m":"1"} {"m":"1.25"} {"m":"1.5"} {"m":"2"} {"m":"07"} {"m":"10"} {"m":"2025-2"} {"m":"2025-10"} {"m":"x"} '
	run bash -c "mb-cat --files -w 'm >= 2' '$E' | sed 's|.*/m=||; s|/.*||' | tr '\n' ' '"
	assert_output '2 07 10 '
	mkdir "$E/m=3" "$E/m=20"
	touch "$E/m=20/part-00000000000000000001-0001.ndjson.zst" "$E/m=3/part-00000000000000000001-0001.ndjson.zst"
	run mb-lake verify "$E"
	assert_output "m=3/part-00000000000000000001-0001.ndjson.zst: orphan (no commit names it)
m=20/part-00000000000000000001-0001.ndjson.zst: orphan (no commit names it)
verify: version 0, 11 files, 11 records: 0 problems, 2 orphans"
}

@test "--files lists the part files of the snapshot" {
	run mb-cat --files "$D"
	assert_success
	assert_output "$D/month=07/region=EU/part-00000000000000000000-0001.ndjson.zst
$D/month=07/region=US/part-00000000000000000000-0002.ndjson.zst
$D/month=08/region=EU/part-00000000000000000000-0003.ndjson.zst
$D/month=08/region=__HIVE_DEFAULT_PARTITION__/part-00000000000000000000-0004.ndjson.zst
$D/month=09/region=%2E.%2F..%2Fetc/part-00000000000000000000-0006.ndjson.zst
$D/month=09/region=__HIVE_DEFAULT_PARTITION__/part-00000000000000000000-0005.ndjson.zst
$D/month=10/region=US/part-00000000000000000000-0008.ndjson.zst
$D/month=10/region=a%2Fb%01c/part-00000000000000000000-0007.ndjson.zst"
	# zstdcat reads them as they are.
	run bash -c "mb-cat --files '$D' | xargs zstdcat | cmp - <(mb-cat '$D') && echo same"
	assert_output same
}

@test "--as-of a version or a time" {
	sleep 0.01
	echo '{"id":9,"month":"11"}' | mb-write "$D"
	t0=$(head -n 1 "$D/_mb_log/00000000000000000000.json" | jq -r .commitInfo.time)
	run bash -c "mb-cat --as-of 0 '$D' | wc -l"
	assert_output 8
	run bash -c "mb-cat --as-of '$t0' '$D' | wc -l"
	assert_output 8
	run bash -c "mb-cat -a 1 '$D' | wc -l"
	assert_output 9
	run mb-cat --as-of 5 "$D"
	assert_failure 1
	assert_output "mb-cat: $D: no version 5 (the newest is 1)"
	run mb-cat --as-of 2001-01-01 "$D"
	assert_failure 1
	assert_output "mb-cat: $D: no version was committed at or before 2001-01-01"
	run mb-cat --as-of yesterday "$D"
	assert_failure 2
	assert_output "mb-cat: --as-of: 'yesterday' is neither a version nor a time"
}

@test "--verify: a flipped bit stops the read, naming the file" {
	f=month=08/region=EU/part-00000000000000000000-0003.ndjson.zst
	flip "$D/$f"
	run mb-cat --verify "$D"
	assert_failure 1
	assert_output --regexp '^\{"id":1,.*
\{"id":2,.*
mb-cat: '"$D: $f"': checksum [0-9a-f]{16} does not match the log \([0-9a-f]{16}\)$'
	# Without --verify, the rest of the dataset is still read.
	run mb-cat "$D"
	assert_failure 1
	assert_line --index 0 '{"id":1,"region":"EU","month":"07","amount":10.5}'
	assert_line --index 1 '{"id":2,"region":"US","month":"07","amount":3}'
	assert_line --index 2 "mb-cat: $D: $f: corrupt zstd data: Restored data doesn't match checksum"
	assert_line --index 3 '{"id":4,"region":null,"month":"08","amount":2}'
	[ ${#lines[@]} -eq 8 ]
}

@test "a truncated file and a missing folder are named; the rest is read" {
	f=month=07/region=US/part-00000000000000000000-0002.ndjson.zst
	truncate -s -3 "$D/$f"
	rm -r "$D/month=10"
	size=$(stat -c %s "$D/$f")
	logged=$(jq -r "select(.add.path == \"$f\") | .add.compressedBytes" "$D/_mb_log/00000000000000000000.json")
	[ "$size" -eq $((logged - 3)) ]
	run mb-cat --verify "$D"
	assert_failure 1
	assert_output "{\"id\":1,\"region\":\"EU\",\"month\":\"07\",\"amount\":10.5}
mb-cat: $D: $f: size $size does not match the log ($logged)"
	# Without --verify the size is checked all the same.
	run mb-cat "$D"
	assert_failure 1
	assert_output "{\"id\":1,\"region\":\"EU\",\"month\":\"07\",\"amount\":10.5}
mb-cat: $D: $f: size $size does not match the log ($logged)
{\"id\":3,\"region\":\"EU\",\"month\":\"08\",\"amount\":1.25}
{\"id\":4,\"region\":null,\"month\":\"08\",\"amount\":2}
{\"id\":6,\"region\":\"../../etc\",\"month\":\"09\",\"amount\":1}
{\"id\":5,\"month\":\"09\",\"amount\":7}
mb-cat: $D: month=10/region=US/part-00000000000000000000-0008.ndjson.zst: No such file or directory
mb-cat: $D: month=10/region=a%2Fb%01c/part-00000000000000000000-0007.ndjson.zst: No such file or directory"
}

@test "a symbolic link for a part file or a partition folder is not followed" {
	out="$BATS_TEST_TMPDIR/outside"
	mkdir "$out"
	f=month=07/region=EU/part-00000000000000000000-0001.ndjson.zst
	# A zstd file outside the dataset, padded with a skippable frame
	# to the size the log gives: only the link gives it away.
	printf 'root:x:0:0\n' | zstd -q >"$out/secret.zst"
	n=$(($(stat -c %s "$D/$f") - $(stat -c %s "$out/secret.zst") - 8))
	{ printf '\120\052\115\030'; printf "$(printf '\\%03o' $n)\\0\\0\\0"
	  head -c $n /dev/zero; } >>"$out/secret.zst"
	[ "$(stat -c %s "$out/secret.zst")" -eq "$(stat -c %s "$D/$f")" ]
	run zstdcat "$out/secret.zst"
	assert_output "root:x:0:0"
	rm "$D/$f"
	ln -s "$out/secret.zst" "$D/$f"
	run mb-cat "$D"
	assert_failure 1
	assert_line --index 0 "mb-cat: $D: $f: a symbolic link; not read"
	assert_line --index 1 '{"id":2,"region":"US","month":"07","amount":3}'
	[ ${#lines[@]} -eq 8 ]
	run mb-cat --verify "$D"
	assert_failure 1
	assert_output "mb-cat: $D: $f: a symbolic link; not read"
	# A partition folder that is a link to a copy of itself elsewhere.
	mv "$D/month=10" "$out/m10"
	ln -s "$out/m10" "$D/month=10"
	run mb-cat -w 'month = 10' "$D"
	assert_failure 1
	assert_output "mb-cat: $D: month=10/region=US/part-00000000000000000000-0008.ndjson.zst: month=10 is a symbolic link; not followed
mb-cat: $D: month=10/region=a%2Fb%01c/part-00000000000000000000-0007.ndjson.zst: month=10 is a symbolic link; not followed"
	# A FIFO in a part's place does not hang the reader.
	rm "$D/$f"
	mkfifo "$D/$f"
	run timeout 10 mb-cat -w 'month = 7' "$D"
	assert_failure 1
	assert_output "mb-cat: $D: $f: not a regular file; not read
{\"id\":2,\"region\":\"US\",\"month\":\"07\",\"amount\":3}"
	run mb-lake verify "$D"
	assert_failure 1
	assert_output "$f: not a regular file; not read
month=10/region=US/part-00000000000000000000-0008.ndjson.zst: month=10 is a symbolic link; not followed
month=10/region=a%2Fb%01c/part-00000000000000000000-0007.ndjson.zst: month=10 is a symbolic link; not followed
month=10: orphan (no commit names it)
verify: version 0, 8 files, 8 records: 3 problems, 1 orphan"
}

@test "a log entry deleted or garbled is named; the other commits are read" {
	echo '{"id":9,"month":"11"}' | mb-write "$D"
	echo '{"id":10,"month":"12"}' | mb-write "$D"
	rm "$D/_mb_log/00000000000000000001.json"
	run bash -c "mb-cat '$D' 2>&1 >/dev/null"
	assert_output "mb-cat: $D: log entry 1: missing"
	run bash -c "mb-cat '$D' 2>/dev/null | tail -n 1; echo \${PIPESTATUS[0]}"
	assert_output '{"id":10,"month":"12"}
1'
	echo 'garbage' >"$D/_mb_log/00000000000000000001.json"
	run bash -c "mb-cat '$D' 2>&1 >/dev/null"
	assert_output --regexp "^mb-cat: $D: log entry 1: line 1: "
}

@test "not a dataset; bad flags; --help" {
	run mb-cat "$BATS_TEST_TMPDIR/none"
	assert_failure 1
	assert_output "mb-cat: $BATS_TEST_TMPDIR/none: No such file or directory"
	run mb-cat "$BATS_TEST_TMPDIR"
	assert_failure 1
	assert_output "mb-cat: $BATS_TEST_TMPDIR: not a dataset (no _mb_log folder)"
	run mb-cat --bogus "$D"
	assert_failure 2
	assert_line --index 1 --partial "usage: mb-cat"
	run mb-cat --follow --as-of 0 "$D"
	assert_failure 2
	assert_line --index 0 "mb-cat: --as-of excludes --follow and --checkpoint"
	run mb-cat --help
	assert_success
	assert_line --index 0 --partial "usage: mb-cat"
}

@test "| head -n 1: status 0, nothing on stderr" {
	mb-gen -n 20000 --seed 5 | mb-write "$D"
	run bash -c "mb-cat '$D' 2>'$BATS_TEST_TMPDIR/err' | head -n 1; echo \${PIPESTATUS[0]}"
	assert_output '{"id":1,"region":"EU","month":"07","amount":10.5}
0'
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output ""
}

@test "--checkpoint: a rerun prints only the commits after the last one" {
	ck="$BATS_TEST_TMPDIR/ck"
	run bash -c "mb-cat --checkpoint '$ck' '$D' | wc -l"
	assert_output 8
	run cat "$ck"
	assert_output "{\"dataset\":\"$D\",\"version\":0}"
	echo '{"id":9,"month":"11"}' | mb-write "$D"
	echo '{"id":10,"month":"11"}' | mb-write "$D"
	run mb-cat --checkpoint "$ck" "$D"
	assert_output '{"id":9,"month":"11"}
{"id":10,"month":"11"}'
	run mb-cat --checkpoint "$ck" "$D"
	assert_output ""
	run cat "$ck"
	assert_output "{\"dataset\":\"$D\",\"version\":2}"
}

@test "--follow prints each new commit as it is made, not compactions" {
	out="$BATS_TEST_TMPDIR/out"
	ck="$BATS_TEST_TMPDIR/ck"
	mb-cat --follow --checkpoint "$ck" --where 'month = 11' "$D" >"$out" &
	pid=$!
	echo '{"id":9,"month":"11"}' | mb-write "$D"
	echo '{"id":10,"month":"12"}' | mb-write "$D"
	echo '{"id":11,"month":"11"}' | mb-write "$D"
	mb-lake compact "$D"
	for i in $(seq 50); do
		[ "$(wc -l <"$out")" -ge 2 ] && grep -q '"version":4' "$ck" && break
		sleep 0.1
	done
	kill $pid
	wait $pid || true
	run cat "$out"
	assert_output '{"id":9,"month":"11"}
{"id":11,"month":"11"}'
	# A restarted follower resumes after the checkpoint.
	echo '{"id":12,"month":"11"}' | mb-write "$D"
	mb-cat --follow --checkpoint "$ck" "$D" >"$out" &
	pid=$!
	for i in $(seq 50); do
		[ -s "$out" ] && break
		sleep 0.1
	done
	kill $pid
	wait $pid || true
	run cat "$out"
	assert_output '{"id":12,"month":"11"}'
}

@test "--follow waits for a dataset that does not exist yet" {
	E="$BATS_TEST_TMPDIR/later"
	out="$BATS_TEST_TMPDIR/out"
	mb-cat --follow "$E" >"$out" &
	pid=$!
	sleep 0.3
	echo '{"n":1}' | mb-write "$E"
	for i in $(seq 50); do
		[ -s "$out" ] && break
		sleep 0.1
	done
	kill $pid
	wait $pid || true
	run cat "$out"
	assert_output '{"n":1}'
}

# capped CMD...: CMD with 20 s to run and its output (stderr, then the
# buffered stdout) cut at 20 lines, then its status: a reader that walks
# every version number up to a stray entry's fails here instead of
# filling the memory with millions of lines.
capped() {
	timeout 20 "$@" 2>&1 | head -n 20
	echo "status ${PIPESTATUS[0]}"
}

# lines_in FILE N: waits up to 10 s for FILE to have N lines or more.
lines_in() {
	local i
	for i in $(seq 100); do
		[ "$(wc -l <"$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

teardown() {
	[ -z "${follower:-}" ] || kill "$follower" 2>/dev/null || true
}

@test "a stray log entry far ahead: the gap named once as a range, at once" {
	echo '{"id":9,"month":"11"}' | mb-write "$D"
	echo '{}' >"$D/_mb_log/00000000009999999999.json"
	run capped mb-cat --where 'month = 11' "$D"
	assert_output "mb-cat: $D: log entries 2 to 9999999998: missing
mb-cat: $D: log entry 9999999999: no commitInfo
{\"id\":9,\"month\":\"11\"}
status 1"
	# Time travel looks at the entries there are, newest first.
	run capped mb-cat --as-of 2999-01-01 --where 'month = 11' "$D"
	assert_output '{"id":9,"month":"11"}
status 0'
	run capped mb-cat --as-of 5 --files "$D"
	assert_output "mb-cat: $D: log entries 2 to 5: missing
$(mb-cat --as-of 1 --files "$D")
status 1"
	# A reader resuming from a checkpoint steps over the gap once.
	ck="$BATS_TEST_TMPDIR/ck"
	echo "{\"dataset\":\"$D\",\"version\":0}" >"$ck"
	run capped mb-cat --checkpoint "$ck" "$D"
	assert_output "{\"id\":9,\"month\":\"11\"}
mb-cat: $D: log entries 2 to 9999999998: missing; skipped
mb-cat: $D: log entry 9999999999: no commitInfo; skipped
status 1"
	run cat "$ck"
	assert_output "{\"dataset\":\"$D\",\"version\":9999999999}"
}

@test "--follow names a gap once and goes on to the next entry there is" {
	out="$BATS_TEST_TMPDIR/out"
	err="$BATS_TEST_TMPDIR/err"
	timeout 20 mb-cat --follow --where 'month = 11' "$D" >"$out" 2>"$err" &
	follower=$!
	echo '{"id":9,"month":"11"}' | mb-write "$D"
	lines_in "$out" 1
	echo '{}' >"$BATS_TEST_TMPDIR/e"
	mv "$BATS_TEST_TMPDIR/e" "$D/_mb_log/00000000009999999999.json"
	lines_in "$err" 2
	# After a repair, the next commit is printed; the gap is not named
	# again.
	timeout 20 mb-lake repair "$D" >/dev/null
	echo '{"id":10,"month":"11"}' | mb-write "$D"
	lines_in "$out" 2
	kill $follower
	wait $follower || true
	run cat "$out"
	assert_output '{"id":9,"month":"11"}
{"id":10,"month":"11"}'
	run cat "$err"
	assert_output "mb-cat: $D: log entries 2 to 9999999998: missing; skipped
mb-cat: $D: log entry 9999999999: no commitInfo; skipped"
}
