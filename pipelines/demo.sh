#!/bin/sh
# make demo: the two pipelines of this folder, from the landing zone to the
# dashboard.  retail.mk runs on 100,000 simulated orders (2% of them
# damaged), online_retail.mk on the real UCI Online Retail data.  Every
# gold table is printed with mb-table, the records of each layer are
# counted and must add up (or the demo fails), and the dashboards are
# written to demo-out/ (or $DEMO_OUT).  Run it again: what is up to date is
# not rebuilt.
set -eu
cd "$(dirname "$0")/.."
B=${B:-build}
case $B in /*) ;; *) B=$PWD/$B ;; esac
PATH="$B:$PATH"
export PATH
D=${DEMO_OUT:-demo-out}
N=${N:-100000}
mkdir -p "$D"
RETAIL="make -s --no-print-directory -f pipelines/retail.mk MB_BIN=$B
	LAKE=$D/lake ORDERS=$N SEED=42 DIRTY=0.02 DASHBOARD=$D/dashboard.html"
OL=$D/online-retail/landing
ONLINE="make -s --no-print-directory -f pipelines/online_retail.mk MB_BIN=$B
	LAKE=$D/online-retail LANDING=$OL DASHBOARD=$D/online-retail.html"

say() { printf '\n== %s\n' "$*"; }
fail() { echo "demo: $*" >&2; exit 1; }
records() { mb-lake stats "$1" | sed -n 's/^records *//p'; }

# build MAKE: what is out of date, or say that nothing is
build() {
	if $1 -q all 2> /dev/null; then
		echo "   up to date: nothing to rebuild"
	else
		rm -f "$D/make.failed"
		{ $1 -j2 all 2>&1 || touch "$D/make.failed"; } | sed 's/^/   /'
		[ ! -e "$D/make.failed" ] || fail "make failed"
	fi
}

# table DATASET [ROWS]: a gold table for a person, its first ROWS rows
table() {
	n=$(records "$1") rows=${2:-12}
	printf '\n   %s (%s rows)\n' "${1#$D/}" "$n"
	mb-cat "$1" | head -n "$rows" | mb-table --max-width 40 | sed 's/^/     /'
	[ "$n" -le "$rows" ] || echo "     ... $((n - rows)) more: mb-cat $1 | mb-table"
}

# layers LAKE DATASET...: records per dataset
layers() {
	l=$1
	shift
	for t; do
		printf '   %-44s %9s\n' "$t" "$(records "$l/$t")"
	done
}

say "1. retail.mk: $N simulated orders, 2% damaged: landing -> bronze -> silver -> gold"
build "$RETAIL"
L=$D/lake
sed 's/^/   /' "$L/_state/gen.txt"

say "2. the retail layers add up"
lines=$(grep -cv '^[[:space:]]*$' "$L/landing/orders.ndjson")
bronze=$(records "$L/bronze/orders")
raw=$(mb-cat "$L/bronze/orders" | grep -c '"_raw":' || true)
echo "   non-blank landing lines: $lines; bronze records: $bronze ($raw kept as _raw)"
[ "$lines" = "$bronze" ] || fail "bronze lost records"
R=$L/reports/dq.json
in=$(jq .records_in "$R") ok=$(jq .passed "$R") q=$(jq .quarantined "$R") dr=$(jq .dropped "$R")
silver=$(records "$L/silver/orders")
quar=$(records "$L/quarantine/orders")
echo "   bronze $in = silver $ok + quarantined $q + dropped $dr"
[ "$in" = "$bronze" ] && [ "$in" = $((ok + q + dr)) ] || fail "the retail layers do not add up"
[ "$ok" = "$silver" ] && [ "$q" = "$quar" ] || fail "a retail dataset does not hold what the report says"
jq -c '.statistics' "$R" | sed 's/^/   quality report: /'
echo "   quarantined, by rule (a record may break several):"
mb-cat "$L/quarantine/orders" | jq -r '._errors[].rule' | sort | uniq -c | sort -rn | sed 's/^/     /'
echo "   records per layer:"
layers "$L" bronze/orders silver/orders quarantine/orders gold/monthly_revenue \
    gold/daily_region gold/category_store gold/top_products gold/rfm \
    gold/rfm_segments gold/summaries

