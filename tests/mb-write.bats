#!/usr/bin/env bats
# mb-write: partitioned zstd datasets with an atomic commit log.

load helper

setup() {
	D="$BATS_TEST_TMPDIR/ds"
	IN="$DATA/lake/orders.ndjson"
}

# The files of a dataset, relative and sorted, without the log.
tree() {
	(cd "$1" && find . -type f ! -path './_mb_log/*' | sed 's|^\./||' | sort)
}

# A log entry with the parts that change between runs made constant.
entry() {
	sed -E 's/"timestamp":[0-9]+,"time":"[^"]*"/"timestamp":T,"time":"T"/;
	    s/"compressedBytes":[0-9]+/"compressedBytes":C/;
	    s/"xxh3":"[0-9a-f]{16}"/"xxh3":"X"/' "$D/_mb_log/$1.json"
}

teardown() {
	[ -z "${MNT:-}" ] || umount "$MNT"
}

records() {
	mb-lake stats "$1" | awk '$1 == "records" { print $2 }'
}

@test "partitioned append: Hive folders, records kept whole" {
	run mb-write -p region,month "$D" <"$IN"
	assert_success
	assert_output ""
	run tree "$D"
	assert_output "region=%2E.%2F..%2Fetc/month=09/part-00000000000000000000-0006.ndjson.zst
region=EU/month=07/part-00000000000000000000-0001.ndjson.zst
region=EU/month=08/part-00000000000000000000-0003.ndjson.zst
region=US/month=07/part-00000000000000000000-0002.ndjson.zst
region=US/month=10/part-00000000000000000000-0008.ndjson.zst
region=__HIVE_DEFAULT_PARTITION__/month=08/part-00000000000000000000-0004.ndjson.zst
region=__HIVE_DEFAULT_PARTITION__/month=09/part-00000000000000000000-0005.ndjson.zst
region=a%2Fb%01c/month=10/part-00000000000000000000-0007.ndjson.zst"
	# A part file read alone is complete, and plain zstdcat reads it.
	run zstdcat "$D/region=EU/month=07/part-00000000000000000000-0001.ndjson.zst"
	assert_output '{"id":1,"region":"EU","month":"07","amount":10.5}'
	run mb-cat "$D"
	assert_output '{"id":6,"region":"../../etc","month":"09","amount":1}
{"id":1,"region":"EU","month":"07","amount":10.5}
{"id":3,"region":"EU","month":"08","amount":1.25}
{"id":2,"region":"US","month":"07","amount":3}
{"id":8,"region":"US","month":"10","amount":5}
{"id":4,"region":null,"month":"08","amount":2}
{"id":5,"month":"09","amount":7}
{"id":7,"region":"a/b\u0001c","month":"10","amount":4}'
}

@test "a partition value cannot leave the dataset" {
	printf '%s\n' '{"k":".."}' '{"k":"."}' '{"k":"../x"}' '{"k":"/etc/passwd"}' \
	    '{"k":"a\\b"}' '{"k":"x=y%z"}' | mb-write -p k "$D"
	run tree "$D"
	assert_output "k=%2E.%2Fx/part-00000000000000000000-0003.ndjson.zst
k=%2E./part-00000000000000000000-0001.ndjson.zst
k=%2E/part-00000000000000000000-0002.ndjson.zst
k=%2Fetc%2Fpasswd/part-00000000000000000000-0004.ndjson.zst
k=a%5Cb/part-00000000000000000000-0005.ndjson.zst
k=x%3Dy%25z/part-00000000000000000000-0006.ndjson.zst"
	run bash -c "ls '$BATS_TEST_TMPDIR'"
	assert_output "ds"
}

