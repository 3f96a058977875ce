#!/usr/bin/env bats
# mb-lake: log, stats, verify, compact, vacuum.

load helper

setup() {
	D="$BATS_TEST_TMPDIR/ds"
	IN="$DATA/lake/orders.ndjson"
}

# mb-lake log with the time column made constant.
log_of() {
	mb-lake log "$1" | sed -E 's/  [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z  /  TIME                      /'
}

records() {
	mb-lake stats "$1" | awk '$1 == "records" { print $2 }'
}

# Ten small appends to two partitions.
small_appends() {
	local i
	for i in $(seq 1 10); do
		printf '{"i":%d,"p":"a"}\n{"i":%d,"p":"b"}\n' $i $i | mb-write -p p "$D"
	done
}

@test "log: one line per commit" {
	mb-write -p region "$D" <"$IN"
	head -n 3 "$IN" | mb-write --replace-partitions "$D"
	mb-write -m overwrite "$D" </dev/null
	run log_of "$D"
	assert_success
	assert_output "VERSION   TIME                      OPERATION           FILES+  FILES-    RECORDS+    RECORDS-
0         TIME                      WRITE                    5       0           8           0
1         TIME                      REPLACE PARTITIONS       2       2           3           4
2         TIME                      OVERWRITE                0       5           0           7"
}

@test "stats: records, files, partitions, sizes" {
	mb-write -p region "$D" <"$IN"
	run mb-lake stats "$D"
	assert_success
	assert_output --regexp '^version     0
records     8
files       5
partitions  5
bytes       383
compressed  [0-9]+$'
}

@test "verify: a clean dataset, and orphans alone are not damage" {
	mb-write -p region "$D" <"$IN"
	run mb-lake verify "$D"
	assert_success
	assert_output "verify: version 0, 5 files, 8 records: 0 problems, 0 orphans"
	cp "$D/region=EU/part-00000000000000000000-0001.ndjson.zst" "$D/region=EU/part-00000000000000000009-0001.ndjson.zst"
	run mb-lake verify "$D"
	assert_success
	assert_output "region=EU/part-00000000000000000009-0001.ndjson.zst: orphan (no commit names it)
verify: version 0, 5 files, 8 records: 0 problems, 1 orphan"
}

@test "verify and vacuum -n step over an empty partition folder" {
	mb-write -p region "$D" <"$IN"
	mkdir "$D/region=GONE" "$D/region=EU/sub"
	run mb-lake verify "$D"
	assert_success
	assert_output "verify: version 0, 5 files, 8 records: 0 problems, 0 orphans"
	run mb-lake vacuum -n --retain 0s "$D"
	assert_success
	assert_output "vacuum: would delete 0 files, 0 bytes"
}

@test "verify names every kind of damage" {
	mb-write -p region "$D" <"$IN"
	echo '{"region":"EU"}' | mb-write "$D"
	echo '{"region":"EU"}' | mb-write "$D"
	f=region=US/part-00000000000000000000-0002.ndjson.zst
	printf 'X' | dd of="$D/$f" bs=1 seek=20 conv=notrunc status=none
	truncate -s -2 "$D/region=EU/part-00000000000000000000-0001.ndjson.zst"
	rm -r "$D/region=__HIVE_DEFAULT_PARTITION__"
	rm "$D/_mb_log/00000000000000000001.json"
	echo '{"commitInfo":' >"$D/_mb_log/00000000000000000002.json"
	run mb-lake verify "$D"
	assert_failure 1
	assert_output --regexp "^_mb_log/00000000000000000001.json: missing
_mb_log/00000000000000000002.json: line 1: column 15: unexpected end of line, expected a value
region=EU/part-00000000000000000000-0001.ndjson.zst: size [0-9]+ does not match the log \([0-9]+\)
region=US/part-00000000000000000000-0002.ndjson.zst: checksum [0-9a-f]{16} does not match the log \([0-9a-f]{16}\)
region=__HIVE_DEFAULT_PARTITION__/part-00000000000000000000-0003.ndjson.zst: missing
region=EU/part-00000000000000000001-0001.ndjson.zst: orphan \(no commit names it\)
region=EU/part-00000000000000000002-0001.ndjson.zst: orphan \(no commit names it\)
verify: version 2, 5 files, 8 records: 5 problems, 2 orphans
verify: writers refuse a damaged log; mb-lake repair $D makes the snapshot without the damaged entries the dataset's state$"
	# The rest stays readable.
	run bash -c "mb-cat -q '$D' 2>/dev/null"
	assert_output '{"id":6,"region":"../../etc","month":"09","amount":1}
{"id":7,"region":"a/b\u0001c","month":"10","amount":4}'
}

