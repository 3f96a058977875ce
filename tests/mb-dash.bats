#!/usr/bin/env bats
# mb-dash: gold tables as one self-contained HTML page, or on a terminal.
# The fixtures in data/dash/ follow the gold-table contract (GOLD fields of
# monthly_revenue, daily_region, category_store, top_products,
# rfm_segments, mb-summarize's record), hold a real report of mb-validate,
# and the Online Retail pipeline's monthly_net_revenue_by_country and
# cancellation_rate; make-fixtures.py and make-retail-fixtures.py say how
# they were made.

load helper

setup() {
	D="$DATA/dash"
	OUT="$BATS_TEST_TMPDIR/dash.html"
	NOW=2026-01-01T06:00:00Z
}

# The whole demo dashboard, into $OUT.
dash_all() {
	mb-dash --now "$NOW" \
	    -t monthly_revenue="$D/monthly_revenue.ndjson" \
	    -t daily_region="$D/daily_region.ndjson.zst" \
	    -t category_store="$D/category_store.ndjson" \
	    -t top_products="$D/top_products.ndjson" \
	    -t rfm_segments="$D/rfm_segments.ndjson" \
	    -s "$D/summaries.ndjson" -d "$D/dq.json" -o "$OUT" "$@"
}

# browser PAGE: opens PAGE in headless Chromium with the checks of
# data/dash/check-head.js and check.js put into a copy of it (the copy's
# policy lets those two scripts run; the page itself has none), and prints
# what the checks wrote into the page.
browser() {
	local copy="$BATS_TEST_TMPDIR/checked.html" prof="$BATS_TEST_TMPDIR/profile"
	awk -v head="$D/check-head.js" -v tail="$D/check.js" '
	    { sub(/default-src '\''none'\'';/, "default-src '\''none'\''; script-src '\''unsafe-inline'\'';") }
	    /^<head>$/ { print; print "<script>"; while ((getline l < head) > 0) print l; print "</script>"; next }
	    /^<\/body>$/ { print "<script>"; while ((getline l < tail) > 0) print l; print "</script>" }
	    { print }' "$1" > "$copy"
	rm -rf "$prof"
	mkdir "$prof"
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic \
	    --no-first-run --disable-background-networking --disable-component-update \
	    --disable-sync --user-data-dir="$prof" --window-size=1400,2200 \
	    --dump-dom "file://$copy" 2>"$BATS_TEST_TMPDIR/chromium.err" |
	    sed -n '/<pre id="checks">/,/<\/pre>/p' |
	    sed 's/.*<pre id="checks">//; s/<\/pre>.*//'
}

