#!/usr/bin/env bats
# Exactly-once by idempotence: a stream of orders through bronze, silver
# (and its quarantine) and gold, each stage killed with -9 at random moments
# and restarted, ends byte for byte (after sorting) where a batch run over
# the same input ends.  Each group of stages starts again from the offset
# its own output has committed (min over its outputs), and mb-write
# --merge-on _source,_offset makes whatever is delivered twice land once.
#
# 500,000 orders; 100,000 under the ASan build (make test runs the suite
# with both), to keep the suite within CI's time.

load helper

setup() {
	T="$BATS_TEST_TMPDIR"
	L="$T/lake"
	PY="$BATS_TEST_DIRNAME/brokers"
	SCHEMA="$BATS_TEST_DIRNAME/../pipelines/schemas/orders.json"
	case "${MB_BIN:-}" in *asan*) N=100000 ;; *) N=500000 ;; esac
	# the broker's log: SEQ, tab, message; 2% of the messages damaged
	mb-gen -n "$N" --dirty 0.02 --seed 12 \
		| python3 -c 'import sys
for i, l in enumerate(sys.stdin.buffer, 1):
    sys.stdout.buffer.write(b"%d\t%s" % (i, l))' > "$T/log"
}

teardown() {
	[ -f "$T/loops" ] && for p in $(cat "$T/loops"); do kill "$p" 2>/dev/null || true; done
	true
}

VALIDATE() {
	mb-validate --schema "$SCHEMA" \
		--check 'amount_matches: abs(amount - quantity * unit_price) <= 0.01' \
		--quarantine "$1" --quiet
}
ENRICH() {
	mb-enrich --date-parts order_ts:order --set 'is_high_value_order = amount > 500' --quiet
}
GOLD_MONTHLY() {
	mb-agg --by order_year,order_month --count total_orders --sum total_revenue=amount \
		--rate 'return_rate_pct = status == "returned"' \
		--rate 'cancellation_rate_pct = status == "cancelled"' --pct
}
GOLD_CATEGORY() {
	mb-agg --by category,store_id --sum units=quantity --sum revenue=amount
}

# max_offset DIR: the highest _offset committed in DIR, 0 when none.
max_offset() {
	local o
	o=$(mb-cat -q "$1" 2>/dev/null | mb-agg --max o=_offset | tr -dc 0-9)
	echo "${o:-0}"
}
records() {
	local r
	r=$(mb-lake stats "$1" 2>/dev/null | awk '$1 == "records" { print $2 }')
	echo "${r:-0}"
}

# Bronze: the broker's messages from the one after the last committed.
bronze_run() {
	set -o pipefail
	local s
	s=$(($(max_offset "$L/bronze") + 1))
	python3 "$PY/log-replay.py" "$T/log" "$s" $((N / 100)) 0.1 \
		| mb-ingest -q --source orders --offsets - \
		| mb-write -q --merge-on _source,_offset --when-matched ignore -i 0.3 "$L/bronze"
}
bronze_loop() {
	until bronze_run; do echo "bronze: restart" >> "$T/events"; sleep 0.1; done
	touch "$T/bronze.done"
}

# Silver and quarantine: bronze followed from the offset both have.
silver_run() {
	set -o pipefail
	local s q n qw r
	s=$(max_offset "$L/silver")
	q=$(max_offset "$L/quarantine")
	n=$((s < q ? s : q))
	rm -f "$T/qf"
	mkfifo "$T/qf"
	mb-write -q --merge-on _source,_offset --when-matched ignore -i 0.3 \
		"$L/quarantine" < "$T/qf" &
	qw=$!
	exec 8>"$T/qf"
	mb-cat -q --follow "$L/bronze" \
		| mb-enrich --quiet --where "_offset > $n" --unmatched /dev/null \
		| VALIDATE "$T/qf" | ENRICH \
		| mb-write -q --merge-on _source,_offset --when-matched ignore -i 0.3 \
			-p order_year,order_month "$L/silver"
	r=$?
	exec 8>&-
	wait "$qw" || r=1
	return "$r"
}
silver_loop() {
	until [ -f "$T/silver.stop" ]; do
		silver_run || { echo "silver: restart" >> "$T/events"; sleep 0.1; }
	done
}

# Gold: recomputed whole from each new silver version, written only
# when its input was read whole.
gold_once() {
	set -o pipefail
	mb-cat -q "$L/silver" | GOLD_MONTHLY > "$T/g1" &&
	mb-write -q -m overwrite "$L/gold/monthly_revenue" < "$T/g1" &&
	mb-cat -q "$L/silver" | GOLD_CATEGORY > "$T/g2" &&
	mb-write -q -m overwrite "$L/gold/category_store" < "$T/g2"
}
gold_loop() {
	local last="" v
	until [ -f "$T/gold.stop" ]; do
		v=$(mb-lake stats "$L/silver" 2>/dev/null | awk '$1 == "version" { print $2 }')
		if [ -n "$v" ] && [ "$v" != "$last" ]; then
			if gold_once; then last=$v; else echo "gold: restart" >> "$T/events"; fi
		fi
		sleep 0.2
	done
	until gold_once; do :; done
}