@test "repair: a checkpoint of the snapshot without the damaged entries" {
	mb-write -p region "$D" <"$IN"
	echo '{"region":"EU"}' | mb-write "$D"
	echo '{"region":"EU"}' | mb-write "$D"
	rm "$D/_mb_log/00000000000000000001.json"
	e=_mb_log/00000000000000000001.json
	f=region=EU/part-00000000000000000001-0001.ndjson.zst
	run mb-lake repair "$D"
	assert_success
	assert_output "log entry 1: missing
$f: orphan, not in the snapshot (zstdcat reads its records)
repair: checkpoint 2, 6 files, 9 records, without 1 damaged entry"
	run mb-lake repair "$D"
	assert_output "repair: nothing to repair (version 2)"
	# Readers and writers start from the checkpoint; the lost entry is
	# history that only --as-of 1 would need.
	run mb-lake verify "$D"
	assert_success
	assert_output "$e: missing (before checkpoint 2: only --as-of an older version is affected)
$f: orphan (no commit names it)
verify: version 2, 6 files, 9 records: 0 problems, 1 orphan"
	echo '{"region":"US"}' | mb-write "$D"
	run bash -c "mb-cat '$D' | wc -l"
	assert_output 10
	run log_of "$D"
	assert_success
	assert_output "mb-lake: $D: log entry 1: missing (before checkpoint 2)
VERSION   TIME                      OPERATION           FILES+  FILES-    RECORDS+    RECORDS-
0         TIME                      WRITE                    5       0           8           0
2         TIME                      WRITE                    1       0           1           0
3         TIME                      WRITE                    1       0           1           0"
	run mb-lake vacuum --retain 0s "$D"
	assert_success
	assert_output --regexp "^deleted $f
vacuum: 1 file, [0-9]+ bytes$"
}

@test "repair: a garbled newest entry, and a garbled checkpoint put aside" {
	mb-write -p region "$D" <"$IN"
	echo '{"region":"EU"}' | mb-write "$D"
	echo '{"commitInfo":' >"$D/_mb_log/00000000000000000001.json"
	echo '{"checkpoint":' >"$D/_mb_log/00000000000000000001.checkpoint.json"
	run mb-lake repair "$D"
	assert_success
	assert_output "checkpoint 1: line 1: column 15: unexpected end of line, expected a value
log entry 1: line 1: column 15: unexpected end of line, expected a value
_mb_log/00000000000000000001.checkpoint.json: moved to _mb_log/00000000000000000001.checkpoint.json.damaged
region=EU/part-00000000000000000001-0001.ndjson.zst: orphan, not in the snapshot (zstdcat reads its records)
repair: checkpoint 1, 5 files, 8 records, without 1 damaged entry"
	run mb-cat "$D"
	assert_success
	run bash -c "echo '{\"region\":\"US\"}' | mb-write '$D' && mb-lake stats '$D' | head -n 2"
	assert_output "version     2
records     9"
}

@test "compact rewrites small files of each partition in one commit" {
	small_appends
	before=$(mb-cat "$D")
	run mb-lake compact "$D"
	assert_success
	assert_output "compact: 20 files into 2 in 2 partitions, version 10"
	run mb-cat --files "$D"
	assert_output "$D/p=a/part-00000000000000000010-0001.ndjson.zst
$D/p=b/part-00000000000000000010-0002.ndjson.zst"
	run mb-cat "$D"
	assert_output "$before"
	run log_of "$D"
	assert_line --index 11 "10        TIME                      COMPACT                  2      20          20          20"
	run mb-lake compact "$D"
	assert_output "compact: nothing to compact (version 10)"
	run mb-lake verify "$D"
	assert_output "verify: version 10, 2 files, 20 records: 0 problems, 0 orphans"
}

