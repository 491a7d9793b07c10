"""A process killed while its recover is on the wire leaves the attempt on record: `pending`
after the kill shows the entry IN_DOUBT with one attempt, because the attempt is counted before
its bytes go out."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import wx_recover

PY_DIR = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, wx_recover
cfg, req = json.loads(sys.argv[1]), json.loads(sys.argv[2])
with wx_recover.Client(json.dumps(cfg)) as c:
    c.submit(**req)
"""


def _in_flight(sandbox):
    st = sandbox.stats()
    return st["primary"]["in_flight"] + st["backup"]["in_flight"]


def test_pending_after_a_kill_mid_request_counts_the_attempt_that_reached_the_platform(faults, tmp_path):
    sandbox = faults
    journal = tmp_path / "journal.sqlite"
    cfg = sandbox.config(journal=str(journal), max_attempts=1, timeout_ms=30000, deadline_ms=60000)
    req = sandbox.request_for(sandbox.take_order())
    # The platform holds the request: it has arrived and is never answered. Other tests'
    # requests may be in flight too: wait for ours (recorded first, then one more in flight).
    before = _in_flight(sandbox)
    sandbox.fault("blackhole", 1)
    child = subprocess.Popen([sys.executable, "-c", CHILD, json.dumps(cfg), json.dumps(req)],
                             env=dict(os.environ, PYTHONPATH=str(PY_DIR)))
    try:
        deadline = time.monotonic() + 30
        while not journal.exists() or _in_flight(sandbox) <= before:
            assert child.poll() is None, "the child ended before its request arrived"
            assert time.monotonic() < deadline, "the request never reached the sandbox"
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
        child.wait()
    finally:
        if child.poll() is None:
            child.kill()
        sandbox.reset()
    [entry] = wx_recover.pending_at(str(journal))
    assert entry.out_request_no == req["out_request_no"]
    assert entry.state == wx_recover.JournalState.IN_DOUBT
    assert entry.attempts == 1, entry
