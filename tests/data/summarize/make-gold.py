#!/usr/bin/env python3
"""Makes the gold-table fixtures of tests/mb-summarize.bats from mb-gen
orders (NDJSON on stdin), in the shapes of the retail pipeline's gold
tables (monthly_revenue, daily_region, category_store, top_products, rfm,
rfm_segments; see mb-summarize(1)).  Decimal sums are exact.  Kept so the
fixtures can be made again:

  mb-gen -n 100000 --seed 42 | python3 make-gold.py products.csv demo
"""
import csv
import json
import sys
from collections import defaultdict
from datetime import datetime, timezone
from decimal import Decimal, ROUND_HALF_UP

products_csv, prefix = sys.argv[1], sys.argv[2]
names = {}
with open(products_csv, newline="") as f:
    for row in csv.DictReader(f):
        names[row["product_id"]] = row["product_name"]

orders = [json.loads(l, parse_float=Decimal) for l in sys.stdin if l.strip()]


def r2(x):
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def put(name, rows):
    with open(f"{prefix}-{name}.ndjson", "w") as f:
        for r in rows:
            f.write(json.dumps(r, default=str, separators=(",", ":"))
                    .replace('"__D', "").replace('D__"', "") + "\n")


def dec(x):
    """A Decimal printed as a JSON number with its digits."""
    return "__D" + str(x) + "D__"


def pct(a, b):
    return dec(r2(Decimal(a) * 100 / Decimal(b))) if b else dec("0.00")


month = defaultdict(lambda: [0, Decimal(0), 0, 0])
day = defaultdict(lambda: [0, Decimal(0)])
cs = defaultdict(lambda: [0, Decimal(0)])
prod = defaultdict(lambda: [0, Decimal(0)])
cust = defaultdict(lambda: [None, set(), Decimal(0)])
for o in orders:
    ts = datetime.strptime(o["order_ts"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    m = month[(ts.year, ts.month)]
    m[0] += 1
    m[2] += o["status"] == "returned"
    m[3] += o["status"] == "cancelled"
    if o["status"] == "cancelled":
        continue
    m[1] += o["amount"]
    d = day[(ts.strftime("%Y-%m-%d"), o["region"])]
    d[0] += 1
    d[1] += o["amount"]
    c = cs[(o["category"], o["store_id"])]
    c[0] += o["quantity"]
    c[1] += o["amount"]
    p = prod[o["product_id"]]
    p[0] += o["quantity"]
    p[1] += o["amount"]
    u = cust[o["customer_id"]]
    u[0] = ts if u[0] is None or ts > u[0] else u[0]
    u[1].add(o["order_id"])
    u[2] += o["amount"]

put("monthly_revenue", [
    {"order_year": y, "order_month": mo, "total_orders": v[0],
     "total_revenue": dec(v[1]), "return_rate_pct": pct(v[2], v[0]),
     "cancellation_rate_pct": pct(v[3], v[0])}
    for (y, mo), v in sorted(month.items())])
put("daily_region", [
    {"order_date": d, "region": r, "orders": v[0], "revenue": dec(v[1]),
     "avg_order_value": dec(r2(v[1] / v[0]))}
    for (d, r), v in sorted(day.items())])
put("category_store", [
    {"category": c, "store_id": s, "units": v[0], "revenue": dec(v[1])}
    for (c, s), v in sorted(cs.items())])
top = []
for by, key in (("revenue", lambda kv: (-kv[1][1], kv[0])),
                ("units", lambda kv: (-kv[1][0], kv[0]))):
    for i, (pid, v) in enumerate(sorted(prod.items(), key=key)[:10]):
        top.append({"rank_by": by, "rank": i + 1, "product_id": pid,
                    "product_name": names.get(pid), "units": v[0],
                    "revenue": dec(v[1])})
put("top_products", top)

# RFM as pandas qcut(rank(method="first"), 5) does it.
asof = max(u[0] for u in cust.values())
ids = sorted(cust)
rec = {c: (asof - cust[c][0]).days for c in ids}
frq = {c: len(cust[c][1]) for c in ids}
mon = {c: cust[c][2] for c in ids}


def scores(val, reverse):
    order = sorted(ids, key=lambda c: (val[c], c))
    n = len(order)
    out = {}
    for i, c in enumerate(order):
        rank = i + 1
        b = 1
        while b < 5 and rank > 1 + (n - 1) * b / 5:
            b += 1
        out[c] = 6 - b if reverse else b
    return out


R, F, M = scores(rec, True), scores(frq, False), scores(mon, False)
segmap = [("Champions", "5", "45"), ("Loyal Customers", "34", "45"),
          ("Potential Loyalists", "45", "23"), ("New Customers", "5", "1"),
          ("Promising", "4", "1"), ("Need Attention", "3", "3"),
          ("About to Sleep", "3", "12"), ("At Risk", "12", "34"),
          ("Can't Lose Them", "12", "5"), ("Hibernating", "12", "12")]


def segment(r, f):
    for name, rs, fs in segmap:
        if str(r) in rs and str(f) in fs:
            return name


rfm = [{"customer_id": c, "recency_days": rec[c], "frequency": frq[c],
        "monetary_value": dec(mon[c]), "r_score": R[c], "f_score": F[c],
        "m_score": M[c], "rfm_score": f"{R[c]}{F[c]}{M[c]}",
        "segment": segment(R[c], F[c])} for c in ids]
put("rfm", rfm)
seg = defaultdict(list)
for r in rfm:
    seg[r["segment"]].append(r["customer_id"])
total = sum(mon.values())
put("rfm_segments", [
    {"segment": s, "customers": len(cs_), "customer_share_pct": pct(len(cs_), len(ids)),
     "revenue_share_pct": pct(sum(mon[c] for c in cs_), total),
     "avg_recency_days": dec(Decimal(sum(rec[c] for c in cs_) / len(cs_)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)),
     "avg_frequency": dec(Decimal(sum(frq[c] for c in cs_) / len(cs_)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)),
     "avg_monetary_value": dec(r2(sum(mon[c] for c in cs_) / len(cs_)))}
    for s, cs_ in sorted(seg.items(), key=lambda kv: (-len(kv[1]), kv[0]))])
