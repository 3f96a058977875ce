#!/usr/bin/env bats
# pipelines/systemd: the units as make install puts them, checked by
# systemd-analyze verify (which needs no running systemd); the scripts they
# run, mb-stream and mb-lake-maint, run here from the shell; the crontab
# alternative.

load helper

setup() {
	ROOT="$BATS_TEST_DIRNAME/.."
	SD="$ROOT/pipelines/systemd"
	T="$BATS_TEST_TMPDIR"
	pid=
}

# A pipeline a test left running (it failed before stopping it) is
# stopped: the script first, as systemd would, then its consumer.
teardown() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid"
		sleep 2
		pkill -KILL -P "$pid" 2>/dev/null || true
		kill -KILL "$pid" 2>/dev/null || true
	fi
}

# timeout_wait PID: waits for the background job PID for up to 20 s; its
# status is PID's (124 when it did not end).
timeout_wait() {
	for _ in $(seq 200); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$1" 2>/dev/null && return 124
	wait "$1"
}

# wait_commit DIR: waits up to 10 s for the first commit of the dataset DIR.
wait_commit() {
	for _ in $(seq 100); do
		[ -e "$1/_mb_log/00000000000000000000.json" ] && return 0
		sleep 0.1
	done
	echo "no commit in $1 after 10 s"
	return 1
}

# The records the consumer printed, as tee saved them in sent: tee writes
# its standard output before its file, so SIGTERM may stop it between the
# two, with one more record delivered (and committed) than sent holds.
# Prints the count committed when it is that of sent, or one more that is
# the next order.
printed() {
	local n s
	n=$(wc -l < sent)
	s=$(mb-cat lake/silver/orders | wc -l)
	if [ "$s" = $((n + 1)) ] && mb-cat lake/silver/orders |
	    grep -q "\"order_id\":\"$(printf 'ORD-%012d' "$s")\""; then
		n=$s
	fi
	echo "$n"
}

# install_prefix: make install into $T/p, as a machine would have it
# under PREFIX=/usr/local.
install_prefix() {
	b=$(basename "${MB_BIN:-$ROOT/build}")
	make -s -C "$ROOT" install B="$b" PREFIX="$T/p" > "$T/install.out" 2>&1 \
		|| { cat "$T/install.out"; return 1; }
}

@test "systemd: make install puts the units under PREFIX/lib/systemd/system with PREFIX's paths" {
	install_prefix
	run ls "$T/p/lib/systemd/system"
	assert_output "mb-batch-retail.service
mb-batch-retail.timer
mb-lake-maint.service
mb-lake-maint.timer
mb-stream@.service"
	run grep -h '^ExecStart=' "$T/p/lib/systemd/system/"*.service
	assert_output "ExecStart=/usr/bin/make -f $T/p/share/mb/pipelines/retail.mk LAKE=\${MB_LAKE}
ExecStart=$T/p/share/mb/pipelines/systemd/mb-lake-maint
ExecStart=$T/p/share/mb/pipelines/systemd/mb-stream %i"
	run grep -h '^Environment=PATH=' "$T/p/lib/systemd/system/"*.service
	assert_output "Environment=PATH=$T/p/bin:/usr/bin:/bin
Environment=PATH=$T/p/bin:/usr/bin:/bin
Environment=PATH=$T/p/bin:/usr/bin:/bin"
	[ -x "$T/p/share/mb/pipelines/systemd/mb-stream" ]
	[ -x "$T/p/share/mb/pipelines/systemd/mb-lake-maint" ]
	run grep -c '/usr/local/' "$T/p/share/mb/pipelines/systemd/mb.crontab"
	assert_output 0
	run grep -c "$T/p/" "$T/p/share/mb/pipelines/systemd/mb.crontab"
	assert_output 3
}

@test "systemd: systemd-analyze verify passes on every unit, their programs and man pages found" {
	install_prefix
	cd "$T/p/lib/systemd/system"
	# the man pages of Documentation= are looked up with man(1)
	run env MANPATH="$T/p/share/man" systemd-analyze verify \
		mb-stream@.service mb-stream@orders.service mb-batch-retail.service \
		mb-batch-retail.timer mb-lake-maint.service mb-lake-maint.timer
	assert_success
	assert_output ""
}

@test "systemd: systemd-analyze verify fails when a unit's program or man page is missing" {
	install_prefix
	cd "$T/p/lib/systemd/system"
	rm "$T/p/share/mb/pipelines/systemd/mb-stream"
	run env MANPATH="$T/p/share/man" systemd-analyze verify mb-stream@orders.service
	assert_failure
	assert_output --partial "Command $T/p/share/mb/pipelines/systemd/mb-stream is not executable"
	rm "$T/p/share/man/man1/mb-lake.1"
	run env MANPATH="$T/p/share/man" systemd-analyze verify mb-lake-maint.service
	assert_failure
	assert_output --partial "Command 'man mb-lake(1)' failed"
}