@test "compact --where and --target-bytes" {
	small_appends
	run mb-lake compact --where 'p = "b"' --target-bytes 40 "$D"
	assert_success
	assert_output "compact: 10 files into 4 in 1 partition, version 10"
	run bash -c "mb-cat --files '$D' | grep -c p=a/"
	assert_output 10
	run mb-lake compact --where 'i > 3' "$D"
	assert_failure 2
	assert_output "mb-lake: --where: 'i' is not a partition column of $D"
	run bash -c "mb-cat -w 'p = \"b\"' '$D' | tr -d '\n'"
	assert_output '{"i":1,"p":"b"}{"i":2,"p":"b"}{"i":3,"p":"b"}{"i":4,"p":"b"}{"i":5,"p":"b"}{"i":6,"p":"b"}{"i":7,"p":"b"}{"i":8,"p":"b"}{"i":9,"p":"b"}{"i":10,"p":"b"}'
}

@test "a compaction that cannot write names the one file it wrote" {
	for i in 1 2 3; do
		seq 1 20000 | awk -v i=$i '{ printf "{\"n\":%d,\"i\":%d,\"p\":\"a\"}\n", $1, i }' |
		    mb-write -p p "$D"
	done
	run bash -c "trap '' XFSZ; ulimit -f 16; mb-lake compact --target-bytes 1M '$D'"
	assert_failure 1
	assert_output "mb-lake: $D: compact: $D/p=a/part-00000000000000000003-0001.ndjson.zst: File too large"
	run mb-lake verify "$D"
	assert_success
	assert_output "verify: version 2, 3 files, 60000 records: 0 problems, 0 orphans"
}

@test "a compaction racing appends keeps every appended record" {
	seq 1 20000 | awk '{ printf "{\"n\":%d,\"p\":%d}\n", $1, $1 % 2 }' >"$BATS_TEST_TMPDIR/in"
	head -n 2000 "$BATS_TEST_TMPDIR/in" | mb-write -p p -n 100 "$D"
	tail -n +2001 "$BATS_TEST_TMPDIR/in" | mb-write -p p -n 100 "$D" &
	pid=$!
	for i in 1 2 3 4 5; do
		mb-lake compact "$D" >/dev/null
	done
	wait $pid
	run records "$D"
	assert_output 20000
	run bash -c "mb-cat '$D' | sort | cmp - <(sort '$BATS_TEST_TMPDIR/in') && echo same"
	assert_output same
	run bash -c "mb-lake verify '$D' | tail -n 1"
	assert_output --regexp '^verify: version [0-9]+, [0-9]+ files, 20000 records: 0 problems, 0 orphans$'
}

@test "a compaction whose files an overwrite removed fails, nothing corrupted" {
	seq 1 200000 | awk '{ printf "{\"n\":%d,\"p\":%d}\n", $1, $1 % 2 }' |
	    mb-write -p p -n 2000 "$D"
	mb-lake compact "$D" >"$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	sleep 0.05
	echo '{"n":0,"p":0}' | mb-write -m overwrite "$D"
	st=0
	wait $pid || st=$?
	run cat "$BATS_TEST_TMPDIR/out"
	# Either the compaction lost the race and says so, or it won it
	# (and the overwrite removed its output), or it began after it.
	if [ $st -eq 1 ]; then
		assert_output --regexp "^mb-lake: $D: compact: conflict: p=[01]/part-[0-9-]+\.ndjson\.zst was removed by a concurrent commit \(version [0-9]+\)$"
	else
		assert_output --regexp '^compact: '
	fi
	run mb-cat "$D"
	assert_output '{"n":0,"p":0}'
	run bash -c "mb-lake verify '$D' | tail -n 1"
	assert_output --regexp '^verify: version [0-9]+, 1 files, 1 records: 0 problems, 0 orphans$'
}

