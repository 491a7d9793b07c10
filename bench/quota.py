#!/usr/bin/env python3
"""What the quota and the breaker cost, against the sandbox. `bench/run.sh` runs it; alone:

    python3 bench/quota.py [--n 200] [--rounds 3] [--out FILE]

1. The shared quota's round trip per submit: client CPU and wall time per submit (the C driver
   bench/journal_driver.c) with the rate limit off, with this client's own buckets, with a
   `file:` store and with a `redis://` store (a real redis-server on a free loopback port).
2. A primary outage where the primary accepts TCP but never answers (the sandbox's `blackhole`
   fault on the primary listener): per-call latency p50/p99 with the breaker and with it disabled,
   against the backup's normal latency; then the time from the primary's recovery to the first
   call it serves, against `breaker_probe_interval_ms`.
Prints a JSON report.
"""
import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REL = os.path.join(ROOT, "target", "release")
sys.path.insert(0, os.path.join(ROOT, "bindings", "python"))
sys.path.insert(0, os.path.join(ROOT, "sandbox", "py"))
from wx_sandbox_launcher import Sandbox, SandboxError  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--outage-calls", type=int, default=100)
    ap.add_argument("--out")
    args = ap.parse_args()
    os.environ.setdefault("WX_RECOVER_LIB", os.path.join(REL, "libwx_recover.so"))
    from wx_recover import Client  # noqa: E402 (the binding under test, from this checkout)

    work = tempfile.mkdtemp(prefix="wx-quota-bench-")
    exe = os.path.join(work, "journal_driver")
    subprocess.run(["cc", "-O2", "-std=c11", "-Wall", "-Wextra", "-Werror", "-I" + os.path.join(ROOT, "include"),
                    os.path.join(ROOT, "bench", "journal_driver.c"), "-o", exe, "-L" + REL,
                    "-Wl,-rpath," + REL, "-lwx_recover"], check=True)
    per_run = args.n + 1
    variants = ["off", "local", "file", "redis"]
    total = per_run * len(variants) * args.rounds + 4 * args.outage_calls + 200
    rport = free_port()
    redis = subprocess.Popen(["redis-server", "--port", str(rport), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no", "--dir", work], stdout=subprocess.DEVNULL)
    try:
        sb = Sandbox(state_dir=os.path.join(work, "sb"), binary=os.path.join(REL, "wx-sandbox"), orders=total,
                     rate_limit_per_minute=0, recover_delay_ms=100000)
    except SandboxError as e:
        redis.kill()
        redis.wait()
        sys.exit(f"quota bench: {e}")
    try:
        base = sb.read_config()
        orders = sb.orders
        used = 0

        def take(n):
            nonlocal used
            got = orders[used:used + n]
            used += n
            return got

        def flushdb():
            with socket.create_connection(("127.0.0.1", rport), timeout=5) as s:
                s.sendall(b"*1\r\n$7\r\nFLUSHDB\r\n")
                assert s.recv(64).startswith(b"+OK")

        def drive(store):
            # The limit is never reached, so every submit pays exactly one check-and-take and one
            # re-stamp. Each run starts on an empty store, so it holds at most N entries: no more
            # than a bucket holds at the platform's 200 per minute with N = 200.
            cfg = dict(base)
            cfg["rate_limit_per_minute"] = 0 if store == "off" else 1_000_000
            if store == "file":
                cfg["rate_limit_store"] = "file:" + os.path.join(work, f"quota-{used}")
            elif store == "redis":
                flushdb()
                cfg["rate_limit_store"] = f"redis://127.0.0.1:{rport}/0"
            cpath = os.path.join(work, f"c-{store}-{used}.json")
            opath = os.path.join(work, f"o-{store}-{used}.txt")
            json.dump(cfg, open(cpath, "w"))
            start = used
            open(opath, "w").write("".join(
                f"QB-{start + i} {o['related_webank_punish_no']} {o['related_wxpay_punish_no']} {o['mchid']} "
                f"{o['bal_account_no']}\n" for i, o in enumerate(take(per_run))))
            r = subprocess.run([exe, cpath, opath, str(args.n)], capture_output=True, text=True, check=True)
            return json.loads(r.stdout.strip().splitlines()[-1])

        runs = {v: [] for v in variants}
        for _ in range(args.rounds):
            for v in variants:  # interleaved, so a slow moment hits every variant alike
                runs[v].append(drive(v))
        per = {v: {"cpu_us": statistics.median(r["cpu_us"] / r["n"] for r in rs),
                   "wall_us": statistics.median(r["wall_us"] / r["n"] for r in rs),
                   "failed": sum(r["failed"] for r in rs)} for v, rs in runs.items()}
        report = {"n_per_run": args.n, "rounds": args.rounds, "per_submit": per,
                  "store_cost_us": {v: {"cpu": per[v]["cpu_us"] - per["off"]["cpu_us"],
                                        "wall": per[v]["wall_us"] - per["off"]["wall_us"]}
                                    for v in ("local", "file", "redis")}}

        # --- the outage -----------------------------------------------------------------------
        def client(breaker, probe_ms=30000):
            cfg = dict(base)
            cfg.update({"rate_limit_per_minute": 0, "timeout_ms": 1000, "deadline_ms": 10000,
                        "breaker_enabled": breaker, "breaker_probe_interval_ms": probe_ms})
            return Client(cfg)

        def submit(c, o, n):
            t = time.perf_counter()
            c.submit(out_request_no=n, related_webank_punish_no=o["related_webank_punish_no"],
                     related_wxpay_punish_no=o["related_wxpay_punish_no"], mchid=o["mchid"],
                     bal_account_no=o["bal_account_no"])
            return (time.perf_counter() - t) * 1000

        # The backup's normal latency is measured by a client that talks to the backup only,
        # its calls interleaved with the outage client's, so both see the same machine.
        bcfg = dict(base)
        bcfg.update({"rate_limit_per_minute": 0, "timeout_ms": 1000, "base_url": base["backup_url"],
                     "backup_url": ""})
        backup_only = Client(bcfg)
        for i, o in enumerate(take(5)):
            submit(backup_only, o, f"QBW-{i}")
        outage = {}
        normal = []
        for breaker in (True, False):
            c = client(breaker)
            submit(c, take(1)[0], f"QW-{breaker}")  # connections open before the outage
            sb.fault("blackhole", count=100000, listener="primary")
            calls = args.outage_calls if breaker else max(4, args.outage_calls // 10)
            lat = []
            for i, o in enumerate(take(calls)):
                lat.append(submit(c, o, f"QO-{breaker}-{i}"))
                if breaker:
                    normal.append(submit(backup_only, take(1)[0], f"QBK-{i}"))
            sb.reset()
            outage["breaker" if breaker else "no_breaker"] = {
                "calls": calls, "first_ms": lat[0], "rest_p50_ms": statistics.median(lat[1:]),
                "rest_p99_ms": pct(lat[1:], 99)}
        report["backup_normal_ms"] = {"p50": statistics.median(normal[1:]), "p99": pct(normal[1:], 99),
                                      "calls": len(normal) - 1}
        report["outage"] = outage
        # Time to return: the primary recovers; calls every 50 ms until one is served by it.
        probe_ms = 2000
        c = client(True, probe_ms)
        submit(c, take(1)[0], "QR-warm")
        sb.fault("blackhole", count=100000, listener="primary")
        submit(c, take(1)[0], "QR-fail")
        sb.reset()
        back = time.perf_counter()
        before = sb.stats()["primary"]["requests"]
        returned = None
        for i, o in enumerate(take(150)):
            submit(c, o, f"QR-{i}")
            if sb.stats()["primary"]["requests"] > before:
                returned = (time.perf_counter() - back) * 1000
                break
            time.sleep(0.05)
        report["return"] = {"probe_interval_ms": probe_ms, "returned_after_ms": returned}
        bn, b99 = report["backup_normal_ms"]["p50"], report["backup_normal_ms"]["p99"]
        report["targets"] = {
            "outage_rest_under_2x_backup": outage["breaker"]["rest_p50_ms"] < 2 * bn
            and outage["breaker"]["rest_p99_ms"] < 2 * b99,
            "return_within_one_probe_interval": returned is not None and returned <= probe_ms + 200,
        }
        print(json.dumps(report, indent=2))
        if args.out:
            json.dump(report, open(args.out, "w"), indent=2)
        t = report["targets"]
        print(f"quota: store round trip per submit: file {report['store_cost_us']['file']['wall']:.0f} us, "
              f"redis {report['store_cost_us']['redis']['wall']:.0f} us wall; outage p99 after the first call "
              f"{outage['breaker']['rest_p99_ms']:.1f} ms with the breaker vs {outage['no_breaker']['rest_p99_ms']:.0f} ms "
              f"without (target: p50 < 2x backup p50 {bn:.1f} ms and p99 < 2x backup p99 {b99:.1f} ms: "
              f"{'met' if t['outage_rest_under_2x_backup'] else 'MISSED'}); "
              f"return after {returned if returned is None else round(returned)} ms (probe {probe_ms} ms: "
              f"{'met' if t['return_within_one_probe_interval'] else 'MISSED'})", file=sys.stderr)
        return 0
    finally:
        sb.stop()
        redis.kill()
        redis.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
