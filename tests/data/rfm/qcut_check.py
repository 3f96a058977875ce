#!/usr/bin/env python3
# The scoring rule of mb-rfm, written again in plain Python (no pandas, no
# numpy), checked against mb-rfm over many customer counts and bins.
#
# pandas: score = qcut(values.rank(method="first"), bins, labels=1..bins).
# rank(method="first") numbers the customers 1..n by value, ties in the
# order they come (mb-rfm: by customer id).  qcut's edges are the
# quantiles 1 + (n - 1) k / bins of the ranks, right-closed, the first bin
# closed on the left: rank r is in the first bin k with
# bins (r - 1) <= (n - 1) k.  That is the rule mb-rfm documents.
#
# pandas computes those edges in doubles, through numpy's linear
# percentile: pandas 2 as percentile(x, q * 100) (numpy divides by 100
# again), pandas 1 and 3 as quantile(x, q).  Both are emulated here
# (Python floats are the same IEEE doubles).  For 2, 4, 5 and 8 bins they
# give the exact rule; for 3, 6, 7 and 9 bins a rank that sits exactly on
# an edge goes up a bin in some versions, so there only the rule is checked.
#
#   qcut_check.py MB_RFM_COMMAND...   prints "ok N cases" or the differences
import json
import math
import subprocess
import sys


def rule(rank, n, q):
    k = 1
    while q * (rank - 1) > (n - 1) * k:
        k += 1
    return k


def linspace(q):
    # numpy.linspace(0, 1, q + 1): k * step, the last one exactly 1
    step = 1.0 / q
    y = [k * step + 0.0 for k in range(q + 1)]
    y[-1] = 1.0
    return y


def lerp(a, b, t):
    # numpy's _lerp, with its t >= 0.5 branch
    d = b - a
    if t >= 0.5:
        return b - d * (1 - t)
    return a + d * t


def edges(n, q, times100):
    out = []
    for p in linspace(q):
        if times100:
            p = (p * 100.0) / 100
        v = (n - 1) * p            # numpy's "linear" virtual index
        if v >= n - 1:
            out.append(float(n))
            continue
        prev = math.floor(v)
        out.append(lerp(prev + 1.0, prev + 2.0, v - prev))
    return out


def pandas_bin(rank, e):
    x = float(rank)
    if x == e[0]:
        return 1
    return sum(1 for ed in e if ed < x)


def expected(values, q, how):
    # values: (customer id, monetary) in customer order
    n = len(values)
    order = sorted(range(n), key=lambda i: (values[i][1], i))
    e = edges(n, q, how == "pandas2") if how != "rule" else None
    res = {}
    for rank, i in enumerate(order, 1):
        res[values[i][0]] = rule(rank, n, q) if e is None else pandas_bin(rank, e)
    return res


def main():
    cmd = sys.argv[1:]
    bad = cases = 0
    for q in range(2, 10):
        for n in list(range(1, 32)) + [41, 56, 101, 126]:
            # ties on purpose, so that the customer order breaks them
            vals = [("C%03d" % i, (i * 37) % max(1, (2 * n) // 3)) for i in range(n)]
            lines = "".join(json.dumps({"c": c, "t": "2025-01-01", "a": a}) + "\n"
                            for c, a in vals)
            out = subprocess.run(cmd + ["--bins", str(q)], input=lines.encode(),
                                 capture_output=True, check=True).stdout
            got = {}
            for line in out.decode().splitlines():
                r = json.loads(line)
                got[r["c"]] = r["m_score"]
            hows = ["rule"]
            if n > 1 and q in (2, 4, 5, 8):
                hows += ["pandas1/3", "pandas2"]
            for how in hows:
                cases += 1
                want = expected(vals, q, how)
                if got != want:
                    bad += 1
                    print("bins %d, n %d: mb-rfm %s, %s %s" % (q, n, got, how, want))
    print("ok %d cases" % cases if bad == 0 else "%d of %d cases differ" % (bad, cases))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