@test "the gold tables: KPI tiles with their change, charts, tables, summary, data quality" {
	run dash_all
	assert_success
	assert_output ''
	# the cards, in the order of the page
	run bash -c "grep -o '<section class=\"card w[0-9]*\" id=\"[a-z0-9-]*\"' '$OUT' | sed 's/<section class=\"card //'"
	assert_output 'w8" id="revenue-trend"
w4" id="summary"
w6" id="by-category"
w6" id="by-store"
w6" id="top-1"
w6" id="top-2"
w12" id="daily-region"
w6" id="rfm"
w6" id="rates"
w12" id="dq"'
	run grep -o '<div class="kpi" data-kpi="Revenue">.*</span></div><svg' "$OUT"
	assert_output '<div class="kpi" data-kpi="Revenue"><div class="k">Revenue<span>Dec 2025</span></div><div class="v" title="3,098,967.59">3.1M</div><div class="d good">▲ +17.8% <span>vs Nov 2025 (2.63M)</span></div><svg'
	run grep -o '<div class="d[a-z ]*">[^/]*</span></div>' "$OUT"
	assert_output '<div class="d good">▲ +17.8% <span>vs Nov 2025 (2.63M)</span></div>
<div class="d good">▲ +30.0% <span>vs Nov 2025 (10,695)</span></div>
<div class="d bad">▼ −9.4% <span>vs Nov 2025 (246.07)</span></div>
<div class="d bad">▲ +0.6 pt <span>vs Nov 2025 (5.55%)</span></div>
<div class="d good">▼ −0.4 pt <span>vs Nov 2025 (4.96%)</span></div>'
	# the last point of the revenue line is labelled
	run grep -o '<text class="lastlbl t0"[^>]*>[^<]*</text>' "$OUT"
	assert_output --partial '>3.1M</text>'
	# sales by category: the top bar with its value on hover
	run grep -o '<rect class="bar f0" data-v="9085323.84"[^>]*><title>[^<]*</title>' "$OUT"
	assert_output '<rect class="bar f0" data-v="9085323.84" x="78.5" y="7.5" width="457.7" height="14"><title>Electronics: 9,085,323.84</title>'
	run grep -o '<rect class="bar other"[^>]*><title>[^<]*</title>' "$OUT"
	assert_output '<rect class="bar other" data-v="15046686.84" x="107.9" y="322.5" width="480.3" height="14"><title>Other (35 more): 15,046,686.84</title>'
	run grep -o '<tr><td class="rank">1</td>.*' "$OUT"
	assert_output '<tr><td class="rank">1</td><td class="cut" title="Mini Kettle 575">Mini Kettle 575 <span class="id">P00004</span></td><td class="barcell"><span class="inbar" style="width:100.0%"></span></td><td class="num">1,740</td><td class="num">704,160.60</td></tr>
<tr><td class="rank">1</td><td class="cut" title="Vintage Jacket 803">Vintage Jacket 803 <span class="id">P00001</span></td><td class="barcell"><span class="inbar" style="width:100.0%"></span></td><td class="num">11,388</td><td class="num">69,352.92</td></tr>'
	# the newest summary, with its source
	run grep -o 'Source<span.*' "$OUT"
	assert_output 'Source<span class="badge" data-source="model">model · llama3.1</span></p>'
	run grep -c 'Revenue in December 2025 was 3.1M, up 17.8% on November' "$OUT"
	assert_output 1
	run grep -o '<div class="flow">.*</div>' "$OUT"
	assert_output '<div class="flow"><div><b>99,848</b>records read (bronze)</div><div><b>97,940</b>passed to silver · 98.09%</div><div><b>1,908</b>quarantined · 1.91%</div></div>'
	run grep -o '<tr><td>[a-z_]*</td><td class="cut">[^<]*</td><td class="num">[0-9,]*</td>' "$OUT"
	assert_output '<tr><td>schema</td><td class="cut">quantity</td><td class="num">353</td>
<tr><td>not_future</td><td class="cut">order_ts</td><td class="num">280</td>
<tr><td>parse</td><td class="cut">–</td><td class="num">277</td>
<tr><td>amount_matches</td><td class="cut">abs(amount - quantity * unit_price) &lt;= 0.01</td><td class="num">272</td>
<tr><td>schema</td><td class="cut">amount</td><td class="num">226</td>
<tr><td>schema</td><td class="cut">order_ts</td><td class="num">177</td>
<tr><td>schema</td><td class="cut">status</td><td class="num">171</td>
<tr><td>schema</td><td class="cut">region</td><td class="num">160</td>
<tr><td>unique</td><td class="cut">order_id</td><td class="num">145</td>
<tr><td>schema</td><td class="cut">unit_price</td><td class="num">71</td>'
	run sed -n '/^<footer>/,/^<\/footer>/p' "$OUT"
	assert_output --regexp '^<footer>Made by mb-dash [0-9.]+ at 2026-01-01 06:00 UTC from:
<ul>
<li>monthly_revenue: .*/dash/monthly_revenue.ndjson \(file of [0-9T:.Z-]+; 12 records\)</li>
<li>daily_region: .*/dash/daily_region.ndjson.zst \(file of [0-9T:.Z-]+; 1825 records\)</li>
<li>category_store: .*/dash/category_store.ndjson \(file of [0-9T:.Z-]+; 400 records\)</li>
<li>top_products: .*/dash/top_products.ndjson \(file of [0-9T:.Z-]+; 20 records\)</li>
<li>rfm_segments: .*/dash/rfm_segments.ndjson \(file of [0-9T:.Z-]+; 10 records\)</li>
<li>summary: .*/dash/summaries.ndjson \(file of [0-9T:.Z-]+; 2 records\)</li>
<li>data quality: .*/dash/dq.json \(file of [0-9T:.Z-]+; 1 record\)</li>
</ul>
</footer>$'
}

@test "the page is one file: no script, no request of any kind when opened" {
	dash_all
	run grep -c -i -E 'https?:|src=|href=|@import|url\(|<script|<link|<img|<iframe' "$OUT"
	assert_output 0
	run grep -c "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">" "$OUT"
	assert_output 1
	# dark mode and a colour-blind-safe palette (Okabe-Ito)
	run grep -c '@media (prefers-color-scheme:dark)' "$OUT"
	assert_output 1
	run grep -o -- '--c0:#0072b2;--c1:#e69f00;--c2:#009e73;--c3:#cc79a7' "$OUT"
	assert_output -- '--c0:#0072b2;--c1:#e69f00;--c2:#009e73;--c3:#cc79a7'
	run bash -c "wc -c < '$OUT'"
	(( output < 200000 ))
}

@test "in a real browser: no errors, nothing fetched, charts drawn with the data's values; a screenshot" {
	dash_all
	run browser "$OUT"
	assert_output 'ok no errors, no blocked requests
ok nothing fetched
ok no external element
ok no horizontal scrolling
ok every chart has a size
ok every line is drawn
ok bar lengths in proportion
ok no overlapping labels
fact kpi Revenue: 3.1M ▲ +17.8% vs Nov 2025 (2.63M)
fact kpi Orders: 13,902 ▲ +30.0% vs Nov 2025 (10,695)
fact kpi Avg order value: 222.92 ▼ −9.4% vs Nov 2025 (246.07)
fact kpi Return rate: 6.19% ▲ +0.6 pt vs Nov 2025 (5.55%)
fact kpi Cancellation rate: 4.52% ▼ −0.4 pt vs Nov 2025 (4.96%)
fact top category: Electronics: 9,085,323.84
fact top category bar: 452 px of 452 px expected from the second bar
fact product 1: Mini Kettle 575
fact product 2: Vintage Puzzle 969
fact summary: Revenue in December 2025 was 3.1M, up 17
fact cards: 10
fact scripts: 2'
	# the screenshot is kept beside the build as a test artifact
	art="${MB_BIN:-$BATS_TEST_DIRNAME/../build}/artifacts"
	mkdir -p "$art"
	rm -f "$art/dashboard.png"
	rm -rf "$BATS_TEST_TMPDIR/profile" && mkdir "$BATS_TEST_TMPDIR/profile"
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic \
	    --no-first-run --disable-background-networking --disable-component-update \
	    --disable-sync --user-data-dir="$BATS_TEST_TMPDIR/profile" --hide-scrollbars \
	    --window-size=1400,2200 --screenshot="$art/dashboard.png" "file://$OUT" \
	    2>"$BATS_TEST_TMPDIR/chromium.err"
	# a PNG of 1400 x 2200 pixels
	run bash -c "od -An -tx1 -j12 -N12 '$art/dashboard.png' | tr -d ' \n'"
	assert_output 494844520000057800000898
}

