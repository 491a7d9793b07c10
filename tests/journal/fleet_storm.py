#!/usr/bin/env python3
"""Fleet crash storm: replicas standing for three hosts share one PostgreSQL journal. Each has
its own working directory and configuration file; they share only the journal URL and the
sandbox. Every cycle they submit overlapping order lists at once while the sandbox holds or
drops answers after accepting, and most of them are killed with SIGKILL at random moments:

- replica A is a C process, replica B a Python one (the binding), replica C a C process;
- replica C is killed in an early cycle while it holds entries in flight, and never comes back:
  a survivor must settle what it left once its leases lapse;
- in one cycle the database itself crashes (``pg_ctl stop -m immediate``) under the running
  replicas and starts again a second later; those same processes must go on (a submit during
  the outage fails retry-safe, "journal ... unavailable", and is tried again) and journal new
  entries after the restart, and exit 0.

Then a client in this process fills its pool, sits idle while the database restarts (every
pooled connection closed by the server), and submits one order at a time: each must be
accepted, the database being back. At the end a C survivor and a Python survivor reconcile at the same
time until nothing is pending. Then the journal and the sandbox must agree exactly, as in crash_storm.py:

- every recover the sandbox holds is in the journal (nothing was sent unrecorded);
- every journal entry is final and has the sandbox's wxpay_recover_no and state;
- no control order was recovered twice;
- no plaintext bal_account_no is in a pg_dump of the database, nor in any file of its data
  directory (after a CHECKPOINT).

    fleet_storm.py [--cycles N] [--threads N] [--seed S]

--cycles defaults to $WX_FLEET_CYCLES, else 12 (about half a minute on two cores).

Needs target/release/{libwx_recover.so,wx-sandbox} and PostgreSQL's server binaries
(pg_server.py); builds the C child itself.
"""
import argparse
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.join(ROOT, "tests", "journal")
PY_CHILD = os.path.join(HERE, "child.py")
sys.path.insert(0, os.path.join(ROOT, "sandbox", "py"))
sys.path.insert(0, HERE)

from crash_storm import build_child  # noqa: E402
from pg_server import PgError, PgServer, why_unavailable  # noqa: E402
from wx_sandbox_launcher import Sandbox, SandboxError  # noqa: E402

NAME = "fleet-crash-storm"
WINDOW = 30        # orders shared by the replicas in one cycle
WINDOW_REENTRY = 6  # of them, orders from earlier cycles (re-entry, lease takeover)
PER_REPLICA = 16   # orders each replica submits from the window
PENDING = "state IN ('IN_DOUBT', 'ACCEPTED')"
STATUS_INVALID_ARGUMENT, STATUS_INTERNAL = 1, 9
IDLE_ORDERS = 8    # the idle-restart client: half fill its pool, half are submitted after the restart
LATE_MS = 1000     # a 'journal unavailable' this long after the database was back is a failure


def verdict(failures):
    for f in failures[:25]:
        print("FAIL:", f)
    if len(failures) > 25:
        print(f"FAIL: ... and {len(failures) - 25} more")
    print(f"{NAME}: {0 if failures else 1} passed, {1 if failures else 0} failed")
    return 1 if failures else 0


