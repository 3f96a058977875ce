#!/usr/bin/env bats
# pipelines/stream.mk: the live medallion, run for a few seconds, stopped,
# and checked layer by layer; a stage paused; a burst; skewed clocks.

load helper

setup() {
	L="$BATS_TEST_TMPDIR/lake"
	BIN=$(dirname "$(command -v mb-write)")
	MK="make -s --no-print-directory -f $BATS_TEST_DIRNAME/../pipelines/stream.mk MB_BIN=$BIN LAKE=$L"
}

# Never leave a stage behind, even when a test failed.
teardown() {
	[ -d "$L/_state/pid" ] || return 0
	$MK stop > /dev/null 2>&1 || true
	for f in "$L"/_state/pid/*; do
		[ -e "$f" ] && kill -9 "$(cat "$f")" 2> /dev/null || true
	done
}

records() {
	mb-lake stats "$1" | sed -n 's/^records *//p'
}

# wait_for SECONDS CMD...: until CMD succeeds; fails after SECONDS
wait_for() {
	local n=$(($1 * 10))
	shift
	until "$@"; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.1
	done
}

has_records() {
	[ -d "$1/_mb_log" ] && [ "$(records "$1")" -gt 0 ]
}

# The layers add up: bronze = silver + quarantine (mb-validate's report
# says the same), and each gold table's orders plus its late records =
# silver.  Prints "bronze silver quarantine gold cgold late clate".
layers() {
	local b s q g c lg lc
	b=$(records "$L/bronze/orders")
	s=$(records "$L/silver/orders")
	q=$(records "$L/quarantine/orders")
	g=$(mb-cat "$L/gold/orders_per_minute" | jq -s 'map(.orders) | add // 0')
	c=$(mb-cat "$L/gold/category_per_minute" | jq -s 'map(.orders) | add // 0')
	lg=$(grep -c . "$L/_state/late.ndjson" || true)
	lc=$(grep -c . "$L/_state/category-late.ndjson" || true)
	[ "$(jq -c '[.records_in, .passed, .quarantined, .dropped]' "$L/_state/dq.json")" = "[$b,$s,$q,0]" ] ||
	    echo "the report says $(jq -c . "$L/_state/dq.json")"
	[ $b -eq $((s + q)) ] || echo "bronze $b != silver $s + quarantine $q"
	[ $s -eq $((g + lg)) ] || echo "silver $s != gold $g + late $lg"
	[ $s -eq $((c + lc)) ] || echo "silver $s != category gold $c + late $lc"
	echo "$b $s $q $g $c $lg $lc"
}

# No process of the pipeline is left.
none_left() {
	local p
	for p in $1; do
		! kill -0 "$p" 2> /dev/null || { echo "pid $p still runs"; return 1; }
	done
}