# stages [LOOP...]: the processes of the stages now running under those
# loops (all three by default), not the loops' shells.
stages() {
	local roots="${*:-$(cat "$T/loops")}"
	ps -e -o pid=,ppid=,comm= | awk -v roots="$roots" '
		BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) in_tree[r[i]] = 1 }
		{ pid[NR] = $1; ppid[NR] = $2; comm[NR] = $3 }
		END {
			do { grew = 0
				for (i = 1; i <= NR; i++)
					if (!(pid[i] in in_tree) && (ppid[i] in in_tree)) { in_tree[pid[i]] = 1; grew = 1 }
			} while (grew)
			for (i = 1; i <= NR; i++)
				if ((pid[i] in in_tree) && comm[i] ~ /^(mb-|python3)/ && comm[i] != "mb-lake") print pid[i], comm[i]
		}'
}

@test "exactly once: bronze, silver, quarantine and gold killed with -9 at 10 random moments end as a batch run does" {
	mkdir -p "$L"
	bronze_loop 3>&- &
	echo $! > "$T/loops"
	silver_loop 3>&- &
	echo $! >> "$T/loops"
	gold_loop 3>&- &
	echo $! >> "$T/loops"
	echo "$(tr '\n' ' ' < "$T/loops")" > "$T/loops"
	read -r -a loop < "$T/loops"
	# 10 moments 0.2 to 1.5 s apart, over the ~10 s of the stream; bronze,
	# silver and gold in turn (the others once bronze is done), a random
	# stage of the group each time
	RANDOM=12
	for k in $(seq 10); do
		sleep "$((RANDOM % 14 / 10 + 0)).$((RANDOM % 10))"
		mapfile -t live < <(stages "${loop[k % 3]}")
		[ "${#live[@]}" -gt 0 ] || mapfile -t live < <(stages)
		[ "${#live[@]}" -gt 0 ] || { sleep 0.2; mapfile -t live < <(stages); }
		victim=${live[RANDOM % ${#live[@]}]}
		echo "kill $k: ${victim#* } (after $(records "$L/bronze") bronze, $(records "$L/silver") silver records)" >> "$T/events"
		kill -9 "${victim%% *}" 2>/dev/null || true
	done
	# the stream runs to its end
	for i in $(seq 3000); do [ -f "$T/bronze.done" ] && break; sleep 0.1; done
	[ -f "$T/bronze.done" ]
	b=$(records "$L/bronze")
	for i in $(seq 3000); do
		[ $(($(records "$L/silver") + $(records "$L/quarantine"))) = "$b" ] && break
		sleep 0.1
	done
	touch "$T/silver.stop" "$T/gold.stop"
	for p in $(stages | awk '$2 == "mb-cat" { print $1 }'); do kill "$p" 2>/dev/null || true; done
	wait
	sed 's/^/# /' "$T/events" >&3 2>/dev/null || true

	# the same input as one batch
	mb-ingest -q --source orders --offsets "$T/log" > "$T/bronze.b"
	VALIDATE "$T/quarantine.b" < "$T/bronze.b" | ENRICH > "$T/silver.b"
	GOLD_MONTHLY < "$T/silver.b" | sort > "$T/monthly.b"
	GOLD_CATEGORY < "$T/silver.b" | sort > "$T/category.b"

	[ "$(grep -c '^kill' "$T/events")" = 10 ]
	[ "$(records "$L/bronze")" = "$(wc -l < "$T/bronze.b")" ]
	mb-cat "$L/silver" | strip_time | sort > "$T/silver.s"
	strip_time < "$T/silver.b" | sort > "$T/silver.bs"
	run cmp "$T/silver.s" "$T/silver.bs"
	assert_success
	mb-cat "$L/quarantine" | strip_time | sort > "$T/quarantine.s"
	strip_time < "$T/quarantine.b" | sort > "$T/quarantine.bs"
	run cmp "$T/quarantine.s" "$T/quarantine.bs"
	assert_success
	# each bad line once, and there are bad lines of every kind
	run bash -c "mb-cat '$L/quarantine' | mb-agg --count n --distinct d=_offset"
	assert_output "{\"n\":$(wc -l < "$T/quarantine.b"),\"d\":$(wc -l < "$T/quarantine.b")}"
	[ "$(wc -l < "$T/quarantine.b")" -gt $((N / 100)) ]
	run bash -c "mb-cat '$L/gold/monthly_revenue' | sort | cmp - '$T/monthly.b'"
	assert_success
	run bash -c "mb-cat '$L/gold/category_store' | sort | cmp - '$T/category.b'"
	assert_success
	for d in bronze silver quarantine gold/monthly_revenue gold/category_store; do
		run mb-lake verify "$L/$d"
		assert_success
	done
}
