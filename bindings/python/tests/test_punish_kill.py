"""A process killed while the sandbox holds its punish's answer leaves an IN_DOUBT punish;
reconcile settles it with the sandbox's own number and follows it to SUCCEEDED. Nothing is placed
twice (docs/lifecycle.md, "When the process dies in between")."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import wx_recover
from wx_recover import JournalState

PY_DIR = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, wx_recover
cfg, req = json.loads(sys.argv[1]), json.loads(sys.argv[2])
with wx_recover.Client(json.dumps(cfg)) as c:
    c.punish(**req)
"""


def test_a_killed_punish_is_reconciled_to_succeeded_and_placed_once(faults, tmp_path):
    sandbox = faults
    journal = tmp_path / "journal.sqlite"
    cfg = sandbox.config(journal=str(journal), max_attempts=1, timeout_ms=30000, deadline_ms=60000)
    order = sandbox.take_order()
    no = f"PYK{time.time_ns()}"
    req = dict(out_request_no=no, mchid=order["mchid"], bal_account_no="6230000000000888001", punish_scene=4,
               card_no="6222020000000008888")
    # The sandbox accepts the punish and holds its answer.
    sandbox.fault("delay", 1, path="punish", ms=20000)
    child = subprocess.Popen([sys.executable, "-c", CHILD, json.dumps(cfg), json.dumps(req)],
                             env=dict(os.environ, PYTHONPATH=str(PY_DIR)))
    try:
        deadline = time.monotonic() + 30
        while not any(p["out_request_no"] == no for p in sandbox.punishes()):
            assert child.poll() is None, "the child ended before its punish arrived"
            assert time.monotonic() < deadline, "the punish never reached the sandbox"
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
        child.wait()
    finally:
        if child.poll() is None:
            child.kill()
        sandbox.reset()
    [entry] = wx_recover.pending_at(str(journal))
    assert (entry.kind, entry.out_request_no, entry.state) == ("PUNISH", no, JournalState.IN_DOUBT)
    with wx_recover.Client(json.dumps(sandbox.config(journal=str(journal)))) as c:
        give_up = time.monotonic() + 30
        while True:
            c.reconcile()
            e = c.journal_entry(no, kind="PUNISH")
            if e.state.is_final or time.monotonic() > give_up:
                break
            time.sleep(0.2)
    placed = [p for p in sandbox.punishes() if p["out_request_no"] == no]
    assert len(placed) == 1, placed
    assert e.state is JournalState.SUCCEEDED, e
    assert e.platform_no == placed[0]["wxpay_punish_no"]
    blob = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert b"6230000000000888001" not in blob and b"6222020000000008888" not in blob