@test "a partition value too long for a folder name: a prefix and its hash" {
	x300=$(printf 'x%.0s' $(seq 300))
	x234=$(printf 'x%.0s' $(seq 234))
	pct=$(printf '%%%.0s' $(seq 100))
	e77=$(printf '%%25%.0s' $(seq 77))
	printf '{"k":"a"}\n{"k":"%s"}\n{"k":"%sy"}\n' "$x300" "$x300" |
	    mb-write -p k "$D"
	run tree "$D"
	assert_success
	# 255 bytes each; the same first 255 bytes, two folders
	assert_output "k=a/part-00000000000000000000-0001.ndjson.zst
k=$x234%7ea5c1669865f163da/part-00000000000000000000-0003.ndjson.zst
k=$x234%7ea5d1b4607dc83554/part-00000000000000000000-0002.ndjson.zst"
	# the hash is the xxh3-64 of the value; the records keep it whole
	run bash -c "printf %s '$x300' | xxhsum -H3"
	assert_output "XXH3 (stdin) = a5d1b4607dc83554"
	run bash -c "mb-cat -w 'k = \"$x300\"' '$D' | cut -c 1-12; mb-cat '$D' | awk '{ print length(\$0) }'"
	assert_output '{"k":"xxxxxx
9
309
308'
	# the cut never splits an escape (%25)
	printf '{"kk":"%s"}\n' "$pct" | mb-write -p kk "$BATS_TEST_TMPDIR/ds2"
	run tree "$BATS_TEST_TMPDIR/ds2"
	assert_output "kk=$e77%7e2591a4d5315465e0/part-00000000000000000000-0001.ndjson.zst"
}

