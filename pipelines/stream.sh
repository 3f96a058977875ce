#!/bin/sh
# pipelines/stream.sh: the live medallion of stream.mk, from a paced source
# to a dashboard that follows it.
#
#   stream.sh start          start every stage in the background
#   stream.sh stop           end it cleanly: the source first, then each
#                            stage once it has read everything (final
#                            commits made); no process is left behind
#   stream.sh status         each process, and the records of each layer
#   stream.sh restart STAGE  stop one stage and start it again
#
# The stages, each a pipeline of mb tools whose processes have pid files
# in $LAKE/_state/pid and whose messages go to $LAKE/_state/log:
#
#   live      the source | mb-ingest | mb-write --tee bronze | mb-validate
#             | mb-enrich | mb-write --tee silver | mb-agg by region, 1-minute
#             windows, an update every second | mb-write --merge-on gold
#             (window_end dropped: the dashboard draws a line per region)
#             (records pass from layer to layer through the tees, so each
#             layer sees a record milliseconds after the source made it)
#   quarantine  what mb-validate sets aside, through a FIFO, as a dataset
#   category  mb-cat --follow --checkpoint silver | mb-agg by category |
#             mb-write --merge-on gold: a stage that reads a dataset, so it
#             can be stopped and restarted on its own and goes on where it was
#   dash      mb-dash --watch over the gold datasets
#
# Parameters come from the environment (stream.mk passes its variables):
# LAKE, RATE, SEED, DIRTY, COMMIT (seconds between commits), EVERY (mb-agg
# --every), REFRESH (the page's reload), and SOURCE, a command that prints
# the orders instead of mb-gen (the tests use it to send bursts or skewed
# clocks).
set -eu
LAKE=${LAKE:-lake-live}
RATE=${RATE:-10000}
SEED=${SEED:-42}
DIRTY=${DIRTY:-0.01}
COMMIT=${COMMIT:-1}
EVERY=${EVERY:-1s}
REFRESH=${REFRESH:-2}
SOURCE=${SOURCE:-mb-gen --rate $RATE --stamp --seed $SEED --dirty $DIRTY}
HERE=$(cd "$(dirname "$0")" && pwd)
S=$LAKE/_state
P=$S/pid
STAGES="quarantine live category dash"

say() { printf 'stream: %s\n' "$*"; }
die() { printf 'stream: %s\n' "$*" >&2; exit 1; }
alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
records() { mb-lake stats "$1" 2>/dev/null | sed -n 's/^records *//p'; }
version() { mb-lake stats "$1" 2>/dev/null | sed -n 's/^version *//p'; }
# the version in an mb-cat checkpoint, or -1
ckpt() {
	sed -n 's/.*"version":\([0-9]*\).*/\1/p' "$1" 2>/dev/null | grep . ||
	    echo -1
}

# run NAME CMD...: CMD with its pid in $P/NAME and its stderr in the log
run() {
	n=$1
	shift
	sh -c 'echo $$ > "$0"; exec "$@"' "$P/$n" "$@" 2>> "$S/log/$n.log"
}

# The stages themselves, each in the foreground of its own process.
stage_live() {
	run gen sh -c "exec $SOURCE" |
	run ingest mb-ingest --quiet - |
	run bronze mb-write -q --tee -i "$COMMIT" "$LAKE/bronze/orders" |
	run validate mb-validate --schema "$HERE/schemas/orders.json" \
	    --check 'amount_matches: abs(amount - quantity * unit_price) <= 0.01' \
	    --not-future order_ts --quarantine "$S/quarantine.fifo" \
	    --report "$S/dq.json" --quiet |
	run enrich mb-enrich --date-parts order_ts:order \
	    --set 'is_high_value_order = amount > 500' \
	    --join "$LAKE/landing/products.csv" --on product_id \
	    --fields product_name,brand \
	    --join "$LAKE/landing/stores.csv" --on store_id \
	    --fields store_name,city |
	run silver mb-write -q --tee -i "$COMMIT" "$LAKE/silver/orders" |
	run agg mb-agg --time order_ts --window 1m --watermark 30s \
	    --late "$S/late.ndjson" --emit update --every "$EVERY" \
	    --by region --count orders --sum revenue=amount |
	run gtrim mb-enrich --drop window_end |
	run gold mb-write -q -i "$COMMIT" --merge-on window_start,region \
	    "$LAKE/gold/orders_per_minute"
}

stage_quarantine() {
	run quarantine mb-write -q -i "$COMMIT" "$LAKE/quarantine/orders" \
	    < "$S/quarantine.fifo"
}