@test "vacuum keeps what retained snapshots need, deletes the rest" {
	mb-write -p region "$D" <"$IN"
	head -n 1 "$IN" | mb-write -m overwrite "$D"
	run mb-lake vacuum --retain 1h "$D"
	assert_success
	assert_output "vacuum: 0 files, 0 bytes"
	run bash -c "mb-cat --as-of 0 '$D' | wc -l"
	assert_output 8
	run mb-lake vacuum --retain 0s --dry-run "$D"
	assert_output --regexp "^would delete region=%2E.%2F..%2Fetc/part-00000000000000000000-0004.ndjson.zst
would delete region=EU/part-00000000000000000000-0001.ndjson.zst
would delete region=US/part-00000000000000000000-0002.ndjson.zst
would delete region=__HIVE_DEFAULT_PARTITION__/part-00000000000000000000-0003.ndjson.zst
would delete region=a%2Fb%01c/part-00000000000000000000-0005.ndjson.zst
vacuum: would delete 5 files, [0-9]+ bytes$"
	run mb-lake vacuum --retain 0s "$D"
	assert_success
	assert_line --index 1 "deleted region=EU/part-00000000000000000000-0001.ndjson.zst"
	run bash -c "cd '$D' && find . -type f | sort"
	assert_output "./_mb_log/00000000000000000000.json
./_mb_log/00000000000000000001.json
./region=EU/part-00000000000000000001-0001.ndjson.zst"
	run mb-cat "$D"
	assert_output '{"id":1,"region":"EU","month":"07","amount":10.5}'
	run mb-cat --as-of 0 "$D"
	assert_failure 1
}

@test "vacuum deletes orphans older than the retention only" {
	mb-write "$D" <"$IN"
	cp "$D/part-00000000000000000000-0001.ndjson.zst" "$D/part-00000000000000000001-0001.ndjson.zst"
	cp "$D/part-00000000000000000000-0001.ndjson.zst" "$D/part-00000000000000000001-0002.ndjson.zst"
	touch -d '3 hours ago' "$D/part-00000000000000000001-0001.ndjson.zst"
	echo keep >"$D/README"
	touch -d '3 hours ago' "$D/README"
	run mb-lake vacuum --retain 2h "$D"
	assert_output --regexp "^deleted part-00000000000000000001-0001.ndjson.zst
vacuum: 1 file, [0-9]+ bytes$"
	run bash -c "cd '$D' && ls"
	assert_output "README
_mb_log
part-00000000000000000000-0001.ndjson.zst
part-00000000000000000001-0002.ndjson.zst"
}

@test "vacuum deletes nothing through a symbolic link" {
	mb-write -p region "$D" <"$IN"
	head -n 1 "$IN" | mb-write -m overwrite "$D"
	out="$BATS_TEST_TMPDIR/outside"
	mkdir "$out"
	mv "$D/region=US" "$out/us"
	ln -s "$out/us" "$D/region=US"
	f=part-00000000000000000000-0002.ndjson.zst
	run mb-lake vacuum --retain 0s "$D"
	assert_failure 1
	assert_line --index 2 "mb-lake: $D: region=US/$f: region=US is a symbolic link; not followed"
	assert_line --index 5 --regexp '^vacuum: 4 files, [0-9]+ bytes$'
	run ls "$out/us"
	assert_output "$f"
}

@test "vacuum racing a reader of a retained snapshot" {
	seq 1 50000 | awk '{ printf "{\"n\":%d}\n", $1 }' | mb-write "$D"
	echo '{"n":0}' | mb-write -m overwrite "$D"
	mb-cat --as-of 0 "$D" | (sleep 0.3; wc -l) >"$BATS_TEST_TMPDIR/out" &
	pid=$!
	run mb-lake vacuum --retain 1h "$D"
	assert_output "vacuum: 0 files, 0 bytes"
	wait $pid
	run cat "$BATS_TEST_TMPDIR/out"
	assert_output 50000
}

# capped CMD...: CMD with 20 s to run and its output (stderr, then the
# buffered stdout) cut at 20 lines, then its status: a reader that walks
# every version number up to a stray entry's fails here instead of
# filling the memory with millions of lines.
capped() {
	timeout 20 "$@" 2>&1 | head -n 20
	echo "status ${PIPESTATUS[0]}"
}