class Replica:
    """A process standing for one host: its kind, directory, configuration and children."""

    def __init__(self, name, kind, work, argv, sandbox, pg):
        self.name, self.kind, self.argv = name, kind, argv
        self.dir = os.path.join(work, f"replica-{name}")
        os.makedirs(self.dir)
        self.config = sandbox.write_config(
            os.path.join(self.dir, "client.json"), journal=pg.url, journal_timeout_ms=1500,
            journal_lease_margin_ms=1000, rate_limit_per_minute=0, max_attempts=2, timeout_ms=1500,
            deadline_ms=4000)
        self.alive = True  # False once it is killed for good
        self.proc = None

    def start(self, cycle, orders_file, threads, pace_ms=0):
        self.ready = os.path.join(self.dir, f"ready-{cycle}")
        self.out = os.path.join(self.dir, f"out-{cycle}.txt")
        self.err = os.path.join(self.dir, f"err-{cycle}.txt")
        env = dict(os.environ, WX_CHILD_READY_FILE=self.ready)
        with open(self.out, "w") as out, open(self.err, "w") as err:
            self.proc = subprocess.Popen([*self.argv, "fleet", self.config, orders_file, str(threads), str(pace_ms)],
                                         cwd=self.dir, env=env, stdout=out, stderr=err)
        self.ready_at = None
        self.killed = False
        return self.proc

    def outcomes(self):
        """{out_request_no: (status, unavailable, last_unavailable_ms, message)} of a finished run."""
        got = {}
        with open(self.out) as f:
            for line in f:
                parts = line.rstrip("\n").split(" ", 5)
                if len(parts) == 6:
                    got[parts[0]] = (int(parts[1]), int(parts[2]), int(parts[3]), parts[5])
        return got

    def stderr(self):
        with open(self.err) as f:
            return f.read()[-2000:]