@test "run: every layer fills and the dashboard follows; stop: final commits, no process left, the layers add up" {
	run $MK run RATE=1000
	assert_success
	assert_output "stream: running: $L (stop: make -f pipelines/stream.mk stop)
stream: dashboard: $L/dashboard.html"
	wait_for 60 has_records "$L/gold/orders_per_minute"
	wait_for 60 has_records "$L/gold/category_per_minute"
	wait_for 30 grep -q 'orders_per_minute' "$L/dashboard.html"
	run $MK status
	assert_equal "$(echo "$output" | grep -c ' running$')" 19
	for p in gen ingest bronze validate enrich silver agg gtrim gold quarantine follow cagg ctrim cgold dashboard; do
		assert_line --regexp "^  $p +[0-9]+ running$"
	done
	run $MK run
	assert_failure
	assert_output --partial "stream: already running (quarantine); stop first"
	pids=$(cat "$L"/_state/pid/*)
	run $MK stop
	assert_success
	assert_line --index 0 --regexp '^  bronze/orders +[0-9]+ records$'
	assert_line --index 5 "stream: stopped"
	run none_left "$pids"
	assert_success
	[ ! -e "$L/_state/pid" ]
	run layers
	assert_output --regexp '^[0-9]+ [0-9]+ [0-9]+ [0-9]+ [0-9]+ 0 0$'
	read -r b s q g c lg lc <<< "$output"
	[ "$s" -gt 0 ] && [ "$q" -gt 0 ]	# DIRTY=0.01 quarantines some
	# gold: one row per minute and region, the last update of each
	run bash -c "mb-cat '$L/gold/orders_per_minute' | jq -r '[.window_start, .region] | join(\" \")' | sort | uniq -d"
	assert_output ""
	for d in bronze/orders silver/orders quarantine/orders gold/orders_per_minute gold/category_per_minute; do
		run mb-lake verify "$L/$d"
		assert_output --regexp '^verify: version [0-9]+, [0-9]+ files, [0-9]+ records: 0 problems, 0 orphans$'
	done
	run $MK stop
	assert_failure
	assert_output --partial "stream: not running ($L/_state/pid does not exist)"
}

@test "backpressure: gold paused for 10 s makes upstream wait on the pipe; memory stays small; everything arrives after SIGCONT" {
	cd "$BATS_TEST_TMPDIR"
	# Under ASan, freed memory waits in a quarantine of 256 MB by default:
	# a small one, so that the bounds below are the tools' own.
	export ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=8"
	$MK run RATE=2000
	wait_for 60 has_records "$L/gold/orders_per_minute"
	P=$L/_state/pid
	kill -STOP "$(cat "$P/agg")"
	rss() { awk '/^VmRSS/ { print $2 }' "/proc/$(cat "$1")/status"; }
	sleep 3
	before=$(records "$L/bronze/orders")
	for f in "$P"/*; do
		echo "$(basename "$f") $(rss "$f")"
	done > rss.before
	sleep 7
	# bronze waits on its --tee; nothing piles up anywhere: no process
	# grew by more than 1 MB while gold was stopped, none is large
	assert_equal "$(records "$L/bronze/orders")" "$before"
	while read -r name kb; do
		now=$(rss "$P/$name")
		hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$(cat "$P/$name")/status")
		[ $((now - kb)) -lt 1024 ] || fail "$name: $kb kB -> $now kB while gold was stopped"
		[ "$hwm" -lt 131072 ] || fail "$name: $hwm kB at most"
	done < rss.before
	kill -CONT "$(cat "$P/agg")"
	arrived() {
		[ $(($(records "$L/silver/orders") + $(records "$L/quarantine/orders"))) -ge "$before" ]
	}
	wait_for 60 arrived
	$MK stop > /dev/null
	run layers
	assert_output --regexp '^[0-9]+ [0-9]+ [0-9]+ [0-9]+ [0-9]+ 0 0$'
	read -r b rest <<< "$output"
	[ "$b" -gt "$before" ]
}

@test "a burst: orders as fast as mb-gen makes them all reach every layer (100,000 here, 1,000,000 in make bench)" {
	n=${STREAM_BURST:-100000}
	$MK run SOURCE="mb-gen --rate 10000000 -n $n --seed 7"
	# the source ends by itself: the live stage ends after its last commit
	wait_for 300 test ! -e "/proc/$(cat "$L/_state/pid/stage-live")"
	$MK stop > /dev/null
	run layers
	assert_output "$n $n 0 $n $n 0 0"
}

@test "clock skew: orders from the future go to quarantine, from long ago to --late; none vanishes" {
	# every 10th order a day ahead, every 10th + 5 (after the first 100)
	# of 2020
	cat > "$BATS_TEST_TMPDIR/skew.sh" <<'EOF'
mb-gen --rate 2000 -n 2000 --seed 9 | awk '
    NR % 10 == 0 { sub(/"order_ts":"[^"]*"/, "\"order_ts\":\"2099-01-01T00:00:00Z\"") }
    NR > 100 && NR % 10 == 5 { sub(/"order_ts":"[^"]*"/, "\"order_ts\":\"2020-01-01T00:00:00Z\"") }
    { print; fflush() }'
EOF
	src="sh $BATS_TEST_TMPDIR/skew.sh"
	$MK run SOURCE="$src"
	wait_for 300 test ! -e "/proc/$(cat "$L/_state/pid/stage-live")"
	$MK stop > /dev/null
	run layers
	assert_output "2000 1800 200 1610 1610 190 190"
	run bash -c "mb-cat '$L/quarantine/orders' | jq -r '[.order_ts, ._errors[].rule] | join(\" \")' | sort | uniq -c"
	assert_output "    200 2099-01-01T00:00:00Z not_future"
	run bash -c "jq -r '[.order_ts, ._errors[].rule] | join(\" \")' '$L/_state/late.ndjson' | sort | uniq -c"
	assert_output "    190 2020-01-01T00:00:00Z late"
}

@test "restart STAGE: a stage is stopped and started on its own; the follower goes on from its checkpoint" {
	$MK run RATE=1000
	wait_for 60 has_records "$L/gold/category_per_minute"
	old=$(cat "$L/_state/pid/follow")
	v=$(mb-lake stats "$L/gold/category_per_minute" | sed -n 's/^version *//p')
	run $MK restart STAGE=category
	assert_success
	assert_output "stream: restarted category"
	! kill -0 "$old" 2> /dev/null
	newpid() { [ -s "$1" ] && [ "$(cat "$1")" != "$2" ]; }
	wait_for 30 newpid "$L/_state/pid/follow" "$old"
	# the new follower went on from the checkpoint: more commits
	newer() {
		[ "$(mb-lake stats "$L/gold/category_per_minute" | sed -n 's/^version *//p')" -gt "$v" ]
	}
	wait_for 30 newer
	old=$(cat "$L/_state/pid/gen")
	run $MK restart STAGE=live
	assert_success
	wait_for 30 newpid "$L/_state/pid/gen" "$old"
	run $MK restart STAGE=nosuch
	assert_failure
	assert_line --index 0 "stream: restart: no stage 'nosuch'"
	$MK stop > /dev/null
	# bronze, silver and quarantine still add up across the restarts
	b=$(records "$L/bronze/orders")
	s=$(records "$L/silver/orders")
	q=$(records "$L/quarantine/orders")
	[ "$b" -eq $((s + q)) ]
	[ "$b" -gt 0 ]
}