@test "a stray log entry far ahead: one range, at once; repair mends it" {
	mb-write -p region "$D" <"$IN"
	echo '{"region":"EU"}' | mb-write "$D"
	echo '{}' >"$D/_mb_log/00000000009999999999.json"
	T='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z'
	run capped mb-lake log "$D"
	assert_output --regexp "^mb-lake: $D: log entries 2 to 9999999998: missing
mb-lake: $D: log entry 9999999999: no commitInfo
VERSION   TIME                      OPERATION           FILES\+  FILES-    RECORDS\+    RECORDS-
0         $T  WRITE                    5       0           8           0
1         $T  WRITE                    1       0           1           0
status 1$"
	run capped mb-lake verify "$D"
	assert_output "_mb_log/00000000000000000002.json to _mb_log/00000000009999999998.json: missing
_mb_log/00000000009999999999.json: no commitInfo
verify: version 9999999999, 6 files, 9 records: 2 problems, 0 orphans
verify: writers refuse a damaged log; mb-lake repair $D makes the snapshot without the damaged entries the dataset's state
status 1"
	run capped mb-lake vacuum -n --retain 0s "$D"
	assert_output "mb-lake: $D: the log is damaged; vacuum deletes nothing (run mb-lake verify)
status 1"
	run capped mb-lake stats "$D"
	assert_output "mb-lake: $D: log entries 2 to 9999999998: missing
mb-lake: $D: log entry 9999999999: no commitInfo
version     9999999999
records     9
files       6
partitions  5
bytes       $(mb-lake stats "$D" 2>/dev/null | awk '$1 == "bytes" { print $2 }')
compressed  $(mb-lake stats "$D" 2>/dev/null | awk '$1 == "compressed" { print $2 }')
status 1"
	run capped mb-write "$D" <"$IN"
	assert_output "mb-write: $D: log entries 2 to 9999999998: missing
mb-write: $D: log entry 9999999999: no commitInfo
mb-write: $D: the log is damaged (9999999998 entries); nothing was written: mb-lake verify names the damage, mb-lake repair mends it
status 1"
	# repair: a checkpoint at 9999999999 of the snapshot readers print;
	# the entries before it are history from then on.
	run capped mb-lake repair "$D"
	assert_output "log entries 2 to 9999999998: missing
log entry 9999999999: no commitInfo
repair: checkpoint 9999999999, 6 files, 9 records, without 9999999998 damaged entries
status 0"
	run capped mb-lake verify "$D"
	assert_output "_mb_log/00000000000000000002.json to _mb_log/00000000009999999998.json: missing (before checkpoint 9999999999: only --as-of an older version is affected)
_mb_log/00000000009999999999.json: no commitInfo (checkpoint 9999999999 stands for it)
verify: version 9999999999, 6 files, 9 records: 0 problems, 0 orphans
status 0"
	# Writers accept it, and keep the dataset's partition columns (the
	# newest entry cannot be read; the checkpoint has them).
	run capped mb-write "$D" <<<'{"region":"US"}'
	assert_output "status 0"
	run ls "$D/region=US"
	assert_output "part-00000000000000000000-0002.ndjson.zst
part-00000000010000000000-0001.ndjson.zst"
	run capped mb-lake log "$D"
	assert_output --regexp "^mb-lake: $D: log entries 2 to 9999999998: missing \(before checkpoint 10000000000\)
mb-lake: $D: log entry 9999999999: no commitInfo \(before checkpoint 10000000000\)
VERSION .*
0 .*
1 .*
10000000000  $T  WRITE                    1       0           1           0
status 0$"
	run bash -c "mb-cat '$D' | wc -l"
	assert_output 10
}

@test "vacuum refuses to work on a damaged log" {
	mb-write "$D" <"$IN"
	mb-write "$D" <"$IN"
	rm "$D/_mb_log/00000000000000000000.json"
	run mb-lake vacuum --retain 0s "$D"
	assert_failure 1
	assert_output "mb-lake: $D: the log is damaged; vacuum deletes nothing (run mb-lake verify)"
	run bash -c "ls '$D' | wc -l"
	assert_output 3
}

# DuckDB: its CLI when there is one, else its npm package through
# bench/duckdb-node (make test installs it: make duckdb).
duck() {
	if [ -n "${DUCKDB:-}" ]; then
		"$DUCKDB" "$@"
	elif command -v duckdb >/dev/null; then
		duckdb "$@"
	else
		"$BATS_TEST_DIRNAME/../bench/duckdb-node" "$@"
	fi
}

