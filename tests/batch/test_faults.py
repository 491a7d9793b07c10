"""A batch of 540 rows against a sandbox that enforces a per-minute limit, with random faults
injected while it runs and rows the platform refuses (an unknown control order, a control order
already recovered under another number). The report must agree with the sandbox's records row
for row, and running the same command again must settle every row left in doubt."""

from __future__ import annotations

import json
import os
import random
import re
import sys
import threading
import time

from conftest import (
    PY_DIR, Sandbox, assert_no_plaintext, one_recover_per_control_order, read_report, row_for, run_cli, write_csv,
)

GOOD, ALREADY, UNKNOWN = 500, 20, 20
SANDBOX_LIMIT = 400  # requests per minute per API at the sandbox
RATE = 300  # --rate: the batch's own recover limit, below the sandbox's
FAULTS = ["system_error", "reset", "reset_after_accept", "delay", "rate_limited", "bad_signature", "non_json"]


def test_faults_refusals_and_a_per_minute_limit(tmp_path):
    seed = int(os.environ.get("WX_BATCH_SEED", time.time()))
    rng = random.Random(seed)
    print(f"seed {seed}")
    sandbox = Sandbox(orders=GOOD + 2 * (ALREADY + UNKNOWN), rate_per_minute=SANDBOX_LIMIT, recover_delay_ms=200)
    try:
        orders = sandbox.orders
        # A FAILED recover does not block another, so the pre-recovered orders are ones that succeed.
        spare = range(GOOD, len(orders))
        already = [i for i in spare if orders[i]["outcome"] == "SUCCESS"][:ALREADY]
        unknown = [i for i in spare if i not in already][:UNKNOWN]
        # Control orders recovered before the batch, under other numbers: the batch's rows for
        # them must be refused (ALREADY_EXISTS).
        sys.path.insert(0, str(PY_DIR))
        import wx_recover

        with wx_recover.Client.from_file(sandbox.config_path) as c:
            for i in already:
                c.submit(**{k: v for k, v in row_for(orders[i], f"PRE-{i}").items()})
        rows = [dict(row_for(orders[i], f"F-{i}"), kind="good") for i in range(GOOD)]
        rows += [dict(row_for(orders[i], f"F-{i}"), kind="already") for i in already]
        for k, i in enumerate(unknown):
            o = orders[i]
            rows.append(dict(row_for(o, f"F-U{k}"), kind="unknown",
                             related_webank_punish_no=f"WBP2099{k:08d}", related_wxpay_punish_no=f"9999{k:09d}"))
        rng.shuffle(rows)
        path = write_csv(tmp_path / "orders.csv", rows)
        report = tmp_path / "report.csv"
        args = ["batch", str(path), "--config", sandbox.config_path, "--rate", str(RATE),
                "--report", str(report), "--progress-interval", "2"]

        stop = threading.Event()
        injected = []

        def inject() -> None:
            # About one request in eight is spoiled, during the first 45 s (both windows).
            until = time.monotonic() + 45
            while not stop.wait(rng.uniform(0.4, 1.2)) and time.monotonic() < until:
                kind = rng.choice(FAULTS)
                extra = {"ms": rng.randint(200, 1500)} if kind == "delay" else {}
                try:
                    sandbox.fault(kind, count=rng.randint(1, 2), **extra)
                    injected.append(kind)
                except Exception:
                    pass
        faults = threading.Thread(target=inject, daemon=True)
        faults.start()
        started = time.monotonic()
        try:
            first = run_cli(*args, timeout=240)
        finally:
            stop.set()
            faults.join()
        took = time.monotonic() - started
        sandbox.reset()
        err = first.stderr.decode()
        print(f"first run: {took:.1f} s, exit {first.returncode}, {len(injected)} faults injected")
        print("\n".join(err.splitlines()[-14:]))
        assert first.returncode in (10, 11), err
        assert len(injected) >= 30
        # 540 rows at 300 a minute: the limiter must have held the batch back for a window.
        assert took >= 55, f"{len(rows)} rows at --rate {RATE} finished in {took:.1f} s: nothing paced them"
        progress = [line for line in err.splitlines() if line.startswith("recover ")]
        assert len(progress) >= 10
        quota = [re.search(rf"· recover +(\d+)/min of {RATE}, slot in +(\S+) ·", line) for line in progress]
        assert all(quota), "a progress line without the quota:\n" + "\n".join(progress)
        # The rate shown never exceeds the limit, and the wait for the next slot was shown.
        assert all(int(m.group(1)) <= RATE for m in quota if m), progress
        assert any(m.group(2) != "0s" for m in quota if m), "the limiter's wait was not shown"

        def check(rep, settled: bool) -> None:
            records = {r["out_request_no"]: r for r in sandbox.recovers()}
            assert [int(r["line"]) for r in rep] == list(range(2, len(rows) + 2))
            for line, row in zip(rep, rows):
                assert line["out_request_no"] == row["out_request_no"]
                rec = records.get(row["out_request_no"])
                state = line["state"]
                if not settled and state == "IN_DOUBT":
                    continue  # the answer was lost or spoiled: the sandbox may or may not have it
                if row["kind"] == "good":
                    assert state == "ACCEPTED", line
                    assert rec is not None and rec["wxpay_recover_no"] == line["wxpay_recover_no"], (line, rec)
                    assert line["error_code"] == "" and line["error_message"] == ""
                else:
                    want = "ALREADY_EXISTS" if row["kind"] == "already" else "NOT_FOUND"
                    assert state == "REFUSED" and line["error_code"] == want, line
                    assert line["error_status"] == "API" and line["wxpay_recover_no"] == ""
                    assert rec is None, f"the sandbox recorded a refused row: {rec}"
                assert line["bal_account_no_last4"] == row["bal_account_no"][-4:]

        check(read_report(report), settled=False)
        # The same command again, with the faults gone: it resumes and settles every row.
        second = run_cli(*args, timeout=240)
        err2 = second.stderr.decode()
        assert second.returncode == 10, err2  # the refused rows stay refused
        rep = read_report(report)
        check(rep, settled=True)
        assert re.search(rf"^ACCEPTED\s+{GOOD}$", err2, re.M) and re.search(rf"^REFUSED\s+{ALREADY + UNKNOWN}$", err2, re.M), err2
        records = sandbox.recovers()
        assert {r["out_request_no"] for r in records} == \
            {r["out_request_no"] for r in rows if r["kind"] == "good"} | {f"PRE-{i}" for i in already}
        one_recover_per_control_order(records)
        assert_no_plaintext(err + err2 + report.read_text(), orders)
        with open(tmp_path / "orders.csv.journal.sqlite", "rb") as f:
            assert_no_plaintext(f.read().decode("latin-1"), orders)
    finally:
        sandbox.stop()
