#!/usr/bin/env python3
"""The journal race: six processes submit ONE out_request_no at the same instant, three with a
control order X and three with another control order Y (the same number, other related punish
numbers, merchant and ledger). The journal must let exactly one content through:

- the sandbox holds exactly one recover for that out_request_no, and it is X's or Y's;
- each process submitting the winning order is accepted with that recover's wxpay_recover_no;
- each process submitting the losing order gets InvalidArgument naming out_request_no, and the
  losing control order is never recovered;
- the journal entry is the winner's.

Each round has fresh numbers; a third of the rounds hold the winner's answer 400 ms (the others
with the same content wait for it), a third drop the connection after the sandbox accepted (the
winner re-sends). The rounds run against a PostgreSQL journal (pg_server.py), then against a
SQLite file for contrast.

    race.py [--rounds N] [--seed S] [--no-sqlite]

The processes are race_child.py (the Python binding), each with its own client; they start
together on a signal file and a common instant.
"""
import argparse
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.join(ROOT, "tests", "journal")
RACE_CHILD = os.path.join(HERE, "race_child.py")
sys.path.insert(0, os.path.join(ROOT, "sandbox", "py"))
sys.path.insert(0, HERE)

from pg_server import PgError, PgServer, why_unavailable  # noqa: E402
from wx_sandbox_launcher import Sandbox, SandboxError  # noqa: E402

NAME = "journal-race"
PROCESSES = 6
FAULTS = (None, ("delay", ["--ms", "400"]), ("reset_after_accept", []))


def wait_files(paths, timeout, procs):
    """Waits until process i has written paths[i]; False when one exits without it, or after `timeout`."""
    give_up = time.monotonic() + timeout
    while True:
        missing = [i for i, p in enumerate(paths) if not os.path.exists(p)]
        if not missing:
            return True
        if any(procs[i].poll() is not None for i in missing) or time.monotonic() > give_up:
            return False
        time.sleep(0.01)


