#!/usr/bin/env bats
# Real brokers in front of the pipe, started on 127.0.0.1 from Debian's
# packages: mosquitto (MQTT, QoS 1, a persistent session) and nats-server
# (JetStream).  100,000 orders are published, the consumer is killed
# mid-stream and restarted, and silver holds each order once: at-least-once
# delivery and mb-write --merge-on make exactly-once data.

load helper

setup() {
	T="$BATS_TEST_TMPDIR"
	S="$T/silver"
	PY="$BATS_TEST_DIRNAME/brokers"
	mb-gen -n 100000 --seed 11 > "$T/orders.ndjson"
	cut -d'"' -f4 "$T/orders.ndjson" | sort > "$T/want"
}

teardown() {
	for f in "$T"/*.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
	done
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

records() {
	mb-lake stats "$S" 2>/dev/null | awk '$1 == "records" { print $2 }'
}

# wait_records N SECONDS: until silver holds at least N records.
wait_records() {
	local i
	for i in $(seq $(($2 * 10))); do
		[ "$(records)" -ge "$1" ] 2>/dev/null && return 0
		sleep 0.1
	done
	echo "silver holds $(records) records, not $1, after $2 s" >&2
	return 1
}

# wait_port PORT: until something listens on 127.0.0.1:PORT.
wait_port() {
	local i
	for i in $(seq 100); do
		python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# Silver holds each order once, all of them.
check_silver() {
	mb-cat "$S" | cut -d'"' -f4 | sort > "$T/got"
	run bash -c "uniq -d '$T/got' | head -n 3"
	assert_output ""
	run cmp "$T/want" "$T/got"
	assert_success
	run mb-lake verify "$S"
	assert_success
}

# mqtt_consumer CLIENT: the consumer pipeline in the background, its
# session persistent (client id silver); the client's pid in $T/sub.pid.
# CLIENT mosquitto_sub is Debian's, which acknowledges a message before it
# prints it; mqtt.py sub acknowledges once the line is written.
mqtt_consumer() {
	local cmd
	if [ "$1" = mosquitto_sub ]; then
		cmd="mosquitto_sub -h 127.0.0.1 -p $PORT -t shop/orders -q 1 -c -i silver"
	else
		cmd="python3 $PY/mqtt.py sub 127.0.0.1 $PORT shop/orders silver"
	fi
	sh -c 'echo $$ > "$1"; shift; exec $*' sh "$T/sub.pid" "$cmd" 2>>"$T/sub.err" \
		| mb-ingest --source mqtt:shop/orders - \
		| mb-write -q --merge-on order_id -i 0.2 "$S" 3>&- &
	PIPE=$!
}

@test "MQTT (mosquitto, QoS 1, persistent session): the consumer stopped, then killed with -9, mid-stream and restarted: silver holds each of 100,000 orders once" {
	PORT=$(free_port)
	printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n' "$PORT" > "$T/mosquitto.conf"
	mosquitto -c "$T/mosquitto.conf" > "$T/mosquitto.log" 2>&1 3>&- &
	echo $! > "$T/broker.pid"
	wait_port "$PORT"
	# the session exists before anything is published
	mosquitto_sub -h 127.0.0.1 -p "$PORT" -t shop/orders -q 1 -c -i silver -E
	# published over ~5 s, so that both stops come mid-stream
	python3 "$PY/mqtt.py" pub 127.0.0.1 "$PORT" shop/orders 20000 < "$T/orders.ndjson" 2>"$T/pub.err" 3>&- &
	PUB=$!
	# mosquitto_sub, stopped (SIGTERM): what it printed is committed at
	# the end of the pipe, the rest waits in the session
	mqtt_consumer mosquitto_sub
	wait_records 20000 120
	kill "$(cat "$T/sub.pid")"
	wait "$PIPE"
	n=$(records)
	[ "$n" -ge 20000 ] && [ "$n" -lt 100000 ]
	# a consumer that acknowledges after printing, killed with -9
	mqtt_consumer mqtt.py
	wait_records $((n + 20000)) 120
	kill -9 "$(cat "$T/sub.pid")"
	wait "$PIPE" || true
	[ "$(records)" -lt 100000 ]
	mqtt_consumer mqtt.py
	wait "$PUB"
	run cat "$T/pub.err"
	assert_output "mqtt.py pub: 100000 messages acknowledged"
	wait_records 100000 120
	kill "$(cat "$T/sub.pid")"
	wait "$PIPE" || true
	[ "$(records)" = 100000 ]
	check_silver
	run bash -c "mb-cat '$S' | grep -c '\"_source\":\"mqtt:shop/orders\"'"
	assert_output 100000
}

# nats_consumer IDLE: the consumer pipeline from the sequence after the
# last one silver holds (offsets kept with the data, not in the broker);
# the client's pid in $T/sub.pid, mb-write's in $T/write.pid.
nats_consumer() {
	local start
	start=$(mb-cat "$S" 2>/dev/null | mb-agg --max 'o=_offset' | cut -d: -f2 | tr -d '}')
	start=$(( ${start:-0} + 1 ))
	echo "$start" >> "$T/starts"
	sh -c 'echo $$ > "$1"; shift; exec python3 "$@"' sh "$T/sub.pid" \
		"$PY/nats-js.py" sub 127.0.0.1 "$PORT" ORDERS "$start" $1 2>>"$T/sub.err" \
		| mb-ingest --source nats:ORDERS --offsets - \
		| sh -c 'echo $$ > "$1"; shift; exec "$@"' sh "$T/write.pid" \
			mb-write -q --merge-on order_id --when-matched ignore -n 5000 -i 0.2 "$S" 3>&- &
	PIPE=$!
}

@test "NATS JetStream: the writer and then the consumer killed with -9 mid-stream, restarts from the offsets in silver, a publisher's retries merged: each of 100,000 orders once" {
	PORT=$(free_port)
	nats-server -js -a 127.0.0.1 -p "$PORT" -sd "$T/js" > "$T/nats.log" 2>&1 3>&- &
	echo $! > "$T/broker.pid"
	wait_port "$PORT"
	# a publisher that retried its first 1000 messages: 101,000 in the stream
	cat "$T/orders.ndjson" > "$T/published"
	head -n 1000 "$T/orders.ndjson" >> "$T/published"
	run python3 "$PY/nats-js.py" pub 127.0.0.1 "$PORT" ORDERS orders < "$T/published"
	assert_success
	assert_output "nats-js: 101000 messages acknowledged"
	nats_consumer
	wait_records 20000 120
	kill -9 "$(cat "$T/write.pid")"
	wait "$PIPE" || true
	n=$(records)
	[ "$n" -ge 20000 ] && [ "$n" -lt 100000 ]
	nats_consumer
	wait_records $((n + 20000)) 120
	kill -9 "$(cat "$T/sub.pid")"
	wait "$PIPE" || true
	[ "$(records)" -lt 100000 ]
	nats_consumer 2
	wait "$PIPE"
	[ "$(records)" = 100000 ]
	check_silver
	# each run started where the committed data ends
	[ "$(wc -l < "$T/starts")" = 3 ]
	[ "$(head -n 1 "$T/starts")" = 1 ]
	# sequences 1..100000 once each: --when-matched ignore kept the first
	# delivery of each order, the retries were skipped
	run bash -c "mb-cat '$S' | mb-agg --count n --min lo=_offset --max hi=_offset --distinct d=_offset"
	assert_output '{"n":100000,"lo":1,"hi":100000,"d":100000}'
}
