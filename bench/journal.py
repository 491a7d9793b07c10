#!/usr/bin/env python3
"""What the journal costs per submit: client CPU and wall time with and without a journal, and
the fsyncs it does (strace), against the sandbox. `bench/run.sh` runs it; alone:

    python3 bench/journal.py [--n 300] [--rounds 3]   prints a JSON report; --out FILE too
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REL = os.path.join(ROOT, "target", "release")
sys.path.insert(0, os.path.join(ROOT, "sandbox", "py"))
from wx_sandbox_launcher import Sandbox, SandboxError  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="wx-journal-bench-")
    exe = os.path.join(work, "journal_driver")
    subprocess.run(["cc", "-O2", "-std=c11", "-Wall", "-Wextra", "-Werror", "-I" + os.path.join(ROOT, "include"),
                    os.path.join(ROOT, "bench", "journal_driver.c"), "-o", exe, "-L" + REL,
                    "-Wl,-rpath," + REL, "-lwx_recover"], check=True)
    per_run = args.n + 1
    total = per_run * (2 * args.rounds + 2)
    try:
        sb = Sandbox(state_dir=os.path.join(work, "sb"), binary=os.path.join(REL, "wx-sandbox"), orders=total,
                     rate_limit_per_minute=0, recover_delay_ms=100000)
    except SandboxError as e:
        sys.exit(f"journal bench: {e}")
    try:
        base = sb.read_config()
        base["rate_limit_per_minute"] = 0
        orders = sb.orders
        lines = [f"JB-{i} {o['related_webank_punish_no']} {o['related_wxpay_punish_no']} {o['mchid']} "
                 f"{o['bal_account_no']}" for i, o in enumerate(orders)]
        batch = 0

        def run(journal, strace=False, n=None):
            n = args.n if n is None else n
            nonlocal batch
            cfg = dict(base)
            if journal:
                cfg["journal"] = os.path.join(work, f"j{batch}.sqlite")
            cpath = os.path.join(work, f"c{batch}.json")
            opath = os.path.join(work, f"o{batch}.txt")
            json.dump(cfg, open(cpath, "w"))
            open(opath, "w").write("\n".join(lines[batch * per_run:batch * per_run + n + 1]) + "\n")
            batch += 1
            cmd = [exe, cpath, opath, str(n)]
            if strace:
                trace = os.path.join(work, f"strace{batch}.txt")
                cmd = ["strace", "-f", "-c", "-e", "trace=fsync,fdatasync", "-o", trace] + cmd
            r = subprocess.run(cmd, capture_output=True, text=True, check=True)
            out = json.loads(r.stdout.strip().splitlines()[-1])
            if strace:
                text = open(trace).read()
                out["fsyncs"] = sum(int(m.group(1)) for m in re.finditer(r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)(?:\s+\d+)?\s+f(?:data)?sync\s*$", text, re.M))
            return out

        plain, journaled = [], []
        for _ in range(args.rounds):
            plain.append(run(False))
            journaled.append(run(True))
        # Marginal fsyncs: a traced run of n submits minus one of n/2, over n/2, so opening the
        # journal and the warm-up call do not count.
        traced = run(True, strace=True)
        half = run(True, strace=True, n=args.n // 2)
        per = lambda rs, k: [r[k] / r["n"] for r in rs]  # noqa: E731
        report = {
            "n_per_run": args.n,
            "rounds": args.rounds,
            "cpu_us_per_submit": {"plain": statistics.median(per(plain, "cpu_us")),
                                  "journal": statistics.median(per(journaled, "cpu_us"))},
            "wall_us_per_submit": {"plain": statistics.median(per(plain, "wall_us")),
                                   "journal": statistics.median(per(journaled, "wall_us"))},
            "fsyncs_per_submit": (traced["fsyncs"] - half["fsyncs"]) / (traced["n"] - half["n"]),
            "fsyncs_total": traced["fsyncs"],
            "fsyncs_open_and_warmup": 2 * half["fsyncs"] - traced["fsyncs"],
            "failed": sum(r["failed"] for r in plain + journaled),
        }
        report["journal_cpu_us"] = report["cpu_us_per_submit"]["journal"] - report["cpu_us_per_submit"]["plain"]
        report["journal_wall_us"] = report["wall_us_per_submit"]["journal"] - report["wall_us_per_submit"]["plain"]
        print(json.dumps(report, indent=2))
        if args.out:
            json.dump(report, open(args.out, "w"), indent=2)
        ok = report["fsyncs_per_submit"] <= 2.0 and report["failed"] == 0
        print(f"journal: {report['fsyncs_per_submit']:.2f} fsyncs per submit (target <= 2): "
              f"{'met' if ok else 'MISSED'}", file=sys.stderr)
        return 0
    finally:
        sb.stop()


if __name__ == "__main__":
    sys.exit(main())