@test "view and manifest: DuckDB reads the snapshot, not the files it superseded" {
	seq 1 300 | awk '{ printf "{\"n\":%d,\"m\":%d}\n", $1, $1 % 12 + 1 }' | mb-write -p m "$D"
	D=$(realpath "$D")	# the view's and the manifest's paths are absolute
	mb-lake manifest "$D"
	seq 1 300 | awk '{ printf "{\"n\":%d,\"m\":%d}\n", $1, $1 % 12 + 1 }' | mb-write -m overwrite "$D"
	out="$BATS_TEST_TMPDIR/out.csv"
	# A glob reads the overwritten files too: twice the rows.
	duck -c "COPY (SELECT count(*), sum(n) FROM read_json('$D/*/*.ndjson.zst', format = 'newline_delimited')) TO '$out' (HEADER false)"
	run cat "$out"
	assert_output "600,90300"
	# The view names the snapshot's files, in natural order.
	run mb-lake view --name orders "$D"
	assert_success
	assert_line --index 0 'CREATE OR REPLACE VIEW "orders" AS'
	assert_line --index 1 "-- $D version 1, 12 files"
	assert_line --index 3 "  '$D/m=1/part-00000000000000000001-0012.ndjson.zst',"
	assert_line --index 4 "  '$D/m=2/part-00000000000000000001-0001.ndjson.zst',"
	assert_line --index 15 "], format = 'newline_delimited', hive_partitioning = true);"
	duck -c "$(mb-lake view --name orders "$D")" -c "COPY (SELECT count(*), sum(n), count(DISTINCT m) FROM orders) TO '$out' (HEADER false)"
	run cat "$out"
	assert_output "300,45150,12"
	# The manifest follows every commit.
	run bash -c "wc -l <'$D/_mb_manifest'; head -n 1 '$D/_mb_manifest'"
	assert_output "12
$D/m=1/part-00000000000000000001-0012.ndjson.zst"
	duck -c "SET VARIABLE files = (SELECT string_split(trim(content, chr(10)), chr(10)) FROM read_text('$D/_mb_manifest'))" \
	    -c "COPY (SELECT count(*), sum(n) FROM read_json(getvariable('files'), format = 'newline_delimited', hive_partitioning = true)) TO '$out' (HEADER false)"
	run cat "$out"
	assert_output "300,45150"
	run mb-lake verify "$D"
	assert_output "verify: version 1, 12 files, 300 records: 0 problems, 0 orphans"
	echo >>"$D/_mb_manifest"
	run mb-lake verify "$D"
	assert_failure 1
	assert_output "_mb_manifest: not the files of version 1 (mb-lake manifest rewrites it)
verify: version 1, 12 files, 300 records: 1 problem, 0 orphans"
	run mb-lake view "$BATS_TEST_TMPDIR/none"
	assert_failure 1
	mb-write -m overwrite "$D" </dev/null
	run mb-lake view "$D"
	assert_failure 1
	assert_output "mb-lake: $D: the snapshot has no files (version 2)"
}

@test "manifest: concurrent writers leave the newest version's list" {
	echo '{"p":0}' | mb-write -p p "$D"
	mb-lake manifest "$D"
	for j in 1 2 3; do
		for i in $(seq 1 10); do
			echo "{\"p\":$((i % 3)),\"j\":$j}" | mb-write "$D" || exit 1
		done &
	done
	wait
	D=$(realpath "$D")	# the manifest's paths are absolute
	run bash -c "mb-cat --files '$D' | cmp - '$D/_mb_manifest' && wc -l <'$D/_mb_manifest'"
	assert_output 31
	run mb-lake verify "$D"
	assert_output "verify: version 30, 31 files, 31 records: 0 problems, 0 orphans"
}

@test "usage errors, --help, not a dataset" {
	run mb-lake
	assert_failure 2
	run mb-lake frobnicate "$D"
	assert_failure 2
	assert_line --index 0 "mb-lake: 'frobnicate' is not a command"
	run mb-lake log --retain 1h "$D"
	assert_failure 2
	assert_line --index 0 "mb-lake: log: an option of another command"
	run mb-lake vacuum --retain soon "$D"
	assert_failure 2
	assert_output "mb-lake: --retain: 'soon' is not a duration (such as 30m, 168h, 7d)"
	run mb-lake --help
	assert_success
	assert_line --index 0 "usage: mb-lake log DIR"
	run mb-lake stats "$D"
	assert_failure 1
	assert_output "mb-lake: $D: No such file or directory"
}