say "3. the retail gold tables (mb-cat $L/gold/TABLE | mb-table)"
table "$L/gold/monthly_revenue"
table "$L/gold/daily_region" 6
table "$L/gold/category_store" 6
table "$L/gold/top_products" 20
table "$L/gold/rfm" 6
table "$L/gold/rfm_segments"
echo
echo "   the summary, written offline from the gold tables (mb-summarize):"
mb-cat "$L/gold/summaries" | tail -n 1 | jq -r .summary | fold -s -w 76 | sed 's/^/     /'

say "4. online_retail.mk: the UCI Online Retail data, landing -> bronze -> silver -> gold"
# The landing zone gets the days up to 2011-12-08 first, then the last
# day lands, and only that day is ingested and only its month recomputed.
days=pipelines/data/uci-online-retail
last=2011-12-09.csv.zst
if [ ! -e "$OL/$last" ]; then
	mkdir -p "$OL"
	echo "   the landing zone $OL gets the files up to 2011-12-08"
	for f in "$days"/*.csv.zst; do
		[ "${f##*/}" = "$last" ] || [ -e "$OL/${f##*/}" ] || cp "$f" "$OL/"
	done
	build "$ONLINE"
	echo "   a new day lands: $last"
	cp "$days/$last" "$OL/"
fi
build "$ONLINE"
O=$D/online-retail

say "5. the Online Retail layers add up"
in=$(records "$O/bronze/online_retail")
silver=$(records "$O/silver/online_retail")
quar=$(records "$O/quarantine/online_retail")
echo "   bronze $in = silver $silver + quarantined $quar"
[ "$in" = 541909 ] || fail "bronze holds $in lines, not the 541909 of the data"
[ "$in" = $((silver + quar)) ] || fail "the Online Retail layers do not add up"
echo "   quarantined, by rule (a line may break several):"
mb-cat "$O/quarantine/online_retail" | jq -r '._errors[].rule' | sort | uniq -c | sort -rn | sed 's/^/     /'
echo "   kept in silver and flagged:"
mb-cat "$O/silver/online_retail" | mb-agg --count lines \
    --sum-if 'cancellations = is_cancellation : 1' \
    --sum-if 'without_customer = not has_customer : 1' \
    --sum-if 'not_products = not is_product : 1' | mb-table | sed 's/^/     /'
echo "   records per layer:"
layers "$O" bronze/online_retail silver/online_retail quarantine/online_retail \
    gold/monthly_net_revenue_by_country gold/cancellation_rate \
    gold/top_products gold/rfm gold/rfm_segments gold/summaries
echo "   silver's commits: the first run, then the new day's month:"
mb-lake log "$O/silver/online_retail" | head -n 3 | sed 's/^/     /'

say "6. the Online Retail gold tables"
table "$O/gold/monthly_net_revenue_by_country" 8
table "$O/gold/cancellation_rate" 13
table "$O/gold/top_products" 20
table "$O/gold/rfm" 6
echo
echo "   RFM segments of the $(records "$O/gold/rfm") customers with an id (gold/rfm_segments):"
mb-cat "$O/gold/rfm_segments" | mb-table | sed 's/^/     /'
echo
echo "   the summary:"
mb-cat "$O/gold/summaries" | tail -n 1 | jq -r .summary | fold -s -w 76 | sed 's/^/     /'

say "7. dashboards"
echo "   $PWD/$D/dashboard.html        the retail pipeline"
echo "   $PWD/$D/online-retail.html    the Online Retail data"
echo "   open them in a browser; mb-dash --tty draws the same on a terminal"
printf '\ndemo: done; everything is in %s/\n' "$D"