stage_category() {
	run follow mb-cat --follow --checkpoint "$S/category.ckpt" \
	    "$LAKE/silver/orders" |
	run cagg mb-agg --time order_ts --window 1m --watermark 30s \
	    --late "$S/category-late.ndjson" --emit update --every "$EVERY" \
	    --by category --count orders --sum revenue=amount |
	run ctrim mb-enrich --drop window_end |
	run cgold mb-write -q -i "$COMMIT" --merge-on window_start,category \
	    "$LAKE/gold/category_per_minute"
}

stage_dash() {
	run dashboard mb-dash --watch --refresh "$REFRESH" -q \
	    -T 'Live orders' \
	    -t "orders_per_minute=$LAKE/gold/orders_per_minute" \
	    -t "category_per_minute=$LAKE/gold/category_per_minute" \
	    -o "$LAKE/dashboard.html"
}

# start_stage NAME: the stage in the background, in a session of its own
# (so a terminal's ^C or make's end does not reach it)
start_stage() {
	setsid sh "$0" _stage "$1" < /dev/null > /dev/null 2>> "$S/log/$1.log" &
	echo $! > "$P/stage-$1"
}

# wait_gone PIDFILE...: until none of their processes runs (60 s at most)
wait_gone() {
	i=0
	for f; do
		while alive "$f"; do
			i=$((i + 1))
			[ $i -lt 600 ] || return 1
			sleep 0.1
		done
	done
}

# stop_stage NAME [all]: ends a stage from its first process, so that what
# follows it reads to the end and commits; with all, a follower first
# reads every commit there is
stop_stage() {
	case $1 in
	live)	first=gen ;;
	category)
		v=$(version "$LAKE/silver/orders")
		i=0
		while [ "${2:-}" = all ] && alive "$P/follow" && [ -n "$v" ] &&
		    [ "$(ckpt "$S/category.ckpt")" -lt "$v" ] &&
		    [ $i -lt 600 ]; do
			i=$((i + 1))
			sleep 0.1
		done
		first=follow ;;
	quarantine) first=quarantine ;;
	dash)	first=dashboard ;;
	esac
	! alive "$P/$first" || kill -TERM "$(cat "$P/$first")"
	wait_gone "$P/stage-$1" || die "$1: still running after 60 s"
}

case ${1:-} in
_stage)
	"stage_$2" ;;
start)
	mkdir -p "$P" "$S/log" "$LAKE/landing"
	for st in $STAGES; do
		! alive "$P/stage-$st" || die "already running ($st); stop first"
	done
	for t in products stores; do
		[ -s "$LAKE/landing/$t.csv" ] ||
		    mb-gen --table $t > "$LAKE/landing/$t.csv"
	done
	rm -f "$S/quarantine.fifo" "$S"/log/*.log
	mkfifo "$S/quarantine.fifo"
	for st in $STAGES; do
		start_stage "$st"
	done
	say "running: $LAKE (stop: make -f pipelines/stream.mk stop)"
	say "dashboard: $LAKE/dashboard.html" ;;
stop)
	[ -d "$P" ] || die "not running ($P does not exist)"
	# the source first: each later stage ends at the end of its input
	for st in live quarantine category dash; do
		stop_stage "$st" all
	done
	left=
	for f in "$P"/*; do
		[ -e "$f" ] || continue
		! alive "$f" || left="$left $(basename "$f")"
	done
	[ -z "$left" ] || die "still running:$left"
	rm -rf "$P"
	# what the tools said (a shell's "Terminated" for a stopped stage aside)
	for f in "$S"/log/*.log; do
		[ -e "$f" ] || continue
		if grep -qv '^Terminated$' "$f"; then
			say "$(basename "$f" .log): $(grep -v '^Terminated$' "$f" |
			    tail -n 1) ($f)" >&2
		fi
	done
	for d in bronze/orders silver/orders quarantine/orders \
	    gold/orders_per_minute gold/category_per_minute; do
		printf '  %-26s %s records\n' "$d" "$(records "$LAKE/$d")"
	done
	say "stopped" ;;
status)
	for f in "$P"/*; do
		[ -e "$f" ] || continue
		if alive "$f"; then
			s=running
		else
			s=ended
		fi
		printf '  %-18s %8s %s\n' "$(basename "$f")" "$(cat "$f")" "$s"
	done
	for d in bronze/orders silver/orders quarantine/orders \
	    gold/orders_per_minute gold/category_per_minute; do
		printf '  %-26s %s records\n' "$d" "$(records "$LAKE/$d")"
	done ;;
restart)
	st=${2:-}
	case " $STAGES " in *" $st "*) ;; *) die "restart: no stage '$st'" ;; esac
	[ "$st" != quarantine ] || die "restart: quarantine goes with live"
	stop_stage "$st"
	if [ "$st" = live ]; then
		# the quarantine's writer ended with mb-validate
		stop_stage quarantine
		start_stage quarantine
	fi
	start_stage "$st"
	say "restarted $st" ;;
*)
	die "usage: stream.sh start|stop|status|restart STAGE" ;;
esac