@test "mb-batch-retail: the unit's command, with its PATH and an environment file's ORDERS, builds the lake from the installed pipeline" {
	install_prefix
	u="$T/p/lib/systemd/system/mb-batch-retail.service"
	cmd=$(sed -n 's/^ExecStart=//p' "$u")
	path=$(sed -n 's/^Environment=PATH=//p' "$u")
	cmd=${cmd//'${MB_LAKE}'/$T/lake}
	mkdir "$T/work" && cd "$T/work"
	echo ORDERS=2000 > batch-retail.env
	run env -i PATH="$path" HOME="$T/work" $(cat batch-retail.env) $cmd
	assert_success
	run ls "$T/lake/gold"
	assert_output "category_store
daily_region
monthly_revenue
rfm
rfm_segments
summaries
top_products"
	[ -s "$T/lake/dashboard.html" ]
	# 2000 lines, 5 of them empty
	run bash -c "mb-cat '$T/lake/bronze/orders' | wc -l"
	assert_output 1995
	# the next night: nothing changed, nothing done
	run env -i PATH="$path" HOME="$T/work" ORDERS=2000 $cmd
	assert_success
	assert_output "make: Nothing to be done for 'all'."
}

@test "systemd: the stream unit stops with SIGTERM to the script alone and restarts on failure, hardened" {
	u="$SD/mb-stream@.service"
	for l in Restart=on-failure KillMode=mixed KillSignal=SIGTERM TimeoutStopSec=60 \
	    EnvironmentFile=/etc/mb/%i.env NoNewPrivileges=yes ProtectSystem=strict \
	    ReadWritePaths=/var/lib/mb PrivateTmp=yes Environment=MB_LAKE=/var/lib/mb/lake; do
		grep -qx "$l" "$u" || { echo "missing: $l"; false; }
	done
	for u in "$SD"/*.service; do
		grep -qx NoNewPrivileges=yes "$u"
		grep -qx ProtectSystem=strict "$u"
		grep -qx ReadWritePaths=/var/lib/mb "$u"
	done
}

# ---- mb-stream ------------------------------------------------------------

@test "mb-stream: a consumer that ends: bronze, silver and quarantine as the batch pipeline makes them, status 0" {
	cd "$T"
	export MB_SOURCE="mb-gen -n 3000 --seed 7 --dirty 0.05"
	export MB_VALIDATE="--schema $ROOT/pipelines/schemas/orders.json --quiet"
	export MB_ENRICH="--date-parts order_ts:order"
	export MB_INGEST=-q MB_SILVER="-p order_year,order_month"
	run "$SD/mb-stream" orders
	assert_success
	assert_output ""
	mb-gen -n 3000 --seed 7 --dirty 0.05 | mb-ingest -q - | strip_time | sort > bronze.want
	mb-cat lake/bronze/orders | strip_time | sort > bronze.got
	cmp bronze.want bronze.got
	mb-gen -n 3000 --seed 7 --dirty 0.05 | mb-ingest -q - |
		mb-validate $MB_VALIDATE --quarantine q.ndjson | mb-enrich $MB_ENRICH |
		strip_time | sort > silver.want
	mb-cat lake/silver/orders | strip_time | sort > silver.got
	cmp silver.want silver.got
	strip_time < q.ndjson | sort > q.want
	mb-cat lake/quarantine/orders | strip_time | sort > q.got
	cmp q.want q.got
	# nothing lost: bronze is silver plus quarantine
	# 3000 lines, 11 of them empty
	run wc -l < bronze.got
	assert_output 2989
	[ $(($(wc -l < silver.got) + $(wc -l < q.got))) = 2989 ]
	[ -s q.got ]
	# a partitioned silver
	ls lake/silver/orders | grep -q '^order_year=2025$'
}

@test "mb-stream: SIGTERM stops the consumer; every record it printed is committed, status 0" {
	cd "$T"
	export MB_SOURCE="mb-gen -n 10000000 --seed 3 --rate 5000 | tee $T/sent"
	export MB_INGEST=-q
	"$SD/mb-stream" orders 2> err & pid=$!
	wait_commit lake/silver/orders
	kill -TERM "$pid"
	rc=0
	timeout_wait "$pid" || rc=$?
	[ "$rc" = 0 ]
	run cat err
	assert_output ""
	# the consumer is gone: what it sent stays as it is
	n=$(wc -l < sent)
	sleep 0.3
	[ "$(wc -l < sent)" = "$n" ]
	[ "$n" -gt 0 ]
	n=$(printed)
	run bash -c 'mb-cat lake/bronze/orders | wc -l'
	assert_output "$n"
	run bash -c 'mb-cat lake/silver/orders | wc -l'
	assert_output "$n"
	mb-ingest -q sent | strip_time | sed 's/"_source":"[^"]*"/"_source":"-"/' | sort > want
	mb-cat lake/silver/orders | head -n "$(wc -l < sent)" | strip_time |
	    sort > got
	cmp want got
}

@test "mb-stream: SIGINT, as a ^C, does what SIGTERM does" {
	cd "$T"
	export MB_SOURCE="mb-gen -n 10000000 --rate 5000 | tee $T/sent"
	# A job started with & ignores SIGINT, and bash cannot trap a signal
	# ignored on entry: start it as a shell's foreground job is started.
	python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$SD/mb-stream" orders 2> err & pid=$!
	wait_commit lake/silver/orders
	kill -INT "$pid"
	rc=0
	timeout_wait "$pid" || rc=$?
	[ "$rc" = 0 ]
	n=$(printed)
	run bash -c 'mb-cat lake/silver/orders | wc -l'
	assert_output "$n"
}

@test "mb-stream: a consumer that fails (the broker went away): what it printed is committed, status 1" {
	cd "$T"
	export MB_SOURCE="mb-gen -n 300 --seed 2; echo 'broker gone' >&2; exit 3"
	run "$SD/mb-stream" orders
	assert_failure 1
	assert_output "broker gone
mb-stream: orders: the consumer ended with status 3"
	run bash -c 'mb-cat lake/silver/orders | wc -l'
	assert_output 300
	# a restart goes on appending to the same datasets
	export MB_SOURCE="mb-gen -n 200 --seed 9"
	run "$SD/mb-stream" orders
	assert_success
	run bash -c 'mb-cat lake/silver/orders | wc -l'
	assert_output 500
}

@test "mb-stream: a stage that fails stops the consumer, status 1" {
	cd "$T"
	export MB_SOURCE="mb-gen -n 10000000 --rate 2000"
	export MB_VALIDATE="--no-such-option"
	run timeout 20 "$SD/mb-stream" orders
	assert_failure 1
	assert_line --index 0 --partial "mb-validate: "
	assert_line "mb-stream: orders: a stage of the pipeline failed (status 2)"
	run bash -c 'mb-cat lake/silver/orders | wc -l'
	assert_output 0
}

@test "mb-stream: the quarantine is committed while the stream runs, as bronze and silver are" {
	cd "$T"
	export MB_SOURCE="mb-gen -n 10000000 --seed 4 --rate 2000 --dirty 0.05 | tee $T/sent"
	export MB_INGEST=-q MB_VALIDATE="--schema $ROOT/pipelines/schemas/orders.json --quiet"
	"$SD/mb-stream" orders 2> err & pid=$!
	wait_commit lake/quarantine/orders
	# still running: the commit was not the last one
	kill -0 "$pid"
	run bash -c 'mb-cat lake/quarantine/orders | head -n 1'
	assert_output --partial '"_errors":[{'
	kill -TERM "$pid"
	rc=0
	timeout_wait "$pid" || rc=$?
	[ "$rc" = 0 ]
	run cat err
	assert_output ""
	b=$(mb-cat lake/bronze/orders | wc -l)
	s=$(mb-cat lake/silver/orders | wc -l)
	q=$(mb-cat lake/quarantine/orders | wc -l)
	# what tee saved, or one more record (see printed)
	n=$(grep -c . sent)
	[ "$b" = "$n" ] || [ "$b" = $((n + 1)) ]
	[ $((s + q)) = "$b" ]
}

@test "mb-stream: a quarantine that cannot be written stops the stream, status 1" {
	cd "$T"
	mkdir -p lake/quarantine
	echo 'not a dataset' > lake/quarantine/orders
	export MB_SOURCE="mb-gen -n 10000000 --rate 2000 --dirty 0.05"
	export MB_INGEST=-q MB_VALIDATE="--schema $ROOT/pipelines/schemas/orders.json --quiet"
	run timeout 20 "$SD/mb-stream" orders
	assert_failure 1
	assert_line --index 0 --partial "mb-write: lake/quarantine/orders"
	assert_line --partial "mb-stream: orders: "
}

@test "mb-stream: usage errors are status 2" {
	cd "$T"
	run "$SD/mb-stream"
	assert_failure 2
	assert_output "usage: mb-stream NAME"
	run env -u MB_SOURCE "$SD/mb-stream" orders
	assert_failure 2
	assert_output "mb-stream: orders: MB_SOURCE is not set (the consumer's command)"
	run env MB_SOURCE=true "$SD/mb-stream" ../x
	assert_failure 2
	assert_output "mb-stream: ../x: a stream's name cannot hold '/'"
	[ ! -e lake ]
}

@test "mb-stream: the example environment file runs as /etc/mb/orders.env would" {
	cd "$T"
	sed -e "s|/usr/local/share/mb/pipelines|$ROOT/pipelines|" \
	    -e 's|^MB_SOURCE=.*|MB_SOURCE="mb-gen -n 1000 --seed 5 --dirty 0.05"|' \
	    "$SD/orders.env.example" > orders.env
	run bash -c "set -a; . ./orders.env; set +a; '$SD/mb-stream' orders"
	assert_success
	# the same stages as one batch: silver holds each order id once
	(
		set -a; . ./orders.env; set +a
		mb-gen -n 1000 --seed 5 --dirty 0.05 | mb-ingest -q $MB_INGEST - |
			mb-validate $MB_VALIDATE --quarantine q.ndjson |
			mb-enrich $MB_ENRICH | mb-write -q $MB_SILVER batch
	)
	mb-cat lake/silver/orders | strip_time | sort > silver.got
	mb-cat batch | strip_time | sort > silver.want
	cmp silver.want silver.got
	run bash -c 'mb-cat lake/silver/orders | jq -r .order_id | sort | uniq -d'
	assert_output ""
	run bash -c 'mb-cat lake/bronze/orders | wc -l'
	assert_output 998
	run bash -c 'mb-cat lake/quarantine/orders | wc -l'
	assert_output "$(wc -l < q.ndjson)"
	[ -s q.ndjson ]
	# duplicates delivered again were merged away
	[ $(($(wc -l < silver.got) + $(wc -l < q.ndjson))) -lt 998 ]
	ls lake/bronze/orders | grep -q '^ingest_date='
	mb-cat lake/silver/orders | head -n 1 | grep -q '"_source":"mqtt:shop/orders"'
	ls lake/silver/orders | grep -q '^order_year=2025$'
}

# ---- mb-lake-maint and cron ----------------------------------------------

@test "mb-lake-maint: compacts and vacuums every dataset of the lake; a damaged one is named, status 1" {
	cd "$T"
	for i in 1 2 3; do
		mb-gen -n 100 --seed $i | mb-write lake/silver/orders
		mb-gen -n 50 --seed $i | mb-write -p region lake/gold/by_region
	done
	mb-cat lake/silver/orders > before.a
	mb-cat lake/gold/by_region > before.b
	run env MB_LAKE=lake MB_RETAIN=0s "$SD/mb-lake-maint"
	assert_success
	assert_output "mb-lake-maint: lake/gold/by_region: compacted and vacuumed
mb-lake-maint: lake/silver/orders: compacted and vacuumed
mb-lake-maint: 2 datasets"
	mb-cat lake/silver/orders | cmp - before.a
	mb-cat lake/gold/by_region | cmp - before.b
	# one file per partition, the superseded ones deleted
	run bash -c 'find lake/silver -name "*.zst" | wc -l'
	assert_output 1
	run bash -c 'find lake/gold -name "*.zst" | wc -l'
	assert_output 5
	echo garbage > lake/silver/orders/_mb_log/00000000000000000003.json
	run env MB_LAKE=lake "$SD/mb-lake-maint"
	assert_failure 1
	assert_line "mb-lake-maint: lake/gold/by_region: compacted and vacuumed"
	assert_line "mb-lake-maint: lake/silver/orders: failed"
	assert_line "mb-lake-maint: 2 datasets"
	run env MB_LAKE=nolake "$SD/mb-lake-maint"
	assert_failure 1
	assert_output "mb-lake-maint: nolake: not a folder"
}

@test "cron: the crontab's lines run what the timers' services run" {
	c="$SD/mb.crontab"
	# five time fields, the user, a command
	run bash -c "grep -v '^#' '$c' | grep -v '^[A-Z_]*=' | grep -v '^\$' | awk '{print (NF >= 7), \$6}'"
	assert_output "1 mb
1 mb"
	grep -q '^0 2 \* \* \* .*make -f /usr/local/share/mb/pipelines/retail.mk LAKE=/var/lib/mb/lake' "$c"
	grep -qx 'OnCalendar=\*-\*-\* 02:00:00' "$SD/mb-batch-retail.timer"
	grep -q '^30 3 \* \* \* .*MB_RETAIN=168h /usr/local/share/mb/pipelines/systemd/mb-lake-maint' "$c"
	grep -qx 'OnCalendar=\*-\*-\* 03:30:00' "$SD/mb-lake-maint.timer"
	grep -qx 'Environment=MB_LAKE=/var/lib/mb/lake MB_RETAIN=168h' "$SD/mb-lake-maint.service"
}
