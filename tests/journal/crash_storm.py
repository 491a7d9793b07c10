#!/usr/bin/env python3
"""Journal crash storm: submitter processes (C and Python in turn) sharing one journal are killed with SIGKILL at
random moments while the sandbox holds or drops answers after accepting; after each kill a
new process reconciles. At the end the journal and the sandbox must agree exactly:

- every recover the sandbox holds is in the journal (nothing was sent unrecorded);
- every journal entry is final and has the sandbox's wxpay_recover_no and state;
- no control order was recovered twice.

    crash_storm.py [--cycles N] [--orders N] [--threads N] [--seed S]

Needs target/release/{libwx_recover.so,wx-sandbox}; builds the C child itself.
"""
import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REL = os.path.join(ROOT, "target", "release")
PY_CHILD = os.path.join(ROOT, "tests", "journal", "child.py")
sys.path.insert(0, os.path.join(ROOT, "sandbox", "py"))

from wx_sandbox_launcher import Sandbox, SandboxError  # noqa: E402


def build_child(out_dir):
    exe = os.path.join(out_dir, "journal_child")
    common = os.path.join(ROOT, "tests", "common")
    subprocess.run(
        ["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O1", "-pthread",
         "-I" + os.path.join(ROOT, "include"), "-I" + common, os.path.join(ROOT, "tests", "journal", "child.c"),
         os.path.join(common, "child_common.c"), "-o", exe, "-L" + REL, "-Wl,-rpath," + REL, "-lwx_recover"],
        check=True)
    return exe


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cycles", type=int, default=int(os.environ.get("WX_STORM_CYCLES", 25)))
    ap.add_argument("--orders", type=int, default=0, help="sandbox orders (default: 24 per cycle, at least 300)")
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    # Enough orders that every batch is mostly new: a batch of orders already settled returns
    # from the journal at once and would end before it could be killed.
    args.orders = args.orders or max(300, 24 * args.cycles)
    print(f"journal crash storm: seed {args.seed}, {args.cycles} kill cycles")

    work = tempfile.mkdtemp(prefix="wx-journal-storm-")
    child = build_child(work)
    try:
        sandbox = Sandbox(state_dir=os.path.join(work, "sandbox"), log=os.path.join(work, "sandbox.log"),
                          orders=args.orders, recover_delay_ms=50, rate_limit_per_minute=0)
    except SandboxError as e:
        sys.exit(f"sandbox did not start: {e}")

    def sandbox_cli(*argv):
        subprocess.run([sandbox.binary, *argv, "--env-file", sandbox.env_file], check=True)
    try:
        journal = os.path.join(work, "journal.sqlite")
        config = sandbox.write_config(os.path.join(work, "client.json"), journal=journal, rate_limit_per_minute=0,
                                      max_attempts=2, timeout_ms=1500, deadline_ms=4000)
        orders = sandbox.orders
        lines = [f"CS-{i} {o['related_webank_punish_no']} {o['related_wxpay_punish_no']} "
                 f"{o['mchid']} {o['bal_account_no']}" for i, o in enumerate(orders)]
        killed = 0
        # Kills that landed while a request was in flight at the sandbox (it had arrived and
        # was not yet answered): the window that matters, as opposed to between calls.
        mid_request = 0
        grew = {"c": 0, "python": 0}
        seen = 0
        for cycle in range(args.cycles):
            # New orders and ones seen before (re-entry) in one batch.
            batch = rng.sample(range(len(lines)), 24)
            path = os.path.join(work, f"batch-{cycle}.txt")
            with open(path, "w") as f:
                f.write("\n".join(lines[i] for i in batch) + "\n")
            for kind, extra in (("reset_after_accept", []), ("delay", ["--ms", "400"])):
                sandbox_cli("fault", kind, str(rng.randint(1, 6)), "--path", "recover", *extra)
            # C and Python submitters take turns.
            submitter = [child] if cycle % 2 == 0 else [sys.executable, PY_CHILD]
            p = subprocess.Popen([*submitter, "submit", config, path, str(args.threads)])
            # Python needs a moment to import before its first submit.
            time.sleep(rng.uniform(0.02, 0.3) + (0 if cycle % 2 == 0 else 0.3))
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                p.wait()
                killed += 1
                # Nothing new can arrive from a dead process: a request in flight now was sent
                # before the kill and had no answer yet.
                st = sandbox.stats()
                if st["primary"]["in_flight"] + st["backup"]["in_flight"] > 0:
                    mid_request += 1
            p.wait()
            sandbox_cli("reset")
            r = subprocess.run([child, "reconcile", config, "100"], capture_output=True,
                               text=True, timeout=120)
            if r.returncode != 0:
                db = sqlite3.connect(journal)
                left = db.execute("SELECT out_request_no, state, attempts, error_status, error_http_status, "
                                  "error_code, error_message, lease_owner, lease_until FROM entries "
                                  "WHERE state IN ('IN_DOUBT', 'ACCEPTED')").fetchall()
                db.close()
                sys.exit(f"cycle {cycle}: reconcile left work: {r.stdout}{r.stderr}\n"
                         + "\n".join(map(str, left)))
            if os.path.exists(journal):
                db = sqlite3.connect(journal)
                now = db.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
                db.close()
                grew["c" if cycle % 2 == 0 else "python"] += now - seen
                seen = now

        records = sandbox.recovers()
        db = sqlite3.connect(journal)
        entries = {row[0]: row[1:] for row in db.execute(
            "SELECT out_request_no, state, wxpay_recover_no FROM entries")}
        db.close()
        failures = []
        by_control = {}
        for rec in records:
            by_control.setdefault(rec["related_wxpay_punish_no"], []).append(rec["out_request_no"])
            e = entries.get(rec["out_request_no"])
            if e is None:
                failures.append(f"{rec['out_request_no']}: at the sandbox but not in the journal")
                continue
            want = {"SUCCESS": "SUCCEEDED", "FAILED": "FAILED"}.get(rec["state"])
            if e[0] != want or e[1] != rec["wxpay_recover_no"]:
                failures.append(f"{rec['out_request_no']}: journal {e} != sandbox "
                                f"{rec['state']} {rec['wxpay_recover_no']}")
        for control, nos in by_control.items():
            if len(nos) > 1:
                failures.append(f"control order {control} recovered {len(nos)} times: {nos}")
        sent = {rec["out_request_no"] for rec in records}
        for no, (state, _) in entries.items():
            if state not in ("SUCCEEDED", "FAILED") and not (state == "REFUSED" and no not in sent):
                failures.append(f"{no}: journal entry left {state}")
        with open(journal, "rb") as f:
            blob = f.read()
        if os.path.exists(journal + "-wal"):
            with open(journal + "-wal", "rb") as f:
                blob += f.read()
        leaked = [o["bal_account_no"] for o in orders if o["bal_account_no"].encode() in blob]
        if leaked:
            failures.append(f"{len(leaked)} plaintext bal_account_no values found in the journal")
        print(f"{killed} kills in {args.cycles} cycles, {mid_request} of them while a request was in flight "
              f"({killed - mid_request} between calls); {len(records)} recovers at the sandbox, "
              f"{len(entries)} journal entries (new orders journaled by C submitters: {grew['c']}, "
              f"by Python submitters: {grew['python']})")
        if killed < args.cycles * 0.8:
            failures.append(f"only {killed} of {args.cycles} submitters were still running when killed")
        if mid_request * 4 < killed:
            failures.append(f"only {mid_request} of {killed} kills landed while a request was in flight "
                            "(fewer than a quarter): the storm no longer tests the window that matters")
        if args.cycles >= 2 and (grew["c"] == 0 or grew["python"] == 0):
            failures.append("a kind of submitter journaled nothing before it was killed")
        for f in failures[:20]:
            print("FAIL:", f)
        print(f"journal-crash-storm: {0 if failures else 1} passed, {1 if failures else 0} failed")
        return 1 if failures else 0
    finally:
        sandbox.stop()


if __name__ == "__main__":
    sys.exit(main())
