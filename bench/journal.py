#!/usr/bin/env python3
"""What the journal costs per submit: client CPU and wall time with and without a journal, and
the fsyncs it does (strace), against the sandbox; and the same for the PostgreSQL journal (a
real server from tests/journal/pg_server.py), with its round trips to the database counted by a
TCP relay between the client and the server. `bench/run.sh` runs it; alone:

    python3 bench/journal.py [--n 300] [--rounds 3]   prints a JSON report; --out FILE too

A round trip is what the relay sees as one turn: the client sends, then the server answers
before the client sends again. Each prepared statement the journal runs is one; connecting
and preparing are left out by taking the marginal count (n submits minus n/2, over n/2).
"""
import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REL = os.path.join(ROOT, "target", "release")
sys.path.insert(0, os.path.join(ROOT, "sandbox", "py"))
from wx_sandbox_launcher import Sandbox, SandboxError  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "tests", "journal"))
from pg_server import PgServer  # noqa: E402


class TurnCounter:
    """A loopback TCP relay to `port` that counts turns: a client send that follows an answer
    from the server (or opens the connection) starts a new round trip."""

    def __init__(self, port: int) -> None:
        self.target = port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.turns = 0
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target))
            for s in (client, server):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            state = {"last": "server"}
            threading.Thread(target=self._pump, args=(client, server, state, "client"), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, state, "server"), daemon=True).start()

    def _pump(self, src, dst, state, side) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                with self.lock:
                    # A Terminate message (closing the connection) waits for no answer.
                    if side == "client" and state["last"] == "server" and not data.startswith(b"X\0\0\0\x04"):
                        self.turns += 1
                    state["last"] = side
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def take(self) -> int:
        with self.lock:
            n, self.turns = self.turns, 0
            return n


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
    total = per_run * (3 * args.rounds + 4)
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

        pg = PgServer(tag="bench").start()
        relay = TurnCounter(pg.port)

        def run(journal, strace=False, n=None):
            n = args.n if n is None else n
            nonlocal batch
            cfg = dict(base)
            if journal == "postgresql":
                cfg["journal"] = pg.url_for(sslmode="disable").replace(f":{pg.port}/", f":{relay.port}/")
            elif journal:
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
            relay.take()
            r = subprocess.run(cmd, capture_output=True, text=True, check=True)
            out = json.loads(r.stdout.strip().splitlines()[-1])
            out["round_trips"] = relay.take()
            if strace:
                text = open(trace).read()
                out["fsyncs"] = sum(int(m.group(1)) for m in re.finditer(r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)(?:\s+\d+)?\s+f(?:data)?sync\s*$", text, re.M))
            return out

        plain, journaled, fleet = [], [], []
        # The first client to use the database creates its tables: not a submit's cost.
        run("postgresql", n=2)
        for _ in range(args.rounds):
            plain.append(run(False))
            journaled.append(run(True))
            fleet.append(run("postgresql"))
        fleet_half = run("postgresql", n=args.n // 2)
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
            "failed": sum(r["failed"] for r in plain + journaled + fleet),
            "postgresql": {
                "cpu_us_per_submit": statistics.median(per(fleet, "cpu_us")),
                "wall_us_per_submit": statistics.median(per(fleet, "wall_us")),
                "round_trips_per_submit": (fleet[-1]["round_trips"] - fleet_half["round_trips"])
                / (fleet[-1]["n"] - fleet_half["n"]),
                "round_trips_total": fleet[-1]["round_trips"],
            },
        }
        f = report["postgresql"]
        f["journal_cpu_us"] = f["cpu_us_per_submit"] - report["cpu_us_per_submit"]["plain"]
        f["journal_wall_us"] = f["wall_us_per_submit"] - report["wall_us_per_submit"]["plain"]
        report["journal_cpu_us"] = report["cpu_us_per_submit"]["journal"] - report["cpu_us_per_submit"]["plain"]
        report["journal_wall_us"] = report["wall_us_per_submit"]["journal"] - report["wall_us_per_submit"]["plain"]
        print(json.dumps(report, indent=2))
        if args.out:
            json.dump(report, open(args.out, "w"), indent=2)
        ok = report["fsyncs_per_submit"] <= 2.0 and report["failed"] == 0
        print(f"journal: {report['fsyncs_per_submit']:.2f} fsyncs per submit (target <= 2): "
              f"{'met' if ok else 'MISSED'}", file=sys.stderr)
        rt = f["round_trips_per_submit"]
        print(f"postgresql journal: {rt:.2f} round trips per submit (target <= 2): "
              f"{'met' if rt <= 2.0 else 'MISSED'}", file=sys.stderr)
        return 0
    finally:
        sb.stop()
        if "pg" in locals():
            pg.close()


if __name__ == "__main__":
    sys.exit(main())
