#!/usr/bin/env python3
"""Makes the gold-table fixtures of tests/mb-dash.bats from silver orders.

    mb-gen -n 100000 --dirty 0.02 --seed 42 | ... (make demo's silver layer)
    mb-cat demo-out/lake/silver/orders | python3 make-fixtures.py OUTDIR

The tables follow the field contract of the retail pipeline's gold layer
(monthly_revenue, daily_region, category_store, top_products, rfm_segments),
with exact decimal sums, as mb-agg and mb-rfm will make them.  They were made
once and committed; the tests never run this script.
"""
import collections, datetime, decimal, json, re, sys

D = decimal.Decimal
out = sys.argv[1]
rows = [json.loads(l, parse_float=D) for l in sys.stdin if l.strip()]


def money(x):
    return x.quantize(D("0.01"), rounding=decimal.ROUND_HALF_UP)


def pct(a, b):
    return money(D(a) * 100 / D(b)) if b else D(0)


def dump(name, recs):
    with open(f"{out}/{name}.ndjson", "w") as f:
        for r in recs:
            # a Decimal is printed with its digits, trailing zeros kept
            t = json.dumps(r, separators=(",", ":"),
                           default=lambda d: "\x01" + str(d) + "\x01")
            f.write(re.sub(r'"\\u0001([-0-9.E+]+)\\u0001"', r"\1", t) + "\n")


# monthly_revenue
m = collections.OrderedDict()
for r in sorted(rows, key=lambda r: (r["order_year"], r["order_month"])):
    k = (r["order_year"], r["order_month"])
    s = m.setdefault(k, [0, D(0), 0, 0])
    s[0] += 1
    s[1] += r["amount"]
    s[2] += r["status"] == "returned"
    s[3] += r["status"] == "cancelled"
dump("monthly_revenue", [
    {"order_year": y, "order_month": mo, "total_orders": s[0],
     "total_revenue": money(s[1]), "return_rate_pct": pct(s[2], s[0]),
     "cancellation_rate_pct": pct(s[3], s[0])} for (y, mo), s in m.items()])

# daily_region
d = collections.OrderedDict()
for r in sorted(rows, key=lambda r: (r["order_date"], r["region"])):
    s = d.setdefault((r["order_date"], r["region"]), [0, D(0)])
    s[0] += 1
    s[1] += r["amount"]
dump("daily_region", [
    {"order_date": k[0], "region": k[1], "orders": s[0], "revenue": money(s[1]),
     "avg_order_value": money(s[1] / s[0])} for k, s in d.items()])

# category_store
c = collections.OrderedDict()
for r in sorted(rows, key=lambda r: (r["category"], r["store_id"])):
    s = c.setdefault((r["category"], r["store_id"]), [0, D(0)])
    s[0] += r["quantity"]
    s[1] += r["amount"]
dump("category_store", [
    {"category": k[0], "store_id": k[1], "units": s[0], "revenue": money(s[1])}
    for k, s in c.items()])

# top_products
p = {}
for r in rows:
    s = p.setdefault(r["product_id"], [r.get("product_name"), 0, D(0)])
    s[1] += r["quantity"]
    s[2] += r["amount"]
tp = []
for by, key in (("revenue", lambda kv: (-kv[1][2], kv[0])),
                ("units", lambda kv: (-kv[1][1], kv[0]))):
    for i, (pid, s) in enumerate(sorted(p.items(), key=key)[:10]):
        tp.append({"rank_by": by, "rank": i + 1, "product_id": pid,
                   "product_name": s[0], "units": s[1], "revenue": money(s[2])})
dump("top_products", tp)

# rfm and rfm_segments (pandas qcut of rank(method="first") into 5 bins)
last = max(datetime.datetime.fromisoformat(r["order_ts"].replace("Z", "+00:00"))
           for r in rows)
cu = {}
for r in rows:
    t = datetime.datetime.fromisoformat(r["order_ts"].replace("Z", "+00:00"))
    s = cu.setdefault(r["customer_id"], [t, set(), D(0)])
    s[0] = max(s[0], t)
    s[1].add(r["order_id"])
    s[2] += r["amount"]
ids = sorted(cu)
n = len(ids)


def scores(val, reverse=False):
    order = sorted(ids, key=lambda c: (val(c), c))
    sc = {}
    for rank, cid in enumerate(order, 1):
        b = 1
        while b < 5 and rank > 1 + (n - 1) * b / 5:
            b += 1
        sc[cid] = 6 - b if reverse else b
    return sc


rec = {c: (last - cu[c][0]).days for c in ids}
R = scores(lambda c: rec[c], reverse=True)
F = scores(lambda c: len(cu[c][1]))
M = scores(lambda c: cu[c][2])


def segment(r, f):
    if r == 5 and f >= 4: return "Champions"
    if r in (3, 4) and f >= 4: return "Loyal Customers"
    if r >= 4 and f in (2, 3): return "Potential Loyalists"
    if r == 5 and f == 1: return "New Customers"
    if r == 4 and f == 1: return "Promising"
    if r == 3 and f == 3: return "Need Attention"
    if r == 3 and f <= 2: return "About to Sleep"
    if r <= 2 and f in (3, 4): return "At Risk"
    if r <= 2 and f == 5: return "Can't Lose Them"
    return "Hibernating"


seg = collections.OrderedDict()
total = sum(cu[c][2] for c in ids)
for c in ids:
    s = seg.setdefault(segment(R[c], F[c]), [0, D(0), 0, 0])
    s[0] += 1
    s[1] += cu[c][2]
    s[2] += rec[c]
    s[3] += len(cu[c][1])
dump("rfm_segments", [
    {"segment": k, "customers": s[0], "customer_share_pct": pct(s[0], n),
     "revenue_share_pct": money(s[1] * 100 / total),
     "avg_recency_days": D(s[2] / s[0]).quantize(D("0.1")),
     "avg_frequency": D(s[3] / s[0]).quantize(D("0.1")),
     "avg_monetary_value": money(s[1] / s[0])}
    for k, s in sorted(seg.items(), key=lambda kv: -kv[1][1])])