@test "hostile names: <script> and \"><img onerror=...> are shown as text" {
	cat > "$BATS_TEST_TMPDIR/top.ndjson" <<'EOF'
{"rank_by":"revenue","rank":1,"product_id":"P1","product_name":"<script>alert(1)</script>","units":3,"revenue":30.00}
{"rank_by":"revenue","rank":2,"product_id":"P2\"><img src=x onerror=alert(2)>","product_name":"\"><img src=x onerror=alert(2)>","units":2,"revenue":20.00}
{"rank_by":"revenue","rank":3,"product_id":"P3","product_name":"Bell\u0007 & Whistle \u001b[31m","units":1,"revenue":10.00}
EOF
	run mb-dash --now "$NOW" -T '<b>"Sales"</b>' -t "<i>top</i>=$BATS_TEST_TMPDIR/top.ndjson" -o "$OUT"
	assert_success
	run grep -c -i -E '<script|<img|<b>|<i>|onerror=alert\(2\)>' "$OUT"
	assert_output 0
	run grep -o '<td class="cut"[^>]*>[^<]*' "$OUT"
	assert_output '<td class="cut" title="&lt;script&gt;alert(1)&lt;/script&gt;">&lt;script&gt;alert(1)&lt;/script&gt; 
<td class="cut" title="&quot;&gt;&lt;img src=x onerror=alert(2)&gt;">&quot;&gt;&lt;img src=x onerror=alert(2)&gt; 
<td class="cut" title="Bell� &amp; Whistle �[31m">Bell� &amp; Whistle �[31m '
	run grep -o '<title>[^<]*</title>\|<h1>[^<]*</h1>\|data-table="[^"]*"' "$OUT"
	assert_output '<title>&lt;b&gt;&quot;Sales&quot;&lt;/b&gt;</title>
<h1>&lt;b&gt;&quot;Sales&quot;&lt;/b&gt;</h1>
data-table="&lt;i&gt;top&lt;/i&gt;"'
	run browser "$OUT"
	assert_line 'ok no errors, no blocked requests'
	assert_line 'ok no external element'
	assert_line 'fact product 1: &lt;script&gt;alert(1)&lt;/script&gt;'
	assert_line 'fact product 2: "&gt;&lt;img src=x onerror=alert(2)&gt;'
	assert_line 'fact scripts: 2'
}

@test "--tty: KPIs, sparklines and bars in Unicode blocks, fitted to the width" {
	run env COLUMNS=72 mb-dash --tty --now "$NOW" \
	    -t monthly_revenue="$D/monthly_revenue.ndjson" \
	    -t rfm_segments="$D/rfm_segments.ndjson" -s "$D/summaries.ndjson" \
	    -d "$D/dq.json"
	assert_success
	assert_output - <<'EOF'
Sales dashboard  latest period Dec 2025, made 2026-01-01T06:00Z

Revenue                 Orders                  Avg order value
3.1M ▲ +17.8%           13,902 ▲ +30.0%         222.92 ▼ -9.4%
▂▁▃▃▃▃▃▃▃▃▆█            ▁▁▃▃▃▃▃▃▃▃▅█            ▄▂▁▃▅▃▅▄▃▄█▃

Return rate             Cancellation rate
6.19% ▲ +0.6pt          4.52% ▼ -0.4pt
▅█▅▃▃▆▄▁▄▃▁▅            █▄▁▆▇▆▆▇▄▇▅▂

By month  monthly_revenue
  revenue            ▂▁▃▃▃▃▃▃▃▃▆█  3.1M
  orders             ▁▁▃▃▃▃▃▃▃▃▅█  13.9K
  return rate        ▅█▅▃▃▆▄▁▄▃▁▅  6.2%
  cancellation rate  █▄▁▆▇▆▆▇▄▇▅▂  4.5%

Customer segments (RFM)  19,361 customers: share of customers, share of…
  Champions           ███████▌           13.2% ██████████████████ 31.4%
  Loyal Customers     ███████████▏       19.5% ████████████████▋  29.1%
  At Risk             ███████▌           13.2% ██████▍            11.2%
  Hibernating         ██████████████▏    24.7% █████▎             9.3%
  Potential Loyalists ███████▍           12.8% ████▊              8.2%
  Need Attention      ██▊                4.7%  ██▏                3.6%
  Can't Lose Them     █▎                 2.2%  █▉                 3.3%
  About to Sleep      ███▊               6.6%  █▋                 2.9%
  Promising           █▏                 1.9%  ▍                  0.6%
  New Customers       ▊                  1.3%  ▎                  0.4%

Summary  model, llama3.1
  Revenue in December 2025 was 3.1M, up 17.8% on November (2.6M), on
  13,902 orders (+30.0%). The return rate rose to 6.19% from 5.55%
  while cancellations fell to 4.52%. Champions are 13.2% of customers
  and bring 31.4% of revenue. Mini Kettle 575 was the best seller
  with 704K.

Data quality  1 of 17 expectations met
  99,848 read, 97,940 passed (98.09%), 1,908 quarantined (1.91%)
  schema quantity                                          353     0.35%
  not_future order_ts                                      280     0.28%
  parse                                                    277     0.28%
  amount_matches abs(amount - quantity * unit_price…       272     0.27%
  schema amount                                            226     0.23%
EOF
}

@test "--tty: colour only on a terminal, and never with NO_COLOR" {
	run bash -c "mb-dash --tty -t m='$D/monthly_revenue.ndjson' | grep -c $'\033'"
	assert_output 0
	# a terminal: script(1) of util-linux (Debian's essential bsdutils)
	run script -qec "mb-dash --tty -t m='$D/monthly_revenue.ndjson'" /dev/null
	assert_success
	assert_output --partial $'\033[1mSales dashboard\033[0m'
	assert_output --partial $'\033[32m ▲ +17.8%\033[0m'
	run script -qec "NO_COLOR=1 mb-dash --tty -t m='$D/monthly_revenue.ndjson'" /dev/null
	refute_output --partial $'\033['
	assert_output --partial 'Sales dashboard'
}

@test "--tty: names from the data cannot send control codes to the terminal" {
	printf '%s\n' '{"k":"a\u001b]0;pwned\u0007b","v":1}' '{"k":"\u001b[2J","v":2}' > "$BATS_TEST_TMPDIR/t.ndjson"
	run bash -c "COLUMNS=40 mb-dash --tty -t t='$BATS_TEST_TMPDIR/t.ndjson' | tail -n 2"
	assert_output '  �[2J         ██████████████████████ 2
  a�]0;pwned�b ███████████            1'
}

@test "inputs: a dataset's newest snapshot, a .zst file, standard input" {
	ds="$BATS_TEST_TMPDIR/lake/gold/monthly_revenue"
	head -n 6 "$D/monthly_revenue.ndjson" | mb-write "$ds"
	mb-write -m overwrite "$ds" < "$D/monthly_revenue.ndjson"
	run mb-dash --now "$NOW" -t monthly_revenue="$ds" -t daily="$D/daily_region.ndjson.zst" -o "$OUT"
	assert_success
	run grep -o '<li>monthly_revenue: [^<]*</li>' "$OUT"
	assert_output --regexp "^<li>monthly_revenue: $ds \(version 1, committed 20[0-9-]+T[0-9:.]+Z; 12 records\)</li>$"
	run grep -o 'data-kpi="Revenue">.*3.1M</div>' "$OUT"
	assert_output --partial '3.1M'
	run bash -c "grep -o '<h3>[A-Za-z]* <span>[^<]*</span></h3>' '$OUT'"
	assert_output '<h3>Central <span>4.42M in all</span></h3>
<h3>East <span>4.51M in all</span></h3>
<h3>North <span>4.58M in all</span></h3>
<h3>South <span>4.5M in all</span></h3>
<h3>West <span>4.33M in all</span></h3>'
	run bash -c "mb-dash --now '$NOW' -t monthly_revenue=- < '$D/monthly_revenue.ndjson' | grep -o '<li>.*</li>'"
	assert_output '<li>monthly_revenue: - (standard input; 12 records)</li>'
}

@test "an empty table, a table with no numeric field: the rest renders" {
	: > "$BATS_TEST_TMPDIR/empty.ndjson"
	printf '%s\n' '{"store_id":"S1","city":"Oslo","open":true}' '{"store_id":"S2","city":"Rome","open":null}' > "$BATS_TEST_TMPDIR/stores.ndjson"
	run mb-dash --now "$NOW" -t monthly_revenue="$BATS_TEST_TMPDIR/empty.ndjson" \
	    -t stores="$BATS_TEST_TMPDIR/stores.ndjson" -t rfm="$D/rfm_segments.ndjson" -o "$OUT"
	assert_success
	assert_output ''
	run bash -c "sed -n '/id=\"table-1\"/,/<\/section>/p' '$OUT'"
	assert_output '<section class="card w6" id="table-1" data-table="monthly_revenue" data-kind="table"><h2>monthly_revenue</h2>
<p class="sub">'"$BATS_TEST_TMPDIR"'/empty.ndjson</p>
<p class="warn">No records.</p>
</section>'
	run bash -c "sed -n '/id=\"table-2\"/,/<\/section>/p' '$OUT'"
	assert_output '<section class="card w6" id="table-2" data-table="stores" data-kind="table"><h2>stores</h2>
<p class="sub">2 rows, 3 fields</p>
<div class="tablewrap"><table><thead><tr><th>store_id</th><th>city</th><th>open</th></tr></thead><tbody>
<tr><td class="cut" title="S1">S1</td><td class="cut" title="Oslo">Oslo</td><td class="cut" title="true">true</td></tr>
<tr><td class="cut" title="S2">S2</td><td class="cut" title="Rome">Rome</td><td class="id">null</td></tr>
</tbody></table></div>
</section>'
	run grep -c 'id="rfm"' "$OUT"
	assert_output 1
	# nothing at all to draw is still a page
	run bash -c "mb-dash --now '$NOW' -t e='$BATS_TEST_TMPDIR/empty.ndjson' | grep -c 'No records.'"
	assert_output 1
}

@test "NaN, Infinity and 1e400 are left out with a note; lines that are not JSON are named" {
	cat > "$BATS_TEST_TMPDIR/cs.ndjson" <<'EOF'
{"category":"Toys","store_id":"S1","units":1,"revenue":"NaN"}
{"category":"Toys","store_id":"S2","units":1,"revenue":100.50}
{"category":"Books","store_id":"S1","units":1,"revenue":"Infinity"}
not json at all
{"category":"Books","store_id":"S2","units":1,"revenue":1e400}
{"category":"Home","store_id":"S1","units":1,"revenue":-20}
{"category":"Home","store_id":"S2","units":1,"revenue":NaN}
EOF
	run mb-dash --now "$NOW" -t category_store="$BATS_TEST_TMPDIR/cs.ndjson" -o "$OUT"
	assert_failure 1
	assert_output "mb-dash: $BATS_TEST_TMPDIR/cs.ndjson:4: not a JSON object: column 1: expected a JSON object ('{')
mb-dash: $BATS_TEST_TMPDIR/cs.ndjson:7: not a JSON object: column 56: unexpected 'N', expected a value"
	run bash -c "sed -n '/id=\"by-category\"/,/<svg/p' '$OUT' | grep -o '<p class=\"warn\">[^<]*</p>'"
	assert_output "<p class=\"warn\">2 lines of $BATS_TEST_TMPDIR/cs.ndjson were not JSON and are left out.</p>
<p class=\"warn\">3 values of revenue were not a finite number (such as NaN or Infinity) and are left out.</p>"
	run bash -c "sed -n '/id=\"by-category\"/,/<\/section>/p' '$OUT' | grep -o '<title>[^<]*</title>'"
	assert_output '<title>Toys: 100.50</title>
<title>Home: -20.00</title>'
}

@test "100,000 groups: the top 15 and one bar for the rest; the page stays small" {
	awk 'BEGIN { for (i = 1; i <= 100000; i++) printf "{\"category\":\"C%06d\",\"store_id\":\"S%06d\",\"units\":1,\"revenue\":%d.25}\n", i, i, i }' > "$BATS_TEST_TMPDIR/big.ndjson"
	run mb-dash --now "$NOW" -t cs="$BATS_TEST_TMPDIR/big.ndjson" -o "$OUT"
	assert_success
	run bash -c "sed -n '/id=\"by-category\"/,/<\/section>/p' '$OUT' | grep -o '<title>[^<]*</title>' | sed -n '1p;15,16p'"
	assert_output '<title>C100000: 100,000.25</title>
<title>C099986: 99,986.25</title>
<title>Other (99985 more): 4,998,575,101.25</title>'
	run bash -c "wc -c < '$OUT'"
	(( output < 2000000 ))
	run grep -c '<p class="sub">revenue of cs: the top 15 of 100000 categories, and the rest</p>' "$OUT"
	assert_output 1
}

@test "a summary that is missing, not JSON, or without text: the panel says so" {
	run mb-dash --now "$NOW" -t m="$D/monthly_revenue.ndjson" -s "$BATS_TEST_TMPDIR/nope.ndjson" -o "$OUT"
	assert_failure 1
	assert_output "mb-dash: $BATS_TEST_TMPDIR/nope.ndjson: No such file or directory"
	run grep -o '<div class="summary"><p class="warn">[^<]*</p>' "$OUT"
	assert_output "<div class=\"summary\"><p class=\"warn\">Could not read $BATS_TEST_TMPDIR/nope.ndjson: No such file or directory</p>"
	run grep -c 'id="revenue-trend"' "$OUT"
	assert_output 1
	echo '{"generated_at":"2026-01-01T00:00:00Z","source":"offline","summary":{"oops":1}}' > "$BATS_TEST_TMPDIR/s.ndjson"
	run mb-dash --now "$NOW" -t m="$D/monthly_revenue.ndjson" -s "$BATS_TEST_TMPDIR/s.ndjson" -o "$OUT"
	assert_success
	run grep -o '<div class="summary"><p class="warn">[^<]*</p>' "$OUT"
	assert_output "<div class=\"summary\"><p class=\"warn\">The newest record of $BATS_TEST_TMPDIR/s.ndjson has no summary text.</p>"
	echo 'Revenue went up.' > "$BATS_TEST_TMPDIR/s.ndjson"
	run mb-dash --now "$NOW" -t m="$D/monthly_revenue.ndjson" -s "$BATS_TEST_TMPDIR/s.ndjson" -o "$OUT"
	assert_failure 1
	assert_output "mb-dash: $BATS_TEST_TMPDIR/s.ndjson:1: not a JSON object: column 1: expected a JSON object ('{')"
	run grep -o '<div class="summary"><p class="warn">[^<]*</p>' "$OUT"
	assert_output "<div class=\"summary\"><p class=\"warn\">1 line of $BATS_TEST_TMPDIR/s.ndjson was not JSON and is left out.</p>"
	# a fallback is marked as one, and the rejected figures are listed
	echo '{"generated_at":"2026-01-01T00:00:00Z","source":"fallback","model":"m","summary":"Revenue was 3.1M.","rejected":["12%","4.5M"]}' > "$BATS_TEST_TMPDIR/s.ndjson"
	run mb-dash --now "$NOW" -s "$BATS_TEST_TMPDIR/s.ndjson" -o "$OUT"
	assert_success
	run grep -o 'data-source="fallback">fallback · m</span>\|<p class="warn">[^<]*</p>' "$OUT"
	assert_output 'data-source="fallback">fallback · m</span>
<p class="warn">Figures of the model that were not in the data: 12%, 4.5M</p>'
}

@test "a data-quality report that is missing, malformed or of another kind: the panel says so" {
	run mb-dash --now "$NOW" -t m="$D/monthly_revenue.ndjson" -d "$BATS_TEST_TMPDIR/dq.json" -o "$OUT"
	assert_failure 1
	assert_output "mb-dash: $BATS_TEST_TMPDIR/dq.json: No such file or directory"
	run grep -o '<section class="card w12" id="dq".*' "$OUT"
	assert_output "<section class=\"card w12\" id=\"dq\" data-table=\"data quality\" data-kind=\"table\"><h2>Data quality</h2>"
	run grep -c "<p class=\"warn\">Could not read $BATS_TEST_TMPDIR/dq.json: No such file or directory</p>" "$OUT"
	assert_output 1
	head -c 300 "$D/dq.json" > "$BATS_TEST_TMPDIR/dq.json"
	run mb-dash --now "$NOW" -t m="$D/monthly_revenue.ndjson" -d "$BATS_TEST_TMPDIR/dq.json" -o "$OUT"
	assert_failure 1
	assert_output --regexp "^mb-dash: $BATS_TEST_TMPDIR/dq.json: not a JSON object: column [0-9]+: "
	run grep -c 'id="revenue-trend"' "$OUT"
	assert_output 1
	echo '{"success":true}' > "$BATS_TEST_TMPDIR/dq.json"
	run mb-dash --now "$NOW" -d "$BATS_TEST_TMPDIR/dq.json" -o "$OUT"
	assert_success
	run grep -o '<p class="warn">[^<]*</p>' "$OUT"
	assert_output "<p class=\"warn\">$BATS_TEST_TMPDIR/dq.json is not a report of mb-validate (it has no records_in).</p>"
}

@test "other tables are laid out by their fields: a time gives lines, a category bars" {
	cat > "$BATS_TEST_TMPDIR/w.ndjson" <<'EOF'
{"window_start":"2025-07-01T10:00:00Z","region":"North","orders":3}
{"window_start":"2025-07-01T10:00:00Z","region":"South","orders":5}
{"window_start":"2025-07-01T11:00:00Z","region":"North","orders":4}
{"window_start":"2025-07-01T11:00:00Z","region":"South","orders":2}
EOF
	printf '%s\n' '{"country":"Norway","net_revenue":10.5}' '{"country":"Italy","net_revenue":20}' '{"country":"Norway","net_revenue":1}' > "$BATS_TEST_TMPDIR/c.ndjson"
	run mb-dash --now "$NOW" -t windows="$BATS_TEST_TMPDIR/w.ndjson" -t countries="$BATS_TEST_TMPDIR/c.ndjson" -o "$OUT"
	assert_success
	run grep -o '<p class="sub">[^<]*</p>\|<title>[^<]*</title>' "$OUT"
	assert_output '<title>Dashboard</title>
<p class="sub">made 2026-01-01 06:00 UTC</p>
<p class="sub">orders over time, 4 rows</p>
<title>North, 2025-07-01 10:00: 3</title>
<title>North, 2025-07-01 11:00: 4</title>
<title>South, 2025-07-01 10:00: 5</title>
<title>South, 2025-07-01 11:00: 2</title>
<p class="sub">net_revenue by country, 3 rows</p>
<title>Italy: 20.00</title>
<title>Norway: 11.50</title>'
	run grep -o '<text class="legend"[^>]*>[^<]*</text>' "$OUT"
	assert_output '<text class="legend" x="44.7" y="14">North</text>
<text class="legend" x="117" y="14">South</text>'
}

@test "--refresh reloads the page; -o replaces the file whole" {
	run dash_all --refresh 5 --title 'Shop'
	assert_success
	run grep -o '<meta http-equiv="refresh" content="5">\|reloads every 5 s\|<h1>Shop</h1>' "$OUT"
	assert_output '<meta http-equiv="refresh" content="5">
<h1>Shop</h1>
reloads every 5 s'
	ino=$(stat -c %i "$OUT")
	run dash_all
	assert_success
	[ "$(stat -c %i "$OUT")" != "$ino" ]
	run bash -c "ls -a '$BATS_TEST_TMPDIR' | grep -c dash.html"
	assert_output 1
	run grep -c 'http-equiv="refresh"' "$OUT"
	assert_output 0
	# a folder that cannot be written to
	run mb-dash -t m="$D/monthly_revenue.ndjson" -o "$BATS_TEST_TMPDIR/no/such/dir/x.html"
	assert_failure 1
	assert_output --partial "mb-dash: $BATS_TEST_TMPDIR/no/such/dir/"
}

@test "usage errors: status 2 with a reason" {
	run mb-dash --bogus
	assert_failure 2
	assert_line --index 0 "mb-dash: unrecognized option '--bogus'"
	assert_line --index 1 --partial 'usage: mb-dash'
	run mb-dash
	assert_failure 2
	assert_line --index 0 'mb-dash: nothing to draw: give --table, --summary or --dq'
	run mb-dash -t monthly
	assert_failure 2
	assert_output "mb-dash: --table: 'monthly' is not NAME=SOURCE"
	run mb-dash -t =x.ndjson
	assert_failure 2
	run mb-dash -t a=x -t a=y
	assert_failure 2
	assert_output "mb-dash: --table: 'a' is given twice"
	run mb-dash -t a=- -s -
	assert_failure 2
	assert_output 'mb-dash: standard input can be read only once: a and summary'
	run mb-dash -t a=- --watch -o x.html
	assert_failure 2
	assert_output "mb-dash: --watch cannot read standard input again; give a dataset or a file"
	run mb-dash -t a="$D/monthly_revenue.ndjson" --watch
	assert_failure 2
	assert_output 'mb-dash: --watch writes a file: give -o FILE (or --tty)'
	run mb-dash -t a="$D/monthly_revenue.ndjson" --refresh 0
	assert_failure 2
	run mb-dash -t a="$D/monthly_revenue.ndjson" --now yesterday
	assert_failure 2
	assert_output "mb-dash: --now: 'yesterday' is not a time"
	run mb-dash "$D/monthly_revenue.ndjson"
	assert_failure 2
	assert_line --index 0 "mb-dash: '$D/monthly_revenue.ndjson': inputs are given with --table, --summary and --dq"
}

@test "| head -n 1: status 0, nothing on stderr" {
	run bash -c "mb-dash -t m='$D/category_store.ndjson' -t d='$D/daily_region.ndjson.zst' 2>'$BATS_TEST_TMPDIR/err' | head -n 1; echo \"\${PIPESTATUS[0]}\""
	assert_output '<!DOCTYPE html>
0'
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output ''
}

# Waits up to 10 s for a file to hold a string.
wait_for() {
	for _ in $(seq 100); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

@test "--watch: a new commit is on the page within a second; SIGTERM ends it" {
	ds="$BATS_TEST_TMPDIR/lake/gold/monthly_revenue"
	head -n 11 "$D/monthly_revenue.ndjson" | mb-write "$ds"
	mb-dash --watch -t monthly_revenue="$ds" -o "$OUT" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	wait_for "$OUT" 'Latest period Nov 2025'
	t0=$(date +%s%N)
	tail -n 1 "$D/monthly_revenue.ndjson" | mb-write "$ds"
	wait_for "$OUT" 'Latest period Dec 2025'
	t1=$(date +%s%N)
	kill -TERM "$pid"
	wait "$pid"
	(( (t1 - t0) / 1000000 < 1500 ))
	run grep -o '<li>[^<]*</li>' "$OUT"
	assert_output --regexp "version 1, committed .*; 12 records\)</li>$"
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output ''
}

@test "--watch: a dataset that is being written is read commit by commit, never half" {
	ds="$BATS_TEST_TMPDIR/lake/live"
	echo '{"k":"a","v":10}' | mb-write "$ds"
	mb-dash --watch -t live="$ds" -o "$OUT" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	wait_for "$OUT" 'data-v="10"'
	# what the page says, sampled while the writer commits
	( while kill -0 "$pid" 2>/dev/null; do
		grep -o 'data-v="[0-9]*"' "$OUT" >> "$BATS_TEST_TMPDIR/seen"
		sleep 0.02
	done ) &
	sampler=$!
	# 30 commits of 10 records each, while the dashboard follows
	for i in $(seq 300); do echo '{"k":"a","v":1}'; sleep 0.005; done |
	    mb-write --commit-every 10 "$ds"
	wait_for "$OUT" 'data-v="310"'
	kill -TERM "$pid"
	wait "$pid"
	wait "$sampler"
	# every page held whole commits, and it followed them
	run bash -c "sort -u '$BATS_TEST_TMPDIR/seen' | grep -cv 'data-v=\"[0-9]*0\"'"
	assert_output 0
	run bash -c "sort -u '$BATS_TEST_TMPDIR/seen' | wc -l"
	(( output >= 3 ))
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output ''
}

@test "the Online Retail gold tables: net revenue, countries, cancellation rate" {
	run mb-dash --now "$NOW" -t net="$D/monthly_net_revenue_by_country.ndjson" \
	    -t cancels="$D/cancellation_rate.ndjson" -o "$OUT"
	assert_success
	run bash -c "grep -o '<section class=\"card w[0-9]*\" id=\"[a-z0-9-]*\"[^>]*><h2>[^<]*' '$OUT'"
	assert_output '<section class="card w12" id="revenue-trend" data-table="net" data-kind="monthly net revenue by country"><h2>Net revenue by month
<section class="card w12" id="by-country" data-table="net" data-kind="monthly net revenue by country"><h2>Net revenue by country
<section class="card w12" id="rates" data-table="cancels" data-kind="cancellation rate"><h2>Cancellation rate'
	run grep -o '<div class="kpi" data-kpi="[^"]*"><div class="k">[^<]*<span>[^<]*</span></div><div class="v"[^>]*>[^<]*</div><div class="d[^"]*">[^/]*</span></div>' "$OUT"
	assert_output '<div class="kpi" data-kpi="Net revenue"><div class="k">Net revenue<span>Dec 2011</span></div><div class="v" title="433,668.01">434K</div><div class="d bad">▼ −70.3% <span>vs Nov 2011 (1.46M)</span></div>
<div class="kpi" data-kpi="Invoices"><div class="k">Invoices<span>Dec 2011</span></div><div class="v" title="1,015">1,015</div><div class="d bad">▼ −70.7% <span>vs Nov 2011 (3,462)</span></div>
<div class="kpi" data-kpi="Avg invoice value"><div class="k">Avg invoice value<span>Dec 2011</span></div><div class="v" title="427.26">427.26</div><div class="d good">▲ +1.2% <span>vs Nov 2011 (422.23)</span></div>
<div class="kpi" data-kpi="Cancellation rate"><div class="k">Cancellation rate<span>Dec 2011</span></div><div class="v" title="14.38%">14.38%</div><div class="d bad">▲ +1.6 pt <span>vs Nov 2011 (12.74%)</span></div>'
	run bash -c "sed -n '/id=\"by-country\"/,/<\/section>/p' '$OUT' | grep -o '<title>[^<]*</title>' | sed -n '1p;16p'"
	assert_output '<title>United Kingdom: 8,198,868.42</title>
<title>Other (23 more): 124,872.90</title>'
}

@test "one month: a tile with no period before, a line of one labelled point" {
	head -n 1 "$D/monthly_revenue.ndjson" > "$BATS_TEST_TMPDIR/m.ndjson"
	run mb-dash --now "$NOW" -t m="$BATS_TEST_TMPDIR/m.ndjson" -o "$OUT"
	assert_success
	run grep -o '<div class="kpi" data-kpi="Revenue">.*no period before</span></div>' "$OUT"
	assert_output '<div class="kpi" data-kpi="Revenue"><div class="k">Revenue<span>Jan 2025</span></div><div class="v" title="1,414,823.21">1.41M</div><div class="d"><span>no period before</span></div>'
	run bash -c "sed -n '/id=\"revenue-trend\"/,/<\/section>/p' '$OUT' | grep -o '<title>[^<]*</title>\|<text class=\"[a-z]*[ t0]*\"[^>]*>[^<]*</text>'"
	assert_output '<text class="tick" x="32.3" y="242" text-anchor="end">0</text>
<text class="tick" x="32.3" y="165.3" text-anchor="end">500K</text>
<text class="tick" x="32.3" y="88.7" text-anchor="end">1M</text>
<text class="tick" x="32.3" y="12" text-anchor="end">1.5M</text>
<text class="tick" x="648.8" y="254" text-anchor="middle">Jan 2025</text>
<title>Revenue, Jan 2025: 1,414,823.21</title>
<text class="lastlbl t0" x="655.8" y="25.1">1.41M</text>'
}

@test "RFM scores per customer are drawn as segments: shares of customers and revenue" {
	cat > "$BATS_TEST_TMPDIR/rfm.ndjson" <<'EOF'
{"customer_id":"C1","recency_days":2,"frequency":9,"monetary_value":300.00,"r_score":5,"f_score":5,"m_score":5,"rfm_score":"555","segment":"Champions"}
{"customer_id":"C2","recency_days":90,"frequency":1,"monetary_value":25.00,"r_score":1,"f_score":1,"m_score":1,"rfm_score":"111","segment":"Hibernating"}
{"customer_id":"C3","recency_days":3,"frequency":7,"monetary_value":200.00,"r_score":5,"f_score":4,"m_score":5,"rfm_score":"545","segment":"Champions"}
{"customer_id":"C4","recency_days":80,"frequency":1,"monetary_value":25.00,"r_score":1,"f_score":1,"m_score":1,"rfm_score":"111","segment":"Hibernating"}
{"customer_id":"C5","recency_days":70,"frequency":2,"monetary_value":50.00,"r_score":2,"f_score":2,"m_score":2,"rfm_score":"222","segment":"Hibernating"}
EOF
	run mb-dash --now "$NOW" -t rfm="$BATS_TEST_TMPDIR/rfm.ndjson" -o "$OUT"
	assert_success
	run grep -o '<p class="sub">[^<]*</p>\|<title>[^<]*</title>' "$OUT"
	assert_output '<title>Dashboard</title>
<p class="sub">made 2026-01-01 06:00 UTC</p>
<p class="sub">5 customers in 2 segments, from rfm</p>
<title>Champions, share of customers: 40.00%</title>
<title>Champions, share of revenue: 83.33%</title>
<title>Hibernating, share of customers: 60.00%</title>
<title>Hibernating, share of revenue: 16.67%</title>'
}

@test "--watch: a file that changes is drawn again; a warning is printed once" {
	printf '%s\n' '{"k":"a","v":1}' 'oops' > "$BATS_TEST_TMPDIR/t.ndjson"
	mb-dash --watch -t t="$BATS_TEST_TMPDIR/t.ndjson" -o "$OUT" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	wait_for "$OUT" 'data-v="1"'
	printf '%s\n' '{"k":"a","v":2}' 'oops' > "$BATS_TEST_TMPDIR/t2.ndjson"
	mv "$BATS_TEST_TMPDIR/t2.ndjson" "$BATS_TEST_TMPDIR/t.ndjson"
	wait_for "$OUT" 'data-v="2"'
	echo '{"k":"a","v":3}' >> "$BATS_TEST_TMPDIR/t.ndjson"
	wait_for "$OUT" 'data-v="5"'
	kill -TERM "$pid"
	wait "$pid"
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output "mb-dash: $BATS_TEST_TMPDIR/t.ndjson:2: not a JSON object: column 1: expected a JSON object ('{')"
}
