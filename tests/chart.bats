#!/usr/bin/env bats
# The chart engine of mb-dash (lib/chart.h), through the chart-check driver.

load helper

@test "numbers: short forms for axes and tiles, full forms for titles" {
	run chart-check <<'IN'
short money 3098967.59
short money 704160.6
short money 999999
short money 12345
short money 456.7
short money 0.456
short count 13902
short pct 6.19
short pct 100
short num 0.0125
short money -2500000
short money nan
full money 3098967.59
full count 13902
full pct 6.19
full num 0.0125
full num 1234567.891
full money -1234.5
text 1234567.50
text -1234
text 1e400
text 999
IN
	assert_success
	assert_output - <<'OUT'
3.1M
704K
1M
12.3K
457
0.456
13.9K
6.2%
100%
0.0125
-2.5M
–
3,098,967.59
13,902
6.19%
0.0125
1,234,568
-1,234.50
1,234,567.50
-1,234
1e400
999
OUT
}

@test "axis ticks: 1, 2 and 5 steps, labels as short as the step allows" {
	run chart-check <<'IN'
ticks 0 3098967 8 money
ticks 0 31.4 6 pct
ticks 1.2 7.9 6 num
ticks 5 5 5 money
ticks -250000 1200000 6 money
ticks 0 0 5 count
IN
	assert_success
	assert_output - <<'OUT'
0 500K 1M 1.5M 2M 2.5M 3M 3.5M
0% 10% 20% 30% 40%
0 2 4 6 8
2 4 6 8
-500K 0 500K 1M 1.5M
0 0.5 1
OUT
}

@test "time ticks: calendar units that fit, the year where it changes" {
	run chart-check <<'IN'
tticks 2025-01-01 2025-12-01 13
tticks 2025-01-01 2025-12-01 6
tticks 2024-06-01 2025-12-31 8
tticks 2025-07-01 2025-07-31 6
tticks 2025-07-04T00:00:00Z 2025-07-04T23:00:00Z 5
tticks 2010-12-01 2011-12-09 5
tticks 2025-07-01 2025-07-01 5
tticks 2000-01-01 2025-01-01 6
grain 2025-01-01 2025-02-01 2025-03-01
grain 2025-07-01 2025-07-02
grain 2025-07-01T10:00:00Z 2025-07-01T11:00:00Z
grain 2025-07-01
IN
	assert_success
	assert_output - <<'OUT'
Jan 2025 | Feb | Mar | Apr | May | Jun | Jul | Aug | Sep | Oct | Nov | Dec
Q1 2025 | Q2 | Q3 | Q4
Q3 2024 | Q4 | Q1 2025 | Q2 | Q3 | Q4
Jul 7 2025 | Jul 14 | Jul 21 | Jul 28
Jul 4 00:00 | 06:00 | 12:00 | 18:00
Q1 2011 | Q2 | Q3 | Q4
Jul 2025
2000 | 2005 | 2010 | 2015 | 2020 | 2025
5 Jan 2025
3 2025-07-01
2 2025-07-01 10:00
5 Jul 2025
OUT
}

@test "text: escaped, cut to a width with an ellipsis, labels spread apart" {
	run chart-check <<'IN'
esc <script>alert("x")</script> & 'q'
esc "><img src=x onerror=alert(1)>
fit 12 60 Electronics and Gadgets
fit 12 500 Electronics
fit 12 30 日本語のテキスト
width 12 Electronics
spread 14 0 100 50 52 51
spread 14 0 30 10 10 10 10
spread 14 0 100 99 98
IN
	assert_success
	assert_output - <<'OUT'
&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;
&quot;&gt;&lt;img src=x onerror=alert(1)&gt;
Electro…
Electronics
日…
65
0: 50 78 64
-1: 0 10 20 30
0: 100 86
OUT
	# control characters and invalid UTF-8 become U+FFFD
	run bash -c "printf 'esc a\001b\302\200c\377d\n' | chart-check"
	assert_output 'a�b�c�d'
}

@test "a line of 1, 12, 10,000 and 100,000 points: binned, the peak kept" {
	run chart-check <<'IN'
line 0 600
line 1 600
line 12 600
line 10000 600
line 100000 300
IN
	assert_success
	assert_output - <<'OUT'
points=0 titles=0 peak=none size=under 20 KB
points=1 titles=1 peak=in a title size=under 20 KB
points=12 titles=12 peak=in a title size=under 20 KB
points=693 titles=60 peak=in a title size=under 20 KB
points=482 titles=30 peak=in a title size=under 20 KB
OUT
}

@test "a line of one point is a labelled dot on a readable axis" {
	run chart-check <<< 'svg line 1 300'
	assert_success
	assert_output '<svg class="chart" viewBox="0 0 300 200" role="img"><line class="zero" x1="24.8" x2="271.9" y1="176" y2="176"/><text class="tick" x="18.8" y="180" text-anchor="end">0</text><line class="grid" x1="24.8" x2="271.9" y1="120" y2="120"/><text class="tick" x="18.8" y="124" text-anchor="end">2K</text><line class="grid" x1="24.8" x2="271.9" y1="64" y2="64"/><text class="tick" x="18.8" y="68" text-anchor="end">4K</text><line class="grid" x1="24.8" x2="271.9" y1="8" y2="8"/><text class="tick" x="18.8" y="12" text-anchor="end">6K</text><line class="axis" x1="148.3" x2="148.3" y1="176" y2="180"/><text class="tick" x="148.3" y="192" text-anchor="middle">Jan 2025</text><path class="line s0 d0" d="M148.3 8"/><circle class="pt f0" cx="148.3" cy="8" r="3"><title>revenue, Jan 2025: 6,000.00</title></circle><circle class="last f0" cx="148.3" cy="8" r="3.5"/><text class="lastlbl t0" x="155.3" y="16">6K</text></svg>'
}

@test "bars: lengths in proportion, an outsized 'other' cut at the edge" {
	run chart-check <<< 'bars 600 Toys=23456.78 Books=1000 Other=900000'
	assert_success
	assert_output - <<'OUT'
width=473.7 title=Toys: 23,456.78
width=20.2 title=Books: 1,000.00
width=504.8 title=Other: 900,000.00
OUT
	run chart-check <<< 'bars 600 Loss=-500 Gain=1500'
	assert_output - <<'OUT'
width=130.2 title=Loss: -500.00
width=390.7 title=Gain: 1,500.00
OUT
	run chart-check <<< 'bars 600'
	assert_output ''
	run chart-check <<< 'svg bars 600'
	assert_output '<svg class="chart" viewBox="0 0 600 47" role="img"><text class="note" x="300" y="18" text-anchor="middle">no data</text></svg>'
}