@test "the log entry lists every file with its counts and checksum" {
	mb-write -p region "$D" <"$IN"
	run entry 00000000000000000000
	assert_output '{"commitInfo":{"version":0,"timestamp":T,"time":"T","operation":"WRITE","tool":"mb-write 0.1.0","records":8,"files":5,"removedRecords":0,"removedFiles":0,"partitionColumns":["region"]}}
{"add":{"path":"region=EU/part-00000000000000000000-0001.ndjson.zst","partitionValues":{"region":"EU"},"records":2,"bytes":100,"compressedBytes":C,"xxh3":"X"}}
{"add":{"path":"region=US/part-00000000000000000000-0002.ndjson.zst","partitionValues":{"region":"US"},"records":2,"bytes":94,"compressedBytes":C,"xxh3":"X"}}
{"add":{"path":"region=__HIVE_DEFAULT_PARTITION__/part-00000000000000000000-0003.ndjson.zst","partitionValues":{"region":null},"records":2,"bytes":80,"compressedBytes":C,"xxh3":"X"}}
{"add":{"path":"region=%2E.%2F..%2Fetc/part-00000000000000000000-0004.ndjson.zst","partitionValues":{"region":"../../etc"},"records":1,"bytes":54,"compressedBytes":C,"xxh3":"X"}}
{"add":{"path":"region=a%2Fb%01c/part-00000000000000000000-0005.ndjson.zst","partitionValues":{"region":"a/b\u0001c"},"records":1,"bytes":55,"compressedBytes":C,"xxh3":"X"}}'
	# The checksum is the xxh3-64 of the file's bytes: check one by hand.
	f=region=EU/part-00000000000000000000-0001.ndjson.zst
	want=$(sed -n 2p "$D/_mb_log/00000000000000000000.json" | jq -r .add.xxh3)
	size=$(sed -n 2p "$D/_mb_log/00000000000000000000.json" | jq -r .add.compressedBytes)
	run stat -c %s "$D/$f"
	assert_output "$size"
	run mb-cat --verify "$D"
	assert_success
	[ ${#want} -eq 16 ]
}

@test "append twice, then the dataset's partitioning is used by default" {
	mb-write -p region "$D" <"$IN"
	head -n 2 "$IN" | mb-write "$D"
	run mb-lake log "$D"
	assert_line --index 2 --regexp '^1 .* WRITE +2 +0 +2 +0$'
	run bash -c "mb-cat '$D' | wc -l"
	assert_output 10
	run tree "$D"
	assert_line "region=US/part-00000000000000000001-0002.ndjson.zst"
}

@test "other partition columns than the dataset's are a usage error" {
	mb-write -p region "$D" <"$IN"
	run mb-write -p month "$D" <"$IN"
	assert_failure 2
	assert_output "mb-write: $D: the dataset is partitioned by 'region', not 'month' (--mode overwrite changes it)"
	run records "$D"
	assert_output 8
}

@test "--mode overwrite replaces the whole snapshot in one commit" {
	mb-write -p region "$D" <"$IN"
	run mb-write --mode overwrite -p month "$D" < <(head -n 3 "$IN")
	assert_success
	run mb-cat "$D"
	assert_output '{"id":1,"region":"EU","month":"07","amount":10.5}
{"id":2,"region":"US","month":"07","amount":3}
{"id":3,"region":"EU","month":"08","amount":1.25}'
	run mb-lake log "$D"
	assert_line --index 2 --regexp '^1 .* OVERWRITE +2 +5 +3 +8$'
	# The old snapshot is still there for time travel.
	run bash -c "mb-cat --as-of 0 '$D' | wc -l"
	assert_output 8
}

@test "--mode overwrite with empty input empties the dataset" {
	mb-write "$D" <"$IN"
	run mb-write -m overwrite "$D" </dev/null
	assert_success
	run mb-cat "$D"
	assert_output ""
	run mb-lake stats "$D"
	assert_line "records     0"
}

@test "--replace-partitions replaces only the partitions in the input" {
	mb-write -p month "$D" <"$IN"
	printf '%s\n' '{"id":70,"month":"07"}' '{"id":90,"month":"09"}' |
	    mb-write --replace-partitions "$D"
	run mb-cat "$D"
	assert_output '{"id":70,"month":"07"}
{"id":3,"region":"EU","month":"08","amount":1.25}
{"id":4,"region":null,"month":"08","amount":2}
{"id":90,"month":"09"}
{"id":7,"region":"a/b\u0001c","month":"10","amount":4}
{"id":8,"region":"US","month":"10","amount":5}'
	run mb-lake log "$D"
	assert_line --index 2 --regexp '^1 .* REPLACE PARTITIONS +2 +2 +2 +4$'
}

@test "empty input makes an empty dataset that readers can open" {
	run mb-write "$D" </dev/null
	assert_success
	run mb-cat "$D"
	assert_success
	assert_output ""
	run ls "$D/_mb_log"
	assert_output 00000000000000000000.json
	# A later empty append commits nothing.
	mb-write "$D" </dev/null
	run ls "$D/_mb_log"
	assert_output 00000000000000000000.json
}

@test "--tee passes every record on; zst input and files as arguments" {
	zstd -q -c "$IN" >"$BATS_TEST_TMPDIR/in.zst"
	run mb-write --tee -p region "$D" "$BATS_TEST_TMPDIR/in.zst"
	assert_success
	assert_output "$(cat "$IN")"
	run records "$D"
	assert_output 8
}

@test "--tee | head -n 1: quiet, status 0, what was read is committed" {
	run bash -c "mb-gen -n 50000 --seed 3 | mb-write --tee '$D' 2>'$BATS_TEST_TMPDIR/err' | head -n 1 | cut -c1-30; echo \${PIPESTATUS[1]}"
	assert_output '{"order_id":"ORD-000000000001"
0'
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output ""
	run mb-lake verify "$D"
	assert_success
}

@test "a line that is not a JSON object: status 1, nothing committed" {
	mb-write -p region "$D" <"$IN"
	run mb-write -p region "$D" < <(head -n 2 "$IN"; echo 'oops'; head -n 1 "$IN")
	assert_failure 1
	assert_output "mb-write: $D: -:3: not a JSON object: column 1: expected a JSON object ('{')"
	run records "$D"
	assert_output 8
	run mb-lake verify "$D"
	assert_output "verify: version 0, 5 files, 8 records: 0 problems, 0 orphans"
}

@test "pretty-printed JSON or a JSON array: status 1, where it breaks, and that mb-ingest reads arrays" {
	HINT="mb-write: mb-write takes NDJSON, one JSON object per line; mb-ingest reads a JSON array, on one line or pretty-printed, and writes NDJSON (jq -c . puts one pretty-printed object on a line)"
	run mb-write "$D" < <(printf '{\n  "a": 1\n}\n')
	assert_failure 1
	assert_output - <<EOF
mb-write: $D: -:1: not a JSON object: column 2: unexpected end of line, expected a key in double quotes
$HINT
EOF
	run mb-write "$D" < <(printf '[{"a": 1}, {"a": 2}]\n')
	assert_failure 1
	assert_output - <<EOF
mb-write: $D: -:1: not a JSON object: column 1: expected a JSON object ('{')
$HINT
EOF
	# what mb-ingest makes of the array goes in
	run bash -c "printf '[{\"a\": 1},\n {\"a\": 2}]\n' | mb-ingest - | mb-write '$D' && mb-cat '$D' | jq -c .a"
	assert_success
	assert_output - <<'EOF'
1
2
EOF
}

@test "part files roll over at --max-file-bytes" {
	seq 1 1000 | awk '{ printf "{\"n\":%d,\"pad\":\"%040d\"}\n", $1, $1 }' |
	    mb-write --max-file-bytes 16K "$D"
	run bash -c "mb-cat --files '$D' | wc -l"
	assert_output 4
	run bash -c "mb-cat '$D' | cmp - <(seq 1 1000 | awk '{ printf \"{\\\"n\\\":%d,\\\"pad\\\":\\\"%040d\\\"}\\n\", \$1, \$1 }') && echo same"
	assert_output same
}

@test "partition columns computed from a timestamp" {
	printf '%s\n' '{"t":"2025-07-04T10:00:00Z"}' '{"t":"2025-07-04T23:30:00-02:00"}' \
	    '{"t":"bad"}' '{"t":1751623200}' |
	    mb-write -p 'y=t:year,d=t:date' "$D"
	run tree "$D"
	assert_output "y=2025/d=2025-07-04/part-00000000000000000000-0001.ndjson.zst
y=2025/d=2025-07-05/part-00000000000000000000-0002.ndjson.zst
y=__HIVE_DEFAULT_PARTITION__/d=__HIVE_DEFAULT_PARTITION__/part-00000000000000000000-0003.ndjson.zst"
	run mb-cat --where 'd = "2025-07-05"' "$D"
	assert_output '{"t":"2025-07-04T23:30:00-02:00"}'
}

@test "a date that does not exist is no partition value, however it is written" {
	printf '%s\n' '{"t":"2024-02-29"}' '{"t":"2025-02-29"}' '{"t":"2025-13-45"}' \
	    '{"t":"2025-04-31T10:00:00Z"}' '{"t":"2025-00-10"}' '{"t":"2025-12-31 23:59:59Z"}' |
	    mb-write -p 'm=t:month,d=t:date' "$D"
	run tree "$D"
	assert_output "m=2024-02/d=2024-02-29/part-00000000000000000000-0001.ndjson.zst
m=2025-12/d=2025-12-31/part-00000000000000000000-0003.ndjson.zst
m=__HIVE_DEFAULT_PARTITION__/d=__HIVE_DEFAULT_PARTITION__/part-00000000000000000000-0002.ndjson.zst"
	run mb-cat --where 'is_null(d)' "$D"
	assert_output '{"t":"2025-02-29"}
{"t":"2025-13-45"}
{"t":"2025-04-31T10:00:00Z"}
{"t":"2025-00-10"}'
}

@test "bad flags and values are usage errors; --help is not" {
	run mb-write --bogus "$D"
	assert_failure 2
	assert_line --index 1 --partial "usage: mb-write"
	run mb-write
	assert_failure 2
	run mb-write --mode sideways "$D"
	assert_failure 2
	assert_line --index 0 "mb-write: --mode: 'sideways' is not append or overwrite"
	run mb-write -p '_x' "$D"
	assert_failure 2
	assert_output "mb-write: --partition-by: partition column '_x': a name starts with a letter or digit"
	run mb-write -m overwrite -r "$D"
	assert_failure 2
	run mb-write -r -n 10 "$D"
	assert_failure 2
	assert_line --index 0 "mb-write: --commit-every and --commit-interval need --mode append"
	run mb-write --help
	assert_success
	assert_line --index 0 --partial "usage: mb-write"
	[ ! -e "$D" ]
}

@test "--commit-every commits as records come, one version each" {
	seq 1 10 | awk '{ printf "{\"n\":%d}\n", $1 }' | mb-write -n 3 "$D"
	run mb-lake log "$D"
	assert_equal "$(echo "$output" | awk 'NR > 1 { print $1, $6 }' | tr '\n' ' ')" "0 3 1 3 2 3 3 1 "
}

@test "streaming: a commit is made while the input is still open" {
	fifo="$BATS_TEST_TMPDIR/fifo"
	mkfifo "$fifo"
	mb-write --commit-interval 0.2 "$D" <"$fifo" &
	pid=$!
	exec 5>"$fifo"
	echo '{"n":1}' >&5
	for i in $(seq 50); do
		[ "$(mb-cat "$D" 2>/dev/null)" = '{"n":1}' ] && break
		sleep 0.1
	done
	run mb-cat "$D"
	assert_output '{"n":1}'
	echo '{"n":2}' >&5
	exec 5>&-
	wait $pid
	run mb-cat "$D"
	assert_output '{"n":1}
{"n":2}'
}

@test "--commit-interval in a paced stream: commits in the background, each record in one of them, the tee in the same order" {
	# two seconds of records: several commits even when a loaded machine
	# (the ASan pass) makes each one slow
	mb-gen --rate 1000 -n 2000 --stamp | mb-write --tee --commit-interval 0.05 "$D" >"$BATS_TEST_TMPDIR/tee"
	run bash -c "mb-cat '$D' | cmp - '$BATS_TEST_TMPDIR/tee' && wc -l <'$BATS_TEST_TMPDIR/tee'"
	assert_output "2000"
	# commits (about forty), one after another, adding up to the records
	run bash -c "mb-lake log '$D' | awk 'NR > 1 { n++; r += \$6; if (\$1 != n - 1) bad++ } END { print (n >= 4), r, bad + 0 }'"
	assert_output "1 2000 0"
	run mb-lake verify "$D"
	assert_output --regexp '^verify: version [0-9]+, [0-9]+ files, 2000 records: 0 problems, 0 orphans$'
}

@test "a disk that fills during a streaming commit: status 1, the last commit intact, a rerun continues once there is room" {
	if [ "$(id -u)" != 0 ] || ! command -v mount >/dev/null; then
		[ -z "$CI" ] || fail "CI runs as root and mounts a tmpfs here"
		skip "needs root to mount a small tmpfs"
	fi
	m="$BATS_TEST_TMPDIR/disk"
	mkdir "$m"
	mount -t tmpfs -o size=256k tmpfs "$m" || fail "cannot mount a tmpfs"
	MNT=$m		# teardown unmounts it
	in="$BATS_TEST_TMPDIR/in"
	mb-gen -n 20000 --seed 3 >"$in"
	# records as a stream, committed in the background every 1000
	run --separate-stderr mb-write -l 1 -n 1000 "$m/ds" <"$in"
	assert_failure 1
	[[ "$stderr" == "mb-write: $m/ds"*": No space left on device" ]] || fail "$stderr"
	k=$(records "$m/ds")
	[ "$k" -gt 0 ] && [ "$k" -lt 20000 ] && [ $((k % 1000)) = 0 ]
	run bash -c "mb-cat '$m/ds' | cmp - <(head -n $k '$in') && echo same"
	assert_output same
	run mb-lake verify "$m/ds"
	assert_output --regexp "^verify: version [0-9]+, [0-9]+ files, $k records: 0 problems, 0 orphans$"
	mount -o remount,size=8m "$m"
	tail -n +$((k + 1)) "$in" | mb-write -l 1 -n 1000 "$m/ds"
	run bash -c "mb-cat '$m/ds' | cmp - '$in' && echo same"
	assert_output same
}

@test "SIGTERM and SIGINT make a final commit" {
	for sig in TERM INT; do
		fifo="$BATS_TEST_TMPDIR/fifo-$sig"
		mkfifo "$fifo"
		mb-write "$D" <"$fifo" &
		pid=$!
		exec 5>"$fifo"
		echo "{\"sig\":\"$sig\"}" >&5
		sleep 0.3
		kill -$sig $pid
		wait $pid
		exec 5>&-
	done
	run mb-cat "$D"
	assert_output '{"sig":"TERM"}
{"sig":"INT"}'
}

@test "a checkpoint every 100 versions; readers start from it" {
	seq 1 230 | awk '{ printf "{\"n\":%d}\n", $1 }' | mb-write -n 2 "$D"
	run bash -c "ls '$D/_mb_log' | grep checkpoint"
	assert_output "00000000000000000100.checkpoint.json"
	# Without the entries the checkpoint covers, the snapshot is the same.
	rm "$D"/_mb_log/000000000000000000[0-8]?.json "$D"/_mb_log/0000000000000000009?.json
	run bash -c "mb-cat '$D' | wc -l"
	assert_output 230
	run bash -c "mb-cat '$D' | cmp - <(seq 1 230 | awk '{ printf \"{\\\"n\\\":%d}\\n\", \$1 }') && echo same"
	assert_output same
}

@test "two concurrent writers both commit everything" {
	seq 1 20000 | awk '{ printf "{\"w\":1,\"n\":%d,\"p\":%d}\n", $1, $1 % 3 }' >"$BATS_TEST_TMPDIR/a"
	seq 1 20000 | awk '{ printf "{\"w\":2,\"n\":%d,\"p\":%d}\n", $1, $1 % 3 }' >"$BATS_TEST_TMPDIR/b"
	mb-write -p p -n 500 "$D" <"$BATS_TEST_TMPDIR/a" &
	a=$!
	mb-write -p p -n 700 "$D" <"$BATS_TEST_TMPDIR/b" &
	b=$!
	wait $a
	wait $b
	run records "$D"
	assert_output 40000
	run bash -c "mb-cat '$D' | sort | cmp - <(sort '$BATS_TEST_TMPDIR/a' '$BATS_TEST_TMPDIR/b') && echo same"
	assert_output same
	run mb-lake verify "$D"
	assert_success
	assert_output --regexp '^verify: version [0-9]+, [0-9]+ files, 40000 records: 0 problems, 0 orphans$'
}

@test "kill -9 at random moments: only committed records, and a rerun continues" {
	in="$BATS_TEST_TMPDIR/in"
	seq 1 1000000 | awk '{ printf "{\"id\":%d,\"p\":%d}\n", $1, $1 % 4 }' >"$in"
	# mb-cat prints partition by partition, each in commit order, so
	# the committed records are the ids 1..k, ascending by 4 within a
	# partition: checked in one pass, without sorting.
	check() {
		mb-cat "$D" | awk -v k="$1" -F'[:,}]' '
		    { id = $2 + 0; p = $4 + 0
		      if ($0 != sprintf("{\"id\":%d,\"p\":%d}", id, id % 4)) bad++
		      if (id > k || (p in last && id != last[p] + 4) ||
		          (!(p in last) && id != (p ? p : 4))) bad++
		      last[p] = id; n++ }
		    END { print n + 0, bad + 0 }'
	}
	k=0 kills=0 runs=0
	while [ $kills -lt 20 ] && [ $runs -lt 80 ]; do
		runs=$((runs + 1))
		tail -n +$((k + 1)) "$in" | mb-write -p p -n 500 "$D" &
		pid=$!
		sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.3f", 0.02 + r / 32768 * 0.15 }')"
		kill -9 $pid 2>/dev/null && killed=1 || killed=0
		wait $pid || true
		if [ ! -d "$D/_mb_log" ]; then
			# Killed before it made the dataset's folders (a slow
			# start, as under ASan): nothing can be committed yet,
			# and that kill tried nothing; the next run goes on.
			[ "$k" -eq 0 ]
			continue
		fi
		kills=$((kills + killed))
		k=$(records "$D")
		run check "$k"
		assert_output "$k 0"
		run mb-lake verify "$D"
		assert_success
		assert_line --index $((${#lines[@]} - 1)) --regexp "^verify: version -?[0-9]+, [0-9]+ files, $k records: 0 problems, [0-9]+ orphans?$"
		[ "$k" -lt 1000000 ] || break
	done
	[ $kills -ge 20 ]
	tail -n +$((k + 1)) "$in" | mb-write -p p -n 500 "$D"
	run check 1000000
	assert_output "1000000 0"
}

@test "a partition folder that is a symbolic link is not written through" {
	mb-write -p region "$D" <"$IN"
	out="$BATS_TEST_TMPDIR/outside"
	mkdir "$out"
	mv "$D/region=US" "$out/us"
	ln -s "$out/us" "$D/region=US"
	run mb-write "$D" < <(echo '{"region":"EU"}'; echo '{"region":"US"}')
	assert_failure 1
	assert_output "mb-write: $D/region=US: a symbolic link; not written through"
	run ls "$out/us"
	assert_output "part-00000000000000000000-0002.ndjson.zst"
	run ls "$D/region=EU"
	assert_output "part-00000000000000000000-0001.ndjson.zst"
	run records "$D"
	assert_output 8
}

@test "a damaged log: writers refuse, naming the damage" {
	mb-write -p region "$D" <"$IN"
	echo '{"region":"EU"}' | mb-write "$D"
	echo '{"region":"EU"}' | mb-write "$D"
	mv "$D/_mb_log/00000000000000000001.json" "$BATS_TEST_TMPDIR/e1"
	before=$(tree "$D")
	run mb-write "$D" <"$IN"
	assert_failure 1
	assert_output "mb-write: $D: log entry 1: missing
mb-write: $D: the log is damaged (1 entry); nothing was written: mb-lake verify names the damage, mb-lake repair mends it"
	run mb-write -m overwrite "$D" <"$IN"
	assert_failure 1
	run ls "$D/_mb_log"
	assert_output "00000000000000000000.json
00000000000000000002.json"
	run tree "$D"
	assert_output "$before"
	# A truncated entry, the same.
	mv "$BATS_TEST_TMPDIR/e1" "$D/_mb_log/00000000000000000001.json"
	truncate -s 30 "$D/_mb_log/00000000000000000001.json"
	run mb-write -r "$D" <"$IN"
	assert_failure 1
	assert_output "mb-write: $D: log entry 1: line 1: column 31: unterminated string
mb-write: $D: the log is damaged (1 entry); nothing was written: mb-lake verify names the damage, mb-lake repair mends it"
	run tree "$D"
	assert_output "$before"
}

@test "a file too large for the disk: status 1, the snapshot intact" {
	mb-write "$D" <"$IN"
	run bash -c "trap '' XFSZ; ulimit -f 8; mb-gen -n 20000 --seed 1 | mb-write -l 1 '$D'"
	assert_failure 1
	assert_output "mb-write: $D/part-00000000000000000001-0001.ndjson.zst: File too large"
	run bash -c "mb-cat '$D' | cmp - '$IN' && echo same"
	assert_output same
	run mb-lake verify "$D"
	assert_output "verify: version 0, 1 files, 8 records: 0 problems, 0 orphans"
}

@test "a folder that cannot be made: status 1, the snapshot intact" {
	mb-write -p region "$D" <"$IN"
	touch "$D/region=NEW"
	run mb-write -p region "$D" < <(echo '{"region":"EU"}'; echo '{"region":"NEW"}')
	assert_failure 1
	assert_output "mb-write: $D/region=NEW/part-00000000000000000001-0002.ndjson.zst: Not a directory"
	run records "$D"
	assert_output 8
	run mb-lake verify "$D"
	assert_output "region=NEW: orphan (no commit names it)
verify: version 0, 5 files, 8 records: 0 problems, 1 orphan"
}

@test "a read-only dataset: status 1, the snapshot intact" {
	# a dataset of its own that another user can enter
	d=$(mktemp -d /tmp/mb-rodir.XXXXXX)
	mb-write "$d/ds" <"$IN"
	chmod 755 "$d" "$d/ds" "$d/ds/_mb_log"
	chmod a-w "$d/ds" "$d/ds/_mb_log"
	as=""
	if [ "$(id -u)" = 0 ]; then
		# root ignores permissions: write as nobody instead
		command -v setpriv > /dev/null || skip "root, and no setpriv"
		as="setpriv --reuid=65534 --regid=65534 --clear-groups"
	fi
	run bash -c "$as $(command -v mb-write) $d/ds < $IN"
	chmod u+w "$d/ds" "$d/ds/_mb_log"
	assert_failure 1
	assert_output "mb-write: $d/ds/part-00000000000000000001-0001.ndjson.zst: Permission denied"
	run records "$d/ds"
	assert_output 8
	rm -rf "$d"
}
