#!/usr/bin/env python3
"""How long `wx-recover batch --wait` takes to settle a batch at the platform's per-minute limits.

    python3 bench/batch_pipeline.py [--orders 90] [--recover-per-minute 60] [--query-per-minute 60]
                                    [--recover-delay-ms 200] [--workers 4] [--out FILE]

One sandbox limits recovers to R and queries to Q a minute (its `POST /rate-limit`), and takes
`--recover-delay-ms` from acceptance to the final state. The client is configured with the same
two limits (`rate_limit_recover_per_minute`, `rate_limit_query_per_minute`). The batch of N
seeded orders runs once, as an operator runs it (`python3 -m wx_recover batch ... --wait`), and
one JSON line is printed:

- settle_s: from starting the command to its exit, every order settled;
- ideal_s: the least time the limits allow. Both buckets are 60-second sliding windows, so an
  endpoint can take its first R requests at once and each further R one window later: the last
  recover can go out at floor((N-1)/R) minutes, the last query likewise at floor((N-1)/Q), and
  the last order then needs the platform's execution time. ideal_s = max of the two + execution.
  ideal_flat_s is the flat-rate figure max(N/R, N/Q) * 60 s + execution, for reference;
- ratio = settle_s / ideal_s (target <= 1.1);
- queries_per_order: query arrivals at the sandbox (its /stats rate counters, 429s included) per
  settled order (target <= 1.5);
- throttled_429: 429 answers the sandbox sent on the recover and query endpoints (target 0).

The defaults (90 orders at 60/60) take about a minute; smaller N and larger limits are quicker.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from typing import Any, Dict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REL = os.path.join(ROOT, "target", "release")
sys.path.insert(0, os.path.join(ROOT, "sandbox", "py"))
from wx_sandbox_launcher import Sandbox, SandboxError  # noqa: E402

FIELDS = ["out_request_no", "related_webank_punish_no", "related_wxpay_punish_no", "mchid", "bal_account_no",
          "recover_reason"]
TARGET_RATIO = 1.1
TARGET_QUERIES_PER_ORDER = 1.5


def ideal_seconds(n: int, recover_per_minute: int, query_per_minute: int, execution_s: float) -> float:
    """The least settle time two 60-second sliding windows allow (see the module's docstring)."""
    windows = max((n - 1) // limit if limit else 0 for limit in (recover_per_minute, query_per_minute))
    return windows * 60.0 + execution_s


def flat_seconds(n: int, recover_per_minute: int, query_per_minute: int, execution_s: float) -> float:
    rates = [limit for limit in (recover_per_minute, query_per_minute) if limit]
    return (max(n / r for r in rates) * 60.0 if rates else 0.0) + execution_s


def run(args: argparse.Namespace) -> Dict[str, Any]:
    work = tempfile.mkdtemp(prefix="wx-batch-pipeline-")
    sb = Sandbox(orders=args.orders, rate_limit_per_minute=args.recover_per_minute,
                 recover_delay_ms=args.recover_delay_ms, state_dir=os.path.join(work, "sandbox"))
    try:
        sb.admin("POST", "/rate-limit", {"per_minute": args.recover_per_minute, "api": "recover"})
        sb.admin("POST", "/rate-limit", {"per_minute": args.query_per_minute, "api": "query"})
        config = sb.write_config(os.path.join(work, "client.json"),
                                 rate_limit_recover_per_minute=args.recover_per_minute,
                                 rate_limit_query_per_minute=args.query_per_minute)
        orders = os.path.join(work, "orders.csv")
        tag = f"{os.getpid()}-{int(time.time())}"
        with open(orders, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(FIELDS)
            for i, o in enumerate(sb.orders[: args.orders]):
                w.writerow([f"BENCH-{tag}-{i}", o["related_webank_punish_no"], o["related_wxpay_punish_no"],
                            o["mchid"], o["bal_account_no"], "batch pipeline bench"])
        report = os.path.join(work, "report.csv")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.path.join(ROOT, "bindings", "python") + os.pathsep + env.get("PYTHONPATH", "")
        env.setdefault("WX_RECOVER_LIB", os.path.join(REL, "libwx_recover.so"))
        cmd = [sys.executable, "-m", "wx_recover", "batch", orders, "--config", config, "--wait",
               "--workers", str(args.workers), "--report", report, "--progress-interval", "5"]
        started = time.monotonic()
        with open(os.path.join(work, "batch.log"), "wb") as log:
            proc = subprocess.run(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=args.timeout)
        settle = time.monotonic() - started
        rate = sb.stats()["rate"]
        with open(report, encoding="utf-8", newline="") as f:
            states = [r["state"] for r in csv.DictReader(f)]
    finally:
        sb.stop()
    settled = sum(1 for s in states if s in ("SUCCEEDED", "FAILED"))
    execution = args.recover_delay_ms / 1000.0
    ideal = ideal_seconds(args.orders, args.recover_per_minute, args.query_per_minute, execution)
    queries = rate["query"]["arrivals"]
    throttled = rate["recover"]["throttled"] + rate["query"]["throttled"]
    qpo = queries / settled if settled else math.inf
    ratio = settle / ideal if ideal > 0 else math.inf
    return {
        "bench": "batch_pipeline",
        "orders": args.orders,
        "recover_per_minute": args.recover_per_minute,
        "query_per_minute": args.query_per_minute,
        "recover_delay_ms": args.recover_delay_ms,
        "workers": args.workers,
        "exit": proc.returncode,
        "settled": settled,
        "settle_s": round(settle, 2),
        "ideal_s": round(ideal, 2),
        "ideal_flat_s": round(flat_seconds(args.orders, args.recover_per_minute, args.query_per_minute, execution), 2),
        "ratio": round(ratio, 3),
        "recover_arrivals": rate["recover"]["arrivals"],
        "query_arrivals": queries,
        "queries_per_order": round(qpo, 3),
        "throttled_429": throttled,
        "busiest_window": {"recover": rate["recover"]["busiest_window"], "query": rate["query"]["busiest_window"]},
        "ok": bool(settled == args.orders and ratio <= TARGET_RATIO and qpo <= TARGET_QUERIES_PER_ORDER
                   and throttled == 0),
        "log": os.path.join(work, "batch.log"),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--orders", type=int, default=90, metavar="N", help="orders in the batch (default 90)")
    ap.add_argument("--recover-per-minute", type=int, default=60, metavar="R", help="recover limit (default 60)")
    ap.add_argument("--query-per-minute", type=int, default=60, metavar="Q", help="query limit (default 60)")
    ap.add_argument("--recover-delay-ms", type=int, default=200, metavar="MS",
                    help="the sandbox's time from acceptance to the final state (default 200)")
    ap.add_argument("--workers", type=int, default=4, metavar="N", help="the batch's --workers (default 4)")
    ap.add_argument("--timeout", type=float, default=900.0, metavar="S", help="give up on the batch after S seconds")
    ap.add_argument("--out", metavar="FILE", help="also write the JSON line to FILE")
    args = ap.parse_args()
    if args.orders < 1 or args.recover_per_minute < 1 or args.query_per_minute < 1:
        ap.error("--orders and both limits must be at least 1")
    try:
        result = run(args)
    except SandboxError as e:
        print(f"batch_pipeline: {e}", file=sys.stderr)
        return 2
    line = json.dumps(result)
    print(line)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(line + "\n")
    return 0 if result["settled"] == args.orders else 1


if __name__ == "__main__":
    sys.exit(main())
