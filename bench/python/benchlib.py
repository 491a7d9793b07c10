"""Shared timing loop of the Python drivers (the wx_recover binding and the wechatpayv3 peer).

Arguments are key=value, as for the C driver (bench/driver.c): order=OUT,WEBANK,WXPAY,MCHID,BAL,
warmup=N, n=N, admin=URL, impl=NAME, plus driver-specific keys. After the first submit and
`warmup` submits and queries it prints {"ready":true}, then reads commands on stdin, one a line:
"submit" or "query" runs one repetition (10 untimed calls, then n timed ones), "quit" ends.
For each repetition one JSON line goes to stdout: client CPU per request (resource.getrusage(RUSAGE_SELF), user +
sys, all threads, around the timed loop only), wall per request, p50/p99, requests per second,
the sandbox's new TLS connections and requests during the loop, VmRSS.
"""

import json
import resource
import sys
import time
import urllib.request


def parse_args(argv):
    args = {}
    for a in argv:
        if "=" not in a:
            sys.exit(f"arguments are key=value (got {a})")
        k, v = a.split("=", 1)
        args[k] = v
    o = args["order"].split(",")
    if len(o) != 5:
        sys.exit("order= needs OUT,WEBANK,WXPAY,MCHID,BAL")
    args["order"] = dict(zip(("out_request_no", "related_webank_punish_no", "related_wxpay_punish_no", "mchid",
                              "bal_account_no"), o))
    return args


def admin_stats(admin):
    with urllib.request.urlopen(admin + "/stats", timeout=30) as r:
        s = json.loads(r.read())
    return (s["primary"]["connections"] + s["backup"]["connections"],
            s["primary"]["requests"] + s["backup"]["requests"])


def cpu_s():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def rss_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def pct(sorted_values, p):
    n = len(sorted_values)
    i = int(p * (n - 1) + 0.5)
    return sorted_values[min(max(i, 0), n - 1)]


def run(args, submit, query):
    """submit() and query() each make one call and raise on any failure."""
    warmup, n = int(args.get("warmup", 50)), int(args.get("n", 200))
    submit()  # the order's first submit: a new recover under a fresh out_request_no
    for _ in range(warmup):
        submit()
    for _ in range(warmup):
        query()
    print(json.dumps({"ready": True}), flush=True)
    lat = [0.0] * n
    clock = time.perf_counter
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "quit":
            break
        if words[0] not in ("submit", "query"):
            sys.exit(f"unknown command {line!r}")
        op = words[0]
        call = submit if op == "submit" else query
        for _ in range(10):  # re-warm after idling between repetitions
            call()
        s0 = admin_stats(args["admin"])
        c0, w0 = cpu_s(), clock()
        for i in range(n):
            t0 = clock()
            call()
            lat[i] = (clock() - t0) * 1e6
        w1, c1 = clock(), cpu_s()
        s1 = admin_stats(args["admin"])
        lat_sorted = sorted(lat)
        print(json.dumps({
            "impl": args.get("impl", "python"), "op": op, "threads": 1, "n": n,
            "cpu_us": (c1 - c0) / n * 1e6, "wall_us": (w1 - w0) / n * 1e6,
            "p50_us": pct(lat_sorted, 0.50), "p99_us": pct(lat_sorted, 0.99), "rps": n / (w1 - w0),
            "new_conns": s1[0] - s0[0], "requests": s1[1] - s0[1], "rss_kb": rss_kb(),
        }), flush=True)
