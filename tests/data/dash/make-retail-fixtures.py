#!/usr/bin/env python3
"""Makes the Online Retail gold fixtures of tests/mb-dash.bats.

    for f in pipelines/data/uci-online-retail/*.csv.zst; do zstd -dc "$f" | tail -n +2; done \
      | python3 tests/data/dash/make-retail-fixtures.py tests/data/dash

From the UCI Online Retail data set (Daqing Chen, doi:10.24432/C5BW33,
CC BY 4.0; see pipelines/data/uci-online-retail/README.md): per month and
country the sales, the cancellations ("C" invoices) and the net revenue,
and per month the invoices and the share cancelled, as the Online Retail
pipeline's gold tables have them.  Made once and committed; the tests never
run this script.
"""
import collections, csv, decimal, json, re, sys

D = decimal.Decimal
out = sys.argv[1]
net = collections.OrderedDict()
inv = collections.defaultdict(set)
canc = collections.defaultdict(set)
for row in csv.reader(sys.stdin):
    no, code, desc, qty, when, price, cust, country = row
    y, m = int(when[:4]), int(when[5:7])
    amount = D(qty) * D(price)
    s = net.setdefault((y, m, country), [D(0), D(0)])
    if no.startswith("C"):
        s[1] -= amount
        canc[(y, m)].add(no)
    elif not no.startswith("A"):
        s[0] += amount
    inv[(y, m)].add(no)


def money(x):
    return x.quantize(D("0.01"), rounding=decimal.ROUND_HALF_UP)


def dump(name, recs):
    with open(f"{out}/{name}.ndjson", "w") as f:
        for r in recs:
            t = json.dumps(r, separators=(",", ":"), ensure_ascii=False,
                           default=lambda d: "\x01" + str(d) + "\x01")
            f.write(re.sub(r'"\\u0001([-0-9.E+]+)\\u0001"', r"\1", t) + "\n")


dump("monthly_net_revenue_by_country", [
    {"year": y, "month": m, "country": c, "sales": money(s[0]),
     "cancellations": money(s[1]), "net_revenue": money(s[0] - s[1])}
    for (y, m, c), s in sorted(net.items())])
dump("cancellation_rate", [
    {"year": y, "month": m, "invoices": len(inv[(y, m)]),
     "cancelled_invoices": len(canc[(y, m)]),
     "cancellation_rate_pct": money(D(len(canc[(y, m)])) * 100 / len(inv[(y, m)]))}
    for (y, m) in sorted(inv)])