def idle_restart(pg, config, orders):
    """A client that filled its pool, then sat idle while the database restarted (every pooled
    connection dropped by the server), then submits one order at a time: each should be
    accepted, the database being back. Returns how many connections it had, how many submits
    failed, and why. Nothing else is connected meanwhile."""
    sys.path.insert(0, os.path.join(ROOT, "bindings", "python"))
    import threading
    import wx_recover

    client = wx_recover.Client.from_file(config)

    def submit(order):
        no, wb, wx, mchid, bal = order
        try:
            client.submit(out_request_no=no, related_webank_punish_no=wb, related_wxpay_punish_no=wx,
                          mchid=mchid, bal_account_no=bal, recover_reason="journal crash storm")
            return None
        except wx_recover.WxError as e:
            return str(e)

    half = len(orders) // 2
    # Concurrent submits open as many connections as the pool holds.
    ts = [threading.Thread(target=submit, args=(o,)) for o in orders[:half]]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    pooled = int(pg.psql("SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = 'wx-recover'"))
    pg.restart()
    time.sleep(0.5)
    errors = [m for m in (submit(o) for o in orders[half:]) if m is not None]
    client.close()
    return {"pooled": pooled, "failed_after": len(errors), "messages": errors}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cycles", type=int, default=int(os.environ.get("WX_FLEET_CYCLES", 12)))
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    if args.cycles < 3:
        ap.error("--cycles must be at least 3")
    rng = random.Random(args.seed)
    dead_cycle = 1 if args.cycles < 6 else 2
    crash_cycle = max(dead_cycle + 1, args.cycles // 2)
    print(f"fleet crash storm: seed {args.seed}, {args.cycles} cycles, replica C dies in cycle {dead_cycle}, "
          f"the database crashes in cycle {crash_cycle}")
    why = why_unavailable()
    if why:
        return verdict([f"no PostgreSQL server here: {why}"])
    started = time.monotonic()
    work = tempfile.mkdtemp(prefix="wx-fleet-storm-")
    child = build_child(work)
    try:
        sandbox = Sandbox(state_dir=os.path.join(work, "sandbox"), log=os.path.join(work, "sandbox.log"),
                          orders=max(400, 32 * args.cycles), recover_delay_ms=50, rate_limit_per_minute=0)
    except SandboxError as e:
        return verdict([f"sandbox did not start: {e}"])
    replicas = []
    try:
        with PgServer(tag="fleet-storm") as pg:
            return storm(args, rng, work, child, sandbox, pg, replicas, dead_cycle, crash_cycle, started)
    except PgError as e:
        return verdict([f"PostgreSQL: {e}"])
    finally:
        for r in replicas:
            if r.proc is not None and r.proc.poll() is None:
                r.proc.kill()
                r.proc.wait()
        sandbox.stop()


def storm(args, rng, work, child, sandbox, pg, replicas, dead_cycle, crash_cycle, started):
    def sandbox_cli(*argv):
        subprocess.run([sandbox.binary, *argv, "--env-file", sandbox.env_file], check=True)

    def rows(sql):
        return [line.split("|") for line in pg.psql(sql).splitlines() if line]

    def journaled():
        try:
            return {r[0] for r in rows("SELECT out_request_no FROM wx_recover_entries")}
        except PgError as e:
            if "does not exist" in str(e):  # no client has opened the journal yet
                return set()
            raise

    def leased_by(pid):
        """Pending entries under a lease of the process `pid` (lease_owner HOST/START/PID-RANDOM)."""
        return {r[0] for r in rows(f"SELECT out_request_no FROM wx_recover_entries WHERE {PENDING} "
                                   f"AND lease_owner LIKE '%/' || '{int(pid)}' || '-%'")}

    a = Replica("A", "c", work, [child], sandbox, pg)
    b = Replica("B", "python", work, [sys.executable, PY_CHILD], sandbox, pg)
    c = Replica("C", "c", work, [child], sandbox, pg)
    replicas += [a, b, c]
    orders = sandbox.orders
    lines = [f"FS-{i} {o['related_webank_punish_no']} {o['related_wxpay_punish_no']} "
             f"{o['mchid']} {o['bal_account_no']}" for i, o in enumerate(orders)]
    failures = []
    planned = killed = mid_request = 0
    grew = {"c": 0, "python": 0}
    dead_pid, dead_left = None, set()
    crash = {}
    used = []   # orders of earlier windows, for re-entry
    next_new = 0
    seen = set()
    for cycle in range(args.cycles):
        # A window of new orders, and (after the first cycle) some from earlier ones.
        reentry = [i for i in used if f"FS-{i}" not in dead_left]
        old = rng.sample(reentry, min(WINDOW_REENTRY, len(reentry)))
        window = list(range(next_new, next_new + WINDOW - len(old))) + old
        next_new += WINDOW - len(old)
        used += [i for i in window if i not in used]
        running = [r for r in replicas if r.alive]
        lists = {}
        for r in running:
            lists[r.name] = {f"FS-{i}" for i in rng.sample(window, PER_REPLICA)}
            path = os.path.join(r.dir, f"orders-{cycle}.txt")
            with open(path, "w") as f:
                f.write("\n".join(lines[int(no[3:])] for no in sorted(lists[r.name])) + "\n")
            r.orders_file = path
        sandbox_cli("reset")
        for kind, extra in (("reset_after_accept", []), ("delay", ["--ms", "400"])):
            n = rng.randint(1, 6) + (10 if cycle == dead_cycle and kind == "delay" else 0)
            sandbox_cli("fault", kind, str(n), "--path", "recover", *extra)
        is_crash = cycle == crash_cycle
        # When each replica is killed, in seconds after it is ready (None: left to finish).
        plan = {}
        for r in running:
            if is_crash:
                plan[r.name] = None
            elif r is c and cycle == dead_cycle:
                plan[r.name] = rng.uniform(0.05, 0.3)
            else:
                plan[r.name] = rng.uniform(0.02, 0.4) if rng.random() < 0.8 else None
            planned += plan[r.name] is not None
        for r in running:
            r.start(cycle, r.orders_file, args.threads, pace_ms=300 if is_crash else 0)
        t0 = time.monotonic()
        crashed = False
        while any(r.proc.poll() is None for r in running):
            now = time.monotonic()
            if now - t0 > 90:
                for r in running:
                    if r.proc.poll() is None:
                        r.proc.kill()
                failures.append(f"cycle {cycle}: replicas still running after 90 s")
                break
            for r in running:
                if r.proc.poll() is not None:
                    continue
                if r.ready_at is None and os.path.exists(r.ready):
                    r.ready_at = now
                if is_crash and not crashed and all(x.ready_at is not None for x in running) \
                        and now >= max(x.ready_at for x in running) + 0.15:
                    crashed = True
                    pg.crash()
                    crash["down"] = time.time()
                    time.sleep(1.0)
                    pg.start()
                    crash["up"] = time.time()
                    crash["after"] = journaled()
                    crash["running_at_restart"] = [x.name for x in running if x.proc.poll() is None]
                    break
                delay = plan.get(r.name)
                if delay is None or r.ready_at is None or now < r.ready_at + delay:
                    continue
                if r is c and cycle == dead_cycle:
                    # Kill it while it holds an entry in flight (the delay faults hold answers).
                    give_up = time.monotonic() + 3
                    while not leased_by(r.proc.pid) and time.monotonic() < give_up and r.proc.poll() is None:
                        time.sleep(0.02)
                if r.proc.poll() is not None:
                    continue
                r.proc.send_signal(signal.SIGKILL)
                r.proc.wait()
                r.killed = True
                killed += 1
                # Nothing new can be written by a dead process: what is pending under its lease
                # now was recorded and neither answered nor settled.
                left = leased_by(r.proc.pid)
                mid_request += bool(left)
                if r is c and cycle == dead_cycle:
                    r.alive = False
                    dead_pid, dead_left = r.proc.pid, left
            time.sleep(0.005)
        for r in running:
            r.proc.wait()
            if r.killed:
                continue
            if r.proc.returncode != 0:
                failures.append(f"cycle {cycle}: replica {r.name} exited {r.proc.returncode}: {r.stderr()}")
                continue
            got = r.outcomes()
            if set(got) != lists[r.name]:
                failures.append(f"cycle {cycle}: replica {r.name} reported {len(got)} of {len(lists[r.name])} orders")
            for no, (status, _, _, message) in got.items():
                if status in (STATUS_INVALID_ARGUMENT, STATUS_INTERNAL):
                    failures.append(f"cycle {cycle}: replica {r.name}: {no}: status {status}: {message}")
                elif "journal " in message and " unavailable" in message:
                    failures.append(f"cycle {cycle}: replica {r.name}: {no}: journal still unavailable after 30 s")
        if cycle == dead_cycle and c.alive:
            failures.append(f"cycle {cycle}: replica C finished before it could be killed")
            c.alive = False
        now_set = journaled()
        for no in now_set - seen:
            # Credited to a kind only when one replica alone had it.
            had = [r for r in running if no in lists[r.name]]
            if len(had) == 1:
                grew[had[0].kind] += 1
        seen = now_set
        if is_crash:
            crash["lists"] = {r.name: lists[r.name] for r in running}
            crash["replicas"] = [(r.name, r.kind, r.proc.returncode, r.outcomes() if r.proc.returncode == 0 else {},
                                  r.stderr()) for r in running]
            crash["journaled"] = now_set

    # The database crash: the same processes went on and journaled after the restart.
    crash_note = "the database never crashed"
    if "up" not in crash:
        failures.append(f"cycle {crash_cycle}: the database was not crashed (the replicas ended first)")
    else:
        notes = []
        for name, kind, code, got, err in crash["replicas"]:
            mine = crash["lists"][name] - set().union(*(v for k, v in crash["lists"].items() if k != name))
            after = (mine - crash["after"]) & crash["journaled"]
            unavailable = sum(o[1] for o in got.values())
            # A client must work again once the database is back: a failure well after the restart
            # (pg_ctl returned: it accepts connections) is one too many.
            late = sum(1 for o in got.values() if o[2] > crash["up"] * 1000 + LATE_MS)
            retried_ok = sum(1 for o in got.values() if o[1] > 0 and o[0] == 0)
            notes.append(f"{name} ({kind}) exit {code}, {unavailable} submits failed 'journal unavailable' "
                         f"({late} of them over {LATE_MS} ms after the restart), {retried_ok} orders accepted "
                         f"on a later try, "
                         f"{len(after)} entries only it could have journaled after the restart")
            if code != 0:
                failures.append(f"database crash: replica {name} exited {code}: {err}")
            if late:
                failures.append(f"database crash: replica {name}: {late} submits failed 'journal unavailable' over "
                                f"{LATE_MS} ms after the database was back")
            if name not in crash["running_at_restart"]:
                failures.append(f"database crash: replica {name} had ended before the database was back")
            elif not after:
                failures.append(f"database crash: replica {name} journaled nothing of its own after the restart")
        crash_note = "; ".join(notes)

    # The end: the faults cleared, a C survivor and a Python survivor reconcile at once.
    sandbox_cli("reset")
    idle = idle_restart(pg, a.config, [lines[i].split() for i in range(next_new, next_new + IDLE_ORDERS)])
    if idle["failed_after"]:
        failures.append(f"idle restart: {idle['failed_after']} of {IDLE_ORDERS // 2} submits after the database was "
                        f"back failed: {idle['messages'][:2]}")
    dead_pending = leased_by(dead_pid) if dead_pid else set()
    pending_before = int(rows(f"SELECT COUNT(*) FROM wx_recover_entries WHERE {PENDING}")[0][0])
    rec_started = time.monotonic()
    recs = [subprocess.Popen([child, "reconcile", a.config, "300"], cwd=a.dir, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True),
            subprocess.Popen([sys.executable, PY_CHILD, "reconcile", b.config, "300"], cwd=b.dir,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)]
    for who, p in zip(("C reconcile (replica A)", "Python reconcile (replica B)"), recs):
        try:
            out, err = p.communicate(timeout=150)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
        if p.returncode != 0:
            left = rows("SELECT out_request_no, state, attempts, error_status, error_message, lease_owner, "
                        f"lease_until FROM wx_recover_entries WHERE {PENDING}")
            failures.append(f"{who} exited {p.returncode}: {out}{err}" + "".join(f"\n    {x}" for x in left[:10]))
    rec_secs = time.monotonic() - rec_started

    records = sandbox.recovers()
    entries = {r[0]: (r[1], r[2] or None) for r in rows(
        "SELECT out_request_no, state, wxpay_recover_no FROM wx_recover_entries")}
    by_control = {}
    for rec in records:
        by_control.setdefault(rec["related_wxpay_punish_no"], []).append(rec["out_request_no"])
        e = entries.get(rec["out_request_no"])
        if e is None:
            failures.append(f"{rec['out_request_no']}: at the sandbox but not in the journal")
            continue
        want = {"SUCCESS": "SUCCEEDED", "FAILED": "FAILED"}.get(rec["state"])
        if e[0] != want or e[1] != rec["wxpay_recover_no"]:
            failures.append(f"{rec['out_request_no']}: journal {e} != sandbox {rec['state']} {rec['wxpay_recover_no']}")
    for control, nos in by_control.items():
        if len(nos) > 1:
            failures.append(f"control order {control} recovered {len(nos)} times: {nos}")
    sent = {rec["out_request_no"] for rec in records}
    for no, (state, _) in entries.items():
        if state not in ("SUCCEEDED", "FAILED") and not (state == "REFUSED" and no not in sent):
            failures.append(f"{no}: journal entry left {state}")
    # The dead replica's work: left in flight under its lease, settled by a survivor.
    if not dead_left:
        failures.append(f"replica C (pid {dead_pid}) left no entry in flight under its lease when it was killed")
    unsettled = [no for no in dead_left if entries.get(no, ("?",))[0] not in ("SUCCEEDED", "FAILED", "REFUSED")]
    if unsettled:
        failures.append(f"entries replica C left were not settled by a survivor: {sorted(unsettled)}")

    # No plaintext ledger id in a dump, nor in the server's files once a checkpoint wrote them.
    # The related_wxpay_punish_no values, which the journal keeps in clear, are the control: a
    # search that does not find them would find nothing.
    bals = {o["bal_account_no"] for o in orders}
    controls = {o["related_wxpay_punish_no"] for i, o in enumerate(orders) if f"FS-{i}" in entries}
    dump = pg.pg_dump()
    leaked = [x for x in bals if x.encode() in dump]
    if leaked:
        failures.append(f"{len(leaked)} plaintext bal_account_no values in pg_dump")
    if not any(x.encode() in dump for x in controls):
        failures.append("the control values are not in pg_dump either: the search is blind")
    pg.psql("CHECKPOINT")
    targets = bals | controls
    lengths = {len(x) for x in targets}
    digits = re.compile(rb"[0-9]{%d,}" % min(lengths))
    found = {}
    scanned = 0
    for folder, _, names in os.walk(pg.data_dir):
        for name in names:
            path = os.path.join(folder, name)
            try:
                with open(path, "rb") as f:
                    blob = f.read()
            except OSError:
                continue
            scanned += len(blob)
            for m in digits.finditer(blob):
                run = m.group().decode()
                for n in lengths:
                    for i in range(len(run) - n + 1):
                        if run[i:i + n] in targets:
                            found.setdefault(run[i:i + n], os.path.relpath(path, pg.data_dir))
    in_files = {x: where for x, where in found.items() if x in bals}
    if in_files:
        failures.append(f"{len(in_files)} plaintext bal_account_no values in the data directory, e.g. in "
                        f"{sorted(set(in_files.values()))[:5]}")
    seen_controls = len(set(found) & controls)
    if not seen_controls:
        failures.append(f"none of {len(controls)} control values found in the {scanned} bytes of the data "
                        "directory: the search is blind")

    taken_over = " (the others re-entered by a survivor once the lease lapsed)" \
        if len(dead_pending) < len(dead_left) else ""
    print(f"{killed} kills of {planned} planned in {args.cycles} cycles, {mid_request} of them mid-request "
          f"(the dead process left entries in flight under its lease); replica C (pid {dead_pid}) killed for good "
          f"in cycle {dead_cycle} leaving {len(dead_left)} entries in flight, {len(dead_pending)} still pending "
          f"under its lease before the final reconcile{taken_over}, "
          f"all settled by the survivors: {not unsettled and bool(dead_left)}")
    print(f"database crash in cycle {crash_cycle}: {crash_note}")
    print(f"idle restart: a client with {idle['pooled']} pooled connections, idle while the database restarted: "
          f"{IDLE_ORDERS // 2 - idle['failed_after']} of its next {IDLE_ORDERS // 2} submits (one at a time, from "
          f"0.5 s after the database was back) accepted")
    print(f"final reconcile: {pending_before} pending entries settled by two survivors at once in {rec_secs:.1f} s; "
          f"{len(records)} recovers at the sandbox, {len(entries)} journal entries (new orders journaled by C replicas "
          f"alone: {grew['c']}, by the Python replica alone: {grew['python']}); plaintext bal_account_no values: "
          f"{len(leaked)} in pg_dump, {len(in_files)} in {scanned >> 20} MiB of data directory ({seen_controls} of "
          f"{len(controls)} clear control values found there); {time.monotonic() - started:.0f} s")
    if killed < planned * 0.6:
        failures.append(f"only {killed} of {planned} planned kills found the replica still running")
    if mid_request * 4 < killed:
        failures.append(f"only {mid_request} of {killed} kills left entries in flight (fewer than a quarter): "
                        "the storm no longer tests the window that matters")
    if grew["c"] == 0 or grew["python"] == 0:
        failures.append("a kind of replica journaled nothing of its own")
    return verdict(failures)


if __name__ == "__main__":
    sys.exit(main())