def race(engine, journal, rounds, rng, work, sandbox, next_order, pg=None):
    """Runs `rounds` rounds against one journal; returns (passed, failures, notes)."""
    folder = os.path.join(work, engine)
    os.makedirs(folder)
    config = sandbox.write_config(os.path.join(folder, "client.json"), journal=journal, journal_timeout_ms=1500,
                                  journal_lease_margin_ms=1000, rate_limit_per_minute=0, max_attempts=3,
                                  timeout_ms=2000, deadline_ms=6000)

    def sandbox_cli(*argv):
        subprocess.run([sandbox.binary, *argv, "--env-file", sandbox.env_file], check=True)

    def journal_entry(no):
        if pg is not None:
            out = pg.psql("SELECT related_wxpay_punish_no, state, COALESCE(wxpay_recover_no, '') "
                          f"FROM wx_recover_entries WHERE out_request_no = '{no}'").splitlines()
            return [tuple(line.split("|")) for line in out]
        db = sqlite3.connect(journal)
        try:
            return [(a, b, c or "") for a, b, c in db.execute(
                "SELECT related_wxpay_punish_no, state, wxpay_recover_no FROM entries WHERE out_request_no = ?",
                (no,))]
        finally:
            db.close()

    logs = [open(os.path.join(folder, f"child-{i}.log"), "w") for i in range(PROCESSES)]
    procs = [subprocess.Popen([sys.executable, RACE_CHILD, config, folder, str(i), str(rounds)],
                              stdout=logs[i], stderr=logs[i]) for i in range(PROCESSES)]
    passed, failures, spreads, sent_by, x_won = 0, [], [], [], 0
    finished = False
    try:
        if not wait_files([os.path.join(folder, f"ready-{i}") for i in range(PROCESSES)], 120, procs):
            return 0, [f"{engine}: the {PROCESSES} processes did not all open their clients"], ""
        orders = sandbox.orders
        for r in range(rounds):
            x, y = next_order(), next_order()
            no = f"RACE{engine[:2].upper()}{r}x{rng.randrange(10**8):08d}"
            content = {o: [no, orders[o]["related_webank_punish_no"], orders[o]["related_wxpay_punish_no"],
                           orders[o]["mchid"], orders[o]["bal_account_no"]] for o in (x, y)}
            sides = [x] * (PROCESSES // 2) + [y] * (PROCESSES - PROCESSES // 2)
            rng.shuffle(sides)
            sandbox_cli("reset")
            fault = FAULTS[r % len(FAULTS)]
            if fault:
                sandbox_cli("fault", fault[0], "1", "--path", "recover", *fault[1])
            go = os.path.join(folder, f"go-{r}.json")
            with open(go + ".tmp", "w") as f:
                json.dump({"at": time.time() + 0.4, "orders": [content[s] for s in sides]}, f)
            os.replace(go + ".tmp", go)
            paths = [os.path.join(folder, f"result-{r}-{i}.json") for i in range(PROCESSES)]
            if not wait_files(paths, 60, procs):
                failures.append(f"{engine} round {r}: not every process answered within 60 s")
                break
            results = []
            for p in paths:
                with open(p) as f:
                    results.append(json.load(f))
            spreads.append(max(res["started"] for res in results) - min(res["started"] for res in results))
            bad = []
            recs = [rec for rec in sandbox.recovers() if rec["out_request_no"] == no]
            winner = None
            if len(recs) != 1:
                bad.append(f"the sandbox holds {len(recs)} recovers for {no}")
            else:
                rec = recs[0]
                winner = next((o for o in (x, y) if content[o][1] == rec["related_webank_punish_no"]
                               and content[o][2] == rec["related_wxpay_punish_no"]), None)
                if winner is None:
                    bad.append(f"the sandbox's recover of {no} is neither X's nor Y's: {rec}")
            if winner is not None:
                x_won += winner == x
                loser = y if winner == x else x
                for i, (side, res) in enumerate(zip(sides, results)):
                    who = f"process {i} ({'winning' if side == winner else 'losing'} order)"
                    if side == winner:
                        if not res["ok"]:
                            bad.append(f"{who} failed: {res}")
                        elif res["wxpay_recover_no"] != rec["wxpay_recover_no"]:
                            bad.append(f"{who} got {res['wxpay_recover_no']}, "
                                       f"the sandbox has {rec['wxpay_recover_no']}")
                    elif res["ok"] or res.get("error") != "InvalidArgument" or "out_request_no" not in res["message"]:
                        bad.append(f"{who}: {res} (wanted InvalidArgument naming out_request_no)")
                sent_by.append(sum(1 for side, res in zip(sides, results)
                                   if side == winner and res["ok"] and res["attempts"] > 0))
                lost_wx = content[loser][2]
                again = [rec2["out_request_no"] for rec2 in sandbox.recovers()
                         if rec2["related_wxpay_punish_no"] == lost_wx]
                if again:
                    bad.append(f"the losing control order {lost_wx} was recovered: {again}")
                entry = journal_entry(no)
                if len(entry) != 1 or entry[0][0] != content[winner][2] or entry[0][1] not in ("ACCEPTED", "SUCCEEDED"):
                    bad.append(f"journal entry {entry} is not the winner's ({content[winner][2]}, accepted)")
                elif entry[0][2] != rec["wxpay_recover_no"]:
                    bad.append(f"journal wxpay_recover_no {entry[0][2]} != sandbox {rec['wxpay_recover_no']}")
            if bad:
                failures += [f"{engine} round {r} ({fault[0] if fault else 'no fault'}): {b}" for b in bad]
            else:
                passed += 1
        finished = True
    finally:
        for p in procs:
            if not finished and p.poll() is None:
                p.kill()  # it would wait for a round that never comes
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for f in logs:
            f.close()
    for i, p in enumerate(procs):
        if p.returncode != 0:
            with open(os.path.join(folder, f"child-{i}.log")) as f:
                failures.append(f"{engine}: process {i} exited {p.returncode}: {f.read()[-1500:]}")
    note = (f"{engine}: {passed} of {rounds} rounds passed; the six submits started within "
            f"{max(spreads, default=0) * 1000:.1f} ms of each other (median "
            f"{sorted(spreads)[len(spreads) // 2] * 1000 if spreads else 0:.1f} ms); in each round "
            f"{'/'.join(str(n) for n in sent_by)} winning processes sent HTTP requests, the others had the "
            f"answer from the journal; X won {x_won} rounds, Y {len(sent_by) - x_won}")
    return passed, failures, note


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("WX_RACE_ROUNDS", 10)))
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--no-sqlite", action="store_true", help="only the PostgreSQL journal")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    print(f"journal race: seed {args.seed}, {args.rounds} rounds of {PROCESSES} processes per journal")
    engines = 1 if args.no_sqlite else 2
    why = why_unavailable()
    if why:
        print(f"FAIL: no PostgreSQL server here: {why}")
        print(f"{NAME}: 0 passed, {args.rounds * engines} failed")
        return 1
    work = tempfile.mkdtemp(prefix="wx-journal-race-")
    try:
        sandbox = Sandbox(state_dir=os.path.join(work, "sandbox"), log=os.path.join(work, "sandbox.log"),
                          orders=max(100, 4 * args.rounds * engines), recover_delay_ms=50, rate_limit_per_minute=0)
    except SandboxError as e:
        print(f"FAIL: sandbox did not start: {e}")
        print(f"{NAME}: 0 passed, {args.rounds * engines} failed")
        return 1
    counter = iter(range(len(sandbox.orders)))
    passed, failures, notes = 0, [], []
    started = time.monotonic()
    try:
        with PgServer(tag="race") as pg:
            n, f, note = race("postgresql", pg.url, args.rounds, rng, work, sandbox, lambda: next(counter), pg)
            passed, failures, notes = passed + n, failures + f, notes + [note]
        if not args.no_sqlite:
            n, f, note = race("sqlite", os.path.join(work, "journal.sqlite"), args.rounds, rng, work, sandbox,
                              lambda: next(counter))
            passed, failures, notes = passed + n, failures + f, notes + [note]
    except PgError as e:
        failures.append(f"PostgreSQL: {e}")
    finally:
        sandbox.stop()
    for note in notes:
        print(note)
    print(f"{time.monotonic() - started:.0f} s")
    for f in failures[:25]:
        print("FAIL:", f)
    total = args.rounds * engines
    print(f"{NAME}: {passed} passed, {total - passed} failed")
    return 0 if passed == total and not failures else 1


if __name__ == "__main__":
    sys.exit(main())
